/*
 * The control domain builds a PVH domain the way libxenguest 4.17 does:
 * createdomain with XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap and the local
 * APIC as its only emulated device, max_vcpus, max_mem, the paging pool's
 * size (set, refused unaligned, read back), populate_physmap
 * by guest frame number (nothing written back), its code and data written
 * through foreign mappings of those GFNs (mmu_update with foreigndom, as
 * privcmd does), its memory map (kept apart from its HVM state), its
 * grant table seeded through a scratch GFN (add/remove_from_physmap), HVM
 * params set from outside (STORE_EVTCHN, and
 * TRIPLE_FAULT_REASON = poweroff; MCA_CAP refused with a bit past LMCE and,
 * off Intel, with LMCE, which Xen offers only where the host has it), gethvmcontext for the header,
 * then sethvmcontext with HEADER, a CPU record in the PVH entry state (32-bit flat protected mode,
 * paging off, ebx and CR2 given) and END, read back with gethvmcontext and record by record
 * (gethvmcontext_partial); unpause. The guest, 32-bit code at GPA 1 MiB, keeps its ebx, computes a
 * value, reads STORE_EVTCHN with HVMOP_get_param, is refused setting STORE_PFN (-EPERM) and triple
 * faults: the domain must shut down with the reason the param gave (poweroff, not the default
 * reboot). The builder reads the answers back and destroys the domain: physinfo's free pages are
 * back to the page (the p2m, VMCB and vLAPIC freed with it). Refusals on the way (the PV vCPU
 * domctls, Petrel only): emulation flags a PVH domain cannot have, a stream with a bad magic, a CPU
 * record for a vCPU that does not exist or with reserved CR0 bits, HVM context of the caller.
 */
#include "builder.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_HV_ARGS("dom0_mem=64M");

#define ENOENT 2
#define HC_hvm_op 34
#define HVMOP_set_param 0
#define HVMOP_get_param 1
#define P_CALLBACK_IRQ 0
#define P_STORE_PFN 1
#define P_STORE_EVTCHN 2
#define P_TRIPLE_FAULT_REASON 31
#define P_MCA_CAP 38
#define MCA_CAP_LMCE 1

#define XEN_DOMCTL_gethvmcontext_partial 55
#define XEN_DOMCTL_get_paging_mempool_size 85
#define XEN_X86_EMU_HPET 2u

#define HVM_FILE_MAGIC 0x54381286
#define CODE_END 0
#define CODE_HEADER 1
#define CODE_CPU 2
#define CODE_MTRR 14

struct hvm_param {
	uint16_t domid, pad;
	uint32_t index;
	uint64_t value;
};

struct save_header {
	uint32_t magic, version;
	uint64_t changeset;
	uint32_t cpuid, gtsc_khz;
};

_Static_assert(offsetof(struct pvh_cpu, msr_efer) == 992, "hvm_hw_cpu layout");

/* The guest's memory: GFNs 0x100-0x10f; code at 1 MiB, data after it. */
#define NR_PAGES 16
#define GFN_BASE 0x100
#define GFN_CODE 0x100
#define GFN_DATA 0x101
#define ENTRY_EBX 0x12345
#define ENTRY_CR2 0x5a5a5000UL /* kept by the CPU record, read back */
#define INPUT_VALUE 0x1234567u
/* The data page. */
#define D_INPUT 0x00
#define D_OUTPUT 0x08
#define D_EBX 0x10
#define D_GET_RC 0x18
#define D_GET_PARAM 0x20 /* struct hvm_param; the value lands at 0x28 */
#define D_SET_RC 0x30
#define D_SET_PARAM 0x38
#define D_NULL_IDT 0x50
#define STORE_EVTCHN 77

/* 32-bit code, paging off: the data page at 0x101000. */
__asm__(".pushsection .rodata\n"
	".globl pvh_code_start, pvh_code_end\n"
	"pvh_code_start:\n"
	".code32\n"
	"mov $0x101000, %esi\n"
	"mov %ebx, 0x10(%esi)\n"
	"mov (%esi), %eax\n"
	"lea 1(%eax,%eax,2), %eax\n"
	"mov %eax, 8(%esi)\n"
	"mov $34, %eax\n" /* hvm_op */
	"mov $1, %ebx\n"  /* HVMOP_get_param */
	"lea 0x20(%esi), %ecx\n"
	"vmmcall\n"
	"mov %eax, 0x18(%esi)\n"
	"mov $34, %eax\n"
	"mov $0, %ebx\n" /* HVMOP_set_param */
	"lea 0x38(%esi), %ecx\n"
	"vmmcall\n"
	"mov %eax, 0x30(%esi)\n"
	"lidt 0x50(%esi)\n" /* no IDT: the breakpoint becomes a triple fault */
	"int3\n"
	"1: jmp 1b\n"
	".code64\n"
	"pvh_code_end:\n"
	".popsection\n");
extern const uint8_t pvh_code_start[], pvh_code_end[];

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t context[8192] __attribute__((aligned(16)));
static uint8_t stream[2048] __attribute__((aligned(16)));
static struct pvh_cpu cpu;

static void fill_create(struct dctl *op, uint32_t emulation)
{
	builder_fill_create(op);
	op->u.create.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
	op->u.create.emulation_flags = emulation;
}

static uint16_t create(void)
{
	struct dctl op;
	long rc;

	fill_create(&op, XEN_X86_EMU_LAPIC | XEN_X86_EMU_HPET);
	rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
	xtest_check(rc == -EOPNOTSUPP, "PVH createdomain with an HPET: %ld", rc);
	fill_create(&op, 0);
	rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
	xtest_check(rc == -EOPNOTSUPP, "PVH createdomain without a LAPIC: %ld", rc);
	fill_create(&op, XEN_X86_EMU_LAPIC);
	rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
	if (rc) {
		xtest_error("PVH createdomain: %ld", rc);
		xtest_exit();
	}
	return op.domain;
}

static void limits(uint16_t dom)
{
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.max_vcpus = 1;
	rc = domctl(XEN_DOMCTL_max_vcpus, dom, &op);
	xtest_check(rc == 0, "max_vcpus: %ld", rc);
	memset(&op, 0, sizeof(op));
	op.u.max_memkb = NR_PAGES * 4;
	rc = domctl(XEN_DOMCTL_max_mem, dom, &op);
	xtest_check(rc == 0, "max_mem: %ld", rc);
	/* libxl sizes the p2m's pool for every HVM domain. */
	memset(&op, 0, sizeof(op));
	op.u.paging_pool = 4097;
	rc = domctl(XEN_DOMCTL_set_paging_mempool_size, dom, &op);
	xtest_check(rc == -EINVAL, "paging mempool of 4097 bytes: %ld", rc);
	op.u.paging_pool = 2UL << 20;
	rc = domctl(XEN_DOMCTL_set_paging_mempool_size, dom, &op);
	xtest_check(rc == 0, "paging mempool of 2 MiB: %ld", rc);
	op.u.paging_pool = 0;
	rc = domctl(XEN_DOMCTL_get_paging_mempool_size, dom, &op);
	xtest_check(rc == 0 && op.u.paging_pool == 2UL << 20, "paging mempool read back: %ld, %#lx",
		    rc, (unsigned long)op.u.paging_pool);
}

/* RAM at GFNs 0x100-0x10f: the list names the GFNs and is not written back. */
static void populate(uint16_t dom)
{
	static unsigned long gfns[NR_PAGES];
	struct reservation r = { gfns, NR_PAGES, 0, 0, dom };
	long rc;

	for (unsigned int i = 0; i < NR_PAGES; i++)
		gfns[i] = GFN_BASE + i;
	rc = hypercall(HC_memory_op, XENMEM_populate_physmap, (unsigned long)&r, 0, 0, 0);
	if (rc != NR_PAGES) {
		xtest_error("populate_physmap of d%u's GFNs: %ld", dom, rc);
		xtest_exit();
	}
	for (unsigned int i = 0; i < NR_PAGES; i++)
		xtest_check(gfns[i] == GFN_BASE + i, "extent %u rewritten to %#lx", i, gfns[i]);
	rc = hypercall(HC_memory_op, XENMEM_current_reservation, (unsigned long)&dom, 0, 0, 0);
	xtest_check(rc == NR_PAGES, "current_reservation(d%u) = %ld", dom, rc);
}

static void write_gfn(uint16_t dom, unsigned long gfn, void (*fill)(uint8_t *page))
{
	long rc = pvh_map(window, gfn, dom);

	if (rc) {
		xtest_error("mapping d%u's GFN %#lx: %ld", dom, gfn, rc);
		xtest_exit();
	}
	memset(window, 0, sizeof(window));
	fill(window);
	builder_unmap(window);
}

static void fill_code(uint8_t *p)
{
	memcpy(p, pvh_code_start, (size_t)(pvh_code_end - pvh_code_start));
	builder_hvm_hypercall_insns(p, (size_t)(pvh_code_end - pvh_code_start));
}

static void fill_data(uint8_t *p)
{
	struct hvm_param get = { DOMID_SELF, 0, P_STORE_EVTCHN, 0 };
	struct hvm_param set = { DOMID_SELF, 0, P_STORE_PFN, 0x1234 };

	*(uint32_t *)(p + D_INPUT) = INPUT_VALUE;
	*(int32_t *)(p + D_GET_RC) = 1;
	*(int32_t *)(p + D_SET_RC) = 1;
	memcpy(p + D_GET_PARAM, &get, sizeof(get));
	memcpy(p + D_SET_PARAM, &set, sizeof(set));
}

static void image(uint16_t dom)
{
	long rc = pvh_map(window, GFN_BASE + NR_PAGES, dom);

	xtest_check(rc != 0, "mapping a GFN d%u does not have: %ld", dom, rc);
	if (!rc)
		builder_unmap(window);
	write_gfn(dom, GFN_CODE, fill_code);
	write_gfn(dom, GFN_DATA, fill_data);
}

static long param(unsigned int cmd, uint16_t dom, uint32_t index, uint64_t *value)
{
	struct hvm_param p = { dom, 0, index, *value };
	long rc = hypercall(HC_hvm_op, cmd, (unsigned long)&p, 0, 0, 0);

	*value = p.value;
	return rc;
}

/*
 * The map libxl gives a PVH guest (RAM, then the special pages reserved). It
 * is kept apart from the guest's HVM state: its params read as before.
 */
static void memory_map(uint16_t dom)
{
	struct __attribute__((packed)) {
		uint64_t addr, size;
		uint32_t type;
	} e820[2] = { { GFN_BASE << 12, NR_PAGES * 4096UL, 1 }, { 0xfeff8000UL, 0x8000, 2 } };
	struct {
		uint16_t domid;
		struct {
			uint32_t nr_entries;
			void *buffer;
		} map;
	} fm = { dom, { 2, e820 } };
	uint64_t v = 1;
	long rc = hypercall(HC_memory_op, XENMEM_set_memory_map, (unsigned long)&fm, 0, 0, 0);

	xtest_check(rc == 0, "set_memory_map on the PVH d%u: %ld", dom, rc);
	rc = param(HVMOP_get_param, dom, P_CALLBACK_IRQ, &v);
	xtest_check(rc == 0 && v == 0, "CALLBACK_IRQ after set_memory_map: %ld, %#lx", rc,
		    (unsigned long)v);
}

/*
 * How libxenguest seeds an HVM guest's grant table without acquire_resource:
 * frame 0 placed at a scratch GFN past the guest's highest (maximum_gpfn),
 * mapped and written there, then removed again.
 */
static void seed_grant_table(uint16_t dom)
{
	struct add_to_physmap x = { dom, 0, XENMAPSPACE_grant_table, 0, 0 };
	struct remove_from_physmap r = { dom, 0 };
	long max = hypercall(HC_memory_op, XENMEM_maximum_gpfn, (unsigned long)&dom, 0, 0, 0);
	long rc;

	xtest_check(max >= GFN_BASE + NR_PAGES - 1, "maximum_gpfn of d%u: %#lx", dom, max);
	x.gpfn = r.gpfn = (uint64_t)max + 1;
	rc = hypercall(HC_memory_op, XENMEM_add_to_physmap, (unsigned long)&x, 0, 0, 0);
	xtest_check(rc == 0, "add_to_physmap(grant frame 0 at %#lx): %ld", (unsigned long)x.gpfn,
		    rc);
	rc = rc ? rc : pvh_map(window, x.gpfn, dom);
	xtest_check(rc == 0, "mapping d%u's grant frame: %ld", dom, rc);
	if (!rc) {
		/* Entry 1: the console page granted to dom0, as libxenguest writes it. */
		((volatile uint16_t *)window)[4] = 1 << 0; /* GTF_permit_access */
		((volatile uint32_t *)window)[3] = GFN_DATA;
		builder_unmap(window);
	}
	rc = hypercall(HC_memory_op, XENMEM_remove_from_physmap, (unsigned long)&r, 0, 0, 0);
	xtest_check(rc == 0, "remove_from_physmap(%#lx): %ld", (unsigned long)r.gpfn, rc);
	rc = pvh_map(window, x.gpfn, dom);
	xtest_check(rc != 0, "the removed GFN %#lx still maps: %ld", (unsigned long)x.gpfn, rc);
	if (!rc)
		builder_unmap(window);
	x.idx = 0x80000000u; /* a status frame: the table is version 1 */
	rc = hypercall(HC_memory_op, XENMEM_add_to_physmap, (unsigned long)&x, 0, 0, 0);
	xtest_check(rc == -EINVAL, "add_to_physmap of a status frame: %ld", rc);
}

/* HVM_PARAM_MCA_CAP: only LMCE is defined, and it needs the host's LMCE. */
static void mca_cap(uint16_t dom)
{
	uint64_t v = 2;
	long rc = param(HVMOP_set_param, dom, P_MCA_CAP, &v);

	xtest_check(rc == -EINVAL, "MCA_CAP 2: %ld", rc);
	v = MCA_CAP_LMCE;
	rc = param(HVMOP_set_param, dom, P_MCA_CAP, &v);
	xtest_check(rc == -EINVAL || (rc == 0 && builder_cpu_is_intel()), "MCA_CAP LMCE: %ld", rc);
	if (rc == 0)
		return;
	v = 0;
	rc = param(HVMOP_set_param, dom, P_MCA_CAP, &v);
	xtest_check(rc == 0, "MCA_CAP 0: %ld", rc);
	v = 7;
	rc = param(HVMOP_get_param, dom, P_MCA_CAP, &v);
	xtest_check(rc == 0 && v == 0, "get MCA_CAP: %ld, %#lx", rc, (unsigned long)v);
}

/* From outside, the control domain sets and reads what the guest itself may not. */
static void params(uint16_t dom)
{
	uint64_t v = STORE_EVTCHN;
	long rc = param(HVMOP_set_param, dom, P_STORE_EVTCHN, &v);

	xtest_check(rc == 0, "set d%u's STORE_EVTCHN: %ld", dom, rc);
	v = 0;
	rc = param(HVMOP_set_param, dom, P_TRIPLE_FAULT_REASON, &v);
	xtest_check(rc == 0, "set d%u's TRIPLE_FAULT_REASON: %ld", dom, rc);
	v = 99;
	rc = param(HVMOP_get_param, dom, P_TRIPLE_FAULT_REASON, &v);
	xtest_check(rc == 0 && v == 0, "get d%u's TRIPLE_FAULT_REASON: %ld, %lu", dom, rc,
		    (unsigned long)v);
	v = 6;
	rc = param(HVMOP_set_param, dom, P_TRIPLE_FAULT_REASON, &v);
	xtest_check(rc == -EINVAL, "TRIPLE_FAULT_REASON 6: %ld", rc);
	rc = param(HVMOP_get_param, 0x7000, P_STORE_EVTCHN, &v);
	xtest_check(rc == -ESRCH, "get_param of domain 0x7000: %ld", rc);
	mca_cap(dom);
}

/* The first record of @buf (a HEADER on both hypervisors) and the stream's size. */
static uint32_t get_context(uint16_t dom, void *buf, uint32_t size)
{
	long rc = pvh_context_op(XEN_DOMCTL_gethvmcontext, dom, buf, &size);

	if (rc) {
		xtest_error("gethvmcontext(%p): %ld", buf, rc);
		xtest_exit();
	}
	return size;
}

static long set_context(uint16_t dom, uint32_t size)
{
	return pvh_context_op(XEN_DOMCTL_sethvmcontext, dom, stream, &size);
}

/* The PVH entry state: 32-bit flat protected mode, paging off. */
static void fill_cpu(void)
{
	memset(&cpu, 0, sizeof(cpu));
	cpu.rip = GFN_CODE << 12;
	cpu.rbx = ENTRY_EBX;
	cpu.rflags = 0x2;
	cpu.cr0 = 0x11; /* PE, ET */
	cpu.cr2 = ENTRY_CR2;
	cpu.dr6 = 0xffff0ff0;
	cpu.dr7 = 0x400;
	cpu.cs_sel = 0x08, cpu.cs_limit = ~0u, cpu.cs_arbytes = 0xc9b;
	cpu.ds_sel = cpu.es_sel = cpu.ss_sel = cpu.fs_sel = cpu.gs_sel = 0x10;
	cpu.ds_limit = cpu.es_limit = cpu.ss_limit = cpu.fs_limit = cpu.gs_limit = ~0u;
	cpu.ds_arbytes = cpu.es_arbytes = cpu.ss_arbytes = cpu.fs_arbytes = cpu.gs_arbytes = 0xc93;
	cpu.tr_sel = 0x18, cpu.tr_limit = 0x67, cpu.tr_arbytes = 0x8b;
	cpu.ldtr_arbytes = 0x82;
}

/* HEADER (as the hypervisor wrote it), CPU record @cpu for vCPU @vcpu, END. */
static uint32_t build_stream(const struct save_header *hdr, unsigned int vcpu)
{
	struct pvh_desc d;
	uint32_t off = 0;

	d = (struct pvh_desc){ CODE_HEADER, 0, sizeof(*hdr) };
	memcpy(stream + off, &d, sizeof(d));
	memcpy(stream + off + sizeof(d), hdr, sizeof(*hdr));
	off += sizeof(d) + sizeof(*hdr);
	d = (struct pvh_desc){ CODE_CPU, (uint16_t)vcpu, sizeof(cpu) };
	memcpy(stream + off, &d, sizeof(d));
	memcpy(stream + off + sizeof(d), &cpu, sizeof(cpu));
	off += sizeof(d) + sizeof(cpu);
	d = (struct pvh_desc){ CODE_END, 0, 0 };
	memcpy(stream + off, &d, sizeof(d));
	return off + sizeof(d);
}

static const struct pvh_cpu *find_cpu(const uint8_t *buf, uint32_t size)
{
	return pvh_find_record(buf, size, CODE_CPU, sizeof(cpu));
}

static long get_partial(uint16_t dom, uint32_t type, uint32_t instance, void *buf, uint64_t *size)
{
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.partial.type = type;
	op.u.partial.instance = instance;
	op.u.partial.bufsz = *size;
	op.u.partial.buffer = buf;
	rc = domctl(XEN_DOMCTL_gethvmcontext_partial, dom, &op);
	*size = op.u.partial.bufsz;
	return rc;
}

/* One record at a time, as libxenguest reads the MTRRs: sizes, the CPU record's rip. */
static void check_partial(uint16_t dom)
{
	uint64_t size = 0;
	long rc = get_partial(dom, CODE_MTRR, 0, NULL, &size);

	xtest_check(rc == 0 && size == 240, "MTRR record size: %ld, %lu", rc, (unsigned long)size);
	size = sizeof(context);
	rc = get_partial(dom, CODE_MTRR, 0, context, &size);
	xtest_check(rc == 0 && size == 240, "MTRR record: %ld, %lu bytes", rc, (unsigned long)size);
	size = sizeof(context);
	rc = get_partial(dom, CODE_CPU, 0, context, &size);
	xtest_check(rc == 0 && size == sizeof(cpu) &&
			((const struct pvh_cpu *)context)->rip == GFN_CODE << 12,
		    "CPU record alone: %ld, %lu bytes, rip %#lx", rc, (unsigned long)size,
		    (unsigned long)((const struct pvh_cpu *)context)->rip);
	size = sizeof(context);
	rc = get_partial(dom, CODE_CPU, 5, context, &size);
	xtest_check(rc == -ENOENT, "CPU record of vCPU 5: %ld", rc);
}

static void vcpu_state(uint16_t dom)
{
	struct save_header hdr;
	struct pvh_desc first;
	const struct pvh_cpu *c;
	struct dctl op;
	uint32_t size, n;
	long rc;

	size = get_context(dom, NULL, 0);
	xtest_check(size > sizeof(first) + sizeof(hdr) && size <= sizeof(context),
		    "gethvmcontext size %u", size);
	size = get_context(dom, context, sizeof(context));
	memcpy(&first, context, sizeof(first));
	memcpy(&hdr, context + sizeof(first), sizeof(hdr));
	xtest_check(
	    first.typecode == CODE_HEADER && hdr.magic == HVM_FILE_MAGIC && hdr.version == 1,
	    "first record %u, magic %#x, version %u", first.typecode, hdr.magic, hdr.version);
	/* libxenguest takes vCPU 0's MTRRs from the whole stream. */
	xtest_check(pvh_find_record(context, size, CODE_MTRR, 240) != NULL,
		    "no MTRR record for vCPU 0 in the %u-byte stream", size);
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_gethvmcontext, 0, &op);
	xtest_check(rc == -EINVAL, "gethvmcontext of the caller: %ld", rc);

	fill_cpu();
	n = build_stream(&hdr, 0);
	((struct save_header *)(stream + sizeof(first)))->magic = 0x12345678;
	rc = set_context(dom, n);
	xtest_check(rc == -EINVAL, "sethvmcontext with a bad magic: %ld", rc);
	n = build_stream(&hdr, 5);
	rc = set_context(dom, n);
	xtest_check(rc == -EINVAL, "sethvmcontext for vCPU 5: %ld", rc);
	cpu.cr0 |= 1UL << 40;
	n = build_stream(&hdr, 0);
	rc = set_context(dom, n);
	xtest_check(rc == -EINVAL, "sethvmcontext with CR0 bit 40: %ld", rc);
	rc = set_context(0, n);
	xtest_check(rc == -EINVAL, "sethvmcontext on the caller: %ld", rc);

	fill_cpu();
	n = build_stream(&hdr, 0);
	rc = set_context(dom, n);
	if (rc) {
		xtest_error("sethvmcontext: %ld", rc);
		xtest_exit();
	}
	size = get_context(dom, context, sizeof(context));
	c = find_cpu(context, size);
	xtest_check(c && c->rip == cpu.rip && c->rbx == ENTRY_EBX && (uint32_t)c->cr0 == 0x11 &&
			c->cr2 == ENTRY_CR2 && c->cs_sel == 0x08 && c->cs_limit == ~0u,
		    "CPU record read back: rip %#lx rbx %#lx cr0 %#lx cr2 %#lx cs %#x/%#x",
		    c ? (unsigned long)c->rip : 0, c ? (unsigned long)c->rbx : 0,
		    c ? (unsigned long)c->cr0 : 0, c ? (unsigned long)c->cr2 : 0, c ? c->cs_sel : 0,
		    c ? c->cs_limit : 0);
	check_partial(dom);
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_getdomaininfo, dom, &op);
	xtest_check(rc == 0 && op.u.info.nr_online_vcpus == 1,
		    "after sethvmcontext: %ld, %u vCPUs online", rc, op.u.info.nr_online_vcpus);
}

/*
 * getvcpucontext of the HVM vCPU, as dump tools read it (Xen 4.17 and
 * Petrel): the registers sethvmcontext gave, CR0, the vCPU online.
 */
static void hvm_vcpucontext(uint16_t dom, struct dctl *op, uint8_t *ctx)
{
	uint64_t flags, rbx, rip, cr0;
	long rc;

	memset(ctx, 0, 5168);
	rc = domctl(XEN_DOMCTL_getvcpucontext, dom, op);
	memcpy(&flags, ctx + 512, 8);	     /* after the FXSAVE image */
	memcpy(&rbx, ctx + 520 + 5 * 8, 8);  /* user_regs: r15 r14 r13 r12 rbp rbx */
	memcpy(&rip, ctx + 520 + 16 * 8, 8); /* 15 registers, error_code/entry_vector */
	memcpy(&cr0, ctx + 4984, 8);	     /* ctrlreg[0], after the PV-only fields */
	xtest_check(rc == 0 && rip == GFN_CODE << 12 && rbx == ENTRY_EBX && cr0 == 0x11 &&
			(flags & (1u << 5)) /* VGCF_online */,
		    "getvcpucontext on the PVH d%u: %ld, rip %#lx rbx %#lx cr0 %#lx flags %#lx",
		    dom, rc, (unsigned long)rip, (unsigned long)rbx, (unsigned long)cr0,
		    (unsigned long)flags);
}

/*
 * The PV vCPU domctls on an HVM domain: Xen 4.17 serves them for HVM too;
 * Petrel refuses setvcpucontext and hypercall_init (-EOPNOTSUPP) rather
 * than write PV state the HVM vCPU does not have (checked on Petrel only),
 * and serves getvcpucontext as Xen does (checked on both).
 */
static void pv_domctls(uint16_t dom)
{
	static uint8_t ctx[5168];
	struct dctl op;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.vcpucontext.ctxt = ctx; /* vCPU 0 */
	hvm_vcpucontext(dom, &op, ctx);
	if (!xtest_on_petrel())
		return;
	rc = domctl(XEN_DOMCTL_setvcpucontext, dom, &op);
	xtest_check(rc == -EOPNOTSUPP, "setvcpucontext on the PVH d%u: %ld", dom, rc);
	memset(&op, 0, sizeof(op));
	op.u.gmfn = GFN_DATA;
	rc = domctl(XEN_DOMCTL_hypercall_init, dom, &op);
	xtest_check(rc == -EOPNOTSUPP, "hypercall_init on the PVH d%u: %ld", dom, rc);
}

static void run(uint16_t dom)
{
	struct dctl op;
	unsigned int code;
	long rc;

	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_unpausedomain, dom, &op);
	xtest_check(rc == 0, "unpausedomain: %ld", rc);
	if (!builder_wait_shutdown(dom, &op)) {
		xtest_fail("d%u did not shut down: flags %#x", dom, op.u.info.flags);
		return;
	}
	code = (op.u.info.flags >> XEN_DOMINF_shutdownshift) & 0xff;
	xtest_check(code == 0, "d%u's triple fault: shutdown code %u, want 0 (the param's)", dom,
		    code);
	rc = pvh_map(window, GFN_DATA, dom);
	if (rc) {
		xtest_error("mapping d%u's data page: %ld", dom, rc);
		return;
	}
	xtest_check(*(uint32_t *)(window + D_OUTPUT) == INPUT_VALUE * 3 + 1, "guest's answer %#x",
		    *(uint32_t *)(window + D_OUTPUT));
	xtest_check(*(uint32_t *)(window + D_EBX) == ENTRY_EBX, "guest's ebx at entry %#x",
		    *(uint32_t *)(window + D_EBX));
	xtest_check(*(int32_t *)(window + D_GET_RC) == 0 &&
			*(uint64_t *)(window + D_GET_PARAM + 8) == STORE_EVTCHN,
		    "guest's get_param(STORE_EVTCHN): %d, %lu", *(int32_t *)(window + D_GET_RC),
		    (unsigned long)*(uint64_t *)(window + D_GET_PARAM + 8));
	xtest_check(*(int32_t *)(window + D_SET_RC) == -EPERM, "guest's set_param(STORE_PFN): %d",
		    *(int32_t *)(window + D_SET_RC));
	builder_unmap(window);
}

void test_main(void)
{
	uint64_t free0 = builder_free_pages();
	uint16_t dom = create();

	printk("built PVH d%u, %lu pages free before\n", dom, (unsigned long)free0);
	limits(dom);
	populate(dom);
	image(dom);
	memory_map(dom);
	seed_grant_table(dom);
	params(dom);
	vcpu_state(dom);
	pv_domctls(dom);
	run(dom);
	builder_destroy_free(dom, free0);
}
