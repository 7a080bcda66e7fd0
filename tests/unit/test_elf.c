/*
 * ELF loader (xen/common/libelf.c) and bzImage wrapper (xen/common/bzimage.c)
 * on images built here: a valid PV kernel with 4- and 8-byte Xen notes, and
 * variants broken in one place each.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <elf.h>
#include <cmocka.h>

#include "elf_loader.h"
#include "errno.h"
#include "shim.h"

#define PADDR_TEXT 0x1000000ULL
#define VIRT_BASE 0xffffffff80000000ULL
#define KSTART (VIRT_BASE + PADDR_TEXT)
#define TEXT_OFF 0x1000
#define TEXT_SZ 0x200
#define DATA_OFF 0x1200
#define DATA_FILESZ 0x100
#define DATA_MEMSZ 0x1000
#define IMG_SIZE (DATA_OFF + DATA_FILESZ)
#define NOTES_OFF 0x100
#define MAX_NOTES 32

struct note {
	const char *name;
	uint32_t type;
	uint8_t desc[160] __attribute__((aligned(8)));
	uint32_t descsz;
};

struct image {
	uint8_t buf[0x4000];
	size_t size;
	struct note notes[MAX_NOTES];
	int nnotes;
	bool notes_in_section; /* put the notes in an SHT_NOTE section, not PT_NOTE */
	uint64_t e_entry;
};

static struct image *im;
static char err[256];
static struct elf_xen_info info;

static void note_num(const char *name, uint32_t type, uint64_t v, uint32_t size)
{
	struct note *n = &im->notes[im->nnotes++];

	n->name = name;
	n->type = type;
	n->descsz = size;
	memcpy(n->desc, &v, size > 8 ? 8 : size);
}

static void note_str(uint32_t type, const char *s)
{
	struct note *n = &im->notes[im->nnotes++];

	n->name = "Xen";
	n->type = type;
	n->descsz = (uint32_t)strlen(s) + 1;
	assert_true(n->descsz <= sizeof(n->desc));
	memcpy(n->desc, s, n->descsz);
}

static struct note *find_note(uint32_t type)
{
	for (int i = 0; i < im->nnotes; i++)
		if (!strcmp(im->notes[i].name, "Xen") && im->notes[i].type == type)
			return &im->notes[i];
	return NULL;
}

static void drop_note(uint32_t type)
{
	struct note *n = find_note(type);

	assert_non_null(n);
	*n = im->notes[--im->nnotes];
}

static void default_notes(void)
{
	struct note *gnu = &im->notes[im->nnotes++];

	gnu->name = "GNU"; /* a foreign note that must be skipped */
	gnu->type = 3;
	gnu->descsz = 20;
	memset(gnu->desc, 0xab, 20);
	note_str(6, "linux");						/* GUEST_OS */
	note_str(7, "2.6");						/* GUEST_VERSION */
	note_str(5, "xen-3.0");						/* XEN_VERSION */
	note_str(8, "generic");						/* LOADER */
	note_num("Xen", 1, KSTART + 0x10, 8);				/* ENTRY */
	note_num("Xen", 2, KSTART + 0x100, 8);				/* HYPERCALL_PAGE */
	note_num("Xen", 3, VIRT_BASE, 8);				/* VIRT_BASE */
	note_num("Xen", 4, 0, 4);					/* PADDR_OFFSET, 4 bytes */
	note_str(10, "!writable_page_tables|pae_pgdir_above_4gb|dom0"); /* FEATURES */
	note_num("Xen", 17, 1u << 8, 4);				/* SUPPORTED_FEATURES */
	note_num("Xen", 14, 1, 4);					/* SUSPEND_CANCEL */
	note_num("Xen", 16, 1, 4);					/* MOD_START_PFN */
	note_num("Xen", 18, 0x1000040, 4);				/* PHYS32_ENTRY */
	note_num("Xen", 12, 0xffff800000000000ULL, 8);			/* HV_START_LOW */
	note_str(9, "yes");						/* PAE_MODE */
	struct note *l1 = &im->notes[im->nnotes++];			/* L1_MFN_VALID: 16 bytes */
	l1->name = "Xen";
	l1->type = 13;
	l1->descsz = 16;
	memset(l1->desc, 0, 16);
	l1->desc[0] = l1->desc[8] = 1;
}

static size_t put_notes(uint8_t *p)
{
	size_t off = 0;

	for (int i = 0; i < im->nnotes; i++) {
		struct note *n = &im->notes[i];
		uint32_t hdr[3] = { (uint32_t)strlen(n->name) + 1, n->descsz, n->type };

		memcpy(p + off, hdr, 12);
		off += 12;
		memcpy(p + off, n->name, hdr[0]);
		off += (hdr[0] + 3) & ~3u;
		memcpy(p + off, n->desc, n->descsz);
		off += (n->descsz + 3) & ~3u;
	}
	return off;
}

static Elf64_Phdr *phdr(int i)
{
	return (Elf64_Phdr *)(im->buf + sizeof(Elf64_Ehdr) + i * sizeof(Elf64_Phdr));
}

static Elf64_Ehdr *ehdr(void)
{
	return (Elf64_Ehdr *)im->buf;
}

/* Lay out the image from im->notes: 2 PT_LOADs and a PT_NOTE. */
static void build(void)
{
	Elf64_Ehdr *eh = ehdr();
	size_t notes_len;

	memset(im->buf, 0, sizeof(im->buf));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = im->e_entry;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 3;
	eh->e_shentsize = sizeof(Elf64_Shdr);

	notes_len = put_notes(im->buf + NOTES_OFF);
	assert_true(NOTES_OFF + notes_len <= TEXT_OFF);
	*phdr(0) = (Elf64_Phdr){ .p_type = PT_LOAD,
				 .p_offset = TEXT_OFF,
				 .p_vaddr = KSTART,
				 .p_paddr = PADDR_TEXT,
				 .p_filesz = TEXT_SZ,
				 .p_memsz = TEXT_SZ };
	*phdr(1) = (Elf64_Phdr){ .p_type = PT_LOAD,
				 .p_offset = DATA_OFF,
				 .p_vaddr = KSTART + 0x1000,
				 .p_paddr = PADDR_TEXT + 0x1000,
				 .p_filesz = DATA_FILESZ,
				 .p_memsz = DATA_MEMSZ };
	*phdr(2) = (Elf64_Phdr){ .p_type = im->notes_in_section ? PT_NULL : PT_NOTE,
				 .p_offset = NOTES_OFF,
				 .p_filesz = notes_len };
	for (int i = 0; i < TEXT_SZ; i++)
		im->buf[TEXT_OFF + i] = (uint8_t)(i * 7 + 1);
	for (int i = 0; i < DATA_FILESZ; i++)
		im->buf[DATA_OFF + i] = (uint8_t)(0xd0 + i);
	im->size = IMG_SIZE;
	if (im->notes_in_section) {
		/* Section headers after the data: [0] null, [1] SHT_NOTE. */
		Elf64_Shdr *sh = (Elf64_Shdr *)(im->buf + IMG_SIZE);

		eh->e_shoff = IMG_SIZE;
		eh->e_shnum = 2;
		memset(sh, 0, 2 * sizeof(*sh));
		sh[1].sh_type = SHT_NOTE;
		sh[1].sh_offset = NOTES_OFF;
		sh[1].sh_size = notes_len;
		im->size = IMG_SIZE + 2 * sizeof(*sh);
	}
}

static int parse(void)
{
	memset(err, 0, sizeof(err));
	return elf_xen_parse(im->buf, im->size, &info, err, sizeof(err));
}

/* Expect rejection with a message containing @what. */
static void expect_reject(const char *what)
{
	int rc = parse();

	if (rc != -EINVAL || !strstr(err, what))
		fail_msg("expected -EINVAL with \"%s\", got %d \"%s\"", what, rc, err);
}

static int setup(void **state)
{
	(void)state;
	im = calloc(1, sizeof(*im));
	if (!im)
		return -1;
	default_notes();
	build();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(im);
	im = NULL;
	return 0;
}

/* Start again from the valid image. */
static void reset(void)
{
	teardown(NULL);
	assert_int_equal(setup(NULL), 0);
}

static void test_valid(void **state)
{
	(void)state;
	assert_int_equal(parse(), 0);
	assert_string_equal(err, "");
	assert_true(info.entry == KSTART + 0x10);
	assert_true(info.hypercall_page == KSTART + 0x100);
	assert_true(info.virt_base == VIRT_BASE);
	assert_true(info.paddr_offset == 0);
	assert_true(info.virt_kstart == KSTART);
	assert_true(info.virt_kend == KSTART + 0x1000 + DATA_MEMSZ);
	assert_true(info.mod_start_pfn == 1);
	assert_true(info.phys32_entry == 0x1000040);
	assert_string_equal(info.xen_version, "xen-3.0");
	assert_string_equal(info.guest_os, "linux");
	assert_string_equal(info.loader, "generic");
	assert_int_equal(info.features_supported[0],
			 (1u << 0) | (1u << 4) | (1u << 11) | (1u << 8));
	assert_int_equal(info.features_required[0], 1u << 0);
	assert_int_equal(info.present, EXI_ENTRY | EXI_HYPERCALL_PAGE | EXI_VIRT_BASE |
					   EXI_PADDR_OFFSET | EXI_MOD_START_PFN | EXI_PHYS32_ENTRY |
					   EXI_SUPPORTED_FEATURES);
}

static uint8_t *guest_mem;

static int write_guest(void *ctx, u64 va, const void *src, size_t len)
{
	int *calls = ctx;

	(*calls)++;
	if (va < KSTART || va + len > KSTART + 0x2000)
		return -EFAULT;
	if (src)
		memcpy(guest_mem + (va - KSTART), src, len);
	else
		memset(guest_mem + (va - KSTART), 0, len);
	return 0;
}

static int write_fails(void *ctx, u64 va, const void *src, size_t len)
{
	(void)ctx, (void)va, (void)src, (void)len;
	return -ENOMEM;
}

static void test_load(void **state)
{
	int calls = 0;

	(void)state;
	assert_int_equal(parse(), 0);
	guest_mem = malloc(0x2000);
	memset(guest_mem, 0xaa, 0x2000);
	assert_int_equal(elf_xen_load(im->buf, im->size, &info, write_guest, &calls), 0);
	assert_int_equal(calls, 3); /* text, data, bss */
	assert_memory_equal(guest_mem, im->buf + TEXT_OFF, TEXT_SZ);
	assert_int_equal(guest_mem[TEXT_SZ], 0xaa); /* gap between segments untouched */
	assert_memory_equal(guest_mem + 0x1000, im->buf + DATA_OFF, DATA_FILESZ);
	for (int i = 0x1000 + DATA_FILESZ; i < 0x2000; i++)
		assert_int_equal(guest_mem[i], 0);
	assert_int_equal(elf_xen_load(im->buf, im->size, &info, write_fails, NULL), -ENOMEM);
	assert_int_equal(elf_xen_load(NULL, im->size, &info, write_guest, &calls), -EINVAL);
	free(guest_mem);
}

static void test_every_truncation(void **state)
{
	size_t full = im->size;
	uint8_t *copy;

	(void)state;
	for (size_t len = 0; len < full; len++) {
		/* An exact-size heap copy lets ASan catch any read past the end. */
		copy = malloc(len ? len : 1);
		memcpy(copy, im->buf, len);
		memset(err, 0, sizeof(err));
		if (elf_xen_parse(copy, len, &info, err, sizeof(err)) != -EINVAL || !err[0])
			fail_msg("truncation to %zu bytes not rejected with a message", len);
		free(copy);
	}
	assert_int_equal(parse(), 0);
}

/* Random byte corruption of headers and notes: a clean answer every time. */
static void test_random_corruption(void **state)
{
	uint8_t *copy = malloc(im->size);
	int accepted = 0;

	(void)state;
	srand(31337);
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(copy, im->buf, im->size);
		for (int k = 0, nk = 1 + rand() % 4; k < nk; k++) {
			/* Mostly the ELF and program headers and the notes. */
			size_t at =
			    rand() % 4 ? (size_t)(rand() % 0x300) : (size_t)rand() % im->size;

			copy[at] = rand() % 3 ? (uint8_t)rand() : (uint8_t)(copy[at] ^ 0x80);
		}
		memset(err, 0, sizeof(err));
		int rc = elf_xen_parse(copy, im->size, &info, err, sizeof(err));
		if (rc == 0) {
			accepted++;
			assert_true(info.entry >= info.virt_kstart && info.entry <= info.virt_kend);
		} else if (rc != -EINVAL || !err[0]) {
			fail_msg("iteration %d: rc %d, message \"%s\"", iter, rc, err);
		}
	}
	/* Some corruptions hit bytes nobody reads; most must be refused. */
	assert_true(accepted > 0 && accepted < 3000);
	free(copy);
}

static void test_bad_headers(void **state)
{
	(void)state;
	im->buf[0] = 'X';
	expect_reject("not an ELF image");
	build();
	im->size = 40;
	expect_reject("truncated ELF header");
	build();
	ehdr()->e_ident[EI_CLASS] = ELFCLASS32;
	expect_reject("64-bit");
	build();
	ehdr()->e_ident[EI_DATA] = ELFDATA2MSB;
	expect_reject("little-endian");
	build();
	ehdr()->e_machine = EM_386;
	expect_reject("x86-64");
	build();
	ehdr()->e_type = ET_DYN;
	expect_reject("executable");
	build();
	ehdr()->e_phoff = 0x100000;
	expect_reject("program headers outside");
	build();
	ehdr()->e_phoff = ~0ULL - 8;
	expect_reject("program headers outside");
	build();
	ehdr()->e_phnum = 200;
	expect_reject("program headers outside");
	build();
	ehdr()->e_phnum = 0;
	expect_reject("program header count");
	build();
	ehdr()->e_phentsize = 32;
	expect_reject("program header size");
	build();
	ehdr()->e_shnum = 3;
	ehdr()->e_shoff = IMG_SIZE - 10;
	expect_reject("section headers outside");
	assert_int_equal(elf_xen_parse(NULL, 100, &info, err, sizeof(err)), -EINVAL);
	assert_int_equal(elf_xen_parse(im->buf, im->size, NULL, err, sizeof(err)), -EINVAL);
	build();
	assert_int_equal(elf_xen_parse(im->buf, im->size, &info, NULL, 0), 0);
}

static void test_bad_segments(void **state)
{
	(void)state;
	phdr(1)->p_offset = IMG_SIZE;
	expect_reject("segment 1 outside the file");
	build();
	phdr(0)->p_filesz = ~0ULL;
	expect_reject("segment 0 outside the file");
	build();
	phdr(1)->p_filesz = DATA_MEMSZ + 1;
	phdr(1)->p_offset = 0;
	expect_reject("exceeds memory size");
	build();
	phdr(1)->p_memsz = 0;
	expect_reject("exceeds memory size");
	build();
	phdr(1)->p_paddr = PADDR_TEXT + 0x100; /* inside the text segment */
	expect_reject("overlap");
	build();
	phdr(1)->p_paddr = PADDR_TEXT - DATA_MEMSZ + 1; /* its end overlaps text's start */
	expect_reject("overlap");
	build();
	phdr(1)->p_paddr = ~0ULL - 0x10;
	expect_reject("wraps");
	build();
	phdr(0)->p_type = PT_NULL;
	phdr(1)->p_type = PT_NULL;
	expect_reject("no loadable segments");
	/* Touching segments are fine. */
	build();
	phdr(1)->p_paddr = PADDR_TEXT + TEXT_SZ;
	assert_int_equal(parse(), 0);
}

static void test_bad_notes(void **state)
{
	uint32_t *hdr;

	(void)state;
	/* The note segment ends in the middle of the last note. */
	phdr(2)->p_filesz -= 4;
	expect_reject("runs past its end");
	build();
	phdr(2)->p_filesz = phdr(2)->p_filesz + 8; /* 8 bytes of zeroes: a short header */
	expect_reject("truncated note header");
	build();
	phdr(2)->p_offset = IMG_SIZE - 8;
	expect_reject("outside the file");
	/* Bad sizes in the first note's header. */
	build();
	hdr = (uint32_t *)(im->buf + NOTES_OFF);
	hdr[0] = 0xffffffff; /* namesz */
	expect_reject("runs past its end");
	build();
	hdr[1] = 0xfffffff0; /* descsz */
	expect_reject("runs past its end");
	build();
	hdr[1] = 0x10000; /* bigger than the segment, small enough not to wrap */
	expect_reject("runs past its end");
}

static void test_note_values(void **state)
{
	(void)state;
	find_note(3)->descsz = 2; /* VIRT_BASE as a 2-byte number */
	build();
	expect_reject("numeric value of 2 bytes");
	reset();
	find_note(1)->descsz = 16;
	build();
	expect_reject("numeric value of 16 bytes");
	reset();
	/* String notes end at their size (Linux's FEATURES has no NUL): "gen" is the loader. */
	find_note(8)->descsz = 3;
	build();
	{
		struct elf_xen_info info;
		char err[160];

		assert_int_equal(elf_xen_parse(im->buf, im->size, &info, err, sizeof(err)), 0);
		assert_string_equal(info.loader, "gen");
	}
	reset();
	find_note(17)->descsz = 3;
	build();
	expect_reject("feature map");
	/* 8-byte ENTRY read as 4 bytes would give a different address: use 4 here. */
	reset();
	drop_note(3); /* VIRT_BASE */
	drop_note(4); /* PADDR_OFFSET */
	drop_note(2); /* HYPERCALL_PAGE */
	find_note(1)->descsz = 4;
	*(uint32_t *)find_note(1)->desc = (uint32_t)(PADDR_TEXT + 0x20);
	build();
	assert_int_equal(parse(), 0);
	assert_true(info.entry == PADDR_TEXT + 0x20);
	assert_true(info.virt_kstart == PADDR_TEXT);
	assert_true(info.virt_base == 0 && info.paddr_offset == 0);
}

static void test_xen_version(void **state)
{
	(void)state;
	drop_note(5);
	build();
	expect_reject("XEN_VERSION");
	note_str(5, "xen-2.0");
	build();
	expect_reject("XEN_VERSION is 'xen-2.0'");
	drop_note(5);
	note_str(5, "xen-3.0-extra"); /* only the prefix counts, as in Xen */
	build();
	assert_int_equal(parse(), 0);
}

static void test_guest_os_loader(void **state)
{
	(void)state;
	drop_note(6);
	drop_note(8);
	note_str(6, "Plan9");
	note_str(8, "other");
	build();
	expect_reject("generic-loader or Linux");
	drop_note(8);
	note_str(8, "generic"); /* a generic loader is enough (Mini-OS, NetBSD) */
	build();
	assert_int_equal(parse(), 0);
}

static void test_features(void **state)
{
	(void)state;
	drop_note(10);
	note_str(10, "!no_such_feature");
	build();
	expect_reject("unknown required feature 'no_such_feature'");
	drop_note(10);
	note_str(10, "no_such_feature|!dom0||hvm_callback_vector");
	build();
	assert_int_equal(parse(), 0); /* unknown optional names are ignored */
	assert_int_equal(info.features_required[0], 1u << 11);
	assert_int_equal(info.features_supported[0], (1u << 11) | (1u << 8));
	drop_note(10);
	note_str(10, "!"); /* an empty required name */
	build();
	expect_reject("unknown required feature");
	drop_note(10);
	note_str(10, "writable_page_tables|mmu_pt_update_preserve_ad|"
		     "writable_descriptor_tables|auto_translated_physmap|supervisor_mode_kernel");
	build();
	assert_int_equal(parse(), 0);
	assert_int_equal(info.features_supported[0], 0x2f | (1u << 8));
	assert_int_equal(info.features_required[0], 0);
}

static void test_entry_rules(void **state)
{
	(void)state;
	drop_note(1);
	build();
	expect_reject("no entry point");
	im->e_entry = KSTART + 0x30;
	build();
	assert_int_equal(parse(), 0);
	assert_true(info.entry == KSTART + 0x30);
	assert_true(info.elf_entry == KSTART + 0x30);
	im->e_entry = KSTART + 0x10000;
	build();
	expect_reject("outside the loaded range");
	note_num("Xen", 1, KSTART - 1, 8);
	build();
	expect_reject("outside the loaded range");
	reset();
	find_note(2)->desc[0] = 0;
	*(uint64_t *)find_note(2)->desc = KSTART + 0x5000;
	build();
	expect_reject("HYPERCALL_PAGE");
	reset();
	note_num("Xen", 15, KSTART + 0x1800, 8); /* INIT_P2M inside the kernel */
	build();
	expect_reject("INIT_P2M");
	reset();
	note_num("Xen", 15, 0xffffea0000000000ULL, 8);
	build();
	assert_int_equal(parse(), 0);
	assert_true(info.init_p2m == 0xffffea0000000000ULL);
}

static void test_address_rules(void **state)
{
	(void)state;
	/* PADDR_OFFSET without VIRT_BASE is refused, as Xen does. */
	drop_note(3);
	build();
	expect_reject("PADDR_OFFSET given without VIRT_BASE");
	/* Old-style kernels: p_paddr holds virtual addresses, PADDR_OFFSET = VIRT_BASE. */
	reset();
	*(uint32_t *)find_note(4)->desc = 0;
	find_note(4)->descsz = 8;
	*(uint64_t *)find_note(4)->desc = VIRT_BASE;
	build();
	phdr(0)->p_paddr = KSTART;
	phdr(1)->p_paddr = KSTART + 0x1000;
	assert_int_equal(parse(), 0);
	assert_true(info.virt_kstart == KSTART);
	assert_true(info.paddr_offset == VIRT_BASE);
	/* VIRT_BASE above the kernel. */
	reset();
	find_note(4)->descsz = 8;
	*(uint64_t *)find_note(4)->desc = 0x2000000; /* puts the kernel below VIRT_BASE */
	build();
	expect_reject("below VIRT_BASE");
}

static void test_note_sources(void **state)
{
	(void)state;
	/* No Xen notes at all. */
	im->nnotes = 1; /* only the GNU note */
	build();
	expect_reject("no Xen ELF notes");
	/* Notes in an SHT_NOTE section when no PT_NOTE carries them. */
	reset();
	im->notes_in_section = true;
	build();
	assert_int_equal(parse(), 0);
	assert_true(info.entry == KSTART + 0x10);
	ehdr()->e_shoff = im->size - 8;
	expect_reject("section headers outside");
	build();
	((Elf64_Shdr *)(im->buf + IMG_SIZE))[1].sh_size = 0x100000;
	expect_reject("note section 1 outside the file");
	/* A PT_NOTE with p_offset 0 is skipped (some linkers write that). */
	build();
	phdr(2)->p_type = PT_NOTE;
	phdr(2)->p_offset = 0;
	assert_int_equal(parse(), 0);
}

/* ---- bzImage ---- */

static uint8_t bz[0x2000];

static void make_bz(uint8_t sects, uint16_t version, uint32_t off, uint32_t len)
{
	memset(bz, 0, sizeof(bz));
	bz[0x1f1] = sects;
	memcpy(bz + 0x202, "HdrS", 4);
	memcpy(bz + 0x206, &version, 2);
	memcpy(bz + 0x248, &off, 4);
	memcpy(bz + 0x24c, &len, 4);
}

static void test_bzimage(void **state)
{
	const void *payload = NULL;
	size_t len = 0;

	(void)state;
	make_bz(2, 0x20f, 0x10, 0x100);
	assert_int_equal(bzimage_payload(bz, sizeof(bz), &payload, &len, err, sizeof(err)), 0);
	assert_ptr_equal(payload, bz + 3 * 512 + 0x10);
	assert_int_equal(len, 0x100);
	make_bz(0, 0x208, 0, 0x1000); /* setup_sects 0 means 4 */
	assert_int_equal(bzimage_payload(bz, sizeof(bz), &payload, &len, err, sizeof(err)), 0);
	assert_ptr_equal(payload, bz + 5 * 512);
	/* Payload ending exactly at the end of the image. */
	make_bz(3, 0x20c, 0, sizeof(bz) - 4 * 512);
	assert_int_equal(bzimage_payload(bz, sizeof(bz), &payload, &len, err, sizeof(err)), 0);
	/* Not a bzImage. */
	assert_int_equal(bzimage_payload(im->buf, im->size, &payload, &len, err, sizeof(err)),
			 -ENOENT);
	assert_int_equal(bzimage_payload(bz, 0x100, &payload, &len, err, sizeof(err)), -ENOENT);
	assert_int_equal(bzimage_payload(NULL, 0, &payload, &len, err, sizeof(err)), -ENOENT);
	/* Broken ones. */
	make_bz(2, 0x207, 0x10, 0x100);
	assert_int_equal(bzimage_payload(bz, sizeof(bz), &payload, &len, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "2.08"));
	make_bz(2, 0x20f, 0x10, 0x100);
	assert_int_equal(bzimage_payload(bz, 0x220, &payload, &len, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "truncated"));
	make_bz(3, 0x20f, 0, sizeof(bz) - 4 * 512 + 1);
	assert_int_equal(bzimage_payload(bz, sizeof(bz), &payload, &len, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "outside the image"));
	make_bz(255, 0x20f, 0xffffffff, 0xffffffff);
	assert_int_equal(bzimage_payload(bz, sizeof(bz), &payload, &len, err, sizeof(err)),
			 -EINVAL);
	make_bz(2, 0x20f, 0x10, 0);
	assert_int_equal(bzimage_payload(bz, sizeof(bz), &payload, &len, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "empty"));
	/* Every truncation of a valid one: a clean answer each time. */
	make_bz(2, 0x20f, 0x10, 0x100);
	for (size_t n = 0; n < 3 * 512 + 0x110; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		int rc;

		memcpy(copy, bz, n);
		rc = bzimage_payload(copy, n, &payload, &len, err, sizeof(err));
		if (n < 0x206)
			assert_int_equal(rc, -ENOENT);
		else
			assert_int_equal(rc, -EINVAL);
		free(copy);
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_valid),
		T(test_load),
		T(test_every_truncation),
		T(test_random_corruption),
		T(test_bad_headers),
		T(test_bad_segments),
		T(test_bad_notes),
		T(test_note_values),
		T(test_xen_version),
		T(test_guest_os_loader),
		T(test_features),
		T(test_entry_rules),
		T(test_address_rules),
		T(test_note_sources),
		T(test_bzimage),
	};

	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
