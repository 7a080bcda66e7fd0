/*
 * MSR numbers the guest tests use in more than one test (PV and HVM),
 * from the Intel SDM vol. 4 and AMD APM vol. 2 (as Xen's msr-index.h
 * names them). One MSR per line; a test's own single-use MSRs stay in it.
 */
#ifndef GUEST_MSR_INDEX_H
#define GUEST_MSR_INDEX_H

/* Machine check: the Pentium-compatible pair, the global registers, bank 0 */
#define MSR_P5_MC_ADDR 0x0
#define MSR_P5_MC_TYPE 0x1
#define MSR_MCG_CAP 0x179
#define MSR_MCG_STATUS 0x17a
#define MSR_MCG_CTL 0x17b
#define MSR_MC0_CTL2 0x280 /* CMCI control of bank 0 (bank n: 0x280 + n) */
#define MSR_MC0_CTL 0x400  /* bank n: 0x400 + 4n, then STATUS, ADDR, MISC */
#define MSR_MCG_EXT_CTL 0x4d0

#define MSR_APIC_BASE 0x1b
#define MSR_MTRRCAP 0xfe

/* The long-mode MSRs */
#define MSR_EFER 0xc0000080
#define EFER_NXE (1UL << 11) /* no-execute bit in page tables */
#define MSR_FS_BASE 0xc0000100
#define MSR_TSC_AUX 0xc0000103 /* what rdtscp and rdpid return in ecx */

#endif
