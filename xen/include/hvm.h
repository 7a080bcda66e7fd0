/*
 * HVM guests: the vendor-neutral layer (xen/arch/x86/hvm/) and the interface
 * a hardware backend (svm/ or vmx/) fills in. The backend turns its
 * exits into calls of the hvm_handle_* functions below; those read and write
 * the guest through v->arch.hvm and the backend's hooks.
 */
#ifndef PETREL_HVM_H
#define PETREL_HVM_H

#include "types.h"
#include "regs.h"
#include "domain.h"

struct vcpu;
struct domain;
struct bi_mod;
struct petrel_hvm_hw_cpu;

/* Guest execution modes (Xen's hvm_guest_x86_mode values). */
#define HVM_MODE_REAL 0
#define HVM_MODE_VM86 1
#define HVM_MODE_16 2
#define HVM_MODE_32 4
#define HVM_MODE_64 8

/* Exceptions the layer injects. */
#define HVM_EXC_NMI 2
#define HVM_EXC_UD 6
#define HVM_EXC_SS 12
#define HVM_EXC_GP 13
#define HVM_EXC_PF 14

/* The hypercall MSR (CPUID leaf base+2 EBX). */
#define HVM_HYPERCALL_MSR 0x40000000u

/*
 * What a backend provides. guest_mode/cpl read the current state; set_cr
 * and set_efer load a value the neutral layer validated (cr is 0 or 4);
 * inject queues an exception for the next entry; run enters the guest once
 * and handles the exit (it returns to the loop in hvm.c).
 */
struct hvm_backend {
	const char *name;
	int (*vcpu_init)(struct vcpu *v);
	void (*vcpu_destroy)(struct vcpu *v);
	void (*vcpu_set_pvh_state)(struct vcpu *v, u64 entry, u64 ebx);
	/* The CPU record of the HVM context (hvm/context.c checked it first). */
	void (*set_cpu_state)(struct vcpu *v, const struct petrel_hvm_hw_cpu *c);
	void (*get_cpu_state)(const struct vcpu *v, struct petrel_hvm_hw_cpu *c);
	unsigned int (*guest_mode)(const struct vcpu *v);
	unsigned int (*cpl)(const struct vcpu *v);
	u64 (*cr3)(const struct vcpu *v);
	u64 (*cs_base)(const struct vcpu *v);
	/* The base of segment register @seg (enum x86_seg, ES to GS). */
	u64 (*seg_base)(const struct vcpu *v, unsigned int seg);
	/*
	 * The limit (in bytes) and attributes (the VMCB's 12-bit form, 0 for an
	 * unusable segment) of segment register @seg (ES to GS).
	 */
	void (*seg_limits)(const struct vcpu *v, unsigned int seg, u32 *limit, u16 *attr);
	void (*set_cr)(struct vcpu *v, unsigned int cr, u64 val);
	void (*set_efer)(struct vcpu *v, u64 efer);
	u64 (*get_pat)(const struct vcpu *v);
	void (*set_pat)(struct vcpu *v, u64 pat);
	void (*inject)(struct vcpu *v, unsigned int vector, s64 error_code);
	/* The guest's CR2, as the CPU leaves it at a #PF (for one the layer injects). */
	void (*set_cr2)(struct vcpu *v, u64 cr2);
	void (*fill_hypercall_page)(void *page);
	void (*run)(struct vcpu *v);
	void (*dump)(const struct vcpu *v);
	/* Optional: @v is about to run on this CPU after another vCPU did. */
	void (*context_load)(struct vcpu *v);
	/* Optional: @v leaves this CPU; state the CPU still holds goes back to @v. */
	void (*context_save)(struct vcpu *v);
	/* Optional: this CPU drops what it holds of a vCPU that is gone, saving nothing. */
	void (*context_drop)(void);
};

/* The backend picked at boot, NULL if the CPU has no usable one. */
extern const struct hvm_backend *hvm_backend;
/* Probe the CPU and turn the backend on; a reason is printed if none. */
void hvm_init(void);
/* Backends (hvm/svm/svm.c, hvm/vmx/vmx.c): the ops if this CPU can run it, else NULL. */
const struct hvm_backend *svm_probe(void);
const struct hvm_backend *vmx_probe(void);

/* Make @d an HVM domain with its vCPUs' state; -EOPNOTSUPP without a backend. */
int hvm_domain_init(struct domain *d);
/* Free the p2m (the domain's frames go with the common teardown). */
void hvm_domain_destroy(struct domain *d);
/* A vCPU's HVM state (backend control block, vLAPIC), and its end. */
int hvm_vcpu_initialise(struct vcpu *v);
void hvm_vcpu_destroy(struct vcpu *v);
/* XEN_DOMCTL_sethvmcontext / gethvmcontext (hvm/context.c). */
long hvm_set_context(struct domain *d, u64 buf, u32 size);
long hvm_get_context(struct domain *d, u64 buf, u32 *size);
long hvm_get_context_partial(struct domain *d, u32 type, u32 instance, u64 buf, u64 *bufsz);
struct vcpu_guest_context;
/*
 * The general registers, RIP and RFLAGS of a CPU record to and from a
 * backend's saved registers (hvm/context.c); the other fields of @r are 0.
 */
void hvm_record_from_regs(struct petrel_hvm_hw_cpu *c, const struct cpu_regs *r);
void hvm_regs_from_record(struct cpu_regs *r, const struct petrel_hvm_hw_cpu *c);
/* XEN_DOMCTL_getvcpucontext of an HVM vCPU (hvm/context.c). */
void hvm_get_vcpu_context(struct vcpu *v, struct vcpu_guest_context *g);
/* Build the initial domain as PVH from @kernel (hvm/dom0_build.c). */
int pvh_build_dom0(struct domain *d, const struct bi_mod *kernel, const struct bi_mod *initrd,
		   u64 mem_bytes, bool cmdline_has_name);

/* The nested-paging p2m (hvm/p2m.c), in NPT format unless the backend asked for EPT. */
void p2m_use_ept(void);
int p2m_init(struct domain *d);
void p2m_destroy(struct domain *d);
int p2m_set_entry(struct domain *d, u64 gfn, mfn_t mfn);
/* Unmap @gfn (nothing if it was not mapped); the frame is not freed here. */
void p2m_clear_entry(struct domain *d, u64 gfn);
/* The machine frame of RAM at @gfn, or INVALID_MFN. */
mfn_t p2m_lookup(const struct domain *d, u64 gfn);
/*
 * Log-dirty on the p2m: write-protect every writable RAM entry (the start of
 * a pass: ENABLE and each CLEAN), make them all writable again (OFF), and a
 * nested page fault or EPT violation at @gpa: true if it hit a protected
 * entry, which is then writable and its GFN marked dirty, or one writable
 * already (a stale translation); the access is then retried.
 */
void p2m_logdirty_protect(struct domain *d);
void p2m_logdirty_restore(struct domain *d);
bool p2m_logdirty_fault(struct domain *d, u64 gpa);
/* After p2m entries of @d were cleared: no CPU still translates through them. */
void hvm_p2m_sync_cpus(const struct domain *d);
paddr_t p2m_root_maddr(const struct domain *d);
#define INVALID_MFN (~0UL)

/* Guest memory by linear address, through the guest's own page tables. */
int hvm_copy_from_guest_linear(void *dst, u64 va, size_t len);
int hvm_copy_to_guest_linear(u64 va, const void *src, size_t len);
/* Fetch up to @len bytes at @va for instruction decoding: bytes read. */
unsigned int hvm_fetch(struct vcpu *v, u64 va, u8 *buf, unsigned int len);

/* Exit handlers called by the backend; false = advance nothing (fault injected or retry). */
void hvm_handle_cpuid(struct vcpu *v);
void hvm_cpuid_leaf(unsigned int vcpu_id, u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d);
/* The hypercall in @v's registers; false if it is to be issued again (a continuation). */
bool hvm_handle_hypercall(struct vcpu *v);
/* hypercall_create_continuation for an HVM vCPU: the arguments back in its registers. */
long hvm_hypercall_continuation(unsigned int nr, unsigned int nargs, const unsigned long *args);
/* RDMSR/WRMSR: 0 or -1 when #GP was injected. */
int hvm_msr_read(struct vcpu *v, u32 msr, u64 *val);
int hvm_msr_write(struct vcpu *v, u32 msr, u64 val);
/* A MOV to CR0/CR4, or CLTS (cr 0, @clts). 0, or -1 when #GP was injected. */
int hvm_set_cr(struct vcpu *v, unsigned int cr, u64 val);
/* Port I/O exits (non-string): @in, port, size 1/2/4. */
void hvm_handle_pio(struct vcpu *v, bool in, u16 port, unsigned int size);
/*
 * INS/OUTS at rip (the exit gave direction and element size): false while
 * a REP has elements left (rip stays, the instruction runs again).
 */
bool hvm_handle_string_pio(struct vcpu *v, bool in, u16 port, unsigned int size);
/*
 * An INS element's answer from an ioreq server, stored at linear @va (RAM
 * or an emulated device's registers); false when the guest's tables no
 * longer let the CPU reach it.
 */
bool hvm_string_store(struct vcpu *v, u64 va, u64 data, unsigned int size);
void hvm_handle_hlt(struct vcpu *v);
/* XENMEM_add_to_physmap on a request already in Xen's memory (memory.c). */
struct xen_add_to_physmap;
long memory_add_to_physmap(const struct xen_add_to_physmap *x);
/* XENMEM_remove_from_physmap and XENMEM_memory_map with their fields read (memory.c). */
long memory_remove_from_physmap(domid_t domid, u64 gpfn);
long memory_map_read(u32 *nr, u64 buffer);
/* A fresh zeroed frame of the HVM domain @d mapped at @gfn (memory.c): 0 or -ENOMEM. */
int memory_hvm_fresh_frame(struct domain *d, u64 gfn);
/* memory_op's command: the op below, the extent a continuation resumes at above. */
#define MEMOP_EXTENT_SHIFT 6
#define MEMOP_CMD_MASK ((1UL << MEMOP_EXTENT_SHIFT) - 1)
/* increase_reservation / populate_physmap on a request already read (memory.c). */
struct xen_memory_reservation;
long memory_grow(unsigned long cmd, unsigned long arg, const struct xen_memory_reservation *r,
		 unsigned int pfn_size);
/* A mov at @gpa outside RAM that nothing claims: reads all-ones; its length, 0 if not emulated. */
unsigned int hvm_null_mmio(struct vcpu *v, u64 gpa);
/*
 * A nested page fault / EPT violation (@exit, with the backend's @info) at
 * @gpa: the emulated access's length (rip moves on by it), or 0 when the
 * instruction is to run again (a log-dirty write, a MOVS/STOS pass, an
 * exception injected). What nothing emulates crashes the domain.
 */
unsigned int hvm_mmio_exit(struct vcpu *v, u64 gpa, const char *exit, u64 info);
__noreturn void hvm_triple_fault(struct vcpu *v);
/* Kill the domain for an exit Petrel cannot handle, with the backend's dump. */
__noreturn void hvm_crash(struct vcpu *v, const char *why);
/* Decode the instruction at the guest's rip: its length, 0 if it cannot be fetched or decoded. */
struct x86_insn;
unsigned int hvm_decode_current(struct vcpu *v, struct x86_insn *in);
/* Log the bytes of the instruction at the vCPU's CS:IP (for a crash report). */
void hvm_print_current_insn(struct vcpu *v);
/* A general register by number (0 = rax ... 15 = r15). */
u64 *hvm_gpr(struct vcpu *v, unsigned int n);

/* The virtual local APIC (hvm/vlapic.c). */
int vlapic_init(struct vcpu *v);
void vlapic_destroy(struct vcpu *v);
/* vlapic_destroy, and the register page freed. */
void vlapic_free(struct vcpu *v);
/* Raise fixed interrupt @vec in @v's IRR and wake it. */
void vlapic_set_irq(struct vcpu *v, unsigned int vec);
/* The highest IRR vector above the processor priority, -1 if none. */
int vlapic_pending(struct vcpu *v);
/* @vec is being delivered: IRR -> ISR. */
void vlapic_ack(struct vcpu *v, unsigned int vec);
/* Before an entry: the APIC timer's vector again while its ticks are pending. */
void vlapic_ticks(struct vcpu *v);
/* vlapic_set_irq with the trigger mode: a level one's EOI reaches the IO-APIC. */
void vlapic_set_irq_level(struct vcpu *v, unsigned int vec, bool level);
/* Whether an interrupt for @dest (physical or flat logical) is @v's. */
bool vlapic_match_dest(struct vcpu *v, u32 dest, bool logical);
/*
 * vCPU 0 with LINT0 in ExtINT mode, its APIC off, or its APIC on and
 * IO-APIC pin 0 unmasked in ExtINT mode for it (virtual wire through the
 * IO-APIC, as hvmloader sets up): the PIC's INTR reaches it.
 */
bool vlapic_accepts_pic(struct vcpu *v);
u8 vlapic_tpr(struct vcpu *v);
void vlapic_set_tpr(struct vcpu *v, u8 tpr);
/* An access to guest-physical @gpa is the xAPIC page's. */
bool vlapic_mmio_claims(struct vcpu *v, u64 gpa);
/* Emulate the access at rip to @gpa: the instruction length, 0 if not emulated. */
unsigned int vlapic_mmio(struct vcpu *v, u64 gpa);
/* A string I/O element's bytes in the APIC page (false: a shape it does not take). */
bool vlapic_mmio_bytes(struct vcpu *v, u64 gpa, u8 *buf, unsigned int len, bool write);
/* x2APIC MSRs 0x800-0x8ff and the APIC base: 0, or -1 for #GP. */
int vlapic_msr_read(struct vcpu *v, u32 msr, u64 *val);
int vlapic_msr_write(struct vcpu *v, u32 msr, u64 val);
u64 vlapic_base(const struct vcpu *v);
/* The LAPIC and LAPIC_REGS save records of @v; check before load (-EINVAL, -EOPNOTSUPP). */
struct hvm_hw_lapic;
struct hvm_hw_lapic_regs;
void vlapic_save(struct vcpu *v, struct hvm_hw_lapic *hw);
void vlapic_save_regs(struct vcpu *v, struct hvm_hw_lapic_regs *r);
int vlapic_check(const struct vcpu *v, const struct hvm_hw_lapic *hw);
void vlapic_load(struct vcpu *v, const struct hvm_hw_lapic *hw);
void vlapic_load_regs(struct vcpu *v, const struct hvm_hw_lapic_regs *r);
/* Its registers and timer, for the 'q' debug key. */
void vlapic_dump(struct vcpu *v);
int vlapic_set_base(struct vcpu *v, u64 val);

/* ioreq servers and dm_op (hvm/ioreq.c). */
long do_dm_op(unsigned long domid, unsigned long nr_bufs, unsigned long bufs);
/* XENMEM_acquire_resource of server @id's frames: MFNs to @frame_list, or the count. */
long ioreq_acquire_resource(struct domain *d, unsigned int id, u64 frame, u32 *nr_frames,
			    u64 frame_list);
void ioreq_domain_destroy(struct domain *d);
/* A vCPU made after the servers: its event channel on each of them. */
int ioreq_vcpu_init(struct vcpu *v);
/* Forward a port access to the server covering it (true), the vCPU then waits. */
bool hvm_ioreq_pio(struct vcpu *v, bool in, u16 port, unsigned int size);
/* An INS of one element: the server's answer is stored at guest linear @va. */
bool hvm_ioreq_pio_memory(struct vcpu *v, u16 port, unsigned int size, u64 va);
/* A string access of @count elements whose buffer is at guest-physical @gpa (data_is_ptr). */
bool hvm_ioreq_pio_buffer(struct vcpu *v, bool in, u16 port, unsigned int size, u32 count, bool df,
			  u64 gpa);
/* The guest moved its RTC by @delta seconds: IOREQ_TYPE_TIMEOFFSET on every server's ring. */
void hvm_ioreq_timeoffset(struct domain *d, s64 delta);
/* A MOVS/STOS request to memory in a server's range (hvm.c's string_mem). */
struct hvm_mmio_req {
	u64 gpa;  /* the first element's address */
	u64 data; /* the value (STOS, one MOVS element), or the RAM buffer's address with ptr */
	u64 va;	  /* a read of one element without ptr: where its answer is stored */
	unsigned int size;
	u32 count;
	bool read, ptr, df;
};
/*
 * The first step of an OUTS element in a server's memory range: a read of
 * the element at @gpa whose answer is held for the instruction; false when
 * no server takes it. hvm_take_held gives the answer to the same
 * instruction entered again, once.
 */
bool hvm_ioreq_mmio_hold(struct vcpu *v, u64 gpa, unsigned int size);
bool hvm_take_held(struct vcpu *v, u64 *data);
/* Send @q to the server whose range holds all its elements: false if none does. */
bool hvm_ioreq_mmio_string(struct vcpu *v, const struct hvm_mmio_req *q);
/* A server covers guest-physical @gpa. */
bool hvm_ioreq_claims_mmio(struct vcpu *v, u64 gpa);
/* Forward the mov at rip touching @gpa: its length, 0 if not decoded or not covered. */
unsigned int hvm_ioreq_mmio(struct vcpu *v, u64 gpa);
/* Before entry: false while the vCPU still waits for its server's answer. */
bool hvm_ioreq_complete(struct vcpu *v);

/* Event delivery: upcall_pending went 0 -> 1 on @v. */
void hvm_evtchn_upcall(struct vcpu *v);
/* The CALLBACK_IRQ vector to inject now (upcall_pending is set), else -1. */
int hvm_callback_pending(const struct vcpu *v);
/*
 * The next interrupt to offer, the callback vector before the vLAPIC's,
 * then the PIC's ExtINT (-1: none); hvm_intr_ack takes it when injected
 * and gives the vector to inject (the PIC's may have changed meanwhile).
 */
int hvm_next_interrupt(struct vcpu *v, bool *from_lapic);
/*
 * An NMI for @v (an IO-APIC pin in NMI mode): pending until the backend
 * injects it, one at a time, as Xen keeps one nmi_pending flag; a halted
 * vCPU wakes for it. hvm_take_nmi: true when one was pending (now taken).
 */
void hvm_raise_nmi(struct vcpu *v);
/*
 * Guest time, as Xen's hvm_get_guest_time: system time, less what
 * HVM_PARAM_TIMER_MODE 0 (delay_for_missed_ticks) held still while @v,
 * runnable and with its APIC timer running, was descheduled. The PM
 * timer and the PIT's counts (vCPU 0's) and the APIC timer's current
 * count run on it.
 */
u64 hvm_guest_time(const struct vcpu *v);
/* The same at system time @now (one instant for several readers). */
u64 hvm_guest_time_at(const struct vcpu *v, u64 now);
/* The scheduler takes @v off its CPU / gives it one (arch_vcpu_sched_out/in). */
void hvm_time_freeze(struct vcpu *v);
void hvm_time_thaw(struct vcpu *v);
/* Timer mode 0: a tick that was due at guest time @due was taken; guest time catches up to it. */
void hvm_time_catch_up(struct vcpu *v, u64 due);
/* The APIC timer is counting or has ticks pending. */
bool vlapic_timer_running(struct vcpu *v);
bool hvm_take_nmi(struct vcpu *v);
unsigned int hvm_intr_ack(struct vcpu *v, unsigned int vec);
/* HVMOP (hvm_op): params, the upcall vector; for HVM and PV callers. */
long do_hvm_op(unsigned long cmd, unsigned long arg);

/* Scheduler glue (called from the arch hooks in pv/domain.c). */
__noreturn void hvm_resume_current(void);
void hvm_context_save(struct vcpu *v);
void hvm_context_load(struct vcpu *v);
/* This CPU no longer holds anything of a vCPU that has been torn down or forgotten. */
void hvm_context_drop(void);
void hvm_show_crash_state(const struct vcpu *v);

static inline bool is_hvm_domain(const struct domain *d)
{
	return d->arch.is_hvm;
}

static inline bool is_hvm_vcpu(const struct vcpu *v)
{
	return is_hvm_domain(v->domain);
}

/*
 * The platform devices of a domain with Xen's full emulation set
 * (hvm/platform.c). HVM_PLATFORM_EMU_ALL is what libxl asks for type=hvm.
 */
#define HVM_PLATFORM_EMU_ALL 0x3ff
bool hvm_platform_flags_ok(u32 flags);
int hvm_platform_init(struct domain *d, u32 flags);
void hvm_platform_destroy(struct domain *d);
bool hvm_platform_pio(struct vcpu *v, bool in, u16 port, unsigned int size);
bool hvm_platform_claims_pio(struct vcpu *v, u16 port);
bool hvm_platform_claims_mmio(struct vcpu *v, u64 gpa);
unsigned int hvm_platform_mmio(struct vcpu *v, u64 gpa);
/* The same for the IO-APIC's and HPET's windows (vlapic_mmio_bytes above). */
bool hvm_platform_mmio_bytes(struct vcpu *v, u64 gpa, u8 *buf, unsigned int len, bool write);
int hvm_platform_pic_pending(struct vcpu *v);
/* IO-APIC pin 0 is unmasked in ExtINT mode with @v as its destination. */
bool hvm_platform_pin0_extint(struct vcpu *v);
unsigned int hvm_platform_pic_ack(struct vcpu *v);
/* The backend injected vLAPIC vector @vec into @v (a PIT tick through the IO-APIC?). */
void hvm_platform_lapic_ack(struct vcpu *v, unsigned int vec);
/* Before an entry: raise the interrupts of periodic ticks still pending. */
void hvm_platform_ticks(struct vcpu *v);
void hvm_platform_eoi(struct domain *d, unsigned int vector);
long hvm_platform_isa_irq(struct domain *d, unsigned int irq, unsigned int level);
long hvm_platform_pci_intx(struct domain *d, unsigned int seg, unsigned int bus, unsigned int dev,
			   unsigned int pin, unsigned int level);
long hvm_platform_link_route(struct domain *d, unsigned int link, unsigned int irq);
long hvm_platform_msi(struct domain *d, u64 addr, u32 data);
/* Save records: whether @code is one of the devices', its record into @buf (length, 0 = none). */
bool hvm_platform_record(unsigned int code);
u32 hvm_platform_save(struct domain *d, unsigned int code, unsigned int instance, void *buf);
int hvm_platform_load(struct domain *d, unsigned int code, unsigned int instance, const void *body,
		      u32 len, bool load);
void hvm_platform_dump(struct domain *d);

#endif
