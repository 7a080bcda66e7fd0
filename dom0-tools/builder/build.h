/* SPDX-License-Identifier: MIT */
/*
 * Building a PV or PVH guest from dom0, the way libxl and libxenguest do it:
 * create the domain, give it memory, load the kernel and its start-of-day
 * pages through foreign mappings, seed grant refs 0 and 1, introduce it to
 * xenstore and (unless asked to keep it paused) let it run.
 */
#ifndef PETREL_BUILDER_BUILD_H
#define PETREL_BUILDER_BUILD_H

#include <stdint.h>

#include "ctrl.h"
#include "image.h"
#include "layout.h"

struct xs_handle;

struct pv_build_args {
	const char *name;
	const struct kernel_image *kernel;
	const struct ramdisk *ramdisk; /* or NULL */
	const char *cmdline;
	uint64_t memory_kb;
	unsigned int vcpus;
	uint8_t uuid[16];
	int paused;
	/*
	 * A PVH guest (an HVM container with only the local APIC emulated)
	 * started at the kernel's XEN_ELFNOTE_PHYS32_ENTRY with an
	 * hvm_start_info, rather than a PV guest.
	 */
	int pvh;
	/* createdomain's grant and maptrack frame limits; -1: the hypervisor's default */
	int32_t max_grant_frames, max_maptrack_frames;
	/* called with a line naming each step once it is done; may be NULL */
	void (*phase)(const char *what);
};

struct pv_build_result {
	uint16_t domid;
	uint32_t store_port, console_port;
	uint64_t store_mfn, console_mfn; /* PVH: guest frame numbers */
	struct pv_layout layout;
};

/*
 * 0 and the new domain in *res, or a negative errno with a sentence in err;
 * on failure nothing is left behind (the domain is destroyed, its xenstore
 * records removed).
 */
int pv_build(struct ctrl *c, struct xs_handle *xs, const struct pv_build_args *a,
	     struct pv_build_result *res, char *err, size_t errlen);

/* The xenstore records of a new domain (build_xs.c). */
int pv_build_xenstore(struct xs_handle *xs, const struct pv_build_args *a,
		      const struct pv_build_result *res, char *err, size_t errlen);
void pv_build_xenstore_remove(struct xs_handle *xs, uint16_t domid, const uint8_t uuid[16]);

#endif /* PETREL_BUILDER_BUILD_H */
