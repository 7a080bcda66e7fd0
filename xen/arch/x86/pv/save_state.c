/*
 * The per-vCPU domctls the toolstack's save and restore use beyond the
 * vcpu_guest_context (vcpu_context.c), for PV vCPUs, with Xen 4.17's checks:
 *
 * - get/set_ext_vcpucontext: the 32-bit syscall and sysenter callbacks and
 *   whether they mask events, plus the vMCE block (arch/x86/vmce.c): its
 *   MCG_CAP (0 for a vCPU Petrel built, Xen's for one restored from Xen)
 *   with Xen's check on set (-EINVAL), the two banks' CTL2 and MCG_EXT_CTL
 *   (or, from an older caller, MCG_CAP alone);
 *   callback addresses must be canonical (-EINVAL);
 * - get/setvcpuextstate: the XSAVE record (pv/xstate.c), which carries
 *   the vCPU's XCR0 and its AVX and later components; a restored kernel
 *   that enabled them faults on its first xrstor without it;
 * - get/set_vcpu_msrs: of the MSRs Xen migrates for PV vCPUs (SPEC_CTRL,
 *   MISC_FEATURES_ENABLES, TSC_AUX, the DR address masks) Petrel keeps
 *   TSC_AUX, on CPUs with rdtscp: get sends it unless 0 (Xen skips empty
 *   MSRs; too small a list -ENOBUFS with the count needed; a NULL list asks
 *   for the bound), set takes it (a 32-bit value) and refuses any other
 *   entry, a reserved word set or more entries than Xen's list (-EINVAL,
 *   msr_count = the index of the refused entry).
 *
 * For all of them: a vCPU that does not exist -ESRCH, the calling vCPU
 * itself or an HVM vCPU -EINVAL (Xen refuses what it cannot pause).
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "domain.h"
#include "sched.h"
#include "asm.h"
#include "pv.h"
#include "uaccess.h"
#include "hvm.h"
#include "public/callback.h"
#include "public/domctl.h"

static bool canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

/* The PV vCPU a save/restore domctl names, or NULL with *rc set. */
static struct vcpu *save_vcpu(struct domain *d, u32 id, long *rc)
{
	struct vcpu *v = id < d->max_vcpus ? d->vcpu[id] : NULL;

	*rc = 0;
	if (!v)
		*rc = -ESRCH;
	else if (v == current || is_hvm_domain(d))
		*rc = -EINVAL;
	return *rc ? NULL : v;
}

static bool callback_masks(const struct vcpu *v, unsigned int type)
{
	return v->arch.pv.callback_mask & (1u << type);
}

static void set_callback_mask(struct vcpu *v, unsigned int type, bool on)
{
	if (on)
		v->arch.pv.callback_mask |= 1u << type;
	else
		v->arch.pv.callback_mask &= ~(1u << type);
}

long pv_get_ext_vcpucontext(struct domain *d, struct xen_domctl_ext_vcpucontext *e)
{
	long rc;
	struct vcpu *v = save_vcpu(d, e->vcpu, &rc);

	if (!v)
		return rc;
	memset(&e->syscall32_callback_eip, 0,
	       sizeof(*e) - offsetof(typeof(*e), syscall32_callback_eip));
	e->syscall32_callback_eip = v->arch.pv.syscall32_callback;
	e->sysenter_callback_eip = v->arch.pv.sysenter_callback;
	e->syscall32_disables_events = callback_masks(v, CALLBACKTYPE_syscall32);
	e->sysenter_disables_events = callback_masks(v, CALLBACKTYPE_sysenter);
	vmce_save(&v->arch.vmce, &e->vmce);
	e->size = sizeof(*e);
	return 0;
}

/* The vMCE block, or the older 8-byte mcg_cap alone, when the size has it (as Xen). */
static long set_vmce(struct vcpu *v, const struct xen_domctl_ext_vcpucontext *e)
{
	struct hvm_vmce_vcpu r = { .caps = e->vmce.caps };

	if (e->size >= offsetof(typeof(*e), vmce) + sizeof(e->vmce))
		r = e->vmce;
	else if (e->size < offsetof(typeof(*e), vmce) + sizeof(e->vmce.caps))
		return 0;
	return vmce_restore(&v->arch.vmce, &r);
}

long pv_set_ext_vcpucontext(struct domain *d, const struct xen_domctl_ext_vcpucontext *e)
{
	long rc;
	struct vcpu *v = save_vcpu(d, e->vcpu, &rc);

	if (!v)
		return rc;
	if (e->size < offsetof(typeof(*e), vmce) || !canonical(e->syscall32_callback_eip) ||
	    !canonical(e->sysenter_callback_eip))
		return -EINVAL;
	domain_pause(d);
	rc = set_vmce(v, e);
	if (rc) {
		domain_unpause(d);
		return rc;
	}
	v->arch.pv.syscall32_callback = e->syscall32_callback_eip;
	v->arch.pv.sysenter_callback = e->sysenter_callback_eip;
	set_callback_mask(v, CALLBACKTYPE_syscall32, e->syscall32_disables_events);
	set_callback_mask(v, CALLBACKTYPE_sysenter, e->sysenter_disables_events);
	domain_unpause(d);
	return 0;
}

/*
 * A query (size 0 and no mask, or no buffer) gets the CPU's XSAVE mask and
 * the largest record; else the record itself. Without XSAVE: mask 0, so
 * the save side writes no XSAVE record.
 */
long pv_get_vcpu_extstate(struct domain *d, struct xen_domctl_vcpuextstate *x)
{
	long rc;
	struct vcpu *v = save_vcpu(d, x->vcpu, &rc);

	if (!v)
		return rc;
	if (!pv_xstate_mask() || (!x->size && !x->xfeature_mask) || !x->buffer.p) {
		x->xfeature_mask = pv_xstate_mask();
		x->size = x->xfeature_mask ? pv_xstate_record_max() : 0;
		return 0;
	}
	domain_pause(d);
	rc = pv_get_xstate_record(&v->arch.pv, (u64)x->buffer.p, &x->size);
	domain_unpause(d);
	x->xfeature_mask = pv_xstate_mask();
	return rc;
}

long pv_set_vcpu_extstate(struct domain *d, const struct xen_domctl_vcpuextstate *x)
{
	long rc;
	struct vcpu *v = save_vcpu(d, x->vcpu, &rc);

	if (!v)
		return rc;
	domain_pause(d);
	rc = pv_set_xstate_record(&v->arch.pv, (u64)x->buffer.p, x->size);
	domain_unpause(d);
	return rc;
}

/* Xen 4.17's list of MSRs it migrates for PV vCPUs has 7 entries (without DBEXT). */
#define XEN_PV_MSRS 7

static u32 nr_kept_msrs(void)
{
	return cpu_has_tsc_aux() ? 1 : 0;
}

long pv_get_vcpu_msrs(struct domain *d, struct xen_domctl_vcpu_msrs *m)
{
	struct xen_domctl_vcpu_msr e = { .index = MSR_TSC_AUX };
	long rc;
	struct vcpu *v = save_vcpu(d, m->vcpu, &rc);

	if (!v)
		return rc;
	if (!m->msrs.p) {
		m->msr_count = nr_kept_msrs();
		return 0;
	}
	domain_pause(d);
	e.value = cpu_has_tsc_aux() ? v->arch.pv.tsc_aux : 0;
	domain_unpause(d);
	if (!e.value) {
		m->msr_count = 0;
		return 0;
	}
	if (!m->msr_count) {
		m->msr_count = 1;
		return -ENOBUFS;
	}
	m->msr_count = 1;
	return copy_to_guest((u64)m->msrs.p, &e, sizeof(e)) ? -EFAULT : 0;
}

/* One entry of a set_vcpu_msrs list: only TSC_AUX, with a 32-bit value. */
static long set_one_msr(struct vcpu *v, const struct xen_domctl_vcpu_msr *e)
{
	if (e->reserved || e->index != MSR_TSC_AUX || !cpu_has_tsc_aux() || (e->value >> 32))
		return -EINVAL;
	v->arch.pv.tsc_aux = e->value;
	return 0;
}

/* *copyback: the caller returns msr_count (the refused entry's index). */
long pv_set_vcpu_msrs(struct domain *d, struct xen_domctl_vcpu_msrs *m, bool *copyback)
{
	struct xen_domctl_vcpu_msr e;
	long rc;
	struct vcpu *v = save_vcpu(d, m->vcpu, &rc);
	u32 i;

	if (!v)
		return rc;
	if (m->msr_count > XEN_PV_MSRS)
		return -EINVAL;
	domain_pause(d);
	for (i = 0; i < m->msr_count; i++) {
		rc = copy_from_guest(&e, (u64)m->msrs.p + (u64)i * sizeof(e), sizeof(e)) ? -EFAULT
											 : 0;
		if (!rc)
			rc = set_one_msr(v, &e);
		if (rc)
			break;
	}
	domain_unpause(d);
	if (rc) {
		m->msr_count = i;
		*copyback = true;
	}
	return rc;
}
