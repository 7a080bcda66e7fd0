/*
 * Unit tests for the grant-table state machine (xen/common/grant_table.c),
 * built for the host against fakes of what it calls: a frame table of
 * FRAMES frames with their contents, two domains (0 and 1), guest memory
 * that is host memory, the PV MMU's reference functions (the same rules:
 * owner check, a type changes only when its count is zero), and a table of
 * PTE slots standing in for page tables (a PTE slot's "address" is its
 * index times 8; slot BAD_SLOT refuses, as an address with no L1 would).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "types.h"
#include "errno.h"
#include "mm.h"
#include "domain.h"
#include "hypercall.h"
#include "pv_mm.h"
#include "uaccess.h"
#include "grant_table.h"
#include "hcstats.h"
#include "shim.h"

#define FRAMES 256
#define FIRST_SHARED 200 /* fake MFNs handed out for table frames from here */
#define NR_SLOTS 64
#define BAD_SLOT 63
#define FAULT_VA 0xdead0000UL
#define XEN_RANGE 0xffff800000000000UL

/* ---- fakes ---- */
struct vcpu *current;
struct page_info *frame_table;
u64 max_page;

static struct page_info frames[FRAMES];
static u8 (*frame_mem)[PAGE_SIZE];
static mfn_t next_shared;
static struct domain doms[2];
static struct vcpu vcpus[2];
static void *allocs[4096];
static unsigned int nr_allocs;
static bool fail_alloc, preempt;
static unsigned int flushes;
static unsigned long cont_args[3];
static unsigned int cont_nr;

/* hcstats: the calls and entries counted per grant_table_op command. */
bool hcstats_on;
static u64 counted[GNTTABOP_cache_flush + 1], calls[GNTTABOP_cache_flush + 1];
/* and the copy entries that found their source (0) or destination (1) claimed */
static u64 kept[2];

void hcstats_add_n(enum hcstats_kind kind, unsigned int op, u64 start, u64 n)
{
	assert_int_equal(kind, HCSTATS_GNTTAB_ENTRIES);
	assert_true(start != 0);
	counted[op] += n;
}

void hcstats_add(enum hcstats_kind kind, unsigned int op, u64 start)
{
	assert_true(start != 0);
	if (kind == HCSTATS_COPY_KEPT) {
		assert_true(op < 2);
		kept[op]++;
		return;
	}
	assert_int_equal(kind, HCSTATS_GNTTAB);
	calls[op]++;
}

struct domain *domain_by_id(domid_t id)
{
	return id < 2 ? &doms[id] : NULL;
}

/* Mappings hold their granter; the fake domains here are never freed. */
void get_domain(struct domain *d)
{
	d->refcnt++;
}

void put_domain(struct domain *d)
{
	assert_true(d->refcnt > 0);
	d->refcnt--;
}

bool guest_range_ok(u64 va, size_t len)
{
	return va < XEN_RANGE && va + len >= va && va + len <= XEN_RANGE;
}

static bool faults(u64 va, size_t len)
{
	return !guest_range_ok(va, len) || (va < FAULT_VA + PAGE_SIZE && va + len > FAULT_VA);
}

int copy_from_guest(void *dst, u64 src_va, size_t len)
{
	if (faults(src_va, len))
		return -EFAULT;
	memcpy(dst, (const void *)src_va, len);
	return 0;
}

int copy_to_guest(u64 dst_va, const void *src, size_t len)
{
	if (faults(dst_va, len))
		return -EFAULT;
	memcpy((void *)dst_va, src, len);
	return 0;
}

bool hypercall_preempt_check(void)
{
	return preempt;
}

long hypercall_create_continuation(unsigned int nr, unsigned int nargs, const unsigned long *args)
{
	cont_nr = nr;
	for (unsigned int i = 0; i < nargs && i < 3; i++)
		cont_args[i] = args[i];
	return nr;
}

/*
 * A translated domain (translated[i]) names its frames by GFN: the fake p2m
 * puts GFN g at MFN g - GFN_SHIFT (GFNs below GFN_SHIFT hold nothing).
 */
#define GFN_SHIFT 1000
static bool translated[2];

bool gnttab_translated(const struct domain *d)
{
	return translated[d->domain_id];
}

/* Run while a grant's frame is looked up (as another CPU could act meanwhile). */
static void (*on_lookup)(const struct domain *d);

mfn_t gnttab_gfn_to_mfn(const struct domain *d, u64 gfn)
{
	if (on_lookup)
		on_lookup(d);
	if (!translated[d->domain_id])
		return gfn;
	return gfn >= GFN_SHIFT ? gfn - GFN_SHIFT : ~0UL;
}

bool pv_get_page(struct page_info *pg, const struct domain *d)
{
	if (!pg || pg->owner != d || !pg->count)
		return false;
	pg->count++;
	return true;
}

void pv_put_page(struct page_info *pg)
{
	assert_true(pg->count > 0);
	pg->count--;
}

int pv_get_page_type(struct page_info *pg, unsigned int type)
{
	if (pg->type_count && pg->type != type)
		return -EINVAL;
	pg->type = (u8)type;
	pg->type_count++;
	return 0;
}

void pv_put_page_type(struct page_info *pg)
{
	assert_true(pg->type_count > 0);
	pg->type_count--;
}

static void *track(void *p)
{
	assert_true(nr_allocs < ARRAY_SIZE(allocs));
	if (p)
		allocs[nr_allocs++] = p;
	return p;
}

void *gnttab_alloc(size_t bytes)
{
	return fail_alloc ? NULL : track(calloc(1, bytes));
}

void *gnttab_alloc_shared_frame(struct domain *d, mfn_t *mfn)
{
	struct page_info *pg;

	if (fail_alloc || next_shared >= FRAMES)
		return NULL;
	*mfn = next_shared++;
	pg = &frames[*mfn];
	pg->owner = d;
	pg->count = 1;
	pg->type = PGT_writable_page;
	pg->type_count = 1;
	return frame_mem[*mfn];
}

void gnttab_free_shared_frame(void *p, mfn_t mfn)
{
	assert_true(mfn < FRAMES && p == frame_mem[mfn]);
	frames[mfn] = (struct page_info){ 0 };
}

bool gnttab_shared_frame_mapped(mfn_t mfn)
{
	return frames[mfn].count > 1;
}

/* The fake p2m cannot change: the frames taken out of it are only counted. */
static unsigned int nr_removed;
static u64 removed_gfn;

void gnttab_remove_frame_gfn(struct domain *d, u64 gfn, mfn_t mfn)
{
	if (translated[d->domain_id] && gnttab_gfn_to_mfn(d, gfn) == mfn) {
		nr_removed++;
		removed_gfn = gfn;
	}
}

void gnttab_free(void *p, size_t bytes)
{
	(void)bytes;
	for (unsigned int i = 0; i < nr_allocs; i++) {
		if (allocs[i] == p) {
			allocs[i] = allocs[--nr_allocs];
			free(p);
			return;
		}
	}
	fail_msg("gnttab_free of %p, which gnttab_alloc did not return", p);
}

void *gnttab_map_frame(mfn_t mfn)
{
	assert_true(mfn < FRAMES);
	return frame_mem[mfn];
}

void gnttab_flush_tlb(void)
{
	flushes++;
}

/* Fake page tables: one PTE per slot, holding references like an L1 entry. */
static pte_t slots[NR_SLOTS];

static int slot_of(u64 addr)
{
	u64 s = addr / 8;

	return (addr % 8 || s >= NR_SLOTS || s == BAD_SLOT) ? -1 : (int)s;
}

int gnttab_create_host_mapping(u64 addr, mfn_t mfn, u32 flags, struct domain *owner)
{
	int s = slot_of(addr);
	pte_t e = pte_from_mfn(mfn, _PAGE_PRESENT);

	assert_true(spin_is_locked_by_me(&owner->grant_table->lock)); /* the granter's */
	if (s < 0 || slots[s])
		return GNTST_general_error;
	if (!(flags & GNTMAP_readonly))
		e |= _PAGE_RW;
	e |= (pte_t)((flags >> _GNTMAP_guest_avail0) & 7) << 9;
	if (!pv_get_page(&frames[mfn], owner))
		return GNTST_general_error;
	if ((e & _PAGE_RW) && pv_get_page_type(&frames[mfn], PGT_writable_page)) {
		pv_put_page(&frames[mfn]);
		return GNTST_general_error;
	}
	slots[s] = e;
	return GNTST_okay;
}

static void drop_slot(int s)
{
	struct page_info *pg = &frames[pte_mfn(slots[s])];

	if (slots[s] & _PAGE_RW)
		pv_put_page_type(pg);
	pv_put_page(pg);
	slots[s] = 0;
}

int gnttab_replace_host_mapping(u64 addr, mfn_t mfn, u64 new_addr, u32 flags)
{
	int s = slot_of(addr), ns = new_addr ? slot_of(new_addr) : -1;

	if (s < 0 || !slots[s] || pte_mfn(slots[s]) != mfn || (new_addr && ns < 0) ||
	    ((flags & GNTMAP_contains_pte) && new_addr))
		return GNTST_general_error;
	drop_slot(s);
	if (new_addr) {
		slots[s] = slots[ns];
		slots[ns] = 0;
	}
	return GNTST_okay;
}

/* ---- fixture ---- */
#define D0_PAGE 10 /* frames 10-19 belong to d0, 20-29 to d1 */
#define D1_PAGE 20

static int setup(void **state)
{
	(void)state;
	memset(frames, 0, sizeof(frames));
	memset(doms, 0, sizeof(doms));
	memset(vcpus, 0, sizeof(vcpus));
	memset(slots, 0, sizeof(slots));
	frame_mem = calloc(FRAMES, PAGE_SIZE);
	assert_non_null(frame_mem);
	frame_table = frames;
	max_page = FRAMES;
	next_shared = FIRST_SHARED;
	nr_allocs = 0;
	fail_alloc = preempt = false;
	gnttab_opts =
	    (struct gnttab_options){ .max_frames = GNTTAB_DEFAULT_MAX_FRAMES,
				     .max_maptrack_frames = GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES,
				     .max_version = GNTTAB_MAX_VERSION,
				     .transitive = true };
	translated[0] = translated[1] = false;
	nr_removed = 0;
	flushes = cont_nr = 0;
	hcstats_on = false;
	memset(counted, 0, sizeof(counted));
	memset(kept, 0, sizeof(kept));
	memset(calls, 0, sizeof(calls));
	for (unsigned int i = 0; i < 2; i++) {
		doms[i].domain_id = (domid_t)i;
		doms[i].is_privileged = i == 0; /* d0 the control domain, d1 a guest */
		doms[i].vcpu[0] = &vcpus[i];
		vcpus[i].domain = &doms[i];
		assert_int_equal(grant_table_init(&doms[i]), 0);
	}
	for (unsigned int i = 0; i < 10; i++) {
		frames[D0_PAGE + i] = (struct page_info){ .owner = &doms[0], .count = 1 };
		frames[D1_PAGE + i] = (struct page_info){ .owner = &doms[1], .count = 1 };
	}
	current = &vcpus[0];
	shim_log_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < 2; i++) { /* every op let its locks go */
		assert_false(spin_is_locked(&doms[i].grant_table->lock));
		assert_false(spin_is_locked(&doms[i].grant_table->maptrack_lock));
	}
	while (nr_allocs)
		free(allocs[--nr_allocs]);
	free(frame_mem);
	return 0;
}

/* ---- helpers ---- */
static grant_entry_v1_t *entry(unsigned int dom, grant_ref_t ref)
{
	return (grant_entry_v1_t *)doms[dom].grant_table->shared[ref / 512] + ref % 512;
}

static void grant(unsigned int dom, grant_ref_t ref, u16 flags, domid_t to, mfn_t frame)
{
	grant_entry_v1_t *e = entry(dom, ref);

	e->domid = to;
	e->frame = (u32)frame;
	e->flags = flags;
}

static long op(unsigned int cmd, void *arg, unsigned int count)
{
	return do_grant_table_op(cmd, (unsigned long)arg, count);
}

static struct gnttab_map_grant_ref map(u64 addr, u32 flags, grant_ref_t ref, domid_t dom)
{
	struct gnttab_map_grant_ref m = { .host_addr = addr,
					  .flags = flags,
					  .ref = ref,
					  .dom = dom,
					  .status = 99,
					  .handle = ~0u };

	assert_int_equal(op(GNTTABOP_map_grant_ref, &m, 1), 0);
	return m;
}

static s16 unmap(u64 addr, u64 bus, grant_handle_t h)
{
	struct gnttab_unmap_grant_ref u = {
		.host_addr = addr, .dev_bus_addr = bus, .handle = h, .status = 99
	};

	assert_int_equal(op(GNTTABOP_unmap_grant_ref, &u, 1), 0);
	return u.status;
}

static struct active_grant *active(unsigned int dom, grant_ref_t ref)
{
	return &doms[dom].grant_table->active[ref / 512][ref % 512];
}

#define SLOT(n) ((u64)(n)*8)

/* ---- tests: the table ---- */
static void test_init_and_query(void **state)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };

	(void)state;
	assert_int_equal(op(GNTTABOP_query_size, &q, 1), 0);
	assert_int_equal(q.status, GNTST_okay);
	assert_int_equal(q.nr_frames, 1);
	assert_int_equal(q.max_nr_frames, 64);
	q = (struct gnttab_query_size){ .dom = 1 };
	assert_int_equal(op(GNTTABOP_query_size, &q, 1), 0);
	assert_int_equal(q.status, GNTST_okay);
	q = (struct gnttab_query_size){ .dom = 7 };
	assert_int_equal(op(GNTTABOP_query_size, &q, 1), 0);
	assert_int_equal(q.status, GNTST_bad_domain);
	/* Another domain's table is the control domain's only. */
	current = &vcpus[1];
	q = (struct gnttab_query_size){ .dom = 0 };
	assert_int_equal(op(GNTTABOP_query_size, &q, 1), 0);
	assert_int_equal(q.status, GNTST_permission_denied);
	current = &vcpus[0];
	assert_int_equal(op(GNTTABOP_query_size, &q, 0), -EINVAL);
	assert_int_equal(do_grant_table_op(GNTTABOP_query_size, FAULT_VA, 1), -EFAULT);
	/* The initial frame is shared with its domain, writable. */
	assert_ptr_equal(frames[doms[0].grant_table->shared_mfn[0]].owner, &doms[0]);
	assert_int_equal(frames[doms[0].grant_table->shared_mfn[0]].type, PGT_writable_page);
}

static void test_setup_table(void **state)
{
	xen_pfn_t list[65] = { 0 };
	struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 3 };
	struct grant_table *gt = doms[0].grant_table;

	(void)state;
	s.frame_list.p = list;
	assert_int_equal(op(GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(s.status, GNTST_okay);
	assert_int_equal(gt->nr_frames, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(list[i], gt->shared_mfn[i]);
		assert_ptr_equal(frames[list[i]].owner, &doms[0]);
	}
	assert_int_not_equal(list[0], list[1]);
	/* Fewer frames: no shrinking, the first ones listed. */
	s.nr_frames = 1;
	list[0] = 0;
	assert_int_equal(op(GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(s.status, GNTST_okay);
	assert_int_equal(gt->nr_frames, 3);
	assert_int_equal(list[0], gt->shared_mfn[0]);
	/* Over the limit, unknown domain, allocation failure. */
	s.nr_frames = 65;
	assert_int_equal(op(GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(s.status, GNTST_general_error);
	s.nr_frames = 4;
	s.dom = 9;
	assert_int_equal(op(GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(s.status, GNTST_bad_domain);
	s.dom = 0;
	fail_alloc = true;
	assert_int_equal(op(GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(s.status, GNTST_general_error);
	assert_int_equal(gt->nr_frames, 3);
	fail_alloc = false;
	/* The control domain sets up a guest's table (a builder); a guest not dom0's. */
	s.dom = 1;
	s.nr_frames = 2;
	assert_int_equal(op(GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(s.status, GNTST_okay);
	assert_int_equal(list[1], doms[1].grant_table->shared_mfn[1]);
	current = &vcpus[1];
	s.dom = 0;
	assert_int_equal(op(GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(s.status, GNTST_permission_denied);
	current = &vcpus[0];
	s.nr_frames = 4;
	/* Bad arguments. */
	assert_int_equal(op(GNTTABOP_setup_table, &s, 2), -EINVAL);
	s.frame_list.p = (xen_pfn_t *)XEN_RANGE;
	assert_int_equal(op(GNTTABOP_setup_table, &s, 1), -EFAULT);
	s.frame_list.p = (xen_pfn_t *)FAULT_VA;
	assert_int_equal(op(GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(s.status, GNTST_bad_virt_addr);
	assert_int_equal(gt->nr_frames, 4);
}

static void test_versions(void **state)
{
	struct gnttab_set_version sv = { .version = 2 };
	struct gnttab_get_version gv = { .dom = DOMID_SELF };

	(void)state;
	/* a domain created with max version 1 (grant_opts) cannot pick 2 */
	gnttab_set_limits(&doms[0], -1, -1, 1);
	assert_int_equal(op(GNTTABOP_set_version, &sv, 1), -ENOSYS);
	assert_int_equal(sv.version, 1);
	sv.version = 0;
	assert_int_equal(op(GNTTABOP_set_version, &sv, 1), -EINVAL);
	assert_int_equal(sv.version, 1);
	sv.version = 1;
	assert_int_equal(op(GNTTABOP_set_version, &sv, 1), 0);
	assert_int_equal(op(GNTTABOP_get_version, &gv, 1), 0);
	assert_int_equal(gv.version, 1);
	gv.dom = 5;
	assert_int_equal(op(GNTTABOP_get_version, &gv, 1), -ESRCH);
	for (unsigned int cmd = 3; cmd <= 12; cmd++)
		if (cmd == 3 || cmd == 4 || cmd == 12)
			assert_int_equal(op(cmd, &gv, 1), -ENOSYS);
	assert_int_equal(op(99, &gv, 1), -ENOSYS);
	assert_int_equal(op(GNTTABOP_query_size | (1u << 12), &gv, 1), -EINVAL);
	assert_int_equal(op(GNTTABOP_map_grant_ref, &gv, 0x80000000u), -EINVAL);
}

/* ---- tests: version 2 ---- */
static grant_entry_v2_t *entry2(unsigned int dom, grant_ref_t ref)
{
	return (grant_entry_v2_t *)doms[dom].grant_table->shared[ref / 256] + ref % 256;
}

static grant_status_t *status2(unsigned int dom, grant_ref_t ref)
{
	return &doms[dom].grant_table->status[ref / 2048][ref % 2048];
}

static void grant2(unsigned int dom, grant_ref_t ref, u16 flags, domid_t to, u64 frame)
{
	grant_entry_v2_t *e = entry2(dom, ref);

	e->full_page.frame = frame;
	e->hdr.domid = to;
	e->hdr.flags = flags;
}

/* set_version as domain @dom; the hypercall's result, the version written back in *@now. */
static long set_version_as(unsigned int dom, unsigned int version, unsigned int *now)
{
	struct gnttab_set_version sv = { .version = version };
	struct vcpu *was = current;
	long rc;

	current = &vcpus[dom];
	rc = op(GNTTABOP_set_version, &sv, 1);
	current = was;
	*now = sv.version;
	return rc;
}

static s16 status_frames(domid_t dom, u32 nr, u64 *list)
{
	struct gnttab_get_status_frames g = { .nr_frames = nr, .dom = dom, .status = 99 };

	g.frame_list.p = list;
	assert_int_equal(op(GNTTABOP_get_status_frames, &g, 1), 0);
	return g.status;
}

static void test_v2_switch(void **state)
{
	struct grant_table *gt = doms[0].grant_table;
	struct gnttab_get_version gv = { .dom = DOMID_SELF };
	u64 list[2] = { 0, 0 };
	unsigned int v;
	mfn_t smfn;

	(void)state;
	/* v1 has no status frames: asking for none is fine, for one an error */
	assert_int_equal(status_frames(DOMID_SELF, 0, list), GNTST_okay);
	assert_int_equal(status_frames(DOMID_SELF, 1, list), GNTST_general_error);
	grant(0, 3, GTF_permit_access | GTF_readonly, 1, D0_PAGE + 1);
	grant(0, 9, GTF_permit_access, 1, D0_PAGE + 2);
	assert_int_equal(set_version_as(0, 2, &v), 0);
	assert_int_equal(v, 2);
	assert_int_equal(op(GNTTABOP_get_version, &gv, 1), 0);
	assert_int_equal(gv.version, 2);
	/* the reserved entry is carried over, the others are cleared */
	assert_int_equal(entry2(0, 3)->hdr.flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(entry2(0, 3)->hdr.domid, 1);
	assert_int_equal(entry2(0, 3)->full_page.frame, D0_PAGE + 1);
	assert_int_equal(entry2(0, 9)->hdr.flags, 0);
	assert_int_equal(entry2(0, 9)->full_page.frame, 0);
	/* one status frame for one frame of 256 entries, shared writable with the domain */
	assert_int_equal(gt->nr_status_frames, 1);
	smfn = gt->status_mfn[0];
	assert_ptr_equal(frames[smfn].owner, &doms[0]);
	assert_int_equal(frames[smfn].type, PGT_writable_page);
	assert_int_equal(status_frames(DOMID_SELF, 1, list), GNTST_okay);
	assert_int_equal(list[0], smfn);
	assert_int_equal(status_frames(DOMID_SELF, 2, list), GNTST_general_error);
	/* the control domain may ask for another's; a guest may not */
	assert_int_equal(status_frames(1, 0, list), GNTST_okay);
	current = &vcpus[1];
	assert_int_equal(status_frames(0, 1, list), GNTST_permission_denied);
	assert_int_equal(status_frames(7, 1, list), GNTST_bad_domain);
	current = &vcpus[0];
	/* growing the table in v2 grows the status frames: 9 frames need 2 */
	{
		struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 9 };
		xen_pfn_t fl[9];

		st.frame_list.p = fl;
		assert_int_equal(op(GNTTABOP_setup_table, &st, 1), 0);
		assert_int_equal(st.status, GNTST_okay);
	}
	assert_int_equal(gt->nr_status_frames, 2);
	assert_int_equal(status_frames(DOMID_SELF, 2, list), GNTST_okay);
	assert_int_equal(list[1], gt->status_mfn[1]);
	/* asking for v2 again changes nothing */
	grant2(0, 20, GTF_permit_access, 1, D0_PAGE);
	assert_int_equal(set_version_as(0, 2, &v), 0);
	assert_int_equal(entry2(0, 20)->hdr.flags, GTF_permit_access);
	/* back to v1: the status frames are given back, the reserved entry kept */
	assert_int_equal(set_version_as(0, 1, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(gt->nr_status_frames, 0);
	assert_null(frames[smfn].owner);
	assert_int_equal(entry(0, 3)->flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(entry(0, 3)->frame, D0_PAGE + 1);
	assert_int_equal(entry(0, 20)->flags, 0);
	assert_int_equal(status_frames(DOMID_SELF, 1, list), GNTST_general_error);
}

static void test_v2_map_status(void **state)
{
	struct gnttab_map_grant_ref m, r;
	unsigned int v;

	(void)state;
	assert_int_equal(set_version_as(0, 2, &v), 0);
	grant2(0, 8, GTF_permit_access, 0, D0_PAGE);
	m = map(SLOT(1), GNTMAP_host_map, 8, 0);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(m.dev_bus_addr, (u64)D0_PAGE << PAGE_SHIFT);
	/* the in-use bits go to the status word, never to the entry */
	assert_int_equal(*status2(0, 8), GTF_reading | GTF_writing);
	assert_int_equal(entry2(0, 8)->hdr.flags, GTF_permit_access);
	r = map(SLOT(2), GNTMAP_host_map | GNTMAP_readonly, 8, 0);
	assert_int_equal(r.status, GNTST_okay);
	assert_int_equal(unmap(SLOT(1), 0, m.handle), GNTST_okay);
	assert_int_equal(*status2(0, 8), GTF_reading);
	assert_int_equal(unmap(SLOT(2), 0, r.handle), GNTST_okay);
	assert_int_equal(*status2(0, 8), 0);
	assert_int_equal(frames[D0_PAGE].count, 1);
	/* a read-only grant refuses a writable map and leaves no bit behind */
	grant2(0, 9, GTF_permit_access | GTF_readonly, 0, D0_PAGE);
	assert_int_equal(map(SLOT(1), GNTMAP_host_map, 9, 0).status, GNTST_general_error);
	assert_int_equal(*status2(0, 9), 0);
	/* a sub-page grant is copy-only */
	grant2(0, 10, GTF_permit_access | GTF_sub_page, 0, D0_PAGE);
	assert_int_equal(map(SLOT(1), GNTMAP_host_map, 10, 0).status, GNTST_general_error);
	/* v2 has 256 entries a frame */
	assert_int_equal(map(SLOT(1), GNTMAP_host_map, 256, 0).status, GNTST_bad_gntref);
	/* a frame number past 32 bits is a bad page, not truncated */
	grant2(0, 11, GTF_permit_access, 0, (1ull << 32) | D0_PAGE);
	assert_int_equal(map(SLOT(1), GNTMAP_host_map, 11, 0).status, GNTST_bad_page);
	assert_int_equal(*status2(0, 11), 0);
}

static void test_v2_switch_refused(void **state)
{
	struct grant_table *gt = doms[0].grant_table;
	struct gnttab_map_grant_ref m;
	unsigned int v;

	(void)state;
	/* a grant in use past the reserved ones: no switch either way */
	grant(0, 8, GTF_permit_access, 0, D0_PAGE);
	m = map(SLOT(1), GNTMAP_host_map, 8, 0);
	assert_int_equal(set_version_as(0, 2, &v), -EBUSY);
	assert_int_equal(v, 1);
	assert_int_equal(entry(0, 8)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(unmap(SLOT(1), 0, m.handle), GNTST_okay);
	/* a reserved entry in use is allowed, and keeps its bits in the status word */
	grant(0, 2, GTF_permit_access, 0, D0_PAGE);
	m = map(SLOT(1), GNTMAP_host_map, 2, 0);
	assert_int_equal(set_version_as(0, 2, &v), 0);
	assert_int_equal(*status2(0, 2), GTF_reading | GTF_writing);
	assert_int_equal(entry2(0, 2)->hdr.flags, GTF_permit_access);
	assert_int_equal(entry2(0, 2)->full_page.frame, D0_PAGE);
	/* and back to v1 with the bits in the entry; the unmap then clears them */
	assert_int_equal(set_version_as(0, 1, &v), 0);
	assert_int_equal(entry(0, 2)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(unmap(SLOT(1), 0, m.handle), GNTST_okay);
	assert_int_equal(entry(0, 2)->flags, GTF_permit_access);
	/* reserved v2 entries v1 cannot hold: a 64-bit frame, a transitive grant */
	assert_int_equal(set_version_as(0, 2, &v), 0);
	grant2(0, 5, GTF_permit_access, 1, 1ull << 32);
	assert_int_equal(set_version_as(0, 1, &v), -ERANGE);
	assert_int_equal(v, 2);
	grant2(0, 5, GTF_transitive, 1, 0);
	assert_int_equal(set_version_as(0, 1, &v), -ERANGE);
	/* other kinds (a sub-page grant) are dropped, not refused */
	grant2(0, 5, GTF_permit_access | GTF_sub_page, 1, D0_PAGE);
	/* a status frame still mapped by the domain: -EBUSY, nothing changed */
	frames[gt->status_mfn[0]].count++;
	assert_int_equal(set_version_as(0, 1, &v), -EBUSY);
	assert_int_equal(v, 2);
	assert_int_equal(gt->nr_status_frames, 1);
	frames[gt->status_mfn[0]].count--;
	assert_int_equal(set_version_as(0, 1, &v), 0);
	assert_int_equal(entry(0, 5)->flags, GTF_permit_access | GTF_sub_page);
	/* no memory for the status frames: -ENOMEM, still v1 */
	fail_alloc = true;
	assert_int_equal(set_version_as(0, 2, &v), -ENOMEM);
	assert_int_equal(v, 1);
	fail_alloc = false;
	/* swap in v2 moves the status words too */
	assert_int_equal(set_version_as(0, 2, &v), 0);
	{
		struct gnttab_swap_grant_ref sw = { .ref_a = 30, .ref_b = 31, .status = 99 };

		grant2(0, 30, GTF_permit_access, 1, 77);
		*status2(0, 30) = GTF_reading;
		assert_int_equal(op(GNTTABOP_swap_grant_ref, &sw, 1), 0);
		assert_int_equal(sw.status, GNTST_okay);
		assert_int_equal(entry2(0, 31)->full_page.frame, 77);
		assert_int_equal(*status2(0, 31), GTF_reading);
		assert_int_equal(*status2(0, 30), 0);
	}
}

static s16 copy_from_gref(domid_t dom, grant_ref_t ref, u16 off, u16 len, u16 dst_off)
{
	struct gnttab_copy c = { .flags = GNTCOPY_source_gref, .len = len };

	c.source.u.ref = ref;
	c.source.domid = dom;
	c.source.offset = off;
	c.dest.u.gmfn = D0_PAGE + 5;
	c.dest.domid = DOMID_SELF;
	c.dest.offset = dst_off;
	assert_int_equal(op(GNTTABOP_copy, &c, 1), 0);
	return c.status;
}

static void test_v2_sub_page_copy(void **state)
{
	grant_entry_v2_t *e;
	unsigned int v;

	(void)state;
	assert_int_equal(set_version_as(1, 2, &v), 0);
	e = entry2(1, 12);
	e->sub_page.frame = D1_PAGE + 1;
	e->sub_page.page_off = 100;
	e->sub_page.length = 50;
	e->hdr.domid = 0;
	e->hdr.flags = GTF_permit_access | GTF_sub_page;
	memcpy(frame_mem[D1_PAGE + 1] + 100, "sub-page", 9);
	assert_int_equal(copy_from_gref(1, 12, 100, 9, 0), GNTST_okay);
	assert_memory_equal(frame_mem[D0_PAGE + 5], "sub-page", 9);
	assert_int_equal(copy_from_gref(1, 12, 140, 10, 0), GNTST_okay);
	/* outside the granted bytes: Xen's general error; past the page: bad_copy_arg */
	assert_int_equal(copy_from_gref(1, 12, 99, 9, 0), GNTST_general_error);
	assert_int_equal(copy_from_gref(1, 12, 141, 10, 0), GNTST_general_error);
	assert_int_equal(copy_from_gref(1, 12, 100, 9, 4090), GNTST_bad_copy_arg);
	assert_int_equal(*status2(1, 12), 0);
	assert_int_equal(active(1, 12)->pin, 0);
	assert_int_equal(frames[D1_PAGE + 1].count, 1);
}

/* d1 (in version 2) passes on d0's grant 9 (made to d1) back to d0 in its entry 8. */
static grant_entry_v2_t *pass_on_d0_grant9(void)
{
	grant_entry_v2_t *t;
	unsigned int v;

	assert_int_equal(set_version_as(1, 2, &v), 0);
	grant(0, 9, GTF_permit_access, 1, D0_PAGE + 2);
	t = entry2(1, 8);
	t->transitive.trans_domid = 0;
	t->transitive.gref = 9;
	t->hdr.domid = 0;
	t->hdr.flags = GTF_transitive;
	return t;
}

static void test_v2_transitive_copy(void **state)
{
	grant_entry_v2_t *t;
	unsigned int v;

	(void)state;
	t = pass_on_d0_grant9();
	memcpy(frame_mem[D0_PAGE + 2] + 8, "passed on", 10);
	assert_int_equal(copy_from_gref(1, 8, 8, 10, 0), GNTST_okay);
	assert_memory_equal(frame_mem[D0_PAGE + 5], "passed on", 10);
	/* both pins and both sets of bits gone, the referent domain let go */
	assert_int_equal(active(1, 8)->pin, 0);
	assert_int_equal(active(0, 9)->pin, 0);
	assert_int_equal(*status2(1, 8), 0);
	assert_int_equal(entry(0, 9)->flags, GTF_permit_access);
	assert_int_equal(frames[D0_PAGE + 2].count, 1);
	/* a transitive grant cannot be mapped (Xen 4.17) */
	assert_int_equal(map(SLOT(1), GNTMAP_host_map, 8, 1).status, GNTST_general_error);
	assert_int_equal(*status2(1, 8), 0);
	/* the referent must be granted to the transitive granter */
	grant(0, 9, GTF_permit_access, 0, D0_PAGE + 2);
	assert_int_equal(copy_from_gref(1, 8, 8, 10, 0), GNTST_general_error);
	assert_int_equal(*status2(1, 8), 0);
	grant(0, 9, GTF_permit_access, 1, D0_PAGE + 2);
	/* self-referential, unknown domain, or a second level: refused */
	t->transitive.trans_domid = 1;
	assert_int_equal(copy_from_gref(1, 8, 8, 10, 0), GNTST_general_error);
	t->transitive.trans_domid = 7;
	assert_int_equal(copy_from_gref(1, 8, 8, 10, 0), GNTST_general_error);
	t->transitive.trans_domid = 0;
	assert_int_equal(set_version_as(0, 2, &v), 0);
	entry2(0, 9)->transitive.trans_domid = 1;
	entry2(0, 9)->transitive.gref = 20;
	entry2(0, 9)->hdr.domid = 1;
	entry2(0, 9)->hdr.flags = GTF_transitive;
	assert_int_equal(copy_from_gref(1, 8, 8, 10, 0), GNTST_general_error);
	assert_int_equal(*status2(1, 8), 0);
	assert_int_equal(*status2(0, 9), 0);
	assert_int_equal(active(0, 9)->pin, 0);
}

/*
 * While d0's referent grant is pinned for d1's transitive entry, only d0's
 * lock is held; d1's entry is rewritten then. As Xen, the entry is not read
 * again: the copy goes through the referent read first.
 */
static void retarget_d1_entry8(const struct domain *d)
{
	if (d->domain_id != 0)
		return;
	assert_true(spin_is_locked_by_me(&doms[0].grant_table->lock));
	assert_false(spin_is_locked(&doms[1].grant_table->lock));
	entry2(1, 8)->transitive.gref = 10;
	on_lookup = NULL; /* once */
}

static void test_v2_transitive_changed_meanwhile(void **state)
{
	(void)state;
	pass_on_d0_grant9();
	memcpy(frame_mem[D0_PAGE + 2] + 8, "grant 9", 8);
	on_lookup = retarget_d1_entry8;
	assert_int_equal(copy_from_gref(1, 8, 8, 8, 0), GNTST_okay);
	on_lookup = NULL;
	assert_memory_equal(frame_mem[D0_PAGE + 5], "grant 9", 8);
	assert_int_equal(entry2(1, 8)->transitive.gref, 10);
	assert_int_equal(active(1, 8)->pin, 0);
	assert_int_equal(active(0, 9)->pin, 0);
	assert_int_equal(*status2(1, 8), 0);
	assert_int_equal(entry(0, 9)->flags, GTF_permit_access);
	assert_int_equal(frames[D0_PAGE + 2].count, 1);
	/* the entry as rewritten: d0's grant 10 is not d1's, so refused */
	assert_int_equal(copy_from_gref(1, 8, 8, 8, 0), GNTST_general_error);
	assert_int_equal(*status2(1, 8), 0);
}

/*
 * A copy from d1's transitive entry 8 into itself: while the source
 * acquires the referent (d0's grant 9), the entry is made to name grant 11
 * (also d1's). The source pins it for grant 9, the destination then reads
 * grant 11: not the pinned one's, so the copy is undone and the batch
 * continued at that copy (Xen's ERESTART), its status untouched; done
 * again, it goes through grant 11.
 */
static void retarget_to_11(const struct domain *d)
{
	if (d->domain_id != 0)
		return;
	entry2(1, 8)->transitive.gref = 11;
	on_lookup = NULL; /* once */
}

static void test_v2_transitive_restarted(void **state)
{
	struct gnttab_copy c[2] = { 0 };

	(void)state;
	pass_on_d0_grant9();
	grant(0, 11, GTF_permit_access, 1, D0_PAGE + 3);
	for (int i = 0; i < 2; i++)
		c[i] = (struct gnttab_copy){ .flags = GNTCOPY_source_gref | GNTCOPY_dest_gref,
					     .source = { .u.ref = 8, .domid = 1, .offset = 0 },
					     .dest = { .u.ref = 8, .domid = 1, .offset = 100 },
					     .len = 4,
					     .status = 99 };
	memcpy(frame_mem[D0_PAGE + 2], "nine", 4);
	memcpy(frame_mem[D0_PAGE + 3], "elev", 4);
	on_lookup = retarget_to_11;
	assert_int_equal(op(GNTTABOP_copy, c, 2), __HYPERVISOR_grant_table_op);
	on_lookup = NULL;
	assert_int_equal(c[0].status, 99);
	assert_int_equal(cont_args[0], GNTTABOP_copy);
	assert_int_equal(cont_args[1], (unsigned long)&c[0]);
	assert_int_equal(cont_args[2], 2);
	/* nothing was copied and nothing is left pinned */
	assert_memory_not_equal(frame_mem[D0_PAGE + 2] + 100, "nine", 4);
	assert_int_equal(active(1, 8)->pin, 0);
	assert_int_equal(active(0, 9)->pin, 0);
	assert_int_equal(active(0, 11)->pin, 0);
	assert_int_equal(*status2(1, 8), 0);
	assert_int_equal(entry(0, 9)->flags, GTF_permit_access);
	assert_int_equal(entry(0, 11)->flags, GTF_permit_access);
	assert_int_equal(frames[D0_PAGE + 2].count, 1);
	assert_int_equal(frames[D0_PAGE + 3].count, 1);
	/* the continuation: both copies now through grant 11 */
	assert_int_equal(op(GNTTABOP_copy, c, 2), 0);
	assert_int_equal(c[0].status, GNTST_okay);
	assert_int_equal(c[1].status, GNTST_okay);
	assert_memory_equal(frame_mem[D0_PAGE + 3] + 100, "elev", 4);
	assert_int_equal(active(1, 8)->pin, 0);
	assert_int_equal(active(0, 11)->pin, 0);
	assert_int_equal(frames[D0_PAGE + 3].count, 1);
}

/* gnttab=transitive=0: a copy through a transitive entry is refused, its bits let go. */
static void test_v2_transitive_disabled(void **state)
{
	(void)state;
	pass_on_d0_grant9();
	gnttab_opts.transitive = false; /* setup() puts it back */
	assert_int_equal(copy_from_gref(1, 8, 8, 10, 0), GNTST_general_error);
	gnttab_opts.transitive = true;
	assert_int_equal(*status2(1, 8), 0);
	assert_int_equal(active(1, 8)->pin, 0);
	assert_int_equal(copy_from_gref(1, 8, 8, 10, 0), GNTST_okay);
}

/* ---- tests: mapping ---- */
static void test_map_rw_then_ro(void **state)
{
	struct page_info *pg = &frames[D0_PAGE];
	struct gnttab_map_grant_ref a, b;

	(void)state;
	grant(0, 8, GTF_permit_access, 0, D0_PAGE);
	a = map(SLOT(1), GNTMAP_host_map, 8, 0);
	assert_int_equal(a.status, GNTST_okay);
	assert_int_equal(a.dev_bus_addr, (u64)D0_PAGE << PAGE_SHIFT);
	assert_int_equal(entry(0, 8)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(active(0, 8)->pin, GNTPIN_hstw_inc);
	/* grant: 1 general + 1 type; the fake PTE: 1 + 1 */
	assert_int_equal(pg->count, 1 + 2);
	assert_int_equal(pg->type, PGT_writable_page);
	assert_int_equal(pg->type_count, 2);
	/* While mapped writable the frame cannot become a page table. */
	assert_int_not_equal(pv_get_page_type(pg, PGT_l1_page_table), 0);

	b = map(SLOT(2), GNTMAP_host_map | GNTMAP_readonly, 8, 0);
	assert_int_equal(b.status, GNTST_okay);
	assert_int_not_equal(a.handle, b.handle);
	assert_int_equal(active(0, 8)->pin, GNTPIN_hstw_inc + GNTPIN_hstr_inc);
	assert_int_equal(pg->type_count, 2);

	assert_int_equal(unmap(SLOT(1), 0, a.handle), GNTST_okay);
	assert_true(flushes > 0);
	assert_int_equal(entry(0, 8)->flags, GTF_permit_access | GTF_reading);
	assert_int_equal(pg->type_count, 0);
	assert_int_equal(unmap(SLOT(2), 0, b.handle), GNTST_okay);
	assert_int_equal(entry(0, 8)->flags, GTF_permit_access);
	assert_int_equal(active(0, 8)->pin, 0);
	assert_int_equal(pg->count, 1);
	assert_int_equal(doms[0].grant_table->maptrack_used, 0);
	/* Double unmap, and a handle never given. */
	assert_int_equal(unmap(SLOT(1), 0, a.handle), GNTST_bad_handle);
	assert_int_equal(unmap(SLOT(1), 0, 5000000), GNTST_bad_handle);
	assert_int_equal(unmap(SLOT(1), 0, 3), GNTST_bad_handle);
}

static void test_map_ro_then_rw(void **state)
{
	struct gnttab_map_grant_ref a, b;

	(void)state;
	grant(0, 9, GTF_permit_access, 0, D0_PAGE + 1);
	a = map(SLOT(1), GNTMAP_host_map | GNTMAP_readonly, 9, 0);
	assert_int_equal(a.status, GNTST_okay);
	assert_int_equal(entry(0, 9)->flags, GTF_permit_access | GTF_reading);
	assert_int_equal(frames[D0_PAGE + 1].type_count, 0);
	b = map(SLOT(2), GNTMAP_host_map, 9, 0);
	assert_int_equal(b.status, GNTST_okay);
	assert_int_equal(entry(0, 9)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(unmap(SLOT(2), 0, b.handle), GNTST_okay);
	assert_int_equal(entry(0, 9)->flags, GTF_permit_access | GTF_reading);
	assert_int_equal(unmap(SLOT(1), 0, a.handle), GNTST_okay);
	assert_int_equal(entry(0, 9)->flags, GTF_permit_access);
	assert_int_equal(frames[D0_PAGE + 1].count, 1);
}

static void test_map_refusals(void **state)
{
	struct gnttab_map_grant_ref m;

	(void)state;
	/* bad ref, bad flags, unknown domain, DOMID_SELF */
	grant(0, 8, GTF_permit_access, 0, D0_PAGE);
	assert_int_equal(map(SLOT(1), GNTMAP_host_map, 512, 0).status, GNTST_bad_gntref);
	assert_int_equal(map(SLOT(1), GNTMAP_host_map, ~0u, 0).status, GNTST_bad_gntref);
	assert_int_equal(map(SLOT(1), GNTMAP_readonly, 8, 0).status, GNTST_bad_gntref);
	assert_int_equal(map(SLOT(1), GNTMAP_host_map, 8, 3).status, GNTST_bad_domain);
	assert_int_equal(map(SLOT(1), GNTMAP_host_map, 8, DOMID_SELF).status, GNTST_bad_domain);
	/* wrong domid, not permit_access, sub-page, readonly grant mapped writable */
	grant(0, 8, GTF_permit_access, 1, D0_PAGE);
	assert_int_equal(map(SLOT(1), GNTMAP_host_map, 8, 0).status, GNTST_general_error);
	grant(0, 8, GTF_accept_transfer, 0, D0_PAGE);
	assert_int_equal(map(SLOT(1), GNTMAP_host_map, 8, 0).status, GNTST_general_error);
	grant(0, 8, GTF_permit_access | GTF_sub_page, 0, D0_PAGE);
	assert_int_equal(map(SLOT(1), GNTMAP_host_map, 8, 0).status, GNTST_general_error);
	grant(0, 8, GTF_permit_access | GTF_readonly, 0, D0_PAGE);
	assert_int_equal(map(SLOT(1), GNTMAP_host_map, 8, 0).status, GNTST_general_error);
	assert_int_equal(entry(0, 8)->flags, GTF_permit_access | GTF_readonly);
	/* a frame the granter does not own, or that does not exist */
	grant(0, 8, GTF_permit_access, 0, D1_PAGE);
	assert_int_equal(map(SLOT(1), GNTMAP_host_map, 8, 0).status, GNTST_bad_page);
	assert_int_equal(entry(0, 8)->flags, GTF_permit_access);
	grant(0, 8, GTF_permit_access, 0, 0xfffffff);
	assert_int_equal(map(SLOT(1), GNTMAP_host_map, 8, 0).status, GNTST_bad_page);
	assert_int_equal(entry(0, 8)->flags, GTF_permit_access);
	/* no PTE at host_addr: everything rolled back */
	grant(0, 8, GTF_permit_access, 0, D0_PAGE);
	m = map(SLOT(BAD_SLOT), GNTMAP_host_map, 8, 0);
	assert_int_equal(m.status, GNTST_general_error);
	assert_int_equal(entry(0, 8)->flags, GTF_permit_access);
	assert_int_equal(active(0, 8)->pin, 0);
	assert_int_equal(frames[D0_PAGE].count, 1);
	assert_int_equal(frames[D0_PAGE].type_count, 0);
	assert_int_equal(doms[0].grant_table->maptrack_used, 0);
	/* a frame that is some other type cannot be mapped writable */
	frames[D0_PAGE].type = PGT_l1_page_table;
	frames[D0_PAGE].type_count = 1;
	assert_int_equal(map(SLOT(1), GNTMAP_host_map, 8, 0).status, GNTST_general_error);
	assert_int_equal(entry(0, 8)->flags, GTF_permit_access);
	assert_int_equal(frames[D0_PAGE].count, 1);
	m = map(SLOT(1), GNTMAP_host_map | GNTMAP_readonly, 8, 0);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(unmap(SLOT(1), 0, m.handle), GNTST_okay);
	assert_int_equal(frames[D0_PAGE].count, 1);
}

static void test_cross_domain(void **state)
{
	struct gnttab_map_grant_ref m;

	(void)state;
	/* d1 grants its frame to d0; d0 maps it. */
	grant(1, 100, GTF_permit_access, 0, D1_PAGE);
	m = map(SLOT(4), GNTMAP_host_map | GNTMAP_application_map, 100, 1);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(entry(1, 100)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(active(1, 100)->domid, 0);
	/* d1 itself cannot use a grant that d0 has pinned */
	current = &vcpus[1];
	grant(1, 100, GTF_permit_access, 1, D1_PAGE);
	assert_int_equal(map(SLOT(5), GNTMAP_host_map, 100, 1).status, GNTST_general_error);
	/* and d1's unmap of d0's handle is a bad handle in d1's own maptrack */
	assert_int_equal(unmap(SLOT(4), 0, m.handle), GNTST_bad_handle);
	current = &vcpus[0];
	assert_int_equal(unmap(SLOT(4), 0, m.handle), GNTST_okay);
	assert_int_equal(entry(1, 100)->flags, GTF_permit_access);
	assert_int_equal(frames[D1_PAGE].count, 1);
	assert_int_equal(frames[D1_PAGE].type_count, 0);
}

/* The 'g' key's dump: the granter lists the entry the mapper pinned, the mapper its handle. */
static void test_dump(void **state)
{
	struct gnttab_map_grant_ref m;
	char line[128];

	(void)state;
	gnttab_dump(&doms[1]);
	assert_true(shim_log_has("grant-table for remote d1 (v1)\n"));
	assert_true(shim_log_has("no active grant table entries\n"));
	grant(1, 100, GTF_permit_access, 0, D1_PAGE);
	m = map(SLOT(4), GNTMAP_host_map | GNTMAP_application_map, 100, 1);
	assert_int_equal(m.status, GNTST_okay);
	shim_log_reset();
	gnttab_dump(&doms[1]);
	gnttab_dump(&doms[0]);
	snprintf(line, sizeof(line), "[0x064]      0 0x%lx 0x%08x          0 0x%06lx 0x%02x\n",
		 (unsigned long)D1_PAGE, active(1, 100)->pin, (unsigned long)D1_PAGE,
		 GTF_permit_access | GTF_reading | GTF_writing);
	assert_true(shim_log_has(line));
	assert_true(shim_log_has("grant-table for remote d0 (v1)\n"));
	assert_true(shim_log_has("  1 maptrack handles in use\n"));
	assert_int_equal(unmap(SLOT(4), 0, m.handle), GNTST_okay);
	shim_log_reset();
	gnttab_dump(&doms[1]);
	gnttab_dump(&doms[0]);
	assert_true(shim_log_has("no active grant table entries\n"));
	assert_false(shim_log_has("[0x064]"));
	assert_true(shim_log_has("  0 maptrack handles in use\n"));
}

static void test_device_map(void **state)
{
	struct gnttab_map_grant_ref m;

	(void)state;
	grant(0, 8, GTF_permit_access, 0, D0_PAGE);
	m = map(SLOT(6), GNTMAP_device_map | GNTMAP_host_map, 8, 0);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(active(0, 8)->pin, GNTPIN_hstw_inc + GNTPIN_devw_inc);
	/* two kinds: 2 general + 2 type from the grant, 1 + 1 from the PTE */
	assert_int_equal(frames[D0_PAGE].count, 1 + 3);
	assert_int_equal(frames[D0_PAGE].type_count, 3);
	/* A wrong bus address: Xen 4.17's bad_dev_addr. */
	assert_int_equal(unmap(0, m.dev_bus_addr + PAGE_SIZE, m.handle), GNTST_bad_dev_addr);
	/* Bus address only: the device half goes, the handle stays for the host half. */
	assert_int_equal(unmap(0, m.dev_bus_addr, m.handle), GNTST_okay);
	assert_int_equal(active(0, 8)->pin, GNTPIN_hstw_inc);
	assert_int_equal(entry(0, 8)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	assert_int_equal(unmap(SLOT(6), 0, m.handle), GNTST_okay);
	assert_int_equal(entry(0, 8)->flags, GTF_permit_access);
	assert_int_equal(frames[D0_PAGE].count, 1);
	assert_int_equal(frames[D0_PAGE].type_count, 0);
	assert_int_equal(unmap(SLOT(6), m.dev_bus_addr, m.handle), GNTST_bad_handle);
}

static void test_unmap_wrong_pte(void **state)
{
	struct gnttab_map_grant_ref m;

	(void)state;
	grant(0, 8, GTF_permit_access, 0, D0_PAGE);
	m = map(SLOT(1), GNTMAP_host_map, 8, 0);
	assert_int_equal(m.status, GNTST_okay);
	/* The PTE named does not map the frame: refused, nothing released. */
	assert_int_equal(unmap(SLOT(2), 0, m.handle), GNTST_general_error);
	assert_int_equal(active(0, 8)->pin, GNTPIN_hstw_inc);
	/* No address at all: nothing to do, still mapped. */
	assert_int_equal(unmap(0, 0, m.handle), GNTST_okay);
	assert_int_equal(active(0, 8)->pin, GNTPIN_hstw_inc);
	assert_int_equal(unmap(SLOT(1), 0, m.handle), GNTST_okay);
	assert_int_equal(active(0, 8)->pin, 0);
}

static void test_unmap_and_replace(void **state)
{
	struct gnttab_map_grant_ref m;
	struct gnttab_unmap_and_replace r;

	(void)state;
	grant(0, 8, GTF_permit_access, 0, D0_PAGE);
	m = map(SLOT(1), GNTMAP_host_map, 8, 0);
	slots[3] = pte_from_mfn(D0_PAGE + 5, _PAGE_PRESENT);
	frames[D0_PAGE + 5].count++;
	r = (struct gnttab_unmap_and_replace){ SLOT(1), SLOT(3), m.handle, 99 };
	assert_int_equal(op(GNTTABOP_unmap_and_replace, &r, 1), 0);
	assert_int_equal(r.status, GNTST_okay);
	assert_int_equal(pte_mfn(slots[1]), D0_PAGE + 5);
	assert_int_equal(slots[3], 0);
	assert_int_equal(entry(0, 8)->flags, GTF_permit_access);
	assert_int_equal(frames[D0_PAGE].count, 1);
}

static void test_avail_bits_and_flags_kept(void **state)
{
	struct gnttab_map_grant_ref m;

	(void)state;
	grant(0, 8, GTF_permit_access, 0, D0_PAGE);
	m = map(SLOT(1), GNTMAP_host_map | (6u << 16), 8, 0);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal((slots[1] >> 9) & 7, 6);
	/* the maptrack entry keeps the GNTMAP bits (16 bits, as Xen's) */
	assert_int_equal(doms[0].grant_table->maptrack[0][m.handle].flags, GNTMAP_host_map);
	assert_int_equal(unmap(SLOT(1), 0, m.handle), GNTST_okay);
}

static void test_pin_overflow(void **state)
{
	grant_handle_t h[129];
	unsigned int i;

	(void)state;
	grant(0, 8, GTF_permit_access, 0, D0_PAGE);
	for (i = 0; i < 128; i++) {
		struct gnttab_map_grant_ref m = map(0, GNTMAP_device_map | GNTMAP_readonly, 8, 0);

		assert_int_equal(m.status, GNTST_okay);
		h[i] = m.handle;
	}
	assert_int_equal(map(0, GNTMAP_device_map | GNTMAP_readonly, 8, 0).status,
			 GNTST_general_error);
	for (i = 0; i < 128; i++)
		assert_int_equal(unmap(0, (u64)D0_PAGE << PAGE_SHIFT, h[i]), GNTST_okay);
	assert_int_equal(active(0, 8)->pin, 0);
	assert_int_equal(frames[D0_PAGE].count, 1);
	assert_int_equal(entry(0, 8)->flags, GTF_permit_access);
}

static void test_maptrack_exhaustion(void **state)
{
	struct grant_table *gt = doms[0].grant_table;
	unsigned int i;

	(void)state;
	gt->max_maptrack_frames = 1;
	for (i = 0; i < 300; i++)
		grant(0, 8 + i, GTF_permit_access | GTF_readonly, 0, D0_PAGE + (i % 10));
	/* one frame: 255 handles, 0..254 (the free list's last entry stays on it, as Xen) */
	for (i = 0; i < MAPTRACK_PER_FRAME - 1; i++) {
		struct gnttab_map_grant_ref m =
		    map(0, GNTMAP_device_map | GNTMAP_readonly, 8 + i, 0);

		assert_int_equal(m.status, GNTST_okay);
		assert_int_equal(m.handle, i);
	}
	assert_int_equal(map(0, GNTMAP_device_map | GNTMAP_readonly, 8 + i, 0).status,
			 GNTST_no_space);
	/* A freed handle is usable again. */
	assert_int_equal(unmap(0, (u64)D0_PAGE << PAGE_SHIFT, 0), GNTST_okay);
	assert_int_equal(map(0, GNTMAP_device_map | GNTMAP_readonly, 8 + i, 0).status, GNTST_okay);
	fail_alloc = true;
	gt->max_maptrack_frames = 2;
	assert_int_equal(map(0, GNTMAP_device_map | GNTMAP_readonly, 9 + i, 0).status,
			 GNTST_no_space);
}

/* createdomain's limits, checked against the host's as Xen 4.17's grant_table_init. */
static void test_limits_checked(void **state)
{
	(void)state;
	assert_int_equal(gnttab_check_limits(-1, -1, 1), 0);
	assert_int_equal(gnttab_check_limits(64, 1024, 2), 0);
	assert_int_equal(gnttab_check_limits(1, 0, 2), 0);
	assert_int_equal(gnttab_check_limits(0, -1, 1), -EINVAL);
	assert_int_equal(gnttab_check_limits(65, -1, 1), -EINVAL);
	assert_int_equal(gnttab_check_limits(-1, 1025, 1), -EINVAL);
	assert_int_equal(gnttab_check_limits(-1, -1, 0), -EINVAL);
	assert_int_equal(gnttab_check_limits(-1, -1, 3), -EINVAL);
	/* gnttab=max-ver:1 and smaller host limits bound them too */
	gnttab_opts = (struct gnttab_options){
		.max_frames = 4, .max_maptrack_frames = 2, .max_version = 1, .transitive = true
	};
	assert_int_equal(gnttab_check_limits(-1, -1, 2), -EINVAL);
	assert_int_equal(gnttab_check_limits(5, -1, 1), -EINVAL);
	assert_int_equal(gnttab_check_limits(4, 3, 1), -EINVAL);
	assert_int_equal(gnttab_check_limits(4, 2, 1), 0);
}

/*
 * d1 created with 2 grant frames and 1 maptrack frame: query_size shows the
 * limit, setup_table cannot pass it, and d1 maps 255 grants at once.
 */
static void test_small_limits(void **state)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	xen_pfn_t list[3];
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 3 };
	unsigned int i;

	(void)state;
	gnttab_set_limits(&doms[1], 2, 1, 2);
	current = &vcpus[1];
	assert_int_equal(op(GNTTABOP_query_size, &q, 1), 0);
	assert_int_equal(q.nr_frames, 1);
	assert_int_equal(q.max_nr_frames, 2);
	st.frame_list.p = list;
	assert_int_equal(op(GNTTABOP_setup_table, &st, 1), 0);
	assert_int_equal(st.status, GNTST_general_error);
	st.nr_frames = 2;
	assert_int_equal(op(GNTTABOP_setup_table, &st, 1), 0);
	assert_int_equal(st.status, GNTST_okay);
	assert_int_equal(op(GNTTABOP_query_size, &q, 1), 0);
	assert_int_equal(q.nr_frames, 2);
	current = &vcpus[0];
	for (i = 0; i < 3; i++)
		grant(0, 8 + i, GTF_permit_access | GTF_readonly, 1, D0_PAGE + i);
	current = &vcpus[1];
	for (i = 0; i < MAPTRACK_PER_FRAME - 1; i++)
		assert_int_equal(map(0, GNTMAP_device_map | GNTMAP_readonly, 8 + i % 3, 0).status,
				 GNTST_okay);
	assert_int_equal(map(0, GNTMAP_device_map | GNTMAP_readonly, 8, 0).status,
			 GNTST_no_space);
	assert_int_equal(doms[1].grant_table->maptrack_frames, 1);
	current = &vcpus[0];
	/* the host's defaults for dom0, unchanged */
	assert_int_equal(op(GNTTABOP_query_size, &q, 1), 0);
	assert_int_equal(q.max_nr_frames, 64);
}

/* No maptrack frames: a domain maps nothing (Xen 4.17: GNTST_no_space). */
static void test_no_maptrack(void **state)
{
	(void)state;
	gnttab_set_limits(&doms[1], -1, 0, 1);
	grant(0, 8, GTF_permit_access, 1, D0_PAGE);
	current = &vcpus[1];
	assert_int_equal(map(0, GNTMAP_device_map, 8, 0).status, GNTST_no_space);
	current = &vcpus[0];
	assert_int_equal(active(0, 8)->pin, 0);
	assert_int_equal(doms[1].grant_table->max_frames, 64);
}

/* Tables made under smaller host limits have arrays of that size. */
static void test_host_limits(void **state)
{
	struct domain d = { .domain_id = 1 };
	struct gnttab_query_size q = { .dom = DOMID_SELF };

	(void)state;
	gnttab_opts.max_frames = 3;
	gnttab_opts.max_maptrack_frames = 1;
	assert_int_equal(grant_table_init(&d), 0);
	assert_int_equal(d.grant_table->frames_cap, 3);
	assert_int_equal(d.grant_table->maptrack_cap, 1);
	assert_int_equal(d.grant_table->status_cap, 1); /* 768 v2 entries */
	doms[1].grant_table = d.grant_table;
	d.grant_table->domain = &doms[1];
	current = &vcpus[1];
	assert_int_equal(op(GNTTABOP_query_size, &q, 1), 0);
	assert_int_equal(q.max_nr_frames, 3);
	current = &vcpus[0];
}

static void test_map_batch_preempted(void **state)
{
	struct gnttab_map_grant_ref m[3];

	(void)state;
	grant(0, 8, GTF_permit_access, 0, D0_PAGE);
	for (int i = 0; i < 3; i++)
		m[i] = (struct gnttab_map_grant_ref){
			.host_addr = SLOT(i + 1), .flags = GNTMAP_host_map, .ref = 8, .dom = 0
		};
	hcstats_on = true;
	preempt = true;
	assert_int_equal(op(GNTTABOP_map_grant_ref, m, 3), __HYPERVISOR_grant_table_op);
	assert_int_equal(counted[GNTTABOP_map_grant_ref], 1);
	assert_int_equal(cont_nr, __HYPERVISOR_grant_table_op);
	assert_int_equal(cont_args[0], GNTTABOP_map_grant_ref);
	assert_int_equal(cont_args[1], (unsigned long)&m[1]);
	assert_int_equal(cont_args[2], 2);
	assert_int_equal(m[0].status, GNTST_okay);
	assert_int_equal(active(0, 8)->pin, GNTPIN_hstw_inc);
	preempt = false;
	assert_int_equal(op(GNTTABOP_map_grant_ref, &m[1], 2), 0);
	assert_int_equal(active(0, 8)->pin, 3 * GNTPIN_hstw_inc);
	assert_int_equal(counted[GNTTABOP_map_grant_ref], 3);
	assert_int_equal(calls[GNTTABOP_map_grant_ref], 2);
	/* A call that fails is counted as a call, without entries. */
	assert_int_equal(do_grant_table_op(GNTTABOP_map_grant_ref, XEN_RANGE - 32, 2), -EFAULT);
	assert_int_equal(calls[GNTTABOP_map_grant_ref], 3);
	assert_int_equal(counted[GNTTABOP_map_grant_ref], 3);
	/* An array reaching into the hypervisor's range: -EFAULT, nothing done. */
	assert_int_equal(do_grant_table_op(GNTTABOP_map_grant_ref, XEN_RANGE - 32, 2), -EFAULT);
}

static void test_unmap_batch(void **state)
{
	struct gnttab_unmap_grant_ref u[20];
	unsigned int i;

	(void)state;
	grant(0, 8, GTF_permit_access, 0, D0_PAGE);
	for (i = 0; i < 20; i++) {
		struct gnttab_map_grant_ref m = map(SLOT(i + 1), GNTMAP_host_map, 8, 0);

		assert_int_equal(m.status, GNTST_okay);
		u[i] = (struct gnttab_unmap_grant_ref){ SLOT(i + 1), 0, m.handle, 99 };
	}
	u[5].handle = 4000000; /* one bad handle in the middle */
	assert_int_equal(op(GNTTABOP_unmap_grant_ref, u, 20), 0);
	for (i = 0; i < 20; i++)
		assert_int_equal(u[i].status, i == 5 ? GNTST_bad_handle : GNTST_okay);
	assert_int_equal(active(0, 8)->pin, GNTPIN_hstw_inc);
	assert_true(flushes >= 2);
}

static void test_swap(void **state)
{
	struct gnttab_swap_grant_ref sw[3] = { { 8, 9, 99 }, { 8, 512, 99 }, { 9, 9, 99 } };
	struct gnttab_map_grant_ref m;

	(void)state;
	grant(0, 8, GTF_permit_access, 1, D0_PAGE);
	grant(0, 9, GTF_permit_access | GTF_readonly, 0, D0_PAGE + 1);
	assert_int_equal(op(GNTTABOP_swap_grant_ref, sw, 3), 0);
	assert_int_equal(sw[0].status, GNTST_okay);
	assert_int_equal(sw[1].status, GNTST_bad_gntref);
	assert_int_equal(sw[2].status, GNTST_okay);
	assert_int_equal(entry(0, 8)->flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(entry(0, 8)->domid, 0);
	assert_int_equal(entry(0, 8)->frame, D0_PAGE + 1);
	assert_int_equal(entry(0, 9)->domid, 1);
	assert_int_equal(entry(0, 9)->frame, D0_PAGE);
	/* An entry in use cannot move. */
	m = map(SLOT(1), GNTMAP_host_map | GNTMAP_readonly, 8, 0);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(op(GNTTABOP_swap_grant_ref, sw, 1), 0);
	assert_int_equal(sw[0].status, GNTST_eagain);
	assert_int_equal(entry(0, 8)->frame, D0_PAGE + 1);
	assert_int_equal(unmap(SLOT(1), 0, m.handle), GNTST_okay);
}

/* ---- tests: copy ---- */
static s16 copy(struct gnttab_copy *c)
{
	c->status = 99;
	assert_int_equal(op(GNTTABOP_copy, c, 1), 0);
	return c->status;
}

static void test_copy(void **state)
{
	struct gnttab_copy c = { 0 };

	(void)state;
	grant(1, 50, GTF_permit_access, 0, D1_PAGE + 2);
	memcpy(frame_mem[D0_PAGE + 3] + 16, "grant copy", 11);
	/* from our own frame into d1's grant */
	c.source.u.gmfn = D0_PAGE + 3;
	c.source.domid = DOMID_SELF;
	c.source.offset = 16;
	c.dest.u.ref = 50;
	c.dest.domid = 1;
	c.dest.offset = 4000;
	c.len = 11;
	c.flags = GNTCOPY_dest_gref;
	assert_int_equal(copy(&c), GNTST_okay);
	assert_memory_equal(frame_mem[D1_PAGE + 2] + 4000, "grant copy", 11);
	assert_int_equal(entry(1, 50)->flags, GTF_permit_access);
	assert_int_equal(active(1, 50)->pin, 0);
	assert_int_equal(frames[D1_PAGE + 2].count, 1);
	assert_int_equal(frames[D1_PAGE + 2].type_count, 0);
	assert_int_equal(frames[D0_PAGE + 3].count, 1);
	/* past the page end */
	c.len = 200;
	assert_int_equal(copy(&c), GNTST_bad_copy_arg);
	assert_int_equal(entry(1, 50)->flags, GTF_permit_access);
	c.len = 11;
	/* a frame named by a domain id instead of DOMID_SELF */
	c.source.domid = 0;
	assert_int_equal(copy(&c), GNTST_permission_denied);
	c.source.domid = DOMID_SELF;
	/* a frame not ours */
	c.source.u.gmfn = D1_PAGE;
	assert_int_equal(copy(&c), GNTST_bad_page);
	c.source.u.gmfn = D0_PAGE + 3;
	/* bad ref, unknown domain, read-only grant as destination */
	c.dest.u.ref = 512;
	assert_int_equal(copy(&c), GNTST_bad_gntref);
	c.dest.u.ref = 50;
	c.dest.domid = 4;
	assert_int_equal(copy(&c), GNTST_bad_domain);
	c.dest.domid = 1;
	grant(1, 50, GTF_permit_access | GTF_readonly, 0, D1_PAGE + 2);
	assert_int_equal(copy(&c), GNTST_general_error);
	assert_int_equal(entry(1, 50)->flags, GTF_permit_access | GTF_readonly);
	/* ... but fine as a source */
	c = (struct gnttab_copy){ .source = { .u.ref = 50, .domid = 1, .offset = 4000 },
				  .dest = { .u.gmfn = D0_PAGE + 4, .domid = DOMID_SELF },
				  .len = 11,
				  .flags = GNTCOPY_source_gref };
	assert_int_equal(copy(&c), GNTST_okay);
	assert_memory_equal(frame_mem[D0_PAGE + 4], "grant copy", 11);
	assert_int_equal(entry(1, 50)->flags, GTF_permit_access | GTF_readonly);
	assert_int_equal(frames[D1_PAGE + 2].count, 1);
	/* a grant to another domain cannot be copied from */
	grant(1, 50, GTF_permit_access, 1, D1_PAGE + 2);
	assert_int_equal(copy(&c), GNTST_general_error);
}

/*
 * A translated granter: its entries hold GFNs, looked up in its p2m; a GFN
 * with nothing behind it is GNTST_bad_page. A translated caller's own
 * frame in a copy is a GFN too.
 */
static void test_translated_granter(void **state)
{
	struct gnttab_map_grant_ref m;
	struct gnttab_copy c = { 0 };

	(void)state;
	translated[1] = true;
	grant(1, 60, GTF_permit_access, 0, GFN_SHIFT + D1_PAGE + 5);
	grant(1, 61, GTF_permit_access, 0, 7); /* no RAM there */
	memcpy(frame_mem[D1_PAGE + 5], "by gfn", 7);
	m = map(SLOT(4), GNTMAP_host_map | GNTMAP_contains_pte, 60, 1);
	assert_int_equal(m.status, GNTST_okay);
	assert_int_equal(m.dev_bus_addr, (u64)(D1_PAGE + 5) << PAGE_SHIFT);
	assert_int_equal(active(1, 60)->mfn, D1_PAGE + 5);
	assert_int_equal(frames[D1_PAGE + 5].type, PGT_writable_page);
	assert_int_equal(unmap(SLOT(4), 0, m.handle), GNTST_okay);
	assert_int_equal(frames[D1_PAGE + 5].count, 1);
	m = map(SLOT(4), GNTMAP_host_map | GNTMAP_contains_pte, 61, 1);
	assert_int_equal(m.status, GNTST_bad_page);
	assert_int_equal(entry(1, 61)->flags, GTF_permit_access);
	/* copy out of the grant, then back into it */
	c = (struct gnttab_copy){ .source = { .u.ref = 60, .domid = 1 },
				  .dest = { .u.gmfn = D0_PAGE + 1, .domid = DOMID_SELF },
				  .len = 7,
				  .flags = GNTCOPY_source_gref };
	assert_int_equal(copy(&c), GNTST_okay);
	assert_memory_equal(frame_mem[D0_PAGE + 1], "by gfn", 7);
	memcpy(frame_mem[D0_PAGE + 1], "to gfn", 7);
	c = (struct gnttab_copy){ .source = { .u.gmfn = D0_PAGE + 1, .domid = DOMID_SELF },
				  .dest = { .u.ref = 60, .domid = 1, .offset = 100 },
				  .len = 7,
				  .flags = GNTCOPY_dest_gref };
	assert_int_equal(copy(&c), GNTST_okay);
	assert_memory_equal(frame_mem[D1_PAGE + 5] + 100, "to gfn", 7);
	c.dest.u.ref = 61;
	assert_int_equal(copy(&c), GNTST_bad_page);
	/* the translated domain copies from its own frame, by GFN */
	current = &vcpus[1];
	grant(0, 62, GTF_permit_access, 1, D0_PAGE + 2);
	c = (struct gnttab_copy){ .source = { .u.gmfn = GFN_SHIFT + D1_PAGE + 5, .domid = DOMID_SELF },
				  .dest = { .u.ref = 62, .domid = 0 },
				  .len = 7,
				  .flags = GNTCOPY_dest_gref };
	assert_int_equal(copy(&c), GNTST_okay);
	assert_memory_equal(frame_mem[D0_PAGE + 2], "by gfn", 7);
	c.source.u.gmfn = D1_PAGE + 5; /* an MFN means nothing to it */
	assert_int_equal(copy(&c), GNTST_bad_page);
	current = &vcpus[0];
}

/* setup_table for a translated domain lists the GFNs its frames were placed at. */
static void test_translated_setup_table(void **state)
{
	xen_pfn_t list[2] = { 0 };
	struct gnttab_setup_table s = { .dom = 1, .nr_frames = 2 };

	(void)state;
	translated[1] = true;
	s.frame_list.p = list;
	/* frame 0 placed where the fake p2m has it; frame 1 nowhere */
	gnttab_set_frame_gfn(&doms[1], 0, GFN_SHIFT + doms[1].grant_table->shared_mfn[0]);
	assert_int_equal(op(GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(s.status, GNTST_okay);
	assert_int_equal(list[0], GFN_SHIFT + doms[1].grant_table->shared_mfn[0]);
	assert_int_equal(list[1], ~(xen_pfn_t)0);
	/* a GFN that no longer holds the frame */
	gnttab_set_frame_gfn(&doms[1], 0, 5);
	assert_int_equal(op(GNTTABOP_setup_table, &s, 1), 0);
	assert_int_equal(list[0], ~(xen_pfn_t)0);
}

static void test_v2_translated_status(void **state)
{
	struct grant_table *gt = doms[1].grant_table;
	u64 list[2] = { 0, 0 };
	unsigned int v;
	mfn_t mfn = 0, first;

	(void)state;
	translated[1] = true;
	/* no status frames to place in v1 */
	assert_int_equal(gnttab_status_frame(&doms[1], 0, &mfn), -EINVAL);
	assert_int_equal(set_version_as(1, 2, &v), 0);
	assert_int_equal(gnttab_status_frame(&doms[1], 0, &mfn), 0);
	assert_int_equal(mfn, gt->status_mfn[0]);
	/* placing status frame 1 grows the table to the 16 frames it covers (as Xen) */
	assert_int_equal(gnttab_status_frame(&doms[1], 1, &mfn), 0);
	assert_int_equal(gt->nr_frames, 16);
	assert_int_equal(mfn, gt->status_mfn[1]);
	/* 64 frames need 8 status frames: a 9th is past the limit */
	assert_int_equal(gnttab_status_frame(&doms[1], 8, &mfn), -EINVAL);
	/* get_status_frames lists GFNs: the one placed, all ones for the other */
	first = gt->status_mfn[0];
	gnttab_set_status_gfn(&doms[1], 0, GFN_SHIFT + first);
	current = &vcpus[1];
	assert_int_equal(status_frames(DOMID_SELF, 2, list), GNTST_okay);
	assert_int_equal(list[0], GFN_SHIFT + gt->status_mfn[0]);
	assert_int_equal(list[1], ~0ull);
	current = &vcpus[0];
	/* the switch back takes the placed frame out of the p2m */
	assert_int_equal(set_version_as(1, 1, &v), 0);
	assert_int_equal(nr_removed, 1);
	assert_int_equal(removed_gfn, GFN_SHIFT + first);
	assert_int_equal(gt->nr_status_frames, 0);
}

static void test_copy_while_mapped(void **state)
{
	struct gnttab_map_grant_ref m;
	struct gnttab_copy c = { .source = { .u.gmfn = D0_PAGE + 3, .domid = DOMID_SELF },
				 .dest = { .u.ref = 8, .domid = 0 },
				 .len = 8,
				 .flags = GNTCOPY_dest_gref };

	(void)state;
	grant(0, 8, GTF_permit_access, 0, D0_PAGE);
	m = map(SLOT(1), GNTMAP_host_map | GNTMAP_readonly, 8, 0);
	assert_int_equal(copy(&c), GNTST_okay);
	/* the read-only map keeps reading set; the copy's writing is dropped */
	assert_int_equal(entry(0, 8)->flags, GTF_permit_access | GTF_reading);
	assert_int_equal(active(0, 8)->pin, GNTPIN_hstr_inc);
	assert_int_equal(unmap(SLOT(1), 0, m.handle), GNTST_okay);
	assert_int_equal(entry(0, 8)->flags, GTF_permit_access);
	assert_int_equal(frames[D0_PAGE].count, 1);
}

/*
 * A granter's end of foreign access (what Linux's gnttab_end_foreign_access_ref
 * does on a v1 entry): clear the flags only if no grantee has the entry in use.
 */
static bool end_access(unsigned int dom, grant_ref_t ref)
{
	u16 *flags = &entry(dom, ref)->flags;
	u16 old = *flags;

	if (old & (GTF_reading | GTF_writing))
		return false;
	return __atomic_compare_exchange_n(flags, &old, 0, false, __ATOMIC_SEQ_CST,
					   __ATOMIC_SEQ_CST);
}

/*
 * A mapping outlives no revoke it can see: while d1 maps d0's entry the
 * entry shows GTF_reading|GTF_writing, so d0's end of access is refused.
 * A granter that overwrites the entry anyway (revoked, then reused for
 * another frame) does not move the mapping: it keeps its frame referenced,
 * a copy through the still-pinned entry lands in that old frame as on Xen,
 * never in the newly granted one, and the unmap drops only the in-use bits.
 * Once unpinned, the revoked entry is refused to maps and copies
 * (GNTST_general_error, Xen 4.17's answer) and the reused one names the new
 * frame.
 */
static void test_revoke_while_mapped(void **state)
{
	struct gnttab_map_grant_ref m, m2;
	struct gnttab_copy c = { .source = { .u.gmfn = D1_PAGE + 3, .domid = DOMID_SELF },
				 .dest = { .u.ref = 60, .domid = 0 },
				 .len = 8,
				 .flags = GNTCOPY_dest_gref };

	(void)state;
	current = &vcpus[1];
	memcpy(frame_mem[D1_PAGE + 3], "revoked!", 8);
	grant(0, 60, GTF_permit_access, 1, D0_PAGE + 5);
	m = map(SLOT(3), GNTMAP_host_map, 60, 0);
	assert_int_equal(m.status, GNTST_okay);
	assert_false(end_access(0, 60));
	assert_int_equal(entry(0, 60)->flags, GTF_permit_access | GTF_reading | GTF_writing);
	/* the granter overwrites the entry: revoked, then another frame granted */
	entry(0, 60)->flags = 0;
	assert_int_equal(frames[D0_PAGE + 5].count, 1 + 2);
	grant(0, 60, GTF_permit_access, 1, D0_PAGE + 6);
	memset(frame_mem[D0_PAGE + 6], 0x5a, PAGE_SIZE);
	assert_int_equal(copy(&c), GNTST_okay);
	assert_memory_equal(frame_mem[D0_PAGE + 5], "revoked!", 8);
	assert_int_equal(frame_mem[D0_PAGE + 6][0], 0x5a);
	assert_int_equal(frames[D0_PAGE + 6].count, 1);
	/* a second map of the pinned entry is the old frame too */
	m2 = map(SLOT(4), GNTMAP_host_map | GNTMAP_readonly, 60, 0);
	assert_int_equal(m2.status, GNTST_okay);
	assert_int_equal(pte_mfn(slots[4]), D0_PAGE + 5);
	assert_int_equal(unmap(SLOT(3), 0, m.handle), GNTST_okay);
	assert_int_equal(unmap(SLOT(4), 0, m2.handle), GNTST_okay);
	assert_int_equal(entry(0, 60)->flags, GTF_permit_access);
	assert_int_equal(frames[D0_PAGE + 5].count, 1);
	assert_int_equal(active(0, 60)->pin, 0);
	/* unpinned, the reused entry names the new frame */
	assert_int_equal(copy(&c), GNTST_okay);
	assert_memory_equal(frame_mem[D0_PAGE + 6], "revoked!", 8);
	/* and a revoked one is refused to a copy and a map, its frame untouched */
	assert_true(end_access(0, 60));
	memset(frame_mem[D0_PAGE + 6], 0x5a, PAGE_SIZE);
	assert_int_equal(copy(&c), GNTST_general_error);
	assert_int_equal(map(SLOT(3), GNTMAP_host_map, 60, 0).status, GNTST_general_error);
	assert_int_equal(frame_mem[D0_PAGE + 6][0], 0x5a);
	assert_int_equal(entry(0, 60)->flags, 0);
	assert_int_equal(active(0, 60)->pin, 0);
	assert_int_equal(frames[D0_PAGE + 6].count, 1);
	current = &vcpus[0];
}

static void test_copy_batch_preempted(void **state)
{
	struct gnttab_copy c[2] = { 0 };

	(void)state;
	for (int i = 0; i < 2; i++)
		c[i] = (struct gnttab_copy){ .source = { .u.gmfn = D0_PAGE, .domid = DOMID_SELF },
					     .dest = { .u.gmfn = D0_PAGE + 1, .domid = DOMID_SELF },
					     .len = 4,
					     .status = 99 };
	hcstats_on = true;
	preempt = true;
	assert_int_equal(op(GNTTABOP_copy, c, 2), __HYPERVISOR_grant_table_op);
	assert_int_equal(counted[GNTTABOP_copy], 1);
	assert_int_equal(c[0].status, GNTST_okay);
	assert_int_equal(c[1].status, 99);
	assert_int_equal(cont_args[1], (unsigned long)&c[1]);
	assert_int_equal(cont_args[2], 1);
}

/*
 * A batch keeps each side's claim while the next copy names the same grant
 * or frame: the granter's frame is looked up once for three copies out of
 * grant 50, and again after a failed copy in between let the source go.
 * After the batch nothing is left pinned, marked in use or referenced.
 */
static unsigned int lookups;

static void count_lookup(const struct domain *d)
{
	(void)d;
	lookups++;
}

static void test_copy_batch_claims_kept(void **state)
{
	struct gnttab_copy c[4];
	static const u16 at[4] = { 0, 2, 0, 4 }, len[4] = { 2, 2, 1, 4 };

	(void)state;
	grant(1, 50, GTF_permit_access, 0, D1_PAGE + 2);
	memcpy(frame_mem[D1_PAGE + 2], "abcdefgh", 8);
	memset(frame_mem[D0_PAGE + 4], 0, 8);
	for (int i = 0; i < 4; i++)
		c[i] = (struct gnttab_copy){
			.source = { .u.ref = 50, .domid = 1, .offset = at[i] },
			.dest = { .u.gmfn = D0_PAGE + 4, .domid = DOMID_SELF, .offset = at[i] },
			.len = len[i],
			.flags = GNTCOPY_source_gref,
			.status = 99
		};
	c[2].source.u.ref = 51; /* not granted */
	lookups = 0;
	on_lookup = count_lookup;
	hcstats_on = true;
	assert_int_equal(op(GNTTABOP_copy, c, 4), 0);
	on_lookup = NULL;
	/* copy 1 found both sides claimed, copy 3 the destination (2 failed at its source) */
	assert_int_equal(kept[0], 1);
	assert_int_equal(kept[1], 2);
	assert_int_equal(c[0].status, GNTST_okay);
	assert_int_equal(c[1].status, GNTST_okay);
	assert_int_equal(c[2].status, GNTST_general_error);
	assert_int_equal(c[3].status, GNTST_okay);
	assert_memory_equal(frame_mem[D0_PAGE + 4], "abcdefgh", 8);
	/* grant 50 and our frame for copies 0 and 1, grant 50 again for copy 3 */
	assert_int_equal(lookups, 3);
	assert_int_equal(active(1, 50)->pin, 0);
	assert_int_equal(entry(1, 50)->flags, GTF_permit_access);
	assert_int_equal(frames[D1_PAGE + 2].count, 1);
	assert_int_equal(frames[D0_PAGE + 4].count, 1);
	assert_int_equal(frames[D0_PAGE + 4].type_count, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_and_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_rw_then_ro, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_ro_then_rw, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cross_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_wrong_pte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_and_replace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_avail_bits_and_flags_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_overflow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_maptrack_exhaustion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_maptrack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_map_batch_preempted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmap_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_while_mapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revoke_while_mapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_translated_granter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_translated_setup_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_batch_preempted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_copy_batch_claims_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_map_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_switch_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_sub_page_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_transitive_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_transitive_restarted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_transitive_disabled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_transitive_changed_meanwhile, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_v2_translated_status, setup, teardown),
	};

	return cmocka_run_group_tests_name("grant", tests, NULL, NULL);
}
