/* CPU policies in Xen 4.17's serialised form (xen/arch/x86/cpu_policy.c). */
#ifndef PETREL_CPU_POLICY_H
#define PETREL_CPU_POLICY_H

#include "types.h"
#include "public/domctl.h"

/* The CPUID a policy shows: the CPU's own, a PV guest's, an HVM guest's. */
enum cpu_view { CPU_VIEW_HOST, CPU_VIEW_PV, CPU_VIEW_HVM };
typedef void (*leaf_fn)(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d);

/*
 * The function giving one leaf (and subleaf) of @view: the one source of
 * the policies and of sysctl get_cpu_featureset's words.
 */
leaf_fn cpu_policy_view(enum cpu_view view);

/*
 * Write the host's (@host) or the PV guests' policy to the guest arrays
 * @leaves and @msrs. A zero address asks for the bound (written to the
 * count); an array shorter than the policy -ENOBUFS. The counts hold the
 * room on entry and the entries written on return.
 */
long cpu_policy_serialise(bool host, u64 leaves, u32 *nr_leaves, u64 msrs, u32 *nr_msrs);
/* The same for an HVM domain: the CPUID its vCPUs see (all 0 without HVM). */
long cpu_policy_serialise_hvm(u64 leaves, u32 *nr_leaves, u64 msrs, u32 *nr_msrs);

/*
 * Check a toolstack's policy for a PV domain as Xen would take it: every
 * leaf and MSR in range (-ERANGE, err_* set), no max leaf above the PV
 * policy's (-EINVAL). Petrel's PV guests all see one policy, so an accepted
 * one is not stored.
 */
long cpu_policy_check(struct xen_domctl_cpu_policy *p);
bool cpu_policy_fsgsbase(const struct xen_domctl_cpu_policy *p);
long cpu_policy_add_fsgsbase(u64 leaves, u32 nr_leaves);

#endif
