/*
 * A hypercall through `syscall` may change rax (the result), rcx and r11
 * (clobbered by syscall/sysret) and the argument registers; every other
 * register is preserved: rbx, rbp, r9 and r12-r15 here, across a few calls.
 */
#include "xtest.h"

/* long regs_call(nr, a1, a2, a3): saves rbx rbp r9 r12-r15 to regs_after[] after the call. */
__asm__(".pushsection .text\n"
	"regs_call:\n"
	"	push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
	"	mov %rdi, %rax; mov %rsi, %rdi; mov %rdx, %rsi; mov %rcx, %rdx\n"
	"	movabs $0x1111111111111111, %rbx\n"
	"	movabs $0x2222222222222222, %rbp\n"
	"	movabs $0x9999999999999999, %r9\n"
	"	movabs $0xcccccccccccccccc, %r12\n"
	"	movabs $0xdddddddddddddddd, %r13\n"
	"	movabs $0xeeeeeeeeeeeeeeee, %r14\n"
	"	movabs $0xffffffffffffffff, %r15\n"
	"	syscall\n"
	"	mov %rbx, regs_after+0(%rip)\n"
	"	mov %rbp, regs_after+8(%rip)\n"
	"	mov %r9, regs_after+16(%rip)\n"
	"	mov %r12, regs_after+24(%rip)\n"
	"	mov %r13, regs_after+32(%rip)\n"
	"	mov %r14, regs_after+40(%rip)\n"
	"	mov %r15, regs_after+48(%rip)\n"
	"	pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
	"	ret\n"
	".popsection\n");

long regs_call(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3);
unsigned long regs_after[7];

static const char *const names[7] = { "rbx", "rbp", "r9", "r12", "r13", "r14", "r15" };
static const unsigned long want[7] = {
	0x1111111111111111UL, 0x2222222222222222UL, 0x9999999999999999UL, 0xccccccccccccccccUL,
	0xddddddddddddddddUL, 0xeeeeeeeeeeeeeeeeUL, 0xffffffffffffffffUL,
};

static void check(const char *what, unsigned long nr, unsigned long a1, unsigned long a2,
		  unsigned long a3, long want_rc)
{
	long rc;
	int i;

	memset(regs_after, 0, sizeof(regs_after));
	rc = regs_call(nr, a1, a2, a3);
	printk("%s -> %ld\n", what, rc);
	xtest_check(rc == want_rc, "%s returned %ld, expected %ld", what, rc, want_rc);
	for (i = 0; i < 7; i++)
		xtest_check(regs_after[i] == want[i], "%s: %s is %#lx after the call, was %#lx",
			    what, names[i], regs_after[i], want[i]);
}

void test_main(void)
{
	static const char msg[] = "console_io from regs_call\n";
	xen_extraversion_t extra;

	check("xen_version(version)", HC_xen_version, XENVER_version, 0, 0, 0x00040011);
	check("xen_version(extraversion)", HC_xen_version, XENVER_extraversion,
	      (unsigned long)extra, 0, 0);
	check("console_io(write)", HC_console_io, CONSOLEIO_write, sizeof(msg) - 1,
	      (unsigned long)msg, 0);
	check("unknown hypercall 999", 999, 0, 0, 0, -XEN_ENOSYS);
	check("sched_op(yield)", HC_sched_op, SCHEDOP_yield, 0, 0, 0);
}
