/* Domains and virtual CPUs. */
#ifndef PETREL_DOMAIN_H
#define PETREL_DOMAIN_H

#include "types.h"
#include "regs.h"
#include "public/xen.h"
#include "public/vcpu.h"
#include "event.h"
#include "timer.h"

#define MAX_VIRT_CPUS 1

struct grant_table;

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
	u64 guest_cr4; /* virtual %cr4 (PV_CR4_MASK bits) */
	u64 debugreg[8]; /* set_debugreg values (4 and 5 unused) */
	mfn_t gdt_frames[14]; /* set_gdt: frames holding the guest's GDT */
	unsigned int gdt_ents;
	unsigned int iopl; /* virtual IOPL from PHYSDEVOP_set_iopl */
	u64 iobmp; /* guest address of the I/O bitmap from PHYSDEVOP_set_iobitmap */
	unsigned int iobmp_limit; /* ports it covers (0: none) */
	mfn_t guest_table; /* kernel L4 */
	mfn_t guest_table_user; /* user L4, 0 if none */
	u64 ldt_base; /* MMUEXT_SET_LDT (pv/mm.c) */
	unsigned int ldt_ents;
	mfn_t ldt_mfn[16]; /* LDT frames holding a seg_desc type reference, 0 = none */

	/* Events (common/event_channel.c, common/schedule.c). */
	u16 virq_to_evtchn[NR_VIRQS]; /* 0 = not bound */
	bool polling; /* in SCHEDOP_poll: an event on poll_evtchn wakes it */
	s32 poll_evtchn; /* -1 = any port, else the one port polled */

	/* Callbacks (pv/callback.c): guest addresses, 0 = none. */
	u64 event_callback, failsafe_callback, syscall_callback;
	u64 syscall32_callback, sysenter_callback, nmi_callback;
	u32 callback_mask; /* bit CALLBACKTYPE_x: CALLBACKF_mask_events given */

	/* Time (arch/x86/time.c, common/timer.c, common/vcpu.c). */
	bool timers_ready; /* the timers below are initialised */
	struct timer singleshot_timer, periodic_timer, poll_timer;
	u64 periodic_period; /* ns, 0 = no periodic VIRQ_TIMER; PV default 10 ms */
	u64 periodic_last; /* system time of the last periodic VIRQ_TIMER */
	u64 runstate_guest; /* guest address of a vcpu_runstate_info, 0 = none */
	u64 time_info_guest; /* guest address of a second vcpu_time_info, 0 = none */
	struct vcpu_runstate_info runstate;
	mfn_t vcpu_info_mfn; /* frame of a registered vcpu_info, 0 = shared_info's */
};

struct domain {
	domid_t domain_id;
	bool is_privileged;
	bool is_shutting_down;
	bool is_crashed;
	u8 shutdown_code; /* SHUTDOWN_* from shutdown_code, or the reason */
	bool has_shutdown_code; /* SCHEDOP_shutdown_code was called */
	struct shared_info *shared_info;
	u64 tot_pages, max_pages;
	unsigned long vm_assist; /* VMASST_TYPE_* bits enabled (pv/mm.c) */
	mfn_t *p2m; /* hypervisor copy of pfn -> mfn for the initial allocation */
	struct vcpu *vcpu[MAX_VIRT_CPUS];
	struct evtchn evtchn[EVTCHN_NR_PORTS]; /* 2-level port table, port 0 reserved */
	struct grant_table *grant_table; /* common/grant_table.c */
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
