/*
 * The machine-check MSRs of a vCPU, PV or HVM/PVH, as Xen 4.17's vMCE
 * answers them: MCG_CAP, MCG_STATUS, MCG_CTL (0x179-0x17b), the banks'
 * CTL2 (0x280-0x29f), CTL/STATUS/ADDR/MISC (0x400-0x47f) and MCG_EXT_CTL
 * (0x4d0).
 *
 * An HVM vCPU starts with Xen's MCG_CAP (two banks, and on Intel SER_P,
 * TES_P and CMCI_P: hvm/cpu_records.c), as CPUID offers it MCE and MCA; a
 * PV vCPU Petrel built starts with MCG_CAP 0 (no banks), one restored from
 * Xen's stream with the MCG_CAP Xen gave it. Petrel injects no machine
 * checks, so the banks never hold an error.
 *
 * Reads: MCG_CAP the vCPU's, MCG_STATUS what it last wrote, MCG_CTL all
 * ones with MCG_CTL_P, a bank's CTL all ones, on Intel the CTL2 of banks 0
 * and 1 what was written, MCG_EXT_CTL what was written with MCG_LMCE_P and
 * #GP without; everything else 0. Writes: MCG_STATUS is kept, a nonzero
 * STATUS, ADDR or MISC of a bank the vCPU has is #GP, Intel's CTL2 of
 * banks 0 and 1 is kept, MCG_EXT_CTL is kept with MCG_LMCE_P when only its
 * LMCE_EN bit is set (else #GP), the rest is dropped.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "asm.h"
#include "vmce.h"
#include "hvm_records.h"

#define MSR_MCG_CAP 0x179
#define MSR_MCG_STATUS 0x17a
#define MSR_MCG_CTL 0x17b
#define MSR_MC0_CTL2 0x280
#define MSR_MC31_CTL2 0x29f
#define MSR_MC0_CTL 0x400
#define MSR_MC31_MISC 0x47f
#define MSR_MCG_EXT_CTL 0x4d0
#define MCG_EXT_CTL_LMCE_EN 1ULL

#define BANK_CTL 0

bool vmce_msr(u32 msr)
{
	return (msr >= MSR_MCG_CAP && msr <= MSR_MCG_CTL) ||
	       (msr >= MSR_MC0_CTL2 && msr <= MSR_MC31_CTL2) ||
	       (msr >= MSR_MC0_CTL && msr <= MSR_MC31_MISC) || msr == MSR_MCG_EXT_CTL;
}

static unsigned int banks(const struct vmce_state *m)
{
	return m->mcg_cap & MCG_CAP_COUNT;
}

/* A CTL/STATUS/ADDR/MISC MSR of one of the vCPU's banks. */
static bool own_bank(const struct vmce_state *m, u32 msr)
{
	return msr >= MSR_MC0_CTL && msr < MSR_MC0_CTL + 4 * banks(m);
}

/* The bank 0 or 1 whose CTL2 @msr is on an Intel vCPU, else -1. */
static int ctl2_bank(const struct vmce_state *m, u32 msr)
{
	u32 bank = msr - MSR_MC0_CTL2;

	if (msr < MSR_MC0_CTL2 || bank >= banks(m) || bank >= ARRAY_SIZE(m->mci_ctl2) ||
	    cpu_vendor() != X86_VENDOR_INTEL)
		return -1;
	return (int)bank;
}

bool vmce_rdmsr(const struct vmce_state *m, u32 msr, u64 *val)
{
	int ctl2 = ctl2_bank(m, msr);

	*val = 0;
	switch (msr) {
	case MSR_MCG_CAP:
		*val = m->mcg_cap;
		return true;
	case MSR_MCG_STATUS:
		*val = m->mcg_status;
		return true;
	case MSR_MCG_CTL:
		*val = (m->mcg_cap & MCG_CTL_P) ? ~0ULL : 0;
		return true;
	case MSR_MCG_EXT_CTL:
		*val = m->mcg_ext_ctl;
		return m->mcg_cap & MCG_LMCE_P;
	}
	if (ctl2 >= 0)
		*val = m->mci_ctl2[ctl2];
	else if (own_bank(m, msr) && (msr & 3) == BANK_CTL)
		*val = ~0ULL;
	return true;
}

bool vmce_wrmsr(struct vmce_state *m, u32 msr, u64 val)
{
	int ctl2 = ctl2_bank(m, msr);

	switch (msr) {
	case MSR_MCG_STATUS:
		m->mcg_status = val;
		return true;
	case MSR_MCG_EXT_CTL:
		if (!(m->mcg_cap & MCG_LMCE_P) || (val & ~MCG_EXT_CTL_LMCE_EN))
			return false;
		m->mcg_ext_ctl = val;
		return true;
	}
	if (ctl2 >= 0)
		m->mci_ctl2[ctl2] = val;
	else if (own_bank(m, msr) && (msr & 3) != BANK_CTL && val)
		return false;
	return true;
}

void vmce_init(struct vmce_state *m)
{
	struct hvm_vmce_vcpu r;

	vmce_record_make(&r, cpu_vendor() == X86_VENDOR_INTEL);
	memset(m, 0, sizeof(*m));
	vmce_restore(m, &r);
}

long vmce_restore(struct vmce_state *m, const struct hvm_vmce_vcpu *r)
{
	if (!vmce_caps_ok(r->caps, cpu_vendor() == X86_VENDOR_INTEL))
		return -EINVAL;
	m->mcg_cap = r->caps;
	m->mci_ctl2[0] = r->mci_ctl2_bank0;
	m->mci_ctl2[1] = r->mci_ctl2_bank1;
	m->mcg_ext_ctl = r->mcg_ext_ctl;
	return 0;
}

void vmce_save(const struct vmce_state *m, struct hvm_vmce_vcpu *r)
{
	r->caps = m->mcg_cap;
	r->mci_ctl2_bank0 = m->mci_ctl2[0];
	r->mci_ctl2_bank1 = m->mci_ctl2[1];
	r->mcg_ext_ctl = m->mcg_ext_ctl;
}
