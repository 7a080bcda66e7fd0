/*
 * A vCPU's runstate area is a guest virtual address: the hypervisor may
 * write it only while that vCPU's own address space is loaded. Here a tiny
 * domU (builder.c) registers as its runstate area the address of a page of
 * dom0's (a canary, not mapped in the domU at all), then lets the
 * hypervisor change its runstate from dom0's side in every way it can:
 * yields (switching to the domU from dom0), a SCHEDOP_poll that dom0's
 * event send ends (a wake from dom0's context), pausedomain and
 * unpausedomain while it is runnable. dom0's canary must stay as written.
 * Then the domU moves its area to a page of its own, which must receive
 * its runstate (it was running for some time).
 */
#include "builder.h"
#include "evtchn.h"

TEST_HV_ARGS("dom0_mem=64M");

#define HC_vcpu_op 24
#define VCPUOP_register_runstate_memory_area 5
#define SHUTDOWN_poweroff 0
#define RUNSTATE_running 0
#define CANARY 0xa5
#define YIELDS 8

/* The argument frame of the domU (GVA TINY_GVA(PFN_ARGS)). */
#define ARG_AREA_DOM0 0x000 /* register argument: dom0's canary address */
#define ARG_PORT 0x010	    /* the domU's port, polled */
#define ARG_POLL 0x020	    /* struct sched_poll */
#define ARG_AREA_OWN 0x040  /* register argument: RUNSTATE_OFF below */
#define RUNSTATE_OFF 0x800  /* the domU's own runstate area */

struct runstate {
	int32_t state, pad;
	uint64_t state_entry_time;
	uint64_t time[4];
};
_Static_assert(sizeof(struct runstate) == 48, "vcpu_runstate_info is 48 bytes");

static uint8_t canary[4096] __attribute__((aligned(4096)));
static uint8_t window[4096] __attribute__((aligned(4096)));
static uint32_t domu_port, dom0_port;
static unsigned int nr_calls;
static const char *names[TINY_MAX_CALLS];

static struct tiny_call *call(struct tiny_call *script, const char *what, uint64_t op)
{
	names[nr_calls] = what;
	script[nr_calls].op = op;
	return &script[nr_calls++];
}

static void yields(struct tiny_call *script)
{
	for (unsigned int i = 0; i < YIELDS; i++)
		call(script, "yield", HC_sched_op)->a[0] = SCHEDOP_yield;
}

static void register_area(struct tiny_call *script, const char *what, unsigned int arg_off)
{
	struct tiny_call *c = call(script, what, HC_vcpu_op);

	c->a[0] = VCPUOP_register_runstate_memory_area;
	c->a[1] = 0;
	c->a[2] = TINY_GVA(PFN_ARGS) + arg_off;
}

/* A port of the domU's that dom0 is bound to (events stay masked in the domU). */
static uint32_t connect_port(uint16_t dom)
{
	struct evtchn_alloc_unbound a = { .dom = dom, .remote_dom = 0 };
	struct evtchn_bind_interdomain b;
	long rc = evtchn_op(EVTCHNOP_alloc_unbound, &a);

	if (rc) {
		xtest_error("alloc_unbound in d%u: %ld", dom, rc);
		return 0;
	}
	b.remote_dom = dom;
	b.remote_port = a.port;
	rc = evtchn_op(EVTCHNOP_bind_interdomain, &b);
	if (rc)
		xtest_error("bind_interdomain to d%u port %u: %ld", dom, a.port, rc);
	dom0_port = rc ? 0 : b.local_port;
	return a.port;
}

static void fill(struct tiny_dom *t, uint8_t *data, uint8_t *args)
{
	struct tiny_call *script = (struct tiny_call *)data;
	struct sched_poll *poll = (struct sched_poll *)(args + ARG_POLL);
	struct tiny_call *c;

	nr_calls = 0;
	domu_port = connect_port(t->id);
	*(uint64_t *)(args + ARG_AREA_DOM0) = (uint64_t)(canary + 0x100);
	*(uint32_t *)(args + ARG_PORT) = domu_port;
	poll->ports = (uint32_t *)(TINY_GVA(PFN_ARGS) + ARG_PORT);
	poll->nr_ports = 1;
	poll->timeout = 0;
	*(uint64_t *)(args + ARG_AREA_OWN) = TINY_GVA(PFN_ARGS) + RUNSTATE_OFF;
	register_area(script, "register_runstate_memory_area(dom0's address)", ARG_AREA_DOM0);
	yields(script);
	c = call(script, "poll on the port dom0 signals", HC_sched_op);
	c->a[0] = SCHEDOP_poll;
	c->a[1] = TINY_GVA(PFN_ARGS) + ARG_POLL;
	yields(script);
	register_area(script, "register_runstate_memory_area(its own page)", ARG_AREA_OWN);
	yields(script);
	call(script, "shutdown", TINY_END)->a[0] = SHUTDOWN_poweroff;
}

/* The domU's vCPU 0 is blocked (in its poll), within a bounded wait. */
static bool wait_blocked(uint16_t dom)
{
	struct dctl op;

	for (unsigned int i = 0; i < 100000; i++) {
		memset(&op, 0, sizeof(op));
		if (domctl(XEN_DOMCTL_getvcpuinfo, dom, &op) == 0 && op.u.vcpuinfo.blocked)
			return true;
		hypercall(HC_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	}
	return false;
}

/* Run the domU while dom0 pauses, unpauses and signals it. */
static int drive(struct tiny_dom *t)
{
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_unpausedomain, t->id, &op);
	xtest_check(rc == 0, "d%u: unpausedomain: %ld", t->id, rc);
	for (unsigned int i = 0; i < 4; i++) {
		memset(&op, 0, sizeof(op));
		rc = domctl(XEN_DOMCTL_pausedomain, t->id, &op);
		rc = rc ? rc : domctl(XEN_DOMCTL_unpausedomain, t->id, &op);
		xtest_check(rc == 0, "d%u: pause and unpause: %ld", t->id, rc);
		hypercall(HC_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	}
	xtest_check(wait_blocked(t->id), "d%u never blocked in its poll", t->id);
	rc = evtchn_port_op(EVTCHNOP_send, dom0_port);
	xtest_check(rc == 0, "send to d%u: %ld", t->id, rc);
	if (!builder_wait_shutdown(t->id, &op)) {
		xtest_fail("d%u did not shut down: flags %#x", t->id, op.u.info.flags);
		return -1;
	}
	return (int)((op.u.info.flags >> XEN_DOMINF_shutdownshift) & 0xff);
}

/* Every call answered 0, and the domU's own area holds its runstate. */
static void judge(const struct tiny_dom *t)
{
	static struct tiny_call ran[TINY_MAX_CALLS];
	const struct runstate *rs = (const struct runstate *)(window + RUNSTATE_OFF);
	long rc = builder_map_mmu(window, t->mfn[PFN_DATA], t->id);

	if (rc) {
		xtest_error("mapping d%u's data frame: %ld", t->id, rc);
		return;
	}
	memcpy(ran, window, sizeof(ran));
	builder_unmap(window);
	for (unsigned int i = 0; i + 1 < nr_calls; i++)
		xtest_check(ran[i].rc == 0, "d%u: call %u, %s: %ld", t->id, i, names[i],
			    (long)ran[i].rc);
	rc = builder_map_mmu(window, t->mfn[PFN_ARGS], t->id);
	if (rc) {
		xtest_error("mapping d%u's argument frame: %ld", t->id, rc);
		return;
	}
	xtest_check(rs->state_entry_time != 0 && rs->time[RUNSTATE_running] != 0,
		    "d%u's own runstate area: state %d, entry time %lu, running %lu ns", t->id,
		    rs->state, (unsigned long)rs->state_entry_time,
		    (unsigned long)rs->time[RUNSTATE_running]);
	builder_unmap(window);
}

/* The first byte of the canary that is not CANARY, or -1. */
static int canary_changed(void)
{
	for (unsigned int i = 0; i < sizeof(canary); i++)
		if (canary[i] != CANARY)
			return (int)i;
	return -1;
}

void test_main(void)
{
	struct tiny_dom t;
	uint64_t free0 = builder_free_pages(), now;
	int code, at;

	memset(canary, CANARY, sizeof(canary));
	if (!tiny_build(&t, tiny_script_start, (size_t)(tiny_script_end - tiny_script_start), fill))
		return;
	printk("d%u: %u calls, runstate area at dom0's %p\n", t.id, nr_calls, canary + 0x100);
	code = drive(&t);
	xtest_check(code == SHUTDOWN_poweroff, "d%u ended with shutdown code %d", t.id, code);
	at = canary_changed();
	xtest_check(at < 0, "dom0's page at the domU's runstate address was written: byte %#x is %#x",
		    at, at < 0 ? 0 : canary[at]);
	if (code >= 0)
		judge(&t);
	tiny_destroy(&t);
	at = canary_changed();
	xtest_check(at < 0, "dom0's canary written after the destroy: byte %#x", at);
	now = builder_wait_free(free0);
	xtest_check(now == free0, "free pages %lu after the domU, %lu before", (unsigned long)now,
		    (unsigned long)free0);
}
