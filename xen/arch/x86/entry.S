/*
 * Entry points: the IDT stubs, the syscall entry used by PV guests, and the
 * single exit path back to whoever was interrupted.
 */
#include "regs.h"
#include "desc.h"
#include "config.h"

	.text

.macro SAVE_ALL
	pushq %rdi
	pushq %rsi
	pushq %rdx
	pushq %rcx
	pushq %rax
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %rbx
	pushq %rbp
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
.endm

.macro RESTORE_ALL
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbp
	popq %rbx
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rax
	popq %rcx
	popq %rdx
	popq %rsi
	popq %rdi
.endm

/* Offsets in the frame SAVE_ALL completes (struct cpu_regs). */
#define FRAME_R11 (6 * 8)
#define FRAME_VECTOR (15 * 8)
#define FRAME_RCX (11 * 8)
#define FRAME_RIP (17 * 8)
#define FRAME_CS (18 * 8)
#define FRAME_RFLAGS (19 * 8)
#define FRAME_SS (21 * 8)
#define EFLAGS_RF_VM 0x30000 /* bits sysretq does not restore */

/* One stub per vector; vectors with a hardware error code skip the dummy. */
	.balign 16
	.globl idt_stubs
idt_stubs:
vec = 0
.rept 256
	.balign 16
.if vec == 8 || vec == 10 || vec == 11 || vec == 12 || vec == 13 || vec == 14 || vec == 17 || vec == 21 || vec == 29 || vec == 30
	pushq $vec
.else
	pushq $0
	pushq $vec
.endif
	jmp trap_common
vec = vec + 1
.endr

/*
 * After an exception bounced to the guest kernel the frame usually suits
 * sysretq (see syscall_exit); NMI and #MC return through iretq, the
 * instruction that ends the CPU's NMI blocking.
 */
trap_common:
	cld
	SAVE_ALL
	movq %rsp, %rdi
	call do_trap
	cmpq $2, FRAME_VECTOR(%rsp)
	je restore_all
	cmpq $18, FRAME_VECTOR(%rsp)
	jne syscall_exit
	.pushsection .text.hotpath, "ax"
	.globl restore_all
restore_all:
	RESTORE_ALL
	addq $16, %rsp
.Liret_to_anyone:
	iretq
	.popsection

/*
 * An iretq that faults (a frame the guest made bad) must not take Petrel
 * down: the fixup finds the register frame again just below the iret frame
 * and ends the guest instead.
 */
.Liret_fixup:
	subq $(15 * 8 + 16), %rsp
	movq %rsp, %rdi
	call pv_iret_fault
	ud2
	.pushsection .ex_table, "a"
	.balign 8
	.quad .Liret_to_anyone, .Liret_fixup
	.popsection

/*
 * syscall from a PV guest (kernel or user mode, both ring 3). RFLAGS.IF is
 * cleared by MSR_FMASK, so nothing interrupts us before the stack switch.
 * The guest's RSP is live and GS is the guest's, so each CPU has its own
 * pair of entry stubs (its MSR_LSTAR and MSR_CSTAR point at them): stub n
 * parks the guest RSP in slot n of syscall_guest_rsp and loads CPU n's
 * stack top (its TSS rsp0) from slot n of syscall_stack_top.
 */
#define SYSCALL_STUB_SIZE 32
.macro SYSCALL_STUB cpu, ss, common
	.balign SYSCALL_STUB_SIZE
	movq %rsp, syscall_guest_rsp + 8 * \cpu(%rip)
	movq syscall_stack_top + 8 * \cpu(%rip), %rsp
	pushq $\ss
	pushq syscall_guest_rsp + 8 * \cpu(%rip)
	jmp \common
.endm

	.balign SYSCALL_STUB_SIZE
	.globl syscall_stubs
syscall_stubs:
cpu = 0
.rept NR_CPUS
	SYSCALL_STUB cpu, FLAT_RING3_SS64, syscall_common
cpu = cpu + 1
.endr

/*
 * syscall from 32-bit (compatibility mode) guest user code, through
 * MSR_CSTAR: the same frame, with the 32-bit user selectors, so that the
 * return goes back to compatibility mode.
 */
	.balign SYSCALL_STUB_SIZE
	.globl syscall32_stubs
syscall32_stubs:
cpu = 0
.rept NR_CPUS
	SYSCALL_STUB cpu, FLAT_RING3_DS32, syscall32_common
cpu = cpu + 1
.endr

	.pushsection .text.hotpath, "ax"
syscall_common:
	pushq %r11
	pushq $FLAT_RING3_CS64
	jmp 1f
syscall32_common:
	pushq %r11
	pushq $FLAT_RING3_CS32
1:	pushq %rcx
	pushq $0
	pushq $VEC_SYSCALL
	cld
	SAVE_ALL
	movq %rsp, %rdi
	call do_syscall
	jmp syscall_exit

/*
 * Back to a 64-bit guest after a syscall entry or an exception. When the
 * frame is one that sysretq restores exactly (rcx = rip, r11 = rflags
 * without RF or VM, a canonical rip, the flat ring-3 selectors STAR names),
 * as after a plain hypercall or a bounce to the guest kernel, leave through
 * sysretq, much cheaper than iretq; anything else (the iret hypercall, a
 * return into the hypervisor, an emulated instruction) goes through
 * restore_all. NMI and #MC run on IST stacks, so the moment on the
 * guest stack before sysretq is safe once interrupts are off.
 */
syscall_exit:
	cli
	movq FRAME_RIP(%rsp), %rax
	cmpq %rax, FRAME_RCX(%rsp)
	jne restore_all
	sarq $47, %rax
	incq %rax
	cmpq $1, %rax
	ja restore_all
	movq FRAME_RFLAGS(%rsp), %rax
	cmpq %rax, FRAME_R11(%rsp)
	jne restore_all
	testl $EFLAGS_RF_VM, %eax
	jnz restore_all
	cmpq $FLAT_RING3_CS64, FRAME_CS(%rsp)
	jne restore_all
	cmpq $FLAT_RING3_SS64, FRAME_SS(%rsp)
	jne restore_all
	RESTORE_ALL
	movq 40(%rsp), %rsp /* the guest's rsp, above vector, error code, rip, cs, rflags */
	sysretq
	.popsection

/*
 * sysenter from a PV guest: the CPU saves nothing and clears IF; RSP comes
 * from MSR_SYSENTER_ESP (our stack top). As on Xen the frame says rip 0,
 * cs 3: the guest's sysenter callback has its own conventions.
 */
	.globl sysenter_entry
sysenter_entry:
	pushq $FLAT_RING3_SS64
	pushq $0
	pushfq
	pushq $3
	pushq $0
	pushq $0
	pushq $VEC_SYSCALL
	cld
	SAVE_ALL
	movq %rsp, %rdi
	call do_sysenter
	jmp restore_all

/* Enter a guest for the first time: rdi = frame to restore. */
	.globl enter_guest_frame
enter_guest_frame:
	movq %rdi, %rsp
	jmp restore_all

	.data
	.balign 8
	.globl syscall_stack_top
syscall_guest_rsp:
	.skip 8 * NR_CPUS
syscall_stack_top:
	.skip 8 * NR_CPUS
