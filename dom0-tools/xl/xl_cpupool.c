/* SPDX-License-Identifier: MIT */
/*
 * xl's CPU pool commands that change pools: cpupool-create, -destroy,
 * -cpu-add, -cpu-remove and -migrate, with xl 4.17's output, messages and
 * exit codes, through sysctl cpupool_op as libxl drives it; the pool's
 * name and UUID in /local/pool/ID as libxl keeps them.  Where libxl logs
 * a failed hypercall pxl prints a line saying why, then xl's own line.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "xenstore.h"
#include "xl.h"
#include "xl_cpumap.h"

#define MAP_BYTES (CTRL_POOL_MAP_BITS / 8)

static bool map_test(const uint8_t *map, unsigned int cpu)
{
	return cpu < CTRL_POOL_MAP_BITS && (map[cpu / 8] & (1u << (cpu % 8)));
}

static void map_set(uint8_t *map, unsigned int cpu)
{
	if (cpu < CTRL_POOL_MAP_BITS)
		map[cpu / 8] |= (uint8_t)(1u << (cpu % 8));
}

/* The host's CPU count (physinfo max_cpu_id + 1), the size of libxl's CPU maps. */
static unsigned int host_cpus(void)
{
	struct xen_sysctl_physinfo pi;

	if (ctrl_physinfo(xl_ctrl(), &pi) < 0 || pi.max_cpu_id + 1 > CTRL_POOL_MAP_BITS)
		return CTRL_POOL_MAP_BITS;
	return pi.max_cpu_id + 1;
}

static int pool_op(uint32_t op, uint32_t *pool, uint32_t sched, uint32_t domid, uint32_t cpu)
{
	return ctrl_cpupool_op(xl_ctrl(), op, pool, sched, domid, cpu);
}

/* A scheduler by libxl's name for it (any case); 0 and its id, or -1. */
static int scheduler_from_name(const char *name, uint32_t *id)
{
	for (uint32_t s = XEN_SCHEDULER_CREDIT; s <= XEN_SCHEDULER_NULL; s++)
		if (strcasecmp(name, xl_scheduler_name(s)) == 0) {
			*id = s;
			return 0;
		}
	return -1;
}

/* The pool's name and UUID in xenstore, as libxl_cpupool_create writes them. */
static void pool_nodes_write(uint32_t pool, const char *name)
{
	uint8_t handle[16];
	char path[64], uuid[37];

	xl_uuid_random(handle);
	xl_uuid_string(handle, uuid);
	for (int tries = 0; tries < 10; tries++) {
		xs_transaction_t t = xs_transaction_start(xl_xs());

		snprintf(path, sizeof(path), "/local/pool/%u/uuid", pool);
		xs_write(xl_xs(), t, path, uuid, strlen(uuid));
		snprintf(path, sizeof(path), "/local/pool/%u/name", pool);
		xs_write(xl_xs(), t, path, name, strlen(name));
		if (xs_transaction_end(xl_xs(), t, false) || errno != EAGAIN)
			return;
	}
}

static void pool_nodes_remove(uint32_t pool)
{
	char path[64];

	snprintf(path, sizeof(path), "/local/pool/%u", pool);
	xs_rm(xl_xs(), XBT_NULL, path);
}

/*
 * Each of the first NR CPUs of MAP added to (ADDCPU) or removed from
 * (RMCPU) POOL, a line for each refusal; how many were refused (with
 * FIRST, it stops at the first, as libxl does when it makes or destroys a
 * pool).
 */
static int move_each(uint32_t op, uint32_t pool, const uint8_t *map, unsigned int nr, bool first)
{
	bool adding = op == XEN_SYSCTL_CPUPOOL_OP_ADDCPU;
	int failed = 0;

	for (unsigned int cpu = 0; cpu < nr && !(first && failed); cpu++) {
		int r;

		if (!map_test(map, cpu))
			continue;
		r = pool_op(op, &pool, 0, 0, cpu);
		if (r < 0) {
			fprintf(stderr, "%s: Error %s cpu %u %s cpupool: %s\n", xl_prog,
				adding ? "moving" : "removing", cpu, adding ? "to" : "from",
				strerror(-r));
			failed++;
		}
	}
	return failed;
}

/* libxl_cpupool_destroy: a pool without domains loses its CPUs, then goes. */
static int pool_destroy(uint32_t pool)
{
	struct ctrl_pool p;
	int r;

	if (ctrl_cpupool_info(xl_ctrl(), pool, &p) < 0 || p.id != pool || p.n_dom)
		return -1;
	if (move_each(XEN_SYSCTL_CPUPOOL_OP_RMCPU, pool, p.cpumap, CTRL_POOL_MAP_BITS, true))
		return -1;
	r = pool_op(XEN_SYSCTL_CPUPOOL_OP_DESTROY, &pool, 0, 0, 0);
	if (r < 0) {
		fprintf(stderr, "%s: Could not destroy cpupool: %s\n", xl_prog, strerror(-r));
		return -1;
	}
	pool_nodes_remove(pool);
	return 0;
}

/* libxl_cpupool_create: the pool, its CPUs, its nodes; 0 or -1 after a message. */
static int pool_create(const char *name, uint32_t sched, const uint8_t *cpus)
{
	uint32_t pool = XEN_SYSCTL_CPUPOOL_PAR_ANY;
	int r = pool_op(XEN_SYSCTL_CPUPOOL_OP_CREATE, &pool, sched, 0, 0);

	if (r < 0) {
		fprintf(stderr, "%s: Could not create cpupool: %s\n", xl_prog, strerror(-r));
		return -1;
	}
	if (move_each(XEN_SYSCTL_CPUPOOL_OP_ADDCPU, pool, cpus, CTRL_POOL_MAP_BITS, true)) {
		pool_destroy(pool);
		return -1;
	}
	pool_nodes_write(pool, name);
	return 0;
}

/* The file (if any) and the VAR=VALUE words, one a line, as xl joins them. */
static char *pool_config_text(const char *file, char **words, int n, size_t *len)
{
	size_t size = 1, used = 0;
	char *text = NULL, *grown;
	FILE *f;

	if (file) {
		f = fopen(file, "r");
		if (!f)
			return NULL;
		text = malloc(CFG_MAX_SIZE + 1);
		used = text ? fread(text, 1, CFG_MAX_SIZE, f) : 0;
		fclose(f);
		if (!text)
			return NULL;
		size = used + 1;
	}
	for (int i = 0; i < n; i++)
		size += strlen(words[i]) + 2;
	grown = realloc(text, size + 1);
	if (!grown) {
		free(text);
		return NULL;
	}
	text = grown;
	for (int i = 0; i < n; i++)
		used += (size_t)sprintf(text + used, "\n%s", words[i]);
	if (n)
		text[used++] = '\n';
	text[used] = '\0';
	*len = used;
	return text;
}

/* A cpus list: each item a free CPU; the count, or -1 after xl's message. */
static int cpus_from_list(const struct cfg_value *items, unsigned int n, const uint8_t *free_map,
			  uint8_t *cpus)
{
	for (unsigned int i = 0; i < n; i++) {
		int cpu = atoi(items[i].text);

		if (cpu < 0 || !map_test(free_map, (unsigned int)cpu)) {
			fprintf(stderr, "cpu %d illegal or not free\n", cpu);
			return -1;
		}
		map_set(cpus, (unsigned int)cpu);
	}
	return (int)n;
}

/* A cpus string in xl's range terms: each CPU in it free; the count, or -1. */
static int cpus_from_string(const char *text, const uint8_t *free_map, uint8_t *cpus,
			    unsigned int nr_cpus)
{
	int n = 0;

	if (xl_cpumap_parse(text, cpus, (nr_cpus + 7) / 8, NULL, stderr))
		return -1;
	for (unsigned int cpu = 0; cpu < nr_cpus; cpu++) {
		if (!map_test(cpus, cpu))
			continue;
		if (!map_test(free_map, cpu)) {
			fprintf(stderr, "cpu %u illegal or not free\n", cpu);
			return -1;
		}
		n++;
	}
	return n;
}

/* A nodes list: the free CPUs on those NUMA nodes; the count, or -1 after xl's message. */
static int cpus_from_nodes(const struct cfg_value *items, unsigned int n, const uint8_t *free_map,
			   uint8_t *cpus)
{
	struct xen_sysctl_cputopo *topo;
	int nr = ctrl_cputopo(xl_ctrl(), &topo), count = 0;

	if (nr < 0) {
		fprintf(stderr, "libxl_get_topologyinfo failed\n");
		return -1;
	}
	for (unsigned int i = 0; i < n; i++)
		for (int cpu = 0; cpu < nr; cpu++)
			if (topo[cpu].node == (uint32_t)atoi(items[i].text) &&
			    map_test(free_map, (unsigned int)cpu) &&
			    !map_test(cpus, (unsigned int)cpu)) {
				map_set(cpus, (unsigned int)cpu);
				count++;
			}
	free(topo);
	if (!count)
		fprintf(stderr, "no free cpu found\n");
	return count ? count : -1;
}

/* The pool's CPUs as the file's nodes or cpus name them (none without either). */
static int pool_cpus(const struct cfg *cfg, uint8_t *cpus)
{
	uint8_t free_map[MAP_BYTES] = { 0 };
	const struct cfg_value *items;
	const char *text;
	unsigned int n;

	if (ctrl_free_cpumap(xl_ctrl(), free_map, (host_cpus() + 7) / 8) < 0) {
		fprintf(stderr, "libxl_get_freecpus failed\n");
		return -1;
	}
	if (cfg_get_list(cfg, "nodes", &items, &n, NULL, 0) == 0)
		return cpus_from_nodes(items, n, free_map, cpus);
	if (cfg_get_list(cfg, "cpus", &items, &n, NULL, 0) == 0)
		return cpus_from_list(items, n, free_map, cpus);
	if (cfg_get_string(cfg, "cpus", &text, NULL, 0) == 0)
		return cpus_from_string(text, free_map, cpus, host_cpus());
	return 0;
}

/* The pool's name: the file's name, else the file's base name; NULL after xl's message. */
static char *pool_name(const struct cfg *cfg, const char *file)
{
	const char *name, *slash;

	if (cfg_get_string(cfg, "name", &name, NULL, 0) == 0)
		return strdup(name);
	if (file) {
		slash = strrchr(file, '/');
		return strdup(slash ? slash + 1 : file);
	}
	fprintf(stderr, "Missing cpupool name!\n");
	return NULL;
}

/*
 * The file's scheduler, else the host's; -1 after xl's message.  When the
 * host's is taken, xl exits with its id (5 credit, 6 credit2) for a failure
 * after it (it keeps libxl's answer in its exit status): *fail_status says
 * which status a later failure has.
 */
static int pool_sched(const struct cfg *cfg, uint32_t *sched, int *fail_status)
{
	const char *text;

	if (cfg_get_string(cfg, "sched", &text, NULL, 0) == 0) {
		if (scheduler_from_name(text, sched) == 0)
			return 0;
		fprintf(stderr, "Unknown scheduler\n");
		return -1;
	}
	if (ctrl_sched_id(xl_ctrl(), sched) == 0) {
		*fail_status = (int)*sched;
		return 0;
	}
	fprintf(stderr, "get_scheduler sysctl failed.\n");
	return -1;
}

static bool pool_name_taken(const char *name)
{
	struct ctrl_pool *pools;
	int n = xl_list_pools(&pools);
	bool taken = false;

	for (int i = 0; i < n && !taken; i++) {
		char *pn = xl_pool_name(pools[i].id);

		taken = pn && strcmp(pn, name) == 0;
		free(pn);
	}
	if (n > 0)
		free(pools);
	return taken;
}

/* After the file is parsed: the checks, xl's four lines, the pool made (unless a dry run). */
static int create_from(const struct cfg *cfg, const char *file, const char *source, bool dry)
{
	uint8_t cpus[MAP_BYTES] = { 0 };
	char *name = pool_name(cfg, file);
	uint32_t sched;
	int n, r = EXIT_FAILURE;

	if (!name)
		return EXIT_FAILURE;
	if (pool_name_taken(name))
		fprintf(stderr, "Pool name \"%s\" already exists\n", name);
	else if (pool_sched(cfg, &sched, &r) == 0 && (n = pool_cpus(cfg, cpus)) >= 0) {
		printf("Using config file \"%s\"\n", source);
		printf("cpupool name:   %s\n", name);
		printf("scheduler:      %s\n", xl_scheduler_name(sched));
		printf("number of cpus: %d\n", n);
		fflush(stdout);
		if (dry || pool_create(name, sched, cpus) == 0)
			r = EXIT_SUCCESS;
		else
			fprintf(stderr, "error on creating cpupool\n");
	}
	free(name);
	return r;
}

int main_cpupool_create(int argc, char **argv)
{
	static const struct option longopts[] = { { "defconfig", 1, 0, 'f' },
						  { "dryrun", 0, 0, 'n' },
						  { "help", 0, 0, 'h' },
						  { 0, 0, 0, 0 } };
	const char *file = NULL;
	char *words[argc > 0 ? argc : 1], *text, err[512];
	bool dry = xl_dry_run;
	int opt, n = 0, r;
	struct cfg cfg;
	size_t len = 0;

	while ((opt = xl_getopt_long(argc, argv, "nf:", longopts, "cpupool-create", 0)) != -1)
		if (opt == 'f')
			file = optarg;
		else
			dry = true;
	for (; optind < argc; optind++) {
		if (strchr(argv[optind], '='))
			words[n++] = argv[optind];
		else if (!file)
			file = argv[optind];
		else {
			xl_help("cpupool-create");
			return EXIT_FAILURE;
		}
	}
	text = pool_config_text(file, words, n, &len);
	if (!text) {
		fprintf(stderr, "Failed to read config file: %s: %s\n", file, strerror(errno));
		return EXIT_FAILURE;
	}
	r = cfg_parse(file ? file : "command line", text, len, &cfg, err, sizeof(err));
	free(text);
	if (r) {
		fprintf(stderr, "%s\nFailed to parse config file: %s\n", err, strerror(EINVAL));
		return EXIT_FAILURE;
	}
	r = create_from(&cfg, file, file ? file : "command line", dry);
	cfg_free(&cfg);
	return r;
}

int main_cpupool_destroy(int argc, char **argv)
{
	uint32_t pool;

	if (xl_getopt(argc, argv, "", "cpupool-destroy", 1) != -1)
		return EXIT_FAILURE;
	if (xl_find_pool(argv[optind], &pool))
		return EXIT_FAILURE;
	if (pool_destroy(pool)) {
		fprintf(stderr, "Can't destroy cpupool '%s'\n", argv[optind]);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

/* cpupool-cpu-add and -cpu-remove: CPUS as xl reads them, then the pool; each CPU moved. */
static int move_cpus(int argc, char **argv, const char *cmd, uint32_t op)
{
	uint8_t cpus[MAP_BYTES] = { 0 };
	unsigned int nr;
	const char *name;
	uint32_t pool;
	bool failed;

	if (xl_getopt(argc, argv, "", cmd, 2) != -1)
		return EXIT_FAILURE;
	name = argv[optind];
	/* CPUs past the host's are read and then ignored, as libxl ignores them */
	if (xl_cpumap_parse(argv[optind + 1], cpus, sizeof(cpus), NULL, stderr) ||
	    xl_find_pool(name, &pool))
		return EXIT_FAILURE;
	nr = host_cpus();
	failed = move_each(op, pool, cpus, nr, false) > 0;
	if (failed && op == XEN_SYSCTL_CPUPOOL_OP_ADDCPU)
		fprintf(stderr, "some cpus may not have been added to %s\n", name);
	if (failed && op == XEN_SYSCTL_CPUPOOL_OP_RMCPU) {
		fprintf(stderr,
			"Some cpus may have not or only partially been removed from '%s'.\n", name);
		fprintf(stderr,
			"If a cpu can't be added to another cpupool, add it to '%s' again and "
			"retry.\n",
			name);
	}
	return EXIT_SUCCESS;
}

int main_cpupool_cpu_add(int argc, char **argv)
{
	return move_cpus(argc, argv, "cpupool-cpu-add", XEN_SYSCTL_CPUPOOL_OP_ADDCPU);
}

int main_cpupool_cpu_remove(int argc, char **argv)
{
	return move_cpus(argc, argv, "cpupool-cpu-remove", XEN_SYSCTL_CPUPOOL_OP_RMCPU);
}

/* A domain as libxl_domain_qualifier_to_domid takes it: digits are an id, else a name. */
static int domain_qualifier(const char *text, uint16_t *domid)
{
	char *end;
	unsigned long v = strtoul(text, &end, 10);

	if (*text && !*end) {
		*domid = (uint16_t)v;
		return v <= UINT16_MAX ? 0 : -1;
	}
	return xl_name_to_domid(text, domid);
}

int main_cpupool_migrate(int argc, char **argv)
{
	uint16_t domid = 0;
	char *name = NULL;
	uint32_t pool;
	int r;

	if (xl_getopt(argc, argv, "", "cpupool-migrate", 2) != -1)
		return EXIT_FAILURE;
	if (domain_qualifier(argv[optind], &domid) == 0)
		name = xl_domid_to_name(domid);
	if (!name) {
		fprintf(stderr, "unknown domain '%s'\n", argv[optind]);
		return EXIT_FAILURE;
	}
	free(name);
	if (xl_find_pool(argv[optind + 1], &pool))
		return EXIT_FAILURE;
	r = pool_op(XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN, &pool, 0, domid, 0);
	if (r < 0) {
		fprintf(stderr, "%s: Domain %u:Error moving domain to cpupool: %s\n", xl_prog,
			domid, strerror(-r));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
