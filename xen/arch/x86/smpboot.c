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
#include "apic.h"
#include "acpi.h"
#include "boot_info.h"
#include "cmdline.h"
#include "errno.h"
#include "mm.h"
#include "page.h"
#include "hvlock.h"
#include "sched.h"
#include "domain.h"

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
	write_cr4(read_cr4() | X86_CR4_PGE | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT);
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

/* ---- Starting the other CPUs. */

/* The trampoline (boot/trampoline.S) and what ap_entry64 reads. */
extern char trampoline_start[], trampoline_end[], tramp_gdt_desc[], tramp_far32[], tramp_far64[],
    tramp_cr3[];
u64 ap_boot_cr3, ap_boot_stack;

#define TRAMP_PAGES 4 /* code, then L4, L3, L2 of its page tables */
#define TRAMP_LOW_END 0x100000UL
#define AP_START_TIMEOUT_NS 5000000000ULL /* TCG on a busy host is slow */

static u64 trampoline_phys;

static void udelay(u64 us)
{
	u64 end = now_ns() + us * 1000;

	while (now_ns() < end)
		cpu_relax();
}

static bool overlaps(u64 s1, u64 e1, u64 s2, u64 e2)
{
	return s1 < e2 && s2 < e1;
}

/* Is [@start, @end) RAM nothing else of the boot uses (modules, loader data)? */
static bool low_range_usable(const struct boot_info *bi, u64 start, u64 end)
{
	bool ram = false;

	for (u32 i = 0; i < bi->nr_mem; i++) {
		const struct bi_mem *m = &bi->mem[i];

		if (m->type == E820_RAM && m->addr <= start && m->addr + m->len >= end)
			ram = true;
	}
	if (!ram || overlaps(start, end, bi->boot_data_start, bi->boot_data_end))
		return false;
	for (u32 i = 0; i < bi->nr_mods; i++)
		if (overlaps(start, end, bi->mods[i].start, bi->mods[i].end))
			return false;
	return true;
}

/*
 * The highest TRAMP_PAGES of usable RAM below 1 MiB (above page 0). The
 * allocator never hands out memory below 1 MiB, so it stays ours.
 */
static u64 find_trampoline(const struct boot_info *bi)
{
	for (u64 pa = TRAMP_LOW_END - TRAMP_PAGES * PAGE_SIZE; pa >= PAGE_SIZE; pa -= PAGE_SIZE)
		if (low_range_usable(bi, pa, pa + TRAMP_PAGES * PAGE_SIZE))
			return pa;
	return 0;
}

static void patch32(u8 *base, const char *field, u32 add)
{
	u32 *p = (u32 *)(base + (field - trampoline_start));

	*p += add;
}

/*
 * Copy the trampoline to @pa and give it page tables: the hypervisor's L4
 * slots, and an identity map of the first 2 MiB for the moment paging
 * comes on.
 */
static void trampoline_install(u64 pa)
{
	u8 *base = maddr_to_virt(pa);
	pte_t *l4 = (pte_t *)(base + PAGE_SIZE), *l3 = l4 + PT_ENTRIES, *l2 = l3 + PT_ENTRIES;

	memset(base, 0, TRAMP_PAGES * PAGE_SIZE);
	memcpy(base, trampoline_start, (size_t)(trampoline_end - trampoline_start));
	patch32(base, tramp_gdt_desc + 2, (u32)pa);
	patch32(base, tramp_far32, (u32)pa);
	patch32(base, tramp_far64, (u32)pa);
	patch32(base, tramp_cr3, (u32)(pa + PAGE_SIZE));
	memcpy(l4, idle_l4, PAGE_SIZE);
	l4[0] = (pa + 2 * PAGE_SIZE) | _PAGE_PRESENT | _PAGE_RW;
	l3[0] = (pa + 3 * PAGE_SIZE) | _PAGE_PRESENT | _PAGE_RW;
	l2[0] = 0 | _PAGE_PRESENT | _PAGE_RW | _PAGE_PSE;
	ap_boot_cr3 = virt_to_maddr(idle_l4);
	trampoline_phys = pa;
}

static bool wait_online(unsigned int cpu, u64 ns)
{
	u64 end = now_ns() + ns;

	while (!cpu_online(cpu)) {
		if (now_ns() > end)
			return false;
		cpu_relax();
	}
	return true;
}

/* INIT, 10 ms, then up to two STARTUPs 200 us apart (the MP specification's timing). */
static void send_init_sipi_sipi(u32 apic)
{
	apic_send_ipi(apic, APIC_DM_INIT | APIC_INT_LEVELTRIG | APIC_INT_ASSERT);
	udelay(10000);
	for (int i = 0; i < 2; i++) {
		apic_send_ipi(apic, APIC_DM_STARTUP | (u32)(trampoline_phys >> PAGE_SHIFT));
		udelay(200);
	}
}

/* Give CPU @cpu (APIC id @apic) a stack block and tables, and start it. */
static int start_cpu(unsigned int cpu, u32 apic)
{
	void *stack = cpu_stack[cpu];
	struct cpu_info *ci;

	if (!stack)
		stack = alloc_xenheap_pages(STACK_ORDER);
	if (!stack)
		return -ENOMEM;
	cpu_stack[cpu] = stack;
	ci = stack_block_cpu_info(stack);
	memset(ci, 0, sizeof(*ci));
	ci->cpu_id = cpu;
	if (desc_prepare_cpu(cpu, stack))
		return -ENOMEM;
	cpu_apic_id[cpu] = apic;
	ap_boot_stack = (u64)ci;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	send_init_sipi_sipi(apic);
	if (wait_online(cpu, AP_START_TIMEOUT_NS))
		return 0;
	/* Park it for good, so it cannot start late on a stack given to another. */
	apic_send_ipi(apic, APIC_DM_INIT | APIC_INT_LEVELTRIG | APIC_INT_ASSERT);
	return -ETIMEDOUT;
}

/* How many CPUs the command line allows (CPU 0 included). */
static unsigned int cpu_limit(const struct boot_options *opt)
{
	unsigned int n = NR_CPUS;

	if (opt->nosmp)
		return 1;
	if (opt->max_cpus && opt->max_cpus < n)
		n = opt->max_cpus;
	return n;
}

static const void *map_acpi(u64 pa, size_t len)
{
	if (pa + len < pa || pa + len > DIRECTMAP_SIZE)
		return NULL;
	return maddr_to_virt(pa);
}

static void start_listed_cpus(const struct acpi_madt *madt, unsigned int limit)
{
	u32 self = apic_id();
	unsigned int next = 1;

	for (unsigned int i = 0; i < madt->nr_cpus; i++) {
		u32 apic = madt->cpu_apic_id[i];
		int rc;

		if (apic == self)
			continue;
		if (next >= limit) {
			printk(XENLOG_INFO "SMP: CPU with APIC id %u not brought up (limit %u)\n",
			       apic, limit);
			continue;
		}
		if (!apic_x2apic_mode() && apic > 0xfe) {
			printk(XENLOG_WARNING "SMP: APIC id %u needs x2APIC mode; not started\n",
			       apic);
			continue;
		}
		rc = start_cpu(next, apic);
		if (rc) {
			printk(XENLOG_ERR "SMP: CPU%u (APIC id %u) did not start (%d)\n", next,
			       apic, rc);
			continue;
		}
		printk(XENLOG_INFO "SMP: CPU%u (APIC id %u) online\n", next, apic);
		next++;
	}
}

/* The processors the MADT lists (empty without one). */
static struct acpi_madt madt;

/*
 * Bring up the CPUs the MADT lists as enabled, as far as maxcpus= and nosmp
 * allow. A CPU that does not start is reported and left out.
 */
void smp_boot_cpus(const struct boot_info *bi, u64 rsdp, const struct boot_options *opt)
{
	unsigned int limit = cpu_limit(opt);
	u64 pa;

	cpu_apic_id[0] = apic_id();
	printk(XENLOG_INFO "SMP: CPU0 (APIC id %u) online\n", cpu_apic_id[0]);
	if (!rsdp)
		rsdp = acpi_find_rsdp_bios(map_acpi);
	if (!rsdp || acpi_parse_madt(rsdp, map_acpi, &madt)) {
		printk(XENLOG_WARNING "SMP: no usable MADT; CPU 0 only\n");
		goto out;
	}
	if (madt.cpus_dropped)
		printk(XENLOG_WARNING "SMP: the MADT lists %u more CPUs than Petrel keeps\n",
		       madt.cpus_dropped);
	if (limit > 1 && madt.nr_cpus > 1) {
		pa = find_trampoline(bi);
		if (!pa) {
			printk(XENLOG_ERR "SMP: no free RAM below 1 MiB for the AP trampoline\n");
			goto out;
		}
		trampoline_install(pa);
		start_listed_cpus(&madt, limit);
	}
out:
	printk(XENLOG_INFO "SMP: %u of %u CPUs online\n", num_online_cpus(),
	       madt.nr_cpus ? madt.nr_cpus : 1);
}

int cpu_by_acpi_id(u32 acpi_id)
{
	unsigned int i = 0;

	while (i < madt.nr_cpus && madt.cpu_acpi_id[i] != acpi_id)
		i++;
	if (i == madt.nr_cpus)
		return -1;
	for (unsigned int cpu = 0; cpu < NR_CPUS; cpu++)
		if (cpu_online(cpu) && cpu_apic_id[cpu] == madt.cpu_apic_id[i])
			return (int)cpu;
	return -1;
}

/*
 * The CPU's scheduler: it waits, halted with interrupts on, until a vCPU
 * placed on it can run, then enters it (and is back here only through
 * interrupts, hypercalls and traps).
 */
__noreturn void ap_run_vcpus(void);
void ap_run_vcpus(void)
{
	hv_enter();
	schedule();
	arch_resume_current();
}

/* Run it below the guest register frame area at the stack top, which the first switch fills. */
static __noreturn void idle_loop(void)
{
	u64 sp = (u64)guest_regs();

	__asm__ volatile("movq %0, %%rsp\n\tcall ap_run_vcpus\n\tud2" : : "r"(sp) : "memory");
	__builtin_unreachable();
}

/* A CPU other than CPU 0, from ap_entry64, on its own stack block. */
__noreturn void start_secondary(void)
{
	cpu_init_this();
	apic_init_secondary();
	cpu_set_online(smp_processor_id());
	idle_loop();
}
