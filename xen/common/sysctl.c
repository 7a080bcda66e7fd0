/*
 * sysctl: system-wide operations for the control domain's toolstack, at
 * Xen 4.17's interface version: what `xl info`, `xl list`, `xl dmesg` and
 * `xl vcpu-list` read. The host is one NUMA node and one CPU pool (pool 0,
 * every CPU, the credit scheduler's interface over Petrel's round robin);
 * docs/abi-status.md lists each op and the ones that answer -ENOSYS.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "asm.h"
#include "apic.h"
#include "console.h"
#include "domain.h"
#include "grant_table.h"
#include "hvm.h"
#include "mm.h"
#include "sched.h"
#include "pci.h"
#include "hypercall.h"
#include "pv.h"
#include "uaccess.h"
#include "public/domctl.h"
#include "public/sysctl.h"
#include "cpu_policy.h"
#include "claim.h"
#include "hcstats.h"

/* Xen's default NUMA node count (max_node_id is one less, whatever is online). */
#define SYSCTL_MAX_NUMNODES 64
/* What Xen reports between two CPUs of one node (no ACPI SLIT). */
#define NODE_LOCAL_DISTANCE 10

static long readconsole(struct xen_sysctl_readconsole *rc)
{
	static char chunk[512];
	u32 done = 0, index = rc->index;
	bool from_index = rc->incremental;

	while (done < rc->count) {
		u32 n = conring_read(chunk, MIN(rc->count - done, (u32)sizeof(chunk)), &index,
				     from_index);

		if (!n)
			break;
		if (copy_to_guest((u64)rc->buffer.p + done, chunk, n))
			return -EFAULT;
		done += n;
		from_index = true;
	}
	if (!rc->count) /* nothing asked for: still say where reading would start */
		conring_read(chunk, 0, &index, rc->incremental);
	if (rc->clear)
		conring_clear(index);
	rc->count = done;
	rc->index = index;
	return 0;
}

/* Up to max_domains records, in id order, from first_domain on. */
static long getdomaininfolist(struct xen_sysctl_getdomaininfolist *l)
{
	struct xen_domctl_getdomaininfo info;
	u32 n = 0;

	for (struct domain *d = domain_first_from(l->first_domain); d && n < l->max_domains;
	     d = domain_next(d), n++) {
		getdomaininfo(d, &info);
		if (copy_to_guest((u64)l->buffer.p + (u64)n * sizeof(info), &info, sizeof(info)))
			return -EFAULT;
	}
	l->num_domains = n;
	return 0;
}

/*
 * The boot CPU's feature words in Xen's featureset order (physinfo's
 * hw_cap): 1.edx, 1.ecx, e1.edx, e1.ecx, 0xd.1.eax, 7.0.ebx, 7.0.ecx, e7.edx.
 */
static void host_featureset(u32 *w, unsigned int nr)
{
	u32 a, b, c, d, max, emax;

	memset(w, 0, nr * sizeof(*w));
	if (nr < 8)
		return;
	cpuid_count(0, 0, &max, &b, &c, &d);
	cpuid_count(0x80000000, 0, &emax, &b, &c, &d);
	cpuid_count(1, 0, &a, &b, &w[1], &w[0]);
	if (emax >= 0x80000001)
		cpuid_count(0x80000001, 0, &a, &b, &w[3], &w[2]);
	if (max >= 0xd)
		cpuid_count(0xd, 1, &w[4], &b, &c, &d);
	if (max >= 7)
		cpuid_count(7, 0, &a, &w[5], &w[6], &d);
	if (emax >= 0x80000007)
		cpuid_count(0x80000007, 0, &a, &b, &c, &w[7]);
}

/*
 * What Xen reports for a host that runs PV guests (and HVM ones on nested
 * paging) with grant tables of versions 1 and 2: no shadow or IOMMU.
 * Free pages are the allocator's own count, exact to the page.
 */
static long physinfo(struct xen_sysctl_physinfo *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->threads_per_core = 1;
	pi->cores_per_socket = 1;
	pi->nr_cpus = sched_nr_cpus();
	pi->max_cpu_id = sched_nr_cpus() - 1;
	pi->nr_nodes = 1;
	pi->max_node_id = SYSCTL_MAX_NUMNODES - 1;
	pi->cpu_khz = (u32)tsc_khz();
	pi->capabilities = XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_gnttab_v1;
	if (gnttab_opts.max_version >= 2) /* gnttab=max-ver:1 hides it, as on Xen */
		pi->capabilities |= XEN_SYSCTL_PHYSCAP_gnttab_v2;
	if (hvm_backend) /* HVM guests on nested paging; no shadow paging */
		pi->capabilities |= XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_hap;
	pi->total_pages = total_pages;
	pi->free_pages = buddy_free_count();
	pi->outstanding_pages = claims_outstanding();
	pi->max_mfn = max_page - 1;
	host_featureset(pi->hw_cap, ARRAY_SIZE(pi->hw_cap));
	return 0;
}

/* Idle time of each CPU, for as many CPUs as the caller has room for. */
static long getcpuinfo(struct xen_sysctl_getcpuinfo *ci)
{
	u32 nr = MIN(ci->max_cpus, sched_nr_cpus()), i;

	for (i = 0; i < nr; i++) {
		struct xen_sysctl_cpuinfo info = { .idletime = sched_idle_time(i) };

		if (copy_to_guest((u64)ci->info.p + (u64)i * sizeof(info), &info, sizeof(info)))
			return -EFAULT;
	}
	ci->nr_cpus = i;
	return 0;
}

/*
 * Core, socket and node of each CPU index. A NULL array asks for the count;
 * a short one gets the first entries and the count it had room for.
 */
static long cputopoinfo(struct xen_sysctl_cputopoinfo *ti)
{
	u32 nr = sched_nr_cpus(), i;

	if (ti->cputopo.p) {
		nr = MIN(nr, ti->num_cpus);
		for (i = 0; i < nr; i++) {
			struct xen_sysctl_cputopo t = { .core = 0, .socket = i, .node = 0 };

			if (copy_to_guest((u64)ti->cputopo.p + (u64)i * sizeof(t), &t, sizeof(t)))
				return -EFAULT;
		}
	}
	ti->num_cpus = nr;
	return 0;
}

/* Node 0 spans every frame; its free memory is all free memory. */
static long numainfo(struct xen_sysctl_numainfo *ni)
{
	u32 nr = 1;

	if (ni->meminfo.p || ni->distance.p) {
		nr = MIN(nr, ni->num_nodes);
		if (nr && ni->meminfo.p) {
			struct xen_sysctl_meminfo m = {
				.memsize = max_page << PAGE_SHIFT,
				.memfree = buddy_free_count() << PAGE_SHIFT,
			};

			if (copy_to_guest((u64)ni->meminfo.p, &m, sizeof(m)))
				return -EFAULT;
		}
		if (nr && ni->distance.p) {
			u32 dist = NODE_LOCAL_DISTANCE;

			if (copy_to_guest((u64)ni->distance.p, &dist, sizeof(dist)))
				return -EFAULT;
		}
	}
	ni->num_nodes = nr;
	return 0;
}

/*
 * The node of each PCI device asked about: none known for the devices on
 * segment 0's buses (one node), XEN_INVALID_DEV for absent ones. Long lists
 * stop early when something else wants the CPU; num_devs says how far.
 */
static long pcitopoinfo(struct xen_sysctl_pcitopoinfo *ti)
{
	u32 i = 0;

	if (!ti->devs.p || !ti->nodes.p)
		return -EINVAL;
	while (i < ti->num_devs) {
		struct physdev_pci_device dev;
		u32 node;

		if (copy_from_guest(&dev, (u64)ti->devs.p + (u64)i * sizeof(dev), sizeof(dev)))
			return -EFAULT;
		node = !dev.seg && pci_present(dev.bus, dev.devfn) ? XEN_INVALID_NODE_ID
								   : XEN_INVALID_DEV;
		if (copy_to_guest((u64)ti->nodes.p + (u64)i * sizeof(node), &node, sizeof(node)))
			return -EFAULT;
		if (++i > 0x3f && hypercall_preempt_check())
			break;
	}
	ti->num_devs = i;
	return 0;
}

/*
 * A CPU map into a guest bitmap of nr_bits: as many bytes as both sides
 * have, the rest of the guest's bytes zeroed.
 */
static long cpumap_to_guest(struct xenctl_bitmap *map, bool all_cpus)
{
	u64 guest_bytes = ((u64)map->nr_bits + 7) / 8;
	u8 chunk[64];

	for (u64 off = 0; off < guest_bytes; off += sizeof(chunk)) {
		size_t n = MIN(guest_bytes - off, (u64)sizeof(chunk));

		memset(chunk, 0, sizeof(chunk));
		for (u64 cpu = off * 8; all_cpus && cpu < sched_nr_cpus() && cpu < (off + n) * 8;
		     cpu++)
			chunk[cpu / 8 - off] |= 1u << (cpu % 8);
		if (copy_to_guest((u64)map->bitmap.p + off, chunk, n))
			return -EFAULT;
	}
	return 0;
}

/* One pool, id 0, holding every CPU and every domain. */
static long cpupool_op(struct xen_sysctl_cpupool_op *op)
{
	switch (op->op) {
	case XEN_SYSCTL_CPUPOOL_OP_INFO:
		/* The first pool with an id >= the one asked for. */
		if (op->cpupool_id != 0)
			return -ENOENT;
		op->sched_id = XEN_SCHEDULER_CREDIT;
		op->n_dom = domain_count();
		return cpumap_to_guest(&op->cpumap, true);
	case XEN_SYSCTL_CPUPOOL_OP_FREEINFO:
		return cpumap_to_guest(&op->cpumap, false);
	default:
		return -ENOSYS;
	}
}

/*
 * The credit interface to the round robin.  putinfo takes what Xen's credit
 * scheduler takes (the same ranges; a rate limit no longer than the slice)
 * and answers as getinfo.  The slice is the round robin's; the rate limit
 * and the migration delay are kept and reported, the round robin has
 * neither (0 until set).
 */
static u32 credit_ratelimit_us, credit_migr_delay_us;

static bool credit_params_bad(const struct xen_sysctl_credit_schedule *p)
{
	bool rate_bad = p->ratelimit_us && (p->ratelimit_us < XEN_SYSCTL_SCHED_RATELIMIT_MIN ||
					    p->ratelimit_us > XEN_SYSCTL_SCHED_RATELIMIT_MAX);

	return p->tslice_ms < XEN_SYSCTL_CSCHED_TSLICE_MIN ||
	       p->tslice_ms > XEN_SYSCTL_CSCHED_TSLICE_MAX || rate_bad ||
	       (u64)p->ratelimit_us > (u64)p->tslice_ms * 1000 ||
	       p->vcpu_migr_delay_us > XEN_SYSCTL_CSCHED_MGR_DLY_MAX_US;
}

static long scheduler_op(struct xen_sysctl_scheduler_op *op)
{
	struct xen_sysctl_credit_schedule *p = &op->u.sched_credit;

	if (op->cmd != XEN_SYSCTL_SCHEDOP_putinfo && op->cmd != XEN_SYSCTL_SCHEDOP_getinfo)
		return -EINVAL;
	if (op->cpupool_id != 0)
		return -ESRCH;
	if (op->sched_id != XEN_SCHEDULER_CREDIT)
		return -EINVAL;
	if (op->cmd == XEN_SYSCTL_SCHEDOP_putinfo) {
		if (credit_params_bad(p))
			return -EINVAL;
		sched_slice_ns = (u64)p->tslice_ms * 1000000;
		credit_ratelimit_us = p->ratelimit_us;
		credit_migr_delay_us = p->vcpu_migr_delay_us;
	}
	p->tslice_ms = (u32)(sched_slice_ns / 1000000);
	p->ratelimit_us = credit_ratelimit_us;
	p->vcpu_migr_delay_us = credit_migr_delay_us;
	return 0;
}

/*
 * Featuresets: Xen 4.17's 19 feature words, each one CPUID register (or the
 * two halves of MSR_ARCH_CAPABILITIES), in Xen's order.
 */
#define FEATURESET_WORDS 19
#define FS_MSR_ARCH_CAPS 0xffffffffu
#define MSR_ARCH_CAPABILITIES 0x10a
#define CPUID7_EDX_ARCH_CAPS (1u << 29)

static const struct fs_word {
	u32 leaf, sub;
	u8 reg; /* 0..3: eax, ebx, ecx, edx; for the MSR: 0 low half, 3 high half */
} fs_words[FEATURESET_WORDS] = {
	{ 1, 0, 3 },
	{ 1, 0, 2 },
	{ 0x80000001, 0, 3 },
	{ 0x80000001, 0, 2 },
	{ 0xd, 1, 0 },
	{ 7, 0, 1 },
	{ 7, 0, 2 },
	{ 0x80000007, 0, 3 },
	{ 0x80000008, 0, 1 },
	{ 7, 0, 3 },
	{ 7, 1, 0 },
	{ 0x80000021, 0, 0 },
	{ 7, 1, 1 },
	{ 7, 2, 3 },
	{ 7, 1, 2 },
	{ 7, 1, 3 },
	{ FS_MSR_ARCH_CAPS, 0, 0 },
	{ FS_MSR_ARCH_CAPS, 0, 3 },
	{ 0x80000021, 0, 2 },
};

/* One feature word as @fn reports it; 0 for leaves past the CPU's maxima. */
static u32 fs_word(const struct fs_word *w, leaf_fn fn, bool raw)
{
	u32 r[4], max;

	if (w->leaf == FS_MSR_ARCH_CAPS) {
		u64 caps;

		cpuid_count(7, 0, &r[0], &r[1], &r[2], &r[3]);
		if (!raw || !(r[3] & CPUID7_EDX_ARCH_CAPS))
			return 0; /* not offered to guests */
		caps = rdmsr(MSR_ARCH_CAPABILITIES);
		return w->reg ? (u32)(caps >> 32) : (u32)caps;
	}
	fn(w->leaf & 0x80000000, 0, &max, &r[1], &r[2], &r[3]);
	if (w->leaf > max)
		return 0;
	if (w->leaf == 7) {
		fn(7, 0, &max, &r[1], &r[2], &r[3]);
		if (w->sub > max)
			return 0;
	}
	fn(w->leaf, w->sub, &r[0], &r[1], &r[2], &r[3]);
	return r[w->reg];
}

/*
 * XEN_SYSCTL_get_cpu_featureset: raw and host are the CPU's own (Petrel
 * hides nothing from itself), pv and pv_max what a PV guest's CPUID shows
 * (one PV policy), hvm and hvm_max an HVM guest's (the leaves of
 * get_cpu_policy's hvm_default and hvm_max; all 0 without HVM). A NULL
 * array asks for the count; a short one gets its words and -ENOBUFS.
 */
static long cpu_featureset(struct xen_sysctl_cpu_featureset *fs)
{
	u32 nr = MIN(fs->nr_features, (u32)FEATURESET_WORDS);
	enum cpu_view view;

	if (!fs->features.p) {
		fs->nr_features = FEATURESET_WORDS;
		return 0;
	}
	switch (fs->index) {
	case XEN_SYSCTL_cpu_featureset_raw:
	case XEN_SYSCTL_cpu_featureset_host:
		view = CPU_VIEW_HOST;
		break;
	case XEN_SYSCTL_cpu_featureset_pv:
	case XEN_SYSCTL_cpu_featureset_pv_max:
		view = CPU_VIEW_PV;
		break;
	case XEN_SYSCTL_cpu_featureset_hvm:
	case XEN_SYSCTL_cpu_featureset_hvm_max:
		view = CPU_VIEW_HVM;
		break;
	default:
		return -EINVAL;
	}
	for (u32 i = 0; i < nr; i++) {
		u32 word = fs_word(&fs_words[i], cpu_policy_view(view), view == CPU_VIEW_HOST);

		if (copy_to_guest((u64)fs->features.p + i * sizeof(word), &word, sizeof(word)))
			return -EFAULT;
	}
	fs->nr_features = nr;
	return nr < FEATURESET_WORDS ? -ENOBUFS : 0;
}

/*
 * XEN_SYSCTL_get_cpu_policy: raw and host are the CPU's own; pv_max and
 * pv_default the one PV policy; hvm_max and hvm_default the CPUID an HVM
 * vCPU sees (hvm_cpuid_leaf, as an HVM domain's own policy), with the
 * leaf 1 bits Xen 4.17 gives HVM guests only (PSE, PGE, x2APIC, ...).
 * libxenguest starts an HVM domain's policy from hvm_default;
 * set_cpu_policy checks a domain's policy and does not apply it, an HVM
 * guest's CPUID being Petrel's own. A NULL array asks for its bound.
 */
static long cpu_policy(struct xen_sysctl_cpu_policy *cp)
{
	u64 leaves = (u64)cp->leaves.p, msrs = (u64)cp->msrs.p;

	if (cp->_rsvd)
		return -EINVAL;
	switch (cp->index) {
	case XEN_SYSCTL_cpu_policy_raw:
	case XEN_SYSCTL_cpu_policy_host:
		return cpu_policy_serialise(true, leaves, &cp->nr_leaves, msrs, &cp->nr_msrs);
	case XEN_SYSCTL_cpu_policy_pv_max:
	case XEN_SYSCTL_cpu_policy_pv_default:
		return cpu_policy_serialise(false, leaves, &cp->nr_leaves, msrs, &cp->nr_msrs);
	case XEN_SYSCTL_cpu_policy_hvm_max:
	case XEN_SYSCTL_cpu_policy_hvm_default:
		return cpu_policy_serialise_hvm(leaves, &cp->nr_leaves, msrs, &cp->nr_msrs);
	default:
		return -EINVAL;
	}
}

static long sysctl_dispatch(struct xen_sysctl *op)
{
	switch (op->cmd) {
	case XEN_SYSCTL_readconsole:
		return readconsole(&op->u.readconsole);
	case XEN_SYSCTL_physinfo:
		return physinfo(&op->u.physinfo);
	case XEN_SYSCTL_sched_id:
		op->u.sched_id.sched_id = XEN_SCHEDULER_CREDIT;
		return 0;
	case XEN_SYSCTL_getdomaininfolist:
		return getdomaininfolist(&op->u.getdomaininfolist);
	case XEN_SYSCTL_getcpuinfo:
		return getcpuinfo(&op->u.getcpuinfo);
	case XEN_SYSCTL_cputopoinfo:
		return cputopoinfo(&op->u.cputopoinfo);
	case XEN_SYSCTL_numainfo:
		return numainfo(&op->u.numainfo);
	case XEN_SYSCTL_pcitopoinfo:
		return pcitopoinfo(&op->u.pcitopoinfo);
	case XEN_SYSCTL_cpupool_op:
		return cpupool_op(&op->u.cpupool_op);
	case XEN_SYSCTL_scheduler_op:
		return scheduler_op(&op->u.scheduler_op);
	case XEN_SYSCTL_get_cpu_featureset:
		return cpu_featureset(&op->u.cpu_featureset);
	case XEN_SYSCTL_get_cpu_policy:
		return cpu_policy(&op->u.cpu_policy);
	case XEN_SYSCTL_debug_keys:
		return debug_keys((u64)op->u.debug_keys.keys.p, op->u.debug_keys.nr_keys);
	default:
		return -ENOSYS;
	}
}

/*
 * Only the control domain. The whole argument goes back on success, and
 * with a featureset's -ENOBUFS (the caller learns how many words it got).
 */
long do_sysctl(unsigned long arg)
{
	struct xen_sysctl op;
	u64 start;
	long rc;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
		return -EACCES;
	if (!current->domain->is_privileged)
		return -EPERM;
	start = hcstats_start();
	rc = sysctl_dispatch(&op);
	hcstats_end(HCSTATS_SYSCTL, op.cmd, start);
	if ((!rc || (rc == -ENOBUFS && op.cmd == XEN_SYSCTL_get_cpu_featureset)) &&
	    copy_to_guest(arg, &op, sizeof(op)))
		return -EFAULT;
	return rc;
}
