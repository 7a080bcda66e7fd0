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

/* The table is built from 2 MiB machine-contiguous chunks (XENMEM_machphys_mfn_list). */
#define M2P_CHUNK_ORDER 9
#define M2P_CHUNK_BYTES (PAGE_SIZE << M2P_CHUNK_ORDER)
#define M2P_MAX_CHUNKS 256

static mfn_t m2p_chunks[M2P_MAX_CHUNKS];
static unsigned int m2p_nr_chunks;

static void map_chunk(u64 off, mfn_t mfn)
{
	for (u64 i = 0; i < M2P_CHUNK_BYTES; i += PAGE_SIZE)
		if (map_xen_page(RO_MPT_VIRT_START + off + i, mfn + (i >> PAGE_SHIFT),
				 _PAGE_PRESENT | _PAGE_USER | _PAGE_NX) ||
		    map_xen_page(RDWR_MPT_VIRT_START + off + i, mfn + (i >> PAGE_SHIFT),
				 _PAGE_PRESENT | _PAGE_RW | _PAGE_NX))
			panic("m2p: cannot map the table");
}

void m2p_init(void)
{
	u64 bytes = ALIGN_UP(max_page * sizeof(u64), M2P_CHUNK_BYTES);

	if (bytes / M2P_CHUNK_BYTES > M2P_MAX_CHUNKS)
		bytes = (u64)M2P_MAX_CHUNKS * M2P_CHUNK_BYTES;
	for (u64 off = 0; off < bytes; off += M2P_CHUNK_BYTES) {
		void *chunk = alloc_xenheap_pages(M2P_CHUNK_ORDER);

		if (!chunk)
			panic("m2p: out of memory");
		memset(chunk, 0xff, M2P_CHUNK_BYTES);
		m2p_chunks[m2p_nr_chunks++] = virt_to_mfn(chunk);
		map_chunk(off, virt_to_mfn(chunk));
	}
	m2p_entries = bytes / sizeof(u64);
}

u64 m2p_nr_entries(void)
{
	return m2p_entries;
}

unsigned int m2p_chunk_list(mfn_t *out, unsigned int max)
{
	unsigned int n = MIN(max, m2p_nr_chunks);

	for (unsigned int i = 0; i < n; i++)
		out[i] = m2p_chunks[i];
	return n;
}

bool m2p_frame(mfn_t mfn)
{
	for (unsigned int i = 0; i < m2p_nr_chunks; i++)
		if (mfn >= m2p_chunks[i] && mfn < m2p_chunks[i] + (1u << M2P_CHUNK_ORDER))
			return true;
	return false;
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
