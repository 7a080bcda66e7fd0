/*
 * save-corrupt: write a damaged copy of an `xl save` image, for the system
 * test's hostile-restore checks (tests/system/dom0_system_test.py).
 *
 *	save-corrupt KIND IN OUT
 *
 * The image is xl's header (magic, byte order, flags, the length of the
 * domain's config that follows), libxl's stream (a big-endian header, then
 * records), whose LIBXC_CONTEXT record is followed by libxc's stream (a
 * big-endian image header, a domain header, then records padded to 8 bytes,
 * ending with END).  KIND picks one change:
 *
 *	bad-type         the first PAGE_DATA record gets an unknown mandatory type
 *	length-past-end  its length runs 4 KiB past the end of the file
 *	length-max       its length is above the stream's 128 MiB record limit
 *	pfn-range        its first PFN is far above the domain's maximum
 *	page-truncated   the file ends in the middle of its first page
 *	p2m-frame        the first frame of the p2m frame list is out of range
 *	vcpu-rip         vCPU 0's saved rip is not canonical (libxc passes it
 *	                 on: the hypervisor's setvcpucontext must refuse it)
 *	vcpu-ldt         vCPU 0's LDT has 65536 entries (the limit is 8192)
 *
 * It prints what it changed and where; exit status 0, or 1 with a message
 * when the input is not an image it understands.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "public/xen.h"

#define XL_MAGIC "Xen saved domain, xl format\n \0 \r"
#define XL_HDR_SIZE 48 /* magic[32], byteorder, mandatory, optional, optional_data_len */
#define XL_BYTEORDER 0x01020304u
#define LIBXL_IDENT 0x4c6962786c466d74ull /* "LibxlFmt" */
#define LIBXL_HDR_SIZE 16		  /* ident, version, options */
#define LIBXL_REC_END 0u
#define LIBXL_REC_LIBXC_CONTEXT 1u
#define LIBXC_IHDR_SIZE 24 /* marker, id, version, options, reserved */
#define LIBXC_DHDR_SIZE 16 /* type, page_shift, reserved, xen_major, xen_minor */
#define LIBXC_ID 0x58454e46u /* "XENF" */
#define REC_END 0x0u
#define REC_PAGE_DATA 0x1u
#define REC_X86_PV_P2M_FRAMES 0x3u
#define REC_X86_PV_VCPU_BASIC 0x4u
#define REC_LENGTH_MAX (128u << 20)
#define PFN_MASK 0x000fffffffffffffull
#define PAGE_SIZE 4096u
#define FAR_PFN 0xfffffffffull
#define BAD_TYPE 0x7fffu
#define NONCANONICAL 0x8000000000000000ull
#define TOO_MANY_LDT_ENTS 65536u

struct image {
	unsigned char *buf;
	size_t size;
	size_t page_data, p2m_frames, vcpu_basic; /* record offsets, 0 if absent */
};

static int fail(const char *what)
{
	fprintf(stderr, "save-corrupt: %s\n", what);
	return 1;
}

static uint32_t le32(const unsigned char *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint64_t be64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static int read_file(const char *path, struct image *img)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return fail("cannot open the input");
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		return fclose(f), fail("cannot size the input");
	img->size = (size_t)n;
	img->buf = malloc(img->size ? img->size : 1);
	if (!img->buf || fread(img->buf, 1, img->size, f) != img->size)
		return fclose(f), fail("cannot read the input");
	fclose(f);
	return 0;
}

/* Offset of the libxc stream: after xl's header and libxl's LIBXC_CONTEXT record. */
static int find_libxc(const struct image *img, size_t *out)
{
	const unsigned char *b = img->buf;
	size_t pos;

	if (img->size < XL_HDR_SIZE || memcmp(b, XL_MAGIC, 32) || le32(b + 32) != XL_BYTEORDER)
		return fail("no xl save header");
	pos = XL_HDR_SIZE + le32(b + 44);
	if (pos + LIBXL_HDR_SIZE > img->size || be64(b + pos) != LIBXL_IDENT)
		return fail("no libxl stream header");
	for (pos += LIBXL_HDR_SIZE; pos + 8 <= img->size;) {
		uint32_t type = le32(b + pos), len = le32(b + pos + 4);

		if (type == LIBXL_REC_LIBXC_CONTEXT) {
			*out = pos + 8 + align8(len);
			return 0;
		}
		if (type == LIBXL_REC_END)
			break;
		pos += 8 + align8(len);
	}
	return fail("no LIBXC_CONTEXT record");
}

/* Note the first record of each type the changes need. */
static int scan_libxc(struct image *img, size_t pos)
{
	const unsigned char *b = img->buf;

	if (pos + LIBXC_IHDR_SIZE + LIBXC_DHDR_SIZE > img->size || be64(b + pos) != ~0ull ||
	    (uint32_t)(be64(b + pos + 8) >> 32) != LIBXC_ID)
		return fail("no libxc image header");
	for (pos += LIBXC_IHDR_SIZE + LIBXC_DHDR_SIZE; pos + 8 <= img->size;) {
		uint32_t type = le32(b + pos), len = le32(b + pos + 4);

		if (type == REC_PAGE_DATA && !img->page_data)
			img->page_data = pos;
		if (type == REC_X86_PV_P2M_FRAMES && !img->p2m_frames)
			img->p2m_frames = pos;
		if (type == REC_X86_PV_VCPU_BASIC && !img->vcpu_basic && le32(b + pos + 8) == 0)
			img->vcpu_basic = pos;
		if (type == REC_END)
			return 0;
		pos += 8 + align8(len);
	}
	return fail("libxc stream without END record");
}

static void say(const char *kind, size_t at, const char *what, uint64_t from, uint64_t to)
{
	printf("%s: %s at offset %zu: %#llx -> %#llx\n", kind, what, at, (unsigned long long)from,
	       (unsigned long long)to);
}

static void set32(struct image *img, const char *kind, size_t at, const char *what, uint32_t v)
{
	say(kind, at, what, le32(img->buf + at), v);
	put32(img->buf + at, v);
}

static void set64(struct image *img, const char *kind, size_t at, const char *what, uint64_t v)
{
	say(kind, at, what, le64(img->buf + at), v);
	put64(img->buf + at, v);
}

static int change_page_data(struct image *img, const char *kind)
{
	size_t rec = img->page_data, body = rec + 8;
	uint64_t pfn0 = le64(img->buf + body + 8);

	if (!rec || le32(img->buf + body) == 0)
		return fail("no PAGE_DATA record with pages");
	if (!strcmp(kind, "bad-type"))
		set32(img, kind, rec, "record type", BAD_TYPE);
	else if (!strcmp(kind, "length-past-end"))
		set32(img, kind, rec + 4, "record length",
		      (uint32_t)align8(img->size - body + PAGE_SIZE));
	else if (!strcmp(kind, "length-max"))
		set32(img, kind, rec + 4, "record length", REC_LENGTH_MAX + 8);
	else if (!strcmp(kind, "pfn-range"))
		set64(img, kind, body + 8, "first pfn", (pfn0 & ~PFN_MASK) | FAR_PFN);
	else if (!strcmp(kind, "page-truncated")) {
		size_t cut = body + 8 + 8 * (size_t)le32(img->buf + body) + PAGE_SIZE / 2;

		if (cut >= img->size)
			return fail("PAGE_DATA record past the end");
		say(kind, cut, "file size", img->size, cut);
		img->size = cut;
	} else
		return fail("unknown kind");
	return 0;
}

static int change_vcpu(struct image *img, const char *kind)
{
	size_t ctx = img->vcpu_basic + 16; /* record header, vcpu_id, reserved */

	if (!img->vcpu_basic ||
	    le32(img->buf + img->vcpu_basic + 4) < 8 + sizeof(struct vcpu_guest_context))
		return fail("no X86_PV_VCPU_BASIC record for vCPU 0");
	if (!strcmp(kind, "vcpu-rip"))
		set64(img, kind, ctx + offsetof(struct vcpu_guest_context, user_regs.rip), "rip",
		      NONCANONICAL);
	else
		set64(img, kind, ctx + offsetof(struct vcpu_guest_context, ldt_ents), "ldt_ents",
		      TOO_MANY_LDT_ENTS);
	return 0;
}

static int change(struct image *img, const char *kind)
{
	if (!strcmp(kind, "p2m-frame")) {
		if (!img->p2m_frames || le32(img->buf + img->p2m_frames + 4) < 16)
			return fail("no X86_PV_P2M_FRAMES record with frames");
		set64(img, kind, img->p2m_frames + 16, "first p2m frame pfn", FAR_PFN);
		return 0;
	}
	if (!strcmp(kind, "vcpu-rip") || !strcmp(kind, "vcpu-ldt"))
		return change_vcpu(img, kind);
	return change_page_data(img, kind);
}

int main(int argc, char **argv)
{
	struct image img = { 0 };
	size_t libxc;
	FILE *out;

	if (argc != 4) {
		fprintf(stderr, "usage: save-corrupt KIND IN OUT\n");
		return 2;
	}
	if (read_file(argv[2], &img) || find_libxc(&img, &libxc) || scan_libxc(&img, libxc) ||
	    change(&img, argv[1]))
		return 1;
	out = fopen(argv[3], "wb");
	if (!out || fwrite(img.buf, 1, img.size, out) != img.size || fclose(out))
		return fail("cannot write the output");
	return 0;
}
