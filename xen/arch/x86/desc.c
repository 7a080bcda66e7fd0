/* The GDT (with Xen's reserved selectors), the TSS and its IST stacks. */
#include "types.h"
#include "lib.h"
#include "desc.h"
#include "config.h"
#include "page.h"
#include "console.h"
#include "pv_desc.h"

/*
 * The GDT lives at GDT_VIRT_START: 14 pages for the guest's own GDT frames
 * (a zero page where it has none), then this page, whose entries are the
 * reserved selectors from 0xe000 on.
 */
u64 gdt_reserved[512] __aligned(4096);
static u64 gdt_zero_page[512] __aligned(4096);
struct tss64 tss __aligned(128);

static u8 ist_stacks[3][PAGE_SIZE * 2] __aligned(4096);

#define GDT_RSV(sel) gdt_reserved[((sel) - (FIRST_RESERVED_GDT_ENTRY << 3)) >> 3]
#define GDT_LIMIT ((GDT_GUEST_FRAMES + 1) * PAGE_SIZE - 1)

/* Point guest GDT page @i at @mfn, or at the zero page when @mfn is 0. */
void gdt_map_guest_frame(unsigned int i, mfn_t mfn)
{
	if (!mfn)
		mfn = virt_to_mfn(gdt_zero_page);
	if (map_xen_page(GDT_VIRT_START + i * PAGE_SIZE, mfn, _PAGE_PRESENT | _PAGE_RW | _PAGE_NX))
		panic("cannot map GDT frame %u", i);
}

static void gdt_map(void)
{
	for (unsigned int i = 0; i < GDT_GUEST_FRAMES; i++)
		gdt_map_guest_frame(i, 0);
	if (map_xen_page(GDT_VIRT_START + GDT_GUEST_FRAMES * PAGE_SIZE, virt_to_mfn(gdt_reserved),
			 _PAGE_PRESENT | _PAGE_RW | _PAGE_NX))
		panic("cannot map the GDT");
}

void desc_init(void)
{
	u64 base = (u64)&tss, limit = sizeof(tss) - 1;
	struct {
		u16 limit;
		u64 base;
	} __packed gdtr = { GDT_LIMIT, GDT_VIRT_START };

	GDT_RSV(__HYPERVISOR_CS) = 0x00af9b000000ffffUL; /* ring 0, 64-bit code */
	GDT_RSV(__HYPERVISOR_DS) = 0x00cf93000000ffffUL; /* ring 0 data */
	GDT_RSV(__HYPERVISOR_CS32) = 0x00cf9b000000ffffUL; /* ring 0, 32-bit code */
	GDT_RSV(FLAT_RING3_CS32) = 0x00cffb000000ffffUL; /* ring 3, 32-bit code */
	GDT_RSV(FLAT_RING3_DS32) = 0x00cff3000000ffffUL; /* ring 3 data */
	GDT_RSV(FLAT_RING3_CS64) = 0x00affb000000ffffUL; /* ring 3, 64-bit code */
	/* 64-bit available TSS, 16 bytes */
	GDT_RSV(TSS_SELECTOR) = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89UL << 40) |
				(((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	GDT_RSV(TSS_SELECTOR + 8) = base >> 32;
	gdt_map();

	for (int i = 0; i < 3; i++)
		tss.ist[i] = (u64)ist_stacks[i] + sizeof(ist_stacks[i]);
	tss.iomap_base = sizeof(tss); /* no I/O bitmap: ring 3 port access faults */

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
	u64 base = LDT_VIRT_START, limit = (u64)ents * 8 - 1;

	for (unsigned int i = 0; i < LDT_MAX_FRAMES; i++)
		map_xen_page(LDT_VIRT_START + i * PAGE_SIZE,
			     i < n ? mfns[i] : virt_to_mfn(gdt_zero_page),
			     _PAGE_PRESENT | _PAGE_NX | (i < n ? _PAGE_RW : 0));
	if (!ents) {
		__asm__ volatile("lldt %w0" : : "r"(0));
		return;
	}
	GDT_RSV(LDT_SELECTOR) = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x82UL << 40) |
				(((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	GDT_RSV(LDT_SELECTOR + 8) = base >> 32;
	__asm__ volatile("lldt %w0" : : "r"(LDT_SELECTOR) : "memory");
}

void set_tss_rsp0(u64 rsp0)
{
	tss.rsp0 = rsp0;
}
