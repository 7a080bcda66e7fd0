/* SPDX-License-Identifier: MIT */
/*
 * xl vcpu-list, vcpu-set, mem-max, mem-set and rename: what they print, the
 * hypervisor calls and the xenstore nodes they change, as xl and libxl
 * 4.17 do for a PV domain.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore.h"
#include "xl.h"
#include "xl_cpumap.h"

/* libxl's slack above a domain's memory in its hypervisor limit (x86). */
#define MAXMEM_SLACK_KB 1024

static void print_domain_vcpus(uint16_t domid, unsigned int nr_cpus)
{
	unsigned int bytes = (nr_cpus + 7) / 8;
	struct xen_domctl_getdomaininfo info;
	struct xen_domctl_getvcpuinfo v;
	uint8_t *hard = calloc(2, bytes);
	uint8_t *soft = hard + bytes;
	char *name;
	int r = ctrl_domain_info(xl_ctrl(), domid, &info);

	if (r < 0 || !hard) {
		fprintf(stderr, "%s: domain %u: %s\n", xl_prog, domid,
			strerror(r < 0 ? -r : ENOMEM));
		free(hard);
		return;
	}
	name = xl_domid_to_name(domid);
	for (uint32_t i = 0; i <= info.max_vcpu_id; i++) {
		r = ctrl_vcpu_info(xl_ctrl(), domid, i, &v);
		if (r == 0)
			r = ctrl_vcpu_affinity(xl_ctrl(), domid, i, hard, soft, bytes);
		if (r < 0) {
			fprintf(stderr, "%s: vCPU %u of domain %u: %s\n", xl_prog, i, domid,
				strerror(-r));
			break;
		}
		printf("%-32s %5u %5u", name ? name : "(null)", domid, i);
		if (v.online)
			printf("%5u %3c%c- ", v.cpu, v.running ? 'r' : '-', v.blocked ? 'b' : '-');
		else
			printf("%5c %3c%cp ", '-', '-', '-');
		printf("%9.1f  ", (double)v.cpu_time / 1e9);
		xl_cpumap_print(stdout, hard, nr_cpus);
		printf(" / ");
		xl_cpumap_print(stdout, soft, nr_cpus);
		printf("\n");
	}
	free(name);
	free(hard);
}

int main_vcpu_list(int argc, char **argv)
{
	struct xen_domctl_getdomaininfo *all;
	struct xen_sysctl_physinfo phys;
	int n, r;

	if (xl_getopt(argc, argv, "", "vcpu-list", 0) != -1)
		return EXIT_FAILURE;
	r = ctrl_physinfo(xl_ctrl(), &phys);
	if (r < 0) {
		fprintf(stderr, "libxl_physinfo failed.\n");
		return EXIT_SUCCESS; /* as xl */
	}
	printf("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)",
	       "Affinity (Hard / Soft)");
	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			print_domain_vcpus(xl_find_domain(argv[i]), phys.nr_cpus);
		return EXIT_SUCCESS;
	}
	n = ctrl_domain_list_all(xl_ctrl(), &all);
	if (n < 0) {
		fprintf(stderr, "libxl_list_domain failed.\n");
		return EXIT_SUCCESS;
	}
	for (int i = 0; i < n; i++)
		print_domain_vcpus(all[i].domain, phys.nr_cpus);
	free(all);
	return EXIT_SUCCESS;
}

/*
 * vcpu-set: the guest brings vCPUs up and down itself, told through
 * cpu/N/availability ("online" for the first COUNT, "offline" for the rest,
 * in one transaction), as libxl does for a PV guest.
 */
static int set_vcpus_online(uint16_t domid, const struct xen_domctl_getdomaininfo *info,
			    unsigned long count)
{
	struct xs_handle *xs = xl_xs();
	xs_transaction_t t;
	char path[64];
	bool ok;

	if (count == 0 || count > info->max_vcpu_id + 1ul) {
		fprintf(stderr, "%s: domain %u: %lu vCPUs requested, it has %u\n", xl_prog, domid,
			count, info->max_vcpu_id + 1);
		return XL_ERROR_FAIL;
	}
	do {
		t = xs_transaction_start(xs);
		if (!t)
			return XL_ERROR_FAIL;
		ok = true;
		for (uint32_t i = 0; ok && i <= info->max_vcpu_id; i++) {
			const char *v = i < count ? "online" : "offline";

			snprintf(path, sizeof(path), "/local/domain/%u/cpu/%u/availability", domid,
				 i);
			ok = xs_write(xs, t, path, v, strlen(v));
		}
		if (!ok) {
			xs_transaction_end(xs, t, true);
			return XL_ERROR_FAIL;
		}
	} while (!xs_transaction_end(xs, t, false) && errno == EAGAIN);
	return 0;
}

int main_vcpu_set(int argc, char **argv)
{
	struct xen_domctl_getdomaininfo info;
	struct xen_sysctl_physinfo phys;
	int opt, check_host = 1, r;
	unsigned long count;
	uint16_t domid;
	char *end;

	while ((opt = xl_getopt(argc, argv, "i", "vcpu-set", 2)) != -1)
		check_host = 0;
	domid = xl_find_domain(argv[optind]);
	count = strtoul(argv[optind + 1], &end, 10);
	if (end == argv[optind + 1]) {
		fprintf(stderr, "Error: Invalid argument.\n");
		return EXIT_FAILURE;
	}
	r = ctrl_domain_info(xl_ctrl(), domid, &info);
	if (r == -ESRCH) {
		fprintf(stderr, "Domain %u does not exist.\n", domid);
		return EXIT_FAILURE;
	}
	if (r < 0 || (check_host && ctrl_physinfo(xl_ctrl(), &phys) < 0))
		return EXIT_FAILURE;
	if (check_host && count > info.nr_online_vcpus && count > phys.max_cpu_id + 1ul) {
		fprintf(stderr,
			"You are overcommmitting! You have %u physical CPUs and want %lu vCPUs! "
			"Aborting, use --ignore-host to continue\n",
			phys.max_cpu_id + 1, count);
		return EXIT_FAILURE;
	}
	r = set_vcpus_online(domid, &info, count);
	if (r) {
		fprintf(stderr, "libxl_set_vcpuonline failed domid=%u max_vcpus=%d, rc: %d\n",
			domid, (int)count, r);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

/* xl's memory sizes: a number with an optional unit b, k, m (the default), g or t; -1 if bad. */
static int64_t parse_mem_kb(const char *text)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (end == text || errno || v < 0 || strlen(end) > 1)
		return -1;
	switch (tolower((unsigned char)*end)) {
	case 't':
		return v > (INT64_MAX >> 30) ? -1 : v << 30;
	case 'g':
		return v > (INT64_MAX >> 20) ? -1 : v << 20;
	case '\0':
	case 'm':
		return v > (INT64_MAX >> 10) ? -1 : v << 10;
	case 'k':
		return v;
	case 'b':
		return v >> 10;
	default:
		return -1;
	}
}

/* A number (KiB) in the domain's memory/NODE; 0 and *out, or -1 after a message. */
static int read_mem_node(uint16_t domid, const char *node, uint64_t *out)
{
	char path[64], *text, *end;
	unsigned int len;
	int r = -1;

	snprintf(path, sizeof(path), "/local/domain/%u/memory/%s", domid, node);
	text = xs_read(xl_xs(), XBT_NULL, path, &len);
	if (text) {
		*out = strtoull(text, &end, 10);
		r = (end == text || *end) ? -1 : 0;
	}
	if (r)
		fprintf(stderr, "%s: domain %u: no valid %s (%s)\n", xl_prog, domid, path,
			text ? text : "missing");
	free(text);
	return r;
}

static int write_node(const char *path, uint64_t value)
{
	char text[24];

	snprintf(text, sizeof(text), "%llu", (unsigned long long)value);
	return xs_write(xl_xs(), XBT_NULL, path, text, strlen(text)) ? 0 : -1;
}

static int set_max_mem(uint16_t domid, uint64_t kb)
{
	int r = ctrl_domain_max_mem(xl_ctrl(), domid, kb + MAXMEM_SLACK_KB);

	if (r < 0)
		fprintf(stderr, "%s: max_mem of domain %u to %llu KiB: %s\n", xl_prog, domid,
			(unsigned long long)(kb + MAXMEM_SLACK_KB), strerror(-r));
	return r;
}

/*
 * mem-max: the hypervisor's limit becomes the size plus libxl's slack and
 * memory/static-max the size; never below the current target.
 */
static int mem_max(uint16_t domid, uint64_t kb)
{
	char path[64];
	uint64_t target;

	if (read_mem_node(domid, "target", &target))
		return -1;
	if (kb < target) {
		fprintf(stderr,
			"%s: domain %u: memory_static_max must be greater than or equal "
			"to memory_dynamic_max\n",
			xl_prog, domid);
		return -1;
	}
	if (set_max_mem(domid, kb))
		return -1;
	snprintf(path, sizeof(path), "/local/domain/%u/memory/static-max", domid);
	return write_node(path, kb);
}

/*
 * mem-set: the balloon target in memory/target (and /vm/<uuid>/memory in
 * MiB), at most memory/static-max; the hypervisor's limit follows it, as
 * libxl's enforce does.
 */
static int mem_set(uint16_t domid, uint64_t kb)
{
	char path[64], *vm;
	uint64_t max;
	unsigned int len;

	if (read_mem_node(domid, "static-max", &max))
		return -1;
	if (kb > max) {
		fprintf(stderr,
			"%s: domain %u: memory_dynamic_max must be less than or equal "
			"to memory_static_max\n",
			xl_prog, domid);
		return -1;
	}
	if (set_max_mem(domid, kb))
		return -1;
	snprintf(path, sizeof(path), "/local/domain/%u/memory/target", domid);
	if (write_node(path, kb))
		return -1;
	snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
	vm = xs_read(xl_xs(), XBT_NULL, path, &len);
	if (vm && strncmp(vm, "/vm/", 4) == 0) {
		snprintf(path, sizeof(path), "%.50s/memory", vm);
		write_node(path, kb >> 10);
	}
	free(vm);
	return 0;
}

static int mem_command(int argc, char **argv, const char *cmd)
{
	bool max = strcmp(cmd, "mem-max") == 0;
	const char *size;
	uint16_t domid;
	int64_t kb;

	if (xl_getopt(argc, argv, "", cmd, 2) != -1)
		return EXIT_FAILURE;
	domid = xl_find_domain(argv[optind]);
	size = argv[optind + 1];
	kb = parse_mem_kb(size);
	if (kb < 0) {
		fprintf(stderr, "invalid memory size: %s\n", size);
		return EXIT_FAILURE;
	}
	if ((max ? mem_max : mem_set)(domid, (uint64_t)kb)) {
		fprintf(stderr, "cannot set domid %u %s max memory to : %s\n", domid,
			max ? "static" : "dynamic", size);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

int main_mem_max(int argc, char **argv)
{
	return mem_command(argc, argv, "mem-max");
}

int main_mem_set(int argc, char **argv)
{
	return mem_command(argc, argv, "mem-set");
}

/*
 * rename: /local/domain/N/name and /vm/<uuid>/name in one transaction,
 * refused when another domain has the name.
 */
static int rename_domain(uint16_t domid, const char *name)
{
	struct xs_handle *xs = xl_xs();
	char path[64], vm_path[80], *vm;
	uint16_t other;
	unsigned int len;
	xs_transaction_t t;

	if (xl_name_to_domid(name, &other) == 0 && other != domid) {
		fprintf(stderr, "%s: Domain with name \"%s\" already exists.\n", xl_prog, name);
		return -1;
	}
	for (;;) {
		t = xs_transaction_start(xs);
		if (!t)
			return -1;
		snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
		vm = xs_read(xs, t, path, &len);
		snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
		vm_path[0] = 0;
		if (vm && strncmp(vm, "/vm/", 4) == 0)
			snprintf(vm_path, sizeof(vm_path), "%.60s/name", vm);
		free(vm);
		if (!xs_write(xs, t, path, name, strlen(name)) ||
		    (vm_path[0] && !xs_write(xs, t, vm_path, name, strlen(name)))) {
			xs_transaction_end(xs, t, true);
			return -1;
		}
		if (xs_transaction_end(xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -1;
	}
}

int main_rename(int argc, char **argv)
{
	struct xen_domctl_getdomaininfo info;
	uint16_t domid;

	if (xl_getopt(argc, argv, "", "rename", 2) != -1)
		return EXIT_FAILURE;
	domid = xl_find_domain(argv[optind]);
	if (ctrl_domain_info(xl_ctrl(), domid, &info) < 0 ||
	    rename_domain(domid, argv[optind + 1])) {
		fprintf(stderr, "Can't rename domain '%s'.\n", argv[optind]);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
