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
static bool ready;

bool uring_init(void)
{
	if (!ready && io_uring_queue_init(URING_BATCH, &ring, 0) == 0)
		ready = true;
	return ready;
}

bool uring_ready(void)
{
	return ready;
}

/*
 * Take back the entries queued but not consumed by the kernel, so that a
 * later submission does not issue them with buffers that are gone.  Safe
 * here: without SQPOLL the kernel reads the queue only inside a submission.
 */
static void withdraw(void)
{
	unsigned int head = io_uring_smp_load_acquire(ring.sq.khead);

	ring.sq.sqe_head = ring.sq.sqe_tail = head;
	io_uring_smp_store_release(ring.sq.ktail, head);
}

/*
 * Collect the completions of io[0..n).  If waiting fails, what is missing
 * reports EIO (the caller then drops those clients).
 */
static void reap(struct uring_io *io, unsigned int n)
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
	if (seen < n)
		for (i = 0; i < n; i++)
			if (io[i].res == IO_PENDING)
				io[i].res = -EIO;
}

bool uring_run(struct uring_io *io, unsigned int n)
{
	unsigned int taken = 0, i;
	int r;

	if (!ready || !n || n > URING_BATCH)
		return false;
	for (i = 0; i < n; i++) {
		struct io_uring_sqe *e = io_uring_get_sqe(&ring);

		if (!e) { /* the queue holds URING_BATCH and is empty between runs */
			withdraw();
			return false;
		}
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
		if (r == -EINTR)
			continue;
		if (r > 0) {
			taken += r;
			continue;
		}
		withdraw();
		if (!taken)
			return false;
		for (i = taken; i < n; i++)
			io[i].res = -EAGAIN;
		n = taken;
		break;
	}
	reap(io, n);
	return true;
}
