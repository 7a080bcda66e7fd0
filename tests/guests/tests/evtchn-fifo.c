/*
 * FIFO event channels: init_control's checks, the switch from 2-level (a
 * port pending before it is raised once its event word exists), more than
 * 4096 ports, delivery through the 16 priority queues of the control block
 * in priority order and, within a queue, in the order sent, each event once;
 * masked ports wait for EVTCHNOP_unmask; EVTCHNOP_reset returns to 2-level.
 * The test consumes the queues itself, as a guest kernel's upcall would.
 */
#include "xtest.h"
#include "evtchn-fifo.h"

#define EINVAL 22
#define ENOENT 2
#define ENOSYS 38
#define EOPNOTSUPP 95

#define ARRAY_PAGES 5 /* 5120 event words */
#define NR_PORTS 5000 /* IPI ports bound: past the 2-level ABI's 4096 */

static uint8_t cb_page[4096] __attribute__((aligned(4096)));
static uint32_t words[ARRAY_PAGES][1024] __attribute__((aligned(4096)));
static uint32_t ports[NR_PORTS + 1];
static uint32_t got[NR_PORTS + 16];

#define CB_OFFSET 128
static struct fifo_control_block *const cb = (struct fifo_control_block *)(cb_page + CB_OFFSET);
static struct fifo_queues queues = { .cb = cb };

static uint32_t *word(uint32_t port)
{
	return fifo_word(words, port);
}

static long set_priority(uint32_t port, uint32_t prio)
{
	uint32_t a[2] = { port, prio };

	return evtchn_op(EVTCHNOP_set_priority, a);
}

static uint32_t bind_ipi(void)
{
	uint32_t b[2] = { 0, 0 };
	long rc = evtchn_op(EVTCHNOP_bind_ipi, b);

	return rc ? 0 : b[1];
}

static long send(uint32_t port)
{
	return evtchn_op(EVTCHNOP_send, &port);
}

/* Drain the ready queues, highest priority (0) first; the pending ports in got[]. */
static unsigned int drain(void)
{
	uint32_t ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
	unsigned int n = 0;

	while (ready) {
		unsigned int prio = (unsigned int)__builtin_ctz(ready);
		bool more;
		uint32_t port = fifo_pop(&queues, words, prio, &more);

		if (!more)
			ready &= ~(1u << prio);
		if (__atomic_fetch_and(word(port), ~FIFO_PENDING, __ATOMIC_SEQ_CST) & FIFO_PENDING) {
			if (n < sizeof(got) / sizeof(got[0]))
				got[n] = port;
			n++;
		}
	}
	return n;
}

static struct vcpu_info *vcpu0(void)
{
	return &xtest_shared_info()->vcpu_info[0];
}

static void test_errors_before(void)
{
	const unsigned long *l4 = (const unsigned long *)xtest_start_info->pt_base;
	uint8_t bits = 0;
	long rc;

	rc = fifo_init_control(fifo_mfn_of(cb_page), 0, 4096, NULL);
	xtest_check(rc == -ENOENT, "init_control(vcpu 4096) = %ld", rc);
	rc = fifo_init_control(fifo_mfn_of(cb_page), 4, 0, NULL);
	xtest_check(rc == -EINVAL, "init_control(offset 4) = %ld", rc);
	rc = fifo_init_control(fifo_mfn_of(cb_page), 4096 - 64, 0, NULL);
	xtest_check(rc == -EINVAL, "init_control(offset 4032) = %ld", rc);
	rc = fifo_init_control(1UL << 40, 0, 0, &bits);
	xtest_check(rc == -EINVAL, "init_control(no such frame) = %ld", rc);
	rc = fifo_init_control(fifo_mfn_of(l4), 0, 0, NULL);
	xtest_check(rc == -EINVAL, "init_control(the L4 page table) = %ld", rc);
	rc = fifo_expand(fifo_mfn_of(words[0]));
	xtest_check(rc == -EOPNOTSUPP, "expand_array on 2-level = %ld", rc);
	rc = set_priority(1, 3);
	xtest_check(rc == -ENOSYS, "set_priority on 2-level = %ld", rc);
}

/* Switch with one port already pending; it is raised when its word's page comes. */
static uint32_t test_switch(void)
{
	uint32_t early = bind_ipi();
	uint8_t bits = 0;
	long rc;

	xtest_check(early != 0, "bind_ipi before the switch");
	xtest_check(send(early) == 0, "send before the switch");
	rc = fifo_init_control(fifo_mfn_of(cb_page), CB_OFFSET, 0, &bits);
	xtest_check(rc == 0 && bits == 17, "init_control = %ld, link_bits %u", rc, bits);
	rc = fifo_init_control(fifo_mfn_of(cb_page), 0, 0, NULL);
	xtest_check(rc == -EINVAL, "second init_control on vCPU 0 = %ld", rc);
	xtest_check(cb->ready == 0, "ready %#x before any array page", cb->ready);
	vcpu0()->evtchn_upcall_pending = 0;
	for (unsigned int i = 0; i < ARRAY_PAGES; i++) {
		rc = fifo_expand(fifo_mfn_of(words[i]));
		xtest_check(rc == 0, "expand_array(page %u) = %ld", i, rc);
	}
	xtest_check(vcpu0()->evtchn_upcall_pending == 1, "no upcall for the early port");
	xtest_check(drain() == 1 && got[0] == early, "early port not delivered once");
	return early;
}

static void bind_many(uint32_t early)
{
	ports[0] = early;
	for (unsigned int i = 1; i <= NR_PORTS; i++) {
		ports[i] = bind_ipi();
		if (!ports[i] || ports[i] >= ARRAY_PAGES * 1024) {
			xtest_fail("bind_ipi #%u gave port %u", i, ports[i]);
			xtest_exit();
		}
	}
	xtest_check(ports[NR_PORTS] > 4096, "highest port %u", ports[NR_PORTS]);
	xtest_check(set_priority(ports[1], 16) == -EINVAL, "priority 16 accepted");
}

/*
 * Port i gets priority i % 16; all are sent from the last to the first, some
 * twice. Expected: queue 0 first, and in each queue the order sent.
 */
static void test_order(void)
{
	unsigned int n, k = 0;

	for (unsigned int i = 1; i <= NR_PORTS; i++)
		if (set_priority(ports[i], i % NR_QUEUES)) {
			xtest_fail("set_priority(%u, %u)", ports[i], i % NR_QUEUES);
			return;
		}
	vcpu0()->evtchn_upcall_pending = 0;
	for (unsigned int i = NR_PORTS; i >= 1; i--)
		if (send(ports[i]) || (i % 7 == 0 && send(ports[i]))) {
			xtest_fail("send(%u)", ports[i]);
			return;
		}
	xtest_check(cb->ready == 0xffff, "ready %#x", cb->ready);
	xtest_check(vcpu0()->evtchn_upcall_pending == 1, "no upcall");
	n = drain();
	xtest_check(n == NR_PORTS, "%u events delivered, %u sent", n, NR_PORTS);
	for (unsigned int prio = 0; prio < NR_QUEUES && n == NR_PORTS; prio++)
		for (unsigned int i = NR_PORTS; i >= 1; i--)
			if (i % NR_QUEUES == prio && got[k++] != ports[i]) {
				xtest_fail("event %u: port %u, expected %u", k - 1, got[k - 1],
					   ports[i]);
				return;
			}
	xtest_check(drain() == 0, "events left after draining");
}

static void test_mask(void)
{
	uint32_t p = ports[NR_PORTS];

	__atomic_fetch_or(word(p), FIFO_MASKED, __ATOMIC_SEQ_CST);
	xtest_check(send(p) == 0, "send masked");
	xtest_check((*word(p) & (FIFO_PENDING | FIFO_LINKED)) == FIFO_PENDING,
		    "masked port's word %#x", *word(p));
	xtest_check(cb->ready == 0, "ready %#x for a masked port", cb->ready);
	xtest_check(evtchn_op(EVTCHNOP_unmask, &p) == 0, "unmask");
	xtest_check(!(*word(p) & FIFO_MASKED), "still masked after unmask");
	xtest_check(drain() == 1 && got[0] == p, "unmasked port not delivered");
}

/* Reset closes every port and goes back to 2-level. */
static void test_reset(void)
{
	uint16_t dom = DOMID_SELF;
	uint32_t p;
	long rc;

	rc = evtchn_op(EVTCHNOP_reset, &dom);
	xtest_check(rc == 0, "reset = %ld", rc);
	rc = set_priority(1, 3);
	xtest_check(rc == -ENOSYS, "set_priority after reset = %ld", rc);
	p = bind_ipi();
	xtest_check(p == 1, "first port after reset %u", p);
	xtest_check(send(p) == 0 && evtchn_test_and_clear(p), "2-level delivery after reset");
}

void test_main(void)
{
	uint32_t early;

	if (!xtest_shared_info()) {
		xtest_error("no shared_info");
		xtest_exit();
	}
	test_errors_before();
	early = test_switch();
	bind_many(early);
	test_order();
	test_mask();
	test_reset();
}
