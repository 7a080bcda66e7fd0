/*
 * Petrel public ABI: the core guest interface (Xen 4.17 numbers and
 * layouts, x86-64).
 *
 * Hypercall numbers, virtual IRQs, the MMU update interfaces, domain ids,
 * and the pages a PV guest shares with the hypervisor: start_info,
 * shared_info and the vcpu_info inside it.
 *
 * Every header of this set compiles on its own as C89, C99, C11, C++98 and
 * C++11 (`make headers-check`).  Layouts are pinned with PETREL_ASSERT_*
 * (see static-assert.h); docs/abi-headers.md explains the conventions.
 */
#ifndef __XEN_PUBLIC_XEN_H__
#define __XEN_PUBLIC_XEN_H__

#include "arch-x86/xen.h"

#ifndef __ASSEMBLY__
/* Handles to arrays of plain C types. */
DEFINE_XEN_GUEST_HANDLE(char);
__DEFINE_XEN_GUEST_HANDLE(uchar, unsigned char);
DEFINE_XEN_GUEST_HANDLE(int);
__DEFINE_XEN_GUEST_HANDLE(uint, unsigned int);
DEFINE_XEN_GUEST_HANDLE(void);
DEFINE_XEN_GUEST_HANDLE(uint64_t);
DEFINE_XEN_GUEST_HANDLE(xen_pfn_t);
DEFINE_XEN_GUEST_HANDLE(xen_ulong_t);

/* Suffix a number so it has unsigned (long) type in C but not in assembly. */
#define __xen_mk_uint(x) x##U
#define __xen_mk_ulong(x) x##UL
#define xen_mk_uint(x) __xen_mk_uint(x)
#define xen_mk_ulong(x) __xen_mk_ulong(x)
#else
#define xen_mk_uint(x) x
#define xen_mk_ulong(x) x
#endif

/*
 * Hypercall numbers.  x86-64 PV: number in rax, arguments in rdi, rsi, rdx,
 * r10, r8, result in rax; rcx and r11 are clobbered.
 */
#define __HYPERVISOR_set_trap_table 0
#define __HYPERVISOR_mmu_update 1
#define __HYPERVISOR_set_gdt 2
#define __HYPERVISOR_stack_switch 3
#define __HYPERVISOR_set_callbacks 4
#define __HYPERVISOR_fpu_taskswitch 5
#define __HYPERVISOR_sched_op_compat 6 /* superseded by sched_op */
#define __HYPERVISOR_platform_op 7
#define __HYPERVISOR_set_debugreg 8
#define __HYPERVISOR_get_debugreg 9
#define __HYPERVISOR_update_descriptor 10
/* 11 is unused */
#define __HYPERVISOR_memory_op 12
#define __HYPERVISOR_multicall 13
#define __HYPERVISOR_update_va_mapping 14
#define __HYPERVISOR_set_timer_op 15
#define __HYPERVISOR_event_channel_op_compat 16 /* superseded by event_channel_op */
#define __HYPERVISOR_xen_version 17
#define __HYPERVISOR_console_io 18
#define __HYPERVISOR_physdev_op_compat 19 /* superseded by physdev_op */
#define __HYPERVISOR_grant_table_op 20
#define __HYPERVISOR_vm_assist 21
#define __HYPERVISOR_update_va_mapping_otherdomain 22
#define __HYPERVISOR_iret 23
#define __HYPERVISOR_vcpu_op 24
#define __HYPERVISOR_set_segment_base 25
#define __HYPERVISOR_mmuext_op 26
#define __HYPERVISOR_xsm_op 27
#define __HYPERVISOR_nmi_op 28
#define __HYPERVISOR_sched_op 29
#define __HYPERVISOR_callback_op 30
#define __HYPERVISOR_xenoprof_op 31
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_physdev_op 33
#define __HYPERVISOR_hvm_op 34
#define __HYPERVISOR_sysctl 35
#define __HYPERVISOR_domctl 36
#define __HYPERVISOR_kexec_op 37
#define __HYPERVISOR_tmem_op 38
#define __HYPERVISOR_argo_op 39
#define __HYPERVISOR_xenpmu_op 40
#define __HYPERVISOR_dm_op 41
#define __HYPERVISOR_hypfs_op 42

/* Numbers 48-55 are left to each architecture (x86: 48 = mca). */
#define __HYPERVISOR_arch_0 48
#define __HYPERVISOR_arch_1 49
#define __HYPERVISOR_arch_2 50
#define __HYPERVISOR_arch_3 51
#define __HYPERVISOR_arch_4 52
#define __HYPERVISOR_arch_5 53
#define __HYPERVISOR_arch_6 54
#define __HYPERVISOR_arch_7 55

/*
 * Virtual IRQs, bound to event channels with EVTCHNOP_bind_virq.
 * Per-vcpu: TIMER, DEBUG, XENOPROF, XENPMU.  The rest are global and, except
 * ARGO, meant for the control domain.
 */
#define VIRQ_TIMER 0	  /* timer tick or singleshot deadline */
#define VIRQ_DEBUG 1	  /* asked to dump debug state */
#define VIRQ_CONSOLE 2	  /* input on the hypervisor console */
#define VIRQ_DOM_EXC 3	  /* some domain changed state (died, shut down) */
#define VIRQ_TBUF 4	  /* trace records available */
#define VIRQ_DEBUGGER 6	  /* a domain paused for a debugger */
#define VIRQ_XENOPROF 7	  /* profiling sample ready */
#define VIRQ_CON_RING 8	  /* hypervisor console ring has new bytes */
#define VIRQ_PCPU_STATE 9 /* a physical CPU went on/offline */
#define VIRQ_MEM_EVENT 10 /* memory event pending */
#define VIRQ_ARGO 11	  /* Argo message notification */
#define VIRQ_ENOMEM 12	  /* hypervisor heap is low */
#define VIRQ_XENPMU 13	  /* PMU interrupt */

#define VIRQ_ARCH_0 16
#define VIRQ_ARCH_1 17
#define VIRQ_ARCH_2 18
#define VIRQ_ARCH_3 19
#define VIRQ_ARCH_4 20
#define VIRQ_ARCH_5 21
#define VIRQ_ARCH_6 22
#define VIRQ_ARCH_7 23

#define NR_VIRQS 24

/*
 * HYPERVISOR_mmu_update(reqs, count, done_out, foreigndom).
 * The low two bits of mmu_update.ptr select the command; the rest is the
 * machine address of the PTE (or, for MACHPHYS_UPDATE, of the frame).
 * foreigndom[15:0] owns the mapped frames, foreigndom[31:16] (if non-zero,
 * minus one) owns the page tables.
 */
#define MMU_NORMAL_PT_UPDATE 0	     /* validated *ptr = val */
#define MMU_MACHPHYS_UPDATE 1	     /* m2p[ptr >> PAGE_SHIFT] = val */
#define MMU_PT_UPDATE_PRESERVE_AD 2  /* as NORMAL, keeping the old A/D bits */
#define MMU_PT_UPDATE_NO_TRANSLATE 3 /* as NORMAL, val is never translated */

/* HYPERVISOR_mmuext_op(ops, count, done_out, foreigndom) commands. */
#define MMUEXT_PIN_L1_TABLE 0
#define MMUEXT_PIN_L2_TABLE 1
#define MMUEXT_PIN_L3_TABLE 2
#define MMUEXT_PIN_L4_TABLE 3
#define MMUEXT_UNPIN_TABLE 4
#define MMUEXT_NEW_BASEPTR 5
#define MMUEXT_TLB_FLUSH_LOCAL 6
#define MMUEXT_INVLPG_LOCAL 7
#define MMUEXT_TLB_FLUSH_MULTI 8
#define MMUEXT_INVLPG_MULTI 9
#define MMUEXT_TLB_FLUSH_ALL 10
#define MMUEXT_INVLPG_ALL 11
#define MMUEXT_FLUSH_CACHE 12
#define MMUEXT_SET_LDT 13
/* 14 is unused */
#define MMUEXT_NEW_USER_BASEPTR 15
#define MMUEXT_CLEAR_PAGE 16
#define MMUEXT_COPY_PAGE 17
#define MMUEXT_FLUSH_CACHE_GLOBAL 18
#define MMUEXT_MARK_SUPER 19
#define MMUEXT_UNMARK_SUPER 20

#ifndef __ASSEMBLY__
struct mmuext_op {
	unsigned int cmd; /* MMUEXT_* */
	union {
		/* pin/unpin, new (user) baseptr, clear/copy page, (un)mark super */
		xen_pfn_t mfn;
		/* invlpg, set_ldt */
		unsigned long linear_addr;
	} arg1;
	union {
		unsigned int nr_ents;		       /* set_ldt */
		XEN_GUEST_HANDLE(const_void) vcpumask; /* *_MULTI */
		xen_pfn_t src_mfn;		       /* copy_page */
	} arg2;
};
typedef struct mmuext_op mmuext_op_t;
DEFINE_XEN_GUEST_HANDLE(mmuext_op_t);
#endif

/* update_va_mapping flags: a flush type OR'd with a scope. */
#define UVMF_NONE (xen_mk_ulong(0) << 0)
#define UVMF_TLB_FLUSH (xen_mk_ulong(1) << 0)
#define UVMF_INVLPG (xen_mk_ulong(2) << 0)
#define UVMF_FLUSHTYPE_MASK (xen_mk_ulong(3) << 0)
#define UVMF_MULTI (xen_mk_ulong(0) << 2) /* OR in a pointer to a vcpu bitmap */
#define UVMF_LOCAL (xen_mk_ulong(0) << 2)
#define UVMF_ALL (xen_mk_ulong(1) << 2)

/* HYPERVISOR_console_io(cmd, count, buffer) */
#define CONSOLEIO_write 0
#define CONSOLEIO_read 1

/* HYPERVISOR_vm_assist(cmd, type) */
#define VMASST_CMD_enable 0
#define VMASST_CMD_disable 1
#define VMASST_TYPE_4gb_segments 0
#define VMASST_TYPE_4gb_segments_notify 1
#define VMASST_TYPE_writable_pagetables 2
#define VMASST_TYPE_pae_extended_cr3 3
#define VMASST_TYPE_architectural_iopl 4
#define VMASST_TYPE_runstate_update_flag 5
#define VMASST_TYPE_m2p_strict 32

/* Domain ids from 0x7FF0 up are special, never a real domain. */
#define DOMID_FIRST_RESERVED xen_mk_uint(0x7FF0)
#define DOMID_SELF xen_mk_uint(0x7FF0) /* the caller */
#define DOMID_IO xen_mk_uint(0x7FF1)   /* owner of I/O memory */
#define DOMID_XEN xen_mk_uint(0x7FF2)  /* the hypervisor's own frames */
#define DOMID_COW xen_mk_uint(0x7FF3)  /* shared copy-on-write frames */
#define DOMID_INVALID xen_mk_uint(0x7FF4)
#define DOMID_IDLE xen_mk_uint(0x7FFF)
#define DOMID_MASK xen_mk_uint(0x7FFF)

#ifndef __ASSEMBLY__

typedef uint16_t domid_t;

struct mmu_update {
	uint64_t ptr; /* machine address of the entry | MMU_* command */
	uint64_t val; /* new contents */
};
typedef struct mmu_update mmu_update_t;
DEFINE_XEN_GUEST_HANDLE(mmu_update_t);

/* One call of a HYPERVISOR_multicall batch; result is written back. */
struct multicall_entry {
	xen_ulong_t op, result;
	xen_ulong_t args[6];
};
typedef struct multicall_entry multicall_entry_t;
DEFINE_XEN_GUEST_HANDLE(multicall_entry_t);

/*
 * pvclock.  version is odd while the hypervisor updates the record; readers
 * retry until they see the same even version before and after.  Time now:
 *   system_time + ((((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul) >> 32)
 * (a negative tsc_shift shifts right).
 */
struct vcpu_time_info {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp; /* TSC at the last update */
	uint64_t system_time;	/* ns since boot at tsc_timestamp */
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags; /* XEN_PVCLOCK_* */
	uint8_t pad1[2];
};
typedef struct vcpu_time_info vcpu_time_info_t;

#define XEN_PVCLOCK_TSC_STABLE_BIT (1 << 0)
#define XEN_PVCLOCK_GUEST_STOPPED (1 << 1)

/*
 * Per-vcpu event state.  The hypervisor sets evtchn_upcall_pending and
 * bits of evtchn_pending_sel (one bit per word of shared_info's pending
 * array); while evtchn_upcall_mask is non-zero no upcall is delivered.
 */
struct vcpu_info {
	uint8_t evtchn_upcall_pending;
	uint8_t evtchn_upcall_mask;
	xen_ulong_t evtchn_pending_sel;
	struct arch_vcpu_info arch;
	vcpu_time_info_t time;
};
typedef struct vcpu_info vcpu_info_t;

/*
 * The shared page.  2-level event channels: port p is pending when bit p of
 * evtchn_pending is set and masked when bit p of evtchn_mask is.  The wc_*
 * fields give wall-clock time at system time 0; wc_version works like
 * vcpu_time_info.version.
 */
struct shared_info {
	struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	xen_ulong_t evtchn_pending[sizeof(xen_ulong_t) * 8];
	xen_ulong_t evtchn_mask[sizeof(xen_ulong_t) * 8];
	uint32_t wc_version;
	uint32_t wc_sec;
	uint32_t wc_nsec;
	uint32_t wc_sec_hi;
	struct arch_shared_info arch;
};
#define xen_wc_sec_hi wc_sec_hi
typedef struct shared_info shared_info_t;

/*
 * start_info: the page whose virtual address a PV guest finds in rsi at
 * entry.  The first block is refreshed on resume, the rest is set at boot.
 * For dom0 the console union describes a dom0_vga_console_info stored in
 * the same page (info_off/info_size); for a domU it names the console ring.
 */
#define MAX_GUEST_CMDLINE 1024
struct start_info {
	char magic[32]; /* "xen-3.0-x86_64" */
	unsigned long nr_pages;
	unsigned long shared_info; /* machine address of shared_info */
	uint32_t flags;		   /* SIF_* */
	xen_pfn_t store_mfn;	   /* xenstore ring frame */
	uint32_t store_evtchn;
	union {
		struct {
			xen_pfn_t mfn; /* console ring frame */
			uint32_t evtchn;
		} domU;
		struct {
			uint32_t info_off; /* offset of dom0_vga_console_info */
			uint32_t info_size;
		} dom0;
	} console;
	unsigned long pt_base; /* virtual address of the boot L4 */
	unsigned long nr_pt_frames;
	unsigned long mfn_list;	 /* virtual address of the p2m array */
	unsigned long mod_start; /* initrd VA, or PFN with SIF_MOD_START_PFN */
	unsigned long mod_len;
	int8_t cmd_line[MAX_GUEST_CMDLINE];
	unsigned long first_p2m_pfn; /* INIT_P2M: first frame of the p2m */
	unsigned long nr_p2m_frames;
};
typedef struct start_info start_info_t;

#endif /* !__ASSEMBLY__ */

/* start_info.flags */
#define SIF_PRIVILEGED (1 << 0)
#define SIF_INITDOMAIN (1 << 1)
#define SIF_MULTIBOOT_MOD (1 << 2)   /* mod_start is a multiboot module list */
#define SIF_MOD_START_PFN (1 << 3)   /* mod_start is a PFN, not a VA */
#define SIF_VIRT_P2M_4TOOLS (1 << 4) /* tools understand a linear p2m */
#define SIF_PM_MASK (0xFF << 8)	     /* reserved for power-management options */

#ifndef __ASSEMBLY__

/* Module list entry when SIF_MULTIBOOT_MOD is set. */
struct xen_multiboot_mod_list {
	uint32_t mod_start; /* first byte */
	uint32_t mod_end;   /* last byte, inclusive */
	uint32_t cmdline;   /* address of a NUL-terminated string */
	uint32_t pad;
};

/* dom0's view of the boot display, in its start_info page. */
#define XEN_VGATYPE_TEXT_MODE_3 0x03
#define XEN_VGATYPE_VESA_LFB 0x23
#define XEN_VGATYPE_EFI_LFB 0x70
typedef struct dom0_vga_console_info {
	uint8_t video_type; /* XEN_VGATYPE_* */
	union {
		struct {
			uint16_t font_height;
			uint16_t cursor_x, cursor_y;
			uint16_t rows, columns;
		} text_mode_3;
		struct {
			uint16_t width, height;
			uint16_t bytes_per_line;
			uint16_t bits_per_pixel;
			uint32_t lfb_base; /* low 32 bits of the frame buffer address */
			uint32_t lfb_size; /* in 64 KiB units */
			uint8_t red_pos, red_size;
			uint8_t green_pos, green_size;
			uint8_t blue_pos, blue_size;
			uint8_t rsvd_pos, rsvd_size;
			uint32_t gbl_caps;
			uint16_t mode_attrs;
			uint16_t pad;
			uint32_t ext_lfb_base; /* high 32 bits of lfb_base */
		} vesa_lfb;
	} u;
} dom0_vga_console_info_t;
#define xen_vga_console_info dom0_vga_console_info
#define xen_vga_console_info_t dom0_vga_console_info_t

typedef uint8_t xen_domain_handle_t[16];

__DEFINE_XEN_GUEST_HANDLE(uint8, uint8_t);
__DEFINE_XEN_GUEST_HANDLE(uint16, uint16_t);
__DEFINE_XEN_GUEST_HANDLE(uint32, uint32_t);
__DEFINE_XEN_GUEST_HANDLE(uint64, uint64_t);

typedef struct {
	uint8_t a[16];
} xen_uuid_t;

/*
 * Toolstack types (Xen exposes these only with __XEN__/__XEN_TOOLS__; Petrel
 * always does).  64-bit fields of domctl/sysctl are 8-aligned on x86-64
 * anyway, so the "aligned" names are plain types here.
 */
#ifndef int64_aligned_t
#define int64_aligned_t int64_t
#endif
#ifndef uint64_aligned_t
#define uint64_aligned_t uint64_t
#endif
#ifndef XEN_GUEST_HANDLE_64
#define XEN_GUEST_HANDLE_64(name) XEN_GUEST_HANDLE(name)
#endif

struct xenctl_bitmap {
	XEN_GUEST_HANDLE_64(uint8) bitmap;
	uint32_t nr_bits;
};
typedef struct xenctl_bitmap xenctl_bitmap_t;

PETREL_ASSERT_SIZE(struct mmuext_op, 24, mmuext_op);
PETREL_ASSERT_OFFSET(struct mmuext_op, arg1, 8, mmuext_op);
PETREL_ASSERT_OFFSET(struct mmuext_op, arg2, 16, mmuext_op);
PETREL_ASSERT_SIZE(struct mmu_update, 16, mmu_update);
PETREL_ASSERT_OFFSET(struct mmu_update, val, 8, mmu_update);
PETREL_ASSERT_SIZE(struct multicall_entry, 64, multicall_entry);
PETREL_ASSERT_OFFSET(struct multicall_entry, result, 8, multicall_entry);
PETREL_ASSERT_OFFSET(struct multicall_entry, args, 16, multicall_entry);
PETREL_ASSERT_SIZE(struct vcpu_time_info, 32, vcpu_time_info);
PETREL_ASSERT_OFFSET(struct vcpu_time_info, tsc_timestamp, 8, vcpu_time_info);
PETREL_ASSERT_OFFSET(struct vcpu_time_info, system_time, 16, vcpu_time_info);
PETREL_ASSERT_OFFSET(struct vcpu_time_info, tsc_to_system_mul, 24, vcpu_time_info);
PETREL_ASSERT_OFFSET(struct vcpu_time_info, tsc_shift, 28, vcpu_time_info);
PETREL_ASSERT_OFFSET(struct vcpu_time_info, flags, 29, vcpu_time_info);
PETREL_ASSERT_SIZE(struct vcpu_info, 64, vcpu_info);
PETREL_ASSERT_OFFSET(struct vcpu_info, evtchn_upcall_mask, 1, vcpu_info);
PETREL_ASSERT_OFFSET(struct vcpu_info, evtchn_pending_sel, 8, vcpu_info);
PETREL_ASSERT_OFFSET(struct vcpu_info, arch, 16, vcpu_info);
PETREL_ASSERT_OFFSET(struct vcpu_info, time, 32, vcpu_info);
PETREL_ASSERT_SIZE(struct shared_info, 3136, shared_info);
PETREL_ASSERT_OFFSET(struct shared_info, evtchn_pending, 2048, shared_info);
PETREL_ASSERT_OFFSET(struct shared_info, evtchn_mask, 2560, shared_info);
PETREL_ASSERT_OFFSET(struct shared_info, wc_version, 3072, shared_info);
PETREL_ASSERT_OFFSET(struct shared_info, wc_sec, 3076, shared_info);
PETREL_ASSERT_OFFSET(struct shared_info, wc_nsec, 3080, shared_info);
PETREL_ASSERT_OFFSET(struct shared_info, wc_sec_hi, 3084, shared_info);
PETREL_ASSERT_OFFSET(struct shared_info, arch, 3088, shared_info);
PETREL_ASSERT_SIZE(struct start_info, 1168, start_info);
PETREL_ASSERT_OFFSET(struct start_info, nr_pages, 32, start_info);
PETREL_ASSERT_OFFSET(struct start_info, shared_info, 40, start_info);
PETREL_ASSERT_OFFSET(struct start_info, flags, 48, start_info);
PETREL_ASSERT_OFFSET(struct start_info, store_mfn, 56, start_info);
PETREL_ASSERT_OFFSET(struct start_info, store_evtchn, 64, start_info);
PETREL_ASSERT_OFFSET(struct start_info, console, 72, start_info);
PETREL_ASSERT_OFFSET(struct start_info, pt_base, 88, start_info);
PETREL_ASSERT_OFFSET(struct start_info, nr_pt_frames, 96, start_info);
PETREL_ASSERT_OFFSET(struct start_info, mfn_list, 104, start_info);
PETREL_ASSERT_OFFSET(struct start_info, mod_start, 112, start_info);
PETREL_ASSERT_OFFSET(struct start_info, mod_len, 120, start_info);
PETREL_ASSERT_OFFSET(struct start_info, cmd_line, 128, start_info);
PETREL_ASSERT_OFFSET(struct start_info, first_p2m_pfn, 1152, start_info);
PETREL_ASSERT_OFFSET(struct start_info, nr_p2m_frames, 1160, start_info);
PETREL_ASSERT_SIZE(struct xen_multiboot_mod_list, 16, xen_multiboot_mod_list);
PETREL_ASSERT_SIZE(struct dom0_vga_console_info, 40, dom0_vga_console_info);
PETREL_ASSERT_OFFSET(struct dom0_vga_console_info, u, 4, dom0_vga_console_info);
PETREL_ASSERT_SIZE(xen_uuid_t, 16, xen_uuid);
PETREL_ASSERT_SIZE(struct xenctl_bitmap, 16, xenctl_bitmap);

#endif /* !__ASSEMBLY__ */

#endif /* __XEN_PUBLIC_XEN_H__ */
