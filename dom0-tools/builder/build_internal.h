/* SPDX-License-Identifier: MIT */
/*
 * The builder's shared state and the steps the PV builder (build.c) and the
 * PVH builder (build_pvh.c) have in common.
 */
#ifndef PETREL_BUILDER_BUILD_INTERNAL_H
#define PETREL_BUILDER_BUILD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "build.h"
#include "grant_table.h"
#include "memory.h"

struct build {
	struct ctrl *c;
	const struct pv_build_args *a;
	struct pv_build_result *res;
	struct pv_layout *l;
	uint64_t *p2m; /* pfn -> mfn (PVH: gfn -> gfn), nr_pages entries */
	uint64_t shared_info_mfn;
	unsigned int grant_version;
	char *err;
	size_t errlen;
};

/* Puts "what: strerror(-r)" into b->err and returns r. */
int build_fail(struct build *b, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Reports a finished step through a->phase, if set. */
void build_phase(struct build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int build_create_domain(struct build *b); /* PV, or PVH with a->pvh */
int build_limits(struct build *b);
int build_unbound_port(struct build *b, uint32_t *port);
int build_memory_map(struct build *b, const struct petrel_e820_entry *map, unsigned int n);
int build_populate(struct build *b, uint64_t first, uint64_t n, uint64_t *frames);
/* Frames b->p2m[first .. first + count) mapped read-write, or NULL. */
void *build_map_pfns(struct build *b, uint64_t first, uint64_t count);
/* Grant refs 0 and 1: the console and xenstore frames in res, for dom0. */
int build_seed_grants(struct build *b);
/* The same, written into the grant table's first frame mapped at g. */
void build_write_grants(struct build *b, grant_entry_v1_t *g);

/* The PVH builder's steps (build_pvh.c), after which pv_build introduces the domain. */
int pvh_build_steps(struct build *b);

#endif /* PETREL_BUILDER_BUILD_INTERNAL_H */
