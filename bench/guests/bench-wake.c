/*
 * Wakes across vCPUs, on two CPUs with one vCPU of the guest on each.
 * vCPU 1 serves: it polls its IPI port (SCHEDOP_poll), clears it and sends
 * on vCPU 0's port. vCPU 0 times a round trip:
 *
 *	ipi-pingpong-vcpus  send to vCPU 1, then SCHEDOP_poll on its own port
 *	                    until the answer is pending: two sends, two polls,
 *	                    each send waking a vCPU asleep on the other CPU
 *	block-wake-vcpus    send to vCPU 1 with events masked, then
 *	                    SCHEDOP_block (which unmasks them, as a kernel's
 *	                    idle loop does) until the answer arrives as an
 *	                    upcall: the block's sleep, the wake from the other
 *	                    CPU, the upcall and its iret hypercall
 *
 * Every round trip is checked: the answer must come once per send.
 */
#include "bench-run.h"
#include "evtchn.h"
#include "vcpu-start.h"

TEST_SMP("2");
TEST_EXPECT("BENCH ipi-pingpong-vcpus ");
TEST_EXPECT("BENCH block-wake-vcpus ");

#define HC_callback_op 30
#define CALLBACKOP_register 0
#define CALLBACKTYPE_event 0

struct callback_register {
	uint16_t type, flags;
	uint32_t pad;
	unsigned long address;
};

void xtest_install_traps(void); /* lib/traps.c */

static char ap_stack[16384] __attribute__((aligned(16)));
static uint32_t port_of[2]; /* the IPI port notifying vCPU 0 / vCPU 1 */
static volatile unsigned long ap_alive, ap_stop, ap_done, answers, upcalls;

/* vCPU 1: answer every event on its port with one on vCPU 0's, until told to stop. */
static __attribute__((noreturn)) void ap_main(void)
{
	xtest_install_traps();
	ap_alive = 1;
	while (!ap_stop) {
		if (!evtchn_poll_pending(port_of[1], 1))
			continue;
		evtchn_test_and_clear(port_of[1]);
		if (ap_stop)
			break;
		answers++;
		evtchn_port_op(EVTCHNOP_send, port_of[0]);
	}
	ap_done = 1;
	vcpu_op(VCPUOP_down, 1, NULL);
	for (;;)
		xtest_yield();
}

/* @iters round trips end to end, and vCPU 1 answered each once. */
static bool answered(unsigned long before, unsigned long iters)
{
	if (answers - before != iters)
		xtest_fail("%lu answers for %lu sends", answers - before, iters);
	return answers - before == iters;
}

static bool pingpong(unsigned long iters, void *arg)
{
	unsigned long before = answers;

	(void)arg;
	for (unsigned long i = 0; i < iters; i++) {
		if (evtchn_port_op(EVTCHNOP_send, port_of[1]))
			return false;
		while (!evtchn_test_and_clear(port_of[0]))
			evtchn_poll_pending(port_of[0], 1);
	}
	return answered(before, iters);
}

/* vCPU 0's upcall: only vCPU 0's port is bound to it. */
static void on_event(const unsigned long *frame)
{
	struct vcpu_info *vi = &xtest_shared_info()->vcpu_info[0];

	(void)frame;
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	evtchn_test_and_clear(port_of[0]);
	upcalls++;
}

/*
 * The answers of the poll rounds, which came with events masked, left
 * vCPU 0's upcall flags set: clear them first, or the first block would
 * return at once for an old event.
 */
static bool block_wake(unsigned long iters, void *arg)
{
	struct vcpu_info *vi = &xtest_shared_info()->vcpu_info[0];
	volatile uint8_t *mask = &vi->evtchn_upcall_mask;
	unsigned long before = answers, seen = upcalls;

	(void)arg;
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	for (unsigned long i = 0; i < iters; i++) {
		*mask = 1;
		__asm__ volatile("" ::: "memory");
		if (evtchn_port_op(EVTCHNOP_send, port_of[1]))
			return false;
		while (upcalls == seen)
			hypercall_sched_op(SCHEDOP_block, NULL);
		seen = upcalls;
	}
	*mask = 1;
	return answered(before, iters);
}

static bool register_upcall(void)
{
	struct callback_register cb = { .type = CALLBACKTYPE_event,
					.address = (unsigned long)xtest_event_entry };

	xtest_event_hook = on_event;
	xtest_shared_info()->vcpu_info[0].evtchn_upcall_mask = 1;
	if (hypercall(HC_callback_op, CALLBACKOP_register, (unsigned long)&cb, 0, 0, 0)) {
		xtest_fail("event callback refused");
		return false;
	}
	return true;
}

void test_main(void)
{
	long rc;

	if (!xtest_shared_info()) {
		xtest_error("shared_info not mapped");
		return;
	}
	if (!evtchn_bind_ipis(port_of, 2) || !register_upcall())
		return;
	rc = xtest_vcpu_start(1, ap_main, ap_stack, sizeof(ap_stack));
	if (rc || !xtest_wait_flag(&ap_alive, 1)) {
		xtest_fail("vCPU 1 did not start (%ld)", rc);
		return;
	}
	bench_run("ipi-pingpong-vcpus", 100, pingpong, NULL);
	bench_run("block-wake-vcpus", 100, block_wake, NULL);
	ap_stop = 1;
	evtchn_port_op(EVTCHNOP_send, port_of[1]);
	xtest_check(xtest_wait_flag(&ap_done, 1), "vCPU 1 did not stop");
}
