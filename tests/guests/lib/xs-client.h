/*
 * A xenstore client for toolstack-built test domains (xs-client.c): the
 * ring page named by start_info (or, for an HVM/PVH domain, by its
 * HVM_PARAM_STORE_PFN/EVTCHN), one request at a time, polled (no watches).
 * Paths without a leading '/' are relative to the domain's home directory.
 */
#ifndef GUEST_XS_CLIENT_H
#define GUEST_XS_CLIENT_H

#include "xtest.h"

/* Message types of the wire protocol (Xen's public io/xs_wire.h). */
#define XS_READ 2
#define XS_WRITE 11
#define XS_ERROR 16

/* Use the ring in @page (already mapped), notifying event channel @port. */
void xs_attach(void *page, uint32_t port);
/* Map the ring start_info names over a page of our own; false without one. */
bool xs_connect(const struct start_info *si);
/*
 * One request: @path (with its NUL), then @value (may be NULL); the reply's
 * type, its body NUL-terminated in @out (truncated to @outsz - 1).
 */
uint32_t xs_request(uint32_t type, const char *path, const char *value, char *out, uint32_t outsz);
/* XS_READ of @path into @out; false (and "" in @out) if it is absent. */
bool xs_read(const char *path, char *out, uint32_t outsz);
/* XS_WRITE of @value at @path; false if refused. */
bool xs_write(const char *path, const char *value);

#endif
