/*
 * The vMCE MSRs of a vCPU (xen/arch/x86/vmce.c, included below, with the
 * VMCE_VCPU record's checks of hvm/cpu_records.c): what Xen 4.17 answers
 * on an AMD and on an Intel host, for a new HVM vCPU, a PV vCPU Petrel
 * built (MCG_CAP 0) and a vCPU restored with more banks, MCG_CTL_P and
 * LMCE; the state a record restores comes back whole.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "asm.h"

static enum x86_vendor test_vendor = X86_VENDOR_AMD;
#define cpu_vendor() test_vendor

#include "../../xen/arch/x86/vmce.c"
#include "../../xen/arch/x86/hvm/cpu_records.c"

#define INTEL_CAP 0x1000c02ULL

static u64 rd(const struct vmce_state *m, u32 msr)
{
	u64 v = 0x5a5a;

	assert_true(vmce_rdmsr(m, msr, &v));
	return v;
}

static void test_new_amd(void **state)
{
	struct vmce_state m;
	u64 v;

	(void)state;
	test_vendor = X86_VENDOR_AMD;
	vmce_init(&m);
	assert_int_equal(rd(&m, 0x179), 2);
	assert_true(vmce_wrmsr(&m, 0x179, 0)); /* MCG_CAP: dropped */
	assert_int_equal(rd(&m, 0x179), 2);
	assert_true(vmce_wrmsr(&m, 0x17a, 5));
	assert_int_equal(rd(&m, 0x17a), 5);
	assert_int_equal(rd(&m, 0x17b), 0); /* no MCG_CTL_P */
	for (u32 bank = 0x400; bank < 0x408; bank += 4) {
		assert_true(vmce_wrmsr(&m, bank, 0));
		assert_int_equal(rd(&m, bank), ~0ULL);
		for (u32 i = 1; i < 4; i++) {
			assert_int_equal(rd(&m, bank + i), 0);
			assert_true(vmce_wrmsr(&m, bank + i, 0));
			assert_false(vmce_wrmsr(&m, bank + i, 1));
		}
	}
	assert_int_equal(rd(&m, 0x408), 0); /* bank 2: none */
	assert_true(vmce_wrmsr(&m, 0x409, 1));
	assert_true(vmce_wrmsr(&m, 0x280, 7)); /* CTL2: Intel's only */
	assert_int_equal(rd(&m, 0x280), 0);
	assert_false(vmce_rdmsr(&m, 0x4d0, &v));
	assert_false(vmce_wrmsr(&m, 0x4d0, 0));
}

static void test_new_intel(void **state)
{
	struct vmce_state m;

	(void)state;
	test_vendor = X86_VENDOR_INTEL;
	vmce_init(&m);
	assert_int_equal(rd(&m, 0x179), INTEL_CAP);
	assert_true(vmce_wrmsr(&m, 0x280, 0x8001));
	assert_true(vmce_wrmsr(&m, 0x281, 0x8002));
	assert_true(vmce_wrmsr(&m, 0x282, 0x8003)); /* bank 2: none */
	assert_int_equal(rd(&m, 0x280), 0x8001);
	assert_int_equal(rd(&m, 0x281), 0x8002);
	assert_int_equal(rd(&m, 0x282), 0);
	test_vendor = X86_VENDOR_AMD;
}

static void test_pv_built(void **state)
{
	struct vmce_state m = { 0 };

	(void)state;
	assert_true(vmce_msr(0x17a) && vmce_msr(0x29f) && vmce_msr(0x47f) && vmce_msr(0x4d0));
	assert_false(vmce_msr(0x178) || vmce_msr(0x2a0) || vmce_msr(0x480) || vmce_msr(0x4d1));
	assert_int_equal(rd(&m, 0x179), 0);
	assert_int_equal(rd(&m, 0x400), 0); /* no banks */
	assert_true(vmce_wrmsr(&m, 0x401, 1));
}

static void test_restored(void **state)
{
	struct hvm_vmce_vcpu r = { .caps = 32 | MCG_CTL_P, .mci_ctl2_bank0 = 3 }, back;
	struct vmce_state m = { 0 };

	(void)state;
	test_vendor = X86_VENDOR_AMD;
	assert_int_equal(vmce_restore(&m, &r), 0);
	assert_int_equal(rd(&m, 0x17b), ~0ULL);
	assert_int_equal(rd(&m, 0x47c), ~0ULL); /* bank 31's CTL */
	assert_false(vmce_wrmsr(&m, 0x47d, 1));
	vmce_save(&m, &back);
	assert_memory_equal(&back, &r, sizeof(r));
	r.caps = INTEL_CAP;
	assert_int_equal(vmce_restore(&m, &r), -EINVAL); /* Intel's bits on AMD */
	vmce_save(&m, &back);
	assert_int_equal(back.caps, 32 | MCG_CTL_P);

	test_vendor = X86_VENDOR_INTEL;
	r = (struct hvm_vmce_vcpu){ .caps = INTEL_CAP | MCG_LMCE_P, .mcg_ext_ctl = 1 };
	assert_int_equal(vmce_restore(&m, &r), 0);
	assert_int_equal(rd(&m, 0x4d0), 1);
	assert_false(vmce_wrmsr(&m, 0x4d0, 2)); /* only LMCE_EN */
	assert_true(vmce_wrmsr(&m, 0x4d0, 0));
	assert_int_equal(rd(&m, 0x4d0), 0);
	test_vendor = X86_VENDOR_AMD;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_amd),
		cmocka_unit_test(test_new_intel),
		cmocka_unit_test(test_pv_built),
		cmocka_unit_test(test_restored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
