/*
 * The gzip/deflate decoder (xen/common/decompress/inflate.c) against the
 * host's zlib: every compression level and strategy, small windows, stored
 * blocks, optional gzip header fields; truncations, bit flips and short
 * output buffers must fail cleanly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "decompress.h"
#include "errno.h"
#include "shim.h"

static char err[256];
static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

enum kind { K_ZERO, K_RANDOM, K_TEXT, K_MIXED, K_NKINDS };

static uint8_t *make_data(enum kind k, size_t n)
{
	static const char *const words[] = { "deflate ", "inflate ", "gzip ", "huffman\n",
					     "window ",	 "petrel ",  "dom0 ", "kernel " };
	uint8_t *p = malloc(n ? n : 1);
	size_t i = 0;

	assert_non_null(p);
	while (i < n) {
		if (k == K_ZERO) {
			p[i++] = 0;
		} else if (k == K_RANDOM) {
			p[i++] = (uint8_t)rnd();
		} else if (k == K_TEXT) {
			for (const char *w = words[rnd() % 8]; *w && i < n; w++)
				p[i++] = (uint8_t)*w;
		} else {
			p[i] = (i / 3000) % 3 == 0   ? (uint8_t)rnd()
			       : (i / 3000) % 3 == 1 ? 0
						     : 'k' + i % 5;
			i++;
		}
	}
	return p;
}

/* gzip with zlib; head (optional) adds name, comment, extra field and header CRC. */
static uint8_t *gz_encode(const uint8_t *in, size_t n, int level, int wbits, int strategy,
			  gz_header *head, size_t *out_n)
{
	z_stream z;
	size_t cap = n + n / 100 + 1024;
	uint8_t *out = malloc(cap);

	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, level, Z_DEFLATED, wbits + 16, 8, strategy), Z_OK);
	if (head)
		assert_int_equal(deflateSetHeader(&z, head), Z_OK);
	z.next_in = (uint8_t *)in;
	z.avail_in = n;
	z.next_out = out;
	z.avail_out = cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*out_n = cap - z.avail_out;
	deflateEnd(&z);
	return out;
}

static int our_gunzip(const uint8_t *in, size_t n, size_t out_max, uint8_t **out, size_t *len)
{
	int rc;

	*out = malloc(out_max ? out_max : 1);
	rc = gunzip(in, n, out_max ? *out : NULL, out_max, len, err, sizeof(err));
	if (rc)
		assert_true(err[0] != '\0');
	return rc;
}

static void expect_roundtrip(const uint8_t *gz, size_t gn, const uint8_t *data, size_t n)
{
	uint8_t *out;
	size_t len = 0;
	int rc = our_gunzip(gz, gn, n, &out, &len);

	if (rc)
		fail_msg("gunzip failed (%d): %s", rc, err);
	assert_int_equal(len, n);
	if (n)
		assert_memory_equal(out, data, n);
	free(out);
}

static void test_levels_strategies(void **state)
{
	static const size_t sizes[] = { 0, 1, 3, 1000, 65536 + 3, 400000 };
	static const int strategies[] = { Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE,
					  Z_FIXED };
	(void)state;

	for (enum kind k = 0; k < K_NKINDS; k++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			uint8_t *data = make_data(k, sizes[s]);

			for (int level = 0; level <= 9; level++)
				for (size_t st = 0; st < 5; st++) {
					size_t gn;
					uint8_t *gz;

					if (sizes[s] > 100000 && (level % 4 || st > 1))
						continue;
					gz = gz_encode(data, sizes[s], level, 15, strategies[st],
						       NULL, &gn);
					expect_roundtrip(gz, gn, data, sizes[s]);
					free(gz);
				}
			free(data);
		}
}

static void test_windows(void **state)
{
	size_t n = 300000;
	uint8_t *data = make_data(K_MIXED, n);
	(void)state;

	for (int wbits = 9; wbits <= 15; wbits++) {
		size_t gn;
		uint8_t *gz = gz_encode(data, n, 6, wbits, Z_DEFAULT_STRATEGY, NULL, &gn);

		expect_roundtrip(gz, gn, data, n);
		free(gz);
	}
	free(data);
}

static void test_header_fields(void **state)
{
	uint8_t extra[] = "AB\x04\x00wxyz";
	gz_header h = { .text = 1,
			.time = 12345,
			.os = 3,
			.extra = extra,
			.extra_len = 8,
			.name = (Bytef *)"vmlinux",
			.comment = (Bytef *)"a comment",
			.hcrc = 1 };
	size_t n = 5000, gn, len;
	uint8_t *data = make_data(K_TEXT, n), *gz, *out;
	(void)state;

	gz = gz_encode(data, n, 9, 15, Z_DEFAULT_STRATEGY, &h, &gn);
	assert_int_equal(gz[3], 2 | 4 | 8 | 16 | 1);
	expect_roundtrip(gz, gn, data, n);
	/* the header CRC covers the name */
	gz[20] ^= 1;
	assert_int_equal(our_gunzip(gz, gn, n, &out, &len), -EINVAL);
	free(out);
	free(gz);
	/* reserved flag bits and methods other than deflate */
	gz = gz_encode(data, n, 1, 15, Z_DEFAULT_STRATEGY, NULL, &gn);
	gz[3] |= 0x20;
	assert_int_equal(our_gunzip(gz, gn, n, &out, &len), -EINVAL);
	free(out);
	gz[3] &= ~0x20;
	gz[2] = 7;
	assert_int_equal(our_gunzip(gz, gn, n, &out, &len), -EOPNOTSUPP);
	free(out);
	free(gz);
	free(data);
}

/* Raw deflate streams built by hand: stored block, bad block type, bad distances. */
static void test_handmade(void **state)
{
	/* gzip header, then stored final block "hi", then CRC and size */
	uint8_t s[] = { 0x1f, 0x8b, 8,	 0,   0, 0, 0, 0, 0, 3, 0x01, 2, 0,
			0xfd, 0xff, 'h', 'i', 0, 0, 0, 0, 2, 0, 0,    0 };
	uint32_t crc = crc32(0, (const Bytef *)"hi", 2);
	uint8_t *out;
	size_t len;
	(void)state;

	memcpy(s + 17, &crc, 4);
	expect_roundtrip(s, sizeof(s), (const uint8_t *)"hi", 2);
	s[13] = 0xfc; /* NLEN no longer the complement */
	assert_int_equal(our_gunzip(s, sizeof(s), 2, &out, &len), -EINVAL);
	assert_non_null(strstr(err, "stored"));
	free(out);
	s[13] = 0xfd;
	s[10] = 0x07; /* BTYPE 3 */
	assert_int_equal(our_gunzip(s, sizeof(s), 2, &out, &len), -EINVAL);
	assert_non_null(strstr(err, "block type"));
	free(out);
	s[10] = 0x01;
	s[21] = 3; /* ISIZE wrong */
	assert_int_equal(our_gunzip(s, sizeof(s), 2, &out, &len), -EINVAL);
	free(out);
	{
		/* fixed block: match at distance 1 with nothing written yet */
		uint8_t f[] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0x03,
				0x02, 0,    0, 0, 0, 0, 0, 0, 0, 0, 0 };

		/* BFINAL=1 BTYPE=01, length code 257 (0000001), distance code 0 (00000) */
		assert_int_equal(our_gunzip(f, sizeof(f), 100, &out, &len), -EINVAL);
		free(out);
	}
}

static void test_output_too_small(void **state)
{
	size_t n = 70000, gn, len;
	uint8_t *data = make_data(K_MIXED, n), *gz, *out;
	(void)state;

	for (int level = 0; level <= 9; level += 9) {
		gz = gz_encode(data, n, level, 15, Z_DEFAULT_STRATEGY, NULL, &gn);
		for (size_t max = 0; max < n; max += max < 50 ? 1 : 3333) {
			assert_int_equal(our_gunzip(gz, gn, max, &out, &len), -ENOSPC);
			free(out);
		}
		expect_roundtrip(gz, gn, data, n);
		free(gz);
	}
	free(data);
}

static void test_truncations(void **state)
{
	size_t n = 4000, gn, len;
	uint8_t *data = make_data(K_MIXED, n), *gz, *out;
	(void)state;

	gz = gz_encode(data, n, 9, 15, Z_DEFAULT_STRATEGY, NULL, &gn);
	for (size_t cut = 0; cut < gn; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);

		memcpy(copy, gz, cut);
		if (our_gunzip(copy, cut, n, &out, &len) == 0)
			fail_msg("prefix of %zu/%zu bytes accepted", cut, gn);
		free(out);
		free(copy);
	}
	free(gz);
	free(data);
}

static void test_bitflips(void **state)
{
	size_t n = 20000, gn, len;
	uint8_t *data = make_data(K_MIXED, n), *gz, *copy, *out;
	(void)state;

	gz = gz_encode(data, n, 6, 15, Z_DEFAULT_STRATEGY, NULL, &gn);
	copy = malloc(gn);
	for (int i = 0; i < 3000; i++) {
		memcpy(copy, gz, gn);
		for (int j = 0, flips = 1 + (int)(rnd() % 3); j < flips; j++) {
			size_t at = rnd() % gn;

			if (i % 4 == 3)
				copy[at] = (uint8_t)rnd();
			else
				copy[at] ^= (uint8_t)(1u << (rnd() % 8));
		}
		/* a flip in MTIME/XFL/OS is harmless; anything that decodes must be right */
		if (our_gunzip(copy, gn, i % 5 ? n : n / 2, &out, &len) == 0) {
			assert_int_equal(len, n);
			assert_memory_equal(out, data, n);
		}
		free(out);
	}
	free(copy);
	free(gz);
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_strategies), cmocka_unit_test(test_windows),
		cmocka_unit_test(test_header_fields),	  cmocka_unit_test(test_handmade),
		cmocka_unit_test(test_output_too_small),  cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_bitflips),
	};

	return cmocka_run_group_tests_name("inflate", tests, NULL, NULL);
}
