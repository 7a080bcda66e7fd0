/*
 * The privileged instructions Xen 4.17 emulates for a PV kernel, besides
 * port I/O (see ioport and strio): mov to and from the debug registers
 * (the same checks as set_debugreg/get_debugreg, %dr4/%dr5 as %dr6/%dr7
 * unless %cr4.DE), mov to %cr2 and %cr3, clts, rdtsc and rdtscp while the
 * kernel keeps %cr4.TSD set, wbinvd, and in/out in their imm8, %dx, 16-bit
 * and REX.W forms. And what Xen does not emulate for a PV kernel, which
 * stays a #GP: rdpmc (with %cr4.PCE clear), lmsw, mov to %cr8. (invd is
 * not emulated either, but QEMU's TCG lets ring 3 run it, so it is not
 * checked here.)
 */
#include "xtest.h"

#define HC_fpu_taskswitch 5
#define HC_get_debugreg 9
#define HC_physdev_op 33
#define PHYSDEVOP_set_iopl 6
#define CR0_TS (1UL << 3)
#define CR4_TSD (1UL << 2)
#define CR4_DE (1UL << 3)
#define DR6_DEFAULT 0xffff0ff0UL
#define DR7_L0_W8 ((1UL << 0) | (1UL << 16) | (3UL << 18))

static char watched[8] __attribute__((aligned(8)));

static unsigned long read_cr0(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static unsigned long read_cr2(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static unsigned long read_cr3(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static unsigned long read_cr4(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr4(unsigned long v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v));
}

/* mov to/from %drN for N in 0-7 (the encodings name the register). */
#define DR_ACCESSORS(n)                                                                            \
	static unsigned long read_dr##n(void)                                                      \
	{                                                                                          \
		unsigned long v;                                                                   \
		__asm__ volatile("mov %%db" #n ", %0" : "=r"(v));                                  \
		return v;                                                                          \
	}                                                                                          \
	static void write_dr##n(unsigned long v)                                                   \
	{                                                                                          \
		__asm__ volatile("mov %0, %%db" #n : : "r"(v));                                    \
	}
DR_ACCESSORS(0)
DR_ACCESSORS(4)
DR_ACCESSORS(5)
DR_ACCESSORS(6)
DR_ACCESSORS(7)

static void read_dr4_fn(void *arg)
{
	*(unsigned long *)arg = read_dr4();
}

static void write_dr5_fn(void *arg)
{
	write_dr5(*(unsigned long *)arg);
}

static void write_dr7_fn(void *arg)
{
	write_dr7(*(unsigned long *)arg);
}

static void write_dr0_fn(void *arg)
{
	write_dr0(*(unsigned long *)arg);
}

/* mov %rax, %dr8 (REX.R): no such register. */
static void write_dr8_fn(void *arg)
{
	(void)arg;
	__asm__ volatile("xor %%eax, %%eax; .byte 0x44, 0x0f, 0x23, 0xc0" ::: "rax");
}

static void write_cr3_fn(void *arg)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(*(unsigned long *)arg) : "memory");
}

static void write_cr8_fn(void *arg)
{
	(void)arg;
	__asm__ volatile("xor %%eax, %%eax; mov %%rax, %%cr8" ::: "rax");
}

static void rdpmc_fn(void *arg)
{
	(void)arg;
	__asm__ volatile("xor %%ecx, %%ecx; rdpmc" ::: "rax", "rcx", "rdx");
}

static void lmsw_fn(void *arg)
{
	(void)arg;
	__asm__ volatile("mov $1, %%eax; lmsw %%ax" ::: "rax");
}

static void write_watched(void *arg)
{
	(void)arg;
	*(volatile char *)watched = 1;
}

static unsigned long tsc_value;

static void rdtsc_fn(void *arg)
{
	unsigned int lo, hi;

	(void)arg;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	tsc_value = ((unsigned long)hi << 32) | lo;
}

static void expect_exc(void (*fn)(void *), void *arg, unsigned int vector, const char *what)
{
	struct xtest_fault f;

	if (!xtest_catch(fn, arg, &f))
		xtest_fail("%s did not fault", what);
	else
		xtest_check(f.vector == vector && (vector != X86_EXC_GP || f.error_code == 0),
			    "%s: vector %u error code %#lx, expected %u", what, f.vector,
			    f.error_code, vector);
}

static void expect_ok(void (*fn)(void *), void *arg, const char *what)
{
	struct xtest_fault f;

	if (xtest_catch(fn, arg, &f))
		xtest_fail("%s: vector %u error code %#lx", what, f.vector, f.error_code);
}

static long get_dr(unsigned long reg)
{
	return hypercall(HC_get_debugreg, reg, 0, 0, 0, 0);
}

static void check_debug_registers(void)
{
	unsigned long v, cr4 = read_cr4();

	/* DR0-3 and DR7 as the hypercalls see them. */
	write_dr0((unsigned long)watched);
	xtest_check(read_dr0() == (unsigned long)watched && get_dr(0) == (long)watched,
		    "DR0 reads %#lx", read_dr0());
	write_dr7(DR7_L0_W8);
	xtest_check(read_dr7() == (DR7_L0_W8 | 0x400), "DR7 reads %#lx", read_dr7());
	xtest_check(get_dr(7) == (long)(DR7_L0_W8 | 0x400), "get_debugreg(7) %#lx", get_dr(7));
	write_dr6(0);
	xtest_check(read_dr6() == DR6_DEFAULT, "DR6 reads %#lx", read_dr6());
	/* The watchpoint set by mov works: a write gives #DB with B0. */
	expect_exc(write_watched, NULL, X86_EXC_DB, "a write to the watched bytes");
	xtest_check(read_dr6() & 1, "DR6 %#lx after the watched write", read_dr6());
	write_dr7(0);
	xtest_check(read_dr7() == 0x400, "DR7 reads %#lx after 0", read_dr7());

	/* What set_debugreg refuses, mov refuses with #GP(0); DR8 does not exist (#UD). */
	v = 1UL << 32; /* DR7's upper half is strictly reserved */
	expect_exc(write_dr7_fn, &v, X86_EXC_GP, "mov to DR7 with bit 32");
	v = 0xffff830000000000UL; /* the hypervisor's range */
	expect_exc(write_dr0_fn, &v, X86_EXC_GP, "mov of a hypervisor address to DR0");
	expect_exc(write_dr8_fn, NULL, X86_EXC_UD, "mov to DR8");

	/* DR4/DR5: DR6/DR7 while %cr4.DE is clear. */
	write_cr4(cr4 & ~CR4_DE);
	write_dr6(0);
	xtest_check(read_dr4() == read_dr6(), "DR4 %#lx is not DR6 %#lx", read_dr4(), read_dr6());
	v = DR7_L0_W8;
	expect_ok(write_dr5_fn, &v, "mov to DR5 with DE clear");
	xtest_check(read_dr7() == (DR7_L0_W8 | 0x400), "DR5 did not write DR7: %#lx", read_dr7());
	xtest_check(read_dr5() == read_dr7(), "DR5 %#lx is not DR7", read_dr5());
	write_dr4(1); /* B0 */
	xtest_check(read_dr6() == (DR6_DEFAULT | 1), "DR4 did not write DR6: %#lx", read_dr6());
	write_dr7(0);
	/* ... and #UD with DE set, if the platform lets the guest set it. */
	write_cr4(cr4 | CR4_DE);
	if (read_cr4() & CR4_DE) {
		expect_exc(read_dr4_fn, &v, X86_EXC_UD, "mov from DR4 with DE set");
		expect_exc(write_dr5_fn, &v, X86_EXC_UD, "mov to DR5 with DE set");
	} else {
		printk("%%cr4.DE is not the guest's here: DR4/DR5 alias DR6/DR7 only\n");
	}
	write_cr4(cr4);
}

static void check_control_registers(void)
{
	unsigned long cr3 = read_cr3(), bad, cr4 = read_cr4();
	unsigned long t0, t1;
	struct shared_info *si = xtest_shared_info();

	/* %cr2 is the guest's to write: read back, and in vcpu_info. */
	__asm__ volatile("mov %0, %%cr2" : : "r"(0x1234000UL));
	xtest_check(read_cr2() == 0x1234000UL, "cr2 reads %#lx", read_cr2());
	if (si)
		xtest_check(si->vcpu_info[0].arch.cr2 == 0x1234000UL, "vcpu_info cr2 %#lx",
			    (unsigned long)si->vcpu_info[0].arch.cr2);

	/* %cr3: its own value again is a new base pointer; a frame that is no L4 is #GP. */
	expect_ok(write_cr3_fn, &cr3, "mov of the current cr3 to %cr3");
	xtest_check(read_cr3() == cr3, "cr3 %#lx after the write, was %#lx", read_cr3(), cr3);
	/* The frame of one of our writable data pages (the image is mapped at pfn << 12). */
	bad =
	    ((unsigned long *)
		 xtest_start_info->mfn_list)[((unsigned long)watched - 0xffffffff80000000UL) >> 12]
	    << 12;
	expect_exc(write_cr3_fn, &bad, X86_EXC_GP, "mov of a non-L4 frame to %cr3");
	xtest_check(read_cr3() == cr3, "cr3 %#lx after the refused write", read_cr3());
	expect_exc(write_cr8_fn, NULL, X86_EXC_GP, "mov to %cr8");

	/* clts clears the virtual TS that fpu_taskswitch set. */
	hypercall(HC_fpu_taskswitch, 1, 0, 0, 0, 0);
	xtest_check(read_cr0() & CR0_TS, "fpu_taskswitch(1) left cr0 %#lx", read_cr0());
	__asm__ volatile("clts");
	xtest_check(!(read_cr0() & CR0_TS), "clts left cr0 %#lx", read_cr0());

	/* rdtsc and rdtscp with %cr4.TSD: still allowed in the kernel (emulated there). */
	write_cr4(cr4 | CR4_TSD);
	xtest_check(read_cr4() & CR4_TSD, "cr4.TSD did not stick: %#lx", read_cr4());
	expect_ok(rdtsc_fn, NULL, "rdtsc with TSD");
	t0 = tsc_value;
	expect_ok(rdtsc_fn, NULL, "rdtsc with TSD");
	t1 = tsc_value;
	xtest_check(t1 > t0, "rdtsc with TSD went from %#lx to %#lx", t0, t1);
	{
		unsigned int lo, hi, aux;

		__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(aux));
		xtest_check((((unsigned long)hi << 32) | lo) > t1, "rdtscp with TSD went back");
	}
	write_cr4(cr4);
	xtest_check(!(read_cr4() & CR4_TSD), "cr4.TSD did not clear: %#lx", read_cr4());

	__asm__ volatile("wbinvd" ::: "memory");
}

static void check_refused(void)
{
	expect_exc(rdpmc_fn, NULL, X86_EXC_GP, "rdpmc");
	expect_exc(lmsw_fn, NULL, X86_EXC_GP, "lmsw");
}

/* in/out: imm8 and %dx ports, byte/word/dword, REX.W (still 32 bits). CMOS index 0x0b. */
static void check_in_out(void)
{
	unsigned long rax = ~0UL;
	unsigned int eax;
	uint32_t iopl = 1;
	unsigned short ax;

	hypercall(HC_physdev_op, PHYSDEVOP_set_iopl, (unsigned long)&iopl, 0, 0, 0);
	__asm__ volatile("outb %%al, $0x70" : : "a"(0x0b));
	/* inb: only %al changes. */
	__asm__ volatile("inb $0x71, %%al" : "+a"(rax));
	xtest_check((rax & ~0xffUL) == ~0xffUL && (rax & 0x02), "inb imm8 gave rax %#lx", rax);
	/* inl from an IDE status port pair through %dx: all 64 bits written (zero-extended). */
	rax = ~0UL;
	__asm__ volatile("inl %%dx, %%eax" : "+a"(rax) : "d"(0x1f0));
	xtest_check(rax >> 32 == 0, "inl left rax %#lx", rax);
	rax = ~0UL;
	__asm__ volatile(".byte 0x48, 0xed" : "+a"(rax) : "d"(0x1f0)); /* REX.W in */
	xtest_check(rax >> 32 == 0, "REX.W inl left rax %#lx", rax);
	/* inw: only %ax changes. */
	rax = ~0UL;
	__asm__ volatile("inw %%dx, %%ax" : "+a"(rax) : "d"(0x1f0));
	xtest_check((rax & ~0xffffUL) == ~0xffffUL, "inw left rax %#lx", rax);
	/* outw/outl through %dx and imm8: the fw_cfg selector takes a word. */
	ax = 0;
	__asm__ volatile("outw %%ax, $0x10" : : "a"(ax)); /* an unused port: no fault */
	__asm__ volatile("outw %%ax, %%dx" : : "a"(ax), "d"(0x510));
	__asm__ volatile("inb %%dx, %%al" : "=a"(eax) : "d"(0x511));
	xtest_check((eax & 0xff) == 'Q', "fw_cfg after outw read %#x", eax & 0xff);
	__asm__ volatile("outl %%eax, $0x80" : : "a"(0)); /* the POST port */
}

void test_main(void)
{
	check_debug_registers();
	check_control_registers();
	check_refused();
	check_in_out();
	printk("privileged instruction checks done\n");
}

TEST_EXPECT("privileged instruction checks done");
