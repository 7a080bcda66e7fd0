/*
 * memory_op: the memory maps, reservation queries and growing a domain.
 * Shrinking (decrease_reservation, exchange) needs the PV MMU's reference
 * counting and answers -ENOSYS until then.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "page.h"
#include "mm.h"
#include "m2p.h"
#include "domain.h"
#include "uaccess.h"
#include "setup.h"
#include "boot_info.h"
#include "hypercall.h"
#include "public/memory.h"

/* The low bits of cmd are the sub-op; the rest is continuation state. */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK ((1UL << MEMOP_EXTENT_SHIFT) - 1)

/* The domain a query names: only the caller itself exists for now. */
static struct domain *query_domain(domid_t id)
{
	struct domain *d = current->domain;

	if (id == DOMID_SELF || id == d->domain_id)
		return d;
	return NULL;
}

static long domain_query(unsigned int cmd, unsigned long arg)
{
	domid_t id;
	struct domain *d;

	if (copy_from_guest(&id, arg, sizeof(id)))
		return -EFAULT;
	d = query_domain(id);
	if (!d)
		return -ESRCH;
	switch (cmd) {
	case XENMEM_current_reservation:
		return (long)d->tot_pages;
	case XENMEM_maximum_reservation:
		return (long)d->max_pages;
	default: /* XENMEM_maximum_gpfn */
		return (long)d->max_pages - 1;
	}
}

static long machine_memory_map(unsigned long arg)
{
	struct xen_memory_map map;
	const struct boot_info *bi = &bootinfo;

	if (!current->domain->is_privileged)
		return -EPERM;
	if (copy_from_guest(&map, arg, sizeof(map)))
		return -EFAULT;
	if (map.nr_entries < bi->nr_mem)
		return -EINVAL;
	for (u32 i = 0; i < bi->nr_mem; i++) {
		struct petrel_e820_entry e = { bi->mem[i].addr, bi->mem[i].len, bi->mem[i].type };

		if (copy_to_guest((u64)map.buffer.p + i * sizeof(e), &e, sizeof(e)))
			return -EFAULT;
	}
	map.nr_entries = bi->nr_mem;
	return copy_to_guest(arg, &map, sizeof(map)) ? -EFAULT : 0;
}

static long machphys_mapping(unsigned long arg)
{
	struct xen_machphys_mapping m;

	/* Xen's answer: the whole slot, and for the control domain the highest MFN. */
	m.v_start = MACH2PHYS_VIRT_START;
	m.v_end = MACH2PHYS_VIRT_END;
	m.max_mfn = current->domain->is_privileged ? max_page - 1 : MACH2PHYS_NR_ENTRIES - 1;
	return copy_to_guest(arg, &m, sizeof(m)) ? -EFAULT : 0;
}

static long machphys_mfn_list(unsigned long arg)
{
	static mfn_t chunks[256];
	struct xen_machphys_mfn_list l;
	unsigned int n;

	if (copy_from_guest(&l, arg, sizeof(l)))
		return -EFAULT;
	n = m2p_chunk_list(chunks, MIN(l.max_extents, ARRAY_SIZE(chunks)));
	if (copy_to_guest((u64)l.extent_start.p, chunks, n * sizeof(mfn_t)))
		return -EFAULT;
	l.nr_extents = n;
	return copy_to_guest(arg, &l, sizeof(l)) ? -EFAULT : 0;
}

/* Give @d one extent of 2^order frames; PV guests learn the first MFN. */
static int grow_one(struct domain *d, unsigned int order, u64 gpfn, bool populate, mfn_t *mfn)
{
	struct page_info *pg;

	if (d->tot_pages + (1UL << order) > d->max_pages)
		return -ENOMEM;
	pg = alloc_pages(order);
	if (!pg)
		return -ENOMEM;
	*mfn = page_to_mfn(pg);
	for (u64 i = 0; i < (1UL << order); i++) {
		memset(mfn_to_virt(*mfn + i), 0, PAGE_SIZE);
		assign_page(d, pg + i);
		m2p_set(*mfn + i, populate ? gpfn + i : M2P_INVALID);
	}
	d->tot_pages += 1UL << order;
	return 0;
}

/*
 * increase_reservation / populate_physmap: returns the extents done. A
 * preempted call resumes at the extent encoded above MEMOP_EXTENT_SHIFT.
 */
static long grow(unsigned long cmd, unsigned long arg, bool populate)
{
	unsigned long start = cmd >> MEMOP_EXTENT_SHIFT, cmd_base = cmd & MEMOP_CMD_MASK;
	struct xen_memory_reservation r;
	struct domain *d;
	u64 handle;
	unsigned long i;

	if (copy_from_guest(&r, arg, sizeof(r)))
		return -EFAULT;
	d = query_domain(r.domid);
	if (!d)
		return -ESRCH;
	if (r.extent_order > MAX_ORDER || (r.extent_order && !d->is_privileged))
		return -EPERM;
	if (start > r.nr_extents || r.nr_extents > (~0UL >> MEMOP_EXTENT_SHIFT))
		return -EINVAL;
	handle = (u64)r.extent_start.p + start * sizeof(xen_pfn_t);
	for (i = start; i < r.nr_extents; i++, handle += sizeof(xen_pfn_t)) {
		xen_pfn_t v = 0;
		mfn_t mfn;

		if (i > start && hypercall_preempt_check()) {
			const unsigned long args[2] = { cmd_base | (i << MEMOP_EXTENT_SHIFT), arg };

			return hypercall_create_continuation(__HYPERVISOR_memory_op, 2, args);
		}
		if (populate && copy_from_guest(&v, handle, sizeof(v)))
			break;
		if (grow_one(d, r.extent_order, v, populate, &mfn))
			break;
		v = mfn;
		if (r.extent_start.p && copy_to_guest(handle, &v, sizeof(v)))
			break;
	}
	return (long)i;
}

long do_memory_op(unsigned long cmd, unsigned long arg)
{
	switch (cmd & MEMOP_CMD_MASK) {
	case XENMEM_increase_reservation:
		return grow(cmd, arg, false);
	case XENMEM_populate_physmap:
		return grow(cmd, arg, true);
	case XENMEM_maximum_ram_page:
		return (long)max_page;
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
	case XENMEM_maximum_gpfn:
		return domain_query((unsigned int)(cmd & MEMOP_CMD_MASK), arg);
	case XENMEM_machphys_mfn_list:
		return machphys_mfn_list(arg);
	case XENMEM_machphys_mapping:
		return machphys_mapping(arg);
	case XENMEM_machine_memory_map:
		return machine_memory_map(arg);
	case XENMEM_memory_map: /* no pseudo-physical map was set: Linux then uses nr_pages */
	default:
		return -ENOSYS;
	}
}
