/*
 * Hard affinity, seen from the control domain on a two-CPU machine. dom0
 * pins itself to CPU 0 and builds two CPU-bound tiny domains
 * (lib/hammer.c): the first stays pinned to CPU 1; the second is pinned
 * to CPU 1, then CPU 0, and so on, every 200 ms. getvcpuinfo, read every
 * 20 ms, must name the CPU each is pinned to (the moving one within a
 * reading of its move), and both must keep running (cpu_time grows).
 * Both hammer their registers (XMM0-15, TSC_AUX, FS base) meanwhile: the
 * moving one's must survive each move, the saved state going with it.
 */
#include "hammer.h"

TEST_SMP("2");
TEST_HV_ARGS("dom0_mem=64M");

#define MOVES 10
#define MOVE_MS 200
#define READ_MS 20

static struct hammer_dom doms[2] = {
	{ .seed = 0xc1c2c3c4c5c6c700ULL, .fs_slot = 0x100 },
	{ .seed = 0xd1d2d3d4d5d6d700ULL, .fs_slot = 0x200 },
};

/* Over one move period, d0 must stay on CPU 1 and d1 reach @cpu (and stay). */
static void watch(unsigned int cpu, unsigned int move, unsigned int *wrong)
{
	uint64_t t;
	uint32_t c0, c1;

	for (unsigned int r = 0; r < MOVE_MS / READ_MS; r++) {
		hammer_sleep_ms(READ_MS);
		if (!hammer_vcpu_info(doms[0].t.id, &t, &c0) ||
		    !hammer_vcpu_info(doms[1].t.id, &t, &c1)) {
			xtest_fail("getvcpuinfo failed");
			return;
		}
		if ((c0 != 1 || (r && c1 != cpu)) && !(*wrong)++)
			xtest_fail("move %u, reading %u: d%u on CPU %u, d%u on CPU %u (pinned to 1, %u)",
				   move, r, doms[0].t.id, c0, doms[1].t.id, c1, cpu);
	}
}

static uint64_t cpu_time(const struct hammer_dom *d)
{
	uint64_t t = 0;
	uint32_t cpu;

	hammer_vcpu_info(d->t.id, &t, &cpu);
	return t;
}

void test_main(void)
{
	uint64_t t0[2];
	unsigned int wrong = 0;
	long rc;

	if (hammer_nr_cpus() < 2) {
		xtest_fail("physinfo: %u CPUs, the test asks for 2", hammer_nr_cpus());
		return;
	}
	xtest_check(hammer_pin(0, 1u << 0) == 0, "pinning dom0 to CPU 0");
	for (unsigned int i = 0; i < 2; i++) {
		if (!hammer_build(&doms[i])) {
			if (i)
				tiny_destroy(&doms[0].t);
			return;
		}
		rc = hammer_pin(doms[i].t.id, 1u << 1);
		xtest_check(rc == 0, "pinning d%u to CPU 1: %ld", doms[i].t.id, rc);
		rc = hammer_dom_op(XEN_DOMCTL_unpausedomain, doms[i].t.id);
		xtest_check(rc == 0, "unpausing d%u: %ld", doms[i].t.id, rc);
	}
	watch(1, 0, &wrong);
	for (unsigned int i = 0; i < 2; i++)
		t0[i] = cpu_time(&doms[i]);
	for (unsigned int m = 1; m <= MOVES; m++) {
		unsigned int cpu = m & 1 ? 0 : 1;

		rc = hammer_pin(doms[1].t.id, (uint8_t)(1u << cpu));
		xtest_check(rc == 0, "move %u: pinning d%u to CPU %u: %ld", m, doms[1].t.id, cpu,
			    rc);
		watch(cpu, m, &wrong);
	}
	for (unsigned int i = 0; i < 2; i++) {
		uint64_t ran = cpu_time(&doms[i]) - t0[i];

		printk("d%u ran %lu ms in %u ms\n", doms[i].t.id, (unsigned long)(ran / MS),
		       MOVES * MOVE_MS);
		xtest_check(ran > MOVES * MOVE_MS * MS / 5, "d%u ran only %lu ms", doms[i].t.id,
			    (unsigned long)(ran / MS));
	}
	for (unsigned int i = 0; i < 2; i++) {
		hammer_check(&doms[i]);
		tiny_destroy(&doms[i].t);
	}
}
