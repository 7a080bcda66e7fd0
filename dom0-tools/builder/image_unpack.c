/* SPDX-License-Identifier: MIT */
/*
 * Unwrapping a kernel file: the bzImage setup header's payload, then the
 * payload's compression (the system's zlib, liblzma and libzstd).
 */
#include <errno.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "image_internal.h"

int image_error(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

/* bzImage setup header fields (Linux's boot protocol, 2.08 and later). */
#define BZ_SETUP_SECTS 0x1f1
#define BZ_MAGIC 0x202 /* "HdrS" */
#define BZ_VERSION 0x206
#define BZ_PAYLOAD_OFFSET 0x248
#define BZ_PAYLOAD_LENGTH 0x24c

bool image_is_bzimage(const unsigned char *d, size_t len)
{
	return len >= BZ_PAYLOAD_LENGTH + 4 && memcmp(d + BZ_MAGIC, "HdrS", 4) == 0;
}

int image_bzimage_payload(const unsigned char *d, size_t len, const unsigned char **payload,
			  size_t *plen, char *err, size_t errlen)
{
	unsigned int sects = d[BZ_SETUP_SECTS] ? d[BZ_SETUP_SECTS] : 4;
	unsigned int version = d[BZ_VERSION] | d[BZ_VERSION + 1] << 8;
	uint64_t start = (uint64_t)(sects + 1) * 512 + le32(d + BZ_PAYLOAD_OFFSET);
	uint64_t size = le32(d + BZ_PAYLOAD_LENGTH);

	if (version < 0x208)
		return image_error(
		    err, errlen, -ENOEXEC,
		    "bzImage boot protocol %x.%02x has no payload fields (2.08 needed)",
		    version >> 8, version & 0xff);
	if (size == 0 || start > len || size > len - start)
		return image_error(err, errlen, -EINVAL,
				   "bzImage payload (offset %llu, %llu bytes) runs past the end of "
				   "the %zu-byte file",
				   (unsigned long long)start, (unsigned long long)size, len);
	*payload = d + start;
	*plen = (size_t)size;
	return 0;
}

/*
 * Output buffer that doubles up to IMAGE_MAX_SIZE, or starts at the size the
 * stream's last four bytes give (Linux appends the unpacked size to its
 * compressed kernels; gzip's trailer ends with it too).
 */
struct outbuf {
	unsigned char *data;
	size_t len, cap;
	bool fixed; /* the caller's buffer: never grown */
};

/* Room past a size hint, so that a decoder reaches its stream's end without growing. */
#define OUTBUF_SLACK (64u << 10)
/* A hint is believed up to this many times the packed size, or up to OUTBUF_ANY_HINT. */
#define OUTBUF_MAX_RATIO 64
#define OUTBUF_ANY_HINT (1u << 20)

/* Fault in the pages of a fresh buffer at once: one call, not one fault per page. */
static void populate(void *p, size_t len)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1),
		  b = ((uintptr_t)p + len) & ~(page - 1);

	if (b > a)
		madvise((void *)a, b - a, MADV_POPULATE_WRITE);
}

size_t image_size_hint(const unsigned char *in, size_t len)
{
	uint32_t hint = len >= 8 ? le32(in + len - 4) : 0;

	if (hint == 0 || hint > IMAGE_MAX_SIZE - OUTBUF_SLACK ||
	    (hint > OUTBUF_ANY_HINT && hint / OUTBUF_MAX_RATIO > len))
		return 0;
	return hint;
}

static void outbuf_start(struct outbuf *o, const unsigned char *in, size_t len)
{
	size_t hint = image_size_hint(in, len);

	if (!hint)
		return;
	o->data = malloc(hint + OUTBUF_SLACK);
	if (!o->data)
		return;
	o->cap = hint + OUTBUF_SLACK;
	populate(o->data, o->cap);
}

static int outbuf_room(struct outbuf *o, size_t want)
{
	size_t cap = o->cap ? o->cap : 1u << 20;
	unsigned char *grown;

	if (o->fixed)
		return o->cap - o->len < want ? -EFBIG : 0;
	while (cap - o->len < want && cap < IMAGE_MAX_SIZE)
		cap *= 2;
	if (cap > IMAGE_MAX_SIZE)
		cap = IMAGE_MAX_SIZE;
	if (cap - o->len < want)
		return -EFBIG;
	if (cap != o->cap) {
		grown = realloc(o->data, cap);
		if (!grown)
			return -ENOMEM;
		o->data = grown;
		o->cap = cap;
	}
	return 0;
}

static int too_big(char *err, size_t errlen, int r)
{
	return r == -EFBIG ? image_error(err, errlen, r, "kernel unpacks to more than %u MiB",
					 IMAGE_MAX_SIZE >> 20)
			   : image_error(err, errlen, r, "out of memory unpacking the kernel");
}

static int gunzip(const unsigned char *in, size_t len, struct outbuf *o, char *err, size_t errlen)
{
	z_stream z = { .next_in = (unsigned char *)in, .avail_in = (uInt)len };
	int r = inflateInit2(&z, 16 + MAX_WBITS), zr = Z_OK;

	if (r != Z_OK || len > UINT32_MAX)
		return image_error(err, errlen, -ENOMEM, "zlib: cannot start inflating");
	while (zr == Z_OK) {
		r = outbuf_room(o, 1);
		if (r) {
			inflateEnd(&z);
			return too_big(err, errlen, r);
		}
		z.next_out = o->data + o->len;
		z.avail_out = (uInt)(o->cap - o->len);
		zr = inflate(&z, Z_NO_FLUSH);
		o->len = o->cap - z.avail_out;
		if (zr == Z_BUF_ERROR && z.avail_in == 0)
			break;
	}
	inflateEnd(&z);
	if (zr != Z_STREAM_END)
		return image_error(err, errlen, -EINVAL, "gzip data is corrupt or truncated (%s)",
				   z.msg ? z.msg : "ends early");
	return 0;
}

/* liblzma's allocations, its dictionary (32 MiB for Linux) populated at once. */
static void *lzma_populated(void *opaque, size_t nmemb, size_t size)
{
	void *p = nmemb && size <= SIZE_MAX / nmemb ? malloc(nmemb * size) : NULL;

	(void)opaque;
	if (p && nmemb * size >= (1u << 20))
		populate(p, nmemb * size);
	return p;
}

static void lzma_release(void *opaque, void *p)
{
	(void)opaque;
	free(p);
}

static const lzma_allocator lzma_alloc = { lzma_populated, lzma_release, NULL };

static int unxz(const unsigned char *in, size_t len, struct outbuf *o, bool alone, char *err,
		size_t errlen)
{
	lzma_stream s = { .allocator = &lzma_alloc };
	lzma_ret lr =
	    alone ? lzma_alone_decoder(&s, UINT64_MAX) : lzma_stream_decoder(&s, UINT64_MAX, 0);
	int r;

	if (lr != LZMA_OK)
		return image_error(err, errlen, -ENOMEM, "liblzma: cannot start decoding");
	s.next_in = in;
	s.avail_in = len;
	while (lr == LZMA_OK) {
		r = outbuf_room(o, 1);
		if (r) {
			lzma_end(&s);
			return too_big(err, errlen, r);
		}
		s.next_out = o->data + o->len;
		s.avail_out = o->cap - o->len;
		lr = lzma_code(&s, s.avail_in ? LZMA_RUN : LZMA_FINISH);
		o->len = o->cap - s.avail_out;
	}
	lzma_end(&s);
	if (lr != LZMA_STREAM_END)
		return image_error(err, errlen, -EINVAL,
				   "%s data is corrupt or truncated (liblzma %d)",
				   alone ? "lzma" : "xz", (int)lr);
	return 0;
}

static int unzstd(const unsigned char *in, size_t len, struct outbuf *o, char *err, size_t errlen)
{
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, len, 0 };
	ZSTD_outBuffer ob;
	size_t zr = 1;
	int r;

	if (!ds)
		return image_error(err, errlen, -ENOMEM, "libzstd: cannot start decoding");
	ZSTD_initDStream(ds);
	while (zr != 0) {
		r = outbuf_room(o, 1);
		if (r) {
			ZSTD_freeDStream(ds);
			return too_big(err, errlen, r);
		}
		ob = (ZSTD_outBuffer){ o->data + o->len, o->cap - o->len, 0 };
		zr = ZSTD_decompressStream(ds, &ob, &ib);
		o->len += ob.pos;
		if (ZSTD_isError(zr) || (ib.pos == ib.size && ob.pos == 0 && zr != 0))
			break;
	}
	ZSTD_freeDStream(ds);
	if (zr != 0)
		return image_error(err, errlen, -EINVAL, "zstd data is corrupt or truncated (%s)",
				   ZSTD_isError(zr) ? ZSTD_getErrorName(zr) : "ends early");
	return 0;
}

const char *image_compression(const unsigned char *d, size_t len)
{
	if (len >= 2 && d[0] == 0x1f && (d[1] == 0x8b || d[1] == 0x9e))
		return "gzip";
	if (len >= 6 && memcmp(d,
			       "\xfd"
			       "7zXZ\0",
			       6) == 0)
		return "xz";
	if (len >= 4 && memcmp(d, "\x28\xb5\x2f\xfd", 4) == 0)
		return "zstd";
	if (len >= 3 && d[0] == 0x5d && d[1] == 0 && d[2] == 0)
		return "lzma";
	if (len >= 4 && memcmp(d, "\x02\x21\x4c\x18", 4) == 0)
		return "lz4";
	if (len >= 3 && memcmp(d, "BZh", 3) == 0)
		return "bzip2";
	return NULL;
}

static int decompress(const char *kind, const unsigned char *in, size_t len, struct outbuf *o,
		      char *err, size_t errlen)
{
	if (strcmp(kind, "gzip") == 0)
		return gunzip(in, len, o, err, errlen);
	if (strcmp(kind, "xz") == 0 || strcmp(kind, "lzma") == 0)
		return unxz(in, len, o, kind[0] == 'l', err, errlen);
	if (strcmp(kind, "zstd") == 0)
		return unzstd(in, len, o, err, errlen);
	return image_error(err, errlen, -ENOEXEC, "%s-compressed kernels are not supported yet",
			   kind);
}

int image_decompress(const char *kind, const unsigned char *in, size_t len, unsigned char **out,
		     size_t *out_len, char *err, size_t errlen)
{
	struct outbuf o = { 0 };
	int r;

	outbuf_start(&o, in, len);
	r = decompress(kind, in, len, &o, err, errlen);
	if (r) {
		free(o.data);
		return r;
	}
	*out = o.data;
	*out_len = o.len;
	return 0;
}

int image_decompress_into(const char *kind, const unsigned char *in, size_t len, unsigned char *buf,
			  size_t cap, size_t *out_len, char *err, size_t errlen)
{
	struct outbuf o = { .data = buf, .cap = cap, .fixed = true };
	int r = decompress(kind, in, len, &o, err, errlen);

	*out_len = o.len;
	return r;
}
