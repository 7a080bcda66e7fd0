/*
 * Domains: the registry (by id, and as a list in id order), references,
 * creation, pause, shutdown, crash and destruction. docs/design.md
 * ("Domains") states the rules; in short:
 *
 * - The registry holds one reference to each domain it lists. Lookups hand
 *   out borrowed pointers that stay valid until the current hypercall or
 *   interrupt ends: a domain whose last reference goes is queued, and only
 *   domain_reap() (a quiescent point on the way back to a guest) frees it.
 * - domain_create() runs its init steps in order; domain_destroy() (and a
 *   failed create) undoes exactly the steps done, in reverse, and gives
 *   back every frame, grant, event channel, timer and PIRQ.
 * - Only the hardware domain's end stops the machine. Any other domain
 *   that shuts down or crashes stops running, keeps its state for the
 *   toolstack, and dom0 hears of it through VIRQ_DOM_EXC.
 *
 * Compiled on the host by tests/unit/test_domain.c, with fakes of the arch
 * hooks and the real allocator, event channels and grant tables.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "console.h"
#include "page.h"
#include "mm.h"
#include "m2p.h"
#include "domain.h"
#include "hvlock.h"
#include "io_caps.h"
#include "event.h"
#include "sched.h"
#include "grant_table.h"
#include "spinlock.h"
#include "public/sched.h"
#include "claim.h"
#include "hypercall.h"

/* Teardown work between two preemption checks: ports closed, frames given back. */
#define KILL_BATCH 64

#define DOMAIN_HASH_SIZE 64

static struct domain *domain_list; /* sorted by id */
static struct domain *domain_hash[DOMAIN_HASH_SIZE];
__hvm_data struct domain *domain_dead_list; /* refcnt 0, waiting for domain_reap() */
static unsigned int nr_domains;
/*
 * Writers of the registry (insert, remove) and of the dead list hold
 * domlist_lock; readers walk the lists without it (a domain is freed only
 * at a quiescent point, docs/design.md), so a writer links a domain in only
 * once its fields are set.
 */
static DEFINE_SPINLOCK(domlist_lock);

static unsigned int hash_of(domid_t id)
{
	return id % DOMAIN_HASH_SIZE;
}

/* ---- The registry. */

struct domain *domain_by_id(domid_t id)
{
	for (struct domain *d = domain_hash[hash_of(id)]; d; d = d->next_in_hash)
		if (d->domain_id == id)
			return d;
	return NULL;
}

struct domain *domain_next(const struct domain *d)
{
	return d ? d->next_in_list : domain_list;
}

struct domain *domain_first_from(domid_t id)
{
	struct domain *d = domain_list;

	while (d && d->domain_id < id)
		d = d->next_in_list;
	return d;
}

unsigned int domain_count(void)
{
	return nr_domains;
}

static void registry_insert(struct domain *d)
{
	struct domain **pp = &domain_list;
	unsigned long flags;

	spin_lock_irqsave(&domlist_lock, flags);
	while (*pp && (*pp)->domain_id < d->domain_id)
		pp = &(*pp)->next_in_list;
	d->next_in_list = *pp;
	__atomic_store_n(pp, d, __ATOMIC_RELEASE);
	d->next_in_hash = domain_hash[hash_of(d->domain_id)];
	__atomic_store_n(&domain_hash[hash_of(d->domain_id)], d, __ATOMIC_RELEASE);
	nr_domains++;
	spin_unlock_irqrestore(&domlist_lock, flags);
}

static void registry_remove(struct domain *d)
{
	struct domain **pp = &domain_list;
	unsigned long flags;

	spin_lock_irqsave(&domlist_lock, flags);
	while (*pp && *pp != d)
		pp = &(*pp)->next_in_list;
	if (*pp)
		*pp = d->next_in_list;
	pp = &domain_hash[hash_of(d->domain_id)];
	while (*pp && *pp != d)
		pp = &(*pp)->next_in_hash;
	if (*pp)
		*pp = d->next_in_hash;
	d->next_in_list = d->next_in_hash = NULL;
	nr_domains--;
	spin_unlock_irqrestore(&domlist_lock, flags);
}

/* ---- References. */

void get_domain(struct domain *d)
{
	__atomic_fetch_add(&d->refcnt, 1, __ATOMIC_RELAXED);
}

void put_domain(struct domain *d)
{
	unsigned long flags;
	__typeof__(d->refcnt) old = __atomic_load_n(&d->refcnt, __ATOMIC_RELAXED);

	do {
		if (!old) {
			printk(XENLOG_ERR "d%u: reference count underflow\n", d->domain_id);
			return;
		}
	} while (!__atomic_compare_exchange_n(&d->refcnt, &old, old - 1, false, __ATOMIC_ACQ_REL,
					      __ATOMIC_RELAXED));
	if (old != 1)
		return;
	spin_lock_irqsave(&domlist_lock, flags);
	d->next_dead = domain_dead_list;
	domain_dead_list = d;
	spin_unlock_irqrestore(&domlist_lock, flags);
}

/*
 * The grant table goes with the struct, not with the rest of the teardown:
 * other domains may still map the dead domain's grants, and their unmaps
 * (which hold a reference to it) still need its active entries.
 */
static void free_domain_struct(struct domain *d)
{
	grant_table_destroy(d);
	free_xenheap_pages(d, order_for_bytes(sizeof(*d)));
}

/*
 * Under the hypervisor lock one CPU's quiescent point is everyone's: no
 * other CPU is in hypervisor code with a borrowed pointer (design.md).
 */
/*
 * CPUs in hypervisor code without the hypervisor lock that may hold
 * borrowed domain pointers (domain_read_begin/end): while there is one,
 * no quiescent point frees anything (the next one after does).
 */
static unsigned int lockless_readers;

void domain_read_begin(void)
{
	__atomic_add_fetch(&lockless_readers, 1, __ATOMIC_SEQ_CST);
}

void domain_read_end(void)
{
	__atomic_sub_fetch(&lockless_readers, 1, __ATOMIC_SEQ_CST);
}

void domain_reap_dead(void)
{
	struct domain *d;
	unsigned long flags;

	/* A dead domain is unlisted already: a reader that starts after this cannot find it. */
	if (__atomic_load_n(&lockless_readers, __ATOMIC_SEQ_CST))
		return;
	spin_lock_irqsave(&domlist_lock, flags);
	d = domain_dead_list;
	domain_dead_list = NULL;
	spin_unlock_irqrestore(&domlist_lock, flags);
	while (d) {
		struct domain *next = d->next_dead;

		free_domain_struct(d);
		d = next;
	}
}

/* ---- vCPUs. */

static struct vcpu *vcpu_create(struct domain *d, unsigned int id)
{
	struct vcpu *v = alloc_xenheap_pages(order_for_bytes(sizeof(*v)));

	if (!v)
		return NULL;
	v->domain = d;
	v->vcpu_id = id;
	v->vcpu_info = &d->shared_info->vcpu_info[id];
	v->vcpu_info->evtchn_upcall_mask = 1;
	v->runstate.state = RUNSTATE_offline;
	v->hard_affinity = v->soft_affinity = ~0ULL; /* any CPU, as Xen's default */
	d->vcpu[id] = v;
	sched_init_vcpu(v, sched_pick_cpu(id));
	return v;
}

static void vcpu_destroy(struct vcpu *v)
{
	sched_destroy_vcpu(v);
	vcpu_timers_kill(v);
	arch_vcpu_destroy(v);
	v->domain->vcpu[v->vcpu_id] = NULL;
	free_xenheap_pages(v, order_for_bytes(sizeof(*v)));
}

/* ---- Frames. */

/* While a dead domain's frames are mapped elsewhere, they hold it (once). */
static void frames_hold_domain(struct domain *d)
{
	if (d->frames_hold_ref)
		return;
	get_domain(d);
	d->frames_hold_ref = true;
}

/* Take @pg off whichever of @d's two frame lists holds it (frame_list_del needs the head). */
void domain_unlist_frame(struct domain *d, struct page_info *pg)
{
	frame_list_del(pg == d->relmem_list ? &d->relmem_list : &d->page_list, pg);
}

/*
 * Give back @pg, a frame on dying @d's page_list. By now the arch teardown
 * has dropped the references its own tables and vCPUs held, so a frame
 * that holds only its allocation reference goes back to the allocator at
 * once. One that another domain still maps (a grant or foreign mapping)
 * loses its allocation reference but keeps its owner and stays counted in
 * tot_pages; its last put frees it (domain_frame_freed). Such frames, and
 * the hypervisor's own pages, move to relmem_list, so that a walk resumed
 * after a preemption starts at a frame not visited yet.
 */
static void relinquish_frame(struct domain *d, struct page_info *pg)
{
	frame_list_del(&d->page_list, pg);
	if (pg->owner != d || (pg->flags & PGC_xen_heap) || !(pg->flags & PGC_allocated)) {
		frame_list_add(&d->relmem_list, pg); /* not ours to free, or already given back */
		return;
	}
	if (pg->count > 1 || (pg->type_count && !(pg->flags & PGC_pinned))) {
		pg->flags &= ~PGC_allocated;
		if (pg->count > 1)
			pg->count--;
		frame_list_add(&d->relmem_list, pg);
		return;
	}
	m2p_set(page_to_mfn(pg), M2P_INVALID);
	pg->owner = NULL;
	pg->flags &= ~(PGC_allocated | PGC_validated | PGC_pinned);
	pg->count = pg->type_count = 0;
	pg->type = PGT_none;
	free_pages(pg, 0);
	d->tot_pages--;
}

/*
 * Give back every frame @d was given, KILL_BATCH at a time between
 * preemption checks: 0 when done, -ERESTART to be called again. While any
 * frame mapped elsewhere is left, the frames hold one reference to @d, so
 * the struct they name outlives them.
 */
static int relinquish_memory(struct domain *d)
{
	unsigned int n = 0;

	while (d->page_list) {
		relinquish_frame(d, d->page_list);
		if (!(++n % KILL_BATCH) && d->page_list && hypercall_preempt_check())
			return -ERESTART;
	}
	while (d->relmem_list) {
		struct page_info *pg = d->relmem_list;

		frame_list_del(&d->relmem_list, pg);
		frame_list_add(&d->page_list, pg);
	}
	if (d->tot_pages) {
		printk(XENLOG_INFO
		       "d%u: %lu frames still mapped elsewhere, freed on their last unmap\n",
		       d->domain_id, d->tot_pages);
		frames_hold_domain(d);
	}
	return 0;
}

/*
 * A hypervisor page @d shares with its guest (shared_info) that another
 * domain still maps: instead of freeing it, make it one of the frames
 * above, counted in tot_pages and freed by its last put. False if nobody
 * else holds it (the caller frees it).
 */
bool domain_keep_shared_page(struct domain *d, struct page_info *pg)
{
	if (pg->count <= 1)
		return false;
	pg->flags &= ~(PGC_xen_heap | PGC_allocated);
	pg->count--; /* the sharing's references go, the mappings' stay */
	if (pg->type_count)
		pg->type_count--;
	d->tot_pages++;
	frames_hold_domain(d);
	return true;
}

/*
 * One of @d's frames went back to the allocator (its last reference went
 * after its allocation reference). A dead domain's last such frame lets go
 * of the reference the frames held, and the struct can be freed.
 */
void domain_frame_freed(struct domain *d)
{
	d->tot_pages--;
	if (!d->tot_pages && d->frames_hold_ref) {
		printk(XENLOG_INFO "d%u: last frame mapped elsewhere freed\n", d->domain_id);
		d->frames_hold_ref = false;
		put_domain(d);
	}
}

/* ---- Creation and destruction. */

/*
 * The init steps, in order; each has its undo in domain_teardown(), which
 * runs the undos of the steps done (d->init_done) in reverse.
 */
enum {
	INIT_arch = 1u << 0,
	INIT_grant_table = 1u << 1,
	INIT_vcpus = 1u << 2,
	INIT_listed = 1u << 3,
};

static void domain_teardown(struct domain *d)
{
	if (d->init_done & INIT_listed)
		registry_remove(d);
	if (d->init_done & INIT_vcpus) {
		for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
			if (d->vcpu[i])
				vcpu_destroy(d->vcpu[i]);
	}
	if (d->init_done & INIT_arch)
		arch_domain_destroy(d);
	d->init_done = 0;
}

static int domain_init(struct domain *d, unsigned int nr_vcpus)
{
	int rc;

	rc = arch_domain_create(d);
	if (rc)
		goto out;
	d->init_done |= INIT_arch;
	rc = grant_table_init(d);
	d->init_done |= INIT_grant_table; /* a partial table too: freed with the struct */
	if (rc)
		goto out;
	d->init_done |= INIT_vcpus;
	rc = domain_create_vcpus(d, nr_vcpus);
out:
	return rc;
}

/*
 * vCPUs 0..@n-1 that do not exist yet. A vCPU made while its domain is
 * paused starts with the domain's pauses, so it runs only when they end.
 */
int domain_create_vcpus(struct domain *d, unsigned int n)
{
	int rc;

	if (n > MAX_VIRT_CPUS)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		struct vcpu *v;

		if (d->vcpu[i])
			continue;
		v = vcpu_create(d, i);
		if (!v)
			return -ENOMEM;
		v->pause_count = d->pause_count;
		rc = arch_vcpu_create(v);
		if (rc)
			return rc; /* the vCPU goes with the domain's teardown */
	}
	return 0;
}

int domain_create(domid_t id, bool privileged, bool paused, struct domain **out)
{
	return domain_create_nr(id, privileged, paused, 1, out);
}

int domain_create_nr(domid_t id, bool privileged, bool paused, unsigned int nr_vcpus,
		     struct domain **out)
{
	struct domain *d;
	int rc;

	if (id >= DOMID_FIRST_RESERVED)
		return -EINVAL;
	if (domain_by_id(id))
		return -EEXIST;
	d = alloc_xenheap_pages(order_for_bytes(sizeof(*d)));
	if (!d)
		return -ENOMEM;
	d->domain_id = id;
	spin_lock_init(&d->event_lock);
	spin_lock_init(&d->cap_lock);
	d->is_privileged = privileged;
	d->is_console = privileged;
	io_caps_init(d);
	d->max_vcpus = nr_vcpus ? nr_vcpus : MAX_VIRT_CPUS; /* createdomain sets its own */
	d->max_evtchn_port = ~0u;			    /* createdomain sets its own */
	d->shutdown_code = SHUTDOWN_CODE_INVALID;
	d->refcnt = 1; /* the registry's */
	rc = domain_init(d, nr_vcpus);
	if (rc) {
		domain_teardown(d);
		free_domain_struct(d);
		return rc;
	}
	if (paused)
		domain_pause_by_controller(d);
	registry_insert(d);
	d->init_done |= INIT_listed;
	*out = d;
	return 0;
}

/*
 * The teardown (docs/design.md "Domains"): the domain stops for good
 * (paused, is_dying), then these steps run in order, each resumable after
 * a preemption, d->kill_step telling which: close the event channels
 * (which unbinds PIRQs and interdomain peers); let go of grants mapped
 * from other domains; drop the arch's frame references (base pointers,
 * LDT, registered frames); unpin the page tables; give the frames back. Then, in one go,
 * the creation steps are undone in reverse: registry entry, vCPUs
 * (timers), arch state (shared_info). The grant table, and frames other
 * domains still map, go when their last reference does
 * (free_domain_struct, domain_frame_freed).
 */
enum { KILL_ports, KILL_grants, KILL_arch, KILL_unpin, KILL_memory, KILL_done };

static void kill_start(struct domain *d)
{
	d->is_dying = DOMDYING_dying;
	domain_pause(d);
	arch_logdirty_disable(d); /* its tables go without shadows to keep in step */
	claim_set(d, 0, 0);
}

static int kill_ports(struct domain *d)
{
	while (!evtchn_close_some(d, KILL_BATCH))
		if (hypercall_preempt_check())
			return -ERESTART;
	return 0;
}

/*
 * Take the pins off @d's page tables, KILL_BATCH tables between preemption
 * checks (one unpin may devalidate a whole tree, so no finer). A call that
 * stops leaves d->kill_cursor at the next frame; the next call starts there
 * while that frame is still on @d's list, else from the list's head (the
 * tables done are unpinned already and skipped).
 */
static int kill_unpin(struct domain *d)
{
	struct page_info *pg = d->kill_cursor;
	unsigned int n = 0;

	if (!pg || pg->owner != d || !(pg->flags & PGC_listed))
		pg = d->page_list;
	for (; pg; pg = pg->next) {
		if (pg->owner != d || !(pg->flags & PGC_pinned))
			continue;
		pg->flags &= ~PGC_pinned;
		arch_unpin_table(pg);
		if (!(++n % KILL_BATCH) && pg->next && hypercall_preempt_check()) {
			d->kill_cursor = pg->next;
			return -ERESTART;
		}
	}
	d->kill_cursor = NULL;
	return 0;
}

static int kill_one_step(struct domain *d)
{
	switch (d->kill_step) {
	case KILL_ports:
		return kill_ports(d);
	case KILL_grants:
		grant_table_release_mappings(d);
		return 0;
	case KILL_arch:
		arch_domain_relinquish(d);
		return 0;
	case KILL_unpin:
		return kill_unpin(d);
	default:
		return relinquish_memory(d);
	}
}

static void kill_finish(struct domain *d)
{
	logdirty_disable(&d->logdirty);
	domain_teardown(d);
	d->is_dying = DOMDYING_dead;
	if (d->domain_id != DOMID_HARDWARE) {
		struct domain *hw = domain_by_id(DOMID_HARDWARE);

		if (hw)
			send_guest_global_virq(hw, VIRQ_DOM_EXC);
	}
	put_domain(d); /* the registry's reference */
}

int domain_kill(struct domain *d)
{
	int rc;

	switch (d->is_dying) {
	case DOMDYING_alive:
		kill_start(d);
		/* fall through */
	case DOMDYING_dying:
		for (; d->kill_step < KILL_done; d->kill_step++) {
			rc = kill_one_step(d);
			if (rc)
				return rc;
		}
		kill_finish(d);
		return 0;
	default:
		return 0;
	}
}

int domain_destroy(struct domain *d)
{
	if (d->is_dying != DOMDYING_alive)
		return -EINVAL;
	while (domain_kill(d) == -ERESTART)
		; /* each call makes progress before it asks */
	return 0;
}

/* ---- Pausing. */

/*
 * vcpu_pause() may let the hypervisor lock go while a vCPU leaves another
 * CPU; the reference keeps @d meanwhile, whatever the other CPUs do.
 */
void domain_pause(struct domain *d)
{
	get_domain(d);
	d->pause_count++;
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
		if (d->vcpu[i])
			vcpu_pause(d->vcpu[i]);
	put_domain(d);
}

void domain_unpause(struct domain *d)
{
	if (!d->pause_count)
		return;
	d->pause_count--;
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
		if (d->vcpu[i])
			vcpu_unpause(d->vcpu[i]);
}

/* The toolstack's pauses nest like Xen's (a bound keeps the count sane). */
int domain_pause_by_controller(struct domain *d)
{
	if (d->controller_pause_count >= 255)
		return -EOVERFLOW;
	d->controller_pause_count++;
	domain_pause(d);
	return 0;
}

int domain_unpause_by_controller(struct domain *d)
{
	if (!d->controller_pause_count)
		return -EINVAL;
	d->controller_pause_count--;
	domain_unpause(d);
	return 0;
}

/* ---- Shutdown and crash. */

static void notify_hardware_domain(void)
{
	struct domain *hw = domain_by_id(DOMID_HARDWARE);

	if (hw)
		send_guest_global_virq(hw, VIRQ_DOM_EXC);
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
	/* The first code given wins (SCHEDOP_shutdown_code, or an earlier shutdown). */
	if (d->shutdown_code == SHUTDOWN_CODE_INVALID)
		d->shutdown_code = (u8)reason;
	if (d->domain_id == DOMID_HARDWARE)
		arch_hwdom_end(d, d->shutdown_code, false);
	if (d->is_shutting_down)
		return;
	d->is_shutting_down = true;
	d->is_crashed = d->shutdown_code == SHUTDOWN_crash;
	printk(XENLOG_INFO "d%u: shut down (code %u)\n", d->domain_id, d->shutdown_code);
	domain_pause(d);
	notify_hardware_domain();
}

void domain_resume(struct domain *d)
{
	if (!d->is_shutting_down || d->is_dying != DOMDYING_alive)
		return;
	d->is_shutting_down = false;
	d->is_crashed = false;
	d->shutdown_code = SHUTDOWN_CODE_INVALID;
	printk(XENLOG_INFO "d%u: resumed\n", d->domain_id);
	domain_unpause(d);
}

int domain_soft_reset(struct domain *d)
{
	int rc;

	if (d->is_dying != DOMDYING_alive || !d->is_shutting_down)
		return -EINVAL;
	/* Xen's evtchn_reset wants the toolstack's pause on another domain. */
	if (!d->controller_pause_count)
		return -EINVAL;
	while (!evtchn_reset_guest_some(d, KILL_BATCH))
		if (hypercall_preempt_check())
			return -ERESTART;
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
		if (d->vcpu[i])
			d->vcpu[i]->runstate_guest = 0;
	rc = arch_domain_soft_reset(d);
	/*
	 * On a refusal Xen crashes the domain, which changes nothing on one
	 * already shut down (the first shutdown code stays): it stays as it is.
	 */
	if (rc)
		return rc;
	printk(XENLOG_INFO "d%u: soft reset\n", d->domain_id);
	domain_resume(d);
	return 0;
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	ASSERT(hv_held()); /* a path that runs without it takes it first (hv_enter_to_crash) */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printk(XENLOG_ERR "Domain %u crashed: %s\n", d->domain_id, buf);
	arch_show_crash_state();
	if (d->domain_id == DOMID_HARDWARE) {
		d->is_crashed = true;
		arch_hwdom_end(d, SHUTDOWN_crash, true);
	}
	d->shutdown_code = SHUTDOWN_crash;
	domain_shutdown(d, SHUTDOWN_crash);
	schedule_dead();
}
