/*
 * A domU that powers itself off ends itself, not the machine: dom0 hears of
 * it through VIRQ_DOM_EXC and runs on. The same image boots as dom0 and, with
 * Petrel's "domu" testing aid, as domain 1 (see domains.c).
 *
 * Petrel-only: Xen starts no second domain from boot modules; without the
 * "with-domu" argument (EFI and Xen modes) the test skips.
 */
#include "xtest.h"

TEST_DOMU("domu-role");
XTEST_NO_TRAP_TABLE();

#define HC_event_channel_op 32
#define EVTCHNOP_bind_virq 1
#define SCHEDOP_poll 3
#define VIRQ_DOM_EXC 3

struct evtchn_bind_virq {
	uint32_t virq, vcpu, port;
};
struct sched_poll {
	uint32_t *ports;
	unsigned int nr_ports;
	uint64_t timeout;
};

static bool pending(const struct shared_info *sh, uint32_t port)
{
	return (__atomic_load_n(&sh->evtchn_pending[port / 64], __ATOMIC_SEQ_CST) >> (port % 64)) &
	       1;
}

void test_main(void)
{
	struct evtchn_bind_virq v = { .virq = VIRQ_DOM_EXC };
	struct sched_poll p = { .ports = &v.port, .nr_ports = 1 };
	struct shared_info *sh;
	unsigned int polls = 0;
	long rc;

	if (!(xtest_start_info->flags & SIF_INITDOMAIN)) {
		hypercall_shutdown(SHUTDOWN_poweroff);
		__asm__ volatile("ud2"); /* not reached: the domain is gone */
	}
	if (!strstr(xtest_start_info->cmd_line, "with-domu")) {
		xtest_skip("no second domain in this boot mode (Petrel's multiboot 'domu' aid)");
		return;
	}
	sh = xtest_shared_info();
	if (!sh) {
		xtest_fail("shared_info not mapped");
		return;
	}
	rc = hypercall(HC_event_channel_op, EVTCHNOP_bind_virq, (unsigned long)&v, 0, 0, 0);
	xtest_check(rc == 0, "bind_virq(VIRQ_DOM_EXC) = %ld", rc);
	if (rc)
		return;
	/* Blocking lets domain 1 run; its poweroff wakes us. */
	while (!pending(sh, v.port) && polls < 1000) {
		rc = hypercall_sched_op(SCHEDOP_poll, &p);
		polls++;
	}
	xtest_check(pending(sh, v.port), "no VIRQ_DOM_EXC after domain 1 powered off (%u polls)",
		    polls);
	printk("dom0 runs on after domain 1's poweroff\n");
}
