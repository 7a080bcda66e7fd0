/* HVM test guests: the PVH start info and ring-3 helpers (head.S, hvm.c). */
#ifndef GUEST_HVM_H
#define GUEST_HVM_H

#include <stdint.h>

#define HVM_START_MAGIC 0x336ec578
#define HVM_USER_RETURN_VECTOR 0x80

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

struct hvm_start_info *hvm_start_info(void);
/* HVMOP_get_param of our own domain (0 if refused). */
uint64_t hvm_get_param(uint32_t index);
/*
 * A toolstack-built domain: printk's console ring and port from
 * HVM_PARAM_CONSOLE_PFN/EVTCHN (again after a soft reset: the port may
 * have changed); the initial domain has none.
 */
void hvm_console_from_params(void);
/* Check that XENMEM_memory_map gives the start info's memory map, entry by entry. */
void hvm_check_memory_map_op(void);

/* Interrupt vectors with stubs: a handler runs with interrupts off and must EOI itself. */
#define HVM_IRQ_FIRST 0x20
#define HVM_IRQ_LAST 0x3f
void hvm_set_irq_handler(unsigned int vector, void (*fn)(unsigned int vector));

/* The local APIC, xAPIC MMIO at its default base, and its x2APIC MSRs. */
#define APIC_MMIO 0xfee00000UL
#define APIC_MSR(off) (0x800 + ((off) >> 4))
#define APIC_ID 0x020
#define APIC_LVR 0x030
#define APIC_TPR 0x080
#define APIC_PPR 0x0a0
#define APIC_EOI 0x0b0
#define APIC_SVR 0x0f0
#define APIC_ISR 0x100
#define APIC_TMR 0x180
#define APIC_IRR 0x200
#define APIC_ICR 0x300
#define APIC_ICR2 0x310
#define APIC_LVTT 0x320
#define APIC_TMICT 0x380
#define APIC_TMCCT 0x390
#define APIC_TDCR 0x3e0
#define APIC_SELF_IPI 0x3f0
#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVTT_PERIODIC (1u << 17)

static inline uint32_t apic_read(unsigned int off)
{
	return *(volatile uint32_t *)(APIC_MMIO + off);
}

static inline void apic_write(unsigned int off, uint32_t v)
{
	*(volatile uint32_t *)(APIC_MMIO + off) = v;
}

/* Bit @vec of the 256-bit register at @base (ISR, TMR, IRR). */
static inline int apic_vec_bit(unsigned int base, unsigned int vec)
{
	return (apic_read(base + 16 * (vec / 32)) >> (vec % 32)) & 1;
}
void hvm_load_idt(void);

/*
 * One hypercall from 32-bit code for hvm_calls32 (hvm.c): number, two
 * arguments, and the result it writes (a test starts rc at another value).
 */
struct hvm_call32 {
	uint32_t nr, a1, a2;
	int32_t rc;
};

/*
 * A test's hvm_early32: the 32-bit instructions @setup, then the rows from
 * early32_calls to early32_calls_end through hvm_calls32.
 */
#define HVM_EARLY32(setup)                                                                         \
	".pushsection .text\n.code32\n.globl hvm_early32\nhvm_early32:\n" setup                    \
	"	movl $early32_calls, %eax\n	movl $early32_calls_end, %edx\n	jmp hvm_calls32\n"           \
	".code64\n.popsection\n"

struct vcpu_time_info;
/* System time (ns) by the pvclock formula from @t; *ok is cleared if the record looks wrong. */
uint64_t hvm_pvclock_now(volatile struct vcpu_time_info *t, int *ok);
/* Run @fn in ring 3; it must end with int $0x80, whose rax is returned. */
long hvm_run_user(void (*fn)(void));
/* The RFLAGS ring-3 code starts with: 0x2 (IOPL 0, interrupts off) unless a test sets it. */
extern unsigned long hvm_user_rflags;

/*
 * Instructions that may fault: an entry in the hvm_extable section sends
 * the fault to the next instruction and records its vector here (-1: none).
 */
extern int hvm_last_fault;
/* CR2 as the handler read it first thing, and the error code (0 if none), of that fault. */
extern unsigned long hvm_last_cr2, hvm_last_error_code;
#define HVM_EXTABLE(insn_label, fixup_label)                                                       \
	".pushsection hvm_extable, \"a\"\n.balign 8\n.quad " insn_label ", " fixup_label           \
	"\n.popsection\n"

/* wrmsr/rdmsr that report the vector they raised (-1 for none). */
static inline int hvm_wrmsr_safe(uint32_t msr, uint64_t v)
{
	hvm_last_fault = -1;
	__asm__ volatile("1: wrmsr\n2:\n" HVM_EXTABLE("1b", "2b")
			 :
			 : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "memory");
	return hvm_last_fault;
}

static inline int hvm_rdmsr_safe(uint32_t msr, uint64_t *v)
{
	uint32_t lo = 0, hi = 0;

	hvm_last_fault = -1;
	__asm__ volatile("1: rdmsr\n2:\n" HVM_EXTABLE("1b", "2b")
			 : "+a"(lo), "+d"(hi)
			 : "c"(msr)
			 : "memory");
	*v = ((uint64_t)hi << 32) | lo;
	return hvm_last_fault;
}

static inline void hvm_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void hvm_cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
			     uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

#endif
