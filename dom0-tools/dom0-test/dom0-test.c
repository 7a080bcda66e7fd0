// SPDX-License-Identifier: MIT
/*
 * dom0-test: prove dom0's Xen device interfaces end to end from user space.
 *
 *   privcmd  a xen_version hypercall through /dev/xen/privcmd
 *   evtchn   two event channel ports of this domain bound to each other
 *            through /dev/xen/evtchn, each signalled and seen by the other
 *   grant    a page granted to this domain through /dev/xen/gntalloc, mapped
 *            back through /dev/xen/gntdev, with data seen both ways
 *
 * One line per check, "PASS name" or "FAIL name: why", then a summary line
 * "dom0-test: N passed, N failed".  Exit status 0 only when nothing failed.
 * A group stops at its first failing step (later steps depend on it).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xen-dev-abi.h"

#define PAGE_SIZE 4096
#define EVENT_WAIT_MS 2000

static int n_pass, n_fail;
static int expect_major = 4, expect_minor = 17; /* -1: accept any */

static void pass(const char *name)
{
	printf("PASS %s\n", name);
	fflush(stdout);
	n_pass++;
}

static int fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	n_fail++;
	return -1;
}

/* Open a Xen device node; older layouts had privcmd under /proc/xen. */
static int open_dev(const char *name, const char *path, const char *alt)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0 && alt)
		fd = open(alt, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(name, "open %s: %s", path, strerror(errno));
	pass(name);
	return fd;
}

static long hypercall(int fd, uint64_t op, uint64_t a0, uint64_t a1)
{
	struct privcmd_hypercall h = { .op = op, .arg = { a0, a1 } };

	return ioctl(fd, IOCTL_PRIVCMD_HYPERCALL, &h);
}

static int check_xen_version(int fd)
{
	long v = hypercall(fd, HYPERCALL_XEN_VERSION, XENVER_VERSION, 0);
	int major, minor;

	if (v < 0)
		return fail("privcmd-xen-version", "ioctl: %s", strerror(errno));
	major = (int)((unsigned long)v >> 16);
	minor = (int)(v & 0xffff);
	printf("info: hypervisor reports version %d.%d\n", major, minor);
	if (expect_major >= 0 && (major != expect_major || minor != expect_minor))
		return fail("privcmd-xen-version", "got %d.%d, expected %d.%d", major, minor,
			    expect_major, expect_minor);
	pass("privcmd-xen-version");
	return 0;
}

static int check_extraversion(int fd)
{
	char buf[XEN_EXTRAVERSION_LEN + 1];
	long r;

	memset(buf, 0x7f, sizeof(buf));
	buf[XEN_EXTRAVERSION_LEN] = '\0';
	r = hypercall(fd, HYPERCALL_XEN_VERSION, XENVER_EXTRAVERSION, (uintptr_t)buf);
	if (r < 0)
		return fail("privcmd-extraversion", "ioctl: %s", strerror(errno));
	if (memchr(buf, '\0', XEN_EXTRAVERSION_LEN) == NULL)
		return fail("privcmd-extraversion", "buffer not written or not terminated");
	printf("info: extraversion \"%s\"\n", buf);
	pass("privcmd-extraversion");
	return 0;
}

static void test_privcmd(void)
{
	int fd = open_dev("privcmd-open", "/dev/xen/privcmd", "/proc/xen/privcmd");

	if (fd < 0)
		return;
	if (check_xen_version(fd) == 0)
		check_extraversion(fd);
	close(fd);
}

/* Wait for one pending port on the evtchn fd; returns it, or -1. */
static long evtchn_wait(int fd, const char *name)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint32_t port;
	int r = poll(&p, 1, EVENT_WAIT_MS);

	if (r < 0)
		return fail(name, "poll: %s", strerror(errno));
	if (r == 0)
		return fail(name, "no event within %d ms", EVENT_WAIT_MS);
	if (read(fd, &port, sizeof(port)) != (ssize_t)sizeof(port))
		return fail(name, "read: %s", strerror(errno));
	/* Unmask it again so that the port can fire once more. */
	if (write(fd, &port, sizeof(port)) != (ssize_t)sizeof(port))
		return fail(name, "unmask write: %s", strerror(errno));
	return port;
}

/*
 * Xen marks the local end of a fresh interdomain binding pending (a notify
 * sent to the unbound port may have been lost).  Take such events off the
 * fd so that the pings below see only their own.
 */
static void evtchn_drain(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint32_t port;

	while (poll(&p, 1, 100) > 0 && read(fd, &port, sizeof(port)) == (ssize_t)sizeof(port)) {
		printf("info: port %u was pending after binding\n", port);
		if (write(fd, &port, sizeof(port)) != (ssize_t)sizeof(port))
			break;
	}
}

/* Signal @from and expect @to to become pending. */
static int evtchn_ping(int fd, uint32_t from, uint32_t to, const char *name)
{
	struct evtchn_port_arg n = { .port = from };
	long got;

	if (ioctl(fd, IOCTL_EVTCHN_NOTIFY, &n) < 0)
		return fail(name, "notify port %u: %s", from, strerror(errno));
	got = evtchn_wait(fd, name);
	if (got < 0)
		return -1;
	if ((uint32_t)got != to)
		return fail(name, "port %ld pending, expected %u", got, to);
	pass(name);
	return 0;
}

static int evtchn_unbind(int fd, uint32_t port)
{
	struct evtchn_port_arg u = { .port = port };

	return ioctl(fd, IOCTL_EVTCHN_UNBIND, &u);
}

static void test_evtchn(void)
{
	struct evtchn_bind_unbound_arg ub = { .remote_domain = DOMID_SELF_DOM0 };
	struct evtchn_bind_interdomain_arg bi = { .remote_domain = DOMID_SELF_DOM0 };
	int fd = open_dev("evtchn-open", "/dev/xen/evtchn", NULL);
	int a, b;

	if (fd < 0)
		return;
	a = ioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &ub);
	if (a < 0) {
		fail("evtchn-alloc-unbound", "%s", strerror(errno));
		goto out;
	}
	pass("evtchn-alloc-unbound");
	bi.remote_port = (uint32_t)a;
	b = ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &bi);
	if (b < 0) {
		fail("evtchn-bind-interdomain", "to own port %d: %s", a, strerror(errno));
		goto out_a;
	}
	printf("info: event channel ports %d <-> %d\n", a, b);
	pass("evtchn-bind-interdomain");
	evtchn_drain(fd);
	if (evtchn_ping(fd, (uint32_t)b, (uint32_t)a, "evtchn-notify-a") == 0)
		evtchn_ping(fd, (uint32_t)a, (uint32_t)b, "evtchn-notify-b");
	if (evtchn_unbind(fd, (uint32_t)b) < 0)
		fail("evtchn-unbind", "port %d: %s", b, strerror(errno));
out_a:
	if (evtchn_unbind(fd, (uint32_t)a) < 0)
		fail("evtchn-unbind", "port %d: %s", a, strerror(errno));
	else
		pass("evtchn-unbind");
out:
	close(fd);
}

/* Map the grant @ref of dom0 through gntdev; check data both ways. */
static int grant_map_back(uint32_t ref, volatile uint32_t *shared)
{
	struct gntdev_map_arg map = { .count = 1, .refs = { { DOMID_SELF_DOM0, ref } } };
	struct gntdev_unmap_arg unmap = { .count = 1 };
	volatile uint32_t *peer;
	int fd = open_dev("gntdev-open", "/dev/xen/gntdev", NULL);
	int rc = -1;

	if (fd < 0)
		return -1;
	if (ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, &map) < 0) {
		fail("gntdev-map", "grant %u: %s", ref, strerror(errno));
		goto out;
	}
	peer = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)map.index);
	if (peer == MAP_FAILED) {
		fail("gntdev-map", "mmap grant %u: %s", ref, strerror(errno));
		goto out_unmap;
	}
	pass("gntdev-map");
	if (peer[0] != 0x50657472u || peer[1023] != 0x656c2121u) {
		fail("grant-read", "mapped page holds %08x..%08x", peer[0], peer[1023]);
	} else {
		pass("grant-read");
		peer[512] = 0xd0d0cafeu;
		if (shared[512] != 0xd0d0cafeu) {
			fail("grant-write", "granter sees %08x", shared[512]);
		} else {
			pass("grant-write");
			rc = 0;
		}
	}
	munmap((void *)peer, PAGE_SIZE);
out_unmap:
	unmap.index = map.index;
	if (ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &unmap) < 0)
		rc = fail("gntdev-unmap", "%s", strerror(errno));
out:
	close(fd);
	return rc;
}

static void test_grant(void)
{
	struct gntalloc_alloc_arg alloc = { .domid = DOMID_SELF_DOM0,
					    .flags = GNTALLOC_FLAG_WRITABLE,
					    .count = 1 };
	struct gntalloc_dealloc_arg dealloc = { .count = 1 };
	volatile uint32_t *page;
	int fd = open_dev("gntalloc-open", "/dev/xen/gntalloc", NULL);

	if (fd < 0)
		return;
	if (ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, &alloc) < 0) {
		fail("gntalloc-alloc", "%s", strerror(errno));
		goto out;
	}
	page = mmap(NULL, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)alloc.index);
	if (page == MAP_FAILED) {
		fail("gntalloc-alloc", "mmap: %s", strerror(errno));
		goto out_dealloc;
	}
	printf("info: granted page is grant reference %u\n", alloc.gref_ids[0]);
	pass("gntalloc-alloc");
	page[0] = 0x50657472u;	  /* "Petr" */
	page[1023] = 0x656c2121u; /* "el!!" */
	grant_map_back(alloc.gref_ids[0], page);
	munmap((void *)page, PAGE_SIZE);
out_dealloc:
	dealloc.index = alloc.index;
	if (ioctl(fd, IOCTL_GNTALLOC_DEALLOC_GREF, &dealloc) < 0)
		fail("gntalloc-dealloc", "%s", strerror(errno));
	else
		pass("gntalloc-dealloc");
out:
	close(fd);
}

static int usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--expect-version MAJOR.MINOR|any] [privcmd] [evtchn] [grant]\n"
		"  runs the named groups (default: all) and exits 0 when all pass\n",
		prog);
	return 2;
}

static int parse_version(const char *s)
{
	char tail;

	if (strcmp(s, "any") == 0) {
		expect_major = expect_minor = -1;
		return 0;
	}
	if (sscanf(s, "%d.%d%c", &expect_major, &expect_minor, &tail) != 2 || expect_major < 0 ||
	    expect_minor < 0)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	int want_p = 0, want_e = 0, want_g = 0, i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--expect-version") == 0 && i + 1 < argc) {
			if (parse_version(argv[++i]) < 0) {
				fprintf(stderr, "%s: bad version '%s'\n", argv[0], argv[i]);
				return usage(argv[0]);
			}
		} else if (strcmp(argv[i], "privcmd") == 0) {
			want_p = 1;
		} else if (strcmp(argv[i], "evtchn") == 0) {
			want_e = 1;
		} else if (strcmp(argv[i], "grant") == 0) {
			want_g = 1;
		} else {
			fprintf(stderr, "%s: unknown argument '%s'\n", argv[0], argv[i]);
			return usage(argv[0]);
		}
	}
	if (!want_p && !want_e && !want_g)
		want_p = want_e = want_g = 1;
	if (want_p)
		test_privcmd();
	if (want_e)
		test_evtchn();
	if (want_g)
		test_grant();
	printf("dom0-test: %d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
