/*
 * Event to remote vCPU running, across domains on one CPU: the control
 * domain builds an echo domU (tests/guests/domu/heartbeat.c, which answers
 * every event on its interdomain port with one back) and times round trips
 * over that channel:
 *
 *	evtchn-rtt       send, then SCHEDOP_poll until the answer: the echo
 *	                 domU is woken and runs, answers and blocks, dom0 is
 *	                 woken and runs (two wakes, two switches)
 *	evtchn-rtt-hog   the same with a CPU-bound domain (lib/hammer.c) also
 *	                 on the CPU: each woken side must preempt it, or the
 *	                 round trip waits for its time slice
 *	evtchn-rtt-spin  send, then spin (no hypercall) until the answer is
 *	                 pending, the CPU-bound domain still there: the sender
 *	                 keeps the CPU, as a frontend that never blocks, and
 *	                 the woken echo domU must preempt it
 *
 * The figures are TSC cycles per round trip. Every round trip is checked
 * to be answered; nothing is timed against a bound.
 */
#include "bench-run.h"
#include "hammer.h"
#include "evtchn.h"

TEST_HV_ARGS("dom0_mem=64M");
TEST_EXPECT("BENCH evtchn-rtt ");
TEST_EXPECT("BENCH evtchn-rtt-hog ");
TEST_EXPECT("BENCH evtchn-rtt-spin ");

#define ECHO_PAGES 512
/* How long one round trip may take before the figure is given up (TSC cycles). */
#define WAIT_CYCLES 60000000000UL

__asm__(".pushsection .rodata\n"
	".balign 8\n"
	"echo_elf: .incbin \"domu/heartbeat.elf\"\n"
	"echo_elf_end:\n"
	".popsection\n");
extern const uint8_t echo_elf[], echo_elf_end[];

static unsigned long echo_mfns[ECHO_PAGES];
static struct hammer_dom hog = { .seed = 0xc1c2c3c4c5c6c700ULL, .fs_slot = 0x100 };
static uint32_t port; /* dom0's end of the channel to the echo domU */

/* The answer to one send, waited for by polling (blocking) or spinning. */
static bool round_trip(bool spin)
{
	uint64_t start = bench_tsc();

	if (evtchn_port_op(EVTCHNOP_send, port))
		return false;
	while (!evtchn_test_and_clear(port)) {
		if (!spin)
			evtchn_poll_pending(port, 1);
		if (bench_tsc() - start > WAIT_CYCLES) {
			xtest_fail("no answer from the echo domU");
			return false;
		}
	}
	return true;
}

static bool rtt(unsigned long iters, void *arg)
{
	for (unsigned long i = 0; i < iters; i++)
		if (!round_trip(arg != NULL))
			return false;
	return true;
}

/* The echo domU with its port offered to dom0, bound, running; false if not. */
static bool echo_up(struct pv_dom *d)
{
	struct evtchn_alloc_unbound a;
	struct evtchn_bind_interdomain bi;
	char cmd[32];
	long rc;

	if (pv_create(d, ECHO_PAGES, echo_mfns))
		return false;
	a = (struct evtchn_alloc_unbound){ .dom = d->id, .remote_dom = 0 };
	rc = evtchn_op(EVTCHNOP_alloc_unbound, &a);
	if (!rc) {
		snprintf(cmd, sizeof(cmd), "port=%u", a.port);
		rc = pv_load(d, echo_elf, (size_t)(echo_elf_end - echo_elf), cmd);
	}
	if (!rc) {
		bi = (struct evtchn_bind_interdomain){ .remote_dom = d->id, .remote_port = a.port };
		rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi);
		port = bi.local_port;
	}
	rc = rc ? rc : hammer_dom_op(XEN_DOMCTL_unpausedomain, d->id);
	if (rc)
		xtest_error("the echo domU d%u: %ld", d->id, rc);
	return !rc && round_trip(false);
}

void test_main(void)
{
	struct pv_dom echo = { 0 };
	struct tiny_dom t;

	if (echo_up(&echo)) {
		bench_run("evtchn-rtt", 50, rtt, NULL);
		if (hammer_build(&hog) && !hammer_dom_op(XEN_DOMCTL_unpausedomain, hog.t.id)) {
			bench_run("evtchn-rtt-hog", 50, rtt, NULL);
			bench_run("evtchn-rtt-spin", 50, rtt, (void *)1);
			hammer_check(&hog);
		} else {
			xtest_error("the CPU-bound domain did not start");
		}
	}
	if (hog.t.id)
		tiny_destroy(&hog.t);
	t.id = echo.id;
	if (echo.id)
		tiny_destroy(&t);
}
