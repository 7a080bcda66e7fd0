/*
 * Grant tables from inside a guest, the table itself: query_size before and
 * after setup_table grows it, the frames setup_table returns mapped
 * writable, setup_table's limits and errors, set_version / get_version,
 * and -ENOSYS for what is not implemented.
 */
#include "xtest.h"

#define DOMID_SELF 0x7ff0
#define XEN_ENOSYS 38
#define XEN_ESRCH 3
#define MAX_FRAMES 64 /* Xen 4.17's default max_grant_frames */

static char scratch[2][4096] __attribute__((aligned(4096)));

static long gnttab_op(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall(HC_grant_table_op, cmd, (unsigned long)arg, count, 0, 0);
}

static struct gnttab_query_size query(uint16_t dom)
{
	struct gnttab_query_size q = { .dom = dom, .status = 99 };
	long rc = gnttab_op(GNTTABOP_query_size, &q, 1);

	xtest_check(rc == 0, "query_size returned %ld", rc);
	return q;
}

static int16_t setup(uint16_t dom, uint32_t n, unsigned long *frames, long *rc)
{
	struct gnttab_setup_table s = {
		.dom = dom, .nr_frames = n, .status = 99, .frame_list = frames
	};

	*rc = gnttab_op(GNTTABOP_setup_table, &s, 1);
	return s.status;
}

static void check_query_and_setup(void)
{
	struct gnttab_query_size q = query(DOMID_SELF);
	unsigned long frames[MAX_FRAMES + 1];
	long rc;
	int16_t st;

	xtest_check(q.status == GNTST_okay, "query_size status %d", q.status);
	xtest_check(q.nr_frames >= 1 && q.max_nr_frames == MAX_FRAMES,
		    "query_size: %u frames of %u (expected at least 1 of %u)", q.nr_frames,
		    q.max_nr_frames, MAX_FRAMES);
	st = setup(DOMID_SELF, 2, frames, &rc);
	xtest_check(rc == 0 && st == GNTST_okay, "setup_table(2): rc %ld status %d", rc, st);
	q = query(0);
	xtest_check(q.status == GNTST_okay && q.nr_frames == 2,
		    "after setup_table(2), query_size by id: status %d, %u frames", q.status,
		    q.nr_frames);
	xtest_check(frames[0] != frames[1], "two frames, one MFN %#lx", frames[0]);

	/* The frames are ours to map writable; the table is all zero at first. */
	for (int i = 0; i < 2; i++) {
		uint64_t pte = (frames[i] << 12) | PTE_P | PTE_RW | PTE_A | PTE_D;
		volatile uint32_t *w = (volatile uint32_t *)scratch[i];

		rc = hypercall_update_va_mapping((unsigned long)scratch[i], pte, UVMF_INVLPG);
		xtest_check(rc == 0, "mapping grant frame %d (mfn %#lx) writable: %ld", i,
			    frames[i], rc);
		if (rc)
			continue;
		xtest_check(w[100] == 0, "grant frame %d not clear: %#x", i, w[100]);
		w[100] = 0x5a5a0000u + i;
		xtest_check(w[100] == 0x5a5a0000u + i, "write to grant frame %d lost", i);
		w[100] = 0;
	}

	/* Asking for fewer frames than there are is fine and shrinks nothing. */
	st = setup(DOMID_SELF, 1, frames, &rc);
	xtest_check(rc == 0 && st == GNTST_okay, "setup_table(1): rc %ld status %d", rc, st);
	xtest_check(query(DOMID_SELF).nr_frames == 2, "setup_table(1) shrank the table");

	st = setup(DOMID_SELF, MAX_FRAMES + 1, frames, &rc);
	xtest_check(rc == 0 && st == GNTST_general_error,
		    "setup_table(max + 1): rc %ld status %d, expected 0 / general_error", rc, st);
	st = setup(0x1234, 1, frames, &rc);
	xtest_check(rc == 0 && st == GNTST_bad_domain,
		    "setup_table(dom 0x1234): rc %ld status %d, expected bad_domain", rc, st);
	q = query(0x1234);
	xtest_check(q.status == GNTST_bad_domain, "query_size(dom 0x1234): status %d", q.status);

	/* Batches of these are refused; bad pointers fault. */
	rc = gnttab_op(GNTTABOP_query_size, &q, 2);
	xtest_check(rc == -XEN_EINVAL, "query_size count 2: %ld, expected -EINVAL", rc);
	rc = gnttab_op(GNTTABOP_setup_table, frames, 0);
	xtest_check(rc == -XEN_EINVAL, "setup_table count 0: %ld, expected -EINVAL", rc);
	rc = gnttab_op(GNTTABOP_setup_table, (void *)0xffff800000000000UL, 1);
	xtest_check(rc == -XEN_EFAULT, "setup_table in the hypervisor's range: %ld", rc);
	st = setup(DOMID_SELF, 1, (unsigned long *)0xffff800000001000UL, &rc);
	xtest_check(rc == -XEN_EFAULT, "setup_table frame list in the hypervisor: %ld", rc);
}

static void check_versions(void)
{
	struct gnttab_get_version g = { .dom = DOMID_SELF, .version = 99 };
	uint32_t v;
	long rc;

	rc = gnttab_op(GNTTABOP_get_version, &g, 1);
	xtest_check(rc == 0 && g.version == 1, "get_version: rc %ld version %u", rc, g.version);
	g = (struct gnttab_get_version){ .dom = 0x1234 };
	rc = gnttab_op(GNTTABOP_get_version, &g, 1);
	xtest_check(rc == -XEN_ESRCH, "get_version(dom 0x1234): %ld, expected -ESRCH", rc);

	v = 1;
	rc = gnttab_op(GNTTABOP_set_version, &v, 1);
	xtest_check(rc == 0 && v == 1, "set_version(1): rc %ld version %u", rc, v);
	v = 3;
	rc = gnttab_op(GNTTABOP_set_version, &v, 1);
	xtest_check(rc == -XEN_EINVAL && v == 1, "set_version(3): rc %ld version %u", rc, v);
	/* Version 2 is offered (gnttab-v2 tests it); back to 1, nothing is mapped. */
	v = 2;
	rc = gnttab_op(GNTTABOP_set_version, &v, 1);
	xtest_check(rc == 0 && v == 2, "set_version(2): rc %ld version %u", rc, v);
	v = 1;
	rc = gnttab_op(GNTTABOP_set_version, &v, 1);
	xtest_check(rc == 0 && v == 1, "back to version 1: rc %ld version %u", rc, v);
}

static void check_enosys(void)
{
	long rc = gnttab_op(99, scratch, 1);

	xtest_check(rc == -XEN_ENOSYS, "unknown op 99: %ld, expected -ENOSYS", rc);
	rc = gnttab_op(GNTTABOP_query_size | (1u << 12), scratch, 1);
	xtest_check(rc == -XEN_EINVAL, "query_size with continuation bits: %ld, expected -EINVAL",
		    rc);
}

void test_main(void)
{
	check_query_and_setup();
	check_versions();
	check_enosys();
}
