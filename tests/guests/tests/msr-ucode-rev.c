/*
 * The microcode revision MSR (0x8b). On an Intel CPU, Linux writes 0 to it
 * before CPUID(1) and reads it back (early_init_intel): Xen drops the write
 * instead of delivering #GP, which Linux would report as an unchecked MSR
 * access with a call trace. On other vendors the write is refused with #GP.
 * The test asks for an Intel CPU; the runner's Xen mode boots -cpu max (AMD
 * under TCG), where the #GP side is checked.
 */
#include "xtest.h"

TEST_CPU("max,vendor=GenuineIntel");

__asm__(".pushsection .text\n"
	"ucode_write: mov $0x8b, %ecx; xor %eax, %eax; xor %edx, %edx; wrmsr; ret\n"
	".popsection\n");
extern void ucode_write(void *);

static bool cpu_is_intel(void)
{
	unsigned int a = 0, b, c = 0, d;

	__asm__ volatile("ud2; .ascii \"xen\"; cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e; /* GenuineIntel */
}

void test_main(void)
{
	struct xtest_fault f;
	bool intel = cpu_is_intel();
	bool faulted = xtest_catch(ucode_write, NULL, &f);

	printk("%s CPU: wrmsr 0x8b %s\n", intel ? "Intel" : "non-Intel",
	       faulted ? xtest_exc_name(f.vector) : "dropped");
	if (intel)
		xtest_check(!faulted, "wrmsr 0x8b on Intel gave %s", xtest_exc_name(f.vector));
	else
		xtest_check(faulted && f.vector == X86_EXC_GP, "wrmsr 0x8b elsewhere did not #GP");
}
