/*
 * Firmware-independent pieces of petrel.efi: the petrel.cfg parser, the
 * LoadOptions parser, the EFI-memory-map to e820 conversion and the page
 * table builder. None of them calls into EFI, so the same sources are
 * compiled into petrel.efi and into the host unit tests.
 */
#ifndef PETREL_EFI_HELPERS_H
#define PETREL_EFI_HELPERS_H

#include "types.h"
#include "boot_info.h"

#define PCFG_NAME_MAX 256

/* What petrel.cfg says about the section that is booted. */
struct pcfg {
	char section[PCFG_NAME_MAX];  /* section used, "" when keys were taken from anywhere */
	char options[BI_CMDLINE_MAX]; /* Petrel's command line ("" if none) */
	char kernel[BI_CMDLINE_MAX];  /* "<file> [dom0 args]", as written */
	char ramdisk[PCFG_NAME_MAX];  /* file name, "" if none */
};

enum pcfg_err {
	PCFG_OK = 0,
	PCFG_ERR_SECTION = -1,	 /* the requested section does not exist */
	PCFG_ERR_NO_KERNEL = -2, /* no kernel= for the chosen section */
	PCFG_ERR_TOO_LONG = -3,	 /* a value does not fit its buffer */
	PCFG_ERR_BINARY = -4,	 /* NUL or other non-text bytes in the file */
	PCFG_ERR_SYNTAX = -5,	 /* a line that is neither [section] nor key=value */
};

/*
 * Parse the text of petrel.cfg (@len bytes, need not be NUL terminated).
 * @want is the section asked for on the command line, or NULL; without it the
 * [global] section's default= picks one, and without that the first instance
 * of each key in the file is used (so a file with no sections works too).
 * Keys missing from the chosen section are looked up in [global].
 * On error, *@errline (if not NULL) is the 1-based line concerned, or 0.
 */
int pcfg_parse(const char *text, size_t len, const char *want, struct pcfg *out, int *errline);
const char *pcfg_strerror(int err);

/* The image's own command line (LoadOptions, UCS-2). */
struct pcfg_args {
	char section[PCFG_NAME_MAX]; /* first plain word, "" if none */
	char cfg[PCFG_NAME_MAX];     /* from -cfg=<file>, "" if none */
	char extra[BI_CMDLINE_MAX];  /* everything after "--", appended to options */
};

/*
 * Parse LoadOptions (@bytes bytes of UCS-2). Data that is not printable
 * text (firmware boot entries often carry a binary GUID here) is ignored
 * and yields empty arguments. A first word ending in ".efi" (the program's
 * own name, as the UEFI shell passes it) is skipped. Returns 0, or
 * PCFG_ERR_TOO_LONG when a word does not fit.
 */
int pcfg_parse_args(const u16 *opts, size_t bytes, struct pcfg_args *out);

/* Append " @extra" to @dst (capacity @cap). Returns 0 or PCFG_ERR_TOO_LONG. */
int pcfg_append(char *dst, size_t cap, const char *extra);

/* UEFI memory types (UEFI spec, EFI_MEMORY_TYPE). */
enum {
	EFIMT_RESERVED = 0,
	EFIMT_LOADER_CODE = 1,
	EFIMT_LOADER_DATA = 2,
	EFIMT_BS_CODE = 3,
	EFIMT_BS_DATA = 4,
	EFIMT_RT_CODE = 5,
	EFIMT_RT_DATA = 6,
	EFIMT_CONVENTIONAL = 7,
	EFIMT_UNUSABLE = 8,
	EFIMT_ACPI_RECLAIM = 9,
	EFIMT_ACPI_NVS = 10,
	EFIMT_MMIO = 11,
	EFIMT_MMIO_PORT = 12,
	EFIMT_PAL_CODE = 13,
	EFIMT_PERSISTENT = 14,
};

/* The fields of an EFI_MEMORY_DESCRIPTOR we read (its first 40 bytes). */
struct efi_md {
	u32 type;
	u32 pad;
	u64 phys;
	u64 virt;
	u64 pages;
	u64 attr;
};

/* e820 type for an EFI memory type. */
u32 efi_type_to_e820(u32 efi_type);

/*
 * Convert the EFI memory map (@map_size bytes of descriptors @desc_size
 * apart) into sorted, merged e820 entries in @out (at most @max).
 * @tmp is scratch space for @tmp_cap entries, at least one per descriptor.
 * When more than @max entries remain, the smallest RAM ranges are dropped
 * (losing a little RAM is safe, losing a reserved range is not).
 * Returns the number of entries, or -1 on bad arguments or when even that
 * does not make them fit.
 */
int efi_mmap_to_e820(const void *map, size_t map_size, size_t desc_size, struct bi_mem *tmp,
		     size_t tmp_cap, struct bi_mem *out, size_t max);

/*
 * Copy the EFI memory map into @out (at most @max entries) with the types
 * and attributes the firmware gave, in address order, neighbours of the
 * same type and attributes joined. Returns the number of entries, or -1 on
 * bad arguments, a descriptor that wraps around, or more than @max entries
 * left after joining.
 */
int efi_mmap_record(const void *map, size_t map_size, size_t desc_size, struct bi_efi_md *out,
		    size_t max);

/*
 * Page tables for the hand-over: [0, 4 GiB) identity-mapped with 2 MiB
 * pages, and XEN_VIRT_START + [0, mem_size) -> phys_base. @pt points to
 * @nr_pages zeroed-or-not 4 KiB pages whose machine address is @pt_phys
 * (the same while firmware identity-maps memory). Returns the CR3 value,
 * or 0 if @phys_base is not 2 MiB aligned or the pages do not suffice.
 */
#define PT_IDENT_GIB 4
#define PT_PAGES(mem_size) (2 + PT_IDENT_GIB + 1 + (((mem_size) + (1UL << 30) - 1) >> 30))
u64 pt_build(u64 *pt, u64 pt_phys, size_t nr_pages, u64 phys_base, u64 mem_size);

#endif
