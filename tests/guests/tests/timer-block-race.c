/*
 * SCHEDOP_block against a timer due in 0..2 ms, thousands of times: each
 * round arms VIRQ_TIMER's one-shot timer and blocks until its upcall, in
 * four ways taken in turn: the singleshot timer with events unmasked; with
 * events masked and a spin, so that the timer may fire before the block
 * (which unmasks); the old set_timer_op; and the singleshot timer armed
 * sooner first and then moved later (the hypervisor's hardware timer may
 * fire for the old deadline and must be armed again). Some deadlines have
 * passed already. Every round must end with exactly one timer upcall; a
 * lost one leaves the guest blocked until the runner's timeout.
 */
#include "xtest.h"
#include "evtchn.h"
#include "pvclock.h"

#define HC_set_timer_op 15
#define HC_vcpu_op 24
#define HC_callback_op 30
#define VCPUOP_stop_periodic_timer 7
#define VCPUOP_set_singleshot_timer 8

#define ROUNDS 2000
#define US 1000UL

static struct vcpu_info *vi;
static uint32_t timer_port;
static volatile unsigned long timer_upcalls, empty_upcalls;
static unsigned long fired_before_move;

static void event_handler(const unsigned long *frame)
{
	(void)frame;
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	if (evtchn_test_and_clear(timer_port))
		timer_upcalls++;
	else
		empty_upcalls++;
}

static uint64_t now(void)
{
	return pvclock_read(&vi->time);
}

static void spin_until(uint64_t t)
{
	while (now() < t)
		__asm__ volatile("pause");
}

static long singleshot(uint64_t deadline)
{
	struct {
		uint64_t timeout_abs_ns;
		uint32_t flags, pad;
	} s = { deadline, 0, 0 };

	return hypercall(HC_vcpu_op, VCPUOP_set_singleshot_timer, 0, (unsigned long)&s, 0, 0);
}

/* Round @i's deadline: 0..2 ms ahead, or (one round in seven, each way in turn) 10 us ago. */
static uint64_t deadline_of(unsigned int i, uint64_t t)
{
	if (i % 7 == 6)
		return t - 10 * US;
	return t + (i * 7919UL) % (2000 * US);
}

/* Arm the timer for @deadline the way round @i uses; 0 or the hypercall's error. */
static long arm(unsigned int i, uint64_t deadline)
{
	long rc;

	switch (i % 4) {
	case 1:
		vi->evtchn_upcall_mask = 1;
		rc = singleshot(deadline);
		spin_until(now() + (deadline % (1000 * US)));
		return rc;
	case 2:
		return hypercall(HC_set_timer_op, deadline, 0, 0, 0, 0);
	case 3:
		vi->evtchn_upcall_mask = 1;
		rc = singleshot(deadline - (deadline % (500 * US)) / 2);
		rc = rc ? rc : singleshot(deadline);
		/*
		 * On a loaded host the sooner deadline may fire before the move:
		 * its event is taken, and the deadline is set once more so that
		 * the timer fires after that (still masked, fires merge into one).
		 */
		if (evtchn_test_and_clear(timer_port))
			fired_before_move++;
		return rc ? rc : singleshot(deadline);
	default:
		return singleshot(deadline);
	}
}

/* One round: arm, block until the timer's upcall; false if a check failed. */
static bool round_ok(unsigned int i, unsigned long *blocks)
{
	unsigned long base = timer_upcalls;
	uint64_t deadline = deadline_of(i, now());
	long rc = arm(i, deadline);

	if (rc) {
		xtest_fail("round %u: arming the timer = %ld", i, rc);
		return false;
	}
	while (timer_upcalls == base) {
		hypercall_sched_op(SCHEDOP_block, NULL);
		++*blocks;
	}
	if (timer_upcalls != base + 1) {
		xtest_fail("round %u: %lu timer upcalls", i, timer_upcalls - base);
		return false;
	}
	/* Xen may run a timer up to its slop (50 us) early. */
	if (now() + 200 * US < deadline) {
		xtest_fail("round %u (way %u): upcall %lu ns before the deadline", i, i % 4,
			   deadline - now());
		return false;
	}
	return true;
}

static void setup(void)
{
	struct {
		uint16_t type, flags;
		uint32_t pad;
		unsigned long address;
	} cb = { 0, 0, 0, (unsigned long)xtest_event_entry };
	uint32_t b[3] = { VIRQ_TIMER, 0, 0 };
	long rc;

	vi = &xtest_shared_info()->vcpu_info[0];
	rc = hypercall(HC_callback_op, 0, (unsigned long)&cb, 0, 0, 0);
	xtest_check(rc == 0, "register event callback = %ld", rc);
	rc = hypercall(HC_event_channel_op, EVTCHNOP_bind_virq, (unsigned long)b, 0, 0, 0);
	xtest_check(rc == 0, "bind_virq(TIMER) = %ld", rc);
	timer_port = b[2];
	hypercall(HC_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0, 0, 0);
	/* A periodic tick before the stop is taken here, events still masked. */
	evtchn_test_and_clear(timer_port);
	xtest_event_hook = event_handler;
	vi->evtchn_upcall_mask = 0;
}

void test_main(void)
{
	unsigned long blocks = 0;
	uint64_t t0;

	if (!xtest_shared_info()) {
		xtest_skip("shared_info could not be mapped");
		return;
	}
	setup();
	t0 = now();
	for (unsigned int i = 0; i < ROUNDS; i++) {
		if (!round_ok(i, &blocks))
			return;
	}
	/* No singleshot timer fires twice. */
	spin_until(now() + 3000 * US);
	xtest_check(timer_upcalls == ROUNDS, "%lu timer upcalls after %u rounds", timer_upcalls,
		    ROUNDS);
	printk("%u rounds, %lu blocks, %lu upcalls without the timer, %lu timers fired before "
	       "the move, %lu ms\n",
	       ROUNDS, blocks, empty_upcalls, fired_before_move,
	       (unsigned long)((now() - t0) / 1000000));
	printk("every round woke once\n");
}

TEST_EXPECT("every round woke once");
