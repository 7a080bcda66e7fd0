/*
 * What I/O a domain may use (common/io_caps.c): three range sets in struct
 * domain, Xen's iomem_caps (machine frames), irq_caps (IRQs, numbered as
 * the control domain's PIRQs, which are the machine's GSIs and MSI
 * numbers) and arch.ioport_caps (I/O ports). A new domain has none; the
 * hardware domain starts with everything but what the hypervisor keeps
 * (ioports.c's denied ports; the frames mm.c's iomem_deny() lists stay
 * refused to every domain whatever its set says). The control domain hands
 * out what it holds with the three permission domctls.
 */
#ifndef PETREL_IO_CAPS_H
#define PETREL_IO_CAPS_H

#include "types.h"
#include "public/domctl.h"
#include "domain.h"

void io_caps_init(struct domain *d);
/* All frames and IRQs for the hardware domain (its ports: ioports_init_hardware()). */
int io_caps_init_hardware(struct domain *d);
bool iomem_access_permitted(const struct domain *d, unsigned long first, unsigned long last);
bool irq_access_permitted(const struct domain *d, unsigned int irq);
bool ioports_access_permitted(const struct domain *d, unsigned int first, unsigned int last);
/* Do they hold any I/O memory or port (Xen then lets them choose cache attributes)? */
static inline bool io_caps_any(const struct domain *d)
{
	return !rangeset_is_empty(&d->iomem_caps) || !rangeset_is_empty(&d->arch.ioport_caps);
}

/* The domctls, for the control domain acting on @d. */
long iomem_permission(struct domain *d, const struct xen_domctl_iomem_permission *p);
long ioport_permission(struct domain *d, const struct xen_domctl_ioport_permission *p);
long irq_permission(struct domain *d, const struct xen_domctl_irq_permission *p);

#endif
