/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Petrel xenstored: the shared-page ring transport (struct xenstore_domain_interface).
 */
#ifndef PETREL_XSD_RING_H
#define PETREL_XSD_RING_H

#include <stddef.h>

#include "xsd.h"

/* Copy up to len bytes out of a ring (peek: indexes untouched); returns count. */
size_t xs_ring_peek(const char *ring, XENSTORE_RING_IDX cons, XENSTORE_RING_IDX prod, void *buf,
		    size_t len);
/* Copy up to len bytes into a ring at prod; returns count (free space bound). */
size_t xs_ring_put(char *ring, XENSTORE_RING_IDX cons, XENSTORE_RING_IDX prod, const void *buf, size_t len);
/* True if the indexes are sane (producer at most one ring ahead of consumer). */
int xs_ring_sane(XENSTORE_RING_IDX cons, XENSTORE_RING_IDX prod);

struct ring_conn {
	struct xenstore_domain_interface *page;
	struct conn *c;
	void (*notify)(struct ring_conn *rc);
	void *priv;
	int port;
	bool broken;
};

/* Daemon side: move requests in and replies out; returns 1 if it moved data. */
int ring_service(struct ring_conn *rc);
struct ring_conn *ring_conn_new(struct xsd *d, struct xenstore_domain_interface *page, uint32_t domid, bool priv,
				void (*notify)(struct ring_conn *), void *p);
void ring_conn_free(struct ring_conn *rc);

/*
 * Xen transport: opens /dev/xen/evtchn (returns its fd to poll, or -1 when
 * there is none), maps dom0's ring from /proc/xen/xsd_kva if dom0 is set, and
 * maps each INTRODUCEd domain's ring through /dev/xen/gntdev.
 */
int ring_xen_init(struct xsd *d, bool dom0);
/* Consume and unmask the pending ports; call when the evtchn fd is readable. */
void ring_xen_ports(struct xsd *d);
/* Take requests from and hand output to every domain's ring; call after each
 * batch of events, since socket requests also queue output for domains. */
void ring_xen_service(struct xsd *d);

#endif
