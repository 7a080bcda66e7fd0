/*
 * Physical IRQs for the control domain: every PHYSDEVOP a dom0 uses for its
 * device interrupts, with Xen 4.17's error values, and a real interrupt:
 * the CMOS RTC's periodic interrupt (ISA IRQ 8 = GSI 8 on QEMU's pc
 * machine) mapped to a PIRQ, bound to an event channel, and delivered as
 * that port's pending bit, several times (edge-triggered: re-armed by
 * reading RTC register C).
 */
#include "xtest.h"
#include "evtchn.h"
#include "physdev.h"

#define EPERM 1
#define ENODEV 19
#define ESRCH 3
#define EBUSY 16
#define EEXIST 17
#define EINVAL 22

#define RTC_GSI 8

struct setup_gsi {
	int gsi;
	uint8_t triggering, polarity;
};

struct irq_status_query {
	uint32_t irq, flags;
};

struct physdev_apic {
	unsigned long base;
	uint32_t reg, value;
};

struct physdev_irq {
	uint32_t irq, vector;
};

struct mmcfg {
	uint64_t address;
	uint16_t segment;
	uint8_t start_bus, end_bus;
	uint32_t flags;
};

static long map_gsi(uint16_t domid, int type, int gsi, int *pirq)
{
	struct physdev_map_pirq m = { .domid = domid, .type = type, .index = gsi, .pirq = *pirq };
	long rc = physdev_op(PHYSDEVOP_map_pirq, &m);

	*pirq = m.pirq;
	return rc;
}

static long eoi(uint32_t pirq)
{
	return physdev_op(PHYSDEVOP_eoi, &pirq);
}

static long bind(uint32_t pirq, uint32_t *port)
{
	struct evtchn_bind_pirq b = { .pirq = pirq, .flags = 0, .port = 0xdead };
	long rc = evtchn_op(EVTCHNOP_bind_pirq, &b);

	*port = b.port;
	return rc;
}

static long close_port(uint32_t port)
{
	return evtchn_op(EVTCHNOP_close, &port);
}

static void check_status_and_queries(void)
{
	struct irq_status_query q = { .irq = 100000, .flags = 0x55 };
	struct physdev_irq v = { .irq = 9, .vector = 0 };

	xtest_check(physdev_op(PHYSDEVOP_irq_status_query, &q) == -EINVAL, "status_query 100000");
	q.irq = 5;
	xtest_check(physdev_op(PHYSDEVOP_irq_status_query, &q) == 0, "status_query 5");
	xtest_check(q.flags == XENIRQSTAT_needs_eoi, "status flags %#x", q.flags);
	xtest_check(eoi(100000) == -EINVAL, "eoi 100000");
	xtest_check(eoi(200) == -EINVAL, "eoi of an unmapped pirq");
	xtest_check(physdev_op(PHYSDEVOP_alloc_irq_vector, &v) == 0 && v.vector == 9,
		    "alloc_irq_vector: vector %u", v.vector);
}

static void check_map_errors(void)
{
	int p = -1;
	long rc;

	xtest_check(map_gsi(0x7ff5, MAP_PIRQ_TYPE_GSI, RTC_GSI, &p) == -ESRCH, "other domain");
	xtest_check(map_gsi(DOMID_SELF, 99, RTC_GSI, &p) == -EINVAL, "bad type");
	xtest_check(map_gsi(DOMID_SELF, MAP_PIRQ_TYPE_GSI, -1, &p) == -EINVAL, "gsi -1");
	xtest_check(map_gsi(DOMID_SELF, MAP_PIRQ_TYPE_GSI, 100000, &p) == -EINVAL, "gsi 100000");
	rc = map_gsi(DOMID_SELF, MAP_PIRQ_TYPE_GSI, 0, &p);
	xtest_check(rc == -EPERM, "gsi 0: %ld", rc);
	xtest_check(physdev_unmap_pirq(DOMID_SELF, -1) == -EINVAL, "unmap -1");
	xtest_check(physdev_unmap_pirq(DOMID_SELF, 100000) == -EINVAL, "unmap 100000");
	xtest_check(physdev_unmap_pirq(DOMID_SELF, 201) == -EINVAL, "unmap of an unmapped pirq");
	xtest_check(physdev_unmap_pirq(0x7ff5, RTC_GSI) == -ESRCH, "unmap: other domain");
}

static void check_setup_gsi(void)
{
	struct setup_gsi s = { .gsi = -1 };

	xtest_check(physdev_op(PHYSDEVOP_setup_gsi, &s) == -EINVAL, "setup_gsi -1");
	s.gsi = 100000;
	xtest_check(physdev_op(PHYSDEVOP_setup_gsi, &s) == -EINVAL, "setup_gsi 100000");
	s.gsi = RTC_GSI; /* edge, active high: the ISA default */
	xtest_check(physdev_op(PHYSDEVOP_setup_gsi, &s) == 0, "setup_gsi 8");
	xtest_check(physdev_op(PHYSDEVOP_setup_gsi, &s) == -EEXIST, "setup_gsi 8 again");
}

static void check_pci_reports(void)
{
	struct physdev_pci_device_add a = { .seg = 0, .bus = 0, .devfn = 8, .flags = 0 };
	struct physdev_pci_device r = { .seg = 0, .bus = 0, .devfn = 8 };
	struct mmcfg c = {
		.address = 0xb0000000, .segment = 0x1234, .start_bus = 0, .end_bus = 255, .flags = 1
	};
	long rc;

	xtest_check(physdev_op(PHYSDEVOP_pci_device_add, &a) == 0, "pci_device_add");
	xtest_check(physdev_op(PHYSDEVOP_pci_device_add, &a) == 0, "pci_device_add again");
	rc = physdev_op(PHYSDEVOP_pci_device_remove, &r);
	xtest_check(rc == 0, "pci_device_remove = %ld", rc);
	r.devfn = 0xf9;
	rc = physdev_op(PHYSDEVOP_pci_device_remove, &r);
	xtest_check(rc == -ENODEV, "remove of an unknown device = %ld", rc);
	/* Segment 0x1234 is in no MCFG table (pc has none, q35 one for segment 0). */
	rc = physdev_op(PHYSDEVOP_pci_mmcfg_reserved, &c);
	xtest_check(rc == -ENODEV, "pci_mmcfg_reserved = %ld", rc);
	c.flags = 0x80;
	rc = physdev_op(PHYSDEVOP_pci_mmcfg_reserved, &c);
	xtest_check(rc == -EINVAL, "pci_mmcfg_reserved bad flags = %ld", rc);
}

static void cmos_write(uint8_t reg, uint8_t v)
{
	__asm__ volatile("outb %0, $0x70" : : "a"(reg));
	__asm__ volatile("outb %0, $0x71" : : "a"(v));
}

static uint8_t cmos_read(uint8_t reg)
{
	uint8_t v;

	__asm__ volatile("outb %0, $0x70" : : "a"(reg));
	__asm__ volatile("inb $0x71, %0" : "=a"(v));
	return v;
}

/* Spin until @port is pending; false after about @loops polls. */
/* Three RTC periodic interrupts (1024 Hz) arrive as events on @port. */
static void rtc_interrupts(uint32_t port)
{
	uint32_t iopl = 1;
	uint8_t b;
	int got = 0, flagged = 0;

	if (physdev_op(PHYSDEVOP_set_iopl, &iopl)) {
		xtest_fail("set_iopl");
		return;
	}
	cmos_write(0x0a, 0x26); /* 32.768 kHz base, 1024 Hz rate */
	b = cmos_read(0x0b);
	(void)cmos_read(0x0c); /* drop any old flag: the line goes low */
	evtchn_test_and_clear(port);
	cmos_write(0x0b, (uint8_t)(b | 0x40)); /* periodic interrupt enable */
	for (int i = 0; i < 3; i++) {
		if (!evtchn_spin_pending(port, 50000000UL))
			break;
		got++;
		evtchn_test_and_clear(port);
		/*
		 * Not every read sees the flag: a read may already have taken the
		 * flag of the period whose event comes after the EOI.
		 */
		flagged += !!(cmos_read(0x0c) & 0x40);
		xtest_check(eoi(RTC_GSI) == 0, "eoi");
	}
	cmos_write(0x0b, (uint8_t)(b & ~0x40));
	(void)cmos_read(0x0c);
	xtest_check(got == 3, "only %d of 3 RTC interrupts arrived as events", got);
	xtest_check(flagged > 0, "register C never had the periodic flag");
	printk("RTC: %d periodic interrupts delivered on port %u\n", got, port);
}

static void check_bind_and_deliver(void)
{
	struct evtchn_status st = { .dom = DOMID_SELF };
	uint32_t port, port2;
	int p = RTC_GSI;
	long rc;

	xtest_check(bind(100000, &port) == -EINVAL, "bind 100000");
	xtest_check(bind(200, &port) == -EPERM, "bind of an unmapped pirq");
	rc = map_gsi(DOMID_SELF, MAP_PIRQ_TYPE_GSI, RTC_GSI, &p);
	xtest_check(rc == 0 && p == RTC_GSI, "map gsi 8 -> pirq 8: %ld, pirq %d", rc, p);
	rc = map_gsi(DOMID_SELF, MAP_PIRQ_TYPE_GSI, RTC_GSI, &p);
	xtest_check(rc == 0 && p == RTC_GSI, "map again: %ld, pirq %d", rc, p);
	p = 9;
	xtest_check(map_gsi(DOMID_SELF, MAP_PIRQ_TYPE_GSI, RTC_GSI, &p) == -EEXIST,
		    "map gsi 8 -> another pirq");
	rc = bind(RTC_GSI, &port);
	xtest_check(rc == 0, "bind_pirq 8 = %ld", rc);
	if (rc)
		return;
	xtest_check(bind(RTC_GSI, &port2) == -EEXIST, "bind twice");
	st.port = port;
	xtest_check(evtchn_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_pirq &&
			st.u.pirq == RTC_GSI,
		    "status %u pirq %u", st.status, st.u.pirq);
	xtest_check(evtchn_op(EVTCHNOP_send, &port) == -EINVAL, "send on a pirq port");
	rtc_interrupts(port);
	xtest_check(close_port(port) == 0, "close the pirq port");
	st.port = port;
	xtest_check(evtchn_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_closed,
		    "status after close %u", st.status);
	xtest_check(eoi(RTC_GSI) == 0, "eoi of a mapped, unbound pirq");
	/* Still mapped: bound again, it delivers again. */
	rc = bind(RTC_GSI, &port);
	xtest_check(rc == 0, "bind again = %ld", rc);
	if (rc)
		return;
	rtc_interrupts(port);
	/* Unmapping a bound PIRQ unbinds it by force; the port stays until closed. */
	xtest_check(physdev_unmap_pirq(DOMID_SELF, RTC_GSI) == 0, "unmap 8");
	xtest_check(physdev_unmap_pirq(DOMID_SELF, RTC_GSI) == -EINVAL, "unmap 8 twice");
	st.port = port;
	xtest_check(evtchn_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_pirq,
		    "status after unmap %u", st.status);
	xtest_check(close_port(port) == 0, "close");
}

/* A PIRQ mapping asked without a number gets a free one above the ISA range. */
static void check_free_pirq(void)
{
	int p = -1;
	long rc = map_gsi(DOMID_SELF, MAP_PIRQ_TYPE_GSI, 20, &p);

	xtest_check(rc == 0 && p >= 16, "map gsi 20 with pirq -1: %ld, pirq %d", rc, p);
	if (rc == 0) {
		int again = -1;

		rc = map_gsi(DOMID_SELF, MAP_PIRQ_TYPE_GSI, 20, &again);
		xtest_check(rc == 0 && again == p, "the same GSI again: %ld, pirq %d", rc, again);
		xtest_check(physdev_unmap_pirq(DOMID_SELF, p) == 0, "unmap pirq %d", p);
	}
}

static unsigned char eoi_page[4096] __attribute__((aligned(4096)));

static void check_eoi_map(void)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;
	unsigned long pfn = ((unsigned long)eoi_page - 0xffffffff80000000UL) >> 12;
	uint64_t gmfn = ~0ULL >> 12;

	xtest_check(physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v2, &gmfn) == -EINVAL,
		    "eoi_gmfn: bad frame");
	gmfn = p2m[pfn];
	xtest_check(physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v2, &gmfn) == 0, "eoi_gmfn_v2");
	xtest_check(physdev_op(PHYSDEVOP_pirq_eoi_gmfn_v2, &gmfn) == -EBUSY, "eoi_gmfn_v2 again");
}

static void check_apic_read(void)
{
	struct physdev_apic a = { .base = 0xfec00000, .reg = 1 };

	xtest_check(physdev_op(PHYSDEVOP_apic_read, &a) == 0, "apic_read version");
	xtest_check((a.value & 0xff) >= 0x11 && ((a.value >> 16) & 0xff) >= 23,
		    "IO-APIC version register %#x", a.value);
	a.base = 0xfec10000;
	xtest_check(physdev_op(PHYSDEVOP_apic_read, &a) == -EINVAL, "apic_read: no IO-APIC there");
}

/*
 * A level-triggered line: the ACPI SCI (GSI 9, level, active high) raised
 * by the PM timer's overflow status (bit 23 of the 3.58 MHz counter
 * toggles every 2.3 s). Delivered once, the pin stays masked and the PIRQ's
 * bit is set in the EOI map; an EOI with the status still set delivers it
 * again at once (the line is still high); with the line lowered (timer
 * interrupt disabled, status cleared), an EOI brings nothing more.
 */
#define SCI_GSI 9
#define PM1_STS 0x600 /* QEMU pc machine (PIIX4 PM at 0x600 as SeaBIOS sets it) */
#define PM1_EN 0x602
#define PM_TMR 0x608
#define TMR_STS 1

static bool eoi_map_bit(unsigned int pirq)
{
	return (((volatile unsigned long *)eoi_page)[pirq / 64] >> (pirq % 64)) & 1;
}

static void sci_level_interrupt(void)
{
	struct setup_gsi s = { .gsi = SCI_GSI, .triggering = 1, .polarity = 0 };
	uint32_t port, t0;
	int p = SCI_GSI;
	long rc;

	t0 = inl(PM_TMR);
	for (int i = 0; i < 100000 && inl(PM_TMR) == t0; i++)
		__asm__ volatile("pause");
	if (inl(PM_TMR) == t0) {
		xtest_skip("no ACPI PM timer at %#x", PM_TMR);
		return;
	}
	xtest_check(physdev_op(PHYSDEVOP_setup_gsi, &s) == 0, "setup_gsi 9 level");
	rc = map_gsi(DOMID_SELF, MAP_PIRQ_TYPE_GSI, SCI_GSI, &p);
	xtest_check(rc == 0 && p == SCI_GSI, "map gsi 9: %ld pirq %d", rc, p);
	outw(PM1_EN, 0);
	outw(PM1_STS, TMR_STS); /* write-one-to-clear */
	rc = bind(SCI_GSI, &port);
	xtest_check(rc == 0, "bind_pirq 9 = %ld", rc);
	if (rc)
		return;
	evtchn_test_and_clear(port);
	outw(PM1_EN, TMR_STS);
	if (!evtchn_spin_pending(port, 400000000UL)) {
		xtest_fail("no SCI from the PM timer");
		goto out;
	}
	xtest_check(inw(PM1_STS) & TMR_STS, "timer status not set");
	xtest_check(eoi_map_bit(SCI_GSI), "EOI map bit not set for a delivered level PIRQ");
	evtchn_test_and_clear(port);
	/* Masked until the EOI: the line is high but nothing comes. */
	xtest_check(!evtchn_spin_pending(port, 2000000UL),
		    "level PIRQ delivered again before its EOI");
	xtest_check(eoi(SCI_GSI) == 0, "eoi 9");
	xtest_check(evtchn_spin_pending(port, 2000000UL),
		    "line still high: no event after the EOI");
	xtest_check(eoi_map_bit(SCI_GSI), "EOI map bit not set for the second delivery");
	evtchn_test_and_clear(port);
	/* Lower the line for good: the timer's status would rise again within
	 * 2.3 s, which a slow host can reach during the wait below. */
	outw(PM1_EN, 0);
	outw(PM1_STS, TMR_STS);
	xtest_check(eoi(SCI_GSI) == 0, "eoi 9 again");
	xtest_check(!eoi_map_bit(SCI_GSI), "EOI map bit still set after the EOI");
	xtest_check(!evtchn_spin_pending(port, 2000000UL), "event after the line went low");
	printk("SCI: level-triggered PIRQ masked until EOI, redelivered while high\n");
out:
	outw(PM1_EN, 0);
	outw(PM1_STS, TMR_STS);
	eoi(SCI_GSI);
	close_port(port);
	physdev_unmap_pirq(DOMID_SELF, SCI_GSI);
}

void test_main(void)
{
	check_status_and_queries();
	check_map_errors();
	check_setup_gsi();
	check_pci_reports();
	check_apic_read();
	check_eoi_map();
	check_bind_and_deliver();
	check_free_pirq();
	sci_level_interrupt();
}
