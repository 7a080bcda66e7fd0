/*
 * Wakes of SCHEDOP_poll racing with sends from the other CPU (two CPUs, one
 * vCPU of dom0 on each). The two vCPUs play ping-pong over two IPI ports,
 * many thousand rounds: each sends to the other's port, then polls its own
 * with a timeout. A send that lands while the poller is between its look at
 * the port and going to sleep must still wake it; a lost wake shows as a
 * poll that ends by its timeout with the port long pending. The timeout
 * (two seconds) is far above a round's time, so only a lost wake reaches it.
 * A progress line every PROGRESS_EVERY rounds (the guest time so far) tells
 * a run slowed by a loaded host from a stuck one.
 */
#include "xtest.h"
#include "evtchn.h"
#include "pvclock.h"
#include "vcpu-start.h"

TEST_SMP("2");
TEST_EXPECT("poll ping-pong: 20000 rounds, no wake lost");

#define ROUNDS 20000
#define POLL_TIMEOUT_NS 2000000000ULL
#define PROGRESS_EVERY 5000

void xtest_install_traps(void); /* lib/traps.c */

static char ap_stack[16384] __attribute__((aligned(16)));
static uint32_t port_of[2]; /* the IPI port notifying vCPU 0 / vCPU 1 */
static volatile unsigned long ap_alive, ap_done, lost[2], ap_rounds;

/*
 * Wait in SCHEDOP_poll until @port (vCPU @me's) is pending, then clear it.
 * False when it never came; a poll that ran into its timeout while the port
 * was pending counts in lost[@me].
 */
static bool wait_port(unsigned int me, uint32_t port)
{
	struct sched_poll p = { .ports = &port, .nr_ports = 1 };

	for (unsigned int tries = 0; tries < 3 && !evtchn_pending(port); tries++) {
		p.timeout = pvclock_now(me) + POLL_TIMEOUT_NS;
		hypercall_sched_op(SCHEDOP_poll, &p);
		if (evtchn_pending(port) && pvclock_now(me) >= p.timeout)
			lost[me]++;
	}
	if (!evtchn_pending(port))
		return false;
	evtchn_test_and_clear(port);
	return true;
}

static __attribute__((noreturn)) void ap_main(void)
{
	xtest_install_traps();
	ap_alive = 1;
	while (ap_rounds < ROUNDS && wait_port(1, port_of[1])) {
		ap_rounds++;
		evtchn_port_op(EVTCHNOP_send, port_of[0]);
	}
	ap_done = 1;
	vcpu_op(VCPUOP_down, 1, NULL);
	for (;;)
		xtest_yield();
}

void test_main(void)
{
	unsigned int i;
	uint64_t start;
	long rc;

	if (!xtest_shared_info()) {
		xtest_error("shared_info not mapped");
		return;
	}
	if (!evtchn_bind_ipis(port_of, 2))
		return;
	rc = xtest_vcpu_start(1, ap_main, ap_stack, sizeof(ap_stack));
	if (rc || !xtest_wait_flag(&ap_alive, 1)) {
		xtest_fail("vCPU 1 did not start (%ld)", rc);
		return;
	}
	start = pvclock_now(0);
	for (i = 0; i < ROUNDS; i++) {
		if (i && i % PROGRESS_EVERY == 0)
			printk("poll ping-pong: round %u after %lu ms\n", i,
			       (unsigned long)((pvclock_now(0) - start) / 1000000));
		evtchn_port_op(EVTCHNOP_send, port_of[1]);
		if (!wait_port(0, port_of[0]))
			break;
	}
	xtest_check(i == ROUNDS && ap_rounds == ROUNDS, "ping-pong stopped at %u (vCPU 1: %lu)", i,
		    ap_rounds);
	xtest_check(
	    lost[0] == 0 && lost[1] == 0,
	    "polls that slept to their timeout with the port pending: vCPU 0 %lu, vCPU 1 %lu",
	    lost[0], lost[1]);
	if (xtest_current_result() == XTEST_SUCCESS)
		printk("poll ping-pong: %u rounds, no wake lost\n", ROUNDS);
	xtest_check(xtest_wait_flag(&ap_done, 1), "vCPU 1 did not finish");
}
