/*
 * ELF64 guest kernels with Xen's ELF notes.
 *
 * elf_xen_parse() checks the whole image before anything is trusted: the
 * ELF header, the program and section header tables, every PT_LOAD and
 * PT_NOTE segment, and every note, each against the buffer's bounds. It
 * then applies Xen's rules for a PV kernel's addresses: segments are placed
 * at p_paddr + VIRT_BASE - PADDR_OFFSET (both default to 0 when absent; a
 * PADDR_OFFSET without VIRT_BASE is refused), and the entry point must lie
 * inside the loaded range.
 */
#include "elf_loader.h"
#include "errno.h"
#include "lib.h"

/* ELF constants (System V gABI and the x86-64 psABI). */
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define ET_EXEC 2
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_NOTE 4
#define SHT_NOTE 7
#define PN_XNUM 0xffff

/* Xen's ELF note types (public/elfnote.h). */
#define XEN_ELFNOTE_ENTRY 1
#define XEN_ELFNOTE_HYPERCALL_PAGE 2
#define XEN_ELFNOTE_VIRT_BASE 3
#define XEN_ELFNOTE_PADDR_OFFSET 4
#define XEN_ELFNOTE_XEN_VERSION 5
#define XEN_ELFNOTE_GUEST_OS 6
#define XEN_ELFNOTE_GUEST_VERSION 7
#define XEN_ELFNOTE_LOADER 8
#define XEN_ELFNOTE_PAE_MODE 9
#define XEN_ELFNOTE_FEATURES 10
#define XEN_ELFNOTE_BSD_SYMTAB 11
#define XEN_ELFNOTE_HV_START_LOW 12
#define XEN_ELFNOTE_L1_MFN_VALID 13
#define XEN_ELFNOTE_SUSPEND_CANCEL 14
#define XEN_ELFNOTE_INIT_P2M 15
#define XEN_ELFNOTE_MOD_START_PFN 16
#define XEN_ELFNOTE_SUPPORTED_FEATURES 17
#define XEN_ELFNOTE_PHYS32_ENTRY 18

#define MAX_LOAD_SEGMENTS 256
#define MAX_NOTES 4096

struct elf64_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};

struct elf64_shdr {
	u32 name, type;
	u64 flags, addr, offset, size;
	u32 link, info;
	u64 addralign, entsize;
};

_Static_assert(sizeof(struct elf64_ehdr) == 64, "ELF64 header size");
_Static_assert(sizeof(struct elf64_phdr) == 56, "ELF64 program header size");
_Static_assert(sizeof(struct elf64_shdr) == 64, "ELF64 section header size");

/* Feature names for XEN_ELFNOTE_FEATURES, numbered as XENFEAT_* in public/features.h. */
static const char *const feature_names[] = {
	[0] = "writable_page_tables",
	[1] = "writable_descriptor_tables",
	[2] = "auto_translated_physmap",
	[3] = "supervisor_mode_kernel",
	[4] = "pae_pgdir_above_4gb",
	[5] = "mmu_pt_update_preserve_ad",
	[6] = "highmem_assist",
	[7] = "gnttab_map_avail_bits",
	[8] = "hvm_callback_vector",
	[9] = "hvm_safe_pvclock",
	[10] = "hvm_pirqs",
	[11] = "dom0",
	[13] = "memory_op_vnode_supported",
	[14] = "ARM_SMCCC_supported",
	[15] = "linux_rsdp_unrestricted",
	[16] = "not_direct_mapped",
	[17] = "direct_mapped",
};

struct elf_ctx {
	const u8 *img;
	size_t size;
	struct elf64_ehdr eh;
	struct elf_xen_info *info;
	char *err;
	size_t errlen;
	unsigned int xen_notes, total_notes;
	u64 pstart, pend;
};

static int __printf(2, 3) fail(struct elf_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->err && c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err, c->errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool in_file(const struct elf_ctx *c, u64 off, u64 len)
{
	return off <= c->size && len <= c->size - off;
}

static void get_phdr(const struct elf_ctx *c, unsigned int i, struct elf64_phdr *ph)
{
	memcpy(ph, c->img + c->eh.phoff + (u64)i * sizeof(*ph), sizeof(*ph));
}

static void get_shdr(const struct elf_ctx *c, unsigned int i, struct elf64_shdr *sh)
{
	memcpy(sh, c->img + c->eh.shoff + (u64)i * sizeof(*sh), sizeof(*sh));
}

static int check_ehdr(struct elf_ctx *c)
{
	const struct elf64_ehdr *eh = &c->eh;

	if (c->size < 4 || memcmp(c->img, "\177ELF", 4) != 0)
		return fail(c, "not an ELF image (bad magic)");
	if (c->size < sizeof(*eh))
		return fail(c, "truncated ELF header (%zu of %zu bytes)", c->size, sizeof(*eh));
	memcpy(&c->eh, c->img, sizeof(c->eh));
	if (eh->ident[4] != ELFCLASS64)
		return fail(c, "not a 64-bit ELF image (class %u)", eh->ident[4]);
	if (eh->ident[5] != ELFDATA2LSB)
		return fail(c, "not a little-endian ELF image (data %u)", eh->ident[5]);
	if (eh->ident[6] != EV_CURRENT || eh->version != EV_CURRENT)
		return fail(c, "unknown ELF version %u", eh->version);
	if (eh->type != ET_EXEC)
		return fail(c, "not an executable ELF image (type %u)", eh->type);
	if (eh->machine != EM_X86_64)
		return fail(c, "not an x86-64 ELF image (machine %u)", eh->machine);
	if (eh->phnum == 0 || eh->phnum == PN_XNUM)
		return fail(c, "unsupported program header count %u", eh->phnum);
	if (eh->phentsize != sizeof(struct elf64_phdr))
		return fail(c, "bad program header size %u", eh->phentsize);
	if (!in_file(c, eh->phoff, (u64)eh->phnum * sizeof(struct elf64_phdr)))
		return fail(c, "program headers outside the file (offset %#llx, %u entries)",
			    (unsigned long long)eh->phoff, eh->phnum);
	if (eh->shnum == 0)
		return 0;
	if (eh->shentsize != sizeof(struct elf64_shdr))
		return fail(c, "bad section header size %u", eh->shentsize);
	if (!in_file(c, eh->shoff, (u64)eh->shnum * sizeof(struct elf64_shdr)))
		return fail(c, "section headers outside the file (offset %#llx, %u entries)",
			    (unsigned long long)eh->shoff, eh->shnum);
	return 0;
}

static int check_overlaps(struct elf_ctx *c, unsigned int i, const struct elf64_phdr *a)
{
	struct elf64_phdr b;
	unsigned int j;

	for (j = 0; j < i; j++) {
		get_phdr(c, j, &b);
		if (b.type != PT_LOAD || b.memsz == 0)
			continue;
		if (a->paddr < b.paddr + b.memsz && b.paddr < a->paddr + a->memsz)
			return fail(c, "PT_LOAD segments %u and %u overlap", j, i);
	}
	return 0;
}

static int check_segments(struct elf_ctx *c)
{
	struct elf64_phdr ph;
	unsigned int i, loads = 0;

	c->pstart = ~0ULL;
	c->pend = 0;
	for (i = 0; i < c->eh.phnum; i++) {
		get_phdr(c, i, &ph);
		if (ph.type != PT_LOAD && ph.type != PT_NOTE)
			continue;
		if (!in_file(c, ph.offset, ph.filesz))
			return fail(c, "segment %u outside the file (offset %#llx, size %#llx)", i,
				    (unsigned long long)ph.offset, (unsigned long long)ph.filesz);
		if (ph.type != PT_LOAD)
			continue;
		if (ph.filesz > ph.memsz)
			return fail(c, "segment %u: file size %#llx exceeds memory size %#llx", i,
				    (unsigned long long)ph.filesz, (unsigned long long)ph.memsz);
		if (ph.memsz == 0)
			continue;
		if (ph.paddr + ph.memsz < ph.paddr)
			return fail(c, "segment %u wraps around the address space", i);
		if (++loads > MAX_LOAD_SEGMENTS)
			return fail(c, "too many PT_LOAD segments");
		if (check_overlaps(c, i, &ph))
			return -EINVAL;
		c->pstart = MIN(c->pstart, ph.paddr);
		c->pend = MAX(c->pend, ph.paddr + ph.memsz);
	}
	if (!loads)
		return fail(c, "no loadable segments");
	return 0;
}

static int note_number(struct elf_ctx *c, unsigned int type, const u8 *desc, u32 descsz, u64 *v)
{
	u32 v32;

	if (descsz == 4) {
		memcpy(&v32, desc, 4);
		*v = v32;
	} else if (descsz == 8) {
		memcpy(v, desc, 8);
	} else {
		return fail(c, "Xen note %u: numeric value of %u bytes (want 4 or 8)", type,
			    descsz);
	}
	return 0;
}

/*
 * String notes are delimited by their size: Linux emits FEATURES with
 * .ascii, without a terminating NUL. Copy the text (up to a NUL, if any)
 * into @buf as a C string.
 */
static int note_string(struct elf_ctx *c, unsigned int type, const u8 *desc, u32 descsz,
		       char *buf, size_t size)
{
	size_t len = strnlen((const char *)desc, descsz);

	if (len >= size)
		return fail(c, "Xen note %u: string of %u bytes is too long", type, descsz);
	memcpy(buf, desc, len);
	buf[len] = '\0';
	return 0;
}

static void set_feature(u32 *map, unsigned int bit)
{
	map[bit / 32] |= 1u << (bit % 32);
}

/* "name|!name|...": '!' marks a feature the kernel requires. */
static int parse_features(struct elf_ctx *c, const char *s)
{
	struct elf_xen_info *info = c->info;
	const char *tok, *end;
	unsigned int i;
	size_t len;
	bool req;

	for (tok = s; *tok; tok = *end ? end + 1 : end) {
		end = strchr(tok, '|');
		if (!end)
			end = tok + strlen(tok);
		req = *tok == '!';
		len = (size_t)(end - tok) - req;
		for (i = 0; i < ARRAY_SIZE(feature_names); i++) {
			if (i >= 32 * EXI_FEATURE_WORDS || !feature_names[i])
				continue;
			if (strlen(feature_names[i]) == len &&
			    !strncmp(tok + req, feature_names[i], len))
				break;
		}
		if (i < ARRAY_SIZE(feature_names)) {
			set_feature(info->features_supported, i);
			if (req)
				set_feature(info->features_required, i);
		} else if (req) {
			return fail(c, "unknown required feature '%.*s' in FEATURES note",
				    (int)MIN(len, 64), tok + 1);
		}
		/* An unknown optional feature is ignored, as Xen does. */
	}
	return 0;
}

static const struct {
	u8 numeric;
	u32 bit;
	size_t field; /* offset of the u64 in struct elf_xen_info */
} numeric_notes[] = {
	[XEN_ELFNOTE_ENTRY] = { 1, EXI_ENTRY, offsetof(struct elf_xen_info, entry) },
	[XEN_ELFNOTE_HYPERCALL_PAGE] = { 1, EXI_HYPERCALL_PAGE,
					 offsetof(struct elf_xen_info, hypercall_page) },
	[XEN_ELFNOTE_VIRT_BASE] = { 1, EXI_VIRT_BASE, offsetof(struct elf_xen_info, virt_base) },
	[XEN_ELFNOTE_PADDR_OFFSET] = { 1, EXI_PADDR_OFFSET,
				       offsetof(struct elf_xen_info, paddr_offset) },
	[XEN_ELFNOTE_INIT_P2M] = { 1, EXI_INIT_P2M, offsetof(struct elf_xen_info, init_p2m) },
	[XEN_ELFNOTE_MOD_START_PFN] = { 1, EXI_MOD_START_PFN,
					offsetof(struct elf_xen_info, mod_start_pfn) },
	[XEN_ELFNOTE_PHYS32_ENTRY] = { 1, EXI_PHYS32_ENTRY,
				       offsetof(struct elf_xen_info, phys32_entry) },
	[XEN_ELFNOTE_HV_START_LOW] = { 1, 0, 0 },
	[XEN_ELFNOTE_SUSPEND_CANCEL] = { 1, 0, 0 },
};

static int parse_string_note(struct elf_ctx *c, unsigned int type, const char *s)
{
	struct elf_xen_info *info = c->info;

	switch (type) {
	case XEN_ELFNOTE_XEN_VERSION:
		strlcpy(info->xen_version, s, sizeof(info->xen_version));
		break;
	case XEN_ELFNOTE_GUEST_OS:
		strlcpy(info->guest_os, s, sizeof(info->guest_os));
		break;
	case XEN_ELFNOTE_LOADER:
		strlcpy(info->loader, s, sizeof(info->loader));
		break;
	case XEN_ELFNOTE_FEATURES:
		return parse_features(c, s);
	default: /* GUEST_VERSION, PAE_MODE, BSD_SYMTAB: checked, not used */
		break;
	}
	return 0;
}

static int parse_xen_note(struct elf_ctx *c, unsigned int type, const u8 *desc, u32 descsz)
{
	struct elf_xen_info *info = c->info;
	u32 word;
	static char text[512];
	u64 v;

	if (type < ARRAY_SIZE(numeric_notes) && numeric_notes[type].numeric) {
		if (note_number(c, type, desc, descsz, &v))
			return -EINVAL;
		if (numeric_notes[type].bit) {
			info->present |= numeric_notes[type].bit;
			memcpy((u8 *)info + numeric_notes[type].field, &v, sizeof(v));
		}
		return 0;
	}
	switch (type) {
	case XEN_ELFNOTE_XEN_VERSION:
	case XEN_ELFNOTE_GUEST_OS:
	case XEN_ELFNOTE_GUEST_VERSION:
	case XEN_ELFNOTE_LOADER:
	case XEN_ELFNOTE_PAE_MODE:
	case XEN_ELFNOTE_FEATURES:
	case XEN_ELFNOTE_BSD_SYMTAB:
		if (note_string(c, type, desc, descsz, text, sizeof(text)))
			return -EINVAL;
		return parse_string_note(c, type, text);
	case XEN_ELFNOTE_SUPPORTED_FEATURES:
		if (descsz == 0 || descsz % 4)
			return fail(c, "Xen note %u: feature map of %u bytes", type, descsz);
		memcpy(&word, desc, 4);
		info->features_supported[0] |= word;
		info->present |= EXI_SUPPORTED_FEATURES;
		return 0;
	default: /* L1_MFN_VALID (a mask/value array) and unknown types: ignored */
		return 0;
	}
}

/* Walk the notes in [off, off + len) of the file. */
static int parse_notes(struct elf_ctx *c, u64 off, u64 len, const char *where, unsigned int idx)
{
	u64 pos = 0, need;
	u32 hdr[3];

	while (pos < len) {
		if (++c->total_notes > MAX_NOTES)
			return fail(c, "too many ELF notes");
		if (len - pos < sizeof(hdr))
			return fail(c, "%s %u: truncated note header at offset %#llx", where, idx,
				    (unsigned long long)(off + pos));
		memcpy(hdr, c->img + off + pos, sizeof(hdr));
		need = sizeof(hdr) + ALIGN_UP((u64)hdr[0], 4) + ALIGN_UP((u64)hdr[1], 4);
		if (need > len - pos)
			return fail(c,
				    "%s %u: note at offset %#llx (namesz %u, descsz %u) "
				    "runs past its end",
				    where, idx, (unsigned long long)(off + pos), hdr[0], hdr[1]);
		if (hdr[0] == 4 && !memcmp(c->img + off + pos + 12, "Xen", 4)) {
			c->xen_notes++;
			if (parse_xen_note(c, hdr[2], c->img + off + pos + 16, hdr[1]))
				return -EINVAL;
		}
		pos += need;
	}
	return 0;
}

static int find_notes(struct elf_ctx *c)
{
	struct elf64_phdr ph;
	struct elf64_shdr sh;
	unsigned int i;

	for (i = 0; i < c->eh.phnum; i++) {
		get_phdr(c, i, &ph);
		/* Some linkers leave p_offset 0 in note segments: skip those. */
		if (ph.type != PT_NOTE || ph.offset == 0)
			continue;
		if (parse_notes(c, ph.offset, ph.filesz, "note segment", i))
			return -EINVAL;
	}
	for (i = 1; !c->xen_notes && i < c->eh.shnum; i++) {
		get_shdr(c, i, &sh);
		if (sh.type != SHT_NOTE)
			continue;
		if (!in_file(c, sh.offset, sh.size))
			return fail(c, "note section %u outside the file", i);
		if (parse_notes(c, sh.offset, sh.size, "note section", i))
			return -EINVAL;
	}
	if (!c->xen_notes)
		return fail(c, "not a Xen kernel: no Xen ELF notes");
	return 0;
}

static int check_notes(struct elf_ctx *c)
{
	struct elf_xen_info *info = c->info;

	if (strncmp(info->loader, "generic", 7) && strncmp(info->guest_os, "linux", 5))
		return fail(c,
			    "only generic-loader or Linux kernels are loaded (LOADER '%s', "
			    "GUEST_OS '%s')",
			    info->loader, info->guest_os);
	if (strncmp(info->xen_version, "xen-3.0", 7))
		return fail(c, "XEN_VERSION is '%s', not 'xen-3.0'", info->xen_version);
	return 0;
}

static int calc_addresses(struct elf_ctx *c)
{
	struct elf_xen_info *info = c->info;
	u64 offset;

	if ((info->present & EXI_PADDR_OFFSET) && !(info->present & EXI_VIRT_BASE))
		return fail(c, "PADDR_OFFSET given without VIRT_BASE");
	if (!(info->present & EXI_VIRT_BASE))
		info->virt_base = 0;
	if (!(info->present & EXI_PADDR_OFFSET))
		info->paddr_offset = 0;
	offset = info->virt_base - info->paddr_offset;
	info->virt_kstart = c->pstart + offset;
	info->virt_kend = c->pend + offset;
	if (!(info->present & EXI_ENTRY)) {
		if (!info->elf_entry)
			return fail(c, "no entry point (no ENTRY note and e_entry is 0)");
		info->entry = info->elf_entry;
	}
	if (info->virt_kstart > info->virt_kend || info->virt_base > info->virt_kstart)
		return fail(c, "kernel range %#llx-%#llx is below VIRT_BASE %#llx or wraps",
			    (unsigned long long)info->virt_kstart,
			    (unsigned long long)info->virt_kend,
			    (unsigned long long)info->virt_base);
	if (info->entry < info->virt_kstart || info->entry > info->virt_kend)
		return fail(c, "entry %#llx outside the loaded range %#llx-%#llx",
			    (unsigned long long)info->entry, (unsigned long long)info->virt_kstart,
			    (unsigned long long)info->virt_kend);
	if ((info->present & EXI_HYPERCALL_PAGE) &&
	    (info->hypercall_page < info->virt_kstart || info->hypercall_page >= info->virt_kend))
		return fail(c, "HYPERCALL_PAGE %#llx outside the loaded range",
			    (unsigned long long)info->hypercall_page);
	if ((info->present & EXI_INIT_P2M) && info->init_p2m >= info->virt_kstart &&
	    info->init_p2m < info->virt_kend)
		return fail(c, "INIT_P2M %#llx inside the kernel",
			    (unsigned long long)info->init_p2m);
	return 0;
}

int elf_xen_parse(const void *img, size_t size, struct elf_xen_info *info, char *err, size_t errlen)
{
	struct elf_ctx c = {
		.img = img,
		.size = size,
		.info = info,
		.err = err,
		.errlen = errlen,
	};

	if (err && errlen)
		err[0] = '\0';
	if (!info)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	if (!img)
		return fail(&c, "no image");
	if (check_ehdr(&c) || check_segments(&c) || find_notes(&c) || check_notes(&c))
		return -EINVAL;
	info->elf_entry = c.eh.entry;
	return calc_addresses(&c);
}

int elf_xen_load(const void *img, size_t size, const struct elf_xen_info *info,
		 int (*write)(void *ctx, u64 va, const void *src, size_t len), void *ctx)
{
	struct elf_ctx c = { .img = img, .size = size };
	struct elf64_phdr ph;
	u64 offset, va;
	unsigned int i;
	int rc;

	if (!img || !info || !write || size < sizeof(c.eh))
		return -EINVAL;
	memcpy(&c.eh, img, sizeof(c.eh));
	if (!in_file(&c, c.eh.phoff, (u64)c.eh.phnum * sizeof(ph)))
		return -EINVAL;
	offset = info->virt_base - info->paddr_offset;
	for (i = 0; i < c.eh.phnum; i++) {
		get_phdr(&c, i, &ph);
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (!in_file(&c, ph.offset, ph.filesz) || ph.filesz > ph.memsz)
			return -EINVAL;
		va = ph.paddr + offset;
		if (ph.filesz) {
			rc = write(ctx, va, c.img + ph.offset, ph.filesz);
			if (rc)
				return rc;
		}
		if (ph.memsz > ph.filesz) {
			rc = write(ctx, va + ph.filesz, NULL, ph.memsz - ph.filesz);
			if (rc)
				return rc;
		}
	}
	return 0;
}
