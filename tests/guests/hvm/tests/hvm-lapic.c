/*
 * The local APIC through its xAPIC MMIO page: ID and version as Xen has
 * them, SVR and TPR (also through CR8 on Petrel), the timer one-shot and periodic (an interrupt
 * with its ISR bit set in the handler and cleared by EOI, the current count running down), a masked
 * timer that delivers nothing, self-IPIs held back by RFLAGS.IF and by the task priority until
 * those allow them.
 */
#include "xtest.h"
#include "msr-index.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");

#define VEC_TIMER 0x30
#define VEC_IPI 0x31
#define ICR_SELF (1u << 18)
#define ICR_ASSERT (1u << 14)

static volatile unsigned int timer_hits, ipi_hits;
static volatile int timer_isr, ipi_isr;

static void on_timer(unsigned int vec)
{
	timer_isr = apic_vec_bit(APIC_ISR, vec);
	timer_hits++;
	apic_write(APIC_EOI, 0);
}

static void on_ipi(unsigned int vec)
{
	ipi_isr = apic_vec_bit(APIC_ISR, vec);
	ipi_hits++;
	apic_write(APIC_EOI, 0);
}

/* Sleep with interrupts on until @hits reaches @want (a timer must be armed). */
static void wait_hits(volatile unsigned int *hits, unsigned int want)
{
	while (*hits < want)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* Open an interrupt window of a few instructions. */
static void window(void)
{
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
}

/*
 * CR8 is the TPR's priority class: a write shows in the xAPIC TPR and reads
 * back. Petrel only: Xen 4.17 under QEMU's TCG fails to emulate MOV from CR8
 * ("CR access emulation failed") and the guest dies (OVMF too).
 */
static void check_cr8(void)
{
	unsigned long cr8 = 0;
	uint32_t v;

	if (!xtest_on_petrel())
		return;
	__asm__ volatile("mov %0, %%cr8" : : "r"(2UL) : "memory");
	v = apic_read(APIC_TPR);
	__asm__ volatile("mov %%cr8, %0" : "=r"(cr8));
	printk("CR8 2: TPR %#x, CR8 reads %lu\n", v, cr8);
	xtest_check(v == 0x20, "TPR %#x after CR8 = 2, want 0x20", v);
	xtest_check(cr8 == 2, "CR8 reads %lu after writing 2", cr8);
	__asm__ volatile("mov %0, %%cr8" : : "r"(0UL) : "memory");
	xtest_check(apic_read(APIC_TPR) == 0, "TPR %#x after CR8 = 0", apic_read(APIC_TPR));
}

static void check_registers(void)
{
	uint64_t base = 0;
	uint32_t v;

	v = apic_read(APIC_ID);
	xtest_check(v == 0, "APIC ID %#x, want 0 (vCPU 0)", v);
	v = apic_read(APIC_LVR);
	xtest_check(v == 0x00050014, "APIC version %#x, want 0x50014", v);
	xtest_check(hvm_rdmsr_safe(MSR_APIC_BASE, &base) < 0, "APIC base MSR read faulted");
	xtest_check(base == 0xfee00900, "APIC base %#lx, want 0xfee00900", (unsigned long)base);
	apic_write(APIC_SVR, 0x1ff);
	v = apic_read(APIC_SVR);
	xtest_check((v & 0x1ff) == 0x1ff, "SVR %#x after writing 0x1ff", v);
	apic_write(APIC_TPR, 0x25);
	v = apic_read(APIC_TPR);
	xtest_check(v == 0x25, "TPR %#x after writing 0x25", v);
	apic_write(APIC_TPR, 0);
	check_cr8();
}

static void check_masked_timer(void)
{
	unsigned int spins = 0;

	apic_write(APIC_TDCR, 0xb); /* divide by 1 */
	apic_write(APIC_LVTT, APIC_LVT_MASKED | VEC_TIMER);
	apic_write(APIC_TMICT, 20000);
	while (apic_read(APIC_TMCCT) && ++spins < 1000000)
		;
	xtest_check(!apic_read(APIC_TMCCT), "masked one-shot timer never ran down");
	window();
	xtest_check(timer_hits == 0, "a masked timer delivered %u interrupts", timer_hits);
	xtest_check(!apic_vec_bit(APIC_IRR, VEC_TIMER), "a masked timer set its IRR bit");
}

static void check_oneshot(void)
{
	uint32_t count;

	timer_hits = 0;
	apic_write(APIC_LVTT, VEC_TIMER);
	apic_write(APIC_TMICT, 10000000); /* 100 ms: Xen emulates slowly under TCG */
	count = apic_read(APIC_TMCCT);
	xtest_check(count > 0 && count <= 10000000, "one-shot current count %u of 10000000", count);
	wait_hits(&timer_hits, 1);
	xtest_check(timer_isr, "ISR bit of the timer vector clear in its handler");
	xtest_check(!apic_vec_bit(APIC_ISR, VEC_TIMER), "ISR bit still set after EOI");
	xtest_check(!apic_read(APIC_TMCCT), "one-shot count %u after firing",
		    apic_read(APIC_TMCCT));
	window();
	xtest_check(timer_hits == 1, "one-shot timer fired %u times", timer_hits);
}

static void check_periodic(void)
{
	uint32_t count;

	timer_hits = 0;
	apic_write(APIC_LVTT, VEC_TIMER | APIC_LVTT_PERIODIC);
	apic_write(APIC_TMICT, 1000000); /* 10 ms at Xen's 100 MHz bus */
	wait_hits(&timer_hits, 3);
	count = apic_read(APIC_TMCCT);
	xtest_check(count <= 1000000, "periodic current count %u of 1000000", count);
	apic_write(APIC_TMICT, 0);
	xtest_check(!apic_read(APIC_TMCCT), "count %u after stopping", apic_read(APIC_TMCCT));
	printk("periodic timer: %u interrupts\n", timer_hits);
	xtest_check(timer_hits >= 3, "periodic timer: %u interrupts", timer_hits);
	apic_write(APIC_LVTT, APIC_LVT_MASKED | VEC_TIMER);
}

static void check_self_ipi(void)
{
	ipi_hits = 0;
	apic_write(APIC_ICR, ICR_SELF | ICR_ASSERT | VEC_IPI);
	xtest_check(apic_vec_bit(APIC_IRR, VEC_IPI), "self-IPI not in IRR while IF=0");
	xtest_check(ipi_hits == 0, "self-IPI delivered with IF=0");
	window();
	xtest_check(ipi_hits == 1, "self-IPI delivered %u times after sti", ipi_hits);
	xtest_check(ipi_isr, "ISR bit of the IPI clear in its handler");
	xtest_check(!apic_vec_bit(APIC_IRR, VEC_IPI) && !apic_vec_bit(APIC_ISR, VEC_IPI),
		    "IPI vector left in IRR or ISR");

	/* The same by destination: our own APIC ID, physical mode. */
	apic_write(APIC_ICR2, 0);
	apic_write(APIC_ICR, ICR_ASSERT | VEC_IPI);
	window();
	xtest_check(ipi_hits == 2, "IPI to our own ID delivered %u times", ipi_hits - 1);

	/*
	 * The task priority holds back vectors of its class and below. The
	 * window under a blocking TPR is opened on Petrel only: Xen 4.17
	 * under QEMU TCG never leaves it (the vCPU spins, not investigated
	 * yet; QEMU's V_IRQ priority check is the suspect).
	 */
	apic_write(APIC_TPR, VEC_IPI & 0xf0);
	apic_write(APIC_ICR, ICR_SELF | ICR_ASSERT | VEC_IPI);
	if (xtest_on_petrel())
		window();
	xtest_check(ipi_hits == 2, "IPI %#x delivered with TPR %#x", VEC_IPI, VEC_IPI & 0xf0);
	xtest_check(apic_vec_bit(APIC_IRR, VEC_IPI), "IPI held back by TPR not in IRR");
	xtest_check(apic_read(APIC_PPR) == (VEC_IPI & 0xf0), "PPR %#x", apic_read(APIC_PPR));
	apic_write(APIC_TPR, 0);
	window();
	xtest_check(ipi_hits == 3, "IPI not delivered once TPR was lowered");
}

void test_main(void)
{
	hvm_set_irq_handler(VEC_TIMER, on_timer);
	hvm_set_irq_handler(VEC_IPI, on_ipi);
	check_registers();
	check_masked_timer();
	check_oneshot();
	check_periodic();
	check_self_ipi();
}
