/*
 * The buddy allocator of machine frames.
 *
 * Free memory is kept as naturally aligned blocks of 2^order frames, one
 * doubly-linked free list per order. Every frame of a free block carries
 * PGC_free; the first frame (the head) records the block's order, the others
 * carry BUDDY_TAIL. Freeing a block merges it with its buddy (the block of
 * the same order it would pair with) as long as that buddy is entirely free,
 * so a block never spans a frame that is not free RAM.
 */
#include "mm.h"
#include "lib.h"
#include "console.h"
#include "spinlock.h"

#define BUDDY_TAIL 0xff /* page_info.order of a non-head frame of a free block */
#define NR_ORDERS (MAX_ORDER + 1)

struct page_info *frame_table;
u64 max_page;
u64 total_pages;

static struct page_info *free_head[NR_ORDERS];
static u64 free_blocks[NR_ORDERS];
static u64 free_frames;

static void list_add(struct page_info *pg, unsigned int order)
{
	pg->prev = NULL;
	pg->next = free_head[order];
	if (pg->next)
		pg->next->prev = pg;
	free_head[order] = pg;
	free_blocks[order]++;
}

static void list_del(struct page_info *pg, unsigned int order)
{
	if (pg->prev)
		pg->prev->next = pg->next;
	else
		free_head[order] = pg->next;
	if (pg->next)
		pg->next->prev = pg->prev;
	pg->next = pg->prev = NULL;
	free_blocks[order]--;
}

static void mark_head(struct page_info *pg, unsigned int order)
{
	pg->flags |= PGC_free;
	pg->order = (u8)order;
}

void buddy_init(void)
{
	unsigned int i;

	for (i = 0; i < NR_ORDERS; i++) {
		free_head[i] = NULL;
		free_blocks[i] = 0;
	}
	free_frames = 0;
}

/* Is the block of @order at @mfn a free block head of exactly that order? */
static bool free_head_of_order(mfn_t mfn, unsigned int order)
{
	const struct page_info *pg;

	if (mfn >= max_page)
		return false;
	pg = mfn_to_page(mfn);
	return (pg->flags & PGC_free) && pg->order == order;
}

/* Insert a block whose frames are already marked free, merging upwards. */
static void insert_block(mfn_t mfn, unsigned int order)
{
	while (order < MAX_ORDER) {
		mfn_t buddy = mfn ^ (1ULL << order);

		if (!free_head_of_order(buddy, order))
			break;
		list_del(mfn_to_page(buddy), order);
		/* The higher half's head becomes a tail of the merged block. */
		mfn_to_page(buddy > mfn ? buddy : mfn)->order = BUDDY_TAIL;
		mfn &= ~(1ULL << order);
		order++;
	}
	mark_head(mfn_to_page(mfn), order);
	list_add(mfn_to_page(mfn), order);
}

static void mark_free(mfn_t mfn, u64 nr)
{
	u64 i;

	for (i = 0; i < nr; i++) {
		struct page_info *pg = mfn_to_page(mfn + i);

		pg->flags = PGC_free;
		pg->order = BUDDY_TAIL;
		pg->owner = NULL;
		pg->count = pg->type_count = 0;
		pg->type = PGT_none;
	}
}

void buddy_free_range(mfn_t start, mfn_t end)
{
	u64 i;

	if (end > max_page)
		end = max_page;
	/* Frames that are already free stay as they are. */
	for (; start < end; start++) {
		unsigned int order = 0;

		if (mfn_to_page(start)->flags & PGC_free)
			continue;
		while (order < MAX_ORDER && !(start & ((2ULL << order) - 1)) &&
		       start + (2ULL << order) <= end)
			order++;
		/* Stop the block before any frame that is already free. */
		for (i = 1; i < (1ULL << order); i++) {
			if (mfn_to_page(start + i)->flags & PGC_free)
				break;
		}
		while ((1ULL << order) > i)
			order--;
		mark_free(start, 1ULL << order);
		free_frames += 1ULL << order;
		insert_block(start, order);
		start += (1ULL << order) - 1;
	}
}

/* The first free block of @o whose lowest 2^@order frames lie below @limit. */
static struct page_info *find_block_below(unsigned int o, unsigned int order, mfn_t limit)
{
	struct page_info *pg;

	for (pg = free_head[o]; pg; pg = pg->next)
		if (page_to_mfn(pg) + (1ULL << order) <= limit)
			return pg;
	return NULL;
}

struct page_info *alloc_pages(unsigned int order)
{
	return alloc_pages_below(order, max_page);
}

/*
 * The heap lock covers the free lists, the free flags and orders of free
 * frames and free_frames. Interrupts are off while it is held, so it is a
 * leaf taken from any context.
 */
static DEFINE_SPINLOCK(heap_lock);

static struct page_info *alloc_locked(unsigned int order, mfn_t limit);

struct page_info *alloc_pages_below(unsigned int order, mfn_t limit)
{
	struct page_info *pg;
	unsigned long flags;

	spin_lock_irqsave(&heap_lock, flags);
	pg = alloc_locked(order, limit);
	spin_unlock_irqrestore(&heap_lock, flags);
	return pg;
}

static struct page_info *alloc_locked(unsigned int order, mfn_t limit)
{
	unsigned int o;
	struct page_info *pg = NULL;
	mfn_t mfn;
	u64 i;

	if (order > MAX_ORDER)
		return NULL;
	for (o = order; o <= MAX_ORDER; o++) {
		pg = limit >= max_page ? free_head[o] : find_block_below(o, order, limit);
		if (pg)
			break;
	}
	if (!pg)
		return NULL;
	list_del(pg, o);
	mfn = page_to_mfn(pg);
	/* Give back the upper halves until the block has the order asked for. */
	while (o > order) {
		o--;
		mark_head(mfn_to_page(mfn + (1ULL << o)), o);
		list_add(mfn_to_page(mfn + (1ULL << o)), o);
	}
	for (i = 0; i < (1ULL << order); i++) {
		struct page_info *p = pg + i;

		p->flags &= ~PGC_free;
		p->order = 0;
		p->count = p->type_count = 0;
		p->type = PGT_none;
		p->owner = NULL;
		p->next = p->prev = NULL;
	}
	pg->order = (u8)order;
	free_frames -= 1ULL << order;
	return pg;
}

static void free_locked(struct page_info *pg, unsigned int order);

void free_pages(struct page_info *pg, unsigned int order)
{
	unsigned long flags;

	spin_lock_irqsave(&heap_lock, flags);
	free_locked(pg, order);
	spin_unlock_irqrestore(&heap_lock, flags);
}

static void free_locked(struct page_info *pg, unsigned int order)
{
	mfn_t mfn;
	u64 i, nr;

	if (!pg || !frame_table || pg < frame_table || order > MAX_ORDER) {
		printk(XENLOG_ERR "free_pages: bad block %p order %u\n", (void *)pg, order);
		return;
	}
	mfn = page_to_mfn(pg);
	nr = 1ULL << order;
	if ((mfn & (nr - 1)) || mfn >= max_page || max_page - mfn < nr) {
		printk(XENLOG_ERR "free_pages: mfn %#llx order %u is misaligned or out of range\n",
		       (unsigned long long)mfn, order);
		return;
	}
	for (i = 0; i < nr; i++) {
		if (pg[i].flags & (PGC_free | PGC_reserved | PGC_listed)) {
			printk(XENLOG_ERR "free_pages: mfn %#llx is %s\n",
			       (unsigned long long)(mfn + i),
			       (pg[i].flags & PGC_free)	    ? "already free"
			       : (pg[i].flags & PGC_listed) ? "still on its owner's list"
							    : "reserved");
			return;
		}
	}
	mark_free(mfn, nr);
	free_frames += nr;
	insert_block(mfn, order);
}

void frame_list_add(struct page_info **head, struct page_info *pg)
{
	pg->flags |= PGC_listed;
	pg->prev = NULL;
	pg->next = *head;
	if (pg->next)
		pg->next->prev = pg;
	*head = pg;
}

void frame_list_del(struct page_info **head, struct page_info *pg)
{
	if (!(pg->flags & PGC_listed))
		return;
	if (pg->prev)
		pg->prev->next = pg->next;
	else
		*head = pg->next;
	if (pg->next)
		pg->next->prev = pg->prev;
	pg->next = pg->prev = NULL;
	pg->flags &= ~PGC_listed;
}

u64 buddy_free_count(void)
{
	return free_frames;
}

static int check_fail(const char *what, u64 mfn, unsigned int order)
{
	printk(XENLOG_ERR "buddy_check: %s (mfn %#llx, order %u)\n", what, (unsigned long long)mfn,
	       order);
	return -1;
}

/* Check one free block: its frames, alignment and that it was fully merged. */
static int check_block(const struct page_info *pg, unsigned int order)
{
	mfn_t mfn;
	u64 i, nr = 1ULL << order;

	if (pg < frame_table || pg >= frame_table + max_page)
		return check_fail("list entry outside the frame table", 0, order);
	mfn = page_to_mfn(pg);
	if ((mfn & (nr - 1)) || max_page - mfn < nr)
		return check_fail("misaligned or overlong block", mfn, order);
	if (!(pg->flags & PGC_free) || pg->order != order)
		return check_fail("head not marked free with its order", mfn, order);
	for (i = 1; i < nr; i++) {
		if (!(pg[i].flags & PGC_free) || pg[i].order != BUDDY_TAIL)
			return check_fail("tail frame not marked free", mfn + i, order);
	}
	if (order < MAX_ORDER && free_head_of_order(mfn ^ nr, order))
		return check_fail("free buddies not merged", mfn, order);
	return 0;
}

int buddy_check(void)
{
	u64 listed = 0, marked = 0, n, mfn;
	unsigned int o;

	for (o = 0; o < NR_ORDERS; o++) {
		const struct page_info *pg, *prev = NULL;

		n = 0;
		for (pg = free_head[o]; pg; prev = pg, pg = pg->next) {
			if (++n > max_page)
				return check_fail("free list loops", 0, o);
			if (pg->prev != prev)
				return check_fail("broken back link", page_to_mfn(pg), o);
			if (check_block(pg, o))
				return -1;
		}
		if (n != free_blocks[o])
			return check_fail("block count differs from the list", n, o);
		listed += n << o;
	}
	for (mfn = 0; mfn < max_page; mfn++)
		marked += !!(frame_table[mfn].flags & PGC_free);
	if (listed != free_frames || marked != free_frames)
		return check_fail("free frame counts disagree", marked, 0);
	return 0;
}
