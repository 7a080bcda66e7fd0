/*
 * A hypercall from ring 3 of an HVM guest is refused with -XEN_EPERM (and has
 * no effect: its console text must not appear), as Xen does.
 */
#include "xtest.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");
TEST_EXPECT("ring 3 done");

extern const char msg[];
const char msg[] = "ring 3 console_io reached the console\n";

/* console_io(write, len, msg) with vmcall/vmmcall, then back to ring 0 with its rax. */
__asm__(".pushsection .text\n"
	"user_fn:\n"
	"	movl $18, %eax\n"
	"	xorl %edi, %edi\n"
	"	movl $38, %esi\n"
	"	leaq msg(%rip), %rdx\n"
	"	" HVM_HYPERCALL_INSN
	"	int $0x80\n"
	".popsection\n");
extern void user_fn(void);

void test_main(void)
{
	long rc = hvm_run_user(user_fn);

	printk("ring 3 done: the hypercall returned %ld\n", rc);
	xtest_check(rc == -XEN_EPERM, "ring-3 hypercall returned %ld, want -XEN_EPERM", rc);
}
