/*
 * Traps around the kernel/user switch and the virtual CR0.TS:
 *  - an exception in guest user mode enters the guest kernel's handler in
 *    kernel mode, on the stack_switch stack, with the kernel GS base live
 *    and Xen's frame (CS with RPL 3, the user's rip and rsp);
 *  - fpu_taskswitch(1) sets the guest's CR0.TS: the next FPU instruction
 *    raises #NM in the guest, which clears TS; fpu_taskswitch(0) clears it.
 */
#include "xtest.h"

#define HC_set_trap_table 0
#define HC_stack_switch 3
#define HC_fpu_taskswitch 5
#define HC_set_segment_base 25
#define HC_mmuext_op 26
#define MMUEXT_NEW_USER_BASEPTR 15
#define SEGBASE_GS_USER 1
#define SEGBASE_GS_KERNEL 2
#define FLAT_USER_CS64 0xe033
#define FLAT_USER_SS64 0xe02b
#define FLAT_KERNEL_CS64 0xe033
#define FLAT_KERNEL_SS64 0xe02b
#define DOMID_SELF 0x7ff0
#define CR0_TS 0x8UL

struct iret_context {
	unsigned long rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};
struct mmuext_op {
	unsigned int cmd, pad;
	unsigned long arg1, arg2;
};

static struct iret_context ctx __attribute__((aligned(16)));
static unsigned long user_stack[512] __attribute__((aligned(16)));
static unsigned long kernel_stack[1024] __attribute__((aligned(16)));

unsigned long kernel_gs_word = 0x6b65726e656cUL, user_gs_word = 0x75736572UL;
unsigned long ud_frame, ud_saw_gs;
unsigned long saved_ctx[7];

extern char user_ud2[], ud_handler[];
void enter_user(struct iret_context *c);

__asm__(".text\n"
	"enter_user:\n"
	"	mov %rbx, saved_ctx+0(%rip)\n"
	"	mov %rbp, saved_ctx+8(%rip)\n"
	"	mov %r12, saved_ctx+16(%rip)\n"
	"	mov %r13, saved_ctx+24(%rip)\n"
	"	mov %r14, saved_ctx+32(%rip)\n"
	"	mov %r15, saved_ctx+40(%rip)\n"
	"	mov %rsp, saved_ctx+48(%rip)\n"
	"	mov %rdi, %rsp\n"
	"	mov $23, %eax\n"
	"	syscall\n"
	"	ud2\n"
	"user_ud2:\n"
	"	ud2\n"
	/* #UD handler: note the frame and %gs:0, return from enter_user. */
	"ud_handler:\n"
	"	mov %rsp, ud_frame(%rip)\n"
	"	mov %gs:0, %rax\n"
	"	mov %rax, ud_saw_gs(%rip)\n"
	"	mov saved_ctx+0(%rip), %rbx\n"
	"	mov saved_ctx+8(%rip), %rbp\n"
	"	mov saved_ctx+16(%rip), %r12\n"
	"	mov saved_ctx+24(%rip), %r13\n"
	"	mov saved_ctx+32(%rip), %r14\n"
	"	mov saved_ctx+40(%rip), %r15\n"
	"	mov saved_ctx+48(%rip), %rsp\n"
	"	ret\n");

static unsigned long read_cr0(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static void fpu_op(void *arg)
{
	(void)arg;
	__asm__ volatile("fninit" ::: "memory");
}

static void test_fpu_taskswitch(void)
{
	struct xtest_fault f;
	long rc;

	rc = hypercall(HC_fpu_taskswitch, 1, 0, 0, 0, 0);
	xtest_check(rc == 0, "fpu_taskswitch(1) = %ld", rc);
	xtest_check(read_cr0() & CR0_TS, "cr0 %#lx without TS after fpu_taskswitch(1)", read_cr0());
	if (!xtest_catch(fpu_op, NULL, &f))
		xtest_fail("no #NM with the guest's TS set");
	else
		xtest_check(f.vector == X86_EXC_NM, "got %s instead of #NM",
			    xtest_exc_name(f.vector));
	/* Delivering #NM cleared the guest's TS: the FPU works now. */
	xtest_check(!(read_cr0() & CR0_TS), "TS still set after #NM");
	if (xtest_catch(fpu_op, NULL, &f))
		xtest_fail("%s on the second FPU use", xtest_exc_name(f.vector));
	/* Set and cleared again: no fault. */
	hypercall(HC_fpu_taskswitch, 1, 0, 0, 0, 0);
	rc = hypercall(HC_fpu_taskswitch, 0, 0, 0, 0, 0);
	xtest_check(rc == 0, "fpu_taskswitch(0) = %ld", rc);
	xtest_check(!(read_cr0() & CR0_TS), "TS set after fpu_taskswitch(0)");
	if (xtest_catch(fpu_op, NULL, &f))
		xtest_fail("%s after fpu_taskswitch(0)", xtest_exc_name(f.vector));
}

static void test_user_exception(void)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;
	struct mmuext_op op = { .cmd = MMUEXT_NEW_USER_BASEPTR };
	struct trap_info traps[2] = {
		{ .vector = X86_EXC_UD,
		  .flags = 0,
		  .cs = FLAT_KERNEL_CS64,
		  .address = (unsigned long)ud_handler },
		{ 0 },
	};
	const unsigned long *frame;
	long rc;

	op.arg1 = p2m[(xtest_start_info->pt_base - 0xffffffff80000000UL) >> 12];
	rc = hypercall(HC_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	xtest_check(rc == 0, "NEW_USER_BASEPTR = %ld", rc);
	hypercall(HC_stack_switch, FLAT_KERNEL_SS64, (unsigned long)&kernel_stack[1024], 0, 0, 0);
	hypercall(HC_set_segment_base, SEGBASE_GS_KERNEL, (unsigned long)&kernel_gs_word, 0, 0, 0);
	hypercall(HC_set_segment_base, SEGBASE_GS_USER, (unsigned long)&user_gs_word, 0, 0, 0);
	rc = hypercall(HC_set_trap_table, (unsigned long)traps, 0, 0, 0, 0);
	xtest_check(rc == 0, "set_trap_table = %ld", rc);
	if (xtest_current_result() != XTEST_SUCCESS)
		return;
	ctx = (struct iret_context){
		.rip = (unsigned long)user_ud2,
		.cs = FLAT_USER_CS64,
		.rflags = 0x202,
		.rsp = (unsigned long)&user_stack[300],
		.ss = FLAT_USER_SS64,
	};
	enter_user(&ctx);
	frame = (const unsigned long *)ud_frame;
	xtest_check(ud_frame > (unsigned long)kernel_stack &&
			ud_frame < (unsigned long)&kernel_stack[1024],
		    "#UD handler on stack %#lx, not the stack_switch one", ud_frame);
	xtest_check(ud_saw_gs == kernel_gs_word, "kernel %%gs:0 in the handler = %#lx", ud_saw_gs);
	/* {rcx, r11, rip, cs, rflags, rsp, ss}: #UD has no error code. */
	xtest_check(frame[2] == (unsigned long)user_ud2, "frame rip %#lx", frame[2]);
	xtest_check((frame[3] & 0xffff) == FLAT_USER_CS64, "frame cs %#lx (RPL 3 expected)",
		    frame[3]);
	xtest_check(frame[5] == (unsigned long)&user_stack[300], "frame rsp %#lx", frame[5]);
	xtest_check((frame[6] & 0xffff) == FLAT_USER_SS64, "frame ss %#lx", frame[6]);
}

void test_main(void)
{
	test_fpu_taskswitch();
	test_user_exception();
	printk("trap checks done\n");
}

TEST_EXPECT("trap checks done");
