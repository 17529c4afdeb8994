/* Host build: ESP-IDF v5.x esp_mac.h subset (component esp_hw_support). */
#pragma once

#include <stdint.h>

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    ESP_MAC_WIFI_STA,
    ESP_MAC_WIFI_SOFTAP,
    ESP_MAC_BT,
    ESP_MAC_ETH,
    ESP_MAC_IEEE802154,
    ESP_MAC_BASE,
    ESP_MAC_EFUSE_FACTORY,
    ESP_MAC_EFUSE_CUSTOM,
    ESP_MAC_EFUSE_EXT,
} esp_mac_type_t;

/* The base MAC burnt into eFuse BLOCK0 by Espressif (6 bytes). */
esp_err_t esp_efuse_mac_get_default(uint8_t *mac);
/* The MAC of one interface, derived from the base MAC (6 bytes; 8 for ESP_MAC_IEEE802154). */
esp_err_t esp_read_mac(uint8_t *mac, esp_mac_type_t type);

#define MAC2STR(a) (a)[0], (a)[1], (a)[2], (a)[3], (a)[4], (a)[5]
#define MACSTR "%02x:%02x:%02x:%02x:%02x:%02x"

#ifdef __cplusplus
}
#endif
