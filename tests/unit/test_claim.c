/*
 * Memory claims (xen/common/claim.c), XENMEM_claim_pages's rules as Xen
 * 4.17 keeps them: a claim counts from the domain's tot_pages up to a total,
 * at most max_pages and within the free frames nobody else claimed; one
 * claim at a time; 0 cancels it; allocations use it up; other domains may
 * not take claimed frames.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "errno.h"
#include "domain.h"
#include "claim.h"

static struct domain a, b;

static int setup(void **state)
{
	(void)state;
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.max_pages = b.max_pages = 1000;
	return 0;
}

/* Cancel what a test left, so the global total starts at 0 again. */
static int teardown(void **state)
{
	(void)state;
	claim_set(&a, 0, 0);
	claim_set(&b, 0, 0);
	assert_int_equal(claims_outstanding(), 0);
	return 0;
}

/* A claim counts from tot_pages: a domain with 100 frames claiming 300 holds 200. */
static void test_claim_from_tot_pages(void **state)
{
	(void)state;
	a.tot_pages = 100;
	assert_int_equal(claim_set(&a, 300, 5000), 0);
	assert_int_equal(a.outstanding_pages, 200);
	assert_int_equal(claims_outstanding(), 200);
	/* One claim at a time, even the same one. */
	assert_int_equal(claim_set(&a, 300, 5000), -EINVAL);
	assert_int_equal(a.outstanding_pages, 200);
	/* 0 cancels. */
	assert_int_equal(claim_set(&a, 0, 5000), 0);
	assert_int_equal(a.outstanding_pages, 0);
	assert_int_equal(claims_outstanding(), 0);
	/* Cancelling without a claim is fine too. */
	assert_int_equal(claim_set(&a, 0, 5000), 0);
}

/* Totals not above tot_pages, or above max_pages, are -EINVAL. */
static void test_claim_bounds(void **state)
{
	(void)state;
	a.tot_pages = 100;
	assert_int_equal(claim_set(&a, 100, 5000), -EINVAL);
	assert_int_equal(claim_set(&a, 50, 5000), -EINVAL);
	assert_int_equal(claim_set(&a, 1001, 5000), -EINVAL);
	assert_int_equal(claim_set(&a, ~0ULL, 5000), -EINVAL);
	assert_int_equal(claims_outstanding(), 0);
	assert_int_equal(claim_set(&a, 1000, 5000), 0);
	assert_int_equal(a.outstanding_pages, 900);
}

/* A claim must fit in the free frames others have not claimed (-ENOMEM). */
static void test_claim_free_memory(void **state)
{
	(void)state;
	assert_int_equal(claim_set(&a, 601, 600), -ENOMEM);
	assert_int_equal(claim_set(&a, 600, 600), 0);
	assert_int_equal(claim_set(&b, 1, 600), -ENOMEM);
	assert_int_equal(b.outstanding_pages, 0);
	assert_int_equal(claim_set(&b, 1, 601), 0);
	assert_int_equal(claims_outstanding(), 601);
	/* Claims above what is free (other allocations took frames): no room. */
	claim_set(&b, 0, 0);
	assert_int_equal(claim_set(&b, 1, 500), -ENOMEM);
}

/* Allocations use the claim up; past it they just count as tot_pages. */
static void test_claim_consumed(void **state)
{
	(void)state;
	assert_int_equal(claim_set(&a, 300, 1000), 0);
	claim_consume(&a, 256);
	assert_int_equal(a.outstanding_pages, 44);
	assert_int_equal(claims_outstanding(), 44);
	claim_consume(&a, 512);
	assert_int_equal(a.outstanding_pages, 0);
	assert_int_equal(claims_outstanding(), 0);
	/* An unclaimed domain's allocations change nothing. */
	assert_int_equal(claim_set(&a, 300, 1000), 0);
	claim_consume(&b, 10);
	assert_int_equal(b.outstanding_pages, 0);
	assert_int_equal(claims_outstanding(), 300);
}

/* Claimed frames are their claimant's: others may take only the rest. */
static void test_claim_allows(void **state)
{
	(void)state;
	assert_true(claim_allows(&b, 1000, 1000));
	assert_int_equal(claim_set(&a, 600, 1000), 0);
	assert_true(claim_allows(&b, 400, 1000));
	assert_false(claim_allows(&b, 401, 1000));
	assert_true(claim_allows(&a, 600, 1000));
	/*
	 * Xen 4.17's rule is the claim alone or the unclaimed rest alone, not
	 * the two together: the claimant's 600 plus the free 400 is refused.
	 */
	assert_true(claim_allows(&a, 400, 1000));
	assert_false(claim_allows(&a, 1000, 1000));
	/* Free memory below the claims: only the claimant, within its claim. */
	assert_false(claim_allows(&b, 1, 500));
	assert_true(claim_allows(&a, 500, 500));
	assert_false(claim_allows(&a, 601, 500));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_claim_from_tot_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_free_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_consumed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claim_allows, setup, teardown),
	};

	return cmocka_run_group_tests_name("claim", tests, NULL, NULL);
}
