/*
 * The Wi-Fi driver and netif calls the firmware makes (esp_wifi.h, esp_netif.h), for the fakes and the
 * runtime alike, on a host that is already on its network:
 *  - every call but esp_wifi_init is ESP_ERR_WIFI_NOT_INIT before esp_wifi_init, which checks its config's
 *    magic (ESP_ERR_INVALID_ARG) and makes WIFI_STORAGE_FLASH the storage;
 *  - esp_wifi_set_config of the station with WIFI_STORAGE_FLASH (and the driver's NVS enabled) writes the
 *    station config, password in plain text, to namespace "nvs.net80211" of the default NVS partition, as
 *    the driver does;
 *  - esp_wifi_start posts WIFI_EVENT_STA_START; esp_wifi_connect (only once started, else
 *    ESP_ERR_WIFI_NOT_STARTED) posts WIFI_EVENT_STA_CONNECTED and then IP_EVENT_STA_GOT_IP at once (the host's
 *    own network is up); esp_wifi_disconnect posts WIFI_EVENT_STA_DISCONNECTED.
 * Each build hears of every call (host_wifi_called): the fakes record them, the runtime logs the SSID.
 */
#include <stdio.h>
#include <string.h>

#include "esp_event.h"
#include "esp_netif.h"
#include "esp_wifi.h"
#include "nvs.h"

#include "wifi_driver.h"

ESP_EVENT_DEFINE_BASE(WIFI_EVENT);
ESP_EVENT_DEFINE_BASE(IP_EVENT);

static bool s_initialised;
static bool s_nvs_enabled;
static bool s_started;
static wifi_storage_t s_storage;

void host_wifi_reset(void)
{
    s_initialised = false;
    s_nvs_enabled = false;
    s_started = false;
}

esp_err_t esp_netif_init(void)
{
    return ESP_OK;
}

esp_netif_t *esp_netif_create_default_wifi_sta(void)
{
    static char netif;
    return (esp_netif_t *)&netif;
}

esp_err_t esp_wifi_init(const wifi_init_config_t *config)
{
    host_wifi_called("init", NULL);
    if (config == NULL || config->magic != WIFI_INIT_CONFIG_MAGIC) {
        return ESP_ERR_INVALID_ARG;
    }
    s_initialised = true;
    s_nvs_enabled = config->nvs_enable != 0;
    s_storage = WIFI_STORAGE_FLASH; /* the driver's default */
    return ESP_OK;
}

esp_err_t esp_wifi_set_storage(wifi_storage_t storage)
{
    host_wifi_called(storage == WIFI_STORAGE_RAM ? "set_storage(RAM)" : "set_storage(FLASH)", NULL);
    if (!s_initialised) {
        return ESP_ERR_WIFI_NOT_INIT;
    }
    if (storage != WIFI_STORAGE_FLASH && storage != WIFI_STORAGE_RAM) {
        return ESP_ERR_INVALID_ARG;
    }
    s_storage = storage;
    return ESP_OK;
}

esp_err_t esp_wifi_set_mode(wifi_mode_t mode)
{
    host_wifi_called("set_mode", NULL);
    if (!s_initialised) {
        return ESP_ERR_WIFI_NOT_INIT;
    }
    return mode < WIFI_MODE_MAX ? ESP_OK : ESP_ERR_INVALID_ARG;
}

/* The driver keeps the station config in its own namespace of the default partition. */
static void store_station_config(const wifi_sta_config_t *sta)
{
    nvs_handle_t handle;
    if (nvs_open("nvs.net80211", NVS_READWRITE, &handle) != ESP_OK) {
        return;
    }
    nvs_set_blob(handle, "sta.ssid", sta->ssid, sizeof(sta->ssid));
    nvs_set_blob(handle, "sta.pswd", sta->password, sizeof(sta->password));
    nvs_commit(handle);
    nvs_close(handle);
}

esp_err_t esp_wifi_set_config(wifi_interface_t interface, wifi_config_t *conf)
{
    host_wifi_called("set_config", interface == WIFI_IF_STA ? conf : NULL);
    if (!s_initialised) {
        return ESP_ERR_WIFI_NOT_INIT;
    }
    if (conf == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (interface == WIFI_IF_STA && s_nvs_enabled && s_storage == WIFI_STORAGE_FLASH) {
        store_station_config(&conf->sta);
    }
    return ESP_OK;
}

esp_err_t esp_wifi_start(void)
{
    host_wifi_called("start", NULL);
    if (!s_initialised) {
        return ESP_ERR_WIFI_NOT_INIT;
    }
    s_started = true;
    esp_event_post(WIFI_EVENT, WIFI_EVENT_STA_START, NULL, 0, portMAX_DELAY_TICKS);
    return ESP_OK;
}

esp_err_t esp_wifi_stop(void)
{
    host_wifi_called("stop", NULL);
    if (!s_initialised) {
        return ESP_ERR_WIFI_NOT_INIT;
    }
    s_started = false;
    esp_event_post(WIFI_EVENT, WIFI_EVENT_STA_STOP, NULL, 0, portMAX_DELAY_TICKS);
    return ESP_OK;
}

esp_err_t esp_wifi_connect(void)
{
    host_wifi_called("connect", NULL);
    if (!s_initialised) {
        return ESP_ERR_WIFI_NOT_INIT;
    }
    if (!s_started) {
        return ESP_ERR_WIFI_NOT_STARTED;
    }
    esp_event_post(WIFI_EVENT, WIFI_EVENT_STA_CONNECTED, NULL, 0, portMAX_DELAY_TICKS);
    esp_event_post(IP_EVENT, IP_EVENT_STA_GOT_IP, NULL, 0, portMAX_DELAY_TICKS);
    return ESP_OK;
}

esp_err_t esp_wifi_disconnect(void)
{
    host_wifi_called("disconnect", NULL);
    if (!s_initialised) {
        return ESP_ERR_WIFI_NOT_INIT;
    }
    if (!s_started) {
        return ESP_ERR_WIFI_NOT_STARTED;
    }
    esp_event_post(WIFI_EVENT, WIFI_EVENT_STA_DISCONNECTED, NULL, 0, portMAX_DELAY_TICKS);
    return ESP_OK;
}
