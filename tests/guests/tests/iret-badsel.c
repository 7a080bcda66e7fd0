/*
 * An iret whose frame names a selector the CPU refuses (cs 0x13, an empty
 * GDT slot; or a code selector for ss) is not a guest crash when the guest
 * kernel can take a fault: as on Xen (whose own iretq faults there), the
 * kernel gets #GP with the selector as error code, raised at the context
 * the frame describes (here user mode, so on the stack_switch stack).
 */
#include "xtest.h"

#define HC_stack_switch 3
#define HC_mmuext_op 26
#define MMUEXT_NEW_USER_BASEPTR 15
#define DOMID_SELF 0x7ff0
#define VIRT_BASE 0xffffffff80000000UL
#define FLAT_KERNEL_SS64 0xe02b
#define FLAT_USER_CS64 0xe033

struct mmuext_op {
	unsigned int cmd, pad;
	unsigned long arg1, arg2;
};

struct iret_context {
	unsigned long rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};

static struct iret_context ctx __attribute__((aligned(16)));
static unsigned long user_stack[64] __attribute__((aligned(16)));
static unsigned long kernel_stack[1024] __attribute__((aligned(16)));

static void do_iret(void *arg)
{
	(void)arg;
	__asm__ volatile("mov %0, %%rsp\n"
			 "mov $23, %%eax\n"
			 "syscall\n"
			 "ud2"
			 :
			 : "r"(&ctx)
			 : "memory");
}

static void iret_expect_gp(unsigned long cs, unsigned long ss, unsigned long ec)
{
	struct xtest_fault f;

	ctx = (struct iret_context){
		.rax = 0x5a5a,
		.rip = (unsigned long)test_main,
		.cs = cs,
		.rflags = 0x202,
		.rsp = (unsigned long)&user_stack[60],
		.ss = ss,
	};
	if (!xtest_catch(do_iret, NULL, &f)) {
		xtest_fail("iret to cs %#lx ss %#lx returned", cs, ss);
		return;
	}
	xtest_check(f.vector == X86_EXC_GP && f.error_code == ec,
		    "iret to cs %#lx ss %#lx: vector %u error code %#lx", cs, ss, f.vector,
		    f.error_code);
	xtest_check(f.rip == ctx.rip && (f.cs & 0xffff) == (cs | 3), "fault at %#lx cs %#lx", f.rip,
		    f.cs);
}

void test_main(void)
{
	unsigned long pfn = (xtest_start_info->pt_base - VIRT_BASE) >> 12;
	struct mmuext_op op = { .cmd = MMUEXT_NEW_USER_BASEPTR,
				.arg1 = ((unsigned long *)xtest_start_info->mfn_list)[pfn] };

	xtest_check(hypercall(HC_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0) == 0,
		    "NEW_USER_BASEPTR refused");
	xtest_check(hypercall(HC_stack_switch, FLAT_KERNEL_SS64, (unsigned long)&kernel_stack[1024],
			      0, 0, 0) == 0,
		    "stack_switch refused");
	iret_expect_gp(0x13, 0xe02b, 0x10);
	iret_expect_gp(FLAT_USER_CS64, FLAT_USER_CS64, FLAT_USER_CS64 & ~3UL);
	printk("bad iret selectors gave #GP to the kernel\n");
}

TEST_EXPECT("bad iret selectors gave #GP to the kernel");
