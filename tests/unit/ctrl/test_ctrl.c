/* SPDX-License-Identifier: MIT */
/*
 * The control library's marshalling against a fake hypervisor: what each
 * call puts in the domctl/sysctl, how answers come back, the domain-list
 * batching, the "next domain at or above" answer of getdomaininfo(list),
 * destroy's -ERESTART loop and the console ring reads.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ctrl.h"
#include "errno.h"

/* The fake hypervisor: a domain table, a console ring and a call log. */
struct fake {
	uint16_t domains[4096];
	unsigned int n_domains;
	char ring[40000];
	unsigned int ring_len;
	int restarts_left;
	int calls, last_op, fail_with;
	struct xen_domctl last_domctl;
	struct xen_sysctl last_sysctl;
	uintptr_t last_buf;
	uint8_t freemap;
};

static void fake_list(struct fake *f, struct xen_sysctl *s)
{
	struct xen_sysctl_getdomaininfolist *l = &s->u.getdomaininfolist;
	struct xen_domctl_getdomaininfo *out = l->buffer.p;
	unsigned int n = 0;

	for (unsigned int i = 0; i < f->n_domains && n < l->max_domains; i++) {
		if (f->domains[i] < l->first_domain)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		out[n].domain = f->domains[i];
		out[n].tot_pages = 100u * f->domains[i];
		n++;
	}
	l->num_domains = n;
}

static void fake_console(struct fake *f, struct xen_sysctl *s)
{
	struct xen_sysctl_readconsole *r = &s->u.readconsole;
	unsigned int left = f->ring_len > r->index ? f->ring_len - r->index : 0;
	unsigned int n = left < r->count ? left : r->count;

	memcpy(r->buffer.p, f->ring + r->index, n);
	r->index += n;
	r->count = n;
}

/* Three CPUs; a NULL handle asks how many. */
static long fake_cputopo(struct xen_sysctl *s)
{
	struct xen_sysctl_cputopoinfo *t = &s->u.cputopoinfo;

	if (t->cputopo.p)
		for (uint32_t i = 0; i < t->num_cpus && i < 3; i++)
			t->cputopo.p[i] = (struct xen_sysctl_cputopo){ i, 0, i == 2 ? ~0u : 0 };
	t->num_cpus = 3;
	return 0;
}

/* Answers at most two devices a call: node = the bus number. */
static long fake_pcitopo(struct xen_sysctl *s)
{
	struct xen_sysctl_pcitopoinfo *t = &s->u.pcitopoinfo;
	uint32_t n = t->num_devs < 2 ? t->num_devs : 2;

	for (uint32_t i = 0; i < n; i++)
		t->nodes.p[i] = t->devs.p[i].bus;
	t->num_devs = n;
	return 0;
}

/* FREEINFO: the free map; INFO: pool 0 only, credit, two domains. */
static long fake_cpupool(struct fake *f, struct xen_sysctl_cpupool_op *op)
{
	if (op->op == XEN_SYSCTL_CPUPOOL_OP_FREEINFO) {
		op->cpumap.bitmap.p[0] = f->freemap;
		return 0;
	}
	if (op->cpupool_id > 0)
		return -ENOENT;
	op->sched_id = XEN_SCHEDULER_CREDIT;
	op->n_dom = 2;
	op->cpumap.bitmap.p[0] = 0x0b; /* CPUs 0, 1 and 3 */
	return 0;
}

static long fake_sysctl(struct fake *f, struct xen_sysctl *s)
{
	f->last_sysctl = *s;
	switch (s->cmd) {
	case XEN_SYSCTL_getdomaininfolist:
		fake_list(f, s);
		return 0;
	case XEN_SYSCTL_readconsole:
		fake_console(f, s);
		return 0;
	case XEN_SYSCTL_physinfo:
		s->u.physinfo.nr_cpus = 4;
		s->u.physinfo.total_pages = 131072;
		return 0;
	case XEN_SYSCTL_cputopoinfo:
		return fake_cputopo(s);
	case XEN_SYSCTL_pcitopoinfo:
		return fake_pcitopo(s);
	case XEN_SYSCTL_cpupool_op:
		return fake_cpupool(f, &s->u.cpupool_op);
	case XEN_SYSCTL_scheduler_op:
		/* credit's defaults; putinfo answers what it was given */
		/* credit2 has only a rate limit: the first field, 1000 here too */
		if (s->u.scheduler_op.cmd == XEN_SYSCTL_SCHEDOP_getinfo)
			s->u.scheduler_op.u.sched_credit =
			    (struct xen_sysctl_credit_schedule){ 30, 1000, 0 };
		if (s->u.scheduler_op.cmd == XEN_SYSCTL_SCHEDOP_getinfo &&
		    s->u.scheduler_op.sched_id == XEN_SCHEDULER_CREDIT2)
			s->u.scheduler_op.u.sched_credit2.ratelimit_us = 1000;
		return 0;
	default:
		return -ENOSYS;
	}
}

static long fake_domctl(struct fake *f, struct xen_domctl *d)
{
	f->last_domctl = *d;
	if (d->cmd == XEN_DOMCTL_destroydomain && f->restarts_left > 0) {
		f->restarts_left--;
		return -XEN_ERESTART;
	}
	if (d->cmd == XEN_DOMCTL_getvcpuinfo) {
		/* two vCPUs: 0 running on CPU 2, 1 offline */
		if (d->u.getvcpuinfo.vcpu > 1)
			return -ESRCH;
		d->u.getvcpuinfo.online = d->u.getvcpuinfo.vcpu == 0;
		d->u.getvcpuinfo.running = d->u.getvcpuinfo.online;
		d->u.getvcpuinfo.cpu = 2;
		d->u.getvcpuinfo.cpu_time = 1500000000ull;
	}
	if (d->cmd == XEN_DOMCTL_setvcpuaffinity && d->u.vcpuaffinity.cpumap_hard.bitmap.p)
		d->u.vcpuaffinity.cpumap_hard.bitmap.p[0] &= 0x0f; /* four CPUs online */
	if (d->cmd == XEN_DOMCTL_scheduler_op &&
	    d->u.scheduler_op.cmd == XEN_DOMCTL_SCHEDOP_getinfo)
		d->u.scheduler_op.u.credit = (struct xen_domctl_sched_credit){ 300, 20 };
	if (d->cmd == XEN_DOMCTL_getvcpuaffinity) {
		/* hard: CPUs 0 and 9 of the bits asked for; soft: every one */
		struct xen_domctl_vcpuaffinity *a = &d->u.vcpuaffinity;

		memset(a->cpumap_hard.bitmap.p, 0, a->cpumap_hard.nr_bits / 8);
		memset(a->cpumap_soft.bitmap.p, 0xff, a->cpumap_soft.nr_bits / 8);
		a->cpumap_hard.bitmap.p[0] = 1;
		if (a->cpumap_hard.nr_bits > 9)
			a->cpumap_hard.bitmap.p[1] = 2;
	}
	return 0;
}

static long fake_hypercall(struct ctrl *c, uint64_t op, const uint64_t arg[5])
{
	struct fake *f = c->priv;

	f->calls++;
	f->last_op = (int)op;
	f->last_buf = (uintptr_t)arg[0];
	if (f->fail_with)
		return -f->fail_with;
	switch (op) {
	case __HYPERVISOR_sysctl:
		return fake_sysctl(f, (struct xen_sysctl *)(uintptr_t)arg[0]);
	case __HYPERVISOR_domctl:
		return fake_domctl(f, (struct xen_domctl *)(uintptr_t)arg[0]);
	case __HYPERVISOR_xen_version:
		if (arg[0] == XENVER_extraversion)
			strcpy((char *)(uintptr_t)arg[1], ".7-pre");
		return arg[0] == XENVER_version ? 0x40011 : 0;
	default:
		return -ENOSYS;
	}
}

static int setup(void **state)
{
	struct fake *f = calloc(1, sizeof(*f));
	struct ctrl *c = calloc(1, sizeof(*c));

	ctrl_init_with(c, fake_hypercall, f);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	struct ctrl *c = *state;

	free(c->priv);
	free(c);
	return 0;
}

static void test_domctl_header(void **state)
{
	struct ctrl *c = *state;
	struct fake *f = c->priv;
	struct xen_domctl d;

	memset(&d, 0, sizeof(d));
	assert_int_equal(ctrl_domctl(c, XEN_DOMCTL_pausedomain, 7, &d), 0);
	assert_int_equal(f->last_op, __HYPERVISOR_domctl);
	assert_int_equal(f->last_domctl.cmd, XEN_DOMCTL_pausedomain);
	assert_int_equal(f->last_domctl.interface_version, 0x15);
	assert_int_equal(f->last_domctl.domain, 7);
	/* the hypervisor gets a page-aligned locked copy, not the caller's struct */
	assert_int_equal(f->last_buf % CTRL_PAGE_SIZE, 0);
	assert_true(f->last_buf != (uintptr_t)&d);
	assert_int_equal(offsetof(struct xen_domctl, u), 16);
	assert_int_equal(sizeof(struct xen_domctl), 144);
	assert_int_equal(sizeof(struct xen_sysctl), 136);
}

static void test_sysctl_header_and_errors(void **state)
{
	struct ctrl *c = *state;
	struct fake *f = c->priv;
	struct xen_sysctl_physinfo p;

	assert_int_equal(ctrl_physinfo(c, &p), 0);
	assert_int_equal(f->last_sysctl.cmd, XEN_SYSCTL_physinfo);
	assert_int_equal(f->last_sysctl.interface_version, 0x15);
	assert_int_equal(p.nr_cpus, 4);
	assert_int_equal(p.total_pages, 131072);
	f->fail_with = EACCES;
	assert_int_equal(ctrl_physinfo(c, &p), -EACCES);
	assert_int_equal(ctrl_domain_pause(c, 1), -EACCES);
}

static void test_domain_info_exact(void **state)
{
	struct ctrl *c = *state;
	struct fake *f = c->priv;
	struct xen_domctl_getdomaininfo info;

	f->domains[0] = 0;
	f->domains[1] = 5;
	f->n_domains = 2;
	assert_int_equal(ctrl_domain_info(c, 5, &info), 0);
	assert_int_equal(info.domain, 5);
	assert_int_equal(info.tot_pages, 500);
	/* asked for 3, the hypervisor answers with 5: that is not domain 3 */
	assert_int_equal(ctrl_domain_info(c, 3, &info), -ESRCH);
	assert_int_equal(f->last_sysctl.u.getdomaininfolist.first_domain, 3);
	assert_int_equal(f->last_sysctl.u.getdomaininfolist.max_domains, 1);
	assert_int_equal(ctrl_domain_info(c, 6, &info), -ESRCH);
}

static void test_domain_list_batches(void **state)
{
	struct ctrl *c = *state;
	struct fake *f = c->priv;
	struct xen_domctl_getdomaininfo *all;
	int n;

	/* 3000 domains with gaps: 0, 3, 6, ...; three batches of 1024 */
	for (unsigned int i = 0; i < 3000; i++)
		f->domains[i] = (uint16_t)(3 * i);
	f->n_domains = 3000;
	n = ctrl_domain_list_all(c, &all);
	assert_int_equal(n, 3000);
	for (int i = 0; i < n; i++)
		assert_int_equal(all[i].domain, 3 * i);
	assert_int_equal(f->calls, 3);
	free(all);
}

static void test_domain_list_exact_batch(void **state)
{
	struct ctrl *c = *state;
	struct fake *f = c->priv;
	struct xen_domctl_getdomaininfo *all;

	for (unsigned int i = 0; i < 1024; i++)
		f->domains[i] = (uint16_t)i;
	f->n_domains = 1024;
	assert_int_equal(ctrl_domain_list_all(c, &all), 1024);
	/* a full batch asks again from the next id and gets nothing more */
	assert_int_equal(f->calls, 2);
	assert_int_equal(f->last_sysctl.u.getdomaininfolist.first_domain, 1024);
	free(all);
}

static long overfull_list(struct ctrl *c, uint64_t op, const uint64_t arg[5])
{
	struct xen_sysctl *s = (struct xen_sysctl *)(uintptr_t)arg[0];

	(void)c;
	(void)op;
	s->u.getdomaininfolist.num_domains = s->u.getdomaininfolist.max_domains + 1;
	return 0;
}

static void test_domain_list_overfull(void **state)
{
	struct xen_domctl_getdomaininfo out[2];
	struct ctrl c;

	(void)state;
	ctrl_init_with(&c, overfull_list, NULL);
	/* more entries than room is the hypervisor's bug: refused, not copied */
	assert_int_equal(ctrl_domain_list(&c, 0, out, 2), -EIO);
}

static void test_destroy_restarts(void **state)
{
	struct ctrl *c = *state;
	struct fake *f = c->priv;

	f->restarts_left = 3;
	assert_int_equal(ctrl_domain_destroy(c, 9), 0);
	assert_int_equal(f->calls, 4);
	assert_int_equal(f->last_domctl.cmd, XEN_DOMCTL_destroydomain);
	assert_int_equal(f->last_domctl.domain, 9);
}

static void test_pause_unpause(void **state)
{
	struct ctrl *c = *state;
	struct fake *f = c->priv;

	assert_int_equal(ctrl_domain_unpause(c, 4), 0);
	assert_int_equal(f->last_domctl.cmd, XEN_DOMCTL_unpausedomain);
	assert_int_equal(f->last_domctl.domain, 4);
	assert_int_equal(ctrl_domain_pause(c, 4), 0);
	assert_int_equal(f->last_domctl.cmd, XEN_DOMCTL_pausedomain);
}

/* max_mem, getvcpuinfo and getvcpuaffinity: arguments in, answers out. */
static void test_vcpus_and_max_mem(void **state)
{
	struct ctrl *c = *state;
	struct fake *f = c->priv;
	struct xen_domctl_getvcpuinfo v;
	uint8_t hard[2] = { 0x55, 0x55 }, soft[2] = { 0 };

	assert_int_equal(ctrl_domain_max_mem(c, 3, 41984), 0);
	assert_int_equal(f->last_domctl.cmd, XEN_DOMCTL_max_mem);
	assert_int_equal(f->last_domctl.domain, 3);
	assert_int_equal(f->last_domctl.u.max_mem.max_memkb, 41984);
	assert_int_equal(ctrl_vcpu_info(c, 3, 0, &v), 0);
	assert_int_equal(f->last_domctl.cmd, XEN_DOMCTL_getvcpuinfo);
	assert_true(v.online && v.running);
	assert_int_equal(v.cpu, 2);
	assert_int_equal(v.cpu_time, 1500000000ull);
	assert_int_equal(ctrl_vcpu_info(c, 3, 1, &v), 0);
	assert_false(v.online);
	assert_int_equal(ctrl_vcpu_info(c, 3, 2, &v), -ESRCH);
	assert_int_equal(ctrl_vcpu_affinity(c, 3, 1, hard, soft, sizeof(hard)), 0);
	assert_int_equal(f->last_domctl.cmd, XEN_DOMCTL_getvcpuaffinity);
	assert_int_equal(f->last_domctl.u.vcpuaffinity.vcpu, 1);
	assert_int_equal(f->last_domctl.u.vcpuaffinity.flags,
			 XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT);
	assert_int_equal(f->last_domctl.u.vcpuaffinity.cpumap_hard.nr_bits, 16);
	assert_int_equal(hard[0], 1);
	assert_int_equal(hard[1], 2);
	assert_int_equal(soft[0], 0xff);
	assert_int_equal(soft[1], 0xff);
	/* a failure leaves the caller's maps alone */
	f->fail_with = EPERM;
	hard[0] = 0x77;
	assert_int_equal(ctrl_vcpu_affinity(c, 3, 0, hard, soft, sizeof(hard)), -EPERM);
	assert_int_equal(hard[0], 0x77);
}

/* setvcpuaffinity: the flags for the maps given, the effective map back. */
static void test_set_affinity(void **state)
{
	struct ctrl *c = *state;
	struct fake *f = c->priv;
	struct xen_domctl_vcpuaffinity *a = &f->last_domctl.u.vcpuaffinity;
	uint8_t hard[2] = { 0xf6, 0x01 }, soft[2] = { 0x03, 0 };

	assert_int_equal(ctrl_vcpu_set_affinity(c, 4, 1, hard, NULL, 2, 0), 0);
	assert_int_equal(f->last_domctl.cmd, XEN_DOMCTL_setvcpuaffinity);
	assert_int_equal(f->last_domctl.domain, 4);
	assert_int_equal(a->vcpu, 1);
	assert_int_equal(a->flags, XEN_VCPUAFFINITY_HARD);
	assert_int_equal(a->cpumap_hard.nr_bits, 16);
	assert_null(a->cpumap_soft.bitmap.p);
	assert_int_equal(a->cpumap_soft.nr_bits, 0);
	assert_int_equal(hard[0], 0x06);
	assert_int_equal(hard[1], 0x01);
	assert_int_equal(ctrl_vcpu_set_affinity(c, 4, 0, NULL, soft, 2, XEN_VCPUAFFINITY_FORCE), 0);
	assert_int_equal(a->flags, XEN_VCPUAFFINITY_SOFT | XEN_VCPUAFFINITY_FORCE);
	assert_null(a->cpumap_hard.bitmap.p);
	assert_int_equal(soft[0], 0x03);
	f->fail_with = EINVAL;
	hard[0] = 0xf0;
	assert_int_equal(ctrl_vcpu_set_affinity(c, 4, 0, hard, soft, 2, 0), -EINVAL);
	assert_int_equal(hard[0], 0xf0);
}

/* Credit's per-domain and per-pool parameters, and a pool's facts. */
static void test_sched_credit(void **state)
{
	struct ctrl *c = *state;
	struct fake *f = c->priv;
	struct xen_domctl_sched_credit dom = { 0 };
	struct xen_sysctl_credit_schedule pool = { 0 };
	struct ctrl_pool info;

	assert_int_equal(ctrl_sched_credit_get(c, 5, &dom), 0);
	assert_int_equal(f->last_domctl.cmd, XEN_DOMCTL_scheduler_op);
	assert_int_equal(f->last_domctl.u.scheduler_op.sched_id, XEN_SCHEDULER_CREDIT);
	assert_int_equal(f->last_domctl.u.scheduler_op.cmd, XEN_DOMCTL_SCHEDOP_getinfo);
	assert_int_equal(dom.weight, 300);
	assert_int_equal(dom.cap, 20);
	dom = (struct xen_domctl_sched_credit){ 512, 50 };
	assert_int_equal(ctrl_sched_credit_set(c, 5, &dom), 0);
	assert_int_equal(f->last_domctl.u.scheduler_op.cmd, XEN_DOMCTL_SCHEDOP_putinfo);
	assert_int_equal(f->last_domctl.u.scheduler_op.u.credit.weight, 512);
	assert_int_equal(f->last_domctl.u.scheduler_op.u.credit.cap, 50);
	assert_int_equal(ctrl_sched_credit_params(c, 0, 0, &pool), 0);
	assert_int_equal(f->last_sysctl.cmd, XEN_SYSCTL_scheduler_op);
	assert_int_equal(f->last_sysctl.u.scheduler_op.cmd, XEN_SYSCTL_SCHEDOP_getinfo);
	assert_int_equal(f->last_sysctl.u.scheduler_op.sched_id, XEN_SCHEDULER_CREDIT);
	assert_int_equal(pool.tslice_ms, 30);
	assert_int_equal(pool.ratelimit_us, 1000);
	pool = (struct xen_sysctl_credit_schedule){ 10, 500, 7 };
	assert_int_equal(ctrl_sched_credit_params(c, 0, 1, &pool), 0);
	assert_int_equal(f->last_sysctl.u.scheduler_op.cmd, XEN_SYSCTL_SCHEDOP_putinfo);
	assert_int_equal(f->last_sysctl.u.scheduler_op.u.sched_credit.tslice_ms, 10);
	assert_int_equal(f->last_sysctl.u.scheduler_op.u.sched_credit.vcpu_migr_delay_us, 7);
	assert_int_equal(pool.ratelimit_us, 500);
	assert_int_equal(ctrl_cpupool_info(c, 0, &info), 0);
	assert_int_equal(f->last_sysctl.u.cpupool_op.op, XEN_SYSCTL_CPUPOOL_OP_INFO);
	assert_int_equal(info.id, 0);
	assert_int_equal(info.sched_id, XEN_SCHEDULER_CREDIT);
	assert_int_equal(info.n_dom, 2);
	assert_int_equal(info.cpumap[0], 0x0b);
	assert_int_equal(f->last_sysctl.u.cpupool_op.cpumap.nr_bits, CTRL_POOL_MAP_BITS);
	assert_int_equal(ctrl_cpupool_info(c, 1, &info), -ENOENT);
}

/* credit2's weight and cap (credit's layout, credit2's scheduler id) and its rate limit. */
static void test_sched_credit2(void **state)
{
	struct ctrl *c = *state;
	struct fake *f = c->priv;
	struct xen_domctl_sched_credit dom = { 0 };
	struct xen_sysctl_credit2_schedule pool = { 0 };

	assert_int_equal(ctrl_sched_weight_get(c, 6, XEN_SCHEDULER_CREDIT2, &dom), 0);
	assert_int_equal(f->last_domctl.cmd, XEN_DOMCTL_scheduler_op);
	assert_int_equal(f->last_domctl.domain, 6);
	assert_int_equal(f->last_domctl.u.scheduler_op.sched_id, XEN_SCHEDULER_CREDIT2);
	assert_int_equal(f->last_domctl.u.scheduler_op.cmd, XEN_DOMCTL_SCHEDOP_getinfo);
	assert_int_equal(dom.weight, 300);
	dom = (struct xen_domctl_sched_credit){ 128, 100 };
	assert_int_equal(ctrl_sched_weight_set(c, 6, XEN_SCHEDULER_CREDIT2, &dom), 0);
	assert_int_equal(f->last_domctl.u.scheduler_op.cmd, XEN_DOMCTL_SCHEDOP_putinfo);
	assert_int_equal(f->last_domctl.u.scheduler_op.u.credit2.weight, 128);
	assert_int_equal(f->last_domctl.u.scheduler_op.u.credit2.cap, 100);
	assert_int_equal(ctrl_sched_credit2_params(c, 0, 0, &pool), 0);
	assert_int_equal(f->last_sysctl.u.scheduler_op.sched_id, XEN_SCHEDULER_CREDIT2);
	assert_int_equal(f->last_sysctl.u.scheduler_op.cmd, XEN_SYSCTL_SCHEDOP_getinfo);
	assert_int_equal(pool.ratelimit_us, 1000);
	pool.ratelimit_us = 250;
	assert_int_equal(ctrl_sched_credit2_params(c, 3, 1, &pool), 0);
	assert_int_equal(f->last_sysctl.u.scheduler_op.cpupool_id, 3);
	assert_int_equal(f->last_sysctl.u.scheduler_op.cmd, XEN_SYSCTL_SCHEDOP_putinfo);
	assert_int_equal(f->last_sysctl.u.scheduler_op.u.sched_credit2.ratelimit_us, 250);
	f->fail_with = EINVAL;
	assert_int_equal(ctrl_sched_credit2_params(c, 0, 0, &pool), -EINVAL);
	assert_int_equal(pool.ratelimit_us, 250);
}

static void test_readconsole_chunks(void **state)
{
	struct ctrl *c = *state;
	struct fake *f = c->priv;
	static char got[40000], chunk[16384];
	uint32_t index = 0;
	size_t have = 0;
	int n, reads = 0;

	for (unsigned int i = 0; i < sizeof(f->ring); i++)
		f->ring[i] = (char)('a' + i % 26);
	f->ring_len = sizeof(f->ring);
	while ((n = ctrl_readconsole(c, chunk, sizeof(chunk), &index, 1)) > 0) {
		assert_true(have + (size_t)n <= sizeof(got));
		memcpy(got + have, chunk, (size_t)n);
		have += (size_t)n;
		reads++;
		assert_int_equal(f->last_sysctl.u.readconsole.clear, 1);
		assert_int_equal(f->last_sysctl.u.readconsole.incremental, 1);
	}
	assert_int_equal(n, 0);
	assert_int_equal(reads, 3);
	assert_int_equal(have, sizeof(f->ring));
	assert_memory_equal(got, f->ring, sizeof(f->ring));
}

static void test_free_cpus(void **state)
{
	struct ctrl *c = *state;
	struct fake *f = c->priv;

	f->freemap = 0x05;
	assert_int_equal(ctrl_free_cpus(c, 4), 2);
	assert_int_equal(f->last_sysctl.u.cpupool_op.op, XEN_SYSCTL_CPUPOOL_OP_FREEINFO);
	assert_int_equal(f->last_sysctl.u.cpupool_op.cpumap.nr_bits, 8);
	assert_int_equal(ctrl_free_cpus(c, 0), -EINVAL);
}

static void test_xen_version(void **state)
{
	struct ctrl *c = *state;
	xen_extraversion_t extra = "";

	assert_int_equal(ctrl_xen_version(c, XENVER_version, NULL, 0), 0x40011);
	assert_int_equal(ctrl_xen_version(c, XENVER_extraversion, extra, sizeof(extra)), 0);
	assert_string_equal(extra, ".7-pre");
}

static void test_cputopo(void **state)
{
	struct ctrl *c = *state;
	struct fake *f = c->priv;
	struct xen_sysctl_cputopo *t;

	/* one call for the count, one for the entries */
	assert_int_equal(ctrl_cputopo(c, &t), 3);
	assert_int_equal(f->calls, 2);
	assert_int_equal(t[1].core, 1);
	assert_int_equal(t[2].node, ~0u);
	free(t);
}

static void test_pcitopo_in_parts(void **state)
{
	struct ctrl *c = *state;
	struct fake *f = c->priv;
	physdev_pci_device_t devs[5];
	uint32_t nodes[5];

	for (int i = 0; i < 5; i++)
		devs[i] = (physdev_pci_device_t){ .seg = 0, .bus = (uint8_t)(10 + i), .devfn = 8 };
	/* the fake does two a call: three calls, each from where the last stopped */
	assert_int_equal(ctrl_pcitopo(c, devs, nodes, 5), 0);
	assert_int_equal(f->calls, 3);
	for (int i = 0; i < 5; i++)
		assert_int_equal(nodes[i], 10 + i);
}

static void test_buffers(void **state)
{
	unsigned char *b = ctrl_buf_alloc(10000);

	(void)state;
	assert_non_null(b);
	assert_int_equal((uintptr_t)b % CTRL_PAGE_SIZE, 0);
	for (int i = 0; i < 12288; i++)
		assert_int_equal(b[i], 0);
	ctrl_buf_free(b, 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_domctl_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysctl_header_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain_info_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain_list_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domain_list_exact_batch, setup, teardown),
		cmocka_unit_test(test_domain_list_overfull),
		cmocka_unit_test_setup_teardown(test_destroy_restarts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause_unpause, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vcpus_and_max_mem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_affinity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sched_credit2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sched_credit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readconsole_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_cpus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xen_version, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cputopo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcitopo_in_parts, setup, teardown),
		cmocka_unit_test(test_buffers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
