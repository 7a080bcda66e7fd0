// SPDX-License-Identifier: GPL-2.0
/*
 * Petrel xenstored: connections (message assembly, reply queue), daemon
 * state, logging.  Transport-independent.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "xsd.h"

void xsd_default_quota(struct xsd_quota *q)
{
	q->nodes = 1000;
	q->entry_size = 2048;
	q->watches = 128;
	q->transactions = 10;
	q->perms = 5;
	q->path_max = 2048;
	q->txn_nodes = 1024;
	q->memory = 2 * 1024 * 1024 + 512 * 1024;
	q->memory_soft = 2 * 1024 * 1024;
	q->outstanding = 20;
	q->out_bytes_max = 16L * 1024 * 1024;
}

void xsd_log(struct xsd *d, int level, const char *fmt, ...)
{
	FILE *f = d->logf ? d->logf : stderr;
	va_list ap;

	if (level > d->verbose)
		return;
	va_start(ap, fmt);
	if (d->use_syslog) {
		vsyslog(level ? LOG_INFO : LOG_WARNING, fmt, ap);
		va_end(ap);
		return;
	}
	fputs("xenstored: ", f);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
	va_end(ap);
}

void xsd_quota_hit(struct xsd *d, struct conn *c, const char *what)
{
	d->quota_hits++;
	xsd_log(d, 0, "domain %u: quota '%s' reached", c ? c->domid : 0, what);
}

static int make_node(struct xsd *d, struct node *n, const char *path, uint32_t owner)
{
	struct xs_perm p = { owner, XS_PERM_NONE };

	memset(n, 0, sizeof(*n));
	n->path = strdup(path);
	if (!n->path)
		return -ENOMEM;
	n->plen = strlen(path);
	n->hash = xs_hash(path, n->plen);
	(void)d;
	return node_set_perms(n, &p, 1);
}

static int create_plain(struct xsd *d, const char *path, const char *kids, uint32_t klen)
{
	struct node *n = node_new(path, strlen(path));
	struct xs_perm p = { 0, XS_PERM_NONE };

	if (!n || node_set_value(n, "", 0) || node_set_perms(n, &p, 1) ||
	    (klen && node_add_kid(n, kids, klen))) {
		node_free(n);
		return -ENOMEM;
	}
	if (!n->kids) {
		n->kids = malloc(1);
		if (!n->kids) {
			node_free(n);
			return -ENOMEM;
		}
	}
	return st_create(d, NULL, n);
}

struct xsd *xsd_new(void)
{
	struct xsd *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	xsd_default_quota(&d->q);
	if (create_plain(d, "/", "tool", 4) || create_plain(d, "/tool", "xenstored", 9) ||
	    create_plain(d, "/tool/xenstored", NULL, 0) ||
	    make_node(d, &d->special_intro, "@introduceDomain", 0) ||
	    make_node(d, &d->special_release, "@releaseDomain", 0) || !dom_acct(d, 0, true)) {
		xsd_free(d);
		return NULL;
	}
	d->domains->introduced = true;
	return d;
}

void xsd_free(struct xsd *d)
{
	if (!d)
		return;
	while (d->conns)
		xsd_conn_free(d->conns);
	htab_destroy(&d->store, node_free);
	free(d->watches.b);
	free(d->special_intro.path);
	free(d->special_intro.perms);
	free(d->special_release.path);
	free(d->special_release.perms);
	while (d->domains) {
		struct domain *dom = d->domains;

		d->domains = dom->next;
		free(dom);
	}
	free(d);
}

struct conn *xsd_conn_new(struct xsd *d, uint32_t domid, bool priv, bool ro,
			  const struct conn_ops *ops, void *tp)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->d = d;
	c->domid = domid;
	c->priv = priv;
	c->ro = ro;
	c->ops = ops;
	c->tp = tp;
	c->next_txid = 1;
	c->next = d->conns;
	if (d->conns)
		d->conns->prev = c;
	d->conns = c;
	return c;
}

void xsd_conn_free(struct conn *c)
{
	struct xsd *d = c->d;
	struct domain *dom;

	watch_del_all(c);
	while (c->txns) {
		struct txn *t = c->txns;

		c->txns = t->next;
		txn_free(t);
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		d->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	for (dom = d->domains; dom; dom = dom->next)
		if (dom->conn == c)
			dom->conn = NULL;
	free(c->out);
	free(c);
}

/* Room for len more bytes of output; false (and conn marked dead) if it is too much. */
static bool out_reserve(struct conn *c, size_t len)
{
	size_t need;

	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	need = c->out_len + len;
	if (need <= c->out_cap)
		return true;
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
		need = c->out_len + len;
		if (need <= c->out_cap)
			return true;
	}
	if ((long)need > c->d->q.out_bytes_max) {
		if (!c->dead)
			xsd_log(c->d, 0,
				"domain %u: connection dropped, %zu bytes of unread output",
				c->domid, c->out_len);
		c->dead = true;
		return false;
	}
	{
		size_t ncap = c->out_cap ? c->out_cap : 8192;
		char *nb;

		while (ncap < need)
			ncap *= 2;
		nb = realloc(c->out, ncap);
		if (!nb) {
			c->dead = true;
			return false;
		}
		c->out = nb;
		c->out_cap = ncap;
	}
	return true;
}

/* Queue one message whose payload is the parts, in order. */
static int queue_msg(struct conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id,
		     const struct xs_part *parts, unsigned int np)
{
	struct xsd_sockmsg h = { type, req_id, tx_id, 0 };
	bool was_empty = c->out_len == c->out_off;
	unsigned int i;

	if (c->dead)
		return -ENOMEM;
	for (i = 0; i < np; i++)
		h.len += parts[i].len;
	if (!out_reserve(c, sizeof(h) + h.len)) {
		/* let the transport see that this connection is finished */
		if (c->ops && c->ops->wake)
			c->ops->wake(c);
		return -ENOMEM;
	}
	memcpy(c->out + c->out_len, &h, sizeof(h));
	c->out_len += sizeof(h);
	for (i = 0; i < np; i++) {
		if (parts[i].len)
			memcpy(c->out + c->out_len, parts[i].p, parts[i].len);
		c->out_len += parts[i].len;
	}
	if (was_empty && c->ops && c->ops->wake)
		c->ops->wake(c);
	return 0;
}

int conn_reply_parts(struct conn *c, uint32_t type, const struct xsd_sockmsg *req,
		     const struct xs_part *parts, unsigned int np)
{
	if (c->d->trace) {
		uint32_t len = 0;
		unsigned int i;

		for (i = 0; i < np; i++)
			len += parts[i].len;
		fprintf(c->d->trace, "OUT %p type %u req %u len %u\n", (void *)c, type, req->req_id,
			len);
	}
	c->out_msgs++;
	return queue_msg(c, type, req->req_id, req->tx_id, parts, np);
}

int conn_reply(struct conn *c, uint32_t type, const struct xsd_sockmsg *req, const void *a,
	       uint32_t alen, const void *b, uint32_t blen)
{
	const struct xs_part parts[] = { { a, alen }, { b, blen } };

	return conn_reply_parts(c, type, req, parts, 2);
}

int conn_send_event(struct conn *c, const char *path, const char *token)
{
	const struct xs_part parts[] = { { path, strlen(path) + 1 }, { token, strlen(token) + 1 } };

	if (c->d->trace)
		fprintf(c->d->trace, "EVENT %p %s %s\n", (void *)c, path, token);
	c->out_events++;
	return queue_msg(c, XS_WATCH_EVENT, 0, 0, parts, 2);
}

bool xsd_conn_can_read(const struct conn *c)
{
	size_t pending = c->out_len - c->out_off;

	if (c->dead)
		return false;
	/* backpressure: a client that does not read its replies stops being served */
	if (pending > 256 * 1024)
		return false;
	if (!c->priv && c->out_msgs >= (uint32_t)c->d->q.outstanding)
		return false;
	return true;
}

size_t xsd_conn_output(struct conn *c, const char **p)
{
	if (!c->out) {
		*p = "";
		return 0;
	}
	*p = c->out + c->out_off;
	return c->out_len - c->out_off;
}

void xsd_conn_consumed(struct conn *c, size_t n)
{
	c->out_off += n;
	if (c->out_off >= c->out_len) {
		c->out_off = c->out_len = 0;
		c->out_msgs = 0;
		c->out_events = 0;
	}
}

long xsd_conn_input(struct conn *c, const void *buf, size_t len)
{
	const char *p = buf;
	size_t used = 0;

	while (used < len && !c->dead) {
		if (c->hdr_got < sizeof(c->hdr)) {
			size_t n = sizeof(c->hdr) - c->hdr_got;

			if (!xsd_conn_can_read(c)) {
				if (!c->priv && !c->throttled)
					xsd_quota_hit(c->d, c, "outstanding");
				c->throttled = true;
				break;
			}
			c->throttled = false;
			if (n > len - used)
				n = len - used;
			memcpy((char *)&c->hdr + c->hdr_got, p + used, n);
			c->hdr_got += n;
			used += n;
			if (c->hdr_got < sizeof(c->hdr))
				break;
			if (c->hdr.len > XENSTORE_PAYLOAD_MAX) {
				xsd_log(c->d, 0,
					"domain %u: message of %u bytes, dropping connection",
					c->domid, c->hdr.len);
				c->dead = true;
				break;
			}
			c->in_got = 0;
		}
		if (c->in_got < c->hdr.len) {
			size_t n = c->hdr.len - c->in_got;

			if (n > len - used)
				n = len - used;
			memcpy(c->in + c->in_got, p + used, n);
			c->in_got += n;
			used += n;
		}
		if (c->in_got == c->hdr.len) {
			struct xsd_sockmsg h = c->hdr;

			c->in[h.len] = 0;
			c->hdr_got = 0;
			c->in_got = 0;
			xsd_process(c, &h, c->in);
		}
	}
	return c->dead ? -1 : (long)used;
}
