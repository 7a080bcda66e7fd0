/*
 * platform_op: the control domain's view of the physical platform. For
 * now: the physical CPU list (one CPU) and setting the wall clock.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "domain.h"
#include "uaccess.h"
#include "timer.h"
#include "firmware.h"
#include "public/platform.h"

static void pcpu_info(struct xenpf_pcpuinfo *info)
{
	info->max_present = 0;
	if (info->xen_cpuid == 0) {
		info->flags = XEN_PCPU_FLAGS_ONLINE;
		info->apic_id = 0;
		info->acpi_id = 0;
	} else {
		info->flags = XEN_PCPU_FLAGS_INVALID;
	}
}

/* As on Xen, nsecs of a second or more simply carry into the seconds. */
static long settime(u64 secs, u32 nsecs, u64 stime)
{
	struct domain *d = current->domain;

	wallclock_set(secs, nsecs, stime);
	update_domain_wallclock(d);
	return 0;
}

long do_platform_op(unsigned long arg)
{
	struct xen_platform_op op;
	long rc;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XENPF_INTERFACE_VERSION)
		return -EACCES;
	switch (op.cmd) {
	case XENPF_get_cpuinfo:
		pcpu_info(&op.u.pcpu_info);
		rc = 0;
		break;
	case XENPF_settime32:
		return settime(op.u.settime32.secs, op.u.settime32.nsecs,
			       op.u.settime32.system_time);
	case XENPF_settime64:
		if (op.u.settime64.mbz)
			return -EINVAL;
		return settime(op.u.settime64.secs, op.u.settime64.nsecs,
			       op.u.settime64.system_time);
	case XENPF_firmware_info:
		return firmware_info(arg, &op.u.firmware_info);
	case XENPF_efi_runtime_call:
		return efi_runtime_call();
	default:
		return -ENOSYS;
	}
	if (copy_to_guest(arg, &op, sizeof(op)))
		return -EFAULT;
	return rc;
}
