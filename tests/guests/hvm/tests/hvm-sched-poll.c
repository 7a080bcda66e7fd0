/*
 * SCHEDOP_poll from an HVM guest, in 32-bit and in 64-bit mode.
 *
 * 32-bit protected mode (the PVH entry state) runs a table of hypercalls
 * with Xen's compat layouts (sched_poll: 32-bit ports handle @0, nr_ports
 * @4, timeout @8): shared_info placed on a page of the image, an IPI port
 * bound, then polls: 129 ports -EINVAL; {port, 0x10000} -EINVAL while the
 * port is idle (the invalid second entry is read); {port} with a timeout of
 * 1 ns (long past) returns 0; after a send, {port, 0x10000} returns 0 (the
 * pending first entry ends the scan).
 *
 * 64-bit mode checks the same refusals in the native layout, -EFAULT for a
 * list at an unmapped address, that a poll with a timeout 50 ms ahead
 * sleeps (at least half of it by the pvclock: Xen 4.17 under QEMU TCG
 * keeps its HVM pvclock a few ms off its system time) and leaves the port
 * idle, that a pending port returns at once, and that VIRQ_TIMER raised by
 * set_timer_op ends a poll on its port that has no timeout. upcall_pending
 * and every selector bit stay set throughout, so no upcall edge wakes the
 * vCPU: only the polled port does.
 */
#include "xtest.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");

#define HC_set_timer_op 15
#define HC_event_channel_op 32
#define EVTCHNOP_bind_virq 1
#define EVTCHNOP_send 4
#define VIRQ_TIMER 0
#define SCHEDOP_poll 3
#define EINVAL 22
#define EFAULT 14
#define MS 1000000UL
#define BAD_PORT 0x10000

/* Rows for hvm_calls32; each rc starts at 0x5a5a. */
extern struct hvm_call32 early32_calls[], early32_calls_end[];
extern uint32_t early32_ipi[3]; /* bind_ipi { vcpu, port }, then BAD_PORT */
uint32_t early32_si[1024] __attribute__((aligned(4096))) = { [16] = 0xa5a5a5a5 };

__asm__(".pushsection .data\n"
	".balign 8\n"
	".globl early32_ipi\n"
	"early32_ipi: .long 0, 0, 0x10000\n"
	/* add_to_physmap { DOMID_SELF, size 0, shared_info, idx 0, gpfn (set at run time) } */
	"early32_atp: .short 0x7ff0, 0\n"
	"	.long 0, 0, 0\n"
	/* sched_poll, compat: ports, nr_ports, timeout low, timeout high */
	"early32_poll_many: .long early32_ipi + 4, 129, 0, 0\n"
	"early32_poll_two: .long early32_ipi + 4, 2, 0, 0\n"
	"early32_poll_past: .long early32_ipi + 4, 1, 1, 0\n"
	"	.long 0, 0\n" /* a 64-bit reading would find timeout 0 here */
	".globl early32_calls, early32_calls_end\n"
	"early32_calls:\n"
	"	.long 12, 7, early32_atp, 0x5a5a\n"	  /* memory_op add_to_physmap */
	"	.long 32, 7, early32_ipi, 0x5a5a\n"	  /* bind_ipi */
	"	.long 29, 3, early32_poll_many, 0x5a5a\n" /* -EINVAL */
	"	.long 29, 3, early32_poll_two, 0x5a5a\n"  /* -EINVAL: idle port, bad port */
	"	.long 29, 3, early32_poll_past, 0x5a5a\n" /* 0 once the timeout passed */
	"	.long 32, 4, early32_ipi + 4, 0x5a5a\n"	  /* send */
	"	.long 29, 3, early32_poll_two, 0x5a5a\n"  /* 0: the port is pending */
	"early32_calls_end:\n"
	".popsection\n");

__asm__(HVM_EARLY32("	movl $early32_si, %eax\n"
		    "	shrl $12, %eax\n"
		    "	movl %eax, early32_atp + 12\n"));

static volatile struct shared_info *si = (volatile struct shared_info *)early32_si;
static volatile struct vcpu_info *vi;

struct poll64 {
	uint32_t *ports;
	uint32_t nr_ports;
	uint64_t timeout;
};

static long poll(uint32_t *ports, uint32_t nr, uint64_t timeout)
{
	struct poll64 p = { .ports = ports, .nr_ports = nr, .timeout = timeout };

	return hypercall(HC_sched_op, SCHEDOP_poll, (unsigned long)&p, 0, 0, 0);
}

static int take_pending(uint32_t port)
{
	unsigned long bit = 1UL << (port % 64);

	return (__atomic_fetch_and(&si->evtchn_pending[port / 64], ~bit, __ATOMIC_SEQ_CST) & bit) !=
	       0;
}

static uint64_t now(void)
{
	int ok = 1;
	uint64_t t = hvm_pvclock_now(&vi->time, &ok);

	xtest_check(ok, "pvclock record looks wrong");
	return t;
}

static void check_32bit(void)
{
	static const int32_t want[] = { 0, 0, -EINVAL, -EINVAL, 0, 0, 0 };
	static const char *const what[] = { "add_to_physmap(shared_info)",
					    "bind_ipi",
					    "poll 129 ports",
					    "poll {idle port, 0x10000}",
					    "poll with a past timeout",
					    "send",
					    "poll {pending port, 0x10000}" };
	unsigned int n = (unsigned int)(early32_calls_end - early32_calls);

	xtest_check(n == sizeof(want) / sizeof(want[0]), "%u 32-bit calls", n);
	for (unsigned int i = 0; i < n && i < sizeof(want) / sizeof(want[0]); i++)
		xtest_check(early32_calls[i].rc == want[i], "32-bit %s: %d, want %d", what[i],
			    early32_calls[i].rc, want[i]);
	xtest_check(early32_si[16] != 0xa5a5a5a5,
		    "the page still holds its pattern, not shared_info");
	xtest_check(take_pending(early32_ipi[1]), "IPI port %u not pending after the send",
		    early32_ipi[1]);
}

static void check_refusals(uint32_t *list)
{
	long rc;

	rc = poll(list, 129, 0);
	xtest_check(rc == -EINVAL, "poll of 129 ports: %ld, want -EINVAL", rc);
	rc = poll(list, 2, 0);
	xtest_check(rc == -EINVAL, "poll {idle port, 0x10000}: %ld, want -EINVAL", rc);
	rc = poll((uint32_t *)(32UL << 30), 1, 0);
	xtest_check(rc == -EFAULT, "poll of a list at 32 GiB (unmapped): %ld, want -EFAULT", rc);
}

static void check_timeout(uint32_t *list)
{
	uint64_t t0 = now(), took;
	long rc = poll(list, 1, t0 + 50 * MS);

	took = now() - t0;
	xtest_check(rc == 0, "poll with a timeout: %ld", rc);
	xtest_check(took >= 25 * MS, "poll with a 50 ms timeout came back after %lu us",
		    (unsigned long)(took / 1000));
	xtest_check(!take_pending(list[0]), "the idle port became pending");
}

static void check_pending(uint32_t *list)
{
	long rc = hypercall(HC_event_channel_op, EVTCHNOP_send, (unsigned long)list, 0, 0, 0);

	xtest_check(rc == 0, "send: %ld", rc);
	rc = poll(list, 2, 0); /* no timeout: only the pending port can end it */
	xtest_check(rc == 0, "poll {pending port, 0x10000}: %ld, want 0", rc);
	xtest_check(take_pending(list[0]), "the sent port is not pending");
}

static void check_timer_wakes(void)
{
	uint32_t bind[3] = { VIRQ_TIMER, 0, 0 };
	uint64_t t0;
	long rc = hypercall(HC_event_channel_op, EVTCHNOP_bind_virq, (unsigned long)bind, 0, 0, 0);

	xtest_check(rc == 0, "bind_virq(VIRQ_TIMER): %ld", rc);
	if (rc)
		return;
	t0 = now();
	rc = hypercall(HC_set_timer_op, t0 + 50 * MS, 0, 0, 0, 0);
	xtest_check(rc == 0, "set_timer_op: %ld", rc);
	rc = poll(&bind[2], 1, 0);
	xtest_check(rc == 0, "poll on the timer port: %ld", rc);
	xtest_check(take_pending(bind[2]), "poll came back before VIRQ_TIMER (port %u)", bind[2]);
	xtest_check(now() - t0 >= 25 * MS, "VIRQ_TIMER 50 ms ahead came after %lu us",
		    (unsigned long)((now() - t0) / 1000));
}

void test_main(void)
{
	vi = &si->vcpu_info[0];
	/* No upcall edge may wake a poll: only the polled port. */
	vi->evtchn_pending_sel = ~0UL;
	vi->evtchn_upcall_pending = 1;
	check_32bit();
	check_refusals(&early32_ipi[1]);
	check_timeout(&early32_ipi[1]);
	check_pending(&early32_ipi[1]);
	check_timer_wakes();
}
