/* The GDT (with Xen's reserved selectors), the TSS and its IST stacks. */
#include "types.h"
#include "lib.h"
#include "desc.h"
#include "config.h"
#include "page.h"
#include "console.h"
#include "pv_desc.h"
#include "smp.h"
#include "mm.h"
#include "errno.h"

/*
 * Each CPU has its own descriptor area in the per-domain slot
 * (desc_area_va): its GDT (14 pages for the guest's own GDT frames, a zero
 * page where it has none, then the CPU's reserved page, whose entries are
 * the reserved selectors from 0xe000 on) and, after it, the LDT pages. CPU
 * 0's reserved page is static; the others' come from the heap at bring-up.
 */
static u64 gdt_reserved_cpu0[512] __aligned(4096);
static DEFINE_PER_CPU(u64 *, gdt_reserved);
DEFINE_PER_CPU(struct tss64, tss);
static u64 gdt_zero_page[512] __aligned(4096);

#define GDT_RSV(cpu, sel) per_cpu(gdt_reserved, cpu)[((sel) - (FIRST_RESERVED_GDT_ENTRY << 3)) >> 3]
#define GDT_LIMIT ((GDT_GUEST_FRAMES + 1) * PAGE_SIZE - 1)

static unsigned long gdt_va(unsigned int cpu)
{
	return GDT_VIRT_START + cpu * DESC_AREA_SIZE;
}

static unsigned long ldt_va(unsigned int cpu)
{
	return LDT_VIRT_START + cpu * DESC_AREA_SIZE;
}

/*
 * The entries this CPU last wrote for its guest GDT and LDT pages (0: not
 * known yet). Only map_desc_page() writes those entries after bring-up, so
 * an entry equal to the one wanted is left alone: a context switch between
 * vCPUs with the same descriptor frames (or none) maps nothing.
 */
struct desc_ptes {
	u64 gdt[GDT_GUEST_FRAMES];
	u64 ldt[LDT_MAX_FRAMES];
};
static DEFINE_PER_CPU(struct desc_ptes, desc_ptes);

static int map_desc_page(u64 *known, unsigned long va, mfn_t mfn, u64 flags)
{
	u64 want = (mfn << PAGE_SHIFT) | flags;
	int rc;

	if (*known == want)
		return 0;
	rc = map_xen_page(va, mfn, flags);
	*known = rc ? 0 : want;
	return rc;
}

/* Point this CPU's guest GDT page @i at @mfn, or at the zero page when @mfn is 0. */
void gdt_map_guest_frame(unsigned int i, mfn_t mfn)
{
	unsigned int cpu = smp_processor_id();

	if (!mfn)
		mfn = virt_to_mfn(gdt_zero_page);
	if (map_desc_page(&per_cpu(desc_ptes, cpu).gdt[i], gdt_va(cpu) + i * PAGE_SIZE, mfn,
			  _PAGE_PRESENT | _PAGE_RW | _PAGE_NX))
		panic("cannot map GDT frame %u", i);
}

static int gdt_map(unsigned int cpu)
{
	int rc = 0;

	memset(&per_cpu(desc_ptes, cpu), 0, sizeof(struct desc_ptes)); /* written directly here */
	for (unsigned int i = 0; i < GDT_GUEST_FRAMES && !rc; i++)
		rc = map_xen_page(gdt_va(cpu) + i * PAGE_SIZE, virt_to_mfn(gdt_zero_page),
				  _PAGE_PRESENT | _PAGE_RW | _PAGE_NX);
	if (!rc)
		rc = map_xen_page(gdt_va(cpu) + GDT_GUEST_FRAMES * PAGE_SIZE,
				  virt_to_mfn(per_cpu(gdt_reserved, cpu)),
				  _PAGE_PRESENT | _PAGE_RW | _PAGE_NX);
	return rc;
}

static void gdt_fill(unsigned int cpu)
{
	u64 base = (u64)&per_cpu(tss, cpu), limit = sizeof(struct tss64) - 1;

	GDT_RSV(cpu, __HYPERVISOR_CS) = 0x00af9b000000ffffUL;	/* ring 0, 64-bit code */
	GDT_RSV(cpu, __HYPERVISOR_DS) = 0x00cf93000000ffffUL;	/* ring 0 data */
	GDT_RSV(cpu, __HYPERVISOR_CS32) = 0x00cf9b000000ffffUL; /* ring 0, 32-bit code */
	GDT_RSV(cpu, FLAT_RING3_CS32) = 0x00cffb000000ffffUL;	/* ring 3, 32-bit code */
	GDT_RSV(cpu, FLAT_RING3_DS32) = 0x00cff3000000ffffUL;	/* ring 3 data */
	GDT_RSV(cpu, FLAT_RING3_CS64) = 0x00affb000000ffffUL;	/* ring 3, 64-bit code */
	/* 64-bit available TSS, 16 bytes */
	GDT_RSV(cpu, TSS_SELECTOR) = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89UL << 40) |
				     (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	GDT_RSV(cpu, TSS_SELECTOR + 8) = base >> 32;
}

/*
 * Prepare @cpu's GDT, TSS and IST stacks (@stack is its stack block). Runs
 * on CPU 0 for every CPU, before that CPU starts. Returns 0 or -ENOMEM.
 */
int desc_prepare_cpu(unsigned int cpu, void *stack)
{
	struct tss64 *t = &per_cpu(tss, cpu);

	if (!cpu) {
		per_cpu(gdt_reserved, cpu) = gdt_reserved_cpu0;
	} else if (!per_cpu(gdt_reserved, cpu)) {
		per_cpu(gdt_reserved, cpu) = alloc_xenheap_pages(0);
		if (!per_cpu(gdt_reserved, cpu))
			return -ENOMEM;
	}
	memset(per_cpu(gdt_reserved, cpu), 0, PAGE_SIZE);
	gdt_fill(cpu);
	memset(t, 0, sizeof(*t));
	for (int i = 0; i < 3; i++)
		t->ist[i] = (u64)stack + (i + 1) * IST_STACK_SIZE;
	t->rsp0 = (u64)stack_block_cpu_info(stack);
	t->iomap_base = sizeof(*t); /* no I/O bitmap: ring 3 port access faults */
	return gdt_map(cpu) ? -ENOMEM : 0;
}

/* Load this CPU's GDT, segment registers and task register. */
void desc_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed gdtr = { GDT_LIMIT, gdt_va(smp_processor_id()) };

	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %2, %%eax\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs\n\t"
			 "ltr %w3"
			 :
			 : "m"(gdtr), "i"(__HYPERVISOR_CS), "i"(__HYPERVISOR_DS), "r"(TSS_SELECTOR)
			 : "rax", "memory");
}

/*
 * The guest's LDT is mapped (writable for the CPU, which sets descriptors'
 * accessed bits; the frames are typed seg_desc, so no guest mapping of them
 * is writable) and described by Petrel's LDT selector.
 */
void ldt_load(const u64 *mfns, unsigned int n, unsigned int ents)
{
	unsigned int cpu = smp_processor_id();
	u64 base = ldt_va(cpu), limit = (u64)ents * 8 - 1;

	for (unsigned int i = 0; i < LDT_MAX_FRAMES; i++)
		map_desc_page(&per_cpu(desc_ptes, cpu).ldt[i], base + i * PAGE_SIZE,
			      i < n ? mfns[i] : virt_to_mfn(gdt_zero_page),
			      _PAGE_PRESENT | _PAGE_NX | (i < n ? _PAGE_RW : 0));
	if (!ents) {
		__asm__ volatile("lldt %w0" : : "r"(0));
		return;
	}
	GDT_RSV(cpu, LDT_SELECTOR) = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x82UL << 40) |
				     (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	GDT_RSV(cpu, LDT_SELECTOR + 8) = base >> 32;
	__asm__ volatile("lldt %w0" : : "r"(LDT_SELECTOR) : "memory");
}
