// SPDX-License-Identifier: GPL-2.0
/*
 * Petrel xenstore client: one program, many names (xenstore-read, -write,
 * -rm, -ls, -list, -exists, -mkdir, -watch), or "xenstore <command> ...".
 * Built statically against Petrel's libxenstore for the dom0 initramfs.
 *
 * Options common to every command:
 *   -s          the daemon's Unix socket only (never the xenbus device)
 *   -x          the kernel's xenbus device only (/dev/xen/xenbus): requests
 *               travel through the kernel and dom0's xenstore ring
 *   -R          (read, write) values raw instead of escaped
 *   -f          (ls) full paths instead of indented names
 *
 * Values are escaped as Xen's tools do: read and ls print printable ASCII as
 * it is, \t \n \r \\ by name, bytes below 8 as \00N and other bytes as \xHH;
 * write takes the same escapes (and \ooo octal, \xHH; another escaped
 * character stands for itself; a final lone backslash is a NUL byte).
 *
 * Exit status: 0 on success, 1 when an operation failed, 2 on bad usage.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore.h"

struct cmd {
	const char *name;
	const char *usage;
	int min_args;
	int (*run)(struct xs_handle *h, int argc, char **argv);
};

static const char *prog = "xenstore";
static long watch_count = -1; /* -n for watch: events to print, -1 = forever */
static bool raw;	      /* -R */
static bool full_paths;	      /* -f */

static int fail(const char *what, const char *path)
{
	fprintf(stderr, "%s: %s %s: %s\n", prog, what, path, strerror(errno ? errno : EIO));
	return 1;
}

/* A value as Xen's tools show it (see the header). */
static void put_escaped(const char *v, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		unsigned char ch = v[i];

		if (ch >= ' ' && ch <= '~' && ch != '\\')
			putchar(ch);
		else if (ch == '\t')
			fputs("\\t", stdout);
		else if (ch == '\n')
			fputs("\\n", stdout);
		else if (ch == '\r')
			fputs("\\r", stdout);
		else if (ch == '\\')
			fputs("\\\\", stdout);
		else if (ch < 8)
			printf("\\%03o", ch);
		else
			printf("\\x%02x", ch);
	}
}

static int digit_val(char ch, int base)
{
	int v = ch >= '0' && ch <= '9'	 ? ch - '0'
		: ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
		: ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
					 : 99;

	return v < base ? v : -1;
}

/* Undo put_escaped() in place; returns the value's length. */
static size_t unescape(char *s)
{
	char *in = s, *out = s;

	while (*in) {
		int base = 8, max = 3, v = 0, d;

		if (*in != '\\') {
			*out++ = *in++;
			continue;
		}
		in++;
		switch (*in) {
		case 't':
			*out++ = '\t';
			in++;
			continue;
		case 'n':
			*out++ = '\n';
			in++;
			continue;
		case 'r':
			*out++ = '\r';
			in++;
			continue;
		case 'x':
			if (digit_val(in[1], 16) < 0)
				break;
			base = 16;
			max = 2;
			in++;
			/* fall through */
		default:
			if (digit_val(*in, base) < 0)
				break;
			while (max-- && (d = digit_val(*in, base)) >= 0) {
				v = v * base + d;
				in++;
			}
			*out++ = (char)v;
			continue;
		}
		*out++ = *in; /* \\, \q and a final lone backslash (NUL) */
		if (*in)
			in++;
	}
	return out - s;
}

static int do_read(struct xs_handle *h, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		unsigned int len;
		char *v = xs_read(h, XBT_NULL, argv[i], &len);

		if (!v)
			return fail("cannot read", argv[i]);
		if (raw)
			fwrite(v, 1, len, stdout);
		else
			put_escaped(v, len);
		putchar('\n');
		free(v);
	}
	return 0;
}

static int do_write(struct xs_handle *h, int argc, char **argv)
{
	int i;

	if (argc % 2) {
		fprintf(stderr, "%s: write takes path/value pairs\n", prog);
		return 2;
	}
	for (i = 0; i < argc; i += 2) {
		char *v = argv[i + 1];
		size_t len = raw ? strlen(v) : unescape(v);

		if (!xs_write(h, XBT_NULL, argv[i], v, len))
			return fail("cannot write", argv[i]);
	}
	return 0;
}

static int do_rm(struct xs_handle *h, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!xs_rm(h, XBT_NULL, argv[i]))
			return fail("cannot remove", argv[i]);
	return 0;
}

static int do_mkdir(struct xs_handle *h, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!xs_mkdir(h, XBT_NULL, argv[i]))
			return fail("cannot create", argv[i]);
	return 0;
}

static int do_exists(struct xs_handle *h, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		char *v = xs_read(h, XBT_NULL, argv[i], NULL);

		if (!v)
			return 1;
		free(v);
	}
	return 0;
}

static int do_list(struct xs_handle *h, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		unsigned int n, k;
		char **ents = xs_directory(h, XBT_NULL, argv[i], &n);

		if (!ents)
			return fail("cannot list", argv[i]);
		for (k = 0; k < n; k++)
			puts(ents[k]);
		free(ents);
	}
	return 0;
}

/* One node per line, indented one space per level below the start (-f:
 * full paths, no indentation). */
static int ls_tree(struct xs_handle *h, const char *path, int depth)
{
	unsigned int n, k;
	char **ents = xs_directory(h, XBT_NULL, path, &n);
	int rc = 0;

	if (!ents)
		return depth ? 0 : fail("cannot list", path); /* removed meanwhile */
	for (k = 0; k < n && !rc; k++) {
		size_t plen = strlen(path) + strlen(ents[k]) + 2;
		char *child = malloc(plen);
		unsigned int len;
		char *v;

		if (!child) {
			rc = fail("out of memory at", path);
			break;
		}
		snprintf(child, plen, "%s%s%s", path, strcmp(path, "/") ? "/" : "", ents[k]);
		if (full_paths)
			printf("%s = \"", child);
		else
			printf("%*s%s = \"", depth, "", ents[k]);
		v = xs_read(h, XBT_NULL, child, &len);
		put_escaped(v ? v : "", v ? len : 0);
		puts("\"");
		free(v);
		if (depth < 64)
			rc = ls_tree(h, child, depth + 1);
		free(child);
	}
	free(ents);
	return rc;
}

static int do_ls(struct xs_handle *h, int argc, char **argv)
{
	int i, rc = 0;

	if (!argc)
		return ls_tree(h, "/", 0);
	for (i = 0; i < argc && !rc; i++)
		rc = ls_tree(h, argv[i], 0);
	return rc;
}

/* Print each event's path (the first firing included) until -n are seen. */
static int do_watch(struct xs_handle *h, int argc, char **argv)
{
	long seen = 0;
	int i;

	for (i = 0; i < argc; i++)
		if (!xs_watch(h, argv[i], argv[i]))
			return fail("cannot watch", argv[i]);
	while (watch_count < 0 || seen < watch_count) {
		unsigned int num;
		char **ev = xs_read_watch(h, &num);

		if (!ev)
			return fail("lost the connection watching", argv[0]);
		printf("%s\n", ev[XS_WATCH_PATH]);
		fflush(stdout);
		free(ev);
		seen++;
	}
	return 0;
}

static const struct cmd cmds[] = {
	{ "read", "[-R] PATH...", 1, do_read }, { "write", "[-R] PATH VALUE...", 2, do_write },
	{ "rm", "PATH...", 1, do_rm },		{ "mkdir", "PATH...", 1, do_mkdir },
	{ "exists", "PATH...", 1, do_exists },	{ "list", "PATH...", 1, do_list },
	{ "ls", "[-f] [PATH...]", 0, do_ls },	{ "watch", "[-n COUNT] PATH...", 1, do_watch },
};

static void usage(const struct cmd *c)
{
	size_t i;

	if (c) {
		fprintf(stderr, "usage: xenstore-%s [-s|-x] %s\n", c->name, c->usage);
		return;
	}
	fprintf(stderr, "usage: xenstore COMMAND [-s|-x] ARGS, COMMAND one of:");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(stderr, " %s", cmds[i].name);
	fputc('\n', stderr);
}

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	return NULL;
}

static bool count_arg(const char *s, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	return !errno && *s && !*end && *v > 0;
}

int main(int argc, char **argv)
{
	const char *base = strrchr(argv[0], '/');
	const struct cmd *c = NULL;
	unsigned long flags = 0;
	struct xs_handle *h;
	int ch, rc;

	base = base ? base + 1 : argv[0];
	if (!strncmp(base, "xenstore-", 9)) {
		c = find_cmd(base + 9);
		prog = base;
	} else if (argc > 1) {
		c = find_cmd(argv[1]);
		argv++;
		argc--;
	}
	if (!c) {
		usage(NULL);
		return 2;
	}
	while ((ch = getopt(argc, argv, "+sxn:Rf")) != -1) {
		switch (ch) {
		case 's':
			flags |= XS_OPEN_SOCKETONLY;
			break;
		case 'x':
			/* no socket: xs_open falls back to the xenbus device */
			setenv("XENSTORED_PATH", "/nonexistent/xenstored-socket", 1);
			break;
		case 'R':
			if (c->run != do_read && c->run != do_write)
				goto bad;
			raw = true;
			break;
		case 'f':
			if (c->run != do_ls)
				goto bad;
			full_paths = true;
			break;
		case 'n':
			if (c->run == do_watch && count_arg(optarg, &watch_count))
				break;
			/* fall through */
		default:
		bad:
			usage(c);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < c->min_args) {
		usage(c);
		return 2;
	}
	h = xs_open(flags);
	if (!h) {
		fprintf(stderr, "%s: cannot connect to xenstore: %s\n", prog, strerror(errno));
		return 1;
	}
	errno = 0;
	rc = c->run(h, argc, argv);
	fflush(stdout);
	xs_close(h);
	return rc;
}
