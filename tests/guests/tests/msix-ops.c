/*
 * MSI-X for the control domain, with QEMU's virtio-rng-pci (legacy
 * interface on I/O BAR 0, MSI-X table in a memory BAR): table entries
 * mapped to PIRQs as Linux's dom0 maps them (MAP_PIRQ_TYPE_MSI_SEG with
 * the table's BAR as table_base and the entry number), the message the
 * hypervisor wrote read back from the table through a mapping that dom0
 * asked for writable and got read-only (a store through it changes
 * nothing), and a real interrupt: the device fills one buffer of its
 * virtqueue with random bytes and signals the queue's MSI-X vector, which
 * must arrive as the bound port's pending bit; then, with an EOI map
 * registered, four more uses, each signalled with no PHYSDEVOP_eoi in
 * between and the PIRQ's EOI-map bit clear throughout. Also the errors:
 * an entry beyond the table, a function not reported with pci_device_add,
 * a table out of reach (memory decoding off), and prepare/release_msix.
 */
#include "xtest.h"
#include "evtchn.h"
#include "physdev.h"
#include "hypercall.h"

TEST_DEVICE("virtio-rng-pci");

#define ENXIO 6
#define EBUSY 16
#define ENODEV 19
#define EINVAL 22

#define VIRTIO_RNG_ID 0x10051af4u
#define MSIX_ENABLE 0x8000
#define MSIX_MASKALL 0x4000

/* Legacy virtio-pci registers (I/O BAR 0; the vectors exist while MSI-X is on). */
#define VP_GUEST_FEATURES 0x04
#define VP_QUEUE_PFN 0x08
#define VP_QUEUE_NUM 0x0c
#define VP_QUEUE_SEL 0x0e
#define VP_QUEUE_NOTIFY 0x10
#define VP_STATUS 0x12
#define VP_CONFIG_VECTOR 0x14
#define VP_QUEUE_VECTOR 0x16
#define VIRTIO_NO_VECTOR 0xffff
#define RNG_FILLS 4 /* uses of the queue signalled one after another */

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static long map_entry(int devfn, int entry, uint64_t table_base, int *pirq)
{
	struct physdev_map_pirq m = { .domid = DOMID_SELF,
				      .type = MAP_PIRQ_TYPE_MSI_SEG,
				      .index = -1,
				      .pirq = -1,
				      .bus = 0,
				      .devfn = devfn,
				      .entry_nr = entry,
				      .table_base = table_base };
	long rc = physdev_op(PHYSDEVOP_map_pirq, &m);

	*pirq = m.pirq;
	return rc;
}

/* ---- Our pages: the table's mapping, the virtqueue (two pages), a buffer. */

static unsigned char table_page[4096] __attribute__((aligned(4096)));
static unsigned char vring[8192] __attribute__((aligned(4096)));
static unsigned char buffer[4096] __attribute__((aligned(4096)));

static unsigned long mfn_of(const void *p)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;

	return p2m[((unsigned long)p - 0xffffffff80000000UL) >> 12];
}

static volatile uint32_t *map_table(uint64_t table_pa)
{
	long rc = hypercall_update_va_mapping(
	    (unsigned long)table_page, (table_pa & ~0xfffULL) | PTE_P | PTE_RW | 0x10, UVMF_INVLPG);

	if (rc) {
		xtest_fail("mapping the MSI-X table at %#lx: %ld", (unsigned long)table_pa, rc);
		return NULL;
	}
	return (volatile uint32_t *)(table_page + (table_pa & 0xfff));
}

static void unmap_table(void)
{
	hypercall_update_va_mapping((unsigned long)table_page,
				    (mfn_of(table_page) << 12) | PTE_P | PTE_RW, UVMF_INVLPG);
}

/* The message of entry 0, then a store to its data word, which must not land. */
static void check_table(volatile uint32_t *t)
{
	uint32_t addr = t[0], data = t[2];

	printk("entry 0: address %#x data %#x control %#x\n", addr, data, t[3]);
	xtest_check((addr & 0xfff00000u) == 0xfee00000u, "entry 0 address %#x", addr);
	xtest_check((data & 0xff) >= 0x20, "entry 0 vector %#x", data & 0xff);
	t[2] = 0x4321;
	xtest_check(t[2] == data, "entry 0 data written by dom0: %#x", t[2]);
}

/* The device's queue 0 gets one 64-byte buffer; true once it has used it. */
static bool rng_fill(uint16_t io, uint32_t port)
{
	struct vring_desc *desc = (struct vring_desc *)vring;
	volatile uint16_t *avail, *used;
	unsigned int n;

	outw((uint16_t)(io + VP_QUEUE_SEL), 0);
	n = inw((uint16_t)(io + VP_QUEUE_NUM));
	if (n == 0 || n > 128 || 16 * n + 6 + 2 * n > 4096) {
		xtest_fail("queue 0 size %u", n);
		return false;
	}
	outw((uint16_t)(io + VP_QUEUE_VECTOR), 0);
	if (inw((uint16_t)(io + VP_QUEUE_VECTOR)) != 0) {
		xtest_fail("queue vector not taken");
		return false;
	}
	memset(vring, 0, sizeof(vring));
	avail = (volatile uint16_t *)(vring + 16 * n);
	used = (volatile uint16_t *)(vring + 4096);
	desc[0] = (struct vring_desc){ .addr = mfn_of(buffer) << 12, .len = 64, .flags = 2 };
	outl((uint16_t)(io + VP_QUEUE_PFN), (uint32_t)mfn_of(vring));
	outb((uint16_t)(io + VP_STATUS), 1 | 2 | 4); /* acknowledge, driver, driver ok */
	avail[2] = 0;				     /* ring[0]: descriptor 0 */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	avail[1] = 1; /* idx */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	outw((uint16_t)(io + VP_QUEUE_NOTIFY), 0);
	if (!evtchn_spin_pending(port, 100000000UL)) {
		xtest_fail("no MSI-X event (used idx %u)", used[1]);
		return false;
	}
	xtest_check(used[1] == 1 && ((volatile uint32_t *)used)[2] > 0, "used idx %u, length %u",
		    used[1], ((volatile uint32_t *)used)[2]);
	return true;
}

static unsigned char eoi_page[4096] __attribute__((aligned(4096)));

/* The EOI map Linux's dom0 registers (PHYSDEVOP_pirq_eoi_gmfn_v2). */
static bool register_eoi_map(void)
{
	uint64_t gmfn = mfn_of(eoi_page);
	long rc = physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v2, &gmfn);

	xtest_check(rc == 0, "pirq_eoi_gmfn_v2: %ld", rc);
	return rc == 0;
}

static bool eoi_map_bit(int pirq)
{
	return (((volatile unsigned long *)eoi_page)[pirq / 64] >> (pirq % 64)) & 1;
}

/*
 * As a dom0 NIC's queue is used: the device signals the vector again and
 * again, and the guest never says PHYSDEVOP_eoi, since the PIRQ's bit in
 * the EOI map stays clear (an MSI-X vector can be masked at the device, so
 * Xen needs no EOI for it). Each use must arrive as an event.
 */
static void fill_again(uint16_t io, uint32_t port, int pirq)
{
	int got = 0;

	for (int i = 0; i < RNG_FILLS; i++) {
		xtest_check(!eoi_map_bit(pirq), "EOI map bit set for MSI-X pirq %d", pirq);
		evtchn_test_and_clear(port);
		outb((uint16_t)(io + VP_STATUS), 0); /* reset: the queue is set up anew */
		outl((uint16_t)(io + VP_GUEST_FEATURES), 0);
		if (!rng_fill(io, port))
			break;
		got++;
	}
	xtest_check(got == RNG_FILLS, "only %d of %d uses signalled without an EOI", got,
		    RNG_FILLS);
	xtest_check(!eoi_map_bit(pirq), "EOI map bit set for MSI-X pirq %d", pirq);
	printk("virtio-rng: %d more uses signalled, no EOI asked for\n", got);
}

static void check_delivery(int devfn, unsigned int cap, int pirq)
{
	struct evtchn_bind_pirq b = { .pirq = (uint32_t)pirq };
	uint16_t io = (uint16_t)(pci_conf_read32((unsigned int)devfn, 0x10) & ~3u);
	uint16_t ctrl;
	long rc;

	if (mfn_of(vring + 4096) != mfn_of(vring) + 1) {
		xtest_fail("the virtqueue's two pages are not contiguous in machine memory");
		return;
	}
	rc = evtchn_op(EVTCHNOP_bind_pirq, &b);
	xtest_check(rc == 0, "bind_pirq %d: %ld", pirq, rc);
	if (rc)
		return;
	outb((uint16_t)(io + VP_STATUS), 0); /* reset */
	outl((uint16_t)(io + VP_GUEST_FEATURES), 0);
	ctrl = pci_conf_read16((unsigned int)devfn, cap + 2);
	pci_conf_write16((unsigned int)devfn, cap + 2,
			 (uint16_t)((ctrl | MSIX_ENABLE) & ~MSIX_MASKALL));
	outw((uint16_t)(io + VP_CONFIG_VECTOR), VIRTIO_NO_VECTOR);
	if (rng_fill(io, b.port)) {
		printk("virtio-rng: used buffer signalled by MSI-X on port %u (pirq %d)\n", b.port,
		       pirq);
		if (register_eoi_map())
			fill_again(io, b.port, pirq);
	}
	outb((uint16_t)(io + VP_STATUS), 0);
	ctrl = pci_conf_read16((unsigned int)devfn, cap + 2);
	pci_conf_write16((unsigned int)devfn, cap + 2, (uint16_t)(ctrl & ~MSIX_ENABLE));
	xtest_check(evtchn_op(EVTCHNOP_close, &b.port) == 0, "close port %u", b.port);
}

/*
 * The table is reachable only while the function decodes memory
 * (-ENXIO otherwise); prepare_msix counts as a user of the table, and
 * release_msix undoes only that.
 */
static void check_prepare_and_decoding(int devfn, uint64_t bar)
{
	struct physdev_pci_device x = { .devfn = (uint8_t)devfn };
	uint16_t cmd = pci_conf_read16((unsigned int)devfn, 0x04);
	int px;
	long rc;

	pci_conf_write16((unsigned int)devfn, 0x04, (uint16_t)(cmd & ~2));
	rc = map_entry(devfn, 0, bar, &px);
	xtest_check(rc == -ENXIO, "memory decoding off: %ld", rc);
	pci_conf_write16((unsigned int)devfn, 0x04, cmd);
	xtest_check(physdev_op(PHYSDEVOP_prepare_msix, &x) == 0, "prepare_msix");
	xtest_check(physdev_op(PHYSDEVOP_prepare_msix, &x) == -EBUSY, "prepare_msix twice");
	xtest_check(physdev_op(PHYSDEVOP_release_msix, &x) == 0, "release_msix");
	xtest_check(physdev_op(PHYSDEVOP_release_msix, &x) == -EBUSY, "release_msix twice");
	x.devfn = 0xf8;
	xtest_check(physdev_op(PHYSDEVOP_prepare_msix, &x) == -ENODEV, "prepare_msix: no device");
}

static void check_msix(int devfn)
{
	unsigned int cap = pci_find_cap((unsigned int)devfn, PCI_CAP_ID_MSIX), nr, bir;
	struct physdev_pci_device_add a = { .devfn = (uint8_t)devfn };
	struct physdev_pci_device r = { .devfn = (uint8_t)devfn };
	uint64_t bar, table_pa;
	volatile uint32_t *t;
	uint32_t tbl;
	int pirq, p1, px;
	long rc;

	if (!cap) {
		xtest_fail("virtio-rng-pci has no MSI-X capability");
		return;
	}
	nr = (pci_conf_read16((unsigned int)devfn, cap + 2) & 0x7ff) + 1;
	tbl = pci_conf_read32((unsigned int)devfn, cap + 4);
	bir = tbl & 7;
	bar = pci_conf_read32((unsigned int)devfn, 0x10 + 4 * bir) & ~0xfULL;
	table_pa = bar + (tbl & ~7u);
	printk("MSI-X: %u entries, table in BAR %u at %#lx\n", nr, bir, (unsigned long)table_pa);
	pci_conf_write16((unsigned int)devfn, 0x04,
			 (uint16_t)(pci_conf_read16((unsigned int)devfn, 0x04) | 0x7));

	rc = map_entry(devfn, 0, bar, &pirq);
	xtest_check(rc == -ENODEV, "before pci_device_add: %ld", rc);
	xtest_check(physdev_op(PHYSDEVOP_pci_device_add, &a) == 0, "pci_device_add");
	rc = map_entry(devfn, (int)nr, bar, &px);
	xtest_check(rc == -EINVAL, "entry %u of %u: %ld", nr, nr, rc);
	check_prepare_and_decoding(devfn, bar);
	rc = map_entry(devfn, 0, bar, &pirq);
	xtest_check(rc == 0 && pirq >= 16, "map entry 0: %ld, pirq %d", rc, pirq);
	if (rc)
		return;
	rc = map_entry(devfn, 1, bar, &p1);
	xtest_check(rc == 0 && p1 >= 16 && p1 != pirq, "map entry 1: %ld, pirq %d", rc, p1);
	t = map_table(table_pa);
	if (t) {
		check_table(t);
		unmap_table();
	}
	check_delivery(devfn, cap, pirq);
	xtest_check(physdev_unmap_pirq(DOMID_SELF, pirq) == 0, "unmap pirq %d", pirq);
	if (p1 >= 0)
		xtest_check(physdev_unmap_pirq(DOMID_SELF, p1) == 0, "unmap pirq %d", p1);
	xtest_check(physdev_unmap_pirq(DOMID_SELF, pirq) == -EINVAL, "unmap pirq %d twice", pirq);
	xtest_check(physdev_op(PHYSDEVOP_pci_device_remove, &r) == 0, "pci_device_remove");
}

void test_main(void)
{
	uint32_t iopl = 1;
	int devfn = -1;

	if (physdev_op(PHYSDEVOP_set_iopl, &iopl)) {
		xtest_fail("set_iopl");
		return;
	}
	for (unsigned int d = 0; d < 256 && devfn < 0; d++)
		if (pci_conf_read32(d, 0) == VIRTIO_RNG_ID)
			devfn = (int)d;
	if (devfn < 0) {
		xtest_fail("no virtio-rng-pci on bus 0");
		return;
	}
	printk("virtio-rng at 00:%02x.%u\n", devfn >> 3, devfn & 7);
	check_msix(devfn);
}
