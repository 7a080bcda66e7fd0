/*
 * The boot sector of the system test's HVM guest (tests/system/hvm.mk): the
 * BIOS loads it at 0:0x7c00 and jumps to it in real mode.  It prints its
 * marker on the debug port 0xE9 (the hypervisor logs each line as the
 * domain's), then asks for ACPI S5 through PM1a control at 0xB004 (hvmloader
 * moves the PM block there; SLP_TYP 0 is the S5 value of its DSDT, SLP_EN is
 * bit 13), which the device model turns into a poweroff of the domain.
 * Then it waits with interrupts on (HLT with interrupts off would power the
 * domain off by another path, hiding a lost S5).
 */
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
	movw	$marker, %si
	call	puts
	movw	$0xb004, %dx
	movw	$0x2000, %ax
	outw	%ax, %dx
	sti
1:	hlt
	jmp	1b

/* The NUL-terminated string at DS:SI to port 0xE9. */
puts:
	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, $0xe9
	jmp	puts
2:	ret

marker:	.asciz	"PETREL-HVM-BOOT-SECTOR: booted from the emulated disk\n"

	.org	510
	.byte	0x55, 0xaa
