/* SPDX-License-Identifier: MIT */
/*
 * xl create for PV guests: the xl.cfg file (and key=value overrides) read,
 * checked before anything is created, then the builder.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "cfg.h"
#include "xl.h"

#define DEFAULT_MEMORY_MB 32

struct create_opts {
	const char *name, *kernel, *ramdisk, *type;
	char cmdline[1024];
	long memory_mb, vcpus;
	uint8_t uuid[16];
};

/* The file, then each override on a line of its own, as one text. */
static char *config_text(const char *path, char **overrides, int n, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0;
	FILE *out;

	if (!f)
		return NULL;
	out = open_memstream(&text, &cap);
	for (int c; out && (c = fgetc(f)) != EOF;)
		fputc(c, out);
	for (int i = 0; out && i < n; i++)
		fprintf(out, "\n%s\n", overrides[i]);
	fclose(f);
	if (!out)
		return NULL;
	fclose(out);
	*len = cap;
	return text;
}

static int refuse(const char *why, const char *what)
{
	fprintf(stderr, "%s: %s%s\n", xl_prog, why, what ? what : "");
	return -1;
}

/* Keys this slice cannot honour yet are refused, not ignored. */
static int unsupported(const struct cfg *cfg)
{
	static const char *const keys[] = { "bootloader", "device_model_version", "pci", "vfb" };
	const struct cfg_value *items;
	unsigned int n;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (cfg_find(cfg, keys[i]))
			return refuse("not supported yet: ", keys[i]);
	if (cfg_get_list(cfg, "disk", &items, &n, NULL, 0) == 0 && n)
		return refuse("not supported yet: ", "disk");
	if (cfg_get_list(cfg, "vif", &items, &n, NULL, 0) == 0 && n)
		return refuse("not supported yet: ", "vif");
	return 0;
}

static void command_line(const struct cfg *cfg, char *out, size_t size)
{
	const char *cmdline = NULL, *root = NULL, *extra = NULL;

	out[0] = 0;
	if (cfg_get_string(cfg, "cmdline", &cmdline, NULL, 0) == 0) {
		snprintf(out, size, "%s", cmdline);
		return;
	}
	cfg_get_string(cfg, "root", &root, NULL, 0);
	cfg_get_string(cfg, "extra", &extra, NULL, 0);
	snprintf(out, size, "%s%s%s%s", root ? "root=" : "", root ? root : "",
		 root && extra ? " " : "", extra ? extra : "");
}

static int read_options(const struct cfg *cfg, struct create_opts *o)
{
	char err[256] = "";

	o->memory_mb = DEFAULT_MEMORY_MB;
	o->vcpus = 1;
	if (cfg_get_string(cfg, "name", &o->name, err, sizeof(err)))
		return refuse("Domain name must be specified.", NULL);
	if (cfg_get_string(cfg, "type", &o->type, err, sizeof(err)) == 0 &&
	    strcmp(o->type, "pv") != 0)
		return refuse("only type \"pv\" is supported yet, not ", o->type);
	if (cfg_get_string(cfg, "kernel", &o->kernel, err, sizeof(err)))
		return refuse(err[0] ? err : "a PV guest needs a kernel", NULL);
	if (cfg_get_string(cfg, "ramdisk", &o->ramdisk, err, sizeof(err)) == -EINVAL)
		return refuse(err, NULL);
	if ((cfg_get_long(cfg, "memory", &o->memory_mb, err, sizeof(err)) == -EINVAL) ||
	    (cfg_get_long(cfg, "vcpus", &o->vcpus, err, sizeof(err)) == -EINVAL))
		return refuse(err, NULL);
	if (o->memory_mb < 1 || o->memory_mb > (1l << 20) || o->vcpus < 1 || o->vcpus > 128)
		return refuse("memory (MiB) or vcpus out of range", NULL);
	command_line(cfg, o->cmdline, sizeof(o->cmdline));
	return unsupported(cfg);
}

static void random_uuid(uint8_t u[16])
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, u, 16) != 16)
		for (int i = 0; i < 16; i++)
			u[i] = (uint8_t)rand();
	if (fd >= 0)
		close(fd);
	u[6] = (u[6] & 0x0f) | 0x40; /* version 4 */
	u[8] = (u[8] & 0x3f) | 0x80;
}

/* The kernel and the ramdisk, read and unpacked; 0 or -1 with a message. */
static int read_images(const struct create_opts *o, struct kernel_image *k, struct ramdisk *rd)
{
	char err[512];

	if (image_read_file(o->kernel, k, err, sizeof(err))) {
		fprintf(stderr, "%s: kernel %s: %s\n", xl_prog, o->kernel, err);
		return -1;
	}
	if (o->ramdisk && ramdisk_read_file(o->ramdisk, rd, err, sizeof(err))) {
		fprintf(stderr, "%s: ramdisk %s: %s\n", xl_prog, o->ramdisk, err);
		image_free(k);
		return -1;
	}
	return 0;
}

static int build(const struct create_opts *o, int paused, int quiet)
{
	struct pv_build_args a = { .name = o->name,
				   .cmdline = o->cmdline,
				   .memory_kb = (uint64_t)o->memory_mb << 10,
				   .vcpus = (unsigned int)o->vcpus,
				   .paused = paused };
	struct ramdisk rd = { 0 };
	struct pv_build_result res;
	struct kernel_image k;
	char err[512];
	uint16_t other;
	int r = EXIT_SUCCESS;

	if (xl_name_to_domid(o->name, &other) == 0) {
		fprintf(stderr, "%s: domain with name \"%s\" already exists.\n", xl_prog, o->name);
		return EXIT_FAILURE;
	}
	if (read_images(o, &k, &rd))
		return EXIT_FAILURE;
	a.kernel = &k;
	a.ramdisk = o->ramdisk ? &rd : NULL;
	random_uuid(a.uuid);
	if (pv_build(xl_ctrl(), xl_xs(), &a, &res, err, sizeof(err))) {
		fprintf(stderr, "%s: creating %s failed: %s\n", xl_prog, o->name, err);
		r = EXIT_FAILURE;
	} else if (!quiet) {
		fprintf(stderr, "%s: created %s (domain %u, %s kernel, %ld MiB)\n", xl_prog,
			o->name, res.domid, k.format, o->memory_mb);
	}
	image_free(&k);
	ramdisk_free(&rd);
	return r;
}

int main_create(int argc, char **argv)
{
	int opt, paused = 0, quiet = 0, r;
	struct create_opts o = { 0 };
	char err[512];
	struct cfg cfg;
	size_t len = 0;
	char *text;

	while ((opt = xl_getopt(argc, argv, "pq", "create", 1)) != -1) {
		if (opt == 'p')
			paused = 1;
		else
			quiet = 1;
	}
	fprintf(stderr, "Parsing config from %s\n", argv[optind]);
	text = config_text(argv[optind], argv + optind + 1, argc - optind - 1, &len);
	if (!text) {
		fprintf(stderr, "Failed to read config file: %s: %m\n", argv[optind]);
		return EXIT_FAILURE;
	}
	r = cfg_parse(argv[optind], text, len, &cfg, err, sizeof(err));
	free(text);
	if (r) {
		fprintf(stderr, "%s\n", err);
		return EXIT_FAILURE;
	}
	r = read_options(&cfg, &o) ? EXIT_FAILURE : build(&o, paused, quiet);
	cfg_free(&cfg);
	return r;
}
