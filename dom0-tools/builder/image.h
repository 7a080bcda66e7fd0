/* SPDX-License-Identifier: MIT */
/*
 * The PV domain builder's kernel reader: a kernel file (an ELF, a bzImage,
 * or either compressed with gzip, xz, legacy lzma or zstd) becomes an
 * uncompressed 64-bit ELF (a 32-bit one for PVH is widened) with its Xen ELF
 * notes read and checked, and the virtual
 * range its loadable segments take once placed as Xen places them.
 */
#ifndef PETREL_BUILDER_IMAGE_H
#define PETREL_BUILDER_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest kernel the reader unpacks (a decompression bomb stops here). */
#define IMAGE_MAX_SIZE (256u << 20)

struct xen_notes {
	bool has_entry, has_virt_base, has_paddr_offset, has_hypercall_page, has_init_p2m;
	bool has_phys32_entry;
	uint64_t entry, virt_base, paddr_offset, hypercall_page, init_p2m;
	uint32_t phys32_entry;
	uint32_t supported_features;
	bool mod_start_pfn;
	char xen_version[32], guest_os[32], guest_version[32], loader[32];
	char features[512];
};

struct kernel_image {
	unsigned char *elf; /* the uncompressed ELF (owned) */
	size_t elf_len;
	/* Set when elf lies inside a private mapping of a file (the kernel cache's entry). */
	void *map;
	size_t map_len;
	char format[32]; /* how the file was packed, e.g. "bzImage+xz" */
	struct xen_notes notes;
	uint64_t virt_start, virt_end; /* [start, end) of the loaded segments */
	uint64_t entry;
	/*
	 * Bootable only as PVH: a 32-bit ELF (widened to a 64-bit one in elf)
	 * or one whose only Xen note is PHYS32_ENTRY, which Xen's rules accept
	 * for a PVH guest alone.
	 */
	bool pvh_only;
};

/*
 * Read a kernel from memory.  0, or -EINVAL / -ENOEXEC / -EFBIG / -ENOMEM
 * with a sentence in err ("bzImage payload runs past the end of the file").
 */
int image_read(const void *data, size_t len, struct kernel_image *out, char *err, size_t errlen);
int image_read_file(const char *path, struct kernel_image *out, char *err, size_t errlen);
void image_free(struct kernel_image *img);

/*
 * A PV guest's ramdisk as Xen's builder hands it over: a gzip file is
 * inflated (zlib); anything else, or gzip that does not inflate, is passed
 * as it is.  At most IMAGE_MAX_SIZE bytes either way.
 */
struct ramdisk {
	unsigned char *data; /* owned */
	size_t len;
	bool inflated;
};

int ramdisk_read(const void *data, size_t len, struct ramdisk *out, char *err, size_t errlen);
int ramdisk_read_file(const char *path, struct ramdisk *out, char *err, size_t errlen);
void ramdisk_free(struct ramdisk *rd);

#endif /* PETREL_BUILDER_IMAGE_H */
