/*
 * HVM exit hot paths of a PVH initial domain, one BENCH line each (see
 * bench.h): the null hypercall (xen_version 0 through vmcall/vmmcall),
 * CPUID (a Xen leaf), a read of the xAPIC version register (a nested page
 * fault or EPT violation, decoded and emulated), a read of a GFN given back
 * with XENMEM_decrease_reservation (a not-present nested page fault, the
 * read emulated as all-ones by the null MMIO handler), a read of the PIC's
 * port 0x21 (an I/O exit on both hypervisors: neither gives the initial
 * domain that port, and with no PIC emulated the null handler reads 0xff),
 * and one-shot local APIC timers of 1 bus tick (the interrupt round trip:
 * arm, fire, inject, EOI) and of 1000 bus ticks (10 us) from arming to the
 * handler.
 */
#include "bench.h"
#include "hvm.h"
#include "memory-op.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");

#define VEC_TIMER 0x31
#define APIC_VER 0x030

static volatile unsigned int ticks;
static uint8_t gone_page[4096] __attribute__((aligned(4096)));

static bool null_hypercall(unsigned long iters, void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < iters; i++)
		if (hypercall_hvm(HC_xen_version, XENVER_version, 0, 0, 0, 0) <= 0)
			return false;
	return true;
}

static bool cpuid_exit(unsigned long iters, void *arg)
{
	uint32_t a, b, c, d;

	(void)arg;
	for (unsigned long i = 0; i < iters; i++) {
		hvm_cpuid(0x40000001, 0, &a, &b, &c, &d);
		if (a != 0x40011)
			return false;
	}
	return true;
}

static bool lapic_mmio_read(unsigned long iters, void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < iters; i++)
		if ((apic_read(APIC_VER) & 0xff) != 0x14)
			return false;
	return true;
}

/* Give gone_page's GFN back to the hypervisor: 1 when it went. */
static long give_back_page(void)
{
	unsigned long gfn = (unsigned long)gone_page >> 12;
	struct reservation r = { &gfn, 1, 0, 0, DOMID_SELF };

	return hypercall(HC_memory_op, XENMEM_decrease_reservation, (unsigned long)&r, 0, 0, 0);
}

static bool npt_fault_read(unsigned long iters, void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < iters; i++)
		if (*(volatile uint64_t *)gone_page != ~0UL)
			return false;
	return true;
}

static bool port_read(unsigned long iters, void *arg)
{
	uint8_t v;

	(void)arg;
	for (unsigned long i = 0; i < iters; i++) {
		__asm__ volatile("inb $0x21, %0" : "=a"(v));
		(void)v;
	}
	return true;
}

static void on_timer(unsigned int vector)
{
	(void)vector;
	ticks++;
	apic_write(APIC_EOI, 0);
}

/* Arm a one-shot of *arg bus ticks and wait (sti; hlt) for its interrupt. */
static bool lapic_timer(unsigned long iters, void *arg)
{
	uint32_t count = *(const uint32_t *)arg;

	for (unsigned long i = 0; i < iters; i++) {
		unsigned int before = ticks;

		apic_write(APIC_TMICT, count);
		while (ticks == before)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
	return true;
}

void test_main(void)
{
	static const uint32_t one_tick = 1, ten_us = 1000;

	hvm_set_irq_handler(VEC_TIMER, on_timer);
	apic_write(APIC_SVR, 0x1ff);
	apic_write(APIC_TDCR, 0xb); /* divide by 1 */
	apic_write(APIC_LVTT, VEC_TIMER);
	bench_run("hvm-null-hypercall", 200, null_hypercall, NULL);
	bench_run("hvm-cpuid-exit", 200, cpuid_exit, NULL);
	bench_run("hvm-lapic-mmio-read", 200, lapic_mmio_read, NULL);
	if (give_back_page() == 1)
		bench_run("hvm-npt-fault-read", 200, npt_fault_read, NULL);
	else
		xtest_fail("decrease_reservation of one page failed");
	bench_run("hvm-port-read", 200, port_read, NULL);
	bench_run("hvm-lapic-timer-1tick", 50, lapic_timer, (void *)&one_tick);
	bench_run("hvm-lapic-timer-10us", 20, lapic_timer, (void *)&ten_us);
}
