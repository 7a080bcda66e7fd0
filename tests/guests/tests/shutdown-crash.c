/* SCHEDOP_shutdown with reason crash: the hypervisor reports the crash. */
#include "xtest.h"

TEST_EXPECT_CRASH();

void test_main(void)
{
	long rc;

	printk("calling SCHEDOP_shutdown(SHUTDOWN_crash)\n");
	rc = hypercall_shutdown(SHUTDOWN_crash);
	xtest_fail("SCHEDOP_shutdown(crash) returned %ld", rc);
}
