/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Petrel xenstored: several socket sends and receives in one system call (a
 * small io_uring).
 */
#ifndef PETREL_XSD_URING_H
#define PETREL_XSD_URING_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* At most this many operations in one uring_run(). */
#define URING_BATCH 16

/* One send or receive on a socket, non-blocking; res as send() or recv() give it, or -errno. */
struct uring_io {
	int fd;
	bool recv;
	void *buf;
	size_t len;
	ssize_t res;
};

/* Set up the ring; false if the kernel does not offer io_uring (then unused). */
bool uring_init(void);
bool uring_ready(void);
/*
 * Issue io[0..n) in order inside one io_uring_enter() and wait for all of
 * them (none blocks).  An operation the ring could not take reports -EAGAIN:
 * nothing was sent or received, the caller does it itself.  False if the ring
 * took none.
 */
bool uring_run(struct uring_io *io, unsigned int n);

#endif
