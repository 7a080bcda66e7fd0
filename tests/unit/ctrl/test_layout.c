/* SPDX-License-Identifier: MIT */
/*
 * The PV builder's start-of-day layout and page tables: the places of each
 * piece for a small guest and a Linux-sized one, too little memory refused,
 * and a software walk of the built tables for every page of the mapping
 * (the right mfn, page tables read-only, nothing mapped past the end), also
 * across 1 GiB and 512 GiB boundaries.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "layout.h"

#define VBASE 0xffffffff80000000ull
#define MFN(pfn) ((pfn)*3 + 0x1000)

static char err[256];

static uint64_t *fake_p2m(uint64_t n)
{
	uint64_t *p2m = malloc(n * sizeof(*p2m));

	for (uint64_t i = 0; i < n; i++)
		p2m[i] = MFN(i);
	return p2m;
}

/* The page-table page an entry points at, found back through the fake p2m. */
static const uint64_t *follow(const struct pv_layout *l, const uint64_t *tables, uint64_t pte)
{
	uint64_t mfn = (pte & PV_PTE_ADDR) >> PV_PAGE_SHIFT, pfn = (mfn - 0x1000) / 3;

	assert_true(pte & PV_PTE_PRESENT);
	assert_true(pte & PV_PTE_RW);
	assert_true(pte & PV_PTE_USER);
	assert_true(pfn >= l->pt_pfn && pfn < l->pt_pfn + l->pt_pages);
	return tables + (pfn - l->pt_pfn) * 512;
}

/* The L1 entry for va, or 0 where an upper level has no entry. */
static uint64_t walk(const struct pv_layout *l, const uint64_t *tables, uint64_t va)
{
	const uint64_t *t = tables;

	for (int shift = 39; shift >= 21; shift -= 9) {
		uint64_t e = t[(va >> shift) & 511];

		if (!(e & PV_PTE_PRESENT))
			return 0;
		t = follow(l, tables, e);
	}
	return t[(va >> 12) & 511];
}

static void check_tables(const struct pv_layout *l)
{
	uint64_t *p2m = fake_p2m(l->nr_pages), *tables = calloc(l->pt_pages, PV_PAGE_SIZE);
	uint64_t pfn, e;

	pv_layout_page_tables(l, p2m, tables);
	for (uint64_t va = l->virt_base; va < l->map_end; va += PV_PAGE_SIZE) {
		pfn = (va - l->virt_base) >> PV_PAGE_SHIFT;
		e = walk(l, tables, va);
		assert_int_equal((e & PV_PTE_ADDR) >> PV_PAGE_SHIFT, MFN(pfn));
		assert_true(e & PV_PTE_PRESENT);
		assert_int_equal(!!(e & PV_PTE_RW),
				 pfn < l->pt_pfn || pfn >= l->pt_pfn + l->pt_pages);
	}
	/* the page after the mapping is not mapped (its L1 may exist, empty) */
	assert_int_equal(walk(l, tables, l->map_end) & PV_PTE_PRESENT, 0);
	free(tables);
	free(p2m);
}

static void check_order(const struct pv_layout *l)
{
	uint64_t mapped_rd = l->ramdisk_unmapped ? 0 : l->ramdisk_pages;

	if (mapped_rd)
		assert_int_equal(l->ramdisk_pfn, l->kernel_pfn + l->kernel_pages);
	if (l->ramdisk_unmapped)
		assert_int_equal(l->ramdisk_pfn, (l->map_end - l->virt_base) >> PV_PAGE_SHIFT);
	assert_true(l->ramdisk_pfn + l->ramdisk_pages <= l->nr_pages);
	assert_int_equal(l->p2m_pfn, l->kernel_pfn + l->kernel_pages + mapped_rd);
	assert_int_equal(l->p2m_pages, (l->nr_pages * 8 + 4095) / 4096);
	assert_int_equal(l->start_info_pfn, l->p2m_pfn + l->p2m_pages);
	assert_int_equal(l->xenstore_pfn, l->start_info_pfn + 1);
	assert_int_equal(l->console_pfn, l->xenstore_pfn + 1);
	assert_int_equal(l->pt_pfn, l->console_pfn + 1);
	assert_int_equal(l->pt_pages, 1 + l->nr_l3 + l->nr_l2 + l->nr_l1);
	assert_int_equal(l->stack_pfn, l->pt_pfn + l->pt_pages);
	assert_int_equal(l->map_end % (4 << 20), 0);
	assert_true(l->map_end >= pv_layout_va(l, l->stack_pfn + 1) + (512 << 10));
	assert_true(l->map_end < pv_layout_va(l, l->stack_pfn + 1) + (512 << 10) + (4 << 20));
	assert_true((l->map_end - l->virt_base) / PV_PAGE_SIZE <= l->nr_pages);
}

static void test_small_guest(void **state)
{
	struct pv_layout l;

	(void)state;
	/* hello.elf's range in a 32 MiB guest */
	assert_int_equal(
	    pv_layout_plan(VBASE, VBASE + 0x1000, VBASE + 0xd258, 8192, &l, err, sizeof(err)), 0);
	assert_int_equal(l.kernel_pfn, 1);
	assert_int_equal(l.kernel_pages, 13);
	assert_int_equal(l.p2m_pfn, 14);
	assert_int_equal(l.p2m_pages, 16);
	assert_int_equal(l.start_info_pfn, 30);
	assert_int_equal(l.pt_pfn, 33);
	assert_int_equal(l.nr_l3, 1);
	assert_int_equal(l.nr_l2, 1);
	assert_int_equal(l.nr_l1, 2);
	assert_int_equal(l.stack_pfn, 38);
	assert_int_equal(l.map_end, VBASE + (4 << 20));
	check_order(&l);
	check_tables(&l);
}

static void test_linux_sized(void **state)
{
	struct pv_layout l;

	(void)state;
	/* Debian 6.1's range in 512 MiB: 1 MiB of p2m after 74 MiB of kernel */
	assert_int_equal(pv_layout_plan(VBASE, VBASE + 0x1000000, VBASE + 0x4a00000, 131072, &l,
					err, sizeof(err)),
			 0);
	assert_int_equal(l.kernel_pfn, 0x1000);
	assert_int_equal(l.p2m_pages, 256);
	assert_int_equal(l.nr_l1, (unsigned int)((l.map_end - VBASE) >> 21));
	check_order(&l);
	check_tables(&l);
}

static void test_boundaries(void **state)
{
	struct pv_layout l;
	uint64_t gib_edge = 0xffffffffc0000000ull - (2 << 20);
	uint64_t l4_edge = 0xffffff8000000000ull - (2 << 20);

	(void)state;
	/* the mapping crosses a 1 GiB boundary: two L2 tables */
	assert_int_equal(
	    pv_layout_plan(gib_edge, gib_edge, gib_edge + 0x180000, 8192, &l, err, sizeof(err)), 0);
	assert_int_equal(l.nr_l2, 2);
	check_order(&l);
	check_tables(&l);
	/* and a 512 GiB one: two L3 tables, two L4 entries */
	assert_int_equal(
	    pv_layout_plan(l4_edge, l4_edge, l4_edge + 0x180000, 8192, &l, err, sizeof(err)), 0);
	assert_int_equal(l.nr_l3, 2);
	check_order(&l);
	check_tables(&l);
}

static void test_too_small(void **state)
{
	struct pv_layout l;

	(void)state;
	/* Linux's 74 MiB kernel in 16 MiB */
	assert_int_equal(
	    pv_layout_plan(VBASE, VBASE + 0x1000000, VBASE + 0x4a00000, 4096, &l, err, sizeof(err)),
	    -ENOMEM);
	assert_non_null(strstr(err, "does not fit 4096 pages"));
	/* a tiny kernel fits, its 4 MiB mapping does not fit 3 MiB */
	assert_int_equal(
	    pv_layout_plan(VBASE, VBASE + 0x1000, VBASE + 0xd258, 768, &l, err, sizeof(err)),
	    -ENOMEM);
	assert_string_equal(err, "3 MiB is too little: the kernel and its start-of-day pages "
				 "need 4 MiB");
	/* a kernel below VIRT_BASE */
	assert_int_equal(
	    pv_layout_plan(VBASE, VBASE - 4096, VBASE + 0xd258, 8192, &l, err, sizeof(err)),
	    -ENOMEM);
}

static void test_ramdisk(void **state)
{
	struct pv_layout l, plain;

	(void)state;
	/* Debian 6.1 in 128 MiB with a 9 MiB ramdisk it takes by pfn (MOD_START_PFN) */
	assert_int_equal(pv_layout_plan(VBASE, VBASE + 0x1000000, VBASE + 0x4a00000, 32768, &plain,
					err, sizeof(err)),
			 0);
	assert_int_equal(pv_layout_plan_ramdisk(VBASE, VBASE + 0x1000000, VBASE + 0x4a00000, 32768,
						2304, 1, &l, err, sizeof(err)),
			 0);
	assert_true(l.ramdisk_unmapped);
	assert_int_equal(l.map_end, plain.map_end);
	assert_int_equal(l.p2m_pfn, plain.p2m_pfn);
	assert_int_equal(l.ramdisk_pfn, (plain.map_end - VBASE) >> PV_PAGE_SHIFT);
	check_order(&l);
	check_tables(&l);
	/* the same ramdisk inside the mapping: right after the kernel, the rest moves up */
	assert_int_equal(pv_layout_plan_ramdisk(VBASE, VBASE + 0x1000000, VBASE + 0x4a00000, 32768,
						2304, 0, &l, err, sizeof(err)),
			 0);
	assert_false(l.ramdisk_unmapped);
	assert_int_equal(l.ramdisk_pfn, 0x4a00);
	assert_int_equal(l.p2m_pfn, 0x4a00 + 2304);
	assert_int_equal(l.start_info_pfn, plain.start_info_pfn + 2304);
	check_order(&l);
	check_tables(&l);
	/* hello in 32 MiB with a 100-page ramdisk, mapped */
	assert_int_equal(pv_layout_plan_ramdisk(VBASE, VBASE + 0x1000, VBASE + 0xd258, 8192, 100, 0,
						&l, err, sizeof(err)),
			 0);
	assert_int_equal(l.ramdisk_pfn, 14);
	assert_int_equal(l.p2m_pfn, 114);
	check_order(&l);
	check_tables(&l);
	/* a ramdisk that does not fit, either way */
	assert_int_equal(pv_layout_plan_ramdisk(VBASE, VBASE + 0x1000000, VBASE + 0x4a00000, 32768,
						16384, 1, &l, err, sizeof(err)),
			 -ENOMEM);
	assert_string_equal(err, "128 MiB is too little: the kernel, the ramdisk and its "
				 "start-of-day pages need 140 MiB");
	assert_int_equal(pv_layout_plan_ramdisk(VBASE, VBASE + 0x1000, VBASE + 0xd258, 8192, 8192,
						0, &l, err, sizeof(err)),
			 -ENOMEM);
	assert_non_null(strstr(err, "32 MiB is too little"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_guest), cmocka_unit_test(test_linux_sized),
		cmocka_unit_test(test_boundaries),  cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_ramdisk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
