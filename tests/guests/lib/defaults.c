/*
 * Defaults of the per-test build choices, overridden by a strong definition
 * from XTEST_USE_HYPERCALL_PAGE() or XTEST_NO_TRAP_TABLE() in a test. Kept
 * in a file of their own so the compiler cannot fold them where they are read.
 *
 * Built with -DXTEST_FORCE_HYPERCALL_PAGE (make guests-hcpage), every guest
 * carries the HYPERCALL_PAGE note and makes its hypercalls through the page.
 */
#include "xtest.h"

#ifdef XTEST_FORCE_HYPERCALL_PAGE
__asm__(XTEST_HYPERCALL_PAGE_NOTE);
const int xtest_use_hypercall_page = 1;
#else
__attribute__((weak)) const int xtest_use_hypercall_page = 0;
#endif
__attribute__((weak)) const int xtest_want_trap_table = 1;
