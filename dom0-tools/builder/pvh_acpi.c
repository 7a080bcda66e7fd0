/* SPDX-License-Identifier: MIT */
/* A PVH guest's ACPI tables (see pvh_acpi.h). */
#include <string.h>

#include "pvh_acpi.h"

/* ACPI tables: little-endian fields at byte offsets within the page. */
static void put(unsigned char *t, unsigned int off, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		t[off + i] = (unsigned char)(v >> (8 * i));
}

static void checksum(unsigned char *t, unsigned int len, unsigned int at)
{
	unsigned char sum = 0;

	t[at] = 0;
	for (unsigned int i = 0; i < len; i++)
		sum = (unsigned char)(sum + t[i]);
	t[at] = (unsigned char)-sum;
}

/* The 36-byte header every table but the RSDP starts with; its checksum last. */
static void header(unsigned char *t, const char *sig, unsigned int len, unsigned int rev)
{
	memcpy(t, sig, 4);
	put(t, 4, len, 4);
	t[8] = (unsigned char)rev;
	memcpy(t + 10, "PETREL", 6);
	memcpy(t + 16, "PETRELVM", 8);
	put(t, 24, 1, 4);
	memcpy(t + 28, "PTRL", 4);
	put(t, 32, 1, 4);
	checksum(t, len, 9);
}

#define ACPI_XSDT 64
#define ACPI_FADT 128
#define ACPI_FACS 448 /* 64-byte aligned */
#define ACPI_DSDT 512
#define ACPI_MADT 576
#define FADT_LEN 268 /* ACPI 5.0 */
#define FADT_FLAG_PWR_BUTTON (1u << 4)
#define FADT_FLAG_SLP_BUTTON (1u << 5)
#define FADT_FLAG_HW_REDUCED (1u << 20)
#define FADT_BOOT_NO_VGA (1u << 2)
#define FADT_BOOT_NO_CMOS_RTC (1u << 5)
#define MADT_PCAT_COMPAT 1u

void pvh_acpi_tables(unsigned char *page, unsigned int vcpus)
{
	const uint64_t base = PVH_ACPI_PFN << 12;
	unsigned char *t;
	unsigned int len;

	memset(page, 0, 4096);
	/* DSDT: a header and no AML */
	header(page + ACPI_DSDT, "DSDT", 36, 2);
	/* FACS: signature, length, nothing to wake */
	t = page + ACPI_FACS;
	memcpy(t, "FACS", 4);
	put(t, 4, 64, 4);
	t[32] = 2; /* version */
	/* MADT: the local APIC's address, one enabled local APIC per vCPU (id 2 * i) */
	t = page + ACPI_MADT;
	len = 44 + 8 * vcpus;
	put(t, 36, PVH_LAPIC_BASE, 4);
	put(t, 40, MADT_PCAT_COMPAT, 4);
	for (unsigned int i = 0; i < vcpus; i++) {
		unsigned char *e = t + 44 + 8 * i;

		e[0] = 0; /* processor local APIC */
		e[1] = 8;
		e[2] = (unsigned char)i;
		e[3] = (unsigned char)(2 * i);
		put(e, 4, 1, 4); /* enabled */
	}
	header(t, "APIC", len, 4);
	/* FADT: no fixed hardware at all (hardware-reduced), no VGA, no CMOS clock */
	t = page + ACPI_FADT;
	put(t, 36, base + ACPI_FACS, 4);
	put(t, 40, base + ACPI_DSDT, 4);
	put(t, 109, FADT_BOOT_NO_VGA | FADT_BOOT_NO_CMOS_RTC, 2);
	put(t, 112, FADT_FLAG_PWR_BUTTON | FADT_FLAG_SLP_BUTTON | FADT_FLAG_HW_REDUCED, 4);
	put(t, 132, base + ACPI_FACS, 8);
	put(t, 140, base + ACPI_DSDT, 8);
	header(t, "FACP", FADT_LEN, 5);
	/* XSDT: the FADT and the MADT */
	t = page + ACPI_XSDT;
	put(t, 36, base + ACPI_FADT, 8);
	put(t, 44, base + ACPI_MADT, 8);
	header(t, "XSDT", 52, 1);
	/* RSDP (ACPI 2.0, 36 bytes): no RSDT, the XSDT */
	t = page + PVH_ACPI_RSDP;
	memcpy(t, "RSD PTR ", 8);
	memcpy(t + 9, "PETREL", 6);
	t[15] = 2;
	put(t, 20, 36, 4);
	put(t, 24, base + ACPI_XSDT, 8);
	checksum(t, 20, 8);
	checksum(t, 36, 32);
}
