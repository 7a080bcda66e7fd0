/*
 * The PV syscall entry: a guest kernel's syscall is a hypercall, a guest
 * user's syscall goes to the guest kernel's syscall callback.
 */
#include "types.h"
#include "errno.h"
#include "console.h"
#include "domain.h"
#include "hypercall.h"
#include "sched.h"
#include "pv.h"
#include "pv_mm.h"
#include "asm.h"
#include "desc.h"
#include "public/callback.h"
#include "apic.h"
#include "setup.h"
#include "hvlock.h"
#include "hvm.h"
#include "event.h"
#include "sched.h"
#include "public/xen.h"
#include "public/event_channel.h"
#include "hcstats.h"
#include "timer.h"

DEFINE_PER_CPU(u64[NR_HYPERCALLS], hypercall_count);

/*
 * When the current hypercall's slice started (0: not yet, the clock is read
 * at its first preemption check, so that the many hypercalls that never
 * check do not read it), and whether it may be preempted.
 */
static u64 hypercall_start_ns;
static unsigned int in_multicall;

#define HYPERCALL_SLICE_NS 1000000 /* 1 ms */

__hvm_hot void hypercall_mark_start(void)
{
	hypercall_start_ns = 0;
}

bool hypercall_preempt_check(void)
{
	if (in_multicall)
		return false;
	if (boot_opts.hypercall_preempt_always)
		return true;
	if (!hypercall_start_ns) {
		hypercall_start_ns = now_ns() | 1;
		return false;
	}
	return now_ns() - hypercall_start_ns > HYPERCALL_SLICE_NS;
}

/*
 * Make the guest issue hypercall @nr again with @args when it next runs:
 * its syscall instruction is 2 bytes, and the dispatcher stores our return
 * value in rax, so returning @nr leaves rax ready for the retry.
 */
long hypercall_create_continuation(unsigned int nr, unsigned int nargs, const unsigned long *args)
{
	struct cpu_regs *r = guest_regs();
	u64 *const regs[5] = { &r->rdi, &r->rsi, &r->rdx, &r->r10, &r->r8 };

	if (is_hvm_vcpu(current))
		return hvm_hypercall_continuation(nr, nargs, args);
	for (unsigned int i = 0; i < nargs && i < 5; i++)
		*regs[i] = args[i];
	r->rip -= 2;
	return nr;
}

void multicall_enter(void)
{
	in_multicall++;
}

void multicall_exit(void)
{
	in_multicall--;
}

u64 arch_cpu_hypercalls(unsigned int cpu)
{
	const u64 *row = per_cpu(hypercall_count, cpu);
	u64 n = 0;

	for (unsigned int i = 0; i < NR_HYPERCALLS; i++)
		n += __atomic_load_n(&row[i], __ATOMIC_RELAXED);
	return n;
}

__hotpath long hypercall_dispatch(u64 nr, const unsigned long a[5])
{
	const struct hypercall_desc *h;
	u64 start;
	long rc;

	if (nr >= NR_HYPERCALLS || !hypercall_table[nr].fn)
		return -ENOSYS;
	h = &hypercall_table[nr];
	if (h->privileged && !current->domain->is_privileged)
		return -EPERM;
	this_cpu(hypercall_count)[nr]++; /* this CPU's own row: no locked add */
	start = hcstats_start();
	rc = h->fn(a[0], a[1], a[2], a[3], a[4]);
	hcstats_end(HCSTATS_HYPERCALL, (unsigned int)nr, start);
	return rc;
}

static long dispatch(struct cpu_regs *r)
{
	const unsigned long args[5] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8 };

	hypercall_mark_start();
	return hypercall_dispatch(r->rax, args);
}

/*
 * A guest kernel's EVTCHNOP_send, unmask or status, done without the
 * hypervisor lock (evtchn_op_unlocked). True when it was done: the guest
 * goes straight back, unless the way back has work (a reschedule, an
 * upcall to bounce, such as one the unmask raised, the vCPU's first time
 * check), which takes the lock. False: nothing was done, the slow path
 * runs it.
 */
static bool event_op_without_lock(struct cpu_regs *r)
{
	struct vcpu *v = current;
	long rc;

	/* Under log-dirty shadows a copy to the guest may fault: that takes the lock. */
	if (r->rax != __HYPERVISOR_event_channel_op || !v->arch.pv.in_kernel ||
	    (pv_any_shadowed() && pv_shadowed(v->domain)))
		return false;
	/* Counted first: a wake the op makes sees it (sched_preempt_spin). */
	this_cpu(hypercall_count)[__HYPERVISOR_event_channel_op]++;
	rc = evtchn_op_unlocked((u32)r->rdi, r->rsi);
	if (rc == -EAGAIN) {
		/* The slow path counts it. */
		this_cpu(hypercall_count)[__HYPERVISOR_event_channel_op]--;
		return false;
	}
	r->rax = (u64)rc;
	pv_return_unlocked(r);
	return true;
}

/*
 * A user-mode syscall enters the guest kernel's syscall callback; one from
 * 32-bit code its syscall32 callback when it has one.
 */
static void bounce_user_syscall(struct cpu_regs *r, struct vcpu *v)
{
	bool compat = r->cs == FLAT_RING3_CS32 && v->arch.pv.syscall32_callback;
	u64 cb = compat ? v->arch.pv.syscall32_callback : v->arch.pv.syscall_callback;
	unsigned int type = compat ? CALLBACKTYPE_syscall32 : CALLBACKTYPE_syscall;

	if (cb)
		pv_bounce_callback(r, cb, v->arch.pv.callback_mask & (1u << type));
	else
		pv_inject_exception(r, 6, -1); /* none registered: #UD */
}

/*
 * Hypercalls that read and write only the calling vCPU's own state and this
 * CPU's registers: iret (below), stack_switch (the kernel stack), fpu_taskswitch
 * (the virtual and real CR0.TS), set_segment_base (the FS and GS bases and
 * the user %gs selector; a bad selector's fault is fixed up in do_trap);
 * and xen_version, which reads only what is fixed at boot or at the
 * domain's creation (the version strings, the command line, the feature
 * bits of the caller's domain: its privilege and, one word, its vm_assist)
 * and writes only the caller's own memory.
 */
static bool own_vcpu_hypercall(u64 nr)
{
	return nr == __HYPERVISOR_iret || nr == __HYPERVISOR_stack_switch ||
	       nr == __HYPERVISOR_fpu_taskswitch || nr == __HYPERVISOR_set_segment_base ||
	       nr == __HYPERVISOR_xen_version;
}

/*
 * A guest user's syscall and a guest kernel's own_vcpu_hypercall or call on
 * its own singleshot timer (vcpu_timer_op_is_own), done without the
 * hypervisor lock: they read and write only the current vCPU
 * (its registers, callbacks, trap table, page-table roots and vcpu_info)
 * and its own stack; a crash on the way (an unwritable kernel stack, a bad
 * iret frame) takes the lock first (hv_enter_to_crash). False when they may not run
 * now (pv_unlocked_ok): the slow path does them.
 */
static bool own_vcpu_op_without_lock(struct cpu_regs *r)
{
	struct vcpu *v = current;
	const unsigned long args[5] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8 };

	if (!pv_unlocked_ok(v))
		return false;
	if (!v->arch.pv.in_kernel)
		bounce_user_syscall(r, v);
	else if (own_vcpu_hypercall(r->rax) || vcpu_timer_op_is_own(v, r->rax, args))
		r->rax = (u64)hypercall_dispatch(r->rax, args);
	else
		return false;
	pv_return_unlocked(r);
	return true;
}

__hotpath void do_syscall(struct cpu_regs *r)
{
	if (event_op_without_lock(r) || own_vcpu_op_without_lock(r))
		return;
	hv_note_why(current->arch.pv.in_kernel ? HV_WHY_HYPERCALL(r->rax) : HV_WHY_USER_SYSCALL);
	hv_enter();
	if (!current->arch.pv.in_kernel)
		bounce_user_syscall(r, current);
	else
		r->rax = (u64)dispatch(r);
	pv_return_to_guest(r);
}

/*
 * sysenter (entry.S): to the sysenter callback, or #GP(0) in the guest
 * kernel when it registered none, as Xen does.
 */
void do_sysenter(struct cpu_regs *r)
{
	struct vcpu *v;

	hv_enter();
	v = current;

	r->rflags |= X86_EFLAGS_IF; /* sysenter cleared the guest's real IF */
	if (v->arch.pv.sysenter_callback)
		pv_bounce_callback(r, v->arch.pv.sysenter_callback,
				   v->arch.pv.callback_mask & (1u << CALLBACKTYPE_sysenter));
	else
		pv_inject_exception(r, 13, 0);
	pv_return_to_guest(r);
}

/*
 * Xen's hypercall page layout: 32-byte stubs, "push %rcx; push %r11;
 * mov $nr, %eax; syscall; pop %r11; pop %rcx; ret"; the iret stub pushes
 * %rax as well and does not return. The rest of each slot is int3 (0xcc).
 * Each slot is written as four quadwords from one of two templates, with
 * the hypercall number put into the mov's immediate.
 */
#define STUB_NR_BYTE 4 /* the low byte of "mov $nr, %eax" in a plain stub */

static void fill_slot_template(u64 *slot, const u8 *code, unsigned int len)
{
	u8 *b = (u8 *)slot;

	for (unsigned int j = 0; j < 32; j++)
		b[j] = j < len ? code[j] : 0xcc;
}

void pv_fill_hypercall_page(void *page)
{
	static const u8 stub[] = { 0x51, 0x41, 0x53, 0xb8, 0,	 0,    0,
				   0,	 0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3 };
	static const u8 iret[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 23, 0, 0, 0, 0x0f, 0x05 };
	u64 plain[4], iret_slot[4];
	u64 *q = page;

	fill_slot_template(plain, stub, sizeof(stub));
	fill_slot_template(iret_slot, iret, sizeof(iret));
	for (unsigned int i = 0; i < 128; i++, q += 4) {
		const u64 *t = i == 23 ? iret_slot : plain;
		u64 nr = i == 23 ? 0 : (u64)i << (8 * STUB_NR_BYTE);

		q[0] = t[0] | nr;
		q[1] = t[1];
		q[2] = t[2];
		q[3] = t[3];
	}
}
