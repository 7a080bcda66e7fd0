/* The console ring of a toolstack-built domain (console-ring.c). */
#ifndef GUEST_CONSOLE_RING_H
#define GUEST_CONSOLE_RING_H

#include <stddef.h>
#include "xen-abi.h"

void console_ring_init(const struct start_info *si);
/* Write to the ring in @page (already mapped), notifying event channel @port. */
void console_ring_attach(void *page, uint32_t port);
void console_ring_write(const char *buf, size_t len);
void console_ring_flush(void);

#endif
