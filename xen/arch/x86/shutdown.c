/* Power-off, restart and halt, and the test exit through isa-debug-exit. */
#include "types.h"
#include "asm.h"
#include "console.h"
#include "shutdown.h"
#include "page.h"
#if __has_include("acpi.h")
#include "acpi.h"
#define HAVE_ACPI_TABLES 1
#endif

#define DEBUG_EXIT_PORT 0xf4
/* QEMU's PIIX4/ICH9 PM1a control block as SeaBIOS and OVMF program it. */
#define QEMU_PM1A_CNT 0x604
#define SLP_EN (1u << 13)

static u16 pm1a_cnt = QEMU_PM1A_CNT, pm1b_cnt;
static u8 slp_typa, slp_typb;

#ifdef HAVE_ACPI_TABLES
static const void *map_low(u64 pa, size_t len)
{
	if (pa + len < pa || pa + len > DIRECTMAP_SIZE)
		return NULL;
	return maddr_to_virt(pa);
}
#endif

void shutdown_init(u64 rsdp)
{
#ifdef HAVE_ACPI_TABLES
	struct acpi_poweroff po;

	if (!rsdp)
		rsdp = acpi_find_rsdp_bios(map_low);
	if (rsdp && acpi_find_poweroff(rsdp, map_low, &po) == 0) {
		pm1a_cnt = po.pm1a_cnt;
		pm1b_cnt = po.pm1b_cnt;
		slp_typa = po.slp_typa;
		slp_typb = po.slp_typb;
		printk(XENLOG_INFO "ACPI: PM1a_CNT %#x PM1b_CNT %#x S5 %u/%u\n", pm1a_cnt, pm1b_cnt,
		       slp_typa, slp_typb);
		return;
	}
	printk(XENLOG_WARNING "ACPI: no S5 information, using QEMU's PM1a_CNT %#x\n", pm1a_cnt);
#else
	(void)rsdp;
#endif
}

static __noreturn void stop_here(void)
{
	for (;;) {
		cli();
		halt();
	}
}

void machine_power_off(void)
{
	cli();
	printk("Powering off.\n");
	outw(pm1a_cnt, (u16)(SLP_EN | (slp_typa << 10)));
	if (pm1b_cnt)
		outw(pm1b_cnt, (u16)(SLP_EN | (slp_typb << 10)));
	stop_here();
}

void machine_restart(void)
{
	cli();
	printk("Rebooting.\n");
	/* Reset control register, then the keyboard controller pulse. */
	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	outb(0x64, 0xfe);
	stop_here();
}

void machine_halt(void)
{
	printk("Halting.\n");
	stop_here();
}

static bool debug_exit_present(void)
{
	/* isa-debug-exit reads as 0; an unclaimed port reads as all ones. */
	return inb(DEBUG_EXIT_PORT) != 0xff;
}

void machine_exit(int code)
{
	cli();
	if (debug_exit_present())
		outl(DEBUG_EXIT_PORT, (u32)code);
	machine_power_off();
}
