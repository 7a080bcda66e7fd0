// SPDX-License-Identifier: GPL-2.0
/*
 * Petrel xenstored: send a reply and drop its request in one system call.
 *
 * A minimal io_uring driven through the raw system calls: one submission of
 * a SEND and a RECV, both non-blocking, which the kernel issues in order
 * within io_uring_enter() and completes before it returns.  Why the order
 * matters is told in main.c (cl_recv).
 */
#include <errno.h>
#include <linux/io_uring.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "uring.h"

#define URING_ENTRIES 4

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

static void queue_sqe(unsigned int tail, int op, int fd, const void *buf, size_t len, int flags)
{
	unsigned int i = tail & *u.sq_mask;
	struct io_uring_sqe *e = &u.sqes[i];

	memset(e, 0, sizeof(*e));
	e->opcode = op;
	e->fd = fd;
	e->addr = (unsigned long)buf;
	e->len = len;
	e->msg_flags = flags;
	e->user_data = op;
	u.sq_array[i] = i;
}

/*
 * Collect completions until those in want (1: the send, 2: the receive) are
 * in.  If the ring itself fails, what is missing reports EIO (the caller then
 * drops the client).
 */
static void reap(ssize_t *sent, ssize_t *got, unsigned int want)
{
	unsigned int seen = 0;

	while (seen != want) {
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

			if (c->user_data == IORING_OP_SEND) {
				*sent = c->res;
				seen |= 1;
			} else {
				*got = c->res;
				seen |= 2;
			}
		}
		__atomic_store_n(u.cq_head, head, __ATOMIC_RELEASE);
	}
	if ((want & 1) && !(seen & 1))
		*sent = -EIO;
	if ((want & 2) && !(seen & 2))
		*got = -EIO;
}

bool uring_send_recv(int fd, const void *buf, size_t len, void *sink, size_t n, ssize_t *sent,
		     ssize_t *got)
{
	unsigned int tail = *u.sq_tail, left = 2;
	long r;

	queue_sqe(tail, IORING_OP_SEND, fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	queue_sqe(tail + 1, IORING_OP_RECV, fd, sink, n, MSG_DONTWAIT);
	__atomic_store_n(u.sq_tail, tail + 2, __ATOMIC_RELEASE);
	while (left) {
		r = syscall(__NR_io_uring_enter, u.fd, left, left, IORING_ENTER_GETEVENTS, NULL, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			left -= r;
			continue;
		}
		/* the entries not taken are withdrawn */
		__atomic_store_n(u.sq_tail, tail + 2 - left, __ATOMIC_RELEASE);
		if (left == 2)
			return false;
		/* the send went: the caller receives itself */
		*got = -EAGAIN;
		reap(sent, got, 1);
		return true;
	}
	reap(sent, got, 3);
	return true;
}
