/*
 * Grant tables from inside a guest, a grant to itself: map it (by virtual
 * address, by PTE machine address, read-only, device only), write through
 * the mapping and read the granting page, GTF_reading / GTF_writing in the
 * entry while mapped, the PTE's available bits, unmap and double unmap,
 * copy in and out of a grant, swap_grant_ref, and the refusals with their
 * GNTST_* codes.
 */
#include "xtest.h"

#define HC_mmuext_op 26
#define MMUEXT_INVLPG_LOCAL 7
#define DOMID_SELF 0x7ff0
#define VIRT_BASE 0xffffffff80000000UL
#define M2P_START 0xffff800000000000UL
#define ADDR_MASK 0x000ffffffffff000UL
#define REF 10 /* a reference outside the 8 the toolstack reserves */


/* 0: the grant table, 1: the granted page, 2-3: where it gets mapped, 4: copy source */
static char pages[5][4096] __attribute__((aligned(4096)));
static volatile struct grant_entry_v1 *table;
static uint64_t saved_pte[5];

static long gnttab_op(unsigned int cmd, void *arg, unsigned int count)
{
	return hypercall(HC_grant_table_op, cmd, (unsigned long)arg, count, 0, 0);
}

static void invlpg(const void *va)
{
	unsigned long op[3] = { MMUEXT_INVLPG_LOCAL, (unsigned long)va, 0 };

	hypercall(HC_mmuext_op, (unsigned long)op, 1, 0, DOMID_SELF, 0);
}

static uint64_t *va_of_mfn(unsigned long mfn)
{
	return (uint64_t *)(VIRT_BASE + (((const unsigned long *)M2P_START)[mfn] << 12));
}

/* Machine address of the L1 entry that maps @va. */
static uint64_t l1e_maddr(const void *va)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;
	unsigned long v = (unsigned long)va,
		      mfn = p2m[(xtest_start_info->pt_base - VIRT_BASE) >> 12];

	for (int shift = 39; shift >= 21; shift -= 9)
		mfn = (va_of_mfn(mfn)[(v >> shift) & 511] & ADDR_MASK) >> 12;
	return (mfn << 12) + ((v >> 12) & 511) * 8;
}

static uint64_t pte_of(const void *va)
{
	uint64_t ma = l1e_maddr(va);

	return va_of_mfn(ma >> 12)[(ma & 4095) / 8];
}

static unsigned long mfn_of(const void *va)
{
	return (pte_of(va) & ADDR_MASK) >> 12;
}

static void poke(void *p)
{
	*(volatile char *)p = 1;
}

static bool writable(void *p)
{
	struct xtest_fault f;

	return !xtest_catch(poke, p, &f);
}

static struct gnttab_map_grant_ref map(uint64_t addr, uint32_t flags, uint32_t ref, uint16_t dom)
{
	struct gnttab_map_grant_ref m = { .host_addr = addr,
					  .flags = flags,
					  .ref = ref,
					  .dom = dom,
					  .status = 99,
					  .handle = ~0u };
	long rc = gnttab_op(GNTTABOP_map_grant_ref, &m, 1);

	xtest_check(rc == 0, "map_grant_ref returned %ld", rc);
	return m;
}

static int16_t unmap(uint64_t addr, uint64_t dev_bus_addr, uint32_t handle)
{
	struct gnttab_unmap_grant_ref u = { addr, dev_bus_addr, handle, 99 };
	long rc = gnttab_op(GNTTABOP_unmap_grant_ref, &u, 1);

	xtest_check(rc == 0, "unmap_grant_ref returned %ld", rc);
	return u.status;
}

static void grant(uint32_t ref, uint16_t flags, uint16_t domid, unsigned long frame)
{
	table[ref].domid = domid;
	table[ref].frame = (uint32_t)frame;
	__asm__ volatile("" ::: "memory");
	table[ref].flags = flags;
}

static void restore(int i)
{
	long rc = hypercall_update_va_mapping((unsigned long)pages[i], saved_pte[i], UVMF_INVLPG);

	xtest_check(rc == 0, "restoring page %d's mapping: %ld", i, rc);
}

static bool setup(void)
{
	struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 1, .status = 99 };
	unsigned long frame = 0;
	long rc;

	s.frame_list = &frame;
	rc = gnttab_op(GNTTABOP_setup_table, &s, 1);
	if (rc || s.status != GNTST_okay) {
		xtest_fail("setup_table: rc %ld status %d", rc, s.status);
		return false;
	}
	for (int i = 0; i < 5; i++)
		saved_pte[i] = pte_of(pages[i]);
	rc = hypercall_update_va_mapping(
	    (unsigned long)pages[0], (frame << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG);
	if (rc) {
		xtest_fail("mapping the grant table: %ld", rc);
		return false;
	}
	table = (volatile struct grant_entry_v1 *)pages[0];
	return true;
}

/* Map by virtual address, write through it, see it in the granting page. */
static void check_map_va(void)
{
	struct gnttab_map_grant_ref m;
	uint64_t pte;

	grant(REF, GTF_permit_access, 0, mfn_of(pages[1]));
	m = map((unsigned long)pages[2], GNTMAP_host_map | (5u << 16), REF, 0);
	xtest_check(m.status == GNTST_okay, "map by VA: status %d", m.status);
	if (m.status != GNTST_okay)
		return;
	xtest_check(table[REF].flags == (GTF_permit_access | GTF_reading | GTF_writing),
		    "flags while mapped writable: %#x", table[REF].flags);
	invlpg(pages[2]);
	pte = pte_of(pages[2]);
	xtest_check((pte & ADDR_MASK) >> 12 == mfn_of(pages[1]), "PTE %#lx maps the wrong frame",
		    (unsigned long)pte);
	xtest_check((pte & PTE_RW) && ((pte >> 9) & 7) == 5,
		    "PTE %#lx: not writable or available bits not 5", (unsigned long)pte);
	memcpy(pages[2], "granted to self", 16);
	xtest_check(memcmp(pages[1], "granted to self", 16) == 0,
		    "write through the grant mapping not seen in the granting page");
	((volatile char *)pages[1])[100] = 'x';
	xtest_check(((volatile char *)pages[2])[100] == 'x',
		    "granting page's write not seen through the mapping");

	xtest_check(unmap((unsigned long)pages[2], 0, m.handle) == GNTST_okay, "unmap failed");
	xtest_check(table[REF].flags == GTF_permit_access, "flags after unmap: %#x",
		    table[REF].flags);
	xtest_check(!(pte_of(pages[2]) & PTE_P), "PTE still present after unmap: %#lx",
		    (unsigned long)pte_of(pages[2]));
	xtest_check(unmap((unsigned long)pages[2], 0, m.handle) == GNTST_bad_handle,
		    "double unmap not refused with bad_handle");
	restore(2);
}

/* Map through the PTE's machine address, read-only. */
static void check_map_pte_ro(void)
{
	uint64_t pte_ma = l1e_maddr(pages[3]);
	struct gnttab_map_grant_ref m;

	grant(REF, GTF_permit_access | GTF_readonly, 0, mfn_of(pages[1]));
	m = map(pte_ma, GNTMAP_host_map | GNTMAP_contains_pte, REF, 0);
	xtest_check(m.status == GNTST_general_error,
		    "writable map of a read-only grant: status %d, expected general_error",
		    m.status);
	xtest_check(table[REF].flags == (GTF_permit_access | GTF_readonly),
		    "flags after the refused map: %#x", table[REF].flags);
	m = map(pte_ma, GNTMAP_host_map | GNTMAP_contains_pte | GNTMAP_readonly, REF, 0);
	xtest_check(m.status == GNTST_okay, "read-only map by PTE: status %d", m.status);
	if (m.status != GNTST_okay)
		return;
	xtest_check(table[REF].flags == (GTF_permit_access | GTF_readonly | GTF_reading),
		    "flags while mapped read-only: %#x", table[REF].flags);
	invlpg(pages[3]);
	((volatile char *)pages[1])[200] = 'r';
	xtest_check(((volatile char *)pages[3])[200] == 'r',
		    "read-only mapping does not show the page");
	xtest_check(!writable(pages[3]), "read-only grant mapping is writable");
	xtest_check(unmap(pte_ma, 0, m.handle) == GNTST_okay, "unmap by PTE failed");
	xtest_check(table[REF].flags == (GTF_permit_access | GTF_readonly),
		    "flags after unmap: %#x", table[REF].flags);
	restore(3);
}

/* A device mapping: the bus address is the machine address (no IOMMU). */
static void check_device_map(void)
{
	struct gnttab_map_grant_ref m;
	int16_t st;

	grant(REF, GTF_permit_access, 0, mfn_of(pages[1]));
	m = map(0, GNTMAP_device_map, REF, 0);
	xtest_check(m.status == GNTST_okay, "device map: status %d", m.status);
	if (m.status != GNTST_okay)
		return;
	xtest_check(m.dev_bus_addr == (uint64_t)mfn_of(pages[1]) << 12,
		    "dev_bus_addr %#lx, expected %#lx", (unsigned long)m.dev_bus_addr,
		    mfn_of(pages[1]) << 12);
	xtest_check(table[REF].flags == (GTF_permit_access | GTF_reading | GTF_writing),
		    "flags while device-mapped: %#x", table[REF].flags);
	st = unmap(0, m.dev_bus_addr + 4096, m.handle);
	xtest_check(st == GNTST_bad_dev_addr,
		    "unmap with the wrong bus address: status %d, expected bad_dev_addr", st);
	xtest_check(unmap(0, m.dev_bus_addr, m.handle) == GNTST_okay, "device unmap failed");
	xtest_check(table[REF].flags == GTF_permit_access, "flags after device unmap: %#x",
		    table[REF].flags);
}

static void check_map_refusals(void)
{
	struct gnttab_map_grant_ref m;

	grant(REF, GTF_permit_access, 0x1234, mfn_of(pages[1]));
	m = map((unsigned long)pages[2], GNTMAP_host_map, REF, 0);
	xtest_check(m.status == GNTST_general_error, "grant for another domain: status %d",
		    m.status);
	xtest_check(table[REF].flags == GTF_permit_access, "refused map left flags %#x",
		    table[REF].flags);
	grant(REF, 0, 0, mfn_of(pages[1]));
	m = map((unsigned long)pages[2], GNTMAP_host_map, REF, 0);
	xtest_check(m.status == GNTST_general_error, "invalid entry: status %d", m.status);
	grant(REF, GTF_permit_access, 0, mfn_of(pages[1]));
	m = map((unsigned long)pages[2], GNTMAP_host_map, 512 * 64, 0);
	xtest_check(m.status == GNTST_bad_gntref, "ref past the table: status %d", m.status);
	m = map((unsigned long)pages[2], GNTMAP_readonly, REF, 0);
	xtest_check(m.status == GNTST_bad_gntref, "neither host nor device map: status %d",
		    m.status);
	m = map((unsigned long)pages[2], GNTMAP_host_map, REF, 0x1234);
	xtest_check(m.status == GNTST_bad_domain, "unknown domain: status %d", m.status);
	m = map((unsigned long)pages[2], GNTMAP_host_map, REF, DOMID_SELF);
	xtest_check(m.status == GNTST_bad_domain, "DOMID_SELF (Xen refuses it here): status %d",
		    m.status);
	m = map(l1e_maddr(pages[2]) + 4, GNTMAP_host_map | GNTMAP_contains_pte, REF, 0);
	xtest_check(m.status == GNTST_general_error, "misaligned PTE address: status %d", m.status);
	m = map(0xffff800000000000UL, GNTMAP_host_map, REF, 0);
	xtest_check(m.status == GNTST_general_error, "hypervisor address: status %d", m.status);
	xtest_check(table[REF].flags == GTF_permit_access, "refused maps left flags %#x",
		    table[REF].flags);
	grant(REF, GTF_permit_access, 0, 0xffffff0); /* far past the machine's RAM */
	m = map((unsigned long)pages[2], GNTMAP_host_map, REF, 0);
	xtest_check(m.status == GNTST_bad_page, "granting a frame that is not RAM: status %d",
		    m.status);
	xtest_check(table[REF].flags == GTF_permit_access, "bad_page left flags %#x",
		    table[REF].flags);
	xtest_check(unmap((unsigned long)pages[2], 0, 0xffffff) == GNTST_bad_handle,
		    "unmap of a handle never given not refused");
	restore(2);
}

static int16_t copy(unsigned long src, uint16_t sdom, uint16_t soff, unsigned long dst,
		    uint16_t ddom, uint16_t doff, uint16_t len, uint16_t flags)
{
	struct gnttab_copy c = { { src, sdom, soff }, { dst, ddom, doff }, len, flags, 99 };
	long rc = gnttab_op(GNTTABOP_copy, &c, 1);

	xtest_check(rc == 0, "copy returned %ld", rc);
	return c.status;
}

static void check_copy(void)
{
	unsigned long src = mfn_of(pages[4]);
	int16_t st;

	grant(REF, GTF_permit_access, 0, mfn_of(pages[1]));
	memcpy(pages[4] + 8, "copied by gnttab", 17);
	st = copy(src, DOMID_SELF, 8, REF, 0, 1000, 17, GNTCOPY_dest_gref);
	xtest_check(st == GNTST_okay, "copy into the grant: status %d", st);
	xtest_check(memcmp(pages[1] + 1000, "copied by gnttab", 17) == 0,
		    "copy into the grant did not land");
	xtest_check(table[REF].flags == GTF_permit_access, "flags after copy: %#x",
		    table[REF].flags);
	memcpy(pages[1] + 3000, "and back out", 13);
	st = copy(REF, 0, 3000, src, DOMID_SELF, 50, 13, GNTCOPY_source_gref);
	xtest_check(st == GNTST_okay && memcmp(pages[4] + 50, "and back out", 13) == 0,
		    "copy out of the grant: status %d", st);

	st = copy(src, DOMID_SELF, 4000, REF, 0, 0, 200, GNTCOPY_dest_gref);
	xtest_check(st == GNTST_bad_copy_arg, "copy across a page end: status %d", st);
	st = copy(src, 0, 0, REF, 0, 0, 8, GNTCOPY_dest_gref);
	xtest_check(st == GNTST_permission_denied, "frame named by domain id: status %d", st);
	st = copy(src, DOMID_SELF, 0, 512 * 64, 0, 0, 8, GNTCOPY_dest_gref);
	xtest_check(st == GNTST_bad_gntref, "copy to a ref past the table: status %d", st);
	grant(REF, GTF_permit_access | GTF_readonly, 0, mfn_of(pages[1]));
	st = copy(src, DOMID_SELF, 0, REF, 0, 0, 8, GNTCOPY_dest_gref);
	xtest_check(st == GNTST_general_error, "copy into a read-only grant: status %d", st);
	xtest_check(table[REF].flags == (GTF_permit_access | GTF_readonly),
		    "refused copy left flags %#x", table[REF].flags);
	st = copy(REF, 0, 0, src, DOMID_SELF, 0, 8, GNTCOPY_source_gref);
	xtest_check(st == GNTST_okay, "copy out of a read-only grant: status %d", st);
	table[REF].flags = 0;
}

struct gnttab_swap_grant_ref {
	uint32_t ref_a, ref_b;
	int16_t status;
};

static void check_swap(void)
{
	struct gnttab_swap_grant_ref sw[2] = { { REF, REF + 1, 99 }, { REF, 512 * 64, 99 } };
	struct gnttab_map_grant_ref m;
	long rc;

	grant(REF, GTF_permit_access, 0, mfn_of(pages[1]));
	grant(REF + 1, GTF_permit_access | GTF_readonly, 0x1234, mfn_of(pages[4]));
	rc = gnttab_op(GNTTABOP_swap_grant_ref, sw, 2);
	xtest_check(rc == 0 && sw[0].status == GNTST_okay && sw[1].status == GNTST_bad_gntref,
		    "swap: rc %ld statuses %d %d", rc, sw[0].status, sw[1].status);
	xtest_check(table[REF].domid == 0x1234 && table[REF + 1].domid == 0 &&
			table[REF + 1].frame == mfn_of(pages[1]) &&
			table[REF].flags == (GTF_permit_access | GTF_readonly),
		    "entries not swapped");
	m = map(0, GNTMAP_device_map, REF + 1, 0);
	xtest_check(m.status == GNTST_okay, "device map of the swapped entry: %d", m.status);
	rc = gnttab_op(GNTTABOP_swap_grant_ref, sw, 1);
	xtest_check(rc == 0 && sw[0].status == GNTST_eagain,
		    "swap of an entry in use: rc %ld status %d, expected eagain", rc, sw[0].status);
	if (m.status == GNTST_okay)
		unmap(0, m.dev_bus_addr, m.handle);
	table[REF].flags = 0;
	table[REF + 1].flags = 0;
}

void test_main(void)
{
	if (!setup())
		return;
	check_map_va();
	check_map_pte_ro();
	check_device_map();
	check_map_refusals();
	check_copy();
	check_swap();
	restore(0);
}
