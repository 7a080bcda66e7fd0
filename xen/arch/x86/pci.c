/*
 * PCI configuration space access (see pci.h).
 *
 * The address port 0xcf8 holds state: a 32-bit write selects a register
 * and the next access to 0xcfc-0xcff reaches it. The hypervisor and dom0
 * share the ports, so dom0's 32-bit writes of 0xcf8 are kept in a shadow
 * register and each of its data accesses is done here in one go (address,
 * then data), as Xen does. Other sizes on 0xcf8-0xcfb (the probe of the
 * configuration mechanism) go to the hardware unchanged.
 *
 * pci_lock makes each address-then-data pair one step between CPUs (a
 * leaf lock, interrupts off).
 */
#include "types.h"
#include "lib.h"
#include "asm.h"
#include "pci.h"
#include "msi.h"
#include "spinlock.h"

#define CF8_ENABLE 0x80000000u

struct pci_conf_state {
	u32 guest_cf8; /* dom0's last 32-bit write of 0xcf8 */
};

static struct pci_conf_state pci_conf;
static DEFINE_SPINLOCK(pci_lock);

static u32 cf8_value(u8 bus, u8 devfn, unsigned int reg)
{
	return CF8_ENABLE | ((u32)bus << 16) | ((u32)devfn << 8) | (reg & 0xfc);
}

static u32 data_in(unsigned int port, unsigned int size)
{
	if (size == 1)
		return inb((u16)port);
	if (size == 2)
		return inw((u16)port);
	return inl((u16)port);
}

static void data_out(unsigned int port, unsigned int size, u32 val)
{
	if (size == 1)
		outb((u16)port, (u8)val);
	else if (size == 2)
		outw((u16)port, (u16)val);
	else
		outl((u16)port, val);
}

/* One configuration access at address @cf8 (data port @port), under pci_lock. */
static void conf_access(u32 cf8, unsigned int port, unsigned int size, bool out, u32 *val)
{
	unsigned long flags;

	spin_lock_irqsave(&pci_lock, flags);
	outl(PCI_CONF_ADDR_PORT, cf8);
	if (out)
		data_out(port, size, *val);
	else
		*val = data_in(port, size);
	spin_unlock_irqrestore(&pci_lock, flags);
}

u32 pci_conf_read(u8 bus, u8 devfn, unsigned int reg, unsigned int size)
{
	u32 val;

	conf_access(cf8_value(bus, devfn, reg), PCI_CONF_DATA_PORT + (reg & 3), size, false, &val);
	return val;
}

void pci_conf_write(u8 bus, u8 devfn, unsigned int reg, unsigned int size, u32 val)
{
	conf_access(cf8_value(bus, devfn, reg), PCI_CONF_DATA_PORT + (reg & 3), size, true, &val);
}

bool pci_present(u8 bus, u8 devfn)
{
	return (pci_conf_read(bus, devfn, PCI_VENDOR_ID, 2) & 0xffff) != 0xffff;
}

unsigned int pci_find_cap(u8 bus, u8 devfn, u8 id)
{
	unsigned int pos, ttl = 48;

	if (!(pci_conf_read(bus, devfn, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return 0;
	pos = pci_conf_read(bus, devfn, PCI_CAP_PTR, 1) & 0xfc;
	while (pos >= 0x40 && ttl--) {
		u32 hdr = pci_conf_read(bus, devfn, pos, 2);

		if ((hdr & 0xff) == id)
			return pos;
		pos = (hdr >> 8) & 0xfc;
	}
	return 0;
}

u64 pci_bar_address(u8 bus, u8 devfn, unsigned int bir)
{
	unsigned int reg = PCI_BAR0 + 4 * bir;
	u32 lo;
	u64 addr;

	if (bir > 5)
		return 0;
	lo = pci_conf_read(bus, devfn, reg, 4);
	if (lo & 1)
		return 0; /* an I/O BAR */
	addr = lo & ~0xfu;
	if ((lo & 6) == 4 && bir < 5)
		addr |= (u64)pci_conf_read(bus, devfn, reg + 4, 4) << 32;
	return addr;
}

/* A data-port access by dom0 with the address in the shadow register. */
static void guest_data_io(unsigned int port, unsigned int bytes, bool out, u32 *val)
{
	u32 cf8 = pci_conf.guest_cf8;
	u8 bus = (u8)(cf8 >> 16), devfn = (u8)(cf8 >> 8);
	unsigned int reg = (cf8 & 0xfc) + (port & 3);

	if (!(cf8 & CF8_ENABLE)) {
		if (!out)
			*val = ~0u;
		return;
	}
	if (out && !msi_guest_conf_write(bus, devfn, reg, bytes, val))
		return; /* dropped: a register the hypervisor owns */
	conf_access(cf8, port, bytes, out, val);
}

bool pci_guest_conf_io(unsigned int port, unsigned int bytes, bool out, u32 *val)
{
	if (port < PCI_CONF_ADDR_PORT || port + bytes > PCI_CONF_DATA_PORT + 4)
		return false;
	if (port >= PCI_CONF_DATA_PORT) {
		guest_data_io(port, bytes, out, val);
		return true;
	}
	if (port == PCI_CONF_ADDR_PORT && bytes == 4) {
		if (out)
			pci_conf.guest_cf8 = *val;
		else
			*val = pci_conf.guest_cf8;
		return true;
	}
	return false; /* narrower accesses to 0xcf8-0xcfb: the hardware's */
}
