/*
 * set_debugreg/get_debugreg: a PV guest's debug registers. They are loaded
 * into the hardware at once, and by the context switch whenever the vCPU
 * runs again (pv/domain.c). A data
 * breakpoint the guest sets on its own buffers can also fire while Petrel
 * copies to or from them: such a #DB in hypervisor context is ignored (not
 * the guest's event, so not in its DR6), never fatal.
 */
#include "types.h"
#include "errno.h"
#include "domain.h"
#include "uaccess.h"
#include "pv.h"
#include "asm.h"

#define DR6_RESERVED_ONE 0xffff0ff0UL
#define DR6_STATUS_MASK 0x0000e00fUL /* B0-B3, BD, BS, BT */
#define DR7_RESERVED_ONE (1UL << 10)
#define DR7_RESERVED_ZERO ((1UL << 11) | (1UL << 12) | (1UL << 14) | (1UL << 15) | ~0xffffffffUL)
#define DR7_GD (1UL << 13)
#define DR_RW_IO 2

static void load_dr(unsigned int reg, u64 v)
{
	switch (reg) {
	case 0: __asm__ volatile("mov %0, %%db0" : : "r"(v)); break;
	case 1: __asm__ volatile("mov %0, %%db1" : : "r"(v)); break;
	case 2: __asm__ volatile("mov %0, %%db2" : : "r"(v)); break;
	case 3: __asm__ volatile("mov %0, %%db3" : : "r"(v)); break;
	case 6: __asm__ volatile("mov %0, %%db6" : : "r"(v)); break;
	case 7: __asm__ volatile("mov %0, %%db7" : : "r"(v)); break;
	}
}

/*
 * DR7 as Xen 4.17 takes it: the upper half is refused, reserved bits are
 * fixed up (bit 10 set; 11, 12, 14, 15 clear) rather than refused, general
 * detect is not the guest's, and I/O breakpoints need the guest's %cr4.DE.
 */
static long check_dr7(const struct vcpu *v, u64 *val)
{
	u64 value = *val;

	if (value >> 32)
		return -EINVAL;
	value = (value | DR7_RESERVED_ONE) & ~DR7_RESERVED_ZERO;
	if (value & DR7_GD)
		return -EPERM;
	for (unsigned int i = 0; i < 4; i++) {
		bool enabled = (value >> (i * 2)) & 3;
		unsigned int rw = (value >> (16 + i * 4)) & 3;

		if (enabled && rw == DR_RW_IO && !(v->arch.pv.guest_cr4 & X86_CR4_DE))
			return -EPERM;
	}
	*val = value;
	return 0;
}

/*
 * While the guest's %cr4.DE is clear, DR4 and DR5 are other names of DR6
 * and DR7 (as on the CPU); with it set they do not exist.
 */
static long dr_alias(const struct vcpu *v, unsigned long reg)
{
	if (reg == 4 || reg == 5)
		return (v->arch.pv.guest_cr4 & X86_CR4_DE) ? -ENODEV : (long)reg + 2;
	if (reg > 7)
		return -ENODEV;
	return (long)reg;
}

long do_set_debugreg(unsigned long reg, unsigned long value)
{
	struct vcpu *v = current;
	long rc = dr_alias(v, reg);

	if (rc < 0)
		return rc;
	reg = (unsigned long)rc;
	switch (reg) {
	case 0:
	case 1:
	case 2:
	case 3:
		if (!guest_range_ok(value, sizeof(long)))
			return -EPERM;
		break;
	case 6:
		if (value >> 32)
			return -EINVAL;
		value = (value & DR6_STATUS_MASK) | DR6_RESERVED_ONE;
		break;
	case 7:
		rc = check_dr7(v, &value);
		if (rc)
			return rc;
		break;
	}
	v->arch.debugreg[reg] = value;
	load_dr((unsigned int)reg, value);
	return 0;
}

long do_get_debugreg(unsigned long reg)
{
	long rc = dr_alias(current, reg);

	if (rc < 0)
		return rc;
	if (rc == 6 && !current->arch.debugreg[6])
		return (long)DR6_RESERVED_ONE;
	return (long)current->arch.debugreg[rc];
}

/* Move the hardware DR6 status into the guest's DR6 (which get_debugreg reads). */
void pv_collect_dr6(void)
{
	u64 dr6;

	__asm__ volatile("mov %%db6, %0" : "=r"(dr6));
	if (current)
		current->arch.debugreg[6] |= (dr6 & DR6_STATUS_MASK) | DR6_RESERVED_ONE;
	load_dr(6, DR6_RESERVED_ONE);
}

/*
 * A guest's data breakpoint hit by the hypervisor itself (copying to or
 * from the watched buffer for a hypercall): ignored, as Xen does, and not
 * reported in the guest's DR6.
 */
void pv_ignore_hypervisor_db(void)
{
	load_dr(6, DR6_RESERVED_ONE);
}
