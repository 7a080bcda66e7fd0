/* Domain lifecycle. For now there is one domain, the initial one. */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "console.h"
#include "shutdown.h"
#include "setup.h"
#include "page.h"
#include "mm.h"
#include "desc.h"
#include "domain.h"
#include "uaccess.h"
#include "grant_table.h"
#include "public/sched.h"

struct vcpu *current;
static struct domain dom0_struct;
static struct vcpu dom0_vcpu0;

struct cpu_regs *guest_regs(void)
{
	return (struct cpu_regs *)(tss.rsp0 - sizeof(struct cpu_regs));
}

struct domain *domain_create(domid_t id, bool privileged)
{
	struct domain *d = &dom0_struct;
	struct vcpu *v = &dom0_vcpu0;

	if (id != 0)
		return NULL;
	memset(d, 0, sizeof(*d));
	memset(v, 0, sizeof(*v));
	d->domain_id = id;
	d->is_privileged = privileged;
	d->shared_info = alloc_xenheap_pages(0);
	if (!d->shared_info)
		return NULL;
	share_xen_page_with_guest(mfn_to_page(virt_to_mfn(d->shared_info)), d);
	if (grant_table_init(d))
		return NULL;
	v->domain = d;
	v->vcpu_info = &d->shared_info->vcpu_info[0];
	v->vcpu_info->evtchn_upcall_mask = 1;
	d->vcpu[0] = v;
	return d;
}

static const char *const shutdown_names[] = {
	"poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset",
};

/* The initial domain going away ends the machine, as on Xen. */
void domain_shutdown(struct domain *d, unsigned int reason)
{
	d->is_shutting_down = true;
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
		printk("Domain %u crashed: it asked to (%s)\n", d->domain_id, shutdown_names[reason]);
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

void domain_crash(struct domain *d, const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	d->is_crashed = true;
	printk(XENLOG_ERR "Domain %u crashed: %s\n", d->domain_id, buf);
	show_registers(guest_regs());
	show_guest_stack(guest_regs());
	printk("Hardware Dom%u crashed: %s\n", d->domain_id,
	       boot_opts.noreboot ? "'noreboot' set - not rebooting." : "stopping the machine.");
	machine_exit(EXIT_DOM0_CRASH);
}
