/* Host build: ESP-IDF v5.x nvs_flash.h subset. */
#pragma once

#include <stdint.h>

#include "esp_err.h"
#include "nvs.h"

esp_err_t nvs_flash_init(void);
esp_err_t nvs_flash_init_partition(const char *partition_label);
esp_err_t nvs_flash_deinit(void);
esp_err_t nvs_flash_erase(void);
esp_err_t nvs_flash_erase_partition(const char *part_name);

/* NVS encryption (ESP-IDF v5.x nvs_flash.h): XTS-AES-256 keys, and the key-protection scheme that keeps them. */
#define NVS_KEY_SIZE 32

typedef struct {
    uint8_t eky[NVS_KEY_SIZE]; /* XTS encryption key */
    uint8_t tky[NVS_KEY_SIZE]; /* XTS tweak key */
} nvs_sec_cfg_t;

typedef esp_err_t (*nvs_flash_generate_keys_t)(const void *scheme_data, nvs_sec_cfg_t *cfg);
typedef esp_err_t (*nvs_flash_read_cfg_t)(const void *scheme_data, nvs_sec_cfg_t *cfg);

typedef struct {
    int scheme_id;
    void *scheme_data;
    nvs_flash_generate_keys_t nvs_flash_key_gen;
    nvs_flash_read_cfg_t nvs_flash_read_cfg;
} nvs_sec_scheme_t;

esp_err_t nvs_flash_secure_init_partition(const char *partition_label, const nvs_sec_cfg_t *cfg);
esp_err_t nvs_flash_register_security_scheme(nvs_sec_scheme_t *scheme_cfg);
nvs_sec_scheme_t *nvs_flash_get_default_security_scheme(void);
esp_err_t nvs_flash_generate_keys_v2(nvs_sec_scheme_t *scheme_cfg, nvs_sec_cfg_t *cfg);
esp_err_t nvs_flash_read_security_cfg_v2(nvs_sec_scheme_t *scheme_cfg, nvs_sec_cfg_t *cfg);
