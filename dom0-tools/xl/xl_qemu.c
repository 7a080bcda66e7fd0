/* SPDX-License-Identifier: MIT */
/*
 * QEMU as the backend of a PV domain's qdisk disks, as libxl runs it:
 * Debian's qemu-system-xen with -machine xenpv attached to the domain, its
 * output in /var/log/xen/qemu-dm-NAME.log, ready once it writes "running"
 * to /local/domain/0/device-model/DOMID/state; its pid in
 * /local/domain/DOMID/image/device-model-pid, where libxl looks for it when
 * it destroys the domain.  QEMU's xen-block then serves each disk libxl's
 * way: the backend directory backend/qdisk/DOMID/DEVID with params
 * FORMAT:PATH (xl_device.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xenstore.h"
#include "xl.h"

#define QEMU_PATH "/usr/libexec/xen-qemu-system-i386"
#define QEMU_LOG_DIR "/var/log/xen"
#define QMP_DIR "/var/run/xen"
#define QEMU_START_MS 120000 /* QEMU's start under nested TCG on a loaded host */
#define QEMU_STOP_MS 5000

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static char *read_path(const char *path)
{
	unsigned int len;

	return xs_read(xl_xs(), XBT_NULL, path, &len);
}

static bool write_path(const char *path, const char *val)
{
	return xs_write(xl_xs(), XBT_NULL, path, val, (unsigned int)strlen(val));
}

/* In the grandchild: the log as stdout and stderr, then QEMU. */
static void exec_qemu(uint16_t domid, const char *name, long memory_mb)
{
	char id[8], qmp[128], log[256], mem[24];
	int fd;

	snprintf(id, sizeof(id), "%u", domid);
	snprintf(qmp, sizeof(qmp), "socket,id=libxl-cmd,path=%s/qmp-libxl-%u,server=on,wait=off",
		 QMP_DIR, domid);
	snprintf(log, sizeof(log), "%s/qemu-dm-%s.log", QEMU_LOG_DIR, name);
	snprintf(mem, sizeof(mem), "%ld", memory_mb);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
	}
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0)
		dup2(fd, STDIN_FILENO);
	execl(QEMU_PATH, QEMU_PATH, "-xen-domid", id, "-no-shutdown", "-chardev", qmp, "-mon",
	      "chardev=libxl-cmd,mode=control", "-nodefaults", "-no-user-config", "-xen-attach",
	      "-name", name, "-vnc", "none", "-display", "none", "-nographic", "-machine", "xenpv",
	      "-m", mem, (char *)NULL);
	_exit(127);
}

/* QEMU in a session of its own, not pxl's child; its pid, or -1. */
static pid_t spawn_qemu(uint16_t domid, const char *name, long memory_mb)
{
	int fds[2], status;
	pid_t child, pid = -1;

	if (pipe(fds))
		return -1;
	child = fork();
	if (child == 0) {
		close(fds[0]);
		setsid();
		pid = fork();
		if (pid == 0)
			exec_qemu(domid, name, memory_mb);
		if (write(fds[1], &pid, sizeof(pid)) != sizeof(pid))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (child > 0) {
		if (read(fds[0], &pid, sizeof(pid)) != sizeof(pid))
			pid = -1;
		while (waitpid(child, &status, 0) < 0 && errno == EINTR)
			;
	}
	close(fds[0]);
	return pid;
}

/* The device model's directory, the domain's to read as libxl makes it. */
static bool dm_dir(uint16_t domid, char *path, size_t size)
{
	struct xs_permissions perms[2] = { { 0, XS_PERM_NONE }, { domid, XS_PERM_READ } };

	snprintf(path, size, "/local/domain/0/device-model/%u", domid);
	xs_rm(xl_xs(), XBT_NULL, path);
	return xs_mkdir(xl_xs(), XBT_NULL, path) &&
	       xs_set_permissions(xl_xs(), XBT_NULL, path, perms, 2);
}

/* Until QEMU writes "running" or exits; 0, or -1 after `ms`. */
static int wait_running(const char *dir, pid_t pid, long ms)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/state", dir);
	for (long waited = 0; waited < ms && kill(pid, 0) == 0; waited += 100) {
		char *state = read_path(path);
		bool running = state && strcmp(state, "running") == 0;

		free(state);
		if (running)
			return 0;
		sleep_ms(100);
	}
	return -1;
}

int xl_qemu_start(uint16_t domid, const char *name, long memory_mb)
{
	char dir[96], path[96], val[24];
	pid_t pid;

	mkdir(QEMU_LOG_DIR, 0755);
	mkdir(QMP_DIR, 0755);
	if (!dm_dir(domid, dir, sizeof(dir))) {
		fprintf(stderr, "%s: writing %s failed: %m\n", xl_prog, dir);
		return -1;
	}
	pid = spawn_qemu(domid, name, memory_mb);
	if (pid < 0) {
		fprintf(stderr, "%s: starting %s failed: %m\n", xl_prog, QEMU_PATH);
		return -1;
	}
	snprintf(path, sizeof(path), "/local/domain/%u/image/device-model-pid", domid);
	snprintf(val, sizeof(val), "%d", (int)pid);
	write_path(path, val);
	snprintf(path, sizeof(path), "/libxl/%u/dm-version", domid);
	write_path(path, "qemu_xen");
	if (wait_running(dir, pid, QEMU_START_MS)) {
		fprintf(stderr,
			"%s: QEMU (pid %d) did not start for domain %u: see %s/qemu-dm-%s.log\n",
			xl_prog, (int)pid, domid, QEMU_LOG_DIR, name);
		xl_qemu_stop(domid);
		return -1;
	}
	xl_phase("QEMU started");
	return 0;
}

/* Whether the domain has a device model, as libxl judges it: its recorded pid. */
bool xl_qemu_active(uint16_t domid)
{
	char path[96];
	char *v;

	snprintf(path, sizeof(path), "/local/domain/%u/image/device-model-pid", domid);
	v = read_path(path);
	free(v);
	return v != NULL;
}

/* Whether `pid` is the QEMU attached to `domid` (a pid may have been reused). */
static bool is_domain_qemu(pid_t pid, uint16_t domid)
{
	char path[64], args[4096], want[16];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, args, sizeof(args) - 1);
	close(fd);
	if (n <= 0)
		return false;
	args[n] = 0;
	snprintf(want, sizeof(want), "%u", domid);
	/* argv[0], then "-xen-domid", then the domid */
	for (char *a = args; a < args + n - 1; a += strlen(a) + 1)
		if (strcmp(a, "-xen-domid") == 0)
			return strcmp(a + strlen(a) + 1, want) == 0;
	return false;
}

void xl_qemu_stop(uint16_t domid)
{
	char path[96];
	char *v;
	pid_t pid;

	snprintf(path, sizeof(path), "/local/domain/%u/image/device-model-pid", domid);
	v = read_path(path);
	if (!v)
		return;
	pid = (pid_t)strtol(v, NULL, 10);
	free(v);
	if (pid > 0 && is_domain_qemu(pid, domid)) {
		kill(pid, SIGTERM);
		for (long waited = 0; kill(pid, 0) == 0 && waited < QEMU_STOP_MS; waited += 50)
			sleep_ms(50);
		if (kill(pid, 0) == 0)
			kill(pid, SIGKILL);
	}
	xs_rm(xl_xs(), XBT_NULL, path);
	snprintf(path, sizeof(path), "/local/domain/0/device-model/%u", domid);
	xs_rm(xl_xs(), XBT_NULL, path);
}
