/* Domains and virtual CPUs. */
#ifndef PETREL_DOMAIN_H
#define PETREL_DOMAIN_H

#include "types.h"
#include "regs.h"
#include "public/xen.h"

#define MAX_VIRT_CPUS 1

struct trap_bounce_entry {
	u16 cs;
	u8 flags; /* trap_info flags: DPL in bits 0-1, bit 2 = mask events */
	u64 address;
};

struct vcpu {
	struct domain *domain;
	unsigned int vcpu_id;
	struct vcpu_info *vcpu_info; /* inside the domain's shared_info */
	struct trap_bounce_entry traps[256];
	u64 kernel_ss, kernel_sp;
	bool in_kernel; /* guest kernel mode (both modes run in ring 3) */
	u64 guest_cr0; /* virtual %cr0 (TS is the guest's) */
	mfn_t guest_table; /* kernel L4 */
	mfn_t guest_table_user; /* user L4, 0 if none */
};

struct domain {
	domid_t domain_id;
	bool is_privileged;
	bool is_shutting_down;
	bool is_crashed;
	u8 shutdown_code; /* SHUTDOWN_* from shutdown_code, or the reason */
	struct shared_info *shared_info;
	u64 tot_pages, max_pages;
	mfn_t *p2m; /* hypervisor copy of pfn -> mfn for the initial allocation */
	struct vcpu *vcpu[MAX_VIRT_CPUS];
};

extern struct vcpu *current;

/* The guest registers of the running vCPU: at the top of the hypervisor stack. */
struct cpu_regs *guest_regs(void);

struct domain *domain_create(domid_t id, bool privileged);
/* End a domain: @reason is a SHUTDOWN_* value. */
__noreturn void domain_shutdown(struct domain *d, unsigned int reason);
/* Kill a domain for misbehaviour, with a message naming why. */
__noreturn void domain_crash(struct domain *d, const char *fmt, ...) __printf(2, 3);

#endif
