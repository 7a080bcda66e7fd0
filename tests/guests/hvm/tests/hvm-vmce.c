/*
 * The machine-check MSRs of an HVM/PVH vCPU, as Xen 4.17's vMCE answers
 * them. CPUID leaf 1 offers MCE and MCA (QEMU's CPU has both); MCG_CAP is
 * Xen's for a new vCPU: two banks, no MCG_CTL_P, on Intel also SER_P,
 * TES_P and CMCI_P, and a write leaves it as it was; MCG_STATUS keeps
 * what is written; MCG_CTL reads 0 (no MCG_CTL_P) and takes writes; each
 * bank's CTL reads all ones whatever is written, its STATUS, ADDR and
 * MISC read 0, take 0 and #GP on anything else; past the two banks the
 * MSRs read 0 and drop writes; on Intel the two banks' CTL2 keep what is
 * written, elsewhere CTL2 reads 0 and drops writes; MCG_EXT_CTL #GPs both
 * ways (no MCG_LMCE_P). The Pentium's P5_MC_ADDR and P5_MC_TYPE (0 and 1)
 * read 0 and #GP on writes. A Linux kernel that found MCA reads these in its
 * resume path and panics at a #GP.
 */
#include "xtest.h"
#include "msr-index.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");

#define MCG_CAP_INTEL 0x1000c02ULL /* SER_P, TES_P, CMCI_P, two banks */
#define GP 13

static bool is_intel(void)
{
	uint32_t a, b, c, d;

	hvm_cpuid(0, 0, &a, &b, &c, &d);
	return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e; /* GenuineIntel */
}

/* @msr reads without a fault; its value */
static uint64_t rd(uint32_t msr)
{
	uint64_t v = 0;
	int f = hvm_rdmsr_safe(msr, &v);

	xtest_check(f < 0, "rdmsr %#x: vector %d", msr, f);
	return v;
}

static void wr_ok(uint32_t msr, uint64_t v)
{
	int f = hvm_wrmsr_safe(msr, v);

	xtest_check(f < 0, "wrmsr %#x <- %#lx: vector %d", msr, (unsigned long)v, f);
}

static void wr_gp(uint32_t msr, uint64_t v)
{
	int f = hvm_wrmsr_safe(msr, v);

	xtest_check(f == GP, "wrmsr %#x <- %#lx: vector %d, want #GP", msr, (unsigned long)v, f);
}

static void global_msrs(uint64_t want_cap)
{
	uint64_t cap = rd(MSR_MCG_CAP);

	xtest_check(cap == want_cap, "MCG_CAP %#lx, want %#lx", (unsigned long)cap,
		    (unsigned long)want_cap);
	wr_ok(MSR_MCG_CAP, 0);
	xtest_check(rd(MSR_MCG_CAP) == cap, "MCG_CAP took a write");
	xtest_check(rd(MSR_MCG_STATUS) == 0, "MCG_STATUS not 0 at boot");
	wr_ok(MSR_MCG_STATUS, 5); /* RIPV | MCIP */
	xtest_check(rd(MSR_MCG_STATUS) == 5, "MCG_STATUS did not keep 5");
	wr_ok(MSR_MCG_STATUS, 0);
	xtest_check(rd(MSR_MCG_CTL) == 0, "MCG_CTL not 0 without MCG_CTL_P");
	wr_ok(MSR_MCG_CTL, ~0ULL);
	xtest_check(rd(MSR_MCG_CTL) == 0, "MCG_CTL took a write");
}

static void bank_msrs(void)
{
	for (uint32_t ctl = MSR_MC0_CTL; ctl < MSR_MC0_CTL + 4 * 2; ctl += 4) {
		xtest_check(rd(ctl) == ~0ULL, "%#x (CTL) not all ones", ctl);
		wr_ok(ctl, 0);
		xtest_check(rd(ctl) == ~0ULL, "%#x (CTL) took 0", ctl);
		for (uint32_t m = ctl + 1; m < ctl + 4; m++) {
			xtest_check(rd(m) == 0, "%#x not 0", m);
			wr_ok(m, 0);
			wr_gp(m, 1);
		}
	}
	/* bank 2, past MCG_CAP's count */
	xtest_check(rd(MSR_MC0_CTL + 8) == 0, "bank 2's CTL not 0");
	wr_ok(MSR_MC0_CTL + 9, 1);
	xtest_check(rd(MSR_MC0_CTL + 9) == 0, "bank 2's STATUS took 1");
}

static void ctl2_msrs(bool intel)
{
	for (uint32_t i = 0; i < 2; i++) {
		uint64_t v = 0x8000 | (i + 1);

		xtest_check(rd(MSR_MC0_CTL2 + i) == 0, "MC%u_CTL2 not 0 at boot", i);
		wr_ok(MSR_MC0_CTL2 + i, v);
		xtest_check(rd(MSR_MC0_CTL2 + i) == (intel ? v : 0), "MC%u_CTL2 %#lx after %#lx", i,
			    (unsigned long)rd(MSR_MC0_CTL2 + i), (unsigned long)v);
		wr_ok(MSR_MC0_CTL2 + i, 0);
	}
	wr_ok(MSR_MC0_CTL2 + 2, 1);
	xtest_check(rd(MSR_MC0_CTL2 + 2) == 0, "MC2_CTL2 took 1");
}

static void p5_msrs(void)
{
	for (uint32_t msr = MSR_P5_MC_ADDR; msr <= MSR_P5_MC_TYPE; msr++) {
		xtest_check(rd(msr) == 0, "P5 MSR %#x not 0", msr);
		wr_gp(msr, 0);
	}
}

void test_main(void)
{
	uint32_t a, b, c, d;
	uint64_t v;
	int f;
	bool intel = is_intel();

	hvm_cpuid(1, 0, &a, &b, &c, &d);
	xtest_check((d & (1u << 7)) && (d & (1u << 14)), "CPUID.1:EDX %#x: MCE and MCA not offered",
		    d);
	global_msrs(intel ? MCG_CAP_INTEL : 2);
	bank_msrs();
	ctl2_msrs(intel);
	p5_msrs();
	f = hvm_rdmsr_safe(MSR_MCG_EXT_CTL, &v);
	xtest_check(f == GP, "rdmsr MCG_EXT_CTL: vector %d, want #GP", f);
	wr_gp(MSR_MCG_EXT_CTL, 0);
	printk("vMCE MSRs of a %s vCPU checked\n", intel ? "Intel" : "non-Intel");
}
