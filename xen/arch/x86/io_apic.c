/*
 * IO-APIC driver (see io_apic.h). The legacy 8259 PICs stay masked (apic.c)
 * and every IO-APIC pin starts masked; only pins that dom0 binds are ever
 * unmasked, so Petrel's own devices (LAPIC timer, the PIT used for
 * calibration, the polled COM1) never reach a guest.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "console.h"
#include "page.h"
#include "acpi.h"
#include "apic.h"
#include "io_apic.h"
#include "mm.h"
#include "msi.h"

/* Indirect register window. */
#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REG_RTE 0x10 /* pin n: low dword at 0x10 + 2n, high at + 1 */

/* Redirection entry, low dword. */
#define RTE_DELIVERY_FIXED (0u << 8)
#define RTE_DEST_PHYSICAL (0u << 11)
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_LEVEL (1u << 15)
#define RTE_MASKED (1u << 16)

#define COM1_ISA_IRQ 4
#define PIT_ISA_IRQ 0

struct ioapic {
	volatile u32 *regs;
	u64 physbase;
	u32 gsi_base;
	unsigned int nr_pins;
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned int nr_ioapics;
static unsigned int nr_gsis;
static struct acpi_madt madt;
#define MAX_MCFG 8
static struct acpi_mcfg_entry mcfg[MAX_MCFG];
static unsigned int nr_mcfg;

static const void *map_phys(u64 pa, size_t len)
{
	if (pa + len < pa || pa + len > DIRECTMAP_SIZE)
		return NULL;
	return maddr_to_virt(pa);
}

static u32 reg_read(const struct ioapic *io, unsigned int reg)
{
	io->regs[IOREGSEL / 4] = reg;
	return io->regs[IOWIN / 4];
}

static void reg_write(const struct ioapic *io, unsigned int reg, u32 v)
{
	io->regs[IOREGSEL / 4] = reg;
	io->regs[IOWIN / 4] = v;
}

/* The IO-APIC serving @gsi and its pin, or NULL. */
static struct ioapic *gsi_to_pin(unsigned int gsi, unsigned int *pin)
{
	for (unsigned int i = 0; i < nr_ioapics; i++) {
		struct ioapic *io = &ioapics[i];

		if (gsi >= io->gsi_base && gsi - io->gsi_base < io->nr_pins) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

static void add_ioapic(const struct acpi_ioapic *a)
{
	struct ioapic *io = &ioapics[nr_ioapics];
	u32 ver;

	io->physbase = a->addr;
	io->regs = (volatile u32 *)map_phys(a->addr, 0x20);
	if (!io->regs) {
		printk(XENLOG_WARNING "IOAPIC: cannot map %#x\n", a->addr);
		return;
	}
	io->gsi_base = a->gsi_base;
	ver = reg_read(io, IOAPIC_REG_VER);
	io->nr_pins = ((ver >> 16) & 0xff) + 1;
	if (io->gsi_base >= IOAPIC_MAX_GSIS) {
		printk(XENLOG_WARNING "IOAPIC: GSI base %u is beyond the %u GSIs served\n",
		       io->gsi_base, IOAPIC_MAX_GSIS);
		return;
	}
	if (io->gsi_base + io->nr_pins > IOAPIC_MAX_GSIS)
		io->nr_pins = IOAPIC_MAX_GSIS - io->gsi_base;
	for (unsigned int pin = 0; pin < io->nr_pins; pin++) {
		reg_write(io, IOAPIC_REG_RTE + 2 * pin, RTE_MASKED);
		reg_write(io, IOAPIC_REG_RTE + 2 * pin + 1, 0);
	}
	iomem_deny(a->addr >> PAGE_SHIFT, a->addr >> PAGE_SHIFT); /* ours, not dom0's */
	printk(XENLOG_INFO "IOAPIC[%u]: apic_id %u, version %u, address %#x, GSI %u-%u\n",
	       nr_ioapics, a->id, ver & 0xff, a->addr, io->gsi_base,
	       io->gsi_base + io->nr_pins - 1);
	if (io->gsi_base + io->nr_pins > nr_gsis)
		nr_gsis = io->gsi_base + io->nr_pins;
	nr_ioapics++;
}

/* The MCFG is read here too: the firmware tables are walked once at boot. */
static void mcfg_init(u64 rsdp)
{
	int n = acpi_parse_mcfg(rsdp, map_phys, mcfg, MAX_MCFG);

	nr_mcfg = n > 0 ? (unsigned int)n : 0;
	if (n > MAX_MCFG)
		printk(XENLOG_WARNING "ACPI: %d MCFG entries, using the first %u\n", n, MAX_MCFG);
	nr_mcfg = nr_mcfg > MAX_MCFG ? MAX_MCFG : nr_mcfg;
}

const struct acpi_mcfg_entry *io_apic_mcfg_find(u16 segment, u8 start_bus, u8 end_bus)
{
	for (unsigned int i = 0; i < nr_mcfg; i++)
		if (mcfg[i].segment == segment && mcfg[i].start_bus == start_bus &&
		    mcfg[i].end_bus == end_bus)
			return &mcfg[i];
	return NULL;
}

void io_apic_init(u64 rsdp)
{
	if (!rsdp)
		rsdp = acpi_find_rsdp_bios(map_phys);
	if (rsdp)
		mcfg_init(rsdp);
	if (!rsdp || acpi_parse_madt(rsdp, map_phys, &madt) != 0) {
		printk(XENLOG_WARNING "IOAPIC: no usable MADT; no device interrupts for dom0\n");
		return;
	}
	for (unsigned int i = 0; i < madt.nr_ioapics; i++)
		add_ioapic(&madt.ioapic[i]);
	for (unsigned int irq = 0; irq < ACPI_NR_ISA_IRQS; irq++)
		if (madt.isa[irq].present)
			printk(XENLOG_INFO "ACPI: ISA IRQ %u -> GSI %u flags %#x\n", irq,
			       madt.isa[irq].gsi, madt.isa[irq].flags);
}

unsigned int io_apic_nr_gsis(void)
{
	return nr_gsis;
}

/* The GSI that ISA IRQ @irq is wired to. */
static unsigned int isa_gsi(unsigned int irq)
{
	return madt.isa[irq].present ? madt.isa[irq].gsi : irq;
}

bool io_apic_gsi_reserved(unsigned int gsi)
{
	return gsi == isa_gsi(PIT_ISA_IRQ) || gsi == isa_gsi(COM1_ISA_IRQ);
}

void io_apic_default_mode(unsigned int gsi, bool *level, bool *active_low)
{
	*level = gsi >= ACPI_NR_ISA_IRQS;
	*active_low = gsi >= ACPI_NR_ISA_IRQS;
	for (unsigned int irq = 0; irq < ACPI_NR_ISA_IRQS; irq++) {
		u16 fl = madt.isa[irq].flags;

		if (!madt.isa[irq].present || madt.isa[irq].gsi != gsi)
			continue;
		*level = false;
		*active_low = false;
		if ((fl & ACPI_INTI_TRIGGER_MASK) == ACPI_INTI_TRIGGER_LEVEL)
			*level = true;
		if ((fl & ACPI_INTI_POLARITY_MASK) == ACPI_INTI_POLARITY_LOW)
			*active_low = true;
		return;
	}
}

int io_apic_program(unsigned int gsi, bool level, bool active_low)
{
	unsigned int pin;
	struct ioapic *io = gsi_to_pin(gsi, &pin);
	u32 lo = RTE_DELIVERY_FIXED | RTE_DEST_PHYSICAL | RTE_MASKED;

	if (!io)
		return -EINVAL;
	lo |= IOAPIC_FIRST_VECTOR + gsi;
	if (level)
		lo |= RTE_LEVEL;
	if (active_low)
		lo |= RTE_ACTIVE_LOW;
	reg_write(io, IOAPIC_REG_RTE + 2 * pin + 1, apic_id() << 24);
	reg_write(io, IOAPIC_REG_RTE + 2 * pin, lo);
	return 0;
}

static void set_mask(unsigned int gsi, bool masked)
{
	unsigned int pin;
	struct ioapic *io = gsi_to_pin(gsi, &pin);
	u32 lo;

	if (!io)
		return;
	lo = reg_read(io, IOAPIC_REG_RTE + 2 * pin);
	lo = masked ? lo | RTE_MASKED : lo & ~RTE_MASKED;
	reg_write(io, IOAPIC_REG_RTE + 2 * pin, lo);
}

void io_apic_mask(unsigned int gsi)
{
	set_mask(gsi, true);
}

void io_apic_unmask(unsigned int gsi)
{
	set_mask(gsi, false);
}

bool io_apic_masked(unsigned int gsi)
{
	unsigned int pin;
	struct ioapic *io = gsi_to_pin(gsi, &pin);

	return !io || (reg_read(io, IOAPIC_REG_RTE + 2 * pin) & RTE_MASKED);
}

int io_apic_read_reg(u64 physbase, unsigned int reg, u32 *val)
{
	for (unsigned int i = 0; i < nr_ioapics; i++) {
		if (ioapics[i].physbase == physbase) {
			*val = reg_read(&ioapics[i], reg);
			return 0;
		}
	}
	return -EINVAL;
}

void io_apic_interrupt(unsigned int vector)
{
	unsigned int gsi = vector - IOAPIC_FIRST_VECTOR;

	if (msi_vector(vector)) {
		msi_interrupt(vector);
		return;
	}
	if (gsi >= nr_gsis) {
		printk(XENLOG_WARNING "IOAPIC: interrupt on unused vector %#x\n", vector);
		apic_eoi();
		return;
	}
	pirq_hw_interrupt(gsi);
}
