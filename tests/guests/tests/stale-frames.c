/*
 * No domain gets another's data: a child domain's frames are filled with a
 * pattern through foreign mappings, the child is destroyed, and a second
 * child then populates nearly all free memory, so that it must be given
 * most of the first one's frames again; every such frame reads all zeroes.
 * The hypervisor may zero a freed frame at once, in its idle loop or when
 * the frame is allocated again: the test holds whichever it does. The
 * control domain keeps the rest of the machine's memory (dom0_mem), so the
 * second child's populate stays short. The caller's SSE register 0 comes
 * back from each populate as it went in, whatever the zeroing used.
 */
#include "builder.h"

TEST_HV_ARGS("dom0_mem=416M");

#define FILL_FRAMES 4096       /* the first child: 16 MiB */
#define MAX_FRAMES (1UL << 17) /* frame numbers below 512 MiB */
#define CHUNK 512
#define MARGIN 64 /* free frames left to the hypervisor's own needs */
#define PATTERN 0x5354414c45444154UL

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t filled[MAX_FRAMES / 8]; /* the first child's frames */
static unsigned long extents[CHUNK];

static void set_max_pages(uint16_t dom, uint64_t pages)
{
	struct dctl op;

	memset(&op, 0, sizeof(op));
	op.u.max_memkb = pages * 4;
	xtest_check(domctl(XEN_DOMCTL_max_mem, dom, &op) == 0, "max_mem(d%u) refused", dom);
}

/* populate_physmap of @n frames at @pfn on: the number done, their frames in extents[]. */
static long populate(uint16_t dom, unsigned long pfn, unsigned long n)
{
	struct reservation r = { extents, n, 0, 0, dom };

	for (unsigned long i = 0; i < n; i++)
		extents[i] = pfn + i;
	return hypercall(HC_memory_op, XENMEM_populate_physmap, (unsigned long)&r, 0, 0, 0);
}

static bool map(uint16_t dom, unsigned long mfn)
{
	long rc = builder_map_va(window, mfn, dom);

	if (rc)
		xtest_error("mapping d%u's frame %#lx: %ld", dom, mfn, rc);
	return rc == 0;
}

/* Fill each of the chunk's @n frames with the pattern and note it. */
static void fill_chunk(uint16_t dom, long n)
{
	for (long i = 0; i < n; i++) {
		uint64_t *q = (uint64_t *)window;

		if (extents[i] >= MAX_FRAMES) {
			xtest_error("frame %#lx above 512 MiB", extents[i]);
			continue;
		}
		if (!map(dom, extents[i]))
			return;
		for (unsigned int j = 0; j < 512; j++)
			q[j] = PATTERN ^ j;
		filled[extents[i] / 8] |= 1 << (extents[i] % 8);
	}
}

static void fill_first_child(uint16_t dom)
{
	set_max_pages(dom, FILL_FRAMES);
	for (unsigned long pfn = 0; pfn < FILL_FRAMES; pfn += CHUNK) {
		long rc = populate(dom, pfn, CHUNK);

		xtest_check(rc == CHUNK, "populating d%u: %ld of %u frames", dom, rc, CHUNK);
		if (rc <= 0)
			return;
		fill_chunk(dom, rc);
	}
	builder_unmap(window);
}

/* The chunk's frames that were the first child's: each must read zero. Returns how many. */
static unsigned long check_chunk(uint16_t dom, long n)
{
	unsigned long reused = 0;

	for (long i = 0; i < n; i++) {
		const uint64_t *q = (const uint64_t *)window;
		unsigned long mfn = extents[i];

		if (mfn >= MAX_FRAMES || !(filled[mfn / 8] & (1 << (mfn % 8))))
			continue;
		if (!map(dom, mfn))
			break;
		reused++;
		for (unsigned int j = 0; j < 512; j++) {
			if (q[j]) {
				xtest_error("d%u got frame %#lx with %#lx at word %u", dom, mfn,
					    (unsigned long)q[j], j);
				break;
			}
		}
	}
	return reused;
}

static void set_xmm0(const uint64_t v[2])
{
	__asm__ volatile("movdqu %0, %%xmm0" : : "m"(*(const uint64_t(*)[2])v));
}

static void get_xmm0(uint64_t v[2])
{
	__asm__ volatile("movdqu %%xmm0, %0" : "=m"(*(uint64_t(*)[2])v));
}

/* populate() with xmm0 holding a mark that must still be there after it. */
static long populate_keeping_xmm0(uint16_t dom, unsigned long pfn, unsigned long n)
{
	const uint64_t mark[2] = { PATTERN ^ pfn, ~PATTERN ^ n };
	uint64_t got[2];
	long rc;

	set_xmm0(mark);
	rc = populate(dom, pfn, n);
	get_xmm0(got);
	if (got[0] != mark[0] || got[1] != mark[1])
		xtest_error("xmm0 %#lx:%#lx after populate_physmap, %#lx:%#lx before",
			    (unsigned long)got[1], (unsigned long)got[0], (unsigned long)mark[1],
			    (unsigned long)mark[0]);
	return rc;
}

/* Populate all free memory but MARGIN frames; the number of the first child's frames got. */
static unsigned long take_free_memory(uint16_t dom)
{
	uint64_t want = builder_free_pages();
	unsigned long reused = 0, pfn = 0;

	want = want > MARGIN ? want - MARGIN : 0;
	set_max_pages(dom, want + CHUNK);
	while (pfn < want) {
		long rc = populate_keeping_xmm0(dom, pfn, want - pfn < CHUNK ? want - pfn : CHUNK);

		if (rc <= 0)
			break;
		reused += check_chunk(dom, rc);
		pfn += rc;
	}
	builder_unmap(window);
	printk("second child: %lu frames, %lu of them the first child's\n", pfn, reused);
	xtest_check(pfn + CHUNK >= want, "populated only %lu of %lu frames", pfn,
		    (unsigned long)want);
	return reused;
}

void test_main(void)
{
	uint64_t free0 = builder_settled_free();
	uint16_t first = builder_create(), second;
	unsigned long reused;

	printk("free frames at start: %lu\n", (unsigned long)free0);
	fill_first_child(first);
	builder_destroy_free(first, free0);
	second = builder_create();
	reused = take_free_memory(second);
	/* Those left free and those taken for the child's own state may differ. */
	xtest_check(reused >= FILL_FRAMES - 2 * MARGIN,
		    "the second child got only %lu of the first child's %u frames: nothing tested",
		    reused, FILL_FRAMES);
	builder_destroy_free(second, free0);
}
