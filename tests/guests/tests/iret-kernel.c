/*
 * The iret hypercall back to guest kernel mode: every register of the
 * iret_context lands where it should (rax, rcx, r11, rip, rsp, rflags with
 * IOPL stripped and IF forced), VGCF_in_syscall returns sysret-style
 * (rcx = rip, r11 = rflags), and the event mask follows the saved IF.
 * Also the hypercall page's iret slot, which pushes rcx, r11 and rax itself
 * (this test's other hypercalls go through the page too).
 */
#include "xtest.h"

XTEST_USE_HYPERCALL_PAGE();

#define VGCF_in_syscall 0x100
#define FLAT_KERNEL_CS64 0xe033
#define FLAT_KERNEL_SS64 0xe02b

struct iret_context {
	unsigned long rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};

/* The context to iret with; a stack to land on. */
static struct iret_context ctx __attribute__((aligned(16)));
static unsigned long land_stack[512] __attribute__((aligned(16)));

/* What the landing code saw. */
unsigned long seen_rax, seen_rcx, seen_r11, seen_rsp, seen_rflags;
unsigned long saved_ctx[7];

extern char kernel_land[];
void do_iret(struct iret_context *c);
void page_iret(unsigned long rip, unsigned long rsp);

/*
 * do_iret(ctx): save the callee-saved registers and rsp, point rsp at the
 * context and issue iret. kernel_land records the registers it arrived
 * with, restores the saved state and returns from do_iret.
 */
__asm__(".text\n"
	"do_iret:\n"
	"	mov %rbx, saved_ctx+0(%rip)\n"
	"	mov %rbp, saved_ctx+8(%rip)\n"
	"	mov %r12, saved_ctx+16(%rip)\n"
	"	mov %r13, saved_ctx+24(%rip)\n"
	"	mov %r14, saved_ctx+32(%rip)\n"
	"	mov %r15, saved_ctx+40(%rip)\n"
	"	mov %rsp, saved_ctx+48(%rip)\n"
	"	mov %rdi, %rsp\n"
	"	mov $23, %eax\n"
	"	syscall\n"
	"	ud2\n"
	/*
	 * page_iret(rip, rsp): push {flags, rip, cs, rflags, rsp, ss} as a
	 * guest kernel does and jump to slot 23 with rax, rcx and r11 set.
	 */
	"page_iret:\n"
	"	mov %rbx, saved_ctx+0(%rip)\n"
	"	mov %rbp, saved_ctx+8(%rip)\n"
	"	mov %r12, saved_ctx+16(%rip)\n"
	"	mov %r13, saved_ctx+24(%rip)\n"
	"	mov %r14, saved_ctx+32(%rip)\n"
	"	mov %r15, saved_ctx+40(%rip)\n"
	"	mov %rsp, saved_ctx+48(%rip)\n"
	"	pushq $0xe02b\n"
	"	push %rsi\n"
	"	pushq $0x203\n"
	"	pushq $0xe030\n"
	"	push %rdi\n"
	"	pushq $0\n"
	"	mov $0x77, %eax\n"
	"	mov $0x7c7c, %ecx\n"
	"	mov $0x1b1b, %r11d\n"
	"	jmp hypercall_page+23*32\n"
	"kernel_land:\n"
	"	mov %rax, seen_rax(%rip)\n"
	"	mov %rcx, seen_rcx(%rip)\n"
	"	mov %r11, seen_r11(%rip)\n"
	"	mov %rsp, seen_rsp(%rip)\n"
	"	pushfq\n"
	"	popq seen_rflags(%rip)\n"
	"	mov saved_ctx+0(%rip), %rbx\n"
	"	mov saved_ctx+8(%rip), %rbp\n"
	"	mov saved_ctx+16(%rip), %r12\n"
	"	mov saved_ctx+24(%rip), %r13\n"
	"	mov saved_ctx+32(%rip), %r14\n"
	"	mov saved_ctx+40(%rip), %r15\n"
	"	mov saved_ctx+48(%rip), %rsp\n"
	"	ret\n");

static void iret_with(unsigned long rflags, unsigned long flags)
{
	ctx = (struct iret_context){
		.rax = 0x1234567890abcdefUL,
		.r11 = 0x1111,
		.rcx = 0x2222,
		.flags = flags,
		.rip = (unsigned long)kernel_land,
		.cs = FLAT_KERNEL_CS64 & ~3UL, /* RPL 0: stay in kernel mode */
		.rflags = rflags,
		.rsp = (unsigned long)&land_stack[400],
		.ss = FLAT_KERNEL_SS64,
	};
	seen_rax = seen_rcx = seen_r11 = seen_rsp = seen_rflags = 0;
	do_iret(&ctx);
}

void test_main(void)
{
	struct shared_info *sh = xtest_shared_info();
	struct vcpu_info *vi = sh ? &sh->vcpu_info[0] : NULL;

	/* Plain return: everything restored; IOPL stripped, IF set, CF kept. */
	iret_with(0x3000 | 0x200 | 0x1 | 0x2, 0);
	xtest_check(seen_rax == 0x1234567890abcdefUL, "rax %#lx", seen_rax);
	xtest_check(seen_rcx == 0x2222, "rcx %#lx", seen_rcx);
	xtest_check(seen_r11 == 0x1111, "r11 %#lx", seen_r11);
	xtest_check(seen_rsp == (unsigned long)&land_stack[400], "rsp %#lx", seen_rsp);
	xtest_check((seen_rflags & 0x3000) == 0, "IOPL not stripped: rflags %#lx", seen_rflags);
	xtest_check(seen_rflags & 0x1, "CF lost: rflags %#lx", seen_rflags);
	xtest_check(seen_rflags & 0x200, "IF clear: rflags %#lx", seen_rflags);
	if (vi)
		xtest_check(vi->evtchn_upcall_mask == 0, "mask %u after iret with IF",
			    vi->evtchn_upcall_mask);

	/* IF clear in the context: events masked, the real IF still set. */
	iret_with(0x2, 0);
	xtest_check(seen_rflags & 0x200, "real IF clear: rflags %#lx", seen_rflags);
	xtest_check(!(seen_rflags & 0x1), "CF set: rflags %#lx", seen_rflags);
	if (vi) {
		xtest_check(vi->evtchn_upcall_mask == 1, "mask %u after iret without IF",
			    vi->evtchn_upcall_mask);
		vi->evtchn_upcall_mask = 0;
	}

	/* VGCF_in_syscall: sysret-style, rcx = rip and r11 = rflags. */
	iret_with(0x200 | 0x2 | 0x1, VGCF_in_syscall);
	xtest_check(seen_rax == 0x1234567890abcdefUL, "rax %#lx (in_syscall)", seen_rax);
	xtest_check(seen_rcx == (unsigned long)kernel_land, "rcx %#lx, expected rip %p", seen_rcx,
		    kernel_land);
	xtest_check((seen_r11 & 0x201) == 0x201, "r11 %#lx, expected rflags", seen_r11);
	/* Through the hypercall page, when the hypervisor filled it. */
	if (xtest_hypercall_page_active) {
		seen_rax = seen_rcx = seen_r11 = seen_rsp = 0;
		page_iret((unsigned long)kernel_land, (unsigned long)&land_stack[300]);
		xtest_check(seen_rax == 0x77, "page iret: rax %#lx", seen_rax);
		xtest_check(seen_rcx == 0x7c7c, "page iret: rcx %#lx", seen_rcx);
		xtest_check(seen_r11 == 0x1b1b, "page iret: r11 %#lx", seen_r11);
		xtest_check(seen_rsp == (unsigned long)&land_stack[300], "page iret: rsp %#lx",
			    seen_rsp);
		xtest_check(seen_rflags & 0x1, "page iret: CF lost (%#lx)", seen_rflags);
	} else {
		xtest_fail("the hypercall page was not filled");
	}
	if (!vi)
		printk("note: shared_info not mapped, event mask not checked\n");
	printk("iret checks done\n");
}

TEST_EXPECT("iret checks done");
