/* SPDX-License-Identifier: MIT */
/*
 * libxl's stored configuration for a domain pxl built: the JSON libxl keeps
 * in /var/lib/xen/userdata-d.DOMID.UUID.libxl-json (its libxl_domain_config,
 * fields at their default left out), so that Debian's xl (list -l, save)
 * sees the domain as one libxl made.  The fields are those libxl stores for
 * a PV guest with a kernel, a command line, a ramdisk, disks and vifs.
 * libxl stores the configuration as xl parsed it, with a few values from
 * the build filled in (the domain's UUID, video memory, MSR policy, and for
 * each vif its devid, MAC and type); disks are stored as parsed.  The same
 * JSON before those (no domid, video memory or MSR policy, no vif type,
 * vCPUs and memory only when the file sets them) is what xl -N create prints.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xl.h"
#include "xl_devspec.h"
#include "xl_json.h"

#define USERDATA_DIR "/var/lib/xen"
#define MAX_CONFIG_BYTES (4 << 20)

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

/*
 * A disk as xl's parser leaves it: fields at libxl's default left out.
 * CREATED: as libxl stores the disks of a domain it creates or restores,
 * with colo_restore_enable set false (its last field that is not at its
 * default).
 */
static void gen_disk(yajl_gen g, const struct xl_disk *d, bool created)
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
	if (created)
		gen_key_str(g, "colo_restore_enable", "False");
	yajl_gen_map_close(g);
}

/*
 * A vif as xl's parser leaves it (no MAC when the spec has none); STORED:
 * as libxl stores it, with the MAC it chose and its type (vif for a PV or
 * PVH guest's netfront).
 */
static void gen_nic(yajl_gen g, const struct xl_nic *n, bool stored)
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
	if (stored)
		gen_key_str(g, "nictype", "vif");
	if (n->gatewaydev[0])
		gen_key_str(g, "gatewaydev", n->gatewaydev);
	yajl_gen_map_close(g);
}

static void gen_devices(yajl_gen g, const struct xl_stored_config *c, bool stored)
{
	if (c->n_disks) {
		gen_str(g, "disks");
		yajl_gen_array_open(g);
		for (unsigned int i = 0; i < c->n_disks; i++)
			gen_disk(g, &c->disks[i], stored);
		yajl_gen_array_close(g);
	}
	if (c->n_nics) {
		gen_str(g, "nics");
		yajl_gen_array_open(g);
		for (unsigned int i = 0; i < c->n_nics; i++)
			gen_nic(g, &c->nics[i], stored);
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
		[XL_ACT_COREDUMP_DESTROY] = "coredump_destroy",
		[XL_ACT_COREDUMP_RESTART] = "coredump_restart",
		[XL_ACT_SOFT_RESET] = "soft_reset",
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
	gen_devices(g, c, stored);
	gen_action(g, "on_poweroff", c->on_poweroff);
	gen_action(g, "on_reboot", c->on_reboot);
	gen_action(g, "on_watchdog", c->on_watchdog);
	gen_action(g, "on_crash", c->on_crash);
	gen_action(g, "on_soft_reset", c->on_soft_reset);
	yajl_gen_map_close(g);
	return g;
}

static void stored_path(char *path, size_t size, uint16_t domid, const uint8_t handle[16])
{
	char uuid[37];

	xl_uuid_string(handle, uuid);
	snprintf(path, size, USERDATA_DIR "/userdata-d.%u.%s.libxl-json", domid, uuid);
}

/* G's JSON as the file libxl keeps (with the NUL after it, as libxl writes it). */
static int store_json(yajl_gen g, uint16_t domid, const uint8_t handle[16])
{
	const unsigned char *buf;
	char path[256];
	size_t len;
	int r = -1;

	stored_path(path, sizeof(path), domid, handle);
	mkdir(USERDATA_DIR, 0755);
	if (g && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		r = write_file(path, buf, len + 1);
	if (r)
		fprintf(stderr, "%s: cannot write %s: %m\n", xl_prog, path);
	if (g)
		yajl_gen_free(g);
	return r;
}

int xl_store_config(const struct xl_stored_config *c)
{
	return store_json(gen_config(c, true), c->domid, c->uuid);
}

yajl_val xl_stored_config_read(uint16_t domid, const uint8_t handle[16])
{
	char path[256], err[128];
	yajl_val v = NULL;
	char *text;
	long size;
	FILE *f;

	stored_path(path, sizeof(path), domid, handle);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	rewind(f);
	if (size > 0 && size <= MAX_CONFIG_BYTES && (text = malloc((size_t)size + 1))) {
		if (fread(text, 1, (size_t)size, f) == (size_t)size) {
			text[size] = '\0';
			v = yajl_tree_parse(text, err, sizeof(err));
		}
		free(text);
	}
	fclose(f);
	if (v && !YAJL_IS_OBJECT(v)) {
		yajl_tree_free(v);
		v = NULL;
	}
	return v;
}

void xl_json_gen_tree(yajl_gen g, yajl_val v)
{
	switch (v->type) {
	case yajl_t_string:
		gen_str(g, v->u.string);
		break;
	case yajl_t_number:
		yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
		break;
	case yajl_t_object:
		yajl_gen_map_open(g);
		for (size_t i = 0; i < v->u.object.len; i++) {
			gen_str(g, v->u.object.keys[i]);
			xl_json_gen_tree(g, v->u.object.values[i]);
		}
		yajl_gen_map_close(g);
		break;
	case yajl_t_array:
		yajl_gen_array_open(g);
		for (size_t i = 0; i < v->u.array.len; i++)
			xl_json_gen_tree(g, v->u.array.values[i]);
		yajl_gen_array_close(g);
		break;
	case yajl_t_true:
		yajl_gen_bool(g, 1);
		break;
	case yajl_t_false:
		yajl_gen_bool(g, 0);
		break;
	default:
		yajl_gen_null(g);
		break;
	}
}

/* A device attached to a running domain: a disk or a vif, and its list's key. */
struct new_device {
	const char *key;
	const struct xl_disk *disk;
	const struct xl_nic *nic;
};

/* libxl's test for the same device: a disk's vdev, a vif's devid. */
static bool same_device(yajl_val item, const struct new_device *dev)
{
	const char *path[] = { dev->disk ? "vdev" : "devid", NULL };
	yajl_val v = yajl_tree_get(item, path, yajl_t_any);

	if (dev->disk)
		return YAJL_IS_STRING(v) && !strcmp(v->u.string, dev->disk->vdev);
	return YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) == dev->nic->devid;
}

static void gen_new_device(yajl_gen g, const struct new_device *dev)
{
	if (dev->disk)
		gen_disk(g, dev->disk, false);
	else
		gen_nic(g, dev->nic, true);
}

/* The list (LIST, or none yet) with the device in place of its namesake or at the end. */
static void gen_device_list(yajl_gen g, yajl_val list, const struct new_device *dev)
{
	bool done = false;

	gen_str(g, dev->key);
	yajl_gen_array_open(g);
	for (size_t i = 0; YAJL_IS_ARRAY(list) && i < list->u.array.len; i++) {
		yajl_val item = list->u.array.values[i];

		if (!done && same_device(item, dev)) {
			gen_new_device(g, dev);
			done = true;
		} else {
			xl_json_gen_tree(g, item);
		}
	}
	if (!done)
		gen_new_device(g, dev);
	yajl_gen_array_close(g);
}

/* The keys libxl's JSON has before the list: c_info and b_info, and disks before nics. */
static bool comes_before(const char *key, const char *list)
{
	return !strcmp(key, "c_info") || !strcmp(key, "b_info") ||
	       (!strcmp(list, "nics") && !strcmp(key, "disks"));
}

static yajl_gen gen_with_device(yajl_val top, const struct new_device *dev)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	bool done = false;

	if (!g)
		return NULL;
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_map_open(g);
	for (size_t i = 0; i < top->u.object.len; i++) {
		const char *key = top->u.object.keys[i];

		if (!done && !strcmp(key, dev->key)) {
			gen_device_list(g, top->u.object.values[i], dev);
			done = true;
			continue;
		}
		if (!done && !comes_before(key, dev->key)) {
			gen_device_list(g, NULL, dev);
			done = true;
		}
		gen_str(g, key);
		xl_json_gen_tree(g, top->u.object.values[i]);
	}
	if (!done)
		gen_device_list(g, NULL, dev);
	yajl_gen_map_close(g);
	return g;
}

/* The device added to the domain's stored configuration; a domain without one is left so. */
static int store_device(uint16_t domid, const struct new_device *dev)
{
	struct xen_domctl_getdomaininfo info;
	yajl_val top;
	int r;

	if (ctrl_domain_info(xl_ctrl(), domid, &info))
		return -1;
	top = xl_stored_config_read(domid, info.handle);
	if (!top)
		return 0;
	r = store_json(gen_with_device(top, dev), domid, info.handle);
	yajl_tree_free(top);
	return r;
}

int xl_store_disk(uint16_t domid, const struct xl_disk *d)
{
	struct new_device dev = { .key = "disks", .disk = d };

	return store_device(domid, &dev);
}

int xl_store_nic(uint16_t domid, const struct xl_nic *n)
{
	struct new_device dev = { .key = "nics", .nic = n };

	return store_device(domid, &dev);
}

int xl_print_config(const struct xl_stored_config *c, FILE *out)
{
	yajl_gen g = gen_config(c, false);
	const unsigned char *buf;
	size_t len;
	int r = -1;

	if (g && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok &&
	    fwrite(buf, 1, len, out) == len && fflush(out) == 0)
		r = 0;
	if (r)
		fprintf(stderr, "Failed to convert domain configuration to JSON\n");
	if (g)
		yajl_gen_free(g);
	return r;
}
