/*
 * Petrel's virtual memory layout. Everything the hypervisor maps lives in
 * L4 slots 256-271, the range Xen reserves in every 64-bit PV guest.
 */
#ifndef PETREL_CONFIG_H
#define PETREL_CONFIG_H

#define L4_SLOT_VA(s) (0xFFFF000000000000UL | ((unsigned long)(s) << 39))

/* Slot 256: read-only machine-to-phys table that guests read. */
#define RO_MPT_VIRT_START 0xFFFF800000000000UL
#define RO_MPT_VIRT_END 0xFFFF804000000000UL
/* Slot 257: the hypervisor's writable view of the same table. */
#define RDWR_MPT_VIRT_START 0xFFFF808000000000UL
/* Slot 260: the hypervisor image (text, data, bss). */
#define XEN_VIRT_START 0xFFFF820000000000UL
/* Slot 262: direct map of all machine memory (512 GiB). */
#define DIRECTMAP_VIRT_START 0xFFFF830000000000UL
#define DIRECTMAP_SIZE (512UL << 30)
/* Slot 264: the frame table (struct page_info per 4 KiB frame). */
#define FRAMETABLE_VIRT_START 0xFFFF840000000000UL
/* Slot 266: per-domain mappings (GDT/LDT shadows). */
#define PERDOMAIN_VIRT_START 0xFFFF850000000000UL

#define XEN_SLOTS_START 0xFFFF800000000000UL
#define XEN_SLOTS_END 0xFFFF880000000000UL

/* Where the multiboot loader puts the image (2 MiB aligned). */
#define XEN_LOAD_PHYS 0x200000UL

/*
 * Each CPU's stack block: STACK_SIZE bytes aligned to STACK_SIZE. The IST
 * stacks take the bottom pages, the primary stack the top half, and the
 * CPU's struct cpu_info sits at the very top (smp.h), so masking any stack
 * pointer of this CPU finds it.
 */
#define STACK_ORDER 4
#define STACK_SIZE (4096UL << STACK_ORDER)
#define IST_STACK_SIZE (2 * 4096UL)
/* Bytes at the top of each stack block for struct cpu_info (a 16 multiple). */
#define CPU_INFO_SIZE 32

/* The most CPUs Petrel brings up; MADT entries past it are reported and ignored. */
#define NR_CPUS 64

#endif
