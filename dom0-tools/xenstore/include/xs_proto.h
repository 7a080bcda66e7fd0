/* SPDX-License-Identifier: MIT */
/*
 * Petrel xenstore: the wire protocol shared by daemon, library and guests.
 *
 * The numbers and the layouts below are those of Xen 4.17's
 * public/io/xs_wire.h (a compatibility contract); the text is Petrel's own.
 */
#ifndef PETREL_XS_PROTO_H
#define PETREL_XS_PROTO_H

#include <stdint.h>

/* Message types; the value is what travels in xs_msg_hdr.type. */
enum xs_msg_type {
	XS_CONTROL = 0, /* also known as XS_DEBUG */
	XS_DIRECTORY = 1,
	XS_READ = 2,
	XS_GET_PERMS = 3,
	XS_WATCH = 4,
	XS_UNWATCH = 5,
	XS_TRANSACTION_START = 6,
	XS_TRANSACTION_END = 7,
	XS_INTRODUCE = 8,
	XS_RELEASE = 9,
	XS_GET_DOMAIN_PATH = 10,
	XS_WRITE = 11,
	XS_MKDIR = 12,
	XS_RM = 13,
	XS_SET_PERMS = 14,
	XS_WATCH_EVENT = 15,
	XS_ERROR = 16,
	XS_IS_DOMAIN_INTRODUCED = 17,
	XS_RESUME = 18,
	XS_SET_TARGET = 19,
	XS_RESTRICT = 20, /* retired; answered as an unknown type */
	XS_RESET_WATCHES = 21,
	XS_DIRECTORY_PART = 22,
	XS_TYPE_COUNT = 23,
	XS_INVALID = 0xffff,
};

#ifndef XS_DEBUG
#define XS_DEBUG XS_CONTROL
#endif

/* Every message starts with this header, in the host's byte order. */
struct xs_msg_hdr {
	uint32_t type;
	uint32_t req_id; /* echoed in the reply */
	uint32_t tx_id;	 /* 0 outside a transaction */
	uint32_t len;	 /* payload bytes that follow */
};

_Static_assert(sizeof(struct xs_msg_hdr) == 16, "xenstore header is 16 bytes");

#define XS_PAYLOAD_MAX 4096
#define XS_ABS_PATH_MAX 3072
#define XS_REL_PATH_MAX 2048

/* Shared page between a domain and the daemon: two 1 KiB byte rings. */
#define XS_RING_SIZE 1024
#define XS_RING_MASK(i) ((i) & (XS_RING_SIZE - 1))
typedef uint32_t xs_ring_idx_t;

struct xs_ring_page {
	char req[XS_RING_SIZE]; /* domain -> daemon */
	char rsp[XS_RING_SIZE]; /* daemon -> domain (replies and events) */
	xs_ring_idx_t req_cons, req_prod;
	xs_ring_idx_t rsp_cons, rsp_prod;
	uint32_t server_features;
	uint32_t connection;
};

_Static_assert(__builtin_offsetof(struct xs_ring_page, req_cons) == 2048, "ring layout");
_Static_assert(__builtin_offsetof(struct xs_ring_page, rsp_prod) == 2060, "ring layout");
_Static_assert(__builtin_offsetof(struct xs_ring_page, connection) == 2068, "ring layout");

#define XS_SERVER_FEATURE_RECONNECTION 1
#define XS_RING_CONNECTED 0
#define XS_RING_RECONNECT 1

/* Error names in wire order (an error reply carries the name). */
#define XS_ERROR_NAMES                                                                             \
	X(EINVAL)                                                                                  \
	X(EACCES)                                                                                  \
	X(EEXIST)                                                                                  \
	X(EISDIR)                                                                                  \
	X(ENOENT)                                                                                  \
	X(ENOMEM)                                                                                  \
	X(ENOSPC)                                                                                  \
	X(EIO)                                                                                     \
	X(ENOTEMPTY)                                                                               \
	X(ENOSYS)                                                                                  \
	X(EROFS)                                                                                   \
	X(EBUSY)                                                                                   \
	X(EAGAIN)                                                                                  \
	X(EISCONN)                                                                                 \
	X(E2BIG)                                                                                   \
	X(EPERM)

#endif
