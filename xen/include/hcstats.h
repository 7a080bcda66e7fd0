/*
 * Cycles spent per hypercall, per domctl, per sysctl and per memory_op, for
 * profiling the toolstack's calls (docs/performance.md, "xl lifecycle").
 * Off until the control domain sends debug key 'P' (`xl debug-keys P`:
 * zero and start); 'p' prints the table to the console (`xl dmesg`).
 */
#ifndef PETREL_HCSTATS_H
#define PETREL_HCSTATS_H

#include "types.h"
#include "asm.h"

enum hcstats_kind {
	HCSTATS_HYPERCALL,
	HCSTATS_DOMCTL,
	HCSTATS_SYSCTL,
	HCSTATS_MEMOP,
	HCSTATS_GNTTAB,		/* grant_table_op calls per command */
	HCSTATS_GNTTAB_ENTRIES, /* their batches' entries: count is entries, cycles their batches'
				 */
	HCSTATS_TRAP,		/* per vector: exceptions and interrupts entering from a guest */
	HCSTATS_TIMER,		/* HCSTATS_TIMER_*: the timer subsystem's own work */
	HCSTATS_PAGEFAULT,	/* HCSTATS_PF_*: a PV guest's page faults by outcome */
	/* copy entries that found their source (op 0) or destination (op 1) claimed */
	HCSTATS_COPY_KEPT,
	/* privileged instructions emulated for a PV guest (#GP): one-byte opcodes, 0f xx by xx */
	HCSTATS_EMUL,
	HCSTATS_EMUL_0F,
	HCSTATS_KINDS
};

#define HCSTATS_OPS 256

/* HCSTATS_TIMER's ops: LAPIC timer writes, and timer functions run when due. */
#define HCSTATS_TIMER_WRITE 0
#define HCSTATS_TIMER_FN 1
#define HCSTATS_TIMER_TRY 2 /* a try_fn run without hv_lock */

/*
 * HCSTATS_PAGEFAULT's ops: bounced to the guest without the hypervisor lock,
 * resolved in a shadow, a page-table write completed by the writable
 * page-table assist or a read-only MMIO write (both pv_ro_page_fault), or
 * bounced to the guest under the lock.
 */
#define HCSTATS_PF_UNLOCKED 0
#define HCSTATS_PF_SHADOW 1
#define HCSTATS_PF_RO_WRITE 2
#define HCSTATS_PF_BOUNCED 3

extern bool hcstats_on;

void hcstats_add(enum hcstats_kind kind, unsigned int op, u64 start);
void hcstats_add_n(enum hcstats_kind kind, unsigned int op, u64 start, u64 n);

/* The TSC at the start of a counted call, 0 while counting is off. */
static inline u64 hcstats_start(void)
{
	return __atomic_load_n(&hcstats_on, __ATOMIC_RELAXED) ? rdtsc() : 0;
}

/* Count a call that started at @start (from hcstats_start). */
static inline void hcstats_end(enum hcstats_kind kind, unsigned int op, u64 start)
{
	if (start)
		hcstats_add(kind, op, start);
}

/* Count @n entries of a batch that started at @start (from hcstats_start). */
static inline void hcstats_end_n(enum hcstats_kind kind, unsigned int op, u64 start, u64 n)
{
	if (start)
		hcstats_add_n(kind, op, start, n);
}

/* Zero the counters and start them (debug key 'P'; at boot with option hcstats). */
void hcstats_reset(void);
long debug_keys(u64 keys, u32 nr_keys);
/* Every CPU's and vCPU's state, for a hung guest (Ctrl-] on the serial line). */
void hang_dump(void);
/* Debug key 'q': every HVM vCPU's state, its vLAPIC and its domain's platform devices. */
void hvm_dump_domains(void);

#endif
