/*
 * save-check: read an `xl save` image with pxl's save file reader
 * (dom0-tools/xl/xl_stream.c), every header and record checked, for the
 * system test's checks that the reader takes the files Debian's xl writes
 * and refuses damaged ones.
 *
 *	save-check FILE
 *
 * Prints what it found (domain type, guest width, Xen version, libxc
 * version, pages, vCPUs, the configuration's size) and exits 0, or prints
 * the reader's message and exits 1.
 */
#include <stdio.h>

#include "xl_stream.h"

static int read_file(void *priv, void *buf, size_t n)
{
	return fread(buf, 1, n, priv) == n ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct xl_sr_in in = { .read = read_file };
	struct xl_sr_info info;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: save-check FILE\n");
		return 2;
	}
	in.priv = fopen(argv[1], "rb");
	if (!in.priv) {
		perror(argv[1]);
		return 1;
	}
	r = xl_sr_read(&in, &info, NULL, NULL);
	if (r == 0)
		printf("save-check: %s: type %u width %u xen %u.%u libxc v%u pages %llu vcpus %u "
		       "config %u bytes\n",
		       argv[1], info.dom_type, info.guest_width, info.xen_major, info.xen_minor,
		       info.xc_version, (unsigned long long)info.pages, info.max_vcpu,
		       info.config_len);
	else
		printf("save-check: %s: refused: %s\n", argv[1], in.err);
	xl_sr_info_free(&info);
	fclose(in.priv);
	return r ? 1 : 0;
}
