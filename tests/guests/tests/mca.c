/*
 * The machine-check hypercall's XEN_MC_physcpuinfo and XEN_MC_fetch, as a
 * dom0's mcelog driver uses them (no machine check has happened: a fetch
 * finds no data).
 */
#include "xtest.h"

#define HC_mca 48
#define XEN_MCA_INTERFACE_VERSION 0x01ecc003
#define XEN_MC_fetch 1
#define XEN_MC_notifydomain 2
#define XEN_MC_physcpuinfo 3
#define XEN_MC_NONURGENT 0x1
#define XEN_MC_URGENT 0x2
#define XEN_MC_ACK 0x4
#define XEN_MC_NODATA 0x2

struct logical_cpu {
	uint32_t cpunr, chipid;
	uint16_t coreid, threadid;
	uint32_t apicid, clusterid, ncores, ncores_active, nthreads;
	int32_t cpuid_level;
	uint32_t family, vendor, model, step;
	char vendorid[16], brandid[64];
	uint32_t caps[7], cache_size, cache_alignment;
	int32_t nmsrvals;
	uint64_t msrs[16];
};
_Static_assert(sizeof(struct logical_cpu) == 304, "mcinfo_logical_cpu is 304 bytes");

struct xen_mc {
	uint32_t cmd, interface_version;
	union {
		struct {
			uint32_t ncpus, pad;
			struct logical_cpu *info;
		} physcpuinfo;
		struct {
			uint32_t flags, pad;
			uint64_t fetch_id;
			void *data;
		} fetch;
		uint8_t space[144];
	} u;
};

/* Xen's X86_VENDOR_* bit for a CPUID vendor string (0 for the rest). */
static uint32_t vendor_bit(const char *id)
{
	if (!memcmp(id, "GenuineIntel", 12))
		return 0x01;
	if (!memcmp(id, "AuthenticAMD", 12))
		return 0x02;
	if (!memcmp(id, "HygonGenuine", 12))
		return 0x10;
	return 0;
}

static long mca(struct xen_mc *mc)
{
	return hypercall(HC_mca, (unsigned long)mc, 0, 0, 0, 0);
}

static void fetch_checks(struct xen_mc *mc)
{
	static uint8_t buf[4096];
	long rc;

	mc->cmd = XEN_MC_fetch;
	mc->u.fetch.flags = 0;
	mc->u.fetch.data = buf;
	xtest_check(mca(mc) == -22, "a fetch naming no queue was accepted");
	mc->u.fetch.flags = XEN_MC_NONURGENT | XEN_MC_URGENT;
	xtest_check(mca(mc) == -22, "a fetch naming both queues was accepted");
	mc->u.fetch.flags = XEN_MC_URGENT;
	mc->u.fetch.data = NULL;
	xtest_check(mca(mc) == -22, "a fetch without a buffer was accepted");
	mc->u.fetch.data = buf;
	mc->u.fetch.fetch_id = 0x1234;
	rc = mca(mc);
	xtest_check(rc == 0 && mc->u.fetch.flags == XEN_MC_NODATA && !mc->u.fetch.fetch_id,
		    "urgent fetch: rc %ld flags %#x id %#lx", rc, mc->u.fetch.flags,
		    (unsigned long)mc->u.fetch.fetch_id);
	mc->u.fetch.flags = XEN_MC_NONURGENT;
	rc = mca(mc);
	xtest_check(rc == 0 && mc->u.fetch.flags == XEN_MC_NODATA,
		    "nonurgent fetch: rc %ld flags %#x", rc, mc->u.fetch.flags);
	mc->u.fetch.flags = XEN_MC_NONURGENT | XEN_MC_ACK;
	xtest_check(mca(mc) == 0, "an ack was refused");
	mc->cmd = XEN_MC_notifydomain;
	xtest_check(mca(mc) == -22, "notifydomain accepted");
	mc->cmd = 99;
	xtest_check(mca(mc) == -22, "an unknown op accepted");
}

void test_main(void)
{
	static struct logical_cpu cpu;
	struct xen_mc mc = { XEN_MC_physcpuinfo, 0x01ecc000, { { 0, 0, NULL } } };
	uint32_t a, b, c, d;
	long rc;

	xtest_check(mca(&mc) == -13, "a wrong interface version was accepted");
	mc.interface_version = XEN_MCA_INTERFACE_VERSION;
	rc = mca(&mc);
	xtest_check(rc == 0 && mc.u.physcpuinfo.ncpus == 1, "cpu count: rc %ld, %u CPUs", rc,
		    mc.u.physcpuinfo.ncpus);
	mc.u.physcpuinfo.info = &cpu;
	mc.u.physcpuinfo.ncpus = 0;
	xtest_check(mca(&mc) == -22, "a zero-sized buffer was accepted");
	mc.u.physcpuinfo.ncpus = 1;
	rc = mca(&mc);
	xtest_check(rc == 0, "cpu info: rc %ld", rc);
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0), "c"(0));
	xtest_check(!memcmp(cpu.vendorid, &b, 4) && !memcmp(cpu.vendorid + 4, &d, 4) &&
			    !memcmp(cpu.vendorid + 8, &c, 4),
		    "vendor id \"%.12s\"", cpu.vendorid);
	xtest_check(cpu.vendor == vendor_bit(cpu.vendorid), "vendor %#x for \"%.12s\"", cpu.vendor,
		    cpu.vendorid);
	xtest_check(cpu.ncores == 1 && cpu.nthreads == 1 && cpu.family, "cores %u threads %u family %u",
		    cpu.ncores, cpu.nthreads, cpu.family);
	printk("physical CPU 0: %.12s family %u model %u \"%.48s\"\n", cpu.vendorid, cpu.family,
	       cpu.model, cpu.brandid);
	fetch_checks(&mc);
}
