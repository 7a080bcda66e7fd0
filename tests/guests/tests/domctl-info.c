/*
 * The records `xl list` reads: XEN_DOMCTL_getdomaininfo and
 * XEN_SYSCTL_getdomaininfolist for the running dom0 (running, not blocked,
 * not paused, the shutdown code field all ones, one vCPU, its shared_info
 * frame, cpu_time that grows), 4.17's rule for an id that does not exist
 * (the next existing one at or above, else -ESRCH; a reserved id -EINVAL),
 * pause/unpause refusals on oneself, and the interface version.
 */
#include "xtest.h"

#define EPERM 1
#define ESRCH 3
#define EACCES 13
#define EINVAL 22
#define DOMID_SELF 0x7ff0

static long domctl(unsigned int cmd, uint16_t dom, struct xen_domctl *op)
{
	memset(op, 0, sizeof(*op));
	op->cmd = cmd;
	op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	op->domain = dom;
	return hypercall(HC_domctl, (unsigned long)op, 0, 0, 0, 0);
}

static void spin_ms(unsigned int ms)
{
	for (volatile unsigned long i = 0; i < ms * 100000UL; i++)
		;
}

static void check_dom0(const struct xen_getdomaininfo *i)
{
	uint32_t f = i->flags;

	xtest_check(i->domain == 0, "record of domain %u", i->domain);
	xtest_check(f & XEN_DOMINF_running, "dom0 not running: flags %#x", f);
	xtest_check(!(f & (XEN_DOMINF_blocked | XEN_DOMINF_paused | XEN_DOMINF_shutdown |
			   XEN_DOMINF_dying)),
		    "dom0 flags %#x", f);
	xtest_check(f >> XEN_DOMINF_shutdownshift == 0xffff,
		    "shutdown code field %#x before any shutdown", f >> XEN_DOMINF_shutdownshift);
	xtest_check(i->nr_online_vcpus == 1 && i->max_vcpu_id == 0, "vcpus: %u online, max id %u",
		    i->nr_online_vcpus, i->max_vcpu_id);
	xtest_check(i->shared_info_frame == xtest_start_info->shared_info >> 12,
		    "shared_info_frame %#lx, start_info says %#lx",
		    (unsigned long)i->shared_info_frame, xtest_start_info->shared_info >> 12);
	xtest_check(i->tot_pages != 0, "tot_pages 0");
	xtest_check(i->cpu_time != 0, "cpu_time 0");
}

static void test_getdomaininfo(void)
{
	struct xen_domctl op;
	uint64_t t0;
	long rc;

	rc = domctl(XEN_DOMCTL_getdomaininfo, 0, &op);
	xtest_check(rc == 0, "getdomaininfo(0) = %ld", rc);
	if (rc)
		return;
	xtest_check(op.domain == 0, "op.domain %u", op.domain);
	check_dom0(&op.u.getdomaininfo);
	t0 = op.u.getdomaininfo.cpu_time;
	spin_ms(50);
	domctl(XEN_DOMCTL_getdomaininfo, 0, &op);
	xtest_check(op.u.getdomaininfo.cpu_time > t0, "cpu_time did not grow: %lu then %lu",
		    (unsigned long)t0, (unsigned long)op.u.getdomaininfo.cpu_time);
	/* No domain at or above 5 exists: -ESRCH. A reserved id: -EINVAL. */
	rc = domctl(XEN_DOMCTL_getdomaininfo, 5, &op);
	xtest_check(rc == -ESRCH, "getdomaininfo(5) = %ld", rc);
	rc = domctl(XEN_DOMCTL_getdomaininfo, DOMID_SELF, &op);
	xtest_check(rc == -EINVAL, "getdomaininfo(DOMID_SELF) = %ld", rc);
	domctl(XEN_DOMCTL_getdomaininfo, 0, &op);
	op.interface_version = 0x14;
	rc = hypercall(HC_domctl, (unsigned long)&op, 0, 0, 0, 0);
	xtest_check(rc == -EACCES, "interface version 0x14: %ld", rc);
}

static void test_list(void)
{
	struct xen_getdomaininfo recs[4];
	struct xen_sysctl_domlist l = { .cmd = XEN_SYSCTL_getdomaininfolist,
					.interface_version = XEN_SYSCTL_INTERFACE_VERSION,
					.max_domains = 4,
					.buffer = recs,
					.num_domains = 99 };
	long rc = hypercall(HC_sysctl, (unsigned long)&l, 0, 0, 0, 0);

	xtest_check(rc == 0 && l.num_domains == 1, "getdomaininfolist: rc %ld, %u domains", rc,
		    l.num_domains);
	if (!rc && l.num_domains)
		check_dom0(&recs[0]);
	l.first_domain = 1;
	l.num_domains = 99;
	rc = hypercall(HC_sysctl, (unsigned long)&l, 0, 0, 0, 0);
	xtest_check(rc == 0 && l.num_domains == 0, "list from 1: rc %ld, %u domains", rc,
		    l.num_domains);
}

static void test_pause(void)
{
	struct xen_domctl op;
	long rc;

	rc = domctl(XEN_DOMCTL_pausedomain, 0, &op);
	xtest_check(rc == -EINVAL, "pausedomain(self) = %ld", rc);
	rc = domctl(XEN_DOMCTL_unpausedomain, 0, &op);
	xtest_check(rc == -EINVAL, "unpausedomain of a domain not paused = %ld", rc);
	rc = domctl(XEN_DOMCTL_pausedomain, 77, &op);
	xtest_check(rc == -ESRCH, "pausedomain(77) = %ld", rc);
}

void test_main(void)
{
	test_getdomaininfo();
	test_list();
	test_pause();
}
