/*
 * A frame that becomes a page table must not stay writable in any CPU's
 * TLB. vCPU 1 (on another CPU) writes a page of the test, so that its TLB
 * holds a writable translation of it; vCPU 0 then removes the page's only
 * mapping without flushing vCPU 1 (update_va_mapping, INVLPG of its own
 * TLB only) and pins the frame as an L1 table. The hypervisor's flush for
 * that type change must reach vCPU 1's CPU: vCPU 1's next write to the page
 * faults (#PF), and the table keeps the empty entry. A missed flush lets the
 * write land in the pinned table (QEMU's TCG keeps a TLB per CPU).
 * Each round does it twice: with vCPU 1 spinning in the guest, and with
 * vCPU 1 blocked in SCHEDOP_poll (its CPU idle, vCPU 0 waits to see it
 * blocked) until vCPU 0 sends on its IPI port after the pin. Then twice
 * more with the guest's own flush instead: vCPU 0 makes the page read-only
 * with update_va_mapping(UVMF_TLB_FLUSH | UVMF_ALL), and vCPU 1's write
 * must fault.
 */
#include "xtest.h"
#include "vcpu-start.h"
#include "evtchn.h"

TEST_SMP("2");
TEST_HV_ARGS("tlb_holders");
TEST_EXPECT("stale TLB: 20x2 pins, 20x2 guest flushes, every stale write faulted");

#define HC_mmuext_op 26
#define MMUEXT_PIN_L1_TABLE 0
#define MMUEXT_UNPIN_TABLE 4
#define VCPUOP_get_runstate_info 4
#define RUNSTATE_blocked 2
#define VIRT_BASE 0xffffffff80000000UL
#define ROUNDS 20
#define UVMF_ALL (1UL << 2)
/* A phase is 4 * round + kind: */
#define BLOCKED 1		  /* vCPU 1 blocks instead of spinning */
#define GUEST_FLUSH 2		  /* read-only by the guest's own flush, instead of the pin */
#define SLOT 37			  /* the table entry vCPU 1 writes */
#define MARK 0x00000000bad00000UL /* a not-present entry: harmless if it lands */

struct mmuext_op {
	unsigned int cmd;
	unsigned long arg1, arg2;
};

struct vcpu_runstate_info {
	int state;
	uint64_t state_entry_time;
	uint64_t time[4];
};

void xtest_install_traps(void); /* lib/traps.c */

static volatile uint64_t target[512] __attribute__((aligned(4096)));
static char ap_stack[16384] __attribute__((aligned(16)));
/* The phase vCPU 1 is to do, has warmed, has finished. */
static volatile unsigned long ap_alive, todo, warm, pinned, done;
static volatile unsigned long faults, wrong_faults;
static uint32_t wake_port;

static long mmuext(unsigned int cmd, unsigned long arg1)
{
	struct mmuext_op op = { cmd, arg1, 0 };

	return hypercall(HC_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
}

static unsigned long target_mfn(void)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;

	return p2m[((unsigned long)target - VIRT_BASE) >> 12];
}

static void write_mark(void *p)
{
	*(volatile uint64_t *)p = MARK;
}

/* vCPU 1's write after the pin: it must fault. */
static void stale_write(void)
{
	struct xtest_fault f;

	if (!xtest_catch(write_mark, (void *)&target[SLOT], &f))
		return;
	if (f.vector == X86_EXC_PF)
		__atomic_fetch_add(&faults, 1, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_add(&wrong_faults, 1, __ATOMIC_SEQ_CST);
}

static void ap_phase(unsigned long phase)
{
	target[SLOT] = 0; /* a writable TLB entry for the page */
	__atomic_store_n(&warm, phase, __ATOMIC_SEQ_CST);
	if (phase & BLOCKED) {
		while (__atomic_load_n(&pinned, __ATOMIC_SEQ_CST) != phase)
			evtchn_poll_pending(wake_port, 1);
		evtchn_test_and_clear(wake_port);
	} else {
		/* Spin in the guest, touching nothing but the flags' page. */
		while (__atomic_load_n(&pinned, __ATOMIC_SEQ_CST) != phase)
			__asm__ volatile("pause");
	}
	stale_write();
	__atomic_store_n(&done, phase, __ATOMIC_SEQ_CST);
}

static __attribute__((noreturn)) void ap_main(void)
{
	unsigned long last = 0;

	xtest_install_traps();
	ap_alive = 1;
	for (;;) {
		unsigned long phase = __atomic_load_n(&todo, __ATOMIC_SEQ_CST);

		if (phase != last)
			ap_phase(last = phase);
	}
}

static bool vcpu1_blocked(void)
{
	struct vcpu_runstate_info rs;

	return vcpu_op(VCPUOP_get_runstate_info, 1, &rs) == 0 && rs.state == RUNSTATE_blocked;
}

static bool wait_for(volatile unsigned long *flag, unsigned long want)
{
	for (unsigned long i = 0; i < 2000000000UL; i++) {
		if (__atomic_load_n(flag, __ATOMIC_SEQ_CST) == want)
			return true;
		__asm__ volatile("pause");
	}
	return false;
}

/* One phase: 0 if vCPU 1 did its part, else an error already reported. */
static int run_phase(unsigned long phase)
{
	unsigned long va = (unsigned long)target, mfn = target_mfn();
	uint64_t pte = (mfn << 12) | PTE_P | PTE_RW | PTE_A | PTE_D;
	long rc;

	__atomic_store_n(&todo, phase, __ATOMIC_SEQ_CST);
	if (!wait_for(&warm, phase))
		return xtest_error("vCPU 1 did not start phase %lu", phase), -1;
	if (phase & BLOCKED) {
		for (unsigned int i = 0; !vcpu1_blocked(); i++)
			if (i > 100000)
				return xtest_error("vCPU 1 never blocked in phase %lu", phase), -1;
	}
	if (phase & GUEST_FLUSH) {
		rc = hypercall_update_va_mapping(va, pte & ~PTE_RW, UVMF_TLB_FLUSH | UVMF_ALL);
		xtest_check(rc == 0, "making the target read-only: %ld", rc);
		rc = -1; /* nothing to unpin */
	} else {
		rc = hypercall_update_va_mapping(va, 0, UVMF_INVLPG);
		xtest_check(rc == 0, "unmapping the target: %ld", rc);
		rc = mmuext(MMUEXT_PIN_L1_TABLE, mfn);
		xtest_check(rc == 0, "pinning the target as an L1 table: %ld", rc);
	}
	__atomic_store_n(&pinned, phase, __ATOMIC_SEQ_CST);
	if (phase & BLOCKED)
		evtchn_port_op(EVTCHNOP_send, wake_port);
	if (!xtest_wait_flag(&done, phase))
		return xtest_error("vCPU 1 did not finish phase %lu", phase), -1;
	if (rc == 0) {
		rc = mmuext(MMUEXT_UNPIN_TABLE, mfn);
		xtest_check(rc == 0, "unpinning the target: %ld", rc);
	}
	rc = hypercall_update_va_mapping(va, pte, UVMF_INVLPG);
	xtest_check(rc == 0, "mapping the target again: %ld", rc);
	xtest_check(target[SLOT] == 0, "phase %lu: a stale write landed (%#lx)", phase,
		    (unsigned long)target[SLOT]);
	target[SLOT] = 0;
	return 0;
}

void test_main(void)
{
	struct evtchn_bind_ipi b = { .vcpu = 1 };
	long rc;

	if (vcpu_op(VCPUOP_is_up, 1, NULL) < 0) {
		xtest_skip("dom0 has one vCPU");
		return;
	}
	if (!xtest_shared_info() || evtchn_op(EVTCHNOP_bind_ipi, &b) != 0) {
		xtest_error("no shared_info or IPI port for vCPU 1");
		return;
	}
	wake_port = b.port;
	rc = xtest_vcpu_start(1, ap_main, ap_stack, sizeof(ap_stack));
	if (rc || !xtest_wait_flag(&ap_alive, 1)) {
		xtest_fail("vCPU 1 did not start (%ld)", rc);
		return;
	}
	for (unsigned long round = 1; round <= ROUNDS; round++)
		for (unsigned long kind = 0; kind < 4; kind++)
			if (run_phase(4 * round + kind))
				return;
	xtest_check(faults == 4 * ROUNDS && wrong_faults == 0,
		    "vCPU 1's stale writes: %lu faulted (#PF), %lu other faults, of %u", faults,
		    wrong_faults, 4 * ROUNDS);
	if (xtest_current_result() == XTEST_SUCCESS)
		printk("stale TLB: %ux2 pins, %ux2 guest flushes, every stale write faulted\n",
		       ROUNDS, ROUNDS);
}
