/*
 * Petrel public ABI: the hypervisor CPUID leaves (Xen 4.17 numbers).
 *
 * Leaves start at 0x40000000 (or a multiple of 0x100 above it when another
 * hypervisor's leaves come first):
 *   base+0: EAX = highest Xen leaf, EBX:ECX:EDX = "XenVMMXenVMM"
 *   base+1: EAX = version (major << 16 | minor)
 *   base+2: EAX = number of hypercall pages, EBX = MSR that installs them,
 *           ECX = XEN_CPUID_FEAT1_* flags
 *   base+3: time/TSC information (sub-leaves 0-2)
 *   base+4: HVM features: EAX = XEN_HVM_CPUID_*, EBX = vcpu id,
 *           ECX = domain id (each only if flagged)
 *   base+5: PV features: EBX[7:0] = machine address width
 */
#ifndef __XEN_PUBLIC_ARCH_X86_CPUID_H__
#define __XEN_PUBLIC_ARCH_X86_CPUID_H__

#define XEN_CPUID_FIRST_LEAF 0x40000000
#define XEN_CPUID_LEAF(i) (XEN_CPUID_FIRST_LEAF + (i))

/* "XenV" "MMXe" "nVMM" */
#define XEN_CPUID_SIGNATURE_EBX 0x566e6558
#define XEN_CPUID_SIGNATURE_ECX 0x65584d4d
#define XEN_CPUID_SIGNATURE_EDX 0x4d4d566e

/* base+2 ECX */
#define _XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD 0
#define XEN_CPUID_FEAT1_MMU_PT_UPDATE_PRESERVE_AD (1u << 0)

/* base+4 EAX */
#define XEN_HVM_CPUID_APIC_ACCESS_VIRT (1u << 0) /* virtualised APIC registers */
#define XEN_HVM_CPUID_X2APIC_VIRT (1u << 1)	 /* virtualised x2APIC accesses */
#define XEN_HVM_CPUID_IOMMU_MAPPINGS (1u << 2)
#define XEN_HVM_CPUID_VCPU_ID_PRESENT (1u << 3) /* EBX holds the vcpu id */
#define XEN_HVM_CPUID_DOMID_PRESENT (1u << 4)	/* ECX holds the domain id */
#define XEN_HVM_CPUID_EXT_DEST_ID (1u << 5)	/* MSI extended destination id */
#define XEN_HVM_CPUID_UPCALL_VECTOR (1u << 6)	/* HVMOP_set_evtchn_upcall_vector works */

/* base+5 EBX */
#define XEN_CPUID_MACHINE_ADDRESS_WIDTH_MASK (0xffu << 0)

#define XEN_CPUID_MAX_NUM_LEAVES 5

#endif /* __XEN_PUBLIC_ARCH_X86_CPUID_H__ */
