/*
 * `syscall` from 32-bit (compatibility-mode) user code enters the guest
 * kernel's syscall32 callback with the compat selectors in its frame, so the
 * kernel returns to 32-bit code. The user code lives at 0x400000, mapped
 * through page tables the test builds, validates (PIN_L3) and hooks into
 * L4 slot 0 with mmu_update.
 */
#include "xtest.h"

#define HC_mmu_update 1
#define HC_stack_switch 3
#define HC_mmuext_op 26
#define HC_callback_op 30
#define MMUEXT_PIN_L3_TABLE 2
#define MMUEXT_NEW_USER_BASEPTR 15
#define CALLBACKTYPE_syscall32 7
#define FLAT_USER_CS32 0xe023
#define FLAT_USER_DS32 0xe02b
#define FLAT_KERNEL_SS64 0xe02b
#define DOMID_SELF 0x7ff0
#define VIRT_BASE 0xffffffff80000000UL
#define UVMF_INVLPG 2
#define USER_VA 0x400000UL

struct iret_context {
	unsigned long rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};
struct mmuext_op {
	unsigned int cmd, pad;
	unsigned long arg1, arg2;
};
struct mmu_update {
	uint64_t ptr, val;
};
struct callback_register {
	uint16_t type, flags;
	uint32_t pad;
	unsigned long address;
};

static uint64_t l3[512] __attribute__((aligned(4096)));
static uint64_t l2[512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static unsigned char code[4096] __attribute__((aligned(4096)));
static struct iret_context ctx __attribute__((aligned(16)));
static unsigned long kernel_stack[1024] __attribute__((aligned(16)));
unsigned long saved32[7], cb32_frame;

extern char cb32[];
void enter_user32(struct iret_context *c);

__asm__(".text\n"
	"enter_user32:\n"
	"	mov %rbx, saved32+0(%rip)\n"
	"	mov %rbp, saved32+8(%rip)\n"
	"	mov %r12, saved32+16(%rip)\n"
	"	mov %r13, saved32+24(%rip)\n"
	"	mov %r14, saved32+32(%rip)\n"
	"	mov %r15, saved32+40(%rip)\n"
	"	mov %rsp, saved32+48(%rip)\n"
	"	mov %rdi, %rsp\n"
	"	mov $23, %eax\n"
	"	syscall\n"
	"	ud2\n"
	"cb32:\n"
	"	mov %rsp, cb32_frame(%rip)\n"
	"	mov saved32+0(%rip), %rbx\n"
	"	mov saved32+8(%rip), %rbp\n"
	"	mov saved32+16(%rip), %r12\n"
	"	mov saved32+24(%rip), %r13\n"
	"	mov saved32+32(%rip), %r14\n"
	"	mov saved32+40(%rip), %r15\n"
	"	mov saved32+48(%rip), %rsp\n"
	"	ret\n");

static unsigned long mfn_of(const void *va)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;

	return p2m[((unsigned long)va - VIRT_BASE) >> 12];
}

static long mmuext(unsigned int cmd, unsigned long arg1)
{
	struct mmuext_op op = { cmd, 0, arg1, 0 };

	return hypercall(HC_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
}

static long read_only(void *va)
{
	return hypercall_update_va_mapping((unsigned long)va,
					   (mfn_of(va) << 12) | PTE_P | PTE_US | PTE_A, UVMF_INVLPG);
}

/* Map USER_VA -> code through our own L3/L2/L1 in L4 slot 0. */
static bool build_low_mapping(void)
{
	const uint64_t ut = PTE_P | PTE_RW | PTE_US | PTE_A;
	struct mmu_update u;
	long rc;

	code[0] = 0x0f, code[1] = 0x05; /* syscall */
	code[2] = 0x0f, code[3] = 0x0b; /* ud2 */
	l1[0] = (mfn_of(code) << 12) | PTE_P | PTE_US | PTE_A;
	l2[(USER_VA >> 21) & 511] = (mfn_of(l1) << 12) | ut;
	l3[0] = (mfn_of(l2) << 12) | ut;
	rc = read_only(l1) | read_only(l2) | read_only(l3);
	xtest_check(rc == 0, "making the new tables read-only failed");
	rc = mmuext(MMUEXT_PIN_L3_TABLE, mfn_of(l3));
	xtest_check(rc == 0, "PIN_L3 = %ld", rc);
	u.ptr = mfn_of((void *)xtest_start_info->pt_base) << 12; /* L4 slot 0 */
	u.val = (mfn_of(l3) << 12) | ut;
	rc = hypercall(HC_mmu_update, (unsigned long)&u, 1, 0, DOMID_SELF, 0);
	xtest_check(rc == 0, "hooking the L3 into L4 slot 0 = %ld", rc);
	return xtest_current_result() == XTEST_SUCCESS;
}

void test_main(void)
{
	struct callback_register cb = { CALLBACKTYPE_syscall32, 0, 0, (unsigned long)cb32 };
	const unsigned long *frame;
	long rc;

	if (!build_low_mapping())
		return;
	rc = mmuext(MMUEXT_NEW_USER_BASEPTR, mfn_of((void *)xtest_start_info->pt_base));
	xtest_check(rc == 0, "NEW_USER_BASEPTR = %ld", rc);
	rc = hypercall(HC_stack_switch, FLAT_KERNEL_SS64, (unsigned long)&kernel_stack[1024], 0, 0,
		       0);
	xtest_check(rc == 0, "stack_switch = %ld", rc);
	rc = hypercall(HC_callback_op, 0, (unsigned long)&cb, 0, 0, 0);
	xtest_check(rc == 0, "register syscall32 callback = %ld", rc);
	if (xtest_current_result() != XTEST_SUCCESS)
		return;
	ctx = (struct iret_context){ .rip = USER_VA, .cs = FLAT_USER_CS32, .rflags = 0x202,
				     .rsp = USER_VA + 0x800, .ss = FLAT_USER_DS32 };
	enter_user32(&ctx);
	frame = (const unsigned long *)cb32_frame;
	/* {RCX, R11, RIP, CS, RFLAGS, RSP, SS} */
	xtest_check(frame[2] == USER_VA + 2, "frame rip %#lx", frame[2]);
	xtest_check((frame[3] & 0xffff) == FLAT_USER_CS32, "frame cs %#lx", frame[3]);
	xtest_check((frame[6] & 0xffff) == FLAT_USER_DS32, "frame ss %#lx", frame[6]);
	xtest_check(frame[5] == USER_VA + 0x800, "frame rsp %#lx", frame[5]);
	printk("32-bit syscall reached the syscall32 callback\n");
}

TEST_EXPECT("32-bit syscall reached the syscall32 callback");
