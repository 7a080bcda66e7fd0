/* SPDX-License-Identifier: MIT */
/*
 * A new PV or PVH domain's xenstore records, laid out as libxl lays them
 * out, so that Debian's xl, xenconsoled and the guest's own xenbus find
 * what they expect; then XS_INTRODUCE.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "build.h"
#include "xenstore.h"

struct xs_ctx {
	struct xs_handle *xs;
	const char *dom; /* /local/domain/N */
	uint16_t domid;
	int failed;
};

static void uuid_text(const uint8_t u[16], char out[37])
{
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		 u[13], u[14], u[15]);
}

static void put(struct xs_ctx *x, const char *value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void put(struct xs_ctx *x, const char *value, const char *fmt, ...)
{
	char path[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (!xs_write(x->xs, XBT_NULL, path, value, (unsigned int)strlen(value)))
		x->failed = 1;
}

/* Nodes dom0 owns and the guest reads, or the guest owns (writable). */
static void node(struct xs_ctx *x, const char *path, int guest_writable)
{
	struct xs_permissions ro[2] = { { 0, XS_PERM_NONE }, { x->domid, XS_PERM_READ } };
	struct xs_permissions rw[1] = { { x->domid, XS_PERM_NONE } };

	if (!xs_write(x->xs, XBT_NULL, path, "", 0) ||
	    !xs_set_permissions(x->xs, XBT_NULL, path, guest_writable ? rw : ro,
				guest_writable ? 1 : 2))
		x->failed = 1;
}

static void sub(struct xs_ctx *x, const char *name, int guest_writable)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", x->dom, name);
	node(x, path, guest_writable);
}

static void skeleton(struct xs_ctx *x, const char *vm, int pvh)
{
	static const char *const ro[] = { "cpu", "memory", "device", "control" };
	static const char *const rw[] = { "control/shutdown",
					  "control/feature-poweroff",
					  "control/feature-reboot",
					  "control/feature-suspend",
					  "control/sysrq",
					  "data",
					  "drivers",
					  "feature",
					  "attr",
					  "error",
					  "device/suspend/event-channel" };
	char libxl[32];

	node(x, x->dom, 0);
	node(x, vm, 0);
	snprintf(libxl, sizeof(libxl), "/libxl/%u", x->domid);
	node(x, libxl, 0);
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		sub(x, ro[i], 0);
	for (size_t i = 0; i < sizeof(rw) / sizeof(rw[0]); i++)
		sub(x, rw[i], 1);
	/* libxl's domain type, "pvh" for a PVH domain: Debian's xl reads it back */
	put(x, pvh ? "pvh" : "pv", "%s/type", libxl);
}

static void records(struct xs_ctx *x, const struct pv_build_args *a,
		    const struct pv_build_result *r, const char *vm, const char *uuid)
{
	char v[64];
	struct timeval now;

	put(x, vm, "%s/vm", x->dom);
	put(x, a->name, "%s/name", x->dom);
	snprintf(v, sizeof(v), "%u", x->domid);
	put(x, v, "%s/domid", x->dom);
	put(x, uuid, "%s/uuid", vm);
	put(x, a->name, "%s/name", vm);
	gettimeofday(&now, NULL);
	snprintf(v, sizeof(v), "%ld.%02ld", (long)now.tv_sec, (long)now.tv_usec / 10000);
	put(x, v, "%s/start_time", vm);
	for (unsigned int i = 0; i < a->vcpus; i++)
		put(x, "online", "%s/cpu/%u/availability", x->dom, i);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)a->memory_kb);
	put(x, v, "%s/memory/static-max", x->dom);
	put(x, v, "%s/memory/target", x->dom);
	snprintf(v, sizeof(v), "%u", r->store_port);
	put(x, v, "%s/store/port", x->dom);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)r->store_mfn);
	put(x, v, "%s/store/ring-ref", x->dom);
	snprintf(v, sizeof(v), "%u", r->console_port);
	put(x, v, "%s/console/port", x->dom);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)r->console_mfn);
	put(x, v, "%s/console/ring-ref", x->dom);
	put(x, "xenconsoled", "%s/console/type", x->dom);
	put(x, "pty", "%s/console/output", x->dom);
	put(x, "1048576", "%s/console/limit", x->dom);
}

int pv_build_xenstore(struct xs_handle *xs, const struct pv_build_args *a,
		      const struct pv_build_result *r, char *err, size_t errlen)
{
	char dom[32], vm[64], uuid[37];
	struct xs_ctx x = { .xs = xs, .dom = dom, .domid = r->domid };

	snprintf(dom, sizeof(dom), "/local/domain/%u", r->domid);
	uuid_text(a->uuid, uuid);
	snprintf(vm, sizeof(vm), "/vm/%s", uuid);
	skeleton(&x, vm, a->pvh);
	records(&x, a, r, vm, uuid);
	if (x.failed) {
		snprintf(err, errlen, "writing the domain's xenstore records: %s", strerror(errno));
		return -EIO;
	}
	if (!xs_introduce_domain(xs, r->domid, r->store_mfn, r->store_port)) {
		snprintf(err, errlen, "introducing the domain to xenstored: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}

void pv_build_xenstore_remove(struct xs_handle *xs, uint16_t domid, const uint8_t uuid[16])
{
	char path[64], u[37];

	uuid_text(uuid, u);
	snprintf(path, sizeof(path), "/vm/%s", u);
	xs_rm(xs, XBT_NULL, path);
	snprintf(path, sizeof(path), "/local/domain/%u", domid);
	xs_rm(xs, XBT_NULL, path);
	snprintf(path, sizeof(path), "/libxl/%u", domid);
	xs_rm(xs, XBT_NULL, path);
}
