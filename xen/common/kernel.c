/* xen_version: what hypervisor this is (Xen 4.17, the ABI Petrel speaks: docs/design.md). */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "domain.h"
#include "uaccess.h"
#include "setup.h"
#include "public/version.h"
#include "public/features.h"
#include "hvm.h"

#define XEN_MAJOR 4
#define XEN_MINOR 17
#define XEN_EXTRA ".0-petrel"

static long copy_string_out(unsigned long arg, const char *s, size_t size)
{
	char buf[1024];

	memset(buf, 0, size);
	strlcpy(buf, s, size);
	return copy_to_guest(arg, buf, size) ? -EFAULT : 0;
}

static u32 feature_submap(unsigned int idx)
{
	u32 map = 0;

	if (idx != 0)
		return 0;
	/*
	 * What Xen offers every PV guest: mmu_update's PT_UPDATE_PRESERVE_AD,
	 * MMUEXT_{CLEAR,COPY}_PAGE, and grant mappings that keep the PTE's
	 * available bits (Linux refuses to run as PV without the first and
	 * the last; see docs/abi-status.md for the state of grant mapping).
	 */
	map |= (1u << XENFEAT_mmu_pt_update_preserve_ad) | (1u << XENFEAT_highmem_assist) |
	       (1u << XENFEAT_gnttab_map_avail_bits);
	if (current->domain->vm_assist & (1UL << VMASST_TYPE_pae_extended_cr3))
		map |= 1u << XENFEAT_pae_pgdir_above_4gb;
	if (current->domain->is_privileged)
		map |= 1u << XENFEAT_dom0;
	return map;
}

static long version_features(unsigned long arg)
{
	struct xen_feature_info fi;

	if (copy_from_guest(&fi, arg, sizeof(fi)))
		return -EFAULT;
	if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
		return -EINVAL;
	fi.submap = feature_submap(fi.submap_idx);
	return copy_to_guest(arg, &fi, sizeof(fi)) ? -EFAULT : 0;
}

static long version_compile_info(unsigned long arg)
{
	struct xen_compile_info ci;

	memset(&ci, 0, sizeof(ci));
	strlcpy(ci.compiler, "gcc " __VERSION__, sizeof(ci.compiler));
	strlcpy(ci.compile_by, "petrel", sizeof(ci.compile_by));
	strlcpy(ci.compile_domain, "petrel", sizeof(ci.compile_domain));
	strlcpy(ci.compile_date, __DATE__ " " __TIME__, sizeof(ci.compile_date));
	return copy_to_guest(arg, &ci, sizeof(ci)) ? -EFAULT : 0;
}

/* The linker's GNU build-id note (xen.lds): its descriptor is the id. */
extern const u8 __note_gnu_build_id_start[], __note_gnu_build_id_end[];

struct elf_note_hdr {
	u32 namesz, descsz, type;
};

static bool build_id(const u8 **id, u32 *len)
{
	const struct elf_note_hdr *n = (const void *)__note_gnu_build_id_start;
	size_t size = (size_t)(__note_gnu_build_id_end - __note_gnu_build_id_start);

	if (size < sizeof(*n) || n->type != 3 /* NT_GNU_BUILD_ID */ ||
	    sizeof(*n) + ALIGN_UP(n->namesz, 4) + n->descsz > size || !n->descsz)
		return false;
	*id = (const u8 *)(n + 1) + ALIGN_UP(n->namesz, 4);
	*len = n->descsz;
	return true;
}

/*
 * XENVER_build_id, control domain only: a NULL argument asks for the size;
 * otherwise the id goes after the caller's len field if it fits (-ENOBUFS
 * if not, -EINVAL for a len of 0). Returns the id's size.
 */
static long version_build_id(unsigned long arg)
{
	struct xen_build_id hdr;
	const u8 *id;
	u32 len;

	if (!current->domain->is_privileged)
		return -EPERM;
	if (arg) {
		if (copy_from_guest(&hdr, arg, sizeof(hdr)))
			return -EFAULT;
		if (!hdr.len)
			return -EINVAL;
	}
	if (!build_id(&id, &len))
		return -ENODATA;
	if (!arg)
		return len;
	if (len > hdr.len)
		return -ENOBUFS;
	return copy_to_guest(arg + sizeof(hdr), id, len) ? -EFAULT : (long)len;
}

__hotpath long do_xen_version(unsigned long cmd, unsigned long arg)
{
	cmd = (unsigned int)cmd; /* a 32-bit sub-op, as Xen reads it */
	switch (cmd) {
	case XENVER_version:
		return (XEN_MAJOR << 16) | XEN_MINOR;
	case XENVER_extraversion:
		return copy_string_out(arg, XEN_EXTRA, sizeof(xen_extraversion_t));
	case XENVER_compile_info:
		return version_compile_info(arg);
	case XENVER_capabilities:
		/* libxenguest builds an HVM/PVH guest only when an hvm-3.0 type is listed. */
		return copy_string_out(arg,
				       hvm_backend ? "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p "
						     "hvm-3.0-x86_64"
						   : "xen-3.0-x86_64",
				       sizeof(xen_capabilities_info_t));
	case XENVER_changeset:
		return copy_string_out(arg, "petrel", sizeof(xen_changeset_info_t));
	case XENVER_platform_parameters: {
		struct xen_platform_parameters pp = { .virt_start = HYPERVISOR_VIRT_START };

		return copy_to_guest(arg, &pp, sizeof(pp)) ? -EFAULT : 0;
	}
	case XENVER_get_features:
		return version_features(arg);
	case XENVER_pagesize:
		return PAGE_SIZE;
	case XENVER_guest_handle: {
		u8 handle[16] = { 0 };

		return copy_to_guest(arg, handle, sizeof(handle)) ? -EFAULT : 0;
	}
	case XENVER_commandline:
		if (!current->domain->is_privileged)
			return -EPERM;
		return copy_string_out(arg, xen_cmdline, sizeof(xen_commandline_t));
	case XENVER_build_id:
		return version_build_id(arg);
	default:
		return -ENOSYS;
	}
}
