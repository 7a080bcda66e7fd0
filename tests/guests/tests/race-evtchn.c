/*
 * Event-channel hypercalls racing on two vCPUs of dom0 (two CPUs, one vCPU
 * on each):
 *   - both vCPUs allocate, inspect and close unbound ports at once: each
 *     port a vCPU gets is its own (status unbound, its close succeeds), so
 *     the two never receive the same port;
 *   - vCPU 0 binds a loopback pair (alloc_unbound, then bind_interdomain to
 *     it), vCPU 1 sends on the bound end and keeps sending while vCPU 0
 *     closes both ends under it: the event of the first send always
 *     arrives (none lost), every send answers 0 or -EINVAL (closed), never
 *     anything else;
 * and afterwards every port either vCPU used reads closed again.
 */
#include "xtest.h"
#include "evtchn.h"
#include "vcpu-start.h"

TEST_SMP("2");
TEST_EXPECT("alloc/close race: 2x1500 ports, none shared");
TEST_EXPECT("send/close race: 200 rounds, no event lost");

#define ALLOC_ROUNDS 1500
#define SEND_ROUNDS 200
#define WAIT_LOOPS 2000000UL
#define MAX_PORT 1024
#define EINVAL 22

enum phase { PH_IDLE, PH_ALLOC, PH_SEND, PH_DONE };

void xtest_install_traps(void); /* lib/traps.c */

static char ap_stack[16384] __attribute__((aligned(16)));
static volatile int phase;
static volatile unsigned long ap_alive, ap_alloc_done, ap_alloc_bad, ap_max_port;
/* Send race: the round vCPU 0 published, its bound port, and vCPU 1's answers. */
static volatile unsigned long send_round, send_port, closed_round, ap_acked, ap_done_round;
static volatile unsigned long ap_send_bad, ap_send_ok, ap_send_einval;
static volatile long ap_last_bad_rc;

/* One unbound port allocated, seen as ours and closed; false if any step was wrong. */
static bool alloc_round(unsigned long *max_port)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_status st;

	if (evtchn_op(EVTCHNOP_alloc_unbound, &a) != 0 || a.port == 0 || a.port >= MAX_PORT)
		return false;
	if (a.port > *max_port)
		*max_port = a.port;
	if (evtchn_status_of(a.port, &st) != 0 || st.status != EVTCHNSTAT_unbound)
		return false;
	return evtchn_port_op(EVTCHNOP_close, a.port) == 0;
}

static unsigned long alloc_rounds(unsigned long *max_port)
{
	unsigned long bad = 0;

	for (unsigned int i = 0; i < ALLOC_ROUNDS; i++)
		bad += !alloc_round(max_port);
	return bad;
}

static void ap_send_result(long rc)
{
	if (rc == 0) {
		ap_send_ok++;
	} else if (rc == -EINVAL) {
		ap_send_einval++;
	} else {
		ap_send_bad++;
		ap_last_bad_rc = rc;
	}
}

/* vCPU 1's part of one send round: a first send, then more until vCPU 0 has closed. */
static void ap_send_round(unsigned long round)
{
	uint32_t port = (uint32_t)send_port;
	long rc = evtchn_port_op(EVTCHNOP_send, port);

	ap_send_result(rc);
	if (rc != 0)
		ap_send_bad++; /* the port was bound: the first send must succeed */
	__atomic_store_n(&ap_acked, round, __ATOMIC_SEQ_CST);
	while (closed_round < round)
		ap_send_result(evtchn_port_op(EVTCHNOP_send, port));
	__atomic_store_n(&ap_done_round, round, __ATOMIC_SEQ_CST);
}

static __attribute__((noreturn)) void ap_main(void)
{
	unsigned long max_port = 0, round = 0;

	xtest_install_traps();
	ap_alive = 1;
	while (phase == PH_IDLE)
		xtest_yield();
	ap_alloc_bad = alloc_rounds(&max_port);
	ap_max_port = max_port;
	ap_alloc_done = 1;
	while (phase != PH_DONE) {
		if (send_round > round) {
			round = send_round;
			ap_send_round(round);
		} else {
			__asm__ volatile("pause");
		}
	}
	vcpu_op(VCPUOP_down, 1, NULL);
	for (;;)
		xtest_yield();
}

static void test_alloc_race(unsigned long *max_port)
{
	unsigned long bad;

	phase = PH_ALLOC;
	bad = alloc_rounds(max_port);
	xtest_check(xtest_wait_flag(&ap_alloc_done, 1), "vCPU 1 did not finish its ports");
	xtest_check(bad == 0 && ap_alloc_bad == 0, "wrong answers: vCPU 0 %lu, vCPU 1 %lu", bad,
		    ap_alloc_bad);
	if (ap_max_port > *max_port)
		*max_port = ap_max_port;
	if (!bad && !ap_alloc_bad)
		printk("alloc/close race: 2x%u ports, none shared\n", ALLOC_ROUNDS);
}

/* Wait (yielding) until @port is pending. */
static bool wait_pending(uint32_t port)
{
	for (unsigned long i = 0; i < WAIT_LOOPS; i++) {
		if (evtchn_pending(port))
			return true;
		xtest_yield();
	}
	return evtchn_pending(port);
}

/* One round: bind, let vCPU 1 send, take its event, close under its sends. */
static bool send_round_once(unsigned long round, unsigned long *max_port)
{
	uint32_t p, q;
	long rc_q, rc_p;

	if (!evtchn_bind_loopback(&p, &q)) {
		xtest_fail("round %lu: the loopback pair did not bind", round);
		return false;
	}
	if (p > *max_port || q > *max_port)
		*max_port = p > q ? p : q;
	evtchn_test_and_clear(p);
	send_port = q;
	__atomic_store_n(&send_round, round, __ATOMIC_SEQ_CST);
	if (!xtest_wait_flag(&ap_acked, round) || !wait_pending(p)) {
		xtest_fail("round %lu: the event of vCPU 1's send on port %u never reached port %u",
			   round, q, p);
		return false;
	}
	rc_q = evtchn_port_op(EVTCHNOP_close, q);
	rc_p = evtchn_port_op(EVTCHNOP_close, p);
	__atomic_store_n(&closed_round, round, __ATOMIC_SEQ_CST);
	xtest_check(rc_q == 0 && rc_p == 0, "round %lu: close = %ld, %ld", round, rc_q, rc_p);
	return xtest_wait_flag(&ap_done_round, round);
}

static void test_send_race(unsigned long *max_port)
{
	unsigned long round;

	phase = PH_SEND;
	for (round = 1; round <= SEND_ROUNDS; round++)
		if (!send_round_once(round, max_port))
			break;
	xtest_check(ap_send_bad == 0, "vCPU 1: %lu wrong send answers (last %ld)", ap_send_bad,
		    ap_last_bad_rc);
	if (round > SEND_ROUNDS && !ap_send_bad)
		printk("send/close race: %u rounds, no event lost (%lu sends done, %lu on a "
		       "closed port)\n",
		       SEND_ROUNDS, ap_send_ok, ap_send_einval);
}

/* Every port either vCPU used reads closed again. */
static void check_all_closed(unsigned long max_port, uint32_t first)
{
	struct evtchn_status st;
	unsigned int open = 0;

	for (uint32_t port = first; port <= max_port; port++)
		if (evtchn_status_of(port, &st) != 0 || st.status != EVTCHNSTAT_closed) {
			if (!open++)
				xtest_fail("port %u still in state %u after the races", port,
					   st.status);
		}
	xtest_check(open == 0, "%u of ports %u-%lu not closed", open, first, max_port);
}

void test_main(void)
{
	unsigned long max_port = 0;
	uint32_t first;
	long rc;

	if (!xtest_shared_info()) {
		xtest_error("shared_info not mapped");
		return;
	}
	if (vcpu_op(VCPUOP_is_up, 1, NULL) < 0) {
		xtest_skip("dom0 has one vCPU");
		return;
	}
	first = evtchn_first_free_port();
	xtest_check(first != 0, "no port to allocate");
	rc = xtest_vcpu_start(1, ap_main, ap_stack, sizeof(ap_stack));
	if (rc || !xtest_wait_flag(&ap_alive, 1)) {
		xtest_fail("vCPU 1 did not start (%ld)", rc);
		return;
	}
	test_alloc_race(&max_port);
	test_send_race(&max_port);
	phase = PH_DONE;
	check_all_closed(max_port, first);
}
