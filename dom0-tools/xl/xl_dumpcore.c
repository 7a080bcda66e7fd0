/* SPDX-License-Identifier: MIT */
/*
 * xl dump-core: a PV domain's memory and vCPU state in the file layout
 * libxenctrl's xc_domain_dumpcore writes, so the tools that read Xen's cores
 * read these.  An ELF64 core with section headers and no program headers:
 *
 *	.shstrtab         the section names (last in the file)
 *	.note.Xen         four "Xen" notes: none, the core header (magic,
 *	                  vCPUs, pages, page size), Xen's version, the format
 *	                  version
 *	.xen_prstatus     each vCPU's vcpu_guest_context
 *	.xen_shared_info  the shared_info page (an HVM guest's only where the
 *	                  frame getdomaininfo names maps)
 *	.xen_pages        the guest's pages, page aligned, in pfn order
 *	.xen_p2m          PV: a (pfn, mfn) pair for each of those pages
 *	.xen_pfn          HVM (auto-translated): the pfn of each of them
 *
 * A PV guest's pages are found through the p2m its kernel publishes in
 * shared_info: the linear list at p2m_vaddr in the address space of
 * p2m_cr3, or else the frame-list tree.  An HVM guest's are its GFNs below
 * XENMEM_maximum_gpfn + 1 outside the VGA hole and the MMIO hole below
 * 4 GiB, each that maps.  There are as many of them as the domain has pages
 * (the file is padded with zero pages if fewer are found).  32-bit PV guests
 * are refused.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elfnote.h"
#include "memory.h"
#include "version.h"
#include "xl.h"

#define PAGE 4096UL
#define PER_PAGE 512UL /* p2m entries, or page-table entries, in a page */
#define INVALID_ENTRY (~0ULL)
#define CORE_MAGIC 0xF00FEBEDULL
#define CORE_MAGIC_HVM 0xF00FEBEEULL
#define VGA_HOLE_PFN 0xa0UL	/* to 0xc0 */
#define MMIO_HOLE_PFN 0xf0000UL /* HVM_BELOW_4G_MMIO_START, to 4 GiB */
#define FOUR_GIB_PFN 0x100000UL
#define FORMAT_VERSION 1ULL /* 0.1 */
#define BATCH 1024	    /* pages mapped and written at a time */

/* The section headers, in file order of the header table. */
enum { SEC_NULL, SEC_STRTAB, SEC_NOTE, SEC_PRSTATUS, SEC_SHINFO, SEC_PAGES, SEC_P2M, NR_SECS };

static const char *const sec_names[NR_SECS] = {
	[SEC_STRTAB] = ".shstrtab",	  [SEC_NOTE] = ".note.Xen",
	[SEC_PRSTATUS] = ".xen_prstatus", [SEC_SHINFO] = ".xen_shared_info",
	[SEC_PAGES] = ".xen_pages",	  [SEC_P2M] = ".xen_p2m",
};
#define SEC_PFN_NAME ".xen_pfn" /* SEC_P2M's place in an HVM guest's core */

struct note_head {
	uint32_t namesz, descsz, type;
	char name[4];
};

struct version_desc {
	uint64_t major, minor;
	xen_extraversion_t extra;
	xen_compile_info_t compile;
	xen_capabilities_info_t caps;
	xen_changeset_info_t changeset;
	xen_platform_parameters_t params;
	uint64_t pagesize;
};

struct p2m_pair {
	uint64_t pfn, mfn;
};

struct core {
	struct ctrl *c;
	uint16_t domid;
	int fd;
	struct xen_domctl_getdomaininfo info;
	struct shared_info *shinfo;
	struct vcpu_guest_context *ctxt; /* nr_vcpus of them */
	unsigned int nr_vcpus;
	uint64_t *p2m; /* p2m_size entries */
	unsigned long p2m_size, nr_pages, max_mfn;
	struct p2m_pair *pairs; /* nr_pages, PV */
	uint64_t *pfns;		/* nr_pages, HVM */
	bool hvm;
	Elf64_Shdr sh[NR_SECS];
	unsigned int nr_secs; /* those in the file: no shared_info for some HVM guests */
	char strtab[128];
	unsigned int strtab_len;
};

static int write_all(struct core *k, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(k->fd, p, len);

		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One frame of the domain mapped read-only, or NULL with errno set. */
static void *map_frame(struct core *k, uint64_t frame)
{
	int err;
	void *p = ctrl_map_foreign(k->c, k->domid, PROT_READ, &frame, &err, 1);

	if (p && err) {
		ctrl_unmap(p, 1);
		errno = -err;
		return NULL;
	}
	return p;
}

/* A copy of n frames' contents, or NULL with errno set. */
static void *copy_frames(struct core *k, const uint64_t *frames, unsigned int n)
{
	int *err = calloc(n, sizeof(*err));
	void *p = err ? ctrl_map_foreign(k->c, k->domid, PROT_READ, frames, err, n) : NULL;
	void *copy = p ? malloc(n * PAGE) : NULL;

	for (unsigned int i = 0; copy && i < n; i++) {
		if (err[i]) {
			free(copy);
			copy = NULL;
			errno = -err[i];
		}
	}
	if (copy)
		memcpy(copy, p, n * PAGE);
	if (p)
		ctrl_unmap(p, n);
	free(err);
	return copy;
}

static int vcpu_contexts(struct core *k)
{
	struct vcpu_guest_context *v = ctrl_buf_alloc(sizeof(*v));
	struct xen_domctl d;

	if (!v)
		return -ENOMEM;
	k->ctxt = calloc(k->info.max_vcpu_id + 1, sizeof(*k->ctxt));
	for (uint32_t i = 0; k->ctxt && i <= k->info.max_vcpu_id; i++) {
		memset(&d, 0, sizeof(d));
		memset(v, 0, sizeof(*v));
		d.u.vcpucontext.vcpu = i;
		set_xen_guest_handle(d.u.vcpucontext.ctxt, v);
		if (ctrl_domctl(k->c, XEN_DOMCTL_getvcpucontext, k->domid, &d) == 0)
			k->ctxt[k->nr_vcpus++] = *v;
	}
	ctrl_buf_free(v, sizeof(*v));
	return !k->ctxt ? -ENOMEM : k->nr_vcpus ? 0 : -ENODATA;
}

/* The guest's address width in bytes (PV: 8 for a 64-bit guest). */
static int guest_width(struct core *k)
{
	struct xen_domctl d;
	int r;

	memset(&d, 0, sizeof(d));
	r = ctrl_domctl(k->c, XEN_DOMCTL_get_address_size, k->domid, &d);
	return r < 0 ? r : (int)d.u.address_size.size / 8;
}

/* The next frame after @table's entry for @va at @level (1..4), or 0. */
static uint64_t table_entry(struct core *k, uint64_t table, uint64_t va, unsigned int level)
{
	uint64_t *t = map_frame(k, table), e;

	if (!t)
		return 0;
	e = t[(va >> (12 + 9 * (level - 1))) & (PER_PAGE - 1)];
	ctrl_unmap(t, 1);
	return (e & 0x000ffffffffff000ULL) >> 12;
}

/* The frame that maps @va in the page tables at @top; its L1 table's in *l1. */
static uint64_t walk(struct core *k, uint64_t top, uint64_t va, uint64_t *l1)
{
	uint64_t f = top;

	for (unsigned int level = 4; level > 0 && f; level--) {
		if (level == 1)
			*l1 = f;
		f = table_entry(k, f, va, level);
	}
	return f;
}

/*
 * The p2m's frames from the linear list: each page of it walked down from
 * p2m_cr3.  Trailing 1 GiB stretches mapped by one and the same L1 table (a
 * kernel's page of missing entries) are left out, as libxenctrl leaves them
 * out, unless the last stretch is a single one.
 */
static uint64_t *list_frames(struct core *k, unsigned long *nr)
{
	uint64_t top = k->shinfo->arch.p2m_cr3 >> 12, va0 = k->shinfo->arch.p2m_vaddr;
	unsigned long n = (k->p2m_size + PER_PAGE - 1) / PER_PAGE, run = 0, last = 0;
	uint64_t *frames = calloc(n, sizeof(*frames)), l1 = 0, prev = 0;

	for (unsigned long f = 0; frames && f < n; f++) {
		frames[f] = walk(k, top, va0 + f * PAGE, &l1);
		if (!frames[f]) {
			free(frames);
			errno = ERANGE;
			return NULL;
		}
		last = f / PER_PAGE;
		if (l1 != prev)
			run = last;
		prev = l1;
	}
	if (run == last)
		run++;
	if (frames && run * PER_PAGE * PER_PAGE < k->p2m_size)
		k->p2m_size = run * PER_PAGE * PER_PAGE;
	*nr = (k->p2m_size + PER_PAGE - 1) / PER_PAGE;
	return frames;
}

/* The p2m's frames from the frame-list tree (pfn_to_mfn_frame_list_list). */
static uint64_t *tree_frames(struct core *k, unsigned long *nr)
{
	unsigned long lists = (k->p2m_size + PER_PAGE * PER_PAGE - 1) / (PER_PAGE * PER_PAGE);
	uint64_t *top = copy_frames(k, &k->shinfo->arch.pfn_to_mfn_frame_list_list, 1);
	uint64_t *frames = top ? copy_frames(k, top, (unsigned int)lists) : NULL;

	free(top);
	*nr = (k->p2m_size + PER_PAGE - 1) / PER_PAGE;
	return frames;
}

/* XENMEM_maximum_gpfn + 1: the p2m's size, or -errno. */
static long nr_gpfns(struct core *k)
{
	uint16_t id = k->domid;
	long max = ctrl_hypercall_arg(k->c, __HYPERVISOR_memory_op, XENMEM_maximum_gpfn, &id,
				      sizeof(id), 0, 0);

	return max < 0 ? max : max + 1;
}

static int read_p2m(struct core *k)
{
	long max = nr_gpfns(k);
	unsigned long nr = 0;
	uint64_t *frames;

	if (max < 0)
		return (int)max;
	k->p2m_size = (unsigned long)max;
	if (k->p2m_size < k->nr_pages)
		return -EINVAL;
	frames = k->shinfo->arch.p2m_cr3 ? list_frames(k, &nr) : tree_frames(k, &nr);
	k->p2m = frames ? copy_frames(k, frames, (unsigned int)nr) : NULL;
	free(frames);
	if (!k->p2m)
		return -errno;
	max = ctrl_memory_op_noarg(k->c, XENMEM_maximum_ram_page);
	k->max_mfn = (unsigned long)max;
	return max < 0 ? (int)max : 0;
}

/* A PV guest's width and p2m. */
static int gather_pv(struct core *k)
{
	int r;

	if (!k->shinfo)
		return -errno;
	r = guest_width(k);
	if (r < 0)
		return r;
	if (r != 8) {
		fprintf(stderr,
			"%s: domain %u is a 32-bit PV guest: pxl writes the core of 64-bit PV and "
			"HVM guests only\n",
			xl_prog, k->domid);
		return -EOPNOTSUPP;
	}
	k->pairs = calloc(k->nr_pages ? k->nr_pages : 1, sizeof(*k->pairs));
	return k->pairs ? read_p2m(k) : -ENOMEM;
}

/* An HVM guest's GFN range; its pages are read by GFN. */
static int gather_hvm(struct core *k)
{
	long n = nr_gpfns(k);

	if (n < 0)
		return (int)n;
	k->p2m_size = (unsigned long)n;
	k->pfns = calloc(k->nr_pages ? k->nr_pages : 1, sizeof(*k->pfns));
	return k->pfns ? 0 : -ENOMEM;
}

static int gather(struct core *k)
{
	int r = ctrl_domain_info(k->c, k->domid, &k->info);

	if (r < 0)
		return r;
	k->hvm = k->info.flags & XEN_DOMINF_hvm_guest;
	k->shinfo = map_frame(k, k->info.shared_info_frame);
	if (k->hvm)
		errno = 0;
	r = vcpu_contexts(k);
	if (r < 0)
		return r;
	k->nr_pages = k->info.tot_pages;
	return k->hvm ? gather_hvm(k) : gather_pv(k);
}

/* The next section header, for section @i. */
static void section(struct core *k, int i, uint32_t type, uint64_t size, uint64_t align,
		    uint64_t entsize)
{
	Elf64_Shdr *s = &k->sh[k->nr_secs++];
	const char *name = i == SEC_P2M && k->hvm ? SEC_PFN_NAME : sec_names[i];

	s->sh_name = k->strtab_len;
	strcpy(k->strtab + k->strtab_len, name);
	k->strtab_len += (unsigned int)strlen(name) + 1;
	s->sh_type = type;
	s->sh_size = size;
	s->sh_addralign = align;
	s->sh_entsize = entsize;
}

static uint64_t notes_size(void)
{
	return 4 * sizeof(struct note_head) + 4 * sizeof(uint64_t) + sizeof(struct version_desc) +
	       sizeof(uint64_t);
}

/* Bytes of a .xen_p2m (PV) or .xen_pfn (HVM) entry. */
static uint64_t index_entry(const struct core *k)
{
	return k->hvm ? sizeof(*k->pfns) : sizeof(*k->pairs);
}

/*
 * The section table: each section's size and place, in file order after
 * the null section and .shstrtab; returns the pages' offset.
 */
static uint64_t lay_out(struct core *k)
{
	uint64_t off, pages = 0;

	k->strtab_len = 1;
	k->nr_secs = 1;
	section(k, SEC_STRTAB, SHT_STRTAB, 0, 0, 0);
	section(k, SEC_NOTE, SHT_NOTE, notes_size(), 0, 0);
	section(k, SEC_PRSTATUS, SHT_PROGBITS, k->nr_vcpus * sizeof(*k->ctxt), 8, sizeof(*k->ctxt));
	if (k->shinfo)
		section(k, SEC_SHINFO, SHT_PROGBITS, PAGE, 8, PAGE);
	section(k, SEC_PAGES, SHT_PROGBITS, k->nr_pages * PAGE, PAGE, PAGE);
	section(k, SEC_P2M, SHT_PROGBITS, k->nr_pages * index_entry(k), 8, index_entry(k));
	off = sizeof(Elf64_Ehdr) + k->nr_secs * sizeof(Elf64_Shdr);
	for (unsigned int i = 2; i < k->nr_secs; i++) {
		if (k->sh[i].sh_addralign == PAGE) {
			off = (off + PAGE - 1) & ~(PAGE - 1);
			pages = off;
		}
		k->sh[i].sh_offset = off;
		off += k->sh[i].sh_size;
	}
	k->sh[1].sh_offset = off;
	k->sh[1].sh_size = k->strtab_len;
	return pages;
}

static int write_headers(struct core *k)
{
	Elf64_Ehdr e = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
			     EV_CURRENT, ELFOSABI_SYSV, EV_CURRENT },
		.e_type = ET_CORE,
		.e_machine = EM_X86_64,
		.e_version = EV_CURRENT,
		.e_shoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr),
		.e_shentsize = sizeof(Elf64_Shdr),
		.e_shnum = (Elf64_Half)k->nr_secs,
		.e_shstrndx = 1,
	};
	int r = write_all(k, &e, sizeof(e));

	return r ? r : write_all(k, k->sh, k->nr_secs * sizeof(k->sh[0]));
}

static int write_note(struct core *k, uint32_t type, const void *desc, uint32_t size)
{
	struct note_head h = { .namesz = 4, .descsz = size, .type = type, .name = "Xen" };
	int r = write_all(k, &h, sizeof(h));

	return r || !size ? r : write_all(k, desc, size);
}

static void version_fill(struct core *k, struct version_desc *v)
{
	long ver = ctrl_xen_version(k->c, XENVER_version, NULL, 0);

	memset(v, 0, sizeof(*v));
	v->major = (uint64_t)ver >> 16;
	v->minor = (uint64_t)ver & 0xffff;
	ctrl_xen_version(k->c, XENVER_extraversion, v->extra, sizeof(v->extra));
	ctrl_xen_version(k->c, XENVER_compile_info, &v->compile, sizeof(v->compile));
	ctrl_xen_version(k->c, XENVER_capabilities, v->caps, sizeof(v->caps));
	ctrl_xen_version(k->c, XENVER_changeset, v->changeset, sizeof(v->changeset));
	ctrl_xen_version(k->c, XENVER_platform_parameters, &v->params, sizeof(v->params));
	v->pagesize = (uint64_t)ctrl_xen_version(k->c, XENVER_pagesize, NULL, 0);
}

static int write_notes(struct core *k)
{
	uint64_t header[4] = { k->hvm ? CORE_MAGIC_HVM : CORE_MAGIC, k->nr_vcpus, k->nr_pages,
			       PAGE };
	uint64_t format = FORMAT_VERSION;
	struct version_desc v;
	int r;

	version_fill(k, &v);
	r = write_note(k, XEN_ELFNOTE_DUMPCORE_NONE, NULL, 0);
	r = r ? r : write_note(k, XEN_ELFNOTE_DUMPCORE_HEADER, header, sizeof(header));
	r = r ? r : write_note(k, XEN_ELFNOTE_DUMPCORE_XEN_VERSION, &v, sizeof(v));
	return r ? r : write_note(k, XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION, &format, sizeof(format));
}

/* Zeros up to file offset @to. */
static int pad_to(struct core *k, uint64_t to)
{
	static const char zero[PAGE];
	off_t at = lseek(k->fd, 0, SEEK_CUR);
	int r = 0;

	while (r == 0 && at >= 0 && (uint64_t)at < to) {
		size_t n = to - (uint64_t)at < PAGE ? to - (uint64_t)at : PAGE;

		r = write_all(k, zero, n);
		at += (off_t)n;
	}
	return at < 0 ? -errno : r;
}

/*
 * One batch of candidate pages (pfns with a valid frame): each one mapped
 * is written and recorded while fewer than nr_pages are; *j counts them
 * (and the candidates past nr_pages, as libxenctrl counts them).
 */
static int write_batch(struct core *k, const uint64_t *pfns, const uint64_t *mfns, unsigned int n,
		       unsigned long *j)
{
	int *err = calloc(n, sizeof(*err));
	char *p = err ? ctrl_map_foreign(k->c, k->domid, PROT_READ, mfns, err, n) : NULL;
	int r = p ? 0 : -errno;

	for (unsigned int i = 0; r == 0 && i < n; i++) {
		if (*j >= k->nr_pages) {
			++*j;
			continue;
		}
		if (err[i])
			continue;
		r = write_all(k, p + i * PAGE, PAGE);
		if (k->hvm)
			k->pfns[*j] = pfns[i];
		else
			k->pairs[*j] = (struct p2m_pair){ pfns[i], mfns[i] };
		++*j;
	}
	if (p)
		ctrl_unmap(p, n);
	free(err);
	return r;
}

/* Whether @pfn is a page of the guest's: PV, one its p2m names; HVM, one outside the holes. */
static bool candidate(const struct core *k, unsigned long pfn, uint64_t *frame)
{
	if (k->hvm) {
		*frame = pfn;
		return (pfn < VGA_HOLE_PFN || pfn >= VGA_HOLE_PFN + 0x20) &&
		       (pfn < MMIO_HOLE_PFN || pfn >= FOUR_GIB_PFN);
	}
	*frame = k->p2m[pfn];
	return *frame != INVALID_ENTRY && *frame <= k->max_mfn;
}

static int write_pages(struct core *k)
{
	static uint64_t pfns[BATCH], mfns[BATCH];
	static const char zero[PAGE];
	unsigned long j = 0;
	unsigned int n = 0;
	int r = 0;

	for (unsigned long pfn = 0; r == 0 && pfn <= k->p2m_size; pfn++) {
		if (pfn < k->p2m_size && candidate(k, pfn, &mfns[n]))
			pfns[n++] = pfn;
		if (n && (n == BATCH || pfn == k->p2m_size)) {
			r = write_batch(k, pfns, mfns, n, &j);
			n = 0;
		}
	}
	for (; r == 0 && j < k->nr_pages; j++) {
		r = write_all(k, zero, PAGE);
		if (k->hvm)
			k->pfns[j] = INVALID_ENTRY;
		else
			k->pairs[j] = (struct p2m_pair){ INVALID_ENTRY, INVALID_ENTRY };
	}
	return r;
}

static int write_core(struct core *k)
{
	uint64_t pages = lay_out(k);
	int r = write_headers(k);

	r = r ? r : write_notes(k);
	r = r ? r : write_all(k, k->ctxt, k->nr_vcpus * sizeof(*k->ctxt));
	r = r || !k->shinfo ? r : write_all(k, k->shinfo, PAGE);
	r = r ? r : pad_to(k, pages);
	r = r ? r : write_pages(k);
	r = r ? r
	      : write_all(k, k->hvm ? (void *)k->pfns : (void *)k->pairs,
			  k->nr_pages * index_entry(k));
	return r ? r : write_all(k, k->strtab, k->strtab_len);
}

int xl_dump_core(uint16_t domid, const char *path)
{
	struct core k = { .c = xl_ctrl(), .domid = domid };
	int r;

	k.fd = open(path, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
	if (k.fd < 0)
		return -errno;
	r = gather(&k);
	r = r ? r : write_core(&k);
	if (close(k.fd) < 0 && r == 0)
		r = -errno;
	if (k.shinfo)
		ctrl_unmap(k.shinfo, 1);
	free(k.ctxt);
	free(k.p2m);
	free(k.pairs);
	free(k.pfns);
	return r;
}

int main_dump_core(int argc, char **argv)
{
	uint16_t domid;
	int r;

	if (xl_getopt(argc, argv, "", "dump-core", 2) != -1)
		return EXIT_FAILURE;
	domid = xl_find_domain(argv[optind]);
	r = xl_dump_core(domid, argv[optind + 1]);
	if (r < 0) {
		fprintf(stderr, "%s: Domain %u: core dumping domain to %s: %s\n", xl_prog, domid,
			argv[optind + 1], strerror(-r));
		fprintf(stderr, "core dump failed (rc=%d)\n", XL_ERROR_FAIL);
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
