/*
 * The machine-check MSRs of a PV vCPU, as Xen 4.17's vMCE answers them:
 * MCG_CAP, MCG_STATUS, MCG_CTL (0x179-0x17b), the banks' CTL2 (0x280-0x29f),
 * CTL/STATUS/ADDR/MISC (0x400-0x47f) and MCG_EXT_CTL (0x4d0).
 *
 * Petrel injects no machine checks and its own vCPUs start with MCG_CAP 0
 * (no banks). A vCPU restored from Xen's save stream gets the MCG_CAP Xen
 * gave it (set_ext_vcpucontext: two banks, and on Intel SER_P, TES_P,
 * CMCI_P): a kernel that found MCA at boot polls its banks after the
 * restore and panics at a #GP. As on Xen, every read of these MSRs
 * succeeds: MCG_CAP the vCPU's, MCG_STATUS what it last wrote, MCG_CTL all
 * ones with MCG_CTL_P, a bank's CTL all ones, everything else 0. Writes:
 * MCG_STATUS is kept, a nonzero STATUS, ADDR or MISC of a bank the vCPU has
 * is #GP, the rest is dropped. Banks never hold an error here, and CTL2
 * reads 0 (Xen keeps what an Intel guest wrote to its two banks' CTL2).
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "asm.h"
#include "domain.h"
#include "pv.h"

#define MSR_MCG_CAP 0x179
#define MSR_MCG_STATUS 0x17a
#define MSR_MCG_CTL 0x17b
#define MSR_MC0_CTL2 0x280
#define MSR_MC31_CTL2 0x29f
#define MSR_MC0_CTL 0x400
#define MSR_MC31_MISC 0x47f
#define MSR_MCG_EXT_CTL 0x4d0

#define MCG_CAP_COUNT 0xffULL
#define MCG_CTL_P (1ULL << 8)
#define MCG_CMCI_P (1ULL << 10)
#define MCG_TES_P (1ULL << 11)
#define MCG_SER_P (1ULL << 24)
#define MCG_LMCE_P (1ULL << 27)

#define BANK_CTL 0
#define BANK_STATUS 1
#define BANK_ADDR 2
#define BANK_MISC 3

bool pv_vmce_msr(u32 msr)
{
	return (msr >= MSR_MCG_CAP && msr <= MSR_MCG_CTL) ||
	       (msr >= MSR_MC0_CTL2 && msr <= MSR_MC31_CTL2) ||
	       (msr >= MSR_MC0_CTL && msr <= MSR_MC31_MISC) || msr == MSR_MCG_EXT_CTL;
}

/* A CTL/STATUS/ADDR/MISC MSR of one of the vCPU's banks. */
static bool own_bank(const struct pv_vcpu *pv, u32 msr)
{
	return msr >= MSR_MC0_CTL && msr < MSR_MC0_CTL + 4 * (pv->mcg_cap & MCG_CAP_COUNT);
}

/* One of pv_vmce_msr's MSRs; reads never fault. */
u64 pv_vmce_rdmsr(const struct pv_vcpu *pv, u32 msr)
{
	switch (msr) {
	case MSR_MCG_CAP:
		return pv->mcg_cap;
	case MSR_MCG_STATUS:
		return pv->mcg_status;
	case MSR_MCG_CTL:
		return (pv->mcg_cap & MCG_CTL_P) ? ~0ULL : 0;
	default:
		return own_bank(pv, msr) && (msr & 3) == BANK_CTL ? ~0ULL : 0;
	}
}

/* One of pv_vmce_msr's MSRs; false: #GP. */
bool pv_vmce_wrmsr(struct pv_vcpu *pv, u32 msr, u64 val)
{
	if (msr == MSR_MCG_STATUS)
		pv->mcg_status = val;
	else if (own_bank(pv, msr) && (msr & 3) != BANK_CTL && val)
		return false;
	return true;
}

/*
 * The MCG_CAP of a restored vCPU: at most the capabilities Xen 4.17 gives
 * its vCPUs on this CPU's vendor, any bank count, MCG_CTL_P (-EINVAL).
 */
long pv_vmce_restore(struct pv_vcpu *pv, u64 caps)
{
	u64 xen_caps =
	    cpu_vendor() == X86_VENDOR_INTEL ? MCG_SER_P | MCG_TES_P | MCG_CMCI_P | MCG_LMCE_P : 0;

	if (caps & ~xen_caps & ~MCG_CAP_COUNT & ~MCG_CTL_P)
		return -EINVAL;
	pv->mcg_cap = caps;
	return 0;
}
