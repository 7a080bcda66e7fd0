/*
 * petrel.cfg and LoadOptions parsing for petrel.efi.
 *
 * petrel.cfg has the shape of Xen's xen.cfg: "[name]" starts a section,
 * "key=value" lines follow, '#' starts a comment anywhere on a line and ';'
 * does at the start of one. Leading and trailing blanks are ignored.
 * Pure code: no firmware calls, no libc.
 */
#include "efi_helpers.h"

struct cfg_line {
	const char *s; /* content without comment and outer blanks */
	size_t n;
	int no; /* 1-based line number */
};

struct cfg_text {
	const char *text;
	size_t len;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static bool mem_eq(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i;

	if (an != bn)
		return false;
	for (i = 0; i < an; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* Copy @n bytes and a NUL into @dst of capacity @cap. */
static int copy_str(char *dst, size_t cap, const char *src, size_t n)
{
	size_t i;

	if (n + 1 > cap)
		return PCFG_ERR_TOO_LONG;
	for (i = 0; i < n; i++)
		dst[i] = src[i];
	dst[n] = '\0';
	return 0;
}

/* Fetch the next line at *@pos; false at the end of the text. */
static bool next_line(const struct cfg_text *t, size_t *pos, int *no, struct cfg_line *l)
{
	size_t p = *pos, start, end, i;

	if (p >= t->len)
		return false;
	start = p;
	while (p < t->len && t->text[p] != '\n')
		p++;
	end = p;
	*pos = p < t->len ? p + 1 : p;
	(*no)++;

	while (start < end && is_blank(t->text[start]))
		start++;
	if (start < end && t->text[start] == ';')
		end = start;
	for (i = start; i < end; i++) {
		if (t->text[i] == '#') {
			end = i;
			break;
		}
	}
	while (end > start && (is_blank(t->text[end - 1]) || t->text[end - 1] == '\r'))
		end--;
	l->s = t->text + start;
	l->n = end - start;
	l->no = *no;
	return true;
}

/* If @l is "[name]", point @name at the trimmed name and return true. */
static bool line_section(const struct cfg_line *l, const char **name, size_t *n)
{
	const char *s = l->s + 1;
	size_t k = l->n;

	if (k < 2 || l->s[0] != '[' || l->s[k - 1] != ']')
		return false;
	k -= 2;
	while (k && is_blank(*s)) {
		s++;
		k--;
	}
	while (k && is_blank(s[k - 1]))
		k--;
	*name = s;
	*n = k;
	return true;
}

/* If @l is "key = value", split it; values keep inner blanks. */
static bool line_kv(const struct cfg_line *l, const char **key, size_t *kn, const char **val,
		    size_t *vn)
{
	size_t eq = 0, k;

	while (eq < l->n && l->s[eq] != '=')
		eq++;
	if (eq == l->n || eq == 0)
		return false;
	k = eq;
	while (k && is_blank(l->s[k - 1]))
		k--;
	*key = l->s;
	*kn = k;
	*val = l->s + eq + 1;
	*vn = l->n - eq - 1;
	while (*vn && is_blank(**val)) {
		(*val)++;
		(*vn)--;
	}
	return k != 0;
}

/* Reject binary files and lines that are neither sections nor keys. */
static int cfg_check(const struct cfg_text *t, int *errline)
{
	struct cfg_line l;
	const char *a, *b;
	size_t pos = 0, an, bn;
	int no = 0, line = 1;

	for (pos = 0; pos < t->len; pos++) {
		unsigned char c = (unsigned char)t->text[pos];

		if (c == '\n')
			line++;
		else if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
			*errline = line;
			return PCFG_ERR_BINARY;
		}
	}
	pos = 0;
	while (next_line(t, &pos, &no, &l)) {
		if (!l.n || line_section(&l, &a, &an) || line_kv(&l, &a, &an, &b, &bn))
			continue;
		*errline = l.no;
		return PCFG_ERR_SYNTAX;
	}
	return 0;
}

/*
 * Find @key in section @sec (NULL: anywhere, first instance wins).
 * Returns true and the value, or false.
 */
static bool cfg_find(const struct cfg_text *t, const char *sec, const char *key,
		     struct cfg_line *val)
{
	struct cfg_line l;
	const char *name, *k, *v;
	size_t pos = 0, nn, kn, vn;
	int no = 0;
	bool in = sec == NULL;

	while (next_line(t, &pos, &no, &l)) {
		if (line_section(&l, &name, &nn)) {
			in = sec == NULL || mem_eq(name, nn, sec, str_len(sec));
			continue;
		}
		if (!in || !line_kv(&l, &k, &kn, &v, &vn))
			continue;
		if (mem_eq(k, kn, key, str_len(key))) {
			val->s = v;
			val->n = vn;
			val->no = l.no;
			return true;
		}
	}
	return false;
}

static bool cfg_has_section(const struct cfg_text *t, const char *sec)
{
	struct cfg_line l;
	const char *name;
	size_t pos = 0, nn;
	int no = 0;

	while (next_line(t, &pos, &no, &l))
		if (line_section(&l, &name, &nn) && mem_eq(name, nn, sec, str_len(sec)))
			return true;
	return false;
}

/* Look @key up in @sec, falling back to [global]; copy it to @dst. */
static int cfg_get(const struct cfg_text *t, const char *sec, const char *key, char *dst,
		   size_t cap, int *errline)
{
	struct cfg_line v;
	int rc;

	dst[0] = '\0';
	if (!cfg_find(t, sec, key, &v) && !(sec && cfg_find(t, "global", key, &v)))
		return 1;
	rc = copy_str(dst, cap, v.s, v.n);
	if (rc)
		*errline = v.no;
	return rc;
}

int pcfg_parse(const char *text, size_t len, const char *want, struct pcfg *out, int *errline)
{
	struct cfg_text t = { text, len };
	struct cfg_line v;
	int rc, dummy;

	if (!errline)
		errline = &dummy;
	*errline = 0;
	out->section[0] = out->options[0] = out->kernel[0] = out->ramdisk[0] = '\0';
	/* A UTF-8 byte order mark is harmless: skip it. */
	if (len >= 3 && (u8)text[0] == 0xef && (u8)text[1] == 0xbb && (u8)text[2] == 0xbf) {
		t.text += 3;
		t.len -= 3;
	}
	rc = cfg_check(&t, errline);
	if (rc)
		return rc;

	if (want && want[0]) {
		rc = copy_str(out->section, sizeof(out->section), want, str_len(want));
		if (rc)
			return rc;
	} else if (cfg_find(&t, "global", "default", &v) && v.n) {
		rc = copy_str(out->section, sizeof(out->section), v.s, v.n);
		if (rc) {
			*errline = v.no;
			return rc;
		}
	}
	if (out->section[0] && !cfg_has_section(&t, out->section))
		return PCFG_ERR_SECTION;

	const char *sec = out->section[0] ? out->section : NULL;

	rc = cfg_get(&t, sec, "options", out->options, sizeof(out->options), errline);
	if (rc < 0)
		return rc;
	rc = cfg_get(&t, sec, "ramdisk", out->ramdisk, sizeof(out->ramdisk), errline);
	if (rc < 0)
		return rc;
	rc = cfg_get(&t, sec, "kernel", out->kernel, sizeof(out->kernel), errline);
	if (rc < 0)
		return rc;
	if (rc > 0 || !out->kernel[0])
		return PCFG_ERR_NO_KERNEL;
	return 0;
}

const char *pcfg_strerror(int err)
{
	switch (err) {
	case PCFG_OK:
		return "no error";
	case PCFG_ERR_SECTION:
		return "no such section";
	case PCFG_ERR_NO_KERNEL:
		return "no kernel= line for the chosen section";
	case PCFG_ERR_TOO_LONG:
		return "value too long";
	case PCFG_ERR_BINARY:
		return "not a plain ASCII text file (control characters or NUL bytes; UTF-16?)";
	case PCFG_ERR_SYNTAX:
		return "line is neither [section] nor key=value";
	}
	return "unknown error";
}

int pcfg_append(char *dst, size_t cap, const char *extra)
{
	size_t d = str_len(dst), e = str_len(extra);

	if (!e)
		return 0;
	if (d && d + 1 + e + 1 > cap)
		return PCFG_ERR_TOO_LONG;
	if (d)
		dst[d++] = ' ';
	return copy_str(dst + d, cap - d, extra, e);
}

/* LoadOptions: printable UCS-2 text up to the first NUL, or nothing. */
static size_t args_text_len(const u16 *opts, size_t bytes)
{
	size_t n = bytes / 2, i;

	if (!opts || (bytes & 1))
		return 0;
	for (i = 0; i < n && opts[i]; i++)
		if ((opts[i] < 0x20 && opts[i] != '\t') || opts[i] > 0x7e)
			return 0;
	return i;
}

static bool ends_with_efi(const char *w, size_t n)
{
	static const char suf[] = ".efi";
	size_t i;

	if (n < 4)
		return false;
	for (i = 0; i < 4; i++) {
		char c = w[n - 4 + i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (c != suf[i])
			return false;
	}
	return true;
}

/* Handle one word of the command line. */
static int args_word(struct pcfg_args *out, const char *w, size_t n, bool first)
{
	if (first && ends_with_efi(w, n))
		return 0;
	if (n > 5 && mem_eq(w, 5, "-cfg=", 5))
		return copy_str(out->cfg, sizeof(out->cfg), w + 5, n - 5);
	if (w[0] == '-' || out->section[0])
		return 0; /* unknown switches and further words are ignored */
	return copy_str(out->section, sizeof(out->section), w, n);
}

int pcfg_parse_args(const u16 *opts, size_t bytes, struct pcfg_args *out)
{
	char buf[BI_CMDLINE_MAX];
	size_t n = args_text_len(opts, bytes), i, s;
	bool first = true;
	int rc;

	out->section[0] = out->cfg[0] = out->extra[0] = '\0';
	if (n >= sizeof(buf))
		return PCFG_ERR_TOO_LONG;
	for (i = 0; i < n; i++)
		buf[i] = (char)opts[i];
	while (n && is_blank(buf[n - 1]))
		n--;
	buf[n] = '\0';

	for (i = 0; i < n;) {
		while (i < n && is_blank(buf[i]))
			i++;
		if (i == n)
			break;
		s = i;
		while (i < n && !is_blank(buf[i]))
			i++;
		if (i - s == 2 && buf[s] == '-' && buf[s + 1] == '-') {
			while (i < n && is_blank(buf[i]))
				i++;
			return copy_str(out->extra, sizeof(out->extra), buf + i, n - i);
		}
		rc = args_word(out, buf + s, i - s, first);
		if (rc)
			return rc;
		first = false;
	}
	return 0;
}
