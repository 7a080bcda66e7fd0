/* SPDX-License-Identifier: MIT */
/*
 * xl vcpu-pin: a vCPU's hard and soft affinity, set with domctl
 * setvcpuaffinity as libxl 4.17 sets them; xl's messages and exit codes.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xl.h"
#include "xl_cpumap.h"

/* Bytes of CPU bitmap parsed: 32768 CPUs, more than Xen has. */
#define PIN_MAX_BYTES 4096

/* What one vcpu-pin asks for; a NULL map is left as it is. */
struct pin {
	uint16_t domid;
	long vcpu; /* -1: every vCPU */
	uint8_t *hard, *soft;
	unsigned int bytes, nr_cpus;
	uint32_t flags; /* XEN_VCPUAFFINITY_FORCE or 0 */
};

/* The vCPU operand: a number, or "all" (-1); -2 after xl's message. */
static long parse_vcpu(const char *text, bool force)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (end != text && v >= 0)
		return v;
	if (strcmp(text, "all")) {
		fprintf(stderr, "Error: Invalid argument %s as VCPU.\n", text);
		return -2;
	}
	if (force) {
		fprintf(stderr, "Error: --force and 'all' as VCPU not allowed.\n");
		return -2;
	}
	return -1;
}

/* An affinity operand into MAP; "-" (or none) leaves it NULL.  0 or -1. */
static int parse_affinity(const char *text, uint8_t **map, const struct pin *p)
{
	struct xen_sysctl_cputopo *topo = NULL;
	struct xl_cpu_nodes nodes = { 0 };
	uint32_t *node_of = NULL;
	int n = 0, r;

	if (!text || strcmp(text, "-") == 0)
		return 0;
	*map = calloc(1, p->bytes);
	if (!*map)
		return -1;
	if (strstr(text, "node"))
		n = ctrl_cputopo(xl_ctrl(), &topo);
	if (n > 0 && (node_of = calloc(n, sizeof(*node_of)))) {
		for (int i = 0; i < n; i++)
			node_of[i] = topo[i].node;
		nodes = (struct xl_cpu_nodes){ node_of, (unsigned int)n };
	}
	r = xl_cpumap_parse(text, *map, p->bytes, node_of ? &nodes : NULL, stderr);
	free(node_of);
	free(topo);
	return r;
}

/* -N: the maps as xl prints them, nothing changed. */
static void print_dry_run(const struct pin *p)
{
	printf("cpumap: ");
	if (p->hard)
		xl_cpumap_print(stdout, p->hard, p->nr_cpus);
	else
		printf("-");
	if (p->soft) {
		printf(" ");
		xl_cpumap_print(stdout, p->soft, p->nr_cpus);
	}
	printf("\n");
}

/* One vCPU, as libxl_set_vcpuaffinity: 0 or -1 after a line saying why. */
static int pin_one(const struct pin *p, uint32_t vcpu)
{
	uint8_t *hard = NULL, *soft = NULL;
	int r = -ENOMEM;

	if (!p->hard && !p->soft) {
		fprintf(stderr, "%s: domain %u: vCPU %u: no affinity given to set\n", xl_prog,
			p->domid, vcpu);
		return -1;
	}
	/* the hypervisor writes the affinity in effect into the maps */
	if ((p->hard && !(hard = malloc(p->bytes))) || (p->soft && !(soft = malloc(p->bytes))))
		goto out;
	if (hard)
		memcpy(hard, p->hard, p->bytes);
	if (soft)
		memcpy(soft, p->soft, p->bytes);
	r = ctrl_vcpu_set_affinity(xl_ctrl(), p->domid, vcpu, hard, soft, p->bytes, p->flags);
out:
	if (r < 0)
		fprintf(stderr, "%s: domain %u: setting the affinity of vCPU %u: %s\n", xl_prog,
			p->domid, vcpu, strerror(-r));
	free(hard);
	free(soft);
	return r < 0 ? -1 : 0;
}

/* Every vCPU, as libxl_set_vcpuaffinity_all: a failure is reported, exit 0. */
static int pin_all(const struct pin *p)
{
	struct xen_domctl_getdomaininfo info;
	bool failed = false;

	if (ctrl_domain_info(xl_ctrl(), p->domid, &info) < 0) {
		fprintf(stderr, "libxl_list_vcpu failed.\n");
		return EXIT_FAILURE;
	}
	for (uint32_t v = 0; v <= info.max_vcpu_id; v++)
		if (pin_one(p, v))
			failed = true;
	if (failed)
		fprintf(stderr, "Could not set affinity.\n");
	return EXIT_SUCCESS;
}

static int pin(struct pin *p)
{
	struct xen_domctl_getdomaininfo info;

	if (xl_dry_run) {
		print_dry_run(p);
		return EXIT_SUCCESS;
	}
	/* xl applies xl.conf's global masks here, to a domain that must exist */
	if (p->hard && ctrl_domain_info(xl_ctrl(), p->domid, &info) < 0) {
		fprintf(stderr, "Could not get domain info\n");
		return EXIT_FAILURE;
	}
	if (p->vcpu == -1)
		return pin_all(p);
	if (pin_one(p, (uint32_t)p->vcpu)) {
		fprintf(stderr, "Could not set affinity for vcpu `%ld'.\n", p->vcpu);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

int main_vcpu_pin(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", 0, 0, 'h' },
		{ "force", 0, 0, 'f' },
		{ "ignore-global-affinity-masks", 0, 0, 'i' },
		{ 0, 0, 0, 0 },
	};
	struct xen_sysctl_physinfo phys;
	struct pin p = { 0 };
	int opt, r = EXIT_FAILURE;

	while ((opt = xl_getopt_long(argc, argv, "fi", longopts, "vcpu-pin", 3)) != -1)
		if (opt == 'f')
			p.flags = XEN_VCPUAFFINITY_FORCE;
	p.domid = xl_find_domain(argv[optind]);
	p.vcpu = parse_vcpu(argv[optind + 1], p.flags != 0);
	if (p.vcpu < -1)
		return EXIT_FAILURE;
	/* parsed for the most CPUs there can be, then cut to the host's */
	p.bytes = PIN_MAX_BYTES;
	if (parse_affinity(argv[optind + 2], &p.hard, &p) == 0 &&
	    parse_affinity(argc > optind + 3 ? argv[optind + 3] : NULL, &p.soft, &p) == 0 &&
	    ctrl_physinfo(xl_ctrl(), &phys) == 0) {
		p.nr_cpus = phys.max_cpu_id + 1;
		if ((p.nr_cpus + 7) / 8 < p.bytes)
			p.bytes = (p.nr_cpus + 7) / 8;
		r = pin(&p);
	}
	free(p.hard);
	free(p.soft);
	return r;
}
