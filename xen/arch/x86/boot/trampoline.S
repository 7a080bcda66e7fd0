/*
 * The AP trampoline: where a CPU other than CPU 0 starts (its startup IPI
 * names the page). smpboot.c copies trampoline_start..trampoline_end to a
 * page of RAM below 1 MiB and fills in the fields marked "set by CPU 0"
 * with physical addresses. The code goes real mode -> 32-bit protected
 * mode -> long mode on the trampoline's page tables (identity map of the
 * first 2 MiB plus the hypervisor's slots), then jumps to ap_entry64 at its
 * linked address, which moves to the hypervisor's page tables and stack.
 */
#include "config.h"

#define TR(x) ((x) - trampoline_start)

	.section .rodata, "a"
	.balign 16
	.code16
	.globl trampoline_start, trampoline_end
trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	xorl %ebx, %ebx
	movw %ax, %bx
	shll $4, %ebx /* ebx = the trampoline's physical address */
	lgdtl TR(tramp_gdt_desc)
	movl $0x00000011, %eax /* PE | ET */
	movl %eax, %cr0
	ljmpl *TR(tramp_far32)

	.code32
tramp_32:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %cr4, %eax
	orl $0x20, %eax /* PAE */
	movl %eax, %cr4
	movl TR(tramp_cr3)(%ebx), %eax
	movl %eax, %cr3
	movl $0xC0000080, %ecx
	rdmsr
	orl $0x900, %eax /* LME | NXE */
	wrmsr
	movl $0x80010033, %eax /* PG | WP | NE | ET | MP | PE */
	movl %eax, %cr0
	ljmpl *TR(tramp_far64)(%ebx)

	.code64
tramp_64:
	movq tramp_entry(%rip), %rax
	jmpq *%rax

	.balign 8
tramp_gdt:
	.quad 0
	.quad 0x00af9a000000ffff /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff /* 0x10: data */
	.quad 0x00cf9a000000ffff /* 0x18: 32-bit code */
tramp_gdt_end:
	.globl tramp_gdt_desc, tramp_far32, tramp_far64, tramp_cr3
tramp_gdt_desc:
	.short tramp_gdt_end - tramp_gdt - 1
	.long TR(tramp_gdt) /* set by CPU 0: + physical base */
tramp_far32:
	.long TR(tramp_32) /* set by CPU 0: + physical base */
	.short 0x18
tramp_far64:
	.long TR(tramp_64) /* set by CPU 0: + physical base */
	.short 0x08
tramp_cr3:
	.long 0 /* set by CPU 0: the trampoline's page tables */
	.balign 8
tramp_entry:
	.quad ap_entry64
trampoline_end:

/*
 * Linked high, reached from tramp_64: the hypervisor's page tables, the
 * stack block CPU 0 gave this CPU, then C.
 */
	.text
	.globl ap_entry64
ap_entry64:
	movq ap_boot_cr3(%rip), %rax
	movq %rax, %cr3
	movq ap_boot_stack(%rip), %rsp
	xorl %ebp, %ebp
	call start_secondary
	ud2
