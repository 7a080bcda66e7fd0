/* SPDX-License-Identifier: MIT */
/*
 * The kernel reader's ELF half: header and program headers checked against
 * the buffer, Xen's notes read (PT_NOTE segments, else SHT_NOTE sections),
 * segments placed at p_paddr + VIRT_BASE - PADDR_OFFSET, the same rules as
 * Petrel's own dom0 loader (xen/common/libelf.c).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfnote.h"
#include "image_internal.h"

static bool in_file(const struct kernel_image *img, uint64_t off, uint64_t size)
{
	return off <= img->elf_len && size <= img->elf_len - off;
}

static uint64_t note_number(const unsigned char *d, uint32_t size)
{
	uint64_t v = 0;

	memcpy(&v, d, size); /* 4 or 8 bytes, little endian */
	return v;
}

static void note_string(char *to, size_t room, const unsigned char *d, uint32_t size)
{
	size_t n = size < room - 1 ? size : room - 1;

	memcpy(to, d, n);
	to[n] = 0;
}

static int numeric_note(struct xen_notes *x, uint32_t type, const unsigned char *d, uint32_t size,
			char *err, size_t errlen)
{
	uint64_t v;

	if (size != 4 && size != 8)
		return image_error(err, errlen, -ENOEXEC, "Xen note %u is %u bytes, not 4 or 8",
				   type, size);
	v = note_number(d, size);
	switch (type) {
	case XEN_ELFNOTE_ENTRY:
		x->entry = v, x->has_entry = true;
		break;
	case XEN_ELFNOTE_HYPERCALL_PAGE:
		x->hypercall_page = v, x->has_hypercall_page = true;
		break;
	case XEN_ELFNOTE_VIRT_BASE:
		x->virt_base = v, x->has_virt_base = true;
		break;
	case XEN_ELFNOTE_PADDR_OFFSET:
		x->paddr_offset = v, x->has_paddr_offset = true;
		break;
	case XEN_ELFNOTE_INIT_P2M:
		x->init_p2m = v, x->has_init_p2m = true;
		break;
	case XEN_ELFNOTE_PHYS32_ENTRY:
		x->phys32_entry = (uint32_t)v, x->has_phys32_entry = true;
		break;
	case XEN_ELFNOTE_MOD_START_PFN:
		x->mod_start_pfn = v != 0;
		break;
	case XEN_ELFNOTE_SUPPORTED_FEATURES:
		x->supported_features = (uint32_t)v;
		break;
	}
	return 0;
}

static int one_note(struct xen_notes *x, uint32_t type, const unsigned char *d, uint32_t size,
		    char *err, size_t errlen)
{
	switch (type) {
	case XEN_ELFNOTE_XEN_VERSION:
		note_string(x->xen_version, sizeof(x->xen_version), d, size);
		return 0;
	case XEN_ELFNOTE_GUEST_OS:
		note_string(x->guest_os, sizeof(x->guest_os), d, size);
		return 0;
	case XEN_ELFNOTE_GUEST_VERSION:
		note_string(x->guest_version, sizeof(x->guest_version), d, size);
		return 0;
	case XEN_ELFNOTE_LOADER:
		note_string(x->loader, sizeof(x->loader), d, size);
		return 0;
	case XEN_ELFNOTE_FEATURES:
		note_string(x->features, sizeof(x->features), d, size);
		return 0;
	case XEN_ELFNOTE_ENTRY:
	case XEN_ELFNOTE_HYPERCALL_PAGE:
	case XEN_ELFNOTE_VIRT_BASE:
	case XEN_ELFNOTE_PADDR_OFFSET:
	case XEN_ELFNOTE_INIT_P2M:
	case XEN_ELFNOTE_PHYS32_ENTRY:
	case XEN_ELFNOTE_MOD_START_PFN:
	case XEN_ELFNOTE_SUPPORTED_FEATURES:
		return numeric_note(x, type, d, size, err, errlen);
	default:
		return 0; /* L1_MFN_VALID, PAE_MODE, unknown ones: not needed here */
	}
}

static uint64_t align4(uint64_t v)
{
	return (v + 3) & ~(uint64_t)3;
}

/* Walk the notes in [off, off + size); returns how many Xen notes it found. */
static int read_notes(struct kernel_image *img, uint64_t off, uint64_t size, char *err,
		      size_t errlen)
{
	uint64_t at = off, end = off + size, name_at, desc_at;
	const Elf64_Nhdr *n;
	int found = 0, r;

	if (!in_file(img, off, size))
		return image_error(err, errlen, -ENOEXEC,
				   "a note area runs past the end of the ELF");
	if (off % 4)
		return image_error(err, errlen, -ENOEXEC, "a note area is not 4-byte aligned");
	while (end - at >= sizeof(*n)) {
		n = (const Elf64_Nhdr *)(img->elf + at);
		name_at = at + sizeof(*n);
		desc_at = name_at + align4(n->n_namesz);
		if (desc_at > end || align4(n->n_descsz) > end - desc_at)
			return image_error(err, errlen, -ENOEXEC, "a note runs past its note area");
		if (n->n_namesz == 4 && memcmp(img->elf + name_at, "Xen", 4) == 0) {
			r = one_note(&img->notes, n->n_type, img->elf + desc_at, n->n_descsz, err,
				     errlen);
			if (r)
				return r;
			found++;
		}
		at = desc_at + align4(n->n_descsz);
	}
	return found;
}

static int notes_from_sections(struct kernel_image *img, const Elf64_Ehdr *eh, char *err,
			       size_t errlen)
{
	const Elf64_Shdr *sh;
	int found = 0, r;

	if (eh->e_shnum == 0 || eh->e_shentsize != sizeof(*sh) || eh->e_shoff % 8 ||
	    !in_file(img, eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(*sh)))
		return 0;
	sh = (const Elf64_Shdr *)(img->elf + eh->e_shoff);
	for (unsigned int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_NOTE)
			continue;
		r = read_notes(img, sh[i].sh_offset, sh[i].sh_size, err, errlen);
		if (r < 0)
			return r;
		found += r;
	}
	return found;
}

/*
 * A 32-bit x86 ELF (a PVH kernel such as GRUB's i386-xen_pvh image) as the
 * 64-bit one the rest reads: a new ELF64 header, program and section
 * headers in front of the old file, whose offsets move by that much.
 */
static uint64_t widen_prefix(const Elf32_Ehdr *eh)
{
	uint64_t n = sizeof(Elf64_Ehdr) + (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) +
		     (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr);

	return (n + 15) & ~(uint64_t)15;
}

static void widen_headers(unsigned char *to, const Elf32_Ehdr *eh, const unsigned char *elf,
			  uint64_t shift)
{
	Elf64_Ehdr *h = (Elf64_Ehdr *)to;
	Elf64_Phdr *ph = (Elf64_Phdr *)(to + sizeof(*h));
	Elf64_Shdr *sh = (Elf64_Shdr *)(ph + eh->e_phnum);
	const Elf32_Phdr *p32 = (const Elf32_Phdr *)(elf + eh->e_phoff);
	const Elf32_Shdr *s32 = (const Elf32_Shdr *)(elf + eh->e_shoff);

	memcpy(h->e_ident, eh->e_ident, EI_NIDENT);
	h->e_ident[EI_CLASS] = ELFCLASS64;
	h->e_type = eh->e_type, h->e_machine = EM_X86_64, h->e_version = eh->e_version;
	h->e_entry = eh->e_entry, h->e_flags = eh->e_flags, h->e_ehsize = sizeof(*h);
	h->e_phoff = sizeof(*h), h->e_phentsize = sizeof(*ph), h->e_phnum = eh->e_phnum;
	h->e_shoff = eh->e_shnum ? (uint64_t)((unsigned char *)sh - to) : 0;
	h->e_shentsize = sizeof(*sh), h->e_shnum = eh->e_shnum, h->e_shstrndx = eh->e_shstrndx;
	for (unsigned int i = 0; i < eh->e_phnum; i++)
		ph[i] = (Elf64_Phdr){ p32[i].p_type,  p32[i].p_flags, p32[i].p_offset + shift,
				      p32[i].p_vaddr, p32[i].p_paddr, p32[i].p_filesz,
				      p32[i].p_memsz, p32[i].p_align };
	for (unsigned int i = 0; i < eh->e_shnum; i++)
		sh[i] =
		    (Elf64_Shdr){ s32[i].sh_name,   s32[i].sh_type,	      s32[i].sh_flags,
				  s32[i].sh_addr,   s32[i].sh_offset + shift, s32[i].sh_size,
				  s32[i].sh_link,   s32[i].sh_info,	      s32[i].sh_addralign,
				  s32[i].sh_entsize };
}

static bool table_fits(const struct kernel_image *img, uint64_t off, uint64_t n, uint64_t size)
{
	return off % 4 == 0 && in_file(img, off, n * size);
}

/* Let go of img->elf, a buffer or a mapping. */
static void release_elf(struct kernel_image *img)
{
	if (img->map)
		munmap(img->map, img->map_len);
	else
		free(img->elf);
	img->elf = img->map = NULL;
	img->map_len = 0;
}

static int widen_elf32(struct kernel_image *img, char *err, size_t errlen)
{
	const Elf32_Ehdr *eh = (const Elf32_Ehdr *)img->elf;
	unsigned char *wide;
	uint64_t shift;

	if (img->elf_len < sizeof(*eh) || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_386)
		return image_error(err, errlen, -ENOEXEC, "not a 64-bit little-endian x86-64 ELF");
	if (eh->e_phnum == 0 || eh->e_phentsize != sizeof(Elf32_Phdr) ||
	    !table_fits(img, eh->e_phoff, eh->e_phnum, sizeof(Elf32_Phdr)) ||
	    (eh->e_shnum && (eh->e_shentsize != sizeof(Elf32_Shdr) ||
			     !table_fits(img, eh->e_shoff, eh->e_shnum, sizeof(Elf32_Shdr)))))
		return image_error(err, errlen, -ENOEXEC, "bad ELF program or section headers");
	shift = widen_prefix(eh);
	wide = calloc(1, shift + img->elf_len);
	if (!wide)
		return image_error(err, errlen, -ENOMEM, "out of memory");
	widen_headers(wide, eh, img->elf, shift);
	memcpy(wide + shift, img->elf, img->elf_len);
	release_elf(img);
	img->elf = wide;
	img->elf_len += shift;
	img->pvh_only = true;
	return 0;
}

static int check_header(struct kernel_image *img, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img->elf;

	int r;

	if (img->elf_len < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return image_error(err, errlen, -ENOEXEC,
				   "not an ELF file, a bzImage or a compressed kernel");
	if (eh->e_ident[EI_CLASS] == ELFCLASS32) {
		r = widen_elf32(img, err, errlen);
		if (r)
			return r;
		eh = (const Elf64_Ehdr *)img->elf;
	}
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64)
		return image_error(err, errlen, -ENOEXEC, "not a 64-bit little-endian x86-64 ELF");
	if (eh->e_phnum == 0 || eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff % 8 ||
	    !in_file(img, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		return image_error(err, errlen, -ENOEXEC, "bad ELF program headers");
	return 0;
}

static int all_notes(struct kernel_image *img, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img->elf;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(img->elf + eh->e_phoff);
	int found = 0, r;

	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_NOTE)
			continue;
		r = read_notes(img, ph[i].p_offset, ph[i].p_filesz, err, errlen);
		if (r < 0)
			return r;
		found += r;
	}
	if (!found)
		found = notes_from_sections(img, eh, err, errlen);
	if (found < 0)
		return found;
	if (!found)
		return image_error(err, errlen, -ENOEXEC, "no Xen ELF notes: not a Xen PV kernel");
	return 0;
}

/* Xen's rule: a PHYS32_ENTRY note alone makes a kernel a PVH one. */
static int check_notes(struct kernel_image *img, char *err, size_t errlen)
{
	const struct xen_notes *x = &img->notes;

	if (x->has_phys32_entry && !x->xen_version[0]) {
		img->pvh_only = true;
		return 0;
	}
	if (strncmp(x->xen_version, "xen-3.0", 7) != 0)
		return image_error(err, errlen, -ENOEXEC, "XEN_VERSION note is '%s', not 'xen-3.0'",
				   x->xen_version);
	if (strncmp(x->loader, "generic", 7) != 0 && strncmp(x->guest_os, "linux", 5) != 0)
		return image_error(err, errlen, -ENOEXEC,
				   "neither LOADER 'generic' nor GUEST_OS 'linux' (got '%s', '%s')",
				   x->loader, x->guest_os);
	if (x->has_paddr_offset && !x->has_virt_base)
		return image_error(err, errlen, -ENOEXEC, "PADDR_OFFSET given without VIRT_BASE");
	return 0;
}

/* The physical span of the PT_LOAD segments, checked against the file. */
static int load_span(const struct kernel_image *img, uint64_t *lo, uint64_t *hi, char *err,
		     size_t errlen)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img->elf;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(img->elf + eh->e_phoff);

	*lo = UINT64_MAX;
	*hi = 0;
	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
			continue;
		if (ph[i].p_filesz > ph[i].p_memsz ||
		    !in_file(img, ph[i].p_offset, ph[i].p_filesz) ||
		    ph[i].p_paddr + ph[i].p_memsz < ph[i].p_paddr)
			return image_error(err, errlen, -ENOEXEC, "ELF segment %u is malformed", i);
		if (ph[i].p_paddr < *lo)
			*lo = ph[i].p_paddr;
		if (ph[i].p_paddr + ph[i].p_memsz > *hi)
			*hi = ph[i].p_paddr + ph[i].p_memsz;
	}
	if (*lo == UINT64_MAX)
		return image_error(err, errlen, -ENOEXEC, "the ELF has nothing to load");
	return 0;
}

static int place(struct kernel_image *img, char *err, size_t errlen)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img->elf;
	struct xen_notes *x = &img->notes;
	uint64_t lo, hi,
	    offset =
		(x->has_virt_base ? x->virt_base : 0) - (x->has_paddr_offset ? x->paddr_offset : 0);
	int r = load_span(img, &lo, &hi, err, errlen);

	if (r)
		return r;
	img->virt_start = lo + offset;
	img->virt_end = hi + offset;
	img->entry = x->has_entry ? x->entry : eh->e_entry;
	if (img->virt_start > img->virt_end || x->virt_base > img->virt_start)
		return image_error(err, errlen, -ENOEXEC,
				   "kernel range %#llx-%#llx is below "
				   "VIRT_BASE or wraps",
				   (unsigned long long)img->virt_start,
				   (unsigned long long)img->virt_end);
	if (img->entry < img->virt_start || img->entry > img->virt_end)
		return image_error(
		    err, errlen, -ENOEXEC, "entry %#llx outside the kernel %#llx-%#llx",
		    (unsigned long long)img->entry, (unsigned long long)img->virt_start,
		    (unsigned long long)img->virt_end);
	if (x->has_hypercall_page &&
	    (x->hypercall_page < img->virt_start || x->hypercall_page >= img->virt_end))
		return image_error(err, errlen, -ENOEXEC, "HYPERCALL_PAGE outside the kernel");
	return 0;
}

int image_read_elf(struct kernel_image *img, char *err, size_t errlen)
{
	int r = check_header(img, err, errlen);

	if (!r)
		r = all_notes(img, err, errlen);
	if (!r)
		r = check_notes(img, err, errlen);
	if (!r)
		r = place(img, err, errlen);
	return r;
}

void image_free(struct kernel_image *img)
{
	release_elf(img);
	memset(img, 0, sizeof(*img));
}

struct packed {
	const unsigned char *d;
	size_t len;
	const char *kind;
};

/* Unwrap a bzImage: the stream in d (its payload, or d itself) and its compression (or NULL). */
static int packed_stream(const unsigned char *d, size_t len, struct packed *p,
			 struct kernel_image *img, char *err, size_t errlen)
{
	int r;

	p->d = d;
	p->len = len;
	if (image_is_bzimage(d, len)) {
		r = image_bzimage_payload(d, len, &p->d, &p->len, err, errlen);
		if (r)
			return r;
		strcpy(img->format, "bzImage");
	}
	p->kind = image_compression(p->d, p->len);
	return 0;
}

static void add_format(struct kernel_image *img, const char *kind)
{
	size_t n = strlen(img->format);

	snprintf(img->format + n, sizeof(img->format) - n, "%s%s", n ? "+" : "", kind);
}

size_t image_unpacked_size(const unsigned char *d, size_t len)
{
	struct kernel_image scratch = { 0 };
	struct packed p;
	char err[8];

	if (packed_stream(d, len, &p, &scratch, err, sizeof(err)) || !p.kind)
		return 0;
	return image_size_hint(p.d, p.len);
}

int image_unpack_into(const unsigned char *d, size_t len, struct kernel_image *img,
		      unsigned char *buf, size_t cap, char *err, size_t errlen)
{
	struct packed p;
	int r = packed_stream(d, len, &p, img, err, errlen);

	if (!r && !p.kind)
		r = image_error(err, errlen, -ENOEXEC, "not compressed");
	if (!r)
		r = image_decompress_into(p.kind, p.d, p.len, buf, cap, &img->elf_len, err, errlen);
	if (r)
		return r;
	img->elf = buf;
	add_format(img, p.kind);
	return 0;
}

/* Unpack one layer: a bzImage's payload or a compressed stream. */
int image_unpack(const unsigned char *d, size_t len, struct kernel_image *img, char *err,
		 size_t errlen)
{
	struct packed p;
	int r = packed_stream(d, len, &p, img, err, errlen);

	if (r)
		return r;
	if (p.kind) {
		r = image_decompress(p.kind, p.d, p.len, &img->elf, &img->elf_len, err, errlen);
		if (r)
			return r;
		add_format(img, p.kind);
		return 0;
	}
	if (img->format[0])
		return image_error(err, errlen, -ENOEXEC, "bzImage payload in an unknown format");
	img->elf = malloc(len ? len : 1);
	if (!img->elf)
		return image_error(err, errlen, -ENOMEM, "out of memory");
	memcpy(img->elf, d, len);
	img->elf_len = len;
	strcpy(img->format, "ELF");
	return 0;
}

int image_read(const void *data, size_t len, struct kernel_image *out, char *err, size_t errlen)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (len > IMAGE_MAX_SIZE)
		return image_error(err, errlen, -EFBIG, "kernel file larger than %u MiB",
				   IMAGE_MAX_SIZE >> 20);
	r = image_unpack(data, len, out, err, errlen);
	if (!r)
		r = image_read_elf(out, err, errlen);
	if (r)
		image_free(out);
	return r;
}

int image_load_file(const char *path, unsigned char **data, size_t *len, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;
	unsigned char *buf;
	struct stat st;
	size_t got = 0;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return image_error(err, errlen, r, "%s: %s", path, strerror(-r));
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > IMAGE_MAX_SIZE) {
		close(fd);
		return image_error(err, errlen, -EINVAL, "%s: not a regular file of at most %u MiB",
				   path, IMAGE_MAX_SIZE >> 20);
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf && got < (size_t)st.st_size && (n = read(fd, buf + got, st.st_size - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (!buf)
		return image_error(err, errlen, -ENOMEM, "%s: out of memory", path);
	*data = buf;
	*len = got;
	return 0;
}

int image_read_file(const char *path, struct kernel_image *out, char *err, size_t errlen)
{
	unsigned char *buf;
	size_t len;
	int r;

	memset(out, 0, sizeof(*out));
	r = image_load_file(path, &buf, &len, err, errlen);
	if (r)
		return r;
	r = image_read(buf, len, out, err, errlen);
	free(buf);
	return r;
}
