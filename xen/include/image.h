/*
 * The header at offset 0 of build/xen/petrel.bin, the flat hypervisor image.
 * The EFI loader (petrel.efi) embeds that image and uses this header to
 * place it; multiboot loaders use the multiboot headers that follow it.
 *
 * Contract of entry64 (used by petrel.efi; the multiboot path reaches it too):
 *  - 64-bit mode, interrupts disabled, any valid GDT, any stack;
 *  - rdi = machine address of a struct boot_info (boot_info.h) with
 *    phys_base = where byte 0 of the image was placed (2 MiB aligned) and
 *    phys_end = phys_base + mem_size;
 *  - CR3 maps [0, 4 GiB) identity, and XEN_VIRT_START + [0, mem_size) to
 *    phys_base + [0, mem_size); the bss ([file_size, mem_size)) is zeroed;
 *  - jump to XEN_VIRT_START + entry64_offset.
 */
#ifndef PETREL_IMAGE_H
#define PETREL_IMAGE_H

#define PETREL_IMAGE_MAGIC 0x4d494c4552544550UL /* "PETRELIM" */

#ifndef __ASSEMBLER__
#include "types.h"

struct petrel_image_header {
	u64 magic;
	u64 entry64_offset; /* from the image start */
	u64 file_size; /* bytes in petrel.bin */
	u64 mem_size; /* file_size + bss, 4 KiB aligned */
};
#endif

#endif
