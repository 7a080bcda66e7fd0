// SPDX-License-Identifier: GPL-2.0
/*
 * Petrel xenstored: replies sent and a request dropped in one system call.
 *
 * A minimal io_uring driven through the raw system calls: one submission of
 * a few SENDs and RECVs, all non-blocking, which the kernel issues in order
 * within io_uring_enter() and completes before it returns.  Why the order
 * matters is told in main.c (cl_flush_batch).
 */
#include <errno.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uring.h"

#define URING_ENTRIES URING_BATCH
/* res of an operation whose completion has not been seen (no result is this low) */
#define IO_PENDING ((ssize_t)INT64_MIN)

static struct {
	int fd;
	unsigned int *sq_tail, *sq_mask, *sq_array;
	unsigned int *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
} u = { .fd = -1 };

static void *map_ring(size_t len, off_t off)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u.fd, off);

	return p == MAP_FAILED ? NULL : p;
}

bool uring_init(void)
{
	struct io_uring_params p;
	size_t sq_len, cq_len;
	char *sq, *cq;

	memset(&p, 0, sizeof(p));
	u.fd = syscall(__NR_io_uring_setup, URING_ENTRIES, &p);
	if (u.fd < 0)
		return false;
	sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned int);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		sq_len = cq_len = sq_len > cq_len ? sq_len : cq_len;
	sq = map_ring(sq_len, IORING_OFF_SQ_RING);
	cq = !sq || (p.features & IORING_FEAT_SINGLE_MMAP) ? sq
							   : map_ring(cq_len, IORING_OFF_CQ_RING);
	u.sqes = map_ring(p.sq_entries * sizeof(struct io_uring_sqe), IORING_OFF_SQES);
	if (!sq || !cq || !u.sqes) {
		close(u.fd);
		u.fd = -1;
		return false;
	}
	u.sq_tail = (unsigned int *)(sq + p.sq_off.tail);
	u.sq_mask = (unsigned int *)(sq + p.sq_off.ring_mask);
	u.sq_array = (unsigned int *)(sq + p.sq_off.array);
	u.cq_head = (unsigned int *)(cq + p.cq_off.head);
	u.cq_tail = (unsigned int *)(cq + p.cq_off.tail);
	u.cq_mask = (unsigned int *)(cq + p.cq_off.ring_mask);
	u.cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return true;
}

bool uring_ready(void)
{
	return u.fd >= 0;
}

static void queue_sqe(unsigned int tail, const struct uring_io *io, unsigned int idx)
{
	unsigned int i = tail & *u.sq_mask;
	struct io_uring_sqe *e = &u.sqes[i];

	memset(e, 0, sizeof(*e));
	e->opcode = io->recv ? IORING_OP_RECV : IORING_OP_SEND;
	e->fd = io->fd;
	e->addr = (unsigned long)io->buf;
	e->len = io->len;
	e->msg_flags = MSG_DONTWAIT | (io->recv ? 0 : MSG_NOSIGNAL);
	e->user_data = idx;
	u.sq_array[i] = i;
}

/*
 * Collect the completions of io[0..n).  If the ring itself fails, what is
 * missing reports EIO (the caller then drops those clients).
 */
static void reap(struct uring_io *io, unsigned int n)
{
	unsigned int seen = 0;

	while (seen < n) {
		unsigned int head = *u.cq_head;
		unsigned int tail = __atomic_load_n(u.cq_tail, __ATOMIC_ACQUIRE);

		if (head == tail) {
			if (syscall(__NR_io_uring_enter, u.fd, 0, 1, IORING_ENTER_GETEVENTS, NULL,
				    0) < 0 &&
			    errno != EINTR)
				break;
			continue;
		}
		for (; head != tail; head++) {
			const struct io_uring_cqe *c = &u.cqes[head & *u.cq_mask];

			if (c->user_data < n) {
				io[c->user_data].res = c->res;
				seen++;
			}
		}
		__atomic_store_n(u.cq_head, head, __ATOMIC_RELEASE);
	}
	if (seen < n) {
		unsigned int i;

		for (i = 0; i < n; i++)
			if (io[i].res == IO_PENDING)
				io[i].res = -EIO;
	}
}

bool uring_run(struct uring_io *io, unsigned int n)
{
	unsigned int tail = *u.sq_tail, left = n, i;
	long r;

	if (!n || n > URING_BATCH)
		return false;
	for (i = 0; i < n; i++) {
		io[i].res = IO_PENDING; /* not completed yet */
		queue_sqe(tail + i, &io[i], i);
	}
	__atomic_store_n(u.sq_tail, tail + n, __ATOMIC_RELEASE);
	while (left) {
		r = syscall(__NR_io_uring_enter, u.fd, left, left, IORING_ENTER_GETEVENTS, NULL, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			left -= r;
			continue;
		}
		/* the entries not taken are withdrawn */
		__atomic_store_n(u.sq_tail, tail + n - left, __ATOMIC_RELEASE);
		if (left == n)
			return false;
		for (i = n - left; i < n; i++)
			io[i].res = -EAGAIN;
		n -= left;
		break;
	}
	reap(io, n);
	return true;
}
