/*
 * SCHEDOP_block against a timer due in 0..2 ms, thousands of times: each
 * round arms VIRQ_TIMER's one-shot timer and blocks until its upcall, in
 * four ways taken in turn: the singleshot timer with events unmasked; with
 * events masked and a spin, so that the timer may fire before the block
 * (which unmasks); the old set_timer_op; and the singleshot timer armed
 * sooner first and then moved later (the hypervisor's hardware timer may
 * fire for the old deadline and must be armed again). Some deadlines have
 * passed already. Every round must end with exactly one timer upcall.
 *
 * vCPU 1 is a watchdog: it polls with a timeout and, when vCPU 0 has been in
 * one round for STUCK_NS, prints that round's parameters and the event state
 * and ends the test (a lost wake). Progress lines every PROGRESS_EVERY rounds
 * (time, the latest upcall after its deadline) tell a slow run from a stuck
 * one.
 */
#include "xtest.h"
#include "evtchn.h"
#include "pvclock.h"
#include "vcpu-start.h"

/*
 * Xen 4.17 scrubs the free RAM in its idle loop for the first 10-30 s under
 * TCG, and timers run up to 270 ms late meanwhile: bootscrub=false (Petrel
 * warns and ignores it).
 */
TEST_HV_ARGS("dom0_max_vcpus=2 bootscrub=false");

#define HC_set_timer_op 15
#define HC_vcpu_op 24
#define HC_callback_op 30
#define VCPUOP_stop_periodic_timer 7
#define VCPUOP_set_singleshot_timer 8
#define VCPUOP_get_runstate_info 4

/* ROUNDS, or as many as fit in BUDGET_NS of guest time but MIN_ROUNDS at least. */
#define ROUNDS 2000
#define MIN_ROUNDS 400
#define BUDGET_NS (20000 * MS)
#define US 1000UL
#define MS 1000000UL
#define PROGRESS_EVERY 200
#define STUCK_NS (5000 * MS)
#define WATCH_PERIOD_NS (1000 * MS)

void xtest_install_traps(void); /* lib/traps.c */

static struct vcpu_info *vi;
static uint32_t timer_port;
static volatile unsigned long timer_upcalls, empty_upcalls;
static unsigned long fired_before_move;

/* The round vCPU 0 is in, for the watchdog: rounds started, then its parameters. */
static volatile struct {
	unsigned long started, blocks, upcalls_before;
	const char *where; /* the step vCPU 0 took last */
	uint64_t start, deadline;
} cur;
static volatile unsigned long watchdog_alive, finished;
/* The latest upcall after its deadline since the last progress line, and its round. */
static uint64_t max_late;
static unsigned int max_late_round;
static uint32_t watch_port;
static char watchdog_stack[16384] __attribute__((aligned(16)));

static void event_handler(const unsigned long *frame)
{
	const char *was = cur.where;

	(void)frame;
	cur.where = "in the upcall handler";
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	if (evtchn_test_and_clear(timer_port))
		timer_upcalls++;
	else
		empty_upcalls++;
	cur.where = was;
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

/*
 * Block until the timer upcall count passes @base. Masked while looking: an
 * upcall between the look and the block would take the pending flag the
 * block waits for. The block unmasks and returns at once if an upcall is
 * pending.
 */
static void wait_upcall(unsigned long base)
{
	for (;;) {
		vi->evtchn_upcall_mask = 1;
		__asm__ volatile("" ::: "memory");
		if (timer_upcalls != base)
			break;
		cur.where = "blocking";
		hypercall_sched_op(SCHEDOP_block, NULL);
		cur.where = "back from a block";
		cur.blocks++;
	}
	vi->evtchn_upcall_mask = 0;
	cur.where = "checking the upcall";
}

/* One round: arm, block until the timer's upcall; false if a check failed. */
static bool round_ok(unsigned int i)
{
	unsigned long base = timer_upcalls;
	uint64_t t = now();
	uint64_t deadline = deadline_of(i, t);
	long rc;

	cur.start = t;
	cur.deadline = deadline;
	cur.upcalls_before = base;
	cur.where = "arming";
	cur.started = i + 1;
	rc = arm(i, deadline);
	if (rc) {
		xtest_fail("round %u: arming the timer = %ld", i, rc);
		return false;
	}
	wait_upcall(base);
	if (timer_upcalls != base + 1) {
		xtest_fail("round %u: %lu timer upcalls", i, timer_upcalls - base);
		return false;
	}
	t = now();
	/* Xen may run a timer up to its slop (50 us) early. */
	if (t + 200 * US < deadline) {
		xtest_fail("round %u (way %u): upcall %lu ns before the deadline", i, i % 4,
			   deadline - t);
		return false;
	}
	if (t > deadline && t - deadline > max_late) {
		max_late = t - deadline;
		max_late_round = i;
	}
	return true;
}

/* vCPU 0's runstate as the hypervisor reports it. */
static void print_runstate(void)
{
	static const char *const names[] = { "running", "runnable", "blocked", "offline" };
	struct {
		int32_t state, pad;
		uint64_t entry_time, time[4];
	} rs = { -1, 0, 0, { 0 } };
	long rc = vcpu_op(VCPUOP_get_runstate_info, 0, &rs);

	printk("vCPU 0 runstate (rc %ld): %s\n", rc,
	       rs.state >= 0 && rs.state < 4 ? names[rs.state] : "?");
}

/* vCPU 0 has been in round @round for @ns: print what it waits for, end the test. */
static __attribute__((noreturn)) void report_stuck(unsigned long round, uint64_t ns)
{
	unsigned int i = round - 1;

	xtest_fail("round %u (way %u, deadline %ld us after its start) still running after %lu ms, "
		   "%lu timer upcalls in it",
		   i, i % 4, (long)(cur.deadline - cur.start) / (long)US, (unsigned long)(ns / MS),
		   timer_upcalls - cur.upcalls_before);
	printk("clocks: vCPU 0 %lu ms after the round's start, vCPU 1 %lu ms\n",
	       (unsigned long)((now() - cur.start) / MS),
	       (unsigned long)((pvclock_now(1) - cur.start) / MS));
	print_runstate();
	printk("vCPU 0: last step %s, upcall_pending %u, upcall_mask %u, timer port %u pending %d, "
	       "%lu blocks in all, %lu timer upcalls, %lu without the timer\n",
	       cur.where, vi->evtchn_upcall_pending, vi->evtchn_upcall_mask, timer_port,
	       evtchn_pending(timer_port), cur.blocks, timer_upcalls, empty_upcalls);
	xtest_exit();
}

/*
 * vCPU 1: wake every WATCH_PERIOD_NS; end the test when a round lasts STUCK_NS
 * (far above a round's time under load: the first rounds' upcalls may come
 * half a second late under TCG). Its poll timeout is a timer too: a wake
 * held back until the next timer of the CPU comes within WATCH_PERIOD_NS.
 */
static __attribute__((noreturn)) void watchdog_main(void)
{
	struct sched_poll p = { .ports = &watch_port, .nr_ports = 1 };
	unsigned long seen = 0;
	uint64_t since = 0;

	xtest_install_traps();
	watchdog_alive = 1;
	while (!finished) {
		uint64_t t = pvclock_now(1);

		if (cur.started != seen) {
			seen = cur.started;
			since = t;
		} else if (seen && t - since >= STUCK_NS) {
			report_stuck(seen, t - since);
		}
		p.timeout = t + WATCH_PERIOD_NS;
		hypercall_sched_op(SCHEDOP_poll, &p);
	}
	vcpu_op(VCPUOP_down, 1, NULL);
	for (;;)
		xtest_yield();
}

static bool start_watchdog(void)
{
	struct evtchn_bind_ipi b = { .vcpu = 1 };
	long rc = evtchn_op(EVTCHNOP_bind_ipi, &b);

	if (rc) {
		xtest_fail("bind_ipi(vCPU 1) = %ld", rc);
		return false;
	}
	watch_port = b.port;
	rc = xtest_vcpu_start(1, watchdog_main, watchdog_stack, sizeof(watchdog_stack));
	if (rc || !xtest_wait_flag(&watchdog_alive, 1)) {
		xtest_fail("the watchdog vCPU 1 did not start (%ld)", rc);
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

static void print_progress(unsigned int i, uint64_t t0)
{
	printk("round %u: %lu ms, %lu blocks, latest upcall %lu us after its deadline (round %u)\n",
	       i, (unsigned long)((now() - t0) / MS), cur.blocks, (unsigned long)(max_late / US),
	       max_late_round);
	max_late = 0;
}

/* The rounds run, all passed; 0 after a failed one. */
static unsigned int run_rounds(void)
{
	uint64_t t0 = now();
	unsigned int i;

	for (i = 0; i < ROUNDS && (i < MIN_ROUNDS || now() - t0 < BUDGET_NS); i++) {
		if (i % PROGRESS_EVERY == 0)
			print_progress(i, t0);
		if (!round_ok(i))
			return 0;
	}
	printk("%u rounds, %lu blocks, %lu upcalls without the timer, %lu timers fired before "
	       "the move, %lu ms\n",
	       i, cur.blocks, empty_upcalls, fired_before_move, (unsigned long)((now() - t0) / MS));
	return i;
}

void test_main(void)
{
	unsigned int rounds;

	if (!xtest_shared_info()) {
		xtest_skip("shared_info could not be mapped");
		return;
	}
	setup();
	if (!start_watchdog())
		return;
	rounds = run_rounds();
	finished = 1;
	if (!rounds)
		return;
	/* No singleshot timer fires twice. */
	spin_until(now() + 3000 * US);
	xtest_check(timer_upcalls == rounds, "%lu timer upcalls after %u rounds", timer_upcalls,
		    rounds);
	printk("every round woke once\n");
}

TEST_EXPECT("every round woke once");
