/*
 * Hypervisor timers: one sorted list per CPU, soonest first, driving that
 * CPU's one-shot LAPIC timer. A timer belongs to one CPU (t->cpu, set at
 * init, changed by migrate_timer) and its callback runs there, from the
 * timer interrupt (timer_softirq), with interrupts disabled, whether the CPU
 * was in a guest or idle.
 *
 * Each CPU's list has a lock (taken with interrupts off), so any CPU may
 * set or stop any timer. t->cpu changes only with both its old and its new
 * CPU's locks held. A callback runs without the lock: it may re-arm its own
 * timer.
 */
#include "types.h"
#include "apic.h"
#include "smp.h"
#include "timer.h"
#include "spinlock.h"
#include "hcstats.h"
#include "console.h"

static DEFINE_PER_CPU(struct timer *, timer_list);
static DEFINE_PER_CPU(spinlock_t, timer_lock);
/*
 * The deadline this CPU's LAPIC timer is armed for, if hw_armed. Writing
 * the LAPIC is costly (under QEMU it re-arms a host timer), so the timer
 * is only ever moved earlier: a later soonest timer, or none, leaves it
 * armed, and the early interrupt finds nothing due and re-arms it for
 * what is left.
 */
static DEFINE_PER_CPU(bool, hw_armed);
static DEFINE_PER_CPU(u64, hw_deadline);
/*
 * A timer of this CPU was armed for a time already past (a guest's
 * singleshot deadline that went by before it was set): the way back to a
 * guest runs it (timer_run_due) before the guest goes on, as Xen's timer
 * softirq does, instead of the guest running on until the LAPIC's
 * one-tick interrupt comes (under TCG, well after).
 */
__hvm_data DEFINE_PER_CPU(bool, timer_due_now);
/*
 * A timer whose try_fn did nothing in timer_softirq_unlocked: off its
 * list, its fn still to run, which the caller's timer_softirq() does
 * first, under hv_lock. Only a running vCPU's own timer is left here, and
 * that vCPU stays alive and on this CPU until then.
 */
static DEFINE_PER_CPU(struct timer *, timer_left);
bool timer_unlocked_on;

static unsigned int timer_cpu(const struct timer *t)
{
	return __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
}

/*
 * Lock @t's CPU's list (interrupts off). A migration may move @t between
 * the read of t->cpu and the lock: then the lock taken is the wrong one,
 * and the read is made again.
 */
static unsigned long timer_lock_of(const struct timer *t)
{
	for (;;) {
		unsigned int cpu = timer_cpu(t);
		unsigned long flags;

		spin_lock_irqsave(&per_cpu(timer_lock, cpu), flags);
		if (t->cpu == cpu)
			return flags;
		spin_unlock_irqrestore(&per_cpu(timer_lock, cpu), flags);
	}
}

static void timer_unlock_of(const struct timer *t, unsigned long flags)
{
	spin_unlock_irqrestore(&per_cpu(timer_lock, t->cpu), flags);
}

void init_timer_on(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
	t->fn = fn;
	t->try_fn = NULL;
	t->data = data;
	t->active = false;
	t->next = NULL;
	t->cpu = cpu;
}

void init_timer(struct timer *t, void (*fn)(void *), void *data)
{
	init_timer_on(t, fn, data, smp_processor_id());
}

/*
 * The expiry of each CPU's soonest timer (~0 for none), kept with its list
 * under its lock and read without it: timer_run_due's test on every HVM
 * exit. A timer another CPU sets sooner on this one comes with a kick.
 */
static __hvm_data DEFINE_PER_CPU(u64, timer_first) = { [0 ... NR_CPUS - 1] = ~0ULL };

static void note_first(unsigned int cpu)
{
	const struct timer *first = per_cpu(timer_list, cpu);

	__atomic_store_n(&per_cpu(timer_first, cpu), first ? first->expires : ~0ULL,
			 __ATOMIC_RELAXED);
}

static void list_remove(struct timer *t)
{
	ASSERT_LOCKED(&per_cpu(timer_lock, t->cpu));
	for (struct timer **pp = &per_cpu(timer_list, t->cpu); *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	t->next = NULL;
	t->active = false;
	note_first(t->cpu);
}

static void list_insert(struct timer *t)
{
	struct timer **pp = &per_cpu(timer_list, t->cpu);

	ASSERT_LOCKED(&per_cpu(timer_lock, t->cpu));
	while (*pp && (*pp)->expires <= t->expires)
		pp = &(*pp)->next;
	t->next = *pp;
	*pp = t;
	t->active = true;
	note_first(t->cpu);
}

/* Arm this CPU's LAPIC for its soonest timer (at least 1 ns ahead) unless it fires by then. */
static void program_hw(void)
{
	spinlock_t *lock = &this_cpu(timer_lock);
	unsigned long flags;
	struct timer *first;
	u64 now;

	spin_lock_irqsave(lock, flags);
	first = this_cpu(timer_list);
	if (first && !(this_cpu(hw_armed) && this_cpu(hw_deadline) <= first->expires)) {
		u64 start = hcstats_start();

		now = system_time();
		if (first->expires <= now)
			this_cpu(timer_due_now) = true;
		apic_timer_oneshot(first->expires > now ? first->expires - now : 1);
		hcstats_end(HCSTATS_TIMER, HCSTATS_TIMER_WRITE, start);
		this_cpu(hw_armed) = true;
		this_cpu(hw_deadline) = first->expires;
	}
	spin_unlock_irqrestore(lock, flags);
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
	unsigned long flags = timer_lock_of(t);
	unsigned int cpu = t->cpu;
	bool first;

	if (t->active)
		list_remove(t);
	t->expires = expires;
	list_insert(t);
	first = per_cpu(timer_list, cpu) == t;
	timer_unlock_of(t, flags);
	if (first)
		reprogram(cpu);
}

/*
 * A timer not pending is left alone without its list's lock: a set_timer
 * racing with this stop is as if it came after it (the lock orders them
 * no better, and an expiry runs its function with the lock let go).
 */
void stop_timer(struct timer *t)
{
	unsigned long flags;
	unsigned int cpu;
	bool was_first;

	if (!__atomic_load_n(&t->active, __ATOMIC_ACQUIRE))
		return;
	flags = timer_lock_of(t);
	cpu = t->cpu;
	was_first = per_cpu(timer_list, cpu) == t;
	if (!t->active) {
		timer_unlock_of(t, flags);
		return;
	}
	list_remove(t);
	timer_unlock_of(t, flags);
	if (was_first)
		reprogram(cpu);
}

/* Take CPUs @a's and @b's list locks, the lower-numbered first (interrupts off). */
static unsigned long lock_two_lists(unsigned int a, unsigned int b)
{
	unsigned long flags = local_irq_save();

	spin_lock(&per_cpu(timer_lock, a < b ? a : b));
	spin_lock(&per_cpu(timer_lock, a < b ? b : a));
	return flags;
}

static void unlock_two_lists(unsigned int a, unsigned int b, unsigned long flags)
{
	spin_unlock(&per_cpu(timer_lock, a));
	spin_unlock(&per_cpu(timer_lock, b));
	local_irq_restore(flags);
}

/*
 * Lock @t's CPU's list and @cpu's; returns @t's CPU (stable until the
 * unlock), read again when a migration moved @t meanwhile.
 */
static unsigned int lock_timer_and(const struct timer *t, unsigned int cpu, unsigned long *flags)
{
	for (;;) {
		unsigned int old = timer_cpu(t);

		*flags = lock_two_lists(old, cpu);
		if (t->cpu == old)
			return old;
		unlock_two_lists(old, cpu, *flags);
	}
}

void migrate_timer(struct timer *t, unsigned int cpu)
{
	unsigned long flags;
	unsigned int old;
	bool active, first = false;

	if (timer_cpu(t) == cpu)
		return;
	old = lock_timer_and(t, cpu, &flags);
	if (old == cpu) {
		unlock_two_lists(old, cpu, flags);
		return;
	}
	active = t->active;
	if (active)
		list_remove(t);
	__atomic_store_n(&t->cpu, cpu, __ATOMIC_RELEASE);
	if (active) {
		list_insert(t);
		first = per_cpu(timer_list, cpu) == t;
	}
	unlock_two_lists(old, cpu, flags);
	/* The old CPU's LAPIC stays armed: its interrupt finds nothing due. */
	if (first)
		reprogram(cpu);
}

u64 timer_next_expiry(void)
{
	spinlock_t *lock = &this_cpu(timer_lock);
	unsigned long flags;
	u64 expires;

	spin_lock_irqsave(lock, flags);
	expires = this_cpu(timer_list) ? this_cpu(timer_list)->expires : ~0ULL;
	spin_unlock_irqrestore(lock, flags);
	return expires;
}

static void run_fn(void (*fn)(void *), void *data)
{
	u64 start;

	if (!fn)
		return;
	start = hcstats_start();
	fn(data); /* may re-arm its timer */
	hcstats_end(HCSTATS_TIMER, HCSTATS_TIMER_FN, start);
}

/* Run this CPU's due timers; @fired: the LAPIC timer fired, so it is no longer armed. */
static void run_due(bool fired)
{
	struct timer **list = &this_cpu(timer_list);
	spinlock_t *lock = &this_cpu(timer_lock);
	struct timer *left = this_cpu(timer_left);
	unsigned long flags;
	u64 now;

	if (left) {
		this_cpu(timer_left) = NULL;
		run_fn(left->fn, left->data);
	}
	now = system_time();
	spin_lock_irqsave(lock, flags);
	this_cpu(timer_due_now) = false;
	if (fired)
		this_cpu(hw_armed) = false;
	while (*list && (*list)->expires <= now) {
		struct timer *t = *list;
		void (*fn)(void *) = t->fn;
		void *data = t->data;

		list_remove(t);
		spin_unlock_irqrestore(lock, flags);
		run_fn(fn, data);
		now = system_time();
		spin_lock_irqsave(lock, flags);
	}
	spin_unlock_irqrestore(lock, flags);
	program_hw();
}

/*
 * This CPU's soonest timer, off its list, if it is due and may run without
 * hv_lock (a try_fn of @owner's); the LAPIC record is cleared first when
 * @fired.
 */
static struct timer *take_due_unlocked(const void *owner, bool fired, bool *more)
{
	spinlock_t *lock = &this_cpu(timer_lock);
	unsigned long flags;
	struct timer *t;

	spin_lock_irqsave(lock, flags);
	if (fired) {
		this_cpu(timer_due_now) = false;
		this_cpu(hw_armed) = false;
	}
	t = this_cpu(timer_list);
	*more = t && t->expires <= system_time();
	if (*more && t->try_fn && t->data == owner)
		list_remove(t);
	else
		t = NULL;
	spin_unlock_irqrestore(lock, flags);
	return t;
}

bool timer_softirq_unlocked(const void *owner)
{
	bool more, fired = true;
	struct timer *t;

	while ((t = take_due_unlocked(owner, fired, &more))) {
		u64 start = hcstats_start();
		bool done = t->try_fn(t->data);

		hcstats_end(HCSTATS_TIMER, HCSTATS_TIMER_TRY, start);
		fired = false;
		if (!done) {
			this_cpu(timer_left) = t;
			return false;
		}
	}
	if (more)
		return false;
	program_hw();
	return true;
}

/* The LAPIC may fire a little early (its clock is not the TSC): re-check. */
void timer_softirq(void)
{
	run_due(true);
}

/*
 * Run this CPU's timers that are already due, as the LAPIC interrupt would
 * a moment later: a guest entered now would only exit again for them (a
 * vLAPIC one-shot of one tick). Interrupts are off while they run, as in
 * the interrupt. The LAPIC stays armed; its interrupt finds nothing due.
 */
__hvm_hot void timer_run_due(void)
{
	unsigned long flags;

	this_cpu(timer_due_now) = false;
	if (__atomic_load_n(&this_cpu(timer_first), __ATOMIC_RELAXED) > system_time())
		return;
	flags = local_irq_save();
	run_due(false);
	local_irq_restore(flags);
}

/*
 * A kick leaves the LAPIC armed (a scheduler's wake kicks too): it is only
 * moved earlier, when another CPU set a sooner timer on this one.
 */
void timer_kick_serve(void)
{
	run_due(false);
}

/*
 * The hang dump's timer lines: @cpu's LAPIC record and its list, soonest
 * first (at most 8: callback, data, expiry). Its lock is only tried: a CPU
 * stuck with it held shows as such instead of stopping the dump.
 */
void timer_dump_cpu(unsigned int cpu)
{
	spinlock_t *lock = &per_cpu(timer_lock, cpu);
	unsigned long flags = local_irq_save();
	unsigned int n = 0;

	if (!spin_trylock(lock)) {
		local_irq_restore(flags);
		printk("hang: timers CPU%u: list lock held\n", cpu);
		return;
	}
	printk("hang: timers CPU%u now %lu lapic %s %lu\n", cpu, system_time(),
	       per_cpu(hw_armed, cpu) ? "armed for" : "idle, last", per_cpu(hw_deadline, cpu));
	for (const struct timer *t = per_cpu(timer_list, cpu); t && n < 8; t = t->next, n++)
		printk("hang:   fn %p data %p expires %lu\n", (void *)t->fn, t->data, t->expires);
	spin_unlock(lock);
	local_irq_restore(flags);
}
