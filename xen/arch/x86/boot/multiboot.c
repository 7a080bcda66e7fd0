/* Turn multiboot1 and multiboot2 information into a struct boot_info. */
#include "types.h"
#include "lib.h"
#include "boot_info.h"
#include "errno.h"

#define MB1_FLAG_MEM 0x001
#define MB1_FLAG_CMDLINE 0x004
#define MB1_FLAG_MODS 0x008
#define MB1_FLAG_MMAP 0x040
#define MB1_FLAG_LOADER 0x200

struct mb1_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr, config_table, boot_loader_name;
} __packed;

struct mb1_mod {
	u32 start, end, string, reserved;
} __packed;

struct mb1_mmap {
	u32 size;
	u64 addr, len;
	u32 type;
} __packed;

static void copy_str(char *dst, size_t size, u64 pa)
{
	if (pa && pa < (1UL << 32))
		strlcpy(dst, (const char *)pa, size);
	else
		dst[0] = '\0';
}

static void add_mem(struct boot_info *bi, u64 addr, u64 len, u32 type)
{
	if (bi->nr_mem >= BI_MAX_MEM)
		return;
	bi->mem[bi->nr_mem].addr = addr;
	bi->mem[bi->nr_mem].len = len;
	bi->mem[bi->nr_mem].type = type >= E820_RAM && type <= E820_UNUSABLE ? type : E820_RESERVED;
	bi->nr_mem++;
}

static void add_mod(struct boot_info *bi, u64 start, u64 end, u64 string)
{
	struct bi_mod *m;

	if (bi->nr_mods >= BI_MAX_MODS)
		return;
	m = &bi->mods[bi->nr_mods++];
	m->start = start;
	m->end = end;
	copy_str(m->cmdline, sizeof(m->cmdline), string);
}

int multiboot1_parse(struct boot_info *bi, const void *p)
{
	const struct mb1_info *mbi = p;
	u32 i;

	bi->loader = BOOT_MULTIBOOT1;
	if (mbi->flags & MB1_FLAG_CMDLINE)
		copy_str(bi->cmdline, sizeof(bi->cmdline), mbi->cmdline);
	if (mbi->flags & MB1_FLAG_LOADER)
		copy_str(bi->loader_name, sizeof(bi->loader_name), mbi->boot_loader_name);
	if (mbi->flags & MB1_FLAG_MODS) {
		const struct mb1_mod *mods = (const void *)(u64)mbi->mods_addr;

		for (i = 0; i < mbi->mods_count; i++)
			add_mod(bi, mods[i].start, mods[i].end, mods[i].string);
	}
	if (mbi->flags & MB1_FLAG_MMAP) {
		u64 pos = mbi->mmap_addr, end = pos + mbi->mmap_length;

		while (pos + sizeof(struct mb1_mmap) <= end) {
			const struct mb1_mmap *e = (const void *)pos;

			add_mem(bi, e->addr, e->len, e->type);
			pos += e->size + 4;
		}
	} else if (mbi->flags & MB1_FLAG_MEM) {
		add_mem(bi, 0, (u64)mbi->mem_lower << 10, E820_RAM);
		add_mem(bi, 1UL << 20, (u64)mbi->mem_upper << 10, E820_RAM);
	}
	return bi->nr_mem ? 0 : -EINVAL;
}

/* multiboot2 tags */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

struct mb2_tag {
	u32 type, size;
};

static void mb2_mmap(struct boot_info *bi, const struct mb2_tag *t)
{
	const u32 *w = (const u32 *)(t + 1);
	u32 entry_size = w[0];
	u64 pos = (u64)(w + 2), end = (u64)t + t->size;

	if (entry_size < 24)
		return;
	for (; pos + 24 <= end; pos += entry_size) {
		const u64 *e = (const u64 *)pos;

		add_mem(bi, e[0], e[1], *(const u32 *)(e + 2));
	}
}

int multiboot2_parse(struct boot_info *bi, const void *p)
{
	u32 total = *(const u32 *)p;
	u64 pos = (u64)p + 8, end = (u64)p + total;

	bi->loader = BOOT_MULTIBOOT2;
	/* Keep the information itself: the ACPI tags' RSDP copy is read later. */
	bi->boot_data_start = ALIGN_DOWN((u64)p, PAGE_SIZE);
	bi->boot_data_end = ALIGN_UP(end, PAGE_SIZE);
	while (pos + sizeof(struct mb2_tag) <= end) {
		const struct mb2_tag *t = (const void *)pos;
		const u32 *w = (const u32 *)(t + 1);

		if (t->type == MB2_TAG_END || t->size < 8)
			break;
		switch (t->type) {
		case MB2_TAG_CMDLINE:
			copy_str(bi->cmdline, sizeof(bi->cmdline), (u64)w);
			break;
		case MB2_TAG_LOADER:
			copy_str(bi->loader_name, sizeof(bi->loader_name), (u64)w);
			break;
		case MB2_TAG_MODULE:
			add_mod(bi, w[0], w[1], (u64)(w + 2));
			break;
		case MB2_TAG_MMAP:
			mb2_mmap(bi, t);
			break;
		case MB2_TAG_ACPI_OLD:
		case MB2_TAG_ACPI_NEW:
			if (!bi->rsdp)
				bi->rsdp = pos + 8;
			break;
		}
		pos = ALIGN_UP(pos + t->size, 8);
	}
	return bi->nr_mem ? 0 : -EINVAL;
}
