/*
 * Entry of an HVM test guest: the PVH ABI starts us in 32-bit flat
 * protected mode with paging off and ebx = the start info. We build our own
 * page tables (the first 4 GiB identity-mapped with 2 MiB pages, user
 * accessible so ring-3 tests can run; the local APIC page included), enter long mode, load a GDT with
 * kernel and user segments and a TSS, and call hvm_main(start_info).
 */
#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_UCODE 0x1b
#define GDT_UDATA 0x23
#define GDT_TSS 0x28

	.section .note.Xen, "a", @note
	.balign 4
	.long 4, 8, 5		/* XEN_ELFNOTE_XEN_VERSION */
	.asciz "Xen"
	.asciz "xen-3.0"
	.balign 4
	.long 4, 8, 8		/* XEN_ELFNOTE_LOADER */
	.asciz "Xen"
	.asciz "generic"
	.balign 4
	.long 4, 4, 18		/* XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long _pvh_start
	.balign 4

	.weak hvm_early32

	.section .text.head, "ax"
	.code32
	.globl _pvh_start
_pvh_start:
	cld
	movl %ebx, pvh_start_info_pa
	/* Hypercalls: vmcall on Intel ("GenuineIntel"), vmmcall elsewhere. */
	xorl %eax, %eax
	cpuid
	cmpl $0x756e6547, %ebx
	jne 4f
	movb $1, hvm_intel
4:
	/* A test may run code of its own here, in 32-bit mode (stack: our own). */
	movl $hvm_early32, %eax
	testl %eax, %eax
	jz 2f
	movl $stack_top, %esp
	call *%eax
2:
	/* l3[g] -> l2 page g (g < 4); l2[i] = i * 2 MiB, present, writable, user, large */
	xorl %ecx, %ecx
3:	movl %ecx, %eax
	shll $12, %eax
	addl $l2_table, %eax
	orl $0x7, %eax
	movl %eax, l3_table(, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jb 3b
	movl $l3_table, %eax
	orl $0x7, %eax
	movl %eax, l4_table
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $21, %eax
	orl $0x87, %eax
	movl %eax, l2_table(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jb 1b
	movl %cr4, %eax
	orl $0x20, %eax		/* PAE */
	movl %eax, %cr4
	movl $l4_table, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx	/* EFER.LME */
	rdmsr
	orl $0x100, %eax
	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax	/* PG, WP, PE */
	movl %eax, %cr0
	lgdt gdt_ptr
	ljmp $GDT_KCODE, $long_mode

	.code64
long_mode:
	movl $GDT_KDATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	leaq stack_top(%rip), %rsp
	/* TSS descriptor: base = tss, limit 0x67, type 9 (available 64-bit TSS) */
	leaq tss(%rip), %rax
	leaq gdt(%rip), %rdi
	movw $0x67, GDT_TSS(%rdi)
	movw %ax, GDT_TSS+2(%rdi)
	shrq $16, %rax
	movb %al, GDT_TSS+4(%rdi)
	movb $0x89, GDT_TSS+5(%rdi)
	movb $0, GDT_TSS+6(%rdi)
	movb %ah, GDT_TSS+7(%rdi)
	shrq $16, %rax
	movl %eax, GDT_TSS+8(%rdi)
	leaq istack_top(%rip), %rax
	movq %rax, tss+4(%rip)	/* rsp0 */
	movw $GDT_TSS, %ax
	ltr %ax
	movl pvh_start_info_pa(%rip), %edi
	call hvm_main
	ud2

/*
 * Exception stubs 0-31, 16 bytes apart: each pushes its vector (and a
 * dummy error code where the CPU pushes none).
 */
	.text
	.balign 16
	.globl hvm_stubs
hvm_stubs:
vec = 0
.rept 32
	.balign 16
.if vec == 8 || vec == 10 || vec == 11 || vec == 12 || vec == 13 || vec == 14 || vec == 17 || vec == 21
	pushq $vec
.else
	pushq $0
	pushq $vec
.endif
	jmp hvm_trap_common
vec = vec + 1
.endr

/*
 * Interrupt stubs for vectors 0x20-0x3f, 16 bytes apart: each pushes its
 * vector and calls hvm_irq(vector) with the caller-saved registers kept.
 */
	.balign 16
	.globl hvm_irq_stubs
hvm_irq_stubs:
vec = 0x20
.rept 32
	.balign 16
	pushq $vec
	jmp hvm_irq_common
vec = vec + 1
.endr

hvm_irq_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	movq 72(%rsp), %rdi
	subq $8, %rsp		/* the call site 16-byte aligned */
	cld
	call hvm_irq
	addq $8, %rsp
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	addq $8, %rsp
	iretq

/* hvm_trap returns only for a fault it fixed up (the frame's rip changed). */
hvm_trap_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	movq %rsp, %rdi
	call hvm_trap
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp
	iretq

/*
 * long hvm_run_user(void (*fn)(void)): run @fn in ring 3 with RFLAGS
 * hvm_user_rflags (it ends with int $0x80, its rax becoming our return
 * value).
 */
	.globl hvm_run_user
hvm_run_user:
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, user_saved_rsp(%rip)
	pushq $GDT_UDATA
	leaq user_stack_top(%rip), %rax
	pushq %rax
	pushq hvm_user_rflags(%rip)
	pushq $GDT_UCODE
	pushq %rdi
	iretq

	.globl hvm_user_return
hvm_user_return:
	movq user_saved_rsp(%rip), %rsp
	movl $GDT_KDATA, %ecx
	movl %ecx, %ds
	movl %ecx, %es
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	ret

	.data
	.balign 8
	.globl pvh_start_info_pa
pvh_start_info_pa:
	.quad 0
user_saved_rsp:
	.quad 0
	.globl hvm_user_rflags
hvm_user_rflags:
	.quad 0x2
gdt:
	.quad 0
	.quad 0x00af9b000000ffff	/* 0x08 kernel code, 64-bit */
	.quad 0x00cf93000000ffff	/* 0x10 kernel data */
	.quad 0x00affb000000ffff	/* 0x18 user code, 64-bit */
	.quad 0x00cff3000000ffff	/* 0x20 user data */
	.quad 0, 0			/* 0x28 TSS, filled in */
gdt_end:
gdt_ptr:
	.word gdt_end - gdt - 1
	.quad gdt
	.balign 16
tss:
	.fill 0x68, 1, 0

	.section .data.pagetables, "aw"
	.balign 4096
l4_table:
	.fill 512, 8, 0
l3_table:
	.fill 512, 8, 0
l2_table:
	.fill 2048, 8, 0

	.bss
	.balign 16
	.skip 16384
stack_top:
	.skip 8192
istack_top:
	.skip 8192
user_stack_top:

	.data
	.globl hvm_intel
hvm_intel:
	.byte 0
