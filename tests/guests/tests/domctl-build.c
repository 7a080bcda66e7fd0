/*
 * The control domain as a tiny domain builder, the way libxenctrl and
 * libxenguest 4.17 build a PV guest: createdomain (born paused, the id
 * picked by the hypervisor), max_vcpus, max_mem, setdomainhandle,
 * set_address_size, populate_physmap on the new domain (the MFNs come
 * back), its page tables and a few instructions written through foreign
 * mappings, hypercall_init, a pin of its L4 with foreigndom,
 * getpageframeinfo3, setvcpucontext, unpause. The guest checks that it may
 * not use domctl or another domain's memory, computes a value from one the
 * builder left it and shuts down with SHUTDOWN_reboot; the builder reads
 * both back, destroys the domain while it still maps the guest's data page
 * and shared_info (both keep their contents and stay out of the free pages
 * until unmapped), unmaps them and checks that physinfo's free pages are
 * back to the page (counted before the first refusal, so the refusals
 * lose nothing either). Between the steps, the refusals with Xen's errors:
 * wrong interface version, bad configurations, a taken id, an unknown id,
 * a frame that is not the domain's, a frame that is a page table, memory
 * past max_mem. The building blocks are tests/guests/lib/builder.c's.
 */
#include "builder.h"

TEST_HV_ARGS("dom0_mem=64M");

#define PFINFO_L1TAB (0x1u << 28)
#define PFINFO_L2TAB (0x2u << 28)
#define PFINFO_L3TAB (0x3u << 28)
#define PFINFO_L4TAB (0x4u << 28)
#define PFINFO_LPINTAB (0x1u << 31)
#define PFINFO_TYPE_MASK (0xfu << 28)
#define XEN_DOMCTL_CDF_hap (1u << 1)
#define CR4_FSGSBASE (1UL << 16)
#define XEN_X86_EMU_LAPIC 1u
#define XEN_VCPUAFFINITY_HARD 1u
#define XEN_VCPUAFFINITY_SOFT 2u

/* The guest: the builder library's tiny domain (builder.h) with its own code. */
#define NR_PAGES BUILDER_PAGES
#define GVA(pfn) TINY_GVA(pfn)
/* The data page: what the builder leaves and the guest answers. */
#define D_INPUT 0x00	      /* builder: a value */
#define D_OUTPUT 0x08	      /* guest: input * 3 + 1 */
#define D_DOMCTL_RC 0x10      /* guest: its pausedomain(0) result */
#define D_MEMOP_RC 0x18	      /* guest: its current_reservation(dom0) result */
#define D_DOM0_ID 0x20	      /* builder: domid 0, the memory op's argument */
#define D_SHUTDOWN 0x30	      /* guest: sched_shutdown argument */
#define D_BADVER_RC 0x38      /* guest: its domctl at interface version 0x14 */
#define D_NODOM_RC 0x40	      /* guest: its domctl on domain 0x7000 */
#define D_DOMCTL 0x100	      /* builder: a pausedomain(0) domctl for the guest to try */
#define D_DOMCTL_BADVER 0x200 /* builder: the same at version 0x14 */
#define D_DOMCTL_NODOM 0x300  /* builder: pausedomain(0x7000) */
#define INPUT_VALUE 0x1234567890abcUL

/* Copied into the code frame; absolute addresses only. */
__asm__(".pushsection .rodata\n"
	".globl tiny_start, tiny_end\n"
	"tiny_start:\n"
	"movabs $0x207000, %rbx\n"
	"lea 0x100(%rbx), %rdi\n"
	"mov $(0x205000 + 36 * 32), %eax\n" /* domctl */
	"call *%rax\n"
	"mov %rax, 0x10(%rbx)\n"
	"lea 0x200(%rbx), %rdi\n"
	"mov $(0x205000 + 36 * 32), %eax\n"
	"call *%rax\n"
	"mov %rax, 0x38(%rbx)\n"
	"lea 0x300(%rbx), %rdi\n"
	"mov $(0x205000 + 36 * 32), %eax\n"
	"call *%rax\n"
	"mov %rax, 0x40(%rbx)\n"
	"mov $3, %edi\n" /* XENMEM_current_reservation */
	"lea 0x20(%rbx), %rsi\n"
	"mov $(0x205000 + 12 * 32), %eax\n" /* memory_op */
	"call *%rax\n"
	"mov %rax, 0x18(%rbx)\n"
	"mov (%rbx), %rax\n"
	"lea 1(%rax,%rax,2), %rax\n"
	"mov %rax, 8(%rbx)\n"
	"movl $1, 0x30(%rbx)\n" /* SHUTDOWN_reboot */
	"mov $2, %edi\n"	/* SCHEDOP_shutdown */
	"lea 0x30(%rbx), %rsi\n"
	"mov $(0x205000 + 29 * 32), %eax\n" /* sched_op */
	"call *%rax\n"
	"1: jmp 1b\n"
	"tiny_end:\n"
	".popsection\n");
extern const uint8_t tiny_start[], tiny_end[];

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t shinfo_window[4096] __attribute__((aligned(4096)));
static struct vcpu_context ctx;
static struct tiny_dom guest;
static unsigned long *const mfn = guest.mfn;

static long map_window(unsigned long m, uint16_t dom)
{
	return builder_map_va(window, m, dom);
}

static long map_window_mmu(unsigned long m, uint16_t dom)
{
	return builder_map_mmu(window, m, dom);
}

static void unmap_window(void)
{
	builder_unmap(window);
}

/* Each of the refusals createdomain owes a bad request. */
static void create_refusals(void)
{
	struct dctl op;
	long rc;

	builder_fill_create(&op);
	rc = domctl_v(XEN_DOMCTL_createdomain, 0, &op, 0x14);
	xtest_check(rc == -EACCES, "createdomain at version 0x14: %ld", rc);
	rc = domctl_v(XEN_DOMCTL_createdomain, 0, &op, 0x16);
	xtest_check(rc == -EACCES, "createdomain at version 0x16: %ld", rc);
	builder_fill_create(&op);
	op.u.create.flags = XEN_DOMCTL_CDF_hap;
	rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
	xtest_check(rc == -EINVAL, "createdomain with HAP but not HVM: %ld", rc);
	builder_fill_create(&op);
	op.u.create.flags = 1u << 8;
	rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
	xtest_check(rc == -EINVAL, "createdomain with an unknown flag: %ld", rc);
	builder_fill_create(&op);
	op.u.create.max_vcpus = 0;
	rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
	xtest_check(rc == -EINVAL, "createdomain with no vCPUs: %ld", rc);
	builder_fill_create(&op);
	op.u.create.emulation_flags = XEN_X86_EMU_LAPIC;
	rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
	xtest_check(rc == -EOPNOTSUPP, "PV createdomain with an emulated LAPIC: %ld", rc);
}

static uint16_t create(void)
{
	uint16_t dom = builder_create();

	xtest_check(dom != 0 && dom < 0x7ff0, "new domain id %u", dom);
	return dom;
}

static void check_born(uint16_t dom)
{
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_getdomaininfo, dom, &op);
	xtest_check(rc == 0 && op.u.info.domain == dom, "getdomaininfo(%u): %ld, domain %u", dom,
		    rc, op.u.info.domain);
	xtest_check(op.u.info.flags & XEN_DOMINF_paused, "new domain not paused: flags %#x",
		    op.u.info.flags);
	xtest_check(op.u.info.tot_pages == 0, "new domain has %lu pages",
		    (unsigned long)op.u.info.tot_pages);
	/* Its vCPUs come with max_vcpus: none yet. */
	xtest_check(op.u.info.nr_online_vcpus == 0 && op.u.info.max_vcpu_id == 0xffffffffu,
		    "new domain: %u vCPUs online, max id %#x", op.u.info.nr_online_vcpus,
		    op.u.info.max_vcpu_id);
	xtest_check(op.u.info.handle[0] == 0xa0 && op.u.info.handle[15] == 0xaf,
		    "handle not the one given: %02x..%02x", op.u.info.handle[0],
		    op.u.info.handle[15]);
	builder_fill_create(&op);
	rc = domctl(XEN_DOMCTL_createdomain, dom, &op);
	xtest_check(rc == -EEXIST, "createdomain with taken id %u: %ld", dom, rc);
}

static void limits(uint16_t dom)
{
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.max_vcpus = 2;
	rc = domctl(XEN_DOMCTL_max_vcpus, dom, &op);
	xtest_check(rc == -EINVAL, "max_vcpus(2) after createdomain asked 1: %ld", rc);
	op.u.max_vcpus = 1;
	rc = domctl(XEN_DOMCTL_max_vcpus, dom, &op);
	xtest_check(rc == 0, "max_vcpus(1): %ld", rc);
	memset(&op, 0, sizeof(op));
	op.u.max_memkb = NR_PAGES * 4 + 3; /* rounded down to NR_PAGES pages */
	rc = domctl(XEN_DOMCTL_max_mem, dom, &op);
	xtest_check(rc == 0, "max_mem: %ld", rc);
	rc = domctl(XEN_DOMCTL_max_mem, 0x7000, &op);
	xtest_check(rc == -ESRCH, "max_mem of domain 0x7000: %ld", rc);
	memset(&op, 0, sizeof(op));
	for (unsigned int i = 0; i < 16; i++)
		op.u.handle[i] = (uint8_t)(0x10 + i);
	rc = domctl(XEN_DOMCTL_setdomainhandle, dom, &op);
	xtest_check(rc == 0, "setdomainhandle: %ld", rc);
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_getdomaininfo, dom, &op);
	xtest_check(rc == 0 && op.u.info.max_pages == NR_PAGES, "max_pages %lu (rc %ld)",
		    (unsigned long)op.u.info.max_pages, rc);
	xtest_check(op.u.info.max_vcpu_id == 0 && op.u.info.nr_online_vcpus == 0,
		    "after max_vcpus: max id %#x, %u online (down until setvcpucontext)",
		    op.u.info.max_vcpu_id, op.u.info.nr_online_vcpus);
	xtest_check(op.u.info.handle[0] == 0x10 && op.u.info.handle[15] == 0x1f,
		    "setdomainhandle not seen: %02x..%02x", op.u.info.handle[0],
		    op.u.info.handle[15]);
	memset(&op, 0, sizeof(op));
	op.u.address_size = 64;
	rc = domctl(XEN_DOMCTL_set_address_size, dom, &op);
	xtest_check(rc == 0, "set_address_size(64): %ld", rc);
	op.u.address_size = 0;
	rc = domctl(XEN_DOMCTL_get_address_size, dom, &op);
	xtest_check(rc == 0 && op.u.address_size == 64, "get_address_size: %ld, %u", rc,
		    op.u.address_size);
	memset(&op, 0, sizeof(op));
	op.u.time_offset = 3600;
	rc = domctl(XEN_DOMCTL_settimeoffset, dom, &op);
	xtest_check(rc == 0, "settimeoffset: %ld", rc);
}

static void populate(uint16_t dom)
{
	struct reservation r = { mfn, 1, 0, 0, dom };
	unsigned long extra = NR_PAGES;
	long rc;

	guest.id = dom;
	if (tiny_populate(&guest))
		xtest_exit();
	for (unsigned int i = 0; i < NR_PAGES; i++)
		xtest_check(mfn[i] >= NR_PAGES || mfn[i] != i, "pfn %u: mfn %#lx not written back",
			    i, mfn[i]);
	/* One more page is past max_mem: nothing done. */
	r.extent_start = &extra;
	rc = hypercall(HC_memory_op, XENMEM_populate_physmap, (unsigned long)&r, 0, 0, 0);
	xtest_check(rc == 0, "populate past max_mem: %ld extents", rc);
	rc = hypercall(HC_memory_op, XENMEM_current_reservation, (unsigned long)&dom, 0, 0, 0);
	xtest_check(rc == NR_PAGES, "current_reservation(d%u) = %ld", dom, rc);
}

/* The guest's pseudo-physical map: one RAM entry (what libxl gives a PV guest). */
static void memory_map(uint16_t dom)
{
	struct __attribute__((packed)) {
		uint64_t addr, size;
		uint32_t type;
	} e820 = { 0, NR_PAGES * 4096UL, 1 };
	struct {
		uint16_t domid;
		struct {
			uint32_t nr_entries;
			void *buffer;
		} map; /* xen_memory_map, 8-aligned */
	} fm = { dom, { 1, &e820 } };
	long rc;

	rc = hypercall(HC_memory_op, XENMEM_set_memory_map, (unsigned long)&fm, 0, 0, 0);
	xtest_check(rc == 0, "set_memory_map: %ld", rc);
	fm.map.nr_entries = 1025;
	rc = hypercall(HC_memory_op, XENMEM_set_memory_map, (unsigned long)&fm, 0, 0, 0);
	xtest_check(rc == -EINVAL, "set_memory_map of 1025 entries: %ld", rc);
	fm.map.nr_entries = 1;
	fm.domid = 0x7000;
	rc = hypercall(HC_memory_op, XENMEM_set_memory_map, (unsigned long)&fm, 0, 0, 0);
	xtest_check(rc == -ESRCH, "set_memory_map of domain 0x7000: %ld", rc);
}

static void fill_data(struct tiny_dom *t, uint8_t *p, uint8_t *args)
{
	struct dctl *op = (struct dctl *)(p + D_DOMCTL);

	(void)t;
	(void)args;
	*(unsigned long *)(p + D_INPUT) = INPUT_VALUE;
	*(uint16_t *)(p + D_DOM0_ID) = 0;
	op->cmd = XEN_DOMCTL_pausedomain;
	op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	op->domain = 0;
	op = (struct dctl *)(p + D_DOMCTL_BADVER);
	op->cmd = XEN_DOMCTL_pausedomain;
	op->interface_version = 0x14;
	op = (struct dctl *)(p + D_DOMCTL_NODOM);
	op->cmd = XEN_DOMCTL_pausedomain;
	op->interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	op->domain = 0x7000;
}

static void image(void)
{
	if (tiny_image(&guest, tiny_start, (size_t)(tiny_end - tiny_start), fill_data))
		xtest_exit();
}

static void fill_hypercall_page(uint16_t dom)
{
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.gmfn = builder_own_frame(window);
	rc = domctl(XEN_DOMCTL_hypercall_init, dom, &op);
	xtest_check(rc == -EINVAL, "hypercall_init on a frame of dom0: %ld", rc);
	op.u.gmfn = mfn[PFN_HCALL];
	rc = domctl(XEN_DOMCTL_hypercall_init, dom, &op);
	xtest_check(rc == 0, "hypercall_init: %ld", rc);
	rc = map_window(mfn[PFN_HCALL], dom);
	if (rc) {
		xtest_error("mapping the hypercall page: %ld", rc);
		return;
	}
	/* Entry 29 loads its number into %eax: b8 1d 00 00 00. */
	xtest_check(window[29 * 32 + 3] == 0xb8 && window[29 * 32 + 4] == 29,
		    "hypercall page entry 29: %02x %02x", window[29 * 32 + 3], window[29 * 32 + 4]);
	unmap_window();
}

static void pin_and_inspect(uint16_t dom)
{
	struct mmuext_op pin = { MMUEXT_PIN_L4_TABLE, 0, mfn[PFN_L4], 0 };
	unsigned long types[5];
	static const uint32_t want[5] = { PFINFO_L4TAB | PFINFO_LPINTAB, PFINFO_L3TAB, PFINFO_L2TAB,
					  PFINFO_L1TAB, 0 };
	struct dctl op;
	unsigned int done = 0;
	long rc;

	rc = hypercall(HC_mmuext_op, (unsigned long)&pin, 1, (unsigned long)&done, dom, 0);
	if (rc) {
		xtest_error("pinning d%u's L4 (mfn %#lx): %ld", dom, mfn[PFN_L4], rc);
		xtest_exit();
	}
	memset(&op, 0, sizeof(op));
	op.u.gmfn = mfn[PFN_L4];
	rc = domctl(XEN_DOMCTL_hypercall_init, dom, &op);
	xtest_check(rc == -EPERM, "hypercall_init on the pinned L4: %ld", rc);
	for (unsigned int i = 0; i < 5; i++)
		types[i] = mfn[i];
	memset(&op, 0, sizeof(op));
	op.u.pfinfo.num = 5;
	op.u.pfinfo.array = types;
	rc = domctl(XEN_DOMCTL_getpageframeinfo3, dom, &op);
	xtest_check(rc == 0, "getpageframeinfo3: %ld", rc);
	for (unsigned int i = 0; !rc && i < 5; i++)
		xtest_check((types[i] & (PFINFO_TYPE_MASK | PFINFO_LPINTAB)) == want[i],
			    "pfn %u: frame info %#lx, expected %#x", i, types[i], want[i]);
	op.u.pfinfo.num = 1025;
	rc = domctl(XEN_DOMCTL_getpageframeinfo3, dom, &op);
	xtest_check(rc == -E2BIG, "getpageframeinfo3 of 1025 frames: %ld", rc);
}

static void fill_context(void)
{
	tiny_fill_context(&guest, &ctx);
}

static void vcpu(uint16_t dom)
{
	struct dctl op;
	long rc;

	fill_context();
	ctx.ctrlreg[3] = builder_own_frame(window) << 12;
	memset(&op, 0, sizeof(op));
	op.u.vcpucontext.ctxt = &ctx;
	rc = domctl(XEN_DOMCTL_setvcpucontext, dom, &op);
	xtest_check(rc == -EINVAL, "setvcpucontext with dom0's frame as cr3: %ld", rc);
	/* The code frame as an L4: its bytes are no valid entries, the validation refuses it. */
	fill_context();
	ctx.ctrlreg[3] = mfn[PFN_CODE] << 12;
	rc = domctl(XEN_DOMCTL_setvcpucontext, dom, &op);
	xtest_check(rc == -EINVAL, "setvcpucontext with the code frame as L4: %ld", rc);
	fill_context();
	ctx.regs.rip = 0x0000900000000000UL;
	rc = domctl(XEN_DOMCTL_setvcpucontext, dom, &op);
	xtest_check(rc == -EINVAL, "setvcpucontext with a non-canonical rip: %ld", rc);
	fill_context();
	ctx.ctrlreg[4] = CR4_FSGSBASE; /* a restored kernel's: kept where the CPU has it */
	rc = domctl(XEN_DOMCTL_setvcpucontext, dom, &op);
	if (rc) {
		xtest_error("setvcpucontext: %ld", rc);
		xtest_exit();
	}
	rc = domctl(XEN_DOMCTL_setvcpucontext, 0, &op);
	xtest_check(rc == -EINVAL, "setvcpucontext on the caller itself: %ld", rc);
	memset(&ctx, 0, sizeof(ctx));
	op.u.vcpucontext.vcpu = 1;
	rc = domctl(XEN_DOMCTL_getvcpucontext, dom, &op);
	xtest_check(rc == -EINVAL, "getvcpucontext of vCPU 1: %ld", rc);
	op.u.vcpucontext.vcpu = 0;
	rc = domctl(XEN_DOMCTL_getvcpucontext, dom, &op);
	xtest_check(rc == 0, "getvcpucontext: %ld", rc);
	xtest_check(ctx.regs.rip == GVA(PFN_CODE) && ctx.regs.rsp == GVA(PFN_STACK + 1) &&
			ctx.kernel_sp == GVA(PFN_STACK + 1),
		    "context read back: rip %#lx rsp %#lx kernel_sp %#lx", ctx.regs.rip,
		    ctx.regs.rsp, ctx.kernel_sp);
	xtest_check(ctx.ctrlreg[3] == mfn[PFN_L4] << 12, "cr3 read back %#lx, given %#lx",
		    ctx.ctrlreg[3], mfn[PFN_L4] << 12);
	xtest_check((ctx.flags & (VGCF_in_kernel | VGCF_online)) == (VGCF_in_kernel | VGCF_online),
		    "context flags %#lx", ctx.flags);
	xtest_check(!!(ctx.ctrlreg[4] & CR4_FSGSBASE) == xtest_cpu_has_fsgsbase(),
		    "cr4 read back %#lx (FSGSBASE given, the CPU %s it)", ctx.ctrlreg[4],
		    xtest_cpu_has_fsgsbase() ? "has" : "lacks");
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_getvcpuinfo, dom, &op);
	xtest_check(rc == 0 && op.u.vcpuinfo.online && !op.u.vcpuinfo.running,
		    "getvcpuinfo: %ld, online %u running %u", rc, op.u.vcpuinfo.online,
		    op.u.vcpuinfo.running);
}

/* A vCPU with its tables keeps them; the settings around it. */
static void settings(uint16_t dom)
{
	uint8_t hard = 0x01, soft = 0xff, nodes = 0x01;
	struct dctl op;
	long rc;

	fill_context();
	ctx.ctrlreg[3] = mfn[1] << 12;
	memset(&op, 0, sizeof(op));
	op.u.vcpucontext.ctxt = &ctx;
	rc = domctl(XEN_DOMCTL_setvcpucontext, dom, &op);
	xtest_check(rc == -EOPNOTSUPP, "setvcpucontext with another L4 once initialised: %ld", rc);
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_setvcpuaffinity, dom, &op);
	xtest_check(rc == -EINVAL, "setvcpuaffinity without flags: %ld", rc);
	op.u.affinity.flags = XEN_VCPUAFFINITY_HARD | XEN_VCPUAFFINITY_SOFT;
	op.u.affinity.hard = (struct bitmap){ &hard, 8, 0 };
	op.u.affinity.soft = (struct bitmap){ &soft, 8, 0 };
	rc = domctl(XEN_DOMCTL_setvcpuaffinity, dom, &op);
	/* The effective maps come back: CPU 0 for both. */
	xtest_check(rc == 0 && hard == 0x01 && soft == 0x01,
		    "setvcpuaffinity: %ld, hard %#x soft %#x", rc, hard, soft);
	hard = 0;
	op.u.affinity.flags = XEN_VCPUAFFINITY_HARD;
	rc = domctl(XEN_DOMCTL_setvcpuaffinity, dom, &op);
	xtest_check(rc == -EINVAL, "hard affinity with no CPU: %ld", rc);
	hard = 0;
	rc = domctl(XEN_DOMCTL_getvcpuaffinity, dom, &op);
	xtest_check(rc == 0 && (hard & 1), "getvcpuaffinity: %ld, hard %#x", rc, hard);
	memset(&op, 0, sizeof(op));
	op.u.nodemap = (struct bitmap){ &nodes, 8, 0 };
	rc = domctl(XEN_DOMCTL_setnodeaffinity, dom, &op);
	xtest_check(rc == 0, "setnodeaffinity(node 0): %ld", rc);
	nodes = 0;
	rc = domctl(XEN_DOMCTL_setnodeaffinity, dom, &op);
	xtest_check(rc == -EINVAL, "setnodeaffinity with no node: %ld", rc);
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_gettscinfo, dom, &op);
	xtest_check(rc == 0 && op.u.tsc.mode == 0 && op.u.tsc.incarnation == 1,
		    "gettscinfo of a new domain: %ld, mode %u incarnation %u", rc, op.u.tsc.mode,
		    op.u.tsc.incarnation);
	memset(&op, 0, sizeof(op));
	op.u.tsc.incarnation = 5;
	rc = domctl(XEN_DOMCTL_settscinfo, dom, &op);
	xtest_check(rc == 0, "settscinfo(default): %ld", rc);
	rc = domctl(XEN_DOMCTL_settscinfo, 0, &op);
	xtest_check(rc == -EINVAL, "settscinfo on the caller itself: %ld", rc);
	op.u.tsc.mode = 7;
	rc = domctl(XEN_DOMCTL_settscinfo, dom, &op);
	xtest_check(rc == -EINVAL, "settscinfo with mode 7: %ld", rc);
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_gettscinfo, dom, &op);
	xtest_check(rc == 0 && op.u.tsc.mode == 0 && op.u.tsc.incarnation == 6 && op.u.tsc.khz,
		    "gettscinfo: %ld, mode %u incarnation %u khz %u", rc, op.u.tsc.mode,
		    op.u.tsc.incarnation, op.u.tsc.khz);
	/* A PV guest from a host of another TSC frequency (Xen emulates its TSC). */
	op.u.tsc.khz += 1000;
	rc = domctl(XEN_DOMCTL_settscinfo, dom, &op);
	xtest_check(rc == 0, "settscinfo(default) at another frequency: %ld", rc);
}

static void run(uint16_t dom)
{
	struct dctl op;
	unsigned int code;
	long rc;

	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_getdomaininfo, dom, &op);
	xtest_check(op.u.info.nr_online_vcpus == 1, "%u vCPUs online after setvcpucontext",
		    op.u.info.nr_online_vcpus);
	rc = domctl(XEN_DOMCTL_unpausedomain, dom, &op);
	xtest_check(rc == 0, "unpausedomain: %ld", rc);
	if (!builder_wait_shutdown(dom, &op)) {
		xtest_fail("d%u did not shut down: flags %#x", dom, op.u.info.flags);
		return;
	}
	code = (op.u.info.flags >> XEN_DOMINF_shutdownshift) & 0xff;
	xtest_check(code == SHUTDOWN_reboot, "d%u shut down with code %u", dom, code);
	rc = map_window_mmu(mfn[PFN_DATA], dom);
	if (rc) {
		xtest_error("mapping d%u's data page with mmu_update: %ld", dom, rc);
		return;
	}
	xtest_check(*(unsigned long *)(window + D_OUTPUT) == INPUT_VALUE * 3 + 1,
		    "guest's answer %#lx", *(unsigned long *)(window + D_OUTPUT));
	xtest_check(*(long *)(window + D_DOMCTL_RC) == -EPERM, "domctl from the guest returned %ld",
		    *(long *)(window + D_DOMCTL_RC));
	/* Xen's order for a guest too: the version, then the domain, then the caller. */
	xtest_check(*(long *)(window + D_BADVER_RC) == -EACCES,
		    "domctl at version 0x14 from the guest returned %ld",
		    *(long *)(window + D_BADVER_RC));
	xtest_check(*(long *)(window + D_NODOM_RC) == -ESRCH,
		    "domctl on domain 0x7000 from the guest returned %ld",
		    *(long *)(window + D_NODOM_RC));
	xtest_check(*(long *)(window + D_MEMOP_RC) == -EPERM,
		    "current_reservation(dom0) from the guest returned %ld",
		    *(long *)(window + D_MEMOP_RC));
	/* The window stays on the guest's data page: destroy() sees it through. */
}

/*
 * Destroyed while the builder still maps the guest's data page (as
 * xenconsoled and xenstored keep the console and store pages): the frame
 * outlives the domain with its contents, and only the unmap gives back
 * the last pages.
 */
static void destroy(uint16_t dom, uint64_t free0)
{
	struct dctl op;
	uint64_t now, shinfo;
	long rc;

	/* The guest's shared_info page too, as a toolstack may map it. */
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_getdomaininfo, dom, &op);
	shinfo = op.u.info.shared_info_frame;
	rc = rc ? rc : builder_map_mmu(shinfo_window, shinfo, dom);
	xtest_check(rc == 0, "mapping d%u's shared_info (mfn %#lx): %ld", dom,
		    (unsigned long)shinfo, rc);
	((volatile uint8_t *)shinfo_window)[4000] = 0x5a;

	/* setvcpucontext without a context resets the vCPU: down, its tables let go. */
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_setvcpucontext, dom, &op);
	xtest_check(rc == 0, "setvcpucontext(NULL): %ld", rc);
	rc = domctl(XEN_DOMCTL_getvcpuinfo, dom, &op);
	xtest_check(rc == 0 && !op.u.vcpuinfo.online, "after the reset: %ld, online %u", rc,
		    op.u.vcpuinfo.online);

	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_destroydomain, 0, &op);
	xtest_check(rc == -EINVAL, "destroydomain of the caller itself: %ld", rc);
	rc = domctl(XEN_DOMCTL_destroydomain, dom, &op);
	xtest_check(rc == 0, "destroydomain: %ld", rc);
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_getdomaininfo, dom, &op);
	/* A dead domain may stay listed (dying) until its last reference goes. */
	xtest_check(rc == -ESRCH || op.u.info.domain != dom || (op.u.info.flags & XEN_DOMINF_dying),
		    "d%u still there after destroydomain: rc %ld flags %#x", dom, rc,
		    op.u.info.flags);
	/* The mapped frame is still the dead guest's: not freed, not reused, not scrubbed. */
	for (unsigned int i = 0; i < 1000; i++)
		hypercall(HC_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	now = builder_free_pages();
	xtest_check(now < free0, "free pages %lu with d%u's frame still mapped, %lu before create",
		    (unsigned long)now, dom, (unsigned long)free0);
	xtest_check(*(unsigned long *)(window + D_OUTPUT) == INPUT_VALUE * 3 + 1,
		    "the dead guest's mapped page reads %#lx",
		    *(unsigned long *)(window + D_OUTPUT));
	xtest_check(((volatile uint8_t *)shinfo_window)[4000] == 0x5a,
		    "the dead guest's mapped shared_info reads %#x", shinfo_window[4000]);
	/* The data page goes first: the mapped shared_info still keeps a page out. */
	unmap_window();
	for (unsigned int i = 0; i < 1000; i++)
		hypercall(HC_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	now = builder_free_pages();
	xtest_check(now < free0, "free pages %lu with d%u's shared_info still mapped, %lu before",
		    (unsigned long)now, dom, (unsigned long)free0);
	builder_unmap(shinfo_window);
	now = builder_wait_free(free0);
	xtest_check(now == free0, "free pages %lu after destroy and unmap, %lu before create",
		    (unsigned long)now, (unsigned long)free0);
}

void test_main(void)
{
	uint64_t free0;
	uint16_t dom;

	/* The refusals lose nothing: free pages are measured before them. */
	free0 = builder_free_pages();
	create_refusals();
	dom = create();
	printk("built d%u, %lu pages free before\n", dom, (unsigned long)free0);
	check_born(dom);
	limits(dom);
	populate(dom);
	memory_map(dom);
	image();
	fill_hypercall_page(dom);
	pin_and_inspect(dom);
	vcpu(dom);
	settings(dom);
	run(dom);
	destroy(dom, free0);
}
