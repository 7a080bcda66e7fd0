/* SPDX-License-Identifier: MIT */
/*
 * The unpacked-kernel cache (kcache.h): entries named by the hex SHA-256 of
 * the compressed file, "<key>.kc", written as ".tmp-*" files and renamed;
 * mapped and checked on every read (magic, key, length against the file's
 * size, CRC-64 of the ELF) and bounded in size, the entries read least
 * recently (their mtime, renewed on every hit) removed first.  Links,
 * "<dev><ino>.kl" in hex, map a kernel file's identity to its key; one whose
 * entry is gone is removed when the cache makes room.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "image_internal.h"
#include "kcache.h"
#include <nettle/sha2.h>

#define ENTRY_MAGIC "PXLKC\0\0\1"
#define ENTRY_SUFFIX ".kc"
#define TMP_PREFIX ".tmp-"
/* A temporary file this old was left by a builder that died. */
#define TMP_STALE_S 3600

struct entry_head {
	char magic[8];
	uint8_t key[SHA256_DIGEST_SIZE];
	uint64_t elf_len;
	uint64_t crc64; /* lzma_crc64 of the ELF */
	char format[32];
};
_Static_assert(sizeof(struct entry_head) == 88, "cache entry header layout");

#define LINK_MAGIC "PXLKL\0\0\1"
#define LINK_SUFFIX ".kl"
#define LINK_NAME_LEN (32 + 3 + 1)

/* What stat() says of a kernel file, and the key of its bytes. */
struct link_head {
	char magic[8];
	uint64_t dev, ino, size;
	int64_t mtime_s, mtime_ns, ctime_s, ctime_ns;
	uint8_t key[SHA256_DIGEST_SIZE];
};
_Static_assert(sizeof(struct link_head) == 96, "cache link layout");

int kcache_from_env(struct kcache *c, char *err, size_t errlen)
{
	const char *dir = getenv(KCACHE_ENV_DIR), *mb = getenv(KCACHE_ENV_MB);
	unsigned long long n = KCACHE_DEFAULT_MB;
	char *end;

	memset(c, 0, sizeof(*c));
	if (!dir)
		dir = KCACHE_DEFAULT_DIR;
	if (!dir[0] || strcmp(dir, "off") == 0)
		return 0;
	if (mb) {
		errno = 0;
		n = strtoull(mb, &end, 10);
		if (!mb[0] || *end || errno || n > (1ull << 20))
			return image_error(err, errlen, -EINVAL,
					   "%s=\"%s\" is not a size in MiB (0 to 1048576)",
					   KCACHE_ENV_MB, mb);
	}
	c->settle_ns = KCACHE_SETTLE_NS;
	if (strlen(dir) >= sizeof(c->dir))
		return image_error(err, errlen, -EINVAL, "%s: directory name longer than %zu",
				   KCACHE_ENV_DIR, sizeof(c->dir) - 1);
	if (n)
		strcpy(c->dir, dir);
	c->max_bytes = n << 20;
	return 0;
}

/* The seconds since *t, t then set to now. */
static double lap(struct timespec *t)
{
	struct timespec n;
	double d;

	clock_gettime(CLOCK_MONOTONIC, &n);
	d = (double)(n.tv_sec - t->tv_sec) + (double)(n.tv_nsec - t->tv_nsec) / 1e9;
	*t = n;
	return d;
}

static void entry_name(const uint8_t key[SHA256_DIGEST_SIZE], char name[2 * SHA256_DIGEST_SIZE + 4])
{
	for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
		sprintf(name + 2 * i, "%02x", key[i]);
	strcpy(name + 2 * SHA256_DIGEST_SIZE, ENTRY_SUFFIX);
}

static int read_all(int fd, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return n < 0 ? -errno : -EBADMSG;
		got += (size_t)n;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = write(fd, (const char *)buf + done, len - done);
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

#define TMP_NAME_LEN 64

/* A new temporary file in the directory, its name in tmp: the fd or -errno. */
static int open_tmp(int dirfd, int mode, char tmp[TMP_NAME_LEN])
{
	int fd;

	for (int tries = 0;; tries++) {
		snprintf(tmp, TMP_NAME_LEN, TMP_PREFIX "%d-%08lx", (int)getpid(), random());
		fd = openat(dirfd, tmp, mode | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST || tries == 8)
			break;
	}
	return fd < 0 ? -errno : fd;
}

/* A new file name in the directory, parts a then b, renamed into place: 0 or -errno. */
static int write_new(int dirfd, const char *name, const void *a, size_t alen, const void *b,
		     size_t blen)
{
	char tmp[TMP_NAME_LEN];
	int fd = open_tmp(dirfd, O_WRONLY, tmp), r;

	if (fd < 0)
		return fd;
	r = write_all(fd, a, alen);
	if (!r)
		r = write_all(fd, b, blen);
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r)
		unlinkat(dirfd, tmp, 0);
	return r;
}

/* Whether the header fits the key and a file of size bytes. */
static bool head_ok(const struct entry_head *h, const uint8_t key[SHA256_DIGEST_SIZE],
		    uint64_t size)
{
	return memcmp(h->magic, ENTRY_MAGIC, sizeof(h->magic)) == 0 &&
	       memcmp(h->key, key, SHA256_DIGEST_SIZE) == 0 && h->elf_len > 0 &&
	       h->elf_len <= IMAGE_MAX_SIZE && h->elf_len == size - sizeof(*h) &&
	       memchr(h->format, 0, sizeof(h->format)) && h->format[0];
}

/* The entry's ELF into img: 0, -ENOENT (none) or -EBADMSG (a bad one, removed). */
static int load_entry(int dirfd, const uint8_t key[SHA256_DIGEST_SIZE], struct kernel_image *img,
		      struct kcache_times *t)
{
	struct timespec at;
	char name[2 * SHA256_DIGEST_SIZE + 4];
	const struct entry_head *h = NULL;
	void *map = MAP_FAILED;
	struct stat st;
	int fd, r = 0;

	lap(&at);
	entry_name(key, name);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < sizeof(*h) ||
	    (uint64_t)st.st_size > sizeof(*h) + IMAGE_MAX_SIZE)
		r = -EBADMSG;
	/* read-only, so that populating it maps the page cache's pages, copying none */
	if (!r)
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (!r && map == MAP_FAILED)
		r = errno == ENOMEM ? -ENOMEM : -EBADMSG;
	h = map == MAP_FAILED ? NULL : map;
	t->map = lap(&at);
	if (!r && (!head_ok(h, key, (uint64_t)st.st_size) ||
		   lzma_crc64((const uint8_t *)(h + 1), h->elf_len, 0) != h->crc64))
		r = -EBADMSG;
	t->check = lap(&at);
	if (!r)
		futimens(fd, NULL); /* most recently used */
	close(fd);
	if (r) {
		if (h)
			munmap(map, (size_t)st.st_size);
		if (r != -ENOMEM)
			unlinkat(dirfd, name, 0);
		return r == -ENOMEM ? -ENOENT : -EBADMSG;
	}
	img->map = map;
	img->map_len = (size_t)st.st_size;
	img->elf = (unsigned char *)(h + 1);
	img->elf_len = h->elf_len;
	strcpy(img->format, h->format);
	return 0;
}

static void link_name(const struct stat *st, char name[LINK_NAME_LEN])
{
	snprintf(name, LINK_NAME_LEN, "%016llx%016llx" LINK_SUFFIX, (unsigned long long)st->st_dev,
		 (unsigned long long)st->st_ino);
}

/* The link for a file as stat() gives it, key not yet set. */
static struct link_head link_of(const struct stat *st)
{
	struct link_head l = { .dev = st->st_dev,
			       .ino = st->st_ino,
			       .size = (uint64_t)st->st_size,
			       .mtime_s = st->st_mtim.tv_sec,
			       .mtime_ns = st->st_mtim.tv_nsec,
			       .ctime_s = st->st_ctim.tv_sec,
			       .ctime_ns = st->st_ctim.tv_nsec };

	memcpy(l.magic, LINK_MAGIC, sizeof(l.magic));
	return l;
}

/* The link called name into l: 0 or -errno (-EBADMSG: not a link). */
static int read_link(int dirfd, const char *name, struct link_head *l)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), r;

	if (fd < 0)
		return -errno;
	r = read_all(fd, l, sizeof(*l));
	close(fd);
	if (!r && memcmp(l->magic, LINK_MAGIC, sizeof(l->magic)) != 0)
		r = -EBADMSG;
	return r;
}

/* Whether the directory links the file st describes to a key (then in key). */
static bool link_lookup(int dirfd, const struct stat *st, uint8_t key[SHA256_DIGEST_SIZE])
{
	struct link_head want = link_of(st), l;
	char name[LINK_NAME_LEN];

	link_name(st, name);
	if (read_link(dirfd, name, &l) || memcmp(&l, &want, offsetof(struct link_head, key)) != 0)
		return false;
	memcpy(key, l.key, SHA256_DIGEST_SIZE);
	return true;
}

static int64_t ns_of(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000ll + t->tv_nsec;
}

/*
 * Link the file to key if stat() gave the same before and after its read
 * (began at t0) and its ctime is settle_ns older than t0: any later change
 * then sets a ctime that differs from the recorded one.
 */
static void link_store(const struct kcache *c, int dirfd, const struct stat *before,
		       const struct stat *after, const struct timespec *t0,
		       const uint8_t key[SHA256_DIGEST_SIZE])
{
	struct link_head l = link_of(after), b = link_of(before);
	char name[LINK_NAME_LEN];

	if (memcmp(&l, &b, sizeof(l)) != 0 || ns_of(&after->st_ctim) + c->settle_ns >= ns_of(t0))
		return;
	memcpy(l.key, key, SHA256_DIGEST_SIZE);
	link_name(after, name);
	write_new(dirfd, name, &l, sizeof(l), NULL, 0);
}

/* Whether a directory entry is one of the links: "<32 hex digits>.kl". */
static bool is_link_name(const char *n)
{
	return strlen(n) == LINK_NAME_LEN - 1 && strspn(n, "0123456789abcdef") == 32 &&
	       strcmp(n + 32, LINK_SUFFIX) == 0;
}

/* Remove the links whose entry is gone (or that are not links). */
static void prune_links(int dirfd)
{
	DIR *d = fdopendir(dup(dirfd));
	char entry[2 * SHA256_DIGEST_SIZE + 4];
	struct link_head l;
	struct dirent *e;
	struct stat st;

	if (d)
		rewinddir(d); /* the dup shares the offset list_entries() left at the end */
	while (d && (e = readdir(d))) {
		if (!is_link_name(e->d_name))
			continue;
		if (read_link(dirfd, e->d_name, &l) == 0) {
			entry_name(l.key, entry);
			if (fstatat(dirfd, entry, &st, AT_SYMLINK_NOFOLLOW) == 0)
				continue;
		}
		unlinkat(dirfd, e->d_name, 0);
	}
	if (d)
		closedir(d);
}

struct kept {
	char name[2 * SHA256_DIGEST_SIZE + 4];
	uint64_t size;
	struct timespec used;
};

static int by_use(const void *a, const void *b)
{
	const struct timespec *x = &((const struct kept *)a)->used,
			      *y = &((const struct kept *)b)->used;

	if (x->tv_sec != y->tv_sec)
		return x->tv_sec < y->tv_sec ? -1 : 1;
	return (x->tv_nsec > y->tv_nsec) - (x->tv_nsec < y->tv_nsec);
}

/* Whether a directory entry is one of the cache's: "<64 hex digits>.kc". */
static bool is_entry_name(const char *n)
{
	return strlen(n) == 2 * SHA256_DIGEST_SIZE + strlen(ENTRY_SUFFIX) &&
	       strspn(n, "0123456789abcdef") == 2 * SHA256_DIGEST_SIZE &&
	       strcmp(n + 2 * SHA256_DIGEST_SIZE, ENTRY_SUFFIX) == 0;
}

/* The entries in the directory (stale temporary files removed on the way). */
static size_t list_entries(int dirfd, struct kept **out)
{
	DIR *d = fdopendir(dup(dirfd));
	struct kept *k = NULL, *grown;
	size_t n = 0, cap = 0;
	struct dirent *e;
	struct stat st;

	while (d && (e = readdir(d))) {
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (strncmp(e->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) == 0 &&
		    st.st_mtime + TMP_STALE_S < time(NULL))
			unlinkat(dirfd, e->d_name, 0);
		if (!is_entry_name(e->d_name))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(k, cap * sizeof(*k));
			if (!grown)
				break;
			k = grown;
		}
		strcpy(k[n].name, e->d_name);
		k[n].size = (uint64_t)st.st_size;
		k[n++].used = st.st_mtim;
	}
	if (d)
		closedir(d);
	*out = k;
	return n;
}

/* Remove the least recently used entries (never keep) until the bound holds. */
static void evict(const struct kcache *c, int dirfd, const char *keep)
{
	struct kept *k;
	size_t n = list_entries(dirfd, &k);
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += k[i].size;
	qsort(k, n, sizeof(*k), by_use);
	for (size_t i = 0; i < n && total > c->max_bytes; i++) {
		if (strcmp(k[i].name, keep) == 0)
			continue;
		if (unlinkat(dirfd, k[i].name, 0) == 0 || errno == ENOENT)
			total -= k[i].size;
	}
	free(k);
	prune_links(dirfd);
}

/* Write the entry for key beside the others, then make room: 0 or -errno. */
static int store_entry(const struct kcache *c, int dirfd, const uint8_t key[SHA256_DIGEST_SIZE],
		       const struct kernel_image *img)
{
	struct entry_head h = { .elf_len = img->elf_len,
				.crc64 = lzma_crc64(img->elf, img->elf_len, 0) };
	char name[2 * SHA256_DIGEST_SIZE + 4];
	int r;

	if (sizeof(h) + img->elf_len > c->max_bytes)
		return -EFBIG;
	memcpy(h.magic, ENTRY_MAGIC, sizeof(h.magic));
	memcpy(h.key, key, SHA256_DIGEST_SIZE);
	snprintf(h.format, sizeof(h.format), "%s", img->format);
	entry_name(key, name);
	r = write_new(dirfd, name, &h, sizeof(h), img->elf, img->elf_len);
	if (!r)
		evict(c, dirfd, name);
	return r;
}

/* Open the cache's directory, made (mode 0700, parents too) if missing. */
static int open_dir(const struct kcache *c)
{
	char path[sizeof(c->dir)];
	int fd;

	strcpy(path, c->dir);
	for (char *s = strchr(path + 1, '/');; s = strchr(s + 1, '/')) {
		if (s)
			*s = 0;
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -errno;
		if (!s)
			break;
		*s = '/';
	}
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

static bool is_packed(const unsigned char *d, size_t len)
{
	return image_is_bzimage(d, len) || image_compression(d, len);
}

/* Room past the size a kernel gives, for the decoder to reach its stream's end. */
#define UNPACK_SLACK (64u << 10)

/*
 * Give the file its len bytes.  Its blocks are allocated first where the file
 * system can, so that a full one fails here rather than as a SIGBUS when the
 * mapping is written; one that cannot (ramfs) has no space to run out of.
 */
static int size_tmp(int fd, size_t len)
{
	if (fallocate(fd, 0, 0, (off_t)len) == 0)
		return 0;
	if (errno != EOPNOTSUPP)
		return -errno;
	return ftruncate(fd, (off_t)len) < 0 ? -errno : 0;
}

/* A new entry's file of len bytes, mapped writable and populated: the mapping or MAP_FAILED. */
static void *map_tmp(int dirfd, size_t len, char tmp[TMP_NAME_LEN], int *fdp)
{
	int fd = open_tmp(dirfd, O_RDWR, tmp);
	void *map = MAP_FAILED;

	if (fd < 0)
		return MAP_FAILED;
	if (size_tmp(fd, len) == 0)
		map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		close(fd);
		unlinkat(dirfd, tmp, 0);
		return MAP_FAILED;
	}
	madvise(map, len, MADV_POPULATE_WRITE);
	*fdp = fd;
	return map;
}

/* The entry's header at the start of its mapped file, its size cut to fit, renamed into place. */
static int seal_entry(int dirfd, int fd, const char *tmp, const uint8_t key[SHA256_DIGEST_SIZE],
		      const struct kernel_image *img)
{
	struct entry_head *h = (struct entry_head *)img->map;
	char name[2 * SHA256_DIGEST_SIZE + 4];
	int r = 0;

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, ENTRY_MAGIC, sizeof(h->magic));
	memcpy(h->key, key, SHA256_DIGEST_SIZE);
	h->elf_len = img->elf_len;
	h->crc64 = lzma_crc64(img->elf, img->elf_len, 0);
	snprintf(h->format, sizeof(h->format), "%s", img->format);
	entry_name(key, name);
	if (ftruncate(fd, (off_t)(sizeof(*h) + img->elf_len)) < 0 ||
	    renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r)
		unlinkat(dirfd, tmp, 0);
	return r;
}

/*
 * Unpack d straight into a new entry's file (no copy of the ELF to write it
 * out) when d gives its unpacked size: 0 (the image mapped from the entry,
 * res set), 1 (not done: unpack as usual) or an image error.
 */
static int unpack_mapped(const struct kcache *c, int dirfd, const uint8_t key[SHA256_DIGEST_SIZE],
			 const unsigned char *d, size_t len, struct kernel_image *img,
			 struct kcache_result *res, char *err, size_t errlen)
{
	size_t hint = image_unpacked_size(d, len), map_len = sizeof(struct entry_head) + hint;
	char tmp[TMP_NAME_LEN], name[2 * SHA256_DIGEST_SIZE + 4];
	struct timespec at;
	void *map;
	int fd, r;

	if (!hint || map_len > c->max_bytes)
		return 1;
	lap(&at);
	map_len += UNPACK_SLACK;
	map = map_tmp(dirfd, map_len, tmp, &fd);
	if (map == MAP_FAILED)
		return 1;
	r = image_unpack_into(d, len, img, (unsigned char *)map + sizeof(struct entry_head),
			      map_len - sizeof(struct entry_head), err, errlen);
	res->t.unpack = lap(&at);
	if (r) {
		munmap(map, map_len);
		close(fd);
		unlinkat(dirfd, tmp, 0);
		memset(img, 0, sizeof(*img));
		return 1;
	}
	img->map = map;
	img->map_len = map_len;
	res->in_place = true;
	res->store_err = seal_entry(dirfd, fd, tmp, key, img);
	close(fd);
	res->state = res->store_err ? KCACHE_NOT_STORED : KCACHE_STORED;
	entry_name(key, name);
	if (!res->store_err)
		evict(c, dirfd, name);
	res->t.store = lap(&at);
	return 0;
}

/* Unpack d, keep the ELF in the cache, then check it; 0 or an image error. */
static int unpack_and_store(const struct kcache *c, int dirfd,
			    const uint8_t key[SHA256_DIGEST_SIZE], const unsigned char *d,
			    size_t len, struct kernel_image *img, struct kcache_result *res,
			    char *err, size_t errlen)
{
	char name[2 * SHA256_DIGEST_SIZE + 4];
	struct timespec at;
	int r = dirfd < 0 ? 1 : unpack_mapped(c, dirfd, key, d, len, img, res, err, errlen);

	if (r == 1) {
		lap(&at);
		r = image_unpack(d, len, img, err, errlen);
		res->t.unpack = lap(&at);
		if (r)
			return r;
		r = dirfd < 0 ? dirfd : store_entry(c, dirfd, key, img);
		res->t.store = lap(&at);
		res->state = r ? KCACHE_NOT_STORED : KCACHE_STORED;
		res->store_err = r;
	} else if (r) {
		return r;
	}
	r = image_read_elf(img, err, errlen);
	if (r && res->state == KCACHE_STORED) {
		entry_name(key, name);
		unlinkat(dirfd, name, 0);
		res->state = KCACHE_NOT_STORED;
		res->store_err = -ENOEXEC;
	}
	return r;
}

/* The cache's key: SHA-256 of the compressed kernel, by nettle. */
static void sha256_of(const void *d, size_t len, uint8_t key[SHA256_DIGEST_SIZE])
{
	struct sha256_ctx ctx;

	sha256_init(&ctx);
	sha256_update(&ctx, len, d);
	sha256_digest(&ctx, SHA256_DIGEST_SIZE, key);
}

/* The file as stat() saw it before its read began (at t0), or zeros. */
struct file_seen {
	struct stat st;
	struct timespec t0;
};

static int read_through(const struct kcache *c, const char *path, const struct file_seen *seen,
			const unsigned char *d, size_t len, struct kernel_image *out,
			struct kcache_result *res, char *err, size_t errlen)
{
	uint8_t key[SHA256_DIGEST_SIZE];
	int dirfd = open_dir(c), r;
	struct timespec at;
	struct stat after;

	lap(&at);
	sha256_of(d, len, key);
	res->t.hash = lap(&at);
	r = dirfd < 0 ? -ENOENT : load_entry(dirfd, key, out, &res->t);
	if (r == 0) {
		r = image_read_elf(out, err, errlen);
		res->state = KCACHE_HIT;
	} else {
		res->corrupt |= r == -EBADMSG;
		r = unpack_and_store(c, dirfd, key, d, len, out, res, err, errlen);
	}
	if (!r && res->state != KCACHE_NOT_STORED && stat(path, &after) == 0)
		link_store(c, dirfd, &seen->st, &after, &seen->t0, key);
	if (dirfd >= 0)
		close(dirfd);
	return r;
}

/* A hit through the file's link, the file not read: 0, 1 (none) or an image error. */
static int read_linked(const struct kcache *c, const struct stat *st, struct kernel_image *out,
		       struct kcache_result *res, char *err, size_t errlen)
{
	int dirfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 1;
	uint8_t key[SHA256_DIGEST_SIZE];

	if (dirfd < 0)
		return 1;
	if (link_lookup(dirfd, st, key)) {
		r = load_entry(dirfd, key, out, &res->t);
		res->corrupt = r == -EBADMSG;
		if (r == 0) {
			res->state = KCACHE_HIT;
			res->unchanged = true;
			r = image_read_elf(out, err, errlen);
		} else {
			r = 1;
		}
	}
	close(dirfd);
	return r;
}

int kcache_read_file(const struct kcache *c, const char *path, struct kernel_image *out,
		     struct kcache_result *res, char *err, size_t errlen)
{
	bool on = c && c->dir[0];
	struct file_seen seen;
	struct timespec at;
	unsigned char *buf;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	memset(res, 0, sizeof(*res));
	memset(&seen, 0, sizeof(seen));
	clock_gettime(CLOCK_REALTIME, &seen.t0);
	if (on && stat(path, &seen.st) == 0 && S_ISREG(seen.st.st_mode)) {
		r = read_linked(c, &seen.st, out, res, err, errlen);
		if (r <= 0) {
			if (r)
				image_free(out);
			return r;
		}
	}
	lap(&at);
	r = image_load_file(path, &buf, &len, err, errlen);
	res->t.file_read = lap(&at);
	if (r)
		return r;
	if (!on || !is_packed(buf, len)) {
		res->state = is_packed(buf, len) ? KCACHE_OFF : KCACHE_NOT_PACKED;
		r = image_read(buf, len, out, err, errlen);
	} else {
		r = read_through(c, path, &seen, buf, len, out, res, err, errlen);
		if (r)
			image_free(out);
	}
	free(buf);
	return r;
}

void kcache_describe(const struct kcache_result *res, char *buf, size_t len)
{
	const char *was = res->corrupt ? "cache entry corrupt, unpacked again" : "cache miss";

	switch (res->state) {
	case KCACHE_OFF:
		snprintf(buf, len, "cache off");
		break;
	case KCACHE_NOT_PACKED:
		snprintf(buf, len, "not packed");
		break;
	case KCACHE_HIT:
		snprintf(buf, len, "cache hit%s", res->unchanged ? ", file unchanged" : "");
		break;
	case KCACHE_STORED:
		snprintf(buf, len, "%s, stored", was);
		break;
	case KCACHE_NOT_STORED:
		snprintf(buf, len, "%s, not stored: %s", was, strerror(-res->store_err));
		break;
	}
}

void kcache_describe_times(const struct kcache_result *res, char *buf, size_t len)
{
	const struct kcache_times *t = &res->t;
	int n = snprintf(buf, len, "file read %.3f s, SHA-256 %.3f s, ", t->file_read, t->hash);

	if (n < 0 || (size_t)n >= len)
		return;
	if (res->state == KCACHE_HIT)
		snprintf(buf + n, len - n, "entry mapped %.3f s, CRC-64 %.3f s", t->map, t->check);
	else
		snprintf(buf + n, len - n, "unpacked%s %.3f s, stored %.3f s",
			 res->in_place ? " into the entry" : "", t->unpack, t->store);
}
