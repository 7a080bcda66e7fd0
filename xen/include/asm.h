/* x86 instruction wrappers. */
#ifndef PETREL_ASM_H
#define PETREL_ASM_H

#include "types.h"

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}
static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u16 inw(u16 port)
{
	u16 v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u32 inl(u16 port)
{
	u32 v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}
static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}
static inline void cpuid_count(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
/* The CPU's vendor, from the 12-byte string of CPUID leaf 0 (ebx, edx, ecx). */
enum x86_vendor { X86_VENDOR_OTHER, X86_VENDOR_INTEL, X86_VENDOR_AMD, X86_VENDOR_HYGON };
static inline enum x86_vendor cpu_vendor(void)
{
	u32 a, b, c, d;

	cpuid_count(0, 0, &a, &b, &c, &d);
	if (b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e) /* GenuineIntel */
		return X86_VENDOR_INTEL;
	if (b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163) /* AuthenticAMD */
		return X86_VENDOR_AMD;
	if (b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975) /* HygonGenuine */
		return X86_VENDOR_HYGON;
	return X86_VENDOR_OTHER;
}
static inline u64 read_cr0(void)
{
	u64 v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}
static inline u64 read_cr2(void)
{
	u64 v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}
static inline void write_cr2(u64 v)
{
	__asm__ volatile("mov %0, %%cr2" : : "r"(v));
}
static inline u64 read_cr3(void)
{
	u64 v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}
static inline void write_cr3(u64 v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}
static inline u64 read_cr4(void)
{
	u64 v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}
static inline void write_cr4(u64 v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}
static inline void write_cr0(u64 v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}
static inline void cli(void)
{
	__asm__ volatile("cli" ::: "memory");
}
static inline void sti(void)
{
	__asm__ volatile("sti" ::: "memory");
}
static inline void halt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}
static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}
static inline void invlpg(unsigned long va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}
static inline u64 read_rflags(void)
{
	u64 f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

#define MSR_EFER 0xC0000080
#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_CSTAR 0xC0000083
#define MSR_FMASK 0xC0000084
#define MSR_FS_BASE 0xC0000100
#define MSR_GS_BASE 0xC0000101
#define MSR_SHADOW_GS_BASE 0xC0000102
#define MSR_PAT 0x277
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_APIC_BASE 0x1B
#define MSR_TSC_DEADLINE 0x6E0
#define MSR_TSC_AUX 0xC0000103

/* MSR_TSC_AUX exists on this CPU (it has rdtscp; pv/domain.c). */
bool cpu_has_tsc_aux(void);

#define EFER_SCE (1UL << 0)
#define EFER_LME (1UL << 8)
#define EFER_NXE (1UL << 11)
#define EFER_SVME (1UL << 12)

#define X86_EFLAGS_CF 0x1UL
#define X86_EFLAGS_MBS 0x2UL
#define X86_EFLAGS_TF 0x100UL
#define X86_EFLAGS_IF 0x200UL
#define X86_EFLAGS_DF 0x400UL
#define X86_EFLAGS_IOPL 0x3000UL
#define X86_EFLAGS_NT 0x4000UL
#define X86_EFLAGS_RF 0x10000UL
#define X86_EFLAGS_VM 0x20000UL
#define X86_EFLAGS_AC 0x40000UL

#define X86_CR0_TS (1UL << 3)
#define X86_CR4_TSD (1UL << 2)
#define X86_CR4_DE (1UL << 3)
#define X86_CR4_PAE (1UL << 5)
#define X86_CR4_PCE (1UL << 8)
#define X86_CR4_PGE (1UL << 7)
#define X86_CR4_OSFXSR (1UL << 9)
#define X86_CR4_FSGSBASE (1UL << 16)
#define X86_CR4_OSXMMEXCPT (1UL << 10)
#define X86_CR4_OSXSAVE (1UL << 18)
#define X86_CR4_SMEP (1UL << 20)

#endif
