/*
 * Petrel public ABI: x86-64 PV specifics (Xen 4.17 numbers and layouts).
 *
 * Segment selectors a 64-bit PV guest runs with, the hypervisor's reserved
 * virtual range, set_segment_base selectors, the frame HYPERVISOR_iret pops
 * and the saved register block.  Included by arch-x86/xen.h.
 */
/* Standalone use: pull in the rest of the set first (guarded, so no loop). */
#include "xen.h"

#ifndef __XEN_PUBLIC_ARCH_X86_XEN_X86_64_H__
#define __XEN_PUBLIC_ARCH_X86_XEN_X86_64_H__

/*
 * Flat segments the hypervisor installs in the reserved GDT page.  A 64-bit
 * PV kernel and its user space both run in ring 3, so kernel and user
 * selectors are the same values.
 */
#define FLAT_RING3_CS32 0xe023 /* GDT entry 260 */
#define FLAT_RING3_CS64 0xe033 /* GDT entry 262 */
#define FLAT_RING3_DS32 0xe02b /* GDT entry 261 */
#define FLAT_RING3_DS64 0x0000 /* the null selector */
#define FLAT_RING3_SS32 0xe02b
#define FLAT_RING3_SS64 0xe02b

#define FLAT_KERNEL_DS64 FLAT_RING3_DS64
#define FLAT_KERNEL_DS32 FLAT_RING3_DS32
#define FLAT_KERNEL_DS FLAT_KERNEL_DS64
#define FLAT_KERNEL_CS64 FLAT_RING3_CS64
#define FLAT_KERNEL_CS32 FLAT_RING3_CS32
#define FLAT_KERNEL_CS FLAT_KERNEL_CS64
#define FLAT_KERNEL_SS64 FLAT_RING3_SS64
#define FLAT_KERNEL_SS32 FLAT_RING3_SS32
#define FLAT_KERNEL_SS FLAT_KERNEL_SS64

#define FLAT_USER_DS64 FLAT_RING3_DS64
#define FLAT_USER_DS32 FLAT_RING3_DS32
#define FLAT_USER_DS FLAT_USER_DS64
#define FLAT_USER_CS64 FLAT_RING3_CS64
#define FLAT_USER_CS32 FLAT_RING3_CS32
#define FLAT_USER_CS FLAT_USER_CS64
#define FLAT_USER_SS64 FLAT_RING3_SS64
#define FLAT_USER_SS32 FLAT_RING3_SS32
#define FLAT_USER_SS FLAT_USER_SS64

/*
 * The hypervisor owns L4 slots 256-271 of every PV address space.  The
 * read-only machine-to-physical table starts at the bottom of that hole.
 * The __-prefixed forms are plain numbers for assembly and linker scripts.
 */
#define __HYPERVISOR_VIRT_START 0xFFFF800000000000
#define __HYPERVISOR_VIRT_END 0xFFFF880000000000
#define __MACH2PHYS_VIRT_START 0xFFFF800000000000
#define __MACH2PHYS_VIRT_END 0xFFFF804000000000

#ifndef HYPERVISOR_VIRT_START
#define HYPERVISOR_VIRT_START xen_mk_ulong(__HYPERVISOR_VIRT_START)
#define HYPERVISOR_VIRT_END xen_mk_ulong(__HYPERVISOR_VIRT_END)
#endif
#define MACH2PHYS_VIRT_START xen_mk_ulong(__MACH2PHYS_VIRT_START)
#define MACH2PHYS_VIRT_END xen_mk_ulong(__MACH2PHYS_VIRT_END)
/* One 8-byte entry per machine frame. */
#define MACH2PHYS_NR_ENTRIES ((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 3)
#ifndef machine_to_phys_mapping
#define machine_to_phys_mapping ((unsigned long *)HYPERVISOR_VIRT_START)
#endif

/* HYPERVISOR_set_segment_base(which, value). */
#define SEGBASE_FS 0
#define SEGBASE_GS_USER 1
#define SEGBASE_GS_KERNEL 2
#define SEGBASE_GS_USER_SEL 3 /* value[15:0] is a selector to load into user %gs */

/*
 * HYPERVISOR_iret takes no arguments: the guest pushes an iret_context and
 * the hypervisor pops it.  With VGCF_in_syscall set in `flags` the return
 * behaves like sysret (rcx and r11 are not restored).
 */
#define _VGCF_in_syscall 8
#define VGCF_in_syscall (1 << _VGCF_in_syscall)
#define VGCF_IN_SYSCALL VGCF_in_syscall

#ifndef __ASSEMBLY__

/* Lowest address (the %rsp at the hypercall) first. */
struct iret_context {
	uint64_t rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};

/*
 * Saved guest registers (vcpu_guest_context.user_regs).  Only the 64-bit
 * names are provided: the header set avoids anonymous unions so it stays
 * valid C89.  error_code and entry_vector are hypervisor-private.
 */
struct cpu_user_regs {
	uint64_t r15;
	uint64_t r14;
	uint64_t r13;
	uint64_t r12;
	uint64_t rbp;
	uint64_t rbx;
	uint64_t r11;
	uint64_t r10;
	uint64_t r9;
	uint64_t r8;
	uint64_t rax;
	uint64_t rcx;
	uint64_t rdx;
	uint64_t rsi;
	uint64_t rdi;
	uint32_t error_code;
	uint32_t entry_vector;
	uint64_t rip;
	uint16_t cs, _pad0[1];
	uint8_t saved_upcall_mask;
	uint8_t _pad1[3];
	uint64_t rflags; /* IF reads as !saved_upcall_mask */
	uint64_t rsp;
	uint16_t ss, _pad2[3];
	uint16_t es, _pad3[3];
	uint16_t ds, _pad4[3];
	uint16_t fs, _pad5[3];
	uint16_t gs, _pad6[3];
};
typedef struct cpu_user_regs cpu_user_regs_t;
DEFINE_XEN_GUEST_HANDLE(cpu_user_regs_t);

/* A PV cr3 value carries the frame number in bits 12 and up. */
#define xen_pfn_to_cr3(pfn) ((unsigned long)(pfn) << 12)
#define xen_cr3_to_pfn(cr3) ((unsigned long)(cr3) >> 12)

/* Per-vcpu arch state inside vcpu_info. */
struct arch_vcpu_info {
	unsigned long cr2; /* written before a #PF is bounced to the guest */
	unsigned long pad; /* keeps vcpu_info at 64 bytes */
};
typedef struct arch_vcpu_info arch_vcpu_info_t;

/* A callback address: a plain virtual address on x86-64. */
typedef unsigned long xen_callback_t;

PETREL_ASSERT_SIZE(struct iret_context, 72, iret_context);
PETREL_ASSERT_OFFSET(struct iret_context, flags, 24, iret_context);
PETREL_ASSERT_OFFSET(struct iret_context, ss, 64, iret_context);
PETREL_ASSERT_SIZE(struct cpu_user_regs, 200, cpu_user_regs);
PETREL_ASSERT_OFFSET(struct cpu_user_regs, rax, 80, cpu_user_regs);
PETREL_ASSERT_OFFSET(struct cpu_user_regs, error_code, 120, cpu_user_regs);
PETREL_ASSERT_OFFSET(struct cpu_user_regs, rip, 128, cpu_user_regs);
PETREL_ASSERT_OFFSET(struct cpu_user_regs, cs, 136, cpu_user_regs);
PETREL_ASSERT_OFFSET(struct cpu_user_regs, saved_upcall_mask, 140, cpu_user_regs);
PETREL_ASSERT_OFFSET(struct cpu_user_regs, rflags, 144, cpu_user_regs);
PETREL_ASSERT_OFFSET(struct cpu_user_regs, gs, 192, cpu_user_regs);
PETREL_ASSERT_SIZE(struct arch_vcpu_info, 16, arch_vcpu_info);

#endif /* !__ASSEMBLY__ */

#endif /* __XEN_PUBLIC_ARCH_X86_XEN_X86_64_H__ */
