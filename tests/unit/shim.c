/*
 * printk/panic for host tests: printk appends to shim_log (set
 * SHIM_VERBOSE=1 to also see it on stderr); panic records the call and fails
 * the running cmocka test. The host tests run as CPU 0, the only CPU online.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "shim.h"

volatile uint64_t cpu_online_mask = 1;

char shim_log[16384];
int shim_panics;
static size_t log_len;

void shim_log_reset(void)
{
	log_len = 0;
	shim_log[0] = '\0';
	shim_panics = 0;
}

bool shim_log_has(const char *needle)
{
	return strstr(shim_log, needle) != NULL;
}

void vprintk(const char *fmt, va_list ap);
void printk(const char *fmt, ...);
void panic(const char *fmt, ...);

void vprintk(const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	if (getenv("SHIM_VERBOSE"))
		vfprintf(stderr, fmt, copy);
	va_end(copy);
	if (log_len >= sizeof(shim_log) - 1)
		return;
	n = vsnprintf(shim_log + log_len, sizeof(shim_log) - log_len, fmt, ap);
	if (n > 0)
		log_len += (size_t)n;
	if (log_len > sizeof(shim_log) - 1)
		log_len = sizeof(shim_log) - 1;
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	shim_panics++;
	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
	fail_msg("panic() called: %s", shim_log);
	abort(); /* not reached */
}
