/*
 * One world switch to a VMX guest and back:
 *   int vmx_enter(struct cpu_regs *regs, int launched)
 * The VMCS holds the guest's rsp, rip and rflags; the other general
 * registers are moved here from and to @regs. HOST_RSP is this frame, so a
 * VM exit lands at vmx_exit_point (HOST_RIP) with @regs at 0(%rsp). Returns
 * 0 after a VM exit, 1 when VMLAUNCH/VMRESUME itself failed (the reason is
 * in VM_INSTRUCTION_ERROR, or there is no current VMCS).
 */
#define HOST_RSP 0x6c14

	.text
	.globl vmx_enter
vmx_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi		/* 0(%rsp): regs */
	movq $HOST_RSP, %rax
	vmwrite %rsp, %rax
	testl %esi, %esi	/* the flags survive the moves below */
	movq 0(%rdi), %r15
	movq 8(%rdi), %r14
	movq 16(%rdi), %r13
	movq 24(%rdi), %r12
	movq 32(%rdi), %rbp
	movq 40(%rdi), %rbx
	movq 48(%rdi), %r11
	movq 56(%rdi), %r10
	movq 64(%rdi), %r9
	movq 72(%rdi), %r8
	movq 80(%rdi), %rax
	movq 88(%rdi), %rcx
	movq 96(%rdi), %rdx
	movq 104(%rdi), %rsi
	movq 112(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* The entry failed: still on our own frame. */
	movl $1, %eax
	jmp 3f

	.globl vmx_exit_point
vmx_exit_point:
	pushq %rdi
	movq 8(%rsp), %rdi
	movq %r15, 0(%rdi)
	movq %r14, 8(%rdi)
	movq %r13, 16(%rdi)
	movq %r12, 24(%rdi)
	movq %rbp, 32(%rdi)
	movq %rbx, 40(%rdi)
	movq %r11, 48(%rdi)
	movq %r10, 56(%rdi)
	movq %r9, 64(%rdi)
	movq %r8, 72(%rdi)
	movq %rax, 80(%rdi)
	movq %rcx, 88(%rdi)
	movq %rdx, 96(%rdi)
	movq %rsi, 104(%rdi)
	popq 112(%rdi)
	xorl %eax, %eax
3:	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
