/*
 * LZMA2 decoder (the compression filter of .xz), single-call: the output
 * buffer is also the sliding dictionary, so a match may reach back to any
 * byte written since the last dictionary reset and nothing else is needed.
 *
 * LZMA2 is a sequence of chunks, each introduced by a control byte:
 *   0x00        end of the data
 *   0x01        uncompressed chunk, dictionary reset
 *   0x02        uncompressed chunk
 *   0x80-0xff   LZMA chunk; bits 5-6 say what is reset first (0 nothing,
 *               1 coder state, 2 state and new properties, 3 also the
 *               dictionary); bits 0-4 are bits 16-20 of (unpacked size - 1)
 * An uncompressed chunk carries a 16-bit big-endian (size - 1); an LZMA chunk
 * a 16-bit big-endian low part of (unpacked size - 1), a 16-bit (packed
 * size - 1) and, with new properties, the lc/lp/pb byte. Every LZMA chunk
 * restarts the range decoder and ends exactly at its packed size; the coder
 * state (probabilities, state, repeated distances) carries over unless
 * reset. A match never crosses a chunk boundary.
 *
 * The state is static: this decoder is not reentrant.
 */
#include "lib.h"
#include "errno.h"
#include "dc.h"

#define NUM_STATES 12
#define LIT_STATES 7 /* states below this follow a literal */
#define POS_STATES_MAX 16
#define LEN_LOW_BITS 3
#define LEN_MID_BITS 3
#define LEN_HIGH_BITS 8
#define LEN_LOW_SYMS (1 << LEN_LOW_BITS)
#define LEN_MID_SYMS (1 << LEN_MID_BITS)
#define MATCH_LEN_MIN 2
#define DIST_STATES 4
#define DIST_SLOT_BITS 6
#define DIST_MODEL_START 4
#define DIST_MODEL_END 14
#define FULL_DISTANCES 128
#define ALIGN_BITS 4
#define LIT_CODER_PROBS 0x300
#define LIT_CODERS_MAX 16 /* LZMA2 limits lc + lp to 4 */

#define PROB_BITS 11
#define PROB_ONE (1u << PROB_BITS)
#define PROB_SHIFT 5
#define RC_TOP (1u << 24)

typedef u16 prob_t;

struct len_probs {
	prob_t choice;
	prob_t choice2;
	prob_t low[POS_STATES_MAX][LEN_LOW_SYMS];
	prob_t mid[POS_STATES_MAX][LEN_MID_SYMS];
	prob_t high[1 << LEN_HIGH_BITS];
};

/* Only u16 members: the whole struct is reset as one array. */
struct lzma_probs {
	prob_t is_match[NUM_STATES][POS_STATES_MAX];
	prob_t is_rep[NUM_STATES];
	prob_t is_rep0[NUM_STATES];
	prob_t is_rep1[NUM_STATES];
	prob_t is_rep2[NUM_STATES];
	prob_t is_rep0_long[NUM_STATES][POS_STATES_MAX];
	prob_t dist_slot[DIST_STATES][1 << DIST_SLOT_BITS];
	prob_t dist_special[FULL_DISTANCES - DIST_MODEL_END];
	prob_t align[1 << ALIGN_BITS];
	struct len_probs match_len;
	struct len_probs rep_len;
	prob_t literal[LIT_CODERS_MAX][LIT_CODER_PROBS];
};

struct range_dec {
	const u8 *in;
	size_t pos; /* next byte; pos > end means the chunk was overrun */
	size_t end;
	u32 range;
	u32 code;
};

struct lzma_dec {
	struct lzma_probs p;
	struct range_dec rc;
	u8 *out;
	size_t pos;	   /* next output byte */
	size_t limit;	   /* end of the current chunk's output */
	size_t end;	   /* end of the output buffer */
	size_t dict_start; /* position of the last dictionary reset */
	u32 rep[4];	   /* the last four distances (minus one) */
	unsigned int state;
	unsigned int lc, lp_mask, pb_mask;
};

static struct lzma_dec dec;

static void lzma_reset_state(struct lzma_dec *d)
{
	prob_t *p = (prob_t *)&d->p;

	for (size_t i = 0; i < sizeof(d->p) / sizeof(prob_t); i++)
		p[i] = PROB_ONE / 2;
	d->state = 0;
	d->rep[0] = d->rep[1] = d->rep[2] = d->rep[3] = 0;
}

/* The lc/lp/pb byte: (pb * 5 + lp) * 9 + lc, with lc + lp <= 4 in LZMA2. */
static bool lzma_set_props(struct lzma_dec *d, u8 b)
{
	unsigned int lc, lp, pb;

	if (b > (4 * 5 + 4) * 9 + 8)
		return false;
	lc = b % 9;
	lp = (b / 9) % 5;
	pb = b / 45;
	if (lc + lp > 4)
		return false;
	d->lc = lc;
	d->lp_mask = (1u << lp) - 1;
	d->pb_mask = (1u << pb) - 1;
	return true;
}

/* Reads past the end feed zeros and are caught by the caller through pos > end. */
static inline void rc_normalize(struct range_dec *rc)
{
	if (rc->range < RC_TOP) {
		rc->range <<= 8;
		rc->code = (rc->code << 8) | (rc->pos < rc->end ? rc->in[rc->pos] : 0);
		rc->pos++;
	}
}

static inline unsigned int rc_bit(struct range_dec *rc, prob_t *p)
{
	u32 bound;

	rc_normalize(rc);
	bound = (rc->range >> PROB_BITS) * *p;
	if (rc->code < bound) {
		rc->range = bound;
		*p += (PROB_ONE - *p) >> PROB_SHIFT;
		return 0;
	}
	rc->range -= bound;
	rc->code -= bound;
	*p -= *p >> PROB_SHIFT;
	return 1;
}

/* Fixed-probability bits, most significant first. */
static u32 rc_direct(struct range_dec *rc, unsigned int nbits)
{
	u32 v = 0;

	while (nbits--) {
		rc_normalize(rc);
		rc->range >>= 1;
		v <<= 1;
		if (rc->code >= rc->range) {
			rc->code -= rc->range;
			v |= 1;
		}
	}
	return v;
}

/* An nbits symbol coded with a binary tree of probabilities, MSB first. */
static u32 rc_tree(struct range_dec *rc, prob_t *probs, unsigned int nbits)
{
	u32 node = 1;

	for (unsigned int i = 0; i < nbits; i++)
		node = (node << 1) | rc_bit(rc, &probs[node]);
	return node - (1u << nbits);
}

/* The same tree walked with the symbol's bits taken LSB first; node n is probs[base + n]. */
static u32 rc_tree_reverse(struct range_dec *rc, prob_t *probs, int base, unsigned int nbits)
{
	u32 node = 1, v = 0;

	for (unsigned int i = 0; i < nbits; i++) {
		unsigned int bit = rc_bit(rc, &probs[base + (int)node]);

		node = (node << 1) | bit;
		v |= (u32)bit << i;
	}
	return v;
}

static bool rc_start(struct range_dec *rc, const u8 *in, size_t len)
{
	if (len < 5 || in[0] != 0)
		return false;
	rc->in = in;
	rc->end = len;
	rc->pos = 5;
	rc->range = 0xffffffffu;
	rc->code = (u32)in[1] << 24 | (u32)in[2] << 16 | (u32)in[3] << 8 | in[4];
	return true;
}

static size_t dict_filled(const struct lzma_dec *d)
{
	return d->pos - d->dict_start;
}

static void decode_literal(struct lzma_dec *d)
{
	struct range_dec *rc = &d->rc;
	size_t n = dict_filled(d);
	unsigned int prev = n ? d->out[d->pos - 1] : 0;
	unsigned int ctx = ((n & d->lp_mask) << d->lc) + (prev >> (8 - d->lc));
	prob_t *probs = d->p.literal[ctx];
	u32 sym = 1;

	if (d->state < LIT_STATES) {
		while (sym < 0x100)
			sym = (sym << 1) | rc_bit(rc, &probs[sym]);
	} else {
		/*
		 * After a match the byte at rep0 predicts this one: while the
		 * decoded bits agree with it, the upper two thirds of the
		 * coder (selected by the predicted bit) are used.
		 */
		u32 match = d->out[d->pos - d->rep[0] - 1];
		u32 sel = 0x100;

		while (sym < 0x100) {
			u32 mbit, bit;

			match <<= 1;
			mbit = match & sel;
			bit = rc_bit(rc, &probs[sel + mbit + sym]);
			sym = (sym << 1) | bit;
			sel &= bit ? mbit : ~mbit;
		}
	}
	d->out[d->pos++] = (u8)sym;
	if (d->state < 4)
		d->state = 0;
	else if (d->state < 10)
		d->state -= 3;
	else
		d->state -= 6;
}

/* A match length minus MATCH_LEN_MIN: 0-7, 8-15 or 16-271. */
static u32 decode_len(struct range_dec *rc, struct len_probs *lp, unsigned int pos_state)
{
	if (!rc_bit(rc, &lp->choice))
		return rc_tree(rc, lp->low[pos_state], LEN_LOW_BITS);
	if (!rc_bit(rc, &lp->choice2))
		return LEN_LOW_SYMS + rc_tree(rc, lp->mid[pos_state], LEN_MID_BITS);
	return LEN_LOW_SYMS + LEN_MID_SYMS + rc_tree(rc, lp->high, LEN_HIGH_BITS);
}

/* A distance minus one; slots 0-3 are the distance, above it has a prefix and extra bits. */
static u32 decode_dist(struct lzma_dec *d, u32 len)
{
	struct range_dec *rc = &d->rc;
	unsigned int lstate = len < DIST_STATES - 1 ? len : DIST_STATES - 1;
	u32 slot = rc_tree(rc, d->p.dist_slot[lstate], DIST_SLOT_BITS);
	unsigned int extra;
	u32 dist;

	if (slot < DIST_MODEL_START)
		return slot;
	extra = (slot >> 1) - 1;
	dist = (2 | (slot & 1)) << extra;
	if (slot < DIST_MODEL_END)
		/* the slots' trees are packed: this one's node 1 is dist_special[dist - slot] */
		return dist + rc_tree_reverse(rc, d->p.dist_special, (int)(dist - slot) - 1, extra);
	dist += rc_direct(rc, extra - ALIGN_BITS) << ALIGN_BITS;
	return dist + rc_tree_reverse(rc, d->p.align, 0, ALIGN_BITS);
}

/* Decode one match or repeated match; returns its length, or 0 if the data is bad. */
static u32 decode_match(struct lzma_dec *d, unsigned int pos_state)
{
	struct range_dec *rc = &d->rc;
	unsigned int s = d->state;
	u32 len, dist;

	if (!rc_bit(rc, &d->p.is_rep[s])) {
		len = decode_len(rc, &d->p.match_len, pos_state);
		d->state = s < LIT_STATES ? 7 : 10;
		d->rep[3] = d->rep[2];
		d->rep[2] = d->rep[1];
		d->rep[1] = d->rep[0];
		d->rep[0] = decode_dist(d, len);
		return len + MATCH_LEN_MIN;
	}
	if (!rc_bit(rc, &d->p.is_rep0[s])) {
		if (!rc_bit(rc, &d->p.is_rep0_long[s][pos_state])) {
			d->state = s < LIT_STATES ? 9 : 11; /* one byte at rep0 */
			return 1;
		}
	} else {
		/* the chosen distance moves to the front, the ones before it shift down */
		if (!rc_bit(rc, &d->p.is_rep1[s])) {
			dist = d->rep[1];
		} else {
			if (!rc_bit(rc, &d->p.is_rep2[s])) {
				dist = d->rep[2];
			} else {
				dist = d->rep[3];
				d->rep[3] = d->rep[2];
			}
			d->rep[2] = d->rep[1];
		}
		d->rep[1] = d->rep[0];
		d->rep[0] = dist;
	}
	len = decode_len(rc, &d->p.rep_len, pos_state);
	d->state = s < LIT_STATES ? 8 : 11;
	return len + MATCH_LEN_MIN;
}

/*
 * Append the @len bytes that start rep[0] + 1 back (the match may overlap
 * itself: the output repeats with that period). Eight bytes a step, each
 * read from a multiple of the period at least 8 back, so the word read is
 * complete; the last step may write up to 7 bytes past the match, which
 * the decoding overwrites later, so only with that room left in the buffer.
 * Byte by byte otherwise. (Under emulation a step costs about as much as a
 * byte: a kernel's matches are mostly long runs.)
 */
static void copy_match(struct lzma_dec *d, u32 len)
{
	size_t back = (size_t)d->rep[0] + 1, far = back;
	u8 *dst = d->out + d->pos;

	d->pos += len;
	if (d->end - d->pos < 8) {
		for (; len; len--, dst++)
			*dst = dst[-back];
		return;
	}
	if (far < 8)
		far *= (8 + back - 1) / back;
	/* the first far - back bytes have no copy far back yet */
	for (u8 *head_end = dst + (far - back); len && dst < head_end; len--, dst++)
		*dst = dst[-back];
	if (!len)
		return;
	for (u64 w;; dst += 8, len -= 8) {
		__builtin_memcpy(&w, dst - far, 8);
		__builtin_memcpy(dst, &w, 8);
		if (len <= 8)
			break;
	}
}

/* One LZMA chunk: fills out[pos, limit) from the range coder set up by the caller. */
static int lzma_chunk(struct lzma_dec *d, char *err, size_t errlen)
{
	while (d->pos < d->limit) {
		unsigned int pos_state = dict_filled(d) & d->pb_mask;
		u32 len;

		if (d->rc.pos > d->rc.end)
			return dc_fail(err, errlen, -EINVAL, "LZMA2: chunk data ends early");
		if (!rc_bit(&d->rc, &d->p.is_match[d->state][pos_state])) {
			if (d->state >= LIT_STATES && d->rep[0] >= dict_filled(d))
				return dc_fail(err, errlen, -EINVAL, "LZMA2: bad state");
			decode_literal(d);
			continue;
		}
		len = decode_match(d, pos_state);
		if (d->rep[0] == 0xffffffffu)
			return dc_fail(err, errlen, -EINVAL, "LZMA2: end marker inside a chunk");
		if (d->rep[0] >= dict_filled(d))
			return dc_fail(err, errlen, -EINVAL,
				       "LZMA2: distance %u beyond the %zu bytes decoded",
				       d->rep[0] + 1, dict_filled(d));
		if (len > d->limit - d->pos)
			return dc_fail(err, errlen, -EINVAL, "LZMA2: match crosses the chunk end");
		copy_match(d, len);
	}
	rc_normalize(&d->rc);
	if (d->rc.pos != d->rc.end || d->rc.code != 0)
		return dc_fail(err, errlen, -EINVAL,
			       "LZMA2: chunk's packed size does not match its data");
	return 0;
}

static u32 be16(const u8 *p)
{
	return (u32)p[0] << 8 | p[1];
}

/* An LZMA chunk starting at in[*ip] (just past the control byte). */
static int lzma2_lzma_chunk(struct lzma_dec *d, u8 ctl, const u8 *in, size_t in_len, size_t *ip,
			    size_t out_max, bool *need_props, char *err, size_t errlen)
{
	size_t hdr = ctl >= 0xc0 ? 5 : 4, usize, csize;

	if (in_len - *ip < hdr)
		return dc_fail(err, errlen, -EINVAL, "LZMA2: truncated chunk header");
	usize = (((size_t)ctl & 0x1f) << 16) + be16(in + *ip) + 1;
	csize = be16(in + *ip + 2) + 1;
	if (ctl >= 0xc0) {
		if (!lzma_set_props(d, in[*ip + 4]))
			return dc_fail(err, errlen, -EINVAL, "LZMA2: bad properties byte %#x",
				       in[*ip + 4]);
		*need_props = false;
		lzma_reset_state(d);
	} else if (*need_props) {
		return dc_fail(err, errlen, -EINVAL,
			       "LZMA2: chunk without the properties it needs");
	} else if (ctl >= 0xa0) {
		lzma_reset_state(d);
	}
	*ip += hdr;
	if (csize > in_len - *ip)
		return dc_fail(err, errlen, -EINVAL, "LZMA2: truncated chunk (%zu bytes packed)",
			       csize);
	if (usize > out_max - d->pos)
		return dc_fail(err, errlen, -ENOSPC, "output buffer too small (%zu bytes)",
			       out_max);
	if (!rc_start(&d->rc, in + *ip, csize))
		return dc_fail(err, errlen, -EINVAL, "LZMA2: bad range coder start");
	d->limit = d->pos + usize;
	*ip += csize;
	return lzma_chunk(d, err, errlen);
}

static int lzma2_copy_chunk(struct lzma_dec *d, const u8 *in, size_t in_len, size_t *ip,
			    size_t out_max, char *err, size_t errlen)
{
	size_t size;

	if (in_len - *ip < 2)
		return dc_fail(err, errlen, -EINVAL, "LZMA2: truncated chunk header");
	size = be16(in + *ip) + 1;
	*ip += 2;
	if (size > in_len - *ip)
		return dc_fail(err, errlen, -EINVAL, "LZMA2: truncated uncompressed chunk");
	if (size > out_max - d->pos)
		return dc_fail(err, errlen, -ENOSPC, "output buffer too small (%zu bytes)",
			       out_max);
	memcpy(d->out + d->pos, in + *ip, size);
	d->pos += size;
	*ip += size;
	return 0;
}

int lzma2_decode(const u8 *in, size_t in_len, size_t *in_used, u8 *out, size_t out_pos,
		 size_t out_max, size_t *out_end, char *err, size_t errlen)
{
	struct lzma_dec *d = &dec;
	bool need_dict_reset = true, need_props = true;
	size_t ip = 0;
	int rc = 0;

	d->out = out;
	d->end = out_max;
	d->pos = d->dict_start = out_pos;
	while (!rc) {
		u8 ctl;

		if (ip >= in_len)
			return dc_fail(err, errlen, -EINVAL, "LZMA2: data ends without end marker");
		ctl = in[ip++];
		if (ctl == 0x00)
			break;
		if (ctl == 0x01 || ctl >= 0xe0) {
			need_dict_reset = false;
			need_props = true;
			d->dict_start = d->pos;
		} else if (need_dict_reset) {
			return dc_fail(err, errlen, -EINVAL,
				       "LZMA2: first chunk does not reset the dictionary");
		}
		if (ctl >= 0x80)
			rc = lzma2_lzma_chunk(d, ctl, in, in_len, &ip, out_max, &need_props, err,
					      errlen);
		else if (ctl <= 0x02)
			rc = lzma2_copy_chunk(d, in, in_len, &ip, out_max, err, errlen);
		else
			rc = dc_fail(err, errlen, -EINVAL, "LZMA2: bad control byte %#x", ctl);
	}
	if (rc)
		return rc;
	*in_used = ip;
	*out_end = d->pos;
	return 0;
}
