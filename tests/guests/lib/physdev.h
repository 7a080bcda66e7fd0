/*
 * Devices for test guests: port I/O, PCI configuration space on bus 0
 * through ports 0xcf8/0xcfc, and the physdev_op numbers and argument
 * layouts of Xen's public physdev.h with thin wrappers.
 */
#ifndef GUEST_PHYSDEV_H
#define GUEST_PHYSDEV_H

#include "xtest.h"

#define HC_physdev_op 33

#define PHYSDEVOP_irq_status_query 5
#define PHYSDEVOP_set_iopl 6
#define PHYSDEVOP_set_iobitmap 7
#define PHYSDEVOP_apic_read 8
#define PHYSDEVOP_alloc_irq_vector 10
#define PHYSDEVOP_eoi 12
#define PHYSDEVOP_map_pirq 13
#define PHYSDEVOP_unmap_pirq 14
#define PHYSDEVOP_restore_msi 19
#define PHYSDEVOP_setup_gsi 21
#define PHYSDEVOP_pci_mmcfg_reserved 24
#define PHYSDEVOP_pci_device_add 25
#define PHYSDEVOP_pci_device_remove 26
#define PHYSDEVOP_restore_msi_ext 27
#define PHYSDEVOP_pirq_eoi_gmfn_v2 28
#define PHYSDEVOP_prepare_msix 30
#define PHYSDEVOP_release_msix 31

#define MAP_PIRQ_TYPE_MSI 0
#define MAP_PIRQ_TYPE_GSI 1
#define MAP_PIRQ_TYPE_MSI_SEG 3
#define MAP_PIRQ_TYPE_MULTI_MSI 4

#define XENIRQSTAT_needs_eoi 1

#ifndef DOMID_SELF
#define DOMID_SELF 0x7ff0
#endif

struct physdev_map_pirq {
	uint16_t domid;
	int type, index, pirq, bus, devfn, entry_nr;
	uint64_t table_base;
};
_Static_assert(sizeof(struct physdev_map_pirq) == 40, "physdev_map_pirq is 40 bytes");

struct physdev_unmap_pirq {
	uint16_t domid;
	int pirq;
};

struct physdev_pci_device_add {
	uint16_t seg;
	uint8_t bus, devfn;
	uint32_t flags;
	uint8_t pbus, pdevfn;
};

struct physdev_pci_device {
	uint16_t seg;
	uint8_t bus, devfn;
};

static inline long physdev_op(unsigned int cmd, void *arg)
{
	return hypercall(HC_physdev_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long physdev_unmap_pirq(uint16_t domid, int pirq)
{
	struct physdev_unmap_pirq u = { .domid = domid, .pirq = pirq };

	return physdev_op(PHYSDEVOP_unmap_pirq, &u);
}

/* PHYSDEVOP_pci_device_add (or _remove) for 0000:00:devfn. */
static inline long physdev_pci_add(int devfn)
{
	struct physdev_pci_device_add a = { .devfn = (uint8_t)devfn };

	return physdev_op(PHYSDEVOP_pci_device_add, &a);
}

static inline long physdev_pci_remove(int devfn)
{
	struct physdev_pci_device r = { .devfn = (uint8_t)devfn };

	return physdev_op(PHYSDEVOP_pci_device_remove, &r);
}

/* ---- Port I/O. */

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* ---- PCI configuration space of bus 0 (mechanism #1). */

#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_MSIX 0x11

static inline void pci_conf_addr(unsigned int devfn, unsigned int reg)
{
	outl(0xcf8, 0x80000000u | (devfn << 8) | (reg & 0xfc));
}

static inline uint32_t pci_conf_read32(unsigned int devfn, unsigned int reg)
{
	pci_conf_addr(devfn, reg);
	return inl(0xcfc);
}

static inline uint16_t pci_conf_read16(unsigned int devfn, unsigned int reg)
{
	pci_conf_addr(devfn, reg);
	return inw((uint16_t)(0xcfc + (reg & 2)));
}

static inline void pci_conf_write16(unsigned int devfn, unsigned int reg, uint16_t v)
{
	pci_conf_addr(devfn, reg);
	outw((uint16_t)(0xcfc + (reg & 2)), v);
}

static inline void pci_conf_write32(unsigned int devfn, unsigned int reg, uint32_t v)
{
	pci_conf_addr(devfn, reg);
	outl(0xcfc, v);
}

/* The offset of capability @id in @devfn's list, or 0. */
static inline unsigned int pci_find_cap(unsigned int devfn, uint8_t id)
{
	unsigned int pos, ttl = 48;

	if (!(pci_conf_read16(devfn, 0x06) & 0x10))
		return 0;
	pos = pci_conf_read32(devfn, 0x34) & 0xfc;
	while (pos >= 0x40 && ttl--) {
		uint32_t hdr = pci_conf_read32(devfn, pos);

		if ((hdr & 0xff) == id)
			return pos;
		pos = (hdr >> 8) & 0xfc;
	}
	return 0;
}

/* The devfn on bus 0 with this vendor/device ID (vendor in the low half), or -1. */
static inline int pci_find_device(uint32_t id)
{
	for (unsigned int devfn = 0; devfn < 256; devfn++)
		if (pci_conf_read32(devfn, 0) == id)
			return (int)devfn;
	return -1;
}

#endif
