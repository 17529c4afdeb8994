/* Logging to stderr, error names, esp_random from the OS, and Wi-Fi/netif/event calls for a host that is
 * already on the network: starting the station "gets an IP" at once. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "esp_err.h"
#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "esp_random.h"
#include "esp_timer.h"
#include "esp_wifi.h"
#include "nvs.h"

ESP_EVENT_DEFINE_BASE(WIFI_EVENT);
ESP_EVENT_DEFINE_BASE(IP_EVENT);

static esp_log_level_t s_log_level = ESP_LOG_INFO;
static pthread_mutex_t s_log_lock = PTHREAD_MUTEX_INITIALIZER;

void esp_log_level_set(const char *tag, esp_log_level_t level)
{
    if (tag != NULL && strcmp(tag, "*") == 0) {
        s_log_level = level;
    }
}

/* One line per call, as on the device's console: "I (1234) tag: message". */
void esp_log_write(esp_log_level_t level, const char *tag, const char *format, ...)
{
    static const char letters[] = "NEWIDV";
    if (level > s_log_level || level <= ESP_LOG_NONE) {
        return;
    }
    va_list args;
    va_start(args, format);
    pthread_mutex_lock(&s_log_lock);
    fprintf(stderr, "%c (%lld) %s: ", letters[level], (long long)(esp_timer_get_time() / 1000), tag);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    pthread_mutex_unlock(&s_log_lock);
    va_end(args);
}

const char *esp_err_to_name(esp_err_t code)
{
    switch (code) {
    case ESP_OK: return "ESP_OK";
    case ESP_FAIL: return "ESP_FAIL";
    case ESP_ERR_NO_MEM: return "ESP_ERR_NO_MEM";
    case ESP_ERR_INVALID_ARG: return "ESP_ERR_INVALID_ARG";
    case ESP_ERR_INVALID_STATE: return "ESP_ERR_INVALID_STATE";
    case ESP_ERR_INVALID_SIZE: return "ESP_ERR_INVALID_SIZE";
    case ESP_ERR_NOT_FOUND: return "ESP_ERR_NOT_FOUND";
    case ESP_ERR_NOT_SUPPORTED: return "ESP_ERR_NOT_SUPPORTED";
    case ESP_ERR_TIMEOUT: return "ESP_ERR_TIMEOUT";
    case ESP_ERR_NVS_NOT_INITIALIZED: return "ESP_ERR_NVS_NOT_INITIALIZED";
    case ESP_ERR_NVS_NOT_FOUND: return "ESP_ERR_NVS_NOT_FOUND";
    case ESP_ERR_NVS_TYPE_MISMATCH: return "ESP_ERR_NVS_TYPE_MISMATCH";
    case ESP_ERR_NVS_READ_ONLY: return "ESP_ERR_NVS_READ_ONLY";
    case ESP_ERR_NVS_NOT_ENOUGH_SPACE: return "ESP_ERR_NVS_NOT_ENOUGH_SPACE";
    case ESP_ERR_NVS_INVALID_NAME: return "ESP_ERR_NVS_INVALID_NAME";
    case ESP_ERR_NVS_INVALID_HANDLE: return "ESP_ERR_NVS_INVALID_HANDLE";
    case ESP_ERR_NVS_KEY_TOO_LONG: return "ESP_ERR_NVS_KEY_TOO_LONG";
    case ESP_ERR_NVS_INVALID_STATE: return "ESP_ERR_NVS_INVALID_STATE";
    case ESP_ERR_NVS_INVALID_LENGTH: return "ESP_ERR_NVS_INVALID_LENGTH";
    case ESP_ERR_NVS_NO_FREE_PAGES: return "ESP_ERR_NVS_NO_FREE_PAGES";
    case ESP_ERR_NVS_VALUE_TOO_LONG: return "ESP_ERR_NVS_VALUE_TOO_LONG";
    case ESP_ERR_NVS_PART_NOT_FOUND: return "ESP_ERR_NVS_PART_NOT_FOUND";
    case ESP_ERR_NVS_NEW_VERSION_FOUND: return "ESP_ERR_NVS_NEW_VERSION_FOUND";
    default: return "UNKNOWN ERROR";
    }
}

void _esp_error_check_failed(esp_err_t rc, const char *file, int line, const char *function,
                             const char *expression)
{
    fprintf(stderr, "ESP_ERROR_CHECK failed: esp_err_t 0x%x (%s) at %s:%d in %s\nexpression: %s\n", (unsigned)rc,
            esp_err_to_name(rc), file, line, function, expression);
    abort();
}

void esp_fill_random(void *buf, size_t len)
{
    unsigned char *p = buf;
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            abort();
        }
        p += n;
        len -= (size_t)n;
    }
}

uint32_t esp_random(void)
{
    uint32_t value;
    esp_fill_random(&value, sizeof(value));
    return value;
}

/* The default event loop: handlers run synchronously in the poster's thread. */
#define MAX_HANDLERS 16

typedef struct {
    esp_event_base_t base;
    int32_t id;
    esp_event_handler_t handler;
    void *arg;
} event_handler_t;

static event_handler_t s_handlers[MAX_HANDLERS];
static int s_handler_count;

esp_err_t esp_event_loop_create_default(void)
{
    return ESP_OK;
}

esp_err_t esp_event_handler_register(esp_event_base_t event_base, int32_t event_id,
                                     esp_event_handler_t event_handler, void *event_handler_arg)
{
    if (s_handler_count == MAX_HANDLERS) {
        return ESP_ERR_NO_MEM;
    }
    s_handlers[s_handler_count++] = (event_handler_t){ event_base, event_id, event_handler, event_handler_arg };
    return ESP_OK;
}

esp_err_t esp_event_handler_unregister(esp_event_base_t event_base, int32_t event_id,
                                       esp_event_handler_t event_handler)
{
    for (int i = 0; i < s_handler_count; i++) {
        if (s_handlers[i].base == event_base && s_handlers[i].id == event_id && s_handlers[i].handler == event_handler) {
            s_handlers[i] = s_handlers[--s_handler_count];
            return ESP_OK;
        }
    }
    return ESP_ERR_NOT_FOUND;
}

esp_err_t esp_event_post(esp_event_base_t event_base, int32_t event_id, const void *event_data,
                         size_t event_data_size, uint32_t ticks_to_wait)
{
    (void)event_data_size;
    (void)ticks_to_wait;
    for (int i = 0; i < s_handler_count; i++) {
        event_handler_t h = s_handlers[i];
        if ((h.base == ESP_EVENT_ANY_BASE || h.base == event_base) && (h.id == ESP_EVENT_ANY_ID || h.id == event_id)) {
            h.handler(h.arg, event_base, event_id, (void *)event_data);
        }
    }
    return ESP_OK;
}

esp_err_t esp_netif_init(void)
{
    return ESP_OK;
}

esp_netif_t *esp_netif_create_default_wifi_sta(void)
{
    static int netif;
    return (esp_netif_t *)&netif;
}

esp_err_t esp_wifi_init(const wifi_init_config_t *config)
{
    return config != NULL && config->magic == WIFI_INIT_CONFIG_MAGIC ? ESP_OK : ESP_ERR_INVALID_ARG;
}

esp_err_t esp_wifi_set_storage(wifi_storage_t storage)
{
    /* the host has no Wi-Fi driver writing to NVS; the call is checked, not acted on */
    return storage == WIFI_STORAGE_FLASH || storage == WIFI_STORAGE_RAM ? ESP_OK : ESP_ERR_INVALID_ARG;
}

esp_err_t esp_wifi_set_mode(wifi_mode_t mode)
{
    return mode < WIFI_MODE_MAX ? ESP_OK : ESP_ERR_INVALID_ARG;
}

esp_err_t esp_wifi_set_config(wifi_interface_t interface, wifi_config_t *conf)
{
    (void)interface;
    ESP_LOGI("host_wifi", "station config for SSID '%.32s' (the host's own network is used)",
             (const char *)conf->sta.ssid);
    return ESP_OK;
}

esp_err_t esp_wifi_start(void)
{
    return esp_event_post(WIFI_EVENT, WIFI_EVENT_STA_START, NULL, 0, 0);
}

esp_err_t esp_wifi_stop(void)
{
    return ESP_OK;
}

esp_err_t esp_wifi_connect(void)
{
    esp_event_post(WIFI_EVENT, WIFI_EVENT_STA_CONNECTED, NULL, 0, 0);
    return esp_event_post(IP_EVENT, IP_EVENT_STA_GOT_IP, NULL, 0, 0);
}

esp_err_t esp_wifi_disconnect(void)
{
    return ESP_OK;
}
