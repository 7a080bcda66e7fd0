/*
 * The initial domain builder for 64-bit PV kernels, laying dom0 out the way
 * Xen's builder does: one virtually contiguous region from the kernel's
 * VIRT_BASE holding the kernel image, (the initrd unless MOD_START_PFN),
 * the p2m list (unless INIT_P2M), start_info, the bootstrap page tables
 * (mapped read-only), and a one-page stack, rounded to 4 MiB with at least
 * 512 KiB of slack.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "console.h"
#include "page.h"
#include "mm.h"
#include "boot_info.h"
#include "elf_loader.h"
#include "decompress.h"
#include "apic.h"
#include "domain.h"
#include "pv.h"
#include "m2p.h"
#include "uaccess.h"
#include "asm.h"
#include "desc.h"
#include "public/xen.h"
#include "public/elfnote.h"
#include "public/features.h"

#define MB(x) ((u64)(x) << 20)
#define ROUND_PG(x) ALIGN_UP((u64)(x), PAGE_SIZE)
#define L1_PROT (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER)
#define LN_PROT (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER)

/* Features Petrel offers a PV kernel; a kernel requiring others is refused. */
#define DOM0_FEATURES_SUPPORTED                                                                    \
	((1u << XENFEAT_writable_page_tables) | (1u << XENFEAT_pae_pgdir_above_4gb) |              \
	 (1u << XENFEAT_dom0))

struct layout {
	u64 v_start, v_end;
	u64 vkern_start, vkern_end;
	u64 vinitrd_start, vinitrd_end;
	u64 vphysmap_start, vphysmap_end;
	u64 vstartinfo_start, vstartinfo_end;
	u64 vpt_start, vpt_end, nr_pt_pages;
	u64 vstack_start, vstack_end;
	u64 initrd_len, nr_pages;
	u64 first_p2m_pfn, nr_p2m_frames; /* INIT_P2M only */
};

struct builder {
	struct domain *d;
	struct layout l;
	struct elf_xen_info info;
	mfn_t *p2m; /* pfn -> mfn for all nr_pages */
	const void *image;
	size_t image_size;
	void *unpacked; /* xenheap copy of a bzImage's vmlinux, freed after loading */
	unsigned int unpacked_order;
	u64 filled; /* PFNs [0, filled) have their frames, but for the initrd's */
	u64 initrd_pfn; /* a MOD_START_PFN initrd's first PFN, after the initial region */
};

static u64 va_to_pfn(const struct builder *b, u64 va)
{
	return (va - b->l.v_start) >> PAGE_SHIFT;
}

static void *va_to_hv(const struct builder *b, u64 va)
{
	return (u8 *)mfn_to_virt(b->p2m[va_to_pfn(b, va)]) + (va & (PAGE_SIZE - 1));
}

/*
 * A MOD_START_PFN initrd takes the PFNs right after the initial region, as
 * on Xen: low, so that Linux finds it below 4 GiB however large dom0 is.
 */
static u64 unmapped_initrd_pages(const struct builder *b)
{
	if (!(b->info.present & EXI_MOD_START_PFN))
		return 0;
	return ROUND_PG(b->l.initrd_len) >> PAGE_SHIFT;
}

/* Page-table pages needed to map [s, e) with 4 KiB pages, including the L4. */
static u64 pt_pages_needed(u64 s, u64 e)
{
	u64 n = 1, shift;

	for (shift = L4_SHIFT; shift >= L2_SHIFT; shift -= 9)
		n += ((e - 1) >> shift) - (s >> shift) + 1;
	return n;
}

static int compute_layout(struct builder *b)
{
	struct layout *l = &b->l;
	const struct elf_xen_info *in = &b->info;

	l->v_start = in->virt_base;
	l->vkern_start = in->virt_kstart;
	l->vkern_end = in->virt_kend;
	l->vphysmap_start = ROUND_PG(l->vkern_end);
	if (!(in->present & EXI_MOD_START_PFN) && l->initrd_len) {
		l->vinitrd_start = ROUND_PG(l->vkern_end);
		l->vinitrd_end = l->vinitrd_start + l->initrd_len;
		l->vphysmap_start = ROUND_PG(l->vinitrd_end);
	}
	/* With INIT_P2M the p2m list is mapped apart from the region (map_init_p2m). */
	l->vphysmap_end = l->vphysmap_start;
	if (!(in->present & EXI_INIT_P2M))
		l->vphysmap_end += l->nr_pages * sizeof(u64);
	l->vstartinfo_start = ROUND_PG(l->vphysmap_end);
	l->vstartinfo_end = l->vstartinfo_start + sizeof(struct start_info) +
			    sizeof(struct dom0_vga_console_info);
	l->vpt_start = ROUND_PG(l->vstartinfo_end);
	for (l->nr_pt_pages = 1;; l->nr_pt_pages++) {
		l->vpt_end = l->vpt_start + l->nr_pt_pages * PAGE_SIZE;
		l->vstack_start = l->vpt_end;
		l->vstack_end = l->vstack_start + PAGE_SIZE;
		l->v_end = ALIGN_UP(l->vstack_end, MB(4));
		if (l->v_end - l->vstack_end < (512UL << 10))
			l->v_end += MB(4);
		if (pt_pages_needed(l->v_start, l->v_end) <= l->nr_pt_pages)
			break;
	}
	if ((l->v_end - l->v_start) >> PAGE_SHIFT > l->nr_pages) {
		printk(XENLOG_ERR "dom0 image rejected: initial mapping (%lu KiB) exceeds dom0 memory\n",
		       (l->v_end - l->v_start) >> 10);
		return -ENOMEM;
	}
	return 0;
}

/* The p2m array (pfn -> mfn) for @nr frames, kept by the hypervisor. */
static int alloc_p2m(struct builder *b, u64 nr)
{
	b->p2m = alloc_xenheap_pages(order_for_bytes(nr * sizeof(mfn_t)));
	if (!b->p2m)
		return -ENOMEM;
	b->d->arch.pv.p2m = b->p2m;
	b->d->arch.pv.p2m_order = order_for_bytes(nr * sizeof(mfn_t));
	return 0;
}

static void give_frame(struct builder *b, u64 pfn, mfn_t mfn)
{
	assign_page(b->d, mfn_to_page(mfn));
	b->p2m[pfn] = mfn;
	m2p_set(mfn, pfn);
}

/*
 * Give @d frames for PFNs [@from, @to) in the largest blocks available;
 * returns the first PFN left without a frame (@to when all were found).
 */
static u64 allocate_frames(struct builder *b, u64 from, u64 to)
{
	u64 pfn = from;
	unsigned int order = MAX_ORDER;

	while (pfn < to) {
		struct page_info *pg;

		while (order && (1UL << order) > to - pfn)
			order--;
		pg = alloc_pages(order);
		if (!pg) {
			if (!order)
				break;
			order--;
			continue;
		}
		for (u64 i = 0; i < (1UL << order); i++, pfn++)
			give_frame(b, pfn, page_to_mfn(pg) + i);
	}
	return pfn;
}

static int load_write(void *ctx, u64 va, const void *src, size_t len)
{
	const struct builder *b = ctx;

	if (va < b->l.vkern_start || va + len > b->l.vkern_end || va + len < va)
		return -EINVAL;
	while (len) {
		size_t chunk = MIN(len, PAGE_SIZE - (va & (PAGE_SIZE - 1)));
		void *dst = va_to_hv(b, va);

		if (src) {
			memcpy(dst, src, chunk);
			src = (const u8 *)src + chunk;
		} else {
			memset(dst, 0, chunk);
		}
		va += chunk;
		len -= chunk;
	}
	return 0;
}

static void copy_to_region(const struct builder *b, u64 va, const void *src, size_t len)
{
	for (size_t off = 0; off < len;) {
		size_t chunk = MIN(len - off, PAGE_SIZE - ((va + off) & (PAGE_SIZE - 1)));

		memcpy(va_to_hv(b, va + off), (const u8 *)src + off, chunk);
		off += chunk;
	}
}

/* Take the next page-table page from the reserved run of the region. */
/* Take the next page-table page from the domain's frames, at PFN *next_pfn. */
static pte_t *next_pt_page(struct builder *b, u64 *next_pfn, unsigned int type, mfn_t *mfn)
{
	pte_t *pt;

	*mfn = b->p2m[(*next_pfn)++];
	pt = mfn_to_virt(*mfn);
	memset(pt, 0, PAGE_SIZE);
	set_page_type(mfn_to_page(*mfn), type);
	return pt;
}

static pte_t *walk_alloc(struct builder *b, pte_t *table, unsigned int idx, u64 *next_pfn,
			 unsigned int type)
{
	mfn_t mfn;
	pte_t *pt;

	if (table[idx] & _PAGE_PRESENT)
		return mfn_to_virt(pte_mfn(table[idx]));
	pt = next_pt_page(b, next_pfn, type, &mfn);
	table[idx] = pte_from_mfn(mfn, LN_PROT);
	return pt;
}

static void build_page_tables(struct builder *b)
{
	struct layout *l = &b->l;
	u64 next_pfn = va_to_pfn(b, l->vpt_start);
	mfn_t l4_mfn;
	pte_t *l4 = next_pt_page(b, &next_pfn, PGT_l4_page_table, &l4_mfn);

	init_guest_l4(l4, l4_mfn);
	for (u64 va = l->v_start; va < l->v_end; va += PAGE_SIZE) {
		pte_t *l3 = walk_alloc(b, l4, l4_index(va), &next_pfn, PGT_l3_page_table);
		pte_t *l2 = walk_alloc(b, l3, l3_index(va), &next_pfn, PGT_l2_page_table);
		pte_t *l1 = walk_alloc(b, l2, l2_index(va), &next_pfn, PGT_l1_page_table);
		mfn_t mfn = b->p2m[va_to_pfn(b, va)];
		u64 prot = L1_PROT;

		if (va >= l->vpt_start && va < l->vpt_end)
			prot &= ~_PAGE_RW;
		else
			get_page_type(mfn_to_page(mfn), PGT_writable_page);
		l1[l1_index(va)] = pte_from_mfn(mfn, prot);
		get_page(mfn_to_page(mfn));
	}
	pin_page_table(mfn_to_page(l4_mfn));
	b->d->vcpu[0]->arch.pv.guest_table = l4_mfn;
}

/*
 * INIT_P2M: map the p2m list at the kernel's chosen address, in the frames
 * right after the initial region, with page tables from the frames after
 * those. As on Xen, first_p2m_pfn/nr_p2m_frames cover both: the kernel
 * keeps every frame of that range out of its writable mappings and frees
 * the whole range once it has moved the list.
 */
static int map_init_p2m(struct builder *b)
{
	struct layout *l = &b->l;
	u64 next_pfn, va = b->info.init_p2m, bytes = l->nr_pages * sizeof(u64);
	pte_t *l4 = mfn_to_virt(b->d->vcpu[0]->arch.pv.guest_table);

	l->first_p2m_pfn = b->initrd_pfn + unmapped_initrd_pages(b);
	l->nr_p2m_frames = ROUND_PG(bytes) >> PAGE_SHIFT;
	next_pfn = l->first_p2m_pfn + l->nr_p2m_frames;
	if ((va & (PAGE_SIZE - 1)) || !guest_range_ok(va, bytes) ||
	    (va < l->v_end && va + bytes > l->v_start) ||
	    next_pfn + pt_pages_needed(va, va + bytes) > l->nr_pages) {
		printk(XENLOG_ERR "dom0 image rejected: INIT_P2M %#lx cannot hold the p2m list\n", va);
		return -EINVAL;
	}
	for (u64 i = 0; i < ROUND_PG(bytes) >> PAGE_SHIFT; i++, va += PAGE_SIZE) {
		pte_t *l3 = walk_alloc(b, l4, l4_index(va), &next_pfn, PGT_l3_page_table);
		pte_t *l2 = walk_alloc(b, l3, l3_index(va), &next_pfn, PGT_l2_page_table);
		pte_t *l1 = walk_alloc(b, l2, l2_index(va), &next_pfn, PGT_l1_page_table);
		struct page_info *pg = mfn_to_page(b->p2m[l->first_p2m_pfn + i]);

		l1[l1_index(va)] = pte_from_mfn(page_to_mfn(pg), L1_PROT);
		get_page_type(pg, PGT_writable_page);
		get_page(pg);
	}
	for (u64 off = 0; off < bytes; off += PAGE_SIZE)
		memcpy(mfn_to_virt(b->p2m[l->first_p2m_pfn + (off >> PAGE_SHIFT)]),
		       (const u8 *)b->p2m + off, MIN(PAGE_SIZE, bytes - off));
	l->nr_p2m_frames = next_pfn - l->first_p2m_pfn;
	return 0;
}

static void write_start_info(struct builder *b, const char *cmdline, mfn_t initrd_pfn)
{
	struct layout *l = &b->l;
	struct start_info *si = va_to_hv(b, l->vstartinfo_start);

	memset(si, 0, sizeof(*si));
	strlcpy(si->magic, "xen-3.0-x86_64", sizeof(si->magic));
	si->nr_pages = l->nr_pages;
	si->shared_info = virt_to_maddr(b->d->shared_info);
	si->flags = b->d->is_privileged ? SIF_PRIVILEGED | SIF_INITDOMAIN : 0;
	si->pt_base = l->vpt_start;
	si->nr_pt_frames = l->nr_pt_pages;
	si->mfn_list = l->vphysmap_start;
	if (b->info.present & EXI_INIT_P2M) {
		si->mfn_list = b->info.init_p2m;
		si->first_p2m_pfn = l->first_p2m_pfn;
		si->nr_p2m_frames = l->nr_p2m_frames;
	}
	if (l->initrd_len) {
		if (b->info.present & EXI_MOD_START_PFN) {
			si->flags |= SIF_MOD_START_PFN;
			si->mod_start = initrd_pfn;
		} else {
			si->mod_start = l->vinitrd_start;
		}
		si->mod_len = l->initrd_len;
	}
	strlcpy((char *)si->cmd_line, cmdline, sizeof(si->cmd_line));
}

/* Like Xen, drop the file name that most loaders put first in a module string. */
static const char *module_args(const char *s, bool has_name)
{
	if (!has_name)
		return s;
	while (*s == ' ')
		s++;
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}

/*
 * A bzImage (as Debian installs it in /boot): decompress its payload into
 * the xenheap, sized by the trailer Linux puts after it, and make that
 * vmlinux the image to parse and load. The copy is freed once loaded.
 */
static int unpack_bzimage(struct builder *b, const void *payload, size_t len)
{
	u32 size = kernel_payload_size(payload, len);
	enum decomp_format fmt;
	size_t out_len;
	char err[128];
	u64 start;
	int rc;

	if (!size || size > MB(1024)) {
		printk(XENLOG_ERR "dom0 image rejected: bzImage payload size %u\n", size);
		return -EINVAL;
	}
	b->unpacked_order = order_for_bytes(size);
	b->unpacked = alloc_xenheap_pages(b->unpacked_order);
	if (!b->unpacked) {
		printk(XENLOG_ERR "dom0 image rejected: no memory to decompress %u bytes\n", size);
		return -ENOMEM;
	}
	start = now_ns();
	rc = decompress_kernel_payload(payload, len, b->unpacked, size, &out_len, &fmt, err,
				       sizeof(err));
	if (rc) {
		printk(XENLOG_ERR "dom0 image rejected: bzImage payload: %s\n", err);
		return rc;
	}
	printk(XENLOG_INFO "Dom0 kernel: bzImage with %s payload, %zu -> %zu bytes in %lu ms\n",
	       decompress_name(fmt), len, out_len, (now_ns() - start) / 1000000);
	b->image = b->unpacked;
	b->image_size = out_len;
	return 0;
}

static void free_unpacked(struct builder *b)
{
	if (b->unpacked)
		free_xenheap_pages(b->unpacked, b->unpacked_order);
	b->unpacked = NULL;
}

static int parse_kernel(struct builder *b, const struct bi_mod *k)
{
	char err[128];
	const void *payload;
	size_t len;
	int rc;

	b->image = maddr_to_virt(k->start);
	b->image_size = k->end - k->start;
	rc = bzimage_payload(b->image, b->image_size, &payload, &len, err, sizeof(err));
	if (rc == 0)
		rc = unpack_bzimage(b, payload, len);
	else if (rc == -ENOENT)
		rc = 0;
	else
		printk(XENLOG_ERR "dom0 image rejected: %s\n", err);
	if (rc)
		return rc;
	rc = elf_xen_parse(b->image, b->image_size, &b->info, err, sizeof(err));
	if (rc) {
		printk(XENLOG_ERR "dom0 image rejected: %s\n", err);
		return rc;
	}
	return 0;
}

/*
 * As Xen 4.17: XENFEAT_dom0 is asked for only of the hardware domain's
 * kernel, and only if it lists its SUPPORTED_FEATURES (one without the
 * note is taken as able); a missing
 * VIRT_BASE means 0 (libelf), which is aligned.
 */
static int check_features(const struct elf_xen_info *in, bool hwdom)
{
	if (hwdom && (in->present & EXI_SUPPORTED_FEATURES) &&
	    !(in->features_supported[0] & (1u << XENFEAT_dom0))) {
		printk(XENLOG_ERR "dom0 image rejected: kernel does not support XENFEAT_dom0\n");
		return -EINVAL;
	}
	if (in->features_required[0] & ~DOM0_FEATURES_SUPPORTED) {
		printk(XENLOG_ERR "dom0 image rejected: kernel requires unsupported features %#x\n",
		       in->features_required[0] & ~DOM0_FEATURES_SUPPORTED);
		return -EINVAL;
	}
	if (in->virt_base & (MB(4) - 1)) {
		printk(XENLOG_ERR "dom0 image rejected: VIRT_BASE not 4 MiB aligned\n");
		return -EINVAL;
	}
	return 0;
}

/* Frames of a boot module from its first whole page (memory_init() kept them all). */
static u64 module_pages(const struct bi_mod *m)
{
	if (!m || m->end <= m->start)
		return 0;
	return (ROUND_PG(m->end) - ROUND_PG(m->start)) >> PAGE_SHIFT;
}

/* Give a boot module's frames back to the allocator once dom0 no longer needs them. */
static void release_module(const struct bi_mod *m)
{
	if (module_pages(m))
		buddy_free_range(ROUND_PG(m->start) >> PAGE_SHIFT, ROUND_PG(m->end) >> PAGE_SHIFT);
}

/*
 * With MOD_START_PFN the initrd's own frames become its PFNs in dom0, as on
 * Xen, when the module starts on a page of its own.
 */
static bool initrd_handed_over(const struct builder *b, const struct dom0_params *p)
{
	const struct bi_mod *i = p->initrd, *k = p->kernel;

	if (p->domu || !b->l.initrd_len || !(b->info.present & EXI_MOD_START_PFN))
		return false;
	if (i->start & (PAGE_SIZE - 1))
		return false;
	return k->end <= i->start || k->start >= ROUND_PG(i->end);
}

/*
 * Dom0's size by Xen 4.17's rule (dom0_compute_nr_pages): "available" is the
 * free memory plus the boot modules, which are freed (or, for the initrd,
 * handed to dom0) during the build; without dom0_mem dom0 gets all of it
 * but a reserve of 1/16, at most 128 MiB; with dom0_mem what it asks for,
 * at most all of it; no more than its max:. Petrel keeps dom0's p2m array
 * outside dom0's memory, so that much less is available, and keeps
 * HV_HEADROOM for itself: Xen has its init sections (about 2 MiB) to spare
 * after the build, and swiotlb-xen's first XENMEM_exchange needs free blocks
 * even when dom0_mem asked for everything.
 */
#define HV_HEADROOM (MB(4) >> PAGE_SHIFT)

static u64 dom0_nr_pages(const struct builder *b, const struct dom0_params *p)
{
	u64 avail = buddy_free_count(), nr, p2m;

	if (!p->domu) {
		avail += module_pages(p->kernel);
		/* a copied MOD_START_PFN initrd is still in use when the last frames are taken */
		if (initrd_handed_over(b, p) || !(b->info.present & EXI_MOD_START_PFN))
			avail += module_pages(p->initrd);
	}
	p2m = (1UL << order_for_bytes(avail * sizeof(mfn_t))) + HV_HEADROOM;
	avail = avail > p2m ? avail - p2m : 0;
	nr = p->mem_bytes ? p->mem_bytes >> PAGE_SHIFT
			  : avail - MIN(avail / 16, MB(128) >> PAGE_SHIFT);
	if (p->mem_max_bytes)
		nr = MIN(nr, p->mem_max_bytes >> PAGE_SHIFT);
	return MIN(nr, avail);
}

/* The reservation dom0 may grow to: its max:, or as Xen without one, 2^32 - 1 pages. */
static u64 dom0_max_pages(u64 nr, u64 max)
{
	return max ? MAX(nr, max >> PAGE_SHIFT) : 0xffffffffUL;
}

/* A mapped initrd: copied into the initial region, its module freed. */
static void copy_mapped_initrd(struct builder *b, const struct dom0_params *p)
{
	if (!b->l.initrd_len || (b->info.present & EXI_MOD_START_PFN))
		return;
	copy_to_region(b, b->l.vinitrd_start, maddr_to_virt(p->initrd->start), b->l.initrd_len);
	if (!p->domu)
		release_module(p->initrd);
}

/* MOD_START_PFN: the initrd at b->initrd_pfn, returned as *@pfn. */
static void place_unmapped_initrd(struct builder *b, const struct dom0_params *p, bool handed,
				  mfn_t *pfn)
{
	struct layout *l = &b->l;
	const u8 *src = maddr_to_virt(p->initrd->start);
	u64 len = l->initrd_len;

	*pfn = b->initrd_pfn;
	if (handed) {
		/* the bytes after the initrd in its last page are not dom0's to see */
		if (len & (PAGE_SIZE - 1))
			memset((u8 *)src + len, 0, PAGE_SIZE - (len & (PAGE_SIZE - 1)));
		return;
	}
	for (u64 off = 0; off < len; off += PAGE_SIZE)
		memcpy(mfn_to_virt(b->p2m[*pfn + (off >> PAGE_SHIFT)]), src + off,
		       MIN(PAGE_SIZE, len - off));
	if (!p->domu)
		release_module(p->initrd);
}

static void setup_vcpu(struct builder *b)
{
	struct vcpu *v = b->d->vcpu[0];
	struct cpu_regs *r = &v->arch.pv.user_regs;

	memset(r, 0, sizeof(*r));
	r->rip = (b->info.present & EXI_ENTRY) ? b->info.entry : b->info.elf_entry;
	r->rsp = b->l.vstack_end;
	r->rsi = b->l.vstartinfo_start;
	r->cs = FLAT_KERNEL_CS64;
	r->ss = FLAT_KERNEL_SS64;
	r->rflags = X86_EFLAGS_IF | X86_EFLAGS_MBS;
	v->arch.pv.in_kernel = true;
	v->arch.pv.guest_cr0 = read_cr0() & ~X86_CR0_TS;
	pv_init_guest_cr4(v);
}

/*
 * Give PFNs from b->filled up to @to their frames, but a handed-over
 * initrd's; returns the PFN reached.
 */
static u64 fill_frames(struct builder *b, bool handed, u64 to)
{
	u64 hole = b->initrd_pfn, hole_end = hole + (handed ? unmapped_initrd_pages(b) : 0);

	if (b->filled < hole) {
		b->filled = allocate_frames(b, b->filled, MIN(to, hole));
		if (b->filled < MIN(to, hole))
			return b->filled;
	}
	if (b->filled < hole_end)
		b->filled = hole_end;
	if (b->filled < to)
		b->filled = allocate_frames(b, b->filled, to);
	return b->filled;
}

/*
 * Dom0's frames, in two steps as on Xen: first the PFNs free memory covers
 * (at least the initial region, which the kernel is loaded into), then,
 * after finish_memory() has given the kernel module back, the rest.
 */
static int start_memory(struct builder *b, bool handed)
{
	struct layout *l = &b->l;

	b->initrd_pfn = (l->v_end - l->v_start) >> PAGE_SHIFT;
	if (alloc_p2m(b, l->nr_pages))
		return -ENOMEM;
	if (fill_frames(b, handed, l->nr_pages) < b->initrd_pfn)
		return -ENOMEM;
	return 0;
}

static int finish_memory(struct builder *b, const struct dom0_params *p, bool handed)
{
	struct layout *l = &b->l;
	mfn_t first = p->initrd ? p->initrd->start >> PAGE_SHIFT : 0;

	if (!p->domu)
		release_module(p->kernel);
	copy_mapped_initrd(b, p);
	if (fill_frames(b, handed, l->nr_pages) < l->nr_pages) {
		printk(XENLOG_ERR "dom0: %lu of %lu pages allocated\n", b->filled, l->nr_pages);
		return -ENOMEM;
	}
	for (u64 i = 0; handed && i < unmapped_initrd_pages(b); i++) {
		/* boot data until now: as dom0's RAM it may be exchanged or ballooned out */
		mfn_to_page(first + i)->flags &= ~PGC_reserved;
		give_frame(b, b->initrd_pfn + i, first + i);
	}
	b->d->tot_pages = l->nr_pages;
	return 0;
}

int pv_build_dom0(struct domain *d, const struct dom0_params *p)
{
	static struct builder b;
	mfn_t initrd_pfn = 0;
	bool handed;
	int rc;

	memset(&b, 0, sizeof(b));
	b.d = d;
	rc = parse_kernel(&b, p->kernel);
	if (!rc)
		rc = check_features(&b.info, !p->domu);
	if (rc) {
		free_unpacked(&b);
		return rc;
	}
	b.l.initrd_len = p->initrd ? p->initrd->end - p->initrd->start : 0;
	handed = initrd_handed_over(&b, p);
	b.l.nr_pages = dom0_nr_pages(&b, p);
	rc = compute_layout(&b);
	if (!rc)
		rc = start_memory(&b, handed);
	if (rc) {
		printk(XENLOG_ERR "dom0 image rejected: cannot build the domain (%d)\n", rc);
		free_unpacked(&b);
		return rc;
	}
	b.d->max_pages = dom0_max_pages(b.l.nr_pages, p->mem_max_bytes);
	build_page_tables(&b);
	rc = elf_xen_load(b.image, b.image_size, &b.info, load_write, &b);
	free_unpacked(&b);
	if (rc) {
		printk(XENLOG_ERR "dom0 image rejected: loading the kernel failed (%d)\n", rc);
		return rc;
	}
	if (b.info.present & EXI_HYPERCALL_PAGE)
		pv_fill_hypercall_page(va_to_hv(&b, b.info.hypercall_page));
	rc = finish_memory(&b, p, handed);
	if (rc)
		return rc;
	if (b.info.present & EXI_INIT_P2M)
		rc = map_init_p2m(&b);
	else
		copy_to_region(&b, b.l.vphysmap_start, b.p2m, b.l.nr_pages * sizeof(u64));
	if (rc)
		return rc;
	if (b.l.initrd_len && (b.info.present & EXI_MOD_START_PFN))
		place_unmapped_initrd(&b, p, handed, &initrd_pfn);
	write_start_info(&b, module_args(p->kernel->cmdline, p->cmdline_has_name), initrd_pfn);
	setup_vcpu(&b);
	printk(XENLOG_INFO "Dom%u kernel: 64-bit PV, entry %#lx, %lu pages, mapped %#lx-%#lx\n",
	       d->domain_id, d->vcpu[0]->arch.pv.user_regs.rip, b.l.nr_pages, b.l.v_start, b.l.v_end);
	return 0;
}
