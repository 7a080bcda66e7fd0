/*
 * xtest_fault_hook: a test examines the frame of an uncaught exception
 * itself. Here: a read of an unmapped address gives #PF with error code 0
 * (not present, read, kernel mode) at the faulting instruction.
 */
#include "xtest.h"

TEST_EXPECT("fault hook ran");

extern char hook_load_at[];

static void hook(const struct xtest_frame *f)
{
	printk("fault hook ran: vector %lu error code %#lx rip %#lx\n", f->vector, f->error_code,
	       f->rip);
	xtest_check(f->vector == X86_EXC_PF, "vector %lu, expected #PF", f->vector);
	xtest_check(f->error_code == 0, "error code %#lx, expected 0", f->error_code);
	xtest_check(f->rip == (unsigned long)hook_load_at, "rip %#lx, expected %p", f->rip,
		    hook_load_at);
}

void test_main(void)
{
	xtest_fault_hook = hook;
	__asm__ volatile("mov $0x2000, %%eax\n"
			 ".globl hook_load_at\n"
			 "hook_load_at: mov (%%rax), %%rax" ::
			     : "rax", "memory");
	xtest_fail("the read of an unmapped address did not fault");
}
