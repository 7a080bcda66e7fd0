/*
 * HLT with interrupts disabled: nothing can ever wake the vCPU, so (as on
 * Xen) it goes down, and with no vCPU left the domain is powered off. The
 * hypervisor stays up and ends the machine as for any dom0 poweroff.
 */
#include "xtest.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");
TEST_EXPECT_HALT();
TEST_EXPECT("about to hlt with interrupts off");

void test_main(void)
{
	printk("about to hlt with interrupts off\n");
	__asm__ volatile("cli; hlt");
	xtest_fail("still running after cli; hlt");
}
