/* Petrel's command line: Xen's common options. */
#ifndef PETREL_CMDLINE_H
#define PETREL_CMDLINE_H

#include "types.h"

struct boot_options {
	char console[32]; /* console=com1 (only com1 and vga/none accepted) */
	u32 com1_baud; /* com1=115200,8n1 */
	u8 com1_data_bits, com1_stop_bits;
	char com1_parity; /* 'n', 'o', 'e' */
	u64 dom0_mem; /* dom0_mem= bytes; 0 = default */
	u64 dom0_mem_max; /* dom0_mem=...,max:SIZE; 0 = none */
	int loglvl; /* loglvl=none|error|warning|info|debug|all -> 0..4 */
	int guest_loglvl;
	bool noreboot;
	bool hypercall_preempt_always; /* testing aid: every preemption check says yes */
	u32 dom0_vcpus_min; /* dom0_max_vcpus=N, N-, N-M: at least N (default 1) */
	u32 dom0_vcpus_max; /* dom0_max_vcpus=N, N-M, -M: at most M, 0 = no bound */
	bool domu_module; /* domu: the last module is a kernel started as domain 1 */
	bool dom0_pvh; /* dom0=pvh: the initial domain is a PVH (HVM) guest */
	u32 max_cpus; /* maxcpus=N: bring up at most N CPUs (CPU 0 included); 0 = all */
	bool nosmp; /* nosmp: CPU 0 only */
	bool ipi_selftest; /* ipi_selftest: exercise the IPIs at boot (debug aid) */
	bool hang_key;	   /* hang_key: Ctrl-] on the serial line prints every CPU's state */
	bool tlb_holders;  /* tlb_holders: flush only CPUs that may hold stale translations */
	bool vcpus_on_cpu0; /* vcpus_on_cpu0: every vCPU on CPU 0 (fallback) */
	bool sched_wake_ratelimit; /* sched_wake_ratelimit: credit2's wake rule */
	bool sched_credit2_turns;  /* sched_credit2_turns: credit2's lead and turn */
	bool timer_unlocked;	   /* timer_unlocked: a guest's own tick without hv_lock */
	bool sched_preempt_spin;   /* sched_preempt_spin: a spinner yields to a wake */
	bool domctl_trace; /* domctl_trace: a console line per domctl (debug aid) */
	/* hcstats: the per-call counters (hcstats.h) count from boot */
	bool hcstats;
	u32 sched_wake_wait_us; /* sched_wake_wait_us=N: a deferred wake's longest wait (10000) */
	u32 gnttab_max_frames; /* gnttab_max_frames=N (default 64) */
	u32 gnttab_max_maptrack_frames; /* gnttab_max_maptrack_frames=N (default 1024) */
	u32 gnttab_max_version; /* gnttab=max-ver:1|2 (default 2) */
	bool gnttab_transitive; /* gnttab=transitive=<bool> (default on) */
};

/* Fill defaults, then parse @cmdline; unknown options are warned about and ignored. */
void cmdline_parse(struct boot_options *opt, const char *cmdline);

/*
 * dom0's vCPU count, Xen's rule: one per online CPU (@nr_cpus), raised to
 * dom0_max_vcpus's lower bound, cut to its upper one, at most @limit.
 */
unsigned int dom0_vcpus(const struct boot_options *opt, unsigned int nr_cpus, unsigned int limit);

#endif
