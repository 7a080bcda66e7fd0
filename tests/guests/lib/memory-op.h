/*
 * memory_op as the test guests make it: the sub-op numbers, the map spaces
 * and the 64-bit argument layouts (Xen 4.17's public/memory.h and xen.h;
 * the text is ours). 32-bit callers lay out the compat forms themselves.
 */
#ifndef GUEST_MEMORY_OP_H
#define GUEST_MEMORY_OP_H

#include <stddef.h>
#include <stdint.h>

#define HC_memory_op 12
#define DOMID_SELF 0x7ff0

#define XENMEM_increase_reservation 0
#define XENMEM_decrease_reservation 1
#define XENMEM_current_reservation 3
#define XENMEM_maximum_reservation 4
#define XENMEM_populate_physmap 6
#define XENMEM_add_to_physmap 7
#define XENMEM_memory_map 9
#define XENMEM_exchange 11
#define XENMEM_set_memory_map 13
#define XENMEM_maximum_gpfn 14
#define XENMEM_remove_from_physmap 15

#define XENMAPSPACE_shared_info 0
#define XENMAPSPACE_grant_table 1
#define XENMAPSPACE_gmfn 2

/* xen_memory_reservation: increase/decrease_reservation, populate_physmap. */
struct reservation {
	unsigned long *extent_start;
	unsigned long nr_extents;
	uint32_t extent_order, mem_flags;
	uint16_t domid;
};
_Static_assert(sizeof(struct reservation) == 32, "xen_memory_reservation is 32 bytes");
_Static_assert(offsetof(struct reservation, domid) == 24, "xen_memory_reservation layout");

struct add_to_physmap {
	uint16_t domid, size;
	uint32_t space;
	uint64_t idx, gpfn;
};
_Static_assert(sizeof(struct add_to_physmap) == 24, "xen_add_to_physmap is 24 bytes");

struct remove_from_physmap {
	uint16_t domid;
	uint64_t gpfn;
};
_Static_assert(offsetof(struct remove_from_physmap, gpfn) == 8, "xen_remove_from_physmap layout");

/* xen_memory_map: entries in, entries written out; @buffer holds e820 entries. */
struct memory_map {
	uint32_t nr_entries;
	void *buffer;
};
_Static_assert(offsetof(struct memory_map, buffer) == 8, "xen_memory_map layout");

#endif
