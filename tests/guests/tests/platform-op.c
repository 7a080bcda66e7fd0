/* platform_op: interface version, the physical CPU list and setting the wall clock. */
#include "xtest.h"

#define HC_platform_op 7
#define XENPF_INTERFACE_VERSION 0x03000001
#define XENPF_settime64 62
#define XENPF_get_cpuinfo 55
#define XEN_PCPU_FLAGS_ONLINE 1
#define XEN_PCPU_FLAGS_INVALID 2

struct platform_op {
	uint32_t cmd, interface_version;
	union {
		struct {
			uint32_t xen_cpuid, max_present, flags, apic_id, acpi_id;
		} pcpu;
		struct {
			uint64_t secs;
			uint32_t nsecs, mbz;
			uint64_t system_time;
		} settime64;
		uint8_t pad[128];
	} u;
};
_Static_assert(sizeof(struct platform_op) == 136, "xen_platform_op is 136 bytes");

static long platform_op(struct platform_op *op)
{
	return hypercall(HC_platform_op, (unsigned long)op, 0, 0, 0, 0);
}

static long settime(uint64_t secs, uint32_t nsecs, uint32_t mbz)
{
	struct platform_op op = { .cmd = XENPF_settime64,
				  .interface_version = XENPF_INTERFACE_VERSION };

	op.u.settime64.secs = secs;
	op.u.settime64.nsecs = nsecs;
	op.u.settime64.mbz = mbz;
	op.u.settime64.system_time = 0;
	return platform_op(&op);
}

void test_main(void)
{
	struct platform_op op = { .cmd = XENPF_get_cpuinfo, .interface_version = 0x03000000 };
	struct shared_info *s;
	long rc;

	xtest_check(platform_op(&op) == -13, "a wrong interface version was accepted");
	op.interface_version = XENPF_INTERFACE_VERSION;
	rc = platform_op(&op);
	xtest_check(rc == 0 && (op.u.pcpu.flags & XEN_PCPU_FLAGS_ONLINE) && op.u.pcpu.max_present == 0,
		    "cpuinfo(0): rc %ld flags %#x max_present %u", rc, op.u.pcpu.flags,
		    op.u.pcpu.max_present);
	op.u.pcpu.xen_cpuid = 1;
	rc = platform_op(&op);
	xtest_check(rc == 0 && (op.u.pcpu.flags & XEN_PCPU_FLAGS_INVALID),
		    "cpuinfo(1): rc %ld flags %#x", rc, op.u.pcpu.flags);
	op.cmd = 9999;
	xtest_check(platform_op(&op) == -38, "an unknown platform op was accepted");
	xtest_check(settime(1, 0, 1) == -22, "nonzero mbz accepted");
	xtest_check(hypercall(HC_platform_op, 0xffff830000000000UL, 0, 0, 0, 0) == -14,
		    "platform_op read a hypervisor address");
	/* 2 000 000 000 s at system time 0: the shared wall clock says so. */
	xtest_check(settime(2000000000UL, 500, 0) == 0, "settime64 refused");
	s = xtest_shared_info();
	if (!s)
		return;
	xtest_check(s->wc_sec == 2000000000u && s->wc_nsec == 500 && !(s->wc_version & 1),
		    "wallclock %u.%09u (version %u)", s->wc_sec, s->wc_nsec, s->wc_version);
	/* nsecs of a second or more are not refused: they carry into the seconds. */
	xtest_check(settime(2000000000UL, 2000000500u, 0) == 0,
		    "settime64 with nsecs >= 1e9 refused");
	xtest_check(s->wc_sec == 2000000002u && s->wc_nsec == 500 && !(s->wc_version & 1),
		    "carried wallclock %u.%09u (version %u)", s->wc_sec, s->wc_nsec, s->wc_version);
}
