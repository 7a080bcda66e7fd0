/* Freestanding C library subset (xen/lib/), one concern per file. */
#ifndef PETREL_LIB_H
#define PETREL_LIB_H

#include "types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
size_t strlcpy(char *dst, const char *src, size_t size);
/* Parse an unsigned number; base 0 accepts 0x (hex) and 0 (octal) prefixes. */
unsigned long strtoul(const char *s, const char **end, int base);
/* Parse a size with an optional K/M/G/T suffix (default unit: bytes). */
u64 parse_size(const char *s, const char **end);

/* printf family: %d %i %u %x %X %o %p %s %c %%, flags -0+ space #, width, precision, l ll z h hh. */
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* Sort @n elements of @size bytes (heap sort; no allocation). */
void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *));

#endif
