/*
 * The x86 PV side of grant tables: the shared frames, and grant PTEs
 * written through the PV MMU (Xen 4.17's create/replace_grant_pv_mapping
 * rules; the state machine is xen/common/grant_table.c).
 */
#include "types.h"
#include "errno.h"
#include "lib.h"
#include "console.h"
#include "page.h"
#include "mm.h"
#include "m2p.h"
#include "domain.h"
#include "pv_mm.h"
#include "grant_table.h"
#include "hvm.h"

void *gnttab_alloc_shared_frame(struct domain *d, mfn_t *mfn)
{
	void *p = alloc_xenheap_pages(0);

	if (!p)
		return NULL;
	*mfn = virt_to_mfn(p);
	share_xen_page_with_guest(mfn_to_page(*mfn), d);
	m2p_set(*mfn, M2P_INVALID);
	return p;
}

bool gnttab_translated(const struct domain *d)
{
	return is_hvm_domain(d);
}

mfn_t gnttab_gfn_to_mfn(const struct domain *d, u64 gfn)
{
	return is_hvm_domain(d) ? p2m_lookup(d, gfn) : gfn;
}

void gnttab_free_shared_frame(void *p, mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	pg->owner = NULL;
	pg->count = pg->type_count = 0;
	pg->type = PGT_none;
	pg->flags &= ~PGC_validated;
	free_xenheap_pages(p, 0);
}

/* Shared with its domain, a frame holds one general reference of its own. */
bool gnttab_shared_frame_mapped(mfn_t mfn)
{
	return mfn_to_page(mfn)->count > 1;
}

void gnttab_remove_frame_gfn(struct domain *d, u64 gfn, mfn_t mfn)
{
	if (is_hvm_domain(d) && p2m_lookup(d, gfn) == mfn)
		p2m_clear_entry(d, gfn);
}

void *gnttab_alloc(size_t bytes)
{
	return alloc_xenheap_pages(order_for_bytes(bytes));
}

void gnttab_free(void *p, size_t bytes)
{
	free_xenheap_pages(p, order_for_bytes(bytes));
}

void *gnttab_map_frame(mfn_t mfn)
{
	return pv_map_frame(mfn);
}

void gnttab_flush_tlb(void)
{
	pv_flush_tlb_guest_cpus();
}

/*
 * The PTE a grant mapping gets: present, accessed, dirty, no-execute,
 * writable unless GNTMAP_readonly, user with GNTMAP_application_map, and
 * the guest's available bits from the flags' top (XENFEAT_gnttab_map_avail_bits).
 */
static pte_t grant_pte_flags(u32 flags)
{
	pte_t f = _PAGE_PRESENT | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX;

	if (flags & GNTMAP_application_map)
		f |= _PAGE_USER;
	if (!(flags & GNTMAP_readonly))
		f |= _PAGE_RW;
	f |= ((pte_t)(flags >> _GNTMAP_guest_avail0) << 9) & _PAGE_AVAIL;
	return f;
}

/* An L1 page of the current domain, in use as a validated L1. */
static bool is_own_l1(struct domain *d, mfn_t l1)
{
	struct page_info *pg = l1 < max_page ? mfn_to_page(l1) : NULL;

	return pg && pg->owner == d && pg->type == PGT_l1_page_table && pg->type_count &&
	       (pg->flags & PGC_validated);
}

/* The L1 entry @addr names: a PTE machine address, or a linear address. */
static int locate_l1e(u64 addr, bool is_pte, mfn_t *l1, unsigned int *idx)
{
	struct vcpu *v = current;

	if (is_pte) {
		if (addr & (sizeof(pte_t) - 1))
			return -EINVAL;
		*l1 = addr >> PAGE_SHIFT;
		*idx = (addr & (PAGE_SIZE - 1)) / sizeof(pte_t);
	} else if (pv_find_l1e(v, addr, l1, idx)) {
		return -EINVAL;
	}
	return is_own_l1(v->domain, *l1) ? 0 : -EINVAL;
}

int gnttab_create_host_mapping(u64 addr, mfn_t mfn, u32 flags, struct domain *owner)
{
	struct domain *d = current->domain;
	unsigned int idx;
	mfn_t l1;
	int rc;

	if (locate_l1e(addr, flags & GNTMAP_contains_pte, &l1, &idx)) {
		printk(XENLOG_G_GUEST XENLOG_DEBUG "d%u: no L1 entry for grant map at %#lx\n",
		       d->domain_id, addr);
		return GNTST_general_error;
	}
	rc = pv_mod_l1_entry(d, l1, idx, pte_from_mfn(mfn, grant_pte_flags(flags)), false, owner);
	return rc ? GNTST_general_error : GNTST_okay;
}

static struct domain *entry_owner(struct domain *d, pte_t e)
{
	mfn_t mfn = pte_mfn(e);

	if (!(e & _PAGE_PRESENT) || pv_iomem_frame(mfn) || mfn >= max_page)
		return d;
	return mfn_to_page(mfn)->owner ? mfn_to_page(mfn)->owner : d;
}

int gnttab_replace_host_mapping(u64 addr, mfn_t mfn, u64 new_addr, u32 flags)
{
	struct domain *d = current->domain;
	bool is_pte = flags & GNTMAP_contains_pte;
	unsigned int idx, nidx = 0;
	mfn_t l1, nl1 = 0;
	pte_t ol1e, nl1e = 0;

	/* A PTE address cannot take a replacement. */
	if ((is_pte && new_addr) || locate_l1e(addr, is_pte, &l1, &idx))
		return GNTST_general_error;
	if (new_addr) {
		if (locate_l1e(new_addr, false, &nl1, &nidx))
			return GNTST_general_error;
		nl1e = ((pte_t *)pv_map_frame(nl1))[nidx];
	}
	ol1e = ((pte_t *)pv_map_frame(l1))[idx];
	if (!(ol1e & _PAGE_PRESENT) || pte_mfn(ol1e) != mfn) {
		printk(XENLOG_G_GUEST XENLOG_DEBUG
		       "d%u: PTE %#lx at %#lx does not map grant frame %#lx\n",
		       d->domain_id, ol1e, addr, mfn);
		return GNTST_general_error;
	}
	if (pv_mod_l1_entry(d, l1, idx, nl1e, false, entry_owner(d, nl1e)))
		return GNTST_general_error;
	if (new_addr && pv_mod_l1_entry(d, nl1, nidx, 0, false, d))
		return GNTST_general_error;
	return GNTST_okay;
}
