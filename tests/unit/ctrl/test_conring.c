/* SPDX-License-Identifier: MIT */
/*
 * The console daemon's ring reader and writer (dom0-tools/console): plain
 * reads, wrap-around of the ring and of the 32-bit indexes, a bounded read,
 * a full ring, garbage producer indexes (too far ahead, behind the
 * consumer) skipped and counted, input with room, without, and with a
 * garbage consumer index; the bounded pty queue; and random indexes that
 * never make it read outside the ring (AddressSanitizer on).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "conring.h"

/* The guest's side: append bytes to `out` as a PV console driver does. */
static void guest_put(struct xencons_interface *r, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		r->out[MASK_XENCONS_IDX(r->out_prod + i, r->out)] = s[i];
	r->out_prod += (uint32_t)n;
}

static void start_at(struct xencons_interface *r, uint32_t idx)
{
	memset(r, 0, sizeof(*r));
	r->out_cons = r->out_prod = idx;
	r->in_cons = r->in_prod = idx;
}

static void test_empty_and_plain(void **state)
{
	struct xencons_interface r;
	struct conring_stats st = { 0 };
	char buf[64];

	(void)state;
	start_at(&r, 0);
	assert_int_equal(conring_read(&r, buf, sizeof(buf), &st), 0);
	guest_put(&r, "hello\n", 6);
	assert_int_equal(conring_pending(&r), 6);
	assert_int_equal(conring_read(&r, buf, sizeof(buf), &st), 6);
	assert_memory_equal(buf, "hello\n", 6);
	assert_int_equal(r.out_cons, 6);
	assert_int_equal(conring_read(&r, buf, sizeof(buf), &st), 0);
	assert_int_equal(st.bytes_out, 6);
	assert_int_equal(st.garbage, 0);
}

/* Across the end of the ring, and across the 32-bit wrap of the indexes. */
static void test_wrap_around(void **state)
{
	static const uint32_t starts[] = { 2040, 0xfffffffa, 0xfffff800 - 3 };
	const char *msg = "0123456789abcdefghij";
	struct xencons_interface r;
	struct conring_stats st = { 0 };
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
		start_at(&r, starts[i]);
		guest_put(&r, msg, 20);
		assert_int_equal(conring_read(&r, buf, sizeof(buf), &st), 20);
		assert_memory_equal(buf, msg, 20);
		assert_int_equal(r.out_cons, starts[i] + 20);
	}
	assert_int_equal(st.garbage, 0);
}

static void test_bounded_and_full(void **state)
{
	struct xencons_interface r;
	struct conring_stats st = { 0 };
	static char big[CONRING_OUT_SIZE], buf[CONRING_OUT_SIZE + 16];

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	start_at(&r, 1000);
	guest_put(&r, big, sizeof(big));
	assert_int_equal(conring_pending(&r), CONRING_OUT_SIZE);
	assert_int_equal(conring_read(&r, buf, 3, &st), 3);
	assert_memory_equal(buf, "abc", 3);
	assert_int_equal(conring_read(&r, buf, sizeof(buf), &st), CONRING_OUT_SIZE - 3);
	assert_memory_equal(buf, big + 3, CONRING_OUT_SIZE - 3);
	assert_int_equal(st.garbage, 0);
}

/* A producer more than a ring ahead, or behind the consumer: skipped, counted. */
static void test_garbage_producer(void **state)
{
	static const int32_t offsets[] = { CONRING_OUT_SIZE + 1, 5000, -1, -2048, INT32_MIN };
	struct xencons_interface r;
	struct conring_stats st = { 0 };
	char buf[CONRING_OUT_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		start_at(&r, 77);
		r.out_prod = 77 + (uint32_t)offsets[i];
		assert_int_equal(conring_pending(&r), 0);
		assert_int_equal(conring_read(&r, buf, sizeof(buf), &st), 0);
		assert_int_equal(st.garbage, i + 1);
		assert_int_equal(r.out_cons, r.out_prod);
		/* the guest goes on from there and is read again */
		guest_put(&r, "ok", 2);
		assert_int_equal(conring_read(&r, buf, sizeof(buf), &st), 2);
		assert_memory_equal(buf, "ok", 2);
	}
}

static void test_input(void **state)
{
	struct xencons_interface r;
	struct conring_stats st = { 0 };
	static char in[CONRING_IN_SIZE + 100];

	(void)state;
	memset(in, 'x', sizeof(in));
	start_at(&r, 0xfffffff0);
	assert_int_equal(conring_in_space(&r), CONRING_IN_SIZE);
	assert_int_equal(conring_write(&r, "ls\r", 3, &st), 3);
	assert_memory_equal(&r.in[MASK_XENCONS_IDX(0xfffffff0u, r.in)], "ls\r", 3);
	assert_int_equal(conring_in_space(&r), CONRING_IN_SIZE - 3);
	/* only the room left is written */
	assert_int_equal(conring_write(&r, in, sizeof(in), &st), CONRING_IN_SIZE - 3);
	assert_int_equal(conring_in_space(&r), 0);
	assert_int_equal(conring_write(&r, "y", 1, &st), 0);
	/* the guest consumes: room again, and the bytes land across the wrap */
	r.in_cons += 10;
	assert_int_equal(conring_write(&r, "0123456789ab", 12, &st), 10);
	assert_int_equal(r.in[MASK_XENCONS_IDX(r.in_prod - 1, r.in)], '9');
	assert_int_equal(st.garbage, 0);
	/* a consumer ahead of the producer: garbage, nothing written */
	r.in_cons = r.in_prod + 1;
	assert_int_equal(conring_in_space(&r), 0);
	assert_int_equal(conring_write(&r, "z", 1, &st), 0);
	assert_int_equal(st.garbage, 1);
}

static void test_queue(void **state)
{
	struct conbuf b;
	const char *p;
	char out[16];
	size_t n, got = 0;

	(void)state;
	assert_int_equal(conbuf_init(&b, 8), 0);
	conbuf_put(&b, "abcde", 5);
	assert_int_equal(conbuf_peek(&b, &p), 5);
	conbuf_consume(&b, 3);
	conbuf_put(&b, "fghij", 5); /* wraps: "de" + "fghij" */
	while ((n = conbuf_peek(&b, &p)) > 0) {
		memcpy(out + got, p, n);
		got += n;
		conbuf_consume(&b, n);
	}
	assert_int_equal(got, 7);
	assert_memory_equal(out, "defghij", 7);
	assert_int_equal(b.dropped, 0);
	/* full: the oldest bytes go */
	conbuf_put(&b, "12345678", 8);
	conbuf_put(&b, "XYZ", 3);
	assert_int_equal(b.len, 8);
	assert_int_equal(b.dropped, 3);
	got = 0;
	while ((n = conbuf_peek(&b, &p)) > 0) {
		memcpy(out + got, p, n);
		got += n;
		conbuf_consume(&b, n);
	}
	assert_memory_equal(out, "45678XYZ", 8);
	/* more than the queue holds at once: its last bytes stay */
	conbuf_put(&b, "0123456789ABCDEF", 16);
	assert_int_equal(b.len, 8);
	assert_int_equal(b.dropped, 11);
	n = conbuf_peek(&b, &p);
	memcpy(out, p, n);
	conbuf_consume(&b, n);
	if (b.len) {
		size_t m = conbuf_peek(&b, &p);

		memcpy(out + n, p, m);
	}
	assert_memory_equal(out, "89ABCDEF", 8);
	conbuf_free(&b);
}

/* Any indexes at all: reads stay in the ring and never exceed what was there. */
static void test_random_indexes(void **state)
{
	struct xencons_interface *r = malloc(sizeof(*r));
	struct conring_stats st = { 0 };
	char buf[CONRING_OUT_SIZE];

	(void)state;
	srand(9);
	for (int i = 0; i < 20000; i++) {
		uint32_t cons = (uint32_t)rand() * 2654435761u, prod;
		size_t n, max = (size_t)rand() % (sizeof(buf) + 1);

		prod = (i & 1) ? cons + (uint32_t)(rand() % 4096) : (uint32_t)rand() << 1;
		memset(r, i & 0xff, sizeof(*r));
		r->out_cons = cons;
		r->out_prod = prod;
		r->in_prod = (uint32_t)rand();
		r->in_cons = (i & 2) ? r->in_prod - (uint32_t)(rand() % 1100) : (uint32_t)rand();
		n = conring_read(r, buf, max, &st);
		assert_true(n <= max && n <= CONRING_OUT_SIZE);
		assert_true(n == 0 || prod - cons <= CONRING_OUT_SIZE);
		assert_int_equal(r->out_cons, prod - cons > CONRING_OUT_SIZE ? prod : cons + n);
		n = conring_write(r, buf, max, &st);
		assert_true(n <= CONRING_IN_SIZE);
	}
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_plain), cmocka_unit_test(test_wrap_around),
		cmocka_unit_test(test_bounded_and_full), cmocka_unit_test(test_garbage_producer),
		cmocka_unit_test(test_input),		 cmocka_unit_test(test_queue),
		cmocka_unit_test(test_random_indexes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
