/*
 * Cross-domain figures: the benchmark guest runs as the control domain and
 * builds tiny domUs with the guest-test builder (tests/guests/lib/builder.c).
 *
 *	domain-create-destroy      build a domU (createdomain ... setvcpucontext,
 *	                           still paused), destroydomain, and wait until
 *	                           physinfo's free pages are back to the page
 *	domain-create-run-destroy  the same, the domU run to its poweroff first
 *	grant-map-unmap-domu       map + unmap (by virtual address) of a frame
 *	                           the domU granted to dom0
 *	grant-copy-4k-to-domu      GNTTABOP_copy of a whole page of dom0's into
 *	                           that granted frame
 *	evtchn-pingpong-domu       dom0 signals an interdomain port and polls
 *	                           until the domU, polling its end, signals back:
 *	                           two sends, two polls, two domain switches
 *
 * The create/destroy rows check after every destroy that physinfo's free
 * pages are back to what they were before the first build; they run before
 * the cross-domain rows, whose event port and grant mapping give dom0 its
 * own port bucket and maptrack frame to keep.
 *
 * The grant entry is written by dom0 through a foreign map of the domU's
 * grant-table frame (as a toolstack seeds one). The ping-pong domU runs its
 * own loop (pong_start below): map its shared_info, then for ever poll its
 * port, clear the pending bit, send back. Dom0 pauses and destroys it.
 */
#include "bench-run.h"
#include "builder.h"
#include "evtchn.h"

TEST_HV_ARGS("dom0_mem=64M");

#define HC_update_va_mapping 14
#define SHUTDOWN_poweroff 0
#define REF 10
#define PTE_LEAF (PTE_P | PTE_RW | PTE_A | PTE_D)

/* The ping-pong domU's data frame (TINY_GVA(PFN_DATA)), read by pong_start. */
struct pong_data {
	uint64_t shared_info_pte; /* 0x00: mapped at TINY_FREE_GVA */
	uint64_t pad;
	struct sched_poll poll; /* 0x10: one port, no timeout */
	uint8_t pad2[0x30 - 0x10 - sizeof(struct sched_poll)];
	uint32_t port; /* 0x30: the domU's end */
	uint32_t pad3;
	uint64_t pongs; /* 0x38: events sent back */
};
_Static_assert(offsetof(struct pong_data, port) == 0x30, "pong_start reads the port at 0x30");
_Static_assert(offsetof(struct pong_data, pongs) == 0x38, "pong_start counts at 0x38");

/*
 * The domU's loop, copied into its code frame at TINY_GVA(PFN_CODE).
 * Hypercalls go through its hypercall page (0x205000 + nr * 32); the
 * pending bits of shared_info start at byte 0x800 (TINY_FREE_GVA + 0x800).
 */
__asm__(".pushsection .rodata\n"
	"pong_start:\n"
	"movabs $0x207000, %rbx\n"
	"mov $0x209000, %edi\n"
	"mov (%rbx), %rsi\n"
	"mov $2, %edx\n" /* UVMF_INVLPG */
	"mov $(0x205000 + 14 * 32), %eax\n"
	"call *%rax\n"
	"test %rax, %rax\n"
	"jnz 3f\n"
	"1: mov $3, %edi\n" /* SCHEDOP_poll */
	"lea 0x10(%rbx), %rsi\n"
	"mov $(0x205000 + 29 * 32), %eax\n"
	"call *%rax\n"
	"mov 0x30(%rbx), %ecx\n"
	"lock btrq %rcx, 0x209800\n"
	"jnc 1b\n"
	"mov $4, %edi\n" /* EVTCHNOP_send */
	"lea 0x30(%rbx), %rsi\n"
	"mov $(0x205000 + 32 * 32), %eax\n"
	"call *%rax\n"
	"incq 0x38(%rbx)\n"
	"jmp 1b\n"
	"3: movq $1, 8(%rbx)\n" /* SHUTDOWN_crash if shared_info did not map */
	"lea 8(%rbx), %rsi\n"
	"mov $2, %edi\n" /* SCHEDOP_shutdown */
	"mov $(0x205000 + 29 * 32), %eax\n"
	"call *%rax\n"
	"4: jmp 4b\n"
	"pong_end:\n"
	".popsection\n");
extern const uint8_t pong_start[], pong_end[];

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t target[4096] __attribute__((aligned(4096)));
static uint8_t source[4096] __attribute__((aligned(4096)));
static uint64_t free0;

/* The script of a run domU: power off at once. */
static void fill_poweroff(struct tiny_dom *t, uint8_t *data, uint8_t *args)
{
	struct tiny_call *c = (struct tiny_call *)data;

	(void)t;
	(void)args;
	c[0].op = TINY_END;
	c[0].a[0] = SHUTDOWN_poweroff;
}

/* Destroy @t and wait for every frame to come back; false (recorded) if some did not. */
static bool destroy_all(struct tiny_dom *t)
{
	uint64_t now;

	if (tiny_destroy(t))
		return false;
	now = builder_wait_free(free0);
	if (now != free0)
		xtest_fail("d%u: %lu free pages after its destroy, %lu before", t->id,
			   (unsigned long)now, (unsigned long)free0);
	return now == free0;
}

static bool create_destroy(unsigned long iters, void *run)
{
	struct tiny_dom t;

	for (unsigned long i = 0; i < iters; i++) {
		if (!tiny_build(&t, tiny_script_start,
				(size_t)(tiny_script_end - tiny_script_start), fill_poweroff))
			return false;
		if (run && tiny_run(&t) != SHUTDOWN_poweroff) {
			xtest_fail("d%u did not power off", t.id);
			tiny_destroy(&t);
			return false;
		}
		if (!destroy_all(&t))
			return false;
	}
	return true;
}

/* ---- grants from the domU */

static long gnttab_op(unsigned int cmd, void *arg)
{
	return hypercall(HC_grant_table_op, cmd, (unsigned long)arg, 1, 0, 0);
}

/* The domU's grant-table frame 0, mapped by dom0: REF grants its argument frame to dom0. */
static bool grant_to_dom0(struct tiny_dom *t)
{
	struct gnttab_setup_table s = { .dom = t->id, .nr_frames = 1, .status = 99 };
	volatile struct grant_entry_v1 *e = (volatile struct grant_entry_v1 *)window;
	unsigned long frame = 0;
	long rc;

	s.frame_list = &frame;
	rc = gnttab_op(GNTTABOP_setup_table, &s);
	if (!rc && s.status == GNTST_okay)
		rc = builder_map_mmu(window, frame, t->id);
	if (rc || s.status != GNTST_okay) {
		xtest_fail("d%u's grant table: %ld, status %d", t->id, rc, s.status);
		return false;
	}
	e[REF].domid = 0;
	e[REF].frame = (uint32_t)t->mfn[PFN_ARGS];
	__asm__ volatile("" ::: "memory");
	e[REF].flags = GTF_permit_access;
	builder_unmap(window);
	return true;
}

static bool map_unmap(unsigned long iters, void *dom)
{
	struct gnttab_map_grant_ref m = { .host_addr = (unsigned long)target,
					  .flags = GNTMAP_host_map,
					  .ref = REF,
					  .dom = (uint16_t)(unsigned long)dom };
	struct gnttab_unmap_grant_ref u = { .host_addr = (unsigned long)target };
	long rc = 0;

	for (unsigned long i = 0; i < iters && !rc; i++) {
		m.status = 99;
		rc = gnttab_op(GNTTABOP_map_grant_ref, &m);
		if (rc || m.status != GNTST_okay)
			break;
		u.handle = m.handle;
		u.status = 99;
		rc = gnttab_op(GNTTABOP_unmap_grant_ref, &u);
		if (!rc && u.status != GNTST_okay)
			break;
	}
	if (rc || m.status != GNTST_okay || u.status != GNTST_okay)
		xtest_fail("grant map %ld/%d, unmap status %d", rc, m.status, u.status);
	return !rc && m.status == GNTST_okay && u.status == GNTST_okay;
}

static bool copy_page(unsigned long iters, void *dom)
{
	struct gnttab_copy c = {
		.source = { .ref_or_gmfn = builder_own_frame(source), .domid = DOMID_SELF },
		.dest = { .ref_or_gmfn = REF, .domid = (uint16_t)(unsigned long)dom },
		.len = 4096,
		.flags = GNTCOPY_dest_gref,
	};
	long rc = 0;

	for (unsigned long i = 0; i < iters && !rc; i++) {
		c.status = 99;
		rc = gnttab_op(GNTTABOP_copy, &c);
		if (c.status != GNTST_okay)
			break;
	}
	if (rc || c.status != GNTST_okay)
		xtest_fail("grant copy %ld, status %d", rc, c.status);
	return !rc && c.status == GNTST_okay;
}

/* The copies landed: the domU's argument frame holds the source page. */
static void check_copied(struct tiny_dom *t)
{
	long rc = builder_map_mmu(window, t->mfn[PFN_ARGS], t->id);

	if (rc) {
		xtest_error("mapping d%u's argument frame: %ld", t->id, rc);
		return;
	}
	xtest_check(memcmp(window, source, sizeof(source)) == 0,
		    "d%u's granted frame does not hold the copied page", t->id);
	builder_unmap(window);
}

/* ---- event-channel ping-pong */

static uint32_t port0;

static bool ping_pong(unsigned long iters, void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < iters; i++) {
		if (evtchn_port_op(EVTCHNOP_send, port0)) {
			xtest_fail("send on port %u", port0);
			return false;
		}
		if (!evtchn_poll_pending(port0, 100000)) {
			xtest_fail("no answer from the domU on port %u (round %lu)", port0, i);
			return false;
		}
		evtchn_test_and_clear(port0);
	}
	return true;
}

/* Ports: the domU's end allocated by dom0 for it, dom0's end bound to it. */
static bool connect(struct tiny_dom *t, struct pong_data *d)
{
	struct evtchn_alloc_unbound a = { .dom = t->id, .remote_dom = 0 };
	struct evtchn_bind_interdomain b = { .remote_dom = t->id };
	long rc = evtchn_op(EVTCHNOP_alloc_unbound, &a);

	b.remote_port = a.port;
	rc = rc ? rc : evtchn_op(EVTCHNOP_bind_interdomain, &b);
	if (rc) {
		xtest_fail("connecting to d%u: %ld", t->id, rc);
		return false;
	}
	port0 = b.local_port;
	d->port = a.port;
	d->poll.ports = (uint32_t *)(TINY_GVA(PFN_DATA) + offsetof(struct pong_data, port));
	d->poll.nr_ports = 1;
	return true;
}

/* The domU's data frame: its shared_info PTE and its port. */
static bool setup_pong(struct tiny_dom *t)
{
	struct dctl op;
	struct pong_data *d = (struct pong_data *)window;
	long rc;

	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_getdomaininfo, t->id, &op);
	rc = rc ? rc : builder_map_mmu(window, t->mfn[PFN_DATA], t->id);
	if (rc) {
		xtest_fail("d%u: getdomaininfo or mapping its data frame: %ld", t->id, rc);
		return false;
	}
	memset(d, 0, sizeof(*d));
	d->shared_info_pte = (op.u.info.shared_info_frame << 12) | PTE_LEAF;
	if (!connect(t, d)) {
		builder_unmap(window);
		return false;
	}
	builder_unmap(window);
	return true;
}

static uint64_t pongs(struct tiny_dom *t)
{
	uint64_t n;

	if (builder_map_mmu(window, t->mfn[PFN_DATA], t->id))
		return 0;
	n = ((volatile struct pong_data *)window)->pongs;
	builder_unmap(window);
	return n;
}

static void cross_domain(void)
{
	struct tiny_dom t;
	struct dctl op;
	void *dom;

	if (!tiny_build(&t, pong_start, (size_t)(pong_end - pong_start), NULL))
		return;
	dom = (void *)(unsigned long)t.id;
	if (grant_to_dom0(&t)) {
		bench_run("grant-map-unmap-domu", 100, map_unmap, dom);
		builder_unmap(target);
		memset(source, 0x5a, sizeof(source));
		bench_run("grant-copy-4k-to-domu", 100, copy_page, dom);
		check_copied(&t);
	}
	if (setup_pong(&t)) {
		memset(&op, 0, sizeof(op));
		if (domctl(XEN_DOMCTL_unpausedomain, t.id, &op))
			xtest_fail("d%u: unpausedomain", t.id);
		else
			bench_run("evtchn-pingpong-domu", 200, ping_pong, NULL);
		memset(&op, 0, sizeof(op));
		xtest_check(domctl(XEN_DOMCTL_pausedomain, t.id, &op) == 0, "d%u: pausedomain",
			    t.id);
		printk("d%u answered %lu events\n", t.id, (unsigned long)pongs(&t));
	}
	xtest_check(tiny_destroy(&t) == 0, "d%u: destroydomain", t.id);
}

void test_main(void)
{
	free0 = builder_free_pages();
	bench_run("domain-create-destroy", 10, create_destroy, NULL);
	bench_run("domain-create-run-destroy", 10, create_destroy, (void *)1UL);
	(void)xtest_shared_info();
	cross_domain();
}

TEST_EXPECT("BENCH grant-map-unmap-domu ");
TEST_EXPECT("BENCH grant-copy-4k-to-domu ");
TEST_EXPECT("BENCH evtchn-pingpong-domu ");
TEST_EXPECT("BENCH domain-create-destroy ");
TEST_EXPECT("BENCH domain-create-run-destroy ");
