/*
 * physdev_op: the control domain's view of physical devices.
 *
 * - The virtual IOPL (PHYSDEVOP_set_iopl), which decides whether a PV guest
 *   kernel may use the I/O ports it was granted.
 * - Physical IRQs (PIRQs): dom0 maps a GSI to a PIRQ (map_pirq), tells the
 *   trigger mode and polarity (setup_gsi), and binds the PIRQ to an event
 *   channel (EVTCHNOP_bind_pirq, which lands in pirq_guest_bind below). The
 *   IO-APIC pin is then unmasked; its interrupt raises the port. A
 *   level-triggered pin is masked when it fires and unmasked when dom0 says
 *   PHYSDEVOP_eoi (dom0 learns that it must from irq_status_query, or from
 *   the bit Petrel sets in the page registered with pirq_eoi_gmfn).
 * - MSI and MSI-X (map_pirq with MAP_PIRQ_TYPE_MSI, _MSI_SEG, _MULTI_MSI):
 *   msi.c programs the device with a vector of its own; the vector raises
 *   the PIRQ's port. Binding unmasks the vector at the device, unbinding
 *   masks it; MSIs are edge-triggered, so an EOI has nothing to unmask.
 *   A multi-message group gets consecutive PIRQs and is unmapped through
 *   its first one.
 * - PCI device reports (pci_device_add and friends): recorded; there is no
 *   IOMMU to program. Removing a device unmaps its MSI PIRQs.
 *
 * Error values follow Xen 4.17 (arch/x86/physdev.c, irq.c): out-of-range
 * or unmapped PIRQs -EINVAL, an unprivileged caller -EPERM, a domain other
 * than the caller -ESRCH (only dom0 exists), a GSI already set up -EEXIST.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "console.h"
#include "page.h"
#include "mm.h"
#include "domain.h"
#include "event.h"
#include "uaccess.h"
#include "apic.h"
#include "io_apic.h"
#include "acpi.h"
#include "pv_mm.h"
#include "msi.h"
#include "pirq.h"
#include "io_caps.h"
#include "public/physdev.h"

#define MAX_PCI_DEVS 256

struct gsi_state {
	bool set_up; /* PHYSDEVOP_setup_gsi programmed its mode */
	bool level, active_low;
	u16 pirq;	      /* the PIRQ it is mapped to, 0 if none */
	struct domain *owner; /* the domain whose PIRQ that is */
};

struct pci_dev_rec {
	bool used;
	u16 seg;
	u8 bus, devfn;
	u32 flags;
};

static struct gsi_state gsis[IOAPIC_MAX_GSIS];
static struct pci_dev_rec pci_devs[MAX_PCI_DEVS];

/* Each domain's PIRQs live in its struct domain (pirq.h). */
static struct domain_pirqs *pirqs_of(struct domain *d)
{
	return &d->arch.pirq;
}

static struct pci_dev_rec *pci_find(u16 seg, u8 bus, u8 devfn);

/* ---- Interrupt delivery. */

static void eoi_bit(struct domain_pirqs *dp, unsigned int pirq, bool set)
{
	xen_ulong_t m = 1UL << (pirq % 64);

	if (!dp->eoi_map)
		return;
	if (set)
		__atomic_fetch_or(&dp->eoi_map[pirq / 64], m, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(&dp->eoi_map[pirq / 64], ~m, __ATOMIC_SEQ_CST);
}

void pirq_hw_interrupt(unsigned int gsi)
{
	unsigned int p = gsis[gsi].pirq;
	struct domain_pirqs *dp = gsis[gsi].owner ? pirqs_of(gsis[gsi].owner) : NULL;
	struct pirq *pi = p && dp ? &dp->pirqs[p] : NULL;

	if (!pi || !pi->port || !pi->dom) {
		/* Nobody listens (a race with unbind): keep the line quiet. */
		io_apic_mask(gsi);
		apic_eoi();
		return;
	}
	if (gsis[gsi].level) {
		io_apic_mask(gsi);
		pi->in_flight = true;
		eoi_bit(dp, p, true);
	}
	apic_eoi();
	evtchn_raise_port(pi->dom, pi->port);
}

void pirq_msi_interrupt(struct domain *d, unsigned int p)
{
	struct pirq *pi = d && p < NR_PIRQS ? &pirqs_of(d)->pirqs[p] : NULL;

	if (!pi || !pi->msi || !pi->port || !pi->dom)
		return; /* masked at the device as soon as it was unbound */
	evtchn_raise_port(pi->dom, pi->port);
}

/* The guest is done with @p: unmask its level-triggered pin again. */
static void pirq_guest_eoi(struct domain_pirqs *dp, struct pirq *pi, unsigned int p)
{
	if (!pi->in_flight)
		return;
	pi->in_flight = false;
	eoi_bit(dp, p, false);
	if (pi->mapped && pi->port)
		io_apic_unmask(pi->gsi);
}

static void program_pin(unsigned int gsi)
{
	bool level, low;

	if (gsis[gsi].set_up) {
		level = gsis[gsi].level;
		low = gsis[gsi].active_low;
	} else {
		io_apic_default_mode(gsi, &level, &low);
		gsis[gsi].level = level;
		gsis[gsi].active_low = low;
	}
	io_apic_program(gsi, level, low);
}

int pirq_guest_bind(struct domain *d, unsigned int p, int port, bool share)
{
	struct domain_pirqs *dp = pirqs_of(d);
	struct pirq *pi;

	(void)share; /* one domain: nobody to share with */
	if (p >= NR_PIRQS)
		return -EINVAL;
	pi = &dp->pirqs[p];
	/* Its own mapping, and the IRQ in its irq_caps (XEN_DOMCTL_irq_permission). */
	if (!pi->mapped || !irq_access_permitted(d, p))
		return -EPERM;
	if (pi->port)
		return -EEXIST;
	if (port < 0)
		return port;
	if (pi->msi) {
		pi->port = (u32)port;
		pi->dom = d;
		msi_mask(pi->desc, false);
		return 0;
	}
	if (io_apic_gsi_reserved(pi->gsi)) {
		printk(XENLOG_WARNING "d%u: cannot bind PIRQ %u: GSI %u is Petrel's\n",
		       d->domain_id, p, pi->gsi);
		return -EBUSY;
	}
	pi->port = (u32)port;
	pi->dom = d;
	pi->in_flight = false;
	eoi_bit(dp, p, false);
	program_pin(pi->gsi);
	io_apic_unmask(pi->gsi);
	return 0;
}

void pirq_guest_unbind(struct domain *d, unsigned int p)
{
	struct domain_pirqs *dp = pirqs_of(d);
	struct pirq *pi;

	if (p >= NR_PIRQS || dp->pirqs[p].dom != d)
		return;
	pi = &dp->pirqs[p];
	if (pi->mapped && pi->msi)
		msi_mask(pi->desc, true);
	else if (pi->mapped)
		io_apic_mask(pi->gsi);
	pi->port = 0;
	pi->dom = NULL;
	pi->in_flight = false;
	eoi_bit(dp, p, false);
}

/* ---- PIRQ ops. */

static bool pirq_exists(struct domain_pirqs *dp, unsigned int p)
{
	return p < NR_PIRQS && (dp->pirqs[p].mapped || dp->pirqs[p].port);
}

static long irq_status_query(unsigned long arg)
{
	struct physdev_irq_status_query q;

	if (copy_from_guest(&q, arg, sizeof(q)))
		return -EFAULT;
	if (q.irq >= NR_PIRQS)
		return -EINVAL;
	/* As Xen: always ask for the EOI call (the eoi map tells a newer guest when). */
	q.flags = XENIRQSTAT_needs_eoi;
	return copy_to_guest(arg, &q, sizeof(q)) ? -EFAULT : 0;
}

static long physdev_eoi(unsigned long arg)
{
	struct domain_pirqs *dp = pirqs_of(current->domain);
	struct physdev_eoi e;

	if (copy_from_guest(&e, arg, sizeof(e)))
		return -EFAULT;
	if (!pirq_exists(dp, e.irq))
		return -EINVAL;
	if (dp->eoi_auto_unmask && dp->pirqs[e.irq].port)
		evtchn_unmask_port(current->domain, dp->pirqs[e.irq].port);
	pirq_guest_eoi(dp, &dp->pirqs[e.irq], e.irq);
	return 0;
}

static long pirq_eoi_gmfn(unsigned long arg, bool v1)
{
	struct physdev_pirq_eoi_gmfn g;
	struct domain *d = current->domain;
	struct domain_pirqs *dp = pirqs_of(d);

	if (copy_from_guest(&g, arg, sizeof(g)))
		return -EFAULT;
	/* PV: the guest frame number is the machine frame. */
	if (pv_get_page_and_type(g.gmfn, d, PGT_writable_page))
		return -EINVAL;
	if (dp->eoi_map) {
		pv_put_page_and_type(mfn_to_page(g.gmfn));
		return -EBUSY;
	}
	dp->eoi_page = mfn_to_page(g.gmfn);
	dp->eoi_map = pv_map_frame(g.gmfn);
	dp->eoi_auto_unmask = v1;
	/* Level interrupts waiting for their EOI show up in the new map. */
	for (unsigned int p = 0; p < NR_PIRQS; p++)
		eoi_bit(dp, p, dp->pirqs[p].in_flight);
	return 0;
}

/* The domain a map/unmap names: only the caller's own PIRQs for now. */
static long target_domain(domid_t domid)
{
	struct domain *d = domain_lookup(domid);

	if (!d)
		return -ESRCH;
	if (!current->domain->is_privileged)
		return -EPERM;
	/* The control domain maps PIRQs for itself only. */
	return d == current->domain ? 0 : -ESRCH;
}

/* A free PIRQ for a GSI mapping that asked for none (Xen: 16 up, then from the top). */
static int free_pirq(struct domain_pirqs *dp)
{
	unsigned int n = io_apic_nr_gsis();

	for (unsigned int p = 16; p < n; p++)
		if (!pirq_exists(dp, p))
			return (int)p;
	for (unsigned int p = NR_PIRQS - 1; p >= n && p > 0; p--)
		if (!pirq_exists(dp, p))
			return (int)p;
	return -ENOSPC;
}

static long map_gsi(struct domain *d, int gsi, int *pirq_io)
{
	struct domain_pirqs *dp = pirqs_of(d);
	int p = *pirq_io, cur;

	if (gsi < 0 || (unsigned int)gsi >= io_apic_nr_gsis())
		return -EINVAL;
	cur = gsis[gsi].pirq;
	if (p < 0) {
		/* No PIRQ asked for: the one the GSI has, else a free one. */
		p = cur ? cur : free_pirq(dp);
		if (p < 0)
			return p;
	} else if (cur && p != cur) {
		return -EEXIST;
	}
	/* GSI 0 is the timer's line on Xen and never dom0's: -EPERM there too. */
	if (gsi == 0)
		return -EPERM;
	if (p < 0 || p >= NR_PIRQS)
		return -EINVAL;
	if ((dp->pirqs[p].mapped && (dp->pirqs[p].msi || dp->pirqs[p].gsi != gsi)) ||
	    (cur && cur != p))
		return 0; /* as Xen: "already mapped" is logged and not an error */
	dp->pirqs[p].mapped = true;
	dp->pirqs[p].gsi = (u16)gsi;
	gsis[gsi].pirq = (u16)p;
	gsis[gsi].owner = d;
	*pirq_io = p;
	return 0;
}

/* @n consecutive free PIRQs above the GSIs, the highest such block (as Xen). */
static int free_msi_pirqs(struct domain_pirqs *dp, unsigned int n)
{
	unsigned int found = 0;

	for (unsigned int p = NR_PIRQS - 1; p >= io_apic_nr_gsis() && p > 0; p--) {
		found = pirq_exists(dp, p) ? 0 : found + 1;
		if (found == n)
			return (int)p;
	}
	return -ENOSPC;
}

/*
 * An MSI (table_base 0: the MSI capability, @nr vectors) or an MSI-X table
 * entry (table_base set: entry entry_nr) of a function, mapped to PIRQs.
 */
static long map_msi(struct domain *dom, struct physdev_map_pirq *m)
{
	struct domain_pirqs *dp = pirqs_of(dom);
	struct msi_request rq = {
		.seg = m->type == MAP_PIRQ_TYPE_MSI ? 0 : (u16)((u32)m->bus >> 16),
		.bus = (u8)m->bus,
		.devfn = (u8)m->devfn,
		.msix = m->type != MAP_PIRQ_TYPE_MULTI_MSI && m->table_base,
		.table_base = m->table_base,
	};
	unsigned int nvec;
	int p, d;

	if (m->type != MAP_PIRQ_TYPE_MULTI_MSI && m->index != -1)
		return -EINVAL; /* no such MSI IRQ: Petrel names none to dom0 */
	if (m->type == MAP_PIRQ_TYPE_MULTI_MSI) {
		if (m->entry_nr <= 0 || m->entry_nr > MSI_MAX_GROUP)
			return -EDOM;
		rq.entry_nr = (unsigned int)m->entry_nr;
	} else if (rq.msix) {
		if (m->entry_nr < 0)
			return -EINVAL;
		rq.entry_nr = (unsigned int)m->entry_nr;
	}
	if (m->pirq >= NR_PIRQS)
		return -EINVAL;
	if (m->pirq >= 0 && pirq_exists(dp, (unsigned int)m->pirq))
		return -EEXIST;
	/* As Xen without an IOMMU: only functions dom0 has reported (pci_device_add). */
	if (!pci_find(rq.seg, rq.bus, rq.devfn))
		return -ENODEV;
	d = msi_setup(&rq, &nvec);
	if (d < 0)
		return d;
	/* The PIRQ asked for (one vector: groups are refused), or free ones. */
	p = m->pirq >= 0 ? m->pirq : free_msi_pirqs(dp, nvec);
	if (p < 0) {
		msi_teardown((unsigned int)d);
		return p;
	}
	for (unsigned int i = 0; i < nvec; i++) {
		struct pirq *pi = &dp->pirqs[p + i];

		*pi = (struct pirq){
			.mapped = true, .msi = true, .desc = (u16)(d + i), .group = (u16)d
		};
		msi_set_pirq((unsigned int)d + i, dom, (unsigned int)p + i);
	}
	m->pirq = p;
	if (m->type == MAP_PIRQ_TYPE_MULTI_MSI)
		m->entry_nr = (int)nvec;
	return 0;
}

static long map_pirq(unsigned long arg)
{
	struct physdev_map_pirq m;
	long rc;

	if (copy_from_guest(&m, arg, sizeof(m)))
		return -EFAULT;
	rc = target_domain(m.domid);
	if (rc)
		return rc;
	switch (m.type) {
	case MAP_PIRQ_TYPE_GSI:
		rc = map_gsi(current->domain, m.index, &m.pirq);
		break;
	case MAP_PIRQ_TYPE_MSI:
	case MAP_PIRQ_TYPE_MSI_SEG:
	case MAP_PIRQ_TYPE_MULTI_MSI:
		rc = map_msi(current->domain, &m);
		break;
	default:
		return -EINVAL;
	}
	if (copy_to_guest(arg, &m, sizeof(m)))
		rc = -EFAULT;
	return rc;
}

/*
 * Forget PIRQ @p. A bound port stays a PIRQ port until closed, but is
 * silent, and the PIRQ number stays taken until then (as on Xen).
 */
static void pirq_forget(struct domain_pirqs *dp, unsigned int p)
{
	struct pirq *pi = &dp->pirqs[p];

	if (pi->port && !pi->msi)
		io_apic_mask(pi->gsi);
	pi->in_flight = false;
	eoi_bit(dp, p, false);
	if (!pi->msi) {
		gsis[pi->gsi].pirq = 0;
		gsis[pi->gsi].owner = NULL;
	}
	pi->mapped = false;
	pi->msi = false;
}

/* Unmap an MSI PIRQ and the rest of its group; the device stops using the vectors. */
static long unmap_msi(struct domain_pirqs *dp, unsigned int p)
{
	unsigned int group = dp->pirqs[p].group;

	if (msi_group_index(dp->pirqs[p].desc))
		return -EBUSY; /* not the group's first */
	for (unsigned int q = 0; q < NR_PIRQS; q++)
		if (dp->pirqs[q].mapped && dp->pirqs[q].msi && dp->pirqs[q].group == group)
			pirq_forget(dp, q);
	msi_teardown(group);
	return 0;
}

static long unmap_one(struct domain_pirqs *dp, int pirq)
{
	if (pirq < 0 || pirq >= NR_PIRQS || !dp->pirqs[pirq].mapped)
		return -EINVAL;
	if (dp->pirqs[pirq].msi)
		return unmap_msi(dp, (unsigned int)pirq);
	pirq_forget(dp, (unsigned int)pirq);
	return 0;
}

static long unmap_pirq(unsigned long arg)
{
	struct physdev_unmap_pirq u;
	long rc;

	if (copy_from_guest(&u, arg, sizeof(u)))
		return -EFAULT;
	rc = target_domain(u.domid);
	if (rc)
		return rc;
	return unmap_one(pirqs_of(current->domain), u.pirq);
}

static long setup_gsi(unsigned long arg)
{
	struct physdev_setup_gsi s;
	struct gsi_state *g;

	if (!current->domain->is_privileged)
		return -EPERM;
	if (copy_from_guest(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.gsi < 0 || (unsigned int)s.gsi >= io_apic_nr_gsis())
		return -EINVAL;
	g = &gsis[s.gsi];
	/* In use (by Petrel, or bound and enabled) or set up before: Xen's -EEXIST. */
	if (io_apic_gsi_reserved((unsigned int)s.gsi) || g->set_up ||
	    (g->pirq && g->owner && pirqs_of(g->owner)->pirqs[g->pirq].port))
		return -EEXIST;
	g->set_up = true;
	g->level = s.triggering != 0;
	g->active_low = s.polarity != 0;
	return io_apic_program((unsigned int)s.gsi, g->level, g->active_low);
}

static long apic_read(unsigned long arg)
{
	struct physdev_apic a;
	int rc;

	if (copy_from_guest(&a, arg, sizeof(a)))
		return -EFAULT;
	if (!current->domain->is_privileged)
		return -EPERM;
	rc = io_apic_read_reg(a.apic_physbase, a.reg, &a.value);
	if (rc)
		return rc;
	return copy_to_guest(arg, &a, sizeof(a)) ? -EFAULT : 0;
}

/*
 * Linux's dom0 asks for a "vector" before binding a GSI PIRQ. As on Xen the
 * call is a formality: vectors are the hypervisor's business, so the answer
 * is the IRQ number itself.
 */
static long alloc_irq_vector(unsigned long arg)
{
	struct physdev_irq op;

	if (copy_from_guest(&op, arg, sizeof(op)))
		return -EFAULT;
	if (!current->domain->is_privileged)
		return -EPERM;
	op.vector = op.irq;
	return copy_to_guest(arg, &op, sizeof(op)) ? -EFAULT : 0;
}

/* ---- PCI device reports. */

static struct pci_dev_rec *pci_find(u16 seg, u8 bus, u8 devfn)
{
	for (unsigned int i = 0; i < MAX_PCI_DEVS; i++)
		if (pci_devs[i].used && pci_devs[i].seg == seg && pci_devs[i].bus == bus &&
		    pci_devs[i].devfn == devfn)
			return &pci_devs[i];
	return NULL;
}

static long pci_add(u16 seg, u8 bus, u8 devfn, u32 flags)
{
	struct pci_dev_rec *r = pci_find(seg, bus, devfn);

	for (unsigned int i = 0; !r && i < MAX_PCI_DEVS; i++)
		if (!pci_devs[i].used)
			r = &pci_devs[i];
	if (!r)
		return -ENOMEM;
	r->used = true;
	r->seg = seg;
	r->bus = bus;
	r->devfn = devfn;
	r->flags = flags;
	return 0;
}

/* A removed function's MSI PIRQs go with it. */
static void unmap_device_msis(struct domain *d, u16 seg, u8 bus, u8 devfn)
{
	struct domain_pirqs *dp = pirqs_of(d);

	for (unsigned int p = 0; p < NR_PIRQS; p++) {
		struct pirq *pi = &dp->pirqs[p];

		if (pi->mapped && pi->msi && pi->desc == pi->group && seg == 0 &&
		    msi_desc_is(pi->desc, bus, devfn))
			unmap_msi(dp, p);
	}
}

static long pci_remove(u16 seg, u8 bus, u8 devfn)
{
	struct pci_dev_rec *r = pci_find(seg, bus, devfn);

	if (!r)
		return -ENODEV;
	unmap_device_msis(current->domain, seg, bus, devfn);
	r->used = false;
	return 0;
}

/*
 * dom0 says whether an MCFG window is reserved in the firmware's memory
 * map. As Xen: the window must be one the MCFG table lists (-ENODEV if not,
 * -EIO at another address). Petrel does not use extended configuration
 * space itself, so it only logs the answer.
 */
static long mmcfg_reserved(const struct physdev_pci_mmcfg_reserved *c)
{
	const struct acpi_mcfg_entry *e;

	if (c->flags & ~XEN_PCI_MMCFG_RESERVED)
		return -EINVAL;
	e = io_apic_mcfg_find(c->segment, c->start_bus, c->end_bus);
	if (!e)
		return -ENODEV;
	if (e->base != c->address)
		return -EIO;
	printk(XENLOG_INFO "PCI: MCFG segment %u buses %u-%u at %#llx%s\n", c->segment,
	       c->start_bus, c->end_bus, (unsigned long long)c->address,
	       c->flags ? " reserved" : " not reserved");
	return 0;
}

static long pci_op(unsigned long cmd, unsigned long arg)
{
	union {
		struct physdev_manage_pci m;
		struct physdev_manage_pci_ext x;
		struct physdev_pci_device_add a;
		struct physdev_pci_device p;
		struct physdev_pci_mmcfg_reserved c;
	} u;
	static const u8 size[] = {
		[PHYSDEVOP_manage_pci_add] = sizeof(u.m),
		[PHYSDEVOP_manage_pci_remove] = sizeof(u.m),
		[PHYSDEVOP_manage_pci_add_ext] = sizeof(u.x),
		[PHYSDEVOP_pci_device_add] = sizeof(u.a),
		[PHYSDEVOP_pci_device_remove] = sizeof(u.p),
		[PHYSDEVOP_pci_mmcfg_reserved] = sizeof(u.c),
	};

	if (!current->domain->is_privileged)
		return -EPERM;
	if (copy_from_guest(&u, arg, size[cmd]))
		return -EFAULT;
	switch (cmd) {
	case PHYSDEVOP_manage_pci_add:
		return pci_add(0, u.m.bus, u.m.devfn, 0);
	case PHYSDEVOP_manage_pci_remove:
		return pci_remove(0, u.m.bus, u.m.devfn);
	case PHYSDEVOP_manage_pci_add_ext:
		return pci_add(0, u.x.bus, u.x.devfn,
			       (u.x.is_extfn ? XEN_PCI_DEV_EXTFN : 0) |
				   (u.x.is_virtfn ? XEN_PCI_DEV_VIRTFN : 0));
	case PHYSDEVOP_pci_device_add:
		return pci_add(u.a.seg, u.a.bus, u.a.devfn, u.a.flags);
	case PHYSDEVOP_pci_device_remove:
		return pci_remove(u.p.seg, u.p.bus, u.p.devfn);
	default:
		return mmcfg_reserved(&u.c);
	}
}

/*
 * The guest's own I/O bitmap: a port it covers (below nr_ports) whose bit
 * is clear may be used even when the virtual IOPL refuses it. Only the
 * address is checked now (8 KiB of guest range); the bytes are read at
 * each use, through the kernel's page tables.
 */
static long set_iobitmap(unsigned long arg)
{
	struct physdev_set_iobitmap s;

	if (copy_from_guest(&s, arg, sizeof(s)))
		return -EFAULT;
	if (!guest_range_ok((u64)s.bitmap.p, 0x10000 / 8) || s.nr_ports > 0x10000)
		return -EINVAL;
	current->arch.pv.iobmp = (u64)s.bitmap.p;
	current->arch.pv.iobmp_limit = s.nr_ports;
	return 0;
}

/* PHYSDEVOP_restore_msi(_ext): write the messages back after a device reset. */
static long restore_msi(unsigned long cmd, unsigned long arg)
{
	struct physdev_restore_msi r;
	struct physdev_pci_device x;

	if (!current->domain->is_privileged)
		return -EPERM;
	if (cmd == PHYSDEVOP_restore_msi) {
		if (copy_from_guest(&r, arg, sizeof(r)))
			return -EFAULT;
		x.seg = 0;
		x.bus = r.bus;
		x.devfn = r.devfn;
	} else if (copy_from_guest(&x, arg, sizeof(x))) {
		return -EFAULT;
	}
	if (!pci_find(x.seg, x.bus, x.devfn))
		return -ENODEV;
	return msi_restore(x.seg, x.bus, x.devfn);
}

/* PHYSDEVOP_prepare_msix / release_msix: guard (or stop guarding) a function's table. */
static long prepare_msix(unsigned long cmd, unsigned long arg)
{
	struct physdev_pci_device x;

	if (!current->domain->is_privileged)
		return -EPERM;
	if (copy_from_guest(&x, arg, sizeof(x)))
		return -EFAULT;
	if (!pci_find(x.seg, x.bus, x.devfn))
		return -ENODEV;
	return msi_prepare_msix(x.seg, x.bus, x.devfn, cmd == PHYSDEVOP_release_msix);
}

/* ---- Teardown. */

void pirq_domain_relinquish(struct domain *d)
{
	struct domain_pirqs *dp = pirqs_of(d);

	for (unsigned int p = 0; p < NR_PIRQS; p++) {
		if (dp->pirqs[p].port)
			pirq_guest_unbind(d, p);
		if (dp->pirqs[p].mapped)
			unmap_one(dp, (int)p);
	}
	if (dp->eoi_page)
		pv_put_page_and_type(dp->eoi_page);
	dp->eoi_page = NULL;
	dp->eoi_map = NULL;
}

long do_physdev_op(unsigned long cmd, unsigned long arg)
{
	struct physdev_set_iopl s;

	cmd = (unsigned int)cmd; /* a 32-bit sub-op, as Xen reads it */

	switch (cmd) {
	case PHYSDEVOP_set_iopl:
		if (copy_from_guest(&s, arg, sizeof(s)))
			return -EFAULT;
		if (s.iopl > 3)
			return -EINVAL;
		current->arch.pv.iopl = s.iopl;
		return 0;
	case PHYSDEVOP_set_iobitmap:
		return set_iobitmap(arg);
	case PHYSDEVOP_irq_status_query:
		return irq_status_query(arg);
	case PHYSDEVOP_eoi:
		return physdev_eoi(arg);
	case PHYSDEVOP_pirq_eoi_gmfn_v1:
	case PHYSDEVOP_pirq_eoi_gmfn_v2:
		return pirq_eoi_gmfn(arg, cmd == PHYSDEVOP_pirq_eoi_gmfn_v1);
	case PHYSDEVOP_map_pirq:
		return map_pirq(arg);
	case PHYSDEVOP_unmap_pirq:
		return unmap_pirq(arg);
	case PHYSDEVOP_setup_gsi:
		return setup_gsi(arg);
	case PHYSDEVOP_apic_read:
		return apic_read(arg);
	case PHYSDEVOP_alloc_irq_vector:
		return alloc_irq_vector(arg);
	case PHYSDEVOP_restore_msi:
	case PHYSDEVOP_restore_msi_ext:
		return restore_msi(cmd, arg);
	case PHYSDEVOP_prepare_msix:
	case PHYSDEVOP_release_msix:
		return prepare_msix(cmd, arg);
	case PHYSDEVOP_manage_pci_add:
	case PHYSDEVOP_manage_pci_remove:
	case PHYSDEVOP_manage_pci_add_ext:
	case PHYSDEVOP_pci_device_add:
	case PHYSDEVOP_pci_device_remove:
	case PHYSDEVOP_pci_mmcfg_reserved:
		return pci_op(cmd, arg);
	default:
		return -ENOSYS;
	}
}
