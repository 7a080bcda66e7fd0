/*
 * Accesses nobody claims, as Xen 4.17's null handler completes them: a
 * guest-physical page with no RAM (one of ours given up with
 * remove_from_physmap) and no emulated device or ioreq server, and a port
 * no device has. Reads give all-ones, writes are dropped, and the
 * instruction completes: a mov load and store; rep stosl over the whole
 * page; rep movsq from it into RAM (which then holds all-ones); rep movsb
 * from RAM into it; rep stosb starting in the RAM page before it (the RAM
 * bytes written, the rest dropped); std; rep movsl from it, downwards.
 * rcx, rsi and rdi are checked after each string instruction. The port:
 * inb/inw/inl read all-ones before and after an outb, rep insw stores
 * all-ones into RAM, rep outsb goes through. Before, Petrel crashed the
 * domain at the first MOVS/STOS ("access to guest-physical memory that is
 * not RAM").
 */
#include "xtest.h"
#include "hvm.h"
#include "memory-op.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
/* max: leaves room to populate the removed page again. */
TEST_HV_ARGS("dom0=pvh dom0_mem=64M,max:65M");

#define NULL_PORT 0x2e0 /* no device of QEMU's q35 machine there, none emulated */

/* pages[1] becomes the hole; pages[0] stays RAM just before it. */
static uint8_t pages[2][4096] __attribute__((aligned(4096)));
static uint64_t ram[32];

struct regs {
	unsigned long rcx, rsi, rdi;
};

static void expect_regs(const char *what, const struct regs *r, const struct regs *want)
{
	xtest_check(r->rcx == want->rcx && r->rsi == want->rsi && r->rdi == want->rdi,
		    "%s: rcx %lu rsi %#lx rdi %#lx, want %lu %#lx %#lx", what, r->rcx, r->rsi,
		    r->rdi, want->rcx, want->rsi, want->rdi);
}

#define STRING_OP(name, insn)                                                                      \
	static void name(struct regs *r, unsigned long rax)                                        \
	{                                                                                          \
		__asm__ volatile(insn                                                              \
				 : "+c"(r->rcx), "+S"(r->rsi), "+D"(r->rdi)                        \
				 : "a"(rax), "d"(NULL_PORT)                                        \
				 : "memory");                                                      \
	}

STRING_OP(rep_stosl, "rep stosl")
STRING_OP(rep_stosb, "rep stosb")
STRING_OP(rep_movsq, "rep movsq")
STRING_OP(rep_movsb, "rep movsb")
STRING_OP(rep_movsl_down, "std; rep movsl; cld")
STRING_OP(rep_insw, "rep insw")
STRING_OP(rep_outsb, "rep outsb")

static uint64_t load(const void *p)
{
	return *(const volatile uint64_t *)p;
}

static bool all_ones(const void *p, unsigned long n)
{
	const uint8_t *b = p;

	for (unsigned long i = 0; i < n; i++)
		if (b[i] != 0xff)
			return false;
	return true;
}

static void mov_forms(uint8_t *hole)
{
	uint64_t v = load(hole + 8);

	xtest_check(v == ~0UL, "mov load from the hole: %#lx, want all-ones", (unsigned long)v);
	*(volatile uint64_t *)(hole + 8) = 0x1122334455667788UL;
	v = load(hole + 8);
	xtest_check(v == ~0UL, "the hole after a mov store: %#lx, want all-ones", (unsigned long)v);
}

static void stos_forms(uint8_t *hole)
{
	unsigned long h = (unsigned long)hole;
	struct regs r = { 1024, 0, h }, want = { 0, 0, h + 4096 };

	rep_stosl(&r, 0x12345678);
	expect_regs("rep stosl over the hole", &r, &want);
	xtest_check(load(hole + 64) == ~0UL, "the hole after rep stosl is not all-ones");
	memset(pages[0], 0, sizeof(pages[0]));
	r = (struct regs){ 8, 0, h - 4 };
	want = (struct regs){ 0, 0, h + 4 };
	rep_stosb(&r, 0x5a);
	expect_regs("rep stosb from RAM into the hole", &r, &want);
	xtest_check(pages[0][4091] == 0 && pages[0][4092] == 0x5a && pages[0][4095] == 0x5a,
		    "rep stosb into the hole: RAM bytes %#x %#x %#x, want 0 0x5a 0x5a",
		    pages[0][4091], pages[0][4092], pages[0][4095]);
}

static void movs_forms(uint8_t *hole)
{
	unsigned long h = (unsigned long)hole, b = (unsigned long)ram;
	struct regs r = { 16, h + 256, b }, want = { 0, h + 384, b + 128 };

	memset(ram, 0, sizeof(ram));
	rep_movsq(&r, 0);
	expect_regs("rep movsq from the hole", &r, &want);
	xtest_check(all_ones(ram, 128) && ram[16] == 0, "rep movsq from the hole: RAM %#lx %#lx",
		    (unsigned long)ram[0], (unsigned long)ram[16]);
	r = (struct regs){ 100, b, h + 1000 };
	want = (struct regs){ 0, b + 100, h + 1100 };
	rep_movsb(&r, 0);
	expect_regs("rep movsb into the hole", &r, &want);
	xtest_check(load(hole + 1000) == ~0UL, "the hole after rep movsb is not all-ones");
	memset(ram, 0, sizeof(ram));
	r = (struct regs){ 4, h + 60, b + 12 };
	want = (struct regs){ 0, h + 44, b - 4 };
	rep_movsl_down(&r, 0);
	expect_regs("std; rep movsl from the hole", &r, &want);
	xtest_check(all_ones(ram, 16) && ram[2] == 0, "std; rep movsl from the hole: RAM %#lx %#lx",
		    (unsigned long)ram[0], (unsigned long)ram[2]);
}

static void null_mmio(void)
{
	uint8_t *hole = pages[1];
	unsigned long gfn = (unsigned long)hole >> 12;
	struct remove_from_physmap rm = { DOMID_SELF, gfn };
	struct reservation res = { &gfn, 1, 0, 0, DOMID_SELF };
	long rc = hypercall(HC_memory_op, XENMEM_remove_from_physmap, (unsigned long)&rm, 0, 0, 0);

	if (rc) {
		xtest_error("remove_from_physmap(%#lx): %ld", gfn, rc);
		return;
	}
	mov_forms(hole);
	stos_forms(hole);
	movs_forms(hole);
	rc = hypercall(HC_memory_op, XENMEM_populate_physmap, (unsigned long)&res, 0, 0, 0);
	xtest_check(rc == 1, "populate_physmap(%#lx) again: %ld", gfn, rc);
}

static void null_port(void)
{
	unsigned long b = (unsigned long)ram;
	struct regs r = { 4, 0, b }, want = { 0, 0, b + 8 };
	uint32_t l;
	uint16_t w;
	uint8_t c;

	__asm__ volatile("inb %w1, %0" : "=a"(c) : "Nd"(NULL_PORT));
	xtest_check(c == 0xff, "inb from port %#x: %#x, want 0xff", NULL_PORT, c);
	__asm__ volatile("outb %0, %w1" : : "a"((uint8_t)0x12), "Nd"(NULL_PORT));
	__asm__ volatile("inw %w1, %0" : "=a"(w) : "Nd"(NULL_PORT));
	xtest_check(w == 0xffff, "inw from port %#x: %#x, want 0xffff", NULL_PORT, w);
	__asm__ volatile("inl %w1, %0" : "=a"(l) : "Nd"(NULL_PORT));
	xtest_check(l == 0xffffffff, "inl from port %#x: %#x, want all-ones", NULL_PORT, l);
	memset(ram, 0, sizeof(ram));
	rep_insw(&r, 0);
	expect_regs("rep insw from the port", &r, &want);
	xtest_check(all_ones(ram, 8) && ram[1] == 0, "rep insw from the port: RAM %#lx %#lx",
		    (unsigned long)ram[0], (unsigned long)ram[1]);
	r = (struct regs){ 3, b, 0 };
	want = (struct regs){ 0, b + 3, 0 };
	rep_outsb(&r, 0);
	expect_regs("rep outsb to the port", &r, &want);
}

void test_main(void)
{
	null_mmio();
	null_port();
}
