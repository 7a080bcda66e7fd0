/* SPDX-License-Identifier: MIT */
/*
 * xl's disk and vif specifications (dom0-tools/xl/xl_devspec.c): the forms
 * xl-disk-configuration(5) calls equivalent give the same disk, positional
 * and named parameters mix as xl mixes them, the old "phy:"/"file:"
 * prefixes, and broken specs give xl's exact message; libxl's vdev
 * numbering; vif keys, xl's messages for bad ones, and MACs in Xen's range.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "xl_devspec.h"

struct disk_case {
	const char *spec, *target, *vdev, *format;
	bool rw, cdrom, phy;
};

static const struct disk_case good_disks[] = {
	{ "/dev/vg/guest-volume,,hda", "/dev/vg/guest-volume", "hda", "raw", true, false, false },
	{ "/dev/vg/guest-volume,raw,hda,rw", "/dev/vg/guest-volume", "hda", "raw", true, false,
	  false },
	{ "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume", "/dev/vg/guest-volume",
	  "hda", "raw", true, false, false },
	{ "raw:/dev/vg/guest-volume,hda,w", "/dev/vg/guest-volume", "hda", "raw", true, false,
	  false },
	{ "/root/image.iso,,hdc,cdrom", "/root/image.iso", "hdc", "raw", false, true, false },
	{ "/root/image.iso,,hdc,,cdrom", "/root/image.iso", "hdc", "raw", false, true, false },
	{ "/root/image.iso,raw,hdc,devtype=cdrom", "/root/image.iso", "hdc", "raw", false, true,
	  false },
	{ "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
	  "/root/image.iso", "hdc", "raw", false, true, false },
	{ "raw:/root/image.iso,hdc:cdrom,ro", "/root/image.iso", "hdc", "raw", false, true, false },
	{ "file:/tmp/a.img,xvda,w", "/tmp/a.img", "xvda", "raw", true, false, false },
	{ "phy:/dev/loop0,xvdb,r", "/dev/loop0", "xvdb", "raw", false, false, true },
	{ "tap:aio:/tmp/a.img,xvdc,w", "/tmp/a.img", "xvdc", "raw", true, false, false },
	{ "format=raw,vdev=xvda,access=rw,target=/tmp/domu-disk.img", "/tmp/domu-disk.img", "xvda",
	  "raw", true, false, false },
	{ "vdev=xvda,target=/a,b c", "/a,b c", "xvda", "raw", true, false, false },
	{ ",,xvda,,target=/x", "/x", "xvda", "raw", true, false, false },
	{ "format=raw,/tmp/a,xvda", "/tmp/a", "xvda", "raw", true, false, false },
	{ "/tmp/a,qcow2,xvda,ro", "/tmp/a", "xvda", "qcow2", false, false, false },
	{ "backendtype=phy,/dev/sda,,xvde", "/dev/sda", "xvde", "raw", true, false, true },
	{ ",,hdc,cdrom", "", "hdc", "empty", false, true, false },
	{ "/a,,xvda,r,no-discard,direct-io-safe,trusted", "/a", "xvda", "raw", false, false,
	  false },
	{ "script=block,/a,,xvda", "/a", "xvda", "raw", true, false, false },
};

static void test_disk_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(good_disks) / sizeof(good_disks[0]); i++) {
		const struct disk_case *c = &good_disks[i];
		struct xl_disk d;

		if (xl_disk_parse("t.cfg", c->spec, &d, stderr))
			fail_msg("refused: %s", c->spec);
		assert_string_equal(d.target, c->target);
		assert_string_equal(d.vdev, c->vdev);
		assert_string_equal(d.format, c->format);
		if (d.readwrite != c->rw || d.cdrom != c->cdrom || d.backend_phy != c->phy)
			fail_msg("%s: rw %d cdrom %d phy %d", c->spec, d.readwrite, d.cdrom,
				 d.backend_phy);
		assert_string_equal(d.script, XL_SCRIPT_DIR "/block");
	}
}

/* backendtype=qdisk is QEMU's; standalone is refused; phy clears neither by itself. */
static void test_disk_backendtype(void **state)
{
	struct xl_disk d;

	(void)state;
	assert_int_equal(xl_disk_parse("t.cfg",
				       "format=qcow2,vdev=xvdb,backendtype=qdisk,target=/q", &d,
				       stderr),
			 0);
	assert_true(d.backend_qdisk);
	assert_false(d.backend_phy);
	assert_string_equal(d.format, "qcow2");
	assert_int_equal(xl_disk_parse("t.cfg", "backendtype=phy,/dev/sda,,xvde", &d, stderr), 0);
	assert_false(d.backend_qdisk);
	assert_true(d.backend_phy);
	assert_int_equal(xl_disk_parse("t.cfg", "backendtype=standalone,/a,,xvda", &d, stderr), -1);
}

static void test_disk_details(void **state)
{
	struct xl_disk d;

	(void)state;
	assert_int_equal(xl_disk_parse("t", "/a,,xvda,no-discard", &d, stderr), 0);
	assert_false(d.discard);
	assert_int_equal(xl_disk_parse("t", "/a,,xvda", &d, stderr), 0);
	assert_true(d.discard);
	assert_int_equal(xl_disk_parse("t", "script=/usr/bin/mine,/a,,xvda", &d, stderr), 0);
	assert_string_equal(d.script, "/usr/bin/mine");
	assert_int_equal(xl_disk_parse("t", "script=block-nbd,/a,,xvda", &d, stderr), 0);
	assert_string_equal(d.script, XL_SCRIPT_DIR "/block-nbd");
}

struct bad_case {
	const char *spec, *message;
};

#define DISK_ERR(why, spec)                                                                        \
	"t.cfg: config parsing error in disk specification: " why " in `" spec "'\n"

static const struct bad_case bad_disks[] = {
	{ "/usr/share/ovmf/OVMF.fd,hdb,w",
	  DISK_ERR("unknown value for format: near `hdb'", "/usr/share/ovmf/OVMF.fd,hdb,w") },
	{ "/a,raw,xvda,rx", DISK_ERR("unknown value for access: near `rx'", "/a,raw,xvda,rx") },
	{ "/a,raw,xvda,rw,extra",
	  DISK_ERR("too many positional parameters: near `extra'", "/a,raw,xvda,rw,extra") },
	{ "format=raw,access=rw,target=/a",
	  DISK_ERR("no vdev specified", "format=raw,access=rw,target=/a") },
	{ "vdev=xvda", DISK_ERR("no target specified (and device not removable)", "vdev=xvda") },
	{ "", DISK_ERR("no vdev specified", "") },
	{ "vdev=xvda,vdev=xvdb,target=/a",
	  DISK_ERR("vdev respecified", "vdev=xvda,vdev=xvdb,target=/a") },
	{ "/a,raw,xvda,format=raw", DISK_ERR("format respecified", "/a,raw,xvda,format=raw") },
	{ "devtype=floppy,/a,,xvda",
	  DISK_ERR("unknown value for type: near `devtype=floppy'", "devtype=floppy,/a,,xvda") },
	{ "foo=1,/a,,xvda", DISK_ERR("unknown parameter: near `foo=1'", "foo=1,/a,,xvda") },
	{ "nbd:/a,xvda", DISK_ERR("unknown deprecated disk prefix: near `nbd'", "nbd:/a,xvda") },
	{ "/a,,xvda:tape", DISK_ERR("unknown deprecated type: near `xvda:tape'", "/a,,xvda:tape") },
	{ "backendtype=tap,/a,,xvda",
	  DISK_ERR("unknown value for backendtype: near `backendtype=tap'",
		   "backendtype=tap,/a,,xvda") },
	{ "specification=scsi,/a,,xvda",
	  DISK_ERR("unknown value for specification: near `specification=scsi'",
		   "specification=scsi,/a,,xvda") },
	{ "script=a,script=b,/a,,xvda",
	  DISK_ERR("script respecified", "script=a,script=b,/a,,xvda") },
};

/* The message a spec prints on its error stream. */
static char *disk_message(const char *spec, int *rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *err = open_memstream(&text, &len);
	struct xl_disk d;

	*rc = xl_disk_parse("t.cfg", spec, &d, err);
	fclose(err);
	return text;
}

static void test_disk_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_disks) / sizeof(bad_disks[0]); i++) {
		int rc;
		char *text = disk_message(bad_disks[i].spec, &rc);

		if (rc != -1 || strcmp(text, bad_disks[i].message) != 0)
			fail_msg("%s: rc %d, message %s", bad_disks[i].spec, rc, text);
		free(text);
	}
}

static void test_vdev(void **state)
{
	static const struct {
		const char *vdev;
		int devid;
	} cases[] = {
		{ "xvda", 51712 },
		{ "xvdb", 51728 },
		{ "xvda1", 51713 },
		{ "xvdp", 51952 },
		{ "xvdq", 268439552 },
		{ "xvdaa", 268442112 },
		{ "xvda16", 268435472 },
		{ "hda", 768 },
		{ "hdb", 832 },
		{ "hdc", 5632 },
		{ "sda", 2048 },
		{ "sdb2", 2066 },
		{ "d0p0", 51712 },
		{ "d1p3", 51731 },
		{ "51712", 51712 },
		{ "0x300", 768 },
		{ "xvd", -1 },
		{ "xvda0", -1 },
		{ "xvda256", -1 },
		{ "hde", -1 },
		{ "sdq", -1 },
		{ "vda", -1 },
		{ "", -1 },
		{ "xvdA", -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (xl_vdev_devid(cases[i].vdev) != cases[i].devid)
			fail_msg("%s: %d, wanted %d", cases[i].vdev, xl_vdev_devid(cases[i].vdev),
				 cases[i].devid);
}

static void test_nic_good(void **state)
{
	struct xl_nic n;
	char mac[18];

	(void)state;
	xl_nic_init(&n);
	assert_int_equal(n.devid, -1);
	assert_string_equal(n.bridge, "xenbr0");
	assert_string_equal(n.script, XL_SCRIPT_DIR "/vif-bridge");
	assert_false(n.mac_set);
	assert_int_equal(xl_nic_parse(&n,
				      "bridge=xenbr1, mac=00:16:3E:74:3d:76,ip=10.0.0.2,mtu=9000,"
				      "vifname=v0,script=vif-route,gatewaydev=eth1,devid=3",
				      stderr),
			 0);
	xl_mac_string(n.mac, mac);
	assert_string_equal(mac, "00:16:3e:74:3d:76");
	assert_true(n.mac_set);
	assert_string_equal(n.bridge, "xenbr1");
	assert_string_equal(n.ip, "10.0.0.2");
	assert_int_equal(n.mtu, 9000);
	assert_string_equal(n.vifname, "v0");
	assert_string_equal(n.script, XL_SCRIPT_DIR "/vif-route");
	assert_string_equal(n.gatewaydev, "eth1");
	assert_int_equal(n.devid, 3);
	xl_nic_init(&n);
	assert_int_equal(xl_nic_parse(&n, "", stderr), 0);
	assert_int_equal(xl_nic_parse(&n, "type=vif,model=e1000,trusted", stderr), 0);
	assert_int_equal(xl_nic_parse(&n, "script=/opt/s", stderr), 0);
	assert_string_equal(n.script, "/opt/s");
}

static void test_nic_bad(void **state)
{
	static const struct bad_case cases[] = {
		{ "mac=00:16:3e:5e:7a", "Invalid parameter `mac'.\n" },
		{ "mac=00:16:3e:5e:7a:1g", "Invalid parameter `mac'.\n" },
		{ "mac=00:16:3e:5e:7a:100", "Invalid parameter `mac'.\n" },
		{ "mac=zz:16:3e:5e:7a:01", "Invalid parameter `mac'.\n" },
		{ "bridge=xenbr0,colour=blue", "unrecognized argument `colour=blue'\n" },
		{ "bridge", "unrecognized argument `bridge'\n" },
		{ "type=tap", "Invalid parameter `type'.\n" },
		{ "type=ioemu", "trying to create PV or PVH guest with an emulated interface\n" },
		{ "mtu=big", "unrecognized argument `mtu=big'\n" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = NULL;
		size_t len = 0;
		FILE *err = open_memstream(&text, &len);
		struct xl_nic n;
		int rc;

		xl_nic_init(&n);
		rc = xl_nic_parse(&n, cases[i].spec, err);
		fclose(err);
		if (rc != -1 || strcmp(text, cases[i].message) != 0)
			fail_msg("%s: rc %d, message %s", cases[i].spec, rc, text);
		free(text);
	}
}

static void test_random_mac(void **state)
{
	static const uint8_t r[3] = { 0xff, 0x12, 0x34 };
	uint8_t mac[6];
	char s[18];

	(void)state;
	xl_nic_random_mac(mac, r);
	xl_mac_string(mac, s);
	assert_string_equal(s, "00:16:3e:7f:12:34"); /* the top bit of byte 3 clear */
}

/* Random specs never overrun and either parse or print one line. */
static void test_disk_random(void **state)
{
	static const char alphabet[] = "xvda,=:/rwo ctgfmphyeis01";
	char spec[40];

	(void)state;
	srand(7);
	for (int i = 0; i < 20000; i++) {
		size_t len = (size_t)(rand() % (int)(sizeof(spec) - 1));
		int rc;
		char *text;

		for (size_t k = 0; k < len; k++)
			spec[k] = alphabet[rand() % (int)(sizeof(alphabet) - 1)];
		spec[len] = 0;
		text = disk_message(spec, &rc);
		if (rc == 0 ? text[0] != 0 : (!strchr(text, '\n') || strchr(text, '\n')[1]))
			fail_msg("%s: rc %d, %s", spec, rc, text);
		free(text);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_disk_good),
		cmocka_unit_test(test_disk_details),
		cmocka_unit_test(test_disk_backendtype),
		cmocka_unit_test(test_disk_bad),
		cmocka_unit_test(test_vdev),
		cmocka_unit_test(test_nic_good),
		cmocka_unit_test(test_nic_bad),
		cmocka_unit_test(test_random_mac),
		cmocka_unit_test(test_disk_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
