/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables pxl gives a PVH guest, all in one page at guest-physical
 * PVH_ACPI_PFN (see docs/xl.md): an ACPI 2.0 RSDP at offset PVH_ACPI_RSDP,
 * an XSDT naming a hardware-reduced revision-5 FADT and a MADT, the FADT's
 * FACS and DSDT (a header, no AML), and in the MADT one enabled local APIC
 * per vCPU (processor id i, APIC id 2 * i, as Xen numbers them).
 */
#ifndef PETREL_BUILDER_PVH_ACPI_H
#define PETREL_BUILDER_PVH_ACPI_H

#include <stdint.h>

#define PVH_ACPI_PFN 0xfc000ull /* the page's frame */
#define PVH_ACPI_RSDP 0		/* the RSDP's offset in it */
#define PVH_LAPIC_BASE 0xfee00000u
#define PVH_ACPI_MAX_VCPUS 128 /* the MADT's entries fit the page */

/* Fill the 4096-byte page (vcpus: 1 to PVH_ACPI_MAX_VCPUS). */
void pvh_acpi_tables(unsigned char *page, unsigned int vcpus);

#endif /* PETREL_BUILDER_PVH_ACPI_H */
