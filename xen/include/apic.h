#ifndef PETREL_APIC_H
#define PETREL_APIC_H
#include "types.h"

#define APIC_TIMER_VECTOR 0xf0
#define APIC_SPURIOUS_VECTOR 0xff

void apic_init(void);
void apic_eoi(void);
/* This CPU's local APIC id (xAPIC, bits 24-31 of the ID register). */
u32 apic_id(void);
/* Arm the one-shot LAPIC timer @ns nanoseconds from now (0 disarms). */
void apic_timer_oneshot(u64 ns);
void apic_timer_interrupt(void);

/* Monotonic system time in nanoseconds since boot (TSC based). */
u64 now_ns(void);
void time_init(void);
u64 tsc_khz(void);
/* Convert @ns to TSC ticks and back; used for the guest pvclock. */
u64 ns_to_tsc(u64 ns);
/* Called from the timer interrupt. */
void timer_softirq(void);
#endif
