/*
 * Frame ownership and type accounting, and the hypervisor heap on top of the
 * buddy allocator. (Page-table validation for guest updates comes with the
 * PV MMU.)
 */
#include "types.h"
#include "console.h"
#include "lib.h"
#include "page.h"
#include "mm.h"
#include "domain.h"
#include "pv_mm.h"
#include "m2p.h"
#include "hvm.h"
#include "asm.h"
#include "spinlock.h"

unsigned int order_for_bytes(u64 bytes)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

/*
 * Zeroing is nearly all that populate_physmap costs when the idle loop had
 * no time to zero ahead (a restore right after a save). Sixteen-byte SSE
 * stores: half the stores of memset's eight-byte ones, and under QEMU's
 * TCG every store is a lookup in its software TLB. The FPU holds the
 * current vCPU's state (it is switched eagerly), so xmm0 is kept on the
 * stack and put back, CR0.TS (set only on a guest's behalf) is cleared
 * meanwhile, and interrupts stay off so that nothing sees or saves the
 * borrowed register in between. Every CPU has SSE enabled (CR4.OSFXSR, in
 * its setup in smpboot.c) before it can allocate or idle: CPU 0's comes
 * before memory_init makes the allocator.
 */
void scrub_frame(mfn_t mfn)
{
	u8 keep[16];
	unsigned long flags = local_irq_save(), blocks = PAGE_SIZE / 64;
	void *p = mfn_to_virt(mfn);
	u64 cr0 = read_cr0();

	if (cr0 & X86_CR0_TS)
		write_cr0(cr0 & ~X86_CR0_TS);
	asm volatile("movdqu %%xmm0, %[keep]; pxor %%xmm0, %%xmm0;"
		     "1: movdqa %%xmm0, (%[p]); movdqa %%xmm0, 16(%[p]);"
		     "movdqa %%xmm0, 32(%[p]); movdqa %%xmm0, 48(%[p]);"
		     "add $64, %[p]; dec %[n]; jnz 1b;"
		     "movdqu %[keep], %%xmm0"
		     : [keep] "+m"(keep), [p] "+r"(p), [n] "+r"(blocks)
		     :
		     : "memory", "cc");
	if (cr0 & X86_CR0_TS)
		write_cr0(cr0);
	local_irq_restore(flags);
}

void *alloc_xenheap_pages(unsigned int order)
{
	struct page_info *pg = alloc_zeroed_pages(order);

	if (!pg)
		return NULL;
	for (u64 i = 0; i < (1UL << order); i++)
		pg[i].flags |= PGC_xen_heap;
	return mfn_to_virt(page_to_mfn(pg));
}

void free_xenheap_pages(void *va, unsigned int order)
{
	struct page_info *pg;

	if (!va)
		return;
	pg = mfn_to_page(virt_to_mfn(va));
	for (u64 i = 0; i < (1UL << order); i++)
		pg[i].flags &= ~PGC_xen_heap;
	free_pages(pg, order);
}

void assign_page(struct domain *d, struct page_info *pg)
{
	pg->owner = d;
	pg->flags |= PGC_allocated;
	pg->count = 1; /* the allocation reference */
	pg->type = PGT_none;
	pg->type_count = 0;
	frame_list_add(&d->page_list, pg);
}

/*
 * Share a hypervisor page (e.g. shared_info) with @d: it may map it writable.
 * It gets no PFN in the M2P, so log-dirty never reports it.
 */
void share_xen_page_with_guest(struct page_info *pg, struct domain *d)
{
	m2p_set(page_to_mfn(pg), M2P_INVALID);
	pg->owner = d;
	pg->type = PGT_writable_page;
	pg->count = 1;
	pg->type_count = 1;
	pg->flags |= PGC_validated;
}

void get_page(struct page_info *pg)
{
	pg->count++;
}

/*
 * Take a type reference; fails if the frame currently has another type.
 * The PV MMU's rules apply (pv/mm.c): a type change flushes stale TLB
 * entries, and a descriptor or page-table type validates the contents.
 */
bool get_page_type(struct page_info *pg, unsigned int type)
{
	return pv_get_page_type(pg, type) == 0;
}

/*
 * Give a freshly built page-table frame its type, already validated, with
 * the type and general reference of whatever points at it (the entry one
 * level up, or the vCPU's base pointer for an L4), as pv/mm.c counts them.
 */
void set_page_type(struct page_info *pg, unsigned int type)
{
	pg->type = (u8)type;
	pg->type_count = 1;
	pg->count++;
	pg->flags |= PGC_validated;
}

void pin_page_table(struct page_info *pg)
{
	pg->flags |= PGC_pinned;
	pg->type_count++;
	pg->count++;
}

/* Give a guest L4 the hypervisor's slots 256-271. */
void init_guest_l4(pte_t *l4, mfn_t l4_mfn)
{
	(void)l4_mfn;
	for (unsigned int i = 256; i < 272; i++)
		l4[i] = idle_l4[i];
}

/* Drop a type reference taken with get_page_type. */
void put_page_type(struct page_info *pg)
{
	pv_put_page_type(pg);
}

#define IOMEM_MAX_DENIED 32

static struct {
	mfn_t first, last;
} iomem_denied[IOMEM_MAX_DENIED];
static unsigned int nr_iomem_denied;

void iomem_deny(mfn_t first, mfn_t last)
{
	if (nr_iomem_denied == IOMEM_MAX_DENIED) {
		printk(XENLOG_WARNING "iomem: too many denied ranges, %#lx-%#lx left out\n", first,
		       last);
		return;
	}
	iomem_denied[nr_iomem_denied].first = first;
	iomem_denied[nr_iomem_denied].last = last;
	nr_iomem_denied++;
}

bool iomem_permitted(mfn_t mfn)
{
	for (unsigned int i = 0; i < nr_iomem_denied; i++)
		if (mfn >= iomem_denied[i].first && mfn <= iomem_denied[i].last)
			return false;
	return true;
}

/* Is @mfn a frame that @d owns (and so may name in hypercalls)? */
bool mfn_owned_by(mfn_t mfn, const struct domain *d)
{
	return mfn < max_page && frame_table[mfn].owner == d &&
	       !(frame_table[mfn].flags & (PGC_free | PGC_reserved));
}

/*
 * A frame the hypervisor keeps mapped for the FIFO event ABI (event.h):
 * @d's own RAM, with a writable type and a general reference, like a
 * registered vcpu_info.
 */
void *evtchn_get_guest_frame(struct domain *d, u64 gfn, u64 *mfn)
{
	mfn_t m = is_hvm_domain(d) ? p2m_lookup(d, gfn) : gfn;
	struct page_info *pg;

	if (m >= max_page)
		return NULL;
	pg = mfn_to_page(m);
	if (pg->owner != d || !get_page_type(pg, PGT_writable_page))
		return NULL;
	get_page(pg);
	*mfn = m;
	return mfn_to_virt(m);
}

void evtchn_put_guest_frame(u64 mfn)
{
	pv_put_page_and_type(mfn_to_page(mfn));
}
