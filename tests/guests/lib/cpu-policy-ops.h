/*
 * XEN_DOMCTL_get_cpu_policy and set_cpu_policy (struct
 * xen_domctl_cpu_policy: the CPUID leaves and MSRs of a domain), for the
 * guest tests that read or set a domain's policy (domctl-save,
 * pvh-save-lapic).
 */
#ifndef GUEST_CPU_POLICY_OPS_H
#define GUEST_CPU_POLICY_OPS_H

#include "builder.h"

#define XEN_DOMCTL_get_cpu_policy 82
#define XEN_DOMCTL_set_cpu_policy 83
#define CPUID_NO_SUBLEAF 0xffffffffu

struct cpuid_leaf {
	uint32_t leaf, subleaf, a, b, c, d;
};

struct msr_entry {
	uint32_t idx, flags;
	uint64_t val;
};

struct cpu_policy_op {
	uint32_t nr_leaves, nr_msrs;
	struct cpuid_leaf *leaves;
	struct msr_entry *msrs;
	uint32_t err_leaf, err_subleaf, err_msr, pad;
};
_Static_assert(sizeof(struct cpu_policy_op) == 40, "xen_domctl_cpu_policy layout");

/* get or set_cpu_policy (@cmd) of @dom; @p comes back as the hypervisor left it. */
static inline long cpu_policy_op(unsigned int cmd, uint16_t dom, struct cpu_policy_op *p)
{
	return domctl_struct(cmd, dom, p, sizeof(*p));
}

#endif
