/*
 * Grant tables from inside an HVM guest, whose table and frames are named
 * by guest frame number: frame 0 of the table placed over a page of our
 * own RAM with XENMEM_add_to_physmap (and seen there at once), setup_table
 * listing that GFN, query_size, then GNTTABOP_copy between a grant to
 * ourselves (its entry holding a GFN) and our own frames by GFN, in both
 * directions. The copies go in one batch of COPIES; Petrel preempts such a
 * batch after every copy with hypercall_preempt_always, so the vmmcall runs
 * again with the arguments left each time: every status and every byte
 * must be right at the end. A bad reference in the middle of a batch fails
 * alone.
 */
#include "xtest.h"
#include "hvm.h"
#include "memory-op.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M hypercall_preempt_always");

#define GNTTABOP_setup_table 2
#define GNTTABOP_copy 5
#define GNTTABOP_query_size 6
#define REF 10
#define COPIES 300
#define BAD_ONE 150

static char table_page[4096] __attribute__((aligned(4096)));
static char granted[4096] __attribute__((aligned(4096)));
static char mine[4096] __attribute__((aligned(4096)));
static struct gnttab_copy ops[COPIES];

static unsigned long gfn_of(const void *p)
{
	return (unsigned long)p >> 12; /* head.S maps the low 4 GiB one to one */
}

static long gnttab_op(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall(HC_grant_table_op, cmd, (unsigned long)arg, count, 0, 0);
}

/* Our table's frame 0 over table_page; false if it is not there. */
static bool place_table(void)
{
	struct add_to_physmap x = { DOMID_SELF, 0, XENMAPSPACE_grant_table, 0, gfn_of(table_page) };
	unsigned long frames[1] = { 0 };
	struct gnttab_setup_table s = { DOMID_SELF, 1, 1, frames };
	struct gnttab_query_size q = { DOMID_SELF, 0, 0, 1 };
	long rc;

	memset(table_page, 0x5a, sizeof(table_page));
	rc = hypercall(HC_memory_op, XENMEM_add_to_physmap, (unsigned long)&x, 0, 0, 0);
	if (rc) {
		xtest_fail("add_to_physmap(grant frame 0 at GFN %#lx): %ld", gfn_of(table_page), rc);
		return false;
	}
	/* A fresh table: no 0x5a left of the RAM page that was there. */
	xtest_check(((volatile struct grant_entry_v1 *)table_page)[REF].flags == 0,
		    "the table's entry %u reads %#x, not a fresh table", REF,
		    ((volatile struct grant_entry_v1 *)table_page)[REF].flags);
	rc = gnttab_op(GNTTABOP_setup_table, &s, 1);
	xtest_check(rc == 0 && s.status == GNTST_okay && frames[0] == gfn_of(table_page),
		    "setup_table: %ld, status %d, frame %#lx (want GFN %#lx)", rc, s.status,
		    frames[0], gfn_of(table_page));
	rc = gnttab_op(GNTTABOP_query_size, &q, 1);
	xtest_check(rc == 0 && q.status == GNTST_okay && q.nr_frames >= 1 &&
			q.max_nr_frames >= q.nr_frames,
		    "query_size: %ld, status %d, %u of %u frames", rc, q.status, q.nr_frames,
		    q.max_nr_frames);
	return true;
}

static void grant_to_self(void)
{
	volatile struct grant_entry_v1 *e = (volatile struct grant_entry_v1 *)table_page + REF;

	e->domid = 0; /* the initial domain */
	e->frame = (uint32_t)gfn_of(granted);
	__asm__ volatile("" ::: "memory");
	e->flags = GTF_permit_access;
}

/* Copy @i: 4 bytes at slot i, out of the grant or into it. */
static void fill_op(unsigned int i, bool into_grant)
{
	struct gnttab_copy_ptr g = { REF, DOMID_SELF, (uint16_t)(i * 4) };
	struct gnttab_copy_ptr own = { gfn_of(mine), DOMID_SELF, (uint16_t)(i * 4) };

	ops[i] = (struct gnttab_copy){ .source = into_grant ? own : g,
				       .dest = into_grant ? g : own,
				       .len = 4,
				       .flags = into_grant ? GNTCOPY_dest_gref : GNTCOPY_source_gref,
				       .status = 1 };
}

/* One batch of COPIES, entry BAD_ONE naming a reference past the table. */
static void copy_batch(bool into_grant, const char *src, const char *dst)
{
	unsigned int bad_status = 0, wrong = 0;
	long rc;

	for (unsigned int i = 0; i < COPIES; i++)
		fill_op(i, into_grant);
	if (into_grant)
		ops[BAD_ONE].dest.ref_or_gmfn = 100000;
	else
		ops[BAD_ONE].source.ref_or_gmfn = 100000;
	rc = gnttab_op(GNTTABOP_copy, ops, COPIES);
	for (unsigned int i = 0; i < COPIES; i++) {
		int16_t want = i == BAD_ONE ? GNTST_bad_gntref : GNTST_okay;

		if (ops[i].status != want)
			bad_status++;
		if (i != BAD_ONE && memcmp(src + i * 4, dst + i * 4, 4))
			wrong++;
	}
	xtest_check(rc == 0 && !bad_status && !wrong,
		    "copy %s the grant: %ld, %u wrong statuses (entry %u: %d), %u wrong slots",
		    into_grant ? "into" : "out of", rc, bad_status, BAD_ONE, ops[BAD_ONE].status,
		    wrong);
	xtest_check(!memcmp(dst + BAD_ONE * 4, "\0\0\0\0", 4), "the bad entry's slot was written");
}

void test_main(void)
{
	if (!place_table())
		return;
	grant_to_self();
	for (unsigned int i = 0; i < sizeof(granted); i++)
		granted[i] = (char)(i * 7 + 1);
	memset(mine, 0, sizeof(mine));
	copy_batch(false, granted, mine);
	xtest_check(((volatile struct grant_entry_v1 *)table_page)[REF].flags == GTF_permit_access,
		    "entry %u's flags after the copies: %#x", REF,
		    ((volatile struct grant_entry_v1 *)table_page)[REF].flags);
	for (unsigned int i = 0; i < sizeof(mine); i++)
		mine[i] = (char)(i * 13 + 5);
	memset(granted, 0, sizeof(granted));
	copy_batch(true, mine, granted);
}
