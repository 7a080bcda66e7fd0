/*
 * Petrel public ABI: HYPERVISOR_event_channel_op(cmd, arg) (Xen 4.17
 * numbers and layouts).  A domain starts with 2-level event channels and
 * switches to FIFO ones (control block, event array, 16 priority queues per
 * vCPU) with its first EVTCHNOP_init_control.
 */
#ifndef __XEN_PUBLIC_EVENT_CHANNEL_H__
#define __XEN_PUBLIC_EVENT_CHANNEL_H__

#include "xen.h"

#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq 1
#define EVTCHNOP_bind_pirq 2
#define EVTCHNOP_close 3
#define EVTCHNOP_send 4
#define EVTCHNOP_status 5
#define EVTCHNOP_alloc_unbound 6
#define EVTCHNOP_bind_ipi 7
#define EVTCHNOP_bind_vcpu 8
#define EVTCHNOP_unmask 9
#define EVTCHNOP_reset 10
#define EVTCHNOP_init_control 11
#define EVTCHNOP_expand_array 12
#define EVTCHNOP_set_priority 13

#ifndef __ASSEMBLY__

typedef uint32_t evtchn_port_t;
DEFINE_XEN_GUEST_HANDLE(evtchn_port_t);

/* New port in `dom` (DOMID_SELF or, privileged, another) that remote_dom may bind. */
struct evtchn_alloc_unbound {
	domid_t dom, remote_dom; /* in */
	evtchn_port_t port;	 /* out */
};
typedef struct evtchn_alloc_unbound evtchn_alloc_unbound_t;

/* Connect a new local port to remote_dom's unbound remote_port. */
struct evtchn_bind_interdomain {
	domid_t remote_dom;	   /* in */
	evtchn_port_t remote_port; /* in */
	evtchn_port_t local_port;  /* out */
};
typedef struct evtchn_bind_interdomain evtchn_bind_interdomain_t;

/* Bind a VIRQ_* on a vcpu (global VIRQs: vcpu 0 first). */
struct evtchn_bind_virq {
	uint32_t virq;	    /* in */
	uint32_t vcpu;	    /* in */
	evtchn_port_t port; /* out */
};
typedef struct evtchn_bind_virq evtchn_bind_virq_t;

#define BIND_PIRQ__WILL_SHARE 1
struct evtchn_bind_pirq {
	uint32_t pirq;	    /* in */
	uint32_t flags;	    /* in: BIND_PIRQ__* */
	evtchn_port_t port; /* out */
};
typedef struct evtchn_bind_pirq evtchn_bind_pirq_t;

/* A port for sending IPIs to the given vcpu of the caller. */
struct evtchn_bind_ipi {
	uint32_t vcpu;	    /* in */
	evtchn_port_t port; /* out */
};
typedef struct evtchn_bind_ipi evtchn_bind_ipi_t;

struct evtchn_close {
	evtchn_port_t port;
};
typedef struct evtchn_close evtchn_close_t;

/* Notify the port's remote end (interdomain peer, or the vcpu of an IPI/VIRQ port). */
struct evtchn_send {
	evtchn_port_t port;
};
typedef struct evtchn_send evtchn_send_t;

#define EVTCHNSTAT_closed 0
#define EVTCHNSTAT_unbound 1
#define EVTCHNSTAT_interdomain 2
#define EVTCHNSTAT_pirq 3
#define EVTCHNSTAT_virq 4
#define EVTCHNSTAT_ipi 5
struct evtchn_status {
	domid_t dom;	    /* in */
	evtchn_port_t port; /* in */
	uint32_t status;    /* out: EVTCHNSTAT_* */
	uint32_t vcpu;	    /* out: vcpu notified */
	union {
		struct {
			domid_t dom;
		} unbound;
		struct {
			domid_t dom;
			evtchn_port_t port;
		} interdomain;
		uint32_t pirq;
		uint32_t virq;
	} u;
};
typedef struct evtchn_status evtchn_status_t;

/* Deliver the port's notifications to another vcpu. */
struct evtchn_bind_vcpu {
	evtchn_port_t port;
	uint32_t vcpu;
};
typedef struct evtchn_bind_vcpu evtchn_bind_vcpu_t;

/* Clear the mask bit and re-raise the upcall if the port is pending. */
struct evtchn_unmask {
	evtchn_port_t port;
};
typedef struct evtchn_unmask evtchn_unmask_t;

/* Close every port of `dom`. */
struct evtchn_reset {
	domid_t dom;
};
typedef struct evtchn_reset evtchn_reset_t;

/* FIFO ABI. */
struct evtchn_init_control {
	uint64_t control_gfn;
	uint32_t offset;
	uint32_t vcpu;
	uint8_t link_bits;
	uint8_t _pad[7];
};
typedef struct evtchn_init_control evtchn_init_control_t;

struct evtchn_expand_array {
	uint64_t array_gfn;
};
typedef struct evtchn_expand_array evtchn_expand_array_t;

struct evtchn_set_priority {
	evtchn_port_t port;
	uint32_t priority;
};
typedef struct evtchn_set_priority evtchn_set_priority_t;

/* Argument of the old event_channel_op_compat (16) hypercall. */
struct evtchn_op {
	uint32_t cmd; /* EVTCHNOP_* */
	union {
		evtchn_alloc_unbound_t alloc_unbound;
		evtchn_bind_interdomain_t bind_interdomain;
		evtchn_bind_virq_t bind_virq;
		evtchn_bind_pirq_t bind_pirq;
		evtchn_bind_ipi_t bind_ipi;
		evtchn_close_t close;
		evtchn_send_t send;
		evtchn_status_t status;
		evtchn_bind_vcpu_t bind_vcpu;
		evtchn_unmask_t unmask;
	} u;
};
typedef struct evtchn_op evtchn_op_t;
DEFINE_XEN_GUEST_HANDLE(evtchn_op_t);

/* 2-level ABI: 64 words of 64 bits = 4096 ports on x86-64. */
#define EVTCHN_2L_NR_CHANNELS (sizeof(xen_ulong_t) * sizeof(xen_ulong_t) * 64)

#define EVTCHN_FIFO_PRIORITY_MAX 0
#define EVTCHN_FIFO_PRIORITY_DEFAULT 7
#define EVTCHN_FIFO_PRIORITY_MIN 15
#define EVTCHN_FIFO_MAX_QUEUES (EVTCHN_FIFO_PRIORITY_MIN + 1)
typedef uint32_t event_word_t;
#define EVTCHN_FIFO_PENDING 31
#define EVTCHN_FIFO_MASKED 30
#define EVTCHN_FIFO_LINKED 29
#define EVTCHN_FIFO_BUSY 28
#define EVTCHN_FIFO_LINK_BITS 17
#define EVTCHN_FIFO_LINK_MASK ((1 << EVTCHN_FIFO_LINK_BITS) - 1)
#define EVTCHN_FIFO_NR_CHANNELS (1 << EVTCHN_FIFO_LINK_BITS)

struct evtchn_fifo_control_block {
	uint32_t ready;
	uint32_t _rsvd;
	uint32_t head[EVTCHN_FIFO_MAX_QUEUES];
};
typedef struct evtchn_fifo_control_block evtchn_fifo_control_block_t;

PETREL_ASSERT_SIZE(struct evtchn_alloc_unbound, 8, evtchn_alloc_unbound);
PETREL_ASSERT_OFFSET(struct evtchn_alloc_unbound, port, 4, evtchn_alloc_unbound);
PETREL_ASSERT_SIZE(struct evtchn_bind_interdomain, 12, evtchn_bind_interdomain);
PETREL_ASSERT_OFFSET(struct evtchn_bind_interdomain, remote_port, 4, evtchn_bind_interdomain);
PETREL_ASSERT_SIZE(struct evtchn_bind_virq, 12, evtchn_bind_virq);
PETREL_ASSERT_OFFSET(struct evtchn_bind_virq, port, 8, evtchn_bind_virq);
PETREL_ASSERT_SIZE(struct evtchn_bind_pirq, 12, evtchn_bind_pirq);
PETREL_ASSERT_SIZE(struct evtchn_bind_ipi, 8, evtchn_bind_ipi);
PETREL_ASSERT_SIZE(struct evtchn_status, 24, evtchn_status);
PETREL_ASSERT_OFFSET(struct evtchn_status, status, 8, evtchn_status);
PETREL_ASSERT_OFFSET(struct evtchn_status, u, 16, evtchn_status);
PETREL_ASSERT_SIZE(struct evtchn_bind_vcpu, 8, evtchn_bind_vcpu);
PETREL_ASSERT_SIZE(struct evtchn_init_control, 24, evtchn_init_control);
PETREL_ASSERT_SIZE(struct evtchn_op, 28, evtchn_op);
PETREL_ASSERT_OFFSET(struct evtchn_op, u, 4, evtchn_op);
PETREL_ASSERT_SIZE(struct evtchn_fifo_control_block, 72, evtchn_fifo_control_block);

#endif /* !__ASSEMBLY__ */

#endif /* __XEN_PUBLIC_EVENT_CHANNEL_H__ */
