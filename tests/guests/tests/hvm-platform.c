/*
 * The platform devices Xen emulates itself for an HVM domain created with
 * the full emulation set (libxl's type=hvm, 0x3ff): the control domain
 * builds one with the builder library and its 32-bit code (paging off)
 * programs the 8259 pair (vectors 0x20/0x28, ExtINT through LINT0) and the
 * PIT (channel 0, mode 2, 100 Hz) and takes five timer interrupts through
 * the PIC, then five more with LINT0 masked and IO-APIC pin 0 in ExtINT
 * mode (the virtual wire hvmloader sets up); masks the PIC and takes five more through IO-APIC pin 2 (ISA
 * IRQ 0's override, vector 0x31, EOI at the local APIC) while the PIC's
 * count stands still; loads channel 0 in mode 0 (no IRQ 0 follows, as on
 * Xen 4.17) and then in mode 4 (one follows); reads the RTC (registers A, B, D and the seconds in
 * BCD); reads the ACPI PM timer at 0x1F48 twice and sees it advance,
 * moves it to 0xB008 with HVM_PARAM_ACPI_IOPORTS_LOCATION and reads it
 * there (0x1F48 now reads all-ones); reads and writes guest-physical
 * 0xF0000000, which nothing claims (reads give all-ones, the write goes
 * nowhere, as Xen's null handler; movzwl and movsbl there extend the
 * all-ones, cmp there sets the flags from them); runs CPUID in 16-bit protected mode,
 * drops to real mode with a mov to %cr0 from 16-bit code, runs CPUID there
 * and comes back (hvmloader's way into the BIOS); takes three periodic RTC interrupts
 * (64 Hz, IRQ 8 through the slave PIC, register C read in the handler);
 * unmasks IRQ 5 and waits. The control domain, acting as device model,
 * raises ISA IRQ 5 with dm_op set_isa_irq_level: the guest takes it on
 * vector 0x25 (once: the pin is edge-triggered; the line goes low again
 * after that); puts IO-APIC pin 10 in NMI delivery mode and takes one NMI
 * (vector 2) when the control domain raises ISA IRQ 10; programs IO-APIC
 * pin 28 (PCI device 3 INTA) level-triggered and takes it when the control
 * domain asserts it with set_pci_intx_level (masking the pin in its
 * handler); takes three MSIs injected with
 * inject_msi (at 0xFEE00000; at offset 0, as QEMU's xen-apic passes the
 * address; at offset 0x1004, logical destination 1 after the guest set
 * its LDR and the flat model); writes ACPI S5 to PM1a control at 0xB004 (Xen leaves that
 * port to the device model: nobody serves it here) and halts, and the
 * control domain ends it with dm_op remote_shutdown(poweroff) as QEMU
 * does on S5. Then gethvmcontext: the PIC, IO-APIC, PIT, RTC and PM timer
 * records show what the guest programmed, and sethvmcontext takes the
 * stream back. Refusals on the way: an emulation set Xen
 * does not accept, IRQ numbers and levels out of range.
 */
#include "builder.h"
#include "hvm32-asm.h"

TEST_CPU("qemu64,+svm,+npt");
TEST_HV_ARGS("dom0_mem=64M");

#define HC_dm_op 41
#define DMOP_set_pci_intx_level 8
#define DMOP_set_isa_irq_level 9
#define DMOP_set_pci_link_route 10
#define DMOP_inject_msi 14
#define DMOP_remote_shutdown 16
#define SHUTDOWN_poweroff 0

/* The guest's data page (guest-physical 0x101000). */
#define D_PIC_TICKS 0x00
#define D_APIC_TICKS 0x04
#define D_IRQ5 0x08
#define D_RTC_SEC 0x0c
#define D_RTC_B 0x10
#define D_RTC_D 0x14
#define D_RTC_A 0x18
#define D_PM1 0x1c
#define D_PM2 0x20
#define D_MARK 0x24
#define D_SPURIOUS 0x28
#define D_PIC_BEFORE 0x2c
#define D_PIC_AFTER 0x30
#define D_FAULT 0x34
#define D_RTC_IRQS 0x38 /* periodic RTC interrupts taken */
#define D_RTC_C 0x3c	/* register C as the last of them read it */
#define D_CRASH 0x44	/* sched_shutdown { crash } */
#define D_SETPARAM 0x4c /* HVMOP_set_param's result */
#define D_PM_NEW 0x50	/* the PM timer at 0xB008 after the move */
#define D_PM_OLD 0x54	/* 0x1F48 after the move */
#define D_INTX 0x58	/* PCI INTx interrupts taken (vector 0x40) */
#define D_MSI 0x5c	/* MSIs taken (vector 0x41) */
#define D_PARAM 0x60	/* struct xen_hvm_param */
#define D_NULL_A 0x70	/* unclaimed MMIO read into eax (moffs form) */
#define D_NULL_B 0x74	/* the same into ebx after a write there (ModRM form) */
#define D_NULL_W 0x78	/* a 16-bit read into a zeroed ecx */
#define D_CPUID16 0x7c	/* CPUID leaf 0's eax in 16-bit protected mode */
#define D_CPUID_REAL 0x80 /* the same in real mode */
#define D_NULL_ZX 0x84	/* movzwl of unclaimed MMIO into a register holding ~0 */
#define D_NULL_SX 0x88	/* movsbl of it into a zeroed register */
#define D_NULL_CMP 0x8c /* cmpw $0xffff there: sete; cmpl $1: seta (byte 0x8d) */
#define D_NMI 0x90	/* NMIs taken (vector 2) */
#define D_NMI_READY 0x94 /* IO-APIC pin 10 is in NMI mode: the device model may raise it */
#define D_PIT_MODE0 0x98 /* PIT ticks in the 150 ms after channel 0's mode-0 count */
#define D_PIT_MODE4 0x9c /* PIT ticks in the 50 ms after its mode-4 count */

/* Address of a label of the code once loaded at 1 MiB. */
#define AT(l) "(0x100000 + " #l " - platform_code_start)"

__asm__(".pushsection .rodata\n"
	".globl platform_code_start, platform_code_end\n"
	"platform_code_start:\n"
	".code32\n"
	"mov $0x101000, %esi\n"
	"mov $0x10f000, %esp\n" /* the stack: the top of the last RAM pages */
	/* A GDT of our own at 0x101600 (gates need one): 0x08 flat code, 0x10 flat data. */
	"movl $0, 0x600(%esi)\n movl $0, 0x604(%esi)\n"
	"movl $0x0000ffff, 0x608(%esi)\n movl $0x00cf9a00, 0x60c(%esi)\n"
	"movl $0x0000ffff, 0x610(%esi)\n movl $0x00cf9200, 0x614(%esi)\n"
	/* 0x18: 16-bit code based at the code's load address (1 MiB), 64 KiB. */
	"movl $0x0000ffff, 0x618(%esi)\n movl $0x00009a10, 0x61c(%esi)\n"
	"movw $0x1f, 0x6f0(%esi)\n movl $0x101600, 0x6f2(%esi)\n"
	"lgdt 0x6f0(%esi)\n"
	"ljmp $0x08, $" AT(0f) "\n"
	"0: mov $0x10, %eax\n mov %eax, %ds\n mov %eax, %es\n mov %eax, %ss\n"
	/* IDT at 0x101800: 0-31 faults, 32-63 spurious, then the three in use. */
	HVM32_IDT_DEFAULTS
	"mov $" AT(h_pic0) ", %eax\n"
	"lea (0x800 + 8 * 0x20)(%esi), %edi\n"
	"call set_gate\n"
	"mov $" AT(h_pic5) ", %eax\n"
	"lea (0x800 + 8 * 0x25)(%esi), %edi\n"
	"call set_gate\n"
	"mov $" AT(h_rtc) ", %eax\n"
	"lea (0x800 + 8 * 0x28)(%esi), %edi\n"
	"call set_gate\n"
	"mov $" AT(h_ioapic) ", %eax\n"
	"lea (0x800 + 8 * 0x31)(%esi), %edi\n"
	"call set_gate\n"
	"mov $" AT(h_intx) ", %eax\n"
	"lea (0x800 + 8 * 0x40)(%esi), %edi\n"
	"call set_gate\n"
	"mov $" AT(h_msi) ", %eax\n"
	"lea (0x800 + 8 * 0x41)(%esi), %edi\n"
	"call set_gate\n"
	"mov $" AT(h_nmi) ", %eax\n"
	"lea (0x800 + 8 * 2)(%esi), %edi\n"
	"call set_gate\n"
	"movw $0x27f, 0x700(%esi)\n"
	"movl $0x101800, 0x702(%esi)\n"
	"lidt 0x700(%esi)\n"
	/* LINT0 ExtINT, the 8259 pair (only IRQ 0 unmasked), PIT channel 0 at 100 Hz. */
	HVM32_PIC_PIT_100HZ
	"3: cli\n"
	"cmpl $5, 0x00(%esi)\n"
	"jae 4f\n"
	"sti\n hlt\n"
	"jmp 3b\n"
	/*
	 * Virtual wire through the IO-APIC, as hvmloader sets it up: LINT0
	 * masked, IO-APIC pin 0 unmasked in ExtINT mode for APIC 0; five
	 * more ticks, then LINT0 back and pin 0 masked.
	 */
	"4: movl $0x10700, 0xfee00350\n"
	"movl $0x11, 0xfec00000\n movl $0, 0xfec00010\n"
	"movl $0x10, 0xfec00000\n movl $0x700, 0xfec00010\n"
	"8: cli\n"
	"cmpl $10, 0x00(%esi)\n"
	"jae 9f\n"
	"sti\n hlt\n"
	"jmp 8b\n"
	"9: movl $0x10700, 0xfec00010\n"
	"movl $0x700, 0xfee00350\n"
	/* PIC masked; IO-APIC pin 2 -> vector 0x31, physical APIC 0, edge. */
	"mov $0xff, %al\n out %al, $0x21\n"
	"mov 0x00(%esi), %eax\n mov %eax, 0x2c(%esi)\n"
	"movl $0x15, 0xfec00000\n"
	"movl $0, 0xfec00010\n"
	"movl $0x14, 0xfec00000\n"
	"movl $0x31, 0xfec00010\n"
	"5: cli\n"
	"cmpl $5, 0x04(%esi)\n"
	"jae 6f\n"
	"sti\n hlt\n"
	"jmp 5b\n"
	"6: movl $0x10031, 0xfec00010\n"
	"mov 0x00(%esi), %eax\n mov %eax, 0x30(%esi)\n"
	/*
	 * PIT channel 0 one-shot, IRQ 0 unmasked at the PIC: mode 0 with a
	 * count of 65536 (55 ms), a 5 ms window for a tick the PIC latched
	 * while masked, then the ticks of the next 150 ms; mode 4 with a
	 * count of 1193 (1 ms) and the ticks of the next 50 ms. Then mode 2
	 * at 100 Hz again and the PIC masked, as before.
	 */
	"mov $0x30, %al\n out %al, $0x43\n xor %eax, %eax\n out %al, $0x40\n out %al, $0x40\n"
	"mov $0xfe, %al\n out %al, $0x21\n"
	"mov $17898, %ecx\n call pm_wait\n"
	"mov 0x00(%esi), %ebx\n"
	"mov $536932, %ecx\n call pm_wait\n"
	"mov 0x00(%esi), %eax\n sub %ebx, %eax\n mov %eax, 0x98(%esi)\n"
	"mov $0x38, %al\n out %al, $0x43\n"
	"mov 0x00(%esi), %ebx\n"
	"mov $0xa9, %al\n out %al, $0x40\n mov $0x04, %al\n out %al, $0x40\n"
	"mov $178977, %ecx\n call pm_wait\n"
	"mov 0x00(%esi), %eax\n sub %ebx, %eax\n mov %eax, 0x9c(%esi)\n"
	"mov $0xff, %al\n out %al, $0x21\n"
	"mov $0x34, %al\n out %al, $0x43\n"
	"mov $0x9c, %al\n out %al, $0x40\n mov $0x2e, %al\n out %al, $0x40\n"
	/* The RTC: registers A, B, D and the seconds. */
	"mov $0x0a, %al\n out %al, $0x70\n in $0x71, %al\n movzbl %al, %eax\n mov %eax, 0x18(%esi)\n"
	"mov $0x0b, %al\n out %al, $0x70\n in $0x71, %al\n movzbl %al, %eax\n mov %eax, 0x10(%esi)\n"
	"mov $0x0d, %al\n out %al, $0x70\n in $0x71, %al\n movzbl %al, %eax\n mov %eax, 0x14(%esi)\n"
	"mov $0x00, %al\n out %al, $0x70\n in $0x71, %al\n movzbl %al, %eax\n mov %eax, 0x0c(%esi)\n"
	/* The PM timer twice, some time apart. */
	"mov $0x1f48, %edx\n"
	"in %dx, %eax\n mov %eax, 0x1c(%esi)\n"
	"mov $200000, %ecx\n"
	"7: pause\n loop 7b\n"
	"in %dx, %eax\n mov %eax, 0x20(%esi)\n"
	/* HVMOP_set_param(ACPI_IOPORTS_LOCATION, 1): the timer moves to 0xB008. */
	"mov $34, %eax\n xor %ebx, %ebx\n lea 0x60(%esi), %ecx\n vmmcall\n mov %eax, 0x4c(%esi)\n"
	"mov $0xb008, %edx\n in %dx, %eax\n mov %eax, 0x50(%esi)\n"
	"mov $0x1f48, %edx\n in %dx, %eax\n mov %eax, 0x54(%esi)\n"
	/*
	 * Guest-physical 0xF0000000 is no RAM, no device and no ioreq server's:
	 * reads give all-ones (a 16-bit one leaves the register's upper half)
	 * and the write in between goes nowhere.
	 */
	"movl 0xf0000000, %eax\n mov %eax, 0x70(%esi)\n"
	"movl $0x12345678, 0xf0000000\n"
	"xor %ebx, %ebx\n mov 0xf0000000, %ebx\n mov %ebx, 0x74(%esi)\n"
	"xor %ecx, %ecx\n movw 0xf0000000, %cx\n mov %ecx, 0x78(%esi)\n"
	/* Extending reads and compares there too (hvmloader probes the TPM and HPET so). */
	"mov $-1, %edx\n movzwl 0xf0000000, %edx\n mov %edx, 0x84(%esi)\n"
	"xor %edx, %edx\n movsbl 0xf0000000, %edx\n mov %edx, 0x88(%esi)\n"
	"cmpw $0xffff, 0xf0000000\n sete 0x8c(%esi)\n"
	"cmpl $1, 0xf0000000\n seta 0x8d(%esi)\n"
	/*
	 * 16-bit code, the way hvmloader enters the BIOS: CPUID in 16-bit
	 * protected mode, CR0.PE cleared by a mov to %cr0 from 16-bit code,
	 * CPUID in real mode (CS 0xfff0 reaches the code at 1 MiB), PE set
	 * again and a far jump back. Each exit is decoded as 16-bit code. (CS
	 * RPL 0: Bochs 2.7 takes the CPL after a VM entry from CS's RPL, not
	 * SS.DPL, and would refuse the far jump back from 0xffff's CPL 3.)
	 */
	"pushf\n cli\n pushal\n"
	"ljmp $0x18, $(r16 - platform_code_start)\n"
	".code16\n"
	"r16: xor %eax, %eax\n cpuid\n mov %eax, %ebp\n"
	"mov %cr0, %eax\n and $0xfffffffe, %eax\n mov %eax, %cr0\n"
	"ljmp $0xfff0, $(r16_real - platform_code_start + 0x100)\n"
	"r16_real: xor %eax, %eax\n cpuid\n mov %eax, %edi\n"
	"mov %cr0, %eax\n or $1, %eax\n mov %eax, %cr0\n"
	"ljmpl $0x08, $" AT(r32_back) "\n"
	".code32\n"
	"r32_back: mov %ebp, 0x7c(%esi)\n mov %edi, 0x80(%esi)\n"
	"popal\n popf\n"
	/*
	 * The RTC's periodic interrupt at 64 Hz (A = 0x2a, B = PIE | 24h):
	 * IRQ 8 through the slave and master pin 2, three of them.
	 */
	"mov $0xfe, %al\n out %al, $0xa1\n"
	"mov $0xfb, %al\n out %al, $0x21\n"
	"mov $0x0a, %al\n out %al, $0x70\n mov $0x2a, %al\n out %al, $0x71\n"
	"mov $0x0b, %al\n out %al, $0x70\n mov $0x42, %al\n out %al, $0x71\n"
	"16: cli\n"
	"cmpl $3, 0x38(%esi)\n"
	"jae 17f\n"
	"sti\n hlt\n"
	"jmp 16b\n"
	"17: mov $0x0b, %al\n out %al, $0x70\n mov $0x02, %al\n out %al, $0x71\n"
	"mov $0xff, %al\n out %al, $0xa1\n"
	/* IRQ 5 unmasked; tell the device model and wait for it. */
	"mov $0xdf, %al\n out %al, $0x21\n"
	"movl $1, 0x24(%esi)\n"
	"8: cli\n"
	"cmpl $1, 0x08(%esi)\n"
	"jae 9f\n"
	"sti\n hlt\n"
	"jmp 8b\n"
	/*
	 * ACPI S5 (SLP_TYP 5 | SLP_EN) into PM1a control at 0xB004: the device
	 * model's port on Xen, nobody's here, so the write is dropped and the
	 * control domain, as QEMU would, ends the domain with remote_shutdown.
	 */
	/*
	 * PCI device 3 INTA: IO-APIC pin 16 + 12 = 28, level, vector 0x40.
	 * Its handler masks the pin before the EOI, as Linux does for level
	 * interrupts, so the line the device model still holds does not storm.
	 */
	/*
	 * IO-APIC pin 10 (ISA IRQ 10, masked at the PIC) in NMI delivery mode,
	 * edge, physical APIC 0: the device model raises the line and the guest
	 * takes an NMI, vector 2 (the entry's vector field is not used).
	 */
	"9: movl $0x25, 0xfec00000\n movl $0, 0xfec00010\n"
	"movl $0x24, 0xfec00000\n movl $0x400, 0xfec00010\n"
	"movl $1, 0x94(%esi)\n"
	"18: cli\n"
	"cmpl $1, 0x90(%esi)\n"
	"jae 19f\n"
	"sti\n hlt\n"
	"jmp 18b\n"
	"19: movl $0x10400, 0xfec00010\n"
	"movl $0x48, 0xfec00000\n"
	"movl $0x8040, 0xfec00010\n"
	"movl $2, 0x24(%esi)\n"
	"12: cli\n"
	"cmpl $1, 0x58(%esi)\n"
	"jae 13f\n"
	"sti\n hlt\n"
	"jmp 12b\n"
	/*
	 * Three MSIs from the device model on vector 0x41, the last one to
	 * logical destination 1: the flat model, this APIC's bit 0.
	 */
	"13: movl $0xffffffff, 0xfee000e0\n"
	"movl $0x01000000, 0xfee000d0\n"
	"movl $3, 0x24(%esi)\n"
	"14: cli\n"
	"cmpl $3, 0x5c(%esi)\n"
	"jae 15f\n"
	"sti\n hlt\n"
	"jmp 14b\n"
	"15: mov $0xb004, %edx\n mov $0x3400, %eax\n out %ax, %dx\n"
	"movl $4, 0x24(%esi)\n"
	"10: sti\n hlt\n jmp 10b\n"
	HVM32_SET_GATE
	/* Interrupts on for %ecx ticks of the PM timer at 0x1F48 (24 bits counted), then off. */
	"pm_wait:\n push %edx\n mov $0x1f48, %edx\n in %dx, %eax\n mov %eax, %edi\n sti\n"
	"1: pause\n in %dx, %eax\n sub %edi, %eax\n and $0xffffff, %eax\n cmp %ecx, %eax\n"
	"jb 1b\n cli\n pop %edx\n ret\n"
	"h_pic0:\n push %eax\n incl 0x101000\n mov $0x20, %al\n out %al, $0x20\n pop %eax\n iret\n"
	"h_pic5:\n push %eax\n incl 0x101008\n mov $0x20, %al\n out %al, $0x20\n pop %eax\n iret\n"
	"h_ioapic:\n incl 0x101004\n movl $0, 0xfee000b0\n iret\n"
	"h_spurious:\n incl 0x101028\n iret\n"
	/* IRQ 8: reading register C acknowledges the RTC; EOI to both PICs. */
	"h_rtc:\n push %eax\n incl 0x101038\n"
	"mov $0x0c, %al\n out %al, $0x70\n in $0x71, %al\n mov %al, 0x10103c\n"
	"mov $0x20, %al\n out %al, $0xa0\n out %al, $0x20\n pop %eax\n iret\n"
	"h_intx:\n incl 0x101058\n"
	"movl $0x48, 0xfec00000\n movl $0x18040, 0xfec00010\n"
	"movl $0, 0xfee000b0\n iret\n"
	"h_msi:\n incl 0x10105c\n movl $0, 0xfee000b0\n iret\n"
	"h_nmi:\n incl 0x101090\n iret\n"
	"h_fault:\n movl $0xdead, 0x101034\n"
	"mov $29, %eax\n mov $2, %ebx\n mov $0x101044, %ecx\n vmmcall\n"
	"11: jmp 11b\n"
	".code64\n"
	"platform_code_end:\n"
	".popsection\n");
extern const uint8_t platform_code_start[], platform_code_end[];

static uint8_t window[4096] __attribute__((aligned(4096)));
static uint8_t context[16384] __attribute__((aligned(16)));

/* Xen's save record codes and the fields checked here (public/arch-x86/hvm/save.h). */
#define SAVE_END 0
#define SAVE_PIC 3
#define SAVE_IOAPIC 4
#define SAVE_PIT 10
#define SAVE_RTC 11
#define SAVE_PMTIMER 13
struct save_desc {
	uint16_t typecode, instance;
	uint32_t length;
};

/* struct xen_dm_op with the members this test uses. */
struct dm_op {
	uint32_t op, pad;
	union {
		struct {
			uint8_t isa_irq, level;
		} isa;
		struct {
			uint16_t domain;
			uint8_t bus, device, intx, level;
		} intx;
		struct {
			uint8_t link, isa_irq;
		} link;
		uint32_t shutdown_reason;
		struct {
			uint32_t data, pad;
			uint64_t addr;
		} msi;
		uint8_t raw[256];
	} u;
};
struct dm_buf {
	void *p;
	uint64_t size;
};

static long dm_op(uint16_t dom, struct dm_op *op)
{
	struct dm_buf b = { op, sizeof(*op) };

	return hypercall(HC_dm_op, dom, 1, (unsigned long)&b, 0, 0);
}

static long isa_irq(uint16_t dom, unsigned int irq, unsigned int level)
{
	struct dm_op o;

	memset(&o, 0, sizeof(o));
	o.op = DMOP_set_isa_irq_level;
	o.u.isa.isa_irq = (uint8_t)irq;
	o.u.isa.level = (uint8_t)level;
	return dm_op(dom, &o);
}

static void refusals(uint16_t dom)
{
	struct dm_op o;
	struct dctl op;
	long rc;

	builder_fill_create(&op);
	op.u.create.flags = XEN_DOMCTL_CDF_hvm | XEN_DOMCTL_CDF_hap;
	op.u.create.emulation_flags = 0x31; /* LAPIC, IOAPIC and PIC alone */
	rc = domctl(XEN_DOMCTL_createdomain, 0, &op);
	xtest_check(rc == -EOPNOTSUPP, "createdomain with emulation flags 0x31: %ld", rc);
	if (!rc) {
		struct tiny_dom t = { .id = op.domain };

		tiny_destroy(&t);
	}
	rc = isa_irq(dom, 16, 1);
	xtest_check(rc == -EINVAL, "set_isa_irq_level 16: %ld", rc);
	rc = isa_irq(dom, 5, 2);
	xtest_check(rc == -EINVAL, "set_isa_irq_level level 2: %ld", rc);
	memset(&o, 0, sizeof(o));
	o.op = DMOP_set_pci_intx_level;
	o.u.intx.device = 32;
	o.u.intx.level = 1;
	rc = dm_op(dom, &o);
	xtest_check(rc == -EINVAL, "set_pci_intx_level device 32: %ld", rc);
	memset(&o, 0, sizeof(o));
	o.op = DMOP_set_pci_link_route;
	o.u.link.link = 4;
	rc = dm_op(dom, &o);
	xtest_check(rc == -EINVAL, "set_pci_link_route link 4: %ld", rc);
}

static uint32_t word(unsigned int off)
{
	return *(volatile uint32_t *)(window + off);
}

static bool bcd_ok(uint32_t v, uint32_t max)
{
	return (v & 0xf) <= 9 && (v >> 4) <= 9 && v <= max;
}

static void check_results(void)
{
	uint32_t pm1 = word(D_PM1), pm2 = word(D_PM2);

	xtest_check(word(D_FAULT) == 0, "the guest took an exception");
	xtest_check(word(D_PIC_TICKS) >= 10, "timer interrupts through the PIC (5 by LINT0, "
		    "5 by IO-APIC pin 0): %u",
		    word(D_PIC_TICKS));
	xtest_check(word(D_APIC_TICKS) >= 5, "timer interrupts through the IO-APIC: %u",
		    word(D_APIC_TICKS));
	xtest_check(word(D_PIC_BEFORE) == word(D_PIC_AFTER),
		    "PIC interrupts while it was masked: %u then %u", word(D_PIC_BEFORE),
		    word(D_PIC_AFTER));
	/* Xen 4.17's i8254 arms no timer for mode 0 (an 8254 would raise IRQ 0 once). */
	xtest_check(word(D_PIT_MODE0) == 0, "PIT channel 0 mode 0: %u IRQ 0s, want none",
		    word(D_PIT_MODE0));
	xtest_check(word(D_PIT_MODE4) == 1, "PIT channel 0 mode 4: %u IRQ 0s, want one",
		    word(D_PIT_MODE4));
	xtest_check(word(D_IRQ5) == 1, "ISA IRQ 5 taken %u times", word(D_IRQ5));
	xtest_check(word(D_NMI) == 1, "NMIs from IO-APIC pin 10: %u", word(D_NMI));
	xtest_check((word(D_RTC_A) & 0x7f) == 0x26, "RTC register A: %#x", word(D_RTC_A));
	xtest_check(word(D_RTC_B) == 0x02, "RTC register B (24 hours, BCD): %#x", word(D_RTC_B));
	xtest_check(word(D_RTC_D) == 0x80, "RTC register D (valid RAM and time): %#x",
		    word(D_RTC_D));
	xtest_check(bcd_ok(word(D_RTC_SEC), 0x59), "RTC seconds in BCD: %#x", word(D_RTC_SEC));
	/* 3.58 MHz: any real delay moves it, and a minute is far more than the loop takes. */
	xtest_check(pm2 != pm1 && pm2 - pm1 < 60u * 3579545u, "PM timer %#x then %#x", pm1, pm2);
	xtest_check(word(D_SETPARAM) == 0, "HVMOP_set_param ACPI_IOPORTS_LOCATION 1: %d",
		    (int)word(D_SETPARAM));
	xtest_check(word(D_PM_NEW) - pm2 < 60u * 3579545u, "PM timer at 0xB008 after the move: %#x",
		    word(D_PM_NEW));
	xtest_check(word(D_PM_OLD) == 0xffffffff, "0x1F48 after the move: %#x", word(D_PM_OLD));
	xtest_check(word(D_CPUID16) != 0 && word(D_CPUID_REAL) == word(D_CPUID16),
		    "CPUID leaf 0 in 16-bit protected mode %#x, in real mode %#x",
		    word(D_CPUID16), word(D_CPUID_REAL));
	xtest_check(word(D_NULL_A) == 0xffffffff && word(D_NULL_B) == 0xffffffff &&
		    word(D_NULL_W) == 0xffff, "unclaimed MMIO read %#x, %#x after a write, %#x (16-bit)",
		    word(D_NULL_A), word(D_NULL_B), word(D_NULL_W));
	xtest_check(word(D_NULL_ZX) == 0xffff && word(D_NULL_SX) == 0xffffffff &&
		    (word(D_NULL_CMP) & 0xffff) == 0x0101,
		    "unclaimed MMIO by movzwl %#x, movsbl %#x, cmp flags (sete, seta) %#x",
		    word(D_NULL_ZX), word(D_NULL_SX), word(D_NULL_CMP) & 0xffff);
	xtest_check(word(D_RTC_IRQS) >= 3, "RTC periodic interrupts: %u", word(D_RTC_IRQS));
	xtest_check((word(D_RTC_C) & 0xc0) == 0xc0, "RTC register C in its interrupt: %#x",
		    word(D_RTC_C) & 0xff);
	xtest_check(word(D_INTX) == 1 && word(D_MSI) == 3, "INTx taken %u times, MSI %u times",
		    word(D_INTX), word(D_MSI));
	printk("PIC ticks %u, IO-APIC ticks %u, spurious %u, RTC sec %#x, PM timer +%u\n",
	       word(D_PIC_TICKS), word(D_APIC_TICKS), word(D_SPURIOUS), word(D_RTC_SEC), pm2 - pm1);
	printk("PIT channel 0 one-shot: mode 0 %u IRQ 0s, mode 4 %u\n", word(D_PIT_MODE0),
	       word(D_PIT_MODE4));
}

/* Wait for @cond (up to a few seconds of yields). */
static uint16_t guest_dom;

/* The guest has shut down (a triple fault, a crash): nothing more will come. */
static bool guest_down(void)
{
	struct dctl op;

	memset(&op, 0, sizeof(op));
	return domctl(XEN_DOMCTL_getdomaininfo, guest_dom, &op) == 0 &&
	       (op.u.info.flags & XEN_DOMINF_shutdown);
}

static bool wait_for(unsigned int off, uint32_t at_least)
{
	for (unsigned long i = 0; i < 2000000 && word(off) < at_least; i++) {
		if (i % 1024 == 0 && guest_down())
			break;
		hypercall(HC_sched_op, SCHEDOP_yield, 0, 0, 0, 0);
	}
	return word(off) >= at_least;
}

/*
 * Raise ISA IRQ @irq and lower it once the guest's counter at @taken shows
 * it was taken: an ISA line dropped before the CPU acknowledges it is
 * lost, on an 8259 as on Xen's.
 */
static void isa_edge(uint16_t dom, unsigned int irq, unsigned int taken, const char *what)
{
	long rc = isa_irq(dom, irq, 1);

	xtest_check(rc == 0, "set_isa_irq_level %u high: %ld", irq, rc);
	xtest_check(wait_for(taken, 1), "the guest never took %s", what);
	rc = isa_irq(dom, irq, 0);
	xtest_check(rc == 0, "set_isa_irq_level %u low: %ld", irq, rc);
}

/* Wait for the guest to be ready for IRQ 5, then its edge. */
static void raise_irq5(uint16_t dom)
{
	if (!wait_for(D_MARK, 1)) {
		xtest_fail("the guest never got to wait for IRQ 5 (mark %u, PIC ticks %u, IO-APIC "
			   "ticks %u, fault %#x, RTC interrupts %u, CPUID %#x/%#x)",
			   word(D_MARK), word(D_PIC_TICKS), word(D_APIC_TICKS), word(D_FAULT),
			   word(D_RTC_IRQS), word(D_CPUID16), word(D_CPUID_REAL));
		return;
	}
	isa_edge(dom, 5, D_IRQ5, "IRQ 5");
}

/* IO-APIC pin 10 in NMI mode: the rising edge of ISA IRQ 10 is an NMI for APIC 0. */
static void raise_nmi_pin(uint16_t dom)
{
	if (!wait_for(D_NMI_READY, 1)) {
		xtest_fail("the guest never got to wait for the NMI (mark %u)", word(D_MARK));
		return;
	}
	isa_edge(dom, 10, D_NMI, "the NMI from IO-APIC pin 10");
}

static long intx(uint16_t dom, unsigned int dev, unsigned int pin, unsigned int level)
{
	struct dm_op o;

	memset(&o, 0, sizeof(o));
	o.op = DMOP_set_pci_intx_level;
	o.u.intx.device = (uint8_t)dev;
	o.u.intx.intx = (uint8_t)pin;
	o.u.intx.level = (uint8_t)level;
	return dm_op(dom, &o);
}

/*
 * The MSIs sent for vector 0x41, as inject_msi's address and data: the
 * full address for physical APIC 0; what QEMU's xen-apic sends for the
 * same message (the offset of the write in the 0xFEExxxxx window); and
 * that offset for logical destination 1 (DM set), Linux's message under
 * the flat model.
 */
static const struct {
	uint64_t addr;
	const char *what;
} msis[] = {
	{ 0xfee00000, "0xFEE00000 (physical APIC 0)" },
	{ 0x00000000, "offset 0 (physical APIC 0)" },
	{ 0x00001004, "offset 0x1004 (logical 1)" },
};

static void send_msis(uint16_t dom)
{
	struct dm_op o;
	long rc;

	for (unsigned int i = 0; i < sizeof(msis) / sizeof(msis[0]); i++) {
		memset(&o, 0, sizeof(o));
		o.op = DMOP_inject_msi;
		o.u.msi.addr = msis[i].addr;
		o.u.msi.data = 0x41;
		rc = dm_op(dom, &o);
		xtest_check(rc == 0, "inject_msi at %s: %ld", msis[i].what, rc);
		xtest_check(wait_for(D_MSI, i + 1), "the guest never took the MSI at %s",
			    msis[i].what);
	}
}

/*
 * Device 3's INTA, level: held until the guest has taken it, then
 * dropped; then the MSIs.
 */
static void pci_interrupts(uint16_t dom)
{
	long rc;

	if (!wait_for(D_MARK, 2)) {
		xtest_fail("the guest never got to wait for INTx (mark %u)", word(D_MARK));
		return;
	}
	rc = intx(dom, 3, 0, 1);
	xtest_check(rc == 0, "set_pci_intx_level 3.A high: %ld", rc);
	xtest_check(wait_for(D_INTX, 1), "the guest never took device 3's INTA");
	rc = intx(dom, 3, 0, 0);
	xtest_check(rc == 0, "set_pci_intx_level 3.A low: %ld", rc);
	if (!wait_for(D_MARK, 3)) {
		xtest_fail("the guest never got to wait for the MSI (mark %u)", word(D_MARK));
		return;
	}
	send_msis(dom);
}

/* Once the guest has written S5 to PM1a control, power it off as its device model. */
static void s5_poweroff(uint16_t dom)
{
	struct dm_op o;
	long rc;

	if (!wait_for(D_MARK, 4)) {
		xtest_fail("the guest never got to S5 (mark %u)", word(D_MARK));
		return;
	}
	memset(&o, 0, sizeof(o));
	o.op = DMOP_remote_shutdown;
	o.u.shutdown_reason = SHUTDOWN_poweroff;
	rc = dm_op(dom, &o);
	xtest_check(rc == 0, "remote_shutdown poweroff: %ld", rc);
}

/* The record @code/@instance in the @size-byte stream, or NULL. */
static const uint8_t *find_record(uint32_t size, unsigned int code, unsigned int instance,
				  uint32_t *len)
{
	uint32_t off = 0;

	while (off + sizeof(struct save_desc) <= size) {
		struct save_desc d;

		memcpy(&d, context + off, sizeof(d));
		if (d.typecode == SAVE_END)
			break;
		if (d.typecode == code && d.instance == instance) {
			*len = d.length;
			return context + off + sizeof(d);
		}
		off += sizeof(d) + d.length;
	}
	return NULL;
}

static const uint8_t *record(uint32_t size, unsigned int code, unsigned int instance,
			     uint32_t want)
{
	uint32_t len = 0;
	const uint8_t *r = find_record(size, code, instance, &len);

	xtest_check(r && len == want, "save record %u.%u: %s, %u bytes", code, instance,
		    r ? "there" : "missing", len);
	return r && len == want ? r : NULL;
}

/*
 * The devices' save records after the run: what the guest programmed,
 * in Xen's layouts; the same stream loads back.
 */
static void check_context(uint16_t dom)
{
	const uint8_t *r;
	struct dctl op;
	uint32_t size, size_unused;
	uint64_t rte2;
	long rc;

	memset(&op, 0, sizeof(op));
	op.u.hvmcontext.size = sizeof(context);
	op.u.hvmcontext.buffer = context;
	rc = domctl(XEN_DOMCTL_gethvmcontext, dom, &op);
	if (rc) {
		xtest_fail("gethvmcontext: %ld", rc);
		return;
	}
	size = op.u.hvmcontext.size;
	if ((r = record(size, SAVE_PIC, 0, 8)))
		xtest_check(r[3] == 0x20 && r[1] == 0xdf && (r[5] & 0x40),
			    "master PIC record: base %#x, IMR %#x, modes %#x", r[3], r[1], r[5]);
	if ((r = record(size, SAVE_PIC, 1, 8)))
		xtest_check(r[3] == 0x28 && r[1] == 0xff && !(r[5] & 0x40),
			    "slave PIC record: base %#x, IMR %#x, modes %#x", r[3], r[1], r[5]);
	if ((r = record(size, SAVE_IOAPIC, 0, 400))) {
		memcpy(&rte2, r + 16 + 2 * 8, 8);
		xtest_check(*(const uint64_t *)r == 0xfec00000 && rte2 == 0x10031,
			    "IO-APIC record: base %#lx, pin 2 %#lx", (unsigned long)*(const uint64_t *)r,
			    (unsigned long)rte2);
	}
	if ((r = record(size, SAVE_PIT, 0, 56)))
		xtest_check(*(const uint32_t *)r == 11932 && r[12] == 3 && r[13] == 2,
			    "PIT record channel 0: count %u, rw %u, mode %u", *(const uint32_t *)r,
			    r[12], r[13]);
	if ((r = record(size, SAVE_RTC, 0, 24)))
		xtest_check((r[0x0a] & 0x7f) == 0x2a && r[0x0b] == 0x02 && r[0x0d] == 0x80,
			    "RTC record: A %#x, B %#x, D %#x", r[0x0a], r[0x0b], r[0x0d]);
	record(size, SAVE_PMTIMER, 0, 8);
	printk("context: %u bytes\n", size);
	/* Load it back with the master's IMR changed: the PIC takes it. */
	r = find_record(size, SAVE_PIC, 0, &size_unused);
	if (r)
		((uint8_t *)r)[1] = 0xfb;
	memset(&op, 0, sizeof(op));
	op.u.hvmcontext.size = size;
	op.u.hvmcontext.buffer = context;
	rc = domctl(XEN_DOMCTL_sethvmcontext, dom, &op);
	xtest_check(rc == 0, "sethvmcontext with the stream just read: %ld", rc);
	memset(&op, 0, sizeof(op));
	op.u.hvmcontext.size = sizeof(context);
	op.u.hvmcontext.buffer = context;
	rc = domctl(XEN_DOMCTL_gethvmcontext, dom, &op);
	r = rc ? NULL : record(op.u.hvmcontext.size, SAVE_PIC, 0, 8);
	xtest_check(r && r[1] == 0xfb, "master IMR after sethvmcontext: %ld, %#x", rc, r ? r[1] : 0);
}

static void fill_data(uint8_t *data)
{
	*(uint32_t *)(data + D_CRASH) = 3;
	*(uint16_t *)(data + D_PARAM) = 0x7ff0;	     /* DOMID_SELF */
	*(uint32_t *)(data + D_PARAM + 4) = 19;	     /* HVM_PARAM_ACPI_IOPORTS_LOCATION */
	*(uint64_t *)(data + D_PARAM + 8) = 1;
}

void test_main(void)
{
	uint64_t free0 = builder_free_pages(), now;
	struct tiny_dom t = { 0 };
	struct dctl op;
	unsigned int code;
	uint16_t dom;
	long rc;

	static uint8_t image[4096];
	size_t len = (size_t)(platform_code_end - platform_code_start);

	/* vmcall in place of vmmcall on Intel (the set_param and the fault handler's crash). */
	memcpy(image, platform_code_start, len);
	builder_hvm_hypercall_insns(image, len);
	if (!hvm_build(&dom, XEN_X86_EMU_ALL_HVM, image, len, fill_data))
		xtest_exit();
	printk("built HVM d%u with emulation flags %#x\n", dom, XEN_X86_EMU_ALL_HVM);
	t.id = dom;
	guest_dom = dom;
	refusals(dom);
	rc = pvh_map(window, PVH_GFN_DATA, dom);
	if (rc) {
		xtest_error("mapping d%u's data page: %ld", dom, rc);
		tiny_destroy(&t);
		xtest_exit();
	}
	memset(&op, 0, sizeof(op));
	rc = domctl(XEN_DOMCTL_unpausedomain, dom, &op);
	xtest_check(rc == 0, "unpausedomain: %ld", rc);
	raise_irq5(dom);
	raise_nmi_pin(dom);
	pci_interrupts(dom);
	s5_poweroff(dom);
	if (!builder_wait_shutdown(dom, &op)) {
		xtest_fail("d%u did not shut down: flags %#x, mark %u", dom, op.u.info.flags,
			   word(D_MARK));
	} else {
		code = (op.u.info.flags >> XEN_DOMINF_shutdownshift) & 0xff;
		xtest_check(code == SHUTDOWN_poweroff, "d%u's shutdown code %u", dom, code);
	}
	check_results();
	check_context(dom);
	builder_unmap(window);
	tiny_destroy(&t);
	now = builder_wait_free(free0);
	xtest_check(now == free0, "free pages %lu after destroying d%u, %lu before",
		    (unsigned long)now, dom, (unsigned long)free0);
}
