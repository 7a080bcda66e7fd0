/*
 * The CPUID a PV guest sees: the host's, less what a PV guest must not use
 * (PSE, PGE, MTRR, x2APIC, PCID, SMEP, FSGSBASE, MPX, XSAVES, ...), plus the
 * hypervisor leaves at 0x40000000.
 */
#include "types.h"
#include "asm.h"
#include "pv.h"

#define XEN_CPUID_BASE 0x40000000
#define XEN_CPUID_MAX (XEN_CPUID_BASE + 4)
#define XEN_MSR_HYPERCALL_PAGE 0x40000000
#define XEN_VERSION_CODE 0x00040011 /* 4.17 */

/* leaf 1 */
#define F1_EDX_VME (1u << 1)
#define F1_EDX_DE (1u << 2)
#define F1_EDX_PSE (1u << 3)
#define F1_EDX_MCE (1u << 7)
#define F1_EDX_PGE (1u << 13)
#define F1_EDX_MTRR (1u << 12)
#define F1_EDX_MCA (1u << 14)
#define F1_EDX_PSE36 (1u << 17)
#define F1_EDX_ACPI (1u << 22)
#define F1_ECX_MONITOR (1u << 3)
#define F1_ECX_VMX (1u << 5)
#define F1_ECX_SMX (1u << 6)
#define F1_ECX_EST (1u << 7)
#define F1_ECX_PCID (1u << 17)
#define F1_ECX_X2APIC (1u << 21)
#define F1_ECX_TSC_DEADLINE (1u << 24)
#define F1_ECX_HYPERVISOR (1u << 31)
/* leaf 7 subleaf 0, ebx */
#define F7_EBX_FSGSBASE (1u << 0)
#define F7_EBX_SMEP (1u << 7)
#define F7_EBX_INVPCID (1u << 10)
#define F7_EBX_MPX (1u << 14)
#define F7_EBX_SMAP (1u << 20)
/* leaf 7 subleaf 0, ecx/edx: features a PV kernel cannot turn on in %cr4 */
#define F7_ECX_UMIP (1u << 2)
#define F7_ECX_PKU (1u << 3)
#define F7_ECX_OSPKE (1u << 4)
#define F7_ECX_CET_SS (1u << 7)
#define F7_ECX_LA57 (1u << 16)
#define F7_EDX_CET_IBT (1u << 20)
/* leaf 0xd subleaf 0, eax: the XCR0 components; MPX's and PKRU go with MPX and PKU */
#define FD0_EAX_MPX (3u << 3)
#define FD0_EAX_PKRU (1u << 9)
/* leaf 0xd subleaf 1, eax: XSAVES/XRSTORS are ring 0 only; XFD needs an MSR */
#define FD1_EAX_XSAVES (1u << 3)
#define FD1_EAX_XFD (1u << 4)
/* leaf 0x80000001 */
#define FX_ECX_SVM (1u << 2)
#define FX_EDX_PAGE1GB (1u << 26)

static void hypervisor_leaves(u32 leaf, u32 *a, u32 *b, u32 *c, u32 *d)
{
	*a = *b = *c = *d = 0;
	switch (leaf - XEN_CPUID_BASE) {
	case 0:
		*a = XEN_CPUID_MAX;
		*b = 0x566e6558; /* "XenVMMXenVMM" */
		*c = 0x65584d4d;
		*d = 0x4d4d566e;
		break;
	case 1:
		*a = XEN_VERSION_CODE;
		break;
	case 2:
		*a = 1; /* hypercall transfer pages */
		*b = XEN_MSR_HYPERCALL_PAGE;
		break;
	}
}

void pv_cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	if (leaf >= XEN_CPUID_BASE && leaf < XEN_CPUID_BASE + 0x100) {
		if (leaf <= XEN_CPUID_MAX)
			hypervisor_leaves(leaf, a, b, c, d);
		else
			*a = *b = *c = *d = 0;
		return;
	}
	cpuid_count(leaf, sub, a, b, c, d);
	switch (leaf) {
	case 1:
		*d &= ~(F1_EDX_VME | F1_EDX_DE | F1_EDX_PSE | F1_EDX_PGE | F1_EDX_MTRR |
			F1_EDX_MCE | F1_EDX_MCA | F1_EDX_PSE36 | F1_EDX_ACPI);
		*c &= ~(F1_ECX_MONITOR | F1_ECX_VMX | F1_ECX_SMX | F1_ECX_EST | F1_ECX_PCID |
			F1_ECX_X2APIC | F1_ECX_TSC_DEADLINE);
		*c |= F1_ECX_HYPERVISOR;
		/* Report vCPU 0's APIC id. */
		*b &= 0x00ffffff;
		break;
	case 7:
		if (sub == 0) {
			*b &= ~(F7_EBX_FSGSBASE | F7_EBX_SMEP | F7_EBX_INVPCID | F7_EBX_MPX |
				F7_EBX_SMAP);
			*c &= ~(F7_ECX_UMIP | F7_ECX_PKU | F7_ECX_OSPKE | F7_ECX_CET_SS |
				F7_ECX_LA57);
			*d &= ~F7_EDX_CET_IBT;
		}
		break;
	case 0xd:
		if (sub == 0)
			*a &= ~(FD0_EAX_MPX | FD0_EAX_PKRU);
		if (sub == 1) {
			*a &= ~(FD1_EAX_XSAVES | FD1_EAX_XFD);
			*c = *d = 0; /* no supervisor state components */
		}
		break;
	case 0x80000001:
		*c &= ~FX_ECX_SVM;
		*d &= ~FX_EDX_PAGE1GB;
		break;
	}
}
