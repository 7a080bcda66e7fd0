/*
 * A domU that powers itself off ends itself, not the machine: dom0 hears of
 * it through VIRQ_DOM_EXC and runs on. The same image boots as dom0 and, with
 * Petrel's "domu" testing aid, as domain 1 (see domains.c). The domU powers
 * off only when dom0, with VIRQ_DOM_EXC bound, tells it to over an
 * interdomain event channel (a VIRQ raised before it is bound is lost).
 *
 * Petrel-only: Xen starts no second domain from boot modules; without the
 * "with-domu" argument (EFI and Xen modes) the test skips.
 */
#include "xtest.h"
#include "evtchn.h"

TEST_DOMU("domu-role");
XTEST_NO_TRAP_TABLE();

static struct shared_info *sh;

/* Block until @port is pending (at most @max polls: other events end a poll too). */
/* Domain 1: say ready, wait for the word, power off. */
static __attribute__((noreturn)) void domu_main(void)
{
	struct evtchn_bind_interdomain b = { .remote_dom = 0 };
	long rc = -1;

	for (unsigned int tries = 0; rc && tries < 100000; tries++) {
		for (uint32_t p = 1; p < 64 && rc; p++) {
			b.remote_port = p;
			rc = evtchn_op(EVTCHNOP_bind_interdomain, &b);
		}
		if (rc)
			hypercall_sched_op(SCHEDOP_yield, NULL);
	}
	evtchn_op(EVTCHNOP_send, &b.local_port);
	if (sh)
		evtchn_poll_pending(b.local_port, 100000);
	hypercall_shutdown(SHUTDOWN_poweroff);
	__asm__ volatile("ud2"); /* not reached: the domain is gone */
	for (;;)
		;
}

void test_main(void)
{
	struct evtchn_bind_virq v = { .virq = VIRQ_DOM_EXC };
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 1 };
	long rc;

	sh = xtest_shared_info();
	if (!(xtest_start_info->flags & SIF_INITDOMAIN))
		domu_main();
	if (!strstr(xtest_start_info->cmd_line, "with-domu")) {
		xtest_skip("no second domain in this boot mode (Petrel's multiboot 'domu' aid)");
		return;
	}
	if (!sh) {
		xtest_fail("shared_info not mapped");
		return;
	}
	rc = evtchn_op(EVTCHNOP_bind_virq, &v);
	xtest_check(rc == 0, "bind_virq(VIRQ_DOM_EXC) = %ld", rc);
	rc = evtchn_op(EVTCHNOP_alloc_unbound, &a);
	xtest_check(rc == 0, "alloc_unbound for domain 1 = %ld", rc);
	if (rc)
		return;
	xtest_check(evtchn_poll_pending(a.port, 1000), "domain 1 never said it was ready");
	evtchn_op(EVTCHNOP_send, &a.port);
	/* Blocking lets domain 1 run; its poweroff wakes us. */
	xtest_check(evtchn_poll_pending(v.port, 1000),
		    "no VIRQ_DOM_EXC after domain 1 powered off");
	printk("dom0 runs on after domain 1's poweroff\n");
}
