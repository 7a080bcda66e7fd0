/*
 * The PV MMU: page types and their validation, entry updates, pinning,
 * base pointers, and the mmu_update / mmuext_op / update_va_mapping /
 * vm_assist hypercalls (Xen 4.17 semantics; see pv_mm.h for the rules).
 *
 * Reference counting, in short. A frame's general count (page_info.count)
 * counts every use: the allocation, each mapping, each table entry that
 * points at it, a pin, a base pointer. Its type count counts the uses that
 * need the frame to keep its current type: writable mappings for
 * PGT_writable_page, entries of the next level up (and pins and base
 * pointers) for page tables. The type of a frame changes only while its
 * type count is zero. A page table is validated when its type count goes
 * from 0 to 1, and devalidated (its entries' references dropped) when the
 * count returns to 0.
 *
 * This file only touches the frame table and frame contents through
 * pv_map_frame(), so the host unit tests build it as it is.
 */
#include "types.h"
#include "errno.h"
#include "lib.h"
#include "console.h"
#include "page.h"
#include "mm.h"
#include "m2p.h"
#include "domain.h"
#include "hvm.h"
#include "uaccess.h"
#include "pv_mm.h"
#include "hypercall.h"
#include "public/xen.h"
#include "msi.h"

#define MMU_UPDATE_PREEMPTED (~(~0U >> 1))
#define NATIVE_VM_ASSIST_VALID                                                                     \
	((1UL << VMASST_TYPE_4gb_segments) | (1UL << VMASST_TYPE_4gb_segments_notify) |            \
	 (1UL << VMASST_TYPE_writable_pagetables) | (1UL << VMASST_TYPE_pae_extended_cr3) |        \
	 (1UL << VMASST_TYPE_architectural_iopl) | (1UL << VMASST_TYPE_runstate_update_flag) |     \
	 (1UL << VMASST_TYPE_m2p_strict))

/* Owner of I/O frames for foreigndom = DOMID_IO: mappings use the caller's rights. */
static struct domain dom_io = { .domain_id = DOMID_IO };
/*
 * Owner of the hypervisor's frames for foreigndom = DOMID_XEN: the control
 * domain may map the M2P table's frames read-only (the save side of the
 * toolstack reads the table this way); they are not reference counted.
 */
static struct domain dom_xen = { .domain_id = DOMID_XEN };

static bool is_pt_type(unsigned int type)
{
	return type >= PGT_l1_page_table && type <= PGT_l4_page_table;
}

static bool is_xen_l4_slot(unsigned int idx)
{
	return idx >= PV_XEN_L4_FIRST && idx <= PV_XEN_L4_LAST;
}

static struct page_info *frame(mfn_t mfn)
{
	return mfn < max_page ? &frame_table[mfn] : NULL;
}

static pte_t *table_of(mfn_t mfn)
{
	return pv_map_frame(mfn);
}

/* Translation, caching or Xen-safety bits differ between two entries. */
static bool entry_changed(pte_t a, pte_t b)
{
	return ((a ^ b) & ~PV_FASTPATH_FLAGS) != 0;
}

/* 64-bit PV kernels run in ring 3: every present entry gets _PAGE_USER. */
static pte_t adjust_entry(pte_t e)
{
	return (e & _PAGE_PRESENT) ? (e | _PAGE_USER) : e;
}

bool pv_global_entries;

/*
 * An L1 entry as installed: a writable mapping of a frame holding an MSI-X
 * table or pending-bit array in use becomes read-only (the messages are
 * the hypervisor's), as Xen forces it. A global entry is noted, so that
 * flushes of guest mappings include global ones from then on.
 */
static pte_t adjust_l1_entry(pte_t e)
{
	e = adjust_entry(e);
	if ((e & (_PAGE_PRESENT | _PAGE_GLOBAL)) == (_PAGE_PRESENT | _PAGE_GLOBAL))
		pv_global_entries = true;
	if ((e & _PAGE_PRESENT) && (e & _PAGE_RW) && pv_iomem_frame(pte_mfn(e)) &&
	    msi_ro_frame(pte_mfn(e)))
		e &= ~(pte_t)_PAGE_RW;
	return e;
}

static pte_t l1_disallow(const struct domain *d)
{
	return pv_io_caps_any(d) ? PV_L1_DISALLOW & ~PV_PAGE_CACHE_ATTRS : PV_L1_DISALLOW;
}

/* ------------------------------------------------------------------ */
/* General and type references                                         */

bool pv_get_page(struct page_info *pg, const struct domain *d)
{
	if (!pg || !d || pg->owner != d || pg->count == 0 || pg->count == ~0u)
		return false;
	pg->count++;
	return true;
}

void pv_put_page(struct page_info *pg)
{
	if (!pg->count) {
		printk(XENLOG_ERR "pv_mm: general count underflow on mfn %#lx\n", page_to_mfn(pg));
		return;
	}
	pg->count--;
	if (!pg->count && pg->owner && !(pg->flags & (PGC_allocated | PGC_xen_heap)))
		pv_frame_released(pg);
}

static int validate_table(struct page_info *pg, unsigned int type);
static void devalidate_table(struct page_info *pg);

int pv_get_page_type(struct page_info *pg, unsigned int type)
{
	int rc;

	if (pg->type_count == ~0u)
		return -EINVAL;
	if (pg->type_count) {
		/* Same type only; an unvalidated table is still being validated (a cycle). */
		if (pg->type != type || (type != PGT_writable_page && !(pg->flags & PGC_validated)))
			return -EINVAL;
		pg->type_count++;
		return 0;
	}
	if (pg->type != type) {
		/*
		 * Stale TLB or paging-structure cache entries may still use the
		 * frame as it was: writable, or as a table whose entries the guest
		 * could now rewrite, on any CPU that holds translations of a
		 * domain that could map it. Flush before it changes its nature.
		 */
		if (pg->type != PGT_none)
			pv_flush_tlb_frame_cpus(pg);
		pg->type = (u8)type;
		pv_logdirty_mark(pg, false);
		pg->flags &= ~PGC_validated;
		if (type == PGT_writable_page)
			pg->flags |= PGC_validated;
	}
	pg->type_count = 1;
	if (pg->flags & PGC_validated)
		return 0;
	pg->linear_pt_count = 0;
	rc = validate_table(pg, type);
	if (!rc && is_pt_type(type)) {
		rc = pv_shadow_table_new(pg);
		if (rc)
			devalidate_table(pg);
	}
	if (rc) {
		pg->type_count = 0;
		pg->type = PGT_none;
		return rc;
	}
	pg->flags |= PGC_validated;
	return 0;
}

void pv_put_page_type(struct page_info *pg)
{
	if (!pg->type_count) {
		printk(XENLOG_ERR "pv_mm: type count underflow on mfn %#lx\n", page_to_mfn(pg));
		return;
	}
	if (pg->type_count == 1 && is_pt_type(pg->type) && (pg->flags & PGC_validated)) {
		/* Cleared first: the table is no longer usable while its entries go. */
		pg->flags &= ~PGC_validated;
		pv_shadow_table_gone(pg);
		devalidate_table(pg);
	}
	/* Descriptor pages are checked afresh each time they are used again. */
	if (pg->type_count == 1 && pg->type == PGT_seg_desc_page)
		pg->flags &= ~PGC_validated;
	pg->type_count--;
	/* Written while the reference was held (a writable mapping), or a table no more. */
	pv_logdirty_mark(pg, pg->type == PGT_writable_page);
}

int pv_get_page_and_type(mfn_t mfn, const struct domain *d, unsigned int type)
{
	struct page_info *pg = frame(mfn);
	int rc;

	if (!pv_get_page(pg, d))
		return -EINVAL;
	rc = pv_get_page_type(pg, type);
	if (rc)
		pv_put_page(pg);
	return rc;
}

void pv_put_page_and_type(struct page_info *pg)
{
	pv_put_page_type(pg);
	pv_put_page(pg);
}

/* ------------------------------------------------------------------ */
/* What one entry references                                           */

/* A mapping of a hypervisor frame: M2P frames only, read-only (else -EBUSY, as Xen). */
static int get_xen_frame(pte_t e, const struct domain *l1_owner)
{
	if (!m2p_frame(pte_mfn(e)) || (e & _PAGE_RW)) {
		printk(XENLOG_G_GUEST XENLOG_DEBUG
		       "d%u: L1 entry %#lx: not a frame Xen shares read-only\n",
		       l1_owner->domain_id, e);
		return -EBUSY;
	}
	return 0;
}

static int get_page_from_l1e(pte_t e, struct domain *l1_owner, struct domain *pg_owner)
{
	mfn_t mfn = pte_mfn(e);
	struct page_info *pg;

	if (e & l1_disallow(l1_owner))
		return -EINVAL;
	if (pv_iomem_frame(mfn)) {
		/* DOMID_IO (and the caller itself) mean the caller's own rights. */
		if (pg_owner == &dom_io)
			pg_owner = l1_owner;
		if (!pv_iomem_permitted(pg_owner, mfn)) {
			printk(XENLOG_G_GUEST XENLOG_DEBUG
			       "d%u: L1 entry %#lx: I/O frame %#lx not permitted\n",
			       l1_owner->domain_id, e, mfn);
			return -EPERM;
		}
		return 0; /* I/O frames are not reference counted */
	}
	if (pg_owner == &dom_xen)
		return get_xen_frame(e, l1_owner);
	pg = frame(mfn);
	if (!pv_get_page(pg, pg_owner)) {
		printk(XENLOG_G_GUEST XENLOG_DEBUG
		       "d%u: L1 entry %#lx: frame %#lx not mappable (owner d%d, flags %#x)\n",
		       l1_owner->domain_id, e, mfn, pg->owner ? (int)pg->owner->domain_id : -1,
		       pg->flags);
		return -EBUSY;
	}
	if ((e & _PAGE_RW) && pv_get_page_type(pg, PGT_writable_page)) {
		pv_put_page(pg);
		return -EBUSY;
	}
	if ((e & _PAGE_RW) && pg->owner == l1_owner)
		pg->own_writable++;
	return 0;
}

/* Drop what entry @e of a table of @l1_owner took. */
static void put_page_from_l1e(pte_t e, const struct domain *l1_owner)
{
	mfn_t mfn = pte_mfn(e);
	struct page_info *pg = frame(mfn);

	if (!(e & _PAGE_PRESENT) || pv_iomem_frame(mfn) || m2p_frame(mfn))
		return;
	if (!(e & _PAGE_RW)) {
		pv_put_page(pg);
		return;
	}
	if (pg->owner == l1_owner && pg->own_writable)
		pg->own_writable--;
	pv_put_page_and_type(pg);
}

/*
 * A linear page table: an entry of an Ln table (n = 2..4) that points at an
 * Ln table rather than an L(n-1). Allowed read-only only. Pointing at the
 * table itself takes no reference (that is what lets a table map itself);
 * pointing at another one needs that one already validated as Ln, and a
 * table may either have linear entries or be the target of them, not both.
 */
static bool get_linear_pagetable(unsigned int level, pte_t e, mfn_t table_mfn,
				 const struct domain *d)
{
	struct page_info *table = frame(table_mfn), *pg;
	mfn_t mfn = pte_mfn(e);

	if (e & _PAGE_RW)
		return false;
	if (mfn == table_mfn)
		return true;
	if (table->owner != d)
		return false;
	pg = frame(mfn);
	if (!pv_get_page(pg, d))
		return false;
	if (table->linear_pt_count < 0 || table->linear_pt_count == INT16_MAX ||
	    pg->linear_pt_count > 0 || pg->linear_pt_count == INT16_MIN || pg->type != level ||
	    !pg->type_count || !(pg->flags & PGC_validated) || pg->type_count == ~0u) {
		pv_put_page(pg);
		return false;
	}
	table->linear_pt_count++;
	pg->linear_pt_count--;
	pg->type_count++;
	return true;
}

static int get_page_from_lne(unsigned int level, pte_t e, mfn_t table_mfn, struct domain *d)
{
	int rc;

	if (e & PV_LN_DISALLOW)
		return -EINVAL;
	rc = pv_get_page_and_type(pte_mfn(e), d, level - 1);
	if (rc == -EINVAL && get_linear_pagetable(level, e, table_mfn, d))
		rc = 0;
	return rc;
}

static void put_page_from_lne(pte_t e, mfn_t table_mfn)
{
	struct page_info *pg, *table = frame(table_mfn);

	if (!(e & _PAGE_PRESENT) || pte_mfn(e) == table_mfn)
		return;
	pg = frame(pte_mfn(e));
	if (!pg)
		return; /* never validated: nothing was taken */
	if (pg->type == table->type) {
		/* A linear entry: undo its bookkeeping on both tables. */
		pg->linear_pt_count++;
		table->linear_pt_count--;
	}
	pv_put_page_and_type(pg);
}

/* ------------------------------------------------------------------ */
/* Validation and devalidation of whole tables                         */

static int validate_l1(struct page_info *pg)
{
	struct domain *d = pg->owner;
	pte_t *t = table_of(page_to_mfn(pg));
	unsigned int i;
	int rc = 0;

	for (i = 0; i < PT_ENTRIES; i++) {
		if (!(t[i] & _PAGE_PRESENT))
			continue;
		rc = get_page_from_l1e(t[i], d, d);
		if (rc)
			break;
		t[i] = adjust_l1_entry(t[i]);
	}
	if (rc) {
		const struct page_info *tg = frame(pte_mfn(t[i]));

		printk(
		    XENLOG_G_GUEST XENLOG_DEBUG
		    "d%u: L1 %#lx slot %u (%#lx) refused (%d): target type %u count %u owner %s\n",
		    d->domain_id, page_to_mfn(pg), i, t[i], rc, tg ? tg->type : 0,
		    tg ? tg->type_count : 0,
		    !tg		     ? "-"
		    : tg->owner == d ? "self"
				     : "other");
		while (i--)
			put_page_from_l1e(t[i], d);
	}
	return rc;
}

static bool guest_slot(unsigned int level, unsigned int idx)
{
	return level != 4 || !is_xen_l4_slot(idx);
}

static int validate_ln(struct page_info *pg, unsigned int level)
{
	struct domain *d = pg->owner;
	mfn_t mfn = page_to_mfn(pg);
	pte_t *t = table_of(mfn);
	unsigned int i;
	int rc = 0;

	for (i = 0; i < PT_ENTRIES; i++) {
		if (!guest_slot(level, i) || !(t[i] & _PAGE_PRESENT))
			continue;
		rc = get_page_from_lne(level, t[i], mfn, d);
		if (rc)
			break;
		t[i] = adjust_entry(t[i]);
	}
	if (rc) {
		printk(XENLOG_G_GUEST XENLOG_DEBUG "d%u: L%u %#lx slot %u (%#lx) refused (%d)\n",
		       d->domain_id, level, mfn, i, t[i], rc);
		while (i--)
			if (guest_slot(level, i))
				put_page_from_lne(t[i], mfn);
		return rc;
	}
	if (level == 4) {
		const pte_t *xen = pv_xen_l4();

		for (i = PV_XEN_L4_FIRST; i <= PV_XEN_L4_LAST; i++)
			t[i] = xen[i];
	}
	return 0;
}

/*
 * A descriptor a 64-bit PV guest may have in its GDT or LDT: not present,
 * code/data (DPL raised to 3), type 0 (second half of a gate), or a call
 * gate to a guest code selector (DPL forced to 0 so that its use traps; the
 * original DPL kept in the selector's RPL). Everything else is refused.
 */
bool pv_check_descriptor(u64 *desc)
{
	u32 a = (u32)*desc, b = (u32)(*desc >> 32), dpl;
	u16 cs;

	if (!(b & (1u << 15)))
		return true;
	dpl = (b >> 13) & 3;
	if (dpl < 3)
		dpl = 3;
	b = (b & ~(3u << 13)) | (dpl << 13);
	if (!(b & (1u << 12)))
		goto system;
	*desc = ((u64)b << 32) | a;
	return true;
system:
	if (((b >> 8) & 0xf) == 0)
		return true;
	if (((b >> 8) & 0xf) != 0xc)
		return false;
	cs = (u16)(a >> 16);
	/* A guest code selector: not null, not one of the hypervisor's GDT entries. */
	if (!(cs & ~3u) || (!(cs & 4) && (cs >> 3) >= 7168 && (cs | 3) != FLAT_RING3_CS64 &&
			    (cs | 3) != FLAT_RING3_CS32))
		return false;
	b &= ~(3u << 13);
	cs = (u16)((cs & ~3u) | dpl);
	a = (a & 0xffff) | ((u32)cs << 16);
	*desc = ((u64)b << 32) | a;
	return true;
}

static int validate_seg_desc(struct page_info *pg)
{
	u64 *descs = pv_map_frame(page_to_mfn(pg));

	for (unsigned int i = 0; i < PT_ENTRIES; i++) {
		u64 dsc = descs[i];

		if (!pv_check_descriptor(&dsc))
			return -EINVAL;
	}
	for (unsigned int i = 0; i < PT_ENTRIES; i++)
		pv_check_descriptor(&descs[i]);
	return 0;
}

static int validate_table(struct page_info *pg, unsigned int type)
{
	switch (type) {
	case PGT_l1_page_table:
		return validate_l1(pg);
	case PGT_l2_page_table:
	case PGT_l3_page_table:
	case PGT_l4_page_table:
		return validate_ln(pg, type);
	case PGT_seg_desc_page:
		return validate_seg_desc(pg);
	default:
		return -EINVAL;
	}
}

static void devalidate_table(struct page_info *pg)
{
	mfn_t mfn = page_to_mfn(pg);
	pte_t *t = table_of(mfn);
	unsigned int level = pg->type;

	for (unsigned int i = 0; i < PT_ENTRIES; i++) {
		if (level == PGT_l1_page_table)
			put_page_from_l1e(t[i], pg->owner);
		else if (guest_slot(level, i))
			put_page_from_lne(t[i], mfn);
	}
}

/* ------------------------------------------------------------------ */
/* Entry updates                                                       */

static void write_entry(pte_t *p, pte_t old, pte_t val, bool preserve_ad)
{
	if (preserve_ad)
		val |= old & (_PAGE_ACCESSED | _PAGE_DIRTY);
	*(volatile pte_t *)p = val;
}

/* An entry of a validated table written: the frame is dirty, its shadow follows. */
static void entry_written(mfn_t table, unsigned int idx, pte_t *p, pte_t old, pte_t val,
			  bool preserve_ad)
{
	write_entry(p, old, val, preserve_ad);
	pv_logdirty_mark(frame(table), false);
	if (pv_any_shadowed())
		pv_shadow_sync(frame(table), idx);
}

/*
 * A translated (HVM) owner's frames are named by guest frame number: the
 * entry gets the machine frame its p2m holds there (-EINVAL if none), as
 * privcmd's foreign mappings of an HVM guest expect.
 */
static int translate_foreign(const struct domain *pg_owner, pte_t *e)
{
	mfn_t mfn;

	if (!(*e & _PAGE_PRESENT) || !pg_owner || pg_owner == &dom_io || !is_hvm_domain(pg_owner))
		return 0;
	mfn = p2m_lookup(pg_owner, pte_mfn(*e));
	if (mfn == INVALID_MFN)
		return -EINVAL;
	*e = (*e & ~PTE_ADDR_MASK) | (mfn << PAGE_SHIFT);
	return 0;
}

int pv_mod_l1_entry(struct domain *d, mfn_t l1, unsigned int idx, pte_t nl1e, bool preserve_ad,
		    struct domain *pg_owner)
{
	pte_t *p = table_of(l1) + idx, ol1e = *p;
	int rc;

	if (nl1e & _PAGE_PRESENT) {
		if (nl1e & l1_disallow(d))
			return -EINVAL;
		if (!entry_changed(ol1e, nl1e)) {
			entry_written(l1, idx, p, ol1e, adjust_l1_entry(nl1e), preserve_ad);
			return 0;
		}
		rc = get_page_from_l1e(nl1e, d, pg_owner);
		if (rc)
			return rc;
		nl1e = adjust_l1_entry(nl1e);
	}
	entry_written(l1, idx, p, ol1e, nl1e, preserve_ad);
	put_page_from_l1e(ol1e, d);
	return 0;
}

int pv_mod_entry(struct domain *d, unsigned int level, mfn_t table, unsigned int idx, pte_t ne,
		 bool preserve_ad)
{
	pte_t *p = table_of(table) + idx, oe = *p;
	int rc;

	if (level == 4 && is_xen_l4_slot(idx))
		return -EINVAL;
	if (ne & _PAGE_PRESENT) {
		if (ne & PV_LN_DISALLOW)
			return -EINVAL;
		if (!entry_changed(oe, ne)) {
			entry_written(table, idx, p, oe, adjust_entry(ne), preserve_ad);
			return 0;
		}
		rc = get_page_from_lne(level, ne, table, d);
		if (rc)
			return rc;
		ne = adjust_entry(ne);
	}
	entry_written(table, idx, p, oe, ne, preserve_ad);
	put_page_from_lne(oe, table);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Pinning, base pointers, LDT                                         */

int pv_pin_table(struct domain *d, mfn_t mfn, unsigned int type)
{
	struct page_info *pg = frame(mfn);
	int rc;

	if (!pv_get_page(pg, d))
		return -EINVAL;
	rc = pv_get_page_type(pg, type);
	if (rc) {
		pv_put_page(pg);
		return rc;
	}
	if (pg->flags & PGC_pinned) {
		pv_put_page_and_type(pg);
		return -EINVAL;
	}
	pg->flags |= PGC_pinned;
	return 0;
}

int pv_unpin_table(struct domain *d, mfn_t mfn)
{
	struct page_info *pg = frame(mfn);

	if (!pv_get_page(pg, d))
		return -EINVAL;
	if (!(pg->flags & PGC_pinned)) {
		pv_put_page(pg);
		return -EINVAL;
	}
	pg->flags &= ~PGC_pinned;
	pv_put_page_and_type(pg); /* the pin's references */
	pv_put_page(pg);
	return 0;
}

static mfn_t current_l4(const struct vcpu *v)
{
	return (v->arch.pv.in_kernel || !v->arch.pv.guest_table_user) ? v->arch.pv.guest_table : v->arch.pv.guest_table_user;
}

int pv_new_baseptr(struct vcpu *v, mfn_t mfn)
{
	mfn_t old = v->arch.pv.guest_table;
	int rc;

	if (old == mfn) {
		pv_load_cr3(current_l4(v));
		return 0;
	}
	rc = pv_get_page_and_type(mfn, v->domain, PGT_l4_page_table);
	if (rc)
		return rc;
	v->arch.pv.guest_table = mfn;
	pv_load_cr3(current_l4(v));
	if (old)
		pv_put_page_and_type(frame(old));
	return 0;
}

int pv_new_user_baseptr(struct vcpu *v, mfn_t mfn)
{
	mfn_t old = v->arch.pv.guest_table_user;
	int rc;

	if (old == mfn)
		return 0;
	if (mfn) {
		rc = pv_get_page_and_type(mfn, v->domain, PGT_l4_page_table);
		if (rc)
			return rc;
	}
	v->arch.pv.guest_table_user = mfn;
	if (old)
		pv_put_page_and_type(frame(old));
	return 0;
}

/* The L1 entry that maps @va through @v's current L4 (no superpages exist). */
int pv_find_l1e(struct vcpu *v, u64 va, mfn_t *l1, unsigned int *idx)
{
	mfn_t mfn = current_l4(v);
	unsigned int shift = L4_SHIFT;

	if (!guest_range_ok(va, 1) || !frame(mfn))
		return -EINVAL;
	for (; shift > L1_SHIFT; shift -= 9) {
		pte_t e = table_of(mfn)[(va >> shift) & 511];

		if (!(e & _PAGE_PRESENT) || (shift != L4_SHIFT && (e & _PAGE_PSE)) ||
		    !frame(pte_mfn(e)))
			return -EINVAL;
		mfn = pte_mfn(e);
	}
	*l1 = mfn;
	*idx = l1_index(va);
	return 0;
}

static void drop_ldt_frames(struct vcpu *v)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(v->arch.pv.ldt_mfn); i++) {
		if (v->arch.pv.ldt_mfn[i])
			pv_put_page_and_type(frame(v->arch.pv.ldt_mfn[i]));
		v->arch.pv.ldt_mfn[i] = 0;
	}
}

/*
 * The LDT's frames take a seg_desc type reference while it is installed, so
 * they are validated descriptors and cannot be mapped writable meanwhile.
 */
int pv_set_ldt(struct vcpu *v, u64 base, unsigned int ents)
{
	mfn_t frames[ARRAY_SIZE(v->arch.pv.ldt_mfn)] = { 0 };
	u64 ptr = ents ? base : 0;
	unsigned int i, n = (ents * 8 + PAGE_SIZE - 1) >> PAGE_SHIFT;
	int rc = 0;

	if ((ptr & (PAGE_SIZE - 1)) || ents > 8192 || (ents && !guest_range_ok(ptr, ents * 8UL)))
		return -EINVAL;
	if (v->arch.pv.ldt_ents == ents && v->arch.pv.ldt_base == ptr)
		return 0;
	for (i = 0; i < n && !rc; i++) {
		mfn_t l1;
		unsigned int idx;
		pte_t e;

		rc = pv_find_l1e(v, ptr + i * PAGE_SIZE, &l1, &idx);
		e = rc ? 0 : table_of(l1)[idx];
		if (!rc && !(e & _PAGE_PRESENT))
			rc = -EINVAL;
		if (!rc)
			rc = pv_get_page_and_type(pte_mfn(e), v->domain, PGT_seg_desc_page);
		if (!rc)
			frames[i] = pte_mfn(e);
	}
	if (rc) {
		while (i--)
			if (frames[i])
				pv_put_page_and_type(frame(frames[i]));
		return rc;
	}
	drop_ldt_frames(v);
	for (i = 0; i < n; i++)
		v->arch.pv.ldt_mfn[i] = frames[i];
	v->arch.pv.ldt_base = ptr;
	v->arch.pv.ldt_ents = ents;
	pv_ldt_changed(v);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Hypercalls                                                          */

/*
 * foreigndom: DOMID_SELF is the caller; naming oneself by id is refused as
 * on Xen; another domain is found in the registry (the callers check that
 * the caller may use its frames: the control domain only).
 */
static struct domain *get_pg_owner(struct domain *d, unsigned int domid)
{
	if (domid == DOMID_SELF)
		return d;
	if (domid == d->domain_id)
		return NULL;
	if (domid == DOMID_IO)
		return &dom_io;
	if (domid == DOMID_XEN) /* the control domain's only; others -ESRCH, as Xen */
		return d->is_privileged ? &dom_xen : NULL;
	return domain_by_id((domid_t)domid);
}

static int mmu_normal_update(struct domain *pt_owner, struct domain *pg_owner, u64 ptr, pte_t val,
			     unsigned int cmd)
{
	mfn_t mfn = ptr >> PAGE_SHIFT;
	unsigned int idx = (ptr & (PAGE_SIZE - 1)) >> 3;
	bool preserve_ad = cmd == MMU_PT_UPDATE_PRESERVE_AD;
	struct page_info *pg = frame(mfn);
	int rc = -EINVAL;

	if (!pv_get_page(pg, pt_owner))
		return -EINVAL;
	if (pg->type_count && (pg->flags & PGC_validated)) {
		switch (pg->type) {
		case PGT_l1_page_table:
			/* NO_TRANSLATE: the frame is a machine frame even for a translated owner. */
			rc = cmd == MMU_PT_UPDATE_NO_TRANSLATE ? 0 : translate_foreign(pg_owner, &val);
			if (!rc)
				rc = pv_mod_l1_entry(pt_owner, mfn, idx, val, preserve_ad, pg_owner);
			break;
		case PGT_l2_page_table:
		case PGT_l3_page_table:
		case PGT_l4_page_table:
			if (pg_owner == pt_owner)
				rc = pv_mod_entry(pt_owner, pg->type, mfn, idx, val, preserve_ad);
			break;
		case PGT_writable_page:
			table_of(mfn)[idx] = val;
			pv_logdirty_mark(pg, false);
			rc = 0;
			break;
		}
	} else if (!pv_get_page_type(pg, PGT_writable_page)) {
		table_of(mfn)[idx] = val;
		pv_put_page_type(pg);
		rc = 0;
	}
	pv_put_page(pg);
	return rc;
}

static int machphys_update(struct domain *pg_owner, mfn_t mfn, u64 gpfn)
{
	struct page_info *pg = frame(mfn);

	if (!pv_get_page(pg, pg_owner))
		return -EINVAL;
	m2p_set(mfn, gpfn);
	pv_logdirty_mark(pg, false);
	pv_put_page(pg);
	return 0;
}

/*
 * mmu_update and mmuext_op look at the clock for preemption once every this
 * many requests: one request is a few hundred instructions, each look reads
 * the TSC, and the 1 ms slice is overrun by at most the stride's work.
 */
#define PREEMPT_STRIDE 16

static void report_done(unsigned long pdone, unsigned int done)
{
	if (pdone)
		(void)copy_to_guest(pdone, &done, sizeof(done));
}

long do_mmu_update(unsigned long ureqs, unsigned long count, unsigned long pdone,
		   unsigned long foreigndom)
{
	struct domain *d = current->domain, *pt_owner = d, *pg_owner;
	unsigned int cnt = (unsigned int)count, done = 0, i = 0, pt_dom;
	struct mmu_update req;
	long rc = 0;

	if (cnt & MMU_UPDATE_PREEMPTED) {
		cnt &= ~MMU_UPDATE_PREEMPTED;
		if (pdone && copy_from_guest(&done, pdone, sizeof(done)))
			done = 0;
	}
	if (!guest_range_ok(ureqs, (u64)cnt * sizeof(req)))
		return -EFAULT;
	pt_dom = (unsigned int)foreigndom >> 16;
	if (pt_dom && pt_dom - 1 != d->domain_id)
		return -ESRCH;
	pg_owner = get_pg_owner(d, (u16)foreigndom);
	if (!pg_owner) {
		rc = -ESRCH;
		goto out;
	}
	if (pg_owner != d && pg_owner != &dom_io && !d->is_privileged) {
		rc = -EPERM;
		goto out;
	}
	for (i = 0; i < cnt; i++) {
		unsigned int cmd;

		/* A long batch resumes from request i, its count of done so far in pdone. */
		if (i && !(i % PREEMPT_STRIDE) && hypercall_preempt_check()) {
			const unsigned long args[4] = { ureqs + (u64)i * sizeof(req),
							(cnt - i) | MMU_UPDATE_PREEMPTED, pdone,
							foreigndom };

			report_done(pdone, done + i);
			return hypercall_create_continuation(__HYPERVISOR_mmu_update, 4, args);
		}
		if (copy_from_guest(&req, ureqs + (u64)i * sizeof(req), sizeof(req))) {
			rc = -EFAULT;
			break;
		}
		cmd = req.ptr & 7;
		/*
		 * Acting on another owner's frames is for the control domain only;
		 * DOMID_IO means the caller's own I/O rights, checked per frame.
		 */
		if (pg_owner != d && pg_owner != &dom_io && !d->is_privileged) {
			rc = -EPERM;
			break;
		}
		switch (cmd) {
		case MMU_NORMAL_PT_UPDATE:
		case MMU_PT_UPDATE_PRESERVE_AD:
		case MMU_PT_UPDATE_NO_TRANSLATE:
			rc = mmu_normal_update(pt_owner, pg_owner, req.ptr - cmd, req.val, cmd);
			break;
		case MMU_MACHPHYS_UPDATE:
			rc = d != pt_owner
				 ? -EPERM
				 : machphys_update(pg_owner, req.ptr >> PAGE_SHIFT, req.val);
			break;
		default:
			rc = -ENOSYS;
			break;
		}
		if (rc)
			break;
	}
out:
	report_done(pdone, done + i);
	return rc;
}

static int read_vcpumask(u64 ptr, unsigned long *mask)
{
	return copy_from_guest(mask, ptr, sizeof(*mask)) ? -EFAULT : 0;
}

static bool addr_ok(u64 va)
{
	return guest_range_ok(va, 1);
}

/*
 * The TLB ops: _LOCAL this vCPU, _ALL every vCPU of the domain, _MULTI the
 * vCPUs of a mask. The CPUs the others run on get a full flush (an INVLPG
 * too); this vCPU's own does what was asked.
 */
static int mmuext_flush(struct vcpu *v, const struct mmuext_op *op)
{
	unsigned long me = 1UL << v->vcpu_id, mask = me;

	if (op->cmd == MMUEXT_TLB_FLUSH_ALL || op->cmd == MMUEXT_INVLPG_ALL)
		mask = ~0UL;
	if ((op->cmd == MMUEXT_TLB_FLUSH_MULTI || op->cmd == MMUEXT_INVLPG_MULTI) &&
	    read_vcpumask((u64)op->arg2.vcpumask.p, &mask))
		return -EINVAL;
	pv_flush_tlb_vcpus(v->domain, mask & ~me);
	if (!(mask & me))
		return 0;
	switch (op->cmd) {
	case MMUEXT_TLB_FLUSH_LOCAL:
	case MMUEXT_TLB_FLUSH_MULTI:
	case MMUEXT_TLB_FLUSH_ALL:
		pv_flush_tlb_local();
		break;
	default:
		if (addr_ok(op->arg1.linear_addr))
			pv_invlpg(op->arg1.linear_addr);
		break;
	}
	return 0;
}

static int mmuext_copy_clear(struct domain *pg_owner, const struct mmuext_op *op)
{
	struct page_info *dst = frame(op->arg1.mfn), *src = NULL;
	int rc = -EINVAL;

	if (op->cmd == MMUEXT_COPY_PAGE) {
		src = frame(op->arg2.src_mfn);
		if (!pv_get_page(src, pg_owner))
			return -EINVAL;
	}
	if (!pv_get_page(dst, pg_owner))
		goto out;
	if (pv_get_page_type(dst, PGT_writable_page)) {
		pv_put_page(dst);
		goto out;
	}
	if (src)
		memcpy(pv_map_frame(op->arg1.mfn), pv_map_frame(op->arg2.src_mfn), PAGE_SIZE);
	else
		memset(pv_map_frame(op->arg1.mfn), 0, PAGE_SIZE);
	pv_put_page_and_type(dst);
	rc = 0;
out:
	if (src)
		pv_put_page(src);
	return rc;
}

static int mmuext_one(struct vcpu *v, struct domain *pg_owner, const struct mmuext_op *op)
{
	bool self = v->domain == pg_owner;

	switch (op->cmd) {
	case MMUEXT_PIN_L1_TABLE:
	case MMUEXT_PIN_L2_TABLE:
	case MMUEXT_PIN_L3_TABLE:
	case MMUEXT_PIN_L4_TABLE:
		return pv_pin_table(pg_owner, op->arg1.mfn, op->cmd - MMUEXT_PIN_L1_TABLE + 1);
	case MMUEXT_UNPIN_TABLE:
		return pv_unpin_table(pg_owner, op->arg1.mfn);
	case MMUEXT_NEW_BASEPTR:
		return self ? pv_new_baseptr(v, op->arg1.mfn) : -EPERM;
	case MMUEXT_NEW_USER_BASEPTR:
		return self ? pv_new_user_baseptr(v, op->arg1.mfn) : -EPERM;
	case MMUEXT_TLB_FLUSH_LOCAL:
	case MMUEXT_INVLPG_LOCAL:
	case MMUEXT_TLB_FLUSH_MULTI:
	case MMUEXT_INVLPG_MULTI:
	case MMUEXT_TLB_FLUSH_ALL:
	case MMUEXT_INVLPG_ALL:
		return self ? mmuext_flush(v, op) : -EPERM;
	case MMUEXT_FLUSH_CACHE:
	case MMUEXT_FLUSH_CACHE_GLOBAL:
		if (!self)
			return -EPERM;
		/* Only a domain with I/O access (the hardware domain) may flush caches. */
		if (!v->domain->is_privileged)
			return op->cmd == MMUEXT_FLUSH_CACHE ? -EACCES : -EINVAL;
		pv_wbinvd();
		return 0;
	case MMUEXT_SET_LDT:
		return self ? pv_set_ldt(v, op->arg1.linear_addr, op->arg2.nr_ents) : -EPERM;
	case MMUEXT_CLEAR_PAGE:
	case MMUEXT_COPY_PAGE:
		return mmuext_copy_clear(pg_owner, op);
	case MMUEXT_MARK_SUPER:
	case MMUEXT_UNMARK_SUPER:
		return -EOPNOTSUPP;
	default:
		return -ENOSYS;
	}
}

long do_mmuext_op(unsigned long uops, unsigned long count, unsigned long pdone,
		  unsigned long foreigndom)
{
	struct vcpu *v = current;
	struct domain *pg_owner;
	unsigned int cnt = (unsigned int)count, done = 0, i;
	struct mmuext_op op;
	long rc = 0;

	if (cnt & MMU_UPDATE_PREEMPTED) {
		cnt &= ~MMU_UPDATE_PREEMPTED;
		if (pdone && copy_from_guest(&done, pdone, sizeof(done)))
			done = 0;
	}
	if (!guest_range_ok(uops, (u64)cnt * sizeof(op)))
		return -EFAULT;
	pg_owner = get_pg_owner(v->domain, (unsigned int)foreigndom);
	if (!pg_owner)
		return -ESRCH;
	if (pg_owner != v->domain && !v->domain->is_privileged)
		return -EPERM;
	for (i = 0; i < cnt; i++) {
		if (i && !(i % PREEMPT_STRIDE) && hypercall_preempt_check()) {
			const unsigned long args[4] = { uops + (u64)i * sizeof(op),
							(cnt - i) | MMU_UPDATE_PREEMPTED, pdone,
							foreigndom };

			report_done(pdone, done + i);
			return hypercall_create_continuation(__HYPERVISOR_mmuext_op, 4, args);
		}
		if (copy_from_guest(&op, uops + (u64)i * sizeof(op), sizeof(op))) {
			rc = -EFAULT;
			break;
		}
		rc = mmuext_one(v, pg_owner, &op);
		if (rc)
			break;
	}
	report_done(pdone, done + i);
	return rc;
}

static int uvm_flush(struct vcpu *v, u64 va, unsigned long flags)
{
	unsigned long type = flags & UVMF_FLUSHTYPE_MASK, bmap = flags & ~UVMF_FLUSHTYPE_MASK;
	unsigned long me = 1UL << v->vcpu_id, mask = bmap == UVMF_ALL ? ~0UL : me;

	if (type != UVMF_TLB_FLUSH && type != UVMF_INVLPG)
		return 0;
	if (bmap != UVMF_LOCAL && bmap != UVMF_ALL && read_vcpumask(bmap, &mask))
		return -EFAULT;
	pv_flush_tlb_vcpus(v->domain, mask & ~me);
	if (!(mask & me))
		return 0;
	if (type == UVMF_TLB_FLUSH)
		pv_flush_tlb_local();
	else
		pv_invlpg(va);
	return 0;
}

static long update_va_mapping(u64 va, pte_t val, unsigned long flags, struct domain *pg_owner)
{
	struct vcpu *v = current;
	struct domain *d = v->domain;
	struct page_info *pg;
	unsigned int idx;
	mfn_t l1;
	int rc;

	if (pv_find_l1e(v, va, &l1, &idx))
		return -EINVAL;
	pg = frame(l1);
	if (!pv_get_page(pg, d))
		return -EINVAL;
	if (pg->type != PGT_l1_page_table || !pg->type_count || !(pg->flags & PGC_validated))
		rc = -EINVAL;
	else
		rc = translate_foreign(pg_owner, &val);
	if (!rc)
		rc = pv_mod_l1_entry(d, l1, idx, val, false, pg_owner);
	pv_put_page(pg);
	if (rc)
		return rc;
	return uvm_flush(v, va, flags);
}

long do_update_va_mapping(unsigned long va, unsigned long val, unsigned long flags)
{
	return update_va_mapping(va, val, flags, current->domain);
}

/* The same, with the mapped frame owned by @domid (DOMID_SELF, DOMID_IO). */
long do_update_va_mapping_otherdomain(unsigned long va, unsigned long val, unsigned long flags,
				      unsigned long domid)
{
	struct domain *pg_owner = get_pg_owner(current->domain, (domid_t)domid);

	if (!pg_owner)
		return -ESRCH;
	if (pg_owner != current->domain && !current->domain->is_privileged)
		return -EPERM;
	return update_va_mapping(va, val, flags, pg_owner);
}

unsigned long pv_vm_assist_valid(void)
{
	return NATIVE_VM_ASSIST_VALID;
}

long do_vm_assist(unsigned long cmd, unsigned long type)
{
	struct domain *d = current->domain;

	if (type >= 64 || !(NATIVE_VM_ASSIST_VALID & (1UL << type)))
		return -EINVAL;
	switch (cmd) {
	case VMASST_CMD_enable:
		d->vm_assist |= 1UL << type;
		return 0;
	case VMASST_CMD_disable:
		d->vm_assist &= ~(1UL << type);
		return 0;
	}
	return -ENOSYS;
}

/* ------------------------------------------------------------------ */
/* Writable page-table assist: the update itself                       */

int pv_ptwr_update(struct domain *d, mfn_t l1, unsigned int idx, enum pv_ptwr_op op, pte_t *val,
		   pte_t expected, bool *swapped)
{
	pte_t old = table_of(l1)[idx];
	int rc;

	*swapped = false;
	if (op == PTWR_CMPXCHG && old != expected) {
		*val = old;
		return 0;
	}
	rc = pv_mod_l1_entry(d, l1, idx, *val, false, d);
	if (rc)
		return rc;
	*swapped = true;
	if (op != PTWR_WRITE)
		*val = old;
	return 0;
}
