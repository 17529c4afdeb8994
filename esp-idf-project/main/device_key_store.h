/*
 * Where the device-made key is kept at rest (identity.key_source: device): NVS partition ESPFLEET_DEVICE_KEYS_PARTITION,
 * opened with NVS encryption (XTS-AES-256 per entry) under the key-protection scheme the project's sdkconfig chose:
 * keys derived from an eFuse HMAC key on chips with the HMAC peripheral, or kept in the flash-encrypted nvs_keys
 * partition on the ESP32 (docs/nvs-encryption.md). The bench-written identity stays in its own, plain partition.
 */
#pragma once

#include "esp_err.h"

/*
 * Initialises the device-key partition encrypted: reads the NVS encryption keys of the default security scheme, makes
 * them first when there are none yet (the first boot: an empty nvs_keys partition, or no HMAC key in eFuse), then
 * opens the partition with them. Returns ESP_OK, or the error that stopped it (logged); ESP_ERR_NOT_SUPPORTED when the
 * firmware was built without NVS encryption (CONFIG_NVS_ENCRYPTION).
 */
esp_err_t device_key_store_init(void);
