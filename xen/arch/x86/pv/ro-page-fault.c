/*
 * Writable page-table assist. With VMASST_TYPE_writable_pagetables on, a
 * guest kernel may write its page-table entries with ordinary instructions
 * although every mapping of a page table is read-only: the write faults,
 * and if it is an 8-byte store into a validated L1 of the guest's own, the
 * instruction is decoded, the new entry validated exactly as mmu_update
 * would, written, and the guest resumes after the instruction. Anything
 * else (an entry the rules refuse, an instruction we do not decode) goes
 * back to the guest as the #PF it was.
 *
 * Also here: the hooks pv/mm.c needs from the running hypervisor.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "page.h"
#include "mm.h"
#include "domain.h"
#include "uaccess.h"
#include "pv_mm.h"
#include "public/xen.h"

#define PFEC_PRESENT 0x01
#define PFEC_WRITE 0x02
#define PFEC_RSVD 0x08
#define PFEC_INSN 0x10
#define INSN_MAX 15

static bool is_legacy_prefix(u8 c)
{
	return c == 0xf0 || c == 0x2e || c == 0x36 || c == 0x3e || c == 0x26 || c == 0x64 ||
	       c == 0x65;
}

/* Bytes of SIB and displacement after a memory ModRM byte at b[0]. */
static int modrm_tail(const u8 *b, unsigned int avail)
{
	unsigned int mod = b[0] >> 6, rm = b[0] & 7, tail = 0;

	if (mod == 3)
		return -EINVAL; /* register operand: no memory write */
	if (rm == 4) {
		if (avail < 2)
			return -EINVAL;
		tail = 1;
		if (mod == 0 && (b[1] & 7) == 5)
			tail += 4;
	} else if (mod == 0 && rm == 5) {
		tail = 4; /* rip-relative */
	}
	if (mod == 1)
		tail += 1;
	else if (mod == 2)
		tail += 4;
	return (int)tail;
}

int pv_ptwr_decode(const u8 *b, unsigned int n, struct pv_ptwr_insn *out)
{
	unsigned int i = 0, rex = 0, imm = 0;
	int tail;

	if (n > INSN_MAX)
		n = INSN_MAX;
	while (i < n && i < 4 && is_legacy_prefix(b[i]))
		i++;
	if (i < n && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (!(rex & 8) || i >= n)
		return -EINVAL; /* only 8-byte operands (REX.W) */
	switch (b[i]) {
	case 0x89:
		out->op = PTWR_WRITE;
		break;
	case 0xc7:
		out->op = PTWR_WRITE;
		imm = 4;
		break;
	case 0x87:
		out->op = PTWR_XCHG;
		break;
	case 0x0f:
		if (i + 1 >= n || b[i + 1] != 0xb1)
			return -EINVAL;
		out->op = PTWR_CMPXCHG;
		i++;
		break;
	default:
		return -EINVAL;
	}
	if (++i >= n)
		return -EINVAL;
	tail = modrm_tail(&b[i], n - i);
	if (tail < 0 || (imm && ((b[i] >> 3) & 7)))
		return -EINVAL; /* C7 is a mov only with /0 */
	out->reg = imm ? -1 : (int)(((b[i] >> 3) & 7) | ((rex & 4) << 1));
	i += 1 + (unsigned int)tail;
	if (i + imm > n)
		return -EINVAL;
	out->imm = 0;
	if (imm)
		out->imm = (u64)(s64)(s32)((u32)b[i] | (u32)b[i + 1] << 8 | (u32)b[i + 2] << 16 |
					   (u32)b[i + 3] << 24);
	out->len = i + imm;
	return 0;
}

static u64 *reg_ptr(struct cpu_regs *r, int reg)
{
	u64 *const regs[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
				&r->rsi, &r->rdi, &r->r8,  &r->r9,  &r->r10, &r->r11,
				&r->r12, &r->r13, &r->r14, &r->r15 };

	return regs[reg & 15];
}

/* The validated L1 of @d that the read-only mapping of @va shows, or 0. */
static mfn_t written_l1(struct vcpu *v, u64 va)
{
	struct page_info *pg;
	unsigned int idx;
	mfn_t l1, target;
	pte_t e;

	if (pv_find_l1e(v, va, &l1, &idx))
		return 0;
	e = ((pte_t *)pv_map_frame(l1))[idx];
	if (!(e & _PAGE_PRESENT) || (e & _PAGE_RW))
		return 0;
	target = pte_mfn(e);
	if (target >= max_page)
		return 0;
	pg = &frame_table[target];
	if (pg->owner != v->domain || pg->type != PGT_l1_page_table || !pg->type_count ||
	    !(pg->flags & PGC_validated))
		return 0;
	return target;
}

static unsigned int fetch_insn(u64 rip, u8 *buf)
{
	unsigned int n;

	for (n = 0; n < INSN_MAX; n++)
		if (copy_from_guest(&buf[n], rip + n, 1))
			break;
	return n;
}

bool pv_ro_page_fault(struct cpu_regs *r, u64 cr2)
{
	struct vcpu *v = current;
	struct pv_ptwr_insn in;
	u8 insn[INSN_MAX];
	bool swapped;
	mfn_t l1;
	pte_t val;

	if (!(v->domain->vm_assist & (1UL << VMASST_TYPE_writable_pagetables)) || !v->in_kernel)
		return false;
	if ((r->error_code & (PFEC_PRESENT | PFEC_WRITE | PFEC_RSVD | PFEC_INSN)) !=
	    (PFEC_PRESENT | PFEC_WRITE))
		return false;
	if ((cr2 & 7) || !(l1 = written_l1(v, cr2)))
		return false;
	if (pv_ptwr_decode(insn, fetch_insn(r->rip, insn), &in))
		return false;
	val = in.reg < 0 ? in.imm : *reg_ptr(r, in.reg);
	if (pv_ptwr_update(v->domain, l1, (cr2 & (PAGE_SIZE - 1)) >> 3, in.op, &val, r->rax,
			   &swapped))
		return false;
	if (in.op == PTWR_XCHG) {
		*reg_ptr(r, in.reg) = val;
	} else if (in.op == PTWR_CMPXCHG) {
		r->rflags &= ~0x40UL; /* ZF */
		if (swapped)
			r->rflags |= 0x40UL;
		else
			r->rax = val;
	}
	r->rip += in.len;
	return true;
}

#ifndef PV_MM_HOST_TEST
#include "asm.h"

void *pv_map_frame(mfn_t mfn)
{
	return mfn_to_virt(mfn);
}

/* Above the RAM the frame table covers, or the unowned first MiB (BIOS, VGA). */
bool pv_iomem_frame(mfn_t mfn)
{
	return mfn >= max_page || (mfn < 0x100 && !frame_table[mfn].owner);
}

const pte_t *pv_xen_l4(void)
{
	return idle_l4;
}

void pv_flush_tlb_local(void)
{
	u64 cr4 = read_cr4();

	if (cr4 & X86_CR4_PGE) {
		write_cr4(cr4 & ~X86_CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}

void pv_invlpg(unsigned long va)
{
	invlpg(va);
}

void pv_load_cr3(mfn_t l4)
{
	write_cr3(l4 << PAGE_SHIFT);
}

void pv_wbinvd(void)
{
	__asm__ volatile("wbinvd" ::: "memory");
}
#endif
