/*
 * vcpu_op (24) and set_timer_op (15): bringing a vCPU up and down, its
 * timers (singleshot and periodic, both raising VIRQ_TIMER), its runstate
 * and the guest's copy of it, where its vcpu_info lives; and what happens
 * to them when the scheduler (common/scheduler.c) switches the vCPU out
 * and in.
 */
#include "types.h"
#include "lib.h"
#include "asm.h"
#include "errno.h"
#include "console.h"
#include "page.h"
#include "mm.h"
#include "domain.h"
#include "event.h"
#include "timer.h"
#include "uaccess.h"
#include "sched.h"
#include "hvm.h"
#include "hvlock.h"
#include "public/vcpu.h"
#include "public/sched.h"

static void singleshot_fn(void *data)
{
	send_guest_vcpu_virq(data, VIRQ_TIMER);
}

/*
 * From the timer interrupt of the CPU where the vCPU runs, without
 * hv_lock (timer_softirq_unlocked): only the vCPU itself arms or stops
 * this timer, and it is in that interrupt.
 */
static bool singleshot_try(void *data)
{
	return send_guest_vcpu_virq_try(data, VIRQ_TIMER);
}

/*
 * The periodic ticker runs while the vCPU runs (as on Xen, it does not wake
 * a blocked vCPU): a tick is due a period after the last one, and one that
 * fell due while the vCPU was blocked comes as soon as it runs again.
 */
static void periodic_work(struct vcpu *v)
{
	u64 now = system_time();

	if (!v->periodic_period)
		return;
	if (now >= v->periodic_last + v->periodic_period) {
		send_guest_vcpu_virq(v, VIRQ_TIMER);
		v->periodic_last = now;
	}
	set_timer(&v->periodic_timer, v->periodic_last + v->periodic_period);
}

static void periodic_fn(void *data)
{
	periodic_work(data);
}

static void poll_timeout_fn(void *data)
{
	struct vcpu *v = data;

	v->polling = false;
	vcpu_unblock(v);
}

void vcpu_timers_init(struct vcpu *v)
{
	if (v->timers_ready)
		return;
	/* On @v's CPU, not the caller's (vCPU 0 brings up the others). */
	init_timer_on(&v->singleshot_timer, singleshot_fn, v, v->processor);
	v->singleshot_timer.try_fn = singleshot_try;
	init_timer_on(&v->periodic_timer, periodic_fn, v, v->processor);
	init_timer_on(&v->poll_timer, poll_timeout_fn, v, v->processor);
	/* A vCPU not brought up yet is offline, and its ticker waits until it runs. */
	v->runstate.state = (v->pause_flags & VPF_down) ? RUNSTATE_offline : RUNSTATE_running;
	v->runstate.state_entry_time = system_time();
	v->timers_ready = true;
	/* PV guests start with a 100 Hz ticker, as on Xen; HVM guests without one. */
	v->periodic_period = is_hvm_vcpu(v) ? 0 : MILLISECS(10);
	v->periodic_last = v->runstate.state_entry_time;
	if (!(v->pause_flags & VPF_down))
		periodic_work(v);
}

/* ---- Runstate. */

/*
 * The runstate area is a guest virtual address, so it is written only
 * through the page tables of @v's own domain: those of the vCPU this CPU
 * runs (current) when it belongs to that domain, and only with the
 * hypervisor lock held (a fault takes it: a lockless send or unmask wake must
 * not). A change made from another domain's context or without the lock
 * (a wake, a pause, the switch to @v before its page tables
 * are loaded) is written when @v runs next (vcpu_runstate_publish), and one
 * that faults (a PV vCPU in user mode, whose tables lack the kernel's half)
 * when it enters its kernel.
 */
static bool runstate_area_reachable(const struct vcpu *v)
{
	return current && current->domain == v->domain && hv_held();
}

/*
 * Copy the runstate to the guest. With VMASST_TYPE_runstate_update_flag,
 * XEN_RUNSTATE_UPDATE is set in state_entry_time while the copy is written,
 * so that a reader on another CPU can tell a torn copy.
 */
static void write_runstate_area(struct vcpu *v)
{
	struct vcpu_runstate_info rs = v->runstate;
	u64 entry = v->runstate_guest + offsetof(struct vcpu_runstate_info, state_entry_time);
	bool flag = v->domain->vm_assist & (1UL << VMASST_TYPE_runstate_update_flag);
	u8 top;

	if (!v->runstate_guest)
		return;
	if (!runstate_area_reachable(v)) {
		v->runstate_stale = true;
		return;
	}
	v->runstate_stale = false;
	if (flag) {
		rs.state_entry_time |= XEN_RUNSTATE_UPDATE;
		top = (u8)(rs.state_entry_time >> 56);
		copy_to_guest(entry + 7, &top, 1);
		__asm__ volatile("" ::: "memory");
	}
	if (copy_to_guest(v->runstate_guest, &rs, sizeof(rs)))
		v->runstate_stale = true;
	if (flag) {
		top = (u8)(v->runstate.state_entry_time >> 56);
		__asm__ volatile("" ::: "memory");
		copy_to_guest(entry + 7, &top, 1);
	}
}

/* @v is current: write its runstate area if a change has not reached it. */
void vcpu_runstate_publish(struct vcpu *v)
{
	if (v->runstate_stale)
		write_runstate_area(v);
}

void vcpu_runstate_change(struct vcpu *v, int state)
{
	u64 now = system_time();
	struct vcpu_runstate_info *rs = &v->runstate;

	vcpu_timers_init(v);
	if (now > rs->state_entry_time && (unsigned int)rs->state < 4)
		rs->time[rs->state] += now - rs->state_entry_time;
	rs->state = state;
	rs->state_entry_time = now;
	write_runstate_area(v);
}

/* ---- Scheduling. */

/* The periodic ticker runs only while the vCPU runs (as on Xen). */
void vcpu_sched_out(struct vcpu *v)
{
	if (v->timers_ready)
		stop_timer(&v->periodic_timer);
	arch_vcpu_sched_out(v);
}

void vcpu_sched_in(struct vcpu *v)
{
	vcpu_timers_init(v);
	arch_vcpu_sched_in(v);
	if (!v->polling)
		stop_timer(&v->poll_timer); /* woken by an event before the timeout */
	periodic_work(v);
}

/*
 * @v moved to another CPU: its timers go with it (as Xen's do), so that
 * they fire where it runs, not on a CPU it left (which may be idle or
 * gone offline).
 */
void vcpu_timers_follow(struct vcpu *v)
{
	if (!v->timers_ready)
		return;
	migrate_timer(&v->singleshot_timer, v->processor);
	migrate_timer(&v->periodic_timer, v->processor);
	migrate_timer(&v->poll_timer, v->processor);
}

void vcpu_timers_kill(struct vcpu *v)
{
	if (!v->timers_ready)
		return;
	stop_timer(&v->singleshot_timer);
	stop_timer(&v->periodic_timer);
	stop_timer(&v->poll_timer);
	v->timers_ready = false;
}

/* ---- vcpu_op. */

static long set_singleshot(struct vcpu *v, unsigned long arg)
{
	struct vcpu_set_singleshot_timer s;

	if (v != current)
		return -EINVAL;
	if (copy_from_guest(&s, arg, sizeof(s)))
		return -EFAULT;
	if ((s.flags & VCPU_SSHOTTMR_future) && s.timeout_abs_ns < system_time())
		return -ETIME;
	set_timer(&v->singleshot_timer, s.timeout_abs_ns);
	return 0;
}

static void set_periodic(struct vcpu *v, u64 period)
{
	stop_timer(&v->periodic_timer);
	v->periodic_period = period;
	v->periodic_last = system_time();
	periodic_work(v);
}

static long register_runstate(struct vcpu *v, unsigned long arg)
{
	struct vcpu_register_runstate_memory_area a;

	if (copy_from_guest(&a, arg, sizeof(a)))
		return -EFAULT;
	if (a.addr.p && !guest_range_ok(a.addr.p, sizeof(struct vcpu_runstate_info)))
		return -EFAULT;
	v->runstate_guest = a.addr.p;
	vcpu_runstate_update(v); /* the times brought up to date, and written there */
	return 0;
}

/*
 * Move @v's vcpu_info to offset @offset of frame @mfn (a PV guest names
 * machine frames, an HVM guest its own guest frames). Once only, for the
 * caller or a vCPU that is down; the new copy starts with every
 * selector bit and upcall_pending set, so that nothing raised meanwhile is lost.
 */
static long register_vcpu_info(struct vcpu *v, unsigned long arg)
{
	struct vcpu_register_vcpu_info r;
	struct page_info *pg;
	struct vcpu_info *vi;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return -EFAULT;
	if (r.offset > PAGE_SIZE - sizeof(struct vcpu_info))
		return -EINVAL;
	/* Once; for the caller, or for a vCPU that is down (Xen's rule). */
	if (v->vcpu_info_mfn || (v != current && !(v->pause_flags & VPF_down)))
		return -EINVAL;
	if (is_hvm_vcpu(v))
		r.mfn = p2m_lookup(v->domain, r.mfn); /* INVALID_MFN outside RAM */
	if (r.mfn >= max_page)
		return -EINVAL;
	pg = mfn_to_page(r.mfn);
	if (pg->owner != v->domain || !get_page_type(pg, PGT_writable_page))
		return -EINVAL;
	get_page(pg);
	vi = (struct vcpu_info *)((u8 *)mfn_to_virt(r.mfn) + r.offset);
	memcpy(vi, v->vcpu_info, sizeof(*vi));
	v->vcpu_info = vi;
	v->vcpu_info_mfn = r.mfn;
	__asm__ volatile("" ::: "memory");
	vi->evtchn_upcall_pending = 1;
	vi->evtchn_pending_sel = ~0UL;
	if (is_hvm_vcpu(v))
		hvm_evtchn_upcall(v); /* as any 0 -> 1 edge of upcall_pending */
	update_vcpu_system_time(v);
	return 0;
}

/* A second vcpu_time_info at a guest address, kept like the one in vcpu_info. */
static long register_time_area(struct vcpu *v, unsigned long arg)
{
	struct vcpu_register_time_memory_area a;

	if (copy_from_guest(&a, arg, sizeof(a)))
		return -EFAULT;
	if (a.addr.p && !guest_range_ok(a.addr.p, sizeof(struct vcpu_time_info)))
		return -EFAULT;
	v->time_info_guest = a.addr.p;
	update_vcpu_system_time(v);
	return 0;
}

static long get_runstate(struct vcpu *v, unsigned long arg)
{
	struct vcpu_runstate_info rs;

	vcpu_runstate_update(v);
	rs = v->runstate;
	return copy_to_guest(arg, &rs, sizeof(rs)) ? -EFAULT : 0;
}

/* ---- Bringing vCPUs up and down. */

/* VCPUOP_up: a vCPU given its first context (VCPUOP_initialise) may run. */
static long vcpu_op_up(struct vcpu *v)
{
	if (!arch_vcpu_initialised(v))
		return -EINVAL;
	if (v->pause_flags & VPF_down)
		vcpu_up(v);
	return 0;
}

void vcpu_go_down(struct vcpu *v)
{
	struct domain *d = v->domain;
	bool others_up = false;

	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
		if (d->vcpu[i] && d->vcpu[i] != v && !(d->vcpu[i]->pause_flags & VPF_down))
			others_up = true;
	if (!others_up) {
		domain_shutdown(d, SHUTDOWN_poweroff);
		return;
	}
	vcpu_down(v);
}

static long vcpu_op_down(struct vcpu *v)
{
	vcpu_go_down(v);
	return 0;
}

long do_vcpu_op(unsigned long cmd, unsigned long vcpuid, unsigned long arg)
{
	struct domain *d = current->domain;
	struct vcpu *v;

	/* Xen reads the sub-op and the vCPU id as 32-bit values. */
	cmd = (unsigned int)cmd;
	vcpuid = (unsigned int)vcpuid;
	v = vcpuid < MAX_VIRT_CPUS ? d->vcpu[vcpuid] : NULL;
	struct vcpu_set_periodic_timer p;

	if (!v)
		return -ENOENT;
	vcpu_timers_init(v);
	switch (cmd) {
	case VCPUOP_initialise:
		return arch_initialise_vcpu(v, arg);
	case VCPUOP_up:
		return vcpu_op_up(v);
	case VCPUOP_down:
		return vcpu_op_down(v);
	case VCPUOP_is_up:
		return !(v->pause_flags & VPF_down);
	case VCPUOP_get_runstate_info:
		return get_runstate(v, arg);
	case VCPUOP_register_runstate_memory_area:
		return register_runstate(v, arg);
	case VCPUOP_set_periodic_timer:
		if (copy_from_guest(&p, arg, sizeof(p)))
			return -EFAULT;
		if (p.period_ns < MILLISECS(1) || p.period_ns > (~0ULL >> 2))
			return -EINVAL;
		set_periodic(v, p.period_ns);
		return 0;
	case VCPUOP_stop_periodic_timer:
		set_periodic(v, 0);
		return 0;
	case VCPUOP_set_singleshot_timer:
		return set_singleshot(v, arg);
	case VCPUOP_stop_singleshot_timer:
		if (v != current)
			return -EINVAL;
		stop_timer(&v->singleshot_timer);
		return 0;
	case VCPUOP_register_vcpu_info:
		return register_vcpu_info(v, arg);
	case VCPUOP_register_vcpu_time_memory_area:
		return register_time_area(v, arg);
	default:
		return -ENOSYS;
	}
}

/*
 * The calls that act on the caller's own singleshot timer and nothing else:
 * set_timer_op, and vcpu_op's set_singleshot_timer and stop_singleshot_timer
 * naming the caller. pv/hypercall.c runs them without hv_lock, through
 * do_vcpu_op and do_set_timer_op as on the slow path, once the vCPU's timers
 * are set up (vcpu_timers_init writes the runstate, which needs the lock).
 * They read the guest's argument, the system time and the timer, whose list
 * its CPU's timer_lock covers. The timer is on this CPU (checked): a running
 * vCPU's timers move only at its own reschedule, on the way back, and a
 * callback on a CPU it left ran under hv_lock before the move that brought it
 * here, so the only callback left is this CPU's timer interrupt, which cannot
 * come while the hypercall runs with interrupts off.
 */
bool vcpu_timer_op_is_own(const struct vcpu *v, u64 nr, const unsigned long a[5])
{
	unsigned int cmd = (unsigned int)a[0];

	if (!v->timers_ready ||
	    __atomic_load_n(&v->singleshot_timer.cpu, __ATOMIC_ACQUIRE) != smp_processor_id())
		return false;
	if (nr == __HYPERVISOR_set_timer_op)
		return true;
	return nr == __HYPERVISOR_vcpu_op && (unsigned int)a[1] == v->vcpu_id &&
	       (cmd == VCPUOP_set_singleshot_timer || cmd == VCPUOP_stop_singleshot_timer);
}

/*
 * The old singleshot interface: 0 stops the timer. A deadline that looks
 * wrapped (negative, or more than 2^50 ns ahead) is treated as 100 ms from
 * now, as Xen does for guests whose jiffies arithmetic overflowed.
 */
long do_set_timer_op(unsigned long timeout)
{
	struct vcpu *v = current;
	u64 now = system_time();
	s64 delta = (s64)(timeout - now);

	vcpu_timers_init(v);
	if (!timeout)
		stop_timer(&v->singleshot_timer);
	else if ((s64)timeout < 0 || (delta > 0 && (delta >> 50) != 0))
		set_timer(&v->singleshot_timer, now + MILLISECS(100));
	else
		set_timer(&v->singleshot_timer, timeout);
	return 0;
}
