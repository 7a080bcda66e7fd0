/*
 * Long hypercalls are preempted and continued (the guest re-issues them
 * transparently): a 20000-entry multicall and a 64 KiB console write must
 * come back complete and exact. With hypercall_preempt_always on Petrel's
 * command line every preemption point is taken.
 */
#include "xtest.h"

#define HC_multicall 13
#define NR 20000

struct multicall_entry {
	unsigned long op, result;
	unsigned long args[6];
};

static struct multicall_entry calls[NR];
static char text[65536];

void test_main(void)
{
	long rc;
	unsigned int bad = 0;

	for (unsigned int i = 0; i < NR; i++) {
		calls[i].op = HC_xen_version;
		calls[i].args[0] = (i & 1) ? XENVER_pagesize : XENVER_version;
		calls[i].result = 0xdead;
	}
	rc = hypercall(HC_multicall, (unsigned long)calls, NR, 0, 0, 0);
	xtest_check(rc == 0, "multicall returned %ld", rc);
	for (unsigned int i = 0; i < NR; i++)
		if (calls[i].result != ((i & 1) ? 4096UL : 0x40011UL))
			bad++;
	xtest_check(bad == 0, "%u of %u multicall results wrong", bad, NR);
	for (unsigned int i = 0; i < sizeof(text); i++)
		text[i] = (i % 64 == 63) ? '\n' : (char)('a' + i % 26);
	rc = hypercall(HC_console_io, CONSOLEIO_write, sizeof(text), (unsigned long)text, 0, 0);
	xtest_check(rc == 0, "64 KiB console write returned %ld", rc);
	printk("\nwrote %zu bytes\n", sizeof(text));
}

TEST_EXPECT("wrote 65536 bytes");
