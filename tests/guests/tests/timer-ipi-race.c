/*
 * Timer upcalls, IPIs, blocks and wakes crossing on several CPUs at once.
 * Four worker vCPUs (0..3) play a ring: in round r each one arms its own
 * one-shot VIRQ_TIMER 0..2 ms ahead (or in the past) in one of five ways
 * (the singleshot timer with events unmasked; masked with a spin, so that it
 * may fire before the block; set_timer_op; armed sooner and then moved; armed
 * far ahead, stopped, armed again), sends an IPI event to the next worker
 * (and on odd rounds a spare one to the worker after it), and blocks
 * (SCHEDOP_block, events unmasked) until both its timer's upcall and its
 * predecessor's round-r IPI have come. A wake that is lost (the timer's or
 * the IPI's) leaves nothing else to wake that worker, so the ring stops.
 *
 * A fifth vCPU is the watchdog: it polls with a timeout and, when a worker
 * has been in one round for STUCK_NS, prints every worker's round, step and
 * event state and ends the test. vCPU 0 prints progress lines.
 *
 * Runs "rounds=" rounds (TEST_ARGS), or as many as fit in "budget_ms=" of
 * guest time (0: no budget) but MIN_ROUNDS at least; `make test-timer-race`
 * runs a longer campaign. GUEST_SMP=2 runs the five vCPUs on two CPUs.
 */
#include "xtest.h"
#include "evtchn.h"
#include "pvclock.h"
#include "vcpu-start.h"

TEST_SMP("4");
/* Xen 4.17's idle-loop scrub makes timers late under TCG: see timer-block-race. */
TEST_HV_ARGS("dom0_max_vcpus=5 bootscrub=false");
TEST_ARGS("rounds=1500 budget_ms=20000");
TEST_EXPECT("every worker's round ended with its timer and its IPI");

#define HC_set_timer_op 15
#define HC_vcpu_op 24
#define HC_callback_op 30
#define VCPUOP_stop_periodic_timer 7
#define VCPUOP_set_singleshot_timer 8
#define VCPUOP_stop_singleshot_timer 9
#define VCPUOP_get_runstate_info 4

#define NW 4 /* workers: vCPUs 0..NW-1; the watchdog is vCPU NW */
#define WATCHDOG NW
#define MIN_ROUNDS 50
#define US 1000UL
#define MS 1000000UL
#define PROGRESS_EVERY 100
#define STUCK_NS (10000 * MS)
#define WATCH_PERIOD_NS (1000 * MS)
#define WAYS 5

void xtest_install_traps(void); /* lib/traps.c */

/* One worker's state; written by the worker (and its upcall handler) only. */
struct worker {
	volatile unsigned long round;	   /* the round it is in (rounds started) */
	volatile uint64_t start, deadline; /* the round's start and timer deadline */
	volatile const char *where;	   /* the step it took last */
	volatile unsigned long timer_upcalls, ipi_upcalls, empty_upcalls, blocks;
	volatile unsigned long fired_early; /* fired before a move or stop (taken) */
	volatile unsigned long done;
	uint64_t max_late, max_early; /* the upcall furthest after / before its deadline */
	unsigned int id;
	uint32_t timer_port, ipi_port;
	struct vcpu_info *vi;
} __attribute__((aligned(64)));

static struct worker w[NW];
/* IPIs sent to worker i as round tokens (by worker i-1); written by that sender only. */
static volatile unsigned long tokens[NW];
/* Rounds every worker runs; vCPU 0 lowers it when the budget is spent. */
static volatile unsigned long limit;
static volatile unsigned long started, watchdog_alive, finished;
static uint32_t watch_port;
static char stacks[NW + 1][16384] __attribute__((aligned(16)));

/* The worker whose stack @sp is on: vCPU 0 runs on the boot stack. */
static unsigned int worker_of(unsigned long sp)
{
	for (unsigned int i = 1; i < NW; i++)
		if (sp >= (unsigned long)stacks[i] && sp < (unsigned long)stacks[i + 1])
			return i;
	return 0;
}

static void event_handler(const unsigned long *frame)
{
	struct worker *me = &w[worker_of((unsigned long)__builtin_frame_address(0))];
	volatile const char *was = me->where;
	bool any = false;

	(void)frame;
	me->where = "in the upcall handler";
	me->vi->evtchn_upcall_pending = 0;
	__atomic_exchange_n(&me->vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	if (evtchn_test_and_clear(me->timer_port)) {
		me->timer_upcalls++;
		any = true;
	}
	if (evtchn_test_and_clear(me->ipi_port)) {
		me->ipi_upcalls++;
		any = true;
	}
	if (!any)
		me->empty_upcalls++;
	me->where = was;
}

static uint64_t now(const struct worker *me)
{
	return pvclock_read(&me->vi->time);
}

static void spin_until(const struct worker *me, uint64_t t)
{
	while (now(me) < t)
		__asm__ volatile("pause");
}

static long singleshot(const struct worker *me, uint64_t deadline)
{
	struct {
		uint64_t timeout_abs_ns;
		uint32_t flags, pad;
	} s = { deadline, 0, 0 };

	return hypercall(HC_vcpu_op, VCPUOP_set_singleshot_timer, me->id, (unsigned long)&s, 0, 0);
}

/* Take a fire of a timer about to be moved or stopped (events masked). */
static void take_early_fire(struct worker *me)
{
	if (evtchn_test_and_clear(me->timer_port))
		me->fired_early++;
}

/* Way 4: a timer far ahead, stopped (both interfaces in turn), then the deadline. */
static long arm_after_stop(struct worker *me, unsigned long r, uint64_t deadline)
{
	long rc = singleshot(me, now(me) + 1000 * MS);

	if (rc)
		return rc;
	if (r % 2)
		rc = hypercall(HC_vcpu_op, VCPUOP_stop_singleshot_timer, me->id, 0, 0, 0);
	else
		rc = hypercall(HC_set_timer_op, 0, 0, 0, 0, 0);
	take_early_fire(me);
	return rc ? rc : hypercall(HC_set_timer_op, deadline, 0, 0, 0, 0);
}

/*
 * Arm the timer for @deadline the way round @r uses (events masked for the
 * ways that look at the port); 0 or the hypercall's error.
 */
static long arm(struct worker *me, unsigned long r, uint64_t deadline)
{
	long rc;

	switch (r % WAYS) {
	case 1:
		me->vi->evtchn_upcall_mask = 1;
		rc = singleshot(me, deadline);
		spin_until(me, now(me) + (deadline % (1000 * US)));
		return rc;
	case 2:
		return hypercall(HC_set_timer_op, deadline, 0, 0, 0, 0);
	case 3:
		/* A fire of the sooner deadline is taken; the last arm fires after it. */
		me->vi->evtchn_upcall_mask = 1;
		rc = singleshot(me, deadline - (deadline % (500 * US)) / 2);
		rc = rc ? rc : singleshot(me, deadline);
		take_early_fire(me);
		return rc ? rc : singleshot(me, deadline);
	case 4:
		me->vi->evtchn_upcall_mask = 1;
		return arm_after_stop(me, r / WAYS, deadline);
	default:
		return singleshot(me, deadline);
	}
}

/* Round @r's deadline: 0..2 ms ahead, or (one round in seven) 10 us ago. */
static uint64_t deadline_of(const struct worker *me, unsigned long r, uint64_t t)
{
	if (r % 7 == 6)
		return t - 10 * US;
	return t + ((r + me->id * 131) * 7919UL) % (2000 * US);
}

/* A round token to the next worker, then (odd rounds) a spare wake to the one after. */
static void send_ipis(const struct worker *me, unsigned long r)
{
	unsigned int next = (me->id + 1) % NW;

	__atomic_add_fetch(&tokens[next], 1, __ATOMIC_SEQ_CST);
	evtchn_port_op(EVTCHNOP_send, w[next].ipi_port);
	if (r % 2)
		evtchn_port_op(EVTCHNOP_send, w[(me->id + 2) % NW].ipi_port);
}

/*
 * Block until the timer upcall count passes @base and round @r's token has
 * come. Masked while looking: an upcall between the look and the block
 * would take the pending flag the block waits for. The block unmasks and
 * returns at once if an upcall is pending.
 */
static void wait_round(struct worker *me, unsigned long base, unsigned long r)
{
	for (;;) {
		me->vi->evtchn_upcall_mask = 1;
		__asm__ volatile("" ::: "memory");
		if (me->timer_upcalls != base && tokens[me->id] > r)
			break;
		me->where =
		    me->timer_upcalls == base ? "blocking for the timer" : "blocking for the IPI";
		hypercall_sched_op(SCHEDOP_block, NULL);
		me->where = "back from a block";
		me->blocks++;
	}
	me->vi->evtchn_upcall_mask = 0;
	me->where = "checking the round";
}

/* Round @r: arm, send, wait; false if a check failed. */
static bool round_ok(struct worker *me, unsigned long r)
{
	unsigned long base = me->timer_upcalls;
	uint64_t t = now(me), deadline = deadline_of(me, r, t);
	long rc;

	me->start = t;
	me->deadline = deadline;
	me->where = "arming";
	me->round = r + 1;
	rc = arm(me, r, deadline);
	if (rc) {
		xtest_fail("worker %u round %lu: arming the timer (way %lu) = %ld", me->id, r,
			   r % WAYS, rc);
		return false;
	}
	me->where = "sending";
	send_ipis(me, r);
	wait_round(me, base, r);
	if (me->timer_upcalls != base + 1) {
		xtest_fail("worker %u round %lu (way %lu): %lu timer upcalls", me->id, r, r % WAYS,
			   me->timer_upcalls - base);
		return false;
	}
	t = now(me);
	/*
	 * Counted, not judged: across CPUs the guest's clock and the
	 * hypervisor's may differ by a millisecond under TCG (Xen 4.17 too);
	 * timer-block-race judges it on one CPU.
	 */
	if (t < deadline && deadline - t > me->max_early)
		me->max_early = deadline - t;
	if (t > deadline && t - deadline > me->max_late)
		me->max_late = t - deadline;
	return true;
}

static __attribute__((noreturn)) void report_and_exit(void);

static void print_progress(unsigned long r, uint64_t t0)
{
	uint64_t late = 0, early = 0;

	for (unsigned int i = 0; i < NW; i++) {
		late = w[i].max_late > late ? w[i].max_late : late;
		early = w[i].max_early > early ? w[i].max_early : early;
	}
	printk("round %lu: %lu ms, rounds %lu %lu %lu %lu, upcalls up to %lu us after / %lu us "
	       "before their deadlines\n",
	       r, (unsigned long)((now(&w[0]) - t0) / MS), w[0].round, w[1].round, w[2].round,
	       w[3].round, (unsigned long)(late / US), (unsigned long)(early / US));
}

/*
 * vCPU 0 lowers the limit to a little past its round once the budget (0:
 * none) is spent; no worker is more than NW - 1 rounds ahead of another, as
 * each round waits for the previous worker to start it.
 */
static void check_budget(unsigned long r, uint64_t t0, uint64_t budget)
{
	if (budget && r >= MIN_ROUNDS && now(&w[0]) - t0 >= budget && limit > r + 2 * NW)
		limit = r + 2 * NW;
}

/* A worker's rounds; sets done when all passed (a failed one ends the test). */
static void run_worker(struct worker *me, uint64_t budget)
{
	uint64_t t0 = now(me);
	unsigned long r;

	for (r = 0; r < limit; r++) {
		if (me->id == 0) {
			if (r % PROGRESS_EVERY == 0)
				print_progress(r, t0);
			check_budget(r, t0, budget);
		}
		if (!round_ok(me, r))
			report_and_exit();
	}
	me->done = 1;
}

/* Per-vCPU setup, on the worker itself: its event callback, no periodic timer. */
static bool worker_setup(struct worker *me)
{
	struct {
		uint16_t type, flags;
		uint32_t pad;
		unsigned long address;
	} cb = { 0, 0, 0, (unsigned long)xtest_event_entry };
	long rc = hypercall(HC_callback_op, 0, (unsigned long)&cb, 0, 0, 0);

	if (rc) {
		xtest_fail("worker %u: register event callback = %ld", me->id, rc);
		return false;
	}
	hypercall(HC_vcpu_op, VCPUOP_stop_periodic_timer, me->id, 0, 0, 0);
	/* A periodic tick before the stop is taken here, events still masked. */
	evtchn_test_and_clear(me->timer_port);
	return true;
}

static __attribute__((noreturn)) void park(unsigned int id)
{
	vcpu_op(VCPUOP_down, id, NULL);
	for (;;)
		xtest_yield();
}

static __attribute__((noreturn)) void worker_main(void)
{
	struct worker *me = &w[worker_of((unsigned long)__builtin_frame_address(0))];

	xtest_install_traps();
	if (!worker_setup(me))
		report_and_exit();
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	while (started < NW)
		xtest_yield();
	run_worker(me, 0);
	park(me->id);
}

static void print_runstate(unsigned int id)
{
	static const char *const names[] = { "running", "runnable", "blocked", "offline" };
	struct {
		int32_t state, pad;
		uint64_t entry_time, time[4];
	} rs = { -1, 0, 0, { 0 } };
	long rc = vcpu_op(VCPUOP_get_runstate_info, id, &rs);

	printk("  runstate (rc %ld): %s\n", rc,
	       rs.state >= 0 && rs.state < 4 ? names[rs.state] : "?");
}

static void print_worker(const struct worker *me)
{
	unsigned long r = me->round - 1;

	printk("worker %u: round %lu (way %lu, deadline %ld us after its start, %lu ms ago), "
	       "last step %s, tokens %lu\n",
	       me->id, r, r % WAYS, (long)(me->deadline - me->start) / (long)US,
	       (unsigned long)((pvclock_now(WATCHDOG) - me->start) / MS), me->where,
	       tokens[me->id]);
	printk("  upcall_pending %u mask %u, timer port %u pending %d, IPI port %u pending %d, "
	       "%lu blocks, upcalls: %lu timer %lu IPI %lu empty\n",
	       me->vi->evtchn_upcall_pending, me->vi->evtchn_upcall_mask, me->timer_port,
	       evtchn_pending(me->timer_port), me->ipi_port, evtchn_pending(me->ipi_port),
	       me->blocks, me->timer_upcalls, me->ipi_upcalls, me->empty_upcalls);
	print_runstate(me->id);
}

/* After a failure: every worker's state, then the end of the test. */
static __attribute__((noreturn)) void report_and_exit(void)
{
	finished = 1;
	for (unsigned int i = 0; i < NW; i++)
		print_worker(&w[i]);
	xtest_exit();
}

/* A worker in one round for STUCK_NS. */
static __attribute__((noreturn)) void report_stuck(unsigned int id, uint64_t ns)
{
	xtest_fail("worker %u has been in round %lu for %lu ms (a lost wake)", id, w[id].round - 1,
		   (unsigned long)(ns / MS));
	report_and_exit();
}

/*
 * The watchdog vCPU: wakes every WATCH_PERIOD_NS and ends the test when a
 * worker that has not finished stays in one round for STUCK_NS (far above a
 * round's time under load).
 */
static __attribute__((noreturn)) void watchdog_main(void)
{
	struct sched_poll p = { .ports = &watch_port, .nr_ports = 1 };
	unsigned long seen[NW] = { 0 };
	uint64_t since[NW] = { 0 };

	xtest_install_traps();
	watchdog_alive = 1;
	while (!finished) {
		uint64_t t = pvclock_now(WATCHDOG);

		for (unsigned int i = 0; i < NW; i++) {
			if (w[i].done)
				continue;
			if (w[i].round != seen[i]) {
				seen[i] = w[i].round;
				since[i] = t;
			} else if (seen[i] && t - since[i] >= STUCK_NS) {
				report_stuck(i, t - since[i]);
			}
		}
		p.timeout = t + WATCH_PERIOD_NS;
		hypercall_sched_op(SCHEDOP_poll, &p);
	}
	park(WATCHDOG);
}

/* Ports for every worker (bound from vCPU 0), the watchdog's port. */
static bool bind_ports(void)
{
	struct evtchn_bind_ipi b = { .vcpu = WATCHDOG };

	for (unsigned int i = 0; i < NW; i++) {
		struct evtchn_bind_virq v = { .virq = VIRQ_TIMER, .vcpu = i };
		struct evtchn_bind_ipi ipi = { .vcpu = i };
		long rc = evtchn_op(EVTCHNOP_bind_virq, &v);

		rc = rc ? rc : evtchn_op(EVTCHNOP_bind_ipi, &ipi);
		if (rc) {
			xtest_fail("binding worker %u's ports = %ld", i, rc);
			return false;
		}
		w[i].id = i;
		w[i].vi = &xtest_shared_info()->vcpu_info[i];
		w[i].timer_port = v.port;
		w[i].ipi_port = ipi.port;
	}
	if (evtchn_op(EVTCHNOP_bind_ipi, &b)) {
		xtest_fail("bind_ipi(watchdog)");
		return false;
	}
	watch_port = b.port;
	return true;
}

static bool start_vcpus(void)
{
	long rc = xtest_vcpu_start(WATCHDOG, watchdog_main, stacks[WATCHDOG], sizeof(stacks[0]));

	if (rc || !xtest_wait_flag(&watchdog_alive, 1)) {
		xtest_fail("the watchdog vCPU %u did not start (%ld)", WATCHDOG, rc);
		return false;
	}
	for (unsigned int i = 1; i < NW; i++) {
		rc = xtest_vcpu_start(i, worker_main, stacks[i], sizeof(stacks[0]));
		if (rc) {
			xtest_fail("worker vCPU %u did not start (%ld)", i, rc);
			return false;
		}
	}
	return true;
}

/* After all rounds: no timer fired twice, every token came. */
static void check_counts(unsigned long rounds)
{
	spin_until(&w[0], now(&w[0]) + 3000 * US);
	for (unsigned int i = 0; i < NW; i++) {
		xtest_check(w[i].timer_upcalls == rounds && tokens[i] == rounds,
			    "worker %u: %lu timer upcalls, %lu tokens after %lu rounds", i,
			    w[i].timer_upcalls, tokens[i], rounds);
		printk("worker %u: %lu blocks, upcalls: %lu timer %lu IPI %lu empty, %lu timers "
		       "fired before a move or stop\n",
		       i, w[i].blocks, w[i].timer_upcalls, w[i].ipi_upcalls, w[i].empty_upcalls,
		       w[i].fired_early);
	}
}

void test_main(void)
{
	uint64_t t0;

	if (!xtest_shared_info()) {
		xtest_skip("shared_info could not be mapped");
		return;
	}
	limit = xtest_cmdline_num("rounds", 1500);
	xtest_event_hook = event_handler;
	if (!bind_ports() || !worker_setup(&w[0]) || !start_vcpus())
		return;
	__atomic_add_fetch(&started, 1, __ATOMIC_SEQ_CST);
	while (started < NW)
		xtest_yield();
	t0 = now(&w[0]);
	run_worker(&w[0], xtest_cmdline_num("budget_ms", 20000) * MS);
	for (unsigned int i = 1; i < NW; i++)
		while (!w[i].done)
			xtest_yield();
	finished = 1;
	print_progress(limit, t0);
	printk("%lu rounds on each of %u workers, %lu ms\n", limit, NW,
	       (unsigned long)((now(&w[0]) - t0) / MS));
	check_counts(limit);
	if (xtest_current_result() == XTEST_SUCCESS)
		printk("every worker's round ended with its timer and its IPI\n");
}
