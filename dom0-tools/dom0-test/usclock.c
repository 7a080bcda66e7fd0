/*
 * usclock: CLOCK_MONOTONIC in microseconds, for the benchmarks that time
 * steps inside dom0 (bench/xl-lifecycle.py); /proc/uptime has 10 ms steps.
 *
 *   usclock                          print the clock, in microseconds
 *   usclock [-o FILE] NAME CMD [ARG...]
 *          run CMD (its stdout and stderr to FILE when given), then print
 *          "T NAME <microseconds>", or "T NAME -1" if CMD failed or could
 *          not be started; exit with CMD's status
 *   usclock -l NAME CMD [ARG...]
 *          the same, and each line CMD writes to stdout or stderr is
 *          printed with the microseconds since CMD started in front of it
 *          (where xl -vvv spends its time)
 *
 * The clock is read just before CMD is spawned and just after it has been
 * waited for; the spawn uses posix_spawnp, so no page tables are copied.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int usage(void)
{
	fprintf(stderr, "usage: usclock\n"
			"       usclock [-o FILE | -l] NAME CMD [ARG...]\n");
	return 2;
}

/* Copy what arrives on fd to stdout line by line, each line stamped with
 * the microseconds since t0 at which its first byte was read. */
static void stamp_lines(int fd, long long t0)
{
	char buf[4096];
	int at_start = 1;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		long long t = now_us() - t0;

		for (ssize_t i = 0; i < n; i++) {
			if (at_start)
				printf("%10lld ", t);
			putchar(buf[i]);
			at_start = buf[i] == '\n';
		}
		fflush(stdout);
	}
	if (!at_start)
		putchar('\n');
}

/* The file actions that send CMD's stdout and stderr to path (a file) or
 * to out_fd (a pipe's write end, closing read_fd), or none. */
static int set_output(posix_spawn_file_actions_t *fa, const char *path, int out_fd, int read_fd)
{
	int rc = posix_spawn_file_actions_init(fa);

	if (rc)
		return rc;
	if (path) {
		rc = posix_spawn_file_actions_addopen(fa, 1, path, O_WRONLY | O_CREAT | O_TRUNC,
						      0644);
		if (!rc)
			rc = posix_spawn_file_actions_adddup2(fa, 1, 2);
	} else if (out_fd >= 0) {
		rc = posix_spawn_file_actions_addclose(fa, read_fd);
		if (!rc)
			rc = posix_spawn_file_actions_adddup2(fa, out_fd, 1);
		if (!rc)
			rc = posix_spawn_file_actions_adddup2(fa, out_fd, 2);
		if (!rc)
			rc = posix_spawn_file_actions_addclose(fa, out_fd);
	}
	return rc;
}

static int run_timed(const char *name, char **argv, const char *path, int stamp)
{
	posix_spawn_file_actions_t fa;
	int pipe_fd[2] = { -1, -1 };
	long long t0, t1;
	int rc, status = 0;
	pid_t pid;

	if (stamp && pipe(pipe_fd)) {
		perror("usclock: pipe");
		goto failed;
	}
	rc = set_output(&fa, path, pipe_fd[1], pipe_fd[0]);
	if (rc)
		goto spawn_error;
	fflush(stdout);
	t0 = now_us();
	rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		goto spawn_error;
	if (stamp) {
		close(pipe_fd[1]);
		stamp_lines(pipe_fd[0], t0);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	t1 = now_us();
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		printf("T %s %lld\n", name, t1 - t0);
		return 0;
	}
	printf("T %s -1\n", name);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

spawn_error:
	fprintf(stderr, "usclock: %s: %s\n", argv[0], strerror(rc));
failed:
	printf("T %s -1\n", name);
	return 127;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	int stamp = 0, opt;

	if (argc == 1) {
		printf("%lld\n", now_us());
		return 0;
	}
	while ((opt = getopt(argc, argv, "+o:l")) != -1) {
		if (opt == 'o')
			path = optarg;
		else if (opt == 'l')
			stamp = 1;
		else
			return usage();
	}
	if (argc - optind < 2 || (path && stamp))
		return usage();
	return run_timed(argv[optind], argv + optind + 1, path, stamp);
}
