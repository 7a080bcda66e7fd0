/*
 * Petrel public ABI: HYPERVISOR_memory_op(cmd, arg) (Xen 4.17 numbers and
 * layouts): reservations, the physmap, and memory maps.
 *
 * The memory-map ops (XENMEM_memory_map, XENMEM_machine_memory_map,
 * XENMEM_set_memory_map) exchange an array of e820 entries, each 20 bytes:
 * u64 addr, u64 size, u32 type, packed (struct petrel_e820_entry below).
 */
#ifndef __XEN_PUBLIC_MEMORY_H__
#define __XEN_PUBLIC_MEMORY_H__

#include "xen.h"
#include "physdev.h"

/*
 * Reservations: arg is xen_memory_reservation; returns the number of
 * extents done.  increase/populate fill extent_start with the new frames
 * (populate: in = gpfns to back); decrease takes gpfns to release.
 */
#define XENMEM_increase_reservation 0
#define XENMEM_decrease_reservation 1
#define XENMEM_populate_physmap 6

/* mem_flags */
#define XENMEMF_address_bits(x) (x) /* only frames below 2^x */
#define XENMEMF_get_address_bits(x) ((x)&0xffu)
#define XENMEMF_node(x) (((x) + 1) << 8)
#define XENMEMF_get_node(x) ((((x) >> 8) - 1) & 0xffu)
#define XENMEMF_populate_on_demand (1 << 16)
#define XENMEMF_exact_node_request (1 << 17)
#define XENMEMF_exact_node(n) (XENMEMF_node(n) | XENMEMF_exact_node_request)
#define XENMEMF_vnode (1 << 18)

struct xen_memory_reservation {
	XEN_GUEST_HANDLE(xen_pfn_t) extent_start;
	xen_ulong_t nr_extents;
	unsigned int extent_order; /* each extent is 2^order pages */
	unsigned int mem_flags;	   /* XENMEMF_* */
	domid_t domid;
};
typedef struct xen_memory_reservation xen_memory_reservation_t;
DEFINE_XEN_GUEST_HANDLE(xen_memory_reservation_t);

/* Trade `in` extents for `out` extents (e.g. for machine-contiguous memory). */
#define XENMEM_exchange 11
struct xen_memory_exchange {
	struct xen_memory_reservation in;
	struct xen_memory_reservation out;
	xen_ulong_t nr_exchanged; /* in: 0; out: `in` extents done */
};
typedef struct xen_memory_exchange xen_memory_exchange_t;
DEFINE_XEN_GUEST_HANDLE(xen_memory_exchange_t);

/* arg: none; returns the highest machine frame number. */
#define XENMEM_maximum_ram_page 2

/* arg: domid_t; return a page count or frame number for that domain. */
struct xen_memory_domain {
	domid_t domid;
};
#define XENMEM_current_reservation 3
#define XENMEM_maximum_reservation 4
#define XENMEM_maximum_gpfn 14

/* Frames that hold the M2P table (2 MiB each on x86-64). */
#define XENMEM_machphys_mfn_list 5
struct xen_machphys_mfn_list {
	unsigned int max_extents;
	XEN_GUEST_HANDLE(xen_pfn_t) extent_start;
	unsigned int nr_extents; /* out */
};
typedef struct xen_machphys_mfn_list xen_machphys_mfn_list_t;
DEFINE_XEN_GUEST_HANDLE(xen_machphys_mfn_list_t);

#define XENMEM_machphys_compat_mfn_list 25

/* Where the read-only M2P is mapped and the highest MFN it covers. */
#define XENMEM_machphys_mapping 12
struct xen_machphys_mapping {
	xen_ulong_t v_start, v_end;
	xen_ulong_t max_mfn;
};
typedef struct xen_machphys_mapping xen_machphys_mapping_t;
DEFINE_XEN_GUEST_HANDLE(xen_machphys_mapping_t);

/* Spaces for add_to_physmap. */
#define XENMAPSPACE_shared_info 0  /* the shared_info page */
#define XENMAPSPACE_grant_table 1  /* a grant table frame (idx | XENMAPIDX_*) */
#define XENMAPSPACE_gmfn 2	   /* move a guest frame */
#define XENMAPSPACE_gmfn_range 3   /* `size` guest frames */
#define XENMAPSPACE_gmfn_foreign 4 /* a frame of another domain */
#define XENMAPSPACE_dev_mmio 5	   /* device MMIO (Arm only) */

/* Place a frame of `space` at gpfn in an auto-translated guest. */
#define XENMEM_add_to_physmap 7
struct xen_add_to_physmap {
	domid_t domid;
	uint16_t size;	    /* XENMAPSPACE_gmfn_range only */
	unsigned int space; /* XENMAPSPACE_* */
	xen_ulong_t idx;
	xen_pfn_t gpfn;
};
typedef struct xen_add_to_physmap xen_add_to_physmap_t;
DEFINE_XEN_GUEST_HANDLE(xen_add_to_physmap_t);
#define XENMAPIDX_grant_table_status 0x80000000

#define XENMEM_add_to_physmap_batch 23
struct xen_add_to_physmap_batch {
	domid_t domid;
	uint16_t space; /* XENMAPSPACE_* */
	uint16_t size;
	union xen_add_to_physmap_batch_extra {
		domid_t foreign_domid; /* gmfn_foreign */
		uint16_t res0;	       /* others: zero */
	} u;
	XEN_GUEST_HANDLE(xen_ulong_t) idxs;
	XEN_GUEST_HANDLE(xen_pfn_t) gpfns;
	XEN_GUEST_HANDLE(int) errs; /* per-entry result */
};
typedef struct xen_add_to_physmap_batch xen_add_to_physmap_batch_t;
DEFINE_XEN_GUEST_HANDLE(xen_add_to_physmap_batch_t);

#define XENMEM_remove_from_physmap 15
struct xen_remove_from_physmap {
	domid_t domid;
	xen_pfn_t gpfn;
};
typedef struct xen_remove_from_physmap xen_remove_from_physmap_t;
DEFINE_XEN_GUEST_HANDLE(xen_remove_from_physmap_t);

/*
 * Memory maps.  In: nr_entries = room in buffer (entries); out: entries
 * written.  memory_map is the caller's pseudo-physical map, machine_memory_map
 * the host's (privileged); set_memory_map (xen_foreign_memory_map) sets a
 * domain's map from the toolstack.
 */
#define XENMEM_memory_map 9
struct xen_memory_map {
	unsigned int nr_entries;
	XEN_GUEST_HANDLE(void) buffer; /* array of struct petrel_e820_entry */
};
typedef struct xen_memory_map xen_memory_map_t;
DEFINE_XEN_GUEST_HANDLE(xen_memory_map_t);

#define XENMEM_machine_memory_map 10

#define XENMEM_set_memory_map 13
struct xen_foreign_memory_map {
	domid_t domid;
	struct xen_memory_map map;
};
typedef struct xen_foreign_memory_map xen_foreign_memory_map_t;
DEFINE_XEN_GUEST_HANDLE(xen_foreign_memory_map_t);

/* One entry of a memory map buffer (BIOS e820 layout, 20 bytes, packed). */
#define PETREL_E820_RAM 1
#define PETREL_E820_RESERVED 2
#define PETREL_E820_ACPI 3
#define PETREL_E820_NVS 4
#define PETREL_E820_UNUSABLE 5
#if defined(__GNUC__)
struct petrel_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* PETREL_E820_* */
} __attribute__((__packed__));
#else
#error "struct petrel_e820_entry needs a packed attribute for this compiler"
#endif

#define XENMEM_set_pod_target 16
#define XENMEM_get_pod_target 17
struct xen_pod_target {
	uint64_t target_pages; /* in */
	uint64_t tot_pages;    /* out */
	uint64_t pod_cache_pages;
	uint64_t pod_entries;
	domid_t domid; /* in */
};
typedef struct xen_pod_target xen_pod_target_t;

/* Toolstack-only numbers (paging, access, sharing: not implemented). */
#define XENMEM_get_sharing_freed_pages 18
#define XENMEM_get_sharing_shared_pages 19
#define XENMEM_paging_op 20
#define XENMEM_access_op 21
#define XENMEM_sharing_op 22

/* arg: xen_memory_reservation with only domid and nr_extents (pages) used. */
#define XENMEM_claim_pages 24

/* Reserved device memory (RMRR) ranges. */
#define XENMEM_reserved_device_memory_map 27
struct xen_reserved_device_memory {
	xen_pfn_t start_pfn;
	xen_ulong_t nr_pages;
};
typedef struct xen_reserved_device_memory xen_reserved_device_memory_t;
DEFINE_XEN_GUEST_HANDLE(xen_reserved_device_memory_t);

#define XENMEM_RDM_ALL 1
struct xen_reserved_device_memory_map {
	uint32_t flags; /* XENMEM_RDM_* */
	unsigned int nr_entries;
	XEN_GUEST_HANDLE(xen_reserved_device_memory_t) buffer;
	union {
		physdev_pci_device_t pci;
	} dev;
};
typedef struct xen_reserved_device_memory_map xen_reserved_device_memory_map_t;
DEFINE_XEN_GUEST_HANDLE(xen_reserved_device_memory_map_t);

/* Map frames of a hypervisor resource (ioreq server pages, grant table). */
#define XENMEM_acquire_resource 28
#define XENMEM_resource_ioreq_server 0
#define XENMEM_resource_grant_table 1
#define XENMEM_resource_vmtrace_buf 2
#define XENMEM_resource_grant_table_id_shared 0
#define XENMEM_resource_grant_table_id_status 1
#define XENMEM_resource_ioreq_server_frame_bufioreq 0
#define XENMEM_resource_ioreq_server_frame_ioreq(n) (1 + (n))
struct xen_mem_acquire_resource {
	domid_t domid;
	uint16_t type; /* XENMEM_resource_* */
	uint32_t id;
	uint32_t nr_frames; /* in: wanted (0 = query size); out: available */
	uint32_t pad;
	uint64_t frame; /* first frame index */
	XEN_GUEST_HANDLE(xen_pfn_t) frame_list;
};
typedef struct xen_mem_acquire_resource xen_mem_acquire_resource_t;
DEFINE_XEN_GUEST_HANDLE(xen_mem_acquire_resource_t);

/* vNUMA topology of a guest. */
#define XENMEM_get_vnumainfo 26
struct xen_vmemrange {
	uint64_t start, end;
	unsigned int flags;
	unsigned int nid;
};
typedef struct xen_vmemrange xen_vmemrange_t;
DEFINE_XEN_GUEST_HANDLE(xen_vmemrange_t);

struct xen_vnuma_topology_info {
	domid_t domid;
	uint16_t pad;
	unsigned int nr_vnodes;
	unsigned int nr_vcpus;
	unsigned int nr_vmemranges;
	union {
		XEN_GUEST_HANDLE(uint) h;
		uint64_t pad;
	} vdistance;
	union {
		XEN_GUEST_HANDLE(uint) h;
		uint64_t pad;
	} vcpu_to_vnode;
	union {
		XEN_GUEST_HANDLE(xen_vmemrange_t) h;
		uint64_t pad;
	} vmemrange;
};
typedef struct xen_vnuma_topology_info xen_vnuma_topology_info_t;
DEFINE_XEN_GUEST_HANDLE(xen_vnuma_topology_info_t);

PETREL_ASSERT_SIZE(struct xen_memory_reservation, 32, xen_memory_reservation);
PETREL_ASSERT_OFFSET(struct xen_memory_reservation, nr_extents, 8, xen_memory_reservation);
PETREL_ASSERT_OFFSET(struct xen_memory_reservation, extent_order, 16, xen_memory_reservation);
PETREL_ASSERT_OFFSET(struct xen_memory_reservation, mem_flags, 20, xen_memory_reservation);
PETREL_ASSERT_OFFSET(struct xen_memory_reservation, domid, 24, xen_memory_reservation);
PETREL_ASSERT_SIZE(struct xen_memory_exchange, 72, xen_memory_exchange);
PETREL_ASSERT_OFFSET(struct xen_memory_exchange, nr_exchanged, 64, xen_memory_exchange);
PETREL_ASSERT_SIZE(struct xen_machphys_mfn_list, 24, xen_machphys_mfn_list);
PETREL_ASSERT_SIZE(struct xen_machphys_mapping, 24, xen_machphys_mapping);
PETREL_ASSERT_SIZE(struct xen_add_to_physmap, 24, xen_add_to_physmap);
PETREL_ASSERT_OFFSET(struct xen_add_to_physmap, space, 4, xen_add_to_physmap);
PETREL_ASSERT_OFFSET(struct xen_add_to_physmap, idx, 8, xen_add_to_physmap);
PETREL_ASSERT_OFFSET(struct xen_add_to_physmap, gpfn, 16, xen_add_to_physmap);
PETREL_ASSERT_SIZE(struct xen_add_to_physmap_batch, 32, xen_add_to_physmap_batch);
PETREL_ASSERT_SIZE(struct xen_remove_from_physmap, 16, xen_remove_from_physmap);
PETREL_ASSERT_SIZE(struct xen_memory_map, 16, xen_memory_map);
PETREL_ASSERT_OFFSET(struct xen_memory_map, buffer, 8, xen_memory_map);
PETREL_ASSERT_SIZE(struct xen_foreign_memory_map, 24, xen_foreign_memory_map);
PETREL_ASSERT_SIZE(struct petrel_e820_entry, 20, petrel_e820_entry);
PETREL_ASSERT_OFFSET(struct petrel_e820_entry, type, 16, petrel_e820_entry);
PETREL_ASSERT_SIZE(struct xen_pod_target, 40, xen_pod_target);
PETREL_ASSERT_SIZE(struct xen_reserved_device_memory_map, 24, xen_reserved_device_memory_map);
PETREL_ASSERT_SIZE(struct xen_mem_acquire_resource, 32, xen_mem_acquire_resource);
PETREL_ASSERT_OFFSET(struct xen_mem_acquire_resource, frame, 16, xen_mem_acquire_resource);
PETREL_ASSERT_SIZE(struct xen_vnuma_topology_info, 40, xen_vnuma_topology_info);

#endif /* __XEN_PUBLIC_MEMORY_H__ */
