/*
 * FIFO event channels for test guests: the event word bits, the control
 * block and EVTCHNOP_init_control layouts of Xen's public event_channel.h,
 * the two set-up ops, and taking a port off the head of a queue as a guest
 * kernel's upcall does.
 */
#ifndef GUEST_EVTCHN_FIFO_H
#define GUEST_EVTCHN_FIFO_H

#include "evtchn.h"

#define FIFO_PENDING (1u << 31)
#define FIFO_MASKED (1u << 30)
#define FIFO_LINKED (1u << 29)
#define FIFO_LINK_MASK ((1u << 17) - 1)
#define NR_QUEUES 16
#define PRIO_DEFAULT 7
#define FIFO_WORDS_PER_PAGE 1024

struct fifo_control_block {
	uint32_t ready, rsvd;
	uint32_t head[NR_QUEUES];
};
_Static_assert(sizeof(struct fifo_control_block) == 72, "control block is 72 bytes");

struct init_control {
	uint64_t control_gfn;
	uint32_t offset, vcpu;
	uint8_t link_bits, pad[7];
};
_Static_assert(sizeof(struct init_control) == 24, "init_control is 24 bytes");

/* A vCPU's control block and the guest's own copy of each queue's head. */
struct fifo_queues {
	struct fifo_control_block *cb;
	uint32_t head[NR_QUEUES];
};

/* The frame of @va, an address in the kernel's own mapping. */
static inline uint64_t fifo_mfn_of(const void *va)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;

	return p2m[((unsigned long)va - 0xffffffff80000000UL) >> 12];
}

static inline long fifo_init_control(uint64_t gfn, uint32_t offset, uint32_t vcpu, uint8_t *bits)
{
	struct init_control c = { .control_gfn = gfn, .offset = offset, .vcpu = vcpu };
	long rc = evtchn_op(EVTCHNOP_init_control, &c);

	if (bits)
		*bits = c.link_bits;
	return rc;
}

static inline long fifo_expand(uint64_t gfn)
{
	return evtchn_op(EVTCHNOP_expand_array, &gfn);
}

/* @port's word in the event array @words (pages of 1024 words). */
static inline uint32_t *fifo_word(uint32_t (*words)[FIFO_WORDS_PER_PAGE], uint32_t port)
{
	return &words[port / FIFO_WORDS_PER_PAGE][port % FIFO_WORDS_PER_PAGE];
}

/*
 * Take the head of queue @prio of @q off (clearing LINKED and LINK), once
 * its ready bit was seen: its port, and *@more if more follow.
 */
static inline uint32_t fifo_pop(struct fifo_queues *q, uint32_t (*words)[FIFO_WORDS_PER_PAGE],
				unsigned int prio, bool *more)
{
	uint32_t port = q->head[prio];
	uint32_t *w, old, want;

	if (!port)
		port = __atomic_load_n(&q->cb->head[prio], __ATOMIC_SEQ_CST);
	w = fifo_word(words, port);
	old = __atomic_load_n(w, __ATOMIC_SEQ_CST);
	do
		want = old & ~(FIFO_LINKED | FIFO_LINK_MASK);
	while (
	    !__atomic_compare_exchange_n(w, &old, want, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	q->head[prio] = old & FIFO_LINK_MASK;
	*more = q->head[prio] != 0;
	return port;
}

#endif
