/* The buddy allocator (xen/common/page_alloc.c) over a host-allocated frame table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm.h"
#include "shim.h"

#define NR_FRAMES 8192

/* A frame's contents, one byte standing for its 4 KiB: 0 is a zeroed frame. */
static uint8_t contents[NR_FRAMES];
static u64 frames_scrubbed;

void scrub_frame(mfn_t mfn)
{
	assert_true(mfn < NR_FRAMES);
	/* Only a frame the allocator says may hold data is ever zeroed. */
	assert_true(frame_table[mfn].flags & PGC_need_zero);
	contents[mfn] = 0;
	frames_scrubbed++;
}

static int setup(void **state)
{
	(void)state;
	memset(contents, 0xaa, sizeof(contents)); /* what the firmware left */
	frames_scrubbed = 0;
	frame_table = calloc(NR_FRAMES, sizeof(*frame_table));
	if (!frame_table)
		return -1;
	max_page = NR_FRAMES;
	buddy_init();
	shim_log_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(frame_table);
	frame_table = NULL;
	max_page = 0;
	return 0;
}

/* Snapshot of which frames are free and which are block heads of which order. */
static void snapshot(uint8_t *snap)
{
	for (u64 i = 0; i < max_page; i++)
		snap[i] =
		    (frame_table[i].flags & PGC_free) ? (uint8_t)(1 + frame_table[i].order) : 0;
}

static void test_empty(void **state)
{
	(void)state;
	assert_int_equal(buddy_free_count(), 0);
	assert_null(alloc_pages(0));
	assert_int_equal(buddy_check(), 0);
}

static void test_alloc_all_orders(void **state)
{
	(void)state;
	buddy_free_range(0, NR_FRAMES);
	assert_int_equal(buddy_free_count(), NR_FRAMES);
	assert_int_equal(buddy_check(), 0);
	for (unsigned int order = 0; order <= 13; order++) {
		struct page_info *pg = alloc_pages(order);

		assert_non_null(pg);
		mfn_t mfn = page_to_mfn(pg);
		assert_int_equal(mfn & ((1ULL << order) - 1), 0);
		for (u64 i = 0; i < (1ULL << order); i++) {
			assert_false(pg[i].flags & PGC_free);
			assert_int_equal(pg[i].count, 0);
			assert_int_equal(pg[i].type, PGT_none);
		}
		assert_int_equal(buddy_free_count(), NR_FRAMES - (1ULL << order));
		assert_int_equal(buddy_check(), 0);
		free_pages(pg, order);
		assert_int_equal(buddy_free_count(), NR_FRAMES);
		assert_int_equal(buddy_check(), 0);
	}
	/* 2^14 frames do not exist here; beyond MAX_ORDER is refused outright. */
	assert_null(alloc_pages(14));
	assert_null(alloc_pages(MAX_ORDER + 1));
	assert_int_equal(buddy_free_count(), NR_FRAMES);
}

static void test_exhaustion_and_coalescing(void **state)
{
	static struct page_info *pages[NR_FRAMES];
	uint8_t *before = malloc(NR_FRAMES), *after = malloc(NR_FRAMES);

	(void)state;
	buddy_free_range(0, NR_FRAMES);
	snapshot(before);
	for (int i = 0; i < NR_FRAMES; i++) {
		pages[i] = alloc_pages(0);
		assert_non_null(pages[i]);
	}
	assert_null(alloc_pages(0));
	assert_int_equal(buddy_free_count(), 0);
	assert_int_equal(buddy_check(), 0);
	/* Each frame handed out exactly once. */
	for (int i = 0; i < NR_FRAMES; i++)
		assert_int_equal(pages[i]->count, 0);
	uint8_t *seen = calloc(NR_FRAMES, 1);
	for (int i = 0; i < NR_FRAMES; i++) {
		mfn_t m = page_to_mfn(pages[i]);
		assert_true(m < NR_FRAMES);
		assert_int_equal(seen[m], 0);
		seen[m] = 1;
	}
	/* Free in a scrambled order: everything must merge back. */
	srand(7);
	for (int i = NR_FRAMES - 1; i > 0; i--) {
		int j = rand() % (i + 1);
		struct page_info *t = pages[i];
		pages[i] = pages[j];
		pages[j] = t;
	}
	for (int i = 0; i < NR_FRAMES; i++)
		free_pages(pages[i], 0);
	assert_int_equal(buddy_check(), 0);
	snapshot(after);
	assert_memory_equal(before, after, NR_FRAMES);
	/* Back to one 8192-frame block: an order-13 allocation succeeds. */
	struct page_info *big = alloc_pages(13);
	assert_ptr_equal(big, &frame_table[0]);
	free_pages(big, 13);
	free(seen);
	free(before);
	free(after);
}

/* A limit below which the block must lie: found even when higher ones are first. */
static void test_alloc_below(void **state)
{
	struct page_info *pg;

	(void)state;
	buddy_free_range(0, NR_FRAMES);
	pg = alloc_pages_below(9, 4096);
	assert_non_null(pg);
	assert_true(page_to_mfn(pg) + 512 <= 4096);
	assert_int_equal(page_to_mfn(pg) & 511, 0);
	assert_int_equal(buddy_check(), 0);
	/* Drain [0, 4096) with order-9 blocks: exactly 7 more, then none. */
	for (int i = 0; i < 7; i++)
		assert_non_null(alloc_pages_below(9, 4096));
	assert_null(alloc_pages_below(9, 4096));
	assert_null(alloc_pages_below(0, 4096));
	/* The rest is still there for unlimited requests. */
	assert_int_equal(buddy_free_count(), NR_FRAMES - 4096);
	assert_true(page_to_mfn(alloc_pages(0)) >= 4096);
	assert_null(alloc_pages_below(0, 0));
	assert_int_equal(buddy_check(), 0);
}

static void test_holes_respected(void **state)
{
	(void)state;
	for (int i = 0; i < NR_FRAMES; i++)
		frame_table[i].flags = PGC_reserved;
	/* RAM: [1, 100), [101, 4096), [5000, 8192): frames 0, 100, 4096-4999 are holes. */
	buddy_free_range(1, 100);
	buddy_free_range(101, 4096);
	buddy_free_range(5000, NR_FRAMES);
	assert_int_equal(buddy_free_count(), 99 + 3995 + 3192);
	assert_int_equal(buddy_check(), 0);
	assert_int_equal(frame_table[0].flags, PGC_reserved);
	assert_int_equal(frame_table[100].flags, PGC_reserved);
	assert_int_equal(frame_table[4500].flags, PGC_reserved);
	/* Drain everything: no allocation may ever contain a hole frame. */
	u64 got = 0;
	for (int order = 12; order >= 0; order--) {
		struct page_info *pg;

		while ((pg = alloc_pages((unsigned int)order))) {
			mfn_t m = page_to_mfn(pg);
			for (u64 i = 0; i < (1ULL << order); i++) {
				assert_true(m + i != 0 && m + i != 100);
				assert_false(m + i >= 4096 && m + i < 5000);
			}
			got += 1ULL << order;
		}
	}
	assert_int_equal(got, 99 + 3995 + 3192);
	assert_int_equal(buddy_free_count(), 0);
	assert_int_equal(buddy_check(), 0);
}

static void test_free_range_twice(void **state)
{
	(void)state;
	buddy_free_range(10, 20);
	buddy_free_range(15, 40); /* overlaps: frames 15-19 are already free */
	buddy_free_range(0, 0);
	buddy_free_range(NR_FRAMES - 3, NR_FRAMES + 100); /* clipped to max_page */
	assert_int_equal(buddy_free_count(), 30 + 3);
	/* A free frame inside what would be one aligned block: blocks go around it. */
	buddy_free_range(100, 101);
	buddy_free_range(96, 128);
	assert_int_equal(buddy_free_count(), 30 + 3 + 32);
	assert_int_equal(buddy_check(), 0);
}

static void test_bad_frees(void **state)
{
	(void)state;
	buddy_free_range(0, 64);
	struct page_info *pg = alloc_pages(2);
	assert_non_null(pg);
	u64 before = buddy_free_count();

	shim_log_reset();
	free_pages(pg + 1, 2); /* misaligned */
	assert_true(shim_log_has("misaligned"));
	free_pages(pg, MAX_ORDER + 1);
	assert_true(shim_log_has("bad block"));
	free_pages(NULL, 0);
	free_pages(&frame_table[NR_FRAMES - 1], 1); /* past the end */
	assert_int_equal(buddy_free_count(), before);

	free_pages(pg, 2);
	assert_int_equal(buddy_free_count(), before + 4);
	shim_log_reset();
	free_pages(pg, 2); /* double free */
	assert_true(shim_log_has("already free"));
	assert_int_equal(buddy_free_count(), before + 4);
	frame_table[100].flags = PGC_reserved;
	free_pages(&frame_table[100], 0);
	assert_true(shim_log_has("reserved"));
	assert_int_equal(buddy_check(), 0);
}

/* A domain's frame list: newest first, any member taken off, and no free while listed. */
static void test_frame_list(void **state)
{
	struct page_info *head = NULL, *f[3];

	(void)state;
	buddy_free_range(0, 64);
	for (int i = 0; i < 3; i++) {
		f[i] = alloc_pages(0);
		assert_non_null(f[i]);
		frame_list_add(&head, f[i]);
		assert_true(f[i]->flags & PGC_listed);
	}
	assert_ptr_equal(head, f[2]);
	assert_ptr_equal(f[2]->next, f[1]);
	assert_ptr_equal(f[1]->next, f[0]);
	assert_null(f[0]->next);
	assert_ptr_equal(f[0]->prev, f[1]);

	u64 before = buddy_free_count();
	shim_log_reset();
	free_pages(f[1], 0);
	assert_true(shim_log_has("still on its owner's list"));
	assert_int_equal(buddy_free_count(), before);

	frame_list_del(&head, f[1]); /* the middle */
	assert_false(f[1]->flags & PGC_listed);
	assert_ptr_equal(f[2]->next, f[0]);
	assert_ptr_equal(f[0]->prev, f[2]);
	frame_list_del(&head, f[1]); /* not listed: nothing */
	assert_ptr_equal(head, f[2]);
	frame_list_del(&head, f[2]); /* the head */
	assert_ptr_equal(head, f[0]);
	assert_null(f[0]->prev);
	frame_list_del(&head, f[0]);
	assert_null(head);
	for (int i = 0; i < 3; i++)
		free_pages(f[i], 0);
	assert_int_equal(buddy_free_count(), before + 3);
	assert_int_equal(buddy_check(), 0);
}

static void test_random_sequences(void **state)
{
	struct {
		struct page_info *pg;
		unsigned int order;
	} live[512];
	int nlive = 0;

	(void)state;
	for (int i = 0; i < NR_FRAMES; i++)
		frame_table[i].flags = PGC_reserved;
	buddy_free_range(3, 3000);
	buddy_free_range(3100, 7777);
	u64 total = buddy_free_count();
	srand(42);
	for (int step = 0; step < 4000; step++) {
		if (nlive < 512 && (rand() % 3 != 0 || nlive == 0)) {
			unsigned int order = (unsigned int)(rand() % 7);
			struct page_info *pg = alloc_pages(order);

			if (pg) {
				live[nlive].pg = pg;
				live[nlive].order = order;
				nlive++;
			}
		} else {
			int k = rand() % nlive;

			free_pages(live[k].pg, live[k].order);
			live[k] = live[--nlive];
		}
		if (step % 97 == 0)
			assert_int_equal(buddy_check(), 0);
	}
	u64 used = 0;
	for (int k = 0; k < nlive; k++)
		used += 1ULL << live[k].order;
	assert_int_equal(buddy_free_count() + used, total);
	while (nlive) {
		nlive--;
		free_pages(live[nlive].pg, live[nlive].order);
	}
	assert_int_equal(buddy_free_count(), total);
	assert_int_equal(buddy_check(), 0);
}

static void test_check_detects_corruption(void **state)
{
	(void)state;
	buddy_free_range(0, 256);
	assert_int_equal(buddy_check(), 0);
	shim_log_reset();
	frame_table[37].flags &= ~PGC_free; /* a tail frame of a free block */
	assert_int_not_equal(buddy_check(), 0);
	assert_true(shim_log_has("buddy_check"));
	frame_table[37].flags |= PGC_free;
	assert_int_equal(buddy_check(), 0);
	frame_table[1000].flags |= PGC_free; /* a stray free frame on no list */
	assert_int_not_equal(buddy_check(), 0);
}

/* ---- Dirty and clean free frames. */

/* Write data into every frame of an allocated block, as its user would. */
static void use_block(struct page_info *pg, unsigned int order, uint8_t val)
{
	for (u64 i = 0; i < (1ULL << order); i++)
		contents[page_to_mfn(pg) + i] = val;
}

static void assert_block_zero(const struct page_info *pg, unsigned int order)
{
	for (u64 i = 0; i < (1ULL << order); i++)
		assert_int_equal(contents[page_to_mfn(pg) + i], 0);
}

static u64 scrub_all(void)
{
	u64 batches = 0;

	while (scrub_free_pages())
		assert_true(++batches < 4 * NR_FRAMES); /* it ends */
	assert_false(scrub_pending());
	return batches;
}

static struct scrub_stats stats(void)
{
	struct scrub_stats st;

	buddy_scrub_stats(&st);
	return st;
}

/* Boot memory is dirty; a zeroed allocation zeroes exactly the frames it gets. */
static void test_free_range_is_dirty(void **state)
{
	struct page_info *pg;

	(void)state;
	buddy_free_range(0, NR_FRAMES);
	assert_true(scrub_pending());
	assert_int_equal(stats().dirty_free, NR_FRAMES);
	pg = alloc_zeroed_pages(3);
	assert_non_null(pg);
	assert_block_zero(pg, 3);
	assert_int_equal(frames_scrubbed, 8);
	assert_int_equal(stats().alloc_zeroed, 8);
	assert_int_equal(stats().dirty_free, NR_FRAMES - 8);
	for (int i = 0; i < 8; i++)
		assert_false(pg[i].flags & (PGC_need_zero | PGC_dirty_block));
	/* A plain allocation zeroes nothing and clears the frames' flags. */
	pg = alloc_pages(2);
	assert_int_equal(frames_scrubbed, 8);
	assert_int_equal(contents[page_to_mfn(pg)], 0xaa);
	assert_false(pg[3].flags & PGC_need_zero);
	assert_int_equal(buddy_check(), 0);
}

/* The idle loop's batches zero every free frame once, and then blocks are clean. */
static void test_scrub_all(void **state)
{
	struct page_info *pg;
	u64 batches;

	(void)state;
	buddy_free_range(0, NR_FRAMES);
	assert_true(scrub_free_pages());
	assert_true(frames_scrubbed > 0 && frames_scrubbed <= 16); /* one short batch */
	assert_int_equal(buddy_check(), 0);
	batches = scrub_all();
	assert_true(batches >= NR_FRAMES / 16 - 1);
	assert_int_equal(frames_scrubbed, NR_FRAMES);
	assert_int_equal(stats().idle_zeroed, NR_FRAMES);
	assert_int_equal(stats().dirty_free, 0);
	for (int i = 0; i < NR_FRAMES; i++)
		assert_int_equal(contents[i], 0);
	assert_int_equal(buddy_check(), 0);
	/* Clean now: a zeroed allocation of everything zeroes nothing. */
	pg = alloc_zeroed_pages(13);
	assert_non_null(pg);
	assert_int_equal(frames_scrubbed, NR_FRAMES);
	free_pages(pg, 13);
	assert_int_equal(stats().dirty_free, NR_FRAMES);
}

/* A dirty block merged with clean ones makes a dirty block; only its dirty frames get zeroed. */
static void test_merge_keeps_dirty(void **state)
{
	struct page_info *a, *b, *all;

	(void)state;
	buddy_free_range(0, 64);
	scrub_all();
	a = alloc_zeroed_pages(0);
	b = alloc_zeroed_pages(0);
	assert_int_equal(page_to_mfn(a) ^ page_to_mfn(b), 1); /* buddies */
	use_block(a, 0, 0x11);
	use_block(b, 0, 0x22);
	free_pages(a, 0);
	assert_int_equal(buddy_check(), 0);
	free_pages(b, 0); /* merges with a, then up to 64 frames */
	assert_int_equal(buddy_check(), 0);
	assert_int_equal(stats().dirty_free, 2);
	assert_true(scrub_pending());
	all = alloc_zeroed_pages(6);
	assert_ptr_equal(all, &frame_table[0]);
	assert_block_zero(all, 6);
	assert_int_equal(stats().alloc_zeroed, 2);
	assert_false(scrub_pending());
	assert_int_equal(buddy_check(), 0);
}

/*
 * Splitting a dirty block: the halves given back are called dirty whether or
 * not they hold a dirty frame; the zeroing goes by the frames' own flags.
 */
static void test_split_keeps_dirty(void **state)
{
	struct page_info *pg;
	u64 zeroed;

	(void)state;
	buddy_free_range(0, 16);
	pg = alloc_pages(0); /* a plain allocation takes (and splits) the dirty block */
	assert_ptr_equal(pg, &frame_table[0]);
	for (int head = 1; head < 16; head *= 2)
		assert_true(frame_table[head].flags & PGC_dirty_block);
	assert_int_equal(buddy_check(), 0);
	assert_ptr_equal(alloc_zeroed_pages(3), &frame_table[8]);
	assert_int_equal(frames_scrubbed, 8);
	scrub_all(); /* frames 1-7 */
	use_block(pg, 0, 0x44);
	free_pages(pg, 0); /* merges with clean 1, 2-3, 4-7: a dirty block of 8 */
	assert_true(frame_table[0].flags & PGC_dirty_block);
	assert_int_equal(stats().dirty_free, 1);
	assert_int_equal(buddy_check(), 0);
	pg = alloc_pages(0);
	assert_ptr_equal(pg, &frame_table[0]);
	assert_true(frame_table[4].flags & PGC_dirty_block); /* called dirty, holds none */
	zeroed = frames_scrubbed;
	assert_ptr_equal(alloc_zeroed_pages(2), &frame_table[4]);
	assert_int_equal(frames_scrubbed, zeroed);
	assert_int_equal(buddy_check(), 0);
}

/* A zeroed allocation takes a clean block before a dirty one; a plain one the reverse. */
static void test_clean_preferred(void **state)
{
	struct page_info *pg;

	(void)state;
	buddy_free_range(0, 2);
	scrub_all();
	buddy_free_range(4, 6); /* dirty */
	pg = alloc_zeroed_pages(0);
	assert_true(page_to_mfn(pg) < 2);
	assert_int_equal(stats().alloc_zeroed, 0);
	pg = alloc_pages(0);
	assert_true(page_to_mfn(pg) >= 4);
	assert_int_equal(buddy_check(), 0);
}

/*
 * A block the scrub is half way through is handed out, written and given
 * back: the scrub starts again and leaves no dirty frame in a clean block.
 */
static void test_scrub_restarts(void **state)
{
	struct page_info *pg;

	(void)state;
	buddy_free_range(0, 64);
	scrub_all();
	pg = alloc_zeroed_pages(6);
	use_block(pg, 6, 0x55);
	free_pages(pg, 6);
	assert_true(scrub_free_pages()); /* frames 0-15 zeroed */
	pg = alloc_pages(6);
	use_block(pg, 6, 0x66);
	free_pages(pg, 6);
	scrub_all();
	assert_int_equal(buddy_check(), 0);
	for (int i = 0; i < 64; i++)
		assert_int_equal(contents[i], 0);
}

/* Random allocations, writes, frees and scrub batches: a zeroed block always reads zero. */
static void test_random_never_stale(void **state)
{
	struct {
		struct page_info *pg;
		unsigned int order;
	} live[256];
	int nlive = 0;

	(void)state;
	buddy_free_range(0, 2048);
	srand(1234);
	for (int step = 0; step < 6000; step++) {
		int r = rand() % 8;

		if (r < 3 && nlive < 256) {
			unsigned int order = (unsigned int)(rand() % 6);
			bool zero = rand() % 2;
			struct page_info *pg =
			    zero ? alloc_zeroed_pages(order) : alloc_pages(order);

			if (!pg)
				continue;
			if (zero)
				assert_block_zero(pg, order);
			use_block(pg, order, (uint8_t)(1 + rand() % 250));
			live[nlive].pg = pg;
			live[nlive++].order = order;
		} else if (r < 6 && nlive) {
			int k = rand() % nlive;

			free_pages(live[k].pg, live[k].order);
			live[k] = live[--nlive];
		} else {
			scrub_free_pages();
		}
		if (step % 101 == 0)
			assert_int_equal(buddy_check(), 0);
	}
	while (nlive--)
		free_pages(live[nlive].pg, live[nlive].order);
	scrub_all();
	for (int i = 0; i < 2048; i++)
		assert_int_equal(contents[i], 0);
	assert_int_equal(buddy_check(), 0);
}

static void test_check_detects_dirty_in_clean(void **state)
{
	(void)state;
	buddy_free_range(0, 256);
	scrub_all();
	assert_int_equal(buddy_check(), 0);
	shim_log_reset();
	frame_table[77].flags |= PGC_need_zero;
	assert_int_not_equal(buddy_check(), 0);
	assert_true(shim_log_has("dirty frame in a clean block"));
	frame_table[77].flags &= ~PGC_need_zero;
	frame_table[0].flags |= PGC_dirty_block; /* claims dirty, listed as clean */
	assert_int_not_equal(buddy_check(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_all_orders, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_and_coalescing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_holes_respected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_range_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_frame_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alloc_below, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_sequences, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_detects_corruption, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_range_is_dirty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scrub_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_keeps_dirty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_keeps_dirty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clean_preferred, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scrub_restarts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_never_stale, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_detects_dirty_in_clean, setup, teardown),
	};

	return cmocka_run_group_tests_name("buddy", tests, NULL, NULL);
}
