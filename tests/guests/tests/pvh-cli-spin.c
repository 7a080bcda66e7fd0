/*
 * A PVH vCPU spinning with interrupts off does not keep its CPU. The control
 * domain, on the only CPU, builds a PVH domain whose vCPU clears IF and
 * counts in its data page for ever, unpauses it, and then:
 *  - busy-waits (it never yields or blocks) until it has seen the count
 *    move NR_SIGHTINGS times: each time the domU ran and then lost the CPU,
 *    which it never gives up by itself. The largest step seen is what the
 *    domU counts in one time slice;
 *  - sleeps NR_SLEEPS times for one millisecond in SCHEDOP_poll with a
 *    timeout: with nothing else waiting for the CPU only its own timer ends
 *    the domU's run. The domU must count meanwhile, and (the median) less
 *    than a third of a slice's count: the domU is stopped at the control
 *    domain's deadline, not at some later tick;
 * then destroys the spinning domain with every page back. On Petrel under
 * Bochs (VMX) this takes the VMX-preemption timer, armed at each VM entry
 * for the CPU's soonest timer: Bochs 2.7 takes no external-interrupt exit
 * while the guest's IF is clear. On SVM the physical-interrupt intercept
 * (with V_INTR_MASKING) does not depend on the guest's IF.
 */
#include "hammer.h"
#include "evtchn.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_HV_ARGS("dom0_mem=64M");

#define NR_SIGHTINGS 6
#define NR_SLEEPS 9
#define SIGHTING_LIMIT_NS (20 * 1000 * MS) /* of system time, for all sightings */

/* 32-bit code, paging off: interrupts off, then count at the data page for ever. */
__asm__(".pushsection .rodata\n"
	".globl spin_code, spin_code_end\n"
	"spin_code:\n"
	".code32\n"
	"cli\n"
	"mov $0x101000, %esi\n"
	"1: incl (%esi)\n"
	"jmp 1b\n"
	".code64\n"
	"spin_code_end:\n"
	".popsection\n");
extern const uint8_t spin_code[], spin_code_end[];

static uint8_t window[4096] __attribute__((aligned(4096)));

static uint32_t count(void)
{
	return *(volatile uint32_t *)window;
}

/* Busy-wait for the count to move: the step, or 0 if it did not by @limit. */
static uint32_t next_sighting(uint64_t limit)
{
	uint32_t last = count();

	while (count() == last)
		if (hammer_now() > limit)
			return 0;
	return count() - last;
}

/* The largest step between the control domain's looks (0 if it saw too few). */
static uint32_t sightings(uint16_t dom)
{
	uint64_t limit = hammer_now() + SIGHTING_LIMIT_NS;
	uint32_t most = 0, step;

	for (unsigned int i = 0; i < NR_SIGHTINGS; i++) {
		step = next_sighting(limit);
		if (!step) {
			xtest_fail("saw d%u's count move %u times, want %u", dom, i, NR_SIGHTINGS);
			return 0;
		}
		most = step > most ? step : most;
	}
	printk("d%u counted up to %u between the control domain's looks\n", dom, most);
	return most;
}

/* What the domU counted while the control domain slept 1 ms. */
static uint32_t sleep_count(void)
{
	uint64_t deadline = hammer_now() + MS;
	struct sched_poll p = { .nr_ports = 0, .timeout = deadline };
	uint32_t before = count();

	while (hammer_now() < deadline)
		hypercall_sched_op(SCHEDOP_poll, &p);
	return count() - before;
}

static void sort_counts(uint32_t *a, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j && a[j - 1] > a[j]; j--) {
			uint32_t t = a[j];

			a[j] = a[j - 1];
			a[j - 1] = t;
		}
}

static void sleeps(uint16_t dom, uint32_t slice_count)
{
	uint32_t got[NR_SLEEPS];

	for (unsigned int i = 0; i < NR_SLEEPS; i++)
		got[i] = sleep_count();
	sort_counts(got, NR_SLEEPS);
	printk("d%u counted %u to %u (median %u) while the control domain slept 1 ms\n", dom,
	       got[0], got[NR_SLEEPS - 1], got[NR_SLEEPS / 2]);
	xtest_check(got[NR_SLEEPS - 1] > 0, "d%u never ran while the control domain slept", dom);
	xtest_check(got[NR_SLEEPS / 2] < slice_count / 3,
		    "d%u counted %u (median) in 1 ms sleeps, %u in a slice: the sleeper woke late",
		    dom, got[NR_SLEEPS / 2], slice_count);
}

void test_main(void)
{
	uint64_t free0 = builder_free_pages();
	static uint8_t code[64];
	size_t len = (size_t)(spin_code_end - spin_code);
	uint32_t slice_count;
	uint16_t dom;
	long rc;

	memcpy(code, spin_code, len);
	if (!pvh_build(&dom, code, len, NULL)) {
		xtest_error("building a PVH domain");
		return;
	}
	rc = pvh_map(window, PVH_GFN_DATA, dom);
	if (rc) {
		xtest_error("mapping d%u's data page: %ld", dom, rc);
		builder_destroy_free(dom, free0);
		return;
	}
	rc = hammer_dom_op(XEN_DOMCTL_unpausedomain, dom);
	xtest_check(rc == 0, "unpausedomain d%u: %ld", dom, rc);
	slice_count = rc ? 0 : sightings(dom);
	if (slice_count)
		sleeps(dom, slice_count);
	builder_unmap(window);
	builder_destroy_free(dom, free0);
}
