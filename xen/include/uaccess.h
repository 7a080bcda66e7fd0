/*
 * Fault-safe access to guest memory. The guest's page tables are live while
 * the hypervisor runs on its behalf, so a guest virtual address is accessed
 * directly; a fault is caught by the exception table and turned into
 * -EFAULT. Addresses in the hypervisor's range are refused up front.
 */
#ifndef PETREL_UACCESS_H
#define PETREL_UACCESS_H

#include "types.h"

bool guest_range_ok(u64 va, size_t len);
/* Return 0, or -EFAULT if any byte could not be copied. */
int copy_from_guest(void *dst, u64 src_va, size_t len);
int copy_to_guest(u64 dst_va, const void *src, size_t len);
/*
 * Copy in address order and stop at the first byte that faults: returns
 * how many bytes were NOT copied (all of them for a range refused up front).
 */
size_t copy_from_guest_left(void *dst, u64 src_va, size_t len);
size_t copy_to_guest_left(u64 dst_va, const void *src, size_t len);

#endif
