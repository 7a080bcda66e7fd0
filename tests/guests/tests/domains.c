/*
 * Two domains on one CPU. The same image boots twice: as dom0 and, through
 * Petrel's "domu" testing aid (the last multiboot module becomes domain 1),
 * as an unprivileged domU. They play ping-pong over an interdomain event
 * channel, each blocking in SCHEDOP_poll while the other runs, so every
 * round is two switches between the domains (register frames, page tables,
 * segment bases, FPU/SSE state, MSR_TSC_AUX). Each domain checks that its
 * SSE register and its TSC_AUX (as rdtscp reports it) kept their values
 * across the switches; the domU then crashes itself with a #UD it has no
 * handler for: dom0 must see VIRQ_DOM_EXC and run on (a domU's crash is not
 * the machine's end). The domU writes where its loop stopped, and why, into
 * the page it grants; dom0 prints it when the rounds fall short. Binding
 * its end of the channel leaves the domU's port pending (as on Xen), which
 * is not an answer: dom0 starts busy, so the domU's first ping switches
 * nothing and that pending bit is checked and cleared before the rounds.
 * The domU registers a runstate area; dom0's memory at the same address
 * (the same image) must never receive the domU's runstate. On the way, the domU grants dom0 a page,
 * which dom0 maps, reads and writes through (a grant between two domains) and then maps directly
 * with a foreign mmu_update; the domU's own foreign mmu_update of a dom0 frame is refused (-EPERM).
 *
 * Petrel-only: Xen starts no second domain from boot modules, so the
 * runner gives dom0 the "with-domu" argument only where the domU exists
 * (multiboot); elsewhere the test skips.
 *
 * The machine has two CPUs: the hypervisor brings both up, and both
 * domains still share the one they run on.
 */
#include "xtest.h"
#include "msr-index.h"
#include "evtchn.h"
#include "pvclock.h"

TEST_DOMU("domu-role");
TEST_SMP("2");
XTEST_NO_TRAP_TABLE(); /* the domU's #UD must reach Petrel, not a handler */

#define EPERM 1
#define ROUNDS 20
#define MS 1000000ULL
#define REF 10 /* a reference outside the 8 the toolstack reserves */
#define VIRT_BASE 0xffffffff80000000UL
#define M2P_START 0xffff800000000000UL
#define ADDR_MASK 0x000ffffffffff000UL

static struct shared_info *sh;
/* 0: the domU's grant table, 1: the page it grants, 2: where dom0 maps it */
static char pages[3][4096] __attribute__((aligned(4096)));
static const char from_domu[] = "granted by domain 1";
static const char from_dom0[] = "written by dom0 through the grant";
#define WHY 2048		  /* where in the granted page the domU says why its loop ended */
#define BIND_PENDING 1024	  /* there, 1: its port was pending right after the bind, 2: not */
static unsigned long granted_mfn; /* dom0: the frame of the domU's granted page */
/*
 * The domU registers this as its vCPU's runstate area; dom0 (the same image,
 * so the same address) fills its own copy with RUNSTATE_FILL and never
 * registers it: the hypervisor writing the domU's runstate while dom0's page
 * tables are loaded would land here.
 */
#define HC_vcpu_op 24
#define VCPUOP_register_runstate_memory_area 5
#define RUNSTATE_FILL 0xa5
static uint8_t runstate_area[48] __attribute__((aligned(64)));

/* System time from vCPU 0's pvclock. */
static uint64_t now(void)
{
	return pvclock_now(0);
}

/* SCHEDOP_poll's and EVTCHNOP_send's failures (the domU reports them) */
static long poll_errors, last_poll_error, send_errors, last_send_error;

/* Wait in SCHEDOP_poll until @port is pending; false after @ms without it. */
static bool wait_port(uint32_t port, uint64_t ms)
{
	struct sched_poll p = { .ports = &port, .nr_ports = 1 };
	long rc;

	p.timeout = ms ? now() + ms * MS : 0;
	while (!evtchn_pending(port)) {
		rc = hypercall_sched_op(SCHEDOP_poll, &p);
		if (rc) {
			poll_errors++;
			last_poll_error = rc;
			return false;
		}
		if (ms && now() >= p.timeout)
			return evtchn_pending(port);
	}
	evtchn_test_and_clear(port);
	return true;
}

static uint64_t *va_of_mfn(unsigned long mfn)
{
	return (uint64_t *)(VIRT_BASE + (((const unsigned long *)M2P_START)[mfn] << 12));
}

/* Machine address of the L1 entry that maps @va, found by walking the page tables. */
static uint64_t l1e_maddr(const void *va)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;
	unsigned long v = (unsigned long)va,
		      mfn = p2m[(xtest_start_info->pt_base - VIRT_BASE) >> 12];

	for (int shift = 39; shift >= 21; shift -= 9)
		mfn = (va_of_mfn(mfn)[(v >> shift) & 511] & ADDR_MASK) >> 12;
	return (mfn << 12) + ((v >> 12) & 511) * 8;
}

static uint64_t pte_of(const void *va)
{
	uint64_t ma = l1e_maddr(va);

	return va_of_mfn(ma >> 12)[(ma & 4095) / 8];
}

/* mmu_update of the PTE that maps @va, with the frame's owner @foreigndom. */
static long map_foreign(const void *va, uint64_t pte, unsigned int foreigndom)
{
	uint64_t req[2] = { l1e_maddr(va), pte }; /* MMU_NORMAL_PT_UPDATE */

	return hypercall(HC_mmu_update, (unsigned long)req, 1, 0, foreigndom, 0);
}

static long gnttab_op(unsigned int cmd, void *arg)
{
	return hypercall(HC_grant_table_op, cmd, (unsigned long)arg, 1, 0, 0);
}

static long send(uint32_t port)
{
	return evtchn_op(EVTCHNOP_send, &port);
}

/* SSE register 1: each domain keeps its own across the switches. */
static void set_xmm1(uint64_t v)
{
	__asm__ volatile("movq %0, %%xmm1" : : "r"(v));
}

static uint64_t get_xmm1(void)
{
	uint64_t v;

	__asm__ volatile("movq %%xmm1, %0" : "=r"(v));
	return v;
}

/* MSR_TSC_AUX: per vCPU, as rdtscp reports it (wrmsr is emulated for the kernel). */
#define DOM0_TSC_AUX 0xd0
#define DOMU_TSC_AUX 0xd1

static void set_tsc_aux(uint32_t v)
{
	__asm__ volatile("wrmsr" : : "c"(MSR_TSC_AUX), "a"(v), "d"(0));
}

static uint32_t tsc_aux(void)
{
	uint32_t lo, hi, aux;

	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
	return aux;
}

/* ---- domain 1 */

/* Map our grant table and grant dom0 pages[1], which holds from_domu. */
static bool domu_grant(void)
{
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
	volatile struct grant_entry_v1 *table = (volatile struct grant_entry_v1 *)pages[0];
	struct xen_domctl ctl = { 0 };
	unsigned long frame = 0;
	long rc, rc2;

	st.frame_list = &frame;
	if (gnttab_op(GNTTABOP_setup_table, &st) || st.status != GNTST_okay)
		return false;
	if (hypercall_update_va_mapping((unsigned long)pages[0],
					(frame << 12) | PTE_P | PTE_RW | PTE_A | PTE_D,
					UVMF_INVLPG))
		return false;
	/* Isolation first: dom0's frames are not ours to map, domctl is not ours (-EPERM). */
	rc = map_foreign(pages[2], (1UL << 12) | PTE_P, 0);
	ctl.cmd = XEN_DOMCTL_getdomaininfo;
	ctl.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	rc2 = hypercall(HC_domctl, (unsigned long)&ctl, 0, 0, 0, 0);
	if (rc == -EPERM && rc2 == -EPERM)
		memcpy(pages[1], from_domu, sizeof(from_domu));
	else
		snprintf(pages[1], sizeof(pages[1]), "domU: foreign map %ld, domctl %ld", rc, rc2);
	table[REF].domid = 0;
	table[REF].frame = (uint32_t)((pte_of(pages[1]) & ADDR_MASK) >> 12);
	__asm__ volatile("" ::: "memory");
	table[REF].flags = GTF_permit_access;
	return true;
}

static __attribute__((noreturn)) void domu_main(void)
{
	struct evtchn_bind_interdomain b = { .remote_dom = 0 };
	uint64_t mark = 0x5eed0000d1d1ULL;
	long rc = -1;

	/* dom0 allocates a port for us; its slice may end before it has. */
	for (unsigned int tries = 0; rc && tries < 100000; tries++) {
		for (uint32_t p = 1; p < 64 && rc; p++) {
			b.remote_port = p;
			rc = evtchn_op(EVTCHNOP_bind_interdomain, &b);
		}
		if (rc)
			hypercall_sched_op(SCHEDOP_yield, NULL);
	}
	/* Binding raised our port, as Xen does (the remote end may have signalled while unbound).
	 */
	if (!rc)
		pages[1][BIND_PENDING] = evtchn_test_and_clear(b.local_port) ? 1 : 2;
	if (!domu_grant())
		rc = -1;
	if (!rc) {
		uint64_t area = (uint64_t)runstate_area;

		rc = hypercall(HC_vcpu_op, VCPUOP_register_runstate_memory_area, 0,
			       (unsigned long)&area, 0, 0);
		if (rc)
			snprintf(pages[1], sizeof(pages[1]), "domU: register_runstate %ld", rc);
	}
	set_xmm1(mark);
	set_tsc_aux(DOMU_TSC_AUX);
	snprintf(pages[1] + WHY, 4096 - WHY, "domU: bind %ld", rc);
	for (unsigned int i = 0; !rc && i < ROUNDS; i++) {
		uint64_t xmm1;
		uint32_t aux;
		long sent = send(b.local_port);

		if (sent) {
			send_errors++;
			last_send_error = sent;
		}
		wait_port(b.local_port, 0);
		xmm1 = get_xmm1();
		aux = tsc_aux();
		snprintf(pages[1] + WHY, 4096 - WHY,
			 "domU: round %u, xmm1 %#lx (set %#lx), TSC_AUX %#x (set %#x), "
			 "%ld poll errors (last %ld), %ld send errors (last %ld)",
			 i, (unsigned long)xmm1, (unsigned long)(mark + i), aux, DOMU_TSC_AUX,
			 poll_errors, last_poll_error, send_errors, last_send_error);
		if (xmm1 != mark + i || aux != DOMU_TSC_AUX)
			break; /* dom0 sees too few rounds, and reads why */
		set_xmm1(mark + i + 1);
	}
	/* dom0 wrote through its mapping of our page; without that, no crash (dom0 waits in vain).
	 */
	while (memcmp(pages[1], from_dom0, sizeof(from_dom0)))
		hypercall_sched_op(SCHEDOP_yield, NULL);
	__asm__ volatile("ud2"); /* no trap table: Petrel crashes this domain */
	for (;;)
		;
}

/* ---- dom0 */

/* Map domain 1's grant over pages[2], read it, write through it, unmap. */
static void dom0_grant(void)
{
	struct gnttab_map_grant_ref m = {
		.host_addr = (unsigned long)pages[2], .flags = GNTMAP_host_map, .ref = REF, .dom = 1
	};
	struct gnttab_unmap_grant_ref u = { .host_addr = (unsigned long)pages[2] };
	uint64_t saved = pte_of(pages[2]);
	unsigned long granted;
	long rc;

	rc = gnttab_op(GNTTABOP_map_grant_ref, &m);
	xtest_check(rc == 0 && m.status == GNTST_okay, "map of domain 1's grant: rc %ld status %d",
		    rc, m.status);
	if (rc || m.status != GNTST_okay)
		return;
	xtest_check(!memcmp(pages[2], from_domu, sizeof(from_domu)), "the grant reads \"%.32s\"",
		    pages[2]);
	xtest_check(pages[2][BIND_PENDING] == 1, "domain 1's port after its bind: %s",
		    pages[2][BIND_PENDING] == 2 ? "not pending" : "unknown");
	memcpy(pages[2], from_dom0, sizeof(from_dom0));
	granted = (pte_of(pages[2]) & ADDR_MASK) >> 12;
	granted_mfn = granted;
	u.handle = m.handle;
	rc = gnttab_op(GNTTABOP_unmap_grant_ref, &u);
	xtest_check(rc == 0 && u.status == GNTST_okay, "unmap: rc %ld status %d", rc, u.status);
	rc = hypercall_update_va_mapping((unsigned long)pages[2], saved, UVMF_INVLPG);
	xtest_check(rc == 0, "restoring pages[2]: %ld", rc);
	/* The control domain may map domain 1's frame directly too (foreign mmu_update). */
	rc = map_foreign(pages[2], (granted << 12) | PTE_P | PTE_A, 1);
	xtest_check(rc == 0, "foreign mmu_update of domain 1's frame %#lx: %ld", granted, rc);
	if (!rc)
		xtest_check(!memcmp(pages[2], from_dom0, sizeof(from_dom0)),
			    "the foreign mapping reads \"%.32s\"", pages[2]);
	rc = hypercall_update_va_mapping((unsigned long)pages[2], saved, UVMF_INVLPG);
	xtest_check(rc == 0, "restoring pages[2] again: %ld", rc);
}

static uint32_t domu_flags(void)
{
	struct xen_domctl op = { .cmd = XEN_DOMCTL_getdomaininfo,
				 .interface_version = XEN_DOMCTL_INTERFACE_VERSION,
				 .domain = 1 };

	return hypercall(HC_domctl, (unsigned long)&op, 0, 0, 0, 0) ? 0 : op.u.getdomaininfo.flags;
}

/* The toolstack's pause: a paused domain 1 does not answer the ping until unpaused. */
static void check_pause(uint32_t port)
{
	struct xen_domctl op = { .cmd = XEN_DOMCTL_pausedomain,
				 .interface_version = XEN_DOMCTL_INTERFACE_VERSION,
				 .domain = 1 };
	long rc = hypercall(HC_domctl, (unsigned long)&op, 0, 0, 0, 0);

	xtest_check(rc == 0, "pausedomain(1) = %ld", rc);
	xtest_check(domu_flags() & XEN_DOMINF_paused, "domain 1 flags %#x when paused",
		    domu_flags());
	send(port);
	xtest_check(!wait_port(port, 200), "a paused domain answered");
	op.cmd = XEN_DOMCTL_unpausedomain;
	rc = hypercall(HC_domctl, (unsigned long)&op, 0, 0, 0, 0);
	xtest_check(rc == 0, "unpausedomain(1) = %ld", rc);
	xtest_check(!(domu_flags() & XEN_DOMINF_paused), "domain 1 flags %#x after unpause",
		    domu_flags());
	/* Now it runs, takes the answer sent while it was paused, and pings again. */
}

/* Print where the domU's loop ended, from its granted page (mapped foreign). */
static void show_domu_report(void)
{
	uint64_t saved = pte_of(pages[2]);
	long rc;

	if (!granted_mfn)
		return;
	rc = map_foreign(pages[2], (granted_mfn << 12) | PTE_P | PTE_A, 1);
	if (!rc)
		printk("domU's last word: %.120s\n", pages[2] + WHY);
	else
		printk("domU's page: foreign map %ld\n", rc);
	hypercall_update_va_mapping((unsigned long)pages[2], saved, UVMF_INVLPG);
}

/* What the toolstack would see: both domains, domain 1 shut down by its crash. */
static void check_records(void)
{
	struct xen_getdomaininfo recs[4];
	struct xen_sysctl_domlist l = { .cmd = XEN_SYSCTL_getdomaininfolist,
					.interface_version = XEN_SYSCTL_INTERFACE_VERSION,
					.max_domains = 4,
					.buffer = recs };
	long rc = hypercall(HC_sysctl, (unsigned long)&l, 0, 0, 0, 0);
	uint32_t f;

	xtest_check(rc == 0 && l.num_domains == 2, "getdomaininfolist: rc %ld, %u domains", rc,
		    l.num_domains);
	if (rc || l.num_domains != 2)
		return;
	f = recs[1].flags;
	xtest_check(recs[0].domain == 0 && recs[1].domain == 1, "domains %u, %u", recs[0].domain,
		    recs[1].domain);
	xtest_check((f & XEN_DOMINF_shutdown) && !(f & (XEN_DOMINF_running | XEN_DOMINF_dying)),
		    "domain 1 flags %#x after its crash", f);
	xtest_check(((f >> XEN_DOMINF_shutdownshift) & 0xff) == SHUTDOWN_crash,
		    "domain 1 shutdown code %u", (f >> XEN_DOMINF_shutdownshift) & 0xff);
	xtest_check(recs[1].cpu_time != 0 && recs[1].tot_pages == 4096,
		    "domain 1: cpu_time %lu, tot_pages %lu", (unsigned long)recs[1].cpu_time,
		    (unsigned long)recs[1].tot_pages);
}

static void dom0_main(void)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 1 };
	struct evtchn_bind_virq v = { .virq = VIRQ_DOM_EXC };
	unsigned int rounds = 0;
	uint64_t t0;
	long rc;

	rc = evtchn_op(EVTCHNOP_bind_virq, &v);
	xtest_check(rc == 0, "bind_virq(VIRQ_DOM_EXC) = %ld", rc);
	rc = evtchn_op(EVTCHNOP_alloc_unbound, &a);
	xtest_check(rc == 0, "alloc_unbound for domain 1 = %ld", rc);
	if (rc)
		return;
	set_tsc_aux(DOM0_TSC_AUX);
	memset(runstate_area, RUNSTATE_FILL, sizeof(runstate_area));
	/*
	 * Busy for a few slices: domain 1 binds and sends its first ping while
	 * dom0 is runnable, not polling, so nothing switches at once and the
	 * domU must not take its bind's pending port for an answer.
	 */
	for (t0 = now(); now() - t0 < 100 * MS;)
		;
	t0 = now();
	for (; rounds < ROUNDS; rounds++) {
		set_xmm1(0xd0d0d0d0d0d0d0d0ULL + rounds); /* the domU's must not see this */
		if (!wait_port(a.port, 5000))
			break;
		if (rounds == 0)
			dom0_grant(); /* domain 1 granted its page before the first ping */
		if (rounds == ROUNDS / 2) {
			check_pause(a.port); /* it sends this round's answer itself */
			continue;
		}
		send(a.port);
	}
	xtest_check(rounds == ROUNDS, "ping-pong with domain 1: %u of %u rounds", rounds, ROUNDS);
	if (rounds != ROUNDS)
		show_domu_report();
	printk("%u round trips with domain 1 in %lu us\n", rounds, (now() - t0) / 1000);
	xtest_check(tsc_aux() == DOM0_TSC_AUX, "dom0's TSC_AUX is %#x after the switches",
		    tsc_aux());
	for (unsigned int i = 0; i < sizeof(runstate_area); i++) {
		if (runstate_area[i] != RUNSTATE_FILL) {
			xtest_fail(
			    "dom0's memory at the domU's runstate area changed: byte %u is %#x", i,
			    runstate_area[i]);
			break;
		}
	}
	set_tsc_aux(0);
	/* Its crash comes as VIRQ_DOM_EXC; dom0 itself goes on. */
	xtest_check(wait_port(v.port, 5000), "no VIRQ_DOM_EXC after domain 1 crashed");
	xtest_check(evtchn_pending(a.port) == false, "a ping from a crashed domain");
	check_records();
}

void test_main(void)
{
	sh = xtest_shared_info();
	if (!(xtest_start_info->flags & SIF_INITDOMAIN)) {
		if (sh)
			domu_main();
		__asm__ volatile("ud2");
	}
	if (!sh) {
		xtest_fail("shared_info not mapped");
		return;
	}
	if (!strstr(xtest_start_info->cmd_line, "with-domu")) {
		xtest_skip("no second domain in this boot mode (Petrel's multiboot 'domu' aid)");
		return;
	}
	dom0_main();
}
