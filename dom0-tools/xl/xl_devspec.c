/* SPDX-License-Identifier: MIT */
/*
 * Disk and vif specifications as xl reads them.  A disk spec is a list of
 * comma-separated words: key=value settings, flags, and positional values
 * that fill target, format, vdev and access in that order (each the first
 * not yet given); `target=` takes the rest of the spec.  A vif spec is a
 * list of key=value settings.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xl_devspec.h"

enum { POS_TARGET, POS_FORMAT, POS_VDEV, POS_ACCESS, POS_COUNT };

struct disk_parse {
	const char *source, *spec;
	FILE *err;
	struct xl_disk *d;
	bool given[POS_COUNT]; /* set, perhaps to an empty value */
	bool script_given, type_given, backendtype_given, failed;
};

static int disk_error(struct disk_parse *p, const char *near, const char *what)
{
	if (!p->failed)
		fprintf(p->err,
			"%s: config parsing error in disk specification: %s%s%s%s in `%s'\n",
			p->source, what, near ? ": near `" : "", near ? near : "", near ? "'" : "",
			p->spec);
	p->failed = true;
	return -1;
}

static int copy(char *dst, size_t size, const char *src, size_t len)
{
	if (len >= size)
		return -1;
	memcpy(dst, src, len);
	dst[len] = 0;
	return 0;
}

static bool is_one_of(const char *v, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(v, *list) == 0)
			return true;
	return false;
}

static int set_format(struct disk_parse *p, const char *v, const char *word)
{
	static const char *const formats[] = {
		"raw", "qcow", "qcow2", "vhd", "qed", "empty", NULL
	};

	if (!*v)
		v = "raw";
	if (!is_one_of(v, formats))
		return disk_error(p, word, "unknown value for format");
	snprintf(p->d->format, sizeof(p->d->format), "%s", v);
	return 0;
}

static int set_access(struct disk_parse *p, const char *v, const char *word)
{
	if (!*v || strcmp(v, "rw") == 0 || strcmp(v, "w") == 0)
		p->d->readwrite = true;
	else if (strcmp(v, "ro") == 0 || strcmp(v, "r") == 0)
		p->d->readwrite = false;
	else
		return disk_error(p, word, "unknown value for access");
	return 0;
}

/* A vdev, with the old ":cdrom" / ":disk" suffix. */
static int set_vdev(struct disk_parse *p, const char *v, const char *word)
{
	const char *colon = strchr(v, ':');
	size_t len = colon ? (size_t)(colon - v) : strlen(v);

	if (colon && strcmp(colon + 1, "cdrom") == 0)
		p->d->cdrom = true;
	else if (colon && strcmp(colon + 1, "disk") != 0)
		return disk_error(p, word, "unknown deprecated type");
	if (copy(p->d->vdev, sizeof(p->d->vdev), v, len))
		return disk_error(p, word, "bad disk syntax");
	return 0;
}

static int set_target(struct disk_parse *p, const char *v, const char *word)
{
	if (copy(p->d->target, sizeof(p->d->target), v, strlen(v)))
		return disk_error(p, word, "bad disk syntax");
	return 0;
}

/* Old "phy:", "file:", "tap:aio:" ... prefixes of a positional target. */
static int deprecated_prefix(struct disk_parse *p, const char **v)
{
	static const char *const raw[] = { "file", "aio", "raw", "tap", "tap2", NULL };
	static const char *const formats[] = { "qcow", "qcow2", "vhd", NULL };
	char prefix[16];

	for (;;) {
		size_t n = strspn(*v, "abcdefghijklmnopqrstuvwxyz0123456789");

		if (n == 0 || (*v)[n] != ':' || (*v)[n + 1] == 0 || n >= sizeof(prefix))
			return 0;
		memcpy(prefix, *v, n);
		prefix[n] = 0;
		if (strcmp(prefix, "phy") == 0)
			p->d->backend_phy = true;
		else if (is_one_of(prefix, formats))
			snprintf(p->d->format, sizeof(p->d->format), "%s", prefix);
		else if (!is_one_of(prefix, raw))
			return disk_error(p, prefix, "unknown deprecated disk prefix");
		p->given[POS_FORMAT] = true;
		*v += n + 1;
	}
}

static int positional(struct disk_parse *p, const char *v, const char *word)
{
	int i = 0;

	while (i < POS_COUNT && p->given[i])
		i++;
	if (i == POS_COUNT)
		return disk_error(p, word, "too many positional parameters");
	if (i == POS_TARGET && deprecated_prefix(p, &v))
		return -1;
	p->given[i] = true;
	switch (i) {
	case POS_TARGET:
		return set_target(p, v, word);
	case POS_FORMAT:
		return set_format(p, v, word);
	case POS_VDEV:
		return set_vdev(p, v, word);
	default:
		return set_access(p, v, word);
	}
}

/* key=value for one of the four positional parameters; 1 if KEY is none of them. */
static int named_positional(struct disk_parse *p, const char *key, const char *v, const char *word)
{
	static const char *const names[] = { "target", "format", "vdev", "access" };
	char what[32];

	for (int i = POS_FORMAT; i < POS_COUNT; i++) {
		if (strcmp(key, names[i]) != 0)
			continue;
		if (p->given[i]) {
			snprintf(what, sizeof(what), "%s respecified", names[i]);
			return disk_error(p, NULL, what);
		}
		p->given[i] = true;
		return i == POS_FORMAT ? set_format(p, v, word)
		       : i == POS_VDEV ? set_vdev(p, v, word)
				       : set_access(p, v, word);
	}
	return 1;
}

static int set_script(struct disk_parse *p, const char *v)
{
	if (p->script_given)
		return disk_error(p, NULL, "script respecified");
	p->script_given = true;
	p->d->script_set = true;
	snprintf(p->d->script, sizeof(p->d->script), "%s%s%s", strchr(v, '/') ? "" : XL_SCRIPT_DIR,
		 strchr(v, '/') ? "" : "/", v);
	return 0;
}

static int setting(struct disk_parse *p, const char *key, const char *v, const char *word)
{
	int r = named_positional(p, key, v, word);

	if (r <= 0)
		return r;
	if (strcmp(key, "devtype") == 0) {
		if (p->type_given)
			return disk_error(p, NULL, "devtype respecified");
		p->type_given = true;
		if (strcmp(v, "cdrom") != 0)
			return disk_error(p, word, "unknown value for type");
		p->d->cdrom = true;
		return 0;
	}
	if (strcmp(key, "backendtype") == 0) {
		static const char *const types[] = { "phy", "qdisk", "standalone", NULL };

		if (p->backendtype_given)
			return disk_error(p, NULL, "backendtype respecified");
		p->backendtype_given = true;
		if (!is_one_of(v, types))
			return disk_error(p, word, "unknown value for backendtype");
		if (strcmp(v, "standalone") == 0)
			return disk_error(p, word, "not supported by pxl yet");
		p->d->backend_phy = strcmp(v, "phy") == 0;
		p->d->backend_qdisk = !p->d->backend_phy;
		return 0;
	}
	if (strcmp(key, "script") == 0)
		return set_script(p, v);
	if (strcmp(key, "specification") == 0) {
		if (strcmp(v, "xen") == 0)
			return 0;
		if (strcmp(v, "virtio") == 0)
			return disk_error(p, word, "not supported by pxl yet");
		return disk_error(p, word, "unknown value for specification");
	}
	if (strcmp(key, "backend") == 0 || strncmp(key, "colo", 4) == 0 ||
	    strcmp(key, "active-disk") == 0 || strcmp(key, "hidden-disk") == 0)
		return disk_error(p, word, "not supported by pxl yet");
	return disk_error(p, word, "unknown parameter");
}

static int flag(struct disk_parse *p, const char *word)
{
	if (strcmp(word, "cdrom") == 0)
		p->d->cdrom = true;
	else if (strcmp(word, "discard") == 0)
		p->d->discard = p->d->discard_set = true;
	else if (strcmp(word, "no-discard") == 0) {
		p->d->discard = false;
		p->d->discard_set = true;
	} else if (strcmp(word, "colo") == 0)
		return disk_error(p, word, "not supported by pxl yet");
	else if (strcmp(word, "direct-io-safe") != 0 && strcmp(word, "trusted") != 0 &&
		 strcmp(word, "untrusted") != 0)
		return 1;
	return 0;
}

/* One comma-separated word (blanks before it skipped); *rest moves past it. */
static int disk_word(struct disk_parse *p, const char **rest)
{
	const char *s = *rest, *end, *eq;
	char word[1280], key[64];
	int r;

	while (*s == ' ' || *s == '\t')
		s++;
	if (strncmp(s, "target=", 7) == 0) {
		p->given[POS_TARGET] = true;
		*rest = s + strlen(s);
		return set_target(p, s + 7, s);
	}
	end = strchr(s, ',');
	if (!end)
		end = s + strlen(s);
	*rest = *end ? end + 1 : end;
	if (copy(word, sizeof(word), s, (size_t)(end - s)))
		return disk_error(p, NULL, "bad disk syntax");
	eq = strchr(word, '=');
	if (!eq) {
		r = flag(p, word);
		return r <= 0 ? r : positional(p, word, word);
	}
	if (copy(key, sizeof(key), word, (size_t)(eq - word)))
		return disk_error(p, word, "unknown parameter");
	return setting(p, key, eq + 1, word);
}

int xl_disk_parse(const char *source, const char *spec, struct xl_disk *d, FILE *err)
{
	struct disk_parse p = { .source = source, .spec = spec, .err = err, .d = d };
	const char *rest = spec;

	memset(d, 0, sizeof(*d));
	d->readwrite = true;
	d->discard = true;
	snprintf(d->format, sizeof(d->format), "raw");
	snprintf(d->script, sizeof(d->script), XL_SCRIPT_DIR "/block");
	while (*rest)
		if (disk_word(&p, &rest))
			return -1;
	if (d->cdrom) {
		d->readwrite = false;
		if (!d->target[0])
			snprintf(d->format, sizeof(d->format), "empty");
	}
	if (!d->vdev[0])
		return disk_error(&p, NULL, "no vdev specified");
	if (!d->target[0] && !d->cdrom)
		return disk_error(&p, NULL, "no target specified (and device not removable)");
	return 0;
}

/* LETTERS as a bijective base-26 number (a = 0, z = 25, aa = 26); false past max. */
static bool disk_letters(const char **s, long max, long *index)
{
	long n = -1;

	while (**s >= 'a' && **s <= 'z') {
		n = (n + 1) * 26 + (**s - 'a');
		if (n > max)
			return false;
		(*s)++;
	}
	*index = n;
	return n >= 0;
}

/* PREFIX LETTERS [PARTITION]: the disk index and partition, or false. */
static bool disk_name(const char *vdev, const char *prefix, long max_disk, long max_part,
		      long *disk, long *part)
{
	size_t n = strlen(prefix);
	const char *s = vdev + n;
	char *end;

	if (strncmp(vdev, prefix, n) != 0 || !disk_letters(&s, max_disk, disk))
		return false;
	if (!*s) {
		*part = 0;
		return true;
	}
	if (*s == '0' || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*part = strtol(s, &end, 10);
	return !errno && !*end && *part <= max_part;
}

static int xvd_devid(long disk, long part)
{
	if (disk <= 15 && part <= 15)
		return (int)((202 << 8) | (disk << 4) | part);
	return (int)((1L << 28) | (disk << 8) | part);
}

int xl_vdev_devid(const char *vdev)
{
	long disk, part;
	unsigned long ul;
	char *end;
	int used = -1, di, pi;

	if (sscanf(vdev, "d%ip%i%n", &di, &pi, &used) >= 2 && used == (int)strlen(vdev) &&
	    di >= 0 && pi >= 0 && di < (1 << 20) && pi < 256)
		return xvd_devid(di, pi);
	if (disk_name(vdev, "xvd", (1 << 20) - 1, 255, &disk, &part))
		return xvd_devid(disk, part);
	errno = 0;
	ul = strtoul(vdev, &end, 0);
	if (*vdev && isdigit((unsigned char)*vdev) && !errno && !*end && ul <= 0x7fffffff)
		return (int)ul;
	if (disk_name(vdev, "hd", 3, 63, &disk, &part))
		return (int)((((disk < 2) ? 3 : 22) << 8) | ((disk & 1) << 6) | part);
	if (disk_name(vdev, "sd", 15, 15, &disk, &part))
		return (int)((8 << 8) | (disk << 4) | part);
	return -1;
}

void xl_nic_init(struct xl_nic *n)
{
	memset(n, 0, sizeof(*n));
	n->devid = -1;
	snprintf(n->bridge, sizeof(n->bridge), "xenbr0");
	snprintf(n->script, sizeof(n->script), XL_SCRIPT_DIR "/vif-bridge");
}

void xl_nic_random_mac(uint8_t mac[6], const uint8_t random[3])
{
	mac[0] = 0x00;
	mac[1] = 0x16;
	mac[2] = 0x3e;
	mac[3] = random[0] & 0x7f;
	mac[4] = random[1];
	mac[5] = random[2];
}

void xl_mac_string(const uint8_t m[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* Six hex bytes separated by colons, as xl reads them. */
static int parse_mac(const char *v, uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		char *end;
		unsigned long b = strtoul(v, &end, 16);

		if (end == v || b > 255 || (i < 5 && *end != ':') || (i == 5 && *end))
			return -1;
		mac[i] = (uint8_t)b;
		v = end + 1;
	}
	return 0;
}

static int nic_string(char *dst, size_t size, const char *v, const char *token, FILE *err)
{
	if (strlen(v) >= size) {
		fprintf(err, "unrecognized argument `%s'\n", token);
		return -1;
	}
	snprintf(dst, size, "%s", v);
	return 0;
}

/* key=value when the token starts with KEY=; *v is the value. */
static bool key_is(const char *token, const char *key, const char **v)
{
	size_t n = strlen(key);

	if (strncmp(token, key, n) != 0 || token[n] != '=')
		return false;
	*v = token + n + 1;
	return true;
}

static int nic_number(const char *v, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(v, &end, 10);
	return (!*v || *end || errno || *out > max) ? -1 : 0;
}

int xl_nic_parse_token(struct xl_nic *n, const char *token, FILE *err)
{
	unsigned long num;
	const char *v;

	if (key_is(token, "mac", &v)) {
		if (parse_mac(v, n->mac)) {
			fprintf(err, "Invalid parameter `mac'.\n");
			return -1;
		}
		n->mac_set = true;
		return 0;
	}
	if (key_is(token, "bridge", &v)) {
		n->bridge_set = true;
		return nic_string(n->bridge, sizeof(n->bridge), v, token, err);
	}
	if (key_is(token, "ip", &v))
		return nic_string(n->ip, sizeof(n->ip), v, token, err);
	if (key_is(token, "vifname", &v))
		return nic_string(n->vifname, sizeof(n->vifname), v, token, err);
	if (key_is(token, "gatewaydev", &v))
		return nic_string(n->gatewaydev, sizeof(n->gatewaydev), v, token, err);
	if (key_is(token, "script", &v)) {
		char path[256];

		snprintf(path, sizeof(path), "%s%s%s", strchr(v, '/') ? "" : XL_SCRIPT_DIR,
			 strchr(v, '/') ? "" : "/", v);
		n->script_set = true;
		return nic_string(n->script, sizeof(n->script), path, token, err);
	}
	if ((key_is(token, "mtu", &v) || key_is(token, "devid", &v)) &&
	    nic_number(v, 65535, &num) == 0) {
		if (token[0] == 'm')
			n->mtu = (unsigned int)num;
		else
			n->devid = (int)num;
		return 0;
	}
	if (key_is(token, "type", &v) && strcmp(v, "vif") == 0)
		return 0;
	if (key_is(token, "type", &v)) {
		fprintf(err, strcmp(v, "ioemu") == 0 ? "trying to create PV or PVH guest with an "
						       "emulated interface\n"
						     : "Invalid parameter `type'.\n");
		return -1;
	}
	if (key_is(token, "model", &v) || key_is(token, "accel", &v) ||
	    strcmp(token, "trusted") == 0 || strcmp(token, "untrusted") == 0)
		return 0;
	fprintf(err, "unrecognized argument `%s'\n", token);
	return -1;
}

int xl_nic_parse(struct xl_nic *n, const char *spec, FILE *err)
{
	char *copy = strdup(spec), *save = NULL;
	int r = copy ? 0 : -1;

	for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t && !r;
	     t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ' || *t == '\t')
			t++;
		r = xl_nic_parse_token(n, t, err);
	}
	free(copy);
	return r;
}
