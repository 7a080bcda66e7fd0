/*
 * IO-APIC driver: the host's device interrupts (GSIs), found in the ACPI
 * MADT. Every pin is masked at boot; a pin is programmed and unmasked only
 * when dom0 binds the PIRQ of its GSI (arch/x86/physdev.c). GSI g raises
 * vector IOAPIC_FIRST_VECTOR + g on the boot CPU's LAPIC (fixed delivery,
 * physical destination).
 */
#ifndef PETREL_IO_APIC_H
#define PETREL_IO_APIC_H

#include "types.h"

#define IOAPIC_FIRST_VECTOR 0x30
#define IOAPIC_LAST_VECTOR 0xdf /* below the LAPIC timer's 0xf0 */
#define IOAPIC_MAX_GSIS (IOAPIC_LAST_VECTOR - IOAPIC_FIRST_VECTOR + 1)

/* Find the IO-APICs (MADT through @rsdp, 0 = search the BIOS area), mask every pin. */
void io_apic_init(u64 rsdp);

/* Number of GSIs the IO-APICs serve (0 if there is none); valid GSIs are below it. */
unsigned int io_apic_nr_gsis(void);

/* True if Petrel keeps @gsi for itself (the PIT's line, COM1's line). */
bool io_apic_gsi_reserved(unsigned int gsi);

/*
 * The default trigger mode and polarity of @gsi: from the MADT's interrupt
 * source override if an ISA IRQ is routed to it, else edge/high for GSIs
 * below 16 and level/low above (PCI).
 */
void io_apic_default_mode(unsigned int gsi, bool *level, bool *active_low);

/* Write @gsi's redirection entry, masked, with its vector and this mode. */
int io_apic_program(unsigned int gsi, bool level, bool active_low);
void io_apic_mask(unsigned int gsi);
void io_apic_unmask(unsigned int gsi);
bool io_apic_masked(unsigned int gsi);

/* Read IO-APIC register @reg of the IO-APIC at @physbase (PHYSDEVOP_apic_read). */
int io_apic_read_reg(u64 physbase, unsigned int reg, u32 *val);

struct acpi_mcfg_entry;
/* The MCFG allocation (read at boot) for exactly these buses, or NULL. */
const struct acpi_mcfg_entry *io_apic_mcfg_find(u16 segment, u8 start_bus, u8 end_bus);

/*
 * Vector handler: called from do_trap for IOAPIC_FIRST_VECTOR..IOAPIC_LAST_VECTOR.
 * The vectors above the last GSI's are MSI vectors (msi.c).
 */
void io_apic_interrupt(unsigned int vector);

/* Called for a device interrupt on @gsi (physdev.c); it must acknowledge the LAPIC. */
void pirq_hw_interrupt(unsigned int gsi);

#endif
