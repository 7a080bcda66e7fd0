/*
 * petrel.efi: load Petrel from UEFI firmware.
 *
 * Reads petrel.cfg from the directory the application was loaded from,
 * loads the dom0 kernel and ramdisk it names below 4 GiB, places the
 * embedded flat image (build/xen/petrel.bin) at a 2 MiB aligned address,
 * fills struct boot_info, leaves boot services and enters the image's
 * entry64 as xen/include/image.h describes.
 */
#include <efi.h>
#include <efilib.h>

#include "efi_helpers.h"
#include "image.h"
#include "config.h"

#define LOADER_NAME "petrel.efi"
#define CFG_DEFAULT "petrel.cfg"
#define BELOW_4G 0xffffffffULL
#define SZ_2M (1ULL << 21)
#define STACK_PAGES 4
#define PATH_MAX_CHARS 512

/* The embedded image (blob.S). */
extern const u8 petrel_blob[] __attribute__((visibility("hidden")));
extern const u8 petrel_blob_end[] __attribute__((visibility("hidden")));
/* The hand-over code (tramp.S), copied below 4 GiB before it runs. */
extern const u8 petrel_tramp[] __attribute__((visibility("hidden")));
extern const u8 petrel_tramp_end[] __attribute__((visibility("hidden")));

typedef void (*tramp_fn)(u64 bi, u64 cr3, u64 stack_top, u64 entry, u64 gdtr);

struct gdtr {
	u16 limit;
	u64 base;
} __packed;

/* Where the loader keeps its state between steps. */
struct loader {
	EFI_HANDLE image;
	EFI_LOADED_IMAGE *li;
	EFI_FILE_HANDLE root;
	CHAR16 dir[PATH_MAX_CHARS]; /* directory of petrel.efi, "" = root */
	const struct petrel_image_header *hdr;
	struct pcfg cfg;
	struct pcfg_args args;
	/* one block for boot_info, page tables, GDT + trampoline, stack */
	EFI_PHYSICAL_ADDRESS pool;
	UINTN pool_pages;
	struct boot_info *bi;
	u64 *pt;
	u8 *tramp_page;
	u64 cr3;
};

static void err(const char *what, EFI_STATUS st)
{
	if (st == EFI_SUCCESS)
		Print(L"petrel.efi: error: %a\r\n", what);
	else
		Print(L"petrel.efi: error: %a: %r\r\n", what, st);
}

static void mem_copy(void *dst, const void *src, UINTN n)
{
	u8 *d = dst;
	const u8 *s = src;

	while (n--)
		*d++ = *s++;
}

static void mem_zero(void *dst, UINTN n)
{
	u8 *d = dst;

	while (n--)
		*d++ = 0;
}

static UINTN astr_len(const char *s)
{
	UINTN n = 0;

	while (s[n])
		n++;
	return n;
}

static void astr_copy(char *dst, UINTN cap, const char *src)
{
	UINTN n = astr_len(src);

	if (n >= cap)
		n = cap - 1;
	mem_copy(dst, src, n);
	dst[n] = '\0';
}

/* Check the embedded image's header. */
static EFI_STATUS check_image(struct loader *ld)
{
	UINTN size = (UINTN)(petrel_blob_end - petrel_blob);
	const struct petrel_image_header *h = (const void *)petrel_blob;

	if (size < sizeof(*h) || h->magic != PETREL_IMAGE_MAGIC) {
		err("embedded petrel.bin has no Petrel image header", EFI_SUCCESS);
		return EFI_LOAD_ERROR;
	}
	if (h->file_size > size || h->entry64_offset >= h->file_size ||
	    h->mem_size < h->file_size || h->mem_size > (1ULL << 30)) {
		err("embedded petrel.bin has an inconsistent header", EFI_SUCCESS);
		return EFI_LOAD_ERROR;
	}
	ld->hdr = h;
	return EFI_SUCCESS;
}

/* The directory part of petrel.efi's own file path, from its device path. */
static EFI_STATUS find_own_dir(struct loader *ld)
{
	EFI_DEVICE_PATH *dp = ld->li->FilePath;
	UINTN n = 0, i, cut = 0;

	for (; dp && !IsDevicePathEnd(dp); dp = NextDevicePathNode(dp)) {
		FILEPATH_DEVICE_PATH *fp = (FILEPATH_DEVICE_PATH *)dp;
		UINTN chars;

		if (DevicePathType(dp) != MEDIA_DEVICE_PATH ||
		    DevicePathSubType(dp) != MEDIA_FILEPATH_DP)
			continue;
		chars = (DevicePathNodeLength(dp) - sizeof(EFI_DEVICE_PATH)) / sizeof(CHAR16);
		if (n && ld->dir[n - 1] != L'\\' && n < PATH_MAX_CHARS - 1)
			ld->dir[n++] = L'\\';
		for (i = 0; i < chars && fp->PathName[i]; i++) {
			if (n >= PATH_MAX_CHARS - 1) {
				err("own file path is too long", EFI_SUCCESS);
				return EFI_BAD_BUFFER_SIZE;
			}
			ld->dir[n++] = fp->PathName[i] == L'/' ? L'\\' : fp->PathName[i];
		}
	}
	for (i = 0; i < n; i++)
		if (ld->dir[i] == L'\\')
			cut = i;
	ld->dir[cut] = L'\0';
	return EFI_SUCCESS;
}

static EFI_STATUS open_volume(struct loader *ld)
{
	EFI_GUID li_guid = LOADED_IMAGE_PROTOCOL;
	EFI_GUID fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
	EFI_SIMPLE_FILE_SYSTEM_PROTOCOL *fs;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, ld->image, &li_guid, (void **)&ld->li);
	if (EFI_ERROR(st)) {
		err("no LOADED_IMAGE_PROTOCOL for petrel.efi", st);
		return st;
	}
	st = uefi_call_wrapper(BS->HandleProtocol, 3, ld->li->DeviceHandle, &fs_guid, (void **)&fs);
	if (EFI_ERROR(st)) {
		err("the device petrel.efi was loaded from has no file system", st);
		return st;
	}
	st = uefi_call_wrapper(fs->OpenVolume, 2, fs, &ld->root);
	if (EFI_ERROR(st)) {
		err("cannot open the ESP volume", st);
		return st;
	}
	return find_own_dir(ld);
}

/* Build "<dir>\<name>" (or the name alone if it starts at the root). */
static EFI_STATUS make_path(struct loader *ld, const char *name, UINTN len, CHAR16 *out)
{
	UINTN n = 0, i;

	if (len + 1 >= PATH_MAX_CHARS)
		return EFI_BAD_BUFFER_SIZE;
	if (name[0] != '/' && name[0] != '\\') {
		for (i = 0; ld->dir[i]; i++)
			out[n++] = ld->dir[i];
		out[n++] = L'\\';
	}
	if (n + len >= PATH_MAX_CHARS)
		return EFI_BAD_BUFFER_SIZE;
	for (i = 0; i < len; i++)
		out[n++] = name[i] == '/' ? L'\\' : (CHAR16)(u8)name[i];
	out[n] = L'\0';
	return EFI_SUCCESS;
}

/*
 * Open @name (@len chars) next to petrel.efi and learn its size. Errors are
 * reported here; @what names the file's role.
 */
static EFI_STATUS open_file(struct loader *ld, const char *name, UINTN len, const char *what,
			    EFI_FILE_HANDLE *fh, UINT64 *size)
{
	CHAR16 path[PATH_MAX_CHARS];
	EFI_FILE_INFO *info;
	EFI_STATUS st;

	st = make_path(ld, name, len, path);
	if (EFI_ERROR(st)) {
		Print(L"petrel.efi: error: %a file name is too long\r\n", what);
		return st;
	}
	st = uefi_call_wrapper(ld->root->Open, 5, ld->root, fh, path, EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st)) {
		Print(L"petrel.efi: error: cannot open %a file %s: %r\r\n", what, path, st);
		return st;
	}
	info = LibFileInfo(*fh);
	if (!info || (info->Attribute & EFI_FILE_DIRECTORY)) {
		Print(L"petrel.efi: error: %a file %s is not a regular file\r\n", what, path);
		if (info)
			FreePool(info);
		uefi_call_wrapper((*fh)->Close, 1, *fh);
		return EFI_LOAD_ERROR;
	}
	*size = info->FileSize;
	FreePool(info);
	return EFI_SUCCESS;
}

static EFI_STATUS read_all(EFI_FILE_HANDLE fh, void *buf, UINT64 size, const char *what)
{
	UINT64 done = 0;
	EFI_STATUS st;

	while (done < size) {
		UINTN chunk = size - done;

		st = uefi_call_wrapper(fh->Read, 3, fh, &chunk, (u8 *)buf + done);
		if (EFI_ERROR(st) || chunk == 0) {
			Print(L"petrel.efi: error: reading %a file: %r\r\n", what,
			      EFI_ERROR(st) ? st : EFI_END_OF_FILE);
			return EFI_ERROR(st) ? st : EFI_END_OF_FILE;
		}
		done += chunk;
	}
	return EFI_SUCCESS;
}

static EFI_STATUS alloc_below_4g(EFI_MEMORY_TYPE type, UINTN pages, EFI_PHYSICAL_ADDRESS *addr)
{
	*addr = BELOW_4G;
	return uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, type, pages, addr);
}

static EFI_STATUS read_config(struct loader *ld)
{
	const char *name = ld->args.cfg[0] ? ld->args.cfg : CFG_DEFAULT;
	EFI_FILE_HANDLE fh;
	UINT64 size;
	char *text;
	EFI_STATUS st;
	int rc, line;

	st = open_file(ld, name, astr_len(name), "configuration", &fh, &size);
	if (EFI_ERROR(st))
		return st;
	if (size > (1 << 20)) {
		Print(L"petrel.efi: error: %a is larger than 1 MiB\r\n", name);
		uefi_call_wrapper(fh->Close, 1, fh);
		return EFI_BAD_BUFFER_SIZE;
	}
	text = AllocatePool(size + 1);
	if (!text) {
		uefi_call_wrapper(fh->Close, 1, fh);
		err("out of memory reading the configuration", EFI_OUT_OF_RESOURCES);
		return EFI_OUT_OF_RESOURCES;
	}
	st = read_all(fh, text, size, "configuration");
	uefi_call_wrapper(fh->Close, 1, fh);
	if (EFI_ERROR(st)) {
		FreePool(text);
		return st;
	}
	rc = pcfg_parse(text, size, ld->args.section, &ld->cfg, &line);
	FreePool(text);
	if (rc == PCFG_ERR_SECTION) {
		Print(L"petrel.efi: error: %a: no section [%a]\r\n", name, ld->cfg.section);
		return EFI_NOT_FOUND;
	}
	if (rc) {
		if (line)
			Print(L"petrel.efi: error: %a line %d: %a\r\n", name, line,
			      pcfg_strerror(rc));
		else
			Print(L"petrel.efi: error: %a: %a\r\n", name, pcfg_strerror(rc));
		return rc == PCFG_ERR_NO_KERNEL ? EFI_NOT_FOUND : EFI_LOAD_ERROR;
	}
	if (pcfg_append(ld->cfg.options, sizeof(ld->cfg.options), ld->args.extra)) {
		err("options plus command line extras are too long", EFI_SUCCESS);
		return EFI_BAD_BUFFER_SIZE;
	}
	return EFI_SUCCESS;
}

/* Load a module file below 4 GiB and record it as boot_info.mods[idx]. */
static EFI_STATUS load_module(struct loader *ld, UINT32 idx, const char *spec, const char *what)
{
	struct bi_mod *mod = &ld->bi->mods[idx];
	EFI_PHYSICAL_ADDRESS addr;
	EFI_FILE_HANDLE fh;
	UINT64 size;
	UINTN len = 0, pages;
	EFI_STATUS st;

	while (spec[len] && spec[len] != ' ' && spec[len] != '\t')
		len++;
	st = open_file(ld, spec, len, what, &fh, &size);
	if (EFI_ERROR(st))
		return st;
	pages = EFI_SIZE_TO_PAGES(size ? size : 1);
	st = alloc_below_4g(EfiLoaderData, pages, &addr);
	if (EFI_ERROR(st)) {
		Print(L"petrel.efi: error: no memory below 4 GiB for the %a (%ld bytes): %r\r\n",
		      what, size, st);
		uefi_call_wrapper(fh->Close, 1, fh);
		return st;
	}
	mod->start = addr;
	mod->end = addr + size;
	astr_copy(mod->cmdline, sizeof(mod->cmdline), spec);
	ld->bi->nr_mods = idx + 1; /* so that release() frees it on failure */
	st = read_all(fh, (void *)(UINTN)addr, size, what);
	uefi_call_wrapper(fh->Close, 1, fh);
	if (EFI_ERROR(st))
		return st;
	Print(L"petrel.efi: %a %a: %ld bytes at 0x%lx\r\n", what, mod->cmdline, size, addr);
	return EFI_SUCCESS;
}

/* One block below 4 GiB for everything the core must keep until dom0 runs. */
static EFI_STATUS alloc_boot_data(struct loader *ld)
{
	UINTN bi_pages = EFI_SIZE_TO_PAGES(sizeof(struct boot_info));
	UINTN pt_pages = PT_PAGES(ld->hdr->mem_size);
	EFI_STATUS st;

	ld->pool_pages = bi_pages + pt_pages + 1 + STACK_PAGES;
	/* LoaderCode: the trampoline runs from here while firmware tables apply */
	st = alloc_below_4g(EfiLoaderCode, ld->pool_pages, &ld->pool);
	if (EFI_ERROR(st)) {
		err("no memory below 4 GiB for boot data", st);
		return st;
	}
	mem_zero((void *)(UINTN)ld->pool, ld->pool_pages * EFI_PAGE_SIZE);
	ld->bi = (struct boot_info *)(UINTN)ld->pool;
	ld->pt = (u64 *)(UINTN)(ld->pool + bi_pages * EFI_PAGE_SIZE);
	ld->tramp_page = (u8 *)(ld->pt + pt_pages * 512);
	ld->bi->magic = BOOT_INFO_MAGIC;
	ld->bi->loader = BOOT_EFI;
	ld->bi->boot_data_start = ld->pool;
	ld->bi->boot_data_end = ld->pool + ld->pool_pages * EFI_PAGE_SIZE;
	astr_copy(ld->bi->loader_name, sizeof(ld->bi->loader_name), LOADER_NAME);
	astr_copy(ld->bi->cmdline, sizeof(ld->bi->cmdline), ld->cfg.options);
	return EFI_SUCCESS;
}

/* Copy the image to a 2 MiB aligned block below 4 GiB; zero its bss. */
static EFI_STATUS place_image(struct loader *ld)
{
	const struct petrel_image_header *h = ld->hdr;
	UINTN size = ALIGN_UP(h->mem_size, EFI_PAGE_SIZE);
	UINTN pages = EFI_SIZE_TO_PAGES(size + SZ_2M);
	EFI_PHYSICAL_ADDRESS addr, base, tail;
	EFI_STATUS st;

	st = alloc_below_4g(EfiLoaderData, pages, &addr);
	if (EFI_ERROR(st)) {
		err("no memory below 4 GiB for the hypervisor image", st);
		return st;
	}
	base = ALIGN_UP(addr, SZ_2M);
	tail = base + size;
	/* Give back what the alignment did not need. */
	if (base > addr)
		uefi_call_wrapper(BS->FreePages, 2, addr, EFI_SIZE_TO_PAGES(base - addr));
	if (addr + pages * EFI_PAGE_SIZE > tail)
		uefi_call_wrapper(BS->FreePages, 2, tail,
				  EFI_SIZE_TO_PAGES(addr + pages * EFI_PAGE_SIZE - tail));
	mem_copy((void *)(UINTN)base, petrel_blob, h->file_size);
	mem_zero((void *)(UINTN)(base + h->file_size), size - h->file_size);
	ld->bi->phys_base = base;
	ld->bi->phys_end = base + h->mem_size;
	ld->cr3 = pt_build(ld->pt, (u64)(UINTN)ld->pt, PT_PAGES(h->mem_size), base, h->mem_size);
	if (!ld->cr3) {
		err("cannot build page tables for the image", EFI_SUCCESS);
		return EFI_LOAD_ERROR;
	}
	Print(L"petrel.efi: image %ld bytes (%ld with bss) at 0x%lx\r\n", h->file_size, h->mem_size,
	      base);
	return EFI_SUCCESS;
}

static u64 find_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	u64 old = 0;
	UINTN i;

	for (i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];

		if (!CompareGuid(&t->VendorGuid, &acpi20))
			return (u64)(UINTN)t->VendorTable;
		if (!old && !CompareGuid(&t->VendorGuid, &acpi10))
			old = (u64)(UINTN)t->VendorTable;
	}
	return old;
}

/* What the core reports to dom0 about the firmware (XENPF_firmware_info). */
static void record_firmware(struct loader *ld)
{
	struct bi_efi *e = &ld->bi->efi;
	const CHAR16 *v = ST->FirmwareVendor;
	UINTN i;

	e->systab = (u64)(UINTN)ST;
	e->config_table = (u64)(UINTN)ST->ConfigurationTable;
	e->nr_config = (u32)ST->NumberOfTableEntries;
	e->version = ST->Hdr.Revision;
	e->fw_revision = ST->FirmwareRevision;
	for (i = 0; v && v[i] && i < BI_EFI_VENDOR_MAX - 1; i++)
		e->vendor[i] = v[i];
	e->vendor[i] = 0;
}

/* After ExitBootServices only the serial port is left to complain on. */
static void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static u8 inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static __noreturn void fatal_after_exit(const char *msg)
{
	const char *p;
	int spin;

	for (p = msg; *p; p++) {
		for (spin = 0; spin < 100000 && !(inb(0x3fd) & 0x20); spin++)
			;
		outb(0x3f8, (u8)*p);
	}
	for (;;)
		__asm__ volatile("cli; hlt");
}

struct mmap_buf {
	void *map;
	UINTN cap, size, key, desc_size;
	struct bi_mem *tmp;
	UINTN tmp_cap;
};

/* Allocate room for the memory map with slack for the changes to come. */
static EFI_STATUS mmap_alloc(struct mmap_buf *mb)
{
	UINT32 ver;
	EFI_STATUS st;

	mb->size = 0;
	st =
	    uefi_call_wrapper(BS->GetMemoryMap, 5, &mb->size, NULL, &mb->key, &mb->desc_size, &ver);
	if (st != EFI_BUFFER_TOO_SMALL || mb->desc_size < sizeof(struct efi_md))
		return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
	mb->cap = mb->size + 32 * mb->desc_size;
	mb->tmp_cap = mb->cap / mb->desc_size + 1;
	mb->map = AllocatePool(mb->cap + mb->tmp_cap * sizeof(struct bi_mem));
	if (!mb->map)
		return EFI_OUT_OF_RESOURCES;
	mb->tmp = (struct bi_mem *)((u8 *)mb->map + mb->cap);
	return EFI_SUCCESS;
}

static EFI_STATUS mmap_get(struct mmap_buf *mb)
{
	UINT32 ver;

	mb->size = mb->cap;
	return uefi_call_wrapper(BS->GetMemoryMap, 5, &mb->size, mb->map, &mb->key, &mb->desc_size,
				 &ver);
}

static int mmap_convert(struct loader *ld, struct mmap_buf *mb)
{
	return efi_mmap_to_e820(mb->map, mb->size, mb->desc_size, mb->tmp, mb->tmp_cap, ld->bi->mem,
				BI_MAX_MEM);
}

/* Copy the trampoline and a GDT into the boot data block. */
static u64 prepare_tramp(struct loader *ld)
{
	static const u64 gdt[3] = { 0, 0x00af9a000000ffffULL, 0x00cf92000000ffffULL };
	struct gdtr *g = (struct gdtr *)(ld->tramp_page + sizeof(gdt));

	mem_copy(ld->tramp_page, gdt, sizeof(gdt));
	g->limit = sizeof(gdt) - 1;
	g->base = (u64)(UINTN)ld->tramp_page;
	mem_copy(ld->tramp_page + 256, petrel_tramp, (UINTN)(petrel_tramp_end - petrel_tramp));
	return (u64)(UINTN)g;
}

static EFI_STATUS leave_firmware(struct loader *ld)
{
	struct mmap_buf mb;
	EFI_STATUS st;
	u64 gdtr, stack_top, entry;
	int tries, n;

	gdtr = prepare_tramp(ld);
	stack_top = ld->bi->boot_data_end;
	entry = XEN_VIRT_START + ld->hdr->entry64_offset;
	st = mmap_alloc(&mb);
	if (EFI_ERROR(st)) {
		err("cannot get the memory map", st);
		return st;
	}
	st = mmap_get(&mb);
	if (EFI_ERROR(st) || mmap_convert(ld, &mb) < 0) {
		err("cannot convert the memory map", st);
		return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
	}
	Print(L"petrel.efi: exiting boot services, entering Petrel at 0x%lx\r\n", entry);

	/* From here on, no console output and no allocations. */
	for (tries = 0;; tries++) {
		st = mmap_get(&mb);
		if (!EFI_ERROR(st))
			st = uefi_call_wrapper(BS->ExitBootServices, 2, ld->image, mb.key);
		if (!EFI_ERROR(st))
			break;
		if (st != EFI_INVALID_PARAMETER || tries == 8)
			fatal_after_exit("petrel.efi: ExitBootServices failed\r\n");
	}
	n = mmap_convert(ld, &mb);
	if (n < 0)
		fatal_after_exit("petrel.efi: cannot convert the final memory map\r\n");
	ld->bi->nr_mem = (u32)n;
	n = efi_mmap_record(mb.map, mb.size, mb.desc_size, ld->bi->efi.md, BI_MAX_EFI_MD);
	if (n < 0)
		fatal_after_exit("petrel.efi: the final memory map has too many entries\r\n");
	ld->bi->efi.nr_md = (u32)n;

	__asm__ volatile("cli");
	((tramp_fn)(ld->tramp_page + 256))((u64)(UINTN)ld->bi, ld->cr3, stack_top, entry, gdtr);
	fatal_after_exit("petrel.efi: returned from the trampoline\r\n");
}

static EFI_STATUS petrel_load(struct loader *ld)
{
	EFI_STATUS st;
	int rc;

	st = check_image(ld);
	if (EFI_ERROR(st))
		return st;
	st = open_volume(ld);
	if (EFI_ERROR(st))
		return st;
	rc = pcfg_parse_args(ld->li->LoadOptions, ld->li->LoadOptionsSize, &ld->args);
	if (rc) {
		err("command line (load options) too long", EFI_SUCCESS);
		return EFI_INVALID_PARAMETER;
	}
	st = read_config(ld);
	if (EFI_ERROR(st))
		return st;
	if (ld->cfg.section[0])
		Print(L"petrel.efi: booting section [%a]\r\n", ld->cfg.section);
	st = alloc_boot_data(ld);
	if (EFI_ERROR(st))
		return st;
	st = load_module(ld, 0, ld->cfg.kernel, "kernel");
	if (EFI_ERROR(st))
		return st;
	if (ld->cfg.ramdisk[0]) {
		st = load_module(ld, 1, ld->cfg.ramdisk, "ramdisk");
		if (EFI_ERROR(st))
			return st;
	}
	st = place_image(ld);
	if (EFI_ERROR(st))
		return st;
	ld->bi->rsdp = find_rsdp();
	record_firmware(ld);
	return leave_firmware(ld);
}

/* Give back the pages a failed attempt allocated. */
static void release(struct loader *ld)
{
	struct boot_info *bi = ld->bi;
	UINT32 i;

	if (!bi)
		return;
	for (i = 0; i < bi->nr_mods; i++)
		uefi_call_wrapper(BS->FreePages, 2, bi->mods[i].start,
				  EFI_SIZE_TO_PAGES(MAX(bi->mods[i].end - bi->mods[i].start, 1)));
	if (bi->phys_base)
		uefi_call_wrapper(BS->FreePages, 2, bi->phys_base,
				  EFI_SIZE_TO_PAGES(ALIGN_UP(ld->hdr->mem_size, EFI_PAGE_SIZE)));
	uefi_call_wrapper(BS->FreePages, 2, ld->pool, ld->pool_pages);
	ld->bi = NULL;
}

/* Called by gnu-efi's crt0 with the SysV convention, not EFIAPI. */
EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	static struct loader ld;
	EFI_STATUS st;

	InitializeLib(image, systab);
	ld.image = image;
	Print(L"petrel.efi: loading Petrel\r\n");
	st = petrel_load(&ld);
	/* Only failures come back here. */
	release(&ld);
	Print(L"petrel.efi: boot failed (%r), returning to the firmware\r\n", st);
	return st;
}
