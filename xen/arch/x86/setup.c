/*
 * start_xen: from a boot path's struct boot_info to a running initial domain.
 */
#include "types.h"
#include "lib.h"
#include "asm.h"
#include "console.h"
#include "serial.h"
#include "cmdline.h"
#include "boot_info.h"
#include "memmap.h"
#include "page.h"
#include "mm.h"
#include "m2p.h"
#include "desc.h"
#include "apic.h"
#include "hcstats.h"
#include "timer.h"
#include "shutdown.h"
#include "domain.h"
#include "io_caps.h"
#include "ioports.h"
#include "sched.h"
#include "pv.h"
#include "setup.h"
#include "config.h"
#include "errno.h"
#include "io_apic.h"
#include "hvm.h"
#include "smpboot.h"
#include "ipi.h"
#include "hvlock.h"
#include "grant_table.h"

extern char __image_start[], __mem_end[];
extern u32 boot_magic, boot_mbi;

char xen_cmdline[1024];
struct boot_options boot_opts;
struct boot_info bootinfo;
#define MAX_FREE_RANGES 256

static void console_setup(const char *cmdline)
{
	serial_init(115200, 8, 'n', 1);
	cmdline_parse(&boot_opts, cmdline);
	if (boot_opts.com1_baud)
		serial_init(boot_opts.com1_baud, boot_opts.com1_data_bits,
			    boot_opts.com1_parity, boot_opts.com1_stop_bits);
	console_set_loglvl(boot_opts.loglvl, boot_opts.guest_loglvl);
	gnttab_opts = (struct gnttab_options){
		.max_frames = boot_opts.gnttab_max_frames,
		.max_maptrack_frames = boot_opts.gnttab_max_maptrack_frames,
		.max_version = boot_opts.gnttab_max_version,
		.transitive = boot_opts.gnttab_transitive,
	};
}

static u32 reserved_ranges(const struct boot_info *bi, struct mem_range *rsv)
{
	u32 n = 0;

	rsv[n++] = (struct mem_range){ 0, 1UL << 20 }; /* BIOS, real-mode structures */
	rsv[n++] = (struct mem_range){ bi->phys_base, bi->phys_end };
	if (bi->boot_data_end > bi->boot_data_start)
		rsv[n++] = (struct mem_range){ bi->boot_data_start, bi->boot_data_end };
	for (u32 i = 0; i < bi->nr_mods; i++)
		rsv[n++] = (struct mem_range){ bi->mods[i].start, ALIGN_UP(bi->mods[i].end, PAGE_SIZE) };
	return n;
}

/*
 * Frames the firmware's map does not call RAM are I/O memory. A RAM entry's
 * partial pages at either end count as I/O, as the page holds something else.
 */
static void mark_io_frames(const struct boot_info *bi)
{
	for (u64 i = 0; i < max_page; i++)
		frame_table[i].flags = PGC_reserved | PGC_io;
	for (u32 i = 0; i < bi->nr_mem; i++) {
		const struct bi_mem *e = &bi->mem[i];
		u64 first = ALIGN_UP(e->addr, PAGE_SIZE) >> PAGE_SHIFT;
		u64 end = (e->addr + e->len) >> PAGE_SHIFT;

		if (e->type != E820_RAM)
			continue;
		for (u64 mfn = first; mfn < end && mfn < max_page; mfn++)
			frame_table[mfn].flags = PGC_reserved;
	}
}

/*
 * I/O memory the hardware domain may not map, as Xen 4.17 denies it: the
 * local APIC and MSI window, unusable memory above 1 MiB, and on AMD the
 * HyperTransport range. The IO-APICs are added as they are found.
 */
static void iomem_init(const struct boot_info *bi)
{
	enum x86_vendor vendor = cpu_vendor();

	iomem_deny(0xfee00, 0xfeeff);
	for (u32 i = 0; i < bi->nr_mem; i++) {
		const struct bi_mem *e = &bi->mem[i];
		u64 first = MAX(e->addr >> PAGE_SHIFT, 0x100UL);
		u64 last = (e->addr + e->len - 1) >> PAGE_SHIFT;

		if (e->type == E820_UNUSABLE && e->len && first <= last)
			iomem_deny(first, last);
	}
	if (vendor == X86_VENDOR_AMD || vendor == X86_VENDOR_HYGON)
		iomem_deny(0xfd00000000UL >> PAGE_SHIFT, ((1UL << 40) - 1) >> PAGE_SHIFT);
}

/* Carve the frame table out of the largest free range, then free the rest. */
static void memory_init(const struct boot_info *bi)
{
	static struct mem_range ranges[MAX_FREE_RANGES];
	struct mem_range rsv[BI_MAX_MODS + 4];
	u64 lost = 0, ft_bytes, best = 0;
	u32 n;

	max_page = memmap_ram_top(bi->mem, bi->nr_mem) >> PAGE_SHIFT;
	if (max_page > DIRECTMAP_SIZE >> PAGE_SHIFT)
		max_page = DIRECTMAP_SIZE >> PAGE_SHIFT;
	total_pages = memmap_ram_pages(bi->mem, bi->nr_mem, max_page << PAGE_SHIFT);
	n = memmap_free_ranges(bi->mem, bi->nr_mem, rsv, reserved_ranges(bi, rsv), ranges,
			       MAX_FREE_RANGES, &lost);
	for (u32 i = 1; i < n; i++)
		if (ranges[i].end - ranges[i].start > ranges[best].end - ranges[best].start)
			best = i;
	ft_bytes = ALIGN_UP(max_page * sizeof(struct page_info), PAGE_SIZE);
	if (!n || ranges[best].end - ranges[best].start < ft_bytes)
		panic("not enough memory for the frame table (%lu bytes)", ft_bytes);
	ranges[best].end -= ft_bytes;
	frame_table = maddr_to_virt(ranges[best].end);
	memset(frame_table, 0, ft_bytes);
	mark_io_frames(bi);
	buddy_init();
	for (u32 i = 0; i < n; i++)
		buddy_free_range(ranges[i].start >> PAGE_SHIFT, ranges[i].end >> PAGE_SHIFT);
	paging_allocator_ready();
	printk(XENLOG_INFO "Memory: %lu MiB free of %lu MiB, frame table %lu KiB%s\n",
	       buddy_free_count() >> 8, max_page >> 8, ft_bytes >> 10,
	       lost ? " (some ranges dropped)" : "");
}

static void show_memory_map(const struct boot_info *bi)
{
	static const char *const names[] = { "?", "RAM", "reserved", "ACPI data", "ACPI NVS",
					     "unusable" };

	printk(XENLOG_INFO "Memory map (%s):\n", bi->loader_name[0] ? bi->loader_name : "loader");
	for (u32 i = 0; i < bi->nr_mem; i++)
		printk(XENLOG_INFO " %016lx - %016lx (%s)\n", bi->mem[i].addr,
		       bi->mem[i].addr + bi->mem[i].len,
		       bi->mem[i].type < ARRAY_SIZE(names) ? names[bi->mem[i].type] : "?");
}

/* GRUB 2 passes arguments only; other loaders start strings with the file name. */
static bool loader_is_grub2(const struct boot_info *bi)
{
	return !strncmp(bi->loader_name, "GRUB 2", 6);
}

static void skip_first_word(char *s)
{
	const char *p = s;

	while (*p == ' ')
		p++;
	while (*p && *p != ' ')
		p++;
	while (*p == ' ')
		p++;
	memmove(s, p, strlen(p) + 1);
}

/*
 * The "domu" testing aid: the last module is a second PV kernel, built as
 * domain 1 (unprivileged, 16 MiB) before dom0 takes the rest of memory.
 */
static struct domain *build_domu(const struct boot_info *bi)
{
	struct dom0_params p = { 0 };
	struct domain *d;

	p.kernel = &bi->mods[bi->nr_mods - 1];
	p.mem_bytes = 16UL << 20;
	p.cmdline_has_name = !loader_is_grub2(bi);
	p.domu = true;
	if (domain_create(1, false, false, &d))
		panic("cannot create domain 1");
	d->is_console = true; /* its test output goes to the serial line, "(d1) " prefixed */
	current = d->vcpu[0];
	printk("*** Building a PV DomU (domu) ***\n");
	if (pv_build_dom0(d, &p)) {
		printk(XENLOG_ERR "domU image rejected; stopping.\n");
		machine_exit(EXIT_DOM0_REJECTED);
	}
	return d;
}

/* dom0=pvh: the initial domain as a PVH guest (hvm/dom0_build.c). */
static __noreturn void build_and_run_pvh_dom0(struct domain *d, const struct dom0_params *p)
{
	printk("*** Building a PVH Dom0 ***\n");
	if (pvh_build_dom0(d, p->kernel, p->initrd, p->mem_bytes, p->cmdline_has_name)) {
		printk(XENLOG_ERR "Could not set up DOM0 guest OS; stopping.\n");
		machine_exit(EXIT_DOM0_REJECTED);
	}
	/* dom0_mem's max: lets it populate more later, as on Xen. */
	if (p->mem_max_bytes)
		d->max_pages = MAX(d->max_pages, p->mem_max_bytes >> PAGE_SHIFT);
	printk("Guest Loglevel: %s\n", boot_opts.guest_loglvl >= 4 ? "All" : "Warnings");
	vcpu_up(d->vcpu[0]);
	schedule();
	arch_resume_current();
}

static __noreturn void build_and_run_dom0(const struct boot_info *bi)
{
	struct dom0_params p = { 0 };
	struct domain *d, *du = NULL;
	unsigned int nr_mods = bi->nr_mods, nr_vcpus;
	u64 start;

	if (boot_opts.domu_module && nr_mods >= 2) {
		du = build_domu(bi);
		nr_mods--;
	}
	if (nr_mods < 1) {
		printk(XENLOG_ERR "dom0 image rejected: no dom0 kernel module was given\n");
		machine_exit(EXIT_DOM0_REJECTED);
	}
	p.kernel = &bi->mods[0];
	p.initrd = nr_mods > 1 ? &bi->mods[1] : NULL;
	p.mem_bytes = boot_opts.dom0_mem;
	p.mem_max_bytes = boot_opts.dom0_mem_max;
	p.cmdline_has_name = !loader_is_grub2(bi);
	nr_vcpus = dom0_vcpus(&boot_opts, num_online_cpus(), boot_opts.dom0_pvh ? 1 : MAX_VIRT_CPUS);
	if (domain_create_nr(DOMID_HARDWARE, true, false, nr_vcpus, &d) || io_caps_init_hardware(d) ||
	    ioports_init_hardware(d))
		panic("cannot create dom0");
	printk("Dom0 has maximum %u VCPUs\n", nr_vcpus);
	current = d->vcpu[0];
	if (boot_opts.dom0_pvh)
		build_and_run_pvh_dom0(d, &p);
	printk("*** Building a PV Dom0 ***\n");
	start = now_ns();
	if (pv_build_dom0(d, &p)) {
		printk(XENLOG_ERR "Could not set up DOM0 guest OS; stopping.\n");
		machine_exit(EXIT_DOM0_REJECTED);
	}
	printk("Dom0 built in %lu ms\n", (now_ns() - start) / 1000000);
	printk("Guest Loglevel: %s\n", boot_opts.guest_loglvl >= 4 ? "All" : "Warnings");
	printk("*** Serial input to DOM0 (type 'CTRL-a' three times to switch input)\n");
	if (du) {
		vcpu_up(d->vcpu[0]); /* dom0 runs first */
		vcpu_up(du->vcpu[0]);
	}
	pv_start_vcpu(d);
}

__noreturn void start_xen(struct boot_info *in)
{
	if (in != &bootinfo)
		memcpy(&bootinfo, in, sizeof(bootinfo));
	xen_phys_base = bootinfo.phys_base;
	strlcpy(xen_cmdline, bootinfo.cmdline, sizeof(xen_cmdline));
	console_setup(xen_cmdline);
	printk("Petrel hypervisor, speaking Xen 4.17's guest ABI\n");
	printk("Command line: %s\n", xen_cmdline);
	bootinfo.nr_mem = memmap_sanitize(bootinfo.mem, bootinfo.nr_mem, BI_MAX_MEM);
	show_memory_map(&bootinfo);
	paging_init(&bootinfo);
	smp_prepare_boot_cpu();
	hv_enter(); /* CPU 0 boots holding the hypervisor lock */
	shutdown_init(bootinfo.rsdp);
	memory_init(&bootinfo);
	iomem_init(&bootinfo);
	m2p_init();
	apic_init();
	time_init();
	io_apic_init(bootinfo.rsdp);
	hvm_init();
	smp_boot_cpus(&bootinfo, bootinfo.rsdp, &boot_opts);
	sched_cpu0_only = boot_opts.vcpus_on_cpu0;
	sched_wake_ratelimit = boot_opts.sched_wake_ratelimit;
	sched_wake_wait_ns = boot_opts.sched_wake_wait_us * 1000ULL;
	sched_credit2_turns = boot_opts.sched_credit2_turns;
	sched_preempt_spin = boot_opts.sched_preempt_spin;
	if (sched_wake_ratelimit && sched_preempt_spin)
		printk("Scheduler: a runner spinning 1 ms without a hypercall yields to a deferred "
		       "wake (sched_preempt_spin)\n");
	if (sched_credit2_turns)
		printk("Scheduler: sleeper lead 10 ms, turns 0.5-10 ms (sched_credit2_turns)\n");
	if (sched_wake_ratelimit)
		printk("Scheduler: a wake waits out the rate limit, at most %u us "
		       "(sched_wake_ratelimit)\n",
		       boot_opts.sched_wake_wait_us);
	else
		printk("Scheduler: a wake preempts after the rate limit (no-sched_wake_ratelimit)\n");
	tlb_holders_on = boot_opts.tlb_holders;
	timer_unlocked_on = boot_opts.timer_unlocked;
	if (timer_unlocked_on)
		printk("Timers: a guest's own tick without the hypervisor lock (timer_unlocked)\n");
	domctl_trace_on = boot_opts.domctl_trace;
	if (boot_opts.ipi_selftest)
		ipi_selftest();
	if (boot_opts.hcstats) {
		printk("hcstats: counting from boot (option hcstats)\n");
		hcstats_reset();
	}
	build_and_run_dom0(&bootinfo);
}

/*
 * The keyboard shift state in the BIOS data area (segment 0x40, offset
 * 0x17), read through the boot identity map, for XEN_FW_KBD_SHIFT_FLAGS.
 */
static u8 bios_kbd_shift_flags(void)
{
	const volatile u8 *bda = (const volatile u8 *)0x400UL;

	__asm__("" : "+r"(bda)); /* an address, not a null pointer plus offset */
	return bda[0x17];
}

/* Reached from head.S in 64-bit mode with the boot page tables. */
__noreturn void multiboot_entry(void)
{
	int rc;

	memset(&bootinfo, 0, sizeof(bootinfo));
	bootinfo.magic = BOOT_INFO_MAGIC;
	bootinfo.phys_base = XEN_LOAD_PHYS;
	bootinfo.phys_end = XEN_LOAD_PHYS + (u64)(__mem_end - __image_start);
	if (boot_magic == 0x2BADB002)
		rc = multiboot1_parse(&bootinfo, (const void *)(u64)boot_mbi);
	else if (boot_magic == 0x36d76289)
		rc = multiboot2_parse(&bootinfo, (const void *)(u64)boot_mbi);
	else
		rc = -EINVAL;
	if (rc) {
		serial_init(115200, 8, 'n', 1);
		panic("Petrel: not started by a multiboot loader (magic %#x)", boot_magic);
	}
	bootinfo.kbd_shift_flags = bios_kbd_shift_flags();
	/* Multiboot loaders other than GRUB 2 put the image's path first. */
	if (!loader_is_grub2(&bootinfo))
		skip_first_word(bootinfo.cmdline);
	start_xen(&bootinfo);
}
