/*
 * The buddy allocator of machine frames.
 *
 * Free memory is kept as naturally aligned blocks of 2^order frames, one
 * doubly-linked free list per order. Every frame of a free block carries
 * PGC_free; the first frame (the head) records the block's order, the others
 * carry BUDDY_TAIL. Freeing a block merges it with its buddy (the block of
 * the same order it would pair with) as long as that buddy is entirely free,
 * so a block never spans a frame that is not free RAM.
 *
 * Freed frames are dirty (PGC_need_zero: they may hold a domain's or the
 * hypervisor's data); the flag is exact per frame. A free block whose head
 * has PGC_dirty_block may hold dirty frames and sits on its order's dirty
 * list; a block without it holds only zeroed frames and sits on the clean
 * list. Only a free makes blocks, so a merge is always dirty; a split gives
 * the split-off halves the whole block's state (so a clean half may be
 * called dirty, never the other way round). The idle loop zeroes dirty free
 * frames a batch at a time (scrub_free_pages) and moves finished blocks to
 * the clean lists; alloc_zeroed_pages takes a clean block when there is one
 * and zeroes the dirty frames of the block it got otherwise.
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

/* The free lists: [0] clean blocks, [1] blocks that may hold dirty frames. */
static struct page_info *free_head[2][NR_ORDERS];
static u64 free_blocks[NR_ORDERS];
static u64 free_frames;
static u64 dirty_frames; /* free frames with PGC_need_zero */
static u64 dirty_blocks; /* blocks on the dirty lists */
static struct scrub_stats scrub_stats;

/* Where the idle loop's zeroing stopped: a dirty block's head and the next frame in it. */
static struct page_info *scrub_block;
static u64 scrub_next;

static bool block_dirty(const struct page_info *pg)
{
	return pg->flags & PGC_dirty_block;
}

static void list_add(struct page_info *pg, unsigned int order)
{
	struct page_info **head = &free_head[block_dirty(pg)][order];

	pg->prev = NULL;
	pg->next = *head;
	if (pg->next)
		pg->next->prev = pg;
	*head = pg;
	free_blocks[order]++;
	dirty_blocks += block_dirty(pg);
}

static void list_del(struct page_info *pg, unsigned int order)
{
	if (pg->prev)
		pg->prev->next = pg->next;
	else
		free_head[block_dirty(pg)][order] = pg->next;
	if (pg->next)
		pg->next->prev = pg->prev;
	pg->next = pg->prev = NULL;
	free_blocks[order]--;
	dirty_blocks -= block_dirty(pg);
	/* Its frames may be handed out or merged: the scrub starts afresh. */
	if (pg == scrub_block)
		scrub_block = NULL;
}

static void mark_head(struct page_info *pg, unsigned int order, bool dirty)
{
	pg->flags = (pg->flags & ~PGC_dirty_block) | PGC_free | (dirty ? PGC_dirty_block : 0);
	pg->order = (u8)order;
}

void buddy_init(void)
{
	unsigned int i;

	for (i = 0; i < NR_ORDERS; i++) {
		free_head[0][i] = free_head[1][i] = NULL;
		free_blocks[i] = 0;
	}
	free_frames = dirty_frames = dirty_blocks = 0;
	scrub_block = NULL;
	memset(&scrub_stats, 0, sizeof(scrub_stats));
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

/*
 * Insert a block whose frames were just freed, merging upwards. Its frames
 * are dirty, so the merged block is dirty whatever its buddies were.
 */
static void insert_block(mfn_t mfn, unsigned int order)
{
	while (order < MAX_ORDER) {
		mfn_t buddy = mfn ^ (1ULL << order);
		struct page_info *high;

		if (!free_head_of_order(buddy, order))
			break;
		list_del(mfn_to_page(buddy), order);
		/* The higher half's head becomes a tail of the merged block. */
		high = mfn_to_page(buddy > mfn ? buddy : mfn);
		high->order = BUDDY_TAIL;
		high->flags &= ~PGC_dirty_block;
		mfn &= ~(1ULL << order);
		order++;
	}
	mark_head(mfn_to_page(mfn), order, true);
	list_add(mfn_to_page(mfn), order);
}

/* Freed frames are dirty: they may hold what their last user wrote. */
static void mark_free(mfn_t mfn, u64 nr)
{
	u64 i;

	for (i = 0; i < nr; i++) {
		struct page_info *pg = mfn_to_page(mfn + i);

		pg->flags = PGC_free | PGC_need_zero;
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
		dirty_frames += 1ULL << order;
		insert_block(start, order);
		start += (1ULL << order) - 1;
	}
}

/* The first block on free list @list of @o whose lowest 2^@order frames lie below @limit. */
static struct page_info *find_block_below(unsigned int list, unsigned int o, unsigned int order,
					  mfn_t limit)
{
	struct page_info *pg;

	for (pg = free_head[list][o]; pg; pg = pg->next)
		if (limit >= max_page || page_to_mfn(pg) + (1ULL << order) <= limit)
			return pg;
	return NULL;
}

/*
 * The heap lock covers the free lists, the free flags, orders and dirty
 * flags of free frames, the counters and the scrub position. Interrupts are
 * off while it is held, so it is a leaf taken from any context.
 */
static DEFINE_SPINLOCK(heap_lock);

/* The smallest block that fits, from list @first's orders, then the other list's. */
static struct page_info *find_block(unsigned int first, unsigned int order, mfn_t limit,
				    unsigned int *found)
{
	for (unsigned int pass = 0; pass < 2; pass++) {
		unsigned int list = pass ? !first : first;

		for (unsigned int o = order; o <= MAX_ORDER; o++) {
			struct page_info *pg = find_block_below(list, o, order, limit);

			if (pg) {
				*found = o;
				return pg;
			}
		}
	}
	return NULL;
}

/*
 * Take a block of 2^@order frames off the free lists, preferring clean
 * blocks if @want_clean (dirty ones otherwise, to keep the clean ones for
 * those who want them). Its frames keep PGC_need_zero.
 */
static struct page_info *alloc_locked(unsigned int order, mfn_t limit, bool want_clean)
{
	unsigned int o;
	struct page_info *pg;
	bool dirty;
	mfn_t mfn;
	u64 i;

	if (order > MAX_ORDER)
		return NULL;
	pg = find_block(!want_clean, order, limit, &o);
	if (!pg)
		return NULL;
	dirty = block_dirty(pg);
	list_del(pg, o);
	mfn = page_to_mfn(pg);
	/* Give back the upper halves until the block has the order asked for. */
	while (o > order) {
		o--;
		mark_head(mfn_to_page(mfn + (1ULL << o)), o, dirty);
		list_add(mfn_to_page(mfn + (1ULL << o)), o);
	}
	for (i = 0; i < (1ULL << order); i++) {
		struct page_info *p = pg + i;

		dirty_frames -= !!(p->flags & PGC_need_zero);
		p->flags &= ~(PGC_free | PGC_dirty_block);
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

/* Clear the allocated block's dirty flags, zeroing those frames if @zero. */
static void settle_frames(struct page_info *pg, unsigned int order, bool zero)
{
	u64 zeroed = 0;

	for (u64 i = 0; i < (1ULL << order); i++) {
		if (!(pg[i].flags & PGC_need_zero))
			continue;
		if (zero) {
			scrub_frame(page_to_mfn(pg) + i);
			zeroed++;
		}
		pg[i].flags &= ~PGC_need_zero;
	}
	if (zero)
		__atomic_add_fetch(&scrub_stats.alloc_zeroed, zeroed, __ATOMIC_RELAXED);
}

static struct page_info *alloc_block(unsigned int order, mfn_t limit, bool zero)
{
	struct page_info *pg;
	unsigned long flags;

	spin_lock_irqsave(&heap_lock, flags);
	pg = alloc_locked(order, limit, zero);
	spin_unlock_irqrestore(&heap_lock, flags);
	/* The block is ours now: its zeroing needs no lock. */
	if (pg)
		settle_frames(pg, order, zero);
	return pg;
}

struct page_info *alloc_pages(unsigned int order)
{
	return alloc_block(order, max_page, false);
}

struct page_info *alloc_pages_below(unsigned int order, mfn_t limit)
{
	return alloc_block(order, limit, false);
}

struct page_info *alloc_zeroed_pages(unsigned int order)
{
	return alloc_block(order, max_page, true);
}

struct page_info *alloc_zeroed_pages_below(unsigned int order, mfn_t limit)
{
	return alloc_block(order, limit, true);
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
	dirty_frames += nr;
	insert_block(mfn, order);
}

/* ---- Zeroing free frames while the CPU idles. */

#define SCRUB_ZERO_BATCH 16   /* frames zeroed per batch, at most */
#define SCRUB_SCAN_BATCH 1024 /* frames looked at per batch, at most */

/* The dirty block to work on: the one the last batch stopped in, else the smallest. */
static struct page_info *scrub_pick(void)
{
	if (scrub_block)
		return scrub_block;
	for (unsigned int o = 0; o <= MAX_ORDER; o++) {
		if (free_head[1][o]) {
			scrub_next = 0;
			scrub_block = free_head[1][o];
			return scrub_block;
		}
	}
	return NULL;
}

/* Zero the dirty frames among the next ones of @pg's block: true once the block is done. */
static bool scrub_some(struct page_info *pg)
{
	u64 nr = 1ULL << pg->order, zeroed = 0, seen = 0;

	for (; scrub_next < nr && zeroed < SCRUB_ZERO_BATCH && seen < SCRUB_SCAN_BATCH;
	     scrub_next++, seen++) {
		struct page_info *p = pg + scrub_next;

		if (!(p->flags & PGC_need_zero))
			continue;
		scrub_frame(page_to_mfn(p));
		p->flags &= ~PGC_need_zero;
		zeroed++;
	}
	dirty_frames -= zeroed;
	scrub_stats.idle_zeroed += zeroed;
	return scrub_next == nr;
}

bool scrub_free_pages(void)
{
	struct page_info *pg;
	unsigned long flags;

	spin_lock_irqsave(&heap_lock, flags);
	pg = scrub_pick();
	if (pg && scrub_some(pg)) {
		unsigned int order = pg->order;

		list_del(pg, order);
		pg->flags &= ~PGC_dirty_block;
		list_add(pg, order);
	}
	spin_unlock_irqrestore(&heap_lock, flags);
	return pg != NULL;
}

bool scrub_pending(void)
{
	return __atomic_load_n(&dirty_blocks, __ATOMIC_RELAXED) != 0;
}

void buddy_scrub_stats(struct scrub_stats *st)
{
	unsigned long flags;

	spin_lock_irqsave(&heap_lock, flags);
	*st = scrub_stats;
	st->dirty_free = dirty_frames;
	spin_unlock_irqrestore(&heap_lock, flags);
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
		if (pg[i].flags & PGC_dirty_block)
			return check_fail("tail frame marked as a dirty block", mfn + i, order);
	}
	for (i = 0; i < nr && !block_dirty(pg); i++) {
		if (pg[i].flags & PGC_need_zero)
			return check_fail("dirty frame in a clean block", mfn + i, order);
	}
	if (order < MAX_ORDER && free_head_of_order(mfn ^ nr, order))
		return check_fail("free buddies not merged", mfn, order);
	return 0;
}

/* Check free list @list of @o; adds its blocks to *@n. */
static int check_list(unsigned int list, unsigned int o, u64 *n)
{
	const struct page_info *pg, *prev = NULL;

	for (pg = free_head[list][o]; pg; prev = pg, pg = pg->next) {
		if (++*n > max_page)
			return check_fail("free list loops", 0, o);
		if (pg->prev != prev)
			return check_fail("broken back link", page_to_mfn(pg), o);
		if (check_block(pg, o))
			return -1;
		if (block_dirty(pg) != list)
			return check_fail("block on the wrong list for its state", page_to_mfn(pg),
					  o);
	}
	return 0;
}

int buddy_check(void)
{
	u64 listed = 0, marked = 0, dirty = 0, dirty_listed = 0, n, mfn;
	unsigned int o;

	for (o = 0; o < NR_ORDERS; o++) {
		n = 0;
		if (check_list(1, o, &n))
			return -1;
		dirty_listed += n;
		if (check_list(0, o, &n))
			return -1;
		if (n != free_blocks[o])
			return check_fail("block count differs from the list", n, o);
		listed += n << o;
	}
	for (mfn = 0; mfn < max_page; mfn++) {
		marked += !!(frame_table[mfn].flags & PGC_free);
		dirty += (frame_table[mfn].flags & (PGC_free | PGC_need_zero)) ==
			 (PGC_free | PGC_need_zero);
	}
	if (listed != free_frames || marked != free_frames)
		return check_fail("free frame counts disagree", marked, 0);
	if (dirty != dirty_frames || dirty_listed != dirty_blocks)
		return check_fail("dirty counts disagree", dirty, 0);
	return 0;
}
