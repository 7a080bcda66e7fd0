/* Number parsing: strtoul and parse_size (with binary K/M/G/T suffixes). */
#include "lib.h"

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* Work out the base and skip its prefix; returns the first digit. */
static const char *base_prefix(const char *s, int *base)
{
	bool hex_prefix = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit_value(s[2]) < 16;

	if ((*base == 0 || *base == 16) && hex_prefix) {
		*base = 16;
		return s + 2;
	}
	if (*base == 0)
		*base = s[0] == '0' ? 8 : 10;
	return s;
}

/*
 * Leading blanks are skipped; no sign is accepted. On overflow the result
 * saturates at ULONG_MAX (all digits are still consumed). If no digit is
 * found, *end is set to @s and 0 is returned.
 */
unsigned long strtoul(const char *s, const char **end, int base)
{
	const char *p = s, *digits;
	unsigned long val = 0;
	bool overflow = false;
	int d;

	while (*p == ' ' || *p == '\t')
		p++;
	if (base < 0 || base == 1 || base > 36) {
		if (end)
			*end = s;
		return 0;
	}
	digits = p = base_prefix(p, &base);
	for (; (d = digit_value(*p)) < base; p++) {
		if (val > (~0UL - (unsigned long)d) / (unsigned long)base)
			overflow = true;
		val = val * (unsigned long)base + (unsigned long)d;
	}
	if (end)
		*end = p == digits ? s : p;
	return overflow ? ~0UL : val;
}

/*
 * A number (any base strtoul accepts) with an optional suffix: K, M, G, T
 * (powers of 1024, either case) or B (bytes). Saturates on overflow.
 */
u64 parse_size(const char *s, const char **end)
{
	const char *p;
	u64 val = strtoul(s, &p, 0);
	unsigned int shift = 0;

	if (p == s) {
		if (end)
			*end = s;
		return 0;
	}
	switch (*p) {
	case 'T':
	case 't':
		shift = 40;
		break;
	case 'G':
	case 'g':
		shift = 30;
		break;
	case 'M':
	case 'm':
		shift = 20;
		break;
	case 'K':
	case 'k':
		shift = 10;
		break;
	case 'B':
	case 'b':
		break;
	default:
		p--; /* no suffix to consume */
		break;
	}
	p++;
	if (end)
		*end = p;
	if (shift && val > (~0ULL >> shift))
		return ~0ULL;
	return val << shift;
}
