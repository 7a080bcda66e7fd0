/* SPDX-License-Identifier: MIT */
/*
 * A PV console ring seen from the backend (dom0): the guest's output read
 * from `out`, input written to `in`.  The guest owns the producer index of
 * `out` and the consumer index of `in` and may write anything there, so
 * every index it controls is checked before use: a producer more than a
 * ring ahead of the consumer (or behind it) is garbage, and the backend
 * skips to it rather than read stale or out-of-ring bytes.
 *
 * A bounded byte queue (struct conbuf) holds output on its way to a pty
 * that is not reading; when it is full the oldest bytes go.
 */
#ifndef PETREL_CONRING_H
#define PETREL_CONRING_H

#include <stddef.h>
#include <stdint.h>

#include "io/console.h"

#define CONRING_OUT_SIZE sizeof(((struct xencons_interface *)0)->out)
#define CONRING_IN_SIZE sizeof(((struct xencons_interface *)0)->in)

struct conring_stats {
	uint64_t bytes_out;  /* guest output read */
	uint64_t bytes_in;   /* input written to the guest */
	uint64_t garbage;    /* times a guest-owned index was out of range */
};

/*
 * Read up to `max` bytes of the guest's output into buf and advance
 * out_cons past them.  Returns the count (0: nothing new).  A garbage
 * out_prod is counted in stats and skipped: out_cons is set to it and
 * nothing is read.
 */
size_t conring_read(struct xencons_interface *intf, char *buf, size_t max,
		    struct conring_stats *stats);

/*
 * Write up to `len` bytes of input for the guest; returns how many fit.
 * A garbage in_cons (more than a ring behind in_prod, or ahead of it)
 * counts as a full ring: nothing is written until the guest repairs it.
 */
size_t conring_write(struct xencons_interface *intf, const char *buf, size_t len,
		     struct conring_stats *stats);

/* Room left in `in` (0 when full or garbage). */
size_t conring_in_space(const struct xencons_interface *intf);

/* Bytes the guest may still have to read in `out` (0 when garbage). */
size_t conring_pending(const struct xencons_interface *intf);

struct conbuf {
	char *data;
	size_t cap;   /* fixed at init */
	size_t start; /* first queued byte */
	size_t len;   /* queued bytes */
	uint64_t dropped;
};

int conbuf_init(struct conbuf *b, size_t cap);
void conbuf_free(struct conbuf *b);
/* Queue len bytes; the oldest are dropped (and counted) to make room. */
void conbuf_put(struct conbuf *b, const char *data, size_t len);
/* The longest run of queued bytes that is contiguous in memory. */
size_t conbuf_peek(const struct conbuf *b, const char **data);
void conbuf_consume(struct conbuf *b, size_t n);

#endif /* PETREL_CONRING_H */
