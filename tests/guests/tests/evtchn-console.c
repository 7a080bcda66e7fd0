/*
 * Serial input for the control domain: with VIRQ_CONSOLE bound, what is
 * typed on COM1 raises VIRQ_CONSOLE and CONSOLEIO_read returns it. With
 * nothing typed (the usual unattended run) VIRQ_CONSOLE must stay quiet and
 * CONSOLEIO_read return 0. The domain's command line "wait=<ms>" sets how
 * long to wait for input (default 100 ms); to try it by hand, boot the test
 * with QEMU's serial on stdio and type a line.
 */
#include "xtest.h"
#include "evtchn.h"

#define HC_vcpu_op 24
#define HC_callback_op 30
#define VCPUOP_set_singleshot_timer 8
#define VCPUOP_register_vcpu_info 10
#define CONSOLEIO_read 1

struct vcpu_register_vcpu_info {
	uint64_t mfn;
	uint32_t offset, rsvd;
};

static struct vcpu_info *vi;
static char vi_page[4096] __attribute__((aligned(4096)));
static struct shared_info *sh;
static uint32_t console_port, timer_port;
static volatile unsigned long console_upcalls, timer_upcalls;

/* Which ports fired: each pending bit is taken (cleared) here, as a kernel would. */
static void event_handler(const unsigned long *frame)
{
	(void)frame;
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	if (evtchn_test_and_clear(console_port))
		console_upcalls++;
	if (evtchn_test_and_clear(timer_port))
		timer_upcalls++;
}

static uint32_t bind_virq(uint32_t virq)
{
	uint32_t b[3] = { virq, 0, 0 };
	long rc = hypercall(HC_event_channel_op, EVTCHNOP_bind_virq, (unsigned long)b, 0, 0, 0);

	xtest_check(rc == 0, "bind_virq(%u) = %ld", virq, rc);
	return b[2];
}

static uint64_t now(void)
{
	const volatile struct vcpu_time_info *t = &vi->time;
	uint32_t ver, lo, hi;
	uint64_t ns, d;

	do {
		ver = t->version;
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		d = (((uint64_t)hi << 32) | lo) - t->tsc_timestamp;
		d = t->tsc_shift < 0 ? d >> -t->tsc_shift : d << t->tsc_shift;
		ns = t->system_time +
		     (uint64_t)(((unsigned __int128)d * t->tsc_to_system_mul) >> 32);
	} while ((ver & 1) || ver != t->version);
	return ns;
}

static void spin_ns(uint64_t ns)
{
	uint64_t t0 = now();

	while (now() - t0 < ns)
		__asm__ volatile("pause");
}

static unsigned long wait_ms(void)
{
	return xtest_cmdline_num("wait", 100);
}

void test_main(void)
{
	xtest_event_hook = event_handler;
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;
	struct vcpu_register_vcpu_info r = {
		.mfn = p2m[((unsigned long)vi_page - 0xffffffff80000000UL) >> 12],
	};
	struct {
		uint16_t type, flags;
		uint32_t pad;
		unsigned long address;
	} cb = { 0, 0, 0, (unsigned long)xtest_event_entry };
	struct {
		uint64_t deadline;
		uint32_t flags, pad;
	} sst;
	char buf[128];
	long rc, n;

	sh = xtest_shared_info();
	if (!sh) {
		xtest_skip("shared_info could not be mapped");
		return;
	}
	rc = hypercall(HC_vcpu_op, VCPUOP_register_vcpu_info, 0, (unsigned long)&r, 0, 0);
	xtest_check(rc == 0, "register_vcpu_info = %ld", rc);
	if (rc)
		return;
	vi = (struct vcpu_info *)vi_page;
	rc = hypercall(HC_callback_op, 0, (unsigned long)&cb, 0, 0, 0);
	xtest_check(rc == 0, "register event callback = %ld", rc);
	console_port = bind_virq(VIRQ_CONSOLE);
	timer_port = bind_virq(VIRQ_TIMER);
	/*
	 * The periodic timer ticks every 10 ms until it is stopped: waiting
	 * longer than that leaves the timer port pending (events are still
	 * masked), every time rather than by chance. That tick is taken here: a
	 * port already pending raises no upcall when it is raised again, so the
	 * single-shot timer's event would never come. The stale upcall_pending
	 * only brings an upcall that finds no port.
	 */
	spin_ns(15 * 1000000UL);
	hypercall(HC_vcpu_op, 7 /* stop_periodic_timer */, 0, 0, 0, 0);
	evtchn_test_and_clear(timer_port);
	vi->evtchn_upcall_mask = 0;

	printk("type a line now (waiting %lu ms)\n", wait_ms());
	sst.deadline = now() + wait_ms() * 1000000UL;
	sst.flags = 0;
	rc = hypercall(HC_vcpu_op, VCPUOP_set_singleshot_timer, 0, (unsigned long)&sst, 0, 0);
	xtest_check(rc == 0, "set_singleshot_timer = %ld", rc);
	while (!console_upcalls && !timer_upcalls)
		hypercall_sched_op(SCHEDOP_block, NULL);

	n = hypercall(HC_console_io, CONSOLEIO_read, sizeof(buf) - 1, (unsigned long)buf, 0, 0);
	if (!console_upcalls) {
		xtest_check(n == 0, "CONSOLEIO_read returned %ld with nothing typed", n);
		printk("no console input: VIRQ_CONSOLE stayed quiet\n");
		return;
	}
	xtest_check(n > 0, "VIRQ_CONSOLE came but CONSOLEIO_read returned %ld", n);
	if (n > 0) {
		buf[n] = '\0';
		for (long i = 0; i < n; i++)
			if (buf[i] == '\r' || buf[i] == '\n')
				buf[i] = ' ';
		printk("console input: %s\n", buf);
	}
}
