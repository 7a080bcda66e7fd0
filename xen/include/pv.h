/* PV guest support: building the initial domain, traps, hypercalls. */
#ifndef PETREL_PV_H
#define PETREL_PV_H

#include "types.h"
#include "regs.h"
#include "domain.h"
#include "pv_mm.h"

struct domain;
struct vcpu;
struct boot_info;
struct bi_mod;

struct dom0_params {
	const struct bi_mod *kernel;
	const struct bi_mod *initrd; /* NULL if none */
	u64 mem_bytes;		     /* 0 = default */
	u64 mem_max_bytes;     /* dom0_mem's max:, the most it may balloon up to; 0 = no limit */
	bool cmdline_has_name; /* the module string starts with the file name */
	bool domu;	       /* an unprivileged domain beside dom0 (the "domu" testing aid) */
};

/* Build dom0 from its kernel image; -EINVAL with a printed reason if rejected. */
int pv_build_dom0(struct domain *d, const struct dom0_params *p);
/* Bring vCPU 0 of @d up and start the scheduler on this CPU (never returns). */
__noreturn void pv_start_vcpu(struct domain *d);

void pv_trap(struct cpu_regs *r);
void pv_return_to_guest(struct cpu_regs *r);
/*
 * The paths that touch only the current vCPU and run without the
 * hypervisor lock (docs/design.md, "Locks"): may they run now (no
 * log-dirty shadows anywhere, the vCPU's runstate copy up to date, its
 * time set up)? A page fault from the guest that the hypervisor never
 * fixes up, bounced without the lock: false when it must take the lock.
 * The way back from them: straight to the guest unless there is work
 * (a reschedule, an upcall to bounce), which takes the lock.
 */
static inline bool pv_unlocked_ok(const struct vcpu *v)
{
	return !pv_any_shadowed() && !v->runstate_stale && v->time_started;
}
bool pv_page_fault_without_lock(struct cpu_regs *r);
/* The timer interrupt from a PV guest without the lock: false when it must take it. */
bool pv_timer_without_lock(struct cpu_regs *r);
void pv_return_unlocked(struct cpu_regs *r);
/* Queue exception @vector (error code @ec, or -1 for none) for the guest. */
void pv_inject_exception(struct cpu_regs *r, unsigned int vector, s64 ec);
/* Deliver a #PF at @cr2: @ec without its user bit, which follows the guest's mode. */
void pv_inject_page_fault(struct cpu_regs *r, u64 cr2, u64 ec);
bool pv_emulate_invalid_op(struct cpu_regs *r);
bool pv_emulate_gp(struct cpu_regs *r);
/* A new vCPU's virtual %cr4 (with OSXSAVE where the CPU has XSAVE), loaded if it runs. */
void pv_init_guest_cr4(struct vcpu *v);

/* XSAVE state beyond fxsave's, and XCR0, switched per vCPU (pv/xstate.c). */
struct pv_vcpu;
bool pv_has_xsave(void);
/* The order of the pages a vCPU's XSAVE area takes. */
unsigned int pv_xsave_area_order(void);
void pv_save_xstate(struct pv_vcpu *pv);
void pv_load_xstate(struct pv_vcpu *pv);
/* The running vCPU's xsetbv of XCR0 = @val succeeded: keep it, newly enabled components start
 * clean. */
void pv_xcr0_set(struct pv_vcpu *pv, u64 val);
/* A new context: XCR0 x87/SSE only, every other component in its init state. */
void pv_reset_xstate(struct pv_vcpu *pv);
/* @val is an XCR0 a PV kernel may set (xsetbv, or a restored XSAVE record). */
bool pv_xcr0_valid(u64 val);
u64 pv_cr4_guest_bits(void);
/* The XSAVE record of save/restore (getvcpuextstate / setvcpuextstate), see pv/xstate.c. */
u64 pv_xstate_mask(void);
unsigned int pv_xstate_record_max(void);
long pv_get_xstate_record(const struct pv_vcpu *pv, u64 dst, u64 *size);
long pv_set_xstate_record(struct pv_vcpu *pv, u64 src, u64 size);
void pv_cpuid(u32 leaf, u32 subleaf, u32 *a, u32 *b, u32 *c, u32 *d);
void pv_fill_hypercall_page(void *page);

/* ---- the toolstack's view of a PV vCPU (pv/vcpu_context.c, pv/domain.c) ---- */
struct vcpu_guest_context;
/* Load a whole context (setvcpucontext): 0 or Xen's error, nothing changed on error. */
int pv_set_vcpu_context(struct vcpu *v, const struct vcpu_guest_context *c);
void pv_get_vcpu_context(const struct vcpu *v, struct vcpu_guest_context *c);
/* The vCPU has its page tables (it was given a context, or built). */
bool pv_vcpu_initialised(const struct vcpu *v);
/* Down, with no tables, GDT, LDT or registers (setvcpucontext without a context). */
void pv_vcpu_reset(struct vcpu *v);
/* Drop the references the vCPU holds: base pointers, LDT, GDT, vcpu_info frame. */
void pv_vcpu_relinquish(struct vcpu *v);
/* The save/restore extras of a PV vCPU (pv/save_state.c): 0 or Xen's error. */
struct xen_domctl_ext_vcpucontext;
struct xen_domctl_vcpuextstate;
struct xen_domctl_vcpu_msrs;
long pv_get_ext_vcpucontext(struct domain *d, struct xen_domctl_ext_vcpucontext *e);
long pv_set_ext_vcpucontext(struct domain *d, const struct xen_domctl_ext_vcpucontext *e);
long pv_get_vcpu_extstate(struct domain *d, struct xen_domctl_vcpuextstate *x);
long pv_set_vcpu_extstate(struct domain *d, const struct xen_domctl_vcpuextstate *x);
long pv_get_vcpu_msrs(struct domain *d, struct xen_domctl_vcpu_msrs *m);
long pv_set_vcpu_msrs(struct domain *d, struct xen_domctl_vcpu_msrs *m, bool *copyback);
/* Fill frame @gmfn of @d with hypercall stubs (XEN_DOMCTL_hypercall_init). */
int pv_hypercall_init(struct domain *d, u64 gmfn);
/* getpageframeinfo3's XEN_DOMCTL_PFINFO_* for frame @mfn named for @d. */
u32 pv_frame_type_info(struct domain *d, u64 mfn);

void do_syscall(struct cpu_regs *r);
void do_sysenter(struct cpu_regs *r);
/* On a #DB (guest or hypervisor context): fold the hardware DR6 into the guest's. */
void pv_collect_dr6(void);
void pv_ignore_hypervisor_db(void);
/* Hypercall handlers the instruction emulator shares. */
long do_set_debugreg(unsigned long reg, unsigned long value);
long do_get_debugreg(unsigned long reg);
long do_fpu_taskswitch(unsigned long set);
/* entry.S: the iretq back to the guest faulted. */
__noreturn void pv_iret_fault(struct cpu_regs *r);

struct vcpu;
/* Switch @v between guest kernel and user mode: page tables, GS bases (pv/iret.c). */
void pv_toggle_guest_mode(struct vcpu *v);
/* Enter a guest callback with Xen's frame and no error code (pv/traps.c). */
void pv_bounce_callback(struct cpu_regs *r, u64 address, bool mask_events);
/* #NM from the guest: true if it is the guest's own (virtual CR0.TS) (pv/callback.c). */
bool pv_fpu_device_not_available(struct cpu_regs *r);

#endif
