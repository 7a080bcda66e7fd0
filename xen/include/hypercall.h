/* Hypercall dispatch (the table is generated from hypercall-abi/hypercalls.def). */
#ifndef PETREL_HYPERCALL_H
#define PETREL_HYPERCALL_H

#include "types.h"
#include "smp.h"

#define NR_HYPERCALLS 64

typedef long (*hypercall_fn_t)(unsigned long, unsigned long, unsigned long, unsigned long,
			       unsigned long);

struct hypercall_desc {
	const char *name;
	hypercall_fn_t fn; /* NULL: not implemented, -ENOSYS */
	unsigned int nargs;
	bool privileged; /* control domain only */
};

extern const struct hypercall_desc hypercall_table[NR_HYPERCALLS];
/*
 * Per-hypercall call counts, one row per CPU, each added to by its own CPU
 * only (no locked add on the hot paths; to be made visible from dom0).
 */
DECLARE_PER_CPU(u64[NR_HYPERCALLS], hypercall_count);

/* Call hypercall @nr with @a as its arguments, as the current vCPU. */
long hypercall_dispatch(u64 nr, const unsigned long a[5]);

/*
 * Long hypercalls check hypercall_preempt_check() between units of work and,
 * when it says so, return hypercall_create_continuation(nr, nargs, args) with
 * the arguments that resume the remaining work. Inside a multicall the check
 * always says no (the multicall itself is preempted between entries).
 */
bool hypercall_preempt_check(void);
/*
 * A hypercall from a guest starts now: its 1 ms preemption slice is timed
 * from its first hypercall_preempt_check() (which reads the clock), so that
 * hypercalls that never check never read it.
 */
void hypercall_mark_start(void);
long hypercall_create_continuation(unsigned int nr, unsigned int nargs, const unsigned long *args);
void multicall_enter(void);
void multicall_exit(void);

#endif
