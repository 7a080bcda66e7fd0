/* SPDX-License-Identifier: MIT */
/*
 * PV disks (vbd) and network interfaces (vif) served by dom0's blkback and
 * netback, laid out in xenstore as libxl lays them out: the backend
 * directory /local/domain/0/backend/KIND/DOMID/DEVID (dom0's, readable by
 * the guest), the frontend directory /local/domain/DOMID/device/KIND/DEVID
 * (the guest's, readable by dom0) and libxl's own copy under
 * /libxl/DOMID/device/KIND/DEVID, so Debian's xl lists and removes them too.
 * The hotplug scripts (/etc/xen/scripts/block, vif-bridge) run with the
 * environment libxl gives them when it runs them itself.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xenstore.h"
#include "xl.h"
#include "xl_devspec.h"

#define STATE_INIT_WAIT 2
#define STATE_CLOSING 5
#define STATE_CLOSED 6
#define BACKEND_WAIT_MS 30000 /* the backend's probe, on a loaded host */
#define CLOSE_WAIT_MS 10000   /* libxl's LIBXL_DESTROY_TIMEOUT */
#define QDISK_CLOSE_MS 2000   /* QEMU's xen-block closing before QEMU is stopped */
#define MAX_NODES 24

struct nodes {
	int n;
	char key[MAX_NODES][32];
	char val[MAX_NODES][1100];
};

/* One device's three directories. */
struct dev_paths {
	const char *kind;
	uint16_t domid;
	int devid;
	bool qdisk; /* served by QEMU: backend/qdisk, no hotplug script */
	char fe[128], be[128], lx[128];
};

static void put(struct nodes *l, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put(struct nodes *l, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (l->n == MAX_NODES)
		abort();
	snprintf(l->key[l->n], sizeof(l->key[0]), "%s", key);
	va_start(ap, fmt);
	vsnprintf(l->val[l->n], sizeof(l->val[0]), fmt, ap);
	va_end(ap);
	l->n++;
}

static void dev_paths(struct dev_paths *p, const char *kind, uint16_t domid, int devid)
{
	p->kind = kind;
	p->domid = domid;
	p->devid = devid;
	snprintf(p->fe, sizeof(p->fe), "/local/domain/%u/device/%s/%d", domid, kind, devid);
	snprintf(p->be, sizeof(p->be), "/local/domain/0/backend/%s/%u/%d", kind, domid, devid);
	snprintf(p->lx, sizeof(p->lx), "/libxl/%u/device/%s/%d", domid, kind, devid);
	p->qdisk = false;
}

/* A disk's backend under backend/qdisk, where libxl puts QEMU's disks. */
static void use_qdisk(struct dev_paths *p)
{
	snprintf(p->be, sizeof(p->be), "/local/domain/0/backend/qdisk/%u/%d", p->domid, p->devid);
	p->qdisk = true;
}

/* DIR/NAME read, malloc'd; NULL when missing. */
static char *read_node(const char *dir, const char *name)
{
	char path[256];
	unsigned int len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return xs_read(xl_xs(), XBT_NULL, path, &len);
}

/* DIR/NAME as a number, or -1 when missing. */
static int read_int(const char *dir, const char *name)
{
	char *v = read_node(dir, name);
	int n = v ? (int)strtoul(v, NULL, 10) : -1;

	free(v);
	return n;
}

static bool write_all(xs_transaction_t t, const char *dir, const struct nodes *l)
{
	char path[256];
	bool ok = true;

	for (int i = 0; i < l->n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, l->key[i]);
		ok &= xs_write(xl_xs(), t, path, l->val[i], (unsigned int)strlen(l->val[i]));
	}
	return ok;
}

/* A directory made afresh with its owner and one reader. */
static bool fresh_dir(xs_transaction_t t, const char *path, unsigned int owner, unsigned int reader)
{
	struct xs_permissions perms[2] = { { owner, XS_PERM_NONE }, { reader, XS_PERM_READ } };
	struct xs_handle *xs = xl_xs();

	xs_rm(xs, t, path);
	return xs_mkdir(xs, t, path) && xs_set_permissions(xs, t, path, perms, 2);
}

static bool write_link(xs_transaction_t t, const char *dir, const char *name, const char *to)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return xs_write(xl_xs(), t, path, to, (unsigned int)strlen(to));
}

/* The three directories in one transaction; 0 or -1. */
static int write_device(const struct dev_paths *p, const struct nodes *back,
			const struct nodes *front)
{
	struct xs_handle *xs = xl_xs();

	for (int tries = 0; tries < 100; tries++) {
		xs_transaction_t t = xs_transaction_start(xs);
		bool ok = t != XBT_NULL;

		xs_rm(xs, t, p->lx);
		ok = ok && write_link(t, p->lx, "frontend", p->fe) &&
		     write_link(t, p->lx, "backend", p->be);
		ok = ok && fresh_dir(t, p->fe, p->domid, 0) &&
		     write_link(t, p->fe, "backend", p->be) && write_all(t, p->fe, front);
		ok = ok && fresh_dir(t, p->be, 0, p->domid) &&
		     write_link(t, p->be, "frontend", p->fe) && write_all(t, p->be, back);
		ok = ok && write_all(t, p->lx, back);
		if (!ok) {
			if (t != XBT_NULL)
				xs_transaction_end(xs, t, true);
			return -1;
		}
		if (xs_transaction_end(xs, t, false))
			return 0;
		if (errno != EAGAIN)
			return -1;
	}
	return -1;
}

static void remove_device_nodes(const struct dev_paths *p)
{
	struct xs_handle *xs = xl_xs();

	for (int tries = 0; tries < 100; tries++) {
		xs_transaction_t t = xs_transaction_start(xs);

		xs_rm(xs, t, p->fe);
		xs_rm(xs, t, p->be);
		xs_rm(xs, t, p->lx);
		if (t == XBT_NULL || xs_transaction_end(xs, t, false) || errno != EAGAIN)
			return;
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Until the backend's state is at least `state`; 0, or -1 after `ms`. */
static int wait_backend(const struct dev_paths *p, int state, long ms)
{
	for (long waited = 0;; waited += 50) {
		if (read_int(p->be, "state") >= state)
			return 0;
		if (waited >= ms)
			return -1;
		sleep_ms(50);
	}
}

/* vifDOMID.DEVID, the interface netback makes. */
static void vif_name(const struct dev_paths *p, char *out, size_t size)
{
	snprintf(out, size, "vif%u.%d", p->domid, p->devid);
}

/* What libxl puts in a hotplug script's environment. */
struct hotplug_env {
	char path[128], vif[32], netdev[64];
	bool is_vif;
};

static void hotplug_env(const struct dev_paths *p, struct hotplug_env *e)
{
	char *gw;

	snprintf(e->path, sizeof(e->path), "backend/%s/%u/%d", p->kind, p->domid, p->devid);
	e->is_vif = strcmp(p->kind, "vif") == 0;
	if (!e->is_vif)
		return;
	gw = read_node(p->be, "gatewaydev");
	snprintf(e->netdev, sizeof(e->netdev), "%s", gw ? gw : "");
	free(gw);
	vif_name(p, e->vif, sizeof(e->vif));
}

/* In the forked child: the environment set, the script run. */
static void exec_hotplug(const char *kind, const char *script, const char *action,
			 const struct hotplug_env *e)
{
	setenv("script", script, 1);
	setenv("XENBUS_TYPE", kind, 1);
	setenv("XENBUS_PATH", e->path, 1);
	setenv("XENBUS_BASE_PATH", "backend", 1);
	if (e->is_vif) {
		setenv("netdev", e->netdev, 1);
		setenv("vif", e->vif, 1);
	}
	dup2(STDERR_FILENO, STDOUT_FILENO); /* pxl's own output stays clean */
	execl(script, script, action, e->is_vif ? "type_if=vif" : NULL, (char *)NULL);
	_exit(127);
}

/* The backend's hotplug script with `action`, as libxl runs it; its exit status. */
static int run_hotplug(const struct dev_paths *p, bool add)
{
	struct hotplug_env e = { 0 };
	char *script = read_node(p->be, "script");
	const char *action;
	int status = -1;
	pid_t pid;

	if (!script)
		return -1;
	hotplug_env(p, &e);
	action = e.is_vif ? (add ? "online" : "offline") : (add ? "add" : "remove");
	pid = fork();
	if (pid == 0)
		exec_hotplug(p->kind, script, action, &e);
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	free(script);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/*
 * Until dom0's backend driver has let the device go: its xen-backend device
 * (TYPE-DOMID-DEVID) gone from sysfs, which happens only after the driver's
 * last write to the backend directory; where sysfs has no xen-backend bus,
 * the backend's state 6.  QEMU's xen-block: its state 6, within `ms` while
 * the guest runs and can close its end, within QDISK_CLOSE_MS once it is
 * gone.  0, or -1 after that.
 */
static int wait_released(const struct dev_paths *p, long ms, bool guest_gone)
{
	char dev[96];

	if (p->qdisk && guest_gone)
		return wait_backend(p, STATE_CLOSED, ms < QDISK_CLOSE_MS ? ms : QDISK_CLOSE_MS);
	if (p->qdisk)
		return wait_backend(p, STATE_CLOSED, ms);
	if (access("/sys/bus/xen-backend/devices", F_OK) != 0)
		return wait_backend(p, STATE_CLOSED, ms);
	snprintf(dev, sizeof(dev), "/sys/bus/xen-backend/devices/%s-%u-%d", p->kind, p->domid,
		 p->devid);
	for (long waited = 0; access(dev, F_OK) == 0; waited += 50) {
		if (waited >= ms)
			return -1;
		sleep_ms(50);
	}
	return 0;
}

/*
 * Take a device away: the backend told to close (online 0, state Closing
 * unless closed already), its frontend removed when the guest cannot answer
 * any more, up to 10 s for the backend driver to let go, the hotplug
 * script's remove, then the nodes.  0, or -1 when the driver did not let go
 * in time (the device is removed all the same).
 */
static int remove_device(const struct dev_paths *p, bool guest_gone)
{
	int r = 0;

	write_link(XBT_NULL, p->be, "online", "0");
	if (read_int(p->be, "state") != STATE_CLOSED)
		write_link(XBT_NULL, p->be, "state", "5");
	if (guest_gone)
		xs_rm(xl_xs(), XBT_NULL, p->fe);
	if (wait_released(p, CLOSE_WAIT_MS, guest_gone))
		r = -1;
	run_hotplug(p, false);
	remove_device_nodes(p);
	return r;
}

/* Write the device, wait for its backend, run its hotplug script; 0 or -1 with a message. */
static int add_device(const struct dev_paths *p, const struct nodes *back,
		      const struct nodes *front)
{
	char *v = read_node(p->lx, "backend");
	char *status, *why;
	int rc;

	if (v || (v = read_node(p->fe, "backend"))) {
		free(v);
		fprintf(stderr, "%s: device %s/%d already exists in xenstore\n", xl_prog, p->kind,
			p->devid);
		return -1;
	}
	if (write_device(p, back, front)) {
		fprintf(stderr, "%s: writing %s failed: %m\n", xl_prog, p->be);
		return -1;
	}
	if (wait_backend(p, STATE_INIT_WAIT, BACKEND_WAIT_MS)) {
		fprintf(stderr, "%s: %s: the backend did not start (no state 2 within %d s)\n",
			xl_prog, p->be, BACKEND_WAIT_MS / 1000);
		remove_device(p, false);
		return -1;
	}
	if (p->qdisk)
		return 0;
	rc = run_hotplug(p, true);
	status = read_node(p->be, "hotplug-status");
	if (rc == 0 && status && strcmp(status, "connected") == 0) {
		free(status);
		return 0;
	}
	why = read_node(p->be, "hotplug-error");
	fprintf(stderr, "%s: %s: hotplug script failed (status %d, hotplug-status %s): %s\n",
		xl_prog, p->be, rc, status ? status : "none", why ? why : "");
	free(status);
	free(why);
	remove_device(p, false);
	return -1;
}

bool xl_disk_qdisk(const struct xl_disk *d)
{
	bool raw = strcmp(d->format, "raw") == 0 || strcmp(d->format, "empty") == 0;

	return d->backend_qdisk || (!raw && !d->backend_phy);
}

int xl_disk_check(const struct xl_disk *d)
{
	int devid = xl_vdev_devid(d->vdev);
	struct stat st;

	if (devid < 0) {
		fprintf(stderr, "%s: Invalid or unsupported virtual disk identifier %s\n", xl_prog,
			d->vdev);
		return -1;
	}
	if (!xl_disk_qdisk(d) && strcmp(d->format, "raw") != 0 && strcmp(d->format, "empty") != 0) {
		fprintf(stderr, "%s: disk %s: format %s needs QEMU's qdisk, not phy\n", xl_prog,
			d->vdev, d->format);
		return -1;
	}
	if (d->target[0] && stat(d->target, &st)) {
		fprintf(stderr, "%s: Disk vdev=%s failed to stat: %s: %m\n", xl_prog, d->vdev,
			d->target);
		return -1;
	}
	if (d->target[0] && !S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
		fprintf(stderr, "%s: no suitable backend for disk %s\n", xl_prog, d->vdev);
		return -1;
	}
	return 0;
}

int xl_disk_add(uint16_t domid, const struct xl_disk *d, bool pv)
{
	int devid = xl_vdev_devid(d->vdev);
	struct nodes back = { 0 }, front = { 0 };
	struct dev_paths p;

	if (xl_disk_check(d))
		return -1;
	dev_paths(&p, "vbd", domid, devid);
	if (xl_disk_qdisk(d)) {
		use_qdisk(&p);
		put(&back, "params", "%s:%s", d->format, d->target);
	} else {
		put(&back, "params", "%s", d->target);
		put(&back, "script", "%s", d->script);
	}
	put(&back, "frontend-id", "%u", domid);
	put(&back, "online", "1");
	put(&back, "removable", "%d", d->cdrom);
	put(&back, "bootable", "1");
	put(&back, "state", "1");
	put(&back, "dev", "%s", d->vdev);
	put(&back, "type", "%s", p.qdisk ? "qdisk" : "phy");
	put(&back, "mode", "%s", d->readwrite ? "w" : "r");
	put(&back, "device-type", "%s", d->cdrom ? "cdrom" : "disk");
	put(&back, "discard-enable", "%d", d->discard);
	put(&front, "backend-id", "0");
	put(&front, "state", "1");
	put(&front, "virtual-device", "%d", devid);
	put(&front, "device-type", "%s", d->cdrom ? "cdrom" : "disk");
	if (pv)
		put(&front, "protocol", "x86_64-abi");
	return add_device(&p, &back, &front);
}

/* The devids of a domain's devices of one kind (libxl's records), malloc'd. */
static char **device_ids(uint16_t domid, const char *kind, unsigned int *n)
{
	char path[64];
	char **ids;

	snprintf(path, sizeof(path), "/libxl/%u/device/%s", domid, kind);
	ids = xs_directory(xl_xs(), XBT_NULL, path, n);
	if (!ids)
		*n = 0;
	return ids;
}

/* The next free vif devid: one past the highest in use. */
static int next_nic_devid(uint16_t domid)
{
	unsigned int n;
	char **ids = device_ids(domid, "vif", &n);
	int next = 0;

	for (unsigned int i = 0; i < n; i++)
		if (atoi(ids[i]) >= next)
			next = atoi(ids[i]) + 1;
	free(ids);
	return next;
}

void xl_nic_default_mac(struct xl_nic *n)
{
	uint8_t r[3];

	if (n->mac_set)
		return;
	xl_random_bytes(r, sizeof(r));
	xl_nic_random_mac(n->mac, r);
	n->mac_set = true;
}

int xl_nic_add(uint16_t domid, struct xl_nic *n)
{
	struct nodes back = { 0 }, front = { 0 };
	struct dev_paths p;
	char mac[18];

	xl_nic_default_mac(n);
	if (n->devid < 0)
		n->devid = next_nic_devid(domid);
	xl_mac_string(n->mac, mac);
	dev_paths(&p, "vif", domid, n->devid);
	put(&back, "frontend-id", "%u", domid);
	put(&back, "online", "1");
	put(&back, "state", "1");
	put(&back, "script", "%s", n->script);
	if (n->vifname[0])
		put(&back, "vifname", "%s", n->vifname);
	put(&back, "mac", "%s", mac);
	if (n->ip[0])
		put(&back, "ip", "%s", n->ip);
	if (n->gatewaydev[0])
		put(&back, "gatewaydev", "%s", n->gatewaydev);
	if (n->mtu)
		put(&back, "mtu", "%u", n->mtu);
	put(&back, "bridge", "%s", n->bridge);
	put(&back, "handle", "%d", n->devid);
	put(&back, "type", "vif");
	put(&front, "backend-id", "0");
	put(&front, "state", "1");
	put(&front, "handle", "%d", n->devid);
	put(&front, "mac", "%s", mac);
	return add_device(&p, &back, &front);
}

/* The backend libxl's record names (backend/qdisk for QEMU's disks). */
static void recorded_backend(struct dev_paths *p)
{
	char *be = read_node(p->lx, "backend");

	if (be && strstr(be, "/backend/qdisk/"))
		use_qdisk(p);
	free(be);
}

/* Every disk and vif of a domain that is going away (its vCPUs paused). */
void xl_devices_destroy(uint16_t domid)
{
	static const char *const kinds[] = { "vbd", "vif" };

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		unsigned int n;
		char **ids = device_ids(domid, kinds[k], &n);
		struct dev_paths p;

		for (unsigned int i = 0; i < n; i++) {
			dev_paths(&p, kinds[k], domid, atoi(ids[i]));
			recorded_backend(&p);
			remove_device(&p, true);
		}
		free(ids);
	}
	xl_qemu_stop(domid);
}

/* A domain as libxl_domain_qualifier_to_domid takes it; -1 after xl's message. */
static int qualifier(const char *arg, uint16_t *domid)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (*arg && !*end && v < DOMID_FIRST_RESERVED) {
		*domid = (uint16_t)v;
		return 0;
	}
	if (xl_name_to_domid(arg, domid) == 0)
		return 0;
	fprintf(stderr, "%s is an invalid domain identifier\n", arg);
	return -1;
}

static bool domain_exists(uint16_t domid)
{
	struct xen_domctl_getdomaininfo info;

	return ctrl_domain_info(xl_ctrl(), domid, &info) == 0;
}

/* The words of a command line joined by commas, as one disk spec. */
static char *join_words(char **words, int n)
{
	size_t len = 1;
	char *s;

	for (int i = 0; i < n; i++)
		len += strlen(words[i]) + 1;
	s = calloc(1, len);
	for (int i = 0; s && i < n; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, words[i]);
	}
	return s;
}

/*
 * A qdisk disk needs the QEMU started for the domain at create (libxl
 * refuses it the same way: it does not start one for an attach); true after
 * the message.
 */
static bool qdisk_without_qemu(uint16_t domid, const struct xl_disk *d)
{
	if (!xl_disk_qdisk(d) || xl_qemu_active(domid))
		return false;
	fprintf(stderr, "%s: Domain %u:device model required but not running\n", xl_prog, domid);
	return true;
}

int main_block_attach(int argc, char **argv)
{
	struct xl_disk d;
	uint16_t domid;
	char *spec;
	int r;

	if (xl_getopt(argc, argv, "", "block-attach", 2) != -1)
		return EXIT_FAILURE;
	if (qualifier(argv[optind], &domid))
		return EXIT_FAILURE;
	spec = join_words(argv + optind + 1, argc - optind - 1);
	if (!spec)
		return EXIT_FAILURE;
	r = xl_disk_parse("command line", spec, &d, stderr);
	free(spec);
	if (r)
		return EXIT_FAILURE;
	if (!domain_exists(domid) || qdisk_without_qemu(domid, &d) ||
	    xl_disk_add(domid, &d, true)) {
		fprintf(stderr, "libxl_device_disk_add failed.\n");
		return EXIT_FAILURE;
	}
	xl_store_disk(domid, &d);
	return EXIT_SUCCESS;
}

/*
 * A listed device's libxl record: its directory into lx, its backend path
 * (malloc'd) and the backend's domain; NULL when the record has none.
 */
static char *listed_backend(uint16_t domid, const char *kind, const char *id, char lx[128],
			    unsigned int *bedom)
{
	char *be;

	snprintf(lx, 128, "/libxl/%u/device/%s/%s", domid, kind, id);
	be = read_node(lx, "backend");
	if (be && sscanf(be, "/local/domain/%u/", bedom) == 1)
		return be;
	free(be);
	return NULL;
}

static void block_row(uint16_t domid, const char *id)
{
	char lx[128], fe[128];
	unsigned int bedom;
	char *be = listed_backend(domid, "vbd", id, lx, &bedom);
	char *vdev = be ? read_node(lx, "dev") : NULL;
	int devid;

	if (vdev) {
		devid = xl_vdev_devid(vdev);
		snprintf(fe, sizeof(fe), "/local/domain/%u/device/vbd/%d", domid, devid);
		printf("%-5d %-3d %-6d %-5d %-6d %-8d %-30s\n", devid, bedom, domid,
		       read_int(fe, "state"), read_int(fe, "event-channel"),
		       read_int(fe, "ring-ref"), be);
	}
	free(be);
	free(vdev);
}

int main_block_list(int argc, char **argv)
{
	if (xl_getopt(argc, argv, "", "block-list", 1) != -1)
		return EXIT_FAILURE;
	printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s\n", "Vdev", "BE", "handle", "state", "evt-ch",
	       "ring-ref", "BE-path");
	for (int a = optind; a < argc; a++) {
		unsigned int n;
		uint16_t domid;
		char **ids;

		if (qualifier(argv[a], &domid))
			continue;
		ids = device_ids(domid, "vbd", &n);
		for (unsigned int i = 0; i < n; i++)
			block_row(domid, ids[i]);
		free(ids);
	}
	return EXIT_SUCCESS;
}

int main_block_detach(int argc, char **argv)
{
	int opt, devid;
	struct dev_paths p;
	uint16_t domid;
	char *be;

	while ((opt = xl_getopt(argc, argv, "f", "block-detach", 2)) != -1)
		;
	domid = xl_find_domain(argv[optind]);
	devid = xl_vdev_devid(argv[optind + 1]);
	dev_paths(&p, "vbd", domid, devid);
	recorded_backend(&p);
	be = devid < 0 ? NULL : read_node(p.lx, "backend");
	if (!be) {
		fprintf(stderr, "Error: Device %s not connected.\n", argv[optind + 1]);
		return EXIT_FAILURE;
	}
	free(be);
	remove_device(&p, !domain_exists(domid));
	return EXIT_SUCCESS;
}

int main_network_attach(int argc, char **argv)
{
	struct xl_nic n;
	uint16_t domid;

	if (xl_getopt(argc, argv, "", "network-attach", 1) != -1)
		return EXIT_FAILURE;
	domid = xl_find_domain(argv[optind]);
	xl_nic_init(&n);
	for (int a = optind + 1; a < argc; a++)
		if (xl_nic_parse_token(&n, argv[a], stderr))
			return EXIT_FAILURE;
	if (!domain_exists(domid) || xl_nic_add(domid, &n)) {
		fprintf(stderr, "libxl_device_nic_add failed.\n");
		return EXIT_FAILURE;
	}
	xl_store_nic(domid, &n);
	return EXIT_SUCCESS;
}

static void network_row(uint16_t domid, const char *id)
{
	char lx[128], fe[128];
	unsigned int bedom;
	char *be = listed_backend(domid, "vif", id, lx, &bedom);
	char *mac = be ? read_node(lx, "mac") : NULL;
	int devid = be ? read_int(lx, "handle") : -1;

	if (devid < 0)
		devid = 0;
	if (be) {
		snprintf(fe, sizeof(fe), "/local/domain/%u/device/vif/%d", domid, devid);
		printf("%-3d %-2d ", devid, bedom);
		printf("%s", mac ? mac : "00:00:00:00:00:00");
		printf("%6d %5d %6d %5d/%-11d %-30s\n", devid, read_int(fe, "state"),
		       read_int(fe, "event-channel"), read_int(fe, "tx-ring-ref"),
		       read_int(fe, "rx-ring-ref"), be);
	}
	free(be);
	free(mac);
}

int main_network_list(int argc, char **argv)
{
	if (xl_getopt(argc, argv, "", "network-list", 1) != -1)
		return EXIT_FAILURE;
	printf("%-3s %-2s %-17s %-6s %-5s %-6s %5s/%-5s %-30s\n", "Idx", "BE", "Mac Addr.",
	       "handle", "state", "evt-ch", "tx-", "rx-ring-ref", "BE-path");
	for (int a = optind; a < argc; a++) {
		uint16_t domid = xl_find_domain(argv[a]);
		unsigned int n;
		char **ids = device_ids(domid, "vif", &n);

		for (unsigned int i = 0; i < n; i++)
			network_row(domid, ids[i]);
		free(ids);
	}
	return EXIT_SUCCESS;
}

/* The vif with this devid, or with this MAC; -1 when there is none. */
static int find_nic(uint16_t domid, const char *arg)
{
	unsigned int n;
	char **ids = device_ids(domid, "vif", &n);
	int found = -1;

	for (unsigned int i = 0; i < n && found < 0; i++) {
		char lx[128], *mac;

		snprintf(lx, sizeof(lx), "/libxl/%u/device/vif/%s", domid, ids[i]);
		mac = read_node(lx, "mac");
		if (strchr(arg, ':') ? (mac && strcasecmp(mac, arg) == 0)
				     : atoi(ids[i]) == atoi(arg))
			found = atoi(ids[i]);
		free(mac);
	}
	free(ids);
	return found;
}

int main_network_detach(int argc, char **argv)
{
	struct dev_paths p;
	uint16_t domid;
	int devid;

	if (xl_getopt(argc, argv, "", "network-detach", 2) != -1)
		return EXIT_FAILURE;
	domid = xl_find_domain(argv[optind]);
	devid = find_nic(domid, argv[optind + 1]);
	if (devid < 0) {
		fprintf(stderr, "Unknown device %s.\n", argv[optind + 1]);
		return EXIT_FAILURE;
	}
	dev_paths(&p, "vif", domid, devid);
	remove_device(&p, !domain_exists(domid));
	return EXIT_SUCCESS;
}
