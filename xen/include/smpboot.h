/* Bringing CPUs up (xen/arch/x86/smpboot.c). */
#ifndef PETREL_SMPBOOT_H
#define PETREL_SMPBOOT_H

#include "types.h"

/* CPU 0's per-CPU state (after paging_init). */
void smp_prepare_boot_cpu(void);
/* This CPU's descriptor tables, control registers and entry MSRs. */
void cpu_init_this(void);
void cpu_set_online(unsigned int cpu);

extern void *cpu_stack[];

#endif
