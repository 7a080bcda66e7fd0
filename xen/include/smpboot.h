/* Bringing CPUs up (xen/arch/x86/smpboot.c). */
#ifndef PETREL_SMPBOOT_H
#define PETREL_SMPBOOT_H

#include "types.h"

/* CPU 0's per-CPU state (after paging_init). */
void smp_prepare_boot_cpu(void);
/* This CPU's descriptor tables, control registers and entry MSRs. */
void cpu_init_this(void);
void cpu_set_online(unsigned int cpu);

struct boot_info;
struct boot_options;
/* Start the other CPUs the MADT lists (maxcpus=, nosmp), after time_init. */
void smp_boot_cpus(const struct boot_info *bi, u64 rsdp, const struct boot_options *opt);

/* The online CPU the MADT names ACPI processor @acpi_id, or -1. */
int cpu_by_acpi_id(u32 acpi_id);

extern void *cpu_stack[];

#endif
