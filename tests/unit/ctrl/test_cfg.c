/* SPDX-License-Identifier: MIT */
/*
 * The xl.cfg parser: a file using every construct, Debian's example
 * configurations, a corpus of broken files (each names the line, column and
 * reason its error must give) and random damage to good files, which must
 * give an error or a parse but never a crash (the suite runs under ASan).
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "cfg.h"

#ifndef CFG_CORPUS
#define CFG_CORPUS "tests/unit/ctrl/cfg"
#endif
#ifndef DEBIAN_XEN_ETC
#define DEBIAN_XEN_ETC "build/xenstore/debian/root/etc/xen"
#endif

static char err[512];

static const char *str(const struct cfg *c, const char *name)
{
	const char *s = NULL;

	assert_int_equal(cfg_get_string(c, name, &s, err, sizeof(err)), 0);
	return s;
}

static void test_full(void **state)
{
	const struct cfg_value *items;
	unsigned int n;
	struct cfg c;
	long v;

	(void)state;
	assert_int_equal(cfg_parse_file(CFG_CORPUS "/good/full.cfg", &c, err, sizeof(err)), 0);
	assert_string_equal(str(&c, "name"), "full");
	assert_string_equal(str(&c, "type"), "pv");
	assert_int_equal(cfg_get_long(&c, "memory", &v, err, sizeof(err)), 0);
	assert_int_equal(v, 256);
	assert_int_equal(cfg_get_long(&c, "maxmem", &v, err, sizeof(err)), 0);
	assert_int_equal(v, 512);
	assert_string_equal(str(&c, "cmdline"),
			    "root=/dev/xvda1 console=hvc0 \"quoted\" tab\thereAA quiet");
	assert_string_equal(str(&c, "extra"), "no \\escapes here");
	assert_int_equal(cfg_get_list(&c, "disk", &items, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_string_equal(items[0].text, "phy:/dev/vg/full,xvda,w");
	assert_string_equal(items[2].text, "file:/srv/three.img,xvdc,w");
	assert_int_equal(items[1].line, 10);
	assert_int_equal(items[1].col, 10);
	assert_int_equal(cfg_get_list(&c, "vif", &items, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].text, "");
	assert_int_equal(cfg_get_list(&c, "empty", &items, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(cfg_get_list(&c, "multi", &items, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(items[0].kind, CFG_NUMBER);
	assert_int_equal(items[1].kind, CFG_STRING);
	cfg_free(&c);
}

static void test_typed_reads(void **state)
{
	const char *text = "memory = \"32\"\nvcpus = 'two'\ndisk = ['a']\nname = 1\n";
	const struct cfg_value *items;
	const char *s;
	unsigned int n;
	struct cfg c;
	long v;

	(void)state;
	assert_int_equal(cfg_parse("t.cfg", text, strlen(text), &c, err, sizeof(err)), 0);
	assert_int_equal(cfg_get_long(&c, "memory", &v, err, sizeof(err)), 0);
	assert_int_equal(v, 32);
	assert_int_equal(cfg_get_long(&c, "vcpus", &v, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "t.cfg:2: vcpus: expected a number");
	assert_int_equal(cfg_get_string(&c, "disk", &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "t.cfg:3: disk:"));
	assert_int_equal(cfg_get_list(&c, "name", &items, &n, err, sizeof(err)), -EINVAL);
	assert_int_equal(cfg_get_long(&c, "maxmem", &v, err, sizeof(err)), -ENOENT);
	/* a later setting replaces an earlier one */
	cfg_free(&c);
	text = "name='a'\nname='b'\n";
	assert_int_equal(cfg_parse("t.cfg", text, strlen(text), &c, err, sizeof(err)), 0);
	assert_string_equal(str(&c, "name"), "b");
	cfg_free(&c);
}

static int each_file(const char *dir, void (*fn)(const char *path))
{
	char path[512];
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!strstr(e->d_name, ".cfg"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		fn(path);
		n++;
	}
	closedir(d);
	return n;
}

static void parses(const char *path)
{
	struct cfg c;
	int r = cfg_parse_file(path, &c, err, sizeof(err));

	if (r)
		fail_msg("%s: %s", path, err);
	cfg_free(&c);
}

static void test_good_files(void **state)
{
	(void)state;
	assert_true(each_file(CFG_CORPUS "/good", parses) >= 3);
}

/* A broken file's first line: "# expect LINE:COL TEXT". */
static void refused_as_expected(const char *path)
{
	char first[256], where[300], *text;
	int line, col, consumed = 0;
	FILE *f = fopen(path, "r");
	struct cfg c;

	assert_non_null(f);
	assert_non_null(fgets(first, sizeof(first), f));
	fclose(f);
	first[strcspn(first, "\n")] = 0;
	if (sscanf(first, "# expect %d:%d %n", &line, &col, &consumed) != 2 || !consumed)
		fail_msg("%s: no expect line", path);
	text = first + consumed;
	assert_int_equal(cfg_parse_file(path, &c, err, sizeof(err)), -EINVAL);
	assert_int_equal(c.n_settings, 0);
	snprintf(where, sizeof(where), "%s:%d:%d: config parsing error", path, line, col);
	if (strncmp(err, where, strlen(where)) != 0 || !strstr(err, text))
		fail_msg("%s: got \"%s\", want \"%s ... %s\"", path, err, where, text);
}

static void test_bad_files(void **state)
{
	(void)state;
	assert_true(each_file(CFG_CORPUS "/bad", refused_as_expected) >= 15);
}

static void test_file_errors(void **state)
{
	struct cfg c;

	(void)state;
	assert_int_equal(cfg_parse_file(CFG_CORPUS "/none.cfg", &c, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, CFG_CORPUS "/none.cfg: No such file or directory");
	assert_int_equal(cfg_parse_file(CFG_CORPUS, &c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, CFG_CORPUS ": not a regular file");
	assert_int_equal(cfg_parse("big", "", CFG_MAX_SIZE + 1, &c, err, sizeof(err)), -EFBIG);
}

static void test_list_limit(void **state)
{
	size_t size = 8 + 4 * (CFG_MAX_ITEMS + 1) + 4;
	char *text = malloc(size), *p = text;
	struct cfg c;

	(void)state;
	p += sprintf(p, "d = [");
	for (int i = 0; i <= CFG_MAX_ITEMS; i++)
		p += sprintf(p, "1,");
	sprintf(p, "]\n");
	assert_int_equal(cfg_parse("long", text, strlen(text), &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "list too long"));
	free(text);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;

	if (!f)
		return NULL;
	buf = malloc(CFG_MAX_SIZE);
	*len = fread(buf, 1, CFG_MAX_SIZE, f);
	fclose(f);
	return buf;
}

static void test_debian_examples(void **state)
{
	static const char *names[] = { "xlexample.pvlinux", "xlexample.pvhlinux", "xlexample.hvm" };
	char path[256];
	struct cfg c;
	long v;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", DEBIAN_XEN_ETC, names[i]);
		if (access(path, R_OK) != 0)
			skip();
		if (cfg_parse_file(path, &c, err, sizeof(err)))
			fail_msg("%s", err);
		assert_non_null(cfg_find(&c, "name"));
		assert_int_equal(cfg_get_long(&c, "memory", &v, err, sizeof(err)), 0);
		assert_true(v > 0);
		cfg_free(&c);
	}
}

/* Damage a good file many ways; every result is a parse or a clear error. */
static void damage(const char *path)
{
	static const char chars[] = "\"'[],;=+#\n\\x0 a\t";
	size_t len, at;
	char *orig = slurp(path, &len), *copy;
	struct cfg c;
	int r;

	if (!orig)
		return;
	copy = malloc(len + 2);
	srand(1234);
	for (int round = 0; round < 3000 && len; round++) {
		memcpy(copy, orig, len);
		at = (size_t)rand() % len;
		copy[at] =
		    round % 7 == 0 ? (char)(rand() & 0xff) : chars[rand() % (sizeof(chars) - 1)];
		r = cfg_parse(path, copy, round % 5 == 0 ? at + 1 : len, &c, err, sizeof(err));
		if (r) {
			assert_int_equal(r, -EINVAL);
			assert_int_equal(strncmp(err, path, strlen(path)), 0);
		}
		cfg_free(&c);
	}
	free(copy);
	free(orig);
}

static void test_damaged_files(void **state)
{
	char path[256];

	(void)state;
	each_file(CFG_CORPUS "/good", damage);
	snprintf(path, sizeof(path), "%s/xlexample.pvlinux", DEBIAN_XEN_ETC);
	damage(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_typed_reads),
		cmocka_unit_test(test_good_files),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_list_limit),
		cmocka_unit_test(test_debian_examples),
		cmocka_unit_test(test_damaged_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
