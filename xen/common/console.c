/*
 * The hypervisor console: printk with Xen's log levels, every line of
 * hypervisor output prefixed "(XEN) ", and the raw path dom0 writes through.
 */
#include "types.h"
#include "lib.h"
#include "console.h"
#include "serial.h"
#include "shutdown.h"
#include "smp.h"
#include "spinlock.h"
#include "domain.h"
#include "event.h"
#include "timer.h"

/* Thresholds: a message of level L (0 = error .. 3 = debug) prints if L < lvl. */
static int console_loglvl = 2;
static int console_guest_loglvl = 2;
static bool at_line_start = true;
/*
 * Serialises output (serial port, ring, line state) between CPUs; the
 * innermost lock of all, taken with interrupts off. A panic takes it over.
 */
static DEFINE_SPINLOCK(console_lock);

void console_set_loglvl(int lvl, int guest_lvl)
{
	console_loglvl = lvl;
	console_guest_loglvl = guest_lvl;
}

static void serial_write(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == '\n')
			serial_putc('\r');
		serial_putc(buf[i]);
	}
}

/*
 * The console ring: everything the hypervisor prints, for the control
 * domain to read back (XEN_SYSCTL_readconsole, what `xl dmesg` shows).
 * Indexes run freely; the oldest byte still held is max(prod - size, cons).
 */
#define CONRING_SIZE 16384
static char conring[CONRING_SIZE];
static u32 conring_prod, conring_cons;

static void conring_put(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		conring[conring_prod++ % CONRING_SIZE] = s[i];
}

void console_write(const char *buf, size_t len)
{
	unsigned long flags;

	spin_lock_irqsave(&console_lock, flags);
	serial_write(buf, len);
	spin_unlock_irqrestore(&console_lock, flags);
}

/* The oldest byte the ring still holds. Called with console_lock held. */
static u32 conring_oldest(void)
{
	return conring_prod - conring_cons > CONRING_SIZE ? conring_prod - CONRING_SIZE
							  : conring_cons;
}

u32 conring_read(char *dst, u32 max, u32 *index, bool from_index)
{
	u32 c, n = 0;
	unsigned long flags;

	spin_lock_irqsave(&console_lock, flags);
	c = conring_oldest();
	/* A position counts only if it lies in (oldest, newest]. */
	if (from_index && *index - c - 1 < conring_prod - c)
		c = *index;
	for (; c != conring_prod && n < max; c++, n++)
		dst[n] = conring[c % CONRING_SIZE];
	*index = c;
	spin_unlock_irqrestore(&console_lock, flags);
	return n;
}

void conring_clear(u32 index)
{
	unsigned long flags;
	u32 c;

	spin_lock_irqsave(&console_lock, flags);
	c = conring_oldest();
	if (index - c <= conring_prod - c)
		conring_cons = index;
	spin_unlock_irqrestore(&console_lock, flags);
}

static void console_write_prefixed(const char *s)
{
	for (; *s; s++) {
		if (at_line_start) {
			serial_write("(XEN) ", 6);
			conring_put("(XEN) ", 6);
		}
		serial_write(s, 1);
		conring_put(s, 1);
		at_line_start = *s == '\n';
	}
}

/* Strip "<G>" and "<N>" prefixes; return the message's level (default warning). */
static const char *parse_level(const char *fmt, int *level, bool *guest)
{
	*level = 1;
	*guest = false;
	if (fmt[0] == '<' && fmt[1] == 'G' && fmt[2] == '>') {
		*guest = true;
		fmt += 3;
	}
	if (fmt[0] == '<' && fmt[1] >= '0' && fmt[1] <= '3' && fmt[2] == '>') {
		*level = fmt[1] - '0';
		fmt += 3;
	}
	return fmt;
}

/*
 * VIRQ_CON_RING tells dom0 (xenconsoled --log=hv) that the ring has new
 * bytes.  printk's caller may hold any lock, so the VIRQ is sent from a
 * timer callback on CPU 0 shortly after, one for a burst of lines.  Before
 * dom0 exists (and the timers run) nobody could listen: nothing is armed.
 */
#define CONRING_NOTIFY_DELAY MILLISECS(5)
static struct timer conring_timer;
static bool conring_timer_ready;
static bool conring_notify_armed;

static void conring_notify(void *unused)
{
	struct domain *hw = domain_by_id(DOMID_HARDWARE);

	(void)unused;
	__atomic_store_n(&conring_notify_armed, false, __ATOMIC_RELEASE);
	if (hw)
		send_guest_global_virq(hw, VIRQ_CON_RING);
}

static void conring_notify_soon(void)
{
	if (!domain_by_id(DOMID_HARDWARE))
		return;
	if (__atomic_exchange_n(&conring_notify_armed, true, __ATOMIC_ACQ_REL))
		return;
	if (!conring_timer_ready) {
		init_timer_on(&conring_timer, conring_notify, NULL, 0);
		conring_timer_ready = true;
	}
	set_timer(&conring_timer, system_time() + CONRING_NOTIFY_DELAY);
}

void vprintk(const char *fmt, va_list ap)
{
	char buf[512];
	int level;
	bool guest;
	unsigned long flags;

	fmt = parse_level(fmt, &level, &guest);
	if (level >= (guest ? console_guest_loglvl : console_loglvl))
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	spin_lock_irqsave(&console_lock, flags);
	console_write_prefixed(buf);
	spin_unlock_irqrestore(&console_lock, flags);
	conring_notify_soon();
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	__asm__ volatile("cli");
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Whoever held the console (maybe this CPU, mid-line) never gets it back. */
	spin_lock_init(&console_lock);
	console_set_loglvl(4, 4);
	printk("\n****************************************\n");
	printk("Panic on CPU %u:\n%s\n", smp_processor_id(), buf);
	printk("****************************************\n");
	machine_exit(EXIT_PANIC);
}
