/*
 * Petrel public ABI: HYPERVISOR_domctl(xen_domctl) (Xen 4.17 numbers and
 * layouts, interface version 0x15), the toolstack's per-domain control.
 *
 * Every op number Xen 4.17 defines is listed.  Argument structs are given
 * for the ops a basic toolstack uses (create, destroy, pause/unpause, info,
 * memory and vcpu limits, vcpu context, affinity, scheduler parameters,
 * permissions, ...).  The
 * union in struct xen_domctl carries only those, padded to Xen's 128 bytes,
 * so the struct is byte-for-byte Xen's (`make headers-check` verifies that
 * every member here sits where Xen has it).
 *
 * Xen only exposes this header to __XEN__/__XEN_TOOLS__ builds; Petrel's
 * tools and hypervisor both include it directly.
 */
#ifndef __XEN_PUBLIC_DOMCTL_H__
#define __XEN_PUBLIC_DOMCTL_H__

#include "xen.h"
#include "event_channel.h"
#include "grant_table.h"
#include "memory.h"
#include "hvm/save.h"

/* A domctl whose interface_version differs is refused with -EACCES. */
#define XEN_DOMCTL_INTERFACE_VERSION 0x00000015

/* XEN_DOMCTL_createdomain: `domain` in = wanted id (0 = any), out = id. */
#define _XEN_DOMCTL_CDF_hvm 0
#define XEN_DOMCTL_CDF_hvm (1U << _XEN_DOMCTL_CDF_hvm)
#define _XEN_DOMCTL_CDF_hap 1
#define XEN_DOMCTL_CDF_hap (1U << _XEN_DOMCTL_CDF_hap)
#define _XEN_DOMCTL_CDF_s3_integrity 2
#define XEN_DOMCTL_CDF_s3_integrity (1U << _XEN_DOMCTL_CDF_s3_integrity)
#define _XEN_DOMCTL_CDF_oos_off 3
#define XEN_DOMCTL_CDF_oos_off (1U << _XEN_DOMCTL_CDF_oos_off)
#define _XEN_DOMCTL_CDF_xs_domain 4
#define XEN_DOMCTL_CDF_xs_domain (1U << _XEN_DOMCTL_CDF_xs_domain)
#define _XEN_DOMCTL_CDF_iommu 5
#define XEN_DOMCTL_CDF_iommu (1U << _XEN_DOMCTL_CDF_iommu)
#define _XEN_DOMCTL_CDF_nested_virt 6
#define XEN_DOMCTL_CDF_nested_virt (1U << _XEN_DOMCTL_CDF_nested_virt)
#define XEN_DOMCTL_CDF_vpmu (1U << 7)
#define XEN_DOMCTL_CDF_MAX XEN_DOMCTL_CDF_vpmu

#define _XEN_DOMCTL_IOMMU_no_sharept 0
#define XEN_DOMCTL_IOMMU_no_sharept (1U << _XEN_DOMCTL_IOMMU_no_sharept)
#define XEN_DOMCTL_IOMMU_MAX XEN_DOMCTL_IOMMU_no_sharept

/* grant_opts[3:0]: highest grant table version the guest may use. */
#define XEN_DOMCTL_GRANT_version_mask 0xf
#define XEN_DOMCTL_GRANT_version(v) ((v)&XEN_DOMCTL_GRANT_version_mask)

struct xen_domctl_createdomain {
	uint32_t ssidref;	    /* XSM label; 0 */
	xen_domain_handle_t handle; /* UUID */
	uint32_t flags;		    /* XEN_DOMCTL_CDF_* */
	uint32_t iommu_opts;	    /* XEN_DOMCTL_IOMMU_* */
	uint32_t max_vcpus;
	uint32_t max_evtchn_port;
	int32_t max_grant_frames;    /* -1: hypervisor default */
	int32_t max_maptrack_frames; /* -1: hypervisor default */
	uint32_t grant_opts;
	uint32_t vmtrace_size; /* per vcpu, bytes; 0 = off */
	uint32_t cpupool_id;
	struct xen_arch_domainconfig arch;
};

/* XEN_DOMCTL_getdomaininfo (and each entry of SYSCTL_getdomaininfolist). */
#define _XEN_DOMINF_dying 0
#define XEN_DOMINF_dying (1U << _XEN_DOMINF_dying)
#define _XEN_DOMINF_hvm_guest 1
#define XEN_DOMINF_hvm_guest (1U << _XEN_DOMINF_hvm_guest)
#define _XEN_DOMINF_shutdown 2
#define XEN_DOMINF_shutdown (1U << _XEN_DOMINF_shutdown)
#define _XEN_DOMINF_paused 3
#define XEN_DOMINF_paused (1U << _XEN_DOMINF_paused)
#define _XEN_DOMINF_blocked 4
#define XEN_DOMINF_blocked (1U << _XEN_DOMINF_blocked)
#define _XEN_DOMINF_running 5
#define XEN_DOMINF_running (1U << _XEN_DOMINF_running)
#define _XEN_DOMINF_debugged 6
#define XEN_DOMINF_debugged (1U << _XEN_DOMINF_debugged)
#define _XEN_DOMINF_xs_domain 7
#define XEN_DOMINF_xs_domain (1U << _XEN_DOMINF_xs_domain)
#define _XEN_DOMINF_hap 8
#define XEN_DOMINF_hap (1U << _XEN_DOMINF_hap)
/* flags[23:16]: the SHUTDOWN_* reason while XEN_DOMINF_shutdown is set. */
#define XEN_DOMINF_shutdownmask 255
#define XEN_DOMINF_shutdownshift 16
#define XEN_INVALID_MAX_VCPU_ID (~0U) /* max_vcpu_id of a domain with no vcpus */

struct xen_domctl_getdomaininfo {
	domid_t domain; /* also an output, for getdomaininfolist */
	uint16_t pad1;
	uint32_t flags; /* XEN_DOMINF_* */
	uint64_aligned_t tot_pages;
	uint64_aligned_t max_pages;
	uint64_aligned_t outstanding_pages;
	uint64_aligned_t shr_pages;
	uint64_aligned_t paged_pages;
	uint64_aligned_t shared_info_frame; /* GMFN of shared_info */
	uint64_aligned_t cpu_time;	    /* ns */
	uint32_t nr_online_vcpus;
	uint32_t max_vcpu_id;
	uint32_t ssidref;
	xen_domain_handle_t handle;
	uint32_t cpupool;
	uint8_t gpaddr_bits; /* guest physical address width */
	uint8_t pad2[7];
	struct xen_arch_domainconfig arch_config;
};
typedef struct xen_domctl_getdomaininfo xen_domctl_getdomaininfo_t;
DEFINE_XEN_GUEST_HANDLE(xen_domctl_getdomaininfo_t);

/* XEN_DOMCTL_getpageframeinfo3: type of each frame (PV save/migrate). */
#define XEN_DOMCTL_PFINFO_LTAB_SHIFT 28
#define XEN_DOMCTL_PFINFO_NOTAB (0x0U << 28)
#define XEN_DOMCTL_PFINFO_L1TAB (0x1U << 28)
#define XEN_DOMCTL_PFINFO_L2TAB (0x2U << 28)
#define XEN_DOMCTL_PFINFO_L3TAB (0x3U << 28)
#define XEN_DOMCTL_PFINFO_L4TAB (0x4U << 28)
#define XEN_DOMCTL_PFINFO_LTABTYPE_MASK (0x7U << 28)
#define XEN_DOMCTL_PFINFO_LPINTAB (0x1U << 31)
#define XEN_DOMCTL_PFINFO_XTAB (0xfU << 28)   /* invalid frame */
#define XEN_DOMCTL_PFINFO_XALLOC (0xeU << 28) /* allocate-only frame */
#define XEN_DOMCTL_PFINFO_BROKEN (0xdU << 28) /* broken frame */
#define XEN_DOMCTL_PFINFO_LTAB_MASK (0xfU << 28)
struct xen_domctl_getpageframeinfo3 {
	uint64_aligned_t num;
	XEN_GUEST_HANDLE_64(xen_pfn_t) array; /* in: frames; out: frame | PFINFO type */
};

/* XEN_DOMCTL_shadow_op: log-dirty and paging-pool control. */
#define XEN_DOMCTL_SHADOW_OP_OFF 0
#define XEN_DOMCTL_SHADOW_OP_ENABLE 32
#define XEN_DOMCTL_SHADOW_OP_CLEAN 11
#define XEN_DOMCTL_SHADOW_OP_PEEK 12
#define XEN_DOMCTL_SHADOW_OP_GET_ALLOCATION 30
#define XEN_DOMCTL_SHADOW_OP_SET_ALLOCATION 31
#define XEN_DOMCTL_SHADOW_OP_ENABLE_TEST 1
#define XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY 2
/* 3 (ENABLE_TRANSLATE) is retired. */
#define XEN_DOMCTL_SHADOW_ENABLE_REFCOUNT (1 << 1)
#define XEN_DOMCTL_SHADOW_ENABLE_LOG_DIRTY (1 << 2)
#define XEN_DOMCTL_SHADOW_ENABLE_TRANSLATE (1 << 3)
#define XEN_DOMCTL_SHADOW_ENABLE_EXTERNAL (1 << 4)
#define XEN_DOMCTL_SHADOW_LOGDIRTY_FINAL (1 << 0)
struct xen_domctl_shadow_op_stats {
	uint32_t fault_count;
	uint32_t dirty_count;
};
struct xen_domctl_shadow_op {
	uint32_t op;   /* XEN_DOMCTL_SHADOW_OP_* */
	uint32_t mode; /* ENABLE: XEN_DOMCTL_SHADOW_ENABLE_* */
	uint32_t mb;   /* SET/GET_ALLOCATION: MiB */
	XEN_GUEST_HANDLE_64(uint8) dirty_bitmap;
	uint64_aligned_t pages; /* bits in dirty_bitmap */
	struct xen_domctl_shadow_op_stats stats;
};

/* XEN_DOMCTL_max_mem */
struct xen_domctl_max_mem {
	uint64_aligned_t max_memkb;
};

/* XEN_DOMCTL_setvcpucontext / XEN_DOMCTL_getvcpucontext */
struct xen_domctl_vcpucontext {
	uint32_t vcpu;
	XEN_GUEST_HANDLE_64(vcpu_guest_context_t) ctxt; /* NULL on set: reset the vcpu */
};

/* XEN_DOMCTL_getvcpuinfo */
struct xen_domctl_getvcpuinfo {
	uint32_t vcpu;	/* in */
	uint8_t online; /* out */
	uint8_t blocked;
	uint8_t running;
	uint64_aligned_t cpu_time; /* ns */
	uint32_t cpu;		   /* physical CPU it runs on */
};

/* XEN_DOMCTL_setnodeaffinity / getnodeaffinity */
struct xen_domctl_nodeaffinity {
	struct xenctl_bitmap nodemap;
};

/* XEN_DOMCTL_setvcpuaffinity / getvcpuaffinity */
#define _XEN_VCPUAFFINITY_HARD 0
#define XEN_VCPUAFFINITY_HARD (1U << _XEN_VCPUAFFINITY_HARD)
#define _XEN_VCPUAFFINITY_SOFT 1
#define XEN_VCPUAFFINITY_SOFT (1U << _XEN_VCPUAFFINITY_SOFT)
#define _XEN_VCPUAFFINITY_FORCE 2
#define XEN_VCPUAFFINITY_FORCE (1U << _XEN_VCPUAFFINITY_FORCE)
struct xen_domctl_vcpuaffinity {
	uint32_t vcpu;
	uint32_t flags; /* XEN_VCPUAFFINITY_* */
	struct xenctl_bitmap cpumap_hard;
	struct xenctl_bitmap cpumap_soft;
};

/* XEN_DOMCTL_max_vcpus */
struct xen_domctl_max_vcpus {
	uint32_t max;
};

/* Scheduler ids (XEN_DOMCTL_scheduler_op, XEN_SYSCTL_sched_id). */
#define XEN_SCHEDULER_CREDIT 5
#define XEN_SCHEDULER_CREDIT2 6
#define XEN_SCHEDULER_ARINC653 7
#define XEN_SCHEDULER_RTDS 8
#define XEN_SCHEDULER_NULL 9

/* XEN_DOMCTL_scheduler_op: per-domain (or per-vcpu) scheduler parameters. */
struct xen_domctl_sched_credit {
	uint16_t weight;
	uint16_t cap; /* percent of one CPU, 0 = none */
};
struct xen_domctl_sched_credit2 {
	uint16_t weight;
	uint16_t cap;
};
#define _XEN_DOMCTL_SCHEDRT_extra 0
#define XEN_DOMCTL_SCHEDRT_extra (1U << _XEN_DOMCTL_SCHEDRT_extra)
struct xen_domctl_sched_rtds {
	uint32_t period; /* us */
	uint32_t budget; /* us */
	uint32_t flags;	 /* XEN_DOMCTL_SCHEDRT_* */
};
typedef struct xen_domctl_schedparam_vcpu {
	union {
		struct xen_domctl_sched_credit credit;
		struct xen_domctl_sched_credit2 credit2;
		struct xen_domctl_sched_rtds rtds;
	} u;
	uint32_t vcpuid;
} xen_domctl_schedparam_vcpu_t;
DEFINE_XEN_GUEST_HANDLE(xen_domctl_schedparam_vcpu_t);

#define XEN_DOMCTL_SCHEDOP_putinfo 0
#define XEN_DOMCTL_SCHEDOP_getinfo 1
#define XEN_DOMCTL_SCHEDOP_putvcpuinfo 2
#define XEN_DOMCTL_SCHEDOP_getvcpuinfo 3
struct xen_domctl_scheduler_op {
	uint32_t sched_id; /* XEN_SCHEDULER_* */
	uint32_t cmd;	   /* XEN_DOMCTL_SCHEDOP_* */
	union {
		struct xen_domctl_sched_credit credit;
		struct xen_domctl_sched_credit2 credit2;
		struct xen_domctl_sched_rtds rtds;
		struct {
			XEN_GUEST_HANDLE_64(xen_domctl_schedparam_vcpu_t) vcpus;
			uint32_t nr_vcpus; /* in: entries; out: entries done */
			uint32_t padding;
		} v;
	} u;
};

/* XEN_DOMCTL_setdomainhandle */
struct xen_domctl_setdomainhandle {
	xen_domain_handle_t handle;
};

/* XEN_DOMCTL_setdebugging */
struct xen_domctl_setdebugging {
	uint8_t enable;
};

/* XEN_DOMCTL_irq_permission */
struct xen_domctl_irq_permission {
	uint32_t pirq;
	uint8_t allow_access;
	uint8_t pad[3];
};

/* XEN_DOMCTL_iomem_permission */
struct xen_domctl_iomem_permission {
	uint64_aligned_t first_mfn;
	uint64_aligned_t nr_mfns;
	uint8_t allow_access;
};

/* XEN_DOMCTL_ioport_permission */
struct xen_domctl_ioport_permission {
	uint32_t first_port;
	uint32_t nr_ports;
	uint8_t allow_access;
};

/* XEN_DOMCTL_hypercall_init: fill this guest frame with hypercall stubs. */
struct xen_domctl_hypercall_init {
	uint64_aligned_t gmfn;
};

/* XEN_DOMCTL_settimeoffset */
struct xen_domctl_settimeoffset {
	int64_aligned_t time_offset_seconds;
};

/* XEN_DOMCTL_gettscinfo / settscinfo */
struct xen_domctl_tsc_info {
	uint32_t tsc_mode;
	uint32_t gtsc_khz;
	uint32_t incarnation;
	uint32_t pad;
	uint64_aligned_t elapsed_nsec;
};

/* XEN_DOMCTL_gethvmcontext / sethvmcontext: the HVM save record stream. */
struct xen_domctl_hvmcontext {
	uint32_t size; /* in: buffer size; out: bytes (NULL buffer: size needed) */
	XEN_GUEST_HANDLE_64(uint8) buffer;
};

/* XEN_DOMCTL_gethvmcontext_partial: one record of the stream, without its descriptor. */
struct xen_domctl_hvmcontext_partial {
	uint32_t type;			  /* in: the record's type code */
	uint32_t instance;		  /* in: which one (the vCPU for per-vCPU records) */
	uint64_aligned_t bufsz;		  /* in: buffer size; out: the record's size */
	XEN_GUEST_HANDLE_64(uint8) buffer; /* out: the record (NULL: only its size) */
};

/* XEN_DOMCTL_set_address_size / get_address_size */
struct xen_domctl_address_size {
	uint32_t size; /* 32 or 64 */
};

/* XEN_DOMCTL_sendtrigger */
#define XEN_DOMCTL_SENDTRIGGER_NMI 0
#define XEN_DOMCTL_SENDTRIGGER_RESET 1
#define XEN_DOMCTL_SENDTRIGGER_INIT 2
#define XEN_DOMCTL_SENDTRIGGER_POWER 3
#define XEN_DOMCTL_SENDTRIGGER_SLEEP 4
struct xen_domctl_sendtrigger {
	uint32_t trigger; /* XEN_DOMCTL_SENDTRIGGER_* */
	uint32_t vcpu;
};

/* XEN_DOMCTL_set_target: `domain` may control `target` (device model). */
struct xen_domctl_set_target {
	domid_t target;
};

/* XEN_DOMCTL_subscribe: port notified when the domain suspends. */
struct xen_domctl_subscribe {
	uint32_t port;
};

/*
 * XEN_DOMCTL_get_cpu_policy / set_cpu_policy: a domain's CPUID leaves and
 * MSRs.  On a rejected set, err_* name the offending leaf/subleaf/MSR.
 */
struct xen_domctl_cpu_policy {
	uint32_t nr_leaves; /* in: room / entries; out: written */
	uint32_t nr_msrs;
	XEN_GUEST_HANDLE_64(xen_cpuid_leaf_t) leaves;
	XEN_GUEST_HANDLE_64(xen_msr_entry_t) msrs;
	uint32_t err_leaf, err_subleaf, err_msr;
};
typedef struct xen_domctl_cpu_policy xen_domctl_cpu_policy_t;
DEFINE_XEN_GUEST_HANDLE(xen_domctl_cpu_policy_t);

/*
 * XEN_DOMCTL_set_ext_vcpucontext / get_ext_vcpucontext: the x86 extras of a vCPU.
 * The vMCE block is the VMCE_VCPU save record (arch-x86/hvm/save.h).
 */
struct xen_domctl_ext_vcpucontext {
	uint32_t vcpu;
	uint32_t size; /* get: bytes filled; set: bytes given */
	uint64_aligned_t syscall32_callback_eip;
	uint64_aligned_t sysenter_callback_eip;
	uint16_t syscall32_callback_cs;
	uint16_t sysenter_callback_cs;
	uint8_t syscall32_disables_events;
	uint8_t sysenter_disables_events;
#if defined(__GNUC__) && !defined(__STRICT_ANSI__)
	union { /* mcg_cap: the older name of vmce.caps (an anonymous union, GNU C only) */
		uint64_aligned_t mcg_cap;
		struct hvm_vmce_vcpu vmce;
	};
#else
	struct hvm_vmce_vcpu vmce;
#endif
};

/* XEN_DOMCTL_getvcpuextstate / setvcpuextstate: XSAVE state of a vcpu. */
struct xen_domctl_vcpuextstate {
	uint32_t vcpu;
	uint64_aligned_t xfeature_mask;
	uint64_aligned_t size; /* bytes; 0 on get: query the size */
	XEN_GUEST_HANDLE_64(uint64) buffer;
};

/* XEN_DOMCTL_get_vcpu_msrs / set_vcpu_msrs */
struct xen_domctl_vcpu_msr {
	uint32_t index;
	uint32_t reserved;
	uint64_aligned_t value;
};
typedef struct xen_domctl_vcpu_msr xen_domctl_vcpu_msr_t;
DEFINE_XEN_GUEST_HANDLE(xen_domctl_vcpu_msr_t);
struct xen_domctl_vcpu_msrs {
	uint32_t vcpu;
	uint32_t msr_count; /* in: room; out: entries */
	XEN_GUEST_HANDLE_64(xen_domctl_vcpu_msr_t) msrs;
};

/* XEN_DOMCTL_set_virq_handler: route a global VIRQ to `domain`. */
struct xen_domctl_set_virq_handler {
	uint32_t virq;
};

/* XEN_DOMCTL_get/set_paging_mempool_size */
struct xen_domctl_paging_mempool {
	uint64_aligned_t size; /* bytes */
};

struct xen_domctl {
	uint32_t cmd;		    /* XEN_DOMCTL_* */
	uint32_t interface_version; /* XEN_DOMCTL_INTERFACE_VERSION */
	domid_t domain;
	uint16_t _pad[3];
	union {
		struct xen_domctl_createdomain createdomain;
		struct xen_domctl_getdomaininfo getdomaininfo;
		struct xen_domctl_getpageframeinfo3 getpageframeinfo3;
		struct xen_domctl_nodeaffinity nodeaffinity;
		struct xen_domctl_vcpuaffinity vcpuaffinity;
		struct xen_domctl_shadow_op shadow_op;
		struct xen_domctl_max_mem max_mem;
		struct xen_domctl_vcpucontext vcpucontext;
		struct xen_domctl_getvcpuinfo getvcpuinfo;
		struct xen_domctl_max_vcpus max_vcpus;
		struct xen_domctl_scheduler_op scheduler_op;
		struct xen_domctl_setdomainhandle setdomainhandle;
		struct xen_domctl_setdebugging setdebugging;
		struct xen_domctl_irq_permission irq_permission;
		struct xen_domctl_iomem_permission iomem_permission;
		struct xen_domctl_ioport_permission ioport_permission;
		struct xen_domctl_hypercall_init hypercall_init;
		struct xen_domctl_settimeoffset settimeoffset;
		struct xen_domctl_tsc_info tsc_info;
		struct xen_domctl_hvmcontext hvmcontext;
		struct xen_domctl_hvmcontext_partial hvmcontext_partial;
		struct xen_domctl_address_size address_size;
		struct xen_domctl_sendtrigger sendtrigger;
		struct xen_domctl_ext_vcpucontext ext_vcpucontext;
		struct xen_domctl_set_target set_target;
		struct xen_domctl_subscribe subscribe;
		struct xen_domctl_cpu_policy cpu_policy;
		struct xen_domctl_vcpuextstate vcpuextstate;
		struct xen_domctl_vcpu_msrs vcpu_msrs;
		struct xen_domctl_set_virq_handler set_virq_handler;
		struct xen_domctl_paging_mempool paging_mempool;
		uint8_t pad[128];
	} u;
};
typedef struct xen_domctl xen_domctl_t;
DEFINE_XEN_GUEST_HANDLE(xen_domctl_t);

/* Op numbers (xen_domctl.cmd). */
#define XEN_DOMCTL_createdomain 1
#define XEN_DOMCTL_destroydomain 2 /* may return -ERESTART: call again */
#define XEN_DOMCTL_pausedomain 3
#define XEN_DOMCTL_unpausedomain 4
#define XEN_DOMCTL_getdomaininfo 5
#define XEN_DOMCTL_setvcpuaffinity 9
#define XEN_DOMCTL_shadow_op 10
#define XEN_DOMCTL_max_mem 11
#define XEN_DOMCTL_setvcpucontext 12
#define XEN_DOMCTL_getvcpucontext 13
#define XEN_DOMCTL_getvcpuinfo 14
#define XEN_DOMCTL_max_vcpus 15
#define XEN_DOMCTL_scheduler_op 16
#define XEN_DOMCTL_setdomainhandle 17
#define XEN_DOMCTL_setdebugging 18
#define XEN_DOMCTL_irq_permission 19
#define XEN_DOMCTL_iomem_permission 20
#define XEN_DOMCTL_ioport_permission 21
#define XEN_DOMCTL_hypercall_init 22
#define XEN_DOMCTL_settimeoffset 24
#define XEN_DOMCTL_getvcpuaffinity 25
#define XEN_DOMCTL_resumedomain 27
#define XEN_DOMCTL_sendtrigger 28
#define XEN_DOMCTL_subscribe 29
#define XEN_DOMCTL_gethvmcontext 33
#define XEN_DOMCTL_sethvmcontext 34
#define XEN_DOMCTL_set_address_size 35
#define XEN_DOMCTL_get_address_size 36
#define XEN_DOMCTL_assign_device 37
#define XEN_DOMCTL_bind_pt_irq 38
#define XEN_DOMCTL_memory_mapping 39
#define XEN_DOMCTL_ioport_mapping 40
#define XEN_DOMCTL_set_ext_vcpucontext 42
#define XEN_DOMCTL_get_ext_vcpucontext 43
#define XEN_DOMCTL_test_assign_device 45
#define XEN_DOMCTL_set_target 46
#define XEN_DOMCTL_deassign_device 47
#define XEN_DOMCTL_unbind_pt_irq 48
#define XEN_DOMCTL_get_device_group 50
#define XEN_DOMCTL_debug_op 54
#define XEN_DOMCTL_gethvmcontext_partial 55
#define XEN_DOMCTL_vm_event_op 56
#define XEN_DOMCTL_mem_sharing_op 57
#define XEN_DOMCTL_gettscinfo 59
#define XEN_DOMCTL_settscinfo 60
#define XEN_DOMCTL_getpageframeinfo3 61
#define XEN_DOMCTL_setvcpuextstate 62
#define XEN_DOMCTL_getvcpuextstate 63
#define XEN_DOMCTL_set_access_required 64
#define XEN_DOMCTL_audit_p2m 65
#define XEN_DOMCTL_set_virq_handler 66
#define XEN_DOMCTL_set_broken_page_p2m 67
#define XEN_DOMCTL_setnodeaffinity 68
#define XEN_DOMCTL_getnodeaffinity 69
#define XEN_DOMCTL_cacheflush 71
#define XEN_DOMCTL_get_vcpu_msrs 72
#define XEN_DOMCTL_set_vcpu_msrs 73
#define XEN_DOMCTL_setvnumainfo 74
#define XEN_DOMCTL_psr_cmt_op 75
#define XEN_DOMCTL_monitor_op 77
#define XEN_DOMCTL_psr_alloc 78
#define XEN_DOMCTL_soft_reset 79
#define XEN_DOMCTL_vuart_op 81
#define XEN_DOMCTL_get_cpu_policy 82
#define XEN_DOMCTL_set_cpu_policy 83
#define XEN_DOMCTL_vmtrace_op 84
#define XEN_DOMCTL_get_paging_mempool_size 85
#define XEN_DOMCTL_set_paging_mempool_size 86
#define XEN_DOMCTL_gdbsx_guestmemio 1000
#define XEN_DOMCTL_gdbsx_pausevcpu 1001
#define XEN_DOMCTL_gdbsx_unpausevcpu 1002
#define XEN_DOMCTL_gdbsx_domstatus 1003

PETREL_ASSERT_SIZE(struct xen_domctl_createdomain, 64, xen_domctl_createdomain);
PETREL_ASSERT_SIZE(struct xen_domctl_ext_vcpucontext, 64, xen_domctl_ext_vcpucontext);
PETREL_ASSERT_OFFSET(struct xen_domctl_ext_vcpucontext, syscall32_callback_cs, 24,
		     xen_domctl_ext_vcpucontext);
PETREL_ASSERT_OFFSET(struct xen_domctl_ext_vcpucontext, vmce, 32, xen_domctl_ext_vcpucontext);
PETREL_ASSERT_OFFSET(struct xen_domctl_createdomain, handle, 4, xen_domctl_createdomain);
PETREL_ASSERT_OFFSET(struct xen_domctl_createdomain, flags, 20, xen_domctl_createdomain);
PETREL_ASSERT_OFFSET(struct xen_domctl_createdomain, max_vcpus, 28, xen_domctl_createdomain);
PETREL_ASSERT_OFFSET(struct xen_domctl_createdomain, grant_opts, 44, xen_domctl_createdomain);
PETREL_ASSERT_OFFSET(struct xen_domctl_createdomain, arch, 56, xen_domctl_createdomain);
PETREL_ASSERT_SIZE(struct xen_domctl_getdomaininfo, 112, xen_domctl_getdomaininfo);
PETREL_ASSERT_OFFSET(struct xen_domctl_getdomaininfo, flags, 4, xen_domctl_getdomaininfo);
PETREL_ASSERT_OFFSET(struct xen_domctl_getdomaininfo, tot_pages, 8, xen_domctl_getdomaininfo);
PETREL_ASSERT_OFFSET(struct xen_domctl_getdomaininfo, shared_info_frame, 48,
		     xen_domctl_getdomaininfo);
PETREL_ASSERT_OFFSET(struct xen_domctl_getdomaininfo, cpu_time, 56, xen_domctl_getdomaininfo);
PETREL_ASSERT_OFFSET(struct xen_domctl_getdomaininfo, nr_online_vcpus, 64,
		     xen_domctl_getdomaininfo);
PETREL_ASSERT_OFFSET(struct xen_domctl_getdomaininfo, handle, 76, xen_domctl_getdomaininfo);
PETREL_ASSERT_OFFSET(struct xen_domctl_getdomaininfo, cpupool, 92, xen_domctl_getdomaininfo);
PETREL_ASSERT_OFFSET(struct xen_domctl_getdomaininfo, arch_config, 104, xen_domctl_getdomaininfo);
PETREL_ASSERT_SIZE(struct xen_domctl_shadow_op, 40, xen_domctl_shadow_op);
PETREL_ASSERT_SIZE(struct xen_domctl_max_mem, 8, xen_domctl_max_mem);
PETREL_ASSERT_SIZE(struct xen_domctl_vcpucontext, 16, xen_domctl_vcpucontext);
PETREL_ASSERT_OFFSET(struct xen_domctl_vcpucontext, ctxt, 8, xen_domctl_vcpucontext);
PETREL_ASSERT_SIZE(struct xen_domctl_getvcpuinfo, 24, xen_domctl_getvcpuinfo);
PETREL_ASSERT_SIZE(struct xen_domctl_vcpuaffinity, 40, xen_domctl_vcpuaffinity);
PETREL_ASSERT_SIZE(struct xen_domctl_max_vcpus, 4, xen_domctl_max_vcpus);
PETREL_ASSERT_SIZE(struct xen_domctl_schedparam_vcpu, 16, xen_domctl_schedparam_vcpu);
PETREL_ASSERT_SIZE(struct xen_domctl_scheduler_op, 24, xen_domctl_scheduler_op);
PETREL_ASSERT_OFFSET(struct xen_domctl_scheduler_op, u, 8, xen_domctl_scheduler_op);
PETREL_ASSERT_SIZE(struct xen_domctl_hvmcontext, 16, xen_domctl_hvmcontext);
PETREL_ASSERT_SIZE(struct xen_domctl_hvmcontext_partial, 24, xen_domctl_hvmcontext_partial);
PETREL_ASSERT_SIZE(struct xen_domctl_cpu_policy, 40, xen_domctl_cpu_policy);
PETREL_ASSERT_OFFSET(struct xen_domctl_cpu_policy, err_leaf, 24, xen_domctl_cpu_policy);
PETREL_ASSERT_SIZE(struct xen_domctl_vcpuextstate, 32, xen_domctl_vcpuextstate);
PETREL_ASSERT_SIZE(struct xen_domctl_vcpu_msr, 16, xen_domctl_vcpu_msr);
PETREL_ASSERT_SIZE(struct xen_domctl_vcpu_msrs, 16, xen_domctl_vcpu_msrs);
PETREL_ASSERT_SIZE(struct xen_domctl_iomem_permission, 24, xen_domctl_iomem_permission);
PETREL_ASSERT_SIZE(struct xen_domctl_tsc_info, 24, xen_domctl_tsc_info);
PETREL_ASSERT_SIZE(struct xen_domctl, 144, xen_domctl);
PETREL_ASSERT_OFFSET(struct xen_domctl, interface_version, 4, xen_domctl);
PETREL_ASSERT_OFFSET(struct xen_domctl, domain, 8, xen_domctl);
PETREL_ASSERT_OFFSET(struct xen_domctl, u, 16, xen_domctl);

#endif /* __XEN_PUBLIC_DOMCTL_H__ */
