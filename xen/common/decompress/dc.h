/* Pieces shared by the decompressors in this directory. */
#ifndef PETREL_DC_H
#define PETREL_DC_H

#include "types.h"

/* Format a reason into err (if any) and return rc. */
int dc_fail(char *err, size_t errlen, int rc, const char *fmt, ...) __printf(4, 5);

/* CRC-32 (IEEE 802.3, reflected) and CRC-64 (ECMA-182, reflected), as .xz and gzip use them. */
u32 dc_crc32(u32 crc, const u8 *p, size_t n);
u64 dc_crc64(u64 crc, const u8 *p, size_t n);

/*
 * Decode raw LZMA2 data from in[0, in_len) into out[out_pos, out_max).
 * On success *in_used is the number of input bytes up to and including the
 * end marker and *out_end the new output position.
 */
int lzma2_decode(const u8 *in, size_t in_len, size_t *in_used, u8 *out, size_t out_pos,
		 size_t out_max, size_t *out_end, char *err, size_t errlen);

/* Undo the x86 branch converter (BCJ) on buf, whose first byte is at address start. */
void bcj_x86_decode(u8 *buf, size_t len, u32 start);

#endif
