#include "device_key_store.h"

#include <string.h>

#include "esp_log.h"
#include "mbedtls/platform_util.h"
#include "nvs_flash.h"
#include "nvs_sec_provider.h"

#include "espfleet_config.h"

static const char *TAG = "device_key_store";

esp_err_t device_key_store_init(void)
{
    /* registered at startup by ESP-IDF's nvs_sec_provider for the scheme CONFIG_NVS_SEC_KEY_PROTECTION_SCHEME names */
    nvs_sec_scheme_t *scheme = nvs_flash_get_default_security_scheme();
    if (scheme == NULL) {
        ESP_LOGE(TAG, "NVS encryption is off in this build (CONFIG_NVS_ENCRYPTION): the key would be kept in plain");
        return ESP_ERR_NOT_SUPPORTED;
    }
    nvs_sec_cfg_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    esp_err_t err = nvs_flash_read_security_cfg_v2(scheme, &cfg);
    if (err == ESP_ERR_NVS_KEYS_NOT_INITIALIZED || err == ESP_ERR_NVS_SEC_HMAC_KEY_NOT_FOUND) {
        /* the first boot: an erased nvs_keys partition, or no HMAC key burned yet */
        ESP_LOGI(TAG, "making the NVS encryption keys (%s)", esp_err_to_name(err));
        err = nvs_flash_generate_keys_v2(scheme, &cfg);
    }
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "no NVS encryption keys: %s", esp_err_to_name(err));
    } else {
        err = nvs_flash_secure_init_partition(ESPFLEET_DEVICE_KEYS_PARTITION, &cfg);
        if (err == ESP_ERR_NVS_NO_FREE_PAGES || err == ESP_ERR_NVS_NEW_VERSION_FOUND) {
            /* never erased here: it holds the only copy of this device's key */
            ESP_LOGE(TAG, "NVS partition '%s' is full or of a newer format (%s): not erased, it holds the key",
                     ESPFLEET_DEVICE_KEYS_PARTITION, esp_err_to_name(err));
        } else if (err != ESP_OK) {
            ESP_LOGE(TAG, "cannot open NVS partition '%s' encrypted: %s", ESPFLEET_DEVICE_KEYS_PARTITION,
                     esp_err_to_name(err));
        }
    }
    mbedtls_platform_zeroize(&cfg, sizeof(cfg));
    return err;
}
