/*
 * CPUID as an HVM guest sees it: the hypervisor bit, Xen's leaves at
 * 0x40000000 (signature, version 4.17, hypercall MSR, vCPU and domain ids,
 * the upcall-vector flag), no SVM or VMX of its own and no XSAVES (IA32_XSS
 * is not virtualised).
 */
#include "xtest.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");

void test_main(void)
{
	uint32_t a, b, c, d;
	char sig[13];

	hvm_cpuid(1, 0, &a, &b, &c, &d);
	xtest_check(c & (1u << 31), "leaf 1 ecx %#x: no hypervisor bit", c);
	xtest_check(!(c & (1u << 5)), "leaf 1 ecx %#x offers VMX", c);
	hvm_cpuid(0x80000001, 0, &a, &b, &c, &d);
	xtest_check(!(c & (1u << 2)), "leaf 0x80000001 ecx %#x offers SVM", c);
	hvm_cpuid(0xd, 1, &a, &b, &c, &d);
	printk("leaf 0xd.1: %#x %#x %#x %#x\n", a, b, c, d);
	xtest_check(!(a & (1u << 3)) && !c && !d, "leaf 0xd.1 offers XSAVES (eax %#x, xss %#x:%#x)",
		    a, d, c);
	hvm_cpuid(0x40000000, 0, &a, &b, &c, &d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = 0;
	printk("leaf 0x40000000: max %#x \"%s\"\n", a, sig);
	xtest_check(!strcmp(sig, "XenVMMXenVMM"), "signature \"%s\"", sig);
	xtest_check(a >= 0x40000002 && a <= 0x40000005, "max leaf %#x", a);
	hvm_cpuid(0x40000001, 0, &a, &b, &c, &d);
	xtest_check(a == 0x40011, "version leaf %#x, want 0x40011", a);
	hvm_cpuid(0x40000002, 0, &a, &b, &c, &d);
	xtest_check(a == 1 && b == 0x40000000, "hypercall leaf: %u pages, msr %#x", a, b);
	hvm_cpuid(0x40000004, 0, &a, &b, &c, &d);
	printk("leaf 0x40000004: %#x %#x %#x %#x\n", a, b, c, d);
	xtest_check((a & 0x58) == 0x58, "leaf 4 eax %#x: vcpu id, domid or upcall vector missing", a);
	xtest_check(b == 0 && c == 0, "vcpu id %u, domid %u, want 0 and 0", b, c);
}
