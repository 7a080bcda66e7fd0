#ifndef PETREL_TRAPS_H
#define PETREL_TRAPS_H
#include "regs.h"
const char *vector_name(unsigned int v);
void do_trap(struct cpu_regs *r);
#endif
