/*
 * Range sets (common/rangeset.c): a small sorted list of disjoint,
 * non-adjacent inclusive ranges [s, e] of unsigned longs. Each domain
 * holds three, for the I/O resources it may use (Xen's iomem_caps,
 * irq_caps and arch.ioport_caps): machine frames, IRQs and I/O ports.
 * Fixed capacity, no allocation: adding or removing fails with -ENOMEM
 * when the result would need more than RANGESET_MAX ranges, and then
 * leaves the set as it was.
 */
#ifndef PETREL_RANGESET_H
#define PETREL_RANGESET_H

#include "types.h"

#define RANGESET_MAX 32

struct range {
	unsigned long s, e;
};

struct rangeset {
	unsigned int nr;
	struct range r[RANGESET_MAX]; /* sorted, with gaps between them */
};

void rangeset_init(struct rangeset *rs);
/* Inline: the PV MMU asks it of two sets on every L1 entry it validates. */
static inline bool rangeset_is_empty(const struct rangeset *rs)
{
	return rs->nr == 0;
}
/* -EINVAL when s > e, -ENOMEM when full; 0 otherwise (already present is fine). */
int rangeset_add_range(struct rangeset *rs, unsigned long s, unsigned long e);
int rangeset_remove_range(struct rangeset *rs, unsigned long s, unsigned long e);
/* Every value of [s, e] in the set (false when s > e). */
bool rangeset_contains_range(const struct rangeset *rs, unsigned long s, unsigned long e);
/* Any value of [s, e] in the set. */
bool rangeset_overlaps_range(const struct rangeset *rs, unsigned long s, unsigned long e);

#endif
