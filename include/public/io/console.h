/*
 * Petrel public ABI: the PV console ring page (Xen 4.17 layout).
 * Two byte rings with free-running 32-bit indexes: `in` carries input to
 * the guest (written by xenconsoled), `out` the guest's output.
 */
#ifndef __XEN_PUBLIC_IO_CONSOLE_H__
#define __XEN_PUBLIC_IO_CONSOLE_H__

#include <stdint.h>
#include "../static-assert.h"

typedef uint32_t XENCONS_RING_IDX;

/* ring is the array itself, so sizeof(ring) is its (power-of-two) size. */
#define MASK_XENCONS_IDX(idx, ring) ((idx) & (sizeof(ring) - 1))

struct xencons_interface {
	char in[1024];
	char out[2048];
	XENCONS_RING_IDX in_cons, in_prod;
	XENCONS_RING_IDX out_cons, out_prod;
};

PETREL_ASSERT_SIZE(struct xencons_interface, 3088, xencons_interface);
PETREL_ASSERT_OFFSET(struct xencons_interface, out, 1024, xencons_interface);
PETREL_ASSERT_OFFSET(struct xencons_interface, in_cons, 3072, xencons_interface);
PETREL_ASSERT_OFFSET(struct xencons_interface, out_prod, 3084, xencons_interface);

#endif /* __XEN_PUBLIC_IO_CONSOLE_H__ */
