#ifndef PETREL_SETUP_H
#define PETREL_SETUP_H
#include "cmdline.h"
extern char xen_cmdline[1024];
extern struct boot_options boot_opts;
#endif
