#ifndef PETREL_IOPORTS_H
#define PETREL_IOPORTS_H
#include "types.h"
struct domain;
/* The hardware domain's ports: all but the ones the hypervisor drives. */
int ioports_init_hardware(struct domain *d);
/* May @d access ports [port, port + bytes)? */
bool ioports_permitted(const struct domain *d, unsigned int port, unsigned int bytes);
#endif
