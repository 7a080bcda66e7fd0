/*
 * Memory claims (XENMEM_claim_pages; xen/common/claim.c): free frames set
 * aside for a domain that is about to be populated, so that no other
 * domain's allocation takes them meanwhile. All callers hold the
 * hypervisor lock.
 */
#ifndef PETREL_CLAIM_H
#define PETREL_CLAIM_H

#include "types.h"

struct domain;

/*
 * Stake a claim for @d up to @pages frames in all (its tot_pages included),
 * with @free frames free in the allocator; @pages 0 cancels the claim.
 * -EINVAL if @d has a claim already, or @pages is not above tot_pages or
 * is above max_pages; -ENOMEM if the frames beyond tot_pages are more than
 * the free frames nobody has claimed.
 */
int claim_set(struct domain *d, u64 pages, u64 free);
/* @d was given @n more frames: they count against its claim first. */
void claim_consume(struct domain *d, u64 n);
/*
 * May @d take @n frames from an allocator with @free free ones? Yes when
 * that leaves the claims of all domains covered, or when @d's own claim
 * covers the @n frames (as Xen 4.17: not its claim and the unclaimed free
 * frames together).
 */
bool claim_allows(const struct domain *d, u64 n, u64 free);
/* The frames claimed by all domains and not yet given to them. */
u64 claims_outstanding(void);

#endif
