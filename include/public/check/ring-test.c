/*
 * Behavioural test of io/ring.h.  Built twice by ring-test.sh: against our
 * header (-DRING_H=<ours>) and against Xen 4.17's; both builds must print
 * the same transcript, and each checks its own invariants.
 *
 * The transcript covers the ring geometry (sizes for several page counts
 * and entry sizes) and a scripted front/back exchange: batches of requests
 * with notification decisions, partial consumption, responses, the final
 * checks that re-arm event indexes, wrap-around of the free-running
 * indexes, and a full ring.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define xen_mb() __sync_synchronize()
#define xen_rmb() __sync_synchronize()
#define xen_wmb() __sync_synchronize()

#include RING_H

struct t_req {
	uint64_t id;
	uint8_t data[40];
};
struct t_rsp {
	uint64_t id;
	int16_t status;
};
DEFINE_RING_TYPES(t, struct t_req, struct t_rsp);

struct big_req {
	uint8_t data[112];
};
struct big_rsp {
	uint64_t id;
};
DEFINE_RING_TYPES(big, struct big_req, struct big_rsp);

static unsigned char page[4 * 4096] __attribute__((aligned(4096)));
static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("CHECK FAILED line %d: %s\n", __LINE__, #cond);                     \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static void geometry(void)
{
	printf("sring header %zu, t entry %zu, big entry %zu\n", offsetof(struct t_sring, ring),
	       sizeof(union t_sring_entry), sizeof(union big_sring_entry));
	printf("const sizes t: %lu %lu %lu big: %lu %lu\n",
	       (unsigned long)__CONST_RING_SIZE(t, 4096), (unsigned long)__CONST_RING_SIZE(t, 8192),
	       (unsigned long)__CONST_RING_SIZE(t, 16384),
	       (unsigned long)__CONST_RING_SIZE(big, 4096),
	       (unsigned long)__CONST_RING_SIZE(big, 8192));
	CHECK(offsetof(struct t_sring, ring) == 64);
	CHECK(__CONST_RING_SIZE(big, 4096) == 32);
}

/* Front produces n requests; returns whether it must notify. */
static int produce(t_front_ring_t *f, unsigned int n, uint64_t *next_id)
{
	int notify;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct t_req *rq = RING_GET_REQUEST(f, f->req_prod_pvt);

		rq->id = (*next_id)++;
		memset(rq->data, (int)(rq->id & 0xff), sizeof(rq->data));
		f->req_prod_pvt++;
	}
	RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(f, notify);
	return notify;
}

/* Back consumes up to max requests and answers each; returns the response notify. */
static int serve(t_back_ring_t *b, unsigned int max, unsigned int *served)
{
	int notify, more;

	*served = 0;
	while (*served < max && RING_HAS_UNCONSUMED_REQUESTS(b)) {
		struct t_req rq;
		struct t_rsp *rs;

		RING_COPY_REQUEST(b, b->req_cons, &rq);
		CHECK(rq.data[0] == (uint8_t)(rq.id & 0xff));
		b->req_cons++;
		rs = RING_GET_RESPONSE(b, b->rsp_prod_pvt);
		rs->id = rq.id;
		rs->status = (int16_t)(rq.id % 7);
		b->rsp_prod_pvt++;
		(*served)++;
	}
	RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(b, notify);
	RING_FINAL_CHECK_FOR_REQUESTS(b, more);
	printf("  back served %u, notify %d, more %d, req_event %u\n", *served, notify, more != 0,
	       b->sring->req_event);
	return notify;
}

static void collect(t_front_ring_t *f, uint64_t *expect_id)
{
	int more;
	unsigned int got = 0;

	do {
		while (RING_HAS_UNCONSUMED_RESPONSES(f)) {
			struct t_rsp *rs = RING_GET_RESPONSE(f, f->rsp_cons);

			CHECK(rs->id == *expect_id);
			CHECK(rs->status == (int16_t)(rs->id % 7));
			(*expect_id)++;
			f->rsp_cons++;
			got++;
		}
		RING_FINAL_CHECK_FOR_RESPONSES(f, more);
	} while (more);
	printf("  front collected %u, free %u, rsp_event %u\n", got, RING_FREE_REQUESTS(f),
	       f->sring->rsp_event);
}

static void exchange(RING_IDX start)
{
	t_sring_t *s = (t_sring_t *)page;
	t_front_ring_t f;
	t_back_ring_t b;
	uint64_t next_id = 0, expect_id = 0;
	static const unsigned int batches[] = { 1, 3, 16, 64, 7, 63, 64, 2 };
	static const unsigned int budget[] = { 1, 8, 2, 64, 64, 30, 64, 64 };
	unsigned int i, served;

	memset(page, 0xa5, sizeof(page));
	SHARED_RING_INIT(s);
	CHECK(s->pvt.pvt_pad[0] == 0 && s->__pad[43] == 0);
	/* Start both sides at `start` to exercise index wrap-around. */
	s->req_prod = s->rsp_prod = start;
	s->req_event = s->rsp_event = start + 1;
	FRONT_RING_ATTACH(&f, s, start, 4096);
	BACK_RING_ATTACH(&b, s, start, 4096);
	printf("exchange from %u: size %u, free %u, full %d\n", start, RING_SIZE(&f),
	       RING_FREE_REQUESTS(&f), RING_FULL(&f));
	CHECK(RING_SIZE(&f) == (unsigned int)__CONST_RING_SIZE(t, 4096));
	for (i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
		unsigned int n = batches[i];
		int notify;

		if (n > RING_FREE_REQUESTS(&f))
			n = RING_FREE_REQUESTS(&f);
		notify = produce(&f, n, &next_id);
		printf(" batch %u: produced %u, notify %d, full %d\n", i, n, notify, RING_FULL(&f));
		CHECK(!RING_REQUEST_PROD_OVERFLOW(&b, s->req_prod));
		serve(&b, budget[i], &served);
		collect(&f, &expect_id);
	}
	serve(&b, 1000, &served);
	collect(&f, &expect_id);
	CHECK(expect_id == next_id);
	CHECK(RING_FREE_REQUESTS(&f) == RING_SIZE(&f));
}

int main(void)
{
	geometry();
	exchange(0);
	exchange(0xffffffe0u);
	printf("ring-test: %s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
