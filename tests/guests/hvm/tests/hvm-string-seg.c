/*
 * INS/OUTS in 32-bit code (compatibility mode, where segments have limits
 * and types) with a memory operand a segment does not cover, and with the
 * address-size override:
 *  - ES with base B and limit 15: `rep insb` of 8 from offset 12 stores 4
 *    bytes, then #GP(0) with ecx 4, edi 16; `insb` at 16 #GP(0); `rep insw`
 *    of 2 from 14 moves one word, then #GP(0);
 *  - ES read-only: `insb` #GP(0), nothing stored;
 *  - SS with limit 2 GiB - 1: `ss rep outsb` of a line in RAM writes it
 *    to port 0xE9; `ss outsb` from 2 GiB #SS(0), esi unchanged;
 *  - ES expand-down with limit P - 1 (P a page): `rep insb` at P stores, at
 *    P - 2 #GP(0) with nothing stored;
 *  - `addr16 rep insb` of 3 from di 0xFFFE into a 64 KiB segment stores at
 *    0xFFFE, 0xFFFF and 0 (di wraps), leaving the upper halves of ecx and
 *    edi alone.
 * The hypervisor emulates these and checks the segment as Xen's emulator
 * does (QEMU's TCG checks no data segment limits itself).
 */
#include "xtest.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M guest_loglvl=all");
TEST_EXPECT("compat ss ok");

#define SEL_FLAT 0x10
#define SEL_CODE32 0x38
#define SEL_LIM 0x40
#define SEL_RO 0x48
#define SEL_SS2G 0x50
#define SEL_DOWN 0x58
#define SEL_WRAP 0x60
#define GDT_ENTRIES 13
#define TWO_GIB 0x80000000u

/* The registers and segments a 32-bit stub starts with, and ecx/esi/edi after. */
struct cregs {
	uint32_t ecx, esi, edi, es, ds, ss;
};
struct cregs cr;

/*
 * From 64-bit code: far return into 32-bit code, load cr, run @insn on port
 * 0xE9 (a fault goes on after it), flat segments again, save cr, far jump
 * back.
 */
#define COMPAT_OP(name, insn)                                                                      \
	__asm__(".pushsection .text\n.code64\n" #name ":\n"                                        \
		"	pushq %rbx\n	pushq %rbp\n	pushq $0x38\n"                                         \
		"	leaq 1f(%rip), %rax\n	pushq %rax\n	lretq\n"                                      \
		".code32\n"                                                                        \
		"1:	movl cr+0, %ecx\n	movl cr+4, %esi\n	movl cr+8, %edi\n"                         \
		"	movl cr+12, %eax\n	movl cr+16, %ebx\n	movl cr+20, %ebp\n"                        \
		"	movw %bp, %ss\n	movw %ax, %es\n	movw %bx, %ds\n	movl $0xe9, %edx\n"              \
		"8:	" insn "\n9:\n"                                                            \
		"	movl $0x10, %eax\n	movw %ax, %ds\n	movw %ax, %es\n	movw %ax, %ss\n"              \
		"	movl %ecx, cr+0\n	movl %esi, cr+4\n	movl %edi, cr+8\n"                           \
		"	ljmpl $0x08, $2f\n"                                                              \
		".code64\n2:	popq %rbp\n	popq %rbx\n	ret\n" HVM_EXTABLE(                \
		    "8b", "9b") ".popsection\n");                                                  \
	extern void name(void)

COMPAT_OP(c_rep_insb, "rep insb");
COMPAT_OP(c_insb, "insb");
COMPAT_OP(c_rep_insw, "rep insw");
COMPAT_OP(c_ss_rep_outsb, ".byte 0x36; rep outsb");
COMPAT_OP(c_ss_outsb, ".byte 0x36; outsb");
COMPAT_OP(c_a16_rep_insb, ".byte 0x67; rep insb");

static uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
static uint8_t lim_buf[32];
static uint8_t down_area[8192] __attribute__((aligned(4096)));
static uint8_t wrap_buf[0x10000] __attribute__((aligned(16)));
static const char line[] = "compat ss ok\n";

/* A code or data descriptor: @type the access byte (P, DPL, S, type), 4 KiB granularity with @g. */
static uint64_t desc(uint32_t base, uint32_t limit, unsigned int type, int g)
{
	return (limit & 0xffff) | (uint64_t)(base & 0xffffff) << 16 |
	       (uint64_t)(type & 0xff) << 40 | (uint64_t)((limit >> 16) & 0xf) << 48 |
	       (uint64_t)(0x4 | (g ? 0x8 : 0)) << 52 | (uint64_t)(base >> 24) << 56;
}

/* The entry code's GDT (TSS included) and our segments after it. */
static void load_gdt(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr;
	uint32_t down = (uint32_t)(uintptr_t)(down_area + 4096);

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	memcpy(gdt, (void *)gdtr.base, gdtr.limit + 1U);
	gdt[SEL_CODE32 / 8] = desc(0, 0xfffff, 0x9b, 1);
	gdt[SEL_LIM / 8] = desc((uint32_t)(uintptr_t)lim_buf, 15, 0x93, 0);
	gdt[SEL_RO / 8] = desc(0, 0xfffff, 0x91, 1);
	gdt[SEL_SS2G / 8] = desc(0, (TWO_GIB >> 12) - 1, 0x93, 1);
	gdt[SEL_DOWN / 8] = desc(0, (down >> 12) - 1, 0x97, 1);
	gdt[SEL_WRAP / 8] = desc((uint32_t)(uintptr_t)wrap_buf, 0xffff, 0x93, 0);
	gdtr.limit = sizeof(gdt) - 1;
	gdtr.base = (uint64_t)gdt;
	__asm__ volatile("lgdt %0" : : "m"(gdtr));
}

static void run(const char *what, void (*fn)(void), struct cregs in)
{
	cr = in;
	hvm_last_fault = -1;
	hvm_last_error_code = ~0UL;
	fn();
	printk("%s: vector %d, error code %#lx, ecx %#x esi %#x edi %#x\n", what, hvm_last_fault,
	       hvm_last_error_code, cr.ecx, cr.esi, cr.edi);
}

static void expect(const char *what, int vector, uint32_t ecx, uint32_t esi, uint32_t edi)
{
	xtest_check(hvm_last_fault == vector, "%s: vector %d, want %d", what, hvm_last_fault,
		    vector);
	if (vector >= 0)
		xtest_check(hvm_last_error_code == 0, "%s: error code %#lx, want 0", what,
			    hvm_last_error_code);
	xtest_check(cr.ecx == ecx && cr.esi == esi && cr.edi == edi,
		    "%s: ecx %#x esi %#x edi %#x, want %#x %#x %#x", what, cr.ecx, cr.esi, cr.edi,
		    ecx, esi, edi);
}

static void limit_up(void)
{
	memset(lim_buf, 0x11, sizeof(lim_buf));
	run("rep insb to the limit", c_rep_insb,
	    (struct cregs){ 8, 0, 12, SEL_LIM, SEL_FLAT, SEL_FLAT });
	expect("rep insb to the limit", 13, 4, 0, 16);
	for (unsigned int i = 8; i < sizeof(lim_buf); i++)
		xtest_check(lim_buf[i] == (i >= 12 && i < 16 ? 0xff : 0x11), "lim_buf[%u] = %#x", i,
			    lim_buf[i]);
	run("insb past the limit", c_insb, (struct cregs){ 0, 0, 16, SEL_LIM, SEL_FLAT, SEL_FLAT });
	expect("insb past the limit", 13, 0, 0, 16);
	memset(lim_buf, 0x11, sizeof(lim_buf));
	run("rep insw to the limit", c_rep_insw,
	    (struct cregs){ 2, 0, 14, SEL_LIM, SEL_FLAT, SEL_FLAT });
	expect("rep insw to the limit", 13, 1, 0, 16);
	xtest_check(lim_buf[14] == 0xff && lim_buf[15] == 0xff && lim_buf[16] == 0x11,
		    "rep insw: lim_buf[14..16] = %#x %#x %#x", lim_buf[14], lim_buf[15],
		    lim_buf[16]);
	lim_buf[0] = 0x11;
	run("insb into read-only", c_insb,
	    (struct cregs){ 0, 0, (uint32_t)(uintptr_t)lim_buf, SEL_RO, SEL_FLAT, SEL_FLAT });
	expect("insb into read-only", 13, 0, 0, (uint32_t)(uintptr_t)lim_buf);
	xtest_check(lim_buf[0] == 0x11, "lim_buf[0] = %#x after insb into read-only", lim_buf[0]);
}

static void stack_segment(void)
{
	uint32_t s = (uint32_t)(uintptr_t)line, n = sizeof(line) - 1;

	run("ss rep outsb", c_ss_rep_outsb,
	    (struct cregs){ n, s, 0, SEL_FLAT, SEL_FLAT, SEL_SS2G });
	expect("ss rep outsb", -1, 0, s + n, 0);
	run("ss outsb past the limit", c_ss_outsb,
	    (struct cregs){ 0, TWO_GIB, 0, SEL_FLAT, SEL_FLAT, SEL_SS2G });
	expect("ss outsb past the limit", 12, 0, TWO_GIB, 0);
}

static void expand_down(void)
{
	uint32_t p = (uint32_t)(uintptr_t)(down_area + 4096);

	memset(down_area + 4096 - 4, 0x11, 8);
	run("rep insb above the limit", c_rep_insb,
	    (struct cregs){ 2, 0, p, SEL_DOWN, SEL_FLAT, SEL_FLAT });
	expect("rep insb above the limit", -1, 0, 0, p + 2);
	run("rep insb at the limit", c_rep_insb,
	    (struct cregs){ 4, 0, p - 2, SEL_DOWN, SEL_FLAT, SEL_FLAT });
	expect("rep insb at the limit", 13, 4, 0, p - 2);
	for (unsigned int i = 4096 - 4; i < 4096 + 4; i++)
		xtest_check(down_area[i] == (i == 4096 || i == 4097 ? 0xff : 0x11),
			    "down_area[%u] = %#x", i, down_area[i]);
}

static void addr16(void)
{
	memset(wrap_buf, 0x11, 4);
	memset(wrap_buf + 0x10000 - 4, 0x11, 4);
	run("addr16 rep insb", c_a16_rep_insb,
	    (struct cregs){ 0x12340003, 0, 0xabcdfffe, SEL_WRAP, SEL_FLAT, SEL_FLAT });
	expect("addr16 rep insb", -1, 0x12340000, 0, 0xabcd0001);
	xtest_check(wrap_buf[0] == 0xff && wrap_buf[1] == 0x11 && wrap_buf[0xfffd] == 0x11 &&
			wrap_buf[0xfffe] == 0xff && wrap_buf[0xffff] == 0xff,
		    "addr16: wrap_buf[0,1] %#x %#x [fffd..ffff] %#x %#x %#x", wrap_buf[0],
		    wrap_buf[1], wrap_buf[0xfffd], wrap_buf[0xfffe], wrap_buf[0xffff]);
}

void test_main(void)
{
	load_gdt();
	limit_up();
	stack_segment();
	expand_down();
	addr16();
}
