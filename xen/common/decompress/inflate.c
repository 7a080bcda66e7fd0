/*
 * gzip (RFC 1952) and deflate (RFC 1951) decoding, single-call: the whole
 * member is in memory and the output buffer serves as the 32 KiB window.
 *
 * Deflate data is a series of blocks, each starting with BFINAL (1 bit) and
 * BTYPE (2 bits): stored (byte-aligned LEN, ~LEN, raw bytes), fixed Huffman
 * codes or dynamic ones sent in the block header. Bits are taken from each
 * byte least significant first; Huffman codes are sent most significant
 * bit first. Codes are canonical: decoding walks the code lengths, keeping
 * the first code of each length and the count of codes of that length.
 *
 * The state is static: this decoder is not reentrant.
 */
#include "lib.h"
#include "errno.h"
#include "decompress.h"
#include "dc.h"

#define MAX_CODE_BITS 15
#define LITLEN_CODES 288
#define DIST_CODES 32
#define CL_CODES 19
#define END_OF_BLOCK 256

enum { GZ_FTEXT = 1, GZ_FHCRC = 2, GZ_FEXTRA = 4, GZ_FNAME = 8, GZ_FCOMMENT = 16 };

struct bit_in {
	const u8 *in;
	size_t len;
	size_t pos;
	u32 bits;	    /* bits not yet used, next one in bit 0 */
	unsigned int nbits; /* how many */
	bool overrun;	    /* read past the end (zeros were fed) */
};

/* A canonical code: how many codes have each length and the symbols in code order. */
struct huff {
	u16 count[MAX_CODE_BITS + 1];
	u16 sym[LITLEN_CODES];
};

struct inflater {
	struct bit_in b;
	u8 *out;
	size_t pos, max;
	struct huff litlen, dist;
	char *err;
	size_t errlen;
};

static struct inflater inf;

static const u16 len_base[29] = { 3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,	 17,  19,  23, 27,
				  31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258 };
static const u8 len_extra[29] = { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
				  2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0 };
static const u16 dist_base[30] = { 1,	 2,    3,    4,	   5,	 7,    9,    13,    17,	   25,
				   33,	 49,   65,   97,   129,	 193,  257,  385,   513,   769,
				   1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577 };
static const u8 dist_extra[30] = { 0, 0, 0, 0, 1, 1, 2, 2,  3,	3,  4,	4,  5,	5,  6,
				   6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13 };
/* the order in which code length code lengths are sent */
static const u8 cl_order[CL_CODES] = { 16, 17, 18, 0, 8,  7, 9,	 6, 10, 5,
				       11, 4,  12, 3, 13, 2, 14, 1, 15 };

static u32 get_bits(struct bit_in *b, unsigned int n)
{
	u32 v;

	while (b->nbits < n) {
		u32 byte = 0;

		if (b->pos < b->len)
			byte = b->in[b->pos++];
		else
			b->overrun = true;
		b->bits |= byte << b->nbits;
		b->nbits += 8;
	}
	v = b->bits & ((1u << n) - 1);
	b->bits >>= n;
	b->nbits -= n;
	return v;
}

/*
 * Build a canonical code from per-symbol lengths. Returns 0 if complete,
 * 1 if incomplete (some bit patterns unused), -1 if over-subscribed.
 */
static int huff_build(struct huff *h, const u8 *lens, unsigned int n)
{
	u16 next[MAX_CODE_BITS + 2];
	int unused = 1;

	memset(h->count, 0, sizeof(h->count));
	for (unsigned int s = 0; s < n; s++)
		h->count[lens[s]]++;
	h->count[0] = 0;
	for (unsigned int l = 1; l <= MAX_CODE_BITS; l++) {
		unused = unused * 2 - h->count[l];
		if (unused < 0)
			return -1;
	}
	next[1] = 0;
	for (unsigned int l = 1; l <= MAX_CODE_BITS; l++)
		next[l + 1] = next[l] + h->count[l];
	for (unsigned int s = 0; s < n; s++)
		if (lens[s])
			h->sym[next[lens[s]]++] = (u16)s;
	return unused ? 1 : 0;
}

/* Longest code length used; 0 for an empty code. */
static unsigned int huff_max_len(const struct huff *h)
{
	unsigned int l = MAX_CODE_BITS;

	while (l && !h->count[l])
		l--;
	return l;
}

/* Next symbol, or -1 if the bits match no code. */
static int huff_decode(struct bit_in *b, const struct huff *h)
{
	int code = 0, first = 0, index = 0;

	for (unsigned int l = 1; l <= MAX_CODE_BITS; l++) {
		code |= (int)get_bits(b, 1);
		if (code - first < h->count[l])
			return h->sym[index + code - first];
		index += h->count[l];
		first = (first + h->count[l]) << 1;
		code <<= 1;
	}
	return -1;
}

static int inf_fail(struct inflater *f, const char *what)
{
	return dc_fail(f->err, f->errlen, -EINVAL, "deflate: %s", what);
}

static int stored_block(struct inflater *f)
{
	struct bit_in *b = &f->b;
	u32 len, nlen;

	b->bits = 0; /* to the byte boundary */
	b->nbits = 0;
	if (b->len - b->pos < 4)
		return inf_fail(f, "truncated stored block");
	len = b->in[b->pos] | (u32)b->in[b->pos + 1] << 8;
	nlen = b->in[b->pos + 2] | (u32)b->in[b->pos + 3] << 8;
	b->pos += 4;
	if (len != (~nlen & 0xffff))
		return inf_fail(f, "stored block length check failed");
	if (len > b->len - b->pos)
		return inf_fail(f, "truncated stored block");
	if (len > f->max - f->pos)
		return dc_fail(f->err, f->errlen, -ENOSPC, "output buffer too small (%zu bytes)",
			       f->max);
	memcpy(f->out + f->pos, b->in + b->pos, len);
	f->pos += len;
	b->pos += len;
	return 0;
}

static int copy_match(struct inflater *f, int lsym)
{
	struct bit_in *b = &f->b;
	u32 len, dist;
	int dsym;

	if (lsym > 285)
		return inf_fail(f, "bad length code");
	len = len_base[lsym - 257] + get_bits(b, len_extra[lsym - 257]);
	dsym = huff_decode(b, &f->dist);
	if (dsym < 0 || dsym >= 30)
		return inf_fail(f, "bad distance code");
	dist = dist_base[dsym] + get_bits(b, dist_extra[dsym]);
	if (dist > f->pos)
		return inf_fail(f, "distance too far back");
	if (len > f->max - f->pos)
		return dc_fail(f->err, f->errlen, -ENOSPC, "output buffer too small (%zu bytes)",
			       f->max);
	for (u8 *dst = f->out + f->pos, *src = dst - dist; len; len--)
		*dst++ = *src++, f->pos++;
	return 0;
}

static int huffman_block(struct inflater *f)
{
	for (;;) {
		int sym = huff_decode(&f->b, &f->litlen);

		if (f->b.overrun)
			return inf_fail(f, "data ends inside a block");
		if (sym < 0)
			return inf_fail(f, "bad literal/length code");
		if (sym < 256) {
			if (f->pos >= f->max)
				return dc_fail(f->err, f->errlen, -ENOSPC,
					       "output buffer too small (%zu bytes)", f->max);
			f->out[f->pos++] = (u8)sym;
		} else if (sym == END_OF_BLOCK) {
			return 0;
		} else {
			int rc = copy_match(f, sym);

			if (rc)
				return rc;
		}
	}
}

static void fixed_codes(struct inflater *f)
{
	u8 lens[LITLEN_CODES];
	unsigned int s;

	for (s = 0; s < 144; s++)
		lens[s] = 8;
	for (; s < 256; s++)
		lens[s] = 9;
	for (; s < 280; s++)
		lens[s] = 7;
	for (; s < LITLEN_CODES; s++)
		lens[s] = 8;
	huff_build(&f->litlen, lens, LITLEN_CODES);
	memset(lens, 5, DIST_CODES);
	huff_build(&f->dist, lens, DIST_CODES);
}

/* Incomplete codes are allowed only as a single one-bit code (or none for distances). */
static bool code_usable(const struct huff *h, int built, bool may_be_empty)
{
	unsigned int max = huff_max_len(h);

	if (built < 0)
		return false;
	if (max == 0)
		return may_be_empty;
	return built == 0 || max == 1;
}

/* Code lengths for the literal/length and distance codes, run-length coded. */
static int read_lengths(struct inflater *f, const struct huff *cl, u8 *lens, unsigned int total)
{
	struct bit_in *b = &f->b;
	unsigned int i = 0;

	while (i < total) {
		int sym = huff_decode(b, cl);
		unsigned int rep;
		u8 val = 0;

		if (sym < 0 || b->overrun)
			return inf_fail(f, "bad code length code");
		if (sym < 16) {
			lens[i++] = (u8)sym;
			continue;
		}
		if (sym == 16) {
			if (!i)
				return inf_fail(f, "repeat with no previous length");
			val = lens[i - 1];
			rep = 3 + get_bits(b, 2);
		} else if (sym == 17) {
			rep = 3 + get_bits(b, 3);
		} else {
			rep = 11 + get_bits(b, 7);
		}
		if (rep > total - i)
			return inf_fail(f, "too many code lengths");
		while (rep--)
			lens[i++] = val;
	}
	return 0;
}

static int dynamic_codes(struct inflater *f)
{
	struct bit_in *b = &f->b;
	u8 lens[LITLEN_CODES + DIST_CODES];
	unsigned int nlit = get_bits(b, 5) + 257, ndist = get_bits(b, 5) + 1;
	unsigned int ncl = get_bits(b, 4) + 4;
	struct huff *cl = &f->dist; /* free until the distance code is built */
	int rc;

	if (nlit > 286 || ndist > 30)
		return inf_fail(f, "too many length or distance codes");
	memset(lens, 0, sizeof(lens));
	for (unsigned int i = 0; i < ncl; i++)
		lens[cl_order[i]] = (u8)get_bits(b, 3);
	rc = huff_build(cl, lens, CL_CODES);
	if (rc != 0 || b->overrun)
		return inf_fail(f, "bad code length code");
	rc = read_lengths(f, cl, lens, nlit + ndist);
	if (rc)
		return rc;
	if (!lens[END_OF_BLOCK])
		return inf_fail(f, "no end-of-block code");
	rc = huff_build(&f->litlen, lens, nlit);
	if (!code_usable(&f->litlen, rc, false))
		return inf_fail(f, "bad literal/length code lengths");
	rc = huff_build(&f->dist, lens + nlit, ndist);
	if (!code_usable(&f->dist, rc, true))
		return inf_fail(f, "bad distance code lengths");
	return 0;
}

static int inflate_blocks(struct inflater *f)
{
	bool last;

	do {
		unsigned int type;
		int rc;

		last = get_bits(&f->b, 1);
		type = get_bits(&f->b, 2);
		if (f->b.overrun)
			return inf_fail(f, "data ends before the last block");
		if (type == 0) {
			rc = stored_block(f);
		} else if (type == 1) {
			fixed_codes(f);
			rc = huffman_block(f);
		} else if (type == 2) {
			rc = dynamic_codes(f);
			if (!rc)
				rc = huffman_block(f);
		} else {
			rc = inf_fail(f, "bad block type");
		}
		if (rc)
			return rc;
	} while (!last);
	f->b.bits = 0; /* the trailer starts at the next byte */
	f->b.nbits = 0;
	return 0;
}

static bool skip_zstring(const u8 *in, size_t len, size_t *pos)
{
	while (*pos < len)
		if (in[(*pos)++] == 0)
			return true;
	return false;
}

/* The member header; *pos is left at the deflate data. */
static int gzip_header(const u8 *in, size_t len, size_t *pos, char *err, size_t errlen)
{
	u8 flg;

	if (len < 10 || in[0] != 0x1f || in[1] != 0x8b)
		return dc_fail(err, errlen, -EINVAL, "gzip: bad magic or truncated header");
	if (in[2] != 8)
		return dc_fail(err, errlen, -EOPNOTSUPP, "gzip: compression method %u (only 8)",
			       in[2]);
	flg = in[3];
	if (flg & 0xe0)
		return dc_fail(err, errlen, -EINVAL, "gzip: reserved flags set");
	*pos = 10;
	if (flg & GZ_FEXTRA) {
		size_t xlen;

		if (len - *pos < 2)
			return dc_fail(err, errlen, -EINVAL, "gzip: truncated header");
		xlen = in[*pos] | (size_t)in[*pos + 1] << 8;
		*pos += 2;
		if (xlen > len - *pos)
			return dc_fail(err, errlen, -EINVAL, "gzip: truncated extra field");
		*pos += xlen;
	}
	if (((flg & GZ_FNAME) && !skip_zstring(in, len, pos)) ||
	    ((flg & GZ_FCOMMENT) && !skip_zstring(in, len, pos)))
		return dc_fail(err, errlen, -EINVAL, "gzip: truncated header");
	if (flg & GZ_FHCRC) {
		if (len - *pos < 2)
			return dc_fail(err, errlen, -EINVAL, "gzip: truncated header");
		if ((dc_crc32(0, in, *pos) & 0xffff) != (in[*pos] | (u32)in[*pos + 1] << 8))
			return dc_fail(err, errlen, -EINVAL, "gzip: header CRC mismatch");
		*pos += 2;
	}
	return 0;
}

int gunzip(const u8 *in, size_t in_len, u8 *out, size_t out_max, size_t *out_len, char *err,
	   size_t errlen)
{
	static u8 no_output;
	struct inflater *f = &inf;
	size_t pos = 0;
	const u8 *t;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!in)
		return dc_fail(err, errlen, -EINVAL, "gzip: no input");
	rc = gzip_header(in, in_len, &pos, err, errlen);
	if (rc)
		return rc;
	memset(f, 0, sizeof(*f));
	f->b.in = in;
	f->b.len = in_len;
	f->b.pos = pos;
	f->out = out ? out : &no_output;
	f->max = out ? out_max : 0;
	f->err = err;
	f->errlen = errlen;
	rc = inflate_blocks(f);
	if (rc)
		return rc;
	if (in_len - f->b.pos < 8)
		return dc_fail(err, errlen, -EINVAL, "gzip: truncated trailer");
	t = in + f->b.pos;
	if (dc_crc32(0, f->out, f->pos) !=
	    ((u32)t[0] | (u32)t[1] << 8 | (u32)t[2] << 16 | (u32)t[3] << 24))
		return dc_fail(err, errlen, -EINVAL, "gzip: CRC32 mismatch");
	if ((u32)f->pos != ((u32)t[4] | (u32)t[5] << 8 | (u32)t[6] << 16 | (u32)t[7] << 24))
		return dc_fail(err, errlen, -EINVAL, "gzip: size in trailer does not match");
	if (out_len)
		*out_len = f->pos;
	return 0;
}
