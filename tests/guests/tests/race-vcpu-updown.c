/*
 * VCPUOP_down and VCPUOP_up of a vCPU that is busy sending IPIs (dom0 on
 * two CPUs): vCPU 1 sends on an IPI port bound to vCPU 0 and counts its
 * sends, without end; vCPU 0 takes it down (is_up 0, its runstate goes
 * offline, its count stands still while down), clears the port, brings it
 * up again and waits for its next IPI, 50 times. Every send vCPU 1 makes
 * succeeds, no IPI after an up is lost, and the domain carries on.
 */
#include "xtest.h"
#include "evtchn.h"
#include "vcpu-start.h"

TEST_SMP("2");
TEST_EXPECT("down/up race: 50 rounds, vCPU 1 stood still while down, every IPI after up arrived");

#define VCPUOP_get_runstate_info 4
#define RUNSTATE_offline 3
#define ROUNDS 50
#define STILL_YIELDS 200
#define WAIT_LOOPS 2000000UL

struct vcpu_runstate_info {
	int state;
	uint64_t state_entry_time;
	uint64_t time[4];
};

void xtest_install_traps(void); /* lib/traps.c */

static char ap_stack[16384] __attribute__((aligned(16)));
static uint32_t port_to0;
static volatile unsigned long ap_alive, ap_sends, ap_bad;
static volatile long ap_bad_rc;

static long runstate_of(unsigned int vcpu)
{
	struct vcpu_runstate_info rs;
	long rc = vcpu_op(VCPUOP_get_runstate_info, vcpu, &rs);

	return rc ? rc : rs.state;
}

/* vCPU 1: send to vCPU 0 for ever, counting. */
static __attribute__((noreturn)) void ap_main(void)
{
	xtest_install_traps();
	ap_alive = 1;
	for (;;) {
		long rc = evtchn_port_op(EVTCHNOP_send, port_to0);

		if (rc) {
			ap_bad++;
			ap_bad_rc = rc;
		}
		__atomic_add_fetch(&ap_sends, 1, __ATOMIC_SEQ_CST);
	}
}

/* Wait until vCPU 1 is offline; false if it never gets there. */
static bool wait_offline(void)
{
	for (unsigned long i = 0; i < WAIT_LOOPS; i++) {
		if (runstate_of(1) == RUNSTATE_offline)
			return true;
		xtest_yield();
	}
	return false;
}

static bool wait_ipi(void)
{
	for (unsigned long i = 0; i < WAIT_LOOPS; i++) {
		if (evtchn_pending(port_to0))
			return true;
		xtest_yield();
	}
	return false;
}

/* One round: down, stand-still check, up, the next IPI. */
static bool down_up_round(unsigned int round)
{
	unsigned long count;
	long rc = vcpu_op(VCPUOP_down, 1, NULL);

	if (rc || vcpu_op(VCPUOP_is_up, 1, NULL) != 0 || !wait_offline()) {
		xtest_fail("round %u: down = %ld, vCPU 1 not offline (runstate %ld)", round, rc,
			   runstate_of(1));
		return false;
	}
	count = ap_sends;
	for (unsigned int i = 0; i < STILL_YIELDS; i++)
		xtest_yield();
	if (ap_sends != count) {
		xtest_fail("round %u: vCPU 1 sent %lu times while down", round, ap_sends - count);
		return false;
	}
	evtchn_test_and_clear(port_to0);
	rc = vcpu_op(VCPUOP_up, 1, NULL);
	if (rc || !xtest_wait_flag(&ap_sends, count + 1) || !wait_ipi()) {
		xtest_fail("round %u: up = %ld, sends %lu -> %lu, IPI %s", round, rc, count,
			   ap_sends, evtchn_pending(port_to0) ? "seen" : "lost");
		return false;
	}
	return true;
}

void test_main(void)
{
	struct evtchn_bind_ipi b = { .vcpu = 0 };
	unsigned int round;
	long rc;

	if (!xtest_shared_info()) {
		xtest_error("shared_info not mapped");
		return;
	}
	if (vcpu_op(VCPUOP_is_up, 1, NULL) < 0) {
		xtest_skip("dom0 has one vCPU");
		return;
	}
	/* vCPU 0 polls the port: no upcalls for it. */
	xtest_shared_info()->vcpu_info[0].evtchn_upcall_mask = 1;
	rc = evtchn_op(EVTCHNOP_bind_ipi, &b);
	if (rc) {
		xtest_fail("bind_ipi = %ld", rc);
		return;
	}
	port_to0 = b.port;
	rc = xtest_vcpu_start(1, ap_main, ap_stack, sizeof(ap_stack));
	if (rc || !xtest_wait_flag(&ap_alive, 1)) {
		xtest_fail("vCPU 1 did not start (%ld)", rc);
		return;
	}
	for (round = 1; round <= ROUNDS; round++)
		if (!down_up_round(round))
			break;
	vcpu_op(VCPUOP_down, 1, NULL);
	xtest_check(ap_bad == 0, "vCPU 1: %lu sends failed (last %ld)", ap_bad, ap_bad_rc);
	if (round > ROUNDS && !ap_bad)
		printk("down/up race: %u rounds, vCPU 1 stood still while down, every IPI after up "
		       "arrived (%lu sends)\n",
		       ROUNDS, ap_sends);
}
