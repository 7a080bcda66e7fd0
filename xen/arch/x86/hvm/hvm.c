/*
 * The vendor-neutral HVM layer: picking the backend, HVM domain setup, the
 * guest page walker for hypercall buffers and instruction fetches, and the
 * handlers of the exits a backend reports (CPUID, MSRs, control registers,
 * port I/O, HLT, hypercalls, triple fault), and the run loop.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "asm.h"
#include "console.h"
#include "page.h"
#include "mm.h"
#include "sched.h"
#include "hypercall.h"
#include "hcstats.h"
#include "x86_decode.h"
#include "ioreq_rules.h"
#include "hvm.h"
#include "hvm_params.h"
#include "hvm_records.h"
#include "ipi.h"
#include "uaccess.h"
#include "timer.h"
#include "public/xen.h"
#include "public/sched.h"
#include "public/version.h"
#include "public/features.h"
#include "public/memory.h"
#include "public/event_channel.h"
#include "public/hvm/hvm_op.h"
#include "public/vcpu.h"
#include "public/grant_table.h"

__hvm_data const struct hvm_backend *hvm_backend;
extern pte_t idle_l4[];

#define X86_CR0_PE (1UL << 0)
#define X86_CR0_WP (1UL << 16)
#define X86_CR0_PG (1UL << 31)
#define X86_CR4_PSE (1UL << 4)
#define EFER_LMA (1UL << 10)
#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)
#define MSR_TSC 0x10
#define MXCSR_DEFAULT 0x1f80
/* #PF error code bits. */
#define PFEC_PRESENT 0x1L
#define PFEC_WRITE 0x2L
#define PFEC_USER 0x4L

void hvm_init(void)
{
	hvm_backend = cpu_vendor() == X86_VENDOR_INTEL ? vmx_probe() : svm_probe();
	if (hvm_backend)
		printk(XENLOG_INFO "HVM: %s backend enabled\n", hvm_backend->name);
	else
		printk(XENLOG_INFO "HVM: no hardware support (AMD SVM with nested paging or "
				   "Intel VMX with EPT); HVM domains cannot be created\n");
}

/* A vCPU's HVM state: the backend's control block, the vLAPIC, Xen's vMCE MSRs. */
int hvm_vcpu_initialise(struct vcpu *v)
{
	int rc;

	memset(&v->arch.hvm, 0, sizeof(v->arch.hvm));
	vmce_init(&v->arch.vmce);
	rc = hvm_backend->vcpu_init(v);
	if (!rc)
		rc = vlapic_init(v);
	if (!rc)
		rc = ioreq_vcpu_init(v);
	return rc;
}

/* Free what hvm_vcpu_initialise made (a partial state too). */
void hvm_vcpu_destroy(struct vcpu *v)
{
	vlapic_free(v);
	if (hvm_backend->vcpu_destroy)
		hvm_backend->vcpu_destroy(v);
}

int hvm_domain_init(struct domain *d)
{
	int rc;

	if (!hvm_backend) {
		printk(XENLOG_ERR "d%u: cannot create an HVM domain: this CPU has no "
				  "SVM with nested paging or VMX with EPT\n",
		       d->domain_id);
		return -EOPNOTSUPP;
	}
	d->arch.is_hvm = true;
	memset(&d->arch.hvm, 0, sizeof(d->arch.hvm));
	d->arch.hvm.params[HVM_PARAM_TRIPLE_FAULT_REASON] = SHUTDOWN_reboot; /* Xen's default */
	d->arch.hvm.callback_vector = -1;
	d->arch.hvm.shared_info_gfn = ~0ULL;
	d->arch.incarnation = 1; /* as any domain's but PV dom0's (arch_domain_create) */
	rc = p2m_init(d);
	/* vCPUs made before the domain became HVM; later ones come through arch_vcpu_create. */
	for (unsigned int i = 0; !rc && i < MAX_VIRT_CPUS; i++)
		if (d->vcpu[i])
			rc = hvm_vcpu_initialise(d->vcpu[i]);
	return rc;
}

void hvm_domain_destroy(struct domain *d)
{
	hvm_platform_destroy(d);
	ioreq_domain_destroy(d);
	p2m_destroy(d);
}

/*
 * A vCPU in guest mode keeps the translations it cached until it leaves
 * it; every later entry flushes what a p2m change made stale (SVM flushes
 * its ASID at the next VMRUN, VMX runs INVEPT, when p2m_changes moved). So
 * the CPUs where @d's vCPUs are get an IPI, which makes a vCPU running there
 * exit, and this returns once each has taken it.
 */
void hvm_p2m_sync_cpus(const struct domain *d)
{
	u64 mask = 0;

	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
		if (d->vcpu[i])
			mask |= 1UL << __atomic_load_n(&d->vcpu[i]->processor, __ATOMIC_ACQUIRE);
	flush_tlb_mask(mask);
}

/* ---- Guest memory. */

static void *gfn_to_virt(const struct domain *d, u64 gfn)
{
	mfn_t mfn = p2m_lookup(d, gfn);

	return mfn == INVALID_MFN ? NULL : mfn_to_virt(mfn);
}

/* Read a guest page-table entry of @size bytes at guest-physical @gpa. */
static int read_gpte(const struct domain *d, u64 gpa, unsigned int size, u64 *e)
{
	const u8 *p = gfn_to_virt(d, gpa >> PAGE_SHIFT);

	if (!p)
		return -EFAULT;
	p += gpa & (PAGE_SIZE - 1);
	*e = size == 8 ? *(const u64 *)p : *(const u32 *)p;
	return 0;
}

/*
 * Linear -> guest-physical through the guest's tables in its current mode:
 * none, 2-level (with PSE), 3-level PAE, 4-level. -EFAULT when an entry on
 * the way is not present (or not readable guest RAM); *perm gets the
 * _PAGE_RW and _PAGE_USER bits that every level of the walk grants.
 */
__hvm_hot static int guest_walk_perm(struct vcpu *v, u64 va, u64 *gpa, u64 *perm)
{
	const struct domain *d = v->domain;
	struct hvm_vcpu *h = &v->arch.hvm;
	u64 cr3 = hvm_backend->cr3(v), e, table;
	int levels, shift;

	*perm = _PAGE_RW | _PAGE_USER;
	if (!(h->guest_cr0 & X86_CR0_PG)) {
		*gpa = (u32)va;
		return 0;
	}
	if (h->guest_efer & EFER_LMA) {
		levels = 4;
		table = cr3 & PTE_ADDR_MASK;
	} else if (h->guest_cr4 & X86_CR4_PAE) {
		/* PDPTEs have no RW or U/S bit. */
		va = (u32)va;
		if (read_gpte(d, (cr3 & 0xffffffe0UL) + 8 * (va >> 30), 8, &e) || !(e & 1))
			return -EFAULT;
		levels = 2;
		table = e & PTE_ADDR_MASK;
	} else {
		va = (u32)va;
		if (read_gpte(d, (cr3 & 0xfffff000UL) + 4 * (va >> 22), 4, &e) || !(e & 1))
			return -EFAULT;
		*perm &= e;
		if ((e & _PAGE_PSE) && (h->guest_cr4 & X86_CR4_PSE)) {
			*gpa = (e & 0xffc00000UL) | ((e & 0x1fe000UL) << 19) | (va & 0x3fffff);
			return 0;
		}
		*gpa = (((e & 0xfffff000UL) + 4 * ((va >> 12) & 1023)));
		if (read_gpte(d, *gpa, 4, &e) || !(e & 1))
			return -EFAULT;
		*perm &= e;
		*gpa = (e & 0xfffff000UL) | (va & 0xfff);
		return 0;
	}
	for (shift = 12 + 9 * (levels - 1); shift >= 12; shift -= 9) {
		if (read_gpte(d, table + 8 * ((va >> shift) & 511), 8, &e) || !(e & 1))
			return -EFAULT;
		*perm &= e;
		if (shift == 12 || ((e & _PAGE_PSE) && shift <= 30)) {
			u64 mask = (1UL << shift) - 1;

			*gpa = (e & PTE_ADDR_MASK & ~mask) | (va & mask);
			return 0;
		}
		table = e & PTE_ADDR_MASK;
	}
	return -EFAULT;
}

/* The same, presence only: for callers acting for ring-0 code. */
static int guest_walk(struct vcpu *v, u64 va, u64 *gpa)
{
	u64 perm;

	return guest_walk_perm(v, va, gpa, &perm);
}

/*
 * A data access the CPU would make at @va: true with its guest-physical
 * address, else false with the #PF error code it would raise (present,
 * write and user bits; the walk checks no reserved bits, no SMAP and no
 * protection keys).
 */
static bool linear_to_gpa(struct vcpu *v, u64 va, bool write, u64 *gpa, long *ec)
{
	bool user = hvm_backend->cpl(v) == 3;
	u64 perm;

	*ec = (write ? PFEC_WRITE : 0) | (user ? PFEC_USER : 0);
	if (guest_walk_perm(v, va, gpa, &perm))
		return false;
	if ((user && !(perm & _PAGE_USER)) ||
	    (write && !(perm & _PAGE_RW) && (user || (v->arch.hvm.guest_cr0 & X86_CR0_WP)))) {
		*ec |= PFEC_PRESENT;
		return false;
	}
	return true;
}

/* #PF at linear @va with error code @ec: CR2 first, then the event. */
static void inject_pf(struct vcpu *v, u64 va, long ec)
{
	hvm_backend->set_cr2(v, va);
	hvm_backend->inject(v, HVM_EXC_PF, ec);
}

/* Copy @len bytes between hypervisor memory and guest linear @va. */
__hvm_hot static int copy_linear(u64 va, void *buf, size_t len, bool to_guest)
{
	struct vcpu *v = current;
	u8 *b = buf;

	while (len) {
		size_t n = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		u64 gpa;
		u8 *p;

		if (guest_walk(v, va, &gpa))
			return -EFAULT;
		p = gfn_to_virt(v->domain, gpa >> PAGE_SHIFT);
		if (!p)
			return -EFAULT;
		p += gpa & (PAGE_SIZE - 1);
		if (to_guest) {
			memcpy(p, b, n);
			logdirty_mark(&v->domain->logdirty, gpa >> PAGE_SHIFT, false);
		} else
			memcpy(b, p, n);
		va += n;
		b += n;
		len -= n;
	}
	return 0;
}

int hvm_copy_from_guest_linear(void *dst, u64 va, size_t len)
{
	return copy_linear(va, dst, len, false);
}

int hvm_copy_to_guest_linear(u64 va, const void *src, size_t len)
{
	return copy_linear(va, (void *)src, len, true);
}

__hvm_hot unsigned int hvm_fetch(struct vcpu *v, u64 va, u8 *buf, unsigned int len)
{
	unsigned int done = 0;

	/* Page by page, so a fetch stops where the mapping ends. */
	while (done < len) {
		unsigned int n = MIN(len - done, PAGE_SIZE - ((va + done) & (PAGE_SIZE - 1)));

		if (copy_linear(va + done, buf + done, n, false))
			break;
		done += n;
	}
	return done;
}

__hvm_hot u64 *hvm_gpr(struct vcpu *v, unsigned int n)
{
	struct cpu_regs *r = &v->arch.hvm.regs;
	u64 *const map[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
			       &r->rsi, &r->rdi, &r->r8,  &r->r9,  &r->r10, &r->r11,
			       &r->r12, &r->r13, &r->r14, &r->r15 };

	return map[n & 15];
}

/* The bytes at the vCPU's CS:IP (@bytes: its code size, 2, 4 or 8); how many were read. */
__hvm_hot static unsigned int fetch_current(struct vcpu *v, u8 *buf, unsigned int *bytes)
{
	unsigned int mode = hvm_backend->guest_mode(v);
	u64 rip = v->arch.hvm.regs.rip;

	/* Real mode, vm86 and 16-bit protected mode: a 16-bit IP in CS. */
	*bytes = 2;
	if (mode == HVM_MODE_64) {
		*bytes = 8;
	} else if (mode == HVM_MODE_32) {
		*bytes = 4;
		rip = (u32)(rip + hvm_backend->cs_base(v));
	} else {
		rip = (u32)((u16)rip + hvm_backend->cs_base(v));
	}
	return hvm_fetch(v, rip, buf, X86_INSN_MAX);
}

__hvm_hot unsigned int hvm_decode_current(struct vcpu *v, struct x86_insn *in)
{
	u8 buf[X86_INSN_MAX];
	unsigned int bytes, n = fetch_current(v, buf, &bytes);

	if (!n || x86_decode_mode(buf, n, bytes, in))
		return 0;
	return in->len;
}

void hvm_print_current_insn(struct vcpu *v)
{
	u8 buf[X86_INSN_MAX];
	unsigned int bytes, n = fetch_current(v, buf, &bytes);
	char hex[3 * X86_INSN_MAX + 1];

	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 3 * i, 4, " %02x", buf[i]);
	hex[3 * n] = 0;
	printk(XENLOG_G_GUEST XENLOG_ERR "d%uv%u: %u-bit code at %#lx:%s\n", v->domain->domain_id,
	       v->vcpu_id, bytes * 8, v->arch.hvm.regs.rip, n ? hex : " (not readable)");
}

/* ---- CPUID. */

#define XEN_CPUID_BASE 0x40000000u

static void xen_leaves(struct vcpu *v, u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	*a = *b = *c = *d = 0;
	switch (leaf - XEN_CPUID_BASE) {
	case 0:
		*a = XEN_CPUID_BASE + 5;
		*b = 0x566e6558; /* "XenVMMXenVMM" */
		*c = 0x65584d4d;
		*d = 0x4d4d566e;
		break;
	case 1:
		*a = (4 << 16) | 17; /* the Xen version Petrel speaks */
		break;
	case 2:
		*a = 1; /* one hypercall page */
		*b = HVM_HYPERCALL_MSR;
		break;
	case 3:
		cpuid_time_leaf(v->domain, (u32)v->arch.hvm.regs.rcx, a, b, c, d);
		break;
	case 4:
		*a = (1u << 3) | (1u << 4) | (1u << 6); /* vcpu id, domid, upcall vector */
		*b = v->vcpu_id;
		*c = v->domain->domain_id;
		break;
	}
}

/* CPUID leaf 7 subleaf 0 features that come with a CR4 bit Petrel refuses */
#define F7_ECX_CET_SS (1u << 7)
#define F7_ECX_LA57 (1u << 16)
#define F7_ECX_PKS (1u << 31)
#define F7_EDX_CET_IBT (1u << 20)

/*
 * Features whose instructions need XSAVE-managed state (AVX's YMM registers
 * and what builds on it: VEX- and EVEX-encoded vector instructions #UD
 * without CR4.OSXSAVE; MPX's bound registers, PKU's PKRU), hidden with XSAVE
 * as Xen's feature dependencies do: leaf 1 ECX XSAVE, OSXSAVE, AVX, FMA,
 * F16C; leaf 7.0 EBX AVX2, MPX and AVX-512 F/DQ/IFMA/PF/ER/CD/BW/VL, ECX
 * PKU, OSPKE, AVX512_VBMI/VBMI2, VAES, VPCLMULQDQ,
 * AVX512_VNNI/BITALG/VPOPCNTDQ, EDX AVX512_4VNNIW/4FMAPS/VP2INTERSECT/FP16
 * and AMX; leaf 7.1 EAX AVX_VNNI, AVX512_BF16, AVX_IFMA, EDX AVX_VNNI_INT8,
 * AVX_NE_CONVERT; leaf 0x80000001 ECX XOP, LWP, FMA4.
 */
#define F1_ECX_XSAVE_DEPS ((1u << 12) | (1u << 26) | (1u << 27) | (1u << 28) | (1u << 29))
#define F7_EBX_XSAVE_DEPS 0xdc234020u
#define F7_ECX_XSAVE_DEPS 0x00005e5au
#define F7_EDX_XSAVE_DEPS 0x03c0010cu
#define F71_EAX_XSAVE_DEPS ((1u << 4) | (1u << 5) | (1u << 23))
#define F71_EDX_XSAVE_DEPS ((1u << 4) | (1u << 5))
#define FX1_ECX_XSAVE_DEPS ((1u << 11) | (1u << 15) | (1u << 16))

/* Leaf 7 as offered: no XSAVE-dependent features, no refused CR4 bits. */
static void leaf7_mask(u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	if (sub == 0) {
		*b &= ~F7_EBX_XSAVE_DEPS;
		*c &= ~(F7_ECX_XSAVE_DEPS | F7_ECX_CET_SS | F7_ECX_LA57 | F7_ECX_PKS);
		*d &= ~(F7_EDX_XSAVE_DEPS | F7_EDX_CET_IBT);
	} else if (sub == 1) {
		*a &= ~F71_EAX_XSAVE_DEPS;
		*d &= ~F71_EDX_XSAVE_DEPS;
	}
}

/*
 * An HVM vCPU's CPUID leaf outside Xen's range: the host's with what
 * Petrel does not offer hidden; @vcpu_id makes leaf 1's APIC id. The
 * domain's CPU policy (domctl get_cpu_policy) is this view too.
 */
void hvm_cpuid_leaf(unsigned int vcpu_id, u32 leaf, u32 sub, u32 *pa, u32 *pb, u32 *pc, u32 *pd)
{
	u32 a, b, c, d;

	cpuid_count(leaf, sub, &a, &b, &c, &d);
	if (leaf == 1) {
		c |= 1u << 31;		       /* hypervisor present */
		c &= ~((1u << 5) | (1u << 3)); /* no VMX, no MONITOR */
		/* No XSAVE (XSETBV #GPs: only the FXSAVE image is switched), so no AVX */
		c &= ~F1_ECX_XSAVE_DEPS;
		c |= 1u << 21;	  /* x2APIC: always emulated, as on Xen */
		c &= ~(1u << 24); /* no TSC-deadline timer mode */
		d |= 1u << 9;	  /* the (virtual) local APIC */
		d &= ~(1u << 12); /* no MTRRs: their MSRs #GP */
		/* MCE and MCA as the CPU has them: arch/x86/vmce.c answers */
		b = (b & 0x00ffffff) | ((vcpu_id * 2) << 24);
	} else if (leaf == 7) {
		leaf7_mask(sub, &a, &b, &c, &d);
	} else if (leaf == 0xd) {
		a = b = c = d = 0; /* no XSAVE state components (see leaf 1) */
	} else if (leaf == 0x80000001) {
		/* No nested SVM, no XOP, LWP or FMA4 (see leaf 1) */
		c &= ~((1u << 2) | FX1_ECX_XSAVE_DEPS);
	} else if (leaf == 0x8000000a) {
		a = b = c = d = 0;
	}
	*pa = a;
	*pb = b;
	*pc = c;
	*pd = d;
}

__hvm_hot void hvm_handle_cpuid(struct vcpu *v)
{
	struct cpu_regs *r = &v->arch.hvm.regs;
	u32 leaf = (u32)r->rax, a, b, c, d;

	if (leaf >= XEN_CPUID_BASE && leaf < XEN_CPUID_BASE + 0x10000) {
		if (leaf <= XEN_CPUID_BASE + 5)
			xen_leaves(v, leaf, &a, &b, &c, &d);
		else
			a = b = c = d = 0;
	} else {
		hvm_cpuid_leaf(v->vcpu_id, leaf, (u32)r->rcx, &a, &b, &c, &d);
	}
	r->rax = a;
	r->rbx = b;
	r->rcx = c;
	r->rdx = d;
}

/* ---- Control registers and MSRs. */

/*
 * The CR4 bits a guest may set: those of every x86-64 CPU, and the later
 * ones where CPUID (which the guest sees through) offers their feature (not
 * PKE: PKU is hidden with XSAVE).
 * Never VMXE (no nested virtualisation) or LA57 (the guest walker has four
 * levels); reserved bits #GP as on hardware rather than reaching VM entry.
 */
static u64 cr4_valid_bits(void)
{
	u32 a, b, c, d, b7 = 0, c7 = 0;
	u64 valid = 0x7ff; /* VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT */

	cpuid_count(0, 0, &a, &b, &c, &d);
	if (a >= 7)
		cpuid_count(7, 0, &a, &b7, &c7, &d);
	cpuid_count(1, 0, &a, &b, &c, &d);
	valid |= (c7 & (1u << 2)) ? 1UL << 11 : 0;  /* UMIP */
	valid |= (b7 & (1u << 0)) ? 1UL << 16 : 0;  /* FSGSBASE */
	valid |= (c & (1u << 17)) ? 1UL << 17 : 0;  /* PCIDE */
	valid |= (b7 & (1u << 7)) ? 1UL << 20 : 0;  /* SMEP */
	valid |= (b7 & (1u << 20)) ? 1UL << 21 : 0; /* SMAP */
	return valid;
}

static int inject_gp(struct vcpu *v)
{
	hvm_backend->inject(v, HVM_EXC_GP, 0);
	return -1;
}

int hvm_set_cr(struct vcpu *v, unsigned int cr, u64 val)
{
	struct hvm_vcpu *h = &v->arch.hvm;

	if (cr == 0) {
		if ((val >> 32) || ((val & X86_CR0_PG) && !(val & X86_CR0_PE)))
			return inject_gp(v);
		if ((val & X86_CR0_PG) && !(h->guest_cr0 & X86_CR0_PG) &&
		    (h->guest_efer & EFER_LME)) {
			if (!(h->guest_cr4 & X86_CR4_PAE))
				return inject_gp(v);
			h->guest_efer |= EFER_LMA;
		} else if (!(val & X86_CR0_PG) && (h->guest_efer & EFER_LMA)) {
			if (hvm_backend->guest_mode(v) == HVM_MODE_64)
				return inject_gp(v);
			h->guest_efer &= ~EFER_LMA;
		}
		h->guest_cr0 = val;
		hvm_backend->set_cr(v, 0, val);
		hvm_backend->set_efer(v, h->guest_efer);
		return 0;
	}
	if (cr == 4) {
		if ((val & ~cr4_valid_bits()) ||
		    (!(val & X86_CR4_PAE) && (h->guest_efer & EFER_LMA)))
			return inject_gp(v);
		h->guest_cr4 = val;
		hvm_backend->set_cr(v, 4, val);
		return 0;
	}
	return inject_gp(v);
}

static void fill_hypercall_page(void *page)
{
	memset(page, 0xcc, PAGE_SIZE); /* int3 wherever no stub is */
	hvm_backend->fill_hypercall_page(page);
}

int hvm_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_EFER:
		*val = v->arch.hvm.guest_efer;
		return 0;
	case MSR_PAT:
		*val = hvm_backend->get_pat(v);
		return 0;
	case MSR_APIC_BASE:
		*val = vlapic_base(v);
		return 0;
	case 0x800 ... 0x8ff:
		return vlapic_msr_read(v, msr, val) ? inject_gp(v) : 0;
	case MSR_TSC:
		*val = rdtsc();
		return 0;
	case MSR_TSC_AUX: /* the guest's value is in the CPU while it runs */
		if (!cpu_has_tsc_aux())
			return inject_gp(v);
		*val = (u32)rdmsr(MSR_TSC_AUX);
		return 0;
	case HVM_HYPERCALL_MSR:
		*val = 0;
		return 0;
	}
	if (vmce_msr(msr))
		return vmce_rdmsr(&v->arch.vmce, msr, val) ? 0 : inject_gp(v);
	return inject_gp(v);
}

int hvm_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	struct hvm_vcpu *h = &v->arch.hvm;

	switch (msr) {
	case MSR_EFER:
		if ((val & ~EFER_GUEST_BITS) ||
		    ((val ^ h->guest_efer) & EFER_LME && (h->guest_cr0 & X86_CR0_PG)))
			return inject_gp(v);
		h->guest_efer = (val & ~EFER_LMA) | (h->guest_efer & EFER_LMA);
		hvm_backend->set_efer(v, h->guest_efer);
		return 0;
	case MSR_PAT:
		hvm_backend->set_pat(v, val);
		return 0;
	case MSR_APIC_BASE:
		return vlapic_set_base(v, val) ? inject_gp(v) : 0;
	case 0x800 ... 0x8ff:
		return vlapic_msr_write(v, msr, val) ? inject_gp(v) : 0;
	case MSR_TSC_AUX:
		if (!cpu_has_tsc_aux() || (val >> 32))
			return inject_gp(v);
		wrmsr(MSR_TSC_AUX, val);
		return 0;
	case HVM_HYPERCALL_MSR: {
		void *page = gfn_to_virt(v->domain, val >> PAGE_SHIFT);

		if ((val & (PAGE_SIZE - 1)) || !page)
			return inject_gp(v);
		fill_hypercall_page(page);
		logdirty_mark(&v->domain->logdirty, val >> PAGE_SHIFT, false);
		return 0;
	}
	}
	if (vmce_msr(msr))
		return vmce_wrmsr(&v->arch.vmce, msr, val) ? 0 : inject_gp(v);
	return inject_gp(v);
}

/*
 * ---- Port I/O: the debug console on 0xE9 (byte writes), then the ioreq servers; a port
 * nobody serves reads all-ones and drops writes.
 */

#define DEBUG_CONSOLE_PORT 0xe9

static void debug_console_putc(struct domain *d, char c)
{
	struct hvm_domain *h = &d->arch.hvm;
	bool printable = (c >= 0x20 && c < 0x7f) || c == '\t';

	if (printable && h->dbg_len < sizeof(h->dbg_buf) - 1)
		h->dbg_buf[h->dbg_len++] = c;
	if (c == '\n' || h->dbg_len == sizeof(h->dbg_buf) - 1) {
		h->dbg_buf[h->dbg_len] = 0;
		printk(XENLOG_G_GUEST XENLOG_INFO "(d%u) %s\n", d->domain_id, h->dbg_buf);
		h->dbg_len = 0;
	}
}

__hvm_warm void hvm_handle_pio(struct vcpu *v, bool in, u16 port, unsigned int size)
{
	struct cpu_regs *r = &v->arch.hvm.regs;

	/* Xen's debug port is one byte wide: a wider access is not its. */
	if (port == DEBUG_CONSOLE_PORT && !in && size == 1) {
		debug_console_putc(v->domain, (char)r->rax);
		return;
	}
	if (hvm_platform_pio(v, in, port, size))
		return;
	if (hvm_ioreq_pio(v, in, port, size))
		return;
	if (in) {
		u64 mask = size == 4 ? 0xffffffffUL : (1UL << (8 * size)) - 1;

		r->rax = size == 4 ? mask : (r->rax & ~mask) | mask;
	}
}

/*
 * ---- String port I/O (INS/OUTS), sent as Xen's emulator sends it: one
 * element (no REP, or one left) as a plain access with its value; more
 * through the port's server in one request per page of the buffer, with
 * data_is_ptr and the buffer's guest-physical address. An element the
 * guest's page tables do not let the CPU reach raises #PF in the guest
 * before any port access, the iterations before it done; an element in
 * no RAM goes one at a time to the device there, or to Xen's null handler.
 * Outside 64-bit mode the segment's limit and type are checked first, as
 * Xen's emulator does (#GP(0), or #SS(0) for SS). The I/O permission
 * check (CPL > IOPL, the TSS bitmap) is the CPU's, made before the exit.
 */

static int string_decode(struct vcpu *v, unsigned int mode, struct ioreq_string *s)
{
	unsigned int addr_bytes = mode == HVM_MODE_64 ? 8 : mode == HVM_MODE_32 ? 4 : 2, n;
	u64 rip = v->arch.hvm.regs.rip;
	u8 buf[X86_INSN_MAX];

	if (mode != HVM_MODE_64)
		rip = (u32)(hvm_backend->cs_base(v) + (addr_bytes == 2 ? (u16)rip : (u32)rip));
	n = hvm_fetch(v, rip, buf, sizeof(buf));
	return ioreq_string_decode(buf, n, addr_bytes, s);
}

/* An element's bytes in guest-physical memory: two parts when it crosses a page end. */
struct string_elem {
	u64 gpa[2];
	unsigned int len[2];
};

/*
 * Where the @size-byte element at linear @va is for a write (INS) or a
 * read (OUTS): false when the CPU could not reach it, with the address
 * of the first byte it cannot reach (CR2, as Xen's emulator reports it)
 * and the #PF error code.
 */
static bool string_locate(struct vcpu *v, u64 va, unsigned int size, bool write, bool lm,
			  struct string_elem *e, u64 *fault, long *ec)
{
	unsigned int first = MIN(size, PAGE_SIZE - (unsigned int)(va & (PAGE_SIZE - 1)));
	u64 next = lm ? va + first : (u32)(va + first);

	e->len[0] = first;
	e->len[1] = size - first;
	*fault = va;
	if (!linear_to_gpa(v, va, write, &e->gpa[0], ec))
		return false;
	*fault = next;
	return !e->len[1] || linear_to_gpa(v, next, write, &e->gpa[1], ec);
}

/* string_locate, injecting the #PF when the element cannot be reached. */
static bool string_map(struct vcpu *v, u64 va, unsigned int size, bool write, bool lm,
		       struct string_elem *e)
{
	u64 fault;
	long ec;

	if (string_locate(v, va, size, write, lm, e, &fault, &ec))
		return true;
	inject_pf(v, fault, ec);
	return false;
}

/* True when a part of @e is in an ioreq server's range (no RAM there). */
static bool elem_server(struct vcpu *v, const struct string_elem *e)
{
	for (unsigned int i = 0; i < 2 && e->len[i]; i++)
		if (!gfn_to_virt(v->domain, e->gpa[i] >> PAGE_SHIFT) &&
		    hvm_ioreq_claims_mmio(v, e->gpa[i]))
			return true;
	return false;
}

/*
 * An OUTS element in a server's range, as Xen's emulator falls back to for
 * one element: the answer held for this instruction (1), or the read sent
 * to be held (-1: the instruction comes again). 0 when the server does not
 * take the whole part, and for a write (an INS there is refused before).
 */
static int server_part(struct vcpu *v, u64 gpa, u8 *buf, unsigned int len, bool to_guest)
{
	u64 data;

	if (to_guest)
		return 0;
	if (hvm_take_held(v, &data)) {
		memcpy(buf, &data, len);
		return 1;
	}
	return hvm_ioreq_mmio_hold(v, gpa, len) ? -1 : 0;
}

/*
 * A part of an element at a GFN without RAM, as Xen's emulator takes it
 * when it falls back to MMIO for one element: the vLAPIC's, IO-APIC's or
 * HPET's registers, an ioreq server's range (server_part), or nobody's
 * (reads all-ones, writes dropped: Xen's null handler). 1 when done, -1
 * when a request went to a server, 0 for an access shape the device does
 * not take (Xen crashes the domain for those too).
 */
static int string_mmio(struct vcpu *v, u64 gpa, u8 *buf, unsigned int len, bool to_guest)
{
	if (vlapic_mmio_claims(v, gpa))
		return vlapic_mmio_bytes(v, gpa, buf, len, to_guest);
	if (hvm_platform_claims_mmio(v, gpa))
		return hvm_platform_mmio_bytes(v, gpa, buf, len, to_guest);
	if (hvm_ioreq_claims_mmio(v, gpa))
		return server_part(v, gpa, buf, len, to_guest);
	if (!to_guest)
		memset(buf, 0xff, len);
	return 1;
}

/* One part of an element to or from guest-physical @gpa: RAM, or string_mmio. */
static int string_part(struct vcpu *v, u64 gpa, u8 *buf, unsigned int len, bool to_guest)
{
	u8 *p = gfn_to_virt(v->domain, gpa >> PAGE_SHIFT);

	if (!p)
		return string_mmio(v, gpa, buf, len, to_guest);
	p += gpa & (PAGE_SIZE - 1);
	if (to_guest) {
		memcpy(p, buf, len);
		logdirty_mark(&v->domain->logdirty, gpa >> PAGE_SHIFT, false);
	} else {
		memcpy(buf, p, len);
	}
	return 1;
}

/* Move element @e to or from @data: true when that went to a server as a request. */
static bool string_copy(struct vcpu *v, const struct string_elem *e, u64 *data, bool to_guest)
{
	u8 *b = (u8 *)data;
	int rc;

	if (e->len[1] && elem_server(v, e))
		hvm_crash(v, "string element across a page end into an ioreq server's range "
			     "(not done)");
	rc = string_part(v, e->gpa[0], b, e->len[0], to_guest);
	if (rc > 0 && e->len[1])
		rc = string_part(v, e->gpa[1], b + e->len[0], e->len[1], to_guest);
	if (!rc)
		hvm_crash(v, "string element of a size the device there does not take (not done)");
	return rc < 0;
}

bool hvm_string_store(struct vcpu *v, u64 va, u64 data, unsigned int size)
{
	struct string_elem e;
	u64 fault;
	long ec;

	if (!string_locate(v, va, size, true, hvm_backend->guest_mode(v) == HVM_MODE_64, &e, &fault,
			   &ec))
		return false;
	string_copy(v, &e, &data, true);
	return true;
}

/*
 * One element at guest linear @va, mapped in @e, through the port's usual
 * path: false when it is not done yet (its first step went to a server).
 */
static bool string_element(struct vcpu *v, bool in, u16 port, unsigned int size, u64 va,
			   const struct string_elem *e)
{
	struct cpu_regs *r = &v->arch.hvm.regs;
	u64 rax = r->rax, data = 0;

	/* Xen 4.17 crashes the domain too (its emulator's check of the re-issued request). */
	if (in && elem_server(v, e))
		hvm_crash(v, "INS into an ioreq server's memory range");
	if (in && !hvm_platform_claims_pio(v, port) && hvm_ioreq_pio_memory(v, port, size, va))
		return true;
	if (!in && string_copy(v, e, &data, false))
		return false;
	r->rax = data;
	hvm_handle_pio(v, in, port, size);
	data = r->rax;
	r->rax = rax;
	if (in)
		string_copy(v, e, &data, true);
	return true;
}

/*
 * Elements of a REP for the port's server: those that fit in the buffer's
 * page, in one request. 0 when no server takes the port (the platform
 * devices and the null device go one element at a time), and when the
 * first element is not in RAM or crosses into a page that does not follow
 * in guest-physical memory (one element at a time too, as Xen's emulator
 * does then).
 */
static u64 string_buffer(struct vcpu *v, bool in, u16 port, unsigned int size, u64 reps, bool df,
			 const struct string_elem *e)
{
	u64 gpa = e->gpa[0], off = gpa & (PAGE_SIZE - 1);
	unsigned long count;

	if (port == DEBUG_CONSOLE_PORT || hvm_platform_claims_pio(v, port))
		return 0;
	if (!gfn_to_virt(v->domain, gpa >> PAGE_SHIFT) ||
	    (e->len[1] &&
	     (e->gpa[1] != gpa + e->len[0] || !gfn_to_virt(v->domain, e->gpa[1] >> PAGE_SHIFT))))
		return 0;
	count = ioreq_string_count(reps, (unsigned int)off, size, df);
	return hvm_ioreq_pio_buffer(v, in, port, size, (u32)count, df, gpa) ? count : 0;
}

/* The linear address of offset @off in segment @seg (in 64-bit mode only FS and GS have a base). */
static u64 string_linear(struct vcpu *v, bool lm, enum x86_seg seg, u64 off)
{
	u64 va = (lm && seg < X86_SEG_FS ? 0 : hvm_backend->seg_base(v, seg)) + off;

	return lm ? va : (u32)va;
}

/*
 * How many elements from offset @off (cut to the address size, @mask) this
 * pass may move before the register wraps or the segment ends; 0 after
 * injecting #GP(0) (#SS(0) for SS) when not even the first is inside the
 * segment or the segment cannot be used for the access. In 64-bit mode
 * there is no limit, but the linear addresses must stay canonical; in real
 * and virtual-8086 mode the limit alone counts.
 */
static u64 string_room(struct vcpu *v, unsigned int mode, enum x86_seg seg, bool write, u64 off,
		       u64 mask, unsigned int size, bool df)
{
	u64 room = ioreq_string_wrap(off, mask, size, df), in_seg;
	u32 limit;
	u16 attr;

	if (mode == HVM_MODE_64) {
		in_seg = ioreq_canonical_room(string_linear(v, true, seg, off), size, df);
	} else {
		hvm_backend->seg_limits(v, seg, &limit, &attr);
		if (mode == HVM_MODE_REAL || mode == HVM_MODE_VM86)
			attr = SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_WRITABLE;
		in_seg = ioreq_seg_room(attr, limit, off, size, write, df);
	}
	if (!in_seg)
		hvm_backend->inject(v, seg == X86_SEG_SS ? HVM_EXC_SS : HVM_EXC_GP, 0);
	return MIN(room, in_seg);
}

bool hvm_handle_string_pio(struct vcpu *v, bool in, u16 port, unsigned int size)
{
	struct cpu_regs *r = &v->arch.hvm.regs;
	unsigned int mode = hvm_backend->guest_mode(v);
	bool df = r->rflags & X86_EFLAGS_DF, lm = mode == HVM_MODE_64;
	u64 *areg = in ? &r->rdi : &r->rsi;
	struct string_elem e;
	struct ioreq_string s;
	u64 mask, reps, va, count, room;
	s64 step;

	if (string_decode(v, mode, &s) || (s.opcode & 0xfc) != 0x6c)
		hvm_crash(v, "string port I/O instruction not decoded");
	mask = s.addr_bytes == 8 ? ~0UL : (1UL << (8 * s.addr_bytes)) - 1;
	reps = s.rep ? r->rcx & mask : 1;
	if (!reps)
		return true;
	room = string_room(v, mode, s.seg, in, *areg & mask, mask, size, df);
	if (!room)
		return false; /* #GP or #SS: the registers show the iterations done */
	reps = MIN(reps, room);
	va = string_linear(v, lm, s.seg, *areg & mask);
	if (!string_map(v, va, size, in, lm, &e))
		return false; /* #PF: the registers show the iterations done */
	count = reps > 1 ? string_buffer(v, in, port, size, reps, df, &e) : 0;
	if (!count) {
		/* Its first step may have gone to a server: the instruction comes again. */
		if (!string_element(v, in, port, size, va, &e))
			return false;
		count = 1;
	}
	step = (s64)(count * size);
	*areg = ioreq_addr_reg(*areg, df ? -step : step, s.addr_bytes, lm);
	if (!s.rep)
		return true;
	/* The count register: a 32-bit one is written zero-extended in any mode. */
	r->rcx = ioreq_addr_reg(r->rcx, -(s64)count, s.addr_bytes, s.addr_bytes != 2);
	return !(r->rcx & mask);
}

/*
 * ---- MOVS and STOS with an operand outside RAM. Elements in RAM, an
 * emulated device's registers or nobody's (the null handler) are moved here,
 * up to a page's worth a pass. An operand in an ioreq server's range ends
 * the pass with one request, as Xen's emulator sends it: a STOS of count
 * elements with the value, a REP MOVS whose other operand is RAM as
 * data_is_ptr with that buffer's guest-physical address (the elements in
 * both pages), anything else one element (a MOVS read's answer stored
 * through hvm_string_store). The registers move at send time; rip moves when the
 * count reaches 0, so the instruction is entered again after the answer.
 */

struct string_mem {
	struct ioreq_string s;
	u64 mask, reps, src, dst; /* src, dst: linear addresses of the element */
	bool df, lm, movs;
};

/* @e is one piece of RAM, or RAM on both sides of a page end with adjacent GFNs. */
static bool elem_ram(struct vcpu *v, const struct string_elem *e)
{
	return gfn_to_virt(v->domain, e->gpa[0] >> PAGE_SHIFT) &&
	       (!e->len[1] || (e->gpa[1] == e->gpa[0] + e->len[0] &&
			       gfn_to_virt(v->domain, e->gpa[1] >> PAGE_SHIFT)));
}

/* Elements of one request at @gpa: those in its page, and in @ram's page when there is one. */
static u32 mem_count(const struct string_mem *m, u64 gpa, const struct string_elem *ram)
{
	u64 n =
	    ioreq_string_count(m->reps, (unsigned int)(gpa & (PAGE_SIZE - 1)), m->s.size, m->df);

	if (ram)
		n = MIN(n,
			ioreq_string_count(m->reps, (unsigned int)(ram->gpa[0] & (PAGE_SIZE - 1)),
					   m->s.size, m->df));
	return (u32)n;
}

/* Send the element at @mmio (a server's) and those that follow it: how many went, 0 if none. */
static u32 mem_send(struct vcpu *v, const struct string_mem *m, const struct string_elem *mmio,
		    const struct string_elem *ram, bool read)
{
	struct hvm_mmio_req q = { .gpa = mmio->gpa[0],
				  .size = m->s.size,
				  .count = 1,
				  .read = read,
				  .df = m->df,
				  .va = m->dst };

	if (mmio->len[1])
		return 0; /* an element across a page end into a server's range: not done */
	if (!m->movs) {
		q.data = ioreq_merge(0, v->arch.hvm.regs.rax, m->s.size);
		q.count = mem_count(m, q.gpa, NULL);
	} else if (m->reps > 1 && elem_ram(v, ram) && !ram->len[1]) {
		q.ptr = true;
		q.data = ram->gpa[0];
		q.count = mem_count(m, q.gpa, ram);
	} else if (!read) {
		string_copy(v, ram, &q.data, false);
	}
	if (hvm_ioreq_mmio_string(v, &q))
		return q.count;
	q.count = 1;
	return hvm_ioreq_mmio_string(v, &q) ? 1 : 0;
}

static u32 mem_sent(struct vcpu *v, u32 n)
{
	if (!n)
		hvm_crash(v, "MOVS between two ioreq servers' ranges, or an element across a page "
			     "end into one (not done)");
	return n;
}

/*
 * One element, or one request to a server: how many elements it moved, 0
 * after a #PF (injected) and for what is not done (the domain crashed).
 */
static u64 mem_element(struct vcpu *v, const struct string_mem *m)
{
	struct string_elem d, src;
	u64 data = v->arch.hvm.regs.rax;

	if ((m->movs && !string_map(v, m->src, m->s.size, false, m->lm, &src)) ||
	    !string_map(v, m->dst, m->s.size, true, m->lm, &d))
		return 0;
	if (m->movs && elem_server(v, &src))
		return mem_sent(v, elem_server(v, &d) ? 0 : mem_send(v, m, &src, &d, true));
	if (elem_server(v, &d))
		return mem_sent(v, mem_send(v, m, &d, m->movs ? &src : NULL, false));
	if (m->movs)
		string_copy(v, &src, &data, false);
	string_copy(v, &d, &data, true);
	return 1;
}

#define MEM_PASS_MAX 512 /* elements moved here per pass, at most */

/* rsi, rdi and rcx after @n elements. */
static void mem_advance(struct vcpu *v, struct string_mem *m, u64 n)
{
	struct cpu_regs *r = &v->arch.hvm.regs;
	s64 step = (s64)(n * m->s.size);

	step = m->df ? -step : step;
	if (m->movs)
		r->rsi = ioreq_addr_reg(r->rsi, step, m->s.addr_bytes, m->lm);
	r->rdi = ioreq_addr_reg(r->rdi, step, m->s.addr_bytes, m->lm);
	if (m->s.rep)
		r->rcx = ioreq_addr_reg(r->rcx, -(s64)n, m->s.addr_bytes, m->s.addr_bytes != 2);
	m->src = ioreq_addr_reg(m->src, step, 8, true);
	m->dst = ioreq_addr_reg(m->dst, step, 8, true);
	if (!m->lm) {
		m->src = (u32)m->src;
		m->dst = (u32)m->dst;
	}
	m->reps -= n;
}

/* The elements this pass may move (0 after a #GP or #SS): both operands' room. */
static u64 mem_room(struct vcpu *v, unsigned int mode, struct string_mem *m)
{
	struct cpu_regs *r = &v->arch.hvm.regs;
	u64 room =
	    string_room(v, mode, X86_SEG_ES, true, r->rdi & m->mask, m->mask, m->s.size, m->df);

	if (room && m->movs)
		room = MIN(room, string_room(v, mode, m->s.seg, false, r->rsi & m->mask, m->mask,
					     m->s.size, m->df));
	return room;
}

static int string_mem(struct vcpu *v)
{
	struct cpu_regs *r = &v->arch.hvm.regs;
	unsigned int mode = hvm_backend->guest_mode(v);
	struct string_mem m = { .df = r->rflags & X86_EFLAGS_DF, .lm = mode == HVM_MODE_64 };
	u64 room, n;

	if (string_decode(v, mode, &m.s) || (m.s.opcode & 0xf0) != 0xa0)
		return -1;
	m.movs = m.s.opcode <= 0xa5;
	m.mask = m.s.addr_bytes == 8 ? ~0UL : (1UL << (8 * m.s.addr_bytes)) - 1;
	m.reps = m.s.rep ? r->rcx & m.mask : 1;
	room = m.reps ? mem_room(v, mode, &m) : 0;
	if (m.reps && !room)
		return 0; /* #GP or #SS */
	m.reps = MIN(m.reps, room);
	m.src = string_linear(v, m.lm, m.s.seg, r->rsi & m.mask);
	m.dst = string_linear(v, m.lm, X86_SEG_ES, r->rdi & m.mask);
	for (unsigned int i = 0; m.reps && i < MEM_PASS_MAX; i++) {
		n = mem_element(v, &m);
		if (!n)
			return 0; /* #PF: the registers show the elements done */
		mem_advance(v, &m, n);
		if (v->arch.hvm.io.pending)
			break;
	}
	return !m.s.rep || !(r->rcx & m.mask) ? (int)m.s.len : 0;
}

/* An access outside RAM: its length, 0 to run the instruction again, -1 when not emulated. */
static int mmio_access(struct vcpu *v, u64 gpa)
{
	unsigned int len;

	if (vlapic_mmio_claims(v, gpa))
		len = vlapic_mmio(v, gpa);
	else if (hvm_platform_claims_mmio(v, gpa))
		len = hvm_platform_mmio(v, gpa);
	else if (hvm_ioreq_claims_mmio(v, gpa))
		len = hvm_ioreq_mmio(v, gpa);
	else
		len = hvm_null_mmio(v, gpa);
	if (len)
		return (int)len;
	if (p2m_lookup(v->domain, gpa >> PAGE_SHIFT) != INVALID_MFN)
		return -1;
	return string_mem(v);
}

unsigned int hvm_mmio_exit(struct vcpu *v, u64 gpa, const char *exit, u64 info)
{
	int rc;

	if (p2m_logdirty_fault(v->domain, gpa))
		return 0; /* a first write in a log-dirty pass: the instruction runs again */
	rc = mmio_access(v, gpa);
	if (rc >= 0)
		return (unsigned int)rc;
	printk(XENLOG_G_GUEST XENLOG_ERR "d%u: %s at gpa %#lx (%#lx)\n", v->domain->domain_id, exit,
	       gpa, info);
	hvm_print_current_insn(v);
	hvm_crash(v, "access outside RAM by an instruction not emulated");
}

/*
 * ---- Guest-physical accesses nobody claims (no RAM, no emulated device, no
 * ioreq server's range): as Xen's null handler, a read gives all-ones and a
 * write is dropped. Only the mov forms ioreq servers get are emulated.
 */

__hvm_warm unsigned int hvm_null_mmio(struct vcpu *v, u64 gpa)
{
	struct x86_insn in;
	struct ioreq_mov m;
	unsigned int len;
	u64 *reg;

	if (p2m_lookup(v->domain, gpa >> PAGE_SHIFT) != INVALID_MFN)
		return 0;
	len = hvm_decode_current(v, &in);
	if (!len || ioreq_mov_decode(&in, &m))
		return 0;
	if (m.cmp) {
		v->arch.hvm.regs.rflags =
		    ioreq_cmp_flags(v->arch.hvm.regs.rflags, ~0UL, m.imm, m.size);
	} else if (m.read) {
		reg = hvm_gpr(v, (unsigned int)m.reg);
		*reg = ioreq_read_result(&m, *reg, ~0UL);
	}
	return len;
}

/* ---- NMIs, HLT, triple fault, crashes. */

void hvm_raise_nmi(struct vcpu *v)
{
	if (!__atomic_exchange_n(&v->arch.hvm.nmi_pending, true, __ATOMIC_SEQ_CST))
		vcpu_unblock(v);
}

bool hvm_take_nmi(struct vcpu *v)
{
	return __atomic_exchange_n(&v->arch.hvm.nmi_pending, false, __ATOMIC_SEQ_CST);
}

/* ---- Guest time under timer mode 0. */

u64 hvm_guest_time_at(const struct vcpu *v, u64 now)
{
	return now + (u64)__atomic_load_n(&v->arch.hvm.time_offset, __ATOMIC_RELAXED);
}

u64 hvm_guest_time(const struct vcpu *v)
{
	return hvm_guest_time_at(v, system_time());
}

static void time_offset_add(struct vcpu *v, s64 delta)
{
	s64 off = v->arch.hvm.time_offset + delta;

	__atomic_store_n(&v->arch.hvm.time_offset, off < 0 ? off : 0, __ATOMIC_RELAXED);
}

/*
 * As Xen's vpt: a vCPU of a mode-0 domain taken off its CPU while it could
 * run (not blocked in HLT or SCHEDOP_block) and with a timer running finds
 * its guest time where it left it.
 */
void hvm_time_freeze(struct vcpu *v)
{
	if (v->domain->arch.hvm.params[HVM_PARAM_TIMER_MODE] != HVMPTM_delay_for_missed_ticks ||
	    (v->pause_flags & VPF_blocked) || !vlapic_timer_running(v))
		return;
	v->arch.hvm.frozen_at = hvm_guest_time(v) | 1;
}

void hvm_time_thaw(struct vcpu *v)
{
	u64 at = v->arch.hvm.frozen_at, now;

	if (!at)
		return;
	v->arch.hvm.frozen_at = 0;
	now = hvm_guest_time(v);
	if (now > at)
		time_offset_add(v, -(s64)(now - at));
}

void hvm_time_catch_up(struct vcpu *v, u64 due)
{
	u64 now = hvm_guest_time(v);

	if (due > now)
		time_offset_add(v, (s64)(due - now));
}

static bool hlt_done(struct vcpu *v)
{
	return __atomic_load_n(&v->arch.hvm.nmi_pending, __ATOMIC_RELAXED) ||
	       hvm_callback_pending(v) >= 0 || vlapic_pending(v) >= 0 ||
	       hvm_platform_pic_pending(v) >= 0;
}

void hvm_handle_hlt(struct vcpu *v)
{
	/*
	 * With interrupts off nothing can wake it: as on Xen the vCPU goes down
	 * (INIT/SIPI may start it again), and the domain powers off only when
	 * it was the last one up. Linux parks its other CPUs this way before a
	 * reboot.
	 */
	if (!(v->arch.hvm.regs.rflags & X86_EFLAGS_IF)) {
		printk(XENLOG_G_GUEST XENLOG_INFO "d%uv%u: HLT with interrupts disabled\n",
		       v->domain->domain_id, v->vcpu_id);
		vcpu_go_down(v);
		return;
	}
	/* Sleep until the local APIC or the event callback has an interrupt to deliver. */
	vcpu_block(hlt_done);
}

void hvm_triple_fault(struct vcpu *v)
{
	unsigned int reason = v->domain->arch.hvm.params[HVM_PARAM_TRIPLE_FAULT_REASON];

	printk(XENLOG_G_GUEST XENLOG_INFO "d%uv%u Triple fault - invoking HVM shutdown action %u\n",
	       v->domain->domain_id, v->vcpu_id, reason);
	hvm_backend->dump(v);
	domain_shutdown(v->domain, reason);
	schedule_dead();
}

void hvm_crash(struct vcpu *v, const char *why)
{
	domain_crash(v->domain, "HVM vCPU %u: %s", v->vcpu_id, why);
}

void hvm_show_crash_state(const struct vcpu *v)
{
	hvm_backend->dump(v);
}

/* ---- Debug dump ('q'). */

static void dump_vcpu(struct vcpu *v)
{
	const struct hvm_vcpu *h = &v->arch.hvm;
	const struct timer *t = &v->singleshot_timer;

	/* rip and rflags as of the vCPU's last exit (the backend's state is not read here). */
	printk(" d%uv%u rip %#lx rflags %#lx (IF %u) flags %#lx running %u\n", v->domain->domain_id,
	       v->vcpu_id, h->regs.rip, h->regs.rflags, !!(h->regs.rflags & X86_EFLAGS_IF),
	       v->pause_flags, v->is_running);
	printk("  upcall pending %u mask %u callback %d vector %u ioreq %u singleshot %s %ld ns\n",
	       v->vcpu_info->evtchn_upcall_pending, v->vcpu_info->evtchn_upcall_mask,
	       v->domain->arch.hvm.callback_vector, h->upcall_vector, h->io.pending,
	       t->active ? "in" : "idle", t->active ? (s64)(t->expires - system_time()) : 0);
	vlapic_dump(v);
}

void hvm_dump_domains(void)
{
	if (!hvm_backend)
		return;
	for (struct domain *d = domain_next(NULL); d; d = domain_next(d)) {
		if (!is_hvm_domain(d) || d->is_dying)
			continue;
		printk("HVM d%u at %lu ns:\n", d->domain_id, system_time());
		for (unsigned int i = 0; i < domain_vcpu_slots(d); i++)
			if (d->vcpu[i])
				dump_vcpu(d->vcpu[i]);
		hvm_platform_dump(d);
	}
}

/* ---- Hypercalls. */

/* The calls an HVM guest has on Petrel today; the rest is -ENOSYS. */
static long hvm_features(u64 arg)
{
	struct xen_feature_info fi;
	u32 map = (1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_auto_translated_physmap) |
		  (1u << XENFEAT_hvm_callback_vector) | (1u << XENFEAT_hvm_safe_pvclock) |
		  (1u << XENFEAT_not_direct_mapped);

	if (hvm_copy_from_guest_linear(&fi, arg, sizeof(fi)))
		return -EFAULT;
	if (current->domain->is_privileged)
		map |= 1u << XENFEAT_dom0;
	fi.submap = fi.submap_idx == 0 ? map : 0;
	return hvm_copy_to_guest_linear(arg, &fi, sizeof(fi)) ? -EFAULT : 0;
}

/* ---- Events: the per-vCPU upcall vector and the shared_info page in the physmap. */

/*
 * With a per-vCPU upcall vector the event is a LAPIC interrupt (IRR, ISR,
 * EOI). Otherwise a CALLBACK_IRQ vector is offered straight from
 * upcall_pending (hvm_callback_pending), so the vCPU only needs waking.
 */
void hvm_evtchn_upcall(struct vcpu *v)
{
	if (v->arch.hvm.upcall_vector)
		vlapic_set_irq(v, v->arch.hvm.upcall_vector);
	else if (v->domain->arch.hvm.callback_vector >= 0)
		vcpu_unblock(v);
}

__hvm_hot int hvm_callback_pending(const struct vcpu *v)
{
	int vec = v->domain->arch.hvm.callback_vector;

	return vec >= 0 && v->vcpu_info->evtchn_upcall_pending ? vec : -1;
}

/* Both backends offer the callback vector first, as on Xen, then the vLAPIC's, then the PIC's. */
__hvm_hot int hvm_next_interrupt(struct vcpu *v, bool *from_lapic)
{
	int vec = hvm_callback_pending(v);

	vlapic_ticks(v);
	hvm_platform_ticks(v);
	*from_lapic = false;
	v->arch.hvm.intr_src = INTR_SRC_CALLBACK;
	if (vec >= 0)
		return vec;
	vec = vlapic_pending(v);
	*from_lapic = vec >= 0;
	v->arch.hvm.intr_src = INTR_SRC_LAPIC;
	if (vec >= 0)
		return vec;
	v->arch.hvm.intr_src = INTR_SRC_PIC;
	return hvm_platform_pic_pending(v);
}

unsigned int hvm_intr_ack(struct vcpu *v, unsigned int vec)
{
	switch (v->arch.hvm.intr_src) {
	case INTR_SRC_LAPIC:
		vlapic_ack(v, vec);
		hvm_platform_lapic_ack(v, vec);
		return vec;
	case INTR_SRC_PIC:
		return hvm_platform_pic_ack(v);
	}
	return vec;
}

static long set_upcall_vector(u64 arg)
{
	struct xen_hvm_evtchn_upcall_vector op;
	struct vcpu *v;

	if (hvm_copy_from_guest_linear(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.vector < 0x10)
		return -EINVAL;
	if (op.vcpu >= MAX_VIRT_CPUS || !(v = current->domain->vcpu[op.vcpu]))
		return -ENOENT;
	v->arch.hvm.upcall_vector = op.vector;
	/* Events already pending are not lost: raise the vector for them now. */
	if (v->vcpu_info->evtchn_upcall_pending)
		hvm_evtchn_upcall(v);
	return 0;
}

/* ---- HVM parameters: the rules are params.c's, the effects are here. */

/*
 * Only a CALLBACK_IRQ of the vector type changes how events arrive: the
 * GSI and PCI INTx types need an emulated IO-APIC and PIC, which no Petrel
 * HVM domain has, and Xen 4.17 ignores every other value (0 included) on
 * such a domain. The value itself is stored either way.
 */
static void set_callback_irq(struct domain *d, u64 via)
{
	int vec = hvm_callback_vector(via);

	if (vec < 0)
		return;
	d->arch.hvm.callback_vector = vec;
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
		if (d->vcpu[i] && d->vcpu[i]->vcpu_info->evtchn_upcall_pending)
			vcpu_unblock(d->vcpu[i]);
}

/* MCA_CAP's LMCE, as Xen: -EINVAL unless the host has it, else MCG_LMCE_P for every vCPU. */
static long enable_lmce(struct domain *d)
{
	if (!vmce_host_lmce())
		return -EINVAL;
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
		if (d->vcpu[i])
			d->vcpu[i]->arch.vmce.mcg_cap |= MCG_LMCE_P;
	return 0;
}

static long set_param(struct domain *d, u32 index, u64 value)
{
	bool self = d == current->domain, crash_self;
	int rc = hvm_param_may_set(d->arch.hvm.params, index, value, self);

	if (rc)
		return rc;
	if (index == HVM_PARAM_ACPI_IOPORTS_LOCATION &&
	    (d->arch.hvm.emulation_flags & XEN_X86_EMU_PM)) {
		rc = hvm_param_pm_location(d->arch.hvm.params[index], value);
		if (!rc)
			d->arch.hvm.params[index] = value; /* platform.c reads the ports from it */
		return rc;
	}
	rc = hvm_param_store_value(&index, &value, &crash_self);
	if (rc && crash_self && self)
		domain_crash(d, "HVM param %u set to %#lx", index, value);
	if (rc)
		return rc;
	if (index == HVM_PARAM_ACPI_S_STATE)
		return -EOPNOTSUPP; /* no S3 suspend/resume of HVM domains */
	if (index == HVM_PARAM_MCA_CAP && (value & XEN_HVM_MCA_CAP_LMCE)) {
		rc = enable_lmce(d);
		if (rc)
			return rc;
	}
	if (index == HVM_PARAM_CALLBACK_IRQ)
		set_callback_irq(d, value);
	d->arch.hvm.params[index] = value;
	return 0;
}

/* The target of a param op: any domain for the control domain, else itself. */
static long param_target(domid_t domid, struct domain **out)
{
	struct domain *d = domain_lookup(domid);

	if (!d)
		return -ESRCH;
	if (d != current->domain && !current->domain->is_privileged)
		return -EPERM;
	if (!is_hvm_domain(d))
		return -EINVAL;
	*out = d;
	return 0;
}

static long param_op(unsigned long cmd, u64 arg)
{
	struct xen_hvm_param p;
	struct domain *d;
	long rc;

	if (copy_from_guest(&p, arg, sizeof(p)))
		return -EFAULT;
	if (p.index >= HVM_NR_PARAMS)
		return -EINVAL;
	rc = param_target(p.domid, &d);
	if (rc)
		return rc;
	if (cmd == HVMOP_set_param)
		return set_param(d, p.index, p.value);
	rc = hvm_param_may_get(p.index, d == current->domain);
	if (rc)
		return rc;
	p.value = hvm_param_read(d->arch.hvm.params, p.index);
	return copy_to_guest(arg, &p, sizeof(p)) ? -EFAULT : 0;
}

/*
 * HVMOP_pagetable_dying: a hint for shadow paging that the page table at a
 * guest address is gone. With nested paging there is nothing to drop, and
 * Xen's answer for the caller itself is -EINVAL; another domain -EOPNOTSUPP.
 */
static long pagetable_dying(unsigned long arg)
{
	struct xen_hvm_pagetable_dying a;
	struct domain *d;

	if (copy_from_guest(&a, arg, sizeof(a)))
		return -EFAULT;
	d = domain_lookup(a.domid);
	if (!d)
		return -ESRCH;
	return d == current->domain ? -EINVAL : -EOPNOTSUPP;
}

/* HVMOP for HVM and PV callers alike (the toolstack sets a new domain's params). */
long do_hvm_op(unsigned long cmd, unsigned long arg)
{
	switch (cmd) {
	case HVMOP_set_param:
	case HVMOP_get_param:
		return param_op(cmd, arg);
	case HVMOP_set_evtchn_upcall_vector:
		if (!is_hvm_vcpu(current))
			return -EINVAL;
		return set_upcall_vector(arg);
	case HVMOP_pagetable_dying:
		return pagetable_dying(arg);
	}
	return -ENOSYS;
}

/*
 * XENMEM_add_to_physmap from 32-bit code: Xen's compat layout, where idx
 * and gpfn are 32 bits (domid @0, size @2, space @4, idx @8, gpfn @12).
 */
struct compat_add_to_physmap {
	u16 domid;
	u16 size;
	u32 space;
	u32 idx;
	u32 gpfn;
};

static long add_to_physmap32(unsigned long arg)
{
	struct compat_add_to_physmap c;
	struct xen_add_to_physmap x;

	if (hvm_copy_from_guest_linear(&c, arg, sizeof(c)))
		return -EFAULT;
	x = (struct xen_add_to_physmap){
		.domid = c.domid, .size = c.size, .space = c.space, .idx = c.idx, .gpfn = c.gpfn
	};
	return memory_add_to_physmap(&x);
}

static bool hvm_memory_op_allowed(unsigned long op)
{
	switch (op) {
	case XENMEM_decrease_reservation:
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
	case XENMEM_populate_physmap:
	case XENMEM_add_to_physmap:
	case XENMEM_remove_from_physmap:
	case XENMEM_memory_map:
		return true;
	}
	return false;
}

/* XENMEM_remove_from_physmap from 32-bit code: domid @0, a 32-bit gpfn @4. */
struct compat_remove_from_physmap {
	u16 domid;
	u16 pad;
	u32 gpfn;
};

static long remove_from_physmap32(unsigned long arg)
{
	struct compat_remove_from_physmap c;

	if (hvm_copy_from_guest_linear(&c, arg, sizeof(c)))
		return -EFAULT;
	return memory_remove_from_physmap(c.domid, c.gpfn);
}

/* XENMEM_memory_map from 32-bit code: nr_entries @0, a 32-bit buffer handle @4. */
struct compat_memory_map {
	u32 nr_entries;
	u32 buffer;
};

static long memory_map32(unsigned long arg)
{
	struct compat_memory_map c;
	long rc;

	if (hvm_copy_from_guest_linear(&c, arg, sizeof(c)))
		return -EFAULT;
	rc = memory_map_read(&c.nr_entries, c.buffer);
	if (!rc && hvm_copy_to_guest_linear(arg, &c, sizeof(c)))
		return -EFAULT;
	return rc;
}

/*
 * XENMEM_populate_physmap from 32-bit code: extent_start @0 (a list of
 * 32-bit GFNs), nr_extents @4, extent_order @8, mem_flags @12, domid @16.
 */
struct compat_memory_reservation {
	u32 extent_start;
	u32 nr_extents;
	u32 extent_order;
	u32 mem_flags;
	u16 domid;
};

static long populate_physmap32(unsigned long cmd, unsigned long arg)
{
	struct compat_memory_reservation c;
	struct xen_memory_reservation r;

	if (hvm_copy_from_guest_linear(&c, arg, sizeof(c)))
		return (long)(cmd >> MEMOP_EXTENT_SHIFT);
	r = (struct xen_memory_reservation){ .nr_extents = c.nr_extents,
					     .extent_order = c.extent_order,
					     .mem_flags = c.mem_flags,
					     .domid = c.domid };
	set_xen_guest_handle(r.extent_start, (xen_pfn_t *)(unsigned long)c.extent_start);
	return memory_grow(cmd, arg, &r, sizeof(u32));
}

/*
 * The memory ops an HVM guest has here: populate_physmap, its physmap and
 * its memory map (memory.c), also from 32-bit code in Xen's compat layouts;
 * decrease_reservation and the current and maximum reservation from 64-bit
 * code; the rest -ENOSYS.
 */
static long hvm_memory_op(unsigned long cmd, const unsigned long a[5])
{
	bool is64 = hvm_backend->guest_mode(current) == HVM_MODE_64;

	if (is64 && hvm_memory_op_allowed(cmd & MEMOP_CMD_MASK))
		return hypercall_dispatch(__HYPERVISOR_memory_op, a);
	switch (cmd & MEMOP_CMD_MASK) {
	case XENMEM_populate_physmap:
		return populate_physmap32(cmd, a[1]);
	case XENMEM_add_to_physmap:
		return add_to_physmap32(a[1]);
	case XENMEM_remove_from_physmap:
		return remove_from_physmap32(a[1]);
	case XENMEM_memory_map:
		return memory_map32(a[1]);
	}
	return -ENOSYS;
}

/*
 * The vcpu_ops an HVM vCPU has here. The runstate area is written only
 * while a vCPU of its domain is current, through that vCPU's page tables
 * (common/vcpu.c), so a guest reaches nothing but its own memory. The time
 * area is not among them yet: update_vcpu_system_time() writes it from
 * contexts where another domain's vCPU is current. VCPUOP_down and up of
 * a running vCPU keep its state: Linux takes its other vCPUs down and up
 * again around a resume (xen_vcpu_restore), as Xen allows HVM guests.
 */
static bool hvm_vcpu_op_allowed(unsigned int cmd)
{
	switch (cmd) {
	case VCPUOP_up:
	case VCPUOP_down:
	case VCPUOP_register_runstate_memory_area:
	case VCPUOP_register_vcpu_info:
	case VCPUOP_is_up:
	case VCPUOP_get_runstate_info:
	case VCPUOP_set_periodic_timer:
	case VCPUOP_stop_periodic_timer:
	case VCPUOP_set_singleshot_timer:
	case VCPUOP_stop_singleshot_timer:
		return true;
	}
	return false;
}

/*
 * The grant-table ops an HVM domain has here: its table by GFN (setup_table,
 * query_size, versions), copies and swaps of its own entries. Mapping a
 * grant needs a p2m entry at the caller's GFN, which Petrel does not make yet.
 */
static bool hvm_gnttab_op_allowed(unsigned int cmd)
{
	switch (cmd) {
	case GNTTABOP_map_grant_ref:
	case GNTTABOP_unmap_grant_ref:
	case GNTTABOP_unmap_and_replace:
		return false;
	}
	return true;
}

/*
 * SCHEDOP_poll from 32-bit code: Xen's compat layout, a 32-bit handle
 * (ports @0, nr_ports @4, timeout @8, 16 bytes).
 */
struct compat_sched_poll {
	u32 ports;
	u32 nr_ports;
	u32 timeout_lo, timeout_hi; /* 4-byte aligned, as i386 lays out a u64 */
};

static long sched_poll32(unsigned long arg)
{
	struct compat_sched_poll c;

	if (hvm_copy_from_guest_linear(&c, arg, sizeof(c)))
		return -EFAULT;
	return sched_poll_ports(c.ports, c.nr_ports, (u64)c.timeout_hi << 32 | c.timeout_lo);
}

/* The sched_ops an HVM vCPU has here: yield, shutdown and poll. */
static long hvm_sched_op(const unsigned long a[5])
{
	switch ((unsigned int)a[0]) {
	case SCHEDOP_poll:
		if (hvm_backend->guest_mode(current) != HVM_MODE_64)
			return sched_poll32(a[1]);
		return hypercall_dispatch(__HYPERVISOR_sched_op, a);
	case SCHEDOP_yield:
	case SCHEDOP_shutdown:
		return hypercall_dispatch(__HYPERVISOR_sched_op, a);
	}
	return -ENOSYS;
}

static long hvm_do_hypercall(u64 nr, const unsigned long a[5])
{
	switch (nr) {
	case __HYPERVISOR_grant_table_op:
		if (!hvm_gnttab_op_allowed((unsigned int)a[0]))
			return -ENOSYS;
		return hypercall_dispatch(nr, a);
	case __HYPERVISOR_event_channel_op:
		if ((unsigned int)a[0] == EVTCHNOP_bind_pirq)
			return -ENOSYS; /* no PIRQs for HVM domains yet */
		return hypercall_dispatch(nr, a);
	case __HYPERVISOR_hvm_op:
		return do_hvm_op(a[0], a[1]);
	case __HYPERVISOR_memory_op:
		return hvm_memory_op(a[0], a);
	case __HYPERVISOR_vcpu_op:
		if (!hvm_vcpu_op_allowed((unsigned int)a[0]))
			return -ENOSYS;
		return hypercall_dispatch(nr, a);
	case __HYPERVISOR_set_timer_op:
		return hypercall_dispatch(nr, a);
	case __HYPERVISOR_vm_assist:
		/* As Xen: an HVM guest has only the runstate update flag. */
		if (a[1] != VMASST_TYPE_runstate_update_flag)
			return -EINVAL;
		return hypercall_dispatch(nr, a);
	case __HYPERVISOR_console_io:
		if ((unsigned int)a[0] != CONSOLEIO_write)
			return -ENOSYS;
		return hypercall_dispatch(nr, a);
	case __HYPERVISOR_sched_op:
		return hvm_sched_op(a);
	case __HYPERVISOR_xen_version:
		if ((unsigned int)a[0] == XENVER_get_features)
			return hvm_features(a[1]);
		return hypercall_dispatch(nr, a);
	}
	return -ENOSYS;
}

long hvm_hypercall_continuation(unsigned int nr, unsigned int nargs, const unsigned long *args)
{
	struct vcpu *v = current;
	struct cpu_regs *r = &v->arch.hvm.regs;
	u64 *const wide[5] = { &r->rdi, &r->rsi, &r->rdx, &r->r10, &r->r8 };
	u64 *const narrow[5] = { &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi };
	bool is64 = hvm_backend->guest_mode(v) == HVM_MODE_64;

	for (unsigned int i = 0; i < nargs && i < 5; i++)
		*(is64 ? wide : narrow)[i] = is64 ? args[i] : (u32)args[i];
	v->arch.hvm.hcall_again = true;
	return nr; /* rax: the hypercall number again */
}

__hvm_hot bool hvm_handle_hypercall(struct vcpu *v)
{
	struct cpu_regs *r = &v->arch.hvm.regs;
	unsigned int mode = hvm_backend->guest_mode(v);
	unsigned long a[5];
	u64 nr;

	/* As Xen: ring 0 only (real mode has none), and never from vm86. */
	if (mode == HVM_MODE_VM86 || (mode != HVM_MODE_REAL && hvm_backend->cpl(v))) {
		r->rax = (u64)-EPERM;
		return true;
	}
	if (mode == HVM_MODE_64) {
		nr = r->rax;
		a[0] = r->rdi, a[1] = r->rsi, a[2] = r->rdx, a[3] = r->r10, a[4] = r->r8;
	} else {
		nr = (u32)r->rax;
		a[0] = (u32)r->rbx, a[1] = (u32)r->rcx, a[2] = (u32)r->rdx;
		a[3] = (u32)r->rsi, a[4] = (u32)r->rdi;
	}
	v->arch.hvm.hcall_again = false;
	hypercall_mark_start();
	r->rax = (u64)hvm_do_hypercall(nr, a);
	if (r->rax == (u64)-ENOSYS)
		printk(XENLOG_G_GUEST XENLOG_DEBUG "d%uv%u: HVM hypercall %lu (cmd %lu) -ENOSYS\n",
		       v->domain->domain_id, v->vcpu_id, nr, a[0]);
	return !v->arch.hvm.hcall_again;
}

/* ---- The run loop and the scheduler's hooks. */

__noreturn void hvm_loop(void);

__hvm_hot void hvm_loop(void)
{
	for (;;) {
		struct vcpu *v = current;

		timer_run_due(); /* a slice's end or a vLAPIC tick, before the entry */
		if (sched_need_resched())
			schedule();
		domain_reap(); /* a quiescent point */
		if (current != v || !is_hvm_vcpu(current))
			arch_resume_current();
		hvm_time_check(v);
		if (v->arch.hvm.io.pending && !hvm_ioreq_complete(v))
			continue; /* blocked until its ioreq server answers */
		hvm_backend->run(v);
	}
}

/* Enter the current HVM vCPU's loop on a fresh stack (just below the guest frame area). */
void hvm_resume_current(void)
{
	u64 sp = (u64)guest_regs();

	__asm__ volatile("movq %0, %%rsp\n\tcall hvm_loop\n\tud2" : : "r"(sp) : "memory");
	__builtin_unreachable();
}

void hvm_context_save(struct vcpu *v)
{
	write_cr0(read_cr0() & ~X86_CR0_TS);
	__asm__ volatile("fxsave64 %0" : "=m"(v->arch.hvm.fpu_area));
	v->arch.hvm.fpu_saved = true;
	if (cpu_has_tsc_aux())
		v->arch.hvm.tsc_aux = rdmsr(MSR_TSC_AUX);
	if (hvm_backend->context_save)
		hvm_backend->context_save(v);
}

void hvm_context_drop(void)
{
	if (hvm_backend && hvm_backend->context_drop)
		hvm_backend->context_drop();
}

void hvm_context_load(struct vcpu *v)
{
	u32 mxcsr = MXCSR_DEFAULT;

	write_cr3(virt_to_maddr(idle_l4)); /* no guest mappings: the guest has its own */
	write_cr0(read_cr0() & ~X86_CR0_TS);
	if (v->arch.hvm.fpu_saved)
		__asm__ volatile("fxrstor64 %0" : : "m"(v->arch.hvm.fpu_area));
	else
		__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
	if (cpu_has_tsc_aux())
		wrmsr(MSR_TSC_AUX, v->arch.hvm.tsc_aux);
	if (hvm_backend->context_load)
		hvm_backend->context_load(v);
}
