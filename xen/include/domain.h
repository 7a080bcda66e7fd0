/* Domains and virtual CPUs. */
#ifndef PETREL_DOMAIN_H
#define PETREL_DOMAIN_H

#include "types.h"
#include "spinlock.h"
#include "regs.h"
#include "public/xen.h"
#include "public/vcpu.h"
#include "event.h"
#include "timer.h"
#include "pirq.h"
#include "rangeset.h"
#include "hvm_vcpu.h"
#include "vmce.h"
#include "logdirty.h"

/*
 * vCPUs a domain may have: one vcpu_info slot each in shared_info
 * (XEN_LEGACY_MAX_VCPUS). Xen allows more with VCPUOP_register_vcpu_info.
 */
#define MAX_VIRT_CPUS XEN_LEGACY_MAX_VCPUS

struct grant_table;

struct trap_bounce_entry {
	u16 cs;
	u8 flags; /* trap_info flags: DPL in bits 0-1, bit 2 = mask events */
	u64 address;
};

/*
 * The x86 parts of a vCPU and a domain (Xen's arch_vcpu / arch_domain):
 * what every x86 guest type has, then a union with one member per guest
 * type: PV or HVM (hvm_vcpu.h); d->arch.is_hvm says which.
 * (docs/design.md, "Common and arch state".)
 */

/* A PV vCPU's own state (Xen's struct pv_vcpu). */
struct pv_vcpu {
	struct trap_bounce_entry traps[256];
	u64 kernel_ss, kernel_sp;
	bool in_kernel; /* guest kernel mode (both modes run in ring 3) */
	u64 guest_cr0; /* virtual %cr0 (TS is the guest's) */
	u64 guest_cr4; /* virtual %cr4 (PV_CR4_MASK bits) */
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

	/* Callbacks (pv/callback.c): guest addresses, 0 = none. */
	u64 event_callback, failsafe_callback, syscall_callback;
	u64 syscall32_callback, sysenter_callback, nmi_callback;
	u32 callback_mask; /* bit CALLBACKTYPE_x: CALLBACKF_mask_events given */

	/* The CPU state kept here while another vCPU runs (pv/domain.c). */
	struct cpu_regs user_regs; /* the guest's register frame */
	u64 fs_base, gs_base, shadow_gs_base; /* the segment-base MSRs as they were */
	u16 ds_sel, es_sel, fs_sel, gs_sel;
	u64 tsc_aux; /* MSR_TSC_AUX as it was (CPUs with rdtscp) */
	bool fpu_saved; /* fpu_area holds its FPU/SSE state (else: a fresh one) */
	u8 fpu_area[512] __aligned(16); /* fxsave image */
	u64 xcr0; /* its XCR0 (xsetbv), 0 = x87 and SSE only */
	u8 *xsave_area; /* the XSAVE components beyond x87/SSE (CPUs with XSAVE), else NULL */
};

struct arch_vcpu {
	u64 debugreg[8]; /* set_debugreg values (4 and 5 unused) */
	struct vmce_state vmce; /* the machine-check MSRs (arch/x86/vmce.c) */
	union {
		struct pv_vcpu pv;
		struct hvm_vcpu hvm;
	};
};

/* A PV domain's own state. */
struct pv_domain {
	mfn_t *p2m; /* hypervisor copy of pfn -> mfn for the initial allocation */
	unsigned int p2m_order; /* its allocation's order */
	bool shadowed; /* log-dirty on: the CPU walks shadows of its tables (pv/shadow.c) */
};

#define E820_ORDER 3 /* room for Xen's 1024 memory map entries of 20 bytes */

struct arch_domain {
	struct domain_pirqs pirq; /* arch/x86/physdev.c */
	struct rangeset ioport_caps; /* I/O ports it may use (io_caps.h) */
	bool is_hvm; /* the unions below hold the hvm members */
	u32 tsc_mode; /* XEN_DOMCTL_settscinfo's TSC_MODE_* (the TSC is never emulated here) */
	u32 incarnation; /* settscinfo's incarnation + 1 */
	void *e820; /* XENMEM_set_memory_map's entries (2^E820_ORDER pages), NULL = none */
	unsigned int nr_e820; /* PV and HVM domains alike */
	union {
		struct pv_domain pv;
		struct hvm_domain hvm;
	};
};

struct vcpu {
	struct domain *domain;
	unsigned int vcpu_id;
	struct vcpu_info *vcpu_info; /* inside the domain's shared_info */
	struct arch_vcpu arch;

	/* Events (common/event_channel.c, common/schedule.c). */
	u32 virq_to_evtchn[NR_VIRQS]; /* 0 = not bound */
	struct evtchn_fifo_vcpu evtchn_fifo; /* FIFO ABI: control block and queues */
	bool polling; /* in SCHEDOP_poll: an event on poll_evtchn wakes it */
	s32 poll_evtchn; /* -1 = any port, else the one port polled */

	/* Time (arch/x86/time.c, common/timer.c, common/vcpu.c). */
	bool timers_ready; /* the timers below are initialised */
	bool time_started; /* pv_time_check's first-run setup is done */
	struct timer singleshot_timer, periodic_timer, poll_timer;
	u64 periodic_period; /* ns, 0 = no periodic VIRQ_TIMER; PV default 10 ms */
	u64 periodic_last; /* system time of the last periodic VIRQ_TIMER */
	u64 runstate_guest; /* guest address of a vcpu_runstate_info, 0 = none */
	bool runstate_stale; /* the guest's copy misses a change (common/vcpu.c) */
	u64 time_info_guest; /* guest address of a second vcpu_time_info, 0 = none */
	struct vcpu_runstate_info runstate;
	mfn_t vcpu_info_mfn; /* frame of a registered vcpu_info, 0 = shared_info's */

	/* Scheduling (common/scheduler.c; docs/design.md "Scheduler"). */
	u64 hard_affinity, soft_affinity; /* CPUs it may / prefers to run on (bit n = CPU n) */
	/*
	 * Scheduling state. pause_flags is changed atomically (a waker clears
	 * VPF_blocked while the vCPU sets it); the rest is covered by the
	 * run-queue lock of the CPU @processor names (scheduler.c), which is
	 * also held to change @processor.
	 */
	unsigned long pause_flags; /* VPF_*: reasons of its own not to run */
	unsigned int pause_count; /* vcpu_pause() nesting */
	bool is_running; /* the vCPU its CPU runs now */
	bool on_runq;
	unsigned int processor; /* the CPU whose run queue holds it */
	struct vcpu *runq_next;
	u64 sched_vtime; /* running time weighed by its domain's weight: the lowest runs first */
	u64 sched_since; /* when its running time was last counted */
	u64 sched_run_start; /* when it last got its CPU */
	bool sched_yielded; /* SCHEDOP_yield: the others of its queue go first, once */
};

/* vcpu.pause_flags */
#define VPF_blocked (1UL << 0) /* SCHEDOP_block/poll: waits for an event */
#define VPF_down (1UL << 1) /* not brought up (VCPUOP_down, or never started) */

/* How far a domain is on its way out (Xen's is_dying values). */
enum domain_dying {
	DOMDYING_alive,
	DOMDYING_dying, /* being torn down: it never runs again */
	DOMDYING_dead, /* torn down; the struct waits for its last reference */
};

struct domain {
	domid_t domain_id;
	bool is_privileged;
	bool is_console; /* may use console_io (dom0, and the multiboot "domu" aid) */
	bool is_shutting_down;
	bool is_crashed;
	bool cpu_fsgsbase; /* PV: its CPU policy, set on restore, offers FSGSBASE (domctl.c) */
	enum domain_dying is_dying;
	unsigned int refcnt; /* the registry's reference + get_domain() holders */
	unsigned int pause_count; /* domain_pause() nesting (hypervisor's own) */
	unsigned int controller_pause_count; /* the toolstack's pauses */
	struct domain *next_in_list; /* the registry, sorted by id */
	struct domain *next_in_hash;
	struct domain *next_dead; /* waiting to be freed (domain.c) */
	unsigned int shutdown_code; /* SHUTDOWN_*: the first one given, else INVALID */
	unsigned int init_done; /* domain.c: the creation steps done, to undo */
	struct shared_info *shared_info;
	u64 tot_pages, max_pages;
	u64 outstanding_pages; /* claimed frames not yet given (claim.c) */
	bool frames_hold_ref; /* dead, with frames still mapped elsewhere that hold it */
	/*
	 * The frames given to the domain (assign_page) and not yet back in the
	 * allocator, linked through page_info next/prev: the teardown walks
	 * these instead of the whole frame table.
	 */
	struct page_info *page_list;
	/*
	 * While dying: the frames the teardown has visited and kept (mapped
	 * elsewhere, or hypervisor pages), put back on page_list once the
	 * whole list is visited; the teardown step to resume at, and where on
	 * page_list the unpinning stopped (trusted while that frame is still
	 * listed as @d's).
	 */
	struct page_info *relmem_list;
	unsigned int kill_step;
	struct page_info *kill_cursor;
	unsigned long vm_assist; /* VMASST_TYPE_* bits enabled (pv/mm.c) */
	unsigned int max_vcpus; /* createdomain's max_vcpus */
	u32 max_evtchn_port; /* createdomain's limit (at most INT_MAX); ~0 for boot domains */
	u8 handle[16]; /* the toolstack's UUID (createdomain, setdomainhandle) */
	s64 time_offset; /* seconds added to the wall clock (settimeoffset) */
	u16 sched_weight; /* credit weight (domctl scheduler_op), 0 = the default 256 */
	u16 sched_cap;	  /* credit cap in percent of a CPU, 0 = none */
	/* The cap's current period and the time run in it: under cap_lock (scheduler.c). */
	u64 cap_period_start, cap_used;
	spinlock_t cap_lock; /* taken inside a run-queue lock, by any CPU running its vCPUs */
	struct vcpu *vcpu[MAX_VIRT_CPUS];
	/*
	 * The event lock: the port table and buckets, virq_to_evtchn of its
	 * vCPUs, the FIFO state (the event array, control blocks, queue tails).
	 * Two domains' locks are taken lower id first (event_channel.c).
	 */
	spinlock_t event_lock;
	struct evtchn evtchn[EVTCHN_NR_PORTS]; /* ports 0-4095, port 0 reserved */
	struct evtchn *evtchn_bucket[EVTCHN_NR_BUCKETS]; /* FIFO: ports from 4096 on, NULL = none */
	struct evtchn_fifo_domain evtchn_fifo; /* FIFO ABI: on, and the event array */
	u32 evtchn_hwm; /* one past the highest port handed out: ports above are free */
	struct grant_table *grant_table; /* common/grant_table.c */
	struct rangeset iomem_caps; /* machine frames of I/O memory it may map (io_caps.h) */
	struct rangeset irq_caps;   /* IRQs it may bind (io_caps.h) */
	struct logdirty logdirty;   /* live migration's dirty bitmap (logdirty.h) */
	struct arch_domain arch;
};

#ifdef __PETREL__
#include "smp.h"
/* The vCPU this CPU runs (or ran last), in the CPU's cpu_info. */
#define current (get_cpu_info()->current_vcpu)
#else
extern struct vcpu *current; /* host builds: one CPU */
#endif

/* The guest registers of the running vCPU: at the top of the hypervisor stack. */
struct cpu_regs *guest_regs(void);

/*
 * The domain registry and lifecycle (common/domain.c; the rules are in
 * docs/design.md "Domains"). The registry holds one reference to every
 * domain it lists; domain_by_id() and domain_lookup() hand out borrowed
 * pointers, valid until the hypercall or interrupt that got them ends,
 * because a domain's memory is only freed at a quiescent point
 * (domain_reap(), on the way back to a guest). Whoever keeps a pointer
 * longer takes a reference with get_domain().
 */
#define DOMID_HARDWARE 0 /* its end is the machine's end */
#define SHUTDOWN_CODE_INVALID (~0u) /* no shutdown code given yet */

/* Create domain @id (born paused by the controller when @paused). */
int domain_create(domid_t id, bool privileged, bool paused, struct domain **out); /* one vCPU */
/* The same with @nr_vcpus vCPUs made now, all down (the toolstack's createdomain: 0). */
int domain_create_nr(domid_t id, bool privileged, bool paused, unsigned int nr_vcpus,
		     struct domain **out);
/* Make the missing vCPUs 0..@n-1 (XEN_DOMCTL_max_vcpus), down: 0 or -errno. */
int domain_create_vcpus(struct domain *d, unsigned int n);
/*
 * Xen's domain_kill: tear @d down in steps, dropping the registry's
 * reference at the end. 0 once dead (a dead domain too), or -ERESTART when
 * hypercall_preempt_check() asks to stop; calling again resumes.
 */
int domain_kill(struct domain *d);
/* The same in one go: 0, or -EINVAL if @d was dying already. */
int domain_destroy(struct domain *d);
/* The listed domain with id @id, or NULL (dying domains are still listed). */
struct domain *domain_by_id(domid_t id);
/* The first listed domain with an id >= @id, or NULL (getdomaininfo's rule). */
struct domain *domain_first_from(domid_t id);
/* Walk the registry in id order: domain_next(NULL) is the first. */
struct domain *domain_next(const struct domain *d);
/* How many of d->vcpu[] may be set: vCPU ids stay below max_vcpus (domctl.c). */
static inline unsigned int domain_vcpu_slots(const struct domain *d)
{
	return d->max_vcpus < MAX_VIRT_CPUS ? d->max_vcpus : MAX_VIRT_CPUS;
}
/* The one resolver of a domain named by a guest: DOMID_SELF or an id. */
static inline struct domain *domain_lookup(domid_t id)
{
	return id == DOMID_SELF ? current->domain : domain_by_id(id);
}
void get_domain(struct domain *d);
void put_domain(struct domain *d);
void domain_frame_freed(struct domain *d);
/* Take @pg off @d's frame lists (page_list, or relmem_list while dying). */
void domain_unlist_frame(struct domain *d, struct page_info *pg);
struct page_info;
bool domain_keep_shared_page(struct domain *d, struct page_info *pg);
/* True if @v has an upcall to take (pending and not masked); inline for the return to a guest. */
static inline bool evtchn_upcall_due(const struct vcpu *v)
{
	return v->vcpu_info->evtchn_upcall_pending && !v->vcpu_info->evtchn_upcall_mask;
}

/* Domains whose last reference went, not freed yet (domain.c). */
extern struct domain *domain_dead_list;
void domain_reap_dead(void);
/* Free domains whose last reference went (a quiescent point); inline, as most find none. */
static inline void domain_reap(void)
{
	if (__atomic_load_n(&domain_dead_list, __ATOMIC_RELAXED))
		domain_reap_dead();
}
/*
 * Code running without the hypervisor lock brackets its use of borrowed
 * domain pointers (domain_by_id) with these: domain_reap() frees nothing
 * meanwhile. No guest fault may be taken inside (it would take the lock).
 */
void domain_read_begin(void);
void domain_read_end(void);
/* Number of domains listed (alive or dying). */
unsigned int domain_count(void);
struct xen_domctl_getdomaininfo;
/* Fill a getdomaininfo record for @d, as Xen 4.17 does (common/domctl.c). */
void getdomaininfo(struct domain *d, struct xen_domctl_getdomaininfo *info);
/* domctl_trace: a console line for each domctl (setup.c sets it from the command line). */
extern bool domctl_trace_on;

/* Stop / restart every vCPU of @d (the hypervisor's and the toolstack's pauses). */
void domain_pause(struct domain *d);
void domain_unpause(struct domain *d);
int domain_pause_by_controller(struct domain *d);
int domain_unpause_by_controller(struct domain *d);
/*
 * XEN_DOMCTL_resumedomain: a domain that shut down (a cancelled suspend)
 * runs on where it stopped, with no shutdown code.
 */
void domain_resume(struct domain *d);
/*
 * XEN_DOMCTL_soft_reset (Xen 4.17's domain_soft_reset): a domain that shut
 * down, held by the toolstack's pause, starts afresh in place for a kexec'd
 * kernel: its ports closed, its registered vcpu_info and runstate areas
 * forgotten, then the arch part (arch_domain_soft_reset), then it is
 * resumed where it stopped with its memory and registers. 0, -EINVAL (not
 * shut down, not paused by the toolstack, dying, or the arch part's
 * refusal: the domain then stays shut down), -ENOMEM, or -ERESTART (call
 * again: the ports close in batches).
 */
int domain_soft_reset(struct domain *d);

/*
 * End @d: @reason is a SHUTDOWN_* value. The hardware domain's end is the
 * machine's (this does not return for it); any other domain stops running,
 * is marked shut down and dom0 hears of it through VIRQ_DOM_EXC.
 */
void domain_shutdown(struct domain *d, unsigned int reason);
/*
 * Kill the running domain @d for misbehaviour, with a message naming why.
 * Never returns to the caller: the CPU goes on with another vCPU (or, for
 * the hardware domain, the machine stops).
 */
__noreturn void domain_crash(struct domain *d, const char *fmt, ...) __printf(2, 3);

/* ---- arch hooks of a vCPU's start (arch/x86/pv/vcpu_context.c) ---- */
/* @v has its first context (a PV vCPU its page tables), so VCPUOP_up may start it. */
bool arch_vcpu_initialised(const struct vcpu *v);
/* VCPUOP_initialise: give @v its first context from guest address @arg. */
long arch_initialise_vcpu(struct vcpu *v, unsigned long arg);

/* ---- arch hooks of the lifecycle (arch/x86/pv/domain.c) ---- */
int arch_domain_create(struct domain *d);
/* Drop every reference the domain's vCPUs (base pointers, LDT, registered frames) hold. */
void arch_domain_relinquish(struct domain *d);
/* Drop the type reference of the pin just taken off table @pg (devalidating its tree). */
void arch_unpin_table(struct page_info *pg);
void arch_domain_destroy(struct domain *d);
/*
 * The arch part of a soft reset: registered vcpu_info frames dropped (back
 * to shared_info's slots); a PV domain then refused (-EINVAL, as Xen does);
 * an HVM one forgets its vCPUs' second time areas and gets a fresh RAM
 * frame where it had mapped its shared_info (-ENOMEM if none is left).
 */
int arch_domain_soft_reset(struct domain *d);
/* A vCPU of the domain was made / is about to be freed: its arch state. */
int arch_vcpu_create(struct vcpu *v);
void arch_vcpu_destroy(struct vcpu *v);
/* The hardware domain ended (@crashed, or a SHUTDOWN_* @reason): stop the machine. */
__noreturn void arch_hwdom_end(const struct domain *d, unsigned int reason, bool crashed);
/* Print what the crashing running vCPU was doing. */
void arch_show_crash_state(void);

#endif
