/*
 * Long grant-table batches are preempted and continued transparently: 3000
 * device mappings of 3000 grants of one page, 3000 unmaps and 3000 copies
 * come back complete, each with its own status, the handles distinct, and
 * every entry's in-use bits cleared at the end; then 3000 copies through
 * one grant (every 100th through an entry granting nothing) the same.
 */
#include "xtest.h"

#define DOMID_SELF 0x7ff0
#define NR 3000
#define FIRST_REF 8
#define NR_FRAMES 8 /* 4096 entries */
#define VIRT_BASE 0xffffffff80000000UL
#define M2P_START 0xffff800000000000UL

static char table_va[NR_FRAMES][4096] __attribute__((aligned(4096)));
static char page[2][4096] __attribute__((aligned(4096)));
static struct gnttab_map_grant_ref maps[NR];
static struct gnttab_unmap_grant_ref unmaps[NR];
static struct gnttab_copy copies[NR];

static long gnttab_op(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall(HC_grant_table_op, cmd, (unsigned long)arg, count, 0, 0);
}

/* The kernel image is mapped at VIRT_BASE + pfn * 4 KiB: find a page's MFN through the P2M. */
static unsigned long mfn_of(const void *va)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;

	return p2m[((unsigned long)va - VIRT_BASE) >> 12];
}

static volatile struct grant_entry_v1 *entry(unsigned int ref)
{
	return &((volatile struct grant_entry_v1 *)table_va)[ref];
}

static bool setup(void)
{
	unsigned long frames[NR_FRAMES];
	struct gnttab_setup_table s = {
		.dom = DOMID_SELF, .nr_frames = NR_FRAMES, .status = 99, .frame_list = frames
	};
	long rc = gnttab_op(GNTTABOP_setup_table, &s, 1);

	if (rc || s.status) {
		xtest_fail("setup_table(%d): rc %ld status %d", NR_FRAMES, rc, s.status);
		return false;
	}
	for (int i = 0; i < NR_FRAMES; i++) {
		rc = hypercall_update_va_mapping((unsigned long)table_va[i],
						 (frames[i] << 12) | PTE_P | PTE_RW | PTE_A | PTE_D,
						 UVMF_INVLPG);
		if (rc) {
			xtest_fail("mapping grant frame %d: %ld", i, rc);
			return false;
		}
	}
	return true;
}

static void check_maps(void)
{
	unsigned long mfn = mfn_of(page[0]);
	unsigned int bad = 0, dup = 0;
	long rc;

	for (unsigned int i = 0; i < NR; i++) {
		entry(FIRST_REF + i)->domid = 0;
		entry(FIRST_REF + i)->frame = (uint32_t)mfn;
		entry(FIRST_REF + i)->flags = GTF_permit_access;
		maps[i] = (struct gnttab_map_grant_ref){ .flags = GNTMAP_device_map,
							 .ref = FIRST_REF + i,
							 .status = 99,
							 .handle = ~0u };
	}
	rc = gnttab_op(GNTTABOP_map_grant_ref, maps, NR);
	xtest_check(rc == 0, "map batch returned %ld", rc);
	for (unsigned int i = 0; i < NR; i++) {
		if (maps[i].status != 0 || maps[i].dev_bus_addr != mfn << 12)
			bad++;
		if (i && maps[i].handle == maps[i - 1].handle)
			dup++;
		if (entry(FIRST_REF + i)->flags != (GTF_permit_access | 0x18))
			bad++;
	}
	xtest_check(bad == 0, "%u of %u mappings wrong", bad, NR);
	xtest_check(dup == 0, "%u handles repeated", dup);

	for (unsigned int i = 0; i < NR; i++)
		unmaps[i] = (struct gnttab_unmap_grant_ref){ .dev_bus_addr = mfn << 12,
							     .handle = maps[i].handle,
							     .status = 99 };
	rc = gnttab_op(GNTTABOP_unmap_grant_ref, unmaps, NR);
	xtest_check(rc == 0, "unmap batch returned %ld", rc);
	bad = 0;
	for (unsigned int i = 0; i < NR; i++)
		if (unmaps[i].status != 0 || entry(FIRST_REF + i)->flags != GTF_permit_access)
			bad++;
	xtest_check(bad == 0, "%u of %u unmaps wrong", bad, NR);
}

static void check_copies(void)
{
	unsigned long src = mfn_of(page[1]);
	unsigned int bad = 0;
	long rc;

	for (unsigned int i = 0; i < 4096; i++) {
		page[1][i] = (char)(i * 7 + 1);
		((volatile char *)page[0])[i] = 0;
	}
	/* copy i moves byte i % 4096 of page 1 into page 0 through grant FIRST_REF + i */
	for (unsigned int i = 0; i < NR; i++)
		copies[i] = (struct gnttab_copy){ .source = { src, DOMID_SELF, (uint16_t)i },
						  .dest = { FIRST_REF + i, 0, (uint16_t)i },
						  .len = 1,
						  .flags = GNTCOPY_dest_gref,
						  .status = 99 };
	rc = gnttab_op(GNTTABOP_copy, copies, NR);
	xtest_check(rc == 0, "copy batch returned %ld", rc);
	for (unsigned int i = 0; i < NR; i++)
		if (copies[i].status != 0 || ((volatile char *)page[0])[i] != (char)(i * 7 + 1) ||
		    entry(FIRST_REF + i)->flags != GTF_permit_access)
			bad++;
	xtest_check(bad == 0, "%u of %u copies wrong", bad, NR);
	xtest_check(((volatile char *)page[0])[NR] == 0, "copy wrote past the last byte");
	printk("batches of %d map, unmap and copy done\n", NR);
}

/*
 * Copies that name the same grant and frame one after another, every 100th
 * through an entry that grants nothing (GNTST_general_error): each keeps its
 * own status and bytes, and the shared entry's in-use bits are clear after
 * the batch, whatever the hypervisor kept claimed between the copies.
 */
static void check_shared_copies(void)
{
	unsigned long src = mfn_of(page[1]), dst = mfn_of(page[0]);
	unsigned int bad = 0;
	long rc;

	entry(FIRST_REF)->domid = 0;
	entry(FIRST_REF)->frame = (uint32_t)dst;
	entry(FIRST_REF)->flags = GTF_permit_access;
	entry(FIRST_REF + 1)->flags = 0;
	for (unsigned int i = 0; i < 4096; i++)
		((volatile char *)page[0])[i] = 0;
	for (unsigned int i = 0; i < NR; i++)
		copies[i] =
		    (struct gnttab_copy){ .source = { src, DOMID_SELF, (uint16_t)(i % 4096) },
					  .dest = { FIRST_REF + (i % 100 == 50), 0,
						    (uint16_t)(i % 4096) },
					  .len = 1,
					  .flags = GNTCOPY_dest_gref,
					  .status = 99 };
	rc = gnttab_op(GNTTABOP_copy, copies, NR);
	xtest_check(rc == 0, "shared copy batch returned %ld", rc);
	for (unsigned int i = 0; i < NR; i++) {
		bool refused = i % 100 == 50;
		char want = refused ? 0 : (char)(i * 7 + 1);

		if (copies[i].status != (refused ? GNTST_general_error : 0) ||
		    ((volatile char *)page[0])[i] != want)
			bad++;
	}
	xtest_check(bad == 0, "%u of %u shared copies wrong", bad, NR);
	xtest_check(entry(FIRST_REF)->flags == GTF_permit_access,
		    "shared entry's flags %#x after the batch", entry(FIRST_REF)->flags);
	printk("%u copies through one grant done\n", NR);
}

void test_main(void)
{
	if (!setup())
		return;
	check_maps();
	check_copies();
	check_shared_copies();
	for (unsigned int i = 0; i < NR; i++)
		entry(FIRST_REF + i)->flags = 0;
}

TEST_EXPECT("batches of 3000 map, unmap and copy done");
