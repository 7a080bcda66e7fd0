/*
 * INS/OUTS whose memory operand is an emulated device's registers (the
 * local APIC's page): the element goes to the device as an MMIO access,
 * one element per pass, as Xen's emulator falls back to it. With TPR 0:
 * `insl` from 0xE9 (nobody reads it: all-ones) into TPR gives TPR 0xFF;
 * `rep insb` of 2 bytes into TPR's first two bytes gives 0xFF again (byte
 * writes merge into the register); with TPR 'K', `outsb` and a 2-byte
 * `rep outsb` from TPR write 'K' each (and the register's zero byte, which
 * the console drops) between two RAM strings on port 0xE9, a line that
 * must reach the console, and `rep outsl` from TPR goes through too
 * (printing nothing: the debug port takes bytes only, on Xen as here). rcx/rsi/rdi are checked
 * after each. Before, Petrel crashed the domain at the first ("buffer in an emulated device's MMIO
 * range").
 */
#include "xtest.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M guest_loglvl=all");
TEST_EXPECT("lapic tpr KK ok");

#define PORT 0xe9
#define TPR_VA (APIC_MMIO + APIC_TPR)

struct regs {
	unsigned long rcx, rsi, rdi;
};

/* A string instruction on port 0xE9 with rcx, rsi and rdi in and out. */
#define STRING_OP(name, insn)                                                                      \
	static void name(struct regs *r)                                                           \
	{                                                                                          \
		__asm__ volatile(insn                                                              \
				 : "+c"(r->rcx), "+S"(r->rsi), "+D"(r->rdi)                        \
				 : "d"(PORT)                                                       \
				 : "memory");                                                      \
	}

STRING_OP(insl, "insl")
STRING_OP(rep_insb, "rep insb")
STRING_OP(outsb, "outsb")
STRING_OP(rep_outsb, "rep outsb")
STRING_OP(rep_outsl, "rep outsl")

static void expect_regs(const char *what, const struct regs *r, const struct regs *want)
{
	xtest_check(r->rcx == want->rcx && r->rsi == want->rsi && r->rdi == want->rdi,
		    "%s: rcx %lu rsi %#lx rdi %#lx, want %lu %#lx %#lx", what, r->rcx, r->rsi,
		    r->rdi, want->rcx, want->rsi, want->rdi);
}

static void ins_into_tpr(void)
{
	struct regs r = { 0, 0, TPR_VA }, want = { 0, 0, TPR_VA + 4 };

	apic_write(APIC_TPR, 0);
	insl(&r);
	expect_regs("insl into TPR", &r, &want);
	xtest_check(apic_read(APIC_TPR) == 0xff, "TPR %#x after insl, want 0xff",
		    apic_read(APIC_TPR));
	apic_write(APIC_TPR, 0);
	r = (struct regs){ 2, 0, TPR_VA };
	want = (struct regs){ 0, 0, TPR_VA + 2 };
	rep_insb(&r);
	expect_regs("rep insb into TPR", &r, &want);
	xtest_check(apic_read(APIC_TPR) == 0xff, "TPR %#x after rep insb, want 0xff",
		    apic_read(APIC_TPR));
	apic_write(APIC_TPR, 0);
}

static const char head[] = "lapic tpr ", tail[] = " ok\n";

static void outs_from_tpr(void)
{
	struct regs r = { 10, (unsigned long)head, 0 }, want = { 0, (unsigned long)head + 10, 0 };

	apic_write(APIC_TPR, 'K');
	rep_outsb(&r);
	expect_regs("rep outsb head", &r, &want);
	r = (struct regs){ 0, TPR_VA, 0 };
	want = (struct regs){ 0, TPR_VA + 1, 0 };
	outsb(&r);
	expect_regs("outsb from TPR", &r, &want);
	r = (struct regs){ 2, TPR_VA, 0 };
	want = (struct regs){ 0, TPR_VA + 2, 0 };
	rep_outsb(&r);
	expect_regs("rep outsb from TPR", &r, &want);
	r = (struct regs){ 1, TPR_VA, 0 };
	want = (struct regs){ 0, TPR_VA + 4, 0 };
	rep_outsl(&r);
	expect_regs("rep outsl from TPR", &r, &want);
	r = (struct regs){ 4, (unsigned long)tail, 0 };
	want = (struct regs){ 0, (unsigned long)tail + 4, 0 };
	rep_outsb(&r);
	expect_regs("rep outsb tail", &r, &want);
	apic_write(APIC_TPR, 0);
}

void test_main(void)
{
	ins_into_tpr();
	outs_from_tpr();
}
