/*
 * Front end of the decompressors: tell the format from its magic number and
 * hand the data to the decoder, or say plainly that the format is not
 * supported. Also the Linux bzImage payload convention (size trailer).
 */
#include "lib.h"
#include "errno.h"
#include "decompress.h"
#include "dc.h"

struct magic {
	enum decomp_format fmt;
	const char *name;
	u8 len;
	u8 bytes[9];
};

static const struct magic magics[] = {
	{ DECOMP_XZ, "xz", 6, { 0xfd, '7', 'z', 'X', 'Z', 0x00 } },
	{ DECOMP_GZIP, "gzip", 2, { 0x1f, 0x8b } },
	{ DECOMP_ZSTD, "zstd", 4, { 0x28, 0xb5, 0x2f, 0xfd } },
	{ DECOMP_BZIP2, "bzip2", 3, { 'B', 'Z', 'h' } },
	{ DECOMP_LZO, "lzo", 9, { 0x89, 'L', 'Z', 'O', 0x00, 0x0d, 0x0a, 0x1a, 0x0a } },
	{ DECOMP_LZ4, "lz4", 4, { 0x02, 0x21, 0x4c, 0x18 } }, /* legacy frames, as Linux makes */
	{ DECOMP_LZ4, "lz4", 4, { 0x04, 0x22, 0x4d, 0x18 } },
	/* .lzma (LZMA_Alone): properties byte 0x5d, dictionary size below 16 MiB+ */
	{ DECOMP_LZMA, "lzma", 3, { 0x5d, 0x00, 0x00 } },
};

enum decomp_format decompress_detect(const u8 *in, size_t len)
{
	if (!in)
		return DECOMP_UNKNOWN;
	for (size_t i = 0; i < ARRAY_SIZE(magics); i++)
		if (len >= magics[i].len && !memcmp(in, magics[i].bytes, magics[i].len))
			return magics[i].fmt;
	return DECOMP_UNKNOWN;
}

const char *decompress_name(enum decomp_format fmt)
{
	for (size_t i = 0; i < ARRAY_SIZE(magics); i++)
		if (magics[i].fmt == fmt)
			return magics[i].name;
	return "unknown";
}

int decompress(const u8 *in, size_t in_len, u8 *out, size_t out_max, size_t *out_len, char *err,
	       size_t errlen)
{
	enum decomp_format fmt = decompress_detect(in, in_len);

	if (err && errlen)
		err[0] = '\0';
	switch (fmt) {
	case DECOMP_XZ:
		return unxz(in, in_len, out, out_max, out_len, err, errlen);
	case DECOMP_GZIP:
		return gunzip(in, in_len, out, out_max, out_len, err, errlen);
	case DECOMP_ZSTD:
		return unzstd(in, in_len, out, out_max, out_len, err, errlen);
	case DECOMP_UNKNOWN:
		return dc_fail(err, errlen, -EINVAL,
			       "unknown compression format (supported: xz, gzip, zstd)");
	default:
		return dc_fail(err, errlen, -EOPNOTSUPP,
			       "%s-compressed data is not supported (supported: xz, gzip, zstd)",
			       decompress_name(fmt));
	}
}

u32 kernel_payload_size(const u8 *payload, size_t len)
{
	const u8 *p;

	if (!payload || len < 4)
		return 0;
	p = payload + len - 4;
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

int decompress_kernel_payload(const u8 *payload, size_t len, u8 *out, size_t out_max,
			      size_t *out_len, enum decomp_format *fmt, char *err, size_t errlen)
{
	enum decomp_format f = decompress_detect(payload, len);
	size_t n = len, got = 0;
	int rc;

	if (fmt)
		*fmt = f;
	if (len < 4)
		return dc_fail(err, errlen, -EINVAL, "kernel payload too short (%zu bytes)", len);
	/* gzip's own trailer ends in the size; the other formats have it appended */
	if (f != DECOMP_GZIP)
		n -= 4;
	rc = decompress(payload, n, out, out_max, &got, err, errlen);
	if (rc)
		return rc;
	if (got != kernel_payload_size(payload, len))
		return dc_fail(err, errlen, -EINVAL,
			       "kernel payload: decoded %zu bytes, its trailer says %u", got,
			       kernel_payload_size(payload, len));
	if (out_len)
		*out_len = got;
	return 0;
}
