/*
 * Which I/O ports a domain may use: those in its ioport_caps (io_caps.h).
 * The hardware domain starts with the machine's ports except the ones
 * Petrel drives itself: the legacy PIC (kept masked), the PIT (used to
 * calibrate time), the PC speaker gate, COM1 (Petrel's console) and QEMU's
 * isa-debug-exit port. Other domains start with none and get what the
 * control domain gives them (XEN_DOMCTL_ioport_permission).
 */
#include "types.h"
#include "domain.h"
#include "io_caps.h"
#include "rangeset.h"
#include "ioports.h"

struct port_range {
	u16 first, last;
};

static const struct port_range denied[] = {
	{ 0x20, 0x21 }, /* master PIC */
	{ 0xa0, 0xa1 }, /* slave PIC */
	{ 0x40, 0x43 }, /* PIT */
	{ 0x61, 0x61 }, /* PIT channel 2 gate / speaker */
	{ 0xf4, 0xf7 }, /* isa-debug-exit */
	{ 0x3f8, 0x3ff }, /* COM1 */
};

int ioports_init_hardware(struct domain *d)
{
	int rc = rangeset_add_range(&d->arch.ioport_caps, 0, 0xffff);

	for (unsigned int i = 0; !rc && i < sizeof(denied) / sizeof(denied[0]); i++)
		rc = rangeset_remove_range(&d->arch.ioport_caps, denied[i].first, denied[i].last);
	return rc;
}

bool ioports_permitted(const struct domain *d, unsigned int port, unsigned int bytes)
{
	return bytes && port + bytes <= 0x10000 &&
	       ioports_access_permitted(d, port, port + bytes - 1);
}
