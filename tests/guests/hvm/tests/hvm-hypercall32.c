/*
 * A hypercall from 32-bit protected mode (the PVH entry state, before the
 * guest enters long mode): vmcall/vmmcall with the 32-bit register ABI (eax =
 * number, ebx, ecx, edx = arguments), console_io write, and
 * XENMEM_add_to_physmap(shared_info) in Xen's compat layout (idx and gpfn
 * 32 bits) onto a page of the image; the results are kept and checked once
 * in long mode, where the page then reads as shared_info, not as the
 * pattern it held.
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

long early32_atp_rc = 0x5a5a;
/* In .data (initialised), so nothing clears it after the 32-bit code ran. */
uint32_t early32_page[1024] __attribute__((aligned(4096))) = { [16] = 0xa5a5a5a5 };

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
	/* add_to_physmap { DOMID_SELF, size 0, shared_info, idx 0, gpfn } */
	"	subl $16, %esp\n"
	"	movl $0x7ff0, 0(%esp)\n"
	"	movl $0, 4(%esp)\n"
	"	movl $0, 8(%esp)\n"
	"	movl $early32_page, %eax\n"
	"	shrl $12, %eax\n"
	"	movl %eax, 12(%esp)\n"
	"	movl $12, %eax\n" /* memory_op */
	"	movl $7, %ebx\n"  /* XENMEM_add_to_physmap */
	"	movl %esp, %ecx\n"
	"	" HVM_HYPERCALL_INSN
	"	movl %eax, early32_atp_rc\n"
	"	sarl $31, %eax\n"
	"	movl %eax, early32_atp_rc + 4\n"
	"	addl $16, %esp\n"
	"	popl %ebx\n"
	"	ret\n"
	".code64\n"
	".popsection\n");

void test_main(void)
{
	printk("32-bit console_io returned %ld\n", early32_rc);
	xtest_check(early32_rc == 0, "32-bit console_io returned %ld, want 0", early32_rc);
	xtest_check(early32_atp_rc == 0, "32-bit add_to_physmap(shared_info) returned %ld, want 0",
		    early32_atp_rc);
	xtest_check(early32_page[16] != 0xa5a5a5a5, "the page still holds its pattern, "
		    "not shared_info");
}
