/*
 * The test-guest API. A test is one C file that includes this header and
 * defines `void test_main(void)`. The runtime boots, installs a trap table,
 * calls test_main(), then prints exactly one verdict line
 *	Test result: SUCCESS | SKIP | FAILURE | ERROR
 * and shuts the domain down (SCHEDOP_shutdown, poweroff).
 *
 * Verdicts rank ERROR > FAILURE > SKIP > SUCCESS; the worst one reported
 * wins. xtest_fail() and friends record and go on; xtest_exit() ends now.
 *
 * Lines the runner (tests/guests/run.sh) reads from the test's source,
 * each at the start of a line, all optional:
 *	TEST_ARGS("text");            the domain's command line
 *	TEST_CPU("model");            QEMU's -cpu for this test (default max)
 *	TEST_BOCHS_CPU("model");      Bochs' CPU model for this test under
 *	                              run.sh --mode bochs (default corei7_skylake_x)
 *	TEST_MEM("6G");               QEMU's -m for this test (default 512M)
 *	TEST_MACHINE("q35");          QEMU's -machine for this test (default pc)
 *	TEST_HV_ARGS("dom0_mem=64M"); added to the hypervisor's command line
 *	TEST_DEVICE("name");          one more QEMU -device (its options: no commas)
 *	TEST_SMP("4");                QEMU's -smp (multi-threaded TCG); the
 *	                              hypervisor must bring all of them up
 *	TEST_DOMU("text");            the image again as domain 1, with this
 *	                              command line (Petrel's "domu" aid)
 *	TEST_EXPECT("text");          text that must appear in the serial log
 *	TEST_EXPECT_RESULT("ERROR");  the verdict that counts as a pass
 *	TEST_EXPECT_CRASH();          the hypervisor must report the domain
 *	                              crashed (no verdict line expected)
 *	TEST_EXPECT_REJECTED();       the hypervisor must refuse to build the
 *	                              domain (as a malformed image)
 *	TEST_EXPECT_HALT();           the domain ends without a verdict line and
 *	                              without crashing (e.g. a triple fault
 *	                              with Xen's default poweroff action)
 * In C they declare nothing.
 */
#ifndef GUEST_XTEST_H
#define GUEST_XTEST_H

#include <stdarg.h>
#include <stdbool.h>
#include "xen-abi.h"
#include "hypercall.h"

#define TEST_ARGS(s) extern int xtest_meta_unused
#define TEST_CPU(s) extern int xtest_meta_unused
#define TEST_BOCHS_CPU(s) extern int xtest_meta_unused
#define TEST_MEM(s) extern int xtest_meta_unused
#define TEST_MACHINE(s) extern int xtest_meta_unused
#define TEST_HV_ARGS(s) extern int xtest_meta_unused
#define TEST_DEVICE(s) extern int xtest_meta_unused
#define TEST_SMP(s) extern int xtest_meta_unused
#define TEST_TIMEOUT(s) extern int xtest_meta_unused
#define TEST_EXPECT(s) extern int xtest_meta_unused
#define TEST_EXPECT_RESULT(s) extern int xtest_meta_unused
#define TEST_EXPECT_CRASH() extern int xtest_meta_unused
#define TEST_EXPECT_HALT() extern int xtest_meta_unused
#define TEST_EXPECT_REJECTED() extern int xtest_meta_unused
#define TEST_DOMU(s) extern int xtest_meta_unused

/* The test's name: the build passes -DXTEST_NAME="file name without .c". */
#ifdef XTEST_NAME
const char xtest_name[] = XTEST_NAME;
#endif

/*
 * Emit the HYPERCALL_PAGE note (so the builder fills hypercall_page) and
 * route every hypercall of this guest through the page.
 */
#ifdef XTEST_FORCE_HYPERCALL_PAGE
/* defaults.c already emits the note for every guest of this build */
#define XTEST_USE_HYPERCALL_PAGE() extern const int xtest_use_hypercall_page
#else
#define XTEST_USE_HYPERCALL_PAGE()                                                                 \
	__asm__(XTEST_HYPERCALL_PAGE_NOTE);                                                        \
	const int xtest_use_hypercall_page = 1
#endif

/* Note type 2 is XEN_ELFNOTE_HYPERCALL_PAGE; the payload is the page's address. */
_Static_assert(XEN_ELFNOTE_HYPERCALL_PAGE == 2, "note type in XTEST_HYPERCALL_PAGE_NOTE");
#define XTEST_HYPERCALL_PAGE_NOTE                                                                  \
	".pushsection .note.Xen, \"a\", @note\n"                                                   \
	".balign 4\n"                                                                              \
	".long 4, 8, 2\n"                                                                          \
	".asciz \"Xen\"\n"                                                                         \
	".balign 4\n"                                                                              \
	".quad hypercall_page\n"                                                                   \
	".balign 4\n"                                                                              \
	".popsection\n"

/* Boot without a trap table: any exception kills the domain. */
#define XTEST_NO_TRAP_TABLE() const int xtest_want_trap_table = 0

enum xtest_result { XTEST_SUCCESS, XTEST_SKIP, XTEST_FAILURE, XTEST_ERROR };

/* The frame the exception stubs build, lowest address first. */
struct xtest_frame {
	unsigned long r15, r14, r13, r12, r11, r10, r9, r8;
	unsigned long rbp, rdi, rsi, rdx, rcx, rbx, rax;
	unsigned long vector, error_code;
	/* what Xen's bounce frame carried */
	unsigned long rip, cs, rflags, rsp, ss;
};

/* What a caught exception looked like. */
struct xtest_fault {
	unsigned int vector;
	unsigned long error_code, rip, cs, rflags, rsp, ss;
	unsigned long rax, rcx, rdx, rsi, rdi; /* the registers at the fault */
	unsigned long cr2;		       /* #PF only, and only if shared_info is mapped */
	bool cr2_valid;
};

/* Exception vector numbers. */
#define X86_EXC_DE 0
#define X86_EXC_DB 1
#define X86_EXC_NMI 2
#define X86_EXC_BP 3
#define X86_EXC_OF 4
#define X86_EXC_BR 5
#define X86_EXC_UD 6
#define X86_EXC_NM 7
#define X86_EXC_DF 8
#define X86_EXC_TS 10
#define X86_EXC_NP 11
#define X86_EXC_SS 12
#define X86_EXC_GP 13
#define X86_EXC_PF 14
#define X86_EXC_MF 16
#define X86_EXC_AC 17
#define X86_EXC_MC 18
#define X86_EXC_XM 19
#define X86_EXC_NONE 0xffffffffu

void test_main(void);

/* Build-time choices a test makes with the macros above (weak defaults 0 / 1). */
extern const int xtest_use_hypercall_page;
extern const int xtest_want_trap_table;

extern const char xtest_name[];
extern struct start_info *xtest_start_info;

/* Console (CONSOLEIO_write). printk understands %d %i %u %x %X %p %s %c %%,
 * the l/ll/z/h modifiers, the '-', '0' and '#' flags, a field width and a
 * precision for %s. */
int printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Verdicts. */
void xtest_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xtest_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xtest_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
enum xtest_result xtest_current_result(void);
/* Print the verdict and shut down now. */
__attribute__((noreturn)) void xtest_exit(void);

/* Check helper: records a failure with file/line when cond is false. */
#define xtest_check(cond, fmt, ...)                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			xtest_fail("%s:%d: " fmt, __FILE__, __LINE__, ##__VA_ARGS__);              \
	} while (0)

/*
 * Exceptions.
 * xtest_expect_fault(v): the next exception is expected to be vector v;
 * when it arrives the runtime reports it and ends the test with the
 * verdict so far (SUCCESS if nothing failed) instead of ERROR.
 * xtest_fault_hook: if set, called first with the frame of any exception
 * not caught by xtest_catch(); it may record verdicts. The test then ends.
 */
void xtest_expect_fault(unsigned int vector);
extern void (*xtest_fault_hook)(const struct xtest_frame *frame);

/*
 * Run fn(arg) and catch an exception raised inside it: returns false if
 * fn returned normally, true (and fills *fault) if it faulted. Resumption
 * does not need the iret hypercall: the handler runs in kernel mode on
 * the same stack and simply unwinds to the catch point.
 */
bool xtest_catch(void (*fn)(void *), void *arg, struct xtest_fault *fault);

const char *xtest_exc_name(unsigned int vector);

/*
 * An event callback for tests (lib/events.S): register xtest_event_entry;
 * it calls xtest_event_hook(frame), frame = {RIP, CS, RFLAGS, RSP, SS} of
 * Xen's bounce frame, then returns to the interrupted code with iret.
 */
extern char xtest_event_entry[];
extern void (*xtest_event_hook)(const unsigned long *frame);

/* shared_info mapped at a guest VA (via update_va_mapping); NULL if that failed. */
struct shared_info *xtest_shared_info(void);

/* Unmap shared_info; the next xtest_shared_info() maps it afresh. */
void xtest_shared_info_forget(void);

/*
 * True on Petrel (its XENVER_changeset says "petrel"), false on Xen. Only
 * for the few deliberate deviations from Xen 4.17 that docs/abi-status.md
 * lists: a test pins each hypervisor's own behaviour with it.
 */
bool xtest_on_petrel(void);

/* Forced-emulation CPUID: ud2; .ascii "xen"; cpuid. */
static inline void xen_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t *a, uint32_t *b, uint32_t *c,
			     uint32_t *d)
{
	__asm__ volatile("ud2; .ascii \"xen\"; cpuid"
			 : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
			 : "a"(leaf), "c"(subleaf));
}

/* The CPU's own CPUID 7.0 EBX bit 0 (the plain instruction: no PV view). */
static inline bool xtest_cpu_has_fsgsbase(void)
{
	uint32_t a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	if (a < 7)
		return false;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
	return b & 1;
}

/*
 * The number after "@key=" (decimal) on start_info's command line, @dflt
 * when the key is absent.
 */
unsigned long xtest_cmdline_num(const char *key, unsigned long dflt);

/* Freestanding string helpers. */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strstr(const char *hay, const char *needle);

#endif
