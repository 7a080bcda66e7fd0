/*
 * Petrel public ABI: HYPERVISOR_xen_version(cmd, arg) (Xen 4.17 numbers and
 * layouts).  XENVER_version takes no argument and returns
 * (major << 16) | minor; Petrel reports 4.17.
 */
#ifndef __XEN_PUBLIC_VERSION_H__
#define __XEN_PUBLIC_VERSION_H__

#include "xen.h"

#define XENVER_version 0

/* arg: xen_extraversion_t, e.g. ".0" */
#define XENVER_extraversion 1
typedef char xen_extraversion_t[16];
#define XEN_EXTRAVERSION_LEN (sizeof(xen_extraversion_t))

#define XENVER_compile_info 2
struct xen_compile_info {
	char compiler[64];
	char compile_by[16];
	char compile_domain[32];
	char compile_date[32];
};
typedef struct xen_compile_info xen_compile_info_t;

/* arg: space-separated guest types, e.g. "xen-3.0-x86_64 hvm-3.0-x86_64" */
#define XENVER_capabilities 3
typedef char xen_capabilities_info_t[1024];
#define XEN_CAPABILITIES_INFO_LEN (sizeof(xen_capabilities_info_t))

#define XENVER_changeset 4
typedef char xen_changeset_info_t[64];
#define XEN_CHANGESET_INFO_LEN (sizeof(xen_changeset_info_t))

/* arg: where the hypervisor's virtual range starts */
#define XENVER_platform_parameters 5
struct xen_platform_parameters {
	xen_ulong_t virt_start;
};
typedef struct xen_platform_parameters xen_platform_parameters_t;

/* arg: submap_idx in, 32 XENFEAT_* bits of that submap out */
#define XENVER_get_features 6
struct xen_feature_info {
	unsigned int submap_idx;
	uint32_t submap;
};
typedef struct xen_feature_info xen_feature_info_t;

#include "features.h"

/* returns the page size; no argument */
#define XENVER_pagesize 7

/* arg: xen_domain_handle_t, the caller's handle */
#define XENVER_guest_handle 8

/* arg: the hypervisor's command line (privileged) */
#define XENVER_commandline 9
typedef char xen_commandline_t[1024];

/*
 * arg: struct xen_build_id with len = size of the buffer that follows it;
 * the hypervisor writes the build id bytes right after `len` and returns the
 * count.  (Xen declares the bytes as a flexible array member `buf`; this
 * header leaves it out so it stays valid C89 and C++.)
 */
#define XENVER_build_id 10
struct xen_build_id {
	uint32_t len;
};
typedef struct xen_build_id xen_build_id_t;

PETREL_ASSERT_SIZE(struct xen_compile_info, 144, xen_compile_info);
PETREL_ASSERT_OFFSET(struct xen_compile_info, compile_date, 112, xen_compile_info);
PETREL_ASSERT_SIZE(xen_capabilities_info_t, 1024, xen_capabilities_info);
PETREL_ASSERT_SIZE(struct xen_platform_parameters, 8, xen_platform_parameters);
PETREL_ASSERT_SIZE(struct xen_feature_info, 8, xen_feature_info);
PETREL_ASSERT_OFFSET(struct xen_feature_info, submap, 4, xen_feature_info);
PETREL_ASSERT_SIZE(struct xen_build_id, 4, xen_build_id);

#endif /* __XEN_PUBLIC_VERSION_H__ */
