/*
 * Shadow page tables for PV log-dirty (docs/design.md "PV log-dirty").
 *
 * While log-dirty is on for a PV domain, each of its validated page tables
 * (L1 to L4) has a shadow: a hypervisor frame the CPU walks instead. A
 * shadow L2-L4 entry is the guest's entry pointing at the shadow of the
 * next table down (a linear entry, or one of the hypervisor's L4 slots, is
 * copied as it is). A shadow L1 entry is the guest's entry, except that it
 * is not present while the guest's has A clear, and read-only while the
 * guest's is writable but has D clear or maps a frame of the domain not yet
 * dirty in the current pass. The page fault that follows (pv_shadow_fault)
 * sets A (and D, for a write) in the guest's entry as the CPU would have,
 * marks the frame dirty, and opens the shadow entry. CLEAN makes every
 * shadow entry of the domain's frames read-only again.
 *
 * The guest's tables are never altered but for those A and D bits; the
 * shadows are kept in step in the paths that validate every guest update
 * (pv/mm.c). Like mm.c, this file touches frames through pv_map_frame()
 * only, so the host unit tests build it unchanged.
 */
#include "types.h"
#include "errno.h"
#include "page.h"
#include "mm.h"
#include "m2p.h"
#include "domain.h"
#include "logdirty.h"
#include "uaccess.h"
#include "pv_mm.h"

#define PFEC_PRESENT 0x01
#define PFEC_WRITE 0x02
#define PFEC_RSVD 0x08
#define PFEC_INSN 0x10

static struct page_info *frame(mfn_t mfn)
{
	return mfn && mfn < max_page ? &frame_table[mfn] : NULL;
}

static pte_t *table_of(mfn_t mfn)
{
	return pv_map_frame(mfn);
}

static bool is_table(const struct page_info *pg)
{
	return pg->type >= PGT_l1_page_table && pg->type <= PGT_l4_page_table && pg->type_count &&
	       (pg->flags & PGC_validated);
}

unsigned int pv_shadowed_domains;

bool pv_shadowed(const struct domain *d)
{
	return pv_any_shadowed() && d && !d->arch.is_hvm && d->arch.pv.shadowed;
}

static void set_shadowed(struct domain *d, bool on)
{
	if (d->arch.pv.shadowed == on)
		return;
	d->arch.pv.shadowed = on;
	__atomic_fetch_add(&pv_shadowed_domains, on ? 1u : -1u, __ATOMIC_RELAXED);
}

/* A frame of @d whose writes the bitmap records (RAM with a PFN). */
static bool tracked(const struct domain *d, mfn_t mfn)
{
	const struct page_info *pg = frame(mfn);

	return pg && !pv_iomem_frame(mfn) && pg->owner == d && !(m2p_get(mfn) >> 63);
}

static bool dirty_now(const struct domain *d, mfn_t mfn)
{
	return logdirty_test(&d->logdirty, m2p_get(mfn));
}

static pte_t shadow_l1e(const struct domain *d, pte_t ge)
{
	if (!(ge & _PAGE_PRESENT) || !(ge & _PAGE_ACCESSED))
		return 0;
	if ((ge & _PAGE_RW) && tracked(d, pte_mfn(ge)) &&
	    !((ge & _PAGE_DIRTY) && dirty_now(d, pte_mfn(ge))))
		ge &= ~(pte_t)_PAGE_RW;
	return ge;
}

/* An Ln entry (n > 1) that points at an Ln table (itself or another): walked as it is. */
static bool linear_entry(unsigned int level, pte_t ge, mfn_t table)
{
	const struct page_info *pg = frame(pte_mfn(ge));

	return pte_mfn(ge) == table || !pg || pg->type == level;
}

static pte_t shadow_upper(unsigned int level, pte_t ge, mfn_t table, unsigned int idx)
{
	const struct page_info *pg;

	if (!(ge & _PAGE_PRESENT) ||
	    (level == 4 && idx >= PV_XEN_L4_FIRST && idx <= PV_XEN_L4_LAST))
		return ge;
	if (linear_entry(level, ge, table))
		return ge;
	pg = frame(pte_mfn(ge));
	return pg->shadow ? (ge & ~PTE_ADDR_MASK) | ((pte_t)pg->shadow << PAGE_SHIFT) : 0;
}

static pte_t shadow_entry(const struct page_info *table, unsigned int idx)
{
	mfn_t mfn = page_to_mfn(table);
	pte_t ge = table_of(mfn)[idx];

	if (table->type == PGT_l1_page_table)
		return shadow_l1e(table->owner, ge);
	return shadow_upper(table->type, ge, mfn, idx);
}

static void fill(const struct page_info *table)
{
	pte_t *s = table_of(table->shadow);

	for (unsigned int i = 0; i < PT_ENTRIES; i++)
		s[i] = shadow_entry(table, i);
}

/* A shadow frame for @table, linked both ways but not filled. */
static int attach(struct page_info *table)
{
	mfn_t s = pv_alloc_shadow_frame();

	if (!s)
		return -ENOMEM;
	table->shadow = (u32)s;
	frame_table[s].shadow = (u32)page_to_mfn(table);
	return 0;
}

static void detach(struct page_info *table)
{
	mfn_t s = table->shadow;

	table->shadow = 0;
	frame_table[s].shadow = 0;
	pv_free_shadow_frame(s);
}

int pv_shadow_table_new(struct page_info *table)
{
	int rc;

	if (!pv_shadowed(table->owner))
		return 0;
	rc = attach(table);
	if (!rc)
		fill(table);
	return rc;
}

void pv_shadow_table_gone(struct page_info *table)
{
	if (!table->shadow)
		return;
	/* No CPU may keep walking (or caching) the shadow once its frame is reused. */
	pv_flush_tlb_guest_cpus();
	detach(table);
}

void pv_shadow_sync(const struct page_info *table, unsigned int idx)
{
	if (table->shadow)
		table_of(table->shadow)[idx] = shadow_entry(table, idx);
}

/* While no domain runs on shadows (the count is raised before any is attached), @l4 itself. */
mfn_t pv_shadow_root(mfn_t l4)
{
	const struct page_info *pg;

	if (!pv_any_shadowed())
		return l4;
	pg = frame(l4);
	return pg && pg->shadow ? pg->shadow : l4;
}

static void detach_all(struct domain *d)
{
	for (struct page_info *pg = d->page_list; pg; pg = pg->next)
		if (pg->shadow)
			detach(pg);
}

int pv_shadow_enable(struct domain *d)
{
	struct page_info *pg;

	set_shadowed(d, true);
	for (pg = d->page_list; pg; pg = pg->next) {
		if (is_table(pg) && attach(pg)) {
			detach_all(d);
			set_shadowed(d, false);
			return -ENOMEM;
		}
	}
	for (pg = d->page_list; pg; pg = pg->next)
		if (pg->shadow)
			fill(pg);
	pv_reload_cr3s(d);
	return 0;
}

void pv_shadow_disable(struct domain *d)
{
	if (!pv_shadowed(d))
		return;
	set_shadowed(d, false);
	pv_reload_cr3s(d);
	pv_flush_tlb_guest_cpus();
	detach_all(d);
}

void pv_shadow_protect(struct domain *d)
{
	for (const struct page_info *pg = d->page_list; pg; pg = pg->next) {
		pte_t *s;

		if (!pg->shadow || pg->type != PGT_l1_page_table)
			continue;
		s = table_of(pg->shadow);
		for (unsigned int i = 0; i < PT_ENTRIES; i++)
			if ((s[i] & _PAGE_RW) && tracked(d, pte_mfn(s[i])))
				s[i] &= ~(pte_t)_PAGE_RW;
	}
	pv_flush_tlb_guest_cpus();
}

/* Does the guest's entry allow the access (it is present)? */
static bool allows(pte_t ge, u64 pfec)
{
	return !((pfec & PFEC_WRITE) && !(ge & _PAGE_RW)) &&
	       !((pfec & PFEC_INSN) && (ge & _PAGE_NX));
}

/* The guest's L1 entry @ge of table @l1 at @idx permits the access: do what the CPU would. */
static void open_l1e(struct domain *d, mfn_t l1, unsigned int idx, pte_t ge, bool write)
{
	pte_t ng = ge | _PAGE_ACCESSED | (write ? _PAGE_DIRTY : 0);
	pte_t se;

	if (ng != ge) {
		table_of(l1)[idx] = ng;
		pv_logdirty_mark(frame(l1), true);
	}
	if (write && !pv_iomem_frame(pte_mfn(ge)) && frame(pte_mfn(ge)))
		pv_logdirty_mark(frame(pte_mfn(ge)), true);
	se = shadow_l1e(d, ng);
	if (write)
		se |= _PAGE_RW;
	table_of(frame(l1)->shadow)[idx] = se;
}

/* The guest table a shadow root stands for, or 0 if @root is no shadow L4. */
static mfn_t guest_of_root(mfn_t root)
{
	const struct page_info *s = frame(root), *g;

	if (!s || !(s->flags & PGC_xen_heap) || !s->shadow)
		return 0;
	g = frame(s->shadow);
	if (!g || g->shadow != root || g->type != PGT_l4_page_table || !pv_shadowed(g->owner))
		return 0;
	return s->shadow;
}

bool pv_shadow_fault(u64 va, u64 *pfec)
{
	mfn_t smfn = pv_current_root(), gmfn = guest_of_root(smfn);
	struct domain *d;
	bool ok = true;

	if (!gmfn || (*pfec & PFEC_RSVD) || !guest_range_ok(va, 1))
		return false;
	d = frame(gmfn)->owner;
	for (unsigned int level = 4;; level--) {
		unsigned int idx = (va >> (PAGE_SHIFT + 9 * (level - 1))) & 511;
		pte_t ge = table_of(gmfn)[idx], want;

		if (!(ge & _PAGE_PRESENT)) {
			*pfec &= ~(u64)PFEC_PRESENT; /* the guest's view: not present */
			return false;
		}
		ok = ok && allows(ge, *pfec);
		if (level == 1) {
			if (!ok) {
				*pfec |= PFEC_PRESENT;
				return false;
			}
			open_l1e(d, gmfn, idx, ge, *pfec & PFEC_WRITE);
			pv_invlpg(va);
			return true;
		}
		if (linear_entry(level, ge, gmfn))
			return false; /* past it the CPU walks the guest's own tables */
		want = shadow_upper(level, ge, gmfn, idx);
		if (!want)
			return false;
		table_of(smfn)[idx] = want;
		gmfn = pte_mfn(ge);
		smfn = pte_mfn(want);
	}
}

/*
 * The frames a CLEAN or PEEK must report besides what the shadows caught:
 * writable frames some other mapping may write (another domain's, a grant
 * map, a registered vcpu_info), and descriptor pages (the CPU's accessed
 * bits).
 */
bool pv_shadow_blind_spot(const struct page_info *pg)
{
	if (pg->type == PGT_seg_desc_page)
		return pg->type_count != 0;
	return pg->type == PGT_writable_page && pg->type_count > pg->own_writable;
}
