/*
 * INS/OUTS from ring 3. A TSS of the test's own has an I/O-permission
 * bitmap that allows port 0xE9 only. With IOPL 0: `rep outsb` to 0xE9
 * writes a line, `rep insb` from 0xE9 stores all-ones; `rep outsb` and
 * `insb` on port 0x80, and `outsw` to 0xE9 (its second port, 0xEA, is not
 * allowed), raise #GP(0) with nothing moved and the registers unchanged.
 * A window at 4 GiB maps a supervisor-only page S and leaves the next, H,
 * not present: `rep insb` into S raises #PF with error code P|W|U,
 * `rep outsb` from S P|U, `insb` into H W|U, with CR2 the element's
 * address. With IOPL 3 and 0xE9 taken out of the bitmap, `rep outsb` to
 * 0xE9 writes a line (the bitmap is not consulted). The permission checks
 * are the CPU's, made before the exit (Intel SDM vol. 3C 26.1.1; AMD APM
 * vol. 2 15.10.2); the faults on the buffer are the hypervisor's, which
 * emulates the instruction.
 */
#include "xtest.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M guest_loglvl=all");
TEST_EXPECT("ring 3 bitmap ok");
TEST_EXPECT("ring 3 iopl 3 ok");

#define PORT_OK 0xe9
#define PORT_DENIED 0x80
#define WIN_VA 0x100000000UL /* 4 GiB: past the identity map */
#define HOLE_VA (WIN_VA + 0x1000)
#define ADDR_MASK 0x000ffffffffff000UL
#define PF_P 0x1UL
#define PF_W 0x2UL
#define PF_U 0x4UL
#define RFLAGS_IOPL3 0x3000UL

/* A 64-bit TSS, its I/O-permission bitmap and the all-ones byte after it. */
struct tss_io {
	uint8_t tss[0x68];
	uint8_t bitmap[8192];
	uint8_t end;
} __attribute__((packed));

static struct tss_io tio __attribute__((aligned(16)));
static uint8_t page_s[4096] __attribute__((aligned(4096)));
static uint64_t win_l2[512] __attribute__((aligned(4096)));
static uint64_t win_l1[512] __attribute__((aligned(4096)));
static uint8_t in_buf[8];

/* The registers a ring-3 stub starts with and ends with. */
struct uregs {
	unsigned long rcx, rsi, rdi, rdx;
};
struct uregs ur;

/* Ring 3: load ur, run @insn (a fault goes on after it), save ur, back to ring 0. */
#define USER_OP(name, insn)                                                                        \
	__asm__(".pushsection .text\n" #name ":\n"                                                 \
		"	movq ur+0(%rip), %rcx\n	movq ur+8(%rip), %rsi\n"                                 \
		"	movq ur+16(%rip), %rdi\n	movq ur+24(%rip), %rdx\n"                               \
		"8:	" insn "\n9:\n"                                                            \
		"	movq %rcx, ur+0(%rip)\n	movq %rsi, ur+8(%rip)\n"                                 \
		"	movq %rdi, ur+16(%rip)\n	int $0x80\n" HVM_EXTABLE(                  \
		    "8b", "9b") ".popsection\n");                                                  \
	extern void name(void)

USER_OP(user_rep_outsb, "rep outsb");
USER_OP(user_rep_insb, "rep insb");
USER_OP(user_insb, "insb");
USER_OP(user_outsw, "outsw");

static void allow(unsigned int port, bool on)
{
	if (on)
		tio.bitmap[port / 8] &= (uint8_t) ~(1u << (port % 8));
	else
		tio.bitmap[port / 8] |= (uint8_t)(1u << (port % 8));
}

/* Our TSS in the TR's GDT slot, with the current one's rsp0 and a bitmap that allows nothing. */
static void load_tss(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr;
	uint64_t base = (uint64_t)&tio, old;
	uint32_t limit = sizeof(tio) - 1;
	uint16_t tr;
	uint8_t *d;

	__asm__ volatile("sgdt %0; str %1" : "=m"(gdtr), "=r"(tr));
	d = (uint8_t *)gdtr.base + tr;
	old = d[2] | (uint64_t)d[3] << 8 | (uint64_t)d[4] << 16 | (uint64_t)d[7] << 24 |
	      (uint64_t)(d[8] | d[9] << 8 | d[10] << 16 | (uint32_t)d[11] << 24) << 32;
	memcpy(tio.tss + 4, (uint8_t *)old + 4, 8); /* rsp0 */
	tio.tss[0x66] = sizeof(tio.tss);	    /* the bitmap's offset */
	memset(tio.bitmap, 0xff, sizeof(tio.bitmap));
	tio.end = 0xff;
	d[0] = (uint8_t)limit;
	d[1] = (uint8_t)(limit >> 8);
	d[2] = (uint8_t)base;
	d[3] = (uint8_t)(base >> 8);
	d[4] = (uint8_t)(base >> 16);
	d[5] = 0x89; /* present, available 64-bit TSS */
	d[6] = (uint8_t)((limit >> 16) & 0xf);
	d[7] = (uint8_t)(base >> 24);
	memcpy(d + 8, (uint8_t *)&base + 4, 4);
	memset(d + 12, 0, 4);
	__asm__ volatile("ltr %0" : : "r"(tr));
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

/* l3[4] -> win_l2 -> win_l1: S supervisor-only, H not present. */
static void map_window(void)
{
	uint64_t *l4 = (uint64_t *)(read_cr3() & ADDR_MASK);
	uint64_t *l3 = (uint64_t *)(l4[0] & ADDR_MASK);

	win_l1[0] = (uint64_t)page_s | PTE_P | PTE_RW;
	win_l2[0] = (uint64_t)win_l1 | PTE_P | PTE_RW | PTE_US;
	l3[WIN_VA >> 30] = (uint64_t)win_l2 | PTE_P | PTE_RW | PTE_US;
	__asm__ volatile("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
}

static void run(const char *what, void (*fn)(void), struct uregs in)
{
	ur = in;
	hvm_last_fault = -1;
	hvm_last_cr2 = 0;
	hvm_last_error_code = ~0UL;
	hvm_run_user(fn);
	printk("%s: vector %d, error code %#lx, rcx %lu rsi %#lx rdi %#lx\n", what, hvm_last_fault,
	       hvm_last_error_code, ur.rcx, ur.rsi, ur.rdi);
}

static void expect(const char *what, int vector, unsigned long ec, const struct uregs *want)
{
	xtest_check(hvm_last_fault == vector, "%s: vector %d, want %d", what, hvm_last_fault,
		    vector);
	if (vector >= 0)
		xtest_check(hvm_last_error_code == ec, "%s: error code %#lx, want %#lx", what,
			    hvm_last_error_code, ec);
	xtest_check(ur.rcx == want->rcx && ur.rsi == want->rsi && ur.rdi == want->rdi,
		    "%s: rcx %lu rsi %#lx rdi %#lx, want %lu %#lx %#lx", what, ur.rcx, ur.rsi,
		    ur.rdi, want->rcx, want->rsi, want->rdi);
}

static const char line_bitmap[] = "ring 3 bitmap ok\n", line_iopl[] = "ring 3 iopl 3 ok\n";

static void bitmap(void)
{
	unsigned long s = (unsigned long)line_bitmap, b = (unsigned long)in_buf;
	struct uregs in = { sizeof(line_bitmap) - 1, s, 0, PORT_OK },
		     want = { 0, in.rcx + s, 0, 0 };

	run("rep outsb to 0xE9", user_rep_outsb, in);
	expect("rep outsb to 0xE9", -1, 0, &want);
	memset(in_buf, 0x11, sizeof(in_buf));
	in = (struct uregs){ 4, 0, b, PORT_OK };
	want = (struct uregs){ 0, 0, b + 4, 0 };
	run("rep insb from 0xE9", user_rep_insb, in);
	expect("rep insb from 0xE9", -1, 0, &want);
	for (unsigned int i = 0; i < sizeof(in_buf); i++)
		xtest_check(in_buf[i] == (i < 4 ? 0xff : 0x11), "in_buf[%u] = %#x", i, in_buf[i]);
	in = (struct uregs){ 3, s, 0, PORT_DENIED };
	want = (struct uregs){ 3, s, 0, 0 };
	run("rep outsb to 0x80", user_rep_outsb, in);
	expect("rep outsb to 0x80", 13, 0, &want);
	memset(in_buf, 0x11, sizeof(in_buf));
	in = (struct uregs){ 0, 0, b, PORT_DENIED };
	want = (struct uregs){ 0, 0, b, 0 };
	run("insb from 0x80", user_insb, in);
	expect("insb from 0x80", 13, 0, &want);
	xtest_check(in_buf[0] == 0x11, "in_buf[0] = %#x after insb from 0x80", in_buf[0]);
	in = (struct uregs){ 0, s, 0, PORT_OK };
	want = (struct uregs){ 0, s, 0, 0 };
	run("outsw to 0xE9", user_outsw, in);
	expect("outsw to 0xE9", 13, 0, &want);
}

static void page_faults(void)
{
	struct uregs in = { 4, 0, WIN_VA + 8, PORT_OK }, want = { 4, 0, WIN_VA + 8, 0 };

	memset(page_s, 0x22, 16);
	run("rep insb into S", user_rep_insb, in);
	expect("rep insb into S", 14, PF_P | PF_W | PF_U, &want);
	xtest_check(hvm_last_cr2 == WIN_VA + 8, "rep insb into S: CR2 %#lx", hvm_last_cr2);
	xtest_check(page_s[8] == 0x22, "S[8] = %#x after rep insb", page_s[8]);
	in = (struct uregs){ 2, WIN_VA + 4, 0, PORT_OK };
	want = (struct uregs){ 2, WIN_VA + 4, 0, 0 };
	run("rep outsb from S", user_rep_outsb, in);
	expect("rep outsb from S", 14, PF_P | PF_U, &want);
	xtest_check(hvm_last_cr2 == WIN_VA + 4, "rep outsb from S: CR2 %#lx", hvm_last_cr2);
	in = (struct uregs){ 0, 0, HOLE_VA + 3, PORT_OK };
	want = (struct uregs){ 0, 0, HOLE_VA + 3, 0 };
	run("insb into H", user_insb, in);
	expect("insb into H", 14, PF_W | PF_U, &want);
	xtest_check(hvm_last_cr2 == HOLE_VA + 3, "insb into H: CR2 %#lx", hvm_last_cr2);
}

static void iopl3(void)
{
	unsigned long s = (unsigned long)line_iopl;
	struct uregs in = { sizeof(line_iopl) - 1, s, 0, PORT_OK }, want = { 0, in.rcx + s, 0, 0 };

	allow(PORT_OK, false);
	hvm_user_rflags = 0x2 | RFLAGS_IOPL3;
	run("rep outsb to 0xE9 at IOPL 3", user_rep_outsb, in);
	hvm_user_rflags = 0x2;
	expect("rep outsb to 0xE9 at IOPL 3", -1, 0, &want);
}

void test_main(void)
{
	load_tss();
	allow(PORT_OK, true);
	map_window();
	bitmap();
	page_faults();
	iopl3();
}
