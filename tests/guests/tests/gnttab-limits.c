/*
 * Grant table limits (Xen 4.17): the hypervisor's gnttab_max_frames=8 and
 * gnttab_max_maptrack_frames=2 are dom0's limits and each domain's default
 * and bound, createdomain's max_grant_frames / max_maptrack_frames a
 * domain's own.
 *
 * dom0: query_size shows 8 frames at most and setup_table cannot pass
 * them; it maps its own grants (read-only device mappings) 511 times, two
 * maptrack frames of 256 handles less the one Xen keeps free, and the
 * 512th gets GNTST_no_space. createdomain refuses 0 grant frames, 9,
 * and 3 maptrack frames (-EINVAL); -1 for both gives the host's 8.
 *
 * Domain B (2 grant frames, no maptrack) sees its own limit: query_size
 * 1 of 2, setup_table of 3 frames GNTST_general_error, of 2 fine; its one
 * map GNTST_no_space. Domain A (1 maptrack frame) maps dom0's grants
 * in three batches: 128 + 120 + 8 maps, the last one refused with
 * GNTST_no_space and the 255 before it given handles 0..254 in
 * order (the third batch reuses the second's first 8 slots). While A is
 * shut down its mappings keep dom0's entries in use; destroying both gives
 * every page back and leaves the entries idle.
 */
#include "builder.h"

TEST_HV_ARGS("dom0_mem=64M gnttab_max_frames=8 gnttab_max_maptrack_frames=2");

#define HOST_FRAMES 8
#define HOST_MAPTRACK 2
#define PER_FRAME 256 /* maptrack handles a frame (Xen's 16-byte entries) */
#define REF_SELF 20   /* dom0's grants to itself: REF_SELF.. */
#define REF_DOMU 10   /* dom0's grants to domain A: REF_DOMU..+2 */
#define NR_SELF 5
#define NR_DOMU 3

#define OFF_QUERY 0    /* B's argument page: query_size before, */
#define OFF_SETUP3 32  /* setup_table of 3 frames, */
#define OFF_SETUP2 64  /* of 2, */
#define OFF_QUERY2 96  /* query_size after, */
#define OFF_MAP 128    /* one map; */
#define OFF_LIST 256   /* the frame list */
#define A_FIRST 128    /* A's batches: 128 in its argument page, */
#define A_SECOND 120   /* 120 in its data page after the 4 calls, */
#define A_THIRD 8      /* and 8 more in the second's first slots */
#define A_DATA_OPS 256 /* where the second batch starts in the data page */

static char gnt_page[4096] __attribute__((aligned(4096)));
static char pages[NR_SELF][4096] __attribute__((aligned(4096)));
static uint8_t window[4096] __attribute__((aligned(4096)));
static struct gnttab_map_grant_ref self_maps[HOST_MAPTRACK * PER_FRAME];
static struct gnttab_unmap_grant_ref self_unmaps[HOST_MAPTRACK * PER_FRAME];
static volatile struct grant_entry_v1 *gtable;

static long gnttab_op(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall(HC_grant_table_op, cmd, (unsigned long)arg, count, 0, 0);
}

static struct gnttab_query_size query(uint16_t dom)
{
	struct gnttab_query_size q = { .dom = dom, .status = 99 };

	xtest_check(gnttab_op(GNTTABOP_query_size, &q, 1) == 0, "query_size(d%#x)", dom);
	return q;
}

static int16_t setup(uint16_t dom, uint32_t frames)
{
	static unsigned long list[HOST_FRAMES + 1];
	struct gnttab_setup_table s = { .dom = dom, .nr_frames = frames, .status = 99 };

	s.frame_list = list;
	xtest_check(gnttab_op(GNTTABOP_setup_table, &s, 1) == 0, "setup_table(d%#x, %u)", dom,
		    frames);
	return s.status;
}

static struct gnttab_map_grant_ref dev_map(uint32_t ref)
{
	return (struct gnttab_map_grant_ref){
		.flags = GNTMAP_device_map | GNTMAP_readonly, .ref = ref, .dom = 0, .status = 99
	};
}

/* dom0's own table: 8 frames at most, and 511 mappings at once. */
static void check_dom0(void)
{
	struct gnttab_query_size q = query(DOMID_SELF);
	unsigned int n = HOST_MAPTRACK * PER_FRAME, i, bad = 0;

	xtest_check(q.status == GNTST_okay && q.nr_frames == 1 && q.max_nr_frames == HOST_FRAMES,
		    "dom0's query_size: status %d, %u of %u frames", q.status, q.nr_frames,
		    q.max_nr_frames);
	xtest_check(setup(DOMID_SELF, HOST_FRAMES + 1) == GNTST_general_error,
		    "dom0's setup_table past gnttab_max_frames");
	for (i = 0; i < NR_SELF; i++) {
		gtable[REF_SELF + i].domid = 0;
		gtable[REF_SELF + i].frame = (uint32_t)builder_own_frame(pages[i]);
		gtable[REF_SELF + i].flags = GTF_permit_access | GTF_readonly;
	}
	for (i = 0; i < n; i++)
		self_maps[i] = dev_map(REF_SELF + i % NR_SELF);
	xtest_check(gnttab_op(GNTTABOP_map_grant_ref, self_maps, n) == 0, "dom0's map batch");
	for (i = 0; i < n - 1; i++)
		bad += self_maps[i].status != GNTST_okay;
	xtest_check(!bad, "dom0: %u of the first %u maps refused (first status %d)", bad, n - 1,
		    self_maps[0].status);
	xtest_check(self_maps[n - 1].status == GNTST_no_space,
		    "dom0's map %u: status %d, expected no_space", n, self_maps[n - 1].status);
	for (i = 0; i < n - 1; i++)
		self_unmaps[i] =
		    (struct gnttab_unmap_grant_ref){ .dev_bus_addr = self_maps[i].dev_bus_addr,
						     .handle = self_maps[i].handle };
	xtest_check(gnttab_op(GNTTABOP_unmap_grant_ref, self_unmaps, n - 1) == 0,
		    "dom0's unmap batch");
	for (i = 0, bad = 0; i < n - 1; i++)
		bad += self_unmaps[i].status != GNTST_okay;
	xtest_check(!bad, "dom0: %u unmaps refused", bad);
	for (i = 0; i < NR_SELF; i++)
		xtest_check(gtable[REF_SELF + i].flags == (GTF_permit_access | GTF_readonly),
			    "dom0's entry %u after the unmaps: %#x", REF_SELF + i,
			    gtable[REF_SELF + i].flags);
}

static long create(int32_t frames, int32_t maptrack, uint16_t *id)
{
	struct dctl op;
	long rc;

	builder_fill_create(&op);
	op.u.create.max_grant_frames = frames;
	op.u.create.max_maptrack_frames = maptrack;
	rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
	*id = op.domain;
	return rc;
}

static void check_createdomain(void)
{
	struct gnttab_query_size q;
	uint16_t id;
	long rc;

	xtest_check((rc = create(0, -1, &id)) == -EINVAL, "0 grant frames: %ld", rc);
	xtest_check((rc = create(HOST_FRAMES + 1, -1, &id)) == -EINVAL, "%u grant frames: %ld",
		    HOST_FRAMES + 1, rc);
	xtest_check((rc = create(-1, HOST_MAPTRACK + 1, &id)) == -EINVAL, "%u maptrack frames: %ld",
		    HOST_MAPTRACK + 1, rc);
	rc = create(-1, -1, &id);
	xtest_check(rc == 0, "the host's defaults: %ld", rc);
	if (rc)
		return;
	q = query(id);
	xtest_check(q.status == GNTST_okay && q.max_nr_frames == HOST_FRAMES,
		    "d%u made with -1: status %d, max %u frames", id, q.status, q.max_nr_frames);
	tiny_destroy(&(struct tiny_dom){ .id = id });
}

static struct tiny_call grant_call(unsigned int cmd, unsigned long arg, unsigned int count)
{
	return (
	    struct tiny_call){ .op = HC_grant_table_op, .a = { cmd, arg, count }, .rc = 0x5a5a };
}

/* B: its own view of 2 grant frames and no maptrack. */
static void fill_b(struct tiny_dom *t, uint8_t *data, uint8_t *args)
{
	struct tiny_call *c = (struct tiny_call *)data;
	struct gnttab_setup_table *s3 = (void *)(args + OFF_SETUP3),
				  *s2 = (void *)(args + OFF_SETUP2);
	unsigned long a = TINY_GVA(PFN_ARGS);

	(void)t;
	*(struct gnttab_query_size *)(args + OFF_QUERY) =
	    (struct gnttab_query_size){ .dom = DOMID_SELF, .status = 99 };
	*(struct gnttab_query_size *)(args + OFF_QUERY2) =
	    (struct gnttab_query_size){ .dom = DOMID_SELF, .status = 99 };
	*s3 = (struct gnttab_setup_table){ .dom = DOMID_SELF, .nr_frames = 3, .status = 99 };
	*s2 = (struct gnttab_setup_table){ .dom = DOMID_SELF, .nr_frames = 2, .status = 99 };
	s3->frame_list = s2->frame_list = (unsigned long *)(a + OFF_LIST);
	*(struct gnttab_map_grant_ref *)(args + OFF_MAP) = dev_map(REF_DOMU);
	c[0] = grant_call(GNTTABOP_query_size, a + OFF_QUERY, 1);
	c[1] = grant_call(GNTTABOP_setup_table, a + OFF_SETUP3, 1);
	c[2] = grant_call(GNTTABOP_setup_table, a + OFF_SETUP2, 1);
	c[3] = grant_call(GNTTABOP_query_size, a + OFF_QUERY2, 1);
	c[4] = grant_call(GNTTABOP_map_grant_ref, a + OFF_MAP, 1);
	c[5] = (struct tiny_call){ .op = TINY_END, .a = { SHUTDOWN_poweroff } };
}

static void grant_to(uint16_t id)
{
	for (unsigned int i = 0; i < NR_DOMU; i++) {
		gtable[REF_DOMU + i].domid = id;
		gtable[REF_DOMU + i].frame = (uint32_t)builder_own_frame(pages[i]);
		gtable[REF_DOMU + i].flags = GTF_permit_access | GTF_readonly;
	}
}

/* A: 256 maps of dom0's grants (made to it now) in three batches. */
static void fill_a(struct tiny_dom *t, uint8_t *data, uint8_t *args)
{
	struct tiny_call *c = (struct tiny_call *)data;
	struct gnttab_map_grant_ref *first = (void *)args, *second = (void *)(data + A_DATA_OPS);
	unsigned long a = TINY_GVA(PFN_ARGS), d = TINY_GVA(PFN_DATA) + A_DATA_OPS;

	grant_to(t->id);
	_Static_assert(A_FIRST * sizeof(*first) == 4096, "the first batch fills the page");
	_Static_assert(A_DATA_OPS + A_SECOND * sizeof(*second) == 4096, "the second fits");
	for (unsigned int i = 0; i < A_FIRST; i++)
		first[i] = dev_map(REF_DOMU + i % NR_DOMU);
	for (unsigned int i = 0; i < A_SECOND; i++)
		second[i] = dev_map(REF_DOMU + i % NR_DOMU);
	c[0] = grant_call(GNTTABOP_map_grant_ref, a, A_FIRST);
	c[1] = grant_call(GNTTABOP_map_grant_ref, d, A_SECOND);
	c[2] = grant_call(GNTTABOP_map_grant_ref, d, A_THIRD);
	c[3] = (struct tiny_call){ .op = TINY_END, .a = { SHUTDOWN_poweroff } };
}

static bool run(struct tiny_dom *t, int32_t frames, int32_t maptrack,
		void (*fill)(struct tiny_dom *t, uint8_t *data, uint8_t *args))
{
	int code;

	builder_max_grant_frames = frames;
	builder_max_maptrack_frames = maptrack;
	if (!tiny_build(t, tiny_script_start, (size_t)(tiny_script_end - tiny_script_start), fill))
		return false;
	code = tiny_run(t);
	xtest_check(code == SHUTDOWN_poweroff, "d%u ended with shutdown code %d", t->id, code);
	return code == SHUTDOWN_poweroff;
}

static void check_calls(struct tiny_dom *t, unsigned int n)
{
	if (builder_map_mmu(window, t->mfn[PFN_DATA], t->id)) {
		xtest_error("mapping d%u's data frame", t->id);
		return;
	}
	for (unsigned int i = 0; i < n; i++)
		xtest_check(((struct tiny_call *)window)[i].rc == 0, "d%u's call %u: %ld", t->id, i,
			    (long)((struct tiny_call *)window)[i].rc);
	builder_unmap(window);
}

static void check_b(struct tiny_dom *t)
{
	const struct gnttab_query_size *q = (void *)(window + OFF_QUERY),
				       *q2 = (void *)(window + OFF_QUERY2);
	const struct gnttab_map_grant_ref *m = (void *)(window + OFF_MAP);
	struct gnttab_query_size seen;

	check_calls(t, 5);
	if (builder_map_mmu(window, t->mfn[PFN_ARGS], t->id)) {
		xtest_error("mapping d%u's argument frame", t->id);
		return;
	}
	xtest_check(q->status == GNTST_okay && q->nr_frames == 1 && q->max_nr_frames == 2,
		    "d%u's query_size: status %d, %u of %u frames", t->id, q->status, q->nr_frames,
		    q->max_nr_frames);
	xtest_check(((struct gnttab_setup_table *)(window + OFF_SETUP3))->status ==
			GNTST_general_error,
		    "d%u's setup_table of 3 frames: %d", t->id,
		    ((struct gnttab_setup_table *)(window + OFF_SETUP3))->status);
	xtest_check(((struct gnttab_setup_table *)(window + OFF_SETUP2))->status == GNTST_okay,
		    "d%u's setup_table of 2 frames: %d", t->id,
		    ((struct gnttab_setup_table *)(window + OFF_SETUP2))->status);
	xtest_check(q2->nr_frames == 2 && q2->max_nr_frames == 2, "d%u then: %u of %u frames",
		    t->id, q2->nr_frames, q2->max_nr_frames);
	xtest_check(m->status == GNTST_no_space,
		    "d%u's map without maptrack: %d, expected no_space", t->id, m->status);
	builder_unmap(window);
	seen = query(t->id);
	xtest_check(seen.nr_frames == 2 && seen.max_nr_frames == 2,
		    "dom0 sees d%u: %u of %u frames", t->id, seen.nr_frames, seen.max_nr_frames);
	xtest_check(setup(t->id, 3) == GNTST_general_error, "dom0's setup_table(d%u, 3)", t->id);
}

/* @n maps from @at on: okay with handles @handle.. (@last: the last one refused). */
static void check_maps(uint16_t id, const struct gnttab_map_grant_ref *m, unsigned int n,
		       uint32_t handle, bool last)
{
	for (unsigned int i = 0; i < n; i++) {
		bool refused = last && i == n - 1;

		if (refused)
			xtest_check(m[i].status == GNTST_no_space,
				    "d%u's map of handle %u: %d, expected no_space", id, handle + i,
				    m[i].status);
		else if (m[i].status != GNTST_okay || m[i].handle != handle + i)
			xtest_fail("d%u's map %u: status %d handle %u, expected handle %u", id, i,
				   m[i].status, m[i].handle, handle + i);
	}
}

static void check_a(struct tiny_dom *t)
{
	const struct gnttab_map_grant_ref *m = (void *)window;

	check_calls(t, 3);
	if (builder_map_mmu(window, t->mfn[PFN_ARGS], t->id))
		return xtest_error("mapping d%u's argument frame", t->id);
	check_maps(t->id, m, A_FIRST, 0, false);
	builder_unmap(window);
	if (builder_map_mmu(window, t->mfn[PFN_DATA], t->id))
		return xtest_error("mapping d%u's data frame", t->id);
	m = (const void *)(window + A_DATA_OPS);
	check_maps(t->id, m, A_THIRD, A_FIRST + A_SECOND, true);
	check_maps(t->id, m + A_THIRD, A_SECOND - A_THIRD, A_FIRST + A_THIRD, false);
	builder_unmap(window);
	for (unsigned int i = 0; i < NR_DOMU; i++)
		xtest_check(gtable[REF_DOMU + i].flags & GTF_reading,
			    "dom0's entry %u while d%u maps it: %#x", REF_DOMU + i, t->id,
			    gtable[REF_DOMU + i].flags);
}

void test_main(void)
{
	struct tiny_dom a, b;
	uint64_t free0, now;

	if (!builder_own_grant_table(gnt_page))
		return;
	gtable = (volatile struct grant_entry_v1 *)gnt_page;
	check_dom0();
	check_createdomain();
	free0 = builder_settled_free(); /* Xen frees the destroyed domain's last pages late */
	if (run(&b, 2, 0, fill_b)) {
		check_b(&b);
		tiny_destroy(&b);
	}
	if (run(&a, -1, 1, fill_a)) {
		check_a(&a);
		tiny_destroy(&a);
	}
	for (unsigned int i = 0; i < NR_DOMU; i++)
		xtest_check(gtable[REF_DOMU + i].flags == (GTF_permit_access | GTF_readonly),
			    "dom0's entry %u after d%u went: %#x", REF_DOMU + i, a.id,
			    gtable[REF_DOMU + i].flags);
	builder_max_grant_frames = builder_max_maptrack_frames = -1;
	now = builder_wait_free(free0);
	xtest_check(now == free0, "free pages %lu after the domUs, %lu before", (unsigned long)now,
		    (unsigned long)free0);
}
