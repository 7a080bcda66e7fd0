// SPDX-License-Identifier: GPL-2.0
/*
 * Petrel xenstored: shared-page ring transport.
 *
 * A ring page holds two 1 KiB byte rings with free-running 32-bit indexes.
 * The daemon consumes req[] and produces rsp[].  Indexes written by the other
 * side are read once into locals and checked; a domain that publishes
 * impossible indexes gets its connection marked broken, never a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ring.h"

#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

int xs_ring_sane(xs_ring_idx_t cons, xs_ring_idx_t prod)
{
	return (xs_ring_idx_t)(prod - cons) <= XS_RING_SIZE;
}

size_t xs_ring_peek(const char *ring, xs_ring_idx_t cons, xs_ring_idx_t prod, void *buf,
		    size_t len)
{
	size_t avail = (xs_ring_idx_t)(prod - cons), first, done = 0;

	if (avail > XS_RING_SIZE)
		return 0;
	if (len > avail)
		len = avail;
	while (done < len) {
		first = XS_RING_SIZE - XS_RING_MASK(cons + done);
		if (first > len - done)
			first = len - done;
		memcpy((char *)buf + done, ring + XS_RING_MASK(cons + done), first);
		done += first;
	}
	return len;
}

size_t xs_ring_put(char *ring, xs_ring_idx_t cons, xs_ring_idx_t prod, const void *buf, size_t len)
{
	size_t used = (xs_ring_idx_t)(prod - cons), space, first, done = 0;

	if (used > XS_RING_SIZE)
		return 0;
	space = XS_RING_SIZE - used;
	if (len > space)
		len = space;
	while (done < len) {
		first = XS_RING_SIZE - XS_RING_MASK(prod + done);
		if (first > len - done)
			first = len - done;
		memcpy(ring + XS_RING_MASK(prod + done), (const char *)buf + done, first);
		done += first;
	}
	return len;
}

static void rc_wake(struct conn *c)
{
	(void)c;
}

static void rc_close(struct conn *c)
{
	c->dead = true;
}

static const struct conn_ops ring_ops = { rc_wake, rc_close };

struct ring_conn *ring_conn_new(struct xsd *d, struct xs_ring_page *page, uint32_t domid,
				bool priv, void (*notify)(struct ring_conn *), void *p)
{
	struct ring_conn *rc = calloc(1, sizeof(*rc));

	if (!rc)
		return NULL;
	rc->page = page;
	rc->notify = notify;
	rc->priv = p;
	rc->c = xsd_conn_new(d, domid, priv, false, &ring_ops, rc);
	if (!rc->c) {
		free(rc);
		return NULL;
	}
	page->server_features = XS_SERVER_FEATURE_RECONNECTION;
	return rc;
}

void ring_conn_free(struct ring_conn *rc)
{
	if (!rc)
		return;
	if (rc->c)
		xsd_conn_free(rc->c);
	free(rc);
}

static int ring_out(struct ring_conn *rc)
{
	struct xs_ring_page *pg = rc->page;
	xs_ring_idx_t cons = READ_ONCE(pg->rsp_cons), prod = READ_ONCE(pg->rsp_prod);
	const char *p;
	size_t n = xsd_conn_output(rc->c, &p), put;

	if (!n)
		return 0;
	if (!xs_ring_sane(cons, prod)) {
		rc->broken = true;
		return 0;
	}
	mb();
	put = xs_ring_put(pg->rsp, cons, prod, p, n);
	if (!put)
		return 0;
	wmb();
	WRITE_ONCE(pg->rsp_prod, prod + put);
	xsd_conn_consumed(rc->c, put);
	return 1;
}

static int ring_in(struct ring_conn *rc)
{
	struct xs_ring_page *pg = rc->page;
	xs_ring_idx_t cons = READ_ONCE(pg->req_cons), prod = READ_ONCE(pg->req_prod);
	char buf[XS_RING_SIZE];
	size_t n;
	long used;

	if (!xs_ring_sane(cons, prod)) {
		rc->broken = true;
		return 0;
	}
	rmb();
	n = xs_ring_peek(pg->req, cons, prod, buf, sizeof(buf));
	if (!n || !xsd_conn_can_read(rc->c))
		return 0;
	used = xsd_conn_input(rc->c, buf, n);
	if (used < 0) {
		rc->broken = true;
		return 0;
	}
	mb();
	WRITE_ONCE(pg->req_cons, cons + used);
	return used > 0;
}

int ring_service(struct ring_conn *rc)
{
	int moved = 0, m;

	if (rc->broken)
		return 0;
	if (READ_ONCE(rc->page->connection) == XS_RING_RECONNECT) {
		/* the domain asked for a fresh start: forget its state */
		struct xsd *d = rc->c->d;
		uint32_t domid = rc->c->domid;
		bool priv = rc->c->priv;

		xsd_conn_free(rc->c);
		rc->c = xsd_conn_new(d, domid, priv, false, &ring_ops, rc);
		if (!rc->c) {
			rc->broken = true;
			return 0;
		}
		WRITE_ONCE(rc->page->req_cons, READ_ONCE(rc->page->req_prod));
		WRITE_ONCE(rc->page->rsp_prod, READ_ONCE(rc->page->rsp_cons));
		wmb();
		WRITE_ONCE(rc->page->connection, XS_RING_CONNECTED);
		moved = 1;
	}
	do {
		m = ring_out(rc);
		m |= ring_in(rc);
		m |= ring_out(rc);
		moved |= m;
	} while (m && !rc->broken && !rc->c->dead);
	if (rc->c->dead)
		rc->broken = true;
	if (moved && rc->notify)
		rc->notify(rc);
	return moved;
}

/* ---- dom0: /proc/xen/xsd_kva + /dev/xen/evtchn ---- */

struct evtchn_bind_interdomain {
	unsigned int remote_domain, remote_port;
};
struct evtchn_notify {
	unsigned int port;
};
/* Linux's evtchn device interface: _IOC(_IOC_NONE, 'E', nr, size) */
#define EVTCHN_IOC(nr, sz) (((unsigned long)'E' << 8) | (nr) | ((unsigned long)(sz) << 16))
#define IOCTL_EVTCHN_BIND_INTERDOMAIN EVTCHN_IOC(1, sizeof(struct evtchn_bind_interdomain))
#define IOCTL_EVTCHN_NOTIFY EVTCHN_IOC(4, sizeof(struct evtchn_notify))

static struct ring_conn *dom0_rc;
static int evtchn_fd = -1;

static void dom0_notify(struct ring_conn *rc)
{
	struct evtchn_notify n = { (unsigned int)rc->port };

	ioctl(evtchn_fd, IOCTL_EVTCHN_NOTIFY, &n);
}

int ring_dom0_init(struct xsd *d)
{
	struct evtchn_bind_interdomain b = { 0, 0 };
	unsigned int port;
	void *page;
	FILE *f;
	int fd, lport;

	f = fopen("/proc/xen/xsd_port", "r");
	if (!f)
		return -1; /* no Xen-style dom0 kernel here: sockets only */
	if (fscanf(f, "%u", &port) != 1) {
		fclose(f);
		return -1;
	}
	fclose(f);
	fd = open("/proc/xen/xsd_kva", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -1;
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (page == MAP_FAILED)
		return -1;
	evtchn_fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (evtchn_fd < 0) {
		xsd_log(d, 0, "dom0 ring: cannot open /dev/xen/evtchn: %s", strerror(errno));
		return -1;
	}
	b.remote_port = port;
	lport = ioctl(evtchn_fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);
	if (lport < 0) {
		xsd_log(d, 0, "dom0 ring: cannot bind port %u: %s", port, strerror(errno));
		return -1;
	}
	dom0_rc = ring_conn_new(d, page, 0, true, dom0_notify, NULL);
	if (!dom0_rc)
		return -1;
	dom0_rc->port = lport;
	xsd_log(d, 1, "dom0 ring on port %u (local %d)", port, lport);
	return evtchn_fd;
}

void ring_dom0_poll(struct xsd *d)
{
	unsigned int p;

	(void)d;
	if (!dom0_rc)
		return;
	if (evtchn_fd >= 0 && read(evtchn_fd, &p, sizeof(p)) == sizeof(p))
		(void)!write(evtchn_fd, &p, sizeof(p)); /* unmask */
	ring_service(dom0_rc);
}
