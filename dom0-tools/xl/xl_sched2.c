/* SPDX-License-Identifier: MIT */
/*
 * xl sched-credit2 (a domain's weight and cap, a pool's rate limit, with
 * libxl 4.17's checks), sched-rtds (its listings and refusals; per-domain
 * and per-vCPU RTDS parameters themselves are not read or set) and
 * cpupool-list, with xl's tables and messages.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xl.h"

static void credit2_pool_line(uint32_t pool)
{
	struct xen_sysctl_credit2_schedule p;
	char *name = xl_pool_name(pool);
	int r = ctrl_sched_credit2_params(xl_ctrl(), pool, 0, &p);

	if (r < 0)
		xl_pool_params_unavailable(pool, name, "credit2", r);
	else
		printf("Cpupool %s: ratelimit=%dus\n", name ? name : "(null)", (int)p.ratelimit_us);
	free(name);
}

static int credit2_row(uint16_t domid)
{
	return xl_sched_weight_row(domid, XEN_SCHEDULER_CREDIT2);
}

static const struct xl_sched_view credit2_view = { XEN_SCHEDULER_CREDIT2, credit2_pool_line,
						   xl_sched_weight_header, credit2_row };

/* -s -r: libxl's check of the rate limit, then the pool's putinfo. */
static int credit2_set_ratelimit(uint32_t pool, int ratelimit)
{
	struct xen_sysctl_credit2_schedule p = { .ratelimit_us = (uint32_t)ratelimit };
	int r;

	if (ratelimit != 0 && (ratelimit < XEN_SYSCTL_SCHED_RATELIMIT_MIN ||
			       ratelimit > XEN_SYSCTL_SCHED_RATELIMIT_MAX)) {
		fprintf(stderr, "%s: rate limit out of range (100 to 500000 us, or 0)\n", xl_prog);
	} else {
		r = ctrl_sched_credit2_params(xl_ctrl(), pool, 1, &p);
		if (r == 0)
			return EXIT_SUCCESS;
		fprintf(stderr, "%s: pool %u: setting the credit2 parameters: %s\n", xl_prog, pool,
			strerror(-r));
	}
	fprintf(stderr, "libxl_sched_credit2_params_set failed.\n");
	return EXIT_FAILURE;
}

struct credit2_args {
	const char *dom, *pool;
	int weight, cap, ratelimit;
	bool set_w, set_c, set_r, params;
};

static void credit2_parse(int argc, char **argv, struct credit2_args *a)
{
	static const struct option longopts[] = {
		{ "help", 0, 0, 'h' },	     { "domain", 1, 0, 'd' },
		{ "weight", 1, 0, 'w' },     { "cap", 1, 0, 'c' },
		{ "schedparam", 0, 0, 's' }, { "ratelimit_us", 1, 0, 'r' },
		{ "cpupool", 1, 0, 'p' },    { 0, 0, 0, 0 },
	};
	int opt;

	while ((opt = xl_getopt_long(argc, argv, "d:w:c:p:r:s", longopts, "sched-credit2", 0)) !=
	       -1) {
		int v = optarg ? (int)strtol(optarg, NULL, 10) : 0;

		if (opt == 'd')
			a->dom = optarg;
		else if (opt == 'p')
			a->pool = optarg;
		else if (opt == 's')
			a->params = true;
		else if (opt == 'w')
			a->weight = v, a->set_w = true;
		else if (opt == 'c')
			a->cap = v, a->set_c = true;
		else if (opt == 'r')
			a->ratelimit = v, a->set_r = true;
	}
}

int main_sched_credit2(int argc, char **argv)
{
	struct credit2_args a = { 0 };
	uint32_t pool = 0;

	credit2_parse(argc, argv, &a);
	if (a.pool && (a.dom || a.set_w || a.set_c)) {
		fprintf(stderr, "Specifying a cpupool is not allowed with other options.\n");
		return EXIT_FAILURE;
	}
	if (!a.dom && (a.set_w || a.set_c)) {
		fprintf(stderr, "Must specify a domain.\n");
		return EXIT_FAILURE;
	}
	if (a.params) {
		if (a.pool && xl_find_pool(a.pool, &pool))
			return EXIT_FAILURE;
		if (a.set_r)
			return credit2_set_ratelimit(pool, a.ratelimit);
		credit2_pool_line(pool);
		return EXIT_SUCCESS;
	}
	if (!a.dom)
		return xl_sched_list(&credit2_view, a.pool);
	return xl_sched_weight_domain(a.dom, XEN_SCHEDULER_CREDIT2, a.set_w ? &a.weight : NULL,
				      a.set_c ? &a.cap : NULL);
}

static void rtds_pool_line(uint32_t pool)
{
	char *name = xl_pool_name(pool);

	printf("Cpupool %s: sched=RTDS\n", name ? name : "(null)");
	free(name);
}

static void rtds_header(void)
{
	printf("%-33s %4s %9s %9s %10s\n", "Name", "ID", "Period", "Budget", "Extratime");
}

static void rtds_vcpu_header(void)
{
	printf("%-33s %4s %4s %9s %9s %10s\n", "Name", "ID", "VCPU", "Period", "Budget",
	       "Extratime");
}

/* A domain's RTDS row: xl's refusal when its pool runs another scheduler. */
static int rtds_row(uint16_t domid)
{
	if (xl_sched_check(domid, XEN_SCHEDULER_RTDS))
		return 1;
	fprintf(stderr, "%s: domain %u: RTDS parameters are not supported yet\n", xl_prog, domid);
	fprintf(stderr, "libxl_domain_sched_params_get failed.\n");
	return 1;
}

static const struct xl_sched_view rtds_view = { XEN_SCHEDULER_RTDS, rtds_pool_line, rtds_header,
						rtds_row };
static const struct xl_sched_view rtds_vcpu_view = { XEN_SCHEDULER_RTDS, rtds_pool_line,
						     rtds_vcpu_header, rtds_row };

struct rtds_args {
	const char *dom, *pool;
	int n_vcpu, n_period, n_budget, n_extra;
	bool all;
};

/* Options as xl reads them; 0, or 1 after xl's message. */
static int rtds_parse(int argc, char **argv, struct rtds_args *a)
{
	static const struct option longopts[] = {
		{ "help", 0, 0, 'h' },	    { "domain", 1, 0, 'd' },
		{ "period", 1, 0, 'p' },    { "budget", 1, 0, 'b' },
		{ "extratime", 1, 0, 'e' }, { "vcpuid", 1, 0, 'v' },
		{ "cpupool", 1, 0, 'c' },   { 0, 0, 0, 0 },
	};
	int opt;

	/* xl's short -c takes no value (its pool is then none); --cpupool=POOL does */
	while ((opt = xl_getopt_long(argc, argv, "d:p:b:e:v:c", longopts, "sched-rtds", 0)) != -1) {
		if (opt == 'd')
			a->dom = optarg;
		else if (opt == 'c')
			a->pool = optarg;
		else if (opt == 'p')
			a->n_period++;
		else if (opt == 'b')
			a->n_budget++;
		else if (opt == 'e' && strcmp(optarg, "0") && strcmp(optarg, "1")) {
			fprintf(stderr, "Invalid extratime.\n");
			return 1;
		} else if (opt == 'e')
			a->n_extra++;
		else if (opt == 'v' && strcmp(optarg, "all") == 0)
			a->all = true;
		else if (opt == 'v')
			a->n_vcpu++;
	}
	return 0;
}

/* xl's refusals of combinations, in its order; NULL when there is none. */
static const char *rtds_refusal(const struct rtds_args *a)
{
	bool values = a->n_period || a->n_budget || a->n_extra;

	if (a->pool && (a->dom || values || a->n_vcpu || a->all))
		return "Specifying a cpupool is not allowed with other options.";
	if (!a->dom && (values || a->n_vcpu))
		return "Missing parameters.";
	if (a->dom && !a->n_vcpu && !a->all && values)
		return "Must specify VCPU.";
	if (a->n_vcpu && a->all)
		return "Incorrect VCPU IDs.";
	if ((a->n_budget && a->n_vcpu > a->n_budget) || (a->n_period && a->n_vcpu > a->n_period) ||
	    (a->n_extra && a->n_vcpu > a->n_extra) || a->n_period != a->n_budget ||
	    a->n_period != a->n_extra)
		return "Incorrect number of period, budget and extratime";
	return NULL;
}

/* -d with -v: the per-vCPU header, then libxl's refusal of a pool that is not RTDS. */
static int rtds_vcpus(const struct rtds_args *a, uint16_t domid)
{
	bool set = a->n_period > 0;
	const char *what = set ? "set" : "get";
	uint32_t sched = 0;

	if (!set)
		rtds_vcpu_header();
	if (xl_domain_scheduler(domid, &sched))
		fprintf(stderr, "%s: domain %u: no such domain or CPU pool\n", xl_prog, domid);
	else
		fprintf(stderr, "%s: domain %u: per-vCPU parameters under %s: %s\n", xl_prog, domid,
			xl_scheduler_name(sched),
			sched == XEN_SCHEDULER_RTDS ? "not supported yet"
						    : "the scheduler has none");
	fprintf(stderr, "libxl_vcpu_sched_params_%s%s failed.\n", what,
		a->all || (!set && !a->n_vcpu) ? "_all" : "");
	return EXIT_FAILURE;
}

int main_sched_rtds(int argc, char **argv)
{
	struct rtds_args a = { 0 };
	const char *why;
	uint16_t domid;

	if (rtds_parse(argc, argv, &a))
		return EXIT_FAILURE;
	why = rtds_refusal(&a);
	if (why) {
		fprintf(stderr, "%s\n", why);
		return EXIT_FAILURE;
	}
	if (!a.dom)
		return xl_sched_list(a.all ? &rtds_vcpu_view : &rtds_view, a.pool);
	domid = xl_find_domain(a.dom);
	if (a.n_vcpu || a.all)
		return rtds_vcpus(&a, domid);
	rtds_header();
	return rtds_row(domid) ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* A pool's CPUs: their count, and with list their numbers as xl prints them. */
static int pool_cpus(const struct ctrl_pool *p, bool list)
{
	int n = 0;

	for (int c = 0; c < CTRL_POOL_MAP_BITS; c++) {
		if (!(p->cpumap[c / 8] & (1u << (c % 8))))
			continue;
		if (list)
			printf(n ? ",%d" : "%d", c);
		n++;
	}
	return n;
}

/* A pool by name only, as libxl_name_to_cpupoolid; 0 and *id, or -1. */
static int pool_by_name(const struct ctrl_pool *pools, int n, const char *name, uint32_t *id)
{
	int found = -1;

	for (int i = 0; i < n && found; i++) {
		char *pn = xl_pool_name(pools[i].id);

		if (pn && strcmp(pn, name) == 0) {
			*id = pools[i].id;
			found = 0;
		}
		free(pn);
	}
	return found;
}

int main_cpupool_list(int argc, char **argv)
{
	struct ctrl_pool *pools;
	bool cpus = false;
	static const struct option longopts[] = {
		{ "help", 0, 0, 'h' },
		{ "cpus", 0, 0, 'c' },
		{ 0, 0, 0, 0 },
	};
	uint32_t only = 0;
	const char *want = NULL;
	int n;

	while (xl_getopt_long(argc, argv, "c", longopts, "cpupool-list", 0) != -1)
		cpus = true;
	n = xl_list_pools(&pools);
	if (optind < argc) {
		want = argv[optind];
		if (n < 0 || pool_by_name(pools, n, want, &only)) {
			fprintf(stderr, "Pool '%s' does not exist\n", want);
			free(pools);
			return EXIT_FAILURE;
		}
	}
	if (n < 0) {
		fprintf(stderr, "error getting cpupool info\n");
		return EXIT_FAILURE;
	}
	printf("%-19s%s\n", "Name", cpus ? "CPU list" : "CPUs   Sched     Active   Domain count");
	for (int p = 0; p < n; p++) {
		char *name;
		int n_cpus;

		if (want && pools[p].id != only)
			continue;
		name = xl_pool_name(pools[p].id);
		printf("%-19s", name ? name : "(null)");
		free(name);
		n_cpus = pool_cpus(&pools[p], cpus);
		if (!cpus)
			printf("%3d %9s       y       %4u", n_cpus,
			       xl_scheduler_name(pools[p].sched_id), pools[p].n_dom);
		printf("\n");
	}
	free(pools);
	return EXIT_SUCCESS;
}
