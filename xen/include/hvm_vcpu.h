/* The HVM members of struct arch_vcpu and struct arch_domain (see hvm.h). */
#ifndef PETREL_HVM_VCPU_H
#define PETREL_HVM_VCPU_H

#include "types.h"
#include "regs.h"
#include "timer.h"
#include "spinlock.h"
#include "vplatform.h"
#include "public/hvm/params.h"

struct ioreq_server;

/* The virtual local APIC (hvm/vlapic.c). */
struct vlapic {
	u32 *regs;	    /* the 4 KiB register page, as the xAPIC lays it out */
	u64 base;	    /* the APIC base MSR */
	struct timer timer; /* the APIC timer */
	u64 start;	    /* guest time (hvm_guest_time) the current count started from */
	u64 period_ns;	    /* initial count * ns per tick; 0 = stopped */
	struct vpt pt;	    /* its ticks under HVM_PARAM_TIMER_MODE */
	spinlock_t lock;    /* pt, between the timer callback and the vCPU */
};

/* A vCPU's HVM state (the sibling of struct pv_vcpu). */
struct hvm_vcpu {
	/*
	 * The guest's general registers. rax, rsp, rip and rflags are copies of
	 * the backend's state, valid between an exit and the next entry.
	 */
	struct cpu_regs regs;
	u64 guest_cr0, guest_cr4, guest_efer; /* as the guest set them */
	void *vmcb;			      /* backend's control block (SVM: VMCB, VMX: VMCS) */
	paddr_t vmcb_pa;
	struct {
		void *msr_area; /* VMX: the guest's syscall MSRs, loaded at entry, saved at exit */
		u16 vpid;	/* VMX: the guest's TLB tag */
		bool launched;	/* VMX: VMLAUNCH done, VMRESUME from now on */
		u64 p2m_seen;	/* VMX: the domain's p2m_changes at the last INVEPT */
		bool stale_tlb; /* VMX: paging state changed by Petrel, the VPID to flush */
		u64 cr2;	/* VMX: the guest's CR2 (no VMCS field): in the CPU while it runs */
	} vmx;
	struct {
		u64 tlb_tag;	 /* SVM: this vCPU's unique number, svm_tlb_owner's value */
		u64 p2m_seen;	 /* SVM: the domain's p2m_changes at the last flush */
		int last_cpu;	 /* SVM: the CPU of the last VMRUN, -1 before the first */
		bool stale_tlb;	 /* SVM: paging state changed by Petrel, flush at the next VMRUN */
		bool vmcb_newer; /* SVM: VMLOAD state written to the VMCB since the CPU loaded it */
	} svm;
	struct vlapic vlapic;
	u8 upcall_vector; /* HVMOP_set_evtchn_upcall_vector; 0 = none */
	u8 intr_src;	  /* INTR_SRC_*: where hvm_next_interrupt's vector came from */
	bool nmi_pending; /* an NMI to inject (IO-APIC pin in NMI mode); set from any CPU */
	/*
	 * Guest time = system time + time_offset (<= 0): timer mode 0 holds it
	 * still while the vCPU is descheduled (frozen_at, 0 = running) and the
	 * APIC timer's ticks taken later bring it back. Changed by the vCPU's
	 * own CPU only; read from others (the PM timer reads vCPU 0's).
	 */
	s64 time_offset;
	u64 frozen_at;
	/* A request sent to an ioreq server, completed before the next entry (hvm/ioreq.c). */
	struct {
		bool pending;
		bool to_rax;	/* an IN: the answer merges into rax by size */
		bool to_memory; /* an INS of one element: the answer goes to guest linear va */
		u64 va;
		u8 server;	/* index in d->arch.hvm.ioreq */
		u8 size;	/* 1, 2, 4 or 8 */
		s8 reg;		/* the general register a read lands in, -1 for a write */
		bool cmp;	/* a cmp with cmp_imm: the answer only sets the flags */
		bool sign;	/* movsx: the answer is sign-extended */
		u8 reg_size;	/* bytes of reg written (movzx/movsx: more than size) */
		u64 cmp_imm;
		u8 last_state;	/* the slot's state when last seen (it never goes back) */
		/*
		 * The first step of an OUTS element in a server's memory
		 * range, the element's read: the answer is held for the
		 * instruction at held_rip, which is entered again and takes
		 * it for the port write.
		 */
		bool to_held;
		bool held;
		u64 held_data, held_rip;
	} io;
	u64 tsc_aux;	  /* MSR_TSC_AUX while another vCPU runs (CPUs with rdtscp) */
	bool fpu_saved;	  /* fpu_area holds the guest FPU while another vCPU runs */
	bool wait_sipi;	  /* an INIT IPI arrived: the next start-up IPI starts it */
	bool started;	  /* it has a context (CPU record, start-up IPI, builder): VCPUOP_up may run it */
	bool hcall_again; /* the hypercall made a continuation: its instruction runs again */
	u8 fpu_area[512] __aligned(16);
};

/* A domain's HVM state. */
enum { INTR_SRC_CALLBACK, INTR_SRC_LAPIC, INTR_SRC_PIC };

struct hvm_domain {
	u64 *p2m_root;			  /* nested page tables: guest-physical -> machine */
	u64 nr_gfns;			  /* RAM is GFN 0 .. nr_gfns - 1 */
	u64 start_info_gpa;		  /* the PVH start info (for the boot report) */
	u64 shared_info_gfn;		  /* where add_to_physmap put shared_info, else ~0 */
	u64 p2m_changes;		  /* present p2m entries replaced so far */
	u64 params[HVM_NR_PARAMS];	  /* HVMOP_set_param values (hvm/params.c) */
	int callback_vector;		  /* CALLBACK_IRQ of the vector type: its vector, else -1 */
	u64 paging_pool_bytes;		  /* set_paging_mempool_size, as asked (not enforced) */
	struct ioreq_server *ioreq[8];	  /* dm_op ioreq servers by id (hvm/ioreq.c) */
	u32 emulation_flags;		  /* XEN_X86_EMU_* it was created with */
	u32 pci_cf8;			  /* the last 32-bit write of port 0xCF8 */
	struct hvm_platform *platform;	  /* PIC, IO-APIC, PIT, RTC, PM timer (hvm/platform.c) */
	char dbg_buf[128];		  /* port 0xE9 line being collected */
	unsigned int dbg_len;
};

#endif
