/* Entering a PV vCPU. */
#include "types.h"
#include "asm.h"
#include "page.h"
#include "domain.h"
#include "pv.h"

extern __noreturn void enter_guest_frame(struct cpu_regs *r);

void pv_start_vcpu(struct domain *d)
{
	struct vcpu *v = d->vcpu[0];

	current = v;
	write_cr3(v->guest_table << PAGE_SHIFT);
	enter_guest_frame(guest_regs());
}
