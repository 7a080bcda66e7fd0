/*
 * Events through HVM_PARAM_CALLBACK_IRQ of the vector type, the pvclock in
 * vcpu_info and VIRQ_TIMER. XENVER_get_features offers hvm_callback_vector
 * and hvm_safe_pvclock. With shared_info placed in the physmap and the
 * callback set to a vector, an IPI event sent to ourselves with interrupts
 * off leaves the port and upcall_pending set but nothing in the local
 * APIC's IRR; once interrupts are on the vector arrives without an ISR bit
 * (no EOI is needed), and it comes again while upcall_pending stays set.
 * The pvclock (vcpu_info.time) is even-versioned, scaled, and moves forward
 * with the TSC. No timer ticks unasked (HVM vCPUs have no periodic timer);
 * VCPUOP_set_singleshot_timer refuses a past deadline with
 * VCPU_SSHOTTMR_future (-ETIME; Xen fires it at once) and otherwise raises VIRQ_TIMER through
 * the callback once its deadline (50 ms ahead by the pvclock) is near, not
 * at once; so does set_timer_op.
 */
#include "xtest.h"
#include "hvm.h"
#include "memory-op.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");

#define HC_set_timer_op 15
#define HC_vcpu_op 24
#define HC_event_channel_op 32
#define HC_hvm_op 34
#define HVMOP_set_param 0
#define XENVER_get_features 6
#define VCPUOP_set_singleshot_timer 8
#define VCPU_SSHOTTMR_future 1
#define EVTCHNOP_bind_virq 1
#define EVTCHNOP_send 4
#define EVTCHNOP_bind_ipi 7
#define VIRQ_TIMER 0
#define ETIME 62

#define VEC_CALLBACK 0x36
#define MS 1000000UL
/*
 * The timers run TIMER_MS ahead and must not come before half of it by the
 * pvclock: Xen 4.17 under QEMU TCG keeps its HVM pvclock a few ms off its
 * own system time, which the timers follow.
 */
#define TIMER_MS 50

struct hvm_param {
	uint16_t domid, pad;
	uint32_t index;
	uint64_t value;
};

struct singleshot {
	uint64_t timeout_abs_ns;
	uint32_t flags, pad;
};

static char si_page[4096] __attribute__((aligned(4096)));
static volatile struct shared_info *si = (volatile struct shared_info *)si_page;
static volatile struct vcpu_info *vi;
static unsigned int ipi_port, timer_port;
static volatile unsigned int upcalls, ipi_events, timer_events, keep_pending;
static volatile int seen_isr, seen_irr;

static int take_pending(unsigned int port)
{
	unsigned long bit = 1UL << (port % 64);

	return (__atomic_fetch_and(&si->evtchn_pending[port / 64], ~bit, __ATOMIC_SEQ_CST) & bit) !=
	       0;
}

static void on_callback(unsigned int vec)
{
	upcalls++;
	if (keep_pending) {
		/*
		 * upcall_pending stays set: the vector must come again after the
		 * iret, with no exit on the way (no APIC access here).
		 */
		keep_pending--;
		return;
	}
	seen_isr |= apic_vec_bit(APIC_ISR, vec);
	seen_irr |= apic_vec_bit(APIC_IRR, vec);
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	ipi_events += take_pending(ipi_port);
	timer_events += take_pending(timer_port);
}

static void irq_window(void)
{
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
}

static void check_features(void)
{
	struct {
		uint32_t idx, map;
	} fi = { 0, 0 };
	long rc = hypercall(HC_xen_version, XENVER_get_features, (unsigned long)&fi, 0, 0, 0);

	xtest_check(rc == 0 && (fi.map & (1u << 8)) && (fi.map & (1u << 9)),
		    "features %ld %#x: want hvm_callback_vector and hvm_safe_pvclock", rc, fi.map);
}

static void setup(void)
{
	struct add_to_physmap x = { .domid = DOMID_SELF,
				    .space = XENMAPSPACE_shared_info,
				    .gpfn = (unsigned long)si_page >> 12 };
	struct hvm_param p = { .domid = DOMID_SELF,
			       .index = 0,
			       .value = (2UL << 56) | VEC_CALLBACK };
	struct {
		uint32_t vcpu, port;
	} ipi = { 0, 0 };
	struct {
		uint32_t virq, vcpu, port;
	} virq = { VIRQ_TIMER, 0, 0 };
	long rc;

	hvm_set_irq_handler(VEC_CALLBACK, on_callback);
	apic_write(APIC_SVR, 0x1ff);
	rc = hypercall(HC_memory_op, XENMEM_add_to_physmap, (unsigned long)&x, 0, 0, 0);
	xtest_check(rc == 0, "add_to_physmap(shared_info): %ld", rc);
	vi = &si->vcpu_info[0];
	rc = hypercall(HC_event_channel_op, EVTCHNOP_bind_ipi, (unsigned long)&ipi, 0, 0, 0);
	xtest_check(rc == 0, "EVTCHNOP_bind_ipi: %ld", rc);
	rc = hypercall(HC_event_channel_op, EVTCHNOP_bind_virq, (unsigned long)&virq, 0, 0, 0);
	xtest_check(rc == 0, "EVTCHNOP_bind_virq(VIRQ_TIMER): %ld", rc);
	ipi_port = ipi.port;
	timer_port = virq.port;
	si->evtchn_mask[ipi_port / 64] &= ~(1UL << (ipi_port % 64));
	si->evtchn_mask[timer_port / 64] &= ~(1UL << (timer_port % 64));
	/* Whatever was pending from before is taken with the first window. */
	vi->evtchn_upcall_mask = 0;
	rc = hypercall(HC_hvm_op, HVMOP_set_param, (unsigned long)&p, 0, 0, 0);
	xtest_check(rc == 0, "set CALLBACK_IRQ to vector %#x: %ld", VEC_CALLBACK, rc);
	irq_window();
	upcalls = ipi_events = timer_events = 0;
	seen_isr = seen_irr = 0;
}

static void send_ipi(void)
{
	long rc = hypercall(HC_event_channel_op, EVTCHNOP_send, (unsigned long)&ipi_port, 0, 0, 0);

	xtest_check(rc == 0, "EVTCHNOP_send: %ld", rc);
}

static void check_ipi_event(void)
{
	send_ipi();
	xtest_check(vi->evtchn_upcall_pending, "upcall_pending not set by a send");
	xtest_check(!apic_vec_bit(APIC_IRR, VEC_CALLBACK), "callback vector went through the IRR");
	xtest_check(upcalls == 0, "callback delivered with interrupts off");
	irq_window();
	xtest_check(upcalls == 1 && ipi_events == 1, "after one send: %u upcalls, %u IPI events",
		    upcalls, ipi_events);
	xtest_check(!seen_isr && !seen_irr, "callback vector in the ISR (%d) or IRR (%d)", seen_isr,
		    seen_irr);
	/* The handler leaves upcall_pending set once: the vector is offered again. */
	keep_pending = 1;
	send_ipi();
	irq_window();
	xtest_check(upcalls == 3 && ipi_events == 2,
		    "while pending: %u upcalls (want 3), %u events", upcalls, ipi_events);
}

static void check_pvclock(void)
{
	int ok = 1;
	uint64_t t0 = hvm_pvclock_now(&vi->time, &ok), t1;

	xtest_check(ok && !(vi->time.version & 1), "pvclock record: version %u, mul %u",
		    vi->time.version, vi->time.tsc_to_system_mul);
	for (unsigned int i = 0; i < 100000; i++)
		__asm__ volatile("pause");
	t1 = hvm_pvclock_now(&vi->time, &ok);
	xtest_check(t1 > t0 && t1 - t0 < 10000 * MS, "pvclock %lu then %lu", (unsigned long)t0,
		    (unsigned long)t1);
}

/* Wait with interrupts on for up to @ms of pvclock time or until @events moves. */
static void wait_events(volatile unsigned int *events, unsigned int start, uint64_t ms)
{
	int ok = 1;
	uint64_t end = hvm_pvclock_now(&vi->time, &ok) + ms * MS;

	while (*events == start && hvm_pvclock_now(&vi->time, &ok) < end)
		irq_window();
}

/* Arm a timer @ms ahead with @arm, wait for VIRQ_TIMER number @n, report how long it took. */
static void check_one_timer(const char *what, long (*arm)(uint64_t), unsigned int n)
{
	int ok = 1;
	uint64_t start = hvm_pvclock_now(&vi->time, &ok), took;
	long rc = arm(start + TIMER_MS * MS);

	xtest_check(rc == 0, "%s: %ld", what, rc);
	wait_events(&timer_events, n - 1, 2000);
	took = hvm_pvclock_now(&vi->time, &ok) - start;
	xtest_check(timer_events == n, "%s: %u VIRQ_TIMER events in all, want %u", what,
		    timer_events, n);
	xtest_check(took >= TIMER_MS * MS / 2, "%s: VIRQ_TIMER after %lu us of a %u ms timer", what,
		    (unsigned long)(took / 1000), TIMER_MS);
}

static long arm_singleshot(uint64_t deadline)
{
	struct singleshot s = { .timeout_abs_ns = deadline, .flags = 0 };

	return hypercall(HC_vcpu_op, VCPUOP_set_singleshot_timer, 0, (unsigned long)&s, 0, 0);
}

static long arm_set_timer_op(uint64_t deadline)
{
	return hypercall(HC_set_timer_op, deadline, 0, 0, 0, 0);
}

static void check_timers(void)
{
	struct singleshot s = { .timeout_abs_ns = 1, .flags = VCPU_SSHOTTMR_future };
	long rc;

	/* No ticker: nothing comes unasked in 30 ms. */
	wait_events(&timer_events, 0, 30);
	xtest_check(timer_events == 0, "%u VIRQ_TIMER events without a timer", timer_events);
	/*
	 * A passed deadline with VCPU_SSHOTTMR_future: Petrel refuses it (-ETIME,
	 * as the public header says); Xen 4.17.7 ignores the flag and raises the
	 * event at once (as the PV test time-timers also checks).
	 */
	rc = hypercall(HC_vcpu_op, VCPUOP_set_singleshot_timer, 0, (unsigned long)&s, 0, 0);
	if (xtest_on_petrel()) {
		xtest_check(rc == -ETIME, "singleshot in the past with _future: %ld, want -ETIME",
			    rc);
	} else {
		xtest_check(rc == 0, "singleshot in the past with _future on Xen: %ld", rc);
		wait_events(&timer_events, 0, 2000);
		xtest_check(timer_events == 1, "passed deadline on Xen: %u events", timer_events);
		timer_events = 0;
	}
	check_one_timer("VCPUOP_set_singleshot_timer", arm_singleshot, 1);
	check_one_timer("set_timer_op", arm_set_timer_op, 2);
}

void test_main(void)
{
	check_features();
	setup();
	check_ipi_event();
	check_pvclock();
	check_timers();
}
