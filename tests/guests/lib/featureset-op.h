/*
 * XEN_SYSCTL_get_cpu_featureset (struct xen_sysctl_cpu_featureset), for the
 * guest tests that read featuresets (sysctl-physinfo, cpu-policy).
 */
#ifndef GUEST_FEATURESET_OP_H
#define GUEST_FEATURESET_OP_H

#include "xtest.h"

#define XEN_SYSCTL_get_cpu_featureset 26
#define FEATURESET_raw 0
#define FEATURESET_host 1
#define FEATURESET_pv 2
#define FEATURESET_hvm 3
#define FEATURESET_pv_max 4
#define FEATURESET_hvm_max 5

struct featureset_sysctl {
	uint32_t cmd, interface_version;
	union {
		struct {
			uint32_t index, nr_features;
			uint32_t *features;
		} fs;
		uint8_t pad[128];
	} u;
};
_Static_assert(sizeof(struct featureset_sysctl) == 136, "xen_sysctl is 136 bytes");

/* Featureset @index into @words (NULL: the count); *@nr the room in, the words out. */
static inline long featureset(uint32_t index, uint32_t *words, uint32_t *nr)
{
	struct featureset_sysctl op = { 0 };
	long rc;

	op.cmd = XEN_SYSCTL_get_cpu_featureset;
	op.interface_version = 0x15; /* XEN_SYSCTL_INTERFACE_VERSION of Xen 4.17 */
	op.u.fs.index = index;
	op.u.fs.nr_features = *nr;
	op.u.fs.features = words;
	rc = hypercall(35 /* HC_sysctl */, (unsigned long)&op, 0, 0, 0, 0);
	*nr = op.u.fs.nr_features;
	return rc;
}

#endif
