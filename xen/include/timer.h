/*
 * Hypervisor timers (xen/common/timer.c) and guest-visible system time
 * (xen/arch/x86/time.c).
 *
 * System time is nanoseconds since boot, computed from the TSC with exactly
 * the scale that the guests' vcpu_time_info records carry, so that a
 * deadline a guest computes from its pvclock means the same instant here.
 */
#ifndef PETREL_TIMER_H
#define PETREL_TIMER_H

#include "types.h"
#include "smp.h"

struct vcpu;
struct domain;

/* One pending callback at an absolute system time. Zero-filled = inactive. */
struct timer {
	u64 expires; /* system time, ns */
	void (*fn)(void *data);
	/*
	 * fn's form that runs without hv_lock (NULL: none), from the timer
	 * interrupt of the CPU whose running vCPU @data is
	 * (timer_softirq_unlocked): false when it did nothing, and fn must run
	 * under the lock instead.
	 */
	bool (*try_fn)(void *data);
	void *data;
	bool active;
	unsigned int cpu;   /* whose list it joins and where fn runs (migrate_timer) */
	struct timer *next; /* sorted list of active timers, soonest first */
};

#define MILLISECS(ms) ((u64)(ms)*1000000ULL)
#define SECONDS(s) ((u64)(s)*1000000000ULL)

/* A timer of this CPU / of CPU @cpu. */
void init_timer(struct timer *t, void (*fn)(void *), void *data);
void init_timer_on(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu);
/* (Re)arm @t for @expires; an expiry in the past fires at the next tick. */
void set_timer(struct timer *t, u64 expires);
void stop_timer(struct timer *t);
/* Move @t to CPU @cpu's list, armed or not (its callback runs there from now on). */
void migrate_timer(struct timer *t, unsigned int cpu);
/* This CPU's soonest timer's expiry (system time), ~0 when it has none. */
u64 timer_next_expiry(void);
/* The LAPIC timer fired: run this CPU's expired timers and arm it for the next one. */
void timer_softirq(void);
/*
 * The LAPIC timer fired while this CPU ran @owner in the guest, and this
 * CPU does not hold hv_lock: run the due timers of @owner that have a
 * try_fn, soonest first, and arm the LAPIC for the next one. False when a
 * due timer needs the lock (another owner, no try_fn, or a try_fn that did
 * nothing): the caller takes hv_lock and calls timer_softirq(), which runs
 * the rest (a failed try_fn's fn first).
 */
bool timer_softirq_unlocked(const void *owner);
/* The timer_unlocked boot option: whether the timer interrupt tries the above. */
extern bool timer_unlocked_on;
/* Run this CPU's timers that are due now (before a guest entry). */
void timer_run_due(void);
/* A timer of this CPU was armed for a time already past: timer_run_due() before the guest runs. */
DECLARE_PER_CPU(bool, timer_due_now);
static inline bool timer_due_now_here(void)
{
	return this_cpu(timer_due_now);
}
/* A kick (timer_kick_cpu): run the expired timers, arm the LAPIC earlier if needed. */
void timer_kick_serve(void);
/* The hang dump: @cpu's LAPIC record and armed timers. */
void timer_dump_cpu(unsigned int cpu);
/* arch: make @cpu run timer_kick_serve soon (its soonest timer changed). */
void timer_kick_cpu(unsigned int cpu);

/* arch/x86/time.c */
/* System time in ns: the pvclock formula applied to the TSC now. */
u64 system_time(void);
/* Write @v's vcpu_time_info (version odd while writing). */
void update_vcpu_system_time(struct vcpu *v);
/* Publish the wallclock (wall time at system time 0) in @d's shared_info. */
void update_domain_wallclock(struct domain *d);
/* @d's wall-clock time now, ns since 1970 (what its shared_info tells it). */
u64 domain_wall_ns(const struct domain *d);
/* XENPF_settime: the wall time was @secs.@nsecs at system time @stime (ns). */
void wallclock_set(u64 secs, u32 nsecs, u64 stime);
/* On each return to a PV guest: first-run time setup, pvclock upkeep. */
void pv_time_check(struct vcpu *v);
/* Before an HVM vCPU's first entry: its timers and pvclock. */
void hvm_time_check(struct vcpu *v);
/* Unix time read from the CMOS RTC at the first call (seconds). */
u64 rtc_boot_seconds(void);

/*
 * Xen's pvclock scale for a clock of @hz ticks per second: ns =
 * ((ticks << shift) * mul) >> 32, shift negative meaning a right shift.
 * Exposed for the unit tests.
 */
void pvclock_scale(u64 hz, u32 *mul, s8 *shift);
u64 pvclock_apply(u64 ticks, u32 mul, s8 shift);
/* Xen's CPUID time leaf for @d, sub-leaf @sub. */
#define XEN_CPUID_TIME_LEAF 0x40000003u
void cpuid_time_leaf(const struct domain *d, u32 sub, u32 *a, u32 *b, u32 *c, u32 *dx);

/* common/vcpu.c: timers and runstate of a vCPU. */
void vcpu_timers_init(struct vcpu *v);
/* Enter RUNSTATE_* @state now and write the guest's runstate area (if reachable). */
void vcpu_runstate_change(struct vcpu *v, int state);
/* @v now current: write the runstate area a change made elsewhere could not reach. */
void vcpu_runstate_publish(struct vcpu *v);
/* @v's CPU changed: move its timers there. */
void vcpu_timers_follow(struct vcpu *v);
/* Stop every timer of @v for good (its domain is going away). */
void vcpu_timers_kill(struct vcpu *v);
/* common/console_io.c: poll the UART for VIRQ_CONSOLE input from now on. */
void console_input_start(struct domain *d);

long do_vcpu_op(unsigned long cmd, unsigned long vcpuid, unsigned long arg);
long do_set_timer_op(unsigned long timeout);
/* Hypercall @nr with arguments @a acts only on @v's (current's) singleshot timer, on this CPU. */
bool vcpu_timer_op_is_own(const struct vcpu *v, u64 nr, const unsigned long a[5]);

#endif
