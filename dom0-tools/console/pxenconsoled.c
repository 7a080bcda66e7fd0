/* SPDX-License-Identifier: MIT */
/*
 * pxenconsoled: Petrel's console backend daemon, a drop-in for Xen's
 * xenconsoled.  For every domain whose console/type is "xenconsoled" (or
 * absent) it maps the console ring (grant ref 0 through gntdev, else a
 * foreign map of console/ring-ref), binds console/port, opens a pty whose
 * slave path goes to console/tty, and copies bytes between ring and pty;
 * with --log=guest each guest's output also goes to DIR/guest-NAME.log.
 * With --log=hv the hypervisor's console ring (VIRQ_CON_RING, sysctl
 * readconsole) goes to DIR/hypervisor.log.  Domains are found by watching
 * @introduceDomain and @releaseDomain and listing them all on each event;
 * the toolstack writes a domain's console nodes after introducing it, so
 * each domain's console/ directory is watched too; a soft reset's new
 * console port, written there, is bound again on the same pty.
 *
 * Every queue is bounded: a guest that floods loses its oldest output
 * (the pty is not read) and a guest that corrupts its ring indexes is
 * skipped past; neither stops the other guests.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "conring.h"
#include "ctrl.h"
#include "event_channel.h"
#include "xenstore.h"

#define PTY_QUEUE (64 * 1024)  /* output waiting for the pty, per guest */
#define READ_BUDGET (64 * 1024) /* ring bytes read per guest per round */
#define MAX_GUESTS 1024

struct guest {
	struct guest *next;
	uint16_t domid;
	bool seen; /* in the latest domain list */
	struct xencons_interface *intf;
	bool granted; /* mapped through gntdev (else foreign) */
	uint64_t gnt_index;
	uint64_t mfn;	      /* console/ring-ref when connected */
	uint32_t remote_port; /* console/port when connected */
	uint32_t local_port;
	int master, slave;
	int log_fd;
	struct conbuf queue;
	struct conring_stats stats;
};

struct daemon {
	struct ctrl ctrl;
	struct xs_handle *xs;
	int evfd, gntfd;
	struct guest *guests;
	unsigned int nguests;
	bool log_guest, log_hv, verbose;
	const char *log_dir;
	int hv_log;
	uint32_t hv_port, hv_index;
	/* domains whose console/ directory is watched */
	bool watched[DOMID_FIRST_RESERVED];
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void say(const struct daemon *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say(const struct daemon *d, const char *fmt, ...)
{
	va_list ap;

	if (!d->verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* A xenstore value of the domain as a malloc'd string, NULL if absent. */
static char *dom_read(struct daemon *d, uint16_t domid, const char *node)
{
	char path[128];
	unsigned int len;

	snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, node);
	return xs_read(d->xs, XBT_NULL, path, &len);
}

/* A guest-written number: decimal or 0x hex, nothing after it, <= max. */
static bool parse_number(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	if (!s || !*s || strlen(s) > 20)
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno == 0 && *end == '\0' && *out <= max;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

static int map_ring(struct daemon *d, struct guest *g, uint64_t mfn)
{
	int err = 0;

	if (d->gntfd >= 0) {
		g->intf = ctrl_gntdev_map(d->gntfd, g->domid, 0, PROT_READ | PROT_WRITE,
					  &g->gnt_index);
		if (g->intf) {
			g->granted = true;
			return 0;
		}
	}
	g->intf = ctrl_map_foreign(&d->ctrl, g->domid, PROT_READ | PROT_WRITE, &mfn, &err, 1);
	if (g->intf && err) {
		ctrl_unmap(g->intf, 1);
		g->intf = NULL;
	}
	return g->intf ? 0 : -1;
}

static void unmap_ring(struct daemon *d, struct guest *g)
{
	if (!g->intf)
		return;
	if (g->granted)
		ctrl_gntdev_unmap(d->gntfd, g->intf, g->gnt_index);
	else
		ctrl_unmap(g->intf, 1);
	g->intf = NULL;
}

/* A raw pty whose slave we keep open, so the master never sees a hangup. */
static int open_pty(struct guest *g, char *path, size_t size)
{
	struct termios t;

	g->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	if (g->master < 0)
		return -1;
	if (grantpt(g->master) || unlockpt(g->master) || ptsname_r(g->master, path, size))
		return -1;
	g->slave = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (g->slave < 0)
		return -1;
	if (tcgetattr(g->slave, &t) == 0) {
		cfmakeraw(&t);
		tcsetattr(g->slave, TCSANOW, &t);
	}
	return 0;
}

static void open_log(struct daemon *d, struct guest *g)
{
	char *name = dom_read(d, g->domid, "name");
	char path[512];

	if (name && (strchr(name, '/') || !*name || strlen(name) > 64)) {
		free(name);
		name = NULL;
	}
	if (name)
		snprintf(path, sizeof(path), "%s/guest-%s.log", d->log_dir, name);
	else
		snprintf(path, sizeof(path), "%s/guest-%u.log", d->log_dir, g->domid);
	free(name);
	g->log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

static void guest_free(struct daemon *d, struct guest *g)
{
	if (g->local_port)
		ctrl_evtchn_unbind(d->evfd, g->local_port);
	unmap_ring(d, g);
	if (g->master >= 0)
		close(g->master);
	if (g->slave >= 0)
		close(g->slave);
	if (g->log_fd >= 0)
		close(g->log_fd);
	conbuf_free(&g->queue);
	free(g);
}

/* Push queued output into the pty as far as it takes it. */
static void flush_pty(struct guest *g)
{
	const char *data;
	size_t run;
	ssize_t n;

	while ((run = conbuf_peek(&g->queue, &data)) > 0) {
		n = write(g->master, data, run);
		if (n <= 0)
			return;
		conbuf_consume(&g->queue, (size_t)n);
	}
}

/* Drain the guest's output ring (up to READ_BUDGET); true if more is left. */
static bool guest_output(struct daemon *d, struct guest *g)
{
	char buf[CONRING_OUT_SIZE];
	size_t n, total = 0;

	while (total < READ_BUDGET && (n = conring_read(g->intf, buf, sizeof(buf), &g->stats))) {
		if (g->log_fd >= 0)
			write_all(g->log_fd, buf, n);
		conbuf_put(&g->queue, buf, n);
		total += n;
	}
	if (total)
		ctrl_evtchn_notify(d->evfd, g->local_port);
	flush_pty(g);
	return conring_pending(g->intf) > 0;
}

/* Bytes typed into the pty go to the guest's input ring, as far as it has room. */
static void guest_input(struct daemon *d, struct guest *g)
{
	char buf[CONRING_IN_SIZE];
	size_t room = conring_in_space(g->intf);
	ssize_t n;

	if (!room)
		return;
	n = read(g->master, buf, room < sizeof(buf) ? room : sizeof(buf));
	if (n <= 0)
		return;
	conring_write(g->intf, buf, (size_t)n, &g->stats);
	ctrl_evtchn_notify(d->evfd, g->local_port);
}

static struct guest *guest_connect(struct daemon *d, uint16_t domid)
{
	char *type = dom_read(d, domid, "console/type");
	char *ref = dom_read(d, domid, "console/ring-ref");
	char *port = dom_read(d, domid, "console/port");
	struct guest *g = calloc(1, sizeof(*g));
	uint64_t mfn, remote;
	char tty[64], path[128];
	int r;

	if (!g || (type && strcmp(type, "xenconsoled") != 0) ||
	    !parse_number(ref, UINT64_MAX >> 12, &mfn) || !parse_number(port, 1u << 20, &remote))
		goto fail;
	g->domid = domid;
	g->master = g->slave = g->log_fd = -1;
	if (conbuf_init(&g->queue, PTY_QUEUE) || map_ring(d, g, mfn))
		goto fail;
	r = ctrl_evtchn_bind_interdomain(d->evfd, domid, (uint32_t)remote);
	if (r <= 0)
		goto fail;
	g->local_port = (uint32_t)r;
	g->mfn = mfn;
	g->remote_port = (uint32_t)remote;
	if (open_pty(g, tty, sizeof(tty)))
		goto fail;
	snprintf(path, sizeof(path), "/local/domain/%u/console/tty", domid);
	if (!xs_write(d->xs, XBT_NULL, path, tty, strlen(tty)))
		goto fail;
	if (d->log_guest)
		open_log(d, g);
	say(d, "d%u: console on %s (%s)\n", domid, tty, g->granted ? "grant" : "foreign map");
	free(type), free(ref), free(port);
	return g;
fail:
	say(d, "d%u: no console yet\n", domid);
	if (g && g->domid == domid)
		guest_free(d, g);
	else
		free(g);
	free(type), free(ref), free(port);
	return NULL;
}

/* EVTCHNOP_status of a port: its EVTCHNSTAT_* and, if unbound, whom it waits for. */
static int port_status(struct daemon *d, uint16_t dom, uint32_t port, uint16_t *waits_for)
{
	struct evtchn_status st = { .dom = dom, .port = port };
	long r = ctrl_hypercall_arg(&d->ctrl, __HYPERVISOR_event_channel_op, EVTCHNOP_status, &st,
				    sizeof(st), 0, 0);

	if (r < 0)
		return (int)r;
	*waits_for = st.u.unbound.dom;
	return (int)st.status;
}

/* Whether dom0's end of a guest's console channel still reaches the guest. */
static bool still_bound(struct daemon *d, const struct guest *g)
{
	uint16_t w = 0;
	int st = port_status(d, DOMID_SELF, g->local_port, &w);

	return st < 0 || st == EVTCHNSTAT_interdomain;
}

/* Whether the guest's port is one made for dom0 to bind (not yet bound). */
static bool bindable(struct daemon *d, uint16_t domid, uint32_t port)
{
	uint16_t w = 0;

	return port_status(d, domid, port, &w) == EVTCHNSTAT_unbound && w == 0;
}

/*
 * A connected domain's console nodes again: after a soft reset the
 * toolstack gives the same domain a new console port (its old one was
 * closed, which leaves ours unbound) and writes console/port again.  The
 * channel is bound afresh and the ring mapped again when they changed or
 * our end lost its peer, once the named port waits for dom0 (until then
 * the guest is left as it is: the toolstack writes console/port once the
 * port is there, and that write brings us back); the pty stays, so
 * `xl console` readers keep it.  -1 when that failed (the caller drops
 * the guest and connects anew).
 */
static int guest_refresh(struct daemon *d, struct guest *g)
{
	char *ref = dom_read(d, g->domid, "console/ring-ref");
	char *port = dom_read(d, g->domid, "console/port");
	uint64_t mfn, remote;
	int r = 0;

	if (!parse_number(ref, UINT64_MAX >> 12, &mfn) || !parse_number(port, 1u << 20, &remote) ||
	    (mfn == g->mfn && remote == g->remote_port && still_bound(d, g)) ||
	    !bindable(d, g->domid, (uint32_t)remote))
		goto out;
	ctrl_evtchn_unbind(d->evfd, g->local_port);
	g->local_port = 0;
	if (mfn != g->mfn) {
		unmap_ring(d, g);
		if (map_ring(d, g, mfn))
			goto lost;
		g->mfn = mfn;
	}
	r = ctrl_evtchn_bind_interdomain(d->evfd, g->domid, (uint32_t)remote);
	if (r <= 0)
		goto lost;
	g->local_port = (uint32_t)r;
	g->remote_port = (uint32_t)remote;
	r = 0;
	say(d, "d%u: console reconnected (port %u)\n", g->domid, g->remote_port);
	guest_output(d, g);
	goto out;
lost:
	say(d, "d%u: console lost on reconnecting\n", g->domid);
	r = -1;
out:
	free(ref), free(port);
	return r;
}

/* Take a guest off the list and free it. */
static void guest_drop(struct daemon *d, struct guest *g)
{
	struct guest **pp = &d->guests;

	while (*pp != g)
		pp = &(*pp)->next;
	*pp = g->next;
	guest_free(d, g);
	d->nguests--;
}

static struct guest *find_guest(struct daemon *d, uint16_t domid)
{
	for (struct guest *g = d->guests; g; g = g->next)
		if (g->domid == domid)
			return g;
	return NULL;
}

/* Drop the consoles of domains that are gone or dying. */
static void drop_unseen(struct daemon *d)
{
	struct guest **pp = &d->guests, *g;

	while ((g = *pp)) {
		if (g->seen) {
			pp = &g->next;
			continue;
		}
		*pp = g->next;
		say(d, "d%u: console closed\n", g->domid);
		guest_free(d, g);
		d->nguests--;
	}
}

/* Watch the console/ directory of every domain that exists. */
static void set_watch(struct daemon *d, uint16_t domid, bool on)
{
	char path[64];

	if (d->watched[domid] == on)
		return;
	snprintf(path, sizeof(path), "/local/domain/%u/console", domid);
	if (on)
		on = xs_watch(d->xs, path, "console");
	else
		xs_unwatch(d->xs, path, "console");
	d->watched[domid] = on;
}

/* Match the consoles to the hypervisor's domain list. */
static void scan_domains(struct daemon *d)
{
	bool live[DOMID_FIRST_RESERVED] = { false };
	struct xen_domctl_getdomaininfo *info = NULL;
	int n = ctrl_domain_list_all(&d->ctrl, &info);
	struct guest *g;

	if (n < 0)
		return;
	for (g = d->guests; g; g = g->next)
		g->seen = false;
	for (int i = 0; i < n; i++) {
		uint16_t domid = info[i].domain;

		if (domid == 0 || domid >= DOMID_FIRST_RESERVED || (info[i].flags & XEN_DOMINF_dying))
			continue;
		g = find_guest(d, domid);
		if (g && guest_refresh(d, g)) {
			guest_drop(d, g);
			g = NULL;
		}
		if (!g && d->nguests < MAX_GUESTS && (g = guest_connect(d, domid))) {
			g->next = d->guests;
			d->guests = g;
			d->nguests++;
			guest_output(d, g);
		}
		if (g)
			g->seen = true;
		live[domid] = true;
	}
	free(info);
	for (unsigned int id = 1; id < DOMID_FIRST_RESERVED; id++)
		set_watch(d, (uint16_t)id, live[id]);
	drop_unseen(d);
}

static void hv_log_read(struct daemon *d)
{
	static char buf[16384];
	int n;

	while ((n = ctrl_readconsole(&d->ctrl, buf, sizeof(buf), &d->hv_index, 0)) > 0)
		write_all(d->hv_log, buf, (size_t)n);
}

/* Ports that fired: a guest's output (or room for input), or the hypervisor's log. */
static void handle_events(struct daemon *d)
{
	uint32_t ports[64];
	int n = ctrl_evtchn_pending(d->evfd, ports, 64);

	for (int i = 0; i < n; i++) {
		if (d->hv_port && ports[i] == d->hv_port) {
			hv_log_read(d);
		} else {
			for (struct guest *g = d->guests; g; g = g->next)
				if (g->local_port == ports[i])
					guest_output(d, g);
		}
		ctrl_evtchn_unmask(d->evfd, ports[i]);
	}
}

static void handle_watches(struct daemon *d)
{
	char **ev;
	bool rescan = false;

	while ((ev = xs_check_watch(d->xs))) {
		rescan = true;
		free(ev);
	}
	if (errno != EAGAIN) {
		/* xenstored went away: nothing more can be found or told */
		say(d, "xenstore connection lost: %s\n", strerror(errno));
		stopping = 1;
		return;
	}
	if (rescan)
		scan_domains(d);
}

/* One poll round over xenstore, event channels and every pty. */
static void run_once(struct daemon *d)
{
	struct pollfd fds[2 + MAX_GUESTS];
	struct guest *order[MAX_GUESTS];
	unsigned int n = 2, k = 0;
	bool busy = false;
	struct guest *g;

	fds[0] = (struct pollfd){ .fd = xs_fileno(d->xs), .events = POLLIN };
	fds[1] = (struct pollfd){ .fd = d->evfd, .events = POLLIN };
	for (g = d->guests; g && k < MAX_GUESTS; g = g->next, k++) {
		order[k] = g;
		busy |= conring_pending(g->intf) > 0;
		fds[n++] = (struct pollfd){
			.fd = g->master,
			.events = (short)((conring_in_space(g->intf) ? POLLIN : 0) |
					  (g->queue.len ? POLLOUT : 0)),
		};
	}
	if (poll(fds, n, busy ? 0 : -1) < 0)
		return;
	if (fds[1].revents & POLLIN)
		handle_events(d);
	for (unsigned int i = 0; i < k; i++) {
		if (fds[2 + i].revents & POLLOUT)
			flush_pty(order[i]);
		if (fds[2 + i].revents & POLLIN)
			guest_input(d, order[i]);
		if (busy)
			guest_output(d, order[i]);
	}
	if (fds[0].revents & POLLIN)
		handle_watches(d);
}

static int setup_hv_log(struct daemon *d)
{
	char path[512];
	int r;

	snprintf(path, sizeof(path), "%s/hypervisor.log", d->log_dir);
	d->hv_log = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (d->hv_log < 0) {
		fprintf(stderr, "pxenconsoled: cannot open %s: %m\n", path);
		return -1;
	}
	r = ctrl_evtchn_bind_virq(d->evfd, VIRQ_CON_RING);
	if (r <= 0) {
		fprintf(stderr, "pxenconsoled: cannot bind VIRQ_CON_RING: %s\n", strerror(-r));
		return -1;
	}
	d->hv_port = (uint32_t)r;
	hv_log_read(d);
	return 0;
}

static int setup(struct daemon *d)
{
	int r = ctrl_open(&d->ctrl);

	if (r < 0) {
		fprintf(stderr, "pxenconsoled: cannot open privcmd: %s\n", strerror(-r));
		return -1;
	}
	d->evfd = ctrl_evtchn_open();
	if (d->evfd < 0) {
		fprintf(stderr, "pxenconsoled: cannot open /dev/xen/evtchn: %s\n",
			strerror(-d->evfd));
		return -1;
	}
	fcntl(d->evfd, F_SETFL, fcntl(d->evfd, F_GETFL) | O_NONBLOCK);
	d->gntfd = ctrl_gntdev_open(); /* without it: foreign maps only */
	d->xs = xs_open(0);
	if (!d->xs || !xs_watch(d->xs, "@introduceDomain", "domlist") ||
	    !xs_watch(d->xs, "@releaseDomain", "domlist")) {
		fprintf(stderr, "pxenconsoled: cannot watch xenstore: %m\n");
		return -1;
	}
	if ((d->log_guest || d->log_hv) && mkdir(d->log_dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "pxenconsoled: cannot create %s: %m\n", d->log_dir);
		return -1;
	}
	if (d->log_hv && setup_hv_log(d))
		return -1;
	scan_domains(d);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: pxenconsoled [-i] [-v] [--log=none|guest|hv|all] [--log-dir=DIR]\n"
		   "                    [--pid-file=FILE]\n"
		   "  -i, --interactive  stay in the foreground\n"
		   "  -v, --verbose      say what happens on stderr\n");
}

static int parse_log(struct daemon *d, const char *v)
{
	d->log_guest = !strcmp(v, "guest") || !strcmp(v, "all");
	d->log_hv = !strcmp(v, "hv") || !strcmp(v, "all");
	return d->log_guest || d->log_hv || !strcmp(v, "none") ? 0 : -1;
}

/*
 * Fork into the background; the parent exits once the child is set up
 * (status 0) or has failed (1), so "pxenconsoled && xl create" is safe.
 * Returns the pipe end the child reports on.
 */
static int background(void)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? 0 : 1);
	}
	close(p[0]);
	setsid();
	return p[1];
}

static void detach_stdio(int ready)
{
	int null = open("/dev/null", O_RDWR);

	if (ready >= 0) {
		write_all(ready, "", 1);
		close(ready);
	}
	if (null >= 0) {
		dup2(null, 0), dup2(null, 1), dup2(null, 2);
		close(null);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "interactive", 0, 0, 'i' }, { "verbose", 0, 0, 'v' },
		{ "log", 1, 0, 'l' },	      { "log-dir", 1, 0, 'd' },
		{ "pid-file", 1, 0, 'p' },    { "help", 0, 0, 'h' },
		{ 0, 0, 0, 0 },
	};
	struct daemon d = { .gntfd = -1, .hv_log = -1, .log_dir = "/var/log/xen/console" };
	const char *pid_file = NULL;
	bool interactive = false;
	int opt, ready = -1;
	sigset_t stop_sigs;
	FILE *f;

	while ((opt = getopt_long(argc, argv, "ivh", opts, NULL)) != -1) {
		switch (opt) {
		case 'i': interactive = true; break;
		case 'v': d.verbose = true; break;
		case 'd': d.log_dir = optarg; break;
		case 'p': pid_file = optarg; break;
		case 'l':
			if (parse_log(&d, optarg) == 0)
				break;
			fprintf(stderr, "pxenconsoled: --log=%s: none, guest, hv or all\n", optarg);
			return 2;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (!interactive && (ready = background()) < 0) {
		fprintf(stderr, "pxenconsoled: cannot fork: %m\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	/* xenstore's reader thread must not take the stop signals: block them
	 * while it starts, so that they interrupt the main thread's poll. */
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGTERM);
	sigaddset(&stop_sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_sigs, NULL);
	if (setup(&d))
		return 1;
	xs_fileno(d.xs);
	pthread_sigmask(SIG_UNBLOCK, &stop_sigs, NULL);
	if (pid_file && (f = fopen(pid_file, "w"))) {
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	if (!interactive)
		detach_stdio(ready);
	while (!stopping)
		run_once(&d);
	while (d.guests) {
		struct guest *g = d.guests;

		d.guests = g->next;
		guest_free(&d, g);
	}
	return 0;
}
