/*
 * Fake timers for the unit suites that link code arming timers without
 * xen/common/timer.c: a timer only records its handler, its CPU, its
 * expiry and whether it is armed (migrate_timer only changes its CPU); a
 * suite fires one itself (t->fn(t->data)). It defines the functions: one
 * file of a suite includes it.
 */
#ifndef PETREL_UNIT_FAKE_TIMER_H
#define PETREL_UNIT_FAKE_TIMER_H

#include <string.h>
#include "timer.h"

/* The last timer set_timer armed. */
struct timer *fake_timer_last;

void init_timer(struct timer *t, void (*fn)(void *), void *data)
{
	memset(t, 0, sizeof(*t));
	t->fn = fn;
	t->data = data;
}

void init_timer_on(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
	init_timer(t, fn, data);
	t->cpu = cpu;
}

void set_timer(struct timer *t, u64 expires)
{
	fake_timer_last = t;
	t->expires = expires;
	t->active = true;
}

void stop_timer(struct timer *t)
{
	t->active = false;
}

/* As timer.c's: an armed timer stays armed, for the same time, on @cpu. */
void migrate_timer(struct timer *t, unsigned int cpu)
{
	t->cpu = cpu;
}

void timer_dump_cpu(unsigned int cpu)
{
	(void)cpu;
}

#endif
