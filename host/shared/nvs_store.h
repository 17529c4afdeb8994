/*
 * NVS (nvs.h, nvs_flash.h) as ESP-IDF v5.5 behaves, one implementation for the fakes and the runtime
 * (nvs_store.c): the partition table, initialising and erasing partitions, namespaces, handles, sizes,
 * types and limits. What a partition holds when the firmware first initialises it comes from each build:
 * the fakes' tests put items (host_nvs_put), the runtime reads an image file (host_nvs_load).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "esp_err.h"
#include "nvs_flash.h"
#include "nvs_image.h"

/* The partition table: an NVS partition `label` exists (a blank one until items are put into it). */
bool host_nvs_add_partition(const char *label);

/* Puts an item into partition `label`'s flash contents (adding the partition and the namespace), as if it
 * was written before boot; the data is copied. False when out of memory or the label is too long. */
bool host_nvs_put(const char *label, const nvs_image_item_t *item);

/* Adds namespace `ns` to partition `label` (an image may declare one that holds no item). */
bool host_nvs_add_namespace(const char *label, const char *ns);

/* Supplied by each build: called when partition `label` is initialised for the first time since boot (or
 * since host_nvs_reset). The runtime puts the items of the partition's image; the fakes may fail it as a
 * test asked. Anything but ESP_OK is returned by nvs_flash_init_partition, and the next call tries again. */
esp_err_t host_nvs_load(const char *label);

/* Forgets every partition's contents, state and handles; the partition table stays. */
void host_nvs_reset(void);

/*
 * Supplied by each build: called, with the store locked, after partition `label` changed (an item or a
 * namespace written, the partition erased). The runtime writes a partition that came from a flash file back
 * into it; the fakes do nothing.
 */
void host_nvs_changed(const char *label);

/* The partition's contents as a fresh NVS image of `size` bytes (nvs_image_write); false if they do not fit. */
bool host_nvs_serialize(const char *label, unsigned char *out, size_t size);

/* Handles opened and not closed. */
int host_nvs_open_handles(void);

/* Items (any partition, namespace or type) whose value contains these bytes. */
int host_nvs_items_holding(const void *bytes, size_t length);

/* True (and the keys) when partition `label` was initialised encrypted (nvs_flash_secure_init_partition). */
bool host_nvs_partition_keys(const char *label, nvs_sec_cfg_t *keys);
