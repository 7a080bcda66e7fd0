/*
 * Guest time: the pvclock in vcpu_info (even version, TSC_STABLE, time
 * that only goes forward), the wallclock in shared_info, the singleshot
 * timer (-ETIME for a passed deadline with VCPU_SSHOTTMR_future, stop),
 * the periodic timer (limits, stop), set_timer_op, VIRQ_TIMER waking
 * SCHEDOP_block, SCHEDOP_poll with a timeout and its errors, the runstate
 * area, vcpu_op's other answers, and a spin with a guest-kernel tick (a
 * singleshot re-armed from each upcall, then the periodic timer): ticks
 * neither early nor more than the period allows, and the runstate saying
 * the vCPU ran the whole spin. On a machine of four CPUs: the
 * hypervisor's timers work with every CPU up (Petrel keeps the guest's
 * timers on the CPU it runs on); dom0 keeps one vCPU (dom0_max_vcpus=1),
 * which pins itself from CPU to CPU: a singleshot or periodic timer armed
 * before a move must still fire after it.
 */
#include "xtest.h"
#include "pvclock.h"
#include "hammer.h"
#undef MS /* hammer.h's is unsigned long long; the %lu prints below want this one */

#define HC_set_timer_op 15
#define HC_callback_op 30
#define HC_vcpu_op 24
#define HC_event_channel_op 32

#define EVTCHNOP_bind_virq 1
#define EVTCHNOP_close 3
#define SCHEDOP_poll 3
#define VCPUOP_is_up 3
#define VCPUOP_get_runstate_info 4
#define VCPUOP_register_runstate_memory_area 5
#define VCPUOP_set_periodic_timer 6
#define VCPUOP_stop_periodic_timer 7
#define VCPUOP_set_singleshot_timer 8
#define VCPUOP_stop_singleshot_timer 9
#define VCPUOP_register_vcpu_info 10
#define VCPUOP_register_vcpu_time_memory_area 13
#define VCPU_SSHOTTMR_future 1
#define VIRQ_TIMER 0
#define RUNSTATE_running 0
#define RUNSTATE_blocked 2
#define XEN_PVCLOCK_TSC_STABLE_BIT 1

#define ENOENT 2
#define EFAULT 14
#define EINVAL 22
#define ENOSYS 38
#define ETIME 62

#define MS 1000000UL
/* How long a tick may take on a loaded host before it counts as stopped. */
#define TICK_WAIT (20000 * MS)

struct vcpu_register_vcpu_info {
	uint64_t mfn;
	uint32_t offset, rsvd;
};
struct vcpu_runstate_info {
	int state;
	uint64_t state_entry_time;
	uint64_t time[4];
};
struct sched_poll {
	uint32_t *ports;
	unsigned int nr_ports;
	uint64_t timeout;
};

static struct vcpu_info *vi;
static char vi_page[4096] __attribute__((aligned(4096)));
static struct vcpu_runstate_info runstate;
static uint32_t timer_port;
static volatile unsigned long upcalls, wait_base;
/*
 * The tick: while tick_period is set, upcalls less than 3/4 of it apart are
 * counted (short_gaps); with tick_rearm, each upcall re-arms the singleshot
 * a period ahead, and ones before their deadline are counted (early_ticks).
 */
static volatile uint64_t tick_period, tick_deadline, tick_prev;
static volatile bool tick_rearm;
static volatile unsigned long early_ticks, short_gaps;
static bool on_petrel;
static struct shared_info *sh;

static void tick(void);
static void print_event_state(const char *what);

/*
 * Like a guest kernel: clear the flags, then the pending bits of the ports,
 * then handle. A tick re-armed before the clearing could fire in between
 * (a 4 ms deadline, a slow host) and have its pending bit wiped: the tick
 * would stop.
 */
static void event_handler(const unsigned long *frame)
{
	(void)frame;
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	if (sh)
		__atomic_and_fetch(&sh->evtchn_pending[timer_port / 64],
				   ~(1UL << (timer_port % 64)), __ATOMIC_SEQ_CST);
	upcalls++;
	if (tick_period)
		tick();
	else
		tick_prev = 0;
}

/* System time from the pvclock of our own vcpu_info. */
static uint64_t now(void)
{
	return pvclock_read(&vi->time);
}

static void spin(uint64_t ns)
{
	uint64_t t0 = now();

	while (now() - t0 < ns)
		__asm__ volatile("pause");
}

static long vcpu_op(unsigned int cmd, unsigned int vcpu, void *arg)
{
	return hypercall(HC_vcpu_op, cmd, vcpu, (unsigned long)arg, 0, 0);
}

static long singleshot(uint64_t deadline, uint32_t flags)
{
	struct {
		uint64_t timeout_abs_ns;
		uint32_t flags, pad;
	} s = { deadline, flags, 0 };

	return vcpu_op(VCPUOP_set_singleshot_timer, 0, &s);
}

/* As a guest kernel's tick: the next one a period from now. */
static void tick(void)
{
	uint64_t t = now();

	if (tick_prev && t - tick_prev < tick_period * 3 / 4)
		short_gaps++;
	tick_prev = t;
	if (!tick_rearm)
		return;
	if (t < tick_deadline)
		early_ticks++;
	tick_deadline = t + tick_period;
	singleshot(tick_deadline, 0);
}

static long periodic(uint64_t period)
{
	return vcpu_op(VCPUOP_set_periodic_timer, 0, &period);
}

/* A fresh VIRQ_TIMER port (closing the old one clears its pending bit). */
static void rebind_timer(void)
{
	uint32_t b[3] = { VIRQ_TIMER, 0, 0 };
	long rc;

	if (timer_port)
		hypercall(HC_event_channel_op, EVTCHNOP_close, (unsigned long)&timer_port, 0, 0, 0);
	rc = hypercall(HC_event_channel_op, EVTCHNOP_bind_virq, (unsigned long)b, 0, 0, 0);
	xtest_check(rc == 0, "bind_virq(TIMER) = %ld", rc);
	timer_port = b[2];
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	wait_base = upcalls;
}

static long poll(uint32_t *ports, unsigned int n, uint64_t timeout)
{
	struct sched_poll p = { ports, n, timeout };

	return hypercall_sched_op(SCHEDOP_poll, &p);
}

/*
 * Block until an upcall came after the last rebind_timer() (it may already
 * have come on the way back from the hypercall that armed the timer);
 * returns the ns slept. As a guest kernel's idle loop: events masked
 * while the count is checked (an upcall between the check and the block
 * would leave nothing to wake it), and SCHEDOP_block unmasks them.
 */
static uint64_t block_for_timer(void)
{
	uint64_t t0 = now();
	long rc;

	for (int i = 0; i < 100; i++) {
		vi->evtchn_upcall_mask = 1;
		__asm__ volatile("" ::: "memory");
		if (upcalls != wait_base)
			break;
		rc = hypercall_sched_op(SCHEDOP_block, NULL);
		xtest_check(rc == 0, "SCHEDOP_block = %ld", rc);
	}
	vi->evtchn_upcall_mask = 0;
	__asm__ volatile("" ::: "memory");
	if (vi->evtchn_upcall_pending)
		hypercall_xen_version(XENVER_version, NULL); /* takes the upcall */
	xtest_check(upcalls > wait_base, "no timer upcall");
	return now() - t0;
}

static void own_vcpu_info(void)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;
	unsigned long pfn = ((unsigned long)vi_page - 0xffffffff80000000UL) >> 12;
	struct vcpu_register_vcpu_info r = { .mfn = p2m[pfn], .offset = 128 };
	long rc = vcpu_op(VCPUOP_register_vcpu_info, 0, &r);

	if (rc) {
		xtest_fail("register_vcpu_info returned %ld", rc);
		xtest_exit();
	}
	vi = (struct vcpu_info *)(vi_page + 128);
}

static void setup(void)
{
	struct {
		uint16_t type, flags;
		uint32_t pad;
		unsigned long address;
	} cb = { 0 /* event */, 0, 0, (unsigned long)xtest_event_entry };
	char changeset[64] = "";
	long rc;

	hypercall_xen_version(4 /* XENVER_changeset */, changeset);
	on_petrel = !strncmp(changeset, "petrel", 6);
	own_vcpu_info();
	sh = xtest_shared_info();
	rc = hypercall(HC_callback_op, 0 /* register */, (unsigned long)&cb, 0, 0, 0);
	xtest_check(rc == 0, "register event callback = %ld", rc);
	vi->evtchn_upcall_pending = 0;
	vi->evtchn_pending_sel = 0;
	vi->evtchn_upcall_mask = 0;
}

static void test_pvclock(void)
{
	const struct vcpu_time_info *t = &vi->time;
	uint64_t prev, cur;

	xtest_check(t->version && !(t->version & 1), "pvclock version %u", t->version);
	/* Petrel always says so; Xen only on hardware with an invariant TSC. */
	xtest_check(!on_petrel || (t->flags & XEN_PVCLOCK_TSC_STABLE_BIT),
		    "TSC_STABLE not set (flags %#x)", t->flags);
	xtest_check(t->tsc_to_system_mul >= 0x40000000u, "mul %#x outside Xen's range",
		    t->tsc_to_system_mul);
	xtest_check(t->tsc_shift >= -10 && t->tsc_shift <= 10, "shift %d", t->tsc_shift);
	prev = now();
	for (int i = 0; i < 20000; i++) {
		cur = now();
		if (cur < prev) {
			xtest_fail("pvclock went back: %lu after %lu", cur, prev);
			break;
		}
		prev = cur;
	}
	/* A second copy for user space (vDSO), kept like the first. */
	{
		static struct vcpu_time_info copy;
		unsigned long va = (unsigned long)&copy;
		long rc = vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &va);

		xtest_check(rc == 0, "register_vcpu_time_memory_area = %ld", rc);
		xtest_check(copy.version && !(copy.version & 1) &&
				copy.tsc_timestamp == t->tsc_timestamp &&
				copy.system_time == t->system_time &&
				copy.tsc_to_system_mul == t->tsc_to_system_mul &&
				copy.tsc_shift == t->tsc_shift && copy.flags == t->flags,
			    "time copy: version %u mul %#x", copy.version, copy.tsc_to_system_mul);
		va = 0xffff830000000000UL;
		rc = vcpu_op(VCPUOP_register_vcpu_time_memory_area, 0, &va);
		xtest_check(rc == -EFAULT, "time area in the hypervisor = %ld", rc);
	}
	if (!sh) {
		printk("note: shared_info not mapped, wallclock not checked\n");
		return;
	}
	xtest_check(!(sh->wc_version & 1) && sh->wc_version, "wc_version %u", sh->wc_version);
	/* Later than 2020-01-01 and earlier than 2200. */
	xtest_check(sh->wc_sec > 1577836800u || sh->wc_sec_hi, "wc_sec %u", sh->wc_sec);
	xtest_check(sh->wc_nsec < 1000000000u, "wc_nsec %u", sh->wc_nsec);
}

/*
 * Arm the singleshot (or set_timer_op's timer) on a fresh port, then stop
 * it; the deadline returned. A loaded host may hold the vCPU between the
 * two calls past the deadline (the timer then fires before the stop):
 * such a round is retried with a later deadline.
 */
static uint64_t arm_then_stop(bool set_timer_op)
{
	uint64_t deadline = 0;

	for (uint64_t wait = 100 * MS; wait <= 6400 * MS; wait *= 4) {
		rebind_timer();
		deadline = now() + wait;
		if (set_timer_op) {
			xtest_check(hypercall(HC_set_timer_op, deadline, 0, 0, 0, 0) == 0,
				    "set_timer_op");
			xtest_check(hypercall(HC_set_timer_op, 0, 0, 0, 0, 0) == 0,
				    "set_timer_op(0)");
		} else {
			xtest_check(singleshot(deadline, 0) == 0, "singleshot");
			xtest_check(vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL) == 0,
				    "stop_singleshot");
		}
		if (now() < deadline)
			break;
	}
	return deadline;
}

static void test_singleshot(void)
{
	uint64_t slept, deadline;
	long rc;

	/*
	 * Petrel refuses a passed deadline with VCPU_SSHOTTMR_future (-ETIME,
	 * as the public header documents). Debian's Xen 4.17 ignores the flag
	 * and raises the timer event at once instead.
	 */
	rebind_timer();
	rc = singleshot(1, VCPU_SSHOTTMR_future);
	if (on_petrel)
		xtest_check(rc == -ETIME, "passed deadline with future flag = %ld", rc);
	else
		xtest_check(rc == 0, "passed deadline with future flag on Xen = %ld", rc);
	rc = vcpu_op(VCPUOP_set_singleshot_timer, 1, NULL);
	xtest_check(rc == -ENOENT, "singleshot on vcpu 1 = %ld", rc);
	rc = vcpu_op(VCPUOP_set_singleshot_timer, 0, (void *)0xffff830000000000UL);
	xtest_check(rc == -EFAULT, "singleshot with a bad pointer = %ld", rc);
	/* A loaded host may hold the vCPU past a near deadline: -ETIME, tried further out. */
	for (uint64_t wait = 5 * MS; wait <= 5120 * MS; wait *= 4) {
		rebind_timer();
		deadline = now() + wait;
		rc = singleshot(deadline, VCPU_SSHOTTMR_future);
		if (rc != -ETIME)
			break;
	}
	xtest_check(rc == 0, "singleshot in the future = %ld", rc);
	slept = block_for_timer();
	xtest_check(now() >= deadline, "woke at %lu, before the deadline %lu (slept %lu ns)", now(),
		    deadline, slept);
	/* Only a gross error (a unit off): a loaded host held a vCPU 3.5 s. */
	xtest_check(slept < 30000 * MS, "woke only after %lu ns", slept);
	/* A passed deadline without the flag fires at once. */
	rebind_timer();
	xtest_check(singleshot(1, 0) == 0, "passed deadline without the flag");
	block_for_timer();
	/*
	 * Stopped: the deadline passes quietly (poll sees only its timeout).
	 */
	deadline = arm_then_stop(false) + 20 * MS;
	rc = poll(&timer_port, 1, deadline);
	xtest_check(rc == 0, "poll with timeout = %ld", rc);
	xtest_check(now() + MS >= deadline, "poll returned %lu ns before its timeout",
		    deadline - now());
	xtest_check(upcalls == wait_base, "stopped singleshot fired anyway");
}

static void test_periodic_and_set_timer_op(void)
{
	uint64_t deadline, t0;
	unsigned long before;
	long rc;

	rc = periodic(MS / 2);
	xtest_check(rc == -EINVAL, "period 0.5 ms = %ld", rc);
	rc = periodic(~0UL);
	xtest_check(rc == -EINVAL, "huge period = %ld", rc);
	/* The ticker runs while the vCPU runs: spin, not block. */
	rebind_timer();
	before = upcalls;
	rc = periodic(3 * MS);
	xtest_check(rc == 0, "period 3 ms = %ld", rc);
	/* As in check_tick_continues: a loaded host may take long over each tick. */
	t0 = now();
	while (upcalls < before + (sh ? 3 : 1) && now() - t0 < TICK_WAIT)
		__asm__ volatile("pause");
	if (sh && upcalls < before + 3)
		print_event_state("period 3 ms");
	xtest_check(upcalls >= before + (sh ? 3 : 1), "%lu ticks in %lu s at 3 ms",
		    upcalls - before, TICK_WAIT / 1000 / MS);
	/* Three ticks are at least two periods apart. */
	xtest_check(!sh || now() - t0 >= 6 * MS, "3 ticks within %lu ns", now() - t0);
	xtest_check(vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL) == 0, "stop_periodic");
	rebind_timer();
	before = upcalls;
	spin(10 * MS);
	xtest_check(upcalls == before, "stopped periodic timer still ticks");
	/* set_timer_op: absolute deadline, 0 cancels. */
	rebind_timer();
	deadline = now() + 4 * MS;
	rc = hypercall(HC_set_timer_op, deadline, 0, 0, 0, 0);
	xtest_check(rc == 0, "set_timer_op = %ld", rc);
	block_for_timer();
	xtest_check(now() >= deadline, "set_timer_op woke at %lu, deadline %lu", now(), deadline);
	deadline = arm_then_stop(true) + 20 * MS;
	poll(&timer_port, 1, deadline);
	xtest_check(upcalls == wait_base, "cancelled set_timer_op fired");
}

static void test_poll_errors(void)
{
	uint32_t ports[2] = { 4096, 1 };
	long rc;

	rc = poll(ports, 129, 0);
	xtest_check(rc == -EINVAL, "poll of 129 ports = %ld", rc);
	rc = poll(ports, 1, 0);
	xtest_check(rc == -EINVAL, "poll of port 4096 = %ld", rc);
	rc = poll((uint32_t *)0xffff830000000000UL, 1, 0);
	xtest_check(rc == -EFAULT, "poll with a bad list = %ld", rc);
	/*
	 * With events masked the timer's port stays pending (no callback
	 * clears it): a poll for it wakes, and polls then return at once,
	 * without a timeout.
	 */
	rebind_timer();
	vi->evtchn_upcall_mask = 1;
	singleshot(now() + 2 * MS, 0);
	ports[0] = timer_port;
	rc = poll(ports, 1, now() + 500 * MS);
	xtest_check(rc == 0, "poll for the timer port = %ld", rc);
	xtest_check(vi->evtchn_upcall_pending == 1, "poll woke without the timer event");
	rc = poll(ports, 2, 0);
	xtest_check(rc == 0, "poll of a pending port = %ld", rc);
	xtest_check(upcalls == wait_base, "an upcall came with events masked");
	vi->evtchn_upcall_mask = 0;
	hypercall_xen_version(XENVER_version, NULL); /* takes the upcall */
	xtest_check(upcalls == wait_base + 1, "unmasked upcall not delivered");
}

static void test_runstate_and_vcpu_op(void)
{
	struct vcpu_runstate_info info;
	uint64_t blocked_before, t_block;
	long rc;

	rc = vcpu_op(VCPUOP_register_runstate_memory_area, 0,
		     &(unsigned long){ (unsigned long)&runstate });
	xtest_check(rc == 0, "register_runstate_memory_area = %ld", rc);
	xtest_check(runstate.state == RUNSTATE_running, "runstate %d", runstate.state);
	xtest_check(runstate.state_entry_time && runstate.state_entry_time <= now(),
		    "state_entry_time %lu", runstate.state_entry_time);
	xtest_check(!(runstate.state_entry_time >> 63), "update flag left set");
	/*
	 * On a slow host the timer may fire before SCHEDOP_block, which then
	 * returns at once: try again with a later deadline until the vCPU
	 * really blocked.
	 */
	for (uint64_t wait = 4 * MS; wait <= 512 * MS; wait *= 4) {
		blocked_before = runstate.time[RUNSTATE_blocked];
		rebind_timer();
		singleshot(now() + wait, 0);
		t_block = now();
		block_for_timer();
		if (runstate.time[RUNSTATE_blocked] > blocked_before)
			break;
	}
	/* Blocked from t_block (or a little later) until the wake-up. */
	xtest_check(runstate.time[RUNSTATE_blocked] > blocked_before &&
			runstate.time[RUNSTATE_blocked] - blocked_before <= now() - t_block,
		    "blocked time %lu -> %lu", blocked_before, runstate.time[RUNSTATE_blocked]);
	xtest_check(runstate.state_entry_time >= t_block, "state_entry_time %lu before %lu",
		    runstate.state_entry_time, t_block);
	xtest_check(runstate.state == RUNSTATE_running, "runstate %d after waking", runstate.state);
	rc = vcpu_op(VCPUOP_get_runstate_info, 0, &info);
	xtest_check(rc == 0 && info.time[RUNSTATE_blocked] == runstate.time[RUNSTATE_blocked],
		    "get_runstate_info = %ld", rc);
	rc = vcpu_op(VCPUOP_is_up, 0, NULL);
	xtest_check(rc == 1, "is_up(0) = %ld", rc);
	rc = vcpu_op(VCPUOP_is_up, 1, NULL);
	xtest_check(rc == -ENOENT, "is_up(1) = %ld", rc);
	rc = vcpu_op(VCPUOP_is_up, 4096, NULL);
	xtest_check(rc == -ENOENT, "is_up(4096) = %ld", rc);
	rc = vcpu_op(99, 0, NULL);
	xtest_check(rc == -ENOSYS, "vcpu_op 99 = %ld", rc);
	rc = vcpu_op(0 /* initialise */, 0, NULL);
	xtest_check(rc == -EFAULT, "vcpu_op initialise(0, NULL) = %ld", rc);
}

/* PV vCPUs start with a 100 Hz VIRQ_TIMER ticker; Linux stops it at boot. */
static void test_default_ticker(void)
{
	unsigned long before;
	long rc;

	/*
	 * Counted from before the bind: a tick right after it leaves the port
	 * pending (no shared_info here), so no later one would be delivered.
	 */
	before = upcalls;
	rebind_timer();
	/* A tick must come (10 ms apart; a loaded host may delay it, so wait up to 2 s). */
	for (unsigned int waited = 0; upcalls == before && waited < 2000; waited += 5)
		spin(5 * MS);
	/* Without shared_info the port stays pending after the first tick. */
	xtest_check(upcalls >= before + 1, "no tick of the default ticker in 2 s");
	rc = vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	xtest_check(rc == 0, "stop_periodic_timer = %ld", rc);
	rebind_timer();
	before = upcalls;
	spin(25 * MS);
	xtest_check(upcalls == before, "%lu ticks after stop_periodic_timer", upcalls - before);
}

static uint64_t running_ns(void)
{
	struct vcpu_runstate_info info;

	xtest_check(vcpu_op(VCPUOP_get_runstate_info, 0, &info) == 0, "get_runstate_info");
	return info.time[RUNSTATE_running];
}

/*
 * Spin @ns with upcalls on; the upcalls counted. At most one tick a
 * @period fits (two more for the edges); the runstate must count the spin
 * as running: nothing else runs on this machine. The spin's end is read
 * before the runstate, which then covers it even when the host holds the
 * vCPU between the two.
 */
static unsigned long spin_counting(uint64_t ns, uint64_t period, const char *what)
{
	unsigned long before = upcalls;
	uint64_t ran = running_ns(), t0 = now(), n, spun;

	spin(ns);
	n = upcalls - before;
	spun = now() - t0;
	ran = running_ns() - ran;
	xtest_check(n <= ns / period + 2, "%s: %lu ticks in %lu ms at %lu us", what, n, ns / MS,
		    period / 1000);
	xtest_check(ran >= spun * 9 / 10, "%s: ran %lu of %lu ns", what, ran, spun);
	printk("%s: %lu ticks in %lu ms, ran %lu%%\n", what, n, ns / MS, ran * 100 / spun);
	return n;
}

/* The event state that decides whether a timer tick can be delivered. */
static void print_event_state(const char *what)
{
	printk("%s: upcall mask %u pending %u, selector %#lx, port %u pending %d\n", what,
	       vi->evtchn_upcall_mask, vi->evtchn_upcall_pending, vi->evtchn_pending_sel,
	       timer_port, (int)((sh->evtchn_pending[timer_port / 64] >> (timer_port % 64)) & 1));
}

/*
 * The tick keeps coming: @want upcalls since @before, spinning up to
 * TICK_WAIT more for them. Under TCG on a loaded host a delivery waits for
 * QEMU's threads to be scheduled (1 tick of 100 in 400 ms at load 15, 2 of
 * a 3 ms ticker's in 5 s at load 35), so the count in a fixed time says
 * nothing; a tick that stopped (a mask left set, a port left pending)
 * never comes.
 */
static void check_tick_continues(unsigned long before, unsigned long want, const char *what)
{
	uint64_t t0 = now();

	while (upcalls - before < want && now() - t0 < TICK_WAIT)
		spin(5 * MS);
	if (upcalls - before < want)
		print_event_state(what);
	xtest_check(upcalls - before >= want, "%s: %lu ticks, no more in %lu s", what,
		    upcalls - before, TICK_WAIT / 1000 / MS);
}

/*
 * A CPU-bound guest with a 4 ms tick, as Linux's at HZ=250: the tick must
 * keep coming, the singleshot never early, the periodic never more often
 * than its period allows; without a timer, nothing comes.
 */
static void test_tick_spin(void)
{
	uint64_t period = 4 * MS;
	unsigned long n, before;

	if (!sh) {
		printk("note: shared_info not mapped, the tick (one pending port) not checked\n");
		return;
	}
	rebind_timer();
	n = spin_counting(100 * MS, period, "no timer");
	xtest_check(n == 0, "%lu upcalls with no timer armed", n);
	early_ticks = short_gaps = tick_prev = 0;
	tick_rearm = true;
	tick_period = period;
	before = upcalls;
	tick();
	spin_counting(400 * MS, period, "singleshot tick");
	check_tick_continues(before, 3, "singleshot tick");
	tick_period = 0;
	tick_rearm = false;
	vcpu_op(VCPUOP_stop_singleshot_timer, 0, NULL);
	xtest_check(early_ticks == 0, "%lu ticks before their deadline", early_ticks);
	rebind_timer();
	short_gaps = tick_prev = 0;
	tick_period = period;
	before = upcalls;
	xtest_check(periodic(period) == 0, "period 4 ms");
	spin_counting(400 * MS, period, "periodic tick");
	check_tick_continues(before, 3, "periodic tick");
	vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	tick_period = 0;
	/*
	 * A gap between two deliveries may be shorter than the period when the
	 * first one was delivered late (Xen 4.17 under load did that), so the
	 * short gaps are only reported; the count above bounds the rate.
	 */
	printk("periodic tick: %lu gaps under 3 ms\n", short_gaps);
}

/* Pin our vCPU to @cpu and yield until getvcpuinfo says it runs there. */
static bool move_to(unsigned int cpu)
{
	uint64_t t;
	uint32_t at = ~0u;
	long rc = hammer_pin(0, (uint8_t)(1u << cpu));

	xtest_check(rc == 0, "pinning dom0 to CPU %u: %ld", cpu, rc);
	for (unsigned int i = 0; i < 1000 && at != cpu; i++) {
		hypercall_sched_op(SCHEDOP_yield, NULL);
		if (!hammer_vcpu_info(0, &t, &at))
			break;
	}
	xtest_check(at == cpu, "pinned to CPU %u, getvcpuinfo says CPU %u", cpu, at);
	return at == cpu;
}

/* Spin until an upcall came after the last rebind_timer(), up to 2 s. */
static bool tick_within_2s(void)
{
	for (unsigned int waited = 0; upcalls == wait_base && waited < 2000; waited += 5)
		spin(5 * MS);
	return upcalls > wait_base;
}

/*
 * The vCPU moves between CPUs: a singleshot armed before each move (200 ms
 * ahead) wakes it from SCHEDOP_block after the move, and a periodic timer
 * armed before a move keeps ticking after it. Petrel moves a vCPU's timers
 * with it, Xen re-arms them where the vCPU runs; either way they must fire.
 * Rounds whose singleshot fired before the move finished (a loaded host)
 * are counted, not failed.
 */
static void test_timers_across_moves(void)
{
	unsigned int cpus = hammer_nr_cpus(), early = 0, rounds = 6;
	uint64_t slept;

	if (cpus < 2 || !sh) {
		printk("note: %u CPUs%s, timers across vCPU moves not checked\n", cpus,
		       sh ? "" : ", no shared_info");
		return;
	}
	for (unsigned int r = 1; r <= rounds; r++) {
		rebind_timer();
		xtest_check(singleshot(now() + 200 * MS, 0) == 0, "round %u: singleshot", r);
		if (!move_to(r % cpus))
			break;
		early += upcalls != wait_base;
		slept = block_for_timer();
		printk("round %u: on CPU %u, singleshot woke us after %lu ms\n", r, r % cpus,
		       slept / MS);
		rebind_timer();
		xtest_check(periodic(4 * MS) == 0, "round %u: period 4 ms", r);
		if (!move_to((r + 1) % cpus))
			break;
		rebind_timer();
		xtest_check(tick_within_2s(), "round %u: no periodic tick on CPU %u in 2 s", r,
			    (r + 1) % cpus);
		vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
	}
	printk("timers across moves: %u rounds, %u singleshots fired before the move ended\n",
	       rounds, early);
	hammer_pin(0, 0xff);
}

void test_main(void)
{
	xtest_event_hook = event_handler;
	setup();
	test_default_ticker();
	test_pvclock();
	test_singleshot();
	test_periodic_and_set_timer_op();
	test_poll_errors();
	test_runstate_and_vcpu_op();
	test_tick_spin();
	test_timers_across_moves();
	printk("time checks done at %lu ns\n", now());
}

TEST_EXPECT("time checks done at");
TEST_SMP("4");
TEST_HV_ARGS("dom0_max_vcpus=1"); /* the checks below expect one vCPU, also on Xen */
