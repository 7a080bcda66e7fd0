/* SPDX-License-Identifier: MIT */
/* Reading a PV guest's ramdisk (see image.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "image_internal.h"

int ramdisk_read(const void *data, size_t len, struct ramdisk *out, char *err, size_t errlen)
{
	const char *kind = image_compression(data, len);
	char why[256];

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return image_error(err, errlen, -EINVAL, "the ramdisk is empty");
	if (kind && strcmp(kind, "gzip") == 0 &&
	    image_decompress(kind, data, len, &out->data, &out->len, why, sizeof(why)) == 0 &&
	    out->len) {
		out->inflated = true;
		return 0;
	}
	free(out->data);
	out->data = malloc(len);
	if (!out->data)
		return image_error(err, errlen, -ENOMEM, "out of memory for the ramdisk");
	memcpy(out->data, data, len);
	out->len = len;
	return 0;
}

int ramdisk_read_file(const char *path, struct ramdisk *out, char *err, size_t errlen)
{
	unsigned char *buf;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	r = image_load_file(path, &buf, &len, err, errlen);
	if (r)
		return r;
	r = ramdisk_read(buf, len, out, err, errlen);
	free(buf);
	return r;
}

void ramdisk_free(struct ramdisk *rd)
{
	free(rd->data);
	memset(rd, 0, sizeof(*rd));
}
