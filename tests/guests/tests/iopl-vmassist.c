/*
 * VMASST_TYPE_architectural_iopl: the virtual IOPL with the meaning the
 * real one has. Without it the guest kernel counts as ring 1 for I/O,
 * exception frames show IOPL 0 and iret ignores the IOPL it is given.
 * With it the kernel counts as ring 0 (I/O at any IOPL), exception frames
 * carry the virtual IOPL, and iret sets it from the frame. The real
 * RFLAGS.IOPL (pushf) stays 0 either way.
 */
#include "xtest.h"

#define HC_vm_assist 21
#define HC_physdev_op 33
#define PHYSDEVOP_set_iopl 6
#define VMASST_CMD_enable 0
#define VMASST_CMD_disable 1
#define VMASST_TYPE_architectural_iopl 4
#define FLAT_KERNEL_CS64 0xe033
#define FLAT_KERNEL_SS64 0xe02b
#define EFLAGS_IOPL 0x3000UL

struct iret_context {
	unsigned long rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};

static struct iret_context ctx __attribute__((aligned(16)));
static unsigned long land_stack[512] __attribute__((aligned(16)));
unsigned long seen_rflags, saved_ctx[7];

extern char kernel_land[];
void do_iret(struct iret_context *c);

/* do_iret(ctx): iret to kernel_land, which records pushf and returns from do_iret. */
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
	"kernel_land:\n"
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

static void iret_with_iopl(unsigned int iopl)
{
	ctx = (struct iret_context){
		.rip = (unsigned long)kernel_land,
		.cs = FLAT_KERNEL_CS64 & ~3UL,
		.rflags = 0x202 | ((unsigned long)iopl << 12),
		.rsp = (unsigned long)&land_stack[400],
		.ss = FLAT_KERNEL_SS64,
	};
	do_iret(&ctx);
	xtest_check(!(seen_rflags & EFLAGS_IOPL), "pushf after iret shows IOPL: %#lx", seen_rflags);
}

static long set_iopl(unsigned int iopl)
{
	uint32_t arg = iopl;

	return hypercall(HC_physdev_op, PHYSDEVOP_set_iopl, (unsigned long)&arg, 0, 0, 0);
}

static long vm_assist(unsigned int cmd)
{
	return hypercall(HC_vm_assist, cmd, VMASST_TYPE_architectural_iopl, 0, 0, 0);
}

static void cmos_read(void *arg)
{
	unsigned char v;

	(void)arg;
	__asm__ volatile("outb %1, $0x70\n\tinb $0x71, %0" : "=a"(v) : "a"((unsigned char)0x0b));
}

static void do_ud2(void *arg)
{
	(void)arg;
	__asm__ volatile("ud2");
}

/* The IOPL field of the RFLAGS in the exception frame of a #UD. */
static unsigned long frame_iopl(void)
{
	struct xtest_fault f;

	if (!xtest_catch(do_ud2, NULL, &f) || f.vector != X86_EXC_UD) {
		xtest_fail("ud2 did not give #UD");
		return ~0UL;
	}
	return (f.rflags & EFLAGS_IOPL) >> 12;
}

static bool io_allowed(void)
{
	struct xtest_fault f;

	if (!xtest_catch(cmos_read, NULL, &f))
		return true;
	xtest_check(f.vector == X86_EXC_GP && f.error_code == 0, "I/O gave vector %u", f.vector);
	return false;
}

void test_main(void)
{
	unsigned long iopl;

	/* Xen's PV rules: the kernel is ring 1; frames and iret leave IOPL out. */
	xtest_check(set_iopl(0) == 0, "set_iopl(0) refused");
	xtest_check(!io_allowed(), "kernel I/O allowed at IOPL 0");
	xtest_check(set_iopl(1) == 0 && io_allowed(), "kernel I/O refused at IOPL 1");
	xtest_check(set_iopl(2) == 0, "set_iopl(2) refused");
	xtest_check((iopl = frame_iopl()) == 0, "frame IOPL %lu without the assist", iopl);
	xtest_check(set_iopl(0) == 0, "set_iopl(0) refused");
	iret_with_iopl(3);
	xtest_check(!io_allowed(), "iret with IOPL 3 changed the IOPL without the assist");

	if (vm_assist(VMASST_CMD_enable)) {
		xtest_fail("VMASST_TYPE_architectural_iopl refused");
		return;
	}
	/* The kernel is ring 0: I/O whatever the IOPL. */
	xtest_check(io_allowed(), "kernel I/O refused at IOPL 0 with architectural IOPL");
	xtest_check(set_iopl(2) == 0, "set_iopl(2) refused");
	xtest_check((iopl = frame_iopl()) == 2, "frame IOPL %lu, expected 2", iopl);
	/* iret takes the IOPL from its frame. */
	iret_with_iopl(1);
	xtest_check((iopl = frame_iopl()) == 1, "frame IOPL %lu after iret with 1", iopl);
	iret_with_iopl(3);
	xtest_check((iopl = frame_iopl()) == 3, "frame IOPL %lu after iret with 3", iopl);
	iret_with_iopl(0);
	xtest_check((iopl = frame_iopl()) == 0, "frame IOPL %lu after iret with 0", iopl);
	xtest_check(io_allowed(), "kernel I/O refused after iret with IOPL 0");

	/* Off again: ring 1 rules, IOPL 0 from the last iret. */
	xtest_check(vm_assist(VMASST_CMD_disable) == 0, "disabling the assist failed");
	xtest_check(!io_allowed(), "kernel I/O allowed at IOPL 0 after the assist");
	xtest_check(set_iopl(3) == 0 && (iopl = frame_iopl()) == 0,
		    "frame IOPL %lu without the assist", iopl);
	printk("architectural IOPL checks done\n");
}

TEST_EXPECT("architectural IOPL checks done");
