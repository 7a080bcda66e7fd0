/*
 * Range sets: see rangeset.h. The list stays sorted with a gap of at
 * least one value between neighbours, so "contains" is a search for the
 * one range that could hold the start.
 */
#include "rangeset.h"
#include "lib.h"
#include "errno.h"

void rangeset_init(struct rangeset *rs)
{
	rs->nr = 0;
}

/* Index of the first range that ends at or after @v (rs->nr if none). */
static unsigned int first_ending_from(const struct rangeset *rs, unsigned long v)
{
	unsigned int lo = 0, hi = rs->nr;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (rs->r[mid].e < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Replace ranges [from, to) with @n ranges of @with; the caller checked the room. */
static void splice(struct rangeset *rs, unsigned int from, unsigned int to,
		   const struct range *with, unsigned int n)
{
	memmove(&rs->r[from + n], &rs->r[to], (rs->nr - to) * sizeof(rs->r[0]));
	memcpy(&rs->r[from], with, n * sizeof(rs->r[0]));
	rs->nr = rs->nr - (to - from) + n;
}

int rangeset_add_range(struct rangeset *rs, unsigned long s, unsigned long e)
{
	/* Ranges touching [s, e] (overlapping or adjacent) merge with it. */
	unsigned int from = first_ending_from(rs, s ? s - 1 : 0), to = from;
	struct range m = { s, e };

	if (s > e)
		return -EINVAL;
	while (to < rs->nr && (e == ~0UL || rs->r[to].s <= e + 1)) {
		if (rs->r[to].s < m.s)
			m.s = rs->r[to].s;
		if (rs->r[to].e > m.e)
			m.e = rs->r[to].e;
		to++;
	}
	if (from == to && rs->nr == RANGESET_MAX)
		return -ENOMEM;
	splice(rs, from, to, &m, 1);
	return 0;
}

int rangeset_remove_range(struct rangeset *rs, unsigned long s, unsigned long e)
{
	unsigned int from = first_ending_from(rs, s), to = from, n = 0;
	struct range keep[2];

	if (s > e)
		return -EINVAL;
	while (to < rs->nr && rs->r[to].s <= e)
		to++;
	if (from == to)
		return 0;
	/* What survives: the head of the first range and the tail of the last. */
	if (rs->r[from].s < s)
		keep[n++] = (struct range){ rs->r[from].s, s - 1 };
	if (rs->r[to - 1].e > e)
		keep[n++] = (struct range){ e + 1, rs->r[to - 1].e };
	if (rs->nr - (to - from) + n > RANGESET_MAX)
		return -ENOMEM;
	splice(rs, from, to, keep, n);
	return 0;
}

bool rangeset_contains_range(const struct rangeset *rs, unsigned long s, unsigned long e)
{
	unsigned int i = first_ending_from(rs, e);

	return s <= e && i < rs->nr && rs->r[i].s <= s;
}

bool rangeset_overlaps_range(const struct rangeset *rs, unsigned long s, unsigned long e)
{
	unsigned int i = first_ending_from(rs, s);

	return s <= e && i < rs->nr && rs->r[i].s <= e;
}
