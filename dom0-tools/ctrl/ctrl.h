/* SPDX-License-Identifier: MIT */
/*
 * Petrel's control library: hypercalls, foreign mappings, event channels and
 * grant maps for dom0's tools, over Linux's /dev/xen devices.  Structures are
 * Xen 4.17's (include/public).  Every call returns 0 (or a count) on success
 * and a negative errno on failure, never exits and never prints.
 */
#ifndef PETREL_CTRL_H
#define PETREL_CTRL_H

#include <stddef.h>
#include <stdint.h>

#include "xen.h"
#include "domctl.h"
#include "sysctl.h"
#include "version.h"

#define CTRL_PAGE_SIZE 4096

struct ctrl;

/*
 * How a hypercall reaches the hypervisor: the privcmd ioctl by default;
 * the unit tests put a recorder here.  Returns the hypercall's result, or
 * -errno.
 */
typedef long (*ctrl_hypercall_fn)(struct ctrl *c, uint64_t op, const uint64_t arg[5]);

struct ctrl {
	int privcmd_fd;
	ctrl_hypercall_fn hypercall;
	void *priv; /* for a test's hypercall function */
};

/* Open /dev/xen/privcmd (or /proc/xen/privcmd).  -errno if neither opens. */
int ctrl_open(struct ctrl *c);
void ctrl_close(struct ctrl *c);
/* A handle without a device that sends every hypercall to fn. */
void ctrl_init_with(struct ctrl *c, ctrl_hypercall_fn fn, void *priv);

/*
 * Hypercall argument buffers: page-aligned, locked and touched, so that the
 * hypervisor can copy to and from them while the hypercall runs.
 */
void *ctrl_buf_alloc(size_t size);
void ctrl_buf_free(void *buf, size_t size);

long ctrl_hypercall(struct ctrl *c, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		    uint64_t a4);

/*
 * A hypercall whose argument 1 points at `size` bytes of arg: copied into a
 * locked buffer for the call and back after it.  a0 and a2, a3 as given.
 */
long ctrl_hypercall_arg(struct ctrl *c, uint64_t op, uint64_t a0, void *arg, size_t size,
			uint64_t a2, uint64_t a3);

/* domctl and sysctl: fill cmd, interface version (and domain), run it. */
int ctrl_domctl(struct ctrl *c, uint32_t cmd, uint16_t domid, struct xen_domctl *d);
int ctrl_sysctl(struct ctrl *c, uint32_t cmd, struct xen_sysctl *s);

/* xen_version: the plain number (major << 16 | minor), or a sub-op's answer. */
long ctrl_xen_version(struct ctrl *c, int cmd, void *arg, size_t arg_size);

/* Domains. */
/* Info for exactly `domid` (-ESRCH if it does not exist). */
int ctrl_domain_info(struct ctrl *c, uint16_t domid, struct xen_domctl_getdomaininfo *info);
/*
 * Info for the domains with id >= first, at most max of them, in id order;
 * returns how many were written.
 */
int ctrl_domain_list(struct ctrl *c, uint16_t first, struct xen_domctl_getdomaininfo *out,
		     unsigned int max);
/* Every domain: a malloc'd array in *out, the count as the result. */
int ctrl_domain_list_all(struct ctrl *c, struct xen_domctl_getdomaininfo **out);
int ctrl_domain_pause(struct ctrl *c, uint16_t domid);
int ctrl_domain_unpause(struct ctrl *c, uint16_t domid);
/* The most memory the domain may have, in KiB (domctl max_mem). */
int ctrl_domain_max_mem(struct ctrl *c, uint16_t domid, uint64_t max_kb);
/* One vCPU's state and its running time in ns (an error past the last vCPU). */
int ctrl_vcpu_info(struct ctrl *c, uint16_t domid, uint32_t vcpu,
		   struct xen_domctl_getvcpuinfo *out);
/* One vCPU's hard and soft affinity, `bytes` bytes of CPU bitmap each. */
int ctrl_vcpu_affinity(struct ctrl *c, uint16_t domid, uint32_t vcpu, uint8_t *hard, uint8_t *soft,
		       unsigned int bytes);
/*
 * Set a vCPU's hard and/or soft affinity (a NULL map is left alone), `bytes`
 * bytes each; the hypervisor writes back the affinity in effect.
 * extra_flags: XEN_VCPUAFFINITY_FORCE or 0.
 */
int ctrl_vcpu_set_affinity(struct ctrl *c, uint16_t domid, uint32_t vcpu, uint8_t *hard,
			   uint8_t *soft, unsigned int bytes, uint32_t extra_flags);
/* The credit scheduler's weight and cap of a domain (XEN_DOMCTL_scheduler_op). */
int ctrl_sched_credit_get(struct ctrl *c, uint16_t domid, struct xen_domctl_sched_credit *out);
int ctrl_sched_credit_set(struct ctrl *c, uint16_t domid, const struct xen_domctl_sched_credit *in);
/*
 * The same under the scheduler sched_id (credit or credit2: both keep a
 * weight and a cap in this layout); the hypervisor refuses a scheduler that
 * is not the domain's pool's.
 */
int ctrl_sched_weight_get(struct ctrl *c, uint16_t domid, uint32_t sched_id,
			  struct xen_domctl_sched_credit *out);
int ctrl_sched_weight_set(struct ctrl *c, uint16_t domid, uint32_t sched_id,
			  const struct xen_domctl_sched_credit *in);
/* Destroy, repeating the domctl while the hypervisor answers -ERESTART. */
int ctrl_domain_destroy(struct ctrl *c, uint16_t domid);

/* Host. */
int ctrl_physinfo(struct ctrl *c, struct xen_sysctl_physinfo *out);
int ctrl_sched_id(struct ctrl *c, uint32_t *sched_id);
/* A CPU pool: the first with an id >= first (cpupool INFO). */
#define CTRL_POOL_MAP_BITS 4096
/* The number of CPUs in no pool (cpupool FREEINFO). */
int ctrl_free_cpus(struct ctrl *c, unsigned int nr_cpus);
/* The map of the CPUs in no pool (cpupool FREEINFO), BYTES long. */
int ctrl_free_cpumap(struct ctrl *c, uint8_t *out, unsigned int bytes);
/*
 * cpupool CREATE (*pool XEN_SYSCTL_CPUPOOL_PAR_ANY for any id; the new
 * id back in *pool), DESTROY, ADDCPU, RMCPU or MOVEDOMAIN with its fields.
 */
int ctrl_cpupool_op(struct ctrl *c, uint32_t op, uint32_t *pool, uint32_t sched_id, uint32_t domid,
		    uint32_t cpu);
struct ctrl_pool {
	uint32_t id, sched_id, n_dom;
	uint8_t cpumap[CTRL_POOL_MAP_BITS / 8]; /* the pool's CPUs */
};
int ctrl_cpupool_info(struct ctrl *c, uint32_t first, struct ctrl_pool *out);
/* A pool's credit scheduler parameters: read (set 0) or written and read back. */
int ctrl_sched_credit_params(struct ctrl *c, uint32_t pool, int set,
			     struct xen_sysctl_credit_schedule *p);
/* A pool's credit2 parameters (its rate limit), the same way. */
int ctrl_sched_credit2_params(struct ctrl *c, uint32_t pool, int set,
			      struct xen_sysctl_credit2_schedule *p);
/* CPU topology, one entry per CPU index: a malloc'd array, the count returned. */
int ctrl_cputopo(struct ctrl *c, struct xen_sysctl_cputopo **out);
/* NUMA nodes: malloc'd meminfo[n] and distance[n * n], n returned. */
int ctrl_numainfo(struct ctrl *c, struct xen_sysctl_meminfo **mem, uint32_t **dist);
/* The node of each PCI device (XEN_INVALID_NODE_ID / XEN_INVALID_DEV if none). */
int ctrl_pcitopo(struct ctrl *c, const physdev_pci_device_t *devs, uint32_t *nodes,
		 unsigned int num);
/* memory_op with no argument (sharing counters): the hypervisor's answer. */
long ctrl_memory_op_noarg(struct ctrl *c, unsigned int cmd);

/*
 * The hypervisor's console ring: one incremental read of up to `size`
 * bytes from *index (updated); returns the number of bytes read.
 */
int ctrl_readconsole(struct ctrl *c, char *buf, uint32_t size, uint32_t *index, int clear);

/* Foreign memory (PV dom0: the frames are MFNs). */
/* Map `num` frames of domid; err[i] receives each frame's result. */
void *ctrl_map_foreign(struct ctrl *c, uint16_t domid, int prot, const uint64_t *frames, int *err,
		       unsigned int num);
/* Map frames [idx, idx+num) of a resource (XENMEM_resource_*) of domid. */
void *ctrl_map_resource(struct ctrl *c, uint16_t domid, uint32_t type, uint32_t id, uint32_t idx,
			unsigned int num, int prot);
void ctrl_unmap(void *addr, unsigned int num);

/* Event channels (/dev/xen/evtchn): an fd per user. */
int ctrl_evtchn_open(void);
int ctrl_evtchn_bind_interdomain(int fd, uint32_t domid, uint32_t remote_port);
int ctrl_evtchn_bind_unbound(int fd, uint32_t domid);
/* A virtual IRQ of this domain (VIRQ_*): the local port. */
int ctrl_evtchn_bind_virq(int fd, uint32_t virq);
/*
 * The ports that fired since the last call (masked until ctrl_evtchn_unmask):
 * up to max in ports, the count returned; -EAGAIN on a non-blocking fd
 * with none pending.
 */
int ctrl_evtchn_pending(int fd, uint32_t *ports, unsigned int max);
int ctrl_evtchn_unmask(int fd, uint32_t port);
int ctrl_evtchn_notify(int fd, uint32_t port);
int ctrl_evtchn_unbind(int fd, uint32_t port);

/* Grant maps (/dev/xen/gntdev). */
int ctrl_gntdev_open(void);
void *ctrl_gntdev_map(int fd, uint32_t domid, uint32_t ref, int prot, uint64_t *index);
int ctrl_gntdev_unmap(int fd, void *addr, uint64_t index);

#endif /* PETREL_CTRL_H */
