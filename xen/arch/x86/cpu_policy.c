/*
 * CPU policies for the toolstack (sysctl get_cpu_policy, domctl
 * get/set_cpu_policy) in Xen 4.17's serialised form: an array of
 * xen_cpuid_leaf_t and one of xen_msr_entry_t.
 *
 * Petrel has one PV policy, what pv_cpuid() shows every PV guest; raw and
 * host are the CPU's own CPUID. The leaves go out in the order and within
 * the bounds of Xen 4.17's struct cpuid_policy, so that libxenguest's
 * deserialiser takes them: basic leaves up to 0xd, leaf 4's cache subleaves,
 * leaf 7's subleaves up to its max_subleaf (at most 1), leaf 0xb's two topology levels,
 * leaf 0xd's subleaves up to the highest state component, then the extended
 * leaves up to 0x80000021. Everything else has XEN_CPUID_NO_SUBLEAF.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "asm.h"
#include "pv.h"
#include "hvm.h"
#include "uaccess.h"
#include "cpu_policy.h"

/* Xen 4.17's struct cpuid_policy bounds (xen/lib/x86/cpuid.h). */
#define NR_BASIC (0xdu + 1)
#define NR_CACHE (5u + 1)
#define NR_FEAT (1u + 1)
#define NR_TOPO (1u + 1)
#define NR_XSTATE (62u + 1)
#define NR_EXTD (0x21u + 1)
#define EXTD_BASE 0x80000000u

/* What one serialised policy can hold at most (Xen's bound, with hv_limit and hv2_limit). */
#define MAX_LEAVES                                                                                 \
	(NR_BASIC + NR_FEAT - 1 + NR_CACHE - 1 + NR_TOPO - 1 + NR_XSTATE - 1 + NR_EXTD + 2)
/* The MSRs of a policy: MSR_INTEL_PLATFORM_INFO and MSR_ARCH_CAPABILITIES. */
#define MAX_MSRS 2
#define MSR_PLATFORM_INFO 0xce
#define MSR_ARCH_CAPS 0x10a

static void host_leaf(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	cpuid_count(leaf, sub, a, b, c, d);
}

static void guest_leaf(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	pv_cpuid(leaf, sub, a, b, c, d);
}

/*
 * An HVM domain's view: what its vCPU 0's CPUID shows (hvm.c). Without an
 * HVM backend every leaf is 0, as Xen's HVM policies on a CPU without
 * hardware assist.
 */
static void hvm_leaf(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	if (!hvm_backend) {
		*a = *b = *c = *d = 0;
		return;
	}
	hvm_cpuid_leaf(0, leaf, sub, a, b, c, d);
}

leaf_fn cpu_policy_view(enum cpu_view view)
{
	switch (view) {
	case CPU_VIEW_PV:
		return guest_leaf;
	case CPU_VIEW_HVM:
		return hvm_leaf;
	default:
		return host_leaf;
	}
}

struct out {
	u64 buf;  /* guest array of xen_cpuid_leaf_t */
	u32 room; /* its entries */
	u32 n;	  /* written so far */
};

static long put_leaf(struct out *o, leaf_fn fn, u32 leaf, u32 sub)
{
	xen_cpuid_leaf_t l = { .leaf = leaf, .subleaf = sub };

	if (o->n >= o->room)
		return -ENOBUFS;
	fn(leaf, sub == XEN_CPUID_NO_SUBLEAF ? 0 : sub, &l.a, &l.b, &l.c, &l.d);
	if (copy_to_guest(o->buf + (u64)o->n * sizeof(l), &l, sizeof(l)))
		return -EFAULT;
	o->n++;
	return 0;
}

/* The subleaves of basic leaf @leaf that the policy keeps. */
static u32 nr_subleaves(leaf_fn fn, u32 leaf)
{
	u32 a, b, c, d;

	switch (leaf) {
	case 4:
		return NR_CACHE;
	case 7:
		fn(7, 0, &a, &b, &c, &d);
		return MIN(a + 1, NR_FEAT);
	case 0xb:
		return NR_TOPO;
	case 0xd: {
		u64 states;

		fn(0xd, 0, &a, &b, &c, &d);
		states = ((u64)d << 32) | a;
		fn(0xd, 1, &a, &b, &c, &d);
		states |= ((u64)d << 32) | c;
		return states ? MIN(64u - (u32)__builtin_clzll(states), NR_XSTATE) : 0;
	}
	default:
		return 0;
	}
}

static long put_basic(struct out *o, leaf_fn fn)
{
	u32 max, b, c, d;
	long rc = 0;

	fn(0, 0, &max, &b, &c, &d);
	for (u32 leaf = 0; leaf <= MIN(max, NR_BASIC - 1) && !rc; leaf++) {
		u32 subs = nr_subleaves(fn, leaf);

		if (!subs && leaf != 4 && leaf != 7 && leaf != 0xb && leaf != 0xd)
			rc = put_leaf(o, fn, leaf, XEN_CPUID_NO_SUBLEAF);
		for (u32 s = 0; s < subs && !rc; s++)
			rc = put_leaf(o, fn, leaf, s);
	}
	return rc;
}

static long put_extd(struct out *o, leaf_fn fn)
{
	u32 max, b, c, d;
	long rc = 0;

	fn(EXTD_BASE, 0, &max, &b, &c, &d);
	if (max < EXTD_BASE)
		return 0;
	for (u32 leaf = EXTD_BASE; leaf <= MIN(max, EXTD_BASE + NR_EXTD - 1) && !rc; leaf++)
		rc = put_leaf(o, fn, leaf, XEN_CPUID_NO_SUBLEAF);
	return rc;
}

/*
 * The MSR half: platform info 0 (no CPUID faulting offered) and arch caps
 * (the CPU's for raw/host, 0 for PV guests as the featureset says).
 */
static long put_msrs(u64 buf, u32 *nr, bool host)
{
	xen_msr_entry_t m[MAX_MSRS] = {
		{ .idx = MSR_PLATFORM_INFO },
		{ .idx = MSR_ARCH_CAPS },
	};
	u32 a, b, c, d;

	if (*nr < MAX_MSRS)
		return -ENOBUFS;
	cpuid_count(7, 0, &a, &b, &c, &d);
	if (host && (d & (1u << 29)))
		m[1].val = rdmsr(MSR_ARCH_CAPS);
	if (copy_to_guest(buf, m, sizeof(m)))
		return -EFAULT;
	*nr = MAX_MSRS;
	return 0;
}

static long serialise(leaf_fn fn, bool host, u64 leaves, u32 *nr_leaves, u64 msrs, u32 *nr_msrs)
{
	struct out o = { .buf = leaves, .room = *nr_leaves };
	long rc;

	if (!leaves) {
		*nr_leaves = MAX_LEAVES;
	} else {
		rc = put_basic(&o, fn);
		if (!rc)
			rc = put_extd(&o, fn);
		if (rc)
			return rc;
		*nr_leaves = o.n;
	}
	if (!msrs) {
		*nr_msrs = MAX_MSRS;
		return 0;
	}
	return put_msrs(msrs, nr_msrs, host);
}

long cpu_policy_serialise(bool host, u64 leaves, u32 *nr_leaves, u64 msrs, u32 *nr_msrs)
{
	return serialise(host ? host_leaf : guest_leaf, host, leaves, nr_leaves, msrs, nr_msrs);
}

long cpu_policy_serialise_hvm(u64 leaves, u32 *nr_leaves, u64 msrs, u32 *nr_msrs)
{
	return serialise(hvm_leaf, false, leaves, nr_leaves, msrs, nr_msrs);
}

/* Where Xen 4.17's deserialiser would put a leaf: -ERANGE if nowhere. */
static long leaf_in_range(const xen_cpuid_leaf_t *l)
{
	if (l->leaf < NR_BASIC) {
		switch (l->leaf) {
		case 4:
			return l->subleaf < NR_CACHE ? 0 : -ERANGE;
		case 7:
			return l->subleaf < NR_FEAT ? 0 : -ERANGE;
		case 0xb:
			return l->subleaf < NR_TOPO ? 0 : -ERANGE;
		case 0xd:
			return l->subleaf < NR_XSTATE ? 0 : -ERANGE;
		}
		return l->subleaf == XEN_CPUID_NO_SUBLEAF ? 0 : -ERANGE;
	}
	if (l->leaf == 0x40000000 || l->leaf == 0x40000100)
		return l->subleaf == XEN_CPUID_NO_SUBLEAF ? 0 : -ERANGE;
	if (l->leaf - EXTD_BASE < NR_EXTD)
		return l->subleaf == XEN_CPUID_NO_SUBLEAF ? 0 : -ERANGE;
	return -ERANGE;
}

/*
 * The leaves whose eax is a maximum: leaf 0 (of the basic leaves), leaf 7
 * subleaf 0 (of its subleaves) and the extended base leaf.
 */
static bool holds_max(const xen_cpuid_leaf_t *l)
{
	if (l->leaf == 7)
		return l->subleaf == 0;
	return (l->leaf == 0 || l->leaf == EXTD_BASE) && l->subleaf == XEN_CPUID_NO_SUBLEAF;
}

/*
 * A requested max leaf above the guest policy's: -EINVAL, as Xen's
 * compatibility check. The extended one may go up to the last leaf the
 * serialised form holds (0x80000021) whatever the CPU's: Xen 4.17 gives its
 * guests that max leaf on CPUs whose own is lower (a PVH domain's policy
 * from Xen on QEMU's qemu64 CPU, whose max is 0x8000000a, has it).
 */
static long max_leaf_ok(const xen_cpuid_leaf_t *l)
{
	u32 max, b, c, d;

	if (!holds_max(l))
		return 0;
	pv_cpuid(l->leaf, 0, &max, &b, &c, &d);
	if (l->leaf == EXTD_BASE)
		max = MAX(max, EXTD_BASE + NR_EXTD - 1);
	return l->a <= max ? 0 : -EINVAL;
}

long cpu_policy_check(struct xen_domctl_cpu_policy *p)
{
	xen_cpuid_leaf_t l;
	xen_msr_entry_t m;
	long rc;

	if (p->nr_leaves > MAX_LEAVES)
		return -E2BIG;
	if (p->nr_msrs > MAX_MSRS)
		return -E2BIG;
	for (u32 i = 0; i < p->nr_leaves; i++) {
		if (copy_from_guest(&l, (u64)p->leaves.p + (u64)i * sizeof(l), sizeof(l)))
			return -EFAULT;
		rc = leaf_in_range(&l);
		if (!rc)
			rc = max_leaf_ok(&l);
		if (rc) {
			p->err_leaf = l.leaf;
			p->err_subleaf = l.subleaf;
			return rc;
		}
	}
	for (u32 i = 0; i < p->nr_msrs; i++) {
		if (copy_from_guest(&m, (u64)p->msrs.p + (u64)i * sizeof(m), sizeof(m)))
			return -EFAULT;
		if (m.flags || (m.idx != MSR_PLATFORM_INFO && m.idx != MSR_ARCH_CAPS)) {
			p->err_msr = m.idx;
			return m.flags ? -EINVAL : -ERANGE;
		}
	}
	return 0;
}

#define F7_EBX_FSGSBASE 1u

/* The index of @leaf/@sub among @nr serialised leaves at @buf (*l a copy), or -1. */
static long find_leaf(u64 buf, u32 nr, u32 leaf, u32 sub, xen_cpuid_leaf_t *l)
{
	for (u32 i = 0; i < nr && i < MAX_LEAVES; i++) {
		if (copy_from_guest(l, buf + (u64)i * sizeof(*l), sizeof(*l)))
			return -1;
		if (l->leaf == leaf && l->subleaf == sub)
			return i;
	}
	return -1;
}

static long find_leaf7(u64 buf, u32 nr, xen_cpuid_leaf_t *l)
{
	return find_leaf(buf, nr, 7, 0, l);
}

/* Whether a (checked) policy offers FSGSBASE in leaf 7.0 EBX. */
bool cpu_policy_fsgsbase(const struct xen_domctl_cpu_policy *p)
{
	xen_cpuid_leaf_t l;

	return find_leaf7((u64)p->leaves.p, p->nr_leaves, &l) >= 0 && (l.b & F7_EBX_FSGSBASE);
}

/* FSGSBASE shown in the leaf 7.0 of a serialised policy, if it has that leaf. */
long cpu_policy_add_fsgsbase(u64 leaves, u32 nr_leaves)
{
	xen_cpuid_leaf_t l;
	long i = find_leaf7(leaves, nr_leaves, &l);

	if (i < 0)
		return 0;
	l.b |= F7_EBX_FSGSBASE;
	return copy_to_guest(leaves + (u64)i * sizeof(l), &l, sizeof(l)) ? -EFAULT : 0;
}
