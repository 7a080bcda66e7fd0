/* SPDX-License-Identifier: MIT */
/*
 * The process xl create leaves behind to watch its domain: when the guest
 * shuts down, the action its xl.cfg names for the reason (on_poweroff,
 * on_reboot, on_watchdog, on_crash, on_soft_reset) is taken: destroy,
 * restart (destroy and build again under a new id), preserve,
 * rename-restart (keep the old domain under a dated name and a new UUID,
 * build again), coredump-destroy and coredump-restart (the domain's core
 * written to /var/lib/xen/dump/NAME first, as xl writes it), or
 * soft-reset (the domain reset in place, XEN_DOMCTL_soft_reset, and run
 * on under the same id).  It logs to
 * /var/log/xen/xl-NAME.log and ends when the domain is gone or preserved.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "event_channel.h"
#include "hvm/hvm_op.h"
#include "sched.h"
#include "xenstore.h"
#include "xl.h"
#include "xl_softreset.h"

#define LOG_DIR "/var/log/xen"
#define DUMP_DIR "/var/lib/xen/dump"

static const char *const action_names[] = {
	[XL_ACT_DESTROY] = "destroy",
	[XL_ACT_RESTART] = "restart",
	[XL_ACT_PRESERVE] = "preserve",
	[XL_ACT_RENAME_RESTART] = "rename-restart",
	[XL_ACT_COREDUMP_DESTROY] = "coredump-destroy",
	[XL_ACT_COREDUMP_RESTART] = "coredump-restart",
	[XL_ACT_SOFT_RESET] = "soft-reset",
};

int xl_parse_action(const char *key, const char *text, enum xl_action *out)
{
	for (int i = 0; i < (int)(sizeof(action_names) / sizeof(action_names[0])); i++) {
		if (strcmp(text, action_names[i]) == 0) {
			*out = (enum xl_action)i;
			return 0;
		}
	}
	fprintf(stderr, "Unknown %s action \"%s\" specified\n", key, text);
	return -1;
}

/* The parent returns 1; the child, detached with its log open, 0; -1 on failure. */
int xl_monitor_detach(const char *name)
{
	char path[256];
	pid_t pid;
	int fd;

	mkdir(LOG_DIR, 0755);
	snprintf(path, sizeof(path), LOG_DIR "/xl-%s.log", name);
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot open %s: %m\n", xl_prog, path);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid != 0) {
		close(fd);
		return pid > 0 ? 1 : -1;
	}
	setsid();
	xl_handles_after_fork();
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	return 0;
}

/* -1: gone or dying; 0: running; 1 with the reason: shut down. */
static int shut_down(uint16_t domid, unsigned int *reason)
{
	struct xen_domctl_getdomaininfo info;

	if (ctrl_domain_info(xl_ctrl(), domid, &info) < 0 || (info.flags & XEN_DOMINF_dying))
		return -1;
	if (!(info.flags & XEN_DOMINF_shutdown))
		return 0;
	*reason = (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
	return 1;
}

/* Block until @releaseDomain fires or a second passes. */
static void wait_event(struct xs_handle *xs)
{
	struct pollfd p = { .fd = xs_fileno(xs), .events = POLLIN };
	char **ev;

	if (poll(&p, 1, 1000) > 0)
		while ((ev = xs_check_watch(xs)))
			free(ev);
}

/* The action for a reason; -1 for one that needs none (suspend). */
static int action_for(const struct xl_monitor *m, unsigned int reason)
{
	switch (reason) {
	case SHUTDOWN_poweroff:
		return m->on_poweroff;
	case SHUTDOWN_reboot:
		return m->on_reboot;
	case SHUTDOWN_crash:
		return m->on_crash;
	case SHUTDOWN_watchdog:
		return m->on_watchdog;
	case SHUTDOWN_soft_reset:
		return m->on_soft_reset;
	case SHUTDOWN_suspend:
		return -1;
	default:
		return XL_ACT_DESTROY;
	}
}

/*
 * libxl's preserve: the domain keeps running (or stays shut down) as
 * NAME+suffix under a new /vm/<uuid> (readable by the domain, holding only
 * its uuid); its name goes to /local/domain/N/name and, as libxl's rename
 * writes it, to the /vm node of the UUID the hypervisor still has for it
 * (the one the rebuilt domain takes over).  One transaction; 0, or -1 after
 * a line saying why.
 */
static bool write_preserved(struct xs_handle *xs, xs_transaction_t t, uint16_t domid,
			    const char *vm, const char *uuid, const char *name)
{
	struct xs_permissions perms[2] = { { 0, XS_PERM_NONE }, { domid, XS_PERM_READ } };
	struct xen_domctl_getdomaininfo info;
	char path[96], old[37];
	bool ok;

	if (ctrl_domain_info(xl_ctrl(), domid, &info) < 0)
		return false;
	xl_uuid_string(info.handle, old);
	xs_rm(xs, t, vm);
	ok = xs_mkdir(xs, t, vm) && xs_set_permissions(xs, t, vm, perms, 2);
	snprintf(path, sizeof(path), "/local/domain/%u/vm", domid);
	ok = ok && xs_write(xs, t, path, vm, strlen(vm));
	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	ok = ok && xs_write(xs, t, path, name, strlen(name));
	snprintf(path, sizeof(path), "/vm/%s/name", old);
	ok = ok && xs_write(xs, t, path, name, strlen(name));
	snprintf(path, sizeof(path), "%s/uuid", vm);
	return ok && xs_write(xs, t, path, uuid, strlen(uuid));
}

static int preserve(uint16_t domid, const char *name, const char *suffix)
{
	struct xs_handle *xs = xl_xs();
	char new_name[160], vm[48], id[37];
	uint8_t uuid[16];
	uint16_t other;
	xs_transaction_t t;

	snprintf(new_name, sizeof(new_name), "%s%s", name, suffix);
	if (xl_name_to_domid(new_name, &other) == 0 && other != domid) {
		fprintf(stderr, "%s: Domain with name \"%s\" already exists.\n", xl_prog, new_name);
		return -1;
	}
	xl_uuid_random(uuid);
	xl_uuid_string(uuid, id);
	snprintf(vm, sizeof(vm), "/vm/%s", id);
	do {
		t = xs_transaction_start(xs);
		if (!t || !write_preserved(xs, t, domid, vm, id, new_name)) {
			if (t)
				xs_transaction_end(xs, t, true);
			fprintf(stderr, "%s: preserving domain %u as %s: %m\n", xl_prog, domid,
				new_name);
			return -1;
		}
	} while (!xs_transaction_end(xs, t, false) && errno == EAGAIN);
	return 0;
}

/* rename-restart's first half, as xl; 0, or -1 (the old domain is left as it is). */
static int preserve_for_restart(struct xl_monitor *m)
{
	char suffix[24];
	time_t now = time(NULL);
	struct tm tm;

	if (!gmtime_r(&now, &tm) || !strftime(suffix, sizeof(suffix), "-%Y%m%dT%H%MZ", &tm))
		return -1;
	fprintf(stderr, "Preserving domain %u %s with suffix%s\n", m->domid, m->name, suffix);
	return preserve(m->domid, m->name, suffix);
}

/* The coredump actions' first half, as xl: the core, or a line saying it failed. */
static void dump_core(const struct xl_monitor *m)
{
	char path[256];

	snprintf(path, sizeof(path), DUMP_DIR "/%s", m->name);
	fprintf(stderr, "dumping core to %s\n", path);
	if (xl_dump_core(m->domid, path) < 0)
		fprintf(stderr, "core dump failed (rc=%d).\n", XL_ERROR_FAIL);
}

/* The soft-reset sequence's calls (xl_softreset.c) on the control library and xenstore. */
static int sr_read_node(void *arg, uint16_t domid, const char *node, uint64_t *out)
{
	char path[64], *v, *end;

	(void)arg;
	snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, node);
	v = xs_read(xl_xs(), XBT_NULL, path, NULL);
	if (!v)
		return -ENOENT;
	*out = strtoull(v, &end, 10);
	end = (end == v || *end) ? NULL : end;
	free(v);
	return end ? 0 : -EINVAL;
}

static int sr_write_node(void *arg, uint16_t domid, const char *node, uint64_t value)
{
	char path[64], v[24];

	(void)arg;
	snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, node);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)value);
	return xs_write(xl_xs(), XBT_NULL, path, v, (unsigned int)strlen(v)) ? 0 : -EIO;
}

static int sr_release(void *arg, uint16_t domid)
{
	(void)arg;
	return xs_release_domain(xl_xs(), domid) ? 0 : -EIO;
}

static int sr_introduce(void *arg, uint16_t domid, uint64_t gfn, uint32_t port)
{
	(void)arg;
	return xs_introduce_domain(xl_xs(), domid, (unsigned long)gfn, port) ? 0 : -EIO;
}

static int sr_pause(void *arg, uint16_t domid)
{
	return ctrl_domain_pause(arg, domid);
}

static int sr_unpause(void *arg, uint16_t domid)
{
	return ctrl_domain_unpause(arg, domid);
}

static int sr_reset(void *arg, uint16_t domid)
{
	struct xen_domctl d;

	memset(&d, 0, sizeof(d));
	return ctrl_domctl(arg, XEN_DOMCTL_soft_reset, domid, &d);
}

static int sr_alloc_port(void *arg, uint16_t domid, uint32_t *port)
{
	struct evtchn_alloc_unbound u = { .dom = domid, .remote_dom = 0 };
	long r = ctrl_hypercall_arg(arg, __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &u,
				    sizeof(u), 0, 0);

	*port = u.port;
	return r < 0 ? (int)r : 0;
}

static int sr_set_param(void *arg, uint16_t domid, uint32_t index, uint64_t value)
{
	struct xen_hvm_param p = { .domid = domid, .index = index, .value = value };
	long r = ctrl_hypercall_arg(arg, __HYPERVISOR_hvm_op, HVMOP_set_param, &p, sizeof(p), 0, 0);

	return r < 0 ? (int)r : 0;
}

/*
 * The soft-reset action (xl_softreset.c): the domain reset in place under
 * the same id and given fresh xenstore and console connections (1: keep
 * watching, with xl's lines); if any step fails (a PV domain: Xen resets
 * HVM and PVH domains only), the domain is destroyed (0).
 */
static int soft_reset(struct xl_monitor *m)
{
	const struct xl_sr_ops ops = { .read_node = sr_read_node,
				       .write_node = sr_write_node,
				       .release = sr_release,
				       .introduce = sr_introduce,
				       .pause = sr_pause,
				       .unpause = sr_unpause,
				       .reset = sr_reset,
				       .alloc_port = sr_alloc_port,
				       .set_param = sr_set_param,
				       .arg = xl_ctrl() };
	struct xen_domctl_getdomaininfo info;
	struct xl_sr_result res;
	bool hvm = ctrl_domain_info(xl_ctrl(), m->domid, &info) >= 0 &&
		   (info.flags & XEN_DOMINF_hvm_guest);
	int r;

	fprintf(stderr, "Done. Rebooting now\n");
	r = xl_soft_reset_domain(&ops, m->domid, hvm, &res);
	if (!r) {
		fprintf(stderr, "Waiting for domain %s (domid %u) to die [pid %ld]\n", m->name,
			m->domid, (long)getpid());
		return 1;
	}
	fprintf(stderr, "%s: soft reset of domain %u failed (%s): %s; destroying the domain\n",
		xl_prog, m->domid, xl_sr_step_name(res.failed), strerror(-r));
	xl_destroy_domain(m->domid);
	return 0;
}

/*
 * Carry out an action: 1 to keep watching (a restart), 0 when done, -1 when
 * a rename-restart could not preserve the domain (xl leaves it and exits
 * without its last line).
 */
static int act(struct xl_monitor *m, unsigned int reason, enum xl_action a)
{
	fprintf(stderr, "Action for shutdown reason code %u is %s\n", reason, action_names[a]);
	if (a == XL_ACT_COREDUMP_DESTROY || a == XL_ACT_COREDUMP_RESTART) {
		dump_core(m);
		a = a == XL_ACT_COREDUMP_DESTROY ? XL_ACT_DESTROY : XL_ACT_RESTART;
	}
	if (a == XL_ACT_PRESERVE)
		return 0;
	if (a == XL_ACT_SOFT_RESET)
		return soft_reset(m);
	if (a == XL_ACT_RENAME_RESTART) {
		if (preserve_for_restart(m))
			return -1;
	} else {
		fprintf(stderr, "Domain %u needs to be cleaned up: destroying the domain\n",
			m->domid);
		if (xl_destroy_domain(m->domid) || a == XL_ACT_DESTROY)
			return 0;
	}
	fprintf(stderr, "Done. Rebooting now\n");
	if (m->restart(m->arg, &m->domid)) {
		fprintf(stderr, "%s: rebuilding %s failed\n", xl_prog, m->name);
		return 0;
	}
	fprintf(stderr, "Waiting for domain %s (domid %u) to die [pid %ld]\n", m->name, m->domid,
		(long)getpid());
	return 1;
}

int xl_monitor_run(struct xl_monitor *m)
{
	struct xs_handle *xs = xl_xs();
	unsigned int reason = 0;
	int state, a, watching = 1;

	fprintf(stderr, "Waiting for domain %s (domid %u) to die [pid %ld]\n", m->name, m->domid,
		(long)getpid());
	xs_watch(xs, "@releaseDomain", "monitor");
	while (watching) {
		state = shut_down(m->domid, &reason);
		if (state < 0) {
			fprintf(stderr, "Domain %u has been destroyed.\n", m->domid);
			break;
		}
		a = state ? action_for(m, reason) : -1;
		if (state && a >= 0) {
			fprintf(stderr, "Domain %u has shut down, reason code %u 0x%x\n", m->domid,
				reason, reason);
			watching = act(m, reason, (enum xl_action)a);
			if (watching < 0)
				return EXIT_FAILURE;
			continue;
		}
		wait_event(xs);
	}
	fprintf(stderr, "Done. Exiting now\n");
	return EXIT_SUCCESS;
}
