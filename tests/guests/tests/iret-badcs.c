/*
 * An iret to a code selector that is no ring-3 code segment (here 0x13, an
 * empty slot of the guest's GDT) raises #GP in the guest kernel (see
 * iret-badsel), but this guest has no kernel stack (no stack_switch), so
 * the fault cannot be delivered: the domain is crashed, and the hypervisor
 * stays up.
 */
#include "xtest.h"

TEST_EXPECT_CRASH();

#define HC_mmuext_op 26
#define MMUEXT_NEW_USER_BASEPTR 15
#define DOMID_SELF 0x7ff0
#define VIRT_BASE 0xffffffff80000000UL

struct mmuext_op {
	unsigned int cmd, pad;
	unsigned long arg1, arg2;
};

struct iret_context {
	unsigned long rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};

static struct iret_context ctx __attribute__((aligned(16)));
static unsigned long stack[64] __attribute__((aligned(16)));

void test_main(void)
{
	unsigned long pfn = (xtest_start_info->pt_base - VIRT_BASE) >> 12;
	struct mmuext_op op = { .cmd = MMUEXT_NEW_USER_BASEPTR,
				.arg1 = ((unsigned long *)xtest_start_info->mfn_list)[pfn] };

	/* User page tables exist, so only the selector is wrong. */
	xtest_check(hypercall(HC_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0) == 0,
		    "NEW_USER_BASEPTR refused");
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
