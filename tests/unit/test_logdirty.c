/*
 * Log-dirty bitmaps (xen/common/logdirty.c): marks, PEEK and CLEAN with
 * their counts, bits past the bitmap reported clean, growth for a larger
 * PFN and the lost mark when it cannot grow, a faulting buffer, and the
 * answers while off.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "errno.h"
#include "logdirty.h"
#include "mm.h"
#include "uaccess.h"
#include "shim.h"

static struct logdirty ld;
static unsigned int heap_blocks;	  /* xenheap blocks not given back */
static unsigned int heap_fail_order = 99; /* allocations of this order or more fail */
static u64 fault_from = ~0ULL;		  /* copy_to_guest faults at this address and above */

void *alloc_xenheap_pages(unsigned int order)
{
	void *p;

	if (order >= heap_fail_order)
		return NULL;
	p = aligned_alloc(4096, 4096UL << order);
	if (p) {
		memset(p, 0xa5, 4096UL << order); /* the allocator does not zero */
		heap_blocks++;
	}
	return p;
}

void free_xenheap_pages(void *va, unsigned int order)
{
	(void)order;
	free(va);
	heap_blocks--;
}

int copy_to_guest(u64 dst_va, const void *src, size_t len)
{
	if (dst_va + len > fault_from)
		return -EFAULT;
	memcpy((void *)dst_va, src, len);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	memset(&ld, 0, sizeof(ld));
	heap_blocks = 0;
	heap_fail_order = 99;
	fault_from = ~0ULL;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	logdirty_disable(&ld);
	assert_int_equal(heap_blocks, 0);
	return 0;
}

static long peek(u8 *buf, u64 *pages, bool clean, u32 *faults, u32 *dirty)
{
	return logdirty_read(&ld, (u64)(uintptr_t)buf, pages, clean, faults, dirty);
}

static void test_mark_peek_clean(void **state)
{
	u8 buf[64];
	u64 pages = 512;
	u32 faults, dirty;

	(void)state;
	assert_int_equal(logdirty_enable(&ld, 100), 0);
	assert_int_equal(ld.nr_pfns, 32768); /* one page of bits */
	logdirty_mark(&ld, 3, false);
	logdirty_mark(&ld, 3, true); /* again: counted as a fault, not as a new page */
	logdirty_mark(&ld, 9, true);
	logdirty_mark(&ld, 511, false);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(peek(buf, &pages, false, &faults, &dirty), 0);
	assert_int_equal(pages, 512);
	assert_int_equal(faults, 2);
	assert_int_equal(dirty, 3);
	assert_int_equal(buf[0], 1 << 3);
	assert_int_equal(buf[1], 1 << 1);
	for (unsigned int i = 2; i < 63; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[63], 0x80);
	/* PEEK leaves it all; CLEAN reports the same and then resets */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(peek(buf, &pages, true, &faults, &dirty), 0);
	assert_int_equal(buf[0], 1 << 3);
	assert_int_equal(dirty, 3);
	assert_int_equal(peek(buf, &pages, true, &faults, &dirty), 0);
	assert_int_equal(faults, 0);
	assert_int_equal(dirty, 0);
	for (unsigned int i = 0; i < 64; i++)
		assert_int_equal(buf[i], 0);
	assert_true(!logdirty_test(&ld, 3) && !logdirty_test(&ld, 511));
}

/* The caller's count of bits is what comes back; bits past the bitmap read clean. */
static void test_report_beyond_bitmap(void **state)
{
	static u8 buf[3 * 4096 + 1];
	u64 pages = sizeof(buf) * 8 - 3;
	u32 faults, dirty;

	(void)state;
	assert_int_equal(logdirty_enable(&ld, 1), 0);
	logdirty_mark(&ld, 32767, false);
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(peek(buf, &pages, false, &faults, &dirty), 0);
	assert_int_equal(pages, sizeof(buf) * 8 - 3);
	assert_int_equal(buf[4095], 0x80);
	for (unsigned int i = 4096; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0);
	/* no buffer: only the counts */
	assert_int_equal(logdirty_read(&ld, 0, &pages, false, &faults, &dirty), 0);
	assert_int_equal(dirty, 1);
}

static void test_grows_for_larger_pfn(void **state)
{
	u8 buf[4];
	u64 pages = 32;
	u32 faults, dirty;

	(void)state;
	assert_int_equal(logdirty_enable(&ld, 10), 0);
	logdirty_mark(&ld, 5, false);
	logdirty_mark(&ld, 1ULL << 63, true); /* no PFN (an invalid M2P entry): ignored */
	assert_false(ld.overflow);
	assert_int_equal(ld.fault_count, 0);
	logdirty_mark(&ld, 100000, false); /* beyond one page: grows to four */
	assert_int_equal(ld.nr_pfns, 4 * 32768);
	assert_int_equal(heap_blocks, 1);
	assert_true(logdirty_test(&ld, 5));
	assert_true(logdirty_test(&ld, 100000));
	assert_false(logdirty_test(&ld, 99999));
	assert_int_equal(peek(buf, &pages, false, &faults, &dirty), 0);
	assert_int_equal(dirty, 2);
	assert_int_equal(buf[0], 1 << 5);
}

/* A mark that cannot be kept is never silently dropped: the next read fails. */
static void test_lost_mark_fails_reads(void **state)
{
	u8 buf[4];
	u64 pages = 32;
	u32 faults, dirty;

	(void)state;
	assert_int_equal(logdirty_enable(&ld, 10), 0);
	heap_fail_order = 1;
	logdirty_mark(&ld, 40000, false);
	assert_int_equal(peek(buf, &pages, true, &faults, &dirty), -ENOMEM);
	logdirty_mark(&ld, LOGDIRTY_MAX_PFNS, false); /* over the limit: no allocation tried */
	assert_int_equal(peek(buf, &pages, false, &faults, &dirty), -ENOMEM);
	/* OFF and on again starts afresh */
	logdirty_disable(&ld);
	assert_int_equal(logdirty_enable(&ld, 10), 0);
	assert_int_equal(peek(buf, &pages, false, &faults, &dirty), 0);
}

static void test_enable_disable(void **state)
{
	u8 buf[4] = { 0xff, 0xff, 0xff, 0xff };
	u64 pages = 32;
	u32 faults = 1, dirty = 1;

	(void)state;
	/* off: marks are ignored, a read gives an empty bitmap */
	logdirty_mark(&ld, 1, true);
	assert_int_equal(peek(buf, &pages, true, &faults, &dirty), 0);
	assert_int_equal(buf[0] | buf[1] | buf[2] | buf[3], 0);
	assert_int_equal(faults + dirty, 0);
	assert_int_equal(heap_blocks, 0);
	assert_int_equal(logdirty_enable(&ld, 10), 0);
	assert_int_equal(logdirty_enable(&ld, 10), -EINVAL);
	assert_int_equal(heap_blocks, 1);
	logdirty_disable(&ld);
	assert_false(ld.enabled);
	assert_int_equal(heap_blocks, 0);
	logdirty_disable(&ld); /* twice: nothing */
	heap_fail_order = 0;
	assert_int_equal(logdirty_enable(&ld, 10), -ENOMEM);
	assert_false(ld.enabled);
}

/* A buffer that faults: -EFAULT, and a CLEAN that failed keeps the bits. */
static void test_faulting_buffer(void **state)
{
	static u8 buf[8192];
	u64 pages = sizeof(buf) * 8;
	u32 faults, dirty;

	(void)state;
	assert_int_equal(logdirty_enable(&ld, 10), 0);
	logdirty_mark(&ld, 7, false);
	fault_from = (u64)(uintptr_t)buf + 6000;
	assert_int_equal(peek(buf, &pages, true, &faults, &dirty), -EFAULT);
	assert_true(logdirty_test(&ld, 7));
	assert_int_equal(ld.dirty_count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mark_peek_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_beyond_bitmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grows_for_larger_pfn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_mark_fails_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enable_disable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faulting_buffer, setup, teardown),
	};

	return cmocka_run_group_tests_name("logdirty", tests, NULL, NULL);
}
