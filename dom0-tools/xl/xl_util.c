/* SPDX-License-Identifier: MIT */
/* Domain names, ids and UUIDs as xl resolves them. */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xenstore.h"
#include "xl.h"

char *xl_domid_to_name(uint16_t domid)
{
	char path[64], *name;
	unsigned int len;

	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	name = xs_read(xl_xs(), XBT_NULL, path, &len);
	return name;
}

int xl_name_to_domid(const char *name, uint16_t *domid)
{
	struct xen_domctl_getdomaininfo *all;
	int n = ctrl_domain_list_all(xl_ctrl(), &all), r = XL_ERROR_INVAL;
	char *found;

	if (n < 0)
		return XL_ERROR_FAIL;
	for (int i = 0; i < n && r; i++) {
		found = xl_domid_to_name(all[i].domain);
		if (found && strcmp(found, name) == 0) {
			*domid = all[i].domain;
			r = 0;
		}
		free(found);
	}
	free(all);
	return r;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

uint16_t xl_find_domain(const char *arg)
{
	unsigned long v;
	uint16_t domid;
	int r;

	/* digits are an id, whether or not such a domain exists (as in xl) */
	if (all_digits(arg)) {
		v = strtoul(arg, NULL, 10);
		if (v < DOMID_FIRST_RESERVED)
			return (uint16_t)v;
		r = XL_ERROR_INVAL;
	} else {
		r = xl_name_to_domid(arg, &domid);
		if (r == 0)
			return domid;
	}
	fprintf(stderr, "%s is an invalid domain identifier (rc=%d)\n", arg, r);
	exit(EXIT_FAILURE);
}

void xl_random_bytes(uint8_t *out, size_t n)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, out, n) != (ssize_t)n)
		for (size_t i = 0; i < n; i++)
			out[i] = (uint8_t)rand();
	if (fd >= 0)
		close(fd);
}

void xl_uuid_string(const uint8_t h[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12],
		 h[13], h[14], h[15]);
}

void xl_uuid_random(uint8_t u[16])
{
	xl_random_bytes(u, 16);
	u[6] = (u[6] & 0x0f) | 0x40; /* version 4 */
	u[8] = (u[8] & 0x3f) | 0x80;
}

int xl_uuid_parse(const char *s, uint8_t h[16])
{
	char hex[33];
	int n = 0;

	if (strlen(s) != 36)
		return -1;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
		} else if (isxdigit((unsigned char)s[i])) {
			hex[n++] = s[i];
		} else {
			return -1;
		}
	}
	hex[n] = 0;
	for (int i = 0; i < 16; i++)
		sscanf(hex + 2 * i, "%2hhx", &h[i]);
	return 0;
}

int main_domid(int argc, char **argv)
{
	uint16_t domid;

	if (xl_getopt(argc, argv, "", "domid", 1) != -1)
		return EXIT_FAILURE;
	if (xl_name_to_domid(argv[optind], &domid)) {
		fprintf(stderr,
			"Can't get domid of domain name '%s', maybe this domain does not "
			"exist.\n",
			argv[optind]);
		return EXIT_FAILURE;
	}
	printf("%u\n", domid);
	return EXIT_SUCCESS;
}

int main_domname(int argc, char **argv)
{
	char *end, *name;
	long v;

	if (xl_getopt(argc, argv, "", "domname", 1) != -1)
		return EXIT_FAILURE;
	v = strtol(argv[optind], &end, 10);
	if (end == argv[optind]) {
		fprintf(stderr, "Invalid domain id.\n\n");
		return EXIT_FAILURE;
	}
	name = (v >= 0 && v < DOMID_FIRST_RESERVED) ? xl_domid_to_name((uint16_t)v) : NULL;
	if (!name) {
		fprintf(stderr,
			"Can't get domain name of domain id '%u', maybe this domain does "
			"not exist.\n",
			(unsigned int)v);
		return EXIT_FAILURE;
	}
	printf("%s\n", name);
	free(name);
	return EXIT_SUCCESS;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* NULL (re)starts the clock without printing. */
void xl_phase(const char *what)
{
	static double start, last;
	double t = now();

	if (!what || start == 0)
		start = last = t;
	if (!what || xl_verbose < 1)
		return;
	if (xl_verbose < 2)
		fprintf(stderr, "%s: %s\n", xl_prog, what);
	else
		fprintf(stderr, "%s: %-44s %7.3f s  (at %7.3f s)\n", xl_prog, what, t - last,
			t - start);
	last = t;
}
