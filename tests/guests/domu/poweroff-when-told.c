/*
 * A domU for the system test's rename-restart check (not a test of its
 * own): it waits, reading its xenstore home's data/poweroff every 200 ms,
 * until the control domain writes that node, then powers off. A domain
 * nobody tells stays up until it is destroyed, so the test decides which
 * of the domains xl builds from one config power off, whatever the time.
 */
#include "console-ring.h"
#include "evtchn.h"
#include "pvclock.h"
#include "xs-client.h"

#define POLL_NS 200000000ULL

/* Block until 200 ms from now (SCHEDOP_poll on no port, with a timeout). */
static void nap(void)
{
	uint64_t end = pvclock_now(0) + POLL_NS;
	struct sched_poll p = { .timeout = end };

	while (pvclock_now(0) < end)
		hypercall_sched_op(SCHEDOP_poll, &p);
}

void test_main(void)
{
	char word[32];

	if (!xs_connect(xtest_start_info)) {
		xtest_error("no xenstore ring");
		return;
	}
	printk("poweroff-when-told: waiting for data/poweroff\n");
	console_ring_flush();
	while (!xs_read("data/poweroff", word, sizeof(word)))
		nap();
	printk("poweroff-when-told: told (%s), powering off\n", word);
}
