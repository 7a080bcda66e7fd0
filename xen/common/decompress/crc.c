/*
 * Table-driven CRC-32 and CRC-64 for the decompressors. Both are the
 * reflected forms with all-ones initial value and final inversion, which is
 * what .xz (CRC32, CRC64 checks) and gzip (CRC32 trailer) specify. The tables
 * are built on first use. CRC-32 takes eight bytes a step ("slicing by 8":
 * table k gives a byte's effect k bytes further on), a third of the
 * instructions of a byte at a time, which under emulation is the time.
 */
#include "lib.h"
#include "dc.h"

#define CRC32_POLY 0xedb88320u		 /* 0x04c11db7 bit-reversed */
#define CRC64_POLY 0xc96c5795d7870f42ull /* ECMA-182 bit-reversed */

static u32 crc32_table[8][256];
static u64 crc64_table[256];
static bool crc32_ready, crc64_ready;

static void crc32_init(void)
{
	for (u32 i = 0; i < 256; i++) {
		u32 r = i;

		for (int k = 0; k < 8; k++)
			r = (r >> 1) ^ ((r & 1) ? CRC32_POLY : 0);
		crc32_table[0][i] = r;
	}
	for (u32 i = 0; i < 256; i++)
		for (int k = 1; k < 8; k++) {
			u32 prev = crc32_table[k - 1][i];

			crc32_table[k][i] = (prev >> 8) ^ crc32_table[0][prev & 0xff];
		}
	crc32_ready = true;
}

static void crc64_init(void)
{
	for (u32 i = 0; i < 256; i++) {
		u64 r = i;

		for (int k = 0; k < 8; k++)
			r = (r >> 1) ^ ((r & 1) ? CRC64_POLY : 0);
		crc64_table[i] = r;
	}
	crc64_ready = true;
}

/* crc is the value returned for the previous piece (0 to start). */
u32 dc_crc32(u32 crc, const u8 *p, size_t n)
{
	const u32(*t)[256] = crc32_table;

	if (!crc32_ready)
		crc32_init();
	crc = ~crc;
	for (; n >= 8; n -= 8, p += 8) {
		u32 lo, hi;

		__builtin_memcpy(&lo, p, 4); /* little-endian, as the CRC's byte order */
		__builtin_memcpy(&hi, p + 4, 4);
		lo ^= crc;
		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^
		      t[4][lo >> 24] ^ t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^
		      t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
	}
	while (n--)
		crc = t[0][(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

u64 dc_crc64(u64 crc, const u8 *p, size_t n)
{
	if (!crc64_ready)
		crc64_init();
	crc = ~crc;
	while (n--)
		crc = crc64_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

int dc_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}
