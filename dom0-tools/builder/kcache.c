/* SPDX-License-Identifier: MIT */
/*
 * The unpacked-kernel cache (kcache.h): entries named by the hex SHA-256 of
 * the compressed file, "<key>.kc", written as ".tmp-*" files and renamed;
 * checked on every read (magic, key, length against the file's size, CRC-64
 * of the ELF) and bounded in size, the entries read least recently (their
 * mtime, renewed on every hit) removed first.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	if (strlen(dir) >= sizeof(c->dir))
		return image_error(err, errlen, -EINVAL, "%s: directory name longer than %zu",
				   KCACHE_ENV_DIR, sizeof(c->dir) - 1);
	if (n)
		strcpy(c->dir, dir);
	c->max_bytes = n << 20;
	return 0;
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
static int load_entry(int dirfd, const uint8_t key[SHA256_DIGEST_SIZE], struct kernel_image *img)
{
	char name[2 * SHA256_DIGEST_SIZE + 4];
	struct entry_head h;
	unsigned char *elf = NULL;
	struct stat st;
	int fd, r;

	entry_name(key, name);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	r = fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size < sizeof(h)
		? -EBADMSG
		: read_all(fd, &h, sizeof(h));
	if (!r && !head_ok(&h, key, (uint64_t)st.st_size))
		r = -EBADMSG;
	if (!r)
		elf = malloc(h.elf_len);
	if (!r && !elf)
		r = -ENOMEM;
	if (!r)
		r = read_all(fd, elf, h.elf_len);
	if (!r && lzma_crc64(elf, h.elf_len, 0) != h.crc64)
		r = -EBADMSG;
	if (!r)
		futimens(fd, NULL); /* most recently used */
	close(fd);
	if (r) {
		free(elf);
		if (r != -ENOMEM)
			unlinkat(dirfd, name, 0);
		return r == -ENOMEM ? -ENOENT : -EBADMSG;
	}
	img->elf = elf;
	img->elf_len = h.elf_len;
	strcpy(img->format, h.format);
	return 0;
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
}

/* Write the entry for key beside the others, then make room: 0 or -errno. */
static int store_entry(const struct kcache *c, int dirfd, const uint8_t key[SHA256_DIGEST_SIZE],
		       const struct kernel_image *img)
{
	struct entry_head h = { .elf_len = img->elf_len,
				.crc64 = lzma_crc64(img->elf, img->elf_len, 0) };
	char name[2 * SHA256_DIGEST_SIZE + 4], tmp[64];
	int fd, r;

	if (sizeof(h) + img->elf_len > c->max_bytes)
		return -EFBIG;
	memcpy(h.magic, ENTRY_MAGIC, sizeof(h.magic));
	memcpy(h.key, key, SHA256_DIGEST_SIZE);
	snprintf(h.format, sizeof(h.format), "%s", img->format);
	entry_name(key, name);
	for (int tries = 0;; tries++) {
		snprintf(tmp, sizeof(tmp), TMP_PREFIX "%d-%08lx", (int)getpid(), random());
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST || tries == 8)
			break;
	}
	if (fd < 0)
		return -errno;
	r = write_all(fd, &h, sizeof(h));
	if (!r)
		r = write_all(fd, img->elf, img->elf_len);
	if (close(fd) < 0 && !r)
		r = -errno;
	if (!r && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r) {
		unlinkat(dirfd, tmp, 0);
		return r;
	}
	evict(c, dirfd, name);
	return 0;
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

/* Unpack d, keep the ELF in the cache, then check it; 0 or an image error. */
static int unpack_and_store(const struct kcache *c, int dirfd,
			    const uint8_t key[SHA256_DIGEST_SIZE], const unsigned char *d,
			    size_t len, struct kernel_image *img, struct kcache_result *res,
			    char *err, size_t errlen)
{
	char name[2 * SHA256_DIGEST_SIZE + 4];
	int r = image_unpack(d, len, img, err, errlen);

	if (r)
		return r;
	r = dirfd < 0 ? dirfd : store_entry(c, dirfd, key, img);
	res->state = r ? KCACHE_NOT_STORED : KCACHE_STORED;
	res->store_err = r;
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

static int read_through(const struct kcache *c, const unsigned char *d, size_t len,
			struct kernel_image *out, struct kcache_result *res, char *err,
			size_t errlen)
{
	uint8_t key[SHA256_DIGEST_SIZE];
	int dirfd = open_dir(c), r;

	sha256_of(d, len, key);
	r = dirfd < 0 ? -ENOENT : load_entry(dirfd, key, out);
	if (r == 0) {
		r = image_read_elf(out, err, errlen);
		res->state = KCACHE_HIT;
		goto out;
	}
	res->corrupt = r == -EBADMSG;
	r = unpack_and_store(c, dirfd, key, d, len, out, res, err, errlen);
out:
	if (dirfd >= 0)
		close(dirfd);
	return r;
}

int kcache_read_file(const struct kcache *c, const char *path, struct kernel_image *out,
		     struct kcache_result *res, char *err, size_t errlen)
{
	unsigned char *buf;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	memset(res, 0, sizeof(*res));
	r = image_load_file(path, &buf, &len, err, errlen);
	if (r)
		return r;
	if (!c || !c->dir[0] || !is_packed(buf, len)) {
		res->state = is_packed(buf, len) ? KCACHE_OFF : KCACHE_NOT_PACKED;
		r = image_read(buf, len, out, err, errlen);
	} else {
		r = read_through(c, buf, len, out, res, err, errlen);
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
		snprintf(buf, len, "cache hit");
		break;
	case KCACHE_STORED:
		snprintf(buf, len, "%s, stored", was);
		break;
	case KCACHE_NOT_STORED:
		snprintf(buf, len, "%s, not stored: %s", was, strerror(-res->store_err));
		break;
	}
}
