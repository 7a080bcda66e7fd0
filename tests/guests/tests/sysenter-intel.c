/* The sysenter test on an Intel-vendor CPU: sysenter enters the callback. */
#include "sysenter.c"

TEST_EXPECT("sysenter reached the sysenter callback");
TEST_CPU("max,vendor=GenuineIntel");
