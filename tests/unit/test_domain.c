/*
 * Domains and the scheduler: xen/common/domain.c and scheduler.c with the
 * real event channels, grant tables, vCPU timers and buddy allocator, over
 * a host frame table whose frames are host memory. The arch hooks are
 * fakes that do what the PV ones do to the frame table.
 *
 * Checks: the registry (ids, order, -EEXIST, the next id >= asked), that a
 * created and destroyed domain gives the allocator back every frame (with
 * grants mapped across domains, interdomain ports, pinned tables), per
 * domain shutdown and crash (VIRQ_DOM_EXC to dom0; only dom0's end stops
 * the machine), and the scheduler: round robin, block/wake, poll, yield,
 * pause, idle, runstate and cpu_time. And domctl.c's dispatcher over them:
 * the order of its refusals, createdomain's id rover and refusals, vCPUs
 * made by max_vcpus, destroydomain given back to the page.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "types.h"
#include "errno.h"
#include "mm.h"
#include "m2p.h"
#include "domain.h"
#include "event.h"
#include <stdio.h>
#include "sched.h"
#include "smp.h"
#include "timer.h"
#include "hypercall.h"
#include "pv_mm.h"
#include "pv.h"
#include "public/domctl.h"
#include "uaccess.h"
#include "grant_table.h"
#include "public/sched.h"
#include "public/vcpu.h"
#include "public/memory.h"
#include "hvm.h"
#include "setup.h"
#include "boot_info.h"
#include "shim.h"

#define FRAMES 2048

long do_sched_op(unsigned long cmd, unsigned long arg);	 /* common/schedule.c */
void sched_reset_cpus(void);				 /* common/scheduler.c, host builds */
long do_domctl(unsigned long arg);			 /* common/domctl.c */
long do_memory_op(unsigned long cmd, unsigned long arg); /* common/memory.c */

/* ---- fakes: memory ---- */
static u8 (*frame_mem)[PAGE_SIZE];

static mfn_t mfn_of(const void *va)
{
	return (mfn_t)(((const u8 *)va - frame_mem[0]) / PAGE_SIZE);
}

unsigned int order_for_bytes(u64 bytes)
{
	unsigned int order = 0;

	while ((PAGE_SIZE << order) < bytes)
		order++;
	return order;
}

/* When > 0: the allocation that many calls from now fails (1 = the next). */
static unsigned int fail_alloc_in;

/* The domains here are PV: the HVM hooks are never reached. */
u64 arch_logdirty_pfns(const struct domain *d)
{
	return d->max_pages;
}

int arch_logdirty_enable(struct domain *d)
{
	(void)d;
	return 0;
}

void arch_logdirty_disable(struct domain *d)
{
	(void)d;
}

void arch_logdirty_sync(struct domain *d, bool clean)
{
	(void)d, (void)clean;
}

void hvm_evtchn_upcall(struct vcpu *v);
void hvm_evtchn_upcall(struct vcpu *v)
{
	(void)v;
}

/* A p2m of FAKE_GFNS entries for every HVM domain here; INVALID_MFN is a hole. */
#define FAKE_GFNS 8
static mfn_t fake_p2m[FAKE_GFNS];
static unsigned int p2m_syncs;		 /* hvm_p2m_sync_cpus calls */
static unsigned int p2m_present_at_sync; /* entries still mapped at the last one */
static u64 free_at_sync;		 /* buddy_free_count() at the last one */

mfn_t p2m_lookup(const struct domain *d, u64 gfn)
{
	(void)d;
	return gfn < FAKE_GFNS ? fake_p2m[gfn] : INVALID_MFN;
}

int p2m_set_entry(struct domain *d, u64 gfn, mfn_t mfn)
{
	(void)d, (void)gfn, (void)mfn;
	return -ENOSYS;
}

void p2m_clear_entry(struct domain *d, u64 gfn)
{
	(void)d;
	if (gfn < FAKE_GFNS)
		fake_p2m[gfn] = INVALID_MFN;
}

void hvm_p2m_sync_cpus(const struct domain *d)
{
	(void)d;
	p2m_syncs++;
	p2m_present_at_sync = 0;
	free_at_sync = buddy_free_count();
	for (unsigned int i = 0; i < FAKE_GFNS; i++)
		p2m_present_at_sync += fake_p2m[i] != INVALID_MFN;
}

/* ---- fakes: what else memory.c reaches (the tests only give frames back) ---- */
struct boot_info bootinfo;

unsigned int m2p_chunk_list(mfn_t *out, unsigned int max)
{
	(void)out, (void)max;
	return 0;
}

long ioreq_acquire_resource(struct domain *d, unsigned int id, u64 frame, u32 *nr_frames, u64 list)
{
	(void)d, (void)id, (void)frame, (void)nr_frames, (void)list;
	return -EOPNOTSUPP;
}

void *alloc_xenheap_pages(unsigned int order)
{
	struct page_info *pg;
	void *va;

	if (fail_alloc_in && !--fail_alloc_in)
		return NULL;
	pg = alloc_pages(order);
	if (!pg)
		return NULL;
	for (u64 i = 0; i < (1UL << order); i++)
		pg[i].flags |= PGC_xen_heap;
	va = frame_mem[page_to_mfn(pg)];
	memset(va, 0, PAGE_SIZE << order);
	return va;
}

void free_xenheap_pages(void *va, unsigned int order)
{
	struct page_info *pg = mfn_to_page(mfn_of(va));

	for (u64 i = 0; i < (1UL << order); i++) {
		assert_true(pg[i].flags & PGC_xen_heap);
		pg[i].flags &= ~PGC_xen_heap;
	}
	free_pages(pg, order);
}

static unsigned int m2p_invalidated;

void m2p_set(mfn_t mfn, u64 pfn)
{
	(void)mfn;
	if (pfn == M2P_INVALID)
		m2p_invalidated++;
}

bool pv_get_page(struct page_info *pg, const struct domain *d)
{
	if (!pg || pg->owner != d || !pg->count)
		return false;
	pg->count++;
	return true;
}

/* As the PV put: a frame's last reference after its allocation one frees it (memory.c). */
void pv_put_page(struct page_info *pg)
{
	assert_true(pg->count > 0);
	pg->count--;
	if (!pg->count && pg->owner && !(pg->flags & (PGC_allocated | PGC_xen_heap)))
		pv_frame_released(pg);
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

void pv_put_page_and_type(struct page_info *pg)
{
	pv_put_page_type(pg);
	pv_put_page(pg);
}

/* As populate_physmap gives a frame: owned, listed, the allocation reference. */
void assign_page(struct domain *d, struct page_info *pg)
{
	pg->owner = d;
	pg->flags |= PGC_allocated;
	pg->count = 1;
	frame_list_add(&d->page_list, pg);
}

bool mfn_owned_by(mfn_t mfn, const struct domain *d)
{
	return mfn < max_page && frame_table[mfn].owner == d &&
	       !(frame_table[mfn].flags & PGC_free);
}

bool get_page_type(struct page_info *pg, unsigned int type)
{
	return pv_get_page_type(pg, type) == 0;
}

void get_page(struct page_info *pg)
{
	pg->count++;
}

/* ---- fakes: grant-table arch hooks ---- */
void *gnttab_alloc(size_t bytes)
{
	return alloc_xenheap_pages(order_for_bytes(bytes));
}

void gnttab_free(void *p, size_t bytes)
{
	free_xenheap_pages(p, order_for_bytes(bytes));
}

void *gnttab_alloc_shared_frame(struct domain *d, mfn_t *mfn)
{
	void *p = alloc_xenheap_pages(0);
	struct page_info *pg;

	if (!p)
		return NULL;
	*mfn = mfn_of(p);
	pg = mfn_to_page(*mfn);
	pg->owner = d;
	pg->count = pg->type_count = 1;
	pg->type = PGT_writable_page;
	return p;
}

void gnttab_free_shared_frame(void *p, mfn_t mfn)
{
	struct page_info *pg = mfn_to_page(mfn);

	assert_int_equal(pg->count, 1);
	pg->owner = NULL;
	pg->count = pg->type_count = 0;
	pg->type = PGT_none;
	free_xenheap_pages(p, 0);
}

void *gnttab_map_frame(mfn_t mfn)
{
	return frame_mem[mfn];
}

void gnttab_flush_tlb(void)
{
}

/* The domains here are PV: their grants name machine frames. */
bool gnttab_translated(const struct domain *d)
{
	(void)d;
	return false;
}

mfn_t gnttab_gfn_to_mfn(const struct domain *d, u64 gfn)
{
	(void)d;
	return gfn;
}

void gnttab_remove_frame_gfn(struct domain *d, u64 gfn, mfn_t mfn)
{
	(void)d, (void)gfn, (void)mfn;
}

bool gnttab_shared_frame_mapped(mfn_t mfn)
{
	return mfn_to_page(mfn)->count > 1;
}

int gnttab_create_host_mapping(u64 addr, mfn_t mfn, u32 flags, struct domain *owner)
{
	(void)addr, (void)mfn, (void)flags, (void)owner;
	return GNTST_okay;
}

int gnttab_replace_host_mapping(u64 addr, mfn_t mfn, u64 new_addr, u32 flags)
{
	(void)addr, (void)mfn, (void)new_addr, (void)flags;
	return GNTST_okay;
}

/* When set, every preemption check says stop (as Petrel's hypercall_preempt_always). */
static bool preempt_always;

bool hypercall_preempt_check(void)
{
	return preempt_always;
}

long hypercall_create_continuation(unsigned int nr, unsigned int nargs, const unsigned long *args)
{
	(void)nargs, (void)args;
	return nr;
}

/* ---- fakes: guest memory is host memory ---- */
bool guest_range_ok(u64 va, size_t len)
{
	return va >= 4096 && va + len > va;
}

int copy_from_guest(void *dst, u64 src_va, size_t len)
{
	if (!guest_range_ok(src_va, len))
		return -EFAULT;
	memcpy(dst, (const void *)src_va, len);
	return 0;
}

/*
 * The domain whose page tables the fake CPU has loaded (arch_context_switch
 * sets it), and writes into the runstate area watched by test_runstate_area
 * made while another domain's tables were loaded.
 */
static struct domain *loaded;
static struct vcpu_runstate_info *watched_area;
static struct domain *watched_owner;
static unsigned int foreign_writes;

int copy_to_guest(u64 dst_va, const void *src, size_t len)
{
	if (!guest_range_ok(dst_va, len))
		return -EFAULT;
	if (watched_area && dst_va >= (u64)watched_area &&
	    dst_va < (u64)watched_area + sizeof(*watched_area) && loaded != watched_owner)
		foreign_writes++;
	memcpy((void *)dst_va, src, len);
	return 0;
}

/* ---- fakes: the PV side of domctl (pv/vcpu_context.c, time) ---- */
int pv_set_vcpu_context(struct vcpu *v, const struct vcpu_guest_context *c)
{
	(void)c;
	vcpu_up(v);
	return 0;
}

void pv_get_vcpu_context(const struct vcpu *v, struct vcpu_guest_context *c)
{
	(void)v, (void)c;
}

/* ---- fakes: the other CPUs (one CPU runs here; others are only named) ---- */
static unsigned int kicks[4], forgets[4], saves[4];

void arch_sched_kick(unsigned int cpu)
{
	kicks[cpu]++;
}

/* The hypercalls the CPU served: a test counts those of its running vCPU. */
static u64 fake_hypercalls;

u64 arch_cpu_hypercalls(unsigned int cpu)
{
	(void)cpu;
	return fake_hypercalls;
}

void arch_forget_vcpu(unsigned int cpu, struct vcpu *v)
{
	(void)v;
	forgets[cpu]++;
}

/* As the arch hook: the CPU that still holds @v's state saves it and forgets it. */
void arch_save_vcpu_off(unsigned int cpu, struct vcpu *v)
{
	saves[cpu]++;
	if (cpu == smp_processor_id() && current == v)
		current = NULL;
}

bool hv_held(void)
{
	return true;
}

void hv_enter(void)
{
}

void hv_lock_stats_reset(void)
{
}

void hv_lock_stats_print(void)
{
}

void dump_cpus_state(void)
{
}

unsigned int hv_wait_begin(void)
{
	return 1;
}

void hv_wait_end(unsigned int depth)
{
	assert_int_equal(depth, 1);
}

void hv_relax(void)
{
}

bool arch_vcpu_initialised(const struct vcpu *v)
{
	return v->vcpu_id == 0;
}

long arch_initialise_vcpu(struct vcpu *v, unsigned long arg)
{
	(void)v, (void)arg;
	return -ENOSYS;
}

void pv_vcpu_reset(struct vcpu *v)
{
	v->pause_flags |= VPF_down;
}

int pv_hypercall_init(struct domain *d, u64 gmfn)
{
	(void)d, (void)gmfn;
	return 0;
}

u32 pv_frame_type_info(struct domain *d, u64 mfn)
{
	(void)d, (void)mfn;
	return 0;
}

/* The save/restore extras of a PV vCPU (pv/save_state.c): guest tests cover them. */
long pv_get_ext_vcpucontext(struct domain *d, struct xen_domctl_ext_vcpucontext *e)
{
	(void)d, (void)e;
	return -ENOSYS;
}

long pv_set_ext_vcpucontext(struct domain *d, const struct xen_domctl_ext_vcpucontext *e)
{
	(void)d, (void)e;
	return -ENOSYS;
}

long pv_get_vcpu_extstate(struct domain *d, struct xen_domctl_vcpuextstate *x)
{
	(void)d, (void)x;
	return -ENOSYS;
}

long pv_set_vcpu_extstate(struct domain *d, const struct xen_domctl_vcpuextstate *x)
{
	(void)d, (void)x;
	return -ENOSYS;
}

long pv_get_vcpu_msrs(struct domain *d, struct xen_domctl_vcpu_msrs *m)
{
	(void)d, (void)m;
	return -ENOSYS;
}

long pv_set_vcpu_msrs(struct domain *d, struct xen_domctl_vcpu_msrs *m, bool *copyback)
{
	(void)d, (void)m, (void)copyback;
	return -ENOSYS;
}

/* CPU policies are x86's (guest tests cover them); domctl only passes them on. */
long cpu_policy_serialise(bool host, u64 leaves, u32 *nr_leaves, u64 msrs, u32 *nr_msrs)
{
	(void)host, (void)leaves, (void)nr_leaves, (void)msrs, (void)nr_msrs;
	return -ENOSYS;
}

long cpu_policy_check(struct xen_domctl_cpu_policy *p)
{
	(void)p;
	return -ENOSYS;
}

bool cpu_policy_fsgsbase(const struct xen_domctl_cpu_policy *p)
{
	(void)p;
	return false;
}

long cpu_policy_add_fsgsbase(u64 leaves, u32 nr_leaves)
{
	(void)leaves, (void)nr_leaves;
	return -ENOSYS;
}

long cpu_policy_serialise_hvm(u64 leaves, u32 *nr_leaves, u64 msrs, u32 *nr_msrs)
{
	(void)leaves, (void)nr_leaves, (void)msrs, (void)nr_msrs;
	return -ENOSYS;
}

u64 pv_cr4_guest_bits(void)
{
	return 0;
}

void update_domain_wallclock(struct domain *d)
{
	(void)d;
}

u64 tsc_khz(void)
{
	return 1000000;
}

/* virt_to_mfn's image base (getdomaininfo's shared_info_frame; not checked here). */
u64 xen_phys_base;

/* ---- fakes: time ---- */
static u64 fake_now = 1000;

u64 system_time(void)
{
	return fake_now;
}

void update_vcpu_system_time(struct vcpu *v)
{
	(void)v;
}

#include "fake_timer.h"

/* ---- fakes: arch hooks of the lifecycle and the scheduler ---- */
static jmp_buf escape;
static unsigned int hwdom_ended, hwdom_reason, crash_shows, switches;
static struct vcpu *switched_from, *switched_to;
/* What an interrupt does while the CPU idles; NULL = nothing ever wakes it. */
static void (*idle_interrupt)(void);

/* No HVM backend on the host: createdomain refuses HVM before these run. */
const struct hvm_backend *hvm_backend;

void hvm_dump_domains(void)
{
}

int hvm_domain_init(struct domain *d)
{
	(void)d;
	return -EOPNOTSUPP;
}

bool hvm_platform_flags_ok(u32 flags)
{
	(void)flags;
	return false; /* never asked: no HVM domain gets this far here */
}

int hvm_platform_init(struct domain *d, u32 flags)
{
	(void)d, (void)flags;
	return -EOPNOTSUPP;
}

long hvm_set_context(struct domain *d, u64 buf, u32 size)
{
	(void)d, (void)buf, (void)size;
	return -EINVAL;
}

long hvm_get_context(struct domain *d, u64 buf, u32 *size)
{
	(void)d, (void)buf, (void)size;
	return -EINVAL;
}

long hvm_get_context_partial(struct domain *d, u32 type, u32 instance, u64 buf, u64 *bufsz)
{
	(void)d, (void)type, (void)instance, (void)buf, (void)bufsz;
	return -EINVAL;
}

void hvm_get_vcpu_context(struct vcpu *v, struct vcpu_guest_context *g)
{
	(void)v;
	memset(g, 0, sizeof(*g));
}

int arch_vcpu_create(struct vcpu *v)
{
	(void)v;
	return 0;
}

void arch_vcpu_destroy(struct vcpu *v)
{
	(void)v;
}

int arch_domain_create(struct domain *d)
{
	d->shared_info = alloc_xenheap_pages(0);
	if (!d->shared_info)
		return -ENOMEM;
	mfn_to_page(mfn_of(d->shared_info))->owner = d;
	mfn_to_page(mfn_of(d->shared_info))->count = 1;
	return 0;
}

/* As the PV hook: shared_info still mapped elsewhere is kept, else freed. */
void arch_domain_destroy(struct domain *d)
{
	struct page_info *pg = mfn_to_page(mfn_of(d->shared_info));

	if (domain_keep_shared_page(d, pg)) {
		d->shared_info = NULL;
		return;
	}
	assert_int_equal(pg->count, 1);
	pg->owner = NULL;
	pg->count = 0;
	free_xenheap_pages(d->shared_info, 0);
	d->shared_info = NULL;
}

void arch_domain_relinquish(struct domain *d)
{
	(void)d;
}

/* The arch part of a soft reset: what the test sets (Xen's x86 refuses a PV domain). */
static int arch_soft_reset_rc;

int arch_domain_soft_reset(struct domain *d)
{
	(void)d;
	return arch_soft_reset_rc;
}

/* As the PV hook: the pin's references go (the fake tables hold no entries). */
static unsigned int tables_unpinned;

void arch_unpin_table(struct page_info *pg)
{
	assert_false(pg->flags & PGC_pinned);
	pg->type_count--;
	pg->count--;
	tables_unpinned++;
}

void arch_hwdom_end(const struct domain *d, unsigned int reason, bool crashed)
{
	(void)d;
	hwdom_ended++;
	hwdom_reason = crashed ? 100 + reason : reason;
	longjmp(escape, 1);
}

void arch_show_crash_state(void)
{
	crash_shows++;
}

void arch_vcpu_sched_out(struct vcpu *v)
{
	(void)v;
}

void arch_vcpu_sched_in(struct vcpu *v)
{
	(void)v;
}

void arch_context_switch(struct vcpu *prev, struct vcpu *next)
{
	switches++;
	switched_from = prev;
	switched_to = next;
	loaded = next->domain;
}

/* What an interrupt taken at the end of an idle scrub batch does (once); NULL: none came. */
static void (*scrub_interrupt)(void);
static bool scrub_interrupt_taken;

void arch_idle_wait(void)
{
	if (scrub_interrupt_taken)
		fail_msg("the CPU halts after its scrub batch took the interrupt that woke a vCPU");
	if (!idle_interrupt)
		fail_msg("the CPU idles and nothing can wake a vCPU");
	fake_now += 1000;
	idle_interrupt();
}

/* Zero every dirty frame (this CPU's batches and other CPUs'), then take interrupts. */
void arch_idle_scrub(void)
{
	while (scrub_free_pages())
		;
	if (scrub_interrupt) {
		scrub_interrupt();
		scrub_interrupt = NULL;
		scrub_interrupt_taken = true;
	}
}

void scrub_frame(mfn_t mfn)
{
	(void)mfn;
}

void arch_resume_current(void)
{
	longjmp(escape, 2);
}

/* ---- helpers ---- */
static u64 free_at_start;
static struct domain *dom0;

static struct domain *create(domid_t id)
{
	struct domain *d = NULL;

	assert_int_equal(domain_create(id, id == 0, false, &d), 0);
	assert_non_null(d);
	return d;
}

static void start(struct domain *d)
{
	vcpu_up(d->vcpu[0]);
}

/* Give @d @n frames, as populate_physmap does. */
static void populate(struct domain *d, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		struct page_info *pg = alloc_pages(0);

		assert_non_null(pg);
		assign_page(d, pg);
		d->tot_pages++;
	}
	d->max_pages = d->tot_pages;
}

/* The first frame @d owns (not a hypervisor page). */
static mfn_t first_frame_of(const struct domain *d)
{
	for (mfn_t mfn = 0; mfn < max_page; mfn++)
		if (frame_table[mfn].owner == d && (frame_table[mfn].flags & PGC_allocated))
			return mfn;
	fail_msg("d%u owns no frame", d->domain_id);
	return 0;
}

static long evtchn_op(struct vcpu *as, unsigned int cmd, void *arg)
{
	current = as;
	return do_event_channel_op(cmd, (unsigned long)arg);
}

/* dom0 binds VIRQ_DOM_EXC; its port. */
static unsigned int bind_dom_exc(void)
{
	struct evtchn_bind_virq b = { .virq = VIRQ_DOM_EXC, .vcpu = 0 };

	assert_int_equal(evtchn_op(dom0->vcpu[0], EVTCHNOP_bind_virq, &b), 0);
	return b.port;
}

static void destroy_and_reap(struct domain *d)
{
	assert_int_equal(domain_destroy(d), 0);
	domain_reap();
}

static int setup(void **state)
{
	(void)state;
	frame_mem = calloc(FRAMES, PAGE_SIZE);
	frame_table = calloc(FRAMES, sizeof(*frame_table));
	assert_non_null(frame_mem);
	assert_non_null(frame_table);
	max_page = FRAMES;
	buddy_init();
	buddy_free_range(1, FRAMES); /* mfn 0 stays out, as on a machine */
	free_at_start = buddy_free_count();
	hwdom_ended = crash_shows = switches = 0;
	idle_interrupt = NULL;
	/* Each test's scheduler starts as at boot: no weighed time left by another. */
	sched_reset_cpus();
	cpu_online_mask = 1;
	fake_now = 1000;
	dom0 = create(0);
	start(dom0);
	schedule();
	assert_ptr_equal(current, dom0->vcpu[0]);
	shim_log_reset();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	/* Every test leaves only dom0: its end too gives everything back. */
	current = dom0->vcpu[0];
	destroy_and_reap(dom0);
	assert_int_equal(domain_count(), 0);
	assert_int_equal(buddy_free_count(), free_at_start);
	assert_int_equal(buddy_check(), 0);
	free(frame_table);
	free(frame_mem);
	frame_table = NULL;
	current = NULL;
	return 0;
}

/* ---- the registry ---- */

static void test_registry(void **state)
{
	struct domain *d5, *d2, *d9, *dup = NULL;

	(void)state;
	d5 = create(5);
	d2 = create(2);
	d9 = create(9);
	assert_int_equal(domain_count(), 4);
	assert_ptr_equal(domain_by_id(5), d5);
	assert_null(domain_by_id(3));
	assert_int_equal(domain_create(5, false, false, &dup), -EEXIST);
	assert_null(dup);
	assert_int_equal(domain_create(DOMID_SELF, false, false, &dup), -EINVAL);
	/* In id order; the first id >= asked (getdomaininfo's rule in 4.17). */
	assert_ptr_equal(domain_next(NULL), dom0);
	assert_ptr_equal(domain_next(dom0), d2);
	assert_ptr_equal(domain_next(d2), d5);
	assert_ptr_equal(domain_next(d5), d9);
	assert_null(domain_next(d9));
	assert_ptr_equal(domain_first_from(3), d5);
	assert_ptr_equal(domain_first_from(9), d9);
	assert_null(domain_first_from(10));
	/* DOMID_SELF is the caller. */
	current = d5->vcpu[0];
	assert_ptr_equal(domain_lookup(DOMID_SELF), d5);
	assert_ptr_equal(domain_lookup(2), d2);
	current = dom0->vcpu[0];
	destroy_and_reap(d5);
	assert_null(domain_by_id(5));
	assert_ptr_equal(domain_next(d2), d9);
	assert_int_equal(domain_create(5, false, false, &dup), 0); /* the id is free again */
	destroy_and_reap(dup);
	destroy_and_reap(d2);
	destroy_and_reap(d9);
	assert_int_equal(domain_count(), 1);
}

/* A reference keeps the struct until put; the registry entry goes at once. */
static void test_references(void **state)
{
	struct domain *d = create(7);
	u64 before;

	(void)state;
	get_domain(d);
	assert_int_equal(domain_destroy(d), 0);
	assert_int_equal(domain_destroy(d), -EINVAL); /* dying already */
	assert_null(domain_by_id(7));
	assert_int_equal(d->is_dying, DOMDYING_dead);
	domain_reap();
	before = buddy_free_count();
	put_domain(d);
	assert_int_equal(buddy_free_count(), before); /* freed at the quiescent point */
	domain_reap();
	assert_true(buddy_free_count() > before);
}

/* ---- destruction gives everything back ---- */

static void test_destroy_exact(void **state)
{
	unsigned int exc = bind_dom_exc();

	(void)state;
	for (unsigned int round = 0; round < 3; round++) {
		u64 free_before = buddy_free_count();
		struct domain *d1 = create(1), *d2 = create(2);
		struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 2 };
		struct evtchn_bind_interdomain bi = { .remote_dom = 1 };
		struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 4 };
		struct gnttab_map_grant_ref map = {
			.host_addr = 0x10000, .flags = GNTMAP_host_map, .ref = 8, .dom = 2
		};
		xen_pfn_t gframes[4];
		mfn_t granted, pinned;

		start(d1);
		start(d2);
		populate(d1, 40);
		populate(d2, 30);
		/* A pinned table frame of d1 (type and pin references). */
		pinned = first_frame_of(d1);
		frame_table[pinned].flags |= PGC_pinned;
		frame_table[pinned].type = PGT_l4_page_table;
		frame_table[pinned].type_count = 1;
		frame_table[pinned].count++;
		/* d1 <-> d2 interdomain channel. */
		assert_int_equal(evtchn_op(d1->vcpu[0], EVTCHNOP_alloc_unbound, &au), 0);
		bi.remote_port = au.port;
		assert_int_equal(evtchn_op(d2->vcpu[0], EVTCHNOP_bind_interdomain, &bi), 0);
		/* d1 grows its grant table; d2 grants d1 a frame, which d1 maps. */
		set_xen_guest_handle(st.frame_list, gframes);
		current = d1->vcpu[0];
		assert_int_equal(do_grant_table_op(GNTTABOP_setup_table, (unsigned long)&st, 1), 0);
		assert_int_equal(st.status, GNTST_okay);
		granted = first_frame_of(d2);
		((grant_entry_v1_t *)d2->grant_table->shared[0])[8] = (grant_entry_v1_t){
			.flags = GTF_permit_access, .domid = 1, .frame = (u32)granted
		};
		assert_int_equal(do_grant_table_op(GNTTABOP_map_grant_ref, (unsigned long)&map, 1),
				 0);
		assert_int_equal(map.status, GNTST_okay);
		assert_int_equal(frame_table[granted].count, 2);
		assert_true(((grant_entry_v1_t *)d2->grant_table->shared[0])[8].flags &
			    GTF_writing);

		/* d1 goes: d2's frame, grant entry and port are released. */
		current = dom0->vcpu[0];
		evtchn_unmask_port(dom0, exc);
		dom0->shared_info->evtchn_pending[0] = 0;
		destroy_and_reap(d1);
		assert_true(evtchn_is_pending(dom0, exc));
		assert_int_equal(frame_table[granted].count, 1);
		assert_int_equal(frame_table[granted].type_count, 0);
		assert_false(((grant_entry_v1_t *)d2->grant_table->shared[0])[8].flags &
			     (GTF_reading | GTF_writing));
		assert_int_equal(d2->evtchn[bi.local_port].state, ECS_UNBOUND);
		assert_int_equal(d2->evtchn[bi.local_port].u.remote_domid, 1);
		destroy_and_reap(d2);
		assert_int_equal(buddy_free_count(), free_before);
		assert_int_equal(buddy_check(), 0);
	}
}

/* A shared_info page still mapped elsewhere becomes a held frame, freed by its last put. */
static void test_destroy_keeps_mapped_shared_info(void **state)
{
	u64 free_before = buddy_free_count();
	struct domain *d = create(3);
	struct page_info *pg = mfn_to_page(mfn_of(d->shared_info));

	(void)state;
	populate(d, 2);
	pg->count++; /* the control domain maps it */
	destroy_and_reap(d);
	assert_int_equal(d->tot_pages, 1);
	assert_int_equal(d->refcnt, 1);
	assert_ptr_equal(pg->owner, d);
	assert_false(pg->flags & PGC_xen_heap);
	assert_int_equal(pg->count, 1);
	pv_put_page(pg);
	assert_null(pg->owner);
	domain_reap();
	assert_int_equal(buddy_free_count(), free_before);
	assert_int_equal(buddy_check(), 0);
}

/*
 * The granter dies first: the mapper's unmap still reaches the dead
 * granter (not a new domain that took its id), its grant table lives until
 * then, and the last unmap frees the frame and the struct.
 */
static void test_destroy_granter_while_mapped(void **state)
{
	u64 free_before = buddy_free_count();
	struct domain *d1 = create(1), *d2 = create(2), *again;
	struct gnttab_map_grant_ref map = {
		.host_addr = 0x10000, .flags = GNTMAP_host_map, .ref = 8, .dom = 2
	};
	struct gnttab_unmap_grant_ref unmap = { .host_addr = 0x10000 };
	mfn_t granted;

	(void)state;
	populate(d1, 4);
	populate(d2, 4);
	granted = first_frame_of(d2);
	((grant_entry_v1_t *)d2->grant_table->shared[0])[8] =
	    (grant_entry_v1_t){ .flags = GTF_permit_access, .domid = 1, .frame = (u32)granted };
	current = d1->vcpu[0];
	assert_int_equal(do_grant_table_op(GNTTABOP_map_grant_ref, (unsigned long)&map, 1), 0);
	assert_int_equal(map.status, GNTST_okay);

	current = dom0->vcpu[0];
	destroy_and_reap(d2);
	assert_null(domain_by_id(2));
	assert_int_equal(d2->refcnt, 2); /* its frames' and d1's mapping's */
	assert_non_null(d2->grant_table);
	assert_ptr_equal(frame_table[granted].owner, d2);
	again = create(2); /* the id is free: the unmap must not reach this one */

	current = d1->vcpu[0];
	unmap.handle = map.handle;
	assert_int_equal(do_grant_table_op(GNTTABOP_unmap_grant_ref, (unsigned long)&unmap, 1), 0);
	assert_int_equal(unmap.status, GNTST_okay);
	assert_null(frame_table[granted].owner); /* freed with its last reference */
	current = dom0->vcpu[0];
	domain_reap();
	destroy_and_reap(again);
	destroy_and_reap(d1);
	assert_int_equal(buddy_free_count(), free_before);
	assert_int_equal(buddy_check(), 0);
}

/* A creation that fails at any step undoes the steps done: nothing leaks. */
static void test_create_fails_cleanly(void **state)
{
	u64 free_before = buddy_free_count();
	unsigned int failures = 0;

	(void)state;
	for (unsigned int n = 1; n < 64; n++) {
		struct domain *d = NULL;
		int rc;

		fail_alloc_in = n;
		rc = domain_create(9, false, false, &d);
		fail_alloc_in = 0;
		if (!rc) {
			/* n is past the last allocation creation makes: every step was tried. */
			destroy_and_reap(d);
			break;
		}
		failures++;
		assert_int_equal(rc, -ENOMEM);
		assert_null(domain_by_id(9));
		assert_int_equal(buddy_free_count(), free_before);
		assert_int_equal(buddy_check(), 0);
	}
	assert_true(failures >= 4); /* struct, shared_info, grant table, vCPU at least */
	assert_int_equal(buddy_free_count(), free_before);
}

/*
 * A frame another domain still maps outlives its owner's destruction: it
 * loses its allocation reference, keeps its owner, and the dead domain (out
 * of the registry) is held by its frames until the mapping's last put frees
 * the frame. Only then is the struct freed, and the allocator is whole.
 */
static void test_destroy_keeps_foreign_held(void **state)
{
	u64 free_before = buddy_free_count();
	struct domain *d = create(3);
	mfn_t held;

	(void)state;
	populate(d, 5);
	held = first_frame_of(d);
	frame_table[held].count++; /* a mapping elsewhere */
	destroy_and_reap(d);
	assert_null(domain_by_id(3));
	assert_int_equal(d->is_dying, DOMDYING_dead);
	assert_int_equal(d->refcnt, 1); /* the frames' reference */
	assert_int_equal(d->tot_pages, 1);
	assert_ptr_equal(frame_table[held].owner, d);
	assert_false(frame_table[held].flags & PGC_allocated);
	assert_int_equal(frame_table[held].count, 1);
	/* The held frame and the struct (with its grant table) are not back yet. */
	assert_true(buddy_free_count() <= free_before - 1 - (1UL << order_for_bytes(sizeof(*d))));
	pv_put_page(&frame_table[held]); /* the mapping goes */
	assert_null(frame_table[held].owner);
	domain_reap();
	assert_int_equal(buddy_free_count(), free_before);
	assert_int_equal(buddy_check(), 0);
}

/*
 * A frame the domain gave back while another domain maps it stays counted
 * and held the same way, and is freed by the mapping's last put.
 */
static void test_destroy_holds_given_back_frame(void **state)
{
	u64 free_before = buddy_free_count();
	struct domain *d = create(3);
	mfn_t held;

	(void)state;
	populate(d, 5);
	held = first_frame_of(d);
	frame_table[held].flags &= ~PGC_allocated; /* given back; the mapping's reference stays */
	destroy_and_reap(d);
	assert_int_equal(d->refcnt, 1);
	assert_int_equal(d->tot_pages, 1);
	assert_ptr_equal(frame_table[held].owner, d);
	assert_false(frame_table[held].flags & PGC_allocated);
	assert_int_equal(frame_table[held].count, 1);
	pv_put_page(&frame_table[held]);
	domain_reap();
	assert_int_equal(buddy_free_count(), free_before);
	assert_int_equal(buddy_check(), 0);
}

/* Frames held past destruction: the domain goes with the last of them, not before. */
static void test_destroy_held_frames_last_put(void **state)
{
	u64 free_before = buddy_free_count();
	struct domain *d = create(3), *again;
	mfn_t a, b;

	(void)state;
	populate(d, 3);
	a = first_frame_of(d);
	frame_table[a].flags &= ~PGC_allocated; /* given back, one mapping left */
	b = first_frame_of(d);
	frame_table[b].count += 2; /* two mappings elsewhere */
	destroy_and_reap(d);
	assert_int_equal(d->tot_pages, 2);
	/* The id is free again at once; the new domain owns none of the old frames. */
	again = create(3);
	assert_true(again != d);
	pv_put_page(&frame_table[b]);
	pv_put_page(&frame_table[a]);
	domain_reap();
	assert_int_equal(d->refcnt, 1); /* one frame left: not freed */
	assert_ptr_equal(frame_table[b].owner, d);
	pv_put_page(&frame_table[b]);
	domain_reap();
	destroy_and_reap(again);
	assert_int_equal(buddy_free_count(), free_before);
	assert_int_equal(buddy_check(), 0);
}

/* Take every frame the allocator has: none may be @mfn. They all go back after. */
static void assert_never_allocated(mfn_t mfn)
{
	static struct page_info *taken[FRAMES];
	unsigned int n = 0;

	while ((taken[n] = alloc_pages(0)) != NULL) {
		assert_int_not_equal(page_to_mfn(taken[n]), mfn);
		n++;
	}
	assert_true(n > 0);
	while (n--)
		free_pages(taken[n], 0);
}

/* decrease_reservation of @mfn as the current vCPU's domain: the extents done. */
static long give_back(mfn_t mfn)
{
	xen_pfn_t extent = mfn;
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };

	r.extent_start.p = &extent;
	return do_memory_op(XENMEM_decrease_reservation, (unsigned long)&r);
}

/* XENMEM_exchange of @mfn for one frame, as the current vCPU's domain: its result. */
static long trade(mfn_t mfn)
{
	xen_pfn_t in = mfn, out = 0x100;
	struct xen_memory_exchange x = {
		.in = { .nr_extents = 1, .domid = DOMID_SELF },
		.out = { .nr_extents = 1, .domid = DOMID_SELF },
	};

	x.in.extent_start.p = &in;
	x.out.extent_start.p = &out;
	return do_memory_op(XENMEM_exchange, (unsigned long)&x);
}

/* d2 grants its first frame (entry 8) to d1, which maps it with @flags; the frame. */
static mfn_t grant_mapped(struct domain *d1, struct domain *d2, struct gnttab_map_grant_ref *map,
			  u32 flags)
{
	mfn_t granted = first_frame_of(d2);

	((grant_entry_v1_t *)d2->grant_table->shared[0])[8] =
	    (grant_entry_v1_t){ .flags = GTF_permit_access, .domid = 1, .frame = (u32)granted };
	*map = (struct gnttab_map_grant_ref){
		.host_addr = 0x10000, .flags = flags, .ref = 8, .dom = d2->domain_id
	};
	current = d1->vcpu[0];
	assert_int_equal(do_grant_table_op(GNTTABOP_map_grant_ref, (unsigned long)map, 1), 0);
	assert_int_equal(map->status, GNTST_okay);
	return granted;
}

/* d1 unmaps the mapping @map made. */
static void unmap_grant(struct domain *d1, const struct gnttab_map_grant_ref *map)
{
	struct gnttab_unmap_grant_ref unmap = { .host_addr = 0x10000, .handle = map->handle };

	current = d1->vcpu[0];
	assert_int_equal(do_grant_table_op(GNTTABOP_unmap_grant_ref, (unsigned long)&unmap, 1), 0);
	assert_int_equal(unmap.status, GNTST_okay);
}

/*
 * The granter gives back (decrease_reservation) a frame its grantee maps
 * read-only: the frame keeps its owner and stays counted in the granter's
 * reservation until the unmap, is no longer the granter's to exchange (the
 * mapping's is its only reference), the allocator never hands it out
 * meanwhile, and the unmap frees it. The entry then names a free frame: a
 * map is refused.
 */
static void test_given_back_while_grant_mapped(void **state)
{
	struct domain *d1 = create(1), *d2 = create(2);
	struct gnttab_map_grant_ref map;
	domid_t self = DOMID_SELF;
	mfn_t granted;
	u64 free_before;

	(void)state;
	populate(d2, 4);
	granted = grant_mapped(d1, d2, &map, GNTMAP_host_map | GNTMAP_readonly);
	free_before = buddy_free_count();

	current = d2->vcpu[0];
	assert_int_equal(give_back(granted), 1);
	assert_int_equal(give_back(granted), 1); /* again: done, nothing more happens */
	assert_int_equal(do_memory_op(XENMEM_current_reservation, (unsigned long)&self), 4);
	assert_ptr_equal(frame_table[granted].owner, d2);
	assert_false(frame_table[granted].flags & PGC_allocated);
	assert_int_equal(frame_table[granted].count, 1); /* the mapping's */
	assert_int_equal(trade(granted), -EINVAL);
	assert_ptr_equal(frame_table[granted].owner, d2);
	assert_int_equal(frame_table[granted].count, 1);
	assert_int_equal(buddy_free_count(), free_before);
	assert_never_allocated(granted);

	unmap_grant(d1, &map);
	assert_null(frame_table[granted].owner);
	assert_int_equal(d2->tot_pages, 3);
	assert_int_equal(buddy_free_count(), free_before + 1);
	map.status = 99;
	assert_int_equal(do_grant_table_op(GNTTABOP_map_grant_ref, (unsigned long)&map, 1), 0);
	assert_int_equal(map.status, GNTST_bad_page);
	current = d2->vcpu[0];
	assert_int_equal(give_back(granted), 0); /* not d2's any more */

	current = dom0->vcpu[0];
	destroy_and_reap(d2);
	destroy_and_reap(d1);
}

/*
 * The same frame given back, then its granter destroyed, then unmapped:
 * the dead granter is held by the frame, which the allocator never hands
 * out, and the unmap frees both.
 */
static void test_given_back_then_granter_destroyed(void **state)
{
	u64 free_before = buddy_free_count();
	struct domain *d1 = create(1), *d2 = create(2);
	struct gnttab_map_grant_ref map;
	mfn_t granted;

	(void)state;
	populate(d2, 4);
	granted = grant_mapped(d1, d2, &map, GNTMAP_host_map);
	current = d2->vcpu[0];
	assert_int_equal(give_back(granted), 1);

	current = dom0->vcpu[0];
	destroy_and_reap(d2);
	assert_null(domain_by_id(2));
	assert_int_equal(d2->tot_pages, 1);
	assert_ptr_equal(frame_table[granted].owner, d2);
	assert_never_allocated(granted);

	unmap_grant(d1, &map);
	assert_null(frame_table[granted].owner);
	current = dom0->vcpu[0];
	domain_reap();
	destroy_and_reap(d1);
	assert_int_equal(buddy_free_count(), free_before);
	assert_int_equal(buddy_check(), 0);
}

/* @d as HVM, its p2m mapping GFN i to its i-th frame (@n of them), the rest holes. */
static void make_hvm(struct domain *d, unsigned int n)
{
	unsigned int i = 0;

	d->arch.is_hvm = true;
	for (unsigned int g = 0; g < FAKE_GFNS; g++)
		fake_p2m[g] = INVALID_MFN;
	for (mfn_t mfn = 0; mfn < max_page && i < n; mfn++)
		if (frame_table[mfn].owner == d && (frame_table[mfn].flags & PGC_allocated))
			fake_p2m[i++] = mfn;
	assert_int_equal(i, n);
}

/* decrease_reservation of one extent at @gfn of @order in domain @domid: the extents done. */
static long give_back_gfn(domid_t domid, u64 gfn, unsigned int order)
{
	xen_pfn_t extent = gfn;
	struct xen_memory_reservation r = { .nr_extents = 1,
					    .extent_order = order,
					    .domid = domid };

	r.extent_start.p = &extent;
	return do_memory_op(XENMEM_decrease_reservation, (unsigned long)&r);
}

/*
 * An HVM domain gives frames back by GFN: each leaves the p2m, the CPUs are
 * synced after the entry is gone, and the frame is freed. A hole stops the
 * call (0 done), so does an extent that runs into one (the GFNs before it
 * stay removed, as on Xen); a GFN that happens to equal an MFN the domain
 * owns frees nothing; a domU's extent above order 9 is refused; exchange
 * stays -EOPNOTSUPP; dom0 gives back a domU's GFN.
 */
static void test_hvm_frames_given_back_by_gfn(void **state)
{
	struct domain *d = create(4);
	u64 free_before;
	mfn_t m1, m3;

	(void)state;
	populate(d, 6);
	make_hvm(d, 6);
	m1 = fake_p2m[1];
	m3 = fake_p2m[3];
	free_before = buddy_free_count();
	p2m_syncs = 0;
	current = d->vcpu[0];
	assert_int_equal(give_back_gfn(DOMID_SELF, 1, 0), 1);
	assert_int_equal(fake_p2m[1], INVALID_MFN);
	assert_int_equal(p2m_syncs, 1);
	assert_int_equal(p2m_present_at_sync, 5);
	assert_int_equal(free_at_sync, free_before); /* freed only after the sync */
	assert_null(frame_table[m1].owner);
	assert_int_equal(d->tot_pages, 5);
	assert_int_equal(buddy_free_count(), free_before + 1);

	assert_int_equal(give_back_gfn(DOMID_SELF, 1, 0), 0); /* a hole now */
	assert_int_equal(give_back_gfn(DOMID_SELF, 7, 0), 0); /* never populated */
	assert_int_equal(give_back_gfn(DOMID_SELF, 0, 1), 0); /* runs into GFN 1 */
	assert_int_equal(fake_p2m[0], INVALID_MFN);	      /* GFN 0 went all the same */
	assert_int_equal(give_back_gfn(DOMID_SELF, 2, 1), 1); /* GFNs 2 and 3 */
	assert_null(frame_table[m3].owner);
	assert_int_equal(d->tot_pages, 2);
	assert_int_equal(give_back_gfn(DOMID_SELF, 4, 10), 0); /* past a domU's order 9 */
	assert_int_not_equal(fake_p2m[4], INVALID_MFN);
	assert_int_equal(trade(4), -EOPNOTSUPP);

	current = dom0->vcpu[0];
	assert_int_equal(give_back_gfn(4, 4, 0), 1);
	assert_int_equal(d->tot_pages, 1);
	assert_int_equal(buddy_free_count(), free_before + 5);
	d->arch.is_hvm = false;
	destroy_and_reap(d);
}

/* A frame a backend maps stays the domain's after its GFN is given back, until unmapped. */
static void test_hvm_given_back_while_granted(void **state)
{
	struct domain *d1 = create(1), *d2 = create(2);
	struct gnttab_map_grant_ref map;
	mfn_t granted;
	u64 free_before;

	(void)state;
	populate(d2, 2);
	granted = grant_mapped(d1, d2, &map, GNTMAP_host_map);
	make_hvm(d2, 2);
	assert_int_equal(fake_p2m[0], granted);
	free_before = buddy_free_count();
	current = d2->vcpu[0];
	assert_int_equal(give_back_gfn(DOMID_SELF, 0, 0), 1);
	assert_int_equal(fake_p2m[0], INVALID_MFN);
	assert_ptr_equal(frame_table[granted].owner, d2);
	assert_false(frame_table[granted].flags & PGC_allocated);
	assert_int_equal(buddy_free_count(), free_before);

	unmap_grant(d1, &map);
	assert_null(frame_table[granted].owner);
	assert_int_equal(d2->tot_pages, 1);
	assert_int_equal(buddy_free_count(), free_before + 1);
	d2->arch.is_hvm = false;
	current = dom0->vcpu[0];
	destroy_and_reap(d2);
	destroy_and_reap(d1);
}

/* ---- shutdown and crash ---- */

static void test_domu_shutdown(void **state)
{
	unsigned int exc = bind_dom_exc();
	struct domain *d = create(4);
	struct sched_shutdown code = { .reason = SHUTDOWN_reboot };

	(void)state;
	start(d);
	/* The first code given wins over the later shutdown's reason. */
	current = d->vcpu[0];
	assert_int_equal(do_sched_op(SCHEDOP_shutdown_code, (unsigned long)&code), 0);
	code.reason = SHUTDOWN_poweroff;
	assert_int_equal(do_sched_op(SCHEDOP_shutdown, (unsigned long)&code), 0);
	assert_true(d->is_shutting_down);
	assert_false(d->is_crashed);
	assert_int_equal(d->shutdown_code, SHUTDOWN_reboot);
	assert_false(vcpu_runnable(d->vcpu[0]));
	assert_true(evtchn_is_pending(dom0, exc));
	assert_int_equal(hwdom_ended, 0);
	current = dom0->vcpu[0];
	destroy_and_reap(d);
}

/* A suspend (code 2) and resumedomain: the domain runs on, with no code. */
static void test_suspend_resume(void **state)
{
	struct domain *d = create(5);
	struct sched_shutdown code = { .reason = SHUTDOWN_suspend };

	(void)state;
	start(d);
	current = d->vcpu[0];
	assert_int_equal(do_sched_op(SCHEDOP_shutdown, (unsigned long)&code), 0);
	current = dom0->vcpu[0];
	assert_true(d->is_shutting_down);
	assert_int_equal(d->shutdown_code, SHUTDOWN_suspend);
	assert_false(vcpu_runnable(d->vcpu[0]));
	domain_resume(d);
	assert_false(d->is_shutting_down);
	assert_int_equal(d->shutdown_code, SHUTDOWN_CODE_INVALID);
	assert_true(vcpu_runnable(d->vcpu[0]));
	/* Again: a domain not shut down is left as it is. */
	domain_resume(d);
	assert_true(vcpu_runnable(d->vcpu[0]));
	assert_int_equal(d->pause_count, 0);
	destroy_and_reap(d);
}

static void test_domu_crash(void **state)
{
	struct domain *d = create(6);

	(void)state;
	start(d);
	vcpu_yield();
	schedule(); /* dom0 -> d6 */
	assert_ptr_equal(current, d->vcpu[0]);
	if (!setjmp(escape))
		domain_crash(d, "test crash");
	/* The crashed vCPU never returns; dom0 runs on, the machine too. */
	assert_int_equal(hwdom_ended, 0);
	assert_int_equal(crash_shows, 1);
	assert_true(d->is_crashed);
	assert_int_equal(d->shutdown_code, SHUTDOWN_crash);
	assert_ptr_equal(current, dom0->vcpu[0]);
	assert_true(shim_log_has("Domain 6 crashed: test crash"));
	destroy_and_reap(d);
}

static void test_hwdom_end(void **state)
{
	(void)state;
	if (!setjmp(escape))
		domain_shutdown(dom0, SHUTDOWN_poweroff);
	assert_int_equal(hwdom_ended, 1);
	assert_int_equal(hwdom_reason, SHUTDOWN_poweroff);
	if (!setjmp(escape))
		domain_crash(dom0, "oops");
	assert_int_equal(hwdom_ended, 2);
	assert_int_equal(hwdom_reason, 100 + SHUTDOWN_crash);
	dom0->shutdown_code = SHUTDOWN_CODE_INVALID;
}

/* ---- the scheduler ---- */

static bool never(struct vcpu *v)
{
	(void)v;
	return false;
}

static struct domain *wake_target;

static void raise_event_on_target(void)
{
	evtchn_set_pending(wake_target, 0, 5);
}

static void test_round_robin_and_yield(void **state)
{
	struct domain *a = create(1), *b = create(2);
	struct vcpu *v0 = dom0->vcpu[0];

	(void)state;
	start(a);
	start(b);
	assert_true(sched_need_resched());
	assert_int_equal(a->vcpu[0]->runstate.state, RUNSTATE_runnable);
	vcpu_yield();
	schedule();
	assert_ptr_equal(current, a->vcpu[0]);
	assert_ptr_equal(switched_from, v0);
	assert_int_equal(v0->runstate.state, RUNSTATE_runnable);
	assert_int_equal(a->vcpu[0]->runstate.state, RUNSTATE_running);
	vcpu_yield();
	schedule();
	assert_ptr_equal(current, b->vcpu[0]);
	vcpu_yield();
	schedule();
	assert_ptr_equal(current, v0);
	/* Alone on the queue: a yield keeps running, no switch. */
	domain_pause(a);
	domain_pause(b);
	switches = 0;
	vcpu_yield();
	schedule();
	assert_ptr_equal(current, v0);
	assert_int_equal(switches, 0);
	assert_int_equal(a->vcpu[0]->runstate.state, RUNSTATE_offline);
	domain_unpause(a);
	domain_unpause(b);
	destroy_and_reap(a);
	destroy_and_reap(b);
}

/*
 * A runstate area is a guest virtual address: it is written only while its
 * own domain's page tables are loaded. Changes made from dom0's side (the
 * switch-in, a pause, an unpause) reach it once the vCPU runs.
 */
static void test_runstate_area(void **state)
{
	struct domain *a = create(1);
	struct vcpu *v0 = dom0->vcpu[0], *va = a->vcpu[0];
	struct vcpu_runstate_info area;

	(void)state;
	memset(&area, 0xff, sizeof(area));
	loaded = dom0;
	watched_area = &area;
	watched_owner = a;
	foreign_writes = 0;
	va->runstate_guest = (u64)&area;
	start(a); /* runnable, written from dom0's side: not yet */
	assert_int_equal(area.state, -1);
	vcpu_yield();
	schedule();
	assert_ptr_equal(current, va);
	assert_int_equal(area.state, RUNSTATE_running);
	vcpu_yield();
	schedule(); /* switched out while its own tables are loaded */
	assert_ptr_equal(current, v0);
	assert_int_equal(area.state, RUNSTATE_runnable);
	domain_pause(a);
	assert_int_equal(va->runstate.state, RUNSTATE_offline);
	assert_int_equal(area.state, RUNSTATE_runnable);
	fake_now += 500;
	domain_unpause(a);
	vcpu_yield();
	schedule();
	assert_ptr_equal(current, va);
	assert_int_equal(area.state, RUNSTATE_running);
	assert_true(area.time[RUNSTATE_offline] >= 500); /* the pause, caught up */
	assert_int_equal(foreign_writes, 0);
	vcpu_yield();
	schedule();
	va->runstate_guest = 0;
	watched_area = NULL;
	destroy_and_reap(a);
}

/* What the guest's event handler does: the selector and upcall flag are clear again. */
static void guest_handled_events(struct domain *d)
{
	d->shared_info->evtchn_pending[0] = 0;
	d->vcpu[0]->vcpu_info->evtchn_pending_sel = 0;
	d->vcpu[0]->vcpu_info->evtchn_upcall_pending = 0;
}

static bool upcall_pending(struct vcpu *v)
{
	return v->vcpu_info->evtchn_upcall_pending;
}

/* @a starts and dom0 blocks: @a runs. */
static void dom0_blocks_for(struct domain *a)
{
	start(a);
	vcpu_block(never);
	schedule();
	assert_ptr_equal(current, a->vcpu[0]);
}

static void test_block_wake_idle(void **state)
{
	struct domain *a = create(1);
	struct vcpu *v0 = dom0->vcpu[0], *va = a->vcpu[0];
	u64 t0;

	(void)state;
	dom0_blocks_for(a);
	assert_int_equal(v0->runstate.state, RUNSTATE_blocked);
	/* An event for dom0 wakes it; it runs at the next reschedule (a ran its rate limit). */
	fake_now += SCHED_RATELIMIT_NS;
	evtchn_set_pending(dom0, 0, 3);
	assert_false(v0->pause_flags & VPF_blocked);
	assert_true(sched_need_resched());
	schedule();
	assert_ptr_equal(current, v0);
	guest_handled_events(dom0);
	/* Both block: the CPU idles until an interrupt raises a's port. */
	vcpu_block(never);
	schedule();
	assert_ptr_equal(current, va);
	vcpu_block(never);
	wake_target = a;
	idle_interrupt = raise_event_on_target;
	t0 = va->runstate.time[RUNSTATE_blocked];
	switches = 0;
	schedule();
	assert_ptr_equal(current, va);
	assert_int_equal(switches, 0); /* back to the same vCPU: nothing to load */
	assert_true(va->runstate.time[RUNSTATE_blocked] > t0);
	assert_int_equal(va->runstate.state, RUNSTATE_running);
	/* A block with an event already pending returns at once. */
	vcpu_block(upcall_pending);
	assert_false(va->pause_flags & VPF_blocked);
	assert_false(sched_need_resched());
	/* cpu_time counts running time. */
	t0 = domain_cpu_time(a);
	fake_now += 5000;
	assert_int_equal(domain_cpu_time(a), t0 + 5000);
	idle_interrupt = NULL;
	fake_now += SCHED_RATELIMIT_NS; /* past the running one's rate limit */
	evtchn_set_pending(dom0, 0, 4);
	schedule();
	assert_ptr_equal(current, v0);
	destroy_and_reap(a);
}

/*
 * The CPU idles while freed frames are dirty: it zeroes them, and the
 * interrupt taken at the end of the batch raises an event for a blocked
 * vCPU of this CPU (the wake's kick is that interrupt, already taken). The
 * CPU runs that vCPU instead of halting, even though no dirty frame is left.
 */
static void test_wake_in_scrub_window(void **state)
{
	struct domain *a = create(1);
	struct vcpu *va = a->vcpu[0];
	struct page_info *pg;

	(void)state;
	dom0_blocks_for(a);
	vcpu_block(never);
	pg = alloc_pages(0);
	assert_non_null(pg);
	free_pages(pg, 0);
	assert_true(scrub_pending());
	wake_target = a;
	scrub_interrupt = raise_event_on_target;
	scrub_interrupt_taken = false;
	idle_interrupt = NULL;
	schedule();
	assert_ptr_equal(current, va);
	assert_true(scrub_interrupt_taken);
	assert_false(scrub_pending());
	scrub_interrupt_taken = false;
	fake_now += SCHED_RATELIMIT_NS; /* past a's rate limit */
	evtchn_set_pending(dom0, 0, 4);
	schedule();
	assert_ptr_equal(current, dom0->vcpu[0]);
	guest_handled_events(dom0);
	destroy_and_reap(a);
}

static void test_poll(void **state)
{
	struct domain *a = create(1);
	struct vcpu *va = a->vcpu[0];
	evtchn_port_t ports[1] = { 9 };
	struct sched_poll p = { .nr_ports = 1, .timeout = 0 };

	(void)state;
	start(a);
	vcpu_yield();
	schedule();
	assert_ptr_equal(current, va);
	set_xen_guest_handle(p.ports, ports);
	p.timeout = fake_now + 1000000;
	assert_int_equal(do_sched_op(SCHEDOP_poll, (unsigned long)&p), 0);
	assert_true(va->pause_flags & VPF_blocked);
	assert_true(va->poll_timer.active);
	schedule();
	assert_ptr_equal(current, dom0->vcpu[0]);
	/* Another port, masked (as Linux masks what it polls around), does not wake it. */
	a->shared_info->evtchn_mask[0] |= 1UL << 8;
	evtchn_set_pending(a, 0, 8);
	assert_true(va->pause_flags & VPF_blocked);
	evtchn_set_pending(a, 0, 9);
	assert_false(va->pause_flags & VPF_blocked);
	vcpu_yield();
	schedule();
	assert_ptr_equal(current, va);
	assert_false(va->poll_timer.active); /* stopped once it runs again */
	/* The timeout wakes it too. */
	ports[0] = 10;
	assert_int_equal(do_sched_op(SCHEDOP_poll, (unsigned long)&p), 0);
	schedule();
	va->poll_timer.fn(va->poll_timer.data);
	assert_false(va->pause_flags & VPF_blocked);
	current = dom0->vcpu[0];
	destroy_and_reap(a);
}

static void test_controller_pause(void **state)
{
	struct domain *a = create(1);
	struct domain *born_paused = NULL;

	(void)state;
	start(a);
	vcpu_yield();
	schedule();
	assert_ptr_equal(current, a->vcpu[0]);
	assert_int_equal(domain_pause_by_controller(a), 0);
	assert_true(sched_need_resched());
	schedule();
	assert_ptr_equal(current, dom0->vcpu[0]);
	assert_int_equal(a->vcpu[0]->runstate.state, RUNSTATE_offline);
	assert_int_equal(domain_unpause_by_controller(a), 0);
	assert_int_equal(domain_unpause_by_controller(a), -EINVAL);
	assert_true(a->vcpu[0]->on_runq);
	/* Born paused (createdomain): the controller's unpause lets it run. */
	assert_int_equal(domain_create(2, false, true, &born_paused), 0);
	assert_int_equal(born_paused->controller_pause_count, 1);
	start(born_paused);
	assert_false(born_paused->vcpu[0]->on_runq);
	assert_int_equal(domain_unpause_by_controller(born_paused), 0);
	assert_true(born_paused->vcpu[0]->on_runq);
	destroy_and_reap(born_paused);
	destroy_and_reap(a);
}

/*
 * The toolstack's order: createdomain with no vCPUs (born paused), then
 * max_vcpus makes them, down and carrying the domain's pauses, so that
 * bringing one up does not run it before the controller's unpause. Undone
 * to the page.
 */
static void test_vcpus_made_later(void **state)
{
	u64 free_before = buddy_free_count();
	struct domain *d = NULL;
	struct vcpu *v;

	(void)state;
	assert_int_equal(domain_create_nr(3, false, true, 0, &d), 0);
	assert_null(d->vcpu[0]);
	assert_int_equal(domain_create_vcpus(d, MAX_VIRT_CPUS + 1), -EINVAL);
	assert_int_equal(domain_create_vcpus(d, 1), 0);
	v = d->vcpu[0];
	assert_non_null(v);
	assert_true(v->pause_flags & VPF_down);
	assert_int_equal(v->pause_count, d->pause_count);
	/* Asked again: the same vCPU, nothing new. */
	assert_int_equal(domain_create_vcpus(d, 1), 0);
	assert_ptr_equal(d->vcpu[0], v);
	vcpu_up(v);
	assert_false(v->on_runq);
	assert_int_equal(domain_unpause_by_controller(d), 0);
	assert_true(v->on_runq);
	destroy_and_reap(d);
	assert_int_equal(buddy_free_count(), free_before);
}

/*
 * Placement: vCPU n on the n-th online CPU round robin, vCPU 0 on CPU 0,
 * everything on CPU 0 with vcpus_on_cpu0. A wake of a vCPU placed on
 * another CPU kicks that CPU; the end of such a vCPU makes its CPU forget
 * it; the ones on this CPU need neither.
 */
static void test_placement(void **state)
{
	struct domain *d = NULL;

	(void)state;
	cpu_online_mask = 0x7; /* CPUs 0-2 */
	assert_int_equal(sched_pick_cpu(0), 0);
	assert_int_equal(sched_pick_cpu(1), 1);
	assert_int_equal(sched_pick_cpu(2), 2);
	assert_int_equal(sched_pick_cpu(3), 0);
	assert_int_equal(sched_pick_cpu(4), 1);
	cpu_online_mask = 0x5; /* CPUs 0 and 2 */
	assert_int_equal(sched_pick_cpu(1), 2);
	sched_cpu0_only = true;
	assert_int_equal(sched_pick_cpu(1), 0);
	sched_cpu0_only = false;
	cpu_online_mask = 0x3;
	memset(kicks, 0, sizeof(kicks));
	memset(forgets, 0, sizeof(forgets));
	assert_int_equal(domain_create_nr(4, false, false, 3, &d), 0);
	assert_int_equal(d->vcpu[0]->processor, 0);
	assert_int_equal(d->vcpu[1]->processor, 1);
	assert_int_equal(d->vcpu[2]->processor, 0);
	vcpu_up(d->vcpu[1]);
	assert_true(d->vcpu[1]->on_runq);
	assert_int_equal(kicks[1], 1);
	vcpu_up(d->vcpu[2]);
	assert_int_equal(kicks[0], 0);
	/* An event for a vCPU running on CPU 1 interrupts it there; one not running needs none. */
	vcpu_kick(d->vcpu[1]);
	assert_int_equal(kicks[1], 1);
	d->vcpu[1]->is_running = true;
	vcpu_kick(d->vcpu[1]);
	assert_int_equal(kicks[1], 2);
	d->vcpu[1]->is_running = false;
	destroy_and_reap(d);
	assert_int_equal(forgets[1], 1);
	assert_int_equal(forgets[0], 0);
	cpu_online_mask = 1;
}

/*
 * A vCPU's runstate area (a guest virtual address) is written only while it
 * is current, its own page tables loaded: a wake from another domain, or
 * its switch-in before its tables are, must not write it.
 */
static void test_runstate_area_own_tables(void **state)
{
	static struct vcpu_runstate_info area;
	struct domain *a = create(1);
	struct vcpu *va = a->vcpu[0];

	(void)state;
	memset(&area, 0xa5, sizeof(area));
	va->runstate_guest = (u64)&area;
	start(a);
	assert_int_equal(va->runstate.state, RUNSTATE_runnable);
	assert_int_equal(((const u8 *)&area)[0], 0xa5);
	vcpu_yield();
	schedule();
	assert_ptr_equal(current, va);
	assert_int_equal(area.state, RUNSTATE_running);
	vcpu_yield();
	schedule();
	assert_ptr_equal(current, dom0->vcpu[0]);
	assert_int_equal(area.state, RUNSTATE_runnable); /* written on its way out */
	va->runstate_guest = 0;
	destroy_and_reap(a);
}

/* ---- weights, caps and affinity ---- */

static void set_credit(struct domain *d, u16 weight, u16 cap)
{
	d->sched_weight = weight;
	d->sched_cap = cap;
}

/* CPU-bound vCPUs: every slice ends with a reschedule; @n slices. */
static void run_slices(unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		fake_now += SCHED_SLICE_NS;
		schedule();
	}
}

/*
 * 30 slices of two CPU-bound domains on one CPU, @high of twice @low's
 * weight: @high gets twice @low's time, give or take @slack.
 */
static void run_sharing_1_2(struct domain *low, struct domain *high, u64 slack)
{
	u64 tl = domain_cpu_time(low), th = domain_cpu_time(high);

	run_slices(30);
	tl = domain_cpu_time(low) - tl;
	th = domain_cpu_time(high) - th;
	assert_int_equal(tl + th, 30 * SCHED_SLICE_NS);
	assert_true(th >= 2 * tl - slack && th <= 2 * tl + slack);
}

static void nothing_happens(void)
{
}

/* Weights 256 and 512 on one CPU: 1:2 of its time (dom0 blocked meanwhile). */
static void test_weights(void **state)
{
	struct domain *a = create(1), *b = create(2);
	u64 ta, tb;

	(void)state;
	set_credit(b, 512, 0);
	start(a);
	start(b);
	vcpu_block(never);
	schedule();
	run_sharing_1_2(a, b, SCHED_SLICE_NS);
	/* Equal weights take turns. */
	set_credit(b, 0, 0);
	ta = domain_cpu_time(a);
	tb = domain_cpu_time(b);
	run_slices(20);
	assert_int_equal(domain_cpu_time(a) - ta, domain_cpu_time(b) - tb);
	fake_now += SCHED_RATELIMIT_NS; /* past the running one's rate limit */
	evtchn_set_pending(dom0, 0, 3);
	schedule();
	assert_ptr_equal(current, dom0->vcpu[0]);
	destroy_and_reap(a);
	destroy_and_reap(b);
}

/*
 * dom0 busy alone for a minute (no reschedule in between, so none of that
 * minute charged yet), then the controller unpauses a new domain: the
 * newcomer gets at most a slice before dom0 runs again, not the minute.
 */
static void test_wake_after_long_run(void **state)
{
	struct domain *d = NULL;
	struct vcpu *v0 = dom0->vcpu[0];

	(void)state;
	fake_now += 60 * 1000000000ULL;
	assert_int_equal(domain_create(1, false, true, &d), 0);
	start(d);
	assert_int_equal(domain_unpause_by_controller(d), 0);
	assert_true(sched_need_resched());
	schedule();
	assert_ptr_equal(current, d->vcpu[0]); /* the newcomer first, */
	run_slices(1);
	assert_ptr_equal(current, v0); /* then dom0 after one slice, */
	run_slices(4);
	assert_true(domain_cpu_time(d) <= 3 * SCHED_SLICE_NS); /* and turns after */
	current = v0;
	destroy_and_reap(d);
}

/* The last timer set (the slice timer) fires at @when: the CPU reschedules. */
static void slice_timer_fires(u64 when)
{
	fake_now = when;
	fake_timer_last->fn(fake_timer_last->data);
	assert_true(sched_need_resched());
	schedule();
}

/* dom0, running, handles its events and blocks: @va runs. */
static void dom0_handles_and_blocks(struct vcpu *va)
{
	guest_handled_events(dom0);
	vcpu_block(never);
	schedule();
	assert_ptr_equal(current, va);
}

/*
 * Xen's rate limit: an event wakes dom0 just after a got the CPU; a keeps
 * it until it has run SCHED_RATELIMIT_NS (the slice timer is set for
 * then), and dom0 runs at that reschedule. A wake after that runs at once.
 */
static void test_rate_limit(void **state)
{
	struct domain *a = create(1);
	struct vcpu *v0 = dom0->vcpu[0], *va = a->vcpu[0];
	u64 t0;

	(void)state;
	dom0_blocks_for(a);
	/* Level on a fresh CPU (setup): a's rate limit alone keeps dom0 waiting. */
	assert_int_equal(va->sched_vtime, v0->sched_vtime);
	t0 = fake_now;
	fake_now += SCHED_RATELIMIT_NS / 4;
	evtchn_set_pending(dom0, 0, 3);
	assert_true(sched_need_resched());
	schedule();
	assert_ptr_equal(current, va);
	assert_true(fake_timer_last->active);
	assert_int_equal(fake_timer_last->expires, t0 + SCHED_RATELIMIT_NS);
	slice_timer_fires(t0 + SCHED_RATELIMIT_NS);
	assert_ptr_equal(current, v0);
	dom0_handles_and_blocks(va);
	fake_now += SCHED_RATELIMIT_NS;
	evtchn_set_pending(dom0, 0, 3);
	schedule();
	assert_ptr_equal(current, v0);
	destroy_and_reap(a);
}

/*
 * An event for dom0 @after ns into the running vCPU's turn, which began at
 * the returned time: with sched_wake_ratelimit it asks for no reschedule.
 */
static u64 deferred_wake_after(u64 after)
{
	u64 t0 = fake_now;

	fake_now += after;
	evtchn_set_pending(dom0, 0, 3);
	assert_false(sched_need_resched());
	return t0;
}

/*
 * The sched_wake_ratelimit option, credit2's wake rule: a wake inside the
 * running vCPU's rate limit asks for no reschedule; the woken one runs when
 * the running one blocks, or when the slice timer ends its turn
 * SCHED_WAKE_WAIT_NS after it began. A wake after the rate limit still runs
 * at once.
 */
static void test_wake_ratelimit(void **state)
{
	struct domain *a = create(1);
	struct vcpu *v0 = dom0->vcpu[0], *va = a->vcpu[0];
	u64 t0;

	(void)state;
	sched_wake_ratelimit = true;
	dom0_blocks_for(a);
	t0 = deferred_wake_after(SCHED_RATELIMIT_NS / 4);
	assert_int_equal(v0->runstate.state, RUNSTATE_runnable);
	assert_true(fake_timer_last->active);
	assert_int_equal(fake_timer_last->expires, t0 + SCHED_WAKE_WAIT_NS);
	fake_now = t0 + SCHED_RATELIMIT_NS; /* past the 1 ms: a keeps its CPU */
	assert_false(sched_need_resched());
	slice_timer_fires(t0 + SCHED_WAKE_WAIT_NS);
	assert_ptr_equal(current, v0);
	/* a's turn ends early when it blocks: dom0, woken meanwhile, runs then. */
	dom0_handles_and_blocks(va);
	deferred_wake_after(SCHED_RATELIMIT_NS / 2);
	vcpu_block(never);
	schedule();
	assert_ptr_equal(current, v0);
	/* After the rate limit a wake preempts, as without the option. */
	vcpu_unblock(va);
	dom0_handles_and_blocks(va);
	fake_now += SCHED_RATELIMIT_NS;
	evtchn_set_pending(dom0, 0, 3);
	assert_true(sched_need_resched());
	schedule();
	assert_ptr_equal(current, v0);
	sched_wake_ratelimit = false;
	destroy_and_reap(a);
}

/*
 * sched_wake_wait_us: a deferred wake waits at most that long after it
 * came, so a wake late in the running vCPU's rate limit waits less than
 * one early in it; the bound from the running one's start still holds.
 */
static void test_wake_wait(void **state)
{
	struct domain *a = create(1);
	struct vcpu *v0 = dom0->vcpu[0], *va = a->vcpu[0];
	u64 t0;

	(void)state;
	sched_wake_ratelimit = true;
	sched_wake_wait_ns = 2 * SCHED_RATELIMIT_NS;
	dom0_blocks_for(a);
	t0 = deferred_wake_after(SCHED_RATELIMIT_NS / 2);
	assert_int_equal(fake_timer_last->expires,
			 t0 + SCHED_RATELIMIT_NS / 2 + 2 * SCHED_RATELIMIT_NS);
	slice_timer_fires(fake_timer_last->expires);
	assert_ptr_equal(current, v0);
	/* A wait longer than the bound from the start: that bound ends it. */
	sched_wake_wait_ns = SCHED_WAKE_WAIT_NS;
	dom0_handles_and_blocks(va);
	t0 = deferred_wake_after(SCHED_RATELIMIT_NS / 2);
	assert_int_equal(fake_timer_last->expires, t0 + SCHED_WAKE_WAIT_NS);
	vcpu_block(never);
	schedule();
	assert_ptr_equal(current, v0);
	sched_wake_ratelimit = false;
	destroy_and_reap(a);
}

/* sched_preempt_spin's look @look, due at @when, fires then (disarmed first, as timer.c does). */
static void spin_look_fires(struct timer *look, u64 when)
{
	assert_true(look->active);
	assert_int_equal(look->expires, when);
	fake_now = when;
	look->active = false;
	look->fn(look->data);
}

/*
 * sched_preempt_spin (with sched_wake_ratelimit): a vCPU that keeps its CPU
 * through a deferred wake and makes no hypercall for SCHED_RATELIMIT_NS
 * after it is preempted then; one that makes hypercalls is looked at again
 * each SCHED_RATELIMIT_NS and keeps its CPU while it does.
 */
static void test_preempt_spin(void **state)
{
	struct domain *a = create(1);
	struct vcpu *v0 = dom0->vcpu[0], *va = a->vcpu[0];
	struct timer *look;
	u64 t0 = fake_now, wake;

	(void)state;
	sched_wake_ratelimit = sched_preempt_spin = true;
	start(a); /* a's wake is deferred: dom0 is watched */
	look = fake_timer_last;
	vcpu_block(never);
	schedule();
	assert_ptr_equal(current, va);
	/* The look armed then is kept: early for a's watch, it moves to 1 ms after this wake. */
	wake = deferred_wake_after(SCHED_RATELIMIT_NS / 4) + SCHED_RATELIMIT_NS / 4;
	spin_look_fires(look, t0 + SCHED_RATELIMIT_NS);
	assert_false(sched_need_resched());
	spin_look_fires(look, wake + SCHED_RATELIMIT_NS);
	assert_true(sched_need_resched());
	schedule();
	assert_ptr_equal(current, v0);
	/* a makes a hypercall in its first 1 ms after the wake, none in the second. */
	dom0_handles_and_blocks(va);
	wake = deferred_wake_after(SCHED_RATELIMIT_NS / 4) + SCHED_RATELIMIT_NS / 4;
	fake_hypercalls++;
	spin_look_fires(look, wake + SCHED_RATELIMIT_NS);
	assert_false(sched_need_resched());
	spin_look_fires(look, wake + 2 * SCHED_RATELIMIT_NS);
	assert_true(sched_need_resched());
	schedule();
	assert_ptr_equal(current, v0);
	sched_wake_ratelimit = sched_preempt_spin = false;
	destroy_and_reap(a);
}

/*
 * sched_credit2_turns (with sched_wake_ratelimit), credit2's bounds: a
 * vCPU that slept while dom0 ran 100 ms wakes at most SCHED_WAKE_WAIT_NS
 * ahead of it (credit2 clips a sleeper's credit), and its turn while dom0 waits lasts until their
 * weighed times are level, so dom0, preempted, is back after those 10 ms
 * (a slice, 30 ms, without the option). A smaller lead gives a shorter turn,
 * but never under the rate limit.
 */
static void test_wake_lead(void **state)
{
	struct domain *a = create(1);
	struct vcpu *v0 = dom0->vcpu[0], *va = a->vcpu[0];
	u64 t0;

	(void)state;
	sched_wake_ratelimit = sched_credit2_turns = true;
	dom0_blocks_for(a);
	va->periodic_period = v0->periodic_period = 0; /* the last timer set is the slice's */
	deferred_wake_after(SCHED_RATELIMIT_NS / 4);
	vcpu_block(never);
	schedule();
	assert_ptr_equal(current, v0);
	fake_now += 100 * SCHED_RATELIMIT_NS; /* dom0 runs alone */
	t0 = fake_now;
	vcpu_unblock(va);
	assert_true(sched_need_resched());
	schedule();
	assert_ptr_equal(current, va);
	assert_int_equal(v0->sched_vtime - va->sched_vtime, SCHED_WAKE_WAIT_NS);
	assert_int_equal(fake_timer_last->expires, t0 + SCHED_WAKE_WAIT_NS);
	slice_timer_fires(t0 + SCHED_WAKE_WAIT_NS);
	assert_ptr_equal(current, v0);
	/* a blocks again after 1 ms of dom0's; 3 ms later it leads by 2 ms. */
	fake_now += SCHED_RATELIMIT_NS;
	vcpu_unblock(va);
	schedule();
	assert_ptr_equal(current, va);
	t0 = fake_now;
	fake_now += SCHED_RATELIMIT_NS / 2;
	vcpu_block(never);
	schedule();
	assert_ptr_equal(current, v0);
	fake_now += 3 * SCHED_RATELIMIT_NS;
	t0 = fake_now;
	vcpu_unblock(va);
	schedule();
	assert_ptr_equal(current, va);
	assert_int_equal(fake_timer_last->expires, t0 + v0->sched_vtime - va->sched_vtime);
	sched_wake_ratelimit = sched_credit2_turns = false;
	destroy_and_reap(a);
}

/*
 * A cap of 50 alone on a CPU: it runs half of each cap period, the CPU
 * idles the rest (the idle loop's 1 us ticks stand for the timer that ends
 * the wait; a 1 ms step stands for each slice-timer reschedule).
 */
static void test_cap(void **state)
{
	struct domain *a = create(1);
	u64 ta, t0, idle0;

	(void)state;
	/* At a cap period's start: the measured span then ends as a period ends. */
	fake_now += SCHED_CAP_PERIOD_NS - fake_now % SCHED_CAP_PERIOD_NS;
	set_credit(a, 0, 50);
	start(a);
	vcpu_block(never);
	schedule();
	assert_ptr_equal(current, a->vcpu[0]);
	idle_interrupt = nothing_happens;
	ta = domain_cpu_time(a);
	t0 = fake_now;
	idle0 = sched_idle_time(0);
	for (unsigned int i = 0; i < 10 * SCHED_CAP_PERIOD_NS / 2 / 1000000; i++) {
		fake_now += 1000000; /* 1 ms */
		schedule();
	}
	ta = domain_cpu_time(a) - ta;
	t0 = fake_now - t0;
	assert_true(2 * ta >= t0 - 4000000 && 2 * ta <= t0 + 4000000);
	assert_true(t0 >= 9 * SCHED_CAP_PERIOD_NS);
	assert_true(sched_idle_time(0) - idle0 + ta == t0);
	/* No cap: all of it. */
	set_credit(a, 0, 0);
	ta = domain_cpu_time(a);
	for (unsigned int i = 0; i < 30; i++) {
		fake_now += 1000000;
		schedule();
	}
	assert_true(domain_cpu_time(a) - ta >= 29000000);
	idle_interrupt = NULL;
	fake_now += SCHED_RATELIMIT_NS; /* past the running one's rate limit */
	evtchn_set_pending(dom0, 0, 3);
	schedule();
	assert_ptr_equal(current, dom0->vcpu[0]);
	destroy_and_reap(a);
}

static long set_hard_affinity(domid_t dom, unsigned int vcpu, u8 cpus);

/*
 * Hard affinity: a queued vCPU whose CPU leaves it moves to one in it (its
 * state saved where it was); the running one moves at its next reschedule.
 */
static void test_affinity_moves(void **state)
{
	struct domain *a = create(1);
	struct vcpu *va = a->vcpu[0], *v0 = dom0->vcpu[0];

	(void)state;
	cpu_online_mask = 0x3;
	memset(kicks, 0, sizeof(kicks));
	memset(saves, 0, sizeof(saves));
	start(a);
	assert_int_equal(va->processor, 0);
	assert_int_equal(set_hard_affinity(1, 0, 0x2), 0);
	assert_int_equal(va->processor, 1);
	assert_true(va->on_runq);
	assert_int_equal(saves[0], 1);
	assert_int_equal(kicks[1], 1);
	/* Already on an allowed CPU: nothing moves. */
	assert_int_equal(set_hard_affinity(1, 0, 0x3), 0);
	assert_int_equal(va->processor, 1);
	assert_int_equal(saves[0], 1);
	assert_int_equal(set_hard_affinity(1, 0, 0x1), 0);
	assert_int_equal(va->processor, 0);
	/* dom0 pins itself away from CPU 0: a runs here, dom0 waits on CPU 1. */
	assert_int_equal(set_hard_affinity(0, 0, 0x2), 0);
	assert_int_equal(v0->processor, 0);
	assert_true(sched_need_resched());
	schedule();
	assert_ptr_equal(current, va);
	assert_ptr_equal(switched_from, NULL); /* dom0's state was saved by the move */
	assert_int_equal(v0->processor, 1);
	assert_true(v0->on_runq);
	assert_int_equal(v0->runstate.state, RUNSTATE_runnable);
	assert_int_equal(kicks[1], 2);
	/* Back on CPU 0 (a is the caller now, so not through domctl). */
	v0->hard_affinity = 0x1;
	sched_affinity_changed(v0);
	assert_int_equal(v0->processor, 0);
	vcpu_yield();
	schedule();
	assert_ptr_equal(current, v0);
	destroy_and_reap(a);
	cpu_online_mask = 1;
}

static struct domain *move_here_dom;

/* The idle CPU's interrupt: the controller pins @move_here_dom's vCPU to CPU 0. */
static void move_here(void)
{
	idle_interrupt = NULL;
	assert_int_equal(set_hard_affinity(move_here_dom->domain_id, 0, 0x1), 0);
}

/*
 * dom0 runs alone for a minute (charged at a reschedule) and blocks; its
 * CPU idles until @interrupt makes @v runnable there, and @v runs.
 */
static void dom0_minute_then_idle(void (*interrupt)(void), struct vcpu *v)
{
	fake_now += 60 * 1000000000ULL;
	schedule();
	assert_ptr_equal(current, dom0->vcpu[0]);
	vcpu_block(never);
	idle_interrupt = interrupt;
	schedule();
	assert_ptr_equal(current, v);
}

/*
 * A vCPU moved to an idle CPU (nothing running or queued there) starts
 * level with the vCPU that ran there last, not from 0: dom0 ran on CPU 0
 * for a minute and blocked, a (queued on CPU 1) is pinned to CPU 0 while
 * it idles and stays busy; dom0, woken, runs at the next reschedule, not
 * after a has run a minute.
 */
static void test_move_to_idle_cpu(void **state)
{
	struct domain *a = create(1);
	struct vcpu *v0 = dom0->vcpu[0], *va = a->vcpu[0];
	u64 t0;

	(void)state;
	cpu_online_mask = 0x3;
	start(a);
	assert_int_equal(set_hard_affinity(1, 0, 0x2), 0);
	assert_int_equal(va->processor, 1);
	move_here_dom = a;
	dom0_minute_then_idle(move_here, va);
	assert_int_equal(va->processor, 0);
	fake_now += SCHED_RATELIMIT_NS; /* past a's rate limit */
	evtchn_set_pending(dom0, 0, 3);
	schedule();
	assert_ptr_equal(current, v0);
	t0 = domain_cpu_time(a);
	run_slices(4);
	assert_true(domain_cpu_time(a) - t0 <= 2 * SCHED_SLICE_NS); /* then turns */
	current = v0;
	destroy_and_reap(a);
	cpu_online_mask = 1;
}

/*
 * A vCPU that slept while another ran long on its CPU, woken while that CPU
 * idles, starts at most a slice below the one that ran there last: a
 * (weight 512) blocks, dom0 runs alone for a minute and blocks, an
 * interrupt wakes a on the idle CPU, then dom0 wakes. From there they share
 * the CPU 2:1, a not holding it for dom0's minute.
 */
static void test_wake_on_idle_cpu(void **state)
{
	struct domain *a = create(1);
	struct vcpu *v0 = dom0->vcpu[0], *va = a->vcpu[0];

	(void)state;
	set_credit(a, 512, 0);
	dom0_blocks_for(a);
	fake_now += SCHED_RATELIMIT_NS;
	evtchn_set_pending(dom0, 0, 3);
	vcpu_block(never); /* a sleeps */
	schedule();
	assert_ptr_equal(current, v0);
	guest_handled_events(dom0);
	wake_target = a;
	dom0_minute_then_idle(raise_event_on_target, va);
	idle_interrupt = NULL;
	fake_now += SCHED_RATELIMIT_NS; /* past a's rate limit */
	evtchn_set_pending(dom0, 0, 3);
	run_sharing_1_2(dom0, a, 2 * SCHED_SLICE_NS);
	if (current == va) {
		vcpu_block(never); /* off the CPU before its end */
		schedule();
	}
	assert_ptr_equal(current, v0);
	destroy_and_reap(a);
}

static void assert_timers_on(const struct vcpu *v, unsigned int cpu)
{
	assert_int_equal(v->singleshot_timer.cpu, cpu);
	assert_int_equal(v->periodic_timer.cpu, cpu);
	assert_int_equal(v->poll_timer.cpu, cpu);
}

/*
 * A vCPU's timers live on its CPU: a secondary vCPU's from the start (vCPU
 * 0 on CPU 0 brings it up), and any vCPU's after an affinity change moves
 * it, an armed singleshot timer still armed for the same time.
 */
static void test_timers_follow_vcpu(void **state)
{
	struct domain *d = NULL;
	struct vcpu *v0, *v1;
	u64 when = fake_now + 5000;

	(void)state;
	cpu_online_mask = 0x3;
	assert_int_equal(domain_create_nr(4, false, false, 2, &d), 0);
	v0 = d->vcpu[0];
	v1 = d->vcpu[1];
	vcpu_up(v0);
	vcpu_timers_init(v1);
	assert_timers_on(v0, 0);
	assert_timers_on(v1, 1);
	set_timer(&v0->singleshot_timer, when);
	assert_int_equal(set_hard_affinity(4, 0, 0x2), 0);
	assert_int_equal(v0->processor, 1);
	assert_timers_on(v0, 1);
	assert_true(v0->singleshot_timer.active);
	assert_int_equal(v0->singleshot_timer.expires, when);
	assert_int_equal(set_hard_affinity(4, 1, 0x1), 0);
	assert_int_equal(v1->processor, 0);
	assert_timers_on(v1, 0);
	assert_int_equal(set_hard_affinity(4, 0, 0x1), 0);
	assert_timers_on(v0, 0);
	destroy_and_reap(d);
	cpu_online_mask = 1;
}

static long domctl(unsigned int cmd, domid_t dom, struct xen_domctl *op)
{
	op->cmd = cmd;
	op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	op->domain = dom;
	return do_domctl((unsigned long)op);
}

static long set_hard_affinity(domid_t dom, unsigned int vcpu, u8 cpus)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.u.vcpuaffinity.vcpu = vcpu;
	op.u.vcpuaffinity.flags = XEN_VCPUAFFINITY_HARD;
	op.u.vcpuaffinity.cpumap_hard.bitmap.p = &cpus;
	op.u.vcpuaffinity.cpumap_hard.nr_bits = 8;
	return domctl(XEN_DOMCTL_setvcpuaffinity, dom, &op);
}

static void create_config(struct xen_domctl *op)
{
	memset(op, 0, sizeof(*op));
	op->u.createdomain.max_vcpus = 1;
	op->u.createdomain.max_grant_frames = -1;
	op->u.createdomain.max_maptrack_frames = -1;
	op->u.createdomain.grant_opts = 1;
}

/*
 * The toolstack's ops through the dispatcher: Xen's order of refusals
 * (version, then the domain, then the caller), the id rover (moved also by
 * a refused configuration), -EEXIST, vCPUs from max_vcpus, destroy.
 */
static void test_domctl_lifecycle(void **state)
{
	u64 free_before = buddy_free_count();
	struct xen_domctl op;
	struct domain *d, *u = create(7);
	domid_t id;

	(void)state;
	create_config(&op);
	op.interface_version = 0x14;
	op.cmd = XEN_DOMCTL_createdomain;
	assert_int_equal(do_domctl((unsigned long)&op), -EACCES);
	create_config(&op);
	assert_int_equal(domctl(XEN_DOMCTL_createdomain, 0, &op), 0);
	id = op.domain;
	assert_true(id != 0 && id != 7);
	d = domain_by_id(id);
	assert_non_null(d);
	assert_int_equal(d->controller_pause_count, 1);
	assert_null(d->vcpu[0]);
	create_config(&op);
	assert_int_equal(domctl(XEN_DOMCTL_createdomain, id, &op), -EEXIST);
	create_config(&op);
	op.u.createdomain.flags = XEN_DOMCTL_CDF_hap;
	assert_int_equal(domctl(XEN_DOMCTL_createdomain, 0, &op), -EINVAL);
	create_config(&op);
	op.u.createdomain.arch.emulation_flags = XEN_X86_EMU_LAPIC;
	assert_int_equal(domctl(XEN_DOMCTL_createdomain, 0, &op), -EOPNOTSUPP);
	/* Each refused one used an id: the next is three on (7 is taken and skipped). */
	create_config(&op);
	assert_int_equal(domctl(XEN_DOMCTL_createdomain, 0, &op), 0);
	assert_int_equal(op.domain, id + 3 + (id < 7 && id + 3 >= 7));
	assert_int_equal(domctl(XEN_DOMCTL_destroydomain, op.domain, &op), 0);
	/* max_vcpus: the count createdomain was given, then the vCPU exists, down. */
	memset(&op, 0, sizeof(op));
	op.u.max_vcpus.max = 2;
	assert_int_equal(domctl(XEN_DOMCTL_max_vcpus, id, &op), -EINVAL);
	op.u.max_vcpus.max = 1;
	assert_int_equal(domctl(XEN_DOMCTL_max_vcpus, id, &op), 0);
	assert_non_null(d->vcpu[0]);
	assert_true(d->vcpu[0]->pause_flags & VPF_down);
	/* A guest: a missing domain is still -ESRCH, an existing one -EPERM. */
	current = u->vcpu[0];
	assert_int_equal(domctl(XEN_DOMCTL_max_mem, 0x7000, &op), -ESRCH);
	assert_int_equal(domctl(XEN_DOMCTL_max_mem, id, &op), -EPERM);
	create_config(&op);
	assert_int_equal(domctl(XEN_DOMCTL_createdomain, 0, &op), -EPERM);
	current = dom0->vcpu[0];
	/* Destroy: not oneself; the new domain gives everything back. */
	assert_int_equal(domctl(XEN_DOMCTL_destroydomain, 0, &op), -EINVAL);
	assert_int_equal(domctl(XEN_DOMCTL_destroydomain, id, &op), 0);
	assert_null(domain_by_id(id));
	assert_int_equal(domctl(XEN_DOMCTL_destroydomain, id, &op), -ESRCH);
	destroy_and_reap(u);
	assert_int_equal(buddy_free_count(), free_before);
}

/*
 * A destroy preempted after every batch: the domain stays listed, dying,
 * without the dying flag, refusing new ports and frame references; every
 * frame is accounted for at every step (freed or still in tot_pages), a
 * frame mapped elsewhere is kept across the steps, a second kill goes on
 * with the work, and the end gives everything back to the page.
 */
static void test_destroy_preempted(void **state)
{
	u64 free_before = buddy_free_count();
	struct domain *d = create(4);
	struct xen_domctl_getdomaininfo info;
	struct evtchn_alloc_unbound au = { .dom = 4, .remote_dom = 0 };
	unsigned int restarts = 0;
	u64 pages, mid_free;
	mfn_t held;
	int rc;

	(void)state;
	start(d);
	populate(d, 1000);
	for (unsigned int i = 0; i < 100; i++)
		assert_int_equal(evtchn_op(dom0->vcpu[0], EVTCHNOP_alloc_unbound, &au), 0);
	held = first_frame_of(d);
	frame_table[held].count++; /* a mapping elsewhere */
	pages = d->tot_pages;
	mid_free = buddy_free_count();
	preempt_always = true;
	while ((rc = domain_kill(d)) == -ERESTART) {
		restarts++;
		assert_ptr_equal(domain_by_id(4), d);
		assert_int_equal(d->is_dying, DOMDYING_dying);
		getdomaininfo(d, &info);
		assert_false(info.flags & XEN_DOMINF_dying);
		assert_int_equal(info.tot_pages, d->tot_pages);
		assert_int_equal(buddy_free_count() - mid_free, pages - d->tot_pages);
		assert_int_equal(evtchn_op(dom0->vcpu[0], EVTCHNOP_alloc_unbound, &au), -EINVAL);
	}
	preempt_always = false;
	assert_int_equal(rc, 0);
	/* Ports: ceil(100 / 64); frames: ceil(1000 / 64), less the last batch's. */
	assert_true(restarts >= 1 + 15);
	assert_null(domain_by_id(4));
	assert_int_equal(d->is_dying, DOMDYING_dead);
	assert_int_equal(domain_kill(d), 0); /* dead: nothing more to do */
	assert_int_equal(d->tot_pages, 1);
	assert_ptr_equal(frame_table[held].owner, d);
	pv_put_page(&frame_table[held]);
	domain_reap();
	assert_int_equal(buddy_free_count(), free_before);
	assert_int_equal(buddy_check(), 0);
}

/*
 * The page tables' pins go KILL_BATCH (64) at a time between preemption
 * checks, each exactly once, the kill resuming where it stopped; every
 * frame comes back in the end.
 */
static void test_destroy_unpin_preempted(void **state)
{
	u64 free_before = buddy_free_count();
	struct domain *d = create(4);
	unsigned int pinned = 0, seen[4] = { 0 }, nseen = 0;
	int rc;

	(void)state;
	start(d);
	populate(d, 300);
	for (struct page_info *pg = d->page_list; pg && pinned < 200; pg = pg->next, pinned++) {
		pg->flags |= PGC_pinned;
		pg->type = PGT_l4_page_table;
		pg->type_count = 1;
		pg->count++;
	}
	tables_unpinned = 0;
	preempt_always = true;
	while ((rc = domain_kill(d)) == -ERESTART)
		if (tables_unpinned && tables_unpinned < 200 && nseen < 4)
			seen[nseen++] = tables_unpinned;
	preempt_always = false;
	assert_int_equal(rc, 0);
	assert_int_equal(tables_unpinned, 200);
	assert_int_equal(nseen, 3);
	assert_int_equal(seen[0], 64);
	assert_int_equal(seen[1], 128);
	assert_int_equal(seen[2], 192);
	assert_null(d->kill_cursor);
	domain_reap();
	assert_int_equal(buddy_free_count(), free_before);
	assert_int_equal(buddy_check(), 0);
}

/* A domain that used a few ports is closed in a few visits, not 4095. */
static void test_destroy_visits_used_ports(void **state)
{
	struct domain *d = create(4);
	struct evtchn_alloc_unbound au = { .dom = 4, .remote_dom = 0 };

	(void)state;
	for (unsigned int i = 0; i < 3; i++)
		assert_int_equal(evtchn_op(dom0->vcpu[0], EVTCHNOP_alloc_unbound, &au), 0);
	assert_int_equal(au.port, 3);
	assert_int_equal(d->evtchn_hwm, 4);
	assert_false(evtchn_close_some(d, 2));
	assert_true(evtchn_close_some(d, 1));
	assert_int_equal(d->evtchn_hwm, 0);
	destroy_and_reap(d);
}

/*
 * destroydomain through the dispatcher, preempted: continued (the fake
 * continuation answers the hypercall number) until done; a dying domain
 * refuses setvcpucontext; a destroy of it from elsewhere goes on with it.
 */
static void test_domctl_destroy_continued(void **state)
{
	u64 free_before = buddy_free_count();
	struct domain *d = create(6);
	struct xen_domctl op;
	unsigned int continued = 0;
	long rc;

	(void)state;
	populate(d, 300);
	memset(&op, 0, sizeof(op));
	preempt_always = true;
	while ((rc = domctl(XEN_DOMCTL_destroydomain, 6, &op)) == __HYPERVISOR_domctl) {
		continued++;
		assert_int_equal(domctl(XEN_DOMCTL_setvcpucontext, 6, &op), -EINVAL);
		if (continued == 2)
			assert_int_equal(domain_kill(d), -ERESTART); /* another caller's turn */
	}
	preempt_always = false;
	assert_int_equal(rc, 0);
	assert_true(continued >= 3);
	assert_int_equal(domctl(XEN_DOMCTL_destroydomain, 6, &op), -ESRCH);
	domain_reap();
	assert_int_equal(buddy_free_count(), free_before);
}

/*
 * XEN_DOMCTL_soft_reset: refused (-EINVAL) for a running domain, dom0
 * itself, a shut-down one without the toolstack's pause, and when the arch
 * part refuses (the domain stays shut down with its code); then done: the
 * guest's ports closed (dom0's peer unbound again, the table back to its
 * start), its runstate area forgotten, no longer shut down, running once
 * the toolstack unpauses it. Many ports close over continuations.
 */
static void test_soft_reset(void **state)
{
	struct domain *d = create(4);
	struct sched_shutdown code = { .reason = SHUTDOWN_soft_reset };
	struct evtchn_alloc_unbound au = { .dom = 4, .remote_dom = 0 };
	struct evtchn_bind_interdomain bi = { .remote_dom = 4 };
	struct evtchn_status st = { .dom = DOMID_SELF };
	struct xen_domctl op;
	unsigned int continued = 0;
	long rc;

	(void)state;
	start(d);
	for (unsigned int i = 0; i < 100; i++)
		assert_int_equal(evtchn_op(dom0->vcpu[0], EVTCHNOP_alloc_unbound, &au), 0);
	bi.remote_port = au.port;
	assert_int_equal(evtchn_op(dom0->vcpu[0], EVTCHNOP_bind_interdomain, &bi), 0);
	memset(&op, 0, sizeof(op));
	assert_int_equal(domctl(XEN_DOMCTL_soft_reset, 4, &op), -EINVAL);
	assert_int_equal(domctl(XEN_DOMCTL_soft_reset, 0, &op), -EINVAL);
	assert_int_equal(domctl(XEN_DOMCTL_soft_reset, 9, &op), -ESRCH);
	current = d->vcpu[0];
	assert_int_equal(do_sched_op(SCHEDOP_shutdown, (unsigned long)&code), 0);
	current = dom0->vcpu[0];
	d->vcpu[0]->runstate_guest = 0x1000;
	assert_int_equal(domctl(XEN_DOMCTL_soft_reset, 4, &op), -EINVAL);
	assert_int_equal(domain_pause_by_controller(d), 0);
	arch_soft_reset_rc = -EINVAL;
	assert_int_equal(domctl(XEN_DOMCTL_soft_reset, 4, &op), -EINVAL);
	arch_soft_reset_rc = 0;
	assert_true(d->is_shutting_down);
	assert_int_equal(d->shutdown_code, SHUTDOWN_soft_reset);
	/* The refused reset closed the ports already (as Xen's): open more. */
	for (unsigned int i = 0; i < 100; i++)
		assert_int_equal(evtchn_op(dom0->vcpu[0], EVTCHNOP_alloc_unbound, &au), 0);
	preempt_always = true;
	while ((rc = domctl(XEN_DOMCTL_soft_reset, 4, &op)) == __HYPERVISOR_domctl)
		continued++;
	preempt_always = false;
	assert_int_equal(rc, 0);
	assert_true(continued >= 1);
	assert_false(d->is_shutting_down);
	assert_int_equal(d->shutdown_code, SHUTDOWN_CODE_INVALID);
	assert_int_equal(d->evtchn_hwm, 0);
	assert_int_equal(d->vcpu[0]->runstate_guest, 0);
	st.port = bi.local_port;
	assert_int_equal(evtchn_op(dom0->vcpu[0], EVTCHNOP_status, &st), 0);
	assert_int_equal(st.status, EVTCHNSTAT_unbound);
	assert_int_equal(st.u.unbound.dom, 4);
	assert_false(vcpu_runnable(d->vcpu[0]));
	assert_int_equal(domain_unpause_by_controller(d), 0);
	assert_true(vcpu_runnable(d->vcpu[0]));
	assert_int_equal(evtchn_op(dom0->vcpu[0], EVTCHNOP_close, &bi.local_port), 0);
	destroy_and_reap(d);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_registry),
		T(test_references),
		T(test_destroy_exact),
		T(test_create_fails_cleanly),
		T(test_destroy_keeps_foreign_held),
		T(test_destroy_preempted),
		T(test_destroy_unpin_preempted),
		T(test_destroy_visits_used_ports),
		T(test_domctl_destroy_continued),
		T(test_destroy_holds_given_back_frame),
		T(test_destroy_held_frames_last_put),
		T(test_given_back_while_grant_mapped),
		T(test_given_back_then_granter_destroyed),
		T(test_hvm_frames_given_back_by_gfn),
		T(test_hvm_given_back_while_granted),
		T(test_destroy_granter_while_mapped),
		T(test_destroy_keeps_mapped_shared_info),
		T(test_domu_shutdown),
		T(test_suspend_resume),
		T(test_soft_reset),
		T(test_domu_crash),
		T(test_hwdom_end),
		T(test_round_robin_and_yield),
		T(test_runstate_area),
		T(test_block_wake_idle),
		T(test_wake_in_scrub_window),
		T(test_timers_follow_vcpu),
		T(test_move_to_idle_cpu),
		T(test_wake_on_idle_cpu),
		T(test_poll),
		T(test_controller_pause),
		T(test_vcpus_made_later),
		T(test_placement),
		T(test_runstate_area_own_tables),
		T(test_weights),
		T(test_wake_after_long_run),
		T(test_rate_limit),
		T(test_wake_ratelimit),
		T(test_wake_wait),
		T(test_preempt_spin),
		T(test_wake_lead),
		T(test_cap),
		T(test_affinity_moves),
		T(test_domctl_lifecycle),
	};

	/* UNIT_TEST_FILTER=test_rate_limit: that test alone (a glob). */
	if (getenv("UNIT_TEST_FILTER"))
		cmocka_set_test_filter(getenv("UNIT_TEST_FILTER"));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
