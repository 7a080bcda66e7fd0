#ifndef PETREL_SERIAL_H
#define PETREL_SERIAL_H
#include "types.h"
void serial_init(u32 baud, u8 data_bits, char parity, u8 stop_bits);
void serial_putc(char c);
int serial_getc(void); /* -1 when nothing is waiting */
#endif
