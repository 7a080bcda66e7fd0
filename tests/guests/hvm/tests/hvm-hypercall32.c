/*
 * A hypercall from 32-bit protected mode (the PVH entry state, before the
 * guest enters long mode): vmcall/vmmcall with the 32-bit register ABI (eax =
 * number, ebx, ecx, edx = arguments), console_io write; its result is kept
 * and checked once in long mode.
 */
#include "xtest.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");
TEST_EXPECT("console_io from 32-bit mode");

/* Written by hvm_early32; starts non-zero so a skipped call shows. */
long early32_rc = 0x5a5a;
extern const char early32_msg[];
const char early32_msg[] = "console_io from 32-bit mode\n";

__asm__(".pushsection .text\n"
	".code32\n"
	".globl hvm_early32\n"
	"hvm_early32:\n"
	"	pushl %ebx\n"
	"	movl $18, %eax\n"  /* console_io */
	"	xorl %ebx, %ebx\n" /* CONSOLEIO_write */
	"	movl $28, %ecx\n"  /* length */
	"	movl $early32_msg, %edx\n"
	"	" HVM_HYPERCALL_INSN
	"	movl %eax, early32_rc\n"
	"	sarl $31, %eax\n"
	"	movl %eax, early32_rc + 4\n"
	"	popl %ebx\n"
	"	ret\n"
	".code64\n"
	".popsection\n");

void test_main(void)
{
	printk("32-bit console_io returned %ld\n", early32_rc);
	xtest_check(early32_rc == 0, "32-bit console_io returned %ld, want 0", early32_rc);
}
