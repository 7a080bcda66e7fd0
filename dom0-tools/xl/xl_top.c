/* SPDX-License-Identifier: MIT */
/*
 * xl top: the table Xen 4.17's xentop prints, from the same sources as its
 * libxenstat: getdomaininfolist (state, CPU time, memory, vCPUs, ssid),
 * the names in xenstore (a domain without one is left out), physinfo (the
 * host's memory, CPUs, clock), the vifD.N interfaces of /proc/net/dev and
 * blkback's statistics under /sys/bus/xen-backend/devices/vbd-D-N.
 * -b prints the table every delay; without it the summary lines come
 * first and the screen is cleared between rounds (no curses: pxl is a
 * static binary without ncurses, so there are no keys, sorting or paging).
 */
#include <dirent.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "xl.h"
#include "xl_top.h"

#define VBD_DIR "/sys/bus/xen-backend/devices"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The vifD.N lines of /proc/net/dev: bytes received and sent, per domain. */
static void read_networks(struct top_dom *d, int n)
{
	FILE *f = fopen("/proc/net/dev", "r");
	char line[512];
	unsigned int domid, dev;
	unsigned long long rx, tx, skip;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *p = line + strspn(line, " ");

		if (sscanf(p, "vif%u.%u:%llu %llu %llu %llu %llu %llu %llu %llu %llu", &domid, &dev,
			   &rx, &skip, &skip, &skip, &skip, &skip, &skip, &skip, &tx) != 11)
			continue;
		for (int i = 0; i < n; i++) {
			if (d[i].domid != domid)
				continue;
			d[i].nets++;
			d[i].net_rx += rx;
			d[i].net_tx += tx;
		}
	}
	fclose(f);
}

static int read_counter(const char *dir, const char *name, unsigned long long *v)
{
	char path[PATH_MAX];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), VBD_DIR "/%s/statistics/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	ok = fscanf(f, "%llu", v) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

/* blkback's counters of each vbd-D-N; a vbd whose counters cannot be read counts as one. */
static void read_vbds(struct top_dom *d, int n)
{
	static const char *const names[TOP_VBD_FIELDS] = { "oo_req", "rd_req", "wr_req", "rd_sect",
							   "wr_sect" };
	DIR *dir = opendir(VBD_DIR);
	struct dirent *e;
	unsigned int domid, dev;

	while (dir && (e = readdir(dir))) {
		unsigned long long v[TOP_VBD_FIELDS];
		int bad = 0;

		if (sscanf(e->d_name, "vbd-%u-%u", &domid, &dev) != 2)
			continue;
		for (int k = 0; k < TOP_VBD_FIELDS; k++)
			bad |= read_counter(e->d_name, names[k], &v[k]);
		for (int i = 0; i < n; i++) {
			if (d[i].domid != domid)
				continue;
			d[i].vbds++;
			d[i].vbds_read += !bad;
			for (int k = 0; k < TOP_VBD_FIELDS && !bad; k++)
				d[i].vbd[k] += v[k];
		}
	}
	if (dir)
		closedir(dir);
}

/* One sample of every named domain and of the host; 0, or -1 after a message. */
static int sample(struct top_sample *s)
{
	struct xen_domctl_getdomaininfo *info;
	struct xen_sysctl_physinfo pi;
	int n = ctrl_domain_list_all(xl_ctrl(), &info);

	if (n < 0 || ctrl_physinfo(xl_ctrl(), &pi) < 0) {
		fprintf(stderr, "Failed to retrieve statistics from libxenstat\n");
		if (n >= 0)
			free(info);
		return -1;
	}
	gettimeofday(&s->when, NULL);
	s->tot_kb = pi.total_pages * 4;
	s->free_kb = pi.free_pages * 4;
	s->nr_cpus = pi.nr_cpus;
	s->cpu_mhz = pi.cpu_khz / 1000;
	s->doms = calloc(n ? n : 1, sizeof(*s->doms));
	s->n = 0;
	for (int i = 0; i < n && s->doms; i++) {
		char *name = xl_domid_to_name(info[i].domain);

		if (!name)
			continue;
		top_dom_from_info(&s->doms[s->n++], &info[i], name);
		free(name);
	}
	free(info);
	if (!s->doms)
		return -1;
	read_networks(s->doms, s->n);
	read_vbds(s->doms, s->n);
	return 0;
}

static void summary(const struct top_sample *s)
{
	char now[16], *ver = NULL;
	time_t t = s->when.tv_sec;
	long v = ctrl_xen_version(xl_ctrl(), XENVER_version, NULL, 0);
	char extra[XEN_EXTRAVERSION_LEN] = "";

	ctrl_xen_version(xl_ctrl(), XENVER_extraversion, extra, sizeof(extra));
	strftime(now, sizeof(now), "%H:%M:%S", localtime(&t));
	if (v >= 0 && asprintf(&ver, "%ld.%ld%s", v >> 16, v & 0xffff, extra) < 0)
		ver = NULL;
	top_print_summary(stdout, s, now, ver ? ver : "");
	free(ver);
}

struct top_args {
	int delay, iterations;
	bool batch, full_name;
};

static void parse_args(int argc, char **argv, struct top_args *a)
{
	static const struct option longopts[] = {
		{ "help", 0, 0, 'h' },	     { "delay", 1, 0, 'd' },	 { "batch", 0, 0, 'b' },
		{ "iterations", 1, 0, 'i' }, { "full-name", 0, 0, 'f' }, { 0, 0, 0, 0 },
	};
	int opt;

	while ((opt = xl_getopt_long(argc, argv, "d:bi:f", longopts, "top", 0)) != -1) {
		if (opt == 'd')
			a->delay = atoi(optarg);
		else if (opt == 'b')
			a->batch = true;
		else if (opt == 'i')
			a->iterations = atoi(optarg);
		else if (opt == 'f')
			a->full_name = true;
	}
}

int main_top(int argc, char **argv)
{
	struct top_args a = { .delay = 3, .iterations = 0 };
	struct top_sample prev = { 0 }, cur = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	int left;

	parse_args(argc, argv, &a);
	left = a.iterations;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!stop) {
		if (sample(&cur))
			return EXIT_FAILURE;
		if (!a.batch) {
			printf("\033[H\033[2J");
			summary(&cur);
		}
		top_print_table(stdout, &cur, prev.doms ? &prev : NULL, a.full_name);
		fflush(stdout);
		free(prev.doms);
		prev = cur;
		cur.doms = NULL;
		if (a.iterations > 0 && --left == 0)
			break;
		sleep(a.delay > 0 ? (unsigned int)a.delay : 0);
	}
	free(prev.doms);
	return EXIT_SUCCESS;
}
