/* SPDX-License-Identifier: MIT */
/* xl pause, unpause and destroy. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xenstore.h"
#include "xl.h"

static void report(const char *what, uint16_t domid, int r)
{
	fprintf(stderr, "%s: %s domain %u failed: %s\n", xl_prog, what, domid, strerror(-r));
}

/* As in xl, a failed pause or unpause is reported but the exit status is 0. */
int main_pause(int argc, char **argv)
{
	uint16_t domid;
	int r;

	if (xl_getopt(argc, argv, "", "pause", 1) != -1)
		return EXIT_FAILURE;
	domid = xl_find_domain(argv[optind]);
	r = ctrl_domain_pause(xl_ctrl(), domid);
	if (r < 0)
		report("pausing", domid, r);
	return EXIT_SUCCESS;
}

int main_unpause(int argc, char **argv)
{
	uint16_t domid;
	int r;

	if (xl_getopt(argc, argv, "", "unpause", 1) != -1)
		return EXIT_FAILURE;
	domid = xl_find_domain(argv[optind]);
	r = ctrl_domain_unpause(xl_ctrl(), domid);
	if (r < 0)
		report("unpausing", domid, r);
	return EXIT_SUCCESS;
}

/* Remove every backend directory dom0 serves for domid (backend/TYPE/domid). */
static void remove_backends(struct xs_handle *xs, uint16_t domid)
{
	unsigned int n = 0;
	char **types = xs_directory(xs, XBT_NULL, "/local/domain/0/backend", &n);
	char path[256];

	for (unsigned int i = 0; types && i < n; i++) {
		snprintf(path, sizeof(path), "/local/domain/0/backend/%s/%u", types[i], domid);
		xs_rm(xs, XBT_NULL, path);
	}
	free(types);
}

/* libxl's saved configuration files of the domain (/var/lib/xen/userdata-d.N.*). */
static void remove_userdata(uint16_t domid)
{
	DIR *dir = opendir("/var/lib/xen");
	char prefix[32], path[512];
	struct dirent *e;

	if (!dir)
		return;
	snprintf(prefix, sizeof(prefix), "userdata-d.%u.", domid);
	while ((e = readdir(dir))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
			continue;
		snprintf(path, sizeof(path), "/var/lib/xen/%s", e->d_name);
		unlink(path);
	}
	closedir(dir);
}

/* Drop the domain's xenstore records: its home, its /vm entry, /libxl/N. */
static void remove_xenstore(uint16_t domid)
{
	struct xs_handle *xs = xl_xs();
	char path[64], *vm;
	unsigned int len;

	remove_backends(xs, domid);
	snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
	vm = xs_read(xs, XBT_NULL, path, &len);
	if (vm && strncmp(vm, "/vm/", 4) == 0)
		xs_rm(xs, XBT_NULL, vm);
	free(vm);
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	xs_rm(xs, XBT_NULL, path);
	snprintf(path, sizeof(path), "/libxl/%u", domid);
	xs_rm(xs, XBT_NULL, path);
}

int xl_destroy_domain(uint16_t domid)
{
	struct xen_domctl_getdomaininfo info;
	struct ctrl *c = xl_ctrl();
	int r = ctrl_domain_info(c, domid, &info);

	if (r == -ESRCH) {
		fprintf(stderr, "%s: domain %u does not exist\n", xl_prog, domid);
		return XL_ERROR_DOMAIN_NOTFOUND;
	}
	if (r < 0) {
		report("looking up", domid, r);
		return XL_ERROR_FAIL;
	}
	r = ctrl_domain_pause(c, domid);
	if (r < 0 && r != -EINVAL)
		report("pausing", domid, r);
	xl_devices_destroy(domid);
	remove_xenstore(domid);
	remove_userdata(domid);
	r = ctrl_domain_destroy(c, domid);
	if (r < 0) {
		report("destroying", domid, r);
		return XL_ERROR_FAIL;
	}
	return 0;
}

int main_destroy(int argc, char **argv)
{
	int opt, force = 0, r;
	uint16_t domid;

	while ((opt = xl_getopt(argc, argv, "f", "destroy", 1)) != -1)
		force = 1;
	domid = xl_find_domain(argv[optind]);
	if (domid == 0 && !force) {
		fprintf(stderr, "Not destroying domain 0; use -f to force.\n"
				"This can only be done when using a disaggregated hardware domain "
				"and toolstack.\n\n");
		return EXIT_FAILURE;
	}
	r = xl_destroy_domain(domid);
	if (r) {
		fprintf(stderr, "destroy failed (rc=%d)\n", r);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
