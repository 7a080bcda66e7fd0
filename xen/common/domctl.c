/*
 * domctl: the control domain's operations on one domain, at Xen 4.17's
 * interface version. For now what the registry and the scheduler answer
 * directly: getdomaininfo (with 4.17's rule that a missing id gives the
 * next existing domain at or above it), pausedomain and unpausedomain. The
 * others answer -ENOSYS (docs/abi-status.md).
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "page.h"
#include "domain.h"
#include "sched.h"
#include "uaccess.h"
#include "public/domctl.h"
#include "public/sysctl.h"

/*
 * What getdomaininfo and sysctl getdomaininfolist report. Xen's rules:
 * blocked only when every online vCPU is, running when any is; paused is
 * the toolstack's pause; the shutdown code field is always filled (all
 * ones until a code is given); dying only once torn down.
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
	info->flags = flags | (d->shutdown_code << XEN_DOMINF_shutdownshift);
	info->tot_pages = d->tot_pages;
	info->max_pages = d->max_pages;
	info->cpu_time = domain_cpu_time(d);
	/* A PV guest names frames by MFN. */
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

long do_domctl(unsigned long arg)
{
	struct xen_domctl op;
	struct domain *d;
	long rc;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XEN_DOMCTL_INTERFACE_VERSION)
		return -EACCES;
	if (op.cmd == XEN_DOMCTL_getdomaininfo) {
		rc = getdomaininfo_op(&op);
		if (!rc && copy_to_guest(arg, &op, sizeof(op)))
			rc = -EFAULT;
		return rc;
	}
	d = domain_by_id(op.domain);
	if (!d)
		return -ESRCH;
	switch (op.cmd) {
	case XEN_DOMCTL_pausedomain:
		/* A domain cannot pause itself this way (Xen: -EINVAL). */
		return d == current->domain ? -EINVAL : domain_pause_by_controller(d);
	case XEN_DOMCTL_unpausedomain:
		return domain_unpause_by_controller(d);
	default:
		return -ENOSYS;
	}
}
