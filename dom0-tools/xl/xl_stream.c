/* SPDX-License-Identifier: MIT */
/* xl's save file: writing its pieces and reading it back with every field checked. */
#include <endian.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domctl.h"
#include "xen.h"
#include "xl_stream.h"

static const char xl_magic[XL_SR_MAGIC_LEN] = "Xen saved domain, xl format\n \0 \r";

struct xl_header {
	char magic[XL_SR_MAGIC_LEN];
	uint32_t byteorder, mandatory_flags, optional_flags, optional_len;
};

struct be_libxl_header {
	uint64_t ident;
	uint32_t version, options;
};

struct be_xc_ihdr {
	uint64_t marker;
	uint32_t id, version;
	uint16_t options, res1;
	uint32_t res2;
};

struct xc_dhdr {
	uint32_t type;
	uint16_t page_shift, res;
	uint32_t xen_major, xen_minor;
};

struct rec_head {
	uint32_t type, length;
};

static int put(struct xl_sr_out *o, const void *buf, size_t n)
{
	int r = n ? o->write(o->priv, buf, n) : 0;

	if (r == 0)
		o->pos += n;
	return r;
}

int xl_sr_put_xl_header(struct xl_sr_out *o, const char *json, uint32_t len)
{
	struct xl_header h = {
		.byteorder = XL_SR_BYTEORDER,
		.mandatory_flags = XL_SR_FLAG_STREAM_V2 | (len ? XL_SR_FLAG_JSON : 0),
		.optional_len = (uint32_t)sizeof(len) + len,
	};
	int r;

	memcpy(h.magic, xl_magic, sizeof(h.magic));
	r = put(o, &h, sizeof(h));
	r = r ? r : put(o, &len, sizeof(len));
	return r ? r : put(o, json, len);
}

int xl_sr_put_libxl_header(struct xl_sr_out *o)
{
	struct be_libxl_header h = {
		.ident = htobe64(LIBXL_SR_IDENT),
		.version = htobe32(LIBXL_SR_VERSION),
	};

	return put(o, &h, sizeof(h));
}

int xl_sr_put_record(struct xl_sr_out *o, uint32_t type, const void *a, uint32_t alen,
		     const void *b, uint32_t blen)
{
	static const char zero[8];
	struct rec_head h = { type, alen + blen };
	int r = put(o, &h, sizeof(h));

	r = r ? r : put(o, a, alen);
	r = r ? r : put(o, b, blen);
	return r ? r : put(o, zero, (8 - (h.length & 7)) & 7);
}

int xl_sr_put_xc_headers(struct xl_sr_out *o, uint32_t dom_type, uint32_t xen_major,
			 uint32_t xen_minor)
{
	struct be_xc_ihdr ih = {
		.marker = XC_SR_MARKER,
		.id = htobe32(XC_SR_ID),
		.version = htobe32(XC_SR_VERSION),
	};
	struct xc_dhdr dh = {
		.type = dom_type,
		.page_shift = 12,
		.xen_major = xen_major,
		.xen_minor = xen_minor,
	};
	int r = put(o, &ih, sizeof(ih));

	return r ? r : put(o, &dh, sizeof(dh));
}

/* Stop reading: the message, with the offset where it went wrong. */
static int fail(struct xl_sr_in *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct xl_sr_in *in, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(in->err, sizeof(in->err), "at byte %llu: ", (unsigned long long)in->pos);

	va_start(ap, fmt);
	vsnprintf(in->err + n, sizeof(in->err) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static int get(struct xl_sr_in *in, void *buf, size_t n, const char *what)
{
	if (n && in->read(in->priv, buf, n) < 0)
		return fail(in, "the file ends inside %s", what);
	in->pos += n;
	return 0;
}

static int skip_bytes(struct xl_sr_in *in, uint64_t n, const char *what)
{
	char buf[512];

	while (n) {
		size_t k = n < sizeof(buf) ? (size_t)n : sizeof(buf);

		if (get(in, buf, k, what))
			return -1;
		n -= k;
	}
	return 0;
}

static int read_xl_header(struct xl_sr_in *in, struct xl_sr_info *info)
{
	struct xl_header h;
	uint32_t len;

	if (get(in, &h, sizeof(h), "xl's header"))
		return -1;
	if (memcmp(h.magic, xl_magic, sizeof(h.magic)))
		return fail(in, "not an xl save file (bad magic)");
	if (h.byteorder != XL_SR_BYTEORDER)
		return fail(in, "byte order mark 0x%08x: saved on a host of another byte order",
			    h.byteorder);
	if (h.mandatory_flags & ~(XL_SR_FLAG_JSON | XL_SR_FLAG_STREAM_V2))
		return fail(in, "unknown mandatory flags 0x%x", h.mandatory_flags);
	if (!(h.mandatory_flags & XL_SR_FLAG_STREAM_V2))
		return fail(in, "a stream of version 1 (before Xen 4.6): not supported");
	if (h.optional_flags)
		return fail(in, "unknown optional flags 0x%x", h.optional_flags);
	info->mandatory_flags = h.mandatory_flags;
	info->optional_flags = h.optional_flags;
	if (h.optional_len < sizeof(len))
		return fail(in, "optional data of %u bytes: too short", h.optional_len);
	if (get(in, &len, sizeof(len), "the configuration's length"))
		return -1;
	if (len > h.optional_len - sizeof(len))
		return fail(in, "a configuration of %u bytes in %u bytes of optional data", len,
			    h.optional_len);
	info->config = malloc(len + 1);
	if (!info->config)
		return fail(in, "no memory for a configuration of %u bytes", len);
	if (get(in, info->config, len, "the configuration"))
		return -1;
	info->config[len] = 0;
	info->config_len = len;
	if ((h.mandatory_flags & XL_SR_FLAG_JSON) && (!len || info->config[len - 1]))
		return fail(in, "the JSON configuration does not end in a NUL");
	return skip_bytes(in, h.optional_len - sizeof(len) - len, "the optional data");
}

static int read_libxl_header(struct xl_sr_in *in)
{
	struct be_libxl_header h;

	if (get(in, &h, sizeof(h), "libxl's stream header"))
		return -1;
	if (be64toh(h.ident) != LIBXL_SR_IDENT)
		return fail(in, "no libxl stream after xl's header (ident 0x%016llx)",
			    (unsigned long long)be64toh(h.ident));
	if (be32toh(h.version) != LIBXL_SR_VERSION)
		return fail(in, "libxl stream version %u (%u expected)", be32toh(h.version),
			    LIBXL_SR_VERSION);
	if (be32toh(h.options) & LIBXL_SR_OPT_BIG_ENDIAN)
		return fail(in, "a big-endian libxl stream");
	return 0;
}

/* A record's header and body (malloc'd, the padding read and dropped). */
static int read_record(struct xl_sr_in *in, struct rec_head *h, uint8_t **body, const char *whose)
{
	uint32_t pad;

	*body = NULL;
	if (get(in, h, sizeof(*h), "a record header"))
		return -1;
	if (h->length > XC_SR_REC_MAX)
		return fail(in, "%s record of type %u is %u bytes long (at most %u)", whose,
			    h->type, h->length, XC_SR_REC_MAX);
	pad = (8 - (h->length & 7)) & 7;
	*body = malloc(h->length + pad + 1);
	if (!*body)
		return fail(in, "no memory for a record of %u bytes", h->length);
	return get(in, *body, h->length + pad, "a record's body");
}

int xl_sr_page_type_ok(unsigned int type)
{
	return type <= XC_PAGE_L4 || (type > XC_PAGE_PINNED && type <= XC_PAGE_XTAB);
}

int xl_sr_check_page_data(struct xl_sr_in *in, const void *body, uint32_t len, uint32_t *count,
			  uint32_t *with_data)
{
	const uint32_t *head = body;
	const uint64_t *pfn = (const uint64_t *)body + 1;
	uint64_t need;

	if (len < 8)
		return fail(in, "PAGE_DATA record of %u bytes: shorter than its header", len);
	*count = head[0];
	*with_data = 0;
	if (*count == 0)
		return fail(in, "PAGE_DATA record with no pages");
	if (8 + (uint64_t)*count * 8 > len)
		return fail(in, "PAGE_DATA record of %u bytes cannot hold %u pfns", len, *count);
	for (uint32_t i = 0; i < *count; i++) {
		unsigned int type = (unsigned int)(pfn[i] >> XC_SR_TYPE_SHIFT);

		if (!xl_sr_page_type_ok(type))
			return fail(in, "PAGE_DATA pfn %#llx has the invalid type %#x",
				    (unsigned long long)(pfn[i] & XC_SR_PFN_MASK), type);
		if (type < XC_PAGE_BROKEN)
			++*with_data;
	}
	need = 8 + (uint64_t)*count * 8 + (uint64_t)*with_data * XC_SR_PAGE;
	if (need != len)
		return fail(in,
			    "PAGE_DATA record of %u bytes for %u pfns and %u pages (%llu expected)",
			    len, *count, *with_data, (unsigned long long)need);
	return 0;
}

static int check_pages(struct xl_sr_in *in, struct xl_sr_info *info, const uint8_t *body,
		       uint32_t len)
{
	const uint64_t *pfn = (const uint64_t *)body + 1;
	uint32_t count, with_data;

	if (xl_sr_check_page_data(in, body, len, &count, &with_data))
		return -1;
	for (uint32_t i = 0; info->p2m_frames_seen && i < count; i++) {
		if ((pfn[i] & XC_SR_PFN_MASK) > info->p2m_end_pfn)
			return fail(in, "PAGE_DATA pfn %#llx beyond the p2m's end %#llx",
				    (unsigned long long)(pfn[i] & XC_SR_PFN_MASK),
				    (unsigned long long)info->p2m_end_pfn);
	}
	info->pfns += count;
	info->pages += with_data;
	return 0;
}

static int check_pv_info(struct xl_sr_in *in, struct xl_sr_info *info, const uint8_t *body,
			 uint32_t len)
{
	const struct xc_sr_pv_info *pv = (const void *)body;

	if (len != sizeof(*pv))
		return fail(in, "X86_PV_INFO record of %u bytes (%zu expected)", len, sizeof(*pv));
	if (info->guest_width)
		return fail(in, "a second X86_PV_INFO record");
	if (!((pv->guest_width == 8 && pv->pt_levels == 4) ||
	      (pv->guest_width == 4 && pv->pt_levels == 3)))
		return fail(in, "X86_PV_INFO with guest width %u and %u page-table levels",
			    pv->guest_width, pv->pt_levels);
	info->guest_width = pv->guest_width;
	info->pt_levels = pv->pt_levels;
	return 0;
}

static int check_p2m_frames(struct xl_sr_in *in, struct xl_sr_info *info, const uint8_t *body,
			    uint32_t len)
{
	const uint32_t *range = (const void *)body;
	uint64_t per_frame = XC_SR_PAGE / info->guest_width, need;

	if (len < 8 || (len - 8) % 8)
		return fail(in, "X86_PV_P2M_FRAMES record of %u bytes", len);
	if (range[0] > range[1])
		return fail(in, "X86_PV_P2M_FRAMES from pfn %#x down to %#x", range[0], range[1]);
	need = ((uint64_t)(range[1] - range[0]) / per_frame + 1) * 8 + 8;
	if (len < need)
		return fail(in, "X86_PV_P2M_FRAMES of %u bytes for pfns %#x-%#x (%llu needed)", len,
			    range[0], range[1], (unsigned long long)need);
	for (uint32_t i = 0; i < (len - 8) / 8; i++) {
		uint64_t pfn;

		memcpy(&pfn, body + 8 + 8 * i, sizeof(pfn));
		if (pfn > range[1])
			return fail(in, "X86_PV_P2M_FRAMES frame %u at pfn %#llx, beyond pfn %#x",
				    i, (unsigned long long)pfn, range[1]);
	}
	info->p2m_frames_seen = 1;
	info->p2m_end_pfn = range[1];
	return 0;
}

static int check_vcpu(struct xl_sr_in *in, struct xl_sr_info *info, uint32_t type,
		      const uint8_t *body, uint32_t len)
{
	uint32_t id, size = len - 8;

	if (len < 8)
		return fail(in, "vCPU record of type %u with %u bytes: shorter than its header",
			    type, len);
	memcpy(&id, body, sizeof(id));
	if (id >= XL_SR_MAX_VCPUS)
		return fail(in, "vCPU record of type %u for vCPU %u", type, id);
	if (type == XC_REC_X86_PV_VCPU_BASIC && info->guest_width == 8 &&
	    size != sizeof(struct vcpu_guest_context))
		return fail(in, "vCPU %u's BASIC record holds %u bytes (%zu expected)", id, size,
			    sizeof(struct vcpu_guest_context));
	if (type == XC_REC_X86_PV_VCPU_EXTENDED && size > sizeof(struct xen_domctl_ext_vcpucontext))
		return fail(in, "vCPU %u's EXTENDED record holds %u bytes (at most %zu)", id, size,
			    sizeof(struct xen_domctl_ext_vcpucontext));
	if (type == XC_REC_X86_PV_VCPU_MSRS && size % sizeof(struct xen_domctl_vcpu_msr))
		return fail(in, "vCPU %u's MSRS record of %u bytes", id, size);
	if (id + 1 > info->max_vcpu)
		info->max_vcpu = id + 1;
	return 0;
}

/* The records of a PV stream only, which come after X86_PV_INFO. */
static bool pv_only(uint32_t type)
{
	return type == XC_REC_X86_PV_P2M_FRAMES ||
	       (type >= XC_REC_X86_PV_VCPU_BASIC && type <= XC_REC_X86_PV_VCPU_XSAVE) ||
	       type == XC_REC_X86_PV_VCPU_MSRS;
}

static int check_order(struct xl_sr_in *in, const struct xl_sr_info *info, uint32_t type)
{
	bool pv = info->dom_type == XC_SR_DOM_X86_PV;

	if (!pv && pv_only(type))
		return fail(in, "PV record of type %u in an HVM stream", type);
	if (pv && (pv_only(type) || type == XC_REC_PAGE_DATA) && !info->guest_width)
		return fail(in, "record of type %u before X86_PV_INFO", type);
	return 0;
}

static int check_fixed(struct xl_sr_in *in, const char *name, uint32_t len, uint32_t want)
{
	return len == want ? 0 : fail(in, "%s record of %u bytes (%u expected)", name, len, want);
}

static int check_multiple(struct xl_sr_in *in, const char *name, uint32_t len, uint32_t unit)
{
	return len % unit == 0
		   ? 0
		   : fail(in, "%s record of %u bytes, not a multiple of %u", name, len, unit);
}

static int check_xc_record(struct xl_sr_in *in, struct xl_sr_info *info, uint32_t type,
			   const uint8_t *body, uint32_t len)
{
	bool pv = info->dom_type == XC_SR_DOM_X86_PV;

	if (check_order(in, info, type))
		return -1;
	switch (type) {
	case XC_REC_END:
	case XC_REC_STATIC_DATA_END:
		return check_fixed(in, type ? "STATIC_DATA_END" : "END", len, 0);
	case XC_REC_PAGE_DATA:
		return check_pages(in, info, body, len);
	case XC_REC_X86_PV_INFO:
		return pv ? check_pv_info(in, info, body, len)
			  : fail(in, "X86_PV_INFO record in an HVM stream");
	case XC_REC_X86_PV_P2M_FRAMES:
		return check_p2m_frames(in, info, body, len);
	case XC_REC_X86_PV_VCPU_BASIC:
	case XC_REC_X86_PV_VCPU_EXTENDED:
	case XC_REC_X86_PV_VCPU_XSAVE:
	case XC_REC_X86_PV_VCPU_MSRS:
		return check_vcpu(in, info, type, body, len);
	case XC_REC_SHARED_INFO:
		return check_fixed(in, "SHARED_INFO", len, XC_SR_PAGE);
	case XC_REC_X86_TSC_INFO:
		return check_fixed(in, "X86_TSC_INFO", len, sizeof(struct xc_sr_tsc_info));
	case XC_REC_X86_CPUID_POLICY:
		return check_multiple(in, "X86_CPUID_POLICY", len, sizeof(xen_cpuid_leaf_t));
	case XC_REC_X86_MSR_POLICY:
		return check_multiple(in, "X86_MSR_POLICY", len, sizeof(xen_msr_entry_t));
	case XC_REC_HVM_CONTEXT:
	case XC_REC_HVM_PARAMS:
		return pv ? fail(in, "HVM record of type %u in a PV stream", type) : 0;
	default:
		if (type & XC_SR_REC_OPTIONAL)
			return 0;
		return fail(in, "libxc record of type %#x: not one a saved domain holds", type);
	}
}

static int read_xc_headers(struct xl_sr_in *in, struct xl_sr_info *info)
{
	struct be_xc_ihdr ih;
	struct xc_dhdr dh;

	if (get(in, &ih, sizeof(ih), "libxc's image header"))
		return -1;
	if (ih.marker != XC_SR_MARKER || be32toh(ih.id) != XC_SR_ID)
		return fail(in, "no libxc image header (marker %#llx, id %#x)",
			    (unsigned long long)ih.marker, be32toh(ih.id));
	info->xc_version = be32toh(ih.version);
	if (info->xc_version < 2 || info->xc_version > XC_SR_VERSION)
		return fail(in, "libxc stream version %u (2 or 3 expected)", info->xc_version);
	if (be16toh(ih.options) & XC_SR_OPT_BIG_ENDIAN)
		return fail(in, "a big-endian libxc stream");
	if (get(in, &dh, sizeof(dh), "libxc's domain header"))
		return -1;
	if (dh.type != XC_SR_DOM_X86_PV && dh.type != XC_SR_DOM_X86_HVM)
		return fail(in, "domain type %u (1, x86 PV, or 2, x86 HVM, expected)", dh.type);
	if (dh.page_shift != 12)
		return fail(in, "page shift %u (12 expected)", dh.page_shift);
	info->dom_type = dh.type;
	info->xen_major = dh.xen_major;
	info->xen_minor = dh.xen_minor;
	return 0;
}

static int read_xc_stream(struct xl_sr_in *in, struct xl_sr_info *info, xl_sr_record_fn fn,
			  void *arg)
{
	struct rec_head h = { .type = ~0U };
	uint8_t *body = NULL;
	int r = read_xc_headers(in, info);

	while (r == 0 && h.type != XC_REC_END) {
		r = read_record(in, &h, &body, "libxc");
		r = r ? r : check_xc_record(in, info, h.type, body, h.length);
		if (r == 0 && h.type < XC_REC_NR_TYPES)
			info->records[h.type]++;
		r = r || !fn ? r : fn(arg, in, h.type, body, h.length);
		free(body);
	}
	return r;
}

static int check_libxl_record(struct xl_sr_in *in, struct xl_sr_info *info, uint32_t type,
			      uint32_t len)
{
	switch (type) {
	case LIBXL_REC_END:
	case LIBXL_REC_LIBXC_CONTEXT:
		return check_fixed(in, type ? "LIBXC_CONTEXT" : "libxl END", len, 0);
	case LIBXL_REC_EMULATOR_XENSTORE_DATA:
	case LIBXL_REC_EMULATOR_CONTEXT:
		info->libxl_records++;
		return len >= 8 ? 0 : fail(in, "emulator record of %u bytes", len);
	case LIBXL_REC_CHECKPOINT_END:
	case LIBXL_REC_CHECKPOINT_STATE:
		return fail(in, "a checkpointed stream (libxl record %u): not a saved domain",
			    type);
	default:
		return type & XC_SR_REC_OPTIONAL
			   ? 0
			   : fail(in, "libxl record of the unknown type %#x", type);
	}
}

int xl_sr_read(struct xl_sr_in *in, struct xl_sr_info *info, xl_sr_record_fn fn, void *arg)
{
	struct rec_head h = { .type = ~0U };
	bool seen_xc = false;
	uint8_t *body = NULL;
	int r;

	memset(info, 0, sizeof(*info));
	in->err[0] = 0;
	r = read_xl_header(in, info);
	r = r ? r : read_libxl_header(in);
	while (r == 0 && h.type != LIBXL_REC_END) {
		r = read_record(in, &h, &body, "libxl");
		free(body);
		r = r ? r : check_libxl_record(in, info, h.type, h.length);
		if (r == 0 && h.type == LIBXL_REC_LIBXC_CONTEXT) {
			r = seen_xc ? fail(in, "a second libxc stream")
				    : read_xc_stream(in, info, fn, arg);
			seen_xc = true;
		}
	}
	if (r == 0 && !seen_xc)
		r = fail(in, "libxl's stream ends with no libxc stream in it");
	return r;
}

void xl_sr_info_free(struct xl_sr_info *info)
{
	free(info->config);
	info->config = NULL;
}
