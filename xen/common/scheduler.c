/*
 * The scheduler: per-CPU run queues of vCPUs; the vCPU that ran least,
 * weighed by its domain's credit weight, runs next for up to a time slice;
 * caps hold a domain to a share of a CPU; hard affinity says where a vCPU
 * may run. Blocking, waking, yielding and pausing across domains; runstate
 * and cpu_time accounting. The model is in sched.h and docs/design.md.
 *
 * Compiled on the host by tests/unit/test_domain.c, with fakes of the arch
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
#include "spinlock.h"
#include "mm.h"
#include "hvm.h"
#include "public/vcpu.h"

/*
 * One CPU's scheduling state. The run-queue lock covers the fields below
 * and the scheduling state of every vCPU whose processor is this
 * CPU: on_runq, runq_next, is_running, pause_count, the weighed time and
 * the runstate changes the scheduler makes. It is taken with interrupts
 * off (timer callbacks and the idle wait's interrupts wake vCPUs), never
 * held across an IPI that waits or the idle wait, and two of them are
 * taken only to move a vCPU, lower CPU first (lock_two).
 */
struct sched_cpu {
	spinlock_t lock;
	struct vcpu *runq_head, *runq_tail; /* runnable, not running, FIFO */
	struct vcpu *running;		    /* the vCPU on the CPU now, NULL while it idles */
	bool slice_timer_ready;
	struct timer slice_timer;
	u64 idle_time; /* ns spent waiting with nothing to run */
	/* The weighed time of the vCPU that ran here last, when it stopped. */
	u64 vtime_last;
	/*
	 * sched_preempt_spin (spin_watch()): the running vCPU watched while a
	 * deferred wake waits (NULL: none), the CPU's hypercall count at the
	 * last look and the time of that look, the deferral's end, and the
	 * timer of the next look.
	 */
	struct vcpu *spin_runner;
	u64 spin_calls, spin_since, spin_until;
	struct timer spin_timer;
};

#ifndef __PETREL__
struct vcpu *current; /* host builds; the hypervisor's is per CPU (domain.h) */
#endif
static DEFINE_PER_CPU(struct sched_cpu, sched_cpu);
/*
 * A reschedule is due on the CPU: set atomically by the CPU itself or a
 * waker, without the run-queue lock; read inline on every way back to a
 * guest (sched_need_resched).
 */
__hvm_data DEFINE_PER_CPU(bool, sched_resched_due);
bool sched_cpu0_only;	   /* the vcpus_on_cpu0 option: every vCPU on CPU 0 */
bool sched_wake_ratelimit; /* the sched_wake_ratelimit option: see wake_deferred() */
bool sched_credit2_turns;  /* the sched_credit2_turns option: see wake_lead(), turn_end() */
bool sched_preempt_spin;   /* the sched_preempt_spin option: see spin_watch() */
u64 sched_wake_wait_ns = SCHED_WAKE_WAIT_NS; /* the sched_wake_wait_us option: the same */
u64 sched_slice_ns = SCHED_SLICE_NS;

#ifndef __PETREL__
/* Host builds: every CPU's scheduling state as at boot, for a test to start from. */
void sched_reset_cpus(void)
{
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		memset(&per_cpu(sched_cpu, cpu), 0, sizeof(struct sched_cpu));
	memset(per_cpu__sched_resched_due, 0, sizeof(per_cpu__sched_resched_due));
	sched_cpu0_only = false;
	sched_slice_ns = SCHED_SLICE_NS;
	sched_wake_ratelimit = false; /* the tests of the deferred wake set it */
	sched_credit2_turns = false;
	sched_preempt_spin = false;
	sched_wake_wait_ns = SCHED_WAKE_WAIT_NS;
}
#endif

static struct sched_cpu *this_cpu_sched(void)
{
	return &this_cpu(sched_cpu);
}

static struct sched_cpu *cpu_sched_of(const struct vcpu *v)
{
	return &per_cpu(sched_cpu, v->processor);
}

/* ---- Run-queue locks. */

/*
 * Lock the run queue @v belongs to. @v->processor changes only under the
 * lock of the CPU it names, so once the lock taken still matches it, it
 * stays put until sched_unlock().
 */
static struct sched_cpu *vcpu_sched_lock(const struct vcpu *v, unsigned long *flags)
{
	for (;;) {
		unsigned int cpu = __atomic_load_n(&v->processor, __ATOMIC_ACQUIRE);
		struct sched_cpu *sc = &per_cpu(sched_cpu, cpu);

		spin_lock_irqsave(&sc->lock, *flags);
		if (v->processor == cpu)
			return sc;
		spin_unlock_irqrestore(&sc->lock, *flags);
	}
}

static void sched_unlock(struct sched_cpu *sc, unsigned long flags)
{
	spin_unlock_irqrestore(&sc->lock, flags);
}

/* Both CPUs' run-queue locks (one if they are the same), lower CPU first. */
static void lock_two(unsigned int a, unsigned int b, unsigned long *flags)
{
	*flags = local_irq_save();
	spin_lock(&per_cpu(sched_cpu, a < b ? a : b).lock);
	if (a != b)
		spin_lock(&per_cpu(sched_cpu, a < b ? b : a).lock);
}

static void unlock_two(unsigned int a, unsigned int b, unsigned long flags)
{
	spin_unlock(&per_cpu(sched_cpu, a).lock);
	if (a != b)
		spin_unlock(&per_cpu(sched_cpu, b).lock);
	local_irq_restore(flags);
}

/* The rule for @v's scheduling state: its run queue's lock is held here. */
#define ASSERT_VCPU_SCHED_LOCKED(v) ASSERT_LOCKED(&cpu_sched_of(v)->lock)

static bool *resched_flag(struct sched_cpu *sc)
{
	return &per_cpu(sched_resched_due, (unsigned int)(sc - &per_cpu(sched_cpu, 0)));
}

static void set_need_resched(struct sched_cpu *sc)
{
	__atomic_store_n(resched_flag(sc), true, __ATOMIC_RELEASE);
}

/* ---- The run queue. */

static void runq_insert(struct sched_cpu *sc, struct vcpu *v)
{
	ASSERT_LOCKED(&sc->lock);
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

	ASSERT_LOCKED(&sc->lock);
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

/* The slice, a cap's budget or a cap's period ended: look again. */
static void slice_expired(void *data)
{
	set_need_resched(data);
}

static void kick_if_remote(const struct vcpu *v);
static void spin_look(void *data);

/* ---- Weights and caps. */

static unsigned int weight_of(const struct vcpu *v)
{
	unsigned int w = v->domain->sched_weight;

	return w ? w : SCHED_DEFAULT_WEIGHT;
}

static u64 cap_budget(const struct domain *d)
{
	return SCHED_CAP_PERIOD_NS * d->sched_cap / 100;
}

/*
 * A new cap period begins once the last one is over; each period that
 * passed pays one budget of the time used. What a late timer let the
 * domain run past its budget stays owed, and a late wake does not move
 * the periods, so it keeps its share over time.
 */
static void cap_refill(struct domain *d, u64 now)
{
	u64 periods, paid;

	ASSERT_LOCKED(&d->cap_lock);
	if (now - d->cap_period_start < SCHED_CAP_PERIOD_NS)
		return;
	periods = (now - d->cap_period_start) / SCHED_CAP_PERIOD_NS;
	paid = periods * cap_budget(d);
	d->cap_period_start += periods * SCHED_CAP_PERIOD_NS; /* a late wake keeps the phase */
	d->cap_used = d->cap_used > paid ? d->cap_used - paid : 0;
}

/* Running time @d may still use in this cap period (~0: no cap). */
static u64 cap_left(struct domain *d, u64 now)
{
	u64 left;

	if (!d->sched_cap)
		return ~0ULL;
	spin_lock(&d->cap_lock);
	cap_refill(d, now);
	left = d->cap_used < cap_budget(d) ? cap_budget(d) - d->cap_used : 0;
	spin_unlock(&d->cap_lock);
	return left;
}

/* Weighed running time @v, on its CPU since sched_since, has not been charged yet. */
static u64 uncharged(const struct vcpu *v, u64 now)
{
	u64 ran = now > v->sched_since ? now - v->sched_since : 0;

	return ran * SCHED_DEFAULT_WEIGHT / weight_of(v);
}

/* Charge @v, on its CPU since sched_since, for the time it ran. */
static void account(struct vcpu *v, u64 now)
{
	struct domain *d = v->domain;
	u64 ran = now > v->sched_since ? now - v->sched_since : 0;

	ASSERT_VCPU_SCHED_LOCKED(v);
	v->sched_vtime += uncharged(v, now);
	v->sched_since = now;
	if (d->sched_cap) {
		spin_lock(&d->cap_lock);
		cap_refill(d, now);
		d->cap_used += ran;
		spin_unlock(&d->cap_lock);
	}
}

/*
 * The vCPU to run next: the lowest weighed running time among those whose
 * domain has cap budget left (the first queued wins a tie, so equal
 * weights take turns); one that yielded only if no other can run. A capped
 * domain's vCPUs wait for its next period: *@wake_at is the earliest.
 */
static struct vcpu *runq_pick(struct sched_cpu *sc, u64 now, u64 *wake_at)
{
	struct vcpu *best = NULL, *yielder = NULL;

	*wake_at = 0;
	ASSERT_LOCKED(&sc->lock);
	for (struct vcpu *w = sc->runq_head; w; w = w->runq_next) {
		if (!cap_left(w->domain, now)) {
			u64 at = __atomic_load_n(&w->domain->cap_period_start, __ATOMIC_RELAXED) +
				 SCHED_CAP_PERIOD_NS;

			if (!*wake_at || at < *wake_at)
				*wake_at = at;
		} else if (w->sched_yielded) {
			yielder = w;
		} else if (!best || w->sched_vtime < best->sched_vtime) {
			best = w;
		}
	}
	if (!best)
		best = yielder;
	if (best)
		runq_remove(sc, best);
	return best;
}

/*
 * The floor of @sc's weighed times at @now: the lowest among the vCPU
 * running there and those queued. A vCPU alone on its CPU is charged only
 * at a reschedule, which may be long ago (a dom0 busy for a minute): the
 * time since counts too, else a newcomer would be handed that whole minute
 * before the running one is back. On an idle CPU it is the weighed time of
 * the vCPU that ran there last, so that a vCPU joining it (woken, or moved
 * from another CPU, where weighed times mean nothing here) starts level with
 * the vCPUs that sleep there. From a lower time it would keep the CPU from
 * them, once they wake, until it had run as long as they had (a minute for
 * a dom0 vCPU that ran a minute).
 */
static u64 vtime_floor(const struct sched_cpu *sc, u64 now)
{
	const struct vcpu *running = sc->running;
	u64 floor = ~0ULL;

	if (running)
		floor = running->sched_vtime + uncharged(running, now);
	for (const struct vcpu *w = sc->runq_head; w; w = w->runq_next) {
		if (w->sched_vtime < floor)
			floor = w->sched_vtime;
	}
	return floor == ~0ULL ? sc->vtime_last : floor;
}

/*
 * The most a sleeper may be ahead of the CPU's floor: a slice, or with
 * sched_credit2_turns credit2's bound, its credit per reset (a waking
 * vCPU's credit is clipped to about that, so it runs at most about that
 * long before the vCPU it woke beside is back).
 */
static u64 wake_lead(void)
{
	return sched_credit2_turns ? MIN(sched_slice_ns, SCHED_WAKE_WAIT_NS) : sched_slice_ns;
}

/*
 * A vCPU that slept (or never ran) does not get back the time it slept: it
 * joins its queue at most wake_lead() below the CPU's floor, idle or not.
 */
static void wake_vtime(struct sched_cpu *sc, struct vcpu *v)
{
	u64 floor = vtime_floor(sc, system_time());

	if (v->sched_vtime + wake_lead() < floor)
		v->sched_vtime = floor - wake_lead();
}

/*
 * With sched_credit2_turns, credit2's turn for @running while others wait:
 * until its weighed time reaches the lowest queued one's (their credits
 * level), at least SCHED_MIN_TURN_NS and the rest of its rate limit, at
 * most SCHED_WAKE_WAIT_NS (or the slice, if shorter). Without the option,
 * the slice.
 */
static u64 turn_end(const struct sched_cpu *sc, const struct vcpu *running, u64 now)
{
	u64 low = ~0ULL, gap = 0, least, most;

	if (!sched_credit2_turns || !running)
		return now + sched_slice_ns;
	for (const struct vcpu *w = sc->runq_head; w; w = w->runq_next)
		low = MIN(low, w->sched_vtime);
	if (low > running->sched_vtime)
		gap = (low - running->sched_vtime) * weight_of(running) / SCHED_DEFAULT_WEIGHT;
	least = MAX(now + SCHED_MIN_TURN_NS, running->sched_run_start + SCHED_RATELIMIT_NS);
	most = now + MIN(sched_slice_ns, SCHED_WAKE_WAIT_NS);
	return MIN(MAX(now + gap, least), most);
}

/*
 * The timer that ends what runs now: the slice when others wait, the cap
 * budget of a capped vCPU, or (idle) the next cap period of a waiting one.
 */
static void arm_slice(struct sched_cpu *sc, struct vcpu *running, u64 now, u64 wake_at)
{
	u64 end = sc->runq_head ? turn_end(sc, running, now) : ~0ULL;

	ASSERT_LOCKED(&sc->lock);
	if (running) {
		u64 left = cap_left(running->domain, now);

		if (left != ~0ULL && now + left < end)
			end = now + left;
	}
	if (wake_at && wake_at < end)
		end = wake_at;
	if (end == ~0ULL)
		stop_timer(&sc->slice_timer);
	else
		set_timer(&sc->slice_timer, end);
}

/* @d's weight or cap changed: the CPUs running its vCPUs look again now. */
void sched_credit_changed(struct domain *d)
{
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++) {
		struct vcpu *v = d->vcpu[i];
		struct sched_cpu *sc;
		unsigned long flags;

		if (!v)
			continue;
		sc = vcpu_sched_lock(v, &flags);
		if (v->is_running) {
			set_need_resched(sc);
			kick_if_remote(v);
		}
		sched_unlock(sc, flags);
	}
}

/* ---- Affinity. */

static bool cpu_allowed(const struct vcpu *v, unsigned int cpu)
{
	return cpu < 64 && (v->hard_affinity >> cpu) & 1;
}

static void sched_cpu_ready(unsigned int cpu)
{
	struct sched_cpu *sc = &per_cpu(sched_cpu, cpu);

	if (!sc->slice_timer_ready) {
		init_timer_on(&sc->slice_timer, slice_expired, sc, cpu);
		init_timer_on(&sc->spin_timer, spin_look, sc, cpu);
		sc->slice_timer_ready = true;
	}
}

/* The online CPU of @v's hard affinity with the fewest vCPUs queued or running. */
static unsigned int allowed_cpu(const struct vcpu *v)
{
	unsigned int cpu, best = v->processor, best_load = ~0u;

	for_each_online_cpu(cpu)
	{
		struct sched_cpu *sc = &per_cpu(sched_cpu, cpu);
		unsigned int load;
		unsigned long flags;

		if (!cpu_allowed(v, cpu))
			continue;
		spin_lock_irqsave(&sc->lock, flags);
		load = !!sc->running;
		for (const struct vcpu *w = sc->runq_head; w; w = w->runq_next)
			load++;
		spin_unlock_irqrestore(&sc->lock, flags);
		if (load < best_load) {
			best = cpu;
			best_load = load;
		}
	}
	return best;
}

/*
 * @v, off every CPU, now belongs to @cpu's queue (a waker may have queued
 * it on its old CPU meanwhile: it leaves that queue). Its old and new
 * CPUs' run-queue locks are held.
 */
static void move_to_cpu(struct vcpu *v, unsigned int cpu)
{
	struct sched_cpu *to = &per_cpu(sched_cpu, cpu);

	ASSERT_VCPU_SCHED_LOCKED(v);
	ASSERT_LOCKED(&to->lock);
	ASSERT(!v->is_running);
	if (v->on_runq)
		runq_remove(cpu_sched_of(v), v);
	__atomic_store_n(&v->processor, cpu, __ATOMIC_RELEASE);
	v->sched_vtime = vtime_floor(to, system_time()); /* weighed times differ between CPUs */
}

/* @v, off every CPU, goes to an allowed CPU's queue (and runs there if it can). */
static void move_and_wake(struct vcpu *v)
{
	unsigned int old = v->processor, cpu = allowed_cpu(v);
	unsigned long flags;

	sched_cpu_ready(cpu);
	lock_two(old, cpu, &flags);
	move_to_cpu(v, cpu);
	unlock_two(old, cpu, flags);
	vcpu_timers_follow(v);
	vcpu_wake(v);
}

/*
 * @v's hard affinity changed: if its CPU is no longer in it, move it to
 * one that is. The running vCPU moves at its next reschedule (schedule()
 * does it); another is paused (so off its CPU), its state saved where its
 * old CPU still holds it, and woken again on its new CPU.
 */
void sched_affinity_changed(struct vcpu *v)
{
	unsigned int old = v->processor;

	if (cpu_allowed(v, old))
		return;
	if (v == current) {
		set_need_resched(this_cpu_sched());
		return;
	}
	get_domain(v->domain); /* the pause may let the hypervisor lock go */
	vcpu_pause(v);
	arch_save_vcpu_off(old, v);
	move_and_wake(v); /* paused: it only changes queue */
	vcpu_unpause(v);
	put_domain(v->domain);
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
	v->processor = cpu; /* no waker knows @v yet */
	v->pause_flags = VPF_down;
	sched_cpu_ready(cpu);
}

/* A paused vCPU: not running. Another CPU may still have its state loaded. */
void sched_destroy_vcpu(struct vcpu *v)
{
	unsigned long flags;
	struct sched_cpu *sc = vcpu_sched_lock(v, &flags);

	if (v->on_runq)
		runq_remove(sc, v);
	if (sc->running == v)
		__atomic_store_n(&sc->running, NULL, __ATOMIC_RELEASE);
	if (sc->spin_runner == v)
		sc->spin_runner = NULL;
	v->is_running = false;
	sched_unlock(sc, flags);
	/* The IPI below waits for the other CPU: no run-queue lock is held. */
	if (current == v)
		current = NULL;
	else if (v->processor != smp_processor_id())
		arch_forget_vcpu(v->processor, v);
}

/* @v's CPU is not this one: make it look at its run queue. */
static void kick_if_remote(const struct vcpu *v)
{
	if (v->processor != smp_processor_id())
		arch_sched_kick(v->processor);
}

/*
 * The sched_preempt_spin option: a running vCPU that keeps its CPU through
 * a deferred wake (wake_deferred()) but makes no hypercall for a whole
 * SCHED_RATELIMIT_NS while the woken one waits is taken to spin on
 * something the woken one is to answer (a sender polling a flag in shared
 * memory) and is preempted then, instead of at the deferral's end. One
 * that makes hypercalls (a PV kernel at work: its returns to user space,
 * its timers and page-table updates are hypercalls) keeps its CPU to that
 * end, looked at again each SCHED_RATELIMIT_NS; under QEMU's TCG a Linux
 * sender can go that long without one, hence off by default. An HVM vCPU
 * works without hypercalls: it is not watched. The count is the CPU's, which
 * only the running vCPU adds to while it runs. A look still due from an
 * earlier watch is kept (it looks again later if too early), so that a
 * stream of short deferrals (a ping-pong) arms no timer each.
 */
static void spin_watch(struct sched_cpu *sc, struct vcpu *r, u64 now, u64 end)
{
	ASSERT_LOCKED(&sc->lock);
	if (!sched_preempt_spin || is_hvm_vcpu(r))
		return;
	if (sc->spin_runner == r) {
		sc->spin_until = MIN(sc->spin_until, end);
		return;
	}
	if (now + SCHED_RATELIMIT_NS >= end)
		return;
	sc->spin_runner = r;
	sc->spin_calls = arch_cpu_hypercalls(r->processor);
	sc->spin_since = now;
	sc->spin_until = end;
	/* The look is set only under @sc's lock: one still due stays. */
	if (!sc->spin_timer.active)
		set_timer(&sc->spin_timer, now + SCHED_RATELIMIT_NS);
}

/* The watched runner at @now: preempted if it made no hypercall since the last look. */
static void spin_judge(struct sched_cpu *sc, u64 now)
{
	u64 calls = arch_cpu_hypercalls(sc->spin_runner->processor);

	if (now < sc->spin_since + SCHED_RATELIMIT_NS) {
		/* A look armed for an earlier watch: this one's is later. */
		set_timer(&sc->spin_timer, sc->spin_since + SCHED_RATELIMIT_NS);
	} else if (calls == sc->spin_calls) {
		set_need_resched(sc);
		sc->spin_runner = NULL;
	} else if (now + SCHED_RATELIMIT_NS < sc->spin_until) {
		sc->spin_calls = calls;
		sc->spin_since = now;
		set_timer(&sc->spin_timer, now + SCHED_RATELIMIT_NS);
	} else {
		sc->spin_runner = NULL;
	}
}

/* spin_watch()'s look, on the CPU watched. */
static void spin_look(void *data)
{
	struct sched_cpu *sc = data;
	unsigned long flags;

	spin_lock_irqsave(&sc->lock, flags);
	if (sc->spin_runner && sc->spin_runner == sc->running && sc->runq_head)
		spin_judge(sc, system_time());
	else
		sc->spin_runner = NULL;
	sched_unlock(sc, flags);
}

/*
 * The sched_wake_ratelimit option (on by default), credit2's rule for a
 * wake: a vCPU that got its CPU less than SCHED_RATELIMIT_NS ago is not
 * interrupted for it. The woken one waits in the queue until the running
 * one blocks, yields or ends its turn; the slice timer ends that turn
 * SCHED_WAKE_WAIT_NS after it began, or sched_wake_wait_ns after the wake
 * (the sched_wake_wait_us option), or at the end of the slice or of the cap
 * budget, whichever is first. Returns whether @sc's running vCPU keeps its
 * CPU so. Without the option every wake asks for a reschedule, and
 * rate_limited() then holds the running one only to the end of its first
 * SCHED_RATELIMIT_NS.
 */
static bool wake_deferred(struct sched_cpu *sc, u64 now)
{
	struct vcpu *r = sc->running;
	u64 end, left;

	ASSERT_LOCKED(&sc->lock);
	if (!sched_wake_ratelimit || !r || now - r->sched_run_start >= SCHED_RATELIMIT_NS)
		return false;
	end = r->sched_run_start + MIN(sched_slice_ns, SCHED_WAKE_WAIT_NS);
	end = MIN(end, now + sched_wake_wait_ns);
	left = cap_left(r->domain, now);
	if (left != ~0ULL && now + left < end)
		end = now + left;
	/* The slice timer is set only under @sc's lock: an earlier end stays. */
	if (!sc->slice_timer.active || sc->slice_timer.expires > end)
		set_timer(&sc->slice_timer, end);
	spin_watch(sc, r, now, end);
	return true;
}

/* vcpu_wake() with @v's run-queue lock held. */
static void wake_locked(struct sched_cpu *sc, struct vcpu *v)
{
	ASSERT_VCPU_SCHED_LOCKED(v);
	if (!vcpu_runnable(v) || v->is_running || v->on_runq)
		return;
	if (v->runstate.state != RUNSTATE_runnable)
		vcpu_runstate_change(v, RUNSTATE_runnable);
	wake_vtime(sc, v);
	runq_insert(sc, v);
	if (wake_deferred(sc, system_time()))
		return;
	/* A vCPU that waited for something runs soon: its wait is over. */
	set_need_resched(sc);
	kick_if_remote(v); /* an IPI that does not wait */
}

void vcpu_wake(struct vcpu *v)
{
	unsigned long flags;
	struct sched_cpu *sc = vcpu_sched_lock(v, &flags);

	wake_locked(sc, v);
	sched_unlock(sc, flags);
}

/*
 * No lock: an event is made pending before the kick, and a vCPU that gets
 * on its CPU after this look delivers pending events on its way in.
 */
void vcpu_kick(struct vcpu *v)
{
	if (__atomic_load_n(&v->is_running, __ATOMIC_ACQUIRE))
		kick_if_remote(v);
}

static unsigned long clear_pause_flag(struct vcpu *v, unsigned long flag)
{
	return __atomic_fetch_and(&v->pause_flags, ~flag, __ATOMIC_SEQ_CST) & flag;
}

void vcpu_unblock(struct vcpu *v)
{
	if (clear_pause_flag(v, VPF_blocked))
		vcpu_wake(v);
}

void vcpu_up(struct vcpu *v)
{
	clear_pause_flag(v, VPF_down);
	vcpu_wake(v);
}

/*
 * The flag is set before @done looks (a full barrier between them), and a
 * waker makes its event visible before it clears the flag: either @done
 * sees the event or the waker sees the flag.
 */
void vcpu_block(bool (*done)(struct vcpu *v))
{
	struct vcpu *v = current;

	__atomic_fetch_or(&v->pause_flags, VPF_blocked, __ATOMIC_SEQ_CST);
	if (done && done(v)) {
		clear_pause_flag(v, VPF_blocked);
		return;
	}
	set_need_resched(this_cpu_sched());
}

void vcpu_yield(void)
{
	unsigned long flags;
	struct sched_cpu *sc = vcpu_sched_lock(current, &flags);

	current->sched_yielded = true;
	set_need_resched(sc);
	sched_unlock(sc, flags);
}

/* @v can no longer run: off its queue, and off its CPU at the next reschedule. */
static void sleep_locked(struct sched_cpu *sc, struct vcpu *v)
{
	ASSERT_VCPU_SCHED_LOCKED(v);
	if (v->on_runq) {
		runq_remove(sc, v);
		vcpu_runstate_change(v, idle_runstate(v));
	}
	if (v->is_running) {
		set_need_resched(sc);
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
	unsigned long flags;
	struct sched_cpu *sc;

	__atomic_fetch_or(&v->pause_flags, VPF_down, __ATOMIC_SEQ_CST);
	sc = vcpu_sched_lock(v, &flags);
	sleep_locked(sc, v);
	sched_unlock(sc, flags);
}

/* Returns once @v is off its CPU (at once for the caller itself, on its way out). */
void vcpu_pause(struct vcpu *v)
{
	unsigned long flags;
	struct sched_cpu *sc = vcpu_sched_lock(v, &flags);

	v->pause_count++;
	sleep_locked(sc, v);
	sched_unlock(sc, flags);
	if (v != current)
		wait_off_cpu(v);
}

void vcpu_unpause(struct vcpu *v)
{
	unsigned long flags;
	struct sched_cpu *sc = vcpu_sched_lock(v, &flags);

	if (v->pause_count && !--v->pause_count) {
		if (!v->is_running && !v->on_runq && v->runstate.state != idle_runstate(v))
			vcpu_runstate_change(v, idle_runstate(v));
		wake_locked(sc, v);
	}
	sched_unlock(sc, flags);
}

void vcpu_runstate_update(struct vcpu *v)
{
	unsigned long flags;
	struct sched_cpu *sc = vcpu_sched_lock(v, &flags);

	vcpu_runstate_change(v, v->runstate.state);
	sched_unlock(sc, flags);
}

/* ---- Switching. */

static void switch_out(struct sched_cpu *sc, struct vcpu *prev)
{
	ASSERT_LOCKED(&sc->lock);
	__atomic_store_n(&sc->running, NULL, __ATOMIC_RELEASE);
	prev->is_running = false;
	/* Its turn is over: no look at it. */
	if (sc->spin_runner == prev)
		sc->spin_runner = NULL;
	sc->vtime_last = prev->sched_vtime; /* charged by schedule() */
	vcpu_runstate_change(prev, idle_runstate(prev));
}

static void switch_in(struct sched_cpu *sc, struct vcpu *next, u64 now)
{
	ASSERT_LOCKED(&sc->lock);
	__atomic_store_n(&next->is_running, true, __ATOMIC_RELEASE);
	next->sched_since = now;
	next->sched_run_start = now;
	__atomic_store_n(&sc->running, next, __ATOMIC_RELEASE);
	vcpu_runstate_change(next, RUNSTATE_running);
}

/*
 * The running vCPU @prev may no longer run on this CPU (its hard affinity
 * changed): its state is saved here, this CPU forgets it, and it is queued
 * on a CPU it may use. No run-queue lock is held.
 */
static void move_away(struct vcpu *prev)
{
	arch_save_vcpu_off(smp_processor_id(), prev);
	move_and_wake(prev);
}

/*
 * The first vCPU of this CPU that can run, idling (interrupts on, the
 * run-queue lock let go) until there is one (*@wake_at: when a capped one
 * waiting may run again, 0 if none; updated). While free frames are dirty
 * it zeroes them a batch at a time, looking for a runnable vCPU between
 * batches, instead of waiting. Called and returns with the lock held;
 * *@now is the time of the last look at the queue, read once per look.
 */
static struct vcpu *idle_until_runnable(struct sched_cpu *sc, u64 *now, u64 *wake_at)
{
	struct vcpu *next;

	*now = system_time();
	while (!(next = runq_pick(sc, *now, wake_at))) {
		u64 t0 = *now;

		arm_slice(sc, NULL, t0, *wake_at);
		spin_unlock(&sc->lock);
		/*
		 * A scrub batch ends by taking pending interrupts, a wake's kick
		 * among them, so the queue is looked at again before any halt:
		 * halting after it would sleep through that wake, even when the
		 * batch found nothing to zero (another CPU finished the block).
		 */
		if (scrub_pending())
			arch_idle_scrub();
		else
			arch_idle_wait();
		spin_lock(&sc->lock);
		*now = system_time();
		sc->idle_time += *now - t0;
	}
	return next;
}

/* @next runs on this CPU from now on (its state is loaded afterwards). */
static void start_next(struct sched_cpu *sc, struct vcpu *next, u64 now, u64 wake_at)
{
	*resched_flag(sc) = false;
	switch_in(sc, next, now);
	arm_slice(sc, next, now, wake_at);
}

/*
 * Xen's rate limit: @prev, still runnable, keeps its CPU until it has run
 * SCHED_RATELIMIT_NS since it got it, whoever woke meanwhile; the slice
 * timer then ends its turn (or its cap budget's end, if sooner). A vCPU
 * busy with a stream of another's events (a backend, a sender filling a
 * ring) so does a batch of work between switches instead of one event's.
 * A yield and an exhausted cap are not held back.
 */
static bool rate_limited(struct sched_cpu *sc, struct vcpu *prev, u64 now)
{
	u64 end = prev->sched_run_start + SCHED_RATELIMIT_NS, left;

	if (prev->sched_yielded || now >= end || !sc->runq_head)
		return false;
	left = cap_left(prev->domain, now);
	if (!left)
		return false;
	set_timer(&sc->slice_timer, left != ~0ULL && now + left < end ? now + left : end);
	return true;
}

/*
 * Charge the previous vCPU for its time, queue it again if it can still
 * run here, and switch to the one runq_pick() chooses (perhaps the same).
 * With nothing runnable the CPU idles until an interrupt wakes a vCPU;
 * meanwhile current still names the vCPU that ran last.
 */
void schedule(void)
{
	struct sched_cpu *sc = this_cpu_sched();
	struct vcpu *prev = current, *next, *moving = NULL;
	u64 now = system_time(), wake_at;
	unsigned long flags;

	spin_lock_irqsave(&sc->lock, flags);
	*resched_flag(sc) = false;
	if (prev && !prev->is_running)
		prev = NULL; /* torn down, or switched out already */
	if (prev) {
		account(prev, now);
		if (vcpu_runnable(prev) && !cpu_allowed(prev, smp_processor_id()))
			moving = prev;
		else if (vcpu_runnable(prev) && rate_limited(sc, prev, now)) {
			spin_unlock_irqrestore(&sc->lock, flags);
			return;
		} else if (vcpu_runnable(prev))
			runq_insert(sc, prev);
	}
	next = runq_pick(sc, now, &wake_at);
	if (prev)
		prev->sched_yielded = false;
	if (next && next == prev) {
		arm_slice(sc, next, now, wake_at);
		spin_unlock_irqrestore(&sc->lock, flags);
		return;
	}
	if (prev)
		switch_out(sc, prev);
	/* Running before the lock goes, so that no waker queues it again. */
	if (next)
		start_next(sc, next, now, wake_at);
	spin_unlock(&sc->lock);
	/* Its ticker stops (a tick raises an event: the event lock goes before ours). */
	if (prev)
		vcpu_sched_out(prev);
	if (moving)
		move_away(moving); /* takes two CPUs' run-queue locks */
	if (!next) {
		spin_lock(&sc->lock);
		next = idle_until_runnable(sc, &now, &wake_at);
		start_next(sc, next, now, wake_at);
		spin_unlock(&sc->lock);
	}
	vcpu_sched_in(next);
	local_irq_restore(flags);
	if (current != prev)
		prev = NULL; /* this CPU was made to forget it (arch_forget_vcpu) */
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

u64 vcpu_cpu_time(struct vcpu *v)
{
	unsigned long flags;
	struct sched_cpu *sc = vcpu_sched_lock(v, &flags);
	u64 t;

	if (v->is_running)
		vcpu_runstate_change(v, RUNSTATE_running); /* bring it up to date */
	t = v->runstate.time[RUNSTATE_running];
	sched_unlock(sc, flags);
	return t;
}

u64 domain_cpu_time(const struct domain *d)
{
	u64 t = 0;

	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++) {
		if (d->vcpu[i])
			t += vcpu_cpu_time(d->vcpu[i]);
	}
	return t;
}
