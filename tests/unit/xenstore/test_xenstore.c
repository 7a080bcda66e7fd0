// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of Petrel's xenstored core: the store, transactions, watches,
 * permissions, domains, quotas, message assembly and the ring transport.
 * Connections are in-memory: requests go in through xsd_conn_input(), replies
 * come out of the connection's output queue.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <liburing.h>

#include "ring.h"
#include "uring.h"
#include "xsd.h"

struct msg {
	struct xsd_sockmsg h;
	char body[XENSTORE_PAYLOAD_MAX + 1];
};

static struct xsd *d;

static int setup(void **state)
{
	(void)state;
	d = xsd_new();
	d->verbose = -1; /* quiet */
	return d ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	xsd_free(d);
	d = NULL;
	return 0;
}

static struct conn *dom0(void)
{
	return xsd_conn_new(d, 0, true, false, NULL, NULL);
}

static struct conn *guest(uint32_t domid)
{
	return xsd_conn_new(d, domid, false, false, NULL, NULL);
}

/* Pop the next queued message; false if none. */
static bool pop(struct conn *c, struct msg *m)
{
	const char *p;
	size_t n = xsd_conn_output(c, &p);

	if (n < sizeof(m->h))
		return false;
	memcpy(&m->h, p, sizeof(m->h));
	assert_true(n >= sizeof(m->h) + m->h.len);
	memcpy(m->body, p + sizeof(m->h), m->h.len);
	m->body[m->h.len] = 0;
	xsd_conn_consumed(c, sizeof(m->h) + m->h.len);
	return true;
}

/* Pop the next message that is not a watch event (events are dropped). */
static void pop_reply(struct conn *c, struct msg *m)
{
	do
		assert_true(pop(c, m));
	while (m->h.type == XS_WATCH_EVENT);
}

static void send_raw(struct conn *c, uint32_t type, uint32_t tx, const void *p, uint32_t len)
{
	struct xsd_sockmsg h = { type, 77, tx, len };

	assert_int_equal(xsd_conn_input(c, &h, sizeof(h)), sizeof(h));
	if (len)
		assert_int_equal(xsd_conn_input(c, p, len), len);
}

/* Request; returns the reply type and leaves the body in m. */
static uint32_t req(struct conn *c, uint32_t type, uint32_t tx, const void *p, uint32_t len,
		    struct msg *m)
{
	send_raw(c, type, tx, p, len);
	pop_reply(c, m);
	assert_int_equal(m->h.req_id, 77);
	return m->h.type;
}

/* Request from NUL-separated strings: "a\0b" with total length len. */
#define REQ(c, type, tx, lit, m) req(c, type, tx, lit, sizeof(lit), m)

static void expect_err(struct conn *c, uint32_t type, uint32_t tx, const void *p, uint32_t len,
		       const char *err)
{
	struct msg m;

	assert_int_equal(req(c, type, tx, p, len, &m), XS_ERROR);
	assert_string_equal(m.body, err);
}

#define EXPECT_ERR(c, type, tx, lit, err) expect_err(c, type, tx, lit, sizeof(lit), err)

static void expect_ok(struct conn *c, uint32_t type, uint32_t tx, const void *p, uint32_t len)
{
	struct msg m;

	assert_int_equal(req(c, type, tx, p, len, &m), type);
}

#define EXPECT_OK(c, type, tx, lit) expect_ok(c, type, tx, lit, sizeof(lit))

static void write_node(struct conn *c, uint32_t tx, const char *path, const char *val)
{
	char buf[4096];
	size_t pl = strlen(path) + 1, vl = strlen(val);
	struct msg m;

	memcpy(buf, path, pl);
	memcpy(buf + pl, val, vl);
	assert_int_equal(req(c, XS_WRITE, tx, buf, pl + vl, &m), XS_WRITE);
	assert_string_equal(m.body, "OK");
}

static uint32_t write_err(struct conn *c, uint32_t tx, const char *path, const char *val,
			  struct msg *m)
{
	char buf[4096];
	size_t pl = strlen(path) + 1, vl = strlen(val);

	memcpy(buf, path, pl);
	memcpy(buf + pl, val, vl);
	return req(c, XS_WRITE, tx, buf, pl + vl, m);
}

/* Read: returns the reply type; value in m->body. */
static uint32_t read_node(struct conn *c, uint32_t tx, const char *path, struct msg *m)
{
	return req(c, XS_READ, tx, path, strlen(path) + 1, m);
}

static void expect_val(struct conn *c, uint32_t tx, const char *path, const char *val)
{
	struct msg m;

	assert_int_equal(read_node(c, tx, path, &m), XS_READ);
	assert_int_equal(m.h.len, strlen(val));
	assert_string_equal(m.body, val);
}

static void expect_read_err(struct conn *c, uint32_t tx, const char *path, const char *err)
{
	expect_err(c, XS_READ, tx, path, strlen(path) + 1, err);
}

/* Directory listing joined with ',' */
static void expect_dir(struct conn *c, uint32_t tx, const char *path, const char *want)
{
	struct msg m;
	uint32_t i;

	assert_int_equal(req(c, XS_DIRECTORY, tx, path, strlen(path) + 1, &m), XS_DIRECTORY);
	for (i = 0; i + 1 < m.h.len; i++)
		if (!m.body[i])
			m.body[i] = ',';
	if (m.h.len)
		m.body[m.h.len - 1] = 0;
	assert_string_equal(m.body, want);
}

static uint32_t tx_start(struct conn *c)
{
	struct msg m;

	assert_int_equal(REQ(c, XS_TRANSACTION_START, 0, "", &m), XS_TRANSACTION_START);
	return strtoul(m.body, NULL, 10);
}

static void set_perms(struct conn *c, const char *path, const char *perms, size_t plen)
{
	char buf[256];
	size_t l = strlen(path) + 1;
	struct msg m;

	memcpy(buf, path, l);
	memcpy(buf + l, perms, plen);
	assert_int_equal(req(c, XS_SET_PERMS, 0, buf, l + plen, &m), XS_SET_PERMS);
}

/* Next watch event queued on c (path, token); false if none. */
static bool next_event(struct conn *c, char *path, char *token)
{
	struct msg m;

	while (pop(c, &m)) {
		if (m.h.type != XS_WATCH_EVENT)
			continue;
		assert_int_equal(m.h.req_id, 0);
		strcpy(path, m.body);
		strcpy(token, m.body + strlen(m.body) + 1);
		return true;
	}
	return false;
}

static void expect_event(struct conn *c, const char *path, const char *token)
{
	char p[4096], t[4096];

	assert_true(next_event(c, p, t));
	assert_string_equal(p, path);
	assert_string_equal(t, token);
}

static void watch(struct conn *c, const char *path, const char *token)
{
	char buf[512];
	size_t l = strlen(path) + 1, tl = strlen(token) + 1;
	struct msg m;

	memcpy(buf, path, l);
	memcpy(buf + l, token, tl);
	send_raw(c, XS_WATCH, 0, buf, l + tl);
	assert_true(pop(c, &m));
	assert_int_equal(m.h.type, XS_WATCH);
	expect_event(c, path, token); /* the initial firing */
}

/* ---------------- store ---------------- */

static void test_initial_tree(void **s)
{
	struct conn *c = dom0();

	(void)s;
	expect_dir(c, 0, "/", "tool");
	expect_dir(c, 0, "/tool", "xenstored");
	expect_val(c, 0, "/tool", "");
}

static void test_write_read_mkdir(void **s)
{
	struct conn *c = dom0();

	(void)s;
	write_node(c, 0, "/a/b/c", "value");
	expect_val(c, 0, "/a/b/c", "value");
	expect_val(c, 0, "/a/b", "");
	expect_dir(c, 0, "/a", "b");
	expect_dir(c, 0, "/", "tool,a");
	write_node(c, 0, "/a/b/c", "");
	expect_val(c, 0, "/a/b/c", "");
	write_node(c, 0, "/a/b", "keep");
	EXPECT_OK(c, XS_MKDIR, 0, "/a/b");
	expect_val(c, 0, "/a/b", "keep");
	EXPECT_OK(c, XS_MKDIR, 0, "/m/n");
	expect_val(c, 0, "/m/n", "");
	expect_read_err(c, 0, "/nope", "ENOENT");
	/* binary values with NULs */
	{
		static const char buf[] = "/bin\0a\0b";
		struct msg m;

		assert_int_equal(req(c, XS_WRITE, 0, buf, sizeof(buf) - 1, &m), XS_WRITE);
		assert_int_equal(read_node(c, 0, "/bin", &m), XS_READ);
		assert_int_equal(m.h.len, 3);
		assert_memory_equal(m.body, "a\0b", 3);
	}
}

static void test_rm(void **s)
{
	struct conn *c = dom0();

	(void)s;
	write_node(c, 0, "/r/x/y", "1");
	write_node(c, 0, "/r/z", "2");
	EXPECT_OK(c, XS_RM, 0, "/r/x");
	expect_read_err(c, 0, "/r/x/y", "ENOENT");
	expect_read_err(c, 0, "/r/x", "ENOENT");
	expect_dir(c, 0, "/r", "z");
	EXPECT_OK(c, XS_RM, 0, "/r/missing");
	EXPECT_ERR(c, XS_RM, 0, "/nothere/missing", "ENOENT");
	EXPECT_ERR(c, XS_RM, 0, "/", "EINVAL");
	EXPECT_OK(c, XS_RM, 0, "/r");
	expect_dir(c, 0, "/", "tool");
	assert_int_equal(d->nodes_total, 3);
}

static void test_invalid_input(void **s)
{
	struct conn *c = dom0();
	char big[XENSTORE_ABS_PATH_MAX + 8];

	(void)s;
	EXPECT_ERR(c, XS_READ, 0, "//a", "EINVAL");
	EXPECT_ERR(c, XS_READ, 0, "/a/", "EINVAL");
	EXPECT_ERR(c, XS_READ, 0, "/a b", "EINVAL");
	EXPECT_ERR(c, XS_READ, 0, "/a\xff", "EINVAL");
	EXPECT_ERR(c, XS_READ, 0, "", "EINVAL");
	EXPECT_ERR(c, XS_READ, 0, "/tool\0extra", "EINVAL");
	expect_err(c, XS_READ, 0, "/tool", 5, "EINVAL"); /* no NUL */
	expect_err(c, XS_WRITE, 0, "/tool", 5, "EINVAL");
	expect_err(c, XS_READ, 0, NULL, 0, "EINVAL");
	EXPECT_ERR(c, XS_READ, 0, "@releaseDomain", "EINVAL");
	EXPECT_ERR(c, 99, 0, "/", "ENOSYS");
	EXPECT_ERR(c, 20 /* the removed XS_RESTRICT */, 0, "1", "ENOSYS");
	EXPECT_ERR(c, XS_WATCH_EVENT, 0, "/", "ENOSYS");
	EXPECT_ERR(c, XS_ERROR, 0, "/", "ENOSYS");
	EXPECT_ERR(c, XS_WATCH, 0, "/a\0t\0x", "EINVAL");
	EXPECT_ERR(c, XS_DIRECTORY_PART, 0, "/tool", "EINVAL");
	EXPECT_ERR(c, XS_DIRECTORY_PART, 0, "/tool\0x", "EINVAL");
	EXPECT_ERR(c, XS_GET_DOMAIN_PATH, 0, "abc", "EINVAL");
	EXPECT_ERR(c, XS_GET_DOMAIN_PATH, 0, "99999999999", "EINVAL");
	memset(big, 'a', sizeof(big));
	big[0] = '/';
	big[XENSTORE_ABS_PATH_MAX + 1] = 0;
	expect_err(c, XS_READ, 0, big, XENSTORE_ABS_PATH_MAX + 2, "EINVAL");
	/* path-max (2048) counts below /local/domain/<id>/, else the whole path */
	big[2049] = 0;
	expect_err(c, XS_READ, 0, big, 2050, "EINVAL");
	big[2048] = 0; /* exactly at the limit: valid, absent */
	expect_err(c, XS_READ, 0, big, 2049, "ENOENT");
	memset(big, 'a', sizeof(big));
	memcpy(big, "/local/domain/0/", 16);
	big[16 + 2048] = 0;
	expect_err(c, XS_READ, 0, big, 16 + 2049, "ENOENT");
	big[16 + 2048] = 'a';
	big[16 + 2049] = 0;
	expect_err(c, XS_READ, 0, big, 16 + 2050, "EINVAL");
	memset(big, 'a', sizeof(big));
	/* a relative path over 2048 */
	memset(big, 'b', XENSTORE_REL_PATH_MAX + 1);
	big[XENSTORE_REL_PATH_MAX + 1] = 0;
	expect_err(c, XS_READ, 0, big, XENSTORE_REL_PATH_MAX + 2, "EINVAL");
	/* errors echo req_id and tx_id */
	{
		struct msg m;

		assert_int_equal(req(c, XS_READ, 0, "/x", 3, &m), XS_ERROR);
		assert_int_equal(m.h.req_id, 77);
	}
}

static void test_message_assembly(void **s)
{
	struct conn *c = dom0();
	struct xsd_sockmsg h = { XS_WRITE, 5, 0, 4 };
	char stream[64];
	size_t i, n = 0;
	struct msg m;

	(void)s;
	/* a write and a read in one buffer, fed one byte at a time */
	memcpy(stream, &h, 16);
	memcpy(stream + 16, "/q\0v", 4);
	n = 20;
	h = (struct xsd_sockmsg){ XS_READ, 6, 0, 3 };
	memcpy(stream + n, &h, 16);
	memcpy(stream + n + 16, "/q", 3);
	n += 19;
	for (i = 0; i < n; i++)
		assert_int_equal(xsd_conn_input(c, stream + i, 1), 1);
	assert_true(pop(c, &m));
	assert_int_equal(m.h.req_id, 5);
	assert_true(pop(c, &m));
	assert_int_equal(m.h.req_id, 6);
	assert_string_equal(m.body, "v");
	/* a header announcing more than 4096 bytes drops the connection */
	h = (struct xsd_sockmsg){ XS_READ, 1, 0, XENSTORE_PAYLOAD_MAX + 1 };
	assert_int_equal(xsd_conn_input(c, &h, sizeof(h)), -1);
	assert_true(c->dead);
	/* other connections are unaffected */
	expect_val(dom0(), 0, "/q", "v");
}

static void test_directory_part(void **s)
{
	struct conn *c = dom0();
	char path[64], acc[16384], gen[32] = "";
	uint32_t off = 0, count = 0, i;
	struct msg m;

	(void)s;
	for (i = 0; i < 600; i++) {
		snprintf(path, sizeof(path), "/big/child-number-%u", i);
		write_node(c, 0, path, "");
	}
	EXPECT_ERR(c, XS_DIRECTORY, 0, "/big", "E2BIG");
	for (;;) {
		char q[64];
		int ql = snprintf(q, sizeof(q), "/big%c%u", 0, off) + 1;
		uint32_t gl, rl;

		assert_int_equal(req(c, XS_DIRECTORY_PART, 0, q, ql, &m), XS_DIRECTORY_PART);
		assert_true(m.h.len <= XENSTORE_PAYLOAD_MAX);
		gl = strlen(m.body) + 1;
		if (!gen[0])
			strcpy(gen, m.body);
		assert_string_equal(gen, m.body);
		rl = m.h.len - gl;
		memcpy(acc + off, m.body + gl, rl);
		if (rl == 1 || (m.body[m.h.len - 1] == 0 && m.body[m.h.len - 2] == 0)) {
			off += rl - 1;
			break;
		}
		/* a part that is not the last holds as many whole names as fit:
		 * the next name ("child-number-NNN\0", at most 17 bytes) did not */
		assert_true(m.h.len + 17 > XENSTORE_PAYLOAD_MAX - 1);
		assert_int_equal(m.body[m.h.len - 1], 0);
		off += rl;
	}
	for (i = 0; i < off; i++)
		if (!acc[i])
			count++;
	assert_int_equal(count, 600);
	assert_string_equal(acc, "child-number-0");
	/* an offset inside a name: the part starts with the rest of that name */
	{
		char q[64];
		int ql = snprintf(q, sizeof(q), "/big%c%u", 0, 3) + 1;

		assert_int_equal(req(c, XS_DIRECTORY_PART, 0, q, ql, &m), XS_DIRECTORY_PART);
		assert_string_equal(m.body + strlen(m.body) + 1, "ld-number-0");
	}
	/* an offset past the end: just the end marker */
	{
		char q[64];
		int ql = snprintf(q, sizeof(q), "/big%c%u", 0, off) + 1;

		assert_int_equal(req(c, XS_DIRECTORY_PART, 0, q, ql, &m), XS_DIRECTORY_PART);
		assert_int_equal(m.h.len, strlen(m.body) + 2);
	}
}

/* ---------------- permissions ---------------- */

static void test_perms(void **s)
{
	struct conn *c = dom0(), *g5 = guest(5), *g6 = guest(6);
	struct msg m;

	(void)s;
	write_node(c, 0, "/p", "secret");
	assert_int_equal(REQ(c, XS_GET_PERMS, 0, "/p", &m), XS_GET_PERMS);
	assert_string_equal(m.body, "n0");
	expect_read_err(g5, 0, "/p", "EACCES");
	set_perms(c, "/p", "n0\0r5", 6);
	assert_int_equal(REQ(c, XS_GET_PERMS, 0, "/p", &m), XS_GET_PERMS);
	assert_int_equal(m.h.len, 6);
	assert_memory_equal(m.body, "n0\0r5", 6);
	expect_val(g5, 0, "/p", "secret");
	expect_read_err(g6, 0, "/p", "EACCES");
	assert_int_equal(write_err(g5, 0, "/p", "x", &m), XS_ERROR);
	assert_string_equal(m.body, "EACCES");
	/* default perm from the first entry */
	set_perms(c, "/p", "r0", 3);
	expect_val(g6, 0, "/p", "secret");
	/* the owner has full access; only privileged callers change the owner */
	set_perms(c, "/p", "n6", 3);
	write_node(g6, 0, "/p", "mine");
	expect_read_err(g5, 0, "/p", "EACCES");
	set_perms(g6, "/p", "n6\0b5", 6);
	expect_val(g5, 0, "/p", "mine");
	EXPECT_ERR(g6, XS_SET_PERMS, 0, "/p\0n5", "EPERM");
	EXPECT_ERR(g5, XS_SET_PERMS, 0, "/p\0n5", "EACCES");
	/* malformed permission lists */
	EXPECT_ERR(c, XS_SET_PERMS, 0, "/p\0x0", "EINVAL");
	EXPECT_ERR(c, XS_SET_PERMS, 0, "/p\0r", "EINVAL");
	EXPECT_ERR(c, XS_SET_PERMS, 0, "/p\0r1x", "EINVAL");
	EXPECT_ERR(c, XS_SET_PERMS, 0, "/p", "EINVAL");
	EXPECT_ERR(c, XS_SET_PERMS, 0, "/nope\0n0", "ENOENT");
	/* read-only connections */
	{
		struct conn *ro = xsd_conn_new(d, 0, true, true, NULL, NULL);

		expect_val(ro, 0, "/p", "mine");
		assert_int_equal(write_err(ro, 0, "/p", "x", &m), XS_ERROR);
		assert_string_equal(m.body, "EROFS");
	}
	/* privileged-only requests */
	EXPECT_ERR(g5, XS_INTRODUCE, 0, "7\0001\0002", "EACCES");
	EXPECT_ERR(g5, XS_CONTROL, 0, "help", "EACCES");
	EXPECT_ERR(g5, XS_IS_DOMAIN_INTRODUCED, 0, "0", "EACCES");
}

static void test_guest_home_and_inheritance(void **s)
{
	struct conn *c = dom0(), *g5 = guest(5);
	struct msg m;

	(void)s;
	write_node(c, 0, "/local/domain/5", "");
	set_perms(c, "/local/domain/5", "n5", 3);
	write_node(g5, 0, "data/x", "1"); /* relative */
	expect_val(c, 0, "/local/domain/5/data/x", "1");
	assert_int_equal(REQ(c, XS_GET_PERMS, 0, "/local/domain/5/data", &m), XS_GET_PERMS);
	assert_string_equal(m.body, "n5");
	/* a node created by dom0 inherits the parent's perms */
	write_node(c, 0, "/local/domain/5/byzero", "");
	assert_int_equal(REQ(c, XS_GET_PERMS, 0, "/local/domain/5/byzero", &m), XS_GET_PERMS);
	assert_string_equal(m.body, "n5");
	/* a guest cannot create outside its permitted area */
	assert_int_equal(write_err(g5, 0, "/elsewhere", "1", &m), XS_ERROR);
	assert_string_equal(m.body, "EACCES");
	assert_int_equal(REQ(c, XS_GET_DOMAIN_PATH, 0, "5", &m), XS_GET_DOMAIN_PATH);
	assert_string_equal(m.body, "/local/domain/5");
}

/* ---------------- transactions ---------------- */

static void test_txn_isolation_and_commit(void **s)
{
	struct conn *c = dom0();
	uint32_t t = tx_start(c);

	(void)s;
	assert_true(t != 0);
	write_node(c, t, "/t/a", "1");
	expect_val(c, t, "/t/a", "1");
	expect_read_err(c, 0, "/t/a", "ENOENT");
	expect_dir(c, t, "/", "tool,t");
	EXPECT_OK(c, XS_TRANSACTION_END, t, "T");
	expect_val(c, 0, "/t/a", "1");
	/* abort discards */
	t = tx_start(c);
	write_node(c, t, "/t/b", "2");
	EXPECT_OK(c, XS_RM, t, "/t/a");
	EXPECT_OK(c, XS_TRANSACTION_END, t, "F");
	expect_val(c, 0, "/t/a", "1");
	expect_read_err(c, 0, "/t/b", "ENOENT");
	/* the transaction is gone after its end */
	EXPECT_ERR(c, XS_READ, t, "/t/a", "ENOENT");
	/* rm of a subtree inside a transaction */
	write_node(c, 0, "/t/sub/x/y", "1");
	t = tx_start(c);
	EXPECT_OK(c, XS_RM, t, "/t/sub");
	expect_read_err(c, t, "/t/sub/x/y", "ENOENT");
	expect_val(c, 0, "/t/sub/x/y", "1");
	EXPECT_OK(c, XS_TRANSACTION_END, t, "T");
	expect_read_err(c, 0, "/t/sub/x/y", "ENOENT");
	expect_dir(c, 0, "/t", "a");
}

static void test_txn_conflict(void **s)
{
	struct conn *c = dom0(), *o = dom0();
	uint32_t t;

	(void)s;
	write_node(c, 0, "/c", "a");
	t = tx_start(c);
	expect_val(c, t, "/c", "a");
	write_node(o, 0, "/c", "b");
	expect_val(c, t, "/c", "a"); /* snapshot */
	write_node(c, t, "/c", "c");
	EXPECT_ERR(c, XS_TRANSACTION_END, t, "T", "EAGAIN");
	expect_val(c, 0, "/c", "b");
	/* creation of a sibling conflicts through the parent's child list */
	t = tx_start(c);
	write_node(c, t, "/cc/one", "1");
	write_node(o, 0, "/cc/two", "2");
	EXPECT_ERR(c, XS_TRANSACTION_END, t, "T", "EAGAIN");
	/* untouched nodes do not conflict */
	t = tx_start(c);
	expect_val(c, t, "/c", "b");
	write_node(o, 0, "/unrelated", "x");
	EXPECT_OK(c, XS_TRANSACTION_END, t, "T");
	/* nodes that were absent when read conflict when created meanwhile */
	t = tx_start(c);
	expect_read_err(c, t, "/late", "ENOENT");
	write_node(o, 0, "/late", "x");
	write_node(c, t, "/other", "1");
	EXPECT_ERR(c, XS_TRANSACTION_END, t, "T", "EAGAIN");
}

static void test_txn_errors(void **s)
{
	struct conn *c = dom0(), *o = dom0();
	uint32_t t;

	(void)s;
	EXPECT_ERR(c, XS_TRANSACTION_END, 0, "T", "ENOENT");
	EXPECT_ERR(c, XS_READ, 12345, "/tool", "ENOENT");
	t = tx_start(c);
	EXPECT_ERR(c, XS_TRANSACTION_START, t, "", "EBUSY");
	EXPECT_ERR(c, XS_TRANSACTION_END, t, "X", "EINVAL");
	EXPECT_ERR(c, XS_TRANSACTION_END, t, "", "EINVAL");
	/* transactions belong to their connection */
	EXPECT_ERR(o, XS_READ, t, "/tool", "ENOENT");
	/* WATCH ignores tx_id */
	{
		struct msg m;

		assert_int_equal(REQ(c, XS_WATCH, 999, "/zz\0tok", &m), XS_WATCH);
	}
	EXPECT_OK(c, XS_TRANSACTION_END, t, "F");
}

static void test_txn_watch_at_commit(void **s)
{
	struct conn *c = dom0(), *w = dom0();
	char p[256], tok[256];
	uint32_t t;

	(void)s;
	watch(w, "/tw", "T1");
	t = tx_start(c);
	write_node(c, t, "/tw/x", "1");
	assert_false(next_event(w, p, tok));
	EXPECT_OK(c, XS_TRANSACTION_END, t, "T");
	expect_event(w, "/tw/x", "T1");
	/* an aborted or failed transaction fires nothing */
	t = tx_start(c);
	write_node(c, t, "/tw/y", "1");
	EXPECT_OK(c, XS_TRANSACTION_END, t, "F");
	assert_false(next_event(w, p, tok));
}

/* ---------------- watches ---------------- */

static void test_watches(void **s)
{
	struct conn *c = dom0(), *w = dom0();
	char p[256], tok[256];

	(void)s;
	watch(w, "/w", "tok");
	write_node(c, 0, "/w/a/b", "1");
	expect_event(w, "/w/a/b", "tok");
	assert_false(next_event(w, p, tok));
	write_node(c, 0, "/wx", "1"); /* a prefix that is not a parent */
	write_node(c, 0, "/other", "1");
	assert_false(next_event(w, p, tok));
	EXPECT_OK(c, XS_MKDIR, 0, "/w/a"); /* exists: no change, no event */
	assert_false(next_event(w, p, tok));
	/* removing an ancestor reports the watched path */
	watch(w, "/w/a/b", "deep");
	EXPECT_OK(c, XS_RM, 0, "/w");
	expect_event(w, "/w", "tok");
	expect_event(w, "/w/a/b", "deep");
	/* duplicates and unwatch */
	EXPECT_ERR(w, XS_WATCH, 0, "/w\0tok", "EEXIST");
	EXPECT_OK(w, XS_UNWATCH, 0, "/w\0tok");
	EXPECT_ERR(w, XS_UNWATCH, 0, "/w\0tok", "ENOENT");
	write_node(c, 0, "/w", "1");
	assert_false(next_event(w, p, tok));
	/* root watch sees everything */
	watch(w, "/", "root");
	write_node(c, 0, "/anything", "1");
	expect_event(w, "/anything", "root");
	/* reset */
	EXPECT_OK(w, XS_RESET_WATCHES, 0, "");
	write_node(c, 0, "/anything", "2");
	assert_false(next_event(w, p, tok));
	assert_int_equal(w->nwatches, 0);
}

static void test_watch_relative_and_perms(void **s)
{
	struct conn *c = dom0(), *g = guest(5);
	char p[256], tok[256];

	(void)s;
	write_node(c, 0, "/local/domain/5", "");
	set_perms(c, "/local/domain/5", "n5", 3);
	watch(g, "dev", "rel");
	write_node(c, 0, "/local/domain/5/dev/vif", "1");
	expect_event(g, "dev/vif", "rel");
	/* no events for nodes the watcher cannot read */
	watch(g, "/secret", "s");
	write_node(c, 0, "/secret", "x");
	assert_false(next_event(g, p, tok));
	set_perms(c, "/secret", "r0", 3);
	write_node(c, 0, "/secret", "y");
	expect_event(g, "/secret", "s");
}

static void test_domains_and_special_watches(void **s)
{
	struct conn *c = dom0(), *w = dom0();
	struct msg m;

	(void)s;
	watch(w, "@introduceDomain", "in");
	watch(w, "@releaseDomain", "out");
	assert_int_equal(REQ(c, XS_IS_DOMAIN_INTRODUCED, 0, "7", &m), XS_IS_DOMAIN_INTRODUCED);
	assert_string_equal(m.body, "F");
	assert_int_equal(REQ(c, XS_IS_DOMAIN_INTRODUCED, 0, "0", &m), XS_IS_DOMAIN_INTRODUCED);
	assert_string_equal(m.body, "T");
	EXPECT_OK(c, XS_INTRODUCE, 0, "7\0001234\0005");
	expect_event(w, "@introduceDomain", "in");
	assert_int_equal(REQ(c, XS_IS_DOMAIN_INTRODUCED, 0, "7", &m), XS_IS_DOMAIN_INTRODUCED);
	assert_string_equal(m.body, "T");
	EXPECT_ERR(c, XS_INTRODUCE, 0, "7\0001\0002\0003", "EINVAL");
	EXPECT_ERR(c, XS_INTRODUCE, 0, "x\0001\0002", "EINVAL");
	EXPECT_ERR(c, XS_INTRODUCE, 0, "0\0001\0002", "EINVAL");
	EXPECT_OK(c, XS_RESUME, 0, "7");
	EXPECT_ERR(c, XS_RESUME, 0, "8", "ENOENT");
	EXPECT_ERR(c, XS_SET_TARGET, 0, "7\0008", "ENOENT");
	EXPECT_OK(c, XS_INTRODUCE, 0, "8\0001\0002");
	expect_event(w, "@introduceDomain", "in");
	EXPECT_OK(c, XS_SET_TARGET, 0, "7\0008");
	/* a domain with a target acts with the target's rights */
	{
		struct conn *g7 = guest(7);

		write_node(c, 0, "/tgt", "v");
		set_perms(c, "/tgt", "n8", 3);
		expect_val(g7, 0, "/tgt", "v");
		xsd_conn_free(g7);
	}
	/* releasing removes the domain's nodes */
	write_node(c, 0, "/local/domain/7/x", "1");
	set_perms(c, "/local/domain/7", "n7", 3);
	EXPECT_OK(c, XS_RELEASE, 0, "7");
	expect_event(w, "@releaseDomain", "out");
	expect_read_err(c, 0, "/local/domain/7", "ENOENT");
	expect_val(c, 0, "/local/domain", "");
	assert_int_equal(REQ(c, XS_IS_DOMAIN_INTRODUCED, 0, "7", &m), XS_IS_DOMAIN_INTRODUCED);
	assert_string_equal(m.body, "F");
	EXPECT_ERR(c, XS_RELEASE, 0, "7", "ENOENT");
	EXPECT_ERR(c, XS_RELEASE, 0, "0", "EINVAL");
	/* control */
	assert_int_equal(REQ(c, XS_CONTROL, 0, "help", &m), XS_CONTROL);
	assert_non_null(strstr(m.body, "print"));
	EXPECT_ERR(c, XS_CONTROL, 0, "bogus", "EINVAL");
}

/* ---------------- quotas ---------------- */

static void test_quotas(void **s)
{
	struct conn *c = dom0(), *g = guest(9);
	char path[64], big[3000];
	unsigned long hits = d->quota_hits;
	struct msg m;
	int i;

	(void)s;
	d->q.nodes = 5;
	write_node(c, 0, "/local/domain/9", "");
	set_perms(c, "/local/domain/9", "n9", 3);
	/* the home node, owned by the guest, counts as one */
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "n%d", i);
		write_node(g, 0, path, "");
	}
	assert_int_equal(write_err(g, 0, "n4", "", &m), XS_ERROR);
	assert_string_equal(m.body, "ENOSPC");
	assert_true(d->quota_hits > hits);
	/* dom0 is not limited */
	write_node(c, 0, "/local/domain/9/by-dom0", "");
	/* entry size */
	memset(big, 'x', sizeof(big));
	big[2049] = 0;
	assert_int_equal(write_err(g, 0, "n0", big, &m), XS_ERROR);
	assert_string_equal(m.body, "ENOSPC");
	big[2048] = 0;
	write_node(g, 0, "n0", big);
	/* watches */
	d->q.watches = 2;
	watch(g, "n1", "a");
	watch(g, "n2", "a");
	EXPECT_ERR(g, XS_WATCH, 0, "n3\0a", "E2BIG");
	/* transactions */
	d->q.transactions = 2;
	tx_start(g);
	tx_start(g);
	EXPECT_ERR(g, XS_TRANSACTION_START, 0, "", "ENOSPC");
	/* permissions per node */
	d->q.perms = 2;
	EXPECT_ERR(g, XS_SET_PERMS, 0, "n1\0n9\0r1\0r2", "ENOSPC");
	set_perms(g, "n1", "n9\0r1", 6);
}

static void test_backpressure_and_flood(void **s)
{
	struct conn *g = guest(3), *c = dom0(), *w = dom0();
	struct xsd_sockmsg h = { XS_GET_DOMAIN_PATH, 1, 0, 2 };
	char stream[40 * 18];
	long used;
	int i;

	(void)s;
	/* a guest that never reads its replies stops being served at 20 */
	for (i = 0; i < 40; i++) {
		memcpy(stream + i * 18, &h, 16);
		memcpy(stream + i * 18 + 16, "3", 2);
	}
	used = xsd_conn_input(g, stream, sizeof(stream));
	assert_int_equal(used, 20 * 18);
	assert_false(xsd_conn_can_read(g));
	assert_int_equal(d->quota_hits, 1); /* logged once, not per byte */
	assert_int_equal(xsd_conn_input(g, stream + used, 18), 0);
	assert_int_equal(d->quota_hits, 1);
	/* draining lets it continue */
	xsd_conn_consumed(g, 20 * (16 + 16));
	assert_true(xsd_conn_can_read(g));
	assert_int_equal(xsd_conn_input(g, stream + used, sizeof(stream) - used),
			 sizeof(stream) - used);
	/* a watcher that never reads is dropped when its queue gets huge */
	d->q.out_bytes_max = 16 * 1024;
	watch(w, "/flood", "t");
	for (i = 0; i < 2000 && !w->dead; i++)
		write_node(c, 0, "/flood", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	assert_true(w->dead);
	assert_false(c->dead);
}

/* ---------------- ring ---------------- */

static struct xenstore_domain_interface page;
static int notified;

static void ring_notify(struct ring_conn *rc)
{
	(void)rc;
	notified++;
}

static void guest_put(const void *buf, size_t len)
{
	size_t n = xs_ring_put(page.req, page.req_cons, page.req_prod, buf, len);

	assert_int_equal(n, len);
	page.req_prod += n;
}

static size_t guest_get(void *buf, size_t len)
{
	size_t n = xs_ring_peek(page.rsp, page.rsp_cons, page.rsp_prod, buf, len);

	page.rsp_cons += n;
	return n;
}

static void test_ring(void **s)
{
	struct ring_conn *rc;
	struct xsd_sockmsg h = { XS_WRITE, 9, 0, 6 };
	char buf[4096];
	int i;

	(void)s;
	memset(&page, 0, sizeof(page));
	/* start near the 32-bit wrap to exercise index arithmetic */
	page.req_cons = page.req_prod = 0xfffffff0u;
	page.rsp_cons = page.rsp_prod = 0xfffffff8u;
	rc = ring_conn_new(d, &page, 0, true, ring_notify, NULL);
	assert_non_null(rc);
	assert_int_equal(page.server_features, XENSTORE_SERVER_FEATURE_RECONNECTION);
	for (i = 0; i < 200; i++) {
		struct xsd_sockmsg r;

		guest_put(&h, sizeof(h));
		guest_put("/r\0abc", 6);
		assert_true(ring_service(rc));
		assert_int_equal(guest_get(&r, sizeof(r)), sizeof(r));
		assert_int_equal(r.type, XS_WRITE);
		assert_int_equal(r.req_id, 9);
		assert_int_equal(guest_get(buf, r.len), 3);
		assert_string_equal(buf, "OK");
	}
	assert_true(notified > 0);
	/* a reply bigger than the ring arrives in pieces */
	{
		struct xsd_sockmsg rd = { XS_READ, 1, 0, 3 };
		char val[2000 + 3] = "/v";
		struct conn *c = dom0();
		struct xsd_sockmsg r;
		size_t got = 0;

		memset(val + 3, 'z', 2000);
		assert_int_equal(req(c, XS_WRITE, 0, val, sizeof(val), (struct msg *)buf),
				 XS_WRITE);
		guest_put(&rd, sizeof(rd));
		guest_put("/v", 3);
		ring_service(rc);
		assert_int_equal(guest_get(&r, sizeof(r)), sizeof(r));
		assert_int_equal(r.len, 2000);
		while (got < 2000) {
			got += guest_get(buf + got, 2000 - got);
			ring_service(rc);
		}
		assert_int_equal(buf[1999], 'z');
	}
	/* reconnect request resets the ring */
	page.connection = XENSTORE_RECONNECT;
	ring_service(rc);
	assert_int_equal(page.connection, XENSTORE_CONNECTED);
	/* a guest publishing impossible indexes breaks only its own ring */
	page.req_prod = page.req_cons + 5000;
	assert_false(ring_service(rc));
	assert_true(rc->broken);
	ring_conn_free(rc);
	expect_val(dom0(), 0, "/r", "abc");
}

/* INTRODUCE maps a guest's ring (here: a page in memory), RELEASE unmaps it. */
static struct xenstore_domain_interface guest_page;
static struct ring_conn *guest_rc;
static int unmapped;

static struct conn *test_map(struct xsd *dd, struct domain *dom)
{
	if (dom->mfn == 666)
		return NULL; /* pretend the grant cannot be mapped */
	guest_rc = ring_conn_new(dd, &guest_page, dom->domid, false, NULL, NULL);
	return guest_rc ? guest_rc->c : NULL;
}

static void test_unmap(struct xsd *dd, struct domain *dom)
{
	(void)dd;
	(void)dom;
	ring_conn_free(guest_rc);
	guest_rc = NULL;
	unmapped++;
}

static void ring_request(uint32_t type, const void *p, uint32_t len, struct msg *m)
{
	struct xsd_sockmsg h = { type, 3, 0, len };

	assert_int_equal(
	    xs_ring_put(guest_page.req, guest_page.req_cons, guest_page.req_prod, &h, sizeof(h)),
	    sizeof(h));
	guest_page.req_prod += sizeof(h);
	assert_int_equal(
	    xs_ring_put(guest_page.req, guest_page.req_cons, guest_page.req_prod, p, len), len);
	guest_page.req_prod += len;
	ring_service(guest_rc);
	for (;;) {
		size_t n = xs_ring_peek(guest_page.rsp, guest_page.rsp_cons, guest_page.rsp_prod,
					&m->h, sizeof(m->h));

		assert_int_equal(n, sizeof(m->h));
		guest_page.rsp_cons += n;
		n = xs_ring_peek(guest_page.rsp, guest_page.rsp_cons, guest_page.rsp_prod, m->body,
				 m->h.len);
		assert_int_equal(n, m->h.len);
		guest_page.rsp_cons += n;
		m->body[n] = 0;
		if (m->h.type != XS_WATCH_EVENT)
			return;
	}
}

static void test_introduced_guest_ring(void **s)
{
	struct conn *c = dom0(), *w = dom0();
	struct msg m;

	(void)s;
	memset(&guest_page, 0, sizeof(guest_page));
	d->map_domain = test_map;
	d->unmap_domain = test_unmap;
	EXPECT_ERR(c, XS_INTRODUCE, 0, "4\000666\0001", "EINVAL");
	assert_int_equal(REQ(c, XS_IS_DOMAIN_INTRODUCED, 0, "4", &m), XS_IS_DOMAIN_INTRODUCED);
	assert_string_equal(m.body, "F");
	write_node(c, 0, "/local/domain/4", "");
	set_perms(c, "/local/domain/4", "n4", 3);
	EXPECT_OK(c, XS_INTRODUCE, 0, "4\000777\0001");
	assert_non_null(guest_rc);
	/* the guest talks over its ring with relative paths, as a domain */
	watch(w, "/local/domain/4", "w");
	ring_request(XS_WRITE, "name\0guest-four", 15, &m);
	assert_int_equal(m.h.type, XS_WRITE);
	expect_event(w, "/local/domain/4/name", "w");
	expect_val(c, 0, "/local/domain/4/name", "guest-four");
	ring_request(XS_READ, "/local/domain/4/name", 21, &m);
	assert_string_equal(m.body, "guest-four");
	ring_request(XS_WRITE, "/tool/x\0no", 11, &m);
	assert_string_equal(m.body, "EACCES");
	ring_request(XS_INTRODUCE, "5\0001\0002", 6, &m);
	assert_string_equal(m.body, "EACCES");
	ring_request(XS_GET_PERMS, "name", 5, &m);
	assert_string_equal(m.body, "n4");
	/* release: ring unmapped, the guest's nodes gone */
	EXPECT_OK(c, XS_RELEASE, 0, "4");
	assert_int_equal(unmapped, 1);
	expect_read_err(c, 0, "/local/domain/4/name", "ENOENT");
	d->map_domain = NULL;
	d->unmap_domain = NULL;
}

/* VIRQ_DOM_EXC: only the domains the hypervisor reports as dying or gone are released. */
static uint32_t dead_domid;

static bool test_gone(struct xsd *dd, uint32_t domid)
{
	(void)dd;
	return domid == dead_domid;
}

static void test_dom_exc_releases_dead_domain(void **s)
{
	struct conn *c = dom0(), *w = dom0();
	struct msg m;

	(void)s;
	memset(&guest_page, 0, sizeof(guest_page));
	unmapped = 0;
	d->map_domain = test_map;
	d->unmap_domain = test_unmap;
	d->domain_gone = test_gone;
	write_node(c, 0, "/local/domain/4", "");
	set_perms(c, "/local/domain/4", "n4", 3);
	EXPECT_OK(c, XS_INTRODUCE, 0, "4\000777\0001");
	/* the guest holds a watch and an open transaction */
	ring_request(XS_WATCH, "name\0gw", 8, &m);
	assert_int_equal(m.h.type, XS_WATCH);
	ring_request(XS_TRANSACTION_START, "", 1, &m);
	assert_int_equal(m.h.type, XS_TRANSACTION_START);
	watch(w, "@releaseDomain", "rel");
	/* a domain exception for another domain: domain 4 stays */
	dead_domid = 9;
	xsd_domain_exc(d);
	expect_event(w, "@releaseDomain", "rel");
	assert_int_equal(unmapped, 0);
	assert_int_equal(REQ(c, XS_IS_DOMAIN_INTRODUCED, 0, "4", &m), XS_IS_DOMAIN_INTRODUCED);
	assert_string_equal(m.body, "T");
	/* domain 4 dies: ring unmapped, connection, watch and nodes gone */
	dead_domid = 4;
	xsd_domain_exc(d);
	assert_int_equal(unmapped, 1);
	assert_null(guest_rc);
	expect_event(w, "@releaseDomain", "rel");
	assert_int_equal(REQ(c, XS_IS_DOMAIN_INTRODUCED, 0, "4", &m), XS_IS_DOMAIN_INTRODUCED);
	assert_string_equal(m.body, "F");
	expect_read_err(c, 0, "/local/domain/4", "ENOENT");
	EXPECT_ERR(c, XS_RELEASE, 0, "4", "ENOENT");
	/* a later exception does not touch it again */
	xsd_domain_exc(d);
	assert_int_equal(unmapped, 1);
	d->map_domain = NULL;
	d->unmap_domain = NULL;
	d->domain_gone = NULL;
}

/* ---------------- the socket transport's io_uring (uring.c) ---------------- */

/* A send on a and a receive of len bytes on b, in that order, through the ring. */
static void uring_pair(int a, const char *msg, int b, char *sink, size_t len, struct uring_io *io)
{
	io[0] = (struct uring_io){ .fd = a, .buf = (void *)msg, .len = strlen(msg) };
	io[1] = (struct uring_io){ .fd = b, .recv = true, .buf = sink, .len = len };
	assert_true(uring_run(io, 2));
}

/*
 * The kernel refusing a submission, for test_uring_refused (the test binary
 * is linked with --wrap=io_uring_submit_and_wait).  With kernel_takes >= 0,
 * a submission lets the kernel take only the first kernel_takes prepared
 * entries; the others stay in the ring, and every later submission is
 * refused with ENOMEM until kernel_takes is -1 again.
 */
static int kernel_takes = -1;

int __real_io_uring_submit_and_wait(struct io_uring *ring, unsigned int wait_nr);
int __wrap_io_uring_submit_and_wait(struct io_uring *ring, unsigned int wait_nr)
{
	unsigned int tail = ring->sq.sqe_tail;
	int r;

	if (kernel_takes < 0)
		return __real_io_uring_submit_and_wait(ring, wait_nr);
	if (!kernel_takes)
		return -ENOMEM;
	ring->sq.sqe_tail = ring->sq.sqe_head + kernel_takes;
	r = __real_io_uring_submit_and_wait(ring, 0);
	ring->sq.sqe_tail = tail;
	kernel_takes = 0;
	return r;
}

/*
 * /dev/xen/evtchn stood in for by one end of a socket pair, for
 * test_evtchn_read_when_ready (the test binary is linked with --wrap=open):
 * a read takes the pending ports, a write unmasks them and arrives at the
 * test's end.
 */
static int fake_evtchn = -1;

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	int mode;

	if (fake_evtchn >= 0 && !strcmp(path, "/dev/xen/evtchn"))
		return fake_evtchn;
	va_start(ap, flags);
	mode = va_arg(ap, int);
	va_end(ap);
	return __real_open(path, flags, mode);
}

/* Bytes waiting in the socket fd without taking them. */
static ssize_t pending(int fd)
{
	char buf[64];

	return recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
}

/*
 * The daemon reads the event channel device only when it is readable:
 * servicing the rings after a batch of socket requests costs no read().
 */
static void test_evtchn_read_when_ready(void **s)
{
	uint32_t port = 7, unmasked = 0;
	int sv[2];

	(void)s;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	fake_evtchn = sv[0];
	assert_int_equal(ring_xen_init(d, false), sv[0]);
	fake_evtchn = -1;
	assert_int_equal(write(sv[1], &port, sizeof(port)), sizeof(port));
	ring_xen_service(d);
	assert_int_equal(pending(sv[0]), sizeof(port)); /* not read */
	assert_int_equal(pending(sv[1]), -1);		/* nothing unmasked */
	ring_xen_ports(d);
	assert_int_equal(pending(sv[0]), -1); /* read */
	assert_int_equal(read(sv[1], &unmasked, sizeof(unmasked)), sizeof(unmasked));
	assert_int_equal(unmasked, port);
	ring_xen_ports(d); /* nothing pending: returns at once */
	assert_int_equal(pending(sv[1]), -1);
	close(sv[1]);
}

static void test_uring_run(void **s)
{
	static char big[65536];
	char sink[16] = "", buf[16];
	struct uring_io io[URING_BATCH + 1];
	int sv[2];

	(void)s;
	if (!uring_ready() && !uring_init())
		skip(); /* no io_uring here: the daemon sends and receives itself */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "request", 7), 7);
	uring_pair(sv[0], "reply", sv[0], sink, 7, io);
	assert_int_equal(io[0].res, 5);
	assert_int_equal(io[1].res, 7);
	assert_memory_equal(sink, "request", 7);
	assert_int_equal(read(sv[1], buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "reply", 5);
	/* in order: what the first sends, the second receives */
	uring_pair(sv[1], "ping", sv[0], sink, sizeof(sink), io);
	assert_int_equal(io[0].res, 4);
	assert_int_equal(io[1].res, 4);
	assert_memory_equal(sink, "ping", 4);
	/* nothing to receive: the send still goes, the receive does not wait */
	uring_pair(sv[0], "again", sv[0], sink, 7, io);
	assert_int_equal(io[0].res, 5);
	assert_int_equal(io[1].res, -EAGAIN);
	assert_int_equal(read(sv[1], buf, sizeof(buf)), 5);
	/* a full socket: the send does not wait either */
	do {
		io[0] = (struct uring_io){ .fd = sv[0], .buf = big, .len = sizeof(big) };
		assert_true(uring_run(io, 1));
	} while (io[0].res > 0);
	assert_int_equal(io[0].res, -EAGAIN);
	/* more than a batch, or nothing: refused */
	assert_false(uring_run(io, URING_BATCH + 1));
	assert_false(uring_run(io, 0));
	/* the peer gone: the send fails (no SIGPIPE) */
	close(sv[1]);
	uring_pair(sv[0], "x", sv[0], sink, 1, io);
	assert_int_equal(io[0].res, -EPIPE);
	close(sv[0]);
}

/* Entries the kernel refused are never issued later, with buffers that are gone. */
static void test_uring_refused(void **s)
{
	char buf[16], a[] = "A", b[] = "B", c[] = "C", sink[4];
	struct uring_io io[3];
	int sv[2];

	(void)s;
	if (!uring_ready() && !uring_init())
		skip();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	/* refused whole: nothing sent, the caller does it itself */
	kernel_takes = 0;
	io[0] = (struct uring_io){ .fd = sv[0], .buf = a, .len = 1 };
	assert_false(uring_run(io, 1));
	/* the kernel takes the first of three, then refuses */
	kernel_takes = 1;
	io[1] = (struct uring_io){ .fd = sv[0], .buf = b, .len = 1 };
	io[2] = (struct uring_io){ .fd = sv[1], .recv = true, .buf = sink, .len = sizeof(sink) };
	assert_true(uring_run(io, 3));
	assert_int_equal(io[0].res, 1);
	assert_int_equal(io[1].res, -EAGAIN);
	assert_int_equal(io[2].res, -EAGAIN);
	kernel_takes = -1;
	/* the next run issues its own entry only, on a new ring */
	b[0] = 'X';
	io[0] = (struct uring_io){ .fd = sv[0], .buf = c, .len = 1 };
	assert_true(uring_run(io, 1));
	assert_int_equal(io[0].res, 1);
	assert_int_equal(read(sv[1], buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "AC", 2);
	assert_true(uring_ready());
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_initial_tree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_read_mkdir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_message_assembly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory_part, setup, teardown),
		cmocka_unit_test_setup_teardown(test_perms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_home_and_inheritance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_isolation_and_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txn_watch_at_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watch_relative_and_perms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_domains_and_special_watches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quotas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backpressure_and_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_introduced_guest_ring, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dom_exc_releases_dead_domain, setup, teardown),
		cmocka_unit_test(test_uring_run),
		cmocka_unit_test(test_uring_refused),
		cmocka_unit_test_setup_teardown(test_evtchn_read_when_ready, setup, teardown),
	};

	return cmocka_run_group_tests_name("xenstore", tests, NULL, NULL);
}
