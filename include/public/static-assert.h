/*
 * Compile-time assertions usable from every language the public headers
 * support: C89/C99 (no _Static_assert), C11 and C++98/C++11.
 *
 * PETREL_STATIC_ASSERT(cond, tag) fails the build when the integer constant
 * expression `cond` is zero.  `tag` is an identifier unique within the
 * including header set; it names the check in diagnostics (C89/C99/C++98
 * fall back to a typedef of an array whose size turns negative, and that
 * typedef must not clash with another one).
 *
 * PETREL_ASSERT_SIZE(type, size, tag) and PETREL_ASSERT_OFFSET(type, field, off, tag) are
 * the two shapes every public header uses to pin the ABI.
 */
#ifndef PETREL_PUBLIC_STATIC_ASSERT_H
#define PETREL_PUBLIC_STATIC_ASSERT_H

#include <stddef.h>

#if defined(__cplusplus) && __cplusplus >= 201103L
#define PETREL_STATIC_ASSERT(cond, tag) static_assert(cond, #tag)
#elif !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define PETREL_STATIC_ASSERT(cond, tag) _Static_assert(cond, #tag)
#else
#define PETREL_STATIC_ASSERT(cond, tag) typedef char petrel_static_assert_##tag[(cond) ? 1 : -1]
#endif

#define PETREL_ASSERT_SIZE(type, size, tag) PETREL_STATIC_ASSERT(sizeof(type) == (size), size_##tag)
#define PETREL_ASSERT_OFFSET(type, field, off, tag)                                                \
	PETREL_STATIC_ASSERT(offsetof(type, field) == (off), off_##tag##_##field)

#endif
