/*
 * HVM exit hot paths of a PVH initial domain, one BENCH line each (see
 * bench.h): the null hypercall (xen_version 0 through vmcall/vmmcall),
 * CPUID (a Xen leaf), a read of the xAPIC version register (a nested page
 * fault or EPT violation, decoded and emulated), a port read the hypervisor
 * answers (I/O exit), and a one-shot local APIC timer of 1000 bus ticks
 * (10 us) from arming to the handler.
 */
#include "bench.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");

#define VEC_TIMER 0x31
#define APIC_VER 0x030

static volatile unsigned int ticks;

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

static bool port_read(unsigned long iters, void *arg)
{
	uint8_t v;

	(void)arg;
	for (unsigned long i = 0; i < iters; i++) {
		__asm__ volatile("inb $0x64, %0" : "=a"(v));
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

/* Arm a 10 us one-shot and wait (sti; hlt) for its interrupt. */
static bool lapic_timer(unsigned long iters, void *arg)
{
	(void)arg;
	for (unsigned long i = 0; i < iters; i++) {
		unsigned int before = ticks;

		apic_write(APIC_TMICT, 1000);
		while (ticks == before)
			__asm__ volatile("sti; hlt; cli" ::: "memory");
	}
	return true;
}

void test_main(void)
{
	hvm_set_irq_handler(VEC_TIMER, on_timer);
	apic_write(APIC_SVR, 0x1ff);
	apic_write(APIC_TDCR, 0xb); /* divide by 1 */
	apic_write(APIC_LVTT, VEC_TIMER);
	bench_run("hvm-null-hypercall", 200, null_hypercall, NULL);
	bench_run("hvm-cpuid-exit", 200, cpuid_exit, NULL);
	bench_run("hvm-lapic-mmio-read", 200, lapic_mmio_read, NULL);
	bench_run("hvm-port-read", 200, port_read, NULL);
	bench_run("hvm-lapic-timer-10us", 20, lapic_timer, NULL);
}
