/* The machine-to-phys table: read-only for guests at RO_MPT_VIRT_START. */
#ifndef PETREL_M2P_H
#define PETREL_M2P_H
#include "types.h"

#define M2P_INVALID (~0UL)

void m2p_init(void);
void m2p_set(mfn_t mfn, u64 pfn);
u64 m2p_get(mfn_t mfn);
u64 m2p_nr_entries(void);
/* The first MFN of each 2 MiB chunk of the table; returns how many were written. */
unsigned int m2p_chunk_list(mfn_t *out, unsigned int max);
/* @mfn holds part of the table (privileged guests may map it read-only). */
bool m2p_frame(mfn_t mfn);
#endif
