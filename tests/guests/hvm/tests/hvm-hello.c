/*
 * The smallest HVM test: console output and a clean shutdown. Built by a
 * toolstack (the system test's `xl create` with type = "pvh") it writes its
 * console ring too, found through HVM_PARAM_CONSOLE_PFN/EVTCHN (hvm.c).
 * Either way XENMEM_memory_map gives the memory map of its start info
 * (for a domU the one the toolstack set with XENMEM_set_memory_map), or
 * RAM at 1 MiB where the start info has none (Xen's PVH dom0).
 */
#include "xtest.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");

void test_main(void)
{
	long rc = printk("Hello from an HVM guest on %s\n", xtest_on_petrel() ? "Petrel" : "Xen");

	xtest_check(rc > 0, "printk returned %ld", rc);
	hvm_check_memory_map_op();
}
