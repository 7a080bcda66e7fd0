/*
 * Hypercall hot paths from the guest kernel: the null hypercall
 * (xen_version 0) through `syscall` and through the hypercall page, a
 * multicall of 32 null calls, SCHEDOP_yield, set_timer_op, a port read
 * emulated after a #GP, an event sent to self with its upcall, and the
 * unmask of a masked port with nothing pending.
 */
#include "bench.h"
#include "evtchn.h"

XTEST_USE_HYPERCALL_PAGE();

static bool null_syscall(unsigned long iters, void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < iters; i++)
		if (hypercall_syscall(HC_xen_version, XENVER_version, 0, 0, 0, 0) <= 0)
			return false;
	return true;
}

static bool null_page(unsigned long iters, void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < iters; i++)
		if (hypercall_via_page(HC_xen_version, XENVER_version, 0, 0, 0, 0) <= 0)
			return false;
	return true;
}

static struct multicall_entry calls[32];

static bool multicall32(unsigned long iters, void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < iters; i++) {
		if (hypercall(HC_multicall, (unsigned long)calls, 32, 0, 0, 0))
			return false;
	}
	for (int c = 0; c < 32; c++)
		if ((long)calls[c].result <= 0) {
			xtest_fail("multicall entry %d: %ld", c, (long)calls[c].result);
			return false;
		}
	return true;
}

static bool yield(unsigned long iters, void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < iters; i++)
		if (hypercall_sched_op(SCHEDOP_yield, NULL))
			return false;
	return true;
}

/* An absolute deadline (system time, ns) far enough ahead never to fire here. */
static bool set_timer(unsigned long iters, void *arg)
{
	unsigned long deadline = xtest_shared_info()->vcpu_info[0].time.system_time + 60000000000UL;

	(void)arg;
	for (unsigned long i = 0; i < iters; i++)
		if (hypercall(HC_set_timer_op, deadline + i, 0, 0, 0, 0))
			return false;
	return !hypercall(HC_set_timer_op, 0, 0, 0, 0, 0);
}

/* The PIC's mask register: a port the hypervisor keeps, read as all ones. */
static bool port_read(unsigned long iters, void *arg)
{
	unsigned char v = 0;

	(void)arg;
	for (unsigned long i = 0; i < iters; i++)
		__asm__ volatile("inb $0x21, %0" : "=a"(v));
	if (v != 0xff)
		xtest_fail("port 0x21 read %#x", v);
	return v == 0xff;
}

static uint32_t ipi_port;
static volatile unsigned long upcalls;

static void on_event(const unsigned long *frame)
{
	struct shared_info *s = xtest_shared_info();

	(void)frame;
	s->vcpu_info[0].evtchn_upcall_pending = 0;
	s->vcpu_info[0].evtchn_pending_sel = 0;
	s->evtchn_pending[ipi_port / 64] &= ~(1UL << (ipi_port % 64));
	upcalls++;
}

static bool send_self(unsigned long iters, void *arg)
{
	unsigned long before = upcalls;

	(void)arg;
	for (unsigned long i = 0; i < iters; i++)
		if (hypercall(HC_event_channel_op, EVTCHNOP_send, (unsigned long)&ipi_port, 0, 0,
			      0))
			return false;
	if (upcalls - before != iters)
		xtest_fail("%lu upcalls for %lu sends", upcalls - before, iters);
	return upcalls - before == iters;
}

/* The guest masks its IPI port, then EVTCHNOP_unmask: nothing pending, so no upcall. */
static bool unmask(unsigned long iters, void *arg)
{
	struct shared_info *s = xtest_shared_info();
	unsigned long bit = 1UL << (ipi_port % 64), before = upcalls;
	volatile unsigned long *mask = &s->evtchn_mask[ipi_port / 64];

	(void)arg;
	for (unsigned long i = 0; i < iters; i++) {
		*mask |= bit;
		if (hypercall(HC_event_channel_op, EVTCHNOP_unmask, (unsigned long)&ipi_port, 0, 0,
			      0))
			return false;
	}
	if ((*mask & bit) || upcalls != before)
		xtest_fail("unmask: mask %lu, %lu upcalls", *mask & bit, upcalls - before);
	return !(*mask & bit) && upcalls == before;
}

static void bench_events(void)
{
	struct callback_register cb = { .type = CALLBACKTYPE_event,
					.address = (unsigned long)xtest_event_entry };
	struct shared_info *s = xtest_shared_info();
	uint32_t bind[2] = { 0, 0 };
	long rc;

	xtest_event_hook = on_event;
	rc = hypercall(HC_callback_op, CALLBACKOP_register, (unsigned long)&cb, 0, 0, 0);
	if (!rc)
		rc =
		    hypercall(HC_event_channel_op, EVTCHNOP_bind_ipi, (unsigned long)bind, 0, 0, 0);
	if (rc) {
		xtest_fail("event set-up: %ld", rc);
		return;
	}
	ipi_port = bind[1];
	s->vcpu_info[0].evtchn_upcall_mask = 0;
	bench_run("event-send-self-upcall", 200, send_self, NULL);
	bench_run("evtchn-unmask", 500, unmask, NULL);
	s->vcpu_info[0].evtchn_upcall_mask = 1;
	hypercall(HC_event_channel_op, EVTCHNOP_close, (unsigned long)&ipi_port, 0, 0, 0);
}

void test_main(void)
{
	uint32_t iopl = 1;

	if (!xtest_hypercall_page_active || !xtest_shared_info()) {
		xtest_error("no hypercall page or no shared_info");
		return;
	}
	for (int c = 0; c < 32; c++)
		calls[c] =
		    (struct multicall_entry){ .op = HC_xen_version, .args = { XENVER_version } };
	bench_run("null-hypercall-syscall", 500, null_syscall, NULL);
	bench_run("null-hypercall-page", 500, null_page, NULL);
	bench_run("multicall-32-null", 50, multicall32, NULL);
	bench_run("sched-yield", 200, yield, NULL);
	bench_run("set-timer-op", 200, set_timer, NULL);
	if (hypercall(HC_physdev_op, PHYSDEVOP_set_iopl, (unsigned long)&iopl, 0, 0, 0))
		xtest_fail("set_iopl(1) refused");
	else
		bench_run("gp-emulated-port-read", 200, port_read, NULL);
	bench_events();
}

TEST_EXPECT("BENCH null-hypercall-syscall ");
TEST_EXPECT("BENCH null-hypercall-page ");
TEST_EXPECT("BENCH multicall-32-null ");
TEST_EXPECT("BENCH sched-yield ");
TEST_EXPECT("BENCH set-timer-op ");
TEST_EXPECT("BENCH gp-emulated-port-read ");
TEST_EXPECT("BENCH event-send-self-upcall ");
TEST_EXPECT("BENCH evtchn-unmask ");
