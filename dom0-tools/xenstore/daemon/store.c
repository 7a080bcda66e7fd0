// SPDX-License-Identifier: GPL-2.0
/*
 * Petrel xenstored: the node store and copy-on-write transactions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xsd.h"

uint32_t xs_hash(const char *s, uint32_t len)
{
	uint32_t h = 2166136261u;

	while (len--)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

struct node *htab_find(const struct htab *t, const char *p, uint32_t len, uint32_t h)
{
	struct node *n;

	if (!t->b)
		return NULL;
	for (n = t->b[h & t->mask]; n; n = n->hnext)
		if (n->hash == h && n->plen == len && !memcmp(n->path, p, len))
			return n;
	return NULL;
}

static int htab_grow(struct htab *t)
{
	uint32_t nsize = t->b ? (t->mask + 1) * 2 : 64;
	struct node **nb = calloc(nsize, sizeof(*nb));
	uint32_t i;

	if (!nb)
		return -ENOMEM;
	for (i = 0; t->b && i <= t->mask; i++) {
		struct node *n = t->b[i], *next;

		for (; n; n = next) {
			next = n->hnext;
			n->hnext = nb[n->hash & (nsize - 1)];
			nb[n->hash & (nsize - 1)] = n;
		}
	}
	free(t->b);
	t->b = nb;
	t->mask = nsize - 1;
	return 0;
}

int htab_insert(struct htab *t, struct node *n)
{
	if ((!t->b || t->n >= t->mask) && htab_grow(t))
		return -ENOMEM;
	n->hnext = t->b[n->hash & t->mask];
	t->b[n->hash & t->mask] = n;
	t->n++;
	return 0;
}

void htab_remove(struct htab *t, struct node *n)
{
	struct node **pp = &t->b[n->hash & t->mask];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == n) {
			*pp = n->hnext;
			t->n--;
			return;
		}
	}
}

void htab_destroy(struct htab *t, void (*fn)(struct node *))
{
	uint32_t i;

	for (i = 0; t->b && i <= t->mask; i++) {
		struct node *n = t->b[i], *next;

		for (; n; n = next) {
			next = n->hnext;
			if (fn)
				fn(n);
		}
	}
	free(t->b);
	memset(t, 0, sizeof(*t));
}

static void node_free_data(struct node *n)
{
	free(n->val);
	free(n->kids);
	free(n->perms);
	n->val = n->kids = NULL;
	n->perms = NULL;
	n->vlen = n->klen = n->kcap = n->nperms = 0;
}

void node_free(struct node *n)
{
	if (!n)
		return;
	node_free_data(n);
	free(n->path);
	free(n);
}

struct node *node_new(const char *path, uint32_t plen)
{
	struct node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->path = malloc(plen + 1);
	if (!n->path) {
		free(n);
		return NULL;
	}
	memcpy(n->path, path, plen);
	n->path[plen] = 0;
	n->plen = plen;
	n->hash = xs_hash(path, plen);
	return n;
}

static void *dup_mem(const void *p, size_t len)
{
	void *r = malloc(len ? len : 1);

	if (r && len)
		memcpy(r, p, len);
	return r;
}

/* Copy value, children and permissions of src into dst (whose data is empty). */
static int node_copy_data(struct node *dst, const struct node *src)
{
	dst->val = dup_mem(src->val, src->vlen);
	dst->kids = dup_mem(src->kids, src->klen);
	dst->perms = dup_mem(src->perms, src->nperms * sizeof(struct xs_perm));
	if (!dst->val || !dst->kids || !dst->perms) {
		node_free_data(dst);
		return -ENOMEM;
	}
	dst->vlen = src->vlen;
	dst->klen = dst->kcap = src->klen;
	dst->nperms = src->nperms;
	dst->gen = src->gen;
	return 0;
}

struct node *node_copy(const struct node *src)
{
	struct node *n = node_new(src->path, src->plen);

	if (n && node_copy_data(n, src)) {
		node_free(n);
		return NULL;
	}
	return n;
}

int node_set_value(struct node *n, const void *v, uint32_t len)
{
	char *nv = dup_mem(v, len);

	if (!nv)
		return -ENOMEM;
	free(n->val);
	n->val = nv;
	n->vlen = len;
	return 0;
}

int node_add_kid(struct node *n, const char *name, uint32_t len)
{
	if (n->klen + len + 1 > n->kcap) {
		uint32_t ncap = (n->klen + len + 1) * 2;
		char *nk = realloc(n->kids, ncap);

		if (!nk)
			return -ENOMEM;
		n->kids = nk;
		n->kcap = ncap;
	}
	memcpy(n->kids + n->klen, name, len);
	n->kids[n->klen + len] = 0;
	n->klen += len + 1;
	return 0;
}

void node_del_kid(struct node *n, const char *name, uint32_t len)
{
	uint32_t off = 0;

	while (off < n->klen) {
		uint32_t l = strlen(n->kids + off);

		if (l == len && !memcmp(n->kids + off, name, len)) {
			memmove(n->kids + off, n->kids + off + l + 1, n->klen - off - l - 1);
			n->klen -= l + 1;
			return;
		}
		off += l + 1;
	}
}

int node_set_perms(struct node *n, const struct xs_perm *p, uint32_t np)
{
	struct xs_perm *c = dup_mem(p, np * sizeof(*p));

	if (!c)
		return -ENOMEM;
	free(n->perms);
	n->perms = c;
	n->nperms = np;
	return 0;
}

long node_mem(const struct node *n)
{
	return (long)sizeof(*n) + n->plen + n->vlen + n->klen + n->nperms * sizeof(struct xs_perm);
}

struct domain *dom_acct(struct xsd *d, uint32_t domid, bool create)
{
	struct domain *dom;

	for (dom = d->domains; dom; dom = dom->next)
		if (dom->domid == domid)
			return dom;
	if (!create)
		return NULL;
	dom = calloc(1, sizeof(*dom));
	if (!dom)
		return NULL;
	dom->domid = domid;
	dom->next = d->domains;
	d->domains = dom;
	return dom;
}

/* Account a main-store node to its owner: sign +1 when it appears, -1 when it goes. */
static void acct(struct xsd *d, const struct node *n, int sign)
{
	struct domain *dom;

	if (!n->nperms)
		return;
	dom = dom_acct(d, n->perms[0].id, true);
	if (!dom)
		return;
	dom->nodes += sign;
	dom->memory += sign * node_mem(n);
	d->nodes_total += sign;
}

static struct node *ov_entry(struct txn *t, const char *path, uint32_t plen, uint32_t h)
{
	return htab_find(&t->ov, path, plen, h);
}

static struct node *ov_add(struct txn *t, const char *path, uint32_t plen, uint64_t orig)
{
	struct node *e = node_new(path, plen);

	if (!e)
		return NULL;
	if (htab_insert(&t->ov, e)) {
		node_free(e);
		return NULL;
	}
	e->orig_gen = orig;
	e->state = TXE_READ;
	if (t->last)
		t->last->tnext = e;
	else
		t->first = e;
	t->last = e;
	t->nentries++;
	return e;
}

/*
 * The node at path as the caller sees it (NULL if absent, errno set).  In a
 * transaction the access is recorded so that commit can check it.
 */
struct node *st_get(struct xsd *d, struct txn *t, const char *path, uint32_t plen)
{
	uint32_t h = xs_hash(path, plen);
	struct node *m, *e;

	if (t) {
		e = ov_entry(t, path, plen, h);
		if (!e) {
			/* first touch: snapshot the node as it is now */
			m = htab_find(&d->store, path, plen, h);
			e = ov_add(t, path, plen, m ? m->gen : 0);
			if (!e || (m && node_copy_data(e, m))) {
				errno = ENOMEM;
				return NULL;
			}
		}
		if (e->state == TXE_DEL || (e->state == TXE_READ && !e->orig_gen)) {
			errno = ENOENT;
			return NULL;
		}
		return e;
	}
	m = htab_find(&d->store, path, plen, h);
	if (!m)
		errno = ENOENT;
	return m;
}

/* A node returned by st_get, made writable by the caller (st_changed after). */
struct node *st_get_mut(struct xsd *d, struct txn *t, struct node *n)
{
	struct node *e;

	if (!t) {
		acct(d, n, -1);
		return n;
	}
	if (n->state == TXE_MOD)
		return n;
	if (n->state == TXE_READ) {
		n->state = TXE_MOD;
		return n;
	}
	e = ov_entry(t, n->path, n->plen, n->hash);
	if (!e) {
		e = ov_add(t, n->path, n->plen, n->gen);
		if (!e)
			return NULL;
	}
	if (node_copy_data(e, n))
		return NULL;
	e->state = TXE_MOD;
	return e;
}

void st_changed(struct xsd *d, struct txn *t, struct node *n)
{
	if (t)
		return;
	n->gen = ++d->gen;
	acct(d, n, 1);
}

/* Insert a new node (fully built by the caller; ownership passes to the store). */
int st_create(struct xsd *d, struct txn *t, struct node *n)
{
	struct node *e;

	if (!t) {
		if (htab_insert(&d->store, n)) {
			node_free(n);
			return -ENOMEM;
		}
		n->gen = ++d->gen;
		acct(d, n, 1);
		return 0;
	}
	e = ov_entry(t, n->path, n->plen, n->hash);
	if (!e)
		e = ov_add(t, n->path, n->plen, 0);
	if (!e) {
		node_free(n);
		return -ENOMEM;
	}
	node_free_data(e);
	e->val = n->val;
	e->vlen = n->vlen;
	e->kids = n->kids;
	e->klen = n->klen;
	e->kcap = n->kcap;
	e->perms = n->perms;
	e->nperms = n->nperms;
	e->state = TXE_MOD;
	free(n->path);
	free(n);
	t->node_delta++;
	return 0;
}

/* Remove one node (not its children: callers walk the subtree). */
int st_delete(struct xsd *d, struct txn *t, struct node *n)
{
	struct node *e;

	if (!t) {
		acct(d, n, -1);
		htab_remove(&d->store, n);
		node_free(n);
		return 0;
	}
	e = ov_entry(t, n->path, n->plen, n->hash);
	if (!e)
		e = ov_add(t, n->path, n->plen, n->gen);
	if (!e)
		return -ENOMEM;
	node_free_data(e);
	e->state = TXE_DEL;
	t->node_delta--;
	return 0;
}

struct txn *txn_new(uint32_t id)
{
	struct txn *t = calloc(1, sizeof(*t));

	if (t)
		t->id = id;
	return t;
}

void txn_free(struct txn *t)
{
	struct change *ch, *next;

	if (!t)
		return;
	htab_destroy(&t->ov, node_free);
	for (ch = t->changes; ch; ch = next) {
		next = ch->next;
		free(ch->perms);
		free(ch);
	}
	free(t);
}

static int txn_apply(struct xsd *d, struct node *e)
{
	struct node *cur = htab_find(&d->store, e->path, e->plen, e->hash);

	if (e->state == TXE_DEL) {
		if (cur) {
			acct(d, cur, -1);
			htab_remove(&d->store, cur);
			node_free(cur);
		}
		return 0;
	}
	if (!cur) {
		cur = node_new(e->path, e->plen);
		if (!cur || htab_insert(&d->store, cur)) {
			node_free(cur);
			return -ENOMEM;
		}
	} else {
		acct(d, cur, -1);
		node_free_data(cur);
	}
	/* move the data over: the overlay entry is freed with the txn */
	cur->val = e->val;
	cur->vlen = e->vlen;
	cur->kids = e->kids;
	cur->klen = e->klen;
	cur->kcap = e->kcap;
	cur->perms = e->perms;
	cur->nperms = e->nperms;
	e->val = e->kids = NULL;
	e->perms = NULL;
	cur->gen = ++d->gen;
	acct(d, cur, 1);
	return 0;
}

/* 0 on success, -EAGAIN if anything the transaction saw has changed since. */
int txn_commit(struct xsd *d, struct txn *t)
{
	struct node *e;
	struct change *ch;
	int ret = 0;

	for (e = t->first; e; e = e->tnext) {
		struct node *cur = htab_find(&d->store, e->path, e->plen, e->hash);

		if ((cur ? cur->gen : 0) != e->orig_gen)
			return -EAGAIN;
	}
	for (e = t->first; e; e = e->tnext)
		if (e->state == TXE_MOD || e->state == TXE_DEL)
			ret = txn_apply(d, e) ?: ret;
	for (ch = t->changes; ch; ch = ch->next) {
		uint32_t len = strlen(ch->path);

		e = ov_entry(t, ch->path, len, xs_hash(ch->path, len));
		/* created and removed inside the transaction: nobody saw it */
		if (e && !e->orig_gen && e->state != TXE_MOD)
			continue;
		watch_fire(d, ch->path, ch->recursive, ch->perms, ch->nperms);
	}
	return ret;
}
