/*
 * XEN_DOMCTL_destroydomain of a big domain, as Xen 4.17's domain_kill does
 * it: in steps, the domctl continued (the hypervisor rewinds our syscall
 * and we issue it again) until the domain is dead; the caller sees one
 * call that returns 0. The control domain gives a new domain DESTROY_PAGES
 * frames (at most three quarters of the free memory), runs its periodic
 * timer (VIRQ_TIMER, 1 ms) with events unmasked, and destroys the domain:
 * the result is 0, physinfo's free pages come back to the page, and our
 * timer goes on ticking afterwards. Timer upcalls that arrive at the
 * rewound syscall while the destroy runs (each one a continuation that let
 * our events through) are counted and printed; how many depends on how
 * long the destroy takes, so they are not judged. A second destroy of the
 * gone domain: Petrel -ESRCH (docs/abi-status.md); Xen 4.17 0 or -ESRCH.
 */
#include "builder.h"
#include "evtchn.h"
#include "memory-op.h"
#include "pvclock.h"

/* Room for the big domain; Xen's boot-time scrub would hold free memory back (Petrel ignores it). */
TEST_HV_ARGS("dom0_mem=64M bootscrub=false");

#define HC_vcpu_op 24
#define HC_callback_op 30
#define VCPUOP_set_periodic_timer 6
#define VCPUOP_stop_periodic_timer 7
#define EVTCHNOP_bind_virq 1
#define VIRQ_TIMER 0
#define ESRCH 3
#define DESTROY_PAGES 65536UL
#define CHUNK 512

static unsigned long extents[CHUNK];
static struct vcpu_info *vi;
static uint32_t timer_port;
static volatile int in_destroy;
static volatile unsigned long ticks, ticks_in_destroy, at_rewound_syscall;

/* A timer upcall; one that interrupts a syscall instruction came in a continuation. */
static void event_handler(const unsigned long *frame)
{
	const uint8_t *rip = (const uint8_t *)frame[0];

	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	if (!evtchn_test_and_clear(timer_port))
		return;
	ticks++;
	if (!in_destroy)
		return;
	ticks_in_destroy++;
	if (rip[0] == 0x0f && rip[1] == 0x05)
		at_rewound_syscall++;
}

static void start_timer(void)
{
	struct {
		uint16_t type, flags;
		uint32_t pad;
		unsigned long address;
	} cb = { 0 /* event */, 0, 0, (unsigned long)xtest_event_entry };
	uint32_t b[3] = { VIRQ_TIMER, 0, 0 };
	uint64_t period = 1000000;
	long rc;

	vi = &xtest_shared_info()->vcpu_info[0];
	xtest_event_hook = event_handler;
	rc = hypercall(HC_callback_op, 0 /* register */, (unsigned long)&cb, 0, 0, 0);
	xtest_check(rc == 0, "register event callback = %ld", rc);
	rc = hypercall(HC_event_channel_op, EVTCHNOP_bind_virq, (unsigned long)b, 0, 0, 0);
	xtest_check(rc == 0, "bind_virq(TIMER) = %ld", rc);
	timer_port = b[2];
	rc = hypercall(HC_vcpu_op, VCPUOP_set_periodic_timer, 0, (unsigned long)&period, 0, 0);
	xtest_check(rc == 0, "set_periodic_timer(1 ms) = %ld", rc);
	vi->evtchn_upcall_mask = 0;
}

/*
 * Spin until @n more ticks came; false if none did in 10 s of guest time
 * (the periodic timer runs only while the vCPU runs, so no blocking).
 */
static bool ticks_go_on(unsigned long n)
{
	unsigned long want = ticks + n;
	uint64_t t0 = pvclock_read(&vi->time);

	while (ticks < want && pvclock_read(&vi->time) - t0 < 10000000000UL)
		__asm__ volatile("pause");
	return ticks >= want;
}

/* Give @dom @n frames at pfn 0 on; the number it got. */
static unsigned long populate(uint16_t dom, unsigned long n)
{
	unsigned long done = 0;

	while (done < n) {
		unsigned long k = n - done < CHUNK ? n - done : CHUNK;
		struct reservation r = { extents, k, 0, 0, dom };
		long rc;

		for (unsigned long i = 0; i < k; i++)
			extents[i] = done + i;
		rc = hypercall(HC_memory_op, XENMEM_populate_physmap, (unsigned long)&r, 0, 0, 0);
		if (rc <= 0)
			break;
		done += (unsigned long)rc;
	}
	return done;
}

void test_main(void)
{
	uint64_t free0 = builder_settled_free(), after;
	unsigned long pages = DESTROY_PAGES, got;
	struct dctl op;
	uint16_t dom;
	long rc;

	if (pages > free0 * 3 / 4)
		pages = free0 * 3 / 4;
	start_timer();
	xtest_check(ticks_go_on(3), "the timer does not tick before the destroy");
	dom = builder_create();
	memset(&op, 0, sizeof(op));
	op.u.max_memkb = pages * 4;
	xtest_check(domctl(XEN_DOMCTL_max_mem, dom, &op) == 0, "max_mem refused");
	got = populate(dom, pages);
	xtest_check(got == pages, "populated %lu of %lu frames", got, pages);
	memset(&op, 0, sizeof(op));
	xtest_check(domctl(XEN_DOMCTL_getdomaininfo, dom, &op) == 0 && op.domain == dom &&
			    op.u.info.tot_pages == got,
		    "getdomaininfo: tot_pages %lu, want %lu", (unsigned long)op.u.info.tot_pages,
		    got);
	memset(&op, 0, sizeof(op));
	in_destroy = 1;
	rc = domctl(XEN_DOMCTL_destroydomain, dom, &op);
	in_destroy = 0;
	xtest_check(rc == 0, "destroydomain = %ld", rc);
	printk("destroy of %lu frames: %lu timer upcalls meanwhile, %lu at the rewound syscall\n",
	       got, ticks_in_destroy, at_rewound_syscall);
	after = builder_wait_free(free0);
	xtest_check(after == free0, "free pages %lu after the destroy, %lu before",
		    (unsigned long)after, (unsigned long)free0);
	xtest_check(ticks_go_on(3), "the timer stopped ticking after the destroy");
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_destroydomain, dom, &op);
	xtest_check(rc == -ESRCH || (!xtest_on_petrel() && rc == 0),
		    "second destroydomain = %ld", rc);
	hypercall(HC_vcpu_op, VCPUOP_stop_periodic_timer, 0, 0, 0, 0);
}
