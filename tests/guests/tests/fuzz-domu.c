/*
 * The hypercall fuzzer as a domU beside a working one. The control domain
 * builds two PV domUs from ELF images carried in this one (pv_load):
 *  - a heartbeat (tests/guests/domu/heartbeat.c), which answers every
 *    event dom0 sends it on its port with one back;
 *  - the fuzz guest itself (fuzz.elf, tests/guests/tests/fuzz.c) with this
 *    test's "seed=<s> calls=<n>" and its own domid (for its grant entries),
 *    its calls now those of an unprivileged domain.
 * While the fuzzer runs, dom0 keeps beating the heartbeat and checks its
 * own hypercalls (xen_version, physinfo, getdomaininfo of both domUs); the
 * heartbeat must answer while the fuzzer is still running, and after it
 * has gone. Both domUs' consoles are read from their rings and shown as
 * "(dN) ..." lines. The fuzzer must end with a poweroff and its
 * "Test result: SUCCESS" (its own checks of its page tables, start_info
 * and reservation), or have crashed itself; the hypervisor must not. The
 * heartbeat is then shut down with SCHEDOP_remote_shutdown (reason reboot,
 * which getdomaininfo must report). Both are destroyed and physinfo's free
 * pages must be back to the page.
 *
 * make test-guests runs 20000 calls; `make fuzz-domu` runs 10^6.
 */
#include "builder.h"
#include "evtchn.h"

TEST_ARGS("seed=1 calls=20000");
TEST_HV_ARGS("dom0_mem=64M");

#define SHUTDOWN_poweroff 0
#define SHUTDOWN_reboot 1
#define SHUTDOWN_crash 3
#define SCHEDOP_remote_shutdown 4
#define FUZZ_PAGES 4608 /* 18 MiB: fuzz.c takes pool frames above pfn 4096 */
#define BEAT_PAGES 512
/* How long dom0 waits for one answer (TSC cycles: seconds of a loaded TCG host). */
#define BEAT_WAIT_CYCLES 60000000000UL

__asm__(".pushsection .rodata\n"
	".balign 8\n"
	"fuzz_elf: .incbin \"fuzz.elf\"\n"
	"fuzz_elf_end:\n"
	".balign 8\n"
	"beat_elf: .incbin \"domu/heartbeat.elf\"\n"
	"beat_elf_end:\n"
	".popsection\n");
extern const uint8_t fuzz_elf[], fuzz_elf_end[], beat_elf[], beat_elf_end[];

/* A domU and dom0's view of its console ring. */
struct domu {
	struct pv_dom pv;
	const char *name;
	uint8_t *window; /* its console page, mapped */
	char line[400];
	unsigned int len;
	bool verdict_success, verdict_seen;
};

struct console_ring {
	char in[1024];
	char out[2048];
	uint32_t in_cons, in_prod, out_cons, out_prod;
};

static unsigned long fuzz_mfns[FUZZ_PAGES], beat_mfns[BEAT_PAGES];
static uint8_t fuzz_window[4096] __attribute__((aligned(4096)));
static uint8_t beat_window[4096] __attribute__((aligned(4096)));

static unsigned long rdtsc(void)
{
	unsigned int lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((unsigned long)hi << 32) | lo;
}

static void show_line(struct domu *u)
{
	u->line[u->len] = 0;
	printk("(d%u) %s\n", u->pv.id, u->line);
	if (!strncmp(u->line, "Test result: ", 13)) {
		u->verdict_seen = true;
		u->verdict_success = !strcmp(u->line + 13, "SUCCESS");
	}
	u->len = 0;
}

/* Take what the domU wrote to its console ring and print it line by line. */
static void drain(struct domu *u)
{
	volatile struct console_ring *r = (volatile struct console_ring *)u->window;
	uint32_t cons, prod;

	if (!u->window)
		return;
	cons = r->out_cons;
	prod = r->out_prod;
	__asm__ volatile("lfence" ::: "memory");
	if (prod - cons > sizeof(r->out)) {
		xtest_fail("d%u's console ring indexes %u..%u", u->pv.id, cons, prod);
		cons = prod;
	}
	for (; cons != prod; cons++) {
		char c = r->out[cons & (sizeof(r->out) - 1)];

		if (c == '\n' || u->len + 1 >= sizeof(u->line))
			show_line(u);
		if (c != '\n')
			u->line[u->len++] = c;
	}
	__asm__ volatile("" ::: "memory");
	r->out_cons = cons;
}

static bool build(struct domu *u, const char *name, const uint8_t *elf, size_t len,
		  const char *cmdline, uint8_t *window)
{
	long rc;

	u->name = name;
	rc = pv_load(&u->pv, elf, len, cmdline);
	rc = rc ? rc : builder_map_mmu(window, u->pv.console_mfn, u->pv.id);
	if (rc) {
		xtest_error("building the %s domU d%u: %ld", name, u->pv.id, rc);
		return false;
	}
	u->window = window;
	printk("%s domU: d%u, %lu pages, \"%s\"\n", name, u->pv.id, u->pv.nr_pages, cmdline);
	return true;
}

static long unpause(uint16_t id)
{
	struct dctl op;

	memset(&op, 0, sizeof(op));
	return domctl(XEN_DOMCTL_unpausedomain, id, &op);
}

/* The domain's getdomaininfo flags, or -1. */
static long dom_flags(uint16_t id)
{
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_getdomaininfo, id, &op);
	if (rc || op.u.info.domain != id)
		return -1;
	return op.u.info.flags;
}

/* One beat: send on @port, wait (yielding, draining consoles) for the answer. */
static bool beat(uint32_t port, struct domu *a, struct domu *b)
{
	unsigned long start = rdtsc();

	evtchn_test_and_clear(port);
	evtchn_port_op(EVTCHNOP_send, port);
	while (!evtchn_test_and_clear(port)) {
		drain(a);
		drain(b);
		if (rdtsc() - start > BEAT_WAIT_CYCLES)
			return false;
		hypercall_sched_op(SCHEDOP_yield, NULL);
	}
	return true;
}

static void destroy(uint16_t id)
{
	struct tiny_dom t = { .id = id };

	tiny_destroy(&t);
}

/* SCHEDOP_remote_shutdown of @id by the control domain: it is shut down with that code. */
static void remote_shutdown(uint16_t id)
{
	struct {
		uint16_t dom;
		uint32_t reason;
	} r = { id, SHUTDOWN_reboot };
	long rc = hypercall_sched_op(SCHEDOP_remote_shutdown, &r), flags = dom_flags(id);

	xtest_check(rc == 0 && flags >= 0 && (flags & XEN_DOMINF_shutdown) &&
			((flags >> XEN_DOMINF_shutdownshift) & 0xff) == SHUTDOWN_reboot,
		    "remote_shutdown(d%u, reboot): %ld, flags %#lx", id, rc, flags);
	r.dom = DOMID_SELF;
	rc = hypercall_sched_op(SCHEDOP_remote_shutdown, &r);
	xtest_check(rc == -ESRCH, "remote_shutdown(DOMID_SELF): %ld", rc);
}

/* dom0's own calls still answer: xen_version, physinfo, getdomaininfo of @id. */
static bool dom0_works(uint16_t id)
{
	long ver = hypercall_xen_version(XENVER_version, NULL);
	uint64_t free_pages = builder_free_pages();
	long flags = dom_flags(id);

	if (ver == 0x00040011 && free_pages && flags >= 0)
		return true;
	xtest_fail("dom0's calls: xen_version %#lx, free pages %lu, d%u flags %ld", ver,
		   (unsigned long)free_pages, id, flags);
	return false;
}

void test_main(void)
{
	static struct domu fz, hb;
	const char *cl = (const char *)xtest_start_info->cmd_line;
	char cmd[64], fuzz_cmd[128];
	struct evtchn_alloc_unbound a;
	struct evtchn_bind_interdomain bi;
	unsigned long during = 0, after = 0, rounds = 0;
	uint64_t free0 = builder_free_pages(), now;
	long flags, rc;
	int code;

	/* The heartbeat: its port offered to dom0, named on its command line. */
	if (pv_create(&hb.pv, BEAT_PAGES, beat_mfns))
		goto out;
	a = (struct evtchn_alloc_unbound){ .dom = hb.pv.id, .remote_dom = 0 };
	rc = evtchn_op(EVTCHNOP_alloc_unbound, &a);
	if (rc) {
		xtest_error("alloc_unbound in d%u for dom0: %ld", hb.pv.id, rc);
		goto out;
	}
	snprintf(cmd, sizeof(cmd), "port=%u", a.port);
	if (!build(&hb, "heartbeat", beat_elf, (size_t)(beat_elf_end - beat_elf), cmd, beat_window))
		goto out;
	bi = (struct evtchn_bind_interdomain){ .remote_dom = hb.pv.id, .remote_port = a.port };
	rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi);
	rc = rc ? rc : unpause(hb.pv.id);
	if (rc) {
		xtest_error("binding d%u's port / unpausing it: %ld", hb.pv.id, rc);
		goto out;
	}
	if (!beat(bi.local_port, &hb, &fz)) {
		xtest_fail("the heartbeat d%u never answered", hb.pv.id);
		goto out;
	}

	/* The fuzzer, with our own seed= and calls=. */
	if (pv_create(&fz.pv, FUZZ_PAGES, fuzz_mfns))
		goto out;
	snprintf(fuzz_cmd, sizeof(fuzz_cmd), "%s domid=%u", cl, fz.pv.id);
	if (!build(&fz, "fuzz", fuzz_elf, (size_t)(fuzz_elf_end - fuzz_elf), fuzz_cmd, fuzz_window))
		goto out;
	rc = unpause(fz.pv.id);
	if (rc) {
		xtest_error("unpausing d%u: %ld", fz.pv.id, rc);
		goto out;
	}
	for (;;) {
		flags = dom_flags(fz.pv.id);
		if (flags < 0 || (flags & XEN_DOMINF_shutdown))
			break;
		rounds++;
		if (!beat(bi.local_port, &hb, &fz)) {
			xtest_fail("the heartbeat d%u stopped answering after %lu beats during the "
				   "fuzz run",
				   hb.pv.id, during);
			goto out;
		}
		flags = dom_flags(fz.pv.id);
		if (flags >= 0 && !(flags & XEN_DOMINF_shutdown))
			during++;
		if (!dom0_works(hb.pv.id))
			goto out;
	}
	drain(&fz);
	if (flags < 0) {
		xtest_fail("the fuzz domU d%u vanished", fz.pv.id);
		goto out;
	}
	code = (int)((flags >> XEN_DOMINF_shutdownshift) & 0xff);
	printk("fuzz domU d%u shut down with code %d; %lu heartbeats while it ran\n", fz.pv.id,
	       code, during);
	if (code == SHUTDOWN_poweroff)
		xtest_check(fz.verdict_seen && fz.verdict_success,
			    "the fuzz domU powered off without \"Test result: SUCCESS\"");
	else
		xtest_check(code == SHUTDOWN_crash, "the fuzz domU ended with code %d", code);
	xtest_check(during > 0, "no heartbeat answered while the fuzz domU ran (%lu rounds)",
		    rounds);

	/* After it: destroy the fuzzer; the heartbeat and dom0 go on. */
	builder_unmap(fuzz_window);
	fz.window = NULL;
	destroy(fz.pv.id);
	fz.pv.id = 0;
	for (; after < 16; after++)
		if (!beat(bi.local_port, &hb, &fz) || !dom0_works(hb.pv.id))
			break;
	xtest_check(after == 16, "the heartbeat answered %lu of 16 beats after the fuzz domU",
		    after);
	drain(&hb);
	printk("heartbeat d%u: %lu beats while the fuzzer ran, %lu after\n", hb.pv.id, during,
	       after);
	remote_shutdown(hb.pv.id);

out:
	if (fz.window)
		builder_unmap(fuzz_window);
	if (hb.window)
		builder_unmap(beat_window);
	if (fz.pv.id)
		destroy(fz.pv.id);
	if (hb.pv.id)
		destroy(hb.pv.id);
	now = builder_wait_free(free0);
	xtest_check(now == free0, "free pages %lu after both domUs, %lu before", (unsigned long)now,
		    (unsigned long)free0);
}
