/* Host build: ESP-IDF v5.x esp_wifi.h subset (types from esp_wifi_types.h). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"
#include "esp_event.h"

ESP_EVENT_DECLARE_BASE(WIFI_EVENT);

typedef enum {
    WIFI_MODE_NULL = 0,
    WIFI_MODE_STA,
    WIFI_MODE_AP,
    WIFI_MODE_APSTA,
    WIFI_MODE_NAN,
    WIFI_MODE_MAX,
} wifi_mode_t;

typedef enum {
    WIFI_IF_STA = 0,
    WIFI_IF_AP = 1,
} wifi_interface_t;

typedef enum {
    WIFI_EVENT_WIFI_READY = 0,
    WIFI_EVENT_SCAN_DONE,
    WIFI_EVENT_STA_START,
    WIFI_EVENT_STA_STOP,
    WIFI_EVENT_STA_CONNECTED,
    WIFI_EVENT_STA_DISCONNECTED,
} wifi_event_t;

typedef enum {
    WIFI_AUTH_OPEN = 0,
    WIFI_AUTH_WEP,
    WIFI_AUTH_WPA_PSK,
    WIFI_AUTH_WPA2_PSK,
    WIFI_AUTH_WPA_WPA2_PSK,
    WIFI_AUTH_ENTERPRISE,
    WIFI_AUTH_WPA3_PSK,
    WIFI_AUTH_WPA2_WPA3_PSK,
} wifi_auth_mode_t;

typedef struct {
    int8_t rssi;
    wifi_auth_mode_t authmode;
} wifi_scan_threshold_t;

typedef struct {
    bool capable;
    bool required;
} wifi_pmf_config_t;

typedef struct {
    uint8_t ssid[32];
    uint8_t password[64];
    int scan_method;
    bool bssid_set;
    uint8_t bssid[6];
    uint8_t channel;
    uint16_t listen_interval;
    int sort_method;
    wifi_scan_threshold_t threshold;
    wifi_pmf_config_t pmf_cfg;
} wifi_sta_config_t;

typedef struct {
    uint8_t ssid[32];
    uint8_t password[64];
    uint8_t ssid_len;
    uint8_t channel;
    wifi_auth_mode_t authmode;
} wifi_ap_config_t;

typedef union {
    wifi_ap_config_t ap;
    wifi_sta_config_t sta;
} wifi_config_t;

/* Where the driver keeps its configuration (esp_wifi_types_generic.h). */
typedef enum {
    WIFI_STORAGE_FLASH, /* in memory and in the default NVS partition (the default) */
    WIFI_STORAGE_RAM,   /* in memory only */
} wifi_storage_t;

typedef struct {
    int static_rx_buf_num;
    int dynamic_rx_buf_num;
    int tx_buf_type;
    int static_tx_buf_num;
    int dynamic_tx_buf_num;
    int nvs_enable;
    int magic;
} wifi_init_config_t;

#define ESP_ERR_WIFI_NOT_INIT (ESP_ERR_WIFI_BASE + 1)    /* esp_wifi_init was not called */
#define ESP_ERR_WIFI_NOT_STARTED (ESP_ERR_WIFI_BASE + 2) /* esp_wifi_start was not called */

/* CONFIG_ESP_WIFI_NVS_ENABLED defaults to y: the driver may write its configuration to NVS. */
#define WIFI_NVS_ENABLED 1
#define WIFI_INIT_CONFIG_MAGIC 0x1F2F3F4F
#define WIFI_INIT_CONFIG_DEFAULT() {    \
    .static_rx_buf_num = 10,            \
    .dynamic_rx_buf_num = 32,           \
    .tx_buf_type = 1,                   \
    .static_tx_buf_num = 0,             \
    .dynamic_tx_buf_num = 32,           \
    .nvs_enable = WIFI_NVS_ENABLED,     \
    .magic = WIFI_INIT_CONFIG_MAGIC     \
}

esp_err_t esp_wifi_init(const wifi_init_config_t *config);
esp_err_t esp_wifi_set_storage(wifi_storage_t storage);
esp_err_t esp_wifi_set_mode(wifi_mode_t mode);
esp_err_t esp_wifi_set_config(wifi_interface_t interface, wifi_config_t *conf);
esp_err_t esp_wifi_start(void);
esp_err_t esp_wifi_stop(void);
esp_err_t esp_wifi_connect(void);
esp_err_t esp_wifi_disconnect(void);
