/*
 * The split-driver benchmark's helper (bench/split.py), a static program in
 * dom0 and in the test domU:
 *
 *   splitbench randread DEV SECONDS   4 KiB reads with O_DIRECT at random
 *                                     aligned offsets of DEV for SECONDS:
 *                                     "randread ops N seconds S iops X"
 *   splitbench recv PORT              accept one TCP connection, read it to
 *                                     its end: "recv bytes N seconds S MBps X"
 *                                     (timed from the accept)
 *   splitbench send HOST PORT MIB     connect and write MIB MiB of zeros
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BLOCK 4096
#define CHUNK (64 * 1024)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(const char *what)
{
	perror(what);
	return 1;
}

static uint64_t next_random(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

static int randread(const char *dev, double seconds)
{
	uint64_t blocks, state = 0x9e3779b97f4a7c15ull, ops = 0;
	void *buf;
	double start, end;
	int fd = open(dev, O_RDONLY | O_DIRECT);
	off_t size = fd < 0 ? -1 : lseek(fd, 0, SEEK_END);

	if (fd < 0)
		return fail(dev);
	blocks = size > 0 ? (uint64_t)size / BLOCK : 0;
	if (blocks == 0 || posix_memalign(&buf, BLOCK, BLOCK))
		return fail("buffer");
	start = now();
	end = start + seconds;
	do {
		off_t off = (off_t)(next_random(&state) % blocks) * BLOCK;

		if (pread(fd, buf, BLOCK, off) != BLOCK)
			return fail("pread");
		ops++;
	} while (now() < end);
	seconds = now() - start;
	printf("randread ops %llu seconds %.3f iops %.0f\n", (unsigned long long)ops, seconds,
	       ops / seconds);
	return 0;
}

static int recv_all(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	static char buf[CHUNK];
	unsigned long long bytes = 0;
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0), c;
	double start, secs;
	ssize_t n;

	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		return fail("socket");
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0)
		return fail("bind");
	c = accept(s, NULL, NULL);
	if (c < 0)
		return fail("accept");
	start = now();
	while ((n = read(c, buf, sizeof(buf))) > 0)
		bytes += n;
	if (n < 0)
		return fail("read");
	secs = now() - start;
	printf("recv bytes %llu seconds %.3f MBps %.2f\n", bytes, secs, bytes / secs / 1e6);
	return 0;
}

static int send_all(const char *host, int port, long mib)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	static char buf[CHUNK];
	long long left = (long long)mib << 20;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1)
		return fail("address");
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return fail("connect");
	while (left > 0) {
		ssize_t n = write(s, buf, left < CHUNK ? left : CHUNK);

		if (n <= 0)
			return fail("write");
		left -= n;
	}
	return close(s) < 0 ? fail("close") : 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "randread"))
		return randread(argv[2], atof(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "recv"))
		return recv_all(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "send"))
		return send_all(argv[2], atoi(argv[3]), atol(argv[4]));
	fprintf(stderr,
		"usage: splitbench randread DEV SECONDS | recv PORT | send HOST PORT MIB\n");
	return 2;
}
