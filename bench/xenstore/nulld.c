/* nulld: the cheapest possible xenstore socket daemon, a floor for the
 * daemon-alone figures.  It keeps no store: every XS_READ is answered with
 * "value-0", every XS_WRITE / XS_RM / XS_MKDIR / XS_TRANSACTION_END with "OK",
 * XS_TRANSACTION_START with "1" (which xenstore-utils need), anything else
 * with XS_ERROR "ENOSYS".  One thread per connection blocks in read() for a whole
 * message and answers it with one write(), so a round trip costs the client
 * library and the kernel and next to nothing in the daemon.  xsload run
 * against it reports the write and read figures, then stops at the directory
 * phase (nulld has no directories).
 *
 * Socket: $XENSTORED_PATH, else $XENSTORED_RUNDIR/socket.  Bench use only.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The xenstore wire header and the message types nulld answers
 * (include/public/io/xs_wire.h). */
struct hdr {
	uint32_t type, req_id, tx_id, len;
};
enum {
	T_READ = 2,
	T_TXN_START = 6,
	T_TXN_END = 7,
	T_WRITE = 11,
	T_MKDIR = 12,
	T_RM = 13,
	T_ERROR = 16
};
#define PAYLOAD_MAX 4096

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = read(fd, p, len);
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static void *serve(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct {
		struct hdr h;
		char body[PAYLOAD_MAX];
	} in, out;

	while (read_all(fd, &in.h, sizeof(in.h)) == 0 && in.h.len <= PAYLOAD_MAX &&
	       read_all(fd, in.body, in.h.len) == 0) {
		const char *ans = "ENOSYS";
		size_t alen = 7;

		out.h = in.h;
		if (in.h.type == T_READ) {
			ans = "value-0";
			alen = 7;
		} else if (in.h.type == T_TXN_START) {
			ans = "1";
			alen = 2;
		} else if (in.h.type == T_WRITE || in.h.type == T_RM || in.h.type == T_MKDIR ||
			   in.h.type == T_TXN_END) {
			ans = "OK";
			alen = 3;
		} else {
			out.h.type = T_ERROR;
		}
		memcpy(out.body, ans, alen);
		out.h.len = alen;
		if (write(fd, &out, sizeof(out.h) + alen) != (ssize_t)(sizeof(out.h) + alen))
			break;
	}
	close(fd);
	return NULL;
}

int main(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *p = getenv("XENSTORED_PATH"), *rd = getenv("XENSTORED_RUNDIR");
	int lfd;

	if (p && *p)
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", p);
	else if (rd && *rd)
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/socket", rd);
	else {
		fprintf(stderr, "nulld: set XENSTORED_PATH or XENSTORED_RUNDIR\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	unlink(sa.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 16)) {
		perror("nulld: listen");
		return 1;
	}
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pthread_t t;

		if (fd < 0)
			continue;
		if (pthread_create(&t, NULL, serve, (void *)(intptr_t)fd))
			close(fd);
		else
			pthread_detach(t);
	}
}
