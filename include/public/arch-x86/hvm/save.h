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

/*
 * A vCPU's local APIC (instance = vCPU id): the base MSR, the two ways it
 * is disabled (base MSR bit 11 clear: HW, SVR bit 8 clear: SW), the timer's
 * divisor (1-128) and the TSC-deadline MSR: 24 bytes.
 */
#define PETREL_VLAPIC_HW_DISABLED 0x1
#define PETREL_VLAPIC_SW_DISABLED 0x2
struct hvm_hw_lapic {
	uint64_t apic_base_msr;
	uint32_t disabled;
	uint32_t timer_divisor;
	uint64_t tdt_msr;
};

/* Its registers (instance = vCPU id): the first 1 KiB of the xAPIC page. */
struct hvm_hw_lapic_regs {
	uint8_t data[1024];
};

/*
 * A vCPU's XSAVE state (CPU_XSAVE, instance = vCPU id): the XCR0 masks,
 * then the save area in XSAVE's standard (uncompressed) form, as long as
 * the components of xcr0_accum make it. Its fixed part is 600 bytes, the
 * whole record with x87 and SSE only.
 */
struct hvm_hw_cpu_xsave_hdr {
	uint64_t xstate_bv; /* the components not in their initial state */
	uint64_t xcomp_bv;  /* 0: the standard form */
	uint64_t reserved[6];
};
struct hvm_hw_cpu_xsave {
	uint64_t xfeature_mask; /* the writer's XCR0 mask (not read back) */
	uint64_t xcr0;
	uint64_t xcr0_accum; /* every component the guest ever enabled */
	struct {
		struct {
			uint8_t x[512];
		} fpu_sse; /* the FXSAVE image */
		struct hvm_hw_cpu_xsave_hdr xsave_hdr;
	} save_area;
};

/*
 * A vCPU's machine-check registers (VMCE_VCPU, instance = vCPU id): 32
 * bytes (a shorter record, from before MCG_EXT_CTL, reads as zero-extended).
 * XEN_DOMCTL_get/set_ext_vcpucontext carry the same block.
 */
struct hvm_vmce_vcpu {
	uint64_t caps; /* MCG_CAP */
	uint64_t mci_ctl2_bank0;
	uint64_t mci_ctl2_bank1;
	uint64_t mcg_ext_ctl;
};

/* A vCPU's IA32_TSC_ADJUST (TSC_ADJUST, instance = vCPU id): 8 bytes. */
struct hvm_tsc_adjust {
	uint64_t tsc_adjust;
};

/*
 * A vCPU's other MSRs (CPU_MSR, instance = vCPU id): a 32-bit count, 4
 * bytes of padding, then `count` entries of struct hvm_one_msr. Xen writes
 * only MSRs whose value is not 0, and no record when none is left.
 */
struct hvm_one_msr {
	uint32_t index;
	uint32_t _rsvd; /* 0 */
	uint64_t val;
};
#define PETREL_HVM_MSR_SIZE(count) (8 + 16 * (count))

/*
 * The platform devices' records (domain-wide; the PIC has instance 0 for
 * the master, 1 for the slave). Xen declares some fields as bit-fields;
 * Petrel spells those bytes out (the PETREL_VPIC_* masks below follow
 * GCC's x86 bit-field order, lowest bit first).
 */
#define PETREL_HVM_SAVE_CODE_PIC 3
#define PETREL_HVM_SAVE_CODE_IOAPIC 4
#define PETREL_HVM_SAVE_CODE_PCI_IRQ 7
#define PETREL_HVM_SAVE_CODE_ISA_IRQ 8
#define PETREL_HVM_SAVE_CODE_PCI_LINK 9
#define PETREL_HVM_SAVE_CODE_PIT 10
#define PETREL_HVM_SAVE_CODE_RTC 11
#define PETREL_HVM_SAVE_CODE_HPET 12
#define PETREL_HVM_SAVE_CODE_PMTIMER 13

struct petrel_hvm_hw_vpic {
	uint8_t irr, imr, isr;
	uint8_t irq_base;
	uint8_t init_prio; /* bits 3:0 init_state, bits 7:4 priority_add */
	uint8_t modes;	   /* PETREL_VPIC_* */
	uint8_t elcr;
	uint8_t int_output;
};
#define PETREL_VPIC_READSEL_ISR (1u << 0)
#define PETREL_VPIC_POLL (1u << 1)
#define PETREL_VPIC_AUTO_EOI (1u << 2)
#define PETREL_VPIC_ROTATE_AEOI (1u << 3)
#define PETREL_VPIC_SFNM (1u << 4)
#define PETREL_VPIC_SPECIAL_MASK (1u << 5)
#define PETREL_VPIC_IS_MASTER (1u << 6)

#define PETREL_VIOAPIC_PINS 48
struct petrel_hvm_hw_vioapic {
	uint64_t base_address;
	uint32_t ioregsel;
	uint32_t id;
	uint64_t
	    redirtbl[PETREL_VIOAPIC_PINS]; /* the redirection entries as the IO-APIC shows them */
};

struct petrel_hvm_hw_pci_irqs {
	uint64_t i[2]; /* bit 4 * device + INTx: asserted */
};
struct petrel_hvm_hw_isa_irqs {
	uint64_t i[1]; /* bit n: ISA IRQ n asserted */
};
struct petrel_hvm_hw_pci_link {
	uint8_t route[4]; /* the ISA IRQ of each link, 0 = none */
	uint8_t pad0[4];
};

struct petrel_hvm_hw_pit_channel {
	uint32_t count; /* the reload value, 1-65536 */
	uint16_t latched_count;
	uint8_t count_latched; /* the access mode of a latched count, 0 = none */
	uint8_t status_latched;
	uint8_t status;
	uint8_t read_state;  /* 1 LSB, 2 MSB, 3 word with LSB next, 4 word with MSB next */
	uint8_t write_state; /* the same for writes */
	uint8_t write_latch; /* the LSB of a word being written */
	uint8_t rw_mode;
	uint8_t mode;
	uint8_t bcd;
	uint8_t gate;
};
struct petrel_hvm_hw_pit {
	struct petrel_hvm_hw_pit_channel channels[3];
	uint32_t speaker_data_on;
	uint32_t pad0;
};

#define PETREL_RTC_CMOS_SIZE 14
struct petrel_hvm_hw_rtc {
	uint8_t cmos_data[PETREL_RTC_CMOS_SIZE]; /* the clock's registers 0x00-0x0D */
	uint8_t cmos_index;
	uint8_t pad0;
	int64_t rtc_offset; /* seconds the guest's clock is ahead of the host's */
};

/*
 * The HPET (1048 bytes): its 1 KiB register window as the guest sees it
 * (reserved words 0), then each timer's period in ticks. A timer's cmp is
 * its full 64-bit comparator, also in 32-bit mode.
 */
#define PETREL_HPET_TIMERS 3
struct petrel_hvm_hw_hpet {
	uint64_t capability; /* 0x000: ID, revision, timers, tick period in fs */
	uint64_t res0;
	uint64_t config; /* 0x010 */
	uint64_t res1;
	uint64_t isr; /* 0x020: general interrupt status */
	uint64_t res2[25];
	uint64_t mc64; /* 0x0f0: main counter */
	uint64_t res3;
	struct {
		uint64_t config; /* 0x100 + 0x20 n */
		uint64_t cmp;
		uint64_t fsb;
		uint64_t res4;
	} timers[PETREL_HPET_TIMERS];
	uint64_t res5[4 * (24 - PETREL_HPET_TIMERS)];
	uint64_t period[PETREL_HPET_TIMERS];
};

struct petrel_hvm_hw_pmtimer {
	uint32_t tmr_val;
	uint16_t pm1a_sts;
	uint16_t pm1a_en;
};

PETREL_ASSERT_SIZE(struct hvm_hw_lapic, 24, hvm_hw_lapic);
PETREL_ASSERT_OFFSET(struct hvm_hw_lapic, tdt_msr, 16, hvm_hw_lapic);
PETREL_ASSERT_SIZE(struct hvm_hw_lapic_regs, 1024, hvm_hw_lapic_regs);
PETREL_ASSERT_SIZE(struct petrel_hvm_hw_vpic, 8, hvm_hw_vpic);
PETREL_ASSERT_SIZE(struct petrel_hvm_hw_vioapic, 400, hvm_hw_vioapic);
PETREL_ASSERT_SIZE(struct petrel_hvm_hw_pci_irqs, 16, hvm_hw_pci_irqs);
PETREL_ASSERT_SIZE(struct petrel_hvm_hw_isa_irqs, 8, hvm_hw_isa_irqs);
PETREL_ASSERT_SIZE(struct petrel_hvm_hw_pci_link, 8, hvm_hw_pci_link);
PETREL_ASSERT_SIZE(struct petrel_hvm_hw_pit, 56, hvm_hw_pit);
PETREL_ASSERT_SIZE(struct petrel_hvm_hw_rtc, 24, hvm_hw_rtc);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_rtc, rtc_offset, 16, hvm_hw_rtc);
PETREL_ASSERT_SIZE(struct petrel_hvm_hw_pmtimer, 8, hvm_hw_pmtimer);
PETREL_ASSERT_SIZE(struct petrel_hvm_hw_hpet, 1048, hvm_hw_hpet);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_hpet, mc64, 0xf0, hvm_hw_hpet);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_hpet, timers, 0x100, hvm_hw_hpet);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_hpet, period, 0x400, hvm_hw_hpet);

PETREL_ASSERT_SIZE(struct hvm_hw_cpu_xsave_hdr, 64, hvm_hw_cpu_xsave_hdr);
PETREL_ASSERT_SIZE(struct hvm_hw_cpu_xsave, 600, hvm_hw_cpu_xsave);
PETREL_ASSERT_OFFSET(struct hvm_hw_cpu_xsave, save_area, 24, hvm_hw_cpu_xsave);
PETREL_ASSERT_SIZE(struct hvm_vmce_vcpu, 32, hvm_vmce_vcpu);
PETREL_ASSERT_SIZE(struct hvm_tsc_adjust, 8, hvm_tsc_adjust);
PETREL_ASSERT_SIZE(struct hvm_one_msr, 16, hvm_one_msr);

PETREL_ASSERT_SIZE(struct petrel_hvm_hw_cpu, 1032, hvm_hw_cpu);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_cpu, rip, 640, hvm_hw_cpu);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_cpu, cr0, 656, hvm_hw_cpu);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_cpu, cs_sel, 736, hvm_hw_cpu);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_cpu, cs_arbytes, 888, hvm_hw_cpu);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_cpu, msr_efer, 992, hvm_hw_cpu);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_cpu, pending_event, 1016, hvm_hw_cpu);
PETREL_ASSERT_OFFSET(struct petrel_hvm_hw_cpu, flags, 1024, hvm_hw_cpu);

#endif
