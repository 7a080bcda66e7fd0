// SPDX-License-Identifier: GPL-2.0
/*
 * Petrel xenstored: request handlers and the dispatch table.
 *
 * A handler returns 0 once it has queued its reply, or a positive errno
 * that the dispatcher turns into an error reply.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xsd.h"

struct req {
	const struct xsd_sockmsg *h;
	char *p;      /* payload, NUL added after it */
	uint32_t len; /* payload length */
	struct txn *t;
};

#define PATH_BUF (XENSTORE_ABS_PATH_MAX + 64)

static const char *const err_names[] = {
#define X(e) [e] = #e,
	XS_ERROR_NAMES
#undef X
};

static int send_error(struct conn *c, const struct xsd_sockmsg *h, int err)
{
	const char *name = "EINVAL";

	if (err > 0 && (size_t)err < sizeof(err_names) / sizeof(err_names[0]) && err_names[err])
		name = err_names[err];
	return conn_reply(c, XS_ERROR, h, name, strlen(name) + 1, NULL, 0);
}

static int reply_ok(struct conn *c, struct req *r)
{
	conn_reply(c, r->h->type, r->h, "OK", 3, NULL, 0);
	return 0;
}

static int reply_str(struct conn *c, struct req *r, const char *s)
{
	conn_reply(c, r->h->type, r->h, s, strlen(s) + 1, NULL, 0);
	return 0;
}

/* Split the payload into exactly n NUL-terminated strings. */
static bool get_args(struct req *r, const char **v, int n)
{
	uint32_t off = 0;
	int i;

	for (i = 0; i < n; i++) {
		const char *end;

		if (off >= r->len)
			return false;
		end = memchr(r->p + off, 0, r->len - off);
		if (!end)
			return false;
		v[i] = r->p + off;
		off = end - r->p + 1;
	}
	return off == r->len;
}

static bool valid_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '-' || ch == '/' || ch == '_' || ch == '@';
}

static bool is_unpriv(const struct conn *c)
{
	return !c->priv;
}

/*
 * Length of the part of an absolute path that counts against the path-max
 * quota: below "/local/domain/<domid>/" if it starts so, else all of it
 * (as Xen 4.17, for every connection).
 */
static size_t local_part(const char *p, size_t len)
{
	static const char pre[] = "/local/domain/";
	size_t i = sizeof(pre) - 1, digits = 0;

	if (len <= i || memcmp(p, pre, i))
		return len;
	while (i < len && p[i] >= '0' && p[i] <= '9' && digits < 5) {
		i++;
		digits++;
	}
	if (!digits || i >= len || p[i] != '/')
		return len;
	return len - i - 1;
}

/*
 * Canonical absolute path of in for this connection, in out (PATH_BUF).
 * *rel_off gets the length of the prefix added to a relative path.
 */
static int canon_path(struct conn *c, const char *in, char *out, uint32_t *olen, uint32_t *rel_off,
		      bool allow_special)
{
	size_t len = strlen(in), i, pre = 0;

	if (!len)
		return EINVAL;
	if (in[0] == '@') {
		if (!allow_special || len > XENSTORE_REL_PATH_MAX)
			return EINVAL;
	} else if (in[0] != '/') {
		if (len > XENSTORE_REL_PATH_MAX)
			return EINVAL;
		pre = snprintf(out, PATH_BUF, "/local/domain/%u/", c->domid);
	} else if (len > XENSTORE_ABS_PATH_MAX) {
		return EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (!valid_char(in[i]))
			return EINVAL;
		if (in[i] == '/' && i + 1 < len && in[i + 1] == '/')
			return EINVAL;
	}
	if (len > 1 && in[len - 1] == '/')
		return EINVAL;
	if (pre + len >= PATH_BUF)
		return EINVAL;
	memcpy(out + pre, in, len + 1);
	*olen = pre + len;
	if (rel_off)
		*rel_off = pre;
	if (out[0] == '/' && local_part(out, *olen) > (size_t)c->d->q.path_max) {
		if (is_unpriv(c))
			xsd_quota_hit(c->d, c, "path-max");
		return EINVAL;
	}
	return 0;
}

static bool parse_u32(const char *s, uint32_t *v)
{
	unsigned long long x = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		x = x * 10 + (*s - '0');
		if (x > 0xffffffffULL)
			return false;
	}
	*v = x;
	return true;
}

static bool parse_u64(const char *s, uint64_t *v)
{
	unsigned long long x = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (~0ULL - 9) / 10)
			return false;
		x = x * 10 + (*s - '0');
	}
	*v = x;
	return true;
}

static struct node *special_node(struct xsd *d, const char *path)
{
	if (!strcmp(path, "@introduceDomain"))
		return &d->special_intro;
	if (!strcmp(path, "@releaseDomain"))
		return &d->special_release;
	return NULL;
}

/* Look up a node the caller needs perm on; errno-style result in *err. */
static struct node *get_checked(struct conn *c, struct req *r, const char *path, uint32_t plen,
				uint32_t perm, int *err)
{
	struct node *n = st_get(c->d, r->t, path, plen);

	if (!n) {
		*err = errno == ENOMEM ? ENOMEM : ENOENT;
		return NULL;
	}
	if ((perm_for(c, n->perms, n->nperms) & perm) != perm) {
		*err = EACCES;
		return NULL;
	}
	return n;
}

static void note_change(struct conn *c, struct req *r, struct node *n, bool recursive)
{
	if (r->t)
		change_record(r->t, n->path, recursive, n->perms, n->nperms);
	else
		watch_fire(c->d, n->path, recursive, n->perms, n->nperms);
}

static int one_path(struct conn *c, struct req *r, char *buf, uint32_t *plen, bool special)
{
	const char *arg;

	if (!get_args(r, &arg, 1))
		return EINVAL;
	return canon_path(c, arg, buf, plen, NULL, special);
}

static int op_read(struct conn *c, struct req *r)
{
	char path[PATH_BUF];
	uint32_t plen;
	struct node *n;
	int err = one_path(c, r, path, &plen, false);

	if (err)
		return err;
	n = get_checked(c, r, path, plen, XS_PERM_READ, &err);
	if (!n)
		return err;
	conn_reply(c, XS_READ, r->h, n->val, n->vlen, NULL, 0);
	return 0;
}

static int op_directory(struct conn *c, struct req *r)
{
	char path[PATH_BUF];
	uint32_t plen;
	struct node *n;
	int err = one_path(c, r, path, &plen, false);

	if (err)
		return err;
	n = get_checked(c, r, path, plen, XS_PERM_READ, &err);
	if (!n)
		return err;
	if (n->klen > XENSTORE_PAYLOAD_MAX)
		return E2BIG;
	conn_reply(c, XS_DIRECTORY, r->h, n->kids, n->klen, NULL, 0);
	return 0;
}

/* Decimal digits of v with a NUL after them, in buf (24 bytes); returns the length with the NUL. */
static uint32_t fmt_u64(char *buf, uint64_t v)
{
	char tmp[24];
	uint32_t n = 0, i;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = 0;
	return n + 1;
}

/*
 * End of the part of kids that starts at off: as many whole names as fit in
 * room bytes.  Names end in NUL, so the end is one past the last NUL within
 * the room; off itself when not even one name fits.
 */
static uint32_t part_end(const struct node *n, uint32_t off, uint32_t room)
{
	const char *nul;

	if (n->klen - off <= room)
		return n->klen;
	nul = memrchr(n->kids + off, 0, room);
	return nul ? (uint32_t)(nul - n->kids) + 1 : off;
}

/* path\0offset\0 -> "<gen>\0" + whole child names from offset [+ "\0" at the end] */
static int op_directory_part(struct conn *c, struct req *r)
{
	char path[PATH_BUF], gen[24];
	const char *v[2];
	uint32_t plen, off, end, glen;
	struct node *n;
	int err;

	if (!get_args(r, v, 2) || !parse_u32(v[1], &off))
		return EINVAL;
	err = canon_path(c, v[0], path, &plen, NULL, false);
	if (err)
		return err;
	n = get_checked(c, r, path, plen, XS_PERM_READ, &err);
	if (!n)
		return err;
	glen = fmt_u64(gen, n->gen);
	if (off > n->klen)
		off = n->klen; /* past the end: just the end marker, as Xen */
	end = part_end(n, off, XENSTORE_PAYLOAD_MAX - glen - 1);
	if (end == off && end < n->klen)
		return E2BIG;
	if (end == n->klen) {
		/* a node without children may have no list at all */
		const struct xs_part parts[] = { { gen, glen },
						 { n->klen ? n->kids + off : "", end - off },
						 { "", 1 } };

		conn_reply_parts(c, XS_DIRECTORY_PART, r->h, parts, 3);
	} else {
		conn_reply(c, XS_DIRECTORY_PART, r->h, gen, glen, n->kids + off, end - off);
	}
	return 0;
}

static int op_get_perms(struct conn *c, struct req *r)
{
	char path[PATH_BUF], out[XENSTORE_PAYLOAD_MAX];
	uint32_t plen;
	struct node *n;
	int err = one_path(c, r, path, &plen, true), len;

	if (err)
		return err;
	n = special_node(c->d, path);
	if (n) {
		if (!(perm_for(c, n->perms, n->nperms) & XS_PERM_READ))
			return EACCES;
	} else {
		n = get_checked(c, r, path, plen, XS_PERM_READ, &err);
		if (!n)
			return err;
	}
	len = perms_format(n->perms, n->nperms, out, sizeof(out));
	if (len < 0)
		return E2BIG;
	conn_reply(c, XS_GET_PERMS, r->h, out, len, NULL, 0);
	return 0;
}

static int check_node_quota(struct conn *c, struct req *r, int new_nodes)
{
	struct domain *dom;
	int have;

	if (!is_unpriv(c) || !new_nodes)
		return 0;
	dom = dom_acct(c->d, c->domid, true);
	have = (dom ? dom->nodes : 0) + (r->t ? r->t->node_delta : 0);
	if (have + new_nodes > c->d->q.nodes) {
		xsd_quota_hit(c->d, c, "entry-nb");
		return ENOSPC;
	}
	if (dom && dom->memory > c->d->q.memory) {
		xsd_quota_hit(c->d, c, "memory");
		return ENOSPC;
	}
	if (dom && dom->memory > c->d->q.memory_soft && !dom->warned_mem) {
		dom->warned_mem = true;
		xsd_quota_hit(c->d, c, "memory (soft)");
	}
	return 0;
}

static int check_size(struct conn *c, uint32_t size)
{
	if (is_unpriv(c) && (int)size > c->d->q.entry_size) {
		xsd_quota_hit(c->d, c, "entry-size");
		return ENOSPC;
	}
	return 0;
}

/*
 * Create path and any missing parents, giving the new node value.  Each new
 * node inherits its parent's permissions; an unprivileged creator owns it.
 */
static int create_path(struct conn *c, struct req *r, char *path, uint32_t plen, const char *val,
		       uint32_t vlen, struct node **out)
{
	struct xsd *d = c->d;
	uint32_t cut[PATH_BUF / 2 + 2], ncut = 0, l = plen, i;
	struct node *parent = NULL;
	int err;

	/* walk up to the deepest existing ancestor */
	for (;;) {
		uint32_t pl = l;

		while (pl > 0 && path[pl - 1] != '/')
			pl--;
		cut[ncut++] = l;
		pl = pl > 1 ? pl - 1 : 1;
		parent = st_get(d, r->t, path, pl);
		if (parent)
			break;
		if (errno == ENOMEM)
			return ENOMEM;
		l = pl;
	}
	if (!(perm_for(c, parent->perms, parent->nperms) & XS_PERM_WRITE))
		return EACCES;
	err = check_node_quota(c, r, ncut);
	if (err)
		return err;
	if (r->t && is_unpriv(c) && (int)r->t->nentries > d->q.txn_nodes) {
		xsd_quota_hit(d, c, "transaction-nodes");
		return ENOSPC;
	}
	for (i = ncut; i-- > 0;) {
		uint32_t nl = cut[i], pl = parent->plen == 1 ? 1 : parent->plen;
		const char *name = path + pl + (pl > 1);
		struct node *n = node_new(path, nl);
		struct node *pm;

		if (!n)
			return ENOMEM;
		if (node_set_perms(n, parent->perms, parent->nperms) ||
		    node_set_value(n, i ? "" : val, i ? 0 : vlen)) {
			node_free(n);
			return ENOMEM;
		}
		if (is_unpriv(c) && n->nperms)
			n->perms[0].id = c->domid;
		pm = st_get_mut(d, r->t, parent);
		if (!pm || node_add_kid(pm, name, nl - (name - path))) {
			node_free(n);
			return ENOMEM;
		}
		st_changed(d, r->t, pm);
		if (st_create(d, r->t, n))
			return ENOMEM;
		parent = st_get(d, r->t, path, nl);
		if (!parent)
			return ENOMEM;
	}
	*out = parent;
	return 0;
}

static int op_write(struct conn *c, struct req *r)
{
	char path[PATH_BUF];
	const char *nul = memchr(r->p, 0, r->len);
	uint32_t plen, vlen;
	struct node *n;
	int err;

	if (!nul)
		return EINVAL;
	vlen = r->len - (nul - r->p) - 1;
	err = canon_path(c, r->p, path, &plen, NULL, false);
	if (err)
		return err;
	err = check_size(c, vlen);
	if (err)
		return err;
	n = get_checked(c, r, path, plen, XS_PERM_WRITE, &err);
	if (n && is_unpriv(c) && vlen > n->vlen) {
		struct domain *dom = dom_acct(c->d, c->domid, false);

		if (dom && dom->memory + (vlen - n->vlen) > c->d->q.memory) {
			xsd_quota_hit(c->d, c, "memory");
			return ENOSPC;
		}
	}
	if (n) {
		struct node *m = st_get_mut(c->d, r->t, n);

		if (!m || node_set_value(m, nul + 1, vlen)) {
			if (m)
				st_changed(c->d, r->t, m);
			return ENOMEM;
		}
		st_changed(c->d, r->t, m);
		n = m;
	} else if (err == ENOENT) {
		err = create_path(c, r, path, plen, nul + 1, vlen, &n);
		if (err)
			return err;
	} else {
		return err;
	}
	note_change(c, r, n, false);
	return reply_ok(c, r);
}

static int op_mkdir(struct conn *c, struct req *r)
{
	char path[PATH_BUF];
	uint32_t plen;
	struct node *n;
	int err = one_path(c, r, path, &plen, false);

	if (err)
		return err;
	n = get_checked(c, r, path, plen, XS_PERM_WRITE, &err);
	if (!n) {
		if (err != ENOENT)
			return err;
		err = create_path(c, r, path, plen, "", 0, &n);
		if (err)
			return err;
		note_change(c, r, n, false);
	}
	return reply_ok(c, r);
}

static int rm_tree(struct xsd *d, struct txn *t, struct node *n)
{
	char *kids = NULL, child[PATH_BUF];
	uint32_t klen = n->klen, off = 0;
	int err = 0;

	if (klen) {
		kids = malloc(klen);
		if (!kids)
			return ENOMEM;
		memcpy(kids, n->kids, klen);
	}
	while (off < klen) {
		uint32_t l = strlen(kids + off);
		int cl = snprintf(child, sizeof(child), "%s/%s", n->plen == 1 ? "" : n->path,
				  kids + off);
		struct node *cn;

		off += l + 1;
		if (cl <= 0 || (size_t)cl >= sizeof(child))
			continue;
		cn = st_get(d, t, child, cl);
		if (cn)
			err = rm_tree(d, t, cn) ?: err;
	}
	free(kids);
	return (st_delete(d, t, n) ? ENOMEM : 0) ?: err;
}

static int op_rm(struct conn *c, struct req *r)
{
	char path[PATH_BUF];
	uint32_t plen, pl;
	struct node *n, *parent, *pm;
	struct xs_perm perms[8], *pp = perms;
	uint32_t np;
	int err = one_path(c, r, path, &plen, false);

	if (err)
		return err;
	if (plen == 1)
		return EINVAL;
	for (pl = plen; path[pl - 1] != '/'; pl--)
		;
	pl = pl > 1 ? pl - 1 : 1;
	n = get_checked(c, r, path, plen, XS_PERM_WRITE, &err);
	if (!n) {
		if (err != ENOENT)
			return err;
		if (!st_get(c->d, r->t, path, pl))
			return errno == ENOMEM ? ENOMEM : ENOENT;
		return reply_ok(c, r);
	}
	parent = st_get(c->d, r->t, path, pl);
	if (!parent)
		return EINVAL; /* a node without a parent: cannot happen */
	np = n->nperms;
	if (np > 8) {
		pp = malloc(np * sizeof(*pp));
		if (!pp)
			return ENOMEM;
	}
	memcpy(pp, n->perms, np * sizeof(*pp));
	err = rm_tree(c->d, r->t, n);
	pm = st_get_mut(c->d, r->t, parent);
	if (pm) {
		node_del_kid(pm, path + pl + (pl > 1), plen - pl - (pl > 1));
		st_changed(c->d, r->t, pm);
	}
	if (r->t)
		change_record(r->t, path, true, pp, np);
	else
		watch_fire(c->d, path, true, pp, np);
	if (pp != perms)
		free(pp);
	if (err || !pm)
		return ENOMEM;
	return reply_ok(c, r);
}

static int op_set_perms(struct conn *c, struct req *r)
{
	char path[PATH_BUF];
	struct xs_perm perms[64];
	const char *nul = memchr(r->p, 0, r->len);
	uint32_t plen, max = is_unpriv(c) ? (uint32_t)c->d->q.perms : 64;
	struct node *n, *special;
	int err, np;

	if (!nul)
		return EINVAL;
	if (max > 64)
		max = 64;
	err = canon_path(c, r->p, path, &plen, NULL, true);
	if (err)
		return err;
	np = perms_parse(nul + 1, r->len - (nul - r->p) - 1, perms, max);
	if (np == -ENOSPC)
		xsd_quota_hit(c->d, c, "perm-nb");
	if (np < 0)
		return -np;
	special = special_node(c->d, path);
	if (special) {
		if (!c->priv)
			return EACCES;
		return node_set_perms(special, perms, np) ? ENOMEM : reply_ok(c, r);
	}
	n = get_checked(c, r, path, plen, XS_PERM_WRITE, &err);
	if (!n)
		return err;
	if (is_unpriv(c)) {
		if (perm_for(c, n->perms, 1) != XS_PERM_BOTH)
			return EACCES; /* only the owner changes permissions */
		if (perms[0].id != n->perms[0].id)
			return EPERM; /* only a privileged caller changes the owner */
	}
	n = st_get_mut(c->d, r->t, n);
	if (!n)
		return ENOMEM;
	err = node_set_perms(n, perms, np) ? ENOMEM : 0;
	st_changed(c->d, r->t, n);
	if (err)
		return err;
	note_change(c, r, n, false);
	return reply_ok(c, r);
}

static int op_watch(struct conn *c, struct req *r)
{
	char path[PATH_BUF];
	const char *v[2];
	uint32_t plen, rel_off;
	int err;

	if (!get_args(r, v, 2))
		return EINVAL;
	err = canon_path(c, v[0], path, &plen, &rel_off, true);
	if (err)
		return err;
	if (is_unpriv(c) && (int)c->nwatches >= c->d->q.watches) {
		xsd_quota_hit(c->d, c, "watch-nb");
		return E2BIG;
	}
	err = -watch_add(c, path, v[1], rel_off);
	if (err)
		return err;
	reply_ok(c, r);
	conn_send_event(c, v[0], v[1]);
	return 0;
}

static int op_unwatch(struct conn *c, struct req *r)
{
	char path[PATH_BUF];
	const char *v[2];
	uint32_t plen;
	int err;

	if (!get_args(r, v, 2))
		return EINVAL;
	err = canon_path(c, v[0], path, &plen, NULL, true);
	if (err)
		return err;
	err = -watch_del(c, path, v[1]);
	return err ? err : reply_ok(c, r);
}

static struct txn *txn_find(struct conn *c, uint32_t id)
{
	struct txn *t;

	for (t = c->txns; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

static int op_txn_start(struct conn *c, struct req *r)
{
	char buf[16];
	struct txn *t;
	uint32_t id;

	if (r->t)
		return EBUSY;
	if (is_unpriv(c) && (int)c->ntxns >= c->d->q.transactions) {
		xsd_quota_hit(c->d, c, "transaction");
		return ENOSPC;
	}
	do {
		id = c->next_txid++;
		if (c->next_txid > XSD_TX_MAX_ID)
			c->next_txid = 1;
	} while (!id || txn_find(c, id));
	t = txn_new(id);
	if (!t)
		return ENOMEM;
	t->next = c->txns;
	c->txns = t;
	c->ntxns++;
	snprintf(buf, sizeof(buf), "%u", id);
	return reply_str(c, r, buf);
}

static int op_txn_end(struct conn *c, struct req *r)
{
	const char *arg;
	struct txn **pp;
	int err = 0;

	if (!r->t)
		return ENOENT;
	if (!get_args(r, &arg, 1) || (strcmp(arg, "T") && strcmp(arg, "F")))
		return EINVAL;
	for (pp = &c->txns; *pp != r->t; pp = &(*pp)->next)
		;
	*pp = r->t->next;
	c->ntxns--;
	if (arg[0] == 'T')
		err = -txn_commit(c->d, r->t);
	txn_free(r->t);
	r->t = NULL;
	return err ? err : reply_ok(c, r);
}

static int domid_arg(struct req *r, uint32_t *domid)
{
	const char *arg;

	if (!get_args(r, &arg, 1) || !parse_u32(arg, domid))
		return EINVAL;
	return 0;
}

static int op_get_domain_path(struct conn *c, struct req *r)
{
	char buf[40];
	uint32_t domid;

	if (domid_arg(r, &domid))
		return EINVAL;
	snprintf(buf, sizeof(buf), "/local/domain/%u", domid);
	return reply_str(c, r, buf);
}

static struct domain *introduced(struct xsd *d, uint32_t domid)
{
	struct domain *dom = dom_acct(d, domid, false);

	return dom && dom->introduced ? dom : NULL;
}

static int op_is_introduced(struct conn *c, struct req *r)
{
	uint32_t domid;

	if (domid_arg(r, &domid))
		return EINVAL;
	return reply_str(c, r, introduced(c->d, domid) ? "T" : "F");
}

static int op_introduce(struct conn *c, struct req *r)
{
	const char *v[3];
	uint32_t domid, port;
	uint64_t mfn;
	struct domain *dom;

	if (!get_args(r, v, 3) || !parse_u32(v[0], &domid) || !parse_u64(v[1], &mfn) ||
	    !parse_u32(v[2], &port) || domid == 0 || domid >= 0x7ff0)
		return EINVAL;
	dom = introduced(c->d, domid);
	if (dom) {
		if (dom->mfn != mfn)
			return EINVAL;
		dom->port = port;
		return reply_ok(c, r);
	}
	dom = dom_acct(c->d, domid, true);
	if (!dom)
		return ENOMEM;
	dom->mfn = mfn;
	dom->port = port;
	dom->shutdown = false;
	if (c->d->map_domain) {
		dom->conn = c->d->map_domain(c->d, dom);
		if (!dom->conn) {
			xsd_log(c->d, 0, "domain %u: cannot map its ring (gfn %" PRIu64 ")", domid,
				mfn);
			return EINVAL;
		}
	}
	dom->introduced = true;
	xsd_log(c->d, 1, "introduced domain %u (gfn %" PRIu64 ", port %u)", domid, mfn, port);
	watch_fire_special(c->d, &c->d->special_intro);
	return reply_ok(c, r);
}

/* Remove the subtree at path (if it still exists) and fire its watches. */
static void rm_path(struct xsd *d, const char *path)
{
	uint32_t len = strlen(path), pl;
	struct node *n = st_get(d, NULL, path, len), *parent;

	if (!n || len <= 1)
		return;
	for (pl = len; path[pl - 1] != '/'; pl--)
		;
	pl = pl > 1 ? pl - 1 : 1;
	rm_tree(d, NULL, n);
	parent = st_get(d, NULL, path, pl);
	if (parent) {
		parent = st_get_mut(d, NULL, parent);
		node_del_kid(parent, path + pl + (pl > 1), len - pl - (pl > 1));
		st_changed(d, NULL, parent);
	}
	watch_fire(d, path, true, NULL, 0);
}

/* Remove every node the domain owns (with their subtrees): one scan, then removals. */
static void rm_owned(struct xsd *d, uint32_t domid)
{
	char **victims = NULL;
	uint32_t i, nv = 0, cap = 0;
	struct node *n;

	for (i = 0; d->store.b && i <= d->store.mask; i++) {
		for (n = d->store.b[i]; n; n = n->hnext) {
			if (n->plen <= 1 || !n->nperms || n->perms[0].id != domid)
				continue;
			if (nv == cap) {
				char **nvs = realloc(victims, (cap ? cap * 2 : 16) * sizeof(*nvs));

				if (!nvs)
					goto out;
				victims = nvs;
				cap = cap ? cap * 2 : 16;
			}
			victims[nv] = strdup(n->path);
			if (!victims[nv])
				goto out;
			nv++;
		}
	}
	for (i = 0; i < nv; i++)
		rm_path(d, victims[i]);
out:
	for (i = 0; i < nv; i++)
		free(victims[i]);
	free(victims);
}

/*
 * Forget an introduced domain: drop its connection (with its watches and
 * transactions), unmap its ring, remove the nodes it owns and fire
 * @releaseDomain.
 */
void xsd_release_domain(struct xsd *d, struct domain *dom)
{
	if (dom->conn) {
		struct conn *dc = dom->conn;

		dom->conn = NULL;
		if (dc->ops && dc->ops->close)
			dc->ops->close(dc);
		else
			dc->dead = true;
	}
	if (d->unmap_domain)
		d->unmap_domain(d, dom);
	dom->introduced = false;
	dom->has_target = false;
	rm_owned(d, dom->domid);
	xsd_log(d, 1, "released domain %u", dom->domid);
	watch_fire_special(d, &d->special_release);
}

/*
 * A domain died or shut down (VIRQ_DOM_EXC): release every introduced guest
 * the hypervisor reports as dying or gone, then fire @releaseDomain once
 * more so that the toolstack looks (it may also be a shutdown, which it
 * handles itself).
 */
void xsd_domain_exc(struct xsd *d)
{
	struct domain *dom;

	for (dom = d->domains; dom; dom = dom->next) {
		if (!dom->introduced || dom->domid == 0 || !d->domain_gone)
			continue;
		if (d->domain_gone(d, dom->domid))
			xsd_release_domain(d, dom);
	}
	watch_fire_special(d, &d->special_release);
}

static int op_release(struct conn *c, struct req *r)
{
	struct domain *dom;
	uint32_t domid;

	if (domid_arg(r, &domid) || domid == 0)
		return EINVAL;
	dom = introduced(c->d, domid);
	if (!dom)
		return ENOENT;
	xsd_release_domain(c->d, dom);
	return reply_ok(c, r);
}

static int op_resume(struct conn *c, struct req *r)
{
	struct domain *dom;
	uint32_t domid;

	if (domid_arg(r, &domid))
		return EINVAL;
	dom = introduced(c->d, domid);
	if (!dom)
		return ENOENT;
	dom->shutdown = false;
	return reply_ok(c, r);
}

static int op_set_target(struct conn *c, struct req *r)
{
	const char *v[2];
	uint32_t domid, target;
	struct domain *dom;

	if (!get_args(r, v, 2) || !parse_u32(v[0], &domid) || !parse_u32(v[1], &target))
		return EINVAL;
	dom = introduced(c->d, domid);
	if (!dom || !introduced(c->d, target))
		return ENOENT;
	dom->has_target = true;
	dom->target = target;
	return reply_ok(c, r);
}

static int op_reset_watches(struct conn *c, struct req *r)
{
	watch_del_all(c);
	while (c->txns) {
		struct txn *t = c->txns;

		c->txns = t->next;
		txn_free(t);
	}
	c->ntxns = 0;
	return reply_ok(c, r);
}

static const char control_help[] = "check\t\n"
				   "print\t<string>\n"
				   "quota\t\n"
				   "memreport\t\n"
				   "help\t\n";

static int op_control(struct conn *c, struct req *r)
{
	const char *cmd = r->p;
	char buf[512];
	struct xsd_quota *q = &c->d->q;

	if (!r->len || !memchr(r->p, 0, r->len))
		return EINVAL;
	if (!strcmp(cmd, "help"))
		return reply_str(c, r, control_help);
	if (!strcmp(cmd, "check"))
		return reply_ok(c, r);
	if (!strcmp(cmd, "print")) {
		size_t l = strlen(cmd) + 1;

		if (l >= r->len)
			return EINVAL;
		xsd_log(c->d, 0, "control: %s", r->p + l);
		return reply_ok(c, r);
	}
	if (!strcmp(cmd, "quota")) {
		snprintf(buf, sizeof(buf),
			 "entry-nb %d\nentry-size %d\nwatch-nb %d\ntransaction %d\nperm-nb %d\n"
			 "path-max %d\ntransaction-nodes %d\nmemory %ld\noutstanding %d\n",
			 q->nodes, q->entry_size, q->watches, q->transactions, q->perms,
			 q->path_max, q->txn_nodes, q->memory, q->outstanding);
		return reply_str(c, r, buf);
	}
	if (!strcmp(cmd, "memreport")) {
		snprintf(buf, sizeof(buf), "nodes %u\nwatches %u\nquota hits %lu\n",
			 c->d->nodes_total, c->d->watches.n, c->d->quota_hits);
		return reply_str(c, r, buf);
	}
	return EINVAL;
}

enum {
	F_PRIV = 1,  /* privileged connections only */
	F_WRITE = 2, /* changes state: not on read-only connections */
	F_NOTXN = 4, /* tx_id is ignored */
};

static const struct {
	int (*fn)(struct conn *c, struct req *r);
	unsigned flags;
} ops[XS_TYPE_COUNT] = {
	[XS_CONTROL] = { op_control, F_PRIV | F_NOTXN },
	[XS_DIRECTORY] = { op_directory, 0 },
	[XS_READ] = { op_read, 0 },
	[XS_GET_PERMS] = { op_get_perms, 0 },
	[XS_WATCH] = { op_watch, F_NOTXN },
	[XS_UNWATCH] = { op_unwatch, F_NOTXN },
	[XS_TRANSACTION_START] = { op_txn_start, 0 },
	[XS_TRANSACTION_END] = { op_txn_end, 0 },
	[XS_INTRODUCE] = { op_introduce, F_PRIV | F_WRITE | F_NOTXN },
	[XS_RELEASE] = { op_release, F_PRIV | F_WRITE | F_NOTXN },
	[XS_GET_DOMAIN_PATH] = { op_get_domain_path, F_NOTXN },
	[XS_WRITE] = { op_write, F_WRITE },
	[XS_MKDIR] = { op_mkdir, F_WRITE },
	[XS_RM] = { op_rm, F_WRITE },
	[XS_SET_PERMS] = { op_set_perms, F_WRITE },
	[XS_IS_DOMAIN_INTRODUCED] = { op_is_introduced, F_PRIV | F_NOTXN },
	[XS_RESUME] = { op_resume, F_PRIV | F_WRITE | F_NOTXN },
	[XS_SET_TARGET] = { op_set_target, F_PRIV | F_WRITE | F_NOTXN },
	[XS_RESET_WATCHES] = { op_reset_watches, F_NOTXN },
	[XS_DIRECTORY_PART] = { op_directory_part, 0 },
};

void xsd_process(struct conn *c, const struct xsd_sockmsg *h, char *payload)
{
	struct req r = { h, payload, h->len, NULL };
	int err;

	if (c->d->trace)
		fprintf(c->d->trace, "IN  %p type %u req %u tx %u len %u\n", (void *)c, h->type,
			h->req_id, h->tx_id, h->len);
	if (h->type >= XS_TYPE_COUNT || !ops[h->type].fn) {
		send_error(c, h, ENOSYS);
		return;
	}
	if ((ops[h->type].flags & F_PRIV) && !c->priv) {
		send_error(c, h, EACCES);
		return;
	}
	if (!(ops[h->type].flags & F_NOTXN) && h->tx_id) {
		r.t = txn_find(c, h->tx_id);
		if (!r.t) {
			send_error(c, h, ENOENT);
			return;
		}
	}
	if (c->ro && (ops[h->type].flags & F_WRITE)) {
		send_error(c, h, EROFS);
		return;
	}
	if (r.t && is_unpriv(c) && (int)r.t->nentries > c->d->q.txn_nodes) {
		xsd_quota_hit(c->d, c, "transaction-nodes");
		send_error(c, h, ENOSPC);
		return;
	}
	err = ops[h->type].fn(c, &r);
	if (err)
		send_error(c, h, err);
}
