/*
 * HVM parameter rules: xen/arch/x86/hvm/params.c (included below). Who may
 * read and set which parameter, the set-once ones, the values checked, and
 * the stored forms of VM86_TSS(_SIZED) and CALLBACK_IRQ.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../xen/arch/x86/hvm/params.c"

static u64 params[HVM_NR_PARAMS];

static void test_guest_reads(void **state)
{
	(void)state;
	assert_int_equal(hvm_param_may_get(HVM_PARAM_CALLBACK_IRQ, true), 0);
	assert_int_equal(hvm_param_may_get(HVM_PARAM_STORE_PFN, true), 0);
	assert_int_equal(hvm_param_may_get(HVM_PARAM_CONSOLE_PFN, true), 0);
	assert_int_equal(hvm_param_may_get(HVM_PARAM_ALTP2M, true), 0);
	assert_int_equal(hvm_param_may_get(HVM_PARAM_X87_FIP_WIDTH, true), 0);
	assert_int_equal(hvm_param_may_get(HVM_PARAM_IDENT_PT, true), -EPERM);
	assert_int_equal(hvm_param_may_get(HVM_PARAM_TRIPLE_FAULT_REASON, true), -EPERM);
	/* The toolstack reads them all. */
	assert_int_equal(hvm_param_may_get(HVM_PARAM_IDENT_PT, false), 0);
	assert_int_equal(hvm_param_may_get(HVM_PARAM_TRIPLE_FAULT_REASON, false), 0);
}

static void test_out_of_range_and_deprecated(void **state)
{
	const u32 gone[] = { 4, 13, 20, 21, 22, 23, 24, 25, 26, 30 };

	(void)state;
	for (unsigned int i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
		assert_int_equal(hvm_param_may_get(gone[i], false), -EINVAL);
		assert_int_equal(hvm_param_may_set(params, gone[i], 1, false), -EINVAL);
		assert_int_equal(hvm_param_may_set(params, gone[i], 1, true), -EINVAL);
	}
	assert_int_equal(hvm_param_may_get(HVM_NR_PARAMS, false), -EINVAL);
	assert_int_equal(hvm_param_may_set(params, HVM_NR_PARAMS, 0, false), -EINVAL);
}

static void test_guest_sets(void **state)
{
	(void)state;
	assert_int_equal(hvm_param_may_set(params, HVM_PARAM_CALLBACK_IRQ, 1, true), 0);
	assert_int_equal(hvm_param_may_set(params, HVM_PARAM_STORE_EVTCHN, 1, true), 0);
	assert_int_equal(hvm_param_may_set(params, HVM_PARAM_STORE_PFN, 1, true), -EPERM);
	assert_int_equal(hvm_param_may_set(params, HVM_PARAM_ALTP2M, 1, true), -EPERM);
	assert_int_equal(hvm_param_may_set(params, HVM_PARAM_ACPI_S_STATE, 3, true), -EPERM);
	assert_int_equal(hvm_param_may_set(params, HVM_PARAM_STORE_PFN, 1, false), 0);
}

static void test_set_once(void **state)
{
	(void)state;
	memset(params, 0, sizeof(params));
	assert_int_equal(hvm_param_may_set(params, HVM_PARAM_IOREQ_SERVER_PFN, 5, false), 0);
	params[HVM_PARAM_IOREQ_SERVER_PFN] = 5;
	assert_int_equal(hvm_param_may_set(params, HVM_PARAM_IOREQ_SERVER_PFN, 5, false), 0);
	assert_int_equal(hvm_param_may_set(params, HVM_PARAM_IOREQ_SERVER_PFN, 6, false), -EEXIST);
	params[HVM_PARAM_STORE_PFN] = 5;
	assert_int_equal(hvm_param_may_set(params, HVM_PARAM_STORE_PFN, 6, false), 0);
	memset(params, 0, sizeof(params));
}

static int store(u32 index, u64 value, u32 *out_index, u64 *out_value, bool *crash)
{
	*out_index = index;
	*out_value = value;
	return hvm_param_store_value(out_index, out_value, crash);
}

static void test_values(void **state)
{
	u32 i;
	u64 v;
	bool crash;

	(void)state;
	assert_int_equal(store(HVM_PARAM_TRIPLE_FAULT_REASON, SHUTDOWN_MAX, &i, &v, &crash), 0);
	assert_int_equal(store(HVM_PARAM_TRIPLE_FAULT_REASON, SHUTDOWN_MAX + 1, &i, &v, &crash),
			 -EINVAL);
	assert_int_equal(store(HVM_PARAM_TIMER_MODE, 4, &i, &v, &crash), -EINVAL);
	assert_int_equal(store(HVM_PARAM_X87_FIP_WIDTH, 3, &i, &v, &crash), -EINVAL);
	assert_int_equal(store(HVM_PARAM_X87_FIP_WIDTH, 8, &i, &v, &crash), 0);
	assert_int_equal(store(HVM_PARAM_VIRIDIAN, HVMPV_time_ref_count, &i, &v, &crash), -EINVAL);
	assert_int_equal(store(HVM_PARAM_NR_IOREQ_SERVER_PAGES, 0, &i, &v, &crash), -EINVAL);
	assert_int_equal(store(HVM_PARAM_ACPI_IOPORTS_LOCATION, 1, &i, &v, &crash), -ENODEV);
	/* MCA_CAP: LMCE only (the host's LMCE is hvm.c's to check). */
	assert_int_equal(store(HVM_PARAM_MCA_CAP, XEN_HVM_MCA_CAP_LMCE, &i, &v, &crash), 0);
	assert_int_equal(store(HVM_PARAM_MCA_CAP, 2, &i, &v, &crash), -EINVAL);
	/* With the PM timer: between 0 and 1 only. */
	assert_int_equal(hvm_param_pm_location(0, 1), 0);
	assert_int_equal(hvm_param_pm_location(1, 1), 0);
	assert_int_equal(hvm_param_pm_location(1, 0), 0);
	assert_int_equal(hvm_param_pm_location(0, 2), -EINVAL);
	assert_false(crash);
}

static void test_vm86_tss(void **state)
{
	u32 i;
	u64 v;
	bool crash;

	(void)state;
	memset(params, 0, sizeof(params));
	assert_int_equal(store(HVM_PARAM_VM86_TSS, 0x5000, &i, &v, &crash), 0);
	assert_int_equal(i, HVM_PARAM_VM86_TSS_SIZED);
	params[i] = v;
	assert_int_equal(hvm_param_read(params, HVM_PARAM_VM86_TSS), 0x5000);
	assert_int_equal(hvm_param_read(params, HVM_PARAM_VM86_TSS_SIZED), (128UL << 32) | 0x5000);
	assert_int_equal(store(HVM_PARAM_VM86_TSS, 1UL << 32, &i, &v, &crash), -EINVAL);
	assert_true(crash);
	assert_int_equal(store(HVM_PARAM_VM86_TSS_SIZED, 50UL << 32, &i, &v, &crash), -EINVAL);
	assert_true(crash);
	assert_int_equal(
	    store(HVM_PARAM_VM86_TSS_SIZED, (0x10000UL << 32) | 0x6000, &i, &v, &crash), 0);
	params[i] = v;
	assert_int_equal(hvm_param_read(params, HVM_PARAM_VM86_TSS_SIZED), (8329UL << 32) | 0x6000);
	memset(params, 0, sizeof(params));
}

static void test_callback_vector(void **state)
{
	(void)state;
	assert_int_equal(hvm_callback_vector((2UL << 56) | 0xf3), 0xf3);
	assert_int_equal(hvm_callback_vector(0), -1);
	assert_int_equal(hvm_callback_vector(1), -1);			 /* GSI 1 */
	assert_int_equal(hvm_callback_vector((1UL << 56) | 0x1801), -1); /* PCI INTx */
	assert_int_equal(hvm_callback_vector((3UL << 56) | 0x40), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_guest_reads),
		cmocka_unit_test(test_out_of_range_and_deprecated),
		cmocka_unit_test(test_guest_sets),
		cmocka_unit_test(test_set_once),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_vm86_tss),
		cmocka_unit_test(test_callback_vector),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
