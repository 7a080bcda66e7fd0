/* xtest_expect_fault(): the announced exception ends the test cleanly. */
#include "xtest.h"

TEST_EXPECT("Exception #UD (vector 6)");
TEST_EXPECT("(expected by the test)");

void test_main(void)
{
	xtest_expect_fault(X86_EXC_UD);
	__asm__ volatile("ud2");
	xtest_fail("ud2 did not fault");
}
