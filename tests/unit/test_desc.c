/* PV descriptor checks (xen/common/desc_check.c): every accept and refuse rule. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "types.h"
#include "pv_desc.h"
#include "shim.h"

#define DPL(d) (((d) >> 45) & 3)

static void test_not_present_passes_unchanged(void **state)
{
	u64 d = 0x00cf1a000000ffffUL; /* code, P clear */

	(void)state;
	assert_true(check_descriptor(&d));
	assert_int_equal(d, 0x00cf1a000000ffffUL);
}

static void test_code_data_get_dpl3(void **state)
{
	u64 code = 0x00af9a000000ffffUL, data = 0x00cf92000000ffffUL, d1 = 0x00cfb2000000ffffUL;

	(void)state;
	assert_true(check_descriptor(&code));
	assert_int_equal(DPL(code), 3);
	assert_int_equal(code & ~(3UL << 45), 0x00af9a000000ffffUL);
	assert_true(check_descriptor(&data));
	assert_int_equal(DPL(data), 3);
	assert_true(check_descriptor(&d1)); /* DPL 1 is raised too */
	assert_int_equal(DPL(d1), 3);
}

static void test_type0_system_passes(void **state)
{
	u64 d = 0x0000800000000000UL;

	(void)state;
	assert_true(check_descriptor(&d));
}

static void test_system_descriptors_refused(void **state)
{
	/* 64-bit TSS, LDT, interrupt gate, trap gate, busy TSS, 16-bit call gate */
	const u64 bad[] = { 0x0000890000000067UL, 0x0000820000000fffUL, 0x00008e0000e03000UL,
			    0x00008f0000e03000UL, 0x00008b0000000067UL, 0x0000840000e03000UL };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		u64 d = bad[i];

		assert_false(check_descriptor(&d));
		assert_int_equal(d, bad[i]); /* untouched on refusal */
	}
}

static void test_call_gates(void **state)
{
	u64 to_kernel_cs = 0x0000ec00e0331000UL; /* DPL 3 gate to 0xe033 */
	u64 to_cs32 = 0x0000ec00e0231000UL;
	u64 to_own_gdt = 0x0000ec0000101000UL; /* selector 0x10 */
	u64 to_xen_cs = 0x0000ec00e0081000UL;
	u64 to_null = 0x0000ec0000001000UL;
	u64 to_reserved = 0x0000ec00e0401000UL; /* the TSS selector */

	(void)state;
	assert_true(check_descriptor(&to_kernel_cs));
	assert_int_equal(DPL(to_kernel_cs), 0);
	assert_true(check_descriptor(&to_cs32));
	assert_true(check_descriptor(&to_own_gdt));
	assert_false(check_descriptor(&to_xen_cs));
	assert_false(check_descriptor(&to_null));
	assert_false(check_descriptor(&to_reserved));
}

static void test_gate_selector_rules(void **state)
{
	(void)state;
	assert_true(guest_gate_selector_okay(0xe033));
	assert_true(guest_gate_selector_okay(0xe030)); /* RPL does not matter */
	assert_true(guest_gate_selector_okay(0xe023));
	assert_true(guest_gate_selector_okay(8));
	assert_true(guest_gate_selector_okay((MAX_GUEST_GDT_ENTRIES - 1) << 3));
	assert_false(guest_gate_selector_okay(0));
	assert_false(guest_gate_selector_okay(MAX_GUEST_GDT_ENTRIES << 3));
	assert_false(guest_gate_selector_okay(0xe008));
	assert_false(guest_gate_selector_okay(0xe02b)); /* data, not code */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_present_passes_unchanged),
		cmocka_unit_test(test_code_data_get_dpl3),
		cmocka_unit_test(test_type0_system_passes),
		cmocka_unit_test(test_system_descriptors_refused),
		cmocka_unit_test(test_call_gates),
		cmocka_unit_test(test_gate_selector_rules),
	};

	return cmocka_run_group_tests_name("desc", tests, NULL, NULL);
}
