/*
 * The iret hypercall (23) and the switch between a PV guest's kernel and
 * user mode.
 *
 * Both modes run in ring 3; what tells them apart is the vCPU's in_kernel
 * flag, the page tables (guest_table / guest_table_user) and which GS base
 * is live: in kernel mode MSR_GS_BASE holds the kernel's base and
 * MSR_SHADOW_GS_BASE the user's, and a mode switch swaps them.
 */
#include "types.h"
#include "lib.h"
#include "asm.h"
#include "errno.h"
#include "page.h"
#include "domain.h"
#include "uaccess.h"
#include "pv.h"
#include "pv_mm.h"
#include "timer.h"
#include "public/xen.h"
#include "hvlock.h"

#define DESC_P (1UL << 47)
#define DESC_DPL3 (3UL << 45)
#define DESC_S (1UL << 44)
#define DESC_CODE (1UL << 43)
#define DESC_WRITABLE (1UL << 41)
#define X86_EXC_GP 13

void pv_toggle_guest_mode(struct vcpu *v)
{
	v->arch.pv.in_kernel = !v->arch.pv.in_kernel;
	__asm__ volatile("swapgs" ::: "memory");
	pv_load_cr3(v->arch.pv.in_kernel ? v->arch.pv.guest_table : v->arch.pv.guest_table_user);
	if (v->arch.pv.in_kernel)
		vcpu_runstate_publish(v); /* a copy its user tables could not take */
}

/*
 * May the guest return to @sel? A ring-3 code segment (@code) or writable
 * data segment from the GDT in use. Checked here because an iretq to a bad
 * selector would fault in the hypervisor's exit path.
 */
static bool guest_selector_ok(u16 sel, bool code)
{
	struct {
		u16 limit;
		u64 base;
	} __packed gdtr;
	u64 d, want = DESC_P | DESC_DPL3 | DESC_S | (code ? DESC_CODE : DESC_WRITABLE);
	u64 mask = DESC_P | DESC_DPL3 | DESC_S | DESC_CODE | (code ? 0 : DESC_WRITABLE);

	if ((sel & 3) != 3 || (sel & 4) || !(sel & ~7))
		return false;
	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	if ((u32)(sel & ~7) + 7 > gdtr.limit)
		return false;
	d = *(const volatile u64 *)(gdtr.base + (sel & ~7));
	return (d & mask) == want;
}

/*
 * The #GP error code the CPU's iretq would raise for a frame with these
 * selectors (cs checked first), or -1 if both are fine.
 */
static s64 iret_selector_fault(u16 cs, u16 ss)
{
	/* The flat selectors name the hypervisor's own GDT entries: always good. */
	if ((cs == FLAT_RING3_CS64 || cs == FLAT_RING3_CS32) && ss == FLAT_RING3_SS64)
		return -1;
	if (!guest_selector_ok(cs, true))
		return cs & ~3;
	if (!guest_selector_ok(ss, false))
		return ss & ~3;
	return -1;
}

/*
 * Pop an iret_context {rax, r11, rcx, flags, rip, cs, rflags, rsp, ss} from
 * the guest kernel stack. RPL 3 in cs returns to user mode. The event mask
 * follows the restored IF; the returned value becomes rax. With
 * VGCF_in_syscall the return is sysret-like: rcx and r11 are not restored
 * but hold the new rip and rflags. A selector the CPU would refuse gives
 * what it gives on Xen, whose own iretq faults: the guest kernel gets the
 * #GP, as if raised at the context the frame describes. The real IOPL
 * stays 0; with VMASST_TYPE_architectural_iopl the frame's IOPL sets the
 * virtual one.
 */
long do_iret(void)
{
	struct cpu_regs *r = guest_regs();
	struct vcpu *v = current;
	struct iret_context c;
	u16 cs, ss;
	s64 gp;

	if (copy_from_guest(&c, r->rsp, sizeof(c))) {
		hv_enter_to_crash();
		domain_crash(v->domain, "iret: cannot read the iret frame at %#lx", r->rsp);
	}
	cs = (u16)(c.cs | 3);
	ss = (u16)(c.ss | 3);
	gp = iret_selector_fault(cs, ss);
	if ((u64)((s64)c.rip >> 47) + 1 > 1) {
		hv_enter_to_crash();
		domain_crash(v->domain, "iret: non-canonical rip %#lx", c.rip);
	}
	if ((c.cs & 3) == 3 && v->arch.pv.in_kernel) {
		if (!v->arch.pv.guest_table_user) {
			hv_enter_to_crash();
			domain_crash(v->domain, "iret to user mode without user page tables");
		}
		pv_toggle_guest_mode(v);
	}
	/* With architectural IOPL the frame's IOPL is the new virtual one. */
	if (v->domain->vm_assist & (1UL << VMASST_TYPE_architectural_iopl))
		v->arch.pv.iopl = (unsigned int)((c.rflags & X86_EFLAGS_IOPL) >> 12);
	r->rip = c.rip;
	r->cs = cs;
	r->rflags =
	    (c.rflags & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM)) | X86_EFLAGS_IF | X86_EFLAGS_MBS;
	r->rsp = c.rsp;
	r->ss = ss;
	if (c.flags & VGCF_in_syscall) {
		/* Xen leaves by sysret then: rcx = rip, r11 = rflags. */
		r->rcx = r->rip;
		r->r11 = r->rflags;
	} else {
		r->r11 = c.r11;
		r->rcx = c.rcx;
	}
	v->vcpu_info->evtchn_upcall_mask = !(c.rflags & X86_EFLAGS_IF);
	if (gp >= 0)
		pv_inject_exception(r, X86_EXC_GP, gp);
	return (long)c.rax;
}

/* The final iretq to the guest faulted (entry.S's fixup): end the guest, not Petrel. */
__noreturn void pv_iret_fault(struct cpu_regs *r)
{
	hv_enter_to_crash(); /* the iretq's fault was handled, and the lock let go, in do_trap */
	domain_crash(current->domain, "returning to the guest faulted (cs %#lx rip %#lx ss %#lx)",
		     r->cs, r->rip, r->ss);
}
