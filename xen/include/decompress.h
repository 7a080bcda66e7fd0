/*
 * Decompressors for kernel images (xen/common/decompress/). All of them work
 * in single-call mode: the whole input is in memory and the output goes to a
 * caller-provided buffer, which doubles as the dictionary, so no memory is
 * allocated. Every input read is bounds-checked and nothing is written at or
 * beyond out_max. They use static state and are not reentrant (they run
 * while the initial domain is built).
 *
 * Return values: 0 on success with *out_len set; -EINVAL for corrupt or
 * truncated input; -ENOSPC if the output does not fit in out_max;
 * -EOPNOTSUPP for valid input using a feature or format not implemented.
 * On failure err (if not NULL) holds a one-line reason.
 */
#ifndef PETREL_DECOMPRESS_H
#define PETREL_DECOMPRESS_H

#include "types.h"

enum decomp_format {
	DECOMP_UNKNOWN,
	DECOMP_XZ,
	DECOMP_GZIP,
	DECOMP_ZSTD,
	DECOMP_LZMA,
	DECOMP_BZIP2,
	DECOMP_LZO,
	DECOMP_LZ4,
};

/* .xz: any number of streams and stream padding; LZMA2 with optional BCJ x86; checks none, CRC32,
 * CRC64. */
int unxz(const u8 *in, size_t in_len, u8 *out, size_t out_max, size_t *out_len, char *err,
	 size_t errlen);

/* gzip (RFC 1952 members holding RFC 1951 deflate data); trailing bytes after the first member are
 * ignored. */
int gunzip(const u8 *in, size_t in_len, u8 *out, size_t out_max, size_t *out_len, char *err,
	   size_t errlen);

/* zstd (RFC 8878): any number of frames, skippable frames, content checksum; no dictionaries. */
int unzstd(const u8 *in, size_t in_len, u8 *out, size_t out_max, size_t *out_len, char *err,
	   size_t errlen);

/* Which format the data starts with (by magic number). */
enum decomp_format decompress_detect(const u8 *in, size_t len);
const char *decompress_name(enum decomp_format fmt);

/* Detect the format and decode it; unsupported formats fail with -EOPNOTSUPP naming the format. */
int decompress(const u8 *in, size_t in_len, u8 *out, size_t out_max, size_t *out_len, char *err,
	       size_t errlen);

/*
 * A Linux bzImage payload: compressed vmlinux followed (for every format but
 * gzip, whose trailer already holds it) by a 4-byte little-endian
 * uncompressed size. kernel_payload_size() reads that size; 0 if the
 * payload is too short to hold one.
 */
u32 kernel_payload_size(const u8 *payload, size_t len);
int decompress_kernel_payload(const u8 *payload, size_t len, u8 *out, size_t out_max,
			      size_t *out_len, enum decomp_format *fmt, char *err, size_t errlen);

#endif
