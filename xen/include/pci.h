/*
 * PCI configuration space, as the hypervisor reads and writes it: the
 * legacy mechanism (ports 0xcf8/0xcfc), which reaches the first 256 bytes
 * of every function of segment 0. That is all the MSI and MSI-X
 * capabilities need. dom0's own accesses to the same ports are emulated
 * through pci_guest_conf_io(), so that the two never interleave and so that
 * dom0's writes to the registers Petrel owns are filtered (msi.c).
 */
#ifndef PETREL_PCI_H
#define PETREL_PCI_H

#include "types.h"

#define PCI_CONF_ADDR_PORT 0xcf8
#define PCI_CONF_DATA_PORT 0xcfc

#define PCI_VENDOR_ID 0x00
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4

#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_MSIX 0x11

#define PCI_DEVFN(slot, fn) ((((slot)&0x1f) << 3) | ((fn)&7))

u32 pci_conf_read(u8 bus, u8 devfn, unsigned int reg, unsigned int size);
void pci_conf_write(u8 bus, u8 devfn, unsigned int reg, unsigned int size, u32 val);

/* True if a function answers at @bus/@devfn (vendor ID not all ones). */
bool pci_present(u8 bus, u8 devfn);

/* Offset of the capability @id in the function's list, 0 if none. */
unsigned int pci_find_cap(u8 bus, u8 devfn, u8 id);

/*
 * The physical address of memory BAR @bir (64-bit BARs read whole), 0 if
 * it is not a memory BAR or is unassigned.
 */
u64 pci_bar_address(u8 bus, u8 devfn, unsigned int bir);

/*
 * The control domain's port I/O on 0xcf8-0xcff (called by the privileged
 * instruction emulator). Returns false for other ports.
 */
bool pci_guest_conf_io(unsigned int port, unsigned int bytes, bool out, u32 *val);

#endif
