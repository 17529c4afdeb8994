/*
 * Test-side control of the host fakes of ESP-IDF: NVS contents served from a table, a seeded
 * esp_random(), recorded timers, tasks, MQTT publishes and subscriptions, and a count of calls that
 * would block (so a test can prove an event handler never waits).
 */
#pragma once

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_event.h"
#include "esp_log.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "mqtt_client.h"
#include "nvs.h"

#define FAKE_MAX_RECORDS 256

/* Forget everything recorded; NVS empty; random seeded with 1. */
void fake_reset(void);

/* Logs. */
int fake_log_count(esp_log_level_t level);
bool fake_log_contains(const char *needle);
int fake_log_occurrences(const char *needle);
void fake_log_echo(bool echo); /* also print logs on stderr */

/* NVS: values the firmware will read. */
void fake_nvs_put_str(const char *partition, const char *ns, const char *key, const char *value);
void fake_nvs_put_blob(const char *partition, const char *ns, const char *key, const void *value, size_t length);
void fake_nvs_set_flash_init_result(esp_err_t first_result);
int fake_nvs_open_handles(void); /* opened and not yet closed */
int fake_nvs_items_holding(const char *text); /* NVS items (any partition, any namespace) containing these bytes */

/* Wi-Fi: the driver's calls in order, e.g. "init,set_storage(RAM),set_mode,set_config,start". With
 * WIFI_STORAGE_FLASH (ESP-IDF's default) set_config writes the station config to the default NVS partition. */
const char *fake_wifi_calls(void);

/* esp_random(): a deterministic xorshift sequence. */
void fake_random_seed(uint64_t seed);

/*
 * Execution contexts: "main" (app_main and the test), "mqtt" (inside fake_mqtt_dispatch, as the MQTT task),
 * "esp_timer" (inside fake_timer_fire) or a task's name (inside fake_task_run).
 */
const char *fake_context(void);

/* Timers. */
#define FAKE_MAX_CONTEXTS 4
typedef struct fake_timer fake_timer_t;
struct fake_timer {
    esp_timer_cb_t callback;
    void *arg;
    const char *name;
    bool active;
    uint64_t timeout_us;
    int starts;
    /* every context that started or stopped this timer */
    const char *contexts[FAKE_MAX_CONTEXTS];
    int context_count;
    /* when set, called right after a successful start, in the starter's context: lets a test make the timer
     * expire (and the task it wakes run) before the code that started it goes on, as a short delay on a
     * second core or a preemption can */
    void (*on_started)(fake_timer_t *timer);
};
fake_timer_t *fake_timer(const char *name); /* the newest created with that name; NULL when none */
void fake_timer_fire(fake_timer_t *timer);  /* runs the callback as the esp_timer task would */

/* Tasks: created, never run on their own; a test runs one with fake_task_run. */
typedef struct {
    TaskFunction_t function;
    void *arg;
    const char *name;
    uint32_t notifications;
} fake_task_t;
fake_task_t *fake_task(const char *name);
/* Runs the task's function, in its context, until it would block (waiting for a notification or a queue
 * item that is not there); nothing when called from that task itself (a task cannot preempt itself). */
void fake_task_run(fake_task_t *task);
/* While set, a blocking wait that would block forever longjmps here instead (to leave task loops). */
void fake_set_escape(jmp_buf *escape);
/* Each vTaskDelay (counted from 1 since fake_reset) calls `hook` (may be NULL: what other tasks do meanwhile),
 * then leaves through the escape when it is delay `escape_at_delay` or later (default: the first). */
void fake_on_delay(void (*hook)(int delay), int escape_at_delay);
/* Calls that could block: vTaskDelay, ulTaskNotifyTake, xEventGroupWaitBits. */
int fake_blocking_calls(void);
int fake_critical_depth(void);

/* MQTT. */
typedef struct {
    char topic[320];
    char data[16384];
    int len;
    int qos;
    int retain;
} fake_publish_t;
int fake_mqtt_publish_count(void);
const fake_publish_t *fake_mqtt_publish(int index);
int fake_mqtt_subscribe_count(void);
const char *fake_mqtt_subscription(int index);
int fake_mqtt_subscription_msg_id(int index);
int fake_mqtt_reconnect_calls(void);
/* ESP_OK (the default): esp_mqtt_client_reconnect is accepted only while the client waits to reconnect, i.e.
 * once a DISCONNECTED event has been handled; anything else: every call returns that. */
void fake_mqtt_set_reconnect_result(esp_err_t result);
void fake_mqtt_set_waiting_to_reconnect(bool waiting);
bool fake_mqtt_started(void);
/* The configuration given to esp_mqtt_client_init (pointers as the firmware passed them). */
const esp_mqtt_client_config_t *fake_mqtt_config(void);
/* Delivers an event to the registered handler, as the MQTT task would. */
void fake_mqtt_dispatch(esp_mqtt_event_t *event);
