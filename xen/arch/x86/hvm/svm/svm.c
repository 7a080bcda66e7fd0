/*
 * The AMD SVM backend with nested paging: turning SVM on, building a VMCB
 * with the intercepts Xen sets, one VMRUN per loop iteration (entry.S) and
 * the exit dispatch. No NRIPS or DecodeAssists are assumed (QEMU TCG has
 * neither): instruction lengths come from the shared decoder.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "asm.h"
#include "console.h"
#include "page.h"
#include "mm.h"
#include "x86_decode.h"
#include "hvm.h"
#include "hvlock.h"
#include "desc.h"
#include "public/hvm/save.h"

/* ---- VMCB layout (one 4 KiB page; offsets as in AMD's manual and Xen's vmcb.h). */
#define VMCB_CR_INTERCEPTS 0x000
#define VMCB_DR_INTERCEPTS 0x004
#define VMCB_EXC_INTERCEPTS 0x008
#define VMCB_GENERAL1 0x00c
#define VMCB_GENERAL2 0x010
#define VMCB_IOPM_PA 0x040
#define VMCB_MSRPM_PA 0x048
#define VMCB_ASID 0x058
#define VMCB_TLB_CONTROL 0x05c
#define VMCB_VINTR 0x060
#define VMCB_INT_SHADOW 0x068
#define VMCB_EXITCODE 0x070
#define VMCB_EXITINFO1 0x078
#define VMCB_EXITINFO2 0x080
#define VMCB_EXITINTINFO 0x088
#define VMCB_NP_CONTROL 0x090
#define VMCB_EVENTINJ 0x0a8
#define VMCB_NCR3 0x0b0
#define VMCB_ES 0x400 /* then CS, SS, DS, FS, GS, GDTR, LDTR, IDTR, TR: 16 bytes each */
#define VMCB_CPL 0x4cb
#define VMCB_EFER 0x4d0
#define VMCB_CR4 0x548
#define VMCB_CR3 0x550
#define VMCB_CR0 0x558
#define VMCB_DR7 0x560
#define VMCB_DR6 0x568
#define VMCB_RFLAGS 0x570
#define VMCB_RIP 0x578
#define VMCB_RSP 0x5d8
#define VMCB_RAX 0x5f8
#define VMCB_STAR 0x600
#define VMCB_LSTAR 0x608
#define VMCB_CSTAR 0x610
#define VMCB_SFMASK 0x618
#define VMCB_KERNEL_GS_BASE 0x620
#define VMCB_SYSENTER_CS 0x628
#define VMCB_SYSENTER_ESP 0x630
#define VMCB_SYSENTER_EIP 0x638
#define VMCB_CR2 0x640
#define VMCB_G_PAT 0x668

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_GDTR, SEG_LDTR, SEG_IDTR, SEG_TR };

struct vmcb_seg {
	u16 sel, attr;
	u32 limit;
	u64 base;
} __packed;

/* general1 intercepts */
#define G1_INTR (1u << 0)
#define G1_VINTR (1u << 4)
#define G1_NMI (1u << 1)
#define G1_SMI (1u << 2)
#define G1_INIT (1u << 3)
#define G1_CPUID (1u << 18)
#define G1_IRET (1u << 20)
#define G1_INVD (1u << 22)
#define G1_HLT (1u << 24)
#define G1_INVLPGA (1u << 26)
#define G1_IOIO (1u << 27)
#define G1_MSR (1u << 28)
#define G1_TASK_SWITCH (1u << 29)
#define G1_SHUTDOWN (1u << 31)
/* general2 intercepts */
#define G2_VMRUN (1u << 0)
#define G2_VMMCALL (1u << 1)
#define G2_VMLOAD (1u << 2)
#define G2_VMSAVE (1u << 3)
#define G2_STGI (1u << 4)
#define G2_CLGI (1u << 5)
#define G2_SKINIT (1u << 6)
#define G2_ICEBP (1u << 8)
#define G2_WBINVD (1u << 9)
#define G2_MONITOR (1u << 10)
#define G2_MWAIT (1u << 11)
#define G2_XSETBV (1u << 13)
#define G2_RDPRU (1u << 14)

/* exit codes */
#define EXIT_CR0_WRITE 0x010
#define EXIT_CR4_WRITE 0x014
#define EXIT_CR8_WRITE 0x018
#define EXIT_INTR 0x060
#define EXIT_VINTR 0x064
#define EXIT_NMI 0x061
#define EXIT_SMI 0x062
#define EXIT_INIT 0x063
#define EXIT_CPUID 0x072
#define EXIT_IRET 0x074
#define EXIT_INVD 0x076
#define EXIT_HLT 0x078
#define EXIT_INVLPGA 0x07a
#define EXIT_IOIO 0x07b
#define EXIT_MSR 0x07c
#define EXIT_SHUTDOWN 0x07f
#define EXIT_VMRUN 0x080
#define EXIT_VMMCALL 0x081
#define EXIT_VMLOAD 0x082
#define EXIT_VMSAVE 0x083
#define EXIT_STGI 0x084
#define EXIT_CLGI 0x085
#define EXIT_SKINIT 0x086
#define EXIT_ICEBP 0x088
#define EXIT_WBINVD 0x089
#define EXIT_MONITOR 0x08a
#define EXIT_MWAIT 0x08b
#define EXIT_XSETBV 0x08d
#define EXIT_RDPRU 0x08e
#define EXIT_NPF 0x400
/* VMEXIT_INVALID is -1: all-ones in 64 bits, or in the low 32 only (QEMU's TCG). */
#define EXIT_INVALID 0xffffffffu

#define EVENT_VALID (1UL << 31)
#define EVENT_EV (1UL << 11)
#define EVENT_TYPE_NMI (2UL << 8)
#define EVENT_TYPE_EXC (3UL << 8)
/* V_INTR fields (VMCB 0x060) */
#define VINTR_TPR_MASK 0xfUL
#define VINTR_IRQ (1UL << 8)
#define VINTR_PRIO_SHIFT 16
#define VINTR_IGN_TPR (1UL << 20)
#define VINTR_MASKING (1UL << 24)

#define MSR_VM_CR 0xc0010114
#define MSR_VM_HSAVE_PA 0xc0010117
#define VM_CR_SVMDIS (1UL << 4)
#define EFER_LMA (1UL << 10)
#define GUEST_PAT_DEFAULT 0x0007040600070406UL

#define MSRPM_ORDER 1 /* 8 KiB */
#define IOPM_ORDER 2  /* 12 KiB used */

extern void svm_vmrun(struct cpu_regs *regs, u64 vmcb_pa);

static void *host_save_area, *host_vmcb;
static u8 *msrpm, *iopm;
static u64 svm_next_tlb_tag; /* the last hvm_vcpu.svm.tlb_tag given out */
/* The tlb_tag of the vCPU last entered here. */
static __hvm_data DEFINE_PER_CPU(u64, svm_tlb_owner);

#define VMCB_FIELD(v, off, type) (*(type *)((u8 *)(v)->arch.hvm.vmcb + (off)))
#define F64(v, off) VMCB_FIELD(v, off, u64)
#define F32(v, off) VMCB_FIELD(v, off, u32)

static struct vmcb_seg *seg(const struct vcpu *v, unsigned int s)
{
	return (struct vmcb_seg *)((u8 *)v->arch.hvm.vmcb + VMCB_ES + 16 * s);
}

/*
 * ---- The state VMRUN leaves alone: FS, GS, TR and LDTR (hidden parts
 * included), KernelGSBase, STAR, LSTAR, CSTAR, SFMASK and the three SYSENTER
 * MSRs. As on Xen, VMLOAD puts a vCPU's values in the CPU before its first
 * VMRUN after a switch, and they stay there across its exits while Petrel
 * handles them; VMSAVE copies them back to the VMCB only when Petrel reads
 * those VMCB fields or the vCPU leaves the CPU, which then VMLOADs the host's
 * values (saved once at boot). Meanwhile the hypervisor runs on the guest's
 * TR, FS, GS and syscall MSRs: it uses none of them (per-CPU data is found
 * from the stack, not GS), and its IDT has no IST stacks then (idt_use_ist).
 */
/* Whose state this CPU holds; NULL: the host's. */
static __hvm_data DEFINE_PER_CPU(struct vcpu *, svm_held);

static void svm_vmsave(paddr_t pa)
{
	__asm__ volatile("vmsave %%rax" : : "a"(pa) : "memory");
}

static void svm_vmload(paddr_t pa)
{
	__asm__ volatile("vmload %%rax" : : "a"(pa) : "memory");
}

/* Before Petrel reads those fields of @v's VMCB: the CPU's newer values into it. */
static void svm_sync_vmcb(const struct vcpu *v)
{
	if (this_cpu(svm_held) == v && !v->arch.hvm.svm.vmcb_newer)
		svm_vmsave(v->arch.hvm.vmcb_pa);
}

/* Before Petrel writes some of them: the rest is current, and the next entry loads it all. */
static void svm_vmcb_write(struct vcpu *v)
{
	svm_sync_vmcb(v);
	v->arch.hvm.svm.vmcb_newer = true;
}

/* Before VMRUN: @v's state in this CPU, unless it is there already. */
__hvm_hot static void svm_load_guest(struct vcpu *v)
{
	struct hvm_vcpu *h = &v->arch.hvm;

	if (this_cpu(svm_held) == v && !h->svm.vmcb_newer)
		return;
	if (!this_cpu(svm_held))
		idt_use_ist(false);
	svm_vmload(h->vmcb_pa);
	h->svm.vmcb_newer = false;
	this_cpu(svm_held) = v;
}

/* The host's values back in this CPU, and its IST stacks. */
static void svm_load_host(void)
{
	svm_vmload(virt_to_maddr(host_vmcb));
	idt_use_ist(true);
	this_cpu(svm_held) = NULL;
}

static void svm_context_drop(void)
{
	if (this_cpu(svm_held))
		svm_load_host();
}

static void svm_context_save(struct vcpu *v)
{
	svm_sync_vmcb(v);
	svm_context_drop();
}

/* ---- Permission maps. */

/* Let the guest reach @msr directly (both directions). */
static void msrpm_open(u32 msr)
{
	u32 base;

	if (msr < 0x2000)
		base = 0;
	else if (msr - 0xc0000000u < 0x2000)
		base = 0x800 * 8;
	else if (msr - 0xc0010000u < 0x2000)
		base = 0x1000 * 8;
	else
		return;
	base += (msr & 0x1fff) * 2;
	msrpm[base / 8] &= (u8) ~(3u << (base % 8));
}

static int maps_init(void)
{
	static const u32 open[] = { 0xc0000100, 0xc0000101, 0xc0000102, /* FS, GS, shadow GS */
				    0xc0000081, 0xc0000082, 0xc0000083,
				    0xc0000084,			   /* STAR..SFMASK */
				    0x174,	0x175,	    0x176, /* SYSENTER_CS/ESP/EIP */
				    0x277 /* PAT: g_PAT under nested paging */ };

	msrpm = alloc_xenheap_pages(MSRPM_ORDER);
	iopm = alloc_xenheap_pages(IOPM_ORDER);
	if (!msrpm || !iopm)
		return -ENOMEM;
	memset(msrpm, 0xff, PAGE_SIZE << MSRPM_ORDER);
	memset(iopm, 0xff, PAGE_SIZE << IOPM_ORDER);
	for (unsigned int i = 0; i < ARRAY_SIZE(open); i++)
		msrpm_open(open[i]);
	/* Ports 0x80 and 0xed (I/O delays) go straight to the hardware, as on Xen. */
	iopm[0x80 / 8] &= (u8) ~(1u << (0x80 % 8));
	iopm[0xed / 8] &= (u8) ~(1u << (0xed % 8));
	return 0;
}

/* ---- The per-vCPU VMCB. */

static int svm_vcpu_init(struct vcpu *v)
{
	struct hvm_vcpu *h = &v->arch.hvm;

	h->vmcb = alloc_xenheap_pages(0);
	if (!h->vmcb)
		return -ENOMEM;
	h->vmcb_pa = virt_to_maddr(h->vmcb);
	/*
	 * Reads of CR0/CR4 see the guest's own values; writes are checked. CR8
	 * writes exit too and go to the vLAPIC: under QEMU's TCG (7.2 and 10)
	 * OVMF, which writes CR8, brought QEMU itself down (an assertion in
	 * tcg_handle_interrupt) with CR8 left to the nested V_TPR, maybe when
	 * a write met the V_IRQ of an interrupt window.
	 */
	F32(v, VMCB_CR_INTERCEPTS) = (1u << (16 + 0)) | (1u << (16 + 4)) | (1u << (16 + 8));
	F32(v, VMCB_GENERAL1) = G1_INTR | G1_NMI | G1_SMI | G1_INIT | G1_CPUID | G1_INVD | G1_HLT |
				G1_INVLPGA | G1_IOIO | G1_MSR | G1_TASK_SWITCH | G1_SHUTDOWN;
	F32(v, VMCB_GENERAL2) = G2_VMRUN | G2_VMMCALL | G2_VMLOAD | G2_VMSAVE | G2_STGI | G2_CLGI |
				G2_SKINIT | G2_MWAIT | G2_WBINVD | G2_MONITOR | G2_XSETBV |
				G2_ICEBP | G2_RDPRU;
	F64(v, VMCB_IOPM_PA) = virt_to_maddr(iopm);
	F64(v, VMCB_MSRPM_PA) = virt_to_maddr(msrpm);
	F32(v, VMCB_ASID) = 1;
	h->svm.tlb_tag = __atomic_add_fetch(&svm_next_tlb_tag, 1, __ATOMIC_RELAXED);
	h->svm.last_cpu = -1;
	h->svm.stale_tlb = true;
	h->svm.vmcb_newer = true;
	F64(v, VMCB_VINTR) = VINTR_MASKING; /* host interrupts always exit */
	F64(v, VMCB_NP_CONTROL) = 1;	    /* nested paging */
	F64(v, VMCB_NCR3) = p2m_root_maddr(v->domain);
	F64(v, VMCB_G_PAT) = GUEST_PAT_DEFAULT;
	F64(v, VMCB_EFER) = EFER_SVME;
	F64(v, VMCB_DR6) = 0xffff0ff0;
	F64(v, VMCB_DR7) = 0x400;
	F64(v, VMCB_RFLAGS) = X86_EFLAGS_MBS;
	return 0;
}

static void svm_vcpu_destroy(struct vcpu *v)
{
	if (v->arch.hvm.vmcb)
		free_xenheap_pages(v->arch.hvm.vmcb, 0);
	v->arch.hvm.vmcb = NULL;
}

static void set_seg(struct vcpu *v, unsigned int s, u16 sel, u16 attr, u32 limit)
{
	*seg(v, s) = (struct vmcb_seg){ .sel = sel, .attr = attr, .limit = limit, .base = 0 };
}

/* The PVH entry state: 32-bit flat protected mode, paging off, ebx = start info. */
static void svm_set_pvh_state(struct vcpu *v, u64 entry, u64 ebx)
{
	struct hvm_vcpu *h = &v->arch.hvm;

	svm_vmcb_write(v);
	set_seg(v, SEG_CS, 0x08, 0xc9b, 0xffffffff);
	for (unsigned int s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS)
			set_seg(v, s, 0x10, 0xc93, 0xffffffff);
	set_seg(v, SEG_TR, 0x18, 0x08b, 0x67);
	set_seg(v, SEG_LDTR, 0, 0x082, 0);
	set_seg(v, SEG_GDTR, 0, 0, 0);
	set_seg(v, SEG_IDTR, 0, 0, 0);
	h->guest_cr0 = 0x11; /* PE, ET */
	h->guest_cr4 = 0;
	h->svm.stale_tlb = true;
	h->guest_efer = 0;
	F64(v, VMCB_CR0) = h->guest_cr0;
	F64(v, VMCB_CR4) = 0;
	F64(v, VMCB_EFER) = EFER_SVME;
	VMCB_FIELD(v, VMCB_CPL, u8) = 0;
	memset(&h->regs, 0, sizeof(h->regs));
	h->regs.rip = entry;
	h->regs.rbx = ebx;
	h->regs.rflags = X86_EFLAGS_MBS;
}

/* ---- The whole register state, as the HVM context's CPU record carries it. */

static void seg_from_record(struct vcpu *v, unsigned int s, u32 sel, u32 limit, u64 base, u32 attr)
{
	*seg(v, s) = (struct vmcb_seg){
		.sel = (u16)sel, .attr = (u16)(attr & 0xfff), .limit = limit, .base = base
	};
}

static void segs_from_record(struct vcpu *v, const struct petrel_hvm_hw_cpu *c)
{
	seg_from_record(v, SEG_ES, c->es_sel, c->es_limit, c->es_base, c->es_arbytes);
	seg_from_record(v, SEG_CS, c->cs_sel, c->cs_limit, c->cs_base, c->cs_arbytes);
	seg_from_record(v, SEG_SS, c->ss_sel, c->ss_limit, c->ss_base, c->ss_arbytes);
	seg_from_record(v, SEG_DS, c->ds_sel, c->ds_limit, c->ds_base, c->ds_arbytes);
	seg_from_record(v, SEG_FS, c->fs_sel, c->fs_limit, c->fs_base, c->fs_arbytes);
	seg_from_record(v, SEG_GS, c->gs_sel, c->gs_limit, c->gs_base, c->gs_arbytes);
	seg_from_record(v, SEG_TR, c->tr_sel, c->tr_limit, c->tr_base, c->tr_arbytes);
	seg_from_record(v, SEG_LDTR, c->ldtr_sel, c->ldtr_limit, c->ldtr_base, c->ldtr_arbytes);
	seg_from_record(v, SEG_GDTR, 0, c->gdtr_limit, c->gdtr_base, 0);
	seg_from_record(v, SEG_IDTR, 0, c->idtr_limit, c->idtr_base, 0);
	/* The CPL is the stack segment's DPL. */
	VMCB_FIELD(v, VMCB_CPL, u8) = (c->ss_arbytes >> 5) & 3;
}

/* Load a CPU record the neutral layer checked (hvm/context.c). */
static void svm_set_cpu_state(struct vcpu *v, const struct petrel_hvm_hw_cpu *c)
{
	struct hvm_vcpu *h = &v->arch.hvm;

	svm_vmcb_write(v);
	segs_from_record(v, c);
	h->svm.stale_tlb = true;
	h->guest_cr0 = c->cr0;
	h->guest_cr4 = c->cr4;
	h->guest_efer = c->msr_efer;
	F64(v, VMCB_CR0) = c->cr0;
	F64(v, VMCB_CR2) = c->cr2;
	F64(v, VMCB_CR3) = c->cr3;
	F64(v, VMCB_CR4) = c->cr4;
	F64(v, VMCB_EFER) = c->msr_efer | EFER_SVME;
	F64(v, VMCB_DR6) = c->dr6;
	F64(v, VMCB_DR7) = c->dr7;
	F64(v, VMCB_STAR) = c->msr_star;
	F64(v, VMCB_LSTAR) = c->msr_lstar;
	F64(v, VMCB_CSTAR) = c->msr_cstar;
	F64(v, VMCB_SFMASK) = c->msr_syscall_mask;
	F64(v, VMCB_KERNEL_GS_BASE) = c->shadow_gs;
	F64(v, VMCB_SYSENTER_CS) = c->sysenter_cs;
	F64(v, VMCB_SYSENTER_ESP) = c->sysenter_esp;
	F64(v, VMCB_SYSENTER_EIP) = c->sysenter_eip;
	F64(v, VMCB_EVENTINJ) = 0;
	hvm_regs_from_record(&h->regs, c);
	h->regs.rflags |= X86_EFLAGS_MBS;
}

static void seg_to_record(const struct vcpu *v, unsigned int s, u32 *sel, u32 *limit, u64 *base,
			  u32 *attr)
{
	const struct vmcb_seg *g = seg(v, s);

	*sel = g->sel;
	*limit = g->limit;
	*base = g->base;
	*attr = g->attr;
}

static void svm_get_cpu_state(const struct vcpu *v, struct petrel_hvm_hw_cpu *c)
{
	u32 unused;

	svm_sync_vmcb(v);
	seg_to_record(v, SEG_ES, &c->es_sel, &c->es_limit, &c->es_base, &c->es_arbytes);
	seg_to_record(v, SEG_CS, &c->cs_sel, &c->cs_limit, &c->cs_base, &c->cs_arbytes);
	seg_to_record(v, SEG_SS, &c->ss_sel, &c->ss_limit, &c->ss_base, &c->ss_arbytes);
	seg_to_record(v, SEG_DS, &c->ds_sel, &c->ds_limit, &c->ds_base, &c->ds_arbytes);
	seg_to_record(v, SEG_FS, &c->fs_sel, &c->fs_limit, &c->fs_base, &c->fs_arbytes);
	seg_to_record(v, SEG_GS, &c->gs_sel, &c->gs_limit, &c->gs_base, &c->gs_arbytes);
	seg_to_record(v, SEG_TR, &c->tr_sel, &c->tr_limit, &c->tr_base, &c->tr_arbytes);
	seg_to_record(v, SEG_LDTR, &c->ldtr_sel, &c->ldtr_limit, &c->ldtr_base, &c->ldtr_arbytes);
	seg_to_record(v, SEG_GDTR, &unused, &c->gdtr_limit, &c->gdtr_base, &unused);
	seg_to_record(v, SEG_IDTR, &unused, &c->idtr_limit, &c->idtr_base, &unused);
	c->cr0 = v->arch.hvm.guest_cr0;
	c->cr2 = F64(v, VMCB_CR2);
	c->cr3 = F64(v, VMCB_CR3);
	c->cr4 = v->arch.hvm.guest_cr4;
	c->msr_efer = v->arch.hvm.guest_efer;
	c->dr6 = F64(v, VMCB_DR6);
	c->dr7 = F64(v, VMCB_DR7);
	c->msr_star = F64(v, VMCB_STAR);
	c->msr_lstar = F64(v, VMCB_LSTAR);
	c->msr_cstar = F64(v, VMCB_CSTAR);
	c->msr_syscall_mask = F64(v, VMCB_SFMASK);
	c->shadow_gs = F64(v, VMCB_KERNEL_GS_BASE);
	c->sysenter_cs = F64(v, VMCB_SYSENTER_CS);
	c->sysenter_esp = F64(v, VMCB_SYSENTER_ESP);
	c->sysenter_eip = F64(v, VMCB_SYSENTER_EIP);
	hvm_record_from_regs(c, &v->arch.hvm.regs);
}

__hvm_hot static unsigned int svm_guest_mode(const struct vcpu *v)
{
	u16 cs_attr = seg(v, SEG_CS)->attr;

	if ((F64(v, VMCB_EFER) & EFER_LMA) && (cs_attr & (1u << 9)))
		return HVM_MODE_64;
	if (F64(v, VMCB_RFLAGS) & X86_EFLAGS_VM)
		return HVM_MODE_VM86;
	if (!(F64(v, VMCB_CR0) & 1))
		return HVM_MODE_REAL;
	return (cs_attr & (1u << 10)) ? HVM_MODE_32 : HVM_MODE_16;
}

__hvm_hot static unsigned int svm_cpl(const struct vcpu *v)
{
	return VMCB_FIELD(v, VMCB_CPL, u8);
}

__hvm_hot static u64 svm_cr3(const struct vcpu *v)
{
	return F64(v, VMCB_CR3);
}

static u64 svm_cs_base(const struct vcpu *v)
{
	return seg(v, SEG_CS)->base;
}

static u64 svm_seg_base(const struct vcpu *v, unsigned int s)
{
	if (s == SEG_FS || s == SEG_GS)
		svm_sync_vmcb(v);
	return s <= SEG_GS ? seg(v, s)->base : 0; /* x86_seg and the VMCB share the order */
}

static void svm_seg_limits(const struct vcpu *v, unsigned int s, u32 *limit, u16 *attr)
{
	if (s == SEG_FS || s == SEG_GS)
		svm_sync_vmcb(v);
	*limit = s <= SEG_GS ? seg(v, s)->limit : 0;
	*attr = s <= SEG_GS ? seg(v, s)->attr : 0;
}

static void svm_set_cr(struct vcpu *v, unsigned int cr, u64 val)
{
	F64(v, cr == 0 ? VMCB_CR0 : VMCB_CR4) = val;
	v->arch.hvm.svm.stale_tlb = true;
}

/* VMRUN refuses a guest EFER without SVME: the guest never sees it. */
static void svm_set_efer(struct vcpu *v, u64 efer)
{
	F64(v, VMCB_EFER) = efer | EFER_SVME;
	v->arch.hvm.svm.stale_tlb = true;
}

static u64 svm_get_pat(const struct vcpu *v)
{
	return F64(v, VMCB_G_PAT);
}

static void svm_set_pat(struct vcpu *v, u64 pat)
{
	F64(v, VMCB_G_PAT) = pat;
	v->arch.hvm.svm.stale_tlb = true;
}

static void svm_set_cr2(struct vcpu *v, u64 cr2)
{
	F64(v, VMCB_CR2) = cr2;
}

static void svm_inject(struct vcpu *v, unsigned int vector, s64 ec)
{
	u64 e = EVENT_VALID | EVENT_TYPE_EXC | vector;

	if (ec >= 0)
		e |= EVENT_EV | ((u64)(u32)ec << 32);
	F64(v, VMCB_EVENTINJ) = e;
}

/* 32-byte stubs: mov $nr, %eax; vmmcall; ret. The iret slot is ud2. */
static void svm_fill_hypercall_page(void *page)
{
	u8 *p = page;

	for (unsigned int i = 0; i < PAGE_SIZE / 32; i++, p += 32) {
		if (i == 23) {
			p[0] = 0x0f, p[1] = 0x0b;
			continue;
		}
		p[0] = 0xb8;
		p[1] = (u8)i, p[2] = 0, p[3] = 0, p[4] = 0;
		p[5] = 0x0f, p[6] = 0x01, p[7] = 0xd9;
		p[8] = 0xc3;
	}
}

static void svm_dump(const struct vcpu *v)
{
	const struct cpu_regs *r = &v->arch.hvm.regs;
	static const char *const names[] = { "es", "cs",   "ss",   "ds",   "fs",
					     "gs", "gdtr", "ldtr", "idtr", "tr" };

	svm_sync_vmcb(v);
	printk("*** VMCB of d%uv%u (%#lx) ***\n", v->domain->domain_id, v->vcpu_id,
	       v->arch.hvm.vmcb_pa);
	printk("exitcode %#lx exitinfo1 %#lx exitinfo2 %#lx exitintinfo %#lx eventinj %#lx\n",
	       F64(v, VMCB_EXITCODE), F64(v, VMCB_EXITINFO1), F64(v, VMCB_EXITINFO2),
	       F64(v, VMCB_EXITINTINFO), F64(v, VMCB_EVENTINJ));
	printk("intercepts cr %#x exc %#x gen1 %#x gen2 %#x asid %u np %#lx ncr3 %#lx\n",
	       F32(v, VMCB_CR_INTERCEPTS), F32(v, VMCB_EXC_INTERCEPTS), F32(v, VMCB_GENERAL1),
	       F32(v, VMCB_GENERAL2), F32(v, VMCB_ASID), F64(v, VMCB_NP_CONTROL),
	       F64(v, VMCB_NCR3));
	printk("rip %#lx rsp %#lx rflags %#lx cpl %u efer %#lx\n", F64(v, VMCB_RIP),
	       F64(v, VMCB_RSP), F64(v, VMCB_RFLAGS), svm_cpl(v), F64(v, VMCB_EFER));
	printk("cr0 %#lx cr2 %#lx cr3 %#lx cr4 %#lx g_pat %#lx\n", F64(v, VMCB_CR0),
	       F64(v, VMCB_CR2), F64(v, VMCB_CR3), F64(v, VMCB_CR4), F64(v, VMCB_G_PAT));
	for (unsigned int s = SEG_ES; s <= SEG_TR; s++) {
		const struct vmcb_seg *g = seg(v, s);

		printk("%-4s sel %#06x attr %#05x limit %#010x base %#lx\n", names[s], g->sel,
		       g->attr, g->limit, g->base);
	}
	printk("rax %#lx rbx %#lx rcx %#lx rdx %#lx\n", r->rax, r->rbx, r->rcx, r->rdx);
	printk("rsi %#lx rdi %#lx rbp %#lx r8 %#lx\n", r->rsi, r->rdi, r->rbp, r->r8);
	printk("r9 %#lx r10 %#lx r11 %#lx r12 %#lx\n", r->r9, r->r10, r->r11, r->r12);
	printk("r13 %#lx r14 %#lx r15 %#lx\n", r->r13, r->r14, r->r15);
}

/* ---- Exits. */

/*
 * Decode the instruction that exited and check it is @opcode (with ModRM
 * byte @modrm unless it is 0); its length, or the domain dies.
 */
static unsigned int insn_len(struct vcpu *v, u16 opcode, int modrm, struct x86_insn *in)
{
	unsigned int len = hvm_decode_current(v, in);

	if (!len || in->opcode != opcode ||
	    (modrm >= 0 && (!in->has_modrm || in->mod != 3 || in->reg % 8 != (modrm >> 3) % 8 ||
			    in->rm % 8 != (modrm & 7))))
		hvm_crash(v, "cannot decode the instruction that exited");
	return len;
}

__hvm_hot static void advance(struct vcpu *v, unsigned int len)
{
	v->arch.hvm.regs.rip += len;
	if (svm_guest_mode(v) != HVM_MODE_64)
		v->arch.hvm.regs.rip = (u32)v->arch.hvm.regs.rip;
	F64(v, VMCB_INT_SHADOW) &= ~1UL;
}

/* MOV to CR8: the vLAPIC's TPR (V_TPR follows at the next entry); a value above 15 #GPs. */
static void cr8_write(struct vcpu *v, u64 val, unsigned int len)
{
	if (val >> 4) {
		svm_inject(v, HVM_EXC_GP, 0);
		return;
	}
	vlapic_set_tpr(v, (u8)(val << 4));
	advance(v, len);
}

static void exit_cr_write(struct vcpu *v, unsigned int cr)
{
	struct x86_insn in;
	unsigned int len = hvm_decode_current(v, &in);
	u64 val;

	if (len && in.opcode == X86_OPC_0F(0x22) && in.reg == cr) {
		val = *hvm_gpr(v, in.rm);
		if (svm_guest_mode(v) != HVM_MODE_64)
			val = (u32)val;
	} else if (len && cr == 0 && in.opcode == X86_OPC_0F(0x06)) {
		val = v->arch.hvm.guest_cr0 & ~X86_CR0_TS; /* clts */
	} else {
		hvm_crash(v, "control register write not emulated");
	}
	if (cr == 8)
		cr8_write(v, val, len);
	else if (!hvm_set_cr(v, cr, val))
		advance(v, len);
}

static void exit_msr(struct vcpu *v)
{
	struct cpu_regs *r = &v->arch.hvm.regs;
	struct x86_insn in;
	bool write = F64(v, VMCB_EXITINFO1) & 1;
	unsigned int len = insn_len(v, X86_OPC_0F(write ? 0x30 : 0x32), -1, &in);
	u64 val;

	if (write) {
		if (hvm_msr_write(v, (u32)r->rcx, (r->rdx << 32) | (u32)r->rax))
			return;
	} else {
		if (hvm_msr_read(v, (u32)r->rcx, &val))
			return;
		r->rax = (u32)val;
		r->rdx = val >> 32;
	}
	advance(v, len);
}

static void exit_ioio(struct vcpu *v)
{
	u64 info = F64(v, VMCB_EXITINFO1);
	unsigned int size = (info >> 4) & 7;

	size = size == 4 ? 4 : size == 2 ? 2 : 1;
	if (info & (1u << 2)) { /* INS/OUTS */
		if (hvm_handle_string_pio(v, info & 1, (u16)(info >> 16), size))
			v->arch.hvm.regs.rip = F64(v, VMCB_EXITINFO2);
		return;
	}
	hvm_handle_pio(v, info & 1, (u16)(info >> 16), size);
	v->arch.hvm.regs.rip = F64(v, VMCB_EXITINFO2); /* the next rip, always given */
}

/* Exit (VINTR) as soon as the guest can take an interrupt. */
static void request_window(struct vcpu *v)
{
	F64(v, VMCB_VINTR) |= VINTR_IRQ | VINTR_IGN_TPR | (0xfUL << VINTR_PRIO_SHIFT);
	F32(v, VMCB_GENERAL1) |= G1_VINTR;
}

static void cancel_window(struct vcpu *v)
{
	F64(v, VMCB_VINTR) &= ~VINTR_IRQ;
	F32(v, VMCB_GENERAL1) &= ~G1_VINTR;
}

/* A nested page fault: a log-dirty write, or an access outside RAM to emulate. */
static void exit_npf(struct vcpu *v)
{
	unsigned int len =
	    hvm_mmio_exit(v, F64(v, VMCB_EXITINFO2), "nested page fault", F64(v, VMCB_EXITINFO1));

	if (len)
		advance(v, len);
}

static void handle_exit(struct vcpu *v)
{
	u32 code = (u32)F64(v, VMCB_EXITCODE); /* every exit code fits in 32 bits */
	struct x86_insn in;
	unsigned int len;

	switch (code) {
	case EXIT_INTR:
	case EXIT_NMI:
	case EXIT_SMI:
	case EXIT_INIT:
		return; /* taken by the host at STGI */
	case EXIT_CPUID:
		len = insn_len(v, X86_OPC_0F(0xa2), -1, &in);
		hvm_handle_cpuid(v);
		advance(v, len);
		return;
	case EXIT_VMMCALL:
		len = insn_len(v, X86_OPC_0F(0x01), 0xd9 & 0x3f, &in);
		if (hvm_handle_hypercall(v))
			advance(v, len);
		return;
	case EXIT_IRET:
		/*
		 * The NMI handler's IRET ends NMI blocking. The IRET has not run
		 * yet: an interrupt shadow keeps the next NMI off it.
		 */
		F32(v, VMCB_GENERAL1) &= ~G1_IRET;
		F64(v, VMCB_INT_SHADOW) |= 1;
		return;
	case EXIT_HLT:
		advance(v, insn_len(v, 0xf4, -1, &in));
		hvm_handle_hlt(v);
		return;
	case EXIT_INVD:
	case EXIT_WBINVD:
		advance(v, insn_len(v, X86_OPC_0F(code == EXIT_INVD ? 0x08 : 0x09), -1, &in));
		return;
	case EXIT_CR0_WRITE:
	case EXIT_CR4_WRITE:
	case EXIT_CR8_WRITE:
		exit_cr_write(v, (unsigned int)(code - EXIT_CR0_WRITE));
		return;
	case EXIT_MSR:
		exit_msr(v);
		return;
	case EXIT_IOIO:
		exit_ioio(v);
		return;
	case EXIT_SHUTDOWN:
		hvm_triple_fault(v);
	case EXIT_VMRUN:
	case EXIT_VMLOAD:
	case EXIT_VMSAVE:
	case EXIT_STGI:
	case EXIT_CLGI:
	case EXIT_SKINIT:
	case EXIT_INVLPGA:
	case EXIT_MONITOR:
	case EXIT_MWAIT:
	case EXIT_RDPRU:
		svm_inject(v, HVM_EXC_UD, -1); /* no nested virtualisation */
		return;
	case EXIT_XSETBV:
		svm_inject(v, HVM_EXC_GP, 0);
		return;
	case EXIT_INVALID:
		hvm_crash(v, "VMRUN refused the VMCB (VMEXIT_INVALID)");
	case EXIT_VINTR:
		/* The window opened: the loop's next entry injects the interrupt. */
		cancel_window(v);
		return;
	case EXIT_NPF:
		exit_npf(v);
		return;
	default:
		printk(XENLOG_ERR "d%u: unexpected SVM exit %#x\n", v->domain->domain_id, code);
		hvm_crash(v, "unexpected exit");
	}
}

/*
 * A pending NMI goes in before any interrupt unless an event is queued, an
 * interrupt shadow holds, or an earlier NMI's handler runs: SVM does not
 * track NMI blocking, so, as Xen does, the IRET after an injected NMI is
 * intercepted and blocking lasts until it.
 */
static void nmi_assist(struct vcpu *v)
{
	if (!__atomic_load_n(&v->arch.hvm.nmi_pending, __ATOMIC_RELAXED) ||
	    (F64(v, VMCB_EVENTINJ) & EVENT_VALID) || (F64(v, VMCB_INT_SHADOW) & 1) ||
	    (F32(v, VMCB_GENERAL1) & G1_IRET) || !hvm_take_nmi(v))
		return;
	F64(v, VMCB_EVENTINJ) = EVENT_VALID | EVENT_TYPE_NMI | HVM_EXC_NMI;
	F32(v, VMCB_GENERAL1) |= G1_IRET;
}

/*
 * Offer the next interrupt: inject it when the guest takes interrupts (IF
 * set, no interrupt shadow, no other event queued), or else ask for a VINTR
 * exit when it does. The callback vector bypasses the vLAPIC and stays
 * pending until the guest clears upcall_pending, so after an injection a
 * window is asked for whenever another interrupt is still pending. The
 * V_IRQ request ignores V_TPR: priorities are the vLAPIC's business.
 */
static void intr_assist(struct vcpu *v)
{
	bool from_lapic;
	int vec = hvm_next_interrupt(v, &from_lapic);

	if (vec < 0)
		return;
	if ((F64(v, VMCB_EVENTINJ) & EVENT_VALID) || !(v->arch.hvm.regs.rflags & X86_EFLAGS_IF) ||
	    (F64(v, VMCB_INT_SHADOW) & 1)) {
		request_window(v);
		return;
	}
	vec = (int)hvm_intr_ack(v, (unsigned int)vec);
	F64(v, VMCB_EVENTINJ) = EVENT_VALID | (unsigned int)vec; /* type 0: external */
	cancel_window(v);
	if (hvm_next_interrupt(v, &from_lapic) >= 0)
		request_window(v);
}

/* CR8 writes go to V_TPR without an exit: carry them to and from the vLAPIC. */
static void tpr_to_vmcb(struct vcpu *v)
{
	u64 vi = F64(v, VMCB_VINTR) & ~VINTR_TPR_MASK;

	F64(v, VMCB_VINTR) = vi | (vlapic_tpr(v) >> 4);
}

static void tpr_from_vmcb(struct vcpu *v)
{
	u8 vtpr = F64(v, VMCB_VINTR) & VINTR_TPR_MASK;

	if (vtpr != vlapic_tpr(v) >> 4)
		vlapic_set_tpr(v, (u8)(vtpr << 4));
}

/*
 * Every guest runs in ASID 1, so the guest translations a CPU holds are
 * those of the last vCPU it entered. VMRUN flushes them (TLB_CONTROL 1,
 * every ASID; 0 keeps them) only when they may be another's or stale:
 * another vCPU entered this CPU since, this vCPU ran on another CPU since
 * (its guest may have changed its page tables there), a present p2m entry
 * was replaced (p2m_changes moved), or Petrel changed the vCPU's paging
 * state (stale_tlb: an emulated CR0/CR4/EFER/PAT write, a new CPU state).
 * The guest's own MOV to CR3 and INVLPG do not exit: the CPU flushes the
 * ASID's entries itself. Under QEMU's TCG a flush at every VMRUN cost one
 * more softmmu TLB flush per exit than Xen's (docs/performance.md).
 */
static u8 svm_tlb_control(struct vcpu *v)
{
	struct hvm_vcpu *h = &v->arch.hvm;
	int cpu = smp_processor_id();
	u64 changes = v->domain->arch.hvm.p2m_changes;
	bool flush = h->svm.stale_tlb || h->svm.last_cpu != cpu ||
		     this_cpu(svm_tlb_owner) != h->svm.tlb_tag || h->svm.p2m_seen != changes;

	h->svm.stale_tlb = false;
	h->svm.last_cpu = cpu;
	h->svm.p2m_seen = changes;
	this_cpu(svm_tlb_owner) = h->svm.tlb_tag;
	return flush ? 1 : 0;
}

__hvm_hot static void svm_run(struct vcpu *v)
{
	struct cpu_regs *r = &v->arch.hvm.regs;
	u64 intinfo;

	F64(v, VMCB_RAX) = r->rax;
	F64(v, VMCB_RIP) = r->rip;
	F64(v, VMCB_RSP) = r->rsp;
	F64(v, VMCB_RFLAGS) = r->rflags | X86_EFLAGS_MBS;
	VMCB_FIELD(v, VMCB_TLB_CONTROL, u8) = svm_tlb_control(v);
	nmi_assist(v);
	intr_assist(v);
	tpr_to_vmcb(v);
	svm_load_guest(v);
	hv_leave_to_guest();
	svm_vmrun(r, v->arch.hvm.vmcb_pa);
	hv_enter();
	r->rax = F64(v, VMCB_RAX);
	r->rip = F64(v, VMCB_RIP);
	r->rsp = F64(v, VMCB_RSP);
	r->rflags = F64(v, VMCB_RFLAGS);
	/* An event cut short by the exit is delivered again on the next entry. */
	intinfo = F64(v, VMCB_EXITINTINFO);
	F64(v, VMCB_EVENTINJ) = (intinfo & EVENT_VALID) ? intinfo : 0;
	tpr_from_vmcb(v);
	handle_exit(v);
}

static __hvm_const const struct hvm_backend svm_backend = {
	.name = "AMD SVM with nested paging",
	.vcpu_init = svm_vcpu_init,
	.vcpu_destroy = svm_vcpu_destroy,
	.vcpu_set_pvh_state = svm_set_pvh_state,
	.set_cpu_state = svm_set_cpu_state,
	.get_cpu_state = svm_get_cpu_state,
	.guest_mode = svm_guest_mode,
	.cpl = svm_cpl,
	.cr3 = svm_cr3,
	.cs_base = svm_cs_base,
	.seg_base = svm_seg_base,
	.seg_limits = svm_seg_limits,
	.set_cr = svm_set_cr,
	.set_efer = svm_set_efer,
	.get_pat = svm_get_pat,
	.set_pat = svm_set_pat,
	.inject = svm_inject,
	.set_cr2 = svm_set_cr2,
	.fill_hypercall_page = svm_fill_hypercall_page,
	.run = svm_run,
	.dump = svm_dump,
	.context_save = svm_context_save,
	.context_drop = svm_context_drop,
};

/* Detect SVM with NPT by CPUID and turn it on for this CPU. */
const struct hvm_backend *svm_probe(void)
{
	u32 a, b, c, d, rev, asids;

	cpuid_count(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x8000000a)
		return NULL;
	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	if (!(c & (1u << 2)))
		return NULL;
	cpuid_count(0x8000000a, 0, &rev, &asids, &c, &d);
	if (!(d & 1)) {
		printk(XENLOG_INFO "SVM: no nested paging; not used\n");
		return NULL;
	}
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		printk(XENLOG_INFO "SVM: disabled by the firmware (VM_CR.SVMDIS)\n");
		return NULL;
	}
	host_save_area = alloc_xenheap_pages(0);
	host_vmcb = alloc_xenheap_pages(0);
	if (!host_save_area || !host_vmcb || maps_init())
		return NULL;
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, virt_to_maddr(host_save_area));
	svm_vmsave(virt_to_maddr(host_vmcb)); /* this CPU's TR and syscall MSRs, set up before */
	printk(XENLOG_INFO "SVM: revision %u, %u ASIDs, features %#x%s%s%s\n", rev & 0xff, asids, d,
	       (d & (1u << 3)) ? " NRIPS" : "", (d & (1u << 5)) ? " VMCB-clean" : "",
	       (d & (1u << 7)) ? " DecodeAssists" : "");
	return &svm_backend;
}
