/* SPDX-License-Identifier: MIT */
/*
 * The PVH builder (see build.h and docs/xl.md): an HVM domain with only the
 * local APIC emulated, its RAM at guest frames [0, memory), the kernel's
 * segments at their physical addresses, the ramdisk and one page holding
 * hvm_start_info (version 1: module list, memory map, command line) after
 * them, ACPI tables (RSDP, XSDT, a hardware-reduced FADT, FACS, an empty
 * DSDT and a MADT with one local APIC per vCPU) in a page at 0xFC000000,
 * the xenstore and console rings in the special pages below 0xFF000000
 * (as libxl places them), their frames and ports in HVM params, and vCPU 0
 * set with sethvmcontext to the PVH entry state: 32-bit flat protected
 * mode, paging off, EBX the start_info address, EIP the kernel's
 * XEN_ELFNOTE_PHYS32_ENTRY.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "arch-x86/hvm/start_info.h"
#include "build_internal.h"
#include "pvh_acpi.h"
#include "hvm/hvm_op.h"
#include "hvm/params.h"
#include "hvm/save.h"

#define PAGE 4096ull
#define PVH_SPECIAL_PFN 0xfeff8ull /* reserved [0xfeff8000, 0xff000000) */
#define PVH_SPECIAL_PAGES 8ull
#define PVH_STORE_PFN 0xfeffcull
#define PVH_CONSOLE_PFN 0xfefffull
#define PVH_SCRATCH_PFN 0xff000ull	    /* past the highest frame, while seeding grants */
#define PVH_RAM_LIMIT (PVH_ACPI_PFN * PAGE) /* RAM stays below the ACPI page */
#define PVH_INFO_MODLIST 64
#define PVH_INFO_MEMMAP 128
#define PVH_INFO_CMDLINE 256
#define PVH_MEMMAP_ENTRIES 3

/* Where the pieces go, in guest-physical bytes. */
struct pvh_plan {
	uint64_t ram_pages;
	uint64_t kernel_start, kernel_end;
	uint64_t ramdisk, ramdisk_len;
	uint64_t info; /* the start_info page; also the end of what the builder writes */
};

static uint64_t page_up(uint64_t x)
{
	return (x + PAGE - 1) & ~(PAGE - 1);
}

static int plan(struct build *b, struct pvh_plan *p)
{
	const struct kernel_image *k = b->a->kernel;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)k->elf;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(k->elf + eh->e_phoff);
	uint64_t ram;

	if (!k->notes.has_phys32_entry)
		return build_fail(b, -ENOEXEC,
				  "the kernel has no XEN_ELFNOTE_PHYS32_ENTRY note, "
				  "so it cannot boot as PVH");
	if (b->a->vcpus < 1 || b->a->vcpus > PVH_ACPI_MAX_VCPUS)
		return build_fail(b, -EINVAL, "a PVH guest with %u vCPUs", b->a->vcpus);
	memset(p, 0, sizeof(*p));
	p->kernel_start = ~0ull;
	p->ram_pages = b->a->memory_kb >> 2;
	ram = p->ram_pages * PAGE;
	if (ram > PVH_RAM_LIMIT)
		return build_fail(b, -EINVAL, "a PVH guest of more than %llu MiB",
				  (unsigned long long)(PVH_RAM_LIMIT >> 20));
	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		if (ph[i].p_filesz > ph[i].p_memsz || ph[i].p_paddr + ph[i].p_memsz < ph[i].p_paddr)
			return build_fail(b, -ENOEXEC,
					  "segment %u: %#llx bytes from the file "
					  "at %#llx, %#llx in memory",
					  i, (unsigned long long)ph[i].p_filesz,
					  (unsigned long long)ph[i].p_paddr,
					  (unsigned long long)ph[i].p_memsz);
		if (ph[i].p_paddr < p->kernel_start)
			p->kernel_start = ph[i].p_paddr;
		if (ph[i].p_paddr + ph[i].p_memsz > p->kernel_end)
			p->kernel_end = ph[i].p_paddr + ph[i].p_memsz;
	}
	p->ramdisk = page_up(p->kernel_end);
	p->ramdisk_len = b->a->ramdisk ? b->a->ramdisk->len : 0;
	p->info = page_up(p->ramdisk + p->ramdisk_len);
	if (p->info + PAGE > ram)
		return build_fail(b, -ENOMEM,
				  "the kernel, ramdisk and start_info (%llu KiB) "
				  "in %llu KiB of memory",
				  (unsigned long long)((p->info + PAGE) >> 10),
				  (unsigned long long)(ram >> 10));
	return 0;
}

/* The memory map, as hvm_start_info entries (the e820 copy is derived from it). */
static void memmap(const struct pvh_plan *p, struct hvm_memmap_table_entry *m)
{
	memset(m, 0, PVH_MEMMAP_ENTRIES * sizeof(*m));
	m[0] =
	    (struct hvm_memmap_table_entry){ 0, p->ram_pages * PAGE, XEN_HVM_MEMMAP_TYPE_RAM, 0 };
	m[1] = (struct hvm_memmap_table_entry){ PVH_ACPI_PFN * PAGE, PAGE, XEN_HVM_MEMMAP_TYPE_ACPI,
						0 };
	m[2] = (struct hvm_memmap_table_entry){ PVH_SPECIAL_PFN * PAGE, PVH_SPECIAL_PAGES * PAGE,
						XEN_HVM_MEMMAP_TYPE_RESERVED, 0 };
}

static int set_memory_map(struct build *b, const struct pvh_plan *p)
{
	struct hvm_memmap_table_entry m[PVH_MEMMAP_ENTRIES];
	struct petrel_e820_entry e[PVH_MEMMAP_ENTRIES];

	memmap(p, m);
	for (int i = 0; i < PVH_MEMMAP_ENTRIES; i++)
		e[i] = (struct petrel_e820_entry){ m[i].addr, m[i].size, m[i].type };
	return build_memory_map(b, e, PVH_MEMMAP_ENTRIES);
}

static int paging_pool(struct build *b)
{
	/* libxl's default: 4 KiB per MiB of memory twice over, plus 1 MiB a vCPU */
	uint64_t kb = 4 * (256ull * b->a->vcpus + 2 * (b->a->memory_kb >> 10));
	struct xen_domctl d;
	int r;

	memset(&d, 0, sizeof(d));
	d.u.paging_mempool.size = kb << 10;
	r = ctrl_domctl(b->c, XEN_DOMCTL_set_paging_mempool_size, b->res->domid, &d);
	return r < 0
		   ? build_fail(b, r, "setting the paging pool to %llu KiB", (unsigned long long)kb)
		   : 0;
}

/* RAM, then the ACPI page and the two ring pages, one frame each. */
static int populate(struct build *b, const struct pvh_plan *p)
{
	static const uint64_t extra[] = { PVH_ACPI_PFN, PVH_STORE_PFN, PVH_CONSOLE_PFN };
	uint64_t frame;
	int r = build_populate(b, 0, p->ram_pages, b->p2m);

	for (size_t i = 0; !r && i < sizeof(extra) / sizeof(extra[0]); i++)
		r = build_populate(b, extra[i], 1, &frame);
	return r;
}

static void start_info(struct build *b, const struct pvh_plan *p, unsigned char *page)
{
	struct hvm_start_info *si = (struct hvm_start_info *)page;
	struct hvm_modlist_entry *mod = (struct hvm_modlist_entry *)(page + PVH_INFO_MODLIST);
	const char *cmdline = b->a->cmdline ? b->a->cmdline : "";
	size_t room = PAGE - PVH_INFO_CMDLINE - 1;

	si->magic = XEN_HVM_START_MAGIC_VALUE;
	si->version = 1;
	if (p->ramdisk_len) {
		si->nr_modules = 1;
		si->modlist_paddr = p->info + PVH_INFO_MODLIST;
		mod->paddr = p->ramdisk;
		mod->size = p->ramdisk_len;
	}
	if (cmdline[0]) {
		size_t n = strlen(cmdline) < room ? strlen(cmdline) : room;

		memcpy(page + PVH_INFO_CMDLINE, cmdline, n);
		si->cmdline_paddr = p->info + PVH_INFO_CMDLINE;
	}
	si->rsdp_paddr = PVH_ACPI_PFN * PAGE + PVH_ACPI_RSDP;
	memmap(p, (struct hvm_memmap_table_entry *)(page + PVH_INFO_MEMMAP));
	si->memmap_paddr = p->info + PVH_INFO_MEMMAP;
	si->memmap_entries = PVH_MEMMAP_ENTRIES;
}

/* Frames [0, info + 1 page): zeroed, the segments, the ramdisk, start_info. */
static int write_memory(struct build *b, const struct pvh_plan *p)
{
	const struct kernel_image *k = b->a->kernel;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)k->elf;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(k->elf + eh->e_phoff);
	uint64_t pages = p->info / PAGE + 1;
	unsigned char *mem = build_map_pfns(b, 0, pages);

	if (!mem)
		return build_fail(b, errno ? -errno : -EFAULT, "mapping the guest's memory");
	memset(mem, 0, pages * PAGE);
	for (unsigned int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_filesz)
			memcpy(mem + ph[i].p_paddr, k->elf + ph[i].p_offset, ph[i].p_filesz);
	if (p->ramdisk_len)
		memcpy(mem + p->ramdisk, b->a->ramdisk->data, p->ramdisk_len);
	start_info(b, p, mem + p->info);
	ctrl_unmap(mem, (unsigned int)pages);
	build_phase(b, "kernel at %#llx-%#llx, ramdisk at %#llx, start_info at %#llx",
		    (unsigned long long)p->kernel_start, (unsigned long long)p->kernel_end,
		    (unsigned long long)p->ramdisk, (unsigned long long)p->info);
	return 0;
}

/* One page at frame `pfn`: zeroed, then filled by fill (if not NULL). */
static int write_page(struct build *b, uint64_t pfn, void (*fill)(unsigned char *, unsigned int))
{
	unsigned char *m;
	int err = 0;

	m = ctrl_map_foreign(b->c, b->res->domid, PROT_READ | PROT_WRITE, &pfn, &err, 1);
	if (!m || err) {
		ctrl_unmap(m, 1);
		return build_fail(b, err ? err : -errno, "mapping frame %#llx",
				  (unsigned long long)pfn);
	}
	memset(m, 0, PAGE);
	if (fill)
		fill(m, b->a->vcpus);
	ctrl_unmap(m, 1);
	return 0;
}

static int set_param(struct build *b, uint32_t index, uint64_t value)
{
	struct xen_hvm_param prm = { .domid = b->res->domid, .index = index, .value = value };
	long r =
	    ctrl_hypercall_arg(b->c, __HYPERVISOR_hvm_op, HVMOP_set_param, &prm, sizeof(prm), 0, 0);

	return r < 0 ? build_fail(b, (int)r, "setting HVM param %u", index) : 0;
}

/*
 * Grant refs 0 and 1, as libxenguest seeds them for an HVM guest: the grant
 * table's first frame added to the guest's physmap at a scratch frame,
 * mapped and written there, then taken out again.
 */
static int seed_grants(struct build *b)
{
	struct xen_add_to_physmap add = { .domid = b->res->domid,
					  .space = XENMAPSPACE_grant_table,
					  .idx = 0,
					  .gpfn = PVH_SCRATCH_PFN };
	struct xen_remove_from_physmap rm = { .domid = b->res->domid, .gpfn = PVH_SCRATCH_PFN };
	uint64_t pfn = PVH_SCRATCH_PFN;
	grant_entry_v1_t *g;
	int err = 0;
	long r;

	r = ctrl_hypercall_arg(b->c, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, &add,
			       sizeof(add), 0, 0);
	if (r < 0)
		return build_fail(b, (int)r, "adding the grant table at frame %#llx",
				  (unsigned long long)pfn);
	g = ctrl_map_foreign(b->c, b->res->domid, PROT_READ | PROT_WRITE, &pfn, &err, 1);
	if (g && !err)
		build_write_grants(b, g);
	else
		err = err ? err : -errno;
	ctrl_unmap(g, 1);
	r = ctrl_hypercall_arg(b->c, __HYPERVISOR_memory_op, XENMEM_remove_from_physmap, &rm,
			       sizeof(rm), 0, 0);
	if (err)
		return build_fail(b, err, "mapping the grant table");
	return r < 0 ? build_fail(b, (int)r, "removing the grant table's scratch frame") : 0;
}

/* The record of type `code` and `instance` in an HVM context stream, or NULL. */
static struct hvm_save_descriptor *find_record(unsigned char *s, uint32_t len, uint16_t code,
					       uint16_t instance)
{
	for (uint32_t off = 0; off + sizeof(struct hvm_save_descriptor) <= len;) {
		struct hvm_save_descriptor *d = (struct hvm_save_descriptor *)(s + off);

		if (off + sizeof(*d) + d->length > len)
			return NULL;
		if (d->typecode == code && d->instance == instance)
			return d;
		if (d->typecode == PETREL_HVM_SAVE_CODE_END)
			return NULL;
		off += sizeof(*d) + d->length;
	}
	return NULL;
}

static unsigned char *append(unsigned char *out, uint16_t code, uint16_t instance, const void *body,
			     uint32_t len)
{
	struct hvm_save_descriptor d = { code, instance, len };

	memcpy(out, &d, sizeof(d));
	if (len)
		memcpy(out + sizeof(d), body, len);
	return out + sizeof(d) + len;
}

static void entry_state(const struct build *b, const struct pvh_plan *p,
			struct petrel_hvm_hw_cpu *cpu)
{
	memset(cpu, 0, sizeof(*cpu));
	cpu->rip = b->a->kernel->notes.phys32_entry;
	cpu->rbx = p->info;
	cpu->rflags = 2;
	cpu->cr0 = 0x11; /* PE, ET */
	cpu->dr6 = 0xffff0ff0;
	cpu->dr7 = 0x400;
	cpu->cs_sel = 0x08;
	cpu->ds_sel = cpu->es_sel = cpu->ss_sel = cpu->fs_sel = cpu->gs_sel = 0x10;
	cpu->tr_sel = 0x18;
	cpu->cs_limit = cpu->ds_limit = cpu->es_limit = cpu->ss_limit = ~0u;
	cpu->fs_limit = cpu->gs_limit = ~0u;
	cpu->tr_limit = 0x67;
	cpu->cs_arbytes = 0xc9b; /* 32-bit code, present, 4 KiB granular */
	cpu->ds_arbytes = cpu->es_arbytes = cpu->ss_arbytes = 0xc93;
	cpu->fs_arbytes = cpu->gs_arbytes = 0xc93;
	cpu->tr_arbytes = 0x8b;
	cpu->ldtr_arbytes = 0x82;
}

/*
 * gethvmcontext for the header and each vCPU's MTRRs, then one stream:
 * HEADER, the MTRRs with write-back as the default type, vCPU 0's CPU
 * record in the entry state, END.
 */
static int vcpu_context(struct build *b, const struct pvh_plan *p)
{
	const uint32_t mtrr_wb = 0x806; /* enabled, fixed ranges on, default write-back */
	struct petrel_hvm_hw_cpu cpu;
	struct hvm_save_descriptor *h, *m;
	unsigned char *cur, *in = NULL, *out = NULL;
	uint32_t in_len, out_len;
	struct xen_domctl d;
	int r;

	memset(&d, 0, sizeof(d));
	r = ctrl_domctl(b->c, XEN_DOMCTL_gethvmcontext, b->res->domid, &d);
	in_len = d.u.hvmcontext.size;
	if (r < 0 || !in_len || !(in = ctrl_buf_alloc(in_len)))
		return build_fail(b, r < 0 ? r : -ENOMEM, "reading the HVM context's size");
	memset(&d, 0, sizeof(d));
	d.u.hvmcontext.size = in_len;
	set_xen_guest_handle(d.u.hvmcontext.buffer, in);
	r = ctrl_domctl(b->c, XEN_DOMCTL_gethvmcontext, b->res->domid, &d);
	h = r < 0 ? NULL : find_record(in, d.u.hvmcontext.size, PETREL_HVM_SAVE_CODE_HEADER, 0);
	out_len = in_len + sizeof(cpu) + 2 * sizeof(*h);
	if (!h || !(out = ctrl_buf_alloc(out_len))) {
		ctrl_buf_free(in, in_len);
		return build_fail(b, r < 0 ? r : -EINVAL, "reading the HVM context");
	}
	cur = append(out, h->typecode, 0, h + 1, h->length);
	for (unsigned int v = 0; v < b->a->vcpus; v++) {
		m = find_record(in, d.u.hvmcontext.size, PETREL_HVM_SAVE_CODE_MTRR, (uint16_t)v);
		if (m && m->length == sizeof(struct hvm_hw_mtrr)) {
			((struct hvm_hw_mtrr *)(m + 1))->msr_mtrr_def_type = mtrr_wb;
			cur = append(cur, m->typecode, m->instance, m + 1, m->length);
		}
	}
	entry_state(b, p, &cpu);
	cur = append(cur, PETREL_HVM_SAVE_CODE_CPU, 0, &cpu, sizeof(cpu));
	cur = append(cur, PETREL_HVM_SAVE_CODE_END, 0, NULL, 0);
	memset(&d, 0, sizeof(d));
	d.u.hvmcontext.size = (uint32_t)(cur - out);
	set_xen_guest_handle(d.u.hvmcontext.buffer, out);
	r = ctrl_domctl(b->c, XEN_DOMCTL_sethvmcontext, b->res->domid, &d);
	ctrl_buf_free(in, in_len);
	ctrl_buf_free(out, out_len);
	return r < 0 ? build_fail(b, r, "setting vCPU 0's entry state") : 0;
}

int pvh_build_steps(struct build *b)
{
	struct pvh_plan p;
	int r;

	if ((r = plan(b, &p)))
		return r;
	b->l->nr_pages = p.ram_pages;
	b->p2m = calloc(p.ram_pages, sizeof(*b->p2m));
	if (!b->p2m)
		return build_fail(b, -ENOMEM, "frame list");
	if ((r = build_create_domain(b)) || (r = build_limits(b)) || (r = paging_pool(b)) ||
	    (r = build_unbound_port(b, &b->res->store_port)) ||
	    (r = build_unbound_port(b, &b->res->console_port)) || (r = set_memory_map(b, &p)))
		return r;
	build_phase(b, "PVH domain %u created, limits, paging pool, event channels, memory map",
		    b->res->domid);
	if ((r = populate(b, &p)))
		return r;
	build_phase(b, "populated %llu pages and the ACPI and ring pages",
		    (unsigned long long)p.ram_pages);
	for (uint64_t i = 0; i < p.ram_pages; i++)
		b->p2m[i] = i;
	b->res->store_mfn = PVH_STORE_PFN;
	b->res->console_mfn = PVH_CONSOLE_PFN;
	if ((r = write_memory(b, &p)) || (r = write_page(b, PVH_ACPI_PFN, pvh_acpi_tables)) ||
	    (r = write_page(b, PVH_STORE_PFN, NULL)) || (r = write_page(b, PVH_CONSOLE_PFN, NULL)))
		return r;
	build_phase(b, "ACPI tables, xenstore and console pages");
	if ((r = set_param(b, HVM_PARAM_STORE_PFN, PVH_STORE_PFN)) ||
	    (r = set_param(b, HVM_PARAM_STORE_EVTCHN, b->res->store_port)) ||
	    (r = set_param(b, HVM_PARAM_CONSOLE_PFN, PVH_CONSOLE_PFN)) ||
	    (r = set_param(b, HVM_PARAM_CONSOLE_EVTCHN, b->res->console_port)) ||
	    (r = seed_grants(b)) || (r = vcpu_context(b, &p)))
		return r;
	build_phase(b, "HVM params, grant refs, vCPU 0 at %#x", b->a->kernel->notes.phys32_entry);
	return 0;
}
