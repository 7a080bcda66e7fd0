/* SPDX-License-Identifier: MIT */
/* Petrel's xl: commands share the hypervisor and xenstore handles here. */
#ifndef PETREL_XL_H
#define PETREL_XL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "ctrl.h"

/* libxl's error numbers that xl prints in its messages. */
#define XL_ERROR_FAIL (-3)
#define XL_ERROR_INVAL (-6)
#define XL_ERROR_DOMAIN_NOTFOUND (-21)

struct xs_handle;

extern const char *xl_prog;
/* How many -v were given, globally (xl -v CMD) or to the command. */
extern int xl_verbose;
/* Global -N: print what would be done, change nothing (vcpu-pin only). */
extern bool xl_dry_run;

/* Opened on first use; a failure prints why and exits 1. */
struct ctrl *xl_ctrl(void);
struct xs_handle *xl_xs(void);

/* Command-line handling in xl's manner (xl.c). */
int xl_getopt(int argc, char **argv, const char *opts, const char *cmd, int min_args);
struct option;
/* The same with the command's own long options (LONGOPTS needs "help" -> 'h'). */
int xl_getopt_long(int argc, char **argv, const char *opts, const struct option *longopts,
		   const char *cmd, int min_args);
void xl_help(const char *cmd);

/* Domains (xl_util.c). */
/* The name in xenstore, malloc'd; NULL when it has none. */
char *xl_domid_to_name(uint16_t domid);
/* 0 and *domid, or -6 (libxl's ERROR_INVAL) when no domain has that name. */
int xl_name_to_domid(const char *name, uint16_t *domid);
/* A name or number as xl takes it; prints xl's message and exits 1 if bad. */
uint16_t xl_find_domain(const char *arg);
void xl_uuid_string(const uint8_t handle[16], char out[37]);
/* A UUID as libuuid reads it (8-4-4-4-12 hex digits, either case); 0 or -1. */
int xl_uuid_parse(const char *s, uint8_t handle[16]);

/*
 * A step of a long command done (xl_util.c): with -v its name on stderr,
 * with -vv also the seconds since the previous step and since the start.
 */
void xl_phase(const char *what);

/* xl info's name of a XEN_SCHEDULER_* id (xl_info.c). */
const char *xl_scheduler_name(uint32_t id);

/* list -l: the domains' configurations as JSON (xl_list_long.c). */
int xl_list_long(const struct xen_domctl_getdomaininfo *doms, int n);

/*
 * A domain's console (xl_console.c): open its pty once the console daemon
 * has named it (the pty, or -1 after a message), then copy it to and from
 * the terminal until Ctrl-], the pty closing or the domain going (the exit
 * status; the pty is closed).
 */
int xl_console_open(uint16_t domid, bool serial, unsigned int num);
int xl_console_run(int pty, uint16_t domid);

/* Destroy a domain and its records as xl destroy does; 0 or libxl's error (xl_dom.c). */
int xl_destroy_domain(uint16_t domid);
/* In a forked child: drop the parent's xenstore handle (its thread is gone). */
void xl_handles_after_fork(void);

/* The process that watches a created domain (xl_monitor.c). */
enum xl_action { XL_ACT_DESTROY, XL_ACT_RESTART, XL_ACT_PRESERVE };
struct xl_monitor {
	const char *name;
	uint16_t domid;
	enum xl_action on_poweroff, on_reboot, on_crash, on_watchdog;
	/* build the domain again: 0 and its new id in *domid */
	int (*restart)(void *arg, uint16_t *domid);
	void *arg;
};
/* 0 and *out, or -1 after printing xl's message (key names the setting). */
int xl_parse_action(const char *key, const char *text, enum xl_action *out);
/* fork: 1 in the parent, 0 in the detached child (log open), -1 on failure */
int xl_monitor_detach(const char *name);
/* Watch until the domain is gone or preserved; the exit status. */
int xl_monitor_run(struct xl_monitor *m);

/* A domain's configuration as libxl's JSON shows it (xl_userdata.c). */
struct xl_stored_config {
	uint16_t domid;
	uint8_t uuid[16];
	const char *name, *kernel;
	const char *ramdisk, *cmdline; /* NULL when the file has none */
	uint64_t memory_kb;
	unsigned int vcpus;
	bool memory_set, vcpus_set; /* the file sets them (xl's parsed JSON shows only those) */
	long max_grant_frames, max_maptrack_frames; /* -1 (libxl's default): not shown */
	int pvh;		    /* type "pvh", else "pv" */
	enum xl_action on_poweroff, on_reboot, on_watchdog, on_crash;
};
/* Write libxl's userdata-d.DOMID.UUID.libxl-json; 0, or -1 after a message. */
int xl_store_config(const struct xl_stored_config *c);
/*
 * Print on stdout the JSON xl's dry run (xl -N create) prints: the
 * configuration as xl parsed it, before libxl fills in its defaults.
 * 0, or -1 after a message.
 */
int xl_print_config(const struct xl_stored_config *c);

int main_create(int argc, char **argv);
int main_info(int argc, char **argv);
int main_dmesg(int argc, char **argv);
int main_uptime(int argc, char **argv);
int main_list(int argc, char **argv);
int main_domid(int argc, char **argv);
int main_domname(int argc, char **argv);
int main_pause(int argc, char **argv);
int main_unpause(int argc, char **argv);
int main_destroy(int argc, char **argv);
int main_console(int argc, char **argv);
int main_shutdown(int argc, char **argv);
int main_reboot(int argc, char **argv);
int main_vcpu_list(int argc, char **argv);
int main_vcpu_set(int argc, char **argv);
int main_mem_max(int argc, char **argv);
int main_mem_set(int argc, char **argv);
int main_rename(int argc, char **argv);
int main_vcpu_pin(int argc, char **argv);
int main_sched_credit(int argc, char **argv);

#endif /* PETREL_XL_H */
