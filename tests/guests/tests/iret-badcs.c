/*
 * An iret to a code selector that is no ring-3 code segment (here 0x13, an
 * empty slot of the guest's GDT) cannot be honoured: the domain is crashed
 * with a message, and the hypervisor stays up (its own iretq would fault).
 */
#include "xtest.h"

TEST_EXPECT_CRASH();
TEST_EXPECT("iret: bad selectors cs 0x13");

struct iret_context {
	unsigned long rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};

static struct iret_context ctx __attribute__((aligned(16)));
static unsigned long stack[64] __attribute__((aligned(16)));

void test_main(void)
{
	ctx = (struct iret_context){
		.rip = (unsigned long)test_main,
		.cs = 0x13,
		.rflags = 0x202,
		.rsp = (unsigned long)&stack[60],
		.ss = 0xe02b,
	};
	__asm__ volatile("mov %0, %%rsp\n"
			 "mov $23, %%eax\n"
			 "syscall\n"
			 "ud2"
			 :
			 : "r"(&ctx)
			 : "memory");
	xtest_fail("iret with a bad cs returned");
}
