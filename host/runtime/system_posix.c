/* Logging to stderr, esp_random from the OS, the default event loop's "sys_evt" task, and what the runtime
 * says of the (shared) Wi-Fi driver's calls. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "esp_app_desc.h"
#include "esp_chip_info.h"
#include "esp_err.h"
#include "esp_mac.h"
#include "esp_system.h"
#include "sdkconfig.h"
#include "esp_event.h"
#include "esp_log.h"
#include "esp_random.h"
#include "esp_timer.h"
#include "esp_wifi.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/task.h"

#include "event_loop.h"
#include "runtime.h"
#include "wifi_driver.h"

static esp_log_level_t s_log_level = ESP_LOG_INFO;
static pthread_mutex_t s_log_lock = PTHREAD_MUTEX_INITIALIZER;

void esp_log_level_set(const char *tag, esp_log_level_t level)
{
    if (tag != NULL && strcmp(tag, "*") == 0) {
        s_log_level = level;
    }
}

/* One line per call on the console (stdout, UART0), as on the device: "I (1234) tag: message". The stream's
 * lock is held for the whole line, so a console frame written meanwhile by another task comes before or after. */
void esp_log_write(esp_log_level_t level, const char *tag, const char *format, ...)
{
    static const char letters[] = "NEWIDV";
    if (level > s_log_level || level <= ESP_LOG_NONE) {
        return;
    }
    va_list args;
    va_start(args, format);
    pthread_mutex_lock(&s_log_lock);
    flockfile(stdout);
    fprintf(stdout, "%c (%lld) %s: ", letters[level], (long long)(esp_timer_get_time() / 1000), tag);
    vfprintf(stdout, format, args);
    fputc('\n', stdout);
    fflush(stdout);
    funlockfile(stdout);
    pthread_mutex_unlock(&s_log_lock);
    va_end(args);
}

/* The chip: its eFuse MAC from --mac (a locally administered one when none is given), the build's target. */
static unsigned char s_mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};

void runtime_set_mac(const unsigned char mac[6])
{
    memcpy(s_mac, mac, sizeof(s_mac));
}

esp_err_t esp_efuse_mac_get_default(uint8_t *mac)
{
    if (mac == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    memcpy(mac, s_mac, sizeof(s_mac));
    return ESP_OK;
}

/* esp_mac.c: each interface's MAC derives from the base one (four universally administered addresses:
 * station = base, soft-AP + 1, Bluetooth + 2, Ethernet + 3). */
esp_err_t esp_read_mac(uint8_t *mac, esp_mac_type_t type)
{
    if (mac == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    int add;
    switch (type) {
    case ESP_MAC_WIFI_STA:
    case ESP_MAC_BASE:
    case ESP_MAC_EFUSE_FACTORY:
        add = 0;
        break;
    case ESP_MAC_WIFI_SOFTAP:
        add = 1;
        break;
    case ESP_MAC_BT:
        add = 2;
        break;
    case ESP_MAC_ETH:
        add = 3;
        break;
    default:
        return ESP_ERR_NOT_SUPPORTED;
    }
    memcpy(mac, s_mac, sizeof(s_mac));
    mac[5] = (uint8_t)(mac[5] + add);
    return ESP_OK;
}

void esp_chip_info(esp_chip_info_t *out_info)
{
    memset(out_info, 0, sizeof(*out_info));
#if CONFIG_IDF_TARGET_ESP32
    *out_info = (esp_chip_info_t){.model = CHIP_ESP32, .features = CHIP_FEATURE_WIFI_BGN | CHIP_FEATURE_BT
                                  | CHIP_FEATURE_BLE, .revision = 300, .cores = 2};
#elif CONFIG_IDF_TARGET_ESP32S2
    *out_info = (esp_chip_info_t){.model = CHIP_ESP32S2, .features = CHIP_FEATURE_WIFI_BGN, .cores = 1};
#elif CONFIG_IDF_TARGET_ESP32S3
    *out_info = (esp_chip_info_t){.model = CHIP_ESP32S3, .features = CHIP_FEATURE_WIFI_BGN | CHIP_FEATURE_BLE,
                                  .cores = 2};
#elif CONFIG_IDF_TARGET_ESP32C3
    *out_info = (esp_chip_info_t){.model = CHIP_ESP32C3, .features = CHIP_FEATURE_WIFI_BGN | CHIP_FEATURE_BLE,
                                  .revision = 4, .cores = 1};
#elif CONFIG_IDF_TARGET_ESP32C6
    *out_info = (esp_chip_info_t){.model = CHIP_ESP32C6, .features = CHIP_FEATURE_WIFI_BGN | CHIP_FEATURE_BLE
                                  | CHIP_FEATURE_IEEE802154, .cores = 1};
#elif CONFIG_IDF_TARGET_ESP32H2
    *out_info = (esp_chip_info_t){.model = CHIP_ESP32H2, .features = CHIP_FEATURE_BLE | CHIP_FEATURE_IEEE802154,
                                  .cores = 1};
#else
    out_info->model = CHIP_POSIX_LINUX;
    out_info->cores = 1;
#endif
}

/* esp_restart(): the process ends with the status the simulated chip takes as a software reset. */
void esp_restart(void)
{
    ESP_LOGI("host_system", "esp_restart(): the process exits with status %d (a simulated chip boots again)",
             ESPFLEET_RESTART_EXIT_CODE);
    fflush(stdout);
    _exit(ESPFLEET_RESTART_EXIT_CODE);
}

uint32_t esp_get_free_heap_size(void)
{
    return 256 * 1024; /* nothing meaningful on a host; a typical ESP32 figure */
}

/* The app description ESP-IDF's build compiles into the app: the build passes the project's name and version
 * (its CMakeLists.txt: project() and PROJECT_VER) and the ESP-IDF version the host runtime stands for. No compile
 * time or date (CONFIG_APP_COMPILE_TIME_DATE off), so the same sources give the same app. */
#ifndef ESPFLEET_HOST_PROJECT_NAME
#define ESPFLEET_HOST_PROJECT_NAME "app"
#endif
#ifndef ESPFLEET_HOST_APP_VERSION
#define ESPFLEET_HOST_APP_VERSION "1"
#endif
#ifndef ESPFLEET_HOST_IDF_VERSION
#define ESPFLEET_HOST_IDF_VERSION "v5.5-espfleet-host"
#endif

const esp_app_desc_t *esp_app_get_description(void)
{
    static const esp_app_desc_t desc = {
        .magic_word = ESP_APP_DESC_MAGIC_WORD,
        .version = ESPFLEET_HOST_APP_VERSION,
        .project_name = ESPFLEET_HOST_PROJECT_NAME,
        .idf_ver = ESPFLEET_HOST_IDF_VERSION,
        .max_efuse_blk_rev_full = 0xFFFF,
        .mmu_page_size = 16,
    };
    return &desc;
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

/*
 * The default event loop runs its handlers in a task of its own, "sys_evt", one event at a time from a
 * queue of CONFIG_ESP_SYSTEM_EVENT_QUEUE_SIZE (32) posts (default_event_loop.c, esp_event_post_to): a post
 * waits for room up to its ticks_to_wait (not at all from the loop's own task) and is ESP_ERR_TIMEOUT
 * when the queue stays full.
 */
#define SYSTEM_EVENT_QUEUE_SIZE 32

typedef struct {
    host_event_loop_t *loop;
    esp_event_base_t base;
    int32_t id;
    void *data;
} post_t;

static QueueHandle_t s_posts;
static pthread_once_t s_sys_evt_once = PTHREAD_ONCE_INIT;
static __thread bool t_in_sys_evt;

static void sys_evt_task(void *arg)
{
    (void)arg;
    t_in_sys_evt = true;
    for (;;) {
        post_t post;
        if (xQueueReceive(s_posts, &post, portMAX_DELAY) == pdTRUE) {
            host_event_loop_run(post.loop, post.base, post.id, post.data);
            free(post.data);
        }
    }
}

static void start_sys_evt(void)
{
    s_posts = xQueueCreate(SYSTEM_EVENT_QUEUE_SIZE, sizeof(post_t));
    if (s_posts == NULL || xTaskCreate(sys_evt_task, "sys_evt", 2304, NULL, 20, NULL) != pdPASS) {
        abort();
    }
}

esp_err_t host_default_loop_post(host_event_loop_t *loop, esp_event_base_t base, int32_t id, void *data,
                                 uint32_t ticks_to_wait)
{
    pthread_once(&s_sys_evt_once, start_sys_evt);
    post_t post = {.loop = loop, .base = base, .id = id, .data = data};
    if (xQueueSend(s_posts, &post, t_in_sys_evt ? 0 : ticks_to_wait) != pdTRUE) {
        free(data);
        return ESP_ERR_TIMEOUT;
    }
    return ESP_OK;
}

void host_wifi_called(const char *call, const wifi_config_t *config)
{
    if (config != NULL) {
        ESP_LOGI("host_wifi", "station config for SSID '%.32s' (the host's own network is used)",
                 (const char *)config->sta.ssid);
    }
    (void)call;
}
