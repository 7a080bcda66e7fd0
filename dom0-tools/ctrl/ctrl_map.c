/* SPDX-License-Identifier: MIT */
/* Foreign and resource mappings (privcmd), event channels and grant maps. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ctrl.h"
#include "privcmd-abi.h"

static void *privcmd_window(struct ctrl *c, unsigned int num, int prot)
{
	void *addr;

	if (c->privcmd_fd < 0 || num == 0) {
		errno = EINVAL;
		return NULL;
	}
	addr = mmap(NULL, (size_t)num * CTRL_PAGE_SIZE, prot, MAP_SHARED, c->privcmd_fd, 0);
	return addr == MAP_FAILED ? NULL : addr;
}

void *ctrl_map_foreign(struct ctrl *c, uint16_t domid, int prot, const uint64_t *frames, int *err,
		       unsigned int num)
{
	struct privcmd_mmapbatch_v2 m;
	void *addr = privcmd_window(c, num, prot);
	int saved;

	if (!addr)
		return NULL;
	memset(err, 0, num * sizeof(*err));
	m = (struct privcmd_mmapbatch_v2){
		.num = num, .dom = domid, .addr = (uintptr_t)addr, .arr = frames, .err = err
	};
	/* ENOENT: some frames failed; err[] says which, the rest are mapped. */
	if (ioctl(c->privcmd_fd, IOCTL_PRIVCMD_MMAPBATCH_V2, &m) < 0 && errno != ENOENT) {
		saved = errno;
		munmap(addr, (size_t)num * CTRL_PAGE_SIZE);
		errno = saved;
		return NULL;
	}
	return addr;
}

void *ctrl_map_resource(struct ctrl *c, uint16_t domid, uint32_t type, uint32_t id, uint32_t idx,
			unsigned int num, int prot)
{
	struct privcmd_mmap_resource m;
	void *addr = privcmd_window(c, num, prot);
	int saved;

	if (!addr)
		return NULL;
	m = (struct privcmd_mmap_resource){ .dom = domid,
					    .type = type,
					    .id = id,
					    .idx = idx,
					    .num = num,
					    .addr = (uintptr_t)addr };
	if (ioctl(c->privcmd_fd, IOCTL_PRIVCMD_MMAP_RESOURCE, &m) < 0) {
		saved = errno;
		munmap(addr, (size_t)num * CTRL_PAGE_SIZE);
		errno = saved;
		return NULL;
	}
	return addr;
}

void ctrl_unmap(void *addr, unsigned int num)
{
	if (addr)
		munmap(addr, (size_t)num * CTRL_PAGE_SIZE);
}

static int ioctl_result(int r)
{
	return r < 0 ? -errno : r;
}

int ctrl_evtchn_open(void)
{
	int fd = open("/dev/xen/evtchn", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int ctrl_evtchn_bind_interdomain(int fd, uint32_t domid, uint32_t remote_port)
{
	struct evtchn_ioctl_bind_interdomain b = { domid, remote_port };

	return ioctl_result(ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &b));
}

int ctrl_evtchn_bind_virq(int fd, uint32_t virq)
{
	struct evtchn_ioctl_bind_virq b = { virq };

	return ioctl_result(ioctl(fd, IOCTL_EVTCHN_BIND_VIRQ, &b));
}

int ctrl_evtchn_bind_unbound(int fd, uint32_t domid)
{
	struct evtchn_ioctl_bind_unbound b = { domid };

	return ioctl_result(ioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &b));
}

int ctrl_evtchn_notify(int fd, uint32_t port)
{
	struct evtchn_ioctl_port p = { port };

	return ioctl_result(ioctl(fd, IOCTL_EVTCHN_NOTIFY, &p));
}

int ctrl_evtchn_unbind(int fd, uint32_t port)
{
	struct evtchn_ioctl_port p = { port };

	return ioctl_result(ioctl(fd, IOCTL_EVTCHN_UNBIND, &p));
}

/* read() hands out the fired ports; write() of a port unmasks it again. */
int ctrl_evtchn_pending(int fd, uint32_t *ports, unsigned int max)
{
	ssize_t n = read(fd, ports, max * sizeof(*ports));

	return n < 0 ? -errno : (int)(n / (ssize_t)sizeof(*ports));
}

int ctrl_evtchn_unmask(int fd, uint32_t port)
{
	return write(fd, &port, sizeof(port)) == sizeof(port) ? 0 : -errno;
}

int ctrl_gntdev_open(void)
{
	int fd = open("/dev/xen/gntdev", O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

void *ctrl_gntdev_map(int fd, uint32_t domid, uint32_t ref, int prot, uint64_t *index)
{
	struct gntdev_ioctl_map_one m = { .count = 1, .domid = domid, .ref = ref };
	struct gntdev_ioctl_unmap u;
	void *addr;
	int saved;

	if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &m) < 0)
		return NULL;
	addr = mmap(NULL, CTRL_PAGE_SIZE, prot, MAP_SHARED, fd, (off_t)m.index);
	if (addr == MAP_FAILED) {
		saved = errno;
		u = (struct gntdev_ioctl_unmap){ .index = m.index, .count = 1 };
		ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
		errno = saved;
		return NULL;
	}
	*index = m.index;
	return addr;
}

int ctrl_gntdev_unmap(int fd, void *addr, uint64_t index)
{
	struct gntdev_ioctl_unmap u = { .index = index, .count = 1 };

	munmap(addr, CTRL_PAGE_SIZE);
	return ioctl_result(ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u));
}
