/*
 * Event channels: the port state machine behind event_channel_op, the
 * port table (4096 ports in the domain, buckets of further ports for the
 * FIFO ABI), and the 2-level ABI's pending/mask/selector bits in
 * shared_info and vcpu_info that raise an upcall. A domain that registers
 * a FIFO control block (event_fifo.c) switches to the FIFO ABI until
 * EVTCHNOP_reset or its end.
 *
 * Error values follow Xen 4.17: a port outside the table or in the wrong
 * state is -EINVAL, a missing vCPU -ENOENT, a missing domain -ESRCH, an
 * unprivileged caller acting on another domain -EPERM, a full table
 * -ENOSPC, a VIRQ bound twice -EEXIST. PIRQ ports are bound here; the
 * PIRQs themselves live in arch/x86/physdev.c.
 *
 * This file is also compiled on the host by the unit tests
 * (tests/unit/evtchn/), which provide current, domain_by_id(), the guest
 * copy functions, the page allocator and vcpu_unblock().
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "console.h"
#include "domain.h"
#include "event.h"
#include "uaccess.h"
#include "sched.h"
#include "hvm.h"
#include "mm.h"
#include "public/event_channel.h"

/* ---- Locking: a domain's event lock covers its ports (domain.h). */

static void lock_one(struct domain *d)
{
	spin_lock(&d->event_lock);
}

static void unlock_one(struct domain *d)
{
	spin_unlock(&d->event_lock);
}

/* Lock @a and @b (NULL: none), the lower domain id first; one lock if they are the same. */
static void lock_pair(struct domain *a, struct domain *b)
{
	if (!b || a == b) {
		lock_one(a);
	} else if (a->domain_id < b->domain_id) {
		lock_one(a);
		lock_one(b);
	} else {
		lock_one(b);
		lock_one(a);
	}
}

static void unlock_pair(struct domain *a, struct domain *b)
{
	if (b && b != a)
		unlock_one(b);
	unlock_one(a);
}

/* ---- 2-level bit operations (atomic: the guest may run on another CPU). */

static bool test_and_set(xen_ulong_t *words, unsigned int bit)
{
	xen_ulong_t m = 1UL << (bit % EVTCHN_WORD_BITS);

	return __atomic_fetch_or(&words[bit / EVTCHN_WORD_BITS], m, __ATOMIC_SEQ_CST) & m;
}

static bool test_and_clear(xen_ulong_t *words, unsigned int bit)
{
	xen_ulong_t m = 1UL << (bit % EVTCHN_WORD_BITS);

	return __atomic_fetch_and(&words[bit / EVTCHN_WORD_BITS], ~m, __ATOMIC_SEQ_CST) & m;
}

static bool test_bit(const xen_ulong_t *words, unsigned int bit)
{
	return (__atomic_load_n(&words[bit / EVTCHN_WORD_BITS], __ATOMIC_SEQ_CST) >>
		(bit % EVTCHN_WORD_BITS)) &
	       1;
}

bool evtchn_is_pending(const struct domain *d, unsigned int port)
{
	if (d->evtchn_fifo.on)
		return evtchn_fifo_is_pending(d, port);
	return test_bit(d->shared_info->evtchn_pending, port);
}

bool evtchn_is_masked(const struct domain *d, unsigned int port)
{
	if (d->evtchn_fifo.on)
		return evtchn_fifo_is_masked(d, port);
	return test_bit(d->shared_info->evtchn_mask, port);
}

int evtchn_poll_port(struct domain *d, unsigned int port)
{
	int rc;

	lock_one(d);
	rc = !evtchn_port_valid(d, port) ? -1 : evtchn_is_pending(d, port);
	unlock_one(d);
	return rc;
}

static struct vcpu *vcpu_of(const struct domain *d, unsigned int vcpu_id)
{
	return vcpu_id < MAX_VIRT_CPUS ? d->vcpu[vcpu_id] : NULL;
}

/*
 * Set upcall_pending and wake the vCPU if it blocked in SCHEDOP_block; one
 * running on another CPU is interrupted, so that it takes the upcall now.
 */
void evtchn_mark_pending(struct vcpu *v)
{
	u8 was = __atomic_exchange_n(&v->vcpu_info->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);

	if (is_hvm_vcpu(v) && !was)
		hvm_evtchn_upcall(v); /* HVM: the upcall vector, on the 0 -> 1 edge */
	vcpu_unblock(v);
	vcpu_kick(v);
}

/* Wake vCPUs polling for @port (or for any port). */
void evtchn_check_pollers(struct domain *d, unsigned int port)
{
	unsigned int n = domain_vcpu_slots(d);

	for (unsigned int i = 0; i < n; i++) {
		struct vcpu *v = d->vcpu[i];

		if (v && v->polling && (v->poll_evtchn < 0 || (u32)v->poll_evtchn == port)) {
			v->polling = false;
			vcpu_unblock(v);
		}
	}
}

/* Raise @port of @d on vCPU @vcpu_id, @d's event lock held. */
static void set_pending(struct domain *d, unsigned int vcpu_id, unsigned int port)
{
	struct vcpu *v = vcpu_of(d, vcpu_id);

	ASSERT_LOCKED(&d->event_lock);
	if (!evtchn_port_valid(d, port))
		return;
	if (evtchn_from_port(d, port)->xen_consumer) {
		evtchn_xen_notify(d, port);
		return;
	}
	if (d->evtchn_fifo.on) {
		evtchn_fifo_set_pending(d, vcpu_id, port);
		return;
	}
	struct shared_info *s = d->shared_info;

	if (!v)
		return;
	if (test_and_set(s->evtchn_pending, port))
		return;
	if (!test_bit(s->evtchn_mask, port) &&
	    !test_and_set(&v->vcpu_info->evtchn_pending_sel, port / EVTCHN_WORD_BITS))
		evtchn_mark_pending(v);
	evtchn_check_pollers(d, port);
}

void evtchn_set_pending(struct domain *d, unsigned int vcpu_id, unsigned int port)
{
	lock_one(d);
	set_pending(d, vcpu_id, port);
	unlock_one(d);
}

void evtchn_raise_port(struct domain *d, unsigned int port)
{
	lock_one(d);
	if (evtchn_port_valid(d, port))
		set_pending(d, evtchn_from_port(d, port)->notify_vcpu, port);
	unlock_one(d);
}

static void clear_pending(struct domain *d, unsigned int port)
{
	if (d->evtchn_fifo.on)
		evtchn_fifo_clear_pending(d, port);
	else
		test_and_clear(d->shared_info->evtchn_pending, port);
}

/* Clear the mask bit; if it was set and the port is pending, raise the upcall. */
static void unmask_port(struct domain *d, unsigned int port)
{
	struct vcpu *v = vcpu_of(d, evtchn_from_port(d, port)->notify_vcpu);

	ASSERT_LOCKED(&d->event_lock);
	if (d->evtchn_fifo.on) {
		evtchn_fifo_unmask(d, port);
		return;
	}
	if (!v)
		return;
	if (test_and_clear(d->shared_info->evtchn_mask, port) &&
	    test_bit(d->shared_info->evtchn_pending, port) &&
	    !test_and_set(&v->vcpu_info->evtchn_pending_sel, port / EVTCHN_WORD_BITS))
		evtchn_mark_pending(v);
}

void evtchn_unmask_port(struct domain *d, unsigned int port)
{
	lock_one(d);
	if (evtchn_port_valid(d, port))
		unmask_port(d, port);
	unlock_one(d);
}

/* ---- The port table. */

/* Slots: the 4096 in the domain, then the buckets allocated in a row. */
unsigned int evtchn_nr_slots(const struct domain *d)
{
	unsigned int n = 0;

	while (n < EVTCHN_NR_BUCKETS && d->evtchn_bucket[n])
		n++;
	return EVTCHN_NR_PORTS + n * EVTCHN_BUCKET_PORTS;
}

bool evtchn_port_valid(const struct domain *d, unsigned int port)
{
	if (port < EVTCHN_NR_PORTS)
		return true;
	port -= EVTCHN_NR_PORTS;
	return port < EVTCHN_NR_BUCKETS * EVTCHN_BUCKET_PORTS &&
	       d->evtchn_bucket[port / EVTCHN_BUCKET_PORTS];
}

struct evtchn *evtchn_from_port(const struct domain *d, unsigned int port)
{
	if (port < EVTCHN_NR_PORTS)
		return (struct evtchn *)&d->evtchn[port];
	port -= EVTCHN_NR_PORTS;
	return &d->evtchn_bucket[port / EVTCHN_BUCKET_PORTS][port % EVTCHN_BUCKET_PORTS];
}

static bool port_valid(const struct domain *d, unsigned int port)
{
	return evtchn_port_valid(d, port);
}

static struct evtchn *port_chn(struct domain *d, unsigned int port)
{
	return evtchn_from_port(d, port);
}

/* ---- The 'e' debug key: the ports in use. */

static const char *const state_names[] = {
	"free", "reserved", "unbound", "interdomain", "pirq", "virq", "ipi",
};

static void dump_port(const struct domain *d, unsigned int port, const struct evtchn *chn)
{
	bool bits = d->shared_info || d->evtchn_fifo.on;

	printk("    %4u [%c/%c/-]: s=%u n=%u x=%u", port,
	       bits ? '0' + evtchn_is_pending(d, port) : '-',
	       bits ? '0' + evtchn_is_masked(d, port) : '-', chn->state, chn->notify_vcpu,
	       chn->xen_consumer);
	if (chn->state == ECS_UNBOUND)
		printk(" d=%u", chn->u.remote_domid);
	else if (chn->state == ECS_INTERDOMAIN)
		printk(" d=%u p=%u", chn->u.inter.dom, chn->u.inter.port);
	else if (chn->state == ECS_VIRQ)
		printk(" v=%u", chn->u.virq);
	else if (chn->state == ECS_PIRQ)
		printk(" p=%u", chn->u.pirq);
	printk(" (%s)\n", chn->state < ARRAY_SIZE(state_names) ? state_names[chn->state] : "?");
}

void evtchn_dump(struct domain *d)
{
	unsigned int used = 0;

	printk("Event channel information for d%u:\n", d->domain_id);
	printk("ABI: %s\n", d->evtchn_fifo.on ? "FIFO" : "2-level");
	printk("    port [p/m/s]\n");
	lock_one(d);
	for (unsigned int port = 1; port_valid(d, port); port++) {
		const struct evtchn *chn = port_chn(d, port);

		if (chn->state == ECS_FREE)
			continue;
		dump_port(d, port, chn);
		used++;
	}
	unlock_one(d);
	printk("  %u ports in use\n", used);
}

/* Port 0 is reserved: a zero-filled table needs no initialisation. */
static enum evtchn_state port_state(const struct domain *d, unsigned int port)
{
	return port ? (enum evtchn_state)evtchn_from_port(d, port)->state : ECS_RESERVED;
}

/* A free port may be handed out unless its FIFO word is still on a queue. */
static bool port_free(const struct domain *d, unsigned int port)
{
	if (evtchn_from_port(d, port)->state != ECS_FREE)
		return false;
	return !d->evtchn_fifo.on || !evtchn_fifo_is_busy(d, port);
}

/* The next bucket of ports (FIFO only): 0, -ENOSPC past 2^17, -ENOMEM. */
static int add_bucket(struct domain *d)
{
	unsigned int b = (evtchn_nr_slots(d) - EVTCHN_NR_PORTS) / EVTCHN_BUCKET_PORTS;
	struct evtchn *chn;

	if (!d->evtchn_fifo.on || b >= EVTCHN_NR_BUCKETS)
		return -ENOSPC;
	chn = alloc_xenheap_pages(0);
	if (!chn)
		return -ENOMEM;
	memset(chn, 0, EVTCHN_BUCKET_PORTS * sizeof(*chn));
	d->evtchn_bucket[b] = chn;
	return 0;
}

/*
 * The lowest free port, or -ENOSPC (-ENOMEM): past the table or the
 * domain's max_evtchn_port. The port stays free until its state is set; it
 * gets the default FIFO priority.
 */
static int get_free_port(struct domain *d)
{
	unsigned int p, slots = evtchn_nr_slots(d);
	int rc;

	ASSERT_LOCKED(&d->event_lock);
	if (d->is_dying)
		return -EINVAL; /* its ports are being closed for good */
	for (p = 1; p < slots; p++)
		if (port_free(d, p))
			break;
	if (p > d->max_evtchn_port)
		return -ENOSPC;
	if (p == slots) {
		rc = add_bucket(d);
		if (rc)
			return rc;
	}
	evtchn_from_port(d, p)->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
	if (p >= d->evtchn_hwm)
		d->evtchn_hwm = p + 1;
	return (int)p;
}

/* Clear the port; the queue it was last linked on stays known (event_fifo.c). */
static void free_port(struct domain *d, unsigned int port)
{
	struct evtchn *chn = port_chn(d, port);
	u16 last_vcpu = chn->last_vcpu;
	u8 last_priority = chn->last_priority;

	clear_pending(d, port);
	memset(chn, 0, sizeof(*chn));
	chn->last_vcpu = last_vcpu;
	chn->last_priority = last_priority;
}

static void free_buckets(struct domain *d)
{
	for (unsigned int b = 0; b < EVTCHN_NR_BUCKETS; b++) {
		if (d->evtchn_bucket[b])
			free_xenheap_pages(d->evtchn_bucket[b], 0);
		d->evtchn_bucket[b] = NULL;
	}
}

bool virq_is_per_vcpu(unsigned int virq)
{
	return virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF ||
	       virq == VIRQ_XENPMU;
}

bool virq_bound(const struct vcpu *v, unsigned int virq)
{
	return v && virq < NR_VIRQS && v->virq_to_evtchn[virq] != 0;
}

/* Xen's default policy: a domain may act on itself; the control domain on any. */
static bool may_act_on(const struct domain *d)
{
	return d == current->domain || current->domain->is_privileged;
}

/* ---- Operations. */

static long alloc_unbound(struct domain *d, struct evtchn_alloc_unbound *a)
{
	struct evtchn *chn;
	int port = get_free_port(d);

	if (port < 0)
		return port;
	if (!may_act_on(d))
		return -EPERM;
	chn = port_chn(d, (unsigned int)port);
	chn->state = ECS_UNBOUND;
	chn->notify_vcpu = 0;
	chn->u.remote_domid =
	    a->remote_dom == DOMID_SELF ? current->domain->domain_id : a->remote_dom;
	a->port = (evtchn_port_t)port;
	return 0;
}

static long evtchn_alloc_unbound(struct evtchn_alloc_unbound *a)
{
	struct domain *d = domain_lookup(a->dom);
	long rc;

	if (!d)
		return -ESRCH;
	lock_one(d);
	rc = alloc_unbound(d, a);
	unlock_one(d);
	return rc;
}

/* Bind a free port of @ld to @b->remote_port of @rd; both event locks held. */
static long bind_interdomain(struct domain *ld, struct domain *rd,
			     struct evtchn_bind_interdomain *b)
{
	struct evtchn *lchn, *rchn;
	int lport = get_free_port(ld);

	if (lport < 0)
		return lport;
	if (!port_valid(rd, b->remote_port))
		return -EINVAL;
	rchn = port_chn(rd, b->remote_port);
	if (port_state(rd, b->remote_port) != ECS_UNBOUND || rchn->u.remote_domid != ld->domain_id)
		return -EINVAL;
	lchn = port_chn(ld, (unsigned int)lport);
	lchn->state = ECS_INTERDOMAIN;
	lchn->notify_vcpu = 0;
	lchn->u.inter.dom = rd->domain_id;
	lchn->u.inter.port = b->remote_port;
	rchn->state = ECS_INTERDOMAIN;
	rchn->u.inter.dom = ld->domain_id;
	rchn->u.inter.port = (u32)lport;
	/* The remote end may have been signalled while unbound: be conservative. */
	set_pending(ld, lchn->notify_vcpu, (unsigned int)lport);
	b->local_port = (evtchn_port_t)lport;
	return 0;
}

static long evtchn_bind_interdomain(struct evtchn_bind_interdomain *b)
{
	struct domain *ld = current->domain, *rd = domain_lookup(b->remote_dom);
	long rc;

	if (!rd)
		return -ESRCH;
	lock_pair(ld, rd);
	rc = bind_interdomain(ld, rd, b);
	unlock_pair(ld, rd);
	return rc;
}

static long evtchn_bind_virq(struct evtchn_bind_virq *b)
{
	struct domain *d = current->domain;
	struct vcpu *v;
	struct evtchn *chn;
	int port;

	if (b->virq >= NR_VIRQS)
		return -EINVAL;
	/* A global VIRQ is bound on vCPU 0 (bind_vcpu may move it later). */
	if (!virq_is_per_vcpu(b->virq) && b->vcpu != 0)
		return -EINVAL;
	v = vcpu_of(d, b->vcpu);
	if (!v)
		return -ENOENT;
	if (v->virq_to_evtchn[b->virq])
		return -EEXIST;
	port = get_free_port(d);
	if (port < 0)
		return port;
	chn = port_chn(d, (unsigned int)port);
	chn->state = ECS_VIRQ;
	chn->notify_vcpu = (u16)b->vcpu;
	chn->u.virq = b->virq;
	v->virq_to_evtchn[b->virq] = (u32)port;
	b->port = (evtchn_port_t)port;
	return 0;
}

static long evtchn_bind_ipi(struct evtchn_bind_ipi *b)
{
	struct domain *d = current->domain;
	struct evtchn *chn;
	int port;

	if (!vcpu_of(d, b->vcpu))
		return -ENOENT;
	port = get_free_port(d);
	if (port < 0)
		return port;
	chn = port_chn(d, (unsigned int)port);
	chn->state = ECS_IPI;
	chn->notify_vcpu = (u16)b->vcpu;
	b->port = (evtchn_port_t)port;
	return 0;
}

/* PIRQs without arch/x86/physdev.c (the unit tests): none is ever mapped. */
__attribute__((weak)) int pirq_guest_bind(struct domain *d, unsigned int pirq, int port, bool share)
{
	(void)d;
	(void)pirq;
	(void)port;
	(void)share;
	return -EPERM;
}

__attribute__((weak)) void pirq_guest_unbind(struct domain *d, unsigned int pirq)
{
	(void)d;
	(void)pirq;
}

/* A PIRQ is always delivered to vCPU 0 first (bind_vcpu may move it). */
static long evtchn_bind_pirq(struct evtchn_bind_pirq *b)
{
	struct domain *d = current->domain;
	struct evtchn *chn;
	int port = get_free_port(d);
	int rc;

	rc = pirq_guest_bind(d, b->pirq, port, b->flags & BIND_PIRQ__WILL_SHARE);
	if (rc)
		return rc;
	chn = port_chn(d, (unsigned int)port);
	chn->state = ECS_PIRQ;
	chn->notify_vcpu = 0;
	chn->u.pirq = b->pirq;
	b->port = (evtchn_port_t)port;
	return 0;
}

/* Which end of a port a close or send may act on: the guest's, the hypervisor's, either. */
enum port_end { END_GUEST, END_XEN, END_ANY };

static bool end_matches(const struct domain *d, unsigned int port, enum port_end end)
{
	bool xen = evtchn_from_port(d, port)->xen_consumer;

	return end == END_ANY || xen == (end == END_XEN);
}

/* @rd's @rport, if it is the interdomain peer of @d's @port; else NULL. */
static struct evtchn *peer_chn(struct domain *rd, unsigned int rport, const struct domain *d,
			       unsigned int port)
{
	struct evtchn *rchn;

	if (!port_valid(rd, rport))
		return NULL;
	rchn = port_chn(rd, rport);
	if (rchn->state != ECS_INTERDOMAIN || rchn->u.inter.dom != d->domain_id ||
	    rchn->u.inter.port != port)
		return NULL;
	return rchn;
}

/* The peer of an interdomain port becomes unbound again; @rd (its domain) is locked. */
static long close_interdomain(struct domain *d, struct domain *rd, struct evtchn *chn,
			      unsigned int port, domid_t *peer)
{
	struct evtchn *rchn;

	if (domain_by_id(chn->u.inter.dom) != rd) {
		*peer = chn->u.inter.dom;
		return -EAGAIN;
	}
	rchn = rd ? peer_chn(rd, chn->u.inter.port, d, port) : NULL;
	if (rchn) {
		rchn->state = ECS_UNBOUND;
		rchn->u.remote_domid = d->domain_id;
	}
	return 0;
}

/*
 * Close @port of @d with @d's event lock held and @rd's, which must be the
 * peer's domain if @port is an interdomain port: if it is not, -EAGAIN and
 * the peer's id in *@peer (the caller locks that one and tries again).
 */
static long close_locked(struct domain *d, struct domain *rd, unsigned int port, enum port_end end,
			 domid_t *peer)
{
	struct evtchn *chn;
	long rc;

	if (!port_valid(d, port) || !end_matches(d, port, end))
		return -EINVAL;
	chn = port_chn(d, port);
	switch (port_state(d, port)) {
	case ECS_UNBOUND:
	case ECS_IPI:
		break;
	case ECS_PIRQ:
		pirq_guest_unbind(d, chn->u.pirq);
		break;
	case ECS_VIRQ:
		for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
			if (d->vcpu[i] && d->vcpu[i]->virq_to_evtchn[chn->u.virq] == port)
				d->vcpu[i]->virq_to_evtchn[chn->u.virq] = 0;
		break;
	case ECS_INTERDOMAIN:
		rc = close_interdomain(d, rd, chn, port, peer);
		if (rc)
			return rc;
		break;
	default: /* free, reserved (port 0) */
		return -EINVAL;
	}
	free_port(d, port);
	return 0;
}

/* Close @port of @d, taking @d's event lock and an interdomain peer's. */
static long close_port(struct domain *d, unsigned int port, enum port_end end)
{
	struct domain *rd = NULL;
	domid_t peer = 0;
	long rc;

	for (;;) {
		lock_pair(d, rd);
		rc = close_locked(d, rd, port, end, &peer);
		unlock_pair(d, rd);
		if (rc != -EAGAIN)
			return rc;
		rd = domain_by_id(peer);
	}
}

/* Raise @rport of domain @peer if it is still the peer of @d's @port. */
static void send_interdomain(struct domain *d, unsigned int port, domid_t peer, unsigned int rport)
{
	struct domain *rd = domain_by_id(peer);
	struct evtchn *rchn;

	if (!rd)
		return;
	lock_one(rd);
	rchn = peer_chn(rd, rport, d, port);
	if (rchn)
		set_pending(rd, rchn->notify_vcpu, rport);
	unlock_one(rd);
}

/*
 * Send on @port of @d. An interdomain peer is raised after @d's lock is
 * let go, under its own, so no send holds two event locks.
 */
static long send_port(struct domain *d, unsigned int port, enum port_end end)
{
	struct evtchn *chn;
	bool inter = false;
	domid_t peer = 0;
	unsigned int rport = 0;
	long rc = 0;

	lock_one(d);
	if (!port_valid(d, port) || !end_matches(d, port, end)) {
		unlock_one(d);
		return -EINVAL;
	}
	chn = port_chn(d, port);
	switch (port_state(d, port)) {
	case ECS_INTERDOMAIN:
		inter = true;
		peer = chn->u.inter.dom;
		rport = chn->u.inter.port;
		break;
	case ECS_IPI:
		set_pending(d, chn->notify_vcpu, port);
		break;
	case ECS_UNBOUND:
		break; /* nobody listens yet: dropped */
	default:
		rc = -EINVAL;
	}
	unlock_one(d);
	if (inter)
		send_interdomain(d, port, peer, rport);
	return rc;
}

/*
 * EVTCHNOP_send on @port of the running PV vCPU's domain without the
 * hypervisor lock (pv/hypercall.c; docs/design.md "Locks"). It takes
 * only the event locks, with trylock: -EAGAIN, with nothing done, when
 * one is busy, or when the peer is an HVM domain or the port is the
 * hypervisor's (their wakes need the hypervisor lock), and the caller
 * sends the slow way. The caller is inside domain_read_begin/end, so the
 * peer found by id is not freed meanwhile; while its port still names
 * ours under its lock, its teardown has not closed it, so its vCPUs are
 * there too.
 */
long evtchn_send_unlocked(unsigned int port)
{
	struct domain *d = current->domain, *rd;
	struct evtchn *chn, *rchn;
	domid_t peer;
	unsigned int rport, state;

	if (!spin_trylock(&d->event_lock))
		return -EAGAIN;
	if (!port_valid(d, port) || !end_matches(d, port, END_GUEST)) {
		unlock_one(d);
		return -EINVAL;
	}
	chn = port_chn(d, port);
	state = port_state(d, port);
	if (state == ECS_IPI)
		set_pending(d, chn->notify_vcpu, port);
	peer = chn->u.inter.dom;
	rport = chn->u.inter.port;
	unlock_one(d);
	if (state == ECS_IPI || state == ECS_UNBOUND)
		return 0;
	if (state != ECS_INTERDOMAIN)
		return -EINVAL;
	rd = domain_by_id(peer);
	if (!rd)
		return 0;
	if (is_hvm_domain(rd) || !spin_trylock(&rd->event_lock))
		return -EAGAIN;
	rchn = peer_chn(rd, rport, d, port);
	if (rchn && rchn->xen_consumer) {
		unlock_one(rd);
		return -EAGAIN;
	}
	if (rchn)
		set_pending(rd, rchn->notify_vcpu, rport);
	unlock_one(rd);
	return 0;
}

static long status_locked(struct domain *d, struct evtchn_status *st)
{
	const struct evtchn *chn;

	if (!port_valid(d, st->port))
		return -EINVAL;
	if (!may_act_on(d))
		return -EPERM;
	chn = port_chn(d, st->port);
	memset(&st->u, 0, sizeof(st->u));
	switch (port_state(d, st->port)) {
	case ECS_UNBOUND:
		st->status = EVTCHNSTAT_unbound;
		st->u.unbound.dom = chn->u.remote_domid;
		break;
	case ECS_INTERDOMAIN:
		st->status = EVTCHNSTAT_interdomain;
		st->u.interdomain.dom = chn->u.inter.dom;
		st->u.interdomain.port = chn->u.inter.port;
		break;
	case ECS_VIRQ:
		st->status = EVTCHNSTAT_virq;
		st->u.virq = chn->u.virq;
		break;
	case ECS_IPI:
		st->status = EVTCHNSTAT_ipi;
		break;
	case ECS_PIRQ:
		st->status = EVTCHNSTAT_pirq;
		st->u.pirq = chn->u.pirq;
		break;
	default:
		st->status = EVTCHNSTAT_closed;
		break;
	}
	st->vcpu = chn->notify_vcpu;
	return 0;
}

/* EVTCHNOP_status; with @try, -EAGAIN (nothing done) when the event lock is busy. */
static long evtchn_status(struct evtchn_status *st, bool try)
{
	struct domain *d = domain_lookup(st->dom);
	long rc;

	if (!d)
		return -ESRCH;
	if (!try)
		lock_one(d);
	else if (!spin_trylock(&d->event_lock))
		return -EAGAIN;
	rc = status_locked(d, st);
	unlock_one(d);
	return rc;
}

static long evtchn_bind_vcpu(unsigned int port, unsigned int vcpu_id)
{
	struct domain *d = current->domain;
	struct evtchn *chn;

	if (!vcpu_of(d, vcpu_id))
		return -ENOENT;
	if (!port_valid(d, port))
		return -EINVAL;
	chn = port_chn(d, port);
	switch (port_state(d, port)) {
	case ECS_VIRQ:
		if (virq_is_per_vcpu(chn->u.virq))
			return -EINVAL;
		chn->notify_vcpu = (u16)vcpu_id;
		return 0;
	case ECS_UNBOUND:
	case ECS_INTERDOMAIN:
	case ECS_PIRQ:
		chn->notify_vcpu = (u16)vcpu_id;
		return 0;
	default:
		return -EINVAL;
	}
}

static long evtchn_unmask(unsigned int port)
{
	if (!port_valid(current->domain, port))
		return -EINVAL;
	unmask_port(current->domain, port);
	return 0;
}

/* Builds without ioreq servers (the unit tests) never make such ports. */
__attribute__((weak)) void evtchn_xen_notify(struct domain *d, unsigned int port)
{
	(void)d;
	(void)port;
}

int evtchn_alloc_xen_port(struct domain *d, unsigned int vcpu_id, domid_t remote)
{
	struct evtchn *chn;
	int port;

	lock_one(d);
	port = get_free_port(d);
	if (port >= 0) {
		chn = port_chn(d, (unsigned int)port);
		chn->state = ECS_UNBOUND;
		chn->xen_consumer = 1;
		chn->notify_vcpu = (u16)vcpu_id;
		chn->u.remote_domid = remote;
	}
	unlock_one(d);
	return port;
}

void evtchn_send_xen_port(struct domain *d, unsigned int port)
{
	send_port(d, port, END_XEN);
}

void evtchn_free_xen_port(struct domain *d, unsigned int port)
{
	close_port(d, port, END_XEN);
}

/* The FIFO state, port buckets and table of @d as at its creation (event lock held). */
static void table_back_to_start(struct domain *d)
{
	evtchn_fifo_destroy(d);
	free_buckets(d);
	memset(d->evtchn, 0, sizeof(d->evtchn)); /* the FIFO fields too */
	d->evtchn_hwm = 0;
}

bool evtchn_close_some(struct domain *d, unsigned int n)
{
	unsigned int p;

	lock_one(d);
	p = d->evtchn_hwm;
	unlock_one(d);
	for (; p > 1 && n; n--)
		close_port(d, --p, END_ANY);
	lock_one(d);
	d->evtchn_hwm = p;
	if (p <= 1)
		table_back_to_start(d);
	unlock_one(d);
	return p <= 1;
}

void evtchn_close_all(struct domain *d)
{
	evtchn_close_some(d, ~0u);
}

bool evtchn_reset_guest_some(struct domain *d, unsigned int n)
{
	unsigned int p, closed = 0;
	bool kept = false;

	lock_one(d);
	p = d->evtchn_hwm;
	unlock_one(d);
	while (p > 1) {
		lock_one(d);
		bool xen = port_valid(d, --p) && port_state(d, p) != ECS_FREE &&
			   evtchn_from_port(d, p)->xen_consumer;
		unlock_one(d);
		kept |= xen;
		if (xen || close_port(d, p, END_GUEST))
			continue;
		if (++closed >= n && p > 1)
			return false;
	}
	if (!kept) {
		lock_one(d);
		table_back_to_start(d);
		unlock_one(d);
	}
	return true;
}

static long evtchn_reset(struct evtchn_reset *r)
{
	struct domain *d = domain_lookup(r->dom);

	if (!d)
		return -ESRCH;
	if (!may_act_on(d))
		return -EPERM;
	evtchn_close_all(d);
	return 0;
}

/* Raise @v's per-vCPU @virq, its domain's event lock held. */
static void raise_vcpu_virq(struct vcpu *v, unsigned int virq)
{
	unsigned int port = v->virq_to_evtchn[virq];

	if (port)
		set_pending(v->domain, v->vcpu_id, port);
}

void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
	if (!v || virq >= NR_VIRQS)
		return;
	lock_one(v->domain);
	raise_vcpu_virq(v, virq);
	unlock_one(v->domain);
}

/*
 * send_guest_vcpu_virq of a PV vCPU without the hypervisor lock, as the
 * lockless EVTCHNOP_send raises a port (docs/design.md, "Locks"): the event
 * lock with trylock, false with nothing done when it is busy. The wakes it
 * may make (pollers of the port) take run-queue locks only.
 */
bool send_guest_vcpu_virq_try(struct vcpu *v, unsigned int virq)
{
	struct domain *d = v->domain;

	if (is_hvm_vcpu(v) || !spin_trylock(&d->event_lock))
		return false;
	raise_vcpu_virq(v, virq);
	unlock_one(d);
	return true;
}

void send_guest_global_virq(struct domain *d, unsigned int virq)
{
	struct vcpu *v = d ? vcpu_of(d, 0) : NULL;
	unsigned int port;

	if (!v || virq >= NR_VIRQS)
		return;
	lock_one(d);
	port = v->virq_to_evtchn[virq];
	if (port)
		set_pending(d, evtchn_from_port(d, port)->notify_vcpu, port);
	unlock_one(d);
}

/* EVTCHNOP_set_priority: a FIFO call (-ENOSYS with the 2-level ABI, as on Xen). */
static long evtchn_set_priority(const struct evtchn_set_priority *a)
{
	struct domain *d = current->domain;

	if (!port_valid(d, a->port))
		return -EINVAL;
	if (!d->evtchn_fifo.on)
		return -ENOSYS;
	return evtchn_fifo_set_priority(d, a->port, a->priority);
}

/* ---- Hypercall entry points. */

/* Argument size of each EVTCHNOP_*. */
static const u8 op_size[] = {
	[EVTCHNOP_bind_interdomain] = sizeof(struct evtchn_bind_interdomain),
	[EVTCHNOP_bind_pirq] = sizeof(struct evtchn_bind_pirq),
	[EVTCHNOP_bind_virq] = sizeof(struct evtchn_bind_virq),
	[EVTCHNOP_close] = sizeof(struct evtchn_close),
	[EVTCHNOP_send] = sizeof(struct evtchn_send),
	[EVTCHNOP_status] = sizeof(struct evtchn_status),
	[EVTCHNOP_alloc_unbound] = sizeof(struct evtchn_alloc_unbound),
	[EVTCHNOP_bind_ipi] = sizeof(struct evtchn_bind_ipi),
	[EVTCHNOP_bind_vcpu] = sizeof(struct evtchn_bind_vcpu),
	[EVTCHNOP_unmask] = sizeof(struct evtchn_unmask),
	[EVTCHNOP_reset] = sizeof(struct evtchn_reset),
	[EVTCHNOP_init_control] = sizeof(struct evtchn_init_control),
	[EVTCHNOP_expand_array] = sizeof(struct evtchn_expand_array),
	[EVTCHNOP_set_priority] = sizeof(struct evtchn_set_priority),
};

union evtchn_args {
	struct evtchn_alloc_unbound alloc_unbound;
	struct evtchn_bind_interdomain bind_interdomain;
	struct evtchn_bind_virq bind_virq;
	struct evtchn_bind_pirq bind_pirq;
	struct evtchn_bind_ipi bind_ipi;
	struct evtchn_close close;
	struct evtchn_send send;
	struct evtchn_status status;
	struct evtchn_bind_vcpu bind_vcpu;
	struct evtchn_unmask unmask;
	struct evtchn_reset reset;
	struct evtchn_init_control init_control;
	struct evtchn_expand_array expand_array;
	struct evtchn_set_priority set_priority;
};

/* The ops on the caller's own ports, run under its event lock. */
static long own_port_op(unsigned int cmd, union evtchn_args *a)
{
	switch (cmd) {
	case EVTCHNOP_bind_virq:
		return evtchn_bind_virq(&a->bind_virq);
	case EVTCHNOP_bind_pirq:
		return evtchn_bind_pirq(&a->bind_pirq);
	case EVTCHNOP_bind_ipi:
		return evtchn_bind_ipi(&a->bind_ipi);
	case EVTCHNOP_bind_vcpu:
		return evtchn_bind_vcpu(a->bind_vcpu.port, a->bind_vcpu.vcpu);
	case EVTCHNOP_unmask:
		return evtchn_unmask(a->unmask.port);
	case EVTCHNOP_init_control:
		return evtchn_fifo_init_control(&a->init_control);
	case EVTCHNOP_expand_array:
		return evtchn_fifo_expand_array(&a->expand_array);
	case EVTCHNOP_set_priority:
		return evtchn_set_priority(&a->set_priority);
	default:
		return -ENOSYS;
	}
}

/* Run @cmd on @a (already copied in); true in *copy_back when @a has results. */
static long evtchn_dispatch(unsigned int cmd, union evtchn_args *a, bool *copy_back)
{
	struct domain *d = current->domain;
	long rc;

	*copy_back = cmd == EVTCHNOP_alloc_unbound || cmd == EVTCHNOP_bind_interdomain ||
		     cmd == EVTCHNOP_bind_virq || cmd == EVTCHNOP_bind_pirq ||
		     cmd == EVTCHNOP_bind_ipi || cmd == EVTCHNOP_status ||
		     cmd == EVTCHNOP_init_control;
	switch (cmd) {
	case EVTCHNOP_alloc_unbound:
		return evtchn_alloc_unbound(&a->alloc_unbound);
	case EVTCHNOP_bind_interdomain:
		return evtchn_bind_interdomain(&a->bind_interdomain);
	case EVTCHNOP_status:
		return evtchn_status(&a->status, false);
	case EVTCHNOP_close:
		return close_port(d, a->close.port, END_GUEST);
	case EVTCHNOP_send:
		return send_port(d, a->send.port, END_GUEST);
	case EVTCHNOP_reset:
		return evtchn_reset(&a->reset);
	default:
		lock_one(d);
		rc = own_port_op(cmd, a);
		unlock_one(d);
		return rc;
	}
}

/* The ops evtchn_op_unlocked() runs, inside a read section, the event lock with trylock. */
static long dispatch_unlocked(unsigned int cmd, union evtchn_args *a)
{
	struct domain *d = current->domain;
	long rc;

	switch (cmd) {
	case EVTCHNOP_send:
		return evtchn_send_unlocked(a->send.port);
	case EVTCHNOP_status:
		return evtchn_status(&a->status, true);
	case EVTCHNOP_unmask:
		if (!spin_trylock(&d->event_lock))
			return -EAGAIN;
		rc = evtchn_unmask(a->unmask.port);
		unlock_one(d);
		return rc;
	default:
		return -EAGAIN;
	}
}

/*
 * EVTCHNOP_send, unmask and status of a PV guest kernel without the
 * hypervisor lock (pv/hypercall.c; docs/design.md "Locks"): the same
 * results as do_event_channel_op(), or -EAGAIN with nothing done, and the
 * caller runs @cmd the slow way (another op, a busy event lock, a wake that
 * needs the hypervisor lock, a fault on @arg). Only the event locks are
 * taken, with trylock. The copies are made with no lock held and outside
 * the read section, which keeps a domain found by id (a send's peer,
 * the control domain's status of another domain) from being freed.
 */
long evtchn_op_unlocked(unsigned int cmd, unsigned long arg)
{
	union evtchn_args a;
	size_t size;
	long rc;

	if (cmd != EVTCHNOP_send && cmd != EVTCHNOP_unmask && cmd != EVTCHNOP_status)
		return -EAGAIN;
	size = op_size[cmd];
	if (copy_from_guest(&a, arg, size))
		return -EAGAIN;
	domain_read_begin();
	rc = dispatch_unlocked(cmd, &a);
	domain_read_end();
	if (!rc && cmd == EVTCHNOP_status && copy_to_guest(arg, &a, size))
		return -EAGAIN; /* the slow path answers -EFAULT (a status changes nothing) */
	return rc;
}

long do_event_channel_op(unsigned long cmd, unsigned long arg)
{
	union evtchn_args a;
	bool copy_back;

	cmd = (unsigned int)cmd; /* a 32-bit sub-op, as Xen reads it */
	size_t size;
	long rc;

	if (cmd >= ARRAY_SIZE(op_size) || !op_size[cmd])
		return -ENOSYS;
	size = op_size[cmd];
	if (copy_from_guest(&a, arg, size))
		return -EFAULT;
	rc = evtchn_dispatch((unsigned int)cmd, &a, &copy_back);
	if (!rc && copy_back && copy_to_guest(arg, &a, size))
		rc = -EFAULT;
	return rc;
}

/*
 * The pre-3.0 form: one struct evtchn_op {cmd; union} in guest memory. It
 * knows the ops up to unmask; later ones (reset, FIFO) are -ENOSYS, as on Xen.
 */
long do_event_channel_op_compat(unsigned long arg)
{
	u32 cmd;

	if (copy_from_guest(&cmd, arg, sizeof(cmd)))
		return -EFAULT;
	if (cmd > EVTCHNOP_unmask)
		return -ENOSYS;
	return do_event_channel_op(cmd, arg + offsetof(struct evtchn_op, u));
}
