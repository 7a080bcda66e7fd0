/*
 * XEN_SYSCTL_readconsole (what `xl dmesg` reads): the hypervisor's own
 * messages since boot, incremental reads (a bad index reads from the
 * start), clearing (only what the same call read), and the errors.
 * Then XEN_SYSCTL_debug_keys (`xl debug-keys`): keys read one byte at a
 * time, an unreadable one -EFAULT, none at all fine. On Petrel 'P' starts
 * the per-call cycle counters and 'p' prints them into the ring, a line per
 * call counted; Xen 4.17 as Debian builds it has no handler for either.
 */
#include "xtest.h"

#define HC_sysctl 35
#define XEN_SYSCTL_INTERFACE_VERSION 0x00000015
#define XEN_SYSCTL_readconsole 1
#define XEN_SYSCTL_debug_keys 7

struct sysctl {
	uint32_t cmd, interface_version;
	union {
		struct {
			uint8_t clear, incremental, pad0, pad1;
			uint32_t index;
			char *buffer;
			uint32_t count;
		} readconsole;
		struct {
			const char *keys;
			uint32_t nr_keys;
		} debug_keys;
		uint8_t pad[128];
	} u;
};
_Static_assert(sizeof(struct sysctl) == 136, "xen_sysctl is 136 bytes");

static char ring[16384];

static long readconsole(bool incremental, bool clear, uint32_t *index, uint32_t *count)
{
	struct sysctl op = { XEN_SYSCTL_readconsole, XEN_SYSCTL_INTERFACE_VERSION, { { 0 } } };
	long rc;

	op.u.readconsole.incremental = incremental;
	op.u.readconsole.clear = clear;
	op.u.readconsole.index = *index;
	op.u.readconsole.buffer = ring;
	op.u.readconsole.count = sizeof(ring) - 1;
	rc = hypercall(HC_sysctl, (unsigned long)&op, 0, 0, 0, 0);
	*index = op.u.readconsole.index;
	*count = op.u.readconsole.count;
	ring[rc ? 0 : *count] = '\0';
	return rc;
}

/* Read and clear the first @n bytes of the ring. */
static long readconsole_n(uint32_t n, uint32_t *index, uint32_t *count)
{
	struct sysctl op = { XEN_SYSCTL_readconsole, XEN_SYSCTL_INTERFACE_VERSION, { { 0 } } };
	long rc;

	op.u.readconsole.clear = 1;
	op.u.readconsole.buffer = ring;
	op.u.readconsole.count = n;
	rc = hypercall(HC_sysctl, (unsigned long)&op, 0, 0, 0, 0);
	*index = op.u.readconsole.index;
	*count = op.u.readconsole.count;
	return rc;
}

/* How many lines of @text start with the hypervisor's "(XEN) " prefix. */
static unsigned int prefixed_lines(const char *text)
{
	unsigned int n = 0;

	for (const char *p = text; *p; p++)
		if ((p == text || p[-1] == '\n') && !strncmp(p, "(XEN) ", 6))
			n++;
	return n;
}

static bool contains(const char *hay, const char *needle)
{
	for (; *hay; hay++) {
		const char *a = hay, *b = needle;

		while (*a && *b && *a == *b)
			a++, b++;
		if (!*b)
			return true;
	}
	return false;
}

static long debug_keys(const char *keys, uint32_t n)
{
	struct sysctl op = { XEN_SYSCTL_debug_keys, XEN_SYSCTL_INTERFACE_VERSION, { { 0 } } };

	op.u.debug_keys.keys = keys;
	op.u.debug_keys.nr_keys = n;
	return hypercall(HC_sysctl, (unsigned long)&op, 0, 0, 0, 0);
}

/* Run after the ring was cleared: what 'p' prints is all it holds. */
static void check_debug_keys(void)
{
	uint32_t index = 0, count = 0;
	long rc;

	xtest_check((rc = debug_keys(NULL, 0)) == 0, "debug_keys, no keys: rc %ld", rc);
	xtest_check((rc = debug_keys((const char *)0xffff830000000000UL, 1)) == -14,
		    "debug_keys at a hypervisor address: rc %ld", rc);
	xtest_check((rc = debug_keys("P", 1)) == 0, "debug key 'P': rc %ld", rc);
	debug_keys(NULL, 0); /* one sysctl counted */
	xtest_check((rc = debug_keys("pP", 1)) == 0, "debug key 'p': rc %ld", rc);
	rc = readconsole(false, false, &index, &count);
	if (xtest_on_petrel())
		xtest_check(rc == 0 && contains(ring, "hcstats: hypercall 35 "),
			    "'p' printed no sysctl line: rc %ld, %.200s", rc, ring);
	else
		xtest_check(rc == 0 && !contains(ring, "hcstats"), "Xen printed hcstats lines");
}

void test_main(void)
{
	struct sysctl op = { XEN_SYSCTL_readconsole, 0x14, { { 0 } } };
	uint32_t index = 0, count = 0, count2 = 0, total;
	long rc, rc2;

	xtest_check(hypercall(HC_sysctl, (unsigned long)&op, 0, 0, 0, 0) == -13,
		    "an old interface version was accepted");
	op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	op.cmd = 9999;
	xtest_check(hypercall(HC_sysctl, (unsigned long)&op, 0, 0, 0, 0) == -38,
		    "an unknown sysctl was accepted");
	rc = readconsole(false, false, &index, &count);
	xtest_check(rc == 0 && count > 100, "readconsole: rc %ld, %u bytes", rc, count);
	/* The hypervisor's own lines, as printed (the banner's wording is its own). */
	xtest_check(prefixed_lines(ring) > 5, "%u \"(XEN) \" lines in the console ring",
		    prefixed_lines(ring));
	xtest_check(contains(ring, "(XEN) *** Building a PV Dom0 ***"), "no dom0 build line");
	/* A buffer in the hypervisor's range is refused. */
	op.cmd = XEN_SYSCTL_readconsole;
	op.u.readconsole.buffer = (char *)0xffff830000000000UL;
	op.u.readconsole.count = 16;
	xtest_check(hypercall(HC_sysctl, (unsigned long)&op, 0, 0, 0, 0) == -14,
		    "readconsole wrote to a hypervisor address");
	/* Nothing new since: an incremental read from the returned index is empty. */
	rc = readconsole(true, false, &index, &count);
	xtest_check(rc == 0 && count == 0, "incremental read: rc %ld, %u new bytes", rc, count);
	/* An incremental read from a position the ring never had starts at the oldest byte. */
	index += 1000000;
	rc = readconsole(true, false, &index, &count);
	xtest_check(rc == 0 && count > 100, "incremental read from a bad index: rc %ld, %u bytes",
		    rc, count);
	/* Clearing drops only what was read: a 16-byte read-and-clear leaves the rest. */
	total = count;
	rc = readconsole_n(16, &index, &count);
	index = 0;
	rc2 = readconsole(false, false, &index, &count2);
	xtest_check(rc == 0 && count == 16 && rc2 == 0 && count2 == total - 16,
		    "16-byte read-and-clear: rc %ld/%ld, %u bytes, then %u of %u", rc, rc2, count,
		    count2, total);
	/* Clearing empties the ring for later full reads. */
	index = 0;
	rc = readconsole(false, true, &index, &count);
	xtest_check(rc == 0 && count > 100, "read-and-clear: rc %ld, %u bytes", rc, count);
	index = 0;
	rc = readconsole(false, false, &index, &count);
	xtest_check(rc == 0 && count == 0, "after clear: rc %ld, %u bytes", rc, count);
	check_debug_keys();
}
