/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Petrel xenstored: a socket reply sent and the request it answers dropped in
 * one system call (an io_uring of two entries).
 */
#ifndef PETREL_XSD_URING_H
#define PETREL_XSD_URING_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Set up the ring; false if the kernel does not offer io_uring (then unused). */
bool uring_init(void);
bool uring_ready(void);
/*
 * Send up to len bytes of buf on fd (MSG_DONTWAIT), then receive n bytes into
 * sink (MSG_DONTWAIT), both inside one io_uring_enter().  Results as send()
 * and recv() give them, -errno on failure (-EAGAIN for a receive the ring
 * could not take: the caller receives itself).  False if the ring took
 * neither: the caller then does both itself.
 */
bool uring_send_recv(int fd, const void *buf, size_t len, void *sink, size_t n, ssize_t *sent,
		     ssize_t *got);

#endif
