// SPDX-License-Identifier: LGPL-2.1
/*
 * Petrel libxenstore.so.4.
 *
 * One request is in flight per handle (request_mutex).  Messages are read by
 * whichever thread needs one while nobody else is reading (leader/follower):
 * it queues watch events, hands a reply to the thread waiting for it, and
 * wakes the others.  So a thread blocked in xs_read_watch() never stops
 * another thread's requests, and a plain request/reply costs no thread hop.
 * The first xs_fileno() starts a reader thread that reads everything from
 * then on, keeping a pipe readable while events are queued, so that the
 * descriptor can be polled.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "xs_proto.h" /* before xenstore.h: the wire header defines XS_WATCH_* */
#include "xenstore.h"

struct xs_msg {
	struct xs_msg *next;
	struct xsd_sockmsg hdr;
	char body[]; /* hdr.len bytes + NUL */
};

struct xs_handle {
	int fd;
	unsigned long flags;
	pthread_mutex_t request_mutex; /* one exchange at a time */
	pthread_mutex_t lock;	       /* guards everything below */
	pthread_cond_t reply_cond;
	pthread_cond_t watch_cond;
	struct xs_msg *reply; /* handed over by the reader */
	struct xs_msg *watch_head, *watch_tail;
	int watch_pipe[2];
	bool reader_on;
	bool reading;	  /* some thread is inside read_msg() */
	bool want_reader; /* start the reader when that read returns */
	bool broken;
	bool no_dir_part; /* the daemon does not know DIRECTORY_PART */
	bool is_socket;
	int broken_errno;
	pthread_t reader;
	size_t roff, rlen; /* unread bytes: rbuf[roff..rlen) */
	char rbuf[2 * (XENSTORE_PAYLOAD_MAX + sizeof(struct xsd_sockmsg))];
};

/* ---- paths of the daemon ---- */

const char *xs_daemon_rundir(void)
{
	const char *s = getenv("XENSTORED_RUNDIR");

	return s && *s ? s : "/var/run/xenstored";
}

const char *xs_daemon_socket(void)
{
	static __thread char buf[PATH_MAX];
	const char *s = getenv("XENSTORED_PATH");

	if (s && *s)
		return s;
	snprintf(buf, sizeof(buf), "%s/socket", xs_daemon_rundir());
	return buf;
}

/* Xen 4.17 retired the separate read-only socket in its library: same path.
 * (Petrel's daemon still offers <socket>_ro for clients that ask for it.) */
const char *xs_daemon_socket_ro(void)
{
	return xs_daemon_socket();
}

static const char *domain_dev(void)
{
	return access("/dev/xen/xenbus", F_OK) == 0 ? "/dev/xen/xenbus" : "/proc/xen/xenbus";
}

/* ---- low-level I/O ---- */

bool xs_write_all(int fd, const void *data, unsigned int len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (n == 0) {
			errno = EIO;
			return false;
		}
		p += n;
		len -= n;
	}
	return true;
}

/*
 * Buffered input: one read() usually brings a whole reply (or several
 * events).  Only the thread that is reading (h->reading or the reader
 * thread) touches the buffer.
 */
static bool read_buf(struct xs_handle *h, void *data, size_t len)
{
	char *p = data;

	while (len) {
		size_t k;

		if (h->roff == h->rlen) {
			ssize_t n = read(h->fd, h->rbuf, sizeof(h->rbuf));

			if (n < 0) {
				if (errno == EINTR)
					continue;
				return false;
			}
			if (n == 0) {
				errno = ECONNRESET;
				return false;
			}
			h->roff = 0;
			h->rlen = n;
		}
		k = h->rlen - h->roff;
		if (k > len)
			k = len;
		memcpy(p, h->rbuf + h->roff, k);
		h->roff += k;
		p += k;
		len -= k;
	}
	return true;
}

static struct xs_msg *read_msg(struct xs_handle *xh)
{
	struct xsd_sockmsg h;
	struct xs_msg *m;

	if (!read_buf(xh, &h, sizeof(h)))
		return NULL;
	if (h.len > XENSTORE_PAYLOAD_MAX) {
		errno = E2BIG;
		return NULL;
	}
	m = malloc(sizeof(*m) + h.len + 1);
	if (!m)
		return NULL;
	m->next = NULL;
	m->hdr = h;
	if (!read_buf(xh, m->body, h.len)) {
		free(m);
		return NULL;
	}
	m->body[h.len] = 0;
	return m;
}

/* Queue a watch event (lock held). */
static void queue_event(struct xs_handle *h, struct xs_msg *m)
{
	bool was_empty = !h->watch_head;

	if (h->watch_tail)
		h->watch_tail->next = m;
	else
		h->watch_head = m;
	h->watch_tail = m;
	if (was_empty && h->watch_pipe[1] >= 0) {
		char c = 0;

		(void)!write(h->watch_pipe[1], &c, 1);
	}
	pthread_cond_broadcast(&h->watch_cond);
}

/* Queue or hand over one message that was read (lock held). */
static void dispatch(struct xs_handle *h, struct xs_msg *m, int err)
{
	if (!m) {
		h->broken = true;
		h->broken_errno = err ? err : EIO;
	} else if (m->hdr.type == XS_WATCH_EVENT) {
		queue_event(h, m);
	} else {
		free(h->reply); /* a stray reply nobody waits for */
		h->reply = m;
	}
	pthread_cond_broadcast(&h->reply_cond);
	pthread_cond_broadcast(&h->watch_cond);
}

static void *reader_main(void *arg)
{
	struct xs_handle *h = arg;

	for (;;) {
		struct xs_msg *m = read_msg(h);
		int err = errno, old;

		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
		pthread_mutex_lock(&h->lock);
		dispatch(h, m, err);
		pthread_mutex_unlock(&h->lock);
		if (!m)
			return NULL;
		pthread_setcancelstate(old, NULL);
	}
}

/* Start the reader thread (lock held, nobody reading). */
static int spawn_reader(struct xs_handle *h)
{
	sigset_t all, old;
	int err;

	/* the reader must not take the application's signals */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&h->reader, NULL, reader_main, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!err)
		h->reader_on = true;
	h->want_reader = false;
	return err;
}

/*
 * Wait (lock held) until *ready is non-NULL or the connection broke, reading
 * messages ourselves while no other thread does.
 */
static void wait_for(struct xs_handle *h, void *const *ready, pthread_cond_t *cond)
{
	while (!*ready && !h->broken) {
		if (!h->reader_on && !h->reading) {
			struct xs_msg *m;
			int err;

			h->reading = true;
			pthread_mutex_unlock(&h->lock);
			m = read_msg(h);
			err = errno;
			pthread_mutex_lock(&h->lock);
			h->reading = false;
			dispatch(h, m, err);
			if (h->want_reader && !h->broken)
				spawn_reader(h);
		} else {
			pthread_cond_wait(cond, &h->lock);
		}
	}
}

/*
 * xs_fileno(): from now on a reader thread reads everything.  If another
 * thread is blocked reading right now, it starts the reader itself once its
 * read returns (want_reader), so nobody waits here for an event.
 */
static int start_reader(struct xs_handle *h)
{
	int err = 0;

	pthread_mutex_lock(&h->lock);
	if (h->watch_pipe[0] < 0) {
		if (pipe2(h->watch_pipe, O_CLOEXEC | O_NONBLOCK)) {
			err = errno;
		} else if (h->watch_head) {
			char c = 0;

			(void)!write(h->watch_pipe[1], &c, 1);
		}
	}
	if (!err && !h->reader_on) {
		if (h->reading)
			h->want_reader = true;
		else
			err = spawn_reader(h);
	}
	pthread_mutex_unlock(&h->lock);
	if (err)
		errno = err;
	return err ? -1 : 0;
}

/* Wait for the reply to the request just sent (request_mutex held). */
static struct xs_msg *get_reply(struct xs_handle *h)
{
	struct xs_msg *m;

	pthread_mutex_lock(&h->lock);
	wait_for(h, (void *const *)&h->reply, &h->reply_cond);
	m = h->reply;
	h->reply = NULL;
	if (!m)
		errno = h->broken_errno;
	pthread_mutex_unlock(&h->lock);
	return m;
}

static int error_from_name(const char *s)
{
	static const struct {
		const char *name;
		int err;
	} tab[] = {
#define X(e) { #e, e },
		XS_ERROR_NAMES
#undef X
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (!strcmp(s, tab[i].name))
			return tab[i].err;
	return EINVAL;
}

/* Write to the daemon; a socket that went away is EPIPE, never SIGPIPE. */
static ssize_t send_iov(struct xs_handle *h, struct iovec *v, unsigned int n)
{
	struct msghdr mh = { .msg_iov = v, .msg_iovlen = n };
	ssize_t r;

	do {
		r = h->is_socket ? sendmsg(h->fd, &mh, MSG_NOSIGNAL) : writev(h->fd, v, n);
	} while (r < 0 && errno == EINTR);
	return r;
}

static bool send_all(struct xs_handle *h, void *data, size_t len)
{
	while (len) {
		struct iovec v = { data, len };
		ssize_t n = send_iov(h, &v, 1);

		if (n <= 0) {
			if (!n)
				errno = EIO;
			return false;
		}
		data = (char *)data + n;
		len -= n;
	}
	return true;
}

/*
 * Send one request built from iov[] and return its reply payload (malloc'd,
 * NUL-terminated; length in *len), or NULL with errno set.
 */
static void *xs_talkv(struct xs_handle *h, xs_transaction_t t, uint32_t type,
		      const struct iovec *iov, unsigned int niov, unsigned int *len)
{
	struct xsd_sockmsg hdr = { type, 0, t, 0 };
	struct iovec v[8];
	struct xs_msg *m;
	unsigned int i;
	size_t total;
	char *ret;
	int saved;

	if (!h) {
		errno = EINVAL;
		return NULL;
	}
	if (niov > 7) {
		errno = E2BIG;
		return NULL;
	}
	for (i = 0; i < niov; i++) {
		hdr.len += iov[i].iov_len;
		v[i + 1] = iov[i];
	}
	if (hdr.len > XENSTORE_PAYLOAD_MAX) {
		errno = E2BIG;
		return NULL;
	}
	v[0].iov_base = &hdr;
	v[0].iov_len = sizeof(hdr);
	total = sizeof(hdr) + hdr.len;
	pthread_mutex_lock(&h->request_mutex);
	{
		ssize_t n = send_iov(h, v, niov + 1);

		if (n >= 0 && (size_t)n < total) {
			/* short write: send the rest piecewise */
			size_t off = n;

			for (i = 0; i <= niov && off; i++) {
				if (off >= v[i].iov_len) {
					off -= v[i].iov_len;
					v[i].iov_len = 0;
				} else {
					v[i].iov_base = (char *)v[i].iov_base + off;
					v[i].iov_len -= off;
					off = 0;
				}
			}
			for (i = 0; i <= niov; i++)
				if (v[i].iov_len && !send_all(h, v[i].iov_base, v[i].iov_len))
					n = -1;
		}
		if (n < 0) {
			saved = errno;
			pthread_mutex_unlock(&h->request_mutex);
			errno = saved;
			return NULL;
		}
	}
	m = get_reply(h);
	saved = errno;
	pthread_mutex_unlock(&h->request_mutex);
	if (!m) {
		errno = saved;
		return NULL;
	}
	if (m->hdr.type == XS_ERROR) {
		saved = error_from_name(m->body);
		free(m);
		errno = saved;
		return NULL;
	}
	if (m->hdr.type != type) {
		free(m);
		errno = EINVAL;
		return NULL;
	}
	if (len)
		*len = m->hdr.len;
	/* hand out the payload alone: move it to the front of the block */
	memmove(m, m->body, m->hdr.len + 1);
	ret = (char *)m;
	errno = 0; /* as Xen's library: success leaves errno clear */
	return ret;
}

static void *xs_single(struct xs_handle *h, xs_transaction_t t, uint32_t type, const char *s,
		       unsigned int *len)
{
	struct iovec iov = { (void *)s, strlen(s) + 1 };

	return xs_talkv(h, t, type, &iov, 1, len);
}

static bool xs_bool(char *reply)
{
	if (!reply)
		return false;
	free(reply);
	return true;
}

/* ---- connections ---- */

static struct xs_handle *get_handle(const char *path)
{
	struct xs_handle *h;
	struct stat st;
	int fd;

	bool is_socket = stat(path, &st) == 0 && S_ISSOCK(st.st_mode);

	if (is_socket) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };

		if (strlen(path) >= sizeof(sa.sun_path)) {
			errno = ENAMETOOLONG;
			return NULL;
		}
		strcpy(sa.sun_path, path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return NULL;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			int e = errno;

			close(fd);
			errno = e;
			return NULL;
		}
	} else {
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		close(fd);
		return NULL;
	}
	h->fd = fd;
	h->is_socket = is_socket;
	h->watch_pipe[0] = h->watch_pipe[1] = -1;
	pthread_mutex_init(&h->request_mutex, NULL);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->reply_cond, NULL);
	pthread_cond_init(&h->watch_cond, NULL);
	return h;
}

struct xs_handle *xs_open(unsigned long flags)
{
	struct xs_handle *h;

	h = get_handle(xs_daemon_socket());
	if (!h && !(flags & XS_OPEN_SOCKETONLY))
		h = get_handle(domain_dev());
	if (h)
		h->flags = flags;
	return h;
}

struct xs_handle *xs_daemon_open(void)
{
	return xs_open(0);
}

struct xs_handle *xs_domain_open(void)
{
	return xs_open(0);
}

struct xs_handle *xs_daemon_open_readonly(void)
{
	return xs_open(XS_OPEN_READONLY);
}

static void free_handle(struct xs_handle *h)
{
	while (h->watch_head) {
		struct xs_msg *m = h->watch_head;

		h->watch_head = m->next;
		free(m);
	}
	free(h->reply);
	if (h->watch_pipe[0] >= 0) {
		close(h->watch_pipe[0]);
		close(h->watch_pipe[1]);
	}
	pthread_mutex_destroy(&h->request_mutex);
	pthread_mutex_destroy(&h->lock);
	pthread_cond_destroy(&h->reply_cond);
	pthread_cond_destroy(&h->watch_cond);
	free(h);
}

void xs_close(struct xs_handle *h)
{
	if (!h)
		return;
	if (h->reader_on) {
		pthread_cancel(h->reader);
		pthread_join(h->reader, NULL);
	}
	close(h->fd);
	free_handle(h);
}

void xs_daemon_close(struct xs_handle *h)
{
	xs_close(h);
}

void xs_daemon_destroy_postfork(struct xs_handle *h)
{
	if (!h)
		return;
	/* the reader thread does not exist in the child */
	close(h->fd);
	free_handle(h);
}

/* ---- store operations ---- */

/* Split n NUL-terminated strings into a single-allocation char *[]. */
static char **split_strings(char *buf, unsigned int len, unsigned int *num)
{
	unsigned int n = 0, i;
	char **ret, *p;

	for (i = 0; i < len; i++)
		if (!buf[i])
			n++;
	ret = malloc(n * sizeof(char *) + len + 1);
	if (!ret) {
		free(buf);
		return NULL;
	}
	p = (char *)(ret + n);
	memcpy(p, buf, len);
	p[len] = 0;
	free(buf);
	for (i = 0; i < n; i++) {
		ret[i] = p;
		p += strlen(p) + 1;
	}
	*num = n;
	return ret;
}

static char **directory_part(struct xs_handle *h, xs_transaction_t t, const char *path,
			     unsigned int *num)
{
	char gen[32] = "", off[16], *acc = NULL;
	unsigned int alen = 0, tries = 0;

	for (;;) {
		struct iovec iov[2];
		unsigned int len, glen, rlen;
		char *r, *na;

		snprintf(off, sizeof(off), "%u", alen);
		iov[0] = (struct iovec){ (void *)path, strlen(path) + 1 };
		iov[1] = (struct iovec){ off, strlen(off) + 1 };
		r = xs_talkv(h, t, XS_DIRECTORY_PART, iov, 2, &len);
		if (!r)
			goto fail;
		glen = strnlen(r, len);
		if (glen >= len || glen >= sizeof(gen)) {
			free(r);
			errno = EIO;
			goto fail;
		}
		if (!alen) {
			strcpy(gen, r);
		} else if (strcmp(gen, r)) {
			/* the directory changed under us: start over */
			free(r);
			alen = 0;
			if (++tries > 100) {
				errno = EAGAIN;
				goto fail;
			}
			continue;
		}
		rlen = len - glen - 1;
		na = realloc(acc, alen + rlen + 1);
		if (!na) {
			free(r);
			goto fail;
		}
		acc = na;
		memcpy(acc + alen, r + glen + 1, rlen);
		free(r);
		/* the last part ends with an empty name */
		if (rlen == 0 ||
		    (acc[alen + rlen - 1] == 0 && (rlen == 1 || acc[alen + rlen - 2] == 0))) {
			alen += rlen ? rlen - 1 : 0;
			return split_strings(acc, alen, num);
		}
		alen += rlen;
	}
fail:
	free(acc);
	return NULL;
}

char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *num)
{
	unsigned int len;
	char *r;

	/*
	 * DIRECTORY_PART first: a small directory comes back whole in one
	 * round trip, a large one without the failed DIRECTORY before it.
	 * Daemons without it (ENOSYS) get plain DIRECTORY from then on.
	 */
	if (h && !h->no_dir_part) {
		char **v = directory_part(h, t, path, num);

		if (v || (errno != ENOSYS && errno != EINVAL))
			return v;
		if (errno == ENOSYS)
			h->no_dir_part = true;
	}
	r = xs_single(h, t, XS_DIRECTORY, path, &len);

	if (!r) {
		if (errno == E2BIG)
			return directory_part(h, t, path, num);
		return NULL;
	}
	return split_strings(r, len, num);
}

void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len)
{
	return xs_single(h, t, XS_READ, path, len);
}

bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
	      unsigned int len)
{
	struct iovec iov[2] = { { (void *)path, strlen(path) + 1 }, { (void *)data, len } };

	return xs_bool(xs_talkv(h, t, XS_WRITE, iov, 2, NULL));
}

bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	return xs_bool(xs_single(h, t, XS_MKDIR, path, NULL));
}

bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
	return xs_bool(xs_single(h, t, XS_RM, path, NULL));
}

bool xs_restrict(struct xs_handle *h, unsigned domid)
{
	(void)h;
	(void)domid;
	errno = ENOSYS;
	return false;
}

bool xs_strings_to_perms(struct xs_permissions *perms, unsigned int num, const char *strings)
{
	const char *p = strings;
	unsigned int i;

	for (i = 0; i < num; i++) {
		char *end;
		unsigned long id;

		switch (*p) {
		case 'n':
			perms[i].perms = XS_PERM_NONE;
			break;
		case 'r':
			perms[i].perms = XS_PERM_READ;
			break;
		case 'w':
			perms[i].perms = XS_PERM_WRITE;
			break;
		case 'b':
			perms[i].perms = XS_PERM_READ | XS_PERM_WRITE;
			break;
		default:
			errno = EINVAL;
			return false;
		}
		errno = 0;
		id = strtoul(p + 1, &end, 10);
		if (errno || end == p + 1 || *end || id > UINT_MAX) {
			errno = EINVAL;
			return false;
		}
		perms[i].id = id;
		p = end + 1;
	}
	return true;
}

struct xs_permissions *xs_get_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
					  unsigned int *num)
{
	unsigned int len, n = 0, i;
	char *r = xs_single(h, t, XS_GET_PERMS, path, &len);
	struct xs_permissions *ret;

	if (!r)
		return NULL;
	for (i = 0; i < len; i++)
		if (!r[i])
			n++;
	ret = malloc((n ? n : 1) * sizeof(*ret));
	if (!ret || !xs_strings_to_perms(ret, n, r)) {
		int e = ret ? errno : ENOMEM;

		free(ret);
		free(r);
		errno = e;
		return NULL;
	}
	free(r);
	*num = n;
	return ret;
}

bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
			struct xs_permissions *perms, unsigned int num_perms)
{
	static const char letters[] = "nrwb";
	char buf[XENSTORE_PAYLOAD_MAX];
	unsigned int i, off = 0;
	struct iovec iov[2];

	for (i = 0; i < num_perms; i++) {
		int l;

		if (perms[i].perms & ~(XS_PERM_READ | XS_PERM_WRITE)) {
			errno = EINVAL;
			return false;
		}
		l = snprintf(buf + off, sizeof(buf) - off, "%c%u", letters[perms[i].perms & 3],
			     perms[i].id);
		if (l < 0 || (unsigned int)l + 1 >= sizeof(buf) - off) {
			errno = E2BIG;
			return false;
		}
		off += l + 1;
	}
	iov[0] = (struct iovec){ (void *)path, strlen(path) + 1 };
	iov[1] = (struct iovec){ buf, off };
	return xs_bool(xs_talkv(h, t, XS_SET_PERMS, iov, 2, NULL));
}

/* ---- watches ---- */

bool xs_watch(struct xs_handle *h, const char *path, const char *token)
{
	struct iovec iov[2] = { { (void *)path, strlen(path) + 1 },
				{ (void *)token, strlen(token) + 1 } };

	if (!h) {
		errno = EINVAL;
		return false;
	}
	return xs_bool(xs_talkv(h, XBT_NULL, XS_WATCH, iov, 2, NULL));
}

int xs_fileno(struct xs_handle *h)
{
	if (!h) {
		errno = EINVAL;
		return -1;
	}
	if (start_reader(h))
		return -1;
	return h->watch_pipe[0];
}

/* Take the first queued event (lock held) as a {path, token} vector. */
static char **take_event(struct xs_handle *h, unsigned int *num)
{
	struct xs_msg *m = h->watch_head;
	unsigned int n;
	char **v;

	h->watch_head = m->next;
	if (!h->watch_head) {
		char c;

		h->watch_tail = NULL;
		if (h->watch_pipe[0] >= 0)
			while (read(h->watch_pipe[0], &c, 1) == 1)
				;
	}
	v = split_strings(memmove(m, m->body, m->hdr.len + 1), m->hdr.len, &n);
	if (v && n < 2) {
		free(v);
		errno = EIO;
		return NULL;
	}
	if (v && num)
		*num = n;
	return v;
}

char **xs_check_watch(struct xs_handle *h)
{
	char **v = NULL;

	if (!h) {
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&h->lock);
	if (h->watch_head)
		v = take_event(h, NULL);
	else
		errno = h->broken ? h->broken_errno : EAGAIN;
	pthread_mutex_unlock(&h->lock);
	return v;
}

char **xs_read_watch(struct xs_handle *h, unsigned int *num)
{
	char **v = NULL;

	if (!h) {
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_lock(&h->lock);
	wait_for(h, (void *const *)&h->watch_head, &h->watch_cond);
	if (h->watch_head)
		v = take_event(h, num);
	else
		errno = h->broken_errno;
	pthread_mutex_unlock(&h->lock);
	return v;
}

bool xs_path_is_subpath(const char *parent, const char *child)
{
	size_t pl = strlen(parent);

	if (pl && parent[pl - 1] == '/')
		pl--;
	if (strncmp(child, parent, pl))
		return false;
	return child[pl] == 0 || child[pl] == '/';
}

bool xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
	struct iovec iov[2] = { { (void *)path, strlen(path) + 1 },
				{ (void *)token, strlen(token) + 1 } };
	bool ok = xs_bool(xs_talkv(h, XBT_NULL, XS_UNWATCH, iov, 2, NULL));

	if (ok && (h->flags & XS_UNWATCH_FILTER)) {
		struct xs_msg **pp, *m;

		pthread_mutex_lock(&h->lock);
		h->watch_tail = NULL;
		for (pp = &h->watch_head; (m = *pp);) {
			const char *ep = m->body;
			const char *et = ep + strlen(ep) + 1;

			if (et < m->body + m->hdr.len && !strcmp(et, token) &&
			    xs_path_is_subpath(path, ep)) {
				*pp = m->next;
				free(m);
				continue;
			}
			h->watch_tail = m;
			pp = &m->next;
		}
		if (!h->watch_head && h->watch_pipe[0] >= 0) {
			char c;

			while (read(h->watch_pipe[0], &c, 1) == 1)
				;
		}
		pthread_mutex_unlock(&h->lock);
	}
	return ok;
}

/* ---- transactions ---- */

xs_transaction_t xs_transaction_start(struct xs_handle *h)
{
	char *r = xs_single(h, XBT_NULL, XS_TRANSACTION_START, "", NULL);
	unsigned long id;
	char *end;

	if (!r)
		return XBT_NULL;
	errno = 0;
	id = strtoul(r, &end, 10);
	if (errno || end == r || id == 0 || id > UINT32_MAX) {
		free(r);
		errno = EIO;
		return XBT_NULL;
	}
	free(r);
	return id;
}

bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
	return xs_bool(xs_single(h, t, XS_TRANSACTION_END, abort ? "F" : "T", NULL));
}

/* ---- domains ---- */

bool xs_introduce_domain(struct xs_handle *h, unsigned int domid, unsigned long mfn,
			 unsigned int eventchn)
{
	char a[16], b[24], c[16];
	struct iovec iov[3] = { { a, 0 }, { b, 0 }, { c, 0 } };

	iov[0].iov_len = snprintf(a, sizeof(a), "%u", domid) + 1;
	iov[1].iov_len = snprintf(b, sizeof(b), "%lu", mfn) + 1;
	iov[2].iov_len = snprintf(c, sizeof(c), "%u", eventchn) + 1;
	return xs_bool(xs_talkv(h, XBT_NULL, XS_INTRODUCE, iov, 3, NULL));
}

bool xs_set_target(struct xs_handle *h, unsigned int domid, unsigned int target)
{
	char a[16], b[16];
	struct iovec iov[2] = { { a, 0 }, { b, 0 } };

	iov[0].iov_len = snprintf(a, sizeof(a), "%u", domid) + 1;
	iov[1].iov_len = snprintf(b, sizeof(b), "%u", target) + 1;
	return xs_bool(xs_talkv(h, XBT_NULL, XS_SET_TARGET, iov, 2, NULL));
}

static char *domid_req(struct xs_handle *h, uint32_t type, unsigned int domid)
{
	char a[16];

	snprintf(a, sizeof(a), "%u", domid);
	return xs_single(h, XBT_NULL, type, a, NULL);
}

bool xs_resume_domain(struct xs_handle *h, unsigned int domid)
{
	return xs_bool(domid_req(h, XS_RESUME, domid));
}

bool xs_release_domain(struct xs_handle *h, unsigned int domid)
{
	return xs_bool(domid_req(h, XS_RELEASE, domid));
}

char *xs_get_domain_path(struct xs_handle *h, unsigned int domid)
{
	return domid_req(h, XS_GET_DOMAIN_PATH, domid);
}

bool xs_is_domain_introduced(struct xs_handle *h, unsigned int domid)
{
	char *r = domid_req(h, XS_IS_DOMAIN_INTRODUCED, domid);
	bool ret;

	if (!r)
		return false;
	ret = !strcmp(r, "T");
	free(r);
	return ret;
}

char *xs_control_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len)
{
	struct iovec iov[2] = { { (void *)cmd, strlen(cmd) + 1 }, { data, len } };

	return xs_talkv(h, XBT_NULL, XS_CONTROL, iov, 2, NULL);
}

char *xs_debug_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len)
{
	return xs_control_command(h, cmd, data, len);
}

int xs_suspend_evtchn_port(int domid)
{
	char path[64], *v;
	struct xs_handle *h;
	unsigned int len;
	int port = -1;

	h = xs_open(0);
	if (!h)
		return -1;
	snprintf(path, sizeof(path), "/local/domain/%d/device/suspend/event-channel", domid);
	v = xs_read(h, XBT_NULL, path, &len);
	if (v) {
		char *end;
		long p = strtol(v, &end, 10);

		if (end != v && !*end && p >= 0 && p <= INT32_MAX)
			port = p;
		free(v);
	}
	xs_close(h);
	return port;
}
