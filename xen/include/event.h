/*
 * Event channels, 2-level ABI (xen/common/event_channel.c).
 *
 * Every domain owns a table of EVTCHN_NR_PORTS ports. A port's state says
 * what raises it; raising it sets its bit in shared_info.evtchn_pending and,
 * unless the port is masked, the word's bit in the notified vCPU's
 * evtchn_pending_sel and that vCPU's evtchn_upcall_pending. The upcall itself
 * is delivered on the way back to the guest (pv_return_to_guest).
 */
#ifndef PETREL_EVENT_H
#define PETREL_EVENT_H

#include "types.h"
#include "public/xen.h"
#include "public/event_channel.h"

struct domain;
struct vcpu;

#define EVTCHN_NR_PORTS EVTCHN_2L_NR_CHANNELS /* 4096 on x86-64 */
#define EVTCHN_WORD_BITS 64

/* Port states (ECS_*). Port 0 is reserved and never handed out. */
enum evtchn_state {
	ECS_FREE = 0,
	ECS_RESERVED,
	ECS_UNBOUND,	 /* waiting for u.remote_domid to bind */
	ECS_INTERDOMAIN, /* connected to u.inter.{dom,port} */
	ECS_PIRQ,	 /* u.pirq (arch/x86/physdev.c raises it) */
	ECS_VIRQ,	 /* u.virq */
	ECS_IPI,
};

/* One port: 8 bytes, so the whole 2-level table is 32 KiB per domain. */
struct evtchn {
	u8 state; /* enum evtchn_state */
	u8 xen_consumer; /* the hypervisor's end (an ioreq server's), not the guest's */
	u16 notify_vcpu; /* vCPU whose pending_sel/upcall_pending is raised */
	union {
		domid_t remote_domid; /* ECS_UNBOUND */
		struct {
			domid_t dom;
			u16 port;
		} inter;  /* ECS_INTERDOMAIN */
		u32 virq; /* ECS_VIRQ */
		u32 pirq; /* ECS_PIRQ */
	} u;
};

_Static_assert(sizeof(struct evtchn) == 8, "struct evtchn is 8 bytes");
_Static_assert(EVTCHN_NR_PORTS <= 65536, "ports fit in u16");

/* The event_channel_op (32) and event_channel_op_compat (16) hypercalls. */
long do_event_channel_op(unsigned long cmd, unsigned long arg);
long do_event_channel_op_compat(unsigned long arg);

/* Raise @port of @d on vCPU @vcpu_id (2-level pending/mask/selector logic). */
void evtchn_set_pending(struct domain *d, unsigned int vcpu_id, unsigned int port);
/* Raise a per-vCPU VIRQ (VIRQ_TIMER...) if @v has bound it. */
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
/* Raise a global VIRQ (VIRQ_CONSOLE...) of @d if bound (it lives on vCPU 0). */
void send_guest_global_virq(struct domain *d, unsigned int virq);
/* True if @virq is delivered per vCPU rather than to one vCPU of the domain. */
bool virq_is_per_vcpu(unsigned int virq);
/* True if @virq is bound on @v. */
bool virq_bound(const struct vcpu *v, unsigned int virq);

/* 2-level bit helpers on @d's shared_info; @port must be < EVTCHN_NR_PORTS. */
bool evtchn_is_pending(const struct domain *d, unsigned int port);
bool evtchn_is_masked(const struct domain *d, unsigned int port);
/* True if @v has an upcall to take (pending and not masked). */
bool evtchn_upcall_due(const struct vcpu *v);

/* Clear @port's mask bit (EVTCHNOP_unmask); raises the upcall if it is pending. */
void evtchn_unmask_port(struct domain *d, unsigned int port);

/*
 * PIRQ side of EVTCHNOP_bind_pirq / close (arch/x86/physdev.c): bind checks
 * the PIRQ (-EINVAL out of range, -EPERM not mapped, -EEXIST bound) before
 * @port (a free port, or the -errno of looking for one), then enables the
 * interrupt. event_channel.c has weak versions for builds without PIRQs.
 */
int pirq_guest_bind(struct domain *d, unsigned int pirq, int port, bool share);
void pirq_guest_unbind(struct domain *d, unsigned int pirq);

/*
 * Ports whose local end the hypervisor consumes (Xen's "Xen-bound" ports):
 * an ioreq server's per-vCPU channels live in the HVM domain, bound by the
 * device model from its side. Raising one calls evtchn_xen_notify() instead
 * of touching the domain's pending bits; the guest cannot close or send on it.
 * alloc gives an unbound port for @remote (or -ENOSPC), send raises the
 * peer's end, free closes it (nothing if it is not such a port).
 */
int evtchn_alloc_xen_port(struct domain *d, unsigned int vcpu_id, domid_t remote);
void evtchn_send_xen_port(struct domain *d, unsigned int port);
void evtchn_free_xen_port(struct domain *d, unsigned int port);
/* The hook (hvm/ioreq.c; a no-op in builds without it). */
void evtchn_xen_notify(struct domain *d, unsigned int port);

/* Close every port of @d (EVTCHNOP_reset, domain teardown). */
void evtchn_close_all(struct domain *d);

#endif
