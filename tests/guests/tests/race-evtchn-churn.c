/*
 * Sends racing with closes and rebinds, on three vCPUs of dom0
 * (dom0_max_vcpus=3: on 2 CPUs by default, so that the vCPUs also preempt
 * and wake each other; on 4 with GUEST_SMP=4, each on its own CPU):
 *   - vCPUs 1 and 2 each own a loopback pair that stays bound: each clears
 *     its receiving port, sends on the other end and finds the receiving
 *     port pending at once (no event lost on a live port), over and over;
 *     between those sends they send on the churning ports below, bound,
 *     half closed or closed (and perhaps bound again), where every answer
 *     must be 0 or -EINVAL;
 *   - vCPU 0 meanwhile closes and binds again, round after round, a set of
 *     churning ports: loopback pairs (closed one end first, then the
 *     other, in both orders) and IPI ports bound to vCPU 0; each new
 *     binding is checked live by a send of its own;
 * and at the end the two live pairs still read bound to each other, every
 * churning port closes once, and then every port the test used but the
 * live pairs' reads closed.
 */
#include "xtest.h"
#include "evtchn.h"
#include "vcpu-start.h"

TEST_SMP("2");
TEST_HV_ARGS("dom0_max_vcpus=3");
TEST_EXPECT("churn race: 3 vCPUs, 1000 rounds, no event lost");

#define ROUNDS 1000
#define NR_CHURN 6 /* churning ports: 3 loopback pairs' worth */
#define MAX_PORT 1024
#define EINVAL 22
#define NR_SENDERS 2

void xtest_install_traps(void); /* lib/traps.c */

struct sender {
	char stack[16384] __attribute__((aligned(16)));
	uint32_t live_rx, live_tx; /* its own pair: sends on tx, rx must turn pending */
	volatile unsigned long alive, done;
	unsigned long live_sends, churn_ok, churn_einval, bad, lost;
	long last_bad_rc;
};

static struct sender senders[NR_SENDERS];
/* The port vCPU 0 bound last in each slot (0: none yet), open or closed since. */
static volatile uint32_t churn_port[NR_CHURN];
static bool churn_open[NR_CHURN]; /* vCPU 0's own: the slot's port is bound */
static uint32_t max_port;	  /* the highest port the test bound */
static volatile unsigned long stop;

/* A loopback pair (evtchn_bind_loopback), its ports counted in max_port. */
static bool bind_pair(uint32_t *rx, uint32_t *tx)
{
	if (!evtchn_bind_loopback(rx, tx))
		return false;
	if (*rx > max_port || *tx > max_port)
		max_port = *rx > *tx ? *rx : *tx;
	return true;
}

/* Clear @rx, send on @tx: @rx must be pending when the send returns. */
static bool send_arrives(uint32_t rx, uint32_t tx, long *rc)
{
	evtchn_test_and_clear(rx);
	*rc = evtchn_port_op(EVTCHNOP_send, tx);
	return *rc == 0 && evtchn_pending(rx);
}

static void churn_sends(struct sender *s, unsigned int turn)
{
	for (unsigned int i = 0; i < NR_CHURN; i++) {
		uint32_t port = churn_port[(i + turn) % NR_CHURN];
		long rc;

		if (!port)
			continue;
		rc = evtchn_port_op(EVTCHNOP_send, port);
		if (rc == 0) {
			s->churn_ok++;
		} else if (rc == -EINVAL) {
			s->churn_einval++;
		} else {
			s->bad++;
			s->last_bad_rc = rc;
		}
	}
}

static void sender_loop(struct sender *s)
{
	long rc;

	for (unsigned int turn = 0; !stop; turn++) {
		if (!send_arrives(s->live_rx, s->live_tx, &rc)) {
			s->lost++;
			s->last_bad_rc = rc;
		}
		s->live_sends++;
		churn_sends(s, turn);
	}
}

static __attribute__((noreturn)) void sender_main(struct sender *s)
{
	xtest_install_traps();
	s->alive = 1;
	sender_loop(s);
	__atomic_store_n(&s->done, 1, __ATOMIC_SEQ_CST);
	for (;;)
		xtest_yield();
}

static __attribute__((noreturn)) void sender1_main(void)
{
	sender_main(&senders[0]);
}

static __attribute__((noreturn)) void sender2_main(void)
{
	sender_main(&senders[1]);
}

static bool start_senders(void)
{
	void (*entry[NR_SENDERS])(void) = { sender1_main, sender2_main };

	for (unsigned int i = 0; i < NR_SENDERS; i++) {
		struct sender *s = &senders[i];
		long rc;

		if (!bind_pair(&s->live_rx, &s->live_tx)) {
			xtest_fail("vCPU %u's live pair did not bind", i + 1);
			return false;
		}
		rc = xtest_vcpu_start(i + 1, entry[i], s->stack, sizeof(s->stack));
		if (rc || !xtest_wait_flag(&s->alive, 1)) {
			xtest_fail("vCPU %u did not start (%ld)", i + 1, rc);
			return false;
		}
	}
	return true;
}

/* Close a churning port (the senders go on sending on it); it must have been open. */
static bool churn_close(unsigned int slot)
{
	uint32_t port = churn_port[slot];
	long rc;

	churn_open[slot] = false;
	rc = evtchn_port_op(EVTCHNOP_close, port);
	if (rc)
		xtest_fail("close of churning port %u = %ld", port, rc);
	return rc == 0;
}

/* Slots 2k and 2k+1 get a new loopback pair, checked live. */
static bool churn_bind_pair(unsigned int slot)
{
	uint32_t rx, tx;
	long rc;

	if (!bind_pair(&rx, &tx)) {
		xtest_fail("churning pair %u did not bind", slot);
		return false;
	}
	if (rx >= MAX_PORT || tx >= MAX_PORT) {
		xtest_fail("churning pair %u got ports %u, %u", slot, rx, tx);
		return false;
	}
	if (!send_arrives(rx, tx, &rc)) {
		xtest_fail("a new pair %u -> %u did not deliver (%ld)", tx, rx, rc);
		return false;
	}
	churn_port[slot] = rx;
	churn_port[slot + 1] = tx;
	churn_open[slot] = churn_open[slot + 1] = true;
	return true;
}

/* Slots 2k and 2k+1 get two IPI ports of vCPU 0, each checked live. */
static bool churn_bind_ipis(unsigned int slot)
{
	for (unsigned int i = 0; i < 2; i++) {
		struct evtchn_bind_ipi b = { .vcpu = 0 };
		long rc;

		if (evtchn_op(EVTCHNOP_bind_ipi, &b) != 0 || b.port >= MAX_PORT) {
			xtest_fail("IPI port %u did not bind", slot + i);
			return false;
		}
		if (!send_arrives(b.port, b.port, &rc)) {
			xtest_fail("a new IPI port %u did not deliver (%ld)", b.port, rc);
			return false;
		}
		churn_port[slot + i] = b.port;
		churn_open[slot + i] = true;
		if (b.port > max_port)
			max_port = b.port;
	}
	return true;
}

/* One round on pair slot @slot: close both (order by @round), bind again. */
static bool churn_round(unsigned long round, unsigned int slot)
{
	bool ok = round & 1 ? churn_close(slot + 1) && churn_close(slot)
			    : churn_close(slot) && churn_close(slot + 1);

	if (!ok)
		return false;
	return (round + slot / 2) % 3 == 2 ? churn_bind_ipis(slot) : churn_bind_pair(slot);
}

static unsigned long churn(void)
{
	unsigned long round;

	for (unsigned int slot = 0; slot < NR_CHURN; slot += 2)
		if (!churn_bind_pair(slot))
			return 0;
	for (round = 1; round <= ROUNDS; round++)
		for (unsigned int slot = 0; slot < NR_CHURN; slot += 2)
			if (!churn_round(round, slot))
				return round - 1;
	return ROUNDS;
}

/* vCPU @i + 1's counts checked; true if it lost nothing and got no wrong answer. */
static bool check_sender(unsigned int i)
{
	const struct sender *s = &senders[i];

	xtest_check(s->lost == 0, "vCPU %u: %lu of %lu sends on its live pair lost (last rc %ld)",
		    i + 1, s->lost, s->live_sends, s->last_bad_rc);
	xtest_check(s->bad == 0, "vCPU %u: %lu wrong send answers on churning ports (last %ld)",
		    i + 1, s->bad, s->last_bad_rc);
	xtest_check(s->live_sends > 0 && s->churn_ok > 0,
		    "vCPU %u did not race: %lu live sends, %lu churning ones delivered", i + 1,
		    s->live_sends, s->churn_ok);
	printk("vCPU %u: %lu live sends, %lu on churning ports (%lu refused)\n", i + 1,
	       s->live_sends, s->churn_ok + s->churn_einval, s->churn_einval);
	return !s->lost && !s->bad;
}

/* The live pairs still bound to each other, each still delivering. */
static void check_live_pair(const struct sender *s)
{
	struct evtchn_status st;
	long rc;

	xtest_check(evtchn_status_of(s->live_tx, &st) == 0 && st.status == EVTCHNSTAT_interdomain &&
			st.u.interdomain.port == s->live_rx,
		    "live port %u: status %u, peer %u", s->live_tx, st.status,
		    st.u.interdomain.port);
	xtest_check(evtchn_status_of(s->live_rx, &st) == 0 && st.status == EVTCHNSTAT_interdomain &&
			st.u.interdomain.port == s->live_tx,
		    "live port %u: status %u, peer %u", s->live_rx, st.status,
		    st.u.interdomain.port);
	xtest_check(send_arrives(s->live_rx, s->live_tx, &rc), "live pair %u -> %u: send %ld",
		    s->live_tx, s->live_rx, rc);
}

/* Every port the test used reads closed, but the live pairs'. */
static void check_closed(uint32_t first)
{
	struct evtchn_status st;
	unsigned int open = 0;

	for (uint32_t port = first; port <= max_port; port++) {
		bool live = false;

		for (unsigned int i = 0; i < NR_SENDERS; i++)
			live |= port == senders[i].live_rx || port == senders[i].live_tx;
		if (live)
			continue;
		if (evtchn_status_of(port, &st) != 0 || st.status != EVTCHNSTAT_closed) {
			if (!open++)
				xtest_fail("port %u in state %u after the race", port, st.status);
		}
	}
	xtest_check(open == 0, "%u ports not closed after the race", open);
}

void test_main(void)
{
	unsigned long rounds;
	uint32_t first;
	bool closed = true, none_lost = true;

	if (!xtest_shared_info()) {
		xtest_error("shared_info not mapped");
		return;
	}
	if (vcpu_op(VCPUOP_is_up, 2, NULL) < 0) {
		xtest_skip("dom0 has fewer than 3 vCPUs");
		return;
	}
	first = evtchn_first_free_port();
	xtest_check(first != 0, "no port to allocate");
	if (!start_senders())
		return;
	rounds = churn();
	__atomic_store_n(&stop, 1, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < NR_SENDERS; i++)
		xtest_check(xtest_wait_flag(&senders[i].done, 1), "vCPU %u did not stop", i + 1);
	for (unsigned int i = 0; i < NR_SENDERS; i++)
		none_lost &= check_sender(i);
	for (unsigned int slot = 0; slot < NR_CHURN; slot++)
		if (churn_open[slot])
			closed &= churn_close(slot);
	xtest_check(rounds == ROUNDS && closed, "%lu of %u rounds done", rounds, ROUNDS);
	for (unsigned int i = 0; i < NR_SENDERS; i++)
		check_live_pair(&senders[i]);
	check_closed(first);
	if (rounds == ROUNDS && closed && none_lost)
		printk("churn race: 3 vCPUs, %u rounds, no event lost\n", ROUNDS);
}
