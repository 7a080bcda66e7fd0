/*
 * A second vCPU of dom0 on a two-CPU machine (where both hypervisors give
 * dom0 one vCPU per CPU). vCPU 1 exists but is down until vCPU 0 gives it a
 * context (VCPUOP_initialise: our page tables, a stack of its own, the flat
 * selectors) and brings it up (VCPUOP_up), with Xen's errors on the way.
 * Then the two vCPUs:
 *   - play ping-pong over two IPI event channels (EVTCHNOP_bind_ipi, each
 *     port notifying one vCPU), each waiting in SCHEDOP_poll;
 *   - issue event-channel and version hypercalls at the same time, each
 *     checking every answer;
 *   - run side by side: while vCPU 0 runs, vCPU 1's runstate must read
 *     running at some point (impossible if the two shared one CPU);
 *   - vCPU 1 takes itself down (VCPUOP_down): is_up and its runstate say
 *     so; VCPUOP_up resumes it right after its down call.
 * Last, vCPU 0 takes itself down while vCPU 1 is down: the last vCPU going
 * down powers the domain off, as on Xen.
 */
#include "xtest.h"
#include "evtchn.h"

TEST_SMP("2");
TEST_EXPECT("vCPU 1 answered 50 IPIs");
TEST_EXPECT("vCPU 1 came back up");
TEST_EXPECT("vCPU 1 ran alongside vCPU 0");

#define HC_vcpu_op 24
#define VCPUOP_initialise 0
#define VCPUOP_up 1
#define VCPUOP_down 2
#define VCPUOP_is_up 3
#define VCPUOP_get_runstate_info 4
#define RUNSTATE_running 0
#define RUNSTATE_offline 3

#define ENOENT 2
#define EFAULT 14
#define EEXIST 17
#define EINVAL 22

#define ROUNDS 50
#define CALLS 2000
#define WAIT_LOOPS 2000000UL
#define VIRT_BASE 0xffffffff80000000UL

struct vcpu_runstate_info {
	int state;
	uint64_t state_entry_time;
	uint64_t time[4];
};

void xtest_install_traps(void); /* lib/traps.c */

static struct vcpu_context ctx;
static char ap_stack[16384] __attribute__((aligned(16)));
static uint32_t port_to0, port_to1; /* IPI ports notifying vCPU 0 / vCPU 1 */
static volatile unsigned long ap_alive, ap_rounds, ap_bad_calls, ap_calls_done, ap_back;
static volatile bool go_calls, stop_spin;
static volatile unsigned long ap_spinning;

static long vcpu_op(unsigned int cmd, unsigned int vcpu, void *arg)
{
	return hypercall(HC_vcpu_op, cmd, vcpu, (unsigned long)arg, 0, 0);
}

static void yield(void)
{
	hypercall_sched_op(SCHEDOP_yield, NULL);
}

/* Yield until *@flag reaches @want; false if it never does. */
static bool wait_for(volatile unsigned long *flag, unsigned long want)
{
	for (unsigned long i = 0; i < WAIT_LOOPS; i++) {
		if (*flag >= want)
			return true;
		yield();
	}
	return *flag >= want;
}

/* Wait for @port (polling), then clear it. */
static bool take_event(uint32_t port)
{
	if (!evtchn_poll_pending(port, 100000))
		return false;
	evtchn_test_and_clear(port);
	return true;
}

/* One round of hypercalls a vCPU can check by itself: false if one answer is wrong. */
static bool one_call_round(void)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_status st = { .dom = DOMID_SELF };
	bool ok = evtchn_op(EVTCHNOP_alloc_unbound, &a) == 0 && a.port != 0;

	st.port = a.port;
	ok = ok && evtchn_op(EVTCHNOP_status, &st) == 0 && st.status == EVTCHNSTAT_unbound;
	ok = ok && evtchn_port_op(EVTCHNOP_close, a.port) == 0;
	ok = ok && hypercall_xen_version(XENVER_version, NULL) == 0x40011;
	return ok;
}

static unsigned long call_rounds(void)
{
	unsigned long bad = 0;

	for (unsigned int i = 0; i < CALLS; i++)
		bad += !one_call_round();
	return bad;
}

/* vCPU 1's life: entered through its VCPUOP_initialise context. */
static __attribute__((noreturn, used)) void ap_main(void)
{
	xtest_install_traps();
	ap_alive = 1;
	while (ap_rounds < ROUNDS) {
		if (!take_event(port_to1))
			break;
		ap_rounds++;
		evtchn_port_op(EVTCHNOP_send, port_to0);
	}
	while (!go_calls)
		yield();
	ap_bad_calls = call_rounds();
	ap_calls_done = 1;
	while (!stop_spin) {
		ap_spinning = 1;
		__asm__ volatile("pause");
	}
	vcpu_op(VCPUOP_down, 1, NULL);
	/* Brought up again: we carry on from here. */
	ap_back = 1;
	evtchn_port_op(EVTCHNOP_send, port_to0);
	vcpu_op(VCPUOP_down, 1, NULL);
	for (;;)
		yield();
}

static unsigned long l4_mfn(void)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;

	return p2m[(xtest_start_info->pt_base - VIRT_BASE) >> 12];
}

/* vCPU 1's first context: kernel mode on our page tables, its own stack, no GDT of its own. */
static void fill_context(void)
{
	memset(&ctx, 0, sizeof(ctx));
	ctx.flags = VGCF_in_kernel;
	ctx.regs.rip = (unsigned long)ap_main;
	ctx.regs.rsp = (unsigned long)(ap_stack + sizeof(ap_stack) - 8); /* as after a call */
	ctx.regs.cs = FLAT_KERNEL_CS64;
	ctx.regs.ss = FLAT_KERNEL_SS64;
	ctx.regs.rflags = 0x200;
	ctx.kernel_ss = FLAT_KERNEL_SS64;
	ctx.kernel_sp = ctx.regs.rsp;
	ctx.ctrlreg[3] = l4_mfn() << 12;
}

static long runstate_of(unsigned int vcpu)
{
	struct vcpu_runstate_info rs;
	long rc = vcpu_op(VCPUOP_get_runstate_info, vcpu, &rs);

	return rc ? rc : rs.state;
}

static void test_bring_up(void)
{
	long rc;

	xtest_check(vcpu_op(VCPUOP_is_up, 0, NULL) == 1, "is_up(0)");
	rc = vcpu_op(VCPUOP_is_up, 1, NULL);
	xtest_check(rc == 0, "is_up(1) before it started = %ld", rc);
	rc = vcpu_op(VCPUOP_is_up, 2, NULL);
	xtest_check(rc == -ENOENT, "is_up(2) on two CPUs = %ld", rc);
	rc = runstate_of(1);
	xtest_check(rc == RUNSTATE_offline, "runstate of vCPU 1 before it started = %ld", rc);
	rc = vcpu_op(VCPUOP_up, 1, NULL);
	xtest_check(rc == -EINVAL, "up(1) without a context = %ld", rc);
	rc = vcpu_op(VCPUOP_initialise, 1, NULL);
	xtest_check(rc == -EFAULT, "initialise(1, NULL) = %ld", rc);
	fill_context();
	rc = vcpu_op(VCPUOP_initialise, 0, &ctx);
	xtest_check(rc == -EEXIST, "initialise(0) = %ld", rc);
	rc = vcpu_op(VCPUOP_initialise, 2, &ctx);
	xtest_check(rc == -ENOENT, "initialise(2) = %ld", rc);
	rc = vcpu_op(VCPUOP_initialise, 1, &ctx);
	xtest_check(rc == 0, "initialise(1) = %ld", rc);
	rc = vcpu_op(VCPUOP_initialise, 1, &ctx);
	xtest_check(rc == -EEXIST, "second initialise(1) = %ld", rc);
	rc = vcpu_op(VCPUOP_is_up, 1, NULL);
	xtest_check(rc == 0, "is_up(1) after initialise = %ld", rc);
}

static void bind_ipis(void)
{
	struct evtchn_bind_ipi b0 = { .vcpu = 0 }, b1 = { .vcpu = 1 }, b2 = { .vcpu = 2 };
	struct evtchn_status st = { .dom = DOMID_SELF };
	uint32_t bv[2];
	long rc;

	xtest_check(evtchn_op(EVTCHNOP_bind_ipi, &b0) == 0, "bind_ipi(vcpu 0)");
	xtest_check(evtchn_op(EVTCHNOP_bind_ipi, &b1) == 0, "bind_ipi(vcpu 1)");
	rc = evtchn_op(EVTCHNOP_bind_ipi, &b2);
	xtest_check(rc == -ENOENT, "bind_ipi(vcpu 2) = %ld", rc);
	port_to0 = b0.port, port_to1 = b1.port;
	st.port = port_to1;
	rc = evtchn_op(EVTCHNOP_status, &st);
	xtest_check(rc == 0 && st.status == EVTCHNSTAT_ipi && st.vcpu == 1,
		    "status(ipi port) = %ld, status %u vcpu %u", rc, st.status, st.vcpu);
	bv[0] = port_to1, bv[1] = 0;
	rc = evtchn_op(EVTCHNOP_bind_vcpu, bv);
	xtest_check(rc == -EINVAL, "bind_vcpu of an IPI port = %ld", rc);
}

static void test_ping_pong(void)
{
	unsigned int i;

	for (i = 0; i < ROUNDS; i++) {
		evtchn_port_op(EVTCHNOP_send, port_to1);
		if (!take_event(port_to0))
			break;
	}
	xtest_check(i == ROUNDS && ap_rounds == ROUNDS, "ping-pong stopped at %u (vCPU 1: %lu)", i,
		    ap_rounds);
	if (ap_rounds == ROUNDS)
		printk("vCPU 1 answered %u IPIs\n", ROUNDS);
}

static void test_concurrent_calls(void)
{
	unsigned long bad;

	go_calls = true;
	bad = call_rounds();
	xtest_check(wait_for(&ap_calls_done, 1), "vCPU 1 did not finish its calls");
	xtest_check(bad == 0 && ap_bad_calls == 0, "wrong answers: vCPU 0 %lu, vCPU 1 %lu", bad,
		    ap_bad_calls);
}

/* vCPU 1 spins without a hypercall: it runs at the same time as we do, or never. */
static void test_side_by_side(void)
{
	unsigned int i, seen = 0;

	xtest_check(wait_for(&ap_spinning, 1), "vCPU 1 did not start spinning");
	for (i = 0; i < 20000 && !seen; i++)
		seen = runstate_of(1) == RUNSTATE_running;
	stop_spin = true;
	xtest_check(seen, "vCPU 1 never ran while vCPU 0 ran (%u looks)", i);
	if (seen)
		printk("vCPU 1 ran alongside vCPU 0\n");
}

static void test_down_up(void)
{
	unsigned long i;
	long rc = 1;

	for (i = 0; i < WAIT_LOOPS && rc != RUNSTATE_offline; i++) {
		yield();
		if (vcpu_op(VCPUOP_is_up, 1, NULL) == 0)
			rc = runstate_of(1);
	}
	xtest_check(rc == RUNSTATE_offline, "vCPU 1 after its VCPUOP_down: runstate %ld", rc);
	xtest_check(!ap_back, "vCPU 1 ran on while down");
	rc = vcpu_op(VCPUOP_up, 1, NULL);
	xtest_check(rc == 0, "up(1) again = %ld", rc);
	if (take_event(port_to0) && ap_back)
		printk("vCPU 1 came back up\n");
	else
		xtest_fail("vCPU 1 did not resume after VCPUOP_up");
}

/* The last vCPU going down ends the domain (poweroff); the verdict goes first. */
static void last_vcpu_down(void)
{
	long rc = 0;

	for (unsigned long i = 0; i < WAIT_LOOPS && vcpu_op(VCPUOP_is_up, 1, NULL) != 0; i++)
		yield();
	if (xtest_current_result() != XTEST_SUCCESS)
		return;
	printk("Test result: SUCCESS\n");
	rc = vcpu_op(VCPUOP_down, 0, NULL);
	printk("Error: VCPUOP_down of the last vCPU returned %ld\n", rc);
	for (;;)
		yield();
}

void test_main(void)
{
	if (!xtest_shared_info()) {
		xtest_error("shared_info not mapped");
		return;
	}
	xtest_shared_info()->vcpu_info[1].evtchn_upcall_mask = 1; /* vCPU 1 only polls */
	test_bring_up();
	bind_ipis();
	if (xtest_current_result() != XTEST_SUCCESS)
		return;
	xtest_check(vcpu_op(VCPUOP_up, 1, NULL) == 0, "up(1)");
	if (!wait_for(&ap_alive, 1)) {
		xtest_fail("vCPU 1 never ran");
		return;
	}
	test_ping_pong();
	test_concurrent_calls();
	test_side_by_side();
	test_down_up();
	last_vcpu_down();
}
