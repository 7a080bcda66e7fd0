/*
 * ACPI power-off discovery (xen/common/acpi_tables.c) over synthetic tables
 * in a fake physical memory. map() hands out an exact-size heap copy of each
 * range asked for, so any read beyond what the code mapped is an ASan error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "acpi.h"
#include "errno.h"
#include "shim.h"

#define MEM_SIZE 0x110000
#define RSDP_PA 0xf0000
#define RSDT_PA 0x100000
#define XSDT_PA 0x100100
#define APIC_PA 0x100800
#define FADT_PA 0x101000
#define FADT2_PA 0x101400
#define DSDT_PA 0x102000
#define DSDT2_PA 0x104000

static uint8_t *mem;
static void *maps[4096];
static int nmaps;
static size_t biggest_map;

static const void *map(u64 pa, size_t len)
{
	void *p;

	if (len > biggest_map)
		biggest_map = len;
	if (pa > MEM_SIZE || len > MEM_SIZE - pa || nmaps == (int)ARRAY_SIZE(maps))
		return NULL;
	p = malloc(len ? len : 1);
	memcpy(p, mem + pa, len);
	maps[nmaps++] = p;
	return p;
}

static void put32(u64 pa, uint32_t v)
{
	memcpy(mem + pa, &v, 4);
}

static void put64(u64 pa, uint64_t v)
{
	memcpy(mem + pa, &v, 8);
}

static void fix_sum(u64 pa, size_t len, size_t at)
{
	uint8_t s = 0;

	mem[pa + at] = 0;
	for (size_t i = 0; i < len; i++)
		s += mem[pa + i];
	mem[pa + at] = (uint8_t)-s;
}

static void sdt(u64 pa, const char *sig, uint32_t len)
{
	memset(mem + pa, 0, 36);
	memcpy(mem + pa, sig, 4);
	put32(pa + 4, len);
	mem[pa + 8] = 2;
	memcpy(mem + pa + 10, "PETREL", 6);
}

static void seal(u64 pa)
{
	uint32_t len;

	memcpy(&len, mem + pa + 4, 4);
	fix_sum(pa, len, 9);
}

static void rsdp_v1(u64 pa, uint32_t rsdt)
{
	memset(mem + pa, 0, 36);
	memcpy(mem + pa, "RSD PTR ", 8);
	memcpy(mem + pa + 9, "PETREL", 6);
	mem[pa + 15] = 0;
	put32(pa + 16, rsdt);
	fix_sum(pa, 20, 8);
}

static void rsdp_v2(u64 pa, uint32_t rsdt, uint64_t xsdt)
{
	rsdp_v1(pa, rsdt);
	mem[pa + 15] = 2;
	put32(pa + 20, 36);
	put64(pa + 24, xsdt);
	fix_sum(pa, 20, 8);
	fix_sum(pa, 36, 32);
}

/* FADT of @len bytes with legacy PM1 blocks and the DSDT pointer. */
static void fadt(u64 pa, uint32_t len, uint32_t dsdt, uint32_t pm1a, uint32_t pm1b)
{
	memset(mem + pa, 0, len);
	sdt(pa, "FACP", len);
	put32(pa + 40, dsdt);
	put32(pa + 64, pm1a);
	put32(pa + 68, pm1b);
	seal(pa);
}

static void gas(u64 pa, uint8_t space, uint64_t addr)
{
	mem[pa] = space;
	mem[pa + 1] = 16;
	mem[pa + 3] = 2;
	put64(pa + 4, addr);
}

/* The usual QEMU-style \_S5_: Name(_S5, Package(4) {5, 5, 0, 0}), with junk around it. */
static const uint8_t aml_s5[] = {
	0x10, 0x5f, 0x53, 0x35, 0x5f, 0x00, /* "_S5_" after a non-Name op: not it */
	0x0d, '_',  'S',  '5',	'_',  0x00, /* inside a string: not it either */
	0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x0a, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
};

static void dsdt(u64 pa, const uint8_t *aml, size_t n)
{
	sdt(pa, "DSDT", (uint32_t)(36 + 8 + n));
	memset(mem + pa + 36, 0xa3, 8); /* filler (NoopOp) */
	memcpy(mem + pa + 44, aml, n);
	seal(pa);
}

/* A v1 RSDP -> RSDT {APIC, FACP} -> FADT (116 bytes) -> DSDT. */
static int setup(void **state)
{
	(void)state;
	mem = calloc(1, MEM_SIZE);
	if (!mem)
		return -1;
	nmaps = 0;
	biggest_map = 0;
	rsdp_v1(RSDP_PA, RSDT_PA);
	sdt(RSDT_PA, "RSDT", 36 + 8);
	put32(RSDT_PA + 36, APIC_PA);
	put32(RSDT_PA + 40, FADT_PA);
	seal(RSDT_PA);
	sdt(APIC_PA, "APIC", 44);
	seal(APIC_PA);
	fadt(FADT_PA, 116, DSDT_PA, 0x604, 0);
	dsdt(DSDT_PA, aml_s5, sizeof(aml_s5));
	shim_log_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	while (nmaps)
		free(maps[--nmaps]);
	free(mem);
	return 0;
}

static int find(struct acpi_poweroff *po)
{
	memset(po, 0xee, sizeof(*po));
	return acpi_find_poweroff(RSDP_PA, map, po);
}

static void test_rsdt_path(void **state)
{
	struct acpi_poweroff po;

	(void)state;
	assert_int_equal(find(&po), 0);
	assert_int_equal(po.pm1a_cnt, 0x604);
	assert_int_equal(po.pm1b_cnt, 0);
	assert_int_equal(po.slp_typa, 5);
	assert_int_equal(po.slp_typb, 5);
	assert_true(biggest_map <= ACPI_MAX_TABLE_LEN);
}

static void test_xsdt_path(void **state)
{
	struct acpi_poweroff po;
	static const uint8_t aml[] = {
		0x08, 0x5c, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x41, 0x00, 0x02, 0x00, 0x01
	}; /* \_S5_, 2-byte PkgLength, Zero, One */

	(void)state;
	/* The XSDT leads to a second, ACPI 5 sized FADT: it must be the one used. */
	sdt(XSDT_PA, "XSDT", 36 + 16);
	put64(XSDT_PA + 36, APIC_PA);
	put64(XSDT_PA + 44, FADT2_PA);
	seal(XSDT_PA);
	rsdp_v2(RSDP_PA, RSDT_PA, XSDT_PA);
	memset(mem + FADT2_PA, 0, 276);
	sdt(FADT2_PA, "FACP", 276);
	put32(FADT2_PA + 40, DSDT_PA);
	put64(FADT2_PA + 140, DSDT2_PA); /* X_DSDT wins over DSDT */
	put32(FADT2_PA + 64, 0xb004);
	put32(FADT2_PA + 68, 0xb008);
	gas(FADT2_PA + 172, 1, 0x1004);	    /* X_PM1a_CNT in I/O space wins */
	gas(FADT2_PA + 184, 0, 0xfed00000); /* X_PM1b_CNT in memory space: ignored */
	seal(FADT2_PA);
	dsdt(DSDT2_PA, aml, sizeof(aml));
	assert_int_equal(find(&po), 0);
	assert_int_equal(po.pm1a_cnt, 0x1004);
	assert_int_equal(po.pm1b_cnt, 0xb008);
	assert_int_equal(po.slp_typa, 0);
	assert_int_equal(po.slp_typb, 1);
	/* An RSDP v2 without an XSDT falls back to the RSDT. */
	rsdp_v2(RSDP_PA, RSDT_PA, 0);
	assert_int_equal(find(&po), 0);
	assert_int_equal(po.pm1a_cnt, 0x604);
}

static void test_bad_checksums(void **state)
{
	struct acpi_poweroff po;
	static const u64 tables[] = { RSDT_PA, FADT_PA, DSDT_PA };

	(void)state;
	mem[RSDP_PA + 10] ^= 1;
	assert_int_equal(find(&po), -EINVAL);
	assert_true(shim_log_has("RSDP"));
	assert_int_equal(po.pm1a_cnt, 0xeeee); /* @out untouched on failure */
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		teardown(NULL);
		setup(NULL);
		mem[tables[i] + 20] ^= 0x40;
		assert_int_equal(find(&po), -EINVAL);
		assert_true(shim_log_has("checksum"));
	}
	/* RSDP v2: the extended checksum covers the whole structure. */
	teardown(NULL);
	setup(NULL);
	rsdp_v2(RSDP_PA, RSDT_PA, XSDT_PA);
	mem[RSDP_PA + 33] ^= 1;
	assert_int_equal(find(&po), -EINVAL);
}

static void test_bad_lengths(void **state)
{
	struct acpi_poweroff po;

	(void)state;
	/* A DSDT claiming 4 GiB: rejected without trying to map it. */
	put32(DSDT_PA + 4, 0xffffffff);
	assert_int_equal(find(&po), -EINVAL);
	assert_true(biggest_map <= ACPI_MAX_TABLE_LEN);
	assert_true(shim_log_has("bad length"));
	/* Shorter than a header. */
	put32(DSDT_PA + 4, 20);
	assert_int_equal(find(&po), -EINVAL);
	/* An FADT too short to hold the PM1 blocks. */
	teardown(NULL);
	setup(NULL);
	fadt(FADT_PA, 60, DSDT_PA, 0x604, 0);
	assert_int_equal(find(&po), -EINVAL);
	/* A table running off the end of memory: cannot be mapped. */
	teardown(NULL);
	setup(NULL);
	dsdt(MEM_SIZE - 0x100, aml_s5, sizeof(aml_s5));
	put32(MEM_SIZE - 0x100 + 4, 0x1000);
	put32(FADT_PA + 40, MEM_SIZE - 0x100);
	seal(FADT_PA);
	assert_int_equal(find(&po), -EINVAL);
	assert_true(shim_log_has("cannot map all"));
	/* The RSDT's entry count is its length: a length cut mid-entry ignores the rest. */
	teardown(NULL);
	setup(NULL);
	put32(RSDT_PA + 4, 36 + 7);
	seal(RSDT_PA);
	assert_int_equal(find(&po), -ENOENT);
	assert_true(shim_log_has("no FADT"));
	/* RSDP v2 with a silly length. */
	teardown(NULL);
	setup(NULL);
	rsdp_v2(RSDP_PA, RSDT_PA, XSDT_PA);
	put32(RSDP_PA + 20, 0x7fffffff);
	assert_int_equal(find(&po), -EINVAL);
}

static void test_missing_pieces(void **state)
{
	struct acpi_poweroff po;

	(void)state;
	/* No FADT in the RSDT. */
	put32(RSDT_PA + 40, APIC_PA);
	seal(RSDT_PA);
	assert_int_equal(find(&po), -ENOENT);
	/* No \_S5_. */
	teardown(NULL);
	setup(NULL);
	dsdt(DSDT_PA, aml_s5, 12); /* only the two decoys */
	assert_int_equal(find(&po), -ENOENT);
	assert_true(shim_log_has("_S5_"));
	/* FADT without PM1a. */
	teardown(NULL);
	setup(NULL);
	fadt(FADT_PA, 116, DSDT_PA, 0, 0);
	assert_int_equal(find(&po), -ENOENT);
	/* Not an RSDP at all, a table with the wrong signature, bad arguments. */
	teardown(NULL);
	setup(NULL);
	assert_int_equal(acpi_find_poweroff(RSDP_PA + 16, map, &po), -ENOENT);
	assert_int_equal(acpi_find_poweroff(MEM_SIZE + 0x1000, map, &po), -ENOENT);
	memcpy(mem + DSDT_PA, "SSDT", 4);
	assert_int_equal(find(&po), -ENOENT);
	assert_int_equal(acpi_find_poweroff(RSDP_PA, NULL, &po), -EINVAL);
	assert_int_equal(acpi_find_poweroff(RSDP_PA, map, NULL), -EINVAL);
	assert_int_equal(acpi_find_poweroff(0, map, &po), -EINVAL);
}

static void test_malformed_s5(void **state)
{
	struct acpi_poweroff po;
	static const struct {
		uint8_t aml[8];
		size_t n;
	} bad[] = {
		{ { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x11 }, 6 },		   /* Buffer, not Package */
		{ { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x06, 0x00 }, 8 }, /* zero elements */
		{ { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x06, 0x04 }, 8 }, /* ends after count */
		{ { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x06, 0x02 }, 8 },
		{ { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12 }, 6 },	     /* ends after PackageOp */
		{ { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0xc6 }, 7 }, /* 4-byte PkgLength cut */
		{ { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x06, 0x02 }, 8 },
	};
	static const uint8_t elem_bad[] = { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12,
					    0x06, 0x02, 0x0b, 0x05, 0x00 }; /* WordPrefix */
	static const uint8_t byte_cut[] = { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12,
					    0x06, 0x02, 0x0a, 0x05, 0x0a }; /* BytePrefix at end */

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		dsdt(DSDT_PA, bad[i].aml, bad[i].n);
		if (find(&po) != -EINVAL)
			fail_msg("malformed _S5_ case %zu accepted", i);
	}
	dsdt(DSDT_PA, elem_bad, sizeof(elem_bad));
	assert_int_equal(find(&po), -EINVAL);
	dsdt(DSDT_PA, byte_cut, sizeof(byte_cut));
	assert_int_equal(find(&po), -EINVAL);
	/* "_S5_" as the very first AML bytes: no room for a NameOp before it. */
	static const uint8_t at_start[] = { 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x06, 0x01, 0x0a, 0x05 };
	sdt(DSDT_PA, "DSDT", 36 + sizeof(at_start));
	memcpy(mem + DSDT_PA + 36, at_start, sizeof(at_start));
	seal(DSDT_PA);
	assert_int_equal(find(&po), -ENOENT);
	/* One element only: SLP_TYPb reads as 0. */
	static const uint8_t one[] = { 0x08, 0x5f, 0x53, 0x35, 0x5f, 0x12, 0x04, 0x01, 0x0a, 0x07 };
	dsdt(DSDT_PA, one, sizeof(one));
	assert_int_equal(find(&po), 0);
	assert_int_equal(po.slp_typa, 7);
	assert_int_equal(po.slp_typb, 0);
}

/* Random corruption of every table, checksums then fixed up so the parser looks deeper. */
static void test_random_corruption(void **state)
{
	static const struct {
		u64 pa;
		uint32_t len;
	} t[] = { { RSDT_PA, 44 }, { FADT_PA, 116 }, { DSDT_PA, 36 + 8 + sizeof(aml_s5) } };
	uint8_t *saved = malloc(MEM_SIZE);
	struct acpi_poweroff po;
	int ok = 0;

	(void)state;
	memcpy(saved, mem, MEM_SIZE);
	srand(4242);
	for (int iter = 0; iter < 2000; iter++) {
		memcpy(mem, saved, MEM_SIZE);
		int which = rand() % 3;
		for (int k = 0, nk = 1 + rand() % 3; k < nk; k++)
			mem[t[which].pa + (uint32_t)rand() % t[which].len] = (uint8_t)rand();
		if (rand() % 4)
			fix_sum(t[which].pa, t[which].len, 9); /* over the true length */
		int rc = find(&po);
		assert_true(rc == 0 || rc == -EINVAL || rc == -ENOENT);
		ok += rc == 0;
		assert_true(biggest_map <= ACPI_MAX_TABLE_LEN);
		while (nmaps)
			free(maps[--nmaps]);
	}
	assert_true(ok > 0 && ok < 2000);
	free(saved);
}

static void test_rsdp_bios_scan(void **state)
{
	(void)state;
	/* Nothing anywhere. */
	memset(mem + RSDP_PA, 0, 36);
	assert_true(acpi_find_rsdp_bios(map) == 0);
	/* In the BIOS area, 16-byte aligned; an unaligned or broken one is skipped. */
	rsdp_v1(0xe0008, RSDT_PA);
	assert_true(acpi_find_rsdp_bios(map) == 0);
	rsdp_v1(0xe0100, RSDT_PA);
	mem[0xe0100 + 12] ^= 1;	   /* bad checksum */
	rsdp_v1(0xfffe0, RSDT_PA); /* the last slot that fits */
	assert_true(acpi_find_rsdp_bios(map) == 0xfffe0);
	/* The EBDA (segment at 0x40e) is searched first. */
	mem[0x40e] = 0xc0;
	mem[0x40f] = 0x9f;			    /* 0x9fc0 -> 0x9fc00 */
	rsdp_v2(0x9fc00 + 0x3d0, RSDT_PA, XSDT_PA); /* ends 12 bytes before the KiB does */
	assert_true(acpi_find_rsdp_bios(map) == 0x9fc00 + 0x3d0);
	/* Only its first KiB: with the EBDA at 0x9f800 the RSDP is 0x7d0 in. */
	mem[0x40e] = 0x80;
	assert_true(acpi_find_rsdp_bios(map) == 0xfffe0);
	/* A v2 RSDP with a bad extended checksum is not taken. */
	mem[0x40e] = 0xc0;
	assert_true(acpi_find_rsdp_bios(map) == 0x9fc00 + 0x3d0);
	mem[0x9fc00 + 0x3d0 + 33] ^= 0xff;
	assert_true(acpi_find_rsdp_bios(map) == 0xfffe0);
	assert_true(acpi_find_rsdp_bios(NULL) == 0);
}

/* ---- MADT */

/* Append a MADT entry of type @type with @n payload bytes at @*off. */
static void madt_entry(uint32_t *off, uint8_t type, uint8_t len, const uint8_t *payload)
{
	mem[APIC_PA + *off] = type;
	mem[APIC_PA + *off + 1] = len;
	memcpy(mem + APIC_PA + *off + 2, payload, len - 2u);
	*off += len;
}

static void madt_ioapic(uint32_t *off, uint8_t id, uint32_t addr, uint32_t base)
{
	uint8_t p[10] = { id, 0 };

	memcpy(p + 2, &addr, 4);
	memcpy(p + 6, &base, 4);
	madt_entry(off, 1, 12, p);
}

static void madt_override(uint32_t *off, uint8_t bus, uint8_t irq, uint32_t gsi, uint16_t fl)
{
	uint8_t p[8] = { bus, irq };

	memcpy(p + 2, &gsi, 4);
	memcpy(p + 6, &fl, 2);
	madt_entry(off, 2, 10, p);
}

/* QEMU's pc machine: LAPIC entry, one IO-APIC, overrides 0->2, 5/9/10/11 level high. */
static uint32_t qemu_madt(void)
{
	static const uint8_t lapic[6] = { 0, 0, 1, 0, 0, 0 };
	static const uint8_t nmi[4] = { 0xff, 0x05, 0x00, 0x01 };
	uint32_t off = 44;

	memset(mem + APIC_PA, 0, 0x400);
	sdt(APIC_PA, "APIC", 0);
	put32(APIC_PA + 36, 0xfee00000);
	put32(APIC_PA + 40, 1);
	madt_entry(&off, 0, 8, lapic);
	madt_ioapic(&off, 0, 0xfec00000, 0);
	madt_override(&off, 0, 0, 2, 0);
	madt_override(&off, 0, 5, 5, 0xd);
	madt_override(&off, 0, 9, 9, 0xd);
	madt_override(&off, 0, 10, 10, 0xd);
	madt_override(&off, 0, 11, 11, 0xd);
	madt_entry(&off, 4, 6, nmi); /* local APIC NMI: skipped */
	put32(APIC_PA + 4, off);
	seal(APIC_PA);
	return off;
}

static void test_madt_qemu(void **state)
{
	struct acpi_madt m;

	(void)state;
	qemu_madt();
	memset(&m, 0xee, sizeof(m));
	assert_int_equal(acpi_parse_madt(RSDP_PA, map, &m), 0);
	assert_int_equal(m.lapic_addr, 0xfee00000);
	assert_int_equal(m.nr_ioapics, 1);
	assert_int_equal(m.ioapic[0].id, 0);
	assert_int_equal(m.ioapic[0].addr, 0xfec00000);
	assert_int_equal(m.ioapic[0].gsi_base, 0);
	assert_true(m.isa[0].present);
	assert_int_equal(m.isa[0].gsi, 2);
	assert_int_equal(m.isa[0].flags, 0);
	assert_true(m.isa[9].present);
	assert_int_equal(m.isa[9].gsi, 9);
	assert_int_equal(m.isa[9].flags & ACPI_INTI_TRIGGER_MASK, ACPI_INTI_TRIGGER_LEVEL);
	assert_int_equal(m.isa[9].flags & ACPI_INTI_POLARITY_MASK, ACPI_INTI_POLARITY_HIGH);
	assert_false(m.isa[1].present);
	assert_false(m.isa[8].present);
	assert_false(m.isa[4].present);
	assert_int_equal(m.nr_cpus, 1);
	assert_int_equal(m.cpu_apic_id[0], 0);
	assert_int_equal(m.cpus_disabled, 0);
}

static void madt_lapic(uint32_t *off, uint8_t acpi_id, uint8_t apic_id, uint32_t flags)
{
	uint8_t p[6] = { acpi_id, apic_id };

	memcpy(p + 2, &flags, 4);
	madt_entry(off, 0, 8, p);
}

static void madt_x2apic(uint32_t *off, uint32_t x2apic_id, uint32_t flags, uint32_t uid)
{
	uint8_t p[14] = { 0 };

	memcpy(p + 2, &x2apic_id, 4);
	memcpy(p + 6, &flags, 4);
	memcpy(p + 10, &uid, 4);
	madt_entry(off, 9, 16, p);
}

/*
 * Processors: enabled LAPIC and x2APIC entries are kept in table order;
 * disabled ones (hot-pluggable, not present) are counted; an id listed
 * twice (LAPIC and x2APIC entry for one CPU) is kept once.
 */
static void test_madt_cpus(void **state)
{
	struct acpi_madt m;
	uint32_t off = 44;

	(void)state;
	memset(mem + APIC_PA, 0, 0x400);
	sdt(APIC_PA, "APIC", 0);
	madt_lapic(&off, 0, 0, 1);
	madt_lapic(&off, 1, 2, 1);
	madt_lapic(&off, 2, 4, 0); /* disabled */
	madt_lapic(&off, 3, 6, 3); /* enabled, online capable */
	madt_x2apic(&off, 0x100, 1, 4);
	madt_x2apic(&off, 2, 1, 1);	/* the same CPU again */
	madt_x2apic(&off, 0x101, 2, 5); /* online capable only: disabled */
	madt_ioapic(&off, 0, 0xfec00000, 0);
	put32(APIC_PA + 4, off);
	seal(APIC_PA);
	assert_int_equal(acpi_parse_madt(RSDP_PA, map, &m), 0);
	assert_int_equal(m.nr_cpus, 4);
	assert_int_equal(m.cpu_apic_id[0], 0);
	assert_int_equal(m.cpu_apic_id[1], 2);
	assert_int_equal(m.cpu_apic_id[2], 6);
	assert_int_equal(m.cpu_apic_id[3], 0x100);
	assert_int_equal(m.cpu_acpi_id[0], 0);
	assert_int_equal(m.cpu_acpi_id[1], 1);
	assert_int_equal(m.cpu_acpi_id[2], 3);
	assert_int_equal(m.cpu_acpi_id[3], 4);
	assert_int_equal(m.cpus_disabled, 2);
	assert_int_equal(m.cpus_dropped, 0);
	assert_int_equal(m.nr_ioapics, 1);
}

/* More processors than kept: the first ACPI_MAX_CPUS stay, the rest are counted. */
static void test_madt_many_cpus(void **state)
{
	struct acpi_madt m;
	uint32_t off = 44;

	(void)state;
	memset(mem + APIC_PA, 0, 0x1000);
	sdt(APIC_PA, "APIC", 0);
	for (uint32_t i = 0; i < ACPI_MAX_CPUS + 3; i++)
		madt_x2apic(&off, i * 2, 1, i);
	put32(APIC_PA + 4, off);
	seal(APIC_PA);
	assert_int_equal(acpi_parse_madt(RSDP_PA, map, &m), 0);
	assert_int_equal(m.nr_cpus, ACPI_MAX_CPUS);
	assert_int_equal(m.cpus_dropped, 3);
	assert_int_equal(m.cpu_apic_id[ACPI_MAX_CPUS - 1], (ACPI_MAX_CPUS - 1) * 2);
	assert_int_equal(m.cpu_acpi_id[ACPI_MAX_CPUS - 1], ACPI_MAX_CPUS - 1);
}

/* A processor entry shorter than its fields is a corrupt table. */
static void test_madt_short_cpu_entries(void **state)
{
	struct acpi_madt m;
	uint32_t off = 44;
	static const uint8_t short_lapic[4] = { 0, 1, 1, 0 };
	static const uint8_t short_x2apic[10] = { 0 };

	(void)state;
	memset(mem + APIC_PA, 0, 0x400);
	sdt(APIC_PA, "APIC", 0);
	madt_entry(&off, 0, 6, short_lapic);
	put32(APIC_PA + 4, off);
	seal(APIC_PA);
	assert_int_equal(acpi_parse_madt(RSDP_PA, map, &m), -EINVAL);
	off = 44;
	memset(mem + APIC_PA, 0, 0x400);
	sdt(APIC_PA, "APIC", 0);
	madt_entry(&off, 9, 12, short_x2apic);
	put32(APIC_PA + 4, off);
	seal(APIC_PA);
	assert_int_equal(acpi_parse_madt(RSDP_PA, map, &m), -EINVAL);
}

static void test_madt_two_ioapics_and_odd_overrides(void **state)
{
	struct acpi_madt m;
	uint32_t off = 44;

	(void)state;
	memset(mem + APIC_PA, 0, 0x400);
	sdt(APIC_PA, "APIC", 0);
	madt_ioapic(&off, 2, 0xfec00000, 0);
	madt_ioapic(&off, 3, 0xfec01000, 24);
	madt_override(&off, 1, 3, 40, 0xf);  /* not ISA (bus 1): ignored */
	madt_override(&off, 0, 16, 16, 0xf); /* not an ISA IRQ: ignored */
	madt_override(&off, 0, 4, 20, 0xf);
	for (int i = 0; i < 10; i++) /* more IO-APICs than kept */
		madt_ioapic(&off, (uint8_t)(10 + i), 0xfec10000 + (uint32_t)i * 0x1000,
			    48 + 24u * (uint32_t)i);
	put32(APIC_PA + 4, off);
	seal(APIC_PA);
	assert_int_equal(acpi_parse_madt(RSDP_PA, map, &m), 0);
	assert_int_equal(m.nr_ioapics, ACPI_MAX_IOAPICS);
	assert_int_equal(m.ioapic[1].id, 3);
	assert_int_equal(m.ioapic[1].addr, 0xfec01000);
	assert_int_equal(m.ioapic[1].gsi_base, 24);
	assert_int_equal(m.ioapic[7].id, 15);
	assert_true(shim_log_has("ignoring the rest"));
	assert_true(m.isa[4].present);
	assert_int_equal(m.isa[4].gsi, 20);
	assert_int_equal(m.isa[4].flags, 0xf);
	assert_false(m.isa[3].present);
	assert_true(shim_log_has("bus 1 IRQ 3 ignored"));
}

static void test_madt_bad(void **state)
{
	struct acpi_madt m, before;
	uint32_t len;

	(void)state;
	memset(&m, 0x5a, sizeof(m));
	before = m;
	/* An entry that claims more bytes than the table has. */
	len = qemu_madt();
	mem[APIC_PA + len - 6 + 1] = 8;
	seal(APIC_PA);
	assert_int_equal(acpi_parse_madt(RSDP_PA, map, &m), -EINVAL);
	assert_true(shim_log_has("bad length"));
	/* A zero-length entry would loop forever. */
	qemu_madt();
	mem[APIC_PA + 44 + 1] = 0;
	seal(APIC_PA);
	assert_int_equal(acpi_parse_madt(RSDP_PA, map, &m), -EINVAL);
	/* An IO-APIC entry too short for its fields. */
	qemu_madt();
	mem[APIC_PA + 52 + 1] = 8;
	mem[APIC_PA + 52 + 8] = 0x77; /* next "entry": type 0x77, length from gsi_base */
	seal(APIC_PA);
	assert_int_equal(acpi_parse_madt(RSDP_PA, map, &m), -EINVAL);
	assert_true(shim_log_has("too short"));
	/* An override entry too short. */
	qemu_madt();
	mem[APIC_PA + 64 + 1] = 6;
	seal(APIC_PA);
	assert_int_equal(acpi_parse_madt(RSDP_PA, map, &m), -EINVAL);
	/* Bad checksum. */
	qemu_madt();
	mem[APIC_PA + 50] ^= 1;
	assert_int_equal(acpi_parse_madt(RSDP_PA, map, &m), -EINVAL);
	/* Shorter than the fixed part. */
	qemu_madt();
	put32(APIC_PA + 4, 40);
	seal(APIC_PA);
	assert_int_equal(acpi_parse_madt(RSDP_PA, map, &m), -EINVAL);
	/* No MADT at all in the RSDT. */
	qemu_madt();
	memcpy(mem + APIC_PA, "APIX", 4);
	seal(APIC_PA);
	assert_int_equal(acpi_parse_madt(RSDP_PA, map, &m), -ENOENT);
	assert_true(shim_log_has("no MADT"));
	assert_int_equal(acpi_parse_madt(0, map, &m), -EINVAL);
	assert_int_equal(acpi_parse_madt(RSDP_PA, NULL, &m), -EINVAL);
	/* @out untouched on every failure. */
	assert_memory_equal(&m, &before, sizeof(m));
}

static void test_madt_via_xsdt(void **state)
{
	struct acpi_madt m;

	(void)state;
	qemu_madt();
	sdt(XSDT_PA, "XSDT", 36 + 16);
	put64(XSDT_PA + 36, FADT_PA);
	put64(XSDT_PA + 44, APIC_PA);
	seal(XSDT_PA);
	rsdp_v2(RSDP_PA, 0, XSDT_PA);
	assert_int_equal(acpi_parse_madt(RSDP_PA, map, &m), 0);
	assert_int_equal(m.nr_ioapics, 1);
	assert_int_equal(m.isa[0].gsi, 2);
}

/* ---- MCFG */

#define MCFG_PA 0x100c00

static void mcfg_table(unsigned int n)
{
	sdt(MCFG_PA, "MCFG", 44 + 16 * n);
	memset(mem + MCFG_PA + 36, 0, 8 + 16 * n);
	for (unsigned int i = 0; i < n; i++) {
		put64(MCFG_PA + 44 + 16 * i, 0xb0000000ULL + 0x10000000ULL * i);
		mem[MCFG_PA + 44 + 16 * i + 8] = (uint8_t)i; /* segment */
		mem[MCFG_PA + 44 + 16 * i + 10] = 0;
		mem[MCFG_PA + 44 + 16 * i + 11] = (uint8_t)(0xff - i);
	}
	seal(MCFG_PA);
	sdt(RSDT_PA, "RSDT", 36 + 12);
	put32(RSDT_PA + 36, APIC_PA);
	put32(RSDT_PA + 40, FADT_PA);
	put32(RSDT_PA + 44, MCFG_PA);
	seal(RSDT_PA);
}

static void test_mcfg(void **state)
{
	struct acpi_mcfg_entry e[2];

	(void)state;
	/* The pc machine has none. */
	assert_int_equal(acpi_parse_mcfg(RSDP_PA, map, e, 2), 0);
	mcfg_table(1);
	assert_int_equal(acpi_parse_mcfg(RSDP_PA, map, e, 2), 1);
	assert_true(e[0].base == 0xb0000000ULL);
	assert_int_equal(e[0].segment, 0);
	assert_int_equal(e[0].start_bus, 0);
	assert_int_equal(e[0].end_bus, 255);
	/* More entries than room: all counted, the first ones kept. */
	mcfg_table(3);
	memset(e, 0, sizeof(e));
	assert_int_equal(acpi_parse_mcfg(RSDP_PA, map, e, 2), 3);
	assert_int_equal(e[1].segment, 1);
	assert_true(e[1].base == 0xc0000000ULL);
	assert_int_equal(e[1].end_bus, 254);
	/* A length that cuts an entry. */
	put32(MCFG_PA + 4, 44 + 16 * 3 - 4);
	seal(MCFG_PA);
	assert_int_equal(acpi_parse_mcfg(RSDP_PA, map, e, 2), -EINVAL);
	assert_true(shim_log_has("whole number"));
	/* A bad checksum. */
	mcfg_table(1);
	mem[MCFG_PA + 50] ^= 1;
	assert_int_equal(acpi_parse_mcfg(RSDP_PA, map, e, 2), -EINVAL);
	assert_int_equal(acpi_parse_mcfg(RSDP_PA, NULL, e, 2), -EINVAL);
	assert_int_equal(acpi_parse_mcfg(RSDP_PA, map, NULL, 2), -EINVAL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_rsdt_path),	   T(test_xsdt_path),
		T(test_bad_checksums),	   T(test_bad_lengths),
		T(test_missing_pieces),	   T(test_malformed_s5),
		T(test_random_corruption), T(test_rsdp_bios_scan),
		T(test_madt_qemu),	   T(test_madt_two_ioapics_and_odd_overrides),
		T(test_madt_bad),	   T(test_madt_cpus),
		T(test_madt_many_cpus),	   T(test_madt_short_cpu_entries),
		T(test_madt_via_xsdt),	   T(test_mcfg),
	};

	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
