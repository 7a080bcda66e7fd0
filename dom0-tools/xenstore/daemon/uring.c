// SPDX-License-Identifier: GPL-2.0
/*
 * Petrel xenstored: replies sent and a request dropped in one system call.
 *
 * One io_uring (liburing) carries a batch of SENDs and RECVs, all
 * non-blocking, which the kernel issues in order within one submission and
 * completes before it returns.  Why the order matters is told in main.c
 * (cl_flush_batch).
 */
#include <errno.h>
#include <liburing.h>
#include <stdint.h>
#include <sys/socket.h>

#include "uring.h"

/* res of an operation whose completion has not been seen (no result is this low) */
#define IO_PENDING ((ssize_t)INT64_MIN)

static struct io_uring ring;
/* wanted: io_uring was set up once; up: the ring exists now */
static bool wanted, up;

/* Set the ring up if it is not; false (and io_uring off for good) if that fails. */
static bool ring_up(void)
{
	if (!up && io_uring_queue_init(URING_BATCH, &ring, 0) == 0)
		up = true;
	if (!up)
		wanted = false;
	return up;
}

bool uring_init(void)
{
	wanted = true;
	return ring_up();
}

bool uring_ready(void)
{
	return wanted;
}

/*
 * Collect the completions of io[0..n).  If waiting fails, what is missing
 * reports EIO (the caller then drops those clients) and the result is false.
 */
static bool reap(struct uring_io *io, unsigned int n)
{
	unsigned int seen = 0, head, count, i;
	struct io_uring_cqe *c;
	int r;

	while (seen < n) {
		r = io_uring_wait_cqe(&ring, &c);
		if (r == -EINTR)
			continue;
		if (r < 0)
			break;
		count = 0;
		io_uring_for_each_cqe(&ring, head, c)
		{
			uint64_t idx = io_uring_cqe_get_data64(c);

			if (idx < n) {
				io[idx].res = c->res;
				seen++;
			}
			count++;
		}
		io_uring_cq_advance(&ring, count);
	}
	for (i = 0; i < n && seen < n; i++)
		if (io[i].res == IO_PENDING)
			io[i].res = -EIO;
	return seen == n;
}

/*
 * The entries are queued only when the ring has room for all of them, so
 * none is ever taken back.  If the kernel refuses some of them, or their
 * completions cannot be collected, the ring is discarded with what it still
 * holds (buffers that are gone by the next submission, completions that the
 * next run would take for its own) and set up again by the next run.
 */
bool uring_run(struct uring_io *io, unsigned int n)
{
	unsigned int taken = 0, i;
	int r;

	if (!n || n > URING_BATCH || !wanted || !ring_up() || io_uring_sq_space_left(&ring) < n)
		return false;
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *e = io_uring_get_sqe(&ring);

		if (io[i].recv)
			io_uring_prep_recv(e, io[i].fd, io[i].buf, io[i].len, MSG_DONTWAIT);
		else
			io_uring_prep_send(e, io[i].fd, io[i].buf, io[i].len,
					   MSG_DONTWAIT | MSG_NOSIGNAL);
		io_uring_sqe_set_data64(e, i);
		io[i].res = IO_PENDING; /* not completed yet */
	}
	while (taken < n) {
		/* a short submission does not wait; the rest is offered again */
		r = io_uring_submit_and_wait(&ring, n);
		if (r > 0)
			taken += r;
		else if (r != -EINTR)
			break;
	}
	for (i = taken; i < n; i++)
		io[i].res = -EAGAIN;
	if (!reap(io, taken) || taken < n) {
		io_uring_queue_exit(&ring);
		up = false;
	}
	return taken > 0;
}
