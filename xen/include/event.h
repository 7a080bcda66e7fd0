/*
 * Event channels (xen/common/event_channel.c: ports and the 2-level ABI;
 * xen/common/event_fifo.c: the FIFO ABI).
 *
 * Every domain owns a table of EVTCHN_NR_PORTS ports, and with the FIFO ABI
 * up to EVTCHN_MAX_PORTS in buckets allocated as ports are handed out. A
 * port's state says what raises it. With the 2-level ABI raising it sets
 * its bit in shared_info.evtchn_pending and, unless the port is masked, the
 * word's bit in the notified vCPU's evtchn_pending_sel and that vCPU's
 * evtchn_upcall_pending. With the FIFO ABI it sets PENDING in the port's
 * event word and links the word onto a queue of the notified vCPU (docs/
 * design.md "FIFO event channels"). The upcall itself is delivered on the
 * way back to the guest (pv_return_to_guest).
 */
#ifndef PETREL_EVENT_H
#define PETREL_EVENT_H

#include "types.h"
#include "public/xen.h"
#include "public/event_channel.h"

struct domain;
struct vcpu;

#define EVTCHN_NR_PORTS EVTCHN_2L_NR_CHANNELS /* 4096 on x86-64: the table in the domain */
#define EVTCHN_MAX_PORTS EVTCHN_FIFO_NR_CHANNELS /* 2^17: the FIFO ABI's limit */
#define EVTCHN_BUCKET_PORTS 256 /* ports past the table come in 4 KiB buckets */
#define EVTCHN_NR_BUCKETS ((EVTCHN_MAX_PORTS - EVTCHN_NR_PORTS) / EVTCHN_BUCKET_PORTS)
#define EVTCHN_WORD_BITS 64
/* FIFO event array: 1024 event words a page, 128 pages for 2^17 ports. */
#define EVTCHN_FIFO_WORDS_PER_PAGE (4096 / sizeof(event_word_t))
#define EVTCHN_FIFO_MAX_PAGES (EVTCHN_MAX_PORTS / EVTCHN_FIFO_WORDS_PER_PAGE)

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

/*
 * One port: 16 bytes, so the 2-level table is 64 KiB per domain. The FIFO
 * fields last_vcpu and last_priority name the queue the port was last
 * linked on; they outlive the port's closing (a queue's tail may still name
 * it), everything else is cleared when it is closed.
 */
struct evtchn {
	u8 state; /* enum evtchn_state */
	u8 xen_consumer : 1; /* the hypervisor's end (an ioreq server's), not the guest's */
	u8 fifo_pending : 1; /* FIFO: raised while its event word had no array page */
	u8 priority; /* FIFO: the queue its events go to (EVTCHN_FIFO_PRIORITY_*) */
	u8 last_priority; /* FIFO: the queue it was last linked on ... */
	u16 notify_vcpu; /* vCPU whose pending_sel/upcall_pending is raised */
	u16 last_vcpu; /* ... and that queue's vCPU */
	union {
		domid_t remote_domid; /* ECS_UNBOUND */
		struct {
			domid_t dom;
			u32 port;
		} inter;  /* ECS_INTERDOMAIN */
		u32 virq; /* ECS_VIRQ */
		u32 pirq; /* ECS_PIRQ */
	} u;
};

_Static_assert(sizeof(struct evtchn) == 16, "struct evtchn is 16 bytes");
_Static_assert(EVTCHN_BUCKET_PORTS * sizeof(struct evtchn) == 4096, "a bucket is a page");

/* A vCPU's FIFO state: its control block and the tail of each of its queues. */
struct evtchn_fifo_vcpu {
	struct evtchn_fifo_control_block *cb; /* in the guest's frame cb_mfn; NULL = none */
	u64 cb_mfn;
	u32 tail[EVTCHN_FIFO_MAX_QUEUES]; /* last port linked on each queue, 0 = none */
};

/* A domain's FIFO state: on once the first control block is registered. */
struct evtchn_fifo_domain {
	bool on;
	unsigned int nr_words; /* event words mapped: nr_pages * EVTCHN_FIFO_WORDS_PER_PAGE */
	event_word_t *page[EVTCHN_FIFO_MAX_PAGES]; /* the event array, in guest frames ... */
	u64 page_mfn[EVTCHN_FIFO_MAX_PAGES]; /* ... these */
};

/* The event_channel_op (32) and event_channel_op_compat (16) hypercalls. */
long do_event_channel_op(unsigned long cmd, unsigned long arg);
long do_event_channel_op_compat(unsigned long arg);

/* Raise @port of @d on vCPU @vcpu_id (2-level pending/mask/selector logic). */
void evtchn_set_pending(struct domain *d, unsigned int vcpu_id, unsigned int port);
/* Raise @port of @d on the vCPU it notifies (a PIRQ's port). */
void evtchn_raise_port(struct domain *d, unsigned int port);
/* EVTCHNOP_send without the hypervisor lock: -EAGAIN when it must go the slow way. */
long evtchn_send_unlocked(unsigned int port);
/* EVTCHNOP_send, unmask or status (@arg in guest memory) the same way. */
long evtchn_op_unlocked(unsigned int cmd, unsigned long arg);
/* Raise a per-vCPU VIRQ (VIRQ_TIMER...) if @v has bound it. */
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq);
/*
 * The same without hv_lock (a PV vCPU's, @virq < NR_VIRQS): false, with
 * nothing done, when its domain's event lock is busy.
 */
bool send_guest_vcpu_virq_try(struct vcpu *v, unsigned int virq);
/* Raise a global VIRQ (VIRQ_CONSOLE...) of @d if bound (it lives on vCPU 0). */
void send_guest_global_virq(struct domain *d, unsigned int virq);
/* True if @virq is delivered per vCPU rather than to one vCPU of the domain. */
bool virq_is_per_vcpu(unsigned int virq);
/* True if @virq is bound on @v. */
bool virq_bound(const struct vcpu *v, unsigned int virq);

/* Pending and mask state of a valid @port, with either ABI. */
bool evtchn_is_pending(const struct domain *d, unsigned int port);
bool evtchn_is_masked(const struct domain *d, unsigned int port);
/* SCHEDOP_poll's look at @port: -1 no such slot, 1 pending, 0 not. */
int evtchn_poll_port(struct domain *d, unsigned int port);
/* True if @port has a slot in @d's port table (closed or not). */
bool evtchn_port_valid(const struct domain *d, unsigned int port);
/* The slot of a valid @port. */
struct evtchn *evtchn_from_port(const struct domain *d, unsigned int port);
/* The number of port slots @d has now (the ports below it are valid). */
unsigned int evtchn_nr_slots(const struct domain *d);

/*
 * Print @d's ports in use to the console, in the shape of Xen's 'e' key
 * ("Event channel information for dN:", then one line per port: number,
 * [pending/mask/-], s=state n=vCPU x=hypervisor-consumed, the peer), and a
 * count of them.
 */
void evtchn_dump(struct domain *d);

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

/*
 * Close every port of @d and go back to the 2-level ABI, giving back the
 * FIFO frames and port buckets (EVTCHNOP_reset, domain teardown).
 */
void evtchn_close_all(struct domain *d);
/*
 * The same in steps for a dying domain: close up to @n of its ports,
 * highest first, and only those below evtchn_hwm (the rest were never
 * handed out); true once none is left and the FIFO state is gone too.
 */
bool evtchn_close_some(struct domain *d, unsigned int n);
/*
 * A soft reset's part (XEN_DOMCTL_soft_reset, as Xen's evtchn_reset): close
 * the guest's ports, highest first, at most @n a call, keeping those the
 * hypervisor consumes; true once done. With none of those kept, the table,
 * its buckets and the FIFO state go back to what the domain was created
 * with (the 2-level ABI); with some kept, the FIFO state stays.
 */
bool evtchn_reset_guest_some(struct domain *d, unsigned int n);

/*
 * The FIFO ABI (common/event_fifo.c). The ops return 0 or Xen's -errno;
 * the rest are the FIFO halves of the port operations above, called by
 * event_channel.c when d->evtchn_fifo.on.
 */
long evtchn_fifo_init_control(struct evtchn_init_control *a);
long evtchn_fifo_expand_array(const struct evtchn_expand_array *a);
long evtchn_fifo_set_priority(struct domain *d, unsigned int port, unsigned int priority);
void evtchn_fifo_set_pending(struct domain *d, unsigned int vcpu_id, unsigned int port);
void evtchn_fifo_clear_pending(struct domain *d, unsigned int port);
void evtchn_fifo_unmask(struct domain *d, unsigned int port);
bool evtchn_fifo_is_pending(const struct domain *d, unsigned int port);
bool evtchn_fifo_is_masked(const struct domain *d, unsigned int port);
/* True while @port's word is LINKED: the port may not be reused yet. */
bool evtchn_fifo_is_busy(const struct domain *d, unsigned int port);
/* Give back the control blocks and event array (back to 2-level). */
void evtchn_fifo_destroy(struct domain *d);
/* Shared with event_fifo.c: raise the upcall of @v; wake pollers of @port. */
void evtchn_mark_pending(struct vcpu *v);
void evtchn_check_pollers(struct domain *d, unsigned int port);

/*
 * A guest frame the hypervisor keeps mapped (FIFO control blocks and event
 * array pages): @gfn (a machine frame for PV, a guest frame for HVM) must be
 * @d's RAM and take a writable type. Its address, with *@mfn set, or NULL.
 * put releases what get took.
 */
void *evtchn_get_guest_frame(struct domain *d, u64 gfn, u64 *mfn);
void evtchn_put_guest_frame(u64 mfn);

#endif
