/*
 * Defaults of the per-test build choices, overridden by a strong definition
 * from XTEST_USE_HYPERCALL_PAGE() or XTEST_NO_TRAP_TABLE() in a test. Kept
 * in a file of their own so the compiler cannot fold them where they are read.
 */
#include "xtest.h"

__attribute__((weak)) const int xtest_use_hypercall_page = 0;
__attribute__((weak)) const int xtest_want_trap_table = 1;
