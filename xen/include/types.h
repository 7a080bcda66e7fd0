/* Basic types for the hypervisor; freestanding headers only. */
#ifndef PETREL_TYPES_H
#define PETREL_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

typedef u64 paddr_t;
typedef u64 mfn_t;
typedef u16 domid_t;

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define __packed __attribute__((packed))
#define __aligned(n) __attribute__((aligned(n)))
#define __noreturn __attribute__((noreturn))
#define __unused __attribute__((unused))
#define __section(s) __attribute__((section(s)))
/*
 * The null hypercall's path, linked together on one page (xen.lds): under
 * QEMU's TCG a direct call within a page is chained, one to another page
 * is a look-up, and the look-ups' jump-cache slots no longer move with
 * unrelated code.
 */
#define __hotpath __section(".text.hotpath")
/*
 * An HVM exit's path: the run loop, the instruction fetch and decode, the
 * hypercall and CPUID exits (__hvm_hot), then the MMIO and port exits
 * (__hvm_warm), linked together after the null hypercall's page. Under
 * QEMU's TCG every VMRUN and #VMEXIT flushes the softmmu TLB, so each code
 * page an exit touches costs a page walk on every exit.
 */
#define __hvm_hot __section(".text.hvmhot.1")
#define __hvm_warm __section(".text.hvmhot.2")
/* The data every HVM exit reads or writes, on as few pages as the code (xen.lds). */
#define __hvm_data __section(".data.hvmhot.1")
#define __hvm_data_big __section(".data.hvmhot.2") /* large arrays, after the rest */
#define __hvm_const __section(".data.hvmhot.0")	   /* read-only ones (a section of their own) */
#define __printf(a, b) __attribute__((format(printf, a, b)))

#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))

#endif
