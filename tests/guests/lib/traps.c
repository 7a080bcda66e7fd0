/* The trap table and the report of exceptions the test did not catch. */
#include "xtest.h"

extern const unsigned long xtest_trap_stubs[32];
extern unsigned int xtest_catch_active;
__attribute__((noreturn)) void xtest_catch_resume(void);

void (*xtest_fault_hook)(const struct xtest_frame *frame);

static unsigned int expected_vector = X86_EXC_NONE;
static struct xtest_fault *catch_out;
static struct trap_info trap_table[33];

static const char *const exc_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#09", "#TS",
	"#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
	"#22", "#23", "#24", "#25", "#26", "#27", "#HV", "#VC", "#SX", "#31",
};

const char *xtest_exc_name(unsigned int vector)
{
	return vector < 32 ? exc_names[vector] : "#??";
}

void xtest_expect_fault(unsigned int vector)
{
	expected_vector = vector;
}

void xtest_install_traps(void)
{
	unsigned int v;
	long rc;

	for (v = 0; v < 32; v++) {
		trap_table[v].vector = (uint8_t)v;
		/* int3 and into must be reachable from the (ring 3) kernel. */
		trap_table[v].flags = (v == X86_EXC_BP || v == X86_EXC_OF) ? 3 : 0;
		trap_table[v].cs = FLAT_KERNEL_CS64;
		trap_table[v].address = xtest_trap_stubs[v];
	}
	memset(&trap_table[32], 0, sizeof(trap_table[32]));
	rc = hypercall_set_trap_table(trap_table);
	if (rc) {
		xtest_error("set_trap_table returned %ld", rc);
		xtest_exit();
	}
}

static void fill_fault(struct xtest_fault *f, const struct xtest_frame *fr)
{
	struct shared_info *si;

	memset(f, 0, sizeof(*f));
	f->vector = (unsigned int)fr->vector;
	f->error_code = fr->error_code;
	f->rip = fr->rip;
	f->cs = fr->cs;
	f->rflags = fr->rflags;
	f->rsp = fr->rsp;
	f->ss = fr->ss;
	f->rax = fr->rax;
	f->rcx = fr->rcx;
	f->rdx = fr->rdx;
	f->rsi = fr->rsi;
	f->rdi = fr->rdi;
	if (f->vector == X86_EXC_PF) {
		si = xtest_shared_info();
		if (si) {
			f->cr2 = si->vcpu_info[0].arch.cr2;
			f->cr2_valid = true;
		}
	}
}

bool xtest_catch(void (*fn)(void *), void *arg, struct xtest_fault *fault)
{
	extern int xtest_catch_call(void (*fn)(void *), void *arg);

	catch_out = fault;
	return xtest_catch_call(fn, arg) != 0;
}

static void report(const struct xtest_frame *fr, const struct xtest_fault *f)
{
	printk("Exception %s (vector %lu) error code %#lx at rip %#lx\n", xtest_exc_name(f->vector),
	       fr->vector, f->error_code, f->rip);
	printk("  cs %#lx rflags %#lx rsp %#lx ss %#lx\n", f->cs, f->rflags, f->rsp, f->ss);
	if (f->vector == X86_EXC_PF) {
		if (f->cr2_valid)
			printk("  cr2 %#lx\n", f->cr2);
		else
			printk("  cr2 unknown (shared_info not mapped)\n");
	}
	printk("  rax %#lx rbx %#lx rcx %#lx rdx %#lx\n", fr->rax, fr->rbx, fr->rcx, fr->rdx);
	printk("  rsi %#lx rdi %#lx rbp %#lx r8 %#lx\n", fr->rsi, fr->rdi, fr->rbp, fr->r8);
	/* The CS slot also carries the saved upcall mask in bits 32-39; for a
	 * fault in kernel mode, CS has its RPL cleared. */
	if ((f->cs & 0xfffc) != (FLAT_KERNEL_CS64 & ~3) || (f->ss & 0xffff) != FLAT_KERNEL_SS64)
		printk("  warning: cs/ss are not FLAT_KERNEL_CS64/SS64: bounce frame layout?\n");
}

/* Called by the exception stubs in entry.S; never returns. */
void xtest_trap_handler(struct xtest_frame *fr)
{
	static int depth;
	struct xtest_fault f;

	if (depth++) {
		/* A fault while handling a fault: say so and give up at once. */
		static const char msg[] = "Exception inside the exception handler\n"
					  "Test result: ERROR\n";
		struct sched_shutdown s = { .reason = SHUTDOWN_crash };

		/* Plain syscall: the hypercall page may be what faulted. */
		xtest_hypercall_page_active = 0;
		hypercall_syscall(HC_console_io, CONSOLEIO_write, sizeof(msg) - 1,
				  (unsigned long)msg, 0, 0);
		for (;;)
			hypercall_syscall(HC_sched_op, SCHEDOP_shutdown, (unsigned long)&s, 0, 0,
					  0);
	}
	fill_fault(&f, fr);
	if (xtest_catch_active) {
		depth = 0;
		*catch_out = f;
		xtest_catch_resume();
	}
	report(fr, &f);
	if (xtest_fault_hook) {
		void (*hook)(const struct xtest_frame *) = xtest_fault_hook;

		xtest_fault_hook = NULL; /* a fault inside the hook must not loop */
		hook(fr);
	} else if (f.vector == expected_vector) {
		printk("  (expected by the test)\n");
	} else {
		xtest_error("unexpected exception %s at %#lx", xtest_exc_name(f.vector), f.rip);
	}
	xtest_exit();
}
