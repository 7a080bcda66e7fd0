/* SPDX-License-Identifier: MIT */
/* CPU, NUMA and PCI topology sysctls: ask for the count, then the entries. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctrl.h"

int ctrl_cputopo(struct ctrl *c, struct xen_sysctl_cputopo **out)
{
	struct xen_sysctl s;
	struct xen_sysctl_cputopo *buf;
	uint32_t n;
	size_t size;
	int r;

	memset(&s, 0, sizeof(s));
	r = ctrl_sysctl(c, XEN_SYSCTL_cputopoinfo, &s); /* a NULL handle asks for the count */
	if (r < 0)
		return r;
	n = s.u.cputopoinfo.num_cpus;
	size = (size_t)n * sizeof(*buf);
	buf = ctrl_buf_alloc(size);
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!buf || !*out) {
		ctrl_buf_free(buf, size);
		free(*out);
		return -ENOMEM;
	}
	s.u.cputopoinfo.num_cpus = n;
	set_xen_guest_handle(s.u.cputopoinfo.cputopo, buf);
	r = ctrl_sysctl(c, XEN_SYSCTL_cputopoinfo, &s);
	if (r == 0) {
		r = (int)(s.u.cputopoinfo.num_cpus < n ? s.u.cputopoinfo.num_cpus : n);
		memcpy(*out, buf, (size_t)r * sizeof(*buf));
	}
	ctrl_buf_free(buf, size);
	if (r < 0)
		free(*out);
	return r;
}

int ctrl_numainfo(struct ctrl *c, struct xen_sysctl_meminfo **mem, uint32_t **dist)
{
	struct xen_sysctl s;
	struct xen_sysctl_meminfo *mbuf;
	uint32_t *dbuf, n;
	size_t msize, dsize;
	int r;

	memset(&s, 0, sizeof(s));
	r = ctrl_sysctl(c, XEN_SYSCTL_numainfo, &s);
	if (r < 0)
		return r;
	n = s.u.numainfo.num_nodes;
	msize = (size_t)n * sizeof(*mbuf);
	dsize = (size_t)n * n * sizeof(*dbuf);
	mbuf = ctrl_buf_alloc(msize);
	dbuf = ctrl_buf_alloc(dsize);
	*mem = calloc(n ? n : 1, sizeof(**mem));
	*dist = calloc(n ? (size_t)n * n : 1, sizeof(**dist));
	r = (!mbuf || !dbuf || !*mem || !*dist) ? -ENOMEM : 0;
	if (r == 0) {
		s.u.numainfo.num_nodes = n;
		set_xen_guest_handle(s.u.numainfo.meminfo, mbuf);
		set_xen_guest_handle(s.u.numainfo.distance, dbuf);
		r = ctrl_sysctl(c, XEN_SYSCTL_numainfo, &s);
	}
	if (r == 0) {
		memcpy(*mem, mbuf, msize);
		memcpy(*dist, dbuf, dsize);
		r = (int)n;
	}
	ctrl_buf_free(mbuf, msize);
	ctrl_buf_free(dbuf, dsize);
	if (r < 0) {
		free(*mem);
		free(*dist);
	}
	return r;
}

int ctrl_pcitopo(struct ctrl *c, const physdev_pci_device_t *devs, uint32_t *nodes,
		 unsigned int num)
{
	size_t dsize = num * sizeof(*devs), nsize = num * sizeof(*nodes);
	physdev_pci_device_t *dbuf = ctrl_buf_alloc(dsize);
	uint32_t *nbuf = ctrl_buf_alloc(nsize), done = 0;
	struct xen_sysctl s;
	int r = (dbuf && nbuf) ? 0 : -ENOMEM;

	if (r == 0)
		memcpy(dbuf, devs, dsize);
	/* the hypervisor may do part of the list per call */
	while (r == 0 && done < num) {
		memset(&s, 0, sizeof(s));
		s.u.pcitopoinfo.num_devs = num - done;
		set_xen_guest_handle(s.u.pcitopoinfo.devs, dbuf + done);
		set_xen_guest_handle(s.u.pcitopoinfo.nodes, nbuf + done);
		r = ctrl_sysctl(c, XEN_SYSCTL_pcitopoinfo, &s);
		if (r == 0 &&
		    (s.u.pcitopoinfo.num_devs == 0 || s.u.pcitopoinfo.num_devs > num - done))
			r = -EIO;
		if (r == 0)
			done += s.u.pcitopoinfo.num_devs;
	}
	if (r == 0)
		memcpy(nodes, nbuf, nsize);
	ctrl_buf_free(dbuf, dsize);
	ctrl_buf_free(nbuf, nsize);
	return r;
}
