/*
 * Exceptions raised by a PV guest: forced-emulation CPUID, and bouncing the
 * rest to the guest kernel's trap table with Xen's exception frame:
 *   { RCX, R11, [ERRCODE,] RIP, CS, RFLAGS, RSP, SS }   (lowest address first)
 * CS carries the saved event mask in bits 32-39 and RPL 0 when the guest was
 * in kernel mode; RFLAGS.IF shows the virtual interrupt flag, and RFLAGS.IOPL
 * the virtual IOPL when the domain enabled VMASST_TYPE_architectural_iopl.
 */
#include "types.h"
#include "lib.h"
#include "asm.h"
#include "console.h"
#include "desc.h"
#include "domain.h"
#include "hvm.h"
#include "uaccess.h"
#include "traps.h"
#include "pv.h"
#include "pv_mm.h"
#include "sched.h"
#include "public/xen.h"
#include "hvlock.h"
#include "hcstats.h"
#include "timer.h"
#include "apic.h"

#define TRAP_DB 1
#define TRAP_BP 3
#define TRAP_UD 6
#define TRAP_NM 7
#define TRAP_GP 13
#define TRAP_PF 14
#define TI_MASK_EVENTS 4
#define PFEC_PRESENT 1
#define PFEC_WRITE 2
#define PFEC_USER 4

static bool vector_has_error_code(unsigned int v)
{
	return v == 8 || v == 10 || v == 11 || v == 12 || v == 13 || v == 14 || v == 17 ||
	       v == 21 || v == 29 || v == 30;
}

/*
 * RFLAGS as the guest's handler sees it: IF is the virtual interrupt flag
 * (the event mask), and with VMASST_TYPE_architectural_iopl IOPL is the
 * virtual IOPL.
 */
static u64 frame_rflags(const struct vcpu *v, u64 rflags, u8 mask)
{
	rflags &= ~(X86_EFLAGS_IF | X86_EFLAGS_IOPL);
	if (!mask)
		rflags |= X86_EFLAGS_IF;
	if (v->domain->vm_assist & (1UL << VMASST_TYPE_architectural_iopl))
		rflags |= (u64)v->arch.pv.iopl << 12;
	return rflags;
}

/* Push Xen's exception frame on the guest kernel stack and enter the handler. */
static void bounce(struct cpu_regs *r, const struct trap_bounce_entry *t, s64 ec)
{
	struct vcpu *v = current;
	struct vcpu_info *vi = v->vcpu_info;
	u64 frame[8], cs = r->cs, sp, n = 0;
	u8 saved_mask = vi->evtchn_upcall_mask;

	if (v->arch.pv.in_kernel) {
		sp = r->rsp;
		cs &= ~3UL;
	} else {
		sp = v->arch.pv.kernel_sp;
		pv_toggle_guest_mode(v); /* kernel page tables and GS base first */
	}
	sp &= ~0xfUL;
	if (t->flags & TI_MASK_EVENTS)
		vi->evtchn_upcall_mask = 1;
	frame[n++] = r->rcx;
	frame[n++] = r->r11;
	if (ec >= 0)
		frame[n++] = (u64)ec;
	frame[n++] = r->rip;
	frame[n++] = (cs & 0xffff) | ((u64)saved_mask << 32);
	frame[n++] = frame_rflags(v, r->rflags, saved_mask);
	frame[n++] = r->rsp;
	frame[n++] = r->ss;
	sp -= n * 8;
	if (copy_to_guest(sp, frame, n * 8)) {
		hv_enter_to_crash();
		domain_crash(v->domain, "cannot write an exception frame at %#lx", sp);
	}
	r->rflags &=
	    ~(X86_EFLAGS_AC | X86_EFLAGS_VM | X86_EFLAGS_RF | X86_EFLAGS_NT | X86_EFLAGS_TF);
	r->rsp = sp;
	r->ss = FLAT_KERNEL_SS64;
	r->cs = FLAT_KERNEL_CS64;
	r->rip = t->address;
	/*
	 * The guest's rcx and r11 are in the frame now: give the handler what
	 * sysretq loads (as Xen's exit does), so that entry.S can leave
	 * through it.
	 */
	r->rcx = r->rip;
	r->r11 = r->rflags;
}

void pv_inject_exception(struct cpu_regs *r, unsigned int vector, s64 ec)
{
	const struct trap_bounce_entry *t = &current->arch.pv.traps[vector & 0xff];

	if (!t->address) {
		hv_enter_to_crash();
		domain_crash(current->domain,
			     "unhandled %s (vector %u, error code %#lx) at rip %#lx, no handler "
			     "in the guest's trap table",
			     vector_name(vector), vector, ec < 0 ? 0UL : (u64)ec, r->rip);
	}
	bounce(r, t, ec);
}

void pv_inject_page_fault(struct cpu_regs *r, u64 cr2, u64 ec)
{
	current->vcpu_info->arch.cr2 = cr2;
	/* Both guest modes run in ring 3: report the guest's own mode. */
	ec &= ~(u64)PFEC_USER;
	if (!current->arch.pv.in_kernel)
		ec |= PFEC_USER;
	pv_inject_exception(r, TRAP_PF, (s64)ec);
}

/* Enter a callback (event, syscall...) with the exception frame, no error code. */
void pv_bounce_callback(struct cpu_regs *r, u64 address, bool mask_events)
{
	struct trap_bounce_entry t = {
		.cs = FLAT_KERNEL_CS64,
		.flags = mask_events ? TI_MASK_EVENTS : 0,
		.address = address,
	};

	bounce(r, &t, -1);
}

/*
 * A page fault under the lock: a shadow's, a write the hypervisor completes
 * (pv_ro_page_fault), or the guest's own, bounced; counted by outcome.
 */
static void pv_page_fault(struct cpu_regs *r)
{
	u64 start = hcstats_start();
	unsigned int how = HCSTATS_PF_BOUNCED;

	if (pv_any_shadowed() && pv_shadow_fault(read_cr2(), &r->error_code))
		how = HCSTATS_PF_SHADOW;
	else if (pv_ro_page_fault(r, read_cr2()))
		how = HCSTATS_PF_RO_WRITE;
	else
		pv_inject_page_fault(r, read_cr2(), r->error_code);
	hcstats_end(HCSTATS_PAGEFAULT, how, start);
}

void pv_trap(struct cpu_regs *r)
{
	unsigned int v = (unsigned int)r->vector;

	if (v == TRAP_DB) /* #DB: the guest reads the cause with get_debugreg(6) */
		pv_collect_dr6();
	if (v == TRAP_UD && pv_emulate_invalid_op(r))
		return;
	if (v == TRAP_NM && !pv_fpu_device_not_available(r))
		return;
	if (v == TRAP_GP && !r->error_code && pv_emulate_gp(r))
		return;
	if (v == TRAP_GP && (r->error_code & 3) == 2 && pv_emulate_gp(r))
		return;
	/* Page faults are routine (demand paging in the guest); others are worth a line. */
	if (v == TRAP_PF) {
		pv_page_fault(r);
		return;
	}
	/*
	 * Not #DB and #BP: they are the guest's own debugging and code patching
	 * (Linux patches live code through int3, and its other CPUs may hit the
	 * int3 thousands of times meanwhile), and a line each would flush the
	 * console ring.
	 */
	if (v != TRAP_DB && v != TRAP_BP)
		printk(XENLOG_G_GUEST XENLOG_DEBUG "d%u: %s at %#lx, error code %#lx\n",
		       current->domain->domain_id, vector_name(v), r->rip, r->error_code);
	pv_inject_exception(r, v, vector_has_error_code(v) ? (s64)r->error_code : -1);
}

/*
 * A write to a present page may be one the hypervisor completes (a page
 * table written through the writable page-table assist, dom0's read-only
 * MMIO): pv_ro_page_fault decides that under the lock. Any other fault of
 * a domain without shadows is the guest's own, as on the slow path.
 */
bool pv_page_fault_without_lock(struct cpu_regs *r)
{
	const u64 present_write = PFEC_PRESENT | PFEC_WRITE;
	u64 start;

	if (r->vector != TRAP_PF || (r->error_code & present_write) == present_write ||
	    !pv_unlocked_ok(current))
		return false;
	start = hcstats_start();
	pv_inject_page_fault(r, read_cr2(), r->error_code);
	hcstats_end(HCSTATS_PAGEFAULT, HCSTATS_PF_UNLOCKED, start);
	pv_return_unlocked(r);
	return true;
}

/*
 * The LAPIC timer's interrupt (acknowledged) from a PV guest whose due
 * timers are its own singleshot timer only: VIRQ_TIMER raised, and the
 * upcall bounced, without the lock (timer_softirq_unlocked). False when a
 * due timer needs the lock (another vCPU's, the scheduler's slice, a busy
 * event lock): the caller runs the interrupt under it.
 */
bool pv_timer_without_lock(struct cpu_regs *r)
{
	struct vcpu *v = current;

	if (!timer_unlocked_on || r->vector != APIC_TIMER_VECTOR || is_hvm_vcpu(v) ||
	    !pv_unlocked_ok(v) || !timer_softirq_unlocked(v))
		return false;
	pv_return_unlocked(r);
	return true;
}

/*
 * Straight back to the guest, bouncing a due upcall without the lock with
 * timer_unlocked (it writes only the vCPU's own frame, kernel stack and
 * upcall mask, as the lockless syscall and #PF bounces do); a reschedule,
 * a timer due now or the first time set-up take the lock.
 */
__hotpath void pv_return_unlocked(struct cpu_regs *r)
{
	struct vcpu *v = current;

	if (sched_need_resched() || !v->time_started || timer_due_now_here() ||
	    (!timer_unlocked_on && evtchn_upcall_due(v))) {
		hv_note_why(HV_WHY_RETURN);
		hv_enter();
		pv_return_to_guest(r);
		return;
	}
	if (evtchn_upcall_due(v) && v->arch.pv.event_callback)
		pv_bounce_callback(r, v->arch.pv.event_callback, true);
}

/*
 * Checked on every way back to the guest: an upcall that is pending and not
 * masked enters the event callback with events masked.
 */
void pv_return_to_guest(struct cpu_regs *r)
{
	struct vcpu *v;

	/* A timer armed for a past time fires now, as the guest could see it pending. */
	if (timer_due_now_here())
		timer_run_due();
	/* Only a frame at the stack top can be switched (not one on an IST stack). */
	if (sched_need_resched() && r == guest_regs()) {
		schedule();
		if (is_hvm_vcpu(current))
			hvm_resume_current(); /* an HVM vCPU enters through its own loop */
	}
	domain_reap(); /* a quiescent point: no borrowed domain pointer is live */
	v = current;
	if (!v->time_started)
		pv_time_check(v);
	if (evtchn_upcall_due(v) && v->arch.pv.event_callback)
		pv_bounce_callback(r, v->arch.pv.event_callback, true);
	hv_leave_to_guest();
}
