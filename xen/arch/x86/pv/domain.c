/*
 * The x86 PV side of a domain's life: entering its first vCPU, the arch
 * hooks of creation and teardown (common/domain.c), the machine's end when
 * the hardware domain ends, and the scheduler's arch hooks.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "asm.h"
#include "console.h"
#include "page.h"
#include "mm.h"
#include "desc.h"
#include "domain.h"
#include "traps.h"
#include "uaccess.h"
#include "shutdown.h"
#include "setup.h"
#include "sched.h"
#include "pv.h"
#include "pv_mm.h"
#include "pv_desc.h"
#include "smp.h"
#include "ipi.h"
#include "public/sched.h"
#include "hvm.h"
#include "hvlock.h"

extern __noreturn void enter_guest_frame(struct cpu_regs *r);

struct cpu_regs *guest_regs(void)
{
	return (struct cpu_regs *)get_cpu_info() - 1;
}

/* Start the scheduler: the first vCPU it picks is loaded and entered. */
void pv_start_vcpu(struct domain *d)
{
	vcpu_up(d->vcpu[0]);
	schedule();
	hv_leave_to_guest();
	enter_guest_frame(guest_regs());
}

/* ---- Creation and teardown. */

/* The shared_info page, which the guest maps writable. */
int arch_domain_create(struct domain *d)
{
	d->shared_info = alloc_xenheap_pages(0);
	if (!d->shared_info)
		return -ENOMEM;
	share_xen_page_with_guest(mfn_to_page(virt_to_mfn(d->shared_info)), d);
	/* Xen's TSC settings at creation count one incarnation, but for PV dom0. */
	d->arch.incarnation = d->domain_id ? 1 : 0;
	return 0;
}

int arch_vcpu_create(struct vcpu *v)
{
	if (is_hvm_vcpu(v))
		return hvm_vcpu_initialise(v);
	if (!pv_has_xsave())
		return 0;
	v->arch.pv.xsave_area = alloc_xenheap_pages(pv_xsave_area_order());
	if (!v->arch.pv.xsave_area)
		return -ENOMEM;
	memset(v->arch.pv.xsave_area, 0, PAGE_SIZE << (pv_xsave_area_order()));
	return 0;
}

void arch_vcpu_destroy(struct vcpu *v)
{
	if (is_hvm_vcpu(v)) {
		hvm_vcpu_destroy(v);
	} else if (v->arch.pv.xsave_area) {
		free_xenheap_pages(v->arch.pv.xsave_area, pv_xsave_area_order());
		v->arch.pv.xsave_area = NULL;
	}
}

void arch_domain_destroy(struct domain *d)
{
	struct page_info *pg;

	if (is_hvm_domain(d))
		hvm_domain_destroy(d);
	if (!is_hvm_domain(d)) {
		free_xenheap_pages(d->arch.pv.p2m, d->arch.pv.p2m_order);
		d->arch.pv.p2m = NULL;
	}
	if (d->arch.e820)
		free_xenheap_pages(d->arch.e820, E820_ORDER);
	d->arch.e820 = NULL;
	if (!d->shared_info)
		return;
	pg = mfn_to_page(virt_to_mfn(d->shared_info));
	if (domain_keep_shared_page(d, pg)) {
		/* Still mapped by the control domain: freed by its last unmap. */
		d->shared_info = NULL;
		return;
	}
	pg->owner = NULL;
	pg->count = pg->type_count = 0;
	pg->type = PGT_none;
	pg->flags &= ~PGC_validated;
	free_xenheap_pages(d->shared_info, 0);
	d->shared_info = NULL;
}

static void put_frame_and_type(mfn_t *mfn)
{
	if (*mfn)
		pv_put_page_and_type(mfn_to_page(*mfn));
	*mfn = 0;
}

/* The references a vCPU holds: base pointers, LDT, GDT, its vcpu_info frame. */
void pv_vcpu_relinquish(struct vcpu *v)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(v->arch.pv.ldt_mfn); i++)
		put_frame_and_type(&v->arch.pv.ldt_mfn[i]);
	v->arch.pv.ldt_ents = 0;
	for (unsigned int i = 0; i < ARRAY_SIZE(v->arch.pv.gdt_frames); i++) {
		if (v->arch.pv.gdt_frames[i])
			put_page_type(mfn_to_page(v->arch.pv.gdt_frames[i]));
		v->arch.pv.gdt_frames[i] = 0;
	}
	v->arch.pv.gdt_ents = 0;
	put_frame_and_type(&v->vcpu_info_mfn);
	/* A CPU that still holds it loaded must not keep the shadow L4 freed below in CR3. */
	if (pv_shadowed(v->domain) && v != current && v->processor != smp_processor_id())
		arch_forget_vcpu(v->processor, v);
	put_frame_and_type(&v->arch.pv.guest_table_user);
	put_frame_and_type(&v->arch.pv.guest_table);
}

/* An HVM vCPU's references: its registered vcpu_info frame; its vLAPIC timer stops. */
static void hvm_vcpu_relinquish(struct vcpu *v)
{
	vlapic_destroy(v);
	put_frame_and_type(&v->vcpu_info_mfn);
}

/*
 * Drop what the domain's PIRQs, vCPUs and pinned tables hold, so that each of its
 * frames is left with its allocation reference only (common code frees
 * them). Unpinning a table devalidates it, and that drops the references
 * of its entries, level by level.
 */
void arch_domain_relinquish(struct domain *d)
{
	pirq_domain_relinquish(d);
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++)
		if (d->vcpu[i] && !is_hvm_domain(d))
			pv_vcpu_relinquish(d->vcpu[i]);
		else if (d->vcpu[i])
			hvm_vcpu_relinquish(d->vcpu[i]);
}

/*
 * An HVM domain's shared_info leaves the place it had in the p2m for a
 * fresh RAM frame, so that the next kernel finds RAM there and maps
 * shared_info wherever it wants (as Xen does on a soft reset).
 */
static int hvm_shared_info_soft_reset(struct domain *d)
{
	u64 gfn = d->arch.hvm.shared_info_gfn;
	mfn_t own = virt_to_maddr(d->shared_info) >> PAGE_SHIFT;
	int rc;

	if (gfn == ~0ULL || p2m_lookup(d, gfn) != own)
		return 0;
	rc = memory_hvm_fresh_frame(d, gfn);
	if (rc)
		return rc;
	d->arch.hvm.shared_info_gfn = ~0ULL;
	return 0;
}

int arch_domain_soft_reset(struct domain *d)
{
	for (unsigned int i = 0; i < MAX_VIRT_CPUS; i++) {
		struct vcpu *v = d->vcpu[i];

		if (!v)
			continue;
		put_frame_and_type(&v->vcpu_info_mfn);
		v->vcpu_info = &d->shared_info->vcpu_info[i];
		if (is_hvm_domain(d))
			v->time_info_guest = 0;
	}
	if (!is_hvm_domain(d))
		return -EINVAL;
	return hvm_shared_info_soft_reset(d);
}

/* Unpinning frees no table: each still holds its allocation reference. */
void arch_unpin_table(struct page_info *pg)
{
	pv_put_page_and_type(pg);
}

/* ---- Crash and the machine's end. */

static const char *const shutdown_names[] = {
	"poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset",
};

void arch_hwdom_end(const struct domain *d, unsigned int reason, bool crashed)
{
	if (crashed) {
		printk("Hardware Dom%u crashed: %s\n", d->domain_id,
		       boot_opts.noreboot ? "'noreboot' set - not rebooting."
					  : "stopping the machine.");
		machine_exit(EXIT_DOM0_CRASH);
	}
	printk("Hardware Dom%u shutdown: reason %s\n", d->domain_id,
	       reason < ARRAY_SIZE(shutdown_names) ? shutdown_names[reason] : "unknown");
	switch (reason) {
	case SHUTDOWN_poweroff:
		machine_power_off();
	case SHUTDOWN_reboot:
	case SHUTDOWN_soft_reset:
		/* As on Xen, 'noreboot' concerns crashes only: a requested reboot restarts. */
		machine_restart();
	case SHUTDOWN_crash:
	case SHUTDOWN_watchdog:
		printk("Domain %u crashed: it asked to (%s)\n", d->domain_id,
		       shutdown_names[reason]);
		machine_exit(EXIT_DOM0_CRASH);
	default:
		machine_halt();
	}
}

/* The top of the guest's stack: return addresses say what it was doing. */
static void show_guest_stack(const struct cpu_regs *r)
{
	u64 words[4];

	printk("Guest stack trace from rsp=%016lx:\n", r->rsp);
	for (unsigned int row = 0; row < 6; row++) {
		u64 va = r->rsp + row * sizeof(words);

		if (copy_from_guest(words, va, sizeof(words))) {
			printk("   (unreadable at %016lx)\n", va);
			return;
		}
		printk("   %016lx %016lx %016lx %016lx\n", words[0], words[1], words[2], words[3]);
	}
}

void arch_show_crash_state(void)
{
	if (is_hvm_vcpu(current)) {
		hvm_show_crash_state(current);
		return;
	}
	show_registers(guest_regs());
	show_guest_stack(guest_regs());
}

/* ---- Scheduler hooks. */

/*
 * Switching vCPUs: everything of a PV vCPU that lives in the CPU is saved
 * into its struct pv_vcpu and the next one's loaded: the register frame at
 * the top of the stack, page tables, GDT and LDT mappings, data segment
 * selectors, the segment-base MSRs and MSR_TSC_AUX, the virtual CR4.TSD,
 * FPU/SSE state and the virtual CR0.TS, debug registers.
 */
#define MXCSR_DEFAULT 0x1f80

static u16 read_sel(int which)
{
	u16 sel = 0;

	switch (which) {
	case 0:
		__asm__ volatile("movw %%ds, %0" : "=r"(sel));
		break;
	case 1:
		__asm__ volatile("movw %%es, %0" : "=r"(sel));
		break;
	case 2:
		__asm__ volatile("movw %%fs, %0" : "=r"(sel));
		break;
	default:
		__asm__ volatile("movw %%gs, %0" : "=r"(sel));
		break;
	}
	return sel;
}

/* Load a data selector; one the new GDT/LDT refuses leaves the null selector. */
#define LOAD_SEL(seg, sel)                                                                         \
	__asm__ volatile("1: movl %k0, %%" seg "\n"                                                \
			 "2:\n"                                                                    \
			 ".pushsection .ex_table, \"a\"\n"                                         \
			 ".balign 8\n"                                                             \
			 ".quad 1b, 3f\n"                                                          \
			 ".popsection\n"                                                           \
			 ".pushsection .text.fixup, \"ax\"\n"                                      \
			 "3: xorl %k0, %k0\n"                                                      \
			 "movl %k0, %%" seg "\n"                                                   \
			 "jmp 2b\n"                                                                \
			 ".popsection"                                                             \
			 : "+r"(sel)                                                               \
			 :                                                                         \
			 : "memory")

static void load_sels(struct pv_vcpu *pv)
{
	u32 ds = pv->ds_sel, es = pv->es_sel, fs = pv->fs_sel, gs = pv->gs_sel;

	LOAD_SEL("ds", ds);
	LOAD_SEL("es", es);
	LOAD_SEL("fs", fs);
	LOAD_SEL("gs", gs);
}

static void load_debugregs(const struct vcpu *v)
{
	const u64 *dr = v->arch.debugreg;
	u64 dr7 = dr[7] ? dr[7] : 0x400;

	__asm__ volatile("mov %0, %%db7" : : "r"(0x400UL));
	__asm__ volatile("mov %0, %%db0" : : "r"(dr[0]));
	__asm__ volatile("mov %0, %%db1" : : "r"(dr[1]));
	__asm__ volatile("mov %0, %%db2" : : "r"(dr[2]));
	__asm__ volatile("mov %0, %%db3" : : "r"(dr[3]));
	__asm__ volatile("mov %0, %%db7" : : "r"(dr7));
}

/* MSR_TSC_AUX exists on CPUs with rdtscp (CPUID 0x80000001 EDX bit 27). */
bool cpu_has_tsc_aux(void)
{
	static int known = -1;
	u32 a, b, c, d;

	if (known < 0) {
		cpuid_count(0x80000000, 0, &a, &b, &c, &d);
		known = 0;
		if (a >= 0x80000001) {
			cpuid_count(0x80000001, 0, &a, &b, &c, &d);
			known = !!(d & (1u << 27));
		}
	}
	return known;
}

/* The guest's %cr4.TSD and FSGSBASE live in the real %cr4 while it runs (pv/emul-priv-op.c). */
static void load_cr4_guest_bits(const struct pv_vcpu *pv)
{
	u64 cr4 = read_cr4(), diff = (cr4 ^ pv->guest_cr4) & pv_cr4_guest_bits();

	if (diff)
		write_cr4(cr4 ^ diff);
}

static void save_pv_state(struct vcpu *v)
{
	struct pv_vcpu *pv = &v->arch.pv;

	pv->user_regs = *guest_regs();
	pv->ds_sel = read_sel(0);
	pv->es_sel = read_sel(1);
	pv->fs_sel = read_sel(2);
	pv->gs_sel = read_sel(3);
	pv->fs_base = rdmsr(MSR_FS_BASE);
	pv->gs_base = rdmsr(MSR_GS_BASE);
	pv->shadow_gs_base = rdmsr(MSR_SHADOW_GS_BASE);
	if (cpu_has_tsc_aux())
		pv->tsc_aux = rdmsr(MSR_TSC_AUX);
	write_cr0(read_cr0() & ~X86_CR0_TS); /* fxsave would raise #NM */
	__asm__ volatile("fxsave64 %0" : "=m"(pv->fpu_area));
	pv->fpu_saved = true;
	pv_save_xstate(pv);
}

static void load_fpu(struct pv_vcpu *pv)
{
	u32 mxcsr = MXCSR_DEFAULT;
	u64 cr0 = read_cr0() & ~X86_CR0_TS;

	write_cr0(cr0);
	if (pv->fpu_saved)
		__asm__ volatile("fxrstor64 %0" : : "m"(pv->fpu_area));
	else
		__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
	if (pv->guest_cr0 & X86_CR0_TS)
		write_cr0(cr0 | X86_CR0_TS);
}

static void load_pv_state(struct vcpu *v)
{
	struct pv_vcpu *pv = &v->arch.pv;
	bool user = !pv->in_kernel && pv->guest_table_user;

	*guest_regs() = pv->user_regs;
	for (unsigned int i = 0; i < GDT_GUEST_FRAMES; i++)
		gdt_map_guest_frame(i, pv->gdt_frames[i]);
	pv_ldt_changed(v);
	pv_load_cr3(user ? pv->guest_table_user : pv->guest_table);
	if (pv_global_entries)
		flush_tlb_local(); /* no global entry of the last guest may stay */
	load_sels(pv);
	wrmsr(MSR_FS_BASE, pv->fs_base);
	wrmsr(MSR_GS_BASE, pv->gs_base);
	wrmsr(MSR_SHADOW_GS_BASE, pv->shadow_gs_base);
	if (cpu_has_tsc_aux())
		wrmsr(MSR_TSC_AUX, pv->tsc_aux);
	load_cr4_guest_bits(pv);
	load_fpu(pv);
	pv_load_xstate(pv);
	load_debugregs(v);
}

void arch_context_switch(struct vcpu *prev, struct vcpu *next)
{
	if (prev && is_hvm_vcpu(prev))
		hvm_context_save(prev);
	else if (prev)
		save_pv_state(prev);
	else
		hvm_context_drop(); /* a vCPU torn down here may have left its state */
	if (!is_hvm_vcpu(next))
		note_guest_cpu(next->domain->domain_id, next->domain->is_privileged);
	if (is_hvm_vcpu(next))
		hvm_context_load(next);
	else
		load_pv_state(next);
}

void arch_vcpu_sched_out(struct vcpu *v)
{
	if (is_hvm_vcpu(v))
		hvm_time_freeze(v);
}

void arch_vcpu_sched_in(struct vcpu *v)
{
	if (is_hvm_vcpu(v))
		hvm_time_thaw(v);
}

void arch_sched_kick(unsigned int cpu)
{
	send_event_check(cpu);
}

static void forget_loaded_state(void)
{
	write_cr3(virt_to_maddr(idle_l4));
	for (unsigned int i = 0; i < GDT_GUEST_FRAMES; i++)
		gdt_map_guest_frame(i, 0);
	ldt_load(NULL, 0, 0);
	current = NULL;
}

/* On the CPU that ran @data last: drop its page tables, GDT and LDT frames. */
static void forget_vcpu(void *data)
{
	if (current != data)
		return;
	hvm_context_drop();
	forget_loaded_state();
}

void arch_forget_vcpu(unsigned int cpu, struct vcpu *v)
{
	on_cpus(1UL << cpu, forget_vcpu, v);
}

/*
 * The same, keeping the state first: @data goes on on another CPU. Its
 * register frame is still the one at this CPU's stack top (the CPU idles,
 * or switches away from it now).
 */
static void save_and_forget_vcpu(void *data)
{
	struct vcpu *v = data;

	if (current != v)
		return;
	if (is_hvm_vcpu(v))
		hvm_context_save(v);
	else
		save_pv_state(v);
	forget_loaded_state();
}

void arch_save_vcpu_off(unsigned int cpu, struct vcpu *v)
{
	if (cpu == smp_processor_id())
		save_and_forget_vcpu(v);
	else
		on_cpus(1UL << cpu, save_and_forget_vcpu, v);
}

void arch_idle_wait(void)
{
	unsigned int depth;

	/* No TLB flush wakes this CPU; it flushes when it goes on. */
	tlb_idle_begin();
	depth = hv_wait_begin(); /* the interrupt that wakes us takes it */

	/* sti's one-instruction delay means no interrupt slips in before hlt. */
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	hv_wait_end(depth);
}

void arch_idle_scrub(void)
{
	unsigned int depth = hv_wait_begin(); /* other CPUs' hypercalls go on meanwhile */

	scrub_free_pages();
	/* An interrupt that came during the batch (a timer, a wake) is taken here. */
	__asm__ volatile("sti; nop; cli" ::: "memory");
	hv_wait_end(depth);
}

void arch_resume_current(void)
{
	struct cpu_regs *r = guest_regs();

	if (is_hvm_vcpu(current))
		hvm_resume_current();

	pv_return_to_guest(r);
	enter_guest_frame(r);
}
