/*
 * Stand-in hypervisor core for petrel.efi's boot tests. Entered through
 * entry64 exactly as the real core would be, it checks what image.h and
 * boot_info.h promise, reports on the debug console (port 0xe9) in lines
 * the test script parses, and leaves QEMU through isa-debug-exit (0xf4):
 * exit status 33 = all checks passed, 35 = some failed.
 */
#include "types.h"
#include "boot_info.h"
#include "image.h"
#include "config.h"

extern const u8 _start[], _file_end[], _mem_end[];

static u8 bss_probe[3 << 20]; /* spans several 2 MiB pages; must be zero */
static unsigned int failures;

static void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void puts_(const char *s)
{
	while (*s)
		outb(0xe9, (u8)*s++);
}

static void put_hex(u64 v)
{
	static const char digits[] = "0123456789abcdef";
	char buf[19];
	int i;

	buf[0] = '0';
	buf[1] = 'x';
	for (i = 0; i < 16; i++)
		buf[2 + i] = digits[(v >> (60 - 4 * i)) & 15];
	buf[18] = '\0';
	puts_(buf);
}

static void put_dec(u64 v)
{
	char buf[21];
	int i = 20;

	buf[i] = '\0';
	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_(buf + i);
}

static void check(bool ok, const char *what)
{
	puts_(ok ? "standin: ok " : "standin: FAIL ");
	puts_(what);
	puts_("\n");
	if (!ok)
		failures++;
}

static u32 fnv1a32(const u8 *p, u64 len)
{
	u32 h = 0x811c9dc5;

	while (len--) {
		h ^= *p++;
		h *= 0x01000193;
	}
	return h;
}

static bool str_eq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

static bool str_bounded(const char *s, size_t cap)
{
	size_t i;

	for (i = 0; i < cap; i++)
		if (!s[i])
			return true;
	return false;
}

/* Is [start, end) inside one E820_RAM entry? */
static bool in_ram(const struct boot_info *bi, u64 start, u64 end)
{
	u32 i;

	for (i = 0; i < bi->nr_mem; i++) {
		const struct bi_mem *m = &bi->mem[i];

		if (m->type == E820_RAM && start >= m->addr && end <= m->addr + m->len)
			return true;
	}
	return false;
}

static void check_memmap(const struct boot_info *bi)
{
	u64 ram = 0;
	bool sorted = true, types = true;
	u32 i;

	check(bi->nr_mem > 0 && bi->nr_mem <= BI_MAX_MEM, "nr_mem in range");
	if (bi->nr_mem == 0 || bi->nr_mem > BI_MAX_MEM)
		return;
	for (i = 0; i < bi->nr_mem; i++) {
		const struct bi_mem *m = &bi->mem[i];

		if (m->type < E820_RAM || m->type > E820_UNUSABLE || !m->len)
			types = false;
		if (i && m->addr < bi->mem[i - 1].addr + bi->mem[i - 1].len)
			sorted = false;
		if (m->type == E820_RAM)
			ram += m->len;
	}
	puts_("standin: nr_mem=");
	put_dec(bi->nr_mem);
	puts_(" ram_mib=");
	put_dec(ram >> 20);
	puts_("\n");
	check(types, "e820 types valid and lengths non-zero");
	check(sorted, "e820 sorted and not overlapping");
	check(ram > (512UL << 20), "more than 512 MiB of RAM reported");
	check(in_ram(bi, bi->phys_base, bi->phys_end), "image inside RAM");
	check(in_ram(bi, bi->boot_data_start, bi->boot_data_end), "boot data inside RAM");
	check(bi->boot_data_start <= (u64)bi && (u64)bi + sizeof(*bi) <= bi->boot_data_end,
	      "boot_info inside boot data");
	for (i = 0; i < bi->nr_mods && i < BI_MAX_MODS; i++)
		check(in_ram(bi, bi->mods[i].start, bi->mods[i].end) &&
			  bi->mods[i].end <= (1UL << 32),
		      "module inside RAM below 4 GiB");
}

static void report_mods(const struct boot_info *bi)
{
	u32 i;

	puts_("standin: nr_mods=");
	put_dec(bi->nr_mods);
	puts_("\n");
	check(bi->nr_mods <= BI_MAX_MODS, "nr_mods in range");
	for (i = 0; i < bi->nr_mods && i < BI_MAX_MODS; i++) {
		const struct bi_mod *m = &bi->mods[i];
		bool sane = m->end >= m->start && str_bounded(m->cmdline, BI_CMDLINE_MAX);

		check(sane, "module range and cmdline sane");
		if (!sane)
			continue;
		puts_("standin: mod");
		put_dec(i);
		puts_(" size=");
		put_dec(m->end - m->start);
		puts_(" fnv=");
		put_hex(fnv1a32((const u8 *)m->start, m->end - m->start));
		puts_(" cmdline=");
		puts_(m->cmdline);
		puts_("\n");
	}
}

static void check_image(const struct boot_info *bi, u64 runtime_base)
{
	const struct petrel_image_header *h = (const void *)_start;
	const u8 *ident = (const u8 *)bi->phys_base;
	volatile u8 *probe = &bss_probe[sizeof(bss_probe) - 1];
	u64 i, off;
	bool zero = true, same = true;

	check(runtime_base == XEN_VIRT_START, "running at XEN_VIRT_START");
	check(!(bi->phys_base & ((2UL << 20) - 1)), "phys_base 2 MiB aligned");
	check(bi->phys_end - bi->phys_base == h->mem_size, "phys_end = phys_base + mem_size");
	check(h->file_size == (u64)(_file_end - _start) && h->mem_size == (u64)(_mem_end - _start),
	      "header sizes match the link");
	for (i = 0; i < sizeof(bss_probe); i++)
		if (bss_probe[i]) {
			zero = false;
			break;
		}
	check(zero, "bss zeroed");
	for (i = 0; i < h->file_size; i++)
		if (ident[i] != _start[i]) {
			same = false;
			break;
		}
	check(same, "identity view of phys_base equals the image");
	/* A store through the high mapping must be seen through the identity map. */
	*probe = 0x5a;
	off = (u64)probe - XEN_VIRT_START;
	check(ident[off] == 0x5a, "high and identity mappings alias");
}

static void check_cpu(void)
{
	u64 cs, rflags;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	__asm__ volatile("pushfq; pop %0" : "=r"(rflags));
	check((cs & 0xffff) == 0x08, "cs is the 64-bit code selector 0x08");
	check(!(rflags & 0x200), "interrupts disabled");
}

void standin_main(struct boot_info *bi, u64 runtime_base);

void standin_main(struct boot_info *bi, u64 runtime_base)
{
	puts_("standin: entered\n");
	check(bi->magic == BOOT_INFO_MAGIC, "boot_info magic");
	if (bi->magic != BOOT_INFO_MAGIC)
		goto out;
	check(bi->loader == BOOT_EFI, "loader is BOOT_EFI");
	check(str_bounded(bi->loader_name, sizeof(bi->loader_name)) &&
		  str_eq(bi->loader_name, "petrel.efi"),
	      "loader_name is petrel.efi");
	check(str_bounded(bi->cmdline, BI_CMDLINE_MAX), "cmdline terminated");
	puts_("standin: cmdline=");
	puts_(bi->cmdline);
	puts_("\n");
	check_cpu();
	check_image(bi, runtime_base);
	check(bi->rsdp && bi->rsdp < (1UL << 32) && *(const u64 *)bi->rsdp == 0x2052545020445352UL,
	      "rsdp points at \"RSD PTR \"");
	report_mods(bi);
	check_memmap(bi);
out:
	puts_(failures ? "standin: RESULT FAIL\n" : "standin: RESULT PASS\n");
	outb(0xf4, failures ? 0x11 : 0x10);
}
