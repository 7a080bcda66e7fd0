/*
 * The part of Xen 4.17's x86-64 PV guest ABI that the test guests use.
 *
 * The numbers and layouts are Xen's (xen/include/public/xen.h, elfnote.h,
 * features.h, version.h, sched.h, arch-x86/xen-x86_64.h, arch-x86/xen.h);
 * the text is ours. The guests are built against this header only, so the
 * same images boot on Petrel and on a real Xen 4.17.
 */
#ifndef GUEST_XEN_ABI_H
#define GUEST_XEN_ABI_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#include <stddef.h>
#endif

/* Hypercall numbers (xen.h). */
#define HC_set_trap_table 0
#define HC_mmu_update 1
#define HC_update_va_mapping 14
#define HC_xen_version 17
#define HC_console_io 18
#define HC_iret 23
#define HC_sched_op 29

/* console_io sub-ops. */
#define CONSOLEIO_write 0
#define CONSOLEIO_read 1

/* sched_op sub-ops and shutdown reasons (sched.h). */
#define SCHEDOP_yield 0
#define SCHEDOP_block 1
#define SCHEDOP_shutdown 2
#define SHUTDOWN_poweroff 0
#define SHUTDOWN_reboot 1
#define SHUTDOWN_suspend 2
#define SHUTDOWN_crash 3
#define SHUTDOWN_soft_reset 5

/* xen_version sub-ops (version.h). */
#define XENVER_version 0
#define XENVER_extraversion 1
#define XENVER_compile_info 2
#define XENVER_capabilities 3
#define XENVER_changeset 4
#define XENVER_platform_parameters 5
#define XENVER_get_features 6
#define XENVER_pagesize 7
#define XENVER_guest_handle 8

/* Feature bits (features.h). */
#define XENFEAT_writable_page_tables 0
#define XENFEAT_auto_translated_physmap 2
#define XENFEAT_dom0 11

/* ELF note types (elfnote.h); the note name is "Xen". */
#define XEN_ELFNOTE_ENTRY 1
#define XEN_ELFNOTE_HYPERCALL_PAGE 2
#define XEN_ELFNOTE_VIRT_BASE 3
#define XEN_ELFNOTE_PADDR_OFFSET 4
#define XEN_ELFNOTE_XEN_VERSION 5
#define XEN_ELFNOTE_GUEST_OS 6
#define XEN_ELFNOTE_GUEST_VERSION 7
#define XEN_ELFNOTE_LOADER 8
#define XEN_ELFNOTE_SUPPORTED_FEATURES 17

/* Flat selectors of a 64-bit PV guest (arch-x86/xen-x86_64.h). */
#define FLAT_KERNEL_CS64 0xe033
#define FLAT_KERNEL_DS64 0xe02b
#define FLAT_KERNEL_SS64 0xe02b
#define FLAT_USER_CS64 0xe033
#define HYPERVISOR_VIRT_START 0xffff800000000000UL
#define HYPERVISOR_VIRT_END 0xffff880000000000UL

/* start_info.flags (xen.h). */
#define SIF_PRIVILEGED (1u << 0)
#define SIF_INITDOMAIN (1u << 1)
#define SIF_MULTIBOOT_MOD (1u << 2)
#define SIF_MOD_START_PFN (1u << 3)

/* update_va_mapping flags (xen.h). */
#define UVMF_NONE 0
#define UVMF_TLB_FLUSH 1
#define UVMF_INVLPG 2

/* Page table entry bits. */
#define PTE_P 0x001UL
#define PTE_RW 0x002UL
#define PTE_US 0x004UL
#define PTE_A 0x020UL
#define PTE_D 0x040UL

/* #PF error code bits. */
#define PFEC_present 0x01u
#define PFEC_write 0x02u
#define PFEC_user 0x04u

/* Error values (errno.h): hypercalls return them negated. */
#define XEN_EPERM 1
#define XEN_EFAULT 14
#define XEN_EINVAL 22
#define XEN_ENOSYS 38

#define XEN_PAGE_SIZE 4096UL

#ifndef __ASSEMBLER__

/* 16 bytes; a table ends with an entry whose address is 0. */
struct trap_info {
	uint8_t vector;
	uint8_t flags; /* bits 0-1: DPL; bit 2: mask events on entry */
	uint16_t cs;
	unsigned long address;
};
_Static_assert(sizeof(struct trap_info) == 16, "trap_info is 16 bytes");

struct sched_shutdown {
	unsigned int reason;
};

struct xen_feature_info {
	unsigned int submap_idx;
	uint32_t submap;
};

struct xen_compile_info {
	char compiler[64];
	char compile_by[16];
	char compile_domain[32];
	char compile_date[32];
};
_Static_assert(sizeof(struct xen_compile_info) == 144, "xen_compile_info layout");

struct xen_platform_parameters {
	unsigned long virt_start;
};

typedef char xen_extraversion_t[16];
typedef char xen_capabilities_info_t[1024];
typedef char xen_changeset_info_t[64];
typedef uint8_t xen_domain_handle_t[16];

struct vcpu_time_info {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad1[2];
};
_Static_assert(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info is 32 bytes");

struct arch_vcpu_info {
	unsigned long cr2;
	unsigned long pad;
};

struct vcpu_info {
	uint8_t evtchn_upcall_pending;
	uint8_t evtchn_upcall_mask;
	uint8_t pad0[6];
	unsigned long evtchn_pending_sel;
	struct arch_vcpu_info arch;
	struct vcpu_time_info time;
};
_Static_assert(sizeof(struct vcpu_info) == 64, "vcpu_info is 64 bytes");
_Static_assert(offsetof(struct vcpu_info, arch.cr2) == 16, "vcpu_info.arch.cr2 at 16");

struct shared_info {
	struct vcpu_info vcpu_info[32];
	unsigned long evtchn_pending[64];
	unsigned long evtchn_mask[64];
	uint32_t wc_version;
	uint32_t wc_sec;
	uint32_t wc_nsec;
	uint32_t wc_sec_hi;
	/* the x86 part: where the toolstack finds the guest's p2m */
	unsigned long max_pfn; /* p2m entries */
	unsigned long pfn_to_mfn_frame_list_list; /* MFN of the top of the p2m tree */
	unsigned long nmi_reason;
	unsigned long p2m_cr3; /* 0: use the tree, not a linear p2m */
	unsigned long p2m_vaddr;
	unsigned long p2m_generation;
};
_Static_assert(offsetof(struct shared_info, evtchn_pending) == 2048, "shared_info layout");
_Static_assert(offsetof(struct shared_info, wc_version) == 3072, "shared_info layout");
_Static_assert(offsetof(struct shared_info, max_pfn) == 3088, "shared_info layout");
_Static_assert(offsetof(struct shared_info, p2m_generation) == 3128, "shared_info layout");

struct start_info {
	char magic[32]; /* "xen-3.0-x86_64" */
	unsigned long nr_pages;
	unsigned long shared_info; /* machine address */
	uint32_t flags;
	uint32_t pad0;
	unsigned long store_mfn;
	uint32_t store_evtchn;
	uint32_t pad1;
	union {
		struct {
			unsigned long mfn;
			uint32_t evtchn;
		} domU;
		struct {
			uint32_t info_off;
			uint32_t info_size;
		} dom0;
	} console;
	unsigned long pt_base; /* virtual address of the L4 */
	unsigned long nr_pt_frames;
	unsigned long mfn_list; /* virtual address of the p2m array */
	unsigned long mod_start;
	unsigned long mod_len;
	char cmd_line[1024];
	unsigned long first_p2m_pfn;
	unsigned long nr_p2m_frames;
};
_Static_assert(offsetof(struct start_info, nr_pages) == 32, "start_info layout");
_Static_assert(offsetof(struct start_info, flags) == 48, "start_info layout");
_Static_assert(offsetof(struct start_info, console) == 72, "start_info layout");
_Static_assert(offsetof(struct start_info, pt_base) == 88, "start_info layout");
_Static_assert(offsetof(struct start_info, mfn_list) == 104, "start_info layout");
_Static_assert(offsetof(struct start_info, cmd_line) == 128, "start_info layout");
_Static_assert(offsetof(struct start_info, first_p2m_pfn) == 1152, "start_info layout");
_Static_assert(sizeof(struct start_info) == 1168, "start_info is 1168 bytes");

#endif /* __ASSEMBLER__ */

/* Grant tables v1 (grant_table.h): the ops, flags and status codes the tests use. */
#define HC_grant_table_op 20
#define GNTTABOP_map_grant_ref 0
#define GNTTABOP_unmap_grant_ref 1
#define GNTTABOP_setup_table 2
#define GNTTABOP_transfer 4
#define GNTTABOP_copy 5
#define GNTTABOP_query_size 6
#define GNTTABOP_set_version 8
#define GNTTABOP_get_status_frames 9
#define GNTTABOP_get_version 10
#define GNTTABOP_unmap_and_replace 7
#define GNTTABOP_swap_grant_ref 11
#define GNTMAP_device_map (1u << 0)
#define GNTMAP_host_map (1u << 1)
#define GNTMAP_readonly (1u << 2)
#define GNTMAP_application_map (1u << 3)
#define GNTMAP_contains_pte (1u << 4)
#define GTF_permit_access 1u
#define GTF_transitive 3u
#define GTF_sub_page (1u << 8)
#define GTF_readonly (1u << 2)
#define GTF_reading (1u << 3)
#define GTF_writing (1u << 4)
#define GNTCOPY_source_gref 1u
#define GNTCOPY_dest_gref 2u
#define GNTST_okay 0
#define GNTST_general_error (-1)
#define GNTST_bad_domain (-2)
#define GNTST_bad_gntref (-3)
#define GNTST_bad_handle (-4)
#define GNTST_bad_dev_addr (-6)
#define GNTST_no_space (-13)
#define GNTST_permission_denied (-8)
#define GNTST_bad_page (-9)
#define GNTST_bad_copy_arg (-10)
#define GNTST_eagain (-12)

#ifndef __ASSEMBLER__
struct grant_entry_v1 {
	uint16_t flags, domid;
	uint32_t frame;
};

/* Version 2: 16-byte entries, their in-use bits in a separate status word each. */
union grant_entry_v2 {
	struct {
		uint16_t flags, domid;
	} hdr;
	struct {
		uint16_t flags, domid;
		uint32_t pad0;
		uint64_t frame;
	} full_page;
	struct {
		uint16_t flags, domid;
		uint16_t page_off, length;
		uint64_t frame;
	} sub_page;
	struct {
		uint16_t flags, domid;
		uint16_t trans_domid, pad0;
		uint32_t gref;
	} transitive;
	uint32_t spacer[4];
};

struct gnttab_get_status_frames {
	uint32_t nr_frames;
	uint16_t dom;
	int16_t status;
	uint64_t *frame_list;
};

struct gnttab_setup_table {
	uint16_t dom;
	uint32_t nr_frames;
	int16_t status;
	unsigned long *frame_list;
};

struct gnttab_query_size {
	uint16_t dom;
	uint32_t nr_frames, max_nr_frames;
	int16_t status;
};

struct gnttab_get_version {
	uint16_t dom, pad;
	uint32_t version;
};

struct gnttab_map_grant_ref {
	uint64_t host_addr;
	uint32_t flags, ref;
	uint16_t dom;
	int16_t status;
	uint32_t handle;
	uint64_t dev_bus_addr;
};

struct gnttab_unmap_grant_ref {
	uint64_t host_addr, dev_bus_addr;
	uint32_t handle;
	int16_t status;
};

struct gnttab_copy_ptr {
	unsigned long ref_or_gmfn;
	uint16_t domid, offset;
};

struct gnttab_copy {
	struct gnttab_copy_ptr source, dest;
	uint16_t len, flags;
	int16_t status;
};

_Static_assert(sizeof(struct grant_entry_v1) == 8, "grant_entry_v1 is 8 bytes");
_Static_assert(sizeof(union grant_entry_v2) == 16, "grant_entry_v2 is 16 bytes");
_Static_assert(sizeof(struct gnttab_get_status_frames) == 16, "get_status_frames layout");
_Static_assert(sizeof(struct gnttab_setup_table) == 24, "setup_table layout");
_Static_assert(sizeof(struct gnttab_map_grant_ref) == 32, "map layout");
_Static_assert(sizeof(struct gnttab_unmap_grant_ref) == 24, "unmap layout");
_Static_assert(sizeof(struct gnttab_copy) == 40, "copy layout");

/* ---- domctl (36) and sysctl (35): the domain records the toolstack reads */
#define HC_sysctl 35
#define HC_domctl 36
#define XEN_DOMCTL_INTERFACE_VERSION 0x00000015
#define XEN_SYSCTL_INTERFACE_VERSION 0x00000015
#define XEN_DOMCTL_pausedomain 3
#define XEN_DOMCTL_unpausedomain 4
#define XEN_DOMCTL_getdomaininfo 5
#define XEN_SYSCTL_getdomaininfolist 6
#define XEN_DOMINF_dying (1u << 0)
#define XEN_DOMINF_shutdown (1u << 2)
#define XEN_DOMINF_paused (1u << 3)
#define XEN_DOMINF_blocked (1u << 4)
#define XEN_DOMINF_running (1u << 5)
#define XEN_DOMINF_shutdownshift 16

struct xen_getdomaininfo {
	uint16_t domain, pad1;
	uint32_t flags;
	uint64_t tot_pages, max_pages, outstanding_pages, shr_pages, paged_pages;
	uint64_t shared_info_frame, cpu_time;
	uint32_t nr_online_vcpus, max_vcpu_id, ssidref;
	uint8_t handle[16];
	uint32_t cpupool;
	uint8_t gpaddr_bits, pad2[7];
	uint32_t emulation_flags, misc_flags; /* arch_config */
};

struct xen_domctl {
	uint32_t cmd, interface_version;
	uint16_t domain, pad[3];
	union {
		struct xen_getdomaininfo getdomaininfo;
		uint8_t pad[128];
	} u;
};

struct xen_sysctl_domlist {
	uint32_t cmd, interface_version;
	uint16_t first_domain;
	uint32_t max_domains;
	struct xen_getdomaininfo *buffer;
	uint32_t num_domains;
	uint8_t pad[128 - 24];
};

_Static_assert(sizeof(struct xen_getdomaininfo) == 112, "getdomaininfo layout");
_Static_assert(offsetof(struct xen_getdomaininfo, shared_info_frame) == 48, "getdomaininfo");
_Static_assert(offsetof(struct xen_getdomaininfo, nr_online_vcpus) == 64, "getdomaininfo");
_Static_assert(offsetof(struct xen_getdomaininfo, cpupool) == 92, "getdomaininfo");
_Static_assert(sizeof(struct xen_domctl) == 144, "xen_domctl is 144 bytes");
_Static_assert(offsetof(struct xen_domctl, u) == 16, "xen_domctl layout");
_Static_assert(sizeof(struct xen_sysctl_domlist) == 136, "xen_sysctl is 136 bytes");
_Static_assert(offsetof(struct xen_sysctl_domlist, buffer) == 16, "getdomaininfolist layout");
_Static_assert(offsetof(struct xen_sysctl_domlist, num_domains) == 24, "getdomaininfolist layout");
#endif
#ifndef __ASSEMBLER__
/* struct cpu_user_regs (200 bytes) and vcpu_guest_context (5168) of x86-64. */
struct user_regs {
	uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
	uint32_t error_code, entry_vector;
	uint64_t rip;
	uint16_t cs, pad0[3];
	uint64_t rflags, rsp;
	uint16_t ss, pad2[3], es, pad3[3], ds, pad4[3], fs, pad5[3], gs, pad6[3];
};
_Static_assert(sizeof(struct user_regs) == 200, "cpu_user_regs layout");

struct vcpu_context {
	uint8_t fpu[512];
	unsigned long flags;
	struct user_regs regs;
	struct trap_info traps[256];
	unsigned long ldt_base, ldt_ents, gdt_frames[16], gdt_ents;
	unsigned long kernel_ss, kernel_sp, ctrlreg[8], debugreg[8];
	unsigned long event_callback, failsafe_callback, syscall_callback, vm_assist;
	uint64_t fs_base, gs_base_kernel, gs_base_user;
};
_Static_assert(offsetof(struct vcpu_context, traps) == 720, "vcpu_guest_context layout");
_Static_assert(offsetof(struct vcpu_context, kernel_ss) == 4968, "vcpu_guest_context layout");
_Static_assert(offsetof(struct vcpu_context, ctrlreg) == 4984, "vcpu_guest_context layout");
_Static_assert(offsetof(struct vcpu_context, fs_base) == 5144, "vcpu_guest_context layout");
_Static_assert(sizeof(struct vcpu_context) == 5168, "vcpu_guest_context is 5168 bytes");

#endif /* __ASSEMBLER__ */

/* vcpu_guest_context.flags */
#define VGCF_in_kernel (1u << 2)
#define VGCF_online (1u << 5)

#endif
