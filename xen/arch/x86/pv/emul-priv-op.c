/*
 * #GP from a PV guest: software interrupts (decoded from the instruction
 * itself, never from the error code) and the privileged instructions a
 * ring-3 guest kernel may use: rdmsr/wrmsr of the segment-base MSRs, PAT and
 * a few MSRs Linux reads at boot, mov from/to %cr0/%cr2/%cr3/%cr4, wbinvd.
 * Anything else, and everything from guest user mode, stays a #GP.
 */
#include "types.h"
#include "lib.h"
#include "asm.h"
#include "page.h"
#include "domain.h"
#include "uaccess.h"
#include "pv.h"
#include "console.h"
#include "ioports.h"

#define XEN_PAT 0x0000050100070406UL
#define MSR_MISC_ENABLE 0x1a0
#define MSR_MTRRcap 0xfe
#define MSR_MTRRdefType 0x2ff
#define MSR_PLATFORM_ID 0x17
#define MSR_UCODE_REV 0x8b

struct insn {
	u8 bytes[16];
	unsigned int len; /* bytes consumed so far */
	bool rex_w, rex_r, rex_b;
	bool opsize16; /* 0x66 prefix */
};

static bool is_prefix(u8 b)
{
	return b == 0x66 || b == 0x67 || b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x3e ||
	       b == 0x26 || b == 0x36 || b == 0x64 || b == 0x65;
}

/* Fetch up to 15 bytes at rip and skip legacy and REX prefixes. */
static bool fetch(struct cpu_regs *r, struct insn *in)
{
	memset(in, 0, sizeof(*in));
	for (unsigned int n = 15; n; n--)
		if (!copy_from_guest(in->bytes, r->rip, n))
			goto fetched;
	return false;
fetched:
	while (in->len < 14 && is_prefix(in->bytes[in->len]))
		in->opsize16 |= in->bytes[in->len++] == 0x66;
	if ((in->bytes[in->len] & 0xf0) == 0x40) {
		u8 rex = in->bytes[in->len++];

		in->rex_w = rex & 8;
		in->rex_r = rex & 4;
		in->rex_b = rex & 1;
	}
	return true;
}

static u64 *gpr(struct cpu_regs *r, unsigned int n)
{
	u64 *const map[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
			       &r->rsi, &r->rdi, &r->r8,  &r->r9,  &r->r10, &r->r11,
			       &r->r12, &r->r13, &r->r14, &r->r15 };

	return map[n & 15];
}

static bool read_msr(u32 msr, u64 *val)
{
	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_SHADOW_GS_BASE:
		*val = rdmsr(msr);
		return true;
	case MSR_PAT:
		*val = XEN_PAT;
		return true;
	case MSR_EFER:
		*val = rdmsr(MSR_EFER);
		return true;
	case MSR_MISC_ENABLE:
	case MSR_PLATFORM_ID:
	case MSR_UCODE_REV:
	case MSR_MTRRcap:
	case MSR_MTRRdefType:
		*val = 0;
		return true;
	default:
		return false;
	}
}

static bool write_msr(u32 msr, u64 val)
{
	switch (msr) {
	case MSR_FS_BASE:
	case MSR_GS_BASE:
	case MSR_SHADOW_GS_BASE:
		if (!guest_range_ok(val, 1) && val)
			return false;
		wrmsr(msr, val);
		return true;
	case MSR_PAT:
		return val == XEN_PAT;
	default:
		return false;
	}
}

static bool emulate_msr(struct cpu_regs *r, bool write)
{
	u32 msr = (u32)r->rcx;
	u64 val;

	if (write)
		return write_msr(msr, (r->rdx << 32) | (u32)r->rax);
	if (!read_msr(msr, &val))
		return false;
	r->rax = (u32)val;
	r->rdx = val >> 32;
	return true;
}

/* The %cr4 bits a PV kernel may see and set in its virtual %cr4. */
#define PV_CR4_MASK (X86_CR4_TSD | X86_CR4_DE | X86_CR4_PAE | X86_CR4_PCE | X86_CR4_OSFXSR | \
		     X86_CR4_OSXMMEXCPT)

/*
 * A write to %cr4 is accepted, as on Xen, with the bits a PV guest may not
 * have dropped: the guest reads back what it may have.
 */
static void write_guest_cr4(struct vcpu *v, u64 val)
{
	if ((val & ~PV_CR4_MASK) != (v->arch.pv.guest_cr4 & ~PV_CR4_MASK))
		printk(XENLOG_G_GUEST XENLOG_DEBUG "d%u: %%cr4 bits %#lx not available to PV\n",
		       v->domain->domain_id, (val ^ v->arch.pv.guest_cr4) & ~PV_CR4_MASK);
	v->arch.pv.guest_cr4 = (val & PV_CR4_MASK) | X86_CR4_PAE;
}

/* mov %crN, reg (0f 20) and mov reg, %crN (0f 22); register operand only. */
static bool emulate_mov_cr(struct cpu_regs *r, const struct insn *in, bool write)
{
	u8 modrm = in->bytes[in->len + 2];
	unsigned int cr = ((modrm >> 3) & 7) | (in->rex_r ? 8 : 0);
	u64 *reg = gpr(r, (modrm & 7) | (in->rex_b ? 8 : 0));
	struct vcpu *v = current;

	if ((modrm & 0xc0) != 0xc0)
		return false;
	if (write) {
		/* Only the TS bit of %cr0 is the guest's to change. */
		if (cr == 0 && ((*reg ^ v->arch.pv.guest_cr0) & ~X86_CR0_TS) == 0) {
			v->arch.pv.guest_cr0 = *reg;
			return true;
		}
		if (cr == 4) {
			write_guest_cr4(v, *reg);
			return true;
		}
		return false;
	}
	switch (cr) {
	case 0:
		*reg = v->arch.pv.guest_cr0;
		return true;
	case 2:
		*reg = v->vcpu_info->arch.cr2;
		return true;
	case 3:
		*reg = v->arch.pv.guest_table << PAGE_SHIFT;
		return true;
	case 4:
		*reg = v->arch.pv.guest_cr4;
		return true;
	default:
		return false;
	}
}

/* Xen's rule: the guest kernel counts as ring 1, its user mode as ring 3. */
static bool iopl_ok(const struct vcpu *v)
{
	return v->arch.pv.iopl >= (v->arch.pv.in_kernel ? 1u : 3u);
}

/*
 * in/out with an immediate or %dx port, for a guest mode whose virtual IOPL
 * allows I/O (Xen counts the guest kernel as ring 1) on permitted ports.
 */
static bool emulate_io(struct cpu_regs *r, const struct insn *in)
{
	u8 op = in->bytes[in->len];
	unsigned int bytes = (op & 1) ? (in->opsize16 ? 2 : 4) : 1, port, len = 1;
	bool out = op == 0xe6 || op == 0xe7 || op == 0xee || op == 0xef;

	if (op >= 0xe4 && op <= 0xe7) {
		port = in->bytes[in->len + 1];
		len = 2;
	} else if (op >= 0xec && op <= 0xef) {
		port = (u16)r->rdx;
	} else {
		return false;
	}
	if (!iopl_ok(current))
		return false;
	/* As on Xen: ports the domain may not touch read as all ones, writes vanish. */
	if (!ioports_permitted(current->domain, port, bytes)) {
		if (!out)
			r->rax = bytes == 4 ? 0xffffffffUL : r->rax | (bytes == 2 ? 0xffffUL : 0xffUL);
	} else if (out) {
		if (bytes == 1)
			outb((u16)port, (u8)r->rax);
		else if (bytes == 2)
			outw((u16)port, (u16)r->rax);
		else
			outl((u16)port, (u32)r->rax);
	} else if (bytes == 1) {
		r->rax = (r->rax & ~0xffUL) | inb((u16)port);
	} else if (bytes == 2) {
		r->rax = (r->rax & ~0xffffUL) | inw((u16)port);
	} else {
		r->rax = inl((u16)port); /* 32-bit results zero-extend */
	}
	r->rip += in->len + len;
	return true;
}

/* Returns true when the instruction was emulated (rip already advanced). */
static bool emulate_priv(struct cpu_regs *r, struct insn *in)
{
	const u8 *op = &in->bytes[in->len];
	unsigned int len = 2;
	bool ok;

	if (op[0] != 0x0f)
		return false;
	switch (op[1]) {
	case 0x30: /* wrmsr */
	case 0x32: /* rdmsr */
		ok = emulate_msr(r, op[1] == 0x30);
		break;
	case 0x20:
	case 0x22:
		ok = emulate_mov_cr(r, in, op[1] == 0x22);
		len = 3;
		break;
	case 0x09: /* wbinvd: caches are coherent for us; nothing to do */
		ok = true;
		break;
	default:
		return false;
	}
	if (ok)
		r->rip += in->len + len;
	return ok;
}

/* int $n (cd ib) permitted by the trap table's DPL (kernel counts as ring 1). */
static bool emulate_softint(struct cpu_regs *r, const struct insn *in)
{
	const u8 *op = &in->bytes[in->len];
	const struct trap_bounce_entry *t;
	unsigned int dpl;

	if (op[0] != 0xcd)
		return false;
	t = &current->arch.pv.traps[op[1]];
	dpl = t->flags & 3;
	if (!t->address || dpl < (current->arch.pv.in_kernel ? 1u : 3u)) {
		/* Not permitted: #GP with the IDT-vector error code. */
		r->error_code = ((u64)op[1] << 3) | 2;
		return false;
	}
	r->rip += in->len + 2;
	pv_inject_exception(r, op[1], -1);
	return true;
}

/*
 * cli/sti with enough virtual IOPL are accepted and do nothing, as on Xen:
 * the guest's real interrupt flag must stay set, and its virtual one is the
 * event mask, which Linux changes through its own paravirt operations.
 */
static bool emulate_cli_sti(struct cpu_regs *r, const struct insn *in)
{
	u8 op = in->bytes[in->len];

	if ((op != 0xfa && op != 0xfb) || !iopl_ok(current))
		return false;
	r->rip += in->len + 1;
	return true;
}

bool pv_emulate_gp(struct cpu_regs *r)
{
	struct insn in;

	if (!fetch(r, &in))
		return false;
	if (emulate_softint(r, &in) || emulate_cli_sti(r, &in) || emulate_io(r, &in))
		return true;
	if (!current->arch.pv.in_kernel)
		return false;
	return emulate_priv(r, &in);
}
