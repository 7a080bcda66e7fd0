/* SPDX-License-Identifier: MIT */
/* Petrel's xl: commands share the hypervisor and xenstore handles here. */
#ifndef PETREL_XL_H
#define PETREL_XL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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
/* n bytes from /dev/urandom (rand() if it cannot be read). */
void xl_random_bytes(uint8_t *out, size_t n);
/* A new random (version 4) UUID. */
void xl_uuid_random(uint8_t handle[16]);
/* A UUID as libuuid reads it (8-4-4-4-12 hex digits, either case); 0 or -1. */
int xl_uuid_parse(const char *s, uint8_t handle[16]);

/*
 * A step of a long command done (xl_util.c): with -v its name on stderr,
 * with -vv also the seconds since the previous step and since the start.
 */
void xl_phase(const char *what);

/* xl info's name of a XEN_SCHEDULER_* id (xl_info.c). */
const char *xl_scheduler_name(uint32_t id);

/*
 * CPU pools and the schedulers' common parts (xl_sched.c), for sched-credit,
 * sched-credit2, sched-rtds and cpupool-list.
 */
/* A pool's name: /local/pool/N/name, "Pool-0" for pool 0 without one; malloc'd. */
char *xl_pool_name(uint32_t id);
/* Every pool, in id order: a malloc'd array, the count (-1 if none could be read). */
int xl_list_pools(struct ctrl_pool **out);
/* A pool named as libxl takes it (a number or a name); 0 and *id, or -1 after xl's line. */
int xl_find_pool(const char *text, uint32_t *id);
/*
 * A pool whose parameters could not be read (err): why, xl's
 * `libxl_sched_SCHED_params_get failed.` and `Cpupool NAME: [sched params unavailable]`.
 */
void xl_pool_params_unavailable(uint32_t pool, const char *name, const char *sched, int err);
/* What `sched-X` without options prints for each pool that runs scheduler X. */
struct xl_sched_view {
	uint32_t sched;
	void (*pool_line)(uint32_t pool);
	void (*header)(void);
	int (*row)(uint16_t domid); /* 0, or 1 after xl's message (ends the listing) */
};
/* Every such pool (or the one named): its line, the header, its domains' rows. */
int xl_sched_list(const struct xl_sched_view *v, const char *pool_arg);
/* The scheduler of a domain's pool; 0 and *sched, or -1 when the domain or pool is missing. */
int xl_domain_scheduler(uint16_t domid, uint32_t *sched);
/* The domain's pool runs sched: 0, or 1 after xl's libxl_domain_sched_params_get line. */
int xl_sched_check(uint16_t domid, uint32_t sched);
/* credit's and credit2's table: header, and a domain's row (0, or 1 after xl's line). */
void xl_sched_weight_header(void);
int xl_sched_weight_row(uint16_t domid, uint32_t sched);
/*
 * -d DOMAIN: with neither weight nor cap the header and its row; else libxl's
 * checks and update of those given (NULL: left alone).  The exit status.
 */
int xl_sched_weight_domain(const char *dom, uint32_t sched, const int *weight, const int *cap);

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
/* Write a PV domain's core as xc_domain_dumpcore does; 0 or -errno (xl_dumpcore.c). */
int xl_dump_core(uint16_t domid, const char *path);
/* In a forked child: drop the parent's xenstore handle (its thread is gone). */
void xl_handles_after_fork(void);

/* The process that watches a created domain (xl_monitor.c). */
enum xl_action {
	XL_ACT_DESTROY,
	XL_ACT_RESTART,
	XL_ACT_PRESERVE,
	XL_ACT_RENAME_RESTART,
	XL_ACT_COREDUMP_DESTROY,
	XL_ACT_COREDUMP_RESTART
};
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
	int pvh;				    /* type "pvh", else "pv" */
	enum xl_action on_poweroff, on_reboot, on_watchdog, on_crash;
	/* the disks and vifs (a vif's MAC chosen already, except in the dry run) */
	const struct xl_disk *disks;
	const struct xl_nic *nics;
	unsigned int n_disks, n_nics;
};
/* Write libxl's userdata-d.DOMID.UUID.libxl-json; 0, or -1 after a message. */
int xl_store_config(const struct xl_stored_config *c);
/*
 * A disk or vif attached to a running domain added to its stored
 * configuration (in place of one with the same vdev or devid), as libxl's
 * block-attach and network-attach add it; a domain without a stored
 * configuration is left without.  0, or -1 after a message.
 */
struct xl_disk;
struct xl_nic;
int xl_store_disk(uint16_t domid, const struct xl_disk *d);
int xl_store_nic(uint16_t domid, const struct xl_nic *n);
/*
 * Print on OUT the JSON xl's dry run (xl -N create, on stdout) and its -d
 * (xl create -d, on stderr) print: the configuration as xl parsed it, before
 * libxl fills in its defaults.  0, or -1 after a message.
 */
int xl_print_config(const struct xl_stored_config *c, FILE *out);

/*
 * PV disks and vifs (xl_device.c): attached as libxl attaches them (nodes,
 * backend, hotplug script); 0, or -1 after a message (nothing left behind).
 */
struct xl_disk;
struct xl_nic;
int xl_disk_add(uint16_t domid, const struct xl_disk *d, bool pv);
/* The checks libxl makes before it adds a disk (vdev, format, target); 0 or -1 after a message. */
int xl_disk_check(const struct xl_disk *d);
/* A MAC and devid are chosen as libxl chooses them when the spec has none. */
int xl_nic_add(uint16_t domid, struct xl_nic *n);
/* A random MAC in Xen's range, unless the spec gave one. */
void xl_nic_default_mac(struct xl_nic *n);
/* Whether QEMU's qdisk serves the disk (backendtype=qdisk, or a format other than raw). */
bool xl_disk_qdisk(const struct xl_disk *d);
/* Every disk and vif of a domain being destroyed: closed, scripts run, nodes gone; its QEMU
 * stopped. */
void xl_devices_destroy(uint16_t domid);

/*
 * QEMU as a PV domain's qdisk backend (xl_qemu.c), started as libxl starts
 * it (-machine xenpv) with its pid where libxl keeps it; 0, or -1 after a
 * message (nothing left running).
 */
int xl_qemu_start(uint16_t domid, const char *name, long memory_mb);
/* The domain's QEMU, if it has one, stopped and its nodes removed. */
void xl_qemu_stop(uint16_t domid);
bool xl_qemu_active(uint16_t domid);

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
int main_dump_core(int argc, char **argv);
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
int main_block_attach(int argc, char **argv);
int main_block_list(int argc, char **argv);
int main_block_detach(int argc, char **argv);
int main_network_attach(int argc, char **argv);
int main_network_list(int argc, char **argv);
int main_network_detach(int argc, char **argv);
int main_sched_credit2(int argc, char **argv);
int main_sched_rtds(int argc, char **argv);
int main_cpupool_list(int argc, char **argv);
int main_cpupool_create(int argc, char **argv);
int main_cpupool_destroy(int argc, char **argv);
int main_cpupool_cpu_add(int argc, char **argv);
int main_cpupool_cpu_remove(int argc, char **argv);
int main_cpupool_migrate(int argc, char **argv);
int main_top(int argc, char **argv);

#endif /* PETREL_XL_H */
