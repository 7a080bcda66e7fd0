/*
 * The state that VMRUN does not switch stays the guest's across exits: FS
 * and GS bases, KernelGSBase, STAR, LSTAR, CSTAR, SFMASK, the three
 * SYSENTER MSRs, TR and LDTR are written once, then after thousands of
 * CPUID and port exits they read back unchanged and are in effect: a
 * `syscall` from ring 0 lands at LSTAR with SFMASK's flags cleared, swapgs
 * brings KernelGSBase in, a round trip through ring 3 takes its stack from
 * the guest's TSS, and string port output through FS and GS overrides
 * (decoded by the hypervisor with the guest's segment bases) reaches the
 * debug port as one line.
 */
#include "xtest.h"
#include "msr-index.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M guest_loglvl=all");
TEST_EXPECT("hvm vmload fs+gs line ok");

#define MSR_EFER_ 0xc0000080u
#define EFER_SCE 1UL
#define MSR_FS_BASE_ 0xc0000100u
#define MSR_GS_BASE_ 0xc0000101u
#define MSR_KGS_BASE 0xc0000102u
#define MSR_STAR_ 0xc0000081u
#define MSR_LSTAR_ 0xc0000082u
#define MSR_CSTAR_ 0xc0000083u
#define MSR_SFMASK 0xc0000084u
#define MSR_SYSENTER_CS_ 0x174u
#define MSR_SYSENTER_ESP_ 0x175u
#define MSR_SYSENTER_EIP_ 0x176u

#define EFLAGS_DF (1UL << 10)
#define EXITS 3000

static const char fs_text[] = "hvm vmload fs+";
static const char gs_text[] = "gs line ok\n";
static volatile unsigned long kgs_word = 0x6b67735f77617021UL;
static volatile unsigned long syscall_flags, syscall_hits;

struct msr_value {
	uint32_t msr;
	const char *name;
	uint64_t val;
};

/* From ring 0: note the flags SFMASK left, then back to the caller (rcx) with r11's flags. */
__asm__(".pushsection .text\n"
	"vmload_syscall_entry:\n"
	"	pushfq\n"
	"	popq syscall_flags(%rip)\n"
	"	incq syscall_hits(%rip)\n"
	"	pushq %r11\n"
	"	popfq\n"
	"	jmp *%rcx\n"
	".popsection\n");
extern char vmload_syscall_entry[];

/* Ring 3: back to ring 0 with 0x5a in rax (through the TSS's rsp0). */
__asm__(".pushsection .text\n"
	"vmload_user_fn:\n"
	"	movl $0x5a, %eax\n"
	"	int $0x80\n"
	".popsection\n");
extern void vmload_user_fn(void);

static unsigned int cs_sel(void)
{
	unsigned int cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	return cs & 0xffff;
}

static void many_exits(void)
{
	uint32_t a, b, c, d;

	for (unsigned int i = 0; i < EXITS; i++) {
		hvm_cpuid(0, 0, &a, &b, &c, &d);
		if (i % 4 == 0)
			__asm__ volatile("inb $0x21, %%al" : "=a"(a) : : "memory");
	}
}

static void set_all(struct msr_value *m, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		int f = hvm_wrmsr_safe(m[i].msr, m[i].val);

		xtest_check(f < 0, "wrmsr %s raised vector %d", m[i].name, f);
	}
}

static void check_all(const struct msr_value *m, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		uint64_t v = 0;
		int f = hvm_rdmsr_safe(m[i].msr, &v);

		xtest_check(f < 0 && v == m[i].val, "%s read back %#lx, want %#lx (vector %d)",
			    m[i].name, (unsigned long)v, (unsigned long)m[i].val, f);
	}
}

static void check_syscall(void)
{
	unsigned long hits = syscall_hits;
	uint64_t efer = 0;

	hvm_rdmsr_safe(MSR_EFER_, &efer);
	xtest_check(hvm_wrmsr_safe(MSR_EFER_, efer | EFER_SCE) < 0, "EFER.SCE refused");
	__asm__ volatile("std\n\tsyscall\n\tcld" : : : "rcx", "r11", "memory");
	xtest_check(syscall_hits == hits + 1, "syscall did not reach LSTAR");
	xtest_check(!(syscall_flags & EFLAGS_DF), "SFMASK did not clear DF (flags %#lx)",
		    syscall_flags);
}

static void check_swapgs(void)
{
	unsigned long v;

	__asm__ volatile("swapgs\n\tmovq %%gs:0, %0\n\tswapgs" : "=r"(v) : : "memory");
	xtest_check(v == kgs_word, "swapgs: gs:0 read %#lx, want %#lx", v, kgs_word);
	__asm__ volatile("movq %%gs:0, %0" : "=r"(v) : : "memory");
	xtest_check(v == *(const unsigned long *)gs_text, "gs:0 after swapgs back: %#lx", v);
}

static void check_tables(unsigned int tr, unsigned int ldtr)
{
	unsigned int tr2 = 0, ldtr2 = 0;

	__asm__ volatile("str %0\n\tsldt %1" : "=r"(tr2), "=r"(ldtr2));
	xtest_check(tr2 == tr && ldtr2 == ldtr, "TR %#x LDTR %#x, want %#x %#x", tr2, ldtr2, tr,
		    ldtr);
}

/* `rep outsb` of @len bytes through an FS (@gs 0) or GS override, rsi the offset 0. */
static void segment_outsb(int gs, unsigned long len)
{
	unsigned long rcx = len, rsi = 0;

	if (gs)
		__asm__ volatile("rep outsb %%gs:(%%rsi), %%dx"
				 : "+c"(rcx), "+S"(rsi)
				 : "d"(0xe9)
				 : "memory");
	else
		__asm__ volatile("rep outsb %%fs:(%%rsi), %%dx"
				 : "+c"(rcx), "+S"(rsi)
				 : "d"(0xe9)
				 : "memory");
	xtest_check(rcx == 0 && rsi == len, "%s rep outsb: rcx %#lx rsi %#lx", gs ? "gs" : "fs",
		    rcx, rsi);
}

void test_main(void)
{
	unsigned int tr = 0, ldtr = 0;
	struct msr_value m[] = {
		{ MSR_FS_BASE_, "FS_BASE", (unsigned long)fs_text },
		{ MSR_GS_BASE_, "GS_BASE", (unsigned long)gs_text },
		{ MSR_KGS_BASE, "KERNEL_GS_BASE", (unsigned long)&kgs_word },
		{ MSR_STAR_, "STAR", (uint64_t)cs_sel() << 32 },
		{ MSR_LSTAR_, "LSTAR", (unsigned long)vmload_syscall_entry },
		{ MSR_CSTAR_, "CSTAR", 0xffffffff81234560UL },
		{ MSR_SFMASK, "SFMASK", EFLAGS_DF | 0x100 },
		{ MSR_SYSENTER_CS_, "SYSENTER_CS", 0x10 },
		{ MSR_SYSENTER_ESP_, "SYSENTER_ESP", 0xffffffff8abc0000UL },
		{ MSR_SYSENTER_EIP_, "SYSENTER_EIP", 0xffffffff8def0000UL },
	};
	unsigned int n = sizeof(m) / sizeof(m[0]);
	long rc;

	__asm__ volatile("str %0\n\tsldt %1" : "=r"(tr), "=r"(ldtr));
	printk("TR %#x LDTR %#x\n", tr, ldtr);
	set_all(m, n);
	many_exits();
	check_all(m, n);
	check_tables(tr, ldtr);
	check_syscall();
	check_swapgs();
	many_exits();
	rc = hvm_run_user(vmload_user_fn);
	xtest_check(rc == 0x5a, "ring 3 round trip returned %#lx, want 0x5a", rc);
	segment_outsb(0, sizeof(fs_text) - 1);
	segment_outsb(1, sizeof(gs_text) - 1);
	many_exits();
	check_all(m, n);
	check_tables(tr, ldtr);
	printk("%u exits each round, state kept\n", EXITS);
}
