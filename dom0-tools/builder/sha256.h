/* SPDX-License-Identifier: MIT */
/* SHA-256 (FIPS 180-4) of a buffer: the unpacked-kernel cache's key. */
#ifndef PETREL_BUILDER_SHA256_H
#define PETREL_BUILDER_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);

#endif /* PETREL_BUILDER_SHA256_H */
