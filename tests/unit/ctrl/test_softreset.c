/* SPDX-License-Identifier: MIT */
/*
 * pxl's soft-reset sequence (dom0-tools/xl/xl_softreset.c) against a fake
 * world that logs each call: the order libxl's soft reset takes (rings
 * read, released, paused, reset, store port then console port, params for
 * an HVM/PVH domain only, console/port written last, introduced again at
 * the old store ring with the new port, unpaused), and that a failing step
 * stops the sequence there with its name and answer.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xl_softreset.h"

struct world {
	char log[1024];
	const char *fail_at; /* the call (its log word) that fails */
	uint32_t next_port;
};

static int note(struct world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int note(struct world *w, const char *fmt, ...)
{
	char word[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(word, sizeof(word), fmt, ap);
	va_end(ap);
	strncat(w->log, word, sizeof(w->log) - strlen(w->log) - 2);
	strcat(w->log, " ");
	return w->fail_at && !strncmp(word, w->fail_at, strlen(w->fail_at)) ? -EIO : 0;
}

static int f_read(void *a, uint16_t d, const char *node, uint64_t *out)
{
	*out = strcmp(node, "store/ring-ref") ? 0xfeffc : 0xfeffd;
	return note(a, "read:%u:%s", d, node);
}

static int f_write(void *a, uint16_t d, const char *node, uint64_t v)
{
	return note(a, "write:%u:%s=%llx", d, node, (unsigned long long)v);
}

static int f_release(void *a, uint16_t d)
{
	return note(a, "release:%u", d);
}

static int f_introduce(void *a, uint16_t d, uint64_t gfn, uint32_t port)
{
	return note(a, "introduce:%u:%llx:%u", d, (unsigned long long)gfn, port);
}

static int f_pause(void *a, uint16_t d)
{
	return note(a, "pause:%u", d);
}

static int f_unpause(void *a, uint16_t d)
{
	return note(a, "unpause:%u", d);
}

static int f_reset(void *a, uint16_t d)
{
	return note(a, "reset:%u", d);
}

static int f_alloc(void *a, uint16_t d, uint32_t *port)
{
	struct world *w = a;

	*port = w->next_port++;
	return note(a, "alloc:%u=%u", d, *port);
}

static int f_param(void *a, uint16_t d, uint32_t index, uint64_t v)
{
	return note(a, "param:%u:%u=%llu", d, index, (unsigned long long)v);
}

static struct xl_sr_ops ops_for(struct world *w)
{
	return (struct xl_sr_ops){ .read_node = f_read,
				   .write_node = f_write,
				   .release = f_release,
				   .introduce = f_introduce,
				   .pause = f_pause,
				   .unpause = f_unpause,
				   .reset = f_reset,
				   .alloc_port = f_alloc,
				   .set_param = f_param,
				   .arg = w };
}

/* A PVH domain: every step, libxl's order; params 2 and 18 get the new ports. */
static void test_pvh_order(void **state)
{
	struct world w = { .next_port = 1 };
	struct xl_sr_ops o = ops_for(&w);
	struct xl_sr_result r;

	(void)state;
	assert_int_equal(xl_soft_reset_domain(&o, 7, true, &r), 0);
	assert_int_equal(r.failed, XL_SR_DONE);
	assert_int_equal(r.store_port, 1);
	assert_int_equal(r.console_port, 2);
	assert_string_equal(w.log, "read:7:store/ring-ref read:7:console/ring-ref release:7 "
				   "pause:7 reset:7 alloc:7=1 alloc:7=2 param:7:2=1 param:7:18=2 "
				   "write:7:store/port=1 write:7:store/ring-ref=feffd "
				   "write:7:console/ring-ref=feffc write:7:console/port=2 "
				   "introduce:7:feffd:1 unpause:7 ");
}

/* A PV domain (not HVM): no params; the rest the same. */
static void test_pv_no_params(void **state)
{
	struct world w = { .next_port = 3 };
	struct xl_sr_ops o = ops_for(&w);
	struct xl_sr_result r;

	(void)state;
	assert_int_equal(xl_soft_reset_domain(&o, 2, false, &r), 0);
	assert_null(strstr(w.log, "param:"));
	assert_non_null(strstr(w.log, "introduce:2:feffd:3 unpause:2"));
}

struct fail_case {
	const char *at;
	enum xl_sr_step step;
	const char *last; /* the log ends with this call */
};

static const struct fail_case fails[] = {
	{ "read:5:store", XL_SR_READ_RINGS, "read:5:store/ring-ref " },
	{ "read:5:console", XL_SR_READ_RINGS, "read:5:console/ring-ref " },
	{ "release", XL_SR_RELEASE, "release:5 " },
	{ "pause", XL_SR_PAUSE, "pause:5 " },
	{ "reset", XL_SR_RESET, "reset:5 " },
	{ "alloc:5=2", XL_SR_PORTS, "alloc:5=2 " },
	{ "param:5:18", XL_SR_PARAMS, "param:5:18=2 " },
	{ "write:5:console/port", XL_SR_XENSTORE, "write:5:console/port=2 " },
	{ "introduce", XL_SR_INTRODUCE, "introduce:5:feffd:1 " },
	{ "unpause", XL_SR_UNPAUSE, "unpause:5 " },
};

/* Each failing call stops the sequence there, named, with its answer. */
static void test_failures(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fails) / sizeof(fails[0]); i++) {
		struct world w = { .next_port = 1, .fail_at = fails[i].at };
		struct xl_sr_ops o = ops_for(&w);
		struct xl_sr_result r;
		size_t n, m = strlen(fails[i].last);

		assert_int_equal(xl_soft_reset_domain(&o, 5, true, &r), -EIO);
		assert_int_equal(r.failed, fails[i].step);
		assert_int_equal(r.err, -EIO);
		n = strlen(w.log);
		assert_true(n >= m);
		assert_string_equal(w.log + n - m, fails[i].last);
		assert_string_not_equal(xl_sr_step_name(r.failed), "?");
	}
	assert_string_equal(xl_sr_step_name((enum xl_sr_step)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pvh_order),
		cmocka_unit_test(test_pv_no_params),
		cmocka_unit_test(test_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
