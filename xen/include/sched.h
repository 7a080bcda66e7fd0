/*
 * The scheduler (xen/common/scheduler.c): which vCPU each CPU runs.
 * docs/design.md ("Scheduler") describes the model; in short:
 *
 * - Hypercalls never sleep. SCHEDOP_block/poll mark the vCPU blocked and
 *   return; the switch happens on the way back to the guest, where
 *   schedule() runs if a reschedule is due.
 * - A vCPU runs when nothing stops it: no VPF_* flag, no pause, its domain
 *   not dying. Wakers (events, timers, unpause) put it on its CPU's run
 *   queue; what runs keeps its CPU for up to a time slice.
 * - Each CPU has its own run queue; a vCPU's processor (chosen when it
 *   is made, sched_pick_cpu, and changed only when its hard affinity
 *   excludes it) says which one holds it. A wake from another CPU kicks
 *   the vCPU's CPU with an IPI.
 * - The queue runs first the vCPU with the least running time weighed
 *   by its domain's credit weight; a capped domain's vCPUs wait once they
 *   used their share of the cap period.
 */
#ifndef PETREL_SCHED_H
#define PETREL_SCHED_H

#include "types.h"
#include "smp.h"

struct vcpu;
struct domain;

#define SCHED_SLICE_NS 30000000ULL	/* 30 ms, the credit scheduler's default */
#define SCHED_CAP_PERIOD_NS 30000000ULL /* a cap is a share of each 30 ms */
#define SCHED_DEFAULT_WEIGHT 256	/* Xen's default credit weight */
#define SCHED_RATELIMIT_NS 1000000ULL	/* 1 ms, Xen's sched_ratelimit_us default */
/*
 * sched_wake_ratelimit: the longest a deferred wake waits; sched_credit2_turns:
 * the longest turn while others wait and a sleeper's largest lead (credit2's longest slice,
 * CSCHED2_MAX_TIMER, and its credit per reset, CSCHED2_CREDIT_INIT).
 */
#define SCHED_WAKE_WAIT_NS 10000000ULL
/* sched_credit2_turns: the shortest turn (credit2's CSCHED2_MIN_TIMER). */
#define SCHED_MIN_TURN_NS 500000ULL

/* The time slice in use (SCHED_SLICE_NS until sysctl scheduler_op sets one). */
extern u64 sched_slice_ns;

/* The CPU vCPU @vcpu_id of a domain is placed on. */
unsigned int sched_pick_cpu(unsigned int vcpu_id);
/* The vcpus_on_cpu0 option: sched_pick_cpu() always answers CPU 0. */
extern bool sched_cpu0_only;
/*
 * The sched_wake_ratelimit option: a wake does not preempt a vCPU inside
 * its first SCHED_RATELIMIT_NS, as under credit2 (off: it preempts at its end).
 */
extern bool sched_wake_ratelimit;
/* The sched_credit2_turns option: credit2's sleeper lead and turn length. */
extern bool sched_credit2_turns;
/*
 * The sched_wake_wait_us option: with sched_wake_ratelimit, a deferred wake
 * also waits at most this long after it came (SCHED_WAKE_WAIT_NS by default,
 * which leaves the bound from the running vCPU's start the only one).
 */
extern u64 sched_wake_wait_ns;
/*
 * The sched_preempt_spin option: a vCPU that keeps its CPU through a deferred
 * wake and then makes no hypercall for SCHED_RATELIMIT_NS is preempted.
 */
extern bool sched_preempt_spin;
/* The hypercalls CPU @cpu has served since boot (the arch's count, read racily). */
u64 arch_cpu_hypercalls(unsigned int cpu);
/* A vCPU joins the scheduler down (VPF_down) on CPU @cpu. */
void sched_init_vcpu(struct vcpu *v, unsigned int cpu);
/* A paused vCPU leaves the scheduler for good. */
void sched_destroy_vcpu(struct vcpu *v);
/* @d's credit weight or cap changed: its running vCPUs reschedule. */
void sched_credit_changed(struct domain *d);
/* @v's hard affinity changed: it leaves a CPU not in it (may wait for it to stop). */
void sched_affinity_changed(struct vcpu *v);

/* Nothing stops @v from running. */
bool vcpu_runnable(const struct vcpu *v);
/* Queue @v if it is runnable and neither running nor queued. */
void vcpu_wake(struct vcpu *v);
/* @v runs on another CPU: interrupt its guest so it sees a new event (an IPI). */
void vcpu_kick(struct vcpu *v);
/* Clear VPF_blocked (an event or timeout came) and wake @v. */
void vcpu_unblock(struct vcpu *v);
/* Clear VPF_down and wake @v (its first start). */
void vcpu_up(struct vcpu *v);
/* Set VPF_down: @v stops running (VCPUOP_down) until vcpu_up(). */
void vcpu_down(struct vcpu *v);
/*
 * VCPUOP_down, and an HVM vCPU's HLT with interrupts off (common/vcpu.c):
 * @v goes down (at once if it is the caller: on the way back to the guest)
 * until it is brought up again; the last vCPU of the domain going down
 * powers it off, as on Xen.
 */
void vcpu_go_down(struct vcpu *v);
/* Block the running vCPU until vcpu_unblock(); at once back if @done holds. */
void vcpu_block(bool (*done)(struct vcpu *v));
/* Let the other vCPUs of this CPU run first. */
void vcpu_yield(void);
/* SCHEDOP_poll with its fields read (common/schedule.c); ports is a guest address. */
long sched_poll_ports(u64 ports, unsigned int nr, u64 timeout);
/*
 * Nesting pause: @v does not run until as many unpauses came. Another
 * vCPU is off its CPU when this returns (the hypervisor lock is let go
 * while it waits: see hvlock.h).
 */
void vcpu_pause(struct vcpu *v);
void vcpu_unpause(struct vcpu *v);

/* Bring @v's runstate times up to date (its run-queue lock taken). */
void vcpu_runstate_update(struct vcpu *v);

/* A reschedule is due on this CPU (checked on every way back to a guest). */
DECLARE_PER_CPU(bool, sched_resched_due);
static inline bool sched_need_resched(void)
{
	return __atomic_load_n(&this_cpu(sched_resched_due), __ATOMIC_ACQUIRE);
}
/* Pick the next vCPU of this CPU and switch to it (may idle until one wakes). */
void schedule(void);
/* The running vCPU can never run again: switch away without returning. */
__noreturn void schedule_dead(void);
/* Number of CPUs the scheduler runs vCPUs on (the online CPUs). */
unsigned int sched_nr_cpus(void);
/* Time CPU @cpu spent idle since boot, in ns (sysctl getcpuinfo). */
u64 sched_idle_time(unsigned int cpu);
/* Time @v spent running, in ns, its current stretch included (getvcpuinfo). */
u64 vcpu_cpu_time(struct vcpu *v);
/* Time @d's vCPUs spent running, in ns (getdomaininfo's cpu_time). */
u64 domain_cpu_time(const struct domain *d);

/* ---- arch hooks (arch/x86/pv/domain.c) ---- */
/* Save @prev's CPU state (unless NULL) and load @next's (prev != next). */
void arch_context_switch(struct vcpu *prev, struct vcpu *next);
/* @v leaves its CPU / gets one (every switch, also back to the same vCPU after idling). */
void arch_vcpu_sched_out(struct vcpu *v);
void arch_vcpu_sched_in(struct vcpu *v);
/* Wait, interrupts on, for an interrupt (it may wake a vCPU). */
void arch_idle_wait(void);
/* Zero a batch of dirty free frames (if any is left), then take pending interrupts. */
void arch_idle_scrub(void);
/* Make CPU @cpu look at its run queue (an IPI). */
void arch_sched_kick(unsigned int cpu);
/* CPU @cpu (not this one) drops @v's state if it still has it loaded (@v goes away). */
void arch_forget_vcpu(unsigned int cpu, struct vcpu *v);
/*
 * CPU @cpu (this one or another) saves @v's state into @v and forgets it,
 * if it still has it loaded; @v is not running (it moves to another CPU).
 */
void arch_save_vcpu_off(unsigned int cpu, struct vcpu *v);
/* Go back to the guest of the running vCPU from a fresh stack. */
__noreturn void arch_resume_current(void);

/* ---- hooks into vCPU time (common/vcpu.c) ---- */
/* @v stops running (its periodic timer stops) / starts running again. */
void vcpu_sched_out(struct vcpu *v);
void vcpu_sched_in(struct vcpu *v);

#endif
