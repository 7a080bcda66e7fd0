/*
 * Pieces of 32-bit code (paging off, data page at %esi = 0x101000, IDT at
 * 0x101800) for the HVM domUs the builder tests run. The including file
 * defines AT(label), the address of one of its labels once loaded, and the
 * handlers h_fault and h_spurious that HVM32_IDT_DEFAULTS points the IDT at
 * (through set_gate, which HVM32_SET_GATE defines).
 */
#ifndef HVM32_ASM_H
#define HVM32_ASM_H

/* clang-format off */
/*
 * The entry: %esi the data page, the stack below 0x10f000, a GDT at
 * 0x101600 (0x08 flat code, 0x10 flat data) loaded and the segments
 * reloaded from it (uses %eax and local label 0).
 */
#define HVM32_FLAT_START                                                                           \
	"mov $0x101000, %esi\n"                                                                    \
	"mov $0x10f000, %esp\n"                                                                    \
	"movl $0, 0x600(%esi)\n movl $0, 0x604(%esi)\n"                                            \
	"movl $0x0000ffff, 0x608(%esi)\n movl $0x00cf9a00, 0x60c(%esi)\n"                          \
	"movl $0x0000ffff, 0x610(%esi)\n movl $0x00cf9200, 0x614(%esi)\n"                          \
	"movw $0x17, 0x6f0(%esi)\n movl $0x101600, 0x6f2(%esi)\n"                                  \
	"lgdt 0x6f0(%esi)\n"                                                                       \
	"ljmp $0x08, $" AT(0f) "\n"                                                                \
	"0: mov $0x10, %eax\n mov %eax, %ds\n mov %eax, %es\n mov %eax, %ss\n"

/* IDT entries 0-31 to h_fault, 32-79 to h_spurious (uses %eax, %ebx, %edi). */
#define HVM32_IDT_DEFAULTS                                                                         \
	"lea 0x800(%esi), %edi\n"                                                                  \
	"xor %ebx, %ebx\n"                                                                         \
	"1: mov $" AT(h_fault) ", %eax\n"                                                          \
	"cmp $32, %ebx\n"                                                                          \
	"jb 2f\n"                                                                                  \
	"mov $" AT(h_spurious) ", %eax\n"                                                          \
	"2: call set_gate\n"                                                                       \
	"add $8, %edi\n"                                                                           \
	"inc %ebx\n"                                                                               \
	"cmp $80, %ebx\n"                                                                          \
	"jne 1b\n"

/*
 * The local APIC on with LINT0 in ExtINT mode (the PIC's INTR reaches the
 * CPU), the 8259 pair at vectors 0x20 and 0x28 with only IRQ 0 unmasked,
 * and PIT channel 0 in mode 2 at 100 Hz (11932, LSB then MSB).
 */
#define HVM32_PIC_PIT_100HZ                                                                        \
	"movl $0x1ff, 0xfee000f0\n"                                                                \
	"movl $0x700, 0xfee00350\n"                                                                \
	"mov $0x11, %al\n out %al, $0x20\n"                                                        \
	"mov $0x20, %al\n out %al, $0x21\n"                                                        \
	"mov $0x04, %al\n out %al, $0x21\n"                                                        \
	"mov $0x01, %al\n out %al, $0x21\n"                                                        \
	"mov $0x11, %al\n out %al, $0xa0\n"                                                        \
	"mov $0x28, %al\n out %al, $0xa1\n"                                                        \
	"mov $0x02, %al\n out %al, $0xa1\n"                                                        \
	"mov $0x01, %al\n out %al, $0xa1\n"                                                        \
	"mov $0xff, %al\n out %al, $0xa1\n"                                                        \
	"mov $0xfe, %al\n out %al, $0x21\n"                                                        \
	"mov $0x34, %al\n out %al, $0x43\n"                                                        \
	"mov $0x9c, %al\n out %al, $0x40\n"                                                        \
	"mov $0x2e, %al\n out %al, $0x40\n"

/* set_gate: a 32-bit interrupt gate (selector 0x08) at %edi for the handler at %eax. */
#define HVM32_SET_GATE                                                                             \
	"set_gate:\n"                                                                              \
	"push %ecx\n push %edx\n"                                                                  \
	"mov $0x08, %ecx\n shl $16, %ecx\n"                                                        \
	"mov %eax, %edx\n and $0xffff, %edx\n or %ecx, %edx\n mov %edx, (%edi)\n"                  \
	"mov %eax, %edx\n and $0xffff0000, %edx\n or $0x8e00, %edx\n mov %edx, 4(%edi)\n"          \
	"pop %edx\n pop %ecx\n ret\n"

/* clang-format on */

#endif
