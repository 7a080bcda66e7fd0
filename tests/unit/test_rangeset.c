/*
 * Range sets (xen/common/rangeset.c): merging of overlapping and adjacent
 * ranges, removal that splits, the capacity limit leaving the set as it
 * was, the ends of the value space, and a random run against a bitmap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "errno.h"
#include "rangeset.h"
#include "shim.h"

static struct rangeset rs;

static void expect_ranges(const struct range *want, unsigned int n)
{
	if (rs.nr != n)
		fail_msg("%u ranges, want %u", rs.nr, n);
	for (unsigned int i = 0; i < n; i++)
		if (rs.r[i].s != want[i].s || rs.r[i].e != want[i].e)
			fail_msg("range %u: [%#lx, %#lx], want [%#lx, %#lx]", i, rs.r[i].s,
				 rs.r[i].e, want[i].s, want[i].e);
}

static int setup(void **state)
{
	(void)state;
	memset(&rs, 0x5a, sizeof(rs));
	rangeset_init(&rs);
	return 0;
}

static void test_empty(void **state)
{
	(void)state;
	assert_true(rangeset_is_empty(&rs));
	assert_false(rangeset_contains_range(&rs, 0, 0));
	assert_false(rangeset_overlaps_range(&rs, 0, ~0UL));
	assert_int_equal(rangeset_remove_range(&rs, 0, ~0UL), 0);
	assert_int_equal(rangeset_add_range(&rs, 5, 4), -EINVAL);
	assert_int_equal(rangeset_remove_range(&rs, 5, 4), -EINVAL);
	assert_true(rangeset_is_empty(&rs));
}

static void test_add_merges(void **state)
{
	const struct range two[] = { { 10, 20 }, { 30, 40 } };
	const struct range one[] = { { 9, 45 } };

	(void)state;
	assert_int_equal(rangeset_add_range(&rs, 30, 40), 0);
	assert_int_equal(rangeset_add_range(&rs, 10, 20), 0);
	assert_int_equal(rangeset_add_range(&rs, 12, 15), 0); /* inside: nothing changes */
	expect_ranges(two, 2);
	assert_int_equal(rangeset_add_range(&rs, 21, 29), 0); /* adjacent on both sides */
	assert_int_equal(rangeset_add_range(&rs, 41, 45), 0);
	assert_int_equal(rangeset_add_range(&rs, 9, 9), 0);
	expect_ranges(one, 1);
	assert_true(rangeset_contains_range(&rs, 9, 45));
	assert_false(rangeset_contains_range(&rs, 8, 45));
	assert_false(rangeset_contains_range(&rs, 9, 46));
	assert_false(rangeset_contains_range(&rs, 20, 10));
	assert_true(rangeset_overlaps_range(&rs, 0, 9));
	assert_true(rangeset_overlaps_range(&rs, 45, 100));
	assert_false(rangeset_overlaps_range(&rs, 46, 100));
	assert_false(rangeset_overlaps_range(&rs, 0, 8));
}

static void test_gap_not_contained(void **state)
{
	(void)state;
	assert_int_equal(rangeset_add_range(&rs, 0, 9), 0);
	assert_int_equal(rangeset_add_range(&rs, 11, 20), 0);
	assert_false(rangeset_contains_range(&rs, 5, 15));
	assert_true(rangeset_overlaps_range(&rs, 10, 10) == false);
	assert_true(rangeset_overlaps_range(&rs, 10, 11));
}

static void test_remove_splits(void **state)
{
	const struct range split[] = { { 0, 0x1f }, { 0x22, 0x9f }, { 0xa2, 0xffff } };
	const struct range trimmed[] = { { 0x10, 0x1f }, { 0x22, 0x9f }, { 0xa2, 0xff00 } };

	(void)state;
	assert_int_equal(rangeset_add_range(&rs, 0, 0xffff), 0);
	assert_int_equal(rangeset_remove_range(&rs, 0x20, 0x21), 0);
	assert_int_equal(rangeset_remove_range(&rs, 0xa0, 0xa1), 0);
	expect_ranges(split, 3);
	assert_int_equal(rangeset_remove_range(&rs, 0, 0xf), 0);
	assert_int_equal(rangeset_remove_range(&rs, 0xff01, ~0UL), 0);
	expect_ranges(trimmed, 3);
	/* One removal across several ranges. */
	assert_int_equal(rangeset_remove_range(&rs, 0x18, 0xa5), 0);
	assert_int_equal(rs.nr, 2);
	assert_true(rangeset_contains_range(&rs, 0x10, 0x17));
	assert_true(rangeset_contains_range(&rs, 0xa6, 0xff00));
	assert_false(rangeset_overlaps_range(&rs, 0x18, 0xa5));
}

static void test_value_space_ends(void **state)
{
	const struct range all[] = { { 0, ~0UL } };

	(void)state;
	assert_int_equal(rangeset_add_range(&rs, ~0UL - 1, ~0UL), 0);
	assert_int_equal(rangeset_add_range(&rs, 0, 0), 0);
	assert_int_equal(rangeset_add_range(&rs, 1, ~0UL - 2), 0);
	expect_ranges(all, 1);
	assert_int_equal(rangeset_remove_range(&rs, ~0UL, ~0UL), 0);
	assert_int_equal(rangeset_remove_range(&rs, 0, 0), 0);
	assert_true(rangeset_contains_range(&rs, 1, ~0UL - 1));
	assert_false(rangeset_overlaps_range(&rs, ~0UL, ~0UL));
}

/* A full set refuses what would need one more range, and stays unchanged. */
static void test_capacity(void **state)
{
	struct rangeset before;

	(void)state;
	for (unsigned long i = 0; i < RANGESET_MAX; i++)
		assert_int_equal(rangeset_add_range(&rs, i * 10, i * 10 + 4), 0);
	memcpy(&before, &rs, sizeof(rs));
	assert_int_equal(rangeset_add_range(&rs, 1000, 1000), -ENOMEM);
	assert_int_equal(rangeset_remove_range(&rs, 12, 12), -ENOMEM); /* would split */
	assert_memory_equal(&before, &rs, sizeof(rs));
	/* Merging or trimming needs no room. */
	assert_int_equal(rangeset_add_range(&rs, 5, 9), 0);
	assert_int_equal(rs.nr, RANGESET_MAX - 1);
	assert_int_equal(rangeset_remove_range(&rs, 20, 21), 0);
	assert_int_equal(rangeset_add_range(&rs, 1000, 1000), 0);
}

/* Random adds and removes in [0, 256) against a bitmap; every query agrees. */
static void test_random(void **state)
{
	bool bits[256] = { false };

	(void)state;
	srand(8);
	for (unsigned int round = 0; round < 20000; round++) {
		unsigned long s = (unsigned long)(rand() % 256),
			      e = s + (unsigned long)(rand() % 8);
		bool add = rand() % 2;
		struct rangeset before;
		int rc;

		if (e > 255)
			e = 255;
		memcpy(&before, &rs, sizeof(rs));
		rc = add ? rangeset_add_range(&rs, s, e) : rangeset_remove_range(&rs, s, e);
		if (rc == -ENOMEM) {
			assert_memory_equal(&before, &rs, sizeof(rs));
			continue;
		}
		assert_int_equal(rc, 0);
		for (unsigned long v = s; v <= e; v++)
			bits[v] = add;
		for (unsigned int i = 0; i + 1 < rs.nr; i++)
			assert_true(rs.r[i].e + 1 < rs.r[i + 1].s);
		for (unsigned long v = 0; v < 256; v++)
			assert_int_equal(rangeset_contains_range(&rs, v, v), bits[v]);
		s = (unsigned long)(rand() % 256);
		e = s + (unsigned long)(rand() % 16);
		bool all = true, any = false;
		for (unsigned long v = s; v <= e; v++) {
			bool b = v < 256 && bits[v];
			all = all && b;
			any = any || b;
		}
		assert_int_equal(rangeset_contains_range(&rs, s, e), all);
		assert_int_equal(rangeset_overlaps_range(&rs, s, e), any);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_empty, setup),
		cmocka_unit_test_setup(test_add_merges, setup),
		cmocka_unit_test_setup(test_gap_not_contained, setup),
		cmocka_unit_test_setup(test_remove_splits, setup),
		cmocka_unit_test_setup(test_value_space_ends, setup),
		cmocka_unit_test_setup(test_capacity, setup),
		cmocka_unit_test_setup(test_random, setup),
	};

	return cmocka_run_group_tests_name("rangeset", tests, NULL, NULL);
}
