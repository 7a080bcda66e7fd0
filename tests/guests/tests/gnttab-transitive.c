/*
 * Grant tables v2 between domains: createdomain's maximum grant version,
 * and a transitive grant. dom0 builds two tiny domUs whose script asks for
 * grant table version 2: the one created with grant_opts version 1 gets
 * -ENOSYS and stays at 1, the one created with 2 switches (dom0 sees both
 * with get_version). While the second is shut down but not destroyed, dom0
 * as the control domain finds its grant table (setup_table on it), maps
 * its frame and writes a transitive entry there naming grant 10 of dom0's
 * table, which dom0 made to that domU. dom0 then copies out of and into
 * the domU's entry and so reaches its own page through two grants; after
 * each copy neither entry is in use (dom0's flags, the domU's status word).
 * Refused with GNTST_general_error: a transitive entry naming its own
 * domain, or a domain that does not exist, or a grant not made to the
 * domU; a map of the transitive entry (copies only). Destroying the domUs
 * gives every page back, the status frame too (dom0's maptrack frame is
 * made first, by a refused map, so that it is not counted).
 *
 * The race (dom0's second vCPU): while vCPU 1 keeps pointing the
 * transitive entry at dom0's grant 10 or 11 in turn, vCPU 0 copies out of
 * it, and from it into itself. Each copy must go through (Xen 4.17 uses
 * the referent it read first, and restarts a copy whose second use of the
 * entry names another grant than the pinned one), with one grant's bytes;
 * afterwards no entry is in use.
 */
#include "builder.h"
#include "vcpu-start.h"

TEST_HV_ARGS("dom0_mem=64M");
TEST_SMP("2");
TEST_EXPECT("transitive race:");

#define REF_DOM0 10	 /* dom0's grant of `page` to the domU */
#define REF_TRANS 8	 /* the domU's transitive entry */
#define REF_DOM0B 11	 /* dom0's grant of `page_b` to the domU */
#define RACE_COPIES 1000 /* at least, */
#define RACE_FLIPS 300	 /* and until the entry changed this often, */
#define RACE_MAX 30000	 /* but no more */
#define RACE_LEN 64

void xtest_install_traps(void); /* lib/traps.c */

static char gnt_page[4096] __attribute__((aligned(4096)));
static char page[4096] __attribute__((aligned(4096)));
static char dst[4096] __attribute__((aligned(4096)));
static char page_b[4096] __attribute__((aligned(4096)));
static char ap_stack[16384] __attribute__((aligned(16)));
static volatile unsigned long ap_alive, flipping, ap_done, flips;
static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t status_window[4096] __attribute__((aligned(4096)));
static volatile struct grant_entry_v1 *gtable;

static long gnttab_op(unsigned int cmd, void *arg)
{
	return hypercall(HC_grant_table_op, cmd, (unsigned long)arg, 1, 0, 0);
}

/* The script: set_version(2), then power off. */
static void fill_set_version(struct tiny_dom *t, uint8_t *data, uint8_t *args)
{
	struct tiny_call *c = (struct tiny_call *)data;

	(void)t;
	*(uint32_t *)args = 2;
	c[0] = (struct tiny_call){ .op = HC_grant_table_op,
				   .a = { GNTTABOP_set_version, TINY_GVA(PFN_ARGS), 1 },
				   .rc = 0x5a5a };
	c[1] = (struct tiny_call){ .op = TINY_END, .a = { SHUTDOWN_poweroff } };
}

static uint32_t version_of(uint16_t dom)
{
	struct gnttab_get_version g = { .dom = dom, .version = 99 };
	long rc = gnttab_op(GNTTABOP_get_version, &g);

	xtest_check(rc == 0, "get_version(d%u): %ld", dom, rc);
	return g.version;
}

/* Build a domU allowed grant version @max, run its script; its set_version rc and version. */
static bool run_domu(struct tiny_dom *t, unsigned int max, long *rc, uint32_t *version)
{
	int code;

	builder_max_grant_version = max;
	if (!tiny_build(t, tiny_script_start, (size_t)(tiny_script_end - tiny_script_start),
			fill_set_version))
		return false;
	code = tiny_run(t);
	xtest_check(code == SHUTDOWN_poweroff, "d%u ended with shutdown code %d", t->id, code);
	if (builder_map_mmu(window, t->mfn[PFN_DATA], t->id)) {
		xtest_error("mapping d%u's data frame", t->id);
		return false;
	}
	*rc = ((struct tiny_call *)window)[0].rc;
	builder_unmap(window);
	if (builder_map_mmu(window, t->mfn[PFN_ARGS], t->id)) {
		xtest_error("mapping d%u's argument frame", t->id);
		return false;
	}
	*version = *(uint32_t *)window;
	builder_unmap(window);
	return true;
}

/* Map @dom's grant table frame 0 over `window` and its status frame 0 over `status_window`. */
static bool map_domu_table(uint16_t dom)
{
	struct gnttab_setup_table s = { .dom = dom, .nr_frames = 1, .status = 99 };
	struct gnttab_get_status_frames g = { .nr_frames = 1, .dom = dom, .status = 99 };
	unsigned long frame = 0;
	uint64_t sframe = 0;
	long rc;

	s.frame_list = &frame;
	g.frame_list = &sframe;
	rc = gnttab_op(GNTTABOP_setup_table, &s);
	if (rc || s.status != GNTST_okay) {
		xtest_error("setup_table(d%u): rc %ld status %d", dom, rc, s.status);
		return false;
	}
	rc = gnttab_op(GNTTABOP_get_status_frames, &g);
	if (rc || g.status != GNTST_okay) {
		xtest_error("get_status_frames(d%u): rc %ld status %d", dom, rc, g.status);
		return false;
	}
	rc = builder_map_mmu(window, frame, dom);
	rc = rc ? rc : builder_map_mmu(status_window, sframe, dom);
	if (rc)
		xtest_error("mapping d%u's grant table (%#lx, status %#lx): %ld", dom, frame,
			    (unsigned long)sframe, rc);
	return rc == 0;
}

static int16_t copy(uint16_t dom, bool out, uint16_t off, uint16_t len)
{
	struct gnttab_copy c = { .len = len, .status = 99 };
	struct gnttab_copy_ptr *g = out ? &c.source : &c.dest, *f = out ? &c.dest : &c.source;
	long rc;

	c.flags = out ? GNTCOPY_source_gref : GNTCOPY_dest_gref;
	g->ref_or_gmfn = REF_TRANS;
	g->domid = dom;
	g->offset = off;
	f->ref_or_gmfn = builder_own_frame(dst);
	f->domid = DOMID_SELF;
	f->offset = off;
	rc = gnttab_op(GNTTABOP_copy, &c);
	xtest_check(rc == 0, "copy returned %ld", rc);
	return c.status;
}

static void check_idle(uint16_t dom, const char *after)
{
	volatile union grant_entry_v2 *e = (volatile union grant_entry_v2 *)window;
	volatile uint16_t *status = (volatile uint16_t *)status_window;

	xtest_check(gtable[REF_DOM0].flags == GTF_permit_access, "dom0's entry %#x after %s",
		    gtable[REF_DOM0].flags, after);
	xtest_check(status[REF_TRANS] == 0 && e[REF_TRANS].hdr.flags == GTF_transitive,
		    "d%u's entry %#x, status %#x after %s", dom, e[REF_TRANS].hdr.flags,
		    status[REF_TRANS], after);
}

static void check_transitive(uint16_t dom)
{
	volatile union grant_entry_v2 *e = (volatile union grant_entry_v2 *)window;
	struct gnttab_map_grant_ref m = { .host_addr = (unsigned long)dst,
					  .flags = GNTMAP_host_map,
					  .ref = REF_TRANS,
					  .dom = dom,
					  .status = 99 };

	gtable[REF_DOM0].domid = dom;
	gtable[REF_DOM0].frame = (uint32_t)builder_own_frame(page);
	gtable[REF_DOM0].flags = GTF_permit_access;
	e[REF_TRANS].transitive.trans_domid = 0;
	e[REF_TRANS].transitive.gref = REF_DOM0;
	e[REF_TRANS].hdr.domid = 0;
	e[REF_TRANS].hdr.flags = GTF_transitive;

	memcpy(page + 64, "through two grants", 19);
	xtest_check(copy(dom, true, 64, 19) == GNTST_okay, "copy out of the transitive grant");
	xtest_check(!memcmp(dst + 64, "through two grants", 19), "copied \"%.19s\"", dst + 64);
	check_idle(dom, "the copy out");
	memcpy(dst + 200, "and back", 9);
	xtest_check(copy(dom, false, 200, 9) == GNTST_okay, "copy into the transitive grant");
	xtest_check(!memcmp(page + 200, "and back", 9), "dom0's page has \"%.9s\"", page + 200);
	check_idle(dom, "the copy in");

	m.status = 99;
	xtest_check(gnttab_op(GNTTABOP_map_grant_ref, &m) == 0 && m.status == GNTST_general_error,
		    "map of the transitive entry: status %d, expected general_error", m.status);
	check_idle(dom, "the refused map");

	e[REF_TRANS].transitive.trans_domid = dom;
	xtest_check(copy(dom, true, 0, 8) == GNTST_general_error,
		    "transitive entry naming its own domain: expected general_error");
	e[REF_TRANS].transitive.trans_domid = 0x3456;
	xtest_check(copy(dom, true, 0, 8) == GNTST_general_error,
		    "transitive entry naming no domain: expected general_error");
	e[REF_TRANS].transitive.trans_domid = 0;
	gtable[REF_DOM0].domid = 0x1234;
	xtest_check(copy(dom, true, 0, 8) == GNTST_general_error,
		    "referent granted to another domain: expected general_error");
	xtest_check(gtable[REF_DOM0].flags == GTF_permit_access && gtable[REF_DOM0].domid == 0x1234,
		    "dom0's entry after the refused copy: flags %#x", gtable[REF_DOM0].flags);
	gtable[REF_DOM0].flags = 0;
}

/*
 * vCPU 1, started before the free page count is taken (Xen allocates for
 * it): once told to, the transitive entry names dom0's grant 10, then 11,
 * and so on, until told to stop.
 */
static __attribute__((noreturn)) void flipper(void)
{
	volatile union grant_entry_v2 *e = (volatile union grant_entry_v2 *)window;

	xtest_install_traps();
	ap_alive = 1;
	while (flipping != 1)
		xtest_yield();
	while (flipping == 1) {
		e[REF_TRANS].transitive.gref = flips & 1 ? REF_DOM0B : REF_DOM0;
		flips++;
		__asm__ volatile("pause");
	}
	ap_done = 1;
	vcpu_op(VCPUOP_down, 1, NULL);
	for (;;)
		xtest_yield();
}

static bool start_flipper(void)
{
	long rc;

	if (vcpu_op(VCPUOP_is_up, 1, NULL) < 0)
		return false;
	rc = xtest_vcpu_start(1, flipper, ap_stack, sizeof(ap_stack));
	if (rc || !xtest_wait_flag(&ap_alive, 1)) {
		xtest_fail("vCPU 1 did not start (%ld)", rc);
		return false;
	}
	return true;
}

/* The transitive entry into itself: bytes 0.. to 128.. of whichever grant each use names. */
static int16_t copy_within(uint16_t dom)
{
	struct gnttab_copy c = { .flags = GNTCOPY_source_gref | GNTCOPY_dest_gref,
				 .len = RACE_LEN,
				 .status = 99 };

	c.source = (struct gnttab_copy_ptr){ .ref_or_gmfn = REF_TRANS, .domid = dom };
	c.dest = (struct gnttab_copy_ptr){ .ref_or_gmfn = REF_TRANS, .domid = dom, .offset = 128 };
	xtest_check(gnttab_op(GNTTABOP_copy, &c) == 0, "copy within the transitive grant");
	return c.status;
}

/* @len bytes at @p all 'A' or all 'B'. */
static bool one_grant(const char *p, unsigned int len)
{
	for (unsigned int i = 1; i < len; i++)
		if (p[i] != p[0])
			return false;
	return p[0] == 'A' || p[0] == 'B';
}

/* Copy until enough copies and changes of the entry were seen; the number of copies. */
static unsigned int race_copies(uint16_t dom, unsigned long *bad, int16_t *first)
{
	unsigned int i;

	for (i = 0; i < RACE_MAX && (i < RACE_COPIES || flips < RACE_FLIPS); i++) {
		int16_t out, within;

		memset(dst, 0, RACE_LEN);
		out = copy(dom, true, 0, RACE_LEN);
		within = copy_within(dom);
		if ((out != GNTST_okay || within != GNTST_okay || !one_grant(dst, RACE_LEN)) &&
		    !(*bad)++)
			*first = out != GNTST_okay ? out : within;
	}
	return i;
}

static void check_race(uint16_t dom)
{
	volatile union grant_entry_v2 *e = (volatile union grant_entry_v2 *)window;
	unsigned long bad = 0;
	unsigned int n;
	int16_t first = 0;

	if (!ap_alive) {
		xtest_skip("dom0 has one vCPU: no race");
		return;
	}
	memset(page, 'A', RACE_LEN);
	memset(page_b, 'B', RACE_LEN);
	gtable[REF_DOM0] =
	    (struct grant_entry_v1){ .domid = dom, .frame = (uint32_t)builder_own_frame(page) };
	gtable[REF_DOM0B] =
	    (struct grant_entry_v1){ .domid = dom, .frame = (uint32_t)builder_own_frame(page_b) };
	gtable[REF_DOM0].flags = GTF_permit_access;
	gtable[REF_DOM0B].flags = GTF_permit_access;
	e[REF_TRANS].transitive.trans_domid = 0;
	e[REF_TRANS].transitive.gref = REF_DOM0;
	e[REF_TRANS].hdr.domid = 0;
	e[REF_TRANS].hdr.flags = GTF_transitive;
	flipping = 1;
	n = race_copies(dom, &bad, &first);
	flipping = 2;
	xtest_check(xtest_wait_flag(&ap_done, 1), "vCPU 1 did not stop");
	xtest_check(!bad, "%lu of %u copies failed while the entry changed (first status %d)", bad,
		    n, first);
	xtest_check(flips >= RACE_FLIPS, "the entry changed only %lu times", flips);
	check_idle(dom, "the race");
	xtest_check(gtable[REF_DOM0B].flags == GTF_permit_access,
		    "dom0's entry %u after the race: %#x", REF_DOM0B, gtable[REF_DOM0B].flags);
	gtable[REF_DOM0].flags = gtable[REF_DOM0B].flags = 0;
	printk("transitive race: %u copies while the entry changed %lu times\n", n, flips);
}

void test_main(void)
{
	struct gnttab_map_grant_ref past = { .flags = GNTMAP_host_map, .ref = ~0u };
	struct tiny_dom a, b;
	uint64_t free0, now;
	uint32_t version = 0;
	long rc = 0;

	if (!builder_own_grant_table(gnt_page))
		return;
	gtable = (volatile struct grant_entry_v1 *)gnt_page;
	start_flipper();
	xtest_check(gnttab_op(GNTTABOP_map_grant_ref, &past) == 0 &&
			past.status == GNTST_bad_gntref,
		    "map of a ref past the table: status %d", past.status);
	free0 = builder_free_pages();
	if (run_domu(&a, 1, &rc, &version)) {
		xtest_check(rc == -ENOSYS && version == 1,
			    "d%u created for version 1: set_version(2) rc %ld version %u", a.id, rc,
			    version);
		xtest_check(version_of(a.id) == 1, "d%u's version seen by dom0", a.id);
		tiny_destroy(&a);
	}
	if (run_domu(&b, 2, &rc, &version)) {
		xtest_check(rc == 0 && version == 2,
			    "d%u created for version 2: set_version(2) rc %ld version %u", b.id, rc,
			    version);
		xtest_check(version_of(b.id) == 2, "d%u's version seen by dom0", b.id);
		if (map_domu_table(b.id)) {
			check_transitive(b.id);
			check_race(b.id);
			builder_unmap(window);
			builder_unmap(status_window);
		}
		tiny_destroy(&b);
	}
	builder_max_grant_version = 1;
	now = builder_wait_free(free0);
	xtest_check(now == free0, "free pages %lu after both domUs, %lu before", (unsigned long)now,
		    (unsigned long)free0);
}
