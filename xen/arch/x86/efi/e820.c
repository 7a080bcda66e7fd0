/*
 * EFI memory map -> e820 entries for struct boot_info. Pure code.
 */
#include "efi_helpers.h"

u32 efi_type_to_e820(u32 efi_type)
{
	switch (efi_type) {
	case EFIMT_CONVENTIONAL:
	case EFIMT_BS_CODE:
	case EFIMT_BS_DATA:
	case EFIMT_LOADER_CODE:
	case EFIMT_LOADER_DATA:
		return E820_RAM;
	case EFIMT_ACPI_RECLAIM:
		return E820_ACPI;
	case EFIMT_ACPI_NVS:
		return E820_NVS;
	case EFIMT_UNUSABLE:
		return E820_UNUSABLE;
	default:
		/* runtime services, MMIO, PAL code, persistent, unknown */
		return E820_RESERVED;
	}
}

/* Insertion sort by address: maps are short and nearly sorted already. */
static void sort_entries(struct bi_mem *e, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct bi_mem x = e[i];

		for (j = i; j > 0 && e[j - 1].addr > x.addr; j--)
			e[j] = e[j - 1];
		e[j] = x;
	}
}

/* Merge neighbours of the same type that touch or overlap. */
static size_t merge_entries(struct bi_mem *e, size_t n)
{
	size_t i, out = 0;

	for (i = 0; i < n; i++) {
		struct bi_mem *last = out ? &e[out - 1] : NULL;

		if (last && last->type == e[i].type && e[i].addr <= last->addr + last->len) {
			u64 end = e[i].addr + e[i].len;

			if (end > last->addr + last->len)
				last->len = end - last->addr;
			continue;
		}
		e[out++] = e[i];
	}
	return out;
}

/* Remove the smallest RAM entry; false if there is none. */
static bool drop_smallest_ram(struct bi_mem *e, size_t *n)
{
	size_t i, best = *n;

	for (i = 0; i < *n; i++)
		if (e[i].type == E820_RAM && (best == *n || e[i].len < e[best].len))
			best = i;
	if (best == *n)
		return false;
	for (i = best; i + 1 < *n; i++)
		e[i] = e[i + 1];
	(*n)--;
	return true;
}

int efi_mmap_to_e820(const void *map, size_t map_size, size_t desc_size, struct bi_mem *tmp,
		     size_t tmp_cap, struct bi_mem *out, size_t max)
{
	const u8 *p = map;
	size_t n = 0, i;

	if (!map || !tmp || !out || desc_size < sizeof(struct efi_md))
		return -1;
	for (i = 0; i + desc_size <= map_size; i += desc_size) {
		const struct efi_md *md = (const void *)(p + i);

		if (!md->pages)
			continue;
		if (md->pages > (~0ULL >> 12) || md->phys + (md->pages << 12) < md->phys)
			return -1; /* wraps around: a broken map */
		if (n == tmp_cap)
			return -1;
		tmp[n].addr = md->phys;
		tmp[n].len = md->pages << 12;
		tmp[n].type = efi_type_to_e820(md->type);
		tmp[n].pad = 0;
		n++;
	}
	sort_entries(tmp, n);
	n = merge_entries(tmp, n);
	while (n > max)
		if (!drop_smallest_ram(tmp, &n))
			return -1;
	for (i = 0; i < n; i++)
		out[i] = tmp[i];
	return (int)n;
}

/* Insert @md into @out (@n entries, sorted by address), joining a neighbour. */
static int record_one(const struct efi_md *md, struct bi_efi_md *out, size_t *n, size_t max)
{
	size_t i = *n, j;

	while (i > 0 && out[i - 1].phys > md->phys)
		i--;
	if (i > 0) {
		struct bi_efi_md *prev = &out[i - 1];

		if (prev->type == md->type && prev->attr == md->attr &&
		    prev->phys + (prev->pages << 12) == md->phys) {
			prev->pages += md->pages;
			return 0;
		}
	}
	if (*n == max)
		return -1;
	for (j = *n; j > i; j--)
		out[j] = out[j - 1];
	out[i].type = md->type;
	out[i].pad = 0;
	out[i].phys = md->phys;
	out[i].pages = md->pages;
	out[i].attr = md->attr;
	(*n)++;
	return 0;
}

int efi_mmap_record(const void *map, size_t map_size, size_t desc_size, struct bi_efi_md *out,
		    size_t max)
{
	const u8 *p = map;
	size_t n = 0, i;

	if (!map || !out || desc_size < sizeof(struct efi_md))
		return -1;
	for (i = 0; i + desc_size <= map_size; i += desc_size) {
		const struct efi_md *md = (const void *)(p + i);

		if (!md->pages)
			continue;
		if (md->pages > (~0ULL >> 12) || md->phys + (md->pages << 12) < md->phys)
			return -1;
		if (record_one(md, out, &n, max))
			return -1;
	}
	return (int)n;
}
