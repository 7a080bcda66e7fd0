/*
 * Petrel public ABI: the I/O requests an HVM domain's device model serves
 * (Xen 4.17 numbers and layouts). Each vCPU has one synchronous slot in the
 * ioreq server's shared page; buffered (fire-and-forget) writes go to a ring
 * in a second page.
 */
#ifndef __XEN_PUBLIC_HVM_IOREQ_H__
#define __XEN_PUBLIC_HVM_IOREQ_H__

#include "../xen.h"
#include "../static-assert.h"

/* ioreq.dir */
#define IOREQ_READ 1
#define IOREQ_WRITE 0

/* ioreq.state: the hypervisor moves NONE -> READY, the model READY ->
 * INPROCESS -> IORESP_READY, the hypervisor IORESP_READY -> NONE. */
#define STATE_IOREQ_NONE 0
#define STATE_IOREQ_READY 1
#define STATE_IOREQ_INPROCESS 2
#define STATE_IORESP_READY 3

/* ioreq.type */
#define IOREQ_TYPE_PIO 0
#define IOREQ_TYPE_COPY 1 /* memory-mapped I/O */
#define IOREQ_TYPE_PCI_CONFIG 2
#define IOREQ_TYPE_TIMEOFFSET 7
#define IOREQ_TYPE_INVALIDATE 8 /* the model drops its guest-memory map cache */

/*
 * Bit-fields of uint8_t are what Xen declares; strict C89 only knows int
 * ones, which GCC lays out the same way here (byte 30 of struct ioreq).
 */
#if defined(__STDC_VERSION__) || defined(__cplusplus)
#define PETREL_IOREQ_BITS uint8_t
#define PETREL_IOREQ_BITS_32 uint32_t
#else
#define PETREL_IOREQ_BITS unsigned int
#define PETREL_IOREQ_BITS_32 unsigned int
#endif

/* One request: 32 bytes. For PCI_CONFIG, addr is segment/bus/dev/fn/offset. */
struct ioreq {
	uint64_t addr; /* port, guest-physical address or PCI config address */
	uint64_t data; /* the value (or, with data_is_ptr, its guest-physical address) */
	uint32_t count; /* repetitions (string I/O) */
	uint32_t size;	/* bytes per access */
	uint32_t vp_eport; /* event channel between this vCPU and the model */
	uint16_t _pad0;
	PETREL_IOREQ_BITS state : 4;
	PETREL_IOREQ_BITS data_is_ptr : 1;
	PETREL_IOREQ_BITS dir : 1; /* IOREQ_READ / IOREQ_WRITE */
	PETREL_IOREQ_BITS df : 1;  /* direction flag of a string access */
	PETREL_IOREQ_BITS _pad1 : 1;
	uint8_t type; /* IOREQ_TYPE_* */
};
typedef struct ioreq ioreq_t;

/* The synchronous page: slot n belongs to vCPU n. */
struct shared_iopage {
	struct ioreq vcpu_ioreq[1];
};
typedef struct shared_iopage shared_iopage_t;

/* A buffered request: 8 bytes (an 8-byte write takes two). */
struct buf_ioreq {
	uint8_t type;
	PETREL_IOREQ_BITS pad : 1;
	PETREL_IOREQ_BITS dir : 1;
	PETREL_IOREQ_BITS size : 2; /* 0: 1 byte, 1: 2, 2: 4, 3: 8 */
	PETREL_IOREQ_BITS_32 addr : 20;
	uint32_t data;
};
typedef struct buf_ioreq buf_ioreq_t;

#define IOREQ_BUFFER_SLOT_NUM 511
/* The buffered ring: the indexes, then the slots; it fills one page. */
struct buffered_iopage {
	uint32_t read_pointer;
	uint32_t write_pointer;
	buf_ioreq_t buf_ioreq[IOREQ_BUFFER_SLOT_NUM];
};
typedef struct buffered_iopage buffered_iopage_t;

PETREL_ASSERT_SIZE(struct ioreq, 32, ioreq);
PETREL_ASSERT_OFFSET(struct ioreq, vp_eport, 24, ioreq);
PETREL_ASSERT_OFFSET(struct ioreq, type, 31, ioreq);
PETREL_ASSERT_SIZE(struct buf_ioreq, 8, buf_ioreq);
PETREL_ASSERT_SIZE(struct buffered_iopage, 4096, buffered_iopage);

#endif
