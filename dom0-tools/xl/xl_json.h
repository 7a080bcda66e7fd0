/* SPDX-License-Identifier: MIT */
/*
 * libxl's stored configuration as a yajl tree (xl_userdata.c), for list -l
 * and for the commands that add to it.
 */
#ifndef PETREL_XL_JSON_H
#define PETREL_XL_JSON_H

#include <stdint.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/*
 * The domain's userdata-d.DOMID.UUID.libxl-json parsed (an object; free it
 * with yajl_tree_free), or NULL if there is none or it is unreadable.
 */
yajl_val xl_stored_config_read(uint16_t domid, const uint8_t handle[16]);
/* A parsed value written again with G, as it was. */
void xl_json_gen_tree(yajl_gen g, yajl_val v);

#endif /* PETREL_XL_JSON_H */
