/*
 * vcpu_op and set_timer_op (xen/common/vcpu.c) on a fake vCPU with a fake
 * clock: error values, timer deadlines handed to the timer list, the
 * periodic ticker's catch-up rule, runstate accounting and the
 * XEN_RUNSTATE_UPDATE protocol of the guest's runstate copy.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "errno.h"
#include "mm.h"
#include "domain.h"
#include "timer.h"
#include "uaccess.h"
#include "public/sched.h"

struct vcpu *current;
struct page_info *frame_table;
u64 max_page;

static u64 fake_now;
static int virqs[NR_VIRQS];
static int time_updates;

u64 system_time(void)
{
	return fake_now;
}

#include "fake_timer.h"

/* Run @t if it is armed and due. */
static void fire_if_due(struct timer *t)
{
	if (t->active && t->expires <= fake_now) {
		t->active = false;
		t->fn(t->data);
	}
}

void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
	(void)v;
	virqs[virq]++;
}

bool send_guest_vcpu_virq_try(struct vcpu *v, unsigned int virq)
{
	send_guest_vcpu_virq(v, virq);
	return true;
}

void update_vcpu_system_time(struct vcpu *v)
{
	(void)v;
	time_updates++;
}

bool get_page_type(struct page_info *pg, unsigned int type)
{
	(void)pg;
	(void)type;
	return false;
}

void get_page(struct page_info *pg)
{
	(void)pg;
}

bool guest_range_ok(u64 va, size_t len)
{
	return va >= 4096 && va + len > va;
}

#include "fake_sched.h"

/* Unit tests run as if under the hypervisor lock. */
bool hv_held(void)
{
	return true;
}

/* The scheduler's side of the runstate calls: no lock to take here. */
void vcpu_runstate_update(struct vcpu *v)
{
	vcpu_runstate_change(v, v->runstate.state);
}

/* The scheduler's and the arch's side of VCPUOP_initialise/up/down. */
static bool initialised[MAX_VIRT_CPUS];
static int shutdowns;

void vcpu_up(struct vcpu *v)
{
	v->pause_flags &= ~VPF_down;
}

void vcpu_down(struct vcpu *v)
{
	v->pause_flags |= VPF_down;
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
	(void)d;
	assert_int_equal(reason, SHUTDOWN_poweroff);
	shutdowns++;
}

void arch_vcpu_sched_out(struct vcpu *v)
{
	(void)v;
}

void arch_vcpu_sched_in(struct vcpu *v)
{
	(void)v;
}

bool arch_vcpu_initialised(const struct vcpu *v)
{
	return initialised[v->vcpu_id];
}

long arch_initialise_vcpu(struct vcpu *v, unsigned long arg)
{
	if (!arg)
		return -EFAULT;
	if (initialised[v->vcpu_id])
		return -EEXIST;
	initialised[v->vcpu_id] = true;
	return 0;
}

/* The domains here are PV: the HVM hooks are never reached. */
mfn_t p2m_lookup(const struct domain *d, u64 gfn);
mfn_t p2m_lookup(const struct domain *d, u64 gfn)
{
	(void)d;
	return gfn;
}

int copy_from_guest(void *dst, u64 src_va, size_t len)
{
	if (!guest_range_ok(src_va, len))
		return -EFAULT;
	memcpy(dst, (const void *)src_va, len);
	return 0;
}

/* Guest writes, in order: where, how long, and the byte at state_entry_time+7. */
static struct {
	u64 va;
	size_t len;
	u8 top;
} writes[16];
static int nr_writes;
static struct vcpu_runstate_info guest_rs;

int copy_to_guest(u64 dst_va, const void *src, size_t len)
{
	if (!guest_range_ok(dst_va, len))
		return -EFAULT;
	memcpy((void *)dst_va, src, len);
	if (nr_writes < 16) {
		writes[nr_writes].va = dst_va;
		writes[nr_writes].len = len;
		writes[nr_writes].top = ((const u8 *)&guest_rs.state_entry_time)[7];
		nr_writes++;
	}
	return 0;
}

static struct domain dom;
static struct vcpu vcpu0;
static struct shared_info shinfo;

static int setup(void **state)
{
	(void)state;
	memset(&dom, 0, sizeof(dom));
	memset(&vcpu0, 0, sizeof(vcpu0));
	memset(&shinfo, 0, sizeof(shinfo));
	memset(virqs, 0, sizeof(virqs));
	memset(&guest_rs, 0, sizeof(guest_rs));
	nr_writes = time_updates = shutdowns = 0;
	memset(initialised, 0, sizeof(initialised));
	initialised[0] = true;
	dom.shared_info = &shinfo;
	dom.vcpu[0] = &vcpu0;
	vcpu0.domain = &dom;
	vcpu0.vcpu_info = &shinfo.vcpu_info[0];
	current = &vcpu0;
	fake_now = 1000000;
	return 0;
}

static long vop(unsigned int cmd, unsigned long id, void *arg)
{
	return do_vcpu_op(cmd, id, (unsigned long)arg);
}

static void test_errors(void **state)
{
	u64 period;

	(void)state;
	assert_int_equal(vop(VCPUOP_is_up, 0, NULL), 1);
	assert_int_equal(vop(VCPUOP_is_up, 1, NULL), -ENOENT);
	assert_int_equal(vop(VCPUOP_is_up, ~0UL, NULL), -ENOENT);
	assert_int_equal(vop(99, 1, NULL), -ENOENT); /* the vCPU is checked first */
	assert_int_equal(vop(99, 0, NULL), -ENOSYS);
	assert_int_equal(vop(VCPUOP_send_nmi, 0, NULL), -ENOSYS);
	assert_int_equal(vop(VCPUOP_set_singleshot_timer, 0, (void *)8), -EFAULT);
	assert_int_equal(vop(VCPUOP_set_periodic_timer, 0, (void *)8), -EFAULT);
	assert_int_equal(vop(VCPUOP_register_runstate_memory_area, 0, (void *)8), -EFAULT);
	period = MILLISECS(1) - 1;
	assert_int_equal(vop(VCPUOP_set_periodic_timer, 0, &period), -EINVAL);
	period = (~0ULL >> 2) + 1;
	assert_int_equal(vop(VCPUOP_set_periodic_timer, 0, &period), -EINVAL);
	period = MILLISECS(1);
	assert_int_equal(vop(VCPUOP_set_periodic_timer, 0, &period), 0);
	/* register_vcpu_info: bad offset, frame beyond memory. */
	{
		struct vcpu_register_vcpu_info r = { .mfn = 5, .offset = 4096 - 63 };

		assert_int_equal(vop(VCPUOP_register_vcpu_info, 0, &r), -EINVAL);
		r.offset = 0;
		max_page = 5;
		assert_int_equal(vop(VCPUOP_register_vcpu_info, 0, &r), -EINVAL);
		assert_ptr_equal(vcpu0.vcpu_info, &shinfo.vcpu_info[0]);
	}
}

/* A second vCPU: down until initialised and brought up; the last one down powers off. */
static void test_up_down(void **state)
{
	static struct vcpu vcpu1;
	int ctxt = 0;

	(void)state;
	memset(&vcpu1, 0, sizeof(vcpu1));
	vcpu1.domain = &dom;
	vcpu1.vcpu_id = 1;
	vcpu1.vcpu_info = &shinfo.vcpu_info[1];
	vcpu1.pause_flags = VPF_down;
	vcpu1.runstate.state = RUNSTATE_offline;
	dom.vcpu[1] = &vcpu1;
	assert_int_equal(vop(VCPUOP_is_up, 1, NULL), 0);
	assert_int_equal(vcpu1.runstate.state, RUNSTATE_offline); /* not made running by a query */
	assert_false(vcpu1.periodic_timer.active);		 /* no ticker while down */
	assert_int_equal(vop(VCPUOP_up, 1, NULL), -EINVAL);	 /* no context yet */
	assert_int_equal(vop(VCPUOP_initialise, 1, NULL), -EFAULT);
	assert_int_equal(vop(VCPUOP_initialise, 1, &ctxt), 0);
	assert_int_equal(vop(VCPUOP_initialise, 1, &ctxt), -EEXIST);
	assert_int_equal(vop(VCPUOP_is_up, 1, NULL), 0); /* initialise does not start it */
	assert_int_equal(vop(VCPUOP_up, 1, NULL), 0);
	assert_int_equal(vop(VCPUOP_is_up, 1, NULL), 1);
	assert_int_equal(vop(VCPUOP_up, 1, NULL), 0); /* already up: nothing to do */
	assert_int_equal(vop(VCPUOP_down, 1, NULL), 0);
	assert_int_equal(vop(VCPUOP_is_up, 1, NULL), 0);
	assert_int_equal(shutdowns, 0);
	assert_int_equal(vop(VCPUOP_down, 1, NULL), 0); /* vCPU 0 still up: no poweroff */
	assert_int_equal(shutdowns, 0);
	assert_int_equal(vop(VCPUOP_down, 0, NULL), 0); /* the last one */
	assert_int_equal(shutdowns, 1);
	assert_int_equal(vop(VCPUOP_is_up, 0, NULL), 1); /* the domain ends instead */
	assert_int_equal(vop(VCPUOP_is_up, 2, NULL), -ENOENT);
	dom.vcpu[1] = NULL;
}

static void test_singleshot(void **state)
{
	struct vcpu_set_singleshot_timer s = { .timeout_abs_ns = 999999,
					       .flags = VCPU_SSHOTTMR_future };

	(void)state;
	assert_int_equal(vop(VCPUOP_set_singleshot_timer, 0, &s), -ETIME);
	assert_false(vcpu0.singleshot_timer.active);
	s.flags = 0;
	assert_int_equal(vop(VCPUOP_set_singleshot_timer, 0, &s), 0);
	assert_true(vcpu0.singleshot_timer.active);
	fire_if_due(&vcpu0.singleshot_timer);
	assert_int_equal(virqs[VIRQ_TIMER], 1);
	/* Its lockless form (the timer interrupt's) raises the same VIRQ; the periodic has none. */
	assert_true(vcpu0.singleshot_timer.try_fn(vcpu0.singleshot_timer.data));
	assert_int_equal(virqs[VIRQ_TIMER], 2);
	assert_null(vcpu0.periodic_timer.try_fn);
	assert_null(vcpu0.poll_timer.try_fn);
	s.timeout_abs_ns = 2000000;
	s.flags = VCPU_SSHOTTMR_future;
	assert_int_equal(vop(VCPUOP_set_singleshot_timer, 0, &s), 0);
	assert_int_equal(vcpu0.singleshot_timer.expires, 2000000);
	assert_int_equal(vop(VCPUOP_stop_singleshot_timer, 0, NULL), 0);
	assert_false(vcpu0.singleshot_timer.active);
}

static void test_set_timer_op(void **state)
{
	(void)state;
	assert_int_equal(do_set_timer_op(5000000), 0);
	assert_true(vcpu0.singleshot_timer.active);
	assert_int_equal(vcpu0.singleshot_timer.expires, 5000000);
	assert_int_equal(do_set_timer_op(0), 0);
	assert_false(vcpu0.singleshot_timer.active);
	/* Wrapped negative, or more than 2^50 ns ahead: now + 100 ms. */
	do_set_timer_op(~0UL - 5);
	assert_int_equal(vcpu0.singleshot_timer.expires, fake_now + MILLISECS(100));
	do_set_timer_op(fake_now + (1ULL << 50) + 1);
	assert_int_equal(vcpu0.singleshot_timer.expires, fake_now + MILLISECS(100));
	do_set_timer_op(fake_now + (1ULL << 50) - 1);
	assert_int_equal(vcpu0.singleshot_timer.expires, fake_now + (1ULL << 50) - 1);
	/* A passed deadline is kept: it fires at the next tick. */
	do_set_timer_op(10);
	assert_int_equal(vcpu0.singleshot_timer.expires, 10);
}

static void test_periodic(void **state)
{
	u64 period = MILLISECS(4);

	(void)state;
	/* The PV default: a 10 ms ticker from the first use. */
	vcpu_timers_init(&vcpu0);
	assert_int_equal(vcpu0.periodic_period, MILLISECS(10));
	assert_int_equal(vcpu0.periodic_timer.expires, fake_now + MILLISECS(10));
	assert_int_equal(vop(VCPUOP_set_periodic_timer, 0, &period), 0);
	assert_int_equal(vcpu0.periodic_timer.expires, fake_now + MILLISECS(4));
	for (int i = 1; i <= 3; i++) {
		fake_now += MILLISECS(4);
		fire_if_due(&vcpu0.periodic_timer);
		assert_int_equal(virqs[VIRQ_TIMER], i);
		assert_int_equal(vcpu0.periodic_timer.expires, fake_now + MILLISECS(4));
	}
	/* Stopped: nothing armed, nothing fires. */
	assert_int_equal(vop(VCPUOP_stop_periodic_timer, 0, NULL), 0);
	assert_false(vcpu0.periodic_timer.active);
	assert_int_equal(vcpu0.periodic_period, 0);
}

static void test_runstate(void **state)
{
	struct vcpu_register_runstate_memory_area a = { .addr.p = (u64)(uintptr_t)&guest_rs };
	struct vcpu_runstate_info got;

	(void)state;
	vcpu_timers_init(&vcpu0);
	fake_now += 500;
	assert_int_equal(vop(VCPUOP_register_runstate_memory_area, 0, &a), 0);
	assert_int_equal(guest_rs.state, RUNSTATE_running);
	assert_int_equal(guest_rs.state_entry_time, fake_now);
	assert_int_equal(guest_rs.time[RUNSTATE_running], 500);
	/* Without the update flag: one whole copy per change. */
	nr_writes = 0;
	fake_now += 1000;
	vcpu_runstate_change(&vcpu0, RUNSTATE_blocked);
	assert_int_equal(nr_writes, 1);
	assert_int_equal(writes[0].len, sizeof(struct vcpu_runstate_info));
	assert_int_equal(guest_rs.time[RUNSTATE_running], 1500);
	/* With VMASST_TYPE_runstate_update_flag: flag byte set, copy, flag cleared. */
	dom.vm_assist |= 1UL << VMASST_TYPE_runstate_update_flag;
	nr_writes = 0;
	fake_now += 3000;
	vcpu_runstate_change(&vcpu0, RUNSTATE_running);
	assert_int_equal(nr_writes, 3);
	assert_int_equal(writes[0].va, (u64)(uintptr_t)&guest_rs.state_entry_time + 7);
	assert_int_equal(writes[0].len, 1);
	assert_int_equal(writes[0].top, 0x80); /* XEN_RUNSTATE_UPDATE while writing */
	assert_int_equal(writes[1].len, sizeof(struct vcpu_runstate_info));
	assert_int_equal(writes[1].top, 0x80);
	assert_int_equal(writes[2].len, 1);
	assert_int_equal(writes[2].top, 0);
	assert_int_equal(guest_rs.state_entry_time, fake_now);
	assert_int_equal(guest_rs.time[RUNSTATE_blocked], 3000);
	assert_int_equal(guest_rs.state, RUNSTATE_running);
	/* get_runstate_info brings the running time up to date. */
	fake_now += 250;
	assert_int_equal(vop(VCPUOP_get_runstate_info, 0, &got), 0);
	assert_int_equal(got.time[RUNSTATE_running], 1750);
	assert_int_equal(got.time[RUNSTATE_blocked], 3000);
	/* Address 0 stops the copies. */
	a.addr.p = 0;
	assert_int_equal(vop(VCPUOP_register_runstate_memory_area, 0, &a), 0);
	nr_writes = 0;
	vcpu_runstate_change(&vcpu0, RUNSTATE_blocked);
	assert_int_equal(nr_writes, 0);
}

static void test_time_area(void **state)
{
	static struct vcpu_time_info copy;
	struct vcpu_register_time_memory_area a = { .addr.p = (u64)(uintptr_t)&copy };

	(void)state;
	assert_int_equal(vop(VCPUOP_register_vcpu_time_memory_area, 0, &a), 0);
	assert_int_equal(vcpu0.time_info_guest, (u64)(uintptr_t)&copy);
	assert_int_equal(time_updates, 1);
	a.addr.p = 16;
	assert_int_equal(vop(VCPUOP_register_vcpu_time_memory_area, 0, &a), -EFAULT);
	assert_int_equal(vcpu0.time_info_guest, (u64)(uintptr_t)&copy);
}

#define T(f) cmocka_unit_test_setup(f, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_errors),	  T(test_up_down), T(test_singleshot), T(test_set_timer_op),
		T(test_periodic), T(test_runstate),   T(test_time_area),
	};

	return cmocka_run_group_tests_name("vcpu", tests, NULL, NULL);
}
