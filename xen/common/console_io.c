/*
 * console_io: the initial domain writes straight to the serial console,
 * unprefixed (as on Xen), and reads what is typed there. Other domains'
 * output is prefixed "(dN) " and filtered by guest_loglvl.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "console.h"
#include "serial.h"
#include "domain.h"
#include "uaccess.h"
#include "public/xen.h"

static long console_write_guest(unsigned long count, unsigned long buf)
{
	char chunk[128];

	while (count) {
		size_t n = MIN(count, sizeof(chunk));

		if (copy_from_guest(chunk, buf, n))
			return -EFAULT;
		if (current->domain->is_privileged) {
			console_write(chunk, n);
		} else {
			chunk[n < sizeof(chunk) ? n : sizeof(chunk) - 1] = '\0';
			printk(XENLOG_G_GUEST XENLOG_WARNING "(d%u) %s", current->domain->domain_id,
			       chunk);
		}
		buf += n;
		count -= n;
	}
	return 0;
}

static long console_read_guest(unsigned long count, unsigned long buf)
{
	char chunk[64];
	long done = 0;
	int c;

	if (!current->domain->is_privileged)
		return -EPERM;
	while ((unsigned long)done < count) {
		size_t n = 0;

		while (n < sizeof(chunk) && (unsigned long)done + n < count &&
		       (c = serial_getc()) >= 0)
			chunk[n++] = (char)c;
		if (!n)
			break;
		if (copy_to_guest(buf + (unsigned long)done, chunk, n))
			return -EFAULT;
		done += (long)n;
	}
	return done;
}

long do_console_io(unsigned long cmd, unsigned long count, unsigned long buf)
{
	switch (cmd) {
	case CONSOLEIO_write:
		return console_write_guest(count, buf);
	case CONSOLEIO_read:
		return console_read_guest(count, buf);
	default:
		return -ENOSYS;
	}
}
