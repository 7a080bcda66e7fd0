/* SPDX-License-Identifier: MIT */
/*
 * The Linux user interface of /dev/xen/privcmd, /dev/xen/evtchn and
 * /dev/xen/gntdev as Petrel's control library uses it: request numbers and
 * argument layouts are facts of Linux's ABI (the uapi xen headers), written
 * out here in our own words and pinned with _Static_assert.
 */
#ifndef PETREL_PRIVCMD_ABI_H
#define PETREL_PRIVCMD_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

/* One hypercall, up to five arguments; the ioctl returns its result. */
struct privcmd_hypercall {
	uint64_t op;
	uint64_t arg[5];
};
_Static_assert(sizeof(struct privcmd_hypercall) == 48, "privcmd_hypercall");

/*
 * Map `num` foreign frames of domain `dom` at `addr` (an mmap of privcmd);
 * err[i] gets each frame's own error (0, or a negative errno).
 */
struct privcmd_mmapbatch_v2 {
	uint32_t num;
	uint16_t dom;
	uint64_t addr;
	const uint64_t *arr;
	int *err;
};
_Static_assert(sizeof(struct privcmd_mmapbatch_v2) == 32, "privcmd_mmapbatch_v2");
_Static_assert(offsetof(struct privcmd_mmapbatch_v2, addr) == 8, "mmapbatch addr");

/* Map frames of a resource (XENMEM_acquire_resource) at `addr`. */
struct privcmd_mmap_resource {
	uint16_t dom;
	uint32_t type;
	uint32_t id;
	uint32_t idx;
	uint64_t num;
	uint64_t addr;
};
_Static_assert(sizeof(struct privcmd_mmap_resource) == 32, "privcmd_mmap_resource");
_Static_assert(offsetof(struct privcmd_mmap_resource, num) == 16, "mmap_resource num");

#define IOCTL_PRIVCMD_HYPERCALL _IOC(_IOC_NONE, 'P', 0, sizeof(struct privcmd_hypercall))
#define IOCTL_PRIVCMD_MMAPBATCH_V2 _IOC(_IOC_NONE, 'P', 4, sizeof(struct privcmd_mmapbatch_v2))
#define IOCTL_PRIVCMD_MMAP_RESOURCE _IOC(_IOC_NONE, 'P', 7, sizeof(struct privcmd_mmap_resource))

/* evtchn: each ioctl returns the local port it bound (or 0). */
struct evtchn_ioctl_bind_interdomain {
	uint32_t remote_domain;
	uint32_t remote_port;
};
struct evtchn_ioctl_bind_unbound {
	uint32_t remote_domain;
};
struct evtchn_ioctl_port {
	uint32_t port;
};
struct evtchn_ioctl_bind_virq {
	uint32_t virq;
};
#define IOCTL_EVTCHN_BIND_VIRQ _IOC(_IOC_NONE, 'E', 0, sizeof(struct evtchn_ioctl_bind_virq))
#define IOCTL_EVTCHN_BIND_INTERDOMAIN                                                              \
	_IOC(_IOC_NONE, 'E', 1, sizeof(struct evtchn_ioctl_bind_interdomain))
#define IOCTL_EVTCHN_BIND_UNBOUND_PORT                                                             \
	_IOC(_IOC_NONE, 'E', 2, sizeof(struct evtchn_ioctl_bind_unbound))
#define IOCTL_EVTCHN_UNBIND _IOC(_IOC_NONE, 'E', 3, sizeof(struct evtchn_ioctl_port))
#define IOCTL_EVTCHN_NOTIFY _IOC(_IOC_NONE, 'E', 4, sizeof(struct evtchn_ioctl_port))

/* gntdev: map one grant; mmap the device at `index` to reach the page. */
struct gntdev_ioctl_map_one {
	uint32_t count;
	uint32_t pad;
	uint64_t index; /* out */
	uint32_t domid;
	uint32_t ref;
};
struct gntdev_ioctl_unmap {
	uint64_t index;
	uint32_t count;
	uint32_t pad;
};
_Static_assert(sizeof(struct gntdev_ioctl_map_one) == 24, "gntdev map");
_Static_assert(sizeof(struct gntdev_ioctl_unmap) == 16, "gntdev unmap");
#define IOCTL_GNTDEV_MAP_GRANT_REF _IOC(_IOC_NONE, 'G', 0, sizeof(struct gntdev_ioctl_map_one))
#define IOCTL_GNTDEV_UNMAP_GRANT_REF _IOC(_IOC_NONE, 'G', 1, sizeof(struct gntdev_ioctl_unmap))

#endif /* PETREL_PRIVCMD_ABI_H */
