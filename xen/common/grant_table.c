/*
 * Grant tables v1 and v2: HYPERVISOR_grant_table_op (Xen 4.17 semantics;
 * see grant_table.h for the model).
 *
 * Versions. A table starts at version 1; GNTTABOP_set_version switches it
 * while no entry past the 8 reserved ones is pinned. The frames are
 * cleared on a switch except for those 8 entries, which are carried over
 * (a v2 entry that v1 cannot hold refuses the switch back). Version 2 keeps
 * GTF_reading/GTF_writing in status frames, one 16-bit word per entry,
 * allocated with the switch and freed with the switch back (refused while
 * the domain still maps one). Version 2 entries may grant part of a page
 * (sub-page, copy only) or another domain's grant (transitive, copy only,
 * one level deep).
 *
 * References. Every mapping holds, on the granted frame, one general
 * reference per kind (host, device) and, when writable, one writable type
 * reference per kind, so the frame cannot change type or owner while a
 * grantee maps it. They are dropped when the mapping is unmapped. A host
 * mapping's PTE is written through the PV MMU (pv_mod_l1_entry), which
 * gives the PTE its own references like any other L1 entry: a guest that
 * removes a grant PTE behind the grant interface's back only drops those,
 * and the grant keeps the frame pinned until it is unmapped.
 *
 * Domains are found with domain_lookup() (domain.h); DOMID_SELF is accepted
 * where Xen accepts it (setup_table, query_size, get_version, copy), not
 * by map_grant_ref.
 */
#include "types.h"
#include "errno.h"
#include "lib.h"
#include "console.h"
#include "page.h"
#include "mm.h"
#include "domain.h"
#include "uaccess.h"
#include "hypercall.h"
#include "pv_mm.h"
#include "grant_table.h"
#include "hcstats.h"
#include "public/xen.h"

#define UNMAP_BATCH 16 /* unmaps per TLB flush (Xen: 32; bounded by the stack here) */

/* ------------------------------------------------------------------ */
/* Domains, entries, frames                                            */

static unsigned int entries_per_frame(const struct grant_table *gt)
{
	return gt->version == 2 ? GNTTAB_V2_PER_FRAME : GNTTAB_ENTRIES_PER_FRAME;
}

static unsigned int nr_entries(const struct grant_table *gt)
{
	return gt->nr_frames * entries_per_frame(gt);
}

static grant_entry_v1_t *entry_v1(struct grant_table *gt, grant_ref_t ref)
{
	grant_entry_v1_t *f = gt->shared[ref / GNTTAB_ENTRIES_PER_FRAME];

	return &f[ref % GNTTAB_ENTRIES_PER_FRAME];
}

static grant_entry_v2_t *entry_v2(struct grant_table *gt, grant_ref_t ref)
{
	grant_entry_v2_t *f = gt->shared[ref / GNTTAB_V2_PER_FRAME];

	return &f[ref % GNTTAB_V2_PER_FRAME];
}

/* flags and domid, the same first word in both versions */
static grant_entry_header_t *entry_hdr(struct grant_table *gt, grant_ref_t ref)
{
	if (gt->version == 2)
		return &entry_v2(gt, ref)->hdr;
	return (grant_entry_header_t *)entry_v1(gt, ref);
}

/* Where GTF_reading/GTF_writing of @ref live: the entry (v1) or its status word (v2). */
static grant_status_t *status_word(struct grant_table *gt, grant_ref_t ref)
{
	if (gt->version == 2)
		return &gt->status[ref / GNTTAB_STATUS_PER_FRAME][ref % GNTTAB_STATUS_PER_FRAME];
	return &entry_v1(gt, ref)->flags;
}

/* The frame of a full-page grant (v2: sub_page.frame is the same field). */
static u64 entry_frame(struct grant_table *gt, grant_ref_t ref)
{
	if (gt->version == 2)
		return entry_v2(gt, ref)->full_page.frame;
	return entry_v1(gt, ref)->frame;
}

static struct active_grant *active_entry(struct grant_table *gt, grant_ref_t ref)
{
	return &gt->active[ref / GNTTAB_ENTRIES_PER_FRAME][ref % GNTTAB_ENTRIES_PER_FRAME];
}

static struct page_info *frame_of(mfn_t mfn)
{
	return mfn < max_page ? mfn_to_page(mfn) : NULL;
}

/*
 * The frame a v1 entry (or a copy's own frame) names, with a general
 * reference: an MFN for a PV owner, a GFN looked up in the p2m of a
 * translated one (GNTST_bad_page if nothing is there).
 */
static int get_granted_frame(u64 gfn, struct domain *rd, struct page_info **pg)
{
	struct page_info *p = frame_of(gnttab_gfn_to_mfn(rd, gfn));

	if (!pv_get_page(p, rd))
		return GNTST_bad_page;
	*pg = p;
	return GNTST_okay;
}

/* ------------------------------------------------------------------ */
/* The table itself                                                    */

/* Status frames for @frames v2 frames (the shared ones are there already). */
static int populate_status(struct grant_table *gt, unsigned int frames)
{
	unsigned int want = GNTTAB_STATUS_FRAMES(frames);

	ASSERT_LOCKED(&gt->lock);
	for (unsigned int i = gt->nr_status_frames; i < want; i++) {
		gt->status[i] = gnttab_alloc_shared_frame(gt->domain, &gt->status_mfn[i]);
		if (!gt->status[i])
			return -ENOMEM;
		gt->status_gfn[i] = ~0ull;
		gt->nr_status_frames = i + 1;
	}
	return 0;
}

static int grow_table(struct grant_table *gt, unsigned int frames)
{
	size_t act_bytes = GNTTAB_ENTRIES_PER_FRAME * sizeof(struct active_grant);

	ASSERT_LOCKED(&gt->lock);
	for (unsigned int i = gt->nr_frames; i < frames; i++) {
		if (!gt->active[i])
			gt->active[i] = gnttab_alloc(act_bytes);
		if (!gt->shared[i])
			gt->shared[i] = gnttab_alloc_shared_frame(gt->domain, &gt->shared_mfn[i]);
		if (!gt->active[i] || !gt->shared[i]) {
			printk(XENLOG_WARNING
			       "d%u: no memory to grow the grant table to %u frames\n",
			       gt->domain->domain_id, frames);
			return -ENOMEM;
		}
	}
	if (gt->version == 2 && populate_status(gt, frames)) {
		printk(XENLOG_WARNING "d%u: no memory for grant status frames\n",
		       gt->domain->domain_id);
		return -ENOMEM;
	}
	if (frames > gt->nr_frames)
		gt->nr_frames = frames;
	return 0;
}

int gnttab_shared_frame(struct domain *d, unsigned int idx, mfn_t *mfn)
{
	struct grant_table *gt = d->grant_table;
	int rc = 0;

	if (idx >= gt->max_frames)
		return -EINVAL;
	spin_lock(&gt->lock);
	if (idx >= gt->nr_frames && grow_table(gt, idx + 1))
		rc = -ENOMEM;
	else
		*mfn = gt->shared_mfn[idx];
	spin_unlock(&gt->lock);
	return rc;
}

void gnttab_set_frame_gfn(struct domain *d, unsigned int idx, u64 gfn)
{
	struct grant_table *gt = d->grant_table;

	if (idx >= gt->frames_cap)
		return;
	spin_lock(&gt->lock);
	gt->shared_gfn[idx] = gfn;
	spin_unlock(&gt->lock);
}

/* Status frame @idx of a v2 table, the table grown to reach it; @gt's lock held. */
static int status_frame_locked(struct grant_table *gt, unsigned int idx, mfn_t *mfn)
{
	/* the v2 frames whose entries fill status frames 0..@idx (Xen grows to those) */
	unsigned int frames =
	    ((idx + 1) * GNTTAB_STATUS_PER_FRAME + GNTTAB_V2_PER_FRAME - 1) / GNTTAB_V2_PER_FRAME;

	ASSERT_LOCKED(&gt->lock);
	if (gt->version != 2)
		return -EINVAL;
	if (idx >= gt->nr_status_frames && frames > gt->max_frames)
		return -EINVAL;
	if (idx >= gt->nr_status_frames && grow_table(gt, frames))
		return -ENOMEM;
	*mfn = gt->status_mfn[idx];
	return 0;
}

int gnttab_status_frame(struct domain *d, unsigned int idx, mfn_t *mfn)
{
	struct grant_table *gt = d->grant_table;
	int rc;

	if (idx >= gt->status_cap)
		return -EINVAL;
	spin_lock(&gt->lock);
	rc = status_frame_locked(gt, idx, mfn);
	spin_unlock(&gt->lock);
	return rc;
}

void gnttab_set_status_gfn(struct domain *d, unsigned int idx, u64 gfn)
{
	struct grant_table *gt = d->grant_table;

	if (idx >= gt->status_cap)
		return;
	spin_lock(&gt->lock);
	if (idx < gt->nr_status_frames) /* not given back (a switch to v1) meanwhile */
		gt->status_gfn[idx] = gfn;
	spin_unlock(&gt->lock);
}

/*
 * What setup_table reports for frame @idx: its MFN for a PV domain; for a
 * translated one the GFN it was placed at while it is still there, else
 * all ones (Xen's INVALID_GFN: the frame is in no GFN).
 */
static xen_pfn_t frame_number(struct domain *d, mfn_t mfn, u64 gfn)
{
	if (!gnttab_translated(d))
		return mfn;
	if (gnttab_gfn_to_mfn(d, gfn) == mfn)
		return gfn;
	return ~(xen_pfn_t)0;
}

struct gnttab_options gnttab_opts = {
	.max_frames = GNTTAB_DEFAULT_MAX_FRAMES,
	.max_maptrack_frames = GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES,
	.max_version = GNTTAB_MAX_VERSION,
	.transitive = true,
};

/* Bytes of the per-frame arrays for @gt's caps, each array 8-byte aligned. */
static size_t arrays_bytes(const struct grant_table *gt)
{
	return (size_t)gt->frames_cap *
		   (sizeof(void *) + sizeof(mfn_t) + sizeof(u64) + sizeof(struct active_grant *)) +
	       (size_t)gt->status_cap * (sizeof(void *) + sizeof(mfn_t) + sizeof(u64)) +
	       (size_t)gt->maptrack_cap * sizeof(struct grant_mapping *);
}

static void *carve(u8 **at, size_t n, size_t size)
{
	void *p = *at;

	*at += n * size;
	return p;
}

/* The arrays for the host's limits, carved from one zeroed allocation. */
static int alloc_arrays(struct grant_table *gt)
{
	u8 *at;

	_Static_assert(sizeof(mfn_t) == 8 && sizeof(void *) == 8, "8-byte array elements");
	gt->frames_cap = gnttab_opts.max_frames;
	gt->status_cap = GNTTAB_STATUS_FRAMES((u64)gt->frames_cap);
	gt->maptrack_cap = gnttab_opts.max_maptrack_frames;
	gt->arrays_bytes = arrays_bytes(gt);
	at = gnttab_alloc(gt->arrays_bytes);
	if (!at)
		return -ENOMEM;
	gt->shared = carve(&at, gt->frames_cap, sizeof(*gt->shared));
	gt->shared_mfn = carve(&at, gt->frames_cap, sizeof(*gt->shared_mfn));
	gt->shared_gfn = carve(&at, gt->frames_cap, sizeof(*gt->shared_gfn));
	gt->active = carve(&at, gt->frames_cap, sizeof(*gt->active));
	gt->status = carve(&at, gt->status_cap, sizeof(*gt->status));
	gt->status_mfn = carve(&at, gt->status_cap, sizeof(*gt->status_mfn));
	gt->status_gfn = carve(&at, gt->status_cap, sizeof(*gt->status_gfn));
	gt->maptrack = carve(&at, gt->maptrack_cap, sizeof(*gt->maptrack));
	return 0;
}

int grant_table_init(struct domain *d)
{
	struct grant_table *gt = gnttab_alloc(sizeof(*gt));
	int rc;

	if (!gt)
		return -ENOMEM;
	spin_lock_init(&gt->lock);
	spin_lock_init(&gt->maptrack_lock);
	gt->domain = d;
	gt->version = 1;
	gt->max_version = gnttab_opts.max_version;
	gt->max_frames = gnttab_opts.max_frames;
	gt->max_maptrack_frames = gnttab_opts.max_maptrack_frames;
	gt->maptrack_free = MAPTRACK_NONE;
	gt->maptrack_tail = MAPTRACK_NONE;
	d->grant_table = gt;
	rc = alloc_arrays(gt);
	if (rc)
		return rc;
	spin_lock(&gt->lock);
	rc = grow_table(gt, GNTTAB_INITIAL_FRAMES);
	spin_unlock(&gt->lock);
	return rc;
}

int gnttab_check_limits(s32 max_frames, s32 max_maptrack_frames, unsigned int max_version)
{
	if (!max_version || max_version > gnttab_opts.max_version)
		return -EINVAL;
	if (max_frames >= 0 &&
	    (max_frames < GNTTAB_INITIAL_FRAMES || (u32)max_frames > gnttab_opts.max_frames))
		return -EINVAL;
	if (max_maptrack_frames >= 0 && (u32)max_maptrack_frames > gnttab_opts.max_maptrack_frames)
		return -EINVAL;
	return 0;
}

void gnttab_set_limits(struct domain *d, s32 max_frames, s32 max_maptrack_frames,
		       unsigned int max_version)
{
	struct grant_table *gt = d->grant_table;

	spin_lock(&gt->lock);
	gt->max_version = max_version;
	gt->max_frames = max_frames < 0 ? gnttab_opts.max_frames : (u32)max_frames;
	spin_unlock(&gt->lock);
	spin_lock(&gt->maptrack_lock);
	gt->max_maptrack_frames =
	    max_maptrack_frames < 0 ? gnttab_opts.max_maptrack_frames : (u32)max_maptrack_frames;
	spin_unlock(&gt->maptrack_lock);
}

/* ------------------------------------------------------------------ */
/* Maptrack handles: a FIFO free list, so a stale handle is not soon reused */

static struct grant_mapping *maptrack_entry(struct grant_table *gt, u32 handle)
{
	return &gt->maptrack[handle / MAPTRACK_PER_FRAME][handle % MAPTRACK_PER_FRAME];
}

static u32 maptrack_limit(const struct grant_table *gt)
{
	return gt->maptrack_frames * MAPTRACK_PER_FRAME;
}

/*
 * A new maptrack frame: its first handle is returned and the others go to
 * the head of the free list (Xen's order, so handles are numbered alike).
 */
static u32 maptrack_grow(struct grant_table *gt)
{
	struct grant_mapping *mt;
	u32 base = maptrack_limit(gt);

	if (gt->maptrack_frames >= gt->max_maptrack_frames ||
	    gt->maptrack_frames >= gt->maptrack_cap)
		return MAPTRACK_NONE;
	mt = gnttab_alloc(MAPTRACK_PER_FRAME * sizeof(*mt));
	if (!mt)
		return MAPTRACK_NONE;
	for (u32 i = 1; i < MAPTRACK_PER_FRAME; i++)
		mt[i].next = i + 1 < MAPTRACK_PER_FRAME ? base + i + 1 : gt->maptrack_free;
	mt[0].next = MAPTRACK_NONE;
	if (gt->maptrack_free == MAPTRACK_NONE)
		gt->maptrack_tail = base + MAPTRACK_PER_FRAME - 1;
	gt->maptrack_free = base + 1;
	gt->maptrack[gt->maptrack_frames++] = mt;
	return base;
}

/*
 * A free handle, taken off the list (its entry's flags stay 0 until it is
 * filled in). As in Xen, the list's last entry stays on it (Xen keeps it
 * as each vCPU's tail): a domain maps at most 256 * max_maptrack_frames - 1
 * grants at once, none with 0 maptrack frames (GNTST_no_space).
 */
static u32 get_maptrack_handle(struct grant_table *gt)
{
	struct grant_mapping *e;
	u32 h;

	spin_lock(&gt->maptrack_lock);
	if (maptrack_limit(gt) - gt->maptrack_used < 2) {
		h = maptrack_grow(gt);
	} else {
		h = gt->maptrack_free;
		e = maptrack_entry(gt, h);
		gt->maptrack_free = e->next;
		e->next = MAPTRACK_NONE;
	}
	if (h != MAPTRACK_NONE)
		gt->maptrack_used++;
	spin_unlock(&gt->maptrack_lock);
	return h;
}

/*
 * Free handle @h (maptrack lock held). The granter it held comes back, for
 * the caller to put_domain() once it has let its grant locks go (a last
 * put takes domlist_lock, which comes before them).
 */
static struct domain *put_maptrack_handle(struct grant_table *gt, u32 h)
{
	struct grant_mapping *e = maptrack_entry(gt, h);
	struct domain *rd = e->rd;

	ASSERT_LOCKED(&gt->maptrack_lock);
	e->rd = NULL;
	e->flags = 0;
	e->next = MAPTRACK_NONE;
	if (gt->maptrack_tail == MAPTRACK_NONE)
		gt->maptrack_free = h;
	else
		maptrack_entry(gt, gt->maptrack_tail)->next = h;
	gt->maptrack_tail = h;
	gt->maptrack_used--;
	return rd;
}

static void free_maptrack_handle(struct grant_table *gt, u32 h)
{
	spin_lock(&gt->maptrack_lock);
	put_maptrack_handle(gt, h); /* not filled in: it holds no granter */
	spin_unlock(&gt->maptrack_lock);
}

/* ------------------------------------------------------------------ */
/* The in-use bits in the granter's entry                              */

/*
 * Set GTF_reading (and GTF_writing) in a v1 entry the guest may be
 * rewriting: flags and domid are read and updated as one 32-bit word, and
 * a word that keeps changing under us fails after five tries, as in Xen.
 * An entry not yet pinned must be GTF_permit_access (no sub-page bit when
 * mapping) for @ldomid; a writable use needs it not GTF_readonly.
 */
static int set_status_v1(grant_entry_v1_t *sha, const struct active_grant *act, bool ro,
			 bool mapping, domid_t ldomid)
{
	u32 *raw = (u32 *)sha;
	u16 mask = GTF_type_mask | (mapping ? GTF_sub_page : 0);
	u32 old = __atomic_load_n(raw, __ATOMIC_SEQ_CST);

	_Static_assert(offsetof(grant_entry_v1_t, flags) == 0, "flags first");
	for (unsigned int tries = 0;; tries++) {
		u16 flags = (u16)old, domid = (u16)(old >> 16);
		u32 new;

		if (!act->pin && ((flags & mask) != GTF_permit_access || domid != ldomid))
			return GNTST_general_error;
		flags |= GTF_reading;
		if (!ro) {
			if (flags & GTF_readonly)
				return GNTST_general_error;
			flags |= GTF_writing;
		}
		new = (old & 0xffff0000u) | flags;
		if (__atomic_compare_exchange_n(raw, &old, new, false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			return GNTST_okay;
		if (tries == 4)
			return GNTST_general_error;
	}
}

static void clear_status(grant_status_t *st, u16 bits)
{
	if (bits)
		__atomic_and_fetch(st, (u16)~bits, __ATOMIC_SEQ_CST);
}

/* A v2 header a new pin may use: permit_access (or transitive, for a copy) for @ldomid. */
static bool usable_v2(u32 word, bool mapping, domid_t ldomid, bool ro)
{
	u16 flags = (u16)word;
	u16 type = flags & (GTF_type_mask | (mapping ? GTF_sub_page : 0));

	if (type != GTF_permit_access && (mapping || type != GTF_transitive))
		return false;
	return (domid_t)(word >> 16) == ldomid && (ro || !(flags & GTF_readonly));
}

/*
 * The v2 rule: check the header, set the bits in the separate status word,
 * then read the header again and take the bits back if the guest changed
 * it meanwhile (the status word is the guest's to read, not to write).
 */
static int set_status_v2(grant_entry_header_t *hdr, grant_status_t *st,
			 const struct active_grant *act, bool ro, bool mapping, domid_t ldomid)
{
	u32 *raw = (u32 *)hdr;
	u32 word = __atomic_load_n(raw, __ATOMIC_SEQ_CST);

	if (!act->pin && !usable_v2(word, mapping, ldomid, true))
		return GNTST_general_error;
	if (!ro && ((u16)word & GTF_readonly))
		return GNTST_general_error;
	__atomic_or_fetch(st, ro ? GTF_reading : GTF_reading | GTF_writing, __ATOMIC_SEQ_CST);
	word = __atomic_load_n(raw, __ATOMIC_SEQ_CST);
	if (!act->pin && !usable_v2(word, mapping, ldomid, ro)) {
		clear_status(st, GTF_reading | GTF_writing);
		return GNTST_general_error;
	}
	if (act->pin && ((u16)word & GTF_readonly)) {
		clear_status(st, GTF_writing);
		return GNTST_general_error;
	}
	return GNTST_okay;
}

static int set_status(struct grant_table *gt, grant_ref_t ref, const struct active_grant *act,
		      bool ro, bool mapping, domid_t ldomid)
{
	if (gt->version == 2)
		return set_status_v2(entry_hdr(gt, ref), status_word(gt, ref), act, ro, mapping,
				     ldomid);
	return set_status_v1(entry_v1(gt, ref), act, ro, mapping, ldomid);
}

/* After a use of entry @ref ends: drop the bits no remaining pin needs. */
static void release_status(struct grant_table *gt, grant_ref_t ref, bool ro)
{
	const struct active_grant *act = active_entry(gt, ref);
	u16 bits = 0;

	ASSERT_LOCKED(&gt->lock);
	if (!ro && !(act->pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask)))
		bits |= GTF_writing;
	if (!act->pin)
		bits |= GTF_reading;
	clear_status(status_word(gt, ref), bits);
}

static u32 pin_inc(u32 flags)
{
	bool ro = flags & GNTMAP_readonly;
	u32 inc = 0;

	if (flags & GNTMAP_device_map)
		inc += ro ? GNTPIN_devr_inc : GNTPIN_devw_inc;
	if (flags & GNTMAP_host_map)
		inc += ro ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
	return inc;
}

/*
 * Pin entry @ref of @rgt for a use by @ldomid: check and mark the shared
 * entry if this use needs more than the pins already there, and resolve
 * the frame on the first pin (with a general reference in *@pg then).
 */
static int pin_entry(struct grant_table *rgt, grant_ref_t ref, domid_t ldomid, bool ro,
		     struct page_info **pg)
{
	struct active_grant *act = active_entry(rgt, ref);
	int rc;

	ASSERT_LOCKED(&rgt->lock);
	*pg = NULL;
	if (act->pin && (act->domid != ldomid || (act->pin & GNTPIN_overflow) || act->sub_page))
		return GNTST_general_error;
	if (act->pin && (ro || (act->pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask))))
		return GNTST_okay;
	rc = set_status(rgt, ref, act, ro, true, ldomid);
	if (rc != GNTST_okay)
		return rc;
	if (act->pin)
		return GNTST_okay;
	rc = get_granted_frame(entry_frame(rgt, ref), rgt->domain, pg);
	if (rc != GNTST_okay) {
		release_status(rgt, ref, ro);
		return rc;
	}
	*act =
	    (struct active_grant){ .domid = ldomid, .mfn = page_to_mfn(*pg), .length = PAGE_SIZE };
	return GNTST_okay;
}

/* ------------------------------------------------------------------ */
/* map_grant_ref                                                       */

/* Take the references a new mapping holds on @pg (see the top). */
static int get_map_refs(struct page_info *pg, struct domain *rd, u32 flags, bool have_ref,
			unsigned int *refs, unsigned int *types)
{
	bool ro = flags & GNTMAP_readonly;
	unsigned int need =
	    ((flags & GNTMAP_device_map) ? 1 : 0) + ((flags & GNTMAP_host_map) ? 1 : 0);

	*refs = have_ref ? 1 : 0;
	*types = 0;
	while (*refs < need) {
		if (!pv_get_page(pg, rd))
			return GNTST_general_error;
		(*refs)++;
	}
	while (!ro && *types < need) {
		if (pv_get_page_type(pg, PGT_writable_page))
			return GNTST_general_error;
		(*types)++;
	}
	return GNTST_okay;
}

static void put_refs(struct page_info *pg, unsigned int refs, unsigned int types)
{
	while (types--)
		pv_put_page_type(pg);
	while (refs--)
		pv_put_page(pg);
}

/* Fill in handle @h of the mapper's table for a mapping of @op->ref of @rd. */
static void record_mapping(struct grant_table *lgt, u32 h, const struct gnttab_map_grant_ref *op,
			   struct domain *rd)
{
	struct grant_mapping *mt = maptrack_entry(lgt, h);

	get_domain(rd);
	spin_lock(&lgt->maptrack_lock);
	mt->domid = op->dom;
	mt->rd = rd;
	mt->ref = op->ref;
	mt->flags = (u16)op->flags;
	spin_unlock(&lgt->maptrack_lock);
}

/* Pin @op->ref of @rd, take the frame's references and install the mapping; @rgt's lock held. */
static int map_locked(struct gnttab_map_grant_ref *op, struct domain *rd, struct grant_table *rgt)
{
	struct active_grant *act;
	struct page_info *pg;
	unsigned int refs = 0, types = 0;
	bool ro = op->flags & GNTMAP_readonly, first;
	int rc;

	if (op->ref >= nr_entries(rgt))
		return GNTST_bad_gntref;
	act = active_entry(rgt, op->ref);
	rc = pin_entry(rgt, op->ref, current->domain->domain_id, ro, &pg);
	if (rc != GNTST_okay)
		return rc;
	first = pg != NULL;
	act->pin += pin_inc(op->flags);
	if (!pg)
		pg = frame_of(act->mfn);
	rc = get_map_refs(pg, rd, op->flags, first, &refs, &types);
	if (rc == GNTST_okay && (op->flags & GNTMAP_host_map))
		rc = gnttab_create_host_mapping(op->host_addr, act->mfn, op->flags, rd);
	if (rc != GNTST_okay) {
		if (pg)
			put_refs(pg, refs, types);
		act->pin -= pin_inc(op->flags);
		release_status(rgt, op->ref, ro);
		return rc;
	}
	op->dev_bus_addr = (u64)act->mfn << PAGE_SHIFT;
	return GNTST_okay;
}

static void map_grant_ref(struct gnttab_map_grant_ref *op)
{
	struct grant_table *lgt = current->domain->grant_table, *rgt;
	struct domain *rd;
	u32 handle;
	int rc;

	if (!(op->flags & (GNTMAP_device_map | GNTMAP_host_map))) {
		op->status = GNTST_bad_gntref;
		return;
	}
	rd = domain_by_id(op->dom);
	if (!rd) {
		op->status = GNTST_bad_domain;
		return;
	}
	handle = get_maptrack_handle(lgt);
	if (handle == MAPTRACK_NONE) {
		op->status = GNTST_no_space;
		return;
	}
	rgt = rd->grant_table;
	spin_lock(&rgt->lock);
	rc = map_locked(op, rd, rgt);
	if (rc == GNTST_okay)
		record_mapping(lgt, handle, op, rd);
	spin_unlock(&rgt->lock);
	if (rc != GNTST_okay) {
		free_maptrack_handle(lgt, handle);
		op->status = (s16)rc;
		return;
	}
	op->handle = handle;
	op->status = GNTST_okay;
}

/* ------------------------------------------------------------------ */
/* Teardown                                                            */

/*
 * A dying domain lets go of every grant it still has mapped: the granter's
 * pins, status bits and frame references go as on an unmap. The PTEs
 * themselves are in the dying domain's own page tables, whose teardown
 * drops their references.
 */
/* Undo @map's pins and references on the granter's entry; @rgt's lock held. */
static void release_mapping(struct grant_table *rgt, const struct grant_mapping *map)
{
	struct active_grant *act;
	unsigned int kinds;
	bool ro = map->flags & GNTMAP_readonly;

	if (map->ref >= nr_entries(rgt))
		return;
	act = active_entry(rgt, map->ref);
	kinds = !!(map->flags & GNTMAP_host_map) + !!(map->flags & GNTMAP_device_map);
	put_refs(frame_of(act->mfn), kinds, ro ? 0 : kinds);
	act->pin -= pin_inc(map->flags);
	release_status(rgt, map->ref, ro);
}

/* The granter of handle @h, with a reference, if it is a live mapping (NULL if not). */
static struct domain *mapping_granter(struct grant_table *gt, u32 h)
{
	struct grant_mapping *map;
	struct domain *rd = NULL;

	spin_lock(&gt->maptrack_lock);
	if (h < maptrack_limit(gt)) {
		map = maptrack_entry(gt, h);
		if (map->flags & (GNTMAP_host_map | GNTMAP_device_map))
			rd = map->rd;
	}
	if (rd)
		get_domain(rd);
	spin_unlock(&gt->maptrack_lock);
	return rd;
}

void grant_table_release_mappings(struct domain *d)
{
	struct grant_table *gt = d->grant_table;

	if (!gt)
		return;
	/* Only the maptrack frames made so far, and only while a handle is in use. */
	for (u32 h = 0; h < maptrack_limit(gt) && gt->maptrack_used; h++) {
		struct domain *rd = mapping_granter(gt, h), *held = rd;
		struct grant_table *rgt = rd ? rd->grant_table : NULL;
		struct grant_mapping *map = maptrack_entry(gt, h);

		if (!rd)
			continue;
		if (rgt)
			spin_lock(&rgt->lock);
		spin_lock(&gt->maptrack_lock);
		if (map->rd == rd && (map->flags & (GNTMAP_host_map | GNTMAP_device_map))) {
			if (rgt)
				release_mapping(rgt, map);
			rd = put_maptrack_handle(gt, h);
		} else {
			rd = NULL; /* unmapped meanwhile */
		}
		spin_unlock(&gt->maptrack_lock);
		if (rgt)
			spin_unlock(&rgt->lock);
		if (rd)
			put_domain(rd);
		put_domain(held);
	}
}

/* ------------------------------------------------------------------ */
/* The 'g' debug key                                                   */

static unsigned int dump_active(struct grant_table *gt)
{
	unsigned int n = 0;

	for (grant_ref_t ref = 0; ref < nr_entries(gt); ref++) {
		const struct active_grant *act = active_entry(gt, ref);

		if (!act->pin)
			continue;
		printk("[0x%03x]  %5u 0x%lx 0x%08x      %5u 0x%06lx 0x%02x\n", ref, act->domid,
		       (unsigned long)act->mfn, act->pin, entry_hdr(gt, ref)->domid,
		       (unsigned long)entry_frame(gt, ref), *status_word(gt, ref));
		n++;
	}
	return n;
}

void gnttab_dump(struct domain *d)
{
	struct grant_table *gt = d->grant_table;
	unsigned int used;

	if (!gt)
		return;
	printk("      -------- active --------       -------- shared --------\n");
	printk("[ref] localdom mfn      pin          localdom gmfn     flags\n");
	spin_lock(&gt->lock);
	printk("grant-table for remote d%u (v%u)\n", d->domain_id, gt->version);
	printk("  %u frames (%u max), %u maptrack frames (%u max)\n", gt->nr_frames, gt->max_frames,
	       gt->maptrack_frames, gt->max_maptrack_frames);
	if (!dump_active(gt))
		printk("no active grant table entries\n");
	spin_unlock(&gt->lock);
	spin_lock(&gt->maptrack_lock);
	used = gt->maptrack_used;
	spin_unlock(&gt->maptrack_lock);
	printk("  %u maptrack handles in use\n", used);
}

/* Free the table: its shared frames, active entries and maptrack. */
void grant_table_destroy(struct domain *d)
{
	struct grant_table *gt = d->grant_table;
	size_t act_bytes = GNTTAB_ENTRIES_PER_FRAME * sizeof(struct active_grant);

	if (!gt)
		return;
	for (unsigned int i = 0; gt->shared && i < gt->frames_cap; i++) {
		if (gt->shared[i])
			gnttab_free_shared_frame(gt->shared[i], gt->shared_mfn[i]);
		if (gt->active[i])
			gnttab_free(gt->active[i], act_bytes);
	}
	for (unsigned int i = 0; gt->status && i < gt->status_cap; i++)
		if (gt->status[i])
			gnttab_free_shared_frame(gt->status[i], gt->status_mfn[i]);
	for (unsigned int i = 0; i < gt->maptrack_frames; i++)
		gnttab_free(gt->maptrack[i], MAPTRACK_PER_FRAME * sizeof(struct grant_mapping));
	if (gt->shared)
		gnttab_free(gt->shared, gt->arrays_bytes);
	gnttab_free(gt, sizeof(*gt));
	d->grant_table = NULL;
}

/* ------------------------------------------------------------------ */
/* unmap_grant_ref, unmap_and_replace                                  */

/* One unmap: the PTE goes now, the references after the batch's flush. */
struct unmap_op {
	u64 host_addr, new_addr, dev_bus_addr;
	u32 handle;
	s16 status;
	/* for completion */
	struct domain *rd;
	grant_ref_t ref;
	mfn_t mfn;
	u32 done; /* GNTMAP_host_map / device_map undone, plus GNTMAP_readonly */
};

/*
 * Take mapping @map (handle @op->handle of the caller's @lgt) apart as @op
 * asks; @rgt's lock and @lgt's maptrack lock held. Returns the granter to
 * put when the handle was freed.
 */
static struct domain *unmap_locked(struct unmap_op *op, struct grant_table *lgt,
				   struct grant_table *rgt, struct grant_mapping *map)
{
	u32 flags = map->flags;
	int rc;

	ASSERT_LOCKED(&rgt->lock);
	ASSERT_LOCKED(&lgt->maptrack_lock);
	op->ref = map->ref;
	if (op->ref >= nr_entries(rgt))
		return NULL;
	op->mfn = active_entry(rgt, op->ref)->mfn;
	/* Xen 4.17: a device mapping's bus address must match (checked only then). */
	if (op->dev_bus_addr && (flags & GNTMAP_device_map) &&
	    op->dev_bus_addr != ((u64)op->mfn << PAGE_SHIFT)) {
		op->status = GNTST_bad_dev_addr;
		return NULL;
	}
	if (op->host_addr && (flags & GNTMAP_host_map)) {
		rc = gnttab_replace_host_mapping(op->host_addr, op->mfn, op->new_addr, flags);
		if (rc != GNTST_okay) {
			op->status = (s16)rc;
			return NULL;
		}
		map->flags &= ~GNTMAP_host_map;
		op->done |= GNTMAP_host_map | (flags & GNTMAP_readonly);
	}
	if (op->dev_bus_addr && (flags & GNTMAP_device_map)) {
		map->flags &= ~GNTMAP_device_map;
		op->done |= GNTMAP_device_map | (flags & GNTMAP_readonly);
	}
	op->status = GNTST_okay;
	if (!(map->flags & (GNTMAP_device_map | GNTMAP_host_map)))
		return put_maptrack_handle(lgt, op->handle);
	return NULL;
}

/*
 * The first half of an unmap: the PTE and the handle. The granter stays
 * referenced (op->rd) until unmap_complete() has dropped the pins.
 */
static void unmap_common(struct unmap_op *op)
{
	struct grant_table *lgt = current->domain->grant_table, *rgt;
	struct grant_mapping *map;
	struct domain *put = NULL;

	op->done = 0;
	op->status = GNTST_bad_handle;
	/* The granter itself, also once dead (its table lives as long as it does). */
	op->rd = mapping_granter(lgt, op->handle);
	if (!op->rd)
		return;
	rgt = op->rd->grant_table;
	map = maptrack_entry(lgt, op->handle);
	spin_lock(&rgt->lock);
	spin_lock(&lgt->maptrack_lock);
	if (map->rd == op->rd && (map->flags & (GNTMAP_device_map | GNTMAP_host_map)))
		put = unmap_locked(op, lgt, rgt, map);
	spin_unlock(&lgt->maptrack_lock);
	spin_unlock(&rgt->lock);
	if (put)
		put_domain(put);
}

static void unmap_complete(const struct unmap_op *op)
{
	struct grant_table *rgt;
	struct active_grant *act;
	bool ro = op->done & GNTMAP_readonly;
	unsigned int kinds = 0;

	if (!op->rd)
		return;
	if (op->done) {
		rgt = op->rd->grant_table;
		if (op->done & GNTMAP_device_map)
			kinds++;
		if (op->done & GNTMAP_host_map)
			kinds++;
		spin_lock(&rgt->lock);
		act = active_entry(rgt, op->ref);
		put_refs(frame_of(op->mfn), kinds, ro ? 0 : kinds);
		act->pin -= pin_inc(op->done);
		release_status(rgt, op->ref, ro);
		spin_unlock(&rgt->lock);
	}
	put_domain(op->rd);
}

/* Read unmap @i of a batch into @op (both argument layouts). */
static int read_unmap(bool replace, unsigned long uop, unsigned int i, struct unmap_op *op)
{
	if (replace) {
		struct gnttab_unmap_and_replace r;

		if (copy_from_guest(&r, uop + (u64)i * sizeof(r), sizeof(r)))
			return -EFAULT;
		*op = (struct unmap_op){ .host_addr = r.host_addr,
					 .new_addr = r.new_addr,
					 .handle = r.handle };
	} else {
		struct gnttab_unmap_grant_ref u;

		if (copy_from_guest(&u, uop + (u64)i * sizeof(u), sizeof(u)))
			return -EFAULT;
		*op = (struct unmap_op){ .host_addr = u.host_addr,
					 .dev_bus_addr = u.dev_bus_addr,
					 .handle = u.handle };
	}
	return 0;
}

static int write_unmap_status(bool replace, unsigned long uop, unsigned int i, s16 status)
{
	u64 at = replace ? uop + (u64)i * sizeof(struct gnttab_unmap_and_replace) +
			       offsetof(struct gnttab_unmap_and_replace, status)
			 : uop + (u64)i * sizeof(struct gnttab_unmap_grant_ref) +
			       offsetof(struct gnttab_unmap_grant_ref, status);

	return copy_to_guest(at, &status, sizeof(status)) ? -EFAULT : 0;
}

/* Returns 0, -EFAULT, or the number done when preempted. */
static long gnttab_unmap(bool replace, unsigned long uop, unsigned int count)
{
	struct unmap_op ops[UNMAP_BATCH];
	unsigned int done = 0;
	long rc = 0;

	while (done < count && !rc) {
		unsigned int n = count - done < UNMAP_BATCH ? count - done : UNMAP_BATCH, i;

		for (i = 0; i < n; i++) {
			rc = read_unmap(replace, uop, done + i, &ops[i]);
			if (rc)
				break;
			unmap_common(&ops[i]);
			rc = write_unmap_status(replace, uop, done + i, ops[i].status);
			if (rc) {
				i++;
				break;
			}
		}
		gnttab_flush_tlb();
		for (unsigned int j = 0; j < i; j++)
			unmap_complete(&ops[j]);
		done += i;
		if (!rc && done < count && hypercall_preempt_check())
			return done;
	}
	return rc;
}

/* ------------------------------------------------------------------ */
/* copy                                                                */

/* What a copy's grant resolved to: the frame (with a reference) and the bytes granted. */
struct copy_grant {
	struct page_info *pg;
	u16 off, len;
	bool sub_page;
};

static u32 copy_pin(bool ro)
{
	return ro ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
}

/* A new pin (or a read-only one becoming writable) marks the entry in use. */
static bool needs_status(u32 pin, bool ro)
{
	return !pin || (!ro && !(pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask)));
}

/* The frame and byte range of an entry not yet pinned (v2 sub-page or whole page). */
static int resolve_for_copy(struct grant_table *gt, grant_ref_t ref, struct copy_grant *cg)
{
	grant_entry_v2_t *e2 = gt->version == 2 ? entry_v2(gt, ref) : NULL;
	int rc = get_granted_frame(entry_frame(gt, ref), gt->domain, &cg->pg);

	_Static_assert(offsetof(grant_entry_v2_t, sub_page.frame) ==
			   offsetof(grant_entry_v2_t, full_page.frame),
		       "one frame field");
	if (rc != GNTST_okay)
		return rc;
	cg->sub_page = e2 && (e2->hdr.flags & GTF_sub_page);
	cg->off = cg->sub_page ? e2->sub_page.page_off : 0;
	cg->len = cg->sub_page ? e2->sub_page.length : PAGE_SIZE;
	return GNTST_okay;
}

/*
 * Undo one copy's pin of @ref (@gt's lock held). The referent domain of a
 * transitive entry comes back, for the caller to release once the lock is
 * gone (its grant is in another table).
 */
static struct domain *unpin_copy(struct grant_table *gt, grant_ref_t ref, bool ro,
				 grant_ref_t *tref)
{
	struct active_grant *act = active_entry(gt, ref);
	struct domain *td = act->trans_dom;

	ASSERT_LOCKED(&gt->lock);
	*tref = act->trans_gref;
	act->pin -= copy_pin(ro);
	release_status(gt, ref, ro);
	if (!act->pin)
		act->trans_dom = NULL;
	return td;
}

/* Undo acquire_copy_grant(): the pin, the in-use bits, and a transitive grant's referent. */
static void release_copy_grant(struct domain *rd, grant_ref_t ref, bool ro)
{
	struct grant_table *gt = rd->grant_table;
	struct domain *td;
	grant_ref_t tref;

	spin_lock(&gt->lock);
	td = unpin_copy(gt, ref, ro, &tref);
	spin_unlock(&gt->lock);
	if (td) {
		release_copy_grant(td, tref, ro);
		put_domain(td);
	}
}

static int acquire_copy_grant(struct domain *rd, grant_ref_t ref, domid_t ldom, bool ro,
			      bool allow_trans, struct copy_grant *cg);

/* A transitive entry's referent, read once (the guest may rewrite it). */
struct trans_ref {
	domid_t domid;
	grant_ref_t ref;
};

static struct trans_ref read_trans_ref(struct grant_table *gt, grant_ref_t ref)
{
	grant_entry_v2_t *e = entry_v2(gt, ref);

	return (struct trans_ref){ .domid = __atomic_load_n(&e->transitive.trans_domid,
							    __ATOMIC_SEQ_CST),
				   .ref = __atomic_load_n(&e->transitive.gref, __ATOMIC_SEQ_CST) };
}

static bool is_transitive(struct grant_table *gt, grant_ref_t ref)
{
	return gt->version == 2 && (entry_hdr(gt, ref)->flags & GTF_type_mask) == GTF_transitive;
}

/*
 * A copy through a transitive entry whose active record changed while its
 * referent was acquired (another pin taken or let go meanwhile, or a pin
 * naming another grant): the copy is undone and the batch restarted at it,
 * as Xen's ERESTART. A GNTST_* code is never positive.
 */
#define COPY_RESTART 1

/*
 * Pin transitive entry @ref for @ldom after its referent was acquired into
 * @cg with @gt's lock let go (@gt's lock held again now). As Xen, the entry
 * itself is not read again: the referent read before (@want) is the one
 * used, even if the guest has since rewritten it. What is checked is the
 * active record: the same pins as before (@old_pin), and a pin's grant
 * and bytes the ones acquired; else COPY_RESTART.
 */
static int pin_transitive(struct grant_table *gt, grant_ref_t ref, domid_t ldom, bool ro,
			  struct domain *td, struct trans_ref want, u32 old_pin,
			  const struct copy_grant *cg)
{
	struct active_grant *act = active_entry(gt, ref);

	ASSERT_LOCKED(&gt->lock);
	if (gt->version != 2 || act->pin != old_pin ||
	    (old_pin && (act->domid != ldom || act->trans_dom != td ||
			 act->trans_gref != want.ref || act->mfn != page_to_mfn(cg->pg) ||
			 act->start != cg->off || act->length != cg->len || !act->sub_page)))
		return COPY_RESTART;
	if (!old_pin)
		*act = (struct active_grant){ .domid = ldom,
					      .start = cg->off,
					      .length = cg->len,
					      .sub_page = true, /* never mapped */
					      .trans_gref = want.ref,
					      .mfn = page_to_mfn(cg->pg),
					      .trans_dom = td };
	get_domain(td);
	act->pin += copy_pin(ro);
	return GNTST_okay;
}

/*
 * A transitive entry, its in-use bits set: the grant it names in
 * trans_domid's table is acquired as if @rd itself were copying (one level
 * only; never @rd itself), then the entry is pinned. No two tables' locks
 * are held at once: @rd's is let go while the referent's is taken, and
 * pin_transitive() checks what may have changed meanwhile. Each copy holds
 * the referent domain. On failure the entry's bits go back to its pins.
 */
static int acquire_transitive(struct domain *rd, grant_ref_t ref, domid_t ldom, bool ro,
			      struct trans_ref want, u32 old_pin, struct copy_grant *cg)
{
	struct grant_table *gt = rd->grant_table;
	struct domain *td = want.domid != rd->domain_id ? domain_by_id(want.domid) : NULL;
	int rc;

	rc = td ? acquire_copy_grant(td, want.ref, rd->domain_id, ro, false, cg)
		: GNTST_general_error;
	spin_lock(&gt->lock);
	if (rc == GNTST_okay)
		rc = pin_transitive(gt, ref, ldom, ro, td, want, old_pin, cg);
	if (rc != GNTST_okay)
		release_status(gt, ref, ro);
	spin_unlock(&gt->lock);
	if (rc == COPY_RESTART) {
		release_copy_grant(td, want.ref, ro);
		pv_put_page(cg->pg);
		cg->pg = NULL;
	}
	return rc;
}

/* Pin a non-transitive entry @ref for one copy by @ldom; @gt's lock held. */
static int pin_for_copy(struct domain *rd, struct grant_table *gt, grant_ref_t ref, domid_t ldom,
			bool ro, struct copy_grant *cg)
{
	struct active_grant *act = active_entry(gt, ref);
	int rc;

	ASSERT_LOCKED(&gt->lock);
	if (needs_status(act->pin, ro)) {
		rc = set_status(gt, ref, act, ro, false, ldom);
		if (rc != GNTST_okay)
			return rc;
	}
	if (!act->pin) {
		rc = resolve_for_copy(gt, ref, cg);
		if (rc != GNTST_okay) {
			release_status(gt, ref, ro);
			return rc;
		}
		*act = (struct active_grant){ .domid = ldom,
					      .start = cg->off,
					      .length = cg->len,
					      .sub_page = cg->sub_page,
					      .mfn = page_to_mfn(cg->pg) };
	} else {
		/* pinned: the frame it resolved to, still @rd's (a transitive pin's is not) */
		cg->pg = frame_of(act->mfn);
		if (!pv_get_page(cg->pg, rd)) {
			cg->pg = NULL;
			release_status(gt, ref, ro);
			return GNTST_bad_domain;
		}
		cg->off = act->start;
		cg->len = act->length;
	}
	act->pin += copy_pin(ro);
	return GNTST_okay;
}

/*
 * Pin entry @ref of @rd for one copy by @ldom (as a host pin), with a
 * reference on the frame in @cg and the bytes the grant covers. A
 * transitive entry (if @allow_trans) is read under @rd's lock and pinned
 * by acquire_transitive() once that lock is let go.
 */
static int acquire_copy_grant(struct domain *rd, grant_ref_t ref, domid_t ldom, bool ro,
			      bool allow_trans, struct copy_grant *cg)
{
	struct grant_table *gt = rd->grant_table;
	struct active_grant *act;
	struct trans_ref want;
	bool trans = false;
	u32 old_pin = 0;
	int rc = GNTST_general_error;

	spin_lock(&gt->lock);
	if (ref >= nr_entries(gt)) {
		rc = GNTST_bad_gntref;
		goto out;
	}
	act = active_entry(gt, ref);
	if (act->pin && (act->domid != ldom || (act->pin & GNTPIN_overflow)))
		goto out;
	if (!is_transitive(gt, ref)) {
		rc = pin_for_copy(rd, gt, ref, ldom, ro, cg);
		goto out;
	}
	old_pin = act->pin;
	if (needs_status(old_pin, ro)) {
		rc = set_status(gt, ref, act, ro, false, ldom);
		if (rc != GNTST_okay)
			goto out;
	}
	if (!allow_trans) {
		release_status(gt, ref, ro);
		rc = GNTST_general_error;
		goto out;
	}
	want = read_trans_ref(gt, ref);
	trans = true;
out:
	spin_unlock(&gt->lock);
	return trans ? acquire_transitive(rd, ref, ldom, ro, want, old_pin, cg) : rc;
}

/*
 * One side of a copy, claimed: the frame referenced, a grant pinned (if
 * named by one), a writable type (if written). A batch keeps each side's
 * claim for the next copy that names the same domain id and grant or frame
 * (as Xen does: netback's copies often share a page), so @held records
 * what the claim was made for.
 */
struct copy_buf {
	struct domain *d;
	struct page_info *pg;
	grant_ref_t ref;
	bool have_grant, have_type, ro;
	bool held; /* fully claimed, for @domid and @is_gref with @ref or @gmfn */
	bool is_gref;
	domid_t domid;
	u64 gmfn;
	mfn_t mfn;
	u16 off, len; /* the bytes the grant covers */
};

static void release_copy_buf(struct copy_buf *b)
{
	if (b->have_grant)
		release_copy_grant(b->d, b->ref, b->ro);
	if (b->have_type)
		pv_put_page_type(b->pg);
	if (b->pg)
		pv_put_page(b->pg);
	*b = (struct copy_buf){ 0 };
}

static int claim_copy_buf(struct copy_buf *b, const struct gnttab_copy_ptr *p, bool is_gref,
			  bool ro)
{
	struct copy_grant cg = { .len = PAGE_SIZE };
	int rc;

	b->ro = ro;
	/* A frame (not a grant) may only be named in one's own memory. */
	if (!is_gref && p->domid != DOMID_SELF)
		return GNTST_permission_denied;
	b->d = domain_lookup(p->domid);
	if (!b->d)
		return GNTST_bad_domain;
	if (is_gref) {
		rc = acquire_copy_grant(b->d, p->u.ref, current->domain->domain_id, ro,
					gnttab_opts.transitive, &cg);
		b->have_grant = rc == GNTST_okay;
		b->ref = p->u.ref;
	} else {
		rc = get_granted_frame(p->u.gmfn, b->d, &cg.pg);
	}
	if (rc != GNTST_okay)
		return rc;
	b->pg = cg.pg;
	b->mfn = page_to_mfn(cg.pg);
	b->off = cg.off;
	b->len = cg.len;
	if (!ro) {
		if (pv_get_page_type(b->pg, PGT_writable_page))
			return GNTST_general_error;
		b->have_type = true;
	}
	return GNTST_okay;
}

/* Past the page GNTST_bad_copy_arg; outside a sub-page grant GNTST_general_error (Xen). */
static int check_copy_range(const struct gnttab_copy *op, const struct copy_buf *src,
			    const struct copy_buf *dst)
{
	if (op->source.offset + op->len > PAGE_SIZE || op->dest.offset + op->len > PAGE_SIZE)
		return GNTST_bad_copy_arg;
	if (op->source.offset < src->off || op->source.offset + op->len > src->off + src->len)
		return GNTST_general_error;
	if (op->dest.offset < dst->off || op->dest.offset + op->len > dst->off + dst->len)
		return GNTST_general_error;
	return GNTST_okay;
}

/* @b holds a claim for what @p names (the same domain id, grant or frame). */
static bool copy_buf_holds(const struct copy_buf *b, const struct gnttab_copy_ptr *p, bool is_gref)
{
	if (!b->held || b->domid != p->domid || b->is_gref != is_gref)
		return false;
	return is_gref ? b->ref == p->u.ref : b->gmfn == p->u.gmfn;
}

/* Claim what @p names into @b, unless @b holds it already from the batch's last copy. */
static int reclaim_copy_buf(struct copy_buf *b, const struct gnttab_copy_ptr *p, bool is_gref,
			    bool ro)
{
	int rc;

	if (copy_buf_holds(b, p, is_gref)) {
		hcstats_end(HCSTATS_COPY_KEPT, ro ? 0 : 1, hcstats_start());
		return GNTST_okay;
	}
	release_copy_buf(b);
	rc = claim_copy_buf(b, p, is_gref, ro);
	if (rc != GNTST_okay) {
		release_copy_buf(b);
		return rc;
	}
	b->held = true;
	b->is_gref = is_gref;
	b->domid = p->domid;
	b->gmfn = is_gref ? 0 : p->u.gmfn;
	return GNTST_okay;
}

static int copy_one(const struct gnttab_copy *op, struct copy_buf *src, struct copy_buf *dst)
{
	int rc;

	rc = reclaim_copy_buf(src, &op->source, op->flags & GNTCOPY_source_gref, true);
	if (rc == GNTST_okay)
		rc = reclaim_copy_buf(dst, &op->dest, op->flags & GNTCOPY_dest_gref, false);
	if (rc == GNTST_okay)
		rc = check_copy_range(op, src, dst);
	if (rc == GNTST_okay)
		memmove((u8 *)gnttab_map_frame(dst->mfn) + op->dest.offset,
			(const u8 *)gnttab_map_frame(src->mfn) + op->source.offset, op->len);
	return rc;
}

/*
 * Returns 0, -EFAULT, or (as Xen) the number of copies still to do when
 * preempted or restarted: a restarted copy is done again from the start,
 * its status not written, so even the first one may be left to do.
 */
static long copy_batch(unsigned long uop, unsigned int count, struct copy_buf *src,
		       struct copy_buf *dst)
{
	struct gnttab_copy op;
	int rc;

	for (unsigned int i = 0; i < count; i++) {
		u64 at = uop + (u64)i * sizeof(op);

		if (i && hypercall_preempt_check())
			return count - i;
		if (copy_from_guest(&op, at, sizeof(op)))
			return -EFAULT;
		rc = copy_one(&op, src, dst);
		if (rc == COPY_RESTART)
			return count - i;
		op.status = (s16)rc;
		if (copy_to_guest(at + offsetof(struct gnttab_copy, status), &op.status,
				  sizeof(op.status)))
			return -EFAULT;
	}
	return 0;
}

/* The batch's claims last until it ends, is preempted or restarted. */
static long gnttab_copy(unsigned long uop, unsigned int count)
{
	struct copy_buf src = { 0 }, dst = { 0 };
	long rc = copy_batch(uop, count, &src, &dst);

	release_copy_buf(&src);
	release_copy_buf(&dst);
	return rc;
}

/* ------------------------------------------------------------------ */
/* map batches                                                         */

static long gnttab_map(unsigned long uop, unsigned int count)
{
	struct gnttab_map_grant_ref op;

	for (unsigned int i = 0; i < count; i++) {
		u64 at = uop + (u64)i * sizeof(op);

		if (i && hypercall_preempt_check())
			return i;
		if (copy_from_guest(&op, at, sizeof(op)))
			return -EFAULT;
		map_grant_ref(&op);
		if (copy_to_guest(at, &op, sizeof(op)))
			return -EFAULT;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* swap_grant_ref                                                      */

/* Exchange two of the caller's own entries, neither of them in use. */
static void swap_entries(struct grant_table *gt, grant_ref_t a, grant_ref_t b)
{
	ASSERT_LOCKED(&gt->lock);
	if (gt->version == 2) {
		grant_entry_v2_t e = *entry_v2(gt, a);
		grant_status_t st = *status_word(gt, a);

		*entry_v2(gt, a) = *entry_v2(gt, b);
		*status_word(gt, a) = *status_word(gt, b);
		*entry_v2(gt, b) = e;
		*status_word(gt, b) = st;
	} else {
		grant_entry_v1_t e = *entry_v1(gt, a);

		*entry_v1(gt, a) = *entry_v1(gt, b);
		*entry_v1(gt, b) = e;
	}
}

static s16 swap_grant_ref(grant_ref_t a, grant_ref_t b)
{
	struct grant_table *gt = current->domain->grant_table;
	s16 rc = GNTST_okay;

	spin_lock(&gt->lock);
	if (a >= nr_entries(gt) || b >= nr_entries(gt))
		rc = GNTST_bad_gntref;
	else if (a != b && (active_entry(gt, a)->pin || active_entry(gt, b)->pin))
		rc = GNTST_eagain;
	else if (a != b)
		swap_entries(gt, a, b);
	spin_unlock(&gt->lock);
	return rc;
}

static long gnttab_swap(unsigned long uop, unsigned int count)
{
	struct gnttab_swap_grant_ref op;

	for (unsigned int i = 0; i < count; i++) {
		u64 at = uop + (u64)i * sizeof(op);

		if (i && hypercall_preempt_check())
			return i;
		if (copy_from_guest(&op, at, sizeof(op)))
			return -EFAULT;
		op.status = swap_grant_ref(op.ref_a, op.ref_b);
		if (copy_to_guest(at, &op, sizeof(op)))
			return -EFAULT;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* setup_table, query_size                                            */

/*
 * The domain a table op names: the caller, or any for the control domain
 * (a builder seeding a new guest's table; others GNTST_permission_denied).
 */
static s16 table_owner(domid_t dom, struct domain **d)
{
	*d = domain_lookup(dom);
	if (!*d)
		return GNTST_bad_domain;
	if (*d != current->domain && !current->domain->is_privileged)
		return GNTST_permission_denied;
	return GNTST_okay;
}

/* Write @n frame numbers to the guest's @list (GNTST_bad_virt_addr if any cannot be). */
static s16 list_frames(struct domain *d, u64 list, unsigned int n, const mfn_t *mfns,
		       const u64 *gfns)
{
	s16 status = GNTST_okay;

	for (unsigned int i = 0; i < n; i++) {
		u64 f = frame_number(d, mfns[i], gfns[i]);

		if (copy_to_guest(list + (u64)i * sizeof(f), &f, sizeof(f)))
			status = GNTST_bad_virt_addr;
	}
	return status;
}

#define LIST_CHUNK 64 /* frame numbers snapshotted under the table's lock at a time */

/*
 * List frames 0..@n-1 of @d's table (@status: its status frames, which
 * must all still be there) to the guest's @list, LIST_CHUNK at a time:
 * each chunk snapshotted under the table's lock, then written without it.
 */
static s16 list_table_frames(struct domain *d, u64 list, unsigned int n, bool status)
{
	struct grant_table *gt = d->grant_table;
	mfn_t mfns[LIST_CHUNK];
	u64 gfns[LIST_CHUNK];
	s16 rc = GNTST_okay;

	for (unsigned int i = 0; i < n; i += LIST_CHUNK) {
		unsigned int k = MIN(n - i, LIST_CHUNK);
		const mfn_t *m = (status ? gt->status_mfn : gt->shared_mfn) + i;
		const u64 *g = (status ? gt->status_gfn : gt->shared_gfn) + i;

		spin_lock(&gt->lock);
		if (status && n > gt->nr_status_frames) {
			spin_unlock(&gt->lock);
			return GNTST_general_error;
		}
		memcpy(mfns, m, k * sizeof(*mfns));
		memcpy(gfns, g, k * sizeof(*gfns));
		spin_unlock(&gt->lock);
		if (list_frames(d, list + (u64)i * sizeof(u64), k, mfns, gfns) != GNTST_okay)
			rc = GNTST_bad_virt_addr;
	}
	return rc;
}

static long gnttab_setup_table(unsigned long uop, unsigned int count)
{
	struct gnttab_setup_table op;
	struct grant_table *gt;
	struct domain *d;

	if (count != 1)
		return -EINVAL;
	if (copy_from_guest(&op, uop, sizeof(op)))
		return -EFAULT;
	if (!guest_range_ok((u64)op.frame_list.p, (u64)op.nr_frames * sizeof(xen_pfn_t)))
		return -EFAULT;
	op.status = table_owner(op.dom, &d);
	if (op.status != GNTST_okay)
		goto out;
	gt = d->grant_table;
	if (op.nr_frames > gt->max_frames) {
		printk(XENLOG_G_GUEST XENLOG_INFO "d%u is limited to %u grant-table frames\n",
		       d->domain_id, gt->max_frames);
		op.status = GNTST_general_error;
		goto out;
	}
	_Static_assert(sizeof(xen_pfn_t) == sizeof(u64), "one frame list layout");
	spin_lock(&gt->lock);
	if (op.nr_frames > gt->nr_frames && grow_table(gt, op.nr_frames))
		op.status = GNTST_general_error;
	spin_unlock(&gt->lock);
	if (op.status == GNTST_okay)
		op.status = list_table_frames(d, (u64)op.frame_list.p, op.nr_frames, false);
out:
	if (copy_to_guest(uop + offsetof(struct gnttab_setup_table, status), &op.status,
			  sizeof(op.status)))
		return -EFAULT;
	return 0;
}

static long gnttab_query_size(unsigned long uop, unsigned int count)
{
	struct gnttab_query_size op;
	struct domain *d;

	if (count != 1)
		return -EINVAL;
	if (copy_from_guest(&op, uop, sizeof(op)))
		return -EFAULT;
	op.status = table_owner(op.dom, &d);
	if (op.status == GNTST_okay) {
		spin_lock(&d->grant_table->lock);
		op.nr_frames = d->grant_table->nr_frames;
		op.max_nr_frames = d->grant_table->max_frames;
		spin_unlock(&d->grant_table->lock);
	}
	return copy_to_guest(uop, &op, sizeof(op)) ? -EFAULT : 0;
}

/* ------------------------------------------------------------------ */
/* set_version, get_status_frames                                      */

/* No entry past the reserved ones may be in use when the version changes. */
static bool table_in_use(struct grant_table *gt)
{
	ASSERT_LOCKED(&gt->lock);
	for (grant_ref_t ref = GNTTAB_NR_RESERVED_ENTRIES; ref < nr_entries(gt); ref++)
		if (active_entry(gt, ref)->pin)
			return true;
	return false;
}

/* v1 holds a v2 reserved entry only if it is a full-page grant of a 32-bit frame, or unused. */
static bool reserved_fit_v1(struct grant_table *gt)
{
	for (grant_ref_t ref = 0; ref < GNTTAB_NR_RESERVED_ENTRIES; ref++) {
		grant_entry_v2_t *e = entry_v2(gt, ref);
		u16 type = e->hdr.flags & GTF_type_mask;

		if (type == GTF_transitive ||
		    (type == GTF_permit_access && (e->full_page.frame >> 32)))
			return false;
	}
	return true;
}

/* The reserved entries as v1 records (in-use bits folded in; other v2 kinds dropped). */
static void save_reserved(struct grant_table *gt, grant_entry_v1_t *saved)
{
	for (grant_ref_t ref = 0; ref < GNTTAB_NR_RESERVED_ENTRIES; ref++) {
		grant_entry_v2_t *e;

		if (gt->version == 1) {
			saved[ref] = *entry_v1(gt, ref);
			continue;
		}
		e = entry_v2(gt, ref);
		saved[ref] = (grant_entry_v1_t){ 0 };
		if ((e->hdr.flags & GTF_type_mask) == GTF_permit_access)
			saved[ref] =
			    (grant_entry_v1_t){ .flags = e->hdr.flags | *status_word(gt, ref),
						.domid = e->hdr.domid,
						.frame = (u32)e->full_page.frame };
	}
}

static void restore_reserved(struct grant_table *gt, const grant_entry_v1_t *saved)
{
	const u16 busy = GTF_reading | GTF_writing;

	for (grant_ref_t ref = 0; ref < GNTTAB_NR_RESERVED_ENTRIES; ref++) {
		grant_entry_v2_t *e;

		if (gt->version == 1) {
			*entry_v1(gt, ref) = saved[ref];
			continue;
		}
		e = entry_v2(gt, ref);
		*status_word(gt, ref) = saved[ref].flags & busy;
		e->hdr.flags = saved[ref].flags & ~busy;
		e->hdr.domid = saved[ref].domid;
		e->full_page.frame = saved[ref].frame;
	}
}

/*
 * Give the status frames back (switching to v1): refused with -EBUSY while
 * the domain still maps one; a translated domain's leave its p2m first.
 */
static int free_status_frames(struct grant_table *gt)
{
	ASSERT_LOCKED(&gt->lock);
	for (unsigned int i = 0; i < gt->nr_status_frames; i++) {
		gnttab_remove_frame_gfn(gt->domain, gt->status_gfn[i], gt->status_mfn[i]);
		gt->status_gfn[i] = ~0ull;
		if (gnttab_shared_frame_mapped(gt->status_mfn[i]))
			return -EBUSY;
	}
	for (unsigned int i = 0; i < gt->nr_status_frames; i++) {
		gnttab_free_shared_frame(gt->status[i], gt->status_mfn[i]);
		gt->status[i] = NULL;
	}
	gt->nr_status_frames = 0;
	return 0;
}

static int switch_version(struct grant_table *gt, unsigned int version)
{
	grant_entry_v1_t saved[GNTTAB_NR_RESERVED_ENTRIES];

	ASSERT_LOCKED(&gt->lock);
	if (table_in_use(gt)) {
		printk(XENLOG_G_GUEST XENLOG_WARNING
		       "d%u: grant table version change with grants in use\n",
		       gt->domain->domain_id);
		return -EBUSY;
	}
	if (version == 2 && populate_status(gt, gt->nr_frames)) {
		free_status_frames(gt);
		return -ENOMEM;
	}
	if (version == 1 && !reserved_fit_v1(gt))
		return -ERANGE;
	save_reserved(gt, saved);
	if (version == 1 && free_status_frames(gt))
		return -EBUSY;
	for (unsigned int i = 0; i < gt->nr_frames; i++)
		memset(gt->shared[i], 0, PAGE_SIZE);
	gt->version = version;
	restore_reserved(gt, saved);
	return 0;
}

/*
 * 1 or 2 (-EINVAL otherwise); 2 needs the domain's maximum to allow it
 * (-ENOSYS, as Xen limited to v1). The version in force is written back.
 */
static long gnttab_set_version(unsigned long uop)
{
	struct grant_table *gt = current->domain->grant_table;
	struct gnttab_set_version op;
	long rc = 0;

	if (copy_from_guest(&op, uop, sizeof(op)))
		return -EFAULT;
	spin_lock(&gt->lock);
	if (op.version != 1 && op.version != 2)
		rc = -EINVAL;
	else if (op.version > gt->max_version)
		rc = -ENOSYS;
	else if (op.version != gt->version)
		rc = switch_version(gt, op.version);
	op.version = gt->version;
	spin_unlock(&gt->lock);
	if (copy_to_guest(uop, &op, sizeof(op)))
		rc = -EFAULT;
	return rc;
}

/* The status frames' numbers, as setup_table gives the shared ones' (v1 has none). */
static long gnttab_get_status_frames(unsigned long uop, unsigned int count)
{
	struct gnttab_get_status_frames op;
	struct domain *d;

	if (count != 1)
		return -EINVAL;
	if (copy_from_guest(&op, uop, sizeof(op)))
		return -EFAULT;
	if (!guest_range_ok((u64)op.frame_list.p, (u64)op.nr_frames * sizeof(u64)))
		return -EFAULT;
	op.status = table_owner(op.dom, &d);
	if (op.status == GNTST_okay)
		op.status = list_table_frames(d, (u64)op.frame_list.p, op.nr_frames, true);
	if (copy_to_guest(uop + offsetof(struct gnttab_get_status_frames, status), &op.status,
			  sizeof(op.status)))
		return -EFAULT;
	return 0;
}

static long gnttab_get_version(unsigned long uop)
{
	struct gnttab_get_version op;
	struct domain *d;

	if (copy_from_guest(&op, uop, sizeof(op)))
		return -EFAULT;
	d = domain_lookup(op.dom);
	if (!d)
		return -ESRCH;
	spin_lock(&d->grant_table->lock);
	op.version = d->grant_table->version;
	spin_unlock(&d->grant_table->lock);
	return copy_to_guest(uop, &op, sizeof(op)) ? -EFAULT : 0;
}

/* ------------------------------------------------------------------ */
/* The hypercall                                                       */

static size_t op_size(unsigned int cmd)
{
	switch (cmd) {
	case GNTTABOP_map_grant_ref:
		return sizeof(struct gnttab_map_grant_ref);
	case GNTTABOP_unmap_grant_ref:
		return sizeof(struct gnttab_unmap_grant_ref);
	case GNTTABOP_unmap_and_replace:
		return sizeof(struct gnttab_unmap_and_replace);
	case GNTTABOP_swap_grant_ref:
		return sizeof(struct gnttab_swap_grant_ref);
	default:
		return sizeof(struct gnttab_copy);
	}
}

/* Continue a batch of @count ops of @sz bytes at @uop after the first @done. */
static long batch_continue(unsigned int cmd, unsigned long uop, unsigned int count,
			   unsigned long done, size_t sz)
{
	unsigned long args[3] = { cmd, uop + done * sz, count - done };

	return hypercall_create_continuation(__HYPERVISOR_grant_table_op, 3, args);
}

/* Run the batch: 0, an error, or when preempted the number done (copies: the number left). */
static long batch_run(unsigned int cmd, unsigned long uop, unsigned int count)
{
	switch (cmd) {
	case GNTTABOP_map_grant_ref:
		return gnttab_map(uop, count);
	case GNTTABOP_unmap_grant_ref:
		return gnttab_unmap(false, uop, count);
	case GNTTABOP_unmap_and_replace:
		return gnttab_unmap(true, uop, count);
	case GNTTABOP_swap_grant_ref:
		return gnttab_swap(uop, count);
	default:
		return gnttab_copy(uop, count);
	}
}

/* A batch op: the array must be addressable; on preemption, resume after the ones done. */
static long batch_op(unsigned int cmd, unsigned long uop, unsigned int count)
{
	size_t sz = op_size(cmd);
	u64 start = hcstats_start();
	unsigned long done;
	long rc;

	if (!guest_range_ok(uop, (u64)count * sz))
		return -EFAULT;
	rc = batch_run(cmd, uop, count);
	if (rc <= 0) {
		hcstats_end_n(HCSTATS_GNTTAB_ENTRIES, cmd, start, count);
		return rc;
	}
	done = cmd == GNTTABOP_copy ? count - (unsigned long)rc : (unsigned long)rc;
	hcstats_end_n(HCSTATS_GNTTAB_ENTRIES, cmd, start, done);
	return batch_continue(cmd, uop, count, done, sz);
}

static long grant_table_op(unsigned long cmd_arg, unsigned long uop, unsigned long count_arg)
{
	unsigned int cmd = (unsigned int)cmd_arg, count = (unsigned int)count_arg;

	if ((int)count < 0)
		return -EINVAL;
	/* Only cache_flush takes a continuation argument in cmd's upper bits. */
	if ((cmd & ~GNTTABOP_CMD_MASK) && (cmd & GNTTABOP_CMD_MASK) != GNTTABOP_cache_flush)
		return -EINVAL;
	if (!current->domain->grant_table)
		return -ENOSYS;
	switch (cmd) {
	case GNTTABOP_map_grant_ref:
	case GNTTABOP_unmap_grant_ref:
	case GNTTABOP_unmap_and_replace:
	case GNTTABOP_copy:
	case GNTTABOP_swap_grant_ref:
		return batch_op(cmd, uop, count);
	case GNTTABOP_setup_table:
		return gnttab_setup_table(uop, count);
	case GNTTABOP_query_size:
		return gnttab_query_size(uop, count);
	case GNTTABOP_set_version:
		return gnttab_set_version(uop);
	case GNTTABOP_get_version:
		return gnttab_get_version(uop);
	case GNTTABOP_get_status_frames:
		return gnttab_get_status_frames(uop, count);
	default:
		/* dump_table, transfer, cache_flush */
		return -ENOSYS;
	}
}

long do_grant_table_op(unsigned long cmd_arg, unsigned long uop, unsigned long count_arg)
{
	u64 start = hcstats_start();
	long rc = grant_table_op(cmd_arg, uop, count_arg);

	hcstats_end(HCSTATS_GNTTAB, (unsigned int)cmd_arg & GNTTABOP_CMD_MASK, start);
	return rc;
}
