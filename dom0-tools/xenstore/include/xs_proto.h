/* SPDX-License-Identifier: MIT */
/*
 * Petrel xenstore: the wire protocol shared by daemon, library and guests.
 * The numbers and layouts come from the project's public header
 * include/public/io/xs_wire.h (Xen 4.17's, pinned by static asserts there);
 * this file adds what only our daemon and library use.
 */
#ifndef PETREL_XS_PROTO_H
#define PETREL_XS_PROTO_H

#include <stdint.h>
#include "io/xs_wire.h"

_Static_assert(sizeof(struct xsd_sockmsg) == 16, "xenstore header is 16 bytes");

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
