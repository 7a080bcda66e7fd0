/* Assertions: a broken rule of the hypervisor's own is a panic with its place. */
#ifndef PETREL_BUG_H
#define PETREL_BUG_H

#include "console.h"

#define BUG_ON(cond)                                                                               \
	do {                                                                                       \
		if (unlikely(cond))                                                                \
			panic("BUG_ON(%s) at %s:%d", #cond, __FILE__, __LINE__);                   \
	} while (0)

#define ASSERT(cond)                                                                               \
	do {                                                                                       \
		if (unlikely(!(cond)))                                                             \
			panic("Assertion '%s' failed at %s:%d", #cond, __FILE__, __LINE__);        \
	} while (0)

#endif
