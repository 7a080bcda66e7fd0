// SPDX-License-Identifier: GPL-2.0
/*
 * Petrel xenstored: command line, Unix-socket transport and the event loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "xsd.h"
#include "ring.h"
#include "uring.h"

#define IN_BUF 16384

struct client {
	int fd;
	struct conn *c;
	struct client *dirty_next;
	bool dirty;
	bool is_ring;
	uint32_t ev; /* events currently registered */
	size_t in_off, in_len;
	size_t peeked; /* bytes at the head of the socket already fed (kept across a yield) */
	bool fired; /* its last answered request fired watch events for other clients (cl_recv) */
	char in[IN_BUF];
};

static int epfd = -1;
static struct client *dirty;
static volatile sig_atomic_t stop;
static char sock_path[4096], sock_ro_path[4200];
static const char *pid_file;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void cl_wake(struct conn *c)
{
	struct client *cl = c->tp;

	if (!cl->dirty) {
		cl->dirty = true;
		cl->dirty_next = dirty;
		dirty = cl;
	}
}

static void cl_close(struct conn *c)
{
	c->dead = true;
	cl_wake(c);
}

static const struct conn_ops sock_ops = { cl_wake, cl_close };

static void cl_update(struct client *cl)
{
	uint32_t want = 0;
	const char *p;
	struct epoll_event e;

	if (cl->fd < 0)
		return;
	if (xsd_conn_can_read(cl->c))
		want |= EPOLLIN;
	if (xsd_conn_output(cl->c, &p))
		want |= EPOLLOUT;
	if (want == cl->ev)
		return;
	e.events = want;
	e.data.ptr = cl;
	epoll_ctl(epfd, EPOLL_CTL_MOD, cl->fd, &e);
	cl->ev = want;
}

static void cl_free(struct client *cl)
{
	struct client **pp;

	for (pp = &dirty; *pp; pp = &(*pp)->dirty_next) {
		if (*pp == cl) {
			*pp = cl->dirty_next;
			break;
		}
	}
	if (cl->fd >= 0) {
		epoll_ctl(epfd, EPOLL_CTL_DEL, cl->fd, NULL);
		close(cl->fd);
	}
	xsd_conn_free(cl->c);
	free(cl);
}

/* Where input that was peeked and already taken into a client's buffer is dropped. */
static char sink[IN_BUF];

/* Send what we can; false if the client is gone. */
static bool cl_flush(struct client *cl)
{
	const char *p;
	size_t n;

	while ((n = xsd_conn_output(cl->c, &p)) > 0) {
		ssize_t w = send(cl->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			return false;
		}
		xsd_conn_consumed(cl->c, w);
	}
	return true;
}

/*
 * Send what other socket clients have queued (the watch events fired by the
 * request just processed) before the reply to this one.  A client that waits
 * for both, as a writer watching its own node through a second connection
 * does, then finds the event there when the reply wakes it instead of
 * sleeping a second time.  Errors and frees are left to flush_dirty(), which
 * runs after the events of the current epoll batch are handled.  True if
 * there was something to send.
 */
static bool flush_others(struct client *self)
{
	struct client *cl;
	const char *p;
	bool any = false;

	for (cl = dirty; cl; cl = cl->dirty_next)
		if (cl != self && !cl->c->dead && cl->fd >= 0 && xsd_conn_output(cl->c, &p)) {
			any = true;
			cl_flush(cl);
		}
	return any;
}

/* What an io_uring operation's result says: false if the client is gone. */
static bool uring_ok(ssize_t res)
{
	return res >= 0 || res == -EAGAIN || res == -EINTR;
}

/*
 * Send cl's reply and drop *drop bytes of its peeked input in one system
 * call.  Removing a client's message from the socket wakes every task
 * waiting on the client's end (the kernel tells them the client may write
 * again), and a client blocked reading its reply is such a task: it would
 * wake for nothing and, on the daemon's CPU, preempt the daemon for it.
 * Dropped after the reply and in the same system call, the message finds the
 * client already woken by the reply.  False if cl is gone.
 */
static bool cl_flush_batch(struct client *cl, size_t *drop)
{
	struct uring_io io[2];
	const char *p;
	size_t len = xsd_conn_output(cl->c, &p);

	if (!len) /* no reply (a header without its payload): the input is dropped later */
		return true;
	io[0] = (struct uring_io){ .fd = cl->fd, .buf = (void *)p, .len = len };
	io[1] = (struct uring_io){ .fd = cl->fd, .recv = true, .buf = sink, .len = *drop };
	if (!uring_run(io, 2))
		return cl_flush(cl);
	if (io[0].res > 0)
		xsd_conn_consumed(cl->c, io[0].res);
	if (io[1].res > 0)
		*drop -= io[1].res;
	/* what a short send left */
	return uring_ok(io[0].res) && uring_ok(io[1].res) && cl_flush(cl);
}

/*
 * Send the watch events that handling cl's input fired (plain sends: in one
 * io_uring submission with the reply they cost the daemon more than they
 * saved, docs/performance.md), then the reply; false if cl is gone.
 */
static bool cl_flush_all(struct client *cl, size_t *drop)
{
	bool others = flush_others(cl);
	const char *p;

	if (others || xsd_conn_output(cl->c, &p))
		cl->fired = others;
	if (drop && *drop && uring_ready())
		return cl_flush_batch(cl, drop);
	return cl_flush(cl);
}

/* Feed buffered input while the connection accepts it; false if it must go. */
static bool cl_feed(struct client *cl, size_t *drop)
{
	while (cl->in_off < cl->in_len) {
		long used = xsd_conn_input(cl->c, cl->in + cl->in_off, cl->in_len - cl->in_off);

		if (used < 0)
			return false;
		cl->in_off += used;
		if (!cl_flush_all(cl, drop))
			return false;
		if (!used)
			break;
	}
	if (cl->in_off == cl->in_len)
		cl->in_off = cl->in_len = 0;
	return true;
}

/* Drop n bytes of input that were peeked and are already in the client's buffer. */
static bool cl_discard(struct client *cl, size_t n)
{
	while (n) {
		ssize_t r = recv(cl->fd, sink, n, MSG_DONTWAIT);

		if (r <= 0 && !(r < 0 && errno == EINTR))
			return false;
		if (r > 0)
			n -= r;
	}
	return true;
}

/*
 * Take what the client sent and answer it.  With an io_uring the input is
 * only peeked here and removed after the reply is sent (cl_flush_batch()),
 * unless the client's last request fired watch events: a client that writes
 * watched nodes (xsload's watch row) is not woken less by that, and the
 * peek is then a system call more.
 */
static bool cl_recv(struct client *cl, bool keep_partial)
{
	bool peek = uring_ready() && !cl->fired;
	ssize_t n = recv(cl->fd, cl->in, sizeof(cl->in), MSG_DONTWAIT | (peek ? MSG_PEEK : 0));
	size_t drop;

	if (n == 0 || (n > 0 && (size_t)n < cl->peeked))
		return false;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR;
	cl->in_off = cl->peeked;
	cl->in_len = n;
	cl->peeked = 0;
	drop = peek ? (size_t)n : 0;
	if (!cl_feed(cl, &drop))
		return false;
	/* a message still incomplete and nothing answered: leave it in the
	 * socket for the next look, which peeks it again with what follows */
	if (keep_partial && drop == (size_t)n && !cl->in_len && cl->c->hdr_got) {
		cl->peeked = n;
		return true;
	}
	return !drop || cl_discard(cl, drop);
}

/*
 * Read and process what the client sent.  Clients that write a message's
 * header and payload with two calls (Debian's libxenstore does) wake us with
 * the header alone; rather than sleep in epoll_wait() until the payload
 * arrives, give the CPU away once and look again.  The client, which is
 * usually in the middle of that second write, finishes it, and the request is
 * answered without a second wake-up.  One retry only: a client that stops
 * half-way costs a yield and a recv, never a wait.
 */
static bool cl_read(struct client *cl)
{
	if (cl->in_len)
		return cl_feed(cl, NULL);
	if (!cl_recv(cl, true))
		return false;
	if (!cl->in_len && cl->c->hdr_got && !cl->c->dead) {
		sched_yield();
		/* whatever is still unanswered leaves the socket now, so that a
		 * client that stops half-way does not keep it readable */
		return cl_recv(cl, false);
	}
	return true;
}

static void cl_service(struct client *cl, uint32_t events)
{
	bool ok = true;

	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		ok = cl_read(cl);
	if (ok && (events & EPOLLOUT)) {
		ok = cl_flush(cl);
		if (ok && cl->in_len)
			ok = cl_feed(cl, NULL);
	}
	if (!ok || cl->c->dead) {
		cl_free(cl);
		return;
	}
	cl_update(cl);
}

static int listen_on(const char *path, struct xsd *d)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		xsd_log(d, 0, "socket path too long: %s", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(path, 0600) ||
	    listen(fd, 128)) {
		xsd_log(d, 0, "cannot listen on %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* A descriptor kept in reserve so that a client can be refused when we run out. */
static int spare_fd = -1;

static void accept_one(struct xsd *d, int lfd, bool ro)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	struct client *cl;
	struct epoll_event e;

	if (fd < 0) {
		if ((errno == EMFILE || errno == ENFILE) && spare_fd >= 0) {
			/* out of descriptors: take the connection and drop it at
			 * once, or the listening socket would stay readable and spin */
			close(spare_fd);
			fd = accept(lfd, NULL, NULL);
			if (fd >= 0)
				close(fd);
			spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
			xsd_log(d, 0, "out of file descriptors: connection refused");
		}
		return;
	}
	cl = malloc(sizeof(*cl));
	if (!cl) {
		close(fd);
		return;
	}
	cl->fd = fd;
	cl->dirty = false;
	cl->is_ring = false;
	cl->in_off = cl->in_len = cl->peeked = 0;
	cl->c = xsd_conn_new(d, 0, true, ro, &sock_ops, cl);
	if (!cl->c) {
		close(fd);
		free(cl);
		return;
	}
	cl->ev = EPOLLIN;
	e.events = EPOLLIN;
	e.data.ptr = cl;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e))
		cl_free(cl);
}

static void flush_dirty(void)
{
	while (dirty) {
		struct client *cl = dirty;

		dirty = cl->dirty_next;
		cl->dirty = false;
		if (cl->c->dead || !cl_flush(cl)) {
			cl_free(cl);
			continue;
		}
		cl_update(cl);
	}
}

static void usage(FILE *f)
{
	fputs("Usage: xenstored [options]\n"
	      "  -N, --no-fork            stay in the foreground\n"
	      "  -F, --pid-file FILE      write the daemon's pid to FILE\n"
	      "  -P, --output-pid         print the pid on stdout\n"
	      "  -T, --trace-file FILE    trace every message to FILE\n"
	      "  -V, --verbose            log more\n"
	      "  -D, --no-domain-init     do not set up dom0's ring\n"
	      "  -E, --entry-nb N         nodes per domain (1000)\n"
	      "  -S, --entry-size N       bytes per node (2048)\n"
	      "  -W, --watch-nb N         watches per domain (128)\n"
	      "  -t, --transaction N      transactions per domain (10)\n"
	      "  -A, --perm-nb N          permissions per node (5)\n"
	      "  -M, --path-max N         path length for domains (2048)\n"
	      "  -Q, --quota WHAT=N       transaction-nodes, memory, outstanding\n"
	      "  -q, --quota-soft WHAT=N  memory\n"
	      "  -H, --help               this text\n"
	      "Socket: $XENSTORED_PATH, else $XENSTORED_RUNDIR/socket, else "
	      "/run/xenstored/socket; read-only: the same path with _ro.\n",
	      f);
}

static bool num_arg(const char *s, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return !errno && *s && !*end && *v >= 0;
}

static int quota_arg(struct xsd_quota *q, const char *s, bool soft)
{
	const char *eq = strchr(s, '=');
	long v;

	if (!eq || !num_arg(eq + 1, &v))
		return -1;
	if (soft && !strncmp(s, "memory=", 7))
		q->memory_soft = v;
	else if (!soft && !strncmp(s, "memory=", 7))
		q->memory = v;
	else if (!soft && !strncmp(s, "transaction-nodes=", 18))
		q->txn_nodes = v;
	else if (!soft && !strncmp(s, "outstanding=", 12))
		q->outstanding = v;
	else
		return -1;
	return 0;
}

struct opts {
	bool no_fork, out_pid, no_dom_init;
	const char *trace;
};

static int parse_opts(int argc, char **argv, struct xsd *d, struct opts *o)
{
	static const struct option lo[] = {
		{ "no-domain-init", 0, NULL, 'D' }, { "pid-file", 1, NULL, 'F' },
		{ "help", 0, NULL, 'H' },	    { "no-fork", 0, NULL, 'N' },
		{ "output-pid", 0, NULL, 'P' },	    { "trace-file", 1, NULL, 'T' },
		{ "entry-nb", 1, NULL, 'E' },	    { "entry-size", 1, NULL, 'S' },
		{ "watch-nb", 1, NULL, 'W' },	    { "transaction", 1, NULL, 't' },
		{ "perm-nb", 1, NULL, 'A' },	    { "path-max", 1, NULL, 'M' },
		{ "quota", 1, NULL, 'Q' },	    { "quota-soft", 1, NULL, 'q' },
		{ "timeout", 1, NULL, 'w' },	    { "no-recovery", 0, NULL, 'R' },
		{ "internal-db", 2, NULL, 'I' },    { "keep-orphans", 0, NULL, 'K' },
		{ "verbose", 0, NULL, 'V' },	    { NULL, 0, NULL, 0 }
	};
	struct xsd_quota *q = &d->q;
	long v = 0;
	int ch;

	while ((ch = getopt_long(argc, argv, "DF:HNPT:E:S:W:t:A:M:Q:q:w:RI::KV", lo, NULL)) != -1) {
		bool bad = false;

		if (strchr("ESWtAM", ch) && !num_arg(optarg, &v))
			bad = true;
		switch (ch) {
		case 'D':
			o->no_dom_init = true;
			break;
		case 'F':
			pid_file = optarg;
			break;
		case 'H':
			usage(stdout);
			exit(0);
		case 'N':
			o->no_fork = true;
			break;
		case 'P':
			o->out_pid = true;
			break;
		case 'T':
			o->trace = optarg;
			break;
		case 'E':
			q->nodes = v;
			break;
		case 'S':
			q->entry_size = v;
			break;
		case 'W':
			q->watches = v;
			break;
		case 't':
			q->transactions = v;
			break;
		case 'A':
			q->perms = v;
			break;
		case 'M':
			q->path_max = v;
			break;
		case 'Q':
			bad = quota_arg(q, optarg, false) < 0;
			break;
		case 'q':
			bad = quota_arg(q, optarg, true) < 0;
			break;
		case 'V':
			d->verbose++;
			break;
		case 'w':
		case 'R':
		case 'I':
		case 'K':
			break;
		default:
			usage(stderr);
			return -1;
		}
		if (bad) {
			fprintf(stderr, "xenstored: bad value for -%c: %s\n", ch, optarg);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xenstored: unexpected argument %s\n", argv[optind]);
		return -1;
	}
	return 0;
}

static void socket_paths(void)
{
	const char *p = getenv("XENSTORED_PATH");
	const char *rd = getenv("XENSTORED_RUNDIR");

	if (p && *p)
		snprintf(sock_path, sizeof(sock_path), "%s", p);
	else
		snprintf(sock_path, sizeof(sock_path), "%s/socket",
			 rd && *rd ? rd : "/run/xenstored");
	snprintf(sock_ro_path, sizeof(sock_ro_path), "%s_ro", sock_path);
}

static int add_listener(int fd, uintptr_t tag)
{
	struct epoll_event e = { .events = EPOLLIN, .data.u64 = tag };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e);
}

static void event_loop(struct xsd *d, int lfd, int lfd_ro)
{
	struct epoll_event ev[64];

	while (!stop) {
		int n = epoll_wait(epfd, ev, 64, -1), i;

		if (n < 0 && errno != EINTR) {
			xsd_log(d, 0, "epoll_wait: %s", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			if (ev[i].data.u64 == 1)
				accept_one(d, lfd, false);
			else if (ev[i].data.u64 == 2)
				accept_one(d, lfd_ro, true);
			else if (ev[i].data.u64 == 3)
				ring_xen_ports(d);
			else
				cl_service(ev[i].data.ptr, ev[i].events);
		}
		ring_xen_service(d);
		flush_dirty();
	}
}

int main(int argc, char **argv)
{
	struct xsd *d = xsd_new();
	struct opts o = { 0 };
	int lfd, lfd_ro, rfd;

	if (!d) {
		fprintf(stderr, "xenstored: out of memory\n");
		return 1;
	}
	if (parse_opts(argc, argv, d, &o))
		return 2;
	if (o.trace && !(d->trace = fopen(o.trace, "a"))) {
		fprintf(stderr, "xenstored: cannot open trace file %s: %s\n", o.trace,
			strerror(errno));
		return 1;
	}
	if (d->trace)
		setvbuf(d->trace, NULL, _IOLBF, 0);
	socket_paths();
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!getenv("XENSTORED_NO_URING") || !*getenv("XENSTORED_NO_URING"))
		uring_init();
	xsd_log(d, 1, "socket replies %s",
		uring_ready() ? "through io_uring" : "by plain recv/send (no io_uring)");
	spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	lfd = listen_on(sock_path, d);
	lfd_ro = listen_on(sock_ro_path, d);
	if (epfd < 0 || lfd < 0 || lfd_ro < 0 || add_listener(lfd, 1) || add_listener(lfd_ro, 2))
		return 1;
	rfd = ring_xen_init(d, !o.no_dom_init);
	if (rfd >= 0)
		add_listener(rfd, 3);
	if (!o.no_fork) {
		if (daemon(0, 0)) {
			perror("xenstored: daemon");
			return 1;
		}
		openlog("xenstored", LOG_PID, LOG_DAEMON);
		d->use_syslog = true;
	}
	if (pid_file) {
		FILE *f = fopen(pid_file, "w");

		if (!f || fprintf(f, "%d\n", getpid()) < 0 || fclose(f)) {
			xsd_log(d, 0, "cannot write pid file %s", pid_file);
			return 1;
		}
	}
	if (o.out_pid) {
		printf("%d\n", getpid());
		fflush(stdout);
	}
	xsd_log(d, 1, "listening on %s and %s", sock_path, sock_ro_path);
	event_loop(d, lfd, lfd_ro);
	unlink(sock_path);
	unlink(sock_ro_path);
	if (pid_file)
		unlink(pid_file);
	xsd_free(d);
	return 0;
}
