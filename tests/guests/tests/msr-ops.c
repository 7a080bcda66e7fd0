/*
 * rdmsr/wrmsr from a PV kernel, as Xen 4.17 answers them: the segment
 * bases, EFER (writes of its own value only), TSC (read only), TSC_AUX
 * (32 bits, seen by rdtscp), a fixed APIC_BASE, Xen's PAT (read only),
 * MISC_ENABLE with Xen's mask (writes ignored), PLATFORM_INFO,
 * MISC_FEATURES_ENABLES and PERF_CAPABILITIES as 0, the hypercall-page MSR
 * reading 0 (a write of a page's address fills it with the hypercall
 * stubs), the vendor's performance counters and (AMD) P-state MSRs
 * reading 0 and dropping writes (no vPMU), the machine-check MSRs as
 * Xen's vMCE (below); everything else #GP(0), MTRRs and PLATFORM_ID
 * included.
 */
#include "xtest.h"
#include "msr-index.h"

/* The builder fills hypercall_page; the MSR must fill another page the same way. */
XTEST_USE_HYPERCALL_PAGE();

#define MSR_TSC 0x10
#define MSR_PLATFORM_ID 0x17
#define MSR_SPEC_CTRL 0x48
#define MSR_PLATFORM_INFO 0xce
#define MSR_MISC_FEATURES_ENABLES 0x140
#define MSR_SYSENTER_CS 0x174
#define MSR_MISC_ENABLE 0x1a0
#define MSR_PAT 0x277
#define MSR_MTRRdefType 0x2ff
#define MSR_PERF_CAPABILITIES 0x345
#define MSR_XEN_HYPERCALL 0x40000000
#define MSR_LSTAR 0xc0000082
#define XEN_PAT 0x0000050100070406UL

static unsigned int msr_nr;
static unsigned long msr_val;

static void do_rdmsr(void *arg)
{
	unsigned int lo, hi;

	(void)arg;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr_nr));
	msr_val = ((unsigned long)hi << 32) | lo;
}

static void do_wrmsr(void *arg)
{
	(void)arg;
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr_nr), "a"((unsigned int)msr_val),
			   "d"((unsigned int)(msr_val >> 32)));
}

/* rdmsr: true and *val, or false after checking the #GP(0). */
static bool rd(unsigned int msr, unsigned long *val)
{
	struct xtest_fault f;

	msr_nr = msr;
	if (xtest_catch(do_rdmsr, NULL, &f)) {
		xtest_check(f.vector == X86_EXC_GP && f.error_code == 0,
			    "rdmsr %#x: vector %u error code %#lx", msr, f.vector, f.error_code);
		return false;
	}
	*val = msr_val;
	return true;
}

static bool wr(unsigned int msr, unsigned long val)
{
	struct xtest_fault f;

	msr_nr = msr;
	msr_val = val;
	if (xtest_catch(do_wrmsr, NULL, &f)) {
		xtest_check(f.vector == X86_EXC_GP && f.error_code == 0,
			    "wrmsr %#x: vector %u error code %#lx", msr, f.vector, f.error_code);
		return false;
	}
	return true;
}

static unsigned long rd_ok(unsigned int msr)
{
	unsigned long v = 0;

	xtest_check(rd(msr, &v), "rdmsr %#x refused", msr);
	return v;
}

static void check_reads(void)
{
	unsigned long v, t0, t1;

	t0 = rd_ok(MSR_TSC);
	t1 = rd_ok(MSR_TSC);
	xtest_check(t1 > t0, "TSC went from %#lx to %#lx", t0, t1);
	xtest_check((v = rd_ok(MSR_APIC_BASE)) == 0xfee00900UL, "APIC_BASE %#lx", v);
	xtest_check((v = rd_ok(MSR_PAT)) == XEN_PAT, "PAT %#lx", v);
	v = rd_ok(MSR_MISC_ENABLE);
	xtest_check((v & 0x801800) == 0x801800 && !(v & 0x40080), "MISC_ENABLE %#lx", v);
	xtest_check(rd_ok(MSR_PLATFORM_INFO) == 0, "PLATFORM_INFO not 0");
	xtest_check(rd_ok(MSR_MISC_FEATURES_ENABLES) == 0, "MISC_FEATURES_ENABLES not 0");
	xtest_check(rd_ok(MSR_PERF_CAPABILITIES) == 0, "PERF_CAPABILITIES not 0");
	xtest_check(rd_ok(MSR_XEN_HYPERCALL) == 0, "the hypercall-page MSR does not read 0");
	xtest_check(rd_ok(MSR_EFER) & 0x500, "EFER without LME/LMA");
	/* SVME is the hypervisor's (on for its HVM guests): never shown to PV. */
	xtest_check(!(rd_ok(MSR_EFER) & 0x1000), "EFER shows SVME");
}

static void check_writes(void)
{
	unsigned long v, efer = rd_ok(MSR_EFER), misc = rd_ok(MSR_MISC_ENABLE);
	unsigned int aux;

	xtest_check(wr(MSR_EFER, efer), "EFER write of its own value refused");
	xtest_check(!wr(MSR_EFER, efer ^ EFER_NXE), "EFER write of another value accepted");
	xtest_check(wr(MSR_MISC_ENABLE, misc ^ 1) && rd_ok(MSR_MISC_ENABLE) == misc,
		    "MISC_ENABLE write not ignored");
	xtest_check(wr(MSR_TSC_AUX, 5) && rd_ok(MSR_TSC_AUX) == 5, "TSC_AUX did not take 5");
	__asm__ volatile("rdtscp" : "=c"(aux) : : "rax", "rdx");
	xtest_check(aux == 5, "rdtscp saw TSC_AUX %u", aux);
	xtest_check(!wr(MSR_TSC_AUX, 1UL << 32), "TSC_AUX took bit 32");
	xtest_check(wr(MSR_TSC_AUX, 0), "TSC_AUX refused 0");
	xtest_check(wr(MSR_MISC_FEATURES_ENABLES, 0), "MISC_FEATURES_ENABLES refused 0");
	xtest_check(!wr(MSR_MISC_FEATURES_ENABLES, 1), "CPUID faulting could be enabled");
	xtest_check(!wr(MSR_PAT, XEN_PAT), "PAT write accepted");
	xtest_check(!wr(MSR_TSC, 0x1000), "TSC write accepted");
	xtest_check(!wr(MSR_PERF_CAPABILITIES, 0), "PERF_CAPABILITIES write accepted");
	xtest_check(wr(MSR_FS_BASE, 0x1234000) && rd_ok(MSR_FS_BASE) == 0x1234000,
		    "FS_BASE did not take the value");
	xtest_check(wr(MSR_FS_BASE, 0), "FS_BASE refused 0");
	(void)v;
}

static void check_refused(void)
{
	static const unsigned int msrs[] = { MSR_PLATFORM_ID,	      MSR_SPEC_CTRL,   MSR_MTRRCAP,
					     MSR_SYSENTER_CS,	      MSR_MTRRdefType, MSR_LSTAR,
					     0x200 /* MTRR base 0 */, 0xdead };
	unsigned long v;

	for (unsigned int i = 0; i < sizeof(msrs) / sizeof(msrs[0]); i++)
		xtest_check(!rd(msrs[i], &v), "rdmsr %#x gave %#lx", msrs[i], v);
	xtest_check(!wr(0xdead, 0), "wrmsr 0xdead accepted");
	xtest_check(!wr(MSR_LSTAR, 0), "wrmsr LSTAR accepted");
}

static bool cpu_is_amd(void)
{
	unsigned int a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	return b == 0x68747541;
}

/* Without a vPMU the counters and event selectors read 0 and drop writes. */
static void check_vendor_msrs(void)
{
	unsigned int evtsel = cpu_is_amd() ? 0xc0010000 : 0x186;
	unsigned int ctr = cpu_is_amd() ? 0xc0010004 : 0xc1;

	xtest_check(wr(evtsel, 0x430076) && rd_ok(evtsel) == 0, "event selector kept a value");
	xtest_check(wr(ctr, 0x1234) && rd_ok(ctr) == 0, "counter kept a value");
	if (cpu_is_amd()) {
		unsigned long hwcr = rd_ok(0xc0010015);

		xtest_check(!(hwcr & ~(1UL << 24)), "HWCR %#lx", hwcr);
		xtest_check(wr(0xc0010015, hwcr ^ 1) && rd_ok(0xc0010015) == hwcr,
			    "HWCR write not ignored");
		xtest_check(rd_ok(0xc0010064) == 0 && wr(0xc0010062, 1), "P-state MSRs");
	}
}

/*
 * The machine-check MSRs never #GP on reads: MCG_CAP (the bank count
 * differs: Xen gives its vCPUs two, Petrel its own none), MCG_STATUS 0, a
 * bank's CTL all ones (writes dropped), its STATUS 0 (0 may be written,
 * nothing else), and beyond the banks 0; the Pentium's P5_MC_ADDR and
 * P5_MC_TYPE (0 and 1) read 0 and #GP on writes.
 */
static void check_mce_msrs(void)
{
	unsigned long cap = rd_ok(MSR_MCG_CAP), banks = cap & 0xff;

	xtest_check(banks <= 2, "MCG_CAP %#lx", cap);
	xtest_check(rd_ok(MSR_MCG_STATUS) == 0 && wr(MSR_MCG_STATUS, 0), "MCG_STATUS");
	xtest_check(wr(MSR_MCG_CAP, 0) && rd_ok(MSR_MCG_CAP) == cap, "MCG_CAP took a write");
	for (unsigned int ctl = MSR_MC0_CTL; ctl < MSR_MC0_CTL + 4 * banks; ctl += 4) {
		xtest_check(rd_ok(ctl) == ~0UL && wr(ctl, 0) && rd_ok(ctl) == ~0UL, "%#x (CTL)",
			    ctl);
		xtest_check(rd_ok(ctl + 1) == 0 && wr(ctl + 1, 0), "%#x (STATUS) not 0", ctl + 1);
		xtest_check(!wr(ctl + 1, 1), "%#x (STATUS) took 1", ctl + 1);
	}
	xtest_check(rd_ok(MSR_MC0_CTL + 4 * banks) == 0, "the CTL after the last bank not 0");
	for (unsigned int msr = MSR_P5_MC_ADDR; msr <= MSR_P5_MC_TYPE; msr++)
		xtest_check(rd_ok(msr) == 0 && !wr(msr, 0), "P5 MSR %#x", msr);
	printk("MCG_CAP %#lx\n", cap);
}

static unsigned char stub_page[4096] __attribute__((aligned(4096)));

/* The machine frame of a page of the image (mapped at VIRT_BASE + pfn * 4096). */
static unsigned long image_mfn(const void *p)
{
	unsigned long pfn = ((unsigned long)p - 0xffffffff80000000UL) >> 12;

	return ((unsigned long *)xtest_start_info->mfn_list)[pfn];
}

static void check_hypercall_page_msr(void)
{
	unsigned long mfn = image_mfn(stub_page), cr3;

	memset(stub_page, 0xcc, sizeof(stub_page));
	xtest_check(wr(MSR_XEN_HYPERCALL, mfn << 12), "hypercall-page MSR refused a data page");
	xtest_check(!memcmp(stub_page, hypercall_page, sizeof(stub_page)),
		    "the MSR's page differs from the builder's hypercall page");
	xtest_check(!wr(MSR_XEN_HYPERCALL, (mfn << 12) | 8), "a page offset was accepted");
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	xtest_check(!wr(MSR_XEN_HYPERCALL, cr3 & ~0xfffUL), "the L4 frame was accepted");
	xtest_check(!wr(MSR_XEN_HYPERCALL + 1, 0), "MSR 0x40000001 accepted");
}

void test_main(void)
{
	check_reads();
	check_writes();
	check_refused();
	check_vendor_msrs();
	check_mce_msrs();
	check_hypercall_page_msr();
	printk("MSR checks done\n");
}

TEST_EXPECT("MSR checks done");
