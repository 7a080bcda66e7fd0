/*
 * Petrel public ABI: the PVH boot information block (Xen 4.17 layout).
 *
 * A PVH guest enters its XEN_ELFNOTE_PHYS32_ENTRY in 32-bit protected mode
 * without paging, with ebx = physical address of a struct hvm_start_info.
 * All addresses here are guest-physical; the modules, command line and
 * memory map it points to are in guest memory too.  The first module is the
 * initrd.  Version 1 added memmap_paddr/memmap_entries; without a memory map
 * the guest asks XENMEM_memory_map.
 */
/* gcc defines __ASSEMBLER__ for .S files; Xen's headers test __ASSEMBLY__. */
#if defined(__ASSEMBLER__) && !defined(__ASSEMBLY__)
#define __ASSEMBLY__ 1
#endif

#ifndef __XEN_PUBLIC_ARCH_X86_HVM_START_INFO_H__
#define __XEN_PUBLIC_ARCH_X86_HVM_START_INFO_H__

#define XEN_HVM_START_MAGIC_VALUE 0x336ec578

/* hvm_memmap_table_entry.type, the same values as e820. */
#define XEN_HVM_MEMMAP_TYPE_RAM 1
#define XEN_HVM_MEMMAP_TYPE_RESERVED 2
#define XEN_HVM_MEMMAP_TYPE_ACPI 3
#define XEN_HVM_MEMMAP_TYPE_NVS 4
#define XEN_HVM_MEMMAP_TYPE_UNUSABLE 5
#define XEN_HVM_MEMMAP_TYPE_DISABLED 6
#define XEN_HVM_MEMMAP_TYPE_PMEM 7

#ifndef __ASSEMBLY__

#include <stdint.h>
#include "../../static-assert.h"

struct hvm_start_info {
	uint32_t magic;	  /* XEN_HVM_START_MAGIC_VALUE */
	uint32_t version; /* 1 */
	uint32_t flags;	  /* SIF_xxx */
	uint32_t nr_modules;
	uint64_t modlist_paddr; /* array of hvm_modlist_entry */
	uint64_t cmdline_paddr; /* NUL-terminated kernel command line */
	uint64_t rsdp_paddr;	/* ACPI RSDP, 0 if none */
	uint64_t memmap_paddr;	/* array of hvm_memmap_table_entry (v1) */
	uint32_t memmap_entries;
	uint32_t reserved; /* must be zero */
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr; /* 0 if none */
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* XEN_HVM_MEMMAP_TYPE_* */
	uint32_t reserved;
};

PETREL_ASSERT_SIZE(struct hvm_start_info, 56, hvm_start_info);
PETREL_ASSERT_OFFSET(struct hvm_start_info, version, 4, hvm_start_info);
PETREL_ASSERT_OFFSET(struct hvm_start_info, flags, 8, hvm_start_info);
PETREL_ASSERT_OFFSET(struct hvm_start_info, nr_modules, 12, hvm_start_info);
PETREL_ASSERT_OFFSET(struct hvm_start_info, modlist_paddr, 16, hvm_start_info);
PETREL_ASSERT_OFFSET(struct hvm_start_info, cmdline_paddr, 24, hvm_start_info);
PETREL_ASSERT_OFFSET(struct hvm_start_info, rsdp_paddr, 32, hvm_start_info);
PETREL_ASSERT_OFFSET(struct hvm_start_info, memmap_paddr, 40, hvm_start_info);
PETREL_ASSERT_OFFSET(struct hvm_start_info, memmap_entries, 48, hvm_start_info);
PETREL_ASSERT_SIZE(struct hvm_modlist_entry, 32, hvm_modlist_entry);
PETREL_ASSERT_OFFSET(struct hvm_modlist_entry, cmdline_paddr, 16, hvm_modlist_entry);
PETREL_ASSERT_SIZE(struct hvm_memmap_table_entry, 24, hvm_memmap_table_entry);
PETREL_ASSERT_OFFSET(struct hvm_memmap_table_entry, type, 16, hvm_memmap_table_entry);

#endif /* !__ASSEMBLY__ */

#endif /* __XEN_PUBLIC_ARCH_X86_HVM_START_INFO_H__ */
