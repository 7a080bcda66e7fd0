/*
 * Privileged instructions in a PV guest kernel (which runs in ring 3) are
 * refused with #GP(0) delivered to the guest's trap table, at the faulting
 * instruction; the guest then carries on. Each instruction runs inside
 * xtest_catch(), which resumes after the fault without needing iret.
 */
#include "xtest.h"

/* Each snippet: the faulting instruction is at the *_at label. */
__asm__(".pushsection .text\n"
	"insn_hlt: insn_hlt_at: hlt; ret\n"
	"insn_cli: insn_cli_at: cli; ret\n"
	"insn_lgdt: insn_lgdt_at: lgdt gdt_desc(%rip); ret\n"
	"insn_lidt: insn_lidt_at: lidt gdt_desc(%rip); ret\n"
	"insn_wrmsr: mov $0xdead0000, %ecx; xor %eax, %eax; xor %edx, %edx\n"
	"insn_wrmsr_at: wrmsr; ret\n"
	"insn_cr0: xor %eax, %eax\n"
	"insn_cr0_at: mov %rax, %cr0; ret\n"
	"insn_int: insn_int_at: int $0x40; ret\n"
	"insn_int_gp: insn_int_gp_at: int $0x0d; ret\n"
	"insn_int80: insn_int80_at: int $0x80; ret\n"
	".popsection\n"
	".pushsection .rodata\n"
	"gdt_desc: .word 0; .quad 0\n"
	".popsection\n");

#define DECLARE_INSN(n) extern void insn_##n(void *), insn_##n##_at(void)
DECLARE_INSN(hlt);
DECLARE_INSN(cli);
DECLARE_INSN(lgdt);
DECLARE_INSN(lidt);
DECLARE_INSN(wrmsr);
DECLARE_INSN(cr0);
DECLARE_INSN(int);
DECLARE_INSN(int_gp);
DECLARE_INSN(int80);

struct forbidden {
	const char *name;
	void (*fn)(void *);
	void (*at)(void);
	unsigned long error_code;
};

static const struct forbidden insns[] = {
	{ "hlt", insn_hlt, insn_hlt_at, 0 },
	{ "cli", insn_cli, insn_cli_at, 0 },
	{ "lgdt", insn_lgdt, insn_lgdt_at, 0 },
	{ "lidt", insn_lidt, insn_lidt_at, 0 },
	{ "wrmsr 0xdead0000", insn_wrmsr, insn_wrmsr_at, 0 },
	{ "mov to cr0", insn_cr0, insn_cr0_at, 0 },
	/* int $n through an IDT gate the guest may not use: error code n*8 | 2 (IDT). */
	{ "int $0x40", insn_int, insn_int_at, (0x40 << 3) | 2 },
	/* ... also for a vector in the trap table registered with DPL 0 ... */
	{ "int $0x0d", insn_int_gp, insn_int_gp_at, (0x0d << 3) | 2 },
	/* ... and for 0x80 when the guest registered no handler for it. */
	{ "int $0x80", insn_int80, insn_int80_at, (0x80 << 3) | 2 },
};

static void check(const struct forbidden *t)
{
	struct xtest_fault f;

	if (!xtest_catch(t->fn, NULL, &f)) {
		xtest_fail("%s: executed without a fault", t->name);
		return;
	}
	printk("%s: %s error code %#lx at %#lx\n", t->name, xtest_exc_name(f.vector), f.error_code,
	       f.rip);
	xtest_check(f.vector == X86_EXC_GP, "%s: got %s, expected #GP", t->name,
		    xtest_exc_name(f.vector));
	xtest_check(f.error_code == t->error_code, "%s: error code %#lx, expected %#lx", t->name,
		    f.error_code, t->error_code);
	xtest_check(f.rip == (unsigned long)t->at, "%s: rip %#lx, expected %#lx", t->name, f.rip,
		    (unsigned long)t->at);
	/* A fault in kernel mode shows CS with RPL 0; bits 32-39 hold the saved
	 * upcall mask, 1 since boot, so the frame's RFLAGS.IF is clear. */
	xtest_check((f.cs & 0xffff) == (FLAT_KERNEL_CS64 & ~3), "%s: cs %#lx in the frame", t->name,
		    f.cs);
	xtest_check(((f.cs >> 32) & 0xff) == 1, "%s: saved upcall mask %lu in the frame", t->name,
		    (f.cs >> 32) & 0xff);
	xtest_check(!(f.rflags & 0x200), "%s: rflags %#lx has IF set", t->name, f.rflags);
	xtest_check((f.ss & 0xffff) == FLAT_KERNEL_SS64, "%s: ss %#lx in the frame", t->name, f.ss);
}

void test_main(void)
{
	unsigned int i;

	for (i = 0; i < sizeof(insns) / sizeof(insns[0]); i++)
		check(&insns[i]);
	printk("the domain survived %u privileged instructions\n", i);
}
