/* SPDX-License-Identifier: MIT */
/* xl list: one line per domain, in xl's columns. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xl.h"

/* The fifth state letter: why a shut-down domain stopped (SHUTDOWN_*). */
static const char shutdown_letters[] = "-rscwS";

static void list_header(bool verbose)
{
	printf("Name                                        ID   Mem VCPUs\tState\tTime(s)");
	if (verbose)
		printf("   UUID                            Reason-Code\tSecurity Label");
	printf("\n");
}

static void list_row(const struct xen_domctl_getdomaininfo *d, bool verbose)
{
	bool shutdown = d->flags & XEN_DOMINF_shutdown;
	unsigned int reason =
	    shutdown ? (d->flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask : 0;
	char *name = xl_domid_to_name(d->domain);
	char uuid[37];

	printf("%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f", name ? name : "(null)", d->domain,
	       (unsigned long)((d->tot_pages + d->outstanding_pages) * 4 / 1024),
	       d->nr_online_vcpus, d->flags & XEN_DOMINF_running ? 'r' : '-',
	       d->flags & XEN_DOMINF_blocked ? 'b' : '-', d->flags & XEN_DOMINF_paused ? 'p' : '-',
	       shutdown ? 's' : '-',
	       reason < sizeof(shutdown_letters) - 1 ? shutdown_letters[reason] : '?',
	       d->flags & XEN_DOMINF_dying ? 'd' : '-', (double)((float)d->cpu_time / 1e9f));
	free(name);
	if (verbose) {
		xl_uuid_string(d->handle, uuid);
		printf(" %s", uuid);
		if (shutdown)
			printf(" %8x", reason);
		else
			printf(" %8s", "-");
		printf(" %16s", "-");
	}
	putchar('\n');
}

int main_list(int argc, char **argv)
{
	struct xen_domctl_getdomaininfo one, *all = NULL;
	bool verbose = false, details = false;
	int opt, n = 1, r;
	uint16_t domid;

	while ((opt = xl_getopt(argc, argv, "lv", "list", 0)) != -1) {
		if (opt == 'l')
			details = true;
		else
			verbose = true;
	}
	if (optind < argc - 1) {
		xl_help("list");
		return EXIT_FAILURE;
	}
	if (optind == argc - 1) {
		domid = xl_find_domain(argv[optind]);
		r = ctrl_domain_info(xl_ctrl(), domid, &one);
		if (r == -ESRCH) {
			fprintf(stderr, "Error: Domain '%s' does not exist.\n", argv[optind]);
			return EXIT_FAILURE;
		}
		if (r < 0) {
			fprintf(stderr, "libxl_domain_info failed (code %d).\n", XL_ERROR_FAIL);
			return EXIT_FAILURE;
		}
		all = &one;
	} else {
		n = ctrl_domain_list_all(xl_ctrl(), &all);
		if (n < 0) {
			fprintf(stderr, "libxl_list_domain failed.\n");
			return EXIT_FAILURE;
		}
	}
	if (details) {
		r = xl_list_long(all, n);
	} else {
		list_header(verbose);
		for (int i = 0; i < n; i++)
			list_row(&all[i], verbose);
		r = EXIT_SUCCESS;
	}
	if (all != &one)
		free(all);
	return r;
}
