/*
 * The HVM p2m (xen/arch/x86/hvm/p2m.c, included below): entries in the NPT
 * format (the host's page-table bits) and, after p2m_use_ept(), in the EPT
 * format (read/write/execute, write-back leaves); lookups, the GFN limit and
 * the count of replaced entries that makes the VMX backend flush EPT; log-dirty
 * write protection, its faults and its end, in both formats.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define strtoul petrel_strtoul
#define strlcpy petrel_strlcpy
#define sort petrel_sort
#define parse_size petrel_parse_size
#include "../../xen/arch/x86/hvm/p2m.c"

u64 xen_phys_base; /* page.h; host pointers are never in the image range */

static void *pages[64];
static unsigned int nr_pages;

/* Zeroed, page-aligned frames; freed after each test. */
void *alloc_xenheap_pages(unsigned int order)
{
	void *p;

	assert_int_equal(order, 0);
	assert_true(nr_pages < 64);
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	assert_non_null(p);
	memset(p, 0, PAGE_SIZE);
	pages[nr_pages++] = p;
	return p;
}

/* Frees must name a frame alloc_xenheap_pages handed out and not yet freed. */
void free_xenheap_pages(void *p, unsigned int order)
{
	unsigned int i = 0;

	assert_int_equal(order, 0);
	while (i < nr_pages && pages[i] != p)
		i++;
	assert_true(i < nr_pages);
	free(p);
	pages[i] = pages[--nr_pages];
}

/* The hooks p2m.c calls for log-dirty, recorded. */
static u64 marked[8], syncs;
static unsigned int nr_marked, nr_faults;

void logdirty_mark(struct logdirty *ld, u64 pfn, bool fault)
{
	(void)ld;
	assert_true(nr_marked < 8);
	marked[nr_marked++] = pfn;
	nr_faults += fault;
}

void hvm_p2m_sync_cpus(const struct domain *d)
{
	(void)d;
	syncs++;
}

static int teardown(void **state)
{
	(void)state;
	while (nr_pages)
		free(pages[--nr_pages]);
	nr_marked = nr_faults = syncs = 0;
	table_flags = NPT_TABLE_FLAGS; /* the next test starts in the boot default */
	ram_flags = NPT_RAM_FLAGS;
	return 0;
}

/* The entry of each level on @gfn's walk: e[0] = L4 ... e[3] = L1. */
static void walk(const struct domain *d, u64 gfn, u64 e[4])
{
	const u64 *t = d->arch.hvm.p2m_root;
	u64 gpa = gfn << PAGE_SHIFT;
	unsigned int idx[4] = { l4_index(gpa), l3_index(gpa), l2_index(gpa), l1_index(gpa) };

	for (unsigned int i = 0; i < 4; i++) {
		e[i] = t[idx[i]];
		if (i < 3)
			t = maddr_to_virt(e[i] & PTE_ADDR_MASK);
	}
}

static void test_npt_format(void **state)
{
	struct domain d = { 0 };
	u64 e[4];

	(void)state;
	assert_int_equal(p2m_init(&d), 0);
	assert_int_equal(p2m_set_entry(&d, 0x12345, 0xabcde), 0);
	walk(&d, 0x12345, e);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(e[i] & 0xfff,
				 _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED);
	assert_int_equal(e[3], (0xabcdeUL << PAGE_SHIFT) | 0x67);
	assert_int_equal(p2m_lookup(&d, 0x12345), 0xabcde);
	assert_int_equal(p2m_lookup(&d, 0x12346), INVALID_MFN);
	assert_int_equal(p2m_lookup(&d, 0x99999), INVALID_MFN);
}

static void test_ept_format(void **state)
{
	struct domain d = { 0 };
	u64 e[4];

	(void)state;
	p2m_use_ept();
	assert_int_equal(p2m_init(&d), 0);
	assert_int_equal(p2m_set_entry(&d, 0x200, 0x777), 0);
	walk(&d, 0x200, e);
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(e[i] & 0xfff, 0x7);		/* R W X, no memory type */
	assert_int_equal(e[3], (0x777UL << PAGE_SHIFT) | 0x37); /* R W X, write-back */
	assert_int_equal(p2m_lookup(&d, 0x200), 0x777);
	assert_int_equal(p2m_lookup(&d, 0x201), INVALID_MFN);
}

static void test_gfn_limit(void **state)
{
	struct domain d = { 0 };

	(void)state;
	assert_int_equal(p2m_init(&d), 0);
	assert_int_equal(p2m_set_entry(&d, 1UL << 36, 1), -EINVAL);
	assert_int_equal(p2m_lookup(&d, 1UL << 36), INVALID_MFN);
	assert_int_equal(p2m_set_entry(&d, (1UL << 36) - 1, 2), 0);
	assert_int_equal(p2m_lookup(&d, (1UL << 36) - 1), 2);
}

static void test_replaced_entries_counted(void **state)
{
	struct domain d = { 0 };

	(void)state;
	p2m_use_ept();
	assert_int_equal(p2m_init(&d), 0);
	assert_int_equal(p2m_set_entry(&d, 10, 100), 0);
	assert_int_equal(p2m_set_entry(&d, 11, 101), 0);
	assert_int_equal(d.arch.hvm.p2m_changes, 0); /* new entries: nothing cached */
	assert_int_equal(p2m_set_entry(&d, 10, 200), 0);
	assert_int_equal(d.arch.hvm.p2m_changes, 1);
	assert_int_equal(p2m_lookup(&d, 10), 200);
	assert_int_equal(p2m_lookup(&d, 11), 101);
	/* A present entry removed counts too; clearing a missing one does not. */
	p2m_clear_entry(&d, 11);
	assert_int_equal(d.arch.hvm.p2m_changes, 2);
	assert_int_equal(p2m_lookup(&d, 11), INVALID_MFN);
	p2m_clear_entry(&d, 11);
	p2m_clear_entry(&d, 12);
	p2m_clear_entry(&d, 1UL << 30);
	assert_int_equal(d.arch.hvm.p2m_changes, 2);
}

/* p2m_destroy gives back every table, on several walks, and keeps the leaf frames. */
static void test_destroy_frees_tables(void **state)
{
	struct domain d = { 0 };

	(void)state;
	assert_int_equal(p2m_init(&d), 0);
	assert_int_equal(p2m_set_entry(&d, 0x1, 0x10), 0);
	assert_int_equal(p2m_set_entry(&d, 0x40000, 0x20), 0);	 /* 1 GiB: new L2 and L1 */
	assert_int_equal(p2m_set_entry(&d, 1UL << 27, 0x30), 0); /* 512 GiB: new L3, L2, L1 */
	assert_int_equal(nr_pages, 9); /* root + (L3, L2, L1) + (L2, L1) + (L3, L2, L1) */
	p2m_destroy(&d);
	assert_int_equal(nr_pages, 0);
	assert_null(d.arch.hvm.p2m_root);
	p2m_destroy(&d); /* a second call is harmless */
}

/* The leaf entry of @gfn. */
static u64 leaf(const struct domain *d, u64 gfn)
{
	u64 e[4];

	walk(d, gfn, e);
	return e[3];
}

/* Protect, fault on one GFN, protect again, restore: @ram is the format's RAM leaf bits. */
static void logdirty_round(struct domain *d, u64 ram)
{
	assert_int_equal(p2m_init(d), 0);
	assert_int_equal(p2m_set_entry(d, 5, 0x50), 0);
	assert_int_equal(p2m_set_entry(d, 0x40005, 0x60), 0);
	p2m_logdirty_protect(d);
	assert_int_equal(leaf(d, 5), (0x50UL << PAGE_SHIFT) | (ram & ~2UL) | (1UL << 11));
	assert_int_equal(leaf(d, 0x40005), (0x60UL << PAGE_SHIFT) | (ram & ~2UL) | (1UL << 11));
	assert_int_equal(p2m_lookup(d, 5), 0x50); /* still present, still the same frame */
	assert_int_equal(d->arch.hvm.p2m_changes, 1);
	assert_int_equal(syncs, 1);
	/* A write to a protected page: marked (as a fault), writable again. */
	assert_true(p2m_logdirty_fault(d, (5UL << PAGE_SHIFT) | 0x123));
	assert_int_equal(nr_marked, 1);
	assert_int_equal(marked[0], 5);
	assert_int_equal(nr_faults, 1);
	assert_int_equal(leaf(d, 5), (0x50UL << PAGE_SHIFT) | ram);
	/* Writable again: retried (a stale translation), not marked again. */
	assert_true(p2m_logdirty_fault(d, 5UL << PAGE_SHIFT));
	/* Not mapped, beyond the GFN limit: not log-dirty's. */
	assert_false(p2m_logdirty_fault(d, 6UL << PAGE_SHIFT));
	assert_false(p2m_logdirty_fault(d, 1UL << 50));
	assert_int_equal(nr_marked, 1);
	/* The next pass protects it again; nothing to protect: no flush. */
	p2m_logdirty_protect(d);
	assert_int_equal(leaf(d, 5) & 2, 0);
	assert_int_equal(syncs, 2);
	p2m_logdirty_protect(d);
	assert_int_equal(syncs, 2);
	assert_int_equal(d->arch.hvm.p2m_changes, 2);
	p2m_logdirty_restore(d);
	assert_int_equal(leaf(d, 5), (0x50UL << PAGE_SHIFT) | ram);
	assert_int_equal(leaf(d, 0x40005), (0x60UL << PAGE_SHIFT) | ram);
	assert_int_equal(nr_marked, 1);
}

static void test_logdirty_npt(void **state)
{
	struct domain d = { 0 };

	(void)state;
	logdirty_round(&d, 0x67);
}

static void test_logdirty_ept(void **state)
{
	struct domain d = { 0 };

	(void)state;
	p2m_use_ept();
	logdirty_round(&d, 0x37);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_npt_format, teardown),
		cmocka_unit_test_teardown(test_ept_format, teardown),
		cmocka_unit_test_teardown(test_gfn_limit, teardown),
		cmocka_unit_test_teardown(test_replaced_entries_counted, teardown),
		cmocka_unit_test_teardown(test_destroy_frees_tables, teardown),
		cmocka_unit_test_teardown(test_logdirty_npt, teardown),
		cmocka_unit_test_teardown(test_logdirty_ept, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
