/*
 * Grant map + unmap of one frame granted to itself (domain 0 to domain 0,
 * until there are other domains to grant to): GNTTABOP_map_grant_ref by
 * virtual address (GNTMAP_host_map), then GNTTABOP_unmap_grant_ref.
 */
#include "bench.h"

#define REF 10 /* outside the 8 references a toolstack reserves */

/* 0: the grant table, 1: the granted page, 2: where it gets mapped */
static char pages[3][4096] __attribute__((aligned(4096)));
static volatile struct grant_entry_v1 *table;

static long gnttab_op(unsigned int cmd, void *arg)
{
	return hypercall(HC_grant_table_op, cmd, (unsigned long)arg, 1, 0, 0);
}

static bool map_unmap(unsigned long iters, void *arg)
{
	struct gnttab_map_grant_ref m = {
		.host_addr = (unsigned long)pages[2], .flags = GNTMAP_host_map, .ref = REF, .dom = 0
	};
	struct gnttab_unmap_grant_ref u = { .host_addr = (unsigned long)pages[2] };
	long rc = 0;

	(void)arg;
	for (unsigned long i = 0; i < iters && !rc; i++) {
		m.status = 99;
		rc = gnttab_op(GNTTABOP_map_grant_ref, &m);
		if (rc || m.status != GNTST_okay)
			break;
		u.handle = m.handle;
		u.status = 99;
		rc = gnttab_op(GNTTABOP_unmap_grant_ref, &u);
		if (!rc && u.status != GNTST_okay)
			break;
	}
	if (rc || m.status != GNTST_okay || u.status != GNTST_okay)
		xtest_fail("map %ld/%d, unmap status %d", rc, m.status, u.status);
	return !rc && m.status == GNTST_okay && u.status == GNTST_okay;
}

void test_main(void)
{
	struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 1, .status = 99 };
	unsigned long frame = 0;
	uint64_t saved = *bench_l1e(pages[2]);
	long rc;

	pages[1][0] = 1;
	s.frame_list = &frame;
	rc = hypercall(HC_grant_table_op, GNTTABOP_setup_table, (unsigned long)&s, 1, 0, 0);
	if (!rc && s.status == GNTST_okay)
		rc = hypercall_update_va_mapping((unsigned long)pages[0],
						 (frame << 12) | PTE_P | PTE_RW | PTE_A | PTE_D,
						 UVMF_INVLPG);
	if (rc || s.status != GNTST_okay) {
		xtest_fail("grant table set-up: %ld, status %d", rc, s.status);
		return;
	}
	table = (volatile struct grant_entry_v1 *)pages[0];
	table[REF].domid = 0;
	table[REF].frame = (uint32_t)bench_mfn_of(pages[1]);
	__asm__ volatile("" ::: "memory");
	table[REF].flags = GTF_permit_access;
	bench_run("grant-map-unmap-self", 100, map_unmap, NULL);
	table[REF].flags = 0;
	rc = hypercall_update_va_mapping((unsigned long)pages[2], saved, UVMF_INVLPG);
	xtest_check(rc == 0, "restoring the mapping: %ld", rc);
}

TEST_EXPECT("BENCH grant-map-unmap-self ");
