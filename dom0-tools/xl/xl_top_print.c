/* SPDX-License-Identifier: MIT */
/* xentop 4.17's table and summary lines, from samples taken by xl_top.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xl_top.h"

#define UNLIMITED_PAGES 0xffffffffULL

void top_dom_from_info(struct top_dom *d, const struct xen_domctl_getdomaininfo *info,
		       const char *name)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->domid = info->domain;
	d->flags = info->flags;
	d->ssid = info->ssidref;
	d->vcpus = info->max_vcpu_id + 1;
	d->cpu_ns = info->cpu_time;
	d->cur_kb = info->tot_pages * 4;
	d->max_kb = info->max_pages == UNLIMITED_PAGES ? UINT64_MAX : info->max_pages * 4;
}

/* The state letters in xentop's order: dying, shutdown, blocked, crashed, paused, running. */
static void state_letters(const struct top_dom *d, char out[7])
{
	unsigned int reason = (d->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
	bool down = d->flags & XEN_DOMINF_shutdown;

	out[0] = d->flags & XEN_DOMINF_dying ? 'd' : '-';
	out[1] = down && reason != SHUTDOWN_crash ? 's' : '-';
	out[2] = d->flags & XEN_DOMINF_blocked ? 'b' : '-';
	out[3] = down && reason == SHUTDOWN_crash ? 'c' : '-';
	out[4] = d->flags & XEN_DOMINF_paused ? 'p' : '-';
	out[5] = d->flags & XEN_DOMINF_running ? 'r' : '-';
	out[6] = '\0';
}

/* Column widths that grow with their values, as xentop's adjust_field_widths. */
struct widths {
	unsigned int name, tx, rx, vbd[TOP_VBD_FIELDS];
};

static void grow(unsigned int *w, unsigned long long value)
{
	unsigned int need = (unsigned int)(log10((double)value + 1) + 1);

	if (need > *w)
		*w = need;
}

static struct widths widths_for(const struct top_sample *s, bool full_name)
{
	struct widths w = { 10, 8, 8, { 8, 8, 8, 10, 10 } };

	for (int i = 0; i < s->n; i++) {
		const struct top_dom *d = &s->doms[i];

		if (full_name && strlen(d->name) > w.name)
			w.name = (unsigned int)strlen(d->name);
		grow(&w.tx, d->net_tx / 1024);
		grow(&w.rx, d->net_rx / 1024);
		for (int k = 1; k < TOP_VBD_FIELDS; k++)
			grow(&w.vbd[k], d->vbd[k]);
	}
	return w;
}

static void print_header(FILE *out, const struct widths *w)
{
	fprintf(out,
		"%*s %6s %10s %6s %10s %6s %10s %9s %5s %4s %*s %*s %4s %8s %*s %*s %*s %*s "
		"%4s\n",
		(int)w->name, "NAME", "STATE", "CPU(sec)", "CPU(%)", "MEM(k)", "MEM(%)",
		"MAXMEM(k)", "MAXMEM(%)", "VCPUS", "NETS", (int)w->tx, "NETTX(k)", (int)w->rx,
		"NETRX(k)", "VBDS", "VBD_OO", (int)w->vbd[1], "VBD_RD", (int)w->vbd[2], "VBD_WR",
		(int)w->vbd[3], "VBD_RSECT", (int)w->vbd[4], "VBD_WSECT", "SSID");
}

static double cpu_pct(const struct top_dom *d, const struct top_sample *s,
		      const struct top_sample *prev)
{
	double us;

	for (int i = 0; prev && i < prev->n; i++) {
		if (prev->doms[i].domid != d->domid)
			continue;
		us = (s->when.tv_sec - prev->when.tv_sec) * 1000000.0 +
		     (s->when.tv_usec - prev->when.tv_usec);
		return ((double)(d->cpu_ns - prev->doms[i].cpu_ns) / 10.0) / us;
	}
	return 0.0;
}

static void print_memory(FILE *out, const struct top_dom *d, const struct top_sample *s)
{
	fprintf(out, " %10llu %6.1f", (unsigned long long)d->cur_kb,
		(double)d->cur_kb / (double)s->tot_kb * 100);
	if (d->max_kb == UINT64_MAX)
		fprintf(out, " %10s %9s", "no limit", "n/a");
	else
		fprintf(out, " %10llu %9.1f", (unsigned long long)d->max_kb,
			(double)d->max_kb / (double)s->tot_kb * 100);
}

/* The VBD columns: '-' when the domain has vbds and none could be read. */
static void print_vbds(FILE *out, const struct top_dom *d, const struct widths *w)
{
	bool shown = d->vbds == 0 || d->vbds_read > 0;

	fprintf(out, " %4u", d->vbds);
	for (int k = 0; k < TOP_VBD_FIELDS; k++) {
		if (shown)
			fprintf(out, " %*llu", (int)w->vbd[k], d->vbd[k]);
		else
			fprintf(out, " %*c", (int)w->vbd[k], '-');
	}
}

static void print_row(FILE *out, const struct top_dom *d, const struct top_sample *s,
		      const struct top_sample *prev, const struct widths *w, bool full_name)
{
	char state[7];

	state_letters(d, state);
	if (full_name)
		fprintf(out, "%*s", (int)w->name, d->name);
	else
		fprintf(out, "%10.10s", d->name);
	fprintf(out, " %s %10llu %6.1f", state, (unsigned long long)(d->cpu_ns / 1000000000ULL),
		cpu_pct(d, s, prev));
	print_memory(out, d, s);
	fprintf(out, " %5u %4u %*llu %*llu", d->vcpus, d->nets, (int)w->tx, d->net_tx / 1024,
		(int)w->rx, d->net_rx / 1024);
	print_vbds(out, d, w);
	fprintf(out, " %4u\n", d->ssid);
}

static int by_name(const void *a, const void *b)
{
	return strcasecmp(((const struct top_dom *)a)->name, ((const struct top_dom *)b)->name);
}

void top_print_table(FILE *out, struct top_sample *s, const struct top_sample *prev, bool full_name)
{
	struct widths w = widths_for(s, full_name);

	qsort(s->doms, s->n, sizeof(*s->doms), by_name);
	if (s->n)
		print_header(out, &w);
	for (int i = 0; i < s->n; i++)
		print_row(out, &s->doms[i], s, prev, &w, full_name);
}

void top_print_summary(FILE *out, const struct top_sample *s, const char *now, const char *version)
{
	unsigned int run = 0, block = 0, pause = 0, crash = 0, dying = 0, down = 0;
	char st[7];

	for (int i = 0; i < s->n; i++) {
		state_letters(&s->doms[i], st);
		if (st[5] != '-')
			run++;
		else if (st[2] != '-')
			block++;
		else if (st[4] != '-')
			pause++;
		else if (st[1] != '-')
			down++;
		else if (st[3] != '-')
			crash++;
		else if (st[0] != '-')
			dying++;
	}
	fprintf(out, "xentop - %s   Xen %s\n", now, version);
	fprintf(out,
		"%d domains: %u running, %u blocked, %u paused, %u crashed, %u dying, %u "
		"shutdown \n",
		s->n, run, block, pause, crash, dying, down);
	fprintf(out, "Mem: %lluk total, %lluk used, %lluk free    CPUs: %u @ %uMHz\n",
		(unsigned long long)s->tot_kb, (unsigned long long)(s->tot_kb - s->free_kb),
		(unsigned long long)s->free_kb, s->nr_cpus, s->cpu_mhz);
}
