/* SPDX-License-Identifier: MIT */
/*
 * Frame numbers in a 64-bit PV guest's saved state (xl_canon.c).  A save
 * stream names the guest's pages by pfn: the frames in its page tables and
 * vCPU state are machine frames while it runs, so the save turns each into
 * its pfn (canonicalise) and the restore turns each pfn into the frame the
 * new domain got for it (localise).
 */
#ifndef PETREL_XL_CANON_H
#define PETREL_XL_CANON_H

#include <stddef.h>
#include <stdint.h>

#include "xen.h"

/* The guest's two maps: m2p (the machine's, by mfn) and its p2m (by pfn). */
struct xl_pfnmap {
	const uint64_t *m2p;
	uint64_t nr_mfns; /* entries of m2p: the highest mfn + 1 */
	const uint64_t *p2m;
	uint64_t nr_pfns; /* entries of p2m: the guest's max pfn + 1 */
};

/* The L4 slots Xen's own mappings take in a 64-bit PV guest's top table. */
#define XL_CANON_XEN_L4_FIRST 256U
#define XL_CANON_XEN_L4_LAST 272U

/* mfn is a frame of the guest's: in range and each map names the other. */
int xl_canon_mfn_ok(const struct xl_pfnmap *m, uint64_t mfn);

/*
 * A page table of level 1-4: each present entry's frame mfn -> pfn into
 * dst, the Xen slots of an L4 left zero; superpages and frames not the
 * guest's are refused.  0, or -1 with err set.
 */
int xl_canon_table(const struct xl_pfnmap *m, unsigned int level, const uint64_t *src,
		   uint64_t *dst, char *err, size_t errlen);
/* The same back: each present entry's pfn -> the frame p2m names (localise). */
int xl_local_table(const struct xl_pfnmap *m, unsigned int level, const uint64_t *src,
		   uint64_t *dst, char *err, size_t errlen);

/*
 * A vCPU's context: its GDT frames, cr3, the user cr3 in ctrlreg[1] and,
 * for vCPU 0, the start_info frame its suspend passed in rdx.
 */
int xl_canon_vcpu(const struct xl_pfnmap *m, unsigned int vcpu, struct vcpu_guest_context *v,
		  char *err, size_t errlen);
int xl_local_vcpu(const struct xl_pfnmap *m, unsigned int vcpu, struct vcpu_guest_context *v,
		  char *err, size_t errlen);

/*
 * One PAGE_DATA record's body for a batch of n pages (xl_stream.h): head
 * gets {n, 0} and each pfn with its stream type, taken from the page's
 * getpageframeinfo3 type (XEN_DOMCTL_PFINFO_*); data gets, in order, the
 * contents of each page that has any (types below broken), page tables
 * canonicalised; *nr_data counts them.  pages[i] is page i's mapping, NULL
 * where it has none (only allowed for broken, allocate-only and absent
 * pages).  head holds 1 + n u64s, data n pages.  0, or -1 with err set.
 */
int xl_canon_page_batch(const struct xl_pfnmap *m, unsigned int n, const uint64_t *pfns,
			const uint32_t *pfinfo, const void *const *pages, uint64_t *head,
			void *data, unsigned int *nr_data, char *err, size_t errlen);

#endif /* PETREL_XL_CANON_H */
