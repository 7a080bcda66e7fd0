/*
 * Log-dirty for PV domains (docs/design.md "PV log-dirty"). A frame is
 * reported by its PFN (the M2P's entry). What is marked:
 * - every type reference dropped (pv_put_page_type): the end of a writable
 *   mapping (the guest's own, a foreign one from the control domain, a
 *   grant map or a grant copy, mmuext copy/clear), and a page table or
 *   descriptor page losing its type;
 * - a frame taking a new type, an entry written into a page table, an M2P
 *   update (pv/mm.c);
 * - the guest's own writes through its mappings: its first write to a frame
 *   in each pass faults on a read-only shadow entry (pv/shadow.c);
 * - at each CLEAN or PEEK, every frame with a type reference the shadows
 *   do not see (another domain's writable mapping, a grant map, a
 *   registered vcpu_info, a descriptor page's accessed bits).
 * If the shadows cannot be built (no memory), ENABLE fails with -ENOMEM.
 * HVM domains (docs/design.md "HVM log-dirty") use the same marks for
 * type references and frames the hypervisor writes (hvm/hvm.c's copies to
 * the guest), and a write-protected p2m in place of the shadows.
 */
#include "types.h"
#include "mm.h"
#include "m2p.h"
#include "domain.h"
#include "logdirty.h"
#include "pv_mm.h"
#include "hvm.h"

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

/* HVM domains: the p2m's RAM entries are write-protected instead (hvm/p2m.c). */
int arch_logdirty_enable(struct domain *d)
{
	if (!is_hvm_domain(d))
		return pv_shadow_enable(d);
	p2m_logdirty_protect(d);
	return 0;
}

void arch_logdirty_disable(struct domain *d)
{
	if (!is_hvm_domain(d))
		pv_shadow_disable(d);
	else if (d->logdirty.enabled)
		p2m_logdirty_restore(d);
}

/*
 * Before a CLEAN or PEEK of the paused domain: mark what was written
 * without the hypervisor seeing it. Under shadows that is only what other
 * mappings may write (pv_shadow_blind_spot), and a CLEAN starts the next
 * pass by write-protecting the shadows again. An HVM domain's own writes
 * all fault on the write-protected p2m, so what is marked here is every
 * frame with a type reference (a writable foreign or grant mapping, a
 * registered vcpu_info or FIFO control block), and a CLEAN write-protects
 * the p2m again.
 */
void arch_logdirty_sync(struct domain *d, bool clean)
{
	bool shadowed = pv_shadowed(d);

	if (!d->logdirty.enabled)
		return;
	if (is_hvm_domain(d) && clean)
		p2m_logdirty_protect(d); /* it flushes the guest's translations */
	if (shadowed && clean)
		pv_shadow_protect(d);
	/* No stale writable TLB entry may outlive the pass it was used in. */
	if (!is_hvm_domain(d))
		pv_flush_tlb_guest_cpus();
	for (const struct page_info *pg = d->page_list; pg; pg = pg->next)
		if (pg->type_count && (!shadowed || pv_shadow_blind_spot(pg)))
			pv_logdirty_mark(pg, true);
}
