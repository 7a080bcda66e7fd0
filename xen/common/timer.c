/*
 * Hypervisor timers: one sorted list, soonest first, driving the one-shot
 * LAPIC timer. Callbacks run from the timer interrupt (timer_softirq), with
 * interrupts disabled, whether the CPU was in a guest or idle.
 */
#include "types.h"
#include "apic.h"
#include "timer.h"

static struct timer *timer_list;

void init_timer(struct timer *t, void (*fn)(void *), void *data)
{
	t->fn = fn;
	t->data = data;
	t->active = false;
	t->next = NULL;
}

static void list_remove(struct timer *t)
{
	for (struct timer **pp = &timer_list; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
	t->active = false;
}

static void list_insert(struct timer *t)
{
	struct timer **pp = &timer_list;

	while (*pp && (*pp)->expires <= t->expires)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->active = true;
}

/* Arm the LAPIC for the soonest timer (at least 1 ns ahead), or disarm it. */
static void program_hw(void)
{
	u64 now;

	if (!timer_list) {
		apic_timer_oneshot(0);
		return;
	}
	now = system_time();
	apic_timer_oneshot(timer_list->expires > now ? timer_list->expires - now : 1);
}

void set_timer(struct timer *t, u64 expires)
{
	if (t->active)
		list_remove(t);
	t->expires = expires;
	list_insert(t);
	if (timer_list == t)
		program_hw();
}

void stop_timer(struct timer *t)
{
	bool was_first = timer_list == t;

	if (!t->active)
		return;
	list_remove(t);
	if (was_first)
		program_hw();
}

/* The LAPIC may fire a little early (its clock is not the TSC): re-check. */
void timer_softirq(void)
{
	u64 now = system_time();

	while (timer_list && timer_list->expires <= now) {
		struct timer *t = timer_list;

		list_remove(t);
		if (t->fn)
			t->fn(t->data); /* may re-arm t */
		now = system_time();
	}
	program_hw();
}
