/*
 * Grant tables, versions 1 and 2 (xen/common/grant_table.c).
 *
 * Each domain owns a table of grant entries in frames the hypervisor
 * shares with it (GNTTABOP_setup_table hands out their MFNs): 8-byte
 * grant_entry_v1 records, or after GNTTABOP_set_version(2) 16-byte
 * grant_entry_v2 ones whose in-use bits live apart, one grant_status_t per
 * entry in status frames (GNTTABOP_get_status_frames).
 * The granting domain writes an entry (flags, domid, frame); the domain
 * named in it may then map the frame (GNTTABOP_map_grant_ref) or copy to or
 * from it (GNTTABOP_copy). While an entry is in use the hypervisor keeps an
 * active record of it (pin counts, the frame) and sets GTF_reading /
 * GTF_writing in the granter's entry (v1) or status word (v2); each mapping gets a maptrack handle
 * in the mapping domain's table, which GNTTABOP_unmap_grant_ref takes back.
 *
 * The state machine only touches the frame table through the PV MMU's
 * reference functions (pv_mm.h), guest memory through uaccess.h, and page
 * tables through the arch hooks below, so the host unit tests
 * (tests/unit/test_grant.c) build it unchanged against fakes.
 */
#ifndef PETREL_GRANT_TABLE_H
#define PETREL_GRANT_TABLE_H

#include "types.h"
#include "spinlock.h"
#include "public/grant_table.h"

struct domain;

/*
 * Xen 4.17's defaults of gnttab_max_frames= and gnttab_max_maptrack_frames=
 * (each also the bound on what createdomain may ask for) and of
 * gnttab=max-ver:; a value above INT_MAX is refused by the option.
 */
#define GNTTAB_DEFAULT_MAX_FRAMES 64
#define GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES 1024
#define GNTTAB_LIMIT_MAX 0x7fffffffu
#define GNTTAB_INITIAL_FRAMES 1
#define GNTTAB_ENTRIES_PER_FRAME (PAGE_SIZE / sizeof(grant_entry_v1_t))
#define GNTTAB_V2_PER_FRAME (PAGE_SIZE / sizeof(grant_entry_v2_t))
#define GNTTAB_STATUS_PER_FRAME (PAGE_SIZE / sizeof(grant_status_t))
/* Status frames that cover @frames v2 frames (Xen: grant_to_status_frames). */
#define GNTTAB_STATUS_FRAMES(frames)                                                               \
	(((frames)*GNTTAB_V2_PER_FRAME + GNTTAB_STATUS_PER_FRAME - 1) / GNTTAB_STATUS_PER_FRAME)
/* The highest version a domain may select (Xen 4.17 on x86; gnttab=max-ver: lowers it). */
#define GNTTAB_MAX_VERSION 2

/* The host's grant options (the command line's gnttab*=; Xen 4.17's defaults until set). */
struct gnttab_options {
	unsigned int max_frames;	  /* gnttab_max_frames= */
	unsigned int max_maptrack_frames; /* gnttab_max_maptrack_frames= */
	unsigned int max_version;	  /* gnttab=max-ver:1|2 */
	bool transitive; /* gnttab=transitive=<bool>: copies through transitive entries */
};
extern struct gnttab_options gnttab_opts;

/*
 * Pin counts of an active entry, one byte each as in Xen: host mappings
 * read-write / read-only, device mappings read-write / read-only. Copies
 * pin as host mappings for their duration.
 */
#define GNTPIN_hstw_shift 0
#define GNTPIN_hstr_shift 8
#define GNTPIN_devw_shift 16
#define GNTPIN_devr_shift 24
#define GNTPIN_hstw_inc (1u << GNTPIN_hstw_shift)
#define GNTPIN_hstr_inc (1u << GNTPIN_hstr_shift)
#define GNTPIN_devw_inc (1u << GNTPIN_devw_shift)
#define GNTPIN_devr_inc (1u << GNTPIN_devr_shift)
#define GNTPIN_hstw_mask (0xffu << GNTPIN_hstw_shift)
#define GNTPIN_hstr_mask (0xffu << GNTPIN_hstr_shift)
#define GNTPIN_devw_mask (0xffu << GNTPIN_devw_shift)
#define GNTPIN_devr_mask (0xffu << GNTPIN_devr_shift)
#define GNTPIN_overflow 0x80808080u /* any count at half its range refuses more */

/* The hypercall's cmd carries a continuation argument above bit 12 (Xen). */
#define GNTTABOP_CONTINUATION_ARG_SHIFT 12
#define GNTTABOP_CMD_MASK ((1u << GNTTABOP_CONTINUATION_ARG_SHIFT) - 1)

/*
 * An entry in use: what is pinned, by whom, and the frame it resolved to.
 * A v2 sub-page grant covers bytes start..start+length-1 of the frame (a
 * whole-page grant 0..PAGE_SIZE-1). A transitive grant, pinned by copies
 * only, names another domain's grant: trans_dom (held by each copy in
 * flight) and trans_gref; it counts as sub-page, so it is never mapped.
 */
struct active_grant {
	u32 pin;       /* GNTPIN_* counts */
	domid_t domid; /* the domain using it */
	u16 start;
	u16 length;
	bool sub_page;
	u8 pad;
	grant_ref_t trans_gref;
	mfn_t mfn;
	struct domain *trans_dom; /* NULL unless transitive */
};

/*
 * A maptrack entry: one mapping made by this domain; flags 0 = free. 16
 * bytes, so a maptrack frame holds Xen's 256 handles.
 */
struct grant_mapping {
	u16 flags;     /* GNTMAP_host_map / device_map / readonly still held */
	domid_t domid; /* granting domain */
	union {
		u32 ref;  /* its grant reference, while in use */
		u32 next; /* the free-list link, while free */
	};
	struct domain *rd; /* the granter, held (get_domain) while the mapping lives */
};
_Static_assert(sizeof(struct grant_mapping) == 16, "256 maptrack handles a frame");

#define MAPTRACK_PER_FRAME (PAGE_SIZE / sizeof(struct grant_mapping))
#define MAPTRACK_NONE (~0u)

/*
 * One domain's grant table. @lock covers the table as a granter sees it
 * (its size, shared and active entries: pins, frames, status bits);
 * @maptrack_lock the mappings this domain made (the maptrack frames, free
 * list and entries). A granter's @lock is taken before a mapper's
 * @maptrack_lock; no path holds two tables' @lock at once.
 */
struct grant_table {
	spinlock_t lock;
	spinlock_t maptrack_lock;
	struct domain *domain;
	unsigned int version;	  /* 1 or 2 */
	unsigned int max_version; /* what set_version may pick (createdomain's grant_opts) */
	unsigned int nr_frames, max_frames;
	/* The arrays below have room for frames_cap frames (the host's gnttab_max_frames). */
	unsigned int frames_cap, status_cap, maptrack_cap;
	void **shared; /* grant_entry_v1_t or grant_entry_v2_t frames by version */
	mfn_t *shared_mfn;
	u64 *shared_gfn;	      /* translated domains: where each frame was placed */
	struct active_grant **active; /* one block per shared frame */
	/* Version 2 only: the status words, one per entry, shared with the domain. */
	unsigned int nr_status_frames;
	grant_status_t **status;
	mfn_t *status_mfn;
	u64 *status_gfn; /* translated domains: where each was placed */
	unsigned int maptrack_frames, max_maptrack_frames;
	u32 maptrack_free, maptrack_tail; /* free list, MAPTRACK_NONE if empty */
	unsigned int maptrack_used;
	struct grant_mapping **maptrack;
	size_t arrays_bytes; /* the one allocation the arrays above are carved from */
};

/*
 * Give @d its grant table (one frame, grown by setup_table) with the
 * host's limits. 0 or -ENOMEM.
 */
int grant_table_init(struct domain *d);
/*
 * createdomain's grant limits, checked as Xen 4.17's grant_table_init: a
 * negative frame count means the host's default; grant frames below 1 or
 * above gnttab_max_frames, maptrack frames above gnttab_max_maptrack_frames
 * (0 is allowed: the domain maps nothing), a version of 0 or above
 * gnttab=max-ver: -EINVAL.
 */
int gnttab_check_limits(s32 max_frames, s32 max_maptrack_frames, unsigned int max_version);
/* Apply limits that passed gnttab_check_limits() to @d's table. */
void gnttab_set_limits(struct domain *d, s32 max_frames, s32 max_maptrack_frames,
		       unsigned int max_version);
/* Teardown of a dying domain: drop the grants it maps, then free its table. */
void grant_table_release_mappings(struct domain *d);
void grant_table_destroy(struct domain *d);
/*
 * Print @d's table to the console in the shape of Xen's 'g' key: its
 * version, frames and maptrack frames, each pinned entry (ref, user,
 * frame, pin counts, then the shared entry's domid, frame and flags) or
 * "no active grant table entries", then the mappings @d holds itself.
 */
void gnttab_dump(struct domain *d);
long do_grant_table_op(unsigned long cmd, unsigned long uop, unsigned long count);

/* ---- arch hooks (xen/arch/x86/pv/grant_table.c; fakes in the unit tests) ---- */
/* A zeroed frame shared writable with @d; its address and MFN. NULL if none. */
void *gnttab_alloc_shared_frame(struct domain *d, mfn_t *mfn);
/* Zeroed hypervisor memory of @bytes for the table's own bookkeeping. */
void *gnttab_alloc(size_t bytes);
void gnttab_free(void *p, size_t bytes);
/* Take back a shared frame (no longer mapped by anyone). */
void gnttab_free_shared_frame(void *p, mfn_t mfn);
/* True while a shared frame is still mapped by its domain (or anyone). */
bool gnttab_shared_frame_mapped(mfn_t mfn);
/* The contents of machine frame @mfn. */
void *gnttab_map_frame(mfn_t mfn);
/*
 * Install a grant PTE for @mfn (owned by @owner) in the current domain:
 * @addr is the machine address of an L1 entry (GNTMAP_contains_pte) or a
 * virtual address in the current page tables. GNTST_okay or a GNTST_* error.
 */
int gnttab_create_host_mapping(u64 addr, mfn_t mfn, u32 flags, struct domain *owner);
/*
 * Remove the grant PTE for @mfn at @addr; with @new_addr, move the entry at
 * @new_addr there instead (and clear @new_addr). GNTST_okay or an error.
 */
int gnttab_replace_host_mapping(u64 addr, mfn_t mfn, u64 new_addr, u32 flags);
void gnttab_flush_tlb(void);

/* The machine frame of @d's grant-table frame @idx, the table grown to it: 0 or -errno. */
int gnttab_shared_frame(struct domain *d, unsigned int idx, mfn_t *mfn);
/* Frame @idx of @d's table now sits at guest frame @gfn (XENMEM_add_to_physmap). */
void gnttab_set_frame_gfn(struct domain *d, unsigned int idx, u64 gfn);
/*
 * The same for status frame @idx (v2 only, -EINVAL otherwise; the table
 * grown to cover it, -ENOMEM or -EINVAL past the limit).
 */
int gnttab_status_frame(struct domain *d, unsigned int idx, mfn_t *mfn);
void gnttab_set_status_gfn(struct domain *d, unsigned int idx, u64 gfn);

/*
 * Translated (HVM) domains name their frames by guest frame number: true
 * for them, and the machine frame behind @gfn (all ones if none; @gfn
 * itself for a PV domain, whose entries hold machine frames).
 */
bool gnttab_translated(const struct domain *d);
mfn_t gnttab_gfn_to_mfn(const struct domain *d, u64 gfn);
/* A translated domain's frame @mfn leaves guest frame @gfn if it is still there. */
void gnttab_remove_frame_gfn(struct domain *d, u64 gfn, mfn_t mfn);

#endif
