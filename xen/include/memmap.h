/* Firmware memory map handling (multiboot and EFI both arrive as e820-style entries). */
#ifndef PETREL_MEMMAP_H
#define PETREL_MEMMAP_H

#include "boot_info.h"

struct mem_range {
	u64 start, end; /* [start, end) */
};

/*
 * Sort @map by address and resolve overlaps (the more restrictive type wins:
 * anything other than RAM beats RAM), merging adjacent entries of the same
 * type. Entries of length 0 are dropped. Returns the new count.
 */
u32 memmap_sanitize(struct bi_mem *map, u32 nr, u32 max);

/*
 * Page-aligned free RAM: the RAM entries of @map, shrunk inward to page
 * boundaries, minus every range in @rsv. Writes at most @max ranges to @out
 * sorted by address and returns how many (ranges beyond @max are dropped with
 * the count of dropped bytes in @lost if non-NULL).
 */
u32 memmap_free_ranges(const struct bi_mem *map, u32 nr, const struct mem_range *rsv, u32 nr_rsv,
		       struct mem_range *out, u32 max, u64 *lost);

/* Highest RAM address + 1 in @map. */
u64 memmap_ram_top(const struct bi_mem *map, u32 nr);

/* Whole pages of RAM in @map below address @limit (the machine's memory). */
u64 memmap_ram_pages(const struct bi_mem *map, u32 nr, u64 limit);

#endif
