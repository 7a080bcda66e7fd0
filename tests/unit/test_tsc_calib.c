/*
 * TSC/LAPIC calibration arithmetic (xen/common/tsc_calib.c) over a
 * simulated machine: a clock in ns drives a 2596 MHz TSC, the PIT counting
 * down from 0xffff and a LAPIC timer at 62.5 MHz counting down. A reading
 * may be stretched by a "preemption" of the simulated CPU, as a busy host
 * does to a QEMU vCPU: the tightest reading of a group must keep the rate
 * exact where a single stretched reading would skew it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tsc_calib.h"
#include "shim.h"

#define TSC_KHZ 2596000ULL
#define APIC_KHZ 62500ULL
#define READ_NS 3000ULL /* a PIT reading's port accesses */

static u64 now; /* simulated ns since the PIT was started */

static u64 tsc_at(u64 ns)
{
	return 1000000 + ns * TSC_KHZ / 1000000;
}

static u32 pit_at(u64 ns)
{
	return (u32)(0xffff - ns * PIT_HZ / 1000000000ULL);
}

static u32 apic_at(u64 ns)
{
	return (u32)(0xffffffffULL - ns * APIC_KHZ / 1000000);
}

/* One bracketed reading, @stall ns of preemption between the stamps. */
static struct cal_sample reading(u64 stall)
{
	struct cal_sample s;

	s.tsc_before = tsc_at(now);
	now += READ_NS / 2 + stall;
	s.pit = pit_at(now);
	s.apic = apic_at(now);
	now += READ_NS / 2;
	s.tsc_after = tsc_at(now);
	return s;
}

static void group(struct cal_sample *s, unsigned int n, unsigned int stalled, u64 stall)
{
	for (unsigned int i = 0; i < n; i++)
		s[i] = reading(i == stalled ? stall : 0);
}

static void assert_close(u64 got, u64 want, u64 ppm)
{
	u64 diff = got > want ? got - want : want - got;

	if (diff * 1000000 > want * ppm)
		fail_msg("%llu is not within %llu ppm of %llu", (unsigned long long)got,
			 (unsigned long long)ppm, (unsigned long long)want);
}

static void test_clean_window(void **state)
{
	struct cal_sample a[4], b[4];
	struct cal_rates r;

	(void)state;
	now = 20000;
	group(a, 4, 99, 0);
	now = 30000000;
	group(b, 4, 99, 0);
	assert_true(cal_window(cal_tightest(a, 4), cal_tightest(b, 4), 29000, &r));
	assert_close(r.tsc_per_ms, TSC_KHZ, 200);
	assert_close(r.apic_per_ms, APIC_KHZ, 200);
}

/* 5 ms lost in one reading at either end of a 30 ms window. */
static void test_stalled_reading_left_out(void **state)
{
	struct cal_sample a[4], b[4];
	struct cal_rates r, skewed;

	(void)state;
	now = 20000;
	group(a, 4, 3, 5000000);
	now = 35000000;
	group(b, 4, 0, 5000000);
	assert_ptr_not_equal(cal_tightest(b, 4), &b[0]);
	assert_ptr_not_equal(cal_tightest(a, 4), &a[3]);
	assert_true(cal_window(cal_tightest(a, 4), cal_tightest(b, 4), 29000, &r));
	assert_close(r.tsc_per_ms, TSC_KHZ, 200);
	assert_close(r.apic_per_ms, APIC_KHZ, 200);
	/* the stalled reading itself would be off by far more */
	assert_true(cal_window(&a[0], &b[0], 1, &skewed));
	assert_true(skewed.tsc_per_ms * 100 < TSC_KHZ * 95 ||
		    skewed.tsc_per_ms * 100 > TSC_KHZ * 105);
}

static void test_tightest(void **state)
{
	struct cal_sample s[3] = {
		{ .tsc_before = 100, .tsc_after = 180 },
		{ .tsc_before = 200, .tsc_after = 230 },
		{ .tsc_before = 300, .tsc_after = 340 },
	};

	(void)state;
	assert_ptr_equal(cal_tightest(s, 3), &s[1]);
	assert_ptr_equal(cal_tightest(s, 1), &s[0]);
}

static void test_window_refusals(void **state)
{
	struct cal_sample a = { .tsc_before = 10, .tsc_after = 20, .pit = 0xff00, .apic = 1000 };
	struct cal_sample b = a;
	struct cal_rates r = { 7, 7 };

	(void)state;
	b.tsc_before = 5000;
	b.tsc_after = 5010;
	b.pit = 0xff00; /* the PIT did not count */
	assert_false(cal_window(&a, &b, 1, &r));
	b.pit = 0xff10; /* it wrapped */
	assert_false(cal_window(&a, &b, 1, &r));
	b.pit = 0xfe00; /* 256 ticks: too short for 1000 */
	assert_false(cal_window(&a, &b, 1000, &r));
	assert_true(cal_window(&a, &b, 256, &r));
	b.tsc_before = 15; /* overlapping brackets */
	assert_false(cal_window(&a, &b, 1, &r));
	b.tsc_before = 30;
	b.tsc_after = ~0ULL; /* a span no rate fits in */
	assert_false(cal_window(&a, &b, 1, &r));
}

static void test_median(void **state)
{
	struct cal_rates r[3] = { { 4163000, 100 }, { 2596000, 62500 }, { 2597000, 62400 } };
	struct cal_rates m;

	(void)state;
	m = cal_median(r, 3);
	assert_int_equal(m.tsc_per_ms, 2597000);
	assert_int_equal(m.apic_per_ms, 62400);
	m = cal_median(r, 1);
	assert_int_equal(m.tsc_per_ms, 4163000);
	m = cal_median(r, 0);
	assert_int_equal(m.tsc_per_ms, 0);
	assert_int_equal(m.apic_per_ms, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_window),
		cmocka_unit_test(test_stalled_reading_left_out),
		cmocka_unit_test(test_tightest),
		cmocka_unit_test(test_window_refusals),
		cmocka_unit_test(test_median),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
