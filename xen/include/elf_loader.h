/*
 * Guest kernel images: ELF64 with Xen's ELF notes, and the bzImage wrapper.
 * Parsing never trusts the image: every offset and size is checked against
 * the buffer, and failures return -EINVAL with a message in @err.
 */
#ifndef PETREL_ELF_LOADER_H
#define PETREL_ELF_LOADER_H

#include "types.h"

/* Presence bits for struct elf_xen_info.present */
#define EXI_ENTRY (1u << 0)
#define EXI_HYPERCALL_PAGE (1u << 1)
#define EXI_VIRT_BASE (1u << 2)
#define EXI_PADDR_OFFSET (1u << 3)
#define EXI_INIT_P2M (1u << 4)
#define EXI_MOD_START_PFN (1u << 5)
#define EXI_PHYS32_ENTRY (1u << 6)
#define EXI_SUPPORTED_FEATURES (1u << 7)

#define EXI_FEATURE_WORDS 1 /* XENFEAT_NR_SUBMAPS */

struct elf_xen_info {
	u32 present; /* EXI_* */
	u64 entry, hypercall_page, virt_base, paddr_offset, init_p2m, mod_start_pfn;
	u64 phys32_entry;
	char xen_version[32], guest_os[32], loader[32];
	/* From XEN_ELFNOTE_FEATURES ("a|!b") and XEN_ELFNOTE_SUPPORTED_FEATURES. */
	u32 features_supported[EXI_FEATURE_WORDS];
	u32 features_required[EXI_FEATURE_WORDS];
	/* Virtual extent of the PT_LOAD segments, after virt_base/paddr_offset. */
	u64 virt_kstart, virt_kend;
	u64 elf_entry; /* e_entry, used when there is no ENTRY note */
};

/*
 * Parse an ELF64 x86-64 image and its Xen notes. Returns 0, or -EINVAL with
 * a message in @err (truncated headers, segments or notes outside the file,
 * overlapping segments, wrong class/machine, missing or wrong XEN_VERSION
 * "xen-3.0", guest_os/loader not "linux"/"generic", ...).
 */
int elf_xen_parse(const void *img, size_t size, struct elf_xen_info *info, char *err,
		  size_t errlen);

/*
 * Copy each PT_LOAD segment to its virtual address and zero its BSS through
 * @write(ctx, va, src, len) where src == NULL means zero-fill. Must be called
 * only on an image elf_xen_parse accepted. Returns 0 or the first error of @write.
 */
int elf_xen_load(const void *img, size_t size, const struct elf_xen_info *info,
		 int (*write)(void *ctx, u64 va, const void *src, size_t len), void *ctx);

/*
 * bzImage: if @img is one, return its payload (the compressed vmlinux) and 0;
 * -ENOENT if it is not a bzImage; -EINVAL with @err if it is but is broken.
 */
int bzimage_payload(const void *img, size_t size, const void **payload, size_t *len, char *err,
		    size_t errlen);

#endif
