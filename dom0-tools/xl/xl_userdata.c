/* SPDX-License-Identifier: MIT */
/*
 * libxl's stored configuration for a domain pxl built: the JSON libxl keeps
 * in /var/lib/xen/userdata-d.DOMID.UUID.libxl-json (its libxl_domain_config,
 * fields at their default left out), so that Debian's xl (list -l, save)
 * sees the domain as one libxl made.  The fields are those libxl stores for
 * a PV guest with a kernel, a command line and a ramdisk.  The same JSON
 * before libxl's defaults (no domid, video memory or MSR policy, vCPUs and
 * memory only when the file sets them) is what xl -N create prints.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <yajl/yajl_gen.h>

#include "xl.h"
#include "xl_devspec.h"

#define USERDATA_DIR "/var/lib/xen"

static void gen_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

static void gen_key_str(yajl_gen g, const char *key, const char *value)
{
	gen_str(g, key);
	gen_str(g, value);
}

static void gen_empty_map(yajl_gen g, const char *key)
{
	gen_str(g, key);
	yajl_gen_map_open(g);
	yajl_gen_map_close(g);
}

/* STORED: libxl's record, after its defaults; else xl's parsed configuration. */
static void gen_c_info(yajl_gen g, const struct xl_stored_config *c, bool stored)
{
	char uuid[37];

	xl_uuid_string(c->uuid, uuid);
	gen_str(g, "c_info");
	yajl_gen_map_open(g);
	gen_key_str(g, "type", c->pvh ? "pvh" : "pv");
	gen_key_str(g, "name", c->name);
	if (stored) {
		/* libxl stores the configuration before the id is known */
		gen_str(g, "domid");
		yajl_gen_integer(g, 4294967295ll);
	}
	gen_key_str(g, "uuid", uuid);
	gen_key_str(g, "run_hotplug_scripts", "True");
	yajl_gen_map_close(g);
}

static void gen_vcpus(yajl_gen g, unsigned int vcpus)
{
	gen_str(g, "max_vcpus");
	yajl_gen_integer(g, vcpus);
	gen_str(g, "avail_vcpus");
	yajl_gen_array_open(g);
	for (unsigned int i = 0; i < vcpus; i++)
		yajl_gen_integer(g, i);
	yajl_gen_array_close(g);
}

static void gen_memory(yajl_gen g, uint64_t kb)
{
	gen_str(g, "max_memkb");
	yajl_gen_integer(g, (long long)kb);
	gen_str(g, "target_memkb");
	yajl_gen_integer(g, (long long)kb);
}

/* libxl's uint32 fields, left out at their default (-1, LIBXL_MAX_GRANT_DEFAULT). */
static void gen_grant_limits(yajl_gen g, const struct xl_stored_config *c)
{
	if (c->max_grant_frames != -1) {
		gen_str(g, "max_grant_frames");
		yajl_gen_integer(g, (uint32_t)c->max_grant_frames);
	}
	if (c->max_maptrack_frames != -1) {
		gen_str(g, "max_maptrack_frames");
		yajl_gen_integer(g, (uint32_t)c->max_maptrack_frames);
	}
}

static void gen_b_info(yajl_gen g, const struct xl_stored_config *c, bool stored)
{
	gen_str(g, "b_info");
	yajl_gen_map_open(g);
	if (stored || c->vcpus_set)
		gen_vcpus(g, c->vcpus);
	if (stored || c->memory_set)
		gen_memory(g, c->memory_kb);
	if (stored) {
		gen_str(g, "video_memkb");
		yajl_gen_integer(g, 0);
	}
	gen_grant_limits(g, c);
	gen_empty_map(g, "sched_params");
	gen_key_str(g, "claim_mode", "True");
	gen_key_str(g, "kernel", c->kernel);
	if (c->cmdline)
		gen_key_str(g, "cmdline", c->cmdline);
	if (c->ramdisk)
		gen_key_str(g, "ramdisk", c->ramdisk);
	gen_empty_map(g, c->pvh ? "type.pvh" : "type.pv");
	gen_empty_map(g, "arch_arm");
	gen_str(g, "arch_x86");
	yajl_gen_map_open(g);
	if (stored)
		gen_key_str(g, "msr_relaxed", "False");
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
}

static void gen_key_int(yajl_gen g, const char *key, long long v)
{
	gen_str(g, key);
	yajl_gen_integer(g, v);
}

/* A disk as xl's parser leaves it: fields at libxl's default left out. */
static void gen_disk(yajl_gen g, const struct xl_disk *d)
{
	yajl_gen_map_open(g);
	if (d->target[0])
		gen_key_str(g, "pdev_path", d->target);
	gen_key_str(g, "vdev", d->vdev);
	if (d->backend_phy || d->backend_qdisk)
		gen_key_str(g, "backend", d->backend_phy ? "phy" : "qdisk");
	gen_key_str(g, "format", d->format);
	if (d->cdrom)
		gen_key_int(g, "removable", 1);
	if (d->readwrite)
		gen_key_int(g, "readwrite", 1);
	if (d->cdrom)
		gen_key_int(g, "is_cdrom", 1);
	if (d->discard_set)
		gen_key_str(g, "discard_enable", d->discard ? "True" : "False");
	yajl_gen_map_close(g);
}

/* A vif as xl's parser leaves it (no MAC when the spec has none). */
static void gen_nic(yajl_gen g, const struct xl_nic *n)
{
	static const uint8_t zero[6];
	char mac[18];

	xl_mac_string(n->mac, mac);
	yajl_gen_map_open(g);
	gen_key_int(g, "devid", n->devid);
	if (n->mtu)
		gen_key_int(g, "mtu", n->mtu);
	if (n->mac_set && memcmp(n->mac, zero, sizeof(zero)) != 0)
		gen_key_str(g, "mac", mac);
	if (n->ip[0])
		gen_key_str(g, "ip", n->ip);
	if (n->bridge_set)
		gen_key_str(g, "bridge", n->bridge);
	if (n->vifname[0])
		gen_key_str(g, "ifname", n->vifname);
	if (n->gatewaydev[0])
		gen_key_str(g, "gatewaydev", n->gatewaydev);
	yajl_gen_map_close(g);
}

static void gen_devices(yajl_gen g, const struct xl_stored_config *c)
{
	if (c->n_disks) {
		gen_str(g, "disks");
		yajl_gen_array_open(g);
		for (unsigned int i = 0; i < c->n_disks; i++)
			gen_disk(g, &c->disks[i]);
		yajl_gen_array_close(g);
	}
	if (c->n_nics) {
		gen_str(g, "nics");
		yajl_gen_array_open(g);
		for (unsigned int i = 0; i < c->n_nics; i++)
			gen_nic(g, &c->nics[i]);
		yajl_gen_array_close(g);
	}
}

/* libxl_action_on_shutdown's names in its JSON. */
static const char *action_name(enum xl_action a)
{
	static const char *const names[] = {
		[XL_ACT_DESTROY] = "destroy",
		[XL_ACT_RESTART] = "restart",
		[XL_ACT_PRESERVE] = "preserve",
		[XL_ACT_RENAME_RESTART] = "restart_rename",
	};

	return names[a];
}

/* libxl leaves out an action that is destroy (its default). */
static void gen_action(yajl_gen g, const char *key, enum xl_action a)
{
	if (a != XL_ACT_DESTROY)
		gen_key_str(g, key, action_name(a));
}

static int write_file(const char *path, const unsigned char *buf, size_t len)
{
	char tmp[300];
	FILE *f;
	int fd, ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	ok = fwrite(buf, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path)) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* The whole JSON, beautified as libxl writes it; NULL when out of memory. */
static yajl_gen gen_config(const struct xl_stored_config *c, bool stored)
{
	yajl_gen g = yajl_gen_alloc(NULL);

	if (!g)
		return NULL;
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	gen_c_info(g, c, stored);
	gen_b_info(g, c, stored);
	if (!stored)
		gen_devices(g, c);
	gen_action(g, "on_poweroff", c->on_poweroff);
	gen_action(g, "on_reboot", c->on_reboot);
	gen_action(g, "on_watchdog", c->on_watchdog);
	gen_action(g, "on_crash", c->on_crash);
	gen_key_str(g, "on_soft_reset", "soft_reset");
	yajl_gen_map_close(g);
	return g;
}

int xl_store_config(const struct xl_stored_config *c)
{
	yajl_gen g = gen_config(c, true);
	const unsigned char *buf;
	char path[256], uuid[37];
	size_t len;
	int r = -1;

	xl_uuid_string(c->uuid, uuid);
	snprintf(path, sizeof(path), USERDATA_DIR "/userdata-d.%u.%s.libxl-json", c->domid, uuid);
	mkdir(USERDATA_DIR, 0755);
	if (g && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		r = write_file(path, buf, len);
	if (r)
		fprintf(stderr, "%s: cannot write %s: %m\n", xl_prog, path);
	if (g)
		yajl_gen_free(g);
	return r;
}

int xl_print_config(const struct xl_stored_config *c)
{
	yajl_gen g = gen_config(c, false);
	const unsigned char *buf;
	size_t len;
	int r = -1;

	if (g && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok &&
	    fwrite(buf, 1, len, stdout) == len && fflush(stdout) == 0)
		r = 0;
	if (r)
		fprintf(stderr, "Failed to convert domain configuration to JSON\n");
	if (g)
		yajl_gen_free(g);
	return r;
}
