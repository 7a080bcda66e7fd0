/*
 * Petrel public ABI: HYPERVISOR_vcpu_op(cmd, vcpuid, arg) (Xen 4.17 numbers
 * and layouts): bring-up, runstate, timers and where vcpu_info / the time
 * record live.
 */
#ifndef __XEN_PUBLIC_VCPU_H__
#define __XEN_PUBLIC_VCPU_H__

#include "xen.h"

/* arg: vcpu_guest_context (PV) for a vcpu that has not run yet. */
#define VCPUOP_initialise 0
#define VCPUOP_up 1
#define VCPUOP_down 2
/* Returns 1 if the vcpu runs, 0 if down, -ENOENT if it does not exist. */
#define VCPUOP_is_up 3

/* arg: vcpu_runstate_info, filled in. */
#define VCPUOP_get_runstate_info 4
struct vcpu_runstate_info {
	int state;		   /* RUNSTATE_* */
	uint64_t state_entry_time; /* system time when `state` was entered */
	uint64_t time[4];	   /* ns spent in each RUNSTATE_* */
};
typedef struct vcpu_runstate_info vcpu_runstate_info_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_runstate_info_t);

/*
 * With VMASST_TYPE_runstate_update_flag this bit of state_entry_time is set
 * while the hypervisor rewrites the record.
 */
#define XEN_RUNSTATE_UPDATE (xen_mk_ulong(1) << 63)

#define RUNSTATE_running 0
#define RUNSTATE_runnable 1 /* ready, waiting for a CPU */
#define RUNSTATE_blocked 2  /* waiting for an event */
#define RUNSTATE_offline 3  /* down, or paused by the toolstack */

/*
 * Ask the hypervisor to keep a vcpu_runstate_info at a guest virtual
 * address up to date (PV: VA in the guest's current address space).
 */
#define VCPUOP_register_runstate_memory_area 5
struct vcpu_register_runstate_memory_area {
	union {
		XEN_GUEST_HANDLE(vcpu_runstate_info_t) h;
		struct vcpu_runstate_info *v;
		uint64_t p;
	} addr;
};
typedef struct vcpu_register_runstate_memory_area vcpu_register_runstate_memory_area_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_register_runstate_memory_area_t);

/* Periodic VIRQ_TIMER (Linux stops it and uses the singleshot timer). */
#define VCPUOP_set_periodic_timer 6
#define VCPUOP_stop_periodic_timer 7
struct vcpu_set_periodic_timer {
	uint64_t period_ns;
};
typedef struct vcpu_set_periodic_timer vcpu_set_periodic_timer_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_set_periodic_timer_t);

/* One VIRQ_TIMER at an absolute system time. */
#define VCPUOP_set_singleshot_timer 8
#define VCPUOP_stop_singleshot_timer 9
struct vcpu_set_singleshot_timer {
	uint64_t timeout_abs_ns;
	uint32_t flags; /* VCPU_SSHOTTMR_* */
};
typedef struct vcpu_set_singleshot_timer vcpu_set_singleshot_timer_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_set_singleshot_timer_t);

/* Fail with -ETIME if the deadline has already passed. */
#define _VCPU_SSHOTTMR_future (0)
#define VCPU_SSHOTTMR_future (1U << _VCPU_SSHOTTMR_future)

/* Move this vcpu's vcpu_info out of shared_info, to mfn:offset. */
#define VCPUOP_register_vcpu_info 10
struct vcpu_register_vcpu_info {
	uint64_t mfn;
	uint32_t offset; /* vcpu_info must not cross the page end */
	uint32_t rsvd;
};
typedef struct vcpu_register_vcpu_info vcpu_register_vcpu_info_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_register_vcpu_info_t);

#define VCPUOP_send_nmi 11

/* Physical CPU identity (dom0 with pinned vcpus). */
#define VCPUOP_get_physid 12
struct vcpu_get_physid {
	uint64_t phys_id;
};
typedef struct vcpu_get_physid vcpu_get_physid_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_get_physid_t);
#define xen_vcpu_physid_to_x86_apicid(physid) ((uint32_t)(physid))
#define xen_vcpu_physid_to_x86_acpiid(physid) ((uint32_t)((physid) >> 32))

/* Keep a second copy of vcpu_time_info at a guest address (user-mode vDSO). */
#define VCPUOP_register_vcpu_time_memory_area 13
DEFINE_XEN_GUEST_HANDLE(vcpu_time_info_t);
struct vcpu_register_time_memory_area {
	union {
		XEN_GUEST_HANDLE(vcpu_time_info_t) h;
		struct vcpu_time_info *v;
		uint64_t p;
	} addr;
};
typedef struct vcpu_register_time_memory_area vcpu_register_time_memory_area_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_register_time_memory_area_t);

PETREL_ASSERT_SIZE(struct vcpu_runstate_info, 48, vcpu_runstate_info);
PETREL_ASSERT_OFFSET(struct vcpu_runstate_info, state_entry_time, 8, vcpu_runstate_info);
PETREL_ASSERT_OFFSET(struct vcpu_runstate_info, time, 16, vcpu_runstate_info);
PETREL_ASSERT_SIZE(struct vcpu_register_runstate_memory_area, 8,
		   vcpu_register_runstate_memory_area);
PETREL_ASSERT_SIZE(struct vcpu_set_periodic_timer, 8, vcpu_set_periodic_timer);
PETREL_ASSERT_SIZE(struct vcpu_set_singleshot_timer, 16, vcpu_set_singleshot_timer);
PETREL_ASSERT_OFFSET(struct vcpu_set_singleshot_timer, flags, 8, vcpu_set_singleshot_timer);
PETREL_ASSERT_SIZE(struct vcpu_register_vcpu_info, 16, vcpu_register_vcpu_info);
PETREL_ASSERT_OFFSET(struct vcpu_register_vcpu_info, offset, 8, vcpu_register_vcpu_info);
PETREL_ASSERT_SIZE(struct vcpu_get_physid, 8, vcpu_get_physid);
PETREL_ASSERT_SIZE(struct vcpu_register_time_memory_area, 8, vcpu_register_time_memory_area);

#endif /* __XEN_PUBLIC_VCPU_H__ */
