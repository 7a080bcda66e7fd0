/*
 * The guest kernel's entry points and per-vCPU CPU state: set_trap_table
 * (the virtual IDT), callback_op / set_callbacks, stack_switch,
 * set_segment_base and fpu_taskswitch (the virtual CR0.TS).
 */
#include "types.h"
#include "lib.h"
#include "asm.h"
#include "errno.h"
#include "domain.h"
#include "uaccess.h"
#include "pv.h"
#include "public/xen.h"
#include "public/callback.h"

#define TRAP_NM 7

static bool is_canonical(u64 a)
{
	return (u64)((s64)a >> 47) + 1 <= 1;
}

long do_set_trap_table(unsigned long traps)
{
	struct trap_info ti;
	struct vcpu *v = current;

	if (!traps) {
		memset(v->arch.pv.traps, 0, sizeof(v->arch.pv.traps));
		return 0;
	}
	/* At most one entry per vector plus the terminator. */
	for (unsigned int i = 0; i <= 256; i++, traps += sizeof(ti)) {
		if (copy_from_guest(&ti, traps, sizeof(ti)))
			return -EFAULT;
		if (!ti.address)
			return 0;
		if (!is_canonical(ti.address))
			return -EINVAL;
		v->arch.pv.traps[ti.vector].cs = ti.cs;
		v->arch.pv.traps[ti.vector].flags = ti.flags;
		v->arch.pv.traps[ti.vector].address = ti.address;
	}
	return -EINVAL;
}

static void set_mask_flag(struct vcpu *v, unsigned int type, u16 flags)
{
	if (flags & CALLBACKF_mask_events)
		v->arch.pv.callback_mask |= 1u << type;
	else
		v->arch.pv.callback_mask &= ~(1u << type);
}

static long register_callback(const struct callback_register *reg)
{
	struct vcpu *v = current;
	u64 *slot;

	if (!is_canonical(reg->address))
		return -EINVAL;
	switch (reg->type) {
	case CALLBACKTYPE_event:
		slot = &v->arch.pv.event_callback; /* always entered with events masked */
		break;
	case CALLBACKTYPE_failsafe:
		slot = &v->arch.pv.failsafe_callback;
		break;
	case CALLBACKTYPE_syscall:
		slot = &v->arch.pv.syscall_callback;
		break;
	case CALLBACKTYPE_syscall32:
		slot = &v->arch.pv.syscall32_callback;
		break;
	case CALLBACKTYPE_sysenter:
		slot = &v->arch.pv.sysenter_callback;
		break;
	case CALLBACKTYPE_nmi:
		v->arch.pv.nmi_callback = reg->address;
		return 0;
	default:
		return -ENOSYS;
	}
	*slot = reg->address;
	if (reg->type != CALLBACKTYPE_event)
		set_mask_flag(v, reg->type, reg->flags);
	return 0;
}

/* Only the NMI callback can be taken away again (as on Xen). */
static long unregister_callback(const struct callback_unregister *unreg)
{
	switch (unreg->type) {
	case CALLBACKTYPE_event:
	case CALLBACKTYPE_failsafe:
	case CALLBACKTYPE_syscall:
	case CALLBACKTYPE_syscall32:
	case CALLBACKTYPE_sysenter:
		return -EINVAL;
	case CALLBACKTYPE_nmi:
		current->arch.pv.nmi_callback = 0;
		return 0;
	default:
		return -ENOSYS;
	}
}

long do_callback_op(unsigned long cmd, unsigned long arg)
{
	struct callback_register reg;
	struct callback_unregister unreg;

	cmd = (unsigned int)cmd; /* a 32-bit sub-op, as Xen reads it */
	switch (cmd) {
	case CALLBACKOP_register:
		if (copy_from_guest(&reg, arg, sizeof(reg)))
			return -EFAULT;
		return register_callback(&reg);
	case CALLBACKOP_unregister:
		if (copy_from_guest(&unreg, arg, sizeof(unreg)))
			return -EFAULT;
		return unregister_callback(&unreg);
	default:
		return -ENOSYS;
	}
}

/* The old form: event, failsafe and syscall callbacks at once, no flags. */
long do_set_callbacks(unsigned long event, unsigned long failsafe, unsigned long syscall)
{
	struct callback_register ev = { .type = CALLBACKTYPE_event, .address = event };
	struct callback_register fs = { .type = CALLBACKTYPE_failsafe, .address = failsafe };
	struct callback_register sc = { .type = CALLBACKTYPE_syscall, .address = syscall };

	/* Like Xen, each is registered on its own and the result is 0. */
	register_callback(&ev);
	register_callback(&fs);
	register_callback(&sc);
	return 0;
}

/* The stack the guest kernel is entered on from user mode. */
long do_stack_switch(unsigned long ss, unsigned long sp)
{
	current->arch.pv.kernel_ss = ss | 3;
	current->arch.pv.kernel_sp = sp;
	return 0;
}

/* Load a selector into the user's %gs; a bad one leaves the null selector. */
static void load_user_gs_sel(u16 sel)
{
	/* Loading %gs replaces the live base: do it on the user's side of swapgs. */
	__asm__ volatile("swapgs\n"
			 "1: movl %k0, %%gs\n"
			 "2:\n"
			 ".pushsection .ex_table, \"a\"\n"
			 ".balign 8\n"
			 ".quad 1b, 3f\n"
			 ".popsection\n"
			 ".pushsection .text.fixup, \"ax\"\n"
			 "3: xorl %k0, %k0\n"
			 "movl %k0, %%gs\n"
			 "jmp 2b\n"
			 ".popsection\n"
			 "swapgs"
			 : "+r"(sel)
			 :
			 : "memory");
}

static const u32 segbase_msr[] = {
	[SEGBASE_FS] = MSR_FS_BASE,
	[SEGBASE_GS_USER] = MSR_SHADOW_GS_BASE, /* the user's base is the shadow one */
	[SEGBASE_GS_KERNEL] = MSR_GS_BASE,
};

long do_set_segment_base(unsigned long which, unsigned long base)
{
	switch (which) {
	case SEGBASE_FS:
	case SEGBASE_GS_USER:
	case SEGBASE_GS_KERNEL:
		if (!is_canonical(base))
			return -EINVAL;
		wrmsr(segbase_msr[which], base);
		return 0;
	case SEGBASE_GS_USER_SEL:
		load_user_gs_sel((u16)base);
		return 0;
	default:
		return -EINVAL;
	}
}

static void set_ts(bool on)
{
	u64 cr0 = read_cr0();

	write_cr0(on ? cr0 | X86_CR0_TS : cr0 & ~X86_CR0_TS);
}

/* Set or clear the guest's virtual CR0.TS; while set, FPU use raises #NM. */
long do_fpu_taskswitch(unsigned long set)
{
	struct vcpu *v = current;

	if ((int)set) {
		v->arch.pv.guest_cr0 |= X86_CR0_TS;
		set_ts(true);
	} else {
		v->arch.pv.guest_cr0 &= ~X86_CR0_TS;
		set_ts(false);
	}
	return 0;
}

/*
 * #NM from the guest. The real TS is only ever set on the guest's behalf:
 * clear it; if the guest's virtual TS was set, the fault is the guest's
 * (its TS clears, as the hardware's would on the handler's clts).
 */
bool pv_fpu_device_not_available(struct cpu_regs *r)
{
	struct vcpu *v = current;

	(void)r;
	set_ts(false);
	if (!(v->arch.pv.guest_cr0 & X86_CR0_TS))
		return false;
	v->arch.pv.guest_cr0 &= ~X86_CR0_TS;
	return true;
}
