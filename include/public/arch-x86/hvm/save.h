/*
 * Petrel public ABI: the x86 records of the HVM context stream (see
 * hvm/save.h), Xen 4.17 layouts. Only the records Petrel reads or writes
 * are declared.
 */
#ifndef __XEN_PUBLIC_HVM_SAVE_X86_H__
#define __XEN_PUBLIC_HVM_SAVE_X86_H__

#include "../../xen.h"
#include "../../static-assert.h"

#define HVM_FILE_MAGIC 0x54381286
#define HVM_FILE_VERSION 0x00000001

/* The stream's first record. */
struct hvm_save_header {
	uint32_t magic;	    /* HVM_FILE_MAGIC */
	uint32_t version;   /* HVM_FILE_VERSION */
	uint64_t changeset; /* of the hypervisor that wrote it */
	uint32_t cpuid;	    /* CPUID leaf 1 EAX where it was written */
	uint32_t gtsc_khz;  /* the guest's TSC rate */
};

/*
 * One vCPU's registers (instance = vCPU id): Xen's struct hvm_hw_cpu, 1032
 * bytes. Xen names bit-fields inside an anonymous union at pending_event,
 * which C89 cannot express, so the struct is Petrel's own name for that
 * layout, pinned by the asserts below.
 */
struct petrel_hvm_hw_cpu {
	uint8_t fpu_regs[512]; /* FXSAVE image */

	uint64_t rax, rbx, rcx, rdx, rbp, rsi, rdi, rsp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
	uint64_t cr0, cr2, cr3, cr4;
	uint64_t dr0, dr1, dr2, dr3, dr6, dr7;

	uint32_t cs_sel, ds_sel, es_sel, fs_sel, gs_sel, ss_sel, tr_sel, ldtr_sel;
	uint32_t cs_limit, ds_limit, es_limit, fs_limit, gs_limit, ss_limit, tr_limit, ldtr_limit;
	uint32_t idtr_limit, gdtr_limit;
	uint64_t cs_base, ds_base, es_base, fs_base, gs_base, ss_base, tr_base, ldtr_base;
	uint64_t idtr_base, gdtr_base;
	/* Descriptor bits 40-47 in 7:0 and 52-55 in 11:8 (SVM's packed form). */
	uint32_t cs_arbytes, ds_arbytes, es_arbytes, fs_arbytes, gs_arbytes, ss_arbytes;
	uint32_t tr_arbytes, ldtr_arbytes;

	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t shadow_gs;
	uint64_t msr_flags; /* not used */
	uint64_t msr_lstar, msr_star, msr_cstar, msr_syscall_mask, msr_efer, msr_tsc_aux;
	uint64_t tsc;

	/*
	 * An event being delivered, EVENTINJ's low word: vector 7:0, type 10:8,
	 * error code valid 11, valid 31. (Xen overlays bit-fields here; this
	 * header set stays C89, so only the word is named.)
	 */
	uint32_t pending_event;
	uint32_t error_code;

#define _XEN_X86_FPU_INITIALISED 0
#define XEN_X86_FPU_INITIALISED (1U << _XEN_X86_FPU_INITIALISED)
	uint32_t flags;
	uint32_t pad0;
};

/* The memory type range registers of one vCPU (instance = vCPU id): 240 bytes. */
struct hvm_hw_mtrr {
#define MTRR_VCNT 8
#define NUM_FIXED_MSR 11
	uint64_t msr_pat_cr;
	uint64_t msr_mtrr_var[MTRR_VCNT * 2]; /* base, mask pairs */
	uint64_t msr_mtrr_fixed[NUM_FIXED_MSR];
	uint64_t msr_mtrr_cap;
	uint64_t msr_mtrr_def_type;
};

PETREL_ASSERT_SIZE(struct petrel_hvm_hw_cpu, 1032, hvm_hw_cpu);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_cpu, rip, 640, hvm_hw_cpu);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_cpu, cr0, 656, hvm_hw_cpu);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_cpu, cs_sel, 736, hvm_hw_cpu);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_cpu, cs_arbytes, 888, hvm_hw_cpu);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_cpu, msr_efer, 992, hvm_hw_cpu);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_cpu, pending_event, 1016, hvm_hw_cpu);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_cpu, flags, 1024, hvm_hw_cpu);

#endif
