/*
 * HVM parameters (HVMOP_set_param / HVMOP_get_param): which parameters a
 * domain may touch on itself, which may be set only once, what values are
 * valid, and how a stored value reads back. Xen 4.17's rules; pure logic on
 * the parameter array, so tests/unit/test_hvm_params.c runs it on the host.
 * The hypercall around it (domain lookup, copies, side effects) is in hvm.c.
 */
#include "types.h"
#include "errno.h"
#include "hvm_params.h"
#include "public/sched.h"
#include "public/hvm/params.h"

/* Parameters a guest may set on itself. */
static bool guest_may_set(u32 index)
{
	switch (index) {
	case HVM_PARAM_CALLBACK_IRQ:
	case HVM_PARAM_VM86_TSS:
	case HVM_PARAM_VM86_TSS_SIZED:
	case HVM_PARAM_ACPI_IOPORTS_LOCATION:
	case HVM_PARAM_VM_GENERATION_ID_ADDR:
	case HVM_PARAM_STORE_EVTCHN:
	case HVM_PARAM_CONSOLE_EVTCHN:
	case HVM_PARAM_X87_FIP_WIDTH:
		return true;
	}
	return false;
}

/* Parameters a guest may read on itself: the settable ones and a few more. */
static bool guest_may_get(u32 index)
{
	switch (index) {
	case HVM_PARAM_STORE_PFN:
	case HVM_PARAM_CONSOLE_PFN:
	case HVM_PARAM_ALTP2M:
		return true;
	}
	return guest_may_set(index);
}

/* Numbers retired from the ABI: -EINVAL for everyone. */
static bool deprecated(u32 index)
{
	switch (index) {
	case HVM_PARAM_PAE_ENABLED:
	case HVM_PARAM_DM_DOMAIN:
	case HVM_PARAM_MEMORY_EVENT_CR0:
	case HVM_PARAM_MEMORY_EVENT_CR3:
	case HVM_PARAM_MEMORY_EVENT_CR4:
	case HVM_PARAM_MEMORY_EVENT_INT3:
	case HVM_PARAM_NESTEDHVM:
	case HVM_PARAM_MEMORY_EVENT_SINGLE_STEP:
	case HVM_PARAM_BUFIOREQ_EVTCHN:
	case HVM_PARAM_MEMORY_EVENT_MSR:
		return true;
	}
	return false;
}

/* Parameters that keep their first non-zero value. */
static bool set_once(u32 index)
{
	switch (index) {
	case HVM_PARAM_VIRIDIAN:
	case HVM_PARAM_IOREQ_PFN:
	case HVM_PARAM_BUFIOREQ_PFN:
	case HVM_PARAM_IOREQ_SERVER_PFN:
	case HVM_PARAM_NR_IOREQ_SERVER_PAGES:
	case HVM_PARAM_ALTP2M:
	case HVM_PARAM_MCA_CAP:
		return true;
	}
	return false;
}

int hvm_param_may_get(u32 index, bool self)
{
	if (index >= HVM_NR_PARAMS || deprecated(index))
		return -EINVAL;
	return self && !guest_may_get(index) ? -EPERM : 0;
}

int hvm_param_may_set(const u64 *params, u32 index, u64 value, bool self)
{
	if (index >= HVM_NR_PARAMS || deprecated(index))
		return -EINVAL;
	if (self && !guest_may_set(index))
		return -EPERM;
	if (set_once(index) && params[index] && params[index] != value)
		return -EEXIST;
	return 0;
}

/* The largest TSS a vm86 task can use: the base, the redirection and I/O bitmaps, one byte. */
#define TSS32_SIZE 104
#define VM86_TSS_MAX (TSS32_SIZE + 0x100 / 8 + 0x10000 / 8 + 1)

/*
 * Check @value for @index and turn it into what is stored, in *@value and
 * *@index (VM86_TSS is kept as VM86_TSS_SIZED). -EINVAL for a bad value;
 * *@crash_self is set where Xen also crashes a domain setting its own.
 */
int hvm_param_store_value(u32 *index, u64 *value, bool *crash_self)
{
	u64 v = *value;

	*crash_self = false;
	switch (*index) {
	case HVM_PARAM_TIMER_MODE:
		return v > HVMPTM_one_missed_tick_pending ? -EINVAL : 0;
	case HVM_PARAM_VIRIDIAN:
		return (v & ~(u64)HVMPV_feature_mask) || !(v & HVMPV_base_freq) ? -EINVAL : 0;
	case HVM_PARAM_TRIPLE_FAULT_REASON:
		return v > SHUTDOWN_MAX ? -EINVAL : 0;
	case HVM_PARAM_X87_FIP_WIDTH:
		return v != 0 && v != 4 && v != 8 ? -EINVAL : 0;
	case HVM_PARAM_NR_IOREQ_SERVER_PAGES:
		return v == 0 || v > 64 ? -EINVAL : 0;
	case HVM_PARAM_ALTP2M:
		return v > XEN_ALTP2M_limited ? -EINVAL : 0;
	case HVM_PARAM_MCA_CAP: /* LMCE also needs the host's (hvm.c) */
		return v & ~(u64)XEN_HVM_MCA_CAP_MASK ? -EINVAL : 0;
	case HVM_PARAM_ACPI_IOPORTS_LOCATION:
		return -ENODEV; /* a domain without the PM timer; hvm_param_pm_location for one with
				   it */
	case HVM_PARAM_VM86_TSS:
		if (v != (u32)v) {
			*crash_self = true;
			return -EINVAL;
		}
		/* Old hvmloaders assume 128 bytes. */
		*value = v ? v | (128UL << 32) | HVM_VM86_TSS_UPDATED : 0;
		*index = HVM_PARAM_VM86_TSS_SIZED;
		return 0;
	case HVM_PARAM_VM86_TSS_SIZED:
		if ((v >> 32) < TSS32_SIZE) {
			*crash_self = true;
			return -EINVAL;
		}
		if ((v >> 32) > VM86_TSS_MAX)
			v = (u32)v | ((u64)VM86_TSS_MAX << 32);
		*value = v | HVM_VM86_TSS_UPDATED;
		return 0;
	}
	return 0;
}

u64 hvm_param_read(const u64 *params, u32 index)
{
	switch (index) {
	case HVM_PARAM_VM86_TSS:
		return (u32)params[HVM_PARAM_VM86_TSS_SIZED];
	case HVM_PARAM_VM86_TSS_SIZED:
		return params[HVM_PARAM_VM86_TSS_SIZED] & ~HVM_VM86_TSS_UPDATED;
	}
	return params[index];
}

int hvm_callback_vector(u64 via)
{
	if ((via >> 56) != HVM_PARAM_CALLBACK_TYPE_VECTOR)
		return -1;
	return (u8)via;
}

/*
 * ACPI_IOPORTS_LOCATION on a domain with the PM timer: it moves the PM1a
 * event block and the timer between Xen's old ports (0) and 0xB000 (1).
 */
int hvm_param_pm_location(u64 old, u64 value)
{
	if (value == old)
		return 0;
	return (value ^ old) != 1 ? -EINVAL : 0;
}
