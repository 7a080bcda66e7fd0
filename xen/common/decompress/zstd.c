/*
 * Zstandard decoder (RFC 8878), single-call: frames are decoded straight
 * into the caller's buffer, which serves as the window. Dictionaries are not
 * supported (a frame naming one is refused).
 *
 * A frame: magic 28 B5 2F FD, a header (descriptor byte, window descriptor
 * unless single-segment, dictionary ID, content size), blocks with a 3-byte
 * header (last flag, type raw/RLE/compressed, size) and an optional 4-byte
 * checksum (low half of XXH64 of the content). A compressed block holds a
 * literals section (raw, RLE, or Huffman coded in 1 or 4 streams) and a
 * sequences section: (literal length, offset, match length) triples coded
 * with three interleaved FSE (tANS) decoders in one backward bit stream.
 * Skippable frames (magic 0x184D2A5?) are skipped.
 *
 * The state is static: this decoder is not reentrant.
 */
#include "lib.h"
#include "errno.h"
#include "decompress.h"
#include "dc.h"

#define ZSTD_MAGIC 0xfd2fb528u
#define SKIP_MAGIC_MASK 0xfffffff0u
#define SKIP_MAGIC 0x184d2a50u
#define BLOCK_MAX (128 * 1024)
#define HUF_MAX_BITS 11
#define HUF_MAX_SYMS 256
#define FSE_MAX_LOG 9
#define LL_MAX_SYM 35
#define ML_MAX_SYM 52
#define OF_MAX_SYM 31
#define LL_MAX_LOG 9
#define ML_MAX_LOG 9
#define OF_MAX_LOG 8
#define HUFW_MAX_LOG 6

struct fse_cell {
	u16 base;
	u8 bits;
	u8 sym;
};

struct fse_table {
	unsigned int log; /* accuracy log; the table has 1 << log cells */
	bool valid;
	struct fse_cell cell[1 << FSE_MAX_LOG];
};

struct huf_cell {
	u8 sym;
	u8 bits;
};

/* A bit stream read backwards from its end marker; pos = bits left (may go below 0). */
struct bits_back {
	const u8 *buf;
	size_t len;
	s64 pos;
};

struct zstd_dec {
	const u8 *in;
	size_t in_len;
	u8 *out;
	size_t out_max, pos, frame_start;
	u32 rep[3];
	struct huf_cell huf[1 << HUF_MAX_BITS];
	unsigned int huf_bits; /* 0: no table yet */
	struct fse_table ll, of, ml;
	u8 lit[BLOCK_MAX];
	size_t nlit;
	char *err;
	size_t errlen;
};

static struct zstd_dec zd;

static const s16 ll_default[LL_MAX_SYM + 1] = { 4, 3, 2, 2, 2, 2, 2, 2, 2,  2,	2,  2,
						2, 1, 1, 1, 2, 2, 2, 2, 2,  2,	2,  2,
						2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1 };
static const s16 ml_default[ML_MAX_SYM + 1] = { 1, 4, 3, 2, 2,	2,  2,	2,  2,	1,  1, 1, 1, 1,
						1, 1, 1, 1, 1,	1,  1,	1,  1,	1,  1, 1, 1, 1,
						1, 1, 1, 1, 1,	1,  1,	1,  1,	1,  1, 1, 1, 1,
						1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1 };
static const s16 of_default[29] = { 1, 1, 1, 1, 1, 1, 2, 2, 2, 1,  1,  1,  1,  1, 1,
				    1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1 };

/* literal length codes 16-35 and match length codes 32-52: base value and extra bits */
static const u32 ll_base[20] = { 16,  18,  20,	22,   24,   28,	  32,	40,    48,    64,
				 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536 };
static const u8 ll_extra[20] = {
	1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
};
static const u32 ml_base[21] = { 35,  37,  39,	41,   43,   47,	  51,	59,    67,    83,   99,
				 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539 };
static const u8 ml_extra[21] = { 1, 1, 1, 1,  2,  2,  3,  3,  4,  4, 5,
				 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static int zfail(struct zstd_dec *z, int rc, const char *what)
{
	return dc_fail(z->err, z->errlen, rc, "zstd: %s", what);
}

static int zcorrupt(struct zstd_dec *z, const char *what)
{
	return zfail(z, -EINVAL, what);
}

static u32 rd32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 rd64(const u8 *p)
{
	return rd32(p) | (u64)rd32(p + 4) << 32;
}

static unsigned int high_bit(u32 v)
{
	return 31 - __builtin_clz(v);
}

/* ---- XXH64, for the content checksum ---- */

#define XP1 0x9e3779b185ebca87ull
#define XP2 0xc2b2ae3d27d4eb4full
#define XP3 0x165667b19e3779f9ull
#define XP4 0x85ebca77c2b2ae63ull
#define XP5 0x27d4eb2f165667c5ull

static u64 rotl64(u64 v, unsigned int r)
{
	return (v << r) | (v >> (64 - r));
}

static u64 xxh_round(u64 acc, u64 lane)
{
	return rotl64(acc + lane * XP2, 31) * XP1;
}

static u64 xxh_merge(u64 h, u64 acc)
{
	return (h ^ xxh_round(0, acc)) * XP1 + XP4;
}

static u64 xxh64(const u8 *p, size_t n)
{
	const u8 *end = p + n;
	u64 h;

	if (n >= 32) {
		u64 v[4] = { XP1 + XP2, XP2, 0, -XP1 };

		for (; end - p >= 32; p += 32)
			for (int i = 0; i < 4; i++)
				v[i] = xxh_round(v[i], rd64(p + 8 * i));
		h = rotl64(v[0], 1) + rotl64(v[1], 7) + rotl64(v[2], 12) + rotl64(v[3], 18);
		for (int i = 0; i < 4; i++)
			h = xxh_merge(h, v[i]);
	} else {
		h = XP5;
	}
	h += n;
	for (; end - p >= 8; p += 8)
		h = rotl64(h ^ xxh_round(0, rd64(p)), 27) * XP1 + XP4;
	if (end - p >= 4) {
		h = rotl64(h ^ (rd32(p) * XP1), 23) * XP2 + XP3;
		p += 4;
	}
	for (; p < end; p++)
		h = rotl64(h ^ (*p * XP5), 11) * XP1;
	h ^= h >> 33;
	h *= XP2;
	h ^= h >> 29;
	h *= XP3;
	return h ^ (h >> 32);
}

/* ---- backward bit streams ---- */

static bool bb_init(struct bits_back *b, const u8 *buf, size_t len)
{
	if (!len || !buf[len - 1])
		return false; /* the last byte holds the end marker */
	b->buf = buf;
	b->len = len;
	b->pos = (s64)(len - 1) * 8 + high_bit(buf[len - 1]);
	return true;
}

/* Bits [at, at + n) of the stream as a little-endian number; bits before 0 read as 0. */
static u64 bb_bits_at(const struct bits_back *b, s64 at, unsigned int n)
{
	u64 v = 0;
	size_t first;
	unsigned int shift;

	if (!n)
		return 0;
	if (at < 0) {
		if (at + (s64)n <= 0)
			return 0;
		return bb_bits_at(b, 0, n + (unsigned int)at) << (unsigned int)-at;
	}
	first = (size_t)at >> 3;
	shift = at & 7;
	for (size_t i = 0; i < 8 && first + i < b->len; i++)
		v |= (u64)b->buf[first + i] << (8 * i);
	v >>= shift;
	return n >= 64 ? v : v & ((1ull << n) - 1);
}

static u64 bb_read(struct bits_back *b, unsigned int n)
{
	b->pos -= n;
	return bb_bits_at(b, b->pos, n);
}

static u64 bb_peek(const struct bits_back *b, unsigned int n)
{
	return bb_bits_at(b, b->pos - n, n);
}

/* ---- FSE ---- */

/* Bits [at, at + n) of in[0, len) taken least significant first; bytes past the end read as 0. */
static u32 fwd_bits(const u8 *in, size_t len, u64 at, unsigned int n)
{
	u64 v = 0;
	size_t first = (size_t)(at >> 3);

	for (size_t i = 0; i < 5 && first + i < len; i++)
		v |= (u64)in[first + i] << (8 * i);
	return (u32)((v >> (at & 7)) & ((1ull << n) - 1));
}

/*
 * Read an FSE table description (normalised counts) from in[0, len): returns
 * the bytes used, or 0 if malformed. norm[] gets max_sym + 1 counts, -1 meaning
 * "less than one".
 */
static size_t fse_read_counts(const u8 *in, size_t len, s16 *norm, unsigned int max_sym,
			      unsigned int max_log, unsigned int *log)
{
	u64 bitpos = 4, total_bits = (u64)len * 8;
	s32 remaining, threshold;
	unsigned int nbits, sym = 0;

	if (!len)
		return 0;
	*log = (in[0] & 0xf) + 5;
	if (*log > max_log)
		return 0;
	remaining = (1 << *log) + 1;
	threshold = 1 << *log;
	nbits = *log + 1;
	for (unsigned int i = 0; i <= max_sym; i++)
		norm[i] = 0;
	while (remaining > 1) {
		s32 max = 2 * threshold - 1 - remaining, v;

		if (sym > max_sym || bitpos > total_bits)
			return 0;
		v = (s32)fwd_bits(in, len, bitpos, nbits - 1);
		if (v < max) {
			bitpos += nbits - 1;
		} else {
			v = (s32)fwd_bits(in, len, bitpos, nbits);
			if (v >= threshold)
				v -= max;
			bitpos += nbits;
		}
		v -= 1; /* the probability; -1 is "less than one" */
		remaining -= v < 0 ? -v : v;
		norm[sym++] = (s16)v;
		if (v == 0) {
			/* runs of further zero probabilities, two bits at a time */
			for (;;) {
				u32 rep;

				if (bitpos + 2 > total_bits)
					return 0;
				rep = fwd_bits(in, len, bitpos, 2);
				bitpos += 2;
				if (sym + rep > max_sym + 1)
					return 0;
				sym += rep; /* norm[] is already zero there */
				if (rep != 3)
					break;
			}
		}
		while (remaining < threshold && threshold > 1) {
			nbits--;
			threshold >>= 1;
		}
	}
	if (remaining != 1 || bitpos > total_bits)
		return 0;
	return (size_t)((bitpos + 7) / 8);
}

/* Build the decoding table for normalised counts norm[0..nsym). */
static bool fse_build(struct fse_table *t, const s16 *norm, unsigned int nsym, unsigned int log)
{
	u32 size = 1u << log, mask = size - 1, high = size - 1, pos = 0;
	u32 step = (size >> 1) + (size >> 3) + 3;
	u16 next[HUF_MAX_SYMS];

	for (unsigned int s = 0; s < nsym; s++) {
		if (norm[s] == -1) {
			t->cell[high--].sym = (u8)s;
			next[s] = 1;
		} else {
			next[s] = (u16)(norm[s] > 0 ? norm[s] : 0);
		}
	}
	for (unsigned int s = 0; s < nsym; s++)
		for (s32 i = 0; i < norm[s]; i++) {
			t->cell[pos].sym = (u8)s;
			do
				pos = (pos + step) & mask;
			while (pos > high);
		}
	if (pos != 0)
		return false;
	for (u32 u = 0; u < size; u++) {
		u32 x = next[t->cell[u].sym]++;
		unsigned int b = log - high_bit(x);

		t->cell[u].bits = (u8)b;
		t->cell[u].base = (u16)((x << b) - size);
	}
	t->log = log;
	t->valid = true;
	return true;
}

static void fse_rle(struct fse_table *t, u8 sym)
{
	t->log = 0;
	t->cell[0] = (struct fse_cell){ .base = 0, .bits = 0, .sym = sym };
	t->valid = true;
}

/* ---- Huffman literals ---- */

static int huf_build(struct zstd_dec *z, const u8 *w, unsigned int nw)
{
	u32 sum = 0, rest, pos = 0;
	unsigned int maxbits, last;
	u8 weight[HUF_MAX_SYMS];

	for (unsigned int s = 0; s < nw; s++) {
		if (w[s] > HUF_MAX_BITS)
			return zcorrupt(z, "Huffman weight too large");
		sum += w[s] ? 1u << (w[s] - 1) : 0;
		weight[s] = w[s];
	}
	if (!sum || nw >= HUF_MAX_SYMS)
		return zcorrupt(z, "bad Huffman weights");
	maxbits = high_bit(sum) + 1;
	rest = (1u << maxbits) - sum;
	if (maxbits > HUF_MAX_BITS || (rest & (rest - 1)))
		return zcorrupt(z, "Huffman weights do not sum to a power of two");
	last = high_bit(rest) + 1;
	weight[nw++] = (u8)last;
	for (unsigned int wt = 1; wt <= maxbits; wt++)
		for (unsigned int s = 0; s < nw; s++) {
			if (weight[s] != wt)
				continue;
			for (u32 i = 0; i < (1u << (wt - 1)); i++)
				z->huf[pos++] = (struct huf_cell){ .sym = (u8)s,
								   .bits = (u8)(maxbits + 1 - wt) };
		}
	z->huf_bits = maxbits;
	return 0;
}

/* Weights coded with FSE (two interleaved states) in in[0, len). */
static int huf_fse_weights(struct zstd_dec *z, const u8 *in, size_t len, u8 *w, unsigned int *nw)
{
	static struct fse_table t;
	s16 norm[HUF_MAX_SYMS];
	struct bits_back b;
	unsigned int log, n = 0;
	size_t used = fse_read_counts(in, len, norm, 255, HUFW_MAX_LOG, &log);
	u32 st[2];

	if (!used || used >= len || !fse_build(&t, norm, 256, log) ||
	    !bb_init(&b, in + used, len - used))
		return zcorrupt(z, "bad Huffman weight table");
	st[0] = (u32)bb_read(&b, log);
	st[1] = (u32)bb_read(&b, log);
	for (unsigned int k = 0;; k ^= 1) {
		const struct fse_cell *c = &t.cell[st[k]];

		if (n >= HUF_MAX_SYMS - 1)
			return zcorrupt(z, "too many Huffman weights");
		w[n++] = c->sym;
		st[k] = c->base + (u32)bb_read(&b, c->bits);
		if (b.pos < 0) {
			/* stream exhausted: the other state gives the last weight */
			if (n >= HUF_MAX_SYMS - 1)
				return zcorrupt(z, "too many Huffman weights");
			w[n++] = t.cell[st[k ^ 1]].sym;
			break;
		}
	}
	*nw = n;
	return 0;
}

/* The Huffman tree description at in[0, len); returns its size through *used. */
static int huf_read_tree(struct zstd_dec *z, const u8 *in, size_t len, size_t *used)
{
	u8 w[HUF_MAX_SYMS];
	unsigned int nw = 0;
	int rc;

	if (!len)
		return zcorrupt(z, "truncated Huffman tree");
	if (in[0] >= 128) {
		nw = in[0] - 127;
		*used = 1 + (nw + 1) / 2;
		if (*used > len)
			return zcorrupt(z, "truncated Huffman tree");
		for (unsigned int i = 0; i < nw; i++)
			w[i] = (in[1 + i / 2] >> (i & 1 ? 0 : 4)) & 0xf;
	} else {
		*used = 1 + (size_t)in[0];
		if (*used > len)
			return zcorrupt(z, "truncated Huffman tree");
		rc = huf_fse_weights(z, in + 1, in[0], w, &nw);
		if (rc)
			return rc;
	}
	return huf_build(z, w, nw);
}

static int huf_stream(struct zstd_dec *z, const u8 *in, size_t len, u8 *out, size_t n)
{
	struct bits_back b;

	if (!bb_init(&b, in, len))
		return zcorrupt(z, "bad Huffman stream");
	for (size_t i = 0; i < n; i++) {
		const struct huf_cell *c = &z->huf[bb_peek(&b, z->huf_bits)];

		out[i] = c->sym;
		b.pos -= c->bits;
	}
	if (b.pos != 0)
		return zcorrupt(z, "Huffman stream size mismatch");
	return 0;
}

static int huf_literals(struct zstd_dec *z, const u8 *in, size_t len, size_t regen, bool four)
{
	size_t part = (regen + 3) / 4, sizes[4], off = 6;
	int rc;

	if (!four)
		return huf_stream(z, in, len, z->lit, regen);
	if (len < 6 || regen < 3 * part)
		return zcorrupt(z, "bad 4-stream literals");
	sizes[0] = in[0] | (size_t)in[1] << 8;
	sizes[1] = in[2] | (size_t)in[3] << 8;
	sizes[2] = in[4] | (size_t)in[5] << 8;
	if (sizes[0] + sizes[1] + sizes[2] > len - 6)
		return zcorrupt(z, "bad literal jump table");
	sizes[3] = len - 6 - sizes[0] - sizes[1] - sizes[2];
	for (int i = 0; i < 4; i++) {
		size_t cnt = i < 3 ? part : regen - 3 * part;

		rc = huf_stream(z, in + off, sizes[i], z->lit + i * part, cnt);
		if (rc)
			return rc;
		off += sizes[i];
	}
	return 0;
}

/* The literals section at in[0, len): fills z->lit, returns its size through *used. */
static int literals_section(struct zstd_dec *z, const u8 *in, size_t len, size_t *used)
{
	unsigned int type, fmt, hsize, bits;
	size_t regen, csize;
	u64 h = 0;
	int rc;

	if (!len)
		return zcorrupt(z, "empty block");
	type = in[0] & 3;
	fmt = (in[0] >> 2) & 3;
	if (type < 2) {
		hsize = fmt == 1 ? 2 : fmt == 3 ? 3 : 1;
		if (hsize > len)
			return zcorrupt(z, "truncated literals header");
		regen = hsize == 1 ? in[0] >> 3
				   : (in[0] >> 4) | (size_t)in[1] << 4 |
					 (hsize == 3 ? (size_t)in[2] << 12 : 0);
		csize = type == 0 ? regen : 1;
	} else {
		hsize = fmt < 2 ? 3 : fmt + 2;
		bits = fmt < 2 ? 10 : fmt == 2 ? 14 : 18;
		if (hsize > len)
			return zcorrupt(z, "truncated literals header");
		for (unsigned int i = 0; i < hsize; i++)
			h |= (u64)in[i] << (8 * i);
		regen = (h >> 4) & ((1u << bits) - 1);
		csize = (h >> (4 + bits)) & ((1u << bits) - 1);
	}
	if (regen > BLOCK_MAX || csize > len - hsize)
		return zcorrupt(z, "bad literals size");
	in += hsize;
	*used = hsize + csize;
	z->nlit = regen;
	if (type == 0) {
		memcpy(z->lit, in, regen);
		return 0;
	}
	if (type == 1) {
		memset(z->lit, in[0], regen);
		return 0;
	}
	if (type == 2) {
		size_t tree;

		rc = huf_read_tree(z, in, csize, &tree);
		if (rc)
			return rc;
		in += tree;
		csize -= tree;
	} else if (!z->huf_bits) {
		return zcorrupt(z, "literals reuse a Huffman table never sent");
	}
	return huf_literals(z, in, csize, regen, fmt != 0);
}

/* ---- sequences ---- */

static int seq_table(struct zstd_dec *z, struct fse_table *t, unsigned int mode, const s16 *def,
		     unsigned int ndef, unsigned int def_log, unsigned int max_sym,
		     unsigned int max_log, const u8 *in, size_t len, size_t *used)
{
	s16 norm[ML_MAX_SYM + 1];
	unsigned int log;

	*used = 0;
	switch (mode) {
	case 0:
		fse_build(t, def, ndef, def_log);
		return 0;
	case 1:
		if (!len || in[0] > max_sym)
			return zcorrupt(z, "bad RLE sequence code");
		fse_rle(t, in[0]);
		*used = 1;
		return 0;
	case 2:
		*used = fse_read_counts(in, len, norm, max_sym, max_log, &log);
		if (!*used || !fse_build(t, norm, max_sym + 1, log))
			return zcorrupt(z, "bad FSE table for sequences");
		return 0;
	default:
		if (!t->valid)
			return zcorrupt(z, "sequences repeat a table never sent");
		return 0;
	}
}

static u32 ll_value(struct bits_back *b, unsigned int code)
{
	if (code < 16)
		return code;
	return ll_base[code - 16] + (u32)bb_read(b, ll_extra[code - 16]);
}

static u32 ml_value(struct bits_back *b, unsigned int code)
{
	if (code < 32)
		return code + 3;
	return ml_base[code - 32] + (u32)bb_read(b, ml_extra[code - 32]);
}

/* Turn an offset value into a distance, updating the three repeat offsets. */
static u32 resolve_offset(struct zstd_dec *z, u32 ofv, u32 ll)
{
	u32 d, idx;

	if (ofv > 3) {
		d = ofv - 3;
	} else {
		idx = ll ? ofv - 1 : ofv; /* with no literals, the codes shift by one */
		if (idx == 0)
			return z->rep[0];
		d = idx == 3 ? z->rep[0] - 1 : z->rep[idx];
		if (idx == 1) {
			z->rep[1] = z->rep[0];
			z->rep[0] = d;
			return d;
		}
	}
	z->rep[2] = z->rep[1];
	z->rep[1] = z->rep[0];
	z->rep[0] = d;
	return d;
}

static int exec_sequence(struct zstd_dec *z, size_t *litpos, u32 ll, u32 ml, u32 dist)
{
	if (ll > z->nlit - *litpos)
		return zcorrupt(z, "sequence uses more literals than the block has");
	if ((u64)ll + ml > z->out_max - z->pos)
		return zfail(z, -ENOSPC, "output buffer too small");
	memcpy(z->out + z->pos, z->lit + *litpos, ll);
	z->pos += ll;
	*litpos += ll;
	if (!dist || dist > z->pos - z->frame_start)
		return zcorrupt(z, "match offset beyond the data decoded");
	for (u8 *dst = z->out + z->pos, *src = dst - dist; ml; ml--)
		*dst++ = *src++, z->pos++;
	return 0;
}

static int decode_sequences(struct zstd_dec *z, const u8 *in, size_t len, u32 nseq)
{
	struct bits_back b;
	u32 sll, sof, sml;
	size_t litpos = 0;
	int rc;

	if (!bb_init(&b, in, len))
		return zcorrupt(z, "bad sequence bit stream");
	sll = (u32)bb_read(&b, z->ll.log);
	sof = (u32)bb_read(&b, z->of.log);
	sml = (u32)bb_read(&b, z->ml.log);
	for (u32 i = 0; i < nseq; i++) {
		const struct fse_cell *cl = &z->ll.cell[sll], *co = &z->of.cell[sof],
				      *cm = &z->ml.cell[sml];
		u32 ofv, ml, ll;

		if (cl->sym > LL_MAX_SYM || cm->sym > ML_MAX_SYM || co->sym > OF_MAX_SYM)
			return zcorrupt(z, "bad sequence code");
		ofv = (u32)((1ull << co->sym) + bb_read(&b, co->sym));
		ml = ml_value(&b, cm->sym);
		ll = ll_value(&b, cl->sym);
		if (b.pos < 0)
			return zcorrupt(z, "sequence bit stream overrun");
		rc = exec_sequence(z, &litpos, ll, ml, resolve_offset(z, ofv, ll));
		if (rc)
			return rc;
		if (i + 1 < nseq) {
			sll = cl->base + (u32)bb_read(&b, cl->bits);
			sml = cm->base + (u32)bb_read(&b, cm->bits);
			sof = co->base + (u32)bb_read(&b, co->bits);
		}
	}
	if (b.pos != 0)
		return zcorrupt(z, "sequence bit stream size mismatch");
	if (z->nlit - litpos > z->out_max - z->pos)
		return zfail(z, -ENOSPC, "output buffer too small");
	memcpy(z->out + z->pos, z->lit + litpos, z->nlit - litpos);
	z->pos += z->nlit - litpos;
	return 0;
}

static int compressed_block(struct zstd_dec *z, const u8 *in, size_t len)
{
	size_t used, n;
	u32 nseq;
	u8 modes;
	int rc = literals_section(z, in, len, &used);

	if (rc)
		return rc;
	in += used;
	len -= used;
	if (!len)
		return zcorrupt(z, "missing sequences section");
	if (in[0] < 128) {
		nseq = in[0];
		n = 1;
	} else if (in[0] < 255) {
		if (len < 2)
			return zcorrupt(z, "truncated sequences header");
		nseq = ((u32)(in[0] - 128) << 8) + in[1];
		n = 2;
	} else {
		if (len < 3)
			return zcorrupt(z, "truncated sequences header");
		nseq = in[1] + ((u32)in[2] << 8) + 0x7f00;
		n = 3;
	}
	in += n;
	len -= n;
	if (!nseq) {
		if (len)
			return zcorrupt(z, "data after an empty sequences section");
		if (z->nlit > z->out_max - z->pos)
			return zfail(z, -ENOSPC, "output buffer too small");
		memcpy(z->out + z->pos, z->lit, z->nlit);
		z->pos += z->nlit;
		return 0;
	}
	if (!len)
		return zcorrupt(z, "truncated sequences header");
	modes = in[0];
	in++;
	len--;
	if (modes & 3)
		return zcorrupt(z, "reserved bits in sequence modes");
	rc = seq_table(z, &z->ll, modes >> 6, ll_default, LL_MAX_SYM + 1, 6, LL_MAX_SYM, LL_MAX_LOG,
		       in, len, &used);
	if (!rc) {
		in += used;
		len -= used;
		rc = seq_table(z, &z->of, (modes >> 4) & 3, of_default, 29, 5, OF_MAX_SYM,
			       OF_MAX_LOG, in, len, &used);
	}
	if (!rc) {
		in += used;
		len -= used;
		rc = seq_table(z, &z->ml, (modes >> 2) & 3, ml_default, ML_MAX_SYM + 1, 6,
			       ML_MAX_SYM, ML_MAX_LOG, in, len, &used);
	}
	if (rc)
		return rc;
	return decode_sequences(z, in + used, len - used, nseq);
}

/* ---- frames ---- */

static int frame_header(struct zstd_dec *z, size_t *ip, u64 *content_size, bool *checksum)
{
	const u8 *h = z->in + *ip;
	size_t avail = z->in_len - *ip, need;
	unsigned int fcs_bytes, did_bytes;
	bool single;
	u8 d;

	if (avail < 5)
		return zcorrupt(z, "truncated frame header");
	d = h[4];
	single = d & 0x20;
	fcs_bytes = (unsigned int[]){ single ? 1 : 0, 2, 4, 8 }[d >> 6];
	did_bytes = (unsigned int[]){ 0, 1, 2, 4 }[d & 3];
	if (d & 0x08)
		return zcorrupt(z, "reserved frame header bit set");
	need = 5 + !single + did_bytes + fcs_bytes;
	if (avail < need)
		return zcorrupt(z, "truncated frame header");
	h += 5 + !single;
	for (unsigned int i = 0; i < did_bytes; i++)
		if (h[i])
			return zfail(z, -EOPNOTSUPP,
				     "frames needing a dictionary are not supported");
	h += did_bytes;
	*content_size = ~0ull;
	if (fcs_bytes) {
		u64 v = 0;

		for (unsigned int i = 0; i < fcs_bytes; i++)
			v |= (u64)h[i] << (8 * i);
		*content_size = fcs_bytes == 2 ? v + 256 : v;
	}
	*checksum = d & 0x04;
	*ip += need;
	return 0;
}

static int decode_blocks(struct zstd_dec *z, size_t *ip)
{
	bool last = false;

	while (!last) {
		const u8 *h = z->in + *ip;
		u32 hdr, size, type;
		int rc = 0;

		if (z->in_len - *ip < 3)
			return zcorrupt(z, "truncated block header");
		hdr = h[0] | (u32)h[1] << 8 | (u32)h[2] << 16;
		last = hdr & 1;
		type = (hdr >> 1) & 3;
		size = hdr >> 3;
		*ip += 3;
		if (size > BLOCK_MAX)
			return zcorrupt(z, "block too large");
		if (type == 3)
			return zcorrupt(z, "reserved block type");
		if (z->in_len - *ip < (type == 1 ? 1 : size))
			return zcorrupt(z, "truncated block");
		if (type != 2 && size > z->out_max - z->pos)
			return zfail(z, -ENOSPC, "output buffer too small");
		if (type == 0)
			memcpy(z->out + z->pos, z->in + *ip, size);
		else if (type == 1)
			memset(z->out + z->pos, z->in[*ip], size);
		else
			rc = compressed_block(z, z->in + *ip, size);
		if (rc)
			return rc;
		if (type != 2)
			z->pos += size;
		*ip += type == 1 ? 1 : size;
	}
	return 0;
}

static int decode_frame(struct zstd_dec *z, size_t *ip)
{
	u64 content_size = ~0ull;
	bool checksum = false;
	int rc = frame_header(z, ip, &content_size, &checksum);

	if (rc)
		return rc;
	z->frame_start = z->pos;
	z->rep[0] = 1;
	z->rep[1] = 4;
	z->rep[2] = 8;
	z->huf_bits = 0;
	z->ll.valid = z->of.valid = z->ml.valid = false;
	rc = decode_blocks(z, ip);
	if (rc)
		return rc;
	if (content_size != ~0ull && content_size != z->pos - z->frame_start)
		return zcorrupt(z, "frame size differs from its header");
	if (checksum) {
		if (z->in_len - *ip < 4)
			return zcorrupt(z, "truncated checksum");
		if ((u32)xxh64(z->out + z->frame_start, z->pos - z->frame_start) !=
		    rd32(z->in + *ip))
			return zcorrupt(z, "content checksum mismatch");
		*ip += 4;
	}
	return 0;
}

int unzstd(const u8 *in, size_t in_len, u8 *out, size_t out_max, size_t *out_len, char *err,
	   size_t errlen)
{
	static u8 no_output;
	struct zstd_dec *z = &zd;
	size_t ip = 0;

	if (err && errlen)
		err[0] = '\0';
	if (!in)
		return dc_fail(err, errlen, -EINVAL, "zstd: no input");
	z->in = in;
	z->in_len = in_len;
	z->out = out ? out : &no_output;
	z->out_max = out ? out_max : 0;
	z->pos = 0;
	z->err = err;
	z->errlen = errlen;
	do {
		u32 magic;
		int rc;

		if (in_len - ip < 4)
			return zcorrupt(z, "truncated frame");
		magic = rd32(in + ip);
		if ((magic & SKIP_MAGIC_MASK) == SKIP_MAGIC) {
			u32 skip;

			if (in_len - ip < 8 || (skip = rd32(in + ip + 4)) > in_len - ip - 8)
				return zcorrupt(z, "truncated skippable frame");
			ip += 8 + skip;
			continue;
		}
		if (magic != ZSTD_MAGIC)
			return zcorrupt(z, "bad frame magic");
		rc = decode_frame(z, &ip);
		if (rc)
			return rc;
	} while (ip < in_len);
	if (out_len)
		*out_len = z->pos;
	return 0;
}
