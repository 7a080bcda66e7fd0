/*
 * Petrel public ABI: shared request/response rings of the split drivers
 * (Xen 4.17 layout and macro interface).
 *
 * A shared ring is one or more pages holding a 64-byte header and an array
 * of entries, each a union of one request and one response.  The number of
 * entries is the largest power of two that fits.  Producer and consumer
 * indexes run freely and are masked on use.  Each side keeps a private
 * ring (front: requests it produces, responses it consumes; back: the
 * reverse) and publishes its producer index with a write barrier.
 *
 * req_event / rsp_event implement notification hold-off: a producer only
 * needs to send an event if the index the other side asked to be woken at
 * lies within what it just published.
 *
 * The includer supplies the barriers xen_mb(), xen_rmb(), xen_wmb(), and
 * memset() for SHARED_RING_INIT; nothing here includes libc.
 */
#ifndef __XEN_PUBLIC_IO_RING_H__
#define __XEN_PUBLIC_IO_RING_H__

#include <stddef.h>
#include <stdint.h>

typedef unsigned int RING_IDX;

/* Round a 32-bit constant down to a power of two (0 stays 0). */
#define PETREL_RING_POW2_2(x) (((x)&0x2) ? 0x2 : ((x)&0x1))
#define PETREL_RING_POW2_4(x)                                                                      \
	(((x)&0xc) ? (PETREL_RING_POW2_2((x) >> 2) << 2) : PETREL_RING_POW2_2(x))
#define PETREL_RING_POW2_8(x)                                                                      \
	(((x)&0xf0) ? (PETREL_RING_POW2_4((x) >> 4) << 4) : PETREL_RING_POW2_4(x))
#define PETREL_RING_POW2_16(x)                                                                     \
	(((x)&0xff00) ? (PETREL_RING_POW2_8((x) >> 8) << 8) : PETREL_RING_POW2_8(x))
#define PETREL_RING_POW2_32(x)                                                                     \
	(((x)&0xffff0000) ? (PETREL_RING_POW2_16((x) >> 16) << 16) : PETREL_RING_POW2_16(x))

/* Entries of ring type _s in _sz bytes, as a constant expression. */
#define __CONST_RING_SIZE(_s, _sz)                                                                 \
	(PETREL_RING_POW2_32(((_sz)-offsetof(struct _s##_sring, ring)) /                           \
			     sizeof(((struct _s##_sring *)0)->ring[0])))

/* The same for a shared ring pointer _s mapped over _sz bytes. */
#define __RING_SIZE(_s, _sz)                                                                       \
	(PETREL_RING_POW2_32(((_sz) - (long)(_s)->ring + (long)(_s)) / sizeof((_s)->ring[0])))

/*
 * DEFINE_RING_TYPES(name, req_t, rsp_t); declares
 *   union name_sring_entry, struct name_sring (the shared layout),
 *   struct name_front_ring, struct name_back_ring (private state),
 * and the _t typedefs of the last three.
 */
#define DEFINE_RING_TYPES(__name, __req_t, __rsp_t)                                                \
	union __name##_sring_entry {                                                               \
		__req_t req;                                                                       \
		__rsp_t rsp;                                                                       \
	};                                                                                         \
	struct __name##_sring {                                                                    \
		RING_IDX req_prod, req_event;                                                      \
		RING_IDX rsp_prod, rsp_event;                                                      \
		union {                                                                            \
			struct {                                                                   \
				uint8_t smartpoll_active;                                          \
			} netif;                                                                   \
			struct {                                                                   \
				uint8_t msg;                                                       \
			} tapif_user;                                                              \
			uint8_t pvt_pad[4];                                                        \
		} pvt;                                                                             \
		uint8_t __pad[44];                                                                 \
		union __name##_sring_entry ring[1]; /* really as many as fit */                    \
	};                                                                                         \
	struct __name##_front_ring {                                                               \
		RING_IDX req_prod_pvt;                                                             \
		RING_IDX rsp_cons;                                                                 \
		unsigned int nr_ents;                                                              \
		struct __name##_sring *sring;                                                      \
	};                                                                                         \
	struct __name##_back_ring {                                                                \
		RING_IDX rsp_prod_pvt;                                                             \
		RING_IDX req_cons;                                                                 \
		unsigned int nr_ents;                                                              \
		struct __name##_sring *sring;                                                      \
	};                                                                                         \
	typedef struct __name##_sring __name##_sring_t;                                            \
	typedef struct __name##_front_ring __name##_front_ring_t;                                  \
	typedef struct __name##_back_ring __name##_back_ring_t

/* Reset a shared ring: indexes 0, both sides want an event for entry 1. */
#define SHARED_RING_INIT(_s)                                                                       \
	do {                                                                                       \
		(_s)->req_prod = 0;                                                                \
		(_s)->rsp_prod = 0;                                                                \
		(_s)->req_event = 1;                                                               \
		(_s)->rsp_event = 1;                                                               \
		(void)memset((_s)->pvt.pvt_pad, 0, sizeof((_s)->pvt.pvt_pad));                     \
		(void)memset((_s)->__pad, 0, sizeof((_s)->__pad));                                 \
	} while (0)

#define FRONT_RING_ATTACH(_r, _s, _i, __size)                                                      \
	do {                                                                                       \
		(_r)->req_prod_pvt = (_i);                                                         \
		(_r)->rsp_cons = (_i);                                                             \
		(_r)->nr_ents = __RING_SIZE(_s, __size);                                           \
		(_r)->sring = (_s);                                                                \
	} while (0)
#define FRONT_RING_INIT(_r, _s, __size) FRONT_RING_ATTACH(_r, _s, 0, __size)
#define XEN_FRONT_RING_INIT(r, s, size)                                                            \
	do {                                                                                       \
		SHARED_RING_INIT(s);                                                               \
		FRONT_RING_INIT(r, s, size);                                                       \
	} while (0)

#define BACK_RING_ATTACH(_r, _s, _i, __size)                                                       \
	do {                                                                                       \
		(_r)->rsp_prod_pvt = (_i);                                                         \
		(_r)->req_cons = (_i);                                                             \
		(_r)->nr_ents = __RING_SIZE(_s, __size);                                           \
		(_r)->sring = (_s);                                                                \
	} while (0)
#define BACK_RING_INIT(_r, _s, __size) BACK_RING_ATTACH(_r, _s, 0, __size)

#define RING_SIZE(_r) ((_r)->nr_ents)

/* Front side: request slots not yet answered-and-consumed. */
#define RING_FREE_REQUESTS(_r) (RING_SIZE(_r) - ((_r)->req_prod_pvt - (_r)->rsp_cons))
#define RING_FULL(_r) (RING_FREE_REQUESTS(_r) == 0)

#define XEN_RING_NR_UNCONSUMED_RESPONSES(_r) ((_r)->sring->rsp_prod - (_r)->rsp_cons)
/* Back side: requests published, capped by the slots free for responses. */
#define XEN_RING_NR_UNCONSUMED_REQUESTS(_r)                                                        \
	((((_r)->sring->req_prod - (_r)->req_cons) <                                               \
	  (RING_SIZE(_r) - ((_r)->req_cons - (_r)->rsp_prod_pvt)))                                 \
	     ? ((_r)->sring->req_prod - (_r)->req_cons)                                            \
	     : (RING_SIZE(_r) - ((_r)->req_cons - (_r)->rsp_prod_pvt)))

#ifdef XEN_RING_HAS_UNCONSUMED_IS_BOOL
#define RING_HAS_UNCONSUMED_RESPONSES(_r) (!!XEN_RING_NR_UNCONSUMED_RESPONSES(_r))
#define RING_HAS_UNCONSUMED_REQUESTS(_r) (!!XEN_RING_NR_UNCONSUMED_REQUESTS(_r))
#else
#define RING_HAS_UNCONSUMED_RESPONSES(_r) XEN_RING_NR_UNCONSUMED_RESPONSES(_r)
#define RING_HAS_UNCONSUMED_REQUESTS(_r) XEN_RING_NR_UNCONSUMED_REQUESTS(_r)
#endif

#define RING_GET_REQUEST(_r, _idx) (&((_r)->sring->ring[((_idx) & (RING_SIZE(_r) - 1))].req))
#define RING_GET_RESPONSE(_r, _idx) (&((_r)->sring->ring[((_idx) & (RING_SIZE(_r) - 1))].rsp))

/* Copy an entry out of the shared page in one read of each byte (no double fetch). */
#define RING_COPY_(type, r, idx, dest)                                                             \
	do {                                                                                       \
		*(dest) = *(volatile __typeof__(dest))RING_GET_##type(r, idx);                     \
	} while (0)
#define RING_COPY_REQUEST(r, idx, req) RING_COPY_(REQUEST, r, idx, req)
#define RING_COPY_RESPONSE(r, idx, rsp) RING_COPY_(RESPONSE, r, idx, rsp)

/* Sanity checks on indexes read from the other side. */
#define RING_REQUEST_CONS_OVERFLOW(_r, _cons) (((_cons) - (_r)->rsp_prod_pvt) >= RING_SIZE(_r))
#define RING_REQUEST_PROD_OVERFLOW(_r, _prod) (((_prod) - (_r)->rsp_prod_pvt) > RING_SIZE(_r))
#define RING_RESPONSE_PROD_OVERFLOW(_r, _prod) (((_prod) - (_r)->rsp_cons) > RING_SIZE(_r))

#define RING_PUSH_REQUESTS(_r)                                                                     \
	do {                                                                                       \
		xen_wmb();                                                                         \
		(_r)->sring->req_prod = (_r)->req_prod_pvt;                                        \
	} while (0)

#define RING_PUSH_RESPONSES(_r)                                                                    \
	do {                                                                                       \
		xen_wmb();                                                                         \
		(_r)->sring->rsp_prod = (_r)->rsp_prod_pvt;                                        \
	} while (0)

/*
 * Publish and decide whether to notify: notify iff the other side's
 * event index lies in (old, new].
 */
#define RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(_r, _notify)                                           \
	do {                                                                                       \
		RING_IDX __old = (_r)->sring->req_prod;                                            \
		RING_IDX __new = (_r)->req_prod_pvt;                                               \
		xen_wmb();                                                                         \
		(_r)->sring->req_prod = __new;                                                     \
		xen_mb();                                                                          \
		(_notify) =                                                                        \
		    ((RING_IDX)(__new - (_r)->sring->req_event) < (RING_IDX)(__new - __old));      \
	} while (0)

#define RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(_r, _notify)                                          \
	do {                                                                                       \
		RING_IDX __old = (_r)->sring->rsp_prod;                                            \
		RING_IDX __new = (_r)->rsp_prod_pvt;                                               \
		xen_wmb();                                                                         \
		(_r)->sring->rsp_prod = __new;                                                     \
		xen_mb();                                                                          \
		(_notify) =                                                                        \
		    ((RING_IDX)(__new - (_r)->sring->rsp_event) < (RING_IDX)(__new - __old));      \
	} while (0)

/*
 * Before sleeping: if nothing is pending, ask to be woken by the next
 * entry, then look once more to close the race with the producer.
 */
#define RING_FINAL_CHECK_FOR_REQUESTS(_r, _work_to_do)                                             \
	do {                                                                                       \
		(_work_to_do) = RING_HAS_UNCONSUMED_REQUESTS(_r);                                  \
		if (_work_to_do)                                                                   \
			break;                                                                     \
		(_r)->sring->req_event = (_r)->req_cons + 1;                                       \
		xen_mb();                                                                          \
		(_work_to_do) = RING_HAS_UNCONSUMED_REQUESTS(_r);                                  \
	} while (0)

#define RING_FINAL_CHECK_FOR_RESPONSES(_r, _work_to_do)                                            \
	do {                                                                                       \
		(_work_to_do) = RING_HAS_UNCONSUMED_RESPONSES(_r);                                 \
		if (_work_to_do)                                                                   \
			break;                                                                     \
		(_r)->sring->rsp_event = (_r)->rsp_cons + 1;                                       \
		xen_mb();                                                                          \
		(_work_to_do) = RING_HAS_UNCONSUMED_RESPONSES(_r);                                 \
	} while (0)

/* Byte rings of 2^(order + 11) bytes each way (flex rings, e.g. pvcalls). */
#ifndef XEN_PAGE_SHIFT
#define XEN_PAGE_SHIFT 12
#endif
#define XEN_FLEX_RING_SIZE(order) (1UL << ((order) + XEN_PAGE_SHIFT - 1))

#endif /* __XEN_PUBLIC_IO_RING_H__ */
