/*
 * The FIFO event channel ABI (Xen 4.17: EVTCHNOP_init_control,
 * expand_array, set_priority; docs/design.md "FIFO event channels").
 *
 * The guest gives the hypervisor, per vCPU, a control block (a ready
 * bitmap and the head port of 16 priority queues) and, for the domain, an
 * event array: one 32-bit word per port with the PENDING, MASKED, LINKED
 * and BUSY bits and a 17-bit LINK to the next port of its queue. The
 * hypervisor links a raised, unmasked port at the tail of its queue; the
 * guest takes ports off at the head and clears LINKED. Both sides change
 * words that the other may be changing on another CPU, so every change is
 * atomic and a link is only written with a compare-and-exchange that sees
 * LINKED still set (a tail the guest has already consumed is not linked to:
 * the port becomes the new head instead).
 *
 * The hypervisor's own queue state (each queue's tail, the event array and
 * control block pointers) is covered by the domain's event lock: every
 * function here runs with it held. This file is
 * also compiled on the host by the unit tests (tests/unit/evtchn/).
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "domain.h"
#include "event.h"
#include "public/event_channel.h"

#define WORD_BIT(b) ((event_word_t)1 << (b))
#define LINK_TRIES 4 /* compare-and-exchange attempts before the tail is left alone */

static struct vcpu *fifo_vcpu(const struct domain *d, unsigned int vcpu_id)
{
	return vcpu_id < MAX_VIRT_CPUS ? d->vcpu[vcpu_id] : NULL;
}

/* @port's event word, or NULL while the array has no page for it. */
static event_word_t *word_of(const struct domain *d, unsigned int port)
{
	const struct evtchn_fifo_domain *f = &d->evtchn_fifo;

	if (port >= __atomic_load_n(&f->nr_words, __ATOMIC_ACQUIRE))
		return NULL;
	return f->page[port / EVTCHN_FIFO_WORDS_PER_PAGE] + port % EVTCHN_FIFO_WORDS_PER_PAGE;
}

static bool word_test(const event_word_t *w, unsigned int bit)
{
	return __atomic_load_n(w, __ATOMIC_SEQ_CST) & WORD_BIT(bit);
}

static bool word_test_and_set(event_word_t *w, unsigned int bit)
{
	return __atomic_fetch_or(w, WORD_BIT(bit), __ATOMIC_SEQ_CST) & WORD_BIT(bit);
}

static void word_clear(event_word_t *w, unsigned int bit)
{
	__atomic_fetch_and(w, ~WORD_BIT(bit), __ATOMIC_SEQ_CST);
}

/*
 * One attempt to make the tail word @w (last seen as *@seen) point at
 * @port: 1 done, 0 the tail is no longer linked (the guest consumed it),
 * -EAGAIN the guest changed the word meanwhile (*@seen is its new value).
 * Writing the link also clears BUSY.
 */
static int link_once(event_word_t *w, event_word_t *seen, unsigned int port)
{
	event_word_t want;

	if (!(*seen & WORD_BIT(EVTCHN_FIFO_LINKED)))
		return 0;
	want = (*seen & ~(WORD_BIT(EVTCHN_FIFO_BUSY) | EVTCHN_FIFO_LINK_MASK)) | port;
	if (__atomic_compare_exchange_n(w, seen, want, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
		return 1;
	return -EAGAIN;
}

/*
 * Link @port behind the tail word @w: true if it is linked (or the guest
 * kept changing the word and the event is given up), false if the tail was
 * consumed and @port must become the queue's head. After a first lost race
 * BUSY is set, which keeps the guest from unmasking the tail, so the guest
 * can change the word only a few more times.
 */
static bool link_after(event_word_t *w, unsigned int port)
{
	event_word_t seen = __atomic_load_n(w, __ATOMIC_SEQ_CST);
	int rc = link_once(w, &seen, port);

	if (rc >= 0)
		return rc;
	word_test_and_set(w, EVTCHN_FIFO_BUSY);
	seen = __atomic_load_n(w, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < LINK_TRIES; i++) {
		rc = link_once(w, &seen, port);
		if (rc == 1)
			return true;
		if (rc == 0) {
			word_clear(w, EVTCHN_FIFO_BUSY);
			return false;
		}
	}
	word_clear(w, EVTCHN_FIFO_BUSY); /* the guest broke the protocol: its event is lost */
	return true;
}

/*
 * Put @port (its word @w just set LINKED) at the tail of queue @prio of @v.
 * A queue whose tail was this port is emptied first: the guest consumed
 * it, and linking a port to itself would make a loop. True if the queue
 * was empty (the head was written).
 */
static bool queue_append(struct vcpu *v, struct evtchn *chn, unsigned int port, unsigned int prio)
{
	struct domain *d = v->domain;
	struct vcpu *old_v = fifo_vcpu(d, chn->last_vcpu);
	struct evtchn_fifo_vcpu *q = &v->evtchn_fifo;
	bool linked = false;

	if (old_v && old_v->evtchn_fifo.tail[chn->last_priority] == port)
		old_v->evtchn_fifo.tail[chn->last_priority] = 0;
	chn->last_vcpu = (u16)v->vcpu_id;
	chn->last_priority = (u8)prio;
	if (q->tail[prio])
		linked = link_after(word_of(d, q->tail[prio]), port);
	if (!linked)
		__atomic_store_n(&q->cb->head[prio], port, __ATOMIC_SEQ_CST);
	q->tail[prio] = port;
	return !linked;
}

/*
 * Raise @port: set PENDING and, if the port is unmasked and not on a queue
 * yet, link it onto queue chn->priority of vCPU @vcpu_id. A queue that was
 * empty sets its ready bit, and the first ready bit raises the upcall. A
 * port past the event array is remembered and raised when its page comes.
 */
void evtchn_fifo_set_pending(struct domain *d, unsigned int vcpu_id, unsigned int port)
{
	struct evtchn *chn = evtchn_from_port(d, port);
	struct vcpu *v = fifo_vcpu(d, vcpu_id);
	event_word_t *w = word_of(d, port);
	unsigned int prio = chn->priority;
	bool was_pending;

	ASSERT_LOCKED(&d->event_lock);
	if (!w) {
		chn->fifo_pending = 1;
		return;
	}
	was_pending = word_test_and_set(w, EVTCHN_FIFO_PENDING);
	if (v && v->evtchn_fifo.cb && !word_test(w, EVTCHN_FIFO_MASKED) &&
	    !word_test_and_set(w, EVTCHN_FIFO_LINKED) && queue_append(v, chn, port, prio) &&
	    !(__atomic_fetch_or(&v->evtchn_fifo.cb->ready, 1u << prio, __ATOMIC_SEQ_CST) &
	      (1u << prio)))
		evtchn_mark_pending(v);
	if (!was_pending)
		evtchn_check_pollers(d, port);
}

/* Clear PENDING only: the guest skips a linked word that is not pending. */
void evtchn_fifo_clear_pending(struct domain *d, unsigned int port)
{
	event_word_t *w = word_of(d, port);

	evtchn_from_port(d, port)->fifo_pending = 0;
	if (w)
		word_clear(w, EVTCHN_FIFO_PENDING);
}

/* EVTCHNOP_unmask: clear MASKED, and link the port if it is pending. */
void evtchn_fifo_unmask(struct domain *d, unsigned int port)
{
	event_word_t *w = word_of(d, port);

	ASSERT_LOCKED(&d->event_lock);
	if (!w)
		return;
	word_clear(w, EVTCHN_FIFO_MASKED);
	if (word_test(w, EVTCHN_FIFO_PENDING))
		evtchn_fifo_set_pending(d, evtchn_from_port(d, port)->notify_vcpu, port);
}

bool evtchn_fifo_is_pending(const struct domain *d, unsigned int port)
{
	const event_word_t *w = word_of(d, port);

	return w && word_test(w, EVTCHN_FIFO_PENDING);
}

/* A port without an event word counts as masked. */
bool evtchn_fifo_is_masked(const struct domain *d, unsigned int port)
{
	const event_word_t *w = word_of(d, port);

	return !w || word_test(w, EVTCHN_FIFO_MASKED);
}

bool evtchn_fifo_is_busy(const struct domain *d, unsigned int port)
{
	const event_word_t *w = word_of(d, port);

	return w && word_test(w, EVTCHN_FIFO_LINKED);
}

/* A new priority applies to the port's next link; a linked port stays where it is. */
long evtchn_fifo_set_priority(struct domain *d, unsigned int port, unsigned int priority)
{
	if (priority > EVTCHN_FIFO_PRIORITY_MIN)
		return -EINVAL;
	evtchn_from_port(d, port)->priority = (u8)priority;
	return 0;
}

/* ---- Setting up and tearing down. */

/* Weak versions for host builds without the frame table: no frame is RAM. */
__attribute__((weak)) void *evtchn_get_guest_frame(struct domain *d, u64 gfn, u64 *mfn)
{
	(void)d;
	(void)gfn;
	(void)mfn;
	return NULL;
}

__attribute__((weak)) void evtchn_put_guest_frame(u64 mfn)
{
	(void)mfn;
}

/*
 * The switch from 2-level: every bound port (all below 4096) gets the
 * default priority and keeps a pending bit as fifo_pending, to be raised
 * when the guest adds the array page that holds its word.
 */
static void switch_ports_to_fifo(struct domain *d)
{
	for (unsigned int p = 1; p < EVTCHN_NR_PORTS; p++) {
		struct evtchn *chn = &d->evtchn[p];

		chn->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
		if (chn->state != ECS_FREE && evtchn_is_pending(d, p))
			chn->fifo_pending = 1;
	}
	d->evtchn_fifo.on = true;
}

static long map_control_block(struct vcpu *v, u64 gfn, u32 offset)
{
	struct evtchn_fifo_vcpu *q = &v->evtchn_fifo;
	u64 mfn;
	u8 *page;

	if (q->cb)
		return -EINVAL; /* once per vCPU, as on Xen */
	page = evtchn_get_guest_frame(v->domain, gfn, &mfn);
	if (!page)
		return -EINVAL;
	memset(q->tail, 0, sizeof(q->tail));
	q->cb_mfn = mfn;
	q->cb = (struct evtchn_fifo_control_block *)(page + offset);
	return 0;
}

/*
 * EVTCHNOP_init_control: register vCPU @a->vcpu's control block at
 * @a->offset (8-byte aligned, wholly inside the page) of frame
 * @a->control_gfn. The first one switches the domain to FIFO. link_bits is
 * an output.
 */
long evtchn_fifo_init_control(struct evtchn_init_control *a)
{
	struct domain *d = current->domain;
	struct vcpu *v = fifo_vcpu(d, a->vcpu);
	long rc;

	ASSERT_LOCKED(&d->event_lock);
	a->link_bits = EVTCHN_FIFO_LINK_BITS;
	if (!v)
		return -ENOENT;
	if (a->offset > 4096 - sizeof(struct evtchn_fifo_control_block) || (a->offset & 7))
		return -EINVAL;
	rc = map_control_block(v, a->control_gfn, a->offset);
	if (!rc && !d->evtchn_fifo.on)
		switch_ports_to_fifo(d);
	return rc;
}

/* Raise the ports of the page just added that were raised while it was missing. */
static void raise_remembered(struct domain *d, unsigned int first, unsigned int end)
{
	end = end < evtchn_nr_slots(d) ? end : evtchn_nr_slots(d);
	for (unsigned int p = first ? first : 1; p < end; p++) {
		struct evtchn *chn = evtchn_from_port(d, p);

		if (chn->fifo_pending) {
			chn->fifo_pending = 0;
			evtchn_fifo_set_pending(d, chn->notify_vcpu, p);
		}
	}
}

/* EVTCHNOP_expand_array: the next page of the event array. */
long evtchn_fifo_expand_array(const struct evtchn_expand_array *a)
{
	struct domain *d = current->domain;
	struct evtchn_fifo_domain *f = &d->evtchn_fifo;
	unsigned int first = f->nr_words, slot = first / EVTCHN_FIFO_WORDS_PER_PAGE;
	u64 mfn;

	ASSERT_LOCKED(&d->event_lock);
	if (!f->on)
		return -EOPNOTSUPP;
	if (slot >= EVTCHN_FIFO_MAX_PAGES)
		return -ENOSPC;
	f->page[slot] = evtchn_get_guest_frame(d, a->array_gfn, &mfn);
	if (!f->page[slot])
		return -EINVAL;
	f->page_mfn[slot] = mfn;
	__atomic_store_n(&f->nr_words, first + EVTCHN_FIFO_WORDS_PER_PAGE, __ATOMIC_RELEASE);
	raise_remembered(d, first, first + EVTCHN_FIFO_WORDS_PER_PAGE);
	return 0;
}

void evtchn_fifo_destroy(struct domain *d)
{
	struct evtchn_fifo_domain *f = &d->evtchn_fifo;

	ASSERT_LOCKED(&d->event_lock);
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++) {
		struct vcpu *v = d->vcpu[i];

		if (v && v->evtchn_fifo.cb)
			evtchn_put_guest_frame(v->evtchn_fifo.cb_mfn);
		if (v)
			memset(&v->evtchn_fifo, 0, sizeof(v->evtchn_fifo));
	}
	for (unsigned int i = 0; i < f->nr_words / EVTCHN_FIFO_WORDS_PER_PAGE; i++)
		evtchn_put_guest_frame(f->page_mfn[i]);
	memset(f, 0, sizeof(*f));
}
