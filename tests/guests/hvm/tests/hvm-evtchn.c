/*
 * Event delivery to an HVM guest: shared_info placed in the guest's
 * physmap with XENMEM_add_to_physmap, a per-vCPU upcall vector set with
 * HVMOP_set_evtchn_upcall_vector (and its refusals), an IPI event channel
 * sent to ourselves: the port pending in shared_info, upcall_pending set
 * and the vector in the local APIC's IRR while interrupts are off; the
 * handler runs once they are on and EOIs. A second send after the handler
 * cleared upcall_pending raises the vector again. Then vcpu_info moves to
 * a guest frame (VCPUOP_register_vcpu_info by GFN): the new copy starts
 * with upcall_pending and every selector bit set and the vector raised, and
 * later sends land there.
 */
#include "xtest.h"
#include "hvm.h"
#include "memory-op.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");

#define HC_event_channel_op 32
#define HC_vcpu_op 24
#define HC_hvm_op 34
#define VCPUOP_register_vcpu_info 10
#define HVMOP_set_evtchn_upcall_vector 23
#define EVTCHNOP_send 4
#define EVTCHNOP_bind_ipi 7
#define EINVAL 22
#define ENOENT 2

#define VEC_UPCALL 0x34

struct upcall_vector {
	uint32_t vcpu;
	uint8_t vector;
};

struct bind_ipi {
	uint32_t vcpu, port;
};

struct register_vcpu_info {
	uint64_t gfn;
	uint32_t offset, rsvd;
};

static char si_page[4096] __attribute__((aligned(4096)));
static char vi_page[4096] __attribute__((aligned(4096)));
static volatile struct shared_info *si = (volatile struct shared_info *)si_page;
static volatile struct vcpu_info *vi; /* where vCPU 0's vcpu_info is */
static unsigned int port;
static volatile unsigned int upcalls;
static volatile int seen_pending, seen_upcall_pending, seen_isr;

static long set_vector(uint32_t vcpu, uint8_t vector)
{
	struct upcall_vector op = { .vcpu = vcpu, .vector = vector };

	return hypercall(HC_hvm_op, HVMOP_set_evtchn_upcall_vector, (unsigned long)&op, 0, 0, 0);
}

static int port_pending(void)
{
	return (si->evtchn_pending[port / 64] >> (port % 64)) & 1;
}

static void on_upcall(unsigned int vec)
{
	seen_isr = apic_vec_bit(APIC_ISR, vec);
	seen_upcall_pending = vi->evtchn_upcall_pending;
	seen_pending = port_pending();
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	__atomic_fetch_and(&si->evtchn_pending[port / 64], ~(1UL << (port % 64)), __ATOMIC_SEQ_CST);
	upcalls++;
	apic_write(APIC_EOI, 0);
}

static void send(void)
{
	long rc = hypercall(HC_event_channel_op, EVTCHNOP_send, (unsigned long)&port, 0, 0, 0);

	xtest_check(rc == 0, "EVTCHNOP_send: %ld", rc);
}

static void check_vcpu_info_by_gfn(void)
{
	struct register_vcpu_info r = { .gfn = (unsigned long)vi_page >> 12, .offset = 64 };
	volatile struct vcpu_info *nvi = (volatile struct vcpu_info *)(vi_page + 64);
	long rc;

	rc = hypercall(HC_vcpu_op, VCPUOP_register_vcpu_info, 0, (unsigned long)&r, 0, 0);
	xtest_check(rc == 0, "register_vcpu_info(gfn %#lx, 64): %ld", (unsigned long)r.gfn, rc);
	if (rc)
		return;
	xtest_check(nvi->evtchn_upcall_pending == 1 && nvi->evtchn_pending_sel == ~0UL,
		    "new vcpu_info: upcall_pending %u, pending_sel %#lx",
		    nvi->evtchn_upcall_pending, nvi->evtchn_pending_sel);
	xtest_check(apic_vec_bit(APIC_IRR, VEC_UPCALL), "upcall vector not raised by the move");
	vi = nvi;
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	xtest_check(upcalls == 3, "after the move: %u upcalls in all", upcalls);
	rc = hypercall(HC_vcpu_op, VCPUOP_register_vcpu_info, 0, (unsigned long)&r, 0, 0);
	xtest_check(rc == -EINVAL, "a second register_vcpu_info: %ld, want -EINVAL", rc);
	send();
	xtest_check(nvi->evtchn_upcall_pending, "send did not reach the new vcpu_info");
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	xtest_check(upcalls == 4 && seen_pending, "after a send: %u upcalls, pending %d", upcalls,
		    seen_pending);
}

void test_main(void)
{
	struct add_to_physmap x = { .domid = DOMID_SELF,
				    .space = XENMAPSPACE_shared_info,
				    .gpfn = (unsigned long)si_page >> 12 };
	struct bind_ipi b = { .vcpu = 0 };
	long rc;

	hvm_set_irq_handler(VEC_UPCALL, on_upcall);
	apic_write(APIC_SVR, 0x1ff);
	/*
	 * Use the page as RAM first: the CPU may then cache its translation,
	 * which the hypervisor must drop when shared_info replaces the frame
	 * (VMX: INVEPT; a stale one would make every check below fail).
	 */
	si_page[0] = 1;
	xtest_check(si_page[0] == 1, "the page is not plain RAM before the move");
	rc = hypercall(HC_memory_op, XENMEM_add_to_physmap, (unsigned long)&x, 0, 0, 0);
	xtest_check(rc == 0, "add_to_physmap(shared_info): %ld", rc);
	vi = &si->vcpu_info[0];

	rc = set_vector(0, 0x0f);
	xtest_check(rc == -EINVAL, "upcall vector 0x0f: %ld, want -EINVAL", rc);
	rc = set_vector(1000, VEC_UPCALL);
	xtest_check(rc == -ENOENT, "upcall vector for vCPU 1000: %ld, want -ENOENT", rc);
	rc = set_vector(0, VEC_UPCALL);
	xtest_check(rc == 0, "upcall vector %#x: %ld", VEC_UPCALL, rc);

	rc = hypercall(HC_event_channel_op, EVTCHNOP_bind_ipi, (unsigned long)&b, 0, 0, 0);
	xtest_check(rc == 0, "EVTCHNOP_bind_ipi: %ld", rc);
	port = b.port;
	__atomic_fetch_and(&si->evtchn_mask[port / 64], ~(1UL << (port % 64)), __ATOMIC_SEQ_CST);
	si->vcpu_info[0].evtchn_upcall_mask = 0;

	send();
	xtest_check(port_pending(), "port %u not pending in shared_info after send", port);
	xtest_check(si->vcpu_info[0].evtchn_upcall_pending, "upcall_pending not set");
	xtest_check(apic_vec_bit(APIC_IRR, VEC_UPCALL), "upcall vector not in the IRR");
	xtest_check(upcalls == 0, "upcall vector delivered with interrupts off");
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	xtest_check(upcalls == 1, "upcall vector delivered %u times", upcalls);
	xtest_check(seen_pending && seen_upcall_pending && seen_isr,
		    "in the handler: port pending %d, upcall_pending %d, ISR %d", seen_pending,
		    seen_upcall_pending, seen_isr);
	xtest_check(!apic_vec_bit(APIC_ISR, VEC_UPCALL), "ISR bit left after EOI");

	send();
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	xtest_check(upcalls == 2, "second send: %u upcalls in all", upcalls);
	check_vcpu_info_by_gfn();
}
