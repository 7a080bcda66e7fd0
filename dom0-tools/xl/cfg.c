/* SPDX-License-Identifier: MIT */
/* The xl.cfg parser: a hand-written lexer and a recursive-descent parser. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"

enum tok_kind {
	T_EOF,
	T_NEWLINE,
	T_SEMI,
	T_IDENT,
	T_NUMBER,
	T_STRING,
	T_EQ,
	T_ADD,
	T_LBRACK,
	T_RBRACK,
	T_COMMA,
	T_BAD, /* a character no token starts with */
};

struct token {
	enum tok_kind kind;
	const char *start;
	size_t len;
	int line, col;
	char *value; /* T_STRING: the decoded string (owned) */
};

struct parser {
	const char *source;
	const char *text;
	size_t len, pos;
	int line, col;
	struct token tok;
	struct cfg *cfg;
	char *err;
	size_t errlen;
	int failed; /* -errno once an error is recorded */
};

static void fail_at(struct parser *p, const struct token *t, const char *why)
{
	size_t len = t ? t->len : 0;
	const char *near = t ? t->start : "";

	const char *nul = t ? memchr(near, 0, len) : NULL;

	if (p->failed)
		return;
	p->failed = -EINVAL;
	if (nul)
		len = (size_t)(nul - near);
	while (len > 0 && (near[len - 1] == ' ' || near[len - 1] == '\t'))
		len--;
	if (len > 40)
		len = 40;
	if (t && t->kind == T_NEWLINE)
		snprintf(p->err, p->errlen, "%s:%d:%d: config parsing error near <newline>: %s",
			 p->source, t->line, t->col, why);
	else if (t && t->kind == T_BAD && len == 0)
		snprintf(p->err, p->errlen, "%s:%d:%d: config parsing error near a NUL byte: %s",
			 p->source, t->line, t->col, why);
	else if (t && t->kind == T_EOF)
		snprintf(p->err, p->errlen, "%s:%d:%d: config parsing error at end of file: %s",
			 p->source, t->line, t->col, why);
	else
		snprintf(p->err, p->errlen, "%s:%d:%d: config parsing error near `%.*s': %s",
			 p->source, t ? t->line : p->line, t ? t->col : p->col, (int)len, near,
			 why);
}

static void fail_nomem(struct parser *p)
{
	if (p->failed)
		return;
	p->failed = -ENOMEM;
	snprintf(p->err, p->errlen, "%s: out of memory", p->source);
}

static int peekc(const struct parser *p, size_t ahead)
{
	return p->pos + ahead < p->len ? (unsigned char)p->text[p->pos + ahead] : -1;
}

static void advance(struct parser *p)
{
	if (p->text[p->pos] == '\n') {
		p->line++;
		p->col = 1;
	} else {
		p->col++;
	}
	p->pos++;
}

static int is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident_char(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.';
}

static int hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void skip_blanks(struct parser *p)
{
	int c;

	for (;;) {
		c = peekc(p, 0);
		if (c == ' ' || c == '\t' || c == '\r') {
			advance(p);
		} else if (c == '#') {
			while (peekc(p, 0) != -1 && peekc(p, 0) != '\n')
				advance(p);
		} else {
			return;
		}
	}
}

/* \x: exactly two hex digits; \0-\7: up to three octal digits. */
static int numeric_escape(struct parser *p, const char *s, size_t *i, size_t end, int base)
{
	int max = base == 16 ? 2 : 3, v = 0, n = 0, d;

	while (n < max && *i < end) {
		d = hex_digit((unsigned char)s[*i]);
		if (d < 0 || d >= base)
			break;
		v = v * base + d;
		(*i)++;
		n++;
	}
	if ((base == 16 && n != 2) || v > 255 || v == 0) {
		fail_at(p, &p->tok,
			base == 16 ? "invalid \\x escape in quoted string (two hex "
				     "digits, not zero)"
				   : "invalid octal escape in quoted string");
		return -1;
	}
	return v;
}

static int simple_escape(int c)
{
	static const char from[] = "\"'\\abfnrtv";
	static const char to[] = "\"'\\\a\b\f\n\r\t\v";
	const char *at = c ? strchr(from, c) : NULL;

	return at ? to[at - from] : -1;
}

/* Decode the body of a double-quoted string (escapes as in C). */
static char *decode_string(struct parser *p, const char *s, size_t len)
{
	char *out = malloc(len + 1), *q = out;
	size_t i = 0;
	int c;

	if (!out) {
		fail_nomem(p);
		return NULL;
	}
	while (i < len) {
		c = (unsigned char)s[i++];
		if (c != '\\') {
			*q++ = (char)c;
			continue;
		}
		c = (unsigned char)s[i++];
		if (c == 'x')
			c = numeric_escape(p, s, &i, len, 16);
		else if (c >= '0' && c <= '7')
			c = (i--, numeric_escape(p, s, &i, len, 8));
		else if ((c = simple_escape(c)) < 0)
			fail_at(p, &p->tok, "invalid character after backslash in quoted string");
		if (c < 0) {
			free(out);
			return NULL;
		}
		*q++ = (char)c;
	}
	*q = 0;
	return out;
}

static void lex_string(struct parser *p)
{
	int quote = peekc(p, 0), c;
	size_t body;

	advance(p);
	body = p->pos;
	for (;;) {
		c = peekc(p, 0);
		if (c == -1 || c == '\n' || c == 0) {
			p->tok.kind = T_STRING;
			p->tok.len = p->pos - (size_t)(p->tok.start - p->text);
			fail_at(p, &p->tok, c == 0 ? "NUL byte in file" : "unterminated string");
			return;
		}
		if (c == quote)
			break;
		if (c == '\\' && quote == '"' && peekc(p, 1) != -1 && peekc(p, 1) != '\n')
			advance(p);
		advance(p);
	}
	advance(p);
	p->tok.kind = T_STRING;
	p->tok.len = p->pos - (size_t)(p->tok.start - p->text);
	if (quote == '\'') {
		p->tok.value = strndup(p->text + body, p->pos - 1 - body);
		if (!p->tok.value)
			fail_nomem(p);
	} else {
		p->tok.value = decode_string(p, p->text + body, p->pos - 1 - body);
	}
}

static void lex_number(struct parser *p)
{
	int hex = peekc(p, 0) == '0' && (peekc(p, 1) == 'x' || peekc(p, 1) == 'X');

	if (hex) {
		advance(p);
		advance(p);
	}
	while (hex ? hex_digit(peekc(p, 0)) >= 0 : (peekc(p, 0) >= '0' && peekc(p, 0) <= '9'))
		advance(p);
	p->tok.kind = T_NUMBER;
	p->tok.len = p->pos - (size_t)(p->tok.start - p->text);
	if (is_ident_char(peekc(p, 0)) || (hex && p->tok.len == 2)) {
		while (is_ident_char(peekc(p, 0)))
			advance(p);
		p->tok.len = p->pos - (size_t)(p->tok.start - p->text);
		fail_at(p, &p->tok, "malformed number (strings need quotes)");
	}
}

static enum tok_kind punct_kind(int c)
{
	switch (c) {
	case '=':
		return T_EQ;
	case '[':
		return T_LBRACK;
	case ']':
		return T_RBRACK;
	case ',':
		return T_COMMA;
	case ';':
		return T_SEMI;
	case '\n':
		return T_NEWLINE;
	default:
		return T_EOF;
	}
}

static void next_token(struct parser *p)
{
	int c;

	free(p->tok.value);
	skip_blanks(p);
	c = peekc(p, 0);
	p->tok = (struct token){
		.kind = T_EOF, .start = p->text + p->pos, .len = 0, .line = p->line, .col = p->col
	};
	if (c == -1)
		return;
	if (c == '"' || c == '\'') {
		lex_string(p);
	} else if (c >= '0' && c <= '9') {
		lex_number(p);
	} else if (is_ident_start(c)) {
		while (is_ident_char(peekc(p, 0)))
			advance(p);
		p->tok.kind = T_IDENT;
		p->tok.len = p->pos - (size_t)(p->tok.start - p->text);
	} else if (c == '+' && peekc(p, 1) == '=') {
		advance(p);
		advance(p);
		p->tok.kind = T_ADD;
		p->tok.len = 2;
	} else if (punct_kind(c) != T_EOF) {
		advance(p);
		p->tok.kind = punct_kind(c);
		p->tok.len = c == '\n' ? 0 : 1;
	} else {
		p->tok.kind = T_BAD;
		p->tok.len = 1;
		fail_at(p, &p->tok, c == 0 ? "NUL byte in file" : "unexpected character");
	}
}

static void skip_newlines(struct parser *p)
{
	while (!p->failed && p->tok.kind == T_NEWLINE)
		next_token(p);
}

static int take_atom(struct parser *p, struct cfg_value *v)
{
	if (p->tok.kind != T_STRING && p->tok.kind != T_NUMBER) {
		fail_at(p, &p->tok, "syntax error (expected a string or a number)");
		return -1;
	}
	v->kind = p->tok.kind == T_STRING ? CFG_STRING : CFG_NUMBER;
	v->line = p->tok.line;
	v->col = p->tok.col;
	if (p->tok.kind == T_STRING) {
		v->text = p->tok.value;
		p->tok.value = NULL;
	} else {
		v->text = strndup(p->tok.start, p->tok.len);
	}
	if (!v->text) {
		fail_nomem(p);
		return -1;
	}
	next_token(p);
	return 0;
}

static void free_value(struct cfg_value *v)
{
	free(v->text);
	for (unsigned int i = 0; i < v->n_items; i++)
		free(v->items[i].text);
	free(v->items);
	memset(v, 0, sizeof(*v));
}

static struct cfg_value *list_slot(struct parser *p, struct cfg_value *list)
{
	struct cfg_value *grown;

	if (list->n_items >= CFG_MAX_ITEMS) {
		fail_at(p, &p->tok, "list too long");
		return NULL;
	}
	grown = realloc(list->items, (list->n_items + 1) * sizeof(*grown));
	if (!grown) {
		fail_nomem(p);
		return NULL;
	}
	list->items = grown;
	memset(&grown[list->n_items], 0, sizeof(*grown));
	return &grown[list->n_items++];
}

/* After `[`: atoms separated by commas, newlines anywhere, `]` ends it. */
static int take_list(struct parser *p, struct cfg_value *v)
{
	struct cfg_value *slot;

	v->kind = CFG_LIST;
	v->line = p->tok.line;
	v->col = p->tok.col;
	next_token(p);
	for (;;) {
		skip_newlines(p);
		if (p->failed)
			return -1;
		if (p->tok.kind == T_RBRACK)
			break;
		slot = list_slot(p, v);
		if (!slot || take_atom(p, slot) < 0)
			return -1;
		skip_newlines(p);
		if (p->tok.kind == T_RBRACK)
			break;
		if (p->tok.kind != T_COMMA) {
			fail_at(p, &p->tok, "syntax error (expected `,' or `]' in a list)");
			return -1;
		}
		next_token(p);
	}
	next_token(p);
	return p->failed ? -1 : 0;
}

static int take_value(struct parser *p, struct cfg_value *v)
{
	if (p->tok.kind == T_LBRACK)
		return take_list(p, v);
	return take_atom(p, v);
}

static struct cfg_setting *find_setting(struct cfg *cfg, const char *name)
{
	for (unsigned int i = cfg->n_settings; i-- > 0;)
		if (strcmp(cfg->settings[i].name, name) == 0)
			return &cfg->settings[i];
	return NULL;
}

static int append_string(struct cfg_value *to, struct cfg_value *more)
{
	size_t a = strlen(to->text), b = strlen(more->text);
	char *s = realloc(to->text, a + b + 1);

	if (!s)
		return -ENOMEM;
	memcpy(s + a, more->text, b + 1);
	to->text = s;
	free_value(more);
	return 0;
}

static int append_list(struct cfg_value *to, struct cfg_value *more)
{
	struct cfg_value *items;

	if (to->n_items + more->n_items > CFG_MAX_ITEMS)
		return -E2BIG;
	items = realloc(to->items, (to->n_items + more->n_items + 1) * sizeof(*items));
	if (!items)
		return -ENOMEM;
	if (more->n_items)
		memcpy(items + to->n_items, more->items, more->n_items * sizeof(*items));
	to->items = items;
	to->n_items += more->n_items;
	free(more->items);
	memset(more, 0, sizeof(*more));
	return 0;
}

/* name += value: extend the earlier setting of the same kind in place. */
static void add_to(struct parser *p, struct cfg_setting *prev, struct cfg_value *v,
		   const struct token *at)
{
	int r;

	if ((prev->value.kind == CFG_LIST) != (v->kind == CFG_LIST)) {
		fail_at(p, at, "+= cannot mix a list and a single value");
		free_value(v);
		return;
	}
	r = v->kind == CFG_LIST ? append_list(&prev->value, v) : append_string(&prev->value, v);
	if (r == -ENOMEM)
		fail_nomem(p);
	else if (r)
		fail_at(p, at, "list too long");
	if (r)
		free_value(v);
}

static void store(struct parser *p, char *name, struct cfg_value *v, const struct token *at,
		  int add)
{
	struct cfg_setting *prev = add ? find_setting(p->cfg, name) : NULL, *grown;

	if (prev) {
		free(name);
		add_to(p, prev, v, at);
		return;
	}
	grown = realloc(p->cfg->settings, (p->cfg->n_settings + 1) * sizeof(*grown));
	if (!grown) {
		free(name);
		free_value(v);
		fail_nomem(p);
		return;
	}
	p->cfg->settings = grown;
	grown[p->cfg->n_settings++] =
	    (struct cfg_setting){ .name = name, .value = *v, .line = at->line, .col = at->col };
}

static void take_setting(struct parser *p)
{
	struct token at = p->tok;
	struct cfg_value v = { 0 };
	char *name = strndup(p->tok.start, p->tok.len);
	int add;

	if (!name) {
		fail_nomem(p);
		return;
	}
	next_token(p);
	if (p->tok.kind != T_EQ && p->tok.kind != T_ADD) {
		fail_at(p, &p->tok, "syntax error (expected `=' or `+=')");
		free(name);
		return;
	}
	add = p->tok.kind == T_ADD;
	next_token(p);
	if (take_value(p, &v) < 0) {
		free(name);
		free_value(&v);
		return;
	}
	if (p->tok.kind != T_NEWLINE && p->tok.kind != T_SEMI && p->tok.kind != T_EOF) {
		fail_at(p, &p->tok, "syntax error (expected the end of the setting)");
		free(name);
		free_value(&v);
		return;
	}
	store(p, name, &v, &at, add);
}

void cfg_free(struct cfg *cfg)
{
	for (unsigned int i = 0; i < cfg->n_settings; i++) {
		free(cfg->settings[i].name);
		free_value(&cfg->settings[i].value);
	}
	free(cfg->settings);
	free(cfg->source);
	memset(cfg, 0, sizeof(*cfg));
}

int cfg_parse(const char *source, const char *text, size_t len, struct cfg *out, char *err,
	      size_t errlen)
{
	struct parser p = { .source = source,
			    .text = text,
			    .len = len,
			    .line = 1,
			    .col = 1,
			    .cfg = out,
			    .err = err,
			    .errlen = errlen };

	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = 0;
	if (len > CFG_MAX_SIZE) {
		snprintf(err, errlen, "%s: file too large (over %u bytes)", source, CFG_MAX_SIZE);
		return -EFBIG;
	}
	next_token(&p);
	while (!p.failed && p.tok.kind != T_EOF) {
		if (p.tok.kind == T_NEWLINE || p.tok.kind == T_SEMI)
			next_token(&p);
		else if (p.tok.kind == T_IDENT)
			take_setting(&p);
		else
			fail_at(&p, &p.tok, "syntax error (expected a setting name)");
	}
	free(p.tok.value);
	out->source = strdup(source);
	if (!p.failed && !out->source)
		fail_nomem(&p);
	if (p.failed)
		cfg_free(out);
	return p.failed;
}

static int read_all(int fd, char **text, size_t *len)
{
	struct stat st;
	size_t got = 0;
	ssize_t r;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((unsigned long long)st.st_size > CFG_MAX_SIZE)
		return -EFBIG;
	*text = malloc((size_t)st.st_size + 1);
	if (!*text)
		return -ENOMEM;
	while (got < (size_t)st.st_size) {
		r = read(fd, *text + got, (size_t)st.st_size - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	*len = got;
	return 0;
}

int cfg_parse_file(const char *path, struct cfg *out, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	memset(out, 0, sizeof(*out));
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
		return r;
	}
	r = read_all(fd, &text, &len);
	close(fd);
	if (r == -EFBIG)
		snprintf(err, errlen, "%s: file too large (over %u bytes)", path, CFG_MAX_SIZE);
	else if (r == -EINVAL)
		snprintf(err, errlen, "%s: not a regular file", path);
	else if (r)
		snprintf(err, errlen, "%s: %s", path, strerror(-r));
	if (r == 0)
		r = cfg_parse(path, text, len, out, err, errlen);
	free(text);
	return r;
}

const struct cfg_setting *cfg_find(const struct cfg *cfg, const char *name)
{
	return find_setting((struct cfg *)cfg, name);
}

static int wrong_type(const struct cfg *cfg, const struct cfg_setting *s, const char *want,
		      char *err, size_t errlen)
{
	if (err && errlen)
		snprintf(err, errlen, "%s:%d: %s: expected %s", cfg->source, s->line, s->name,
			 want);
	return -EINVAL;
}

int cfg_get_string(const struct cfg *cfg, const char *name, const char **out, char *err,
		   size_t errlen)
{
	const struct cfg_setting *s = cfg_find(cfg, name);

	if (!s)
		return -ENOENT;
	if (s->value.kind == CFG_LIST)
		return wrong_type(cfg, s, "a single value, not a list", err, errlen);
	*out = s->value.text;
	return 0;
}

int cfg_get_long(const struct cfg *cfg, const char *name, long *out, char *err, size_t errlen)
{
	const struct cfg_setting *s = cfg_find(cfg, name);
	char *end;
	long v;

	if (!s)
		return -ENOENT;
	if (s->value.kind == CFG_LIST)
		return wrong_type(cfg, s, "a number, not a list", err, errlen);
	errno = 0;
	v = strtol(s->value.text, &end, 0);
	if (errno || end == s->value.text || *end)
		return wrong_type(cfg, s, "a number", err, errlen);
	*out = v;
	return 0;
}

int cfg_get_list(const struct cfg *cfg, const char *name, const struct cfg_value **items,
		 unsigned int *n, char *err, size_t errlen)
{
	const struct cfg_setting *s = cfg_find(cfg, name);

	if (!s)
		return -ENOENT;
	if (s->value.kind != CFG_LIST)
		return wrong_type(cfg, s, "a list", err, errlen);
	*items = s->value.items;
	*n = s->value.n_items;
	return 0;
}
