/* Console output with Xen's log-level prefixes. */
#ifndef PETREL_CONSOLE_H
#define PETREL_CONSOLE_H

#include "types.h"

/* Log levels, as Xen spells them at the start of a printk format. */
#define XENLOG_ERR "<0>"
#define XENLOG_WARNING "<1>"
#define XENLOG_INFO "<2>"
#define XENLOG_DEBUG "<3>"
#define XENLOG_G_GUEST "<G>" /* message caused by a guest: guest_loglvl applies */

void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap);
/* Raw console write, no prefix, no level filtering (dom0's console_io). */
void console_write(const char *buf, size_t len);
void console_init(void);
/*
 * Copy up to @max bytes of the console ring to @dst, from the oldest byte
 * held, or (@from_index) from *@index if the ring holds bytes before that
 * position and it is not past the newest; *@index becomes the position after
 * the last byte copied. Positions are free-running byte counts.
 */
u32 conring_read(char *dst, u32 max, u32 *index, bool from_index);
/* Forget the bytes before position @index (ignored if outside the ring). */
void conring_clear(u32 index);
void console_set_loglvl(int lvl, int guest_lvl);
__noreturn void panic(const char *fmt, ...) __printf(1, 2);

#endif
