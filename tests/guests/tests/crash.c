/*
 * A guest with no trap table executes ud2: the hypervisor cannot deliver
 * the #UD, so it must crash the domain, say so and keep running itself.
 */
#include "xtest.h"

XTEST_NO_TRAP_TABLE();
TEST_EXPECT_CRASH();
TEST_EXPECT("about to execute ud2 with no trap table");

void test_main(void)
{
	printk("about to execute ud2 with no trap table\n");
	__asm__ volatile("ud2");
	xtest_fail("still running after ud2 with no trap table");
}
