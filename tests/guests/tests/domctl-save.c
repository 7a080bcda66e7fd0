/*
 * The calls the toolstack's save and restore make besides the build ones,
 * from the control domain, on a domain born as libxl creates one
 * (createdomain, max_vcpus), with Xen 4.17's answers to bad input:
 * get/set_ext_vcpucontext, get/setvcpuextstate, get/set_vcpu_msrs, shadow_op
 * (OFF, and ENABLE_LOGDIRTY: Debian's Xen has no PV log-dirty, Petrel has),
 * resumedomain, XENMEM_get_vnumainfo, and the M2P table mapped read-only
 * through mmu_update with foreigndom DOMID_XEN (an entry read back: our own
 * frame's PFN). Values that differ between hypervisors (the xsave mask, the
 * MSR count) are not asserted; errors and sizes are. With AVX, an XSAVE
 * record (XCR0 with AVX, a pattern in the upper YMM halves) set on the new
 * vCPU comes back from get: the state a restored kernel needs for xrstor.
 */
#include "cpu-policy-ops.h"
#include "logdirty-ops.h"
#include "vcpu-save-ops.h"

TEST_HV_ARGS("dom0_mem=64M");

#define XEN_DOMCTL_set_ext_vcpucontext 42
#define XEN_DOMCTL_get_ext_vcpucontext 43
#define XSTATE_AVX_MASK 7ULL /* x87, SSE, AVX */
#define XSAVE_BV 512	     /* XSTATE_BV, after the legacy region */
#define XSAVE_AVX 576	     /* the upper YMM halves in the standard form */
#define XSAVE_AVX_LEN 256
#define XENMEM_machphys_mfn_list 5
#define XENMEM_get_vnumainfo 26
#define DOMID_XEN 0x7ff2
#define HC_mmu_update 1
#define VIRT_BASE 0xffffffff80000000UL

struct ext_vcpucontext {
	uint32_t vcpu, size;
	uint64_t syscall32_eip, sysenter_eip;
	uint16_t syscall32_cs, sysenter_cs;
	uint8_t syscall32_masks, sysenter_masks;
	uint64_t vmce[4];
};
_Static_assert(sizeof(struct ext_vcpucontext) == 64, "ext_vcpucontext layout");

struct vnuma_info {
	uint16_t domid, pad;
	uint32_t nr_vnodes, nr_vcpus, nr_vmemranges;
	void *vdistance, *vcpu_to_vnode, *vmemrange;
};
_Static_assert(sizeof(struct vnuma_info) == 40, "vnuma_topology_info layout");

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t xrec[8192] __attribute__((aligned(64)));

static uint16_t create(void)
{
	uint16_t dom = builder_create();
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.max_vcpus = 1;
	rc = domctl(XEN_DOMCTL_max_vcpus, dom, &op);
	xtest_check(rc == 0, "max_vcpus(1): %ld", rc);
	return dom;
}

/*
 * The vMCE block's MCG_CAP: two banks (what Xen gives an AMD vCPU) and
 * none are kept and read back, a capability Xen never gives -EINVAL.
 */
static void ext_vcpucontext_vmce(uint16_t dom, struct ext_vcpucontext e)
{
	struct ext_vcpucontext got;
	long rc;

	for (uint64_t caps = 2;; caps = 0) {
		e.vmce[0] = caps;
		rc = domctl_struct(XEN_DOMCTL_set_ext_vcpucontext, dom, &e, sizeof(e));
		got = (struct ext_vcpucontext){ .vcpu = 0 };
		rc = rc ?: domctl_struct(XEN_DOMCTL_get_ext_vcpucontext, dom, &got, sizeof(got));
		xtest_check(rc == 0 && got.vmce[0] == caps, "MCG_CAP %#lx set: %ld, got %#lx",
			    (unsigned long)caps, rc, (unsigned long)got.vmce[0]);
		if (!caps)
			break;
	}
	e.vmce[0] = (1UL << 30) | 2;
	rc = domctl_struct(XEN_DOMCTL_set_ext_vcpucontext, dom, &e, sizeof(e));
	xtest_check(rc == -EINVAL, "MCG_CAP with bit 30: %ld", rc);
}

static struct cpuid_leaf pleaves[256];
static struct msr_entry pmsrs[8];

/* The domain's policy; the index of its leaf 7.0, or -1. */
static int get_policy(uint16_t dom, struct cpu_policy_op *p)
{
	long rc;

	*p = (struct cpu_policy_op){ 256, 8, pleaves, pmsrs, 0, 0, 0, 0 };
	rc = cpu_policy_op(XEN_DOMCTL_get_cpu_policy, dom, p);
	xtest_check(rc == 0, "get_cpu_policy: %ld", rc);
	for (uint32_t i = 0; rc == 0 && i < p->nr_leaves; i++)
		if (pleaves[i].leaf == 7 && pleaves[i].subleaf == 0)
			return (int)i;
	return -1;
}

/*
 * A policy with FSGSBASE, as a restore sets Xen's, comes back with it where
 * the CPU has it: the stream back to Xen must offer what the kernel may use.
 */
static void cpu_policy_fsgsbase(uint16_t dom)
{
	struct cpu_policy_op p;
	int i = get_policy(dom, &p);
	long rc;

	if (i < 0) {
		xtest_error("no leaf 7.0 in the domain's policy");
		return;
	}
	pleaves[i].b |= 1;
	rc = cpu_policy_op(XEN_DOMCTL_set_cpu_policy, dom, &p);
	xtest_check(rc == 0, "set_cpu_policy with FSGSBASE: %ld (leaf %#x)", rc, p.err_leaf);
	i = get_policy(dom, &p);
	xtest_check(i >= 0 && !!(pleaves[i].b & 1) == xtest_cpu_has_fsgsbase(),
		    "leaf 7.0 EBX %#x after a set with FSGSBASE (the CPU %s it)",
		    i >= 0 ? pleaves[i].b : 0, xtest_cpu_has_fsgsbase() ? "has" : "lacks");
}

static void ext_vcpucontext(uint16_t dom)
{
	struct ext_vcpucontext e = { 0 }, bad;
	long rc;

	rc = domctl_struct(XEN_DOMCTL_get_ext_vcpucontext, dom, &e, sizeof(e));
	xtest_check(rc == 0 && e.size == sizeof(e), "get_ext_vcpucontext: %ld, size %u", rc,
		    e.size);
	bad = (struct ext_vcpucontext){ .vcpu = 1 };
	rc = domctl_struct(XEN_DOMCTL_get_ext_vcpucontext, dom, &bad, sizeof(bad));
	xtest_check(rc == -ESRCH, "get_ext_vcpucontext of vCPU 1 (of 1): %ld", rc);
	rc = domctl_struct(XEN_DOMCTL_set_ext_vcpucontext, dom, &e, sizeof(e));
	xtest_check(rc == 0, "set_ext_vcpucontext with what get gave: %ld", rc);
	bad = e;
	bad.sysenter_eip = 0x8000000000000000UL;
	rc = domctl_struct(XEN_DOMCTL_set_ext_vcpucontext, dom, &bad, sizeof(bad));
	xtest_check(rc == -EINVAL, "set_ext_vcpucontext, non-canonical sysenter: %ld", rc);
	bad = e;
	bad.size = 16;
	rc = domctl_struct(XEN_DOMCTL_set_ext_vcpucontext, dom, &bad, sizeof(bad));
	xtest_check(rc == -EINVAL, "set_ext_vcpucontext of 16 bytes: %ld", rc);
	ext_vcpucontext_vmce(dom, e);
}

/* An XSAVE record of XCR0 x87/SSE/AVX, the upper YMM halves 0x5a.. */
static size_t avx_record(void)
{
	uint64_t hdr[2] = { XSTATE_AVX_MASK, XSTATE_AVX_MASK }, bv = XSTATE_AVX_MASK;
	uint32_t mxcsr = 0x1f80;
	uint16_t fcw = 0x37f;
	int i;

	memset(xrec, 0, sizeof(xrec));
	memcpy(xrec, hdr, sizeof(hdr));
	memcpy(xrec + XREC_HDR, &fcw, sizeof(fcw));
	memcpy(xrec + XREC_HDR + 24, &mxcsr, sizeof(mxcsr));
	memcpy(xrec + XREC_HDR + XSAVE_BV, &bv, sizeof(bv));
	for (i = 0; i < XSAVE_AVX_LEN; i++)
		xrec[XREC_HDR + XSAVE_AVX + i] = (uint8_t)(0x5a + i);
	return XREC_HDR + XSAVE_AVX + XSAVE_AVX_LEN;
}

static bool avx_record_back(void)
{
	uint64_t xcr0, bv;
	int i;

	memcpy(&xcr0, xrec, sizeof(xcr0));
	memcpy(&bv, xrec + XREC_HDR + XSAVE_BV, sizeof(bv));
	for (i = 0; i < XSAVE_AVX_LEN; i++)
		if (xrec[XREC_HDR + XSAVE_AVX + i] != (uint8_t)(0x5a + i))
			return false;
	return xcr0 == XSTATE_AVX_MASK && (bv & 4);
}

/* CPUID offers XSAVE, and AVX among the XCR0 components. */
static bool cpu_xsave_avx(void)
{
	uint32_t a, b, c, d;

	xen_cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 26)))
		return false;
	xen_cpuid(0xd, 0, &a, &b, &c, &d);
	return (a & XSTATE_AVX_MASK) == XSTATE_AVX_MASK;
}

/* setvcpuextstate's checks, then an AVX record set and got back. */
static void xsave_record(uint16_t dom, uint64_t mask, uint64_t max)
{
	struct vcpuextstate x = { .buffer = xrec };
	size_t len = avx_record();
	uint64_t bad;
	long rc;

	x.size = 8;
	rc = domctl_struct(XEN_DOMCTL_setvcpuextstate, dom, &x, sizeof(x));
	xtest_check(rc == -EINVAL, "setvcpuextstate of 8 bytes: %ld", rc);
	bad = 2; /* SSE without x87 */
	memcpy(xrec, &bad, sizeof(bad));
	x.size = len;
	rc = domctl_struct(XEN_DOMCTL_setvcpuextstate, dom, &x, sizeof(x));
	xtest_check(rc == -EINVAL, "setvcpuextstate, XCR0 without x87: %ld", rc);
	len = avx_record();
	bad = 1ULL << 63;
	memcpy(xrec + XREC_HDR + XSAVE_BV + 8, &bad, sizeof(bad));
	rc = domctl_struct(XEN_DOMCTL_setvcpuextstate, dom, &x, sizeof(x));
	xtest_check(rc == -EOPNOTSUPP, "setvcpuextstate of a compacted area: %ld", rc);
	len = avx_record();
	x.size = len;
	rc = domctl_struct(XEN_DOMCTL_setvcpuextstate, dom, &x, sizeof(x));
	xtest_check(rc == 0, "setvcpuextstate of XCR0 %#llx: %ld", XSTATE_AVX_MASK, rc);
	memset(xrec, 0, sizeof(xrec));
	x = (struct vcpuextstate){ .size = max, .xfeature_mask = mask, .buffer = xrec };
	rc = domctl_struct(XEN_DOMCTL_getvcpuextstate, dom, &x, sizeof(x));
	xtest_check(rc == 0 && x.size == len && avx_record_back(),
		    "getvcpuextstate after set: %ld, size %llu (want %zu), state back %d", rc,
		    (unsigned long long)x.size, len, avx_record_back());
}

/*
 * The record Xen 4.17 writes for a vCPU that never set XCR0: XCR0 and the
 * ever-enabled mask 0, no area (a guest saved on Xen restores elsewhere).
 */
static void never_set_record(uint16_t dom)
{
	struct vcpuextstate x = { .buffer = xrec, .size = XREC_HDR };
	long rc;

	memset(xrec, 0, sizeof(xrec));
	rc = domctl_struct(XEN_DOMCTL_setvcpuextstate, dom, &x, sizeof(x));
	xtest_check(rc == 0, "setvcpuextstate of XCR0 0, never set: %ld", rc);
}

static void extstate_and_msrs(uint16_t dom)
{
	struct vcpuextstate x = { 0 };
	struct vcpu_msrs m = { 0 };
	struct vcpu_msr bogus = { .index = 0x12345678, .value = 1 };
	long rc;

	rc = domctl_struct(XEN_DOMCTL_getvcpuextstate, dom, &x, sizeof(x));
	xtest_check(rc == 0, "getvcpuextstate (size query): %ld", rc);
	xtest_check(!x.xfeature_mask || ((x.xfeature_mask & 3) == 3 && x.size >= XREC_HDR + 576 &&
					 x.size <= sizeof(xrec)),
		    "getvcpuextstate: mask %#llx, size %llu", (unsigned long long)x.xfeature_mask,
		    (unsigned long long)x.size);
	if (cpu_xsave_avx()) {
		xtest_check((x.xfeature_mask & XSTATE_AVX_MASK) == XSTATE_AVX_MASK,
			    "getvcpuextstate: mask %#llx without AVX, which CPUID offers",
			    (unsigned long long)x.xfeature_mask);
		xsave_record(dom, x.xfeature_mask, x.size);
	} else {
		printk("no XSAVE with AVX: the XSAVE record is not tried\n");
	}
	if (x.xfeature_mask)
		never_set_record(dom);
	x = (struct vcpuextstate){ .vcpu = 1 };
	rc = domctl_struct(XEN_DOMCTL_getvcpuextstate, dom, &x, sizeof(x));
	xtest_check(rc == -ESRCH, "getvcpuextstate of vCPU 1: %ld", rc);
	x = (struct vcpuextstate){ 0 };
	rc = domctl_struct(XEN_DOMCTL_getvcpuextstate, 0, &x, sizeof(x));
	xtest_check(rc == -EINVAL, "getvcpuextstate of the calling vCPU: %ld", rc);
	rc = domctl_struct(XEN_DOMCTL_get_vcpu_msrs, dom, &m, sizeof(m));
	xtest_check(rc == 0, "get_vcpu_msrs (count query): %ld", rc);
	m = (struct vcpu_msrs){ .vcpu = 1 };
	rc = domctl_struct(XEN_DOMCTL_get_vcpu_msrs, dom, &m, sizeof(m));
	xtest_check(rc == -ESRCH, "get_vcpu_msrs of vCPU 1: %ld", rc);
	m = (struct vcpu_msrs){ 0 };
	rc = domctl_struct(XEN_DOMCTL_get_vcpu_msrs, 0, &m, sizeof(m));
	xtest_check(rc == -EINVAL, "get_vcpu_msrs of the calling vCPU: %ld", rc);
	m = (struct vcpu_msrs){ 0 };
	rc = domctl_struct(XEN_DOMCTL_set_vcpu_msrs, dom, &m, sizeof(m));
	xtest_check(rc == 0, "set_vcpu_msrs of none: %ld", rc);
	m = (struct vcpu_msrs){ .msr_count = 1, .msrs = &bogus };
	rc = domctl_struct(XEN_DOMCTL_set_vcpu_msrs, dom, &m, sizeof(m));
	xtest_check(rc == -EINVAL && m.msr_count == 0, "set_vcpu_msrs of MSR %#x: %ld, count %u",
		    bogus.index, rc, m.msr_count);
}

/*
 * Non-live save only turns log-dirty off. PV log-dirty needs shadow paging on
 * Xen, which Debian's Xen is built without (ENABLE -EOPNOTSUPP, OFF finds no
 * paging mode: -EINVAL); Petrel has it (guest test logdirty), so there both
 * succeed.
 */
static void shadow_off(uint16_t dom)
{
	bool petrel = xtest_on_petrel();
	struct shadow_op s = { .op = SHADOW_OP_OFF };
	long rc;

	rc = shadow(dom, &s);
	xtest_check(rc == (petrel ? 0 : -EINVAL), "shadow_op OFF: %ld", rc);
	s = (struct shadow_op){ .op = SHADOW_OP_OFF };
	rc = shadow(0, &s);
	xtest_check(rc == -EINVAL, "shadow_op OFF on the caller itself: %ld", rc);
	s = (struct shadow_op){ .op = SHADOW_OP_ENABLE_LOGDIRTY };
	rc = shadow(dom, &s);
	xtest_check(rc == (petrel ? 0 : -EOPNOTSUPP), "shadow_op ENABLE_LOGDIRTY on PV: %ld", rc);
}

static void resume(uint16_t dom)
{
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_resumedomain, 0, &op);
	xtest_check(rc == -EINVAL, "resumedomain of the caller itself: %ld", rc);
	rc = domctl(XEN_DOMCTL_resumedomain, dom, &op);
	xtest_check(rc == 0, "resumedomain of a domain not shut down: %ld", rc);
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_getdomaininfo, dom, &op);
	xtest_check(rc == 0 && (op.u.info.flags & XEN_DOMINF_paused),
		    "still paused after resumedomain: %ld, flags %#x", rc, op.u.info.flags);
}

static void vnuma(uint16_t dom)
{
	struct vnuma_info v = { .domid = dom };
	long rc;

	rc = hypercall(HC_memory_op, XENMEM_get_vnumainfo, (unsigned long)&v, 0, 0, 0);
	xtest_check(rc == -EOPNOTSUPP, "get_vnumainfo of d%u (no vNUMA): %ld", dom, rc);
	v = (struct vnuma_info){ .domid = DOMID_SELF };
	rc = hypercall(HC_memory_op, XENMEM_get_vnumainfo, (unsigned long)&v, 0, 0, 0);
	xtest_check(rc == -EOPNOTSUPP, "get_vnumainfo of ourselves: %ld", rc);
	v = (struct vnuma_info){ .domid = 0x7000 };
	rc = hypercall(HC_memory_op, XENMEM_get_vnumainfo, (unsigned long)&v, 0, 0, 0);
	xtest_check(rc == -ESRCH, "get_vnumainfo of no domain: %ld", rc);
}

static long map_xen(unsigned long mfn, uint64_t flags)
{
	uint64_t req[2] = { builder_l1e_maddr(window), (mfn << 12) | flags };
	unsigned int done = 0;
	struct mmuext_op inv = { MMUEXT_INVLPG_LOCAL, 0, (unsigned long)window, 0 };
	long rc =
	    hypercall(HC_mmu_update, (unsigned long)req, 1, (unsigned long)&done, DOMID_XEN, 0);

	if (!rc)
		rc = hypercall(HC_mmuext_op, (unsigned long)&inv, 1, 0, DOMID_SELF, 0);
	return rc;
}

/* The M2P as the save side reads it: frames from machphys_mfn_list, foreigndom DOMID_XEN. */
static void m2p(void)
{
	static unsigned long chunks[8];
	struct {
		unsigned int max_extents;
		unsigned long *extent_start;
		unsigned int nr_extents;
	} l = { 8, chunks, 0 };
	unsigned long own = builder_own_frame(window);
	unsigned long pfn = ((unsigned long)window - VIRT_BASE) >> 12;
	long rc;

	rc = hypercall(HC_memory_op, XENMEM_machphys_mfn_list, (unsigned long)&l, 0, 0, 0);
	if (rc || !l.nr_extents || own >= 262144UL * l.nr_extents) {
		xtest_fail("machphys_mfn_list: %ld, %u chunks, our frame %#lx", rc, l.nr_extents,
			   own);
		return;
	}
	/* Each chunk: 2 MiB, 512 frames of 512 entries. */
	rc = map_xen(chunks[own / 262144] + own % 262144 / 512, PTE_P | PTE_A);
	xtest_check(rc == 0, "read-only mapping of an M2P frame, foreigndom DOMID_XEN: %ld", rc);
	if (!rc) {
		unsigned long e = ((volatile unsigned long *)window)[own % 512];

		xtest_check(e == pfn, "M2P entry of our frame %#lx: %#lx, expected PFN %#lx", own,
			    e, pfn);
		builder_unmap(window);
	}
	rc = map_xen(chunks[0], PTE_P | PTE_RW | PTE_A | PTE_D);
	xtest_check(rc == -EBUSY, "writable mapping of an M2P frame: %ld", rc);
	rc = map_xen(own, PTE_P | PTE_A);
	xtest_check(rc == -EBUSY, "our own frame with foreigndom DOMID_XEN: %ld", rc);
	if (!rc)
		builder_unmap(window);
}

void test_main(void)
{
	uint64_t free0 = builder_free_pages();
	uint16_t dom = create();
	struct dctl op;
	long rc;

	printk("created d%u\n", dom);
	cpu_policy_fsgsbase(dom);
	ext_vcpucontext(dom);
	extstate_and_msrs(dom);
	shadow_off(dom);
	resume(dom);
	vnuma(dom);
	m2p();
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_destroydomain, dom, &op);
	xtest_check(rc == 0, "destroydomain: %ld", rc);
	xtest_check(builder_wait_free(free0) == free0, "free pages not back after destroy");
}
