#ifndef PETREL_SETUP_H
#define PETREL_SETUP_H
#include "cmdline.h"
extern char xen_cmdline[1024];
extern struct boot_options boot_opts;
struct boot_info;
extern struct boot_info bootinfo; /* the loader's data, memory map sanitized */
#endif
