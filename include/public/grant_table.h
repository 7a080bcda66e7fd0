/*
 * Petrel public ABI: grant tables, HYPERVISOR_grant_table_op(cmd, args,
 * count) (Xen 4.17 numbers and layouts): version 1 entries, and after
 * GNTTABOP_set_version(2) version 2 entries with their status words.
 */
#ifndef __XEN_PUBLIC_GRANT_TABLE_H__
#define __XEN_PUBLIC_GRANT_TABLE_H__

#include "xen.h"

typedef uint32_t grant_ref_t;

/*
 * A v1 grant entry, written by the granting domain.  flags holds the GTF_*
 * type and permission bits plus the in-use bits the hypervisor sets;
 * domid is the domain allowed to use it; frame the granted frame.
 */
struct grant_entry_v1 {
	uint16_t flags;
	domid_t domid;
	uint32_t frame;
};
typedef struct grant_entry_v1 grant_entry_v1_t;

/* The first 8 references are reserved for the toolstack. */
#define GNTTAB_NR_RESERVED_ENTRIES 8
#define GNTTAB_RESERVED_CONSOLE 0
#define GNTTAB_RESERVED_XENSTORE 1

/* Entry type (flags[1:0]) */
#define GTF_invalid (0U << 0)
#define GTF_permit_access (1U << 0)
#define GTF_accept_transfer (2U << 0)
#define GTF_transitive (3U << 0)
#define GTF_type_mask (3U << 0)
/* permit_access modifiers; reading/writing are set by the hypervisor while mapped */
#define _GTF_readonly (2)
#define GTF_readonly (1U << _GTF_readonly)
#define _GTF_reading (3)
#define GTF_reading (1U << _GTF_reading)
#define _GTF_writing (4)
#define GTF_writing (1U << _GTF_writing)
#define _GTF_PWT (5)
#define GTF_PWT (1U << _GTF_PWT)
#define _GTF_PCD (6)
#define GTF_PCD (1U << _GTF_PCD)
#define _GTF_PAT (7)
#define GTF_PAT (1U << _GTF_PAT)
#define _GTF_sub_page (8)
#define GTF_sub_page (1U << _GTF_sub_page)
/* accept_transfer progress */
#define _GTF_transfer_committed (2)
#define GTF_transfer_committed (1U << _GTF_transfer_committed)
#define _GTF_transfer_completed (3)
#define GTF_transfer_completed (1U << _GTF_transfer_completed)

/* Version 2 entries (16 bytes) and their separate status array. */
struct grant_entry_header {
	uint16_t flags;
	domid_t domid;
};
typedef struct grant_entry_header grant_entry_header_t;

union grant_entry_v2 {
	grant_entry_header_t hdr;
	struct {
		grant_entry_header_t hdr;
		uint32_t pad0;
		uint64_t frame;
	} full_page;
	struct {
		grant_entry_header_t hdr;
		uint16_t page_off;
		uint16_t length;
		uint64_t frame;
	} sub_page;
	struct {
		grant_entry_header_t hdr;
		domid_t trans_domid;
		uint16_t pad0;
		grant_ref_t gref;
	} transitive;
	uint32_t __spacer[4];
};
typedef union grant_entry_v2 grant_entry_v2_t;
typedef uint16_t grant_status_t;

#define GNTTABOP_map_grant_ref 0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_setup_table 2
#define GNTTABOP_dump_table 3
#define GNTTABOP_transfer 4
#define GNTTABOP_copy 5
#define GNTTABOP_query_size 6
#define GNTTABOP_unmap_and_replace 7
#define GNTTABOP_set_version 8
#define GNTTABOP_get_status_frames 9
#define GNTTABOP_get_version 10
#define GNTTABOP_swap_grant_ref 11
#define GNTTABOP_cache_flush 12

typedef uint32_t grant_handle_t;

/*
 * Map ref of dom.  GNTMAP_host_map: host_addr is a VA (or, with
 * GNTMAP_contains_pte, the machine address of the PTE to write).
 * status is a GNTST_* value; handle is what unmap takes.
 */
struct gnttab_map_grant_ref {
	uint64_t host_addr;    /* in */
	uint32_t flags;	       /* in: GNTMAP_* */
	grant_ref_t ref;       /* in */
	domid_t dom;	       /* in */
	int16_t status;	       /* out */
	grant_handle_t handle; /* out */
	uint64_t dev_bus_addr; /* out */
};
typedef struct gnttab_map_grant_ref gnttab_map_grant_ref_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_map_grant_ref_t);

struct gnttab_unmap_grant_ref {
	uint64_t host_addr;
	uint64_t dev_bus_addr;
	grant_handle_t handle;
	int16_t status; /* out */
};
typedef struct gnttab_unmap_grant_ref gnttab_unmap_grant_ref_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_unmap_grant_ref_t);

/* Size dom's table to nr_frames and return the frames (PV: MFNs) to map it. */
struct gnttab_setup_table {
	domid_t dom;
	uint32_t nr_frames;
	int16_t status;				/* out */
	XEN_GUEST_HANDLE(xen_pfn_t) frame_list; /* out */
};
typedef struct gnttab_setup_table gnttab_setup_table_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_setup_table_t);

struct gnttab_dump_table {
	domid_t dom;
	int16_t status;
};
typedef struct gnttab_dump_table gnttab_dump_table_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_dump_table_t);

struct gnttab_transfer {
	xen_pfn_t mfn;
	domid_t domid;
	grant_ref_t ref;
	int16_t status;
};
typedef struct gnttab_transfer gnttab_transfer_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_transfer_t);

/* Copy len bytes; each side is a grant ref (flag set) or a local frame. */
#define _GNTCOPY_source_gref (0)
#define GNTCOPY_source_gref (1 << _GNTCOPY_source_gref)
#define _GNTCOPY_dest_gref (1)
#define GNTCOPY_dest_gref (1 << _GNTCOPY_dest_gref)
struct gnttab_copy {
	struct gnttab_copy_ptr {
		union {
			grant_ref_t ref;
			xen_pfn_t gmfn;
		} u;
		domid_t domid;
		uint16_t offset;
	} source, dest;
	uint16_t len;
	uint16_t flags; /* GNTCOPY_* */
	int16_t status;
};
typedef struct gnttab_copy gnttab_copy_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_copy_t);

struct gnttab_query_size {
	domid_t dom;
	uint32_t nr_frames;	/* out */
	uint32_t max_nr_frames; /* out */
	int16_t status;		/* out */
};
typedef struct gnttab_query_size gnttab_query_size_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_query_size_t);

struct gnttab_unmap_and_replace {
	uint64_t host_addr;
	uint64_t new_addr;
	grant_handle_t handle;
	int16_t status;
};
typedef struct gnttab_unmap_and_replace gnttab_unmap_and_replace_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_unmap_and_replace_t);

struct gnttab_set_version {
	uint32_t version; /* in: wanted; out: in force */
};
typedef struct gnttab_set_version gnttab_set_version_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_set_version_t);

struct gnttab_get_status_frames {
	uint32_t nr_frames;
	domid_t dom;
	int16_t status;
	XEN_GUEST_HANDLE(uint64_t) frame_list;
};
typedef struct gnttab_get_status_frames gnttab_get_status_frames_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_get_status_frames_t);

struct gnttab_get_version {
	domid_t dom;
	uint16_t pad;
	uint32_t version; /* out */
};
typedef struct gnttab_get_version gnttab_get_version_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_get_version_t);

struct gnttab_swap_grant_ref {
	grant_ref_t ref_a;
	grant_ref_t ref_b;
	int16_t status;
};
typedef struct gnttab_swap_grant_ref gnttab_swap_grant_ref_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_swap_grant_ref_t);

#define GNTTAB_CACHE_CLEAN (1u << 0)
#define GNTTAB_CACHE_INVAL (1u << 1)
#define GNTTAB_CACHE_SOURCE_GREF (1u << 31)
struct gnttab_cache_flush {
	union {
		uint64_t dev_bus_addr;
		grant_ref_t ref;
	} a;
	uint16_t offset;
	uint16_t length;
	uint32_t op; /* GNTTAB_CACHE_* */
};
typedef struct gnttab_cache_flush gnttab_cache_flush_t;
DEFINE_XEN_GUEST_HANDLE(gnttab_cache_flush_t);

/* gnttab_map_grant_ref.flags */
#define _GNTMAP_device_map (0)
#define GNTMAP_device_map (1 << _GNTMAP_device_map)
#define _GNTMAP_host_map (1)
#define GNTMAP_host_map (1 << _GNTMAP_host_map)
#define _GNTMAP_readonly (2)
#define GNTMAP_readonly (1 << _GNTMAP_readonly)
#define _GNTMAP_application_map (3) /* PV: map for user mode */
#define GNTMAP_application_map (1 << _GNTMAP_application_map)
#define _GNTMAP_contains_pte (4) /* host_addr is the PTE's machine address */
#define GNTMAP_contains_pte (1 << _GNTMAP_contains_pte)
#define _GNTMAP_guest_avail0 (16) /* bits 16 up are copied into the PTE's free bits */
#define GNTMAP_guest_avail_mask ((uint32_t)~0 << _GNTMAP_guest_avail0)

/* status values */
#define GNTST_okay (0)
#define GNTST_general_error (-1)
#define GNTST_bad_domain (-2)
#define GNTST_bad_gntref (-3)
#define GNTST_bad_handle (-4)
#define GNTST_bad_virt_addr (-5)
#define GNTST_bad_dev_addr (-6)
#define GNTST_no_device_space (-7)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page (-9)
#define GNTST_bad_copy_arg (-10) /* copy crosses a page boundary */
#define GNTST_address_too_big (-11)
#define GNTST_eagain (-12)
#define GNTST_no_space (-13)

PETREL_ASSERT_SIZE(struct grant_entry_v1, 8, grant_entry_v1);
PETREL_ASSERT_OFFSET(struct grant_entry_v1, domid, 2, grant_entry_v1);
PETREL_ASSERT_OFFSET(struct grant_entry_v1, frame, 4, grant_entry_v1);
PETREL_ASSERT_SIZE(union grant_entry_v2, 16, grant_entry_v2);
PETREL_ASSERT_SIZE(struct gnttab_map_grant_ref, 32, gnttab_map_grant_ref);
PETREL_ASSERT_OFFSET(struct gnttab_map_grant_ref, flags, 8, gnttab_map_grant_ref);
PETREL_ASSERT_OFFSET(struct gnttab_map_grant_ref, ref, 12, gnttab_map_grant_ref);
PETREL_ASSERT_OFFSET(struct gnttab_map_grant_ref, dom, 16, gnttab_map_grant_ref);
PETREL_ASSERT_OFFSET(struct gnttab_map_grant_ref, status, 18, gnttab_map_grant_ref);
PETREL_ASSERT_OFFSET(struct gnttab_map_grant_ref, handle, 20, gnttab_map_grant_ref);
PETREL_ASSERT_OFFSET(struct gnttab_map_grant_ref, dev_bus_addr, 24, gnttab_map_grant_ref);
PETREL_ASSERT_SIZE(struct gnttab_unmap_grant_ref, 24, gnttab_unmap_grant_ref);
PETREL_ASSERT_OFFSET(struct gnttab_unmap_grant_ref, status, 20, gnttab_unmap_grant_ref);
PETREL_ASSERT_SIZE(struct gnttab_setup_table, 24, gnttab_setup_table);
PETREL_ASSERT_OFFSET(struct gnttab_setup_table, frame_list, 16, gnttab_setup_table);
PETREL_ASSERT_SIZE(struct gnttab_copy, 40, gnttab_copy);
PETREL_ASSERT_OFFSET(struct gnttab_copy, dest, 16, gnttab_copy);
PETREL_ASSERT_OFFSET(struct gnttab_copy, len, 32, gnttab_copy);
PETREL_ASSERT_SIZE(struct gnttab_query_size, 16, gnttab_query_size);
PETREL_ASSERT_SIZE(struct gnttab_set_version, 4, gnttab_set_version);
PETREL_ASSERT_SIZE(struct gnttab_get_status_frames, 16, gnttab_get_status_frames);
PETREL_ASSERT_SIZE(struct gnttab_cache_flush, 16, gnttab_cache_flush);

#endif /* __XEN_PUBLIC_GRANT_TABLE_H__ */
