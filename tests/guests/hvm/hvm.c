/*
 * Runtime of the HVM test guests: what head.S calls once in long mode. It
 * keeps the PVH start info, installs an IDT whose handler ends the test on
 * an unexpected exception, and runs the common test runtime (xtest.c), whose
 * hypercalls go through vmcall or vmmcall by CPU vendor (hypercall.h with XTEST_HVM).
 */
#include "xtest.h"
#include "hvm.h"
#include "console-ring.h"
#include "memory-op.h"

struct idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, rsvd;
} __attribute__((packed));

static struct idt_gate idt[256] __attribute__((aligned(16)));
extern char hvm_stubs[], hvm_user_return[];
extern uint32_t pvh_start_info_pa;

char hypercall_page[4096] __attribute__((aligned(4096)));

struct hvm_start_info *hvm_start_info(void)
{
	return (struct hvm_start_info *)(unsigned long)pvh_start_info_pa;
}

struct hvm_trap_frame {
	unsigned long rbp, rdi, rsi, rdx, rcx, rbx, rax;
	unsigned long vector, error_code, rip, cs, rflags, rsp, ss;
};

static void set_gate(unsigned int vec, void *fn, unsigned int dpl)
{
	unsigned long a = (unsigned long)fn;

	idt[vec] = (struct idt_gate){ .off0 = (uint16_t)a,
				      .sel = 0x08,
				      .type = (uint8_t)(0x8e | (dpl << 5)),
				      .off1 = (uint16_t)(a >> 16),
				      .off2 = (uint32_t)(a >> 32) };
}

void hvm_load_idt(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uint64_t)idt };

	__asm__ volatile("lidt %0" : : "m"(idtr));
}

extern char hvm_irq_stubs[];
static void (*irq_handlers[HVM_IRQ_LAST + 1])(unsigned int vector);

void hvm_set_irq_handler(unsigned int vector, void (*fn)(unsigned int vector))
{
	if (vector < HVM_IRQ_FIRST || vector > HVM_IRQ_LAST) {
		xtest_error("no interrupt stub for vector %#x", vector);
		xtest_exit();
	}
	irq_handlers[vector] = fn;
	set_gate(vector, hvm_irq_stubs + 16 * (vector - HVM_IRQ_FIRST), 0);
}

void hvm_irq(unsigned long vector);

void hvm_irq(unsigned long vector)
{
	if (!irq_handlers[vector]) {
		xtest_error("interrupt %#lx without a handler", vector);
		xtest_exit();
	}
	irq_handlers[vector]((unsigned int)vector);
}

/* The common runtime's hook: our IDT, with int $0x80 open to ring 3. */
void xtest_install_traps(void)
{
	for (unsigned int v = 0; v < 32; v++)
		set_gate(v, hvm_stubs + 16 * v, 0);
	set_gate(HVM_USER_RETURN_VECTOR, hvm_user_return, 3);
	hvm_load_idt();
}

struct hvm_extable {
	unsigned long insn, fixup;
};
extern const struct hvm_extable __start_hvm_extable[], __stop_hvm_extable[];
int hvm_last_fault = -1;
unsigned long hvm_last_cr2, hvm_last_error_code;

void hvm_trap(struct hvm_trap_frame *f)
{
	unsigned long cr2;

	/* First, before anything here can fault or exit: a #PF's address. */
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	for (const struct hvm_extable *e = __start_hvm_extable; e < __stop_hvm_extable; e++) {
		if (e->insn == f->rip) {
			hvm_last_fault = (int)f->vector;
			hvm_last_cr2 = cr2;
			hvm_last_error_code = f->error_code;
			f->rip = e->fixup;
			return;
		}
	}
	xtest_error("unexpected %s (vector %lu, error code %#lx) at %#lx",
		    xtest_exc_name(f->vector), f->vector, f->error_code, f->rip);
	xtest_exit();
}

const char *xtest_exc_name(unsigned int vector)
{
	static const char *const names[] = { "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD",
					     "#NM", "#DF", "#9",  "#TS", "#NP", "#SS", "#GP",
					     "#PF", "#15", "#MF", "#AC", "#MC", "#XM" };

	return vector < sizeof(names) / sizeof(names[0]) ? names[vector] : "exception";
}

void xtest_runtime_main(struct start_info *si);
void hvm_trap(struct hvm_trap_frame *f);
void hvm_main(unsigned long start_info);

#define HC_hvm_op 34
#define HVMOP_get_param 1

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

/*
 * XENMEM_memory_map against the start info's map, entry by entry; without
 * one there (Xen's version 0 start info for its PVH dom0) it must still
 * have RAM where this image lies.
 */
void hvm_check_memory_map_op(void)
{
	const struct hvm_start_info *si = hvm_start_info();
	const struct hvm_memmap_table_entry *m = (void *)(unsigned long)si->memmap_paddr;
	unsigned int n = si->version >= 1 ? si->memmap_entries : 0;
	static struct e820_entry e[64];
	struct memory_map map = { 64, e };
	long rc = hypercall(HC_memory_op, XENMEM_memory_map, (unsigned long)&map, 0, 0, 0);
	bool same = rc == 0 && (n ? map.nr_entries == n : map.nr_entries > 0);

	for (unsigned int i = 0; same && i < n; i++)
		same = e[i].addr == m[i].addr && e[i].size == m[i].size && e[i].type == m[i].type;
	for (unsigned int i = 0; same && !n && i < map.nr_entries; i++)
		if (e[i].type == 1 && e[i].addr <= 0x100000 && e[i].addr + e[i].size > 0x100000)
			n = map.nr_entries;
	xtest_check(same && n, "XENMEM_memory_map: %ld, %u entries; the start info's %u%s", rc,
		    map.nr_entries, si->version >= 1 ? si->memmap_entries : 0,
		    n ? "" : ", none with RAM at 1 MiB");
}

#define HVM_PARAM_CONSOLE_PFN 17
#define HVM_PARAM_CONSOLE_EVTCHN 18
#define SIF_INITDOMAIN (1u << 1)

uint64_t hvm_get_param(uint32_t index)
{
	struct {
		uint16_t domid, pad;
		uint32_t index;
		uint64_t value;
	} p = { 0x7ff0, 0, index, 0 }; /* DOMID_SELF */

	return hypercall(HC_hvm_op, HVMOP_get_param, (unsigned long)&p, 0, 0, 0) ? 0 : p.value;
}

/*
 * A domain a toolstack built (not the initial one) finds its console page
 * and event channel in its HVM params; the page lies in the identity map
 * head.S made, so printk writes its ring there.
 */
void hvm_console_from_params(void)
{
	uint64_t pfn;

	if (hvm_start_info()->flags & SIF_INITDOMAIN)
		return;
	pfn = hvm_get_param(HVM_PARAM_CONSOLE_PFN);
	if (pfn && pfn < (1UL << 20))
		console_ring_attach((void *)(pfn << 12),
				    (uint32_t)hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN));
}

void hvm_main(unsigned long start_info)
{
	(void)start_info;
	hvm_console_from_params();
	xtest_runtime_main(NULL);
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

uint64_t hvm_pvclock_now(volatile struct vcpu_time_info *t, int *ok)
{
	uint32_t version, mul;
	uint64_t stamp, base, delta;
	int8_t shift;

	do {
		version = t->version;
		__asm__ volatile("" ::: "memory");
		stamp = t->tsc_timestamp;
		base = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		delta = rdtsc() - stamp;
		__asm__ volatile("" ::: "memory");
	} while ((version & 1) || version != t->version);
	if (!mul || !version)
		*ok = 0;
	delta = shift >= 0 ? delta << shift : delta >> -shift;
	return base + (uint64_t)(((unsigned __int128)delta * mul) >> 32);
}

/*
 * From 32-bit code (HVM_EARLY32 in hvm.h): the rows of struct hvm_call32
 * from eax up to edx, each hypercall made with ebx and ecx as its arguments
 * and its eax kept in the row.
 */
__asm__(".pushsection .text\n"
	".code32\n"
	".globl hvm_calls32\n"
	"hvm_calls32:\n"
	"	pushl %ebx\n"
	"	pushl %esi\n"
	"	pushl %edi\n"
	"	movl %eax, %esi\n"
	"	movl %edx, %edi\n"
	"10:	cmpl %edi, %esi\n"
	"	jae 11f\n"
	"	movl 0(%esi), %eax\n"
	"	movl 4(%esi), %ebx\n"
	"	movl 8(%esi), %ecx\n"
	"	" HVM_HYPERCALL_INSN
	"	movl %eax, 12(%esi)\n"
	"	addl $16, %esi\n"
	"	jmp 10b\n"
	"11:	popl %edi\n"
	"	popl %esi\n"
	"	popl %ebx\n"
	"	ret\n"
	".code64\n"
	".popsection\n");
