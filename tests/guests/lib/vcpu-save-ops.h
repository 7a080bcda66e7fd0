/*
 * The per-vCPU domctls a PV save and restore make beyond the vCPU context:
 * get/setvcpuextstate (struct xen_domctl_vcpuextstate: the XSAVE record)
 * and get/set_vcpu_msrs (struct xen_domctl_vcpu_msrs), for the guest tests
 * that use them (domctl-save, save-tscaux-ymm).
 */
#ifndef GUEST_VCPU_SAVE_OPS_H
#define GUEST_VCPU_SAVE_OPS_H

#include "builder.h"

#define XEN_DOMCTL_setvcpuextstate 62
#define XEN_DOMCTL_getvcpuextstate 63
#define XEN_DOMCTL_get_vcpu_msrs 72
#define XEN_DOMCTL_set_vcpu_msrs 73
#define XREC_HDR 16 /* an XSAVE record's XCR0 and ever-enabled mask, before the area */

struct vcpuextstate {
	uint32_t vcpu, pad;
	uint64_t xfeature_mask, size;
	void *buffer;
};
_Static_assert(sizeof(struct vcpuextstate) == 32, "xen_domctl_vcpuextstate layout");

struct vcpu_msr {
	uint32_t index, reserved;
	uint64_t value;
};

struct vcpu_msrs {
	uint32_t vcpu, msr_count;
	struct vcpu_msr *msrs;
};
_Static_assert(sizeof(struct vcpu_msrs) == 16, "xen_domctl_vcpu_msrs layout");

#endif
