/*
 * Formatted output: vsnprintf/snprintf.
 *
 * Conversions: %d %i %u %x %X %o %p %s %c %%; flags - 0 + space #; field
 * width and precision (either may be '*'); length modifiers hh h l ll z.
 * The output is always NUL-terminated when @size > 0 and the return value is
 * the length the full output would have had.
 */
#include "lib.h"

#define F_LEFT (1u << 0)
#define F_ZERO (1u << 1)
#define F_PLUS (1u << 2)
#define F_SPACE (1u << 3)
#define F_ALT (1u << 4)
#define F_UPPER (1u << 5)

struct out {
	char *buf;
	size_t size;
	size_t pos; /* characters produced so far, written or not */
};

struct spec {
	unsigned int flags;
	int width;
	int prec; /* -1: none given */
	int len;  /* 'H' (hh), 'h', 0, 'l', 'L' (ll), 'z' */
	char conv;
};

static void put(struct out *o, char c)
{
	if (o->size && o->pos < o->size - 1)
		o->buf[o->pos] = c;
	o->pos++;
}

static void put_n(struct out *o, char c, int n)
{
	while (n-- > 0)
		put(o, c);
}

static void put_str(struct out *o, const char *s, int n)
{
	while (n-- > 0)
		put(o, *s++);
}

/* Emit @body (length @n) padded to the field width with spaces. */
static void put_field(struct out *o, const struct spec *sp, const char *body, int n)
{
	int pad = sp->width > n ? sp->width - n : 0;

	if (!(sp->flags & F_LEFT))
		put_n(o, ' ', pad);
	put_str(o, body, n);
	if (sp->flags & F_LEFT)
		put_n(o, ' ', pad);
}

static int to_digits(char *tmp, unsigned long long v, unsigned int base, bool upper)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	while (v) {
		tmp[n++] = set[v % base];
		v /= base;
	}
	return n; /* reversed */
}

static void put_number(struct out *o, const struct spec *sp, unsigned long long v, bool neg)
{
	char tmp[24], prefix[3];
	unsigned int base = 10;
	int nd, npre = 0, zeros, pad, total;

	if (sp->conv == 'x' || sp->conv == 'X' || sp->conv == 'p')
		base = 16;
	else if (sp->conv == 'o')
		base = 8;
	nd = to_digits(tmp, v, base, sp->flags & F_UPPER);

	if (neg)
		prefix[npre++] = '-';
	else if (sp->flags & F_PLUS)
		prefix[npre++] = '+';
	else if (sp->flags & F_SPACE)
		prefix[npre++] = ' ';
	if ((sp->flags & F_ALT) && base == 16 && v) {
		prefix[npre++] = '0';
		prefix[npre++] = (sp->flags & F_UPPER) ? 'X' : 'x';
	}

	/* Digits wanted: at least the precision (default 1). */
	zeros = (sp->prec < 0 ? 1 : sp->prec) - nd;
	if (zeros < 0)
		zeros = 0;
	if ((sp->flags & F_ALT) && base == 8 && zeros == 0 && (nd == 0 || tmp[nd - 1] != '0'))
		zeros = 1;

	total = npre + zeros + nd;
	pad = sp->width > total ? sp->width - total : 0;
	if ((sp->flags & F_ZERO) && !(sp->flags & F_LEFT) && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!(sp->flags & F_LEFT))
		put_n(o, ' ', pad);
	put_str(o, prefix, npre);
	put_n(o, '0', zeros);
	while (nd > 0)
		put(o, tmp[--nd]);
	if (sp->flags & F_LEFT)
		put_n(o, ' ', pad);
}

/* Parse flags, width, precision and length; returns the conversion char's position. */
static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	sp->flags = 0;
	sp->width = 0;
	sp->prec = -1;
	sp->len = 0;
	for (;; f++) {
		if (*f == '-')
			sp->flags |= F_LEFT;
		else if (*f == '0')
			sp->flags |= F_ZERO;
		else if (*f == '+')
			sp->flags |= F_PLUS;
		else if (*f == ' ')
			sp->flags |= F_SPACE;
		else if (*f == '#')
			sp->flags |= F_ALT;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->flags |= F_LEFT;
			sp->width = sp->width == -2147483647 - 1 ? 0 : -sp->width;
		}
		f++;
	} else {
		for (; *f >= '0' && *f <= '9'; f++)
			sp->width = sp->width < 100000 ? sp->width * 10 + (*f - '0') : sp->width;
	}
	if (*f == '.') {
		f++;
		sp->prec = 0;
		if (*f == '*') {
			sp->prec = va_arg(*ap, int);
			if (sp->prec < 0)
				sp->prec = -1;
			f++;
		} else {
			for (; *f >= '0' && *f <= '9'; f++)
				sp->prec =
				    sp->prec < 100000 ? sp->prec * 10 + (*f - '0') : sp->prec;
		}
	}
	if (*f == 'h') {
		sp->len = f[1] == 'h' ? 'H' : 'h';
		f += f[1] == 'h' ? 2 : 1;
	} else if (*f == 'l') {
		sp->len = f[1] == 'l' ? 'L' : 'l';
		f += f[1] == 'l' ? 2 : 1;
	} else if (*f == 'z') {
		sp->len = 'z';
		f++;
	}
	sp->conv = *f;
	return f;
}

static void do_signed(struct out *o, struct spec *sp, va_list *ap)
{
	long long v;
	unsigned long long m;

	switch (sp->len) {
	case 'H':
		v = (signed char)va_arg(*ap, int);
		break;
	case 'h':
		v = (short)va_arg(*ap, int);
		break;
	case 'l':
		v = va_arg(*ap, long);
		break;
	case 'L':
		v = va_arg(*ap, long long);
		break;
	case 'z':
		v = (long long)va_arg(*ap, size_t);
		break;
	default:
		v = va_arg(*ap, int);
		break;
	}
	m = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
	put_number(o, sp, m, v < 0);
}

static void do_unsigned(struct out *o, struct spec *sp, va_list *ap)
{
	unsigned long long v;

	switch (sp->len) {
	case 'H':
		v = (unsigned char)va_arg(*ap, unsigned int);
		break;
	case 'h':
		v = (unsigned short)va_arg(*ap, unsigned int);
		break;
	case 'l':
		v = va_arg(*ap, unsigned long);
		break;
	case 'L':
		v = va_arg(*ap, unsigned long long);
		break;
	case 'z':
		v = va_arg(*ap, size_t);
		break;
	default:
		v = va_arg(*ap, unsigned int);
		break;
	}
	sp->flags &= ~(F_PLUS | F_SPACE);
	put_number(o, sp, v, false);
}

static void do_string(struct out *o, struct spec *sp, va_list *ap)
{
	const char *s = va_arg(*ap, const char *);
	size_t n;

	if (!s)
		s = "(null)";
	n = sp->prec < 0 ? strlen(s) : strnlen(s, (size_t)sp->prec);
	put_field(o, sp, s, n > 0x7fffffff ? 0x7fffffff : (int)n);
}

static void do_pointer(struct out *o, struct spec *sp, va_list *ap)
{
	void *p = va_arg(*ap, void *);

	if (!p) {
		put_field(o, sp, "(nil)", 5);
		return;
	}
	sp->flags |= F_ALT;
	sp->flags &= ~(F_PLUS | F_SPACE);
	put_number(o, sp, (unsigned long)p, false);
}

static void do_conversion(struct out *o, struct spec *sp, va_list *ap, const char *start,
			  const char *f)
{
	char c;

	switch (sp->conv) {
	case 'd':
	case 'i':
		do_signed(o, sp, ap);
		break;
	case 'X':
		sp->flags |= F_UPPER;
		/* fall through */
	case 'u':
	case 'x':
	case 'o':
		do_unsigned(o, sp, ap);
		break;
	case 'p':
		do_pointer(o, sp, ap);
		break;
	case 's':
		do_string(o, sp, ap);
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		put_field(o, sp, &c, 1);
		break;
	case '%':
		put(o, '%');
		break;
	default:
		/* Unknown conversion: show the specification as written. */
		put_str(o, start, (int)(f - start) + (*f ? 1 : 0));
		break;
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { .buf = buf, .size = size, .pos = 0 };
	struct spec sp;
	va_list args;
	const char *f, *start;

	va_copy(args, ap);
	for (f = fmt; *f; f++) {
		if (*f != '%') {
			put(&o, *f);
			continue;
		}
		start = f;
		f = parse_spec(f + 1, &sp, &args);
		do_conversion(&o, &sp, &args, start, f);
		if (!*f)
			break;
	}
	va_end(args);
	if (size)
		buf[o.pos < size ? o.pos : size - 1] = '\0';
	return o.pos > 0x7fffffff ? 0x7fffffff : (int)o.pos;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
