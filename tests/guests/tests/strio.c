/*
 * String port I/O from a PV kernel: ins/outs of bytes, words and dwords,
 * with and without rep, both directions, a segment override and the
 * address-size override, against devices QEMU's pc and q35 machines both
 * have and that answer the same every time:
 *  - fw_cfg: the data port 0x511 gives item 0, the signature "QEMU" (past
 *    an item's end: zeros); the selector 0x510 takes a word; the DMA port
 *    0x514 reads as the big-endian signature "QEMU CFG" at any width;
 *  - the CMOS index port 0x70 (bytes: which RTC register 0x71 then shows);
 *  - PCI configuration address 0xcf8 (dwords: which register 0xcfc shows).
 * With the pc machine's IDE CD drive (0x170-0x177) also IDENTIFY PACKET
 * DEVICE read with insw/insl and INQUIRY's command block sent with
 * outsw/outsl, as ata_piix does.
 * PCI configuration of the host bridge (00:00.0) through 0xcf8/0xcfc, which
 * the hypervisor mediates: a 32-bit outsl to 0xcf8 selects the register as
 * outl does (insl and inl read it back), insl/insw from the data port read
 * the register outl selected.
 * Also: a #PF on the guest's buffer is the guest's own (cr2, error code,
 * and after the completed repetitions rcx/rsi/rdi as hardware leaves them);
 * the I/O permission follows the virtual IOPL and the guest's I/O bitmap.
 */
#include "xtest.h"
#include "msr-index.h"

#define HC_physdev_op 33
#define PHYSDEVOP_set_iopl 6
#define PHYSDEVOP_set_iobitmap 7

#define FW_CFG_SEL 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_DMA 0x514
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define IDE_DATA 0x170
#define IDE_BCL_LO 0x174
#define IDE_BCL_HI 0x175
#define IDE_DEVICE 0x176
#define IDE_CMD 0x177
#define IDE_STATUS 0x177
#define IDE_CTRL 0x376
#define ATA_BSY 0x80
#define ATA_DRQ 0x08
#define ATA_ERR 0x01

/* The registers a string instruction uses, in and out; df sets EFLAGS.DF. */
struct sio {
	unsigned long rcx, rsi, rdi, rdx, df;
};

/*
 * sio_NAME(struct sio *): load the registers, run the instruction at
 * sio_NAME_at, store them back. The bytes are given raw where the
 * assembler has no spelling for the prefixes.
 */
#define SIO_STUB(name, insn)                                                                       \
	__asm__(".pushsection .text\n"                                                             \
		"sio_" #name ":\n"                                                                 \
		"	mov %rdi, %r8\n"                                                                 \
		"	mov 0(%r8), %rcx\n"                                                              \
		"	mov 8(%r8), %rsi\n"                                                              \
		"	mov 16(%r8), %rdi\n"                                                             \
		"	mov 24(%r8), %rdx\n"                                                             \
		"	testb $1, 32(%r8)\n"                                                             \
		"	jz 1f\n"                                                                         \
		"	std\n"                                                                           \
		"1:\n"                                                                             \
		"sio_" #name "_at: " insn "\n"                                                     \
		"	cld\n"                                                                           \
		"	mov %rcx, 0(%r8)\n"                                                              \
		"	mov %rsi, 8(%r8)\n"                                                              \
		"	mov %rdi, 16(%r8)\n"                                                             \
		"	ret\n"                                                                           \
		".popsection\n");                                                                  \
	extern void sio_##name(void *);                                                            \
	extern char sio_##name##_at[]

SIO_STUB(insb, "insb");
SIO_STUB(insw, "insw");
SIO_STUB(insl, "insl");
SIO_STUB(rep_insb, "rep insb");
SIO_STUB(rep_insw, "rep insw");
SIO_STUB(rep_insl, "rep insl");
SIO_STUB(rex_insl, ".byte 0x48, 0x6d");		  /* REX.W insl: still 4 bytes */
SIO_STUB(a32_rep_insb, ".byte 0x67, 0xf3, 0x6c"); /* addr32 rep insb */
SIO_STUB(outsb, "outsb");
SIO_STUB(outsw, "outsw");
SIO_STUB(outsl, "outsl");
SIO_STUB(rep_outsb, "rep outsb");
SIO_STUB(rep_outsw, "rep outsw");
SIO_STUB(rep_outsl, "rep outsl");
SIO_STUB(fs_rep_outsb, ".byte 0x64, 0xf3, 0x6e");	    /* rep outsb %fs:(%rsi) */
SIO_STUB(fs_a32_rep_outsb, ".byte 0x64, 0x67, 0xf3, 0x6e"); /* ... %fs:(%esi) */

/* Two pages: the second is unmapped for the fault checks. */
static unsigned char pages[2][4096] __attribute__((aligned(4096)));
static unsigned char bitmap[8192];

static long physdev(unsigned int cmd, void *arg)
{
	return hypercall(HC_physdev_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static long set_iopl(unsigned int iopl)
{
	uint32_t arg = iopl;

	return physdev(PHYSDEVOP_set_iopl, &arg);
}

static long set_iobitmap(void *map, unsigned int nr_ports)
{
	struct {
		uint64_t bitmap;
		uint32_t nr_ports;
	} arg = { (uint64_t)map, nr_ports };

	return physdev(PHYSDEVOP_set_iobitmap, &arg);
}

static void outb_p(unsigned short port, unsigned char v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static void outw_p(unsigned short port, unsigned short v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static void outl_p(unsigned short port, unsigned int v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static unsigned int inl_p(unsigned short port)
{
	unsigned int v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static unsigned char inb_p(unsigned short port)
{
	unsigned char v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void wrmsr(unsigned int msr, unsigned long v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((unsigned int)v), "d"((unsigned int)(v >> 32)));
}

/* Run a stub outside xtest_catch: a fault there is a failure of its own. */
static void run(void (*fn)(void *), struct sio *s, const char *what)
{
	struct xtest_fault f;

	if (xtest_catch(fn, s, &f))
		xtest_fail("%s: vector %u error code %#lx at %#lx", what, f.vector, f.error_code,
			   f.rip);
}

static struct sio sio_for(unsigned long count, unsigned short port, void *src, void *dst)
{
	return (struct sio){
		.rcx = count, .rsi = (unsigned long)src, .rdi = (unsigned long)dst, .rdx = port
	};
}

/* ---- fw_cfg: byte input ---- */

static void fw_cfg_select(unsigned short key)
{
	outw_p(FW_CFG_SEL, key);
}

static void check_fw_cfg(void)
{
	unsigned char buf[8];
	struct sio s;

	/* rep insb: the whole signature, rdi advanced, rcx used up. */
	memset(buf, 0xaa, sizeof(buf));
	fw_cfg_select(0);
	s = sio_for(4, FW_CFG_DATA, NULL, buf);
	run(sio_rep_insb, &s, "rep insb");
	xtest_check(!memcmp(buf, "QEMU", 4) && buf[4] == 0xaa, "rep insb read %02x %02x %02x %02x",
		    buf[0], buf[1], buf[2], buf[3]);
	xtest_check(s.rcx == 0 && s.rdi == (unsigned long)&buf[4], "rep insb left rcx %lu rdi %ld",
		    s.rcx, (long)(s.rdi - (unsigned long)buf));
	/* Past the item's end: zeros. */
	s = sio_for(2, FW_CFG_DATA, NULL, &buf[4]);
	run(sio_rep_insb, &s, "rep insb past the end");
	xtest_check(buf[4] == 0 && buf[5] == 0, "past the end read %#x %#x", buf[4], buf[5]);

	/* insb without rep: one byte, rcx untouched. */
	memset(buf, 0xaa, sizeof(buf));
	fw_cfg_select(0);
	s = sio_for(77, FW_CFG_DATA, NULL, buf);
	run(sio_insb, &s, "insb");
	xtest_check(buf[0] == 'Q' && buf[1] == 0xaa, "insb read %#x", buf[0]);
	xtest_check(s.rcx == 77 && s.rdi == (unsigned long)&buf[1], "insb left rcx %lu", s.rcx);

	/* rep insb downwards (DF=1): the signature lands reversed. */
	memset(buf, 0xaa, sizeof(buf));
	fw_cfg_select(0);
	s = sio_for(4, FW_CFG_DATA, NULL, &buf[4]);
	s.df = 1;
	run(sio_rep_insb, &s, "std; rep insb");
	xtest_check(!memcmp(&buf[1], "UMEQ", 4) && buf[0] == 0xaa && buf[5] == 0xaa,
		    "std; rep insb gave %.4s", &buf[1]);
	xtest_check(s.rcx == 0 && s.rdi == (unsigned long)&buf[0], "std; rep insb left rdi %ld",
		    (long)(s.rdi - (unsigned long)buf));

	/* rep with rcx = 0: nothing happens (the next read still starts the item). */
	fw_cfg_select(0);
	s = sio_for(0, FW_CFG_DATA, NULL, buf);
	memset(buf, 0xaa, sizeof(buf));
	run(sio_rep_insb, &s, "rep insb, rcx 0");
	xtest_check(buf[0] == 0xaa && s.rdi == (unsigned long)buf, "rep insb with rcx 0 read");
	xtest_check(inb_p(FW_CFG_DATA) == 'Q', "rcx 0 consumed a byte");
}

/* ---- IDE: word and dword input and output ---- */

static bool ide_wait(unsigned char want)
{
	for (int i = 0; i < 100000; i++) {
		unsigned char st = inb_p(IDE_STATUS);

		if (!(st & ATA_BSY) && (st & (want | ATA_ERR)))
			return !(st & ATA_ERR);
	}
	return false;
}

/* IDENTIFY PACKET DEVICE on the secondary master, read with @fn (insw or insl forms). */
static bool ide_identify(void (*fn)(void *), unsigned long count, unsigned int size, void *buf)
{
	struct sio s;
	unsigned char *p = buf;

	outb_p(IDE_CTRL, 0x02); /* no interrupts */
	outb_p(IDE_DEVICE, 0xa0);
	outb_p(IDE_CMD, 0xa1);
	if (!ide_wait(ATA_DRQ))
		return false;
	if (count) { /* one rep instruction */
		s = sio_for(count, IDE_DATA, NULL, p);
		run(fn, &s, "IDENTIFY read");
		return s.rcx == 0 && s.rdi == (unsigned long)p + 512;
	}
	for (unsigned int i = 0; i < 512 / size; i++) { /* one element at a time */
		s = sio_for(0, IDE_DATA, NULL, p + i * size);
		run(fn, &s, "IDENTIFY read");
		if (s.rdi != (unsigned long)p + (i + 1) * size)
			return false;
	}
	return true;
}

static bool identify_ok(const unsigned char *id)
{
	/* Word 0: ATAPI, CD-ROM, removable; words 27-46 the model, bytes swapped in pairs. */
	return id[0] == 0xc0 && id[1] == 0x85 && !memcmp(&id[54], "EQUMD DVR-MO", 12);
}

static void check_ide_in(void)
{
	static unsigned char a[512], b[512], c[512], d[512];

	if (!ide_identify(sio_rep_insw, 256, 2, a) || !identify_ok(a)) {
		xtest_fail("IDENTIFY PACKET DEVICE with rep insw: %02x%02x %.12s", a[1], a[0],
			   &a[54]);
		return;
	}
	xtest_check(ide_identify(sio_rep_insl, 128, 4, b) && !memcmp(a, b, 512),
		    "rep insl gave other IDENTIFY data");
	xtest_check(ide_identify(sio_insw, 0, 2, c) && !memcmp(a, c, 512),
		    "insw gave other IDENTIFY data");
	xtest_check(ide_identify(sio_rex_insl, 0, 4, d) && !memcmp(a, d, 512),
		    "REX.W insl gave other IDENTIFY data");
}

/* PACKET with INQUIRY: the command block goes out with @fn (@count elements; 0: one by one). */
static bool ide_inquiry(void (*fn)(void *), unsigned long count, unsigned int size,
			unsigned char *reply)
{
	static const unsigned char cdb[12] = { 0x12, 0, 0, 0, 36, 0 };
	struct sio s;

	outb_p(IDE_CTRL, 0x02);
	outb_p(IDE_DEVICE, 0xa0);
	outb_p(IDE_BCL_LO, 0x00);
	outb_p(IDE_BCL_HI, 0x02);
	outb_p(IDE_CMD, 0xa0);
	if (!ide_wait(ATA_DRQ))
		return false;
	if (count) {
		s = sio_for(count, IDE_DATA, (void *)cdb, NULL);
		run(fn, &s, "PACKET command block");
		if (s.rcx || s.rsi != (unsigned long)cdb + 12)
			return false;
	} else {
		for (unsigned int i = 0; i < 12 / size; i++) {
			s = sio_for(0, IDE_DATA, (void *)(cdb + i * size), NULL);
			run(fn, &s, "PACKET command block");
		}
	}
	if (!ide_wait(ATA_DRQ) || inb_p(IDE_BCL_LO) != 36 || inb_p(IDE_BCL_HI) != 0)
		return false;
	s = sio_for(18, IDE_DATA, NULL, reply);
	run(sio_rep_insw, &s, "INQUIRY data");
	return reply[0] == 5 && !memcmp(&reply[8], "QEMU    QEMU DVD-ROM", 20);
}

static void check_ide_out(void)
{
	unsigned char reply[36];

	xtest_check(ide_inquiry(sio_rep_outsw, 6, 2, reply), "INQUIRY sent with rep outsw");
	xtest_check(ide_inquiry(sio_rep_outsl, 3, 4, reply), "INQUIRY sent with rep outsl");
	xtest_check(ide_inquiry(sio_outsw, 0, 2, reply), "INQUIRY sent with outsw");
	xtest_check(ide_inquiry(sio_outsl, 0, 4, reply), "INQUIRY sent with outsl");
}

/* ---- output to ports whose last value shows: CMOS index, fw_cfg selector, PCI address ---- */

/* RTC registers A (without its update-in-progress bit), B and D differ. */
static void check_outs_bytes(void)
{
	unsigned char src[3] = { 0x0a, 0x0d, 0x0b };
	unsigned char a, b, d;
	struct sio s;

	outb_p(CMOS_INDEX, 0x0a);
	a = inb_p(CMOS_DATA) & 0x7f;
	outb_p(CMOS_INDEX, 0x0b);
	b = inb_p(CMOS_DATA);
	outb_p(CMOS_INDEX, 0x0d);
	d = inb_p(CMOS_DATA);
	if (a == b || b == d || a == (d & 0x7f)) {
		xtest_error("RTC registers A %#x B %#x D %#x do not differ", a, b, d);
		return;
	}
	s = sio_for(3, CMOS_INDEX, src, NULL);
	run(sio_rep_outsb, &s, "rep outsb");
	xtest_check((inb_p(CMOS_DATA)) == b && s.rcx == 0 && s.rsi == (unsigned long)&src[3],
		    "rep outsb: selected %#x rcx %lu", inb_p(CMOS_DATA), s.rcx);
	s = sio_for(3, CMOS_INDEX, &src[2], NULL);
	s.df = 1;
	run(sio_rep_outsb, &s, "std; rep outsb");
	xtest_check((inb_p(CMOS_DATA) & 0x7f) == a && s.rsi == (unsigned long)src - 1,
		    "std; rep outsb: selected %#x", inb_p(CMOS_DATA));
	s = sio_for(5, CMOS_INDEX, &src[1], NULL);
	run(sio_outsb, &s, "outsb");
	xtest_check(inb_p(CMOS_DATA) == d && s.rcx == 5 && s.rsi == (unsigned long)&src[2],
		    "outsb: selected %#x", inb_p(CMOS_DATA));

	/* %fs override: the source is fs.base + rsi (rsi alone is unmapped). */
	wrmsr(MSR_FS_BASE, (unsigned long)src - 0x10);
	s = sio_for(2, CMOS_INDEX, (void *)0x10, NULL);
	run(sio_fs_rep_outsb, &s, "rep outsb %fs:(%rsi)");
	xtest_check(inb_p(CMOS_DATA) == d && s.rsi == 0x12, "fs override: selected %#x",
		    inb_p(CMOS_DATA));
	/* ... with 0x67: only esi and ecx count, and come back zero-extended. */
	s = sio_for((7UL << 32) | 3, CMOS_INDEX, (void *)0xabcdef0000000010UL, NULL);
	run(sio_fs_a32_rep_outsb, &s, "addr32 rep outsb %fs:(%esi)");
	xtest_check(inb_p(CMOS_DATA) == b && s.rsi == 0x13 && s.rcx == 0,
		    "addr32 fs override: selected %#x rsi %#lx rcx %#lx", inb_p(CMOS_DATA), s.rsi,
		    s.rcx);
	wrmsr(MSR_FS_BASE, 0);
}

static void check_outs_words(void)
{
	static const unsigned short keys[2] = { 0, 1 }; /* signature, feature bits */
	unsigned char id0;
	struct sio s;

	fw_cfg_select(1);
	id0 = inb_p(FW_CFG_DATA);
	if (id0 == 'Q') {
		xtest_error("fw_cfg's item 1 starts like item 0");
		return;
	}
	s = sio_for(2, FW_CFG_SEL, (void *)keys, NULL);
	run(sio_rep_outsw, &s, "rep outsw");
	xtest_check(inb_p(FW_CFG_DATA) == id0 && s.rcx == 0 && s.rsi == (unsigned long)&keys[2],
		    "rep outsw did not select item 1 last");
	s = sio_for(2, FW_CFG_SEL, (void *)&keys[1], NULL);
	s.df = 1;
	run(sio_rep_outsw, &s, "std; rep outsw");
	xtest_check(inb_p(FW_CFG_DATA) == 'Q' && s.rsi == (unsigned long)keys - 2,
		    "std; rep outsw did not select item 0 last");
	s = sio_for(0, FW_CFG_SEL, (void *)&keys[1], NULL);
	run(sio_outsw, &s, "outsw");
	xtest_check(inb_p(FW_CFG_DATA) == id0 && s.rsi == (unsigned long)&keys[2],
		    "outsw did not select item 1");
}

static unsigned int pci_read(unsigned int addr)
{
	outl_p(PCI_ADDR, addr);
	return inl_p(PCI_DATA);
}

static void check_outs_dwords(void)
{
	static const unsigned int addrs[2] = { 0x80000000, 0x80000008 }; /* 00:00.0 id, class */
	unsigned int id = pci_read(addrs[0]), class = pci_read(addrs[1]);
	struct sio s;

	if (id == class) {
		xtest_error("host bridge id and class both %#x", id);
		return;
	}
	s = sio_for(2, PCI_ADDR, (void *)addrs, NULL);
	run(sio_rep_outsl, &s, "rep outsl");
	xtest_check(inl_p(PCI_DATA) == class && s.rcx == 0 && s.rsi == (unsigned long)&addrs[2],
		    "rep outsl did not address the class register last");
	s = sio_for(2, PCI_ADDR, (void *)&addrs[1], NULL);
	s.df = 1;
	run(sio_rep_outsl, &s, "std; rep outsl");
	xtest_check(inl_p(PCI_DATA) == id, "std; rep outsl did not address the id last");
	s = sio_for(0, PCI_ADDR, (void *)&addrs[1], NULL);
	run(sio_outsl, &s, "outsl");
	xtest_check(inl_p(PCI_DATA) == class && s.rsi == (unsigned long)&addrs[2],
		    "outsl did not address the class register");
}

/* ---- word and dword input: fw_cfg's DMA port reads as its signature ---- */

static void check_ins_wide(void)
{
	unsigned char buf[12];
	struct sio s;

	memset(buf, 0xaa, sizeof(buf));
	s = sio_for(2, FW_CFG_DMA, NULL, buf);
	run(sio_rep_insw, &s, "rep insw");
	xtest_check(!memcmp(buf, "QEQE", 4) && buf[4] == 0xaa && s.rcx == 0 &&
			s.rdi == (unsigned long)&buf[4],
		    "rep insw read %.4s", buf);
	memset(buf, 0xaa, sizeof(buf));
	s = sio_for(2, FW_CFG_DMA, NULL, buf);
	run(sio_rep_insl, &s, "rep insl");
	xtest_check(!memcmp(buf, "QEMUQEMU", 8) && buf[8] == 0xaa &&
			s.rdi == (unsigned long)&buf[8],
		    "rep insl read %.8s", buf);
	memset(buf, 0xaa, sizeof(buf));
	s = sio_for(2, FW_CFG_DMA, NULL, &buf[4]);
	s.df = 1;
	run(sio_rep_insl, &s, "std; rep insl");
	xtest_check(!memcmp(buf, "QEMUQEMU", 8) && s.rdi == (unsigned long)buf - 4,
		    "std; rep insl read %.8s", buf);
	memset(buf, 0xaa, sizeof(buf));
	s = sio_for(9, FW_CFG_DMA, NULL, buf);
	run(sio_insw, &s, "insw");
	xtest_check(!memcmp(buf, "QE", 2) && buf[2] == 0xaa && s.rcx == 9, "insw read %.2s", buf);
	s = sio_for(9, FW_CFG_DMA, NULL, &buf[2]);
	run(sio_insl, &s, "insl");
	xtest_check(!memcmp(buf, "QEQEMU", 6) && buf[6] == 0xaa, "insl read %.6s", buf);
	s = sio_for(9, FW_CFG_DMA, NULL, &buf[6]);
	run(sio_rex_insl, &s, "REX.W insl");
	xtest_check(!memcmp(buf, "QEQEMUQEMU", 10) && buf[10] == 0xaa, "REX.W insl read %.10s",
		    buf);
}

/* The pc machine's PIIX IDE function (00:01.1), which q35 does not have. */
static bool have_piix_ide(void)
{
	return pci_read(0x80000900) == 0x70108086;
}

/* ---- faults on the guest's buffer ---- */

static bool catch_fault(void (*fn)(void *), struct sio *s, struct xtest_fault *f, const char *what)
{
	if (!xtest_catch(fn, s, f)) {
		xtest_fail("%s did not fault", what);
		return false;
	}
	return true;
}

static void check_faults(void)
{
	unsigned char *edge = pages[1]; /* first byte of the unmapped page */
	unsigned long e = (unsigned long)edge;
	struct xtest_fault f;
	unsigned char b, d;
	struct sio s;

	if (hypercall_update_va_mapping(e, 0, UVMF_INVLPG)) {
		xtest_fail("cannot unmap the guard page");
		return;
	}
	/* rep insb of 8 into 3 mapped bytes: #PF (write, not present) at the edge, 3 done. */
	memset(edge - 8, 0xaa, 8);
	fw_cfg_select(0);
	s = sio_for(8, FW_CFG_DATA, NULL, edge - 3);
	if (catch_fault(sio_rep_insb, &s, &f, "rep insb across the edge")) {
		xtest_check(f.vector == X86_EXC_PF && f.error_code == 2,
			    "rep insb: vector %u error code %#lx", f.vector, f.error_code);
		xtest_check(f.cr2_valid && f.cr2 == e, "rep insb: cr2 %#lx, edge %#lx", f.cr2, e);
		xtest_check(f.rip == (unsigned long)sio_rep_insb_at, "rep insb: rip %#lx", f.rip);
		xtest_check(f.rcx == 5 && f.rdi == e, "rep insb: rcx %lu rdi %ld", f.rcx,
			    (long)(f.rdi - e));
		xtest_check(!memcmp(edge - 3, "QEM", 3), "rep insb stored %.3s", edge - 3);
	}
	/* The element that faulted was read from the port: the item is at its end. */
	xtest_check(inb_p(FW_CFG_DATA) == 0, "the faulting element was not consumed");

	/* insb (no rep) into the unmapped page: #PF, no register changes. */
	fw_cfg_select(0);
	s = sio_for(9, FW_CFG_DATA, NULL, edge + 5);
	if (catch_fault(sio_insb, &s, &f, "insb into the unmapped page")) {
		xtest_check(f.vector == X86_EXC_PF && f.error_code == 2 && f.cr2 == e + 5,
			    "insb: vector %u error code %#lx cr2 %#lx", f.vector, f.error_code,
			    f.cr2);
		xtest_check(f.rcx == 9 && f.rdi == e + 5, "insb: rcx %lu rdi %#lx", f.rcx, f.rdi);
	}

	/* rep outsb from 2 mapped bytes: #PF (read, not present) at the edge, 2 written. */
	outb_p(CMOS_INDEX, 0x0d);
	d = inb_p(CMOS_DATA);
	outb_p(CMOS_INDEX, 0x0b);
	b = inb_p(CMOS_DATA);
	outb_p(CMOS_INDEX, 0x0d);
	edge[-2] = 0x0a;
	edge[-1] = 0x0b;
	s = sio_for(6, CMOS_INDEX, edge - 2, NULL);
	if (catch_fault(sio_rep_outsb, &s, &f, "rep outsb across the edge")) {
		xtest_check(f.vector == X86_EXC_PF && f.error_code == 0 && f.cr2 == e,
			    "rep outsb: vector %u error code %#lx cr2 %#lx", f.vector, f.error_code,
			    f.cr2);
		xtest_check(f.rcx == 4 && f.rsi == e, "rep outsb: rcx %lu rsi %ld", f.rcx,
			    (long)(f.rsi - e));
	}
	xtest_check(b != d && inb_p(CMOS_DATA) == b, "rep outsb did not select register B last");

	/* A word straddling the edge: cr2 is the first byte that could not be written. */
	s = sio_for(1, FW_CFG_DMA, NULL, edge - 1);
	if (catch_fault(sio_insw, &s, &f, "insw across the edge"))
		xtest_check(f.vector == X86_EXC_PF && f.error_code == 2 && f.cr2 == e,
			    "insw across: vector %u error code %#lx cr2 %#lx", f.vector,
			    f.error_code, f.cr2);

	/* addr32: the address is edi alone (unmapped here); rcx and rdi come back 32-bit. */
	s = sio_for((3UL << 32) | 4, FW_CFG_DATA, NULL, (void *)0xffffffff00123456UL);
	if (catch_fault(sio_a32_rep_insb, &s, &f, "addr32 rep insb"))
		xtest_check(f.vector == X86_EXC_PF && f.cr2 == 0x123456 && f.rcx == 4 &&
				f.rdi == 0x123456,
			    "addr32 rep insb: vector %u cr2 %#lx rcx %#lx rdi %#lx", f.vector,
			    f.cr2, f.rcx, f.rdi);
}

/* ---- I/O permission ---- */

static void expect_gp(void (*fn)(void *), struct sio *s, const char *what)
{
	struct xtest_fault f;
	struct sio before = *s;

	if (catch_fault(fn, s, &f, what))
		xtest_check(f.vector == X86_EXC_GP && f.error_code == 0 && f.rcx == before.rcx &&
				f.rdi == before.rdi,
			    "%s: vector %u error code %#lx", what, f.vector, f.error_code);
}

/* ---- PCI configuration ports: string forms go the same way as in/out ---- */

#define PCI_HOST_ID 0x80000000u	   /* 00:00.0, vendor and device ID */
#define PCI_HOST_CLASS 0x80000008u /* 00:00.0, class code and revision */

static void check_pci_conf(void)
{
	unsigned int id, class, addr, got[2] = { 0, 0 };
	unsigned short half[2] = { 0, 0 };
	struct sio s;

	outl_p(PCI_ADDR, PCI_HOST_ID);
	id = inl_p(PCI_DATA);
	outl_p(PCI_ADDR, PCI_HOST_CLASS);
	class = inl_p(PCI_DATA);
	if (id == ~0u || id == class) {
		xtest_fail("host bridge ID %#x class %#x", id, class);
		return;
	}

	/* outsl to the address port: the register selected, as by outl. */
	addr = PCI_HOST_ID;
	s = sio_for(0, PCI_ADDR, &addr, NULL);
	run(sio_outsl, &s, "outsl to 0xcf8");
	xtest_check(inl_p(PCI_ADDR) == PCI_HOST_ID, "0xcf8 after outsl reads %#x", inl_p(PCI_ADDR));
	xtest_check(inl_p(PCI_DATA) == id, "data after outsl to 0xcf8 reads %#x, not the ID %#x",
		    inl_p(PCI_DATA), id);

	/* insl from the address port reads what outl put there. */
	outl_p(PCI_ADDR, PCI_HOST_CLASS);
	addr = 0;
	s = sio_for(0, PCI_ADDR, NULL, &addr);
	run(sio_insl, &s, "insl from 0xcf8");
	xtest_check(addr == PCI_HOST_CLASS, "insl from 0xcf8 read %#x", addr);

	/* rep insl from the data port: the selected register, every time. */
	s = sio_for(2, PCI_DATA, NULL, got);
	run(sio_rep_insl, &s, "rep insl from 0xcfc");
	xtest_check(got[0] == class && got[1] == class, "rep insl from 0xcfc read %#x %#x", got[0],
		    got[1]);

	/* insw from 0xcfe: the upper half (the device ID). */
	outl_p(PCI_ADDR, PCI_HOST_ID);
	s = sio_for(2, PCI_DATA + 2, NULL, half);
	run(sio_rep_insw, &s, "rep insw from 0xcfe");
	xtest_check(half[0] == (id >> 16) && half[1] == (id >> 16), "rep insw from 0xcfe read %#x",
		    half[0]);
}

static void check_permission(void)
{
	unsigned char buf[4];
	struct sio s;

	xtest_check(set_iopl(0) == 0, "set_iopl(0) refused");
	s = sio_for(2, FW_CFG_DATA, NULL, buf);
	expect_gp(sio_rep_insb, &s, "rep insb with IOPL 0");
	s = sio_for(2, CMOS_INDEX, buf, NULL);
	expect_gp(sio_rep_outsb, &s, "rep outsb with IOPL 0");

	/* The I/O bitmap: a clear bit allows the port, for ports below nr_ports only. */
	memset(bitmap, 0xff, sizeof(bitmap));
	bitmap[FW_CFG_DATA / 8] &= (unsigned char)~(1u << (FW_CFG_DATA % 8));
	bitmap[FW_CFG_SEL / 8] &= (unsigned char)~(1u << (FW_CFG_SEL % 8));
	xtest_check(set_iobitmap(bitmap, 0x600) == 0, "set_iobitmap refused");
	fw_cfg_select(0); /* outw to 0x510: bits of 0x510 and 0x511 both clear */
	memset(buf, 0, sizeof(buf));
	s = sio_for(4, FW_CFG_DATA, NULL, buf);
	run(sio_rep_insb, &s, "rep insb allowed by the I/O bitmap");
	xtest_check(!memcmp(buf, "QEMU", 4), "rep insb through the bitmap read %.4s", buf);
	s = sio_for(1, CMOS_INDEX, buf, NULL);
	expect_gp(sio_rep_outsb, &s, "rep outsb to a port the bitmap denies");
	/* Ports [port, port + size) must all lie below nr_ports: 0x511 needs 0x512. */
	xtest_check(set_iobitmap(bitmap, 0x511) == 0, "set_iobitmap(0x511) refused");
	s = sio_for(1, FW_CFG_DATA, NULL, buf);
	expect_gp(sio_rep_insb, &s, "rep insb at the bitmap's limit");
	xtest_check(set_iobitmap(bitmap, 0x512) == 0, "set_iobitmap(0x512) refused");
	s = sio_for(1, FW_CFG_DATA, NULL, buf);
	run(sio_rep_insb, &s, "rep insb below the bitmap's limit");
	xtest_check(set_iobitmap(bitmap, 0) == 0, "set_iobitmap(0) refused");
	xtest_check(set_iobitmap(bitmap, 0x10001) == -22, "set_iobitmap(0x10001) accepted");
	xtest_check(set_iopl(1) == 0, "set_iopl(1) refused");
}

void test_main(void)
{
	if (set_iopl(1)) {
		xtest_error("set_iopl(1) refused");
		return;
	}
	check_fw_cfg();
	check_ins_wide();
	check_outs_bytes();
	check_outs_words();
	check_outs_dwords();
	if (have_piix_ide()) {
		check_ide_in();
		check_ide_out();
	} else {
		printk("no PIIX IDE function (q35): the IDE CD drive checks are left out\n");
	}
	check_faults();
	check_pci_conf();
	check_permission();
	printk("string I/O checks done\n");
}

TEST_EXPECT("string I/O checks done");
