/* SPDX-License-Identifier: MIT */
/*
 * xl's save file (dom0-tools/xl/xl_stream.c): a file of a small PV domain
 * written with the writer is read back whole; cut at every length it is
 * refused as cut; each field damaged is refused with a message naming it;
 * every byte flipped in turn leaves the reader either content or stopped
 * with a message, never crashed (the suite runs under ASan and UBSan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "domctl.h"
#include "xen.h"
#include "xl_stream.h"

#define JSON "{\"c_info\": {\"name\": \"t\"}}"

struct buf {
	uint8_t *data;
	size_t len, cap, at;
};

/* Where each piece of the good file starts. */
struct layout {
	size_t libxl_hdr, xc_ihdr, xc_dhdr, pv_info, p2m, pages, shinfo, basic, ext, xc_end;
	size_t libxl_end;
};

static int buf_write(void *priv, const void *p, size_t n)
{
	struct buf *b = priv;

	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->data = realloc(b->data, b->cap);
		assert_non_null(b->data);
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

static int buf_read(void *priv, void *p, size_t n)
{
	struct buf *b = priv;

	if (n > b->len - b->at)
		return -1;
	memcpy(p, b->data + b->at, n);
	b->at += n;
	return 0;
}

static void put_rec(struct xl_sr_out *o, uint32_t type, const void *a, uint32_t alen, const void *b,
		    uint32_t blen)
{
	assert_int_equal(xl_sr_put_record(o, type, a, alen, b, blen), 0);
}

static void put_vcpus(struct xl_sr_out *o, struct layout *l)
{
	static struct vcpu_guest_context ctx;
	static uint8_t ext[64], xsave[8 + 576];
	static struct xen_domctl_vcpu_msr msrs[2];
	uint32_t vcpu[2] = { 0, 0 };

	l->basic = o->pos;
	put_rec(o, XC_REC_X86_PV_VCPU_BASIC, vcpu, 8, &ctx, sizeof(ctx));
	l->ext = o->pos;
	put_rec(o, XC_REC_X86_PV_VCPU_EXTENDED, vcpu, 8, ext, sizeof(ext));
	put_rec(o, XC_REC_X86_PV_VCPU_XSAVE, vcpu, 8, xsave, sizeof(xsave));
	put_rec(o, XC_REC_X86_PV_VCPU_MSRS, vcpu, 8, msrs, sizeof(msrs));
}

/* PAGE_DATA for pfns 0 (plain), 1 (pinned L4) and 2 (no page: XTAB). */
static void put_pages(struct xl_sr_out *o, struct layout *l)
{
	static uint8_t pages[2 * XC_SR_PAGE];
	uint64_t head[4] = { 3, 0, 1 | ((uint64_t)(XC_PAGE_PINNED | XC_PAGE_L4) << 60),
			     2 | ((uint64_t)XC_PAGE_XTAB << 60) };

	memset(pages, 0xa5, sizeof(pages));
	l->pages = o->pos;
	put_rec(o, XC_REC_PAGE_DATA, head, sizeof(head), pages, sizeof(pages));
}

static void put_xc_stream(struct xl_sr_out *o, struct layout *l)
{
	struct xc_sr_pv_info pv = { .guest_width = 8, .pt_levels = 4 };
	xen_cpuid_leaf_t leaf = { .leaf = 1 };
	xen_msr_entry_t msr = { .idx = 0xce };
	uint32_t p2m[4] = { 0, 15, 7, 0 }; /* pfns 0-15 in the frame at pfn 7 */
	struct xc_sr_tsc_info tsc = { .khz = 2000000 };
	static uint8_t shinfo[XC_SR_PAGE];

	l->xc_ihdr = o->pos;
	assert_int_equal(xl_sr_put_xc_headers(o, XC_SR_DOM_X86_PV, 4, 17), 0);
	l->xc_dhdr = l->xc_ihdr + 24;
	l->pv_info = o->pos;
	put_rec(o, XC_REC_X86_PV_INFO, &pv, sizeof(pv), NULL, 0);
	put_rec(o, XC_REC_X86_CPUID_POLICY, &leaf, sizeof(leaf), NULL, 0);
	put_rec(o, XC_REC_X86_MSR_POLICY, &msr, sizeof(msr), NULL, 0);
	put_rec(o, XC_REC_STATIC_DATA_END, NULL, 0, NULL, 0);
	l->p2m = o->pos;
	put_rec(o, XC_REC_X86_PV_P2M_FRAMES, p2m, sizeof(p2m), NULL, 0);
	put_pages(o, l);
	put_rec(o, XC_REC_X86_TSC_INFO, &tsc, sizeof(tsc), NULL, 0);
	l->shinfo = o->pos;
	put_rec(o, XC_REC_SHARED_INFO, shinfo, sizeof(shinfo), NULL, 0);
	put_vcpus(o, l);
	l->xc_end = o->pos;
	put_rec(o, XC_REC_END, NULL, 0, NULL, 0);
}

static struct buf make_file(struct layout *l)
{
	struct buf b = { 0 };
	struct xl_sr_out o = { .write = buf_write, .priv = &b };

	assert_int_equal(xl_sr_put_xl_header(&o, JSON, sizeof(JSON)), 0);
	l->libxl_hdr = o.pos;
	assert_int_equal(xl_sr_put_libxl_header(&o), 0);
	put_rec(&o, LIBXL_REC_LIBXC_CONTEXT, NULL, 0, NULL, 0);
	put_xc_stream(&o, l);
	l->libxl_end = o.pos;
	put_rec(&o, LIBXL_REC_END, NULL, 0, NULL, 0);
	assert_int_equal(o.pos, b.len);
	return b;
}

struct seen {
	uint32_t types[32];
	unsigned int n;
	int stop_at; /* the record the callback refuses (-1: none) */
};

static int note_record(void *arg, struct xl_sr_in *in, uint32_t type, const void *body,
		       uint32_t len)
{
	struct seen *s = arg;

	(void)body;
	(void)len;
	if (s->n < 32)
		s->types[s->n] = type;
	if ((int)s->n++ == s->stop_at) {
		snprintf(in->err, sizeof(in->err), "refused by the caller");
		return -1;
	}
	return 0;
}

/* Read b from its start: 0 or -1, the message in err. */
static int read_file(struct buf *b, size_t len, struct xl_sr_info *info, char *err, size_t errlen)
{
	struct buf view = { .data = b->data, .len = len };
	struct xl_sr_in in = { .read = buf_read, .priv = &view };
	int r = xl_sr_read(&in, info, NULL, NULL);

	snprintf(err, errlen, "%s", in.err);
	xl_sr_info_free(info);
	return r;
}

/* The good file and where its pieces start, made afresh for each test. */
static struct layout L;
static struct buf B;

static int good_file(void **state)
{
	(void)state;
	B = make_file(&L);
	return 0;
}

static int drop_file(void **state)
{
	(void)state;
	free(B.data);
	B.data = NULL;
	return 0;
}

static void good_file_reads_back(void **state)
{
	struct buf view = { .data = B.data, .len = B.len };
	struct xl_sr_in in = { .read = buf_read, .priv = &view };
	struct seen s = { .stop_at = -1 };
	struct xl_sr_info info;
	static const uint32_t order[] = { 2, 17, 18, 16, 3, 1, 8, 7, 4, 5, 6, 12, 0 };

	(void)state;
	assert_int_equal(xl_sr_read(&in, &info, note_record, &s), 0);
	assert_string_equal(in.err, "");
	assert_int_equal(view.at, B.len);
	assert_string_equal(info.config, JSON);
	assert_int_equal(info.config_len, sizeof(JSON));
	assert_int_equal(info.mandatory_flags, XL_SR_FLAG_JSON | XL_SR_FLAG_STREAM_V2);
	assert_int_equal(info.xc_version, 3);
	assert_int_equal(info.dom_type, XC_SR_DOM_X86_PV);
	assert_int_equal(info.xen_major, 4);
	assert_int_equal(info.xen_minor, 17);
	assert_int_equal(info.guest_width, 8);
	assert_int_equal(info.pfns, 3);
	assert_int_equal(info.pages, 2);
	assert_int_equal(info.max_vcpu, 1);
	assert_int_equal(info.p2m_end_pfn, 15);
	assert_int_equal(s.n, sizeof(order) / sizeof(order[0]));
	assert_memory_equal(s.types, order, sizeof(order));
	xl_sr_info_free(&info);
}

/* The xl header in bytes as the file holds it (little-endian host). */
static void header_bytes(void **state)
{
	static const uint8_t want[] = { 0x04, 0x03, 0x02, 0x01, 3, 0, 0, 0, 0, 0, 0, 0 };

	(void)state;
	assert_memory_equal(B.data, "Xen saved domain, xl format\n \0 \r", 32);
	assert_memory_equal(B.data + 32, want, sizeof(want));
	assert_int_equal(B.data[44], 4 + sizeof(JSON));
	assert_memory_equal(B.data + L.libxl_hdr, "LibxlFmt\0\0\0\2\0\0\0\0", 16);
	assert_memory_equal(B.data + L.xc_ihdr, "\xff\xff\xff\xff\xff\xff\xff\xffXENF\0\0\0\3", 16);
	assert_int_equal((L.libxl_end - L.libxl_hdr) % 8, 0);
}

static void cut_anywhere_is_refused(void **state)
{
	struct xl_sr_info info;
	char err[200];

	(void)state;
	for (size_t len = 0; len < B.len; len++) {
		assert_int_equal(read_file(&B, len, &info, err, sizeof(err)), -1);
		if (!strstr(err, "the file ends inside"))
			fail_msg("cut at %zu: %s", len, err);
	}
}

static void flip_every_byte(void **state)
{
	struct xl_sr_info info;
	char err[200];

	(void)state;
	for (size_t i = 0; i < B.len; i++) {
		B.data[i] ^= 0x5a;
		if (read_file(&B, B.len, &info, err, sizeof(err)) < 0 && !err[0])
			fail_msg("byte %zu flipped: refused without a message", i);
		B.data[i] ^= 0x5a;
	}
	assert_int_equal(read_file(&B, B.len, &info, err, sizeof(err)), 0);
}

struct damage {
	const char *name;
	size_t *at; /* a piece's start in the layout (NULL: the file's start) */
	size_t off;
	uint64_t value;
	unsigned int width;
	const char *message; /* part of the reader's message */
};

static const struct damage damages[] = {
	{ "magic", NULL, 3, 'X', 1, "bad magic" },
	{ "byte order", NULL, 32, 0x04030201, 4, "byte order" },
	{ "unknown mandatory flag", NULL, 36, 7, 4, "unknown mandatory flags" },
	{ "stream v1", NULL, 36, 1, 4, "version 1" },
	{ "optional flags", NULL, 40, 1, 4, "optional flags" },
	{ "optional data short", NULL, 44, 2, 4, "too short" },
	{ "config longer than the optional data", NULL, 48, 4096, 4, "optional data" },
	{ "JSON without its NUL", NULL, 48, sizeof(JSON) - 1, 4, "NUL" },
	{ "libxl ident", &L.libxl_hdr, 0, 0x4d, 1, "no libxl stream" },
	{ "libxl version", &L.libxl_hdr, 11, 3, 1, "libxl stream version 3" },
	{ "libxl big-endian", &L.libxl_hdr, 15, 1, 1, "big-endian libxl" },
	{ "libxc marker", &L.xc_ihdr, 0, 0, 1, "no libxc image header" },
	{ "libxc version 4", &L.xc_ihdr, 15, 4, 1, "libxc stream version 4" },
	{ "libxc big-endian", &L.xc_ihdr, 17, 1, 1, "big-endian libxc" },
	{ "domain type", &L.xc_dhdr, 0, 3, 4, "domain type 3" },
	{ "page shift", &L.xc_dhdr, 4, 13, 2, "page shift 13" },
	{ "record too long", &L.pv_info, 4, (128U << 20) + 1, 4, "at most" },
	{ "unknown record", &L.pv_info, 0, 0x13, 4, "not one a saved domain holds" },
	{ "PV_INFO width", &L.pv_info, 8, 6, 1, "guest width 6" },
	{ "PV_INFO length", &L.pv_info, 4, 16, 4, "X86_PV_INFO record of 16 bytes" },
	{ "P2M range down", &L.p2m, 8, 16, 4, "down to" },
	{ "P2M too few frames", &L.p2m, 12, 5000, 4, "needed" },
	{ "P2M frame beyond the p2m", &L.p2m, 16, 16, 1, "frame 0 at pfn 0x10" },
	{ "no pages", &L.pages, 8, 0, 4, "no pages" },
	{ "more pfns than the record holds", &L.pages, 8, 5000, 4, "cannot hold" },
	{ "page type 5", &L.pages, 16 + 7, 0x50, 1, "invalid type 0x5" },
	{ "type XTAB to L1: a page short", &L.pages, 32 + 7, 0x10, 1, "expected" },
	{ "pfn beyond the p2m", &L.pages, 24, 99, 1, "beyond the p2m" },
	{ "SHARED_INFO length", &L.shinfo, 4, 4088, 4, "SHARED_INFO record of 4088" },
	{ "vCPU id", &L.basic, 8, 5000, 4, "for vCPU 5000" },
	{ "BASIC size", &L.basic, 4, 8 + 5160, 4, "BASIC record holds 5160" },
	{ "EXTENDED size", &L.ext, 4, 8 + 72, 4, "at most 64" },
	{ "PAGE_DATA before PV_INFO", &L.pv_info, 0, XC_REC_PAGE_DATA, 4,
	  "type 1 before X86_PV_INFO" },
	{ "P2M frames before PV_INFO", &L.pv_info, 0, XC_REC_X86_PV_P2M_FRAMES, 4,
	  "type 3 before X86_PV_INFO" },
	{ "END with a body", &L.xc_end, 4, 8, 4, "END record of 8" },
	{ "libxl checkpoint", &L.libxl_end, 0, LIBXL_REC_CHECKPOINT_END, 4, "checkpointed" },
	{ "libxl unknown record", &L.libxl_end, 0, 9, 4, "unknown type 0x9" },
};

static void damaged_fields_are_refused(void **state)
{
	struct xl_sr_info info;
	char err[200];

	(void)state;
	for (size_t i = 0; i < sizeof(damages) / sizeof(damages[0]); i++) {
		const struct damage *d = &damages[i];
		size_t at = (d->at ? *d->at : 0) + d->off;
		uint8_t keep[8];

		memcpy(keep, B.data + at, d->width);
		memcpy(B.data + at, &d->value, d->width);
		if (read_file(&B, B.len, &info, err, sizeof(err)) != -1 || !strstr(err, d->message))
			fail_msg("%s: \"%s\", wanted \"%s\"", d->name, err, d->message);
		memcpy(B.data + at, keep, d->width);
	}
	assert_int_equal(read_file(&B, B.len, &info, err, sizeof(err)), 0);
}

/* Records a saved domain may hold and a reader skips: optional ones. */
static void optional_record_is_skipped(void **state)
{
	struct xl_sr_info info;
	char err[200];
	uint32_t type = XC_SR_REC_OPTIONAL | 0x42;

	(void)state;
	memcpy(B.data + L.shinfo, &type, 4);
	assert_int_equal(read_file(&B, B.len, &info, err, sizeof(err)), 0);
}

static void caller_stops_the_reader(void **state)
{
	struct buf view = { .data = B.data, .len = B.len };
	struct xl_sr_in in = { .read = buf_read, .priv = &view };
	struct seen s = { .stop_at = 5 };
	struct xl_sr_info info;

	(void)state;
	assert_int_equal(xl_sr_read(&in, &info, note_record, &s), -1);
	assert_string_equal(in.err, "refused by the caller");
	assert_int_equal(s.n, 6);
	xl_sr_info_free(&info);
}

/* test_stream FILE: the good file written to FILE, for other readers to judge. */
static int write_good_file(const char *path)
{
	FILE *f = fopen(path, "wb");
	int ok;

	good_file(NULL);
	ok = f && fwrite(B.data, 1, B.len, f) == B.len;
	if (f && fclose(f))
		ok = 0;
	drop_file(NULL);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 2)
		return write_good_file(argv[1]);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(good_file_reads_back, good_file, drop_file),
		cmocka_unit_test_setup_teardown(header_bytes, good_file, drop_file),
		cmocka_unit_test_setup_teardown(cut_anywhere_is_refused, good_file, drop_file),
		cmocka_unit_test_setup_teardown(flip_every_byte, good_file, drop_file),
		cmocka_unit_test_setup_teardown(damaged_fields_are_refused, good_file, drop_file),
		cmocka_unit_test_setup_teardown(optional_record_is_skipped, good_file, drop_file),
		cmocka_unit_test_setup_teardown(caller_stops_the_reader, good_file, drop_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
