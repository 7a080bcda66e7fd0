/*
 * Petrel public ABI: HYPERVISOR_sysctl(xen_sysctl) (Xen 4.17 numbers and
 * layouts, interface version 0x15), the toolstack's host-wide control.
 *
 * All op numbers are listed; argument structs are given for the ops a basic
 * toolstack uses (console ring, physinfo, domain list, scheduler id, CPU and
 * NUMA topology, hot-plug, heap, CPU pools, CPU featuresets and policies).  As in domctl.h, the
 * union is padded to Xen's 128 bytes and checked member by member against Xen's.
 */
#ifndef __XEN_PUBLIC_SYSCTL_H__
#define __XEN_PUBLIC_SYSCTL_H__

#include "xen.h"
#include "domctl.h"
#include "physdev.h"

/* A sysctl whose interface_version differs is refused with -EACCES. */
#define XEN_SYSCTL_INTERFACE_VERSION 0x00000015

/*
 * XEN_SYSCTL_readconsole: copy the hypervisor console ring.  incremental:
 * start at `index` (out: where the next read should start); clear: empty
 * the ring after reading.  count: in = buffer size, out = bytes copied.
 */
struct xen_sysctl_readconsole {
	uint8_t clear;
	uint8_t incremental;
	uint8_t pad0, pad1;
	uint32_t index;
	XEN_GUEST_HANDLE_64(char) buffer;
	uint32_t count;
};

/* XEN_SYSCTL_physinfo.capabilities */
#define _XEN_SYSCTL_PHYSCAP_hvm 0
#define XEN_SYSCTL_PHYSCAP_hvm (1u << _XEN_SYSCTL_PHYSCAP_hvm)
#define _XEN_SYSCTL_PHYSCAP_pv 1
#define XEN_SYSCTL_PHYSCAP_pv (1u << _XEN_SYSCTL_PHYSCAP_pv)
#define _XEN_SYSCTL_PHYSCAP_directio 2
#define XEN_SYSCTL_PHYSCAP_directio (1u << _XEN_SYSCTL_PHYSCAP_directio)
#define _XEN_SYSCTL_PHYSCAP_hap 3
#define XEN_SYSCTL_PHYSCAP_hap (1u << _XEN_SYSCTL_PHYSCAP_hap)
#define _XEN_SYSCTL_PHYSCAP_shadow 4
#define XEN_SYSCTL_PHYSCAP_shadow (1u << _XEN_SYSCTL_PHYSCAP_shadow)
#define _XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share 5
#define XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share (1u << _XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share)
#define XEN_SYSCTL_PHYSCAP_vmtrace (1u << 6)
#define XEN_SYSCTL_PHYSCAP_vpmu (1u << 7)
#define XEN_SYSCTL_PHYSCAP_gnttab_v1 (1u << 8)
#define XEN_SYSCTL_PHYSCAP_gnttab_v2 (1u << 9)
#define XEN_SYSCTL_PHYSCAP_MAX XEN_SYSCTL_PHYSCAP_gnttab_v2

/* XEN_SYSCTL_physinfo */
struct xen_sysctl_physinfo {
	uint32_t threads_per_core;
	uint32_t cores_per_socket;
	uint32_t nr_cpus; /* online */
	uint32_t max_cpu_id;
	uint32_t nr_nodes;
	uint32_t max_node_id;
	uint32_t cpu_khz;
	uint32_t capabilities; /* XEN_SYSCTL_PHYSCAP_* */
	uint32_t arch_capabilities;
	uint32_t pad;
	uint64_aligned_t total_pages;
	uint64_aligned_t free_pages;
	uint64_aligned_t scrub_pages;
	uint64_aligned_t outstanding_pages;
	uint64_aligned_t max_mfn;
	uint32_t hw_cap[8];
};

/* XEN_SYSCTL_sched_id: XEN_SCHEDULER_* of the default pool. */
struct xen_sysctl_sched_id {
	uint32_t sched_id;
};

/*
 * XEN_SYSCTL_getdomaininfolist: info for up to max_domains domains with
 * id >= first_domain, in id order.
 */
struct xen_sysctl_getdomaininfolist {
	domid_t first_domain;
	uint32_t max_domains;
	XEN_GUEST_HANDLE_64(xen_domctl_getdomaininfo_t) buffer;
	uint32_t num_domains; /* out */
};

/* XEN_SYSCTL_debug_keys: act as if these keys were typed on the console. */
struct xen_sysctl_debug_keys {
	XEN_GUEST_HANDLE_64(const_char) keys;
	uint32_t nr_keys;
};

/* XEN_SYSCTL_getcpuinfo: idle time per physical CPU. */
struct xen_sysctl_cpuinfo {
	uint64_aligned_t idletime; /* ns */
};
typedef struct xen_sysctl_cpuinfo xen_sysctl_cpuinfo_t;
DEFINE_XEN_GUEST_HANDLE(xen_sysctl_cpuinfo_t);
struct xen_sysctl_getcpuinfo {
	uint32_t max_cpus;
	XEN_GUEST_HANDLE_64(xen_sysctl_cpuinfo_t) info;
	uint32_t nr_cpus; /* out */
};

/* XEN_SYSCTL_availheap: free heap bytes in an address-width range and node. */
struct xen_sysctl_availheap {
	uint32_t min_bitwidth;	      /* 0 = any */
	uint32_t max_bitwidth;	      /* 0 = any */
	int32_t node;		      /* -1 = all nodes */
	uint64_aligned_t avail_bytes; /* out */
};

/* XEN_SYSCTL_cpu_hotplug */
#define XEN_SYSCTL_CPU_HOTPLUG_ONLINE 0
#define XEN_SYSCTL_CPU_HOTPLUG_OFFLINE 1
#define XEN_SYSCTL_CPU_HOTPLUG_SMT_ENABLE 2
#define XEN_SYSCTL_CPU_HOTPLUG_SMT_DISABLE 3
struct xen_sysctl_cpu_hotplug {
	uint32_t cpu;
	uint32_t op; /* XEN_SYSCTL_CPU_HOTPLUG_* */
};

/* XEN_SYSCTL_cputopoinfo: one entry per CPU index. */
#define XEN_INVALID_CORE_ID (~0U)
#define XEN_INVALID_SOCKET_ID (~0U)
#define XEN_INVALID_NODE_ID (~0U)
struct xen_sysctl_cputopo {
	uint32_t core;
	uint32_t socket;
	uint32_t node;
};
typedef struct xen_sysctl_cputopo xen_sysctl_cputopo_t;
DEFINE_XEN_GUEST_HANDLE(xen_sysctl_cputopo_t);
struct xen_sysctl_cputopoinfo {
	uint32_t num_cpus; /* in: entries in cputopo (NULL handle: query); out: CPUs */
	XEN_GUEST_HANDLE_64(xen_sysctl_cputopo_t) cputopo;
};

/* XEN_SYSCTL_numainfo: memory per node and the node distance matrix. */
#define XEN_INVALID_MEM_SZ (~0U)
#define XEN_INVALID_NODE_DIST (~0U)
struct xen_sysctl_meminfo {
	uint64_t memsize;
	uint64_t memfree;
};
typedef struct xen_sysctl_meminfo xen_sysctl_meminfo_t;
DEFINE_XEN_GUEST_HANDLE(xen_sysctl_meminfo_t);
struct xen_sysctl_numainfo {
	uint32_t num_nodes;
	XEN_GUEST_HANDLE_64(xen_sysctl_meminfo_t) meminfo;
	XEN_GUEST_HANDLE_64(uint32) distance; /* num_nodes x num_nodes */
};

/*
 * XEN_SYSCTL_pcitopoinfo: the node of each PCI device in devs, written to
 * nodes (XEN_INVALID_NODE_ID: none known, XEN_INVALID_DEV: no such device).
 * num_devs: in = entries, out = entries done (the caller repeats for the rest).
 */
#define XEN_INVALID_DEV (XEN_INVALID_NODE_ID - 1)
struct xen_sysctl_pcitopoinfo {
	uint32_t num_devs;
	XEN_GUEST_HANDLE_64(physdev_pci_device_t) devs;
	XEN_GUEST_HANDLE_64(uint32) nodes;
};

/* XEN_SYSCTL_cpupool_op */
#define XEN_SYSCTL_CPUPOOL_OP_CREATE 1
#define XEN_SYSCTL_CPUPOOL_OP_DESTROY 2
#define XEN_SYSCTL_CPUPOOL_OP_INFO 3
#define XEN_SYSCTL_CPUPOOL_OP_ADDCPU 4
#define XEN_SYSCTL_CPUPOOL_OP_RMCPU 5
#define XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN 6
#define XEN_SYSCTL_CPUPOOL_OP_FREEINFO 7
#define XEN_SYSCTL_CPUPOOL_PAR_ANY 0xFFFFFFFF
struct xen_sysctl_cpupool_op {
	uint32_t op;	     /* XEN_SYSCTL_CPUPOOL_OP_* */
	uint32_t cpupool_id; /* PAR_ANY on create: pick one */
	uint32_t sched_id;   /* XEN_SCHEDULER_* */
	uint32_t domid;
	uint32_t cpu;
	uint32_t n_dom;		     /* out (INFO) */
	struct xenctl_bitmap cpumap; /* out (INFO, FREEINFO) */
};

/* XEN_SYSCTL_get_cpu_featureset: a featureset as 32-bit words. */
#define XEN_SYSCTL_cpu_featureset_raw 0
#define XEN_SYSCTL_cpu_featureset_host 1
#define XEN_SYSCTL_cpu_featureset_pv 2
#define XEN_SYSCTL_cpu_featureset_hvm 3
#define XEN_SYSCTL_cpu_featureset_pv_max 4
#define XEN_SYSCTL_cpu_featureset_hvm_max 5
struct xen_sysctl_cpu_featureset {
	uint32_t index;	      /* XEN_SYSCTL_cpu_featureset_* */
	uint32_t nr_features; /* in: room; out: words written */
	XEN_GUEST_HANDLE_64(uint32) features;
};

/* XEN_SYSCTL_get_cpu_policy: one of the system CPU policies. */
#define XEN_SYSCTL_cpu_policy_raw 0
#define XEN_SYSCTL_cpu_policy_host 1
#define XEN_SYSCTL_cpu_policy_pv_max 2
#define XEN_SYSCTL_cpu_policy_hvm_max 3
#define XEN_SYSCTL_cpu_policy_pv_default 4
#define XEN_SYSCTL_cpu_policy_hvm_default 5
struct xen_sysctl_cpu_policy {
	uint32_t index;	    /* XEN_SYSCTL_cpu_policy_* */
	uint32_t nr_leaves; /* in: room (NULL handle: query); out: written */
	uint32_t nr_msrs;
	uint32_t _rsvd;
	XEN_GUEST_HANDLE_64(xen_cpuid_leaf_t) leaves;
	XEN_GUEST_HANDLE_64(xen_msr_entry_t) msrs;
};

/*
 * XEN_SYSCTL_scheduler_op: a pool's scheduler-wide parameters.  The credit
 * scheduler's time slice (ms), context-switch rate limit (us, 0 = none) and
 * how long a vCPU counts as cache-hot on its CPU (us).
 */
#define XEN_SYSCTL_SCHED_RATELIMIT_MAX 500000
#define XEN_SYSCTL_SCHED_RATELIMIT_MIN 100
struct xen_sysctl_credit_schedule {
#define XEN_SYSCTL_CSCHED_TSLICE_MAX 1000
#define XEN_SYSCTL_CSCHED_TSLICE_MIN 1
	uint32_t tslice_ms;
	uint32_t ratelimit_us;
#define XEN_SYSCTL_CSCHED_MGR_DLY_MAX_US (100 * 1000)
	uint32_t vcpu_migr_delay_us;
};
struct xen_sysctl_credit2_schedule {
	uint32_t ratelimit_us;
};
#define XEN_SYSCTL_SCHEDOP_putinfo 0
#define XEN_SYSCTL_SCHEDOP_getinfo 1
struct xen_sysctl_scheduler_op {
	uint32_t cpupool_id; /* the pool whose scheduler is meant */
	uint32_t sched_id;   /* XEN_SCHEDULER_*: must be that pool's */
	uint32_t cmd;	     /* XEN_SYSCTL_SCHEDOP_* */
	union {
		struct xen_sysctl_sched_arinc653 {
			XEN_GUEST_HANDLE_64(void) schedule;
		} sched_arinc653;
		struct xen_sysctl_credit_schedule sched_credit;
		struct xen_sysctl_credit2_schedule sched_credit2;
	} u;
};

struct xen_sysctl {
	uint32_t cmd;		    /* XEN_SYSCTL_* */
	uint32_t interface_version; /* XEN_SYSCTL_INTERFACE_VERSION */
	union {
		struct xen_sysctl_readconsole readconsole;
		struct xen_sysctl_physinfo physinfo;
		struct xen_sysctl_cputopoinfo cputopoinfo;
		struct xen_sysctl_pcitopoinfo pcitopoinfo;
		struct xen_sysctl_numainfo numainfo;
		struct xen_sysctl_sched_id sched_id;
		struct xen_sysctl_getdomaininfolist getdomaininfolist;
		struct xen_sysctl_debug_keys debug_keys;
		struct xen_sysctl_getcpuinfo getcpuinfo;
		struct xen_sysctl_availheap availheap;
		struct xen_sysctl_cpu_hotplug cpu_hotplug;
		struct xen_sysctl_cpupool_op cpupool_op;
		struct xen_sysctl_scheduler_op scheduler_op;
		struct xen_sysctl_cpu_featureset cpu_featureset;
		struct xen_sysctl_cpu_policy cpu_policy;
		uint8_t pad[128];
	} u;
};
typedef struct xen_sysctl xen_sysctl_t;
DEFINE_XEN_GUEST_HANDLE(xen_sysctl_t);

/* Op numbers (xen_sysctl.cmd). */
#define XEN_SYSCTL_readconsole 1
#define XEN_SYSCTL_tbuf_op 2
#define XEN_SYSCTL_physinfo 3
#define XEN_SYSCTL_sched_id 4
#define XEN_SYSCTL_perfc_op 5
#define XEN_SYSCTL_getdomaininfolist 6
#define XEN_SYSCTL_debug_keys 7
#define XEN_SYSCTL_getcpuinfo 8
#define XEN_SYSCTL_availheap 9
#define XEN_SYSCTL_get_pmstat 10
#define XEN_SYSCTL_cpu_hotplug 11
#define XEN_SYSCTL_pm_op 12
#define XEN_SYSCTL_page_offline_op 14
#define XEN_SYSCTL_lockprof_op 15
#define XEN_SYSCTL_cputopoinfo 16
#define XEN_SYSCTL_numainfo 17
#define XEN_SYSCTL_cpupool_op 18
#define XEN_SYSCTL_scheduler_op 19
#define XEN_SYSCTL_coverage_op 20
#define XEN_SYSCTL_psr_cmt_op 21
#define XEN_SYSCTL_pcitopoinfo 22
#define XEN_SYSCTL_psr_alloc 23
#define XEN_SYSCTL_get_cpu_levelling_caps 25
#define XEN_SYSCTL_get_cpu_featureset 26
#define XEN_SYSCTL_livepatch_op 27
#define XEN_SYSCTL_get_cpu_policy 29

PETREL_ASSERT_SIZE(struct xen_sysctl_readconsole, 24, xen_sysctl_readconsole);
PETREL_ASSERT_OFFSET(struct xen_sysctl_readconsole, index, 4, xen_sysctl_readconsole);
PETREL_ASSERT_OFFSET(struct xen_sysctl_readconsole, buffer, 8, xen_sysctl_readconsole);
PETREL_ASSERT_OFFSET(struct xen_sysctl_readconsole, count, 16, xen_sysctl_readconsole);
PETREL_ASSERT_SIZE(struct xen_sysctl_physinfo, 112, xen_sysctl_physinfo);
PETREL_ASSERT_OFFSET(struct xen_sysctl_physinfo, capabilities, 28, xen_sysctl_physinfo);
PETREL_ASSERT_OFFSET(struct xen_sysctl_physinfo, total_pages, 40, xen_sysctl_physinfo);
PETREL_ASSERT_OFFSET(struct xen_sysctl_physinfo, max_mfn, 72, xen_sysctl_physinfo);
PETREL_ASSERT_OFFSET(struct xen_sysctl_physinfo, hw_cap, 80, xen_sysctl_physinfo);
PETREL_ASSERT_SIZE(struct xen_sysctl_getdomaininfolist, 24, xen_sysctl_getdomaininfolist);
PETREL_ASSERT_OFFSET(struct xen_sysctl_getdomaininfolist, max_domains, 4,
		     xen_sysctl_getdomaininfolist);
PETREL_ASSERT_OFFSET(struct xen_sysctl_getdomaininfolist, buffer, 8, xen_sysctl_getdomaininfolist);
PETREL_ASSERT_OFFSET(struct xen_sysctl_getdomaininfolist, num_domains, 16,
		     xen_sysctl_getdomaininfolist);
PETREL_ASSERT_SIZE(struct xen_sysctl_availheap, 24, xen_sysctl_availheap);
PETREL_ASSERT_SIZE(struct xen_sysctl_cputopoinfo, 16, xen_sysctl_cputopoinfo);
PETREL_ASSERT_SIZE(struct xen_sysctl_numainfo, 24, xen_sysctl_numainfo);
PETREL_ASSERT_SIZE(struct xen_sysctl_cpupool_op, 40, xen_sysctl_cpupool_op);
PETREL_ASSERT_OFFSET(struct xen_sysctl_cpupool_op, cpumap, 24, xen_sysctl_cpupool_op);
PETREL_ASSERT_SIZE(struct xen_sysctl_cpu_featureset, 16, xen_sysctl_cpu_featureset);
PETREL_ASSERT_SIZE(struct xen_sysctl_scheduler_op, 32, xen_sysctl_scheduler_op);
PETREL_ASSERT_SIZE(struct xen_sysctl_pcitopoinfo, 24, xen_sysctl_pcitopoinfo);
PETREL_ASSERT_OFFSET(struct xen_sysctl_scheduler_op, u, 16, xen_sysctl_scheduler_op);
PETREL_ASSERT_SIZE(struct xen_sysctl_cpu_policy, 32, xen_sysctl_cpu_policy);
PETREL_ASSERT_SIZE(struct xen_sysctl, 136, xen_sysctl);
PETREL_ASSERT_OFFSET(struct xen_sysctl, u, 8, xen_sysctl);

#endif /* __XEN_PUBLIC_SYSCTL_H__ */
