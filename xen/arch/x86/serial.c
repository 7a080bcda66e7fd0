/* The 16550 UART on COM1, polled. */
#include "types.h"
#include "asm.h"
#include "serial.h"

#define COM1 0x3f8
#define UART_THR 0
#define UART_RBR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20

static bool serial_present;

static u8 lcr_value(u8 data_bits, char parity, u8 stop_bits)
{
	u8 lcr = (u8)((data_bits - 5) & 3);

	if (stop_bits == 2)
		lcr |= 0x04;
	if (parity == 'o')
		lcr |= 0x08;
	else if (parity == 'e')
		lcr |= 0x18;
	return lcr;
}

void serial_init(u32 baud, u8 data_bits, char parity, u8 stop_bits)
{
	u32 div = baud ? 115200 / baud : 1;

	if (!div)
		div = 1;
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, 0x80);
	outb(COM1 + UART_DLL, (u8)div);
	outb(COM1 + UART_DLM, (u8)(div >> 8));
	outb(COM1 + UART_LCR, lcr_value(data_bits ? data_bits : 8, parity, stop_bits));
	outb(COM1 + UART_FCR, 0x07);
	outb(COM1 + UART_MCR, 0x03);
	/* A missing UART reads back all ones. */
	serial_present = inb(COM1 + UART_LSR) != 0xff;
}

void serial_putc(char c)
{
	int spin = 100000;

	if (!serial_present)
		return;
	while (!(inb(COM1 + UART_LSR) & LSR_THRE) && --spin)
		cpu_relax();
	outb(COM1 + UART_THR, (u8)c);
}

int serial_getc(void)
{
	if (!serial_present || !(inb(COM1 + UART_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + UART_RBR);
}
