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
int image_decompress(const char *kind, const unsigned char *in, size_t len, unsigned char **out,
		     size_t *out_len, char *err, size_t errlen);
/*
 * The file's ELF in img->elf, unwrapped from a bzImage and unpacked (its
 * packing in img->format), not yet checked: image_read_elf() does that.
 */
int image_unpack(const unsigned char *d, size_t len, struct kernel_image *img, char *err,
		 size_t errlen);
/* A whole regular file of at most IMAGE_MAX_SIZE bytes, in a malloc'd buffer. */
int image_load_file(const char *path, unsigned char **data, size_t *len, char *err, size_t errlen);
/* Check the ELF and read its Xen notes and placement into img. */
int image_read_elf(struct kernel_image *img, char *err, size_t errlen);

#endif /* PETREL_BUILDER_IMAGE_INTERNAL_H */
