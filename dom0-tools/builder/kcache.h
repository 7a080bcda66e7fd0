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
 *
 * Beside the entries, a link per kernel file records the file's identity
 * (device, inode, size, mtime, ctime) and its key: while stat() still gives
 * the same identity, the file is neither read nor hashed again.  The kernel
 * updates ctime on every change to a file's data or metadata and no system
 * call sets it, so a changed file fails the pre-check even when its size and
 * mtime were put back.  A link is only written for a file whose ctime lies
 * settle_ns before the read began, so that a write in the same clock tick as
 * the one recorded cannot go unseen.
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

/* A file's ctime must be this much older than its read for a link to be kept. */
#define KCACHE_SETTLE_NS 1000000000ll

struct kcache {
	char dir[256]; /* "" when the cache is off */
	uint64_t max_bytes;
	int64_t settle_ns;
};

enum kcache_state {
	KCACHE_OFF,	   /* no cache configured */
	KCACHE_NOT_PACKED, /* a plain ELF: nothing to unpack, nothing cached */
	KCACHE_HIT,	   /* the ELF came from the cache */
	KCACHE_STORED,	   /* unpacked, and the cache now holds it */
	KCACHE_NOT_STORED, /* unpacked, but it could not be cached (store_err) */
};

/* Seconds of a read's parts, for pxl -vv (0 for a part not done). */
struct kcache_times {
	double file_read; /* the compressed file read */
	double hash;	  /* its SHA-256 */
	double map;	  /* the entry opened and mapped */
	double check;	  /* the entry's CRC-64 */
	double unpack;	  /* a miss: the file unpacked */
	double store;	  /* a miss: the entry's CRC-64 and its write */
};

struct kcache_result {
	enum kcache_state state;
	bool corrupt;	/* an entry for the key failed its checks and was removed */
	bool unchanged; /* a hit found through the file's link: not read, not hashed */
	bool in_place;	/* a miss unpacked straight into the entry's file */
	int store_err;	/* -errno for KCACHE_NOT_STORED */
	struct kcache_times t;
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

/* "file read 0.000 s, SHA-256 0.000 s, ..." of res->t (a hit's parts or a miss's), for pxl -vv. */
void kcache_describe_times(const struct kcache_result *res, char *buf, size_t len);

#endif /* PETREL_BUILDER_KCACHE_H */
