/* Hypercall dispatch (the table is generated from hypercall-abi/hypercalls.def). */
#ifndef PETREL_HYPERCALL_H
#define PETREL_HYPERCALL_H

#include "types.h"

#define NR_HYPERCALLS 64

typedef long (*hypercall_fn_t)(unsigned long, unsigned long, unsigned long, unsigned long,
			       unsigned long);

struct hypercall_desc {
	const char *name;
	hypercall_fn_t fn; /* NULL: not implemented, -ENOSYS */
	unsigned int nargs;
	bool privileged; /* control domain only */
};

extern const struct hypercall_desc hypercall_table[NR_HYPERCALLS];
/* Per-hypercall call counts (DESIGN.md: visible from dom0 later). */
extern u64 hypercall_count[NR_HYPERCALLS];

/* Call hypercall @nr with @a as its arguments, as the current vCPU. */
long hypercall_dispatch(u64 nr, const unsigned long a[5]);

#endif
