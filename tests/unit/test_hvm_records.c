/*
 * The extended-state records of the HVM context stream:
 * xen/arch/x86/hvm/cpu_records.c (included below). CPU_XSAVE, VMCE_VCPU,
 * TSC_ADJUST and CPU_MSR as Xen 4.17 writes and checks them: Xen's records
 * of x87/SSE state give back the FXSAVE image they were made from, the
 * VMCE_VCPU record Petrel writes passes its own check and a record's
 * state comes back whole; malformed records are refused with Xen's errors,
 * and state Petrel does not keep with -EOPNOTSUPP.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../xen/arch/x86/hvm/cpu_records.c"

#define MCG_CAP_INTEL_DEFAULT 0x1000c02ULL

static u8 buf[4096];

/* An FXSAVE image with every x87 and XMM byte set, MXCSR 0x1f80 | RC. */
static void fill_fxsave(u8 *fx)
{
	u32 mxcsr = 0x7f80;

	for (unsigned int i = 0; i < 512; i++)
		fx[i] = (u8)(i * 7 + 1);
	memcpy(fx + FXSAVE_MXCSR, &mxcsr, sizeof(mxcsr));
	memset(fx + 28, 0xff, 4); /* MXCSR_MASK */
}

/*
 * In buf, the CPU_XSAVE record Xen writes for a vCPU with x87 and SSE in
 * XCR0: the FXSAVE image @fx, or for one whose FPU was never used (NULL)
 * nothing in xstate_bv, FCW and MXCSR at their reset values.
 */
static struct hvm_hw_cpu_xsave *xsave_in_buf(const u8 *fx)
{
	struct hvm_hw_cpu_xsave *r = (void *)buf;
	u32 mxcsr = 0x1f80;
	u16 fcw = 0x37f;

	memset(buf, 0, sizeof(buf));
	r->xfeature_mask = r->xcr0 = r->xcr0_accum = XSTATE_X87_SSE;
	if (fx) {
		memcpy(r->save_area.fpu_sse.x, fx, 512);
		r->save_area.xsave_hdr.xstate_bv = XSTATE_X87_SSE;
	} else {
		memcpy(r->save_area.fpu_sse.x, &fcw, sizeof(fcw));
		memcpy(r->save_area.fpu_sse.x + FXSAVE_MXCSR, &mxcsr, sizeof(mxcsr));
	}
	return r;
}

static void test_xsave_round_trip(void **state)
{
	u8 fx[512], back[512];
	struct hvm_hw_cpu_xsave *r;

	(void)state;
	fill_fxsave(fx);
	r = xsave_in_buf(fx);
	assert_int_equal(r->xcr0, XSTATE_X87_SSE);
	assert_int_equal(r->xcr0_accum, XSTATE_X87_SSE);
	assert_int_equal(r->save_area.xsave_hdr.xstate_bv, XSTATE_X87_SSE);
	assert_int_equal(r->save_area.xsave_hdr.xcomp_bv, 0);
	assert_int_equal(xsave_record_check(buf, XSAVE_RECORD_SIZE), 0);
	xsave_record_image(buf, back);
	assert_memory_equal(back, fx, 512);
}

/* A vCPU that never used its FPU: nothing in xstate_bv, FCW and MXCSR at reset. */
static void test_xsave_fresh(void **state)
{
	u8 back[512];
	u32 mxcsr;
	u16 fcw;

	(void)state;
	xsave_in_buf(NULL);
	assert_int_equal(((struct hvm_hw_cpu_xsave *)buf)->save_area.xsave_hdr.xstate_bv, 0);
	assert_int_equal(xsave_record_check(buf, XSAVE_RECORD_SIZE), 0);
	memset(back, 0xaa, sizeof(back));
	xsave_record_image(buf, back);
	memcpy(&fcw, back, sizeof(fcw));
	memcpy(&mxcsr, back + FXSAVE_MXCSR, sizeof(mxcsr));
	assert_int_equal(fcw, 0x37f);
	assert_int_equal(mxcsr, 0x1f80);
	for (unsigned int i = FXSAVE_ST0; i < FXSAVE_XMM_END; i++)
		assert_int_equal(back[i], 0);
}

/* Components not in xstate_bv come back in their initial state, the others as saved. */
static void test_xsave_init_components(void **state)
{
	u8 fx[512], back[512];
	struct hvm_hw_cpu_xsave *r;
	u16 fcw;

	(void)state;
	fill_fxsave(fx);
	r = xsave_in_buf(fx);
	r->save_area.xsave_hdr.xstate_bv = XSTATE_SSE;
	xsave_record_image(buf, back);
	memcpy(&fcw, back, sizeof(fcw));
	assert_int_equal(fcw, 0x37f);
	assert_int_equal(back[FXSAVE_ST0], 0);
	assert_memory_equal(back + FXSAVE_MXCSR, fx + FXSAVE_MXCSR, 4);
	assert_memory_equal(back + FXSAVE_XMM0, fx + FXSAVE_XMM0, FXSAVE_XMM_END - FXSAVE_XMM0);
	r->save_area.xsave_hdr.xstate_bv = XSTATE_X87;
	xsave_record_image(buf, back);
	assert_memory_equal(back, fx, FXSAVE_XMM0);
	assert_int_equal(back[FXSAVE_XMM0], 0);
	assert_int_equal(back[FXSAVE_XMM_END - 1], 0);
}

static int xsave_check_with(u64 xcr0, u64 accum, u64 bv)
{
	u8 fx[512];
	struct hvm_hw_cpu_xsave *r;

	fill_fxsave(fx);
	r = xsave_in_buf(fx);
	r->xcr0 = xcr0;
	r->xcr0_accum = accum;
	r->save_area.xsave_hdr.xstate_bv = bv;
	return xsave_record_check(buf, XSAVE_RECORD_SIZE);
}

static void test_xsave_masks(void **state)
{
	(void)state;
	/* Xen's consistency checks: -EINVAL */
	assert_int_equal(xsave_check_with(3, 3, 7), -EINVAL);	    /* bv beyond accum */
	assert_int_equal(xsave_check_with(7, 3, 3), -EINVAL);	    /* xcr0 beyond accum */
	assert_int_equal(xsave_check_with(2, 2, 2), -EINVAL);	    /* no x87 */
	assert_int_equal(xsave_check_with(5, 5, 1), -EINVAL);	    /* YMM without SSE */
	assert_int_equal(xsave_check_with(0x27, 0x27, 3), -EINVAL); /* AVX-512 in part */
	assert_int_equal(xsave_check_with(0xb, 0xb, 3), -EINVAL);   /* BNDREGS without BNDCSR */
	assert_int_equal(xsave_check_with(1, 1, 1), 0);
	/* valid on Xen, but AVX state Petrel's vCPUs do not have */
	assert_int_equal(xsave_check_with(3, 7, 3), -EOPNOTSUPP);
	assert_int_equal(xsave_check_with(7, 7, 7), -EOPNOTSUPP);
}

static void test_xsave_layout(void **state)
{
	u8 fx[512];
	struct hvm_hw_cpu_xsave *r;
	u32 bad_mxcsr = 0x10000;

	(void)state;
	fill_fxsave(fx);
	r = xsave_in_buf(fx);
	assert_int_equal(xsave_record_check(buf, XSAVE_RECORD_SIZE - 1), -EINVAL);
	assert_int_equal(xsave_record_check(buf, 24), -EINVAL);
	/* a longer record of zeros is taken (older Xens), anything else in it is not */
	assert_int_equal(xsave_record_check(buf, XSAVE_RECORD_SIZE + 256), 0);
	buf[XSAVE_RECORD_SIZE + 100] = 1;
	assert_int_equal(xsave_record_check(buf, XSAVE_RECORD_SIZE + 256), -EOPNOTSUPP);
	buf[XSAVE_RECORD_SIZE + 100] = 0;
	r->save_area.xsave_hdr.xcomp_bv = (1ULL << 63) | 3; /* the compacted form */
	assert_int_equal(xsave_record_check(buf, XSAVE_RECORD_SIZE), -EOPNOTSUPP);
	r->save_area.xsave_hdr.xcomp_bv = 0;
	r->save_area.xsave_hdr.reserved[5] = 1;
	assert_int_equal(xsave_record_check(buf, XSAVE_RECORD_SIZE), -EIO);
	r->save_area.xsave_hdr.reserved[5] = 0;
	memcpy(r->save_area.fpu_sse.x + FXSAVE_MXCSR, &bad_mxcsr, sizeof(bad_mxcsr));
	assert_int_equal(xsave_record_check(buf, XSAVE_RECORD_SIZE), -EINVAL);
}

static void test_vmce(void **state)
{
	struct hvm_vmce_vcpu r, got;

	(void)state;
	vmce_record_make(&r, false);
	assert_int_equal(r.caps, 2);
	assert_int_equal(vmce_record_check((u8 *)&r, sizeof(r), false, &got), 0);
	vmce_record_make(&r, true);
	assert_int_equal(r.caps, MCG_CAP_INTEL_DEFAULT);
	assert_int_equal(r.mci_ctl2_bank0 | r.mci_ctl2_bank1, 0);
	assert_int_equal(vmce_record_check((u8 *)&r, sizeof(r), true, &got), 0);
	/* a record from before MCG_EXT_CTL (24 bytes) is zero-extended; a longer one refused */
	r.mcg_ext_ctl = 1;
	assert_int_equal(vmce_record_check((u8 *)&r, sizeof(r) - 8, true, &got), 0);
	assert_int_equal(got.caps, MCG_CAP_INTEL_DEFAULT);
	assert_int_equal(got.mcg_ext_ctl, 0);
	r.mcg_ext_ctl = 0;
	assert_int_equal(vmce_record_check(buf, sizeof(r) + 8, true, &got), -EINVAL);
	/* Intel's capabilities on AMD, and an unknown bit: Xen refuses them */
	assert_int_equal(vmce_record_check((u8 *)&r, sizeof(r), false, &got), -EINVAL);
	r.caps = 2 | (1ULL << 40);
	assert_int_equal(vmce_record_check((u8 *)&r, sizeof(r), false, &got), -EINVAL);
	/* Xen takes MCG_CTL_P, any bank count, LMCE on Intel, and the CTL2 and EXT_CTL words */
	r.caps = 32 | MCG_CTL_P;
	assert_int_equal(vmce_record_check((u8 *)&r, sizeof(r), false, &got), 0);
	r.caps = MCG_CAP_INTEL_DEFAULT | MCG_LMCE_P;
	assert_int_equal(vmce_record_check((u8 *)&r, sizeof(r), true, &got), 0);
	assert_int_equal(vmce_record_check((u8 *)&r, sizeof(r), false, &got), -EINVAL);
	r.caps = 2;
	r.mci_ctl2_bank1 = 1;
	r.mcg_ext_ctl = 1;
	assert_int_equal(vmce_record_check((u8 *)&r, sizeof(r), false, &got), 0);
	assert_memory_equal(&got, &r, sizeof(r));
}

static void test_tsc_adjust(void **state)
{
	struct hvm_tsc_adjust r = { 0 };

	(void)state;
	assert_int_equal(tsc_adjust_record_check((u8 *)&r, sizeof(r)), 0);
	assert_int_equal(tsc_adjust_record_check((u8 *)&r, 4), -EINVAL);
	assert_int_equal(tsc_adjust_record_check(buf, 16), -EINVAL);
	r.tsc_adjust = (u64)-1000;
	assert_int_equal(tsc_adjust_record_check((u8 *)&r, sizeof(r)), -EOPNOTSUPP);
}

/* A CPU_MSR record in buf: its length. */
static u32 msr_record(u32 count, const struct hvm_one_msr *m, unsigned int n)
{
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &count, sizeof(count));
	memcpy(buf + 8, m, n * sizeof(*m));
	return PETREL_HVM_MSR_SIZE(n);
}

static void test_msr(void **state)
{
	struct hvm_one_msr m[2] = { { 0x48, 0, 0 }, { 0xc0011027, 0, 0 } };
	u32 len;

	(void)state;
	len = msr_record(2, m, 2);
	assert_int_equal(msr_record_check(buf, len), 0);
	/* fewer than one entry, a length the count does not make */
	assert_int_equal(msr_record_check(buf, 8), -EINVAL);
	assert_int_equal(msr_record_check(buf, 4), -EINVAL);
	assert_int_equal(msr_record_check(buf, len + 16), -EOPNOTSUPP);
	len = msr_record(3, m, 2);
	assert_int_equal(msr_record_check(buf, len), -EOPNOTSUPP);
	len = msr_record(0xffffffffu, m, 2);
	assert_int_equal(msr_record_check(buf, len), -EOPNOTSUPP);
	m[1]._rsvd = 1;
	len = msr_record(2, m, 2);
	assert_int_equal(msr_record_check(buf, len), -EOPNOTSUPP);
	m[1]._rsvd = 0;
	m[1].index = 0x12345678; /* an MSR Xen does not send */
	len = msr_record(2, m, 2);
	assert_int_equal(msr_record_check(buf, len), -ENXIO);
	m[1].index = 0xc001011f;
	m[1].val = 1; /* VIRT_SPEC_CTRL.SSBD: Petrel does not keep it */
	len = msr_record(2, m, 2);
	assert_int_equal(msr_record_check(buf, len), -EOPNOTSUPP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_xsave_round_trip),
		cmocka_unit_test(test_xsave_fresh),
		cmocka_unit_test(test_xsave_init_components),
		cmocka_unit_test(test_xsave_masks),
		cmocka_unit_test(test_xsave_layout),
		cmocka_unit_test(test_vmce),
		cmocka_unit_test(test_tsc_adjust),
		cmocka_unit_test(test_msr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
