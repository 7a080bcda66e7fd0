/*
 * Entry point, ELF notes, stack, hypercall page and exception stubs of the
 * PV test guests.
 *
 * The domain builder starts us in 64-bit kernel mode (ring 3 underneath)
 * with rsi = virtual address of start_info and rsp on its boot stack.
 */
#include "xen-abi.h"

#define VIRT_BASE 0xffffffff80000000

/* One "Xen" ELF note: the header, the name, then the payload from the caller. */
.macro xen_note type
	.balign 4
	.long 4
	.long 7f - 6f
	.long \type
	.asciz "Xen"
	.balign 4
6:
.endm
.macro xen_note_end
7:	.balign 4
.endm

	.pushsection .note.Xen, "a", @note
	xen_note XEN_ELFNOTE_XEN_VERSION
	.asciz "xen-3.0"
	xen_note_end
	xen_note XEN_ELFNOTE_GUEST_OS
	.asciz "Petrel-XTEST"
	xen_note_end
	xen_note XEN_ELFNOTE_GUEST_VERSION
	.asciz "1"
	xen_note_end
	xen_note XEN_ELFNOTE_LOADER
	.asciz "generic"
	xen_note_end
#ifndef XTEST_MINIMAL_NOTES
	xen_note XEN_ELFNOTE_VIRT_BASE
	.quad VIRT_BASE
	xen_note_end
	xen_note XEN_ELFNOTE_PADDR_OFFSET
	.quad 0
	xen_note_end
#endif
	xen_note XEN_ELFNOTE_ENTRY
	.quad _start
	xen_note_end
#ifndef XTEST_MINIMAL_NOTES
	xen_note XEN_ELFNOTE_SUPPORTED_FEATURES
	.long (1 << XENFEAT_dom0)
	xen_note_end
#endif
	.popsection

	.text
	.globl _start
_start:
	cld
	lea	xtest_stack_top(%rip), %rsp
	xor	%ebp, %ebp
	mov	%rsi, %rdi
	call	xtest_runtime_main
	/* xtest_runtime_main never returns; if it did, fault loudly. */
	ud2

/*
 * The hypercall page. Filled with int3 so that a call through a page the
 * hypervisor never wrote ends up as a reported #BP, not a silent slide.
 */
	.pushsection .text.hypercall_page, "ax", @progbits
	.balign 4096
	.globl hypercall_page
hypercall_page:
	.fill 4096, 1, 0xcc
	.popsection

/*
 * Exception entry. Xen bounces an exception to the handler registered with
 * set_trap_table, in kernel mode, with this frame at rsp (lowest first):
 *   rcx, r11, [error code,] rip, cs, rflags, rsp, ss
 * Each stub restores rcx/r11, pads vectors without an error code with 0,
 * pushes its vector and joins the common path, which saves the GPRs and
 * calls xtest_trap_handler(struct xtest_frame *). Handlers cannot return
 * (no iret yet): the C side either resumes a catch point or ends the test.
 */

.macro trap_stub vec, has_ec
	.balign 16
xtest_trap_\vec:
	pop	%rcx
	pop	%r11
	.if \has_ec == 0
	pushq	$0
	.endif
	pushq	$\vec
	jmp	trap_common
.endm

	.text
	trap_stub 0, 0
	trap_stub 1, 0
	trap_stub 2, 0
	trap_stub 3, 0
	trap_stub 4, 0
	trap_stub 5, 0
	trap_stub 6, 0
	trap_stub 7, 0
	trap_stub 8, 1
	trap_stub 9, 0
	trap_stub 10, 1
	trap_stub 11, 1
	trap_stub 12, 1
	trap_stub 13, 1
	trap_stub 14, 1
	trap_stub 15, 0
	trap_stub 16, 0
	trap_stub 17, 1
	trap_stub 18, 0
	trap_stub 19, 0
	trap_stub 20, 0
	trap_stub 21, 1
	trap_stub 22, 0
	trap_stub 23, 0
	trap_stub 24, 0
	trap_stub 25, 0
	trap_stub 26, 0
	trap_stub 27, 0
	trap_stub 28, 0
	trap_stub 29, 1
	trap_stub 30, 1
	trap_stub 31, 0

trap_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	cld
	mov	%rsp, %rdi
	and	$-16, %rsp
	call	xtest_trap_handler
	ud2

/* Addresses of the 32 stubs, for the trap table. */
	.section .rodata
	.balign 8
	.globl xtest_trap_stubs
xtest_trap_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad xtest_trap_\v
	.endr

/*
 * int xtest_catch_call(void (*fn)(void *), void *arg)
 * Runs fn(arg). Returns 0 if it returned normally, 1 if an exception
 * happened inside it: the trap handler then calls xtest_catch_resume(),
 * which unwinds to here. Not reentrant (one catch point at a time).
 */
	.text
	.globl xtest_catch_call
xtest_catch_call:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	sub	$8, %rsp		/* keep the callee's stack 16-byte aligned */
	mov	%rsp, xtest_catch_rsp(%rip)
	movl	$1, xtest_catch_active(%rip)
	mov	%rdi, %rax
	mov	%rsi, %rdi
	call	*%rax
	movl	$0, xtest_catch_active(%rip)
	xor	%eax, %eax
.Lcatch_out:
	add	$8, %rsp
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	ret

	.globl xtest_catch_resume
xtest_catch_resume:
	mov	xtest_catch_rsp(%rip), %rsp
	movl	$0, xtest_catch_active(%rip)
	mov	$1, %eax
	jmp	.Lcatch_out

	.bss
	.balign 8
	.globl xtest_catch_active
xtest_catch_active:
	.long 0
	.long 0
xtest_catch_rsp:
	.quad 0
	.balign 4096
xtest_stack:
	.skip 16384
	.globl xtest_stack_top
xtest_stack_top:
