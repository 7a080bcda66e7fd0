/*
 * Writable page-table assist. A 64-bit PV guest kernel may always (as on
 * Xen 4.17, whatever VMASST_TYPE_writable_pagetables says: turning it off
 * changes nothing) write its page-table entries with ordinary instructions
 * although every mapping of a page table is read-only: the write faults,
 * and if it is an 8-byte store into a validated L1 of the guest's own, the
 * instruction is decoded, the new entry validated exactly as mmu_update
 * would, written, and the guest resumes after the instruction. Anything
 * else (an entry the rules refuse, an instruction we do not decode) goes
 * back to the guest as the #PF it was.
 *
 * Also here: stores to device memory the control domain may only read
 * (MSI-X tables in use, see msi.h), which are dropped as Xen drops them,
 * and the hooks pv/mm.c needs from the running hypervisor.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "page.h"
#include "mm.h"
#include "domain.h"
#include "uaccess.h"
#include "pv_mm.h"
#include "io_caps.h"
#include "desc.h"
#include "ipi.h"
#include "public/xen.h"
#include "x86_decode.h"
#include "msi.h"

#define PFEC_PRESENT 0x01
#define PFEC_WRITE 0x02
#define PFEC_RSVD 0x08
#define PFEC_INSN 0x10

/* The ALU operation of opcode groups 80/81/83 selected by ModRM.reg, or -1. */
static int group1_alu(unsigned int reg)
{
	return reg == 1 ? PTWR_OR : reg == 4 ? PTWR_AND : reg == 6 ? PTWR_XOR : -1;
}

/*
 * What a decoded instruction does to the entry: fills op, alu and size;
 * *src_is_reg says whether ModRM.reg names the source register (else the
 * source is the immediate). False for anything that is not such a store.
 */
static bool ptwr_operation(const struct x86_insn *in, struct pv_ptwr_insn *out, bool *src_is_reg)
{
	bool w = in->rex & X86_REX_W;
	unsigned int reg = in->reg & 7;
	int alu;

	out->size = 8;
	out->op = PTWR_RMW;
	*src_is_reg = true;
	switch (in->opcode) {
	case 0x89:
		out->op = PTWR_WRITE;
		return w;
	case 0x87:
		out->op = PTWR_XCHG;
		return w;
	case 0x09:
	case 0x21:
	case 0x31:
		out->alu = in->opcode == 0x09 ? PTWR_OR : in->opcode == 0x21 ? PTWR_AND : PTWR_XOR;
		return w;
	case X86_OPC_0F(0xb1):
		out->op = PTWR_CMPXCHG;
		return w;
	}
	*src_is_reg = false;
	switch (in->opcode) {
	case 0xc7:
		out->op = PTWR_WRITE;
		return w && reg == 0;
	case 0x80:
	case 0x81:
	case 0x83:
		alu = group1_alu(reg);
		out->alu = (enum pv_ptwr_alu)alu;
		out->size = in->opcode == 0x80 ? 1 : 8;
		return alu >= 0 && (w || in->opcode == 0x80);
	case X86_OPC_0F(0xba):
		out->alu = (enum pv_ptwr_alu)(PTWR_BTS + reg - 5);
		return w && reg >= 5;
	default:
		return false;
	}
}

/*
 * Decoded with the shared decoder; the store must have a memory operand,
 * and operand- or address-size and rep prefixes are refused (nothing that
 * writes a page-table entry uses them).
 */
int pv_ptwr_decode(const u8 *b, unsigned int n, struct pv_ptwr_insn *out)
{
	struct x86_insn in;
	bool src_is_reg;

	if (x86_decode(b, n, &in) || in.mod == 3 || in.opsize16 || in.addr32 || in.rep ||
	    !ptwr_operation(&in, out, &src_is_reg))
		return -EINVAL;
	out->reg = src_is_reg ? in.reg : -1;
	out->imm = (u64)in.imm;
	out->len = in.len;
	return 0;
}

static u64 *reg_ptr(struct cpu_regs *r, int reg)
{
	u64 *const regs[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
				&r->rsi, &r->rdi, &r->r8,  &r->r9,  &r->r10, &r->r11,
				&r->r12, &r->r13, &r->r14, &r->r15 };

	return regs[reg & 15];
}

/*
 * The read-only present entry of @v's current tables that maps @va, where
 * it lies in *l1 and *idx, or 0 if @va is not mapped so.
 */
static pte_t ro_entry(struct vcpu *v, u64 va, mfn_t *l1, unsigned int *idx)
{
	pte_t e;

	if (pv_find_l1e(v, va, l1, idx))
		return 0;
	e = ((pte_t *)pv_map_frame(*l1))[*idx];
	return (e & _PAGE_PRESENT) && !(e & _PAGE_RW) ? e : 0;
}

/* The validated L1 of @v's domain that read-only entry @e maps, or 0. */
static mfn_t written_l1(const struct vcpu *v, pte_t e)
{
	mfn_t target = pte_mfn(e);
	struct page_info *pg;

	if (target >= max_page)
		return 0;
	pg = &frame_table[target];
	if (pg->owner != v->domain || pg->type != PGT_l1_page_table || !pg->type_count ||
	    !(pg->flags & PGC_validated))
		return 0;
	return target;
}

/*
 * The instruction bytes at @rip, up to the first that cannot be read: one
 * copy of the longest instruction (a byte at a time would enter the
 * fault-safe copy fifteen times on every fault), shorter only where the
 * copy stopped at an unmapped page.
 */
static unsigned int fetch_insn(u64 rip, u8 *buf)
{
	return X86_INSN_MAX - (unsigned int)copy_from_guest_left(buf, rip, X86_INSN_MAX);
}

#define EFL_CF 0x001UL
#define EFL_PF 0x004UL
#define EFL_ZF 0x040UL
#define EFL_SF 0x080UL
#define EFL_OF 0x800UL
#define EFL_ARITH (EFL_CF | EFL_PF | EFL_ZF | EFL_SF | EFL_OF)

/* Flags of a logical operation's @bits-wide result. */
static u64 logic_flags(u64 res, unsigned int bits)
{
	u64 f = 0;

	if (bits < 64)
		res &= (1UL << bits) - 1;
	if (!res)
		f |= EFL_ZF;
	if (res >> (bits - 1))
		f |= EFL_SF;
	if (!(__builtin_popcountl(res & 0xff) & 1))
		f |= EFL_PF;
	return f;
}

/* Apply @in to the @size bytes at byte @off of @old; the new entry, *flags as the CPU sets them. */
static pte_t apply_rmw(const struct pv_ptwr_insn *in, u64 src, pte_t old, unsigned int off,
		       u64 *flags)
{
	unsigned int shift = off * 8, bits = in->size * 8;
	u64 mask = in->size == 8 ? ~0UL : ((1UL << bits) - 1) << shift, bit;
	u64 opnd = (src << shift) & mask, res;

	switch (in->alu) {
	case PTWR_OR:
		res = old | opnd;
		break;
	case PTWR_AND:
		res = old & (opnd | ~mask);
		break;
	case PTWR_XOR:
		res = old ^ opnd;
		break;
	default: /* bit test and set/reset/complement: 64-bit operand only */
		bit = 1UL << (src & 63);
		*flags = (old & bit) ? EFL_CF : 0;
		return in->alu == PTWR_BTS   ? old | bit
		       : in->alu == PTWR_BTR ? old & ~bit
					     : old ^ bit;
	}
	*flags = logic_flags((res & mask) >> shift, bits);
	return res;
}

/*
 * Length of a plain store to memory (mov r/m from a register or an
 * immediate, any operand size), decoded by the shared decoder; -EINVAL
 * for anything else.
 */
int pv_store_insn_len(const u8 *b, unsigned int n)
{
	struct x86_insn in;

	if (x86_decode(b, n, &in) || in.mod == 3)
		return -EINVAL;
	switch (in.opcode) {
	case 0x88:
	case 0x89:
		return (int)in.len;
	case 0xc6:
	case 0xc7:
		return (in.reg & 7) == 0 ? (int)in.len : -EINVAL;
	default:
		return -EINVAL;
	}
}

/*
 * A store through read-only entry @e into a frame the MSI layer keeps
 * read-only: skipped, the device never sees it.
 */
static bool mmio_ro_write(struct cpu_regs *r, pte_t e)
{
	u8 insn[X86_INSN_MAX];
	int len;

	if (!current->domain->is_privileged || !pv_iomem_frame(pte_mfn(e)) ||
	    !msi_ro_frame(pte_mfn(e)))
		return false;
	len = pv_store_insn_len(insn, fetch_insn(r->rip, insn));
	if (len < 0)
		return false;
	r->rip += (unsigned int)len;
	return true;
}

bool pv_ro_page_fault(struct cpu_regs *r, u64 cr2)
{
	struct vcpu *v = current;
	unsigned int idx = (cr2 & (PAGE_SIZE - 1)) >> 3, map_idx;
	struct pv_ptwr_insn in;
	u8 insn[X86_INSN_MAX];
	u64 src, flags = 0;
	bool swapped;
	pte_t val, old, e;
	mfn_t l1, map_l1;

	if ((r->error_code & (PFEC_PRESENT | PFEC_WRITE | PFEC_RSVD | PFEC_INSN)) !=
	    (PFEC_PRESENT | PFEC_WRITE))
		return false;
	/* One walk of the tables serves both kinds of write completed here. */
	e = ro_entry(v, cr2, &map_l1, &map_idx);
	if (!e)
		return false;
	if (mmio_ro_write(r, e))
		return true;
	if (!v->arch.pv.in_kernel)
		return false;
	if (!(l1 = written_l1(v, e)) || pv_ptwr_decode(insn, fetch_insn(r->rip, insn), &in))
		return false;
	/* The write must fall inside one entry: 8-byte operands aligned. */
	if ((cr2 & 7) && in.size == 8)
		return false;
	src = in.reg < 0 ? in.imm : *reg_ptr(r, in.reg);
	if (in.op == PTWR_RMW) {
		old = ((pte_t *)pv_map_frame(l1))[idx];
		val = apply_rmw(&in, src, old, cr2 & 7, &flags);
		if (pv_ptwr_update(v->domain, l1, idx, PTWR_CMPXCHG, &val, old, &swapped) ||
		    !swapped)
			return false;
		r->rflags = (r->rflags & ~EFL_ARITH) | flags;
	} else {
		val = src;
		if (pv_ptwr_update(v->domain, l1, idx, in.op, &val, r->rax, &swapped))
			return false;
	}
	if (in.op == PTWR_XCHG) {
		*reg_ptr(r, in.reg) = val;
	} else if (in.op == PTWR_CMPXCHG) {
		r->rflags &= ~EFL_ZF;
		if (swapped)
			r->rflags |= EFL_ZF;
		else
			r->rax = val;
	}
	r->rip += in.len;
	return true;
}

#ifndef PV_MM_HOST_TEST
#include "asm.h"
#include "sched.h"

bool pv_iomem_permitted(const struct domain *d, mfn_t mfn)
{
	return iomem_access_permitted(d, mfn, mfn) && iomem_permitted(mfn);
}

const pte_t *pv_xen_l4(void)
{
	return idle_l4;
}

void pv_flush_tlb_local(void)
{
	if (pv_global_entries)
		flush_tlb_local();
	else
		write_cr3(read_cr3());
}

/*
 * This CPU by pv_flush_tlb_local (one CR3 reload while no guest has a
 * global entry), the others by IPI.
 */
void pv_flush_tlb_guest_cpus(void)
{
	pv_flush_tlb_local();
	flush_tlb_guest_others();
}

/* Its owner's CPUs and privileged domains' (their foreign mappings); any guest's if unowned. */
void pv_flush_tlb_frame_cpus(const struct page_info *pg)
{
	if (pg->owner)
		flush_tlb_domain_cpus(pg->owner->domain_id);
	else
		flush_tlb_guest_cpus();
}

void pv_flush_tlb_vcpus(const struct domain *d, unsigned long vcpus)
{
	unsigned int n = domain_vcpu_slots(d);
	u64 cpus = 0;

	if (!vcpus)
		return;
	for (unsigned int i = 0; i < n && (vcpus >> i); i++)
		if (((vcpus >> i) & 1) && d->vcpu[i])
			cpus |= 1ULL << d->vcpu[i]->processor;
	cpus &= ~(1ULL << smp_processor_id());
	/* A CPU that went idle or loaded another domain since holds none of @d's. */
	flush_tlb_cpus_holding(cpus, d->domain_id);
}

void pv_invlpg(unsigned long va)
{
	invlpg(va);
}

void pv_load_cr3(mfn_t l4)
{
	write_cr3(pv_shadow_root(l4) << PAGE_SHIFT);
}

mfn_t pv_current_root(void)
{
	return (read_cr3() & PTE_ADDR_MASK) >> PAGE_SHIFT;
}

mfn_t pv_alloc_shadow_frame(void)
{
	void *p = alloc_xenheap_pages(0);

	return p ? virt_to_maddr(p) >> PAGE_SHIFT : 0;
}

void pv_free_shadow_frame(mfn_t mfn)
{
	free_xenheap_pages(mfn_to_virt(mfn), 0);
}

void pv_reload_cr3s(struct domain *d)
{
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++) {
		struct vcpu *v = d->vcpu[i];

		if (!v)
			continue;
		if (v == current)
			pv_load_cr3(v->arch.pv.in_kernel || !v->arch.pv.guest_table_user
					? v->arch.pv.guest_table
					: v->arch.pv.guest_table_user);
		else if (v->processor != smp_processor_id())
			arch_forget_vcpu(v->processor, v); /* it may still hold v's tables */
	}
}

void pv_ldt_changed(struct vcpu *v)
{
	if (v != current)
		return; /* loaded when it is switched in */
	ldt_load(v->arch.pv.ldt_mfn, (v->arch.pv.ldt_ents * 8 + PAGE_SIZE - 1) >> PAGE_SHIFT,
		 v->arch.pv.ldt_ents);
}

void pv_wbinvd(void)
{
	__asm__ volatile("wbinvd" ::: "memory");
}
#endif
