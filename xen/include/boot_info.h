/*
 * The hand-over from a boot path (multiboot1, multiboot2, EFI) to the core.
 * Every boot path fills one struct boot_info; the core knows nothing else
 * about how it was loaded. All addresses are machine (physical) addresses.
 */
#ifndef PETREL_BOOT_INFO_H
#define PETREL_BOOT_INFO_H

#include "types.h"

#define BOOT_INFO_MAGIC 0x6c65727465500001UL /* "Petrel" + version 1 */

#define BI_MAX_MEM 128
#define BI_MAX_MODS 8
#define BI_CMDLINE_MAX 1024

/* e820 types */
#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3
#define E820_NVS 4
#define E820_UNUSABLE 5

enum boot_loader { BOOT_MULTIBOOT1 = 1, BOOT_MULTIBOOT2 = 2, BOOT_EFI = 3 };

struct bi_mem {
	u64 addr;
	u64 len;
	u32 type; /* E820_* */
	u32 pad;
};

struct bi_mod {
	u64 start; /* first byte */
	u64 end; /* one past the last byte */
	char cmdline[BI_CMDLINE_MAX];
};

struct boot_info {
	u64 magic;
	u32 loader; /* enum boot_loader */
	u32 nr_mem;
	u32 nr_mods;
	u32 pad;
	u64 phys_base; /* where the image (XEN_VIRT_START) was loaded */
	u64 phys_end; /* end of the image including bss */
	u64 rsdp; /* ACPI RSDP machine address, 0 if unknown */
	u64 boot_data_start, boot_data_end; /* loader data to keep until dom0 is built */
	char cmdline[BI_CMDLINE_MAX]; /* Petrel's own command line */
	char loader_name[64];
	struct bi_mem mem[BI_MAX_MEM];
	struct bi_mod mods[BI_MAX_MODS];
};

/* Fill @bi from a multiboot1/2 information structure (identity-mapped). */
int multiboot1_parse(struct boot_info *bi, const void *mbi);
int multiboot2_parse(struct boot_info *bi, const void *mbi);

#endif
