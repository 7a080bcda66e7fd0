/* SPDX-License-Identifier: MIT */
/* Hypercalls through privcmd, domctl/sysctl marshalling and domain queries. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ctrl.h"
#include "memory.h"
#include "errno.h"
#include "privcmd-abi.h"

/* Domains fetched per getdomaininfolist call when listing all of them. */
#define CTRL_LIST_BATCH 1024

static long privcmd_hypercall(struct ctrl *c, uint64_t op, const uint64_t arg[5])
{
	struct privcmd_hypercall h = { .op = op };
	long r;

	memcpy(h.arg, arg, sizeof(h.arg));
	r = ioctl(c->privcmd_fd, IOCTL_PRIVCMD_HYPERCALL, &h);
	return r < 0 ? -errno : r;
}

int ctrl_open(struct ctrl *c)
{
	c->privcmd_fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
	if (c->privcmd_fd < 0)
		c->privcmd_fd = open("/proc/xen/privcmd", O_RDWR | O_CLOEXEC);
	if (c->privcmd_fd < 0)
		return -errno;
	c->hypercall = privcmd_hypercall;
	c->priv = NULL;
	return 0;
}

void ctrl_close(struct ctrl *c)
{
	if (c->privcmd_fd >= 0)
		close(c->privcmd_fd);
	c->privcmd_fd = -1;
}

void ctrl_init_with(struct ctrl *c, ctrl_hypercall_fn fn, void *priv)
{
	c->privcmd_fd = -1;
	c->hypercall = fn;
	c->priv = priv;
}

static size_t buf_span(size_t size)
{
	return (size + CTRL_PAGE_SIZE - 1) & ~(size_t)(CTRL_PAGE_SIZE - 1);
}

void *ctrl_buf_alloc(size_t size)
{
	size_t span = buf_span(size ? size : 1);
	void *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* Locking may be refused (limits); touching still makes the pages present. */
	(void)mlock(p, span);
	memset(p, 0, span);
	return p;
}

void ctrl_buf_free(void *buf, size_t size)
{
	if (buf)
		munmap(buf, buf_span(size ? size : 1));
}

long ctrl_hypercall(struct ctrl *c, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		    uint64_t a4)
{
	const uint64_t arg[5] = { a0, a1, a2, a3, a4 };

	return c->hypercall(c, op, arg);
}

long ctrl_hypercall_arg(struct ctrl *c, uint64_t op, uint64_t a0, void *arg, size_t size,
			uint64_t a2, uint64_t a3)
{
	void *buf = ctrl_buf_alloc(size);
	long r;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, arg, size);
	r = ctrl_hypercall(c, op, a0, (uintptr_t)buf, a2, a3, 0);
	memcpy(arg, buf, size);
	ctrl_buf_free(buf, size);
	return r;
}

int ctrl_domctl(struct ctrl *c, uint32_t cmd, uint16_t domid, struct xen_domctl *d)
{
	struct xen_domctl *buf = ctrl_buf_alloc(sizeof(*buf));
	long r;

	if (!buf)
		return -ENOMEM;
	d->cmd = cmd;
	d->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	d->domain = domid;
	memcpy(buf, d, sizeof(*buf));
	r = ctrl_hypercall(c, __HYPERVISOR_domctl, (uintptr_t)buf, 0, 0, 0, 0);
	memcpy(d, buf, sizeof(*d));
	ctrl_buf_free(buf, sizeof(*buf));
	return (int)r;
}

int ctrl_sysctl(struct ctrl *c, uint32_t cmd, struct xen_sysctl *s)
{
	struct xen_sysctl *buf = ctrl_buf_alloc(sizeof(*buf));
	long r;

	if (!buf)
		return -ENOMEM;
	s->cmd = cmd;
	s->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	memcpy(buf, s, sizeof(*buf));
	r = ctrl_hypercall(c, __HYPERVISOR_sysctl, (uintptr_t)buf, 0, 0, 0, 0);
	memcpy(s, buf, sizeof(*s));
	ctrl_buf_free(buf, sizeof(*buf));
	return (int)r;
}

long ctrl_xen_version(struct ctrl *c, int cmd, void *arg, size_t arg_size)
{
	void *buf = NULL;
	long r;

	if (arg) {
		buf = ctrl_buf_alloc(arg_size);
		if (!buf)
			return -ENOMEM;
		memcpy(buf, arg, arg_size);
	}
	r = ctrl_hypercall(c, __HYPERVISOR_xen_version, (uint64_t)cmd, (uintptr_t)buf, 0, 0, 0);
	if (buf) {
		memcpy(arg, buf, arg_size);
		ctrl_buf_free(buf, arg_size);
	}
	return r;
}

long ctrl_memory_op_noarg(struct ctrl *c, unsigned int cmd)
{
	return ctrl_hypercall(c, __HYPERVISOR_memory_op, cmd, 0, 0, 0, 0);
}

int ctrl_domain_list(struct ctrl *c, uint16_t first, struct xen_domctl_getdomaininfo *out,
		     unsigned int max)
{
	size_t size = (size_t)max * sizeof(*out);
	struct xen_domctl_getdomaininfo *buf;
	struct xen_sysctl s;
	int r;

	if (max == 0)
		return 0;
	buf = ctrl_buf_alloc(size);
	if (!buf)
		return -ENOMEM;
	memset(&s, 0, sizeof(s));
	s.u.getdomaininfolist.first_domain = first;
	s.u.getdomaininfolist.max_domains = max;
	set_xen_guest_handle(s.u.getdomaininfolist.buffer, buf);
	r = ctrl_sysctl(c, XEN_SYSCTL_getdomaininfolist, &s);
	if (r == 0) {
		r = (int)s.u.getdomaininfolist.num_domains;
		if (r > (int)max)
			r = -EIO; /* the hypervisor wrote past what it was given */
		else
			memcpy(out, buf, (size_t)r * sizeof(*out));
	}
	ctrl_buf_free(buf, size);
	return r;
}

int ctrl_domain_info(struct ctrl *c, uint16_t domid, struct xen_domctl_getdomaininfo *info)
{
	int r = ctrl_domain_list(c, domid, info, 1);

	if (r < 0)
		return r;
	/* The list starts at the first domain >= domid: it may be another one. */
	if (r == 0 || info->domain != domid)
		return -ESRCH;
	return 0;
}

int ctrl_domain_list_all(struct ctrl *c, struct xen_domctl_getdomaininfo **out)
{
	struct xen_domctl_getdomaininfo *all = NULL, *grown;
	unsigned int n = 0;
	uint32_t next = 0;
	int r;

	for (;;) {
		grown = realloc(all, (n + CTRL_LIST_BATCH) * sizeof(*all));
		if (!grown) {
			free(all);
			return -ENOMEM;
		}
		all = grown;
		r = ctrl_domain_list(c, (uint16_t)next, all + n, CTRL_LIST_BATCH);
		if (r < 0) {
			free(all);
			return r;
		}
		n += (unsigned int)r;
		if (r < CTRL_LIST_BATCH)
			break;
		next = all[n - 1].domain + 1u;
		if (next >= DOMID_FIRST_RESERVED)
			break;
	}
	*out = all;
	return (int)n;
}

static int simple_domctl(struct ctrl *c, uint32_t cmd, uint16_t domid)
{
	struct xen_domctl d;

	memset(&d, 0, sizeof(d));
	return ctrl_domctl(c, cmd, domid, &d);
}

int ctrl_domain_pause(struct ctrl *c, uint16_t domid)
{
	return simple_domctl(c, XEN_DOMCTL_pausedomain, domid);
}

int ctrl_domain_unpause(struct ctrl *c, uint16_t domid)
{
	return simple_domctl(c, XEN_DOMCTL_unpausedomain, domid);
}

int ctrl_domain_max_mem(struct ctrl *c, uint16_t domid, uint64_t max_kb)
{
	struct xen_domctl d;

	memset(&d, 0, sizeof(d));
	d.u.max_mem.max_memkb = max_kb;
	return ctrl_domctl(c, XEN_DOMCTL_max_mem, domid, &d);
}

int ctrl_vcpu_info(struct ctrl *c, uint16_t domid, uint32_t vcpu,
		   struct xen_domctl_getvcpuinfo *out)
{
	struct xen_domctl d;
	int r;

	memset(&d, 0, sizeof(d));
	d.u.getvcpuinfo.vcpu = vcpu;
	r = ctrl_domctl(c, XEN_DOMCTL_getvcpuinfo, domid, &d);
	if (r == 0)
		*out = d.u.getvcpuinfo;
	return r;
}

int ctrl_vcpu_affinity(struct ctrl *c, uint16_t domid, uint32_t vcpu, uint8_t *hard, uint8_t *soft,
		       unsigned int bytes)
{
	uint8_t *h = bytes ? ctrl_buf_alloc(bytes) : NULL,
		*s = bytes ? ctrl_buf_alloc(bytes) : NULL;
	struct xen_domctl d;
	int r = -ENOMEM;

	if (!h || !s)
		goto out;
	memset(&d, 0, sizeof(d));
	d.u.vcpuaffinity.vcpu = vcpu;
	d.u.vcpuaffinity.flags = XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT;
	set_xen_guest_handle(d.u.vcpuaffinity.cpumap_hard.bitmap, h);
	set_xen_guest_handle(d.u.vcpuaffinity.cpumap_soft.bitmap, s);
	d.u.vcpuaffinity.cpumap_hard.nr_bits = bytes * 8;
	d.u.vcpuaffinity.cpumap_soft.nr_bits = bytes * 8;
	r = ctrl_domctl(c, XEN_DOMCTL_getvcpuaffinity, domid, &d);
	if (r == 0) {
		memcpy(hard, h, bytes);
		memcpy(soft, s, bytes);
	}
out:
	if (h)
		ctrl_buf_free(h, bytes);
	if (s)
		ctrl_buf_free(s, bytes);
	return r;
}

int ctrl_domain_destroy(struct ctrl *c, uint16_t domid)
{
	int r;

	do
		r = simple_domctl(c, XEN_DOMCTL_destroydomain, domid);
	while (r == -XEN_ERESTART);
	return r;
}

int ctrl_physinfo(struct ctrl *c, struct xen_sysctl_physinfo *out)
{
	struct xen_sysctl s;
	int r;

	memset(&s, 0, sizeof(s));
	r = ctrl_sysctl(c, XEN_SYSCTL_physinfo, &s);
	if (r == 0)
		*out = s.u.physinfo;
	return r;
}

int ctrl_sched_id(struct ctrl *c, uint32_t *sched_id)
{
	struct xen_sysctl s;
	int r;

	memset(&s, 0, sizeof(s));
	r = ctrl_sysctl(c, XEN_SYSCTL_sched_id, &s);
	if (r == 0)
		*sched_id = s.u.sched_id.sched_id;
	return r;
}

static int count_bits(const uint8_t *map, unsigned int bytes)
{
	int n = 0;

	for (unsigned int i = 0; i < bytes; i++)
		n += __builtin_popcount(map[i]);
	return n;
}

int ctrl_free_cpumap(struct ctrl *c, uint8_t *out, unsigned int bytes)
{
	struct xen_sysctl s;
	uint8_t *map;
	int r;

	if (bytes == 0)
		return -EINVAL;
	map = ctrl_buf_alloc(bytes);
	if (!map)
		return -ENOMEM;
	memset(&s, 0, sizeof(s));
	s.u.cpupool_op.op = XEN_SYSCTL_CPUPOOL_OP_FREEINFO;
	set_xen_guest_handle(s.u.cpupool_op.cpumap.bitmap, map);
	s.u.cpupool_op.cpumap.nr_bits = bytes * 8;
	r = ctrl_sysctl(c, XEN_SYSCTL_cpupool_op, &s);
	if (r == 0)
		memcpy(out, map, bytes);
	ctrl_buf_free(map, bytes);
	return r;
}

int ctrl_free_cpus(struct ctrl *c, unsigned int nr_cpus)
{
	unsigned int bytes = (nr_cpus + 7) / 8;
	uint8_t map[CTRL_POOL_MAP_BITS / 8];
	int r;

	if (bytes > sizeof(map))
		return -EINVAL;
	r = ctrl_free_cpumap(c, map, bytes);
	return r ? r : count_bits(map, bytes);
}

int ctrl_cpupool_op(struct ctrl *c, uint32_t op, uint32_t *pool, uint32_t sched_id, uint32_t domid,
		    uint32_t cpu)
{
	struct xen_sysctl s;
	int r;

	memset(&s, 0, sizeof(s));
	s.u.cpupool_op.op = op;
	s.u.cpupool_op.cpupool_id = *pool;
	s.u.cpupool_op.sched_id = sched_id;
	s.u.cpupool_op.domid = domid;
	s.u.cpupool_op.cpu = cpu;
	r = ctrl_sysctl(c, XEN_SYSCTL_cpupool_op, &s);
	if (r == 0)
		*pool = s.u.cpupool_op.cpupool_id;
	return r;
}

int ctrl_readconsole(struct ctrl *c, char *out, uint32_t size, uint32_t *index, int clear)
{
	struct xen_sysctl s;
	char *buf;
	int r;

	buf = ctrl_buf_alloc(size);
	if (!buf)
		return -ENOMEM;
	memset(&s, 0, sizeof(s));
	s.u.readconsole.clear = clear ? 1 : 0;
	s.u.readconsole.incremental = 1;
	s.u.readconsole.index = *index;
	s.u.readconsole.count = size;
	set_xen_guest_handle(s.u.readconsole.buffer, buf);
	r = ctrl_sysctl(c, XEN_SYSCTL_readconsole, &s);
	if (r == 0) {
		if (s.u.readconsole.count > size) {
			r = -EIO;
		} else {
			memcpy(out, buf, s.u.readconsole.count);
			*index = s.u.readconsole.index;
			r = (int)s.u.readconsole.count;
		}
	}
	ctrl_buf_free(buf, size);
	return r;
}
