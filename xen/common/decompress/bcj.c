/*
 * The x86 branch converter of .xz (filter 0x04), decoding direction. The
 * encoder rewrote the 32-bit displacement after each E8 (call) or E9 (jmp)
 * opcode that looked like a near branch into an absolute address, which
 * compresses better; decoding subtracts the address of the next instruction
 * again. Which bytes it touched depends on a small history of recent E8/E9
 * bytes (a bit mask of the last three positions), replayed here exactly.
 * Applied to a whole block at once; its last four bytes are never converted.
 */
#include "dc.h"

/* A plausible near displacement has 0x00 or 0xff as its top byte. */
static bool is_near_top(u8 b)
{
	return b == 0x00 || b == 0xff;
}

static u32 get_le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static void put_le32(u8 *p, u32 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
	p[2] = (u8)(v >> 16);
	p[3] = (u8)(v >> 24);
}

/* Undo the conversion of the displacement at p (after the opcode at address ip). */
static u32 unconvert(u32 stored, u32 ip, u32 hist)
{
	/* for each history mask, the displacement byte examined */
	static const u8 byte_of_mask[8] = { 0, 1, 2, 2, 3, 3, 3, 3 };
	u32 v = stored, abs;

	for (;;) {
		unsigned int shift;

		abs = v - (ip + 5);
		if (!hist)
			break;
		shift = byte_of_mask[hist] * 8;
		if (!is_near_top((u8)(abs >> (24 - shift))))
			break;
		v = abs ^ ((1u << (32 - shift)) - 1);
	}
	/* bits 0-24 kept, the top byte a sign extension of bit 24 */
	abs &= 0x01ffffffu;
	return abs | (abs & 0x01000000u ? 0xff000000u : 0);
}

void bcj_x86_decode(u8 *buf, size_t len, u32 start)
{
	static const bool mask_allows[8] = { true, true, true, false, true, false, false, false };
	static const u8 byte_of_mask[8] = { 0, 1, 2, 2, 3, 3, 3, 3 };
	size_t i = 0, prev = (size_t)-1; /* where the last E8/E9 was seen */
	u32 hist = 0;

	while (len >= 5 && i < len - 4) {
		size_t gap;

		if ((buf[i] & 0xfe) != 0xe8) {
			i++;
			continue;
		}
		gap = i - prev;
		prev = i;
		if (gap > 3) {
			hist = 0;
		} else {
			hist = (hist << (gap - 1)) & 7;
			if (hist &&
			    (!mask_allows[hist] || is_near_top(buf[i + 4 - byte_of_mask[hist]]))) {
				hist = ((hist << 1) & 7) | 1;
				i++;
				continue;
			}
		}
		if (!is_near_top(buf[i + 4])) {
			hist = ((hist << 1) & 7) | 1;
			i++;
			continue;
		}
		put_le32(buf + i + 1, unconvert(get_le32(buf + i + 1), start + (u32)i, hist));
		i += 5;
	}
}
