/*
 * EVTCHNOP_unmask and EVTCHNOP_status racing with binds, closes and sends
 * (two CPUs, one vCPU of dom0 on each; on 4 with GUEST_SMP=4):
 *   - vCPU 1, its upcalls masked, owns two IPI ports of its own, over and
 *     over: it masks one, sends on it (pending, nothing raised), clears its
 *     vcpu_info's upcall_pending and pending_sel and unmasks the port: when
 *     the unmask returns, the mask bit is clear and upcall_pending and the
 *     port's pending_sel bit are set (no event lost); unmasking the other,
 *     masked but not pending, raises nothing; both read IPI ports of vCPU 1.
 *     Between those rounds it unmasks and reads the status of vCPU 0's
 *     churning ports (by DOMID_SELF and by its domain id): every unmask
 *     answers 0, every status 0 with a state the port can be in (closed,
 *     unbound to this domain, interdomain to a port of this domain, or an
 *     IPI port of vCPU 0);
 *   - vCPU 0 meanwhile closes and binds again, round after round, a set of
 *     churning ports: unbound ports, loopback pairs and IPI ports of its
 *     own, each new binding checked live by a send; each round waits until
 *     vCPU 1 has finished a turn since the last one, so that the two overlap
 *     however the host schedules the CPUs;
 * and at the end vCPU 1's ports still read as its IPI ports and every
 * churning port closes once. race-evtchn-unmask-fifo.c runs the same with
 * the FIFO ABI (RACE_FIFO): masks and pending bits in the event words, an
 * unmask of a pending port links it onto vCPU 1's queue (the head written,
 * its ready bit and upcall_pending set), and each vCPU takes the ports off
 * its own queues as its upcall would.
 */
#include "xtest.h"
#include "evtchn-fifo.h"
#include "vcpu-start.h"

#ifndef RACE_FIFO
#define RACE_FIFO 0
#endif

TEST_SMP("2");
TEST_EXPECT("unmask race: 1000 rounds, no event lost, every status consistent");

#define ROUNDS 1000
#define NR_CHURN 4
#define MAX_PORT 1024
#define NR_OWN 2

void xtest_install_traps(void); /* lib/traps.c */

static char ap_stack[16384] __attribute__((aligned(16)));
static uint32_t own[NR_OWN];		       /* vCPU 1's IPI ports */
static volatile uint32_t churn_port[NR_CHURN]; /* the port vCPU 0 bound last in each slot */
static volatile unsigned long ap_alive, ap_done, stop, turns;

/* vCPU 1's counts. */
static unsigned long unmasks, lost, spurious, statuses, churn_statuses, bad_unmask, bad_status;
static struct evtchn_status last_bad;
static long last_bad_rc;

/* FIFO: each vCPU's control block page, the event array. */
#define ARRAY_PAGES 2
static uint8_t cb_page[2][4096] __attribute__((aligned(4096)));
static uint32_t words[ARRAY_PAGES][FIFO_WORDS_PER_PAGE] __attribute__((aligned(4096)));
static struct fifo_queues queues[2];

/* Both vCPUs' control blocks registered and the event array given: the domain is on FIFO. */
static bool fifo_on(void)
{
	for (unsigned int v = 0; v < 2; v++) {
		queues[v].cb = (struct fifo_control_block *)cb_page[v];
		if (fifo_init_control(fifo_mfn_of(cb_page[v]), 0, v, NULL))
			return false;
	}
	for (unsigned int i = 0; i < ARRAY_PAGES; i++)
		if (fifo_expand(fifo_mfn_of(words[i])))
			return false;
	return true;
}

/* Take every port off vCPU @v's queues (FIFO), as its upcall would. */
static void drain(unsigned int v)
{
	uint32_t ready = __atomic_exchange_n(&queues[v].cb->ready, 0, __ATOMIC_SEQ_CST);

	while (ready) {
		unsigned int prio = (unsigned int)__builtin_ctz(ready);
		bool more;

		fifo_pop(&queues[v], words, prio, &more);
		if (!more)
			ready &= ~(1u << prio);
	}
}

/* @port's mask and pending bits: in shared_info (2-level) or in its event word (FIFO). */
static void set_mask(uint32_t port)
{
	if (RACE_FIFO)
		__atomic_fetch_or(fifo_word(words, port), FIFO_MASKED, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_or(&xtest_shared_info()->evtchn_mask[port / 64], 1UL << (port % 64),
				  __ATOMIC_SEQ_CST);
}

static bool masked(uint32_t port)
{
	const unsigned long *w = &xtest_shared_info()->evtchn_mask[port / 64];

	if (RACE_FIFO)
		return __atomic_load_n(fifo_word(words, port), __ATOMIC_SEQ_CST) & FIFO_MASKED;
	return (__atomic_load_n(w, __ATOMIC_SEQ_CST) >> (port % 64)) & 1;
}

static bool pending(uint32_t port)
{
	if (RACE_FIFO)
		return __atomic_load_n(fifo_word(words, port), __ATOMIC_SEQ_CST) & FIFO_PENDING;
	return evtchn_pending(port);
}

static void clear_pending(uint32_t port)
{
	if (RACE_FIFO)
		__atomic_fetch_and(fifo_word(words, port), ~FIFO_PENDING, __ATOMIC_SEQ_CST);
	else
		evtchn_test_and_clear(port);
}

/*
 * After an unmask of vCPU 1's pending @port: its upcall raised, and the
 * port in its pending_sel (2-level) or at the head of its empty queue with
 * the queue's ready bit set (FIFO).
 */
static bool raised(const struct vcpu_info *vi, uint32_t port)
{
	const struct fifo_control_block *cb = queues[1].cb;

	if (!__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST))
		return false;
	if (!RACE_FIFO)
		return (__atomic_load_n(&vi->evtchn_pending_sel, __ATOMIC_SEQ_CST) >> (port / 64)) &
		       1;
	return (__atomic_load_n(&cb->ready, __ATOMIC_SEQ_CST) & (1u << PRIO_DEFAULT)) &&
	       __atomic_load_n(&cb->head[PRIO_DEFAULT], __ATOMIC_SEQ_CST) == port &&
	       (__atomic_load_n(fifo_word(words, port), __ATOMIC_SEQ_CST) & FIFO_LINKED);
}

/* vCPU 1's upcall_pending and pending_sel cleared; its upcall stays masked. */
static struct vcpu_info *clear_own_upcall(void)
{
	struct vcpu_info *vi = &xtest_shared_info()->vcpu_info[1];

	__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	return vi;
}

static void note_bad_status(long rc, const struct evtchn_status *st)
{
	bad_status++;
	last_bad_rc = rc;
	last_bad = *st;
}

/* Mask, send, unmask @port: the event must be raised on vCPU 1 when the unmask returns. */
static void unmask_pending(uint32_t port)
{
	struct vcpu_info *vi;
	long rc;

	set_mask(port);
	rc = evtchn_port_op(EVTCHNOP_send, port);
	vi = clear_own_upcall();
	if (rc || !pending(port) || evtchn_port_op(EVTCHNOP_unmask, port) || masked(port) ||
	    !raised(vi, port))
		lost++;
	clear_pending(port);
	if (RACE_FIFO)
		drain(1);
	unmasks++;
}

/* Mask and unmask @port, not pending: nothing may be raised. */
static void unmask_idle(uint32_t port)
{
	struct vcpu_info *vi;

	set_mask(port);
	vi = clear_own_upcall();
	if (evtchn_port_op(EVTCHNOP_unmask, port) || masked(port) ||
	    __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST))
		spurious++;
}

/* @port's status by @dom: true if it reads as an IPI port of vCPU @vcpu. */
static bool reads_ipi(uint16_t dom, uint32_t port, uint32_t vcpu)
{
	struct evtchn_status st = { .dom = dom, .port = port };
	long rc = evtchn_op(EVTCHNOP_status, &st);

	statuses++;
	if (rc == 0 && st.status == EVTCHNSTAT_ipi && st.vcpu == vcpu)
		return true;
	note_bad_status(rc, &st);
	return false;
}

/* A churning port's status: one of the states vCPU 0 puts it in, all within this domain. */
static bool status_possible(const struct evtchn_status *st)
{
	switch (st->status) {
	case EVTCHNSTAT_closed:
		return true;
	case EVTCHNSTAT_ipi:
		return st->vcpu == 0;
	case EVTCHNSTAT_unbound:
		return st->vcpu == 0 && st->u.unbound.dom == 0;
	case EVTCHNSTAT_interdomain:
		return st->vcpu == 0 && st->u.interdomain.dom == 0 && st->u.interdomain.port &&
		       st->u.interdomain.port < MAX_PORT;
	default:
		return false;
	}
}

static void churn_checks(unsigned int turn)
{
	for (unsigned int i = 0; i < NR_CHURN; i++) {
		uint32_t port = churn_port[i];
		struct evtchn_status st = { .dom = (turn + i) & 1 ? 0 : DOMID_SELF, .port = port };
		long rc;

		if (!port)
			continue;
		rc = evtchn_port_op(EVTCHNOP_unmask, port);
		if (rc) {
			bad_unmask++;
			last_bad_rc = rc;
		}
		rc = evtchn_op(EVTCHNOP_status, &st);
		statuses++;
		churn_statuses++;
		if (rc || !status_possible(&st))
			note_bad_status(rc, &st);
	}
}

static __attribute__((noreturn)) void ap_main(void)
{
	xtest_install_traps();
	ap_alive = 1;
	for (unsigned int turn = 0; !__atomic_load_n(&stop, __ATOMIC_SEQ_CST); turn++) {
		uint32_t p = own[turn % NR_OWN], q = own[(turn + 1) % NR_OWN];

		unmask_pending(p);
		unmask_idle(q);
		reads_ipi(turn & 1 ? 0 : DOMID_SELF, p, 1);
		churn_checks(turn);
		__atomic_store_n(&turns, turn + 1, __ATOMIC_SEQ_CST);
	}
	__atomic_store_n(&ap_done, 1, __ATOMIC_SEQ_CST);
	for (;;)
		xtest_yield();
}

static uint32_t bind_ipi(uint32_t vcpu)
{
	struct evtchn_bind_ipi b = { .vcpu = vcpu };

	return evtchn_op(EVTCHNOP_bind_ipi, &b) == 0 && b.port < MAX_PORT ? b.port : 0;
}

/* Clear @rx, send on @tx: @rx must be pending when the send returns. */
static bool delivers(uint32_t rx, uint32_t tx)
{
	clear_pending(rx);
	return evtchn_port_op(EVTCHNOP_send, tx) == 0 && pending(rx);
}

/* Slots @slot and @slot + 1 bound again, the kind by @round, each checked live. */
static bool rebind(unsigned long round, unsigned int slot)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	uint32_t rx = 0, tx = 0;

	switch ((round + slot / 2) % 3) {
	case 0:
		rx = bind_ipi(0);
		tx = bind_ipi(0);
		if (!rx || !tx || !delivers(rx, rx) || !delivers(tx, tx))
			return false;
		break;
	case 1:
		if (!evtchn_bind_loopback(&rx, &tx) || rx >= MAX_PORT || tx >= MAX_PORT ||
		    !delivers(rx, tx) || !delivers(tx, rx))
			return false;
		break;
	default:
		if (evtchn_op(EVTCHNOP_alloc_unbound, &a) || a.port >= MAX_PORT)
			return false;
		rx = a.port;
		tx = bind_ipi(0);
		if (!tx || evtchn_port_op(EVTCHNOP_send, rx) || !delivers(tx, tx))
			return false;
	}
	churn_port[slot] = rx;
	churn_port[slot + 1] = tx;
	return true;
}

static bool close_slot(unsigned int slot)
{
	long rc = evtchn_port_op(EVTCHNOP_close, churn_port[slot]);

	if (rc)
		xtest_fail("close of churning port %u = %ld", churn_port[slot], rc);
	return rc == 0;
}

#define SPIN_LOOPS 1000000UL

/* Wait until vCPU 1 has finished a turn past @seen (spinning, then yielding); its count. */
static unsigned long next_turn(unsigned long seen)
{
	for (unsigned long i = 0; i < SPIN_LOOPS && turns == seen; i++)
		__asm__ volatile("pause");
	for (unsigned int i = 0; i < 100000 && turns == seen; i++)
		xtest_yield();
	return turns;
}

static unsigned long churn(void)
{
	unsigned long round, seen = 0;

	for (unsigned int slot = 0; slot < NR_CHURN; slot += 2)
		if (!rebind(0, slot))
			return 0;
	for (round = 1; round <= ROUNDS; round++) {
		unsigned long now = next_turn(seen);

		if (now == seen) {
			xtest_fail("round %lu: vCPU 1 stopped at turn %lu", round, seen);
			return round - 1;
		}
		seen = now;
		for (unsigned int slot = 0; slot < NR_CHURN; slot += 2) {
			unsigned int first = slot + (round & 1);

			if (!close_slot(first) || !close_slot(first ^ 1))
				return round - 1;
			if (RACE_FIFO)
				drain(0); /* a closed port still on a queue is not handed out */
			if (!rebind(round, slot)) {
				xtest_fail("round %lu: slot %u did not bind or deliver", round,
					   slot);
				return round - 1;
			}
		}
	}
	return ROUNDS;
}

static bool start_ap(void)
{
	long rc;

	for (unsigned int i = 0; i < NR_OWN; i++) {
		own[i] = bind_ipi(1);
		if (!own[i]) {
			xtest_fail("vCPU 1's IPI port %u did not bind", i);
			return false;
		}
	}
	rc = xtest_vcpu_start(1, ap_main, ap_stack, sizeof(ap_stack));
	if (rc || !xtest_wait_flag(&ap_alive, 1)) {
		xtest_fail("vCPU 1 did not start (%ld)", rc);
		return false;
	}
	return true;
}

static void check_counts(void)
{
	xtest_check(lost == 0, "%lu of %lu unmasks of a pending port raised nothing", lost,
		    unmasks);
	xtest_check(spurious == 0, "%lu unmasks of an idle port raised an upcall", spurious);
	xtest_check(bad_unmask == 0, "%lu unmasks of churning ports failed (last %ld)", bad_unmask,
		    last_bad_rc);
	xtest_check(
	    bad_status == 0,
	    "%lu of %lu statuses wrong (last rc %ld: port %u status %u vcpu %u dom %u port %u)",
	    bad_status, statuses, last_bad_rc, last_bad.port, last_bad.status, last_bad.vcpu,
	    last_bad.u.interdomain.dom, last_bad.u.interdomain.port);
	xtest_check(churn_statuses >= ROUNDS, "vCPU 1 did not race: %lu statuses of churning ports",
		    churn_statuses);
	printk("vCPU 1: %lu unmasks of its own ports, %lu statuses (%lu of churning ports)\n",
	       unmasks, statuses, churn_statuses);
}

void test_main(void)
{
	unsigned long rounds;
	bool closed = true;

	if (!xtest_shared_info()) {
		xtest_error("shared_info not mapped");
		return;
	}
	if (RACE_FIFO && !fifo_on()) {
		xtest_fail("the switch to FIFO failed");
		return;
	}
	if (!start_ap())
		return;
	rounds = churn();
	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	xtest_check(xtest_wait_flag(&ap_done, 1), "vCPU 1 did not stop");
	check_counts();
	for (unsigned int i = 0; i < NR_OWN; i++)
		xtest_check(reads_ipi(DOMID_SELF, own[i], 1), "vCPU 1's port %u changed", own[i]);
	for (unsigned int slot = 0; slot < NR_CHURN && rounds == ROUNDS; slot++)
		closed &= close_slot(slot);
	xtest_check(rounds == ROUNDS && closed, "%lu of %u rounds done", rounds, ROUNDS);
	if (xtest_current_result() == XTEST_SUCCESS)
		printk("unmask race%s: %u rounds, no event lost, every status consistent\n",
		       RACE_FIFO ? " (FIFO)" : "", ROUNDS);
}
