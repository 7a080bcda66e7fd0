/*
 * xen/lib against the host C library. The library is compiled with every
 * symbol renamed to petrel_* (see unit.mk) so both can live in one program.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <cmocka.h>

/* The tests feed odd formats on purpose (ignored flags, NULL strings, ...). */
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-truncation"
#pragma GCC diagnostic ignored "-Wformat-overflow"

void *petrel_memcpy(void *dst, const void *src, size_t n);
void *petrel_memmove(void *dst, const void *src, size_t n);
void *petrel_memset(void *dst, int c, size_t n);
int petrel_memcmp(const void *a, const void *b, size_t n);
size_t petrel_strlen(const char *s);
size_t petrel_strnlen(const char *s, size_t max);
int petrel_strcmp(const char *a, const char *b);
int petrel_strncmp(const char *a, const char *b, size_t n);
char *petrel_strchr(const char *s, int c);
size_t petrel_strlcpy(char *dst, const char *src, size_t size);
unsigned long petrel_strtoul(const char *s, const char **end, int base);
uint64_t petrel_parse_size(const char *s, const char **end);
int petrel_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int petrel_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void petrel_sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void test_mem(void **state)
{
	unsigned char a[64], b[64];
	int i;

	(void)state;
	for (i = 0; i < 64; i++)
		a[i] = (unsigned char)i;
	memset(b, 0xee, sizeof(b));
	assert_ptr_equal(petrel_memcpy(b + 1, a, 10), b + 1);
	assert_memory_equal(b + 1, a, 10);
	assert_int_equal(b[0], 0xee);
	assert_int_equal(b[11], 0xee);
	assert_ptr_equal(petrel_memset(b, 0x5a, 7), b);
	assert_int_equal(b[6], 0x5a);
	assert_int_equal(b[7], 0x06);
	assert_int_equal(petrel_memset(b, 0x1234, 1) == b && b[0] == 0x34, 1);
	petrel_memcpy(b, a, 0);
	assert_int_equal(petrel_memcmp(a, a, 64), 0);
	assert_int_equal(petrel_memcmp(a, b, 0), 0);
	b[0] = 0;
	b[1] = 0xff;
	assert_true(petrel_memcmp(a, b, 2) < 0); /* unsigned comparison */
	assert_true(petrel_memcmp(b, a, 2) > 0);
}

/* Lengths with quadwords and a tail, at unaligned addresses: every byte, no byte past the end. */
static void test_mem_quads(void **state)
{
	unsigned char a[80], b[80], c[80];

	(void)state;
	for (int i = 0; i < 80; i++)
		a[i] = (unsigned char)(i * 7 + 1);
	for (size_t n = 0; n <= 33; n++) {
		memset(b, 0xee, sizeof(b));
		petrel_memcpy(b + 3, a + 5, n);
		assert_memory_equal(b + 3, a + 5, n);
		assert_int_equal(b[2], 0xee);
		assert_int_equal(b[3 + n], 0xee);
		memset(c, 0xee, sizeof(c));
		petrel_memset(c + 1, 0x1a5, n);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(c[1 + i], 0xa5);
		assert_int_equal(c[0], 0xee);
		assert_int_equal(c[1 + n], 0xee);
	}
}

/* Lengths of 64-byte blocks, quadwords and a tail, at unaligned addresses. */
static void test_memset_blocks(void **state)
{
	unsigned char c[4096 + 80];

	(void)state;
	for (size_t n = 0; n <= sizeof(c) - 8; n += n < 200 ? 1 : 509) {
		memset(c, 0xee, sizeof(c));
		assert_ptr_equal(petrel_memset(c + 3, 0x15a, n), c + 3);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(c[3 + i], 0x5a);
		assert_int_equal(c[2], 0xee);
		assert_int_equal(c[3 + n], 0xee);
	}
}

static void test_memmove(void **state)
{
	char ref[40], buf[40];
	int off, len;

	(void)state;
	for (off = -8; off <= 8; off++) {
		for (len = 0; len <= 16; len++) {
			int i;

			for (i = 0; i < 40; i++)
				ref[i] = buf[i] = (char)('a' + i % 26);
			memmove(ref + 12 + off, ref + 12, (size_t)len);
			assert_ptr_equal(petrel_memmove(buf + 12 + off, buf + 12, (size_t)len),
					 buf + 12 + off);
			assert_memory_equal(ref, buf, sizeof(buf));
		}
	}
}

static void test_strings(void **state)
{
	char d[8];

	(void)state;
	assert_int_equal(petrel_strlen(""), 0);
	assert_int_equal(petrel_strlen("petrel"), 6);
	assert_int_equal(petrel_strnlen("petrel", 3), 3);
	assert_int_equal(petrel_strnlen("pe", 30), 2);
	assert_int_equal(petrel_strcmp("abc", "abc"), 0);
	assert_int_equal(sign(petrel_strcmp("abc", "abd")), -1);
	assert_int_equal(sign(petrel_strcmp("abc", "ab")), 1);
	assert_int_equal(sign(petrel_strcmp("a\xff", "a\x01")), 1);
	assert_int_equal(petrel_strncmp("abcX", "abcY", 3), 0);
	assert_int_equal(sign(petrel_strncmp("abcX", "abcY", 4)), -1);
	assert_int_equal(petrel_strncmp("ab", "ab", 10), 0);
	assert_int_equal(petrel_strncmp("x", "y", 0), 0);
	const char *s = "hello";
	assert_ptr_equal(petrel_strchr(s, 'l'), s + 2);
	assert_ptr_equal(petrel_strchr(s, '\0'), s + 5);
	assert_null(petrel_strchr(s, 'z'));
	assert_int_equal(petrel_strlcpy(d, "petrel-hypervisor", sizeof(d)), 17);
	assert_string_equal(d, "petrel-");
	assert_int_equal(petrel_strlcpy(d, "ab", sizeof(d)), 2);
	assert_string_equal(d, "ab");
	d[0] = 'q';
	assert_int_equal(petrel_strlcpy(d, "zz", 0), 2);
	assert_int_equal(d[0], 'q');
	assert_int_equal(petrel_strlcpy(d, "zz", 1), 2);
	assert_string_equal(d, "");
}

static void test_strtoul(void **state)
{
	const char *e, *s;

	(void)state;
	assert_int_equal(petrel_strtoul("1234x", &e, 10), 1234);
	assert_int_equal(*e, 'x');
	assert_int_equal(petrel_strtoul("0x1fG", &e, 0), 0x1f);
	assert_int_equal(*e, 'G');
	assert_int_equal(petrel_strtoul("0X1F", &e, 16), 0x1f);
	assert_int_equal(petrel_strtoul("0755", &e, 0), 0755);
	assert_int_equal(petrel_strtoul("0", &e, 0), 0);
	assert_int_equal(*e, '\0');
	assert_int_equal(petrel_strtoul("  42", &e, 0), 42);
	assert_int_equal(petrel_strtoul("ff", &e, 16), 255);
	assert_int_equal(petrel_strtoul("z", &e, 36), 35);
	/* "0x" without hex digits: the 0 is the number. */
	s = "0xg";
	assert_int_equal(petrel_strtoul(s, &e, 0), 0);
	assert_ptr_equal(e, s + 1);
	s = "abc";
	assert_int_equal(petrel_strtoul(s, &e, 10), 0);
	assert_ptr_equal(e, s);
	s = "-5";
	assert_int_equal(petrel_strtoul(s, &e, 10), 0);
	assert_ptr_equal(e, s);
	s = "99999999999999999999999";
	assert_true(petrel_strtoul(s, &e, 10) == ULONG_MAX);
	assert_ptr_equal(e, s + strlen(s));
	assert_true(petrel_strtoul("18446744073709551615", NULL, 10) == ULONG_MAX);
	assert_true(petrel_strtoul("18446744073709551614", NULL, 10) == ULONG_MAX - 1);
	assert_int_equal(petrel_strtoul("12", &e, 1), 0); /* bad base */
	assert_int_equal(petrel_strtoul("12", &e, 37), 0);
}

static void test_parse_size(void **state)
{
	const char *e, *s;

	(void)state;
	assert_true(petrel_parse_size("4096", &e) == 4096 && *e == '\0');
	assert_true(petrel_parse_size("4K", &e) == 4096 && *e == '\0');
	assert_true(petrel_parse_size("4k,", &e) == 4096 && *e == ',');
	assert_true(petrel_parse_size("512M", &e) == 512ULL << 20);
	assert_true(petrel_parse_size("2g", &e) == 2ULL << 30);
	assert_true(petrel_parse_size("3T", &e) == 3ULL << 40);
	assert_true(petrel_parse_size("100b", &e) == 100 && *e == '\0');
	assert_true(petrel_parse_size("0x10M", &e) == 16ULL << 20);
	assert_true(petrel_parse_size("16X", &e) == 16 && *e == 'X');
	assert_true(petrel_parse_size("99999999T", &e) == ~0ULL);
	s = "M";
	assert_true(petrel_parse_size(s, &e) == 0 && e == s);
}

#define CHECK_FMT(fmt, ...)                                                                        \
	do {                                                                                       \
		char want[512], got[512];                                                          \
		int rw = snprintf(want, sizeof(want), fmt, __VA_ARGS__);                           \
		int rg = petrel_snprintf(got, sizeof(got), fmt, __VA_ARGS__);                      \
		if (rw != rg || strcmp(want, got))                                                 \
			fail_msg("format \"%s\": host \"%s\" (%d), ours \"%s\" (%d)", fmt, want,   \
				 rw, got, rg);                                                     \
	} while (0)

static void test_printf_table(void **state)
{
	int x = 0;

	(void)state;
	CHECK_FMT("%d %i %u", 0, -1, 3u);
	CHECK_FMT("%d|%d", INT_MIN, INT_MAX);
	CHECK_FMT("%x %X %o", 0xdeadbeefu, 0xabcu, 0777u);
	CHECK_FMT("[%5d][%-5d][%05d][%+d][% d]", 42, 42, 42, 42, 42);
	CHECK_FMT("[%+05d][% 05d][%-+6d][%+d]", -42, -42, 7, 0);
	CHECK_FMT("[%.3d][%.0d][%5.3d][%-5.3d][%05.3d]", 7, 0, -7, 7, 7);
	CHECK_FMT("[%#x][%#X][%#o][%#x][%#o]", 255u, 255u, 8u, 0u, 0u);
	CHECK_FMT("[%#08x][%#-8x][%#.4x][%#.0o]", 255u, 255u, 1u, 0u);
	CHECK_FMT("[%*d][%-*d][%.*d][%*.*d]", 6, 1, 6, 1, 4, 1, 8, 3, 5);
	CHECK_FMT("[%*d][%.*d]", -6, 1, -4, 12);
	CHECK_FMT("%ld %lu %lx", LONG_MIN, ULONG_MAX, 0x123456789abcdefUL);
	CHECK_FMT("%lld %llu %llX", LLONG_MIN, ULLONG_MAX, 0xfedcba9876543210ULL);
	CHECK_FMT("%zu %zx %zd", (size_t)12345, (size_t)-1, (ssize_t)-3);
	CHECK_FMT("%hd %hu %hx", 70000, 70000, 0x12345);
	CHECK_FMT("%hhd %hhu %hhx", 300, 300, 0x1ff);
	CHECK_FMT("[%s][%10s][%-10s][%.2s][%8.3s][%.0s]", "abc", "abc", "abc", "abc", "abcdef",
		  "abc");
	CHECK_FMT("[%c][%3c][%-3c]", 'a', 'b', 'c');
	CHECK_FMT("100%% %d%%", 5);
	CHECK_FMT("[%p][%20p][%-20p]", (void *)&x, (void *)&x, (void *)0x1234);
	CHECK_FMT("[%p][%8p]", (void *)0, (void *)0);
	CHECK_FMT("%s", "");
	CHECK_FMT("%.300d|", 5);
	CHECK_FMT("%o %#o %lo", 0u, 1u, 01234567012345670UL);
}

/* Random conversions with random flags, width, precision and length, against the host. */
static void test_printf_random(void **state)
{
	static const char flags[] = "-0+ #";
	static const char *const lens[] = { "", "hh", "h", "l", "ll", "z" };
	static const char convs[] = "diuxXocs";
	char fmt[64], want[256], got[256];

	(void)state;
	srand(2026);
	for (int iter = 0; iter < 5000; iter++) {
		char conv = convs[rand() % (int)(sizeof(convs) - 1)];
		const char *len = (conv == 'c' || conv == 's') ? "" : lens[rand() % 6];
		size_t n = 0;
		int star_w = rand() % 5 == 0, star_p = rand() % 5 == 0;
		int w = rand() % 25 - 5, p = rand() % 25 - 5;
		long long v =
		    (long long)(((unsigned long long)rand() << 33) ^
				((unsigned long long)rand() << 11) ^ (unsigned long long)rand());
		int rw, rg;

		if (rand() % 4 == 0)
			v = rand() % 3 - 1; /* -1, 0, 1 often */
		fmt[n++] = '[';
		fmt[n++] = '%';
		for (int f = 0; f < 5; f++) {
			if (rand() % 3 == 0 && !((conv == 's' || conv == 'c') && flags[f] == '0'))
				fmt[n++] = flags[f];
		}
		if (star_w)
			fmt[n++] = '*';
		else if (w > 0)
			n += (size_t)sprintf(fmt + n, "%d", w);
		if (conv != 'c') {
			if (star_p)
				n += (size_t)sprintf(fmt + n, ".*");
			else if (p >= 0)
				n += (size_t)sprintf(fmt + n, ".%d", p);
		}
		n += (size_t)sprintf(fmt + n, "%s%c]", len, conv);
		fmt[n] = '\0';

#define BOTH(...)                                                                                  \
	do {                                                                                       \
		rw = snprintf(want, sizeof(want), fmt, __VA_ARGS__);                               \
		rg = petrel_snprintf(got, sizeof(got), fmt, __VA_ARGS__);                          \
	} while (0)
#define WITH_STARS(x)                                                                              \
	do {                                                                                       \
		if (star_w && star_p && conv != 'c')                                               \
			BOTH(w, p, x);                                                             \
		else if (star_w)                                                                   \
			BOTH(w, x);                                                                \
		else if (star_p && conv != 'c')                                                    \
			BOTH(p, x);                                                                \
		else                                                                               \
			BOTH(x);                                                                   \
	} while (0)
		if (conv == 's')
			WITH_STARS("petrel");
		else if (conv == 'c')
			WITH_STARS('z');
		else if (!strcmp(len, "ll"))
			WITH_STARS(v);
		else if (!strcmp(len, "l"))
			WITH_STARS((long)v);
		else if (!strcmp(len, "z"))
			WITH_STARS((size_t)v);
		else
			WITH_STARS((int)v);
#undef WITH_STARS
#undef BOTH
		if (rw != rg || strcmp(want, got))
			fail_msg("format \"%s\": host \"%s\" (%d), ours \"%s\" (%d)", fmt, want, rw,
				 got, rg);
	}
}

static int call_vsn(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = petrel_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void test_printf_edges(void **state)
{
	char buf[16];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(petrel_snprintf(buf, 5, "%s", "hello world"), 11);
	assert_string_equal(buf, "hell");
	assert_int_equal(buf[5], 'x');
	assert_int_equal(petrel_snprintf(NULL, 0, "%d-%s", 1234, "ab"), 7);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(petrel_snprintf(buf, 1, "abc"), 3);
	assert_int_equal(buf[0], '\0');
	assert_int_equal(buf[1], 'x');
	assert_int_equal(petrel_snprintf(buf, sizeof(buf), "%s", (char *)NULL), 6);
	assert_string_equal(buf, "(null)");
	assert_int_equal(petrel_snprintf(buf, sizeof(buf), "a%"), 2);
	assert_string_equal(buf, "a%");
	/* Unknown conversions are shown as written. */
	assert_int_equal(call_vsn(buf, sizeof(buf), "<%5q>"), 5);
	assert_string_equal(buf, "<%5q>");
	assert_int_equal(call_vsn(buf, sizeof(buf), "%s=%u", "n", 7u), 3);
	assert_string_equal(buf, "n=7");
	/* Exactly filling the buffer. */
	assert_int_equal(petrel_snprintf(buf, 4, "abc"), 3);
	assert_string_equal(buf, "abc");
	assert_int_equal(petrel_snprintf(buf, 4, "abcd"), 4);
	assert_string_equal(buf, "abc");
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

struct rec {
	uint32_t key;
	char pad[9];
};

static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

static void test_sort(void **state)
{
	int a[300], b[300];
	struct rec r[97];
	size_t n, i;

	(void)state;
	srand(1234);
	for (n = 0; n < 300; n += (n < 20 ? 1 : 37)) {
		for (i = 0; i < n; i++)
			a[i] = b[i] = rand() % 50 - 25; /* many duplicates */
		petrel_sort(a, n, sizeof(int), cmp_int);
		qsort(b, n, sizeof(int), cmp_int);
		assert_memory_equal(a, b, n * sizeof(int));
	}
	for (i = 0; i < 300; i++)
		a[i] = 300 - (int)i;
	petrel_sort(a, 300, sizeof(int), cmp_int);
	for (i = 0; i < 300; i++)
		assert_int_equal(a[i], (int)i + 1);
	petrel_sort(a, 300, sizeof(int), cmp_int); /* already sorted */
	for (i = 0; i < 300; i++)
		assert_int_equal(a[i], (int)i + 1);
	for (i = 0; i < 97; i++) {
		r[i].key = (uint32_t)rand();
		memset(r[i].pad, (int)(r[i].key & 0xff), sizeof(r[i].pad));
	}
	petrel_sort(r, 97, sizeof(r[0]), cmp_rec);
	for (i = 0; i < 97; i++) {
		if (i)
			assert_true(r[i - 1].key <= r[i].key);
		assert_int_equal((unsigned char)r[i].pad[8], r[i].key & 0xff);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mem),	      cmocka_unit_test(test_mem_quads),
		cmocka_unit_test(test_memmove),	      cmocka_unit_test(test_strings),
		cmocka_unit_test(test_strtoul),	      cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_printf_table),  cmocka_unit_test(test_printf_edges),
		cmocka_unit_test(test_printf_random), cmocka_unit_test(test_sort),
		cmocka_unit_test(test_memset_blocks),
	};

	return cmocka_run_group_tests_name("lib", tests, NULL, NULL);
}
