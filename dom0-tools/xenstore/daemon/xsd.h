/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Petrel xenstored: internal interfaces.
 *
 * The daemon is single-threaded.  The store is a hash of nodes keyed by
 * their full path; every node carries its packed child-name list and a
 * generation number taken from one global counter.  A transaction is an
 * overlay hash of the nodes it touched (read, changed or removed), each
 * remembering the generation it saw; commit checks those generations and
 * fails with EAGAIN if any moved.
 *
 * Transports (Unix sockets, shared rings, in-memory for tests) feed bytes
 * with xsd_conn_input() and drain the reply queue with xsd_conn_output().
 */
#ifndef PETREL_XSD_H
#define PETREL_XSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "xs_proto.h"

#define XS_PERM_NONE 0
#define XS_PERM_READ 1
#define XS_PERM_WRITE 2
#define XS_PERM_BOTH 3

#define XSD_TX_MAX_ID 0x7fffffffu

struct xs_perm {
	uint32_t id;
	uint32_t perm;
};

/* Entry states in a transaction overlay; main-store nodes use TXE_NONE. */
enum txe_state { TXE_NONE = 0, TXE_READ, TXE_MOD, TXE_DEL };

struct node {
	struct node *hnext; /* hash chain */
	uint32_t hash;
	uint32_t plen; /* strlen(path) */
	uint32_t vlen; /* value bytes */
	uint32_t klen; /* bytes of packed "a\0b\0" child names */
	uint32_t kcap;
	uint32_t nperms;
	uint64_t gen;	   /* generation of the last change */
	uint64_t orig_gen; /* overlay only: gen seen in the store, 0 = absent */
	enum txe_state state;
	struct node *tnext; /* overlay only: list in order of first touch */
	char *path;
	char *val;
	char *kids;
	struct xs_perm *perms;
};

struct htab {
	struct node **b;
	uint32_t mask;
	uint32_t n;
};

/* A change to report to watchers once it is visible in the store. */
struct change {
	struct change *next;
	bool recursive; /* removal of a subtree */
	uint32_t nperms;
	struct xs_perm *perms; /* perms of the node, to filter readers */
	char path[];
};

struct txn {
	struct txn *next;
	uint32_t id;
	uint32_t nentries;
	int node_delta; /* nodes created - removed for the conn's domain */
	struct htab ov;
	struct node *first, *last;
	struct change *changes, *changes_tail;
};

struct xsd;
struct conn;

struct watch {
	struct watch *cnext; /* in the connection's list */
	struct watch *hnext; /* in the daemon's hash by path */
	struct conn *conn;
	uint32_t hash;
	uint32_t rel_off; /* bytes to strip from event paths (relative watch) */
	char *path;	  /* absolute or special (@...) */
	char *token;
};

struct domain {
	struct domain *next;
	uint32_t domid;
	bool introduced;
	bool shutdown;
	bool has_target;
	uint32_t target;
	uint64_t mfn;
	uint32_t port;
	struct conn *conn; /* ring connection, if any */
	/* accounting (nodes owned, memory of owned nodes, watches) */
	int nodes;
	long memory;
	int watches;
	bool warned_mem;
};

struct conn_ops {
	/* output became pending (transport should try to send) */
	void (*wake)(struct conn *c);
	/* the daemon wants this connection gone (after RELEASE etc.) */
	void (*close)(struct conn *c);
};

struct conn {
	struct xsd *d;
	struct conn *next, *prev;
	uint32_t domid;
	bool priv;	/* may do privileged operations, full access */
	bool ro;	/* read-only socket */
	bool dead;	/* protocol violation: transport must drop it */
	bool throttled; /* input paused: too many replies unread */
	const struct conn_ops *ops;
	void *tp; /* transport private */

	/* input assembly */
	struct xsd_sockmsg hdr;
	uint32_t hdr_got;
	uint32_t in_got;
	char in[XENSTORE_PAYLOAD_MAX + 1];

	/* output queue: out[out_off .. out_len) */
	char *out;
	size_t out_off, out_len, out_cap;
	uint32_t out_msgs; /* replies queued, for the outstanding quota */
	uint32_t out_events;

	struct watch *watches;
	uint32_t nwatches;
	struct txn *txns;
	uint32_t ntxns;
	uint32_t next_txid;
};

struct xsd_quota {
	int nodes;	    /* -E entry-nb */
	int entry_size;	    /* -S entry-size */
	int watches;	    /* -W watch-nb */
	int transactions;   /* -t transaction */
	int perms;	    /* -A perm-nb */
	int path_max;	    /* -M path-max */
	int txn_nodes;	    /* -Q transaction-nodes= */
	long memory;	    /* -Q memory= */
	long memory_soft;   /* -q memory= */
	int outstanding;    /* -Q outstanding= */
	long out_bytes_max; /* queued output beyond which a conn is dropped */
};

struct xsd {
	struct htab store;
	uint64_t gen;
	uint32_t nodes_total;
	struct conn *conns;
	struct htab_w {
		struct watch **b;
		uint32_t mask, n;
	} watches;
	struct domain *domains;
	struct node special_intro, special_release;
	struct xsd_quota q;
	int verbose;
	bool use_syslog; /* daemonised: log through syslog */
	FILE *trace;
	FILE *logf;
	unsigned long quota_hits;
	/* ring mapping for INTRODUCE; NULL = domains get no connection */
	struct conn *(*map_domain)(struct xsd *d, struct domain *dom);
	void (*unmap_domain)(struct xsd *d, struct domain *dom);
	/* true if the hypervisor says the domain is dying or no longer exists */
	bool (*domain_gone)(struct xsd *d, uint32_t domid);
};

/* core.c */
struct xsd *xsd_new(void);
void xsd_free(struct xsd *d);
void xsd_default_quota(struct xsd_quota *q);
void xsd_log(struct xsd *d, int level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void xsd_quota_hit(struct xsd *d, struct conn *c, const char *what);

struct conn *xsd_conn_new(struct xsd *d, uint32_t domid, bool priv, bool ro,
			  const struct conn_ops *ops, void *tp);
void xsd_conn_free(struct conn *c);
/* Consume input; returns bytes used (< len when the conn wants to pause
 * because its output is backed up), or -1 if the conn must be dropped. */
long xsd_conn_input(struct conn *c, const void *buf, size_t len);
bool xsd_conn_can_read(const struct conn *c);
/* Pending output; xsd_conn_consumed() after sending n bytes of it. */
size_t xsd_conn_output(struct conn *c, const char **p);
void xsd_conn_consumed(struct conn *c, size_t n);
/* ops.c: domain life cycle */
void xsd_release_domain(struct xsd *d, struct domain *dom);
void xsd_domain_exc(struct xsd *d);
/* Handle one complete message (used by the fuzzer and tests). */
void xsd_process(struct conn *c, const struct xsd_sockmsg *h, char *payload);

/* store.c */
uint32_t xs_hash(const char *s, uint32_t len);
struct node *htab_find(const struct htab *t, const char *p, uint32_t len, uint32_t h);
int htab_insert(struct htab *t, struct node *n);
void htab_remove(struct htab *t, struct node *n);
void htab_destroy(struct htab *t, void (*fn)(struct node *));
void node_free(struct node *n);
struct node *node_new(const char *path, uint32_t plen);
struct node *node_copy(const struct node *n);
int node_set_value(struct node *n, const void *v, uint32_t len);
int node_add_kid(struct node *n, const char *name, uint32_t len);
void node_del_kid(struct node *n, const char *name, uint32_t len);
int node_set_perms(struct node *n, const struct xs_perm *p, uint32_t np);
long node_mem(const struct node *n);

struct node *st_get(struct xsd *d, struct txn *t, const char *path, uint32_t plen);
struct node *st_get_mut(struct xsd *d, struct txn *t, struct node *n);
int st_create(struct xsd *d, struct txn *t, struct node *n);
int st_delete(struct xsd *d, struct txn *t, struct node *n);
void st_changed(struct xsd *d, struct txn *t, struct node *n);
struct txn *txn_new(uint32_t id);
void txn_free(struct txn *t);
int txn_commit(struct xsd *d, struct txn *t);
struct domain *dom_acct(struct xsd *d, uint32_t domid, bool create);

/* watch.c */
int watch_add(struct conn *c, const char *path, const char *token, uint32_t rel_off);
int watch_del(struct conn *c, const char *path, const char *token);
void watch_del_all(struct conn *c);
void watch_fire(struct xsd *d, const char *path, bool recursive, const struct xs_perm *perms,
		uint32_t nperms);
void watch_fire_special(struct xsd *d, struct node *special);
void change_record(struct txn *t, const char *path, bool recursive, const struct xs_perm *perms,
		   uint32_t nperms);

/* perms.c */
uint32_t perm_for(const struct conn *c, const struct xs_perm *p, uint32_t np);
int perms_parse(const char *buf, uint32_t len, struct xs_perm *out, uint32_t max);
int perms_format(const struct xs_perm *p, uint32_t np, char *buf, size_t size);

/* out.c helpers shared by the handlers */
struct xs_part {
	const void *p;
	uint32_t len;
};
int conn_reply_parts(struct conn *c, uint32_t type, const struct xsd_sockmsg *req,
		     const struct xs_part *parts, unsigned int np);
int conn_reply(struct conn *c, uint32_t type, const struct xsd_sockmsg *req, const void *a,
	       uint32_t alen, const void *b, uint32_t blen);
int conn_send_event(struct conn *c, const char *path, const char *token);

#endif
