/*
 * Guest user mode: iret with RPL 3 switches to the user page tables (here
 * the kernel's own L4, registered with MMUEXT_NEW_USER_BASEPTR; every
 * mapping of the image is a user mapping) and the user GS base; a user
 * `syscall` comes back to the syscall callback in kernel mode on the
 * stack_switch stack, with Xen's frame, events masked as registered, and
 * the kernel GS base live again. Also set_segment_base's error values.
 */
#include "xtest.h"
#include "user-mode.h"

#define HC_stack_switch 3
#define HC_set_segment_base 25
#define HC_mmuext_op 26
#define HC_callback_op 30
#define SEGBASE_FS 0
#define SEGBASE_GS_USER 1
#define SEGBASE_GS_KERNEL 2
#define FLAT_KERNEL_SS64 0xe02b
#define DOMID_SELF 0x7ff0
#define EINVAL 22

static struct iret_context ctx __attribute__((aligned(16)));
static unsigned long user_stack[512] __attribute__((aligned(16)));
static unsigned long kernel_stack[1024] __attribute__((aligned(16)));

/* Read through %gs:0 in each mode. */
unsigned long kernel_gs_word = 0x4b45524e454cUL, user_gs_word = 0x55534552UL;
unsigned long user_saw_gs, cb_saw_gs, cb_rdi, cb_frame;
unsigned long saved_ctx[7];

extern char user_code[], user_after_syscall[], syscall_cb[];
void enter_user(struct iret_context *c);

__asm__(".text\n"
	/* enter_user(ctx): save the callee-saved registers and rsp; iret to ctx. */
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
	/* User mode: read %gs:0, then syscall with rdi = 0x1234. */
	"user_code:\n"
	"	mov %gs:0, %rax\n"
	"	mov %rax, user_saw_gs(%rip)\n"
	"	mov $0x1234, %edi\n"
	"	syscall\n"
	"user_after_syscall:\n"
	"	ud2\n"
	/* The syscall callback: note the frame and %gs:0, return from enter_user. */
	"syscall_cb:\n"
	"	mov %rsp, cb_frame(%rip)\n"
	"	mov %rdi, cb_rdi(%rip)\n"
	"	mov %gs:0, %rax\n"
	"	mov %rax, cb_saw_gs(%rip)\n"
	"	mov saved_ctx+0(%rip), %rbx\n"
	"	mov saved_ctx+8(%rip), %rbp\n"
	"	mov saved_ctx+16(%rip), %r12\n"
	"	mov saved_ctx+24(%rip), %r13\n"
	"	mov saved_ctx+32(%rip), %r14\n"
	"	mov saved_ctx+40(%rip), %r15\n"
	"	mov saved_ctx+48(%rip), %rsp\n"
	"	ret\n");

static unsigned long frame_of(unsigned long va)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;

	return p2m[(va - 0xffffffff80000000UL) >> 12];
}

static void test_segment_base_errors(void)
{
	long rc;

	rc = hypercall(HC_set_segment_base, SEGBASE_FS, 0x0000800000000000UL, 0, 0, 0);
	xtest_check(rc == -EINVAL, "non-canonical FS base = %ld", rc);
	rc = hypercall(HC_set_segment_base, SEGBASE_GS_KERNEL, 0xffff000000000000UL, 0, 0, 0);
	xtest_check(rc == -EINVAL, "non-canonical GS base = %ld", rc);
	rc = hypercall(HC_set_segment_base, 4, 0, 0, 0, 0);
	xtest_check(rc == -EINVAL, "set_segment_base(4) = %ld", rc);
	rc = hypercall(HC_set_segment_base, SEGBASE_FS, 0, 0, 0, 0);
	xtest_check(rc == 0, "FS base 0 = %ld", rc);
}

void test_main(void)
{
	struct mmuext_op op = { .cmd = MMUEXT_NEW_USER_BASEPTR };
	struct callback_register cb = { .type = CALLBACKTYPE_syscall,
					.flags = CALLBACKF_mask_events,
					.address = (unsigned long)syscall_cb };
	struct shared_info *sh = xtest_shared_info();
	const unsigned long *frame;
	long rc;

	test_segment_base_errors();
	op.arg1 = frame_of(xtest_start_info->pt_base);
	rc = hypercall(HC_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	xtest_check(rc == 0, "NEW_USER_BASEPTR = %ld", rc);
	rc = hypercall(HC_stack_switch, FLAT_KERNEL_SS64, (unsigned long)&kernel_stack[1024], 0, 0,
		       0);
	xtest_check(rc == 0, "stack_switch = %ld", rc);
	rc = hypercall(HC_callback_op, 0, (unsigned long)&cb, 0, 0, 0);
	xtest_check(rc == 0, "register syscall callback = %ld", rc);
	rc = hypercall(HC_set_segment_base, SEGBASE_GS_KERNEL, (unsigned long)&kernel_gs_word, 0, 0,
		       0);
	xtest_check(rc == 0, "GS_KERNEL = %ld", rc);
	rc = hypercall(HC_set_segment_base, SEGBASE_GS_USER, (unsigned long)&user_gs_word, 0, 0, 0);
	xtest_check(rc == 0, "GS_USER = %ld", rc);
	if (rc || xtest_current_result() != XTEST_SUCCESS)
		xtest_exit();

	ctx = (struct iret_context){
		.rip = (unsigned long)user_code,
		.cs = FLAT_USER_CS64,
		.rflags = 0x202,
		.rsp = (unsigned long)&user_stack[500],
		.ss = FLAT_USER_SS64,
	};
	enter_user(&ctx);

	/* Back in kernel mode, on the kernel stack given by stack_switch. */
	frame = (const unsigned long *)cb_frame;
	xtest_check(user_saw_gs == user_gs_word, "user %%gs:0 = %#lx", user_saw_gs);
	xtest_check(cb_saw_gs == kernel_gs_word, "kernel %%gs:0 in the callback = %#lx", cb_saw_gs);
	xtest_check(cb_rdi == 0x1234, "rdi %#lx in the callback", cb_rdi);
	xtest_check(cb_frame > (unsigned long)kernel_stack &&
			cb_frame < (unsigned long)&kernel_stack[1024],
		    "callback stack %#lx not the stack_switch one", cb_frame);
	/* 16-byte aligned, then 7 words pushed. */
	xtest_check((cb_frame & 0xf) == 8, "frame at %#lx", cb_frame);
	xtest_check(frame[0] == (unsigned long)user_after_syscall, "frame rcx %#lx", frame[0]);
	xtest_check(frame[2] == (unsigned long)user_after_syscall, "frame rip %#lx", frame[2]);
	xtest_check((frame[3] & 0xffff) == FLAT_USER_CS64, "frame cs %#lx", frame[3]);
	xtest_check(frame[4] & 0x200, "frame rflags %#lx", frame[4]);
	xtest_check(frame[5] == (unsigned long)&user_stack[500], "frame rsp %#lx", frame[5]);
	xtest_check((frame[6] & 0xffff) == FLAT_USER_SS64, "frame ss %#lx", frame[6]);
	if (sh) {
		xtest_check(sh->vcpu_info[0].evtchn_upcall_mask == 1,
			    "events not masked in the syscall callback");
		sh->vcpu_info[0].evtchn_upcall_mask = 0;
	}
	/* The kernel GS base is live again for the rest of the test. */
	printk("user mode round trip done\n");
}

TEST_EXPECT("user mode round trip done");
