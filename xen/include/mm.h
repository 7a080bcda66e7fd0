/*
 * Machine memory: the frame table and the buddy allocator of 4 KiB frames.
 *
 * The frame table holds one struct page_info per machine frame. Its type and
 * reference counts are what every PV mapping rule is checked against.
 */
#ifndef PETREL_MM_H
#define PETREL_MM_H

#include "types.h"

struct domain;

/* page_info.type values (PGT_*): what a frame is currently used as. */
#define PGT_none 0
#define PGT_l1_page_table 1
#define PGT_l2_page_table 2
#define PGT_l3_page_table 3
#define PGT_l4_page_table 4
#define PGT_seg_desc_page 5
#define PGT_writable_page 6

/* page_info.flags */
#define PGC_allocated (1u << 0) /* owned by a domain, counted in its tot_pages */
#define PGC_free (1u << 1) /* in the buddy allocator */
#define PGC_pinned (1u << 2) /* page table pinned by its owner */
#define PGC_validated (1u << 3) /* type validated (contents checked) */
#define PGC_xen_heap (1u << 4) /* hypervisor-owned */
#define PGC_reserved (1u << 5) /* firmware hole / not RAM / boot data */
#define PGC_io (1u << 6) /* not RAM in the firmware's map: I/O memory (with PGC_reserved) */
#define PGC_listed (1u << 7) /* on its owner's frame list (next/prev; page_alloc.c) */
#define PGC_need_zero (1u << 8) /* free: may still hold its last user's data */
#define PGC_dirty_block (1u << 9) /* head of a free block that may hold PGC_need_zero frames */

struct page_info {
	struct domain *owner; /* NULL when free or hypervisor-owned */
	u32 count; /* general references (mappings, pins, hypervisor uses) */
	u32 type_count; /* references that need the frame to keep its type */
	u8 type; /* PGT_* */
	u8 order; /* buddy order while PGC_free (head of block only) */
	s16 linear_pt_count; /* >0: linear entries in this table; <0: linear uses of it */
	u32 flags; /* PGC_* */
	/*
	 * Log-dirty shadows (pv/shadow.c): for a guest page table, the frame of
	 * its shadow (0: none); for a shadow frame, the guest table it shadows.
	 */
	u32 shadow;
	u32 own_writable; /* writable mappings of it in its owner's own L1 tables */
	/* Free-list linkage while PGC_free (head of block), owner list while PGC_listed. */
	struct page_info *next, *prev;
};

extern struct page_info *frame_table;
extern u64 max_page; /* one past the highest machine frame number */
extern u64 total_pages; /* RAM frames the firmware reported (sysctl physinfo) */

static inline struct page_info *mfn_to_page(mfn_t mfn)
{
	return &frame_table[mfn];
}

static inline mfn_t page_to_mfn(const struct page_info *pg)
{
	return (mfn_t)(pg - frame_table);
}

#define MAX_ORDER 20

/*
 * Buddy allocator. The frame table must exist before frames are freed into
 * it. alloc_domheap_pages returns an aligned block of 2^order frames, or
 * NULL; the block's frames have PGC_free cleared and count/type zeroed.
 */
void buddy_init(void);
void buddy_free_range(mfn_t start, mfn_t end); /* add [start,end) as free RAM */
struct page_info *alloc_pages(unsigned int order);
/* The same, the whole block below machine frame @limit (for DMA-able memory). */
struct page_info *alloc_pages_below(unsigned int order, mfn_t limit);
/* The same, every frame of the block zeroed (clean blocks first, dirty frames zeroed). */
struct page_info *alloc_zeroed_pages(unsigned int order);
struct page_info *alloc_zeroed_pages_below(unsigned int order, mfn_t limit);
/* Give a block back; its frames count as dirty until zeroed. */
void free_pages(struct page_info *pg, unsigned int order);
u64 buddy_free_count(void); /* free frames */

/*
 * Zeroing of free frames in the idle loop: scrub_free_pages() zeroes one
 * short batch (a few frames, interrupts off) and answers whether there was
 * any work; scrub_pending() is a cheap unlocked hint that there is.
 */
bool scrub_free_pages(void);
bool scrub_pending(void);
struct scrub_stats {
	u64 idle_zeroed; /* frames zeroed by scrub_free_pages */
	u64 alloc_zeroed; /* dirty frames zeroed by alloc_zeroed_pages* */
	u64 dirty_free; /* free frames still to zero */
};
void buddy_scrub_stats(struct scrub_stats *st);
/* Fill one frame with zeroes (arch/x86/mm.c: through the direct map). */
void scrub_frame(mfn_t mfn);
/* Check the allocator's invariants (free lists, orders, counts): 0 if sane. */
int buddy_check(void);

/* Hypervisor heap on top of the buddy: zeroed pages, direct-mapped. */
void *alloc_xenheap_pages(unsigned int order);
void free_xenheap_pages(void *va, unsigned int order);



/*
 * I/O memory (arch/x86/mm.c). A frame is I/O memory when the firmware's map
 * does not call it RAM (ACPI tables and NVS, reserved firmware areas, MMIO
 * holes, anything above the highest RAM frame) or when it lies in the first
 * MiB and no domain owns it. The hardware domain may map I/O memory except
 * the ranges denied here (the hypervisor's own devices, unusable memory).
 */
static inline bool mfn_is_iomem(mfn_t mfn)
{
	if (mfn >= max_page)
		return true;
	if (frame_table[mfn].flags & PGC_io)
		return true;
	return mfn < 0x100 && !frame_table[mfn].owner;
}
void iomem_deny(mfn_t first, mfn_t last);
bool iomem_permitted(mfn_t mfn);

/* Ownership and type accounting (arch/x86/mm.c). */
unsigned int order_for_bytes(u64 bytes);
/* Give @pg to @d: allocation reference (counted by the caller), on @d's frame list. */
void assign_page(struct domain *d, struct page_info *pg);
/*
 * A domain's frame list (page_alloc.c): put @pg at the head of *@head (it
 * gets PGC_listed), or take it off (nothing if it is not listed). A listed
 * frame cannot be freed: it leaves its list first.
 */
void frame_list_add(struct page_info **head, struct page_info *pg);
void frame_list_del(struct page_info **head, struct page_info *pg);
void share_xen_page_with_guest(struct page_info *pg, struct domain *d);
void get_page(struct page_info *pg);
bool get_page_type(struct page_info *pg, unsigned int type);
void set_page_type(struct page_info *pg, unsigned int type);
void pin_page_table(struct page_info *pg);
void put_page_type(struct page_info *pg);
bool mfn_owned_by(mfn_t mfn, const struct domain *d);
#endif
