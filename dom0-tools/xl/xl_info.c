/* SPDX-License-Identifier: MIT */
/* xl info, xl dmesg and xl uptime. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "memory.h"
#include "xenstore.h"
#include "xl.h"

/* `xl info FIELD` prints only the value of the line starting with FIELD. */
static const char *info_field;

static void info_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void info_line(const char *fmt, ...)
{
	char *line, *colon;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (!info_field) {
		fputs(line, stdout);
	} else if (strncmp(line, info_field, strlen(info_field)) == 0 &&
		   (colon = strchr(line, ':')) && colon[1] == ' ') {
		fputs(colon + 2, stdout);
	}
	free(line);
}

static void node_info(void)
{
	struct utsname u;

	if (uname(&u) < 0)
		return;
	info_line("host                   : %s\n", u.nodename);
	info_line("release                : %s\n", u.release);
	info_line("version                : %s\n", u.version);
	info_line("machine                : %s\n", u.machine);
}

static void virt_caps(uint32_t caps)
{
	static const struct {
		uint32_t need;
		const char *name;
	} names[] = {
		{ XEN_SYSCTL_PHYSCAP_pv, " pv" },
		{ XEN_SYSCTL_PHYSCAP_hvm, " hvm" },
		{ XEN_SYSCTL_PHYSCAP_hvm | XEN_SYSCTL_PHYSCAP_directio, " hvm_directio" },
		{ XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_directio, " pv_directio" },
		{ XEN_SYSCTL_PHYSCAP_hap, " hap" },
		{ XEN_SYSCTL_PHYSCAP_shadow, " shadow" },
		{ XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share, " iommu_hap_pt_share" },
		{ XEN_SYSCTL_PHYSCAP_vmtrace, " vmtrace" },
		{ XEN_SYSCTL_PHYSCAP_vpmu, " vpmu" },
		{ XEN_SYSCTL_PHYSCAP_gnttab_v1, " gnttab-v1" },
		{ XEN_SYSCTL_PHYSCAP_gnttab_v2, " gnttab-v2" },
	};
	char line[256] = "";

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((caps & names[i].need) == names[i].need)
			strcat(line, names[i].name);
	info_line("virt_caps              :%s\n", line);
}

/* Pages to MiB; the sharing counters are whatever the hypervisor answered. */
static uint64_t mib(uint64_t pages)
{
	return pages / ((1u << 20) / CTRL_PAGE_SIZE);
}

static uint64_t sharing_pages(struct ctrl *c, unsigned int cmd)
{
	long r = ctrl_memory_op_noarg(c, cmd);

	return r < 0 ? 0 : (uint64_t)r;
}

static void phys_info(struct ctrl *c)
{
	struct xen_sysctl_physinfo p;
	uint64_t freed, used;
	const uint32_t *hw;
	int n;

	if (ctrl_physinfo(c, &p) < 0) {
		fprintf(stderr, "libxl_physinfo failed.\n");
		return;
	}
	hw = p.hw_cap;
	info_line("nr_cpus                : %d\n", p.nr_cpus);
	info_line("max_cpu_id             : %d\n", p.max_cpu_id);
	info_line("nr_nodes               : %d\n", p.nr_nodes);
	info_line("cores_per_socket       : %d\n", p.cores_per_socket);
	info_line("threads_per_core       : %d\n", p.threads_per_core);
	info_line("cpu_mhz                : %d.%03d\n", p.cpu_khz / 1000, p.cpu_khz % 1000);
	info_line("hw_caps                : %08x:%08x:%08x:%08x:%08x:%08x:%08x:%08x\n", hw[0],
		  hw[1], hw[2], hw[3], hw[4], hw[5], hw[6], hw[7]);
	virt_caps(p.capabilities);
	/* a hypervisor without memory sharing refuses these: 0, as xl shows it */
	freed = sharing_pages(c, XENMEM_get_sharing_freed_pages);
	used = sharing_pages(c, XENMEM_get_sharing_shared_pages);
	info_line("total_memory           : %" PRIu64 "\n", mib(p.total_pages));
	info_line("free_memory            : %" PRIu64 "\n",
		  mib(p.free_pages - p.outstanding_pages));
	info_line("sharing_freed_memory   : %" PRIu64 "\n", mib(freed));
	info_line("sharing_used_memory    : %" PRIu64 "\n", mib(used));
	info_line("outstanding_claims     : %" PRIu64 "\n", mib(p.outstanding_pages));
	n = ctrl_free_cpus(c, p.max_cpu_id + 1);
	if (n >= 0)
		info_line("free_cpus              : %d\n", n);
}

static void cpu_topology(struct ctrl *c)
{
	struct xen_sysctl_cputopo *t;
	int n = ctrl_cputopo(c, &t);

	if (n < 0) {
		fprintf(stderr, "libxl_get_cpu_topology failed.\n");
		return;
	}
	printf("cpu_topology           :\n");
	printf("cpu:    core    socket     node\n");
	for (int i = 0; i < n; i++)
		if (t[i].core != XEN_INVALID_CORE_ID)
			printf("%3d:    %4d     %4d     %4d\n", i, (int)t[i].core, (int)t[i].socket,
			       (int)t[i].node);
	free(t);
}

/* The dom0 kernel's PCI devices (/sys/bus/pci/devices, in directory order). */
static int pci_devices(physdev_pci_device_t **out)
{
	DIR *dir = opendir("/sys/bus/pci/devices");
	physdev_pci_device_t *devs = NULL, *grown;
	unsigned int seg, bus, dev, fn;
	struct dirent *e;
	int n = 0;

	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		if (sscanf(e->d_name, "%x:%x:%x.%u", &seg, &bus, &dev, &fn) != 4)
			continue;
		grown = realloc(devs, (size_t)(n + 1) * sizeof(*devs));
		if (!grown)
			break;
		devs = grown;
		devs[n++] = (physdev_pci_device_t){ .seg = (uint16_t)seg,
						    .bus = (uint8_t)bus,
						    .devfn = (uint8_t)((dev << 3) | (fn & 7)) };
	}
	closedir(dir);
	*out = devs;
	return n;
}

static int device_topology(struct ctrl *c)
{
	physdev_pci_device_t *devs = NULL;
	int n = pci_devices(&devs), shown = 0;
	uint32_t *nodes = calloc(n > 0 ? (size_t)n : 1, sizeof(*nodes));

	if (n < 0 || !nodes || (n > 0 && ctrl_pcitopo(c, devs, nodes, (unsigned int)n) < 0)) {
		fprintf(stderr, "libxl_get_pci_topology failed.\n");
		free(devs);
		free(nodes);
		return -1;
	}
	printf("device topology        :\n");
	printf("device           node\n");
	for (int i = 0; i < n; i++) {
		if (nodes[i] == XEN_INVALID_NODE_ID || nodes[i] == XEN_INVALID_DEV)
			continue;
		printf("%04x:%02x:%02x.%01x      %d\n", devs[i].seg, devs[i].bus,
		       (devs[i].devfn >> 3) & 0x1f, devs[i].devfn & 7, (int)nodes[i]);
		shown++;
	}
	if (!shown)
		printf("No device topology data available\n");
	free(devs);
	free(nodes);
	return 0;
}

static void numa_info(struct ctrl *c)
{
	struct xen_sysctl_meminfo *mem;
	uint32_t *dist;
	int n = ctrl_numainfo(c, &mem, &dist);

	if (n < 0) {
		fprintf(stderr, "libxl_get_numainfo failed.\n");
		return;
	}
	printf("numa_info              :\n");
	printf("node:    memsize    memfree    distances\n");
	for (int i = 0; i < n; i++) {
		if (mem[i].memsize == XEN_INVALID_MEM_SZ)
			continue;
		printf("%4d:    %6" PRIu64 "     %6" PRIu64 "      %d", i, mem[i].memsize >> 20,
		       mem[i].memfree >> 20, (int)dist[(size_t)i * n]);
		for (int j = 1; j < n; j++)
			printf(",%d", (int)dist[(size_t)i * n + j]);
		printf("\n");
	}
	free(mem);
	free(dist);
}

const char *xl_scheduler_name(uint32_t id)
{
	switch (id) {
	case XEN_SCHEDULER_CREDIT:
		return "credit";
	case XEN_SCHEDULER_CREDIT2:
		return "credit2";
	case XEN_SCHEDULER_ARINC653:
		return "arinc653";
	case XEN_SCHEDULER_RTDS:
		return "rtds";
	case XEN_SCHEDULER_NULL:
		return "null";
	default:
		return "(null)";
	}
}

/* A xen_version string answer; "" if the call fails. */
static void version_string(struct ctrl *c, int cmd, char *buf, size_t size)
{
	memset(buf, 0, size);
	if (ctrl_xen_version(c, cmd, buf, size) < 0)
		buf[0] = 0;
	buf[size - 1] = 0;
}

static void build_id(struct ctrl *c, char *out, size_t out_size)
{
	size_t room = 1024, len;
	unsigned char *buf = calloc(1, sizeof(struct xen_build_id) + room);
	struct xen_build_id *id = (void *)buf;
	long r;

	out[0] = 0;
	if (!buf)
		return;
	id->len = (uint32_t)room;
	r = ctrl_xen_version(c, XENVER_build_id, buf, sizeof(*id) + room);
	len = r > 0 ? (size_t)r : 0;
	for (size_t i = 0; i < len && i < room && 2 * i + 2 < out_size; i++)
		snprintf(out + 2 * i, 3, "%02x", buf[sizeof(*id) + i]);
	free(buf);
}

static void xen_info(struct ctrl *c)
{
	char extra[sizeof(xen_extraversion_t)], caps[sizeof(xen_capabilities_info_t)];
	char changeset[sizeof(xen_changeset_info_t)], cmdline[sizeof(xen_commandline_t)];
	char id[2100];
	struct xen_compile_info ci;
	struct xen_platform_parameters pp = { 0 };
	long v = ctrl_xen_version(c, XENVER_version, NULL, 0);
	long pagesize = ctrl_xen_version(c, XENVER_pagesize, NULL, 0);
	uint32_t sched;

	if (v < 0) {
		fprintf(stderr, "libxl_get_version_info failed.\n");
		return;
	}
	if (ctrl_sched_id(c, &sched) < 0) {
		fprintf(stderr, "get_scheduler sysctl failed.\n");
		return;
	}
	version_string(c, XENVER_extraversion, extra, sizeof(extra));
	version_string(c, XENVER_capabilities, caps, sizeof(caps));
	version_string(c, XENVER_changeset, changeset, sizeof(changeset));
	version_string(c, XENVER_commandline, cmdline, sizeof(cmdline));
	memset(&ci, 0, sizeof(ci));
	ctrl_xen_version(c, XENVER_compile_info, &ci, sizeof(ci));
	ctrl_xen_version(c, XENVER_platform_parameters, &pp, sizeof(pp));
	build_id(c, id, sizeof(id));
	ci.compiler[sizeof(ci.compiler) - 1] = ci.compile_by[sizeof(ci.compile_by) - 1] = 0;
	ci.compile_domain[sizeof(ci.compile_domain) - 1] = 0;
	ci.compile_date[sizeof(ci.compile_date) - 1] = 0;

	info_line("xen_major              : %ld\n", v >> 16);
	info_line("xen_minor              : %ld\n", v & 0xffff);
	info_line("xen_extra              : %s\n", extra);
	info_line("xen_version            : %ld.%ld%s\n", v >> 16, v & 0xffff, extra);
	info_line("xen_caps               : %s\n", caps);
	info_line("xen_scheduler          : %s\n", xl_scheduler_name(sched));
	info_line("xen_pagesize           : %ld\n", pagesize);
	info_line("platform_params        : virt_start=0x%" PRIx64 "\n", (uint64_t)pp.virt_start);
	info_line("xen_changeset          : %s\n", changeset);
	info_line("xen_commandline        : %s\n", cmdline);
	info_line("cc_compiler            : %s\n", ci.compiler);
	info_line("cc_compile_by          : %s\n", ci.compile_by);
	info_line("cc_compile_domain      : %s\n", ci.compile_domain);
	info_line("cc_compile_date        : %s\n", ci.compile_date);
	info_line("build_id               : %s\n", id);
}

int main_info(int argc, char **argv)
{
	struct ctrl *c;
	int opt, numa = 0;

	while ((opt = xl_getopt(argc, argv, "n", "info", 0)) != -1)
		numa = 1;
	if (!numa && optind < argc)
		info_field = argv[optind];
	c = xl_ctrl();
	node_info();
	phys_info(c);
	if (numa) {
		cpu_topology(c);
		if (device_topology(c) == 0)
			numa_info(c);
	}
	xen_info(c);
	info_line("xend_config_format     : 4\n");
	return 0;
}

/* The console ring in 16 KiB reads until it has no more. */
int main_dmesg(int argc, char **argv)
{
	static char buf[16384];
	struct ctrl *c;
	uint32_t index = 0;
	int opt, clear = 0, n;

	while ((opt = xl_getopt(argc, argv, "c", "dmesg", 0)) != -1)
		clear = 1;
	c = xl_ctrl();
	while ((n = ctrl_readconsole(c, buf, sizeof(buf), &index, clear)) > 0)
		fwrite(buf, 1, strnlen(buf, (size_t)n), stdout);
	if (n < 0)
		fprintf(stderr, "%s: reading the hypervisor's console failed: %s\n", xl_prog,
			strerror(-n));
	return n < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

static char *uptime_string(unsigned long up, int short_mode)
{
	unsigned long day = up / 86400, hour = up % 86400 / 3600, min = up % 3600 / 60;
	unsigned long sec = up % 60;
	const char *days = day > 1 ? " days, " : " day, ";
	char *s = NULL;
	int r;

	if (day && short_mode)
		r = asprintf(&s, "%lu%s%2lu:%02lu", day, days, hour, min);
	else if (day)
		r = asprintf(&s, "%lu%s%2lu:%02lu:%02lu", day, days, hour, min, sec);
	else if (short_mode)
		r = asprintf(&s, "%2lu:%02lu", hour, min);
	else
		r = asprintf(&s, "%2lu:%02lu:%02lu", hour, min, sec);
	return r < 0 ? NULL : s;
}

static void print_uptime(uint16_t domid, unsigned long up, int short_mode, time_t now)
{
	char *name = xl_domid_to_name(domid), *str = uptime_string(up, short_mode);
	char clock[32] = "";

	if (short_mode) {
		strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&now));
		printf(" %s up %s, %s (%d)\n", clock, str ? str : "?", name ? name : "(null)",
		       domid);
	} else {
		printf("%-33s %4d %s\n", name ? name : "(null)", domid, str ? str : "?");
	}
	free(name);
	free(str);
}

static int dom0_uptime(unsigned long *up)
{
	char buf[128];
	int fd = open("/proc/uptime", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	*up = strtoul(buf, NULL, 10);
	return 0;
}

/* A domU's start time from /vm/<uuid>/start_time; -1 if it has none. */
static long start_time(uint16_t domid)
{
	char path[80], *vm, *when;
	unsigned int len;
	long t = -1;

	snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
	vm = xs_read(xl_xs(), XBT_NULL, path, &len);
	if (!vm)
		return -1;
	if (asprintf(&when, "%s/start_time", vm) >= 0) {
		free(vm);
		vm = xs_read(xl_xs(), XBT_NULL, when, &len);
		free(when);
		if (vm)
			t = strtol(vm, NULL, 10);
	}
	free(vm);
	return t;
}

static void uptime_of(uint16_t domid, int short_mode, time_t now)
{
	unsigned long up;
	long t;

	if (domid == 0) {
		if (dom0_uptime(&up) < 0) {
			fprintf(stderr, "Can not get Dom0 uptime.\n");
			exit(-1);
		}
		print_uptime(0, up, short_mode, now);
		return;
	}
	t = start_time(domid);
	if (t >= 0)
		print_uptime(domid, (unsigned long)(now - t), short_mode, now);
}

int main_uptime(int argc, char **argv)
{
	struct xen_domctl_getdomaininfo *all;
	int opt, short_mode = 0, n;
	time_t now;

	while ((opt = xl_getopt(argc, argv, "s", "uptime", 0)) != -1)
		short_mode = 1;
	now = time(NULL);
	if (!short_mode)
		printf("%-33s %4s %s\n", "Name", "ID", "Uptime");
	if (optind < argc) {
		for (int i = optind; i < argc; i++)
			uptime_of(xl_find_domain(argv[i]), short_mode, now);
		return 0;
	}
	uptime_of(0, short_mode, now);
	n = ctrl_domain_list_all(xl_ctrl(), &all);
	if (n < 0) {
		fprintf(stderr, "Could not list vms.\n");
		return 0;
	}
	for (int i = 0; i < n; i++)
		if (all[i].domain != 0 && !(all[i].flags & XEN_DOMINF_dying))
			uptime_of(all[i].domain, short_mode, now);
	free(all);
	return 0;
}
