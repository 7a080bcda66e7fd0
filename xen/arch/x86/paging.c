/*
 * The hypervisor's page tables (idle_l4): the image in slot 260 and the
 * direct map of machine memory in slot 262, then anything mapped later with
 * map_xen_page (the M2P table in slots 256/257, per-domain areas).
 */
#include "types.h"
#include "lib.h"
#include "asm.h"
#include "page.h"
#include "mm.h"
#include "boot_info.h"
#include "memmap.h"
#include "console.h"
#include "errno.h"

extern char __image_start[], __mem_end[];

pte_t idle_l4[PT_ENTRIES] __aligned(4096);
u64 xen_phys_base;

/* Page-table pages for the direct map and early mappings. */
#define BOOT_PT_POOL 48
static pte_t boot_pt_pool[BOOT_PT_POOL][PT_ENTRIES] __aligned(4096);
static unsigned int boot_pt_used;
static bool allocator_ready;

#define PT_FLAGS (_PAGE_PRESENT | _PAGE_RW)

pte_t *alloc_pt_page(void)
{
	pte_t *pt;

	if (allocator_ready) {
		struct page_info *pg = alloc_zeroed_pages(0);

		if (!pg)
			return NULL;
		pg->flags |= PGC_xen_heap;
		return mfn_to_virt(page_to_mfn(pg));
	}
	if (boot_pt_used == BOOT_PT_POOL)
		return NULL;
	pt = boot_pt_pool[boot_pt_used++];
	memset(pt, 0, PAGE_SIZE);
	return pt;
}

void paging_allocator_ready(void)
{
	allocator_ready = true;
}

/* The table that entry @idx of @table points to, created if missing. */
static pte_t *next_level(pte_t *table, unsigned int idx, u64 flags)
{
	pte_t *pt;

	if (table[idx] & _PAGE_PRESENT) {
		table[idx] |= flags & _PAGE_USER;
		return maddr_to_virt(table[idx] & PTE_ADDR_MASK);
	}
	pt = alloc_pt_page();
	if (!pt)
		return NULL;
	table[idx] = virt_to_maddr(pt) | PT_FLAGS | (flags & _PAGE_USER);
	return pt;
}

int map_xen_page(unsigned long va, mfn_t mfn, u64 flags)
{
	pte_t *l3, *l2, *l1;

	l3 = next_level(idle_l4, l4_index(va), flags);
	l2 = l3 ? next_level(l3, l3_index(va), flags) : NULL;
	l1 = l2 ? next_level(l2, l2_index(va), flags) : NULL;
	if (!l1)
		return -ENOMEM;
	l1[l1_index(va)] = pte_from_mfn(mfn, flags);
	invlpg(va);
	return 0;
}

static bool range_is_ram(const struct boot_info *bi, u64 start, u64 end)
{
	for (u32 i = 0; i < bi->nr_mem; i++) {
		const struct bi_mem *m = &bi->mem[i];

		if (m->type == E820_RAM && m->addr < end && m->addr + m->len > start)
			return true;
	}
	return false;
}

static void map_image(void)
{
	u64 size = ALIGN_UP((u64)(__mem_end - __image_start), 1UL << L2_SHIFT);
	pte_t *l3 = alloc_pt_page(), *l2 = alloc_pt_page();

	idle_l4[l4_index(XEN_VIRT_START)] = virt_to_maddr(l3) | PT_FLAGS;
	l3[0] = virt_to_maddr(l2) | PT_FLAGS;
	for (u64 off = 0; off < size; off += 1UL << L2_SHIFT)
		l2[off >> L2_SHIFT] = (xen_phys_base + off) | PT_FLAGS | _PAGE_PSE | _PAGE_GLOBAL;
}

static bool range_all_ram(const struct boot_info *bi, u64 start, u64 end)
{
	for (u32 i = 0; i < bi->nr_mem; i++) {
		const struct bi_mem *m = &bi->mem[i];

		if (m->type == E820_RAM && m->addr <= start && m->addr + m->len >= end)
			return true;
	}
	return false;
}

static bool cpu_has_1g_pages(void)
{
	u32 a, b, c, d;

	cpuid_count(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000001)
		return false;
	cpuid_count(0x80000001, 0, &a, &b, &c, &d);
	return d & (1u << 26);
}

/* One GiB of the direct map with 2 MiB pages: write-back where there is RAM. */
static void map_direct_2m(const struct boot_info *bi, pte_t *l3, u64 gib)
{
	pte_t *l2 = alloc_pt_page();

	if (!l2)
		panic("paging: out of boot page-table pages for the direct map");
	l3[gib >> L3_SHIFT] = virt_to_maddr(l2) | PT_FLAGS;
	for (u64 pa = gib; pa < gib + (1UL << L3_SHIFT); pa += 1UL << L2_SHIFT) {
		u64 flags = PT_FLAGS | _PAGE_PSE | _PAGE_NX | _PAGE_GLOBAL;

		if (!range_is_ram(bi, pa, pa + (1UL << L2_SHIFT)))
			flags |= _PAGE_PCD | _PAGE_PWT;
		l2[l2_index(pa)] = pa | flags;
	}
}

/*
 * The direct map of [0, top): a GiB that is all RAM, or holds none, is one
 * 1 GiB page when the CPU has them (write-back or uncached); a mixed GiB
 * (holes, MMIO) gets 2 MiB pages. So the boot pool covers any machine size.
 */
static void map_direct(const struct boot_info *bi, u64 top)
{
	pte_t *l3 = alloc_pt_page();
	bool big = cpu_has_1g_pages();

	idle_l4[l4_index(DIRECTMAP_VIRT_START)] = virt_to_maddr(l3) | PT_FLAGS;
	for (u64 gib = 0; gib < top; gib += 1UL << L3_SHIFT) {
		u64 end = gib + (1UL << L3_SHIFT), flags = PT_FLAGS | _PAGE_PSE | _PAGE_NX | _PAGE_GLOBAL;

		if (big && range_all_ram(bi, gib, end))
			l3[gib >> L3_SHIFT] = gib | flags;
		else if (big && !range_is_ram(bi, gib, end))
			l3[gib >> L3_SHIFT] = gib | flags | _PAGE_PCD | _PAGE_PWT;
		else
			map_direct_2m(bi, l3, gib);
	}
}

void paging_init(const struct boot_info *bi)
{
	u64 top = ALIGN_UP(MAX(memmap_ram_top(bi->mem, bi->nr_mem), 1UL << 32), 1UL << L3_SHIFT);

	if (top > DIRECTMAP_SIZE)
		top = DIRECTMAP_SIZE;
	map_image();
	map_direct(bi, top);
	write_cr4(read_cr4() | X86_CR4_PGE);
	write_cr3(virt_to_maddr(idle_l4));
}
