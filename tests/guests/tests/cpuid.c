/*
 * Forced-emulation CPUID (ud2; "xen"; cpuid) reaches the hypervisor's
 * CPUID policy, including Xen's hypervisor leaves at 0x40000000.
 */
#include "xtest.h"

#define XEN_CPUID_BASE 0x40000000u

void test_main(void)
{
	uint32_t a, b, c, d;
	char sig[13];

	xen_cpuid(XEN_CPUID_BASE, 0, &a, &b, &c, &d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	sig[12] = '\0';
	printk("leaf %#x: eax %#x signature \"%s\"\n", XEN_CPUID_BASE, a, sig);
	xtest_check(!memcmp(sig, "XenVMMXenVMM", 12), "signature \"%s\", expected XenVMMXenVMM",
		    sig);
	xtest_check(a >= XEN_CPUID_BASE + 2 && a < XEN_CPUID_BASE + 0x100,
		    "max hypervisor leaf %#x, expected at least %#x", a, XEN_CPUID_BASE + 2);

	xen_cpuid(XEN_CPUID_BASE + 1, 0, &a, &b, &c, &d);
	printk("leaf %#x: eax %#x\n", XEN_CPUID_BASE + 1, a);
	xtest_check(a == 0x00040011, "version leaf eax %#x, expected 0x40011 (4.17)", a);

	xen_cpuid(XEN_CPUID_BASE + 2, 0, &a, &b, &c, &d);
	printk("leaf %#x: eax %#x ebx %#x\n", XEN_CPUID_BASE + 2, a, b);
	xtest_check(a == 1, "hypercall pages %u, expected 1", a);
	xtest_check(b == 0x40000000, "hypercall MSR %#x, expected 0x40000000", b);

	/* The time leaf: a PV initial domain has no TSC settings of its own. */
	xen_cpuid(XEN_CPUID_BASE + 3, 0, &a, &b, &c, &d);
	printk("leaf %#x.0: flags %#x mode %u khz %u incarnation %u\n", XEN_CPUID_BASE + 3, a, b, c,
	       d);
	xtest_check(!(a & 1) && b == 0 && c == 0 && d == 0,
		    "time leaf of dom0: flags %#x mode %u khz %u incarnation %u", a, b, c, d);
	xen_cpuid(XEN_CPUID_BASE + 3, 1, &a, &b, &c, &d);
	xtest_check(c == 0 && d == 0, "time leaf scale of dom0: %#x shift %d", c, (int)d);
	xen_cpuid(XEN_CPUID_BASE + 3, 2, &a, &b, &c, &d);
	printk("leaf %#x.2: host khz %u\n", XEN_CPUID_BASE + 3, a);
	xtest_check(a >= 100000, "time leaf host kHz %u", a);

	/* Ordinary leaves go through the same path: a vendor, and the hypervisor bit. */
	xen_cpuid(0, 0, &a, &b, &c, &d);
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &d, 4);
	memcpy(sig + 8, &c, 4);
	printk("leaf 0: max %#x vendor \"%s\"\n", a, sig);
	xtest_check(a >= 1, "basic max leaf %#x", a);
	xen_cpuid(1, 0, &a, &b, &c, &d);
	xtest_check(c & (1u << 31), "leaf 1 ecx %#x lacks the hypervisor bit", c);
}
