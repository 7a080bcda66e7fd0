/* Ending the machine. */
#ifndef PETREL_SHUTDOWN_H
#define PETREL_SHUTDOWN_H

#include "types.h"

/*
 * Exit codes written to QEMU's isa-debug-exit device (QEMU then exits with
 * (code << 1) | 1). A clean power-off goes through ACPI instead (QEMU exit 0).
 */
#define EXIT_DOM0_CRASH 2
#define EXIT_PANIC 3
#define EXIT_DOM0_REJECTED 4

void shutdown_init(u64 rsdp);
__noreturn void machine_power_off(void);
__noreturn void machine_restart(void);
__noreturn void machine_halt(void);
/* isa-debug-exit if present, else power off. */
__noreturn void machine_exit(int code);

#endif
