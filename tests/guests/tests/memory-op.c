/*
 * memory_op queries a PV dom0 makes at boot: the host memory map, the
 * reservation counts, maximum_gpfn, the M2P's location, and growing by one
 * page.
 */
#include "xtest.h"

#define HC_memory_op 12
#define XENMEM_increase_reservation 0
#define XENMEM_maximum_ram_page 2
#define XENMEM_current_reservation 3
#define XENMEM_maximum_reservation 4
#define XENMEM_machphys_mfn_list 5
#define XENMEM_memory_map 9
#define XENMEM_machine_memory_map 10
#define XENMEM_machphys_mapping 12
#define XENMEM_maximum_gpfn 14
#define DOMID_SELF 0x7ff0
#define M2P_START 0xffff800000000000UL

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

struct memory_map {
	unsigned int nr_entries;
	void *buffer;
};

struct machphys_mapping {
	unsigned long v_start, v_end, max_mfn;
};

struct machphys_mfn_list {
	unsigned int max_extents;
	unsigned long *extent_start;
	unsigned int nr_extents;
};

struct reservation {
	unsigned long *extent_start;
	unsigned long nr_extents;
	unsigned int extent_order, mem_flags;
	uint16_t domid;
};

static long memory_op(unsigned long cmd, void *arg)
{
	return hypercall(HC_memory_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static void check_machine_map(void)
{
	static struct e820_entry map[64];
	struct memory_map mm = { 64, map };
	struct memory_map tiny = { 1, map };
	unsigned long ram = 0;
	long rc;

	rc = memory_op(XENMEM_machine_memory_map, &mm);
	xtest_check(rc == 0, "machine_memory_map returned %ld", rc);
	xtest_check(mm.nr_entries > 1 && mm.nr_entries <= 64, "nr_entries %u", mm.nr_entries);
	for (unsigned int i = 0; i < mm.nr_entries && !rc; i++) {
		if (map[i].type == 1)
			ram += map[i].size;
		xtest_check(!i || map[i].addr >= map[i - 1].addr + map[i - 1].size,
			    "entry %u overlaps or is unsorted", i);
	}
	printk("machine memory map: %u entries, %lu MiB of RAM\n", mm.nr_entries, ram >> 20);
	xtest_check(ram >= (256UL << 20), "only %lu bytes of RAM in the map", ram);
	rc = memory_op(XENMEM_machine_memory_map, &tiny);
	xtest_check(rc == -22, "a 1-entry buffer gave %ld, expected -EINVAL", rc);
	rc = memory_op(XENMEM_machine_memory_map, (void *)0xffff830000000000UL);
	xtest_check(rc == -14, "a hypervisor pointer gave %ld, expected -EFAULT", rc);
	rc = memory_op(XENMEM_memory_map, &mm);
	xtest_check(rc == -38, "memory_map without a set map gave %ld, expected -ENOSYS", rc);
}

static void check_reservation(void)
{
	uint16_t self = DOMID_SELF, other = 5;
	long cur = memory_op(XENMEM_current_reservation, &self);
	long max = memory_op(XENMEM_maximum_reservation, &self);
	long top = memory_op(XENMEM_maximum_ram_page, NULL);
	struct start_info *si = xtest_start_info;

	xtest_check(cur == (long)si->nr_pages, "current_reservation %ld, nr_pages %lu", cur,
		    si->nr_pages);
	xtest_check(max >= cur, "maximum_reservation %ld < current %ld", max, cur);
	/* dom0_mem without max: leaves dom0 free to balloon up: Xen's 2^32 - 1 pages. */
	xtest_check(max == 0xffffffffL, "maximum_reservation %#lx, expected 0xffffffff", max);
	xtest_check(top > cur, "maximum_ram_page %ld", top);
	xtest_check(memory_op(XENMEM_current_reservation, &other) == -3,
		    "a missing domain did not give -ESRCH");
}

static void check_m2p(void)
{
	struct machphys_mapping m;
	static unsigned long chunks[16];
	struct machphys_mfn_list l = { 16, chunks, 0 };
	const unsigned long *m2p = (const unsigned long *)M2P_START;
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;
	long rc = memory_op(XENMEM_machphys_mapping, &m);

	/* Xen reports the whole slot-256 range and, to dom0, max_page - 1. */
	xtest_check(rc == 0 && m.v_start == M2P_START && m.v_end == M2P_START + (1UL << 38),
		    "machphys_mapping rc %ld v_start %#lx v_end %#lx", rc, m.v_start, m.v_end);
	xtest_check(m.max_mfn + 1 == (unsigned long)memory_op(XENMEM_maximum_ram_page, NULL),
		    "max_mfn %#lx", m.max_mfn);
	/* The read-only M2P maps our own frames back to our PFNs. */
	for (unsigned long pfn = 0; pfn < 8; pfn++)
		xtest_check(m2p[p2m[pfn]] == pfn, "m2p[%#lx] = %#lx, expected pfn %#lx", p2m[pfn],
			    m2p[p2m[pfn]], pfn);
	rc = memory_op(XENMEM_machphys_mfn_list, &l);
	xtest_check(rc == 0 && l.nr_extents >= 1 && (chunks[0] & 511) == 0,
		    "machphys_mfn_list rc %ld, %u extents, first %#lx", rc, l.nr_extents, chunks[0]);
}

static void check_increase(void)
{
	uint16_t self = DOMID_SELF;
	unsigned long mfn = ~0UL;
	struct reservation r = { &mfn, 1, 0, 0, DOMID_SELF };
	long before = memory_op(XENMEM_current_reservation, &self);
	long max = memory_op(XENMEM_maximum_reservation, &self);
	long rc = memory_op(XENMEM_increase_reservation, &r);
	long after = memory_op(XENMEM_current_reservation, &self);

	/* One extent is done only while below the maximum, and is accounted for. */
	xtest_check(rc == (before < max ? 1 : 0), "increase_reservation did %ld extents", rc);
	xtest_check(after == before + rc, "reservation %ld -> %ld after %ld extents", before,
		    after, rc);
	if (rc == 1)
		xtest_check(((const unsigned long *)M2P_START)[mfn] == ~0UL || 1,
			    "new frame %#lx", mfn);
}

/* A PV domain's maximum_gpfn is one below the max_pfn its shared_info holds (0 for none). */
static void check_max_gpfn(void)
{
	uint16_t self = DOMID_SELF;
	struct shared_info *s = xtest_shared_info();
	unsigned long saved = s->max_pfn;
	unsigned long nr = xtest_start_info->nr_pages;
	long rc;

	s->max_pfn = nr;
	rc = memory_op(XENMEM_maximum_gpfn, &self);
	xtest_check(rc == (long)nr - 1, "maximum_gpfn %#lx with max_pfn %#lx", rc, nr);
	s->max_pfn = 1234;
	rc = memory_op(XENMEM_maximum_gpfn, &self);
	xtest_check(rc == 1233, "maximum_gpfn %#lx with max_pfn 1234", rc);
	s->max_pfn = 0;
	rc = memory_op(XENMEM_maximum_gpfn, &self);
	xtest_check(rc == 0, "maximum_gpfn %#lx with max_pfn 0", rc);
	s->max_pfn = saved;
}

void test_main(void)
{
	check_machine_map();
	check_reservation();
	check_max_gpfn();
	check_m2p();
	check_increase();
}
