/*
 * Per-domain I/O permissions (xen/common/io_caps.c): the hardware domain's
 * initial sets, and the iomem/ioport permission domctls' errors as Xen
 * 4.17 gives them (-EINVAL for an empty or wrapping range or one past port
 * 0xffff, -EPERM for what the caller does not hold), granting and revoking.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "errno.h"
#include "domain.h"
#include "io_caps.h"
#include "shim.h"

struct vcpu *current;
static struct domain *dom0, *domu;
static struct vcpu v0, vu;

static int setup(void **state)
{
	(void)state;
	dom0 = calloc(1, sizeof(*dom0));
	domu = calloc(1, sizeof(*domu));
	assert_non_null(dom0);
	assert_non_null(domu);
	io_caps_init(dom0);
	io_caps_init(domu);
	assert_int_equal(io_caps_init_hardware(dom0), 0);
	dom0->arch.ioport_caps.nr = 0;
	assert_int_equal(rangeset_add_range(&dom0->arch.ioport_caps, 0, 0x3f7), 0);
	assert_int_equal(rangeset_add_range(&dom0->arch.ioport_caps, 0x400, 0xffff), 0);
	v0.domain = dom0;
	vu.domain = domu;
	current = &v0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(dom0);
	free(domu);
	return 0;
}

static long ioport(struct domain *d, unsigned int first, unsigned int nr, bool allow)
{
	struct xen_domctl_ioport_permission p = { first, nr, allow };

	return ioport_permission(d, &p);
}

static long iomem(struct domain *d, unsigned long first, unsigned long nr, bool allow)
{
	struct xen_domctl_iomem_permission p = { first, nr, allow };

	return iomem_permission(d, &p);
}

static void test_hardware_domain(void **state)
{
	(void)state;
	assert_true(iomem_access_permitted(dom0, 0, (1UL << 40) - 1));
	assert_true(irq_access_permitted(dom0, 0) && irq_access_permitted(dom0, NR_PIRQS - 1));
	assert_false(irq_access_permitted(dom0, NR_PIRQS));
	assert_true(io_caps_any(dom0));
	assert_false(io_caps_any(domu));
	assert_false(iomem_access_permitted(domu, 0xa0, 0xa0));
	assert_false(ioports_access_permitted(domu, 0x80, 0x80));
}

static void test_ioport_permission(void **state)
{
	(void)state;
	assert_int_equal(ioport(domu, 0x510, 0, true), -EINVAL);
	assert_int_equal(ioport(domu, 0xfff0, 0x11, true), -EINVAL);
	assert_int_equal(ioport(domu, 0xffffffffu, 2, true), -EINVAL); /* wraps */
	assert_int_equal(ioport(domu, 0x3f8, 8, true), -EPERM);	       /* dom0 does not hold it */
	assert_int_equal(ioport(domu, 0x3f0, 0x10, true), -EPERM);
	assert_int_equal(ioport(domu, 0x510, 2, true), 0);
	assert_true(ioports_access_permitted(domu, 0x510, 0x511));
	assert_false(ioports_access_permitted(domu, 0x50f, 0x510));
	assert_true(io_caps_any(domu));
	assert_int_equal(ioport(domu, 0xfff0, 0x10, true), 0); /* up to the last port */
	assert_int_equal(ioport(domu, 0x511, 1, false), 0);
	assert_true(ioports_access_permitted(domu, 0x510, 0x510));
	assert_false(ioports_access_permitted(domu, 0x511, 0x511));
	current = &vu; /* a domU passes on only what it holds: not 0x511 any more */
	assert_int_equal(ioport(dom0, 0x511, 1, true), -EPERM);
	assert_int_equal(ioport(dom0, 0x510, 1, false), 0);
	current = &v0;
}

static void test_iomem_permission(void **state)
{
	(void)state;
	assert_int_equal(iomem(domu, 0xa0, 0, true), -EINVAL);
	assert_int_equal(iomem(domu, ~0UL, 2, true), -EINVAL);	   /* wraps */
	assert_int_equal(iomem(domu, 1UL << 40, 1, true), -EPERM); /* beyond a PTE's reach */
	assert_int_equal(iomem(domu, 0xa0, 0x20, true), 0);
	assert_true(iomem_access_permitted(domu, 0xa0, 0xbf));
	assert_false(iomem_access_permitted(domu, 0xa0, 0xc0));
	assert_int_equal(iomem(domu, 0xb0, 1, false), 0);
	assert_false(iomem_access_permitted(domu, 0xa0, 0xbf));
	assert_true(iomem_access_permitted(domu, 0xb1, 0xbf));
	assert_int_equal(iomem(dom0, 0xa0, 1, false), 0); /* the hardware domain may lose some */
	assert_int_equal(iomem(domu, 0xa0, 1, true), -EPERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hardware_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ioport_permission, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iomem_permission, setup, teardown),
	};

	return cmocka_run_group_tests_name("io_caps", tests, NULL, NULL);
}
