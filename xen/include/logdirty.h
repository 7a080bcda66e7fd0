/*
 * Log-dirty bitmaps (common/logdirty.c): one bit per guest frame number,
 * set when the frame's contents may have changed since the last CLEAN.
 * The toolstack reads it with XEN_DOMCTL_shadow_op CLEAN or PEEK during a
 * live migration. Who marks what is in docs/design.md "PV log-dirty".
 */
#ifndef PETREL_LOGDIRTY_H
#define PETREL_LOGDIRTY_H

#include "types.h"

/* The largest bitmap kept (PFNs); a mark above it fails the next read (-ENOMEM). */
#define LOGDIRTY_MAX_PFNS (1ULL << 32)
/* The most bits one CLEAN or PEEK reports (beyond the bitmap they read as clean). */
#define LOGDIRTY_MAX_REPORT (1ULL << 36)

struct logdirty {
	unsigned long *bits; /* one bit per PFN below nr_pfns; NULL while off */
	u64 nr_pfns;	     /* a multiple of the bits in a page */
	unsigned int order;  /* xenheap order of @bits */
	bool enabled;
	bool overflow;	 /* a mark was lost (no memory to grow): reads fail */
	u32 fault_count; /* marks by the guest-write tracking since the last CLEAN */
	u32 dirty_count; /* frames newly marked since the last CLEAN */
};

/* Turn on with room for @nr_pfns PFNs (grown on demand): 0, -EINVAL if on, -ENOMEM. */
int logdirty_enable(struct logdirty *ld, u64 nr_pfns);
/* Turn off and free the bitmap (nothing if off). */
void logdirty_disable(struct logdirty *ld);
/*
 * Mark @pfn dirty; nothing while off, or for a "PFN" with bit 63 set (an
 * M2P entry naming no PFN). @fault: count it in fault_count.
 */
void logdirty_mark(struct logdirty *ld, u64 pfn, bool fault);
bool logdirty_test(const struct logdirty *ld, u64 pfn);
/*
 * Copy the first *@pages bits to the guest buffer at @dst (if not 0), as
 * shadow_op PEEK, or CLEAN when @clean (then the bitmap and counts are
 * reset). *@pages comes back as the number of bits reported. The counts
 * are returned before any reset. 0, -EFAULT, or -ENOMEM after a lost mark.
 */
long logdirty_read(struct logdirty *ld, u64 dst, u64 *pages, bool clean, u32 *fault_count,
		   u32 *dirty_count);

/*
 * Arch hooks (arch/x86/pv/logdirty.c). The PFNs the bitmap should cover at
 * first; what the arch needs once the bitmap is on (0 or -errno: then it is
 * turned off again) and before it goes; and, before a CLEAN (@clean) or
 * PEEK of the paused domain, marking what the guest may have written
 * without the hypervisor seeing it.
 */
struct domain;
u64 arch_logdirty_pfns(const struct domain *d);
int arch_logdirty_enable(struct domain *d);
void arch_logdirty_disable(struct domain *d);
void arch_logdirty_sync(struct domain *d, bool clean);

#endif
