/*
 * Memory and string primitives for the hypervisor.
 *
 * memcpy and memset use x86 string instructions: a plain byte loop here
 * could be recognised by the compiler as a memcpy/memset idiom and turned
 * into a call to the very function being defined. They move quadwords and
 * then the last bytes: under emulation (QEMU's TCG) every step of a rep
 * string instruction is a trip through the translated-code loop, so bytes
 * one at a time would cost eight times the steps.
 */
#include "lib.h"

__hvm_hot void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;
	size_t quads = n / 8, bytes = n % 8;

	asm volatile("rep movsq" : "+D"(d), "+S"(src), "+c"(quads) : : "memory");
	asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(bytes) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	/*
	 * Overlap with dst above src: copy from the top down. Not with a
	 * backwards "rep movsb", which would need EFLAGS.DF set while an
	 * interrupt could arrive; the empty asm keeps the compiler from turning
	 * the loop back into a memmove call.
	 */
	while (n--) {
		d[n] = s[n];
		asm volatile("" : : : "memory");
	}
	return dst;
}

/*
 * memset stores 64 bytes per loop step first: under TCG a loop of eight
 * stores zeroes a page about 1.5x as fast as rep stosq (each of whose steps
 * is a trip through the translated-code loop), and zeroing is nearly all of
 * what populate_physmap costs (docs/performance.md, "xl lifecycle").
 */
void *memset(void *dst, int c, size_t n)
{
	void *d = dst;
	size_t blocks = n / 64, quads = n % 64 / 8, bytes = n % 8;
	unsigned long v = (unsigned char)c * 0x0101010101010101UL;

	if (blocks)
		asm volatile("1: movq %[v], (%[d]); movq %[v], 8(%[d]); movq %[v], 16(%[d]);"
			     "movq %[v], 24(%[d]); movq %[v], 32(%[d]); movq %[v], 40(%[d]);"
			     "movq %[v], 48(%[d]); movq %[v], 56(%[d]);"
			     "add $64, %[d]; dec %[n]; jnz 1b"
			     : [d] "+r"(d), [n] "+r"(blocks)
			     : [v] "r"(v)
			     : "memory", "cc");
	asm volatile("rep stosq" : "+D"(d), "+c"(quads) : "a"(v) : "memory");
	asm volatile("rep stosb" : "+D"(d), "+c"(bytes) : "a"(v) : "memory");
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p - *q;
	}
	return 0;
}

size_t strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p && *p == *q) {
		p++;
		q++;
	}
	return *p - *q;
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p - *q;
		if (!*p)
			break;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

/* Copy with truncation; the result is always terminated when size > 0. */
size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}
