/* SPDX-License-Identifier: MIT */
/*
 * A PV guest's start-of-day layout, as Xen's domain builder lays it out:
 * the kernel at its ELF place, then the p2m list, start_info, the xenstore
 * and console pages, the initial page tables and the boot stack, all in
 * one virtual mapping from VIRT_BASE that ends on a 4 MiB boundary at least
 * 512 KiB past the stack (pfn = (va - VIRT_BASE) / 4096).  And the page
 * tables themselves, built from a pfn -> mfn list.
 */
#ifndef PETREL_BUILDER_LAYOUT_H
#define PETREL_BUILDER_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#define PV_PAGE_SHIFT 12
#define PV_PAGE_SIZE (1ull << PV_PAGE_SHIFT)

/* Page-table entry bits the builder uses (x86-64). */
#define PV_PTE_PRESENT 0x001ull
#define PV_PTE_RW 0x002ull
#define PV_PTE_USER 0x004ull
#define PV_PTE_ACCESSED 0x020ull
#define PV_PTE_DIRTY 0x040ull
#define PV_PTE_ADDR 0x000ffffffffff000ull

struct pv_layout {
	uint64_t virt_base, nr_pages;
	uint64_t kernel_pfn, kernel_pages;   /* kernel_pfn is where virt_start falls */
	uint64_t ramdisk_pfn, ramdisk_pages; /* no ramdisk: 0 pages */
	int ramdisk_unmapped;		     /* after map_end, handed over by pfn */
	uint64_t p2m_pfn, p2m_pages;
	uint64_t start_info_pfn, xenstore_pfn, console_pfn;
	uint64_t pt_pfn, pt_pages; /* the L4, then the L3s, L2s and L1s */
	unsigned int nr_l3, nr_l2, nr_l1;
	uint64_t stack_pfn;
	uint64_t map_end; /* the initial mapping is [virt_base, map_end) */
};

/*
 * Plan the layout for a kernel loaded at [virt_start, virt_end) with
 * nr_pages of memory.  -ENOMEM (with a sentence in err) if it does not fit.
 */
int pv_layout_plan(uint64_t virt_base, uint64_t virt_start, uint64_t virt_end, uint64_t nr_pages,
		   struct pv_layout *out, char *err, size_t errlen);

/*
 * The same with a ramdisk of rd_pages pages.  A kernel that takes its
 * ramdisk by pfn (XEN_ELFNOTE_MOD_START_PFN, `unmapped`) gets it right after
 * the initial mapping, outside it; any other kernel gets it right after its
 * own image, inside the mapping, before the p2m list.
 */
int pv_layout_plan_ramdisk(uint64_t virt_base, uint64_t virt_start, uint64_t virt_end,
			   uint64_t nr_pages, uint64_t rd_pages, int unmapped,
			   struct pv_layout *out, char *err, size_t errlen);

static inline uint64_t pv_layout_va(const struct pv_layout *l, uint64_t pfn)
{
	return l->virt_base + (pfn << PV_PAGE_SHIFT);
}

/*
 * Fill the page-table pages (pt_pages * 4096 bytes at `tables`, in pfn
 * order from pt_pfn) so that every page of [virt_base, map_end) maps the
 * mfn p2m[pfn] gives it; the pages holding page tables are mapped read-only.
 */
void pv_layout_page_tables(const struct pv_layout *l, const uint64_t *p2m, uint64_t *tables);

#endif /* PETREL_BUILDER_LAYOUT_H */
