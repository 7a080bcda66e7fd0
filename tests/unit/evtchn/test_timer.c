/*
 * Hypervisor timers (xen/common/timer.c) against a fake clock and a fake
 * LAPIC: expiry order, what the LAPIC is programmed with (only ever moved
 * earlier, also by a kick), stop, re-arming from a callback, expiries
 * in the past, and moving a timer to another CPU.
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
#include "hcstats.h"

static u64 fake_now;
static u64 lapic_ns; /* last apic_timer_oneshot() argument */
static int lapic_calls;

u64 system_time(void)
{
	return fake_now;
}

void apic_timer_oneshot(u64 ns)
{
	lapic_ns = ns;
	lapic_calls++;
}

/* hcstats: what the timer code counted, by HCSTATS_TIMER op. */
bool hcstats_on;
static u64 counted[2];

void hcstats_add(enum hcstats_kind kind, unsigned int op, u64 start)
{
	assert_int_equal(kind, HCSTATS_TIMER);
	assert_true(start != 0 && op < 2);
	counted[op]++;
}

/* An ASSERT of the timer code (lock held) that fails ends the test. */
void panic(const char *fmt, ...)
{
	fail_msg("panic: %s", fmt);
	abort();
}

static unsigned int kicked_cpu, kicks;

void timer_kick_cpu(unsigned int cpu)
{
	kicked_cpu = cpu;
	kicks++;
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_order_and_programming, setup),
		cmocka_unit_test_setup(test_stop_and_move, setup),
		cmocka_unit_test_setup(test_past_and_rearm, setup),
		cmocka_unit_test_setup(test_other_cpu, setup),
		cmocka_unit_test_setup(test_kick_keeps_lapic, setup),
		cmocka_unit_test_setup(test_migrate, setup),
	};

	return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
