/*
 * A triple fault (an exception with no usable IDT) ends the guest: the
 * hypervisor reports it and, as Xen with its default action (1, reboot),
 * shuts the domain down; for the initial domain that is the machine's end.
 * The hypervisor itself must not go down.
 */
#include "xtest.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M guest_loglvl=all");
TEST_EXPECT_HALT();
TEST_EXPECT("about to triple fault");
TEST_EXPECT("Triple fault - invoking HVM shutdown action 1");

void test_main(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) none = { 0, 0 };

	printk("about to triple fault\n");
	__asm__ volatile("lidt %0; ud2" : : "m"(none));
	xtest_fail("still running after a triple fault");
}
