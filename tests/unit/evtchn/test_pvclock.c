/*
 * The pvclock scale (xen/arch/x86/time.c): Xen's normalisation of the TSC
 * rate into (1e9, 2e9] with a shift and the 32-bit fraction, the scaling
 * itself, and the vcpu_time_info record and its guest copy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "domain.h"
#include "timer.h"
#include "apic.h"

/* What time.c needs from the rest of the hypervisor. */
volatile u64 cpu_online_mask = 1;
static u64 fake_khz = 2600000;
u64 tsc_khz(void)
{
	return fake_khz;
}
u64 now_ns(void)
{
	return 12345;
}
void printk(const char *fmt, ...)
{
	(void)fmt;
}
void vcpu_timers_init(struct vcpu *v)
{
	(void)v;
}
void console_input_start(struct domain *d)
{
	(void)d;
}
static int copies;
int copy_to_guest(u64 dst_va, const void *src, size_t len)
{
	if (dst_va < 4096)
		return -14;
	memcpy((void *)dst_va, src, len);
	copies++;
	return 0;
}

static void test_scale_known_values(void **state)
{
	static const struct {
		u64 hz;
		u32 mul;
		s8 shift;
	} cases[] = {
		{ 1000000000ULL, 0x80000000u, 1 },  /* 1e9 is not above 1e9: doubled */
		{ 2000000000ULL, 0x80000000u, 0 },  /* 2e9 is in range */
		{ 3000000000ULL, 0xaaaaaaaau, -1 }, /* 1.5e9 after one halving */
		{ 500000000ULL, 0x80000000u, 2 },   { 4000000000ULL, 0x80000000u, -1 },
		{ 1500000000ULL, 0xaaaaaaaau, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		u32 mul;
		s8 shift;

		pvclock_scale(cases[i].hz, &mul, &shift);
		if (mul != cases[i].mul || shift != cases[i].shift)
			fail_msg("%lu Hz: mul %#x shift %d, expected %#x %d",
				 (unsigned long)cases[i].hz, mul, shift, cases[i].mul,
				 cases[i].shift);
	}
}

/* One second of ticks is one second of ns, to a few ns, for any rate. */
static void test_scale_accuracy(void **state)
{
	static const u64 rates[] = { 1000000ULL,    33333333ULL,   999999999ULL,  1000000001ULL,
				     2599997000ULL, 3999999999ULL, 10000000000ULL };

	(void)state;
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		u32 mul;
		s8 shift;
		u64 ns;

		pvclock_scale(rates[i], &mul, &shift);
		assert_true(mul >= 0x80000000u);
		ns = pvclock_apply(rates[i], mul, shift);
		if (ns > 1000000000ULL + 4 || ns + 4 < 1000000000ULL)
			fail_msg("%lu Hz: one second scales to %lu ns", (unsigned long)rates[i],
				 (unsigned long)ns);
		/* An hour, without overflow in the intermediate product. */
		ns = pvclock_apply(rates[i] * 3600, mul, shift);
		if (ns > 3600000000000ULL + 20000 || ns + 20000 < 3600000000000ULL)
			fail_msg("%lu Hz: one hour scales to %lu ns", (unsigned long)rates[i],
				 (unsigned long)ns);
	}
}

static void test_scale_monotonic(void **state)
{
	u32 mul;
	s8 shift;
	u64 prev = 0;

	(void)state;
	pvclock_scale(2599997000ULL, &mul, &shift);
	for (u64 t = 0; t < 200000; t += 7) {
		u64 ns = pvclock_apply(t, mul, shift);

		assert_true(ns >= prev);
		prev = ns;
	}
}

static void test_record(void **state)
{
	static struct shared_info sh;
	static struct vcpu_time_info copy;
	struct domain d;
	struct vcpu v;
	u32 mul;
	s8 shift;

	(void)state;
	memset(&d, 0, sizeof(d));
	memset(&v, 0, sizeof(v));
	v.domain = &d;
	d.shared_info = &sh;
	v.vcpu_info = &sh.vcpu_info[0];
	v.time_info_guest = (u64)(uintptr_t)&copy;
	update_vcpu_system_time(&v);
	pvclock_scale(fake_khz * 1000, &mul, &shift);
	assert_int_equal(sh.vcpu_info[0].time.version, 2);
	assert_int_equal(sh.vcpu_info[0].time.tsc_to_system_mul, mul);
	assert_int_equal(sh.vcpu_info[0].time.tsc_shift, shift);
	assert_int_equal(sh.vcpu_info[0].time.system_time, 12345);
	assert_int_equal(sh.vcpu_info[0].time.flags, XEN_PVCLOCK_TSC_STABLE_BIT);
	assert_memory_equal(&copy, &sh.vcpu_info[0].time, sizeof(copy));
	assert_int_equal(copies, 3); /* odd version, record, even version */
	/* Again: the version moves on by two, the line stays the same. */
	update_vcpu_system_time(&v);
	assert_int_equal(sh.vcpu_info[0].time.version, 4);
	assert_int_equal(sh.vcpu_info[0].time.system_time, 12345);
	assert_int_equal(copy.version, 4);
	/* System time follows the same line as the record. */
	assert_true(system_time() >= 12345);
}

/* CPUID 0x40000003: a PV initial domain reads no settings, others the host's. */
static void test_time_leaf(void **state)
{
	struct domain d;
	u32 a, b, c, dx, mul;
	s8 shift;

	(void)state;
	memset(&d, 0, sizeof(d));
	pvclock_scale(fake_khz * 1000, &mul, &shift);
	cpuid_time_leaf(&d, 0, &a, &b, &c, &dx);
	assert_int_equal(a & 1, 0); /* never emulated */
	assert_int_equal(b, 0);
	assert_int_equal(c, 0);
	cpuid_time_leaf(&d, 1, &a, &b, &c, &dx);
	assert_true(a == 0 && b == 0 && c == 0 && dx == 0);
	cpuid_time_leaf(&d, 2, &a, &b, &c, &dx);
	assert_int_equal(a, fake_khz);

	d.domain_id = 3;
	d.arch.tsc_mode = 2;
	d.arch.incarnation = 4;
	cpuid_time_leaf(&d, 0, &a, &b, &c, &dx);
	assert_true(b == 2 && c == fake_khz && dx == 4);
	cpuid_time_leaf(&d, 1, &a, &b, &c, &dx);
	assert_true(a == 0 && b == 0 && c == mul && dx == (u32)(s32)shift);
	d.domain_id = 0;
	d.arch.is_hvm = true;
	cpuid_time_leaf(&d, 0, &a, &b, &c, &dx);
	assert_int_equal(c, fake_khz);
	cpuid_time_leaf(&d, 3, &a, &b, &c, &dx);
	assert_true(a == 0 && b == 0 && c == 0 && dx == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale_known_values),
		cmocka_unit_test(test_scale_accuracy),
		cmocka_unit_test(test_scale_monotonic),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_time_leaf),
	};

	return cmocka_run_group_tests_name("pvclock", tests, NULL, NULL);
}
