/*
 * Hypervisor timers (xen/common/timer.c) against a fake clock and a fake
 * LAPIC: expiry order, what the LAPIC is programmed with (only ever moved
 * earlier, also by a kick), stop, re-arming from a callback, expiries
 * in the past, and moving a timer to another CPU. The migration tests run
 * four fake CPUs (host_cpu_info.cpu_id), each with a fake LAPIC, and
 * deliver their interrupts and kicks in time order.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>

#include "timer.h"
#include "apic.h"
#include "smp.h"
#include "hcstats.h"

#define NCPU 4

static u64 fake_now;
static u64 lapic_ns; /* last apic_timer_oneshot() argument */
static int lapic_calls;
/* Each fake CPU's LAPIC: armed, and when it fires (its interrupt is then due). */
static bool hw_on[NCPU];
static u64 hw_at[NCPU];

u64 system_time(void)
{
	return fake_now;
}

void apic_timer_oneshot(u64 ns)
{
	unsigned int cpu = smp_processor_id();

	lapic_ns = ns;
	lapic_calls++;
	if (cpu < NCPU) {
		hw_on[cpu] = true;
		hw_at[cpu] = fake_now + ns;
	}
}

/* hcstats: what the timer code counted, by HCSTATS_TIMER op. */
bool hcstats_on;
static u64 counted[3];

void hcstats_add(enum hcstats_kind kind, unsigned int op, u64 start)
{
	assert_int_equal(kind, HCSTATS_TIMER);
	assert_true(start != 0 && op < 3);
	counted[op]++;
}

void printk(const char *fmt, ...)
{
	(void)fmt;
}

/* An ASSERT of the timer code (lock held) that fails ends the test. */
void panic(const char *fmt, ...)
{
	fail_msg("panic: %s", fmt);
	abort();
}

static unsigned int kicked_cpu, kicks;
static u64 kicks_pending; /* bit n: CPU n has a kick to serve */

void timer_kick_cpu(unsigned int cpu)
{
	kicked_cpu = cpu;
	kicks++;
	kicks_pending |= 1UL << cpu;
}

static char order[16];
static int fired;

static void record(void *data)
{
	order[fired++] = *(const char *)data;
}

static const char name_a = 'a', name_b = 'b';

/* Two timers of this CPU that record 'a' and 'b' when they fire. */
static void init_ab(struct timer *a, struct timer *b)
{
	init_timer(a, record, (void *)&name_a);
	init_timer(b, record, (void *)&name_b);
}

static struct timer rearm_timer;
static int rearm_left;

static void rearm(void *data)
{
	(void)data;
	fired++;
	if (--rearm_left > 0)
		set_timer(&rearm_timer, fake_now + 100);
}

static int setup(void **state)
{
	(void)state;
	fake_now = 1000;
	lapic_ns = 0xdead;
	lapic_calls = fired = 0;
	kicks = 0;
	this_cpu(timer_due_now) = false;
	memset(order, 0, sizeof(order));
	hcstats_on = false;
	memset(counted, 0, sizeof(counted));
	return 0;
}

static void test_order_and_programming(void **state)
{
	struct timer a, b, c;
	static const char na = 'a', nb = 'b', nc = 'c';
	int calls;

	(void)state;
	init_timer(&a, record, (void *)&na);
	init_timer(&b, record, (void *)&nb);
	init_timer(&c, record, (void *)&nc);
	set_timer(&b, 3000);
	assert_int_equal(lapic_ns, 2000); /* first timer: 2000 ns from now */
	set_timer(&c, 5000);
	assert_int_equal(lapic_ns, 2000); /* not the soonest: unchanged */
	set_timer(&a, 1500);
	assert_int_equal(lapic_ns, 500);
	/* Early interrupt: nothing is due yet, the LAPIC is re-armed. */
	fake_now = 1400;
	timer_softirq();
	assert_int_equal(fired, 0);
	assert_int_equal(lapic_ns, 100);
	/* a and b are due, in expiry order; c stays. */
	fake_now = 3000;
	timer_softirq();
	assert_int_equal(fired, 2);
	assert_memory_equal(order, "ab", 2);
	assert_false(a.active || b.active);
	assert_true(c.active);
	assert_int_equal(lapic_ns, 2000);
	fake_now = 9000;
	calls = lapic_calls;
	timer_softirq();
	assert_int_equal(fired, 3);
	assert_int_equal(order[2], 'c');
	/* Nothing left: the LAPIC is not written (an expired one-shot stays quiet). */
	assert_int_equal(lapic_calls, calls);
}

static void test_stop_and_move(void **state)
{
	struct timer a, b;
	int calls;

	(void)state;
	init_ab(&a, &b);
	set_timer(&a, 2000);
	set_timer(&b, 4000);
	calls = lapic_calls;
	stop_timer(&a);
	assert_false(a.active);
	/* The LAPIC is only ever moved earlier: it stays armed for a's 2000. */
	assert_int_equal(lapic_calls, calls);
	assert_int_equal(lapic_ns, 1000);
	stop_timer(&a); /* stopping twice is harmless */
	/* Moving an armed timer keeps one list entry; earlier than 2000 re-arms. */
	set_timer(&b, 1200);
	assert_int_equal(lapic_ns, 200);
	calls = lapic_calls;
	set_timer(&b, 6000);
	assert_int_equal(lapic_calls, calls);
	/* The early interrupt finds nothing due and arms the LAPIC for b. */
	fake_now = 1200;
	timer_softirq();
	assert_int_equal(fired, 0);
	assert_int_equal(lapic_ns, 4800);
	fake_now = 7000;
	timer_softirq();
	assert_int_equal(fired, 1);
	assert_int_equal(order[0], 'b');
	assert_false(b.active);
}

static void test_past_and_rearm(void **state)
{
	struct timer a;
	static const char na = 'a';

	(void)state;
	init_timer(&a, record, (void *)&na);
	set_timer(&a, 10); /* already passed: fire at the next tick */
	assert_int_equal(lapic_ns, 1);
	timer_softirq();
	assert_int_equal(fired, 1);
	/* A callback may re-arm its own timer; each run fires once per expiry. */
	fired = 0;
	rearm_left = 3;
	hcstats_on = true;
	lapic_calls = 0;
	init_timer(&rearm_timer, rearm, NULL);
	set_timer(&rearm_timer, 1100);
	for (int i = 0; i < 5; i++) {
		fake_now += 100;
		timer_softirq();
	}
	assert_int_equal(fired, 3);
	assert_false(rearm_timer.active);
	assert_int_equal(lapic_ns, 100); /* the last re-arm's; an expired one-shot stays quiet */
	/* hcstats counted every LAPIC write and every function run. */
	assert_int_equal(counted[HCSTATS_TIMER_WRITE], lapic_calls);
	assert_int_equal(counted[HCSTATS_TIMER_FN], 3);
}

/*
 * A timer of another CPU joins that CPU's list: this CPU's LAPIC is left
 * alone and the owner is kicked when its soonest timer changes; it does not
 * fire here.
 */
static void test_other_cpu(void **state)
{
	struct timer a, r;
	static const char na = 'a', nr = 'r';

	(void)state;
	init_timer(&a, record, (void *)&na);
	init_timer_on(&r, record, (void *)&nr, 1);
	set_timer(&a, 5000);
	lapic_calls = 0;
	set_timer(&r, 2000);
	assert_int_equal(lapic_calls, 0);
	assert_int_equal(kicks, 1);
	assert_int_equal(kicked_cpu, 1);
	set_timer(&r, 2500); /* still its soonest: kicked again */
	assert_int_equal(kicks, 2);
	fake_now = 9000;
	timer_softirq();
	assert_int_equal(fired, 1);
	assert_int_equal(order[0], 'a');
	assert_true(r.active);
	stop_timer(&r);
	assert_int_equal(kicks, 3);
	assert_false(r.active);
}

/*
 * A kick (a wake from another CPU kicks too) runs what is due but leaves
 * the LAPIC armed for the later deadline it has: the LAPIC's own interrupt
 * re-arms it.
 */
static void test_kick_keeps_lapic(void **state)
{
	struct timer a, b;
	int calls;

	(void)state;
	init_ab(&a, &b);
	set_timer(&a, 5000);
	set_timer(&b, 8000);
	calls = lapic_calls;
	timer_kick_serve(); /* nothing due */
	assert_int_equal(lapic_calls, calls);
	fake_now = 5000;
	timer_kick_serve(); /* a is due; the LAPIC fires at 5000 anyway */
	assert_int_equal(fired, 1);
	assert_int_equal(order[0], 'a');
	assert_int_equal(lapic_calls, calls);
	timer_softirq(); /* that interrupt: armed for b */
	assert_int_equal(lapic_calls, calls + 1);
	assert_int_equal(lapic_ns, 3000);
	fake_now = 8000;
	timer_softirq();
	assert_int_equal(fired, 2);
	assert_int_equal(order[1], 'b');
}

/*
 * A timer armed for a time already past says so (timer_due_now, which the
 * way back to a guest looks at) and timer_run_due runs it at once; one
 * armed ahead does not. run_due clears the flag, found due or not.
 */
static void test_past_deadline_due_now(void **state)
{
	struct timer a, b;

	(void)state;
	init_ab(&a, &b);
	fake_now = 5000;
	set_timer(&a, 6000);
	assert_false(timer_due_now_here());
	timer_softirq(); /* the LAPIC fired early: nothing due, armed again */
	set_timer(&b, 4000); /* before a, and past */
	assert_true(timer_due_now_here());
	timer_run_due();
	assert_false(timer_due_now_here());
	assert_int_equal(fired, 1);
	assert_int_equal(order[0], 'b');
	assert_true(a.active);
	timer_run_due(); /* nothing due now */
	assert_int_equal(fired, 1);
	stop_timer(&a);
}

/*
 * The try form of @data's callback (timer_softirq_unlocked): records the
 * name in upper case when try_ok, else does nothing.
 */
static bool try_ok;

static bool try_record(void *data)
{
	if (!try_ok)
		return false;
	order[fired++] = (char)(*(const char *)data - 'a' + 'A');
	return true;
}

static void init_try(struct timer *t, const char *name)
{
	init_timer(t, record, (void *)name);
	t->try_fn = try_record;
}

/*
 * timer_softirq_unlocked runs the owner's due try_fn timers in order and
 * re-arms the LAPIC for what is left; an early interrupt only re-arms it.
 */
static void test_unlocked_runs_owners_timers(void **state)
{
	struct timer a, a2, b;

	(void)state;
	try_ok = true;
	init_try(&a, &name_a);
	init_try(&a2, &name_a);
	init_timer(&b, record, (void *)&name_b);
	set_timer(&a, 2000);
	set_timer(&a2, 2500);
	set_timer(&b, 4000);
	fake_now = 1500; /* early */
	assert_true(timer_softirq_unlocked(&name_a));
	assert_int_equal(fired, 0);
	assert_int_equal(lapic_ns, 500);
	fake_now = 3000;
	assert_true(timer_softirq_unlocked(&name_a));
	assert_int_equal(fired, 2);
	assert_memory_equal(order, "AA", 2);
	assert_false(a.active || a2.active);
	assert_true(b.active);
	/* b's, 1000 ns ahead */
	assert_int_equal(lapic_ns, 1000);
	assert_int_equal(counted[HCSTATS_TIMER_TRY], 0); /* hcstats off */
	stop_timer(&b);
}

/*
 * A due timer that needs the lock (no try_fn, another owner's) stops the
 * unlocked run with it still listed, and timer_softirq() runs it and the
 * rest; nothing of the owner's behind it runs first.
 */
static void test_unlocked_stops_at_locked_timer(void **state)
{
	struct timer a, b, c;
	static const char nc = 'c';

	(void)state;
	try_ok = true;
	init_try(&a, &name_a);
	init_timer(&b, record, (void *)&name_b);
	init_try(&c, &nc); /* another owner's try_fn timer */
	set_timer(&b, 2000);
	set_timer(&a, 2500);
	fake_now = 3000;
	assert_false(timer_softirq_unlocked(&name_a));
	assert_int_equal(fired, 0);
	assert_true(a.active && b.active);
	timer_softirq();
	assert_int_equal(fired, 2);
	assert_memory_equal(order, "ba", 2);
	set_timer(&c, 3500);
	fake_now = 4000;
	assert_false(timer_softirq_unlocked(&name_a));
	assert_int_equal(fired, 2);
	assert_true(c.active);
	timer_softirq();
	assert_int_equal(order[2], 'c');
}

/*
 * A try_fn that did nothing (a busy event lock): the timer is off its list
 * and its callback runs under the lock, first, from timer_softirq(); the
 * one behind it then, and the LAPIC is armed for the last.
 */
static void test_unlocked_failed_try(void **state)
{
	struct timer a, a2, b;

	(void)state;
	init_try(&a, &name_a);
	init_try(&a2, &name_a);
	init_timer(&b, record, (void *)&name_b);
	set_timer(&a, 2000);
	set_timer(&a2, 2100);
	set_timer(&b, 9000);
	fake_now = 2500;
	hcstats_on = true;
	try_ok = false;
	assert_false(timer_softirq_unlocked(&name_a));
	assert_int_equal(fired, 0);
	assert_false(a.active);
	assert_true(a2.active);
	assert_int_equal(counted[HCSTATS_TIMER_TRY], 1);
	timer_softirq();
	assert_int_equal(fired, 2);
	assert_memory_equal(order, "aa", 2);
	assert_int_equal(lapic_ns, 6500);
	timer_softirq(); /* the failed one is not run twice */
	assert_int_equal(fired, 2);
	stop_timer(&b);
}

/*
 * migrate_timer: an armed timer leaves its CPU's list for the new CPU's,
 * for the same expiry, and fires there, not here; the new CPU is kicked
 * when it becomes its soonest. An idle timer only changes CPU; set later,
 * it joins the new CPU's list. Moving it to the CPU it is on does nothing.
 */
static void test_migrate(void **state)
{
	struct timer a, b;
	int calls;

	(void)state;
	init_ab(&a, &b);
	set_timer(&a, 2000);
	calls = lapic_calls;
	migrate_timer(&a, 1);
	assert_int_equal(a.cpu, 1);
	assert_true(a.active);
	assert_int_equal(a.expires, 2000);
	assert_int_equal(kicks, 1);
	assert_int_equal(kicked_cpu, 1);
	assert_int_equal(lapic_calls, calls); /* this CPU's early interrupt finds nothing */
	fake_now = 3000;
	timer_softirq();
	assert_int_equal(fired, 0);
	assert_true(a.active);
	/* Back here, already due: it fires at this CPU's next interrupt. */
	migrate_timer(&a, 0);
	assert_int_equal(a.cpu, 0);
	timer_softirq();
	assert_int_equal(fired, 1);
	assert_false(a.active);
	/* Idle: moved without a kick; armed afterwards, it joins CPU 2's list. */
	migrate_timer(&b, 2);
	assert_int_equal(kicks, 1);
	assert_false(b.active);
	set_timer(&b, 5000);
	assert_int_equal(kicks, 2);
	assert_int_equal(kicked_cpu, 2);
	migrate_timer(&b, 2);
	assert_int_equal(kicks, 2);
	fake_now = 9000;
	timer_softirq();
	assert_int_equal(fired, 1);
	stop_timer(&b);
	assert_false(b.active);
}

/* ---- Moving timers between fake CPUs, against each CPU's LAPIC record. */

static void on_cpu(unsigned int cpu)
{
	host_cpu_info.cpu_id = cpu;
}

/* Each CPU serves its pending kick (run from its IPI handler); back on CPU 0. */
static void serve_kicks(void)
{
	while (kicks_pending) {
		unsigned int cpu = (unsigned int)__builtin_ctzll(kicks_pending);

		kicks_pending &= ~(1UL << cpu);
		on_cpu(cpu);
		timer_kick_serve();
	}
	on_cpu(0);
}

/*
 * Let time run to @until: each LAPIC that fires by then interrupts its CPU
 * (timer_softirq) at its firing time, soonest first, and the kicks the
 * callbacks sent are served at once.
 */
static void run_until(u64 until)
{
	for (;;) {
		int cpu = -1;

		for (int c = 0; c < NCPU; c++) {
			if (hw_on[c] && hw_at[c] <= until && (cpu < 0 || hw_at[c] < hw_at[cpu]))
				cpu = c;
		}
		if (cpu < 0)
			break;
		if (hw_at[cpu] > fake_now)
			fake_now = hw_at[cpu];
		hw_on[cpu] = false;
		on_cpu((unsigned int)cpu);
		timer_softirq();
		serve_kicks();
	}
	if (until > fake_now)
		fake_now = until;
	on_cpu(0);
}

/*
 * No CPU can miss its soonest timer: every CPU with one has its LAPIC
 * armed to fire at or before it (or at the next tick, when it is due
 * already), and no timer is overdue once the interrupts due have run.
 */
static void assert_lapics_cover(void)
{
	for (unsigned int c = 0; c < NCPU; c++) {
		u64 soonest;

		on_cpu(c);
		soonest = timer_next_expiry();
		if (soonest == ~0ULL)
			continue;
		if (!hw_on[c] || hw_at[c] > (soonest > fake_now ? soonest : fake_now + 1))
			fail_msg("CPU%u: soonest timer %llu, LAPIC %s for %llu (now %llu)", c,
				 (unsigned long long)soonest, hw_on[c] ? "armed" : "not armed",
				 (unsigned long long)hw_at[c], (unsigned long long)fake_now);
	}
	on_cpu(0);
}

/* What fired: which timer, on which CPU, at what time, against its expiry. */
struct shot {
	struct timer t;
	int fired;
	unsigned int cpu;
	u64 at;
};

static void shot_fn(void *data)
{
	struct shot *s = data;

	assert_int_equal(smp_processor_id(), s->t.cpu); /* runs where it belongs */
	assert_true(fake_now >= s->t.expires);
	s->fired++;
	s->cpu = smp_processor_id();
	s->at = fake_now;
}

/* @s, set up on @cpu, armed for @expires from CPU @from. */
static void shot_arm(struct shot *s, unsigned int cpu, unsigned int from, u64 expires)
{
	memset(s, 0, sizeof(*s));
	init_timer_on(&s->t, shot_fn, s, cpu);
	on_cpu(from);
	set_timer(&s->t, expires);
	serve_kicks();
}

static void migrate_from(unsigned int from, struct timer *t, unsigned int cpu)
{
	on_cpu(from);
	migrate_timer(t, cpu);
	serve_kicks();
}

static void assert_fired(const struct shot *s, unsigned int cpu, u64 at)
{
	assert_int_equal(s->fired, 1);
	assert_int_equal(s->cpu, cpu);
	assert_int_equal(s->at, at);
}

/*
 * Both on CPU 1, each CPU's LAPIC covering its timers throughout: run to
 * @x_by, when @x has fired (at @x_at) and @y not; then to @y_by (@y at @y_at).
 */
static void fire_in_turn(struct shot *x, u64 x_by, u64 x_at, struct shot *y, u64 y_by, u64 y_at)
{
	assert_lapics_cover();
	run_until(x_by);
	assert_fired(x, 1, x_at);
	assert_int_equal(y->fired, 0);
	assert_lapics_cover();
	run_until(y_by);
	assert_fired(y, 1, y_at);
}

/* Every fake CPU idle: no timers, LAPIC quiet (its last interrupt taken). */
static int setup_cpus(void **state)
{
	setup(state);
	for (unsigned int c = 0; c < NCPU; c++) {
		on_cpu(c);
		assert_true(timer_next_expiry() == ~0ULL);
		timer_softirq();
		hw_on[c] = false;
	}
	on_cpu(0);
	kicks_pending = 0;
	return 0;
}

/*
 * A timer moved to a CPU whose LAPIC fires before it waits for that
 * interrupt (no write, no kick needed); moved to one whose LAPIC fires
 * after it, the new CPU is kicked and arms its LAPIC for it. Either way it
 * fires on time on the new CPU; the old CPU's LAPIC fires for nothing.
 */
static void test_migrate_lapic_earlier_later(void **state)
{
	struct shot a, b, c;

	(void)state;
	shot_arm(&b, 1, 1, 2000);
	shot_arm(&a, 0, 0, 3000);
	assert_true(hw_on[1] && hw_at[1] == 2000);
	kicks = 0;
	migrate_from(0, &a.t, 1); /* CPU1 armed earlier */
	assert_int_equal(kicks, 0);
	fire_in_turn(&b, 2500, 2000, &a, 4000, 3000);

	/* CPU1 armed later than the timer that moves there. */
	shot_arm(&b, 1, 1, 9000);
	shot_arm(&a, 0, 0, 6000);
	assert_true(hw_at[1] == 9000);
	migrate_from(0, &a.t, 1);
	assert_int_equal(kicked_cpu, 1);
	assert_true(hw_on[1] && hw_at[1] == 6000);
	assert_lapics_cover();
	run_until(7000);
	assert_fired(&a, 1, 6000);
	assert_int_equal(b.fired, 0);
	/* The old CPU stays armed for a: that interrupt finds nothing. */
	assert_false(hw_on[0]);
	assert_lapics_cover();
	/* A second timer of the old CPU keeps its LAPIC covered. */
	shot_arm(&a, 0, 0, 9500);
	shot_arm(&c, 0, 0, 12000);
	migrate_from(0, &a.t, 1);
	assert_lapics_cover();
	run_until(20000);
	assert_fired(&b, 1, 9000);
	assert_fired(&a, 1, 9500);
	assert_fired(&c, 0, 12000);
}

/*
 * The new CPU's LAPIC has fired but its interrupt is not taken yet (its
 * record still says armed, for a time now past): the moved timer, later
 * than that, is armed by the interrupt; already due, it fires at the kick
 * or at that interrupt.
 */
static void test_migrate_onto_fired_lapic(void **state)
{
	struct shot a, b;

	(void)state;
	shot_arm(&b, 1, 1, 2000);
	shot_arm(&a, 0, 0, 2600);
	fake_now = 2500; /* CPU1's LAPIC fired at 2000; interrupts off there */
	migrate_from(2, &a.t, 1);
	fire_in_turn(&b, 2500, 2500, &a, 3000, 2600); /* b's interrupt taken late */

	/* Moved when already due, before the interrupt of the target is taken. */
	shot_arm(&b, 1, 1, 3500);
	shot_arm(&a, 0, 0, 3200);
	fake_now = 3600;
	migrate_from(0, &a.t, 1); /* the kick runs it */
	assert_int_equal(a.fired, 1);
	assert_int_equal(a.cpu, 1);
	assert_lapics_cover();
	run_until(3600);
	assert_int_equal(b.fired, 1);
	assert_int_equal(b.cpu, 1);
}

/*
 * The CPU moving the timer may be its new CPU (it arms its own LAPIC, no
 * kick) or a third one (the new CPU is kicked).
 */
static void test_migrate_here_and_from_third(void **state)
{
	struct shot a, b;

	(void)state;
	shot_arm(&b, 2, 2, 8000);
	shot_arm(&a, 1, 1, 5000);
	kicks = 0;
	migrate_from(2, &a.t, 2);
	assert_int_equal(kicks, 0);
	assert_true(hw_on[2] && hw_at[2] == 5000);
	assert_lapics_cover();
	migrate_from(0, &a.t, 3);
	assert_int_equal(kicks, 1);
	assert_int_equal(kicked_cpu, 3);
	assert_true(hw_on[3] && hw_at[3] == 5000);
	assert_lapics_cover();
	/* Back and forth: each CPU's LAPIC still covers what it has. */
	migrate_from(1, &a.t, 2);
	migrate_from(3, &b.t, 3);
	migrate_from(2, &a.t, 3);
	assert_lapics_cover();
	run_until(10000);
	assert_fired(&a, 3, 5000);
	assert_fired(&b, 3, 8000);
}

/* ---- Moved while its callback runs on the old CPU. */

static struct shot moving;
static unsigned int moving_mode;
static struct shot *moving_other;

/*
 * Runs on CPU 0: meanwhile CPU 2 moves it to CPU 1 (mode 0: before it
 * re-arms itself, mode 1: after), or (mode 2) moves @moving_other, due
 * too and next on CPU 0's list, to CPU 1.
 */
static void moving_fn(void *data)
{
	shot_fn(data);
	if (moving.fired > 1)
		return;
	if (moving_mode == 1)
		set_timer(&moving.t, fake_now + 1000);
	on_cpu(2);
	migrate_timer(moving_mode == 2 ? &moving_other->t : &moving.t, 1);
	on_cpu(0);
	if (moving_mode == 0)
		set_timer(&moving.t, fake_now + 1000);
}

static void test_migrate_while_running(void **state)
{
	struct shot other;

	(void)state;
	for (moving_mode = 0; moving_mode < 2; moving_mode++) {
		memset(&moving, 0, sizeof(moving));
		init_timer_on(&moving.t, moving_fn, &moving, 0);
		set_timer(&moving.t, fake_now + 500);
		run_until(fake_now + 500);
		assert_int_equal(moving.fired, 1);
		assert_int_equal(moving.t.cpu, 1);
		assert_true(moving.t.active);
		assert_lapics_cover();
		run_until(fake_now + 1000);
		assert_int_equal(moving.fired, 2);
		assert_int_equal(moving.cpu, 1);
		assert_lapics_cover();
	}
	/* Another due timer of CPU 0 moved away while CPU 0 runs its due ones. */
	moving_mode = 2;
	memset(&moving, 0, sizeof(moving));
	init_timer_on(&moving.t, moving_fn, &moving, 0);
	set_timer(&moving.t, fake_now + 500);
	shot_arm(&other, 0, 0, fake_now + 500); /* after moving on the list */
	moving_other = &other;
	run_until(fake_now + 700);
	assert_int_equal(moving.fired, 1);
	assert_int_equal(other.fired, 1);
	assert_int_equal(other.cpu, 1);
	assert_lapics_cover();
}

/*
 * Many timers armed, stopped and moved by any CPU at random times, with
 * interrupts delivered in time order: after every step each CPU's LAPIC
 * covers its soonest timer, and every timer fires once per arming, where
 * it belongs, at its expiry (or at the next tick when armed in the past).
 */
static void test_migrate_random(void **state)
{
	enum { N = 8 };
	static struct shot s[N];
	u64 due[N];
	int armings[N];
	u32 seed = 12345;

	(void)state;
	for (int i = 0; i < N; i++) {
		memset(&s[i], 0, sizeof(s[i]));
		init_timer_on(&s[i].t, shot_fn, &s[i], (unsigned int)i % NCPU);
		armings[i] = 0;
		due[i] = 0;
	}
	for (int step = 0; step < 20000; step++) {
		unsigned int r, i, from;

		seed = seed * 1103515245u + 12345u;
		r = seed >> 8;
		i = r % N;
		from = (r >> 4) % NCPU;
		switch ((r >> 8) % 4) {
		case 0:
			on_cpu(from);
			set_timer(&s[i].t, fake_now - 200 + (r >> 10) % 3000);
			armings[i] = s[i].fired + 1;
			due[i] = s[i].t.expires > fake_now ? s[i].t.expires : fake_now + 1;
			break;
		case 1:
			on_cpu(from);
			stop_timer(&s[i].t);
			armings[i] = s[i].fired;
			break;
		case 2:
			migrate_from(from, &s[i].t, (r >> 10) % NCPU);
			if (s[i].t.active && due[i] <= fake_now)
				due[i] = fake_now + 1;
			break;
		default:
			run_until(fake_now + (r >> 10) % 400);
			break;
		}
		serve_kicks();
		assert_lapics_cover();
		for (int j = 0; j < N; j++) {
			if (s[j].t.active)
				continue;
			assert_int_equal(s[j].fired, armings[j]); /* once per arming */
			if (s[j].fired && s[j].at > due[j])
				fail_msg("timer %d fired at %llu, due at %llu", j,
					 (unsigned long long)s[j].at, (unsigned long long)due[j]);
		}
	}
	for (int i = 0; i < N; i++)
		stop_timer(&s[i].t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_order_and_programming, setup),
		cmocka_unit_test_setup(test_stop_and_move, setup),
		cmocka_unit_test_setup(test_past_and_rearm, setup),
		cmocka_unit_test_setup(test_other_cpu, setup),
		cmocka_unit_test_setup(test_kick_keeps_lapic, setup),
		cmocka_unit_test_setup(test_past_deadline_due_now, setup),
		cmocka_unit_test_setup(test_unlocked_runs_owners_timers, setup),
		cmocka_unit_test_setup(test_unlocked_stops_at_locked_timer, setup),
		cmocka_unit_test_setup(test_unlocked_failed_try, setup),
		cmocka_unit_test_setup(test_migrate, setup),
		cmocka_unit_test_setup(test_migrate_lapic_earlier_later, setup_cpus),
		cmocka_unit_test_setup(test_migrate_onto_fired_lapic, setup_cpus),
		cmocka_unit_test_setup(test_migrate_here_and_from_third, setup_cpus),
		cmocka_unit_test_setup(test_migrate_while_running, setup_cpus),
		cmocka_unit_test_setup(test_migrate_random, setup_cpus),
	};

	return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
