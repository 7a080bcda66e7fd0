/*
 * Guest user mode round trips: a `syscall` from guest user space to the
 * guest kernel's syscall callback and back to user space with the iret
 * hypercall, and a #PF raised in user space, bounced to the guest kernel's
 * handler and resumed in user space with iret. The user page tables are the
 * kernel's own L4 (MMUEXT_NEW_USER_BASEPTR), as in tests/guests' iret-user.
 * Each run enters user mode once (iret), loops there, and leaves with one
 * last `syscall` (rax = 1) that the callback turns into a return to the
 * kernel-mode caller.
 */
#include "bench.h"

struct iret_context {
	unsigned long rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};

static struct iret_context ctx __attribute__((aligned(16)));
static unsigned long user_stack[512] __attribute__((aligned(16)));
static unsigned long kernel_stack[1024] __attribute__((aligned(16)));
unsigned long bench_saved_ctx[7];

extern char user_syscall_loop[], user_pf_loop[], syscall_cb[], pf_stub[];
/* Enter user mode at ctx->rip with r12 = @count; returns when user space exits. */
void enter_user(struct iret_context *c, unsigned long count);

__asm__(".text\n"
	"enter_user:\n"
	"	mov %rbx, bench_saved_ctx+0(%rip)\n"
	"	mov %rbp, bench_saved_ctx+8(%rip)\n"
	"	mov %r12, bench_saved_ctx+16(%rip)\n"
	"	mov %r13, bench_saved_ctx+24(%rip)\n"
	"	mov %r14, bench_saved_ctx+32(%rip)\n"
	"	mov %r15, bench_saved_ctx+40(%rip)\n"
	"	mov %rsp, bench_saved_ctx+48(%rip)\n"
	"	mov %rsi, %r12\n"
	"	mov %rdi, %rsp\n"
	"	mov $23, %eax\n"
	"	syscall\n"
	"	ud2\n"
	/* user: r12 system calls with rax = 0, then the exit one */
	"user_syscall_loop:\n"
	"	test %r12, %r12\n"
	"	jz 2f\n"
	"1:	xor %eax, %eax\n"
	"	syscall\n"
	"	dec %r12\n"
	"	jnz 1b\n"
	"2:	mov $1, %eax\n"
	"	syscall\n"
	"	ud2\n"
	/* user: r12 loads from the unmapped address 0, each resumed after */
	"user_pf_loop:\n"
	"	test %r12, %r12\n"
	"	jz 2f\n"
	"1:	mov 0, %eax\n"
	"pf_resume:\n"
	"	dec %r12\n"
	"	jnz 1b\n"
	"2:	mov $1, %eax\n"
	"	syscall\n"
	"	ud2\n"
	/* syscall callback, frame {rcx, r11, rip, cs, rflags, rsp, ss} */
	"syscall_cb:\n"
	"	cmp $1, %eax\n"
	"	je 3f\n"
	"	pop %rcx\n"
	"	pop %r11\n"
	"	pushq $0\n"
	"	push %rcx\n"
	"	push %r11\n"
	"	push %rax\n"
	"	mov $23, %eax\n"
	"	syscall\n"
	"	ud2\n"
	"3:	mov bench_saved_ctx+0(%rip), %rbx\n"
	"	mov bench_saved_ctx+8(%rip), %rbp\n"
	"	mov bench_saved_ctx+16(%rip), %r12\n"
	"	mov bench_saved_ctx+24(%rip), %r13\n"
	"	mov bench_saved_ctx+32(%rip), %r14\n"
	"	mov bench_saved_ctx+40(%rip), %r15\n"
	"	mov bench_saved_ctx+48(%rip), %rsp\n"
	"	ret\n"
	/* #PF handler, frame {rcx, r11, error code, rip, cs, rflags, rsp, ss} */
	"pf_stub:\n"
	"	pop %rcx\n"
	"	pop %r11\n"
	"	add $8, %rsp\n"
	"	movq $pf_resume, (%rsp)\n"
	"	pushq $0\n"
	"	push %rcx\n"
	"	push %r11\n"
	"	push %rax\n"
	"	mov $23, %eax\n"
	"	syscall\n"
	"	ud2\n");

static void run_user(char *entry, unsigned long count)
{
	ctx = (struct iret_context){
		.rip = (unsigned long)entry,
		.cs = FLAT_USER_CS64,
		.rflags = 0x202,
		.rsp = (unsigned long)&user_stack[500],
		.ss = FLAT_USER_SS64,
	};
	enter_user(&ctx, count);
}

static bool user_syscalls(unsigned long iters, void *arg)
{
	(void)arg;
	run_user(user_syscall_loop, iters - 1);
	return true;
}

static bool user_faults(unsigned long iters, void *arg)
{
	struct shared_info *s = xtest_shared_info();

	(void)arg;
	s->vcpu_info[0].arch.cr2 = 1;
	run_user(user_pf_loop, iters);
	if (s->vcpu_info[0].arch.cr2 != 0) {
		xtest_fail("cr2 %#lx after the faults, expected 0", s->vcpu_info[0].arch.cr2);
		return false;
	}
	return true;
}

static bool set_up(void)
{
	struct callback_register cb = { .type = CALLBACKTYPE_syscall,
					.flags = CALLBACKF_mask_events,
					.address = (unsigned long)syscall_cb };
	struct trap_info pf[2] = {
		{ .vector = X86_EXC_PF, .cs = FLAT_KERNEL_CS64, .address = (unsigned long)pf_stub },
		{}
	};
	long rc;

	rc = bench_mmuext(MMUEXT_NEW_USER_BASEPTR, bench_l4_mfn());
	if (!rc)
		rc = hypercall(HC_stack_switch, FLAT_KERNEL_SS64,
			       (unsigned long)&kernel_stack[1024], 0, 0, 0);
	if (!rc)
		rc = hypercall(HC_callback_op, CALLBACKOP_register, (unsigned long)&cb, 0, 0, 0);
	/* only vector 14 changes; the library's handlers stay for the others */
	if (!rc)
		rc = hypercall_set_trap_table(pf);
	if (rc)
		xtest_fail("user-mode set-up: %ld", rc);
	return !rc;
}

void test_main(void)
{
	void xtest_install_traps(void);
	struct shared_info *s = xtest_shared_info();
	uint8_t mask;

	if (!s || !set_up())
		return;
	mask = s->vcpu_info[0].evtchn_upcall_mask;
	bench_run("user-syscall-roundtrip", 200, user_syscalls, NULL);
	bench_run("user-pf-bounce", 200, user_faults, NULL);
	s->vcpu_info[0].evtchn_upcall_mask = mask;
	xtest_install_traps();
}

TEST_EXPECT("BENCH user-syscall-roundtrip ");
TEST_EXPECT("BENCH user-pf-bounce ");
