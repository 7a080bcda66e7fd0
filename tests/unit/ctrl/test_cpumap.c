/* SPDX-License-Identifier: MIT */
/*
 * CPU bitmaps in xl's text form (dom0-tools/xl/xl_cpumap.c): the terms
 * vcpu-pin takes (numbers, ranges, "all", "^" removals, "node:"/"nodes:"
 * with a made-up topology) against the maps they must give, bad terms
 * against xl's exact messages, and the ranges vcpu-list prints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xl_cpumap.h"

/* CPUs 0-1 on node 0, 2-3 on node 1, CPU 4 on none. */
static const uint32_t node_of[] = { 0, 0, 1, 1, XL_NO_NODE };
static const struct xl_cpu_nodes topo = { node_of, 5 };

struct parse_case {
	const char *text;
	unsigned int bytes;
	uint16_t start, want; /* the map's first two bytes, before and after */
	const char *err;      /* xl's message; NULL when the text is good */
	const struct xl_cpu_nodes *nodes;
};

static const struct parse_case cases[] = {
	{ "0-3,^2", 2, 0, 0x000b, NULL, NULL },
	{ "all", 2, 0, 0xffff, NULL, NULL },
	{ "all,^1,^8-9", 2, 0, 0xfcfd, NULL, NULL },
	{ "1,,3", 1, 0, 0x0a, NULL, NULL },
	{ "", 1, 0, 0, NULL, NULL },
	{ ",", 1, 0, 0, NULL, NULL },
	{ "^0", 1, 0, 0, NULL, NULL },
	{ "^0", 1, 0x03, 0x02, NULL, NULL },
	{ " 1", 1, 0, 0x02, NULL, NULL },
	{ "7-9", 1, 0, 0x80, NULL, NULL },
	{ "99", 1, 0, 0, NULL, NULL },
	{ "0-4000000000", 2, 0, 0xffff, NULL, NULL },
	{ "node:0", 1, 0, 0x03, NULL, &topo },
	{ "nodes:0-1,^node:0", 1, 0, 0x0c, NULL, &topo },
	{ "node:all", 1, 0, 0xff, NULL, &topo },
	{ "node:4294967295", 1, 0, 0, NULL, &topo },
	{ "node:7", 1, 0, 0, NULL, &topo },
	{ "3-1", 1, 0, 0, "Invalid pcpu range: 3-1.\n", NULL },
	{ "^x", 1, 0, 0, "Invalid pcpu range: x.\n", NULL },
	{ "1,^x", 1, 0, 0x02, "Invalid pcpu range: x.\n", NULL },
	{ "1-", 1, 0, 0, "Invalid pcpu range: 1-.\n", NULL },
	{ "-1", 1, 0, 0, "Invalid pcpu range: -1.\n", NULL },
	{ "1x", 1, 0, 0, "Invalid pcpu range: 1x.\n", NULL },
	{ "2-3x", 1, 0, 0, "Invalid pcpu range: 2-3x.\n", NULL },
	{ "18446744073709551615", 1, 0, 0, "Invalid pcpu range: 18446744073709551615.\n", NULL },
	{ "99999999999999999999", 1, 0, 0, "Invalid pcpu range: 99999999999999999999.\n", NULL },
	{ "^all", 1, 0, 0, "Can't combine \"^\" and \"all\".\n", NULL },
	{ "^nodes:all", 1, 0, 0, "Can't combine \"^\" and \"all\".\n", &topo },
	{ "node:^0", 1, 0, 0, "Invalid pcpu range: ^0.\n", &topo },
	{ "node:0", 1, 0, 0, "libxl_node_to_cpumap failed.\n", NULL },
};

static void test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct parse_case *c = &cases[i];
		uint8_t map[2] = { (uint8_t)c->start, (uint8_t)(c->start >> 8) };
		char err[128] = "";
		FILE *f = fmemopen(err, sizeof(err), "w");
		int r;

		assert_non_null(f);
		r = xl_cpumap_parse(c->text, map, c->bytes, c->nodes, f);
		fclose(f);
		if ((map[0] | map[1] << 8) != c->want || r != (c->err ? -1 : 0) ||
		    strcmp(err, c->err ? c->err : ""))
			fail_msg("\"%s\": r=%d map %#x (want %#x), err \"%s\"", c->text, r,
				 map[0] | map[1] << 8, c->want, err);
	}
}

static const char *printed(const uint8_t *map, unsigned int nr)
{
	static char buf[128];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	assert_non_null(f);
	xl_cpumap_print(f, map, nr);
	fclose(f);
	return buf;
}

static void test_print(void **state)
{
	const uint8_t full[2] = { 0xff, 0xff }, none[2] = { 0 }, mixed[2] = { 0x27, 0x01 },
		      tail[1] = { 0x0c }, holes[1] = { 0x0b }, past[1] = { 0xf1 };

	(void)state;
	assert_string_equal(printed(full, 16), "all");
	assert_string_equal(printed(full, 3), "all");
	assert_string_equal(printed(none, 16), "none");
	assert_string_equal(printed(mixed, 16), "0-2,5,8");
	assert_string_equal(printed(mixed, 2), "all");
	assert_string_equal(printed(tail, 4), "2-3");
	assert_string_equal(printed(holes, 4), "0-1,3");
	/* bits past the CPU count are not shown */
	assert_string_equal(printed(past, 4), "0");
	assert_string_equal(printed(past, 1), "all");
}

/* Whatever the text, nothing is written past the map (AddressSanitizer on). */
static void test_random(void **state)
{
	static const char alphabet[] = "0123456789-,^allnode:s ";
	struct xl_cpu_nodes nodes = topo;

	(void)state;
	srand(9);
	for (int i = 0; i < 20000; i++) {
		char text[24];
		unsigned int len = (unsigned int)rand() % (sizeof(text) - 1),
			     bytes = 1 + rand() % 3;
		uint8_t *map = calloc(1, bytes);
		FILE *devnull = fopen("/dev/null", "w");

		for (unsigned int j = 0; j < len; j++)
			text[j] = alphabet[rand() % (sizeof(alphabet) - 1)];
		text[len] = 0;
		assert_non_null(map);
		assert_non_null(devnull);
		xl_cpumap_parse(text, map, bytes, &nodes, devnull);
		fclose(devnull);
		free(map);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
