/*
 * Petrel public ABI: the x86 machine-check hypercall (Xen 4.17 numbers).
 *
 * The hypercall number, the interface version, the op numbers, and the
 * structures of XEN_MC_physcpuinfo (what a dom0's mcelog driver asks at
 * boot) and XEN_MC_fetch (what it polls). The other ops' structures are not
 * declared.
 */
#ifndef __XEN_PUBLIC_ARCH_X86_MCA_H__
#define __XEN_PUBLIC_ARCH_X86_MCA_H__

#include "../xen.h"

/* HYPERVISOR_mca(struct xen_mc *): the first arch-specific hypercall. */
#define __HYPERVISOR_mca __HYPERVISOR_arch_0

#define XEN_MCA_INTERFACE_VERSION 0x01ecc003

#define XEN_MC_fetch 1 /* collect telemetry */
#define XEN_MC_notifydomain 2
#define XEN_MC_physcpuinfo 3 /* physical CPU information for mcelog */
#define XEN_MC_msrinject 4
#define XEN_MC_mceinject 5
#define XEN_MC_inject_v2 6

/* XEN_MC_fetch flags: in, which queue (exactly one of the first two) or an ack */
#define XEN_MC_NONURGENT 0x1
#define XEN_MC_URGENT 0x2
#define XEN_MC_ACK 0x4
/* ... and out */
#define XEN_MC_OK 0x0
#define XEN_MC_FETCHFAILED 0x1
#define XEN_MC_NODATA 0x2

#define __MC_MSR_ARRAYSIZE 8
#define MC_NCAPS 7 /* CPU feature words: */
#define MC_CAPS_STD_EDX 0 /* leaf 1 %edx */
#define MC_CAPS_AMD_EDX 1 /* leaf 0x80000001 %edx */
#define MC_CAPS_TM 2
#define MC_CAPS_LINUX 3
#define MC_CAPS_STD_ECX 4 /* leaf 1 %ecx */
#define MC_CAPS_VIA 5
#define MC_CAPS_AMD_ECX 6 /* leaf 0x80000001 %ecx */

struct mcinfo_msr {
	uint64_t reg; /* MSR number */
	uint64_t value;
};
typedef struct mcinfo_msr xen_mcinfo_msr_t;

/* One physical CPU as XEN_MC_physcpuinfo describes it. */
struct mcinfo_logical_cpu {
	uint32_t mc_cpunr;
	uint32_t mc_chipid;
	uint16_t mc_coreid;
	uint16_t mc_threadid;
	uint32_t mc_apicid;
	uint32_t mc_clusterid;
	uint32_t mc_ncores;
	uint32_t mc_ncores_active;
	uint32_t mc_nthreads;
	int32_t mc_cpuid_level;
	uint32_t mc_family;
	uint32_t mc_vendor;
	uint32_t mc_model;
	uint32_t mc_step;
	char mc_vendorid[16];
	char mc_brandid[64];
	uint32_t mc_cpu_caps[MC_NCAPS];
	uint32_t mc_cache_size;
	uint32_t mc_cache_alignment;
	int32_t mc_nmsrvals;
	struct mcinfo_msr mc_msrvalues[__MC_MSR_ARRAYSIZE];
};
typedef struct mcinfo_logical_cpu xen_mc_logical_cpu_t;
DEFINE_XEN_GUEST_HANDLE(xen_mc_logical_cpu_t);

/* XEN_MC_physcpuinfo: ncpus in (room in info) / out (CPUs); info may be NULL. */
struct xen_mc_physcpuinfo {
	uint32_t ncpus;
	uint32_t _pad0;
	XEN_GUEST_HANDLE(xen_mc_logical_cpu_t) info;
};

/* XEN_MC_fetch: data is a struct mc_info buffer (not declared here). */
struct xen_mc_fetch {
	uint32_t flags; /* XEN_MC_NONURGENT/URGENT/ACK in, XEN_MC_OK/NODATA/... out */
	uint32_t _pad0;
	uint64_t fetch_id; /* out: the telemetry's id; in: what XEN_MC_ACK acknowledges */
	XEN_GUEST_HANDLE(void) data;
};

/*
 * The hypercall's argument starts with these; the op's structure follows
 * at offset 8 (the whole union is larger: callers pass the full size).
 */
struct petrel_xen_mc_head {
	uint32_t cmd; /* XEN_MC_* */
	uint32_t interface_version; /* XEN_MCA_INTERFACE_VERSION */
};

PETREL_ASSERT_SIZE(struct mcinfo_msr, 16, mcinfo_msr);
PETREL_ASSERT_SIZE(struct mcinfo_logical_cpu, 304, mcinfo_logical_cpu);
PETREL_ASSERT_OFFSET(struct mcinfo_logical_cpu, mc_vendorid, 52, mcinfo_logical_cpu);
PETREL_ASSERT_OFFSET(struct mcinfo_logical_cpu, mc_msrvalues, 176, mcinfo_logical_cpu);
PETREL_ASSERT_SIZE(struct xen_mc_physcpuinfo, 16, xen_mc_physcpuinfo);
PETREL_ASSERT_SIZE(struct xen_mc_fetch, 24, xen_mc_fetch);
PETREL_ASSERT_OFFSET(struct xen_mc_fetch, data, 16, xen_mc_fetch);

#endif /* __XEN_PUBLIC_ARCH_X86_MCA_H__ */
