#ifndef PETREL_APIC_H
#define PETREL_APIC_H
#include "types.h"

#define APIC_TIMER_VECTOR 0xf0
#define APIC_SPURIOUS_VECTOR 0xff

void apic_init(void);
/* A CPU other than CPU 0 enables its local APIC and timer (after apic_init). */
void apic_init_secondary(void);
/* The firmware put the local APICs in x2APIC mode (32-bit ids, MSR access). */
bool apic_x2apic_mode(void);
/* Send an IPI: ICR low word @low to APIC id @dest; false if it stayed pending. */
bool apic_send_ipi(u32 dest, u32 low);
/* Wait up to @ns for the last IPI to leave (xAPIC delivery status). */
bool apic_wait_icr_idle(u64 ns);

/* ICR low-word fields */
#define APIC_DM_FIXED 0x000
#define APIC_DM_INIT 0x500
#define APIC_DM_STARTUP 0x600
#define APIC_INT_ASSERT 0x4000
#define APIC_INT_LEVELTRIG 0x8000
#define APIC_DEST_SELF 0x40000
void apic_eoi(void);
/* This CPU's local APIC id (xAPIC, bits 24-31 of the ID register). */
u32 apic_id(void);
/* Arm the one-shot LAPIC timer @ns nanoseconds from now (0 disarms). */
void apic_timer_oneshot(u64 ns);

/* Monotonic system time in nanoseconds since boot (TSC based). */
u64 now_ns(void);
void time_init(void);
u64 tsc_khz(void);
/* Convert @ns to TSC ticks and back; used for the guest pvclock. */
u64 ns_to_tsc(u64 ns);
/* Called from the timer interrupt. */
void timer_softirq(void);
#endif
