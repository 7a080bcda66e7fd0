/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * Petrel libxenstore.so.4: client library for the xenstore daemon.
 *
 * ABI-compatible with Xen 4.17's libxenstore (SONAME libxenstore.so.4,
 * symbol version VERS_4.0).  Functions that fail return NULL / false and
 * set errno.  Returned arrays and strings are single allocations: free()
 * them once.
 */
#ifndef PETREL_XENSTORE_H
#define PETREL_XENSTORE_H

#include <stdbool.h>
#include <stdint.h>

#include "xenstore_lib.h"

#ifdef __cplusplus
extern "C" {
#endif

#define XBT_NULL 0

/* xs_open() flags.  READONLY and SOCKETONLY are accepted for compatibility. */
#define XS_OPEN_READONLY (1UL << 0)
#define XS_OPEN_SOCKETONLY (1UL << 1)
/* After xs_unwatch() returns, no queued event of that watch is delivered. */
#define XS_UNWATCH_FILTER (1UL << 2)

/* Index of the fields of a watch event vector. */
#if !defined(XS_WATCH_PATH) && !defined(_XS_WIRE_H) /* xs_wire.h has them as an enum */
#define XS_WATCH_PATH 0
#define XS_WATCH_TOKEN 1
#endif

struct xs_handle;
typedef uint32_t xs_transaction_t;

/* Connect: the daemon's socket, else the xenbus device. */
struct xs_handle *xs_open(unsigned long flags);
void xs_close(struct xs_handle *xsh);
/* Deprecated names of xs_open(0) / xs_close(). */
struct xs_handle *xs_daemon_open(void);
struct xs_handle *xs_domain_open(void);
struct xs_handle *xs_daemon_open_readonly(void);
void xs_daemon_close(struct xs_handle *xsh);
/* Drop a handle inherited over fork() without talking to the daemon. */
void xs_daemon_destroy_postfork(struct xs_handle *xsh);

char **xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *num);
void *xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len);
bool xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
	      unsigned int len);
bool xs_write_all(int fd, const void *data, unsigned int len);
bool xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path);
bool xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path);
/* Retired: always false. */
bool xs_restrict(struct xs_handle *h, unsigned domid);

struct xs_permissions *xs_get_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
					  unsigned int *num);
bool xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
			struct xs_permissions *perms, unsigned int num_perms);

bool xs_watch(struct xs_handle *h, const char *path, const char *token);
/* A descriptor that is readable while watch events are queued. */
int xs_fileno(struct xs_handle *h);
/* Next queued event, or NULL with errno EAGAIN if none (does not block). */
char **xs_check_watch(struct xs_handle *h);
/* Next event, blocking until one arrives. */
char **xs_read_watch(struct xs_handle *h, unsigned int *num);
bool xs_unwatch(struct xs_handle *h, const char *path, const char *token);

xs_transaction_t xs_transaction_start(struct xs_handle *h);
/* False with errno EAGAIN when the transaction must be retried. */
bool xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort);

bool xs_introduce_domain(struct xs_handle *h, unsigned int domid, unsigned long mfn,
			 unsigned int eventchn);
bool xs_set_target(struct xs_handle *h, unsigned int domid, unsigned int target);
bool xs_resume_domain(struct xs_handle *h, unsigned int domid);
bool xs_release_domain(struct xs_handle *h, unsigned int domid);
char *xs_get_domain_path(struct xs_handle *h, unsigned int domid);
bool xs_path_is_subpath(const char *parent, const char *child);
bool xs_is_domain_introduced(struct xs_handle *h, unsigned int domid);

char *xs_control_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len);
char *xs_debug_command(struct xs_handle *h, const char *cmd, void *data, unsigned int len);
int xs_suspend_evtchn_port(int domid);

const char *xs_daemon_rundir(void);
const char *xs_daemon_socket(void);
const char *xs_daemon_socket_ro(void);

#ifdef __cplusplus
}
#endif

#endif
