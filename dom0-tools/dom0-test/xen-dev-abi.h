/* SPDX-License-Identifier: MIT */
/*
 * Our own copies of the Linux /dev/xen/{privcmd,evtchn,gntalloc,gntdev}
 * ioctl interface and the few Xen hypercall numbers dom0-test uses.  The
 * request numbers and structure layouts are facts of Linux's user ABI and
 * of Xen 4.17's public interface; each layout is pinned below.
 */
#ifndef PETREL_XEN_DEV_ABI_H
#define PETREL_XEN_DEV_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

/* Xen hypercall numbers and sub-ops (xen.h, version.h). */
#define HYPERCALL_XEN_VERSION 17
#define XENVER_VERSION 0
#define XENVER_EXTRAVERSION 1
#define XEN_EXTRAVERSION_LEN 16
#define DOMID_SELF_DOM0 0 /* dom0 names itself by its number to the drivers */

/* privcmd: run one hypercall with up to five arguments. */
struct privcmd_hypercall {
	uint64_t op;
	uint64_t arg[5];
};
_Static_assert(sizeof(struct privcmd_hypercall) == 48, "privcmd_hypercall size");
#define IOCTL_PRIVCMD_HYPERCALL _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))

/* evtchn: bind, notify and unbind ports; read() returns pending ports. */
struct evtchn_bind_interdomain_arg {
	uint32_t remote_domain;
	uint32_t remote_port;
};
struct evtchn_bind_unbound_arg {
	uint32_t remote_domain;
};
struct evtchn_port_arg {
	uint32_t port;
};
_Static_assert(sizeof(struct evtchn_bind_interdomain_arg) == 8, "bind_interdomain size");
#define IOCTL_EVTCHN_BIND_INTERDOMAIN                                                              \
	_IOC(_IOC_NONE, 'E', 1, sizeof(struct evtchn_bind_interdomain_arg))
#define IOCTL_EVTCHN_BIND_UNBOUND_PORT                                                             \
	_IOC(_IOC_NONE, 'E', 2, sizeof(struct evtchn_bind_unbound_arg))
#define IOCTL_EVTCHN_UNBIND _IOC(_IOC_NONE, 'E', 3, sizeof(struct evtchn_port_arg))
#define IOCTL_EVTCHN_NOTIFY _IOC(_IOC_NONE, 'E', 4, sizeof(struct evtchn_port_arg))

/* gntalloc: allocate pages and grant them to a domain. */
#define GNTALLOC_FLAG_WRITABLE 1
struct gntalloc_alloc_arg {
	uint16_t domid;
	uint16_t flags;
	uint32_t count;
	uint64_t index;	      /* out: mmap offset */
	uint32_t gref_ids[1]; /* out: one grant reference per page */
};
struct gntalloc_dealloc_arg {
	uint64_t index;
	uint32_t count;
};
_Static_assert(offsetof(struct gntalloc_alloc_arg, index) == 8, "gntalloc index offset");
_Static_assert(sizeof(struct gntalloc_alloc_arg) == 24, "gntalloc_alloc size");
_Static_assert(sizeof(struct gntalloc_dealloc_arg) == 16, "gntalloc_dealloc size");
#define IOCTL_GNTALLOC_ALLOC_GREF _IOC(_IOC_NONE, 'G', 5, sizeof(struct gntalloc_alloc_arg))
#define IOCTL_GNTALLOC_DEALLOC_GREF _IOC(_IOC_NONE, 'G', 6, sizeof(struct gntalloc_dealloc_arg))

/* gntdev: map grants of (another, or this) domain. */
struct gntdev_grant_ref {
	uint32_t domid;
	uint32_t ref;
};
struct gntdev_map_arg {
	uint32_t count;
	uint32_t pad;
	uint64_t index; /* out: mmap offset */
	struct gntdev_grant_ref refs[1];
};
struct gntdev_unmap_arg {
	uint64_t index;
	uint32_t count;
	uint32_t pad;
};
_Static_assert(sizeof(struct gntdev_map_arg) == 24, "gntdev_map size");
_Static_assert(sizeof(struct gntdev_unmap_arg) == 16, "gntdev_unmap size");
#define IOCTL_GNTDEV_MAP_GRANT_REF _IOC(_IOC_NONE, 'G', 0, sizeof(struct gntdev_map_arg))
#define IOCTL_GNTDEV_UNMAP_GRANT_REF _IOC(_IOC_NONE, 'G', 1, sizeof(struct gntdev_unmap_arg))

#endif /* PETREL_XEN_DEV_ABI_H */
