#include "wifi_sta.h"

#include <string.h>

#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_random.h"
#include "esp_timer.h"
#include "esp_wifi.h"
#include "freertos/FreeRTOS.h"
#include "freertos/event_groups.h"

#include "backoff.h"

static const char *TAG = "wifi";

#define CONNECTED_BIT (1u << 0)

/* Back to the access point quickly at first, then every 30 s at most, jittered so that a building's
 * worth of devices does not hit the AP at once when it comes back after a power cut. */
static const backoff_policy_t s_retry_policy = {
    .initial_ms = 500,
    .max_ms = 30000,
    .multiplier = 2,
    .jitter = BACKOFF_JITTER_EQUAL,
};

static EventGroupHandle_t s_events;
static esp_timer_handle_t s_retry_timer;
static uint32_t s_attempt;

static uint32_t hardware_random(void *ctx)
{
    (void)ctx;
    return esp_random();
}

static void retry_connect(void *arg)
{
    (void)arg;
    esp_wifi_connect();
}

/* Runs in the event loop task: arms a timer, never waits. */
static void schedule_retry(void)
{
    uint32_t delay_ms = backoff_delay_ms(&s_retry_policy, s_attempt, hardware_random, NULL);
    if (s_attempt < UINT32_MAX) {
        s_attempt++;
    }
    if (esp_timer_is_active(s_retry_timer)) {
        esp_timer_stop(s_retry_timer);
    }
    if (esp_timer_start_once(s_retry_timer, (uint64_t)delay_ms * 1000u) != ESP_OK) {
        esp_wifi_connect(); /* no timer: retry at once rather than never */
        return;
    }
    ESP_LOGW(TAG, "disconnected from the access point; retry %u in %u ms", (unsigned)s_attempt, (unsigned)delay_ms);
}

static void on_wifi_event(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)arg;
    (void)data;
    if (base == WIFI_EVENT && id == WIFI_EVENT_STA_START) {
        esp_wifi_connect();
    } else if (base == WIFI_EVENT && id == WIFI_EVENT_STA_DISCONNECTED) {
        xEventGroupClearBits(s_events, CONNECTED_BIT);
        schedule_retry();
    } else if (base == IP_EVENT && id == IP_EVENT_STA_GOT_IP) {
        ESP_LOGI(TAG, "got an IP address");
        s_attempt = 0;
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
    const esp_timer_create_args_t retry = {
        .callback = retry_connect,
        .name = "wifi_retry",
    };
    esp_err_t timer_err = esp_timer_create(&retry, &s_retry_timer);
    if (timer_err != ESP_OK) {
        return timer_err;
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
    /* The driver's default, WIFI_STORAGE_FLASH, copies the station config (the password in plain text) into
     * the default NVS partition; the credentials already live in NVS where provisioning put them. */
    ESP_ERROR_CHECK(esp_wifi_set_storage(WIFI_STORAGE_RAM));
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
