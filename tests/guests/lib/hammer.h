/*
 * CPU-bound tiny domains for the scheduler's tests (hammer.c), built with
 * builder.h. Each sets XMM0-15, MSR_TSC_AUX (where the CPU has rdtscp) and
 * its FS base to values of its own, then loops checking them: a value that
 * changed under it (a register leaked from another vCPU across a switch)
 * is written to its data page and it crashes itself (ud2, no trap table).
 * Plus the control domain's scheduling calls: weight and cap, hard
 * affinity, getvcpuinfo, and a clock.
 */
#ifndef GUEST_HAMMER_H
#define GUEST_HAMMER_H

#include "builder.h"

#define MS 1000000ULL

struct hammer_dom {
	struct tiny_dom t;
	uint64_t seed; /* XMMn = seed + n, TSC_AUX = its low 32 bits */
	unsigned int fs_slot; /* its FS base: this offset in its data page */
};

/* Build @d paused: false (error recorded) if it failed. */
bool hammer_build(struct hammer_dom *d);
/* @d still runs, checked its registers many times and found them as it set them. */
void hammer_check(const struct hammer_dom *d);

/* System time (ns) from vCPU 0's pvclock. */
uint64_t hammer_now(void);
/* Block for @ms (SCHEDOP_poll on no port, with a timeout). */
void hammer_sleep_ms(uint64_t ms);
/* sysctl sched_id: XEN_SCHEDULER_CREDIT (5), CREDIT2 (6), ...; 0 if it failed. */
unsigned int hammer_sched_id(void);
/* scheduler_op putinfo/getinfo with scheduler @id (credit and credit2 share the layout). */
long hammer_set_credit(uint16_t dom, unsigned int id, uint16_t weight, uint16_t cap);
long hammer_get_credit(uint16_t dom, unsigned int id, uint16_t *weight, uint16_t *cap);
/* Hard affinity of @dom's vCPU 0: the CPUs of mask @cpus. */
long hammer_pin(uint16_t dom, uint8_t cpus);
/* vCPU 0's cpu_time and the CPU getvcpuinfo names; false if the call failed. */
bool hammer_vcpu_info(uint16_t dom, uint64_t *cpu_time, uint32_t *cpu);
/* A domctl with no arguments (pausedomain, unpausedomain). */
long hammer_dom_op(unsigned int cmd, uint16_t dom);
/* physinfo's nr_cpus, 0 if it failed. */
unsigned int hammer_nr_cpus(void);

#endif
