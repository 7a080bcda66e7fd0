/*
 * MSR and control-register exits of an HVM guest: EFER reads back what
 * long mode needs without the hypervisor's SVME, reserved EFER bits, an
 * unaligned hypercall-page address, an unknown MSR, CR4.VMXE, reserved CR4
 * bits and clearing CR0.PG in 64-bit code all raise #GP in the guest (which carries on);
 * CPUID offers MTRRs only if MTRRcap reads without #GP (hvmloader trusts the bit), and
 * MCA only if MCG_CAP does (Linux panics otherwise); TSC_AUX reads back where CPUID offers
 * rdtscp (the test runs on QEMU's max CPU, which has it), and XSAVE only if CR4.OSXSAVE
 * and xsetbv work (Petrel offers no XSAVE: setting OSXSAVE #GPs); CPUID leaf 7
 * offers no 5-level paging (as on Xen 4.17: Linux's decompressor turns CR4.LA57
 * on when it is offered) and CET or PKS only if their CR4 bits can be set;
 * AVX's family only on top of AVX, and AVX, MPX and PKU only on top of XSAVE
 * (VEX-encoded vector instructions #UD without CR4.OSXSAVE; Linux trusts
 * AVX2 alone to pick AVX2 code); a byte on the 0xE9 debug port reaches the console as a
 * guest line.
 */
#include "xtest.h"
#include "msr-index.h"
#include "hvm.h"

TEST_CPU("max");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M guest_loglvl=all");
TEST_EXPECT("hvm debug port line");

#define GP 13

static int write_cr(int cr, unsigned long v)
{
	hvm_last_fault = -1;
	if (cr == 0)
		__asm__ volatile("1: mov %0, %%cr0\n2:\n" HVM_EXTABLE("1b", "2b")
				 :
				 : "r"(v)
				 : "memory");
	else
		__asm__ volatile("1: mov %0, %%cr4\n2:\n" HVM_EXTABLE("1b", "2b")
				 :
				 : "r"(v)
				 : "memory");
	return hvm_last_fault;
}

static unsigned long read_cr(int cr)
{
	unsigned long v;

	if (cr == 0)
		__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	else
		__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void debug_port(const char *s)
{
	for (; *s; s++)
		__asm__ volatile("outb %0, $0xe9" : : "a"(*s));
}

/*
 * CPUID.1:EDX bit @bit promises @msr: it must read without #GP (hvmloader
 * trusts the MTRR bit, and Linux panics when MCG_CAP #GPs under the MCA bit).
 */
static void edx_msr_offered(unsigned int bit, const char *feature, uint32_t msr,
			    const char *msr_name)
{
	uint32_t a, b, c, d;
	uint64_t v = 0;
	int f;

	hvm_cpuid(1, 0, &a, &b, &c, &d);
	if (!(d & (1u << bit))) {
		printk("%s not offered\n", feature);
		return;
	}
	f = hvm_rdmsr_safe(msr, &v);
	printk("%s offered, %s %#lx\n", feature, msr_name, (unsigned long)v);
	xtest_check(f < 0, "CPUID offers %s but rdmsr %s raised vector %d", feature, msr_name, f);
}

/*
 * CPUID.80000001:EDX.RDTSCP promises TSC_AUX: what the guest writes reads
 * back; bits 63:32 are reserved (#GP). Without rdtscp the MSR #GPs. (The
 * rdtscp instruction itself is left out: Xen 4.17 intercepts it and, without
 * next-RIP under QEMU's emulation, injects #GP.)
 */
static void tsc_aux(void)
{
	uint32_t a, b, c, d;
	uint64_t v = 0;
	int f;

	hvm_cpuid(0x80000001, 0, &a, &b, &c, &d);
	if (!(d & (1u << 27))) {
		f = hvm_rdmsr_safe(MSR_TSC_AUX, &v);
		printk("rdtscp not offered, rdmsr TSC_AUX: vector %d\n", f);
		xtest_check(f == GP, "TSC_AUX without rdtscp: vector %d, want #GP", f);
		return;
	}
	f = hvm_wrmsr_safe(MSR_TSC_AUX, 0x5a5a1234);
	xtest_check(f < 0, "wrmsr TSC_AUX raised vector %d", f);
	f = hvm_rdmsr_safe(MSR_TSC_AUX, &v);
	xtest_check(f < 0 && v == 0x5a5a1234, "TSC_AUX read back %#lx (vector %d)",
		    (unsigned long)v, f);
	printk("rdtscp offered, TSC_AUX %#lx\n", (unsigned long)v);
	f = hvm_wrmsr_safe(MSR_TSC_AUX, 1UL << 32);
	xtest_check(f == GP, "TSC_AUX bit 32: vector %d, want #GP", f);
}

static int xsetbv_safe(uint32_t xcr, uint64_t v)
{
	hvm_last_fault = -1;
	__asm__ volatile("1: xsetbv\n2:\n" HVM_EXTABLE("1b", "2b")
			 :
			 : "c"(xcr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
	return hvm_last_fault;
}

#define CR4_OSXSAVE (1UL << 18)

/*
 * CPUID.1:ECX.XSAVE promises CR4.OSXSAVE and XSETBV (Linux turns both on at
 * boot and panics on a #GP); without it, setting CR4.OSXSAVE #GPs.
 */
static void xsave_offered(unsigned long cr4)
{
	uint32_t a, b, c, d;
	int f;

	hvm_cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 26))) {
		f = write_cr(4, cr4 | CR4_OSXSAVE);
		printk("XSAVE not offered, CR4.OSXSAVE: vector %d\n", f);
		xtest_check(f == GP, "CR4.OSXSAVE without XSAVE: vector %d, want #GP", f);
		return;
	}
	f = write_cr(4, cr4 | CR4_OSXSAVE);
	xtest_check(f < 0, "CR4.OSXSAVE with XSAVE offered raised vector %d", f);
	f = xsetbv_safe(0, 3); /* x87 and SSE */
	printk("XSAVE offered, xsetbv x87|SSE: vector %d\n", f);
	xtest_check(f < 0, "xsetbv XCR0 = 3 raised vector %d", f);
	hvm_cpuid(1, 0, &a, &b, &c, &d);
	xtest_check(c & (1u << 27), "CR4.OSXSAVE set but CPUID.1:ECX.OSXSAVE clear (%#x)", c);
	f = write_cr(4, cr4);
	xtest_check(f < 0, "clearing CR4.OSXSAVE raised vector %d", f);
}

/* CPUID's promise of a CR4 bit: settable (and cleared again) if offered, #GP if not. */
static void cr4_bit_offered(unsigned long cr4, int offered, unsigned long bit, const char *name)
{
	int f = write_cr(4, cr4 | bit);

	printk("%s %s, setting its CR4 bit: vector %d\n", name, offered ? "offered" : "not offered",
	       f);
	if (!offered) {
		xtest_check(f == GP, "CR4 bit of %s without it offered: vector %d, want #GP", name,
			    f);
		return;
	}
	xtest_check(f < 0, "CR4 bit of %s, offered, raised vector %d", name, f);
	f = write_cr(4, cr4);
	xtest_check(f < 0, "clearing the CR4 bit of %s raised vector %d", name, f);
}

static void leaf7_offered(unsigned long cr4)
{
	uint32_t a, b, c, d;

	hvm_cpuid(7, 0, &a, &b, &c, &d);
	printk("leaf 7.0: ebx %#x ecx %#x edx %#x\n", b, c, d);
	xtest_check(!(c & (1u << 16)), "leaf 7.0 ecx %#x offers LA57", c);
	cr4_bit_offered(cr4, (c & (1u << 7)) || (d & (1u << 20)), 1UL << 23, "CET");
	cr4_bit_offered(cr4, c & (1u << 31), 1UL << 24, "PKS");
}

/* A feature offered only with the one it builds on. */
static void feature_needs(int offered, const char *what, int base, const char *base_name)
{
	xtest_check(!offered || base, "%s offered without %s", what, base_name);
}

static void avx_needs_xsave(void)
{
	uint32_t a, b, c, d, b7, c7, d7, cx;
	int avx, avx2;

	hvm_cpuid(7, 0, &a, &b7, &c7, &d7);
	hvm_cpuid(0x80000001, 0, &a, &b, &cx, &d);
	hvm_cpuid(1, 0, &a, &b, &c, &d);
	printk("leaf 1 ecx %#x, leaf 7.0 ebx %#x ecx %#x, leaf 0x80000001 ecx %#x\n", c, b7, c7,
	       cx);
	avx = c & (1u << 28);
	avx2 = b7 & (1u << 5);
	feature_needs(avx, "AVX", c & (1u << 26), "XSAVE");
	feature_needs(b7 & (1u << 14), "MPX", c & (1u << 26), "XSAVE");
	feature_needs(c7 & (1u << 3), "PKU", c & (1u << 26), "XSAVE");
	feature_needs(c & (1u << 12), "FMA", avx, "AVX");
	feature_needs(c & (1u << 29), "F16C", avx, "AVX");
	feature_needs(avx2, "AVX2", avx, "AVX");
	feature_needs(cx & ((1u << 11) | (1u << 16)), "XOP or FMA4", avx, "AVX");
	feature_needs(c7 & ((1u << 9) | (1u << 10)), "VAES or VPCLMULQDQ", avx2, "AVX2");
	feature_needs(b7 & (1u << 16), "AVX512F", avx2, "AVX2");
}

void test_main(void)
{
	unsigned long cr0 = read_cr(0), cr4 = read_cr(4);
	uint64_t efer = 0, v;
	int f;

	f = hvm_rdmsr_safe(MSR_EFER, &efer);
	printk("EFER %#lx cr0 %#lx cr4 %#lx\n", (unsigned long)efer, cr0, cr4);
	xtest_check(f < 0, "rdmsr EFER raised vector %d", f);
	xtest_check((efer & 0x500) == 0x500, "EFER %#lx lacks LME|LMA", (unsigned long)efer);
	xtest_check(!(efer & 0x1000), "EFER %#lx shows SVME", (unsigned long)efer);
	f = hvm_wrmsr_safe(MSR_EFER, efer);
	xtest_check(f < 0, "writing EFER's own value raised vector %d", f);
	f = hvm_wrmsr_safe(MSR_EFER, efer | (1UL << 2));
	xtest_check(f == GP, "EFER with reserved bit 2: vector %d, want #GP", f);
	f = hvm_wrmsr_safe(0x40000000, 0x200001);
	xtest_check(f == GP, "hypercall MSR with page index 1: vector %d, want #GP", f);
	f = hvm_rdmsr_safe(0xc0011234, &v);
	xtest_check(f == GP, "rdmsr of an unknown MSR: vector %d, want #GP", f);
	edx_msr_offered(12, "MTRRs", MSR_MTRRCAP, "MTRRcap");
	edx_msr_offered(14, "MCA", MSR_MCG_CAP, "MCG_CAP");
	tsc_aux();
	f = write_cr(4, cr4 | (1UL << 13));
	xtest_check(f == GP, "CR4.VMXE: vector %d, want #GP", f);
	f = write_cr(4, cr4 | (1UL << 15));
	xtest_check(f == GP, "CR4 bit 15 (reserved): vector %d, want #GP", f);
	f = write_cr(4, cr4 | (1UL << 31));
	xtest_check(f == GP, "CR4 bit 31 (reserved): vector %d, want #GP", f);
	f = write_cr(0, cr0 & ~(1UL << 31));
	xtest_check(f == GP, "clearing CR0.PG in 64-bit code: vector %d, want #GP", f);
	xtest_check(read_cr(0) == cr0 && read_cr(4) == cr4, "CR0/CR4 changed: %#lx %#lx",
		    read_cr(0), read_cr(4));
	f = write_cr(4, cr4);
	xtest_check(f < 0, "writing CR4's own value raised vector %d", f);
	xsave_offered(cr4);
	leaf7_offered(cr4);
	avx_needs_xsave();
	debug_port("hvm debug port line\n");
}
