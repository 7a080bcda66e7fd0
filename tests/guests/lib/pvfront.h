/*
 * The plumbing of a split-driver frontend in a test domU (pvfront.c): the
 * grant table, the backend named in xenstore, an event channel for it, and
 * waits on xenstore nodes. For guests that speak a device's ring protocol
 * themselves (the system test's hostile frontends).
 */
#ifndef GUEST_PVFRONT_H
#define GUEST_PVFRONT_H

#include "xtest.h"

/* Grant references from here on are the frontend's: the first 8 are the toolstack's. */
#define PVFRONT_FIRST_REF 8
#define PVFRONT_WAIT_MS 10000

/* The backend's domain id, once pvfront_find_backend() has read it. */
extern uint16_t pvfront_backend_id;

/* The MFN behind a page of the kernel image. */
unsigned long pvfront_mfn(const void *va);
/* A decimal number at the start of @s. */
unsigned long pvfront_number(const char *s);
/* Map a one-frame grant table; false (error recorded) if it failed. */
bool pvfront_gnttab_setup(void);
/* Grant entry @ref: @page to the backend with @flags (0: named but not granted). */
void pvfront_grant(unsigned int ref, const void *page, uint16_t flags);
/* The flags of grant entry @ref as the guest sees them (GTF_reading/GTF_writing while in use). */
uint16_t pvfront_grant_flags(unsigned int ref);
/*
 * End the backend's access to @ref as a well-behaved frontend does: clear the
 * entry's flags only if the backend is not using it (no GTF_reading or
 * GTF_writing); false, and the entry left alone, if it is in use.
 */
bool pvfront_end_access(unsigned int ref);
/*
 * The grants of a hostile frontend's requests: @ref for @data (read-write),
 * @ref + 1 for @ro (read-only) and @ref + 2 naming @data without permission.
 */
void pvfront_grant_test_pages(unsigned int ref, const void *data, const void *ro);
/* Read @dir/backend and @dir/backend-id; false (error recorded) if absent. */
bool pvfront_find_backend(const char *dir, char *bpath, uint32_t size);
/* An unbound port for the backend in *@port; false (error recorded) if refused. */
bool pvfront_alloc_port(uint32_t *port);
/* Write @v in decimal to @dir/@key. */
bool pvfront_write_number(const char *dir, const char *key, unsigned long v);
/* Poll @path until it reads @want, at most PVFRONT_WAIT_MS; @got holds the last value. */
bool pvfront_wait(const char *path, const char *want, char *got, uint32_t gotsz);
/* Wait until the backend at @bpath is Connected (error recorded if not). */
bool pvfront_wait_connected(const char *bpath);
/*
 * A shared ring of one page as Xen's public io/ring.h lays it out: a 64-byte
 * header (req_prod, req_event, rsp_prod, rsp_event) then @entries slots of
 * @size bytes, each holding a request or its response.
 */
struct pvfront_ring {
	char *page;
	size_t size;
	uint32_t entries, req_prod, rsp_cons, port;
};

/* Zero @page and set the ring up on it (both event indexes 1). */
void pvfront_ring_init(struct pvfront_ring *r, void *page, size_t size, uint32_t entries);
/* Publish req_prod and notify the backend. */
void pvfront_ring_notify(struct pvfront_ring *r);
/* Copy @len bytes of @req into the next request slot, then publish and notify. */
void pvfront_ring_push(struct pvfront_ring *r, const void *req, size_t len);
/* Wait up to @ms for the next response and copy @len bytes of it to @rsp; false if none came. */
bool pvfront_ring_pop(struct pvfront_ring *r, void *rsp, size_t len, uint64_t ms);
/* Responses the backend has produced past rsp_cons. */
uint32_t pvfront_ring_unread(const struct pvfront_ring *r);

/* Print "@name: verdict SUCCESS|FAILURE" and idle until the toolstack destroys us. */
__attribute__((noreturn)) void pvfront_finish(const char *name);

#endif
