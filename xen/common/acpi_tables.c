/*
 * ACPI table walk for power-off (see acpi.h). Every table is mapped header
 * first; its length is checked against the minimum for its kind and against
 * ACPI_MAX_TABLE_LEN before the whole of it is mapped and checksummed.
 */
#include "acpi.h"
#include "console.h"
#include "errno.h"
#include "lib.h"

#define SDT_HDR_LEN 36
#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36

/* Byte offsets in the RSDP. */
#define RSDP_REVISION 15
#define RSDP_RSDT 16
#define RSDP_LENGTH 20
#define RSDP_XSDT 24

/* Byte offsets in the FADT. */
#define FADT_DSDT 40
#define FADT_PM1A_CNT 64
#define FADT_PM1B_CNT 68
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT 172
#define FADT_X_PM1B_CNT 184
#define FADT_MIN_LEN 72 /* through PM1b_CNT_BLK */
#define GAS_LEN 12
#define GAS_SPACE_IO 1

/* AML opcodes met around \_S5_. */
#define AML_NAME 0x08
#define AML_ROOT 0x5c
#define AML_PACKAGE 0x12
#define AML_ZERO 0x00
#define AML_ONE 0x01
#define AML_BYTE 0x0a

static u16 rd16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static u32 rd32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 rd64(const u8 *p)
{
	return (u64)rd32(p) | (u64)rd32(p + 4) << 32;
}

static bool sum_ok(const u8 *p, size_t len)
{
	u8 sum = 0;

	while (len--)
		sum += *p++;
	return sum == 0;
}

/*
 * Map the table at @pa whose signature must be @sig and whose length is at
 * least @min_len; checks its checksum. Returns NULL (with *rc set) on error.
 */
static const u8 *map_table(acpi_map_fn map, u64 pa, const char *sig, u32 min_len, u32 *len, int *rc)
{
	const u8 *h;

	*rc = -ENOENT;
	if (!pa || !(h = map(pa, SDT_HDR_LEN))) {
		printk(XENLOG_WARNING "ACPI: cannot map %s at %#llx\n", sig,
		       (unsigned long long)pa);
		return NULL;
	}
	if (memcmp(h, sig, 4) != 0) {
		printk(XENLOG_WARNING "ACPI: table at %#llx is not %s\n", (unsigned long long)pa,
		       sig);
		return NULL;
	}
	*rc = -EINVAL;
	*len = rd32(h + 4);
	if (*len < min_len || *len > ACPI_MAX_TABLE_LEN) {
		printk(XENLOG_WARNING "ACPI: %s has a bad length %u\n", sig, *len);
		return NULL;
	}
	h = map(pa, *len);
	if (!h) {
		printk(XENLOG_WARNING "ACPI: cannot map all %u bytes of %s\n", *len, sig);
		return NULL;
	}
	if (!sum_ok(h, *len)) {
		printk(XENLOG_WARNING "ACPI: %s checksum is wrong\n", sig);
		return NULL;
	}
	*rc = 0;
	return h;
}

/* Validate an RSDP in memory already mapped for at least RSDP_V1_LEN bytes. */
static int rsdp_check(const u8 *p, size_t avail)
{
	u32 len;

	if (memcmp(p, "RSD PTR ", 8) != 0 || !sum_ok(p, RSDP_V1_LEN))
		return -EINVAL;
	if (p[RSDP_REVISION] < 2)
		return 0;
	if (avail < RSDP_V2_LEN)
		return -EINVAL;
	len = rd32(p + RSDP_LENGTH);
	if (len < RSDP_V2_LEN || len > avail || !sum_ok(p, len))
		return -EINVAL;
	return 0;
}

/*
 * Find the table with signature @sig (at least @min_len bytes long) through
 * the XSDT (if the RSDP has one) or the RSDT; @name is for messages.
 */
static const u8 *find_table(acpi_map_fn map, u64 rsdp, const char *sig, const char *name,
			    u32 min_len, u32 *tlen, int *rc)
{
	const u8 *r, *sdt, *t;
	u32 len, i, esz;
	u64 addr, xsdt = 0;
	bool x;

	*rc = -EINVAL;
	r = map(rsdp, RSDP_V1_LEN);
	if (!r || memcmp(r, "RSD PTR ", 8) != 0) {
		printk(XENLOG_WARNING "ACPI: no RSDP at %#llx\n", (unsigned long long)rsdp);
		*rc = -ENOENT;
		return NULL;
	}
	if (r[RSDP_REVISION] >= 2) {
		r = map(rsdp, RSDP_V2_LEN);
		len = r ? rd32(r + RSDP_LENGTH) : 0;
		r = len >= RSDP_V2_LEN && len <= 4096 ? map(rsdp, len) : NULL;
		if (!r || rsdp_check(r, len)) {
			printk(XENLOG_WARNING "ACPI: bad RSDP v2 at %#llx\n",
			       (unsigned long long)rsdp);
			return NULL;
		}
		xsdt = rd64(r + RSDP_XSDT);
	} else if (rsdp_check(r, RSDP_V1_LEN)) {
		printk(XENLOG_WARNING "ACPI: bad RSDP checksum at %#llx\n",
		       (unsigned long long)rsdp);
		return NULL;
	}
	x = xsdt != 0;
	esz = x ? 8 : 4;
	sdt = map_table(map, x ? xsdt : rd32(r + RSDP_RSDT), x ? "XSDT" : "RSDT", SDT_HDR_LEN, &len,
			rc);
	if (!sdt)
		return NULL;
	for (i = SDT_HDR_LEN; i + esz <= len; i += esz) {
		addr = x ? rd64(sdt + i) : rd32(sdt + i);
		t = addr ? map(addr, SDT_HDR_LEN) : NULL;
		if (!t || memcmp(t, sig, 4) != 0)
			continue;
		return map_table(map, addr, sig, min_len, tlen, rc);
	}
	printk(XENLOG_WARNING "ACPI: no %s\n", name);
	*rc = -ENOENT;
	return NULL;
}

static const u8 *find_fadt(acpi_map_fn map, u64 rsdp, u32 *fadt_len, int *rc)
{
	return find_table(map, rsdp, "FACP", "FADT", FADT_MIN_LEN, fadt_len, rc);
}

/* A port from an X_PM1x_CNT_BLK generic address, or @legacy if it is unusable. */
static u16 pm1_port(const u8 *fadt, u32 len, u32 x_off, u32 legacy_off)
{
	u32 legacy = rd32(fadt + legacy_off);
	u64 addr;

	if (len >= x_off + GAS_LEN) {
		addr = rd64(fadt + x_off + 4);
		if (addr && fadt[x_off] == GAS_SPACE_IO && addr <= 0xffff)
			return (u16)addr;
	}
	return legacy <= 0xffff ? (u16)legacy : 0;
}

/* Read one package element: BytePrefix n, Zero or One. */
static int aml_small_int(const u8 *p, u32 avail, u32 *used, u8 *val)
{
	if (avail < 1)
		return -EINVAL;
	if (p[0] == AML_ZERO || p[0] == AML_ONE) {
		*val = p[0];
		*used = 1;
		return 0;
	}
	if (p[0] == AML_BYTE && avail >= 2) {
		*val = p[1];
		*used = 2;
		return 0;
	}
	return -EINVAL;
}

/* Parse the package that follows "_S5_" at @p (@avail bytes to the table end). */
static int parse_s5_package(const u8 *p, u32 avail, struct acpi_poweroff *out)
{
	u32 pos, used, nbytes;
	u8 count;

	if (avail < 3 || p[0] != AML_PACKAGE)
		return -EINVAL;
	nbytes = (u32)(p[1] >> 6) + 1; /* PkgLength: lead byte + 0..3 more */
	pos = 1 + nbytes;
	if (pos >= avail)
		return -EINVAL;
	count = p[pos++];
	if (count < 1 || aml_small_int(p + pos, avail - pos, &used, &out->slp_typa))
		return -EINVAL;
	pos += used;
	out->slp_typb = 0;
	if (count >= 2 && aml_small_int(p + pos, avail - pos, &used, &out->slp_typb))
		return -EINVAL;
	return 0;
}

static int find_s5(const u8 *dsdt, u32 len, struct acpi_poweroff *out)
{
	u32 i;

	for (i = SDT_HDR_LEN + 1; i + 4 <= len; i++) {
		if (memcmp(dsdt + i, "_S5_", 4) != 0)
			continue;
		/* Must be a name definition: NameOp, optionally with a root prefix. */
		if (dsdt[i - 1] != AML_NAME &&
		    !(dsdt[i - 1] == AML_ROOT && i >= SDT_HDR_LEN + 2 && dsdt[i - 2] == AML_NAME))
			continue;
		if (parse_s5_package(dsdt + i + 4, len - i - 4, out)) {
			printk(XENLOG_WARNING "ACPI: malformed \\_S5_ package\n");
			return -EINVAL;
		}
		return 0;
	}
	printk(XENLOG_WARNING "ACPI: no \\_S5_ in the DSDT\n");
	return -ENOENT;
}

int acpi_find_poweroff(u64 rsdp, const void *(*map)(u64 pa, size_t len), struct acpi_poweroff *out)
{
	struct acpi_poweroff res = { 0 };
	const u8 *fadt, *dsdt;
	u32 flen, dlen;
	u64 dsdt_pa;
	int rc;

	if (!map || !out || !rsdp)
		return -EINVAL;
	fadt = find_fadt(map, rsdp, &flen, &rc);
	if (!fadt)
		return rc;
	res.pm1a_cnt = pm1_port(fadt, flen, FADT_X_PM1A_CNT, FADT_PM1A_CNT);
	res.pm1b_cnt = pm1_port(fadt, flen, FADT_X_PM1B_CNT, FADT_PM1B_CNT);
	dsdt_pa = flen >= FADT_X_DSDT + 8 ? rd64(fadt + FADT_X_DSDT) : 0;
	if (!dsdt_pa)
		dsdt_pa = rd32(fadt + FADT_DSDT);
	if (!res.pm1a_cnt) {
		printk(XENLOG_WARNING "ACPI: FADT has no PM1a control block\n");
		return -ENOENT;
	}
	dsdt = map_table(map, dsdt_pa, "DSDT", SDT_HDR_LEN, &dlen, &rc);
	if (!dsdt)
		return rc;
	rc = find_s5(dsdt, dlen, &res);
	if (rc)
		return rc;
	*out = res;
	return 0;
}

static u64 scan_rsdp(const void *(*map)(u64 pa, size_t len), u64 base, size_t len)
{
	const u8 *p = map(base, len);
	size_t off;

	if (!p)
		return 0;
	for (off = 0; off + RSDP_V1_LEN <= len; off += 16) {
		if (rsdp_check(p + off, len - off) == 0)
			return base + off;
	}
	return 0;
}

u64 acpi_find_rsdp_bios(const void *(*map)(u64 pa, size_t len))
{
	const u8 *bda;
	u64 ebda = 0, found = 0;

	if (!map)
		return 0;
	bda = map(0x40e, 2);
	if (bda)
		ebda = (u64)rd16(bda) << 4;
	if (ebda)
		found = scan_rsdp(map, ebda, 1024);
	if (!found)
		found = scan_rsdp(map, 0xe0000, 0x20000);
	return found;
}

/* ---- MADT: IO-APICs and interrupt source overrides. */

#define MADT_MIN_LEN 44 /* header, local APIC address, flags */
#define MADT_IOAPIC 1
#define MADT_IOAPIC_LEN 12
#define MADT_OVERRIDE 2
#define MADT_OVERRIDE_LEN 10

#define MADT_LAPIC 0
#define MADT_LAPIC_LEN 8
#define MADT_X2APIC 9
#define MADT_X2APIC_LEN 16
#define MADT_CPU_ENABLED 0x1

/*
 * A processor's entry: keep its APIC and ACPI processor ids if it is enabled
 * (and not a duplicate).
 */
static void madt_cpu(u32 apic_id, u32 acpi_id, u32 flags, struct acpi_madt *out)
{
	if (!(flags & MADT_CPU_ENABLED)) {
		out->cpus_disabled++;
		return;
	}
	for (unsigned int i = 0; i < out->nr_cpus; i++)
		if (out->cpu_apic_id[i] == apic_id)
			return;
	if (out->nr_cpus == ACPI_MAX_CPUS) {
		out->cpus_dropped++;
		return;
	}
	out->cpu_acpi_id[out->nr_cpus] = acpi_id;
	out->cpu_apic_id[out->nr_cpus++] = apic_id;
}

static int madt_lapic(const u8 *e, struct acpi_madt *out)
{
	if (e[1] < MADT_LAPIC_LEN)
		return -EINVAL;
	madt_cpu(e[3], e[2], rd32(e + 4), out);
	return 0;
}

static int madt_x2apic(const u8 *e, struct acpi_madt *out)
{
	if (e[1] < MADT_X2APIC_LEN)
		return -EINVAL;
	madt_cpu(rd32(e + 4), rd32(e + 12), rd32(e + 8), out);
	return 0;
}

static int madt_ioapic(const u8 *e, struct acpi_madt *out)
{
	struct acpi_ioapic *io;

	if (e[1] < MADT_IOAPIC_LEN)
		return -EINVAL;
	if (out->nr_ioapics == ACPI_MAX_IOAPICS) {
		printk(XENLOG_WARNING "ACPI: more than %u IO-APICs, ignoring the rest\n",
		       ACPI_MAX_IOAPICS);
		return 0;
	}
	io = &out->ioapic[out->nr_ioapics++];
	io->id = e[2];
	io->addr = rd32(e + 4);
	io->gsi_base = rd32(e + 8);
	return 0;
}

static int madt_override(const u8 *e, struct acpi_madt *out)
{
	struct acpi_irq_override *o;

	if (e[1] < MADT_OVERRIDE_LEN)
		return -EINVAL;
	if (e[2] != 0 || e[3] >= ACPI_NR_ISA_IRQS) {
		printk(XENLOG_WARNING "ACPI: override of bus %u IRQ %u ignored\n", e[2], e[3]);
		return 0;
	}
	o = &out->isa[e[3]];
	o->gsi = rd32(e + 4);
	o->flags = rd16(e + 8);
	o->present = true;
	return 0;
}

int acpi_parse_madt(u64 rsdp, const void *(*map)(u64 pa, size_t len), struct acpi_madt *out)
{
	/* Too big for the stack; only the boot CPU parses, one table at a time. */
	static struct acpi_madt res;
	const u8 *t;
	u32 len, off;
	int rc;

	if (!map || !out || !rsdp)
		return -EINVAL;
	memset(&res, 0, sizeof(res));
	t = find_table(map, rsdp, "APIC", "MADT", MADT_MIN_LEN, &len, &rc);
	if (!t)
		return rc;
	res.lapic_addr = rd32(t + 36);
	for (off = MADT_MIN_LEN; off + 2 <= len; off += t[off + 1]) {
		if (t[off + 1] < 2 || t[off + 1] > len - off) {
			printk(XENLOG_WARNING "ACPI: MADT entry at %u has a bad length\n", off);
			return -EINVAL;
		}
		if (t[off] == MADT_LAPIC)
			rc = madt_lapic(t + off, &res);
		else if (t[off] == MADT_X2APIC)
			rc = madt_x2apic(t + off, &res);
		else if (t[off] == MADT_IOAPIC)
			rc = madt_ioapic(t + off, &res);
		else if (t[off] == MADT_OVERRIDE)
			rc = madt_override(t + off, &res);
		if (rc) {
			printk(XENLOG_WARNING "ACPI: MADT entry type %u is too short\n", t[off]);
			return rc;
		}
	}
	if (off != len) {
		printk(XENLOG_WARNING "ACPI: MADT ends inside an entry\n");
		return -EINVAL;
	}
	*out = res;
	return 0;
}

/* ---- MCFG: PCI Express configuration space windows. */

#define MCFG_FIRST 44 /* header and 8 reserved bytes */
#define MCFG_ENTRY_LEN 16

int acpi_parse_mcfg(u64 rsdp, const void *(*map)(u64 pa, size_t len), struct acpi_mcfg_entry *out,
		    unsigned int max)
{
	const u8 *t;
	u32 len, off;
	unsigned int n = 0;
	int rc;

	if (!map || !rsdp || (max && !out))
		return -EINVAL;
	t = find_table(map, rsdp, "MCFG", "MCFG", MCFG_FIRST, &len, &rc);
	if (!t)
		return rc == -ENOENT ? 0 : rc;
	if ((len - MCFG_FIRST) % MCFG_ENTRY_LEN) {
		printk(XENLOG_WARNING "ACPI: MCFG length %u is not a whole number of entries\n",
		       len);
		return -EINVAL;
	}
	for (off = MCFG_FIRST; off < len; off += MCFG_ENTRY_LEN, n++) {
		if (n >= max)
			continue;
		out[n].base = rd64(t + off);
		out[n].segment = rd16(t + off + 8);
		out[n].start_bus = t[off + 10];
		out[n].end_bus = t[off + 11];
	}
	return (int)n;
}
