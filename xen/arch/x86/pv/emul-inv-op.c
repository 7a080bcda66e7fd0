/*
 * The forced-emulation prefix: "ud2; .ascii \"xen\"" followed by cpuid lets
 * a PV kernel ask for the hypervisor's view of CPUID.
 */
#include "types.h"
#include "lib.h"
#include "uaccess.h"
#include "domain.h"
#include "pv.h"
#include "timer.h"

static const u8 forced_cpuid[] = { 0x0f, 0x0b, 'x', 'e', 'n', 0x0f, 0xa2 };

bool pv_emulate_invalid_op(struct cpu_regs *r)
{
	u8 insn[sizeof(forced_cpuid)];
	u32 a, b, c, d;

	if (copy_from_guest(insn, r->rip, sizeof(insn)) ||
	    memcmp(insn, forced_cpuid, sizeof(insn)))
		return false;
	if ((u32)r->rax == XEN_CPUID_TIME_LEAF)
		cpuid_time_leaf(current->domain, (u32)r->rcx, &a, &b, &c, &d);
	else
		pv_cpuid((u32)r->rax, (u32)r->rcx, &a, &b, &c, &d);
	r->rax = a;
	r->rbx = b;
	r->rcx = c;
	r->rdx = d;
	r->rip += sizeof(forced_cpuid);
	return true;
}
