/*
 * .xz container decoder (xz file format 1.x), single-call.
 *
 * A file is one or more streams, each optionally followed by stream padding
 * (zero bytes, a multiple of four). A stream is
 *   header (12 bytes): magic FD '7' 'z' 'X' 'Z' 00, two flag bytes (the
 *                      second's low nibble is the check type), CRC32 of the flags
 *   blocks:            block header ((first byte + 1) * 4 bytes, ending in its
 *                      CRC32), compressed data, zero padding to a multiple of
 *                      four, the check of the uncompressed data
 *   index:             00, record count, (unpadded size, uncompressed size) per
 *                      block, zero padding, CRC32
 *   footer (12 bytes): CRC32, backward size (index size / 4 - 1), the flags
 *                      again, 'Y' 'Z'
 * Numbers in block headers and the index are variable-length integers of
 * up to nine bytes, seven bits each, least significant first.
 *
 * Filters supported: LZMA2 (0x21) as the last filter, optionally preceded by
 * the x86 branch converter (0x04). Checks: none, CRC32, CRC64; the others
 * (SHA-256 and the reserved IDs) are refused.
 */
#include "lib.h"
#include "errno.h"
#include "decompress.h"
#include "dc.h"

#define STREAM_HDR_SIZE 12
#define VLI_MAX_BYTES 9
#define FILTER_X86 0x04
#define FILTER_LZMA2 0x21
#define MAX_FILTERS 4

enum { CHECK_NONE = 0, CHECK_CRC32 = 1, CHECK_CRC64 = 4, CHECK_SHA256 = 10 };

static const u8 stream_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };
static const u8 footer_magic[2] = { 'Y', 'Z' };

struct xz_in {
	const u8 *buf;
	size_t len;
	size_t pos;
	char *err;
	size_t errlen;
};

/* What the index must repeat about the blocks decoded. */
struct block_tally {
	u64 count;
	u32 hash; /* CRC32 over each block's (unpadded size, uncompressed size) */
	u64 unpadded_sum, uncompressed_sum;
};

struct block_info {
	size_t hdr_size;
	u64 csize, usize; /* ~0 when the header does not give them */
	bool x86;
	u32 x86_start;
};

#define SIZE_UNKNOWN (~0ull)

static u32 le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 le64(const u8 *p)
{
	return le32(p) | (u64)le32(p + 4) << 32;
}

static size_t check_size(unsigned int type)
{
	/* 0, then three IDs each for 4, 8, 16, 32 and 64 bytes */
	return type ? 4u << ((type - 1) / 3) : 0;
}

/* Decode a variable-length integer from p[0, avail); returns its length, 0 if malformed. */
static size_t get_vli(const u8 *p, size_t avail, u64 *v)
{
	u64 r = 0;

	for (size_t i = 0; i < VLI_MAX_BYTES && i < avail; i++) {
		r |= (u64)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			/* the shortest encoding only: no final zero byte after the first */
			if (i && p[i] == 0)
				return 0;
			*v = r;
			return i + 1;
		}
	}
	return 0;
}

static int stream_header(struct xz_in *x, unsigned int *check)
{
	const u8 *h = x->buf + x->pos;

	if (x->len - x->pos < STREAM_HDR_SIZE)
		return dc_fail(x->err, x->errlen, -EINVAL, "xz: truncated stream header");
	if (memcmp(h, stream_magic, sizeof(stream_magic)))
		return dc_fail(x->err, x->errlen, -EINVAL, "xz: bad stream magic at %zu", x->pos);
	if (dc_crc32(0, h + 6, 2) != le32(h + 8))
		return dc_fail(x->err, x->errlen, -EINVAL, "xz: stream header CRC mismatch");
	if (h[6] || (h[7] & 0xf0))
		return dc_fail(x->err, x->errlen, -EOPNOTSUPP,
			       "xz: unsupported stream flags %02x %02x", h[6], h[7]);
	*check = h[7];
	if (*check != CHECK_NONE && *check != CHECK_CRC32 && *check != CHECK_CRC64)
		return dc_fail(x->err, x->errlen, -EOPNOTSUPP,
			       "xz: check type %u%s not supported (only none, CRC32, CRC64)",
			       *check, *check == CHECK_SHA256 ? " (SHA-256)" : "");
	x->pos += STREAM_HDR_SIZE;
	return 0;
}

/* One filter entry of a block header at h[*off]; limited to h[0, end). */
static int block_filter(struct xz_in *x, const u8 *h, size_t *off, size_t end, bool last,
			struct block_info *bi)
{
	u64 id, psize;
	size_t n;

	n = get_vli(h + *off, end - *off, &id);
	if (!n)
		return dc_fail(x->err, x->errlen, -EINVAL, "xz: bad filter ID in block header");
	*off += n;
	n = get_vli(h + *off, end - *off, &psize);
	if (!n || psize > end - *off - n)
		return dc_fail(x->err, x->errlen, -EINVAL, "xz: bad filter properties size");
	*off += n;
	if (id == FILTER_LZMA2 && !last)
		return dc_fail(x->err, x->errlen, -EINVAL, "xz: LZMA2 is not the last filter");
	if (id != FILTER_LZMA2 && last)
		return dc_fail(x->err, x->errlen, -EOPNOTSUPP,
			       "xz: unsupported last filter %#llx (only LZMA2)",
			       (unsigned long long)id);
	if (id == FILTER_LZMA2) {
		/* dictionary size byte: 0-40; the whole output serves as dictionary */
		if (psize != 1 || h[*off] > 40)
			return dc_fail(x->err, x->errlen, -EINVAL, "xz: bad LZMA2 properties");
	} else {
		if (id != FILTER_X86)
			return dc_fail(x->err, x->errlen, -EOPNOTSUPP,
				       "xz: unsupported filter %#llx (only x86 BCJ and LZMA2)",
				       (unsigned long long)id);
		if (bi->x86 || (psize != 0 && psize != 4))
			return dc_fail(x->err, x->errlen, -EINVAL, "xz: bad x86 filter entry");
		bi->x86 = true;
		bi->x86_start = psize ? le32(h + *off) : 0;
	}
	*off += psize;
	return 0;
}

static int block_header(struct xz_in *x, struct block_info *bi)
{
	const u8 *h = x->buf + x->pos;
	size_t size = ((size_t)h[0] + 1) * 4, off = 2, n;
	unsigned int nfilters;

	memset(bi, 0, sizeof(*bi));
	bi->csize = bi->usize = SIZE_UNKNOWN;
	if (size > x->len - x->pos)
		return dc_fail(x->err, x->errlen, -EINVAL, "xz: truncated block header");
	if (dc_crc32(0, h, size - 4) != le32(h + size - 4))
		return dc_fail(x->err, x->errlen, -EINVAL, "xz: block header CRC mismatch at %zu",
			       x->pos);
	if (h[1] & 0x3c)
		return dc_fail(x->err, x->errlen, -EOPNOTSUPP, "xz: unsupported block flags %#x",
			       h[1]);
	if (h[1] & 0x40) {
		n = get_vli(h + off, size - 4 - off, &bi->csize);
		if (!n || bi->csize == 0)
			return dc_fail(x->err, x->errlen, -EINVAL, "xz: bad compressed size");
		off += n;
	}
	if (h[1] & 0x80) {
		n = get_vli(h + off, size - 4 - off, &bi->usize);
		if (!n)
			return dc_fail(x->err, x->errlen, -EINVAL, "xz: bad uncompressed size");
		off += n;
	}
	nfilters = (h[1] & 3) + 1;
	for (unsigned int i = 0; i < nfilters; i++) {
		int rc = block_filter(x, h, &off, size - 4, i == nfilters - 1, bi);

		if (rc)
			return rc;
	}
	for (; off < size - 4; off++)
		if (h[off])
			return dc_fail(x->err, x->errlen, -EINVAL,
				       "xz: nonzero block header padding");
	bi->hdr_size = size;
	x->pos += size;
	return 0;
}

static int verify_check(struct xz_in *x, unsigned int check, const u8 *data, size_t len)
{
	size_t n = check_size(check);
	const u8 *c = x->buf + x->pos;

	if (n > x->len - x->pos)
		return dc_fail(x->err, x->errlen, -EINVAL, "xz: truncated block check");
	if ((check == CHECK_CRC32 && dc_crc32(0, data, len) != le32(c)) ||
	    (check == CHECK_CRC64 && dc_crc64(0, data, len) != le64(c)))
		return dc_fail(x->err, x->errlen, -EINVAL, "xz: %s mismatch in block data",
			       check == CHECK_CRC32 ? "CRC32" : "CRC64");
	x->pos += n;
	return 0;
}

static void tally_add(struct block_tally *t, u64 unpadded, u64 usize)
{
	u8 rec[16];

	for (int i = 0; i < 8; i++) {
		rec[i] = (u8)(unpadded >> (8 * i));
		rec[8 + i] = (u8)(usize >> (8 * i));
	}
	t->hash = dc_crc32(t->hash, rec, sizeof(rec));
	t->count++;
	t->unpadded_sum += unpadded;
	t->uncompressed_sum += usize;
}

static int decode_block(struct xz_in *x, unsigned int check, u8 *out, size_t out_max, size_t *opos,
			struct block_tally *t)
{
	struct block_info bi;
	size_t start = x->pos, in_avail, used, out_end;
	int rc = block_header(x, &bi);

	if (rc)
		return rc;
	in_avail = x->len - x->pos;
	if (bi.csize != SIZE_UNKNOWN) {
		if (bi.csize > in_avail)
			return dc_fail(x->err, x->errlen, -EINVAL, "xz: truncated block data");
		in_avail = bi.csize;
	}
	rc = lzma2_decode(x->buf + x->pos, in_avail, &used, out, *opos, out_max, &out_end, x->err,
			  x->errlen);
	if (rc)
		return rc;
	if ((bi.csize != SIZE_UNKNOWN && used != bi.csize) ||
	    (bi.usize != SIZE_UNKNOWN && out_end - *opos != bi.usize))
		return dc_fail(x->err, x->errlen, -EINVAL,
			       "xz: block sizes differ from its header");
	x->pos += used;
	for (; (x->pos - start) & 3; x->pos++)
		if (x->pos >= x->len || x->buf[x->pos])
			return dc_fail(x->err, x->errlen, -EINVAL, "xz: bad block padding");
	if (bi.x86)
		bcj_x86_decode(out + *opos, out_end - *opos, bi.x86_start);
	rc = verify_check(x, check, out + *opos, out_end - *opos);
	if (rc)
		return rc;
	tally_add(t, bi.hdr_size + used + check_size(check), out_end - *opos);
	*opos = out_end;
	return 0;
}

/* The index (x->pos at its indicator byte) against what the blocks tallied. */
static int stream_index(struct xz_in *x, const struct block_tally *t, size_t *index_size)
{
	struct block_tally seen = { 0 };
	size_t start = x->pos, n;
	u64 count;

	x->pos++;
	n = get_vli(x->buf + x->pos, x->len - x->pos, &count);
	if (!n)
		return dc_fail(x->err, x->errlen, -EINVAL, "xz: bad index record count");
	x->pos += n;
	if (count != t->count)
		return dc_fail(x->err, x->errlen, -EINVAL,
			       "xz: index lists %llu blocks, the stream has %llu",
			       (unsigned long long)count, (unsigned long long)t->count);
	for (u64 i = 0; i < count; i++) {
		u64 unpadded, usize;
		size_t a = get_vli(x->buf + x->pos, x->len - x->pos, &unpadded), b;

		b = a ? get_vli(x->buf + x->pos + a, x->len - x->pos - a, &usize) : 0;
		if (!b)
			return dc_fail(x->err, x->errlen, -EINVAL, "xz: bad index record");
		x->pos += a + b;
		tally_add(&seen, unpadded, usize);
	}
	if (seen.hash != t->hash || seen.unpadded_sum != t->unpadded_sum ||
	    seen.uncompressed_sum != t->uncompressed_sum)
		return dc_fail(x->err, x->errlen, -EINVAL, "xz: index does not match the blocks");
	for (; (x->pos - start) & 3; x->pos++)
		if (x->pos >= x->len || x->buf[x->pos])
			return dc_fail(x->err, x->errlen, -EINVAL, "xz: bad index padding");
	if (x->len - x->pos < 4 ||
	    dc_crc32(0, x->buf + start, x->pos - start) != le32(x->buf + x->pos))
		return dc_fail(x->err, x->errlen, -EINVAL, "xz: index CRC mismatch");
	x->pos += 4;
	*index_size = x->pos - start;
	return 0;
}

static int stream_footer(struct xz_in *x, unsigned int check, size_t index_size)
{
	const u8 *f = x->buf + x->pos;

	if (x->len - x->pos < STREAM_HDR_SIZE)
		return dc_fail(x->err, x->errlen, -EINVAL, "xz: truncated stream footer");
	if (memcmp(f + 10, footer_magic, 2) || dc_crc32(0, f + 4, 6) != le32(f))
		return dc_fail(x->err, x->errlen, -EINVAL, "xz: bad stream footer");
	if (((u64)le32(f + 4) + 1) * 4 != index_size)
		return dc_fail(x->err, x->errlen, -EINVAL, "xz: footer's index size is wrong");
	if (f[8] != 0 || f[9] != check)
		return dc_fail(x->err, x->errlen, -EINVAL,
			       "xz: footer flags differ from the header's");
	x->pos += STREAM_HDR_SIZE;
	return 0;
}

static int decode_stream(struct xz_in *x, u8 *out, size_t out_max, size_t *opos)
{
	struct block_tally t = { 0 };
	unsigned int check = 0;
	size_t index_size = 0;
	int rc = stream_header(x, &check);

	while (!rc) {
		if (x->pos >= x->len)
			return dc_fail(x->err, x->errlen, -EINVAL, "xz: stream ends without index");
		if (x->buf[x->pos] == 0x00)
			break;
		rc = decode_block(x, check, out, out_max, opos, &t);
	}
	if (!rc)
		rc = stream_index(x, &t, &index_size);
	if (!rc)
		rc = stream_footer(x, check, index_size);
	return rc;
}

int unxz(const u8 *in, size_t in_len, u8 *out, size_t out_max, size_t *out_len, char *err,
	 size_t errlen)
{
	struct xz_in x = { .buf = in, .len = in_len, .err = err, .errlen = errlen };
	static u8 no_output;
	size_t opos = 0;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!in)
		return dc_fail(err, errlen, -EINVAL, "xz: no input");
	if (!out) {
		out = &no_output;
		out_max = 0;
	}
	do {
		size_t pad = 0;

		rc = decode_stream(&x, out, out_max, &opos);
		if (rc)
			return rc;
		/* stream padding: whole groups of four zero bytes */
		while (x.pos + pad < x.len && x.buf[x.pos + pad] == 0)
			pad++;
		if (pad & 3)
			return dc_fail(err, errlen, -EINVAL, "xz: bad stream padding");
		x.pos += pad;
	} while (x.pos < x.len);
	if (out_len)
		*out_len = opos;
	return 0;
}
