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
#include "public/sched.h"

extern __noreturn void enter_guest_frame(struct cpu_regs *r);

struct cpu_regs *guest_regs(void)
{
	return (struct cpu_regs *)(tss.rsp0 - sizeof(struct cpu_regs));
}

void pv_start_vcpu(struct domain *d)
{
	vcpu_up(d->vcpu[0]);
	schedule();
	write_cr3(current->arch.pv.guest_table << PAGE_SHIFT);
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
	return 0;
}

void arch_domain_destroy(struct domain *d)
{
	struct page_info *pg;

	free_xenheap_pages(d->arch.pv.p2m, d->arch.pv.p2m_order);
	d->arch.pv.p2m = NULL;
	if (!d->shared_info)
		return;
	pg = mfn_to_page(virt_to_mfn(d->shared_info));
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
static void vcpu_relinquish(struct vcpu *v)
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
	put_frame_and_type(&v->arch.pv.guest_table_user);
	put_frame_and_type(&v->arch.pv.guest_table);
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
		if (d->vcpu[i])
			vcpu_relinquish(d->vcpu[i]);
	for (mfn_t mfn = 0; mfn < max_page; mfn++) {
		struct page_info *pg = mfn_to_page(mfn);

		if (pg->owner != d || !(pg->flags & PGC_pinned))
			continue;
		pg->flags &= ~PGC_pinned;
		pv_put_page_and_type(pg);
	}
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
	show_registers(guest_regs());
	show_guest_stack(guest_regs());
}

/* ---- Scheduler hooks. */

/*
 * Switching between vCPUs of different domains needs their whole PV state
 * saved and loaded (register frame, page tables, segment bases and
 * selectors, FPU, debug registers, GDT/LDT mappings); that comes with the
 * second domain (docs/design.md). No second domain can be created yet.
 */
void arch_context_switch(struct vcpu *prev, struct vcpu *next)
{
	panic("context switch d%uv%u -> d%uv%u: PV state switching is not implemented",
	      prev->domain->domain_id, prev->vcpu_id, next->domain->domain_id, next->vcpu_id);
}

void arch_idle_wait(void)
{
	/* sti's one-instruction delay means no interrupt slips in before hlt. */
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

void arch_resume_current(void)
{
	struct cpu_regs *r = guest_regs();

	pv_return_to_guest(r);
	enter_guest_frame(r);
}
