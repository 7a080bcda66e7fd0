/*
 * Which I/O ports the control domain may use. It gets the machine's ports
 * except the ones Petrel drives itself: the legacy PIC (kept masked), the
 * PIT (used to calibrate time), the PC speaker gate, COM1 (Petrel's
 * console) and QEMU's isa-debug-exit port. Other domains get none.
 */
#include "types.h"
#include "domain.h"
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

bool ioports_permitted(const struct domain *d, unsigned int port, unsigned int bytes)
{
	if (!d->is_privileged || port + bytes > 0x10000)
		return false;
	for (unsigned int i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
		if (port <= denied[i].last && port + bytes - 1 >= denied[i].first)
			return false;
	return true;
}
