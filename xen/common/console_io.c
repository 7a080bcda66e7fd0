/*
 * console_io: the initial domain writes straight to the serial console,
 * unprefixed (as on Xen), and reads what is typed there. Other domains get
 * -EPERM, as from a Xen 4.17 built without VERBOSE_DEBUG, except the
 * multiboot "domu" testing aid's domain, whose output is prefixed "(dN) "
 * and filtered by guest_loglvl.
 */
#include "types.h"
#include "lib.h"
#include "errno.h"
#include "console.h"
#include "serial.h"
#include "domain.h"
#include "uaccess.h"
#include "hypercall.h"
#include "event.h"
#include "timer.h"
#include "public/xen.h"
#include "hcstats.h"
#include "cmdline.h"
#include "setup.h"

/*
 * Serial input for the control domain. COM1's interrupt is not wired up:
 * a 10 ms hypervisor timer moves what was typed into a small ring and
 * raises VIRQ_CONSOLE when the domain has bound it; CONSOLEIO_read drains
 * the ring, then the UART.
 */
#define CONSOLE_POLL_NS MILLISECS(10)
#define HANG_DUMP_KEY 0x1d /* Ctrl-]: hang_dump() instead of input, with hang_key */
static char in_ring[1024];
static unsigned int in_head, in_tail; /* free-running; head - tail = bytes held */
static struct timer console_timer;
static struct domain *console_dom;

/*
 * The next byte typed on the serial line, or -1. With hang_key, Ctrl-] is
 * taken here (hang_dump()) and never reaches the domain.
 */
static int serial_take(void)
{
	int c;

	while ((c = serial_getc()) == HANG_DUMP_KEY && boot_opts.hang_key)
		hang_dump();
	return c;
}

/*
 * Move what was typed into the ring (also before the domain binds
 * VIRQ_CONSOLE, so that the hang key works from the start) and raise the
 * VIRQ while the ring holds bytes and it is bound.
 */
static void console_poll(void *data)
{
	struct domain *d = data;
	int c;

	while (in_head - in_tail < sizeof(in_ring) && (c = serial_take()) >= 0)
		in_ring[in_head++ % sizeof(in_ring)] = (char)c;
	if (in_head != in_tail && virq_bound(d->vcpu[0], VIRQ_CONSOLE))
		send_guest_global_virq(d, VIRQ_CONSOLE);
	set_timer(&console_timer, system_time() + CONSOLE_POLL_NS);
}

void console_input_start(struct domain *d)
{
	if (!d->is_privileged || console_dom)
		return;
	console_dom = d;
	init_timer(&console_timer, console_poll, d);
	set_timer(&console_timer, system_time() + CONSOLE_POLL_NS);
}

static int console_getc(void)
{
	if (in_head != in_tail)
		return (unsigned char)in_ring[in_tail++ % sizeof(in_ring)];
	return serial_take();
}

static long console_write_guest(unsigned long count, unsigned long buf)
{
	char chunk[128];

	for (bool first = true; count; first = false) {
		size_t n = MIN(count, sizeof(chunk));

		/* Preempt only after progress, so a continuation always moves on. */
		if (!first && hypercall_preempt_check()) {
			const unsigned long args[3] = { CONSOLEIO_write, count, buf };

			return hypercall_create_continuation(__HYPERVISOR_console_io, 3, args);
		}
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
		       (c = console_getc()) >= 0)
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
	/* Xen reads the sub-op and the count as 32-bit values. */
	cmd = (unsigned int)cmd;
	count = (unsigned int)count;
	/* Xen 4.17 as built without VERBOSE_DEBUG: the console is the console domain's alone. */
	if (!current->domain->is_console)
		return -EPERM;
	switch (cmd) {
	case CONSOLEIO_write:
		return console_write_guest(count, buf);
	case CONSOLEIO_read:
		return console_read_guest(count, buf);
	default:
		return -ENOSYS;
	}
}
