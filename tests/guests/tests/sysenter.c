/*
 * sysenter from guest user mode. On an Intel-vendor CPU it enters the guest
 * kernel's sysenter callback, with Xen's frame (rip 0, cs 3: the callback
 * has its own register conventions) on the stack_switch stack, in kernel
 * mode. On AMD (and Hygon) sysenter does not exist in long mode: the CPU
 * raises #UD, which the guest kernel gets as a user-mode fault at the
 * instruction. QEMU's TCG CPU follows its vendor string, so the default
 * `-cpu max` (AuthenticAMD) takes the second path and sysenter-intel the
 * first.
 */
#include "xtest.h"
#include "user-mode.h"

#define HC_stack_switch 3
#define HC_mmuext_op 26
#define HC_callback_op 30
#define CALLBACKTYPE_sysenter 5
#define FLAT_KERNEL_SS64 0xe02b
#define DOMID_SELF 0x7ff0

static struct iret_context ctx __attribute__((aligned(16)));
static unsigned long user_stack[512] __attribute__((aligned(16)));
static unsigned long kernel_stack[1024] __attribute__((aligned(16)));
unsigned long saved_se[7], se_frame, se_rdx;

extern char se_user[], se_sysenter[], se_cb[];
void enter_user_se(struct iret_context *c);

__asm__(".text\n"
	"enter_user_se:\n"
	"	mov %rbx, saved_se+0(%rip)\n"
	"	mov %rbp, saved_se+8(%rip)\n"
	"	mov %r12, saved_se+16(%rip)\n"
	"	mov %r13, saved_se+24(%rip)\n"
	"	mov %r14, saved_se+32(%rip)\n"
	"	mov %r15, saved_se+40(%rip)\n"
	"	mov %rsp, saved_se+48(%rip)\n"
	"	mov %rdi, %rsp\n"
	"	mov $23, %eax\n"
	"	syscall\n"
	"	ud2\n"
	"se_user:\n"
	"	mov $0x5e5e, %edx\n"
	"se_sysenter:\n"
	"	sysenter\n"
	"	ud2\n"
	"se_cb:\n"
	"	mov %rsp, se_frame(%rip)\n"
	"	mov %rdx, se_rdx(%rip)\n"
	"	mov saved_se+0(%rip), %rbx\n"
	"	mov saved_se+8(%rip), %rbp\n"
	"	mov saved_se+16(%rip), %r12\n"
	"	mov saved_se+24(%rip), %r13\n"
	"	mov saved_se+32(%rip), %r14\n"
	"	mov saved_se+40(%rip), %r15\n"
	"	mov saved_se+48(%rip), %rsp\n"
	"	ret\n");

static bool intel_vendor(void)
{
	uint32_t a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e; /* "GenuineIntel" */
}

static void enter_user_se_catch(void *c)
{
	enter_user_se(c);
}

/* No sysenter in long mode on this vendor: a #UD from user mode. */
static void expect_ud(void)
{
	struct xtest_fault f;

	if (!xtest_catch(enter_user_se_catch, &ctx, &f)) {
		xtest_fail("sysenter on a non-Intel CPU reached the callback");
		return;
	}
	xtest_check(f.vector == X86_EXC_UD && f.rip == (unsigned long)se_sysenter &&
			(f.cs & 0xffff) == FLAT_USER_CS64,
		    "vector %u at %#lx cs %#lx, expected #UD at %p from user mode", f.vector, f.rip,
		    f.cs, se_sysenter);
	printk("sysenter is #UD on this CPU vendor\n");
}

void test_main(void)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;
	struct mmuext_op op = { MMUEXT_NEW_USER_BASEPTR, 0,
				p2m[(xtest_start_info->pt_base - 0xffffffff80000000UL) >> 12], 0 };
	struct callback_register cb = { CALLBACKTYPE_sysenter, 0, 0, (unsigned long)se_cb };
	const unsigned long *frame;
	long rc;

	rc = hypercall(HC_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	xtest_check(rc == 0, "NEW_USER_BASEPTR = %ld", rc);
	rc = hypercall(HC_stack_switch, FLAT_KERNEL_SS64, (unsigned long)&kernel_stack[1024], 0, 0,
		       0);
	xtest_check(rc == 0, "stack_switch = %ld", rc);
	rc = hypercall(HC_callback_op, 0, (unsigned long)&cb, 0, 0, 0);
	xtest_check(rc == 0, "register sysenter callback = %ld", rc);
	if (xtest_current_result() != XTEST_SUCCESS)
		return;
	ctx = (struct iret_context){ .rip = (unsigned long)se_user, .cs = FLAT_USER_CS64,
				     .rflags = 0x202, .rsp = (unsigned long)&user_stack[500],
				     .ss = FLAT_USER_SS64 };
	if (!intel_vendor()) {
		expect_ud();
		return;
	}
	enter_user_se(&ctx);
	frame = (const unsigned long *)se_frame;
	xtest_check(se_frame > (unsigned long)kernel_stack &&
			    se_frame < (unsigned long)&kernel_stack[1024],
		    "callback stack %#lx not the stack_switch one", se_frame);
	/* {RCX, R11, RIP, CS, RFLAGS, RSP, SS}: rip 0, cs 3 as Xen gives them */
	xtest_check(frame[2] == 0 && (frame[3] & 0xffff) == 3, "frame rip %#lx cs %#lx", frame[2],
		    frame[3]);
	xtest_check(frame[4] & 0x200, "frame rflags %#lx without IF", frame[4]);
	xtest_check(se_rdx == 0x5e5e, "rdx %#lx not preserved", se_rdx);
	printk("sysenter reached the sysenter callback\n");
}

TEST_EXPECT("sysenter is #UD on this CPU vendor");
