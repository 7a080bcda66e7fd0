/*
 * The M2P table, one u64 per machine frame: mapped read-only and
 * user-accessible in slot 256 for guests, writable in slot 257 for us.
 */
#include "types.h"
#include "lib.h"
#include "page.h"
#include "mm.h"
#include "console.h"
#include "m2p.h"

static u64 *m2p_rw = (u64 *)RDWR_MPT_VIRT_START;
static u64 m2p_entries;

void m2p_init(void)
{
	u64 bytes = ALIGN_UP(max_page * sizeof(u64), PAGE_SIZE);

	for (u64 off = 0; off < bytes; off += PAGE_SIZE) {
		void *page = alloc_xenheap_pages(0);

		if (!page)
			panic("m2p: out of memory");
		memset(page, 0xff, PAGE_SIZE);
		if (map_xen_page(RO_MPT_VIRT_START + off, virt_to_mfn(page),
				 _PAGE_PRESENT | _PAGE_USER | _PAGE_NX) ||
		    map_xen_page(RDWR_MPT_VIRT_START + off, virt_to_mfn(page),
				 _PAGE_PRESENT | _PAGE_RW | _PAGE_NX))
			panic("m2p: cannot map the table");
	}
	m2p_entries = bytes / sizeof(u64);
}

void m2p_set(mfn_t mfn, u64 pfn)
{
	if (mfn < m2p_entries)
		m2p_rw[mfn] = pfn;
}

u64 m2p_get(mfn_t mfn)
{
	return mfn < m2p_entries ? m2p_rw[mfn] : M2P_INVALID;
}
