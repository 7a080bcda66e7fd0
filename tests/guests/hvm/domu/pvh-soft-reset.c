/*
 * A PVH domU for the system test's soft-reset checks (not a test of its
 * own): it prints a first marker and reads its xenstore `name`, shuts down
 * with SHUTDOWN_soft_reset once, and when the toolstack has reset it in
 * place it carries on after that hypercall as a kexec'd kernel would start:
 * it takes its console and xenstore rings and ports afresh from its HVM
 * params (HVM_PARAM_CONSOLE_PFN/EVTCHN, STORE_PFN/EVTCHN; the old ports
 * were closed by the reset), prints a second marker, reads `name` again
 * and powers off with the verdict.  Under a toolstack that destroys the
 * domain instead (libxl refuses to soft-reset a PVH domain), the first
 * marker is its last line.
 */
#include "xtest.h"
#include "console-ring.h"
#include "hvm.h"
#include "xs-client.h"

#define HVM_PARAM_STORE_PFN 1
#define HVM_PARAM_STORE_EVTCHN 2
#define HVM_PARAM_CONSOLE_EVTCHN 18

/* The store ring from the params; false (recorded) if there is none. */
static bool store_from_params(void)
{
	uint64_t pfn = hvm_get_param(HVM_PARAM_STORE_PFN);

	if (!pfn || pfn >= (1UL << 20)) {
		xtest_fail("no usable HVM_PARAM_STORE_PFN (%#lx)", (unsigned long)pfn);
		return false;
	}
	xs_attach((void *)(unsigned long)(pfn << 12),
		  (uint32_t)hvm_get_param(HVM_PARAM_STORE_EVTCHN));
	return true;
}

static void read_name(const char *when)
{
	char name[64];

	if (!store_from_params())
		return;
	xtest_check(xs_read("name", name, sizeof(name)) && name[0], "xenstore read of name %s",
		    when);
	printk("pvh-soft-reset: xenstore name %s (%s)\n", name, when);
}

void test_main(void)
{
	long rc;

	printk("pvh-soft-reset: first start, console port %lu, store port %lu\n",
	       (unsigned long)hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN),
	       (unsigned long)hvm_get_param(HVM_PARAM_STORE_EVTCHN));
	read_name("before the reset");
	console_ring_flush();
	rc = hypercall_shutdown(SHUTDOWN_soft_reset);
	/* Running again: the toolstack reset the domain and let it go on. */
	hvm_console_from_params();
	printk("pvh-soft-reset: after the soft reset (rc %ld), console port %lu, store port %lu\n",
	       rc, (unsigned long)hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN),
	       (unsigned long)hvm_get_param(HVM_PARAM_STORE_EVTCHN));
	xtest_check(rc == 0, "SCHEDOP_shutdown(soft_reset) returned %ld", rc);
	read_name("after the reset");
}
