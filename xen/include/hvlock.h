/*
 * The hypervisor lock (xen/arch/x86/smp.c; docs/design.md, "Locks").
 *
 * Guests run on every CPU at once, but hypervisor code runs on one CPU at
 * a time: a CPU holds this lock from the moment it enters the hypervisor
 * (a hypercall, a trap or interrupt from a guest, an interrupt that woke
 * its idle wait) until it goes back to a guest or waits idle. The state
 * the lock covers is everything the per-structure locks of the written
 * order will cover one day: domains, vCPUs and run queues, PIRQs, the frame
 * table's counts. Event channels and grant tables have their own locks
 * already (a domain's event lock, a table's grant and maptrack locks),
 * taken inside this one.
 *
 * Not under it: the call-function and TLB-flush IPIs (their senders hold
 * it and wait for them; a CPU spinning for the lock serves them), NMIs,
 * a PV guest's EVTCHNOP_send, unmask and status (pv/hypercall.c,
 * event_channel.c), which take only event locks (trylock: a busy one
 * runs the op the slow way) and run-queue locks, and never fault while
 * they hold one, and the paths that touch only the current vCPU: a guest
 * user's syscall bounce, the iret, stack_switch, fpu_taskswitch and
 * set_segment_base hypercalls, the caller's own singleshot timer calls
 * (vcpu_timer_op_is_own, timer.h), a guest #PF that is not a present-page
 * write (pv_unlocked_ok, pv.h). A fault or a crash on them takes it.
 */
#ifndef PETREL_HVLOCK_H
#define PETREL_HVLOCK_H

/* This CPU holds the lock (false on a lockless fast path, the event-channel ops'). */
bool hv_held(void);
/* Entering the hypervisor: take the lock unless this CPU holds it already (nesting). */
void hv_enter(void);
/*
 * Before domain_crash() (which needs the lock) on a path that may run
 * without it: take it if this CPU does not hold it. The crash never
 * returns; the way back to the next vCPU lets it go (hv_leave_to_guest).
 */
void hv_enter_to_crash(void);
/* The end of what hv_enter() began; the outermost one lets the lock go. */
void hv_leave(void);
/* Going back to a guest (whatever the nesting): the lock goes. */
void hv_leave_to_guest(void);
/* Let the other CPUs in while this one waits for one of them; hv_wait_end() takes it back. */
unsigned int hv_wait_begin(void);
void hv_wait_end(unsigned int depth);
/*
 * One turn of such a wait (interrupts are off): serve the call-function
 * and TLB-flush requests the lock's holder may be waiting for, then pause.
 */
void hv_relax(void);
/*
 * Per-CPU counts of the lock's takings, the ones that found it busy and
 * the TSC cycles spent waiting (debug keys 'P' and 'p', hcstats.c).
 */
void hv_lock_stats_reset(void);
void hv_lock_stats_print(void);

/*
 * Why this CPU takes the lock next, for the per-cause counts printed with
 * the per-CPU ones: a hypercall's number, an exception's vector, or one of
 * the causes below. Said by the entry paths just before hv_enter(); a CPU
 * that holds the lock already keeps the cause it took it for.
 */
#define HV_WHY_HYPERCALL(nr) ((nr) < 64 ? (unsigned int)(nr) : HV_WHY_OTHER)
#define HV_WHY_TRAP(vec) (64 + (unsigned int)(vec))
enum {
	HV_WHY_IRQ = 96,     /* an interrupt other than the two below */
	HV_WHY_TIMER,	     /* the LAPIC timer's interrupt */
	HV_WHY_EVENT_CHECK,  /* the event-check IPI (a kick) */
	HV_WHY_USER_SYSCALL, /* a guest user's syscall bounced the slow way */
	HV_WHY_RETURN,	     /* a lockless path's way back that has work (pv_return_unlocked) */
	HV_WHY_WAIT,	     /* the end of a wait that let the lock go (idle, pause) */
	HV_WHY_OTHER,	     /* anything else: boot, sysenter, HVM exits, a crash */
	HV_WHY_MAX
};
void hv_note_why(unsigned int why);

#endif
