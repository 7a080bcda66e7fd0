/*
 * The page tables petrel.efi hands to the core: identity [0, 4 GiB) with
 * 2 MiB pages, plus the image at XEN_VIRT_START. Pure code.
 *
 * Layout of the @pt pages: [0] L4, [1] L3 for the low 512 GiB, [2..5] L2
 * for each GiB of the identity map, [6] L3 for the image's L4 slot,
 * [7..] L2 for each GiB of the image.
 */
#include "efi_helpers.h"
#include "config.h"

#define PTE_P 0x001UL
#define PTE_RW 0x002UL
#define PTE_PS 0x080UL
#define PTE_TABLE (PTE_P | PTE_RW)
#define PTE_2M (PTE_P | PTE_RW | PTE_PS)
#define SZ_2M (1UL << 21)
#define SZ_1G (1UL << 30)
#define ENTRIES 512

#define L4_IDX(va) (((va) >> 39) & 511)
#define L3_IDX(va) (((va) >> 30) & 511)
#define L2_IDX(va) (((va) >> 21) & 511)

static u64 page_phys(u64 pt_phys, size_t i)
{
	return pt_phys + i * PAGE_SIZE;
}

u64 pt_build(u64 *pt, u64 pt_phys, size_t nr_pages, u64 phys_base, u64 mem_size)
{
	u64 *l4 = pt, *l3lo = pt + ENTRIES, *l3hi = pt + 6 * ENTRIES, size;
	size_t i, g, img_gib;

	if (!pt || (pt_phys & (PAGE_SIZE - 1)) || (phys_base & (SZ_2M - 1)) || !mem_size)
		return 0;
	size = ALIGN_UP(mem_size, SZ_2M);
	/* The image must fit the L3 slots below the next L4 slot's start. */
	if (L3_IDX(XEN_VIRT_START) != 0 || size > 512 * SZ_1G || nr_pages < PT_PAGES(size))
		return 0;
	img_gib = (size + SZ_1G - 1) / SZ_1G;
	for (i = 0; i < PT_PAGES(size) * ENTRIES; i++)
		pt[i] = 0;

	l4[0] = page_phys(pt_phys, 1) | PTE_TABLE;
	for (g = 0; g < PT_IDENT_GIB; g++) {
		u64 *l2 = pt + (2 + g) * ENTRIES;

		l3lo[g] = page_phys(pt_phys, 2 + g) | PTE_TABLE;
		for (i = 0; i < ENTRIES; i++)
			l2[i] = (g * SZ_1G + i * SZ_2M) | PTE_2M;
	}

	l4[L4_IDX(XEN_VIRT_START)] = page_phys(pt_phys, 6) | PTE_TABLE;
	for (g = 0; g < img_gib; g++) {
		u64 *l2 = pt + (7 + g) * ENTRIES;

		l3hi[g] = page_phys(pt_phys, 7 + g) | PTE_TABLE;
		for (i = 0; i < ENTRIES && g * SZ_1G + i * SZ_2M < size; i++)
			l2[i] = (phys_base + g * SZ_1G + i * SZ_2M) | PTE_2M;
	}
	return pt_phys;
}
