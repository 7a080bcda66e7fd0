/*
 * The event callback tests register: it saves the caller-saved registers,
 * calls xtest_event_hook(frame) with frame = Xen's bounce frame above the
 * popped rcx/r11 ({RIP, CS, RFLAGS, RSP, SS}), and returns with the iret
 * hypercall ({rax, r11, rcx, flags} pushed over the frame), which also
 * restores the event mask saved in the frame.
 */
	.text
	.globl xtest_event_entry
xtest_event_entry:
	pop %rcx
	pop %r11
	push %rax
	push %rcx
	push %rdx
	push %rsi
	push %rdi
	push %r8
	push %r9
	push %r10
	push %r11
	lea 72(%rsp), %rdi
	call *xtest_event_hook(%rip)
	pop %r11
	pop %r10
	pop %r9
	pop %r8
	pop %rdi
	pop %rsi
	pop %rdx
	pop %rcx
	pop %rax
	pushq $0
	push %rcx
	push %r11
	push %rax
	mov $23, %eax
	syscall
	ud2

	.data
	.balign 8
	.globl xtest_event_hook
xtest_event_hook:
	.quad 0
