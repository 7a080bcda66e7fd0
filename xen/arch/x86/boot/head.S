/*
 * The start of the image: the Petrel image header, the multiboot1 and
 * multiboot2 headers, and the 32-bit entry that gets to long mode.
 *
 * Multiboot loaders put the flat image at XEN_LOAD_PHYS and enter in 32-bit
 * protected mode with paging off. We build boot page tables that map
 * [0, 4 GiB) identity and XEN_VIRT_START -> XEN_LOAD_PHYS, enable long mode
 * and jump to entry64 at its linked (high) address. petrel.efi jumps to
 * entry64 directly (see image.h).
 */
#include "config.h"
#include "image.h"

#define PA(x) ((x) - XEN_VIRT_START + XEN_LOAD_PHYS)

#define MB1_MAGIC 0x1BADB002
#define MB1_FLAGS 0x00010003 /* page-align modules, memory info, address fields */
#define MB1_BOOT_MAGIC 0x2BADB002
#define MB2_MAGIC 0xE85250D6
#define MB2_BOOT_MAGIC 0x36d76289

#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80

	.section .head, "awx"
	.code32
	.globl _start
_start:
	/* struct petrel_image_header */
	.quad PETREL_IMAGE_MAGIC
	.quad entry64 - XEN_VIRT_START
	.quad __file_end - XEN_VIRT_START
	.quad __mem_end - XEN_VIRT_START
	.balign 64
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
	.long PA(mb1_header) /* header_addr */
	.long PA(_start) /* load_addr */
	.long PA(__file_end) /* load_end_addr */
	.long PA(__mem_end) /* bss_end_addr */
	.long PA(start32) /* entry_addr */

	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long 0 /* i386 */
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + (mb2_header_end - mb2_header))
	/* address tag */
	.balign 8
	.short 2, 0
	.long 24
	.long PA(mb2_header)
	.long PA(_start)
	.long PA(__file_end)
	.long PA(__mem_end)
	/* entry address tag */
	.balign 8
	.short 3, 0
	.long 12
	.long PA(start32)
	/* module alignment tag */
	.balign 8
	.short 6, 0
	.long 8
	/* end tag */
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:

/* eax = boot magic, ebx = multiboot information (physical). */
start32:
	cli
	cld
	movl $PA(boot_stack_top), %esp
	movl %eax, PA(boot_magic)
	movl %ebx, PA(boot_mbi)

	/* boot_l4[0] -> boot_l3_ident, boot_l4[260] -> boot_l3_xen */
	movl $PA(boot_l3_ident) + PTE_P + PTE_W, PA(boot_l4)
	movl $PA(boot_l3_xen) + PTE_P + PTE_W, PA(boot_l4) + 260 * 8
	/* boot_l3_ident[0..3] -> boot_l2_ident pages */
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $12, %eax
	addl $PA(boot_l2_ident) + PTE_P + PTE_W, %eax
	movl %eax, PA(boot_l3_ident)(, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jne 1b
	/* boot_l2_ident: 2048 x 2 MiB = 4 GiB identity */
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $PTE_P + PTE_W + PTE_PS, %eax
	movl %eax, PA(boot_l2_ident)(, %ecx, 8)
	movl %ecx, %eax
	shrl $11, %eax
	movl %eax, PA(boot_l2_ident) + 4(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jne 1b
	/* boot_l3_xen[0] -> boot_l2_xen: XEN_VIRT_START + 1 GiB -> XEN_LOAD_PHYS */
	movl $PA(boot_l2_xen) + PTE_P + PTE_W, PA(boot_l3_xen)
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	addl $XEN_LOAD_PHYS + PTE_P + PTE_W + PTE_PS, %eax
	movl %eax, PA(boot_l2_xen)(, %ecx, 8)
	incl %ecx
	cmpl $512, %ecx
	jne 1b

	/* PAE, long mode, paging */
	movl %cr4, %eax
	orl $0x20, %eax
	movl %eax, %cr4
	movl $PA(boot_l4), %eax
	movl %eax, %cr3
	movl $0xC0000080, %ecx
	rdmsr
	orl $0x900, %eax /* LME | NXE */
	wrmsr
	movl $0x80010033, %eax /* PG | WP | NE | ET | MP | PE */
	movl %eax, %cr0
	lgdt PA(boot_gdt_desc)
	ljmp $0x08, $PA(start64_low)

	.code64
start64_low:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	/* Build a boot_info from the multiboot data, then join the EFI path. */
	movabsq $boot_stack_top, %rsp
	movabsq $multiboot_entry, %rax
	jmp *%rax

/* The common 64-bit entry (image.h): rdi = struct boot_info *. */
	.globl entry64
entry64:
	cli
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movabsq $start_xen, %rax
	call *%rax
	ud2

	.section .data
	.balign 8
	.globl boot_magic, boot_mbi
boot_magic: .long 0
boot_mbi: .long 0
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff /* 0x10: data */
boot_gdt_end:
boot_gdt_desc:
	.short boot_gdt_end - boot_gdt - 1
	.long PA(boot_gdt)

	.section .bss.page_aligned, "aw", @nobits
	.balign 4096
	.globl boot_l4
boot_l4: .skip 4096
boot_l3_ident: .skip 4096
boot_l3_xen: .skip 4096
boot_l2_ident: .skip 4 * 4096
boot_l2_xen: .skip 4096
/*
 * CPU 0's stack block (smp.h): the boot runs on its primary stack, whose
 * top is just below CPU 0's struct cpu_info.
 */
	.balign STACK_SIZE
	.globl boot_stack, boot_stack_top
boot_stack: .skip STACK_SIZE - CPU_INFO_SIZE
boot_stack_top:
	.skip CPU_INFO_SIZE
