/* Host build: ESP-IDF v5.x nvs_sec_provider.h subset (the schemes that protect the NVS encryption keys). */
#pragma once

#include "esp_err.h"
#include "nvs_flash.h"

#define ESP_ERR_NVS_SEC_BASE 0xF000
#define ESP_ERR_NVS_SEC_HMAC_KEY_NOT_FOUND (ESP_ERR_NVS_SEC_BASE + 0x01)
#define ESP_ERR_NVS_SEC_HMAC_KEY_BLK_ALREADY_USED (ESP_ERR_NVS_SEC_BASE + 0x02)
#define ESP_ERR_NVS_SEC_HMAC_KEY_GENERATION_FAILED (ESP_ERR_NVS_SEC_BASE + 0x03)
#define ESP_ERR_NVS_SEC_HMAC_XTS_KEYS_DERIV_FAILED (ESP_ERR_NVS_SEC_BASE + 0x04)

typedef enum {
    NVS_SEC_SCHEME_FLASH_ENC = 0,
    NVS_SEC_SCHEME_HMAC,
    NVS_SEC_SCHEME_MAX,
} nvs_sec_scheme_id_t;
