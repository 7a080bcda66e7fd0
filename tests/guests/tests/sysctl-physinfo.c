/*
 * The host-wide facts a toolstack reads (`xl info`, `xl info -n`): sysctl
 * physinfo, sched_id, getcpuinfo, cputopoinfo, numainfo, cpupool_op and
 * scheduler_op, get_cpu_featureset, and XENVER_build_id. The numbers are checked against the
 * machine (the firmware's memory map) and against each other; physinfo's
 * free page count is exact: it moves by one page for a page the domain
 * takes and gives back.
 */
#include "xtest.h"
#include "featureset-op.h"

#define HC_memory_op 12
#define HC_sysctl 35
#define XENMEM_increase_reservation 0
#define XENMEM_decrease_reservation 1
#define XENMEM_machine_memory_map 10
#define XENVER_build_id 10
#define DOMID_SELF 0x7ff0
#define SYSCTL_VERSION 0x15
#define SYSCTL_physinfo 3
#define SYSCTL_sched_id 4
#define SYSCTL_getcpuinfo 8
#define SYSCTL_cputopoinfo 16
#define SYSCTL_numainfo 17
#define SYSCTL_cpupool_op 18
#define SYSCTL_scheduler_op 19
#define CPUPOOL_OP_INFO 3
#define CPUPOOL_OP_FREEINFO 7
#define SCHEDOP_getinfo 1
#define SCHEDULER_CREDIT 5
#define SCHEDULER_CREDIT2 6
#define SCHEDULER_NULL 9
#define PHYSCAP_pv (1u << 1)
#define PHYSCAP_gnttab_v1 (1u << 8)
#define PHYSCAP_gnttab_v2 (1u << 9)
#define EINVAL 22
#define ENOENT 2
#define ESRCH 3
#define ENOBUFS 105

struct physinfo {
	uint32_t threads_per_core, cores_per_socket, nr_cpus, max_cpu_id;
	uint32_t nr_nodes, max_node_id, cpu_khz, capabilities, arch_capabilities, pad;
	uint64_t total_pages, free_pages, scrub_pages, outstanding_pages, max_mfn;
	uint32_t hw_cap[8];
};
struct cputopo {
	uint32_t core, socket, node;
};
struct meminfo {
	uint64_t memsize, memfree;
};
struct bitmap {
	uint8_t *bitmap;
	uint32_t nr_bits;
};

struct sysctl {
	uint32_t cmd, interface_version;
	union {
		struct physinfo physinfo;
		uint32_t sched_id;
		struct {
			uint32_t max_cpus;
			uint64_t *info;
			uint32_t nr_cpus;
		} getcpuinfo;
		struct {
			uint32_t num_cpus;
			struct cputopo *cputopo;
		} cputopoinfo;
		struct {
			uint32_t num_nodes;
			struct meminfo *meminfo;
			uint32_t *distance;
		} numainfo;
		struct {
			uint32_t op, cpupool_id, sched_id, domid, cpu, n_dom;
			struct bitmap cpumap;
		} cpupool;
		struct {
			uint32_t cpupool_id, sched_id, cmd;
			union {
				uint64_t handle;
				uint32_t credit[3]; /* tslice_ms, ratelimit_us, migr_delay_us */
			} u;
		} scheduler;
		uint8_t pad[128];
	} u;
};
_Static_assert(sizeof(struct sysctl) == 136, "xen_sysctl is 136 bytes");
_Static_assert(sizeof(struct physinfo) == 112, "xen_sysctl_physinfo is 112 bytes");

struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));

struct reservation {
	unsigned long *extent_start;
	unsigned long nr_extents;
	unsigned int extent_order, mem_flags;
	uint16_t domid;
};

static long sysctl(struct sysctl *op, uint32_t cmd)
{
	op->cmd = cmd;
	op->interface_version = SYSCTL_VERSION;
	return hypercall(HC_sysctl, (unsigned long)op, 0, 0, 0, 0);
}

static long physinfo(struct physinfo *pi)
{
	struct sysctl op = { 0 };
	long rc = sysctl(&op, SYSCTL_physinfo);

	*pi = op.u.physinfo;
	return rc;
}

/* Whole pages of RAM in the firmware's memory map. */
static uint64_t e820_ram_pages(void)
{
	static struct e820_entry map[64];
	struct {
		unsigned int nr;
		void *buf;
	} mm = { 64, map };
	uint64_t pages = 0;

	if (hypercall(HC_memory_op, XENMEM_machine_memory_map, (unsigned long)&mm, 0, 0, 0))
		return 0;
	for (unsigned int i = 0; i < mm.nr; i++) {
		uint64_t s = (map[i].addr + 4095) & ~4095UL;
		uint64_t e = (map[i].addr + map[i].size) & ~4095UL;

		if (map[i].type == 1 && e > s)
			pages += (e - s) >> 12;
	}
	return pages;
}

static void check_physinfo(struct physinfo *pi)
{
	long rc = physinfo(pi);
	uint64_t ram = e820_ram_pages();

	xtest_check(rc == 0, "physinfo: %ld", rc);
	xtest_check(pi->nr_cpus >= 1 && pi->max_cpu_id + 1 >= pi->nr_cpus &&
			pi->threads_per_core >= 1 && pi->cores_per_socket >= 1,
		    "CPUs: %u online, max id %u, %u threads/core, %u cores/socket", pi->nr_cpus,
		    pi->max_cpu_id, pi->threads_per_core, pi->cores_per_socket);
	xtest_check(pi->nr_nodes == 1 && pi->max_node_id >= 0x3f, "%u nodes, max id %u",
		    pi->nr_nodes, pi->max_node_id);
	xtest_check(pi->cpu_khz > 100000, "cpu_khz %u", pi->cpu_khz);
	/* grant tables v1 and v2 (Xen's default gnttab=max-ver:2; gnttab-v2 uses them) */
	xtest_check((pi->capabilities & (PHYSCAP_pv | PHYSCAP_gnttab_v1 | PHYSCAP_gnttab_v2)) ==
			(PHYSCAP_pv | PHYSCAP_gnttab_v1 | PHYSCAP_gnttab_v2),
		    "capabilities %#x lack pv, gnttab_v1 or gnttab_v2", pi->capabilities);
	xtest_check(ram && pi->total_pages == ram, "total_pages %lu, the memory map has %lu",
		    (unsigned long)pi->total_pages, (unsigned long)ram);
	xtest_check(pi->free_pages && pi->free_pages < pi->total_pages && !pi->scrub_pages &&
			!pi->outstanding_pages,
		    "free %lu of %lu pages, scrub %lu, outstanding %lu",
		    (unsigned long)pi->free_pages, (unsigned long)pi->total_pages,
		    (unsigned long)pi->scrub_pages, (unsigned long)pi->outstanding_pages);
	xtest_check(pi->max_mfn + 1 >= pi->total_pages, "max_mfn %#lx", (unsigned long)pi->max_mfn);
	xtest_check(pi->hw_cap[0] != 0, "hw_cap[0] (CPUID 1 edx) is 0");
}

/* One page taken and given back moves the free count by exactly one page. */
static void check_free_exact(void)
{
	struct physinfo a, b, c;
	unsigned long mfn = ~0UL;
	struct reservation r = { &mfn, 1, 0, 0, DOMID_SELF };
	long rc;

	physinfo(&a);
	rc = hypercall(HC_memory_op, XENMEM_increase_reservation, (unsigned long)&r, 0, 0, 0);
	physinfo(&b);
	if (rc != 1) {
		xtest_check(false, "increase_reservation of one page: %ld", rc);
		return;
	}
	rc = hypercall(HC_memory_op, XENMEM_decrease_reservation, (unsigned long)&r, 0, 0, 0);
	physinfo(&c);
	xtest_check(rc == 1, "decrease_reservation of that page: %ld", rc);
	xtest_check(b.free_pages + 1 == a.free_pages && c.free_pages == a.free_pages,
		    "free pages %lu, %lu with one page more, %lu after giving it back",
		    (unsigned long)a.free_pages, (unsigned long)b.free_pages,
		    (unsigned long)c.free_pages);
}

static void check_cpus(const struct physinfo *pi)
{
	static uint64_t idle[64];
	static struct cputopo topo[64];
	struct sysctl op = { 0 };
	long rc;

	op.u.getcpuinfo.max_cpus = 64;
	op.u.getcpuinfo.info = idle;
	rc = sysctl(&op, SYSCTL_getcpuinfo);
	xtest_check(rc == 0 && op.u.getcpuinfo.nr_cpus == pi->max_cpu_id + 1,
		    "getcpuinfo: %ld, %u CPUs (max_cpu_id %u)", rc, op.u.getcpuinfo.nr_cpus,
		    pi->max_cpu_id);
	memset(&op, 0, sizeof(op));
	rc = sysctl(&op, SYSCTL_cputopoinfo); /* no array: the count */
	xtest_check(rc == 0 && op.u.cputopoinfo.num_cpus >= pi->nr_cpus,
		    "cputopoinfo count: %ld, %u CPUs", rc, op.u.cputopoinfo.num_cpus);
	op.u.cputopoinfo.num_cpus = 64;
	op.u.cputopoinfo.cputopo = topo;
	rc = sysctl(&op, SYSCTL_cputopoinfo);
	xtest_check(rc == 0 && op.u.cputopoinfo.num_cpus >= pi->nr_cpus && topo[0].node == 0,
		    "cputopoinfo: %ld, %u CPUs, CPU 0 on node %u", rc, op.u.cputopoinfo.num_cpus,
		    topo[0].node);
}

static void check_numa(void)
{
	struct meminfo mem[2] = { { 0, 0 } };
	uint32_t dist[4] = { 0 };
	struct physinfo pi;
	struct sysctl op = { 0 };
	long rc = sysctl(&op, SYSCTL_numainfo);

	xtest_check(rc == 0 && op.u.numainfo.num_nodes == 1, "numainfo count: %ld, %u nodes", rc,
		    op.u.numainfo.num_nodes);
	op.u.numainfo.num_nodes = 2;
	op.u.numainfo.meminfo = mem;
	op.u.numainfo.distance = dist;
	rc = sysctl(&op, SYSCTL_numainfo);
	physinfo(&pi);
	xtest_check(rc == 0 && op.u.numainfo.num_nodes == 1 && dist[0] == 10,
		    "numainfo: %ld, %u nodes, distance %u", rc, op.u.numainfo.num_nodes, dist[0]);
	xtest_check(mem[0].memfree == pi.free_pages << 12 && mem[0].memsize >= pi.total_pages << 12,
		    "node 0: %lu bytes free (physinfo: %lu pages), size %lu",
		    (unsigned long)mem[0].memfree, (unsigned long)pi.free_pages,
		    (unsigned long)mem[0].memsize);
}

static void check_pool(void)
{
	uint8_t map[8];
	struct sysctl op = { 0 };
	uint32_t sched;
	long rc = sysctl(&op, SYSCTL_sched_id);

	sched = op.u.sched_id;
	xtest_check(rc == 0 && sched >= SCHEDULER_CREDIT && sched <= SCHEDULER_NULL,
		    "sched_id: %ld, %u", rc, sched);
	memset(map, 0xee, sizeof(map));
	memset(&op, 0, sizeof(op));
	op.u.cpupool.op = CPUPOOL_OP_INFO;
	op.u.cpupool.cpumap = (struct bitmap){ map, 64 };
	rc = sysctl(&op, SYSCTL_cpupool_op);
	xtest_check(rc == 0 && op.u.cpupool.cpupool_id == 0 && op.u.cpupool.sched_id == sched &&
			op.u.cpupool.n_dom >= 1 && (map[0] & 1) && map[7] == 0,
		    "pool 0: %ld, id %u, scheduler %u, %u domains, map %#x..%#x", rc,
		    op.u.cpupool.cpupool_id, op.u.cpupool.sched_id, op.u.cpupool.n_dom, map[0],
		    map[7]);
	op.u.cpupool.cpupool_id = 1;
	xtest_check(sysctl(&op, SYSCTL_cpupool_op) == -ENOENT, "a pool 1 was found");
	memset(map, 0xee, sizeof(map));
	op.u.cpupool.op = CPUPOOL_OP_FREEINFO;
	rc = sysctl(&op, SYSCTL_cpupool_op);
	xtest_check(rc == 0 && map[0] == 0 && map[7] == 0, "free CPUs: %ld, map %#x", rc, map[0]);

	memset(&op, 0, sizeof(op));
	op.u.scheduler.cmd = SCHEDOP_getinfo;
	op.u.scheduler.sched_id = sched;
	rc = sysctl(&op, SYSCTL_scheduler_op);
	if (sched == SCHEDULER_CREDIT)
		xtest_check(rc == 0 && op.u.scheduler.u.credit[0] >= 1 &&
				op.u.scheduler.u.credit[0] <= 1000,
			    "credit getinfo: %ld, time slice %u ms", rc,
			    op.u.scheduler.u.credit[0]);
	else if (sched == SCHEDULER_CREDIT2)
		xtest_check(rc == 0, "credit2 getinfo: %ld", rc);
	op.u.scheduler.sched_id = sched == SCHEDULER_CREDIT ? SCHEDULER_CREDIT2 : SCHEDULER_CREDIT;
	xtest_check(sysctl(&op, SYSCTL_scheduler_op) == -EINVAL, "another scheduler's getinfo");
	op.u.scheduler.sched_id = sched;
	op.u.scheduler.cpupool_id = 7;
	xtest_check(sysctl(&op, SYSCTL_scheduler_op) == -ESRCH, "getinfo of pool 7");
	op.u.scheduler.cpupool_id = 0;
	op.u.scheduler.cmd = 5;
	xtest_check(sysctl(&op, SYSCTL_scheduler_op) == -EINVAL, "scheduler_op cmd 5");
}

static void check_build_id(void)
{
	static struct {
		uint32_t len;
		uint8_t buf[64];
	} id;
	long size = hypercall(HC_xen_version, XENVER_build_id, 0, 0, 0, 0);
	long rc;

	xtest_check(size >= 16 && size <= 64, "build id size %ld", size);
	if (size < 16 || size > 64)
		return;
	id.len = 0;
	xtest_check(hypercall(HC_xen_version, XENVER_build_id, (unsigned long)&id, 0, 0, 0) ==
			-EINVAL,
		    "a zero-length build id buffer");
	id.len = (uint32_t)size - 1;
	xtest_check(hypercall(HC_xen_version, XENVER_build_id, (unsigned long)&id, 0, 0, 0) ==
			-ENOBUFS,
		    "a short build id buffer");
	id.len = sizeof(id.buf);
	rc = hypercall(HC_xen_version, XENVER_build_id, (unsigned long)&id, 0, 0, 0);
	xtest_check(rc == size && (id.buf[0] | id.buf[1] | id.buf[2] | id.buf[3]),
		    "build id: %ld bytes, starts %02x%02x", rc, id.buf[0], id.buf[1]);
}

/*
 * Featuresets: the count; the host's words are physinfo's hw_cap (word 0 is
 * CPUID 1.edx, FPU set); raw has FPU too; the PV guest's are a subset of the
 * host's in 1.edx and 7.0.ebx; a short buffer gets -ENOBUFS and the count it
 * got; a bad index -EINVAL.
 */
static void check_featureset(const struct physinfo *pi)
{
	static uint32_t raw[64], host[64], pv[64];
	uint32_t nr = 0, n;
	long rc = featureset(FEATURESET_raw, NULL, &nr);

	xtest_check(rc == 0 && nr >= 8 && nr <= 64, "featureset count: %ld, %u words", rc, nr);
	if (rc || nr < 8 || nr > 64)
		return;
	n = nr;
	rc = featureset(FEATURESET_host, host, &n);
	xtest_check(
	    rc == 0 && n == nr && (host[0] & 1) && host[0] == pi->hw_cap[0] &&
		host[5] == pi->hw_cap[5],
	    "host featureset: %ld, %u words, 1.edx %#x 7.0.ebx %#x (physinfo hw_cap %#x %#x)", rc,
	    n, host[0], host[5], pi->hw_cap[0], pi->hw_cap[5]);
	n = nr;
	rc = featureset(FEATURESET_raw, raw, &n);
	xtest_check(rc == 0 && n == nr && (raw[0] & 1), "raw featureset: %ld, %u words", rc, n);
	n = nr;
	rc = featureset(FEATURESET_pv, pv, &n);
	xtest_check(rc == 0 && n == nr && (pv[0] & 1) && !(pv[0] & ~host[0]) && !(pv[5] & ~host[5]),
		    "pv featureset: %ld, %u words, 1.edx %#x of %#x, 7.0.ebx %#x of %#x", rc, n,
		    pv[0], host[0], pv[5], host[5]);
	n = 1;
	rc = featureset(FEATURESET_raw, raw, &n);
	xtest_check(rc == -ENOBUFS && n == 1, "a one-word featureset: %ld, %u words", rc, n);
	n = nr;
	xtest_check(featureset(9, raw, &n) == -EINVAL, "featureset 9 was not -EINVAL");
}

void test_main(void)
{
	struct physinfo pi;

	check_physinfo(&pi);
	check_free_exact();
	check_cpus(&pi);
	check_numa();
	check_pool();
	check_build_id();
	check_featureset(&pi);
}
