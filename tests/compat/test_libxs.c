// SPDX-License-Identifier: GPL-2.0
/*
 * libxenstore API test: built against Petrel's xenstore.h, run against a
 * daemon with either Petrel's or Debian's libxenstore.so.4 (same binary), so
 * it checks both our library's behaviour and our header's ABI.
 * Prints "ok"/"FAIL" lines and "libxs: N passed, N failed".
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "xenstore.h"

static int pass, fail;

#define CHECK(name, cond)                                                                          \
	do {                                                                                       \
		if (cond) {                                                                        \
			pass++;                                                                    \
			printf("ok   %s\n", name);                                                 \
		} else {                                                                           \
			fail++;                                                                    \
			printf("FAIL %s (line %d, errno %d)\n", name, __LINE__, errno);            \
		}                                                                                  \
	} while (0)

static bool read_is(struct xs_handle *h, xs_transaction_t t, const char *path, const char *want)
{
	unsigned int len;
	char *v = xs_read(h, t, path, &len);
	bool ok = v && len == strlen(want) && !strcmp(v, want);

	free(v);
	return ok;
}

static bool event_is(char **ev, const char *path, const char *token)
{
	bool ok = ev && !strcmp(ev[XS_WATCH_PATH], path) && !strcmp(ev[XS_WATCH_TOKEN], token);

	free(ev);
	return ok;
}

static void test_basic(struct xs_handle *h)
{
	unsigned int num, len;
	char **dir;
	char *v;

	CHECK("write", xs_write(h, XBT_NULL, "/libxs/a", "hello", 5));
	CHECK("read", read_is(h, XBT_NULL, "/libxs/a", "hello"));
	CHECK("mkdir", xs_mkdir(h, XBT_NULL, "/libxs/d"));
	CHECK("mkdir of an existing node", xs_mkdir(h, XBT_NULL, "/libxs/a"));
	CHECK("mkdir keeps the value", read_is(h, XBT_NULL, "/libxs/a", "hello"));
	dir = xs_directory(h, XBT_NULL, "/libxs", &num);
	CHECK("directory", dir && num == 2 && !strcmp(dir[0], "a") && !strcmp(dir[1], "d"));
	free(dir);
	errno = 0;
	v = xs_read(h, XBT_NULL, "/libxs/none", &len);
	CHECK("read of a missing node: ENOENT", !v && errno == ENOENT);
	CHECK("write of a bad path: EINVAL",
	      !xs_write(h, XBT_NULL, "/a//b", "", 0) && errno == EINVAL);
	CHECK("rm", xs_rm(h, XBT_NULL, "/libxs/d"));
	CHECK("rm under a missing parent: ENOENT",
	      !xs_rm(h, XBT_NULL, "/nope/x") && errno == ENOENT);
	CHECK("path_is_subpath",
	      xs_path_is_subpath("/a", "/a/b") && xs_path_is_subpath("/a", "/a") &&
		  !xs_path_is_subpath("/a", "/ab") && !xs_path_is_subpath("/a/b", "/a"));
}

static void test_big_directory(struct xs_handle *h)
{
	char path[64];
	unsigned int num, i;
	char **dir;

	for (i = 0; i < 700; i++) {
		snprintf(path, sizeof(path), "/libxs/big/entry-with-a-long-name-%u", i);
		if (!xs_write(h, XBT_NULL, path, "", 0))
			break;
	}
	dir = xs_directory(h, XBT_NULL, "/libxs/big", &num);
	CHECK("directory of 700 children (DIRECTORY_PART)",
	      dir && num == 700 && !strcmp(dir[0], "entry-with-a-long-name-0") &&
		  !strcmp(dir[699], "entry-with-a-long-name-699"));
	free(dir);
}

static void test_perms(struct xs_handle *h)
{
	struct xs_permissions p[3] = { { 0, XS_PERM_NONE },
				       { 5, XS_PERM_READ },
				       { 7, XS_PERM_READ | XS_PERM_WRITE } };
	struct xs_permissions *got, sp[2];
	unsigned int num;

	CHECK("set_permissions", xs_set_permissions(h, XBT_NULL, "/libxs/a", p, 3));
	got = xs_get_permissions(h, XBT_NULL, "/libxs/a", &num);
	CHECK("get_permissions", got && num == 3 && got[0].id == 0 &&
				     got[0].perms == XS_PERM_NONE && got[1].id == 5 &&
				     got[1].perms == XS_PERM_READ && got[2].id == 7 &&
				     got[2].perms == (XS_PERM_READ | XS_PERM_WRITE));
	free(got);
	CHECK("strings_to_perms", xs_strings_to_perms(sp, 2, "r3\0b12") && sp[0].id == 3 &&
				      sp[0].perms == XS_PERM_READ && sp[1].id == 12 &&
				      sp[1].perms == (XS_PERM_READ | XS_PERM_WRITE));
	CHECK("strings_to_perms rejects junk", !xs_strings_to_perms(sp, 1, "q3"));
}

static void test_transactions(struct xs_handle *h, struct xs_handle *h2)
{
	xs_transaction_t t = xs_transaction_start(h);

	CHECK("transaction_start", t != XBT_NULL);
	CHECK("write in transaction", xs_write(h, t, "/libxs/t", "1", 1));
	CHECK("not visible outside", !read_is(h2, XBT_NULL, "/libxs/t", "1"));
	CHECK("commit", xs_transaction_end(h, t, false));
	CHECK("visible after commit", read_is(h2, XBT_NULL, "/libxs/t", "1"));
	t = xs_transaction_start(h);
	CHECK("read in transaction", read_is(h, t, "/libxs/t", "1"));
	xs_write(h2, XBT_NULL, "/libxs/t", "2", 1);
	xs_write(h, t, "/libxs/t", "3", 1);
	CHECK("conflict: EAGAIN", !xs_transaction_end(h, t, false) && errno == EAGAIN);
	CHECK("conflicting write lost", read_is(h, XBT_NULL, "/libxs/t", "2"));
	t = xs_transaction_start(h);
	xs_write(h, t, "/libxs/t", "4", 1);
	CHECK("abort", xs_transaction_end(h, t, true));
	CHECK("abort discards", read_is(h, XBT_NULL, "/libxs/t", "2"));
}

static void test_watches(struct xs_handle *h, struct xs_handle *h2)
{
	struct pollfd pfd;
	unsigned int num;
	char **ev;
	int fd;

	CHECK("watch", xs_watch(h, "/libxs/w", "tok"));
	ev = xs_read_watch(h, &num);
	CHECK("initial event", num == 2 && event_is(ev, "/libxs/w", "tok"));
	fd = xs_fileno(h);
	CHECK("fileno", fd >= 0);
	xs_write(h2, XBT_NULL, "/libxs/w/x", "1", 1);
	pfd.fd = fd;
	pfd.events = POLLIN;
	CHECK("fileno becomes readable", poll(&pfd, 1, 5000) == 1);
	CHECK("check_watch", event_is(xs_check_watch(h), "/libxs/w/x", "tok"));
	errno = 0;
	CHECK("check_watch when empty: EAGAIN", !xs_check_watch(h) && errno == EAGAIN);
	CHECK("requests work while watching", read_is(h, XBT_NULL, "/libxs/w/x", "1"));
	CHECK("unwatch", xs_unwatch(h, "/libxs/w", "tok"));
	CHECK("unwatch of an unknown watch fails", !xs_unwatch(h, "/libxs/w", "tok"));
	CHECK("special watch", xs_watch(h, "@introduceDomain", "intro"));
	CHECK("special initial event",
	      event_is(xs_read_watch(h, &num), "@introduceDomain", "intro"));
}

static struct xs_handle *th;
static char **thread_event;

static void *watch_thread(void *arg)
{
	unsigned int num;

	(void)arg;
	thread_event = xs_read_watch(th, &num);
	return NULL;
}

/* A thread blocked in xs_read_watch() must not hold up requests on the handle. */
static void test_threads(void)
{
	unsigned int num;
	pthread_t tid;
	int i, ok = 1;

	th = xs_open(0);
	CHECK("second handle", th != NULL);
	if (!th)
		return;
	CHECK("watch for the thread", xs_watch(th, "/libxs/thr", "thr"));
	CHECK("initial event", event_is(xs_read_watch(th, &num), "/libxs/thr", "thr"));
	pthread_create(&tid, NULL, watch_thread, NULL);
	usleep(50000);
	for (i = 0; i < 100 && ok; i++)
		ok = xs_write(th, XBT_NULL, "/libxs/other", "x", 1) &&
		     read_is(th, XBT_NULL, "/libxs/other", "x");
	CHECK("requests while another thread waits for an event", ok);
	/* switching to a reader thread must not wait for that event */
	CHECK("fileno while another thread waits", xs_fileno(th) >= 0);
	CHECK("requests after fileno", read_is(th, XBT_NULL, "/libxs/other", "x"));
	xs_write(th, XBT_NULL, "/libxs/thr/x", "1", 1);
	pthread_join(tid, NULL);
	CHECK("the waiting thread gets the event", event_is(thread_event, "/libxs/thr/x", "thr"));
	xs_close(th);
}

static void test_domains(struct xs_handle *h)
{
	unsigned int num;
	char *p = xs_get_domain_path(h, 12);

	CHECK("get_domain_path", p && !strcmp(p, "/local/domain/12"));
	free(p);
	CHECK("dom0 is introduced", xs_is_domain_introduced(h, 0));
	CHECK("dom 12 is not", !xs_is_domain_introduced(h, 12));
	/* Without a hypervisor Petrel records the domain (no ring to map);
	 * Debian's daemon under the shims behaves the same. */
	if (xs_introduce_domain(h, 12, 1234, 5)) {
		CHECK("introduce fires @introduceDomain",
		      event_is(xs_read_watch(h, &num), "@introduceDomain", "intro"));
		CHECK("introduced", xs_is_domain_introduced(h, 12));
		CHECK("resume", xs_resume_domain(h, 12));
		CHECK("release", xs_release_domain(h, 12));
		CHECK("released", !xs_is_domain_introduced(h, 12));
	}
	CHECK("release of an unknown domain fails", !xs_release_domain(h, 99));
	CHECK("restrict is retired", !xs_restrict(h, 1));
	xs_write(h, XBT_NULL, "/local/domain/12/device/suspend/event-channel", "33", 2);
	CHECK("suspend_evtchn_port", xs_suspend_evtchn_port(12) == 33);
	xs_rm(h, XBT_NULL, "/local/domain/12");
	CHECK("suspend_evtchn_port without one", xs_suspend_evtchn_port(13) == -1);
}

/* A daemon that goes away: calls fail with an errno, the process is not killed by SIGPIPE. */
static void test_daemon_gone(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int lfd, status = -1;
	pid_t pid;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/petrel-libxs-gone.%d", (int)getpid());
	unlink(sa.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 1)) {
		CHECK("daemon gone: test socket", 0);
		return;
	}
	pid = fork();
	if (pid == 0) {
		struct xs_handle *g;
		int i, ok = 1;

		setenv("XENSTORED_PATH", sa.sun_path, 1);
		g = xs_open(XS_OPEN_SOCKETONLY);
		if (!g)
			_exit(3);
		sleep(1); /* the "daemon" accepts and closes meanwhile */
		for (i = 0; i < 50; i++)
			ok &= !xs_write(g, XBT_NULL, "/x", "1", 1) && errno != 0;
		_exit(ok ? 0 : 4);
	}
	close(accept(lfd, NULL, NULL));
	waitpid(pid, &status, 0);
	close(lfd);
	unlink(sa.sun_path);
	CHECK("daemon gone: calls fail, no SIGPIPE", WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_misc(void)
{
	CHECK("daemon_socket follows XENSTORED_PATH",
	      !strcmp(xs_daemon_socket(), getenv("XENSTORED_PATH")));
	CHECK("daemon_rundir follows XENSTORED_RUNDIR",
	      !strcmp(xs_daemon_rundir(), getenv("XENSTORED_RUNDIR")));
	CHECK("daemon_socket_ro (same as daemon_socket since 4.17)",
	      !strcmp(xs_daemon_socket_ro(), xs_daemon_socket()));
	CHECK("write_all", xs_write_all(STDOUT_FILENO, "", 0));
}

int main(void)
{
	struct xs_handle *h = xs_open(0), *h2 = xs_daemon_open();

	if (!h || !h2) {
		printf("FAIL xs_open: %s\nlibxs: 0 passed, 1 failed\n", strerror(errno));
		return 1;
	}
	xs_rm(h, XBT_NULL, "/libxs");
	test_basic(h);
	test_big_directory(h);
	test_perms(h);
	test_transactions(h, h2);
	test_watches(h, h2);
	test_threads();
	test_domains(h);
	test_misc();
	test_daemon_gone();
	xs_rm(h, XBT_NULL, "/libxs");
	xs_close(h);
	xs_daemon_close(h2);
	xs_close(NULL);
	printf("libxs: %d passed, %d failed\n", pass, fail);
	return fail != 0;
}
