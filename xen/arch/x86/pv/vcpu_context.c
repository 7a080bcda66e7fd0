/*
 * The PV side of the toolstack's per-vCPU and per-frame domctls: a 64-bit
 * PV vCPU's whole state as a vcpu_guest_context (setvcpucontext and
 * getvcpucontext), the reset of a vCPU, hypercall_init and the frame types
 * getpageframeinfo3 reports. Xen 4.17's rules, in order:
 *
 * - every address that the vCPU will jump to or load is canonical, the LDT
 *   base is page aligned and the LDT at most 8192 entries (-EINVAL);
 *   selectors with RPL 0 get RPL 3 (both guest modes run in ring 3);
 * - a vCPU not yet initialised takes its GDT frames (validated as
 *   descriptor pages) and a type reference on its kernel L4 (validated as
 *   an L4, exactly as MMUEXT_NEW_BASEPTR would) and on its user L4 if any;
 *   one not in kernel mode without a user L4 is refused (-EINVAL);
 * - an initialised vCPU keeps its tables: a context naming other ones is
 *   refused (-EOPNOTSUPP), one naming the same ones replaces the registers;
 * - VGCF_online brings the vCPU up (it runs once its domain is unpaused).
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "asm.h"
#include "page.h"
#include "mm.h"
#include "domain.h"
#include "sched.h"
#include "pv.h"
#include "pv_mm.h"
#include "pv_desc.h"
#include "uaccess.h"
#include "hvm.h"
#include "public/callback.h"
#include "public/domctl.h"

#define LDT_MAX_ENTS 8192
#define FXSAVE_MXCSR 24 /* offset of MXCSR in the fxsave image */
/* MXCSR bits every CPU with SSE accepts (DAZ, bit 6, only some): fxrstor faults on others. */
#define MXCSR_SAFE_MASK 0xffbfu

static bool canonical(u64 a)
{
	return (u64)((s64)a >> 47) + 1 <= 1;
}

static u16 fix_rpl(u64 sel)
{
	return (u16)((sel & 3) ? sel : sel | 3);
}

/* The addresses and LDT limits Xen checks before it changes anything. */
static int check_context(const struct vcpu_guest_context *c)
{
	const u64 addrs[] = { c->user_regs.rip,
			      c->user_regs.rsp,
			      c->kernel_sp,
			      c->fs_base,
			      c->gs_base_kernel,
			      c->gs_base_user,
			      c->event_callback_eip,
			      c->syscall_callback_eip,
			      c->failsafe_callback_eip };

	for (unsigned int i = 0; i < ARRAY_SIZE(addrs); i++)
		if (!canonical(addrs[i]))
			return -EINVAL;
	if (c->ldt_ents && !canonical(c->ldt_base))
		return -EINVAL;
	for (unsigned int i = 0; i < 256; i++)
		if (!canonical(c->trap_ctxt[i].address))
			return -EINVAL;
	if ((c->ldt_base & (PAGE_SIZE - 1)) || c->ldt_ents > LDT_MAX_ENTS)
		return -EINVAL;
	if (c->gdt_ents > MAX_GUEST_GDT_ENTRIES)
		return -EINVAL;
	if (c->vm_assist & ~pv_vm_assist_valid())
		return -EINVAL;
	return 0;
}

bool pv_vcpu_initialised(const struct vcpu *v)
{
	return v->arch.pv.guest_table != 0;
}

/* An initialised vCPU may only be given the tables it already has. */
static int check_same_tables(const struct vcpu *v, const struct vcpu_guest_context *c)
{
	const struct pv_vcpu *pv = &v->arch.pv;
	bool fail = xen_pfn_to_cr3(pv->guest_table) != c->ctrlreg[3];

	if (!pv->guest_table_user)
		fail |= c->ctrlreg[1] || !(c->flags & VGCF_in_kernel);
	else
		fail |= xen_pfn_to_cr3(pv->guest_table_user) != c->ctrlreg[1];
	fail |= pv->gdt_ents != c->gdt_ents;
	for (unsigned int i = 0; !fail && i < (c->gdt_ents + 511) / 512; i++)
		fail = pv->gdt_frames[i] != c->gdt_frames[i];
	fail |= pv->ldt_ents != c->ldt_ents;
	return fail ? -EOPNOTSUPP : 0;
}

static void load_regs(struct vcpu *v, const struct vcpu_guest_context *c)
{
	struct pv_vcpu *pv = &v->arch.pv;
	const struct cpu_user_regs *u = &c->user_regs;
	struct cpu_regs *r = &pv->user_regs;
	bool kernel = c->flags & VGCF_in_kernel;

	memset(r, 0, sizeof(*r));
	r->r15 = u->r15, r->r14 = u->r14, r->r13 = u->r13, r->r12 = u->r12;
	r->rbp = u->rbp, r->rbx = u->rbx, r->r11 = u->r11, r->r10 = u->r10;
	r->r9 = u->r9, r->r8 = u->r8, r->rax = u->rax, r->rcx = u->rcx;
	r->rdx = u->rdx, r->rsi = u->rsi, r->rdi = u->rdi;
	r->rip = u->rip;
	r->rsp = u->rsp;
	r->cs = fix_rpl(u->cs);
	r->ss = fix_rpl(u->ss);
	/* IOPL is virtual; real interrupts stay enabled. */
	pv->iopl = (u->rflags >> 12) & 3;
	r->rflags = (u->rflags & ~X86_EFLAGS_IOPL) | X86_EFLAGS_IF | X86_EFLAGS_MBS;
	pv->ds_sel = u->ds, pv->es_sel = u->es, pv->fs_sel = u->fs, pv->gs_sel = u->gs;
	pv->fs_base = c->fs_base;
	pv->gs_base = kernel ? c->gs_base_kernel : c->gs_base_user;
	pv->shadow_gs_base = kernel ? c->gs_base_user : c->gs_base_kernel;
	pv->in_kernel = kernel;
	pv_reset_xstate(pv);
	pv->fpu_saved = c->flags & VGCF_I387_VALID;
	if (pv->fpu_saved) {
		u32 mxcsr;

		memcpy(pv->fpu_area, c->fpu_ctxt.x, sizeof(pv->fpu_area));
		memcpy(&mxcsr, pv->fpu_area + FXSAVE_MXCSR, sizeof(mxcsr));
		mxcsr &= MXCSR_SAFE_MASK; /* the image is loaded with fxrstor when it runs */
		memcpy(pv->fpu_area + FXSAVE_MXCSR, &mxcsr, sizeof(mxcsr));
	}
}

static void load_control(struct vcpu *v, const struct vcpu_guest_context *c)
{
	struct pv_vcpu *pv = &v->arch.pv;

	for (unsigned int i = 0; i < 256; i++) {
		pv->traps[i].cs = fix_rpl(c->trap_ctxt[i].cs);
		pv->traps[i].flags = c->trap_ctxt[i].flags;
		pv->traps[i].address = c->trap_ctxt[i].address;
	}
	pv->kernel_ss = fix_rpl(c->kernel_ss);
	pv->kernel_sp = c->kernel_sp;
	pv->event_callback = c->event_callback_eip;
	pv->failsafe_callback = c->failsafe_callback_eip;
	pv->syscall_callback = c->syscall_callback_eip;
	pv->callback_mask = 0;
	if (c->flags & VGCF_failsafe_disables_events)
		pv->callback_mask |= 1u << CALLBACKTYPE_failsafe;
	if (c->flags & VGCF_syscall_disables_events)
		pv->callback_mask |= 1u << CALLBACKTYPE_syscall;
	/* Only CR0.TS is the guest's; CR4 starts as a PV guest's, with TSD/DE/FSGSBASE if asked. */
	pv->guest_cr0 = (read_cr0() & ~X86_CR0_TS) | (c->ctrlreg[0] & X86_CR0_TS);
	pv_init_guest_cr4(v);
	pv->guest_cr4 |= c->ctrlreg[4] & (X86_CR4_DE | pv_cr4_guest_bits());
	/* Debug registers: guest addresses only, DR7 as Xen's reset value unless given. */
	memset(v->arch.debugreg, 0, sizeof(v->arch.debugreg));
	for (unsigned int i = 0; i < 4; i++)
		if (canonical(c->debugreg[i]) && (c->debugreg[i] < HYPERVISOR_VIRT_START ||
						  c->debugreg[i] >= HYPERVISOR_VIRT_END))
			v->arch.debugreg[i] = c->debugreg[i];
	if (v->vcpu_id == 0)
		v->domain->vm_assist = c->vm_assist;
}

/* First initialisation: GDT, kernel and user L4 (each undone if a later one fails). */
static int take_tables(struct vcpu *v, const struct vcpu_guest_context *c)
{
	struct pv_vcpu *pv = &v->arch.pv;
	mfn_t l4 = xen_cr3_to_pfn(c->ctrlreg[3]), ul4 = xen_cr3_to_pfn(c->ctrlreg[1]);
	int rc;

	if (!(c->flags & VGCF_in_kernel) && !c->ctrlreg[1])
		return -EINVAL;
	pv->in_kernel = c->flags & VGCF_in_kernel; /* the LDT is found through this mode's L4 */
	rc = pv_set_gdt(v, c->gdt_frames, c->gdt_ents);
	if (rc)
		goto out;
	rc = pv_get_page_and_type(l4, v->domain, PGT_l4_page_table);
	if (rc)
		goto out_gdt;
	pv->guest_table = l4;
	if (c->ctrlreg[1]) {
		rc = pv_get_page_and_type(ul4, v->domain, PGT_l4_page_table);
		if (rc)
			goto out_l4;
		pv->guest_table_user = ul4;
	}
	if (c->ldt_ents) {
		rc = pv_set_ldt(v, c->ldt_base, (unsigned int)c->ldt_ents);
		if (rc)
			goto out_ul4;
	}
	return 0;
out_ul4:
	if (pv->guest_table_user)
		pv_put_page_and_type(mfn_to_page(pv->guest_table_user));
	pv->guest_table_user = 0;
out_l4:
	pv_put_page_and_type(mfn_to_page(l4));
	pv->guest_table = 0;
out_gdt:
	pv_set_gdt(v, NULL, 0);
out:
	return rc;
}

int pv_set_vcpu_context(struct vcpu *v, const struct vcpu_guest_context *c)
{
	int rc = check_context(c);

	if (rc)
		return rc;
	if (pv_vcpu_initialised(v))
		rc = check_same_tables(v, c);
	else
		rc = take_tables(v, c);
	if (rc)
		return rc;
	load_regs(v, c);
	load_control(v, c);
	if (c->flags & VGCF_online)
		vcpu_up(v);
	else
		vcpu_down(v);
	return 0;
}

bool arch_vcpu_initialised(const struct vcpu *v)
{
	return is_hvm_vcpu(v) ? v->arch.hvm.started : pv_vcpu_initialised(v);
}

/*
 * VCPUOP_initialise: a PV vCPU's first context, from the guest (Xen's
 * order: -EFAULT for the copy, then -EEXIST if it has one already). The
 * vCPU stays down until VCPUOP_up. HVM vCPUs have no such op here.
 */
long arch_initialise_vcpu(struct vcpu *v, unsigned long arg)
{
	unsigned int order = order_for_bytes(sizeof(struct vcpu_guest_context));
	struct vcpu_guest_context *c;
	long rc;

	if (is_hvm_vcpu(v))
		return -ENOSYS;
	c = alloc_xenheap_pages(order);
	if (!c)
		return -ENOMEM;
	if (copy_from_guest(c, arg, sizeof(*c)))
		rc = -EFAULT;
	else if (pv_vcpu_initialised(v))
		rc = -EEXIST;
	else
		rc = pv_set_vcpu_context(v, c);
	free_xenheap_pages(c, order);
	return rc;
}

/* What the vCPU would resume with: the live frame if it is the one running. */
static void store_regs(const struct vcpu *v, struct vcpu_guest_context *c)
{
	const struct pv_vcpu *pv = &v->arch.pv;
	const struct cpu_regs *r = v == current ? guest_regs() : &pv->user_regs;
	struct cpu_user_regs *u = &c->user_regs;
	u64 gs = v == current ? rdmsr(MSR_GS_BASE) : pv->gs_base;
	u64 sgs = v == current ? rdmsr(MSR_SHADOW_GS_BASE) : pv->shadow_gs_base;

	u->r15 = r->r15, u->r14 = r->r14, u->r13 = r->r13, u->r12 = r->r12;
	u->rbp = r->rbp, u->rbx = r->rbx, u->r11 = r->r11, u->r10 = r->r10;
	u->r9 = r->r9, u->r8 = r->r8, u->rax = r->rax, u->rcx = r->rcx;
	u->rdx = r->rdx, u->rsi = r->rsi, u->rdi = r->rdi;
	u->rip = r->rip;
	u->cs = (u16)r->cs;
	u->rflags = (r->rflags & ~X86_EFLAGS_IOPL) | ((u64)pv->iopl << 12);
	u->rsp = r->rsp;
	u->ss = (u16)r->ss;
	u->ds = pv->ds_sel, u->es = pv->es_sel, u->fs = pv->fs_sel, u->gs = pv->gs_sel;
	c->fs_base = v == current ? rdmsr(MSR_FS_BASE) : pv->fs_base;
	c->gs_base_kernel = pv->in_kernel ? gs : sgs;
	c->gs_base_user = pv->in_kernel ? sgs : gs;
}

void pv_get_vcpu_context(const struct vcpu *v, struct vcpu_guest_context *c)
{
	const struct pv_vcpu *pv = &v->arch.pv;

	memset(c, 0, sizeof(*c));
	store_regs(v, c);
	/* The running vCPU's FPU lives in the CPU: reported as not valid. */
	if (v != current && pv->fpu_saved) {
		memcpy(c->fpu_ctxt.x, pv->fpu_area, sizeof(pv->fpu_area));
		c->flags |= VGCF_I387_VALID;
	}
	if (pv->in_kernel)
		c->flags |= VGCF_in_kernel;
	if (!(v->pause_flags & VPF_down))
		c->flags |= VGCF_online;
	if (pv->callback_mask & (1u << CALLBACKTYPE_failsafe))
		c->flags |= VGCF_failsafe_disables_events;
	if (pv->callback_mask & (1u << CALLBACKTYPE_syscall))
		c->flags |= VGCF_syscall_disables_events;
	for (unsigned int i = 0; i < 256; i++) {
		c->trap_ctxt[i].vector = (u8)i;
		c->trap_ctxt[i].flags = pv->traps[i].flags;
		c->trap_ctxt[i].cs = pv->traps[i].cs;
		c->trap_ctxt[i].address = pv->traps[i].address;
	}
	c->ldt_base = pv->ldt_base;
	c->ldt_ents = pv->ldt_ents;
	for (unsigned int i = 0; i < GDT_GUEST_FRAMES; i++)
		c->gdt_frames[i] = pv->gdt_frames[i];
	c->gdt_ents = pv->gdt_ents;
	c->kernel_ss = pv->kernel_ss;
	c->kernel_sp = pv->kernel_sp;
	c->ctrlreg[0] = pv->guest_cr0;
	c->ctrlreg[1] = pv->guest_table_user ? xen_pfn_to_cr3(pv->guest_table_user) : 0;
	c->ctrlreg[3] = pv->guest_table ? xen_pfn_to_cr3(pv->guest_table) : 0;
	c->ctrlreg[4] = pv->guest_cr4;
	for (unsigned int i = 0; i < 8; i++)
		c->debugreg[i] = v->arch.debugreg[i];
	c->event_callback_eip = pv->event_callback;
	c->failsafe_callback_eip = pv->failsafe_callback;
	c->syscall_callback_eip = pv->syscall_callback;
	c->vm_assist = v->domain->vm_assist;
}

/*
 * setvcpucontext with no context: the vCPU goes down and lets go of its
 * tables and of a registered vcpu_info frame (its vcpu_info is the one in
 * shared_info again). The caller has paused the domain.
 */
void pv_vcpu_reset(struct vcpu *v)
{
	pv_vcpu_relinquish(v);
	v->vcpu_info = &v->domain->shared_info->vcpu_info[v->vcpu_id];
	memset(&v->arch.pv.user_regs, 0, sizeof(v->arch.pv.user_regs));
	memset(v->arch.pv.traps, 0, sizeof(v->arch.pv.traps));
	v->arch.pv.fpu_saved = false;
	pv_reset_xstate(&v->arch.pv);
	vcpu_down(v);
}

/*
 * XEN_DOMCTL_hypercall_init: the frame must be the domain's (-EINVAL) and
 * able to take the writable type, i.e. not a page or descriptor table
 * (-EPERM).
 */
int pv_hypercall_init(struct domain *d, u64 gmfn)
{
	struct page_info *pg;

	if (gmfn >= max_page || !pv_get_page(mfn_to_page(gmfn), d))
		return -EINVAL;
	pg = mfn_to_page(gmfn);
	if (pv_get_page_type(pg, PGT_writable_page)) {
		pv_put_page(pg);
		return -EPERM;
	}
	pv_fill_hypercall_page(pv_map_frame(gmfn));
	pv_put_page_and_type(pg);
	return 0;
}

/* XEN_DOMCTL_getpageframeinfo3's answer for one frame named by a PV domain. */
u32 pv_frame_type_info(struct domain *d, u64 mfn)
{
	static const u32 table_types[] = {
		[PGT_l1_page_table] = XEN_DOMCTL_PFINFO_L1TAB,
		[PGT_l2_page_table] = XEN_DOMCTL_PFINFO_L2TAB,
		[PGT_l3_page_table] = XEN_DOMCTL_PFINFO_L3TAB,
		[PGT_l4_page_table] = XEN_DOMCTL_PFINFO_L4TAB,
	};
	const struct page_info *pg;
	u32 type = XEN_DOMCTL_PFINFO_NOTAB;

	if (mfn >= max_page || !mfn_owned_by(mfn, d))
		return XEN_DOMCTL_PFINFO_XTAB;
	pg = mfn_to_page(mfn);
	if (pg->flags & PGC_xen_heap)
		return XEN_DOMCTL_PFINFO_XTAB; /* shared_info and grant frames */
	if (pg->type < ARRAY_SIZE(table_types) && pg->type != PGT_none)
		type = table_types[pg->type];
	if (pg->flags & PGC_pinned)
		type |= XEN_DOMCTL_PFINFO_LPINTAB;
	return type;
}
