/* SPDX-License-Identifier: MIT */
/*
 * The domain builder's kernel reader: a PV kernel made here, plain, in each
 * compression and inside a bzImage; broken headers, notes and streams; every
 * truncation and random damage (never a crash: ASan and UBSan are on); and,
 * when the build has them, Debian's dom0 bzImage and the hello guest.
 */
#include <elf.h>
#include <errno.h>
#include <lzma.h>
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <cmocka.h>

#include "elfnote.h"
#include "image.h"
#include "kcache.h"

#define VBASE 0xffffffff80000000ull

static char err[512];

struct blob {
	unsigned char *d;
	size_t len;
};

static size_t put_note(unsigned char *at, uint32_t type, const void *desc, uint32_t size)
{
	Elf64_Nhdr n = { 4, size, type };

	memcpy(at, &n, sizeof(n));
	memcpy(at + sizeof(n), "Xen", 4);
	memcpy(at + sizeof(n) + 4, desc, size);
	return sizeof(n) + 4 + ((size + 3) & ~3u);
}

/* What the test kernel's notes say; tests change fields to break them. */
struct kspec {
	const char *xen_version, *loader;
	uint64_t entry, hypercall_page;
	bool virt_base, paddr_offset;
	uint32_t odd_note_size; /* nonzero: an ENTRY note of this size */
};

static const struct kspec good = { "xen-3.0", "generic", VBASE + 0x1000, VBASE + 0x2000, true,
				   true,      0 };

/* ELF header, a PT_LOAD at paddr 0x1000 (0x3000 bytes) and a PT_NOTE. */
static struct blob make_kernel(const struct kspec *k)
{
	size_t len = 0x4000, at = 0x200;
	unsigned char *d = calloc(1, len);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)d;
	Elf64_Phdr *ph = (Elf64_Phdr *)(d + sizeof(*eh));
	uint64_t vb = VBASE, zero = 0;

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_entry = k->entry;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	at += put_note(d + at, XEN_ELFNOTE_XEN_VERSION, k->xen_version, strlen(k->xen_version) + 1);
	at += put_note(d + at, XEN_ELFNOTE_LOADER, k->loader, strlen(k->loader) + 1);
	if (k->virt_base)
		at += put_note(d + at, XEN_ELFNOTE_VIRT_BASE, &vb, 8);
	if (k->paddr_offset)
		at += put_note(d + at, XEN_ELFNOTE_PADDR_OFFSET, &zero, 8);
	at +=
	    put_note(d + at, XEN_ELFNOTE_ENTRY, &k->entry, k->odd_note_size ? k->odd_note_size : 8);
	at += put_note(d + at, XEN_ELFNOTE_HYPERCALL_PAGE, &k->hypercall_page, 8);
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD,
			      .p_offset = 0x1000,
			      .p_vaddr = VBASE + 0x1000,
			      .p_paddr = 0x1000,
			      .p_filesz = 0x3000,
			      .p_memsz = 0x3000 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0x200, .p_filesz = at - 0x200 };
	return (struct blob){ d, len };
}

/*
 * A 32-bit PVH kernel as GRUB's i386-xen_pvh image is laid out: an ELF32 for
 * EM_386 whose only Xen note is PHYS32_ENTRY, a PT_LOAD at paddr 0x100000
 * (0x800 bytes of 0x5a, 0x2000 in memory) and a section table.
 */
static void refused(struct blob b, int code, const char *text);

static struct blob make_pvh32(void)
{
	size_t len = 0x2000, at = 0x200;
	unsigned char *d = calloc(1, len);
	Elf32_Ehdr *eh = (Elf32_Ehdr *)d;
	Elf32_Phdr *ph = (Elf32_Phdr *)(d + sizeof(*eh));
	Elf32_Shdr *sh = (Elf32_Shdr *)(d + 0x100);
	uint32_t entry = 0x100000;

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS32;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_386;
	eh->e_entry = entry;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 2;
	eh->e_shoff = 0x100;
	eh->e_shentsize = sizeof(*sh);
	eh->e_shnum = 2;
	at += put_note(d + at, XEN_ELFNOTE_PHYS32_ENTRY, &entry, 4);
	ph[0] = (Elf32_Phdr){ .p_type = PT_LOAD,
			      .p_offset = 0x1000,
			      .p_vaddr = entry,
			      .p_paddr = entry,
			      .p_filesz = 0x800,
			      .p_memsz = 0x2000 };
	ph[1] = (Elf32_Phdr){ .p_type = PT_NOTE, .p_offset = 0x200, .p_filesz = at - 0x200 };
	sh[1] = (Elf32_Shdr){ .sh_type = SHT_NOTE, .sh_offset = 0x200, .sh_size = at - 0x200 };
	memset(d + 0x1000, 0x5a, 0x800);
	return (struct blob){ d, len };
}

static struct blob gzip_of(struct blob in)
{
	z_stream z = { 0 };
	struct blob out = { malloc(in.len + 1024), 0 };

	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	z.next_in = in.d;
	z.avail_in = (uInt)in.len;
	z.next_out = out.d;
	z.avail_out = (uInt)(in.len + 1024);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	out.len = z.total_out;
	deflateEnd(&z);
	return out;
}

static struct blob xz_of(struct blob in)
{
	struct blob out = { malloc(in.len + 1024), 0 };

	assert_int_equal(lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in.d, in.len, out.d,
						 &out.len, in.len + 1024),
			 LZMA_OK);
	return out;
}

static struct blob lzma_of(struct blob in)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_options_lzma opt;
	struct blob out = { malloc(in.len + 1024), 0 };

	lzma_lzma_preset(&opt, 6);
	assert_int_equal(lzma_alone_encoder(&s, &opt), LZMA_OK);
	s.next_in = in.d;
	s.avail_in = in.len;
	s.next_out = out.d;
	s.avail_out = in.len + 1024;
	assert_int_equal(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
	out.len = s.total_out;
	lzma_end(&s);
	return out;
}

static struct blob zstd_of(struct blob in)
{
	struct blob out = { malloc(ZSTD_compressBound(in.len)), 0 };

	out.len = ZSTD_compress(out.d, ZSTD_compressBound(in.len), in.d, in.len, 3);
	assert_false(ZSTD_isError(out.len));
	return out;
}

/* A bzImage: one setup sector after the boot sector, then the payload
 * (after a 16-byte gap, as payload_offset allows) and Linux's size word. */
static struct blob bzimage_of(struct blob payload, uint16_t version)
{
	size_t base = 1024 + 16;
	struct blob out = { calloc(1, base + payload.len + 4), base + payload.len + 4 };
	uint32_t off = 16, plen = (uint32_t)payload.len;

	out.d[0x1f1] = 1;
	memcpy(out.d + 0x202, "HdrS", 4);
	memcpy(out.d + 0x206, &version, 2);
	memcpy(out.d + 0x248, &off, 4);
	memcpy(out.d + 0x24c, &plen, 4);
	memcpy(out.d + base, payload.d, payload.len);
	return out;
}

/* A bzImage as Linux builds it: the payload ends with the unpacked size (le32). */
static struct blob bzimage_sized_of(struct blob packed, uint32_t unpacked)
{
	struct blob p = { malloc(packed.len + 4), packed.len + 4 }, out;

	memcpy(p.d, packed.d, packed.len);
	memcpy(p.d + packed.len, &unpacked, 4);
	out = bzimage_of(p, 0x20f);
	free(p.d);
	return out;
}

static void check_good(struct blob b, const char *format)
{
	struct kernel_image img;

	if (image_read(b.d, b.len, &img, err, sizeof(err)))
		fail_msg("%s: %s", format, err);
	assert_string_equal(img.format, format);
	assert_int_equal(img.elf_len, 0x4000);
	assert_string_equal(img.notes.xen_version, "xen-3.0");
	assert_string_equal(img.notes.loader, "generic");
	assert_true(img.notes.has_virt_base);
	assert_int_equal(img.virt_start, VBASE + 0x1000);
	assert_int_equal(img.virt_end, VBASE + 0x4000);
	assert_int_equal(img.entry, VBASE + 0x1000);
	assert_int_equal(img.notes.hypercall_page, VBASE + 0x2000);
	assert_false(img.pvh_only);
	image_free(&img);
}

/* The 32-bit PVH kernel, widened: its entry, span and segment bytes. */
static void test_pvh32(void **state)
{
	struct blob k = make_pvh32(), g = gzip_of(k);
	struct kernel_image img;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;

	(void)state;
	if (image_read(g.d, g.len, &img, err, sizeof(err)))
		fail_msg("%s", err);
	assert_true(img.pvh_only);
	assert_true(img.notes.has_phys32_entry);
	assert_int_equal(img.notes.phys32_entry, 0x100000);
	assert_int_equal(img.virt_start, 0x100000);
	assert_int_equal(img.virt_end, 0x102000);
	assert_int_equal(img.entry, 0x100000);
	eh = (const Elf64_Ehdr *)img.elf;
	ph = (const Elf64_Phdr *)(img.elf + eh->e_phoff);
	assert_int_equal(eh->e_ident[EI_CLASS], ELFCLASS64);
	assert_int_equal(eh->e_phnum, 2);
	assert_int_equal(ph[0].p_paddr, 0x100000);
	assert_int_equal(ph[0].p_filesz, 0x800);
	assert_true(ph[0].p_offset + 0x800 <= img.elf_len);
	for (int i = 0; i < 0x800; i++)
		assert_int_equal(img.elf[ph[0].p_offset + i], 0x5a);
	image_free(&img);
	free(g.d);
	for (size_t len = 0; len < k.len; len += 7)
		if (image_read(k.d, len, &img, err, sizeof(err)) == 0)
			image_free(&img); /* the tail past the segment is padding */
	((Elf32_Phdr *)(k.d + sizeof(Elf32_Ehdr)))[1].p_type = PT_NULL; /* notes in a section */
	if (image_read(k.d, k.len, &img, err, sizeof(err)))
		fail_msg("section notes: %s", err);
	assert_true(img.notes.has_phys32_entry);
	image_free(&img);
	((Elf32_Ehdr *)k.d)->e_phentsize = 56;
	refused(k, -ENOEXEC, "bad ELF program or section headers");
	k = make_pvh32();
	((Elf32_Ehdr *)k.d)->e_machine = EM_ARM;
	refused(k, -ENOEXEC, "not a 64-bit little-endian x86-64 ELF");
}

static void test_formats(void **state)
{
	struct blob k = make_kernel(&good), c[4], bz[3];

	(void)state;
	c[0] = gzip_of(k), c[1] = xz_of(k), c[2] = zstd_of(k), c[3] = lzma_of(k);
	bz[0] = bzimage_of(c[0], 0x20f), bz[1] = bzimage_of(c[1], 0x20f);
	bz[2] = bzimage_of(c[2], 0x208);
	check_good(k, "ELF");
	check_good(c[0], "gzip");
	check_good(c[1], "xz");
	check_good(c[2], "zstd");
	check_good(c[3], "lzma");
	check_good(bz[0], "bzImage+gzip");
	check_good(bz[1], "bzImage+xz");
	check_good(bz[2], "bzImage+zstd");
	for (int i = 0; i < 4; i++)
		free(c[i].d);
	for (int i = 0; i < 3; i++)
		free(bz[i].d);
	free(k.d);
}

static void refused(struct blob b, int code, const char *text)
{
	struct kernel_image img;
	int r = image_read(b.d, b.len, &img, err, sizeof(err));

	if (r != code || !strstr(err, text))
		fail_msg("got %d \"%s\", want %d \"...%s...\"", r, err, code, text);
	assert_null(img.elf);
	free(b.d);
}

static void test_bad_kernels(void **state)
{
	struct kspec k = good;

	(void)state;
	k.xen_version = "xen-2.0";
	refused(make_kernel(&k), -ENOEXEC, "XEN_VERSION note is 'xen-2.0'");
	k = good, k.loader = "other";
	refused(make_kernel(&k), -ENOEXEC, "neither LOADER 'generic' nor GUEST_OS 'linux'");
	k = good, k.virt_base = false;
	refused(make_kernel(&k), -ENOEXEC, "PADDR_OFFSET given without VIRT_BASE");
	k = good, k.entry = VBASE + 0x8000;
	refused(make_kernel(&k), -ENOEXEC, "entry 0xffffffff80008000 outside the kernel");
	k = good, k.hypercall_page = VBASE;
	refused(make_kernel(&k), -ENOEXEC, "HYPERCALL_PAGE outside the kernel");
	k = good, k.odd_note_size = 3;
	refused(make_kernel(&k), -ENOEXEC, "Xen note 1 is 3 bytes, not 4 or 8");
}

static void test_bad_structure(void **state)
{
	struct blob k = make_kernel(&good), b;
	Elf64_Phdr *ph = (Elf64_Phdr *)(k.d + sizeof(Elf64_Ehdr));

	(void)state;
	b = (struct blob){ calloc(1, 4096), 4096 };
	refused(b, -ENOEXEC, "not an ELF file, a bzImage or a compressed kernel");
	ph[1].p_type = PT_NULL; /* no notes left */
	b = (struct blob){ malloc(k.len), k.len };
	memcpy(b.d, k.d, k.len);
	refused(b, -ENOEXEC, "no Xen ELF notes");
	ph[1].p_type = PT_NOTE;
	ph[0].p_filesz = 0x4000; /* past the end of the file */
	b = (struct blob){ malloc(k.len), k.len };
	memcpy(b.d, k.d, k.len);
	refused(b, -ENOEXEC, "ELF segment 0 is malformed");
	ph[0].p_filesz = 0x3000;
	ph[1].p_filesz = 0x10000; /* the note area past the end */
	b = (struct blob){ malloc(k.len), k.len };
	memcpy(b.d, k.d, k.len);
	refused(b, -ENOEXEC, "a note area runs past the end");
	free(k.d);
}

static void test_bad_wrapping(void **state)
{
	struct blob k = make_kernel(&good), x = xz_of(k), b;

	(void)state;
	b = bzimage_of(x, 0x207);
	refused(b, -ENOEXEC, "bzImage boot protocol 2.07 has no payload fields");
	b = bzimage_of(x, 0x20f);
	b.len -= x.len / 2 + 4; /* the payload runs past the end */
	refused(b, -EINVAL, "bzImage payload (offset 1040,");
	b = bzimage_of(k, 0x20f); /* an uncompressed payload */
	refused(b, -ENOEXEC, "bzImage payload in an unknown format");
	b = (struct blob){ malloc(64), 64 };
	memcpy(b.d, "\x02\x21\x4c\x18", 4);
	refused(b, -ENOEXEC, "lz4-compressed kernels are not supported yet");
	b = (struct blob){ malloc(x.len), x.len / 2 };
	memcpy(b.d, x.d, x.len);
	refused(b, -EINVAL, "xz data is corrupt or truncated");
	free(x.d);
	free(k.d);
}

/* Every prefix of each form: an error each time, never a crash. */
static void test_truncations(void **state)
{
	struct blob k = make_kernel(&good), forms[4];
	struct kernel_image img;

	(void)state;
	forms[0] = k, forms[1] = gzip_of(k), forms[2] = zstd_of(k);
	forms[3] = bzimage_of(forms[1], 0x20f);
	for (int f = 0; f < 4; f++) {
		for (size_t len = 0; len < forms[f].len - (f == 3 ? 4 : 0); len++) {
			if (image_read(forms[f].d, len, &img, err, sizeof(err)) == 0)
				fail_msg("form %d read whole from %zu of %zu bytes", f, len,
					 forms[f].len);
		}
	}
	for (int f = 0; f < 4; f++)
		free(forms[f].d);
}

static void test_random_damage(void **state)
{
	struct blob k = make_kernel(&good), x = xz_of(k), z = zstd_of(k), bz = bzimage_of(z, 0x20f);
	struct blob forms[3] = { k, x, bz };
	struct kernel_image img;
	unsigned char *copy = malloc(0x5000);

	(void)state;
	srand(99);
	for (int f = 0; f < 3; f++) {
		for (int round = 0; round < 2000; round++) {
			memcpy(copy, forms[f].d, forms[f].len);
			for (int n = 1 + rand() % 4; n > 0; n--)
				copy[(size_t)rand() % forms[f].len] = (unsigned char)rand();
			if (image_read(copy, forms[f].len, &img, err, sizeof(err)) == 0)
				image_free(&img);
			else
				assert_true(err[0] != 0);
		}
	}
	free(copy);
	free(z.d);
	for (int f = 0; f < 3; f++)
		free(forms[f].d);
}

static void test_bomb(void **state)
{
	size_t big = IMAGE_MAX_SIZE + (1u << 20);
	struct blob zeros = { calloc(1, big), big }, z = zstd_of(zeros);

	(void)state;
	free(zeros.d);
	refused(z, -EFBIG, "kernel unpacks to more than 256 MiB");
}

/* The unpacked ELF equals what build-dom0.sh's extractor wrote, if it is there. */
static void same_as_extracted(const struct kernel_image *img, const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	size_t n;

	if (!f)
		return;
	buf = malloc(img->elf_len + 1);
	n = fread(buf, 1, img->elf_len + 1, f);
	fclose(f);
	assert_int_equal(n, img->elf_len);
	assert_memory_equal(buf, img->elf, n);
	free(buf);
}

static void test_real_kernels(void **state)
{
	struct kernel_image img;
	bool any = false;

	(void)state;
	if (access("build/dom0/vmlinuz", R_OK) == 0) {
		if (image_read_file("build/dom0/vmlinuz", &img, err, sizeof(err)))
			fail_msg("Debian's dom0 kernel: %s", err);
		assert_string_equal(img.format, "bzImage+xz");
		assert_string_equal(img.notes.guest_os, "linux");
		assert_int_equal(img.notes.virt_base, VBASE);
		assert_true(img.notes.has_init_p2m);
		assert_non_null(strstr(img.notes.features, "writable_page_tables"));
		assert_int_equal(img.virt_start, VBASE + 0x1000000);
		assert_true(img.entry >= img.virt_start && img.entry < img.virt_end);
		same_as_extracted(&img, "build/dom0/vmlinux");
		image_free(&img);
		any = true;
	}
	if (access("build/tests/guests/hello.elf", R_OK) == 0) {
		if (image_read_file("build/tests/guests/hello.elf", &img, err, sizeof(err)))
			fail_msg("hello.elf: %s", err);
		assert_string_equal(img.format, "ELF");
		assert_string_equal(img.notes.loader, "generic");
		image_free(&img);
		any = true;
	}
	assert_int_equal(image_read_file("build/no-such-kernel", &img, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "build/no-such-kernel: No such file or directory");
	if (!any)
		skip();
}

/* Ramdisks: gzip inflated as Xen's builder does, anything else passed as it is. */
static void test_ramdisk(void **state)
{
	struct blob plain = { malloc(300000), 300000 }, gz, cut;
	struct ramdisk rd;

	(void)state;
	for (size_t i = 0; i < plain.len; i++)
		plain.d[i] = (unsigned char)(i * 7 / 1000);
	gz = gzip_of(plain);
	assert_true(gz.len < plain.len / 4);
	assert_int_equal(ramdisk_read(gz.d, gz.len, &rd, err, sizeof(err)), 0);
	assert_true(rd.inflated);
	assert_int_equal(rd.len, plain.len);
	assert_memory_equal(rd.data, plain.d, plain.len);
	ramdisk_free(&rd);
	/* a cpio or an xz initramfs goes over unchanged (the kernel unpacks it) */
	assert_int_equal(ramdisk_read(plain.d, plain.len, &rd, err, sizeof(err)), 0);
	assert_false(rd.inflated);
	assert_int_equal(rd.len, plain.len);
	assert_memory_equal(rd.data, plain.d, plain.len);
	ramdisk_free(&rd);
	/* gzip that does not inflate: the raw bytes, as Xen falls back to */
	cut = (struct blob){ gz.d, gz.len / 2 };
	assert_int_equal(ramdisk_read(cut.d, cut.len, &rd, err, sizeof(err)), 0);
	assert_false(rd.inflated);
	assert_int_equal(rd.len, cut.len);
	assert_memory_equal(rd.data, cut.d, cut.len);
	ramdisk_free(&rd);
	assert_int_equal(ramdisk_read(plain.d, 0, &rd, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "the ramdisk is empty");
	assert_int_equal(ramdisk_read_file("build/no-such-ramdisk", &rd, err, sizeof(err)),
			 -ENOENT);
	assert_string_equal(err, "build/no-such-ramdisk: No such file or directory");
	assert_int_equal(ramdisk_read_file("build", &rd, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a regular file"));
	free(plain.d);
	free(gz.d);
}

/* The unpacked-kernel cache (kcache.h), in a fresh directory per test. */
struct kc_dir {
	char dir[64], file[96];
	struct kcache c;
};

static void kc_setup(struct kc_dir *t, uint64_t max_bytes)
{
	strcpy(t->dir, "/tmp/pxl-kcache-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->file, sizeof(t->file), "%s/kernel", t->dir);
	snprintf(t->c.dir, sizeof(t->c.dir), "%s/cache", t->dir);
	t->c.max_bytes = max_bytes;
	t->c.settle_ns = KCACHE_SETTLE_NS;
}

static void kc_write(const char *path, struct blob b)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(b.d, 1, b.len, f), b.len);
	assert_int_equal(fclose(f), 0);
}

/* Files named "*<suffix>" in the cache directory; *tmps counts the temporary files. */
static int kc_files(const struct kc_dir *t, const char *suffix, int *tmps, char *last, size_t len)
{
	DIR *d = opendir(t->c.dir);
	struct dirent *e;
	int n = 0;

	*tmps = 0;
	while (d && (e = readdir(d))) {
		if (strstr(e->d_name, suffix)) {
			n++;
			snprintf(last, len, "%s/%s", t->c.dir, e->d_name);
		}
		*tmps += strncmp(e->d_name, ".tmp-", 5) == 0;
	}
	if (d)
		closedir(d);
	return n;
}

/* Entries in the cache directory; *tmps counts the temporary files. */
static int kc_count(const struct kc_dir *t, int *tmps, char *last, size_t len)
{
	return kc_files(t, ".kc", tmps, last, len);
}

/* The links in the cache directory ("*.kl"); the last one's path in last. */
static int kc_links(const struct kc_dir *t, char *last, size_t len)
{
	int tmps;

	return kc_files(t, ".kl", &tmps, last, len);
}

/* The result of the last kc_read(). */
static struct kcache_result kc_last;

/* Read t->file through the cache; the state, the image checked against want. */
static enum kcache_state kc_read(const struct kc_dir *t, struct blob want, bool *corrupt)
{
	struct kernel_image img, ref;
	struct kcache_result res;

	assert_int_equal(kcache_read_file(&t->c, t->file, &img, &res, err, sizeof(err)), 0);
	assert_int_equal(image_read(want.d, want.len, &ref, err, sizeof(err)), 0);
	assert_int_equal(img.elf_len, ref.elf_len);
	assert_memory_equal(img.elf, ref.elf, ref.elf_len);
	assert_string_equal(img.format, ref.format);
	assert_int_equal(img.entry, ref.entry);
	assert_int_equal(img.pvh_only, ref.pvh_only);
	image_free(&img);
	image_free(&ref);
	if (corrupt)
		*corrupt = res.corrupt;
	kc_last = res;
	return res.state;
}

/* A fresh cache holding the kernel b, written to t->file and read once. */
static void kc_start(struct kc_dir *t, struct blob b)
{
	kc_setup(t, 64 << 20);
	kc_write(t->file, b);
	assert_int_equal(kc_read(t, b, NULL), KCACHE_STORED);
}

static void kc_cleanup(const struct kc_dir *t)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	assert_int_equal(system(cmd), 0);
}

/* Miss then hit; a changed file under the same name misses; a plain ELF is not kept. */
static void test_kcache_hit_miss(void **state)
{
	struct kspec other = good;
	struct blob k = make_kernel(&good), x = xz_of(k), bz = bzimage_of(x, 0x20f);
	struct blob k2, x2, p32 = make_pvh32(), g32 = gzip_of(p32);
	struct kc_dir t;
	char last[600];
	bool corrupt;
	int tmps;

	(void)state;
	kc_start(&t, bz);
	assert_int_equal(kc_read(&t, bz, &corrupt), KCACHE_HIT);
	assert_false(corrupt);
	assert_int_equal(kc_count(&t, &tmps, last, sizeof(last)), 1);
	other.entry += 0x10;
	k2 = make_kernel(&other), x2 = xz_of(k2);
	kc_write(t.file, x2);
	assert_int_equal(kc_read(&t, x2, NULL), KCACHE_STORED);
	assert_int_equal(kc_read(&t, x2, NULL), KCACHE_HIT);
	kc_write(t.file, bz);
	assert_int_equal(kc_read(&t, bz, NULL), KCACHE_HIT);
	/* a 32-bit PVH kernel is kept as unpacked, and widened again on a hit */
	kc_write(t.file, g32);
	assert_int_equal(kc_read(&t, g32, NULL), KCACHE_STORED);
	assert_int_equal(kc_read(&t, g32, NULL), KCACHE_HIT);
	kc_write(t.file, k);
	assert_int_equal(kc_read(&t, k, NULL), KCACHE_NOT_PACKED);
	assert_int_equal(kc_count(&t, &tmps, last, sizeof(last)), 3);
	assert_int_equal(tmps, 0);
	kc_cleanup(&t);
	free(k.d), free(x.d), free(bz.d), free(k2.d), free(x2.d), free(p32.d), free(g32.d);
}

/*
 * A bzImage giving its unpacked size is unpacked straight into the entry's
 * file; a size too small, too big or missing unpacks as before, and bad data
 * leaves no file behind either way.
 */
static void test_kcache_in_place(void **state)
{
	struct blob k = make_kernel(&good),
		    big = { calloc(1, k.len + (256 << 10)), k.len + (256 << 10) };
	struct blob x, bz, xb, bad;
	struct kcache_result res;
	struct kernel_image img;
	struct kc_dir t;
	char last[600];
	struct stat st;
	int tmps;

	(void)state;
	memcpy(big.d, k.d, k.len);
	x = xz_of(k), bz = bzimage_sized_of(x, (uint32_t)k.len);
	kc_start(&t, bz);
	assert_true(kc_last.in_place);
	assert_int_equal(kc_count(&t, &tmps, last, sizeof(last)), 1);
	assert_int_equal(tmps, 0);
	assert_int_equal(stat(last, &st), 0);
	assert_int_equal(st.st_size, 88 + k.len);
	assert_int_equal(kc_read(&t, bz, NULL), KCACHE_HIT);
	/* a size word 256 KiB short of the ELF, one past the bound, none */
	xb = xz_of(big);
	for (uint32_t i = 0, words[] = { (uint32_t)k.len, 0x7fffffff, 0 }; i < 3; i++) {
		free(bz.d);
		bz = bzimage_sized_of(xb, words[i]);
		kc_write(t.file, bz);
		assert_int_equal(kc_read(&t, bz, NULL), KCACHE_STORED);
		assert_false(kc_last.in_place);
		assert_int_equal(kc_read(&t, bz, NULL), KCACHE_HIT);
	}
	/* the right size word, damaged data */
	bad = bzimage_sized_of(x, (uint32_t)k.len);
	bad.d[bad.len - 40] ^= 0x55;
	kc_write(t.file, bad);
	assert_int_equal(kcache_read_file(&t.c, t.file, &img, &res, err, sizeof(err)), -EINVAL);
	assert_int_equal(kc_count(&t, &tmps, last, sizeof(last)), 4);
	assert_int_equal(tmps, 0);
	kc_cleanup(&t);
	free(k.d), free(big.d), free(x.d), free(bz.d), free(xb.d), free(bad.d);
}

/* Damage the entry at path: a byte flipped at off (from the end if negative), or cut. */
static void kc_damage(const char *path, long off, bool cut)
{
	int fd = open(path, O_RDWR);
	struct stat st;
	unsigned char c;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	if (cut) {
		assert_int_equal(ftruncate(fd, st.st_size - 1), 0);
	} else {
		off = off < 0 ? st.st_size + off : off;
		assert_int_equal(pread(fd, &c, 1, off), 1);
		c ^= 0x40;
		assert_int_equal(pwrite(fd, &c, 1, off), 1);
	}
	close(fd);
}

/* A damaged or truncated entry is noticed, removed and written again. */
static void test_kcache_corrupt(void **state)
{
	static const struct {
		long off;
		bool cut;
	} damage[] = { { -100, false }, { 0, false }, { 10, false }, { 45, false }, { 0, true } };
	struct blob k = make_kernel(&good), x = xz_of(k);
	struct kc_dir t;
	char last[600];
	bool corrupt;
	int tmps;

	(void)state;
	kc_start(&t, x);
	for (size_t i = 0; i < sizeof(damage) / sizeof(damage[0]); i++) {
		assert_int_equal(kc_count(&t, &tmps, last, sizeof(last)), 1);
		kc_damage(last, damage[i].off, damage[i].cut);
		assert_int_equal(kc_read(&t, x, &corrupt), KCACHE_STORED);
		assert_true(corrupt);
		assert_int_equal(kc_read(&t, x, &corrupt), KCACHE_HIT);
		assert_false(corrupt);
	}
	/* an empty file in the entry's place */
	assert_int_equal(truncate(last, 0), 0);
	assert_int_equal(kc_read(&t, x, &corrupt), KCACHE_STORED);
	assert_true(corrupt);
	kc_cleanup(&t);
	free(k.d), free(x.d);
}

/* The size bound: the least recently read entry goes; one too big is not kept. */
static void test_kcache_bound(void **state)
{
	struct kspec ks[3] = { good, good, good };
	struct blob x[3];
	struct kc_dir t;
	struct kcache_result res;
	struct kernel_image img;
	char last[600];
	int tmps;

	(void)state;
	kc_setup(&t, 2 * (0x4000 + 88) + 100);
	for (int i = 0; i < 3; i++) {
		ks[i].entry += 0x10 * (unsigned int)i;
		struct blob k = make_kernel(&ks[i]);
		x[i] = xz_of(k);
		free(k.d);
	}
	kc_write(t.file, x[0]);
	assert_int_equal(kc_read(&t, x[0], NULL), KCACHE_STORED);
	usleep(20000);
	kc_write(t.file, x[1]);
	assert_int_equal(kc_read(&t, x[1], NULL), KCACHE_STORED);
	usleep(20000);
	kc_write(t.file, x[0]);
	assert_int_equal(kc_read(&t, x[0], NULL), KCACHE_HIT); /* 0 now the newer */
	usleep(20000);
	/* a stale temporary file from a builder that died is removed too */
	snprintf(last, sizeof(last), "%s/.tmp-1-dead", t.c.dir);
	kc_write(last, x[0]);
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, last, old, 0), 0);
	kc_write(t.file, x[2]);
	assert_int_equal(kc_read(&t, x[2], NULL), KCACHE_STORED);
	assert_int_equal(kc_count(&t, &tmps, last, sizeof(last)), 2);
	assert_int_equal(tmps, 0);
	kc_write(t.file, x[1]); /* the one evicted */
	assert_int_equal(kc_read(&t, x[1], NULL), KCACHE_STORED);
	kc_write(t.file, x[0]);
	assert_int_equal(kc_read(&t, x[0], NULL), KCACHE_STORED);
	t.c.max_bytes = 1000;
	assert_int_equal(kcache_read_file(&t.c, t.file, &img, &res, err, sizeof(err)), 0);
	assert_int_equal(res.state, KCACHE_HIT);
	image_free(&img);
	kc_write(t.file, x[2]);
	assert_int_equal(kcache_read_file(&t.c, t.file, &img, &res, err, sizeof(err)), 0);
	assert_int_equal(res.state, KCACHE_NOT_STORED);
	assert_int_equal(res.store_err, -EFBIG);
	image_free(&img);
	kc_cleanup(&t);
	for (int i = 0; i < 3; i++)
		free(x[i].d);
}

/* Builders at once on two kernels: every one reads the right image, no leftovers. */
static void test_kcache_concurrent(void **state)
{
	struct kspec other = good;
	struct blob k[2], x[2];
	struct kc_dir t;
	char last[600], files[2][128];
	int tmps, status;
	pid_t pids[6];

	(void)state;
	kc_setup(&t, 64 << 20);
	other.entry += 0x20;
	k[0] = make_kernel(&good), k[1] = make_kernel(&other);
	for (int i = 0; i < 2; i++) {
		x[i] = xz_of(k[i]);
		snprintf(files[i], sizeof(files[i]), "%s/k%d", t.dir, i);
		kc_write(files[i], x[i]);
	}
	for (int p = 0; p < 6; p++) {
		pids[p] = fork();
		assert_true(pids[p] >= 0);
		if (pids[p] == 0) {
			strcpy(t.file, files[p % 2]);
			for (int i = 0; i < 20; i++) {
				enum kcache_state s = kc_read(&t, x[p % 2], NULL);
				if (s != KCACHE_HIT && s != KCACHE_STORED)
					_exit(1);
			}
			_exit(0);
		}
	}
	for (int p = 0; p < 6; p++) {
		assert_int_equal(waitpid(pids[p], &status, 0), pids[p]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(kc_count(&t, &tmps, last, sizeof(last)), 2);
	assert_int_equal(tmps, 0);
	kc_cleanup(&t);
	for (int i = 0; i < 2; i++)
		free(k[i].d), free(x[i].d);
}

/* Two xz'd kernels of the same size, different bytes (entry points tried in turn). */
static void kc_twins(struct blob x[2])
{
	struct kspec other = good;
	struct blob k0 = make_kernel(&good), k1;

	x[0] = xz_of(k0);
	x[1].len = 0;
	for (int i = 1; i < 256 && x[1].len != x[0].len; i++) {
		if (i > 1)
			free(x[1].d);
		other.entry = good.entry + (uint64_t)i * 8;
		k1 = make_kernel(&other);
		x[1] = xz_of(k1);
		free(k1.d);
	}
	assert_int_equal(x[0].len, x[1].len);
	assert_memory_not_equal(x[0].d, x[1].d, x[0].len);
	free(k0.d);
}

/* Overwrite path in place with b, its mtime then put back to what it was. */
static void kc_rewrite_same_mtime(const char *path, struct blob b)
{
	struct stat st;
	struct timespec ts[2];

	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((size_t)st.st_size, b.len);
	usleep(20000); /* past the clock tick of the ctime recorded */
	kc_write(path, b);
	ts[0] = st.st_atim, ts[1] = st.st_mtim;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal((size_t)st.st_size, b.len);
	assert_int_equal(st.st_mtim.tv_sec, ts[1].tv_sec);
	assert_int_equal(st.st_mtim.tv_nsec, ts[1].tv_nsec);
}

/*
 * The pre-check: a file changed within settle_ns of its read gets no link; a
 * settled one does and is then neither read nor hashed; a change with the
 * size and mtime put back, or a new file under the name, is seen (ctime,
 * inode) and the file hashed again.
 */
static void test_kcache_link(void **state)
{
	struct blob x[2];
	struct kc_dir t;
	char last[600], moved[160];

	(void)state;
	kc_twins(x);
	kc_start(&t, x[0]); /* a file written just now: not linked */
	assert_int_equal(kc_links(&t, last, sizeof(last)), 0);
	assert_int_equal(kc_read(&t, x[0], NULL), KCACHE_HIT);
	assert_false(kc_last.unchanged);
	assert_int_equal(kc_links(&t, last, sizeof(last)), 0);
	t.c.settle_ns = 0;
	usleep(20000);
	assert_int_equal(kc_read(&t, x[0], NULL), KCACHE_HIT);
	assert_false(kc_last.unchanged);
	assert_int_equal(kc_links(&t, last, sizeof(last)), 1);
	assert_int_equal(kc_read(&t, x[0], NULL), KCACHE_HIT);
	assert_true(kc_last.unchanged);
	assert_true(kc_last.t.file_read == 0 && kc_last.t.hash == 0);
	/* other bytes, same size, mtime put back: ctime differs */
	kc_rewrite_same_mtime(t.file, x[1]);
	assert_int_equal(kc_read(&t, x[1], NULL), KCACHE_STORED);
	assert_false(kc_last.unchanged);
	usleep(20000);
	assert_int_equal(kc_read(&t, x[1], NULL), KCACHE_HIT);
	assert_true(kc_last.unchanged);
	/* another file renamed over the name: another inode */
	snprintf(moved, sizeof(moved), "%s/new", t.dir);
	kc_write(moved, x[0]);
	usleep(20000);
	assert_int_equal(rename(moved, t.file), 0);
	assert_int_equal(kc_read(&t, x[0], NULL), KCACHE_HIT);
	assert_false(kc_last.unchanged);
	usleep(20000);
	assert_int_equal(kc_read(&t, x[0], NULL), KCACHE_HIT);
	assert_true(kc_last.unchanged);
	kc_cleanup(&t);
	free(x[0].d), free(x[1].d);
}

/* Write n bytes of b at the start of the file at path, in place. */
static void kc_poke(const char *path, const void *b, size_t n)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, b, n, 0), (ssize_t)n);
	close(fd);
}

/*
 * Through a link: a damaged entry is still noticed (and written again), one
 * evicted is unpacked again, a damaged link is ignored; links whose entry
 * was evicted are removed.
 */
static void test_kcache_link_damage(void **state)
{
	struct blob x[2];
	struct kc_dir t;
	char last[600], link[600];
	bool corrupt;
	int tmps;

	(void)state;
	kc_twins(x);
	kc_start(&t, x[0]);
	t.c.settle_ns = 0;
	usleep(20000);
	assert_int_equal(kc_read(&t, x[0], NULL), KCACHE_HIT);
	assert_int_equal(kc_links(&t, link, sizeof(link)), 1);
	assert_int_equal(kc_count(&t, &tmps, last, sizeof(last)), 1);
	kc_damage(last, -100, false);
	assert_int_equal(kc_read(&t, x[0], &corrupt), KCACHE_STORED);
	assert_true(corrupt);
	assert_int_equal(kc_read(&t, x[0], &corrupt), KCACHE_HIT);
	assert_false(corrupt);
	assert_true(kc_last.unchanged);
	/* the entry gone, the link left */
	assert_int_equal(unlink(last), 0);
	assert_int_equal(kc_read(&t, x[0], &corrupt), KCACHE_STORED);
	assert_false(corrupt);
	assert_int_equal(kc_read(&t, x[0], NULL), KCACHE_HIT);
	assert_true(kc_last.unchanged);
	/* a link with another file's identity or a bad magic number is not followed */
	kc_poke(link, "PXLKL\0\0\2", 8);
	assert_int_equal(kc_read(&t, x[0], NULL), KCACHE_HIT);
	assert_false(kc_last.unchanged);
	assert_int_equal(kc_read(&t, x[0], NULL), KCACHE_HIT);
	assert_true(kc_last.unchanged);
	kc_poke(link, "PXLKL\0\0\1\xff", 9);
	assert_int_equal(kc_read(&t, x[0], NULL), KCACHE_HIT);
	assert_false(kc_last.unchanged);
	assert_int_equal(kc_read(&t, x[0], NULL), KCACHE_HIT);
	assert_true(kc_last.unchanged);
	/* room for one entry: x[0]'s is evicted when another file's x[1] is stored */
	t.c.max_bytes = 0x4000 + 88 + 100;
	snprintf(t.file, sizeof(t.file), "%s/kernel2", t.dir);
	kc_write(t.file, x[1]);
	usleep(20000);
	assert_int_equal(kc_read(&t, x[1], NULL), KCACHE_STORED);
	assert_int_equal(kc_count(&t, &tmps, last, sizeof(last)), 1);
	assert_int_equal(kc_links(&t, link, sizeof(link)), 1); /* x[0]'s went with its entry */
	assert_int_equal(kc_read(&t, x[1], NULL), KCACHE_HIT);
	assert_true(kc_last.unchanged);
	kc_cleanup(&t);
	free(x[0].d), free(x[1].d);
}

/* PXL_KERNEL_CACHE and PXL_KERNEL_CACHE_MB; a cache that cannot be made is no failure. */
static void test_kcache_env(void **state)
{
	struct blob k = make_kernel(&good), x = xz_of(k);
	struct kcache_result res;
	struct kernel_image img;
	struct kc_dir t;
	struct kcache c;

	(void)state;
	unsetenv(KCACHE_ENV_DIR), unsetenv(KCACHE_ENV_MB);
	assert_int_equal(kcache_from_env(&c, err, sizeof(err)), 0);
	assert_string_equal(c.dir, KCACHE_DEFAULT_DIR);
	assert_int_equal(c.max_bytes, (uint64_t)KCACHE_DEFAULT_MB << 20);
	assert_int_equal(c.settle_ns, KCACHE_SETTLE_NS);
	setenv(KCACHE_ENV_DIR, "off", 1);
	assert_int_equal(kcache_from_env(&c, err, sizeof(err)), 0);
	assert_string_equal(c.dir, "");
	setenv(KCACHE_ENV_DIR, "/tmp/x", 1);
	setenv(KCACHE_ENV_MB, "0", 1);
	assert_int_equal(kcache_from_env(&c, err, sizeof(err)), 0);
	assert_string_equal(c.dir, "");
	setenv(KCACHE_ENV_MB, "12x", 1);
	assert_int_equal(kcache_from_env(&c, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "PXL_KERNEL_CACHE_MB=\"12x\" is not a size in MiB (0 to 1048576)");
	assert_string_equal(c.dir, "");
	unsetenv(KCACHE_ENV_DIR), unsetenv(KCACHE_ENV_MB);

	kc_start(&t, x);
	t.c.dir[0] = 0;
	assert_int_equal(kc_read(&t, x, NULL), KCACHE_OFF);
	/* the cache's place is a file: unpacked, not kept */
	snprintf(t.c.dir, sizeof(t.c.dir), "%s/kernel/cache", t.dir);
	assert_int_equal(kcache_read_file(&t.c, t.file, &img, &res, err, sizeof(err)), 0);
	assert_int_equal(res.state, KCACHE_NOT_STORED);
	assert_int_equal(res.store_err, -ENOTDIR);
	image_free(&img);
	kc_cleanup(&t);
	free(k.d), free(x.d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_bad_kernels),
		cmocka_unit_test(test_bad_structure),
		cmocka_unit_test(test_bad_wrapping),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_random_damage),
		cmocka_unit_test(test_bomb),
		cmocka_unit_test(test_real_kernels),
		cmocka_unit_test(test_ramdisk),
		cmocka_unit_test(test_pvh32),
		cmocka_unit_test(test_kcache_hit_miss),
		cmocka_unit_test(test_kcache_in_place),
		cmocka_unit_test(test_kcache_corrupt),
		cmocka_unit_test(test_kcache_bound),
		cmocka_unit_test(test_kcache_concurrent),
		cmocka_unit_test(test_kcache_env),
		cmocka_unit_test(test_kcache_link),
		cmocka_unit_test(test_kcache_link_damage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
