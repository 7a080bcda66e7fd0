/*
 * Interprocessor interrupts (xen/arch/x86/smp.c): wake a CPU (event
 * check), run a function on other CPUs and wait, flush other CPUs' TLBs.
 */
#ifndef PETREL_IPI_H
#define PETREL_IPI_H

#include "types.h"

#define EVENT_CHECK_VECTOR 0xf1
#define CALL_FUNCTION_VECTOR 0xf2
#define INVALIDATE_TLB_VECTOR 0xf3

/* Make @cpu leave its halt (or its guest) and look at its timers and its run queue. */
void send_event_check(unsigned int cpu);
/*
 * Run @fn(@data) on every online CPU in @mask (this one included, here, if
 * it is in @mask) and return once all have run it. Returns how many CPUs
 * ran it.
 */
unsigned int on_cpus(u64 mask, void (*fn)(void *data), void *data);
/* Flush this CPU's TLB, global entries included. */
void flush_tlb_local(void);
/* Each CPU prints its TLB holder record, CR3 and guest frame (hang_dump). */
void dump_cpus_state(void);
/* Flush the TLBs (global entries included) of the online CPUs in @mask. */
void flush_tlb_mask(u64 mask);
/* Flush every online CPU's TLB except this one's. */
void flush_tlb_others(void);
/*
 * This CPU is about to load the page tables of PV domain @domid: until its
 * next full flush it may hold that domain's translations. With hv_lock held.
 */
void note_guest_cpu(unsigned int domid, bool privileged);
/*
 * The tlb_holders boot option: the flushes below go only to the CPUs that
 * may hold the translations (else to every CPU that ever ran a guest, and
 * idle CPUs keep their translations).
 */
extern bool tlb_holders_on;
/*
 * This CPU is going to wait idle (hv_lock still held): flushes pass it by
 * until it takes hv_lock again, which flushes its TLB first.
 */
void tlb_idle_begin(void);
/* Flush this CPU and every other CPU that may hold a guest's translations. */
void flush_tlb_guest_cpus(void);
/* The same without this CPU, whose caller flushes it its own way. */
void flush_tlb_guest_others(void);
/*
 * Flush this CPU and every other that may hold translations of domain
 * @domid or of a privileged domain (which may map @domid's frames).
 */
void flush_tlb_domain_cpus(unsigned int domid);
/* Flush the CPUs of @mask that may hold translations of domain @domid itself. */
void flush_tlb_cpus_holding(u64 mask, unsigned int domid);
/* Called from do_trap for the IPI vectors (after the EOI). */
void ipi_interrupt(unsigned int vector);
/* The ipi_selftest boot option: exercise each IPI on every CPU. */
void ipi_selftest(void);

#endif
