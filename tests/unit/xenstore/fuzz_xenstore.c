// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for xenstored's message parser and request handlers.
 *
 * The input is a script of records {selector, length, bytes}: the selector
 * picks one of four connections (dom0, two guests, a read-only socket) or
 * the shared ring of a third guest, and whether its pending output is
 * drained first.  The bytes are fed as a raw stream, so headers, lengths,
 * payloads and message boundaries are all under the fuzzer's control.
 * After every input the store's invariants are checked.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"
#include "xsd.h"

static void die(const char *what, const char *path)
{
	fprintf(stderr, "invariant broken: %s (%s)\n", what, path);
	abort();
}

/* Every node's parent exists and lists it; counts agree. */
static void check_store(struct xsd *d)
{
	uint32_t i, n = 0;
	struct node *nd;

	for (i = 0; d->store.b && i <= d->store.mask; i++) {
		for (nd = d->store.b[i]; nd; nd = nd->hnext) {
			uint32_t pl = nd->plen, off;
			struct node *parent;
			const char *name;
			bool found = false;

			n++;
			if (!nd->nperms)
				die("node without perms", nd->path);
			if (nd->plen == 1)
				continue;
			while (pl > 0 && nd->path[pl - 1] != '/')
				pl--;
			name = nd->path + pl;
			pl = pl > 1 ? pl - 1 : 1;
			parent = htab_find(&d->store, nd->path, pl, xs_hash(nd->path, pl));
			if (!parent)
				die("orphan", nd->path);
			for (off = 0; off < parent->klen; off += strlen(parent->kids + off) + 1)
				if (!strcmp(parent->kids + off, name))
					found = true;
			if (!found)
				die("child missing from parent's list", nd->path);
		}
	}
	if (n != d->store.n || n != d->nodes_total)
		die("node count", "/");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xenstore_domain_interface page;
	struct xsd *d = xsd_new();
	struct conn *c[4];
	struct ring_conn *rc;
	size_t off = 0;
	int i;

	if (!d)
		return 0;
	d->verbose = -1;
	d->q.nodes = 50;
	d->q.watches = 8;
	d->q.transactions = 4;
	d->q.out_bytes_max = 256 * 1024;
	c[0] = xsd_conn_new(d, 0, true, false, NULL, NULL);
	c[1] = xsd_conn_new(d, 1, false, false, NULL, NULL);
	c[2] = xsd_conn_new(d, 2, false, false, NULL, NULL);
	c[3] = xsd_conn_new(d, 0, true, true, NULL, NULL);
	memset(&page, 0, sizeof(page));
	rc = ring_conn_new(d, &page, 3, false, NULL, NULL);
	while (off + 2 <= size) {
		uint8_t sel = data[off], len = data[off + 1];
		int which = sel & 7;

		off += 2;
		if (len > size - off)
			len = size - off;
		if (which >= 4 && rc) {
			size_t n =
			    xs_ring_put(page.req, page.req_cons, page.req_prod, data + off, len);
			const char *p;

			page.req_prod += n;
			if ((sel & 0x40) && len) /* let the guest scribble on an index */
				page.rsp_cons += data[off] | (sel & 0x80 ? 0x1000 : 0);
			ring_service(rc);
			if (sel & 0x08) {
				page.rsp_cons = page.rsp_prod;
				(void)xsd_conn_output(rc->c, &p);
			}
		} else if (which < 4 && !c[which]->dead) {
			if (sel & 0x08) {
				const char *p;

				xsd_conn_consumed(c[which], xsd_conn_output(c[which], &p));
			}
			xsd_conn_input(c[which], data + off, len);
		}
		off += len;
	}
	check_store(d);
	for (i = 0; i < 4; i++)
		xsd_conn_free(c[i]);
	ring_conn_free(rc);
	check_store(d);
	xsd_free(d);
	return 0;
}
