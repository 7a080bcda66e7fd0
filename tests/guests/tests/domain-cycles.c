/*
 * Create/destroy cycles: the control domain builds a tiny domain (builder.c)
 * again and again and destroys it, and after each destroy physinfo's free
 * pages must be back to what they were before the first, to the page.
 * Even cycles run the domain: it allocates an event channel for dom0 and
 * a grant table frame, then powers off, and is destroyed after its
 * shutdown; odd cycles destroy it built but never run (still paused). The
 * number of cycles is the "cycles=" argument: 50 here (make test), 1000 in
 * `make test-cycles`.
 */
#include "builder.h"
#include "evtchn.h"

TEST_ARGS("cycles=50");
TEST_HV_ARGS("dom0_mem=64M");

#define SHUTDOWN_poweroff 0

static unsigned long arg_num(const char *key, unsigned long def)
{
	const char *p = strstr((const char *)xtest_start_info->cmd_line, key);
	unsigned long v = 0;

	if (!p)
		return def;
	for (p += strlen(key); *p >= '0' && *p <= '9'; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	return v;
}

/* The domain's script: alloc_unbound for dom0, grant setup_table of one frame, poweroff. */
static void fill(struct tiny_dom *t, uint8_t *data, uint8_t *args)
{
	struct tiny_call *c = (struct tiny_call *)data;
	struct evtchn_alloc_unbound *a = (struct evtchn_alloc_unbound *)args;
	struct gnttab_setup_table *st = (struct gnttab_setup_table *)(args + 64);

	(void)t;
	a->dom = DOMID_SELF;
	a->remote_dom = 0;
	c[0].op = HC_event_channel_op;
	c[0].a[0] = EVTCHNOP_alloc_unbound;
	c[0].a[1] = TINY_GVA(PFN_ARGS);
	st->dom = DOMID_SELF;
	st->nr_frames = 1;
	st->frame_list = (unsigned long *)(TINY_GVA(PFN_ARGS) + 128);
	c[1].op = HC_grant_table_op;
	c[1].a[0] = GNTTABOP_setup_table;
	c[1].a[1] = TINY_GVA(PFN_ARGS) + 64;
	c[1].a[2] = 1;
	c[2].op = TINY_END;
	c[2].a[0] = SHUTDOWN_poweroff;
}

static uint8_t window[4096] __attribute__((aligned(4096)));

/* The first run's calls must have worked, or its teardown had nothing to free. */
static void check_calls(const struct tiny_dom *t)
{
	const struct tiny_call *c = (const struct tiny_call *)window;
	long rc = builder_map_mmu(window, t->mfn[PFN_DATA], t->id);

	if (rc) {
		xtest_error("mapping d%u's data frame: %ld", t->id, rc);
		return;
	}
	xtest_check(c[0].rc == 0 && c[1].rc == 0, "d%u: alloc_unbound %ld, setup_table %ld", t->id,
		    (long)c[0].rc, (long)c[1].rc);
	builder_unmap(window);
}

/* One cycle; false (verdict recorded) if it went wrong. */
static bool cycle(unsigned long n, uint64_t free0)
{
	struct tiny_dom t;
	uint64_t now;
	int code;

	if (!tiny_build(&t, tiny_script_start, (size_t)(tiny_script_end - tiny_script_start), fill))
		return false;
	if (n % 2 == 0) {
		code = tiny_run(&t);
		if (code != SHUTDOWN_poweroff) {
			xtest_fail("cycle %lu: d%u ended with code %d", n, t.id, code);
			tiny_destroy(&t);
			return false;
		}
		if (n == 0)
			check_calls(&t);
	}
	if (tiny_destroy(&t))
		return false;
	now = builder_wait_free(free0);
	if (now != free0) {
		xtest_fail("cycle %lu (d%u): %lu free pages after destroy, %lu before the first", n,
			   t.id, (unsigned long)now, (unsigned long)free0);
		return false;
	}
	return true;
}

void test_main(void)
{
	unsigned long cycles = arg_num("cycles=", 50), n;
	uint64_t free0 = builder_free_pages();

	for (n = 0; n < cycles && cycle(n, free0); n++)
		if ((n + 1) % 100 == 0)
			printk("%lu cycles\n", n + 1);
	printk("%lu of %lu create/destroy cycles, free pages %lu at the start and after each\n", n,
	       cycles, (unsigned long)free0);
	xtest_check(n == cycles, "stopped after %lu of %lu cycles", n, cycles);
}
