/*
 * Petrel public ABI: the x86 machine-check hypercall (Xen 4.17 numbers).
 *
 * Only the hypercall number, the interface version and the op numbers are
 * given; the xen_mc argument structures are not declared (a dom0 treats
 * -ENOSYS from this hypercall as "no machine-check support").
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

#endif /* __XEN_PUBLIC_ARCH_X86_MCA_H__ */
