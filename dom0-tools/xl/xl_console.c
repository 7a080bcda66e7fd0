/* SPDX-License-Identifier: MIT */
/*
 * xl console: attach the terminal to a domain's console pty, the one the
 * console daemon (xenconsoled or pxenconsoled) wrote into xenstore.  Bytes
 * go both ways until Ctrl-] is typed, the pty closes or the domain is gone.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "xenstore.h"
#include "xl.h"

#define ESCAPE_CHAR 0x1d /* Ctrl-] */

/* Whether the domain still exists and is not being destroyed. */
static bool domain_alive(uint16_t domid)
{
	struct xen_domctl_getdomaininfo info;

	return ctrl_domain_info(xl_ctrl(), domid, &info) == 0 &&
	       !(info.flags & XEN_DOMINF_dying);
}

static void tty_path(char *out, size_t size, uint16_t domid, bool serial, unsigned int num)
{
	if (serial)
		snprintf(out, size, "/local/domain/%u/serial/%u/tty", domid, num);
	else if (num == 0)
		snprintf(out, size, "/local/domain/%u/console/tty", domid);
	else
		snprintf(out, size, "/local/domain/%u/device/console/%u/tty", domid, num);
}

/* The pty's path once the daemon has written it (NULL if the domain goes first). */
static char *wait_for_tty(uint16_t domid, const char *node)
{
	struct xs_handle *xs = xl_xs();
	struct pollfd p = { .fd = xs_fileno(xs), .events = POLLIN };
	unsigned int len;
	char *tty, **ev;

	xs_watch(xs, node, "tty");
	for (;;) {
		tty = xs_read(xs, XBT_NULL, node, &len);
		if (tty && *tty)
			break;
		free(tty);
		tty = NULL;
		if (!domain_alive(domid))
			break;
		if (poll(&p, 1, 1000) > 0)
			while ((ev = xs_check_watch(xs)))
				free(ev);
	}
	xs_unwatch(xs, node, "tty");
	return tty;
}

static void make_raw(int fd, struct termios *saved)
{
	struct termios t;

	if (tcgetattr(fd, &t))
		return;
	if (saved)
		*saved = t;
	cfmakeraw(&t);
	tcsetattr(fd, TCSANOW, &t);
}

static bool write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/*
 * Copy terminal <-> pty.  Returns when Ctrl-] is read, the pty hangs up or
 * the domain is gone; stdin's end only stops the input side.
 */
static void copy_loop(int pty, uint16_t domid)
{
	struct pollfd p[2] = { { .fd = pty, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
	char buf[4096], *esc;
	ssize_t n;
	int r;

	for (;;) {
		r = poll(p, 2, 1000);
		if (r < 0)
			return;
		if (r == 0) {
			if (!domain_alive(domid))
				return;
			continue;
		}
		if (p[0].revents) {
			n = read(pty, buf, sizeof(buf));
			if (n <= 0 || !write_all(1, buf, (size_t)n))
				return;
		}
		if (p[1].revents) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0) {
				p[1].fd = -1; /* no more input; keep showing output */
				continue;
			}
			esc = memchr(buf, ESCAPE_CHAR, (size_t)n);
			write_all(pty, buf, esc ? (size_t)(esc - buf) : (size_t)n);
			if (esc)
				return;
		}
	}
}

int xl_console_open(uint16_t domid, bool serial, unsigned int num)
{
	char node[128], *tty;
	int pty;

	tty_path(node, sizeof(node), domid, serial, num);
	tty = wait_for_tty(domid, node);
	if (!tty) {
		fprintf(stderr, "%s: domain %u has no console at %s\n", xl_prog, domid, node);
		return -1;
	}
	pty = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (pty < 0)
		fprintf(stderr, "%s: cannot open %s: %m\n", xl_prog, tty);
	else
		make_raw(pty, NULL);
	free(tty);
	return pty;
}

int xl_console_run(int pty, uint16_t domid)
{
	struct termios saved;
	bool restore = false;

	if (isatty(0)) {
		make_raw(0, &saved);
		restore = true;
	}
	copy_loop(pty, domid);
	if (restore)
		tcsetattr(0, TCSANOW, &saved);
	close(pty);
	return EXIT_SUCCESS;
}

int main_console(int argc, char **argv)
{
	bool serial = false;
	unsigned int num = 0;
	uint16_t domid;
	char *end;
	int opt, pty;

	while ((opt = xl_getopt(argc, argv, "n:t:", "console", 1)) != -1) {
		if (opt == 't' && (!strcmp(optarg, "pv") || !strcmp(optarg, "serial"))) {
			serial = !strcmp(optarg, "serial");
		} else if (opt == 't') {
			fprintf(stderr, "console type must be \"pv\" or \"serial\"\n");
			return EXIT_FAILURE;
		} else if (opt == 'n') {
			num = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || !*optarg || num > 1023) {
				fprintf(stderr, "console number must be 0 to 1023\n");
				return EXIT_FAILURE;
			}
		}
	}
	domid = xl_find_domain(argv[optind]);
	pty = xl_console_open(domid, serial, num);
	return pty < 0 ? EXIT_FAILURE : xl_console_run(pty, domid);
}
