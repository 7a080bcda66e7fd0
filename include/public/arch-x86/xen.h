/*
 * Petrel public ABI: x86 definitions shared by the whole header set
 * (Xen 4.17 numbers and layouts; x86-64 only).
 *
 * Guest handles: wherever an argument struct carries a guest pointer, Xen's
 * ABI wraps it in a one-member struct so that a handle cannot be mixed up
 * with a plain integer.  On x86-64 such a struct is 8 bytes, 8-aligned, the
 * same as the raw pointer; XEN_GUEST_HANDLE_64 is the same type.
 */
/* gcc defines __ASSEMBLER__ for .S files; Xen's headers test __ASSEMBLY__. */
#if defined(__ASSEMBLER__) && !defined(__ASSEMBLY__)
#define __ASSEMBLY__ 1
#endif

#include "../xen.h"

#ifndef __XEN_PUBLIC_ARCH_X86_XEN_H__
#define __XEN_PUBLIC_ARCH_X86_XEN_H__

#if !defined(__x86_64__) && !defined(__ASSEMBLY__)
#error "Petrel's public headers describe the x86-64 ABI only"
#endif

#ifndef __ASSEMBLY__
#include <stdint.h>
#include "../static-assert.h"
#endif

/* typedef struct { type *p; } __guest_handle_<name>, plus a const twin. */
#define ___DEFINE_XEN_GUEST_HANDLE(name, type)                                                     \
	typedef struct {                                                                           \
		type *p;                                                                           \
	} __guest_handle_##name
#define __DEFINE_XEN_GUEST_HANDLE(name, type)                                                      \
	___DEFINE_XEN_GUEST_HANDLE(name, type);                                                    \
	___DEFINE_XEN_GUEST_HANDLE(const_##name, const type)
#define DEFINE_XEN_GUEST_HANDLE(name) __DEFINE_XEN_GUEST_HANDLE(name, name)
#define __XEN_GUEST_HANDLE(name) __guest_handle_##name
#define XEN_GUEST_HANDLE(name) __XEN_GUEST_HANDLE(name)
#define XEN_GUEST_HANDLE_PARAM(name) XEN_GUEST_HANDLE(name)
#define set_xen_guest_handle_raw(hnd, val)                                                         \
	do {                                                                                       \
		(hnd).p = val;                                                                     \
	} while (0)
#define set_xen_guest_handle(hnd, val) set_xen_guest_handle_raw(hnd, val)

#include "xen-x86_64.h"

#ifndef __ASSEMBLY__
typedef unsigned long xen_pfn_t;
#define PRI_xen_pfn "lx"
#define PRIu_xen_pfn "lu"
#endif

/* The guest enters through ELF entry with the PV register state. */
#define XEN_HAVE_PV_GUEST_ENTRY 1
/* vcpu_info.evtchn_upcall_mask is honoured (PV event masking). */
#define XEN_HAVE_PV_UPCALL_MASK 1

/* GDT pages 14 and 15 (entries 0xe00 up) belong to the hypervisor. */
#define FIRST_RESERVED_GDT_PAGE 14
#define FIRST_RESERVED_GDT_BYTE (FIRST_RESERVED_GDT_PAGE * 4096)
#define FIRST_RESERVED_GDT_ENTRY (FIRST_RESERVED_GDT_BYTE / 8)

/* vcpu_info slots inside shared_info. */
#define XEN_LEGACY_MAX_VCPUS 32

#ifndef __ASSEMBLY__

typedef unsigned long xen_ulong_t;
#define PRI_xen_ulong "lx"

/*
 * set_trap_table entries.  flags[1:0] = DPL allowed to raise the vector
 * with `int`; flags[2] = mask events on entry (interrupt-gate semantics).
 * A table ends at the first entry whose address is 0.
 */
#define TI_GET_DPL(_ti) ((_ti)->flags & 3)
#define TI_GET_IF(_ti) ((_ti)->flags & 4)
#define TI_SET_DPL(_ti, _dpl) ((_ti)->flags |= (_dpl))
#define TI_SET_IF(_ti, _if) ((_ti)->flags |= ((!!(_if)) << 2))
struct trap_info {
	uint8_t vector;
	uint8_t flags;
	uint16_t cs;
	unsigned long address;
};
typedef struct trap_info trap_info_t;
DEFINE_XEN_GUEST_HANDLE(trap_info_t);

typedef uint64_t tsc_timestamp_t;

/* vcpu_guest_context.flags */
#define VGCF_I387_VALID (1 << 0)
#define VGCF_IN_KERNEL (1 << 2)
#define _VGCF_i387_valid 0
#define VGCF_i387_valid (1 << _VGCF_i387_valid)
#define _VGCF_in_kernel 2
#define VGCF_in_kernel (1 << _VGCF_in_kernel)
#define _VGCF_failsafe_disables_events 3
#define VGCF_failsafe_disables_events (1 << _VGCF_failsafe_disables_events)
#define _VGCF_syscall_disables_events 4
#define VGCF_syscall_disables_events (1 << _VGCF_syscall_disables_events)
#define _VGCF_online 5
#define VGCF_online (1 << _VGCF_online)

/*
 * Complete PV vcpu state: VCPUOP_initialise and XEN_DOMCTL_{set,get}vcpucontext.
 * The FXSAVE image comes first so it can be 16-aligned; ctrlreg[1] holds the
 * user-mode page table base (as a cr3 value).
 */
struct vcpu_guest_context {
	struct {
		char x[512];
	} fpu_ctxt;
	unsigned long flags; /* VGCF_* */
	struct cpu_user_regs user_regs;
	struct trap_info trap_ctxt[256];	/* the virtual IDT */
	unsigned long ldt_base, ldt_ents;	/* linear address, entry count */
	unsigned long gdt_frames[16], gdt_ents; /* machine frames, entry count */
	unsigned long kernel_ss, kernel_sp;	/* the stack_switch pair */
	unsigned long ctrlreg[8];
	unsigned long debugreg[8];
	unsigned long event_callback_eip;
	unsigned long failsafe_callback_eip;
	unsigned long syscall_callback_eip;
	unsigned long vm_assist; /* bitmap of VMASST_TYPE_* */
	uint64_t fs_base;
	uint64_t gs_base_kernel;
	uint64_t gs_base_user;
};
typedef struct vcpu_guest_context vcpu_guest_context_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_guest_context_t);

/*
 * Arch part of shared_info: p2m bookkeeping the guest publishes for
 * save/restore and dump tools.  pfn_to_mfn_frame_list_list: 0 = not set up,
 * ~0 = invalid (use the linear list at p2m_vaddr in the space of p2m_cr3).
 * p2m_generation is odd while the guest is changing the p2m mapping.
 */
struct arch_shared_info {
	unsigned long max_pfn;
	xen_pfn_t pfn_to_mfn_frame_list_list;
	unsigned long nmi_reason;
	unsigned long p2m_cr3;
	unsigned long p2m_vaddr;
	unsigned long p2m_generation;
};
typedef struct arch_shared_info arch_shared_info_t;

/* Emulated platform devices for XEN_DOMCTL_createdomain (x86). */
#define _XEN_X86_EMU_LAPIC 0
#define XEN_X86_EMU_LAPIC (1U << _XEN_X86_EMU_LAPIC)
#define _XEN_X86_EMU_HPET 1
#define XEN_X86_EMU_HPET (1U << _XEN_X86_EMU_HPET)
#define _XEN_X86_EMU_PM 2
#define XEN_X86_EMU_PM (1U << _XEN_X86_EMU_PM)
#define _XEN_X86_EMU_RTC 3
#define XEN_X86_EMU_RTC (1U << _XEN_X86_EMU_RTC)
#define _XEN_X86_EMU_IOAPIC 4
#define XEN_X86_EMU_IOAPIC (1U << _XEN_X86_EMU_IOAPIC)
#define _XEN_X86_EMU_PIC 5
#define XEN_X86_EMU_PIC (1U << _XEN_X86_EMU_PIC)
#define _XEN_X86_EMU_VGA 6
#define XEN_X86_EMU_VGA (1U << _XEN_X86_EMU_VGA)
#define _XEN_X86_EMU_IOMMU 7
#define XEN_X86_EMU_IOMMU (1U << _XEN_X86_EMU_IOMMU)
#define _XEN_X86_EMU_PIT 8
#define XEN_X86_EMU_PIT (1U << _XEN_X86_EMU_PIT)
#define _XEN_X86_EMU_USE_PIRQ 9
#define XEN_X86_EMU_USE_PIRQ (1U << _XEN_X86_EMU_USE_PIRQ)
#define _XEN_X86_EMU_VPCI 10
#define XEN_X86_EMU_VPCI (1U << _XEN_X86_EMU_VPCI)
#define XEN_X86_EMU_ALL                                                                            \
	(XEN_X86_EMU_LAPIC | XEN_X86_EMU_HPET | XEN_X86_EMU_PM | XEN_X86_EMU_RTC |                 \
	 XEN_X86_EMU_IOAPIC | XEN_X86_EMU_PIC | XEN_X86_EMU_VGA | XEN_X86_EMU_IOMMU |              \
	 XEN_X86_EMU_PIT | XEN_X86_EMU_USE_PIRQ | XEN_X86_EMU_VPCI)
/* misc_flags: unhandled MSR accesses read 0 / drop writes instead of #GP. */
#define XEN_X86_MSR_RELAXED (1u << 0)
#define XEN_X86_MISC_FLAGS_MAX XEN_X86_MSR_RELAXED

struct xen_arch_domainconfig {
	uint32_t emulation_flags; /* XEN_X86_EMU_* */
	uint32_t misc_flags;
};

/* One CPUID leaf of a CPU policy; subleaf is XEN_CPUID_NO_SUBLEAF if unused. */
#define XEN_CPUID_NO_SUBLEAF 0xffffffffu
typedef struct xen_cpuid_leaf {
	uint32_t leaf, subleaf;
	uint32_t a, b, c, d;
} xen_cpuid_leaf_t;
DEFINE_XEN_GUEST_HANDLE(xen_cpuid_leaf_t);

/* One MSR of a CPU policy; flags must be zero. */
typedef struct xen_msr_entry {
	uint32_t idx;
	uint32_t flags;
	uint64_t val;
} xen_msr_entry_t;
DEFINE_XEN_GUEST_HANDLE(xen_msr_entry_t);

PETREL_ASSERT_SIZE(struct trap_info, 16, trap_info);
PETREL_ASSERT_OFFSET(struct trap_info, cs, 2, trap_info);
PETREL_ASSERT_OFFSET(struct trap_info, address, 8, trap_info);
PETREL_ASSERT_SIZE(struct vcpu_guest_context, 5168, vcpu_guest_context);
PETREL_ASSERT_OFFSET(struct vcpu_guest_context, flags, 512, vcpu_guest_context);
PETREL_ASSERT_OFFSET(struct vcpu_guest_context, user_regs, 520, vcpu_guest_context);
PETREL_ASSERT_OFFSET(struct vcpu_guest_context, trap_ctxt, 720, vcpu_guest_context);
PETREL_ASSERT_OFFSET(struct vcpu_guest_context, ldt_base, 4816, vcpu_guest_context);
PETREL_ASSERT_OFFSET(struct vcpu_guest_context, gdt_frames, 4832, vcpu_guest_context);
PETREL_ASSERT_OFFSET(struct vcpu_guest_context, kernel_sp, 4976, vcpu_guest_context);
PETREL_ASSERT_OFFSET(struct vcpu_guest_context, ctrlreg, 4984, vcpu_guest_context);
PETREL_ASSERT_OFFSET(struct vcpu_guest_context, event_callback_eip, 5112, vcpu_guest_context);
PETREL_ASSERT_OFFSET(struct vcpu_guest_context, vm_assist, 5136, vcpu_guest_context);
PETREL_ASSERT_OFFSET(struct vcpu_guest_context, gs_base_user, 5160, vcpu_guest_context);
PETREL_ASSERT_SIZE(struct arch_shared_info, 48, arch_shared_info);
PETREL_ASSERT_OFFSET(struct arch_shared_info, p2m_generation, 40, arch_shared_info);
PETREL_ASSERT_SIZE(struct xen_arch_domainconfig, 8, xen_arch_domainconfig);
PETREL_ASSERT_SIZE(struct xen_cpuid_leaf, 24, xen_cpuid_leaf);
PETREL_ASSERT_SIZE(struct xen_msr_entry, 16, xen_msr_entry);

#endif /* !__ASSEMBLY__ */

/* Forced-emulation prefix (ud2; .ascii "xen") a PV guest puts before cpuid. */
#ifdef __ASSEMBLY__
#define XEN_EMULATE_PREFIX .byte 0x0f, 0x0b, 0x78, 0x65, 0x6e;
#define XEN_CPUID XEN_EMULATE_PREFIX cpuid
#else
#define XEN_EMULATE_PREFIX ".byte 0x0f,0x0b,0x78,0x65,0x6e ; "
#define XEN_CPUID XEN_EMULATE_PREFIX "cpuid"
#endif

/* Port an HVM/PVH guest may write bytes to for early debug output. */
#define XEN_HVM_DEBUGCONS_IOPORT 0xe9

#endif /* __XEN_PUBLIC_ARCH_X86_XEN_H__ */
