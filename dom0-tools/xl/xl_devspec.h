/* SPDX-License-Identifier: MIT */
/*
 * xl's disk and vif specifications (xl-disk-configuration(5),
 * xl-network-configuration(5)) read into what pxl needs to attach the
 * device; errors are printed in xl's words.  No hypervisor or xenstore.
 */
#ifndef PETREL_XL_DEVSPEC_H
#define PETREL_XL_DEVSPEC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define XL_SCRIPT_DIR "/etc/xen/scripts"

struct xl_disk {
	char target[1024]; /* the image file or block device ("" for an empty cdrom) */
	char vdev[64];
	char format[16];  /* raw, qcow, qcow2, vhd, qed */
	char script[256]; /* absolute */
	bool readwrite, cdrom, backend_phy, backend_qdisk, discard;
	bool script_set, discard_set; /* the spec names them */
};

struct xl_nic {
	int devid; /* -1: the next free one */
	uint8_t mac[6];
	bool mac_set, bridge_set, script_set; /* the spec names them */
	unsigned int mtu;		      /* 0: the bridge's */
	char bridge[64], ip[128], script[256], vifname[64], gatewaydev[64];
};

/*
 * One disk spec, or the words of block-attach joined by commas; `source`
 * names the file (or "command line") in xl's message on `err`.  0, or -1
 * after the message.
 */
int xl_disk_parse(const char *source, const char *spec, struct xl_disk *d, FILE *err);

/* libxl's device number of a vdev (xvda 51712, hda 768, sda 2048, d0p1 ...), or -1. */
int xl_vdev_devid(const char *vdev);

/* xl's defaults: devid -1, bridge xenbr0, script vif-bridge, no MAC yet. */
void xl_nic_init(struct xl_nic *n);
/* One key=value of a vif spec; 0, or -1 after xl's message. */
int xl_nic_parse_token(struct xl_nic *n, const char *token, FILE *err);
/* A whole vif spec (comma-separated, blanks before a key skipped). */
int xl_nic_parse(struct xl_nic *n, const char *spec, FILE *err);
/* A MAC in Xen's range (00:16:3e and 23 random bits), as libxl makes one. */
void xl_nic_random_mac(uint8_t mac[6], const uint8_t random[3]);
/* "aa:bb:cc:dd:ee:ff" (18 bytes with the NUL). */
void xl_mac_string(const uint8_t mac[6], char out[18]);

#endif /* PETREL_XL_DEVSPEC_H */
