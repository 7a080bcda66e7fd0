/*
 * Two vCPU services a Linux PVH guest needs from its first boot: the
 * runstate area by guest virtual address (VCPUOP_register_runstate_memory_area,
 * which Linux BUG()s without) and SCHEDOP_poll (its spinlocks' slow path
 * with more than one vCPU). The area is written at once with the vCPU
 * running since a non-zero system time (Xen adds the running time at the
 * next state change, Petrel at once: not checked), and still says running
 * after a poll; a poll whose timeout has passed returns, one on a port
 * already pending returns at once, and bad ports or too many ports are
 * -EINVAL. vm_assist offers an HVM guest the runstate update flag only
 * (Linux asks for it), and the area never shows the flag between updates.
 */
#include "xtest.h"
#include "hvm.h"
#include "evtchn.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");

#define HC_vcpu_op 24
#define VCPUOP_register_runstate_memory_area 5
#define RUNSTATE_running 0
#define EINVAL 22
#define HC_vm_assist 21
#define VMASST_CMD_enable 0
#define VMASST_TYPE_writable_pagetables 2
#define VMASST_TYPE_runstate_update_flag 5
#define RUNSTATE_UPDATE (1UL << 63)

struct runstate {
	int32_t state, pad;
	uint64_t state_entry_time;
	uint64_t time[4];
};

static volatile struct runstate area;

static long poll(uint32_t *ports, unsigned int nr, uint64_t timeout)
{
	struct sched_poll p = { .ports = ports, .nr_ports = nr, .timeout = timeout };

	return hypercall(HC_sched_op, SCHEDOP_poll, (unsigned long)&p, 0, 0, 0);
}

static void check_runstate_area(void)
{
	uint64_t va = (unsigned long)&area;
	long rc;

	rc = hypercall(HC_vm_assist, VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag, 0, 0, 0);
	xtest_check(rc == 0, "vm_assist runstate_update_flag: %ld", rc);
	rc = hypercall(HC_vm_assist, VMASST_CMD_enable, VMASST_TYPE_writable_pagetables, 0, 0, 0);
	xtest_check(rc == -EINVAL, "vm_assist writable_pagetables: %ld, want -EINVAL", rc);

	area.state = -1;
	rc = hypercall(HC_vcpu_op, VCPUOP_register_runstate_memory_area, 0, (unsigned long)&va, 0,
		       0);
	printk("runstate area: rc %ld state %d entry %lu running %lu\n", rc, area.state,
	       (unsigned long)area.state_entry_time, (unsigned long)area.time[0]);
	xtest_check(rc == 0, "register_runstate_memory_area: %ld", rc);
	xtest_check(area.state == RUNSTATE_running, "runstate area state %d, want running",
		    area.state);
	xtest_check(!(area.state_entry_time & RUNSTATE_UPDATE),
		    "runstate area left with the update flag");
	xtest_check(area.state_entry_time && area.time[RUNSTATE_running] <= area.state_entry_time,
		    "runstate area entry time %lu, running time %lu",
		    (unsigned long)area.state_entry_time, (unsigned long)area.time[0]);
}

static void check_poll(void)
{
	struct evtchn_alloc_unbound u = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	uint64_t entry = area.state_entry_time;
	uint32_t ports[129] = { 0 };
	long rc;

	rc = evtchn_op(EVTCHNOP_alloc_unbound, &u);
	xtest_check(rc == 0, "alloc_unbound: %ld", rc);
	ports[0] = u.port;
	rc = poll(ports, 1, 1); /* the timeout (system time 1 ns) has passed */
	xtest_check(rc == 0, "poll of an idle port with a past timeout: %ld", rc);
	printk("poll returned; runstate entry %lu -> %lu\n", (unsigned long)entry,
	       (unsigned long)area.state_entry_time);
	xtest_check(area.state == RUNSTATE_running && area.state_entry_time >= entry,
		    "runstate area after the poll: state %d entry %lu (was %lu)", area.state,
		    (unsigned long)area.state_entry_time, (unsigned long)entry);
	rc = evtchn_op(EVTCHNOP_bind_ipi, &ipi);
	xtest_check(rc == 0, "bind_ipi: %ld", rc);
	rc = evtchn_port_op(EVTCHNOP_send, ipi.port);
	xtest_check(rc == 0, "send: %ld", rc);
	ports[1] = ipi.port;
	rc = poll(ports, 2, 0); /* no timeout: only the pending port ends it */
	xtest_check(rc == 0, "poll with a pending port: %ld", rc);
	ports[0] = 100000;
	rc = poll(ports, 1, 1);
	xtest_check(rc == -EINVAL, "poll of port 100000: %ld, want -EINVAL", rc);
	rc = poll(ports, 129, 1);
	xtest_check(rc == -EINVAL, "poll of 129 ports: %ld, want -EINVAL", rc);
}

void test_main(void)
{
	check_runstate_area();
	check_poll();
}
