/* SPDX-License-Identifier: MIT */
/*
 * The unpacked-kernel cache: a compressed kernel file's unpacked ELF, kept in
 * a directory under the SHA-256 of the file's bytes, so that later builds of
 * the same kernel skip the unpacking.  An entry is a header (magic, key,
 * length, CRC-64 of the ELF, packing format) and the ELF; it is written to a
 * temporary file and renamed into place, so concurrent builders never see a
 * half-written one, and one that fails its checks is removed and ignored.
 * The directory is kept under a size bound, the least recently used entries
 * going first.
 */
#ifndef PETREL_BUILDER_KCACHE_H
#define PETREL_BUILDER_KCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "image.h"

#define KCACHE_DEFAULT_DIR "/var/cache/pxl"
#define KCACHE_DEFAULT_MB 128
/* PXL_KERNEL_CACHE: the directory, or "off" (or empty) for no cache. */
#define KCACHE_ENV_DIR "PXL_KERNEL_CACHE"
/* PXL_KERNEL_CACHE_MB: the directory's bound in MiB (0: no cache). */
#define KCACHE_ENV_MB "PXL_KERNEL_CACHE_MB"

struct kcache {
	char dir[256]; /* "" when the cache is off */
	uint64_t max_bytes;
};

enum kcache_state {
	KCACHE_OFF,	   /* no cache configured */
	KCACHE_NOT_PACKED, /* a plain ELF: nothing to unpack, nothing cached */
	KCACHE_HIT,	   /* the ELF came from the cache */
	KCACHE_STORED,	   /* unpacked, and the cache now holds it */
	KCACHE_NOT_STORED, /* unpacked, but it could not be cached (store_err) */
};

struct kcache_result {
	enum kcache_state state;
	bool corrupt;  /* an entry for the key failed its checks and was removed */
	int store_err; /* -errno for KCACHE_NOT_STORED */
};

/*
 * The cache the environment asks for (the defaults when unset).  0, or
 * -EINVAL with a sentence in err, the cache then off.
 */
int kcache_from_env(struct kcache *c, char *err, size_t errlen);

/*
 * image_read_file() through the cache c (NULL or off: no cache).  The
 * image is the same either way; res says how it was obtained.
 */
int kcache_read_file(const struct kcache *c, const char *path, struct kernel_image *out,
		     struct kcache_result *res, char *err, size_t errlen);

/* "cache hit", "cache miss, stored", ... for pxl's -vv steps. */
void kcache_describe(const struct kcache_result *res, char *buf, size_t len);

#endif /* PETREL_BUILDER_KCACHE_H */
