/* SPDX-License-Identifier: MIT */
/*
 * xl list -l: each domain's configuration as JSON (yajl), in libxl's shape:
 * [ { "domid": N, "config": { "c_info": {...}, "b_info": {...}, ... } } ].
 * A domain Debian's xl created has its configuration stored by libxl
 * (/var/lib/xen/userdata-d.N.UUID.libxl-json): it is printed as stored, with
 * the values that change while it runs (name, target and maximum memory,
 * scheduler parameters) read live and the disks and vifs no longer in
 * xenstore left out, as libxl does.  pxl create stores one too
 * (xl_userdata.c).  dom0 has none and is left out, as in xl.  A domain
 * without one gets the live facts only: type, name, uuid, vCPUs and memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenstore.h"
#include "xl.h"
#include "xl_devspec.h"
#include "xl_json.h"

struct live {
	uint16_t domid;
	char *name;
	char *target_kb; /* memory/target */
	char *static_kb; /* memory/static-max */
	unsigned int vcpus;
	char uuid[37];
};

static char *dom_read(uint16_t domid, const char *node)
{
	char path[128];
	unsigned int len;

	snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, node);
	return xs_read(xl_xs(), XBT_NULL, path, &len);
}

static bool is_number(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static void gen_str(yajl_gen g, const char *s)
{
	yajl_gen_string(g, (const unsigned char *)s, strlen(s));
}

/* A live value that replaces the stored one for key in section, or NULL. */
static const char *live_number(const struct live *l, const char *section, const char *key)
{
	if (strcmp(section, "b_info") != 0)
		return NULL;
	if (!strcmp(key, "target_memkb") && is_number(l->target_kb))
		return l->target_kb;
	if (!strcmp(key, "max_memkb") && is_number(l->static_kb))
		return l->static_kb;
	return NULL;
}

static void emit(yajl_gen g, yajl_val v, const struct live *l, const char *section, int depth);

/* The scheduler's parameters for the domain, read live (libxl's sched_params). */
static void emit_sched(yajl_gen g, uint16_t domid)
{
	struct xen_domctl d = { 0 };
	uint32_t sched = 0;

	yajl_gen_map_open(g);
	if (ctrl_sched_id(xl_ctrl(), &sched) == 0) {
		gen_str(g, "sched");
		gen_str(g, xl_scheduler_name(sched));
		d.u.scheduler_op.sched_id = sched;
		d.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_getinfo;
		if ((sched == XEN_SCHEDULER_CREDIT || sched == XEN_SCHEDULER_CREDIT2) &&
		    ctrl_domctl(xl_ctrl(), XEN_DOMCTL_scheduler_op, domid, &d) == 0) {
			/* credit and credit2 keep weight and cap in the same places */
			gen_str(g, "weight");
			yajl_gen_integer(g, d.u.scheduler_op.u.credit.weight);
			gen_str(g, "cap");
			yajl_gen_integer(g, d.u.scheduler_op.u.credit.cap);
		}
	}
	yajl_gen_map_close(g);
}

/* Whether a stored disk or vif is still in xenstore (libxl's record of it). */
static bool device_present(uint16_t domid, const char *list, yajl_val item)
{
	const char *path[] = { strcmp(list, "disks") ? "devid" : "vdev", NULL };
	yajl_val v = yajl_tree_get(item, path, yajl_t_any);
	char node[96];
	unsigned int n;
	char **dir;
	long id;

	if (YAJL_IS_STRING(v))
		id = xl_vdev_devid(v->u.string);
	else if (YAJL_IS_INTEGER(v))
		id = YAJL_GET_INTEGER(v);
	else
		return false;
	snprintf(node, sizeof(node), "/libxl/%u/device/%s/%ld", domid,
		 strcmp(list, "disks") ? "vif" : "vbd", id);
	dir = xs_directory(xl_xs(), XBT_NULL, node, &n);
	free(dir);
	return dir != NULL;
}

/*
 * The disks or nics still in xenstore, as libxl updates them: a list whose
 * devices are all gone is left out.
 */
static void emit_devices(yajl_gen g, const char *key, yajl_val list, uint16_t domid)
{
	bool open = false;

	for (size_t i = 0; YAJL_IS_ARRAY(list) && i < list->u.array.len; i++) {
		if (!device_present(domid, key, list->u.array.values[i])) {
			fprintf(stderr,
				"%s: warning: Domain %u: device present in JSON but not in "
				"xenstore, ignored\n",
				xl_prog, domid);
			continue;
		}
		if (!open) {
			gen_str(g, key);
			yajl_gen_array_open(g);
			open = true;
		}
		xl_json_gen_tree(g, list->u.array.values[i]);
	}
	if (open)
		yajl_gen_array_close(g);
}

static bool is_device_list(const char *key)
{
	return !strcmp(key, "disks") || !strcmp(key, "nics");
}

static void emit_object(yajl_gen g, yajl_val v, const struct live *l, const char *section,
			int depth)
{
	const char *n;

	yajl_gen_map_open(g);
	for (size_t i = 0; i < v->u.object.len; i++) {
		const char *key = v->u.object.keys[i];

		if (depth == 0 && is_device_list(key)) {
			emit_devices(g, key, v->u.object.values[i], l->domid);
			continue;
		}
		gen_str(g, key);
		if (depth == 1 && !strcmp(section, "c_info") && !strcmp(key, "name") && l->name)
			gen_str(g, l->name);
		else if (depth == 1 && !strcmp(section, "b_info") && !strcmp(key, "sched_params"))
			emit_sched(g, l->domid);
		else if (depth == 1 && (n = live_number(l, section, key)))
			yajl_gen_number(g, n, strlen(n));
		else
			emit(g, v->u.object.values[i], l, depth == 0 ? key : section, depth + 1);
	}
	yajl_gen_map_close(g);
}

/* Only c_info and b_info's own keys have live values: deeper, the value as stored. */
static void emit(yajl_gen g, yajl_val v, const struct live *l, const char *section, int depth)
{
	if (depth <= 1 && YAJL_IS_OBJECT(v))
		emit_object(g, v, l, section, depth);
	else
		xl_json_gen_tree(g, v);
}

/* The facts a domain without a stored configuration has. */
static void emit_live(yajl_gen g, const struct live *l)
{
	yajl_gen_map_open(g);
	gen_str(g, "c_info");
	yajl_gen_map_open(g);
	gen_str(g, "type"), gen_str(g, "pv");
	if (l->name)
		gen_str(g, "name"), gen_str(g, l->name);
	gen_str(g, "uuid"), gen_str(g, l->uuid);
	yajl_gen_map_close(g);
	gen_str(g, "b_info");
	yajl_gen_map_open(g);
	gen_str(g, "max_vcpus"), yajl_gen_integer(g, l->vcpus);
	gen_str(g, "avail_vcpus");
	yajl_gen_array_open(g);
	for (unsigned int i = 0; i < l->vcpus; i++)
		yajl_gen_integer(g, i);
	yajl_gen_array_close(g);
	if (is_number(l->static_kb))
		gen_str(g, "max_memkb"), yajl_gen_number(g, l->static_kb, strlen(l->static_kb));
	if (is_number(l->target_kb))
		gen_str(g, "target_memkb"), yajl_gen_number(g, l->target_kb, strlen(l->target_kb));
	yajl_gen_map_close(g);
	yajl_gen_map_close(g);
}

static void emit_domain(yajl_gen g, const struct xen_domctl_getdomaininfo *d)
{
	struct live l = { .domid = d->domain, .vcpus = d->max_vcpu_id + 1 };
	yajl_val stored;

	xl_uuid_string(d->handle, l.uuid);
	stored = xl_stored_config_read(d->domain, d->handle);
	if (!stored && d->domain == 0)
		return;
	l.name = dom_read(d->domain, "name");
	l.target_kb = dom_read(d->domain, "memory/target");
	l.static_kb = dom_read(d->domain, "memory/static-max");
	yajl_gen_map_open(g);
	gen_str(g, "domid");
	yajl_gen_integer(g, d->domain);
	gen_str(g, "config");
	if (stored)
		emit(g, stored, &l, "", 0);
	else
		emit_live(g, &l);
	yajl_gen_map_close(g);
	yajl_tree_free(stored);
	free(l.name), free(l.target_kb), free(l.static_kb);
}

int xl_list_long(const struct xen_domctl_getdomaininfo *doms, int n)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;

	if (!g)
		return EXIT_FAILURE;
	yajl_gen_config(g, yajl_gen_beautify, 1);
	yajl_gen_array_open(g);
	for (int i = 0; i < n; i++)
		emit_domain(g, &doms[i]);
	yajl_gen_array_close(g);
	if (yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		printf("%s\n", buf);
	yajl_gen_free(g);
	return EXIT_SUCCESS;
}
