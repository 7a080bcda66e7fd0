/*
 * Petrel public ABI: HYPERVISOR_sched_op(cmd, arg) (Xen 4.17 numbers and
 * layouts).
 */
#ifndef __XEN_PUBLIC_SCHED_H__
#define __XEN_PUBLIC_SCHED_H__

#include "event_channel.h"

#define SCHEDOP_yield 0		  /* arg: none */
#define SCHEDOP_block 1		  /* arg: none; unmasks events, sleeps until one is pending */
#define SCHEDOP_shutdown 2	  /* arg: sched_shutdown */
#define SCHEDOP_poll 3		  /* arg: sched_poll */
#define SCHEDOP_remote_shutdown 4 /* arg: sched_remote_shutdown (privileged) */
#define SCHEDOP_shutdown_code 5	  /* arg: sched_shutdown; records the reason only */
#define SCHEDOP_watchdog 6	  /* arg: sched_watchdog */
#define SCHEDOP_pin_override 7	  /* arg: sched_pin_override (dom0 only) */

#ifndef __ASSEMBLY__

struct sched_shutdown {
	unsigned int reason; /* SHUTDOWN_* */
};
typedef struct sched_shutdown sched_shutdown_t;
DEFINE_XEN_GUEST_HANDLE(sched_shutdown_t);

/* Block until one of the ports is pending or the absolute timeout (ns, 0 = none) passes. */
struct sched_poll {
	XEN_GUEST_HANDLE(evtchn_port_t) ports;
	unsigned int nr_ports;
	uint64_t timeout;
};
typedef struct sched_poll sched_poll_t;
DEFINE_XEN_GUEST_HANDLE(sched_poll_t);

struct sched_remote_shutdown {
	domid_t domain_id;
	unsigned int reason; /* SHUTDOWN_* */
};
typedef struct sched_remote_shutdown sched_remote_shutdown_t;
DEFINE_XEN_GUEST_HANDLE(sched_remote_shutdown_t);

/* id 0 creates a watchdog (its id is returned); timeout 0 destroys `id`. */
struct sched_watchdog {
	uint32_t id;
	uint32_t timeout; /* seconds */
};
typedef struct sched_watchdog sched_watchdog_t;
DEFINE_XEN_GUEST_HANDLE(sched_watchdog_t);

struct sched_pin_override {
	int32_t pcpu; /* negative: end the override */
};
typedef struct sched_pin_override sched_pin_override_t;
DEFINE_XEN_GUEST_HANDLE(sched_pin_override_t);

PETREL_ASSERT_SIZE(struct sched_shutdown, 4, sched_shutdown);
PETREL_ASSERT_SIZE(struct sched_poll, 24, sched_poll);
PETREL_ASSERT_OFFSET(struct sched_poll, nr_ports, 8, sched_poll);
PETREL_ASSERT_OFFSET(struct sched_poll, timeout, 16, sched_poll);
PETREL_ASSERT_SIZE(struct sched_remote_shutdown, 8, sched_remote_shutdown);
PETREL_ASSERT_OFFSET(struct sched_remote_shutdown, reason, 4, sched_remote_shutdown);
PETREL_ASSERT_SIZE(struct sched_watchdog, 8, sched_watchdog);
PETREL_ASSERT_SIZE(struct sched_pin_override, 4, sched_pin_override);

#endif /* !__ASSEMBLY__ */

/* Shutdown reasons (also reported to the toolstack in domain info). */
#define SHUTDOWN_poweroff 0
#define SHUTDOWN_reboot 1
#define SHUTDOWN_suspend 2 /* state saved; the toolstack may restore it */
#define SHUTDOWN_crash 3
#define SHUTDOWN_watchdog 4   /* a watchdog expired */
#define SHUTDOWN_soft_reset 5 /* reset the domain's state, keep its memory */
#define SHUTDOWN_MAX 5

#endif /* __XEN_PUBLIC_SCHED_H__ */
