/*
 * memory_op: the memory maps, reservation queries, growing and shrinking a
 * domain, and exchanging frames for machine-contiguous ones.
 */
#include "types.h"
#include "hcstats.h"
#include "console.h"
#include "lib.h"
#include "errno.h"
#include "page.h"
#include "mm.h"
#include "m2p.h"
#include "domain.h"
#include "hvm.h"
#include "grant_table.h"
#include "uaccess.h"
#include "setup.h"
#include "boot_info.h"
#include "hypercall.h"
#include "pv_mm.h"
#include "claim.h"
#include "timer.h"
#include "public/memory.h"

/* The caller may act on @d: its own domain, or any for the control domain. */
static long target_right(const struct domain *d)
{
	if (d != current->domain && !current->domain->is_privileged)
		return -EPERM;
	return 0;
}

/*
 * The domain a memory op names (Xen's rcu_lock_domain_by_any_id plus its
 * XSM_TARGET check): DOMID_SELF or the caller's own id, or any other
 * domain for the control domain (a builder populating a new domain); an id
 * that names no domain is -ESRCH, another domain's for anyone else -EPERM.
 */
static struct domain *target_domain(domid_t id, long *rc)
{
	struct domain *d = domain_lookup(id);

	*rc = d ? target_right(d) : -ESRCH;
	return *rc ? NULL : d;
}

/*
 * An HVM domain's highest populated GFN (0 while it has none, as Xen's:
 * libxenguest's restore asks before it populates any); a PV domain's is the
 * one below the pfn count its kernel writes to shared_info's max_pfn (0
 * while it has written none), as Xen's: the p2m size libxc's save and
 * dump-core read.
 */
static unsigned long max_gpfn(const struct domain *d)
{
	unsigned long pfns;

	if (is_hvm_domain(d))
		return d->arch.hvm.nr_gfns ? d->arch.hvm.nr_gfns - 1 : 0;
	pfns = d->shared_info ? d->shared_info->arch.max_pfn : 0;
	return (pfns ? pfns : 1) - 1;
}

static long domain_query(unsigned int cmd, unsigned long arg)
{
	domid_t id;
	struct domain *d;
	long rc;

	if (copy_from_guest(&id, arg, sizeof(id)))
		return -EFAULT;
	d = target_domain(id, &rc);
	if (!d)
		return rc;
	switch (cmd) {
	case XENMEM_current_reservation:
		return (long)d->tot_pages;
	case XENMEM_maximum_reservation:
		return (long)d->max_pages;
	default: /* XENMEM_maximum_gpfn */
		return (long)max_gpfn(d);
	}
}

static long machine_memory_map(unsigned long arg)
{
	struct xen_memory_map map;
	const struct boot_info *bi = &bootinfo;

	if (!current->domain->is_privileged)
		return -EPERM;
	if (copy_from_guest(&map, arg, sizeof(map)))
		return -EFAULT;
	if (map.nr_entries < bi->nr_mem)
		return -EINVAL;
	for (u32 i = 0; i < bi->nr_mem; i++) {
		struct petrel_e820_entry e = { bi->mem[i].addr, bi->mem[i].len, bi->mem[i].type };

		if (copy_to_guest((u64)map.buffer.p + i * sizeof(e), &e, sizeof(e)))
			return -EFAULT;
	}
	map.nr_entries = bi->nr_mem;
	return copy_to_guest(arg, &map, sizeof(map)) ? -EFAULT : 0;
}

/* Xen's bound on a domain's pseudo-physical memory map. */
#define E820_MAX_ENTRIES 1024

/*
 * XENMEM_set_memory_map: the toolstack gives a domain its pseudo-physical
 * map (one RAM entry for a PV guest), which the domain reads back with
 * XENMEM_memory_map. It replaces any earlier map.
 */
static long set_memory_map(unsigned long arg)
{
	struct xen_foreign_memory_map fm;
	struct domain *d;
	long rc;

	if (copy_from_guest(&fm, arg, sizeof(fm)))
		return -EFAULT;
	if (fm.map.nr_entries > E820_MAX_ENTRIES)
		return -EINVAL;
	d = target_domain(fm.domid, &rc);
	if (!d)
		return rc;
	if (!d->arch.e820) {
		d->arch.e820 = alloc_xenheap_pages(E820_ORDER);
		if (!d->arch.e820)
			return -ENOMEM;
	}
	if (copy_from_guest(d->arch.e820, (u64)fm.map.buffer.p,
			    fm.map.nr_entries * sizeof(struct petrel_e820_entry)))
		return -EFAULT;
	d->arch.nr_e820 = fm.map.nr_entries;
	return 0;
}

/*
 * XENMEM_memory_map: up to *@nr entries of the caller's map, as the
 * toolstack set it, to guest address @buffer; *@nr becomes the count
 * copied. -ENOSYS if no map was set.
 */
long memory_map_read(u32 *nr, u64 buffer)
{
	struct domain *d = current->domain;

	if (!d->arch.e820 || !d->arch.nr_e820)
		return -ENOSYS;
	*nr = MIN(*nr, d->arch.nr_e820);
	if (copy_to_guest(buffer, d->arch.e820, *nr * sizeof(struct petrel_e820_entry)))
		return -EFAULT;
	return 0;
}

static long memory_map(unsigned long arg)
{
	struct xen_memory_map map;
	long rc;

	if (copy_from_guest(&map, arg, sizeof(map)))
		return -EFAULT;
	rc = memory_map_read(&map.nr_entries, (u64)map.buffer.p);
	if (!rc && copy_to_guest(arg, &map, sizeof(map)))
		return -EFAULT;
	return rc;
}

static long machphys_mapping(unsigned long arg)
{
	struct xen_machphys_mapping m;

	/* Xen's answer: the whole slot, and for the control domain the highest MFN. */
	m.v_start = MACH2PHYS_VIRT_START;
	m.v_end = MACH2PHYS_VIRT_END;
	m.max_mfn = current->domain->is_privileged ? max_page - 1 : MACH2PHYS_NR_ENTRIES - 1;
	return copy_to_guest(arg, &m, sizeof(m)) ? -EFAULT : 0;
}

static long machphys_mfn_list(unsigned long arg)
{
	static mfn_t chunks[256];
	struct xen_machphys_mfn_list l;
	unsigned int n;

	if (copy_from_guest(&l, arg, sizeof(l)))
		return -EFAULT;
	n = m2p_chunk_list(chunks, MIN(l.max_extents, ARRAY_SIZE(chunks)));
	if (copy_to_guest((u64)l.extent_start.p, chunks, n * sizeof(mfn_t)))
		return -EFAULT;
	l.nr_extents = n;
	return copy_to_guest(arg, &l, sizeof(l)) ? -EFAULT : 0;
}

/* Give @d one extent of 2^order frames; PV guests learn the first MFN. */
static int grow_one(struct domain *d, unsigned int order, u64 gpfn, bool populate, mfn_t *mfn)
{
	struct page_info *pg;

	if (d->is_dying || d->tot_pages + (1UL << order) > d->max_pages)
		return -ENOMEM;
	if (!claim_allows(d, 1UL << order, buddy_free_count()))
		return -ENOMEM;
	pg = alloc_zeroed_pages(order);
	if (!pg)
		return -ENOMEM;
	*mfn = page_to_mfn(pg);
	for (u64 i = 0; i < (1UL << order); i++) {
		assign_page(d, pg + i);
		m2p_set(*mfn + i, populate ? gpfn + i : M2P_INVALID);
		if (populate)
			logdirty_mark(&d->logdirty, gpfn + i, false); /* zeroed: new contents */
	}
	d->tot_pages += 1UL << order;
	claim_consume(d, 1UL << order);
	return 0;
}

static struct domain *reservation_check(const struct xen_memory_reservation *r, unsigned long start)
{
	long rc;

	if (start >= r->nr_extents || r->nr_extents > (~0UL >> MEMOP_EXTENT_SHIFT) ||
	    r->extent_order > MAX_ORDER)
		return NULL;
	return target_domain(r->domid, &rc);
}

/*
 * An extent of an HVM domain at GFN @gfn (aligned to its order, as Xen
 * wants): new frames mapped in its p2m. What the p2m held there before
 * stays the domain's until it dies, as Xen leaves a replaced frame.
 */
static int grow_hvm(struct domain *d, unsigned int order, u64 gfn)
{
	mfn_t mfn;
	int rc;

	if (gfn & ((1UL << order) - 1))
		return -EINVAL;
	if ((gfn + (1UL << order)) >> (48 - PAGE_SHIFT))
		return -EINVAL;
	rc = grow_one(d, order, gfn, true, &mfn);
	for (u64 i = 0; !rc && i < (1UL << order); i++)
		rc = p2m_set_entry(d, gfn + i, mfn + i);
	if (!rc && gfn + (1UL << order) > d->arch.hvm.nr_gfns)
		d->arch.hvm.nr_gfns = gfn + (1UL << order);
	return rc;
}

/*
 * increase_reservation / populate_physmap on request @r read from @arg:
 * returns the extents done. A preempted call resumes at the extent encoded
 * above MEMOP_EXTENT_SHIFT. Each entry of the extent list is @pfn_size
 * bytes (8; 4 from 32-bit HVM code).
 */
long memory_grow(unsigned long cmd, unsigned long arg, const struct xen_memory_reservation *r,
		 unsigned int pfn_size)
{
	unsigned long start = cmd >> MEMOP_EXTENT_SHIFT, cmd_base = cmd & MEMOP_CMD_MASK;
	bool populate = cmd_base == XENMEM_populate_physmap;
	struct domain *d;
	u64 handle;
	unsigned long i;

	d = reservation_check(r, start);
	/* The order allowed is the caller's: only the control domain asks for big extents. */
	if (!d || (r->extent_order && !current->domain->is_privileged))
		return (long)start;
	handle = (u64)r->extent_start.p + start * pfn_size;
	for (i = start; i < r->nr_extents; i++, handle += pfn_size) {
		xen_pfn_t v = 0;
		mfn_t mfn;

		if (i > start && hypercall_preempt_check()) {
			const unsigned long args[2] = { cmd_base | (i << MEMOP_EXTENT_SHIFT), arg };

			return hypercall_create_continuation(__HYPERVISOR_memory_op, 2, args);
		}
		if (populate && copy_from_guest(&v, handle, pfn_size))
			break;
		/* A translated (HVM) domain names guest frames: the extent goes into its p2m. */
		if (populate && is_hvm_domain(d)) {
			if (grow_hvm(d, r->extent_order, v))
				break;
			continue;
		}
		if (grow_one(d, r->extent_order, v, populate, &mfn))
			break;
		v = mfn;
		if (r->extent_start.p && copy_to_guest(handle, &v, pfn_size))
			break;
	}
	return (long)i;
}

/*
 * The reservation ops never fail as a whole, as on Xen: a request that
 * cannot start (unreadable, no such domain, another domain's for a caller
 * that is not the control domain, a bad extent order or count) does
 * nothing and answers the extents done so far.
 */
static long grow(unsigned long cmd, unsigned long arg)
{
	struct xen_memory_reservation r;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return (long)(cmd >> MEMOP_EXTENT_SHIFT);
	return memory_grow(cmd, arg, &r, sizeof(xen_pfn_t));
}

/*
 * XENMAPSPACE_gmfn: the RAM frame at GFN @idx moves to @gpfn, and @idx then
 * maps nothing (-EINVAL if @idx maps no frame of @d). hvmloader moves RAM
 * into the hole below 4 GiB this way when populate_physmap finds the domain
 * at its maximum, as for OVMF's image at the top of the hole.
 */
static long move_gmfn(struct domain *d, u64 idx, u64 gpfn)
{
	mfn_t mfn;
	int rc;

	if (idx >> (48 - PAGE_SHIFT))
		return -EINVAL;
	mfn = p2m_lookup(d, idx);
	if (mfn == INVALID_MFN || !mfn_owned_by(mfn, d))
		return -EINVAL;
	if (idx == gpfn)
		return 0;
	rc = p2m_set_entry(d, gpfn, mfn);
	if (rc)
		return rc;
	p2m_clear_entry(d, idx);
	m2p_set(mfn, gpfn);
	logdirty_mark(&d->logdirty, gpfn, false);
	if (gpfn + 1 > d->arch.hvm.nr_gfns)
		d->arch.hvm.nr_gfns = gpfn + 1;
	return 0;
}

/*
 * XENMEM_add_to_physmap into an HVM domain's p2m (the domain itself, or
 * any for the control domain): its shared_info page (idx 0), one of its
 * grant-table frames (version 1: no status frames), the table grown to it,
 * or one of its RAM frames moved (move_gmfn). The frame seen at that GFN
 * before stays the domain's until it dies, as Xen leaves a replaced frame.
 * Other spaces -ENOSYS; a PV domain -EACCES.
 */
long memory_add_to_physmap(const struct xen_add_to_physmap *xp)
{
	struct xen_add_to_physmap x = *xp;
	struct domain *d;
	mfn_t mfn;
	long rc;

	/*
	 * Xen's order: a foreign frame only through add_to_physmap_batch, the
	 * domain, its paging mode (a PV domain -EACCES), then the caller's right.
	 */
	if (x.space == XENMAPSPACE_gmfn_foreign)
		return -ENOSYS;
	d = domain_lookup(x.domid);
	if (!d)
		return -ESRCH;
	if (!is_hvm_domain(d))
		return -EACCES;
	rc = target_right(d);
	if (rc)
		return rc;
	if (x.gpfn >> (48 - PAGE_SHIFT))
		return -EINVAL;
	if (x.space == XENMAPSPACE_gmfn)
		return move_gmfn(d, x.idx, x.gpfn);
	if (x.space == XENMAPSPACE_shared_info) {
		if (x.idx)
			return -EINVAL;
		mfn = virt_to_maddr(d->shared_info) >> PAGE_SHIFT;
	} else if (x.space == XENMAPSPACE_grant_table) {
		rc = (x.idx & XENMAPIDX_grant_table_status)
			 ? gnttab_status_frame(
			       d, (unsigned int)(x.idx & ~XENMAPIDX_grant_table_status), &mfn)
			 : gnttab_shared_frame(d, (unsigned int)x.idx, &mfn);
		if (rc)
			return rc;
	} else {
		return -ENOSYS;
	}
	rc = p2m_set_entry(d, x.gpfn, mfn);
	/*
	 * A guest mapping its shared_info reads its pvclock next (Linux's TSC
	 * calibration): write it afresh, as Xen does at each schedule, since the
	 * guest-physical page it was last mapped at may have been reused as RAM.
	 */
	if (!rc && x.space == XENMAPSPACE_shared_info)
		d->arch.hvm.shared_info_gfn = x.gpfn;
	if (!rc && x.space == XENMAPSPACE_shared_info && current->domain == d &&
	    current->time_started)
		update_vcpu_system_time(current);
	if (rc || x.space != XENMAPSPACE_grant_table)
		return rc;
	if (x.idx & XENMAPIDX_grant_table_status)
		gnttab_set_status_gfn(d, (unsigned int)(x.idx & ~XENMAPIDX_grant_table_status),
				      x.gpfn);
	else
		gnttab_set_frame_gfn(d, (unsigned int)x.idx, x.gpfn);
	return 0;
}

static long add_to_physmap(unsigned long arg)
{
	struct xen_add_to_physmap x;

	if (copy_from_guest(&x, arg, sizeof(x)))
		return -EFAULT;
	return memory_add_to_physmap(&x);
}

/*
 * XENMEM_remove_from_physmap: the GFN no longer maps anything (-ENOENT if
 * it did not). A RAM frame unmapped so stays the domain's until it dies.
 */
long memory_remove_from_physmap(domid_t domid, u64 gpfn)
{
	struct domain *d;
	long rc;

	d = target_domain(domid, &rc);
	if (!d)
		return rc;
	if (!is_hvm_domain(d))
		return -EINVAL;
	if (p2m_lookup(d, gpfn) == INVALID_MFN)
		return -ENOENT;
	p2m_clear_entry(d, gpfn);
	return 0;
}

static long remove_from_physmap(unsigned long arg)
{
	struct xen_remove_from_physmap x;

	if (copy_from_guest(&x, arg, sizeof(x)))
		return -EFAULT;
	return memory_remove_from_physmap(x.domid, x.gpfn);
}

/*
 * A frame may leave its domain only when nothing but the allocation holds
 * it. A frame given back (decrease_reservation) but still mapped has lost
 * its allocation reference: its one reference is the mapping's, and it is
 * no longer the domain's to trade (as Xen's steal_page wants PGC_allocated).
 */
static bool can_steal(const struct domain *d, mfn_t mfn)
{
	const struct page_info *pg;

	if (!mfn_owned_by(mfn, d))
		return false;
	pg = mfn_to_page(mfn);
	return pg->count == 1 && (pg->flags & PGC_allocated) && !pg->type_count &&
	       !(pg->flags & (PGC_pinned | PGC_xen_heap));
}

static void release_frame(mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	domain_unlist_frame(pg->owner, pg);
	m2p_set(mfn, M2P_INVALID);
	pg->owner = NULL;
	pg->flags &= ~(PGC_allocated | PGC_validated);
	pg->count = 0;
	pg->type = PGT_none;
	free_pages(pg, 0);
}

/* 2^order zeroed machine-contiguous frames below 2^bits (0: anywhere). */
static struct page_info *alloc_below(unsigned int order, unsigned int bits)
{
	if (bits && bits <= PAGE_SHIFT)
		return NULL;
	if (!bits || bits >= 52 || (1UL << (bits - PAGE_SHIFT)) >= max_page)
		return alloc_zeroed_pages(order);
	return alloc_zeroed_pages_below(order, 1UL << (bits - PAGE_SHIFT));
}

/* The guest address of in-list entry @i of exchange unit @unit. */
static u64 exchange_in_at(const struct xen_memory_exchange *x, u64 unit, unsigned long per_unit_in,
			  unsigned long i)
{
	return (u64)x->in.extent_start.p + (unit * per_unit_in + i) * sizeof(xen_pfn_t);
}

/* Give back the claims exchange_check took on the unit's first @claimed frames. */
static void exchange_unclaim(const struct xen_memory_exchange *x, u64 unit,
			     unsigned long per_unit_in, unsigned long claimed)
{
	for (unsigned long i = 0; i < per_unit_in && claimed; i++) {
		xen_pfn_t mfn;

		if (copy_from_guest(&mfn, exchange_in_at(x, unit, per_unit_in, i), sizeof(mfn)))
			break; /* read a moment ago: cannot fail */
		for (u64 j = 0; j < (1UL << x->in.extent_order) && claimed; j++, claimed--)
			mfn_to_page(mfn + j)->count--;
	}
}

/*
 * Check the in frames of one exchange unit and read the out gpfn. Each
 * frame that passes is claimed (count 1 -> 2) so that a frame named twice
 * fails the second time instead of being released twice; the claims are
 * given back on failure, and release_frame() drops them with the frame.
 */
static int exchange_check(struct domain *d, const struct xen_memory_exchange *x, u64 unit,
			  unsigned long per_unit_in, xen_pfn_t *gpfn)
{
	unsigned long claimed = 0;
	int rc = 0;

	for (unsigned long i = 0; i < per_unit_in && !rc; i++) {
		xen_pfn_t mfn;

		if (copy_from_guest(&mfn, exchange_in_at(x, unit, per_unit_in, i), sizeof(mfn))) {
			rc = -EFAULT;
			break;
		}
		for (u64 j = 0; j < (1UL << x->in.extent_order); j++, claimed++) {
			if (!can_steal(d, mfn + j)) {
				rc = -EINVAL;
				break;
			}
			mfn_to_page(mfn + j)->count++;
		}
	}
	if (!rc &&
	    copy_from_guest(gpfn, (u64)x->out.extent_start.p + unit * sizeof(*gpfn), sizeof(*gpfn)))
		rc = -EFAULT;
	if (rc)
		exchange_unclaim(x, unit, per_unit_in, claimed);
	return rc;
}

/* Trade one out extent's worth of in frames for one fresh out extent. */
static int exchange_unit(struct domain *d, const struct xen_memory_exchange *x, u64 unit,
			 unsigned long per_unit_in)
{
	unsigned int order = x->out.extent_order;
	struct page_info *pg;
	xen_pfn_t gpfn, mfn;
	int rc = exchange_check(d, x, unit, per_unit_in, &gpfn);

	if (rc)
		return rc;
	pg = alloc_below(order, XENMEMF_get_address_bits(x->out.mem_flags));
	if (!pg) {
		exchange_unclaim(x, unit, per_unit_in, per_unit_in << x->in.extent_order);
		return -ENOMEM;
	}
	for (unsigned long i = 0; i < per_unit_in; i++) {
		copy_from_guest(&mfn, exchange_in_at(x, unit, per_unit_in, i), sizeof(mfn));
		for (u64 j = 0; j < (1UL << x->in.extent_order); j++)
			release_frame(mfn + j);
	}
	mfn = page_to_mfn(pg);
	for (u64 j = 0; j < (1UL << order); j++) {
		assign_page(d, pg + j);
		m2p_set(mfn + j, gpfn + j);
		logdirty_mark(&d->logdirty, gpfn + j, false);
	}
	return copy_to_guest((u64)x->out.extent_start.p + unit * sizeof(mfn), &mfn, sizeof(mfn))
		   ? -EFAULT
		   : 0;
}

/*
 * May @d give @mfn back? Its own (still referenced: a frame given back but
 * still mapped counts, and giving it back again does nothing, as on Xen)
 * and no hypervisor page. Mappings, types and pins do not matter.
 */
static bool can_remove(const struct domain *d, mfn_t mfn)
{
	const struct page_info *pg;

	if (!mfn_owned_by(mfn, d))
		return false;
	pg = mfn_to_page(mfn);
	return pg->count && !(pg->flags & PGC_xen_heap);
}

/*
 * Xen's guest_remove_page for a PV domain: unpin and drop the allocation
 * reference. A frame still mapped (or typed) stays the domain's, usable and
 * in the M2P, until its last reference goes (pv_frame_released).
 */
static void remove_frame(mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	if (pg->flags & PGC_pinned) {
		pg->flags &= ~PGC_pinned;
		pv_put_page_and_type(pg);
	}
	if (pg->flags & PGC_allocated) {
		pg->flags &= ~PGC_allocated;
		pv_put_page(pg);
	}
}

void pv_frame_released(struct page_info *pg)
{
	struct domain *d = pg->owner;

	release_frame(page_to_mfn(pg));
	domain_frame_freed(d);
}

/* A PV domain's extent at @mfn: its frames given back, if all are the domain's. */
static bool shrink_pv_extent(struct domain *d, xen_pfn_t mfn, unsigned int order)
{
	for (u64 j = 0; j < (1UL << order); j++)
		if (!can_remove(d, mfn + j))
			return false;
	for (u64 j = 0; j < (1UL << order); j++)
		remove_frame(mfn + j);
	return true;
}

/*
 * Frames taken out of an HVM domain's p2m: they lose their allocation
 * reference only once no CPU can still reach them through a translation
 * cached before.
 */
struct unmapped {
	mfn_t mfn[64];
	unsigned int n;
};

static void unmapped_release(const struct domain *d, struct unmapped *u)
{
	if (!u->n)
		return;
	hvm_p2m_sync_cpus(d);
	for (unsigned int k = 0; k < u->n; k++)
		remove_frame(u->mfn[k]);
	u->n = 0;
}

/*
 * Xen's guest_remove_page for an HVM domain: a GFN with nothing of the
 * domain's behind it fails; else it leaves the p2m, and its frame (unless
 * it is a hypervisor page such as shared_info, which is only unmapped)
 * joins @u to be given back.
 */
static bool unmap_gfn(struct domain *d, u64 gfn, struct unmapped *u)
{
	mfn_t mfn = p2m_lookup(d, gfn);

	if (mfn == INVALID_MFN || !mfn_owned_by(mfn, d))
		return false;
	p2m_clear_entry(d, gfn);
	if (gfn == d->arch.hvm.shared_info_gfn)
		d->arch.hvm.shared_info_gfn = ~0ULL;
	if (mfn_to_page(mfn)->flags & PGC_xen_heap)
		return true;
	if (u->n == ARRAY_SIZE(u->mfn))
		unmapped_release(d, u);
	u->mfn[u->n++] = mfn;
	return true;
}

/* An HVM domain's extent at @gfn: GFN by GFN, up to the first that fails (as Xen). */
static bool shrink_hvm_extent(struct domain *d, u64 gfn, unsigned int order, struct unmapped *u)
{
	for (u64 j = 0; j < (1UL << order); j++)
		if (!unmap_gfn(d, gfn + j, u))
			return false;
	return true;
}

/* Xen's limit on a decrease_reservation extent: 2 MiB for a domU. */
static unsigned int shrink_max_order(const struct domain *caller)
{
	return caller->is_privileged ? 18 : 9;
}

/*
 * decrease_reservation: give frames back. A PV domain names them by MFN; a
 * frame not its own (or given back already) stops the call there (the count
 * done is returned, as Xen does for extents it could not remove). An HVM
 * domain names GFNs, which leave its p2m; one with nothing behind it stops
 * the call, the GFNs of that extent before it staying removed, as on Xen,
 * whose extent order limit HVM requests get. The reservation falls as the
 * frames are freed: a frame still mapped (a backend's grant mapping) is
 * freed when its last mapping goes.
 */
static long shrink(unsigned long cmd, unsigned long arg)
{
	unsigned long start = cmd >> MEMOP_EXTENT_SHIFT, i;
	struct xen_memory_reservation r;
	struct unmapped u = { .n = 0 };
	struct domain *d;
	bool ok;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return (long)start;
	d = reservation_check(&r, start);
	if (!d || (is_hvm_domain(d) && r.extent_order > shrink_max_order(current->domain)))
		return (long)start;
	for (i = start; i < r.nr_extents; i++) {
		xen_pfn_t pfn;

		if (i > start && hypercall_preempt_check()) {
			const unsigned long args[2] = {
				XENMEM_decrease_reservation | (i << MEMOP_EXTENT_SHIFT), arg
			};

			unmapped_release(d, &u);
			return hypercall_create_continuation(__HYPERVISOR_memory_op, 2, args);
		}
		if (copy_from_guest(&pfn, (u64)r.extent_start.p + i * sizeof(pfn), sizeof(pfn)))
			break;
		ok = is_hvm_domain(d) ? shrink_hvm_extent(d, pfn, r.extent_order, &u)
				      : shrink_pv_extent(d, pfn, r.extent_order);
		if (!ok)
			break;
	}
	unmapped_release(d, &u);
	return (long)i;
}

/*
 * XENMEM_exchange, as Linux uses it for machine-contiguous DMA buffers:
 * frames the domain holds no other reference to are traded for an extent
 * of the out order (below out.mem_flags' address bits). For a PV domain the
 * out list holds the gpfns on entry and the new MFNs on return. Only the
 * in order <= out order case is supported (the one Linux uses), and only for
 * PV domains: an HVM domain's in list holds GFNs, not taken yet
 * (-EOPNOTSUPP).
 */
static long exchange(unsigned long arg)
{
	struct xen_memory_exchange x;
	struct domain *d;
	unsigned long per_unit_in;
	long rc = 0;

	if (copy_from_guest(&x, arg, sizeof(x)))
		return -EFAULT;
	d = target_domain(x.in.domid, &rc);
	if (!d)
		return rc;
	if (d != domain_lookup(x.out.domid))
		return -EINVAL;
	if (is_hvm_domain(d))
		return -EOPNOTSUPP;
	if (x.in.extent_order > MAX_ORDER || x.out.extent_order > MAX_ORDER ||
	    x.in.extent_order > x.out.extent_order || x.in.nr_extents > (~0UL >> MAX_ORDER) ||
	    x.out.nr_extents > (~0UL >> MAX_ORDER) ||
	    (x.in.nr_extents << x.in.extent_order) != (x.out.nr_extents << x.out.extent_order))
		return -EINVAL;
	per_unit_in = 1UL << (x.out.extent_order - x.in.extent_order);
	for (u64 unit = x.nr_exchanged / per_unit_in; unit < x.out.nr_extents; unit++) {
		if (unit * per_unit_in > x.nr_exchanged && hypercall_preempt_check()) {
			const unsigned long args[2] = { XENMEM_exchange, arg };

			if (copy_to_guest(arg + offsetof(struct xen_memory_exchange, nr_exchanged),
					  &x.nr_exchanged, sizeof(x.nr_exchanged)))
				return -EFAULT;
			return hypercall_create_continuation(__HYPERVISOR_memory_op, 2, args);
		}
		rc = exchange_unit(d, &x, unit, per_unit_in);
		if (rc) {
			printk(XENLOG_G_GUEST XENLOG_DEBUG
			       "d%u: exchange unit %lu (order %u -> %u, %u bits) failed: %ld\n",
			       d->domain_id, unit, x.in.extent_order, x.out.extent_order,
			       XENMEMF_get_address_bits(x.out.mem_flags), rc);
			break;
		}
		x.nr_exchanged = (unit + 1) * per_unit_in;
	}
	if (copy_to_guest(arg + offsetof(struct xen_memory_exchange, nr_exchanged), &x.nr_exchanged,
			  sizeof(x.nr_exchanged)))
		return -EFAULT;
	return rc;
}

/*
 * XENMEM_acquire_resource: an ioreq server's pages (hvm/ioreq.c), as machine
 * frames for a PV caller. Grant tables and vmtrace buffers are not offered
 * this way: -EOPNOTSUPP, Xen's answer for a resource it does not have, and
 * libxenguest then seeds a new domain's grant table through
 * GNTTABOP_setup_table and a foreign map.
 */
static long acquire_resource(unsigned long arg)
{
	struct xen_mem_acquire_resource r;
	struct domain *d;
	long rc;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return -EFAULT;
	if (r.pad)
		return -EINVAL;
	if (!r.frame_list.p && r.nr_frames)
		return -EINVAL;
	d = target_domain(r.domid, &rc);
	if (!d)
		return rc;
	if (r.type != XENMEM_resource_ioreq_server)
		return -EOPNOTSUPP;
	rc = ioreq_acquire_resource(d, r.id, r.frame, &r.nr_frames, (u64)r.frame_list.p);
	if (!rc && !r.frame_list.p &&
	    copy_to_guest(arg + offsetof(struct xen_mem_acquire_resource, nr_frames), &r.nr_frames,
			  sizeof(r.nr_frames)))
		rc = -EFAULT;
	return rc;
}

/*
 * XENMEM_get_vnumainfo: Petrel gives no domain a vNUMA topology, so a
 * domain the caller may look at answers -EOPNOTSUPP, as Xen answers for a
 * domain without one (the save path of libxl requires exactly that).
 */
static long get_vnumainfo(unsigned long arg)
{
	struct xen_vnuma_topology_info t;
	long rc;

	if (copy_from_guest(&t, arg, sizeof(t)))
		return -EFAULT;
	if (!target_domain(t.domid, &rc))
		return rc;
	return -EOPNOTSUPP;
}

/*
 * XENMEM_claim_pages: the control domain claims frames for a domain it is
 * about to populate (nr_extents: the domain's total in frames, 0 to cancel).
 * As Xen: no extent list, order or flags (-EINVAL), the domain named by id
 * only (DOMID_SELF and unknown ids -EINVAL), -EPERM for anyone else.
 */
static long claim_pages(unsigned long cmd, unsigned long arg)
{
	struct xen_memory_reservation r;
	struct domain *d;

	if (cmd >> MEMOP_EXTENT_SHIFT)
		return -EINVAL;
	if (copy_from_guest(&r, arg, sizeof(r)))
		return -EFAULT;
	if (r.extent_start.p || r.extent_order || r.mem_flags)
		return -EINVAL;
	d = domain_by_id(r.domid);
	if (!d)
		return -EINVAL;
	if (!current->domain->is_privileged)
		return -EPERM;
	return claim_set(d, r.nr_extents, buddy_free_count());
}

static long memory_op(unsigned long cmd, unsigned long arg)
{
	switch (cmd & MEMOP_CMD_MASK) {
	case XENMEM_increase_reservation:
	case XENMEM_populate_physmap:
		return grow(cmd, arg);
	case XENMEM_maximum_ram_page:
		return (long)max_page;
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
	case XENMEM_maximum_gpfn:
		return domain_query((unsigned int)(cmd & MEMOP_CMD_MASK), arg);
	case XENMEM_machphys_mfn_list:
		return machphys_mfn_list(arg);
	case XENMEM_machphys_mapping:
		return machphys_mapping(arg);
	case XENMEM_machine_memory_map:
		return machine_memory_map(arg);
	case XENMEM_exchange:
		return exchange(arg);
	case XENMEM_decrease_reservation:
		return shrink(cmd, arg);
	case XENMEM_memory_map:
		return memory_map(arg);
	case XENMEM_set_memory_map:
		return set_memory_map(arg);
	case XENMEM_acquire_resource:
		return acquire_resource(arg);
	case XENMEM_add_to_physmap:
		return add_to_physmap(arg);
	case XENMEM_remove_from_physmap:
		return remove_from_physmap(arg);
	case XENMEM_get_vnumainfo:
		return get_vnumainfo(arg);
	case XENMEM_claim_pages:
		return claim_pages(cmd, arg);
	default:
		return -ENOSYS;
	}
}

long do_memory_op(unsigned long cmd, unsigned long arg)
{
	u64 start = hcstats_start();
	long rc = memory_op(cmd, arg);

	hcstats_end(HCSTATS_MEMOP, (unsigned int)(cmd & MEMOP_CMD_MASK), start);
	return rc;
}
