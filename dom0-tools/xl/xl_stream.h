/* SPDX-License-Identifier: MIT */
/*
 * The file xl save writes and xl restore reads (xl_stream.c), in the layout
 * Xen 4.17's xl, libxl and libxenguest use:
 *
 *	xl's header     32-byte magic, then four native-order u32s: byte order
 *	                mark, mandatory flags, optional flags, length of the
 *	                optional data (a u32 length and the domain's JSON)
 *	libxl stream    big-endian header (ident, version 2, options), then
 *	                records {u32 type, u32 length, body padded to 8}
 *	libxc stream    where libxl's LIBXC_CONTEXT record (length 0) stands:
 *	                big-endian image header, domain header, records of the
 *	                same shape up to its own END; libxl's records go on after
 *
 * The writer puts those pieces on any sink; the reader checks each one as
 * it comes and hands the libxc records to a callback.  A damaged or cut
 * file stops the reader with a message saying what and where.
 */
#ifndef PETREL_XL_STREAM_H
#define PETREL_XL_STREAM_H

#include <stddef.h>
#include <stdint.h>

/* xl's header */
#define XL_SR_MAGIC_LEN 32
#define XL_SR_BYTEORDER 0x01020304U
#define XL_SR_FLAG_JSON (1U << 0)      /* the optional data is JSON */
#define XL_SR_FLAG_STREAM_V2 (1U << 1) /* libxl's stream v2 follows */
#define XL_SR_HEADER_LEN (XL_SR_MAGIC_LEN + 16)

/* libxl's stream */
#define LIBXL_SR_IDENT 0x4c6962786c466d74ULL /* "LibxlFmt" */
#define LIBXL_SR_VERSION 2U
#define LIBXL_SR_OPT_BIG_ENDIAN (1U << 0)
#define LIBXL_SR_OPT_LEGACY (1U << 1)
enum {
	LIBXL_REC_END = 0,
	LIBXL_REC_LIBXC_CONTEXT = 1,
	LIBXL_REC_EMULATOR_XENSTORE_DATA = 2,
	LIBXL_REC_EMULATOR_CONTEXT = 3,
	LIBXL_REC_CHECKPOINT_END = 4,
	LIBXL_REC_CHECKPOINT_STATE = 5,
};

/* libxc's stream */
#define XC_SR_MARKER 0xffffffffffffffffULL
#define XC_SR_ID 0x58454e46U /* "XENF" */
#define XC_SR_VERSION 3U     /* Xen 4.17 writes 3 and reads 2 or 3 */
#define XC_SR_OPT_BIG_ENDIAN (1U << 0)
#define XC_SR_DOM_X86_PV 1U
#define XC_SR_DOM_X86_HVM 2U
#define XC_SR_REC_MAX (128U << 20) /* the longest record body libxc reads */
#define XC_SR_REC_OPTIONAL 0x80000000U
enum {
	XC_REC_END = 0,
	XC_REC_PAGE_DATA = 1,
	XC_REC_X86_PV_INFO = 2,
	XC_REC_X86_PV_P2M_FRAMES = 3,
	XC_REC_X86_PV_VCPU_BASIC = 4,
	XC_REC_X86_PV_VCPU_EXTENDED = 5,
	XC_REC_X86_PV_VCPU_XSAVE = 6,
	XC_REC_SHARED_INFO = 7,
	XC_REC_X86_TSC_INFO = 8,
	XC_REC_HVM_CONTEXT = 9,
	XC_REC_HVM_PARAMS = 10,
	XC_REC_TOOLSTACK = 11,
	XC_REC_X86_PV_VCPU_MSRS = 12,
	XC_REC_VERIFY = 13,
	XC_REC_CHECKPOINT = 14,
	XC_REC_CHECKPOINT_DIRTY_PFN_LIST = 15,
	XC_REC_STATIC_DATA_END = 16,
	XC_REC_X86_CPUID_POLICY = 17,
	XC_REC_X86_MSR_POLICY = 18,
	XC_REC_NR_TYPES
};

/* PAGE_DATA: {u32 count, u32 0, u64 pfn[count]} then a page for each with contents. */
#define XC_SR_PFN_MASK 0x000fffffffffffffULL
#define XC_SR_TYPE_SHIFT 60
/* The page types in the pfn's top four bits (XEN_DOMCTL_PFINFO_* >> 28). */
enum {
	XC_PAGE_NOTAB = 0,
	XC_PAGE_L1 = 1,
	XC_PAGE_L2 = 2,
	XC_PAGE_L3 = 3,
	XC_PAGE_L4 = 4,
	XC_PAGE_PINNED = 8, /* or'ed with L1..L4 */
	XC_PAGE_BROKEN = 0xd,
	XC_PAGE_XALLOC = 0xe,
	XC_PAGE_XTAB = 0xf,
};
#define XC_SR_PAGE 4096U
#define XL_SR_MAX_VCPUS 4096U /* vCPU ids a record may name: more than a domain has */

struct xc_sr_pv_info {
	uint8_t guest_width, pt_levels, res[6];
};

struct xc_sr_tsc_info {
	uint32_t mode, khz;
	uint64_t nsec;
	uint32_t incarnation, res;
};

/* Where the pieces go: write all n bytes, 0 or -errno. */
struct xl_sr_out {
	int (*write)(void *priv, const void *buf, size_t n);
	void *priv;
	uint64_t pos;
};

/* xl's header with the domain's JSON (len bytes, its NUL included; 0: none). */
int xl_sr_put_xl_header(struct xl_sr_out *o, const char *json, uint32_t len);
int xl_sr_put_libxl_header(struct xl_sr_out *o);
/* A libxl or libxc record: the body is a then b (either may be empty), padded to 8. */
int xl_sr_put_record(struct xl_sr_out *o, uint32_t type, const void *a, uint32_t alen,
		     const void *b, uint32_t blen);
/* libxc's image and domain headers. */
int xl_sr_put_xc_headers(struct xl_sr_out *o, uint32_t dom_type, uint32_t xen_major,
			 uint32_t xen_minor);

/* Where they come from: read exactly n bytes, 0, or -1 when the input ends first. */
struct xl_sr_in {
	int (*read)(void *priv, void *buf, size_t n);
	void *priv;
	uint64_t pos;
	char err[200]; /* why reading stopped */
};

/* What the reader found. */
struct xl_sr_info {
	uint32_t mandatory_flags, optional_flags;
	char *config; /* the JSON (malloc'd, NUL-terminated), or NULL */
	uint32_t config_len;
	uint32_t xc_version, dom_type, xen_major, xen_minor;
	uint8_t guest_width, pt_levels; /* 0 until X86_PV_INFO */
	uint64_t pages;			/* PAGE_DATA pages with contents */
	uint64_t pfns;			/* PAGE_DATA entries */
	uint32_t max_vcpu;		/* highest vCPU id of a vCPU record, + 1 (0: none) */
	uint64_t p2m_end_pfn;		/* X86_PV_P2M_FRAMES' last pfn */
	int p2m_frames_seen;
	uint32_t records[XC_REC_NR_TYPES];
	uint32_t libxl_records; /* libxl records other than LIBXC_CONTEXT and END */
};

/*
 * Each libxc record once checked: its type and body (len bytes, without the
 * padding).  0 to go on; anything else stops the reader (having set in->err).
 */
typedef int (*xl_sr_record_fn)(void *arg, struct xl_sr_in *in, uint32_t type, const void *body,
			       uint32_t len);

/*
 * Read and check the whole file, up to libxl's END: 0, or -1 with in->err
 * set (info->config is kept either way; xl_sr_info_free releases it).
 */
int xl_sr_read(struct xl_sr_in *in, struct xl_sr_info *info, xl_sr_record_fn fn, void *arg);
void xl_sr_info_free(struct xl_sr_info *info);

/* Whether a PAGE_DATA pfn's type (its top four bits) is one the stream knows. */
int xl_sr_page_type_ok(unsigned int type);

/* Record checks shared with the restore: 0, or -1 with in->err set. */
int xl_sr_check_page_data(struct xl_sr_in *in, const void *body, uint32_t len, uint32_t *count,
			  uint32_t *with_data);

#endif /* PETREL_XL_STREAM_H */
