/* SPDX-License-Identifier: MIT */
/* CPU bitmaps as xl reads and prints them (vcpu-pin, vcpu-list). */
#ifndef PETREL_XL_CPUMAP_H
#define PETREL_XL_CPUMAP_H

#include <stdint.h>
#include <stdio.h>

/* The NUMA node of each CPU (index = CPU), for "node:N" terms; XL_NO_NODE for none. */
#define XL_NO_NODE 0xffffffffu
struct xl_cpu_nodes {
	const uint32_t *node_of;
	unsigned int nr;
};

/*
 * Add the CPUs of TEXT to MAP (BYTES bytes; bits past it are ignored, as
 * libxl ignores them): comma-separated terms, each "all", "N" or "N-M",
 * optionally after "node:" or "nodes:" (the CPUs of those NUMA nodes, from
 * NODES), and after a leading "^" removed instead.  0, or -1 after xl's
 * message on ERR.
 */
int xl_cpumap_parse(const char *text, uint8_t *map, unsigned int bytes,
		    const struct xl_cpu_nodes *nodes, FILE *err);

/*
 * MAP's first NR_CPUS bits as xl prints them: "all" when every one is set,
 * "none" when none is, else ranges ("0-2,5").
 */
void xl_cpumap_print(FILE *out, const uint8_t *map, unsigned int nr_cpus);

#endif /* PETREL_XL_CPUMAP_H */
