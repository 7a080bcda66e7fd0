/*
 * One world switch to an SVM guest and back:
 *   void svm_vmrun(struct cpu_regs *regs, u64 vmcb_pa)
 * VMRUN loads and saves only rax/rsp/rip/rflags (in the VMCB); the other
 * general registers are moved here from and to @regs. The state VMRUN does
 * not switch (FS, GS, TR, LDTR, KernelGSBase, the syscall and sysenter MSRs)
 * is the guest's already and stays in the CPU after the exit: svm.c loads
 * and saves it only at vCPU switches and when it reads those VMCB fields.
 * Interrupts are enabled under GIF=0 before VMRUN (so host interrupts make
 * the guest exit) and taken at STGI after.
 */
	.section .text.hvmhot.1, "ax"
	.globl svm_vmrun
svm_vmrun:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi		/* 0(%rsp): regs */
	clgi
	movq %rsi, %rax
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
	movq 88(%rdi), %rcx
	movq 96(%rdi), %rdx
	movq 104(%rdi), %rsi
	movq 112(%rdi), %rdi
	sti
	vmrun
	/* #VMEXIT: rsp and rax (the guest VMCB) are the host's again. */
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
	movq %rcx, 88(%rdi)
	movq %rdx, 96(%rdi)
	movq %rsi, 104(%rdi)
	popq 112(%rdi)
	stgi
	cli
	addq $8, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
