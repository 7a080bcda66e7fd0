/* SPDX-License-Identifier: MIT */
/*
 * xl.cfg files in xl's syntax: `name = value` settings ended by a newline or
 * `;`, values that are strings ("..." with C escapes, '...' verbatim),
 * numbers (decimal or 0x hex) or one-level lists `[ v, v, ]` that may span
 * lines; `name += value` appends to a string or list set before; `#` starts
 * a comment.  A later setting of a name replaces an earlier one.
 */
#ifndef PETREL_XL_CFG_H
#define PETREL_XL_CFG_H

#include <stddef.h>

enum cfg_kind { CFG_STRING, CFG_NUMBER, CFG_LIST };

struct cfg_value {
	enum cfg_kind kind;
	char *text;		 /* CFG_STRING (unquoted) and CFG_NUMBER (as written) */
	struct cfg_value *items; /* CFG_LIST: atoms only */
	unsigned int n_items;
	int line, col;
};

struct cfg_setting {
	char *name;
	struct cfg_value value;
	int line, col;
};

struct cfg {
	char *source; /* file name used in messages */
	struct cfg_setting *settings;
	unsigned int n_settings;
};

/* Largest file the parser takes, and most items in one list. */
#define CFG_MAX_SIZE (1u << 20)
#define CFG_MAX_ITEMS 4096

/*
 * Parse text[0..len).  On error returns -EINVAL (-ENOMEM, -EFBIG) and writes
 * "SOURCE:LINE:COL: config parsing error near `TOKEN': WHY" into err;
 * *out is then empty.
 */
int cfg_parse(const char *source, const char *text, size_t len, struct cfg *out, char *err,
	      size_t errlen);
/* Read and parse a file; errors as cfg_parse, plus "PATH: <strerror>". */
int cfg_parse_file(const char *path, struct cfg *out, char *err, size_t errlen);
void cfg_free(struct cfg *cfg);

/* The value of the last setting of name, or NULL. */
const struct cfg_setting *cfg_find(const struct cfg *cfg, const char *name);
/*
 * Typed reads: 0, -ENOENT when name is not set, -EINVAL when its value has
 * another type (the message, naming file:line, goes to err if given).
 * Numbers may be written as strings ("32"), as in xl.
 */
int cfg_get_string(const struct cfg *cfg, const char *name, const char **out, char *err,
		   size_t errlen);
int cfg_get_long(const struct cfg *cfg, const char *name, long *out, char *err, size_t errlen);
int cfg_get_list(const struct cfg *cfg, const char *name, const struct cfg_value **items,
		 unsigned int *n, char *err, size_t errlen);

#endif /* PETREL_XL_CFG_H */
