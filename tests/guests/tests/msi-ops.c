/*
 * MSI for the control domain's PCI functions, with QEMU's "edu" device
 * (vendor 0x1234, device 0x11e8: one MSI vector, raised on command by a
 * write to its BAR 0 register 0x60). The test finds it by scanning bus 0
 * through ports 0xcf8/0xcfc, maps its MSI to a PIRQ as Linux's dom0 does
 * (MAP_PIRQ_TYPE_MSI_SEG, index and pirq -1), checks that the hypervisor
 * wrote the message (an address in the local APIC's window), binds the
 * PIRQ, enables MSI itself and has the device raise it: each one must
 * arrive as the port's pending bit. Then the errors as Xen 4.17 gives
 * them: a function dom0 has not reported with pci_device_add (Xen without
 * an IOMMU knows no other), functions that are not there or have no
 * MSI/MSI-X, a named IRQ, multi-message MSI (more than one vector needs
 * interrupt remapping, which QEMU's machine without an IOMMU lacks),
 * unmapping what is not mapped.
 */
#include "xtest.h"
#include "hypercall.h"

TEST_DEVICE("edu");

#define HC_physdev_op 33
#define HC_event_channel_op 32

#define PHYSDEVOP_set_iopl 6
#define PHYSDEVOP_eoi 12
#define PHYSDEVOP_map_pirq 13
#define PHYSDEVOP_unmap_pirq 14
#define PHYSDEVOP_restore_msi 19
#define PHYSDEVOP_pci_device_add 25
#define PHYSDEVOP_pci_device_remove 26
#define PHYSDEVOP_restore_msi_ext 27

#define MAP_PIRQ_TYPE_MSI 0
#define MAP_PIRQ_TYPE_MSI_SEG 3
#define MAP_PIRQ_TYPE_MULTI_MSI 4

#define EVTCHNOP_bind_pirq 2
#define EVTCHNOP_close 3

#define DOMID_SELF 0x7ff0
#define ENODEV 19
#define EINVAL 22
#define EDOM 33
#define EOPNOTSUPP 95

#define EDU_VENDOR_DEVICE 0x11e81234u
#define EDU_RAISE 0x60
#define EDU_ACK 0x64
#define PCI_CAP_ID_MSI 5

struct map_pirq {
	uint16_t domid;
	int type, index, pirq, bus, devfn, entry_nr;
	uint64_t table_base;
};
_Static_assert(sizeof(struct map_pirq) == 40, "physdev_map_pirq is 40 bytes");

struct unmap_pirq {
	uint16_t domid;
	int pirq;
};

struct bind_pirq {
	uint32_t pirq, flags, port;
};

struct pci_device {
	uint16_t seg;
	uint8_t bus, devfn;
};

struct pci_device_add {
	uint16_t seg;
	uint8_t bus, devfn;
	uint32_t flags;
	uint8_t pbus, pdevfn;
};

struct restore_msi {
	uint8_t bus, devfn;
};

static long physdev(unsigned int cmd, void *arg)
{
	return hypercall(HC_physdev_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static long evtchn(unsigned int cmd, void *arg)
{
	return hypercall(HC_event_channel_op, cmd, (unsigned long)arg, 0, 0, 0);
}

/* ---- PCI configuration space through the legacy ports. */

static void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void conf_addr(unsigned int devfn, unsigned int reg)
{
	outl(0xcf8, 0x80000000u | (devfn << 8) | (reg & 0xfc));
}

static uint32_t conf_read32(unsigned int devfn, unsigned int reg)
{
	conf_addr(devfn, reg);
	return inl(0xcfc);
}

static uint16_t conf_read16(unsigned int devfn, unsigned int reg)
{
	conf_addr(devfn, reg);
	return inw((uint16_t)(0xcfc + (reg & 2)));
}

static void conf_write16(unsigned int devfn, unsigned int reg, uint16_t v)
{
	conf_addr(devfn, reg);
	outw((uint16_t)(0xcfc + (reg & 2)), v);
}

static unsigned int find_cap(unsigned int devfn, uint8_t id)
{
	unsigned int pos, ttl = 48;

	if (!(conf_read16(devfn, 0x06) & 0x10))
		return 0;
	pos = conf_read32(devfn, 0x34) & 0xfc;
	while (pos >= 0x40 && ttl--) {
		uint32_t hdr = conf_read32(devfn, pos);

		if ((hdr & 0xff) == id)
			return pos;
		pos = (hdr >> 8) & 0xfc;
	}
	return 0;
}

/* The devfn on bus 0 with this vendor/device ID, or -1. */
static int find_device(uint32_t id)
{
	for (unsigned int devfn = 0; devfn < 256; devfn++)
		if (conf_read32(devfn, 0) == id)
			return (int)devfn;
	return -1;
}

/* ---- PIRQs. */

static long map_msi(int type, int bus, int devfn, int index, int entry_nr, uint64_t table_base,
		    int *pirq)
{
	struct map_pirq m = { .domid = DOMID_SELF,
			      .type = type,
			      .index = index,
			      .pirq = -1,
			      .bus = bus,
			      .devfn = devfn,
			      .entry_nr = entry_nr,
			      .table_base = table_base };
	long rc = physdev(PHYSDEVOP_map_pirq, &m);

	*pirq = m.pirq;
	return rc;
}

/* An MSI mapped to the PIRQ *pirq names. */
static long map_msi_pirq(int type, int bus, int devfn, int *pirq)
{
	struct map_pirq m = { .domid = DOMID_SELF, .type = type, .index = -1, .pirq = *pirq,
			      .bus = bus, .devfn = devfn };
	long rc = physdev(PHYSDEVOP_map_pirq, &m);

	*pirq = m.pirq;
	return rc;
}

static long unmap(int pirq)
{
	struct unmap_pirq u = { .domid = DOMID_SELF, .pirq = pirq };

	return physdev(PHYSDEVOP_unmap_pirq, &u);
}

static bool port_pending(uint32_t port)
{
	volatile unsigned long *w = xtest_shared_info()->evtchn_pending;

	return (w[port / 64] >> (port % 64)) & 1;
}

static void clear_pending(uint32_t port)
{
	__atomic_fetch_and(&xtest_shared_info()->evtchn_pending[port / 64], ~(1UL << (port % 64)),
			   __ATOMIC_SEQ_CST);
}

static bool wait_pending(uint32_t port, unsigned long loops)
{
	while (loops--) {
		if (port_pending(port))
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

/* ---- The edu device's registers, mapped over one of our own pages. */

static unsigned char mmio_page[4096] __attribute__((aligned(4096)));

static volatile uint32_t *map_bar0(unsigned int devfn)
{
	uint64_t bar = conf_read32(devfn, 0x10) & ~0xfULL;
	long rc;

	if (!bar) {
		xtest_fail("edu BAR 0 is not assigned");
		return NULL;
	}
	rc = hypercall_update_va_mapping((unsigned long)mmio_page,
					 bar | PTE_P | PTE_RW | 0x10 /* PCD */, UVMF_INVLPG);
	if (rc) {
		xtest_fail("mapping BAR 0 at %#lx: %ld", (unsigned long)bar, rc);
		return NULL;
	}
	return (volatile uint32_t *)mmio_page;
}

static void unmap_bar0(void)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;
	unsigned long pfn = ((unsigned long)mmio_page - 0xffffffff80000000UL) >> 12;

	hypercall_update_va_mapping((unsigned long)mmio_page, (p2m[pfn] << 12) | PTE_P | PTE_RW,
				    UVMF_INVLPG);
}

static void raise_msis(volatile uint32_t *edu, uint32_t port, int pirq)
{
	int got = 0;

	for (int i = 0; i < 3; i++) {
		clear_pending(port);
		edu[EDU_RAISE / 4] = 1u << i;
		if (!wait_pending(port, 50000000UL))
			break;
		got++;
		xtest_check(edu[0x24 / 4] == 1u << i, "edu status %#x", edu[0x24 / 4]);
		edu[EDU_ACK / 4] = 1u << i;
		xtest_check(physdev(PHYSDEVOP_eoi, &pirq) == 0, "eoi pirq %d", pirq);
	}
	xtest_check(got == 3, "only %d of 3 MSIs arrived as events", got);
	printk("edu: %d MSIs delivered on port %u (pirq %d)\n", got, port, pirq);
}

/*
 * dom0's write to the message data lands (an MSI without per-vector
 * masking is not guarded), then PHYSDEVOP_restore_msi_ext puts the
 * hypervisor's message back.
 */
static void check_restore(int devfn, unsigned int pos)
{
	struct pci_device x = { .seg = 0, .bus = 0, .devfn = (uint8_t)devfn };
	unsigned int data_reg = pos + ((conf_read16((unsigned int)devfn, pos + 2) & 0x80) ? 12 : 8);
	uint16_t data = conf_read16((unsigned int)devfn, data_reg), after_write;
	long rc;

	conf_write16((unsigned int)devfn, data_reg, (uint16_t)(data ^ 0x0f));
	after_write = conf_read16((unsigned int)devfn, data_reg);
	/* edu's MSI has no per-vector mask: Xen leaves its registers to dom0. */
	xtest_check(after_write == (uint16_t)(data ^ 0x0f), "MSI data %#x, after dom0's write %#x",
		    data, after_write);
	rc = physdev(PHYSDEVOP_restore_msi_ext, &x);
	xtest_check(rc == 0, "restore_msi_ext: %ld", rc);
	xtest_check(conf_read16((unsigned int)devfn, data_reg) == data, "MSI data after restore %#x",
		    conf_read16((unsigned int)devfn, data_reg));
}

static void check_msi_delivery(int devfn)
{
	unsigned int pos = find_cap((unsigned int)devfn, PCI_CAP_ID_MSI);
	struct bind_pirq b = { .flags = 0 };
	volatile uint32_t *edu;
	uint16_t ctrl;
	uint32_t addr;
	int pirq;
	long rc;

	if (!pos) {
		xtest_fail("edu has no MSI capability");
		return;
	}
	rc = map_msi(MAP_PIRQ_TYPE_MSI_SEG, 0, devfn, -1, 0, 0, &pirq);
	xtest_check(rc == 0 && pirq >= 16, "map MSI: %ld, pirq %d", rc, pirq);
	if (rc)
		return;
	addr = conf_read32((unsigned int)devfn, pos + 4);
	xtest_check((addr & 0xfff00000u) == 0xfee00000u, "MSI address %#x", addr);
	check_restore(devfn, pos);
	b.pirq = (uint32_t)pirq;
	rc = evtchn(EVTCHNOP_bind_pirq, &b);
	xtest_check(rc == 0, "bind_pirq %d: %ld", pirq, rc);
	if (rc == 0) {
		/* As Linux does: memory decoding and bus mastering, then MSI enable. */
		conf_write16((unsigned int)devfn, 0x04,
			     (uint16_t)(conf_read16((unsigned int)devfn, 0x04) | 0x6));
		ctrl = conf_read16((unsigned int)devfn, pos + 2);
		conf_write16((unsigned int)devfn, pos + 2, (uint16_t)(ctrl | 1));
		xtest_check(conf_read16((unsigned int)devfn, pos + 2) & 1, "MSI enable bit");
		edu = map_bar0((unsigned int)devfn);
		if (edu) {
			xtest_check((edu[0] & 0xff) == 0xed && (edu[0] >> 24) == 1, "edu ID %#x",
				    edu[0]);
			raise_msis(edu, b.port, pirq);
			unmap_bar0();
		}
		ctrl = conf_read16((unsigned int)devfn, pos + 2);
		conf_write16((unsigned int)devfn, pos + 2, (uint16_t)(ctrl & ~1));
		xtest_check(evtchn(EVTCHNOP_close, &b.port) == 0, "close port %u", b.port);
	}
	xtest_check(unmap(pirq) == 0, "unmap pirq %d", pirq);
	xtest_check(unmap(pirq) == -EINVAL, "unmap pirq %d twice", pirq);
	/* Mapped again after the unmap, to a PIRQ of our choice: the device can be set up anew. */
	pirq = 100;
	rc = map_msi_pirq(MAP_PIRQ_TYPE_MSI, 0, devfn, &pirq);
	xtest_check(rc == 0 && pirq == 100, "map MSI (no segment) to pirq 100: %ld, pirq %d", rc,
		    pirq);
	if (rc == 0)
		xtest_check(unmap(pirq) == 0, "unmap pirq %d", pirq);
}

static long pci_add(int devfn)
{
	struct pci_device_add a = { .seg = 0, .bus = 0, .devfn = (uint8_t)devfn };

	return physdev(PHYSDEVOP_pci_device_add, &a);
}

static long pci_remove(int devfn)
{
	struct pci_device r = { .seg = 0, .bus = 0, .devfn = (uint8_t)devfn };

	return physdev(PHYSDEVOP_pci_device_remove, &r);
}

static void check_errors(int edu)
{
	struct pci_device x = { .seg = 0, .bus = 0x77, .devfn = 0 };
	struct restore_msi r = { .bus = 0, .devfn = (uint8_t)edu };
	int pirq;
	long rc;

	rc = map_msi(MAP_PIRQ_TYPE_MSI_SEG, 0, edu, -1, 0, 0, &pirq);
	xtest_check(rc == -ENODEV, "edu before pci_device_add: %ld", rc);
	rc = physdev(PHYSDEVOP_restore_msi, &r);
	xtest_check(rc == -ENODEV, "restore_msi before pci_device_add: %ld", rc);
	xtest_check(pci_add(edu) == 0, "pci_device_add edu");
	xtest_check(pci_add(0) == 0, "pci_device_add 00:00.0");

	rc = map_msi(MAP_PIRQ_TYPE_MSI_SEG, 0x77, 0, -1, 0, 0, &pirq);
	xtest_check(rc == -ENODEV, "bus 0x77: %ld", rc);
	rc = map_msi(MAP_PIRQ_TYPE_MSI_SEG, 0, 0xf8, -1, 0, 0, &pirq);
	xtest_check(rc == -ENODEV, "devfn 0xf8 (nothing there): %ld", rc);
	rc = map_msi(MAP_PIRQ_TYPE_MSI_SEG, 0, 0, -1, 0, 0, &pirq);
	xtest_check(rc == -ENODEV, "host bridge (no MSI): %ld", rc);
	rc = map_msi(MAP_PIRQ_TYPE_MSI_SEG, 0, edu, -1, 0, 0xfe000000, &pirq);
	xtest_check(rc == -ENODEV, "MSI-X of a function without MSI-X: %ld", rc);
	rc = map_msi(MAP_PIRQ_TYPE_MSI_SEG, 0, edu, 5, 0, 0, &pirq);
	xtest_check(rc == -EINVAL, "a GSI's IRQ as index: %ld", rc);
	/* One to 32 vectors; more than one needs interrupt remapping, absent here. */
	rc = map_msi(MAP_PIRQ_TYPE_MULTI_MSI, 0, edu, -1, 0, 0, &pirq);
	xtest_check(rc == -EDOM, "MULTI_MSI of 0 vectors: %ld", rc);
	rc = map_msi(MAP_PIRQ_TYPE_MULTI_MSI, 0, edu, -1, 33, 0, &pirq);
	xtest_check(rc == -EDOM, "MULTI_MSI of 33 vectors: %ld", rc);
	rc = map_msi(MAP_PIRQ_TYPE_MULTI_MSI, 0, edu, -1, 2, 0, &pirq);
	xtest_check(rc == -EOPNOTSUPP, "MULTI_MSI of 2 vectors: %ld", rc);
	rc = map_msi(MAP_PIRQ_TYPE_MULTI_MSI, 0, edu, -1, 1, 0, &pirq);
	xtest_check(rc == 0 && pirq >= 16, "MULTI_MSI of 1 vector: %ld, pirq %d", rc, pirq);
	if (rc == 0)
		xtest_check(unmap(pirq) == 0, "unmap pirq %d", pirq);
	xtest_check(unmap(250) == -EINVAL, "unmap of an unknown pirq");
	xtest_check(unmap(-1) == -EINVAL, "unmap -1");
	rc = physdev(PHYSDEVOP_restore_msi_ext, &x);
	xtest_check(rc == -ENODEV, "restore_msi_ext bus 0x77: %ld", rc);
	rc = physdev(PHYSDEVOP_restore_msi, &r);
	xtest_check(rc == 0, "restore_msi of edu: %ld", rc);
}

void test_main(void)
{
	uint32_t iopl = 1;
	int edu;

	if (physdev(PHYSDEVOP_set_iopl, &iopl)) {
		xtest_fail("set_iopl");
		return;
	}
	edu = find_device(EDU_VENDOR_DEVICE);
	if (edu < 0) {
		xtest_fail("no edu device on bus 0");
		return;
	}
	printk("edu at 00:%02x.%u\n", edu >> 3, edu & 7);
	check_errors(edu);
	check_msi_delivery(edu);
	xtest_check(pci_remove(0) == 0, "pci_device_remove 00:00.0");
	xtest_check(pci_remove(edu) == 0, "pci_device_remove edu");
}
