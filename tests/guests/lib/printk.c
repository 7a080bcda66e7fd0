/* A small vsnprintf and printk over CONSOLEIO_write. */
#include "xtest.h"
#include "console-ring.h"

struct outbuf {
	char *buf;
	size_t size, len;
};

static void put(struct outbuf *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

/* Right-aligned in @width; left alignment is done by the caller. */
static void put_num(struct outbuf *o, unsigned long long v, unsigned int base, bool upper, bool neg,
		    int width, char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, i;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		width--;
	if (neg && pad == '0')
		put(o, '-');
	for (i = n; i < width; i++)
		put(o, pad);
	if (neg && pad != '0')
		put(o, '-');
	while (n)
		put(o, tmp[--n]);
}

static void put_str(struct outbuf *o, const char *s, int width, int prec, bool left)
{
	int len, i;

	if (!s)
		s = "(null)";
	len = (int)strnlen(s, prec < 0 ? (size_t)-1 : (size_t)prec);
	for (i = len; !left && i < width; i++)
		put(o, ' ');
	for (i = 0; i < len; i++)
		put(o, s[i]);
	for (i = len; left && i < width; i++)
		put(o, ' ');
}

static unsigned long long get_unsigned(va_list *ap, int lng)
{
	if (lng >= 2)
		return va_arg(*ap, unsigned long long);
	if (lng == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned int);
}

static long long get_signed(va_list *ap, int lng)
{
	if (lng >= 2)
		return va_arg(*ap, long long);
	if (lng == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

static const char *do_conv(struct outbuf *o, const char *f, va_list *ap)
{
	bool left = false, alt = false, neg;
	char pad = ' ';
	int width = 0, prec = -1, lng = 0;
	unsigned long long u;
	long long s;
	size_t start;

	for (;; f++) {
		if (*f == '-')
			left = true;
		else if (*f == '#')
			alt = true;
		else if (*f == '0')
			pad = '0';
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		width = width * 10 + (*f++ - '0');
	if (*f == '.') {
		prec = 0;
		while (*++f >= '0' && *f <= '9')
			prec = prec * 10 + (*f - '0');
	}
	for (;; f++) {
		if (*f == 'l')
			lng++;
		else if (*f == 'z')
			lng = 1;
		else if (*f != 'h')
			break;
	}
	if (left)
		pad = ' ';
	start = o->len;
	switch (*f) {
	case 'd':
	case 'i':
		s = get_signed(ap, lng);
		neg = s < 0;
		u = neg ? -(unsigned long long)s : (unsigned long long)s;
		put_num(o, u, 10, false, neg, left ? 0 : width, pad);
		break;
	case 'u':
		put_num(o, get_unsigned(ap, lng), 10, false, false, left ? 0 : width, pad);
		break;
	case 'x':
	case 'X':
		if (alt) {
			put(o, '0');
			put(o, 'x');
		}
		put_num(o, get_unsigned(ap, lng), 16, *f == 'X', false, left ? 0 : width, pad);
		break;
	case 'p':
		put(o, '0');
		put(o, 'x');
		put_num(o, (unsigned long)va_arg(*ap, void *), 16, false, false, 16, '0');
		break;
	case 's':
		put_str(o, va_arg(*ap, const char *), width, prec, left);
		return f + 1;
	case 'c':
		put(o, (char)va_arg(*ap, int));
		break;
	case '%':
		put(o, '%');
		break;
	case '\0':
		return f;
	default:
		put(o, '%');
		put(o, *f);
		break;
	}
	while (left && (int)(o->len - start) < width)
		put(o, ' ');
	return f + 1;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct outbuf o = { .buf = buf, .size = size, .len = 0 };
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = do_conv(&o, fmt + 1, &aq);
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
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

int printk(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;
	size_t len;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	len = strlen(buf);
	if (len) {
		hypercall_console_write(buf, len);
		console_ring_write(buf, len);
	}
	return n;
}
