/* petrel.bin, embedded in petrel.efi; PETREL_BIN names the file. */
	.section .rodata
	.balign 4096
	.globl petrel_blob
	.hidden petrel_blob
	.globl petrel_blob_end
	.hidden petrel_blob_end
petrel_blob:
	.incbin PETREL_BIN
petrel_blob_end:

	.section .note.GNU-stack, "", @progbits
