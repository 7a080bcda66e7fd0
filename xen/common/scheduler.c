/*
 * The scheduler: per-CPU run queues of vCPUs, round robin with a time
 * slice; blocking, waking, yielding and pausing across domains; runstate
 * and cpu_time accounting. The model is in sched.h and docs/design.md.
 *
 * Compiled on the host by tests/unit/test_sched.c, with fakes of the arch
 * and vCPU-time hooks.
 */
#include "types.h"
#include "lib.h"
#include "console.h"
#include "domain.h"
#include "event.h"
#include "timer.h"
#include "sched.h"
#include "smp.h"
#include "hvlock.h"
#include "public/vcpu.h"

/* One CPU's scheduling state. */
struct sched_cpu {
	struct vcpu *runq_head, *runq_tail; /* runnable, not running, FIFO */
	struct vcpu *running; /* the vCPU on the CPU now, NULL while it idles */
	bool need_resched;
	bool slice_timer_ready;
	struct timer slice_timer;
	u64 idle_time; /* ns spent waiting with nothing to run */
};

#ifndef __PETREL__
struct vcpu *current; /* host builds; the hypervisor's is per CPU (domain.h) */
#endif
static DEFINE_PER_CPU(struct sched_cpu, sched_cpu);
bool sched_cpu0_only; /* the vcpus_on_cpu0 option: every vCPU on CPU 0 */

static struct sched_cpu *this_cpu_sched(void)
{
	return &this_cpu(sched_cpu);
}

static struct sched_cpu *cpu_sched_of(const struct vcpu *v)
{
	return &per_cpu(sched_cpu, v->processor);
}

/* ---- The run queue. */

static void runq_insert(struct sched_cpu *sc, struct vcpu *v)
{
	v->runq_next = NULL;
	if (sc->runq_tail)
		sc->runq_tail->runq_next = v;
	else
		sc->runq_head = v;
	sc->runq_tail = v;
	v->on_runq = true;
}

static void runq_remove(struct sched_cpu *sc, struct vcpu *v)
{
	struct vcpu *prev = NULL;

	for (struct vcpu *w = sc->runq_head; w; prev = w, w = w->runq_next) {
		if (w != v)
			continue;
		if (prev)
			prev->runq_next = w->runq_next;
		else
			sc->runq_head = w->runq_next;
		if (sc->runq_tail == w)
			sc->runq_tail = prev;
		break;
	}
	v->runq_next = NULL;
	v->on_runq = false;
}

static struct vcpu *runq_pop(struct sched_cpu *sc)
{
	struct vcpu *v = sc->runq_head;

	if (v)
		runq_remove(sc, v);
	return v;
}

/* ---- States. */

bool vcpu_runnable(const struct vcpu *v)
{
	return !v->pause_flags && !v->pause_count && v->domain->is_dying == DOMDYING_alive;
}

/* The runstate a vCPU that is not running is in (Xen's rule). */
static int idle_runstate(const struct vcpu *v)
{
	if (v->pause_flags & VPF_blocked)
		return RUNSTATE_blocked;
	return vcpu_runnable(v) ? RUNSTATE_runnable : RUNSTATE_offline;
}

static void slice_expired(void *data)
{
	struct sched_cpu *sc = data;

	if (sc->runq_head)
		sc->need_resched = true;
}

/*
 * Where vCPU @vcpu_id of a domain runs: vCPU n on the n-th online CPU
 * (round robin over them), so that a domain's vCPUs run side by side.
 * vCPU 0 (every HVM guest's only one: only CPU 0 has the HVM backend set
 * up) stays on CPU 0.
 */
unsigned int sched_pick_cpu(unsigned int vcpu_id)
{
	unsigned int n, cpu;

	if (sched_cpu0_only || !vcpu_id)
		return 0;
	n = vcpu_id % num_online_cpus();
	for_each_online_cpu(cpu)
	{
		if (!n--)
			return cpu;
	}
	return 0;
}

void sched_init_vcpu(struct vcpu *v, unsigned int cpu)
{
	struct sched_cpu *sc = &per_cpu(sched_cpu, cpu);

	v->processor = cpu;
	v->pause_flags = VPF_down;
	if (!sc->slice_timer_ready) {
		init_timer_on(&sc->slice_timer, slice_expired, sc, cpu);
		sc->slice_timer_ready = true;
	}
}

/* A paused vCPU: not running. Another CPU may still have its state loaded. */
void sched_destroy_vcpu(struct vcpu *v)
{
	struct sched_cpu *sc = cpu_sched_of(v);

	if (v->on_runq)
		runq_remove(sc, v);
	if (current == v)
		current = NULL;
	else if (v->processor != smp_processor_id())
		arch_forget_vcpu(v->processor, v);
	v->is_running = false;
}

/* @v's CPU is not this one: make it look at its run queue. */
static void kick_if_remote(const struct vcpu *v)
{
	if (v->processor != smp_processor_id())
		arch_sched_kick(v->processor);
}

void vcpu_wake(struct vcpu *v)
{
	struct sched_cpu *sc = cpu_sched_of(v);

	if (!vcpu_runnable(v) || v->is_running || v->on_runq)
		return;
	if (v->runstate.state != RUNSTATE_runnable)
		vcpu_runstate_change(v, RUNSTATE_runnable);
	runq_insert(sc, v);
	/* A vCPU that waited for something runs soon: its wait is over. */
	sc->need_resched = true;
	kick_if_remote(v);
}

void vcpu_kick(struct vcpu *v)
{
	if (v->is_running)
		kick_if_remote(v);
}

void vcpu_unblock(struct vcpu *v)
{
	if (!(v->pause_flags & VPF_blocked))
		return;
	v->pause_flags &= ~VPF_blocked;
	vcpu_wake(v);
}

void vcpu_up(struct vcpu *v)
{
	v->pause_flags &= ~VPF_down;
	vcpu_wake(v);
}

void vcpu_block(bool (*done)(struct vcpu *v))
{
	struct vcpu *v = current;

	v->pause_flags |= VPF_blocked;
	/* Whatever made @done true before the flag was set is not lost. */
	__asm__ volatile("" ::: "memory");
	if (done && done(v)) {
		v->pause_flags &= ~VPF_blocked;
		return;
	}
	this_cpu_sched()->need_resched = true;
}

void vcpu_yield(void)
{
	this_cpu_sched()->need_resched = true;
}

/* @v can no longer run: off its queue, and off its CPU at the next reschedule. */
static void vcpu_sleep(struct vcpu *v)
{
	struct sched_cpu *sc = cpu_sched_of(v);

	if (v->on_runq) {
		runq_remove(sc, v);
		vcpu_runstate_change(v, idle_runstate(v));
	}
	if (v->is_running) {
		sc->need_resched = true;
		kick_if_remote(v);
	}
}

/*
 * Wait until @v, running on another CPU, is off it. That CPU needs the
 * hypervisor lock to switch, so this one lets it go meanwhile (@v itself
 * is only compared, never read: it may be freed once off its CPU).
 */
static void wait_off_cpu(const struct vcpu *v)
{
	struct sched_cpu *sc = cpu_sched_of(v);
	unsigned int depth;

	if (__atomic_load_n(&sc->running, __ATOMIC_ACQUIRE) != v)
		return;
	depth = hv_wait_begin();
	while (__atomic_load_n(&sc->running, __ATOMIC_ACQUIRE) == v)
		hv_relax();
	hv_wait_end(depth);
}

void vcpu_down(struct vcpu *v)
{
	v->pause_flags |= VPF_down;
	vcpu_sleep(v);
}

/* Returns once @v is off its CPU (at once for the caller itself, on its way out). */
void vcpu_pause(struct vcpu *v)
{
	v->pause_count++;
	vcpu_sleep(v);
	if (v != current)
		wait_off_cpu(v);
}

void vcpu_unpause(struct vcpu *v)
{
	if (!v->pause_count)
		return;
	if (--v->pause_count)
		return;
	if (!v->is_running && !v->on_runq && v->runstate.state != idle_runstate(v))
		vcpu_runstate_change(v, idle_runstate(v));
	vcpu_wake(v);
}

bool sched_need_resched(void)
{
	return this_cpu_sched()->need_resched;
}

/* ---- Switching. */

static void switch_out(struct sched_cpu *sc, struct vcpu *prev)
{
	__atomic_store_n(&sc->running, NULL, __ATOMIC_RELEASE);
	prev->is_running = false;
	vcpu_runstate_change(prev, idle_runstate(prev));
	vcpu_sched_out(prev);
}

static void switch_in(struct sched_cpu *sc, struct vcpu *next)
{
	next->is_running = true;
	sc->running = next;
	vcpu_runstate_change(next, RUNSTATE_running);
	vcpu_sched_in(next);
	if (sc->runq_head)
		set_timer(&sc->slice_timer, system_time() + SCHED_SLICE_NS);
	else
		stop_timer(&sc->slice_timer);
}

/*
 * Switch to the head of the queue; the previous vCPU, still runnable, goes
 * to the tail first (so a yield or an expired slice lets the others run).
 * With nothing runnable the CPU idles until an interrupt wakes a vCPU;
 * meanwhile current still names the vCPU that ran last.
 */
void schedule(void)
{
	struct sched_cpu *sc = this_cpu_sched();
	struct vcpu *prev = current, *next;

	sc->need_resched = false;
	if (prev && !prev->is_running)
		prev = NULL; /* torn down, or switched out already */
	if (prev && vcpu_runnable(prev))
		runq_insert(sc, prev);
	next = runq_pop(sc);
	if (next && next == prev)
		return;
	if (prev)
		switch_out(sc, prev);
	while (!next) {
		u64 t0 = system_time();

		arch_idle_wait();
		sc->idle_time += system_time() - t0;
		next = runq_pop(sc);
	}
	sc->need_resched = false;
	if (current != prev)
		prev = NULL; /* this CPU was made to forget it (arch_forget_vcpu) */
	switch_in(sc, next);
	if (prev != next)
		arch_context_switch(prev, next); /* prev NULL: nothing to save */
	current = next;
	vcpu_runstate_publish(next); /* now through next's own page tables */
}

void schedule_dead(void)
{
	schedule();
	arch_resume_current();
}

unsigned int sched_nr_cpus(void)
{
	return num_online_cpus();
}

u64 sched_idle_time(unsigned int cpu)
{
	return cpu_online(cpu) ? per_cpu(sched_cpu, cpu).idle_time : 0;
}

u64 domain_cpu_time(const struct domain *d)
{
	u64 t = 0;

	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++) {
		struct vcpu *v = d->vcpu[i];

		if (!v)
			continue;
		if (v->is_running)
			vcpu_runstate_change(v, RUNSTATE_running); /* bring it up to date */
		t += v->runstate.time[RUNSTATE_running];
	}
	return t;
}
