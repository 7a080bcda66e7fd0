/*
 * The domU of bench/migrate.py (not a test of its own): a clock for the
 * live-migration benchmark, optionally with a memory writer.
 *
 * It samples its pvclock every STEP_NS, blocking in SCHEDOP_poll (no port,
 * a timeout) between samples, and keeps the largest step between two
 * samples in a row. Every BEAT_NS it prints
 *	migbench: beat N at T ms, gap G ms, dirtied P
 * T its system time, G the largest step since the last beat (both from its
 * own clock), P the pages it has written so far. "writer=M" on its command
 * line (xl's extra=) makes it write M MiB a second of its WRITER_PAGES-page
 * region, page after page in turn, each page whole with its write's number;
 * without it the guest only keeps time. Every XS_NS it reads
 * control/shutdown: on "suspend" it prints
 *	migbench: suspending at T ms, wall W ms
 * and suspends (pv-suspend.h); after the call
 *	migbench: back at T ms, wall W ms, rc R, wall step S ms
 * where T is the system time of the host it now runs on (the step between
 * samples is not taken across the suspend: the two hosts' system times have
 * nothing in common) and W the wall time that host gives it in shared_info
 * (wc_* plus system time), S the wall time from the suspending line to this
 * one. "poweroff" ends it.
 */
#include "console-ring.h"
#include "evtchn.h"
#include "pv-suspend.h"
#include "pvclock.h"
#include "xs-client.h"

#define STEP_NS 5000000ULL   /* a sample every 5 ms */
#define BEAT_NS 250000000ULL /* a line every 250 ms */
#define XS_NS 50000000ULL    /* control/shutdown read every 50 ms */
#define WRITER_PAGES 4096    /* 16 MiB */
#define CATCH_UP_PAGES 256   /* at most 1 MiB written at one sample */

static unsigned long region[WRITER_PAGES][512] __attribute__((aligned(4096)));

struct clock {
	uint64_t last; /* the previous sample */
	uint64_t gap;  /* the largest step since the last beat */
	uint64_t next_beat;
	uint64_t next_xs;
	unsigned long beat;
};

struct writer {
	unsigned long pages_per_s;
	uint64_t start;	     /* system time of the first write, on this host */
	unsigned long done;  /* pages written on this host since start */
	unsigned long total; /* pages written in all */
};

static uint64_t now(void)
{
	return pvclock_now(0);
}

/* Wall time in ns: shared_info's wall time at system time 0 plus system time. */
static uint64_t wall_now(void)
{
	const volatile struct shared_info *s = xtest_shared_info();
	uint32_t ver;
	uint64_t wall;

	do {
		ver = s->wc_version;
		__asm__ volatile("" ::: "memory");
		wall = ((uint64_t)s->wc_sec_hi << 32 | s->wc_sec) * 1000000000ULL + s->wc_nsec;
		__asm__ volatile("" ::: "memory");
	} while ((ver & 1) || ver != s->wc_version);
	return wall + now();
}

static unsigned long ms(uint64_t ns)
{
	return (unsigned long)(ns / 1000000);
}

/* Block until @deadline (system time). */
static void sleep_until(uint64_t deadline)
{
	struct sched_poll p = { .timeout = deadline };

	while (now() < deadline)
		hypercall_sched_op(SCHEDOP_poll, &p);
}

/* The pages due by @t, CATCH_UP_PAGES at most at once. */
static void writer_run(struct writer *w, uint64_t t)
{
	unsigned long due, n;

	if (!w->pages_per_s)
		return;
	due = (unsigned long)((t - w->start) / 1000000 * w->pages_per_s / 1000);
	for (n = 0; w->done < due && n < CATCH_UP_PAGES; n++, w->done++, w->total++) {
		unsigned long *page = region[w->total % WRITER_PAGES];

		for (unsigned long i = 0; i < 512; i++)
			page[i] = w->total ^ i;
	}
	/* Behind by more than a catch-up: what was missed is not owed. */
	if (w->done < due)
		w->done = due;
}

/* Restart the clock's and the writer's account at system time @t. */
static void clock_start(struct clock *c, struct writer *w, uint64_t t)
{
	c->last = t;
	c->gap = 0;
	c->next_beat = t + BEAT_NS;
	c->next_xs = t + XS_NS;
	w->start = t;
	w->done = 0;
}

static void do_suspend(struct clock *c, struct writer *w)
{
	uint64_t wall0 = wall_now(), wall1, t;
	long rc;

	printk("migbench: suspending at %lu ms, wall %lu ms\n", ms(now()), ms(wall0));
	console_ring_flush();
	rc = pv_suspend("migbench");
	t = now();
	wall1 = wall_now();
	printk("migbench: back at %lu ms, wall %lu ms, rc %ld, wall step %ld ms\n", ms(t),
	       ms(wall1), rc, (long)(wall1 - wall0) / 1000000);
	clock_start(c, w, t);
}

/* control/shutdown: true when told to power off. */
static bool control(struct clock *c, struct writer *w)
{
	char cmd[32];

	xs_read("control/shutdown", cmd, sizeof(cmd));
	if (!strcmp(cmd, "suspend")) {
		xs_write("control/shutdown", "");
		do_suspend(c, w);
	} else if (!strcmp(cmd, "poweroff")) {
		xs_write("control/shutdown", "");
		return true;
	}
	return false;
}

static void run_loop(struct writer *w)
{
	struct clock c = { 0 };

	clock_start(&c, w, now());
	for (;;) {
		uint64_t t;

		sleep_until(c.last + STEP_NS);
		t = now();
		if (t - c.last > c.gap)
			c.gap = t - c.last;
		c.last = t;
		writer_run(w, t);
		if (t >= c.next_beat) {
			printk("migbench: beat %lu at %lu ms, gap %lu ms, dirtied %lu\n", c.beat++,
			       ms(t), ms(c.gap), w->total);
			c.gap = 0;
			c.next_beat = t + BEAT_NS;
		}
		if (t >= c.next_xs) {
			c.next_xs = t + XS_NS;
			if (control(&c, w))
				return;
		}
	}
}

void test_main(void)
{
	struct writer w = { .pages_per_s = xtest_cmdline_num("writer", 0) * 256 };

	if (xtest_start_info->flags & SIF_INITDOMAIN) {
		xtest_skip("the domU of bench/migrate.py (it runs under xl)");
		return;
	}
	if (!pv_p2m_publish() || !xs_connect(xtest_start_info)) {
		xtest_error("no shared_info or no xenstore ring");
		return;
	}
	printk("migbench: ready, %lu pages, writer %lu pages a second over %d\n",
	       xtest_start_info->nr_pages, w.pages_per_s, WRITER_PAGES);
	run_loop(&w);
}
