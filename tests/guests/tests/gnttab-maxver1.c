/*
 * gnttab=max-ver:1 (Xen 4.17's option): grant tables version 1 only.
 * physinfo offers gnttab_v1 and not gnttab_v2 (libxl then defaults
 * max_grant_version to 1), dom0's set_version(2) is -ENOSYS and leaves it
 * at 1, and createdomain refuses grant_opts version 2 (-EINVAL) while it
 * takes version 1.
 */
#include "builder.h"

TEST_HV_ARGS("dom0_mem=64M gnttab=max-ver:1");

#define PHYSCAP_gnttab_v1 (1u << 8)
#define PHYSCAP_gnttab_v2 (1u << 9)

static long create(uint32_t version, uint16_t *id)
{
	struct dctl op;
	long rc;

	builder_fill_create(&op);
	op.u.create.grant_opts = version;
	rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
	*id = op.domain;
	return rc;
}

void test_main(void)
{
	uint32_t version = 2; /* struct gnttab_set_version */
	struct physinfo_sysctl pi;
	uint32_t caps;
	uint16_t id;
	long rc;

	builder_physinfo(&pi);
	caps = pi.capabilities;
	xtest_check((caps & PHYSCAP_gnttab_v1) && !(caps & PHYSCAP_gnttab_v2),
		    "physinfo capabilities %#x: v1 only expected", caps);
	rc = hypercall(HC_grant_table_op, GNTTABOP_set_version, (unsigned long)&version, 1, 0, 0);
	xtest_check(rc == -ENOSYS && version == 1, "dom0's set_version(2): %ld, version %u", rc,
		    version);
	rc = create(2, &id);
	xtest_check(rc == -EINVAL, "createdomain with grant version 2: %ld", rc);
	rc = create(1, &id);
	xtest_check(rc == 0, "createdomain with grant version 1: %ld", rc);
	if (!rc)
		tiny_destroy(&(struct tiny_dom){ .id = id });
}
