/* The smallest test: console output and a clean shutdown. */
#include "xtest.h"

void test_main(void)
{
	long rc = printk("Hello from a PV guest on %s\n", "Petrel");

	xtest_check(rc > 0, "printk returned %ld", rc);
}
