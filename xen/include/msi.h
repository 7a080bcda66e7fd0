/*
 * MSI and MSI-X for the control domain's PCI functions (arch/x86/msi.c).
 *
 * The hypervisor owns the message: it allocates a vector on the boot CPU,
 * writes the device's MSI capability or MSI-X table entry (address = this
 * CPU's local APIC, physical destination; data = the vector, fixed
 * delivery, edge), and routes the vector to the PIRQ it is mapped to
 * (physdev.c). dom0 never writes the address or data itself: its port I/O
 * writes to them are dropped and the MSI-X table pages are mapped
 * read-only for it. There is no IOMMU, hence no interrupt remapping.
 */
#ifndef PETREL_MSI_H
#define PETREL_MSI_H

#include "types.h"

struct domain;

#define MSI_MAX_DESCS 256
#define MSI_MAX_GROUP 32 /* vectors of one multi-message MSI */

struct msi_request {
	u16 seg;
	u8 bus, devfn;
	bool msix;
	unsigned int entry_nr; /* MSI-X: table entry; MSI: number of vectors */
	u64 table_base;	       /* MSI-X: the BAR the table lives in, as dom0 sees it */
};

/*
 * Set up the vectors of @rq on the device, masked. On success returns the
 * first descriptor (the group's others follow it) and sets @nvec.
 */
int msi_setup(const struct msi_request *rq, unsigned int *nvec);

/* The PIRQ of domain @d that descriptor @desc delivers to. */
void msi_set_pirq(unsigned int desc, struct domain *d, unsigned int pirq);

/* Release the vectors of @desc's group; the last one disables MSI(-X) on the device. */
void msi_teardown(unsigned int desc);

/* Mask or unmask @desc at the device (MSI-X vector control, MSI per-vector mask). */
void msi_mask(unsigned int desc, bool masked);

/* The group's first descriptor and its size; the index within the group. */
unsigned int msi_group_index(unsigned int desc);

/* Write back the message of every vector of the function (PHYSDEVOP_restore_msi). */
int msi_restore(u16 seg, u8 bus, u8 devfn);

/*
 * dom0 writes @size bytes at @reg of the function's configuration space.
 * Returns false if the write must be dropped; may adjust *@val.
 */
bool msi_guest_conf_write(u8 bus, u8 devfn, unsigned int reg, unsigned int size, u32 *val);

/* True if @mfn holds an MSI-X table or PBA in use: dom0 maps it read-only. */
bool msi_ro_frame(u64 mfn);

/* True if descriptor @desc belongs to @bus/@devfn (segment 0). */
bool msi_desc_is(unsigned int desc, u8 bus, u8 devfn);

/*
 * PHYSDEVOP_prepare_msix: record the function's MSI-X table so that dom0
 * maps it read-only from now on; @release undoes that (-EBUSY while
 * vectors are in use).
 */
int msi_prepare_msix(u16 seg, u8 bus, u8 devfn, bool release);

/* The vectors this layer hands out, and the handler for them. */
bool msi_vector(unsigned int vector);
void msi_interrupt(unsigned int vector);

/* physdev.c: an MSI for @pirq arrived (the local APIC is already acknowledged). */
void pirq_msi_interrupt(struct domain *d, unsigned int pirq);

#endif
