/*
 * The .xz decoder (xen/common/decompress/xz.c, lzma2.c, bcj.c) against the
 * host's liblzma: streams made here with every preset, lc/lp/pb variants,
 * the x86 BCJ filter, each check type, several blocks and streams; broken
 * streams (every truncation, bit flips, short output buffers) must fail
 * cleanly. Also the format front end (decompress.c) and, when `make
 * dom0-image` (xz, 6.1) or `make dom0-image-6.12` (zstd) has fetched them,
 * Debian's own kernels.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>
#include <cmocka.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "decompress.h"
#include "elf_loader.h"
#include "errno.h"
#include "shim.h"

#define MiB (1024 * 1024)

static char err[256];
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

enum kind { K_ZERO, K_RANDOM, K_TEXT, K_X86, K_MIXED, K_NKINDS };

static const char *const words[] = { "petrel ",	 "hypervisor ", "the ",	     "domain ", "event ",
				     "channel ", "grant\n",	"xenstore ", "page ",	"table\n" };

/* Test data of each kind: x86 has many E8/E9 opcodes with near and far displacements. */
static uint8_t *make_data(enum kind k, size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	size_t i = 0;

	assert_non_null(p);
	while (i < n) {
		switch (k) {
		case K_ZERO:
			p[i++] = 0;
			break;
		case K_RANDOM:
			p[i++] = (uint8_t)rnd();
			break;
		case K_TEXT: {
			const char *w = words[rnd() % 10];

			for (; *w && i < n; w++)
				p[i++] = (uint8_t)*w;
			break;
		}
		case K_X86: {
			uint64_t r = rnd();

			if (r % 3 == 0) {
				p[i++] = (r & 8) ? 0xe8 : 0xe9;
			} else if (r % 3 == 1) {
				p[i++] = (r & 16) ? 0x00 : 0xff;
			} else {
				p[i++] = (uint8_t)(r >> 8);
			}
			break;
		}
		default: /* runs of text, zeros and noise */
			p[i] = (i / 4096) % 3 == 0   ? (uint8_t)rnd()
			       : (i / 4096) % 3 == 1 ? 0
						     : 'a' + i % 7;
			i++;
		}
	}
	return p;
}

/* Encode with liblzma: filters given, one stream. */
static uint8_t *encode_filters(const lzma_filter *f, lzma_check check, const uint8_t *in, size_t n,
			       size_t *out_n)
{
	size_t cap = lzma_stream_buffer_bound(n), pos = 0;
	uint8_t *out = malloc(cap);

	assert_non_null(out);
	assert_int_equal(
	    lzma_stream_buffer_encode((lzma_filter *)f, check, NULL, in, n, out, &pos, cap),
	    LZMA_OK);
	*out_n = pos;
	return out;
}

/* A preset (with LZMA_PRESET_EXTREME maybe), dictionary capped to keep the encoder small. */
static uint8_t *encode_preset(uint32_t preset, bool x86, lzma_check check, const uint8_t *in,
			      size_t n, size_t *out_n)
{
	lzma_options_lzma opt;
	lzma_filter f[3];
	int i = 0;

	assert_false(lzma_lzma_preset(&opt, preset));
	if (opt.dict_size > 8 * MiB)
		opt.dict_size = 8 * MiB;
	if (x86)
		f[i++] = (lzma_filter){ .id = LZMA_FILTER_X86, .options = NULL };
	f[i++] = (lzma_filter){ .id = LZMA_FILTER_LZMA2, .options = &opt };
	f[i] = (lzma_filter){ .id = LZMA_VLI_UNKNOWN };
	return encode_filters(f, check, in, n, out_n);
}

/* Decode with ours into a buffer of exactly out_max bytes (ASan sees any overrun). */
static int our_unxz(const uint8_t *in, size_t n, size_t out_max, uint8_t **out, size_t *out_len)
{
	int rc;

	*out = malloc(out_max ? out_max : 1);
	assert_non_null(*out);
	*out_len = (size_t)-1;
	rc = unxz(in, n, out_max ? *out : NULL, out_max, out_len, err, sizeof(err));
	if (rc)
		assert_true(err[0] != '\0');
	return rc;
}

static void expect_roundtrip(const uint8_t *xz, size_t xz_n, const uint8_t *data, size_t n)
{
	uint8_t *out;
	size_t len;
	int rc = our_unxz(xz, xz_n, n, &out, &len);

	if (rc)
		fail_msg("unxz failed (%d): %s", rc, err);
	assert_int_equal(len, n);
	if (n)
		assert_memory_equal(out, data, n);
	free(out);
}

/*
 * Matches that overlap themselves: runs with every period from 1 to 19 and
 * lengths around the 8-byte copy steps, decoded into a buffer of exactly
 * the output's size (ASan: no step may pass its end) and into a larger one.
 */
static void test_periodic_runs(void **state)
{
	size_t n = 0, cap = 192 * 1024, xz_n, len;
	uint8_t *data = malloc(cap), *xz, *out;
	int rc;

	(void)state;
	assert_non_null(data);
	for (unsigned int period = 1; period < 20; period++)
		for (unsigned int run = 1; run < 300; run += 7) {
			for (unsigned int i = 0; i < period; i++)
				data[n + i] = (uint8_t)rnd();
			for (unsigned int i = period; i < run + period; i++)
				data[n + i] = data[n + i - period];
			n += run + period;
		}
	assert_true(n <= cap);
	xz = encode_preset(6, false, LZMA_CHECK_CRC32, data, n, &xz_n);
	expect_roundtrip(xz, xz_n, data, n);
	rc = our_unxz(xz, xz_n, n + 100, &out, &len);
	assert_int_equal(rc, 0);
	assert_int_equal(len, n);
	assert_memory_equal(out, data, n);
	free(out);
	free(xz);
	free(data);
}

static void test_presets(void **state)
{
	static const size_t sizes[] = { 0, 1, 5, 4096, 70000, 300000 };
	(void)state;

	for (enum kind k = 0; k < K_NKINDS; k++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			uint8_t *data = make_data(k, sizes[s]);

			for (uint32_t p = 0; p <= 10; p++) {
				uint32_t preset = p == 10 ? 9 | LZMA_PRESET_EXTREME : p;
				size_t n;
				uint8_t *xz;

				/* the biggest sizes with a few presets only */
				if (sizes[s] > 100000 && p % 3)
					continue;
				xz = encode_preset(preset, false, LZMA_CHECK_CRC64, data, sizes[s],
						   &n);
				expect_roundtrip(xz, n, data, sizes[s]);
				free(xz);
			}
			free(data);
		}
}

/* A few MiB in one go, and a preset -e stream of mixed data. */
static void test_large(void **state)
{
	size_t n = 3 * MiB + 12345, xn;
	uint8_t *data = make_data(K_MIXED, n), *xz;
	(void)state;

	xz = encode_preset(6, false, LZMA_CHECK_CRC32, data, n, &xn);
	expect_roundtrip(xz, xn, data, n);
	free(xz);
	xz = encode_preset(1 | LZMA_PRESET_EXTREME, true, LZMA_CHECK_CRC64, data, n, &xn);
	expect_roundtrip(xz, xn, data, n);
	free(xz);
	free(data);
}

static void test_lclppb(void **state)
{
	static const uint32_t v[][3] = { { 0, 0, 0 }, { 4, 0, 4 }, { 1, 3, 2 }, { 0, 4, 0 },
					 { 3, 1, 1 }, { 2, 2, 3 }, { 0, 2, 4 } };
	size_t n = 200000;
	uint8_t *data = make_data(K_MIXED, n);
	(void)state;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		lzma_options_lzma opt;
		lzma_filter f[2];
		size_t xn;
		uint8_t *xz;

		lzma_lzma_preset(&opt, 4);
		opt.lc = v[i][0];
		opt.lp = v[i][1];
		opt.pb = v[i][2];
		f[0] = (lzma_filter){ .id = LZMA_FILTER_LZMA2, .options = &opt };
		f[1] = (lzma_filter){ .id = LZMA_VLI_UNKNOWN };
		xz = encode_filters(f, LZMA_CHECK_CRC32, data, n, &xn);
		expect_roundtrip(xz, xn, data, n);
		free(xz);
	}
	free(data);
}

/* Real x86 code (this test program) and synthetic E8/E9-dense data, with and without a start
 * offset. */
static void test_bcj_x86(void **state)
{
	FILE *f = fopen("/proc/self/exe", "rb");
	size_t n, xn;
	uint8_t *code = malloc(2 * MiB), *syn, *xz;
	(void)state;

	assert_non_null(f);
	n = fread(code, 1, 2 * MiB, f);
	fclose(f);
	assert_true(n > 10000);
	for (uint32_t p = 0; p <= 9; p += 3) {
		xz = encode_preset(p, true, LZMA_CHECK_CRC32, code, n, &xn);
		expect_roundtrip(xz, xn, code, n);
		free(xz);
	}
	syn = make_data(K_X86, 500000);
	for (size_t len = 0; len < 12; len++) {
		/* short buffers: the last four bytes are never converted */
		xz = encode_preset(0, true, LZMA_CHECK_CRC64, syn, len, &xn);
		expect_roundtrip(xz, xn, syn, len);
		free(xz);
	}
	xz = encode_preset(6, true, LZMA_CHECK_NONE, syn, 500000, &xn);
	expect_roundtrip(xz, xn, syn, 500000);
	free(xz);
	{
		lzma_options_bcj bcj = { .start_offset = 0x12345678 };
		lzma_options_lzma opt;
		lzma_filter fl[3] = { { .id = LZMA_FILTER_X86, .options = &bcj },
				      { .id = LZMA_FILTER_LZMA2, .options = &opt },
				      { .id = LZMA_VLI_UNKNOWN } };

		lzma_lzma_preset(&opt, 2);
		xz = encode_filters(fl, LZMA_CHECK_CRC32, syn, 500000, &xn);
		expect_roundtrip(xz, xn, syn, 500000);
		free(xz);
	}
	free(syn);
	free(code);
}

static void test_checks(void **state)
{
	static const lzma_check ok[] = { LZMA_CHECK_NONE, LZMA_CHECK_CRC32, LZMA_CHECK_CRC64 };
	size_t n = 50000, xn, len;
	uint8_t *data = make_data(K_TEXT, n), *xz, *out;
	(void)state;

	for (size_t i = 0; i < 3; i++) {
		xz = encode_preset(3, i == 1, ok[i], data, n, &xn);
		expect_roundtrip(xz, xn, data, n);
		free(xz);
	}
	xz = encode_preset(3, false, LZMA_CHECK_SHA256, data, n, &xn);
	assert_int_equal(our_unxz(xz, xn, n, &out, &len), -EOPNOTSUPP);
	assert_non_null(strstr(err, "SHA-256"));
	free(out);
	free(xz);
	free(data);
}

/* Several blocks (sizes in the block headers, as the threaded encoder writes them). */
static void test_multiblock(void **state)
{
	size_t n = 1 * MiB + 333, cap, xn = 0;
	uint8_t *data = make_data(K_MIXED, n), *xz;
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_mt mt = { .threads = 1, .block_size = 100000, .preset = 2, .check = LZMA_CHECK_CRC64 };
	(void)state;

	cap = lzma_stream_buffer_bound(n) + 4096;
	xz = malloc(cap);
	assert_int_equal(lzma_stream_encoder_mt(&s, &mt), LZMA_OK);
	s.next_in = data;
	s.avail_in = n;
	s.next_out = xz;
	s.avail_out = cap;
	assert_int_equal(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
	xn = cap - s.avail_out;
	lzma_end(&s);
	expect_roundtrip(xz, xn, data, n);
	free(xz);
	free(data);
}

/* Concatenated streams with stream padding between and after them. */
static void test_concatenated(void **state)
{
	size_t n1 = 10000, n2 = 20000, x1, x2, len;
	uint8_t *d = make_data(K_TEXT, n1 + n2), *a, *b, *cat, *out;
	(void)state;

	a = encode_preset(1, false, LZMA_CHECK_CRC32, d, n1, &x1);
	b = encode_preset(1, true, LZMA_CHECK_NONE, d + n1, n2, &x2);
	cat = calloc(1, x1 + x2 + 16);
	memcpy(cat, a, x1);
	memcpy(cat + x1 + 8, b, x2);
	expect_roundtrip(cat, x1 + x2 + 16, d, n1 + n2);
	/* padding not a multiple of four, or garbage after the stream */
	assert_int_equal(our_unxz(cat, x1 + x2 + 14, n1 + n2, &out, &len), -EINVAL);
	free(out);
	cat[x1 + x2 + 12] = 1;
	assert_int_equal(our_unxz(cat, x1 + x2 + 16, n1 + n2, &out, &len), -EINVAL);
	free(out);
	free(a);
	free(b);
	free(cat);
	free(d);
}

static void test_output_too_small(void **state)
{
	size_t n = 100000, xn, len;
	uint8_t *data = make_data(K_RANDOM, n), *xz, *out;
	(void)state;

	/* random data ends up in uncompressed chunks, text in LZMA chunks: both paths */
	for (int k = 0; k < 2; k++) {
		if (k) {
			uint8_t *text = make_data(K_TEXT, n);

			memcpy(data, text, n);
			free(text);
		}
		xz = encode_preset(2, false, LZMA_CHECK_CRC32, data, n, &xn);
		for (size_t max = 0; max < n; max += max < 100 ? 1 : 7777) {
			assert_int_equal(our_unxz(xz, xn, max, &out, &len), -ENOSPC);
			free(out);
		}
		assert_int_equal(our_unxz(xz, xn, n - 1, &out, &len), -ENOSPC);
		free(out);
		expect_roundtrip(xz, xn, data, n);
		free(xz);
	}
	free(data);
}

/* Every prefix of a small stream is refused with a reason. */
static void test_truncations(void **state)
{
	size_t n = 3000, xn, len;
	uint8_t *data = make_data(K_X86, n), *xz, *out;
	(void)state;

	xz = encode_preset(6, true, LZMA_CHECK_CRC64, data, n, &xn);
	for (size_t cut = 0; cut < xn; cut++) {
		uint8_t *copy = malloc(cut ? cut : 1);

		memcpy(copy, xz, cut);
		if (our_unxz(copy, cut, n, &out, &len) == 0)
			fail_msg("prefix of %zu/%zu bytes accepted", cut, xn);
		free(out);
		free(copy);
	}
	free(xz);
	free(data);
}

/* Random corruption: with checks everything must fail; without, nothing may crash. */
static void test_bitflips(void **state)
{
	size_t n = 20000, xn, len;
	uint8_t *data = make_data(K_MIXED, n), *xz, *copy, *out;
	(void)state;

	for (int check = 0; check < 2; check++) {
		xz = encode_preset(3, true, check ? LZMA_CHECK_CRC64 : LZMA_CHECK_NONE, data, n,
				   &xn);
		copy = malloc(xn);
		for (int i = 0; i < 3000; i++) {
			int rc;

			memcpy(copy, xz, xn);
			for (int j = 0, flips = 1 + (int)(rnd() % 3); j < flips; j++) {
				size_t at = rnd() % xn;

				if (i % 4 == 3)
					copy[at] = (uint8_t)rnd();
				else
					copy[at] ^= (uint8_t)(1u << (rnd() % 8));
			}
			if (!memcmp(copy, xz, xn))
				continue;
			/* out_max below the real size too, now and then */
			rc = our_unxz(copy, xn, i % 5 ? n : n / 2, &out, &len);
			if (check && rc == 0)
				fail_msg("corrupted stream (try %d) accepted", i);
			if (rc == 0)
				assert_true(len <= n);
			free(out);
		}
		free(copy);
		free(xz);
	}
	free(data);
}

/* Hand-made header damage: reserved bits, unknown filters, bad magic. */
static void test_headers(void **state)
{
	size_t n = 1000, xn, len;
	uint8_t *data = make_data(K_TEXT, n), *xz, *out;
	(void)state;

	xz = encode_preset(0, false, LZMA_CHECK_CRC32, data, n, &xn);
	xz[0] = 0xfe;
	assert_int_equal(our_unxz(xz, xn, n, &out, &len), -EINVAL);
	assert_non_null(strstr(err, "magic"));
	free(out);
	free(xz);
	{
		/* a delta filter before LZMA2: valid .xz, but not something we decode */
		lzma_options_delta delta = { .type = LZMA_DELTA_TYPE_BYTE, .dist = 4 };
		lzma_options_lzma opt;
		lzma_filter f[3] = { { .id = LZMA_FILTER_DELTA, .options = &delta },
				     { .id = LZMA_FILTER_LZMA2, .options = &opt },
				     { .id = LZMA_VLI_UNKNOWN } };

		lzma_lzma_preset(&opt, 1);
		xz = encode_filters(f, LZMA_CHECK_CRC32, data, n, &xn);
		assert_int_equal(our_unxz(xz, xn, n, &out, &len), -EOPNOTSUPP);
		assert_non_null(strstr(err, "filter"));
		free(out);
		free(xz);
	}
	assert_int_equal(unxz(NULL, 0, NULL, 0, &len, err, sizeof(err)), -EINVAL);
	free(data);
}

static void test_front(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		const char *name;
	} unsupported[] = {
		{ "BZh91AY", 7, "bzip2" },
		{ "\x5d\x00\x00\x80\x00", 5, "lzma" },
		{ "\x89LZO\x00\r\n\x1a\n", 9, "lzo" },
		{ "\x02\x21\x4c\x18xx", 6, "lz4" },
	};
	uint8_t buf[64], *data = make_data(K_TEXT, 5000), *xz, gz[8192];
	size_t len, xn;
	uLongf gzn = sizeof(gz);
	z_stream z = { 0 };
	(void)state;

	for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
		assert_int_equal(decompress((const uint8_t *)unsupported[i].bytes,
					    unsupported[i].len, buf, sizeof(buf), &len, err,
					    sizeof(err)),
				 -EOPNOTSUPP);
		assert_non_null(strstr(err, unsupported[i].name));
		assert_non_null(strstr(err, "not supported"));
	}
	assert_int_equal(
	    decompress((const uint8_t *)"hello", 5, buf, sizeof(buf), &len, err, sizeof(err)),
	    -EINVAL);
	assert_non_null(strstr(err, "unknown"));
	assert_int_equal(decompress(NULL, 0, buf, sizeof(buf), &len, err, sizeof(err)), -EINVAL);

	/* xz and gzip both through the front, and as kernel payloads with the size trailer */
	xz = encode_preset(2, false, LZMA_CHECK_CRC32, data, 5000, &xn);
	xz = realloc(xz, xn + 4);
	{
		uint8_t *out = malloc(5000);
		enum decomp_format fmt;

		assert_int_equal(decompress(xz, xn, out, 5000, &len, err, sizeof(err)), 0);
		assert_memory_equal(out, data, 5000);
		memcpy(xz + xn, "\x88\x13\x00\x00", 4); /* 5000 */
		assert_int_equal(kernel_payload_size(xz, xn + 4), 5000);
		assert_int_equal(
		    decompress_kernel_payload(xz, xn + 4, out, 5000, &len, &fmt, err, sizeof(err)),
		    0);
		assert_int_equal(fmt, DECOMP_XZ);
		assert_int_equal(len, 5000);
		xz[xn] = 0x87; /* trailer now says 4999 */
		assert_int_equal(
		    decompress_kernel_payload(xz, xn + 4, out, 5000, &len, &fmt, err, sizeof(err)),
		    -EINVAL);
		assert_non_null(strstr(err, "trailer"));

		assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
		z.next_in = data;
		z.avail_in = 5000;
		z.next_out = gz;
		z.avail_out = sizeof(gz);
		assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
		gzn = sizeof(gz) - z.avail_out;
		deflateEnd(&z);
		memset(out, 0, 5000);
		assert_int_equal(
		    decompress_kernel_payload(gz, gzn, out, 5000, &len, &fmt, err, sizeof(err)), 0);
		assert_int_equal(fmt, DECOMP_GZIP);
		assert_memory_equal(out, data, 5000);
		assert_int_equal(
		    decompress_kernel_payload(gz, 3, out, 5000, &len, &fmt, err, sizeof(err)),
		    -EINVAL);
		free(out);
	}
	free(xz);
	free(data);
}

static uint8_t *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p;
	long sz;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	rewind(f);
	p = malloc(sz > 0 ? sz : 1);
	*n = fread(p, 1, sz, f);
	fclose(f);
	return p;
}

/* Debian's kernels as fetched by `make dom0-image` (skipped when absent). */
static void test_debian_kernel(void **state)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char pattern[512];
	glob_t g;
	int tested = 0;
	(void)state;

	snprintf(pattern, sizeof(pattern), "%s/dom0*/boot/vmlinuz-*", build);
	if (glob(pattern, 0, NULL, &g) != 0) {
		print_message("no Debian kernel under %s (make dom0-image): skipped\n", build);
		skip();
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		size_t n, plen, len, ref_len = 0, in_pos = 0;
		uint8_t *img = read_file(g.gl_pathv[i], &n), *out, *ref;
		const void *payload;
		enum decomp_format fmt;
		uint64_t memlimit = UINT64_MAX;
		u32 size;
		int rc;

		assert_non_null(img);
		assert_int_equal(bzimage_payload(img, n, &payload, &plen, err, sizeof(err)), 0);
		size = kernel_payload_size(payload, plen);
		out = malloc(size);
		rc = decompress_kernel_payload(payload, plen, out, size, &len, &fmt, err,
					       sizeof(err));
		print_message("%s: %s payload, %zu -> %u bytes: %s\n", g.gl_pathv[i],
			      decompress_name(fmt), plen, size, rc ? err : "ok");
		/* every kernel Debian ships decodes, to the same bytes as the host's library */
		assert_int_equal(rc, 0);
		assert_int_equal(len, size);
		assert_memory_equal(out,
				    "\x7f"
				    "ELF",
				    4);
		ref = malloc(size);
		if (fmt == DECOMP_XZ) {
			assert_int_equal(lzma_stream_buffer_decode(&memlimit, 0, NULL, payload,
								   &in_pos, plen - 4, ref, &ref_len,
								   size),
					 LZMA_OK);
		} else {
			assert_int_equal(fmt, DECOMP_ZSTD); /* bookworm-backports' 6.12 */
			ref_len = ZSTD_decompress(ref, size, payload, plen - 4);
			assert_false(ZSTD_isError(ref_len));
		}
		assert_int_equal(ref_len, len);
		assert_memory_equal(out, ref, len);
		free(ref);
		tested++;
		free(out);
		free(img);
	}
	globfree(&g);
	if (!tested) {
		print_message("no Debian kernel found: skipped\n");
		skip();
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_presets),	      cmocka_unit_test(test_large),
		cmocka_unit_test(test_lclppb),	      cmocka_unit_test(test_bcj_x86),
		cmocka_unit_test(test_checks),	      cmocka_unit_test(test_multiblock),
		cmocka_unit_test(test_concatenated),  cmocka_unit_test(test_output_too_small),
		cmocka_unit_test(test_truncations),   cmocka_unit_test(test_bitflips),
		cmocka_unit_test(test_headers),	      cmocka_unit_test(test_front),
		cmocka_unit_test(test_debian_kernel), cmocka_unit_test(test_periodic_runs),
	};

	return cmocka_run_group_tests_name("xz", tests, NULL, NULL);
}
