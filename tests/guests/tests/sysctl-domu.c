/*
 * sysctl belongs to the control domain: a domU's physinfo, readconsole and
 * getdomaininfolist get -EPERM (a wrong interface version still -EACCES,
 * checked first), and so do its XENVER_commandline and XENVER_build_id, and
 * platform_op (set_processor_pminfo's _PDC call; -EACCES first too). The
 * same image boots as dom0 and, with Petrel's "domu" testing aid, as domain
 * 1 (see domains.c). The domU makes its calls, then signals dom0 over an
 * interdomain event channel only if every answer was the expected one, and
 * powers off; dom0 passes if the signal came.
 *
 * Petrel-only: Xen starts no second domain from boot modules; without the
 * "with-domu" argument (EFI and Xen modes) the test skips.
 */
#include "xtest.h"

TEST_DOMU("domu-role");

#define HC_sysctl 35
#define HC_event_channel_op 32
#define EVTCHNOP_bind_interdomain 0
#define EVTCHNOP_bind_virq 1
#define VIRQ_DOM_EXC 3
#define EVTCHNOP_send 4
#define EVTCHNOP_alloc_unbound 6
#define SCHEDOP_poll 3
#define XENVER_commandline 9
#define XENVER_build_id 10
#define DOMID_SELF 0x7ff0
#define SYSCTL_readconsole 1
#define SYSCTL_physinfo 3
#define SYSCTL_getdomaininfolist 6
#define HC_platform_op 7
#define XENPF_INTERFACE_VERSION 0x03000001
#define XENPF_set_processor_pminfo 54
#define XEN_PM_PDC 3
#define EPERM 1
#define EACCES 13

struct evtchn_alloc_unbound {
	uint16_t dom, remote_dom;
	uint32_t port;
};
struct evtchn_bind_virq {
	uint32_t virq, vcpu, port;
};
struct evtchn_bind_interdomain {
	uint16_t remote_dom;
	uint32_t remote_port, local_port;
};
struct sched_poll {
	uint32_t *ports;
	unsigned int nr_ports;
	uint64_t timeout;
};

static char buf[4096];

static long evtchn_op(unsigned int cmd, void *arg)
{
	return hypercall(HC_event_channel_op, cmd, (unsigned long)arg, 0, 0, 0);
}

/* One sysctl with the argument area pointing at buf (a valid buffer for each op). */
static long sysctl(uint32_t cmd, uint32_t version)
{
	static struct {
		uint32_t cmd, interface_version;
		uint64_t words[16];
	} op;

	memset(&op, 0, sizeof(op));
	op.cmd = cmd;
	op.interface_version = version;
	op.words[1] = (unsigned long)buf; /* readconsole's and getdomaininfolist's buffer */
	op.words[2] = 16;		  /* readconsole's count */
	return hypercall(HC_sysctl, (unsigned long)&op, 0, 0, 0, 0);
}

/* XENPF_set_processor_pminfo, XEN_PM_PDC, with a valid _PDC buffer. */
static long platform_pdc(uint32_t version)
{
	static uint32_t pdc[3] = { 1, 1, 0 };
	static struct {
		uint32_t cmd, interface_version;
		uint32_t id, type;
		uint32_t *pdc;
		uint8_t pad[112];
	} op;

	op.cmd = XENPF_set_processor_pminfo;
	op.interface_version = version;
	op.id = ~0u;
	op.type = XEN_PM_PDC;
	op.pdc = pdc;
	return hypercall(HC_platform_op, (unsigned long)&op, 0, 0, 0, 0);
}

/* @what answered @rc: true if that is @want, else say so on the console. */
static bool expect(const char *what, long rc, long want)
{
	if (rc != want)
		printk("domU: %s gave %ld, expected %ld\n", what, rc, want);
	return rc == want;
}

/* What a domU is refused; true if every answer is Xen's. */
static bool domu_refused(void)
{
	bool ok = true;

	ok &= expect("physinfo, version 0x14", sysctl(SYSCTL_physinfo, 0x14), -EACCES);
	ok &= expect("physinfo", sysctl(SYSCTL_physinfo, 0x15), -EPERM);
	ok &= expect("readconsole", sysctl(SYSCTL_readconsole, 0x15), -EPERM);
	ok &= expect("getdomaininfolist", sysctl(SYSCTL_getdomaininfolist, 0x15), -EPERM);
	ok &= expect("XENVER_commandline",
		     hypercall(HC_xen_version, XENVER_commandline, (unsigned long)buf, 0, 0, 0),
		     -EPERM);
	ok &= expect("XENVER_build_id", hypercall(HC_xen_version, XENVER_build_id, 0, 0, 0, 0),
		     -EPERM);
	ok &= expect("platform_op, version 0x03000000", platform_pdc(0x03000000), -EACCES);
	ok &= expect("platform_op pminfo PDC", platform_pdc(XENPF_INTERFACE_VERSION), -EPERM);
	return ok;
}

/* Domain 1: make the calls; tell dom0 only if all were refused; power off. */
static __attribute__((noreturn)) void domu_main(void)
{
	struct evtchn_bind_interdomain b = { .remote_dom = 0 };
	long rc = -1;

	if (domu_refused()) {
		for (unsigned int tries = 0; rc && tries < 100000; tries++) {
			for (uint32_t p = 1; p < 64 && rc; p++) {
				b.remote_port = p;
				rc = evtchn_op(EVTCHNOP_bind_interdomain, &b);
			}
			if (rc)
				hypercall_sched_op(SCHEDOP_yield, NULL);
		}
		evtchn_op(EVTCHNOP_send, &b.local_port);
	}
	hypercall_shutdown(SHUTDOWN_poweroff);
	__asm__ volatile("ud2"); /* not reached: the domain is gone */
	for (;;)
		;
}

static bool pending(const struct shared_info *sh, uint32_t port)
{
	return (__atomic_load_n(&sh->evtchn_pending[port / 64], __ATOMIC_SEQ_CST) >> (port % 64)) &
	       1;
}

void test_main(void)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = 1 };
	struct evtchn_bind_virq v = { .virq = VIRQ_DOM_EXC };
	struct shared_info *sh = xtest_shared_info();
	uint32_t ports[2];
	struct sched_poll p = { .ports = ports, .nr_ports = 2 };
	long rc;

	if (!(xtest_start_info->flags & SIF_INITDOMAIN))
		domu_main();
	if (!strstr(xtest_start_info->cmd_line, "with-domu")) {
		xtest_skip("no second domain in this boot mode (Petrel's multiboot 'domu' aid)");
		return;
	}
	/* The control domain itself is served. */
	xtest_check(sysctl(SYSCTL_physinfo, 0x15) == 0, "dom0's physinfo was refused");
	xtest_check(platform_pdc(XENPF_INTERFACE_VERSION) == 0, "dom0's _PDC call was refused");
	if (!sh) {
		xtest_fail("shared_info not mapped");
		return;
	}
	rc = evtchn_op(EVTCHNOP_bind_virq, &v);
	xtest_check(rc == 0, "bind_virq(VIRQ_DOM_EXC) = %ld", rc);
	rc |= evtchn_op(EVTCHNOP_alloc_unbound, &a);
	xtest_check(rc == 0, "alloc_unbound for domain 1 = %ld", rc);
	if (rc)
		return;
	/* Domain 1's signal, or its poweroff without one, ends the wait. */
	ports[0] = a.port;
	ports[1] = v.port;
	for (unsigned int i = 0; i < 1000 && !pending(sh, a.port) && !pending(sh, v.port); i++)
		hypercall_sched_op(SCHEDOP_poll, &p);
	xtest_check(pending(sh, a.port),
		    "domain 1 did not report its sysctl and xen_version calls refused as Xen does");
}
