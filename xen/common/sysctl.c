/*
 * sysctl: system-wide operations for the control domain's toolstack.
 * For now the console ring (XEN_SYSCTL_readconsole, what `xl dmesg` reads)
 * and the domain list (XEN_SYSCTL_getdomaininfolist, what `xl list` reads),
 * and the memory counts of XEN_SYSCTL_physinfo (free pages exact, so a
 * builder can check that a destroyed domain gave everything back).
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "console.h"
#include "domain.h"
#include "mm.h"
#include "uaccess.h"
#include "public/domctl.h"
#include "public/sysctl.h"

static long readconsole(struct xen_sysctl_readconsole *rc)
{
	static char chunk[512];
	u32 done = 0, index = rc->index;
	bool first = true;

	while (done < rc->count) {
		u32 n = conring_read(chunk, MIN(rc->count - done, (u32)sizeof(chunk)), &index,
				     rc->incremental || !first, false);

		if (!n)
			break;
		if (copy_to_guest((u64)rc->buffer.p + done, chunk, n))
			return -EFAULT;
		done += n;
		first = false;
	}
	if (rc->clear)
		conring_read(chunk, 0, &index, true, true);
	rc->count = done;
	rc->index = index;
	return 0;
}

/* Up to max_domains records, in id order, from first_domain on. */
static long getdomaininfolist(struct xen_sysctl_getdomaininfolist *l)
{
	struct xen_domctl_getdomaininfo info;
	u32 n = 0;

	for (struct domain *d = domain_first_from(l->first_domain); d && n < l->max_domains;
	     d = domain_next(d), n++) {
		getdomaininfo(d, &info);
		if (copy_to_guest((u64)l->buffer.p + (u64)n * sizeof(info), &info, sizeof(info)))
			return -EFAULT;
	}
	l->num_domains = n;
	return 0;
}

/*
 * physinfo, the memory part: free frames (the allocator's count), the
 * highest machine frame; one CPU, one node, PV guests with grant tables v1.
 */
static long physinfo(struct xen_sysctl_physinfo *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->threads_per_core = 1;
	pi->cores_per_socket = 1;
	pi->nr_cpus = 1;
	pi->nr_nodes = 1;
	pi->capabilities = XEN_SYSCTL_PHYSCAP_pv | XEN_SYSCTL_PHYSCAP_gnttab_v1;
	pi->free_pages = buddy_free_count();
	pi->max_mfn = max_page - 1;
	return 0;
}

long do_sysctl(unsigned long arg)
{
	struct xen_sysctl op;
	long rc;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XEN_SYSCTL_INTERFACE_VERSION)
		return -EACCES;
	switch (op.cmd) {
	case XEN_SYSCTL_readconsole:
		rc = readconsole(&op.u.readconsole);
		break;
	case XEN_SYSCTL_getdomaininfolist:
		rc = getdomaininfolist(&op.u.getdomaininfolist);
		break;
	case XEN_SYSCTL_physinfo:
		rc = physinfo(&op.u.physinfo);
		break;
	default:
		return -ENOSYS;
	}
	if (!rc && copy_to_guest(arg, &op, sizeof(op)))
		return -EFAULT;
	return rc;
}
