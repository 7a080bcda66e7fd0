/*
 * Log-dirty for PV domains (docs/design.md "PV log-dirty"). A frame is
 * reported by its PFN (the M2P's entry). What is marked:
 * - every type reference dropped (pv_put_page_type): the end of a writable
 *   mapping (the guest's own, a foreign one from the control domain, a
 *   grant map or a grant copy, mmuext copy/clear), and a page table or
 *   descriptor page losing its type;
 * - a frame taking a new type, an entry written into a page table, an M2P
 *   update (pv/mm.c);
 * - at each CLEAN or PEEK, every frame still holding a type reference:
 *   what the guest (or the hardware's A/D bits, or a descriptor's accessed
 *   bit) may have written since, without the hypervisor seeing it.
 * This over-reports (a frame mapped writable counts as dirty in every pass)
 * but never misses a write.
 */
#include "types.h"
#include "mm.h"
#include "m2p.h"
#include "domain.h"
#include "logdirty.h"
#include "pv_mm.h"

/* M2P entries with the top bit set name no PFN (Xen's VALID_M2P). */
static bool m2p_valid(u64 pfn)
{
	return !(pfn >> 63);
}

void pv_logdirty_mark(const struct page_info *pg, bool fault)
{
	struct domain *d = pg->owner;
	u64 pfn;

	if (!d || !d->logdirty.enabled)
		return;
	pfn = m2p_get(page_to_mfn(pg));
	if (m2p_valid(pfn))
		logdirty_mark(&d->logdirty, pfn, fault);
}

u64 arch_logdirty_pfns(const struct domain *d)
{
	u64 n = d->max_pages;

	for (const struct page_info *pg = d->page_list; pg; pg = pg->next) {
		u64 pfn = m2p_get(page_to_mfn(pg));

		if (m2p_valid(pfn) && pfn >= n)
			n = pfn + 1;
	}
	return n;
}

void arch_logdirty_sync(struct domain *d)
{
	if (!d->logdirty.enabled)
		return;
	/* No stale writable TLB entry may outlive the pass it was used in. */
	pv_flush_tlb_guest_cpus();
	for (const struct page_info *pg = d->page_list; pg; pg = pg->next)
		if (pg->type_count)
			pv_logdirty_mark(pg, true);
}
