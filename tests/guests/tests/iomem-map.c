/*
 * What the hardware domain may map outside its own RAM, on a machine with
 * RAM above 4 GiB (so that firmware areas lie below the highest RAM frame):
 * every kind of region the machine's memory map does not call RAM (reserved
 * areas, ACPI tables and NVS, holes below and above 4 GiB) maps, and the
 * ACPI root table, found through the RSDP, reads back with its signature.
 * Refused: the local APIC / MSI window (the hypervisor's own device) and RAM
 * frames that are not ours (the hypervisor's, free, or another domain's).
 */
#include "xtest.h"

TEST_MEM("6G");

#define HC_memory_op 12
#define XENMEM_machine_memory_map 10
#define UVMF_INVLPG 2
#define EPERM 1
#define EBUSY 16
#define M2P_START 0xffff800000000000UL
#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3
#define E820_NVS 4
#define MAX_E820 64
#define FOUR_GIB_MFN 0x100000UL
#define LAPIC_MFN 0xfee00UL
#define HT_FIRST_MFN 0xfd00000UL /* AMD's HyperTransport range, denied on AMD */

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

struct memory_map {
	unsigned int nr_entries;
	void *buffer;
};

static struct e820_entry map[MAX_E820];
static unsigned int nr_map;
static char scratch[4096] __attribute__((aligned(4096)));
static unsigned long scratch_mfn;

static unsigned long first_mfn(const struct e820_entry *e)
{
	return (e->addr + 4095) >> 12;
}

static unsigned long end_mfn(const struct e820_entry *e)
{
	return (e->addr + e->size) >> 12;
}

/* Map machine frame @mfn read-only at the scratch page: 0 or -errno. */
static long map_frame(unsigned long mfn)
{
	return hypercall_update_va_mapping((unsigned long)scratch, (mfn << 12) | PTE_P | PTE_US,
					   UVMF_INVLPG);
}

static void restore_scratch(void)
{
	long rc = hypercall_update_va_mapping((unsigned long)scratch,
					      (scratch_mfn << 12) | PTE_P | PTE_RW | PTE_US,
					      UVMF_INVLPG);

	if (rc)
		xtest_error("restoring the scratch page gave %ld", rc);
}

static bool read_map(void)
{
	struct memory_map mm = { MAX_E820, map };
	long rc = hypercall(HC_memory_op, XENMEM_machine_memory_map, (unsigned long)&mm, 0, 0, 0);

	if (rc || !mm.nr_entries) {
		xtest_error("machine_memory_map gave %ld (%u entries)", rc, mm.nr_entries);
		return false;
	}
	nr_map = mm.nr_entries;
	return true;
}

static unsigned long ram_top_mfn(void)
{
	unsigned long top = 0;

	for (unsigned int i = 0; i < nr_map; i++)
		if (map[i].type == E820_RAM && end_mfn(&map[i]) > top)
			top = end_mfn(&map[i]);
	return top;
}

static bool in_map(unsigned long mfn)
{
	for (unsigned int i = 0; i < nr_map; i++)
		if (mfn >= (map[i].addr >> 12) && mfn < ((map[i].addr + map[i].size + 4095) >> 12))
			return true;
	return false;
}

/* Is @mfn in a range the hardware domain is denied on this machine? */
static bool denied_io(unsigned long mfn)
{
	return (mfn >= LAPIC_MFN && mfn <= 0xfeeffUL) || mfn >= HT_FIRST_MFN ||
	       (mfn >= 0xfec00UL && mfn < 0xfed00UL); /* IO-APICs */
}

static void expect_mappable(unsigned long mfn, const char *what)
{
	long rc = map_frame(mfn);

	xtest_check(rc == 0, "mapping %s frame %#lx gave %ld, expected 0", what, mfn, rc);
	if (!rc)
		printk("mapped %s frame %#lx\n", what, mfn);
}

/* One frame of every non-RAM entry, and of the holes between entries. */
static void check_firmware_regions(unsigned long top)
{
	unsigned int below_top = 0, holes = 0;

	for (unsigned int i = 0; i < nr_map; i++) {
		const struct e820_entry *e = &map[i];
		unsigned long mfn = e->addr >> 12, next = i + 1 < nr_map ? map[i + 1].addr >> 12 : 0;
		static const char *const names[] = { "?", "RAM", "reserved", "ACPI", "NVS" };

		if ((e->type == E820_RESERVED || e->type == E820_ACPI || e->type == E820_NVS) &&
		    !denied_io(mfn)) {
			expect_mappable(mfn, names[e->type]);
			below_top += mfn >= 0x100 && mfn < top;
		}
		/* a hole: the frame after this entry, when no entry holds it */
		if (end_mfn(e) < next && !in_map(end_mfn(e) + 1) && !denied_io(end_mfn(e) + 1)) {
			expect_mappable(end_mfn(e) + 1, end_mfn(e) + 1 < top ? "hole" : "high hole");
			holes++;
		}
	}
	xtest_check(below_top > 0, "no firmware region between RAM ranges (RAM top %#lx)", top);
	xtest_check(holes > 0, "no hole in the memory map");
	if (!in_map(top + 0x100) && !denied_io(top + 0x100))
		expect_mappable(top + 0x100, "above-RAM");
}

static bool sig_at(const char *p, const char *sig, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (p[i] != sig[i])
			return false;
	return true;
}

/* The RSDP in the BIOS area (0xe0000-0xfffff), or 0 (e.g. under UEFI). */
static uint64_t find_rsdp(void)
{
	for (unsigned long mfn = 0xe0; mfn < 0x100; mfn++) {
		if (map_frame(mfn))
			return 0;
		for (unsigned int off = 0; off < 4096; off += 16)
			if (sig_at(scratch + off, "RSD PTR ", 8))
				return (mfn << 12) + off;
	}
	return 0;
}

/* The RSDT or XSDT that the RSDP names: where Linux reads ACPI first. */
static void check_acpi_root(void)
{
	uint64_t rsdp = find_rsdp(), root;
	long rc;

	if (!rsdp) {
		printk("no RSDP in the BIOS area (UEFI firmware): root table not checked\n");
		return;
	}
	rc = map_frame(rsdp >> 12);
	if (rc) {
		xtest_fail("remapping the RSDP's frame gave %ld", rc);
		return;
	}
	root = *(const uint32_t *)(scratch + (rsdp & 4095) + 16); /* RsdtAddress */
	rc = map_frame(root >> 12);
	xtest_check(rc == 0, "mapping the ACPI root table at %#lx gave %ld", (unsigned long)root,
		    rc);
	if (rc)
		return;
	xtest_check(sig_at(scratch + (root & 4095), "RSDT", 4),
		    "no RSDT signature at %#lx through the mapping", (unsigned long)root);
	printk("ACPI RSDT at %#lx reads back\n", (unsigned long)root);
}

/* A RAM frame the M2P does not give to one of our pages, at or above @from. */
static unsigned long foreign_ram(unsigned long from, unsigned long to)
{
	const unsigned long *m2p = (const unsigned long *)M2P_START;
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;
	unsigned long nr = xtest_start_info->nr_pages;

	for (unsigned int i = 0; i < nr_map; i++) {
		const struct e820_entry *e = &map[i];

		if (e->type != E820_RAM)
			continue;
		for (unsigned long mfn = first_mfn(e); mfn < end_mfn(e); mfn += 0x1000) {
			if (mfn < from || mfn >= to)
				continue;
			if (m2p[mfn] >= nr || p2m[m2p[mfn]] != mfn)
				return mfn;
		}
	}
	return 0;
}

static void check_refusals(unsigned long top)
{
	unsigned long low = foreign_ram(0x1000, FOUR_GIB_MFN), high = foreign_ram(FOUR_GIB_MFN, top);
	long rc;

	rc = map_frame(LAPIC_MFN);
	xtest_check(rc == -EPERM, "mapping the local APIC gave %ld, expected -EPERM", rc);
	xtest_check(low && high, "no foreign RAM frame below (%#lx) and above (%#lx) 4 GiB", low,
		    high);
	if (low) {
		rc = map_frame(low);
		xtest_check(rc == -EBUSY, "mapping RAM frame %#lx gave %ld, expected -EBUSY", low,
			    rc);
	}
	if (high) {
		rc = map_frame(high);
		xtest_check(rc == -EBUSY, "mapping RAM frame %#lx gave %ld, expected -EBUSY", high,
			    rc);
	}
}

void test_main(void)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;
	unsigned long top;

	scratch[0] = 0;
	scratch_mfn = p2m[((unsigned long)scratch - 0xffffffff80000000UL) >> 12];
	if (!read_map())
		return;
	top = ram_top_mfn();
	printk("RAM top %#lx, %u map entries\n", top, nr_map);
	if (top <= FOUR_GIB_MFN) {
		xtest_fail("no RAM above 4 GiB (top %#lx): TEST_MEM not applied", top);
		return;
	}
	check_firmware_regions(top);
	check_acpi_root();
	check_refusals(top);
	restore_scratch();
}
