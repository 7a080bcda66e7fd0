/*
 * Firmware memory map: sanitising e820-style entries and deriving the
 * page-aligned free RAM ranges the buddy allocator is fed with.
 */
#include "memmap.h"
#include "lib.h"
#include "console.h"

/* Bounds the overlap-resolution loop; each round removes some overlap. */
#define SANITIZE_MAX_ROUNDS 100000

static u64 entry_end(const struct bi_mem *e)
{
	return e->addr + e->len;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct bi_mem *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return (int)x->type - (int)y->type;
}

/* RAM loses to everything; among the other types the larger number wins. */
static bool beats(u32 a, u32 b)
{
	if (a == E820_RAM)
		return false;
	if (b == E820_RAM)
		return true;
	return a > b;
}

static void remove_entry(struct bi_mem *map, u32 *nr, u32 i)
{
	memmove(&map[i], &map[i + 1], (*nr - i - 1) * sizeof(*map));
	(*nr)--;
}

/*
 * Resolve the overlap of map[i] and map[i + 1] (sorted, overlapping).
 * Returns false if the map could not hold a split entry (a piece was lost).
 */
static bool resolve_pair(struct bi_mem *map, u32 *nr, u32 max, u32 i)
{
	struct bi_mem *a = &map[i], *b = &map[i + 1];
	u64 a_end = entry_end(a), b_end = entry_end(b);
	bool ok = true;

	if (a->type == b->type) {
		a->len = MAX(a_end, b_end) - a->addr;
		remove_entry(map, nr, i + 1);
	} else if (!beats(b->type, a->type)) {
		/* a wins: b keeps only what lies beyond a. */
		if (b_end <= a_end) {
			remove_entry(map, nr, i + 1);
		} else {
			b->addr = a_end;
			b->len = b_end - a_end;
		}
	} else {
		/* b wins: a keeps what lies before b and after b. */
		if (a_end > b_end) {
			if (*nr < max) {
				map[*nr].addr = b_end;
				map[*nr].len = a_end - b_end;
				map[*nr].type = a->type;
				map[*nr].pad = 0;
				(*nr)++;
			} else {
				ok = false;
			}
		}
		a->len = b->addr - a->addr;
	}
	return ok;
}

static void drop_empty(struct bi_mem *map, u32 *nr)
{
	u32 i = 0;

	while (i < *nr) {
		if (map[i].len == 0)
			remove_entry(map, nr, i);
		else
			i++;
	}
}

u32 memmap_sanitize(struct bi_mem *map, u32 nr, u32 max)
{
	u32 i, rounds = 0;
	bool changed = true, lost = false;

	if (max < nr)
		max = nr;
	for (i = 0; i < nr; i++) {
		map[i].pad = 0;
		if (map[i].addr + map[i].len < map[i].addr)
			map[i].len = ~0ULL - map[i].addr; /* clamp a wrapping end */
	}
	while (changed && rounds++ < SANITIZE_MAX_ROUNDS) {
		changed = false;
		drop_empty(map, &nr);
		sort(map, nr, sizeof(*map), cmp_entry);
		for (i = 0; i + 1 < nr; i++) {
			if (map[i + 1].addr < entry_end(&map[i])) {
				lost |= !resolve_pair(map, &nr, max, i);
				changed = true;
				break;
			}
		}
	}
	/* Merge touching entries of the same type. */
	for (i = 0; i + 1 < nr;) {
		if (map[i].type == map[i + 1].type && entry_end(&map[i]) == map[i + 1].addr) {
			map[i].len += map[i + 1].len;
			remove_entry(map, &nr, i + 1);
		} else {
			i++;
		}
	}
	if (lost)
		printk(XENLOG_WARNING "memmap: map full, dropped part of an overlapped entry\n");
	return nr;
}

/* Page-aligned inner RAM extent of @e; false if no whole page remains. */
static bool ram_pages(const struct bi_mem *e, u64 *s, u64 *t)
{
	u64 end = entry_end(e) < e->addr ? ~0ULL : entry_end(e);

	if (e->type != E820_RAM || e->addr > ~0ULL - (PAGE_SIZE - 1))
		return false;
	*s = ALIGN_UP(e->addr, PAGE_SIZE);
	*t = ALIGN_DOWN(end, PAGE_SIZE);
	return *s < *t;
}

struct free_ctx {
	const struct bi_mem *map;
	u32 nr;
	const struct mem_range *rsv;
	u32 nr_rsv;
};

/*
 * Excluded range number @k (map entries that are not RAM, then @rsv),
 * widened outward to page boundaries. False if @k is past the end or empty.
 */
static bool excluded(const struct free_ctx *c, u32 k, u64 *s, u64 *t)
{
	u64 a, b;

	if (k < c->nr) {
		if (c->map[k].type == E820_RAM)
			return false;
		a = c->map[k].addr;
		b = entry_end(&c->map[k]) < a ? ~0ULL : entry_end(&c->map[k]);
	} else {
		a = c->rsv[k - c->nr].start;
		b = c->rsv[k - c->nr].end;
	}
	if (a >= b)
		return false;
	*s = ALIGN_DOWN(a, PAGE_SIZE);
	*t = b > ~0ULL - (PAGE_SIZE - 1) ? ~0ULL & PAGE_MASK : ALIGN_UP(b, PAGE_SIZE);
	return true;
}

/* Lowest RAM address >= @pos; false if none. */
static bool next_ram(const struct free_ctx *c, u64 pos, u64 *at)
{
	bool found = false;
	u64 s, t;
	u32 i;

	for (i = 0; i < c->nr; i++) {
		if (!ram_pages(&c->map[i], &s, &t) || t <= pos)
			continue;
		s = MAX(s, pos);
		if (!found || s < *at)
			*at = s;
		found = true;
	}
	return found;
}

/* End of the RAM that continues without a gap from @pos (RAM entries may overlap). */
static u64 ram_run_end(const struct free_ctx *c, u64 pos)
{
	u64 end = pos, s, t;
	bool grew = true;
	u32 i;

	while (grew) {
		grew = false;
		for (i = 0; i < c->nr; i++) {
			if (ram_pages(&c->map[i], &s, &t) && s <= end && t > end) {
				end = t;
				grew = true;
			}
		}
	}
	return end;
}

/* Find the next free range at or above @pos. */
static bool next_free(const struct free_ctx *c, u64 pos, struct mem_range *r)
{
	u64 at = 0, end, s, t;
	u32 k;
	bool moved = true;

	while (moved) {
		if (!next_ram(c, pos, &at))
			return false;
		pos = at;
		moved = false;
		for (k = 0; k < c->nr + c->nr_rsv; k++) {
			if (excluded(c, k, &s, &t) && s <= pos && t > pos) {
				if (t == (~0ULL & PAGE_MASK))
					return false;
				pos = t;
				moved = true;
			}
		}
	}
	end = ram_run_end(c, pos);
	for (k = 0; k < c->nr + c->nr_rsv; k++) {
		if (excluded(c, k, &s, &t) && s > pos && s < end)
			end = s;
	}
	r->start = pos;
	r->end = end;
	return true;
}

u32 memmap_free_ranges(const struct bi_mem *map, u32 nr, const struct mem_range *rsv, u32 nr_rsv,
		       struct mem_range *out, u32 max, u64 *lost)
{
	struct free_ctx c = { .map = map, .nr = nr, .rsv = rsv, .nr_rsv = rsv ? nr_rsv : 0 };
	struct mem_range r;
	u64 pos = 0, dropped = 0;
	u32 n = 0;

	while (next_free(&c, pos, &r)) {
		if (n < max)
			out[n++] = r;
		else
			dropped += r.end - r.start;
		pos = r.end;
	}
	if (lost)
		*lost = dropped;
	return n;
}

u64 memmap_ram_top(const struct bi_mem *map, u32 nr)
{
	u64 top = 0, end;
	u32 i;

	for (i = 0; i < nr; i++) {
		if (map[i].type != E820_RAM || map[i].len == 0)
			continue;
		end = entry_end(&map[i]) < map[i].addr ? ~0ULL : entry_end(&map[i]);
		top = MAX(top, end);
	}
	return top;
}

u64 memmap_ram_pages(const struct bi_mem *map, u32 nr, u64 limit)
{
	u64 pages = 0, s, t;

	for (u32 i = 0; i < nr; i++) {
		if (!ram_pages(&map[i], &s, &t))
			continue;
		t = MIN(t, limit);
		if (s < t)
			pages += (t - s) >> PAGE_SHIFT;
	}
	return pages;
}
