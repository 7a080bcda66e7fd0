/*
 * XENMEM_exchange as swiotlb-xen uses it at boot, on a machine with most of
 * its RAM above 4 GiB and most of it free: 64 MiB worth of 2 MiB extents,
 * each traded for 512 single frames, with address_bits 32. Every extent must
 * come back machine-contiguous, aligned and below 4 GiB.
 */
#include "xtest.h"

TEST_MEM("8G");
TEST_HV_ARGS("dom0_mem=256M");

#define HC_memory_op 12
#define XENMEM_exchange 11
#define DOMID_SELF 0x7ff0
#define VIRT_BASE 0xffffffff80000000UL
#define M2P ((const unsigned long *)0xffff800000000000UL)
#define EXTENT_ORDER 9
#define EXTENT_FRAMES (1UL << EXTENT_ORDER)
#define NR_EXTENTS 32
#define FIRST_PFN 8192UL /* beyond the initial mapping: owned, not mapped */
#define FOUR_GIB_MFN 0x100000UL

struct reservation {
	unsigned long *extent_start;
	unsigned long nr_extents;
	unsigned int extent_order, mem_flags;
	uint16_t domid;
};

struct exchange {
	struct reservation in, out;
	unsigned long nr_exchanged;
};

static unsigned long in[EXTENT_FRAMES];

static bool exchange_extent(unsigned long *p2m, unsigned long pfn)
{
	unsigned long out = pfn;
	struct exchange x = { { in, EXTENT_FRAMES, 0, 0, DOMID_SELF },
			      { &out, 1, EXTENT_ORDER, 32, DOMID_SELF },
			      0 };
	long rc;

	for (unsigned long i = 0; i < EXTENT_FRAMES; i++)
		in[i] = p2m[pfn + i];
	rc = hypercall(HC_memory_op, XENMEM_exchange, (unsigned long)&x, 0, 0, 0);
	if (rc || x.nr_exchanged != EXTENT_FRAMES) {
		xtest_fail("exchange at pfn %#lx: %ld, %lu done", pfn, rc, x.nr_exchanged);
		return false;
	}
	xtest_check(!(out & (EXTENT_FRAMES - 1)) && out + EXTENT_FRAMES <= FOUR_GIB_MFN,
		    "extent %#lx not 2 MiB aligned below 4 GiB", out);
	xtest_check(M2P[out] == pfn && M2P[out + EXTENT_FRAMES - 1] == pfn + EXTENT_FRAMES - 1,
		    "m2p of extent %#lx: %#lx", out, M2P[out]);
	for (unsigned long i = 0; i < EXTENT_FRAMES; i++)
		p2m[pfn + i] = out + i;
	return true;
}

void test_main(void)
{
	struct start_info *si = xtest_start_info;
	unsigned long *p2m = (unsigned long *)si->mfn_list;
	unsigned long mapped = (si->pt_base - VIRT_BASE) / 4096 + si->nr_pt_frames + 1024;
	unsigned long lowest = ~0UL;

	if (si->nr_pages < FIRST_PFN + NR_EXTENTS * EXTENT_FRAMES || mapped > FIRST_PFN) {
		xtest_error("%lu pages, about %lu mapped: not the layout this test needs",
			    si->nr_pages, mapped);
		return;
	}
	for (unsigned int n = 0; n < NR_EXTENTS; n++) {
		unsigned long pfn = FIRST_PFN + n * EXTENT_FRAMES;

		if (!exchange_extent(p2m, pfn))
			return;
		if (p2m[pfn] < lowest)
			lowest = p2m[pfn];
	}
	printk("%u extents of 2 MiB below 4 GiB, lowest at mfn %#lx\n", NR_EXTENTS, lowest);
}
