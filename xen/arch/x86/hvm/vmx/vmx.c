/*
 * The Intel VMX backend with EPT: turning VMX on (feature control, VMXON,
 * the fixed CR0/CR4 bits), one VMCS per vCPU with the controls Xen uses,
 * one VM entry per loop iteration (entry.S) and the exit dispatch. Unlike
 * SVM, VMX reports the length of every instruction that exits and decodes
 * CR and I/O accesses in the exit qualification: the shared decoder is
 * needed only for MMIO. Unrestricted guests run the PVH entry (32-bit, paging
 * off) as it is. HVM vCPUs run on CPU 0 only (as with SVM), so VMXON, the
 * bitmaps and the current-VMCS record are this CPU's.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "asm.h"
#include "console.h"
#include "page.h"
#include "mm.h"
#include "desc.h"
#include "hvm.h"
#include "vmcs.h"
#include "apic.h"
#include "sched.h"
#include "timer.h"
#include "public/hvm/save.h"

#define X86_CR0_PE (1UL << 0)
#define X86_CR0_TS (1UL << 3)
#define X86_CR0_NE (1UL << 5)
#define X86_CR0_PG (1UL << 31)
#define X86_CR0_WP (1UL << 16)
#define X86_CR0_CD (1UL << 30)
#define X86_CR4_PSE (1UL << 4)
#define X86_CR4_VMXE (1UL << 13)
#define X86_CR4_PCIDE (1UL << 17)
#define X86_CR4_SMAP (1UL << 21)
#define X86_CR4_PKE (1UL << 22)
/* Bits whose change by MOV to CR0/CR4 flushes the TLB on a real CPU. */
#define CR0_TLB_BITS (X86_CR0_PE | X86_CR0_WP | X86_CR0_CD | X86_CR0_PG)
#define CR4_TLB_BITS                                                                               \
	(X86_CR4_PSE | X86_CR4_PAE | X86_CR4_PGE | X86_CR4_PCIDE | X86_CR4_SMEP | X86_CR4_SMAP |   \
	 X86_CR4_PKE)
#define EFER_LMA (1UL << 10)
#define GUEST_PAT_DEFAULT 0x0007040600070406UL
#define EXC_MC 18

/* The guest's syscall MSRs, swapped by the VM-entry/VM-exit MSR areas. */
static const u32 swapped_msrs[] = { MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_FMASK, MSR_SHADOW_GS_BASE };
#define NR_SWAPPED ARRAY_SIZE(swapped_msrs)

struct msr_entry {
	u32 index, reserved;
	u64 value;
};

/* What this CPU offers, read at probe time. */
static struct {
	u32 revision;
	u32 pin, proc, proc2, exit, entry;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 ept_vpid_cap;
	unsigned int timer_rate; /* the preemption timer counts TSC >> this */
} caps;

static void *vmxon_region;
static u8 *msr_bitmap, *io_bitmap_a, *io_bitmap_b;
static struct msr_entry *host_msrs;
static paddr_t current_vmcs; /* the VMCS VMPTRLD made current on CPU 0 */
static struct {
	u16 limit;
	u64 base;
} __packed host_gdtr; /* a VM exit leaves the GDT limit at 0xffff */
static u16 next_vpid = 1;

extern int vmx_enter(struct cpu_regs *regs, int launched);
extern char vmx_exit_point[];

/* ---- VMX instructions. */

static inline u64 vmread(u32 field)
{
	u64 val = 0;

	__asm__ volatile("vmread %1, %0" : "=rm"(val) : "r"((u64)field) : "cc");
	return val;
}

static inline void vmwrite(u32 field, u64 val)
{
	__asm__ volatile("vmwrite %1, %0" : : "r"((u64)field), "rm"(val) : "cc");
}

/* VMXON, VMCLEAR, VMPTRLD on a physical address: false if the CPU refused. */
#define VMX_PA_INSN(name, insn)                                                                    \
	static inline bool name(paddr_t pa)                                                        \
	{                                                                                          \
		bool fail;                                                                         \
		__asm__ volatile(insn " %1; setna %0" : "=qm"(fail) : "m"(pa) : "cc", "memory");   \
		return !fail;                                                                      \
	}
VMX_PA_INSN(vmxon, "vmxon")
VMX_PA_INSN(vmclear, "vmclear")
VMX_PA_INSN(vmptrld, "vmptrld")

static void invept(unsigned long type, u64 eptp)
{
	struct {
		u64 eptp, reserved;
	} desc = { eptp, 0 };

	__asm__ volatile("invept %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

static void invvpid(unsigned long type, u16 vpid)
{
	struct {
		u64 vpid, addr;
	} desc = { vpid, 0 };

	__asm__ volatile("invvpid %0, %1" : : "m"(desc), "r"(type) : "cc", "memory");
}

/* ---- Turning VMX on. */

/*
 * Fit @want into what capability MSR @msr allows (low half: bits that must
 * be 1, high half: bits that may be 1); false if a bit of @need cannot be 1.
 */
static bool adjust(u32 msr, u32 want, u32 need, u32 *out)
{
	u64 cap = rdmsr(msr);
	u32 val = (want | (u32)cap) & (u32)(cap >> 32);

	*out = val;
	return (val & need) == need;
}

static bool read_controls(void)
{
	bool true_ctls = rdmsr(MSR_VMX_BASIC) & VMX_BASIC_TRUE_CTLS;
	u32 pin_msr = true_ctls ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED;
	u32 proc_msr = true_ctls ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED;
	u32 exit_msr = true_ctls ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT;
	u32 entry_msr = true_ctls ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY;
	u32 proc_need = PROC_HLT | PROC_CR8_LOAD | PROC_CR8_STORE | PROC_IO_BITMAPS |
			PROC_MSR_BITMAP | PROC_MWAIT | PROC_MONITOR | PROC_SECONDARY;
	u32 exit_need =
	    EXIT_HOST_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER;
	u32 window;

	if (!adjust(pin_msr, PIN_EXT_INTR | PIN_NMI | PIN_VIRTUAL_NMIS | PIN_PREEMPT_TIMER,
		    PIN_EXT_INTR | PIN_NMI, &caps.pin) ||
	    !adjust(proc_msr, proc_need, proc_need, &caps.proc) ||
	    !adjust(proc_msr, PROC_INTR_WINDOW, PROC_INTR_WINDOW, &window) ||
	    !adjust(exit_msr, exit_need, exit_need, &caps.exit) ||
	    !adjust(entry_msr, ENTRY_LOAD_PAT | ENTRY_LOAD_EFER, ENTRY_LOAD_PAT | ENTRY_LOAD_EFER,
		    &caps.entry))
		return false;
	return adjust(MSR_VMX_PROCBASED2,
		      PROC2_EPT | PROC2_UNRESTRICTED | PROC2_VPID | PROC2_RDTSCP | PROC2_WBINVD |
			  PROC2_INVPCID,
		      PROC2_EPT | PROC2_UNRESTRICTED, &caps.proc2);
}

/* EPT as the p2m wants it: 4-level walks, write-back, INVEPT. */
static bool ept_usable(void)
{
	u64 c = caps.ept_vpid_cap;

	return (c & EPT_CAP_WALK4) && (c & EPT_CAP_WB) && (c & EPT_CAP_INVEPT) &&
	       (c & (EPT_CAP_INVEPT_SINGLE | EPT_CAP_INVEPT_ALL));
}

static bool vpid_usable(void)
{
	u64 c = caps.ept_vpid_cap;

	return (caps.proc2 & PROC2_VPID) && (c & VPID_CAP_INVVPID) &&
	       (c & (VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL));
}

static bool feature_control_ok(void)
{
	u64 fc = rdmsr(MSR_FEATURE_CONTROL);

	if (fc & FEATURE_CONTROL_LOCK)
		return fc & FEATURE_CONTROL_VMXON;
	wrmsr(MSR_FEATURE_CONTROL, fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMXON);
	return true;
}

static void bitmap_open(u8 *map, u32 bit)
{
	map[bit / 8] &= (u8) ~(1u << (bit % 8));
}

/* Let the guest reach @msr directly, both reads and writes. */
static void msr_open(u32 msr)
{
	u32 off;

	if (msr < 0x2000)
		off = 0;
	else if (msr - 0xc0000000u < 0x2000)
		off = 0x400;
	else
		return;
	bitmap_open(msr_bitmap, off * 8 + (msr & 0x1fff));
	bitmap_open(msr_bitmap, (off + 0x800) * 8 + (msr & 0x1fff));
}

static int maps_init(void)
{
	static const u32 open[] = { MSR_FS_BASE,      MSR_GS_BASE,     MSR_SHADOW_GS_BASE,
				    MSR_STAR,	      MSR_LSTAR,       MSR_CSTAR,
				    MSR_FMASK,	      MSR_SYSENTER_CS, MSR_SYSENTER_ESP,
				    MSR_SYSENTER_EIP, MSR_PAT };

	msr_bitmap = alloc_xenheap_pages(0);
	io_bitmap_a = alloc_xenheap_pages(0);
	io_bitmap_b = alloc_xenheap_pages(0);
	host_msrs = alloc_xenheap_pages(0);
	if (!msr_bitmap || !io_bitmap_a || !io_bitmap_b || !host_msrs)
		return -ENOMEM;
	memset(msr_bitmap, 0xff, PAGE_SIZE);
	memset(io_bitmap_a, 0xff, PAGE_SIZE);
	memset(io_bitmap_b, 0xff, PAGE_SIZE);
	for (unsigned int i = 0; i < ARRAY_SIZE(open); i++)
		msr_open(open[i]);
	/* Ports 0x80 and 0xed (I/O delays) go straight to the hardware, as on Xen. */
	bitmap_open(io_bitmap_a, 0x80);
	bitmap_open(io_bitmap_a, 0xed);
	for (unsigned int i = 0; i < NR_SWAPPED; i++)
		host_msrs[i].index = swapped_msrs[i];
	return 0;
}

/* CR4.VMXE, the fixed CR0/CR4 bits and VMXON on this CPU. */
static bool vmx_on(void)
{
	u64 cr0 = read_cr0(), cr4 = read_cr4() | X86_CR4_VMXE;

	if ((cr0 & caps.cr0_fixed0) != caps.cr0_fixed0 || (cr0 & ~caps.cr0_fixed1) ||
	    (cr4 & caps.cr4_fixed0) != caps.cr4_fixed0 || (cr4 & ~caps.cr4_fixed1)) {
		printk(XENLOG_ERR "VMX: CR0 %#lx / CR4 %#lx outside the fixed bits\n", cr0, cr4);
		return false;
	}
	vmxon_region = alloc_xenheap_pages(0);
	if (!vmxon_region)
		return false;
	*(u32 *)vmxon_region = caps.revision;
	write_cr4(cr4);
	if (!vmxon(virt_to_maddr(vmxon_region))) {
		printk(XENLOG_ERR "VMX: VMXON failed\n");
		write_cr4(cr4 & ~X86_CR4_VMXE);
		return false;
	}
	return true;
}

/* ---- The current VMCS and the host state it restores at a VM exit. */

static u64 tss_base(u64 gdt)
{
	const u64 *d = (const u64 *)(gdt + TSS_SELECTOR);

	return ((d[0] >> 16) & 0xffffff) | (((d[0] >> 56) & 0xff) << 24) | (d[1] << 32);
}

static void write_host_state(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed idtr;

	__asm__ volatile("sgdt %0; sidt %1" : "=m"(host_gdtr), "=m"(idtr));
	vmwrite(HOST_CR0, read_cr0());
	vmwrite(HOST_CR3, read_cr3());
	vmwrite(HOST_CR4, read_cr4());
	vmwrite(HOST_CS_SELECTOR, __HYPERVISOR_CS);
	vmwrite(HOST_SS_SELECTOR, __HYPERVISOR_DS);
	vmwrite(HOST_DS_SELECTOR, 0);
	vmwrite(HOST_ES_SELECTOR, 0);
	vmwrite(HOST_FS_SELECTOR, 0);
	vmwrite(HOST_GS_SELECTOR, 0);
	vmwrite(HOST_TR_SELECTOR, TSS_SELECTOR);
	vmwrite(HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmwrite(HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmwrite(HOST_TR_BASE, tss_base(host_gdtr.base));
	vmwrite(HOST_GDTR_BASE, host_gdtr.base);
	vmwrite(HOST_IDTR_BASE, idtr.base);
	vmwrite(HOST_SYSENTER_CS, rdmsr(MSR_SYSENTER_CS));
	vmwrite(HOST_SYSENTER_ESP, rdmsr(MSR_SYSENTER_ESP));
	vmwrite(HOST_SYSENTER_EIP, rdmsr(MSR_SYSENTER_EIP));
	vmwrite(HOST_PAT, rdmsr(MSR_PAT));
	vmwrite(HOST_EFER, rdmsr(MSR_EFER));
	vmwrite(HOST_RIP, (u64)vmx_exit_point);
	for (unsigned int i = 0; i < NR_SWAPPED; i++)
		host_msrs[i].value = rdmsr(host_msrs[i].index);
}

/* Make @v's VMCS the current one (the host state is refreshed with it). */
static void vmcs_load(const struct vcpu *v)
{
	paddr_t pa = v->arch.hvm.vmcb_pa;

	if (current_vmcs == pa)
		return;
	if (!vmptrld(pa))
		panic("VMX: VMPTRLD %#lx failed", pa);
	current_vmcs = pa;
	write_host_state();
}

static void vmx_context_load(struct vcpu *v)
{
	vmcs_load(v);
	write_host_state(); /* a PV vCPU may have run here in between */
}

/* ---- The per-vCPU VMCS. */

static void write_controls(struct vcpu *v)
{
	struct msr_entry *guest_msrs = v->arch.hvm.vmx.msr_area;

	vmwrite(PIN_BASED_CONTROLS, caps.pin);
	vmwrite(CPU_BASED_CONTROLS, caps.proc);
	vmwrite(SECONDARY_CONTROLS, caps.proc2);
	vmwrite(EXIT_CONTROLS, caps.exit);
	vmwrite(ENTRY_CONTROLS, caps.entry);
	vmwrite(EXCEPTION_BITMAP, 1u << EXC_MC);
	vmwrite(0x4006, 0); /* page-fault error-code mask and match */
	vmwrite(0x4008, 0);
	vmwrite(CR3_TARGET_COUNT, 0);
	vmwrite(0x2010, 0); /* TSC offset */
	vmwrite(IO_BITMAP_A, virt_to_maddr(io_bitmap_a));
	vmwrite(IO_BITMAP_B, virt_to_maddr(io_bitmap_b));
	vmwrite(MSR_BITMAP, virt_to_maddr(msr_bitmap));
	for (unsigned int i = 0; i < NR_SWAPPED; i++)
		guest_msrs[i].index = swapped_msrs[i];
	vmwrite(ENTRY_MSR_LOAD_ADDR, virt_to_maddr(guest_msrs));
	vmwrite(EXIT_MSR_STORE_ADDR, virt_to_maddr(guest_msrs));
	vmwrite(EXIT_MSR_LOAD_ADDR, virt_to_maddr(host_msrs));
	vmwrite(ENTRY_MSR_LOAD_COUNT, NR_SWAPPED);
	vmwrite(EXIT_MSR_STORE_COUNT, NR_SWAPPED);
	vmwrite(EXIT_MSR_LOAD_COUNT, NR_SWAPPED);
	vmwrite(ENTRY_INTR_INFO, 0);
	vmwrite(EPT_POINTER, p2m_root_maddr(v->domain) | EPTP_WB | EPTP_WALK4);
	if (caps.proc2 & PROC2_VPID)
		vmwrite(VPID, v->arch.hvm.vmx.vpid);
	/* The guest owns no CR0/CR4 bit: it reads the shadows, its writes exit. */
	vmwrite(CR0_GUEST_HOST_MASK, ~0UL);
	vmwrite(CR4_GUEST_HOST_MASK, ~0UL);
}

static void write_guest_defaults(void)
{
	vmwrite(VMCS_LINK_POINTER, ~0UL);
	vmwrite(GUEST_DEBUGCTL, 0);
	vmwrite(GUEST_DR7, 0x400);
	vmwrite(GUEST_PAT, GUEST_PAT_DEFAULT);
	vmwrite(GUEST_EFER, 0);
	vmwrite(GUEST_ACTIVITY, 0);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(GUEST_PENDING_DBG, 0);
	vmwrite(GUEST_SYSENTER_CS, 0);
	vmwrite(GUEST_SYSENTER_ESP, 0);
	vmwrite(GUEST_SYSENTER_EIP, 0);
	vmwrite(GUEST_RFLAGS, X86_EFLAGS_MBS);
}

static int vmx_vcpu_init(struct vcpu *v)
{
	struct hvm_vcpu *h = &v->arch.hvm;

	h->vmcb = alloc_xenheap_pages(0);
	h->vmx.msr_area = alloc_xenheap_pages(0);
	if (!h->vmcb || !h->vmx.msr_area)
		return -ENOMEM;
	h->vmcb_pa = virt_to_maddr(h->vmcb);
	*(u32 *)h->vmcb = caps.revision;
	if (!vmclear(h->vmcb_pa))
		return -EIO;
	/* VPIDs are handed out in order; a reused one is flushed at its first launch. */
	h->vmx.vpid = next_vpid;
	next_vpid = next_vpid == 0xffff ? 1 : next_vpid + 1;
	h->vmx.launched = false;
	vmcs_load(v);
	write_controls(v);
	write_guest_defaults();
	return 0;
}

/*
 * Take back what vmx_vcpu_init gave: the VMCS is cleared first (the CPU may
 * hold parts of it and write them back), and is no longer the current one.
 */
static void vmx_vcpu_destroy(struct vcpu *v)
{
	struct hvm_vcpu *h = &v->arch.hvm;

	if (h->vmcb) {
		vmclear(h->vmcb_pa);
		if (current_vmcs == h->vmcb_pa)
			current_vmcs = 0;
		free_xenheap_pages(h->vmcb, 0);
	}
	if (h->vmx.msr_area)
		free_xenheap_pages(h->vmx.msr_area, 0);
	h->vmcb = NULL;
	h->vmx.msr_area = NULL;
}

/* Access rights in the VMCS format: type/S/DPL/P in 7:0, AVL/L/DB/G in 15:12. */
static void set_seg(unsigned int s, u16 sel, u32 ar, u32 limit)
{
	vmwrite(GUEST_ES_SELECTOR + 2 * s, sel);
	vmwrite(GUEST_ES_LIMIT + 2 * s, limit);
	vmwrite(GUEST_ES_AR + 2 * s, ar);
	vmwrite(GUEST_ES_BASE + 2 * s, 0);
}

static void vmx_set_cr(struct vcpu *v, unsigned int cr, u64 val);
static void vmx_set_efer(struct vcpu *v, u64 efer);

/* The PVH entry state: 32-bit flat protected mode, paging off, ebx = start info. */
static void vmx_set_pvh_state(struct vcpu *v, u64 entry, u64 ebx)
{
	struct hvm_vcpu *h = &v->arch.hvm;

	vmcs_load(v);
	set_seg(VSEG_CS, 0x08, 0xc09b, 0xffffffff);
	for (unsigned int s = VSEG_ES; s <= VSEG_GS; s++)
		if (s != VSEG_CS)
			set_seg(s, 0x10, 0xc093, 0xffffffff);
	set_seg(VSEG_TR, 0x18, 0x008b, 0x67);
	set_seg(VSEG_LDTR, 0, AR_UNUSABLE, 0);
	vmwrite(GUEST_ES_LIMIT + 2 * VSEG_GDTR, 0);
	vmwrite(GUEST_ES_BASE + 2 * VSEG_GDTR, 0);
	vmwrite(GUEST_ES_LIMIT + 2 * VSEG_IDTR, 0);
	vmwrite(GUEST_ES_BASE + 2 * VSEG_IDTR, 0);
	h->guest_cr0 = 0x11; /* PE, ET */
	h->guest_cr4 = 0;
	h->guest_efer = 0;
	vmx_set_cr(v, 0, h->guest_cr0);
	vmx_set_cr(v, 4, 0);
	vmwrite(GUEST_CR3, 0);
	h->vmx.stale_tlb = true;
	vmx_set_efer(v, 0);
	memset(&h->regs, 0, sizeof(h->regs));
	h->regs.rip = entry;
	h->regs.rbx = ebx;
	h->regs.rflags = X86_EFLAGS_MBS;
}

/* ---- State the neutral layer reads and writes. */

static unsigned int vmx_guest_mode(const struct vcpu *v)
{
	u64 cs_ar;

	vmcs_load(v);
	cs_ar = vmread(GUEST_ES_AR + 2 * VSEG_CS);
	if ((vmread(GUEST_EFER) & EFER_LMA) && (cs_ar & AR_L))
		return HVM_MODE_64;
	if (vmread(GUEST_RFLAGS) & X86_EFLAGS_VM)
		return HVM_MODE_VM86;
	if (!(v->arch.hvm.guest_cr0 & X86_CR0_PE))
		return HVM_MODE_REAL;
	return (cs_ar & AR_DB) ? HVM_MODE_32 : HVM_MODE_16;
}

static unsigned int vmx_cpl(const struct vcpu *v)
{
	vmcs_load(v);
	return (vmread(GUEST_ES_AR + 2 * VSEG_SS) >> 5) & 3;
}

static u64 vmx_cr3(const struct vcpu *v)
{
	vmcs_load(v);
	return vmread(GUEST_CR3);
}

static u64 vmx_seg_base(const struct vcpu *v, unsigned int s)
{
	vmcs_load(v);
	return s <= VSEG_GS ? vmread(GUEST_ES_BASE + 2 * s) : 0; /* the x86_seg order */
}

/* The access rights in the VMCB's 12-bit form: type, S, DPL, P low, AVL, L, D/B, G high. */
static void vmx_seg_limits(const struct vcpu *v, unsigned int s, u32 *limit, u16 *attr)
{
	u64 ar;

	vmcs_load(v);
	if (s > VSEG_GS) {
		*limit = 0;
		*attr = 0;
		return;
	}
	ar = vmread(GUEST_ES_AR + 2 * s);
	*limit = (u32)vmread(GUEST_ES_LIMIT + 2 * s);
	*attr = (ar & AR_UNUSABLE) ? 0 : (u16)((ar & 0xff) | ((ar >> 4) & 0xf00));
}

static u64 vmx_cs_base(const struct vcpu *v)
{
	vmcs_load(v);
	return vmread(GUEST_ES_BASE + 2 * VSEG_CS);
}

/*
 * The guest reads its own value from the read shadow; the CPU runs with the
 * bits VMX needs set (CR0.NE, CR4.VMXE). Unrestricted guests may clear PE
 * and PG.
 */
static void vmx_set_cr(struct vcpu *v, unsigned int cr, u64 val)
{
	u64 fixed0;

	vmcs_load(v);
	/*
	 * The guest's write exited, so the CPU flushed nothing: with VPID its
	 * translations outlive a paging change unless the entry flushes them.
	 */
	if ((vmread(cr == 0 ? CR0_READ_SHADOW : CR4_READ_SHADOW) ^ val) &
	    (cr == 0 ? CR0_TLB_BITS : CR4_TLB_BITS))
		v->arch.hvm.vmx.stale_tlb = true;
	if (cr == 0) {
		fixed0 = caps.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);
		vmwrite(CR0_READ_SHADOW, val);
		vmwrite(GUEST_CR0, (val | fixed0) & caps.cr0_fixed1);
	} else {
		vmwrite(CR4_READ_SHADOW, val);
		vmwrite(GUEST_CR4, (val | caps.cr4_fixed0) & caps.cr4_fixed1);
	}
}

/* EFER.LMA and the "IA-32e mode guest" entry control go together. */
static void vmx_set_efer(struct vcpu *v, u64 efer)
{
	u64 entry;

	vmcs_load(v);
	entry = vmread(ENTRY_CONTROLS) & ~(u64)ENTRY_IA32E;
	vmwrite(GUEST_EFER, efer);
	vmwrite(ENTRY_CONTROLS, entry | ((efer & EFER_LMA) ? ENTRY_IA32E : 0));
}

static u64 vmx_get_pat(const struct vcpu *v)
{
	vmcs_load(v);
	return vmread(GUEST_PAT);
}

static void vmx_set_pat(struct vcpu *v, u64 pat)
{
	vmcs_load(v);
	vmwrite(GUEST_PAT, pat);
}

/* A hardware exception; real mode delivers no error code. */
static void vmx_set_cr2(struct vcpu *v, u64 cr2)
{
	v->arch.hvm.vmx.cr2 = cr2; /* written to the CPU before the next entry */
}

static void vmx_inject(struct vcpu *v, unsigned int vector, s64 ec)
{
	u32 info = INTR_INFO_VALID | INTR_TYPE_HW_EXC | vector;

	vmcs_load(v);
	if (ec >= 0 && (v->arch.hvm.guest_cr0 & X86_CR0_PE)) {
		info |= INTR_INFO_ERROR_CODE;
		vmwrite(ENTRY_EXCEPTION_ERROR_CODE, (u32)ec);
	}
	vmwrite(ENTRY_INTR_INFO, info);
}

/* 32-byte stubs: mov $nr, %eax; vmcall; ret. The iret slot is ud2. */
static void vmx_fill_hypercall_page(void *page)
{
	u8 *p = page;

	for (unsigned int i = 0; i < PAGE_SIZE / 32; i++, p += 32) {
		if (i == 23) {
			p[0] = 0x0f, p[1] = 0x0b;
			continue;
		}
		p[0] = 0xb8;
		p[1] = (u8)i, p[2] = 0, p[3] = 0, p[4] = 0;
		p[5] = 0x0f, p[6] = 0x01, p[7] = 0xc1;
		p[8] = 0xc3;
	}
}

/* ---- The VMCS dump (failed entries, unexpected exits, crashes). */

static void dump_segments(void)
{
	static const char *const names[] = { "es", "cs",   "ss", "ds",	 "fs",
					     "gs", "ldtr", "tr", "gdtr", "idtr" };

	for (unsigned int s = VSEG_ES; s <= VSEG_IDTR; s++) {
		bool sel = s <= VSEG_TR;

		printk("%-4s sel %#06lx ar %#07lx limit %#010lx base %#lx\n", names[s],
		       sel ? vmread(GUEST_ES_SELECTOR + 2 * s) : 0,
		       sel ? vmread(GUEST_ES_AR + 2 * s) : 0, vmread(GUEST_ES_LIMIT + 2 * s),
		       vmread(GUEST_ES_BASE + 2 * s));
	}
}

static void vmx_dump(const struct vcpu *v)
{
	const struct cpu_regs *r = &v->arch.hvm.regs;

	vmcs_load(v);
	printk("*** VMCS of d%uv%u (%#lx) ***\n", v->domain->domain_id, v->vcpu_id,
	       v->arch.hvm.vmcb_pa);
	printk("exit reason %#lx qualification %#lx insn error %lu intr info %#lx idt vectoring "
	       "%#lx entry intr %#lx\n",
	       vmread(EXIT_REASON), vmread(EXIT_QUALIFICATION), vmread(VM_INSTRUCTION_ERROR),
	       vmread(EXIT_INTR_INFO), vmread(IDT_VECTORING_INFO), vmread(ENTRY_INTR_INFO));
	printk("pin %#lx cpu %#lx secondary %#lx exit %#lx entry %#lx exceptions %#lx\n",
	       vmread(PIN_BASED_CONTROLS), vmread(CPU_BASED_CONTROLS), vmread(SECONDARY_CONTROLS),
	       vmread(EXIT_CONTROLS), vmread(ENTRY_CONTROLS), vmread(EXCEPTION_BITMAP));
	printk("eptp %#lx vpid %lu gpa %#lx gla %#lx\n", vmread(EPT_POINTER), vmread(VPID),
	       vmread(GUEST_PHYSICAL_ADDRESS), vmread(GUEST_LINEAR_ADDRESS));
	printk("rip %#lx rsp %#lx rflags %#lx interruptibility %#lx activity %#lx\n",
	       vmread(GUEST_RIP), vmread(GUEST_RSP), vmread(GUEST_RFLAGS),
	       vmread(GUEST_INTERRUPTIBILITY), vmread(GUEST_ACTIVITY));
	printk("cr0 %#lx (shadow %#lx) cr3 %#lx cr4 %#lx (shadow %#lx) efer %#lx pat %#lx\n",
	       vmread(GUEST_CR0), vmread(CR0_READ_SHADOW), vmread(GUEST_CR3), vmread(GUEST_CR4),
	       vmread(CR4_READ_SHADOW), vmread(GUEST_EFER), vmread(GUEST_PAT));
	printk("pdpte %#lx %#lx %#lx %#lx\n", vmread(GUEST_PDPTE0), vmread(GUEST_PDPTE0 + 2),
	       vmread(GUEST_PDPTE0 + 4), vmread(GUEST_PDPTE0 + 6));
	dump_segments();
	printk("rax %#lx rbx %#lx rcx %#lx rdx %#lx\n", r->rax, r->rbx, r->rcx, r->rdx);
	printk("rsi %#lx rdi %#lx rbp %#lx r8 %#lx\n", r->rsi, r->rdi, r->rbp, r->r8);
	printk("r9 %#lx r10 %#lx r11 %#lx r12 %#lx\n", r->r9, r->r10, r->r11, r->r12);
	printk("r13 %#lx r14 %#lx r15 %#lx\n", r->r13, r->r14, r->r15);
}

/* ---- Exits. */

static unsigned int exit_len(void)
{
	return (unsigned int)vmread(EXIT_INSTRUCTION_LEN);
}

/* Step over the instruction that exited; it ends any STI or MOV-SS shadow. */
static void advance(struct vcpu *v, unsigned int len)
{
	v->arch.hvm.regs.rip += len;
	if (vmx_guest_mode(v) != HVM_MODE_64)
		v->arch.hvm.regs.rip = (u32)v->arch.hvm.regs.rip;
	vmwrite(GUEST_INTERRUPTIBILITY,
		vmread(GUEST_INTERRUPTIBILITY) & ~(u64)(INTR_SHADOW_STI | INTR_SHADOW_MOV_SS));
}

static u64 gpr_value(struct vcpu *v, unsigned int n)
{
	u64 val = *hvm_gpr(v, n);

	return vmx_guest_mode(v) == HVM_MODE_64 ? val : (u32)val;
}

/* MOV to CR0/CR3/CR4/CR8: 0, or -1 when a fault was injected. */
static int mov_to_cr(struct vcpu *v, unsigned int cr, u64 val)
{
	switch (cr) {
	case 0:
	case 4:
		return hvm_set_cr(v, cr, val);
	case 3:
		vmwrite(GUEST_CR3, val); /* only without EPT's own CR3 handling */
		v->arch.hvm.vmx.stale_tlb = true;
		return 0;
	case 8:
		if (val >> 4) {
			vmx_inject(v, HVM_EXC_GP, 0);
			return -1;
		}
		vlapic_set_tpr(v, (u8)(val << 4));
		return 0;
	}
	hvm_crash(v, "MOV to an unknown control register");
}

static void exit_cr_access(struct vcpu *v)
{
	u64 q = vmread(EXIT_QUALIFICATION), cr0 = v->arch.hvm.guest_cr0;
	unsigned int cr = q & 15, type = (q >> 4) & 3, gpr = (q >> 8) & 15;
	int rc = 0;

	switch (type) {
	case 0: /* MOV to CR */
		rc = mov_to_cr(v, cr, gpr_value(v, gpr));
		break;
	case 1: /* MOV from CR: CR3 or CR8 */
		*hvm_gpr(v, gpr) = cr == 3 ? vmread(GUEST_CR3) : (u64)(vlapic_tpr(v) >> 4);
		break;
	case 2: /* CLTS */
		rc = hvm_set_cr(v, 0, cr0 & ~X86_CR0_TS);
		break;
	case 3: /* LMSW: MP/EM/TS, and PE can be set but not cleared */
		rc = hvm_set_cr(v, 0, (cr0 & ~0xeUL) | ((q >> 16) & 0xf) | (cr0 & X86_CR0_PE));
		break;
	}
	if (!rc)
		advance(v, exit_len());
}

static void exit_msr(struct vcpu *v, bool write)
{
	struct cpu_regs *r = &v->arch.hvm.regs;
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
	advance(v, exit_len());
}

static void exit_io(struct vcpu *v)
{
	u64 q = vmread(EXIT_QUALIFICATION);

	if (q & (1u << 4)) { /* INS/OUTS */
		if (hvm_handle_string_pio(v, q & (1u << 3), (u16)(q >> 16),
					  (unsigned int)(q & 7) + 1))
			advance(v, exit_len());
		return;
	}
	hvm_handle_pio(v, q & (1u << 3), (u16)(q >> 16), (unsigned int)(q & 7) + 1);
	advance(v, exit_len());
}

static void exit_ept_violation(struct vcpu *v)
{
	unsigned int len = hvm_mmio_exit(v, vmread(GUEST_PHYSICAL_ADDRESS), "EPT violation",
					 vmread(EXIT_QUALIFICATION));

	if (len)
		advance(v, len);
}

/* Exception or NMI exit: a host NMI is handed to the host, #MC kills the guest. */
static void exit_exception(struct vcpu *v)
{
	u32 info = (u32)vmread(EXIT_INTR_INFO);

	if ((info & INTR_TYPE_MASK) == INTR_TYPE_NMI) {
		__asm__ volatile("int $2");
		return;
	}
	printk(XENLOG_ERR "d%u: exception %u intercepted\n", v->domain->domain_id, info & 0xff);
	hvm_crash(v, "machine check in the guest");
}

static void window_exiting(bool on)
{
	u64 proc = vmread(CPU_BASED_CONTROLS);

	proc = on ? proc | PROC_INTR_WINDOW : proc & ~(u64)PROC_INTR_WINDOW;
	vmwrite(CPU_BASED_CONTROLS, proc);
}

static void exit_failed_entry(struct vcpu *v, u32 reason)
{
	printk(XENLOG_ERR "d%u: VM entry failed, exit reason %u\n", v->domain->domain_id,
	       reason & 0xffff);
	hvm_crash(v, "VM entry failed (invalid guest state)");
}

static void handle_exit(struct vcpu *v)
{
	u32 reason = (u32)vmread(EXIT_REASON);

	if (reason & EXIT_FAILED_ENTRY)
		exit_failed_entry(v, reason);
	switch (reason & 0xffff) {
	case EXIT_EXT_INTR:
	case EXIT_INIT:
	case EXIT_SIPI:
		return; /* the host took its interrupt after the exit */
	case EXIT_EXCEPTION_NMI:
		exit_exception(v);
		return;
	case EXIT_INTR_WINDOW:
		window_exiting(false); /* the next entry injects */
		return;
	case EXIT_PREEMPT_TIMER:
		timer_kick_serve(); /* the soonest timer is due; the LAPIC stays armed */
		return;
	case EXIT_TRIPLE_FAULT:
		hvm_triple_fault(v);
	case EXIT_CPUID:
		hvm_handle_cpuid(v);
		advance(v, exit_len());
		return;
	case EXIT_VMCALL:
		if (hvm_handle_hypercall(v))
			advance(v, exit_len());
		return;
	case EXIT_HLT:
		advance(v, exit_len());
		hvm_handle_hlt(v);
		return;
	case EXIT_INVD:
	case EXIT_WBINVD:
		advance(v, exit_len());
		return;
	case EXIT_INVLPG:
		invvpid(INVVPID_ALL, 0); /* only when EPT leaves INVLPG exiting on */
		advance(v, exit_len());
		return;
	case EXIT_CR_ACCESS:
		exit_cr_access(v);
		return;
	case EXIT_RDMSR:
	case EXIT_WRMSR:
		exit_msr(v, (reason & 0xffff) == EXIT_WRMSR);
		return;
	case EXIT_IO:
		exit_io(v);
		return;
	case EXIT_EPT_VIOLATION:
		exit_ept_violation(v);
		return;
	case EXIT_VMCLEAR ... EXIT_VMXON:
	case EXIT_INVEPT:
	case EXIT_INVVPID:
	case EXIT_VMFUNC:
	case EXIT_GETSEC:
	case EXIT_MONITOR:
	case EXIT_MWAIT:
		vmx_inject(v, HVM_EXC_UD, -1); /* no nested virtualisation */
		return;
	case EXIT_XSETBV:
		vmx_inject(v, HVM_EXC_GP, 0);
		return;
	default:
		printk(XENLOG_ERR "d%u: unexpected VMX exit %u\n", v->domain->domain_id,
		       reason & 0xffff);
		hvm_crash(v, "unexpected exit");
	}
}

/*
 * A pending NMI goes in before any interrupt unless an event is queued, a
 * STI/MOV-SS shadow holds, or the guest is still in an NMI handler (the
 * CPU blocks NMIs from an injected one until the guest's IRET); else it
 * waits for a later entry.
 */
static void nmi_assist(struct vcpu *v)
{
	u64 block = vmread(GUEST_INTERRUPTIBILITY) &
		    (INTR_SHADOW_STI | INTR_SHADOW_MOV_SS | INTR_BLOCK_NMI);

	if (!__atomic_load_n(&v->arch.hvm.nmi_pending, __ATOMIC_RELAXED) || block ||
	    (vmread(ENTRY_INTR_INFO) & INTR_INFO_VALID) || !hvm_take_nmi(v))
		return;
	vmwrite(ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_NMI | HVM_EXC_NMI);
}

/*
 * Offer the next interrupt: inject it when the guest takes interrupts (IF
 * set, no STI/MOV-SS shadow, no other event queued), or else ask for an
 * interrupt-window exit. The callback vector stays pending until the guest
 * clears upcall_pending, so after an injection the window is asked for
 * whenever another interrupt is still pending.
 */
static void intr_assist(struct vcpu *v)
{
	bool from_lapic;
	int vec = hvm_next_interrupt(v, &from_lapic);
	u64 shadow = vmread(GUEST_INTERRUPTIBILITY) & (INTR_SHADOW_STI | INTR_SHADOW_MOV_SS);

	if (vec < 0)
		return;
	if (!(vmread(ENTRY_INTR_INFO) & INTR_INFO_VALID) &&
	    (v->arch.hvm.regs.rflags & X86_EFLAGS_IF) && !shadow) {
		vec = (int)hvm_intr_ack(v, (unsigned int)vec);
		vmwrite(ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_EXT | (unsigned int)vec);
		window_exiting(hvm_next_interrupt(v, &from_lapic) >= 0);
		return;
	}
	window_exiting(true);
}

/* An event cut short by the exit is delivered again on the next entry. */
static void requeue_event(void)
{
	u32 info = (u32)vmread(IDT_VECTORING_INFO), type = info & INTR_TYPE_MASK;

	if (!(info & INTR_INFO_VALID)) {
		vmwrite(ENTRY_INTR_INFO, 0);
		return;
	}
	if (info & INTR_INFO_ERROR_CODE)
		vmwrite(ENTRY_EXCEPTION_ERROR_CODE, vmread(IDT_VECTORING_ERROR_CODE));
	if (type == INTR_TYPE_SW_INT || type == INTR_TYPE_PRIV_SW_EXC || type == INTR_TYPE_SW_EXC)
		vmwrite(ENTRY_INSTRUCTION_LEN, vmread(EXIT_INSTRUCTION_LEN));
	vmwrite(ENTRY_INTR_INFO, info & (INTR_INFO_VALID | INTR_INFO_ERROR_CODE | 0x7ff));
}

/*
 * PAE paging outside long mode: with EPT, VM entry takes the four PDPTEs from
 * the VMCS, not from the table CR3 points to. The guest's own MOV to CR3
 * loads them and the exit saves them; after Petrel changed the paging state
 * (an emulated CR0/CR4 write, a new CPU state: stale_tlb) they are read from
 * guest memory before the entry, as the CPU's MOV to CR0 would. A CR3
 * outside RAM kills the domain.
 */
static void load_pdptes(struct vcpu *v)
{
	const struct hvm_vcpu *h = &v->arch.hvm;
	u64 cr3 = vmread(GUEST_CR3) & 0xffffffe0UL;
	mfn_t mfn;
	const u64 *pdpt;

	if (!(h->guest_cr0 & X86_CR0_PG) || !(h->guest_cr4 & X86_CR4_PAE) ||
	    (h->guest_efer & EFER_LMA))
		return;
	mfn = p2m_lookup(v->domain, cr3 >> PAGE_SHIFT);
	if (mfn == INVALID_MFN)
		hvm_crash(v, "PAE paging with CR3 outside RAM");
	pdpt = (const u64 *)((const u8 *)mfn_to_virt(mfn) + (cr3 & (PAGE_SIZE - 1)));
	for (unsigned int i = 0; i < 4; i++)
		vmwrite(GUEST_PDPTE0 + 2 * i, pdpt[i]);
}

/*
 * Guest TLB tags: a vCPU's VPID is flushed at its first launch (it may have
 * been someone else's) and after Petrel changed its paging state (an
 * emulated CR0/CR4 write, a new CPU state), and EPT translations whenever a
 * present p2m entry was replaced since the last entry. The guest's own MOV
 * to CR3 and INVLPG do not exit: the CPU flushes its VPID's entries itself.
 */
static void flush_tlbs(struct vcpu *v)
{
	struct hvm_vcpu *h = &v->arch.hvm;
	u64 changes = v->domain->arch.hvm.p2m_changes;
	bool single = caps.ept_vpid_cap & EPT_CAP_INVEPT_SINGLE;

	if ((!h->vmx.launched || h->vmx.stale_tlb) && (caps.proc2 & PROC2_VPID))
		invvpid((caps.ept_vpid_cap & VPID_CAP_INVVPID_SINGLE) ? INVVPID_SINGLE
								      : INVVPID_ALL,
			h->vmx.vpid);
	h->vmx.stale_tlb = false;
	if (!h->vmx.launched || h->vmx.p2m_seen != changes) {
		invept(single ? INVEPT_SINGLE : INVEPT_ALL, vmread(EPT_POINTER));
		h->vmx.p2m_seen = changes;
	}
}

/*
 * The VMX-preemption timer ends the guest's run at this CPU's soonest
 * timer (a slice's end, a vCPU's timer), at most a slice ahead, whether or
 * not the host's timer interrupt makes the guest exit: a CPU that takes no
 * external-interrupt exit while the guest's IF is clear (Bochs 2.7) would
 * otherwise never take back a vCPU spinning with interrupts off.
 */
static void arm_preempt_timer(void)
{
	u64 now = system_time(), end = timer_next_expiry();

	if (!(caps.pin & PIN_PREEMPT_TIMER))
		return;
	if (end > now + SCHED_SLICE_NS)
		end = now + SCHED_SLICE_NS;
	vmwrite(PREEMPT_TIMER_VALUE, end > now ? ns_to_tsc(end - now) >> caps.timer_rate : 0);
}

static void vmx_run(struct vcpu *v)
{
	struct cpu_regs *r = &v->arch.hvm.regs;
	int failed;

	vmcs_load(v);
	vmwrite(GUEST_RIP, r->rip);
	vmwrite(GUEST_RSP, r->rsp);
	vmwrite(GUEST_RFLAGS, r->rflags | X86_EFLAGS_MBS);
	nmi_assist(v);
	intr_assist(v);
	if (v->arch.hvm.vmx.stale_tlb)
		load_pdptes(v);
	flush_tlbs(v);
	arm_preempt_timer();
	/*
	 * VM entry and exit leave CR2 alone: the guest's goes in last and comes
	 * out first, before anything here (a PV guest's #PF, another guest) can
	 * write its own. Writing CR2 serialises, so only when it differs.
	 */
	if (read_cr2() != v->arch.hvm.vmx.cr2)
		write_cr2(v->arch.hvm.vmx.cr2);
	failed = vmx_enter(r, v->arch.hvm.vmx.launched);
	v->arch.hvm.vmx.cr2 = read_cr2();
	if (failed) {
		printk(XENLOG_ERR "d%u: VM%s failed, VM-instruction error %lu\n",
		       v->domain->domain_id, v->arch.hvm.vmx.launched ? "RESUME" : "LAUNCH",
		       vmread(VM_INSTRUCTION_ERROR));
		hvm_crash(v, "VM entry refused the VMCS");
	}
	v->arch.hvm.vmx.launched = true;
	/* No selector beyond the hypervisor's GDT may load (a PV vCPU may run next). */
	__asm__ volatile("lgdt %0" : : "m"(host_gdtr));
	/* A host interrupt that made the guest exit is taken here. */
	__asm__ volatile("sti; nop; cli" ::: "memory");
	r->rip = vmread(GUEST_RIP);
	r->rsp = vmread(GUEST_RSP);
	r->rflags = vmread(GUEST_RFLAGS);
	requeue_event();
	handle_exit(v);
}

/* ---- The whole register state, as the HVM context's CPU record carries it. */

/*
 * The record's segment attributes are the packed 12-bit form (descriptor
 * bits 40-47, then 52-55 in 11:8); VMX keeps the high nibble at 15:12 and
 * marks a segment that is not present unusable.
 */
static u32 ar_from_attr(u32 attr)
{
	u32 ar = (attr & 0xff) | ((attr & 0xf00) << 4);

	return (attr & 0x80) ? ar : ar | AR_UNUSABLE;
}

static u32 attr_from_ar(u32 ar)
{
	u32 attr = (ar & 0xff) | ((ar >> 4) & 0xf00);

	return (ar & AR_UNUSABLE) ? attr & ~0x80u : attr;
}

static void seg_from_record(unsigned int s, u32 sel, u32 limit, u64 base, u32 attr)
{
	vmwrite(GUEST_ES_SELECTOR + 2 * s, (u16)sel);
	vmwrite(GUEST_ES_LIMIT + 2 * s, limit);
	vmwrite(GUEST_ES_BASE + 2 * s, base);
	vmwrite(GUEST_ES_AR + 2 * s, ar_from_attr(attr));
}

static void segs_from_record(const struct petrel_hvm_hw_cpu *c)
{
	seg_from_record(VSEG_ES, c->es_sel, c->es_limit, c->es_base, c->es_arbytes);
	seg_from_record(VSEG_CS, c->cs_sel, c->cs_limit, c->cs_base, c->cs_arbytes);
	seg_from_record(VSEG_SS, c->ss_sel, c->ss_limit, c->ss_base, c->ss_arbytes);
	seg_from_record(VSEG_DS, c->ds_sel, c->ds_limit, c->ds_base, c->ds_arbytes);
	seg_from_record(VSEG_FS, c->fs_sel, c->fs_limit, c->fs_base, c->fs_arbytes);
	seg_from_record(VSEG_GS, c->gs_sel, c->gs_limit, c->gs_base, c->gs_arbytes);
	seg_from_record(VSEG_TR, c->tr_sel, c->tr_limit, c->tr_base, c->tr_arbytes);
	seg_from_record(VSEG_LDTR, c->ldtr_sel, c->ldtr_limit, c->ldtr_base, c->ldtr_arbytes);
	vmwrite(GUEST_ES_LIMIT + 2 * VSEG_GDTR, c->gdtr_limit);
	vmwrite(GUEST_ES_BASE + 2 * VSEG_GDTR, c->gdtr_base);
	vmwrite(GUEST_ES_LIMIT + 2 * VSEG_IDTR, c->idtr_limit);
	vmwrite(GUEST_ES_BASE + 2 * VSEG_IDTR, c->idtr_base);
}

/* The syscall MSRs live in the vCPU's MSR area, in swapped_msrs' order. */
static u64 *msr_slot(const struct vcpu *v, u32 msr)
{
	struct msr_entry *e = v->arch.hvm.vmx.msr_area;

	for (unsigned int i = 0; i < NR_SWAPPED; i++)
		if (e[i].index == msr)
			return &e[i].value;
	return NULL;
}

/*
 * Load a CPU record the neutral layer checked (hvm/context.c). CR2 has no
 * VMCS field: it is kept with the vCPU (vmx_run switches it). DR6 has none
 * either and Petrel does not switch it for VMX guests yet: it is not taken
 * from the record.
 */
static void vmx_set_cpu_state(struct vcpu *v, const struct petrel_hvm_hw_cpu *c)
{
	struct hvm_vcpu *h = &v->arch.hvm;

	vmcs_load(v);
	segs_from_record(c);
	h->guest_cr0 = c->cr0;
	h->guest_cr4 = c->cr4;
	h->guest_efer = c->msr_efer;
	h->vmx.cr2 = c->cr2;
	vmx_set_cr(v, 0, c->cr0);
	vmx_set_cr(v, 4, c->cr4);
	vmwrite(GUEST_CR3, c->cr3);
	h->vmx.stale_tlb = true;
	vmx_set_efer(v, c->msr_efer);
	vmwrite(GUEST_DR7, c->dr7);
	vmwrite(GUEST_SYSENTER_CS, c->sysenter_cs);
	vmwrite(GUEST_SYSENTER_ESP, c->sysenter_esp);
	vmwrite(GUEST_SYSENTER_EIP, c->sysenter_eip);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(GUEST_ACTIVITY, 0);
	vmwrite(ENTRY_INTR_INFO, 0);
	*msr_slot(v, MSR_STAR) = c->msr_star;
	*msr_slot(v, MSR_LSTAR) = c->msr_lstar;
	*msr_slot(v, MSR_CSTAR) = c->msr_cstar;
	*msr_slot(v, MSR_FMASK) = c->msr_syscall_mask;
	*msr_slot(v, MSR_SHADOW_GS_BASE) = c->shadow_gs;
	hvm_regs_from_record(&h->regs, c);
	h->regs.rflags |= X86_EFLAGS_MBS;
}

static void seg_to_record(unsigned int s, u32 *sel, u32 *limit, u64 *base, u32 *attr)
{
	*sel = (u32)vmread(GUEST_ES_SELECTOR + 2 * s);
	*limit = (u32)vmread(GUEST_ES_LIMIT + 2 * s);
	*base = vmread(GUEST_ES_BASE + 2 * s);
	*attr = attr_from_ar((u32)vmread(GUEST_ES_AR + 2 * s));
}

static void segs_to_record(struct petrel_hvm_hw_cpu *c)
{
	seg_to_record(VSEG_ES, &c->es_sel, &c->es_limit, &c->es_base, &c->es_arbytes);
	seg_to_record(VSEG_CS, &c->cs_sel, &c->cs_limit, &c->cs_base, &c->cs_arbytes);
	seg_to_record(VSEG_SS, &c->ss_sel, &c->ss_limit, &c->ss_base, &c->ss_arbytes);
	seg_to_record(VSEG_DS, &c->ds_sel, &c->ds_limit, &c->ds_base, &c->ds_arbytes);
	seg_to_record(VSEG_FS, &c->fs_sel, &c->fs_limit, &c->fs_base, &c->fs_arbytes);
	seg_to_record(VSEG_GS, &c->gs_sel, &c->gs_limit, &c->gs_base, &c->gs_arbytes);
	seg_to_record(VSEG_TR, &c->tr_sel, &c->tr_limit, &c->tr_base, &c->tr_arbytes);
	seg_to_record(VSEG_LDTR, &c->ldtr_sel, &c->ldtr_limit, &c->ldtr_base, &c->ldtr_arbytes);
	c->gdtr_limit = (u32)vmread(GUEST_ES_LIMIT + 2 * VSEG_GDTR);
	c->gdtr_base = vmread(GUEST_ES_BASE + 2 * VSEG_GDTR);
	c->idtr_limit = (u32)vmread(GUEST_ES_LIMIT + 2 * VSEG_IDTR);
	c->idtr_base = vmread(GUEST_ES_BASE + 2 * VSEG_IDTR);
}

/* DR6 reads as its reset value (see vmx_set_cpu_state). */
static void vmx_get_cpu_state(const struct vcpu *v, struct petrel_hvm_hw_cpu *c)
{
	vmcs_load(v);
	segs_to_record(c);
	c->cr0 = v->arch.hvm.guest_cr0;
	c->cr2 = v->arch.hvm.vmx.cr2;
	c->cr3 = vmread(GUEST_CR3);
	c->cr4 = v->arch.hvm.guest_cr4;
	c->msr_efer = v->arch.hvm.guest_efer;
	c->dr6 = 0xffff0ff0;
	c->dr7 = vmread(GUEST_DR7);
	c->sysenter_cs = vmread(GUEST_SYSENTER_CS);
	c->sysenter_esp = vmread(GUEST_SYSENTER_ESP);
	c->sysenter_eip = vmread(GUEST_SYSENTER_EIP);
	c->msr_star = *msr_slot(v, MSR_STAR);
	c->msr_lstar = *msr_slot(v, MSR_LSTAR);
	c->msr_cstar = *msr_slot(v, MSR_CSTAR);
	c->msr_syscall_mask = *msr_slot(v, MSR_FMASK);
	c->shadow_gs = *msr_slot(v, MSR_SHADOW_GS_BASE);
	hvm_record_from_regs(c, &v->arch.hvm.regs);
}

static const struct hvm_backend vmx_backend = {
	.name = "Intel VMX with EPT",
	.vcpu_init = vmx_vcpu_init,
	.vcpu_destroy = vmx_vcpu_destroy,
	.set_cpu_state = vmx_set_cpu_state,
	.get_cpu_state = vmx_get_cpu_state,
	.vcpu_set_pvh_state = vmx_set_pvh_state,
	.guest_mode = vmx_guest_mode,
	.cpl = vmx_cpl,
	.cr3 = vmx_cr3,
	.cs_base = vmx_cs_base,
	.seg_base = vmx_seg_base,
	.seg_limits = vmx_seg_limits,
	.set_cr = vmx_set_cr,
	.set_efer = vmx_set_efer,
	.get_pat = vmx_get_pat,
	.set_pat = vmx_set_pat,
	.inject = vmx_inject,
	.set_cr2 = vmx_set_cr2,
	.fill_hypercall_page = vmx_fill_hypercall_page,
	.run = vmx_run,
	.dump = vmx_dump,
	.context_load = vmx_context_load,
};

/* What the CPU has to have; false with the reason printed. */
static bool vmx_capable(void)
{
	u32 a, b, c, d;

	cpuid_count(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 5)))
		return false;
	if (!feature_control_ok()) {
		printk(XENLOG_INFO "VMX: disabled by the firmware (IA32_FEATURE_CONTROL)\n");
		return false;
	}
	if (!read_controls()) {
		printk(XENLOG_INFO "VMX: lacks controls Petrel needs (EPT, unrestricted guest, "
				   "secondary controls, PAT/EFER switching)\n");
		return false;
	}
	caps.ept_vpid_cap = rdmsr(MSR_VMX_EPT_VPID_CAP);
	if (!ept_usable()) {
		printk(XENLOG_INFO "VMX: EPT without 4-level write-back tables or INVEPT\n");
		return false;
	}
	if (!vpid_usable())
		caps.proc2 &= ~PROC2_VPID;
	if (caps.pin & PIN_PREEMPT_TIMER)
		caps.timer_rate = (unsigned int)(rdmsr(MSR_VMX_MISC) & VMX_MISC_TIMER_RATE);
	return true;
}

/* Detect VMX with EPT and unrestricted guests and turn it on for this CPU. */
const struct hvm_backend *vmx_probe(void)
{
	if (!vmx_capable())
		return NULL;
	caps.revision = (u32)rdmsr(MSR_VMX_BASIC) & 0x7fffffff;
	caps.cr0_fixed0 = rdmsr(MSR_VMX_CR0_FIXED0);
	caps.cr0_fixed1 = rdmsr(MSR_VMX_CR0_FIXED1);
	caps.cr4_fixed0 = rdmsr(MSR_VMX_CR4_FIXED0);
	caps.cr4_fixed1 = rdmsr(MSR_VMX_CR4_FIXED1);
	if (maps_init() || !vmx_on())
		return NULL;
	p2m_use_ept();
	printk(XENLOG_INFO "VMX: revision %#x, pin %#x cpu %#x secondary %#x exit %#x entry %#x, "
			   "EPT/VPID %#lx%s, preemption timer %s (TSC >> %u)\n",
	       caps.revision, caps.pin, caps.proc, caps.proc2, caps.exit, caps.entry,
	       caps.ept_vpid_cap, (caps.proc2 & PROC2_VPID) ? " VPID" : "",
	       (caps.pin & PIN_PREEMPT_TIMER) ? "on" : "off", caps.timer_rate);
	return &vmx_backend;
}
