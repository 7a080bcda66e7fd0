/*
 * Event channels for test guests: the event_channel_op numbers and argument
 * layouts of Xen's public event_channel.h, thin wrappers, and the 2-level
 * pending bits in shared_info.
 */
#ifndef GUEST_EVTCHN_H
#define GUEST_EVTCHN_H

#include "xtest.h"

#define HC_event_channel_op 32

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

#define EVTCHNSTAT_closed 0
#define EVTCHNSTAT_unbound 1
#define EVTCHNSTAT_interdomain 2
#define EVTCHNSTAT_pirq 3
#define EVTCHNSTAT_virq 4
#define EVTCHNSTAT_ipi 5

#define VIRQ_TIMER 0
#define VIRQ_CONSOLE 2
#define VIRQ_DOM_EXC 3

#define SCHEDOP_poll 3

#ifndef DOMID_SELF
#define DOMID_SELF 0x7ff0
#endif

struct evtchn_alloc_unbound {
	uint16_t dom, remote_dom;
	uint32_t port;
};
struct evtchn_bind_interdomain {
	uint16_t remote_dom;
	uint32_t remote_port, local_port;
};
struct evtchn_bind_virq {
	uint32_t virq, vcpu, port;
};
struct evtchn_bind_pirq {
	uint32_t pirq, flags, port;
};
struct evtchn_bind_ipi {
	uint32_t vcpu, port;
};
struct evtchn_status {
	uint16_t dom;
	uint32_t port, status, vcpu;
	union {
		struct {
			uint16_t dom;
		} unbound;
		struct {
			uint16_t dom;
			uint32_t port;
		} interdomain;
		uint32_t pirq;
		uint32_t virq;
	} u;
};
_Static_assert(sizeof(struct evtchn_status) == 24, "evtchn_status is 24 bytes");

struct sched_poll {
	uint32_t *ports;
	unsigned int nr_ports;
	uint64_t timeout;
};

static inline long evtchn_op(unsigned int cmd, void *arg)
{
	return hypercall(HC_event_channel_op, cmd, (unsigned long)arg, 0, 0, 0);
}

/* EVTCHNOP_send, close and unmask take just a port. */
static inline long evtchn_port_op(unsigned int cmd, uint32_t port)
{
	uint32_t p = port;

	return evtchn_op(cmd, &p);
}

static inline bool evtchn_pending(uint32_t port)
{
	const unsigned long *w = xtest_shared_info()->evtchn_pending;

	return (__atomic_load_n(&w[port / 64], __ATOMIC_SEQ_CST) >> (port % 64)) & 1;
}

/* Clear @port's pending bit; true if it was set. */
static inline bool evtchn_test_and_clear(uint32_t port)
{
	unsigned long bit = 1UL << (port % 64);

	return __atomic_fetch_and(&xtest_shared_info()->evtchn_pending[port / 64], ~bit,
				  __ATOMIC_SEQ_CST) &
	       bit;
}

/* Spin (with pause) at most @loops times until @port is pending. */
static inline bool evtchn_spin_pending(uint32_t port, unsigned long loops)
{
	while (loops--) {
		if (evtchn_pending(port))
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

/* EVTCHNOP_status of our own @port into *@st. */
static inline long evtchn_status_of(uint32_t port, struct evtchn_status *st)
{
	st->dom = DOMID_SELF;
	st->port = port;
	return evtchn_op(EVTCHNOP_status, st);
}

/* An IPI port for each of vCPUs 0 .. @n - 1 into @ports; false (a failure recorded) on error. */
static inline bool evtchn_bind_ipis(uint32_t *ports, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct evtchn_bind_ipi b = { .vcpu = i };

		if (evtchn_op(EVTCHNOP_bind_ipi, &b) != 0) {
			xtest_fail("bind_ipi(vcpu %u) failed", i);
			return false;
		}
		ports[i] = b.port;
	}
	return true;
}

/* A loopback pair: *@rx unbound to ourselves, *@tx bound to it; false on error. */
static inline bool evtchn_bind_loopback(uint32_t *rx, uint32_t *tx)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_interdomain b = { .remote_dom = DOMID_SELF };

	if (evtchn_op(EVTCHNOP_alloc_unbound, &a) != 0)
		return false;
	b.remote_port = a.port;
	if (evtchn_op(EVTCHNOP_bind_interdomain, &b) != 0)
		return false;
	*rx = a.port, *tx = b.local_port;
	return true;
}

/* The lowest port free now (allocated and closed again); 0 on error. */
static inline uint32_t evtchn_first_free_port(void)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };

	if (evtchn_op(EVTCHNOP_alloc_unbound, &a) != 0 ||
	    evtchn_port_op(EVTCHNOP_close, a.port) != 0)
		return 0;
	return a.port;
}

/*
 * Block in SCHEDOP_poll until @port is pending, at most @max polls (other
 * events end a poll too).
 */
static inline bool evtchn_poll_pending(uint32_t port, unsigned int max)
{
	struct sched_poll p = { .ports = &port, .nr_ports = 1 };

	for (unsigned int i = 0; i < max && !evtchn_pending(port); i++)
		hypercall_sched_op(SCHEDOP_poll, &p);
	return evtchn_pending(port);
}

#endif
