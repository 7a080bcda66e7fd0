/* Command line parsing (xen/common/cmdline.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cmdline.h"
#include "shim.h"

static struct boot_options opt;

static void parse(const char *s)
{
	shim_log_reset();
	memset(&opt, 0x5a, sizeof(opt)); /* defaults must be filled in */
	cmdline_parse(&opt, s);
}

static void assert_defaults(const struct boot_options *o)
{
	assert_string_equal(o->console, "com1");
	assert_int_equal(o->com1_baud, 115200);
	assert_int_equal(o->com1_data_bits, 8);
	assert_int_equal(o->com1_parity, 'n');
	assert_int_equal(o->com1_stop_bits, 1);
	assert_true(o->dom0_mem == 0 && o->dom0_mem_max == 0);
	assert_int_equal(o->loglvl, 2);
	assert_int_equal(o->guest_loglvl, 2);
	assert_false(o->noreboot);
	assert_int_equal(o->dom0_vcpus_min, 1);
	assert_int_equal(o->dom0_vcpus_max, 0);
	assert_int_equal(o->max_cpus, 0);
	assert_false(o->nosmp);
	assert_false(o->ipi_selftest);
	assert_true(o->tlb_holders);
	assert_false(o->vcpus_on_cpu0);
	assert_true(o->sched_wake_ratelimit);
	assert_false(o->sched_credit2_turns);
	assert_false(o->timer_unlocked);
	assert_false(o->sched_preempt_spin);
	assert_false(o->domctl_trace);
	assert_false(o->hcstats);
	assert_int_equal(o->sched_wake_wait_us, 10000);
	assert_int_equal(o->gnttab_max_frames, 64);
	assert_int_equal(o->gnttab_max_maptrack_frames, 1024);
	assert_int_equal(o->gnttab_max_version, 2);
	assert_true(o->gnttab_transitive);
}

/* A bad value is warned about (naming the option) and leaves the default. */
static void expect_ignored(const char *cmdline, const char *option)
{
	char want[64];

	parse(cmdline);
	snprintf(want, sizeof(want), "'%s'", option);
	if (!shim_log_has(want) || !shim_log_has("ignored"))
		fail_msg("\"%s\": no warning naming %s (log: %s)", cmdline, want, shim_log);
	assert_defaults(&opt);
}

static void test_defaults(void **state)
{
	(void)state;
	parse("");
	assert_defaults(&opt);
	assert_string_equal(shim_log, "");
	parse(NULL);
	assert_defaults(&opt);
	parse("   \t ");
	assert_defaults(&opt);
}

static void test_console(void **state)
{
	(void)state;
	parse("console=vga");
	assert_string_equal(opt.console, "vga");
	parse("console=com1,vga");
	assert_string_equal(opt.console, "com1,vga");
	parse("console=none");
	assert_string_equal(opt.console, "none");
	assert_string_equal(shim_log, "");
	expect_ignored("console=com2", "console");
	expect_ignored("console=", "console");
	expect_ignored("console=com1,", "console");
	expect_ignored("console=com1,vga,com1,vga,com1,vga,com1,vga", "console"); /* too long */
	expect_ignored("console", "console");
}

static void test_com1(void **state)
{
	(void)state;
	parse("com1=9600,7e2");
	assert_int_equal(opt.com1_baud, 9600);
	assert_int_equal(opt.com1_data_bits, 7);
	assert_int_equal(opt.com1_parity, 'e');
	assert_int_equal(opt.com1_stop_bits, 2);
	parse("com1=115200,8n1,0x3f8,4");
	assert_int_equal(opt.com1_baud, 115200);
	assert_int_equal(opt.com1_parity, 'n');
	parse("com1=auto");
	assert_int_equal(opt.com1_baud, 0);
	assert_int_equal(opt.com1_data_bits, 8);
	parse("com1=57600/1843200,5o1");
	assert_int_equal(opt.com1_baud, 57600);
	assert_int_equal(opt.com1_data_bits, 5);
	assert_int_equal(opt.com1_parity, 'o');
	parse("com1=38400");
	assert_int_equal(opt.com1_baud, 38400);
	assert_string_equal(shim_log, "");
	expect_ignored("com1=fast", "com1");
	expect_ignored("com1=0", "com1");
	expect_ignored("com1=9600,9n1", "com1");
	expect_ignored("com1=9600,8x1", "com1");
	expect_ignored("com1=9600,8n3", "com1");
	expect_ignored("com1=9600,8n", "com1");
	expect_ignored("com1=9600/", "com1");
	expect_ignored("com1=99999999999", "com1");
	expect_ignored("com1", "com1");
}

static void test_dom0_mem(void **state)
{
	(void)state;
	parse("dom0_mem=512M");
	assert_true(opt.dom0_mem == 512ULL << 20);
	assert_true(opt.dom0_mem_max == 0);
	parse("dom0_mem=1G,max:2G");
	assert_true(opt.dom0_mem == 1ULL << 30);
	assert_true(opt.dom0_mem_max == 2ULL << 30);
	parse("dom0_mem=min:128M,max:1G,768M");
	assert_true(opt.dom0_mem == 768ULL << 20);
	assert_true(opt.dom0_mem_max == 1ULL << 30);
	parse("dom0_mem=max:4096M");
	assert_true(opt.dom0_mem == 0 && opt.dom0_mem_max == 4ULL << 30);
	parse("dom0_mem=524288"); /* no unit: KiB, as in Xen */
	assert_true(opt.dom0_mem == 512ULL << 20);
	parse("dom0_mem=1073741824b");
	assert_true(opt.dom0_mem == 1ULL << 30);
	assert_string_equal(shim_log, "");
	expect_ignored("dom0_mem=lots", "dom0_mem");
	expect_ignored("dom0_mem=-1G", "dom0_mem");
	expect_ignored("dom0_mem=1G,max:", "dom0_mem");
	expect_ignored("dom0_mem=1Q", "dom0_mem");
	expect_ignored("dom0_mem=0", "dom0_mem");
	expect_ignored("dom0_mem=min:2G,max:1G", "dom0_mem");
	expect_ignored("dom0_mem=99999999999T", "dom0_mem");
	expect_ignored("dom0_mem=1G,", "dom0_mem");
}

static void test_loglvl(void **state)
{
	(void)state;
	static const char *const names[] = { "none", "error", "warning", "info", "debug", "all" };
	char buf[64];

	static const int values[] = { 0, 1, 2, 3, 4, 4 };

	for (int i = 0; i < 6; i++) {
		snprintf(buf, sizeof(buf), "loglvl=%s guest_loglvl=%s", names[i], names[5 - i]);
		parse(buf);
		assert_int_equal(opt.loglvl, values[i]);
		assert_int_equal(opt.guest_loglvl, values[5 - i]);
	}
	parse("loglvl=debug/warning guest_loglvl=info/none");
	assert_int_equal(opt.loglvl, 4);
	assert_int_equal(opt.guest_loglvl, 3);
	assert_string_equal(shim_log, "");
	expect_ignored("loglvl=loud", "loglvl");
	expect_ignored("loglvl=debug/", "loglvl");
	expect_ignored("loglvl=debug/x", "loglvl");
	expect_ignored("guest_loglvl=INFO", "guest_loglvl");
	expect_ignored("loglvl=", "loglvl");
}

static void test_noreboot(void **state)
{
	(void)state;
	static const char *const yes[] = { "noreboot",	  "noreboot=1",	  "noreboot=true",
					   "noreboot=on", "noreboot=yes", "noreboot=enable" };
	static const char *const no[] = { "noreboot=0",	 "noreboot=false",   "noreboot=off",
					  "noreboot=no", "noreboot=disable", "no-noreboot" };

	for (unsigned i = 0; i < 6; i++) {
		parse(yes[i]);
		assert_true(opt.noreboot);
		parse(no[i]);
		assert_false(opt.noreboot);
		assert_string_equal(shim_log, "");
	}
	parse("noreboot no-noreboot"); /* the last one wins */
	assert_false(opt.noreboot);
	expect_ignored("noreboot=maybe", "noreboot");
	expect_ignored("no-noreboot=1", "noreboot");
	expect_ignored("noreboot=", "noreboot");
}

/* The testing aid that starts the last module as domain 1. */
static void test_domu(void **state)
{
	(void)state;
	parse("");
	assert_false(opt.domu_module);
	parse("domu");
	assert_true(opt.domu_module);
	parse("domu=off");
	assert_false(opt.domu_module);
	parse("domu no-domu");
	assert_false(opt.domu_module);
	expect_ignored("domu=perhaps", "domu");
}

static void test_cpus(void **state)
{
	(void)state;
	parse("maxcpus=2");
	assert_int_equal(opt.max_cpus, 2);
	assert_false(opt.nosmp);
	parse("maxcpus=0"); /* CPU 0 only */
	assert_int_equal(opt.max_cpus, 1);
	parse("nosmp");
	assert_true(opt.nosmp);
	assert_int_equal(opt.max_cpus, 0);
	parse("nosmp=no");
	assert_false(opt.nosmp);
	parse("tlb_holders=0");
	assert_false(opt.tlb_holders);
	parse("no-tlb_holders");
	assert_false(opt.tlb_holders);
	parse("ipi_selftest maxcpus=64 vcpus_on_cpu0 tlb_holders");
	assert_true(opt.ipi_selftest);
	assert_true(opt.tlb_holders);
	assert_true(opt.vcpus_on_cpu0);
	assert_int_equal(opt.max_cpus, 64);
	assert_string_equal(shim_log, "");
	parse("sched_wake_ratelimit");
	assert_true(opt.sched_wake_ratelimit);
	parse("sched_wake_ratelimit=off");
	assert_false(opt.sched_wake_ratelimit);
	parse("no-sched_wake_ratelimit");
	assert_false(opt.sched_wake_ratelimit);
	parse("sched_credit2_turns");
	assert_true(opt.sched_credit2_turns);
	parse("sched_credit2_turns=0");
	assert_false(opt.sched_credit2_turns);
	parse("timer_unlocked");
	assert_true(opt.timer_unlocked);
	parse("timer_unlocked=off");
	assert_false(opt.timer_unlocked);
	parse("sched_preempt_spin");
	assert_true(opt.sched_preempt_spin);
	parse("no-sched_preempt_spin");
	assert_false(opt.sched_preempt_spin);
	parse("domctl_trace");
	assert_true(opt.domctl_trace);
	parse("domctl_trace=0");
	assert_false(opt.domctl_trace);
	parse("hcstats");
	assert_true(opt.hcstats);
	parse("no-hcstats");
	assert_false(opt.hcstats);
	expect_ignored("maxcpus=two", "maxcpus");
	expect_ignored("maxcpus=-1", "maxcpus");
	expect_ignored("nosmp=maybe", "nosmp");
	expect_ignored("vcpus_on_cpu0=sometimes", "vcpus_on_cpu0");
	expect_ignored("sched_wake_ratelimit=500", "sched_wake_ratelimit");
	parse("sched_wake_wait_us=2000");
	assert_int_equal(opt.sched_wake_wait_us, 2000);
	parse("sched_wake_wait_us=1 sched_wake_ratelimit");
	assert_int_equal(opt.sched_wake_wait_us, 1);
	assert_true(opt.sched_wake_ratelimit);
	expect_ignored("sched_wake_wait_us=0", "sched_wake_wait_us");
	expect_ignored("sched_wake_wait_us=10001", "sched_wake_wait_us");
	expect_ignored("sched_wake_wait_us=2ms", "sched_wake_wait_us");
	parse("maxcpus");
	assert_true(shim_log_has("needs a value"));
}

/* Xen 4.17's grant options: the two limits (base 0, at most INT_MAX) and gnttab=. */
static void test_gnttab(void **state)
{
	(void)state;
	parse("gnttab_max_frames=8 gnttab_max_maptrack_frames=0x10");
	assert_int_equal(opt.gnttab_max_frames, 8);
	assert_int_equal(opt.gnttab_max_maptrack_frames, 16);
	parse("gnttab_max_maptrack_frames=0 gnttab_max_frames=2147483647");
	assert_int_equal(opt.gnttab_max_maptrack_frames, 0);
	assert_int_equal(opt.gnttab_max_frames, 0x7fffffff);
	parse("gnttab=max-ver:1,transitive=0");
	assert_int_equal(opt.gnttab_max_version, 1);
	assert_false(opt.gnttab_transitive);
	parse("gnttab=no-transitive,max_ver:2");
	assert_int_equal(opt.gnttab_max_version, 2);
	assert_false(opt.gnttab_transitive);
	parse("gnttab=transitive");
	assert_true(opt.gnttab_transitive);
	assert_string_equal(shim_log, "");
	expect_ignored("gnttab_max_frames=2147483648", "gnttab_max_frames");
	expect_ignored("gnttab_max_frames=-1", "gnttab_max_frames");
	expect_ignored("gnttab_max_maptrack_frames=4k", "gnttab_max_maptrack_frames");
	expect_ignored("gnttab=max-ver:3", "gnttab");
	expect_ignored("gnttab=max-ver:1,transitive=maybe", "gnttab");
	expect_ignored("gnttab=", "gnttab");
}

static void test_dom0_max_vcpus(void **state)
{
	(void)state;
	parse("dom0_max_vcpus=4");
	assert_true(opt.dom0_vcpus_min == 4 && opt.dom0_vcpus_max == 4);
	parse("dom0_max_vcpus=2-8");
	assert_true(opt.dom0_vcpus_min == 2 && opt.dom0_vcpus_max == 8);
	parse("dom0_max_vcpus=2-2");
	assert_true(opt.dom0_vcpus_min == 2 && opt.dom0_vcpus_max == 2);
	parse("dom0_max_vcpus=2-");
	assert_true(opt.dom0_vcpus_min == 2 && opt.dom0_vcpus_max == 0);
	parse("dom0_max_vcpus=-3");
	assert_true(opt.dom0_vcpus_min == 1 && opt.dom0_vcpus_max == 3);
	assert_string_equal(shim_log, "");
	expect_ignored("dom0_max_vcpus=0", "dom0_max_vcpus");
	expect_ignored("dom0_max_vcpus=8-2", "dom0_max_vcpus");
	expect_ignored("dom0_max_vcpus=-", "dom0_max_vcpus");
	expect_ignored("dom0_max_vcpus=-0x", "dom0_max_vcpus");
	expect_ignored("dom0_max_vcpus=four", "dom0_max_vcpus");
	expect_ignored("dom0_max_vcpus=4x", "dom0_max_vcpus");
	expect_ignored("dom0_max_vcpus=1-2-3", "dom0_max_vcpus");
}

/* Xen's rule: one vCPU per CPU, within the option's bounds and the limit. */
static void test_dom0_vcpus_rule(void **state)
{
	(void)state;
	parse("");
	assert_int_equal(dom0_vcpus(&opt, 1, 32), 1);
	assert_int_equal(dom0_vcpus(&opt, 4, 32), 4);
	assert_int_equal(dom0_vcpus(&opt, 64, 32), 32);
	parse("dom0_max_vcpus=1");
	assert_int_equal(dom0_vcpus(&opt, 4, 32), 1);
	parse("dom0_max_vcpus=6");
	assert_int_equal(dom0_vcpus(&opt, 2, 32), 6); /* more vCPUs than CPUs */
	parse("dom0_max_vcpus=2-");
	assert_int_equal(dom0_vcpus(&opt, 1, 32), 2);
	assert_int_equal(dom0_vcpus(&opt, 8, 32), 8);
	parse("dom0_max_vcpus=-2");
	assert_int_equal(dom0_vcpus(&opt, 4, 32), 2);
	assert_int_equal(dom0_vcpus(&opt, 1, 32), 1);
	parse("dom0_max_vcpus=40");
	assert_int_equal(dom0_vcpus(&opt, 4, 32), 32);
}

static void test_unknown_and_mixed(void **state)
{
	(void)state;
	parse("console=com1 frobnicate=7 dom0_mem=256M nosmp noreboot  loglvl=all");
	assert_true(shim_log_has("unknown option 'frobnicate=7'"));
	assert_false(shim_log_has("unknown option 'nosmp'"));
	assert_true(opt.nosmp);
	assert_true(opt.dom0_mem == 256ULL << 20);
	assert_true(opt.noreboot);
	assert_int_equal(opt.loglvl, 4);
	/* A bad value does not disturb the options around it. */
	parse("dom0_max_vcpus=2 com1=bogus dom0_mem=1G");
	assert_true(shim_log_has("'com1'"));
	assert_int_equal(opt.dom0_vcpus_max, 2);
	assert_int_equal(opt.com1_baud, 115200);
	assert_true(opt.dom0_mem == 1ULL << 30);
	/* Prefixes and near-misses of option names are not the option. */
	parse("console_x=vga com=1 no-console=vga dom0_memory=1G =5");
	assert_defaults(&opt);
	assert_true(shim_log_has("unknown option 'console_x=vga'"));
	assert_true(shim_log_has("unknown option 'no-console=vga'"));
	assert_true(shim_log_has("unknown option '=5'"));
	/* "--" ends Petrel's options. */
	parse("noreboot -- loglvl=all");
	assert_true(opt.noreboot);
	assert_int_equal(opt.loglvl, 2);
	/* The last of repeated options wins. */
	parse("dom0_mem=1G dom0_mem=2G");
	assert_true(opt.dom0_mem == 2ULL << 30);
}

/* Random command lines built from option fragments: never a crash, always sane values. */
static void test_random_lines(void **state)
{
	static const char *const parts[] = {
		"console=",
		"com1=",
		"dom0_mem=",
		"loglvl=",
		"guest_loglvl=",
		"noreboot",
		"no-",
		"dom0_max_vcpus=",
		"1",
		"0x",
		"G",
		"M",
		",",
		"max:",
		"min:",
		"/",
		"-",
		"=",
		" ",
		"8n1",
		"auto",
		"vga",
		"none",
		"all",
		"\t",
		"--",
		"9999999999999999999999",
	};
	char line[256];

	(void)state;
	srand(77);
	for (int iter = 0; iter < 3000; iter++) {
		size_t n = 0;

		for (int k = 0, nk = rand() % 12; k < nk; k++) {
			const char *p = parts[rand() % (int)ARRAY_SIZE(parts)];

			if (n + strlen(p) >= sizeof(line))
				break;
			memcpy(line + n, p, strlen(p));
			n += strlen(p);
		}
		line[n] = '\0';
		parse(line);
		assert_int_equal(opt.console[sizeof(opt.console) - 1], '\0');
		assert_true(opt.loglvl >= 0 && opt.loglvl <= 4);
		assert_true(opt.guest_loglvl >= 0 && opt.guest_loglvl <= 4);
		assert_true(opt.com1_data_bits >= 5 && opt.com1_data_bits <= 8);
		assert_true(opt.com1_stop_bits == 1 || opt.com1_stop_bits == 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_console),
		cmocka_unit_test(test_com1),
		cmocka_unit_test(test_dom0_mem),
		cmocka_unit_test(test_loglvl),
		cmocka_unit_test(test_noreboot),
		cmocka_unit_test(test_domu),
		cmocka_unit_test(test_dom0_max_vcpus),
		cmocka_unit_test(test_dom0_vcpus_rule),
		cmocka_unit_test(test_unknown_and_mixed),
		cmocka_unit_test(test_random_lines),
		cmocka_unit_test(test_cpus),
		cmocka_unit_test(test_gnttab),
	};

	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
