/*
 * Hypercall fuzzer. Issues a bounded number of hypercalls with random
 * numbers, sub-ops and arguments from a seeded PRNG (the seed is printed
 * first, so a failing run replays with the same seed), then checks that the
 * hypervisor still answers and that this domain is intact: its code runs,
 * start_info and its page tables are as they were, and its reservation
 * matches what it accounted for.
 *
 * Command line: seed=<n> calls=<n> [trace=<first call to print>]
 * [domid=<our own id>, which the grant entries name: 0 unless run as a domU].
 *
 * What is never issued, because it legitimately ends or wrecks the domain:
 * the shutdown family (SCHEDOP_shutdown, remote_shutdown, shutdown_code and
 * the watchdog, sched_op_compat's shutdown), blocking without a timeout,
 * iret, taking the only vCPU down or sending it an NMI, MMUEXT_NEW_BASEPTR
 * with a frame that could validate, page-table writes outside the
 * fuzzer's own scratch mappings, CLEAR/COPY_PAGE, update_descriptor and
 * M2P updates on frames other than the fuzzer's own, enabled debug
 * registers, physdev ops that reprogram interrupt hardware, vm_assist's
 * m2p_strict (with our own L4 as the user one, Xen would unmap the M2P
 * this fuzzer reads). The trap table
 * and callbacks are put back after any call that may have replaced them.
 */
#include "xtest.h"

TEST_ARGS("seed=1 calls=20000");

void xtest_install_traps(void);

#define VIRT_BASE 0xffffffff80000000UL
#define M2P_START 0xffff800000000000UL
#define ADDR_MASK 0x000ffffffffff000UL
#define DOMID_SELF 0x7ff0
#define HC_multicall 13
#define HC_memory_op 12
#define HC_mmuext_op 26
#define HC_set_gdt 2
#define HC_set_callbacks 4
#define HC_fpu_taskswitch 5
#define HC_vcpu_op 24
#define HC_physdev_op 33
#define HC_callback_op 30
#define XENMEM_increase_reservation 0
#define XENMEM_populate_physmap 6
#define XENMEM_current_reservation 3
#define XENMEM_maximum_ram_page 2
#define XENMEM_machphys_mfn_list 5
#define MMUEXT_UNPIN_TABLE 4
#define MMUEXT_NEW_BASEPTR 5
#define MMUEXT_NEW_USER_BASEPTR 15
#define MMUEXT_SET_LDT 13
#define MMUEXT_CLEAR_PAGE 16
#define MMUEXT_COPY_PAGE 17
#define VCPUOP_down 2
#define VCPUOP_register_runstate_memory_area 5
#define VCPUOP_send_nmi 11
#define VCPUOP_register_vcpu_time_memory_area 13
#define PHYSDEVOP_set_iopl 6
#define SCHEDOP_poll 3
#define SCHEDOP_remote_shutdown 4
#define SCHEDOP_shutdown_code 5
#define SCHEDOP_watchdog 6
#define VMASST_TYPE_m2p_strict 32

/* ---- PRNG: splitmix64, seeded from the command line ---- */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15UL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

static unsigned long below(unsigned long n)
{
	return n ? rnd() % n : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

static unsigned long arg_num(const char *key, unsigned long def)
{
	const char *p = strstr((const char *)xtest_start_info->cmd_line, key);
	unsigned long v = 0;

	if (!p)
		return def;
	p += strlen(key);
	if (*p < '0' || *p > '9')
		return def;
	while (*p >= '0' && *p <= '9')
		v = v * 10 + (unsigned long)(*p++ - '0');
	return v;
}

/* ---- the domain's own memory ---- */

#define SCRATCH_PAGES 8
#define POOL_MAX 64
#define PT_MAX 32

/* VA the fuzzer may remap at will (its boot frames are put back at the end). */
static char scratch[SCRATCH_PAGES][4096] __attribute__((aligned(4096)));
/* Page 0 holds each call's argument structures, ending at the page's end;
 * page 1 is unmapped so that a huge count runs into a fault. */
static char argpages[2][4096] __attribute__((aligned(4096)));
static const char console_text[] = "[fuzz console write]\n";
/* SCHEDOP_poll's argument lives here, where no fuzzed pointer reaches: a
 * timeout overwritten with 0 would block for good. */
static char poll_buf[64] __attribute__((aligned(8)));

static uint64_t scratch_l1e[SCRATCH_PAGES], scratch_pte[SCRATCH_PAGES];
/* Our grant table's first frame, mapped here to write grant entries. */
static char gnt_page[4096] __attribute__((aligned(4096)));
static uint64_t gnt_l1e, gnt_pte;
static bool gnt_ok;
static unsigned long gnt_maps;
/* Our domain id, which our grant entries name (domid=, 0 as the initial domain). */
static uint16_t self_id;
static uint64_t guard_l1e, guard_pte;
/* Frames the fuzzer owns and maps nowhere but its scratch VA. */
static unsigned long pool[POOL_MAX];
static unsigned int pool_n;
static unsigned long max_ram_page, foreign_mfn;

/* Page-table pages of the domain, with a copy to compare against. */
static unsigned long pt_mfn[PT_MAX];
static uint64_t pt_copy[PT_MAX][512];
static unsigned int pt_n;
static struct start_info si_copy;

static long reservation_expected;

static uint64_t *va_of_mfn(unsigned long mfn)
{
	return (uint64_t *)(VIRT_BASE + (((const unsigned long *)M2P_START)[mfn] << 12));
}

static unsigned long l4_mfn(void)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;

	return p2m[(xtest_start_info->pt_base - VIRT_BASE) >> 12];
}

static uint64_t l1e_maddr(const void *va)
{
	unsigned long v = (unsigned long)va, mfn = l4_mfn();

	for (int shift = 39; shift >= 21; shift -= 9)
		mfn = (va_of_mfn(mfn)[(v >> shift) & 511] & ADDR_MASK) >> 12;
	return (mfn << 12) + ((v >> 12) & 511) * 8;
}

static uint64_t read_maddr(uint64_t ma)
{
	return va_of_mfn(ma >> 12)[(ma & 4095) / 8];
}

static void pt_add(unsigned long mfn)
{
	for (unsigned int i = 0; i < pt_n; i++)
		if (pt_mfn[i] == mfn)
			return;
	if (pt_n < PT_MAX)
		pt_mfn[pt_n++] = mfn;
}

/* Collect the page tables under the L4 (guest slots only) down to the L1s. */
static void pt_walk(unsigned long mfn, int level)
{
	const uint64_t *t = va_of_mfn(mfn);

	pt_add(mfn);
	if (level == 1)
		return;
	for (unsigned int i = 0; i < 512; i++) {
		if (level == 4 && i >= 256 && i < 272)
			continue;
		if (t[i] & PTE_P)
			pt_walk((t[i] & ADDR_MASK) >> 12, level - 1);
	}
}

/* Accessed/dirty bits change as the CPU walks; everything else must not. */
#define PT_IGNORE (PTE_A | PTE_D)

static bool is_scratch_entry(unsigned long mfn, unsigned int idx)
{
	uint64_t ma = (mfn << 12) + idx * 8;

	for (unsigned int i = 0; i < SCRATCH_PAGES; i++)
		if (scratch_l1e[i] == ma)
			return true;
	return ma == guard_l1e || ma == gnt_l1e;
}

static unsigned int pt_check(bool with_scratch)
{
	unsigned int bad = 0;

	for (unsigned int p = 0; p < pt_n; p++) {
		const uint64_t *t = va_of_mfn(pt_mfn[p]);

		for (unsigned int i = 0; i < 512; i++) {
			if (!with_scratch && is_scratch_entry(pt_mfn[p], i))
				continue;
			if ((t[i] & ~PT_IGNORE) == (pt_copy[p][i] & ~PT_IGNORE))
				continue;
			if (bad++ < 4)
				xtest_fail("page table mfn %#lx entry %u: %#lx, was %#lx",
					   pt_mfn[p], i, (unsigned long)t[i],
					   (unsigned long)pt_copy[p][i]);
		}
	}
	return bad;
}

static long memory_op(unsigned long cmd, void *arg)
{
	return hypercall(HC_memory_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static long current_reservation(void)
{
	uint16_t self = DOMID_SELF;

	return memory_op(XENMEM_current_reservation, &self);
}

static void pool_add(unsigned long mfn)
{
	if (pool_n < POOL_MAX && mfn < max_ram_page)
		pool[pool_n++] = mfn;
}

struct grant_v1 {
	uint16_t flags, domid;
	uint32_t frame;
};

/* Grant refs 8-15 to ourselves (domid=, every other one read-only), naming pool frames. */
static void setup_grants(void)
{
	struct {
		uint16_t dom;
		uint32_t nr_frames;
		int16_t status;
		unsigned long *frame_list;
	} st;
	unsigned long frame = 0;
	struct grant_v1 *g = (struct grant_v1 *)gnt_page;
	long rc;

	gnt_l1e = l1e_maddr(gnt_page);
	gnt_pte = read_maddr(gnt_l1e);
	st.dom = DOMID_SELF;
	st.nr_frames = 1;
	st.status = 1;
	st.frame_list = &frame;
	rc = hypercall(HC_grant_table_op, GNTTABOP_setup_table, (unsigned long)&st, 1, 0, 0);
	if (rc || st.status || !pool_n) {
		printk("fuzz: no grant table (rc %ld status %d): grant ops fuzzed blind\n", rc,
		       st.status);
		return;
	}
	rc = hypercall_update_va_mapping((unsigned long)gnt_page, (frame << 12) | PTE_P | PTE_RW,
					 UVMF_INVLPG);
	if (rc) {
		printk("fuzz: mapping grant frame %#lx gave %ld\n", frame, rc);
		return;
	}
	for (unsigned int ref = 8; ref < 16; ref++) {
		g[ref].domid = self_id;
		g[ref].frame = (uint32_t)pool[ref % pool_n];
		__asm__ volatile("" ::: "memory");
		g[ref].flags = (uint16_t)(GTF_permit_access | (ref & 1 ? GTF_readonly : 0));
	}
	gnt_ok = true;
	printk("fuzz: grant table frame %#lx, refs 8-15 granted to ourselves\n", frame);
}

/*
 * A directed case the fuzzer is unlikely to hit by chance: XENMEM_exchange
 * naming the same free frame twice in one unit must not trade it twice
 * (Xen's second steal of the page fails), and must leave it ours.
 */
static void check_exchange_duplicate(void)
{
	struct reservation {
		unsigned long *extent_start;
		unsigned long nr_extents;
		unsigned int extent_order, mem_flags;
		uint16_t domid;
	};
	struct {
		struct reservation in, out;
		unsigned long nr_exchanged;
	} x;
	static unsigned long in[2], out[1];
	const unsigned long *m2p = (const unsigned long *)M2P_START;
	unsigned long pfn = xtest_start_info->nr_pages - 1;
	unsigned long a = ((const unsigned long *)xtest_start_info->mfn_list)[pfn];
	long before = current_reservation(), rc;

	_Static_assert(sizeof(x) == 72, "xen_memory_exchange is 72 bytes");
	in[0] = in[1] = a;
	out[0] = pfn;
	x.in = (struct reservation){ in, 2, 0, 0, DOMID_SELF };
	x.out = (struct reservation){ out, 1, 1, 0, DOMID_SELF };
	x.nr_exchanged = 0;
	rc = memory_op(11 /* XENMEM_exchange */, &x);
	xtest_check(rc != 0 && x.nr_exchanged == 0,
		    "exchange of frame %#lx named twice: rc %ld, %lu exchanged", a, rc,
		    x.nr_exchanged);
	xtest_check(m2p[a] == pfn, "frame %#lx left us after a refused exchange (m2p %#lx)", a,
		    m2p[a]);
	xtest_check(current_reservation() == before, "reservation %ld -> %ld", before,
		    current_reservation());
	printk("fuzz: exchange naming frame %#lx twice: rc %ld, %lu exchanged\n", a, rc,
	       x.nr_exchanged);
}

static void setup(void)
{
	struct {
		unsigned long *extent_start;
		unsigned long nr_extents;
		unsigned int extent_order, mem_flags;
		uint16_t domid;
	} r;
	static unsigned long list[8];
	struct {
		unsigned int max_extents;
		unsigned long *extent_start;
		unsigned int nr_extents;
	} m2p = { 1, list, 0 };
	long rc;

	max_ram_page = (unsigned long)memory_op(XENMEM_maximum_ram_page, NULL);
	/* A frame that is not ours: the M2P's first 2 MiB chunk. */
	if (memory_op(XENMEM_machphys_mfn_list, &m2p) == 0 && m2p.nr_extents)
		foreign_mfn = list[0];
	else
		foreign_mfn = max_ram_page - 1;

	for (unsigned int i = 0; i < SCRATCH_PAGES; i++) {
		scratch_l1e[i] = l1e_maddr(scratch[i]);
		scratch_pte[i] = read_maddr(scratch_l1e[i]);
	}
	guard_l1e = l1e_maddr(argpages[1]);
	guard_pte = read_maddr(guard_l1e);
	pt_walk(l4_mfn(), 4);
	for (unsigned int p = 0; p < pt_n; p++)
		memcpy(pt_copy[p], va_of_mfn(pt_mfn[p]), 4096);
	rc = hypercall_update_va_mapping((unsigned long)argpages[1], 0, UVMF_INVLPG);
	xtest_check(rc == 0, "unmapping the guard page gave %ld", rc);

	/* Frames of our own to map, pin and scribble on. */
	for (unsigned int i = 0; i < 8; i++)
		list[i] = 0x100000 + i;
	r.extent_start = list;
	r.nr_extents = 8;
	r.extent_order = 0;
	r.mem_flags = 0;
	r.domid = DOMID_SELF;
	rc = memory_op(XENMEM_populate_physmap, &r);
	for (long i = 0; i < rc; i++)
		pool_add(list[i]);
	check_exchange_duplicate();
	/* A domain at its maximum gets none: take its last free pages instead,
	 * which nothing maps (the boot mapping covers the first few MiB only). */
	for (unsigned long pfn = xtest_start_info->nr_pages - 1; pool_n < 16 && pfn > 4096; pfn--)
		pool_add(((const unsigned long *)xtest_start_info->mfn_list)[pfn]);
	printk("fuzz: %u pool frames (%ld from populate_physmap), max_ram_page %#lx\n", pool_n, rc,
	       max_ram_page);
	if (!pool_n)
		xtest_skip("no frames to fuzz the MMU with");

	setup_grants();
	memcpy(&si_copy, xtest_start_info, sizeof(si_copy));
	reservation_expected = current_reservation();
	printk("fuzz: %u page-table pages, reservation %ld\n", pt_n, reservation_expected);
}

/* ---- argument generators ---- */

/*
 * The argument page: random bytes that pointer arguments may name in
 * [64, RANDOM_END), structures built for the call in [ARG_FLOOR, 4096), so
 * that what the hypervisor writes through a random pointer (up to 1 KiB,
 * XENVER_commandline) never lands on a structure a later multicall entry
 * reads.
 */
#define RANDOM_END 1024
#define ARG_FLOOR 2048
static unsigned int arg_top; /* bump allocator, downwards from the page end */
static bool used_start_info, restore_traps, restore_callbacks;

static void *arg_alloc(size_t size)
{
	size = (size + 7) & ~7UL;
	if (size > arg_top - ARG_FLOOR)
		size = arg_top - ARG_FLOOR;
	arg_top -= (unsigned int)size;
	return argpages[0] + arg_top;
}

static unsigned long int_arg(void)
{
	switch (below(10)) {
	case 0:
		return 0;
	case 1:
		return ~0UL;
	case 2:
	case 3:
		return below(17);
	case 4:
		return rnd() & 0xffffffff;
	case 5:
		return rnd();
	case 6:
		return (1UL << below(64)) + below(3) - 1;
	case 7:
		return 0x7fffffffUL + below(3);
	case 8:
		return ~0UL >> below(4);
	default:
		return below(256);
	}
}

static unsigned long ptr_arg(void)
{
	switch (below(12)) {
	case 0:
		return 0;
	case 1:
		return ~0UL - below(64);
	case 2:
		return below(4096);
	case 3: /* kernel range, beyond anything mapped */
		return VIRT_BASE + (1UL << 30) + below(1UL << 29);
	case 4: /* the hypervisor's range */
		return HYPERVISOR_VIRT_START + below(HYPERVISOR_VIRT_END - HYPERVISOR_VIRT_START);
	case 5: /* non-canonical */
		return 0x0000800000000000UL + (rnd() & 0x7fff7fffffffffffUL);
	case 6: /* user range, unmapped */
		return rnd() & 0x00007fffffffffffUL;
	case 7: /* own page tables (read-only) */
		return xtest_start_info->pt_base + below(4096);
	case 8: /* start_info: restored after the call */
		used_start_info = true;
		return (unsigned long)xtest_start_info + below(1168);
	case 9: /* the scratch VA */
		return (unsigned long)scratch + below(sizeof(scratch));
	default: /* random bytes in the argument page, the guard after them */
		return (unsigned long)argpages[0] + 64 + below(RANDOM_END - 64);
	}
}

/* A frame number that is never one of our ordinary (code/data) frames. */
static unsigned long mfn_arg_pt(bool allow_pt)
{
	switch (below(8)) {
	case 0:
	case 1:
	case 2:
		return pool_n ? pool[below(pool_n)] : max_ram_page;
	case 3:
		if (allow_pt)
			return pt_mfn[below(pt_n)];
		return foreign_mfn;
	case 4:
		return foreign_mfn + below(512);
	case 5:
		return max_ram_page + below(16);
	case 6:
		return rnd() & ((1UL << 40) - 1) ? rnd() | (1UL << 40) : ~0UL;
	default:
		return ~0UL - below(2);
	}
}

static unsigned long mfn_arg(void)
{
	return mfn_arg_pt(true);
}

static uint64_t pte_arg(void)
{
	uint64_t flags = chance(70)
			     ? (PTE_P | (chance(50) ? PTE_RW : 0) | (chance(50) ? PTE_US : 0))
			     : (rnd() & 0x8000000000000fffUL);

	if (chance(5))
		return rnd();
	if (chance(5))
		return 0;
	return (mfn_arg() << 12) | flags;
}

/* Virtual addresses that map nothing of ours (and never will). */
static unsigned long bad_vaddr(void)
{
	switch (below(4)) {
	case 0:
		return HYPERVISOR_VIRT_START + (below(1UL << 43) & ~4095UL);
	case 1:
		return 0x0000800000000000UL + below(1UL << 40);
	case 2:
		return VIRT_BASE + (1UL << 30) + (below(1UL << 29) & ~4095UL);
	default:
		return rnd() & 0x00007ffffffff000UL;
	}
}

/* Virtual addresses update_va_mapping may target: never our own mappings. */
static unsigned long vaddr_arg(void)
{
	switch (below(8)) {
	case 0:
		return HYPERVISOR_VIRT_START + (below(1UL << 43) & ~4095UL);
	case 1:
		return 0x0000800000000000UL + below(1UL << 40);
	case 2:
		return VIRT_BASE + (1UL << 30) + (below(1UL << 29) & ~4095UL);
	case 3:
		return rnd() & 0x00007ffffffff000UL;
	default:
		return (unsigned long)scratch[below(SCRATCH_PAGES)] +
		       (chance(10) ? below(4096) : 0);
	}
}

static unsigned long count_arg(unsigned long small)
{
	if (chance(85))
		return 1 + below(small);
	return chance(50) ? int_arg() : (1UL << (20 + below(44)));
}

static unsigned long domid_arg(void)
{
	switch (below(6)) {
	case 0:
		return 0;
	case 1: /* as a domU: often a neighbour (dom0 is 0, the test's other domUs 1-2) */
		return chance(50) ? below(4) : below(0x10000);
	case 2:
		return 0x7ff0 + below(16);
	default:
		return DOMID_SELF;
	}
}

/* Fill the rest of the argument page with random bytes. */
static void fill_random(void)
{
	uint64_t *p = (uint64_t *)argpages[0];

	for (unsigned int i = 0; i < 4096 / 8; i++)
		p[i] = rnd();
	if (chance(30))
		for (unsigned int i = 0; i < 4096 / 8; i += 1 + below(4))
			p[i] = below(3) == 0 ? (uint64_t)int_arg() : (uint64_t)ptr_arg();
}

/* ---- one call ---- */

struct call {
	unsigned long nr, a[6];
	/* memory_op bookkeeping */
	bool grow;
	unsigned long *list;
	unsigned int order;
	long res_before;
	/* grant maps to undo */
	struct gnt_map *gnt;
	unsigned int gnt_n;
};

struct multicall_entry {
	unsigned long op, result, args[6];
};

static unsigned int tls_pick_nr(bool nested);
static void build(struct call *c, bool nested);

static void build_mmu_update(struct call *c)
{
	unsigned int n = 1 + (unsigned int)below(6);
	uint64_t *req = arg_alloc(n * 16);

	for (unsigned int i = 0; i < n; i++) {
		if (chance(15)) {
			/* MMU_MACHPHYS_UPDATE on our own pool frames only */
			req[2 * i] = (mfn_arg_pt(false) << 12) | 1;
			req[2 * i + 1] = rnd() & (chance(50) ? 0xfffff : ~0UL);
			continue;
		}
		/* normal, preserve-A/D or no-translate updates of our scratch L1 entries */
		req[2 * i] = scratch_l1e[below(SCRATCH_PAGES)] | (chance(60) ? 0 : 2 + below(2));
		req[2 * i + 1] = pte_arg();
	}
	c->a[0] = chance(90) ? (unsigned long)req : ptr_arg();
	c->a[1] = chance(90) ? n : count_arg(8);
	c->a[2] = chance(50) ? (unsigned long)arg_alloc(8) : (chance(50) ? 0 : ptr_arg());
	c->a[3] = domid_arg();
	/* a random-bytes list has random machine addresses: never ours */
	if (c->a[0] != (unsigned long)req && c->a[0] >= (unsigned long)argpages[0] &&
	    c->a[0] < (unsigned long)argpages[1])
		c->a[1] = below(4);
	if (c->a[0] >= xtest_start_info->pt_base && c->a[0] < xtest_start_info->pt_base + 4096)
		c->a[0] = 0; /* our L4's entries read as requests would name our tables */
	if (c->a[0] >= (unsigned long)xtest_start_info &&
	    c->a[0] < (unsigned long)xtest_start_info + 4096)
		c->a[0] = 0;
}

static void build_mmuext(struct call *c)
{
	unsigned int n = 1 + (unsigned int)below(4);
	struct mmuext {
		unsigned int cmd;
		unsigned long arg1, arg2;
	} *op = arg_alloc(n * sizeof(*op));

	for (unsigned int i = 0; i < n; i++) {
		op[i].cmd = chance(95) ? (unsigned int)below(21) : (unsigned int)rnd();
		op[i].arg1 = mfn_arg();
		op[i].arg2 = chance(50) ? mfn_arg() : int_arg();
		switch (op[i].cmd) {
		case MMUEXT_NEW_BASEPTR: /* only frames that can never validate as an L4 */
			op[i].arg1 = chance(50) ? max_ram_page + below(16) : foreign_mfn;
			break;
		case 6 ... 12: /* flushes: linear addresses and vCPU masks */
			op[i].arg1 = chance(50) ? vaddr_arg() : ptr_arg();
			op[i].arg2 = ptr_arg();
			break;
		case MMUEXT_SET_LDT:
			op[i].arg1 = ptr_arg();
			op[i].arg2 = count_arg(16);
			break;
		case MMUEXT_COPY_PAGE:
			op[i].arg2 = chance(50) ? mfn_arg() : (unsigned long)below(max_ram_page);
			break;
		}
	}
	c->a[0] = chance(90) ? (unsigned long)op : ptr_arg();
	c->a[1] = chance(90) ? n : count_arg(8);
	c->a[2] = chance(50) ? (unsigned long)arg_alloc(8) : (chance(50) ? 0 : ptr_arg());
	c->a[3] = domid_arg();
	if (c->a[0] != (unsigned long)op) {
		/* random bytes or our own memory read as ops: the command would be
		 * random; keep ops on our own data (start_info, tables) out */
		if (c->a[0] >= (unsigned long)argpages[0] && c->a[0] < (unsigned long)argpages[1])
			c->a[1] = below(4);
		else if (!(c->a[0] >= HYPERVISOR_VIRT_START && c->a[0] < HYPERVISOR_VIRT_END))
			c->a[0] = 0;
	}
}

static void build_memory_op(struct call *c)
{
	unsigned int cmd = chance(70) ? (unsigned int)below(29) : (unsigned int)int_arg();
	struct reservation {
		unsigned long *extent_start;
		unsigned long nr_extents;
		unsigned int extent_order, mem_flags;
		uint16_t domid;
	} * r;
	unsigned long *list;
	unsigned int n = (unsigned int)below(5);

	list = arg_alloc(8 * 8);
	r = arg_alloc(sizeof(*r));
	for (unsigned int i = 0; i < 8; i++)
		list[i] = chance(50) ? below(1UL << 20) : rnd();
	if ((cmd & 63) != XENMEM_increase_reservation && (cmd & 63) != XENMEM_populate_physmap)
		for (unsigned int i = 0; i < 8; i++)
			list[i] = mfn_arg_pt(false); /* frames to give back: never in use */
	r->extent_start = chance(85) ? list : (unsigned long *)ptr_arg();
	if ((unsigned long)r->extent_start == (unsigned long)xtest_start_info->pt_base)
		r->extent_start = NULL;
	r->nr_extents = chance(90) ? n : count_arg(8);
	r->extent_order =
	    chance(80) ? 0 : (chance(50) ? (unsigned int)below(12) : (unsigned int)rnd());
	r->mem_flags = chance(80) ? 0 : (unsigned int)rnd();
	r->domid = (uint16_t)domid_arg();
	if (chance(10))
		cmd |= (unsigned int)(below(8) << 6); /* a continuation's start extent */
	c->a[0] = cmd;
	c->a[1] = chance(90) ? (unsigned long)r : ptr_arg();
	if (((cmd & 63) == XENMEM_increase_reservation || (cmd & 63) == XENMEM_populate_physmap) &&
	    c->a[1] == (unsigned long)r) {
		/* huge counts only through the guard; never more than a few MiB */
		if (r->extent_start != list)
			r->extent_start =
			    chance(50) ? NULL : (unsigned long *)HYPERVISOR_VIRT_START;
		if (r->extent_order > 9 && r->extent_order < 64)
			r->extent_order = 9;
		if (r->nr_extents > 8 && r->extent_start == NULL)
			r->nr_extents = 8;
		c->grow = true;
		c->list = r->extent_start;
		c->order = r->extent_order;
	} else if (c->a[1] != (unsigned long)r && (cmd & 63) != 3 && (cmd & 63) != 4 &&
		   (cmd & 63) != 14) {
		/* other ops read structures naming frames: only unreadable pointers */
		static const unsigned long bad[] = { HYPERVISOR_VIRT_START, 0x8000000000000000UL,
						     VIRT_BASE + (1UL << 30), 0 };

		c->a[1] = bad[below(4)] + (below(512) << 3);
	}
}

static void build_multicall(struct call *c, bool nested)
{
	unsigned int n = 1 + (unsigned int)below(6);
	struct multicall_entry *e = arg_alloc(n * sizeof(*e));

	if (nested) {
		c->a[0] = ptr_arg();
		c->a[1] = 0;
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		struct call sub = { 0 };

		build(&sub, true);
		e[i].op = sub.nr;
		e[i].result = rnd();
		for (unsigned int j = 0; j < 6; j++)
			e[i].args[j] = sub.a[j];
	}
	c->a[0] = chance(90) ? (unsigned long)e : ptr_arg();
	c->a[1] = chance(90) ? n : count_arg(8);
	if (c->a[0] != (unsigned long)e && c->a[0] >= VIRT_BASE &&
	    c->a[0] < VIRT_BASE + (1UL << 30))
		c->a[1] =
		    c->a[0] >= (unsigned long)argpages[0] && c->a[0] < (unsigned long)argpages[1]
			? below(3)
			: 0;
}

struct gnt_map {
	uint64_t host_addr;
	uint32_t flags, ref;
	uint16_t dom;
	int16_t status;
	uint32_t handle;
	uint64_t dev_bus_addr;
};

struct gnt_unmap {
	uint64_t host_addr, dev_bus_addr;
	uint32_t handle;
	int16_t status;
};

static uint32_t gref_arg(void)
{
	return (uint32_t)(chance(85) ? below(20) : rnd());
}

static void build_gnt_ptr(unsigned long *gmfn_or_ref, uint16_t *domid, uint16_t *offset, bool gref)
{
	*gmfn_or_ref = gref ? gref_arg() : mfn_arg_pt(false);
	*domid = (uint16_t)domid_arg();
	*offset = (uint16_t)(chance(80) ? below(4096) : rnd());
}

static void build_grant(struct call *c, bool nested)
{
	unsigned long *a = c->a;
	unsigned int n = 1 + (unsigned int)below(3);
	unsigned int cmd = chance(90) ? (unsigned int)below(14) : (unsigned int)int_arg();

	a[0] = cmd;
	a[2] = chance(85) ? n : count_arg(4);
	if (nested || cmd == GNTTABOP_transfer) { /* transfer gives frames away */
		a[1] = HYPERVISOR_VIRT_START + below(1UL << 30);
		return;
	}
	switch (cmd) {
	case GNTTABOP_map_grant_ref: {
		struct gnt_map *m = arg_alloc(n * sizeof(*m));

		unsigned int k0 = (unsigned int)below(SCRATCH_PAGES);

		/* one PTE per op: a second grant map over a granted PTE would
		 * implicitly unmap it, which Xen punishes with a domain crash */
		for (unsigned int i = 0; i < n; i++) {
			unsigned int k = (k0 + i) % SCRATCH_PAGES;

			m[i].flags = chance(80) ? GNTMAP_host_map | (chance(50) ? 4 : 0)
						: (uint32_t)(chance(80) ? below(32) : rnd());
			if (m[i].flags & GNTMAP_contains_pte)
				m[i].host_addr =
				    chance(90) ? scratch_l1e[k] : (mfn_arg_pt(false) << 12);
			else
				m[i].host_addr =
				    chance(90) ? (unsigned long)scratch[k] : bad_vaddr();
			m[i].ref = gref_arg();
			m[i].dom = (uint16_t)(chance(80) ? self_id : domid_arg());
			m[i].status = 1;
			m[i].handle = (uint32_t)rnd();
		}
		a[1] = (unsigned long)m;
		c->gnt = m;
		c->gnt_n = n;
		return;
	}
	case GNTTABOP_unmap_grant_ref:
	case GNTTABOP_unmap_and_replace: {
		struct gnt_unmap *u = arg_alloc(n * sizeof(*u));

		for (unsigned int i = 0; i < n; i++) {
			u[i].host_addr = vaddr_arg();
			u[i].dev_bus_addr = cmd == GNTTABOP_unmap_and_replace ? vaddr_arg() : rnd();
			u[i].handle = (uint32_t)(chance(80) ? below(16) : rnd());
		}
		a[1] = chance(90) ? (unsigned long)u : ptr_arg();
		break;
	}
	case GNTTABOP_copy: {
		struct gnt_copy {
			unsigned long src;
			uint16_t src_dom, src_off;
			unsigned long dst;
			uint16_t dst_dom, dst_off;
			uint16_t len, flags;
			int16_t status;
		} *cp = arg_alloc(n * sizeof(*cp));
		_Static_assert(sizeof(*cp) == 40, "gnttab_copy is 40 bytes");

		for (unsigned int i = 0; i < n; i++) {
			cp[i].flags = (uint16_t)(chance(90) ? below(4) : rnd());
			build_gnt_ptr(&cp[i].src, &cp[i].src_dom, &cp[i].src_off, cp[i].flags & 1);
			build_gnt_ptr(&cp[i].dst, &cp[i].dst_dom, &cp[i].dst_off, cp[i].flags & 2);
			/* a frame destination is one of our pool frames, never our own data */
			if (!(cp[i].flags & 2) && cp[i].dst < max_ram_page && chance(50))
				cp[i].dst = foreign_mfn;
			cp[i].len = (uint16_t)(chance(80) ? below(4200) : rnd());
		}
		a[1] = chance(90) ? (unsigned long)cp : ptr_arg();
		break;
	}
	case GNTTABOP_set_version: {
		uint32_t *v = arg_alloc(8);

		*v = (uint32_t)(chance(80) ? 1 : int_arg());
		a[1] = chance(90) ? (unsigned long)v : ptr_arg();
		break;
	}
	default: { /* setup_table, query_size, get/status ops, swap, cache_flush */
		uint16_t *q = arg_alloc(32);
		unsigned long *frames = arg_alloc(8 * 8);

		q[0] = (uint16_t)(chance(70) ? DOMID_SELF : domid_arg());
		for (unsigned int i = 1; i < 8; i++)
			q[i] = (uint16_t)(chance(70) ? below(8) : rnd());
		((uint64_t *)q)[2] = chance(80) ? (unsigned long)frames : ptr_arg();
		if (((uint64_t *)q)[2] >= (unsigned long)xtest_start_info &&
		    ((uint64_t *)q)[2] < (unsigned long)xtest_start_info + 4096)
			used_start_info = true;
		a[1] = chance(90) ? (unsigned long)q : ptr_arg();
		break;
	}
	}
}

/* Undo the grant mappings a call made, at once (Xen kills a domain that
 * overwrites a granted PTE with an ordinary update). */
static void unmap_grants(const struct call *c, long rc, bool trace)
{
	for (unsigned int i = 0; i < c->gnt_n; i++) {
		const struct gnt_map *m = &c->gnt[i];
		struct gnt_unmap u;
		long r;

		if (trace)
			printk("  map %u: ref %u dom %#x flags %#x at %#lx: status %d\n", i, m->ref,
			       m->dom, m->flags, (unsigned long)m->host_addr, m->status);
		if (m->status != 0)
			continue;
		gnt_maps++;
		u.host_addr = m->flags & GNTMAP_host_map ? m->host_addr : 0;
		u.dev_bus_addr = m->flags & GNTMAP_device_map ? m->dev_bus_addr : 0;
		u.handle = m->handle;
		u.status = 1;
		r = hypercall(HC_grant_table_op, GNTTABOP_unmap_grant_ref, (unsigned long)&u, 1, 0,
			      0);
		if (r || u.status) {
			xtest_fail("unmapping grant ref %u (flags %#x at %#lx, handle %u) gave %ld "
				   "status %d; the map call returned %ld",
				   m->ref, m->flags, (unsigned long)m->host_addr, m->handle, r,
				   u.status, rc);
		}
	}
}

static void build(struct call *c, bool nested)
{
	unsigned long *a = c->a;

	c->nr = tls_pick_nr(nested);
	for (unsigned int i = 0; i < 6; i++)
		a[i] = chance(50) ? int_arg() : ptr_arg();

	switch (c->nr) {
	case 0: /* set_trap_table */
		a[0] = ptr_arg();
		restore_traps = true;
		break;
	case 1:
		build_mmu_update(c);
		break;
	case 2: { /* set_gdt, never with our own frames */
		unsigned long *f = arg_alloc(16 * 8);

		for (unsigned int i = 0; i < 16; i++)
			f[i] = mfn_arg();
		a[0] = chance(80) ? (unsigned long)f : ptr_arg();
		a[1] = count_arg(16);
		if (a[0] != (unsigned long)f && a[0] >= VIRT_BASE &&
		    a[0] < VIRT_BASE + (1UL << 30) &&
		    !(a[0] >= (unsigned long)argpages[0] && a[0] < (unsigned long)argpages[1]))
			a[1] = 0;
		break;
	}
	case 4:	 /* set_callbacks */
	case 30: /* callback_op */
		restore_callbacks = true;
		if (c->nr == 30) {
			struct {
				uint16_t type, flags;
				unsigned long address;
			} *cb = arg_alloc(16);

			cb->type = (uint16_t)(chance(90) ? below(8) : rnd());
			cb->flags = (uint16_t)below(4);
			cb->address = chance(50) ? VIRT_BASE + below(1UL << 30) : ptr_arg();
			a[0] = below(3);
			a[1] = chance(85) ? (unsigned long)cb : ptr_arg();
		}
		break;
	case 5: /* fpu_taskswitch */
		a[0] = below(3);
		break;
	case 6: /* sched_op_compat: yield, or unknown ops */
		a[0] = chance(60) ? 0 : 3 + below(100);
		break;
	case 8: /* set_debugreg: nothing enabled */
		a[0] = below(8);
		if (a[0] == 7 || a[0] == 4 || a[0] == 5)
			a[1] = 0;
		break;
	case 10: /* update_descriptor: pool frames or frames not ours */
		a[0] = (mfn_arg() << 12) + (chance(80) ? below(512) * 8 : below(4096));
		for (unsigned int p = 0; p < pt_n; p++)
			if (a[0] >> 12 == pt_mfn[p])
				a[0] = (max_ram_page << 12) + 8;
		a[1] = chance(50) ? rnd() : 0x00cf9a000000ffffUL ^ (rnd() & 0x00f0ff0000000000UL);
		break;
	case 12:
		build_memory_op(c);
		break;
	case 13:
		build_multicall(c, nested);
		break;
	case 14: /* update_va_mapping */
	case 22: /* update_va_mapping_otherdomain */
		a[0] = vaddr_arg();
		a[1] = pte_arg();
		a[2] = chance(70) ? below(3) : (chance(50) ? (ptr_arg() & ~7UL) : rnd());
		a[3] = domid_arg();
		break;
	case 17: /* xen_version */
		a[0] = chance(80) ? below(10) : int_arg();
		a[1] = ptr_arg();
		break;
	case 18: /* console_io */
		a[0] = chance(80) ? below(2) : int_arg();
		if (chance(60)) {
			/* seldom anything to print, to keep the log readable */
			a[2] = chance(70) ? (unsigned long)console_text : (unsigned long)scratch;
			a[1] = chance(3) ? below(sizeof(console_text)) : 0;
			if ((unsigned int)a[0] == CONSOLEIO_read)
				a[1] = below(64);
		} else {
			a[2] = ptr_arg();
			a[1] = count_arg(64);
			if (a[2] >= VIRT_BASE && a[2] < VIRT_BASE + (1UL << 30) && a[1] > 64)
				a[1] = 64;
			if ((unsigned int)a[0] == CONSOLEIO_write && a[2] >= VIRT_BASE &&
			    a[2] < VIRT_BASE + (1UL << 30))
				a[2] = (unsigned long)console_text, a[1] = chance(3) ? 8 : 0;
		}
		break;
	case 21: /* vm_assist */
		a[0] = below(3);
		a[1] = chance(80) ? below(6) : int_arg();
		/* m2p_strict: Xen then takes the M2P out of a user L4, which may be our own L4 */
		if ((unsigned int)a[1] == VMASST_TYPE_m2p_strict)
			a[1] = below(6);
		break;
	case 24: { /* vcpu_op */
		unsigned long *area = arg_alloc(16);

		a[0] = chance(85) ? below(15) : int_arg();
		a[1] = chance(70) ? 0 : int_arg();
		/* command and vCPU id are 32-bit on Xen */
		if (((unsigned int)a[0] == VCPUOP_down || (unsigned int)a[0] == VCPUOP_send_nmi) &&
		    (unsigned int)a[1] == 0)
			a[1] = 1 + below(40);
		area[0] = chance(50) ? (unsigned long)scratch[below(SCRATCH_PAGES)] + below(4000)
				     : ptr_arg();
		area[1] = rnd();
		if (area[0] >= (unsigned long)xtest_start_info &&
		    area[0] < (unsigned long)xtest_start_info + 4096)
			area[0] = (unsigned long)scratch;
		a[2] = chance(80) ? (unsigned long)area : ptr_arg();
		if (((unsigned int)a[0] == VCPUOP_register_runstate_memory_area ||
		     (unsigned int)a[0] == VCPUOP_register_vcpu_time_memory_area) &&
		    a[2] != (unsigned long)area)
			a[2] = HYPERVISOR_VIRT_START + 64;
		break;
	}
	case 25: /* set_segment_base */
		a[0] = chance(90) ? below(4) : int_arg();
		a[1] = chance(50) ? below(0x10000) : int_arg();
		break;
	case 26:
		build_mmuext(c);
		break;
	case HC_grant_table_op:
		build_grant(c, nested);
		break;
	case 29: { /* sched_op: yield, poll with a timeout, unknown ops */
		struct {
			uint32_t *ports;
			unsigned int nr_ports;
			uint64_t timeout;
		} *poll = (void *)poll_buf;
		uint32_t *ports = (uint32_t *)(poll_buf + 32);

		for (unsigned int i = 0; i < 4; i++)
			ports[i] = (uint32_t)(chance(80) ? below(16) : rnd());
		poll->ports = chance(80) ? ports : (uint32_t *)ptr_arg();
		poll->nr_ports = (unsigned int)(chance(80) ? below(5) : int_arg());
		poll->timeout = 1 + below(1000); /* in the past: returns at once */
		switch (below(5)) {
		case 0:
			a[0] = SCHEDOP_yield;
			break;
		case 1:
		case 2:
			a[0] = SCHEDOP_poll;
			a[1] = (unsigned long)poll;
			break;
		case 3: /* these three only with a pointer that cannot be read */
			a[0] = SCHEDOP_shutdown + below(5);
			if (a[0] == SCHEDOP_poll)
				a[0] = SCHEDOP_watchdog;
			a[1] = HYPERVISOR_VIRT_START + below(1UL << 30);
			break;
		default:
			a[0] = chance(50) ? 7 + below(20) : int_arg();
			/* Xen reads the command as an int: check its low 32 bits */
			if ((unsigned int)a[0] <= SCHEDOP_watchdog)
				a[0] = 7;
			break;
		}
		break;
	}
	case 32:   /* event_channel_op */
	case 16: { /* event_channel_op_compat */
		uint32_t *ev = arg_alloc(32);

		for (unsigned int i = 0; i < 8; i++)
			ev[i] = (uint32_t)(chance(70) ? below(32) : rnd());
		if (chance(50))
			ev[0] = (uint32_t)(chance(50) ? DOMID_SELF : 0);
		if (c->nr == 16) {
			ev[0] = (uint32_t)below(16);
			a[0] = chance(85) ? (unsigned long)ev : ptr_arg();
		} else {
			a[0] = chance(90) ? below(16) : int_arg();
			a[1] = chance(85) ? (unsigned long)ev : ptr_arg();
		}
		break;
	}
	case 33: { /* physdev_op: all but apic_write (dom0 may reprogram the IO-APIC) */
		static const unsigned char ok[] = { 5,	6,  8,	10, 12, 13, 14, 15, 16,
						    17, 20, 21, 23, 24, 25, 26, 28 };
		uint32_t *p = arg_alloc(48);

		for (unsigned int i = 0; i < 12; i++)
			p[i] = (uint32_t)(chance(70) ? below(24) : rnd());
		a[0] = chance(85) ? ok[below(sizeof(ok))] : 32 + below(1000);
		if (a[0] == 13 || a[0] == 14) /* map/unmap_pirq: domid first */
			p[0] = (uint32_t)(chance(70) ? DOMID_SELF : domid_arg());
		if (a[0] == 17 || a[0] == 28) /* pirq_eoi_gmfn: never one of our own frames */
			*(uint64_t *)p = mfn_arg_pt(false);
		a[1] = chance(85) ? (unsigned long)p : ptr_arg();
		break;
	}
	case 7: /* platform_op, sysctl, domctl: a random interface version */
	case 35:
	case 36:
	case 28: /* nmi_op */
		a[0] = chance(50) ? (unsigned long)arg_alloc(64) : ptr_arg();
		break;
	default:
		break;
	}
}

/* Hypercall numbers that end or wreck the test are never picked. */
static bool excluded(unsigned long nr)
{
	return nr == 23 /* iret */ || nr == 37 /* kexec_op */ || nr == 41 /* dm_op */;
}

static unsigned int tls_pick_nr(bool nested)
{
	static const unsigned char common[] = { 20, 20, 20, 0,	1,  1,	2,  3,	4,  5,	6,
						10, 12, 12, 13, 14, 14, 15, 16, 17, 18, 21,
						22, 24, 24, 25, 26, 26, 29, 30, 32, 32, 33 };
	unsigned long nr;

	do {
		if (chance(80))
			nr = common[below(sizeof(common))];
		else if (chance(80))
			nr = below(64);
		else
			nr = chance(50) ? 64 + below(200) : rnd();
	} while (excluded(nr) || (nested && nr == 13 && chance(50)));
	return (unsigned int)(nr > 0xffffffffUL ? 0xffffffffU : nr);
}

/* ---- statistics ---- */

static unsigned long hist_err[128], hist_zero, hist_pos, hist_other, calls_done;

static void count_rc(long rc)
{
	if (rc == 0)
		hist_zero++;
	else if (rc > 0)
		hist_pos++;
	else if (rc > -128)
		hist_err[-rc]++;
	else
		hist_other++;
}

static void print_call(unsigned long i, const struct call *c, long rc)
{
	printk("call %lu: hc %lu (%#lx, %#lx, %#lx, %#lx, %#lx) = %ld\n", i, c->nr, c->a[0],
	       c->a[1], c->a[2], c->a[3], c->a[4], rc);
	/* a multicall's entries, when they are ours */
	if (c->nr == HC_multicall && c->a[0] >= (unsigned long)argpages[0] &&
	    c->a[0] < (unsigned long)argpages[1]) {
		const struct multicall_entry *e = (const struct multicall_entry *)c->a[0];

		for (unsigned long k = 0; k < c->a[1] && k < 8 &&
					  (unsigned long)(e + k + 1) <= (unsigned long)argpages[1];
		     k++)
			printk("  entry %lu: hc %lu (%#lx, %#lx, %#lx, %#lx, %#lx)\n", k, e[k].op,
			       e[k].args[0], e[k].args[1], e[k].args[2], e[k].args[3],
			       e[k].args[4]);
	}
}

/* ---- putting things back ---- */

static void restore_state(void)
{
	if (restore_traps) {
		xtest_install_traps();
		restore_traps = false;
	}
	if (restore_callbacks) {
		hypercall(HC_set_callbacks, 0, 0, 0, 0, 0);
		restore_callbacks = false;
	}
}

static void final_cleanup(void)
{
	struct {
		unsigned int cmd;
		unsigned long arg1, arg2;
	} op;
	unsigned long area = 0;

	restore_traps = restore_callbacks = true;
	restore_state();
	hypercall(HC_fpu_taskswitch, 0, 0, 0, 0, 0);
	hypercall(HC_set_gdt, 0, 0, 0, 0, 0);
	hypercall(HC_vcpu_op, VCPUOP_register_runstate_memory_area, 0, (unsigned long)&area, 0, 0);
	hypercall(HC_vcpu_op, VCPUOP_register_vcpu_time_memory_area, 0, (unsigned long)&area, 0, 0);
	op = (typeof(op)){ MMUEXT_SET_LDT, 0, 0 };
	hypercall(HC_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	op = (typeof(op)){ MMUEXT_NEW_USER_BASEPTR, 0, 0 };
	hypercall(HC_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	/* scratch VA and the guard page back to their boot frames */
	for (unsigned int i = 0; i < SCRATCH_PAGES; i++)
		hypercall_update_va_mapping((unsigned long)scratch[i], scratch_pte[i], UVMF_INVLPG);
	hypercall_update_va_mapping((unsigned long)argpages[1], guard_pte, UVMF_INVLPG);
	if (gnt_ok) {
		uint32_t v1 = 1;

		memset(gnt_page, 0, 16 * sizeof(struct grant_v1));
		hypercall(HC_grant_table_op, GNTTABOP_set_version, (unsigned long)&v1, 1, 0, 0);
	}
	hypercall_update_va_mapping((unsigned long)gnt_page, gnt_pte, UVMF_INVLPG);
	for (unsigned int i = 0; i < pool_n; i++) {
		op = (typeof(op)){ MMUEXT_UNPIN_TABLE, pool[i], 0 };
		hypercall(HC_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	}
}

/*
 * The reservation changes only in memory_op (and multicalls), by what they
 * report, with one exception: a pool frame given back while still mapped,
 * pinned or granted stays counted until its last reference goes, which a
 * later unrelated call may drop (Xen frees it then; Petrel cannot shrink a
 * domain yet). Lists given to shrinking ops only ever name pool frames, so
 * at most pool_n frames can leave that way between two checks. Not over the
 * whole run: a frame freed so may come back from a later populate (the
 * allocator hands recent frames out again) and leave late once more.
 */
static unsigned long late_frees;

static bool reservation_ok(void)
{
	long res = current_reservation();

	if (res == reservation_expected)
		return true;
	if (res > reservation_expected || reservation_expected - res > (long)pool_n)
		return false;
	late_frees += (unsigned long)(reservation_expected - res);
	reservation_expected = res;
	return true;
}

static volatile unsigned long code_probe;

static __attribute__((noinline)) unsigned long own_code(unsigned long x)
{
	return x * 3 + 1;
}

void test_main(void)
{
	unsigned long seed = arg_num("seed=", 1), ncalls = arg_num("calls=", 20000);
	unsigned long trace = arg_num("trace=", ~0UL);
	unsigned int bad_pt = 0;
	long rc, res;

	printk("fuzz: seed %lu calls %lu (replay with \"seed=%lu calls=%lu\")\n", seed, ncalls,
	       seed, ncalls);
	rng_state = seed;
	self_id = (uint16_t)arg_num("domid=", 0);
	setup();

	for (unsigned long i = 0; i < ncalls; i++) {
		struct call c = { 0 };

		arg_top = 4096;
		used_start_info = false;
		if ((i & 15) == 0)
			fill_random();
		build(&c, false);
		if (c.nr == HC_memory_op || c.nr == HC_multicall)
			c.res_before = current_reservation();
		if (i >= trace)
			print_call(i, &c, 0);
		rc = hypercall(c.nr, c.a[0], c.a[1], c.a[2], c.a[3], c.a[4]);
		calls_done++;
		count_rc(rc);
		/* no errno (get_debugreg returns register values): show the call */
		if (rc <= -128 && c.nr != 9 && hist_other <= 4) {
			printk("fuzz: odd return value:\n");
			print_call(i, &c, rc);
		}
		if (c.nr == HC_multicall || c.nr == 0 || c.nr == 4 || c.nr == 30)
			restore_state();
		if (c.gnt_n)
			unmap_grants(&c, rc, i >= trace);
		if (c.grow) {
			long after = current_reservation();
			/* a continuation's start extent (cmd bits 6+) counts as done */
			long start = (long)(c.a[0] >> 6);
			long done = rc > start ? rc - start : 0;
			unsigned int o = c.order > 20 ? 20 : c.order; /* huge orders are refused */
			long lo = done << o, hi = (done + 1) << o;

			/* a frame whose MFN could not be written back is still ours */
			if (after - c.res_before < lo || after - c.res_before > hi) {
				xtest_fail(
				    "memory_op grew the reservation %ld -> %ld after %ld extents "
				    "of order %u",
				    c.res_before, after, done, c.order);
				print_call(i, &c, rc);
			}
			if (c.list && (unsigned long)c.list >= (unsigned long)argpages[0] &&
			    (unsigned long)c.list < (unsigned long)argpages[1])
				for (long k = 0; k < done && k < 8 && c.order == 0; k++)
					pool_add(c.list[k]);
		}
		if (c.nr == HC_memory_op || c.nr == HC_multicall)
			reservation_expected += current_reservation() - c.res_before;
		if (memcmp(&si_copy, xtest_start_info, sizeof(si_copy))) {
			if (!used_start_info) {
				xtest_fail(
				    "start_info changed by a call not given a pointer to it");
				print_call(i, &c, rc);
			}
			memcpy(xtest_start_info, &si_copy, sizeof(si_copy));
		}
		if ((i & 255) == 255 || i + 1 == ncalls) {
			unsigned int b = pt_check(false);

			if (b) {
				print_call(i, &c, rc);
				bad_pt += b;
				xtest_exit();
			}
			if (!reservation_ok()) {
				xtest_fail("reservation %ld, accounted %ld, after call %lu",
					   current_reservation(), reservation_expected, i);
				print_call(i, &c, rc);
			}
			if (hypercall_xen_version(XENVER_version, NULL) != 0x00040011) {
				xtest_fail("xen_version stopped answering after call %lu", i);
				print_call(i, &c, rc);
				xtest_exit();
			}
		}
	}

	final_cleanup();
	/* The domain after the run. */
	code_probe = own_code(code_probe + 13);
	xtest_check(code_probe == 40, "own code computed %lu", code_probe);
	xtest_check(!memcmp(&si_copy, xtest_start_info, sizeof(si_copy)), "start_info changed");
	bad_pt += pt_check(true);
	xtest_check(!bad_pt, "%u page-table entries changed", bad_pt);
	xtest_check(reservation_ok(), "reservation %ld, accounted %ld", current_reservation(),
		    reservation_expected);
	res = current_reservation();
	rc = hypercall_xen_version(XENVER_version, NULL);
	xtest_check(rc == 0x00040011, "xen_version answered %#lx", rc);

	printk("fuzz: %lu calls: 0: %lu, >0: %lu, other: %lu", calls_done, hist_zero, hist_pos,
	       hist_other);
	for (unsigned int e = 1; e < 128; e++)
		if (hist_err[e])
			printk(", -%u: %lu", e, hist_err[e]);
	printk("\n");
	printk("fuzz: reservation %ld (accounted %ld), %u pool frames (%lu freed late), %lu grant "
	       "maps made and undone\n",
	       res, reservation_expected, pool_n, late_frees, gnt_maps);
}
