/*
 * The HVM context records of a vCPU's extended state, as Xen 4.17 writes
 * and checks them: CPU_XSAVE (16), VMCE_VCPU (18), TSC_ADJUST (19) and
 * CPU_MSR (20). Petrel's HVM vCPUs have x87/SSE state and none of the
 * others, so a record is taken when it holds only what Petrel keeps (or
 * the reset values of what it does not); VMCE_VCPU is written with Xen's
 * defaults.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "hvm_records.h"

#define XSTATE_YMM (1ULL << 2)
#define XSTATE_BNDREGS (1ULL << 3)
#define XSTATE_BNDCSR (1ULL << 4)
#define XSTATE_AVX512 (7ULL << 5) /* opmask, ZMM_Hi256, Hi16_ZMM: all or none */

#define FXSAVE_MXCSR 24
#define FXSAVE_ST0 32
#define FXSAVE_XMM0 160
#define FXSAVE_XMM_END 416
#define FCW_RESET 0x037f
#define MXCSR_OK 0xffbfu /* every MXCSR bit but DAZ, which not every CPU has */

/* A value XSETBV would take: x87 on, YMM with SSE, the groups whole. */
static bool xcr0_valid(u64 x)
{
	if (!(x & XSTATE_X87))
		return false;
	if ((x & XSTATE_YMM) && !(x & XSTATE_SSE))
		return false;
	if (!(x & XSTATE_BNDREGS) != !(x & XSTATE_BNDCSR))
		return false;
	if (x & XSTATE_AVX512)
		return (x & XSTATE_AVX512) == XSTATE_AVX512 && (x & XSTATE_YMM);
	return true;
}

/* Xen's order: the masks (-EINVAL), the header's form (-EOPNOTSUPP), its reserved words (-EIO). */
static int xsave_header_check(const struct hvm_hw_cpu_xsave *r)
{
	const struct hvm_hw_cpu_xsave_hdr *h = &r->save_area.xsave_hdr;

	if ((h->xstate_bv & ~r->xcr0_accum) || (r->xcr0 & ~r->xcr0_accum) || !xcr0_valid(r->xcr0) ||
	    !xcr0_valid(r->xcr0_accum))
		return -EINVAL;
	if (h->xcomp_bv)
		return -EOPNOTSUPP;
	for (unsigned int i = 0; i < ARRAY_SIZE(h->reserved); i++)
		if (h->reserved[i])
			return -EIO;
	return 0;
}

int xsave_record_check(const u8 *body, u32 len)
{
	struct hvm_hw_cpu_xsave r;
	u32 mxcsr;
	int rc;

	if (len < XSAVE_RECORD_SIZE)
		return -EINVAL;
	memcpy(&r, body, sizeof(r));
	rc = xsave_header_check(&r);
	if (rc)
		return rc;
	/* Components beyond x87 and SSE: state Petrel's vCPUs cannot hold. */
	if (r.xcr0_accum & ~XSTATE_X87_SSE)
		return -EOPNOTSUPP;
	/* A longer record is taken if the rest is zeros (older Xens wrote them). */
	for (u32 i = XSAVE_RECORD_SIZE; i < len; i++)
		if (body[i])
			return -EOPNOTSUPP;
	memcpy(&mxcsr, r.save_area.fpu_sse.x + FXSAVE_MXCSR, sizeof(mxcsr));
	return mxcsr & ~MXCSR_OK ? -EINVAL : 0;
}

void xsave_record_image(const u8 *body, u8 fxsave[512])
{
	const struct hvm_hw_cpu_xsave *r = (const void *)body;
	u64 bv;
	u16 fcw = FCW_RESET;

	memcpy(&bv, &r->save_area.xsave_hdr.xstate_bv, sizeof(bv));
	memcpy(fxsave, r->save_area.fpu_sse.x, 512);
	if (!(bv & XSTATE_X87)) {
		/* FCW 0x37f, the rest of the x87 state (not MXCSR) zero */
		memset(fxsave, 0, FXSAVE_MXCSR);
		memset(fxsave + FXSAVE_ST0, 0, FXSAVE_XMM0 - FXSAVE_ST0);
		memcpy(fxsave, &fcw, sizeof(fcw));
	}
	if (!(bv & XSTATE_SSE))
		memset(fxsave + FXSAVE_XMM0, 0, FXSAVE_XMM_END - FXSAVE_XMM0);
}

/*
 * Xen's MCG_CAP for a new vCPU: 2 banks, on Intel also TES, CMCI and SER
 * (and LMCE where the toolstack enables it).
 */
#define MCG_BANKS 2ULL
#define MCG_CMCI_P (1ULL << 10)
#define MCG_TES_P (1ULL << 11)
#define MCG_SER_P (1ULL << 24)
#define MCG_CAP_INTEL (MCG_SER_P | MCG_TES_P | MCG_CMCI_P | MCG_BANKS)
#define MCG_CAP_AMD MCG_BANKS

/* Xen's check on a restored MCG_CAP: any bank count and MCG_CTL_P, else its own bits. */
bool vmce_caps_ok(u64 caps, bool intel)
{
	u64 allowed = intel ? MCG_CAP_INTEL | MCG_LMCE_P : MCG_CAP_AMD;

	return !(caps & ~allowed & ~MCG_CAP_COUNT & ~MCG_CTL_P);
}

int vmce_record_check(const u8 *body, u32 len, bool intel, struct hvm_vmce_vcpu *r)
{
	if (len > sizeof(*r))
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	memcpy(r, body, len); /* a shorter one (before MCG_EXT_CTL) is zero-extended */
	return vmce_caps_ok(r->caps, intel) ? 0 : -EINVAL;
}

void vmce_record_make(struct hvm_vmce_vcpu *r, bool intel)
{
	memset(r, 0, sizeof(*r));
	r->caps = intel ? MCG_CAP_INTEL : MCG_CAP_AMD;
}

int tsc_adjust_record_check(const u8 *body, u32 len)
{
	struct hvm_tsc_adjust r;

	if (len != sizeof(r))
		return -EINVAL;
	memcpy(&r, body, sizeof(r));
	return r.tsc_adjust ? -EOPNOTSUPP : 0;
}

/* The MSRs Xen 4.17 puts in a CPU_MSR record. */
static bool msr_sent_by_xen(u32 index)
{
	static const u32 sent[] = {
		0x00000048, /* SPEC_CTRL */
		0x00000140, /* MISC_FEATURES_ENABLES */
		0x000006e1, /* PKRS */
		0x00000d90, /* BNDCFGS */
		0x00000da0, /* XSS */
		0xc001011f, /* VIRT_SPEC_CTRL */
		0xc0011027, /* DR0_ADDRESS_MASK */
		0xc0011019, /* DR1_ADDRESS_MASK */
		0xc001101a, /* DR2_ADDRESS_MASK */
		0xc001101b, /* DR3_ADDRESS_MASK */
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(sent); i++)
		if (sent[i] == index)
			return true;
	return false;
}

/*
 * Xen's checks: at least one entry (-EINVAL), the length the count makes
 * and no reserved word set (-EOPNOTSUPP), each MSR one it sends (-ENXIO);
 * then Petrel's: each value 0, the reset value of an MSR it does not keep.
 */
int msr_record_check(const u8 *body, u32 len)
{
	struct hvm_one_msr m;
	u32 count;

	if (len < PETREL_HVM_MSR_SIZE(1))
		return -EINVAL;
	memcpy(&count, body, sizeof(count));
	if (count > (len - 8) / 16 || len != PETREL_HVM_MSR_SIZE(count))
		return -EOPNOTSUPP;
	for (u32 i = 0; i < count; i++) {
		memcpy(&m, body + PETREL_HVM_MSR_SIZE(i), sizeof(m));
		if (m._rsvd)
			return -EOPNOTSUPP;
	}
	for (u32 i = 0; i < count; i++) {
		memcpy(&m, body + PETREL_HVM_MSR_SIZE(i), sizeof(m));
		if (!msr_sent_by_xen(m.index))
			return -ENXIO;
		if (m.val)
			return -EOPNOTSUPP;
	}
	return 0;
}
