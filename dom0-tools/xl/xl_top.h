/* SPDX-License-Identifier: MIT */
/* xl top's samples and xentop 4.17's table (xl_top_print.c, unit-tested on the host). */
#ifndef PETREL_XL_TOP_H
#define PETREL_XL_TOP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>

#include "domctl.h"
#include "sched.h"

/* blkback's counters in xentop's column order: OO, RD, WR, RSECT, WSECT. */
#define TOP_VBD_FIELDS 5

struct top_dom {
	char name[64];
	uint16_t domid;
	uint32_t flags, ssid, vcpus;
	uint64_t cpu_ns, cur_kb;
	uint64_t max_kb; /* UINT64_MAX: no limit */
	unsigned int nets, vbds, vbds_read;
	unsigned long long net_rx, net_tx, vbd[TOP_VBD_FIELDS];
};

struct top_sample {
	struct timeval when;
	struct top_dom *doms;
	int n;
	uint64_t tot_kb, free_kb;
	unsigned int nr_cpus, cpu_mhz;
};

/* A domain's row data from getdomaininfo, as libxenstat takes it. */
void top_dom_from_info(struct top_dom *d, const struct xen_domctl_getdomaininfo *info,
		       const char *name);
/*
 * xentop -b's table: the header and a row per domain, sorted by name as
 * xentop sorts by default; CPU(%) against prev (0.0 without one).
 * full_name: xentop -f (the name column as wide as the longest name).
 */
void top_print_table(FILE *out, struct top_sample *s, const struct top_sample *prev,
		     bool full_name);
/* The three summary lines xentop prints above the table when not in batch mode. */
void top_print_summary(FILE *out, const struct top_sample *s, const char *now, const char *version);

#endif /* PETREL_XL_TOP_H */
