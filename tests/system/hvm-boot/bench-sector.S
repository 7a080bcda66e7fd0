/*
 * The boot sector of the HVM device-model benchmark's firmware-only guest
 * (bench/hvm_dm.py): no operating system, so it runs wherever SeaBIOS does.
 * In real mode it times, with the ACPI PM timer (3.579545 MHz, port 0xB008
 * where hvmloader puts the PM block; the hypervisor serves it), ACCESSES
 * accesses of COM1's scratch register 0x3FF (alternately a write and a read
 * of it, each an ioreq round trip to the device model's UART: the benchmark
 * gives the guest a COM1; without one the hypervisor answers the port
 * itself, reads all-ones, and bad counts nearly every read), then ACCESSES reads
 * of the PM timer itself, and prints on the debug port 0xE9 (the hypervisor
 * logs each line as the domain's):
 *   PETREL-HVM-BENCH: sector what=ioreq accesses=N pmticks=T bad=K
 *   PETREL-HVM-BENCH: sector what=pmtimer accesses=N pmticks=T bad=0
 *   PETREL-HVM-BENCH: done
 * (K: reads that did not return the value written), then asks for ACPI S5
 * through PM1a control as bootsect.S does and waits with interrupts on.
 */
#define ACCESSES 10000
#define PM_TMR 0xb008
#define COM1_SCRATCH 0x3ff

	.code16
	.text
	.globl _start
_start:
	cli
	cld
	xorw	%ax, %ax
	movw	%ax, %ds
	movw	%ax, %ss
	movw	$0x7c00, %sp

	movw	$PM_TMR, %dx
	inl	%dx, %eax
	movl	%eax, %edi
	movw	$COM1_SCRATCH, %dx
	xorw	%bp, %bp
	movw	$ACCESSES / 2, %cx
1:	movb	%cl, %al
	outb	%al, %dx
	inb	%dx, %al
	cmpb	%cl, %al
	je	2f
	incw	%bp
2:	loop	1b
	movw	$what_ioreq, %si
	call	report

	movw	$PM_TMR, %dx
	inl	%dx, %eax
	movl	%eax, %edi
	movw	$ACCESSES - 1, %cx
3:	inl	%dx, %eax
	loop	3b
	xorw	%bp, %bp
	movw	$what_pmtimer, %si
	call	report

	movw	$done, %si
	call	puts
	movw	$0xb004, %dx
	movw	$0x2000, %ax
	outw	%ax, %dx
	sti
4:	hlt
	jmp	4b

/*
 * One figure's line: the PM timer now less EDI (the start), the string at
 * SI (the line up to pmticks=), BP (bad reads).
 */
report:
	movw	$PM_TMR, %dx
	inl	%dx, %eax
	subl	%edi, %eax
	pushl	%eax
	call	puts
	popl	%eax
	call	putdec
	movw	$bad, %si
	call	puts
	movzwl	%bp, %eax
	call	putdec
	movb	$'\n', %al
	outb	%al, $0xe9
	ret

/* The NUL-terminated string at DS:SI to port 0xE9. */
puts:
	lodsb
	testb	%al, %al
	jz	5f
	outb	%al, $0xe9
	jmp	puts
5:	ret

/* EAX in decimal to port 0xE9. */
putdec:
	movl	$10, %ebx
	xorw	%cx, %cx
6:	xorl	%edx, %edx
	divl	%ebx
	pushw	%dx
	incw	%cx
	testl	%eax, %eax
	jnz	6b
7:	popw	%ax
	addb	$'0', %al
	outb	%al, $0xe9
	loop	7b
	ret

#define STR(x) #x
#define XSTR(x) STR(x)
what_ioreq:
	.ascii	"PETREL-HVM-BENCH: sector what=ioreq accesses="
	.ascii	XSTR(ACCESSES)
	.asciz	" pmticks="
what_pmtimer:
	.ascii	"PETREL-HVM-BENCH: sector what=pmtimer accesses="
	.ascii	XSTR(ACCESSES)
	.asciz	" pmticks="
bad:	.asciz	" bad="
done:	.asciz	"PETREL-HVM-BENCH: done\n"

	.org	510
	.byte	0x55, 0xaa
