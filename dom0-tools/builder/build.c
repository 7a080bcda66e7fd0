/* SPDX-License-Identifier: MIT */
/* The PV builder's hypercall half (see build.h and docs/xl.md). */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "build.h"
#include "build_internal.h"
#include "errno.h"
#include "event_channel.h"
#include "grant_table.h"
#include "memory.h"

/* Xen's extra memory allowance over the target (libxl's LIBXL_MAXMEM_CONSTANT). */
#define MAXMEM_SLACK_KB 1024
#define POPULATE_BATCH 4096

int build_fail(struct build *b, int r, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(b->err, b->errlen, "%s: %s", what, strerror(-r));
	return r;
}

void build_phase(struct build *b, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	if (!b->a->phase)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	b->a->phase(what);
}

int build_create_domain(struct build *b)
{
	struct xen_sysctl_physinfo p;
	struct xen_domctl d;
	int r;

	if (ctrl_physinfo(b->c, &p) == 0)
		b->grant_version = (p.capabilities & XEN_SYSCTL_PHYSCAP_gnttab_v2) ? 2 : 1;
	else
		b->grant_version = 1;
	memset(&d, 0, sizeof(d));
	memcpy(d.u.createdomain.handle, b->a->uuid, 16);
	d.u.createdomain.max_vcpus = b->a->vcpus;
	d.u.createdomain.max_evtchn_port = 1023;
	d.u.createdomain.max_grant_frames = b->a->max_grant_frames;
	d.u.createdomain.max_maptrack_frames = b->a->max_maptrack_frames;
	d.u.createdomain.grant_opts = XEN_DOMCTL_GRANT_version(b->grant_version);
	if (b->a->pvh) {
		d.u.createdomain.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
		d.u.createdomain.arch.emulation_flags = XEN_X86_EMU_LAPIC;
	}
	r = ctrl_domctl(b->c, XEN_DOMCTL_createdomain, 0, &d);
	if (r < 0)
		return build_fail(b, r, "creating the domain");
	b->res->domid = d.domain;
	return 0;
}

int build_limits(struct build *b)
{
	struct xen_domctl d;
	int r;

	memset(&d, 0, sizeof(d));
	d.u.max_vcpus.max = b->a->vcpus;
	r = ctrl_domctl(b->c, XEN_DOMCTL_max_vcpus, b->res->domid, &d);
	if (r < 0)
		return build_fail(b, r, "setting %u vCPUs", b->a->vcpus);
	memset(&d, 0, sizeof(d));
	d.u.max_mem.max_memkb = b->a->memory_kb + MAXMEM_SLACK_KB;
	r = ctrl_domctl(b->c, XEN_DOMCTL_max_mem, b->res->domid, &d);
	if (r < 0)
		return build_fail(b, r, "setting the memory limit");
	if (b->a->pvh)
		return 0;
	memset(&d, 0, sizeof(d));
	d.u.address_size.size = 64;
	r = ctrl_domctl(b->c, XEN_DOMCTL_set_address_size, b->res->domid, &d);
	return r < 0 ? build_fail(b, r, "setting the 64-bit address size") : 0;
}

int build_unbound_port(struct build *b, uint32_t *port)
{
	struct evtchn_alloc_unbound u = { .dom = b->res->domid, .remote_dom = 0 };
	long r = ctrl_hypercall_arg(b->c, __HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, &u,
				    sizeof(u), 0, 0);

	if (r < 0)
		return build_fail(b, (int)r, "allocating an event channel");
	*port = u.port;
	return 0;
}

int build_memory_map(struct build *b, const struct petrel_e820_entry *map, unsigned int n)
{
	struct petrel_e820_entry *e = ctrl_buf_alloc(n * sizeof(*e));
	struct xen_foreign_memory_map m = { .domid = b->res->domid };
	long r;

	if (!e)
		return build_fail(b, -ENOMEM, "memory map");
	memcpy(e, map, n * sizeof(*e));
	m.map.nr_entries = n;
	set_xen_guest_handle(m.map.buffer, e);
	r = ctrl_hypercall_arg(b->c, __HYPERVISOR_memory_op, XENMEM_set_memory_map, &m, sizeof(m),
			       0, 0);
	ctrl_buf_free(e, n * sizeof(*e));
	return r < 0 ? build_fail(b, (int)r, "setting the memory map") : 0;
}

static int memory_map(struct build *b)
{
	const struct petrel_e820_entry ram = { 0, (b->a->memory_kb + MAXMEM_SLACK_KB) << 10,
					       PETREL_E820_RAM };

	return build_memory_map(b, &ram, 1);
}

/*
 * Back pfns [first, first + n) with memory; for a PV guest Xen writes each
 * page's mfn back (into frames[]), for an HVM one the list stays as it was.
 */
int build_populate(struct build *b, uint64_t first, uint64_t n, uint64_t *frames)
{
	uint64_t done = 0, chunk;
	uint64_t *buf = ctrl_buf_alloc(POPULATE_BATCH * sizeof(*buf));
	struct xen_memory_reservation res;
	long r = 0;

	if (!buf)
		return build_fail(b, -ENOMEM, "populating memory");
	while (done < n) {
		chunk = n - done < POPULATE_BATCH ? n - done : POPULATE_BATCH;
		for (uint64_t i = 0; i < chunk; i++)
			buf[i] = first + done + i;
		memset(&res, 0, sizeof(res));
		set_xen_guest_handle(res.extent_start, (xen_pfn_t *)buf);
		res.nr_extents = chunk;
		res.domid = b->res->domid;
		r = ctrl_hypercall_arg(b->c, __HYPERVISOR_memory_op, XENMEM_populate_physmap, &res,
				       sizeof(res), 0, 0);
		if (r != (long)chunk)
			break;
		memcpy(frames + done, buf, chunk * sizeof(*buf));
		done += chunk;
	}
	ctrl_buf_free(buf, POPULATE_BATCH * sizeof(*buf));
	if (done < n)
		return build_fail(
		    b, r < 0 ? (int)r : -ENOMEM, "populating %llu pages at pfn %#llx (%llu done)",
		    (unsigned long long)n, (unsigned long long)first, (unsigned long long)done);
	return 0;
}

void *build_map_pfns(struct build *b, uint64_t first, uint64_t count)
{
	int *errs = calloc(count, sizeof(*errs));
	void *m = NULL;

	if (!errs)
		return NULL;
	m = ctrl_map_foreign(b->c, b->res->domid, PROT_READ | PROT_WRITE, b->p2m + first, errs,
			     (unsigned int)count);
	for (uint64_t i = 0; m && i < count; i++) {
		if (errs[i]) {
			ctrl_unmap(m, (unsigned int)count);
			m = NULL;
		}
	}
	free(errs);
	return m;
}

/* The file-backed part of each PT_LOAD segment, as offsets into the initial mapping. */
struct span {
	uint64_t start, len;
	uint64_t file_offset;
};

static unsigned int segment_spans(struct build *b, struct span *out)
{
	const struct kernel_image *k = b->a->kernel;
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)k->elf;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(k->elf + eh->e_phoff);
	uint64_t offset = k->notes.virt_base - k->notes.paddr_offset;
	unsigned int n = 0;

	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0 || ph[i].p_filesz == 0)
			continue;
		out[n++] = (struct span){ ph[i].p_paddr + offset - b->l->virt_base, ph[i].p_filesz,
					  ph[i].p_offset };
	}
	return n;
}

static int by_start(const void *x, const void *y)
{
	const struct span *a = x, *b = y;

	return a->start < b->start ? -1 : a->start > b->start;
}

/*
 * Copy the segments' file contents and zero every other byte of the
 * mapping (bss, the gaps, the start-of-day pages): each byte is written
 * once, never zeroed and then overwritten.
 */
static int load_segments(struct build *b, unsigned char *mem, uint64_t size)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)b->a->kernel->elf;
	struct span *s = calloc(eh->e_phnum, sizeof(*s));
	unsigned int n;
	uint64_t pos = 0;

	if (!s)
		return -ENOMEM;
	n = segment_spans(b, s);
	qsort(s, n, sizeof(s[0]), by_start);
	for (unsigned int i = 0; i < n; i++) {
		if (s[i].start > pos)
			memset(mem + pos, 0, s[i].start - pos);
		memcpy(mem + s[i].start, b->a->kernel->elf + s[i].file_offset, s[i].len);
		if (s[i].start + s[i].len > pos)
			pos = s[i].start + s[i].len;
	}
	if (pos < size)
		memset(mem + pos, 0, size - pos);
	free(s);
	return 0;
}

static void fill_start_info(struct build *b, struct start_info *si)
{
	const struct pv_layout *l = b->l;

	memset(si, 0, sizeof(*si));
	strcpy(si->magic, "xen-3.0-x86_64");
	si->nr_pages = l->nr_pages;
	si->shared_info = b->shared_info_mfn << PV_PAGE_SHIFT;
	si->store_mfn = b->res->store_mfn;
	si->store_evtchn = b->res->store_port;
	si->console.domU.mfn = b->res->console_mfn;
	si->console.domU.evtchn = b->res->console_port;
	si->pt_base = pv_layout_va(l, l->pt_pfn);
	si->nr_pt_frames = l->pt_pages;
	si->mfn_list = pv_layout_va(l, l->p2m_pfn);
	if (l->ramdisk_pages) {
		si->mod_len = l->ramdisk_pages << PV_PAGE_SHIFT;
		si->mod_start =
		    l->ramdisk_unmapped ? l->ramdisk_pfn : pv_layout_va(l, l->ramdisk_pfn);
		if (l->ramdisk_unmapped)
			si->flags |= SIF_MOD_START_PFN;
	}
	if (b->a->cmdline)
		snprintf((char *)si->cmd_line, sizeof(si->cmd_line), "%s", b->a->cmdline);
}

/* Everything in the initial mapping, written through one foreign mapping. */
static int write_image(struct build *b)
{
	const struct pv_layout *l = b->l;
	uint64_t pages = (l->map_end - l->virt_base) >> PV_PAGE_SHIFT;
	unsigned char *mem = build_map_pfns(b, 0, pages);

	if (!mem)
		return build_fail(b, errno ? -errno : -EFAULT, "mapping the guest's memory");
	build_phase(b, "initial mapping mapped (%llu pages)", (unsigned long long)pages);
	if (load_segments(b, mem, pages << PV_PAGE_SHIFT)) {
		ctrl_unmap(mem, (unsigned int)pages);
		return build_fail(b, -ENOMEM, "loading the kernel");
	}
	if (l->ramdisk_pages && !l->ramdisk_unmapped)
		memcpy(mem + (l->ramdisk_pfn << PV_PAGE_SHIFT), b->a->ramdisk->data,
		       b->a->ramdisk->len);
	build_phase(b, "kernel loaded, the rest zeroed");
	memcpy(mem + (l->p2m_pfn << PV_PAGE_SHIFT), b->p2m, l->nr_pages * sizeof(uint64_t));
	fill_start_info(b, (struct start_info *)(mem + (l->start_info_pfn << PV_PAGE_SHIFT)));
	pv_layout_page_tables(l, b->p2m, (uint64_t *)(mem + (l->pt_pfn << PV_PAGE_SHIFT)));
	build_phase(b, "p2m, start_info, page tables");
	ctrl_unmap(mem, (unsigned int)pages);
	return 0;
}

/* A ramdisk outside the initial mapping: its pages, the tail zeroed. */
static int write_unmapped_ramdisk(struct build *b)
{
	const struct pv_layout *l = b->l;
	const struct ramdisk *rd = b->a->ramdisk;
	unsigned char *mem;

	if (!l->ramdisk_unmapped)
		return 0;
	mem = build_map_pfns(b, l->ramdisk_pfn, l->ramdisk_pages);
	if (!mem)
		return build_fail(b, errno ? -errno : -EFAULT, "mapping the ramdisk's pages");
	memcpy(mem, rd->data, rd->len);
	memset(mem + rd->len, 0, (l->ramdisk_pages << PV_PAGE_SHIFT) - rd->len);
	ctrl_unmap(mem, (unsigned int)l->ramdisk_pages);
	return 0;
}

static int hypercall_page(struct build *b)
{
	const struct xen_notes *n = &b->a->kernel->notes;
	struct xen_domctl d;
	int r;

	if (!n->has_hypercall_page)
		return 0;
	memset(&d, 0, sizeof(d));
	d.u.hypercall_init.gmfn = b->p2m[(n->hypercall_page - b->l->virt_base) >> PV_PAGE_SHIFT];
	r = ctrl_domctl(b->c, XEN_DOMCTL_hypercall_init, b->res->domid, &d);
	return r < 0 ? build_fail(b, r, "filling the hypercall page") : 0;
}

/* mmuext_op(ops, count, done, foreign domain): pin the L4 for the new domain. */
static int pin_l4(struct build *b)
{
	struct mmuext_op *op = ctrl_buf_alloc(sizeof(*op));
	long r;

	if (!op)
		return build_fail(b, -ENOMEM, "pinning the page tables");
	op->cmd = MMUEXT_PIN_L4_TABLE;
	op->arg1.mfn = b->p2m[b->l->pt_pfn];
	r = ctrl_hypercall(b->c, __HYPERVISOR_mmuext_op, (uintptr_t)op, 1, 0, b->res->domid, 0);
	ctrl_buf_free(op, sizeof(*op));
	return r < 0 ? build_fail(b, (int)r, "pinning the page tables") : 0;
}

static int shared_info(struct build *b)
{
	struct xen_domctl_getdomaininfo info;
	struct shared_info *si;
	int err = 0, r = ctrl_domain_info(b->c, b->res->domid, &info);

	if (r < 0)
		return build_fail(b, r, "reading the new domain's info");
	b->shared_info_mfn = info.shared_info_frame;
	si = ctrl_map_foreign(b->c, b->res->domid, PROT_READ | PROT_WRITE, &b->shared_info_mfn,
			      &err, 1);
	if (!si || err) {
		ctrl_unmap(si, 1);
		return build_fail(b, err ? err : -errno, "mapping shared_info");
	}
	memset(si, 0, sizeof(*si));
	for (int i = 0; i < XEN_LEGACY_MAX_VCPUS; i++)
		si->vcpu_info[i].evtchn_upcall_mask = 1;
	ctrl_unmap(si, 1);
	return 0;
}

static int vcpu_context(struct build *b)
{
	vcpu_guest_context_t *v = ctrl_buf_alloc(sizeof(*v));
	const struct pv_layout *l = b->l;
	struct xen_domctl d;
	int r;

	if (!v)
		return build_fail(b, -ENOMEM, "vCPU context");
	v->flags = VGCF_in_kernel | VGCF_online;
	v->user_regs.rip = b->a->kernel->entry;
	v->user_regs.rsp = pv_layout_va(l, l->stack_pfn + 1);
	v->user_regs.rsi = pv_layout_va(l, l->start_info_pfn);
	v->user_regs.rflags = 1 << 9;
	v->user_regs.cs = FLAT_KERNEL_CS;
	v->user_regs.ss = FLAT_KERNEL_SS;
	v->user_regs.ds = v->user_regs.es = v->user_regs.fs = v->user_regs.gs = FLAT_KERNEL_DS;
	v->kernel_ss = FLAT_KERNEL_SS;
	v->kernel_sp = v->user_regs.rsp;
	v->ctrlreg[3] = b->p2m[l->pt_pfn] << PV_PAGE_SHIFT;
	memset(&d, 0, sizeof(d));
	d.u.vcpucontext.vcpu = 0;
	set_xen_guest_handle(d.u.vcpucontext.ctxt, v);
	r = ctrl_domctl(b->c, XEN_DOMCTL_setvcpucontext, b->res->domid, &d);
	ctrl_buf_free(v, sizeof(*v));
	return r < 0 ? build_fail(b, r, "setting vCPU 0's context") : 0;
}

/* The grant table's first frame: acquire_resource, else setup_table + map. */
static void *grant_frame(struct build *b)
{
	struct gnttab_setup_table st = { .dom = b->res->domid, .nr_frames = 1 };
	uint64_t *frame = ctrl_buf_alloc(sizeof(*frame));
	void *g =
	    ctrl_map_resource(b->c, b->res->domid, XENMEM_resource_grant_table,
			      XENMEM_resource_grant_table_id_shared, 0, 1, PROT_READ | PROT_WRITE);
	int err = 0;
	long r;

	if (g || !frame) {
		ctrl_buf_free(frame, sizeof(*frame));
		return g;
	}
	set_xen_guest_handle(st.frame_list, (xen_pfn_t *)frame);
	r = ctrl_hypercall_arg(b->c, __HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st,
			       sizeof(st), 1, 0);
	if (r == 0 && st.status == 0)
		g = ctrl_map_foreign(b->c, b->res->domid, PROT_READ | PROT_WRITE, frame, &err, 1);
	if (g && err) {
		ctrl_unmap(g, 1);
		g = NULL;
	}
	ctrl_buf_free(frame, sizeof(*frame));
	return g;
}

int build_seed_grants(struct build *b)
{
	grant_entry_v1_t *g = grant_frame(b);

	if (!g)
		return build_fail(b, -EIO, "mapping the grant table");
	build_write_grants(b, g);
	ctrl_unmap(g, 1);
	return 0;
}

void build_write_grants(struct build *b, grant_entry_v1_t *g)
{
	/* the backend domid and frame first, the permission last */
	g[0].domid = 0;
	g[0].frame = (uint32_t)b->res->console_mfn;
	g[1].domid = 0;
	g[1].frame = (uint32_t)b->res->store_mfn;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	g[0].flags = GTF_permit_access;
	g[1].flags = GTF_permit_access;
}

static int build_steps(struct build *b)
{
	const struct kernel_image *k = b->a->kernel;
	const struct ramdisk *rd = b->a->ramdisk;
	uint64_t rd_pages = rd ? (rd->len + PV_PAGE_SIZE - 1) >> PV_PAGE_SHIFT : 0;
	struct pv_layout *l = b->l;
	int r;

	if (b->a->pvh)
		return pvh_build_steps(b);
	if (k->pvh_only)
		return build_fail(b, -ENOEXEC, "the kernel boots only as PVH (type = \"pvh\")");
	r = pv_layout_plan_ramdisk(k->notes.virt_base, k->virt_start, k->virt_end,
				   b->a->memory_kb >> 2, rd_pages, k->notes.mod_start_pfn, l,
				   b->err, b->errlen);
	if (r)
		return r;
	b->p2m = calloc(l->nr_pages, sizeof(*b->p2m));
	if (!b->p2m)
		return build_fail(b, -ENOMEM, "p2m");
	if ((r = build_create_domain(b)) || (r = build_limits(b)) ||
	    (r = build_unbound_port(b, &b->res->store_port)) ||
	    (r = build_unbound_port(b, &b->res->console_port)) || (r = memory_map(b)))
		return r;
	build_phase(b, "domain %u created, limits, event channels", b->res->domid);
	if ((r = build_populate(b, 0, l->nr_pages, b->p2m)))
		return r;
	build_phase(b, "populated %llu pages", (unsigned long long)l->nr_pages);
	b->res->store_mfn = b->p2m[l->xenstore_pfn];
	b->res->console_mfn = b->p2m[l->console_pfn];
	if ((r = shared_info(b)) || (r = write_image(b)))
		return r;
	build_phase(b, "initial mapping unmapped");
	if ((r = write_unmapped_ramdisk(b)))
		return r;
	if (l->ramdisk_unmapped)
		build_phase(b, "ramdisk written (%llu pages)",
			    (unsigned long long)l->ramdisk_pages);
	if ((r = hypercall_page(b)) || (r = pin_l4(b)) || (r = vcpu_context(b)) ||
	    (r = build_seed_grants(b)))
		return r;
	build_phase(b, "hypercall page, L4 pinned, vCPU 0, grant refs");
	return 0;
}

int pv_build(struct ctrl *c, struct xs_handle *xs, const struct pv_build_args *a,
	     struct pv_build_result *res, char *err, size_t errlen)
{
	struct build b = {
		.c = c, .a = a, .res = res, .l = &res->layout, .err = err, .errlen = errlen
	};
	int r;

	memset(res, 0, sizeof(*res));
	res->domid = DOMID_INVALID;
	r = build_steps(&b);
	if (!r && !(r = pv_build_xenstore(xs, a, res, err, errlen)))
		build_phase(&b, "xenstore records, domain introduced");
	if (!r && !a->paused && (r = ctrl_domain_unpause(c, res->domid)) < 0)
		build_fail(&b, r, "unpausing the domain");
	else if (!r && !a->paused)
		build_phase(&b, "unpaused");
	if (r && res->domid != DOMID_INVALID) {
		pv_build_xenstore_remove(xs, res->domid, a->uuid);
		ctrl_domain_destroy(c, res->domid);
	}
	free(b.p2m);
	return r;
}
