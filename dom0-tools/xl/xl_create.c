/* SPDX-License-Identifier: MIT */
/*
 * xl create for PV guests: the xl.cfg file (and key=value overrides) read,
 * checked before anything is created, then the builder, then (as xl) a
 * process that stays to carry out on_poweroff/on_reboot/on_crash.  A dry
 * run (xl -N create, create -n) prints the configuration and stops there.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "cfg.h"
#include "kcache.h"
#include "xl.h"
#include "xl_devspec.h"

#define DEFAULT_MEMORY_MB 32
#define MAX_DEVICES 16

struct create_opts {
	const char *name, *kernel, *ramdisk, *type;
	char cmdline[1024];
	bool cmdline_set, memory_set, vcpus_set; /* the file sets them */
	long memory_mb, vcpus;
	long max_grant_frames, max_maptrack_frames; /* -1: not in the file (xl.conf's default) */
	uint8_t uuid[16];
	enum xl_action on_poweroff, on_reboot, on_crash, on_watchdog, on_soft_reset;
	struct xl_disk disks[MAX_DEVICES];
	struct xl_nic nics[MAX_DEVICES];
	unsigned int n_disks, n_nics;
};

/* What a build needs, kept by the monitor to build the domain again. */
struct create_job {
	const struct create_opts *o;
	struct kernel_image k;
	struct ramdisk rd;
	struct pv_build_args a;
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

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (cfg_find(cfg, keys[i]))
			return refuse("not supported yet: ", keys[i]);
	return 0;
}

/* The items of a list setting; 0 (none when unset), or -1 after a message. */
static int device_list(const struct cfg *cfg, const char *key, const struct cfg_value **items,
		       unsigned int *n)
{
	char err[256] = "";
	int r = cfg_get_list(cfg, key, items, n, err, sizeof(err));

	if (r == -ENOENT) {
		*n = 0;
		return 0;
	}
	if (r)
		return refuse(err, NULL);
	if (*n > MAX_DEVICES)
		return refuse("too many devices in ", key);
	return 0;
}

/* disk = [ ... ] and vif = [ ... ]; vifs without a devid numbered as libxl numbers them. */
static int read_devices(const struct cfg *cfg, struct create_opts *o)
{
	const struct cfg_value *items;
	int last = -1;

	if (device_list(cfg, "disk", &items, &o->n_disks))
		return -1;
	for (unsigned int i = 0; i < o->n_disks; i++)
		if (xl_disk_parse(cfg->source, items[i].text, &o->disks[i], stderr))
			return -1;
	if (device_list(cfg, "vif", &items, &o->n_nics))
		return -1;
	for (unsigned int i = 0; i < o->n_nics; i++) {
		xl_nic_init(&o->nics[i]);
		if (xl_nic_parse(&o->nics[i], items[i].text, stderr))
			return -1;
		if (o->nics[i].devid > last)
			last = o->nics[i].devid;
	}
	for (unsigned int i = 0; i < o->n_nics; i++)
		if (o->nics[i].devid < 0)
			o->nics[i].devid = ++last;
	return 0;
}

/* cmdline, else root= and extra; false when none of them is set. */
static bool command_line(const struct cfg *cfg, char *out, size_t size)
{
	const char *cmdline = NULL, *root = NULL, *extra = NULL;

	out[0] = 0;
	cfg_get_string(cfg, "root", &root, NULL, 0);
	cfg_get_string(cfg, "extra", &extra, NULL, 0);
	if (cfg_get_string(cfg, "cmdline", &cmdline, NULL, 0) == 0) {
		if (root || extra)
			fprintf(stderr,
				"Warning: ignoring root= and extra= in favour of cmdline=\n");
		snprintf(out, size, "%s", cmdline);
		return true;
	}
	snprintf(out, size, "%s%s%s%s", root ? "root=" : "", root ? root : "",
		 root && extra ? " " : "", extra ? extra : "");
	return root || extra;
}

/* on_* settings, xl's defaults where a setting is absent. */
static int read_actions(const struct cfg *cfg, struct create_opts *o)
{
	const struct {
		const char *key, *dflt;
		enum xl_action *out;
	} keys[] = { { "on_poweroff", "destroy", &o->on_poweroff },
		     { "on_reboot", "restart", &o->on_reboot },
		     { "on_crash", "destroy", &o->on_crash },
		     { "on_watchdog", "destroy", &o->on_watchdog },
		     { "on_soft_reset", "soft-reset", &o->on_soft_reset } };
	char err[256] = "";
	const char *text;
	int r;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		r = cfg_get_string(cfg, keys[i].key, &text, err, sizeof(err));
		if (r == -EINVAL)
			return refuse(err, NULL);
		if (r)
			text = keys[i].dflt;
		if (xl_parse_action(keys[i].key, text, keys[i].out))
			return -1;
	}
	return 0;
}

/* The file's uuid, else a new random one, as xl. */
static int read_uuid(const struct cfg *cfg, struct create_opts *o)
{
	char err[256] = "";
	const char *text;
	int r = cfg_get_string(cfg, "uuid", &text, err, sizeof(err));

	if (r == -ENOENT) {
		xl_uuid_random(o->uuid);
		return 0;
	}
	if (r)
		return refuse(err, NULL);
	if (xl_uuid_parse(text, o->uuid)) {
		fprintf(stderr, "Failed to parse UUID: %s\n", text);
		return -1;
	}
	return 0;
}

static int read_sizes(const struct cfg *cfg, struct create_opts *o)
{
	char err[256] = "";
	int rm, rv;

	o->memory_mb = DEFAULT_MEMORY_MB;
	o->vcpus = 1;
	rm = cfg_get_long(cfg, "memory", &o->memory_mb, err, sizeof(err));
	if (rm == -EINVAL)
		return refuse(err, NULL);
	rv = cfg_get_long(cfg, "vcpus", &o->vcpus, err, sizeof(err));
	if (rv == -EINVAL)
		return refuse(err, NULL);
	if (o->memory_mb < 1 || o->memory_mb > (1l << 20) || o->vcpus < 1 || o->vcpus > 128)
		return refuse("memory (MiB) or vcpus out of range", NULL);
	o->memory_set = rm == 0;
	o->vcpus_set = rv == 0;
	return 0;
}

/*
 * max_grant_frames and max_maptrack_frames, as xl reads them: any number,
 * passed to createdomain as it is (the hypervisor checks it).
 */
static int read_grant_limits(const struct cfg *cfg, struct create_opts *o)
{
	char err[256] = "";

	o->max_grant_frames = o->max_maptrack_frames = -1;
	if (cfg_get_long(cfg, "max_grant_frames", &o->max_grant_frames, err, sizeof(err)) ==
		-EINVAL ||
	    cfg_get_long(cfg, "max_maptrack_frames", &o->max_maptrack_frames, err, sizeof(err)) ==
		-EINVAL)
		return refuse(err, NULL);
	return 0;
}

static int read_options(const struct cfg *cfg, struct create_opts *o)
{
	char err[256] = "";

	if (cfg_get_string(cfg, "name", &o->name, err, sizeof(err)))
		return refuse("Domain name must be specified.", NULL);
	if (cfg_get_string(cfg, "type", &o->type, err, sizeof(err)) == 0 &&
	    strcmp(o->type, "pv") != 0 && strcmp(o->type, "pvh") != 0)
		return refuse("only types \"pv\" and \"pvh\" are supported yet, not ", o->type);
	if (cfg_get_string(cfg, "kernel", &o->kernel, err, sizeof(err)))
		return refuse(err[0] ? err : "a PV guest needs a kernel", NULL);
	if (cfg_get_string(cfg, "ramdisk", &o->ramdisk, err, sizeof(err)) == -EINVAL)
		return refuse(err, NULL);
	if (read_sizes(cfg, o) || read_uuid(cfg, o) || read_grant_limits(cfg, o))
		return -1;
	o->cmdline_set = command_line(cfg, o->cmdline, sizeof(o->cmdline));
	if (read_actions(cfg, o) || read_devices(cfg, o))
		return -1;
	return unsupported(cfg);
}

static bool is_pvh(const struct create_opts *o)
{
	return o->type && strcmp(o->type, "pvh") == 0;
}

/* The kernel and the ramdisk, read and unpacked; 0 or -1 with a message. */
static int read_images(struct create_job *j)
{
	const struct create_opts *o = j->o;
	struct kcache_result res;
	struct kcache cache;
	char err[512], how[128];

	if (kcache_from_env(&cache, err, sizeof(err)))
		fprintf(stderr, "%s: %s; the kernel cache is off\n", xl_prog, err);
	if (kcache_read_file(&cache, o->kernel, &j->k, &res, err, sizeof(err))) {
		fprintf(stderr, "%s: kernel %s: %s\n", xl_prog, o->kernel, err);
		return -1;
	}
	kcache_describe(&res, how, sizeof(how));
	snprintf(err, sizeof(err), "kernel read (%s, %zu KiB unpacked%s%s)", j->k.format,
		 j->k.elf_len >> 10, res.state == KCACHE_NOT_PACKED ? "" : ", ",
		 res.state == KCACHE_NOT_PACKED ? "" : how);
	xl_phase(err);
	if (xl_verbose >= 2 && res.state != KCACHE_NOT_PACKED && res.state != KCACHE_OFF) {
		kcache_describe_times(&res, how, sizeof(how));
		fprintf(stderr, "%s:   kernel cache: %s\n", xl_prog, how);
	}
	if (o->ramdisk && ramdisk_read_file(o->ramdisk, &j->rd, err, sizeof(err))) {
		fprintf(stderr, "%s: ramdisk %s: %s\n", xl_prog, o->ramdisk, err);
		image_free(&j->k);
		return -1;
	}
	if (o->ramdisk) {
		snprintf(err, sizeof(err), "ramdisk read (%s%zu KiB)",
			 j->rd.inflated ? "gzip, " : "", j->rd.len >> 10);
		xl_phase(err);
	}
	return 0;
}

/* The configuration as libxl's JSON shows it. */
static struct xl_stored_config config_of(const struct create_opts *o, uint16_t domid)
{
	struct xl_stored_config c = { .domid = domid,
				      .name = o->name,
				      .kernel = o->kernel,
				      .ramdisk = o->ramdisk,
				      .cmdline = o->cmdline_set ? o->cmdline : NULL,
				      .memory_kb = (uint64_t)o->memory_mb << 10,
				      .vcpus = (unsigned int)o->vcpus,
				      .memory_set = o->memory_set,
				      .vcpus_set = o->vcpus_set,
				      .max_grant_frames = o->max_grant_frames,
				      .max_maptrack_frames = o->max_maptrack_frames,
				      .pvh = is_pvh(o),
				      .on_poweroff = o->on_poweroff,
				      .on_reboot = o->on_reboot,
				      .on_watchdog = o->on_watchdog,
				      .on_crash = o->on_crash,
				      .on_soft_reset = o->on_soft_reset,
				      .disks = o->disks,
				      .nics = o->nics,
				      .n_disks = o->n_disks,
				      .n_nics = o->n_nics };

	memcpy(c.uuid, o->uuid, sizeof(c.uuid));
	return c;
}

/* libxl's record of the domain, for Debian's xl; a failure only costs that. */
static void store_config(const struct create_job *j, uint16_t domid)
{
	struct xl_stored_config c = config_of(j->o, domid);

	xl_store_config(&c);
	xl_phase("libxl's configuration stored");
}

/* Whether a disk is QEMU's to serve (libxl then starts QEMU for a PV domain). */
static bool needs_qemu(const struct create_opts *o)
{
	for (unsigned int i = 0; i < o->n_disks; i++)
		if (xl_disk_qdisk(&o->disks[i]))
			return true;
	return false;
}

/* The file's disks and vifs, on the new (paused) domain; 0 or -1 with a message. */
static int add_devices(const struct create_opts *o, uint16_t domid)
{
	if (needs_qemu(o) && xl_qemu_start(domid, o->name, o->memory_mb))
		return -1;
	for (unsigned int i = 0; i < o->n_disks; i++)
		if (xl_disk_add(domid, &o->disks[i], !is_pvh(o)))
			return -1;
	for (unsigned int i = 0; i < o->n_nics; i++) {
		struct xl_nic n = o->nics[i];

		if (xl_nic_add(domid, &n))
			return -1;
	}
	if (o->n_disks || o->n_nics)
		xl_phase("disks and vifs attached");
	return 0;
}

/* One build of the job's domain; 0 and its id, or -1 with a message. */
static int build_once(struct create_job *j, uint16_t *domid)
{
	struct pv_build_result res;
	char err[512];
	uint16_t other;

	if (xl_name_to_domid(j->o->name, &other) == 0) {
		fprintf(stderr, "%s: domain with name \"%s\" already exists.\n", xl_prog,
			j->o->name);
		return -1;
	}
	if (pv_build(xl_ctrl(), xl_xs(), &j->a, &res, err, sizeof(err))) {
		fprintf(stderr, "%s: creating %s failed: %s\n", xl_prog, j->o->name, err);
		return -1;
	}
	*domid = res.domid;
	if (add_devices(j->o, res.domid)) {
		xl_destroy_domain(res.domid);
		return -1;
	}
	store_config(j, res.domid);
	return 0;
}

/* Read the files again (as xl does: they may have changed), build, let go of them. */
static int restart(void *arg, uint16_t *domid)
{
	struct create_job *j = arg;
	int r;

	xl_phase(NULL); /* with -v the monitor's log times the new build from here */
	if (read_images(j))
		return -1;
	j->a.paused = 0;
	r = build_once(j, domid);
	image_free(&j->k);
	ramdisk_free(&j->rd);
	return r;
}

/* -p, -q, -e/-F, -c, -n */
struct create_flags {
	int paused, quiet, watch, console, dry_run, debug;
};

static struct xl_monitor monitor_of(struct create_job *j, uint16_t domid)
{
	const struct create_opts *o = j->o;

	return (struct xl_monitor){ .name = o->name,
				    .domid = domid,
				    .on_poweroff = o->on_poweroff,
				    .on_reboot = o->on_reboot,
				    .on_crash = o->on_crash,
				    .on_watchdog = o->on_watchdog,
				    .on_soft_reset = o->on_soft_reset,
				    .restart = restart,
				    .arg = j };
}

static int unpause(uint16_t domid)
{
	int r = ctrl_domain_unpause(xl_ctrl(), domid);

	if (r < 0) {
		fprintf(stderr, "%s: unpausing domain %u failed: %s\n", xl_prog, domid,
			strerror(-r));
		return EXIT_FAILURE;
	}
	xl_phase("unpaused");
	return EXIT_SUCCESS;
}

/*
 * The domain is built paused.  The background monitor is forked before it
 * runs (a fork competing with the booting guest for the CPU is slow), and
 * with -c the console opened (so its first line is seen); then the domain
 * is unpaused, unless -p; -F watches in the foreground after it.
 */
static int start(struct create_job *j, uint16_t domid, const struct create_flags *f)
{
	struct xl_monitor m = monitor_of(j, domid);
	int r, pty = -1;

	if (f->watch == 1) {
		r = xl_monitor_detach(j->o->name);
		if (r == 0)
			exit(xl_monitor_run(&m));
		if (r < 0)
			return EXIT_FAILURE;
		xl_phase("monitor started");
	}
	if (f->console && (pty = xl_console_open(domid, false, 0)) < 0)
		return EXIT_FAILURE;
	if (!f->paused && unpause(domid)) {
		if (pty >= 0)
			close(pty);
		return EXIT_FAILURE;
	}
	if (pty >= 0)
		return xl_console_run(pty, domid);
	return f->watch == 2 ? xl_monitor_run(&m) : EXIT_SUCCESS;
}

/* Before anything is built: the disks checked, each vif given its MAC for good. */
static int prepare_devices(struct create_opts *o)
{
	for (unsigned int i = 0; i < o->n_disks; i++)
		if (xl_disk_check(&o->disks[i]))
			return -1;
	for (unsigned int i = 0; i < o->n_nics; i++)
		xl_nic_default_mac(&o->nics[i]);
	return 0;
}

/* A domain the hypervisor or the build refused: xl exits with -ERROR_FAIL (3) then. */
#define XL_EXIT_BUILD_FAILED 3

static int build(struct create_opts *o, const struct create_flags *f)
{
	struct create_job j = { .o = o };
	uint16_t domid;
	int r;

	if (prepare_devices(o) || read_images(&j))
		return EXIT_FAILURE;
	j.a = (struct pv_build_args){ .name = o->name,
				      .kernel = &j.k,
				      .ramdisk = o->ramdisk ? &j.rd : NULL,
				      .cmdline = o->cmdline,
				      .memory_kb = (uint64_t)o->memory_mb << 10,
				      .vcpus = (unsigned int)o->vcpus,
				      .paused = 1,
				      .pvh = is_pvh(o),
				      .max_grant_frames = (int32_t)o->max_grant_frames,
				      .max_maptrack_frames = (int32_t)o->max_maptrack_frames,
				      .phase = xl_phase };
	memcpy(j.a.uuid, o->uuid, sizeof(j.a.uuid));
	r = build_once(&j, &domid);
	if (!r && !f->quiet)
		fprintf(stderr, "%s: created %s (domain %u, %s kernel, %ld MiB)\n", xl_prog,
			o->name, domid, j.k.format, o->memory_mb);
	/* a restart reads the files again: the monitor holds no copy, the fork copies none */
	image_free(&j.k);
	ramdisk_free(&j.rd);
	if (r)
		return XL_EXIT_BUILD_FAILED;
	j.a.paused = 0;
	return start(&j, domid, f);
}

/* The parsed configuration as xl prints it: on stdout for a dry run, on stderr with -d. */
static int print_config(const struct create_opts *o, FILE *out)
{
	struct xl_stored_config c = config_of(o, 0);

	return xl_print_config(&c, out) ? EXIT_FAILURE : EXIT_SUCCESS;
}

static void create_options(int argc, char **argv, struct create_flags *f)
{
	static const struct option longopts[] = { { "help", 0, 0, 'h' },
						  { "dryrun", 0, 0, 'n' },
						  { "quiet", 0, 0, 'q' },
						  { 0, 0, 0, 0 } };
	int opt;

	while ((opt = xl_getopt_long(argc, argv, "pqeFvcnd", longopts, "create", 1)) != -1) {
		if (opt == 'v')
			xl_verbose++;
		else if (opt == 'p')
			f->paused = 1;
		else if (opt == 'q')
			f->quiet = 1;
		else if (opt == 'c')
			f->console = 1;
		else if (opt == 'n')
			f->dry_run = 1;
		else if (opt == 'd')
			f->debug = 1;
		else
			f->watch = opt == 'e' ? 0 : 2;
	}
}

int main_create(int argc, char **argv)
{
	struct create_flags f = { .watch = 1, .dry_run = xl_dry_run };
	struct create_opts o = { 0 };
	char err[512];
	struct cfg cfg;
	size_t len = 0;
	char *text;
	int r;

	xl_phase(NULL);
	create_options(argc, argv, &f);
	if (f.console && f.watch > 1) {
		fprintf(stderr, "%s: -c and -F cannot be used together\n", xl_prog);
		return EXIT_FAILURE;
	}
	if (!f.quiet)
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
	xl_phase("config parsed");
	if (read_options(&cfg, &o))
		r = EXIT_FAILURE;
	else if (f.dry_run)
		r = print_config(&o, stdout);
	else if (f.debug && print_config(&o, stderr))
		r = EXIT_FAILURE;
	else
		r = build(&o, &f);
	cfg_free(&cfg);
	return r;
}
