/*
 * Per-domain I/O permissions and the domctls that hand them out (see
 * io_caps.h). As on Xen, the caller may only pass on what it holds itself
 * (-EPERM), a range that wraps or is empty is -EINVAL, and taking access
 * away is as allowed as giving it.
 */
#include "types.h"
#include "errno.h"
#include "domain.h"
#include "io_caps.h"
#include "rangeset.h"

#define NR_IOPORTS 0x10000UL
#define MAX_MFN ((1UL << (52 - 12)) - 1) /* the largest frame a PTE can name */

void io_caps_init(struct domain *d)
{
	rangeset_init(&d->iomem_caps);
	rangeset_init(&d->irq_caps);
	rangeset_init(&d->arch.ioport_caps);
}

int io_caps_init_hardware(struct domain *d)
{
	int rc = rangeset_add_range(&d->iomem_caps, 0, MAX_MFN);

	return rc ? rc : rangeset_add_range(&d->irq_caps, 0, NR_PIRQS - 1);
}

bool iomem_access_permitted(const struct domain *d, unsigned long first, unsigned long last)
{
	return rangeset_contains_range(&d->iomem_caps, first, last);
}

bool irq_access_permitted(const struct domain *d, unsigned int irq)
{
	return rangeset_contains_range(&d->irq_caps, irq, irq);
}

bool ioports_access_permitted(const struct domain *d, unsigned int first, unsigned int last)
{
	return rangeset_contains_range(&d->arch.ioport_caps, first, last);
}

static long grant_or_revoke(struct rangeset *rs, bool allow, unsigned long s, unsigned long e)
{
	return allow ? rangeset_add_range(rs, s, e) : rangeset_remove_range(rs, s, e);
}

long iomem_permission(struct domain *d, const struct xen_domctl_iomem_permission *p)
{
	unsigned long s = p->first_mfn, e = s + p->nr_mfns - 1;

	if (e < s) /* none, or wrapping */
		return -EINVAL;
	if (!iomem_access_permitted(current->domain, s, e))
		return -EPERM;
	return grant_or_revoke(&d->iomem_caps, p->allow_access, s, e);
}

long ioport_permission(struct domain *d, const struct xen_domctl_ioport_permission *p)
{
	unsigned long s = p->first_port, end = s + p->nr_ports;

	if (end <= s || end > NR_IOPORTS)
		return -EINVAL;
	if (!ioports_access_permitted(current->domain, (unsigned int)s, (unsigned int)end - 1))
		return -EPERM;
	return grant_or_revoke(&d->arch.ioport_caps, p->allow_access, s, end - 1);
}

/*
 * A PIRQ is passed on only if the caller has it mapped and may use it
 * (Xen's pirq_access_permitted).
 */
long irq_permission(struct domain *d, const struct xen_domctl_irq_permission *p)
{
	const struct domain *cd = current->domain;

	if (p->pirq >= NR_PIRQS)
		return -EINVAL;
	if (!cd->arch.pirq.pirqs[p->pirq].mapped || !irq_access_permitted(cd, p->pirq))
		return -EPERM;
	return grant_or_revoke(&d->irq_caps, p->allow_access, p->pirq, p->pirq);
}
