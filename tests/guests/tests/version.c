/* xen_version: Petrel reports itself as Xen 4.17 to guests. */
#include "xtest.h"

static bool printable(const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i]; i++) {
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	}
	return i < max; /* NUL-terminated inside the buffer */
}

static void check_extraversion(void)
{
	xen_extraversion_t extra;
	long rc;

	memset(extra, 0x55, sizeof(extra));
	rc = hypercall_xen_version(XENVER_extraversion, extra);
	xtest_check(rc == 0, "XENVER_extraversion returned %ld", rc);
	if (rc)
		return;
	if (!printable(extra, sizeof(extra))) {
		xtest_fail("extraversion is not a NUL-terminated printable string");
		return;
	}
	printk("extraversion \"%s\"\n", extra);
	/* Xen 4.17.x formats it as ".<subversion><vendor>", e.g. ".0" or ".3-pre". */
	xtest_check(extra[0] == '.' && extra[1] >= '0' && extra[1] <= '9',
		    "extraversion \"%s\" is not \".<digit>...\"", extra);
}

static void check_strings(void)
{
	static struct xen_compile_info ci;
	static xen_capabilities_info_t caps;
	static xen_changeset_info_t cs;
	long rc;

	rc = hypercall_xen_version(XENVER_compile_info, &ci);
	xtest_check(rc == 0, "XENVER_compile_info returned %ld", rc);
	xtest_check(printable(ci.compiler, sizeof(ci.compiler)) &&
			printable(ci.compile_by, sizeof(ci.compile_by)) &&
			printable(ci.compile_domain, sizeof(ci.compile_domain)) &&
			printable(ci.compile_date, sizeof(ci.compile_date)),
		    "compile_info fields are not NUL-terminated strings");

	rc = hypercall_xen_version(XENVER_capabilities, caps);
	xtest_check(rc == 0, "XENVER_capabilities returned %ld", rc);
	xtest_check(printable(caps, sizeof(caps)), "capabilities is not a string");
	printk("capabilities \"%s\"\n", caps);
	xtest_check(strstr(caps, "xen-3.0-x86_64") != NULL,
		    "capabilities \"%s\" lacks xen-3.0-x86_64", caps);

	rc = hypercall_xen_version(XENVER_changeset, cs);
	xtest_check(rc == 0, "XENVER_changeset returned %ld", rc);
	xtest_check(printable(cs, sizeof(cs)), "changeset is not a string");
}

static void check_numbers(void)
{
	struct xen_platform_parameters pp = { 0 };
	struct xen_feature_info fi = { 0 };
	xen_domain_handle_t handle;
	long rc;

	rc = hypercall_xen_version(XENVER_platform_parameters, &pp);
	xtest_check(rc == 0, "XENVER_platform_parameters returned %ld", rc);
	printk("platform_parameters.virt_start %#lx\n", pp.virt_start);

	fi.submap_idx = 0;
	rc = hypercall_xen_version(XENVER_get_features, &fi);
	xtest_check(rc == 0, "XENVER_get_features(0) returned %ld", rc);
	printk("features[0] %#x\n", fi.submap);
	xtest_check(!(fi.submap & (1u << XENFEAT_auto_translated_physmap)),
		    "a PV domain must not see auto_translated_physmap");
	xtest_check(fi.submap & (1u << XENFEAT_dom0), "the initial domain must see XENFEAT_dom0");

	fi.submap_idx = 1; /* XENFEAT_NR_SUBMAPS is 1 */
	rc = hypercall_xen_version(XENVER_get_features, &fi);
	xtest_check(rc == -XEN_EINVAL, "XENVER_get_features(1) returned %ld, expected -EINVAL", rc);

	rc = hypercall_xen_version(XENVER_pagesize, NULL);
	xtest_check(rc == 4096, "XENVER_pagesize returned %ld", rc);

	rc = hypercall_xen_version(XENVER_guest_handle, handle);
	xtest_check(rc == 0, "XENVER_guest_handle returned %ld", rc);
}

void test_main(void)
{
	long v = hypercall_xen_version(XENVER_version, NULL);

	printk("xen_version: %ld.%ld (%#lx)\n", v >> 16, v & 0xffff, v);
	xtest_check(v == 0x00040011, "XENVER_version returned %#lx, expected 0x40011 (4.17)", v);
	check_extraversion();
	check_strings();
	check_numbers();
}
