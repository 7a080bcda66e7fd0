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

char *xl_pool_name(uint32_t id)
{
	char path[48], *name;
	unsigned int len;

	snprintf(path, sizeof(path), "/local/pool/%u/name", id);
	name = xs_read(xl_xs(), XBT_NULL, path, &len);
	if (!name && id == 0)
		name = strdup("Pool-0");
	return name;
}

int xl_list_pools(struct ctrl_pool **out)
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

int xl_find_pool(const char *text, uint32_t *id)
{
	struct ctrl_pool *pools, p;
	char *end, *name;
	unsigned long v = strtoul(text, &end, 10);
	int n, found = -1;

	if (*text && !*end) {
		*id = (uint32_t)v;
		found = ctrl_cpupool_info(xl_ctrl(), *id, &p) == 0 && p.id == *id ? 0 : -1;
	} else if ((n = xl_list_pools(&pools)) > 0) {
		for (int i = 0; i < n && found; i++) {
			name = xl_pool_name(pools[i].id);
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

int xl_domain_scheduler(uint16_t domid, uint32_t *sched)
{
	struct xen_domctl_getdomaininfo info;
	struct ctrl_pool p;

	if (ctrl_domain_info(xl_ctrl(), domid, &info) < 0 ||
	    ctrl_cpupool_info(xl_ctrl(), info.cpupool, &p) < 0 || p.id != info.cpupool)
		return -1;
	*sched = p.sched_id;
	return 0;
}

void xl_sched_weight_header(void)
{
	printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
}

int xl_sched_check(uint16_t domid, uint32_t sched)
{
	uint32_t got;

	if (xl_domain_scheduler(domid, &got)) {
		fprintf(stderr, "%s: domain %u: no such domain or CPU pool\n", xl_prog, domid);
		fprintf(stderr, "libxl_domain_sched_params_get failed.\n");
		return 1;
	}
	if (got != sched) {
		fprintf(stderr, "libxl_domain_sched_params_get returned %s not %s.\n",
			xl_scheduler_name(got), xl_scheduler_name(sched));
		return 1;
	}
	return 0;
}

int xl_sched_weight_row(uint16_t domid, uint32_t sched)
{
	struct xen_domctl_sched_credit c;
	char *name;
	int r;

	if (xl_sched_check(domid, sched))
		return 1;
	r = ctrl_sched_weight_get(xl_ctrl(), domid, sched, &c);
	if (r < 0) {
		fprintf(stderr, "%s: domain %u: getting its %s parameters: %s\n", xl_prog, domid,
			xl_scheduler_name(sched), strerror(-r));
		fprintf(stderr, "libxl_domain_sched_params_get failed.\n");
		return 1;
	}
	name = xl_domid_to_name(domid);
	printf("%-33s %4d %6d %4d\n", name ? name : "(null)", domid, c.weight, c.cap);
	free(name);
	return 0;
}

static int print_domain(uint16_t domid)
{
	return xl_sched_weight_row(domid, XEN_SCHEDULER_CREDIT);
}

void xl_pool_params_unavailable(uint32_t pool, const char *name, const char *sched, int err)
{
	fprintf(stderr, "%s: pool %u: getting the %s parameters: %s\n", xl_prog, pool, sched,
		strerror(-err));
	fprintf(stderr, "libxl_sched_%s_params_get failed.\n", sched);
	printf("Cpupool %s: [sched params unavailable]\n", name ? name : "(null)");
}

static void print_pool(uint32_t id)
{
	struct xen_sysctl_credit_schedule p;
	char *name = xl_pool_name(id);
	int r = ctrl_sched_credit_params(xl_ctrl(), id, 0, &p);

	if (r < 0) {
		xl_pool_params_unavailable(id, name, "credit", r);
	} else {
		printf("Cpupool %s: tslice=%dms ratelimit=%dus migration-delay=%dus\n",
		       name ? name : "(null)", (int)p.tslice_ms, (int)p.ratelimit_us,
		       (int)p.vcpu_migr_delay_us);
	}
	free(name);
}

int xl_sched_list(const struct xl_sched_view *v, const char *pool_arg)
{
	struct xen_domctl_getdomaininfo *doms;
	struct ctrl_pool *pools;
	uint32_t only = 0;
	int n_dom, n_pool, failed = 0;

	if (pool_arg && xl_find_pool(pool_arg, &only))
		return EXIT_FAILURE;
	n_dom = ctrl_domain_list_all(xl_ctrl(), &doms);
	if (n_dom < 0) {
		fprintf(stderr, "libxl_list_domain failed.\n");
		return EXIT_FAILURE;
	}
	n_pool = xl_list_pools(&pools);
	if (n_pool < 0) {
		fprintf(stderr, "error getting cpupool info\n");
		free(doms);
		return EXIT_FAILURE;
	}
	for (int p = 0; p < n_pool && !failed; p++) {
		if (pools[p].sched_id != v->sched || (pool_arg && pools[p].id != only))
			continue;
		v->pool_line(pools[p].id);
		v->header();
		for (int i = 0; i < n_dom && !failed; i++)
			if (doms[i].cpupool == pools[p].id)
				failed = v->row(doms[i].domain);
	}
	free(pools);
	free(doms);
	return EXIT_SUCCESS; /* as xl, whatever a row did */
}

static const struct xl_sched_view credit_view = { XEN_SCHEDULER_CREDIT, print_pool,
						  xl_sched_weight_header, print_domain };

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

	if (a->pool && xl_find_pool(a->pool, &pool))
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

/* libxl's checks and update of a weight and/or cap (NULL: left alone); 0 or -1 after a line. */
static int set_weight_cap(uint16_t domid, uint32_t sched, const int *weight, const int *cap)
{
	struct xen_domctl_getdomaininfo info;
	struct xen_domctl_sched_credit c;
	int max_cap, r;

	if (ctrl_domain_info(xl_ctrl(), domid, &info) < 0)
		return -1;
	r = ctrl_sched_weight_get(xl_ctrl(), domid, sched, &c);
	max_cap = (int)(info.max_vcpu_id + 1) * 100;
	if (r == 0 && weight && *weight != PARAM_DEFAULT) {
		if (*weight < 1 || *weight > 65535) {
			fprintf(stderr, "%s: weight out of range (1 to 65535)\n", xl_prog);
			return -1;
		}
		c.weight = (uint16_t)*weight;
	}
	if (r == 0 && cap && *cap != PARAM_DEFAULT) {
		if (*cap < 0 || *cap > max_cap) {
			fprintf(stderr, "%s: cap out of range (0 to %d for this domain)\n", xl_prog,
				max_cap);
			return -1;
		}
		c.cap = (uint16_t)*cap;
	}
	if (r == 0)
		r = ctrl_sched_weight_set(xl_ctrl(), domid, sched, &c);
	if (r < 0)
		fprintf(stderr, "%s: domain %u: %s parameters: %s\n", xl_prog, domid,
			xl_scheduler_name(sched), strerror(-r));
	return r < 0 ? -1 : 0;
}

int xl_sched_weight_domain(const char *dom, uint32_t sched, const int *weight, const int *cap)
{
	uint16_t domid = xl_find_domain(dom);

	if (!weight && !cap) {
		xl_sched_weight_header();
		return xl_sched_weight_row(domid, sched) ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	if (set_weight_cap(domid, sched, weight, cap)) {
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
		return xl_sched_list(&credit_view, a.pool);
	return xl_sched_weight_domain(a.dom, XEN_SCHEDULER_CREDIT, a.set_w ? &a.weight : NULL,
				      a.set_c ? &a.cap : NULL);
}
