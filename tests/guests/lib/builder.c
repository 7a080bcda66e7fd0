/*
 * A tiny PV domain builder for test guests running as the control domain
 * (see builder.h for the domain's layout). It goes through the same calls
 * as libxenguest: frames come from populate_physmap on the new domain and
 * are written through foreign mappings of dom0's own page tables.
 */
#include "builder.h"
#include "evtchn.h"
#include "pvclock.h"

#define VIRT_BASE 0xffffffff80000000UL
#define M2P_START 0xffff800000000000UL
#define ADDR_MASK 0x000ffffffffff000UL
#define FREE_WAIT_NS 30000000000ULL
#define UPPER (PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D)
#define LEAF (PTE_P | PTE_RW | PTE_A | PTE_D)

static uint8_t builder_window[4096] __attribute__((aligned(4096)));
static struct vcpu_context builder_ctx;

long domctl_v(unsigned int cmd, uint16_t dom, struct dctl *op, uint32_t version)
{
	op->cmd = cmd;
	op->interface_version = version;
	op->domain = dom;
	return hypercall(HC_domctl, (unsigned long)op, 0, 0, 0, 0);
}

long domctl(unsigned int cmd, uint16_t dom, struct dctl *op)
{
	return domctl_v(cmd, dom, op, XEN_DOMCTL_INTERFACE_VERSION);
}

long domctl_struct(unsigned int cmd, uint16_t dom, void *arg, size_t len)
{
	struct dctl op;
	long rc;

	if (len > sizeof(op.u.raw)) {
		xtest_error("domctl %u: a %lu-byte argument does not fit", cmd, (unsigned long)len);
		return -EINVAL;
	}
	memset(&op, 0, sizeof(op));
	memcpy(op.u.raw, arg, len);
	rc = domctl(cmd, dom, &op);
	memcpy(arg, op.u.raw, len);
	return rc;
}

unsigned int builder_max_grant_version = 1;
int32_t builder_max_grant_frames = -1, builder_max_maptrack_frames = -1;
unsigned int pvh_max_vcpus = 1;

void builder_fill_create(struct dctl *op)
{
	memset(op, 0, sizeof(*op));
	op->u.create.max_vcpus = 1;
	op->u.create.max_evtchn_port = 1023;
	op->u.create.max_grant_frames = builder_max_grant_frames;
	op->u.create.max_maptrack_frames = builder_max_maptrack_frames;
	op->u.create.grant_opts = builder_max_grant_version; /* XEN_DOMCTL_GRANT_version */
	for (unsigned int i = 0; i < 16; i++)
		op->u.create.handle[i] = (uint8_t)(0xa0 + i);
}

uint16_t builder_create(void)
{
	struct dctl op;
	long rc;

	builder_fill_create(&op);
	rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
	if (rc) {
		xtest_error("createdomain: %ld", rc);
		xtest_exit();
	}
	return op.domain;
}

void builder_physinfo(struct physinfo_sysctl *s)
{
	long rc;

	memset(s, 0, sizeof(*s));
	s->cmd = XEN_SYSCTL_physinfo;
	s->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	rc = hypercall(HC_sysctl, (unsigned long)s, 0, 0, 0, 0);
	if (rc)
		xtest_error("sysctl physinfo: %ld", rc);
}

uint64_t builder_free_pages(void)
{
	struct physinfo_sysctl s;

	builder_physinfo(&s);
	return s.free_pages;
}

/*
 * Bounded by time as well as by yields: on Xen a destroyed domain's last
 * frames come back after an RCU grace period, which a loaded host can stretch
 * far past 100000 quick yields.
 */
uint64_t builder_wait_free(uint64_t want)
{
	uint64_t start = pvclock_now(0), now = 0;

	for (unsigned long i = 0; (now = builder_free_pages()) != want; i++) {
		if (i >= 100000 && pvclock_now(0) - start > FREE_WAIT_NS)
			break;
		hypercall(HC_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	}
	return now;
}

/*
 * The free page count once it stops moving: Xen gives a destroyed domain's
 * last pages back some time after destroydomain returns (its p2m and paging
 * pool with the domain's final release), so a count taken at once can be
 * short of the settled one. Settled = unchanged over 20000 yields in a row.
 */
uint64_t builder_settled_free(void)
{
	uint64_t last = builder_free_pages(), now;
	unsigned long same = 0;

	for (unsigned long i = 0; i < 2000000 && same < 20000; i++) {
		hypercall(HC_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
		now = builder_free_pages();
		same = now == last ? same + 1 : 0;
		last = now;
	}
	return last;
}

unsigned long builder_own_frame(const void *va)
{
	const unsigned long *p2m = (const unsigned long *)xtest_start_info->mfn_list;

	return p2m[((unsigned long)va - VIRT_BASE) >> 12];
}

long builder_map_va(uint8_t *w, unsigned long m, uint16_t dom)
{
	return hypercall(HC_update_va_mapping_otherdomain, (unsigned long)w, (m << 12) | LEAF,
			 UVMF_INVLPG, dom, 0);
}

static const uint64_t *va_of_mfn(unsigned long m)
{
	return (const uint64_t *)(VIRT_BASE + (((const unsigned long *)M2P_START)[m] << 12));
}

uint64_t builder_l1e_maddr(const void *w)
{
	unsigned long v = (unsigned long)w;
	unsigned long m = builder_own_frame((const void *)xtest_start_info->pt_base);

	for (int shift = 39; shift >= 21; shift -= 9)
		m = (va_of_mfn(m)[(v >> shift) & 511] & ADDR_MASK) >> 12;
	return (m << 12) + ((v >> 12) & 511) * 8;
}

bool builder_grant_frame(uint16_t dom, unsigned long *frame)
{
	struct gnttab_setup_table s = { .dom = dom, .nr_frames = 1, .status = 99 };
	long rc;

	s.frame_list = frame;
	rc = hypercall(HC_grant_table_op, GNTTABOP_setup_table, (unsigned long)&s, 1, 0, 0);
	if (rc || s.status != GNTST_okay)
		xtest_error("setup_table of d%u: rc %ld status %d", dom, rc, s.status);
	return !rc && s.status == GNTST_okay;
}

bool builder_own_grant_table(void *page)
{
	unsigned long frame = 0;
	long rc;

	if (!builder_grant_frame(DOMID_SELF, &frame))
		return false;
	rc = hypercall_update_va_mapping(
	    (unsigned long)page, (frame << 12) | PTE_P | PTE_RW | PTE_A | PTE_D, UVMF_INVLPG);
	if (rc)
		xtest_error("mapping the grant table: %ld", rc);
	return rc == 0;
}

long builder_map_mmu(uint8_t *w, unsigned long m, uint16_t dom)
{
	return builder_map_mmu_cmd(w, m, dom, 0);
}

long builder_map_mmu_cmd(uint8_t *w, unsigned long m, uint16_t dom, unsigned int cmd)
{
	uint64_t req[2] = { builder_l1e_maddr(w) | cmd, (m << 12) | LEAF };
	struct mmuext_op inv = { MMUEXT_INVLPG_LOCAL, 0, (unsigned long)w, 0 };
	unsigned int done = 0;
	long rc = hypercall(HC_mmu_update, (unsigned long)req, 1, (unsigned long)&done, dom, 0);

	if (!rc && done != 1)
		rc = -1000;
	if (!rc)
		rc = hypercall(HC_mmuext_op, (unsigned long)&inv, 1, 0, DOMID_SELF, 0);
	return rc;
}

void builder_unmap(uint8_t *w)
{
	long rc = hypercall_update_va_mapping((unsigned long)w, (builder_own_frame(w) << 12) | LEAF,
					      UVMF_INVLPG);

	if (rc)
		xtest_error("restoring our own frame at %p: %ld", (void *)w, rc);
}

bool builder_cpu_is_intel(void)
{
	uint32_t a = 0, b, c, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e; /* GenuineIntel */
}

void builder_hvm_hypercall_insns(uint8_t *code, size_t len)
{
	if (!builder_cpu_is_intel())
		return;
	for (size_t i = 0; i + 3 <= len; i++)
		if (code[i] == 0x0f && code[i + 1] == 0x01 && code[i + 2] == 0xd9)
			code[i + 2] = 0xc1;
}

void builder_destroy_free(uint16_t dom, uint64_t free0)
{
	struct dctl op;
	uint64_t now;
	long rc;

	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_destroydomain, dom, &op);
	xtest_check(rc == 0, "destroydomain d%u: %ld", dom, rc);
	now = builder_wait_free(free0);
	xtest_check(now == free0, "free pages %lu after destroying d%u, %lu before",
		    (unsigned long)now, dom, (unsigned long)free0);
}

bool builder_wait_shutdown(uint16_t dom, struct dctl *op)
{
	for (unsigned long i = 0; i < 200000; i++) {
		memset(op, 0, sizeof(*op));
		if (domctl(XEN_DOMCTL_getdomaininfo, dom, op) || op->u.info.domain != dom)
			return false;
		if (op->u.info.flags & XEN_DOMINF_shutdown)
			return true;
		hypercall(HC_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	}
	return false;
}

long tiny_populate(struct tiny_dom *t)
{
	struct reservation r = { t->mfn, BUILDER_PAGES, 0, 0, t->id };
	long rc;

	for (unsigned int i = 0; i < BUILDER_PAGES; i++)
		t->mfn[i] = i;
	rc = hypercall(HC_memory_op, XENMEM_populate_physmap, (unsigned long)&r, 0, 0, 0);
	if (rc != BUILDER_PAGES) {
		xtest_error("populate_physmap on d%u: %ld", t->id, rc);
		return rc < 0 ? rc : -1;
	}
	return 0;
}

/* The page tables map pfn 4-8 at TINY_GVA(pfn): L4[0] -> L3[0] -> L2[1] -> L1[4..8]. */
static void fill_table(const struct tiny_dom *t, unsigned int pfn, uint64_t *e)
{
	switch (pfn) {
	case 0:
	case 1:
		e[0] = (t->mfn[pfn + 1] << 12) | UPPER;
		break;
	case 2:
		e[1] = (t->mfn[3] << 12) | UPPER;
		break;
	default:
		for (unsigned int i = PFN_CODE; i < BUILDER_PAGES; i++)
			e[i] = (t->mfn[i] << 12) | LEAF;
	}
}

/* Map frame @mfn (pfn @pfn) of @id at the window, zeroed; NULL (error recorded) if refused. */
static uint8_t *open_mfn(uint16_t id, unsigned long pfn, unsigned long mfn)
{
	long rc = builder_map_va(builder_window, mfn, id);

	if (rc) {
		xtest_error("mapping d%u pfn %lu (mfn %#lx): %ld", id, pfn, mfn, rc);
		return NULL;
	}
	memset(builder_window, 0, sizeof(builder_window));
	return builder_window;
}

static uint8_t *open_frame(const struct tiny_dom *t, unsigned int pfn)
{
	return open_mfn(t->id, pfn, t->mfn[pfn]);
}

long tiny_image(struct tiny_dom *t, const uint8_t *code, size_t len,
		void (*fill)(struct tiny_dom *t, uint8_t *data, uint8_t *args))
{
	static uint8_t data[4096] __attribute__((aligned(8)));
	uint8_t *w;

	for (unsigned int pfn = 0; pfn < PFN_CODE; pfn++) {
		if (!(w = open_frame(t, pfn)))
			return -1;
		fill_table(t, pfn, (uint64_t *)w);
		builder_unmap(w);
	}
	if (!(w = open_frame(t, PFN_CODE)))
		return -1;
	memcpy(w, code, len);
	builder_unmap(w);
	/* The data frame is filled here first, as the argument frame goes through the window. */
	memset(data, 0, sizeof(data));
	if (!(w = open_frame(t, PFN_ARGS)))
		return -1;
	if (fill)
		fill(t, data, w);
	builder_unmap(w);
	if (!(w = open_frame(t, PFN_DATA)))
		return -1;
	memcpy(w, data, sizeof(data));
	builder_unmap(w);
	return 0;
}

void tiny_fill_context(const struct tiny_dom *t, struct vcpu_context *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->flags = VGCF_in_kernel | VGCF_online;
	ctx->regs.rip = TINY_GVA(PFN_CODE);
	ctx->regs.rsp = TINY_GVA(PFN_STACK + 1);
	ctx->regs.rflags = 0x200;
	ctx->regs.cs = FLAT_KERNEL_CS64;
	ctx->regs.ss = FLAT_KERNEL_SS64;
	ctx->kernel_ss = FLAT_KERNEL_SS64;
	ctx->kernel_sp = ctx->regs.rsp;
	ctx->ctrlreg[3] = t->mfn[PFN_L4] << 12;
	ctx->debugreg[6] = 0xffff0ff0;
	ctx->debugreg[7] = 0x400;
}

/* createdomain, one vCPU, at most @pages frames; the id in *@id (0 if none was created). */
static long create_dom(uint16_t *id, unsigned long pages)
{
	struct dctl op;
	long rc;

	*id = 0;
	builder_fill_create(&op);
	rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
	if (rc) {
		xtest_error("createdomain: %ld", rc);
		return rc;
	}
	*id = op.domain;
	memset(&op, 0, sizeof(op));
	op.u.max_vcpus = 1;
	rc = domctl(XEN_DOMCTL_max_vcpus, *id, &op);
	memset(&op, 0, sizeof(op));
	op.u.max_memkb = pages * 4;
	rc = rc ? rc : domctl(XEN_DOMCTL_max_mem, *id, &op);
	if (rc)
		xtest_error("d%u: max_vcpus/max_mem: %ld", *id, rc);
	return rc;
}

static long create(struct tiny_dom *t)
{
	return create_dom(&t->id, BUILDER_PAGES);
}

/*
 * vCPU 0 starts with its events masked (evtchn_upcall_mask, byte 1 of
 * shared_info): a tiny domain has no event callback to deliver them to,
 * and a PV kernel unmasks them once it has registered its own.
 */
static long mask_events_dom(uint16_t id)
{
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_getdomaininfo, id, &op);
	rc = rc ? rc : builder_map_mmu(builder_window, op.u.info.shared_info_frame, id);
	if (rc) {
		xtest_error("d%u: mapping its shared_info: %ld", id, rc);
		return rc;
	}
	builder_window[1] = 1;
	builder_unmap(builder_window);
	return 0;
}

static long mask_events(struct tiny_dom *t)
{
	return mask_events_dom(t->id);
}

/* Hypercall page, L4 pinned (as libxenguest pins it), vCPU context. */
static long finish(struct tiny_dom *t)
{
	struct mmuext_op pin = { MMUEXT_PIN_L4_TABLE, 0, t->mfn[PFN_L4], 0 };
	unsigned int done = 0;
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.gmfn = t->mfn[PFN_HCALL];
	rc = domctl(XEN_DOMCTL_hypercall_init, t->id, &op);
	if (rc) {
		xtest_error("d%u: hypercall_init: %ld", t->id, rc);
		return rc;
	}
	rc = hypercall(HC_mmuext_op, (unsigned long)&pin, 1, (unsigned long)&done, t->id, 0);
	if (rc) {
		xtest_error("d%u: pinning its L4: %ld", t->id, rc);
		return rc;
	}
	tiny_fill_context(t, &builder_ctx);
	memset(&op, 0, sizeof(op));
	op.u.vcpucontext.ctxt = &builder_ctx;
	rc = domctl(XEN_DOMCTL_setvcpucontext, t->id, &op);
	if (rc)
		xtest_error("d%u: setvcpucontext: %ld", t->id, rc);
	return rc;
}

bool tiny_build(struct tiny_dom *t, const uint8_t *code, size_t len,
		void (*fill)(struct tiny_dom *t, uint8_t *data, uint8_t *args))
{
	long rc;

	t->id = 0;
	rc = create(t);
	rc = rc ? rc : tiny_populate(t);
	rc = rc ? rc : tiny_image(t, code, len, fill);
	rc = rc ? rc : mask_events(t);
	rc = rc ? rc : finish(t);
	if (rc && t->id)
		tiny_destroy(t);
	return rc == 0;
}

int tiny_run(struct tiny_dom *t)
{
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_unpausedomain, t->id, &op);
	if (rc) {
		xtest_error("d%u: unpausedomain: %ld", t->id, rc);
		return -1;
	}
	if (!builder_wait_shutdown(t->id, &op)) {
		xtest_fail("d%u did not shut down: flags %#x", t->id, op.u.info.flags);
		return -1;
	}
	return (int)((op.u.info.flags >> XEN_DOMINF_shutdownshift) & 0xff);
}

long tiny_destroy(struct tiny_dom *t)
{
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_destroydomain, t->id, &op);
	if (rc)
		xtest_error("d%u: destroydomain: %ld", t->id, rc);
	return rc;
}

/*
 * The script runner, copied into the code frame (absolute addresses and
 * relative jumps only). %rbx walks the calls in the data frame; hypercalls
 * go through the hypercall page (entry nr at 0x205000 + nr * 32).
 */
__asm__(".pushsection .rodata\n"
	".globl tiny_script_start, tiny_script_end\n"
	"tiny_script_start:\n"
	"movabs $0x207000, %rbx\n"
	"1: mov (%rbx), %rax\n"
	"cmp $0x100, %rax\n"
	"je 3f\n"
	"cmp $0x101, %rax\n"
	"je 4f\n"
	"cmp $0x102, %rax\n"
	"je 7f\n"
	"cmp $0x1ff, %rax\n"
	"je 5f\n"
	"mov 8(%rbx), %rdi\n"
	"mov 16(%rbx), %rsi\n"
	"mov 24(%rbx), %rdx\n"
	"mov 32(%rbx), %r10\n"
	"mov 40(%rbx), %r8\n"
	"shl $5, %rax\n"
	"add $0x205000, %rax\n"
	"call *%rax\n"
	"2: mov %rax, 48(%rbx)\n"
	"add $64, %rbx\n"
	"jmp 1b\n"
	"3: mov 8(%rbx), %edx\n"
	"xor %eax, %eax\n"
	"inb %dx, %al\n"
	"jmp 2b\n"
	"4: mov 8(%rbx), %edx\n"
	"mov 16(%rbx), %eax\n"
	"outw %ax, %dx\n"
	"xor %eax, %eax\n"
	"jmp 2b\n"
	"5: lea 8(%rbx), %rsi\n"
	"mov $2, %edi\n" /* SCHEDOP_shutdown */
	"mov $(0x205000 + 29 * 32), %eax\n"
	"call *%rax\n"
	"6: jmp 6b\n"
	"7: mov 8(%rbx), %rax\n"
	"mov (%rax), %rax\n"
	"jmp 2b\n"
	"tiny_script_end:\n"
	".popsection\n");

/* ---- PVH domains. */

#define PVH_CODE_END 0
#define PVH_CODE_HEADER 1
#define PVH_CODE_CPU 2
#define PVH_HEADER_LEN 24

static uint8_t pvh_context[32768] __attribute__((aligned(16)));
static uint8_t pvh_stream[2048] __attribute__((aligned(16)));

long pvh_map(uint8_t *w, unsigned long gfn, uint16_t dom)
{
	return builder_map_mmu(w, gfn, dom);
}

static long pvh_create(uint16_t *dom, uint32_t emu)
{
	struct dctl op;
	long rc;

	builder_fill_create(&op);
	op.u.create.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
	op.u.create.emulation_flags = emu;
	op.u.create.max_vcpus = pvh_max_vcpus;
	rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
	if (rc) {
		xtest_error("PVH createdomain: %ld", rc);
		return rc;
	}
	*dom = op.domain;
	memset(&op, 0, sizeof(op));
	op.u.max_vcpus = pvh_max_vcpus;
	rc = domctl(XEN_DOMCTL_max_vcpus, *dom, &op);
	memset(&op, 0, sizeof(op));
	op.u.max_memkb = PVH_PAGES * 4;
	rc = rc ? rc : domctl(XEN_DOMCTL_max_mem, *dom, &op);
	memset(&op, 0, sizeof(op));
	op.u.paging_pool = 2UL << 20;
	rc = rc ? rc : domctl(XEN_DOMCTL_set_paging_mempool_size, *dom, &op);
	if (rc)
		xtest_error("d%u: max_vcpus/max_mem/paging pool: %ld", *dom, rc);
	return rc;
}

static long pvh_populate(uint16_t dom)
{
	static unsigned long gfns[PVH_PAGES];
	struct reservation r = { gfns, PVH_PAGES, 0, 0, dom };
	long rc;

	for (unsigned int i = 0; i < PVH_PAGES; i++)
		gfns[i] = PVH_GFN_BASE + i;
	rc = hypercall(HC_memory_op, XENMEM_populate_physmap, (unsigned long)&r, 0, 0, 0);
	if (rc == PVH_PAGES)
		return 0;
	xtest_error("d%u: populate_physmap: %ld", dom, rc);
	return rc < 0 ? rc : -1000;
}

static long pvh_image(uint16_t dom, const uint8_t *code, size_t len, void (*fill)(uint8_t *))
{
	long rc = pvh_map(builder_window, PVH_GFN_CODE, dom);

	if (!rc) {
		memset(builder_window, 0, sizeof(builder_window));
		memcpy(builder_window, code, len);
		builder_unmap(builder_window);
		rc = pvh_map(builder_window, PVH_GFN_DATA, dom);
	}
	if (rc) {
		xtest_error("d%u: mapping its code or data: %ld", dom, rc);
		return rc;
	}
	memset(builder_window, 0, sizeof(builder_window));
	if (fill)
		fill(builder_window);
	builder_unmap(builder_window);
	return 0;
}

void pvh_entry_cpu(struct pvh_cpu *c)
{
	memset(c, 0, sizeof(*c));
	c->rip = PVH_GFN_CODE << 12;
	c->rflags = 0x2;
	c->cr0 = 0x11; /* PE, ET */
	c->dr6 = 0xffff0ff0;
	c->dr7 = 0x400;
	c->cs_sel = 0x08, c->cs_limit = ~0u, c->cs_arbytes = 0xc9b;
	c->ds_sel = c->es_sel = c->ss_sel = c->fs_sel = c->gs_sel = 0x10;
	c->ds_limit = c->es_limit = c->ss_limit = c->fs_limit = c->gs_limit = ~0u;
	c->ds_arbytes = c->es_arbytes = c->ss_arbytes = c->fs_arbytes = c->gs_arbytes = 0xc93;
	c->tr_sel = 0x18, c->tr_limit = 0x67, c->tr_arbytes = 0x8b;
	c->ldtr_arbytes = 0x82;
}

long pvh_set_cpu(uint16_t dom, const struct pvh_cpu *cpu)
{
	struct pvh_desc d;
	struct dctl op;
	uint32_t off = 0;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.hvmcontext.size = sizeof(pvh_context);
	op.u.hvmcontext.buffer = pvh_context;
	rc = domctl(XEN_DOMCTL_gethvmcontext, dom, &op);
	memcpy(&d, pvh_context, sizeof(d));
	if (rc || d.typecode != PVH_CODE_HEADER || d.length != PVH_HEADER_LEN) {
		xtest_error("d%u: gethvmcontext: %ld, first record %u", dom, rc, d.typecode);
		return rc ? rc : -1000;
	}
	memcpy(pvh_stream, pvh_context, sizeof(d) + PVH_HEADER_LEN);
	off = sizeof(d) + PVH_HEADER_LEN;
	d = (struct pvh_desc){ PVH_CODE_CPU, 0, sizeof(*cpu) };
	memcpy(pvh_stream + off, &d, sizeof(d));
	memcpy(pvh_stream + off + sizeof(d), cpu, sizeof(*cpu));
	off += sizeof(d) + sizeof(*cpu);
	d = (struct pvh_desc){ PVH_CODE_END, 0, 0 };
	memcpy(pvh_stream + off, &d, sizeof(d));
	memset(&op, 0, sizeof(op));
	op.u.hvmcontext.size = off + sizeof(d);
	op.u.hvmcontext.buffer = pvh_stream;
	rc = domctl(XEN_DOMCTL_sethvmcontext, dom, &op);
	if (rc)
		xtest_error("d%u: sethvmcontext: %ld", dom, rc);
	return rc;
}

long pvh_context_op(unsigned int cmd, uint16_t dom, void *buf, uint32_t *size)
{
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.hvmcontext.size = *size;
	op.u.hvmcontext.buffer = buf;
	rc = domctl(cmd, dom, &op);
	*size = op.u.hvmcontext.size;
	return rc;
}

uint32_t pvh_get_context(uint16_t dom, uint8_t *buf, uint32_t size)
{
	long rc = pvh_context_op(XEN_DOMCTL_gethvmcontext, dom, buf, &size);

	if (rc) {
		xtest_error("gethvmcontext of d%u: %ld", dom, rc);
		return 0;
	}
	return size;
}

void *pvh_find_instance(const uint8_t *buf, uint32_t size, uint16_t type, uint16_t instance,
			uint32_t *len)
{
	for (uint32_t off = 0; off + sizeof(struct pvh_desc) <= size;) {
		struct pvh_desc d;

		memcpy(&d, buf + off, sizeof(d));
		if (d.typecode == PVH_CODE_END)
			break;
		if (d.typecode == type && d.instance == instance) {
			*len = d.length;
			return (void *)(buf + off + sizeof(d));
		}
		off += sizeof(d) + d.length;
	}
	return NULL;
}

void *pvh_find_record(const uint8_t *buf, uint32_t size, uint16_t type, uint32_t len)
{
	uint32_t got = 0;
	void *body = pvh_find_instance(buf, size, type, 0, &got);

	return body && got == len ? body : NULL;
}

long builder_dom_op(unsigned int cmd, uint16_t dom)
{
	struct dctl op;

	memset(&op, 0, sizeof(op));
	return domctl(cmd, dom, &op);
}

bool hvm_build(uint16_t *dom, uint32_t emu, const uint8_t *code, size_t len,
	       void (*fill)(uint8_t *data))
{
	struct tiny_dom t = { 0 };
	struct pvh_cpu cpu;
	long rc;

	*dom = 0;
	rc = pvh_create(dom, emu);
	rc = rc ? rc : pvh_populate(*dom);
	rc = rc ? rc : pvh_image(*dom, code, len, fill);
	pvh_entry_cpu(&cpu);
	rc = rc ? rc : pvh_set_cpu(*dom, &cpu);
	if (rc && *dom) {
		t.id = *dom;
		tiny_destroy(&t);
	}
	return rc == 0;
}

bool pvh_build(uint16_t *dom, const uint8_t *code, size_t len, void (*fill)(uint8_t *data))
{
	return hvm_build(dom, XEN_X86_EMU_LAPIC, code, len, fill);
}

/* ---- PV domains from an ELF image. */

struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr is 64 bytes");

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr is 56 bytes");

#define PT_LOAD 1
#define PT_NOTE 4
#define EM_X86_64 62
/* Mapped past the boot frames: 512 KiB, the room Xen's PV ABI promises a kernel. */
#define PV_SLACK_PAGES 128
/* populate_physmap's batch. */
#define PV_BATCH 512

struct pv_layout {
	const struct elf64_phdr *ph;
	unsigned int phnum;
	uint64_t virt_base, entry, hcall_va;
	unsigned long img, p2m, si, store, cons, stack, pt, nr_l1, mapped;
};

/* The Xen note @type's value (4 or 8 bytes) in the PT_NOTE segments, or @def. */
static uint64_t pv_note(const uint8_t *elf, size_t len, const struct pv_layout *l, uint32_t type,
			uint64_t def)
{
	for (unsigned int i = 0; i < l->phnum; i++) {
		const struct elf64_phdr *p = &l->ph[i];
		uint64_t off = p->offset, end = p->offset + p->filesz;

		if (p->type != PT_NOTE || end > len || end < off)
			continue;
		while (off + 12 <= end) {
			const uint32_t *n = (const uint32_t *)(elf + off);
			uint64_t name = off + 12, desc = name + ((n[0] + 3ul) & ~3ul);
			uint64_t next = desc + ((n[1] + 3ul) & ~3ul);

			if (next > end)
				break;
			if (n[2] == type && n[0] == 4 && !memcmp(elf + name, "Xen", 4)) {
				if (n[1] == 8)
					return *(const uint64_t *)(elf + desc);
				if (n[1] == 4)
					return *(const uint32_t *)(elf + desc);
			}
			off = next;
		}
	}
	return def;
}

/* Check the image and lay the domain out; 0, or -EINVAL (error recorded). */
static long pv_layout(const uint8_t *elf, size_t len, unsigned long nr_pages, struct pv_layout *l)
{
	const struct elf64_ehdr *eh = (const struct elf64_ehdr *)elf;
	uint64_t top = 0;

	if (len < sizeof(*eh) || memcmp(eh->ident, "\177ELF\2\1", 6) || eh->machine != EM_X86_64 ||
	    eh->phentsize != sizeof(struct elf64_phdr) || eh->phoff > len ||
	    (len - eh->phoff) / sizeof(struct elf64_phdr) < eh->phnum) {
		xtest_error("domU image: not a 64-bit x86 ELF executable");
		return -EINVAL;
	}
	l->ph = (const struct elf64_phdr *)(elf + eh->phoff);
	l->phnum = eh->phnum;
	l->virt_base = pv_note(elf, len, l, XEN_ELFNOTE_VIRT_BASE, VIRT_BASE);
	l->entry = pv_note(elf, len, l, XEN_ELFNOTE_ENTRY, eh->entry);
	l->hcall_va = pv_note(elf, len, l, XEN_ELFNOTE_HYPERCALL_PAGE, 0);
	if (l->virt_base != VIRT_BASE) {
		xtest_error("domU image: VIRT_BASE %#lx, this builder maps %#lx only",
			    (unsigned long)l->virt_base, VIRT_BASE);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < l->phnum; i++) {
		const struct elf64_phdr *p = &l->ph[i];

		if (p->type != PT_LOAD)
			continue;
		if (p->vaddr < VIRT_BASE || p->filesz > p->memsz || p->offset > len ||
		    len - p->offset < p->filesz || p->memsz > (1ul << 30) ||
		    p->vaddr - VIRT_BASE > (1ul << 30)) {
			xtest_error("domU image: segment %u out of bounds", i);
			return -EINVAL;
		}
		if (p->vaddr + p->memsz - VIRT_BASE > top)
			top = p->vaddr + p->memsz - VIRT_BASE;
	}
	/* Image, P2M list, start_info, xenstore and console pages, boot stack, page tables. */
	l->img = (top + 4095) >> 12;
	l->p2m = l->img;
	l->si = l->p2m + (nr_pages * 8 + 4095) / 4096;
	l->store = l->si + 1;
	l->cons = l->si + 2;
	l->stack = l->si + 3;
	l->pt = l->si + 4;
	for (l->nr_l1 = 1; l->pt + 3 + l->nr_l1 + PV_SLACK_PAGES > l->nr_l1 * 512; l->nr_l1++)
		;
	l->mapped = l->pt + 3 + l->nr_l1 + PV_SLACK_PAGES;
	if (l->entry < VIRT_BASE || l->entry - VIRT_BASE >= top || l->mapped > nr_pages ||
	    l->nr_l1 > 512 ||
	    (l->hcall_va && (l->hcall_va < VIRT_BASE || l->hcall_va - VIRT_BASE >= top))) {
		xtest_error("domU image: %lu frames do not hold it (%lu mapped)", nr_pages,
			    l->mapped);
		return -EINVAL;
	}
	return 0;
}

long pv_create(struct pv_dom *d, unsigned long nr_pages, unsigned long *mfns)
{
	memset(d, 0, sizeof(*d));
	d->nr_pages = nr_pages;
	d->mfn = mfns;
	return create_dom(&d->id, nr_pages + PV_EXTRA_PAGES);
}

static long pv_populate(struct pv_dom *d)
{
	for (unsigned long i = 0; i < d->nr_pages; i += PV_BATCH) {
		unsigned long n = d->nr_pages - i < PV_BATCH ? d->nr_pages - i : PV_BATCH;
		struct reservation r = { d->mfn + i, n, 0, 0, d->id };
		long rc;

		for (unsigned long k = 0; k < n; k++)
			d->mfn[i + k] = i + k;
		rc = hypercall(HC_memory_op, XENMEM_populate_physmap, (unsigned long)&r, 0, 0, 0);
		if (rc != (long)n) {
			xtest_error("populate_physmap of %lu frames on d%u: %ld", n, d->id, rc);
			return rc < 0 ? rc : -1;
		}
	}
	return 0;
}

/* The image's frames: each PT_LOAD segment's bytes, zeroes elsewhere. */
static long pv_image(struct pv_dom *d, const uint8_t *elf, const struct pv_layout *l)
{
	for (unsigned long pfn = 0; pfn < l->img; pfn++) {
		uint64_t lo = pfn << 12, hi = lo + 4096;
		uint8_t *w = open_mfn(d->id, pfn, d->mfn[pfn]);

		if (!w)
			return -1;
		for (unsigned int i = 0; i < l->phnum; i++) {
			const struct elf64_phdr *p = &l->ph[i];
			uint64_t s = p->vaddr - VIRT_BASE, e = s + p->filesz;

			if (p->type != PT_LOAD || e <= lo || s >= hi)
				continue;
			s = s > lo ? s : lo;
			e = e < hi ? e : hi;
			memcpy(w + (s - lo), elf + p->offset + (s - (p->vaddr - VIRT_BASE)), e - s);
		}
		builder_unmap(w);
	}
	return 0;
}

static bool pv_is_pt(const struct pv_layout *l, unsigned long pfn)
{
	return pfn >= l->pt && pfn < l->pt + 3 + l->nr_l1;
}

/* L4[511] -> L3[510] -> L2[0..] -> the L1s, mapping pfn 0..mapped-1 from VIRT_BASE. */
static long pv_tables(struct pv_dom *d, const struct pv_layout *l)
{
	for (unsigned long i = 0; i < 3 + l->nr_l1; i++) {
		unsigned long pfn = l->pt + i;
		uint64_t *e = (uint64_t *)open_mfn(d->id, pfn, d->mfn[pfn]);

		if (!e)
			return -1;
		if (i == 0)
			e[511] = (d->mfn[pfn + 1] << 12) | UPPER;
		else if (i == 1)
			e[510] = (d->mfn[pfn + 1] << 12) | UPPER;
		else if (i == 2)
			for (unsigned long k = 0; k < l->nr_l1; k++)
				e[k] = (d->mfn[pfn + 1 + k] << 12) | UPPER;
		else
			for (unsigned long k = 0; k < 512; k++) {
				unsigned long m = (i - 3) * 512 + k;

				if (m < l->mapped)
					e[k] = (d->mfn[m] << 12) |
					       (pv_is_pt(l, m) ? LEAF & ~(uint64_t)PTE_RW : LEAF);
			}
		builder_unmap((uint8_t *)e);
	}
	return 0;
}

/* P2M list, start_info (no xenstore: its page is there, its port 0), the console's port. */
static long pv_boot_info(struct pv_dom *d, const struct pv_layout *l, const char *cmdline)
{
	struct evtchn_alloc_unbound a = { .dom = d->id, .remote_dom = 0 };
	struct start_info *si;
	struct dctl op;
	uint8_t *w;
	long rc;

	for (unsigned long pfn = l->p2m; pfn < l->si; pfn++) {
		unsigned long first = (pfn - l->p2m) * 512, n = d->nr_pages - first;

		if (!(w = open_mfn(d->id, pfn, d->mfn[pfn])))
			return -1;
		memcpy(w, d->mfn + first, (n < 512 ? n : 512) * 8);
		builder_unmap(w);
	}
	rc = hypercall(HC_event_channel_op, EVTCHNOP_alloc_unbound, (unsigned long)&a, 0, 0, 0);
	memset(&op, 0, sizeof(op));
	rc = rc ? rc : domctl(XEN_DOMCTL_getdomaininfo, d->id, &op);
	if (rc) {
		xtest_error("d%u: console port / getdomaininfo: %ld", d->id, rc);
		return rc;
	}
	d->console_port = a.port;
	d->console_mfn = d->mfn[l->cons];
	for (unsigned long pfn = l->store; pfn <= l->stack; pfn++) {
		if (!(w = open_mfn(d->id, pfn, d->mfn[pfn])))
			return -1;
		builder_unmap(w);
	}
	if (!(w = open_mfn(d->id, l->si, d->mfn[l->si])))
		return -1;
	si = (struct start_info *)w;
	memcpy(si->magic, "xen-3.0-x86_64", 15);
	si->nr_pages = d->nr_pages;
	si->shared_info = op.u.info.shared_info_frame << 12;
	si->store_mfn = d->mfn[l->store];
	si->console.domU.mfn = d->console_mfn;
	si->console.domU.evtchn = d->console_port;
	si->pt_base = VIRT_BASE + (l->pt << 12);
	si->nr_pt_frames = 3 + l->nr_l1;
	si->mfn_list = VIRT_BASE + (l->p2m << 12);
	for (size_t i = 0; cmdline && cmdline[i] && i + 1 < sizeof(si->cmd_line); i++)
		si->cmd_line[i] = cmdline[i];
	builder_unmap(w);
	return 0;
}

/* Hypercall page if the image names one, L4 pinned, vCPU 0 at the entry with rsi = start_info. */
static long pv_finish(struct pv_dom *d, const struct pv_layout *l)
{
	struct mmuext_op pin = { MMUEXT_PIN_L4_TABLE, 0, d->mfn[l->pt], 0 };
	struct vcpu_context *ctx = &builder_ctx;
	unsigned int done = 0;
	struct dctl op;
	long rc = 0;

	memset(&op, 0, sizeof(op));
	if (l->hcall_va) {
		op.u.gmfn = d->mfn[(l->hcall_va - VIRT_BASE) >> 12];
		rc = domctl(XEN_DOMCTL_hypercall_init, d->id, &op);
	}
	rc = rc ? rc
		: hypercall(HC_mmuext_op, (unsigned long)&pin, 1, (unsigned long)&done, d->id, 0);
	if (rc) {
		xtest_error("d%u: hypercall_init / pinning its L4: %ld", d->id, rc);
		return rc;
	}
	memset(ctx, 0, sizeof(*ctx));
	ctx->flags = VGCF_in_kernel | VGCF_online;
	ctx->regs.rip = l->entry;
	ctx->regs.rsp = VIRT_BASE + ((l->stack + 1) << 12);
	ctx->regs.rsi = VIRT_BASE + (l->si << 12);
	ctx->regs.rflags = 0x200;
	ctx->regs.cs = FLAT_KERNEL_CS64;
	ctx->regs.ss = FLAT_KERNEL_SS64;
	ctx->kernel_ss = FLAT_KERNEL_SS64;
	ctx->kernel_sp = ctx->regs.rsp;
	ctx->ctrlreg[3] = d->mfn[l->pt] << 12;
	ctx->debugreg[6] = 0xffff0ff0;
	ctx->debugreg[7] = 0x400;
	memset(&op, 0, sizeof(op));
	op.u.vcpucontext.ctxt = ctx;
	rc = domctl(XEN_DOMCTL_setvcpucontext, d->id, &op);
	if (rc)
		xtest_error("d%u: setvcpucontext: %ld", d->id, rc);
	return rc;
}

long pv_load(struct pv_dom *d, const uint8_t *elf, size_t len, const char *cmdline)
{
	struct pv_layout l;
	long rc = pv_layout(elf, len, d->nr_pages, &l);

	rc = rc ? rc : pv_populate(d);
	rc = rc ? rc : pv_image(d, elf, &l);
	rc = rc ? rc : pv_tables(d, &l);
	rc = rc ? rc : pv_boot_info(d, &l, cmdline);
	rc = rc ? rc : mask_events_dom(d->id);
	return rc ? rc : pv_finish(d, &l);
}
