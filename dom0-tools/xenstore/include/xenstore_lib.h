/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * Petrel libxenstore: types shared with the daemon's permission model.
 * Values follow Xen 4.17's xenstore_lib.h (ABI); the text is Petrel's.
 */
#ifndef PETREL_XENSTORE_LIB_H
#define PETREL_XENSTORE_LIB_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Permission bits of one xs_permissions entry. */
enum xs_perm_type {
	XS_PERM_NONE = 0,
	XS_PERM_READ = 1,
	XS_PERM_WRITE = 2,
	/* internal to the daemon, never on the wire */
	XS_PERM_ENOENT_OK = 4,
	XS_PERM_OWNER = 8,
	XS_PERM_IGNORE = 16
};

/* One entry of a node's permission list; entry 0 is the owner/default. */
struct xs_permissions {
	unsigned int id;
	enum xs_perm_type perms;
};

/* Parse num strings of the form "<r|w|b|n><domid>", packed back to back and
 * each NUL-terminated, into perms.  False (errno EINVAL) on a bad entry. */
bool xs_strings_to_perms(struct xs_permissions *perms, unsigned int num, const char *strings);

#ifdef __cplusplus
}
#endif

#endif
