/* SPDX-License-Identifier: MIT */
/* The PV start-of-day layout and its initial page tables. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "layout.h"

#define MAP_PADDING (512ull << 10) /* mapped past the boot stack */
#define MAP_ALIGN (4ull << 20)
#define ENTRIES 512

static uint64_t pages_for(uint64_t bytes)
{
	return (bytes + PV_PAGE_SIZE - 1) >> PV_PAGE_SHIFT;
}

/* Tables of one level needed to cover [s, e): `shift` is what one table maps. */
static unsigned int tables_for(uint64_t s, uint64_t e, unsigned int shift)
{
	return (unsigned int)(((e - 1) >> shift) - (s >> shift) + 1);
}

static void count_tables(struct pv_layout *l, uint64_t end)
{
	l->nr_l3 = tables_for(l->virt_base, end, 39);
	l->nr_l2 = tables_for(l->virt_base, end, 30);
	l->nr_l1 = tables_for(l->virt_base, end, 21);
	l->pt_pages = 1 + l->nr_l3 + l->nr_l2 + l->nr_l1;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* The tables must map themselves, the stack after them and the padding. */
static void size_tables(struct pv_layout *l)
{
	uint64_t end;

	l->pt_pages = 1;
	for (;;) {
		end =
		    align_up(pv_layout_va(l, l->pt_pfn + l->pt_pages + 1) + MAP_PADDING, MAP_ALIGN);
		count_tables(l, end);
		if (pv_layout_va(l, l->pt_pfn + l->pt_pages + 1) + MAP_PADDING <= end)
			break;
	}
	l->map_end = end;
}

static int too_little(const struct pv_layout *l, uint64_t need, char *err, size_t errlen)
{
	snprintf(err, errlen,
		 "%llu MiB is too little: the kernel%s and its start-of-day pages need %llu MiB",
		 (unsigned long long)(l->nr_pages >> 8), l->ramdisk_pages ? ", the ramdisk" : "",
		 (unsigned long long)((need + 255) >> 8));
	return -ENOMEM;
}

int pv_layout_plan_ramdisk(uint64_t virt_base, uint64_t virt_start, uint64_t virt_end,
			   uint64_t nr_pages, uint64_t rd_pages, int unmapped, struct pv_layout *l,
			   char *err, size_t errlen)
{
	uint64_t next;

	memset(l, 0, sizeof(*l));
	if (virt_start < virt_base || virt_end < virt_start || virt_base % PV_PAGE_SIZE ||
	    (virt_end - virt_base) >> PV_PAGE_SHIFT >= nr_pages) {
		snprintf(err, errlen, "kernel range %#llx-%#llx does not fit %llu pages from %#llx",
			 (unsigned long long)virt_start, (unsigned long long)virt_end,
			 (unsigned long long)nr_pages, (unsigned long long)virt_base);
		return -ENOMEM;
	}
	l->virt_base = virt_base;
	l->nr_pages = nr_pages;
	l->kernel_pfn = (virt_start - virt_base) >> PV_PAGE_SHIFT;
	next = pages_for(virt_end - virt_base);
	l->kernel_pages = next - l->kernel_pfn;
	l->ramdisk_pages = rd_pages;
	l->ramdisk_unmapped = rd_pages && unmapped;
	if (rd_pages && !unmapped) {
		if (rd_pages >= nr_pages)
			return too_little(l, next + rd_pages, err, errlen);
		l->ramdisk_pfn = next;
		next += rd_pages;
	}
	l->p2m_pfn = next;
	l->p2m_pages = pages_for(nr_pages * sizeof(uint64_t));
	next += l->p2m_pages;
	l->start_info_pfn = next++;
	l->xenstore_pfn = next++;
	l->console_pfn = next++;
	l->pt_pfn = next;
	size_tables(l);
	l->stack_pfn = l->pt_pfn + l->pt_pages;
	next = (l->map_end - virt_base) >> PV_PAGE_SHIFT;
	if (l->ramdisk_unmapped) {
		l->ramdisk_pfn = next;
		next += rd_pages;
	}
	if (next > nr_pages)
		return too_little(l, next, err, errlen);
	return 0;
}

int pv_layout_plan(uint64_t virt_base, uint64_t virt_start, uint64_t virt_end, uint64_t nr_pages,
		   struct pv_layout *l, char *err, size_t errlen)
{
	return pv_layout_plan_ramdisk(virt_base, virt_start, virt_end, nr_pages, 0, 0, l, err,
				      errlen);
}

/* The page-table page (as an index into `tables`) at a level for va. */
static uint64_t *table(const struct pv_layout *l, uint64_t *tables, int level, uint64_t va)
{
	uint64_t idx = 0;

	if (level == 3)
		idx = 1 + ((va >> 39) - (l->virt_base >> 39));
	else if (level == 2)
		idx = 1 + l->nr_l3 + ((va >> 30) - (l->virt_base >> 30));
	else if (level == 1)
		idx = 1 + l->nr_l3 + l->nr_l2 + ((va >> 21) - (l->virt_base >> 21));
	return tables + idx * ENTRIES;
}

static uint64_t table_mfn(const struct pv_layout *l, const uint64_t *p2m, uint64_t *tables,
			  uint64_t *t)
{
	return p2m[l->pt_pfn + (uint64_t)(t - tables) / ENTRIES];
}

void pv_layout_page_tables(const struct pv_layout *l, const uint64_t *p2m, uint64_t *tables)
{
	const uint64_t upper =
	    PV_PTE_PRESENT | PV_PTE_RW | PV_PTE_ACCESSED | PV_PTE_DIRTY | PV_PTE_USER;
	uint64_t va, pfn, prot, *l4 = tables, *l3, *l2, *l1;

	memset(tables, 0, l->pt_pages * PV_PAGE_SIZE);
	for (va = l->virt_base; va < l->map_end; va += PV_PAGE_SIZE) {
		l3 = table(l, tables, 3, va);
		l2 = table(l, tables, 2, va);
		l1 = table(l, tables, 1, va);
		l4[(va >> 39) & 511] = (table_mfn(l, p2m, tables, l3) << PV_PAGE_SHIFT) | upper;
		l3[(va >> 30) & 511] = (table_mfn(l, p2m, tables, l2) << PV_PAGE_SHIFT) | upper;
		l2[(va >> 21) & 511] = (table_mfn(l, p2m, tables, l1) << PV_PAGE_SHIFT) | upper;
		pfn = (va - l->virt_base) >> PV_PAGE_SHIFT;
		prot = PV_PTE_PRESENT | PV_PTE_ACCESSED;
		/* a page table the guest could write would not validate */
		if (pfn < l->pt_pfn || pfn >= l->pt_pfn + l->pt_pages)
			prot |= PV_PTE_RW;
		l1[(va >> 12) & 511] = (p2m[pfn] << PV_PAGE_SHIFT) | prot;
	}
}
