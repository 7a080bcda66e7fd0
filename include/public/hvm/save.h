/*
 * Petrel public ABI: the HVM context stream of XEN_DOMCTL_gethvmcontext /
 * XEN_DOMCTL_sethvmcontext (Xen 4.17 format). The stream is a run of
 * records, each a descriptor followed by `length` bytes, ending with the
 * END record (typecode 0, length 0). The x86 records are in
 * arch-x86/hvm/save.h.
 */
#ifndef __XEN_PUBLIC_HVM_SAVE_H__
#define __XEN_PUBLIC_HVM_SAVE_H__

#include "../xen.h"

struct hvm_save_descriptor {
	uint16_t typecode; /* which record */
	uint16_t instance; /* which one of its kind (the vCPU id for per-vCPU records) */
	uint32_t length;   /* bytes after this descriptor */
};

/* Record type codes (Xen declares them with its own macros). */
#define PETREL_HVM_SAVE_CODE_END 0
#define PETREL_HVM_SAVE_CODE_HEADER 1
#define PETREL_HVM_SAVE_CODE_CPU 2
#define PETREL_HVM_SAVE_CODE_LAPIC 5
#define PETREL_HVM_SAVE_CODE_LAPIC_REGS 6
#define PETREL_HVM_SAVE_CODE_MTRR 14
#define PETREL_HVM_SAVE_CODE_CPU_XSAVE 16
#define PETREL_HVM_SAVE_CODE_VMCE_VCPU 18
#define PETREL_HVM_SAVE_CODE_TSC_ADJUST 19
#define PETREL_HVM_SAVE_CODE_CPU_MSR 20

#if defined(__i386__) || defined(__x86_64__)
#include "../arch-x86/hvm/save.h"
#endif

#define HVM_SAVE_CODE_MAX 20

#endif
