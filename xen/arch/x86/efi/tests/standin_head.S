/*
 * Stand-in for build/xen/petrel.bin in petrel.efi's boot tests: the image
 * header, then entry64, which calls standin_main(boot_info, runtime base).
 */
#include "image.h"

	.section .head, "ax"
	.quad	PETREL_IMAGE_MAGIC
	.quad	standin_entry_off
	.quad	standin_file_size
	.quad	standin_mem_size

	.text
	.globl	entry64
entry64:
	/* rdi = boot_info; rsi = where we really run (checked in C) */
	leaq	_start(%rip), %rsi
	andq	$~15, %rsp
	call	standin_main
1:	cli
	hlt
	jmp	1b

	.section .note.GNU-stack, "", @progbits
