/*
 * event_channel_op through the real hypercall: every sub-op's result and
 * Xen's error values, the port numbers handed out, and the 2-level bits a
 * send raises in this vCPU's vcpu_info (moved into our own page with
 * VCPUOP_register_vcpu_info, so no shared_info mapping is needed).
 */
#include "xtest.h"
#include "evtchn.h"

#define HC_vcpu_op 24
#define HC_event_channel_op_compat 16

#define VCPUOP_register_vcpu_info 10

#define ENOENT 2
#define ESRCH 3
#define EFAULT 14
#define EEXIST 17
#define EINVAL 22
#define ENOSYS 38

struct vcpu_register_vcpu_info {
	uint64_t mfn;
	uint32_t offset, rsvd;
};

static struct vcpu_info *vi;
static char vi_page[4096] __attribute__((aligned(4096)));

static long alloc_unbound(uint16_t remote, uint32_t *port)
{
	struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = remote };
	long rc = evtchn_op(EVTCHNOP_alloc_unbound, &a);

	*port = a.port;
	return rc;
}

static long bind_virq(uint32_t virq, uint32_t vcpu, uint32_t *port)
{
	struct evtchn_bind_virq b = { .virq = virq, .vcpu = vcpu, .port = 0 };
	long rc = evtchn_op(EVTCHNOP_bind_virq, &b);

	*port = b.port;
	return rc;
}

static long bind_ipi(uint32_t vcpu, uint32_t *port)
{
	struct evtchn_bind_ipi b = { .vcpu = vcpu, .port = 0 };
	long rc = evtchn_op(EVTCHNOP_bind_ipi, &b);

	*port = b.port;
	return rc;
}

static long status(uint32_t port, struct evtchn_status *st)
{
	memset(st, 0, sizeof(*st));
	st->dom = DOMID_SELF;
	st->port = port;
	return evtchn_op(EVTCHNOP_status, st);
}

/* Move our vcpu_info into vi_page: its frame comes from the p2m list. */
static bool own_vcpu_info(void)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;
	unsigned long pfn = ((unsigned long)vi_page - 0xffffffff80000000UL) >> 12;
	struct vcpu_register_vcpu_info r = { .mfn = p2m[pfn], .offset = 64 };
	long rc = hypercall(HC_vcpu_op, VCPUOP_register_vcpu_info, 0, (unsigned long)&r, 0, 0);

	xtest_check(rc == 0, "register_vcpu_info returned %ld", rc);
	if (rc)
		return false;
	vi = (struct vcpu_info *)(vi_page + 64);
	/* Everything is marked pending after a move; masked, as before. */
	xtest_check(vi->evtchn_upcall_pending == 1, "upcall_pending %u after the move",
		    vi->evtchn_upcall_pending);
	xtest_check(vi->evtchn_pending_sel == ~0UL, "pending_sel %#lx after the move",
		    vi->evtchn_pending_sel);
	xtest_check(vi->evtchn_upcall_mask == 1, "upcall_mask %u after the move",
		    vi->evtchn_upcall_mask);
	/* Only once. */
	rc = hypercall(HC_vcpu_op, VCPUOP_register_vcpu_info, 0, (unsigned long)&r, 0, 0);
	xtest_check(rc == -EINVAL, "second register_vcpu_info returned %ld", rc);
	return true;
}

static void test_virq(void)
{
	struct evtchn_status st;
	uint32_t tp, cp, p;
	long rc;

	rc = bind_virq(VIRQ_TIMER, 0, &tp);
	xtest_check(rc == 0 && tp == 1, "bind_virq(TIMER) = %ld, port %u", rc, tp);
	rc = bind_virq(VIRQ_TIMER, 0, &p);
	xtest_check(rc == -EEXIST, "second bind_virq(TIMER) = %ld", rc);
	rc = bind_virq(24, 0, &p);
	xtest_check(rc == -EINVAL, "bind_virq(24) = %ld", rc);
	rc = bind_virq(VIRQ_CONSOLE, 1, &p);
	xtest_check(rc == -EINVAL, "global VIRQ on vcpu 1 = %ld", rc);
	rc = bind_virq(1 /* VIRQ_DEBUG */, 5, &p);
	xtest_check(rc == -ENOENT, "VIRQ_DEBUG on vcpu 5 = %ld", rc);
	rc = bind_virq(VIRQ_CONSOLE, 0, &cp);
	xtest_check(rc == 0 && cp == 2, "bind_virq(CONSOLE) = %ld, port %u", rc, cp);
	rc = status(cp, &st);
	xtest_check(
	    rc == 0 && st.status == EVTCHNSTAT_virq && st.u.virq == VIRQ_CONSOLE && st.vcpu == 0,
	    "status(virq) = %ld, status %u virq %u vcpu %u", rc, st.status, st.u.virq, st.vcpu);
	rc = evtchn_port_op(EVTCHNOP_send, tp);
	xtest_check(rc == -EINVAL, "send on a VIRQ port = %ld", rc);
	xtest_check(evtchn_port_op(EVTCHNOP_close, tp) == 0, "close(timer port)");
	xtest_check(evtchn_port_op(EVTCHNOP_close, cp) == 0, "close(console port)");
	rc = status(tp, &st);
	xtest_check(rc == 0 && st.status == EVTCHNSTAT_closed, "closed port status %u", st.status);
}

static void test_ipi_bits(void)
{
	uint32_t p;
	long rc;

	rc = bind_ipi(1, &p);
	xtest_check(rc == -ENOENT, "bind_ipi(vcpu 1) = %ld", rc);
	rc = bind_ipi(0, &p);
	xtest_check(rc == 0 && p == 1, "bind_ipi = %ld, port %u", rc, p);
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	rc = evtchn_port_op(EVTCHNOP_send, p);
	xtest_check(rc == 0, "send(ipi) = %ld", rc);
	xtest_check(vi->evtchn_pending_sel == 1, "pending_sel %#lx after sending port %u",
		    vi->evtchn_pending_sel, p);
	xtest_check(vi->evtchn_upcall_pending == 1, "upcall_pending not set by send");
	/* Still pending: a second send raises nothing new. */
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	evtchn_port_op(EVTCHNOP_send, p);
	xtest_check(vi->evtchn_pending_sel == 0 && vi->evtchn_upcall_pending == 0,
		    "a pending port was raised again");
	{
		uint32_t bv[2] = { p, 0 };

		rc = evtchn_op(EVTCHNOP_bind_vcpu, bv);
		xtest_check(rc == -EINVAL, "bind_vcpu(ipi) = %ld", rc);
	}
	/* Closing clears pending: the next send raises again. */
	xtest_check(evtchn_port_op(EVTCHNOP_close, p) == 0, "close(ipi)");
	rc = bind_ipi(0, &p);
	xtest_check(rc == 0 && p == 1, "rebind ipi = %ld port %u", rc, p);
	evtchn_port_op(EVTCHNOP_send, p);
	xtest_check(vi->evtchn_pending_sel == 1 && vi->evtchn_upcall_pending == 1,
		    "send after close/rebind raised nothing");
	xtest_check(evtchn_port_op(EVTCHNOP_unmask, p) == 0, "unmask(ipi)");
	xtest_check(evtchn_port_op(EVTCHNOP_unmask, 4096) == -EINVAL, "unmask(4096)");
	xtest_check(evtchn_port_op(EVTCHNOP_close, p) == 0, "close(ipi)");
}

static void test_unbound_loopback(void)
{
	struct evtchn_status st;
	struct evtchn_bind_interdomain b;
	uint32_t up, p;
	long rc;

	rc = alloc_unbound(DOMID_SELF, &up);
	xtest_check(rc == 0 && up == 1, "alloc_unbound = %ld port %u", rc, up);
	rc = status(up, &st);
	xtest_check(rc == 0 && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 0,
		    "status(unbound) = %ld status %u dom %u", rc, st.status, st.u.unbound.dom);
	xtest_check(evtchn_port_op(EVTCHNOP_send, up) == 0, "send on unbound is accepted");
	b = (struct evtchn_bind_interdomain){ .remote_dom = 9, .remote_port = up };
	rc = evtchn_op(EVTCHNOP_bind_interdomain, &b);
	xtest_check(rc == -ESRCH, "bind_interdomain(dom 9) = %ld", rc);
	b = (struct evtchn_bind_interdomain){ .remote_dom = DOMID_SELF, .remote_port = 77 };
	rc = evtchn_op(EVTCHNOP_bind_interdomain, &b);
	xtest_check(rc == -EINVAL, "bind_interdomain(free port) = %ld", rc);
	b = (struct evtchn_bind_interdomain){ .remote_dom = DOMID_SELF, .remote_port = up };
	rc = evtchn_op(EVTCHNOP_bind_interdomain, &b);
	xtest_check(rc == 0 && b.local_port == 2, "bind_interdomain(self) = %ld port %u", rc,
		    b.local_port);
	rc = status(b.local_port, &st);
	xtest_check(rc == 0 && st.status == EVTCHNSTAT_interdomain && st.u.interdomain.port == up &&
			st.u.interdomain.dom == 0,
		    "status(interdomain) = %ld status %u port %u", rc, st.status,
		    st.u.interdomain.port);
	/* Closing one end leaves the other unbound. */
	xtest_check(evtchn_port_op(EVTCHNOP_close, b.local_port) == 0, "close(local)");
	rc = status(up, &st);
	xtest_check(rc == 0 && st.status == EVTCHNSTAT_unbound, "peer after close: %u", st.status);
	xtest_check(evtchn_port_op(EVTCHNOP_close, b.local_port) == -EINVAL, "double close");
	xtest_check(evtchn_port_op(EVTCHNOP_close, 0) == -EINVAL, "close(0)");
	/* reset closes everything. */
	rc = bind_ipi(0, &p);
	{
		uint16_t dom = DOMID_SELF;

		rc = evtchn_op(EVTCHNOP_reset, &dom);
		xtest_check(rc == 0, "reset = %ld", rc);
		dom = 12;
		rc = evtchn_op(EVTCHNOP_reset, &dom);
		xtest_check(rc == -ESRCH, "reset(dom 12) = %ld", rc);
	}
	rc = status(up, &st);
	xtest_check(rc == 0 && st.status == EVTCHNSTAT_closed, "after reset: %u", st.status);
	rc = status(4096, &st);
	xtest_check(rc == -EINVAL, "status(4096) = %ld", rc);
}

static void test_enosys_efault_compat(void)
{
	unsigned char buf[32] = { 0 };
	struct {
		uint32_t cmd;
		struct evtchn_bind_ipi ipi;
		unsigned char pad[16];
	} op = { .cmd = EVTCHNOP_bind_ipi };
	long rc;

	/*
	 * A zeroed init_control names frame 0, which is not the guest's: -EINVAL;
	 * expand_array and set_priority need the FIFO ABI (evtchn-fifo tests it).
	 * PIRQ 0 is never mapped: binding it is -EPERM (pirq-ops tests PIRQs).
	 */
	xtest_check(evtchn_op(EVTCHNOP_bind_pirq, buf) == -1 /* EPERM */, "bind_pirq");
	rc = evtchn_op(EVTCHNOP_init_control, buf);
	xtest_check(rc == -22 /* EINVAL */, "init_control = %ld", rc);
	rc = evtchn_op(EVTCHNOP_expand_array, buf);
	xtest_check(rc == -95 /* EOPNOTSUPP */, "expand_array = %ld", rc);
	xtest_check(evtchn_op(EVTCHNOP_set_priority, buf) == -ENOSYS, "set_priority");
	xtest_check(evtchn_op(99, buf) == -ENOSYS, "op 99");
	rc = hypercall(HC_event_channel_op, EVTCHNOP_alloc_unbound, 0xffff830000000000UL, 0, 0, 0);
	xtest_check(rc == -EFAULT, "alloc_unbound on a hypervisor address = %ld", rc);
	rc = hypercall(HC_event_channel_op_compat, (unsigned long)&op, 0, 0, 0, 0);
	xtest_check(rc == 0 && op.ipi.port == 1, "compat bind_ipi = %ld port %u", rc, op.ipi.port);
}

void test_main(void)
{
	if (!own_vcpu_info())
		xtest_exit();
	test_virq();
	test_ipi_bits();
	test_unbound_loopback();
	test_enosys_efault_compat();
}
