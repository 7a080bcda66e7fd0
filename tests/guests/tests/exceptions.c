/*
 * Exceptions raised by ordinary instructions reach the guest's handler with
 * the vector, error code and rip Xen would give: #UD, #BP (a trap: rip past
 * int3), #DE, #PF (error code with the user bit cleared for the kernel,
 * cr2 in vcpu_info) and #GP(0) for a non-canonical access.
 */
#include "xtest.h"

#define UNMAPPED_VA 0x1000UL /* below VIRT_BASE: nothing maps it */

__asm__(".pushsection .text\n"
	"exc_ud: exc_ud_at: ud2; ret\n"
	"exc_bp: int3\n"
	"exc_bp_at: ret\n"
	/* int $3 in its two-byte form: the trap table's DPL 3 lets it through */
	"exc_bp2: .byte 0xcd, 0x03\n"
	"exc_bp2_at: ret\n"
	"exc_de: xor %eax, %eax; xor %edx, %edx; xor %ecx, %ecx\n"
	"exc_de_at: div %ecx; ret\n"
	"exc_pf_read: mov $0x1000, %eax\n"
	"exc_pf_read_at: mov (%rax), %rax; ret\n"
	/* rdi = a read-only page (the L4): read a word and write it back. */
	"exc_pf_write: mov (%rdi), %rax\n"
	"exc_pf_write_at: mov %rax, (%rdi); ret\n"
	"exc_gp_noncanon: movabs $0x8000000000000000, %rax\n"
	"exc_gp_noncanon_at: mov (%rax), %rax; ret\n"
	".popsection\n");

#define DECLARE_EXC(n) extern void exc_##n(void *), exc_##n##_at(void)
DECLARE_EXC(ud);
DECLARE_EXC(bp);
DECLARE_EXC(bp2);
DECLARE_EXC(de);
DECLARE_EXC(pf_read);
DECLARE_EXC(pf_write);
DECLARE_EXC(gp_noncanon);

struct exc_case {
	const char *name;
	void (*fn)(void *);
	void (*at)(void);
	unsigned int vector;
	unsigned long error_code;
	unsigned long cr2; /* #PF only */
};

static void check(const struct exc_case *c, void *arg)
{
	struct xtest_fault f;

	if (!xtest_catch(c->fn, arg, &f)) {
		xtest_fail("%s: no exception", c->name);
		return;
	}
	printk("%s: %s error code %#lx at %#lx\n", c->name, xtest_exc_name(f.vector), f.error_code,
	       f.rip);
	xtest_check(f.vector == c->vector, "%s: got %s, expected %s", c->name,
		    xtest_exc_name(f.vector), xtest_exc_name(c->vector));
	xtest_check(f.error_code == c->error_code, "%s: error code %#lx, expected %#lx", c->name,
		    f.error_code, c->error_code);
	xtest_check(f.rip == (unsigned long)c->at, "%s: rip %#lx, expected %#lx", c->name, f.rip,
		    (unsigned long)c->at);
	if (c->vector != X86_EXC_PF)
		return;
	if (!f.cr2_valid) {
		printk("%s: cr2 not checked (shared_info could not be mapped)\n", c->name);
		return;
	}
	xtest_check(f.cr2 == c->cr2, "%s: cr2 %#lx, expected %#lx", c->name, f.cr2, c->cr2);
}

void test_main(void)
{
	unsigned long l4 = xtest_start_info->pt_base;
	const struct exc_case cases[] = {
		{ "ud2", exc_ud, exc_ud_at, X86_EXC_UD, 0, 0 },
		{ "int3", exc_bp, exc_bp_at, X86_EXC_BP, 0, 0 },
		{ "int $3", exc_bp2, exc_bp2_at, X86_EXC_BP, 0, 0 },
		{ "div by 0", exc_de, exc_de_at, X86_EXC_DE, 0, 0 },
		{ "read unmapped", exc_pf_read, exc_pf_read_at, X86_EXC_PF, 0, UNMAPPED_VA },
		{ "write page table", exc_pf_write, exc_pf_write_at, X86_EXC_PF,
		  PFEC_present | PFEC_write, l4 },
		{ "non-canonical read", exc_gp_noncanon, exc_gp_noncanon_at, X86_EXC_GP, 0, 0 },
	};
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(&cases[i], (void *)l4);
}
