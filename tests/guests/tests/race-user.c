/*
 * Guest user mode on two vCPUs at once (two CPUs): each vCPU, with its own
 * user page tables (the kernel's L4), kernel stack (stack_switch), syscall
 * callback, #PF handler and kernel GS base (its own record), enters user
 * mode with the iret hypercall over and over, switching its kernel stack
 * between two places (stack_switch) every other round; in user mode it
 * either makes a `syscall` or reads an unmapped address (a #PF from user
 * mode, not present). Each round the entry must come back on the kernel
 * stack that vCPU gave last, with Xen's frame for that user context (the
 * rdx it carried, the rip, the user stack, the error code, %cr2 in its own
 * vcpu_info, events masked), and in the record its own kernel GS base
 * names. These are the paths a hypervisor may run on several CPUs at once
 * (docs/design.md, "Locks"): a bounce that used another vCPU's state, or
 * lost one, fails a round.
 */
#include "xtest.h"
#include "vcpu-start.h"
#include "user-mode.h"

TEST_SMP("2");
TEST_EXPECT("user mode race: 2x6000 rounds");

#define HC_stack_switch 3
#define HC_set_segment_base 25
#define HC_mmuext_op 26
#define HC_callback_op 30
#define SEGBASE_GS_KERNEL 2
#define DOMID_SELF 0x7ff0
#define VIRT_BASE 0xffffffff80000000UL
#define UNMAPPED 0x10000000UL
#define PFEC_USER 4
#define ROUNDS 6000

enum { ENTRY_SYSCALL = 1, ENTRY_PF = 2 };

/* Each vCPU's record, at its kernel %gs:0 (offsets used by the assembly below). */
struct vcpu_rec {
	unsigned long self;	/* 0 */
	unsigned long saved[7]; /* 8: rbx rbp r12 r13 r14 r15 rsp */
	unsigned long token;	/* 64: rdx at the entry */
	unsigned long frame;	/* 72: rsp at the entry */
	unsigned long entry;	/* 80: ENTRY_* */
};

static struct vcpu_rec recs[2];
static struct iret_context ctxs[2] __attribute__((aligned(16)));
static unsigned long user_stacks[2][512] __attribute__((aligned(16)));
static unsigned long kernel_stacks[2][1024] __attribute__((aligned(16)));
static char ap_stack[16384] __attribute__((aligned(16)));
static volatile unsigned long ap_alive, go, ap_done, ap_bad, ap_setup_rc;
static volatile unsigned long first_bad[2];

extern char user_syscall[], user_after_syscall[], user_fault[], syscall_cb[], pf_cb[];
void enter_user(struct iret_context *c, struct vcpu_rec *rec, unsigned long token);

__asm__(".text\n"
	/* enter_user(ctx, rec, token): save callee-saved registers and rsp in rec, iret to ctx. */
	"enter_user:\n"
	"	mov %rbx, 8(%rsi)\n"
	"	mov %rbp, 16(%rsi)\n"
	"	mov %r12, 24(%rsi)\n"
	"	mov %r13, 32(%rsi)\n"
	"	mov %r14, 40(%rsi)\n"
	"	mov %r15, 48(%rsi)\n"
	"	mov %rsp, 56(%rsi)\n"
	"	mov %rdi, %rsp\n"
	"	mov $23, %eax\n"
	"	syscall\n"
	"	ud2\n"
	/* User mode, rdx = the token: a syscall, or a read of an unmapped page. */
	"user_syscall:\n"
	"	syscall\n"
	"user_after_syscall:\n"
	"	ud2\n"
	"user_fault:\n"
	"	mov 0x10000000, %rax\n" /* UNMAPPED */
	"	ud2\n"
	/* The entries: note them in the record at %gs:0, return from enter_user. */
	"syscall_cb:\n"
	"	mov %gs:0, %rax\n"
	"	movq $1, 80(%rax)\n"
	"	jmp 1f\n"
	"pf_cb:\n"
	"	mov %gs:0, %rax\n"
	"	movq $2, 80(%rax)\n"
	"1:	mov %rsp, 72(%rax)\n"
	"	mov %rdx, 64(%rax)\n"
	"	mov 8(%rax), %rbx\n"
	"	mov 16(%rax), %rbp\n"
	"	mov 24(%rax), %r12\n"
	"	mov 32(%rax), %r13\n"
	"	mov 40(%rax), %r14\n"
	"	mov 48(%rax), %r15\n"
	"	mov 56(%rax), %rsp\n"
	"	ret\n");

static unsigned long own_l4_mfn(void)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;

	return p2m[(xtest_start_info->pt_base - VIRT_BASE) >> 12];
}

/* This vCPU's user page tables, kernel stack, callbacks and kernel GS base: 0 or an error. */
static long user_setup(unsigned int id)
{
	struct mmuext_op op = { .cmd = MMUEXT_NEW_USER_BASEPTR, .arg1 = own_l4_mfn() };
	struct callback_register cb = { .type = CALLBACKTYPE_syscall,
					.flags = CALLBACKF_mask_events,
					.address = (unsigned long)syscall_cb };
	struct trap_info traps[2] = {
		{ .vector = X86_EXC_PF, .cs = FLAT_KERNEL_CS64, .address = (unsigned long)pf_cb }
	};
	long rc;

	recs[id].self = (unsigned long)&recs[id];
	if ((rc = hypercall(HC_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0)))
		return rc;
	if ((rc = hypercall(HC_stack_switch, FLAT_KERNEL_SS64,
			    (unsigned long)&kernel_stacks[id][1024], 0, 0, 0)))
		return rc;
	if ((rc = hypercall(HC_callback_op, 0, (unsigned long)&cb, 0, 0, 0)))
		return rc;
	if ((rc = hypercall_set_trap_table(traps)))
		return rc;
	return hypercall(HC_set_segment_base, SEGBASE_GS_KERNEL, (unsigned long)&recs[id], 0, 0, 0);
}

/* The frame of this round's entry is right: 0, else a number naming the check. */
static unsigned int check_entry(unsigned int id, bool fault, unsigned long token, unsigned long top)
{
	const struct vcpu_rec *r = &recs[id];
	const unsigned long *f = (const unsigned long *)r->frame;
	const struct vcpu_info *vi = &xtest_shared_info()->vcpu_info[id];
	unsigned int ec = fault ? 1 : 0; /* the error code's slot */

	if (r->entry != (fault ? ENTRY_PF : ENTRY_SYSCALL))
		return 1;
	if (r->token != token)
		return 2;
	if (r->frame <= top - 128 || r->frame >= top)
		return 3;
	if (f[2 + ec] != (unsigned long)(fault ? user_fault : user_after_syscall))
		return 4;
	if ((f[3 + ec] & 0xffff) != FLAT_USER_CS64 || (f[4 + ec] & 0x200))
		return 5;
	if (f[5 + ec] != (unsigned long)&user_stacks[id][500])
		return 6;
	if (fault && (f[2] != PFEC_USER || vi->arch.cr2 != UNMAPPED))
		return 7;
	if (vi->evtchn_upcall_mask != 1)
		return 8;
	return 0;
}

/* ROUNDS user-mode entries of vCPU @id; how many went wrong (the first's check in first_bad). */
static unsigned long user_rounds(unsigned int id)
{
	unsigned long bad = 0;

	for (unsigned long i = 0; i < ROUNDS; i++) {
		bool fault = i & 1;
		unsigned long token = ((unsigned long)id << 32) | i;
		unsigned long top = (unsigned long)&kernel_stacks[id][i & 2 ? 512 : 1024];
		unsigned int why;

		if (hypercall(HC_stack_switch, FLAT_KERNEL_SS64, top, 0, 0, 0) && !bad++)
			first_bad[id] = 9;

		ctxs[id] = (struct iret_context){
			.rip = (unsigned long)(fault ? user_fault : user_syscall),
			.cs = FLAT_USER_CS64,
			.rflags = 0x2, /* events stay masked in user mode */
			.rsp = (unsigned long)&user_stacks[id][500],
			.ss = FLAT_USER_SS64,
		};
		recs[id].entry = 0;
		enter_user(&ctxs[id], &recs[id], token);
		why = check_entry(id, fault, token, top);
		if (why && !bad++)
			first_bad[id] = why;
	}
	return bad;
}

static __attribute__((noreturn)) void ap_main(void)
{
	ap_setup_rc = (unsigned long)user_setup(1);
	ap_alive = 1;
	while (!go)
		xtest_yield();
	if (!ap_setup_rc)
		ap_bad = user_rounds(1);
	ap_done = 1;
	vcpu_op(VCPUOP_down, 1, NULL);
	for (;;)
		xtest_yield();
}

void test_main(void)
{
	unsigned long bad;
	long rc;

	if (vcpu_op(VCPUOP_is_up, 1, NULL) < 0) {
		xtest_skip("dom0 has one vCPU");
		return;
	}
	if (!xtest_shared_info()) {
		xtest_error("no shared_info");
		return;
	}
	rc = xtest_vcpu_start(1, ap_main, ap_stack, sizeof(ap_stack));
	if (rc || !xtest_wait_flag(&ap_alive, 1)) {
		xtest_fail("vCPU 1 did not start (%ld)", rc);
		return;
	}
	rc = user_setup(0);
	xtest_check(rc == 0 && ap_setup_rc == 0, "setting user mode up: vCPU 0 %ld, vCPU 1 %ld", rc,
		    (long)ap_setup_rc);
	if (rc || ap_setup_rc)
		return;
	go = 1;
	bad = user_rounds(0);
	xtest_check(xtest_wait_flag(&ap_done, 1), "vCPU 1 did not finish its rounds");
	xtest_check(bad == 0 && ap_bad == 0,
		    "wrong entries: vCPU 0 %lu (first: check %lu), vCPU 1 %lu (first: check %lu)",
		    bad, first_bad[0], ap_bad, first_bad[1]);
	if (!bad && !ap_bad)
		printk("user mode race: 2x%u rounds\n", ROUNDS);
}
