/*
 * On a CPU without usable hardware virtualisation (QEMU: qemu64 with svm
 * off; Bochs: a Core 2 whose VMX has neither EPT nor unrestricted guests) a
 * PVH initial domain cannot be built: the hypervisor must refuse it with a
 * clear message and not go down. The guest itself never runs.
 */
#include "xtest.h"

TEST_CPU("qemu64,-svm");
TEST_BOCHS_CPU("core2_penryn_t9600"); /* VMX without EPT or unrestricted guests */
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");
TEST_EXPECT_REJECTED();

void test_main(void)
{
	xtest_fail("an HVM guest ran on a CPU without SVM");
}
