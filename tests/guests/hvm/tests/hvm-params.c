/*
 * HVMOP_set_param / HVMOP_get_param on the domain itself, with Xen 4.17's
 * rules: the parameters a guest may set (CALLBACK_IRQ, the event channel
 * numbers, VM86_TSS(_SIZED), X87_FIP_WIDTH, VM_GENERATION_ID_ADDR,
 * ACPI_IOPORTS_LOCATION) and the few more it may read (STORE_PFN,
 * CONSOLE_PFN, ALTP2M); -EPERM for the toolstack's ones, -EINVAL for the
 * deprecated numbers and an index past the end, -ESRCH for a domain that
 * does not exist. Values read back as Xen stores them: VM86_TSS becomes
 * VM86_TSS_SIZED with 128 bytes, a size is capped, a CALLBACK_IRQ of any
 * type is kept. ACPI_IOPORTS_LOCATION is -ENODEV (no PM timer in PVH).
 * HVMOP_pagetable_dying (which Linux calls at boot) on itself is -EINVAL
 * with nested paging (only shadow paging acts on it), -ESRCH for a domain
 * that does not exist, -EFAULT for an unreadable argument.
 */
#include "xtest.h"
#include "hvm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");

#define HC_hvm_op 34
#define HVMOP_set_param 0
#define HVMOP_get_param 1
#define HVMOP_pagetable_dying 9
#define DOMID_SELF 0x7ff0
#define EPERM 1
#define ESRCH 3
#define ENODEV 19
#define EFAULT 14
#define EINVAL 22

#define P_CALLBACK_IRQ 0
#define P_STORE_PFN 1
#define P_STORE_EVTCHN 2
#define P_PAE_ENABLED 4
#define P_IOREQ_PFN 5
#define P_TIMER_MODE 10
#define P_IDENT_PT 12
#define P_ACPI_S_STATE 14
#define P_VM86_TSS 15
#define P_CONSOLE_PFN 17
#define P_CONSOLE_EVTCHN 18
#define P_ACPI_IOPORTS_LOCATION 19
#define P_NESTEDHVM 24
#define P_MEMORY_EVENT_MSR 30
#define P_TRIPLE_FAULT_REASON 31
#define P_VM_GENERATION_ID_ADDR 34
#define P_ALTP2M 35
#define P_X87_FIP_WIDTH 36
#define P_VM86_TSS_SIZED 37
#define NR_PARAMS 39

struct hvm_param {
	uint16_t domid;
	uint16_t pad;
	uint32_t index;
	uint64_t value;
};

static long set_param_dom(uint16_t domid, uint32_t index, uint64_t value)
{
	struct hvm_param p = { .domid = domid, .index = index, .value = value };

	return hypercall(HC_hvm_op, HVMOP_set_param, (unsigned long)&p, 0, 0, 0);
}

static long get_param_dom(uint16_t domid, uint32_t index, uint64_t *value)
{
	struct hvm_param p = { .domid = domid, .index = index, .value = 0xdeadbeef };
	long rc = hypercall(HC_hvm_op, HVMOP_get_param, (unsigned long)&p, 0, 0, 0);

	*value = p.value;
	return rc;
}

static long set_param(uint32_t index, uint64_t value)
{
	return set_param_dom(DOMID_SELF, index, value);
}

static long get_param(uint32_t index, uint64_t *value)
{
	return get_param_dom(DOMID_SELF, index, value);
}

static void expect_set(uint32_t index, uint64_t value, long want)
{
	long rc = set_param(index, value);

	xtest_check(rc == want, "set param %u = %#lx: %ld, want %ld", index, (unsigned long)value,
		    rc, want);
}

static void expect_get(uint32_t index, long want)
{
	uint64_t v;
	long rc = get_param(index, &v);

	xtest_check(rc == want, "get param %u: %ld, want %ld", index, rc, want);
}

/* Set @index to @value and read @read_index back: it must hold @want. */
static void round_trip(uint32_t index, uint64_t value, uint32_t read_index, uint64_t want)
{
	uint64_t v;
	long rc = set_param(index, value);

	xtest_check(rc == 0, "set param %u = %#lx: %ld", index, (unsigned long)value, rc);
	rc = get_param(read_index, &v);
	xtest_check(rc == 0 && v == want, "param %u after setting %u: %ld, %#lx, want %#lx",
		    read_index, index, rc, (unsigned long)v, (unsigned long)want);
}

static void check_refusals(void)
{
	uint64_t v;
	long rc;

	expect_get(NR_PARAMS, -EINVAL);
	expect_set(1000, 1, -EINVAL);
	expect_get(P_PAE_ENABLED, -EINVAL);
	expect_set(P_PAE_ENABLED, 1, -EINVAL);
	expect_get(P_NESTEDHVM, -EINVAL);
	expect_set(P_MEMORY_EVENT_MSR, 1, -EINVAL);
	/* The toolstack's parameters. */
	expect_get(P_TIMER_MODE, -EPERM);
	expect_get(P_IDENT_PT, -EPERM);
	expect_get(P_IOREQ_PFN, -EPERM);
	expect_get(P_TRIPLE_FAULT_REASON, -EPERM);
	expect_set(P_STORE_PFN, 0x1234, -EPERM);
	expect_set(P_CONSOLE_PFN, 0x1234, -EPERM);
	expect_set(P_TRIPLE_FAULT_REASON, 0, -EPERM);
	expect_set(P_ACPI_S_STATE, 3, -EPERM);
	expect_set(P_IDENT_PT, 0x1000, -EPERM);
	expect_set(P_ALTP2M, 1, -EPERM);
	/* A domain that does not exist. */
	rc = get_param_dom(0x7000, P_CALLBACK_IRQ, &v);
	xtest_check(rc == -ESRCH, "get param of domain 0x7000: %ld, want -ESRCH", rc);
	rc = set_param_dom(0x7000, P_CALLBACK_IRQ, 0);
	xtest_check(rc == -ESRCH, "set param of domain 0x7000: %ld, want -ESRCH", rc);
	/* Not a value the parameter takes. */
	expect_set(P_X87_FIP_WIDTH, 3, -EINVAL);
	expect_set(P_ACPI_IOPORTS_LOCATION, 1, -ENODEV);
}

static void check_readable(void)
{
	const uint32_t zero_at_boot[] = { P_CALLBACK_IRQ, P_STORE_PFN, P_CONSOLE_PFN, P_ALTP2M,
					  P_VM_GENERATION_ID_ADDR };
	uint64_t v;
	long rc;

	for (unsigned int i = 0; i < sizeof(zero_at_boot) / sizeof(zero_at_boot[0]); i++) {
		rc = get_param(zero_at_boot[i], &v);
		xtest_check(rc == 0 && v == 0, "get param %u at boot: %ld, %#lx", zero_at_boot[i],
			    rc, (unsigned long)v);
	}
	/* Our own id names us as DOMID_SELF does. */
	rc = get_param_dom(0, P_CALLBACK_IRQ, &v);
	xtest_check(rc == 0 && v == 0, "get param 0 of domain 0: %ld, %#lx", rc, (unsigned long)v);
}

static void check_settable(void)
{
	const uint64_t tss_max = 104 + 0x100 / 8 + 0x10000 / 8 + 1;

	round_trip(P_STORE_EVTCHN, 5, P_STORE_EVTCHN, 5);
	round_trip(P_CONSOLE_EVTCHN, 7, P_CONSOLE_EVTCHN, 7);
	round_trip(P_VM_GENERATION_ID_ADDR, 0xfc001000, P_VM_GENERATION_ID_ADDR, 0xfc001000);
	round_trip(P_X87_FIP_WIDTH, 4, P_X87_FIP_WIDTH, 4);
	round_trip(P_X87_FIP_WIDTH, 8, P_X87_FIP_WIDTH, 8);
	/* VM86_TSS is kept as VM86_TSS_SIZED with the 128 bytes old hvmloaders assume. */
	round_trip(P_VM86_TSS, 0x12345000, P_VM86_TSS, 0x12345000);
	round_trip(P_VM86_TSS, 0x12345000, P_VM86_TSS_SIZED, (128UL << 32) | 0x12345000);
	round_trip(P_VM86_TSS_SIZED, (200UL << 32) | 0x2000, P_VM86_TSS, 0x2000);
	round_trip(P_VM86_TSS_SIZED, (200UL << 32) | 0x2000, P_VM86_TSS_SIZED,
		   (200UL << 32) | 0x2000);
	round_trip(P_VM86_TSS_SIZED, (0x10000UL << 32) | 0x3000, P_VM86_TSS_SIZED,
		   (tss_max << 32) | 0x3000);
	/* CALLBACK_IRQ keeps what it was given, whatever the type. */
	round_trip(P_CALLBACK_IRQ, (2UL << 56) | 0xf3, P_CALLBACK_IRQ, (2UL << 56) | 0xf3);
	round_trip(P_CALLBACK_IRQ, 1, P_CALLBACK_IRQ, 1);
	round_trip(P_CALLBACK_IRQ, (1UL << 56) | (3 << 11) | 1, P_CALLBACK_IRQ,
		   (1UL << 56) | (3 << 11) | 1);
}

struct pagetable_dying {
	uint16_t domid;
	uint16_t pad[3];
	uint64_t gpa;
};

static long pagetable_dying(uint16_t domid, unsigned long arg_va)
{
	struct pagetable_dying a = { .domid = domid, .gpa = 0x1000 };

	return hypercall(HC_hvm_op, HVMOP_pagetable_dying, arg_va ? arg_va : (unsigned long)&a, 0,
			 0, 0);
}

static void check_pagetable_dying(void)
{
	long rc = pagetable_dying(DOMID_SELF, 0);

	xtest_check(rc == -EINVAL, "pagetable_dying on itself: %ld, want -EINVAL", rc);
	rc = pagetable_dying(0x7fe0, 0);
	xtest_check(rc == -ESRCH, "pagetable_dying on a domain that does not exist: %ld", rc);
	rc = pagetable_dying(DOMID_SELF, 0xffff800000000000UL);
	xtest_check(rc == -EFAULT, "pagetable_dying with an unmapped argument: %ld", rc);
}

void test_main(void)
{
	check_pagetable_dying();
	check_readable();
	check_refusals();
	check_settable();
}
