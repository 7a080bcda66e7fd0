/*
 * Runtime of the HVM test guests: what head.S calls once in long mode. It
 * keeps the PVH start info, installs an IDT whose handler ends the test on
 * an unexpected exception, and runs the common test runtime (xtest.c), whose
 * hypercalls go through vmcall or vmmcall by CPU vendor (hypercall.h with XTEST_HVM).
 */
#include "xtest.h"
#include "hvm.h"

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

void hvm_trap(struct hvm_trap_frame *f)
{
	for (const struct hvm_extable *e = __start_hvm_extable; e < __stop_hvm_extable; e++) {
		if (e->insn == f->rip) {
			hvm_last_fault = (int)f->vector;
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

void hvm_main(unsigned long start_info)
{
	(void)start_info;
	xtest_runtime_main(NULL);
}
