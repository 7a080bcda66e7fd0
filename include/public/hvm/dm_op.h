/*
 * Petrel public ABI: HYPERVISOR_dm_op(domid, nr_bufs, bufs), the device
 * model's calls on the HVM domain it serves (Xen 4.17 numbers and layouts).
 * bufs[0] holds a struct xen_dm_op; some ops take a second buffer.
 */
#ifndef __XEN_PUBLIC_HVM_DM_OP_H__
#define __XEN_PUBLIC_HVM_DM_OP_H__

#include "../xen.h"
#include "../event_channel.h"
#include "../static-assert.h"

typedef uint16_t ioservid_t;

/* A new ioreq server (disabled); handle_bufioreq is HVM_IOREQSRV_BUFIOREQ_*. */
#define XEN_DMOP_create_ioreq_server 1
struct xen_dm_op_create_ioreq_server {
	uint8_t handle_bufioreq;
	uint8_t pad[3];
	ioservid_t id; /* out */
};
typedef struct xen_dm_op_create_ioreq_server xen_dm_op_create_ioreq_server_t;

/*
 * The buffered ring's event channel and, unless XEN_DMOP_no_gfns, guest
 * frames where the pages are mapped (the model may instead map them with
 * XENMEM_acquire_resource, XENMEM_resource_ioreq_server).
 */
#define XEN_DMOP_get_ioreq_server_info 2
struct xen_dm_op_get_ioreq_server_info {
	ioservid_t id;
	uint16_t flags;
#define _XEN_DMOP_no_gfns 0
#define XEN_DMOP_no_gfns (1u << _XEN_DMOP_no_gfns)
	evtchn_port_t bufioreq_port; /* out */
	uint64_aligned_t ioreq_gfn;    /* out */
	uint64_aligned_t bufioreq_gfn; /* out */
};
typedef struct xen_dm_op_get_ioreq_server_info xen_dm_op_get_ioreq_server_info_t;

/* Claim or release an inclusive range of ports, guest-physical bytes or PCI SBDFs. */
#define XEN_DMOP_map_io_range_to_ioreq_server 3
#define XEN_DMOP_unmap_io_range_from_ioreq_server 4
struct xen_dm_op_ioreq_server_range {
	ioservid_t id;
	uint16_t pad;
	uint32_t type;
#define XEN_DMOP_IO_RANGE_PORT 0
#define XEN_DMOP_IO_RANGE_MEMORY 1
#define XEN_DMOP_IO_RANGE_PCI 2
	uint64_aligned_t start, end;
};
typedef struct xen_dm_op_ioreq_server_range xen_dm_op_ioreq_server_range_t;

#define XEN_DMOP_PCI_SBDF(s, b, d, f)                                                   \
	((((s)&0xffff) << 16) | (((b)&0xff) << 8) | (((d)&0x1f) << 3) | ((f)&0x07))

/* Requests reach a server only while it is enabled. */
#define XEN_DMOP_set_ioreq_server_state 5
struct xen_dm_op_set_ioreq_server_state {
	ioservid_t id;
	uint8_t enabled;
	uint8_t pad;
};
typedef struct xen_dm_op_set_ioreq_server_state xen_dm_op_set_ioreq_server_state_t;

/* The server, its ranges, pages and event channels go. */
#define XEN_DMOP_destroy_ioreq_server 6
struct xen_dm_op_destroy_ioreq_server {
	ioservid_t id;
	uint16_t pad;
};
typedef struct xen_dm_op_destroy_ioreq_server xen_dm_op_destroy_ioreq_server_t;

/* Dirty bits of nr frames from first_pfn, into bufs[1]. */
#define XEN_DMOP_track_dirty_vram 7
struct xen_dm_op_track_dirty_vram {
	uint32_t nr;
	uint32_t pad;
	uint64_aligned_t first_pfn;
};
typedef struct xen_dm_op_track_dirty_vram xen_dm_op_track_dirty_vram_t;

#define XEN_DMOP_set_pci_intx_level 8
struct xen_dm_op_set_pci_intx_level {
	uint16_t domain;
	uint8_t bus, device, intx;
	uint8_t level; /* 0 deasserted, 1 asserted */
};
typedef struct xen_dm_op_set_pci_intx_level xen_dm_op_set_pci_intx_level_t;

#define XEN_DMOP_set_isa_irq_level 9
struct xen_dm_op_set_isa_irq_level {
	uint8_t isa_irq; /* 0-15 */
	uint8_t level;
};
typedef struct xen_dm_op_set_isa_irq_level xen_dm_op_set_isa_irq_level_t;

#define XEN_DMOP_set_pci_link_route 10
struct xen_dm_op_set_pci_link_route {
	uint8_t link;	 /* INTx line 0-3 */
	uint8_t isa_irq; /* 1-15, 0 = off */
};
typedef struct xen_dm_op_set_pci_link_route xen_dm_op_set_pci_link_route_t;

/* bufs[1]: nr_extents struct xen_dm_op_modified_memory_extent. */
#define XEN_DMOP_modified_memory 11
struct xen_dm_op_modified_memory {
	uint32_t nr_extents;
	uint32_t opaque; /* must be 0 */
};
typedef struct xen_dm_op_modified_memory xen_dm_op_modified_memory_t;

struct xen_dm_op_modified_memory_extent {
	uint32_t nr;
	uint32_t pad;
	uint64_aligned_t first_pfn;
};

#define XEN_DMOP_set_mem_type 12
struct xen_dm_op_set_mem_type {
	uint32_t nr;
	uint16_t mem_type; /* hvmmem_type_t */
	uint16_t pad;
	uint64_aligned_t first_pfn;
};
typedef struct xen_dm_op_set_mem_type xen_dm_op_set_mem_type_t;

#define XEN_DMOP_inject_event 13
struct xen_dm_op_inject_event {
	uint32_t vcpuid;
	uint8_t vector;
	uint8_t type;
#define XEN_DMOP_EVENT_ext_int 0
#define XEN_DMOP_EVENT_nmi 2
#define XEN_DMOP_EVENT_hw_exc 3
#define XEN_DMOP_EVENT_sw_int 4
#define XEN_DMOP_EVENT_pri_sw_exc 5
#define XEN_DMOP_EVENT_sw_exc 6
	uint8_t insn_len;
	uint8_t pad0;
	uint32_t error_code; /* ~0: none */
	uint32_t pad1;
	uint64_aligned_t cr2;
};
typedef struct xen_dm_op_inject_event xen_dm_op_inject_event_t;

#define XEN_DMOP_inject_msi 14
struct xen_dm_op_inject_msi {
	uint32_t data;
	uint32_t pad;
	uint64_aligned_t addr;
};
typedef struct xen_dm_op_inject_msi xen_dm_op_inject_msi_t;

#define XEN_DMOP_map_mem_type_to_ioreq_server 15
struct xen_dm_op_map_mem_type_to_ioreq_server {
	ioservid_t id;
	uint16_t type;
	uint32_t flags; /* 0 unmaps */
#define XEN_DMOP_IOREQ_MEM_ACCESS_READ (1u << 0)
#define XEN_DMOP_IOREQ_MEM_ACCESS_WRITE (1u << 1)
	uint64_t opaque; /* must be 0 */
};
typedef struct xen_dm_op_map_mem_type_to_ioreq_server xen_dm_op_map_mem_type_to_ioreq_server_t;

#define XEN_DMOP_remote_shutdown 16
struct xen_dm_op_remote_shutdown {
	uint32_t reason; /* SHUTDOWN_* */
};
typedef struct xen_dm_op_remote_shutdown xen_dm_op_remote_shutdown_t;

#define XEN_DMOP_relocate_memory 17
struct xen_dm_op_relocate_memory {
	uint32_t size;
	uint32_t pad;
	uint64_aligned_t src_gfn;
	uint64_aligned_t dst_gfn;
};
typedef struct xen_dm_op_relocate_memory xen_dm_op_relocate_memory_t;

#define XEN_DMOP_pin_memory_cacheattr 18
struct xen_dm_op_pin_memory_cacheattr {
	uint64_aligned_t start;
	uint64_aligned_t end;
#define XEN_DMOP_MEM_CACHEATTR_UC 0
#define XEN_DMOP_MEM_CACHEATTR_WC 1
#define XEN_DMOP_MEM_CACHEATTR_WT 4
#define XEN_DMOP_MEM_CACHEATTR_WP 5
#define XEN_DMOP_MEM_CACHEATTR_WB 6
#define XEN_DMOP_MEM_CACHEATTR_UCM 7
#define XEN_DMOP_DELETE_MEM_CACHEATTR (~(uint32_t)0)
	uint32_t type;
	uint32_t pad;
};
typedef struct xen_dm_op_pin_memory_cacheattr xen_dm_op_pin_memory_cacheattr_t;

#define XEN_DMOP_set_irq_level 19
struct xen_dm_op_set_irq_level {
	uint32_t irq;
	uint8_t level;
	uint8_t pad[3];
};
typedef struct xen_dm_op_set_irq_level xen_dm_op_set_irq_level_t;

#define XEN_DMOP_nr_vcpus 20
struct xen_dm_op_nr_vcpus {
	uint32_t vcpus; /* out */
};
typedef struct xen_dm_op_nr_vcpus xen_dm_op_nr_vcpus_t;

struct xen_dm_op {
	uint32_t op;
	uint32_t pad;
	union {
		xen_dm_op_create_ioreq_server_t create_ioreq_server;
		xen_dm_op_get_ioreq_server_info_t get_ioreq_server_info;
		xen_dm_op_ioreq_server_range_t map_io_range_to_ioreq_server;
		xen_dm_op_ioreq_server_range_t unmap_io_range_from_ioreq_server;
		xen_dm_op_set_ioreq_server_state_t set_ioreq_server_state;
		xen_dm_op_destroy_ioreq_server_t destroy_ioreq_server;
		xen_dm_op_track_dirty_vram_t track_dirty_vram;
		xen_dm_op_set_pci_intx_level_t set_pci_intx_level;
		xen_dm_op_set_isa_irq_level_t set_isa_irq_level;
		xen_dm_op_set_irq_level_t set_irq_level;
		xen_dm_op_set_pci_link_route_t set_pci_link_route;
		xen_dm_op_modified_memory_t modified_memory;
		xen_dm_op_set_mem_type_t set_mem_type;
		xen_dm_op_inject_event_t inject_event;
		xen_dm_op_inject_msi_t inject_msi;
		xen_dm_op_map_mem_type_to_ioreq_server_t map_mem_type_to_ioreq_server;
		xen_dm_op_remote_shutdown_t remote_shutdown;
		xen_dm_op_relocate_memory_t relocate_memory;
		xen_dm_op_pin_memory_cacheattr_t pin_memory_cacheattr;
		xen_dm_op_nr_vcpus_t nr_vcpus;
	} u;
};

/* One buffer of the call: a guest address and its size in bytes. */
struct xen_dm_op_buf {
	XEN_GUEST_HANDLE(void) h;
	xen_ulong_t size;
};
typedef struct xen_dm_op_buf xen_dm_op_buf_t;
DEFINE_XEN_GUEST_HANDLE(xen_dm_op_buf_t);

PETREL_ASSERT_SIZE(struct xen_dm_op, 32, xen_dm_op);
PETREL_ASSERT_SIZE(struct xen_dm_op_ioreq_server_range, 24, xen_dm_op_ioreq_server_range);
PETREL_ASSERT_OFFSET(struct xen_dm_op_get_ioreq_server_info, ioreq_gfn, 8,
		     xen_dm_op_get_ioreq_server_info);
PETREL_ASSERT_SIZE(struct xen_dm_op_buf, 16, xen_dm_op_buf);

#endif
