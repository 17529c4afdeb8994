#include "wifi_sta.h"

#include <string.h>

#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_wifi.h"
#include "freertos/FreeRTOS.h"
#include "freertos/event_groups.h"

static const char *TAG = "wifi";

#define CONNECTED_BIT (1u << 0)

static EventGroupHandle_t s_events;

static void on_wifi_event(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)arg;
    (void)data;
    if (base == WIFI_EVENT && id == WIFI_EVENT_STA_START) {
        esp_wifi_connect();
    } else if (base == WIFI_EVENT && id == WIFI_EVENT_STA_DISCONNECTED) {
        xEventGroupClearBits(s_events, CONNECTED_BIT);
        ESP_LOGW(TAG, "disconnected from the access point; reconnecting");
        esp_wifi_connect();
    } else if (base == IP_EVENT && id == IP_EVENT_STA_GOT_IP) {
        ESP_LOGI(TAG, "got an IP address");
        xEventGroupSetBits(s_events, CONNECTED_BIT);
    }
}

esp_err_t wifi_sta_start(const wifi_credentials_t *credentials)
{
    wifi_config_t config;
    memset(&config, 0, sizeof(config));
    size_t ssid_length = strlen(credentials->ssid);
    size_t password_length = strlen(credentials->password);
    if (ssid_length == 0 || ssid_length > sizeof(config.sta.ssid)) {
        ESP_LOGE(TAG, "SSID must be 1 to %u bytes, is %u", (unsigned)sizeof(config.sta.ssid), (unsigned)ssid_length);
        return ESP_ERR_INVALID_ARG;
    }
    if (password_length >= sizeof(config.sta.password)) {
        ESP_LOGE(TAG, "password must be at most %u bytes, is %u",
                 (unsigned)sizeof(config.sta.password) - 1, (unsigned)password_length);
        return ESP_ERR_INVALID_ARG;
    }
    memcpy(config.sta.ssid, credentials->ssid, ssid_length);
    memcpy(config.sta.password, credentials->password, password_length);

    s_events = xEventGroupCreate();
    if (s_events == NULL) {
        return ESP_ERR_NO_MEM;
    }
    ESP_ERROR_CHECK(esp_netif_init());
    esp_err_t err = esp_event_loop_create_default();
    if (err != ESP_OK && err != ESP_ERR_INVALID_STATE) { /* INVALID_STATE: the application made it already */
        ESP_LOGE(TAG, "cannot create the default event loop: %s", esp_err_to_name(err));
        return err;
    }
    esp_netif_create_default_wifi_sta();
    wifi_init_config_t init = WIFI_INIT_CONFIG_DEFAULT();
    ESP_ERROR_CHECK(esp_wifi_init(&init));
    ESP_ERROR_CHECK(esp_event_handler_register(WIFI_EVENT, ESP_EVENT_ANY_ID, on_wifi_event, NULL));
    ESP_ERROR_CHECK(esp_event_handler_register(IP_EVENT, IP_EVENT_STA_GOT_IP, on_wifi_event, NULL));
    ESP_ERROR_CHECK(esp_wifi_set_mode(WIFI_MODE_STA));
    ESP_ERROR_CHECK(esp_wifi_set_config(WIFI_IF_STA, &config));
    return esp_wifi_start();
}

bool wifi_sta_wait_connected(uint32_t timeout_ms)
{
    EventBits_t bits = xEventGroupWaitBits(s_events, CONNECTED_BIT, pdFALSE, pdTRUE, pdMS_TO_TICKS(timeout_ms));
    return (bits & CONNECTED_BIT) != 0;
}
