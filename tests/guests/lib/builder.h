/*
 * The control domain as a tiny domain builder (builder.c): the domctl and
 * memory_op steps libxenctrl/libxenguest 4.17 take for a PV guest, for test
 * guests running as dom0. A "tiny" domain is BUILDER_PAGES frames:
 *	pfn 0-3  its L4, L3, L2, L1 (not mapped in the guest)
 *	pfn 4    code, at GVA 0x204000
 *	pfn 5    hypercall page (0x205000)
 *	pfn 6    stack (0x206000, the stack pointer starts at 0x207000)
 *	pfn 7    data (0x207000)
 *	pfn 8    arguments (0x208000)
 * GVA 0x209000 lies in the same L1 but is left empty (a place for the guest
 * to map something). The code is any position-dependent blob, or the script
 * runner (tiny_script_code) which runs a list of calls from the data page.
 */
#ifndef GUEST_BUILDER_H
#define GUEST_BUILDER_H

#include "xtest.h"
#include "memory-op.h"

#define EPERM 1
#define ESRCH 3
#define ENXIO 6
#define E2BIG 7
#define EBUSY 16
#define EEXIST 17
#define EINVAL 22
#define EACCES 13
#define ENOSYS 38
#define EOPNOTSUPP 95

#define HC_update_va_mapping_otherdomain 22
#define HC_mmuext_op 26
#define HC_event_channel_op 32
#define HC_physdev_op 33
#define MMUEXT_PIN_L4_TABLE 3
#define MMUEXT_INVLPG_LOCAL 7
#define XEN_SYSCTL_physinfo 3

#define XEN_DOMCTL_createdomain 1
#define XEN_DOMCTL_destroydomain 2
#define XEN_DOMCTL_max_mem 11
#define XEN_DOMCTL_setvcpucontext 12
#define XEN_DOMCTL_getvcpucontext 13
#define XEN_DOMCTL_getvcpuinfo 14
#define XEN_DOMCTL_max_vcpus 15
#define XEN_DOMCTL_setdomainhandle 17
#define XEN_DOMCTL_irq_permission 19
#define XEN_DOMCTL_iomem_permission 20
#define XEN_DOMCTL_ioport_permission 21
#define XEN_DOMCTL_hypercall_init 22
#define XEN_DOMCTL_settimeoffset 24
#define XEN_DOMCTL_set_address_size 35
#define XEN_DOMCTL_get_address_size 36
#define XEN_DOMCTL_getpageframeinfo3 61
#define XEN_DOMCTL_setvcpuaffinity 9
#define XEN_DOMCTL_getvcpuaffinity 25
#define XEN_DOMCTL_gettscinfo 59
#define XEN_DOMCTL_settscinfo 60
#define XEN_DOMCTL_setnodeaffinity 68
#define XEN_DOMCTL_gethvmcontext 33
#define XEN_DOMCTL_sethvmcontext 34
#define XEN_DOMCTL_set_paging_mempool_size 86
#define XEN_DOMCTL_CDF_hvm (1u << 0)
#define XEN_DOMCTL_CDF_hap (1u << 1)
#define XEN_X86_EMU_LAPIC 1u
#define MMU_PT_UPDATE_NO_TRANSLATE 3

struct createdomain {
	uint32_t ssidref;
	uint8_t handle[16];
	uint32_t flags, iommu_opts, max_vcpus, max_evtchn_port;
	int32_t max_grant_frames, max_maptrack_frames;
	uint32_t grant_opts, vmtrace_size, cpupool_id;
	uint32_t emulation_flags, misc_flags;
};
_Static_assert(sizeof(struct createdomain) == 64, "createdomain layout");

struct bitmap {
	uint8_t *bitmap;
	uint32_t nr_bits, pad;
};

/* struct xen_domctl with the members the tests use. */
struct dctl {
	uint32_t cmd, interface_version;
	uint16_t domain, pad[3];
	union {
		struct createdomain create;
		struct xen_getdomaininfo info;
		uint64_t max_memkb;
		uint32_t max_vcpus;
		uint8_t handle[16];
		uint64_t gmfn;
		int64_t time_offset;
		uint32_t address_size;
		struct {
			uint32_t vcpu;
			uint32_t pad;
			void *ctxt;
		} vcpucontext;
		struct {
			uint32_t vcpu;
			uint8_t online, blocked, running;
			uint64_t cpu_time;
			uint32_t cpu;
		} vcpuinfo;
		struct {
			uint64_t num;
			unsigned long *array;
		} pfinfo;
		struct {
			uint32_t vcpu, flags;
			struct bitmap hard, soft;
		} affinity;
		struct bitmap nodemap;
		uint64_t paging_pool;
		struct {
			uint32_t size, pad;
			void *buffer;
		} hvmcontext;
		struct {
			uint32_t type, instance;
			uint64_t bufsz;
			void *buffer;
		} partial;
		struct {
			uint32_t mode, khz, incarnation, pad;
			uint64_t elapsed_nsec;
		} tsc;
		struct {
			uint32_t first_port, nr_ports;
			uint8_t allow_access;
		} ioport;
		struct {
			uint64_t first_mfn, nr_mfns;
			uint8_t allow_access;
		} iomem;
		struct {
			uint32_t pirq;
			uint8_t allow_access;
		} irq;
		uint8_t raw[128];
	} u;
};
_Static_assert(sizeof(struct dctl) == 144, "xen_domctl is 144 bytes");
_Static_assert(offsetof(struct dctl, u.ioport.allow_access) == 24, "ioport_permission layout");
_Static_assert(offsetof(struct dctl, u.iomem.allow_access) == 32, "iomem_permission layout");
_Static_assert(offsetof(struct dctl, u.irq.allow_access) == 20, "irq_permission layout");

/* struct user_regs and vcpu_context (vcpu_guest_context) are in xen-abi.h. */

struct mmuext_op {
	uint32_t cmd, pad;
	unsigned long arg1, arg2;
};

struct physinfo_sysctl {
	uint32_t cmd, interface_version;
	uint32_t threads_per_core, cores_per_socket, nr_cpus, max_cpu_id, nr_nodes, max_node_id;
	uint32_t cpu_khz, capabilities, arch_capabilities, pad;
	uint64_t total_pages, free_pages, scrub_pages, outstanding_pages, max_mfn;
	uint32_t hw_cap[8];
};
_Static_assert(offsetof(struct physinfo_sysctl, free_pages) == 56, "physinfo layout");
_Static_assert(sizeof(struct physinfo_sysctl) <= 136, "xen_sysctl is 136 bytes");

#define BUILDER_PAGES 9
#define PFN_L4 0
#define PFN_L1 3
#define PFN_CODE 4
#define PFN_HCALL 5
#define PFN_STACK 6
#define PFN_DATA 7
#define PFN_ARGS 8
#define TINY_GVA(pfn) (0x200000UL + (pfn)*4096UL)
#define TINY_FREE_GVA TINY_GVA(9)

/* A domain under construction. */
struct tiny_dom {
	uint16_t id;
	unsigned long mfn[BUILDER_PAGES];
};

/* One domctl at the current interface version, or at @version. */
long domctl(unsigned int cmd, uint16_t dom, struct dctl *op);
long domctl_v(unsigned int cmd, uint16_t dom, struct dctl *op, uint32_t version);
/*
 * A domctl whose argument is the struct @arg of @len bytes (at most the
 * 128 of the union), the rest zero; @arg gets the answer back.
 */
long domctl_struct(unsigned int cmd, uint16_t dom, void *arg, size_t len);
/* createdomain's arguments as libxl fills them for a 1-vCPU PV guest. */
void builder_fill_create(struct dctl *op);
/* The grant table version those arguments allow at most (1 unless a test sets 2). */
extern unsigned int builder_max_grant_version;
/* Their grant and maptrack frame limits (-1, the hypervisor's default, unless a test sets them). */
extern int32_t builder_max_grant_frames, builder_max_maptrack_frames;
/* createdomain with those arguments: the new domain's id (on failure the test ends). */
uint16_t builder_create(void);
/* sysctl physinfo into @s (an error recorded if it fails). */
void builder_physinfo(struct physinfo_sysctl *s);
/* physinfo's free_pages. */
uint64_t builder_free_pages(void);
/* Yield until free pages reach @want (a dead domain's last parts may go late); the count. */
uint64_t builder_wait_free(uint64_t want);
/* The free page count once it has stopped changing (a destroy's last pages back). */
uint64_t builder_settled_free(void);
/* Frame 0 of @dom's grant table (setup_table) in *@frame; false (error recorded) if refused. */
bool builder_grant_frame(uint16_t dom, unsigned long *frame);
/* Map frame 0 of our own grant table over @page (setup_table); false (error recorded) if not. */
bool builder_own_grant_table(void *page);
/* Our own frame behind @va (the P2M). */
unsigned long builder_own_frame(const void *va);
/* Map frame @m of @dom at @w: update_va_mapping_otherdomain, or mmu_update with foreigndom. */
long builder_map_va(uint8_t *w, unsigned long m, uint16_t dom);
long builder_map_mmu(uint8_t *w, unsigned long m, uint16_t dom);
/* The same with mmu_update command @cmd (MMU_PT_UPDATE_NO_TRANSLATE: @m is a machine frame). */
long builder_map_mmu_cmd(uint8_t *w, unsigned long m, uint16_t dom, unsigned int cmd);
/* Put our own frame back at @w. */
void builder_unmap(uint8_t *w);
/* Machine address of the L1 entry mapping @w in our page tables. */
uint64_t builder_l1e_maddr(const void *w);
/*
 * HVM guest code written with vmmcall (AMD's hypercall instruction) gets
 * vmcall in its place on an Intel CPU, as the hypercall page would.
 */
void builder_hvm_hypercall_insns(uint8_t *code, size_t len);
/* destroydomain, then a check that physinfo's free pages are back at @free0. */
void builder_destroy_free(uint16_t dom, uint64_t free0);
/* Wait (yielding) for @dom to shut down; false if it never did or vanished. */
bool builder_wait_shutdown(uint16_t dom, struct dctl *op);

/* The steps one at a time (each records an error and returns nonzero on failure). */
long tiny_populate(struct tiny_dom *t);
/* Page tables, @code into the code frame, @fill on the data and argument frames. */
long tiny_image(struct tiny_dom *t, const uint8_t *code, size_t len,
		void (*fill)(struct tiny_dom *t, uint8_t *data, uint8_t *args));
/* The vCPU context tiny_start gives (cr3 = its L4). */
void tiny_fill_context(const struct tiny_dom *t, struct vcpu_context *ctx);

/*
 * The whole build: createdomain, max_vcpus, max_mem, populate, image,
 * hypercall_init, pin of the L4, setvcpucontext. The domain stays paused.
 * On failure the error is recorded, what was created destroyed, and false returned.
 */
bool tiny_build(struct tiny_dom *t, const uint8_t *code, size_t len,
		void (*fill)(struct tiny_dom *t, uint8_t *data, uint8_t *args));
/* Unpause and wait for the shutdown; its code, or -1. */
int tiny_run(struct tiny_dom *t);
/* destroydomain. */
long tiny_destroy(struct tiny_dom *t);

/*
 * A PV domain from a 64-bit ELF kernel image (a test guest's own build),
 * laid out as libxenguest lays out an x86-64 PV guest: from VIRT_BASE the
 * image, the P2M list, start_info, a xenstore page (no xenstore behind it:
 * its port is 0), the console page, a boot stack page and the page tables
 * (L4, L3, L2, L1s), all mapped with 512 KiB to spare; vCPU 0 starts at the
 * image's entry with rsi = start_info. The console's port is bound to
 * nobody (dom0 reads the ring). max_mem allows PV_EXTRA_PAGES more frames
 * than nr_pages, for the guest's own populate_physmap.
 */
#define PV_EXTRA_PAGES 64
struct pv_dom {
	uint16_t id;
	unsigned long nr_pages;
	unsigned long *mfn; /* nr_pages entries, the caller's array: the P2M */
	unsigned long console_mfn;
	uint32_t console_port; /* the domain's end */
};
/* createdomain etc. for @nr_pages frames; 0 or the error (recorded; d->id set if created). */
long pv_create(struct pv_dom *d, unsigned long nr_pages, unsigned long *mfns);
/* Populate, load @elf, boot structures, pin, vCPU context; paused. 0 or the error (recorded). */
long pv_load(struct pv_dom *d, const uint8_t *elf, size_t len, const char *cmdline);

/*
 * A PVH domain (CDF_hvm | CDF_hap, the local APIC its only emulated
 * device), built through the domctls libxenguest uses for one: RAM at
 * GFNs PVH_GFN_BASE.. (PVH_PAGES of them), the code at PVH_GFN_CODE
 * (guest-physical 1 MiB, where vCPU 0 starts in 32-bit flat protected
 * mode with paging off, as PVH's entry), @fill on the data page at
 * PVH_GFN_DATA. The domain stays paused; on failure it is destroyed.
 */
#define PVH_PAGES 16
/* max_vcpus of the PVH domains built (1 unless a test sets more; only vCPU 0 is started). */
extern unsigned int pvh_max_vcpus;
#define PVH_GFN_BASE 0x100
#define PVH_GFN_CODE 0x100
#define PVH_GFN_DATA 0x101
bool pvh_build(uint16_t *dom, const uint8_t *code, size_t len, void (*fill)(uint8_t *data));
/* The same with other emulated devices: XEN_X86_EMU_ALL_HVM is libxl's type=hvm set. */
#define XEN_X86_EMU_ALL_HVM 0x3ffu
bool hvm_build(uint16_t *dom, uint32_t emu, const uint8_t *code, size_t len,
	       void (*fill)(uint8_t *data));
/* Map GFN @gfn of the PVH domain @dom at @w (privcmd's way): 0 or -errno. */
long pvh_map(uint8_t *w, unsigned long gfn, uint16_t dom);

/*
 * The script runner: the data page is a list of struct tiny_call, run in
 * order until TINY_END; each call's result lands in its rc. Pointers in
 * the arguments are the guest's (TINY_GVA(PFN_ARGS) + offset).
 */
#define TINY_INB 0x100	 /* rc = inb(a[0]) */
#define TINY_OUTW 0x101	 /* outw(a[1], a[0]); rc = 0 */
#define TINY_READQ 0x102 /* rc = the 8 bytes at guest address a[0] */
#define TINY_END 0x1ff	 /* SCHEDOP_shutdown with reason a[0] */
struct tiny_call {
	uint64_t op; /* hypercall number or TINY_* */
	uint64_t a[5];
	int64_t rc;
	uint64_t pad;
};
_Static_assert(sizeof(struct tiny_call) == 64, "the script runner steps 64 bytes");
#define TINY_MAX_CALLS (4096 / 64)
extern const uint8_t tiny_script_start[], tiny_script_end[];

/* The HVM context records a PVH builder writes (Xen's public hvm/save.h). */
/* Xen's hvm_hw_cpu (1032 bytes): the CPU record of the HVM context. */
struct pvh_cpu {
	uint8_t fpu_regs[512];
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
	uint32_t cs_arbytes, ds_arbytes, es_arbytes, fs_arbytes, gs_arbytes, ss_arbytes;
	uint32_t tr_arbytes, ldtr_arbytes;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip, shadow_gs, msr_flags;
	uint64_t msr_lstar, msr_star, msr_cstar, msr_syscall_mask, msr_efer, msr_tsc_aux;
	uint64_t tsc;
	uint32_t pending_event, error_code, flags, pad0;
};
_Static_assert(sizeof(struct pvh_cpu) == 1032, "hvm_hw_cpu is 1032 bytes");

struct pvh_desc {
	uint16_t typecode, instance;
	uint32_t length;
};

/* The PVH entry state: 32-bit flat protected mode, paging off, at the code page. */
void pvh_entry_cpu(struct pvh_cpu *c);
/*
 * gethvmcontext for the HEADER record, then sethvmcontext with HEADER, @cpu
 * as vCPU 0's CPU record, END: 0 or the error (recorded).
 */
long pvh_set_cpu(uint16_t dom, const struct pvh_cpu *cpu);
/*
 * XEN_DOMCTL_gethvmcontext or sethvmcontext (@cmd) of @dom with the buffer
 * @buf of *@size bytes; *@size becomes the size the hypervisor gave back.
 */
long pvh_context_op(unsigned int cmd, uint16_t dom, void *buf, uint32_t *size);
/* gethvmcontext of @dom into @buf (@size bytes): the stream's size, 0 on an error (recorded). */
uint32_t pvh_get_context(uint16_t dom, uint8_t *buf, uint32_t size);
/* The body of record @type of instance 0 in an HVM context stream if it is @len bytes, or NULL. */
void *pvh_find_record(const uint8_t *buf, uint32_t size, uint16_t type, uint32_t len);
/* The body of record @type of @instance in an HVM context stream (its length in *@len), or NULL. */
void *pvh_find_instance(const uint8_t *buf, uint32_t size, uint16_t type, uint16_t instance,
			uint32_t *len);
/* A domctl of @dom with no arguments (pausedomain, unpausedomain, destroydomain). */
long builder_dom_op(unsigned int cmd, uint16_t dom);

#endif
