/*
 * The per-vCPU records of the HVM context stream that hold state Petrel
 * keeps elsewhere or not at all (hvm/cpu_records.c): CPU_XSAVE, VMCE_VCPU,
 * TSC_ADJUST and CPU_MSR, checked as Xen 4.17 checks them on a restore and
 * written as Xen writes them. Each check returns 0 or Xen's error for the
 * record; -EOPNOTSUPP where Xen would take it but Petrel has no state for
 * it (see docs/abi-status.md). TSC_ADJUST is written as Xen's 8-byte record.
 */
#ifndef HVM_RECORDS_H
#define HVM_RECORDS_H

#include "types.h"
#include "public/hvm/save.h"

#define XSTATE_X87 (1ULL << 0)
#define XSTATE_SSE (1ULL << 1)
#define XSTATE_X87_SSE (XSTATE_X87 | XSTATE_SSE)

/* CPU_XSAVE: Petrel's HVM vCPUs have x87 and SSE state only (no XSETBV). */
#define XSAVE_RECORD_SIZE sizeof(struct hvm_hw_cpu_xsave)
int xsave_record_check(const u8 *body, u32 len);
/* The x87/SSE image the record restores (components not in xstate_bv reset). */
void xsave_record_image(const u8 *body, u8 fxsave[512]);

/* MCG_CAP bits the vMCE code (arch/x86/vmce.c) looks at */
#define MCG_CAP_COUNT 0xffULL
#define MCG_CTL_P (1ULL << 8)
#define MCG_LMCE_P (1ULL << 27)

/*
 * VMCE_VCPU: Xen's length and MCG_CAP checks (-EINVAL), the record
 * (zero-extended) in @r; vmce_record_make gives Xen's new vCPU's record.
 */
bool vmce_caps_ok(u64 caps, bool intel);
int vmce_record_check(const u8 *body, u32 len, bool intel, struct hvm_vmce_vcpu *r);
void vmce_record_make(struct hvm_vmce_vcpu *r, bool intel);

/* TSC_ADJUST: taken when 0 (Petrel has no IA32_TSC_ADJUST). */
int tsc_adjust_record_check(const u8 *body, u32 len);

/* CPU_MSR: each MSR Xen sends, taken when 0 (Petrel keeps none of them). */
int msr_record_check(const u8 *body, u32 len);

#endif
