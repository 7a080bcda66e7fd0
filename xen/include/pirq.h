/*
 * A domain's physical IRQs (arch/x86/physdev.c): which PIRQ is mapped to
 * which GSI and bound to which port, and the EOI map page the domain
 * registered. Part of struct arch_domain; the GSIs themselves are the
 * machine's and stay in physdev.c.
 */
#ifndef PETREL_PIRQ_H
#define PETREL_PIRQ_H

#include "types.h"
#include "public/xen.h"

/* A domain's PIRQ space: GSIs map to the PIRQ of the same number (Xen: 208 with 24 GSIs). */
#define NR_PIRQS 256

struct domain;
struct page_info;

struct pirq {
	bool mapped; /* to gsi, or to an MSI vector if msi */
	bool msi;
	bool in_flight; /* level interrupt delivered, pin masked until EOI */
	u16 gsi;
	u16 desc;  /* msi: its descriptor in msi.c */
	u16 group; /* msi: the descriptor of its group's first vector */
	u32 port;	    /* bound event channel, 0 if none */
	struct domain *dom; /* the domain bound to it */
};

struct domain_pirqs {
	struct pirq pirqs[NR_PIRQS];
	xen_ulong_t *eoi_map; /* the registered pirq_eoi_gmfn page */
	struct page_info *eoi_page;
	bool eoi_auto_unmask; /* registered through the v1 op */
};

/* A dying domain's PIRQs: unbound, unmapped, its EOI page let go. */
void pirq_domain_relinquish(struct domain *d);

#endif
