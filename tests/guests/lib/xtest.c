/* Runtime main: boot, run test_main(), print the verdict, shut down. */
#include "xtest.h"
#include "console-ring.h"

struct start_info *xtest_start_info;

static enum xtest_result result = XTEST_SUCCESS;
static const char *const result_names[] = {
	[XTEST_SUCCESS] = "SUCCESS",
	[XTEST_SKIP] = "SKIP",
	[XTEST_FAILURE] = "FAILURE",
	[XTEST_ERROR] = "ERROR",
};

int xtest_hypercall_page_active;

void xtest_install_traps(void);

static void record(enum xtest_result r, const char *tag, const char *fmt, va_list ap)
{
	char buf[400];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	printk("%s: %s\n", tag, buf);
	if (r > result)
		result = r;
}

void xtest_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(XTEST_FAILURE, "Failure", fmt, ap);
	va_end(ap);
}

void xtest_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(XTEST_ERROR, "Error", fmt, ap);
	va_end(ap);
}

void xtest_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(XTEST_SKIP, "Skip", fmt, ap);
	va_end(ap);
}

enum xtest_result xtest_current_result(void)
{
	return result;
}

void xtest_exit(void)
{
	long rc;

	printk("Test result: %s\n", result_names[result]);
	console_ring_flush();
	rc = hypercall_shutdown(SHUTDOWN_poweroff);
	/* Only reached if the hypervisor refused to shut us down. */
	printk("Error: SCHEDOP_shutdown(poweroff) returned %ld\n", rc);
	for (;;)
		hypercall_sched_op(SCHEDOP_yield, NULL);
}

static char shared_info_page[4096] __attribute__((aligned(4096)));
static struct shared_info *shared_info;
static bool shared_info_tried;

/*
 * Map start_info.shared_info (a machine address) over a page of our own
 * .bss with update_va_mapping. Done on first use only, so tests that do
 * not need it issue no such hypercall.
 */
struct shared_info *xtest_shared_info(void)
{
	unsigned long maddr = xtest_start_info->shared_info;
	long rc;

	if (shared_info_tried)
		return shared_info;
	shared_info_tried = true;
	rc = hypercall_update_va_mapping((unsigned long)shared_info_page,
					 (maddr & ~0xfffUL) | PTE_P | PTE_RW | PTE_A | PTE_D,
					 UVMF_INVLPG);
	if (rc) {
		printk("note: cannot map shared_info (update_va_mapping returned %ld)\n", rc);
		return NULL;
	}
	shared_info = (struct shared_info *)shared_info_page;
	return shared_info;
}

/*
 * Unmap shared_info (a hypervisor page a saved image cannot carry) and
 * forget it: the next xtest_shared_info() maps start_info.shared_info again,
 * which after a restore names the new domain's page.
 */
void xtest_shared_info_forget(void)
{
	if (shared_info)
		hypercall_update_va_mapping((unsigned long)shared_info_page, 0, UVMF_INVLPG);
	shared_info = NULL;
	shared_info_tried = false;
}

bool xtest_on_petrel(void)
{
	char cs[64] = "";

	if (hypercall_xen_version(XENVER_changeset, cs) < 0)
		return false;
	return !strncmp(cs, "petrel", 6);
}

void xtest_runtime_main(struct start_info *si)
{
	xtest_start_info = si;
	console_ring_init(si);
	printk("--- Petrel guest test: %s\n", xtest_name);
	if (xtest_use_hypercall_page) {
		/* Unfilled, the page is all int3 (see entry.S). */
		if ((unsigned char)hypercall_page[0] == 0xcc)
			printk("hypercall page: not filled by the hypervisor, using syscall\n");
		else
			xtest_hypercall_page_active = 1;
	}
	if (xtest_want_trap_table)
		xtest_install_traps();
	test_main();
	xtest_exit();
}

unsigned long xtest_cmdline_num(const char *key, unsigned long dflt)
{
	const char *p = strstr((const char *)xtest_start_info->cmd_line, key);
	size_t len = strlen(key);
	unsigned long n = 0;

	if (!p || p[len] != '=')
		return dflt;
	for (p += len + 1; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (unsigned long)(*p - '0');
	return n;
}
