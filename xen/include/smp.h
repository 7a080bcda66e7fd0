/*
 * CPUs and per-CPU data.
 *
 * Every CPU runs the hypervisor on its own stack block (STACK_SIZE bytes,
 * aligned to STACK_SIZE; config.h) and keeps its struct cpu_info in the
 * block's top bytes. Masking the stack pointer therefore finds the running
 * CPU's cpu_info from any hypervisor context (IST stacks included, they are
 * in the same block) without a segment register: a PV guest owns FS and GS
 * and their bases stay the guest's while the hypervisor runs.
 *
 * Per-CPU variables are arrays indexed by CPU number (DEFINE_PER_CPU);
 * this_cpu(x) is per_cpu(x, smp_processor_id()).
 */
#ifndef PETREL_SMP_H
#define PETREL_SMP_H

#include "types.h"
#include "config.h"

struct vcpu;

struct cpu_info {
	unsigned int cpu_id;
	u32 flags;		   /* CPUINFO_* */
	struct vcpu *current_vcpu; /* the vCPU this CPU runs (or ran last) */
	u64 stack_top;		   /* rsp0: where a guest's register frame ends */
	u64 reserved;
};
_Static_assert(sizeof(struct cpu_info) == CPU_INFO_SIZE, "cpu_info size");

/* The cpu_info of the stack block holding stack address @sp. */
static inline struct cpu_info *cpu_info_from_sp(u64 sp)
{
	return (struct cpu_info *)((sp | (STACK_SIZE - 1)) + 1 - CPU_INFO_SIZE);
}

#ifdef __PETREL__
static inline struct cpu_info *get_cpu_info(void)
{
	u64 sp;

	__asm__("movq %%rsp, %0" : "=r"(sp));
	return cpu_info_from_sp(sp);
}
#else
/*
 * Host builds (unit tests): each thread is a CPU of its own, CPU 0 unless
 * it sets another number (one weak definition for all).
 */
__attribute__((weak)) __thread struct cpu_info host_cpu_info;
static inline struct cpu_info *get_cpu_info(void)
{
	return &host_cpu_info;
}
#endif

/* The cpu_info at the top of the stack block that starts at @block. */
static inline struct cpu_info *stack_block_cpu_info(void *block)
{
	return (struct cpu_info *)((u8 *)block + STACK_SIZE - CPU_INFO_SIZE);
}

static inline unsigned int smp_processor_id(void)
{
	return get_cpu_info()->cpu_id;
}

#define DEFINE_PER_CPU(type, name) __typeof__(type) per_cpu__##name[NR_CPUS]
#define DECLARE_PER_CPU(type, name) extern __typeof__(type) per_cpu__##name[NR_CPUS]
#define per_cpu(name, cpu) (per_cpu__##name[(cpu)])
#define this_cpu(name) per_cpu(name, smp_processor_id())

/* ---- The set of CPUs (xen/arch/x86/smpboot.c). */

/* Bit i set: CPU i is online (runs its idle loop or guests). */
extern volatile u64 cpu_online_mask;
_Static_assert(NR_CPUS <= 64, "cpu_online_mask is one word");

static inline bool cpu_online(unsigned int cpu)
{
	return cpu < NR_CPUS && (cpu_online_mask >> cpu) & 1;
}

/* How many CPUs are online (what physinfo's nr_cpus reports). */
static inline unsigned int num_online_cpus(void)
{
	u64 m = cpu_online_mask;
	unsigned int n = 0;

	for (; m; m &= m - 1)
		n++;
	return n;
}

/* The online CPUs in ascending order, one step per set bit of the mask. */
#define for_each_online_cpu(c)                                                                     \
	for (u64 online_left_ = cpu_online_mask;                                                   \
	     online_left_ && ((c) = (unsigned int)__builtin_ctzll(online_left_), true);            \
	     online_left_ &= online_left_ - 1)

/* Local APIC id of each CPU number (valid for CPUs that were started). */
extern u32 cpu_apic_id[NR_CPUS];

#endif
