/*
 * Hypervisor timers: one sorted list per CPU, soonest first, driving that
 * CPU's one-shot LAPIC timer. A timer belongs to one CPU (t->cpu, fixed at
 * init) and its callback runs there, from the timer interrupt
 * (timer_softirq), with interrupts disabled, whether the CPU was in a guest
 * or idle.
 */
#include "types.h"
#include "apic.h"
#include "smp.h"
#include "timer.h"

static DEFINE_PER_CPU(struct timer *, timer_list);

void init_timer_on(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
	t->fn = fn;
	t->data = data;
	t->active = false;
	t->next = NULL;
	t->cpu = cpu;
}

void init_timer(struct timer *t, void (*fn)(void *), void *data)
{
	init_timer_on(t, fn, data, smp_processor_id());
}

static void list_remove(struct timer *t)
{
	for (struct timer **pp = &per_cpu(timer_list, t->cpu); *pp; pp = &(*pp)->next) {
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
	struct timer **pp = &per_cpu(timer_list, t->cpu);

	while (*pp && (*pp)->expires <= t->expires)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->active = true;
}

/* Arm this CPU's LAPIC for its soonest timer (at least 1 ns ahead), or disarm it. */
static void program_hw(void)
{
	struct timer *first = this_cpu(timer_list);
	u64 now;

	if (!first) {
		apic_timer_oneshot(0);
		return;
	}
	now = system_time();
	apic_timer_oneshot(first->expires > now ? first->expires - now : 1);
}

/* @cpu's soonest timer changed: reprogram here, or have @cpu do it. */
static void reprogram(unsigned int cpu)
{
	if (cpu == smp_processor_id())
		program_hw();
	else
		timer_kick_cpu(cpu);
}

void set_timer(struct timer *t, u64 expires)
{
	if (t->active)
		list_remove(t);
	t->expires = expires;
	list_insert(t);
	if (per_cpu(timer_list, t->cpu) == t)
		reprogram(t->cpu);
}

void stop_timer(struct timer *t)
{
	bool was_first = per_cpu(timer_list, t->cpu) == t;

	if (!t->active)
		return;
	list_remove(t);
	if (was_first)
		reprogram(t->cpu);
}

/* The LAPIC may fire a little early (its clock is not the TSC): re-check. */
void timer_softirq(void)
{
	struct timer **list = &this_cpu(timer_list);
	u64 now = system_time();

	while (*list && (*list)->expires <= now) {
		struct timer *t = *list;

		list_remove(t);
		if (t->fn)
			t->fn(t->data); /* may re-arm t */
		now = system_time();
	}
	program_hw();
}
