/*
 * HVM hypercalls from ring 0: vmcall (Intel) or vmmcall (AMD) with the 64-bit register ABI, the
 * hypercall page written through the MSR CPUID names, a call through it,
 * SCHEDOP_yield, and -XEN_ENOSYS for a call HVM guests do not have.
 */
#include "xtest.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");
TEST_EXPECT("console_io from ring 0");

#define HC_MMU_UPDATE 1

static void check_page(void)
{
	const unsigned char *p = (const unsigned char *)hypercall_page;
	uint32_t a, b, c, d;
	long rc;

	hvm_cpuid(0x40000002, 0, &a, &b, &c, &d);
	xtest_check(a == 1 && b == 0x40000000, "leaf 0x40000002: pages %u msr %#x", a, b);
	memset(hypercall_page, 0, sizeof(hypercall_page));
	hvm_wrmsr(b, (unsigned long)hypercall_page);
	for (unsigned int i = 0; i < 128; i++) {
		const unsigned char *s = p + 32 * i;

		if (i == 23) {
			xtest_check(s[0] == 0x0f && s[1] == 0x0b, "iret stub is not ud2");
			continue;
		}
		if (s[0] != 0xb8 || s[1] != i || s[5] != 0x0f || s[6] != 0x01 || s[7] != (hvm_intel ? 0xc1 : 0xd9) ||
		    s[8] != 0xc3) {
			xtest_fail("stub %u: %02x %02x .. %02x %02x %02x %02x", i, s[0], s[1], s[5],
				   s[6], s[7], s[8]);
			return;
		}
	}
	xtest_hypercall_page_active = 1;
	rc = hypercall_xen_version(XENVER_version, NULL);
	xtest_check(rc == 0x40011, "xen_version through the page: %#lx", rc);
	xtest_hypercall_page_active = 0;
}

void test_main(void)
{
	static const char msg[] = "console_io from ring 0\n";
	char extra[16] = "unset";
	long rc;

	rc = hypercall_hvm(HC_xen_version, XENVER_version, 0, 0, 0, 0);
	printk("xen_version: %#lx\n", rc);
	xtest_check(rc == 0x40011, "XENVER_version %#lx, want 0x40011", rc);
	rc = hypercall_xen_version(XENVER_extraversion, extra);
	xtest_check(rc == 0 && extra[0] == '.', "XENVER_extraversion: rc %ld \"%s\"", rc, extra);
	rc = hypercall_console_write(msg, strlen(msg));
	xtest_check(rc == 0, "console_io write returned %ld", rc);
	rc = hypercall_sched_op(SCHEDOP_yield, NULL);
	xtest_check(rc == 0, "SCHEDOP_yield returned %ld", rc);
	rc = hypercall_hvm(HC_MMU_UPDATE, 0, 0, 0, 0, 0);
	xtest_check(rc == -XEN_ENOSYS, "mmu_update from HVM returned %ld, want -XEN_ENOSYS", rc);
	check_page();
}
