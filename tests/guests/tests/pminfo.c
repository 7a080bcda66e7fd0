/*
 * XENPF_set_processor_pminfo (platform_op 54) as answered by a hypervisor
 * that manages no C-, P- or T-states: Xen 4.17 booted with cpufreq=none
 * cpuidle=0 is the judge.
 *
 * XEN_PM_PDC vets the _PDC buffer Linux 6.7+ builds for its ACPI processor
 * objects ({revision 1, count >= 1, capability bits}): the capability word
 * keeps the C/P/T-state bits and SMP_C1PT, loses every other bit, and loses
 * the two FFH (MWAIT) C-state bits together when the CPU's MWAIT cannot wake
 * on a masked interrupt. The processor is named by its ACPI id (from the
 * MADT; ~0 for any): with two CPUs, ids 0 and 1 are served, 2 is -EINVAL.
 * A bad revision or count is -EINVAL, checked before the capability word is
 * read; an unreadable buffer or an unwritable capability word -EFAULT. The
 * Cx/Px/Tx tables are -ENOSYS, an unknown type -EINVAL.
 */
#include "xtest.h"

TEST_HV_ARGS("cpufreq=none cpuidle=0");
TEST_SMP("2");

#define HC_platform_op 7
#define XENPF_INTERFACE_VERSION 0x03000001
#define XENPF_set_processor_pminfo 54
#define XEN_PM_CX 0
#define XEN_PM_PX 1
#define XEN_PM_TX 2
#define XEN_PM_PDC 3
#define VIRT_BASE 0xffffffff80000000UL
#define EINVAL 22
#define ENOSYS 38

#define PDC_SMP_C1PT 0x0008
#define PDC_SMP_P_SWCOORD 0x0020
#define PDC_FFH_C 0x0300 /* C1 FFH, C2/C3 FFH */
#define PDC_KNOWN 0x0bff /* the C, P and T bits and SMP_C1PT */
#define PDC_UNKNOWN 0x80001400u

struct platform_op {
	uint32_t cmd, interface_version;
	union {
		struct {
			uint32_t id, type;
			uint32_t *pdc; /* or the Cx/Px tables' structures, unused here */
		} pminfo;
		uint8_t pad[128];
	} u;
};
_Static_assert(sizeof(struct platform_op) == 136, "xen_platform_op is 136 bytes");

/* Two pages: the second can be unmapped behind the first. */
static uint32_t pages[2][1024] __attribute__((aligned(4096)));

static long pminfo(uint32_t id, uint32_t type, uint32_t *buf)
{
	struct platform_op op = { .cmd = XENPF_set_processor_pminfo,
				  .interface_version = XENPF_INTERFACE_VERSION };

	op.u.pminfo.id = id;
	op.u.pminfo.type = type;
	op.u.pminfo.pdc = buf;
	return hypercall(HC_platform_op, (unsigned long)&op, 0, 0, 0, 0);
}

/* _PDC {rev, count, bits} for ACPI processor @id; *@out gets word 2 back. */
static long pdc(uint32_t id, uint32_t rev, uint32_t count, uint32_t bits, uint32_t *out)
{
	uint32_t buf[4] = { rev, count, bits, 0x5a5a5a5a };
	long rc = pminfo(id, XEN_PM_PDC, buf);

	xtest_check(buf[0] == rev && buf[1] == count && buf[3] == 0x5a5a5a5a,
		    "pdc(%#x, %u, %u): words 0, 1 or 3 changed: %#x %#x %#x", id, rev, count,
		    buf[0], buf[1], buf[3]);
	*out = buf[2];
	return rc;
}

/* Map page @va to its own frame with @flags (0: unmap it). */
static bool remap(void *va, uint64_t flags)
{
	unsigned long pfn = ((unsigned long)va - VIRT_BASE) >> 12;
	unsigned long mfn = ((unsigned long *)xtest_start_info->mfn_list)[pfn];
	uint64_t pte = flags ? (mfn << 12) | flags : 0;

	return hypercall_update_va_mapping((unsigned long)va, pte, UVMF_INVLPG) == 0;
}

static void check_bits(void)
{
	uint32_t out, ffh;
	long rc;

	rc = pdc(~0u, 1, 1, ~0u, &out);
	xtest_check(rc == 0, "pdc(all bits) = %ld", rc);
	ffh = out & PDC_FFH_C;
	xtest_check(
	    (out & ~PDC_FFH_C) == (PDC_KNOWN & ~PDC_FFH_C) && (ffh == 0 || ffh == PDC_FFH_C),
	    "pdc(all bits) gave %#x, expected %#x with both or neither FFH bit", out, PDC_KNOWN);
	printk("pdc(~0) = %#x (FFH C-state bits %s)\n", out, ffh ? "kept" : "dropped");
	rc = pdc(~0u, 1, 1, 0, &out);
	xtest_check(rc == 0 && out == 0, "pdc(0) = %ld, bits %#x", rc, out);
	rc = pdc(~0u, 1, 1, PDC_SMP_C1PT | PDC_UNKNOWN, &out);
	xtest_check(rc == 0 && out == PDC_SMP_C1PT, "pdc(C1PT|unknown) = %ld, bits %#x", rc, out);
	rc = pdc(~0u, 1, 2, PDC_SMP_P_SWCOORD | PDC_FFH_C, &out);
	xtest_check(rc == 0 && out == (PDC_SMP_P_SWCOORD | ffh),
		    "pdc(count 2, P_SWCOORD|FFH) = %ld, bits %#x", rc, out);
}

static void check_refusals(void)
{
	uint32_t out;
	long rc;

	rc = pdc(~0u, 0, 1, 0x8, &out);
	xtest_check(rc == -EINVAL && out == 0x8, "revision 0: %ld, bits %#x", rc, out);
	rc = pdc(~0u, 2, 1, 0x8, &out);
	xtest_check(rc == -EINVAL && out == 0x8, "revision 2: %ld, bits %#x", rc, out);
	rc = pdc(~0u, 1, 0, 0x8, &out);
	xtest_check(rc == -EINVAL && out == 0x8, "count 0: %ld, bits %#x", rc, out);
	for (uint32_t id = 0; id < 2; id++) {
		rc = pdc(id, 1, 1, 0x8, &out);
		xtest_check(rc == 0 && out == 0x8, "ACPI id %u: %ld, bits %#x", id, rc, out);
	}
	rc = pdc(2, 1, 1, 0x8, &out);
	xtest_check(rc == -EINVAL && out == 0x8, "ACPI id 2 (no such CPU): %ld", rc);
	rc = pdc(0x7fffffff, 1, 1, 0x8, &out);
	xtest_check(rc == -EINVAL, "ACPI id 0x7fffffff: %ld", rc);
	rc = pminfo(~0u, XEN_PM_PDC, NULL);
	xtest_check(rc == -XEN_EFAULT, "pdc(NULL) = %ld", rc);
	rc = pminfo(~0u, XEN_PM_PDC, (uint32_t *)0xffff830000000000UL);
	xtest_check(rc == -XEN_EFAULT, "pdc(hypervisor address) = %ld", rc);
	rc = hypercall(HC_platform_op, 0xffff830000000000UL, 0, 0, 0, 0);
	xtest_check(rc == -XEN_EFAULT, "platform_op(hypervisor address) = %ld", rc);
}

/* The capability word on an unmapped page, then on a read-only one. */
static void check_faults(void)
{
	uint32_t *end = &pages[0][1022];
	long rc;

	end[0] = 1;
	end[1] = 1;
	pages[1][0] = 0x8;
	if (!remap(pages[1], 0)) {
		xtest_fail("unmapping a page failed");
		return;
	}
	rc = pminfo(~0u, XEN_PM_PDC, end);
	xtest_check(rc == -XEN_EFAULT, "capability word unmapped: %ld", rc);
	end[0] = 2;
	rc = pminfo(~0u, XEN_PM_PDC, end);
	xtest_check(rc == -EINVAL, "bad revision, capability word unmapped: %ld", rc);
	xtest_check(remap(pages[1], PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D),
		    "mapping the page back failed");

	end = &pages[0][1021];
	end[0] = 1;
	end[1] = 1;
	end[2] = 0xffff;
	if (!remap(pages[0], PTE_P | PTE_US | PTE_A)) {
		xtest_fail("making a page read-only failed");
		return;
	}
	rc = pminfo(~0u, XEN_PM_PDC, end);
	xtest_check(rc == -XEN_EFAULT && end[2] == 0xffff,
		    "capability word read-only: %ld, bits %#x", rc, end[2]);
	xtest_check(remap(pages[0], PTE_P | PTE_RW | PTE_US | PTE_A | PTE_D),
		    "making the page writable again failed");
}

void test_main(void)
{
	long rc;

	check_bits();
	check_refusals();
	check_faults();
	rc = pminfo(0, XEN_PM_CX, NULL);
	xtest_check(rc == -ENOSYS, "XEN_PM_CX = %ld", rc);
	rc = pminfo(0, XEN_PM_PX, NULL);
	xtest_check(rc == -ENOSYS, "XEN_PM_PX = %ld", rc);
	rc = pminfo(0, XEN_PM_TX, NULL);
	xtest_check(rc == -ENOSYS, "XEN_PM_TX = %ld", rc);
	rc = pminfo(0, 4, NULL);
	xtest_check(rc == -EINVAL, "type 4 = %ld", rc);
	rc = pminfo(0, 0x80000000u, NULL);
	xtest_check(rc == -EINVAL, "type 0x80000000 = %ld", rc);
}
