/*
 * A #PF must carry its linear address in CR2 and the right error code to
 * the guest's handler, and CR2 must keep it until the next #PF, across
 * whatever exits come in between. With nested paging the hypervisor does not
 * intercept the guest's #PF: the CPU raises it inside the guest and writes
 * CR2, and the VMCB's CR2 (SVM) or the hypervisor's saved copy (VMX) must
 * carry it over every exit and entry. Each case below writes a poison value
 * to CR2 first, so that a fault that leaves CR2 alone (poison) is told from
 * one whose address was overwritten (often 0). First, a MOV to CR2 must
 * read back, with and without exits between. Then a window at 4 GiB maps
 * one page (P) and leaves the next (H) not present:
 *  - mov load and store at H (error code 0 and W);
 *  - rep movsl/movsq whose source runs from P into H, and the same with
 *    the destination: CR2 is H's first byte, rcx/rsi/rdi stop there;
 *  - an instruction fetch at H, directly and by running off the end of P
 *    (error code I/D, with EFER.NXE on);
 *  - a walk whose last table is a GFN given back and populated again, not
 *    touched before the walk reads it (a nested-paging fault during the
 *    guest's walk, where the hypervisor fills its p2m lazily);
 *  - a #PF as the first instruction after a forced exit: CPUID, a port
 *    read (0xE9) and a hypercall;
 *  - a #PF in the STI shadow with the LAPIC timer's interrupt pending: the
 *    interrupt comes after the #PF handler's IRET, and CR2 is still right;
 *  - after each: CPUID, a port read and a hypercall, then CR2 read again.
 */
#include "xtest.h"
#include "hvm.h"
#include "memory-op.h"
#include "msr-index.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
/* max: leaves room to populate the given-back page again. */
TEST_HV_ARGS("dom0=pvh dom0_mem=64M,max:65M");

#define WIN_VA 0x100000000UL /* 4 GiB: past the identity map */
#define HOLE_VA (WIN_VA + 4096)
#define FRESH_VA (WIN_VA + 0x200000) /* win_l2[1]: the fresh GFN as its L1 */
#define CR2_POISON 0x5a5a5a5a5a5a5000UL
#define PTE_PRESENT_RW 0x3UL
#define ADDR_MASK 0x000ffffffffff000UL
#define PF_WRITE 0x2UL
#define PF_FETCH 0x10UL
#define VEC_TIMER 0x30
#define NR_ELEMS 16

static uint8_t page_p[4096] __attribute__((aligned(4096)));
static uint8_t fresh_page[4096] __attribute__((aligned(4096)));
static uint64_t win_l2[512] __attribute__((aligned(4096)));
static uint64_t win_l1[512] __attribute__((aligned(4096)));
static uint64_t buf[NR_ELEMS];
static unsigned long fetch_ec;
static volatile unsigned int timer_hits;

/* hvm_trap sends a fault at HOLE_VA here: a call into the hole returns. */
__asm__(".pushsection .text\nhole_return:\n\tret\n.popsection\n" HVM_EXTABLE("0x100001000",
									     "hole_return"));

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline unsigned long read_cr2(void)
{
	unsigned long v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static void arm(void)
{
	__asm__ volatile("mov %0, %%cr2" : : "r"(CR2_POISON));
	hvm_last_fault = -1;
	hvm_last_cr2 = 0;
	hvm_last_error_code = ~0UL;
}

/* CPUID, a port read and a hypercall: three exits that must leave CR2 alone. */
static void exits(void)
{
	uint32_t a, b, c, d;
	uint8_t v;

	hvm_cpuid(0, 0, &a, &b, &c, &d);
	__asm__ volatile("inb $0xe9, %0" : "=a"(v));
	(void)v;
	hypercall_xen_version(0, NULL);
}

static void expect_pf(const char *what, unsigned long cr2, unsigned long ec)
{
	unsigned long later;

	printk("%s: vector %d, CR2 %#lx, error code %#lx\n", what, hvm_last_fault, hvm_last_cr2,
	       hvm_last_error_code);
	xtest_check(hvm_last_fault == 14, "%s: vector %d, want 14 (#PF)", what, hvm_last_fault);
	xtest_check(hvm_last_cr2 == cr2, "%s: CR2 %#lx in the handler, want %#lx%s", what,
		    hvm_last_cr2, cr2, hvm_last_cr2 == CR2_POISON ? " (never written)" : "");
	xtest_check(hvm_last_error_code == ec, "%s: error code %#lx, want %#lx", what,
		    hvm_last_error_code, ec);
	exits();
	later = read_cr2();
	xtest_check(later == cr2, "%s: CR2 %#lx after CPUID, IN and a hypercall, want %#lx", what,
		    later, cr2);
}

/* Map WIN_VA with 4 KiB pages: l3[4] -> win_l2 -> win_l1; page_p there, HOLE_VA not present. */
static void map_window(void)
{
	uint64_t *l4 = (uint64_t *)(read_cr3() & ADDR_MASK);
	uint64_t *l3 = (uint64_t *)(l4[0] & ADDR_MASK);

	win_l1[0] = (uint64_t)page_p | PTE_PRESENT_RW;
	win_l2[0] = (uint64_t)win_l1 | PTE_PRESENT_RW;
	l3[WIN_VA >> 30] = (uint64_t)win_l2 | PTE_PRESENT_RW;
	__asm__ volatile("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
}

static void plain_load_store(void)
{
	unsigned long v = 0;

	arm();
	__asm__ volatile("8: movq (%1), %0\n9:\n" HVM_EXTABLE("8b", "9b")
			 : "+r"(v)
			 : "r"(HOLE_VA)
			 : "memory", "r8", "r9", "r10", "r11");
	expect_pf("mov load", HOLE_VA + 0, 0);
	arm();
	__asm__ volatile("8: movq %0, 8(%1)\n9:\n" HVM_EXTABLE("8b", "9b")
			 :
			 : "r"(v), "r"(HOLE_VA)
			 : "memory", "r8", "r9", "r10", "r11");
	expect_pf("mov store", HOLE_VA + 8, PF_WRITE);
}

struct rep {
	unsigned long rcx, rsi, rdi;
};

static void rep_movsl(struct rep *r)
{
	__asm__ volatile("8: rep movsl\n9:\n" HVM_EXTABLE("8b", "9b")
			 : "+c"(r->rcx), "+S"(r->rsi), "+D"(r->rdi)
			 :
			 : "memory", "r8", "r9", "r10", "r11");
}

static void rep_movsq(struct rep *r)
{
	__asm__ volatile("8: rep movsq\n9:\n" HVM_EXTABLE("8b", "9b")
			 : "+c"(r->rcx), "+S"(r->rsi), "+D"(r->rdi)
			 :
			 : "memory", "r8", "r9", "r10", "r11");
}

/*
 * A string move of NR_ELEMS elements of @size bytes that enters the hole
 * after two: from the last two elements of page_p (@into_dst: to them).
 */
static void rep_move(const char *what, unsigned int size, int into_dst)
{
	unsigned long edge = HOLE_VA - 2 * size;
	struct rep r = { NR_ELEMS, into_dst ? (unsigned long)buf : edge,
			 into_dst ? edge : (unsigned long)buf };
	struct rep want = { NR_ELEMS - 2, r.rsi + 2 * size, r.rdi + 2 * size };

	arm();
	if (size == 4)
		rep_movsl(&r);
	else
		rep_movsq(&r);
	expect_pf(what, HOLE_VA, into_dst ? PF_WRITE : 0);
	xtest_check(r.rcx == want.rcx && r.rsi == want.rsi && r.rdi == want.rdi,
		    "%s: stopped at rcx %lu rsi %#lx rdi %#lx, want %lu %#lx %#lx", what, r.rcx,
		    r.rsi, r.rdi, want.rcx, want.rsi, want.rdi);
}

/* A call to @target, which faults at HOLE_VA and returns through hole_return. */
static void fetch(const char *what, unsigned long target)
{
	arm();
	__asm__ volatile("call *%0"
			 :
			 : "r"(target)
			 : "memory", "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11");
	expect_pf(what, HOLE_VA, fetch_ec);
}

static void fetches(void)
{
	uint32_t a, b, c, d;

	hvm_cpuid(0x80000001, 0, &a, &b, &c, &d);
	if (d & (1u << 20)) {
		uint64_t efer;

		hvm_rdmsr_safe(MSR_EFER, &efer);
		hvm_wrmsr(MSR_EFER, efer | EFER_NXE);
		fetch_ec = PF_FETCH;
	} else {
		printk("no NX: a fetch's error code has no I/D bit\n");
	}
	fetch("fetch at the hole", HOLE_VA);
	memset(page_p + 4096 - 4, 0x90, 4); /* four NOPs into the hole */
	fetch("fetch running into the hole", HOLE_VA - 4);
}

/* The walk for FRESH_VA reads a GFN given back and populated again, untouched since. */
static void fresh_table(void)
{
	unsigned long gfn = (unsigned long)fresh_page >> 12;
	struct reservation r = { &gfn, 1, 0, 0, DOMID_SELF };
	unsigned long v = 0;
	long rc;

	rc = hypercall(HC_memory_op, XENMEM_decrease_reservation, (unsigned long)&r, 0, 0, 0);
	if (rc == 1)
		rc = hypercall(HC_memory_op, XENMEM_populate_physmap, (unsigned long)&r, 0, 0, 0);
	if (rc != 1) {
		xtest_error("giving back and populating GFN %#lx: %ld", gfn, rc);
		return;
	}
	win_l2[1] = (gfn << 12) | PTE_PRESENT_RW;
	__asm__ volatile("mov %0, %%cr3" : : "r"(read_cr3()) : "memory");
	arm();
	__asm__ volatile("8: movq (%1), %0\n9:\n" HVM_EXTABLE("8b", "9b")
			 : "+r"(v)
			 : "r"(FRESH_VA + 0x123008)
			 : "memory", "r8", "r9", "r10", "r11");
	expect_pf("walk through a fresh GFN", FRESH_VA + 0x123008, 0);
	xtest_check(*(volatile uint64_t *)(fresh_page + 0x123 * 8) == 0,
		    "the populated page's PTE reads %#lx, want 0",
		    (unsigned long)*(volatile uint64_t *)(fresh_page + 0x123 * 8));
}

static void after_exits(void)
{
	unsigned long v = 0;
	uint32_t a = 0, b, c = 0, d;

	arm();
	__asm__ volatile("cpuid\n8: movq (%4), %%rsi\n9:\n" HVM_EXTABLE("8b", "9b")
			 : "+a"(a), "=b"(b), "+c"(c), "=d"(d)
			 : "r"(HOLE_VA)
			 : "memory", "rsi", "r8", "r9", "r10", "r11");
	expect_pf("#PF right after CPUID", HOLE_VA, 0);
	arm();
	__asm__ volatile("inb $0xe9, %%al\n8: movq (%1), %%rsi\n9:\n" HVM_EXTABLE("8b", "9b")
			 : "+a"(v)
			 : "r"(HOLE_VA)
			 : "memory", "rsi", "r8", "r9", "r10", "r11");
	expect_pf("#PF right after IN", HOLE_VA, 0);
	arm();
	v = HC_xen_version;
	__asm__ volatile("xorl %%edi, %%edi\n\txorl %%esi, %%esi\n\t" HVM_HYPERCALL_INSN
			 "8: movq (%1), %%rsi\n9:\n" HVM_EXTABLE("8b", "9b")
			 : "+a"(v)
			 : "r"(HOLE_VA)
			 : "memory", "cc", "rdi", "rsi", "rdx", "r8", "r9", "r10", "r11");
	xtest_check((long)v >= 0x40000, "xen_version before the #PF: %#lx", v);
	expect_pf("#PF right after a hypercall", HOLE_VA, 0);
}

static void on_timer(unsigned int vec)
{
	(void)vec;
	timer_hits++;
	apic_write(APIC_EOI, 0);
}

/* The timer's interrupt pending, then STI and a #PF in its shadow. */
static void pending_interrupt(void)
{
	unsigned long v = 0, spins = 0;

	hvm_set_irq_handler(VEC_TIMER, on_timer);
	apic_write(APIC_SVR, apic_read(APIC_SVR) | 0x100);
	apic_write(APIC_TDCR, 0xb); /* divide by 1 */
	apic_write(APIC_LVTT, VEC_TIMER);
	apic_write(APIC_TMICT, 20000);
	while (!apic_vec_bit(APIC_IRR, VEC_TIMER) && ++spins < 100000000)
		;
	if (!apic_vec_bit(APIC_IRR, VEC_TIMER)) {
		xtest_error("the timer's interrupt never became pending");
		return;
	}
	arm();
	__asm__ volatile("sti\n8: movq (%1), %0\n9:\ncli\n" HVM_EXTABLE("8b", "9b")
			 : "+r"(v)
			 : "r"(HOLE_VA)
			 : "memory", "r8", "r9", "r10", "r11");
	apic_write(APIC_LVTT, APIC_LVT_MASKED | VEC_TIMER);
	xtest_check(timer_hits == 1, "timer interrupt delivered %u times after the #PF",
		    timer_hits);
	expect_pf("#PF with an interrupt pending", HOLE_VA, 0);
}

/* MOV to CR2 and back, with nothing between and with an exit between. */
static void cr2_reads_back(void)
{
	unsigned long v;

	__asm__ volatile("mov %1, %%cr2\nmov %%cr2, %0" : "=r"(v) : "r"(CR2_POISON));
	printk("CR2 written %#lx reads back %#lx\n", CR2_POISON, v);
	xtest_check(v == CR2_POISON, "CR2 written %#lx reads back %#lx", CR2_POISON, v);
	__asm__ volatile("mov %0, %%cr2" : : "r"(CR2_POISON + 0x1000));
	exits();
	v = read_cr2();
	printk("CR2 written %#lx reads %#lx after exits\n", CR2_POISON + 0x1000, v);
	xtest_check(v == CR2_POISON + 0x1000, "CR2 written %#lx reads %#lx after exits",
		    CR2_POISON + 0x1000, v);
}

void test_main(void)
{
	cr2_reads_back();
	map_window();
	plain_load_store();
	rep_move("rep movsl into H by its source", 4, 0);
	rep_move("rep movsq into H by its source", 8, 0);
	rep_move("rep movsl into H by its destination", 4, 1);
	rep_move("rep movsq into H by its destination", 8, 1);
	fetches();
	fresh_table();
	after_exits();
	pending_interrupt();
}
