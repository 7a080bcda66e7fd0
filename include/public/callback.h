/*
 * Petrel public ABI: HYPERVISOR_callback_op(cmd, arg) (Xen 4.17 numbers and
 * layouts): where the hypervisor bounces events, failsafe returns and
 * syscalls of a PV guest.
 */
#ifndef __XEN_PUBLIC_CALLBACK_H__
#define __XEN_PUBLIC_CALLBACK_H__

#include "xen.h"

#define CALLBACKTYPE_event 0	/* event upcall */
#define CALLBACKTYPE_failsafe 1 /* a segment reload on return to the guest faulted */
#define CALLBACKTYPE_syscall 2	/* 64-bit user `syscall` */
#define CALLBACKTYPE_sysenter_deprecated 3
#define CALLBACKTYPE_nmi 4
#define CALLBACKTYPE_sysenter 5	 /* 32-bit user `sysenter` */
#define CALLBACKTYPE_syscall32 7 /* 32-bit user `syscall` */

/* Mask events (set evtchn_upcall_mask) when entering the callback. */
#define _CALLBACKF_mask_events 0
#define CALLBACKF_mask_events (1U << _CALLBACKF_mask_events)

#define CALLBACKOP_register 0
struct callback_register {
	uint16_t type;	/* CALLBACKTYPE_* */
	uint16_t flags; /* CALLBACKF_* */
	xen_callback_t address;
};
typedef struct callback_register callback_register_t;
DEFINE_XEN_GUEST_HANDLE(callback_register_t);

#define CALLBACKOP_unregister 1
struct callback_unregister {
	uint16_t type;
	uint16_t _unused;
};
typedef struct callback_unregister callback_unregister_t;
DEFINE_XEN_GUEST_HANDLE(callback_unregister_t);

PETREL_ASSERT_SIZE(struct callback_register, 16, callback_register);
PETREL_ASSERT_OFFSET(struct callback_register, flags, 2, callback_register);
PETREL_ASSERT_OFFSET(struct callback_register, address, 8, callback_register);
PETREL_ASSERT_SIZE(struct callback_unregister, 4, callback_unregister);

#endif /* __XEN_PUBLIC_CALLBACK_H__ */
