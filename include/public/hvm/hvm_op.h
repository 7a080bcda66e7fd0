/*
 * Petrel public ABI: HYPERVISOR_hvm_op(cmd, arg) (Xen 4.17 numbers and
 * layouts), the subset HVM/PVH guests and the toolstack use.  For
 * alternate p2m (HVMOP_altp2m), tracing and mem-access only the op numbers
 * are listed; their argument structs are not declared here.
 */
#ifndef __XEN_PUBLIC_HVM_HVM_OP_H__
#define __XEN_PUBLIC_HVM_HVM_OP_H__

#include "../xen.h"
#include "../event_channel.h"

/* Read or write one HVM_PARAM_* of domid (DOMID_SELF for the caller). */
#define HVMOP_set_param 0
#define HVMOP_get_param 1
struct xen_hvm_param {
	domid_t domid;
	uint16_t pad;
	uint32_t index; /* HVM_PARAM_* */
	uint64_t value;
};
typedef struct xen_hvm_param xen_hvm_param_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_param_t);

/* Flush every vcpu's TLB of the caller; arg must be NULL. */
#define HVMOP_flush_tlbs 5

typedef enum {
	HVMMEM_ram_rw,
	HVMMEM_ram_ro,
	HVMMEM_mmio_dm,	    /* MMIO handled by the device model */
	HVMMEM_unused,	    /* no longer settable */
	HVMMEM_ioreq_server /* claimed by an ioreq server */
} hvmmem_type_t;

/* The guest tells the hypervisor a page table is going away (shadow paging hint). */
#define HVMOP_pagetable_dying 9
struct xen_hvm_pagetable_dying {
	domid_t domid;
	uint16_t pad[3];
	uint64_t gpa; /* the page table's guest-physical address */
};
typedef struct xen_hvm_pagetable_dying xen_hvm_pagetable_dying_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_pagetable_dying_t);

/* Current system time in ns. */
#define HVMOP_get_time 10
struct xen_hvm_get_time {
	uint64_t now;
};
typedef struct xen_hvm_get_time xen_hvm_get_time_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_get_time_t);

#define HVMOP_xentrace 11
#define HVMOP_set_mem_access 12
#define HVMOP_get_mem_access 13

#define HVMOP_get_mem_type 15
struct xen_hvm_get_mem_type {
	domid_t domid;
	uint16_t mem_type; /* out: hvmmem_type_t */
	uint16_t pad[2];
	uint64_t pfn;
};
typedef struct xen_hvm_get_mem_type xen_hvm_get_mem_type_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_get_mem_type_t);

/* How an ioreq server wants buffered ioreqs (toolstack). */
#define HVM_IOREQSRV_BUFIOREQ_OFF 0
#define HVM_IOREQSRV_BUFIOREQ_LEGACY 1
#define HVM_IOREQSRV_BUFIOREQ_ATOMIC 2

/*
 * Per-vcpu event upcall through a LAPIC vector (advertised by
 * XEN_HVM_CPUID_UPCALL_VECTOR); otherwise guests use HVM_PARAM_CALLBACK_IRQ.
 */
#define HVMOP_set_evtchn_upcall_vector 23
struct xen_hvm_evtchn_upcall_vector {
	uint32_t vcpu;
	uint8_t vector;
};
typedef struct xen_hvm_evtchn_upcall_vector xen_hvm_evtchn_upcall_vector_t;
DEFINE_XEN_GUEST_HANDLE(xen_hvm_evtchn_upcall_vector_t);

#define HVMOP_guest_request_vm_event 24
#define HVMOP_altp2m 25
#define HVMOP_ALTP2M_INTERFACE_VERSION 0x00000001

PETREL_ASSERT_SIZE(struct xen_hvm_param, 16, xen_hvm_param);
PETREL_ASSERT_OFFSET(struct xen_hvm_param, index, 4, xen_hvm_param);
PETREL_ASSERT_OFFSET(struct xen_hvm_param, value, 8, xen_hvm_param);
PETREL_ASSERT_SIZE(struct xen_hvm_pagetable_dying, 16, xen_hvm_pagetable_dying);
PETREL_ASSERT_SIZE(struct xen_hvm_get_time, 8, xen_hvm_get_time);
PETREL_ASSERT_SIZE(struct xen_hvm_get_mem_type, 16, xen_hvm_get_mem_type);
PETREL_ASSERT_SIZE(struct xen_hvm_evtchn_upcall_vector, 8, xen_hvm_evtchn_upcall_vector);
PETREL_ASSERT_OFFSET(struct xen_hvm_evtchn_upcall_vector, vector, 4, xen_hvm_evtchn_upcall_vector);

#endif /* __XEN_PUBLIC_HVM_HVM_OP_H__ */
