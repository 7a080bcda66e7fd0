/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables pxl writes for a PVH guest, read back the way an OS finds
 * them: from the RSDP (signature, both checksums, revision 2, the XSDT's
 * address) through the XSDT to the FADT (hardware-reduced, no VGA, no CMOS
 * clock, its FACS and DSDT) and the MADT (the local APIC's address and one
 * enabled entry per vCPU with APIC id 2 * i), every table's checksum and
 * length, every address inside the page; for 1, 2 and the most vCPUs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pvh_acpi.h"

#define BASE (PVH_ACPI_PFN << 12)

static uint64_t get(const unsigned char *p, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = bytes; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static unsigned int sum(const unsigned char *p, unsigned int len)
{
	unsigned char s = 0;

	for (unsigned int i = 0; i < len; i++)
		s = (unsigned char)(s + p[i]);
	return s;
}

/* The table at guest address `addr`: in the page, its signature, length and checksum. */
static const unsigned char *table(const unsigned char *page, uint64_t addr, const char *sig)
{
	const unsigned char *t;
	unsigned int len;

	assert_true(addr >= BASE && addr + 36 <= BASE + 4096);
	t = page + (addr - BASE);
	assert_memory_equal(t, sig, 4);
	len = (unsigned int)get(t + 4, 4);
	assert_true(len >= 36 && addr + len <= BASE + 4096);
	assert_int_equal(sum(t, len), 0);
	return t;
}

static void check(unsigned int vcpus)
{
	unsigned char page[4096];
	const unsigned char *rsdp, *xsdt, *fadt, *madt, *facs, *e;
	uint64_t facs_addr;

	memset(page, 0xa5, sizeof(page));
	pvh_acpi_tables(page, vcpus);
	rsdp = page + PVH_ACPI_RSDP;
	assert_memory_equal(rsdp, "RSD PTR ", 8);
	assert_int_equal(sum(rsdp, 20), 0);
	assert_int_equal(rsdp[15], 2);
	assert_int_equal(get(rsdp + 20, 4), 36);
	assert_int_equal(sum(rsdp, 36), 0);
	xsdt = table(page, get(rsdp + 24, 8), "XSDT");
	assert_int_equal(get(xsdt + 4, 4), 36 + 2 * 8);
	fadt = table(page, get(xsdt + 36, 8), "FACP");
	madt = table(page, get(xsdt + 44, 8), "APIC");

	assert_int_equal(get(fadt + 4, 4), 268);
	assert_int_equal(fadt[8], 5);
	assert_true(get(fadt + 112, 4) & (1u << 20));	   /* hardware-reduced */
	assert_int_equal(get(fadt + 109, 2) & 0x24, 0x24); /* no VGA, no CMOS RTC */
	assert_int_equal(get(fadt + 40, 4), get(fadt + 140, 8));
	table(page, get(fadt + 140, 8), "DSDT");
	facs_addr = get(fadt + 132, 8);
	assert_int_equal(get(fadt + 36, 4), facs_addr);
	assert_true(facs_addr % 64 == 0 && facs_addr >= BASE && facs_addr + 64 <= BASE + 4096);
	facs = page + (facs_addr - BASE);
	assert_memory_equal(facs, "FACS", 4);
	assert_int_equal(get(facs + 4, 4), 64);

	assert_int_equal(get(madt + 4, 4), 44 + 8 * vcpus);
	assert_int_equal(get(madt + 36, 4), PVH_LAPIC_BASE);
	for (unsigned int i = 0; i < vcpus; i++) {
		e = madt + 44 + 8 * i;
		assert_int_equal(e[0], 0);
		assert_int_equal(e[1], 8);
		assert_int_equal(e[2], i);
		assert_int_equal(e[3], 2 * i);
		assert_int_equal(get(e + 4, 4), 1);
	}
}

static void test_one_vcpu(void **state)
{
	(void)state;
	check(1);
}

static void test_two_vcpus(void **state)
{
	(void)state;
	check(2);
}

static void test_most_vcpus(void **state)
{
	(void)state;
	check(PVH_ACPI_MAX_VCPUS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_vcpu),
		cmocka_unit_test(test_two_vcpus),
		cmocka_unit_test(test_most_vcpus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
