/* SPDX-License-Identifier: MIT */
/* The PV console ring from the backend's side and a bounded byte queue. */
#include <stdlib.h>
#include <string.h>

#include "conring.h"

static uint32_t load_idx(const XENCONS_RING_IDX *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_idx(XENCONS_RING_IDX *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

size_t conring_pending(const struct xencons_interface *intf)
{
	uint32_t n = load_idx(&intf->out_prod) - load_idx(&intf->out_cons);

	return n > CONRING_OUT_SIZE ? 0 : n;
}

size_t conring_in_space(const struct xencons_interface *intf)
{
	uint32_t used = load_idx(&intf->in_prod) - load_idx(&intf->in_cons);

	return used > CONRING_IN_SIZE ? 0 : CONRING_IN_SIZE - used;
}

size_t conring_read(struct xencons_interface *intf, char *buf, size_t max,
		    struct conring_stats *stats)
{
	uint32_t cons = load_idx(&intf->out_cons);
	uint32_t prod = load_idx(&intf->out_prod);
	uint32_t avail = prod - cons;
	size_t n = 0;

	if (avail > CONRING_OUT_SIZE) {
		stats->garbage++;
		store_idx(&intf->out_cons, prod);
		return 0;
	}
	while (n < max && n < avail) {
		buf[n] = intf->out[MASK_XENCONS_IDX(cons + (uint32_t)n, intf->out)];
		n++;
	}
	store_idx(&intf->out_cons, cons + (uint32_t)n);
	stats->bytes_out += n;
	return n;
}

size_t conring_write(struct xencons_interface *intf, const char *buf, size_t len,
		     struct conring_stats *stats)
{
	uint32_t prod = load_idx(&intf->in_prod);
	uint32_t used = prod - load_idx(&intf->in_cons);
	size_t n = 0;

	if (used > CONRING_IN_SIZE) {
		stats->garbage++;
		return 0;
	}
	while (n < len && used + n < CONRING_IN_SIZE) {
		intf->in[MASK_XENCONS_IDX(prod + (uint32_t)n, intf->in)] = buf[n];
		n++;
	}
	store_idx(&intf->in_prod, prod + (uint32_t)n);
	stats->bytes_in += n;
	return n;
}

int conbuf_init(struct conbuf *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->data = malloc(cap);
	if (!b->data)
		return -1;
	b->cap = cap;
	return 0;
}

void conbuf_free(struct conbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->cap = b->len = b->start = 0;
}

void conbuf_put(struct conbuf *b, const char *data, size_t len)
{
	size_t end;

	if (len > b->cap) {
		b->dropped += len - b->cap;
		data += len - b->cap;
		len = b->cap;
	}
	if (b->len + len > b->cap) {
		b->dropped += b->len + len - b->cap;
		conbuf_consume(b, b->len + len - b->cap);
	}
	for (size_t i = 0; i < len; i++) {
		end = (b->start + b->len) % b->cap;
		b->data[end] = data[i];
		b->len++;
	}
}

size_t conbuf_peek(const struct conbuf *b, const char **data)
{
	size_t run = b->cap - b->start;

	*data = b->data + b->start;
	return b->len < run ? b->len : run;
}

void conbuf_consume(struct conbuf *b, size_t n)
{
	if (n > b->len)
		n = b->len;
	b->start = b->len == n ? 0 : (b->start + n) % b->cap;
	b->len -= n;
}
