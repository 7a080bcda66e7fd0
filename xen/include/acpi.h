/*
 * Just enough ACPI to power the machine off: find the RSDP, follow it to the
 * FADT for the PM1 control blocks, and read the \_S5_ sleep type values from
 * the DSDT. Tables are read through a caller-supplied mapping function so the
 * same code runs on the direct map at boot and on buffers in the unit tests.
 */
#ifndef PETREL_ACPI_H
#define PETREL_ACPI_H

#include "types.h"

/* Largest table length believed; anything longer is treated as corrupt. */
#define ACPI_MAX_TABLE_LEN (4UL << 20)

struct acpi_poweroff {
	u16 pm1a_cnt, pm1b_cnt; /* I/O ports; pm1b_cnt 0 if absent */
	u8 slp_typa, slp_typb;	/* \_S5_ values, written to SLP_TYP (bits 10-12) */
};

/*
 * @map(pa, len) returns a pointer to @len readable bytes at machine address
 * @pa, or NULL if that range cannot be mapped. Every pointer it returns must
 * stay valid for the rest of the call (e.g. a direct map of memory).
 */
typedef const void *(*acpi_map_fn)(u64 pa, size_t len);

/*
 * Walk RSDP (checksums checked; v1 and v2) -> XSDT or RSDT -> FADT -> DSDT.
 * Returns 0 and fills @out, -ENOENT if a table or \_S5_ is missing, or
 * -EINVAL if a table is corrupt (bad checksum, length or layout). Reasons
 * are logged with printk.
 */
int acpi_find_poweroff(u64 rsdp, const void *(*map)(u64 pa, size_t len), struct acpi_poweroff *out);

/*
 * Legacy BIOS search for the RSDP: the first KiB of the EBDA (its segment is
 * the u16 at 0x40E), then 0xE0000-0xFFFFF, on 16-byte boundaries. Returns the
 * RSDP's address or 0.
 */
u64 acpi_find_rsdp_bios(const void *(*map)(u64 pa, size_t len));

/* What the MADT says about interrupt routing (the parts Petrel uses). */
#define ACPI_MAX_IOAPICS 8
#define ACPI_NR_ISA_IRQS 16

/* MPS INTI flags of an interrupt source override. */
#define ACPI_INTI_POLARITY_MASK 0x3
#define ACPI_INTI_POLARITY_HIGH 0x1
#define ACPI_INTI_POLARITY_LOW 0x3
#define ACPI_INTI_TRIGGER_MASK 0xc
#define ACPI_INTI_TRIGGER_EDGE 0x4
#define ACPI_INTI_TRIGGER_LEVEL 0xc

struct acpi_ioapic {
	u8 id;
	u32 addr;     /* MMIO base */
	u32 gsi_base; /* GSI of its pin 0 */
};

struct acpi_irq_override {
	bool present;
	u32 gsi;   /* where ISA IRQ <index> is wired */
	u16 flags; /* ACPI_INTI_* */
};

/* Most processor entries kept; past it they are counted in cpus_dropped. */
#define ACPI_MAX_CPUS 256

struct acpi_madt {
	u32 lapic_addr;
	/*
	 * The enabled processors' local APIC ids (processor local APIC and
	 * local x2APIC entries), in table order: the firmware lists the boot
	 * CPU first. Disabled entries are counted, not kept. cpu_acpi_id[i] is
	 * the same entry's ACPI processor id (UID of an x2APIC entry), the id
	 * dom0 names the processor by in platform_op's pminfo calls.
	 */
	unsigned int nr_cpus, cpus_disabled, cpus_dropped;
	u32 cpu_apic_id[ACPI_MAX_CPUS];
	u32 cpu_acpi_id[ACPI_MAX_CPUS];
	unsigned int nr_ioapics;
	struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];
	struct acpi_irq_override isa[ACPI_NR_ISA_IRQS]; /* indexed by ISA IRQ */
};

/*
 * Find the MADT ("APIC") and collect its processors, IO-APIC and ISA
 * interrupt source override entries. Returns 0, -ENOENT (no MADT) or -EINVAL (corrupt table,
 * or an entry whose length is too short or runs past the table's end).
 */
int acpi_parse_madt(u64 rsdp, const void *(*map)(u64 pa, size_t len), struct acpi_madt *out);

/* One MCFG allocation: PCI segment @segment, buses @start_bus-@end_bus at @base. */
struct acpi_mcfg_entry {
	u64 base;
	u16 segment;
	u8 start_bus, end_bus;
};

/*
 * Read up to @max MCFG allocations into @out; returns how many the table
 * has (may be more than @max; 0 without an MCFG), or -EINVAL if corrupt.
 */
int acpi_parse_mcfg(u64 rsdp, const void *(*map)(u64 pa, size_t len), struct acpi_mcfg_entry *out,
		    unsigned int max);

#endif
