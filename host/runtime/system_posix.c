/* Logging to stderr, esp_random from the OS, the default event loop's "sys_evt" task, and what the runtime
 * says of the (shared) Wi-Fi driver's calls. */
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
#include "esp_random.h"
#include "esp_timer.h"
#include "esp_wifi.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/task.h"

#include "event_loop.h"
#include "wifi_driver.h"

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
