/*
 * The PV MMU: direct paging with page-type validation (xen/arch/x86/pv/mm.c)
 * and the writable page-table assist (pv/ro-page-fault.c).
 *
 * Every frame a PV guest can reach has a type in the frame table (writable,
 * L1-L4, seg_desc) with a type count, and a general reference count. The
 * rules that keep the hypervisor safe:
 *  - a frame is mapped writable only while its type is writable, so no page
 *    table or descriptor frame is ever writable in any mapping;
 *  - a page table gets its type only after every present entry has been
 *    checked (validated) and has taken the references it needs: general on
 *    the target, plus writable type for writable L1 entries and an L(n-1)
 *    type for Ln entries (n > 1);
 *  - the last type reference of a table drops the references its entries took;
 *  - L4 slots 256-271 belong to the hypervisor: copied in on validation,
 *    never guest-controlled.
 *
 * mm.c is written against the frame table and a handful of hooks (below), so
 * the host unit tests (tests/unit/mm/) compile it unchanged with a shim.
 */
#ifndef PETREL_PV_MM_H
#define PETREL_PV_MM_H

#include "types.h"
#include "page.h"
#include "mm.h"
#include "regs.h"
#ifndef PV_MM_HOST_TEST
#include "io_caps.h"
#endif

struct domain;
struct vcpu;

/* L4 slots the hypervisor owns in every guest L4. */
#define PV_XEN_L4_FIRST 256
#define PV_XEN_L4_LAST 271

/*
 * PTE bits a guest may not set (Xen 4.17, 64-bit PV, release build):
 * L1 refuses the cache attributes (PWT, PCD, PAT) unless the domain has
 * I/O access (the hardware domain); L2-L4 refuse PWT, PCD, PSE and GLOBAL
 * (PSE = no guest superpages). Bits 52-62 and NX are allowed everywhere.
 */
#define PV_PAGE_CACHE_ATTRS (_PAGE_PWT | _PAGE_PCD | _PAGE_PAT)
#define PV_L1_DISALLOW (_PAGE_PWT | _PAGE_PCD | _PAGE_PAT)
#define PV_LN_DISALLOW (_PAGE_PWT | _PAGE_PCD | _PAGE_PSE | _PAGE_GLOBAL)
/* Flags that may change without revalidating an entry. */
#define PV_FASTPATH_FLAGS                                                                          \
	(_PAGE_NX | (0x7ffUL << 52) | _PAGE_AVAIL | _PAGE_GLOBAL | _PAGE_DIRTY | _PAGE_ACCESSED |  \
	 _PAGE_USER)

/*
 * ---- hooks: provided by ro-page-fault.c in the hypervisor, or by the tests;
 * the three asked per entry are inline in the hypervisor (no call per look) ----
 */
#ifdef PV_MM_HOST_TEST
/* The contents of machine frame @mfn (4 KiB). */
void *pv_map_frame(mfn_t mfn);
/* True if @mfn is I/O space (not RAM the frame table tracks). */
bool pv_iomem_frame(mfn_t mfn);
/* Does @d hold any I/O memory or ports (then it may choose cache attributes)? */
bool pv_io_caps_any(const struct domain *d);
#else
static inline void *pv_map_frame(mfn_t mfn)
{
	return mfn_to_virt(mfn);
}

static inline bool pv_iomem_frame(mfn_t mfn)
{
	return mfn_is_iomem(mfn);
}

static inline bool pv_io_caps_any(const struct domain *d)
{
	return io_caps_any(d);
}
#endif
/* May @d map I/O frame @mfn (in its iomem_caps, and not kept by the hypervisor)? */
bool pv_iomem_permitted(const struct domain *d, mfn_t mfn);
/* The hypervisor's L4, whose slots 256-271 go into every guest L4. */
const pte_t *pv_xen_l4(void);
/*
 * Set once any guest has installed a global L1 entry: until then a CR3
 * reload drops every guest mapping from the TLB (the hypervisor's own are
 * the only global ones), one flush where toggling CR4.PGE takes two.
 */
extern bool pv_global_entries;
/* Drop this CPU's TLB entries of guest mappings (global ones too). */
void pv_flush_tlb_local(void);
/* This CPU's TLB and every other CPU's that may hold a guest's translations (ipi.h). */
void pv_flush_tlb_guest_cpus(void);
/* Flush the CPUs that may hold a mapping of @pg (a type change). */
void pv_flush_tlb_frame_cpus(const struct page_info *pg);
/*
 * Flush the TLBs of the other CPUs where @d's vCPUs in @vcpus (bit n: vCPU n)
 * run, those that may still hold @d's translations.
 */
void pv_flush_tlb_vcpus(const struct domain *d, unsigned long vcpus);
void pv_invlpg(unsigned long va);
void pv_load_cr3(mfn_t l4);
void pv_wbinvd(void); /* write back and invalidate caches */
/*
 * The last reference to a frame its domain gave back while still using it
 * (decrease_reservation of a mapped frame) is gone: free it now.
 */
void pv_frame_released(struct page_info *pg);

/* A zeroed hypervisor frame for a shadow table (0 if none), and its release. */
mfn_t pv_alloc_shadow_frame(void);
void pv_free_shadow_frame(mfn_t mfn);
/* The L4 (a guest's, or a shadow) this CPU's CR3 holds. */
mfn_t pv_current_root(void);
/* Make every CPU that has one of @d's vCPUs loaded load its page tables afresh. */
void pv_reload_cr3s(struct domain *d);

/* ---- log-dirty (pv/logdirty.c) ---- */
/* Mark @pg dirty in its owner's log-dirty bitmap, if on; @fault: a guest-write mark. */
void pv_logdirty_mark(const struct page_info *pg, bool fault);

/* ---- log-dirty shadow page tables (pv/shadow.c) ---- */
/* How many domains run on shadows now. */
extern unsigned int pv_shadowed_domains;
/* Does any? While none does, the hot paths (#PF, event ops) check nothing else. */
static inline bool pv_any_shadowed(void)
{
	return __atomic_load_n(&pv_shadowed_domains, __ATOMIC_RELAXED) != 0;
}
/* Does the CPU walk shadows of @d's tables (log-dirty on)? */
bool pv_shadowed(const struct domain *d);
/* Shadows for every validated table of @d, and CR3s reloaded: 0 or -ENOMEM. */
int pv_shadow_enable(struct domain *d);
/* Back to the guest's own tables; the shadows freed. */
void pv_shadow_disable(struct domain *d);
/* A table just validated gets its shadow (0, -ENOMEM); one losing its type loses it. */
int pv_shadow_table_new(struct page_info *table);
void pv_shadow_table_gone(struct page_info *table);
/* Entry @idx of @table was written: its shadow entry follows. */
void pv_shadow_sync(const struct page_info *table, unsigned int idx);
/* What CR3 gets for guest L4 @l4: its shadow, or @l4 itself. */
mfn_t pv_shadow_root(mfn_t l4);
/* A new pass (CLEAN): every shadow entry of the domain's frames read-only, TLBs flushed. */
void pv_shadow_protect(struct domain *d);
/*
 * #PF at @va with error code *@pfec, from the guest or from the hypervisor
 * touching guest memory: true if the shadows caused it and it is resolved;
 * false if the guest's own tables fault (*@pfec then says what the guest's
 * tables would have: its present bit as theirs).
 */
bool pv_shadow_fault(u64 va, u64 *pfec);
/* A frame whose writes the shadows do not see (marked at every CLEAN and PEEK). */
bool pv_shadow_blind_spot(const struct page_info *pg);

/* ---- the type system ---- */
/* General reference; fails (false) unless @pg is allocated and owned by @d. */
bool pv_get_page(struct page_info *pg, const struct domain *d);
void pv_put_page(struct page_info *pg);
/* Type reference; validates a page table on its first one. 0 or -errno. */
int pv_get_page_type(struct page_info *pg, unsigned int type);
void pv_put_page_type(struct page_info *pg);
int pv_get_page_and_type(mfn_t mfn, const struct domain *d, unsigned int type);
void pv_put_page_and_type(struct page_info *pg);

/* Entry updates in a validated table, with Xen's error values. */
int pv_mod_l1_entry(struct domain *d, mfn_t l1, unsigned int idx, pte_t nl1e, bool preserve_ad,
		    struct domain *pg_owner);
int pv_mod_entry(struct domain *d, unsigned int level, mfn_t table, unsigned int idx, pte_t ne,
		 bool preserve_ad);

int pv_pin_table(struct domain *d, mfn_t mfn, unsigned int type);
int pv_unpin_table(struct domain *d, mfn_t mfn);
int pv_new_baseptr(struct vcpu *v, mfn_t mfn);
int pv_new_user_baseptr(struct vcpu *v, mfn_t mfn);
int pv_set_ldt(struct vcpu *v, u64 base, unsigned int ents);
/* Load @v's LDT (frames and count as pv_set_ldt recorded them) into the CPU. */
void pv_ldt_changed(struct vcpu *v);
/* Check (and fix up the DPL of) a descriptor as Xen does for 64-bit PV. */
bool pv_check_descriptor(u64 *desc);

/* The L1 entry that maps @va in @v's current address space. */
int pv_find_l1e(struct vcpu *v, u64 va, mfn_t *l1, unsigned int *idx);

/* Writable page-table assist: emulate an 8-byte write to a validated L1. */
enum pv_ptwr_op { PTWR_WRITE, PTWR_XCHG, PTWR_CMPXCHG, PTWR_RMW };
int pv_ptwr_update(struct domain *d, mfn_t l1, unsigned int idx, enum pv_ptwr_op op, pte_t *val,
		   pte_t expected, bool *swapped);
/* Read-modify-write operations on an entry (what set/clear_bit and friends compile to). */
enum pv_ptwr_alu { PTWR_OR, PTWR_AND, PTWR_XOR, PTWR_BTS, PTWR_BTR, PTWR_BTC };
/*
 * A decoded store into a page-table entry: 8-byte mov r64 / mov $imm32,
 * xchg, (lock) cmpxchg, (lock) or/and/xor with a register or immediate,
 * (lock) bts/btr/btc with an immediate bit; or a byte-sized (lock)
 * or/and/xor $imm8.
 */
struct pv_ptwr_insn {
	enum pv_ptwr_op op;
	enum pv_ptwr_alu alu; /* PTWR_RMW only */
	unsigned int size;    /* operand bytes: 8, or 1 */
	unsigned int len;     /* instruction bytes, prefixes included */
	int reg;	      /* source register (0 = rax ... 15 = r15), -1 for an immediate */
	u64 imm;	      /* sign-extended immediate */
};
int pv_ptwr_decode(const u8 *insn, unsigned int n, struct pv_ptwr_insn *out);
/* Bytes of a plain mov store at @insn, or -EINVAL (read-only MMIO writes). */
int pv_store_insn_len(const u8 *insn, unsigned int n);
/*
 * #PF hook (pv_trap): true if the fault was a page-table write now
 * emulated, or a store to a read-only MSI-X table frame now dropped.
 */
bool pv_ro_page_fault(struct cpu_regs *r, u64 cr2);

/* Hypercalls. */
long do_mmu_update(unsigned long ureqs, unsigned long count, unsigned long pdone,
		   unsigned long foreigndom);
long do_mmuext_op(unsigned long uops, unsigned long count, unsigned long pdone,
		  unsigned long foreigndom);
long do_update_va_mapping(unsigned long va, unsigned long val, unsigned long flags);
long do_update_va_mapping_otherdomain(unsigned long va, unsigned long val, unsigned long flags,
				      unsigned long domid);
long do_vm_assist(unsigned long cmd, unsigned long type);
/* The VMASST_TYPE_* bits a 64-bit PV domain may enable. */
unsigned long pv_vm_assist_valid(void);

#endif
