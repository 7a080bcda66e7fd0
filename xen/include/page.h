/* x86-64 page-table entries and address translation. */
#ifndef PETREL_PAGE_H
#define PETREL_PAGE_H

#include "types.h"
#include "config.h"

#define _PAGE_PRESENT 0x001UL
#define _PAGE_RW 0x002UL
#define _PAGE_USER 0x004UL
#define _PAGE_PWT 0x008UL
#define _PAGE_PCD 0x010UL
#define _PAGE_ACCESSED 0x020UL
#define _PAGE_DIRTY 0x040UL
#define _PAGE_PSE 0x080UL
#define _PAGE_PAT 0x080UL
#define _PAGE_GLOBAL 0x100UL
#define _PAGE_AVAIL 0xe00UL
#define _PAGE_NX (1UL << 63)

#define PADDR_BITS 52
#define PADDR_MASK ((1UL << PADDR_BITS) - 1)
#define PTE_ADDR_MASK (PADDR_MASK & PAGE_MASK)

#define L1_SHIFT 12
#define L2_SHIFT 21
#define L3_SHIFT 30
#define L4_SHIFT 39
#define PT_ENTRIES 512

#define l1_index(va) (((va) >> L1_SHIFT) & 511)
#define l2_index(va) (((va) >> L2_SHIFT) & 511)
#define l3_index(va) (((va) >> L3_SHIFT) & 511)
#define l4_index(va) (((va) >> L4_SHIFT) & 511)

typedef u64 pte_t;
struct boot_info;

extern u64 xen_phys_base; /* where the image was loaded */

static inline void *maddr_to_virt(paddr_t pa)
{
	return (void *)(DIRECTMAP_VIRT_START + pa);
}

static inline paddr_t virt_to_maddr(const void *va)
{
	unsigned long v = (unsigned long)va;

	if (v >= XEN_VIRT_START && v < XEN_VIRT_START + (1UL << 30))
		return v - XEN_VIRT_START + xen_phys_base;
	return v - DIRECTMAP_VIRT_START;
}

static inline void *mfn_to_virt(mfn_t mfn)
{
	return maddr_to_virt(mfn << PAGE_SHIFT);
}

static inline mfn_t virt_to_mfn(const void *va)
{
	return virt_to_maddr(va) >> PAGE_SHIFT;
}

static inline mfn_t pte_mfn(pte_t e)
{
	return (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
}

static inline pte_t pte_from_mfn(mfn_t mfn, u64 flags)
{
	return (mfn << PAGE_SHIFT) | flags;
}

/* The hypervisor's own L4 (slots 256-271 are copied into every guest L4). */
extern pte_t idle_l4[PT_ENTRIES];

void paging_init(const struct boot_info *bi);
/* Map 4 KiB frame @mfn at hypervisor address @va (slots 256-271) with @flags. */
int map_xen_page(unsigned long va, mfn_t mfn, u64 flags);
/* Allocate a zeroed page-table page, from a boot pool until the allocator runs. */
pte_t *alloc_pt_page(void);
void paging_allocator_ready(void);
/* Give a guest L4 the hypervisor slots 256-271. */
void init_guest_l4(pte_t *l4, mfn_t l4_mfn);

#endif
