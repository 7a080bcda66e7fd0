/* SPDX-License-Identifier: MIT */
/*
 * Petrel's xl: the command table, global options, help and the option
 * handling every command shares.  Commands, options, output and exit codes
 * follow Xen 4.17's xl; help and --version work without a hypervisor.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore.h"
#include "xl.h"

#define PXL_VERSION "0.1"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
	const char *usage;
	const char *options;
};

static const struct command commands[] = {
	{ "create", main_create, "Create a PV domain from an xl.cfg file",
	  "[options] <ConfigFile> [key=value...]",
	  "-p                      Leave the domain paused after it is built.\n"
	  "-q                      Quiet: no line saying what was created.\n"
	  "-e                      Do not wait in the background for the death of the domain\n"
	  "                        (no on_poweroff/on_reboot/on_crash actions).\n"
	  "-F                      Run in the foreground until the death of the domain.\n"
	  "-c                      Attach to the domain's console once it is built\n"
	  "                        (Ctrl-] detaches; not with -F).\n"
	  "-n, --dryrun            Dry run: print the configuration as libxl's JSON and\n"
	  "                        create nothing (as xl -N create).\n"
	  "-d                      Print the configuration as libxl's JSON on stderr,\n"
	  "                        then create the domain.\n"
	  "-v                      Name each step of the build on stderr; twice (-vv, or\n"
	  "                        xl -vv create) with the seconds each step took." },
	{ "destroy", main_destroy, "Stop a domain at once, without asking it to shut down",
	  "[options] <Domain>", "-f                       Allow domain 0 to be destroyed." },
	{ "list", main_list, "List domains, or one domain", "[options] [Domain]",
	  "-l, --long              Output the domain configurations as JSON.\n"
	  "-v, --verbose           Add UUID, shutdown reason code and security label." },
	{ "pause", main_pause, "Stop a domain's vCPUs from being scheduled", "<Domain>", NULL },
	{ "unpause", main_unpause, "Let a paused domain run again", "<Domain>", NULL },
	{ "info", main_info, "Show facts about the hypervisor and the host", "[-n, --numa] [field]",
	  "-n, --numa              Also show the CPU, PCI and NUMA topology." },
	{ "domid", main_domid, "Print the id of the domain with this name", "<DomainName>", NULL },
	{ "domname", main_domname, "Print the name of the domain with this id", "<DomainId>",
	  NULL },
	{ "dmesg", main_dmesg, "Print the hypervisor's console ring", "[-c]",
	  "-c, --clear             Empty the ring after reading it." },
	{ "console", main_console, "Attach to a domain's console (Ctrl-] detaches)",
	  "[options] <Domain>",
	  "-t <type>               Console type, pv or serial.\n"
	  "-n <number>             Console number." },
	{ "shutdown", main_shutdown, "Ask a domain to shut down", "[options] <-a|Domain>",
	  "-a, --all               Shut down every domain but dom0.\n"
	  "-w, --wait              Wait until the domain has shut down (twice: until it is gone).\n"
	  "-F                      Fall back to an ACPI power event (HVM guests; no effect "
	  "here)." },
	{ "reboot", main_reboot, "Ask a domain to reboot", "[options] <-a|Domain>",
	  "-a, --all               Reboot every domain but dom0.\n"
	  "-w, --wait              Wait until the domain has shut down (twice: until it is gone).\n"
	  "-F                      Fall back to an ACPI reset event (HVM guests; no effect "
	  "here)." },
	{ "vcpu-list", main_vcpu_list, "List the vCPUs of all domains, or of those named",
	  "[Domain...]", NULL },
	{ "vcpu-set", main_vcpu_set, "Set how many vCPUs a domain has online",
	  "[-i] <Domain> <vCPUs>",
	  "-i, --ignore-host       Allow more vCPUs than the host has CPUs." },
	{ "mem-max", main_mem_max, "Set the most memory a domain may have",
	  "<Domain> <MemKB|MemMB[mgt]>", NULL },
	{ "mem-set", main_mem_set, "Set a domain's memory target (its balloon driver follows)",
	  "<Domain> <MemKB|MemMB[mgt]>", NULL },
	{ "vcpu-pin", main_vcpu_pin, "Set which CPUs a VCPU can use",
	  "[option] <Domain> <VCPU|all> <Hard affinity|-|all> <Soft affinity|-|all>",
	  "-f, --force             Undo an override pinning done by the kernel.\n"
	  "-i, --ignore-global-affinity-masks\n"
	  "                        Ignore xl.conf's global masks (pxl reads none)." },
	{ "sched-credit", main_sched_credit, "Get/set credit scheduler parameters",
	  "[-d <Domain> [-w[=WEIGHT]|-c[=CAP]]] [-s [-t TSLICE] [-r RATELIMIT]] [-p CPUPOOL]",
	  "-d DOMAIN, --domain=DOMAIN        Domain to modify\n"
	  "-w WEIGHT, --weight=WEIGHT        Weight (int)\n"
	  "-c CAP, --cap=CAP                 Cap (int)\n"
	  "-s         --schedparam           Query / modify scheduler parameters\n"
	  "-t TSLICE, --tslice_ms=TSLICE     Set the timeslice, in milliseconds\n"
	  "-r RLIMIT, --ratelimit_us=RLIMIT  Set the scheduling rate limit, in microseconds\n"
	  "-m DLY, --migration_delay_us=DLY  Set the migration delay, in microseconds\n"
	  "-p CPUPOOL, --cpupool=CPUPOOL     Restrict output to CPUPOOL" },
	{ "block-attach", main_block_attach, "Create a new virtual block device",
	  "<Domain> <disk-spec-component(s)>...", NULL },
	{ "block-list", main_block_list, "List virtual block devices for a domain", "<Domain(s)>",
	  NULL },
	{ "block-detach", main_block_detach, "Destroy a domain's virtual block device",
	  "[-f] <Domain> <DevId>", "-f                      Accepted; the removal is the same." },
	{ "network-attach", main_network_attach, "Create a new virtual network device",
	  "<Domain> [type=<type>] [mac=<mac>] [bridge=<bridge>] [ip=<ip>] [script=<script>] "
	  "[vifname=<name>] [mtu=<mtu>]",
	  NULL },
	{ "network-list", main_network_list, "List virtual network interfaces for a domain",
	  "<Domain(s)>", NULL },
	{ "network-detach", main_network_detach, "Destroy a domain's virtual network device",
	  "<Domain> <DevId|mac>", NULL },
	{ "sched-credit2", main_sched_credit2, "Get/set credit2 scheduler parameters",
	  "[-d <Domain> [-w[=WEIGHT]]|-c[=CAP]] [-s [-r RATELIMIT]] [-p CPUPOOL]",
	  "-d DOMAIN, --domain=DOMAIN     Domain to modify\n"
	  "-w WEIGHT, --weight=WEIGHT     Weight (int)\n"
	  "-c CAP,    --cap=CAP           Cap (int)\n"
	  "-s         --schedparam        Query / modify scheduler parameters\n"
	  "-r RLIMIT, --ratelimit_us=RLIMIT Set the scheduling rate limit, in microseconds\n"
	  "-p CPUPOOL, --cpupool=CPUPOOL  Restrict output to CPUPOOL" },
	{ "sched-rtds", main_sched_rtds, "Get/set rtds scheduler parameters",
	  "[-d <Domain> [-v[=VCPUID/all]] [-p[=PERIOD]] [-b[=BUDGET]] [-e[=EXTRATIME]]]",
	  "-d DOMAIN, --domain=DOMAIN     Domain to modify\n"
	  "-v VCPUID/all, --vcpuid=VCPUID/all\n"
	  "                               VCPU to modify or output\n"
	  "-p PERIOD, --period=PERIOD     Period (us)\n"
	  "-b BUDGET, --budget=BUDGET     Budget (us)\n"
	  "-e EXTRATIME, --extratime=EXTRATIME  EXTRATIME (1=yes, 0=no)\n"
	  "-c CPUPOOL, --cpupool=CPUPOOL  Restrict output to CPUPOOL (the short form takes\n"
	  "                               no value, as in xl)" },
	{ "cpupool-list", main_cpupool_list, "List CPU pools on host", "[-c|--cpus] [<CPU Pool>]",
	  "-c, --cpus                     Output list of CPUs used by a pool" },
	{ "cpupool-create", main_cpupool_create, "Create a new CPU pool",
	  "[options] [<ConfigFile>] [Variable=value ...]",
	  "-f FILE, --defconfig=FILE      Use the given configuration file\n"
	  "-n, --dryrun                   Dry run - prints the resulting configuration" },
	{ "cpupool-destroy", main_cpupool_destroy, "Deactivate a CPU pool", "<CPU Pool>", NULL },
	{ "cpupool-cpu-add", main_cpupool_cpu_add, "Adds a CPU to a CPU pool",
	  "<CPU Pool> <CPU nr>|node:<node nr>", NULL },
	{ "cpupool-cpu-remove", main_cpupool_cpu_remove, "Removes a CPU from a CPU pool",
	  "<CPU Pool> <CPU nr>|node:<node nr>", NULL },
	{ "cpupool-migrate", main_cpupool_migrate, "Moves a domain into a CPU pool",
	  "<Domain> <CPU Pool>", NULL },
	{ "top", main_top, "Monitor a host and the domains in real time (as xentop)", "[options]",
	  "-d, --delay=SECONDS    Seconds between updates (default 3)\n"
	  "-b, --batch            Batch mode: the table only, no summary, no screen clearing\n"
	  "-i, --iterations=N     Number of updates before exiting\n"
	  "-f, --full-name        Print the full domain name (not truncated)" },
	{ "rename", main_rename, "Rename a domain", "<Domain> <NewDomainName>", NULL },
	{ "dump-core", main_dump_core, "Core dump a domain", "<Domain> <filename>", NULL },
	{ "uptime", main_uptime, "Show how long domains have been running", "[-s] [Domain]",
	  "-s                      Short form, like uptime(1)." },
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

const char *xl_prog = "xl";
int xl_verbose;
bool xl_dry_run;
static struct ctrl ctrl_handle = { .privcmd_fd = -1 };
static int ctrl_opened;
static struct xs_handle *xs_handle;

static const struct command *lookup(const char *name)
{
	for (size_t i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

struct ctrl *xl_ctrl(void)
{
	int r;

	if (!ctrl_opened) {
		r = ctrl_open(&ctrl_handle);
		if (r < 0) {
			fprintf(stderr,
				"%s: cannot open /dev/xen/privcmd: %s (is this dom0 of a "
				"Xen-compatible hypervisor?)\n",
				xl_prog, strerror(-r));
			exit(EXIT_FAILURE);
		}
		ctrl_opened = 1;
	}
	return &ctrl_handle;
}

struct xs_handle *xl_xs(void)
{
	if (!xs_handle) {
		xs_handle = xs_open(0);
		if (!xs_handle) {
			fprintf(stderr, "%s: cannot connect to xenstore: %m\n", xl_prog);
			exit(EXIT_FAILURE);
		}
	}
	return xs_handle;
}

void xl_handles_after_fork(void)
{
	xs_daemon_destroy_postfork(xs_handle);
	xs_handle = NULL;
}

static void list_commands(void)
{
	printf("Usage %s [-vfN] <subcommand> [args]\n\n", xl_prog);
	printf("%s full list of subcommands:\n\n", xl_prog);
	for (size_t i = 0; i < N_COMMANDS; i++)
		printf(" %-19s %s\n", commands[i].name, commands[i].summary);
}

void xl_help(const char *name)
{
	const struct command *c = name ? lookup(name) : NULL;

	if (!name || strcmp(name, "help") == 0) {
		list_commands();
		return;
	}
	if (!c) {
		printf("command \"%s\" not implemented\n", name);
		return;
	}
	printf("Usage: %s [-v] %s %s\n\n%s.\n\n", xl_prog, c->name, c->usage, c->summary);
	if (c->options)
		printf("Options:\n\n%s\n", c->options);
}

/*
 * getopt over a command's own options (long ones from LONGOPTS), plus
 * -h/--help.  Returns the next option, or -1 when they are done and at
 * least min_args operands remain.  An unknown option or a missing value
 * exits 2, help exits 0, too few operands exit 2.
 */
int xl_getopt_long(int argc, char **argv, const char *opts, const struct option *longopts,
		   const char *cmd, int min_args)
{
	char optstring[32];
	int opt;

	snprintf(optstring, sizeof(optstring), "+h%s", opts);
	opterr = 0;
	opt = getopt_long(argc, argv, optstring, longopts, NULL);
	if (opt == '?' || (opt != -1 && opt != 'h' && !strchr(opts, opt))) {
		if (optopt == 'h') {
			xl_help(cmd);
			exit(0);
		}
		fprintf(stderr, "option `%c' not supported.\n", optopt ? optopt : opt);
		exit(2);
	}
	if (opt == 'h') {
		xl_help(cmd);
		exit(0);
	}
	if (opt != -1)
		return opt;
	if (argc - optind < min_args) {
		fprintf(stderr, "'%s %s' requires at least %d argument%s.\n\n", xl_prog, cmd,
			min_args, min_args > 1 ? "s" : "");
		xl_help(cmd);
		exit(2);
	}
	return -1;
}

int xl_getopt(int argc, char **argv, const char *opts, const char *cmd, int min_args)
{
	static const struct option longopts[] = {
		{ "help", 0, 0, 'h' }, { "long", 0, 0, 'l' },	     { "verbose", 0, 0, 'v' },
		{ "numa", 0, 0, 'n' }, { "clear", 0, 0, 'c' },	     { "all", 0, 0, 'a' },
		{ "wait", 0, 0, 'w' }, { "ignore-host", 0, 0, 'i' }, { 0, 0, 0, 0 },
	};

	return xl_getopt_long(argc, argv, opts, longopts, cmd, min_args);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/*
 * Global options: -v counts (see xl_phase); -N (dry run) is honoured by
 * create, vcpu-pin and cpupool-create, and every other command refuses it as xl refuses it
 * for a command without a dry run; -f, -t are taken and have no effect yet.
 */
static int global_options(int argc, char **argv)
{
	int opt;

	opterr = 0;
	while ((opt = getopt(argc, argv, "+vfNt")) != -1) {
		if (opt == '?') {
			fprintf(stderr, "unknown global option\n");
			exit(EXIT_FAILURE);
		}
		if (opt == 'v')
			xl_verbose++;
		if (opt == 'N')
			xl_dry_run = true;
	}
	return optind;
}

static bool has_dry_run(const struct command *c)
{
	return c->run == main_create || c->run == main_vcpu_pin || c->run == main_cpupool_create;
}

int main(int argc, char **argv)
{
	const struct command *c;
	const char *name;
	int first, r;

	xl_prog = base_name(argv[0]);
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("%s (Petrel) %s, xl-compatible for Xen 4.17\n", xl_prog, PXL_VERSION);
		return 0;
	}
	first = global_options(argc, argv);
	if (first >= argc) {
		xl_help(NULL);
		return EXIT_FAILURE;
	}
	name = argv[first];
	c = lookup(name);
	/* each command parses its own options from its name on */
	argc -= first;
	argv += first;
	optind = 1;
	if (c && xl_dry_run && !has_dry_run(c)) {
		fprintf(stderr, "command does not implement -N (dryrun) option\n");
		r = EXIT_FAILURE;
	} else if (c) {
		r = c->run(argc, argv);
	} else if (strcmp(name, "help") == 0) {
		xl_help(argc > 1 ? argv[1] : NULL);
		r = 0;
	} else {
		fprintf(stderr, "command not implemented\n");
		r = EXIT_FAILURE;
	}
	if (xs_handle)
		xs_close(xs_handle);
	if (ctrl_opened)
		ctrl_close(&ctrl_handle);
	return r;
}
