/*
 * The hand-over from a boot path (multiboot1, multiboot2, EFI) to the core.
 * Every boot path fills one struct boot_info; the core knows nothing else
 * about how it was loaded. All addresses are machine (physical) addresses.
 */
#ifndef PETREL_BOOT_INFO_H
#define PETREL_BOOT_INFO_H

#include "types.h"

#define BOOT_INFO_MAGIC 0x6c65727465500002UL /* "Petrel" + version 2 */

#define BI_MAX_MEM 128
#define BI_MAX_MODS 8
#define BI_CMDLINE_MAX 1024
#define BI_MAX_EFI_MD 512
#define BI_EFI_VENDOR_MAX 128

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

/* One descriptor of the firmware's final EFI memory map, as the firmware typed it. */
struct bi_efi_md {
	u32 type; /* EFI memory type */
	u32 pad;
	u64 phys;
	u64 pages; /* 4 KiB pages */
	u64 attr; /* EFI_MEMORY_* attribute bits */
};

/* What an EFI loader learnt from the firmware; all zero on other boot paths. */
struct bi_efi {
	u64 systab; /* machine address of the EFI system table, 0 if not EFI */
	u64 config_table; /* machine address of the configuration table array */
	u32 nr_config; /* entries in it */
	u32 version; /* the system table header's revision */
	u32 fw_revision; /* the system table's FirmwareRevision */
	u32 nr_md; /* entries used in md[] */
	u16 vendor[BI_EFI_VENDOR_MAX]; /* FirmwareVendor, UCS-2, NUL terminated */
	struct bi_efi_md md[BI_MAX_EFI_MD];
};

struct boot_info {
	u64 magic;
	u32 loader; /* enum boot_loader */
	u32 nr_mem;
	u32 nr_mods;
	u32 kbd_shift_flags; /* BIOS keyboard shift state (BDA byte 0x417), 0 if none */
	u64 phys_base; /* where the image (XEN_VIRT_START) was loaded */
	u64 phys_end; /* end of the image including bss */
	u64 rsdp; /* ACPI RSDP machine address, 0 if unknown */
	u64 boot_data_start, boot_data_end; /* loader data to keep until dom0 is built */
	char cmdline[BI_CMDLINE_MAX]; /* Petrel's own command line */
	char loader_name[64];
	struct bi_mem mem[BI_MAX_MEM];
	struct bi_mod mods[BI_MAX_MODS];
	struct bi_efi efi;
};

/* Fill @bi from a multiboot1/2 information structure (identity-mapped). */
int multiboot1_parse(struct boot_info *bi, const void *mbi);
int multiboot2_parse(struct boot_info *bi, const void *mbi);

#endif
