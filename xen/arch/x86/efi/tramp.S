/*
 * The last step of petrel.efi, copied into boot data below 4 GiB (so it is
 * mapped by both the firmware's page tables and ours) and called with
 *   rdi = boot_info, rsi = new CR3, rdx = stack top, rcx = entry, r8 = GDTR.
 * It installs our GDT and page tables, reloads the segment registers and
 * jumps to entry64 with rdi still pointing at boot_info. Position
 * independent: it only refers to itself RIP-relatively.
 */
	.text
	.globl petrel_tramp
	.hidden petrel_tramp
	.globl petrel_tramp_end
	.hidden petrel_tramp_end
petrel_tramp:
	cli
	lgdt	(%r8)
	movq	%rsi, %cr3
	movq	%rdx, %rsp
	movl	$0x10, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %ss
	movl	%eax, %fs
	movl	%eax, %gs
	leaq	1f(%rip), %rax
	pushq	$0x08
	pushq	%rax
	lretq
1:
	xorl	%ebp, %ebp
	jmp	*%rcx
petrel_tramp_end:

	.section .note.GNU-stack, "", @progbits
