/*
 * A granter loses a frame that its backend (dom0 here) holds through a grant
 * mapping. dom0 builds a tiny domU, gives it one more frame (pfn 9, in none
 * of the domU's page tables), writes the domU's grant entry for it and maps
 * the grant writable. Then:
 *
 * - balloon: the domU gives the frame back itself (decrease_reservation on
 *   DOMID_SELF, twice: both count as done; then an exchange of it, refused
 *   with -EINVAL: dom0's mapping holds it, not the domU) and powers off. The
 *   same again under a read-only device-only mapping (no PTE). The frame stays
 *   the domU's while mapped: tot_pages and current_reservation unchanged,
 *   its M2P entry kept, not a free page more, dom0 still reads and writes it
 *   through the mapping (and a grant copy into the entry lands in it), the
 *   entry still in use. While mapped it is never handed out: a helper domain
 *   takes every frame the allocator gives (increase_reservation until it
 *   stops) and none is it, nor its shared_info. The unmap frees it: exactly
 *   one free page more, tot_pages one less, the M2P entry gone; a new map or
 *   copy of the same entry is refused with GNTST_bad_page.
 * - destroy: the domU is destroyed while mapped (not listed alive any more:
 *   Xen lists it dying until the unmap and maps its entry again for a second
 *   map, Petrel unlists it and answers GNTST_bad_domain), the frame keeps its
 *   contents and stays writable through the mapping, is never handed out,
 *   and the unmap gives every page back (free pages to the page).
 * - both: the domU gives the frame back, then is destroyed, then the unmap.
 */
#include "builder.h"

TEST_HV_ARGS("dom0_mem=64M");

#define REF 12			/* the domU's grant of its extra frame to dom0 */
#define PFN_EXTRA BUILDER_PAGES /* the granted frame's pfn */
#define ARG_MFN 64		/* in the domU's argument frame: the extent list */
#define ARG_SELF 128		/* DOMID_SELF, for current_reservation */
#define ARG_EXCHANGE 192	/* the exchange of the extent list for one frame at ARG_OUT */
#define ARG_OUT 320
#define XENMEM_exchange 11
#define HELPER_CHUNK 512       /* frames per increase_reservation of the helper */
#define HELPER_MAX (1UL << 20) /* frames the helper may take at most (4 GiB) */
#define M2P ((const unsigned long *)0xffff800000000000UL)

struct granter {
	struct tiny_dom t;
	unsigned long mfn; /* the granted frame */
	uint32_t flags;	   /* dom0's mapping of it: GNTMAP_* */
	uint32_t handle;
	uint64_t bus; /* its dev_bus_addr */
};

struct exchange {
	struct reservation in, out;
	unsigned long nr_exchanged;
};

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t mapped[4096] __attribute__((aligned(4096)));
static uint8_t dst[4096] __attribute__((aligned(4096)));
static unsigned long chunk[HELPER_CHUNK];

static long gnttab_op(unsigned int cmd, void *arg)
{
	return hypercall(HC_grant_table_op, cmd, (unsigned long)arg, 1, 0, 0);
}

static long memory_op(unsigned int cmd, void *arg)
{
	return hypercall(HC_memory_op, cmd, (unsigned long)arg, 0, 0, 0);
}

/*
 * The script: decrease_reservation of the extent list twice,
 * current_reservation, an exchange of the given-back frame, poweroff.
 */
static void fill(struct tiny_dom *t, uint8_t *data, uint8_t *args)
{
	struct tiny_call *c = (struct tiny_call *)data;
	struct reservation *r = (struct reservation *)args;
	struct exchange *x = (struct exchange *)(args + ARG_EXCHANGE);

	(void)t;
	*r = (struct reservation){ (unsigned long *)(TINY_GVA(PFN_ARGS) + ARG_MFN), 1, 0, 0,
				   DOMID_SELF };
	*(uint16_t *)(args + ARG_SELF) = DOMID_SELF;
	x->in = *r;
	x->out = (struct reservation){ (unsigned long *)(TINY_GVA(PFN_ARGS) + ARG_OUT), 1, 0, 0,
				       DOMID_SELF };
	*(unsigned long *)(args + ARG_OUT) = PFN_EXTRA;
	for (unsigned int i = 0; i < 2; i++)
		c[i] = (struct tiny_call){ .op = HC_memory_op,
					   .a = { XENMEM_decrease_reservation, TINY_GVA(PFN_ARGS) },
					   .rc = 0x5a5a };
	c[2] =
	    (struct tiny_call){ .op = HC_memory_op,
				.a = { XENMEM_current_reservation, TINY_GVA(PFN_ARGS) + ARG_SELF },
				.rc = 0x5a5a };
	c[3] = (struct tiny_call){ .op = HC_memory_op,
				   .a = { XENMEM_exchange, TINY_GVA(PFN_ARGS) + ARG_EXCHANGE },
				   .rc = 0x5a5a };
	c[4] = (struct tiny_call){ .op = TINY_END, .a = { SHUTDOWN_poweroff } };
}

/* Map frame @mfn of @dom at `window`; false (error recorded) if refused. */
static bool open_window(uint16_t dom, unsigned long mfn)
{
	long rc = builder_map_mmu(window, mfn, dom);

	if (rc)
		xtest_error("mapping d%u's frame %#lx: %ld", dom, mfn, rc);
	return rc == 0;
}

/* The domU's grant entry REF, read or (with @set) written through its table frame 0. */
static uint16_t grant_entry(const struct granter *g, const struct grant_entry_v1 *set)
{
	struct gnttab_setup_table s = { .dom = g->t.id, .nr_frames = 1, .status = 99 };
	volatile struct grant_entry_v1 *e = (volatile struct grant_entry_v1 *)window + REF;
	unsigned long frame = 0;
	uint16_t flags;

	s.frame_list = &frame;
	if (gnttab_op(GNTTABOP_setup_table, &s) || s.status != GNTST_okay) {
		xtest_error("setup_table(d%u): status %d", g->t.id, s.status);
		return 0xffff;
	}
	if (!open_window(g->t.id, frame))
		return 0xffff;
	if (set) {
		e->domid = set->domid;
		e->frame = set->frame;
		e->flags = set->flags;
	}
	flags = e->flags;
	builder_unmap(window);
	return flags;
}

/* One more frame for the domU (pfn PFN_EXTRA), named in its script's extent list and granted. */
static bool add_granted_frame(struct granter *g)
{
	struct reservation r = { &g->mfn, 1, 0, 0, g->t.id };
	struct grant_entry_v1 e = { .flags = GTF_permit_access, .domid = 0 };
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.max_memkb = (BUILDER_PAGES + 1) * 4;
	rc = domctl(XEN_DOMCTL_max_mem, g->t.id, &op);
	g->mfn = PFN_EXTRA;
	if (rc || memory_op(XENMEM_populate_physmap, &r) != 1) {
		xtest_error("d%u: one more frame: max_mem %ld", g->t.id, rc);
		return false;
	}
	if (!open_window(g->t.id, g->t.mfn[PFN_ARGS]))
		return false;
	*(unsigned long *)(window + ARG_MFN) = g->mfn;
	builder_unmap(window);
	e.frame = (uint32_t)g->mfn;
	return grant_entry(g, &e) == GTF_permit_access;
}

static bool host_mapped(const struct granter *g)
{
	return g->flags & GNTMAP_host_map;
}

/* dom0 maps the grant with g->flags (a host mapping at `mapped`, where it writes @text). */
static bool map_grant(struct granter *g, const char *text)
{
	struct gnttab_map_grant_ref m = { .host_addr = (unsigned long)mapped,
					  .flags = g->flags,
					  .ref = REF,
					  .dom = g->t.id,
					  .status = 99 };

	if (gnttab_op(GNTTABOP_map_grant_ref, &m) || m.status != GNTST_okay) {
		xtest_error("map of d%u's grant %u: status %d", g->t.id, REF, m.status);
		return false;
	}
	g->handle = m.handle;
	g->bus = m.dev_bus_addr;
	if (host_mapped(g))
		memcpy(mapped, text, strlen(text) + 1);
	return true;
}

/* A domU granting its extra frame to dom0, which maps it with @flags. */
static bool build_granter(struct granter *g, uint32_t flags, const char *text)
{
	g->flags = flags;
	if (!tiny_build(&g->t, tiny_script_start, (size_t)(tiny_script_end - tiny_script_start),
			fill))
		return false;
	if (add_granted_frame(g) && map_grant(g, text))
		return true;
	tiny_destroy(&g->t);
	return false;
}

static void unmap_grant(struct granter *g)
{
	struct gnttab_unmap_grant_ref u = { .host_addr = host_mapped(g) ? (unsigned long)mapped : 0,
					    .dev_bus_addr = host_mapped(g) ? 0 : g->bus,
					    .handle = g->handle,
					    .status = 99 };

	xtest_check(gnttab_op(GNTTABOP_unmap_grant_ref, &u) == 0 && u.status == GNTST_okay,
		    "unmap of d%u's grant: status %d", g->t.id, u.status);
	if (host_mapped(g))
		builder_unmap(mapped);
}

/* The frame behind a host mapping still holds @text, and takes @next. */
static void check_mapped(const struct granter *g, const char *text, const char *next)
{
	if (!host_mapped(g))
		return;
	xtest_check(!strcmp((const char *)mapped, text), "d%u's mapped frame reads \"%.20s\"",
		    g->t.id, (const char *)mapped);
	memcpy(mapped, next, strlen(next) + 1);
	xtest_check(!strcmp((const char *)mapped, next), "write through the mapping lost");
}

/* d@dom's getdomaininfo; false if it is not listed (any more). */
static bool domain_info(uint16_t dom, struct dctl *op)
{
	memset(op, 0, sizeof(*op));
	return domctl(XEN_DOMCTL_getdomaininfo, dom, op) == 0 && op->u.info.domain == dom;
}

static uint64_t tot_pages(uint16_t dom)
{
	struct dctl op;

	return domain_info(dom, &op) ? op.u.info.tot_pages : ~0ULL;
}

/* The free page count after a pause long enough for anything freed late to be counted. */
static uint64_t free_after_pause(void)
{
	for (unsigned int i = 0; i < 1000; i++)
		hypercall(HC_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	return builder_free_pages();
}

/* Chunks of frames for @dom until the allocator stops giving; none may be @mfn. */
static unsigned long take_all_frames(uint16_t dom, unsigned long mfn)
{
	struct reservation r = { chunk, HELPER_CHUNK, 0, 0, dom };
	unsigned long got = 0;
	long n;

	do {
		n = memory_op(XENMEM_increase_reservation, &r);
		for (long i = 0; i < n; i++)
			xtest_check(chunk[i] != mfn, "frame %#lx handed out while mapped", mfn);
		got += n > 0 ? (unsigned long)n : 0;
	} while (n == HELPER_CHUNK && got < HELPER_MAX);
	return got;
}

/*
 * A helper domain takes every frame the allocator gives out; the mapped
 * frame @mfn is never one of them. The helper's frames come back after.
 */
static void check_never_handed_out(unsigned long mfn)
{
	uint64_t free0 = builder_free_pages(), now;
	uint16_t helper = builder_create();
	struct dctl op;
	unsigned long got;

	xtest_check(domain_info(helper, &op) && op.u.info.shared_info_frame != mfn,
		    "frame %#lx handed out while mapped: helper d%u's shared_info", mfn, helper);
	memset(&op, 0, sizeof(op));
	op.u.max_memkb = HELPER_MAX * 4;
	xtest_check(domctl(XEN_DOMCTL_max_mem, helper, &op) == 0, "max_mem of helper d%u", helper);
	got = take_all_frames(helper, mfn);
	printk("helper d%u took %lu frames (%lu were free), none of them %#lx\n", helper, got,
	       (unsigned long)free0, mfn);
	xtest_check(got + 64 >= free0 && got < HELPER_MAX, "helper took %lu frames of %lu free",
		    got, (unsigned long)free0);
	tiny_destroy(&(struct tiny_dom){ .id = helper });
	now = builder_wait_free(free0);
	xtest_check(now == free0, "free pages %lu after the helper, %lu before", (unsigned long)now,
		    (unsigned long)free0);
}

/*
 * The domU's script results: both decreases done, the reservation as
 * before, the frame (held by dom0's mapping alone) not the domU's to trade.
 */
static void check_script(const struct granter *g)
{
	const struct tiny_call *c = (const struct tiny_call *)window;

	if (!open_window(g->t.id, g->t.mfn[PFN_DATA]))
		return;
	xtest_check(c[0].rc == 1 && c[1].rc == 1, "d%u's decrease_reservation: %ld, again %ld",
		    g->t.id, (long)c[0].rc, (long)c[1].rc);
	xtest_check(c[2].rc == BUILDER_PAGES + 1,
		    "d%u's current_reservation %ld with its given-back frame mapped", g->t.id,
		    (long)c[2].rc);
	xtest_check(c[3].rc == -EINVAL, "d%u's exchange of its given-back mapped frame: %ld",
		    g->t.id, (long)c[3].rc);
	builder_unmap(window);
}

/* A grant copy into the entry, still pinned by the mapping, lands in the mapped frame. */
static void check_copy_lands(const struct granter *g)
{
	struct gnttab_copy c = { .source = { builder_own_frame(dst), DOMID_SELF, 0 },
				 .dest = { REF, g->t.id, 2048 },
				 .len = 7,
				 .flags = GNTCOPY_dest_gref,
				 .status = 99 };

	memcpy(dst, "copied", 7);
	xtest_check(gnttab_op(GNTTABOP_copy, &c) == 0 && c.status == GNTST_okay,
		    "copy into d%u's pinned entry: status %d", g->t.id, c.status);
	xtest_check(!memcmp(mapped + 2048, "copied", 7), "the copy missed the mapped frame");
}

/* A second map of a dead granter's entry: no such domain, or (Xen) the same frame again. */
static void check_map_dead(const struct granter *g)
{
	struct gnttab_map_grant_ref m = { .host_addr = (unsigned long)window,
					  .flags = GNTMAP_host_map | GNTMAP_readonly,
					  .ref = REF,
					  .dom = g->t.id,
					  .status = 99 };
	struct gnttab_unmap_grant_ref u = { .host_addr = (unsigned long)window, .status = 99 };

	gnttab_op(GNTTABOP_map_grant_ref, &m);
	printk("map of the dead d%u's entry: status %d\n", g->t.id, m.status);
	if (m.status != GNTST_okay) {
		xtest_check(m.status == GNTST_bad_domain, "map of the dead d%u's entry: status %d",
			    g->t.id, m.status);
		return;
	}
	xtest_check(!strcmp((const char *)window, (const char *)mapped),
		    "the second map of the dead d%u's entry reads \"%.20s\"", g->t.id,
		    (const char *)window);
	u.handle = m.handle;
	xtest_check(gnttab_op(GNTTABOP_unmap_grant_ref, &u) == 0 && u.status == GNTST_okay,
		    "unmap of the second map: status %d", u.status);
	builder_unmap(window);
}

/* After the unmap the entry names a free frame: a map and a copy of it are refused. */
static void check_stale_entry(const struct granter *g)
{
	struct gnttab_map_grant_ref m = { .host_addr = (unsigned long)mapped,
					  .flags = GNTMAP_host_map,
					  .ref = REF,
					  .dom = g->t.id,
					  .status = 99 };
	struct gnttab_copy c = { .source = { REF, g->t.id, 0 },
				 .dest = { builder_own_frame(dst), DOMID_SELF, 0 },
				 .len = 8,
				 .flags = GNTCOPY_source_gref,
				 .status = 99 };

	xtest_check(gnttab_op(GNTTABOP_map_grant_ref, &m) == 0 && m.status == GNTST_bad_page,
		    "map of the freed frame's entry: status %d", m.status);
	xtest_check(gnttab_op(GNTTABOP_copy, &c) == 0 && c.status == GNTST_bad_page,
		    "copy from the freed frame's entry: status %d", c.status);
	xtest_check(grant_entry(g, NULL) == GTF_permit_access, "entry flags after the refusals");
}

/* The granter gives the frame back while dom0 maps it with @flags. */
static void balloon_out_under_map(uint32_t flags)
{
	uint16_t in_use =
	    GTF_permit_access | GTF_reading | ((flags & GNTMAP_readonly) ? 0 : GTF_writing);
	uint64_t free0 = builder_free_pages(), free1, now;
	struct granter g;

	if (!build_granter(&g, flags, "granted"))
		return;
	free1 = builder_free_pages();
	xtest_check(tot_pages(g.t.id) == BUILDER_PAGES + 1, "d%u's tot_pages %lu", g.t.id,
		    (unsigned long)tot_pages(g.t.id));
	xtest_check(tiny_run(&g.t) == SHUTDOWN_poweroff, "d%u did not power off", g.t.id);
	check_script(&g);
	xtest_check(tot_pages(g.t.id) == BUILDER_PAGES + 1,
		    "d%u's tot_pages %lu with its given-back frame mapped", g.t.id,
		    (unsigned long)tot_pages(g.t.id));
	xtest_check(M2P[g.mfn] == PFN_EXTRA, "M2P of the given-back mapped frame: %#lx",
		    M2P[g.mfn]);
	now = free_after_pause();
	xtest_check(now == free1, "free pages %lu with the given-back frame mapped, %lu before",
		    (unsigned long)now, (unsigned long)free1);
	check_mapped(&g, "granted", "written after the balloon");
	if (!(flags & GNTMAP_readonly))
		check_copy_lands(&g);
	xtest_check(grant_entry(&g, NULL) == in_use, "entry flags while mapped");
	check_never_handed_out(g.mfn);
	check_mapped(&g, "written after the balloon", "last");

	unmap_grant(&g);
	now = builder_wait_free(free1 + 1);
	xtest_check(now == free1 + 1, "free pages %lu after the unmap, %lu before",
		    (unsigned long)now, (unsigned long)free1);
	xtest_check(tot_pages(g.t.id) == BUILDER_PAGES, "d%u's tot_pages %lu after the unmap",
		    g.t.id, (unsigned long)tot_pages(g.t.id));
	xtest_check(M2P[g.mfn] == ~0UL, "M2P of the freed frame: %#lx", M2P[g.mfn]);
	check_stale_entry(&g);
	tiny_destroy(&g.t);
	now = builder_wait_free(free0);
	xtest_check(now == free0, "free pages %lu after d%u, %lu before", (unsigned long)now,
		    g.t.id, (unsigned long)free0);
}

/* The granter destroyed while mapped (after giving the frame back if @balloon). */
static void destroyed_under_map(bool balloon)
{
	uint64_t free0 = builder_free_pages(), now;
	struct granter g;
	struct dctl op;

	if (!build_granter(&g, GNTMAP_host_map, "granted"))
		return;
	if (balloon) {
		xtest_check(tiny_run(&g.t) == SHUTDOWN_poweroff, "d%u did not power off", g.t.id);
		check_script(&g);
	}
	xtest_check(tiny_destroy(&g.t) == 0, "destroy of d%u", g.t.id);
	/* Xen lists it dying, holding the mapped frame only; Petrel unlists it at once. */
	if (domain_info(g.t.id, &op)) {
		printk("d%u listed after destroy: flags %#x, tot_pages %lu\n", g.t.id,
		       op.u.info.flags, (unsigned long)op.u.info.tot_pages);
		xtest_check((op.u.info.flags & XEN_DOMINF_dying) && op.u.info.tot_pages == 1,
			    "d%u after destroy: flags %#x, tot_pages %lu", g.t.id, op.u.info.flags,
			    (unsigned long)op.u.info.tot_pages);
	}
	now = free_after_pause();
	xtest_check(now < free0, "free pages %lu with the dead d%u's frame mapped, %lu before",
		    (unsigned long)now, g.t.id, (unsigned long)free0);
	check_mapped(&g, "granted", "written after the destroy");
	check_map_dead(&g);
	check_never_handed_out(g.mfn);
	check_mapped(&g, "written after the destroy", "last");
	unmap_grant(&g);
	now = builder_wait_free(free0);
	xtest_check(now == free0, "free pages %lu after the unmap, %lu before d%u",
		    (unsigned long)now, (unsigned long)free0, g.t.id);
	xtest_check(!domain_info(g.t.id, &op), "d%u still listed after the unmap: flags %#x",
		    g.t.id, op.u.info.flags);
}

void test_main(void)
{
	struct gnttab_map_grant_ref past = { .flags = GNTMAP_host_map, .ref = ~0u };

	/* dom0's maptrack frame is made here, before the counts. */
	xtest_check(gnttab_op(GNTTABOP_map_grant_ref, &past) == 0 &&
			past.status == GNTST_bad_gntref,
		    "map of a ref past the table: status %d", past.status);
	printk("balloon: the granter gives the mapped frame back\n");
	balloon_out_under_map(GNTMAP_host_map);
	printk("balloon-device: the same under a read-only device mapping\n");
	balloon_out_under_map(GNTMAP_device_map | GNTMAP_readonly);
	printk("destroy: the granter destroyed while mapped\n");
	destroyed_under_map(false);
	printk("both: given back, then destroyed, while mapped\n");
	destroyed_under_map(true);
}
