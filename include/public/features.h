/*
 * Petrel public ABI: feature bits reported by XENVER_get_features (submap 0)
 * and named in a kernel's XEN_ELFNOTE_FEATURES / SUPPORTED_FEATURES notes
 * (Xen 4.17 numbers).
 */
#ifndef __XEN_PUBLIC_FEATURES_H__
#define __XEN_PUBLIC_FEATURES_H__

#define XENFEAT_writable_page_tables 0 /* guest may write its page tables directly */
#define XENFEAT_writable_descriptor_tables 1
#define XENFEAT_auto_translated_physmap 2 /* hypervisor translates guest frames (HVM/PVH) */
#define XENFEAT_supervisor_mode_kernel 3
#define XENFEAT_pae_pgdir_above_4gb 4	    /* 32-bit PAE L3 may live above 4 GiB */
#define XENFEAT_mmu_pt_update_preserve_ad 5 /* MMU_PT_UPDATE_PRESERVE_AD works */
#define XENFEAT_highmem_assist 6
#define XENFEAT_gnttab_map_avail_bits 7 /* grant maps keep PTE available bits */
#define XENFEAT_hvm_callback_vector 8	/* HVM: event upcall through a vector */
#define XENFEAT_hvm_safe_pvclock 9	/* HVM: pvclock is safe to use */
#define XENFEAT_hvm_pirqs 10		/* HVM: physical IRQs delivered as event channels */
#define XENFEAT_dom0 11			/* kernel can be the control domain */
/* 12 (grant_map_identity) is retired and must not be reported. */
#define XENFEAT_memory_op_vnode_supported 13
#define XENFEAT_ARM_SMCCC_supported 14
#define XENFEAT_linux_rsdp_unrestricted 15 /* RSDP may be anywhere, not only below 1 MiB */
#define XENFEAT_not_direct_mapped 16
#define XENFEAT_direct_mapped 17

/* Number of 32-bit submaps. */
#define XENFEAT_NR_SUBMAPS 1

#endif /* __XEN_PUBLIC_FEATURES_H__ */
