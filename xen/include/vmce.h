/*
 * A vCPU's machine-check MSRs as Xen 4.17's vMCE answers them, for PV and
 * HVM/PVH vCPUs alike (arch/x86/vmce.c). Petrel never injects a machine
 * check, so no bank ever holds an error.
 */
#ifndef PETREL_VMCE_H
#define PETREL_VMCE_H

#include "types.h"

struct hvm_vmce_vcpu;

/* The state the VMCE_VCPU record and set_ext_vcpucontext's vmce block carry, plus MCG_STATUS. */
struct vmce_state {
	u64 mcg_cap;	 /* 0 for a PV vCPU Petrel built: no banks */
	u64 mcg_status;	 /* what the guest last wrote */
	u64 mci_ctl2[2]; /* Intel: the CTL2 of banks 0 and 1 */
	u64 mcg_ext_ctl; /* with MCG_LMCE_P only */
};

/* MCG_CAP..MCG_CTL, the banks' CTL2, CTL/STATUS/ADDR/MISC and MCG_EXT_CTL. */
bool vmce_msr(u32 msr);
/* One of vmce_msr's MSRs; false: #GP. */
bool vmce_rdmsr(const struct vmce_state *m, u32 msr, u64 *val);
bool vmce_wrmsr(struct vmce_state *m, u32 msr, u64 val);
/* What Xen gives a new HVM vCPU on this CPU's vendor. */
void vmce_init(struct vmce_state *m);
/* A record from a save stream or set_ext_vcpucontext: Xen's check on its MCG_CAP (-EINVAL). */
long vmce_restore(struct vmce_state *m, const struct hvm_vmce_vcpu *r);
void vmce_save(const struct vmce_state *m, struct hvm_vmce_vcpu *r);

#endif
