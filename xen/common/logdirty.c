/*
 * Log-dirty bitmaps: see logdirty.h. The bitmap is one xenheap block that
 * covers PFNs 0..nr_pfns-1 and doubles when a larger PFN is marked.
 */
#include "logdirty.h"
#include "lib.h"
#include "errno.h"
#include "mm.h"
#include "uaccess.h"

#define BITS_PER_PAGE (PAGE_SIZE * 8ULL)
#define LONG_BITS (8 * sizeof(unsigned long))

static unsigned int order_for_pfns(u64 nr_pfns)
{
	unsigned int order = 0;

	while ((BITS_PER_PAGE << order) < nr_pfns)
		order++;
	return order;
}

/* A zeroed bitmap of 2^@order pages into @ld, keeping what the old one held. */
static int resize(struct logdirty *ld, unsigned int order)
{
	unsigned long *bits = alloc_xenheap_pages(order);

	if (!bits)
		return -ENOMEM;
	memset(bits, 0, PAGE_SIZE << order);
	if (ld->bits) {
		memcpy(bits, ld->bits, ld->nr_pfns / 8);
		free_xenheap_pages(ld->bits, ld->order);
	}
	ld->bits = bits;
	ld->order = order;
	ld->nr_pfns = BITS_PER_PAGE << order;
	return 0;
}

int logdirty_enable(struct logdirty *ld, u64 nr_pfns)
{
	int rc;

	if (ld->enabled)
		return -EINVAL;
	if (nr_pfns > LOGDIRTY_MAX_PFNS)
		nr_pfns = LOGDIRTY_MAX_PFNS;
	*ld = (struct logdirty){ 0 };
	rc = resize(ld, order_for_pfns(nr_pfns ? nr_pfns : 1));
	if (rc)
		return rc;
	ld->enabled = true;
	return 0;
}

void logdirty_disable(struct logdirty *ld)
{
	if (ld->bits)
		free_xenheap_pages(ld->bits, ld->order);
	*ld = (struct logdirty){ 0 };
}

void logdirty_mark(struct logdirty *ld, u64 pfn, bool fault)
{
	unsigned long bit;

	/* An M2P entry with the top bit set names no PFN (Xen's VALID_M2P). */
	if (!ld->enabled || (pfn >> 63))
		return;
	if (pfn >= ld->nr_pfns &&
	    (pfn >= LOGDIRTY_MAX_PFNS || resize(ld, order_for_pfns(pfn + 1)))) {
		ld->overflow = true;
		return;
	}
	if (fault)
		ld->fault_count++;
	bit = 1UL << (pfn % LONG_BITS);
	if (ld->bits[pfn / LONG_BITS] & bit)
		return;
	ld->bits[pfn / LONG_BITS] |= bit;
	ld->dirty_count++;
}

bool logdirty_test(const struct logdirty *ld, u64 pfn)
{
	if (!ld->enabled || pfn >= ld->nr_pfns)
		return false;
	return ld->bits[pfn / LONG_BITS] & (1UL << (pfn % LONG_BITS));
}

/* Bytes [@from, @from + @len) of the report: the bitmap, then zeroes. */
static int copy_report(const struct logdirty *ld, u64 dst, u64 from, u64 len)
{
	static const u8 zeroes[PAGE_SIZE];
	u64 have = ld->nr_pfns / 8;

	while (len) {
		u64 n = len;
		const u8 *src = zeroes;

		if (from < have) {
			src = (const u8 *)ld->bits + from;
			n = n < have - from ? n : have - from;
		} else if (n > PAGE_SIZE) {
			n = PAGE_SIZE;
		}
		if (copy_to_guest(dst + from, src, n))
			return -EFAULT;
		from += n;
		len -= n;
	}
	return 0;
}

long logdirty_read(struct logdirty *ld, u64 dst, u64 *pages, bool clean, u32 *fault_count,
		   u32 *dirty_count)
{
	u64 bytes;

	*fault_count = ld->fault_count;
	*dirty_count = ld->dirty_count;
	if (ld->overflow)
		return -ENOMEM;
	if (*pages > LOGDIRTY_MAX_REPORT)
		*pages = LOGDIRTY_MAX_REPORT;
	bytes = (*pages + 7) / 8;
	if (dst && copy_report(ld, dst, 0, bytes))
		return -EFAULT;
	if (clean) {
		if (ld->bits)
			memset(ld->bits, 0, ld->nr_pfns / 8);
		ld->fault_count = ld->dirty_count = 0;
	}
	return 0;
}
