/*
 * Upcall delivery: a pending, unmasked event enters the callback registered
 * with callback_op on the way back from any hypercall, with Xen's frame
 * {rcx, r11, rip, cs, rflags, rsp, ss}, events masked; the callback returns
 * with the iret hypercall, which restores the mask from rflags.IF. A masked
 * upcall waits; SCHEDOP_block unmasks and returns at once when one is
 * pending. Also callback_op's and set_callbacks' error values.
 */
#include "xtest.h"
#include "evtchn.h"

#define HC_set_callbacks 4
#define HC_vcpu_op 24
#define HC_callback_op 30

#define VCPUOP_register_vcpu_info 10
#define CALLBACKOP_register 0
#define CALLBACKOP_unregister 1
#define CALLBACKTYPE_event 0
#define CALLBACKTYPE_failsafe 1
#define CALLBACKTYPE_syscall 2
#define CALLBACKTYPE_nmi 4
#define CALLBACKF_mask_events 1

#define EINVAL 22
#define ENOSYS 38

struct callback_register {
	uint16_t type, flags;
	uint32_t pad;
	unsigned long address;
};

struct vcpu_register_vcpu_info {
	uint64_t mfn;
	uint32_t offset, rsvd;
};

static struct vcpu_info *vi;
static char vi_page[4096] __attribute__((aligned(4096)));

/* What the callback saw. */
static volatile unsigned long upcalls, seen_cs, seen_rflags, seen_rip;
static volatile unsigned int seen_mask;

extern char after_send[];

/* Called by the library's event callback (lib/events.S) with Xen's frame. */
static void event_handler(const unsigned long *frame)
{
	seen_rip = frame[0];
	seen_cs = frame[1];
	seen_rflags = frame[2];
	seen_mask = vi->evtchn_upcall_mask;
	upcalls++;
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
}

static long register_cb(uint16_t type, uint16_t flags, unsigned long address)
{
	struct callback_register r = { .type = type, .flags = flags, .address = address };

	return hypercall(HC_callback_op, CALLBACKOP_register, (unsigned long)&r, 0, 0, 0);
}

static uint32_t new_ipi(void)
{
	uint32_t b[2] = { 0, 0 };
	long rc = evtchn_op(EVTCHNOP_bind_ipi, b);

	xtest_check(rc == 0, "bind_ipi = %ld", rc);
	return b[1];
}

/* The send hypercall, with a label on the instruction after the syscall. */
static __attribute__((noinline)) long send_marked(uint32_t port)
{
	register unsigned long r10 __asm__("r10") = 0;
	register unsigned long r8 __asm__("r8") = 0;
	unsigned long a1 = EVTCHNOP_send, a2 = (unsigned long)&port, a3 = 0;
	long ret;

	__asm__ volatile("syscall\n"
			 ".globl after_send\n"
			 "after_send:"
			 : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 : "a"((unsigned long)HC_event_channel_op)
			 : "rcx", "r11", "memory");
	return ret;
}

static void own_vcpu_info(void)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;
	unsigned long pfn = ((unsigned long)vi_page - 0xffffffff80000000UL) >> 12;
	struct vcpu_register_vcpu_info r = { .mfn = p2m[pfn], .offset = 0 };
	long rc = hypercall(HC_vcpu_op, VCPUOP_register_vcpu_info, 0, (unsigned long)&r, 0, 0);

	if (rc) {
		xtest_fail("register_vcpu_info returned %ld", rc);
		xtest_exit();
	}
	vi = (struct vcpu_info *)vi_page;
}

static void test_callback_errors(void)
{
	struct {
		uint16_t type, unused;
	} un = { CALLBACKTYPE_event, 0 };
	long rc;

	rc = register_cb(9, 0, (unsigned long)xtest_event_entry);
	xtest_check(rc == -ENOSYS, "register type 9 = %ld", rc);
	rc = register_cb(CALLBACKTYPE_event, 0, 0x0000800000000000UL);
	xtest_check(rc == -EINVAL, "non-canonical callback = %ld", rc);
	rc = hypercall(HC_callback_op, CALLBACKOP_unregister, (unsigned long)&un, 0, 0, 0);
	xtest_check(rc == -EINVAL, "unregister(event) = %ld", rc);
	un.type = CALLBACKTYPE_nmi;
	rc = hypercall(HC_callback_op, CALLBACKOP_unregister, (unsigned long)&un, 0, 0, 0);
	xtest_check(rc == 0, "unregister(nmi) = %ld", rc);
	rc = hypercall(HC_callback_op, 7, (unsigned long)&un, 0, 0, 0);
	xtest_check(rc == -ENOSYS, "callback_op 7 = %ld", rc);
	rc = register_cb(CALLBACKTYPE_failsafe, CALLBACKF_mask_events,
			 (unsigned long)xtest_event_entry);
	xtest_check(rc == 0, "register failsafe = %ld", rc);
	rc = register_cb(CALLBACKTYPE_syscall, CALLBACKF_mask_events,
			 (unsigned long)xtest_event_entry);
	xtest_check(rc == 0, "register syscall = %ld", rc);
	/* set_callbacks always answers 0. */
	rc = hypercall(HC_set_callbacks, 0, 0, 0, 0, 0);
	xtest_check(rc == 0, "set_callbacks(0, 0, 0) = %ld", rc);
}

void test_main(void)
{
	xtest_event_hook = event_handler;
	uint32_t port;
	long rc;

	own_vcpu_info();
	test_callback_errors();
	rc = register_cb(CALLBACKTYPE_event, 0, (unsigned long)xtest_event_entry);
	xtest_check(rc == 0, "register event callback = %ld", rc);

	/* Nothing pending, events unmasked: no upcall. */
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	vi->evtchn_upcall_mask = 0;
	hypercall_xen_version(XENVER_version, NULL);
	xtest_check(upcalls == 0, "%lu upcalls with nothing pending", upcalls);

	/* Sending an IPI to ourselves: delivered on the way back from send. */
	port = new_ipi();
	rc = send_marked(port);
	xtest_check(rc == 0, "send = %ld (rax not preserved across the upcall?)", rc);
	xtest_check(upcalls == 1, "%lu upcalls after send", upcalls);
	xtest_check(seen_rip == (unsigned long)after_send, "frame rip %#lx, expected %p", seen_rip,
		    after_send);
	xtest_check((seen_cs & 3) == 0, "frame cs %#lx: not RPL 0 for kernel mode", seen_cs);
	xtest_check(((seen_cs >> 32) & 0xff) == 0, "frame cs %#lx: saved mask not 0", seen_cs);
	xtest_check(seen_rflags & 0x200, "frame rflags %#lx: IF clear", seen_rflags);
	xtest_check(seen_mask == 1, "events were not masked in the callback");
	xtest_check(vi->evtchn_upcall_mask == 0, "iret did not unmask (mask %u)",
		    vi->evtchn_upcall_mask);

	/* Masked: the upcall waits, SCHEDOP_block unmasks and delivers it at once. */
	evtchn_op(EVTCHNOP_close, &port);
	port = new_ipi();
	vi->evtchn_upcall_mask = 1;
	rc = send_marked(port);
	xtest_check(upcalls == 1 && vi->evtchn_upcall_pending == 1,
		    "masked: %lu upcalls, pending %u", upcalls, vi->evtchn_upcall_pending);
	rc = hypercall_sched_op(SCHEDOP_block, NULL);
	xtest_check(rc == 0, "SCHEDOP_block = %ld", rc);
	xtest_check(upcalls == 2, "%lu upcalls after block", upcalls);
	xtest_check(vi->evtchn_upcall_mask == 0, "block left events masked");

	/* The old sched_op_compat (6): yield, and block with an upcall pending. */
	rc = hypercall(6, SCHEDOP_yield, 0, 0, 0, 0);
	xtest_check(rc == 0, "sched_op_compat(yield) = %ld", rc);
	rc = hypercall(6, 9, 0, 0, 0, 0);
	xtest_check(rc == -ENOSYS, "sched_op_compat(9) = %ld", rc);
	evtchn_op(EVTCHNOP_close, &port);
	port = new_ipi();
	vi->evtchn_upcall_mask = 1;
	send_marked(port);
	xtest_check(upcalls == 2, "masked upcall delivered (%lu)", upcalls);
	rc = hypercall(6, SCHEDOP_block, 0, 0, 0, 0);
	xtest_check(rc == 0, "sched_op_compat(block) = %ld", rc);
	xtest_check(upcalls == 3, "%lu upcalls after compat block", upcalls);
	printk("upcalls delivered: %lu\n", upcalls);
}

TEST_EXPECT("upcalls delivered: 3");
