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
#include "evtchn.h"
#include "physdev.h"
#include "hypercall.h"

TEST_DEVICE("edu");

#define ENODEV 19
#define EINVAL 22
#define EDOM 33
#define EOPNOTSUPP 95

#define EDU_VENDOR_DEVICE 0x11e81234u
#define EDU_RAISE 0x60
#define EDU_ACK 0x64

struct restore_msi {
	uint8_t bus, devfn;
};

/* ---- PCI configuration space through the legacy ports. */

/* The devfn on bus 0 with this vendor/device ID, or -1. */
/* ---- PIRQs. */

static long map_msi(int type, int bus, int devfn, int index, int entry_nr, uint64_t table_base,
		    int *pirq)
{
	struct physdev_map_pirq m = { .domid = DOMID_SELF,
				      .type = type,
				      .index = index,
				      .pirq = -1,
				      .bus = bus,
				      .devfn = devfn,
				      .entry_nr = entry_nr,
				      .table_base = table_base };
	long rc = physdev_op(PHYSDEVOP_map_pirq, &m);

	*pirq = m.pirq;
	return rc;
}

/* An MSI mapped to the PIRQ *pirq names. */
static long map_msi_pirq(int type, int bus, int devfn, int *pirq)
{
	struct physdev_map_pirq m = { .domid = DOMID_SELF,
				      .type = type,
				      .index = -1,
				      .pirq = *pirq,
				      .bus = bus,
				      .devfn = devfn };
	long rc = physdev_op(PHYSDEVOP_map_pirq, &m);

	*pirq = m.pirq;
	return rc;
}

/* ---- The edu device's registers, mapped over one of our own pages. */

static unsigned char mmio_page[4096] __attribute__((aligned(4096)));

static volatile uint32_t *map_bar0(unsigned int devfn)
{
	uint64_t bar = pci_conf_read32(devfn, 0x10) & ~0xfULL;
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
		evtchn_test_and_clear(port);
		edu[EDU_RAISE / 4] = 1u << i;
		if (!evtchn_spin_pending(port, 50000000UL))
			break;
		got++;
		xtest_check(edu[0x24 / 4] == 1u << i, "edu status %#x", edu[0x24 / 4]);
		edu[EDU_ACK / 4] = 1u << i;
		xtest_check(physdev_op(PHYSDEVOP_eoi, &pirq) == 0, "eoi pirq %d", pirq);
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
	struct physdev_pci_device x = { .seg = 0, .bus = 0, .devfn = (uint8_t)devfn };
	unsigned int data_reg =
	    pos + ((pci_conf_read16((unsigned int)devfn, pos + 2) & 0x80) ? 12 : 8);
	uint16_t data = pci_conf_read16((unsigned int)devfn, data_reg), after_write;
	long rc;

	pci_conf_write16((unsigned int)devfn, data_reg, (uint16_t)(data ^ 0x0f));
	after_write = pci_conf_read16((unsigned int)devfn, data_reg);
	/* edu's MSI has no per-vector mask: Xen leaves its registers to dom0. */
	xtest_check(after_write == (uint16_t)(data ^ 0x0f), "MSI data %#x, after dom0's write %#x",
		    data, after_write);
	rc = physdev_op(PHYSDEVOP_restore_msi_ext, &x);
	xtest_check(rc == 0, "restore_msi_ext: %ld", rc);
	xtest_check(pci_conf_read16((unsigned int)devfn, data_reg) == data,
		    "MSI data after restore %#x", pci_conf_read16((unsigned int)devfn, data_reg));
}

static void check_msi_delivery(int devfn)
{
	unsigned int pos = pci_find_cap((unsigned int)devfn, PCI_CAP_ID_MSI);
	struct evtchn_bind_pirq b = { .flags = 0 };
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
	addr = pci_conf_read32((unsigned int)devfn, pos + 4);
	xtest_check((addr & 0xfff00000u) == 0xfee00000u, "MSI address %#x", addr);
	check_restore(devfn, pos);
	b.pirq = (uint32_t)pirq;
	rc = evtchn_op(EVTCHNOP_bind_pirq, &b);
	xtest_check(rc == 0, "bind_pirq %d: %ld", pirq, rc);
	if (rc == 0) {
		/* As Linux does: memory decoding and bus mastering, then MSI enable. */
		pci_conf_write16((unsigned int)devfn, 0x04,
				 (uint16_t)(pci_conf_read16((unsigned int)devfn, 0x04) | 0x6));
		ctrl = pci_conf_read16((unsigned int)devfn, pos + 2);
		pci_conf_write16((unsigned int)devfn, pos + 2, (uint16_t)(ctrl | 1));
		xtest_check(pci_conf_read16((unsigned int)devfn, pos + 2) & 1, "MSI enable bit");
		edu = map_bar0((unsigned int)devfn);
		if (edu) {
			xtest_check((edu[0] & 0xff) == 0xed && (edu[0] >> 24) == 1, "edu ID %#x",
				    edu[0]);
			raise_msis(edu, b.port, pirq);
			unmap_bar0();
		}
		ctrl = pci_conf_read16((unsigned int)devfn, pos + 2);
		pci_conf_write16((unsigned int)devfn, pos + 2, (uint16_t)(ctrl & ~1));
		xtest_check(evtchn_op(EVTCHNOP_close, &b.port) == 0, "close port %u", b.port);
	}
	xtest_check(physdev_unmap_pirq(DOMID_SELF, pirq) == 0, "unmap pirq %d", pirq);
	xtest_check(physdev_unmap_pirq(DOMID_SELF, pirq) == -EINVAL, "unmap pirq %d twice", pirq);
	/* Mapped again after the unmap, to a PIRQ of our choice: the device can be set up anew. */
	pirq = 100;
	rc = map_msi_pirq(MAP_PIRQ_TYPE_MSI, 0, devfn, &pirq);
	xtest_check(rc == 0 && pirq == 100, "map MSI (no segment) to pirq 100: %ld, pirq %d", rc,
		    pirq);
	if (rc == 0)
		xtest_check(physdev_unmap_pirq(DOMID_SELF, pirq) == 0, "unmap pirq %d", pirq);
}

static void check_errors(int edu)
{
	struct physdev_pci_device x = { .seg = 0, .bus = 0x77, .devfn = 0 };
	struct restore_msi r = { .bus = 0, .devfn = (uint8_t)edu };
	int pirq;
	long rc;

	rc = map_msi(MAP_PIRQ_TYPE_MSI_SEG, 0, edu, -1, 0, 0, &pirq);
	xtest_check(rc == -ENODEV, "edu before pci_device_add: %ld", rc);
	rc = physdev_op(PHYSDEVOP_restore_msi, &r);
	xtest_check(rc == -ENODEV, "restore_msi before pci_device_add: %ld", rc);
	xtest_check(physdev_pci_add(edu) == 0, "pci_device_add edu");
	xtest_check(physdev_pci_add(0) == 0, "pci_device_add 00:00.0");

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
		xtest_check(physdev_unmap_pirq(DOMID_SELF, pirq) == 0, "unmap pirq %d", pirq);
	xtest_check(physdev_unmap_pirq(DOMID_SELF, 250) == -EINVAL, "unmap of an unknown pirq");
	xtest_check(physdev_unmap_pirq(DOMID_SELF, -1) == -EINVAL, "unmap -1");
	rc = physdev_op(PHYSDEVOP_restore_msi_ext, &x);
	xtest_check(rc == -ENODEV, "restore_msi_ext bus 0x77: %ld", rc);
	rc = physdev_op(PHYSDEVOP_restore_msi, &r);
	xtest_check(rc == 0, "restore_msi of edu: %ld", rc);
}

void test_main(void)
{
	uint32_t iopl = 1;
	int edu;

	if (physdev_op(PHYSDEVOP_set_iopl, &iopl)) {
		xtest_fail("set_iopl");
		return;
	}
	edu = pci_find_device(EDU_VENDOR_DEVICE);
	if (edu < 0) {
		xtest_fail("no edu device on bus 0");
		return;
	}
	printk("edu at 00:%02x.%u\n", edu >> 3, edu & 7);
	check_errors(edu);
	check_msi_delivery(edu);
	xtest_check(physdev_pci_remove(0) == 0, "pci_device_remove 00:00.0");
	xtest_check(physdev_pci_remove(edu) == 0, "pci_device_remove edu");
}
