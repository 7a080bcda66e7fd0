/* SPDX-License-Identifier: MIT */
/* Between the kernel reader's two halves: unpacking and ELF reading. */
#ifndef PETREL_BUILDER_IMAGE_INTERNAL_H
#define PETREL_BUILDER_IMAGE_INTERNAL_H

#include "image.h"

int image_error(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
bool image_is_bzimage(const unsigned char *d, size_t len);
int image_bzimage_payload(const unsigned char *d, size_t len, const unsigned char **payload,
			  size_t *plen, char *err, size_t errlen);
/* "gzip", "xz", "zstd", "lzma", "lz4", "bzip2" by magic number, or NULL. */
const char *image_compression(const unsigned char *d, size_t len);
/*
 * The unpacked size a compressed kernel's last four bytes give (little
 * endian, as Linux appends it), or 0 when they give none believable.
 */
size_t image_size_hint(const unsigned char *in, size_t len);
int image_decompress(const char *kind, const unsigned char *in, size_t len, unsigned char **out,
		     size_t *out_len, char *err, size_t errlen);
/* The same into buf's cap bytes: -EFBIG (err set) when they are too few. */
int image_decompress_into(const char *kind, const unsigned char *in, size_t len, unsigned char *buf,
			  size_t cap, size_t *out_len, char *err, size_t errlen);
/*
 * The file's ELF in img->elf, unwrapped from a bzImage and unpacked (its
 * packing in img->format), not yet checked: image_read_elf() does that.
 */
int image_unpack(const unsigned char *d, size_t len, struct kernel_image *img, char *err,
		 size_t errlen);
/*
 * A compressed file's (or bzImage payload's) unpacked size as its last four
 * bytes give it, or 0 (not compressed, or no believable size).
 */
size_t image_unpacked_size(const unsigned char *d, size_t len);
/*
 * image_unpack() of a compressed file into buf's cap bytes (img->elf then
 * points into buf, owned by the caller); -EFBIG when they are too few.
 */
int image_unpack_into(const unsigned char *d, size_t len, struct kernel_image *img,
		      unsigned char *buf, size_t cap, char *err, size_t errlen);
/* A whole regular file of at most IMAGE_MAX_SIZE bytes, in a malloc'd buffer. */
int image_load_file(const char *path, unsigned char **data, size_t *len, char *err, size_t errlen);
/* Check the ELF and read its Xen notes and placement into img. */
int image_read_elf(struct kernel_image *img, char *err, size_t errlen);

#endif /* PETREL_BUILDER_IMAGE_INTERNAL_H */
