/*
 * #GP from a PV guest: software interrupts (decoded from the instruction
 * itself, never from the error code), port I/O and the privileged
 * instructions a ring-3 guest kernel may use, decoded by the shared
 * decoder (x86_decode.c) and emulated as Xen 4.17 does:
 *  - in/out and ins/outs (rep or not, all sizes, either direction, segment
 *    and address-size overrides) when the virtual IOPL or the guest's I/O
 *    bitmap allows the port; a fault on the guest's buffer is delivered as
 *    the guest's own #PF, after the repetitions that completed; every form
 *    reaches the PCI configuration ports 0xcf8-0xcff through pci.c;
 *  - cli/sti with enough virtual IOPL (no-ops);
 *  - from guest kernel mode: rdmsr/wrmsr of the MSRs below and the
 *    machine-check ones (arch/x86/vmce.c), mov to and from
 *    %cr0/%cr2/%cr3/%cr4 and the debug registers, clts, wbinvd, xsetbv,
 *    rdtsc and rdtscp (which fault only while the guest keeps %cr4.TSD set).
 * Anything else, and the kernel-only part from guest user mode, stays a #GP.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "asm.h"
#include "page.h"
#include "mm.h"
#include "domain.h"
#include "uaccess.h"
#include "pv.h"
#include "pv_mm.h"
#include "console.h"
#include "ioports.h"
#include "pci.h"
#include "x86_decode.h"
#include "hcstats.h"
#include "public/xen.h"

#define XEN_PAT 0x0000050100070406UL
#define MSR_MISC_ENABLE 0x1a0
#define MSR_UCODE_REV 0x8b
#define TRAP_UD 6
#define TRAP_SS 12
#define TRAP_GP 13
#define TRAP_PF 14
#define PFEC_WRITE 0x02

/* Repetitions of one rep ins/outs done per trap; the guest re-executes the rest. */
#define STRING_IO_BATCH 4096

enum emul_rc {
	EMUL_OK,	/* emulated: registers and rip updated */
	EMUL_UNHANDLED, /* the original #GP goes to the guest */
	EMUL_RAISED,	/* an exception was delivered to the guest instead */
};

static u64 *gpr(struct cpu_regs *r, unsigned int n)
{
	u64 *const map[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
			       &r->rsi, &r->rdi, &r->r8,  &r->r9,  &r->r10, &r->r11,
			       &r->r12, &r->r13, &r->r14, &r->r15 };

	return map[n & 15];
}

static bool canonical(u64 va)
{
	return (u64)((s64)va >> 47) + 1 <= 1;
}

/* Fetch the instruction at rip: up to 15 bytes, fewer where the mapping ends. */
static unsigned int fetch(const struct cpu_regs *r, u8 *buf)
{
	unsigned int n = (unsigned int)(PAGE_SIZE - (r->rip & (PAGE_SIZE - 1)));

	if (n > X86_INSN_MAX)
		n = X86_INSN_MAX;
	if (copy_from_guest(buf, r->rip, n))
		return 0;
	if (n < X86_INSN_MAX)
		n += X86_INSN_MAX -
		     (unsigned int)copy_from_guest_left(&buf[n], r->rip + n, X86_INSN_MAX - n);
	return n;
}

/* ---- I/O permission ---- */

/*
 * Xen's rule: the guest kernel counts as ring 1 (ring 0 with
 * VMASST_TYPE_architectural_iopl), its user mode as ring 3; I/O is allowed
 * when that ring is not above the virtual IOPL.
 */
static bool iopl_ok(const struct vcpu *v)
{
	unsigned int cpl = 3;

	if (v->arch.pv.in_kernel)
		cpl = (v->domain->vm_assist & (1UL << VMASST_TYPE_architectural_iopl)) ? 0 : 1;
	return cpl <= v->arch.pv.iopl;
}

/* Two bytes of the guest's I/O bitmap; bytes that cannot be read deny access. */
static u16 iobmp_bits(struct vcpu *v, unsigned int port)
{
	u8 b[2] = { 0xff, 0xff };
	bool user = !v->arch.pv.in_kernel;

	/* The bitmap is the kernel's: read it through the kernel page tables. */
	if (user)
		pv_load_cr3(v->arch.pv.guest_table);
	for (unsigned int i = 0; i < 2; i++)
		if (copy_from_guest(&b[i], v->arch.pv.iobmp + (port >> 3) + i, 1))
			break;
	if (user)
		pv_load_cr3(v->arch.pv.guest_table_user);
	return (u16)(b[0] | (b[1] << 8));
}

/* May the guest's current mode access [port, port + bytes)? */
static bool guest_io_okay(struct vcpu *v, unsigned int port, unsigned int bytes)
{
	if (iopl_ok(v))
		return true;
	if (port + bytes <= v->arch.pv.iobmp_limit)
		return !(iobmp_bits(v, port) & (((1u << bytes) - 1) << (port & 7)));
	return false;
}

/*
 * One port access of in/out or of one ins/outs element. As on Xen: ports
 * the domain may not touch read as all ones, writes vanish; the PCI
 * configuration ports are shared with the hypervisor and go through pci.c
 * (which shadows 0xcf8 and filters writes to the registers Petrel owns).
 */
static u32 port_read(unsigned int port, unsigned int bytes)
{
	u32 val;

	if (!ioports_permitted(current->domain, port, bytes))
		return bytes == 4 ? 0xffffffffu : (1u << (bytes * 8)) - 1;
	if (pci_guest_conf_io(port, bytes, false, &val))
		return bytes == 4 ? val : val & ((1u << (bytes * 8)) - 1);
	if (bytes == 1)
		return inb((u16)port);
	if (bytes == 2)
		return inw((u16)port);
	return inl((u16)port);
}

static void port_write(unsigned int port, unsigned int bytes, u32 val)
{
	if (!ioports_permitted(current->domain, port, bytes))
		return;
	if (pci_guest_conf_io(port, bytes, true, &val))
		return;
	if (bytes == 1)
		outb((u16)port, (u8)val);
	else if (bytes == 2)
		outw((u16)port, (u16)val);
	else
		outl((u16)port, val);
}

/* in/out with an immediate or %dx port. */
static enum emul_rc emulate_io(struct cpu_regs *r, const struct x86_insn *in)
{
	unsigned int op = in->opcode, port, bytes = 1;
	bool out = op & 2;
	u32 val;

	if (op & 1)
		bytes = x86_opsize(in) == 2 ? 2 : 4;
	port = op & 8 ? (u16)r->rdx : (u8)in->imm;
	if (!guest_io_okay(current, port, bytes))
		return EMUL_UNHANDLED;
	if (out) {
		port_write(port, bytes, (u32)r->rax);
	} else {
		val = port_read(port, bytes);
		if (bytes == 4)
			r->rax = val; /* 32-bit results zero-extend */
		else
			r->rax = (r->rax & ~((1UL << (bytes * 8)) - 1)) | val;
	}
	r->rip += in->len;
	return EMUL_OK;
}

/* ---- ins / outs ---- */

/* Only %fs and %gs have a base in 64-bit mode; both are live while Petrel runs. */
static u64 segment_base(enum x86_seg seg)
{
	if (seg == X86_SEG_FS)
		return rdmsr(MSR_FS_BASE);
	if (seg == X86_SEG_GS)
		return rdmsr(MSR_GS_BASE);
	return 0;
}

/* An exception found while emulating, delivered once the registers are final. */
struct emul_fault {
	unsigned int vector;
	u64 ec, cr2;
};

static void raise_fault(struct cpu_regs *r, const struct emul_fault *f)
{
	if (f->vector == TRAP_PF)
		pv_inject_page_fault(r, f->cr2, f->ec);
	else
		pv_inject_exception(r, f->vector, (s64)f->ec);
}

/* One element of ins/outs at linear address @va; false with *f filled if it faults. */
static bool string_io_one(bool out, unsigned int port, unsigned int bytes, u64 va, enum x86_seg seg,
			  struct emul_fault *f)
{
	u32 data = 0;
	size_t left;

	if (out) {
		if (!canonical(va))
			goto bad_address;
		left = copy_from_guest_left(&data, va, bytes);
		if (left) {
			*f = (struct emul_fault){ TRAP_PF, 0, va + bytes - left };
			return false;
		}
		port_write(port, bytes, data);
		return true;
	}
	/* The port is read before the buffer is checked, as on Xen (and hardware). */
	data = port_read(port, bytes);
	if (!canonical(va))
		goto bad_address;
	left = copy_to_guest_left(va, &data, bytes);
	if (left) {
		*f = (struct emul_fault){ TRAP_PF, PFEC_WRITE, va + bytes - left };
		return false;
	}
	return true;
bad_address:
	*f = (struct emul_fault){ seg == X86_SEG_SS ? TRAP_SS : TRAP_GP, 0, 0 };
	return false;
}

/*
 * ins (6c/6d) and outs (6e/6f). ins always writes %es:%rdi; outs reads
 * %ds:%rsi or the override's segment. With 0x67 the index and count are
 * 32 bits wide and wrap there (and are written back zero-extended). A rep
 * form that faults leaves %rcx and the index after the completed elements
 * and %rip at the instruction; one cut short by the batch limit does too,
 * and the guest re-executes it.
 */
static enum emul_rc emulate_string_io(struct cpu_regs *r, const struct x86_insn *in)
{
	bool out = in->opcode & 2, ok = true;
	unsigned int bytes = !(in->opcode & 1) ? 1 : x86_opsize(in) == 2 ? 2 : 4;
	unsigned int port = (u16)r->rdx;
	u64 amask = in->addr32 ? 0xffffffffUL : ~0UL;
	u64 *idx = out ? &r->rsi : &r->rdi;
	enum x86_seg seg = out ? (in->seg == X86_SEG_NONE ? X86_SEG_DS : in->seg) : X86_SEG_ES;
	u64 base = segment_base(seg), count = in->rep ? r->rcx & amask : 1, done = 0;
	u64 step = (r->rflags & X86_EFLAGS_DF) ? -(u64)bytes : bytes;
	struct emul_fault f;

	/* The permission is checked even when the count is 0, as on Xen. */
	if (!guest_io_okay(current, port, bytes))
		return EMUL_UNHANDLED;
	if (!count) { /* rep with nothing to do: no register changes */
		r->rip += in->len;
		return EMUL_OK;
	}
	for (; done < count && done < STRING_IO_BATCH; done++) {
		ok =
		    string_io_one(out, port, bytes, base + ((*idx + step * done) & amask), seg, &f);
		if (!ok)
			break;
	}
	/* A single (non-rep) element that faulted changes no register. */
	if (ok || in->rep) {
		*idx = in->addr32 ? (u32)(*idx + step * done) : *idx + step * done;
		if (in->rep)
			r->rcx = in->addr32 ? (u32)(count - done) : count - done;
	}
	if (!ok) {
		raise_fault(r, &f);
		return EMUL_RAISED;
	}
	if (done == count)
		r->rip += in->len;
	return EMUL_OK;
}

/* ---- MSRs ---- */

static u64 read_tsc(void)
{
	u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

#define MSR_TSC 0x10
#define MSR_APIC_BASE_MSR 0x1b
#define MSR_PLATFORM_INFO 0xce
#define MSR_MISC_FEATURES_ENABLES 0x140
#define MSR_PERF_CAPABILITIES 0x345
#define MSR_XEN_HYPERCALL_PAGE 0x40000000
#define MSR_K8_HWCR 0xc0010015
#define K8_HWCR_TSC_FREQ_SEL (1UL << 24)
#define APIC_BASE_DEFAULT 0xfee00000UL
#define APIC_BASE_ENABLE 0x800UL
#define APIC_BASE_BSP 0x100UL
/* MISC_ENABLE as a PV guest sees it (Xen's mask). */
#define MISC_ENABLE_PERF_AVAIL (1UL << 7)
#define MISC_ENABLE_BTS_UNAVAIL (1UL << 11)
#define MISC_ENABLE_PEBS_UNAVAIL (1UL << 12)
#define MISC_ENABLE_MONITOR (1UL << 18)
#define MISC_ENABLE_XTPR_DISABLE (1UL << 23)

/* rdmsr that reports a #GP instead of taking it. */
static bool rdmsr_safe(u32 msr, u64 *val)
{
	u32 lo = 0, hi = 0;
	int fault = 1;

	__asm__ volatile("1: rdmsr\n"
			 "	xor %2, %2\n"
			 "2:\n"
			 ".pushsection .ex_table, \"a\"\n"
			 ".balign 8\n"
			 ".quad 1b, 2b\n"
			 ".popsection"
			 : "=a"(lo), "=d"(hi), "+r"(fault)
			 : "c"(msr));
	*val = ((u64)hi << 32) | lo;
	return !fault;
}

static bool cpu_is_amd(void)
{
	return cpu_vendor() == X86_VENDOR_AMD;
}

static bool cpu_is_intel(void)
{
	return cpu_vendor() == X86_VENDOR_INTEL;
}

static unsigned int cpu_family(void)
{
	u32 a, b, c, d, fam;

	cpuid_count(1, 0, &a, &b, &c, &d);
	fam = (a >> 8) & 0xf;
	return fam == 0xf ? fam + ((a >> 20) & 0xff) : fam;
}

/*
 * MSRs that read as 0 and drop writes, as on Xen without a vPMU and
 * without dom0 as the frequency controller: the vendor's performance
 * counters and event selectors, and AMD's P-state MSRs.
 */
static bool msr_reads_zero(u32 msr)
{
	if (cpu_is_amd())
		return (msr >= 0xc0010000 &&
			msr <= 0xc0010007) || /* K7 event selectors, counters */
		       (msr >= 0xc0010200 && msr <= 0xc001020b) || /* family 15h counters */
		       msr == 0xc0010041 ||
		       msr == 0xc0010042 ||			 /* FID/VID control, status */
		       (msr >= 0xc0010061 && msr <= 0xc001006b); /* P-state limit ... P-state 7 */
	return (msr >= 0xc1 && msr <= 0xc8) ||			 /* P6 counters */
	       (msr >= 0x186 && msr <= 0x189) ||		 /* P6 event selectors */
	       (msr >= 0x309 && msr <= 0x30b) ||		 /* fixed counters */
	       (msr >= 0x38d && msr <= 0x390); /* fixed control ... global overflow control */
}

static bool misc_enable(u64 *val)
{
	if (!rdmsr_safe(MSR_MISC_ENABLE, val))
		return false;
	*val &= ~(MISC_ENABLE_PERF_AVAIL | MISC_ENABLE_MONITOR);
	*val |= MISC_ENABLE_BTS_UNAVAIL | MISC_ENABLE_PEBS_UNAVAIL | MISC_ENABLE_XTPR_DISABLE;
	return true;
}

/* Reads Xen 4.17 answers for a 64-bit PV guest; anything else is #GP. */
static bool read_msr(u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_SHADOW_GS_BASE:
		*val = rdmsr(msr);
		return true;
	case MSR_EFER: /* SVME (on while HVM is usable) is never shown, as on Xen */
		*val = rdmsr(msr) & ~EFER_SVME;
		return true;
	case MSR_TSC_AUX:
		*val = (u32)rdmsr(msr);
		return true;
	case MSR_TSC:
		*val = read_tsc();
		return true;
	case MSR_APIC_BASE_MSR: /* a fixed, sane value: PV guests have no APIC */
		*val = APIC_BASE_DEFAULT | APIC_BASE_ENABLE |
		       (current->vcpu_id == 0 ? APIC_BASE_BSP : 0);
		return true;
	case MSR_PAT:
		*val = XEN_PAT;
		return true;
	case MSR_MISC_ENABLE:
		return misc_enable(val);
	case MSR_UCODE_REV:
		return rdmsr_safe(msr, val);
	case MSR_PLATFORM_INFO: /* no CPUID faulting offered */
	case MSR_MISC_FEATURES_ENABLES:
	case MSR_PERF_CAPABILITIES: /* no extra capabilities */
	case MSR_XEN_HYPERCALL_PAGE:
		*val = 0;
		return true;
	case MSR_K8_HWCR: /* TSC at the P0 frequency from family 10h on */
		if (!cpu_is_amd())
			return false;
		*val = cpu_family() >= 0x10 ? K8_HWCR_TSC_FREQ_SEL : 0;
		return true;
	default:
		if (vmce_msr(msr))
			return vmce_rdmsr(&current->arch.vmce, msr, val);
		*val = 0;
		return msr_reads_zero(msr);
	}
}

/*
 * Xen's hypercall-page MSR: the value is the address of a writable page of
 * the guest's own (page offset 0), which gets the hypercall stubs.
 */
static bool write_hypercall_page(u64 val)
{
	mfn_t mfn = val >> PAGE_SHIFT;

	if (val & (PAGE_SIZE - 1))
		return false;
	if (pv_get_page_and_type(mfn, current->domain, PGT_writable_page))
		return false;
	pv_fill_hypercall_page(pv_map_frame(mfn));
	pv_put_page_and_type(&frame_table[mfn]);
	return true;
}

static bool write_msr(u32 msr, u64 val)
{
	u64 cur;

	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_SHADOW_GS_BASE:
		if (!guest_range_ok(val, 1) && val)
			return false;
		wrmsr(msr, val);
		return true;
	case MSR_EFER: /* only the value it reads */
		return val == (rdmsr(MSR_EFER) & ~EFER_SVME);
	case MSR_TSC_AUX:
		if (val >> 32)
			return false;
		wrmsr(msr, val);
		return true;
	case MSR_MISC_ENABLE: /* writes are ignored */
		return misc_enable(&cur);
	case MSR_MISC_FEATURES_ENABLES: /* CPUID faulting cannot be enabled */
		return val == 0;
	case MSR_K8_HWCR: /* frequency control is not dom0's: ignored */
		return cpu_is_amd();
	case MSR_UCODE_REV:
		/*
		 * On Intel, Xen drops writes to the microcode revision (Linux
		 * clears it before CPUID(1) reads it back); elsewhere #GP.
		 */
		return cpu_is_intel();
	case MSR_XEN_HYPERCALL_PAGE:
		return write_hypercall_page(val);
	default:
		if (vmce_msr(msr))
			return vmce_wrmsr(&current->arch.vmce, msr, val);
		return msr_reads_zero(msr);
	}
}

static enum emul_rc emulate_msr(struct cpu_regs *r, bool write)
{
	u32 msr = (u32)r->rcx;
	u64 val;

	if (write) {
		if (!write_msr(msr, (r->rdx << 32) | (u32)r->rax))
			return EMUL_UNHANDLED;
	} else {
		if (!read_msr(msr, &val))
			return EMUL_UNHANDLED;
		r->rax = (u32)val;
		r->rdx = val >> 32;
	}
	return EMUL_OK;
}

/* ---- control registers ---- */

/* The %cr4 bits a PV kernel may see and set in its virtual %cr4. */
#define PV_CR4_MASK                                                                                \
	(X86_CR4_TSD | X86_CR4_DE | X86_CR4_PAE | X86_CR4_PCE | X86_CR4_OSFXSR |                   \
	 X86_CR4_OSXMMEXCPT | X86_CR4_OSXSAVE)

static bool cpu_has_xsave(void)
{
	u32 a, b, c, d;

	cpuid_count(1, 0, &a, &b, &c, &d);
	return c & (1u << 26);
}

/* Asked at every PV context switch: CPUID once, the answer kept (every CPU alike). */
static bool cpu_has_fsgsbase(void)
{
	static int known = -1;
	u32 a, b, c, d;

	if (known < 0) {
		cpuid_count(0, 0, &a, &b, &c, &d);
		known = 0;
		if (a >= 7) {
			cpuid_count(7, 0, &a, &b, &c, &d);
			known = b & 1u;
		}
	}
	return known;
}

/*
 * The %cr4 bits of a PV guest's that its vCPU context carries and that
 * follow it into the real %cr4: TSD, and FSGSBASE where the CPU has it (a
 * kernel that Xen let enable it uses rdfsbase and wrgsbase after its restore
 * here). Petrel itself keeps nothing in the segment bases.
 */
u64 pv_cr4_guest_bits(void)
{
	return X86_CR4_TSD | (cpu_has_fsgsbase() ? X86_CR4_FSGSBASE : 0);
}

/*
 * The real %cr4 while the guest runs, as Xen makes it: OSXSAVE on wherever
 * the CPU has XSAVE (so XSAVE and AVX work in the guest whatever its
 * virtual bit says), and the guest's TSD, which only affects rings above 0
 * and makes rdtsc fault in the guest (the kernel's is then emulated here),
 * and FSGSBASE.
 */
static void load_real_cr4(const struct vcpu *v)
{
	u64 bits = pv_cr4_guest_bits();
	u64 cr4 = read_cr4(), want = (cr4 & ~bits) | (v->arch.pv.guest_cr4 & bits);

	if (cpu_has_xsave())
		want |= X86_CR4_OSXSAVE;
	if (want != cr4)
		write_cr4(want);
}

void pv_init_guest_cr4(struct vcpu *v)
{
	v->arch.pv.guest_cr4 = X86_CR4_PAE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	if (v == current)
		load_real_cr4(v);
}

/*
 * A write to %cr4 is accepted, as on Xen, with the bits a PV guest may not
 * have dropped: the guest reads back what it may have.
 */
static void write_guest_cr4(struct vcpu *v, u64 val)
{
	u64 mask = (PV_CR4_MASK | pv_cr4_guest_bits()) & ~(cpu_has_xsave() ? 0 : X86_CR4_OSXSAVE);

	if ((val & ~mask) != (v->arch.pv.guest_cr4 & ~mask))
		printk(XENLOG_G_GUEST XENLOG_DEBUG "d%u: %%cr4 bits %#lx not available to PV\n",
		       v->domain->domain_id, (val ^ v->arch.pv.guest_cr4) & ~mask);
	v->arch.pv.guest_cr4 = (val & mask) | X86_CR4_PAE;
	load_real_cr4(v);
}

static bool write_cr(struct vcpu *v, unsigned int cr, u64 val)
{
	switch (cr) {
	case 0: /* only the TS bit of %cr0 is the guest's to change */
		if ((val ^ v->arch.pv.guest_cr0) & ~X86_CR0_TS)
			return false;
		do_fpu_taskswitch(!!(val & X86_CR0_TS));
		return true;
	case 2:
		v->vcpu_info->arch.cr2 = val;
		return true;
	case 3: /* as MMUEXT_NEW_BASEPTR: the frame must be a valid L4 of the guest's */
		return pv_new_baseptr(v, val >> PAGE_SHIFT) == 0;
	case 4:
		write_guest_cr4(v, val);
		return true;
	default:
		return false;
	}
}

static bool read_cr(const struct vcpu *v, unsigned int cr, u64 *val)
{
	switch (cr) {
	case 0:
		*val = v->arch.pv.guest_cr0;
		return true;
	case 2:
		*val = v->vcpu_info->arch.cr2;
		return true;
	case 3:
		*val = v->arch.pv.guest_table << PAGE_SHIFT;
		return true;
	case 4:
		*val = v->arch.pv.guest_cr4;
		return true;
	default:
		return false;
	}
}

/* mov %crN, reg (0f 20) and mov reg, %crN (0f 22): always register operands. */
static enum emul_rc emulate_mov_cr(struct cpu_regs *r, const struct x86_insn *in)
{
	u64 *reg = gpr(r, in->rm);

	if (in->opcode == X86_OPC_0F(0x22))
		return write_cr(current, in->reg, *reg) ? EMUL_OK : EMUL_UNHANDLED;
	return read_cr(current, in->reg, reg) ? EMUL_OK : EMUL_UNHANDLED;
}

/*
 * mov %drN, reg (0f 21) and mov reg, %drN (0f 23), checked as the
 * set_debugreg/get_debugreg hypercalls check them. %dr4/%dr5 are %dr6/%dr7
 * unless the guest's %cr4.DE is set, when they raise #UD; a value the
 * hypercall refuses raises #GP(0), a register it does not know #UD.
 */
static enum emul_rc emulate_mov_dr(struct cpu_regs *r, const struct x86_insn *in)
{
	unsigned int dr = in->reg;
	u64 *reg = gpr(r, in->rm);
	long rc;

	if (dr == 4 || dr == 5) {
		if (current->arch.pv.guest_cr4 & X86_CR4_DE)
			dr = 8; /* no such register */
		else
			dr += 2;
	}
	if (dr > 7 || dr == 4 || dr == 5) {
		pv_inject_exception(r, TRAP_UD, -1);
		return EMUL_RAISED;
	}
	if (in->opcode == X86_OPC_0F(0x23)) {
		rc = do_set_debugreg(dr, *reg);
		if (rc) {
			pv_inject_exception(r, rc == -ENODEV ? TRAP_UD : TRAP_GP,
					    rc == -ENODEV ? -1 : 0);
			return EMUL_RAISED;
		}
		return EMUL_OK;
	}
	*reg = (u64)do_get_debugreg(dr);
	return EMUL_OK;
}

/* ---- the rest of the kernel-only instructions ---- */

#define XSTATE_X87 (1UL << 0)
#define XSTATE_SSE (1UL << 1)
#define XSTATE_AVX (1UL << 2)
#define XSTATE_MPX (3UL << 3)
#define XSTATE_AVX512 (7UL << 5)

/* xsetbv that reports a #GP instead of taking it. */
static bool xsetbv_safe(u32 reg, u64 val)
{
	int fault = 1;

	__asm__ volatile("1: xsetbv\n"
			 "	xor %0, %0\n"
			 "2:\n"
			 ".pushsection .ex_table, \"a\"\n"
			 ".balign 8\n"
			 ".quad 1b, 2b\n"
			 ".popsection"
			 : "+r"(fault)
			 : "c"(reg), "a"((u32)val), "d"((u32)(val >> 32)));
	return !fault;
}

/*
 * XCR0 as Xen accepts it from a PV kernel: x87 on, only components the
 * guest's CPUID offers, AVX only with SSE, MPX's and AVX-512's components
 * all or none, AVX-512 only with AVX.
 */
bool pv_xcr0_valid(u64 val)
{
	u32 a, b, c, d;
	u64 avail;

	pv_cpuid(0xd, 0, &a, &b, &c, &d); /* the components the guest is offered */
	avail = ((u64)d << 32) | a;
	if (!(val & XSTATE_X87) || (val & ~avail))
		return false;
	if ((val & XSTATE_AVX) && !(val & XSTATE_SSE))
		return false;
	if ((val & XSTATE_MPX) && (val & XSTATE_MPX) != XSTATE_MPX)
		return false;
	if ((val & XSTATE_AVX512) &&
	    ((val & XSTATE_AVX512) != XSTATE_AVX512 || !(val & XSTATE_AVX)))
		return false;
	return true;
}

/*
 * xsetbv (0f 01 d1): #UD unless the guest set its virtual %cr4.OSXSAVE;
 * only XCR0, checked; a refused value is #GP(0).
 */
static enum emul_rc emulate_xsetbv(struct cpu_regs *r)
{
	u64 val = (r->rdx << 32) | (u32)r->rax;

	if (!(current->arch.pv.guest_cr4 & X86_CR4_OSXSAVE)) {
		pv_inject_exception(r, TRAP_UD, -1);
		return EMUL_RAISED;
	}
	if ((u32)r->rcx != 0 || !pv_xcr0_valid(val) || !xsetbv_safe(0, val))
		return EMUL_UNHANDLED;
	pv_xcr0_set(&current->arch.pv, val);
	return EMUL_OK;
}

/* rdtsc, and rdtscp (0f 01 f9), which faults with the guest's %cr4.TSD set. */
static void emulate_rdtsc(struct cpu_regs *r, bool aux)
{
	u64 tsc = read_tsc();

	r->rax = (u32)tsc;
	r->rdx = tsc >> 32;
	if (aux)
		r->rcx = (u32)rdmsr(MSR_TSC_AUX);
}

static enum emul_rc emulate_kernel_op(struct cpu_regs *r, const struct x86_insn *in)
{
	switch (in->opcode) {
	case X86_OPC_0F(0x30): /* wrmsr */
	case X86_OPC_0F(0x32): /* rdmsr */
		return emulate_msr(r, in->opcode == X86_OPC_0F(0x30));
	case X86_OPC_0F(0x20):
	case X86_OPC_0F(0x22):
		return emulate_mov_cr(r, in);
	case X86_OPC_0F(0x21):
	case X86_OPC_0F(0x23):
		return emulate_mov_dr(r, in);
	case X86_OPC_0F(0x06): /* clts: the virtual TS */
		do_fpu_taskswitch(0);
		return EMUL_OK;
	case X86_OPC_0F(0x09): /* wbinvd: caches are coherent for us; nothing to do */
		return EMUL_OK;
	case X86_OPC_0F(0x31):
		emulate_rdtsc(r, false);
		return EMUL_OK;
	case X86_OPC_0F(0x01): /* of group 7 only xsetbv and rdtscp */
		if (in->mod == 3 && (in->reg & 7) == 2 && (in->rm & 7) == 1)
			return emulate_xsetbv(r);
		if (in->mod != 3 || (in->reg & 7) != 7 || (in->rm & 7) != 1)
			return EMUL_UNHANDLED;
		emulate_rdtsc(r, true);
		return EMUL_OK;
	default:
		return EMUL_UNHANDLED;
	}
}

/* int $n (cd ib) permitted by the trap table's DPL (kernel counts as ring 1). */
static enum emul_rc emulate_softint(struct cpu_regs *r, const struct x86_insn *in)
{
	unsigned int vec = (u8)in->imm;
	const struct trap_bounce_entry *t = &current->arch.pv.traps[vec];
	unsigned int dpl = t->flags & 3;

	if (!t->address || dpl < (current->arch.pv.in_kernel ? 1u : 3u)) {
		/* Not permitted: #GP with the IDT-vector error code. */
		r->error_code = ((u64)vec << 3) | 2;
		return EMUL_UNHANDLED;
	}
	r->rip += in->len;
	pv_inject_exception(r, vec, -1);
	return EMUL_RAISED;
}

static enum emul_rc emulate(struct cpu_regs *r, const struct x86_insn *in)
{
	enum emul_rc rc;

	switch (in->opcode) {
	case 0xcd:
		return emulate_softint(r, in);
	case 0x6c ... 0x6f:
		return emulate_string_io(r, in);
	case 0xe4 ... 0xe7:
	case 0xec ... 0xef:
		return emulate_io(r, in);
	case 0xfa: /* cli/sti: accepted and ignored with enough virtual IOPL, as on Xen */
	case 0xfb:
		if (!iopl_ok(current))
			return EMUL_UNHANDLED;
		r->rip += in->len;
		return EMUL_OK;
	}
	if (!current->arch.pv.in_kernel)
		return EMUL_UNHANDLED;
	rc = emulate_kernel_op(r, in);
	if (rc == EMUL_OK)
		r->rip += in->len;
	return rc;
}

bool pv_emulate_gp(struct cpu_regs *r)
{
	u64 start = hcstats_start(); /* the fetch and the decoding count too */
	u8 buf[X86_INSN_MAX];
	struct x86_insn in;
	unsigned int n = fetch(r, buf);

	if (!n || x86_decode(buf, n, &in) || emulate(r, &in) == EMUL_UNHANDLED)
		return false;
	hcstats_end(in.opcode > 0xff ? HCSTATS_EMUL_0F : HCSTATS_EMUL, in.opcode & 0xff, start);
	return true;
}
