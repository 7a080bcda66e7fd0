/*
 * CPUs: the per-CPU setup every CPU runs (descriptor tables, system-call
 * MSRs, its stack block), CPU 0's first, and the online set.
 */
#include "types.h"
#include "lib.h"
#include "asm.h"
#include "config.h"
#include "console.h"
#include "desc.h"
#include "smp.h"
#include "smpboot.h"

#define SYSCALL_STUB_SIZE 32	     /* entry.S */
#define XEN_PAT 0x0000050100070406UL /* WB, WT, UC-, UC, WC, WP, UC, UC */

extern char syscall_stubs[], syscall32_stubs[], sysenter_entry[], boot_stack[];
extern u64 syscall_stack_top[NR_CPUS];

volatile u64 cpu_online_mask;
u32 cpu_apic_id[NR_CPUS];
/* Each CPU's stack block (CPU 0's is boot_stack, in head.S). */
void *cpu_stack[NR_CPUS];

void cpu_set_online(unsigned int cpu)
{
	__atomic_fetch_or(&cpu_online_mask, 1UL << cpu, __ATOMIC_SEQ_CST);
}

/*
 * This CPU's own state: its GDT and TSS, the shared IDT, the control
 * registers and the MSRs that bring a PV guest's syscall, syscall32 and
 * sysenter to this CPU's stack.
 */
void cpu_init_this(void)
{
	unsigned int cpu = smp_processor_id();
	u64 top = (u64)get_cpu_info();

	desc_load();
	idt_load();
	wrmsr(MSR_PAT, XEN_PAT);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | EFER_NXE);
	wrmsr(MSR_STAR, ((u64)(FLAT_RING3_CS32 & ~3) << 48) | ((u64)__HYPERVISOR_CS << 32));
	syscall_stack_top[cpu] = top;
	wrmsr(MSR_LSTAR, (u64)syscall_stubs + cpu * SYSCALL_STUB_SIZE);
	wrmsr(MSR_CSTAR, (u64)syscall32_stubs + cpu * SYSCALL_STUB_SIZE);
	wrmsr(MSR_FMASK,
	      X86_EFLAGS_IF | X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_NT | X86_EFLAGS_AC);
	write_cr0((read_cr0() | 0x22) & ~X86_CR0_TS); /* MP, NE */
	write_cr4(read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
	wrmsr(MSR_SYSENTER_CS, __HYPERVISOR_CS);
	wrmsr(MSR_SYSENTER_ESP, top);
	wrmsr(MSR_SYSENTER_EIP, (u64)sysenter_entry);
}

/* CPU 0, on boot_stack: its cpu_info, descriptor tables and MSRs. */
void smp_prepare_boot_cpu(void)
{
	struct cpu_info *ci = get_cpu_info();

	if (ci != stack_block_cpu_info(boot_stack))
		panic("CPU 0 is not on its boot stack");
	memset(ci, 0, sizeof(*ci));
	cpu_stack[0] = boot_stack;
	if (desc_prepare_cpu(0, boot_stack))
		panic("cannot map CPU 0's descriptor tables");
	idt_init();
	cpu_init_this();
	cpu_set_online(0);
}

/* @cpu's soonest timer changed: it reprograms its LAPIC timer itself. */
void timer_kick_cpu(unsigned int cpu)
{
	panic("timer_kick_cpu(%u): no other CPU runs yet", cpu);
}
