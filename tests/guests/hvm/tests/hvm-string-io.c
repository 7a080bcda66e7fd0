/*
 * INS/OUTS in 64-bit code with no device model: the debug port 0xE9 gets a
 * line written by `rep outsb` (rsi up), by `addr32 rep outsb` (ecx and esi
 * only, the upper halves of rcx and rsi cleared) and by `std; rep outsb`
 * (rsi down); `rep insb` from 0xE9, which nobody reads, stores all-ones in
 * exactly rcx bytes; a REP with rcx 0 moves nothing. The registers are
 * checked after each one, and the line must reach the console.
 */
#include "xtest.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M guest_loglvl=all");
TEST_EXPECT("hvm string i/o line ok");

struct regs {
	unsigned long rcx, rsi, rdi;
};

static void rep_outsb(struct regs *r)
{
	__asm__ volatile("rep outsb" : "+c"(r->rcx), "+S"(r->rsi) : "d"(0xe9) : "memory");
}

static void rep_outsb_addr32(struct regs *r)
{
	__asm__ volatile(".byte 0x67; rep outsb"
			 : "+c"(r->rcx), "+S"(r->rsi)
			 : "d"(0xe9)
			 : "memory");
}

static void rep_outsb_down(struct regs *r)
{
	__asm__ volatile("std; rep outsb; cld" : "+c"(r->rcx), "+S"(r->rsi) : "d"(0xe9) : "memory");
}

static void rep_insb(struct regs *r)
{
	__asm__ volatile("rep insb" : "+c"(r->rcx), "+D"(r->rdi) : "d"(0xe9) : "memory");
}

static const char part1[] = "hvm str", part2[] = "ing i/o ", part3_reversed[] = "\nko enil";
static uint8_t in_buf[16];

void test_main(void)
{
	unsigned long base = (unsigned long)part2;
	struct regs r;

	xtest_check(base < (1UL << 32), "the test's data at %#lx is not below 4 GiB", base);
	r = (struct regs){ .rcx = 7, .rsi = (unsigned long)part1 };
	rep_outsb(&r);
	xtest_check(r.rcx == 0 && r.rsi == (unsigned long)part1 + 7, "rep outsb: rcx %#lx rsi %#lx",
		    r.rcx, r.rsi);
	/* addr32: the count is ecx (8), the upper halves go. */
	r = (struct regs){ .rcx = 0xdead000000000008UL, .rsi = 0xbeef00000000UL | base };
	rep_outsb_addr32(&r);
	xtest_check(r.rcx == 0 && r.rsi == base + 8, "addr32 rep outsb: rcx %#lx rsi %#lx", r.rcx,
		    r.rsi);
	r = (struct regs){ .rcx = 8, .rsi = (unsigned long)part3_reversed + 7 };
	rep_outsb_down(&r);
	xtest_check(r.rcx == 0 && r.rsi == (unsigned long)part3_reversed - 1,
		    "std; rep outsb: rcx %#lx rsi %#lx", r.rcx, r.rsi);
	memset(in_buf, 0x11, sizeof(in_buf));
	r = (struct regs){ .rcx = 5, .rdi = (unsigned long)in_buf };
	rep_insb(&r);
	xtest_check(r.rcx == 0 && r.rdi == (unsigned long)in_buf + 5, "rep insb: rcx %#lx rdi %#lx",
		    r.rcx, r.rdi);
	for (unsigned int i = 0; i < sizeof(in_buf); i++)
		xtest_check(in_buf[i] == (i < 5 ? 0xff : 0x11), "in_buf[%u] = %#x", i, in_buf[i]);
	r = (struct regs){ .rcx = 0, .rdi = (unsigned long)in_buf };
	rep_insb(&r);
	xtest_check(r.rcx == 0 && r.rdi == (unsigned long)in_buf, "rep insb of 0: rdi %#lx", r.rdi);
}
