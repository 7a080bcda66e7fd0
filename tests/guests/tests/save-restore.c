/*
 * A domU for `xl save` / `xl restore` (run by the system test under xl, not
 * as an initial domain: there it has no xenstore and skips).
 *
 * It fills PATTERN_PAGES pages with a pattern, publishes its p2m for the
 * toolstack (the frame-list tree in shared_info), then counts on its console
 * ring (each tick with its system time in ms and the journal's write count)
 * and polls its xenstore control/shutdown node. Every tick it also rewrites
 * JOURNAL_WRITES pages of a JOURNAL_PAGES-page journal in turn, each page
 * stamped with its write's sequence number and filled from it, so that a
 * live migration has pages dirtied while it copies. On "suspend" it acks
 * (writes "" to the node), prepares as a PV kernel must (store and console
 * frames in start_info as PFNs, shared_info unmapped) and calls
 * SCHEDOP_shutdown(SHUTDOWN_suspend) with its start_info MFN in the third
 * argument. The call returns 0 in the restored domain or 1 if the suspend
 * was cancelled; either way it maps shared_info, the store and console rings
 * again from start_info, checks the pattern and that each journal page holds
 * the last write made to it, and prints
 *	save-restore: PASS resumed (rc 0) ...  or  save-restore: FAIL ...
 * then goes on counting. "poweroff" in control/shutdown ends it, "crash"
 * crashes it (SCHEDOP_shutdown(SHUTDOWN_crash), for the on_crash actions).
 */
#include "xtest.h"
#include "console-ring.h"
#include "xs-client.h"
#include "pvclock.h"
#include "pv-suspend.h"

#define PATTERN_PAGES 256
#define TICK_NS 250000000UL /* a tick every 250 ms of system time */
#define JOURNAL_PAGES 1024  /* 4 MiB */
#define JOURNAL_WRITES 64   /* pages rewritten a tick: 1 MiB/s */

static unsigned long pattern[PATTERN_PAGES][512] __attribute__((aligned(4096)));
static unsigned long journal[JOURNAL_PAGES][512] __attribute__((aligned(4096)));
static unsigned long journal_seq; /* journal pages written so far */

/* System time (ns) from vCPU 0's pvclock in shared_info. */
static uint64_t now(void)
{
	return pvclock_now(0);
}

/*
 * Wait until @deadline (system time), yielding. (Blocking in SCHEDOP_poll
 * with a timeout works on Petrel, but on Xen 4.17 under QEMU TCG dom0's
 * programs then died of segfaults right after xl create, twice in a row;
 * yielding did not provoke that as readily.)
 */
static void sleep_until(uint64_t deadline)
{
	while (now() < deadline)
		hypercall_sched_op(SCHEDOP_yield, NULL);
}

static unsigned long pattern_word(unsigned long page, unsigned long i)
{
	return (page * 512 + i) * 0x9e3779b97f4a7c15UL ^ 0x5a5a00005a5a0000UL;
}

static void pattern_fill(void)
{
	for (unsigned long p = 0; p < PATTERN_PAGES; p++)
		for (unsigned long i = 0; i < 512; i++)
			pattern[p][i] = pattern_word(p, i);
}

/* Number of pattern words that differ. */
static unsigned long pattern_check(void)
{
	unsigned long bad = 0;

	for (unsigned long p = 0; p < PATTERN_PAGES; p++)
		for (unsigned long i = 0; i < 512; i++)
			bad += pattern[p][i] != pattern_word(p, i);
	return bad;
}

static unsigned long journal_word(unsigned long seq, unsigned long i)
{
	return pattern_word(seq, i) ^ 0x0123456789abcdefUL;
}

/* The next JOURNAL_WRITES pages of the journal, in turn. */
static void journal_write(void)
{
	for (unsigned long n = 0; n < JOURNAL_WRITES; n++, journal_seq++) {
		unsigned long *page = journal[journal_seq % JOURNAL_PAGES];

		page[0] = journal_seq;
		for (unsigned long i = 1; i < 512; i++)
			page[i] = journal_word(journal_seq, i);
	}
}

/* Journal pages that do not hold the last write made to them. */
static unsigned long journal_check(void)
{
	unsigned long bad = 0;

	for (unsigned long slot = 0; slot < JOURNAL_PAGES; slot++) {
		const unsigned long *page = journal[slot];
		unsigned long want, wrong = 0;

		if (journal_seq <= slot) {
			bad += page[0] != 0;
			continue;
		}
		want = slot + (journal_seq - 1 - slot) / JOURNAL_PAGES * JOURNAL_PAGES;
		wrong = page[0] != want;
		for (unsigned long i = 1; i < 512; i++)
			wrong |= page[i] != journal_word(want, i);
		bad += wrong;
	}
	return bad;
}

/* control/shutdown's value, "" when absent. */
static void read_shutdown(char *out, uint32_t outsz)
{
	xs_read("control/shutdown", out, outsz);
}

static void do_suspend(void)
{
	unsigned long si_mfn = pv_va_to_mfn(xtest_start_info);
	unsigned long before = xtest_start_info->store_mfn, bad, stale;
	long rc;

	printk("save-restore: suspending (start_info mfn %#lx)\n", si_mfn);
	console_ring_flush();
	rc = pv_suspend("save-restore");
	bad = pattern_check();
	stale = journal_check();
	printk("save-restore: back from the suspend at %lu ms: rc %ld, store mfn %#lx -> %#lx, "
	       "start_info mfn %#lx\n",
	       (unsigned long)(now() / 1000000), rc, before, xtest_start_info->store_mfn,
	       pv_va_to_mfn(xtest_start_info));
	if ((rc == 0 || rc == 1) && bad == 0 && stale == 0)
		printk("save-restore: PASS %s (rc %ld), %d pattern pages intact, journal intact "
		       "after %lu writes\n",
		       rc ? "cancelled" : "resumed", rc, PATTERN_PAGES, journal_seq);
	else
		printk("save-restore: FAIL rc %ld, %lu pattern words changed, %lu of %d journal "
		       "pages stale after %lu writes\n",
		       rc, bad, stale, JOURNAL_PAGES, journal_seq);
}

/* Count and watch control/shutdown until asked to power off. */
static void run_loop(void)
{
	unsigned long tick = 0;
	char cmd[32];

	for (;;) {
		sleep_until(now() + TICK_NS);
		journal_write();
		printk("save-restore: tick %lu at %lu ms, journal %lu\n", tick++,
		       (unsigned long)(now() / 1000000), journal_seq);
		read_shutdown(cmd, sizeof(cmd));
		if (!strcmp(cmd, "suspend")) {
			xs_write("control/shutdown", "");
			do_suspend();
		} else if (!strcmp(cmd, "poweroff")) {
			xs_write("control/shutdown", "");
			return;
		} else if (!strcmp(cmd, "crash")) {
			xs_write("control/shutdown", "");
			printk("save-restore: crashing as asked\n");
			hypercall_shutdown(SHUTDOWN_crash);
		}
	}
}

void test_main(void)
{
	if (xtest_start_info->flags & SIF_INITDOMAIN) {
		xtest_skip("a domU for xl save/restore (the system test runs it under xl)");
		return;
	}
	pattern_fill();
	if (!pv_p2m_publish() || !xs_connect(xtest_start_info)) {
		xtest_error("no shared_info or no xenstore ring");
		return;
	}
	printk("save-restore: ready, %d pattern pages, %lu pages\n", PATTERN_PAGES,
	       xtest_start_info->nr_pages);
	run_loop();
}
