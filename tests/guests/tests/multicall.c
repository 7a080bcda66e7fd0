/* multicall: every entry runs and gets its own result written back. */
#include "xtest.h"

#define HC_multicall 13

struct multicall_entry {
	unsigned long op, result;
	unsigned long args[6];
};

void test_main(void)
{
	static const char msg[] = "written from inside a multicall\n";
	static struct multicall_entry calls[5];
	long rc;

	calls[0].op = HC_xen_version;
	calls[0].args[0] = XENVER_version;
	calls[1].op = HC_console_io;
	calls[1].args[0] = CONSOLEIO_write;
	calls[1].args[1] = sizeof(msg) - 1;
	calls[1].args[2] = (unsigned long)msg;
	calls[2].op = 99; /* no such hypercall */
	calls[3].op = HC_multicall; /* nesting is refused */
	calls[4].op = HC_xen_version;
	calls[4].args[0] = XENVER_pagesize;
	for (int i = 0; i < 5; i++)
		calls[i].result = 0x5555;
	rc = hypercall(HC_multicall, (unsigned long)calls, 5, 0, 0, 0);
	xtest_check(rc == 0, "multicall returned %ld", rc);
	xtest_check(calls[0].result == 0x40011, "xen_version result %#lx", calls[0].result);
	xtest_check(calls[1].result == 0, "console_io result %ld", (long)calls[1].result);
	xtest_check((long)calls[2].result == -38, "unknown op result %ld", (long)calls[2].result);
	xtest_check((long)calls[3].result == -22, "nested multicall result %ld",
		    (long)calls[3].result);
	xtest_check(calls[4].result == 4096, "pagesize result %lu", calls[4].result);
	/* A list the guest cannot read fails the whole call. */
	rc = hypercall(HC_multicall, 0xffff830000000000UL, 1, 0, 0, 0);
	xtest_check(rc == -14, "multicall on a hypervisor address returned %ld", rc);
	/* Zero entries is fine. */
	rc = hypercall(HC_multicall, (unsigned long)calls, 0, 0, 0, 0);
	xtest_check(rc == 0, "empty multicall returned %ld", rc);
}

TEST_EXPECT("written from inside a multicall");
