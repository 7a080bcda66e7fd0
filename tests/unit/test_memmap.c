/* Memory map sanitising and free-range computation (xen/common/memmap.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "memmap.h"
#include "shim.h"

/* Tables below leave bi_mem.pad (and similar) implicitly zero. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#define RAM E820_RAM
#define RSV E820_RESERVED
#define ACPI E820_ACPI
#define NVS E820_NVS
#define UNUS E820_UNUSABLE

static void expect_map(const struct bi_mem *m, u32 n, const struct bi_mem *want, u32 nwant)
{
	if (n != nwant)
		fail_msg("got %u entries, want %u", n, nwant);
	for (u32 i = 0; i < n; i++) {
		if (m[i].addr != want[i].addr || m[i].len != want[i].len ||
		    m[i].type != want[i].type)
			fail_msg("entry %u: got %#llx+%#llx type %u, want %#llx+%#llx type %u", i,
				 (unsigned long long)m[i].addr, (unsigned long long)m[i].len,
				 m[i].type, (unsigned long long)want[i].addr,
				 (unsigned long long)want[i].len, want[i].type);
	}
}

static void test_sanitize_basic(void **state)
{
	(void)state;
	/* Unsorted, a zero-length entry, and a reserved hole inside RAM. */
	struct bi_mem m[8] = {
		{ 0x100000, 0x7f00000, RAM },
		{ 0, 0x9fc00, RAM },
		{ 0xf0000, 0x10000, RSV },
		{ 0x5000000, 0, RSV },
		{ 0x9fc00, 0x400, RSV },
		{ 0x1000000, 0x1000, ACPI }, /* splits the big RAM entry */
	};
	const struct bi_mem want[] = {
		{ 0, 0x9fc00, RAM },	     { 0x9fc00, 0x400, RSV },
		{ 0xf0000, 0x10000, RSV },   { 0x100000, 0xf00000, RAM },
		{ 0x1000000, 0x1000, ACPI }, { 0x1001000, 0x6fff000, RAM },
	};

	shim_log_reset();
	u32 n = memmap_sanitize(m, 6, 8);
	expect_map(m, n, want, ARRAY_SIZE(want));
	assert_string_equal(shim_log, "");
}

static void test_sanitize_merges(void **state)
{
	(void)state;
	struct bi_mem m[8] = {
		{ 0x3000, 0x2000, RAM },  { 0x0, 0x1000, RAM },
		{ 0x1000, 0x2000, RAM },  { 0x4000, 0x4000, RAM }, /* overlaps the first */
		{ 0x10000, 0x1000, RSV }, { 0x10800, 0x1000, RSV },
	};
	const struct bi_mem want[] = { { 0, 0x8000, RAM }, { 0x10000, 0x1800, RSV } };

	expect_map(m, memmap_sanitize(m, 6, 8), want, 2);
}

static void test_sanitize_priorities(void **state)
{
	(void)state;
	/* RAM under everything; among the rest the higher type wins. */
	struct bi_mem m[8] = {
		{ 0x0, 0x10000, RSV },
		{ 0x4000, 0x4000, UNUS },
		{ 0x2000, 0x1000, RAM }, /* entirely inside reserved: vanishes */
		{ 0xe000, 0x4000, RAM }, /* its first part is reserved */
	};
	const struct bi_mem want[] = {
		{ 0x0, 0x4000, RSV },
		{ 0x4000, 0x4000, UNUS },
		{ 0x8000, 0x8000, RSV },
		{ 0x10000, 0x2000, RAM },
	};

	expect_map(m, memmap_sanitize(m, 4, 8), want, ARRAY_SIZE(want));
}

static void test_sanitize_full(void **state)
{
	(void)state;
	/* A split needs a new slot but the map is full: a piece is dropped, with a warning. */
	struct bi_mem m[2] = { { 0, 0x10000, RAM }, { 0x4000, 0x1000, RSV } };

	shim_log_reset();
	u32 n = memmap_sanitize(m, 2, 2);
	assert_int_equal(n, 2);
	assert_true(m[0].addr == 0 && m[0].len == 0x4000 && m[0].type == RAM);
	assert_true(m[1].addr == 0x4000 && m[1].len == 0x1000 && m[1].type == RSV);
	assert_true(shim_log_has("memmap"));
	/* max below nr is taken as nr. */
	struct bi_mem z[3] = { { 0x1000, 0, RAM }, { 0, 0, RSV }, { 5, 5, RAM } };
	assert_int_equal(memmap_sanitize(z, 3, 0), 1);
	assert_true(z[0].addr == 5 && z[0].len == 5);
	/* An entry whose end would wrap past 2^64 is clamped. */
	struct bi_mem w[1] = { { 0xfffffffffffff000ULL, 0x2000, RAM } };
	assert_int_equal(memmap_sanitize(w, 1, 1), 1);
	assert_true(w[0].addr + w[0].len >= w[0].addr);
	assert_int_equal(memmap_sanitize(w, 0, 1), 0);
}

/* Reference: the winning type at byte @x of the input, 0 if none. */
static u32 type_at(const struct bi_mem *m, u32 n, u64 x)
{
	u32 t = 0;

	for (u32 i = 0; i < n; i++) {
		if (x < m[i].addr || x >= m[i].addr + m[i].len)
			continue;
		if (t == 0 || (m[i].type != RAM && (t == RAM || m[i].type > t)))
			t = m[i].type;
	}
	return t;
}

static void test_sanitize_random(void **state)
{
	struct bi_mem in[12], m[64];

	(void)state;
	srand(99);
	for (int round = 0; round < 300; round++) {
		u32 n = (u32)(rand() % 12);

		for (u32 i = 0; i < n; i++) {
			in[i].addr = (u64)(rand() % 64) * 16;
			in[i].len = (u64)(rand() % 24) * 16;
			in[i].type = (u32)(rand() % 4 ? RAM : 1 + rand() % 5);
			in[i].pad = 0;
		}
		memcpy(m, in, n * sizeof(in[0]));
		u32 out = memmap_sanitize(m, n, 64);
		for (u32 i = 0; i < out; i++) {
			assert_true(m[i].len > 0);
			if (i) {
				assert_true(m[i - 1].addr + m[i - 1].len <= m[i].addr);
				if (m[i - 1].addr + m[i - 1].len == m[i].addr)
					assert_int_not_equal(m[i - 1].type, m[i].type);
			}
		}
		for (u64 x = 0; x < 64 * 16 + 24 * 16; x += 8)
			assert_int_equal(type_at(m, out, x), type_at(in, n, x));
	}
}

static void expect_ranges(const struct mem_range *r, u32 n, const struct mem_range *want, u32 nw)
{
	if (n != nw)
		fail_msg("got %u ranges, want %u", n, nw);
	for (u32 i = 0; i < n; i++) {
		if (r[i].start != want[i].start || r[i].end != want[i].end)
			fail_msg("range %u: got %#llx-%#llx, want %#llx-%#llx", i,
				 (unsigned long long)r[i].start, (unsigned long long)r[i].end,
				 (unsigned long long)want[i].start,
				 (unsigned long long)want[i].end);
	}
}

static void test_free_ranges(void **state)
{
	struct mem_range out[8];
	u64 lost = 1;

	(void)state;
	const struct bi_mem m[] = {
		{ 0x500, 0x9f300, RAM }, /* unaligned both ends */
		{ 0x9f800, 0x800, RSV },
		{ 0x100000, 0xf00000, RAM },
		{ 0x2000000, 0x800, RAM }, /* less than a page after alignment */
	};
	const struct mem_range rsv[] = {
		{ 0x200010, 0x2ffffb },	  /* widened to whole pages */
		{ 0x5000000, 0x6000000 }, /* outside RAM */
	};
	const struct mem_range want[] = {
		{ 0x1000, 0x9f000 },
		{ 0x100000, 0x200000 },
		{ 0x300000, 0x1000000 },
	};
	u32 n = memmap_free_ranges(m, 4, rsv, 2, out, 8, &lost);
	expect_ranges(out, n, want, 3);
	assert_true(lost == 0);
	/* Only two fit: the third is dropped and counted. */
	n = memmap_free_ranges(m, 4, rsv, 2, out, 2, &lost);
	expect_ranges(out, n, want, 2);
	assert_true(lost == 0x1000000 - 0x300000);
	n = memmap_free_ranges(m, 4, NULL, 0, out, 0, NULL);
	assert_int_equal(n, 0);
	/* No reservations. */
	n = memmap_free_ranges(m, 4, NULL, 0, out, 8, &lost);
	const struct mem_range want2[] = { { 0x1000, 0x9f000 }, { 0x100000, 0x1000000 } };
	expect_ranges(out, n, want2, 2);
}

static void test_free_ranges_unsanitized(void **state)
{
	struct mem_range out[8];

	(void)state;
	/* Unsorted, overlapping RAM, and a reserved entry on top of RAM. */
	const struct bi_mem m[] = {
		{ 0x10000, 0x10000, RAM }, { 0x0, 0x8000, RAM },
		{ 0x6000, 0x4000, RAM },   /* overlaps the one before: one range 0-0xa000 */
		{ 0x14000, 0x1000, ACPI }, /* not RAM: cut out even though RAM covers it */
		{ 0x1e000, 0x1000, RSV },
	};
	const struct mem_range rsv[] = { { 0x3000, 0x3000 }, /* empty */
					 { 0x1f000, 0x30000 } };
	const struct mem_range want[] = {
		{ 0x0, 0xa000 },
		{ 0x10000, 0x14000 },
		{ 0x15000, 0x1e000 },
	};
	u32 n = memmap_free_ranges(m, ARRAY_SIZE(m), rsv, 2, out, 8, NULL);
	expect_ranges(out, n, want, 3);
	/* RAM at the very top of the address space. */
	const struct bi_mem top[] = { { 0xffffffffffff0800ULL, 0xf800, RAM },
				      { 0xfffffffffffff000ULL, 0x2000, RAM } };
	n = memmap_free_ranges(top, 2, NULL, 0, out, 8, NULL);
	const struct mem_range want_top[] = { { 0xffffffffffff1000ULL, 0xfffffffffffff000ULL } };
	expect_ranges(out, n, want_top, 1);
	const struct mem_range rsv_top[] = { { 0xffffffffffff8000ULL, 0xffffffffffffffffULL } };
	n = memmap_free_ranges(top, 2, rsv_top, 1, out, 8, NULL);
	const struct mem_range want_top2[] = { { 0xffffffffffff1000ULL, 0xffffffffffff8000ULL } };
	expect_ranges(out, n, want_top2, 1);
}

static void test_free_ranges_random(void **state)
{
	struct bi_mem m[8];
	struct mem_range rsv[4], out[64];
	bool ref[64];

	(void)state;
	srand(5);
	for (int round = 0; round < 300; round++) {
		u32 n = (u32)(rand() % 8), nr = (u32)(rand() % 4);

		for (u32 i = 0; i < n; i++) {
			m[i].addr = (u64)(rand() % 48) * 0x800;
			m[i].len = (u64)(rand() % 32) * 0x800;
			m[i].type = rand() % 3 ? RAM : RSV;
		}
		for (u32 i = 0; i < nr; i++) {
			rsv[i].start = (u64)(rand() % 0x30000);
			rsv[i].end = rsv[i].start + (u64)(rand() % 0x8000);
		}
		/* Reference, page by page. */
		for (u64 p = 0; p < 64; p++) {
			u64 s = p << 12, e = s + 0x1000;
			bool in_ram = false, excl = false;

			for (u32 i = 0; i < n; i++) {
				u64 a = m[i].addr, b = m[i].addr + m[i].len;
				if (m[i].type == RAM && a <= s && e <= b)
					in_ram = true;
				if (m[i].type != RAM && a < b && a < e && s < b)
					excl = true;
			}
			for (u32 i = 0; i < nr; i++)
				if (rsv[i].start < rsv[i].end && rsv[i].start < e && s < rsv[i].end)
					excl = true;
			ref[p] = in_ram && !excl;
		}
		u32 cnt = memmap_free_ranges(m, n, rsv, nr, out, 64, NULL);
		bool got[64] = { false };
		for (u32 i = 0; i < cnt; i++) {
			assert_true(out[i].start < out[i].end);
			assert_true(!(out[i].start & 0xfff) && !(out[i].end & 0xfff));
			if (i)
				assert_true(out[i - 1].end < out[i].start); /* sorted, maximal */
			for (u64 a = out[i].start; a < out[i].end; a += 0x1000)
				got[a >> 12] = true;
		}
		if (memcmp(got, ref, sizeof(ref))) {
			for (u32 i = 0; i < n; i++)
				print_message("map %#llx+%#llx %u\n", (unsigned long long)m[i].addr,
					      (unsigned long long)m[i].len, m[i].type);
			for (u32 i = 0; i < nr; i++)
				print_message("rsv %#llx-%#llx\n", (unsigned long long)rsv[i].start,
					      (unsigned long long)rsv[i].end);
			for (u32 i = 0; i < cnt; i++)
				print_message("out %#llx-%#llx\n", (unsigned long long)out[i].start,
					      (unsigned long long)out[i].end);
		}
		assert_memory_equal(got, ref, sizeof(ref));
	}
}

static void test_ram_top(void **state)
{
	(void)state;
	const struct bi_mem m[] = {
		{ 0x100000, 0x1000000, RAM },
		{ 0x80000000, 0x10000000, RSV },
		{ 0x0, 0x9f000, RAM },
		{ 0x70000000, 0, RAM },
	};
	assert_true(memmap_ram_top(m, 4) == 0x1100000);
	assert_true(memmap_ram_top(m, 0) == 0);
	const struct bi_mem wrap[] = { { 0xfffffffffffff000ULL, 0x2000, RAM } };
	assert_true(memmap_ram_top(wrap, 1) == ~0ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize_basic),
		cmocka_unit_test(test_sanitize_merges),
		cmocka_unit_test(test_sanitize_priorities),
		cmocka_unit_test(test_sanitize_full),
		cmocka_unit_test(test_sanitize_random),
		cmocka_unit_test(test_free_ranges),
		cmocka_unit_test(test_free_ranges_unsanitized),
		cmocka_unit_test(test_free_ranges_random),
		cmocka_unit_test(test_ram_top),
	};

	return cmocka_run_group_tests_name("memmap", tests, NULL, NULL);
}
