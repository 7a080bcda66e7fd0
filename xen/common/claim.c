/*
 * Memory claims: a domain's outstanding_pages are frames it may still take
 * from the allocator that nobody else may; claims_total is their sum over
 * all domains.
 */
#include "types.h"
#include "errno.h"
#include "domain.h"
#include "claim.h"

static u64 claims_total;

int claim_set(struct domain *d, u64 pages, u64 free)
{
	u64 claim;

	if (!pages) {
		claims_total -= d->outstanding_pages;
		d->outstanding_pages = 0;
		return 0;
	}
	if (d->outstanding_pages)
		return -EINVAL;
	if (pages <= d->tot_pages || pages > d->max_pages)
		return -EINVAL;
	claim = pages - d->tot_pages;
	if (claims_total > free || claim > free - claims_total)
		return -ENOMEM;
	d->outstanding_pages = claim;
	claims_total += claim;
	return 0;
}

void claim_consume(struct domain *d, u64 n)
{
	u64 used = MIN(n, d->outstanding_pages);

	d->outstanding_pages -= used;
	claims_total -= used;
}

bool claim_allows(const struct domain *d, u64 n, u64 free)
{
	return (claims_total <= free && n <= free - claims_total) || d->outstanding_pages >= n;
}

u64 claims_outstanding(void)
{
	return claims_total;
}
