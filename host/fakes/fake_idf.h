/*
 * Test-side control of the host fakes of ESP-IDF: NVS contents the test puts, a seeded esp_random(),
 * recorded timers, tasks, MQTT publishes and subscriptions, esp-mqtt's event sequences, and a count of calls
 * that would block (so a test can prove an event handler never waits). NVS, the event loops, the Wi-Fi
 * driver and esp-mqtt's events themselves are host/shared, the code the runtime runs too.
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

/* Forget everything recorded; NVS empty (the partition table stays); random seeded with 1; the Wi-Fi
 * driver not initialised; the MQTT client the firmware made (if any) connected. The firmware's own objects
 * (queues, timers, tasks, the default event loop and its handlers, the MQTT client's handlers) stay. */
void fake_reset(void);

/* As after esp_restart(): what ESP-IDF builds at boot is gone (the default event loop and its handlers), then
 * fake_reset(). For a test that boots the firmware (app_main, wifi_sta_start) once more in the same process:
 * registering its handlers a second time into a loop that kept the first ones would run some of them twice,
 * as ESP-IDF's legacy registration does. The firmware's timers, tasks and queues stay (the fakes cannot run
 * its static initialisation again). */
void fake_restart(void);

/* The chip: its eFuse MAC (default 24:0a:c4:00:00:01), esp_restart() calls (each leaves through the escape). */
void fake_set_mac(const uint8_t mac[6]);
int fake_restart_calls(void);
/* What esp_app_get_description() says. */
#define FAKE_APP_PROJECT "fake_project"
#define FAKE_APP_VERSION "0.0.1-test"
#define FAKE_APP_IDF_VERSION "v5.5"

/* The console UART: bytes uart_read_bytes will return, in order (then it would block: the task leaves). */
void fake_uart_input(const char *bytes, size_t length);
bool fake_uart_installed(void);

/* Logs. */
int fake_log_count(esp_log_level_t level);
bool fake_log_contains(const char *needle);
int fake_log_occurrences(const char *needle);
void fake_log_echo(bool echo); /* also print logs on stderr */

/* NVS: values the firmware will read (putting one adds its partition to the partition table). */
void fake_nvs_put_str(const char *partition, const char *ns, const char *key, const char *value);
void fake_nvs_put_blob(const char *partition, const char *ns, const char *key, const void *value, size_t length);
void fake_nvs_put_u32(const char *partition, const char *ns, const char *key, uint32_t value);
/* The partition table: "nvs" and the partitions put into are in it; add the others the project has. */
void fake_nvs_add_partition(const char *partition);
/* The first initialisation of the default partition returns this (e.g. ESP_ERR_NVS_NO_FREE_PAGES). */
void fake_nvs_set_flash_init_result(esp_err_t first_result);
int fake_nvs_open_handles(void); /* opened and not yet closed */
int fake_nvs_items_holding(const char *text); /* NVS items (any partition, any namespace) containing these bytes */

/* Wi-Fi: the driver's calls in order, e.g. "init,set_storage(RAM),set_mode,set_config,start,connect". With
 * WIFI_STORAGE_FLASH (ESP-IDF's default) set_config writes the station config to the default NVS partition. */
const char *fake_wifi_calls(void);

/* esp_random(): a deterministic xorshift sequence. */
void fake_random_seed(uint64_t seed);

/*
 * Execution contexts: "main" (app_main and the test), "mqtt" (inside fake_mqtt_dispatch, as the MQTT task),
 * "esp_timer" (inside fake_timer_fire), "sys_evt" (the default event loop's handlers) or a task's name
 * (inside fake_task_run).
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
    bool queued; /* published while not connected: in esp-mqtt's outbox, sent once connected (QoS 1, 2) */
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
/* Delivers an event to the registered handlers, as the MQTT task would: CONNECTED makes the client connected
 * and DISCONNECTED makes it wait to reconnect, before the handlers run. An error_handle given is copied into
 * the client's one error struct, which every event carries (as esp-mqtt's). */
void fake_mqtt_dispatch(esp_mqtt_event_t *event);

/* What the genuine esp-mqtt posts, in order (the shared code the runtime posts them with):
 * a connection made: BEFORE_CONNECT, CONNECTED */
void fake_mqtt_connected(int session_present);
/* a connection lost after CONNACK: ERROR (MQTT_ERROR_TYPE_TCP_TRANSPORT, esp-tls' code, e.g.
 * ESP_ERR_ESP_TLS_TCP_CLOSED_FIN when the broker closed it, and the socket's errno), DISCONNECTED */
void fake_mqtt_connection_lost(esp_err_t tls_error, int sock_errno);
/* a (re)connection that fails: BEFORE_CONNECT, ERROR (ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST and the
 * socket's errno, e.g. 111), DISCONNECTED */
void fake_mqtt_connect_failed(int sock_errno);
/* a CONNACK that refuses: BEFORE_CONNECT, ERROR (MQTT_ERROR_TYPE_CONNECTION_REFUSED), DISCONNECTED */
void fake_mqtt_connection_refused(esp_mqtt_connect_return_code_t code);
/* a SUBACK: SUBSCRIBED with the codes as data; error_type MQTT_ERROR_TYPE_SUBSCRIBE_FAILED when one is
 * 0x80 or more; no ERROR */
void fake_mqtt_suback(int msg_id, const uint8_t *codes, int count);
