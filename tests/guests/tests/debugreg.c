/*
 * set_debugreg/get_debugreg: argument checks as Xen 4.17 makes them (DR4/DR5
 * name DR6/DR7 while the guest's %cr4.DE is clear, DR8 and up do not exist,
 * DR7's reserved bits are fixed up rather than refused, the upper half and
 * general detect are refused), a data watchpoint that fires in the guest
 * (#DB with DR6.B0), and the same watchpoint hit by the hypervisor writing
 * the watched buffer for a hypercall: ignored, not brought to the guest's
 * DR6, and never fatal.
 */
#include "xtest.h"

#define HC_set_debugreg 8
#define HC_get_debugreg 9
#define DR7_L0 0x1UL
#define DR7_RW0_WRITE (1UL << 16)
#define DR7_RW0_IO (2UL << 16)
#define DR7_LEN0_8 (3UL << 18)
#define DR6_B0 0x1UL
#define DR7_GD (1UL << 13)
#define DR7_FIXED_ONE (1UL << 10)
#define ENODEV 19
#define EINVAL 22
#define EPERM 1

static char watched[16] __attribute__((aligned(16)));

static long set_dr(unsigned long reg, unsigned long v)
{
	return hypercall(HC_set_debugreg, reg, v, 0, 0, 0);
}

static long get_dr(unsigned long reg)
{
	return hypercall(HC_get_debugreg, reg, 0, 0, 0, 0);
}

static void write_watched(void *arg)
{
	(void)arg;
	*(volatile unsigned long *)watched = 42;
}

void test_main(void)
{
	struct xtest_fault f;
	long rc;

	xtest_check(set_dr(0, 0xffff830000000000UL) == -EPERM,
		    "DR0 in the hypervisor range accepted");
	rc = set_dr(8, 0);
	xtest_check(rc == -ENODEV, "set_debugreg(8): %ld", rc);
	rc = get_dr(9);
	xtest_check(rc == -ENODEV, "get_debugreg(9): %ld", rc);
	/* DR7: reserved bits fixed up, upper half and general detect refused. */
	rc = set_dr(7, 1UL << 11);
	xtest_check(rc == 0 && get_dr(7) == (long)DR7_FIXED_ONE, "DR7 bit 11: %ld, reads %#lx", rc,
		    get_dr(7));
	xtest_check(set_dr(7, 1UL << 32) == -EINVAL, "DR7 upper half accepted");
	xtest_check(set_dr(7, DR7_GD) == -EPERM, "DR7.GD accepted");
	xtest_check(set_dr(6, 1UL << 32) == -EINVAL, "DR6 upper half accepted");
	xtest_check(set_dr(7, DR7_L0 | DR7_RW0_IO) == -EPERM,
		    "an I/O breakpoint without CR4.DE accepted");
	/* Without %cr4.DE, DR4 and DR5 are DR6 and DR7. */
	rc = set_dr(5, DR7_L0);
	xtest_check(rc == 0 && get_dr(7) == (long)(DR7_L0 | DR7_FIXED_ONE), "DR5 -> DR7: %ld, %#lx",
		    rc, get_dr(7));
	xtest_check(get_dr(5) == get_dr(7), "DR5 reads %#lx, DR7 %#lx", get_dr(5), get_dr(7));
	xtest_check(set_dr(5, 0) == 0 && get_dr(7) == (long)DR7_FIXED_ONE, "DR5 := 0: DR7 %#lx",
		    get_dr(7));
	rc = set_dr(4, 0x1);
	xtest_check(rc == 0 && (get_dr(6) & DR6_B0), "DR4 -> DR6: %ld, DR6 %#lx", rc, get_dr(6));
	xtest_check(get_dr(4) == get_dr(6), "DR4 reads %#lx, DR6 %#lx", get_dr(4), get_dr(6));
	xtest_check(set_dr(0, (unsigned long)watched) == 0, "DR0 refused");
	xtest_check(get_dr(0) == (long)(unsigned long)watched, "DR0 reads back %#lx", get_dr(0));
	xtest_check(set_dr(6, 0) == 0, "DR6 refused");
	xtest_check(set_dr(7, DR7_L0 | DR7_RW0_WRITE | DR7_LEN0_8) == 0, "DR7 refused");
	/* The guest's own write hits the watchpoint: a #DB (a trap: after the write). */
	if (!xtest_catch(write_watched, NULL, &f))
		xtest_fail("no #DB for a write to the watched buffer");
	else
		xtest_check(f.vector == X86_EXC_DB, "vector %u instead of #DB", f.vector);
	xtest_check(get_dr(6) & DR6_B0, "DR6 %#lx without B0", get_dr(6));
	xtest_check(*(volatile unsigned long *)watched == 42, "the watched write did not happen");
	/*
	 * Now the hypervisor writes the watched buffer (extraversion): the hit
	 * is the hypervisor's, ignored, and not noted in the guest's DR6.
	 */
	set_dr(6, 0);
	rc = hypercall_xen_version(XENVER_extraversion, watched);
	xtest_check(rc == 0 && watched[0] == '.', "extraversion into the watched buffer: %ld", rc);
	xtest_check(!(get_dr(6) & DR6_B0), "hypervisor write noted in DR6 (%#lx)", get_dr(6));
	xtest_check(set_dr(7, 0) == 0, "clearing DR7 refused");
	printk("watchpoint survived a hypervisor write\n");
}

TEST_EXPECT("watchpoint survived a hypervisor write");
