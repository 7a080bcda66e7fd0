/* SPDX-License-Identifier: MIT */
/* Frame numbers in a 64-bit PV guest's page tables and vCPU state: mfn <-> pfn. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "domctl.h"
#include "xl_canon.h"
#include "xl_stream.h"

#define FRAME_MASK 0x000ffffffffff000ULL
#define PTE_PRESENT 0x1ULL
#define PTE_PSE 0x80ULL
#define GDT_PER_FRAME 512U

/* The conversion of one frame number; each direction is one of these. */
typedef int (*frame_fn)(const struct xl_pfnmap *m, uint64_t in, uint64_t *out);

static int say(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

int xl_canon_mfn_ok(const struct xl_pfnmap *m, uint64_t mfn)
{
	uint64_t pfn;

	if (mfn >= m->nr_mfns)
		return 0;
	pfn = m->m2p[mfn];
	return pfn < m->nr_pfns && m->p2m[pfn] == mfn;
}

static int to_pfn(const struct xl_pfnmap *m, uint64_t mfn, uint64_t *pfn)
{
	if (!xl_canon_mfn_ok(m, mfn))
		return -1;
	*pfn = m->m2p[mfn];
	return 0;
}

static int to_mfn(const struct xl_pfnmap *m, uint64_t pfn, uint64_t *mfn)
{
	if (pfn >= m->nr_pfns || m->p2m[pfn] == ~0ULL)
		return -1;
	*mfn = m->p2m[pfn];
	return 0;
}

static int convert_table(const struct xl_pfnmap *m, frame_fn fn, unsigned int level,
			 const uint64_t *src, uint64_t *dst, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < 512; i++) {
		uint64_t pte = src[i], frame;

		if (level == 4 && i >= XL_CANON_XEN_L4_FIRST && i <= XL_CANON_XEN_L4_LAST)
			pte = 0;
		if (pte & PTE_PRESENT) {
			if (level > 1 && (pte & PTE_PSE))
				return say(err, errlen, "L%u[%u] maps a superpage (%#llx)", level,
					   i, (unsigned long long)pte);
			if (fn(m, (pte & FRAME_MASK) >> 12, &frame))
				return say(err, errlen,
					   "L%u[%u] names frame %#llx, not the guest's", level, i,
					   (unsigned long long)((pte & FRAME_MASK) >> 12));
			pte = (pte & ~FRAME_MASK) | (frame << 12);
		}
		dst[i] = pte;
	}
	return 0;
}

int xl_canon_table(const struct xl_pfnmap *m, unsigned int level, const uint64_t *src,
		   uint64_t *dst, char *err, size_t errlen)
{
	return convert_table(m, to_pfn, level, src, dst, err, errlen);
}

int xl_local_table(const struct xl_pfnmap *m, unsigned int level, const uint64_t *src,
		   uint64_t *dst, char *err, size_t errlen)
{
	return convert_table(m, to_mfn, level, src, dst, err, errlen);
}

static int convert_vcpu(const struct xl_pfnmap *m, frame_fn fn, unsigned int vcpu,
			struct vcpu_guest_context *v, char *err, size_t errlen)
{
	unsigned long frames = (v->gdt_ents + GDT_PER_FRAME - 1) / GDT_PER_FRAME;
	uint64_t f;

	if (v->gdt_ents > FIRST_RESERVED_GDT_ENTRY)
		return say(err, errlen, "vCPU %u has %lu GDT entries (at most %u)", vcpu,
			   v->gdt_ents, FIRST_RESERVED_GDT_ENTRY);
	if (vcpu == 0 && fn(m, v->user_regs.rdx, &v->user_regs.rdx))
		return say(err, errlen, "vCPU 0's start_info frame %#llx is not the guest's",
			   (unsigned long long)v->user_regs.rdx);
	for (unsigned long i = 0; i < frames; i++) {
		if (fn(m, v->gdt_frames[i], &f))
			return say(err, errlen, "vCPU %u's GDT frame %lu is not the guest's", vcpu,
				   i);
		v->gdt_frames[i] = f;
	}
	if (fn(m, v->ctrlreg[3] >> 12, &f))
		return say(err, errlen, "vCPU %u's cr3 %#lx is not the guest's", vcpu,
			   v->ctrlreg[3]);
	v->ctrlreg[3] = f << 12;
	if (v->ctrlreg[1] && fn(m, v->ctrlreg[1] >> 12, &f))
		return say(err, errlen, "vCPU %u's user cr3 %#lx is not the guest's", vcpu,
			   v->ctrlreg[1]);
	if (v->ctrlreg[1])
		v->ctrlreg[1] = 1 | (f << 12);
	return 0;
}

int xl_canon_vcpu(const struct xl_pfnmap *m, unsigned int vcpu, struct vcpu_guest_context *v,
		  char *err, size_t errlen)
{
	return convert_vcpu(m, to_pfn, vcpu, v, err, errlen);
}

int xl_local_vcpu(const struct xl_pfnmap *m, unsigned int vcpu, struct vcpu_guest_context *v,
		  char *err, size_t errlen)
{
	return convert_vcpu(m, to_mfn, vcpu, v, err, errlen);
}

/* One page of the batch into out: copied, a page table canonicalised. */
static int batch_page(const struct xl_pfnmap *m, uint64_t pfn, unsigned int type, const void *page,
		      uint8_t *out, char *err, size_t errlen)
{
	unsigned int level = type & 7;
	int n;

	if (!page)
		return say(err, errlen, "pfn %#llx (type %#x) has contents but no mapping",
			   (unsigned long long)pfn, type);
	if (level < XC_PAGE_L1 || level > XC_PAGE_L4) {
		memcpy(out, page, XC_SR_PAGE);
		return 0;
	}
	if (xl_canon_table(m, level, page, (uint64_t *)out, err, errlen) == 0)
		return 0;
	n = (int)strlen(err);
	snprintf(err + n, errlen - (size_t)n, " (pfn %#llx)", (unsigned long long)pfn);
	return -1;
}

int xl_canon_page_batch(const struct xl_pfnmap *m, unsigned int n, const uint64_t *pfns,
			const uint32_t *pfinfo, const void *const *pages, uint64_t *head,
			void *data, unsigned int *nr_data, char *err, size_t errlen)
{
	uint8_t *out = data;

	*nr_data = 0;
	head[0] = n;
	for (unsigned int i = 0; i < n; i++) {
		unsigned int type = pfinfo[i] >> XEN_DOMCTL_PFINFO_LTAB_SHIFT;

		if (pfns[i] & ~XC_SR_PFN_MASK)
			return say(err, errlen, "pfn %#llx out of range",
				   (unsigned long long)pfns[i]);
		if (!xl_sr_page_type_ok(type))
			return say(err, errlen, "pfn %#llx has the unknown type %#x",
				   (unsigned long long)pfns[i], type);
		head[1 + i] = pfns[i] | ((uint64_t)type << XC_SR_TYPE_SHIFT);
		if (type >= XC_PAGE_BROKEN)
			continue;
		if (batch_page(m, pfns[i], type, pages[i], out + (size_t)*nr_data * XC_SR_PAGE, err,
			       errlen))
			return -1;
		++*nr_data;
	}
	return 0;
}
