/*
 * Grant tables version 2 from inside a guest, granting to itself:
 * set_version / get_version, get_status_frames (none in v1), the reserved
 * entries carried across a switch and the others cleared, map / unmap /
 * copy through v2 entries with GTF_reading / GTF_writing seen in the status
 * frame and never in the entry, sub-page grants (copy inside the granted
 * bytes only, no map), a self-referential transitive grant refused, and
 * the switch back to v1 refused while a grant is in use (-EBUSY), while a
 * reserved entry cannot be held by v1 (-ERANGE) or while the status frame
 * is still mapped (-EBUSY).
 *
 * Debian's Xen 4.17 offers version 2 to dom0 by default (gnttab=max-ver
 * defaults to 2 on x86), so the test needs no hypervisor option there.
 */
#include "xtest.h"

#define DOMID_SELF 0x7ff0
#define XEN_EBUSY 16
#define XEN_ERANGE 34
#define RESERVED 3 /* one of the 8 entries the toolstack reserves */
#define REF 10
#define SUB_REF 11
#define TRANS_REF 12
#define WIDE_REF 4 /* a reserved entry with a frame v1 cannot hold */

/* 0: the grant table, 1: the granted page, 2: where it is mapped, 3: the status frame, 4: source */
static char pages[5][4096] __attribute__((aligned(4096)));
static volatile union grant_entry_v2 *table;
static volatile uint16_t *status;

static long gnttab_op(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall(HC_grant_table_op, cmd, (unsigned long)arg, count, 0, 0);
}

/* The kernel image is mapped at VIRT_BASE + pfn * 4 KiB: a page's MFN through the P2M. */
static unsigned long mfn_of(const void *va)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;

	return p2m[((unsigned long)va - 0xffffffff80000000UL) >> 12];
}

static long set_version(uint32_t *v)
{
	return gnttab_op(GNTTABOP_set_version, v, 1);
}

static uint32_t get_version(void)
{
	struct gnttab_get_version g = { .dom = DOMID_SELF, .version = 99 };
	long rc = gnttab_op(GNTTABOP_get_version, &g, 1);

	xtest_check(rc == 0, "get_version: %ld", rc);
	return g.version;
}

static int16_t status_frames(uint32_t nr, uint64_t *list)
{
	struct gnttab_get_status_frames g = {
		.nr_frames = nr, .dom = DOMID_SELF, .status = 99, .frame_list = list
	};
	long rc = gnttab_op(GNTTABOP_get_status_frames, &g, 1);

	xtest_check(rc == 0, "get_status_frames(%u): %ld", nr, rc);
	return g.status;
}

static struct gnttab_map_grant_ref map(void *va, uint32_t flags, uint32_t ref)
{
	struct gnttab_map_grant_ref m = {
		.host_addr = (unsigned long)va, .flags = flags, .ref = ref, .status = 99
	};
	long rc = gnttab_op(GNTTABOP_map_grant_ref, &m, 1);

	xtest_check(rc == 0, "map_grant_ref returned %ld", rc);
	return m;
}

static int16_t unmap(void *va, uint32_t handle)
{
	struct gnttab_unmap_grant_ref u = { (unsigned long)va, 0, handle, 99 };
	long rc = gnttab_op(GNTTABOP_unmap_grant_ref, &u, 1);

	xtest_check(rc == 0, "unmap_grant_ref returned %ld", rc);
	return u.status;
}

/* Copy @len bytes from our page 4 into grant @ref at @off. */
static int16_t copy_in(uint32_t ref, uint16_t off, uint16_t len)
{
	struct gnttab_copy c = { .len = len, .flags = GNTCOPY_dest_gref, .status = 99 };
	long rc;

	c.source.ref_or_gmfn = mfn_of(pages[4]);
	c.source.domid = DOMID_SELF;
	c.dest.ref_or_gmfn = ref;
	c.dest.offset = off;
	rc = gnttab_op(GNTTABOP_copy, &c, 1);
	xtest_check(rc == 0, "copy returned %ld", rc);
	return c.status;
}

static void grant_full(uint32_t ref, uint16_t flags, uint64_t frame)
{
	table[ref].full_page.frame = frame;
	table[ref].hdr.domid = 0;
	__asm__ volatile("" ::: "memory");
	table[ref].hdr.flags = flags;
}

static bool map_page(void *va, unsigned long mfn, uint64_t rw)
{
	long rc = hypercall_update_va_mapping(
	    (unsigned long)va, (mfn << 12) | PTE_P | PTE_A | PTE_D | rw, UVMF_INVLPG);

	xtest_check(rc == 0, "mapping mfn %#lx at %p: %ld", mfn, va, rc);
	return rc == 0;
}

/* In v1: grant the reserved entry, switch to v2, find it carried over. */
static bool switch_to_v2(void)
{
	struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 1, .status = 99 };
	volatile struct grant_entry_v1 *v1 = (volatile struct grant_entry_v1 *)pages[0];
	unsigned long frame = 0;
	uint64_t list[2];
	uint32_t v = 2;
	long rc;

	s.frame_list = &frame;
	rc = gnttab_op(GNTTABOP_setup_table, &s, 1);
	if (rc || s.status != GNTST_okay || !map_page(pages[0], frame, PTE_RW)) {
		xtest_fail("setup_table: rc %ld status %d", rc, s.status);
		return false;
	}
	xtest_check(get_version() == 1, "a domain starts at version 1");
	xtest_check(status_frames(0, list) == GNTST_okay, "v1: asking for no status frames");
	xtest_check(status_frames(1, list) == GNTST_general_error,
		    "v1 has no status frames: expected general_error");
	v1[RESERVED] = (struct grant_entry_v1){ GTF_permit_access | GTF_readonly, 0,
						(uint32_t)mfn_of(pages[1]) };
	v1[REF] = (struct grant_entry_v1){ GTF_permit_access, 0, (uint32_t)mfn_of(pages[1]) };
	rc = set_version(&v);
	if (rc || v != 2) {
		xtest_fail("set_version(2): rc %ld version %u", rc, v);
		return false;
	}
	xtest_check(get_version() == 2, "get_version after the switch: %u", get_version());
	table = (volatile union grant_entry_v2 *)pages[0];
	xtest_check(table[RESERVED].hdr.flags == (GTF_permit_access | GTF_readonly) &&
			table[RESERVED].full_page.frame == mfn_of(pages[1]),
		    "reserved entry not carried over: flags %#x frame %#lx",
		    table[RESERVED].hdr.flags, (unsigned long)table[RESERVED].full_page.frame);
	xtest_check(table[REF].hdr.flags == 0 && table[REF].full_page.frame == 0,
		    "entry %d not cleared by the switch", REF);
	v = 2;
	xtest_check(set_version(&v) == 0 && v == 2, "set_version(2) again");
	return true;
}

/* One status frame covers the first 2048 entries; it is ours to map. */
static bool map_status(void)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	uint64_t list[9] = { 0 };
	uint32_t nr;

	xtest_check(gnttab_op(GNTTABOP_query_size, &q, 1) == 0, "query_size");
	nr = (q.nr_frames * 256 + 2047) / 2048;
	xtest_check(nr >= 1 && nr <= 8, "%u frames need %u status frames", q.nr_frames, nr);
	xtest_check(status_frames(nr, list) == GNTST_okay, "get_status_frames(%u)", nr);
	xtest_check(list[0] != 0 && list[0] != list[1], "status frames %#lx %#lx",
		    (unsigned long)list[0], (unsigned long)list[1]);
	xtest_check(status_frames(nr + 1, list) == GNTST_general_error,
		    "get_status_frames(%u), one too many: expected general_error", nr + 1);
	if (!map_page(pages[3], list[0], 0))
		return false;
	status = (volatile uint16_t *)pages[3];
	return true;
}

static void check_map_and_copy(void)
{
	struct gnttab_map_grant_ref m;

	grant_full(REF, GTF_permit_access, mfn_of(pages[1]));
	m = map(pages[2], GNTMAP_host_map, REF);
	xtest_check(m.status == GNTST_okay, "map of a v2 entry: status %d", m.status);
	if (m.status != GNTST_okay)
		return;
	xtest_check(status[REF] == (GTF_reading | GTF_writing), "status while mapped: %#x",
		    status[REF]);
	xtest_check(table[REF].hdr.flags == GTF_permit_access, "entry flags while mapped: %#x",
		    table[REF].hdr.flags);
	memcpy(pages[2], "version two", 12);
	xtest_check(memcmp(pages[1], "version two", 12) == 0, "write through the mapping lost");
	xtest_check(unmap(pages[2], m.handle) == GNTST_okay, "unmap");
	xtest_check(status[REF] == 0, "status after unmap: %#x", status[REF]);

	memcpy(pages[4], "copied in", 10);
	xtest_check(copy_in(REF, 40, 10) == GNTST_okay, "copy into a v2 grant");
	xtest_check(memcmp(pages[1] + 40, "copied in", 10) == 0, "copy did not arrive");
	xtest_check(status[REF] == 0, "status after the copy: %#x", status[REF]);

	grant_full(REF, GTF_permit_access | GTF_readonly, mfn_of(pages[1]));
	m = map(pages[2], GNTMAP_host_map, REF);
	xtest_check(m.status == GNTST_general_error, "writable map of a read-only grant: %d",
		    m.status);
	xtest_check(status[REF] == 0, "status after the refused map: %#x", status[REF]);
	m = map(pages[2], GNTMAP_host_map | GNTMAP_readonly, REF);
	xtest_check(m.status == GNTST_okay, "read-only map: %d", m.status);
	xtest_check(status[REF] == GTF_reading, "status while mapped read-only: %#x", status[REF]);
	if (m.status == GNTST_okay)
		xtest_check(unmap(pages[2], m.handle) == GNTST_okay, "read-only unmap");
	xtest_check(copy_in(REF, 0, 4) == GNTST_general_error,
		    "copy into a read-only grant: expected general_error");
	xtest_check(status[REF] == 0, "status at the end: %#x", status[REF]);
}

static void check_sub_page_and_transitive(void)
{
	volatile union grant_entry_v2 *e = &table[SUB_REF];
	struct gnttab_map_grant_ref m;

	e->sub_page.frame = mfn_of(pages[1]);
	e->sub_page.page_off = 256;
	e->sub_page.length = 64;
	e->hdr.domid = 0;
	e->hdr.flags = GTF_permit_access | GTF_sub_page;
	memcpy(pages[4], "sub-page", 9);
	xtest_check(copy_in(SUB_REF, 256, 9) == GNTST_okay, "copy inside the sub-page");
	xtest_check(memcmp(pages[1] + 256, "sub-page", 9) == 0, "sub-page copy lost");
	xtest_check(copy_in(SUB_REF, 311, 9) == GNTST_okay, "copy at the sub-page's end");
	xtest_check(copy_in(SUB_REF, 250, 9) == GNTST_general_error,
		    "copy starting before the sub-page: expected general_error");
	xtest_check(copy_in(SUB_REF, 312, 9) == GNTST_general_error,
		    "copy past the sub-page: expected general_error");
	xtest_check(copy_in(SUB_REF, 4090, 9) == GNTST_bad_copy_arg,
		    "copy past the page: expected bad_copy_arg");
	m = map(pages[2], GNTMAP_host_map, SUB_REF);
	xtest_check(m.status == GNTST_general_error, "map of a sub-page grant: status %d",
		    m.status);
	xtest_check(status[SUB_REF] == 0, "sub-page status: %#x", status[SUB_REF]);

	/* A transitive grant naming the granter itself is refused. */
	table[TRANS_REF].transitive.trans_domid = 0;
	table[TRANS_REF].transitive.gref = REF;
	table[TRANS_REF].hdr.domid = 0;
	table[TRANS_REF].hdr.flags = GTF_transitive;
	xtest_check(copy_in(TRANS_REF, 0, 4) == GNTST_general_error,
		    "self-referential transitive grant: expected general_error");
	xtest_check(status[TRANS_REF] == 0, "transitive status: %#x", status[TRANS_REF]);
	table[TRANS_REF].hdr.flags = 0;
}

/* Back to v1: refused while in use or unrepresentable, then the reserved entry kept. */
static void check_back_to_v1(void)
{
	volatile struct grant_entry_v1 *v1 = (volatile struct grant_entry_v1 *)pages[0];
	struct gnttab_map_grant_ref m, res;
	uint64_t list[1];
	uint32_t v = 1;
	long rc;

	grant_full(REF, GTF_permit_access, mfn_of(pages[1]));
	m = map(pages[2], GNTMAP_host_map, REF);
	xtest_check(m.status == GNTST_okay, "map before the switch back: %d", m.status);
	rc = set_version(&v);
	xtest_check(rc == -XEN_EBUSY && v == 2, "switch with a grant mapped: rc %ld version %u", rc,
		    v);
	if (m.status == GNTST_okay)
		unmap(pages[2], m.handle);

	grant_full(WIDE_REF, GTF_permit_access, 1ull << 32);
	v = 1;
	rc = set_version(&v);
	xtest_check(rc == -XEN_ERANGE && v == 2,
		    "switch with a 64-bit frame in a reserved entry: rc %ld version %u", rc, v);
	table[WIDE_REF].hdr.flags = 0;

	v = 1;
	rc = set_version(&v);
	xtest_check(rc == -XEN_EBUSY && v == 2,
		    "switch with the status frame mapped: rc %ld version %u", rc, v);
	rc = hypercall_update_va_mapping((unsigned long)pages[3], 0, UVMF_INVLPG);
	xtest_check(rc == 0, "unmapping the status frame: %ld", rc);

	/* A reserved entry may stay mapped: its in-use bits move into the v1 entry. */
	res = map(pages[2], GNTMAP_host_map | GNTMAP_readonly, RESERVED);
	xtest_check(res.status == GNTST_okay, "map of the reserved entry: %d", res.status);
	v = 1;
	rc = set_version(&v);
	xtest_check(rc == 0 && v == 1, "back to version 1: rc %ld version %u", rc, v);
	xtest_check(get_version() == 1, "get_version after the switch back");
	xtest_check(v1[RESERVED].flags == (GTF_permit_access | GTF_readonly | GTF_reading) &&
			v1[RESERVED].frame == mfn_of(pages[1]),
		    "reserved entry in v1: flags %#x frame %#x", v1[RESERVED].flags,
		    v1[RESERVED].frame);
	xtest_check(v1[REF].flags == 0 && v1[REF + 1].flags == 0, "v1 entries not cleared");
	if (res.status == GNTST_okay)
		xtest_check(unmap(pages[2], res.handle) == GNTST_okay,
			    "unmap of the reserved entry");
	xtest_check(v1[RESERVED].flags == (GTF_permit_access | GTF_readonly),
		    "reserved entry after unmap: %#x", v1[RESERVED].flags);
	xtest_check(status_frames(1, list) == GNTST_general_error,
		    "status frames after the switch back: expected general_error");
}

void test_main(void)
{
	if (!switch_to_v2() || !map_status())
		return;
	check_map_and_copy();
	check_sub_page_and_transitive();
	check_back_to_v1();
}
