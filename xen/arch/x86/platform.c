/*
 * platform_op: the control domain's view of the physical platform. For
 * now: the physical CPU list (one CPU), setting the wall clock and dom0's
 * ACPI processor power-management calls.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "domain.h"
#include "uaccess.h"
#include "timer.h"
#include "firmware.h"
#include "smpboot.h"
#include "asm.h"
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

/*
 * The _PDC buffer dom0 evaluates on each ACPI processor object: word 0 the
 * revision (1), word 1 the number of capability words (at least 1), word 2
 * the capability bits (ACPI's Intel processor-vendor bits, below).
 */
#define PDC_REVISION 1
#define PDC_P_FFH 0x0001
#define PDC_C_C1_HALT 0x0002
#define PDC_T_FFH 0x0004
#define PDC_SMP_C1PT 0x0008
#define PDC_SMP_C2C3 0x0010
#define PDC_SMP_P_SWCOORD 0x0020
#define PDC_SMP_C_SWCOORD 0x0040
#define PDC_SMP_T_SWCOORD 0x0080
#define PDC_C_C1_FFH 0x0100
#define PDC_C_C2C3_FFH 0x0200
#define PDC_SMP_P_HWCOORD 0x0800
#define PDC_C_BITS                                                                                 \
	(PDC_C_C1_HALT | PDC_C_C1_FFH | PDC_SMP_C2C3 | PDC_SMP_C_SWCOORD | PDC_C_C2C3_FFH)
#define PDC_P_BITS (PDC_P_FFH | PDC_SMP_P_SWCOORD | PDC_SMP_P_HWCOORD)
#define PDC_T_BITS (PDC_T_FFH | PDC_SMP_T_SWCOORD)

#define CPUID1_ECX_MONITOR (1u << 3)
#define CPUID5_ECX_EMX (1u << 0)       /* MWAIT's ECX extensions are enumerated */
#define CPUID5_ECX_INT_BREAK (1u << 1) /* MWAIT can wake on a masked interrupt */

/* Does this CPU's MWAIT wake on interrupts even with them masked? */
static bool mwait_breaks_on_interrupt(void)
{
	u32 a, b, c, d;

	cpuid_count(0, 0, &a, &b, &c, &d);
	if (a < 5)
		return false;
	cpuid_count(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID1_ECX_MONITOR))
		return false;
	cpuid_count(5, 0, &a, &b, &c, &d);
	return (c & CPUID5_ECX_EMX) && (c & CPUID5_ECX_INT_BREAK);
}

/*
 * XEN_PM_PDC: vet dom0's _PDC capability word for ACPI processor @acpi_id
 * (~0: any processor) before dom0 hands it to the firmware. Xen clears, then
 * sets itself, the C-, P- and T-state bits of the states it manages; Petrel
 * manages none (its idle is HLT, it changes no frequency or throttling), so
 * it answers as Xen 4.17 booted with cpufreq=none cpuidle=0: it keeps dom0's
 * C/P/T bits and drops every other bit, and drops the FFH (MWAIT) C-state
 * bits on a CPU whose MWAIT cannot break on a masked interrupt.
 */
static long set_pdc(u32 acpi_id, u64 buf)
{
	u32 w[3];

	if (copy_from_guest(w, buf, 2 * sizeof(u32)))
		return -EFAULT;
	if (w[0] != PDC_REVISION || !w[1])
		return -EINVAL;
	if (copy_from_guest(&w[2], buf + 2 * sizeof(u32), sizeof(u32)))
		return -EFAULT;
	if (acpi_id != ~0u && cpu_by_acpi_id(acpi_id) < 0)
		return -EINVAL;
	w[2] &= PDC_C_BITS | PDC_P_BITS | PDC_T_BITS | PDC_SMP_C1PT;
	if (!mwait_breaks_on_interrupt())
		w[2] &= ~(PDC_C_C1_FFH | PDC_C_C2C3_FFH);
	if (copy_to_guest(buf + 2 * sizeof(u32), &w[2], sizeof(u32)))
		return -EFAULT;
	return 0;
}

/*
 * XENPF_set_processor_pminfo. The Cx/Px/Tx tables are for a hypervisor
 * that runs cpuidle/cpufreq; with neither (as Xen with cpufreq=none
 * cpuidle=0, and Xen never takes Tx) they are -ENOSYS; unknown types -EINVAL.
 */
static long set_pminfo(const struct xenpf_set_processor_pminfo *pm)
{
	switch (pm->type) {
	case XEN_PM_CX:
	case XEN_PM_PX:
	case XEN_PM_TX:
		return -ENOSYS;
	case XEN_PM_PDC:
		return set_pdc(pm->id, (u64)(unsigned long)pm->u.pdc.p);
	default:
		return -EINVAL;
	}
}

long do_platform_op(unsigned long arg)
{
	struct xen_platform_op op;
	long rc;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XENPF_INTERFACE_VERSION)
		return -EACCES;
	if (!current->domain->is_privileged)
		return -EPERM;
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
	case XENPF_set_processor_pminfo:
		return set_pminfo(&op.u.set_pminfo);
	default:
		return -ENOSYS;
	}
	if (copy_to_guest(arg, &op, sizeof(op)))
		return -EFAULT;
	return rc;
}
