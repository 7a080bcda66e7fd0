/*
 * The zstd decoder (xen/common/decompress/zstd.c) against the host's
 * libzstd: every level (and --ultra 22), with and without the content
 * checksum, frames without a content size, long-distance matching, several
 * frames and skippable frames; every truncation, bit flips and short output
 * buffers must fail cleanly; frames needing a dictionary are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zstd.h>

#include "decompress.h"
#include "errno.h"
#include "shim.h"

#define MiB (1024 * 1024)

static char err[256];
static uint64_t rng_state = 0x853c49e6748fea9bull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

enum kind { K_ZERO, K_RANDOM, K_TEXT, K_MIXED, K_SKEWED, K_NKINDS };

static uint8_t *make_data(enum kind k, size_t n)
{
	static const char *const words[] = { "zstd ",	"frame ",  "block ",  "literal ",
					     "match\n", "offset ", "petrel ", "sequence " };
	uint8_t *p = malloc(n ? n : 1);
	size_t i = 0;

	assert_non_null(p);
	while (i < n) {
		uint64_t r = rnd();

		switch (k) {
		case K_ZERO:
			p[i++] = 0;
			break;
		case K_RANDOM:
			p[i++] = (uint8_t)r;
			break;
		case K_TEXT:
			for (const char *w = words[r % 8]; *w && i < n; w++)
				p[i++] = (uint8_t)*w;
			break;
		case K_SKEWED: /* few symbols with very uneven frequencies: deep Huffman codes */
			p[i++] = (uint8_t)(__builtin_ctzll(r | (1ull << 40)) + 'a');
			break;
		default:
			p[i] = (i / 5000) % 3 == 0   ? (uint8_t)r
			       : (i / 5000) % 3 == 1 ? 0
						     : 'q' + i % 9;
			i++;
		}
	}
	return p;
}

/* Compress with libzstd's advanced API. */
static uint8_t *zs_encode(const uint8_t *in, size_t n, int level, int checksum, int size_flag,
			  int ldm, size_t *out_n)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t cap = ZSTD_compressBound(n), r;
	uint8_t *out = malloc(cap);

	assert_non_null(c);
	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, checksum);
	ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, size_flag);
	if (ldm) {
		ZSTD_CCtx_setParameter(c, ZSTD_c_enableLongDistanceMatching, 1);
		ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, 24);
	}
	r = ZSTD_compress2(c, out, cap, in, n);
	assert_false(ZSTD_isError(r));
	ZSTD_freeCCtx(c);
	*out_n = r;
	return out;
}

static int our_unzstd(const uint8_t *in, size_t n, size_t out_max, uint8_t **out, size_t *len)
{
	int rc;

	*out = malloc(out_max ? out_max : 1);
	*len = (size_t)-1;
	rc = unzstd(in, n, out_max ? *out : NULL, out_max, len, err, sizeof(err));
	if (rc)
		assert_true(err[0] != '\0');
	return rc;
}

static void expect_roundtrip(const uint8_t *zs, size_t zn, const uint8_t *data, size_t n)
{
	uint8_t *out;
	size_t len;
	int rc = our_unzstd(zs, zn, n, &out, &len);

	if (rc)
		fail_msg("unzstd failed (%d): %s", rc, err);
	assert_int_equal(len, n);
	if (n)
		assert_memory_equal(out, data, n);
	free(out);
}

static void test_levels(void **state)
{
	static const size_t sizes[] = { 0, 1, 7, 1000, 131072 + 5, 400000 };
	(void)state;

	for (enum kind k = 0; k < K_NKINDS; k++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			uint8_t *data = make_data(k, sizes[s]);

			for (int level = -3; level <= 22; level++) {
				size_t zn;
				uint8_t *zs;

				if (sizes[s] > 100000 && level % 5)
					continue;
				if (level > 19 && sizes[s] > 2000)
					continue; /* the ultra levels are slow */
				zs = zs_encode(data, sizes[s], level, level & 1, level % 3 != 0, 0,
					       &zn);
				expect_roundtrip(zs, zn, data, sizes[s]);
				free(zs);
			}
			free(data);
		}
}

static void test_large_ldm(void **state)
{
	size_t n = 3 * MiB + 77, zn;
	uint8_t *data = make_data(K_MIXED, n), *zs;
	(void)state;

	/* repeat the first MiB far away: only a long-distance match finds it */
	memcpy(data + 2 * MiB, data, MiB);
	zs = zs_encode(data, n, 3, 1, 1, 1, &zn);
	expect_roundtrip(zs, zn, data, n);
	free(zs);
	zs = zs_encode(data, n, 19, 1, 0, 0, &zn);
	expect_roundtrip(zs, zn, data, n);
	free(zs);
	free(data);
}

/* Two frames and skippable frames around them. */
static void test_frames(void **state)
{
	size_t n1 = 30000, n2 = 50000, z1, z2, len;
	uint8_t *d = make_data(K_TEXT, n1 + n2), *a, *b, *cat, *out, *p;
	(void)state;

	a = zs_encode(d, n1, 5, 1, 1, 0, &z1);
	b = zs_encode(d + n1, n2, 1, 0, 0, 0, &z2);
	p = cat = malloc(z1 + z2 + 8 + 5 + 8);
	memcpy(p, "\x50\x2a\x4d\x18\x05\x00\x00\x00hello", 13);
	p += 13;
	memcpy(p, a, z1);
	p += z1;
	memcpy(p, b, z2);
	p += z2;
	memcpy(p, "\x5f\x2a\x4d\x18\x00\x00\x00\x00", 8);
	p += 8;
	expect_roundtrip(cat, (size_t)(p - cat), d, n1 + n2);
	/* a skippable frame claiming more bytes than there are */
	assert_int_equal(our_unzstd(cat, 12, n1 + n2, &out, &len), -EINVAL);
	free(out);
	/* garbage after the last frame */
	assert_int_equal(our_unzstd(cat, (size_t)(p - cat) - 3, n1 + n2, &out, &len), -EINVAL);
	free(out);
	free(a);
	free(b);
	free(cat);
	free(d);
}

static void test_dictionary_refused(void **state)
{
	uint8_t *data = make_data(K_TEXT, 4000), *zs, *out, dict[2048];
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t zn, len, cap = ZSTD_compressBound(4000);
	(void)state;

	for (size_t i = 0; i < sizeof(dict); i++)
		dict[i] = (uint8_t)("zstd frame block "[i % 17]);
	zs = malloc(cap);
	/* a raw-content dictionary with an ID in the frame header */
	ZSTD_CCtx_setParameter(c, ZSTD_c_dictIDFlag, 1);
	zn = ZSTD_compress_usingDict(c, zs, cap, data, 4000, dict, sizeof(dict), 3);
	assert_false(ZSTD_isError(zn));
	ZSTD_freeCCtx(c);
	/* raw dictionaries carry no ID: patch one into the header to be sure */
	if (!(zs[4] & 3)) {
		size_t off = 5 + !(zs[4] & 0x20); /* after the window descriptor, if any */

		memmove(zs + off + 1, zs + off, zn - off);
		zs[off] = 0x2a;
		zs[4] |= 1;
		zn++;
	}
	assert_int_equal(our_unzstd(zs, zn, 4000, &out, &len), -EOPNOTSUPP);
	assert_non_null(strstr(err, "dictionary"));
	free(out);
	free(zs);
	free(data);
}

static void test_output_too_small(void **state)
{
	size_t n = 200000, zn, len;
	uint8_t *data = make_data(K_MIXED, n), *zs, *out;
	(void)state;

	zs = zs_encode(data, n, 3, 1, 1, 0, &zn);
	for (size_t max = 0; max < n; max += max < 64 ? 1 : 9999) {
		assert_int_equal(our_unzstd(zs, zn, max, &out, &len), -ENOSPC);
		free(out);
	}
	assert_int_equal(our_unzstd(zs, zn, n - 1, &out, &len), -ENOSPC);
	free(out);
	expect_roundtrip(zs, zn, data, n);
	free(zs);
	free(data);
}

static void test_truncations(void **state)
{
	size_t n = 6000, zn, len;
	uint8_t *data = make_data(K_SKEWED, n), *zs, *out;
	(void)state;

	{
		uint8_t *text = make_data(K_TEXT, 3000);

		memcpy(data + 3000, text, 3000);
		free(text);
	}
	zs = zs_encode(data, n, 9, 1, 1, 0, &zn);
	for (size_t cut = 0; cut < zn; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);

		memcpy(copy, zs, cut);
		if (our_unzstd(copy, cut, n, &out, &len) == 0)
			fail_msg("prefix of %zu/%zu bytes accepted", cut, zn);
		free(out);
		free(copy);
	}
	free(zs);
	free(data);
}

static void test_bitflips(void **state)
{
	size_t n = 30000, zn, len;
	uint8_t *data = make_data(K_MIXED, n), *zs, *copy, *out;
	(void)state;

	for (int check = 0; check < 2; check++) {
		zs = zs_encode(data, n, 7, check, 1, 0, &zn);
		copy = malloc(zn);
		for (int i = 0; i < 3000; i++) {
			int rc;

			memcpy(copy, zs, zn);
			for (int j = 0, flips = 1 + (int)(rnd() % 3); j < flips; j++) {
				size_t at = rnd() % zn;

				if (i % 4 == 3)
					copy[at] = (uint8_t)rnd();
				else
					copy[at] ^= (uint8_t)(1u << (rnd() % 8));
			}
			if (!memcmp(copy, zs, zn))
				continue;
			rc = our_unzstd(copy, zn, i % 5 ? n : n / 3, &out, &len);
			if (check && rc == 0 && (len != n || memcmp(out, data, n)))
				fail_msg("corrupted frame (try %d) decoded to other data", i);
			if (rc == 0)
				assert_true(len <= n);
			free(out);
		}
		free(copy);
		free(zs);
	}
	free(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),		 cmocka_unit_test(test_large_ldm),
		cmocka_unit_test(test_frames),		 cmocka_unit_test(test_dictionary_refused),
		cmocka_unit_test(test_output_too_small), cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_bitflips),
	};

	return cmocka_run_group_tests_name("zstd", tests, NULL, NULL);
}
