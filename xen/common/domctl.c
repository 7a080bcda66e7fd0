/*
 * domctl: the control domain's operations on one domain, at Xen 4.17's
 * interface version. The order of checks is Xen's: the interface version
 * (-EACCES), then the domain named (-ESRCH; createdomain names none and
 * getdomaininfo has its own rule), then the caller (-EPERM unless it is
 * the control domain). What each op does is beside it below; the ops not
 * listed answer -ENOSYS (docs/abi-status.md).
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "page.h"
#include "mm.h"
#include "domain.h"
#include "grant_table.h"
#include "hvm.h"
#include "sched.h"
#include "smp.h"
#include "uaccess.h"
#include "timer.h"
#include "apic.h"
#include "asm.h"
#include "pv.h"
#include "public/arch-x86/xen.h"
#include "public/domctl.h"
#include "public/sysctl.h"
#include "cpu_policy.h"
#include "io_caps.h"
#include "hcstats.h"
#include "hypercall.h"

/*
 * What getdomaininfo and sysctl getdomaininfolist report. Xen's rules:
 * blocked only when every online vCPU is, running when any is; paused is
 * the toolstack's pause; the shutdown code field is always filled (all
 * ones until a code is given); dying only once torn down; an HVM domain
 * (always on nested paging here) has hvm_guest and hap, which libxl and
 * libxenguest read to tell it from a PV one (its save stream's type).
 */
void getdomaininfo(struct domain *d, struct xen_domctl_getdomaininfo *info)
{
	u32 flags = XEN_DOMINF_blocked;

	memset(info, 0, sizeof(*info));
	info->domain = d->domain_id;
	info->max_vcpu_id = XEN_INVALID_MAX_VCPU_ID;
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++) {
		const struct vcpu *v = d->vcpu[i];

		if (!v)
			continue;
		info->max_vcpu_id = v->vcpu_id;
		if (v->pause_flags & VPF_down)
			continue;
		if (!(v->pause_flags & VPF_blocked))
			flags &= ~XEN_DOMINF_blocked;
		if (v->is_running)
			flags |= XEN_DOMINF_running;
		info->nr_online_vcpus++;
	}
	if (!info->nr_online_vcpus)
		flags = 0;
	if (d->is_dying == DOMDYING_dead)
		flags |= XEN_DOMINF_dying;
	if (d->is_shutting_down)
		flags |= XEN_DOMINF_shutdown;
	if (d->controller_pause_count)
		flags |= XEN_DOMINF_paused;
	if (is_hvm_domain(d))
		flags |= XEN_DOMINF_hvm_guest | XEN_DOMINF_hap;
	info->flags = flags | (d->shutdown_code << XEN_DOMINF_shutdownshift);
	info->tot_pages = d->tot_pages;
	info->max_pages = d->max_pages;
	info->outstanding_pages = d->outstanding_pages;
	info->cpu_time = domain_cpu_time(d);
	info->ssidref = 0;
	memcpy(info->handle, d->handle, sizeof(info->handle));
	/*
	 * A PV guest names frames by MFN; an HVM guest's shared_info is named by
	 * the GFN it was put at, all ones while it is at none (Xen's M2P answer).
	 */
	if (is_hvm_domain(d))
		info->shared_info_frame = d->arch.hvm.shared_info_gfn;
	else
		info->shared_info_frame = d->shared_info ? virt_to_mfn(d->shared_info) : 0;
}

static long getdomaininfo_op(struct xen_domctl *op)
{
	struct domain *d = domain_by_id(op->domain);

	if (!d) {
		if (op->domain >= DOMID_FIRST_RESERVED)
			return -EINVAL;
		d = domain_first_from(op->domain);
		if (!d)
			return -ESRCH;
	}
	getdomaininfo(d, &op->u.getdomaininfo);
	op->domain = op->u.getdomaininfo.domain;
	return 0;
}

/* ---- createdomain and destroydomain. */

/*
 * Emulated devices: a PV guest has none (Xen would also take a PIT); an
 * HVM guest has either only the local APIC (libxl's type=pvh) or Xen's
 * full-HVM set, everything but vPCI (type=hvm; hvm/platform.c). Shadow
 * paging (HVM without HAP) Petrel does not have. Xen refuses a set it does
 * not know with -EOPNOTSUPP too.
 */
static int check_emulation(const struct xen_domctl_createdomain *c)
{
	if (!(c->flags & XEN_DOMCTL_CDF_hvm))
		return c->arch.emulation_flags ? -EOPNOTSUPP : 0;
	if (!(c->flags & XEN_DOMCTL_CDF_hap))
		return -EOPNOTSUPP;
	return hvm_platform_flags_ok(c->arch.emulation_flags) ? 0 : -EOPNOTSUPP;
}

/*
 * The configuration Xen 4.17 accepts for a domain, as far as Petrel can
 * honour it: a PV guest without emulated devices, 1..MAX_VIRT_CPUS vCPUs,
 * grant limits within the host's (gnttab_check_limits). Xen's errors:
 * unknown flags or options, HAP without HVM, no vCPUs -EINVAL; an HVM
 * guest is refused as Xen refuses it on a machine without VT-x/SVM
 * (-EINVAL); emulated devices for a PV guest -EOPNOTSUPP; then the grant
 * version and frame limits -EINVAL.
 */
static int check_create_config(const struct xen_domctl_createdomain *c)
{
	const u32 known = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap | XEN_DOMCTL_CDF_s3_integrity |
			  XEN_DOMCTL_CDF_oos_off | XEN_DOMCTL_CDF_xs_domain | XEN_DOMCTL_CDF_iommu |
			  XEN_DOMCTL_CDF_nested_virt | XEN_DOMCTL_CDF_vpmu;
	unsigned int gver = XEN_DOMCTL_GRANT_version(c->grant_opts);
	int rc;

	if ((c->flags & ~known) || (c->iommu_opts & ~XEN_DOMCTL_IOMMU_MAX))
		return -EINVAL;
	if ((c->flags & XEN_DOMCTL_CDF_hap) && !(c->flags & XEN_DOMCTL_CDF_hvm))
		return -EINVAL;
	if (c->flags & (XEN_DOMCTL_CDF_iommu | XEN_DOMCTL_CDF_vpmu | XEN_DOMCTL_CDF_nested_virt))
		return -EINVAL; /* no IOMMU, vPMU or nested virtualisation here */
	if ((c->flags & XEN_DOMCTL_CDF_hvm) && !hvm_backend)
		return -EINVAL; /* as Xen on a CPU without VT-x/AMD-V */
	if (c->iommu_opts || c->vmtrace_size)
		return -EINVAL;
	if (!c->max_vcpus || c->max_vcpus > MAX_VIRT_CPUS)
		return -EINVAL;
	if (c->grant_opts & ~XEN_DOMCTL_GRANT_version_mask)
		return -EINVAL;
	if (c->arch.misc_flags & ~XEN_X86_MISC_FLAGS_MAX)
		return -EINVAL;
	rc = check_emulation(c);
	if (rc)
		return rc;
	/* Xen checks these last, when it makes the grant table. */
	return gnttab_check_limits(c->max_grant_frames, c->max_maptrack_frames, gver);
}

static bool domid_free(domid_t id)
{
	return id && id < DOMID_FIRST_RESERVED && !domain_by_id(id);
}

/*
 * The id: the one asked for if it is a usable id (-EEXIST when taken),
 * else (0 or a reserved id) the next free one after the last picked, as
 * Xen's rover does.
 */
static long pick_domid(domid_t asked, domid_t *out)
{
	static domid_t rover;
	domid_t id;

	if (asked && asked < DOMID_FIRST_RESERVED) {
		if (!domid_free(asked))
			return -EEXIST;
		*out = asked;
		return 0;
	}
	for (id = rover + 1; id != rover; id++) {
		if (id == DOMID_FIRST_RESERVED)
			id = 1;
		if (domid_free(id))
			break;
	}
	if (id == rover)
		return -ENOMEM;
	rover = id;
	*out = id;
	return 0;
}

static long createdomain(struct xen_domctl *op)
{
	const struct xen_domctl_createdomain *c = &op->u.createdomain;
	struct domain *d;
	domid_t id;
	/* As Xen: the id is picked (and the rover moved) before the config is checked. */
	long rc = pick_domid(op->domain, &id);

	if (!rc)
		rc = check_create_config(c);
	if (!rc)
		rc = domain_create_nr(id, false, true, 0, &d);
	if (rc)
		return rc;
	if (c->flags & XEN_DOMCTL_CDF_hvm) {
		rc = hvm_domain_init(d);
		if (!rc)
			rc = hvm_platform_init(d, c->arch.emulation_flags);
		if (rc) {
			domain_destroy(d);
			return rc;
		}
	}
	gnttab_set_limits(d, c->max_grant_frames, c->max_maptrack_frames,
			  XEN_DOMCTL_GRANT_version(c->grant_opts));
	d->max_vcpus = c->max_vcpus;
	d->max_evtchn_port = c->max_evtchn_port < 0x7fffffff ? c->max_evtchn_port : 0x7fffffff;
	memcpy(d->handle, c->handle, sizeof(d->handle));
	op->domain = id;
	return 0;
}

/*
 * destroydomain: Xen's domain_kill. The caller cannot destroy itself
 * (-EINVAL). The teardown runs in steps that stop when the hypercall has
 * used its slice (hypercall_preempt_check): the domctl is then continued,
 * so the caller's kernel issues it again and it goes on where it stopped;
 * the toolstack sees one call that returns 0. Meanwhile the domain is
 * listed, dying (getdomaininfo shows no dying flag until it is dead, as on
 * Xen), and another destroy of it goes on with the work as well. Once dead
 * it leaves the registry at once, so a repeat finds no domain (-ESRCH)
 * where Xen, which keeps a dead domain listed until its last reference
 * goes, may answer 0.
 */
static long destroydomain(struct domain *d, unsigned long arg)
{
	long rc;

	if (d == current->domain)
		return -EINVAL;
	rc = domain_kill(d);
	if (rc == -ERESTART)
		return hypercall_create_continuation(__HYPERVISOR_domctl, 1, &arg);
	return rc;
}

/*
 * Xen's number for its own continuation of soft_reset (domctl.h defines it
 * for the hypervisor's build only; a toolstack may send it too).
 */
#define XEN_DOMCTL_soft_reset_cont 23

/* A soft reset that stops for preemption goes on through a continuation. */
static long soft_reset(struct domain *d, unsigned long arg)
{
	long rc;

	if (d == current->domain) /* it could not be paused */
		return -EINVAL;
	rc = domain_soft_reset(d);
	if (rc == -ERESTART)
		return hypercall_create_continuation(__HYPERVISOR_domctl, 1, &arg);
	return rc;
}

/* ---- Limits and identity. */

/*
 * max_vcpus: Xen 4.17 takes the count from createdomain and wants the same
 * one here; this is when the vCPUs are made (down until setvcpucontext).
 */
static long max_vcpus(struct domain *d, const struct xen_domctl_max_vcpus *m)
{
	if (d == current->domain || m->max != d->max_vcpus)
		return -EINVAL;
	return domain_create_vcpus(d, m->max);
}

/* max_mem: in KiB, rounded down to pages; no check against tot_pages (as Xen). */
static long max_mem(struct domain *d, const struct xen_domctl_max_mem *m)
{
	u64 pages = m->max_memkb >> (PAGE_SHIFT - 10);

	d->max_pages = MIN(pages, 0xffffffffULL);
	return 0;
}

/* ---- vCPUs. */

static struct vcpu *vcpu_of(struct domain *d, u32 id, long *rc)
{
	if (id >= d->max_vcpus || id >= MAX_VIRT_CPUS) {
		*rc = -EINVAL;
		return NULL;
	}
	if (!d->vcpu[id])
		*rc = -ESRCH;
	return d->vcpu[id];
}

/* The context buffer (5 KiB, too big for the stack; one CPU runs domctls). */
static struct vcpu_guest_context ctxt_buf __aligned(16);

static long setvcpucontext(struct domain *d, const struct xen_domctl_vcpucontext *vc)
{
	struct vcpu_guest_context *c;
	struct vcpu *v;
	long rc = -EINVAL;

	if (d == current->domain || vc->vcpu >= d->max_vcpus || !(v = d->vcpu[vc->vcpu]))
		return -EINVAL;
	if (is_hvm_domain(d))
		return -EOPNOTSUPP; /* an HVM vCPU's state goes through sethvmcontext here */
	if (!vc->ctxt.p) {
		domain_pause(d);
		pv_vcpu_reset(v);
		domain_unpause(d);
		return 0;
	}
	c = &ctxt_buf;
	if (copy_from_guest(c, (u64)vc->ctxt.p, sizeof(*c)))
		return -EFAULT;
	domain_pause(d);
	rc = pv_set_vcpu_context(v, c);
	domain_unpause(d);
	return rc;
}

static long getvcpucontext(struct domain *d, const struct xen_domctl_vcpucontext *vc)
{
	struct vcpu_guest_context *c;
	long rc = 0;
	struct vcpu *v = vcpu_of(d, vc->vcpu, &rc);

	if (!v)
		return rc;
	if (is_hvm_domain(d) && d == current->domain)
		return -EINVAL; /* its state is read with the domain paused */
	c = &ctxt_buf;
	if (is_hvm_domain(d))
		hvm_get_vcpu_context(v, c);
	else
		pv_get_vcpu_context(v, c);
	if (vc->ctxt.p && copy_to_guest((u64)vc->ctxt.p, c, sizeof(*c)))
		return -EFAULT;
	return 0;
}

static long getvcpuinfo(struct domain *d, struct xen_domctl_getvcpuinfo *vi)
{
	long rc = 0;
	struct vcpu *v = vcpu_of(d, vi->vcpu, &rc);

	if (!v)
		return rc;
	vi->online = !(v->pause_flags & VPF_down);
	vi->blocked = !!(v->pause_flags & VPF_blocked);
	vi->running = v->is_running;
	vi->cpu_time = vcpu_cpu_time(v);
	vi->cpu = v->processor;
	return 0;
}

/*
 * Affinity. The CPU ids are the online CPUs' (physinfo's max_cpu_id + 1),
 * one NUMA node exists: a hard affinity must include an online CPU
 * (-EINVAL otherwise, as Xen refuses one with no online CPU); the answer
 * is the effective map, Xen's: hard & online, and soft & online & hard.
 * The maps are recorded; placement does not follow them yet (a vCPU stays
 * on the CPU it was made on). Bitmaps are converted as Xen's xenctl_bitmap helpers do:
 * bits past the hypervisor's count are dropped on the way in and read as
 * zero on the way out.
 */
#define NR_CPU_IDS sched_nr_cpus()
#define ONLINE_CPUS ((u64)cpu_online_mask)
#define MAX_NUMNODES 64
#define ONLINE_NODES 1ULL

static u64 low_bits(unsigned int n)
{
	return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

static long bitmap_from_guest(const struct xenctl_bitmap *b, unsigned int nbits, u64 *out)
{
	unsigned int guest_bytes = (b->nr_bits + 7) / 8, n = MIN(guest_bytes, (nbits + 7) / 8);
	u8 bytes[8] = { 0 };

	*out = 0;
	if (n && copy_from_guest(bytes, (u64)b->bitmap.p, n))
		return -EFAULT;
	if ((b->nr_bits & 7) && n == guest_bytes)
		bytes[n - 1] &= (u8)((1u << (b->nr_bits & 7)) - 1);
	for (unsigned int i = 0; i < n; i++)
		*out |= (u64)bytes[i] << (8 * i);
	*out &= low_bits(nbits);
	return 0;
}

static long bitmap_to_guest(const struct xenctl_bitmap *b, unsigned int nbits, u64 val)
{
	unsigned int guest_bytes = (b->nr_bits + 7) / 8, n = MIN(guest_bytes, (nbits + 7) / 8);
	u8 zero = 0;

	val &= low_bits(nbits);
	for (unsigned int i = 0; i < guest_bytes; i++) {
		u8 byte = i < n ? (u8)(val >> (8 * i)) : zero;

		if (copy_to_guest((u64)b->bitmap.p + i, &byte, 1))
			return -EFAULT;
	}
	return 0;
}

static bool affinity_args_bad(const struct xen_domctl_vcpuaffinity *a)
{
	return !a->flags || ((a->flags & XEN_VCPUAFFINITY_HARD) && !a->cpumap_hard.bitmap.p) ||
	       ((a->flags & XEN_VCPUAFFINITY_SOFT) && !a->cpumap_soft.bitmap.p);
}

static long getvcpuaffinity(struct vcpu *v, const struct xen_domctl_vcpuaffinity *a)
{
	long rc = 0;

	if (a->flags & XEN_VCPUAFFINITY_HARD)
		rc = bitmap_to_guest(&a->cpumap_hard, NR_CPU_IDS, v->hard_affinity);
	if (!rc && (a->flags & XEN_VCPUAFFINITY_SOFT))
		rc = bitmap_to_guest(&a->cpumap_soft, NR_CPU_IDS, v->soft_affinity);
	return rc;
}

static long setvcpuaffinity(struct vcpu *v, const struct xen_domctl_vcpuaffinity *a)
{
	u64 hard = v->hard_affinity, old = v->hard_affinity, soft;
	long rc = 0;

	if (a->flags & XEN_VCPUAFFINITY_HARD) {
		rc = bitmap_from_guest(&a->cpumap_hard, NR_CPU_IDS, &hard);
		if (!rc && !(hard & ONLINE_CPUS))
			rc = -EINVAL;
		/* An HVM vCPU runs on CPU 0, the one with the HVM backend set up. */
		if (!rc && is_hvm_vcpu(v) && !(hard & 1))
			rc = -EINVAL;
		if (rc)
			return rc;
		v->hard_affinity = hard;
		rc = bitmap_to_guest(&a->cpumap_hard, NR_CPU_IDS, hard & ONLINE_CPUS);
	}
	if (!rc && (a->flags & XEN_VCPUAFFINITY_SOFT)) {
		rc = bitmap_from_guest(&a->cpumap_soft, NR_CPU_IDS, &soft);
		if (rc) {
			v->hard_affinity = old; /* the caller sees nothing changed */
			return rc;
		}
		v->soft_affinity = soft;
		rc = bitmap_to_guest(&a->cpumap_soft, NR_CPU_IDS, soft & ONLINE_CPUS & hard);
	}
	if (v->hard_affinity != old)
		sched_affinity_changed(v);
	return rc;
}

static long vcpuaffinity(struct domain *d, struct xen_domctl_vcpuaffinity *a, bool set)
{
	long rc = 0;
	struct vcpu *v = vcpu_of(d, a->vcpu, &rc);

	if (!v)
		return rc;
	if (affinity_args_bad(a))
		return -EINVAL;
	return set ? setvcpuaffinity(v, a) : getvcpuaffinity(v, a);
}

/* A node affinity must include an online node; with one node it changes nothing. */
static long setnodeaffinity(const struct xen_domctl_nodeaffinity *n)
{
	u64 nodes;
	long rc = bitmap_from_guest(&n->nodemap, MAX_NUMNODES, &nodes);

	if (!rc && !(nodes & ONLINE_NODES))
		rc = -EINVAL;
	return rc;
}

/*
 * TSC modes. The TSC is never emulated here: TSC_MODE_DEFAULT (native on
 * a host with a safe TSC at the guest's frequency, as Xen) and
 * NEVER_EMULATE are accepted; ALWAYS_EMULATE -EOPNOTSUPP. A default mode at
 * another frequency (a guest saved on another host) is where Xen emulates
 * the TSC at the guest's old frequency: a PV or HVM guest keeps the native
 * TSC here, whose scale its pvclock gives it on every host (a deviation for
 * guests that time themselves by the raw TSC).
 */
#define TSC_MODE_DEFAULT 0
#define TSC_MODE_ALWAYS_EMULATE 1
#define TSC_MODE_NEVER_EMULATE 2

static long settscinfo(struct domain *d, const struct xen_domctl_tsc_info *t)
{
	if (d == current->domain)
		return -EINVAL;
	if (t->tsc_mode > TSC_MODE_NEVER_EMULATE)
		return -EINVAL;
	if (t->tsc_mode == TSC_MODE_ALWAYS_EMULATE)
		return -EOPNOTSUPP;
	d->arch.tsc_mode = t->tsc_mode;
	d->arch.incarnation = t->incarnation + 1;
	return 0;
}

static long gettscinfo(struct domain *d, struct xen_domctl_tsc_info *t)
{
	u64 tsc = rdtsc(), khz = tsc_khz();

	t->tsc_mode = d->arch.tsc_mode;
	t->gtsc_khz = (u32)khz;
	t->incarnation = d->arch.incarnation;
	t->pad = 0;
	/* The guest reads the host TSC: its elapsed time is the TSC's, in ns. */
	t->elapsed_nsec = tsc / khz * 1000000 + tsc % khz * 1000000 / khz;
	return 0;
}

/* ---- Per-domain settings. */

static long set_address_size(const struct xen_domctl_address_size *a)
{
	if (a->size == 64)
		return 0;
	/* 32-bit PV (Xen's switch_compat) does not exist here. */
	return a->size == 32 ? -EOPNOTSUPP : -EINVAL;
}

static long hypercall_init(struct domain *d, const struct xen_domctl_hypercall_init *h)
{
	if (is_hvm_domain(d))
		return -EOPNOTSUPP; /* an HVM guest fills its page through the MSR */
	return pv_hypercall_init(d, h->gmfn);
}

/*
 * set_paging_mempool_size (libxl asks it for every HVM domain): Xen's pool
 * for the p2m tables. Petrel takes an HVM domain's p2m tables from the heap
 * as they are needed, so the size is checked (page-aligned, as Xen) and
 * kept for get_paging_mempool_size, not enforced. PV domains have no pool.
 */
static long set_paging_pool(struct domain *d, u64 size)
{
	if (!is_hvm_domain(d))
		return -EOPNOTSUPP;
	if (size & (PAGE_SIZE - 1))
		return -EINVAL;
	d->arch.hvm.paging_pool_bytes = size;
	return 0;
}

/*
 * getpageframeinfo3: at most 1024 frames; each entry becomes its
 * XEN_DOMCTL_PFINFO_* type. An HVM domain's frames are named by GFN: RAM
 * is NOTAB, a GFN without RAM or with a hypervisor page (shared_info, a
 * grant frame) XTAB, as on Xen.
 */
static long getpageframeinfo3(struct domain *d, const struct xen_domctl_getpageframeinfo3 *p)
{
	u64 base = (u64)p->array.p;

	if (p->num > 1024)
		return -E2BIG;
	for (u64 i = 0; i < p->num; i++) {
		xen_pfn_t v;

		if (copy_from_guest(&v, base + i * sizeof(v), sizeof(v)))
			return -EFAULT;
		v = pv_frame_type_info(d, is_hvm_domain(d) ? p2m_lookup(d, v) : v);
		if (copy_to_guest(base + i * sizeof(v), &v, sizeof(v)))
			return -EFAULT;
	}
	return 0;
}

/*
 * XEN_DOMCTL_scheduler_op: the credit scheduler's per-domain weight and cap
 * (common/scheduler.c acts on them: shares of a CPU in proportion to the
 * weights, a cap in percent of one CPU). As Xen: another scheduler's id
 * -EINVAL; putinfo leaves the weight for 0 and the cap for 0xffff; the
 * per-vCPU forms -EINVAL (credit has none).
 */
#define CREDIT_DEFAULT_WEIGHT SCHED_DEFAULT_WEIGHT

static long scheduler_op(struct domain *d, struct xen_domctl_scheduler_op *s)
{
	if (s->sched_id != XEN_SCHEDULER_CREDIT)
		return -EINVAL;
	switch (s->cmd) {
	case XEN_DOMCTL_SCHEDOP_getinfo:
		s->u.credit.weight = d->sched_weight ? d->sched_weight : CREDIT_DEFAULT_WEIGHT;
		s->u.credit.cap = d->sched_cap;
		return 0;
	case XEN_DOMCTL_SCHEDOP_putinfo:
		if (s->u.credit.weight)
			d->sched_weight = s->u.credit.weight;
		if (s->u.credit.cap != 0xffff)
			d->sched_cap = s->u.credit.cap;
		sched_credit_changed(d);
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * ---- CPU policy: every PV domain has Petrel's one PV policy, every HVM
 * domain the CPUID view of hvm_cpuid_leaf; a policy set is checked, not
 * kept, and get_cpu_policy gives the one guest policy for either (libxenguest
 * sends an HVM domain's in its save stream and sets it again on restore).
 */

/*
 * A PV domain restored from Xen whose policy offered FSGSBASE (its kernel
 * may have set CR4.FSGSBASE, which Petrel keeps) gets FSGSBASE back in its
 * leaf 7.0: Xen drops the CR4 bit of a domain whose policy lacks it, and the
 * kernel's next rdfsbase faults after the move back. An HVM domain's policy
 * is the CPUID its vCPUs see (with PSE, PGE, MCE, MCA, which the PV one
 * hides): Xen 4.17 restores an HVM vCPU's CR4 only within the policy's
 * features.
 */
static long get_cpu_policy(const struct domain *d, struct xen_domctl_cpu_policy *p)
{
	long rc = is_hvm_domain(d) ? cpu_policy_serialise_hvm((u64)p->leaves.p, &p->nr_leaves,
							      (u64)p->msrs.p, &p->nr_msrs)
				   : cpu_policy_serialise(false, (u64)p->leaves.p, &p->nr_leaves,
							  (u64)p->msrs.p, &p->nr_msrs);

	if (!rc && d->cpu_fsgsbase && p->leaves.p)
		rc = cpu_policy_add_fsgsbase((u64)p->leaves.p, p->nr_leaves);
	return rc;
}

/* Xen refuses the caller's own domain (it cannot pause itself) with -EINVAL. */
static long set_cpu_policy(struct domain *d, struct xen_domctl_cpu_policy *p)
{
	p->err_leaf = p->err_subleaf = p->err_msr = ~0u;
	long rc;

	if (d == current->domain)
		return -EINVAL;
	rc = cpu_policy_check(p);
	if (!rc)
		d->cpu_fsgsbase = !is_hvm_domain(d) && (pv_cr4_guest_bits() & X86_CR4_FSGSBASE) &&
				  cpu_policy_fsgsbase(p);
	return rc;
}

/*
 * XEN_DOMCTL_shadow_op: log-dirty for a PV domain, with the answers of a Xen
 * 4.17 built with shadow paging (docs/design.md "PV log-dirty"), and for an
 * HVM domain on its nested-paging p2m as Xen's HAP ("HVM log-dirty"). ENABLE
 * (with the log-dirty mode) or ENABLE_LOGDIRTY turns it on (-EINVAL if on
 * already); OFF turns it off (0 if it was off); CLEAN and PEEK report the
 * bitmap and the counts, CLEAN resets them. The caller itself and a domain
 * without vCPUs -EINVAL; a dying domain: nothing done, 0. The paging pool
 * ops and the other modes: -EINVAL (no shadow pool).
 */
static bool enables_logdirty(const struct xen_domctl_shadow_op *sc)
{
	return sc->op == XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY ||
	       (sc->op == XEN_DOMCTL_SHADOW_OP_ENABLE &&
		(sc->mode & XEN_DOMCTL_SHADOW_ENABLE_LOG_DIRTY));
}

static long logdirty_report(struct domain *d, struct xen_domctl_shadow_op *sc)
{
	bool clean = sc->op == XEN_DOMCTL_SHADOW_OP_CLEAN;
	long rc;

	domain_pause(d);
	arch_logdirty_sync(d, clean);
	rc = logdirty_read(&d->logdirty, (u64)sc->dirty_bitmap.p, &sc->pages, clean,
			   &sc->stats.fault_count, &sc->stats.dirty_count);
	domain_unpause(d);
	if (!rc && clean) /* one line per pre-copy pass of a migration */
		printk(XENLOG_DEBUG "d%u: log-dirty CLEAN: %u pages dirty, %u write faults\n",
		       d->domain_id, sc->stats.dirty_count, sc->stats.fault_count);
	return rc;
}

static long shadow_op(struct domain *d, struct xen_domctl_shadow_op *sc, bool *copyback)
{
	long rc;

	if (d == current->domain)
		return -EINVAL;
	if (d->is_dying != DOMDYING_alive)
		return 0;
	if (!d->vcpu[0])
		return -EINVAL;
	if (enables_logdirty(sc)) {
		domain_pause(d);
		rc = logdirty_enable(&d->logdirty, arch_logdirty_pfns(d));
		if (!rc) {
			rc = arch_logdirty_enable(d);
			if (rc)
				logdirty_disable(&d->logdirty);
		}
		domain_unpause(d);
		return rc;
	}
	switch (sc->op) {
	case XEN_DOMCTL_SHADOW_OP_OFF:
		domain_pause(d);
		arch_logdirty_disable(d);
		logdirty_disable(&d->logdirty);
		domain_unpause(d);
		return 0;
	case XEN_DOMCTL_SHADOW_OP_CLEAN:
	case XEN_DOMCTL_SHADOW_OP_PEEK:
		rc = logdirty_report(d, sc);
		*copyback = !rc;
		return rc;
	default:
		return -EINVAL;
	}
}

/* ---- The dispatcher. */

/*
 * Ops that would take new references on the domain's frames. A dying
 * domain is giving its frames back: such a reference would keep one
 * forever, so they are refused (-EINVAL, what Xen answers once the frame
 * named is no longer the domain's).
 */
static bool takes_frame_refs(u32 cmd)
{
	return cmd == XEN_DOMCTL_setvcpucontext || cmd == XEN_DOMCTL_hypercall_init ||
	       cmd == XEN_DOMCTL_set_ext_vcpucontext || cmd == XEN_DOMCTL_sethvmcontext;
}

static long do_one(struct xen_domctl *op, struct domain *d, unsigned long arg, bool *copyback)
{
	long rc;

	if (d->is_dying && takes_frame_refs(op->cmd))
		return -EINVAL;
	switch (op->cmd) {
	case XEN_DOMCTL_pausedomain:
		/* A domain cannot pause itself this way (Xen: -EINVAL). */
		return d == current->domain ? -EINVAL : domain_pause_by_controller(d);
	case XEN_DOMCTL_unpausedomain:
		return domain_unpause_by_controller(d);
	case XEN_DOMCTL_destroydomain:
		return destroydomain(d, arg);
	case XEN_DOMCTL_max_vcpus:
		return max_vcpus(d, &op->u.max_vcpus);
	case XEN_DOMCTL_max_mem:
		return max_mem(d, &op->u.max_mem);
	case XEN_DOMCTL_setdomainhandle:
		memcpy(d->handle, op->u.setdomainhandle.handle, sizeof(d->handle));
		return 0;
	case XEN_DOMCTL_setvcpucontext:
		return setvcpucontext(d, &op->u.vcpucontext);
	case XEN_DOMCTL_getvcpucontext:
		*copyback = true;
		return getvcpucontext(d, &op->u.vcpucontext);
	case XEN_DOMCTL_getvcpuinfo:
		*copyback = true;
		return getvcpuinfo(d, &op->u.getvcpuinfo);
	case XEN_DOMCTL_set_address_size:
		return set_address_size(&op->u.address_size);
	case XEN_DOMCTL_get_address_size:
		op->u.address_size.size = 64;
		*copyback = true;
		return 0;
	case XEN_DOMCTL_hypercall_init:
		return hypercall_init(d, &op->u.hypercall_init);
	case XEN_DOMCTL_set_paging_mempool_size:
		return set_paging_pool(d, op->u.paging_mempool.size);
	case XEN_DOMCTL_get_paging_mempool_size:
		if (!is_hvm_domain(d))
			return -EOPNOTSUPP;
		op->u.paging_mempool.size = d->arch.hvm.paging_pool_bytes;
		*copyback = true;
		return 0;
	case XEN_DOMCTL_sethvmcontext:
		return hvm_set_context(d, (u64)op->u.hvmcontext.buffer.p, op->u.hvmcontext.size);
	case XEN_DOMCTL_gethvmcontext_partial:
		rc = hvm_get_context_partial(
		    d, op->u.hvmcontext_partial.type, op->u.hvmcontext_partial.instance,
		    (u64)op->u.hvmcontext_partial.buffer.p, &op->u.hvmcontext_partial.bufsz);
		*copyback = !rc;
		return rc;
	case XEN_DOMCTL_gethvmcontext:
		*copyback = true;
		return hvm_get_context(d, (u64)op->u.hvmcontext.buffer.p, &op->u.hvmcontext.size);
	case XEN_DOMCTL_settimeoffset:
		d->time_offset = op->u.settimeoffset.time_offset_seconds;
		update_domain_wallclock(d);
		return 0;
	case XEN_DOMCTL_getpageframeinfo3:
		return getpageframeinfo3(d, &op->u.getpageframeinfo3);
	case XEN_DOMCTL_setvcpuaffinity:
	case XEN_DOMCTL_getvcpuaffinity:
		*copyback = true;
		return vcpuaffinity(d, &op->u.vcpuaffinity, op->cmd == XEN_DOMCTL_setvcpuaffinity);
	case XEN_DOMCTL_setnodeaffinity:
		return setnodeaffinity(&op->u.nodeaffinity);
	case XEN_DOMCTL_getnodeaffinity:
		return bitmap_to_guest(&op->u.nodeaffinity.nodemap, MAX_NUMNODES, ONLINE_NODES);
	case XEN_DOMCTL_settscinfo:
		return settscinfo(d, &op->u.tsc_info);
	case XEN_DOMCTL_gettscinfo:
		*copyback = true;
		return gettscinfo(d, &op->u.tsc_info);
	case XEN_DOMCTL_scheduler_op:
		*copyback = true;
		return scheduler_op(d, &op->u.scheduler_op);
	case XEN_DOMCTL_get_cpu_policy:
		*copyback = true;
		return get_cpu_policy(d, &op->u.cpu_policy);
	case XEN_DOMCTL_set_cpu_policy:
		*copyback = true;
		return set_cpu_policy(d, &op->u.cpu_policy);
	case XEN_DOMCTL_iomem_permission:
		return iomem_permission(d, &op->u.iomem_permission);
	case XEN_DOMCTL_ioport_permission:
		return ioport_permission(d, &op->u.ioport_permission);
	case XEN_DOMCTL_irq_permission:
		return irq_permission(d, &op->u.irq_permission);
	case XEN_DOMCTL_resumedomain:
		if (d == current->domain)
			return -EINVAL;
		domain_resume(d);
		return 0;
	case XEN_DOMCTL_soft_reset:
	case XEN_DOMCTL_soft_reset_cont:
		return soft_reset(d, arg);
	case XEN_DOMCTL_shadow_op:
		return shadow_op(d, &op->u.shadow_op, copyback);
	case XEN_DOMCTL_get_ext_vcpucontext:
		*copyback = true;
		return pv_get_ext_vcpucontext(d, &op->u.ext_vcpucontext);
	case XEN_DOMCTL_set_ext_vcpucontext:
		return pv_set_ext_vcpucontext(d, &op->u.ext_vcpucontext);
	case XEN_DOMCTL_getvcpuextstate:
		*copyback = true;
		return pv_get_vcpu_extstate(d, &op->u.vcpuextstate);
	case XEN_DOMCTL_setvcpuextstate:
		return pv_set_vcpu_extstate(d, &op->u.vcpuextstate);
	case XEN_DOMCTL_get_vcpu_msrs:
		*copyback = true;
		return pv_get_vcpu_msrs(d, &op->u.vcpu_msrs);
	case XEN_DOMCTL_set_vcpu_msrs:
		return pv_set_vcpu_msrs(d, &op->u.vcpu_msrs, copyback);
	default:
		return -ENOSYS;
	}
}

bool domctl_trace_on;

/*
 * domctl_trace: one console line per domctl with its domain, result and
 * the hypervisor's time in microseconds, so that the toolstack's steps (a
 * restore's end, a migration's handover) can be timed from the serial
 * line. A run of the same op on the same domain prints once, with how many
 * calls the run before it held. Callers are serialised only by the domctl
 * being dom0's: good enough for a debug aid.
 */
static void trace_domctl(const struct xen_domctl *op, long rc)
{
	static u32 last_cmd = ~0u, last_dom = ~0u, repeats;

	if (op->cmd == last_cmd && op->domain == last_dom) {
		repeats++;
		return;
	}
	printk("domctl d%u op %u rc %ld at %lu us (%u more of the one before)\n", op->domain,
	       op->cmd, rc, system_time() / 1000, repeats);
	last_cmd = op->cmd;
	last_dom = op->domain;
	repeats = 0;
}

long do_domctl(unsigned long arg)
{
	struct xen_domctl op;
	struct domain *d = NULL;
	bool copyback = false;
	u64 start = hcstats_start();
	long rc;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
		return -EACCES;
	if (op.cmd != XEN_DOMCTL_createdomain && op.cmd != XEN_DOMCTL_getdomaininfo) {
		d = domain_by_id(op.domain);
		if (!d)
			return -ESRCH;
	}
	if (!current->domain->is_privileged)
		return -EPERM;
	switch (op.cmd) {
	case XEN_DOMCTL_getdomaininfo:
		rc = getdomaininfo_op(&op);
		copyback = !rc;
		break;
	case XEN_DOMCTL_createdomain:
		rc = createdomain(&op);
		copyback = !rc;
		break;
	default:
		rc = do_one(&op, d, arg, &copyback);
		break;
	}
	if (copyback && copy_to_guest(arg, &op, sizeof(op)))
		rc = -EFAULT;
	hcstats_end(HCSTATS_DOMCTL, op.cmd, start);
	if (domctl_trace_on)
		trace_domctl(&op, rc);
	return rc;
}
