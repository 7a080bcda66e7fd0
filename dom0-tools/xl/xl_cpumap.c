/* SPDX-License-Identifier: MIT */
/*
 * CPU bitmaps in xl's text form: the terms xl vcpu-pin and xl.cfg's cpus=
 * take, and the ranges xl vcpu-list prints.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xl_cpumap.h"

static bool skip_prefix(const char **s, const char *prefix)
{
	size_t n = strlen(prefix);

	if (strncmp(*s, prefix, n))
		return false;
	*s += n;
	return true;
}

/* "N" or "N-M" (M >= N), nothing after it; 0 or -1. */
static int parse_range(const char *s, unsigned long *first, unsigned long *last)
{
	const char *from = s;
	char *end;

	*first = *last = strtoul(s, &end, 10);
	if (end == from || *first == ULONG_MAX)
		return -1;
	if (*end == '-') {
		from = end + 1;
		*last = strtoul(from, &end, 10);
		if (end == from || *last == ULONG_MAX || *last < *first)
			return -1;
	}
	return *end ? -1 : 0;
}

static void put_bit(uint8_t *map, unsigned int bytes, unsigned long bit, bool on)
{
	if (bit >= bytes * 8ul)
		return;
	if (on)
		map[bit / 8] |= (uint8_t)(1u << (bit % 8));
	else
		map[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
}

/* The CPUs of nodes FIRST to LAST (a CPU without a node is in none). */
static int put_nodes(uint8_t *map, unsigned int bytes, unsigned long first, unsigned long last,
		     const struct xl_cpu_nodes *nodes, bool on, FILE *err)
{
	if (!nodes) {
		fprintf(err, "libxl_node_to_cpumap failed.\n");
		return -1;
	}
	for (unsigned int cpu = 0; cpu < nodes->nr; cpu++) {
		uint32_t node = nodes->node_of[cpu];

		if (node != XL_NO_NODE && node >= first && node <= last)
			put_bit(map, bytes, cpu, on);
	}
	return 0;
}

static int parse_term(const char *s, uint8_t *map, unsigned int bytes,
		      const struct xl_cpu_nodes *nodes, FILE *err)
{
	bool remove = skip_prefix(&s, "^");
	bool whole_nodes = skip_prefix(&s, "node:") || skip_prefix(&s, "nodes:");
	unsigned long first, last;

	if (strcmp(s, "all") == 0) {
		if (remove) {
			fprintf(err, "Can't combine \"^\" and \"all\".\n");
			return -1;
		}
		memset(map, 0xff, bytes);
		return 0;
	}
	if (parse_range(s, &first, &last)) {
		fprintf(err, "Invalid pcpu range: %s.\n", s);
		return -1;
	}
	if (whole_nodes)
		return put_nodes(map, bytes, first, last, nodes, !remove, err);
	/* CPUs past the map change nothing: stop there rather than count to M */
	for (unsigned long i = first; i <= last && i < bytes * 8ul; i++)
		put_bit(map, bytes, i, !remove);
	return 0;
}

int xl_cpumap_parse(const char *text, uint8_t *map, unsigned int bytes,
		    const struct xl_cpu_nodes *nodes, FILE *err)
{
	char *copy = strdup(text), *save = NULL;
	int r = 0;

	if (!copy) {
		fprintf(err, "%s\n", strerror(ENOMEM));
		return -1;
	}
	for (char *t = strtok_r(copy, ",", &save); t && !r; t = strtok_r(NULL, ",", &save))
		r = parse_term(t, map, bytes, nodes, err);
	free(copy);
	return r;
}

static bool bit_set(const uint8_t *map, unsigned int n)
{
	return (map[n / 8] >> (n % 8)) & 1;
}

void xl_cpumap_print(FILE *out, const uint8_t *map, unsigned int nr_cpus)
{
	unsigned int i = 0, runs = 0;

	while (i < nr_cpus) {
		unsigned int first;

		if (!bit_set(map, i)) {
			i++;
			continue;
		}
		for (first = i; i < nr_cpus && bit_set(map, i); i++)
			;
		if (first == 0 && i == nr_cpus) {
			fputs("all", out);
			return;
		}
		fprintf(out, "%s%u", runs++ ? "," : "", first);
		if (i - 1 > first)
			fprintf(out, "-%u", i - 1);
	}
	if (!runs)
		fputs("none", out);
}
