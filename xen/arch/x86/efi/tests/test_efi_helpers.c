/*
 * Host unit tests for petrel.efi's firmware-independent parts: petrel.cfg
 * and LoadOptions parsing, EFI memory map conversion, page table building.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "efi_helpers.h"
#include "config.h"

static struct pcfg cfg;

static int parse(const char *text, const char *want, int *line)
{
	return pcfg_parse(text, strlen(text), want, &cfg, line);
}

/* ---- petrel.cfg ---- */

static const char xen_style[] = "# Petrel boot entries\n"
				"[global]\n"
				"default=normal\n"
				"\n"
				"[normal]\n"
				"options=console=com1 loglvl=all\n"
				"kernel=vmlinuz-6.1 root=/dev/ram0 console=hvc0\n"
				"ramdisk=initrd.img\n"
				"\n"
				"[debug]\n"
				"options=loglvl=all guest_loglvl=all\n"
				"kernel=vmlinuz-dbg earlyprintk=xen\n";

static void test_cfg_default_section(void **state)
{
	(void)state;
	assert_int_equal(parse(xen_style, NULL, NULL), 0);
	assert_string_equal(cfg.section, "normal");
	assert_string_equal(cfg.options, "console=com1 loglvl=all");
	assert_string_equal(cfg.kernel, "vmlinuz-6.1 root=/dev/ram0 console=hvc0");
	assert_string_equal(cfg.ramdisk, "initrd.img");
}

static void test_cfg_requested_section(void **state)
{
	(void)state;
	assert_int_equal(parse(xen_style, "debug", NULL), 0);
	assert_string_equal(cfg.section, "debug");
	assert_string_equal(cfg.options, "loglvl=all guest_loglvl=all");
	assert_string_equal(cfg.kernel, "vmlinuz-dbg earlyprintk=xen");
	/* [debug] has no ramdisk and [global] neither: none */
	assert_string_equal(cfg.ramdisk, "");
}

static void test_cfg_missing_section(void **state)
{
	int line = -1;

	(void)state;
	assert_int_equal(parse(xen_style, "nosuch", &line), PCFG_ERR_SECTION);
	assert_int_equal(line, 0);
	assert_string_equal(cfg.section, "nosuch");
	assert_int_equal(parse("[global]\ndefault=gone\n[a]\nkernel=k\n", NULL, NULL),
			 PCFG_ERR_SECTION);
}

static void test_cfg_plain_file(void **state)
{
	(void)state;
	assert_int_equal(parse("options=noreboot\nkernel=bzImage quiet\nramdisk=rd\n", NULL, NULL),
			 0);
	assert_string_equal(cfg.section, "");
	assert_string_equal(cfg.options, "noreboot");
	assert_string_equal(cfg.kernel, "bzImage quiet");
	assert_string_equal(cfg.ramdisk, "rd");
}

static void test_cfg_no_default_first_instance(void **state)
{
	(void)state;
	assert_int_equal(parse("[one]\nkernel=k1 a\n[two]\nkernel=k2\noptions=o2\n", NULL, NULL),
			 0);
	assert_string_equal(cfg.section, "");
	assert_string_equal(cfg.kernel, "k1 a");
	assert_string_equal(cfg.options, "o2");
}

static void test_cfg_global_fallback(void **state)
{
	(void)state;
	assert_int_equal(parse("[global]\ndefault=s\noptions=from-global\nramdisk=rd-g\n"
			       "[s]\nkernel=k\nramdisk=rd-s\n",
			       NULL, NULL),
			 0);
	assert_string_equal(cfg.options, "from-global");
	assert_string_equal(cfg.ramdisk, "rd-s");
}

static void test_cfg_comments_blanks_crlf(void **state)
{
	(void)state;
	assert_int_equal(parse("; a comment\r\n"
			       "  [ global ]  \r\n"
			       "\tdefault = x   # pick x\r\n"
			       "[x]\r\n"
			       "  options =  a  b   # trailing comment\r\n"
			       "kernel=vm#linuz\r\n"
			       "ramdisk=r;d\r\n",
			       NULL, NULL),
			 0);
	assert_string_equal(cfg.section, "x");
	assert_string_equal(cfg.options, "a  b");
	assert_string_equal(cfg.kernel, "vm");
	assert_string_equal(cfg.ramdisk, "r;d");
}

static void test_cfg_no_newline_and_bom(void **state)
{
	(void)state;
	assert_int_equal(parse("\xef\xbb\xbfkernel=k x", NULL, NULL), 0);
	assert_string_equal(cfg.kernel, "k x");
}

static void test_cfg_no_kernel(void **state)
{
	(void)state;
	assert_int_equal(parse("options=x\n", NULL, NULL), PCFG_ERR_NO_KERNEL);
	assert_int_equal(parse("kernel=\n", NULL, NULL), PCFG_ERR_NO_KERNEL);
	assert_int_equal(parse("", NULL, NULL), PCFG_ERR_NO_KERNEL);
	assert_int_equal(parse("[global]\ndefault=a\n[a]\noptions=x\n[b]\nkernel=k\n", NULL, NULL),
			 PCFG_ERR_NO_KERNEL);
}

static void test_cfg_binary(void **state)
{
	static const char utf16[] = "k\0e\0r\0n\0e\0l\0=\0k\0\n\0";
	int line = 0;

	(void)state;
	assert_int_equal(pcfg_parse(utf16, sizeof(utf16) - 1, NULL, &cfg, &line), PCFG_ERR_BINARY);
	assert_int_equal(line, 1);
	assert_int_equal(parse("kernel=k\noptions=a\x01\n", NULL, &line), PCFG_ERR_BINARY);
	assert_int_equal(line, 2);
}

static void test_cfg_syntax(void **state)
{
	int line = 0;

	(void)state;
	assert_int_equal(parse("kernel=k\n\n[s]\njust words\n", NULL, &line), PCFG_ERR_SYNTAX);
	assert_int_equal(line, 4);
	assert_int_equal(parse("=value\nkernel=k\n", NULL, &line), PCFG_ERR_SYNTAX);
	assert_int_equal(line, 1);
	assert_int_equal(parse("[unterminated\nkernel=k\n", NULL, &line), PCFG_ERR_SYNTAX);
	assert_string_not_equal(pcfg_strerror(PCFG_ERR_SYNTAX), pcfg_strerror(PCFG_ERR_BINARY));
}

static void test_cfg_too_long(void **state)
{
	size_t n = BI_CMDLINE_MAX + 20;
	char *text = malloc(n + 16);
	int line = 0;

	(void)state;
	assert_non_null(text);
	strcpy(text, "kernel=k\noptions=");
	memset(text + strlen(text), 'a', BI_CMDLINE_MAX);
	strcpy(text + 17 + BI_CMDLINE_MAX, "\n");
	assert_int_equal(parse(text, NULL, &line), PCFG_ERR_TOO_LONG);
	assert_int_equal(line, 2);
	/* one byte shorter fits exactly, with its NUL */
	strcpy(text + 17 + BI_CMDLINE_MAX - 1, "\n");
	assert_int_equal(parse(text, NULL, &line), 0);
	assert_int_equal(strlen(cfg.options), BI_CMDLINE_MAX - 1);
	free(text);
}

/* ---- LoadOptions ---- */

static size_t to_ucs2(const char *s, u16 *out)
{
	size_t i;

	for (i = 0; s[i]; i++)
		out[i] = (u8)s[i];
	out[i] = 0;
	return (i + 1) * 2;
}

static void test_args_shell_style(void **state)
{
	struct pcfg_args a;
	u16 buf[256];
	size_t n = to_ucs2("fs0:\\EFI\\petrel\\PETREL.EFI  debug -cfg=alt.cfg -basevideo "
			   "ignored -- noreboot  loglvl=all \t ",
			   buf);

	(void)state;
	assert_int_equal(pcfg_parse_args(buf, n, &a), 0);
	assert_string_equal(a.section, "debug");
	assert_string_equal(a.cfg, "alt.cfg");
	assert_string_equal(a.extra, "noreboot  loglvl=all");
}

static void test_args_section_first(void **state)
{
	struct pcfg_args a;
	u16 buf[64];
	size_t n = to_ucs2("rescue", buf);

	(void)state;
	assert_int_equal(pcfg_parse_args(buf, n, &a), 0);
	assert_string_equal(a.section, "rescue");
	assert_string_equal(a.cfg, "");
	assert_string_equal(a.extra, "");
	/* without the terminating NUL in the size too */
	assert_int_equal(pcfg_parse_args(buf, n - 2, &a), 0);
	assert_string_equal(a.section, "rescue");
}

static void test_args_binary_ignored(void **state)
{
	/* what firmware-created boot entries carry: a GUID */
	static const u8 guid[16] = { 0x4e, 0xac, 0x08, 0x81, 0x11, 0x9f, 0x59, 0x4d,
				     0x85, 0x0e, 0xe2, 0x1a, 0x52, 0x2c, 0x59, 0xb2 };
	struct pcfg_args a;
	u16 buf[8];

	(void)state;
	memcpy(buf, guid, sizeof(guid));
	assert_int_equal(pcfg_parse_args(buf, sizeof(guid), &a), 0);
	assert_string_equal(a.section, "");
	assert_int_equal(pcfg_parse_args(buf, 3, &a), 0); /* odd size */
	assert_string_equal(a.section, "");
	assert_int_equal(pcfg_parse_args(NULL, 0, &a), 0);
	assert_string_equal(a.cfg, "");
}

static void test_args_too_long(void **state)
{
	struct pcfg_args a;
	u16 *buf = calloc(BI_CMDLINE_MAX + 8, sizeof(u16));
	int i;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < BI_CMDLINE_MAX + 4; i++)
		buf[i] = 'x';
	assert_int_equal(pcfg_parse_args(buf, (BI_CMDLINE_MAX + 4) * 2, &a), PCFG_ERR_TOO_LONG);
	free(buf);
}

static void test_append(void **state)
{
	char s[16] = "a b";

	(void)state;
	assert_int_equal(pcfg_append(s, sizeof(s), "cd"), 0);
	assert_string_equal(s, "a b cd");
	assert_int_equal(pcfg_append(s, sizeof(s), ""), 0);
	assert_string_equal(s, "a b cd");
	assert_int_equal(pcfg_append(s, sizeof(s), "123456789"), PCFG_ERR_TOO_LONG);
	assert_string_equal(s, "a b cd");
	s[0] = '\0';
	assert_int_equal(pcfg_append(s, sizeof(s), "x"), 0);
	assert_string_equal(s, "x");
}

/* ---- memory map ---- */

struct md48 {
	struct efi_md md;
	u64 extra; /* firmware descriptors are often 48 bytes */
};

static void set_md(struct md48 *d, u32 type, u64 phys, u64 pages)
{
	memset(d, 0xee, sizeof(*d));
	d->md.type = type;
	d->md.phys = phys;
	d->md.pages = pages;
}

static void test_e820_types(void **state)
{
	(void)state;
	assert_int_equal(efi_type_to_e820(EFIMT_CONVENTIONAL), E820_RAM);
	assert_int_equal(efi_type_to_e820(EFIMT_BS_CODE), E820_RAM);
	assert_int_equal(efi_type_to_e820(EFIMT_BS_DATA), E820_RAM);
	assert_int_equal(efi_type_to_e820(EFIMT_LOADER_CODE), E820_RAM);
	assert_int_equal(efi_type_to_e820(EFIMT_LOADER_DATA), E820_RAM);
	assert_int_equal(efi_type_to_e820(EFIMT_ACPI_RECLAIM), E820_ACPI);
	assert_int_equal(efi_type_to_e820(EFIMT_ACPI_NVS), E820_NVS);
	assert_int_equal(efi_type_to_e820(EFIMT_UNUSABLE), E820_UNUSABLE);
	assert_int_equal(efi_type_to_e820(EFIMT_RT_CODE), E820_RESERVED);
	assert_int_equal(efi_type_to_e820(EFIMT_RT_DATA), E820_RESERVED);
	assert_int_equal(efi_type_to_e820(EFIMT_MMIO), E820_RESERVED);
	assert_int_equal(efi_type_to_e820(EFIMT_MMIO_PORT), E820_RESERVED);
	assert_int_equal(efi_type_to_e820(EFIMT_RESERVED), E820_RESERVED);
	assert_int_equal(efi_type_to_e820(EFIMT_PAL_CODE), E820_RESERVED);
	assert_int_equal(efi_type_to_e820(EFIMT_PERSISTENT), E820_RESERVED);
	assert_int_equal(efi_type_to_e820(0x70000000), E820_RESERVED);
}

static void test_e820_sort_merge(void **state)
{
	struct md48 map[7];
	struct bi_mem tmp[7], out[8];
	int n;

	(void)state;
	set_md(&map[0], EFIMT_BS_DATA, 0x100000, 0x10);	      /* 1 MiB .. +64K */
	set_md(&map[1], EFIMT_CONVENTIONAL, 0x0, 0xa0);	      /* 0 .. 640K */
	set_md(&map[2], EFIMT_CONVENTIONAL, 0x110000, 0x100); /* touches map[0]: merged */
	set_md(&map[3], EFIMT_RT_DATA, 0x210000, 0x1);	      /* reserved between RAM */
	set_md(&map[4], EFIMT_LOADER_CODE, 0x211000, 0x2);
	set_md(&map[5], EFIMT_ACPI_NVS, 0xfee00000, 0); /* empty: skipped */
	set_md(&map[6], EFIMT_MMIO, 0xfee00000, 1);
	n = efi_mmap_to_e820(map, sizeof(map), sizeof(map[0]), tmp, 7, out, 8);
	assert_int_equal(n, 5);
	assert_int_equal(out[0].addr, 0);
	assert_int_equal(out[0].len, 0xa0000);
	assert_int_equal(out[0].type, E820_RAM);
	assert_int_equal(out[1].addr, 0x100000);
	assert_int_equal(out[1].len, 0x110000);
	assert_int_equal(out[1].type, E820_RAM);
	assert_int_equal(out[2].addr, 0x210000);
	assert_int_equal(out[2].type, E820_RESERVED);
	assert_int_equal(out[3].addr, 0x211000);
	assert_int_equal(out[3].len, 0x2000);
	assert_int_equal(out[4].addr, 0xfee00000);
	assert_int_equal(out[4].type, E820_RESERVED);
}

static void test_e820_overflow_drops_small_ram(void **state)
{
	struct md48 map[5];
	struct bi_mem tmp[5], out[3];
	int n;

	(void)state;
	set_md(&map[0], EFIMT_CONVENTIONAL, 0x0, 0x9f);
	set_md(&map[1], EFIMT_RESERVED, 0x9f000, 0x1);
	set_md(&map[2], EFIMT_CONVENTIONAL, 0xa0000, 0x1); /* smallest RAM */
	set_md(&map[3], EFIMT_ACPI_RECLAIM, 0xa1000, 0x1);
	set_md(&map[4], EFIMT_CONVENTIONAL, 0x100000, 0x1000);
	n = efi_mmap_to_e820(map, sizeof(map), sizeof(map[0]), tmp, 5, out, 3);
	/* 5 entries, room for 3: two RAM ranges go, the smallest first */
	assert_int_equal(n, 3);
	assert_int_equal(out[0].type, E820_RESERVED);
	assert_int_equal(out[1].type, E820_ACPI);
	assert_int_equal(out[2].addr, 0x100000);
	n = efi_mmap_to_e820(map, sizeof(map), sizeof(map[0]), tmp, 5, out, 4);
	assert_int_equal(n, 4);
	assert_int_equal(out[0].addr, 0);
	assert_int_equal(out[1].type, E820_RESERVED);
}

static void test_e820_errors(void **state)
{
	struct md48 map[3];
	struct bi_mem tmp[3], out[3];

	(void)state;
	set_md(&map[0], EFIMT_RESERVED, 0x0, 1);
	set_md(&map[1], EFIMT_MMIO, 0x10000, 1);
	set_md(&map[2], EFIMT_ACPI_NVS, 0x20000, 1);
	/* nothing that may be dropped */
	assert_int_equal(efi_mmap_to_e820(map, sizeof(map), sizeof(map[0]), tmp, 3, out, 2), -1);
	/* scratch too small */
	assert_int_equal(efi_mmap_to_e820(map, sizeof(map), sizeof(map[0]), tmp, 2, out, 3), -1);
	/* descriptor size smaller than a descriptor */
	assert_int_equal(efi_mmap_to_e820(map, sizeof(map), 16, tmp, 3, out, 3), -1);
	/* a range that wraps around */
	set_md(&map[2], EFIMT_CONVENTIONAL, 0xfffffffffffff000ULL, 2);
	assert_int_equal(efi_mmap_to_e820(map, sizeof(map), sizeof(map[0]), tmp, 3, out, 3), -1);
	/* a trailing partial descriptor is ignored */
	set_md(&map[2], EFIMT_CONVENTIONAL, 0x30000, 2);
	assert_int_equal(efi_mmap_to_e820(map, sizeof(map) - 8, sizeof(map[0]), tmp, 3, out, 3), 2);
}

static void test_record_sort_join(void **state)
{
	struct md48 map[6];
	struct bi_efi_md out[4];
	int n;

	(void)state;
	set_md(&map[0], EFIMT_ACPI_RECLAIM, 0x7f000000, 0x10);
	set_md(&map[1], EFIMT_CONVENTIONAL, 0x0, 0xa0);
	set_md(&map[2], EFIMT_ACPI_RECLAIM, 0x7f010000, 0x4); /* joins map[0] */
	set_md(&map[3], EFIMT_RT_DATA, 0x7f014000, 0x1);      /* other type: kept */
	set_md(&map[4], EFIMT_MMIO, 0xb0000000, 0);	      /* empty: skipped */
	set_md(&map[5], EFIMT_CONVENTIONAL, 0xa0000, 0x1);
	map[5].md.attr = 0x8; /* other attributes: not joined with map[1] */
	map[1].md.attr = 0xf;
	map[0].md.attr = map[2].md.attr = map[3].md.attr = 0x8000000000000008ULL;
	n = efi_mmap_record(map, sizeof(map), sizeof(map[0]), out, 4);
	assert_int_equal(n, 4);
	assert_int_equal(out[0].phys, 0);
	assert_int_equal(out[0].pages, 0xa0);
	assert_int_equal(out[0].attr, 0xf);
	assert_int_equal(out[1].phys, 0xa0000);
	assert_int_equal(out[1].attr, 0x8);
	assert_int_equal(out[2].type, EFIMT_ACPI_RECLAIM);
	assert_int_equal(out[2].phys, 0x7f000000);
	assert_int_equal(out[2].pages, 0x14);
	assert_int_equal(out[2].attr, 0x8000000000000008ULL);
	assert_int_equal(out[3].type, EFIMT_RT_DATA);
	assert_int_equal(out[3].pad, 0);
}

static void test_record_errors(void **state)
{
	struct md48 map[3];
	struct bi_efi_md out[3];

	(void)state;
	set_md(&map[0], EFIMT_RESERVED, 0x0, 1);
	set_md(&map[1], EFIMT_MMIO, 0x10000, 1);
	set_md(&map[2], EFIMT_ACPI_NVS, 0x20000, 1);
	assert_int_equal(efi_mmap_record(map, sizeof(map), sizeof(map[0]), out, 3), 3);
	assert_int_equal(efi_mmap_record(map, sizeof(map), sizeof(map[0]), out, 2), -1);
	assert_int_equal(efi_mmap_record(map, sizeof(map), 16, out, 3), -1);
	assert_int_equal(efi_mmap_record(NULL, sizeof(map), sizeof(map[0]), out, 3), -1);
	set_md(&map[2], EFIMT_CONVENTIONAL, 0xfffffffffffff000ULL, 2);
	assert_int_equal(efi_mmap_record(map, sizeof(map), sizeof(map[0]), out, 3), -1);
	assert_int_equal(efi_mmap_record(map, sizeof(map) - 8, sizeof(map[0]), out, 3), 2);
}

/* ---- page tables ---- */

#define PT_TEST_PHYS 0x7000000UL

static u64 *pt_page(u64 *pt, u64 entry)
{
	u64 phys = entry & 0x000ffffffffff000ULL;

	assert_true(phys >= PT_TEST_PHYS);
	return pt + (phys - PT_TEST_PHYS) / 8;
}

/* Walk our tables like the MMU; returns the physical address or ~0. */
static u64 walk(u64 *pt, u64 cr3, u64 va)
{
	u64 *l4 = pt_page(pt, cr3), e;

	e = l4[(va >> 39) & 511];
	if (!(e & 1))
		return ~0ULL;
	e = pt_page(pt, e)[(va >> 30) & 511];
	if (!(e & 1))
		return ~0ULL;
	assert_false(e & 0x80); /* no 1 GiB pages */
	e = pt_page(pt, e)[(va >> 21) & 511];
	if (!(e & 1))
		return ~0ULL;
	assert_true(e & 0x80); /* 2 MiB leaves */
	assert_true(e & 2);    /* writable */
	return (e & 0x000fffffffe00000ULL) + (va & 0x1fffff);
}

static void test_pt_mappings(void **state)
{
	u64 mem = (5UL << 20) + 0x3000; /* 3 x 2 MiB pages once rounded up */
	size_t pages = PT_PAGES(mem);
	u64 *pt = malloc(pages * 4096);
	u64 cr3, base = 0x40000000UL;

	(void)state;
	assert_non_null(pt);
	memset(pt, 0xa5, pages * 4096);
	cr3 = pt_build(pt, PT_TEST_PHYS, pages, base, mem);
	assert_int_equal(cr3, PT_TEST_PHYS);
	assert_int_equal(walk(pt, cr3, 0), 0);
	assert_int_equal(walk(pt, cr3, 0x12345678), 0x12345678);
	assert_int_equal(walk(pt, cr3, 0xfffff123), 0xfffff123);
	assert_int_equal(walk(pt, cr3, 0x100000000ULL), ~0ULL);
	assert_int_equal(walk(pt, cr3, XEN_VIRT_START), base);
	assert_int_equal(walk(pt, cr3, XEN_VIRT_START + 0x501234), base + 0x501234);
	assert_int_equal(walk(pt, cr3, XEN_VIRT_START + (6UL << 20) - 1), base + (6UL << 20) - 1);
	assert_int_equal(walk(pt, cr3, XEN_VIRT_START + (6UL << 20)), ~0ULL);
	assert_int_equal(walk(pt, cr3, XEN_VIRT_START - 0x1000), ~0ULL);
	assert_int_equal(walk(pt, cr3, DIRECTMAP_VIRT_START), ~0ULL);
	free(pt);
}

static void test_pt_large_image(void **state)
{
	u64 mem = (1UL << 30) + (4UL << 20);
	size_t pages = PT_PAGES(mem);
	u64 *pt = malloc(pages * 4096);
	u64 cr3, base = 0x80000000UL;

	(void)state;
	assert_non_null(pt);
	assert_int_equal(pages, 2 + 4 + 1 + 2);
	cr3 = pt_build(pt, PT_TEST_PHYS, pages, base, mem);
	assert_int_equal(walk(pt, cr3, XEN_VIRT_START + (1UL << 30) + 0x3000),
			 base + (1UL << 30) + 0x3000);
	assert_int_equal(walk(pt, cr3, XEN_VIRT_START + (1UL << 30) + (4UL << 20)), ~0ULL);
	free(pt);
}

static void test_pt_errors(void **state)
{
	u64 *pt = malloc(16 * 4096);

	(void)state;
	assert_non_null(pt);
	assert_int_equal(pt_build(pt, PT_TEST_PHYS, 16, 0x40100000UL, 0x1000), 0);
	assert_int_equal(pt_build(pt, PT_TEST_PHYS + 8, 16, 0x40000000UL, 0x1000), 0);
	assert_int_equal(pt_build(pt, PT_TEST_PHYS, PT_PAGES(0x1000) - 1, 0x40000000UL, 0x1000), 0);
	assert_int_equal(pt_build(pt, PT_TEST_PHYS, 16, 0x40000000UL, 0), 0);
	assert_int_equal(pt_build(NULL, PT_TEST_PHYS, 16, 0x40000000UL, 0x1000), 0);
	free(pt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg_default_section),
		cmocka_unit_test(test_cfg_requested_section),
		cmocka_unit_test(test_cfg_missing_section),
		cmocka_unit_test(test_cfg_plain_file),
		cmocka_unit_test(test_cfg_no_default_first_instance),
		cmocka_unit_test(test_cfg_global_fallback),
		cmocka_unit_test(test_cfg_comments_blanks_crlf),
		cmocka_unit_test(test_cfg_no_newline_and_bom),
		cmocka_unit_test(test_cfg_no_kernel),
		cmocka_unit_test(test_cfg_binary),
		cmocka_unit_test(test_cfg_syntax),
		cmocka_unit_test(test_cfg_too_long),
		cmocka_unit_test(test_args_shell_style),
		cmocka_unit_test(test_args_section_first),
		cmocka_unit_test(test_args_binary_ignored),
		cmocka_unit_test(test_args_too_long),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_e820_types),
		cmocka_unit_test(test_e820_sort_merge),
		cmocka_unit_test(test_e820_overflow_drops_small_ram),
		cmocka_unit_test(test_e820_errors),
		cmocka_unit_test(test_record_sort_join),
		cmocka_unit_test(test_record_errors),
		cmocka_unit_test(test_pt_mappings),
		cmocka_unit_test(test_pt_large_image),
		cmocka_unit_test(test_pt_errors),
	};
	int failed = cmocka_run_group_tests_name("efi-helpers", tests, NULL, NULL);
	int total = (int)(sizeof(tests) / sizeof(tests[0]));

	printf("efi-unit: %d passed, %d failed\n", total - failed, failed);
	return failed ? 1 : 0;
}
