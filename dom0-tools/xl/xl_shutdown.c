/* SPDX-License-Identifier: MIT */
/*
 * xl shutdown and xl reboot: ask a PV guest through control/shutdown (the
 * node its xenbus driver watches), and with -w wait until the hypervisor
 * reports it shut down or gone (-ww: gone).  Messages and exit codes are
 * xl's.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore.h"
#include "xl.h"

#define ACK_TIMEOUT_MS (60 * 1000) /* libxl's wait for the guest's acknowledgement */
#define XL_ERROR_TIMEDOUT (-9)

enum dom_state { DOM_RUNNING, DOM_SHUTDOWN, DOM_GONE };

static enum dom_state dom_state(uint16_t domid, unsigned int *reason)
{
	struct xen_domctl_getdomaininfo info;

	if (ctrl_domain_info(xl_ctrl(), domid, &info) < 0 || (info.flags & XEN_DOMINF_dying))
		return DOM_GONE;
	if (!(info.flags & XEN_DOMINF_shutdown))
		return DOM_RUNNING;
	*reason = (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
	return DOM_SHUTDOWN;
}

/*
 * The guest acknowledges by emptying the node (or it goes with the domain),
 * as libxl waits for it: up to a minute.
 */
static int wait_for_ack(struct xs_handle *xs, const char *path)
{
	struct pollfd p = { .fd = xs_fileno(xs), .events = POLLIN };
	unsigned int len;
	char *v, **ev;
	int waited = 0, r = XL_ERROR_TIMEDOUT;

	xs_watch(xs, path, "ack");
	while (waited < ACK_TIMEOUT_MS) {
		v = xs_read(xs, XBT_NULL, path, &len);
		if (!v || !*v) {
			free(v);
			r = 0;
			break;
		}
		free(v);
		if (poll(&p, 1, 250) > 0)
			while ((ev = xs_check_watch(xs)))
				free(ev);
		else
			waited += 250;
	}
	xs_unwatch(xs, path, "ack");
	if (r)
		fprintf(stderr, "%s: guest didn't acknowledge control request: %d\n", xl_prog, r);
	return r;
}

/*
 * Write the request where the guest watches for it.  A domain without a
 * home in xenstore has nobody to ask: libxl's ERROR_FAIL.
 */
static int request(uint16_t domid, const char *what)
{
	struct xs_handle *xs = xl_xs();
	char path[64];
	unsigned int len;
	char *name;

	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	name = xs_read(xs, XBT_NULL, path, &len);
	if (!name || dom_state(domid, &len) == DOM_GONE) {
		free(name);
		fprintf(stderr, "%s: domain %u does not exist or has no control node\n", xl_prog,
			domid);
		return XL_ERROR_FAIL;
	}
	free(name);
	snprintf(path, sizeof(path), "/local/domain/%u/control/shutdown", domid);
	if (!xs_write(xs, XBT_NULL, path, what, strlen(what)))
		return XL_ERROR_FAIL;
	return wait_for_ack(xs, path);
}

/*
 * Wait for every domain in ids[] (xl's wait_for_domain_deaths): a shut-down
 * one counts unless death_only; a gone one always does.
 */
static void wait_for(const uint16_t *ids, int nr, bool death_only)
{
	struct xs_handle *xs = xl_xs();
	struct pollfd p = { .fd = xs_fileno(xs), .events = POLLIN };
	bool *done = calloc((size_t)nr, sizeof(*done)), *said = calloc((size_t)nr, sizeof(*said));
	unsigned int reason;
	int count = 0;
	char **ev;

	fprintf(stderr, "Waiting for %d domains\n", nr);
	xs_watch(xs, "@releaseDomain", "wait");
	while (count < nr) {
		for (int i = 0; i < nr; i++) {
			if (done[i])
				continue;
			switch (dom_state(ids[i], &reason)) {
			case DOM_GONE:
				fprintf(stderr, "Domain %u has been destroyed\n", ids[i]);
				done[i] = true;
				count++;
				break;
			case DOM_SHUTDOWN:
				if (said[i])
					break;
				fprintf(stderr, "Domain %u has been shut down, reason code %u\n",
					ids[i], reason);
				said[i] = true;
				if (death_only) {
					fprintf(stderr, "Domain %u continue waiting for death\n", ids[i]);
				} else {
					done[i] = true;
					count++;
				}
				break;
			case DOM_RUNNING:
				break;
			}
		}
		if (count < nr && poll(&p, 1, 500) > 0)
			while ((ev = xs_check_watch(xs)))
				free(ev);
	}
	free(done);
	free(said);
}

/* Every domain but dom0 (for -a). */
static int all_domains(uint16_t **ids)
{
	struct xen_domctl_getdomaininfo *info;
	int n = ctrl_domain_list_all(xl_ctrl(), &info), k = 0;

	*ids = calloc(n > 0 ? (size_t)n : 1, sizeof(**ids));
	for (int i = 0; i < n; i++)
		if (info[i].domain != 0 && !(info[i].flags & XEN_DOMINF_dying))
			(*ids)[k++] = info[i].domain;
	if (n > 0)
		free(info);
	return k;
}

static int shutdown_or_reboot(bool reboot, int argc, char **argv)
{
	const char *cmd = reboot ? "reboot" : "shutdown";
	int opt, wait = 0, nr, r;
	bool all = false;
	uint16_t *ids, one;

	while ((opt = xl_getopt(argc, argv, "awF", cmd, 0)) != -1) {
		if (opt == 'a')
			all = true;
		else if (opt == 'w')
			wait++;
		/* -F (ACPI fallback) only matters for HVM guests without PV drivers */
	}
	if (!all && optind >= argc) {
		fprintf(stderr, "You must specify -a or a domain id.\n\n");
		return EXIT_FAILURE;
	}
	if (all) {
		nr = all_domains(&ids);
	} else {
		one = xl_find_domain(argv[optind]);
		ids = &one;
		nr = 1;
	}
	for (int i = 0; i < nr; i++) {
		fprintf(stderr, reboot ? "Rebooting domain %u\n" : "Shutting down domain %u\n",
			ids[i]);
		r = request(ids[i], reboot ? "reboot" : "poweroff");
		if (r) {
			fprintf(stderr, "%s failed (rc=%d)\n", cmd, r);
			return EXIT_FAILURE;
		}
	}
	if (wait && nr)
		wait_for(ids, nr, wait > 1);
	if (all)
		free(ids);
	return EXIT_SUCCESS;
}

int main_shutdown(int argc, char **argv)
{
	return shutdown_or_reboot(false, argc, argv);
}

int main_reboot(int argc, char **argv)
{
	return shutdown_or_reboot(true, argc, argv);
}
