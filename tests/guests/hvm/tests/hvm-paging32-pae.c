/*
 * hvm-paging32 in PAE paging mode (CR4.PAE, EFER.LME clear): PDPTE 0 maps the
 * first 4 MiB (a page table, then a 2 MiB page), the alias at 1 GiB is PDPTE 1
 * -> a PD -> a page table, and a second alias is a 2 MiB page (PDE 1 of that
 * PD); through each the read and the two hypercalls as there. Then CR3 is
 * switched, paging on, to a second PDPT mapping the alias elsewhere, and the
 * next read must see the other page. On VMX with EPT, VM entry takes the
 * PDPTEs from the VMCS: the hypervisor loads them when it emulates the CR0
 * write (without that the guest's first access page-faults: a triple fault).
 * On Xen 4.17 under QEMU the first instruction Xen must emulate in PAE mode
 * (mov from CR0, vmmcall) page-faults at its own RIP: QEMU's TCG walker sets
 * bit 5 of the PDPTEs, a reserved bit to Xen's walker (petrel-only.list).
 */
#include "xtest.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_MACHINE("q35");
TEST_DEVICE("amd-iommu");
TEST_HV_ARGS("dom0=pvh dom0_mem=64M");
TEST_EXPECT("paging32: PAE, 4 KiB pages");
TEST_EXPECT("paging32: PAE, a 2 MiB page");

#define P32_PAE
#include "hvm-paging32.c"
