/* SPDX-License-Identifier: MIT */
/*
 * xl sched-credit: the credit scheduler's per-domain weight and cap
 * (domctl scheduler_op) and its per-pool time slice, rate limit and
 * migration delay (sysctl scheduler_op), with libxl 4.17's checks, xl's
 * table and messages.  Only pools that run the credit scheduler are shown.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore.h"
#include "xl.h"

/* libxl's "leave it as it is" for a weight or a cap. */
#define PARAM_DEFAULT (-1)

struct sched_args {
	const char *dom, *pool;
	int weight, cap, tslice, ratelimit, migr_delay;
	bool set_w, set_c, set_t, set_r, set_m, params;
};

/* A pool's name: /local/pool/N/name, "Pool-0" for pool 0 without one; malloc'd. */
static char *pool_name(uint32_t id)
{
	char path[48], *name;
	unsigned int len;

	snprintf(path, sizeof(path), "/local/pool/%u/name", id);
	name = xs_read(xl_xs(), XBT_NULL, path, &len);
	if (!name && id == 0)
		name = strdup("Pool-0");
	return name;
}

/* Every pool, in id order: a malloc'd array, the count (-1 if none could be read). */
static int list_pools(struct ctrl_pool **out)
{
	struct ctrl_pool *pools = NULL, p, *grown;
	int n = 0;

	for (uint32_t next = 0; ctrl_cpupool_info(xl_ctrl(), next, &p) == 0; next = p.id + 1) {
		grown = realloc(pools, (n + 1) * sizeof(*pools));
		if (!grown)
			break;
		pools = grown;
		pools[n++] = p;
		if (p.id == UINT32_MAX)
			break;
	}
	*out = pools;
	return n ? n : -1;
}

/* A pool named as libxl takes it (a number or a name); 0 and *id, or -1 after xl's line. */
static int find_pool(const char *text, uint32_t *id)
{
	struct ctrl_pool *pools, p;
	char *end, *name;
	unsigned long v = strtoul(text, &end, 10);
	int n, found = -1;

	if (*text && !*end) {
		*id = (uint32_t)v;
		found = ctrl_cpupool_info(xl_ctrl(), *id, &p) == 0 && p.id == *id ? 0 : -1;
	} else if ((n = list_pools(&pools)) > 0) {
		for (int i = 0; i < n && found; i++) {
			name = pool_name(pools[i].id);
			if (name && strcmp(name, text) == 0) {
				*id = pools[i].id;
				found = 0;
			}
			free(name);
		}
		free(pools);
	}
	if (found)
		fprintf(stderr, "unknown cpupool '%s'\n", text);
	return found;
}

/* The scheduler of a domain's pool; 0 and *sched, or -1 when the domain or pool is missing. */
static int domain_scheduler(uint16_t domid, uint32_t *sched, struct xen_domctl_getdomaininfo *info)
{
	struct ctrl_pool p;

	if (ctrl_domain_info(xl_ctrl(), domid, info) < 0 ||
	    ctrl_cpupool_info(xl_ctrl(), info->cpupool, &p) < 0 || p.id != info->cpupool)
		return -1;
	*sched = p.sched_id;
	return 0;
}

static void print_header(void)
{
	printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
}

/* A domain's row; 0, or 1 after xl's message. */
static int print_domain(uint16_t domid)
{
	struct xen_domctl_getdomaininfo info;
	struct xen_domctl_sched_credit c;
	uint32_t sched;
	char *name;
	int r;

	if (domain_scheduler(domid, &sched, &info)) {
		fprintf(stderr, "%s: domain %u: no such domain or CPU pool\n", xl_prog, domid);
		fprintf(stderr, "libxl_domain_sched_params_get failed.\n");
		return 1;
	}
	if (sched != XEN_SCHEDULER_CREDIT) {
		fprintf(stderr, "libxl_domain_sched_params_get returned %s not credit.\n",
			xl_scheduler_name(sched));
		return 1;
	}
	r = ctrl_sched_credit_get(xl_ctrl(), domid, &c);
	if (r < 0) {
		fprintf(stderr, "%s: domain %u: getting its credit parameters: %s\n", xl_prog,
			domid, strerror(-r));
		fprintf(stderr, "libxl_domain_sched_params_get failed.\n");
		return 1;
	}
	name = xl_domid_to_name(domid);
	printf("%-33s %4d %6d %4d\n", name ? name : "(null)", domid, c.weight, c.cap);
	free(name);
	return 0;
}

static void print_pool(uint32_t id)
{
	struct xen_sysctl_credit_schedule p;
	char *name = pool_name(id);
	int r = ctrl_sched_credit_params(xl_ctrl(), id, 0, &p);

	if (r < 0) {
		fprintf(stderr, "%s: pool %u: getting the credit parameters: %s\n", xl_prog, id,
			strerror(-r));
		fprintf(stderr, "libxl_sched_credit_params_get failed.\n");
		printf("Cpupool %s: [sched params unavailable]\n", name ? name : "(null)");
	} else {
		printf("Cpupool %s: tslice=%dms ratelimit=%dus migration-delay=%dus\n",
		       name ? name : "(null)", (int)p.tslice_ms, (int)p.ratelimit_us,
		       (int)p.vcpu_migr_delay_us);
	}
	free(name);
}

/* Every credit pool (or the one named): its line, then its domains' rows. */
static int list_all(const char *pool_arg)
{
	struct xen_domctl_getdomaininfo *doms;
	struct ctrl_pool *pools;
	uint32_t only = 0;
	int n_dom, n_pool, failed = 0;

	if (pool_arg && find_pool(pool_arg, &only))
		return EXIT_FAILURE;
	n_dom = ctrl_domain_list_all(xl_ctrl(), &doms);
	if (n_dom < 0) {
		fprintf(stderr, "libxl_list_domain failed.\n");
		return EXIT_FAILURE;
	}
	n_pool = list_pools(&pools);
	if (n_pool < 0) {
		fprintf(stderr, "error getting cpupool info\n");
		free(doms);
		return EXIT_FAILURE;
	}
	for (int p = 0; p < n_pool && !failed; p++) {
		if (pools[p].sched_id != XEN_SCHEDULER_CREDIT || (pool_arg && pools[p].id != only))
			continue;
		print_pool(pools[p].id);
		print_header();
		for (int i = 0; i < n_dom && !failed; i++)
			if (doms[i].cpupool == pools[p].id)
				failed = print_domain(doms[i].domain);
	}
	free(pools);
	free(doms);
	return EXIT_SUCCESS; /* as xl, whatever a row did */
}

/* libxl's checks of a pool's parameters; 0, or -1 after a line saying why. */
static int check_params(const struct xen_sysctl_credit_schedule *p)
{
	const char *why = NULL;

	if (p->tslice_ms < XEN_SYSCTL_CSCHED_TSLICE_MIN ||
	    p->tslice_ms > XEN_SYSCTL_CSCHED_TSLICE_MAX)
		why = "time slice out of range (1 to 1000 ms)";
	else if (p->ratelimit_us && (p->ratelimit_us < XEN_SYSCTL_SCHED_RATELIMIT_MIN ||
				     p->ratelimit_us > XEN_SYSCTL_SCHED_RATELIMIT_MAX))
		why = "rate limit out of range (100 to 500000 us, or 0)";
	else if (p->ratelimit_us > p->tslice_ms * 1000)
		why = "rate limit greater than the time slice";
	else if (p->vcpu_migr_delay_us > XEN_SYSCTL_CSCHED_MGR_DLY_MAX_US)
		why = "migration delay out of range (at most 100000 us)";
	if (why)
		fprintf(stderr, "%s: %s\n", xl_prog, why);
	return why ? -1 : 0;
}

/* -s: show a pool's parameters, or change those given. */
static int pool_params(const struct sched_args *a)
{
	struct xen_sysctl_credit_schedule p;
	uint32_t pool = 0;
	int r;

	if (a->pool && find_pool(a->pool, &pool))
		return EXIT_FAILURE;
	if (!a->set_t && !a->set_r && !a->set_m) {
		print_pool(pool);
		return EXIT_SUCCESS;
	}
	if (ctrl_sched_credit_params(xl_ctrl(), pool, 0, &p) < 0) {
		fprintf(stderr, "libxl_sched_credit_params_get failed.\n");
		return EXIT_FAILURE;
	}
	if (a->set_t)
		p.tslice_ms = (uint32_t)a->tslice;
	if (a->set_r)
		p.ratelimit_us = (uint32_t)a->ratelimit;
	if (a->set_m)
		p.vcpu_migr_delay_us = (uint32_t)a->migr_delay;
	if (check_params(&p) == 0) {
		r = ctrl_sched_credit_params(xl_ctrl(), pool, 1, &p);
		if (r == 0)
			return EXIT_SUCCESS;
		fprintf(stderr, "%s: pool %u: setting the credit parameters: %s\n", xl_prog, pool,
			strerror(-r));
	}
	fprintf(stderr, "libxl_sched_credit_params_set failed.\n");
	return EXIT_FAILURE;
}

/* libxl's checks and update of a domain's weight and cap; 0 or -1 after a line. */
static int set_domain(uint16_t domid, const struct sched_args *a)
{
	struct xen_domctl_getdomaininfo info;
	struct xen_domctl_sched_credit c;
	int max_cap, r;

	if (ctrl_domain_info(xl_ctrl(), domid, &info) < 0)
		return -1;
	r = ctrl_sched_credit_get(xl_ctrl(), domid, &c);
	max_cap = (int)(info.max_vcpu_id + 1) * 100;
	if (r == 0 && a->set_w && a->weight != PARAM_DEFAULT) {
		if (a->weight < 1 || a->weight > 65535) {
			fprintf(stderr, "%s: weight out of range (1 to 65535)\n", xl_prog);
			return -1;
		}
		c.weight = (uint16_t)a->weight;
	}
	if (r == 0 && a->set_c && a->cap != PARAM_DEFAULT) {
		if (a->cap < 0 || a->cap > max_cap) {
			fprintf(stderr, "%s: cap out of range (0 to %d for this domain)\n", xl_prog,
				max_cap);
			return -1;
		}
		c.cap = (uint16_t)a->cap;
	}
	if (r == 0)
		r = ctrl_sched_credit_set(xl_ctrl(), domid, &c);
	if (r < 0)
		fprintf(stderr, "%s: domain %u: credit parameters: %s\n", xl_prog, domid,
			strerror(-r));
	return r < 0 ? -1 : 0;
}

static int domain_params(const struct sched_args *a)
{
	uint16_t domid = xl_find_domain(a->dom);

	if (!a->set_w && !a->set_c) {
		print_header();
		return print_domain(domid) ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	if (set_domain(domid, a)) {
		fprintf(stderr, "libxl_domain_sched_params_set failed.\n");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

static void parse_args(int argc, char **argv, struct sched_args *a)
{
	static const struct option longopts[] = {
		{ "help", 0, 0, 'h' },	       { "domain", 1, 0, 'd' },
		{ "weight", 1, 0, 'w' },       { "cap", 1, 0, 'c' },
		{ "schedparam", 0, 0, 's' },   { "tslice_ms", 1, 0, 't' },
		{ "ratelimit_us", 1, 0, 'r' }, { "migration_delay_us", 1, 0, 'm' },
		{ "cpupool", 1, 0, 'p' },      { 0, 0, 0, 0 },
	};
	int opt;

	while ((opt = xl_getopt_long(argc, argv, "d:w:c:p:t:r:m:s", longopts, "sched-credit", 0)) !=
	       -1) {
		int v = optarg ? (int)strtol(optarg, NULL, 10) : 0;

		switch (opt) {
		case 'd':
			a->dom = optarg;
			break;
		case 'p':
			a->pool = optarg;
			break;
		case 's':
			a->params = true;
			break;
		case 'w':
			a->weight = v, a->set_w = true;
			break;
		case 'c':
			a->cap = v, a->set_c = true;
			break;
		case 't':
			a->tslice = v, a->set_t = true;
			break;
		case 'r':
			a->ratelimit = v, a->set_r = true;
			break;
		case 'm':
			a->migr_delay = v, a->set_m = true;
			break;
		}
	}
}

int main_sched_credit(int argc, char **argv)
{
	struct sched_args a = { 0 };

	parse_args(argc, argv, &a);
	if ((a.pool || a.params) && (a.dom || a.set_w || a.set_c)) {
		fprintf(stderr, "Specifying a cpupool or schedparam is not allowed with domain "
				"options.\n");
		return EXIT_FAILURE;
	}
	if (!a.dom && (a.set_w || a.set_c)) {
		fprintf(stderr, "Must specify a domain.\n");
		return EXIT_FAILURE;
	}
	if (!a.params && (a.set_t || a.set_r || a.set_m)) {
		fprintf(stderr, "Must specify schedparam to set schedule parameter values.\n");
		return EXIT_FAILURE;
	}
	if (a.params)
		return pool_params(&a);
	if (!a.dom)
		return list_all(a.pool);
	return domain_params(&a);
}
