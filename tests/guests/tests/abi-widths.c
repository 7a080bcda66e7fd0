/*
 * Xen reads several hypercall arguments as 32-bit values (the sub-op of
 * xen_version, sched_op, console_io, event_channel_op, vcpu_op, physdev_op,
 * callback_op; console_io's count; vcpu_op's vCPU id): the upper halves of
 * those registers are ignored, as on Xen.
 */
#include "xtest.h"

#define HC_vcpu_op 24
#define VCPUOP_is_up 3
#define HI (1UL << 32)

void test_main(void)
{
	static const char msg[] = "width-check\n";
	long rc;

	rc = hypercall(HC_xen_version, HI | XENVER_version, 0, 0, 0, 0);
	xtest_check(rc == 0x40011, "xen_version with upper bits set: %#lx", rc);
	rc = hypercall(HC_sched_op, HI | SCHEDOP_yield, 0, 0, 0, 0);
	xtest_check(rc == 0, "sched_op yield with upper bits set: %ld", rc);
	rc = hypercall(HC_console_io, HI | CONSOLEIO_write, HI | (sizeof(msg) - 1),
		       (unsigned long)msg, 0, 0);
	xtest_check(rc == 0, "console_io with upper bits set: %ld", rc);
	rc = hypercall(HC_vcpu_op, HI | VCPUOP_is_up, HI | 0, 0, 0, 0);
	xtest_check(rc == 1, "vcpu_op is_up(0) with upper bits set: %ld", rc);
}

TEST_EXPECT("width-check");
