/*
 * The x86 Linux boot protocol's bzImage wrapper: find the compressed kernel
 * (payload) inside it. The header fields used are at fixed offsets of the
 * real-mode setup header; all of them are bounds-checked against the image.
 */
#include "elf_loader.h"
#include "errno.h"
#include "lib.h"

#define BZ_SETUP_SECTS 0x1f1	/* u8: 512-byte setup sectors after the boot sector */
#define BZ_HEADER 0x202		/* "HdrS" */
#define BZ_VERSION 0x206	/* u16 protocol version */
#define BZ_PAYLOAD_OFFSET 0x248 /* u32, relative to the protected-mode kernel */
#define BZ_PAYLOAD_LENGTH 0x24c /* u32 */
#define BZ_MIN_VERSION 0x208	/* payload fields exist since boot protocol 2.08 */

static int __printf(3, 4) bz_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static u32 get_u32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

int bzimage_payload(const void *img, size_t size, const void **payload, size_t *len, char *err,
		    size_t errlen)
{
	const u8 *b = img;
	u32 sects, version, off, length;
	u64 start;

	if (err && errlen)
		err[0] = '\0';
	if (!img || size < BZ_HEADER + 4 || memcmp(b + BZ_HEADER, "HdrS", 4) != 0)
		return -ENOENT;
	if (size < BZ_PAYLOAD_LENGTH + 4)
		return bz_fail(err, errlen, "bzImage: truncated setup header (%zu bytes)", size);
	version = (u32)b[BZ_VERSION] | (u32)b[BZ_VERSION + 1] << 8;
	if (version < BZ_MIN_VERSION)
		return bz_fail(err, errlen, "bzImage: boot protocol %u.%02u, need at least 2.08",
			       version >> 8, version & 0xff);
	sects = b[BZ_SETUP_SECTS] ? b[BZ_SETUP_SECTS] : 4;
	off = get_u32(b + BZ_PAYLOAD_OFFSET);
	length = get_u32(b + BZ_PAYLOAD_LENGTH);
	start = (u64)(sects + 1) * 512 + off;
	if (length == 0)
		return bz_fail(err, errlen, "bzImage: empty payload");
	if (start > size || length > size - start)
		return bz_fail(err, errlen,
			       "bzImage: payload %#llx+%#x outside the image (%zu bytes)",
			       (unsigned long long)start, length, size);
	if (payload)
		*payload = b + start;
	if (len)
		*len = length;
	return 0;
}
