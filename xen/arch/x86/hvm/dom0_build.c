/*
 * The initial domain as a PVH guest (Xen's dom0=pvh): the kernel is an ELF
 * with XEN_ELFNOTE_PHYS32_ENTRY, loaded at its physical addresses into RAM
 * that starts at guest-physical 0; after it come the start info (struct
 * hvm_start_info, version 1), the module list, the memory map and the
 * command lines, then the initrd. vCPU 0 starts in 32-bit flat protected
 * mode at the entry with ebx = the start info's address.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "console.h"
#include "page.h"
#include "mm.h"
#include "boot_info.h"
#include "elf_loader.h"
#include "hvm.h"
#include "domain.h"
#include "public/memory.h"

#define HVM_START_MAGIC 0x336ec578
#define E820_RAM 1
#define E820_RESERVED 2
#define LOW_HOLE_START 0xa0000UL
#define LOW_HOLE_END 0x100000UL

/* The PVH boot structures (arch-x86/hvm/start_info.h). */
struct hvm_start_info {
	u32 magic, version, flags, nr_modules;
	u64 modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	u32 memmap_entries, reserved;
};

struct hvm_modlist_entry {
	u64 paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_table_entry {
	u64 addr, size;
	u32 type, reserved;
};

_Static_assert(sizeof(struct hvm_start_info) == 56, "hvm_start_info");
_Static_assert(sizeof(struct hvm_modlist_entry) == 32, "hvm_modlist_entry");
_Static_assert(sizeof(struct hvm_memmap_table_entry) == 24, "hvm_memmap_table_entry");

struct pvh_builder {
	struct domain *d;
	u64 nr_pages;
};

/* Copy @len bytes (zeros if @src is NULL) to guest-physical @gpa. */
static int write_gpa(struct domain *d, u64 gpa, const void *src, size_t len)
{
	const u8 *s = src;

	if (gpa + len < gpa || ((gpa + len + PAGE_SIZE - 1) >> PAGE_SHIFT) > d->arch.hvm.nr_gfns)
		return -EINVAL;
	while (len) {
		size_t n = MIN(len, PAGE_SIZE - (gpa & (PAGE_SIZE - 1)));
		u8 *p =
		    (u8 *)mfn_to_virt(p2m_lookup(d, gpa >> PAGE_SHIFT)) + (gpa & (PAGE_SIZE - 1));

		if (s) {
			memcpy(p, s, n);
			s += n;
		} else {
			memset(p, 0, n);
		}
		gpa += n;
		len -= n;
	}
	return 0;
}

static int load_write(void *ctx, u64 va, const void *src, size_t len)
{
	return write_gpa(ctx, va, src, len);
}

/* RAM for GFNs 0 .. @nr - 1, zeroed, owned by the domain, in the p2m. */
static int populate_ram(struct domain *d, u64 nr)
{
	unsigned int order = MAX_ORDER;
	u64 gfn = 0;

	while (gfn < nr) {
		struct page_info *pg;

		while (order && (1UL << order) > nr - gfn)
			order--;
		pg = alloc_pages(order);
		if (!pg) {
			if (!order)
				return -ENOMEM;
			order--;
			continue;
		}
		for (u64 i = 0; i < (1UL << order); i++, gfn++) {
			mfn_t mfn = page_to_mfn(pg) + i;

			assign_page(d, mfn_to_page(mfn));
			memset(mfn_to_virt(mfn), 0, PAGE_SIZE);
			if (p2m_set_entry(d, gfn, mfn))
				return -ENOMEM;
		}
	}
	d->arch.hvm.nr_gfns = nr;
	d->tot_pages = d->max_pages = nr;
	return 0;
}

static u64 default_pages(u64 requested)
{
	u64 avail = buddy_free_count(), reserve = MIN(avail / 16, (128UL << 20) >> PAGE_SHIFT);
	u64 nr = requested ? requested >> PAGE_SHIFT : avail - reserve;

	return MIN(nr, avail - reserve);
}

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
 * Keep the memory map for XENMEM_memory_map too (Xen's PVH dom0 reads the
 * same map there as in its start info). 0 or -ENOMEM.
 */
static int keep_memory_map(struct domain *d, const struct hvm_memmap_table_entry *map,
			   unsigned int n)
{
	struct petrel_e820_entry *e = alloc_xenheap_pages(E820_ORDER);

	if (!e)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++)
		e[i] = (struct petrel_e820_entry){ map[i].addr, map[i].size, map[i].type };
	d->arch.e820 = e;
	d->arch.nr_e820 = n;
	return 0;
}

/*
 * The boot structures at page-aligned @base: start info, one module entry,
 * the memory map, the command line and the module's command line. The
 * initrd, if any, follows on the next page boundary.
 */
static int write_start_info(struct domain *d, u64 base, const char *cmdline,
			    const struct bi_mod *initrd, u64 *end)
{
	struct hvm_start_info si = { .magic = HVM_START_MAGIC,
				     .version = 1,
				     .flags = SIF_PRIVILEGED | SIF_INITDOMAIN };
	struct hvm_memmap_table_entry map[3] = {
		{ 0, LOW_HOLE_START, E820_RAM, 0 },
		{ LOW_HOLE_START, LOW_HOLE_END - LOW_HOLE_START, E820_RESERVED, 0 },
		{ LOW_HOLE_END, (d->arch.hvm.nr_gfns << PAGE_SHIFT) - LOW_HOLE_END, E820_RAM, 0 },
	};
	struct hvm_modlist_entry mod = { 0 };
	u64 mod_at = base + sizeof(si), map_at = mod_at + sizeof(mod);
	u64 cmd_at = map_at + sizeof(map), modcmd_at = cmd_at + strlen(cmdline) + 1;
	u64 initrd_at = ALIGN_UP(modcmd_at + 1, PAGE_SIZE);
	int rc;

	si.cmdline_paddr = cmd_at;
	si.memmap_paddr = map_at;
	si.memmap_entries = ARRAY_SIZE(map);
	if (initrd) {
		si.nr_modules = 1;
		si.modlist_paddr = mod_at;
		mod.paddr = initrd_at;
		mod.size = initrd->end - initrd->start;
		mod.cmdline_paddr = modcmd_at;
	}
	rc = keep_memory_map(d, map, ARRAY_SIZE(map));
	if (!rc)
		rc = write_gpa(d, base, &si, sizeof(si));
	if (!rc)
		rc = write_gpa(d, mod_at, &mod, sizeof(mod));
	if (!rc)
		rc = write_gpa(d, map_at, map, sizeof(map));
	if (!rc)
		rc = write_gpa(d, cmd_at, cmdline, strlen(cmdline) + 1);
	if (!rc)
		rc = write_gpa(d, modcmd_at, "", 1);
	if (!rc && initrd)
		rc = write_gpa(d, initrd_at, maddr_to_virt(initrd->start), mod.size);
	*end = initrd ? initrd_at + mod.size : initrd_at;
	return rc;
}

int pvh_build_dom0(struct domain *d, const struct bi_mod *kernel, const struct bi_mod *initrd,
		   u64 mem_bytes, bool cmdline_has_name)
{
	static struct elf_xen_info info;
	const void *img = maddr_to_virt(kernel->start);
	size_t size = kernel->end - kernel->start;
	char err[128];
	u64 si_at, end;
	int rc;

	rc = hvm_domain_init(d);
	if (rc) {
		printk(XENLOG_ERR "dom0 image rejected: a PVH dom0 needs HVM support (%d)\n", rc);
		return rc;
	}
	rc = elf_xen_parse(img, size, &info, err, sizeof(err));
	if (rc) {
		printk(XENLOG_ERR "dom0 image rejected: %s\n", err);
		return rc;
	}
	if (!(info.present & EXI_PHYS32_ENTRY) || info.phys32_entry >> 32) {
		printk(XENLOG_ERR "dom0 image rejected: no XEN_ELFNOTE_PHYS32_ENTRY: not a PVH "
				  "kernel\n");
		return -EINVAL;
	}
	rc = populate_ram(d, default_pages(mem_bytes));
	if (rc) {
		printk(XENLOG_ERR "dom0 image rejected: no memory for the domain (%d)\n", rc);
		return rc;
	}
	rc = elf_xen_load(img, size, &info, load_write, d);
	if (rc) {
		printk(XENLOG_ERR "dom0 image rejected: the kernel does not fit in its RAM\n");
		return rc;
	}
	si_at = ALIGN_UP(info.virt_kend, PAGE_SIZE);
	rc = write_start_info(d, si_at, module_args(kernel->cmdline, cmdline_has_name), initrd,
			      &end);
	if (rc) {
		printk(XENLOG_ERR "dom0 image rejected: boot structures do not fit in its RAM\n");
		return rc;
	}
	d->arch.hvm.start_info_gpa = si_at;
	hvm_backend->vcpu_set_pvh_state(d->vcpu[0], info.phys32_entry, si_at);
	d->vcpu[0]->arch.hvm.started = true;
	printk(XENLOG_INFO "Dom%u kernel: PVH, entry %#lx, %lu pages, start info at %#lx\n",
	       d->domain_id, info.phys32_entry, d->arch.hvm.nr_gfns, si_at);
	return 0;
}
