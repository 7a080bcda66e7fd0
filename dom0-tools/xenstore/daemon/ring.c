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
#include "domctl.h"

#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

int xs_ring_sane(XENSTORE_RING_IDX cons, XENSTORE_RING_IDX prod)
{
	return (XENSTORE_RING_IDX)(prod - cons) <= XENSTORE_RING_SIZE;
}

size_t xs_ring_peek(const char *ring, XENSTORE_RING_IDX cons, XENSTORE_RING_IDX prod, void *buf, size_t len)
{
	size_t avail = (XENSTORE_RING_IDX)(prod - cons), first, done = 0;

	if (avail > XENSTORE_RING_SIZE)
		return 0;
	if (len > avail)
		len = avail;
	while (done < len) {
		first = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons + done);
		if (first > len - done)
			first = len - done;
		memcpy((char *)buf + done, ring + MASK_XENSTORE_IDX(cons + done), first);
		done += first;
	}
	return len;
}

size_t xs_ring_put(char *ring, XENSTORE_RING_IDX cons, XENSTORE_RING_IDX prod, const void *buf, size_t len)
{
	size_t used = (XENSTORE_RING_IDX)(prod - cons), space, first, done = 0;

	if (used > XENSTORE_RING_SIZE)
		return 0;
	space = XENSTORE_RING_SIZE - used;
	if (len > space)
		len = space;
	while (done < len) {
		first = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod + done);
		if (first > len - done)
			first = len - done;
		memcpy(ring + MASK_XENSTORE_IDX(prod + done), (const char *)buf + done, first);
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

struct ring_conn *ring_conn_new(struct xsd *d, struct xenstore_domain_interface *page, uint32_t domid, bool priv,
				void (*notify)(struct ring_conn *), void *p)
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
	page->server_features = XENSTORE_SERVER_FEATURE_RECONNECTION;
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
	struct xenstore_domain_interface *pg = rc->page;
	XENSTORE_RING_IDX cons = READ_ONCE(pg->rsp_cons), prod = READ_ONCE(pg->rsp_prod);
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
	struct xenstore_domain_interface *pg = rc->page;
	XENSTORE_RING_IDX cons = READ_ONCE(pg->req_cons), prod = READ_ONCE(pg->req_prod);
	char buf[XENSTORE_RING_SIZE];
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
	if (READ_ONCE(rc->page->connection) == XENSTORE_RECONNECT) {
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
		WRITE_ONCE(rc->page->connection, XENSTORE_CONNECTED);
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

/* ---- Xen backends: /dev/xen/evtchn, /dev/xen/gntdev, /proc/xen/xsd_* ---- */

struct ioctl_evtchn_bind_interdomain {
	unsigned int remote_domain, remote_port;
};
struct ioctl_evtchn_port {
	unsigned int port;
};
/* Linux's evtchn and gntdev device interfaces: _IOC(_IOC_NONE, type, nr, size) */
#define XEN_IOC(t, nr, sz) (((unsigned long)(t) << 8) | (nr) | ((unsigned long)(sz) << 16))
#define IOCTL_EVTCHN_BIND_VIRQ XEN_IOC('E', 0, sizeof(struct ioctl_evtchn_port))
#define IOCTL_EVTCHN_BIND_INTERDOMAIN XEN_IOC('E', 1, sizeof(struct ioctl_evtchn_bind_interdomain))
#define IOCTL_EVTCHN_UNBIND XEN_IOC('E', 3, sizeof(struct ioctl_evtchn_port))
#define IOCTL_EVTCHN_NOTIFY XEN_IOC('E', 4, sizeof(struct ioctl_evtchn_port))

struct gntdev_grant_ref {
	uint32_t domid;
	uint32_t ref;
};
struct gntdev_map {
	uint32_t count;
	uint32_t pad;
	uint64_t index;
	struct gntdev_grant_ref refs[1];
};
struct gntdev_unmap {
	uint64_t index;
	uint32_t count;
	uint32_t pad;
};
_Static_assert(sizeof(struct gntdev_map) == 24, "gntdev map layout");
_Static_assert(sizeof(struct gntdev_unmap) == 16, "gntdev unmap layout");
#define IOCTL_GNTDEV_MAP_GRANT_REF XEN_IOC('G', 0, sizeof(struct gntdev_map))
#define IOCTL_GNTDEV_UNMAP_GRANT_REF XEN_IOC('G', 1, sizeof(struct gntdev_unmap))

/* privcmd: one hypercall with up to five arguments, run by dom0's kernel. */
struct privcmd_hypercall {
	uint64_t op;
	uint64_t arg[5];
};
_Static_assert(sizeof(struct privcmd_hypercall) == 48, "privcmd hypercall layout");
#define IOCTL_PRIVCMD_HYPERCALL XEN_IOC('P', 0, sizeof(struct privcmd_hypercall))
#define HYPERVISOR_DOMCTL 36

/* Xen raises this virtual interrupt in dom0 when a domain dies or shuts down. */
#define VIRQ_DOM_EXC 3

/* The grant reference every domain reserves for its xenstore page. */
#define GNTTAB_RESERVED_XENSTORE 1

/* One mapped ring (dom0's or a guest's). */
struct xen_ring {
	struct xen_ring *next;
	struct ring_conn *rc;
	uint32_t domid;
	uint64_t gnt_index;
	bool granted;
	bool warned;
};

static struct xen_ring *rings;
static int evtchn_fd = -1;
static int dom_exc_port = -1;
static int gntdev_fd = -1;
static int privcmd_fd = -1;

/*
 * Ask the hypervisor about a domain (domctl getdomaininfo through privcmd).
 * Gone means: no such domain (ESRCH, or Xen answering with the next domain
 * up), or dying.  Any other failure keeps the domain.
 */
static bool xen_domain_gone(struct xsd *d, uint32_t domid)
{
	static struct xen_domctl dc __attribute__((aligned(4096)));
	struct privcmd_hypercall h = { HYPERVISOR_DOMCTL, { (uintptr_t)&dc } };

	if (privcmd_fd < 0) {
		privcmd_fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
		if (privcmd_fd < 0)
			return false;
		/* the hypervisor reads and writes this page directly */
		mlock(&dc, sizeof(dc));
	}
	memset(&dc, 0, sizeof(dc));
	dc.cmd = XEN_DOMCTL_getdomaininfo;
	dc.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	dc.domain = domid;
	if (ioctl(privcmd_fd, IOCTL_PRIVCMD_HYPERCALL, &h) < 0) {
		if (errno == ESRCH)
			return true;
		xsd_log(d, 1, "domain %u: getdomaininfo: %s", domid, strerror(errno));
		return false;
	}
	if (dc.u.getdomaininfo.domain != domid)
		return true;
	return dc.u.getdomaininfo.flags & XEN_DOMINF_dying;
}

static void xen_notify(struct ring_conn *rc)
{
	struct ioctl_evtchn_port n = { (unsigned int)rc->port };

	if (ioctl(evtchn_fd, IOCTL_EVTCHN_NOTIFY, &n) < 0)
		xsd_log(rc->c->d, 1, "notify of port %d failed: %s", rc->port, strerror(errno));
}

static struct xen_ring *add_ring(struct xsd *d, void *page, uint32_t domid, bool priv, int lport)
{
	struct xen_ring *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->rc = ring_conn_new(d, page, domid, priv, xen_notify, r);
	if (!r->rc) {
		free(r);
		return NULL;
	}
	r->rc->port = lport;
	r->domid = domid;
	r->next = rings;
	rings = r;
	return r;
}

static int bind_port(struct xsd *d, uint32_t domid, uint32_t port)
{
	struct ioctl_evtchn_bind_interdomain b = { domid, port };
	int lport = ioctl(evtchn_fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b);

	if (lport < 0)
		xsd_log(d, 0, "domain %u: cannot bind event channel %u: %s", domid, port,
			strerror(errno));
	return lport;
}

/* INTRODUCE: map the domain's ring page through its reserved grant. */
static struct conn *xen_map_domain(struct xsd *d, struct domain *dom)
{
	struct gntdev_map m = { 1, 0, 0, { { dom->domid, GNTTAB_RESERVED_XENSTORE } } };
	struct xen_ring *r;
	void *page;
	int lport;

	if (gntdev_fd < 0)
		gntdev_fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);
	if (gntdev_fd < 0 || ioctl(gntdev_fd, IOCTL_GNTDEV_MAP_GRANT_REF, &m) < 0) {
		xsd_log(d, 0, "domain %u: cannot map its xenstore grant: %s", dom->domid,
			strerror(errno));
		return NULL;
	}
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, gntdev_fd, m.index);
	if (page == MAP_FAILED)
		goto unmap;
	lport = bind_port(d, dom->domid, dom->port);
	if (lport < 0)
		goto munmap;
	r = add_ring(d, page, dom->domid, false, lport);
	if (!r) {
		struct ioctl_evtchn_port u = { (unsigned int)lport };

		ioctl(evtchn_fd, IOCTL_EVTCHN_UNBIND, &u);
		goto munmap;
	}
	r->granted = true;
	r->gnt_index = m.index;
	/* the guest may have written requests before we were told about it */
	ring_service(r->rc);
	return r->rc->c;
munmap:
	munmap(page, 4096);
unmap : {
	struct gntdev_unmap u = { m.index, 1, 0 };

	ioctl(gntdev_fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
}
	return NULL;
}

static void xen_unmap_domain(struct xsd *d, struct domain *dom)
{
	struct xen_ring **pp, *r;

	(void)d;
	for (pp = &rings; (r = *pp); pp = &r->next) {
		struct ioctl_evtchn_port u;

		if (r->domid != dom->domid || !r->granted)
			continue;
		*pp = r->next;
		u.port = r->rc->port;
		ioctl(evtchn_fd, IOCTL_EVTCHN_UNBIND, &u);
		munmap(r->rc->page, 4096);
		{
			struct gntdev_unmap gu = { r->gnt_index, 1, 0 };

			ioctl(gntdev_fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &gu);
		}
		ring_conn_free(r->rc);
		free(r);
		return;
	}
}

/*
 * dom0's ring from /proc/xen/xsd_kva and xsd_port (absent: sockets only).
 * A dom0 kernel started without a store event channel allocated the page and
 * an unbound port itself and waits for the daemon's first notification
 * before it uses the ring, so the daemon signals the port once set up.
 */
static void dom0_ring(struct xsd *d)
{
	struct xen_ring *r;
	unsigned int port;
	void *page;
	FILE *f;
	int fd, lport;

	f = fopen("/proc/xen/xsd_port", "r");
	if (!f) {
		xsd_log(d, 0, "no dom0 ring: /proc/xen/xsd_port: %s", strerror(errno));
		return;
	}
	if (fscanf(f, "%u", &port) != 1) {
		xsd_log(d, 0, "no dom0 ring: /proc/xen/xsd_port holds no port number");
		fclose(f);
		return;
	}
	fclose(f);
	fd = open("/proc/xen/xsd_kva", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		xsd_log(d, 0, "no dom0 ring: /proc/xen/xsd_kva: %s", strerror(errno));
		return;
	}
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (page == MAP_FAILED) {
		xsd_log(d, 0, "no dom0 ring: mmap of /proc/xen/xsd_kva: %s", strerror(errno));
		return;
	}
	lport = bind_port(d, 0, port);
	r = lport < 0 ? NULL : add_ring(d, page, 0, true, lport);
	if (!r) {
		munmap(page, 4096);
		return;
	}
	xsd_log(d, 1, "dom0 ring on event channel %u (local %d)", port, lport);
	/* requests queued before we came, then the wake-up dom0 waits for */
	ring_service(r->rc);
	xen_notify(r->rc);
}

int ring_xen_init(struct xsd *d, bool dom0)
{
	evtchn_fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (evtchn_fd < 0)
		return -1; /* not a Xen-style dom0: Unix sockets only */
	d->map_domain = xen_map_domain;
	d->unmap_domain = xen_unmap_domain;
	d->domain_gone = xen_domain_gone;
	{
		struct ioctl_evtchn_port v = { VIRQ_DOM_EXC };

		dom_exc_port = ioctl(evtchn_fd, IOCTL_EVTCHN_BIND_VIRQ, &v);
		if (dom_exc_port < 0)
			xsd_log(d, 0, "cannot bind VIRQ_DOM_EXC: %s", strerror(errno));
	}
	if (dom0)
		dom0_ring(d);
	return evtchn_fd;
}

void ring_xen_ports(struct xsd *d)
{
	unsigned int ports[64];
	bool dom_exc = false;
	ssize_t n;

	if (evtchn_fd < 0)
		return;
	while ((n = read(evtchn_fd, ports, sizeof(ports))) > 0) {
		ssize_t i;

		for (i = 0; i < n / (ssize_t)sizeof(ports[0]); i++) {
			/* some domain died or shut down: release the dead ones
			 * and tell the toolstack */
			if (dom_exc_port >= 0 && ports[i] == (unsigned int)dom_exc_port)
				dom_exc = true;
		}
		(void)!write(evtchn_fd, ports, n);
	}
	if (dom_exc)
		xsd_domain_exc(d);
}

void ring_xen_service(struct xsd *d)
{
	struct xen_ring *r;

	for (r = rings; r; r = r->next) {
		ring_service(r->rc);
		if (r->rc->broken && !r->warned) {
			r->warned = true;
			xsd_log(d, 0, "domain %u: ring protocol violation, connection ignored",
				r->domid);
		}
	}
}
