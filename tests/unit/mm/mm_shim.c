/*
 * What xen/arch/x86/pv/mm.c and ro-page-fault.c need from the hypervisor,
 * for the host: a frame table over a pool of host pages, a current vCPU,
 * guest copies that read host memory (with an injectable fault), an M2P,
 * and counters for the TLB hooks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mm_shim.h"
#include "hvm.h"
#include "pv_mm.h"

struct page_info *frame_table;
u64 max_page;
struct vcpu *current;
pte_t shim_xen_l4[PT_ENTRIES];
u64 shim_m2p[SHIM_FRAMES];
bool shim_no_shadow_frames;
unsigned int shim_flushes, shim_invlpgs, shim_cr3_loads, shim_wbinvds, shim_remote_flushes;
mfn_t shim_cr3;
u64 shim_invlpg_va;
u64 shim_fault_va, shim_fault_len;
static u8 *pool;

/* No HVM domains on the host: no foreign mapping names a translated owner. */
mfn_t p2m_lookup(const struct domain *d, u64 gfn)
{
	(void)d, (void)gfn;
	return INVALID_MFN;
}

/* ... and no p2m for log-dirty to write-protect. */
void p2m_logdirty_protect(struct domain *d)
{
	(void)d;
	fail();
}

void p2m_logdirty_restore(struct domain *d)
{
	(void)d;
	fail();
}

void *pv_map_frame(mfn_t mfn)
{
	assert_true(mfn < SHIM_FRAMES); /* the MMU must never map what it did not check */
	return pool + mfn * 4096;
}

bool pv_iomem_frame(mfn_t mfn)
{
	return mfn >= max_page || (frame_table[mfn].flags & PGC_io) ||
	       (mfn < SHIM_IO_LOW && !frame_table[mfn].owner);
}

/* The hardware domain's rights, modelled by is_privileged: all I/O frames but one. */
bool pv_iomem_permitted(const struct domain *d, mfn_t mfn)
{
	return d->is_privileged && mfn != SHIM_IO_DENIED;
}

bool pv_io_caps_any(const struct domain *d)
{
	return d->is_privileged;
}

const pte_t *pv_xen_l4(void)
{
	return shim_xen_l4;
}

void pv_flush_tlb_local(void)
{
	shim_flushes++;
}

void pv_flush_tlb_guest_cpus(void)
{
	shim_flushes++;
}

void pv_flush_tlb_frame_cpus(const struct page_info *pg)
{
	(void)pg;
	shim_flushes++;
}

void pv_flush_tlb_vcpus(const struct domain *d, unsigned long vcpus)
{
	(void)d;
	if (vcpus)
		shim_remote_flushes++;
}

void pv_invlpg(unsigned long va)
{
	shim_invlpgs++;
	shim_invlpg_va = va;
}

void pv_load_cr3(mfn_t l4)
{
	shim_cr3_loads++;
	shim_cr3 = pv_shadow_root(l4);
}

mfn_t pv_current_root(void)
{
	return shim_cr3;
}

/* Shadow frames: free frames of the pool, from the top down. */
mfn_t pv_alloc_shadow_frame(void)
{
	for (mfn_t m = SHIM_FRAMES - 1; m >= SHIM_IO_LOW; m--) {
		struct page_info *pg = &frame_table[m];

		if (shim_no_shadow_frames)
			return 0;
		if (!pg->owner && !pg->flags && !pg->count) {
			pg->flags = PGC_xen_heap;
			memset(pv_map_frame(m), 0, 4096);
			return m;
		}
	}
	return 0;
}

void pv_free_shadow_frame(mfn_t mfn)
{
	assert_int_equal(frame_table[mfn].flags, PGC_xen_heap);
	frame_table[mfn].flags = 0;
}

unsigned int shim_cr3_reloads;

void pv_reload_cr3s(struct domain *d)
{
	(void)d;
	shim_cr3_reloads++;
}

void pv_ldt_changed(struct vcpu *v)
{
	(void)v;
}

void pv_wbinvd(void)
{
	shim_wbinvds++;
}

unsigned int shim_released;

void pv_frame_released(struct page_info *pg)
{
	pg->owner = NULL;
	shim_released++;
}

void m2p_set(mfn_t mfn, u64 pfn)
{
	assert_true(mfn < SHIM_FRAMES);
	shim_m2p[mfn] = pfn;
}

u64 m2p_get(mfn_t mfn)
{
	return mfn < SHIM_FRAMES ? shim_m2p[mfn] : ~0ULL;
}

/* The log-dirty bitmaps (common/logdirty.c) live on the host heap. */
void *alloc_xenheap_pages(unsigned int order)
{
	return aligned_alloc(4096, 4096UL << order);
}

void free_xenheap_pages(void *va, unsigned int order)
{
	(void)order;
	free(va);
}

/* The frame standing for the M2P table's (foreigndom DOMID_XEN). */
mfn_t shim_m2p_mfn = ~0ul;

bool m2p_frame(mfn_t mfn)
{
	return mfn == shim_m2p_mfn;
}

bool guest_range_ok(u64 va, size_t len)
{
	u64 end = va + len;

	if (end < va)
		return false;
	if (va < 0xFFFF880000000000UL && end > 0xFFFF800000000000UL)
		return false;
	if (va < 0xFFFF800000000000UL && end > 0x0000800000000000UL)
		return false;
	return true;
}

static bool faults(u64 va, size_t len)
{
	return shim_fault_len && va < shim_fault_va + shim_fault_len && va + len > shim_fault_va;
}

int copy_from_guest(void *dst, u64 src_va, size_t len)
{
	if (!guest_range_ok(src_va, len) || faults(src_va, len))
		return -14;
	memcpy(dst, (const void *)src_va, len);
	return 0;
}

size_t copy_from_guest_left(void *dst, u64 src_va, size_t len)
{
	size_t done;

	if (!guest_range_ok(src_va, len))
		return len;
	for (done = 0; done < len && !faults(src_va + done, 1); done++)
		((u8 *)dst)[done] = ((const u8 *)src_va)[done];
	return len - done;
}

int copy_to_guest(u64 dst_va, const void *src, size_t len)
{
	if (!guest_range_ok(dst_va, len) || faults(dst_va, len))
		return -14;
	memcpy((void *)dst_va, src, len);
	return 0;
}

void shim_mm_reset(void)
{
	free(frame_table);
	free(pool);
	frame_table = calloc(SHIM_FRAMES, sizeof(*frame_table));
	pool = aligned_alloc(4096, SHIM_FRAMES * 4096UL);
	assert_non_null(frame_table);
	assert_non_null(pool);
	memset(pool, 0, SHIM_FRAMES * 4096UL);
	max_page = SHIM_FRAMES;
	memset(shim_m2p, 0xff, sizeof(shim_m2p));
	for (unsigned int i = 0; i < PT_ENTRIES; i++)
		shim_xen_l4[i] = (i >= 256 && i <= 271) ? ((u64)(0x1000 + i) << 12) | 0x63 : 0;
	shim_flushes = shim_invlpgs = shim_cr3_loads = shim_wbinvds = shim_remote_flushes = 0;
	shim_cr3 = 0;
	shim_cr3_reloads = 0;
	shim_no_shadow_frames = false;
	shim_invlpg_va = 0;
	shim_fault_va = shim_fault_len = 0;
	current = NULL;
}

void shim_mm_free(void)
{
	free(frame_table);
	free(pool);
	frame_table = NULL;
	pool = NULL;
}

/* mmu_update/mmuext_op batches are never preempted in the unit tests. */
bool hypercall_preempt_check(void)
{
	return false;
}

long hypercall_create_continuation(unsigned int nr, unsigned int nargs, const unsigned long *args)
{
	(void)nargs;
	(void)args;
	return nr;
}

/* The MSI layer's guarded frames: one frame the tests choose (0 = none). */
u64 shim_msix_mfn;

bool msi_ro_frame(u64 mfn)
{
	return shim_msix_mfn && mfn == shim_msix_mfn;
}
