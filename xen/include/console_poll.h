/*
 * How often the control domain's serial input is polled (console_io.c):
 * every 10 ms while characters arrive, every 50 ms once a second has
 * passed without any. An idle console then costs a fifth of the timer
 * interrupts, LAPIC writes and UART reads; the first character typed after
 * a quiet spell waits up to 50 ms, the ones after it 10 ms.
 */
#ifndef PETREL_CONSOLE_POLL_H
#define PETREL_CONSOLE_POLL_H

#include "types.h"

#define CONSOLE_POLL_NS (10ULL * 1000 * 1000)
#define CONSOLE_IDLE_POLL_NS (50ULL * 1000 * 1000)
#define CONSOLE_IDLE_AFTER 100 /* polls without input (a second) */

/* Polls without input so far, after one that got @got characters or none. */
static inline unsigned int console_quiet_polls(unsigned int quiet, bool got)
{
	if (got)
		return 0;
	return quiet < CONSOLE_IDLE_AFTER ? quiet + 1 : quiet;
}

/* The delay to the next poll after @quiet polls without input. */
static inline u64 console_poll_delay(unsigned int quiet)
{
	return quiet < CONSOLE_IDLE_AFTER ? CONSOLE_POLL_NS : CONSOLE_IDLE_POLL_NS;
}

#endif
