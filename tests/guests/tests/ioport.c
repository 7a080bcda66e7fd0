/*
 * I/O ports for the control domain: a #GP until PHYSDEVOP_set_iopl gives
 * the kernel a virtual IOPL; then real access, except on the ports the
 * hypervisor keeps (its console's COM1, the PIC), which read as all ones and
 * swallow writes, as on Xen. The CMOS RTC is the real-access probe.
 *
 * Two ports differ, deliberately (docs/abi-status.md), and are pinned per
 * hypervisor: port 0x61, where Xen shows its emulated PIT channel 2 and
 * speaker gate (bits 0, 1, 4, 5 only) and Petrel, which emulates no PIT,
 * all ones; and QEMU's debug-exit port 0xf4, which Petrel keeps (it ends
 * the machine through it) while Xen gives it to dom0, where a write would
 * end QEMU: so it is written only on Petrel.
 */
#include "xtest.h"

#define HC_physdev_op 33
#define PHYSDEVOP_set_iopl 6

static unsigned char cmos_status_b;

static void cmos_read_b(void *arg)
{
	unsigned char v;

	(void)arg;
	__asm__ volatile("outb %1, $0x70\n\tinb $0x71, %0" : "=a"(v) : "a"((unsigned char)0x0b));
	cmos_status_b = v;
}

static void com1_write(void *arg)
{
	(void)arg;
	__asm__ volatile("outb %0, %1" : : "a"((unsigned char)'!'), "Nd"((unsigned short)0x3f8));
}

static unsigned char read_port(unsigned short port)
{
	unsigned char v = 0x5a;

	__asm__ volatile("inb %1, %0" : "+a"(v) : "Nd"(port));
	return v;
}

static void debug_exit_write(void *arg)
{
	(void)arg;
	__asm__ volatile("outl %0, %1" : : "a"(0x7fu), "Nd"((unsigned short)0xf4));
}

static void pic_mask_write(void *arg)
{
	(void)arg;
	__asm__ volatile("outb %0, $0x21" : : "a"((unsigned char)0));
}

static void do_cli_sti(void *arg)
{
	(void)arg;
	__asm__ volatile("cli; sti" ::: "memory");
}

static long set_iopl(unsigned int iopl)
{
	uint32_t arg = iopl;

	return hypercall(HC_physdev_op, PHYSDEVOP_set_iopl, (unsigned long)&arg, 0, 0, 0);
}

static void expect_gp(void (*fn)(void *), const char *what)
{
	struct xtest_fault f;

	if (!xtest_catch(fn, NULL, &f))
		xtest_fail("%s was allowed", what);
	else
		xtest_check(f.vector == X86_EXC_GP && f.error_code == 0,
			    "%s raised vector %u error code %#lx", what, f.vector, f.error_code);
}

void test_main(void)
{
	struct xtest_fault f;

	expect_gp(cmos_read_b, "port I/O before set_iopl");
	expect_gp(do_cli_sti, "cli before set_iopl");
	xtest_check(set_iopl(4) == -22, "set_iopl(4) accepted");
	xtest_check(set_iopl(1) == 0, "set_iopl(1) refused");
	/* With a virtual IOPL of 1 the kernel's cli/sti are accepted (and do nothing). */
	if (xtest_catch(do_cli_sti, NULL, &f))
		xtest_fail("cli/sti after set_iopl(1) raised vector %u", f.vector);
	if (xtest_catch(cmos_read_b, NULL, &f)) {
		xtest_fail("CMOS read after set_iopl faulted (vector %u)", f.vector);
	} else {
		/* QEMU's RTC runs in 24-hour mode: bit 1 of status register B. */
		printk("CMOS status B %#x\n", cmos_status_b);
		xtest_check(cmos_status_b & 0x02, "CMOS status B %#x", cmos_status_b);
	}
	/* The hypervisor's ports: no fault, reads all ones (COM1's LSR really reads 0x60). */
	xtest_check(read_port(0x3fd) == 0xff, "COM1 LSR read %#x", read_port(0x3fd));
	xtest_check(read_port(0x21) == 0xff, "PIC mask read %#x", read_port(0x21));
	/* ... and writes vanish. */
	if (xtest_catch(com1_write, NULL, &f) || xtest_catch(pic_mask_write, NULL, &f))
		xtest_fail("a write to a kept port faulted (vector %u)", f.vector);
	if (!xtest_on_petrel()) {
		xtest_check(!(read_port(0x61) & 0xcc), "port 0x61 read %#x", read_port(0x61));
		printk("port 0x61 is Xen's emulated speaker port\n");
		return;
	}
	xtest_check(read_port(0x61) == 0xff, "port 0x61 read %#x", read_port(0x61));
	/* Petrel's debug-exit port: this write would otherwise end QEMU here. */
	if (xtest_catch(debug_exit_write, NULL, &f))
		xtest_fail("debug-exit write faulted (vector %u)", f.vector);
	printk("still running after writing to the debug-exit port\n");
}
