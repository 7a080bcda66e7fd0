/* Host-side stand-ins for the hypervisor's console, for the unit tests. */
#ifndef PETREL_TEST_SHIM_H
#define PETREL_TEST_SHIM_H

#include <stdbool.h>
#include <stddef.h>

/* Everything printk() printed since the last shim_log_reset(). */
extern char shim_log[16384];
extern int shim_panics;

void shim_log_reset(void);
/* True if @needle occurs in the captured printk output. */
bool shim_log_has(const char *needle);

#endif
