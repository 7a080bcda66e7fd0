/*
 * The runtime's own report: an exception the test did not expect is
 * printed with its vector, error code and rip, and the verdict is ERROR.
 */
#include "xtest.h"

TEST_EXPECT_RESULT("ERROR");
TEST_EXPECT("Exception #GP (vector 13) error code 0");
TEST_EXPECT("Error: unexpected exception #GP");

void test_main(void)
{
	printk("executing hlt without expecting a fault\n");
	__asm__ volatile("hlt");
	xtest_fail("hlt did not fault");
}
