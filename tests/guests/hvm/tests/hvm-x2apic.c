/*
 * The local APIC in x2APIC mode: offered by CPUID, refused before the APIC
 * base MSR enables it, then ID, version and logical ID as MSRs, a
 * self-IPI through the SELF_IPI MSR seen in the IRR MSR and EOI'd, the
 * timer programmed through MSRs, and the accesses that must #GP (a read
 * of a write-only register, EOI with a value, the way back to xAPIC).
 */
#include "xtest.h"
#include "msr-index.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");

#define VEC_TIMER 0x32
#define VEC_IPI 0x33
#define GP 13

static volatile unsigned int timer_hits, ipi_hits;
static volatile int ipi_isr;

static uint64_t rd(unsigned int off)
{
	uint64_t v = 0;
	int f = hvm_rdmsr_safe(APIC_MSR(off), &v);

	xtest_check(f < 0, "rdmsr %#x raised vector %d", APIC_MSR(off), f);
	return v;
}

static void wr(unsigned int off, uint64_t v)
{
	int f = hvm_wrmsr_safe(APIC_MSR(off), v);

	xtest_check(f < 0, "wrmsr %#x <- %#lx raised vector %d", APIC_MSR(off), (unsigned long)v,
		    f);
}

static void on_timer(unsigned int vec)
{
	(void)vec;
	timer_hits++;
	wr(APIC_EOI, 0);
}

static void on_ipi(unsigned int vec)
{
	ipi_isr = (rd(APIC_ISR + 16 * (vec / 32)) >> (vec % 32)) & 1;
	ipi_hits++;
	wr(APIC_EOI, 0);
}

static void enable_x2apic(void)
{
	uint32_t a, b, c, d;
	uint64_t base = 0, v;

	hvm_cpuid(1, 0, &a, &b, &c, &d);
	xtest_check(c & (1u << 21), "CPUID leaf 1 ecx %#x: no x2APIC", c);
	xtest_check(hvm_rdmsr_safe(APIC_MSR(APIC_ID), &v) == GP,
		    "x2APIC ID MSR readable in xAPIC mode");
	hvm_rdmsr_safe(MSR_APIC_BASE, &base);
	xtest_check(hvm_wrmsr_safe(MSR_APIC_BASE, base | (3u << 10)) < 0,
		    "enabling x2APIC faulted");
	hvm_rdmsr_safe(MSR_APIC_BASE, &base);
	xtest_check(base == 0xfee00d00, "APIC base %#lx, want 0xfee00d00", (unsigned long)base);
}

void test_main(void)
{
	uint64_t v, base = 0;

	hvm_set_irq_handler(VEC_TIMER, on_timer);
	hvm_set_irq_handler(VEC_IPI, on_ipi);
	enable_x2apic();
	xtest_check(rd(APIC_ID) == 0, "x2APIC ID %#lx", (unsigned long)rd(APIC_ID));
	xtest_check(rd(APIC_LVR) == 0x00050014, "version %#lx", (unsigned long)rd(APIC_LVR));
	xtest_check(rd(0x0d0) == 1, "logical ID %#lx, want cluster 0 bit 0",
		    (unsigned long)rd(0x0d0));
	wr(APIC_SVR, 0x1ff);

	/* Self-IPI by MSR: pending in IRR while IF=0, delivered and EOI'd after. */
	wr(APIC_SELF_IPI, VEC_IPI);
	v = rd(APIC_IRR + 16 * (VEC_IPI / 32));
	xtest_check((v >> (VEC_IPI % 32)) & 1, "self-IPI not in IRR (%#lx)", (unsigned long)v);
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	xtest_check(ipi_hits == 1 && ipi_isr, "self-IPI: %u deliveries, ISR bit %d", ipi_hits,
		    ipi_isr);
	xtest_check(!((rd(APIC_ISR + 16 * (VEC_IPI / 32)) >> (VEC_IPI % 32)) & 1),
		    "ISR bit left after EOI");

	/* The timer, one-shot, through MSRs. */
	wr(APIC_TDCR, 0xb);
	wr(APIC_LVTT, VEC_TIMER);
	wr(APIC_TMICT, 1000000);
	while (!timer_hits)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
	xtest_check(timer_hits == 1, "one-shot timer fired %u times", timer_hits);
	xtest_check(rd(APIC_TMCCT) == 0, "current count %lu after firing",
		    (unsigned long)rd(APIC_TMCCT));

	/* What x2APIC refuses. */
	xtest_check(hvm_rdmsr_safe(APIC_MSR(APIC_SELF_IPI), &v) == GP, "SELF_IPI readable");
	xtest_check(hvm_wrmsr_safe(APIC_MSR(APIC_EOI), 1) == GP, "EOI took a non-zero value");
	xtest_check(hvm_wrmsr_safe(APIC_MSR(APIC_ID), 4) == GP, "the x2APIC ID was writable");
	hvm_rdmsr_safe(MSR_APIC_BASE, &base);
	xtest_check(hvm_wrmsr_safe(MSR_APIC_BASE, base & ~(1ul << 10)) == GP,
		    "x2APIC went straight back to xAPIC");
}
