/* SPDX-License-Identifier: MIT */
/* vCPU affinity, CPU pools and the credit and credit2 schedulers' parameters. */
#include <errno.h>
#include <string.h>

#include "ctrl.h"

static void set_map(struct xenctl_bitmap *b, uint8_t *buf, unsigned int bytes)
{
	set_xen_guest_handle(b->bitmap, buf);
	b->nr_bits = buf ? bytes * 8 : 0;
}

int ctrl_vcpu_set_affinity(struct ctrl *c, uint16_t domid, uint32_t vcpu, uint8_t *hard,
			   uint8_t *soft, unsigned int bytes, uint32_t extra_flags)
{
	uint8_t *h = hard ? ctrl_buf_alloc(bytes) : NULL, *s = soft ? ctrl_buf_alloc(bytes) : NULL;
	struct xen_domctl d;
	int r = -ENOMEM;

	if ((hard && !h) || (soft && !s))
		goto out;
	memset(&d, 0, sizeof(d));
	d.u.vcpuaffinity.vcpu = vcpu;
	d.u.vcpuaffinity.flags =
	    extra_flags | (hard ? XEN_VCPUAFFINITY_HARD : 0) | (soft ? XEN_VCPUAFFINITY_SOFT : 0);
	if (h)
		memcpy(h, hard, bytes);
	if (s)
		memcpy(s, soft, bytes);
	set_map(&d.u.vcpuaffinity.cpumap_hard, h, bytes);
	set_map(&d.u.vcpuaffinity.cpumap_soft, s, bytes);
	r = ctrl_domctl(c, XEN_DOMCTL_setvcpuaffinity, domid, &d);
	if (r == 0 && h)
		memcpy(hard, h, bytes);
	if (r == 0 && s)
		memcpy(soft, s, bytes);
out:
	ctrl_buf_free(h, bytes);
	ctrl_buf_free(s, bytes);
	return r;
}

int ctrl_cpupool_info(struct ctrl *c, uint32_t first, struct ctrl_pool *out)
{
	unsigned int bytes = CTRL_POOL_MAP_BITS / 8;
	uint8_t *map = ctrl_buf_alloc(bytes);
	struct xen_sysctl s;
	int r;

	if (!map)
		return -ENOMEM;
	memset(&s, 0, sizeof(s));
	s.u.cpupool_op.op = XEN_SYSCTL_CPUPOOL_OP_INFO;
	s.u.cpupool_op.cpupool_id = first;
	set_map(&s.u.cpupool_op.cpumap, map, bytes);
	r = ctrl_sysctl(c, XEN_SYSCTL_cpupool_op, &s);
	if (r == 0) {
		out->id = s.u.cpupool_op.cpupool_id;
		out->sched_id = s.u.cpupool_op.sched_id;
		out->n_dom = s.u.cpupool_op.n_dom;
		memcpy(out->cpumap, map, bytes);
	}
	ctrl_buf_free(map, bytes);
	return r;
}

static int domain_sched(struct ctrl *c, uint16_t domid, uint32_t sched_id, uint32_t cmd,
			struct xen_domctl_sched_credit *wc)
{
	struct xen_domctl d;
	int r;

	memset(&d, 0, sizeof(d));
	d.u.scheduler_op.sched_id = sched_id;
	d.u.scheduler_op.cmd = cmd;
	d.u.scheduler_op.u.credit = *wc;
	r = ctrl_domctl(c, XEN_DOMCTL_scheduler_op, domid, &d);
	if (r == 0)
		*wc = d.u.scheduler_op.u.credit;
	return r;
}

int ctrl_sched_weight_get(struct ctrl *c, uint16_t domid, uint32_t sched_id,
			  struct xen_domctl_sched_credit *out)
{
	memset(out, 0, sizeof(*out));
	return domain_sched(c, domid, sched_id, XEN_DOMCTL_SCHEDOP_getinfo, out);
}

int ctrl_sched_weight_set(struct ctrl *c, uint16_t domid, uint32_t sched_id,
			  const struct xen_domctl_sched_credit *in)
{
	struct xen_domctl_sched_credit v = *in;

	return domain_sched(c, domid, sched_id, XEN_DOMCTL_SCHEDOP_putinfo, &v);
}

int ctrl_sched_credit_get(struct ctrl *c, uint16_t domid, struct xen_domctl_sched_credit *out)
{
	return ctrl_sched_weight_get(c, domid, XEN_SCHEDULER_CREDIT, out);
}

int ctrl_sched_credit_set(struct ctrl *c, uint16_t domid, const struct xen_domctl_sched_credit *in)
{
	return ctrl_sched_weight_set(c, domid, XEN_SCHEDULER_CREDIT, in);
}

/* A pool's scheduler_op sysctl: len bytes of *p into its union and, on success, back. */
static int pool_sched(struct ctrl *c, uint32_t pool, uint32_t sched_id, int set, void *p,
		      size_t len)
{
	struct xen_sysctl s;
	int r;

	memset(&s, 0, sizeof(s));
	s.u.scheduler_op.cpupool_id = pool;
	s.u.scheduler_op.sched_id = sched_id;
	s.u.scheduler_op.cmd = set ? XEN_SYSCTL_SCHEDOP_putinfo : XEN_SYSCTL_SCHEDOP_getinfo;
	if (set)
		memcpy(&s.u.scheduler_op.u, p, len);
	r = ctrl_sysctl(c, XEN_SYSCTL_scheduler_op, &s);
	if (r == 0)
		memcpy(p, &s.u.scheduler_op.u, len);
	return r;
}

int ctrl_sched_credit_params(struct ctrl *c, uint32_t pool, int set,
			     struct xen_sysctl_credit_schedule *p)
{
	return pool_sched(c, pool, XEN_SCHEDULER_CREDIT, set, p, sizeof(*p));
}

int ctrl_sched_credit2_params(struct ctrl *c, uint32_t pool, int set,
			      struct xen_sysctl_credit2_schedule *p)
{
	return pool_sched(c, pool, XEN_SCHEDULER_CREDIT2, set, p, sizeof(*p));
}
