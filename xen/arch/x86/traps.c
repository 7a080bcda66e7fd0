/*
 * The IDT and the first-level trap handler. Faults in the hypervisor are
 * either fixed up (guest-memory accessors) or fatal with a full report;
 * faults from a guest go to the PV trap code.
 */
#include "types.h"
#include "lib.h"
#include "asm.h"
#include "console.h"
#include "desc.h"
#include "regs.h"
#include "traps.h"
#include "apic.h"
#include "pv.h"
#include "pv_mm.h"
#include "io_apic.h"
#include "smp.h"
#include "ipi.h"
#include "hvlock.h"
#include "hcstats.h"
#include "timer.h"

struct idt_gate {
	u16 off0, sel;
	u8 ist, type;
	u16 off1;
	u32 off2, rsvd;
} __packed;

static struct idt_gate idt[256] __aligned(16);
static struct idt_gate idt_no_ist[256] __aligned(16); /* the same gates, IST 0 (idt_use_ist) */
extern char idt_stubs[];

struct ex_entry {
	u64 insn, fixup;
};
extern const struct ex_entry __ex_table_start[], __ex_table_end[];

static const char *const vector_names[32] = {
	"#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
	"#BR bound range", "#UD invalid opcode", "#NM device not available",
	"#DF double fault", "coprocessor overrun", "#TS invalid TSS", "#NP segment not present",
	"#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
	"#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
	"#VE virtualization", "#CP control protection",
};

const char *vector_name(unsigned int v)
{
	if (v < 32 && vector_names[v])
		return vector_names[v];
	return v < 32 ? "reserved" : "interrupt";
}

static void set_gate(unsigned int vec, unsigned int dpl, unsigned int ist)
{
	u64 addr = (u64)idt_stubs + vec * 16;

	idt[vec].off0 = (u16)addr;
	idt[vec].sel = __HYPERVISOR_CS;
	idt[vec].ist = (u8)ist;
	idt[vec].type = (u8)(0x8e | (dpl << 5)); /* present, interrupt gate */
	idt[vec].off1 = (u16)(addr >> 16);
	idt[vec].off2 = (u32)(addr >> 32);
}

static void load_table(const struct idt_gate *table)
{
	struct {
		u16 limit;
		u64 base;
	} __packed idtr = { sizeof(idt) - 1, (u64)table };

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void idt_load(void)
{
	load_table(idt);
}

void idt_use_ist(bool on)
{
	load_table(on ? idt : idt_no_ist);
}

/* One IDT, shared by every CPU (the IST slots index each CPU's own TSS). */
void idt_init(void)
{
	for (unsigned int v = 0; v < 256; v++)
		set_gate(v, 0, 0);
	/* int3 and into may be used by a ring-3 guest directly, as on Xen. */
	set_gate(3, 3, 0);
	set_gate(4, 3, 0);
	set_gate(8, 0, IST_DF);
	set_gate(2, 0, IST_NMI);
	set_gate(18, 0, IST_MCE);
	memcpy(idt_no_ist, idt, sizeof(idt));
	for (unsigned int v = 0; v < 256; v++)
		idt_no_ist[v].ist = 0;
	idt_load();
}

static bool search_ex_table(struct cpu_regs *r)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == r->rip) {
			r->rip = e->fixup;
			return true;
		}
	}
	return false;
}

void show_registers(const struct cpu_regs *r)
{
	printk("RIP:    %04lx:[<%016lx>]  RFLAGS: %016lx  %s\n", r->cs, r->rip, r->rflags,
	       regs_from_guest(r) ? "(guest)" : "(hypervisor)");
	printk("rax: %016lx   rbx: %016lx   rcx: %016lx\n", r->rax, r->rbx, r->rcx);
	printk("rdx: %016lx   rsi: %016lx   rdi: %016lx\n", r->rdx, r->rsi, r->rdi);
	printk("rbp: %016lx   rsp: %016lx   r8:  %016lx\n", r->rbp, r->rsp, r->r8);
	printk("r9:  %016lx   r10: %016lx   r11: %016lx\n", r->r9, r->r10, r->r11);
	printk("r12: %016lx   r13: %016lx   r14: %016lx\n", r->r12, r->r13, r->r14);
	printk("r15: %016lx   cr0: %016lx   cr4: %016lx\n", r->r15, read_cr0(), read_cr4());
	printk("cr3: %016lx   cr2: %016lx   ss: %04lx\n", read_cr3(), read_cr2(), r->ss);
}

/* Follow saved frame pointers while they stay inside hypervisor memory. */
void show_stack_trace(u64 rbp)
{
	printk("Xen call trace:\n");
	for (int depth = 0; depth < 16; depth++) {
		const u64 *frame = (const u64 *)rbp;

		if (rbp < 0xFFFF800000000000UL || rbp >= 0xFFFF880000000000UL || (rbp & 7))
			break;
		printk("   [<%016lx>]\n", frame[1]);
		rbp = frame[0];
	}
}

static __noreturn void fatal_trap(struct cpu_regs *r)
{
	console_set_loglvl(4, 4);
	printk("----[ Petrel fatal trap ]----\n");
	printk("CPU%u: vector %lu (%s), error code %#lx\n", smp_processor_id(), r->vector,
	       vector_name(r->vector), r->error_code);
	show_registers(r);
	show_stack_trace(r->rbp);
	panic("FATAL TRAP: vector = %lu (%s)", r->vector, vector_name(r->vector));
}

/* The IPIs whose senders hold the hypervisor lock and wait: served without it. */
static bool lockless_ipi(const struct cpu_regs *r)
{
	return r->vector == CALL_FUNCTION_VECTOR || r->vector == INVALIDATE_TLB_VECTOR;
}

/* What hvlock.h's per-cause counts call this trap. */
static unsigned int trap_why(u64 vector)
{
	if (vector < 32)
		return HV_WHY_TRAP(vector);
	if (vector == APIC_TIMER_VECTOR)
		return HV_WHY_TIMER;
	return vector == EVENT_CHECK_VECTOR ? HV_WHY_EVENT_CHECK : HV_WHY_IRQ;
}

void do_trap(struct cpu_regs *r)
{
	bool from_guest = regs_from_guest(r);
	u64 start = from_guest ? hcstats_start() : 0;

	if (lockless_ipi(r)) {
		apic_eoi();
		ipi_interrupt((unsigned int)r->vector);
		return;
	}
	if (r->vector == APIC_TIMER_VECTOR)
		apic_eoi();
	if (from_guest && (pv_page_fault_without_lock(r) || pv_timer_without_lock(r))) {
		hcstats_end(HCSTATS_TRAP, (unsigned int)r->vector, start);
		return;
	}
	hv_note_why(trap_why(r->vector));
	hv_enter();
	if (r->vector == APIC_TIMER_VECTOR) {
		timer_softirq();
	} else if (r->vector >= EVENT_CHECK_VECTOR && r->vector <= INVALIDATE_TLB_VECTOR) {
		apic_eoi();
		ipi_interrupt((unsigned int)r->vector);
	} else if (r->vector == APIC_SPURIOUS_VECTOR) {
		/* nothing to acknowledge */
	} else if (r->vector >= IOAPIC_FIRST_VECTOR && r->vector <= IOAPIC_LAST_VECTOR) {
		io_apic_interrupt((unsigned int)r->vector);
	} else if (r->vector >= 32) {
		printk(XENLOG_WARNING "unexpected interrupt vector %lu\n", r->vector);
		apic_eoi();
	} else if (from_guest) {
		pv_trap(r);
	} else if (r->vector == 1) {
		pv_ignore_hypervisor_db();
	} else if (r->vector == 14 && pv_any_shadowed() &&
		   pv_shadow_fault(read_cr2(), &r->error_code)) {
		/* a guest mapping's shadow, resolved: the access is retried */
	} else if (!search_ex_table(r)) {
		fatal_trap(r);
	}
	if (from_guest) {
		hcstats_end(HCSTATS_TRAP, (unsigned int)r->vector, start);
		pv_return_to_guest(r); /* lets the lock go */
	}
	else
		hv_leave();
}
