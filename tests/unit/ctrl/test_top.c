/* SPDX-License-Identifier: MIT */
/*
 * pxl top's table against xentop 4.17's layout: the header, state letters,
 * "no limit", the VBD columns' '-', the sort by name, CPU(%) between two
 * samples, columns that widen with their values, -f and the summary lines.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "xl_top.h"

#define HEADER                                                                                     \
	"      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS "   \
	"NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT SSID\n"

static struct top_dom dom(const char *name, uint16_t domid, uint32_t flags, uint64_t cpu_ns,
			  uint64_t pages, uint64_t max_pages)
{
	struct xen_domctl_getdomaininfo info = { 0 };
	struct top_dom d;

	info.domain = domid;
	info.flags = flags;
	info.cpu_time = cpu_ns;
	info.tot_pages = pages;
	info.max_pages = max_pages;
	top_dom_from_info(&d, &info, name);
	return d;
}

static char *table(struct top_sample *s, const struct top_sample *prev, bool full)
{
	static char buf[4096];
	FILE *f;

	buf[0] = '\0'; /* nothing written leaves the buffer as it was */
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	top_print_table(f, s, prev, full);
	fclose(f);
	return buf;
}

static void test_rows(void **state)
{
	struct top_dom d[3];
	struct top_sample s = { .doms = d, .n = 3, .tot_kb = 1048576 };

	(void)state;
	d[0] = dom("Domain-0", 0, XEN_DOMINF_running, 12700000000ULL, 131072, 0xffffffffULL);
	d[1] = dom("beta", 6, XEN_DOMINF_blocked | (5u << 16), 3000000000ULL, 1024, 2048);
	d[1].ssid = 7;
	d[1].vbds = 1; /* its counters could not be read */
	d[2] = dom("alpha", 5,
		   XEN_DOMINF_shutdown | XEN_DOMINF_paused |
		       (SHUTDOWN_crash << XEN_DOMINF_shutdownshift),
		   0, 4096, 4096);
	d[2].vcpus = 2;
	d[2].nets = 1;
	d[2].net_tx = 2048000;
	d[2].vbds = d[2].vbds_read = 1;
	for (int k = 0; k < TOP_VBD_FIELDS; k++)
		d[2].vbd[k] = (unsigned long long)k + 1;
	assert_string_equal(table(&s, NULL, false), HEADER
			    "     alpha ---cp-          0    0.0      16384    1.6      16384 "
			    "      1.6     2    1     2000        0    1        1        2    "
			    "    3          4          5    0\n"
			    "      beta --b---          3    0.0       4096    0.4       8192 "
			    "      0.8     1    0        0        0    1        -        -    "
			    "    -          -          -    7\n"
			    "  Domain-0 -----r         12    0.0     524288   50.0   no limit "
			    "      n/a     1    0        0        0    0        0        0    "
			    "    0          0          0    0\n");
}

static void test_cpu_pct_and_widths(void **state)
{
	struct top_dom a = dom("Domain-0", 0, XEN_DOMINF_running, 1000000000ULL, 256, 512);
	struct top_dom b = a;
	struct top_sample prev = { .when = { 100, 0 }, .doms = &a, .n = 1, .tot_kb = 1024 };
	struct top_sample cur = { .when = { 103, 0 }, .doms = &b, .n = 1, .tot_kb = 1024 };
	char *out;

	(void)state;
	b.cpu_ns += 1500000000ULL; /* 1.5 s in 3 s */
	b.vbds = b.vbds_read = 1;
	b.vbd[1] = 123456789;  /* nine digits: VBD_RD grows to 9 */
	b.net_rx = 1ULL << 30; /* 1048576 KiB: NETRX stays 8 */
	out = table(&cur, &prev, false);
	assert_non_null(strstr(out, "NETTX(k) NETRX(k) VBDS   VBD_OO    VBD_RD   VBD_WR"));
	assert_non_null(strstr(out, "  Domain-0 -----r          2   50.0"));
	assert_non_null(strstr(out, "        0  1048576    1        0 123456789        0"));
}

static void test_full_name(void **state)
{
	struct top_dom d[2];
	struct top_sample s = { .doms = d, .n = 2, .tot_kb = 1048576 };
	char *out;

	(void)state;
	d[0] = dom("a-very-long-domain-name", 9, XEN_DOMINF_shutdown, 0, 8192, 8448);
	d[1] = dom("b", 1, 0, 0, 8192, 8448);
	out = table(&s, NULL, false);
	assert_non_null(strstr(out, "\na-very-lon -s----          0    0.0      32768    3.1      "
				    "33792       3.2     1"));
	out = table(&s, NULL, true);
	assert_true(strncmp(out, "                   NAME  STATE", 30) == 0);
	assert_non_null(strstr(out, "\na-very-long-domain-name -s----"));
	assert_non_null(strstr(out, "\n                      b ------"));
}

static void test_empty_and_summary(void **state)
{
	static char buf[512];
	struct top_dom d[2];
	struct top_sample s = { .doms = d,
				.n = 0,
				.tot_kb = 2097152,
				.free_kb = 1048576,
				.nr_cpus = 4,
				.cpu_mhz = 2400 };
	FILE *f;

	(void)state;
	assert_string_equal(table(&s, NULL, false), "");
	d[0] = dom("Domain-0", 0, XEN_DOMINF_running, 0, 1, 1);
	d[1] = dom("x", 2, XEN_DOMINF_shutdown | (SHUTDOWN_crash << XEN_DOMINF_shutdownshift), 0, 1,
		   1);
	s.n = 2;
	f = fmemopen(buf, sizeof(buf), "w");
	top_print_summary(f, &s, "07:12:30", "4.17.3");
	fclose(f);
	assert_string_equal(buf, "xentop - 07:12:30   Xen 4.17.3\n"
				 "2 domains: 1 running, 0 blocked, 0 paused, 1 crashed, 0 dying, 0 "
				 "shutdown \n"
				 "Mem: 2097152k total, 1048576k used, 1048576k free    CPUs: 4 @ "
				 "2400MHz\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows),
		cmocka_unit_test(test_cpu_pct_and_widths),
		cmocka_unit_test(test_full_name),
		cmocka_unit_test(test_empty_and_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
