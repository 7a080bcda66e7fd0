// SPDX-License-Identifier: GPL-2.0
/*
 * Petrel xenstored: permission checks and watches.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xsd.h"

/* ---- permissions ---- */

static bool same_dom(const struct conn *c, uint32_t id, const struct domain *dom)
{
	return id == c->domid || (dom && dom->has_target && id == dom->target);
}

uint32_t perm_for(const struct conn *c, const struct xs_perm *p, uint32_t np)
{
	const struct domain *dom;
	uint32_t i;

	if (c->priv)
		return c->ro ? XS_PERM_READ : XS_PERM_BOTH;
	if (!np)
		return XS_PERM_NONE;
	dom = dom_acct(c->d, c->domid, false);
	if (same_dom(c, p[0].id, dom))
		return XS_PERM_BOTH;
	for (i = 1; i < np; i++)
		if (same_dom(c, p[i].id, dom))
			return p[i].perm;
	return p[0].perm;
}

static int perm_letter(char ch)
{
	switch (ch) {
	case 'n':
		return XS_PERM_NONE;
	case 'r':
		return XS_PERM_READ;
	case 'w':
		return XS_PERM_WRITE;
	case 'b':
		return XS_PERM_BOTH;
	}
	return -1;
}

/* "b0\0r5\0..." -> perms; returns the count or -EINVAL / -ENOSPC. */
int perms_parse(const char *buf, uint32_t len, struct xs_perm *out, uint32_t max)
{
	uint32_t off = 0, n = 0;

	while (off < len) {
		const char *s = buf + off;
		const char *end = memchr(s, 0, len - off);
		unsigned long id = 0;
		const char *q;
		int p;

		if (!end)
			return -EINVAL;
		p = perm_letter(s[0]);
		if (p < 0 || end - s < 2 || end - s > 11)
			return -EINVAL;
		for (q = s + 1; q < end; q++) {
			if (*q < '0' || *q > '9')
				return -EINVAL;
			id = id * 10 + (*q - '0');
		}
		if (id > 0xffffffffUL)
			return -EINVAL;
		if (n >= max)
			return -ENOSPC;
		out[n].id = id;
		out[n].perm = p;
		n++;
		off += end - s + 1;
	}
	return n ? (int)n : -EINVAL;
}

int perms_format(const struct xs_perm *p, uint32_t np, char *buf, size_t size)
{
	static const char letters[] = "nrwb";
	size_t off = 0;
	uint32_t i;

	for (i = 0; i < np; i++) {
		int l = snprintf(buf + off, size - off, "%c%u", letters[p[i].perm & 3], p[i].id);

		if (l < 0 || (size_t)l + 1 >= size - off)
			return -E2BIG;
		off += l + 1;
	}
	return off;
}

/* ---- watches ---- */

static int wtab_grow(struct xsd *d)
{
	uint32_t nsize = d->watches.b ? (d->watches.mask + 1) * 2 : 64, i;
	struct watch **nb = calloc(nsize, sizeof(*nb));

	if (!nb)
		return -ENOMEM;
	for (i = 0; d->watches.b && i <= d->watches.mask; i++) {
		struct watch *w = d->watches.b[i], *next;

		for (; w; w = next) {
			next = w->hnext;
			w->hnext = nb[w->hash & (nsize - 1)];
			nb[w->hash & (nsize - 1)] = w;
		}
	}
	free(d->watches.b);
	d->watches.b = nb;
	d->watches.mask = nsize - 1;
	return 0;
}

int watch_add(struct conn *c, const char *path, const char *token, uint32_t rel_off)
{
	struct xsd *d = c->d;
	struct watch *w;

	for (w = c->watches; w; w = w->cnext)
		if (!strcmp(w->path, path) && !strcmp(w->token, token))
			return -EEXIST;
	if ((!d->watches.b || d->watches.n >= d->watches.mask) && wtab_grow(d))
		return -ENOMEM;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->path = strdup(path);
	w->token = strdup(token);
	if (!w->path || !w->token) {
		free(w->path);
		free(w->token);
		free(w);
		return -ENOMEM;
	}
	w->conn = c;
	w->rel_off = rel_off;
	w->hash = xs_hash(path, strlen(path));
	w->hnext = d->watches.b[w->hash & d->watches.mask];
	d->watches.b[w->hash & d->watches.mask] = w;
	d->watches.n++;
	w->cnext = c->watches;
	c->watches = w;
	c->nwatches++;
	return 0;
}

static void watch_unhash(struct xsd *d, struct watch *w)
{
	struct watch **pp = &d->watches.b[w->hash & d->watches.mask];

	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == w) {
			*pp = w->hnext;
			d->watches.n--;
			break;
		}
	}
	free(w->path);
	free(w->token);
	free(w);
}

int watch_del(struct conn *c, const char *path, const char *token)
{
	struct watch **pp;

	for (pp = &c->watches; *pp; pp = &(*pp)->cnext) {
		struct watch *w = *pp;

		if (!strcmp(w->path, path) && !strcmp(w->token, token)) {
			*pp = w->cnext;
			c->nwatches--;
			watch_unhash(c->d, w);
			return 0;
		}
	}
	return -ENOENT;
}

void watch_del_all(struct conn *c)
{
	while (c->watches) {
		struct watch *w = c->watches;

		c->watches = w->cnext;
		watch_unhash(c->d, w);
	}
	c->nwatches = 0;
}

static void fire_one(struct watch *w, const char *epath, const struct xs_perm *perms,
		     uint32_t nperms)
{
	if (!w->conn->priv && !(perm_for(w->conn, perms, nperms) & XS_PERM_READ))
		return;
	if (w->rel_off && strlen(epath) >= w->rel_off)
		epath += w->rel_off;
	conn_send_event(w->conn, epath, w->token);
}

/* Fire the watches on path, on its ancestors and, for a removed subtree, below it. */
void watch_fire(struct xsd *d, const char *path, bool recursive, const struct xs_perm *perms,
		uint32_t nperms)
{
	uint32_t len = strlen(path);
	uint32_t l = len;
	struct watch *w;
	struct conn *c;

	if (!d->watches.n)
		return;
	for (;;) {
		uint32_t h = xs_hash(path, l ? l : 1);

		for (w = d->watches.b[h & d->watches.mask]; w; w = w->hnext)
			if (w->hash == h && !strncmp(w->path, path, l ? l : 1) &&
			    w->path[l ? l : 1] == 0)
				fire_one(w, path, perms, nperms);
		if (l <= 1)
			break;
		while (l > 0 && path[l - 1] != '/')
			l--;
		l--; /* drop the '/'; l == 0 means the root "/" */
	}
	if (!recursive)
		return;
	for (c = d->conns; c; c = c->next)
		for (w = c->watches; w; w = w->cnext)
			if (w->path[0] == '/' && strlen(w->path) > len &&
			    !strncmp(w->path, path, len) && (len == 1 || w->path[len] == '/'))
				fire_one(w, w->path, perms, nperms);
}

void watch_fire_special(struct xsd *d, struct node *special)
{
	uint32_t h = special->hash;
	struct watch *w;

	if (!d->watches.n)
		return;
	for (w = d->watches.b[h & d->watches.mask]; w; w = w->hnext)
		if (w->hash == h && !strcmp(w->path, special->path))
			fire_one(w, special->path, special->perms, special->nperms);
}

void change_record(struct txn *t, const char *path, bool recursive, const struct xs_perm *perms,
		   uint32_t nperms)
{
	size_t len = strlen(path);
	struct change *ch;

	/* one event per changed node at commit, as Xen */
	for (ch = t->changes; ch; ch = ch->next) {
		if (!strcmp(ch->path, path)) {
			ch->recursive |= recursive;
			return;
		}
	}
	ch = malloc(sizeof(*ch) + len + 1);
	if (!ch)
		return;
	ch->next = NULL;
	ch->recursive = recursive;
	ch->nperms = nperms;
	ch->perms = malloc(nperms * sizeof(*perms) + 1);
	if (!ch->perms) {
		free(ch);
		return;
	}
	memcpy(ch->perms, perms, nperms * sizeof(*perms));
	memcpy(ch->path, path, len + 1);
	if (t->changes_tail)
		t->changes_tail->next = ch;
	else
		t->changes = ch;
	t->changes_tail = ch;
}
