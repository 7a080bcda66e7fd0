/*
 * Petrel public ABI: the xenstore wire protocol and the guest's xenstore
 * ring page (Xen 4.17 numbers and layouts).
 *
 * Every message is a struct xsd_sockmsg header (host byte order) followed
 * by `len` payload bytes, len <= XENSTORE_PAYLOAD_MAX.  The same messages
 * travel over the daemon's Unix socket and over the shared ring page.
 */
#ifndef _XS_WIRE_H
#define _XS_WIRE_H

#include <stdint.h>
#include "../static-assert.h"

enum xsd_sockmsg_type {
	XS_CONTROL = 0,
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
	/* 20 was XS_RESTRICT, removed; it is an invalid type now */
	XS_RESET_WATCHES = 21,
	XS_DIRECTORY_PART = 22,
	XS_TYPE_COUNT,	    /* number of types, including the removed one */
	XS_INVALID = 0xffff /* never sent; makes the enum at least 16 bits */
};
#define XS_DEBUG XS_CONTROL

/* Legacy XS_WRITE flag strings (no longer sent by current clients). */
#define XS_WRITE_NONE "NONE"
#define XS_WRITE_CREATE "CREATE"
#define XS_WRITE_CREATE_EXCL "CREATE|EXCL"

/*
 * Error replies carry the errno *name* ("EINVAL\0"), not a number.  The
 * table below lists the names clients understand; an includer that has
 * <errno.h> gets it with the local numbers filled in.
 */
struct xsd_errors {
	int errnum;
	const char *errstring;
};
#ifdef EINVAL
#define XSD_ERROR(x)                                                                               \
	{                                                                                          \
		x, #x                                                                              \
	}
#if defined(__GNUC__)
#define PETREL_XSD_UNUSED __attribute__((unused))
#else
#define PETREL_XSD_UNUSED
#endif
static const struct xsd_errors xsd_errors[] PETREL_XSD_UNUSED = {
	XSD_ERROR(EINVAL),    XSD_ERROR(EACCES),  XSD_ERROR(EEXIST), XSD_ERROR(EISDIR),
	XSD_ERROR(ENOENT),    XSD_ERROR(ENOMEM),  XSD_ERROR(ENOSPC), XSD_ERROR(EIO),
	XSD_ERROR(ENOTEMPTY), XSD_ERROR(ENOSYS),  XSD_ERROR(EROFS),  XSD_ERROR(EBUSY),
	XSD_ERROR(EAGAIN),    XSD_ERROR(EISCONN), XSD_ERROR(E2BIG),  XSD_ERROR(EPERM),
};
#endif

struct xsd_sockmsg {
	uint32_t type;	 /* enum xsd_sockmsg_type */
	uint32_t req_id; /* echoed in the reply */
	uint32_t tx_id;	 /* transaction id, 0 for none */
	uint32_t len;	 /* payload bytes that follow */
};

/* Index of the parts of an XS_WATCH_EVENT payload. */
enum xs_watch_type { XS_WATCH_PATH = 0, XS_WATCH_TOKEN };

/*
 * The shared page between a guest and xenstored: two 1 KiB byte rings
 * indexed by free-running 32-bit counters (mask with MASK_XENSTORE_IDX).
 */
#define XENSTORE_RING_SIZE 1024
typedef uint32_t XENSTORE_RING_IDX;
#define MASK_XENSTORE_IDX(idx) ((idx) & (XENSTORE_RING_SIZE - 1))
struct xenstore_domain_interface {
	char req[XENSTORE_RING_SIZE]; /* guest -> daemon */
	char rsp[XENSTORE_RING_SIZE]; /* daemon -> guest */
	XENSTORE_RING_IDX req_cons, req_prod;
	XENSTORE_RING_IDX rsp_cons, rsp_prod;
	uint32_t server_features; /* XENSTORE_SERVER_FEATURE_*, set by the daemon */
	uint32_t connection;	  /* XENSTORE_CONNECTED / XENSTORE_RECONNECT */
	uint32_t error;		  /* XENSTORE_ERROR_* */
};

#define XENSTORE_PAYLOAD_MAX 4096
#define XENSTORE_ABS_PATH_MAX 3072
#define XENSTORE_REL_PATH_MAX 2048

#define XENSTORE_SERVER_FEATURE_RECONNECTION 1
#define XENSTORE_SERVER_FEATURE_ERROR 2

#define XENSTORE_CONNECTED 0
#define XENSTORE_RECONNECT 1 /* guest asks for a ring reset */

#define XENSTORE_ERROR_NONE 0
#define XENSTORE_ERROR_COMM 1
#define XENSTORE_ERROR_RINGIDX 2
#define XENSTORE_ERROR_PROTO 3

PETREL_ASSERT_SIZE(struct xsd_sockmsg, 16, xsd_sockmsg);
PETREL_ASSERT_OFFSET(struct xsd_sockmsg, len, 12, xsd_sockmsg);
PETREL_ASSERT_SIZE(struct xenstore_domain_interface, 2076, xenstore_domain_interface);
PETREL_ASSERT_OFFSET(struct xenstore_domain_interface, rsp, 1024, xenstore_domain_interface);
PETREL_ASSERT_OFFSET(struct xenstore_domain_interface, req_cons, 2048, xenstore_domain_interface);
PETREL_ASSERT_OFFSET(struct xenstore_domain_interface, req_prod, 2052, xenstore_domain_interface);
PETREL_ASSERT_OFFSET(struct xenstore_domain_interface, rsp_cons, 2056, xenstore_domain_interface);
PETREL_ASSERT_OFFSET(struct xenstore_domain_interface, rsp_prod, 2060, xenstore_domain_interface);
PETREL_ASSERT_OFFSET(struct xenstore_domain_interface, server_features, 2064,
		     xenstore_domain_interface);
PETREL_ASSERT_OFFSET(struct xenstore_domain_interface, connection, 2068, xenstore_domain_interface);
PETREL_ASSERT_OFFSET(struct xenstore_domain_interface, error, 2072, xenstore_domain_interface);
PETREL_STATIC_ASSERT(XS_TYPE_COUNT == 23 && XS_RESET_WATCHES == 21, xsd_sockmsg_type_values);

#endif /* _XS_WIRE_H */
