/*
 * The recording fakes of the ESP-IDF APIs the generated firmware calls, for the C unit tests. What ESP-IDF
 * does (NVS, the event loops, the Wi-Fi driver, esp-mqtt's events, error names) is host/shared, the same code
 * the runtime runs; these fakes add what a deterministic test needs: execution contexts, recorded calls,
 * timers and tasks run by the test, a seeded esp_random(), and hooks that inject faults.
 */
#define _GNU_SOURCE
#include "fake_idf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver/uart.h"
#include "esp_app_desc.h"
#include "esp_chip_info.h"
#include "esp_err.h"
#include "esp_mac.h"
#include "esp_system.h"
#include "esp_netif.h"
#include "esp_random.h"
#include "esp_tls_errors.h"
#include "esp_wifi.h"
#include "freertos/event_groups.h"
#include "freertos/queue.h"
#include "nvs_flash.h"

#include "event_loop.h"
#include "mqtt_events.h"
#include "nvs_sec.h"
#include "nvs_store.h"
#include "wifi_driver.h"

/* ---- execution contexts ---- */

/* Which context the firmware code now running belongs to: "main" (app_main and the test itself), "mqtt"
 * (the MQTT task: fake_mqtt_dispatch), "esp_timer" (fake_timer_fire) or a task's name (fake_task_run). */
static const char *s_context = "main";

const char *fake_context(void)
{
    return s_context;
}

static const char *enter_context(const char *context)
{
    const char *previous = s_context;
    s_context = context;
    return previous;
}

/* ---- logs ---- */

static char s_log[1 << 16];
static size_t s_log_length;
static int s_log_counts[ESP_LOG_VERBOSE + 1];
static bool s_log_echo;

/* As the device's console prints it, "I (ms) tag: message" (the fakes' clock stays at 0). */
void esp_log_write(esp_log_level_t level, const char *tag, const char *format, ...)
{
    char line[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof(line), format, args);
    va_end(args);
    if (level <= ESP_LOG_VERBOSE) {
        s_log_counts[level]++;
    }
    static const char letters[] = "NEWIDV";
    char letter = letters[level <= ESP_LOG_VERBOSE ? level : 0];
    int n = snprintf(s_log + s_log_length, sizeof(s_log) - s_log_length, "%c (0) %s: %s\n", letter, tag, line);
    if (n > 0 && s_log_length + (size_t)n < sizeof(s_log)) {
        s_log_length += (size_t)n;
    }
    if (s_log_echo) {
        fprintf(stderr, "%c (0) %s: %s\n", letter, tag, line);
    }
}

void esp_log_level_set(const char *tag, esp_log_level_t level)
{
    (void)tag;
    (void)level;
}

int fake_log_count(esp_log_level_t level)
{
    return s_log_counts[level];
}

bool fake_log_contains(const char *needle)
{
    return strstr(s_log, needle) != NULL;
}

int fake_log_occurrences(const char *needle)
{
    int n = 0;
    size_t length = strlen(needle);
    for (const char *at = strstr(s_log, needle); length > 0 && at != NULL; at = strstr(at + length, needle)) {
        n++;
    }
    return n;
}

void fake_log_echo(bool echo)
{
    s_log_echo = echo;
}

/* ---- NVS (shared/nvs_store.c) ---- */

static esp_err_t s_flash_init_first;
static int s_flash_init_calls;

static void nvs_put(const char *partition, const char *ns, const char *key, uint8_t type, const void *value,
                    size_t length, uint64_t number)
{
    nvs_image_item_t item = {.type = type, .number = number, .data = (unsigned char *)value, .length = length};
    snprintf(item.namespace_name, sizeof(item.namespace_name), "%s", ns);
    snprintf(item.key, sizeof(item.key), "%s", key);
    if (!host_nvs_put(partition, &item)) {
        abort();
    }
}

void fake_nvs_put_str(const char *partition, const char *ns, const char *key, const char *value)
{
    nvs_put(partition, ns, key, NVS_IMAGE_TYPE_SZ, value, strlen(value) + 1, 0);
}

void fake_nvs_put_blob(const char *partition, const char *ns, const char *key, const void *value, size_t length)
{
    nvs_put(partition, ns, key, NVS_IMAGE_TYPE_BLOB_V1, value, length, 0);
}

void fake_nvs_put_u32(const char *partition, const char *ns, const char *key, uint32_t value)
{
    nvs_put(partition, ns, key, NVS_IMAGE_TYPE_U32, NULL, 0, value);
}

void fake_nvs_add_partition(const char *partition)
{
    if (!host_nvs_add_partition(partition)) {
        abort();
    }
}

void fake_nvs_set_flash_init_result(esp_err_t first_result)
{
    s_flash_init_first = first_result;
}

int fake_nvs_items_holding(const char *text)
{
    return host_nvs_items_holding(text, strlen(text));
}

int fake_nvs_open_handles(void)
{
    return host_nvs_open_handles();
}

/* The fakes' partitions hold what the test put; the default partition's first initialisation may fail as the
 * test asked (nvs_flash_init's ESP_ERR_NVS_NO_FREE_PAGES or NEW_VERSION_FOUND, which the firmware answers
 * by erasing it). */
esp_err_t host_nvs_load(const char *label)
{
    if (strcmp(label, NVS_DEFAULT_PART_NAME) == 0 && s_flash_init_calls++ == 0 && s_flash_init_first != ESP_OK) {
        return s_flash_init_first;
    }
    return ESP_OK;
}

/* ---- random ---- */

static uint64_t s_random_state = 1;

void fake_random_seed(uint64_t seed)
{
    s_random_state = seed ? seed : 1;
}

uint32_t esp_random(void)
{
    /* xorshift64* */
    s_random_state ^= s_random_state >> 12;
    s_random_state ^= s_random_state << 25;
    s_random_state ^= s_random_state >> 27;
    return (uint32_t)((s_random_state * 2685821657736338717ULL) >> 32);
}

void esp_fill_random(void *buf, size_t len)
{
    unsigned char *p = buf;
    for (size_t i = 0; i < len; i++) {
        p[i] = (unsigned char)esp_random();
    }
}

/* ---- timers ---- */

struct esp_timer {
    fake_timer_t fake;
};

static struct esp_timer s_timers[32];
static int s_timer_count;

esp_err_t esp_timer_create(const esp_timer_create_args_t *create_args, esp_timer_handle_t *out_handle)
{
    if (create_args == NULL || create_args->callback == NULL || out_handle == NULL || s_timer_count >= 32) {
        return ESP_ERR_INVALID_ARG;
    }
    struct esp_timer *t = &s_timers[s_timer_count++];
    memset(t, 0, sizeof(*t));
    t->fake.callback = create_args->callback;
    t->fake.arg = create_args->arg;
    t->fake.name = create_args->name;
    *out_handle = t;
    return ESP_OK;
}

/* Records that the current context started or stopped `timer`. */
static void timer_touched(fake_timer_t *timer)
{
    for (int i = 0; i < timer->context_count; i++) {
        if (strcmp(timer->contexts[i], s_context) == 0) {
            return;
        }
    }
    if (timer->context_count < FAKE_MAX_CONTEXTS) {
        timer->contexts[timer->context_count++] = s_context;
    }
}

esp_err_t esp_timer_start_once(esp_timer_handle_t timer, uint64_t timeout_us)
{
    timer_touched(&timer->fake);
    if (timer->fake.active) {
        return ESP_ERR_INVALID_STATE; /* as ESP-IDF: a running timer cannot be started again */
    }
    timer->fake.active = true;
    timer->fake.timeout_us = timeout_us;
    timer->fake.starts++;
    if (timer->fake.on_started != NULL) {
        timer->fake.on_started(&timer->fake); /* the timer expires before the code that started it goes on */
    }
    return ESP_OK;
}

esp_err_t esp_timer_start_periodic(esp_timer_handle_t timer, uint64_t period)
{
    return esp_timer_start_once(timer, period);
}

esp_err_t esp_timer_stop(esp_timer_handle_t timer)
{
    timer_touched(&timer->fake);
    if (!timer->fake.active) {
        return ESP_ERR_INVALID_STATE;
    }
    timer->fake.active = false;
    return ESP_OK;
}

/* As esp_timer: a running timer cannot be deleted. */
esp_err_t esp_timer_delete(esp_timer_handle_t timer)
{
    if (timer == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return timer->fake.active ? ESP_ERR_INVALID_STATE : ESP_OK;
}

bool esp_timer_is_active(esp_timer_handle_t timer)
{
    return timer->fake.active;
}

int64_t esp_timer_get_time(void)
{
    return 0;
}

fake_timer_t *fake_timer(const char *name)
{
    /* the newest of that name: a test that boots the firmware again gets the handle the firmware now holds */
    for (int i = s_timer_count - 1; i >= 0; i--) {
        if (s_timers[i].fake.name != NULL && strcmp(s_timers[i].fake.name, name) == 0) {
            return &s_timers[i].fake;
        }
    }
    return NULL;
}

void fake_timer_fire(fake_timer_t *timer)
{
    timer->active = false;
    const char *previous = enter_context("esp_timer");
    timer->callback(timer->arg);
    s_context = previous;
}

/* ---- FreeRTOS ---- */

struct tskTaskControlBlock {
    fake_task_t fake;
};

static struct tskTaskControlBlock s_tasks[32];
static int s_task_count;
static jmp_buf *s_escape;
static int s_blocking_calls;
static int s_critical_depth;

BaseType_t xTaskCreate(TaskFunction_t pxTaskCode, const char *const pcName, const uint32_t usStackDepth,
                       void *const pvParameters, UBaseType_t uxPriority, TaskHandle_t *const pxCreatedTask)
{
    (void)usStackDepth;
    (void)uxPriority;
    if (s_task_count >= 32) {
        return pdFAIL;
    }
    TaskHandle_t t = &s_tasks[s_task_count++];
    memset(t, 0, sizeof(*t));
    t->fake.function = pxTaskCode;
    t->fake.arg = pvParameters;
    t->fake.name = pcName;
    if (pxCreatedTask != NULL) {
        *pxCreatedTask = t;
    }
    return pdPASS;
}

void vTaskDelete(TaskHandle_t xTaskToDelete)
{
    (void)xTaskToDelete;
}

static void maybe_escape(void)
{
    if (s_escape != NULL) {
        jmp_buf *escape = s_escape;
        s_escape = NULL;
        longjmp(*escape, 1);
    }
}

static void (*s_delay_hook)(int delay);
static int s_delays;
static int s_escape_at_delay = 1;

void vTaskDelay(const TickType_t xTicksToDelay)
{
    (void)xTicksToDelay;
    s_blocking_calls++;
    s_delays++;
    if (s_delay_hook != NULL) {
        s_delay_hook(s_delays); /* what other tasks do while this one sleeps */
    }
    if (s_delays >= s_escape_at_delay) {
        maybe_escape();
    }
}

void fake_on_delay(void (*hook)(int delay), int escape_at_delay)
{
    s_delay_hook = hook;
    s_delays = 0;
    s_escape_at_delay = escape_at_delay < 1 ? 1 : escape_at_delay;
}

TickType_t xTaskGetTickCount(void)
{
    return 0;
}

/* The task calling ulTaskNotifyTake: the one fake_task_run runs, else the last one notified or looked up. */
static TaskHandle_t s_current_task;
static TaskHandle_t s_running_task;

BaseType_t xTaskGenericNotify(TaskHandle_t xTaskToNotify, UBaseType_t uxIndexToNotify, uint32_t ulValue,
                              eNotifyAction eAction, uint32_t *pulPreviousNotificationValue)
{
    (void)uxIndexToNotify;
    (void)ulValue;
    (void)eAction;
    (void)pulPreviousNotificationValue;
    xTaskToNotify->fake.notifications++;
    s_current_task = xTaskToNotify;
    return pdPASS;
}

uint32_t ulTaskGenericNotifyTake(UBaseType_t uxIndexToWaitOn, BaseType_t xClearCountOnExit,
                                 TickType_t xTicksToWait)
{
    (void)uxIndexToWaitOn;
    (void)xTicksToWait;
    s_blocking_calls++;
    TaskHandle_t task = s_running_task != NULL ? s_running_task : s_current_task;
    if (task == NULL || task->fake.notifications == 0) {
        maybe_escape();
        return 0;
    }
    uint32_t count = task->fake.notifications;
    task->fake.notifications = xClearCountOnExit ? 0 : count - 1;
    return count;
}

void fake_task_run(fake_task_t *fake)
{
    TaskHandle_t task = (TaskHandle_t)fake; /* fake_task_t is the first member */
    if (task == s_running_task) {
        return; /* a task cannot preempt itself: it goes on when the code that called this returns */
    }
    TaskHandle_t previous_task = s_running_task;
    jmp_buf *previous_escape = s_escape;
    const char *previous_context = enter_context(fake->name);
    jmp_buf escape;
    s_running_task = task;
    if (setjmp(escape) == 0) {
        s_escape = &escape;
        fake->function(fake->arg); /* returns only through the escape, when it would block */
    }
    s_running_task = previous_task;
    s_escape = previous_escape;
    s_context = previous_context;
}

/* Queues: FIFO of fixed-size items; a receive that would block leaves the running task (fake_task_run). */
#define FAKE_QUEUE_BYTES 4096

struct QueueDefinition {
    UBaseType_t length;
    UBaseType_t item_size;
    UBaseType_t count;
    UBaseType_t head;
    unsigned char items[FAKE_QUEUE_BYTES];
};

static struct QueueDefinition s_queues[8];
static int s_queue_count;

QueueHandle_t xQueueGenericCreate(const UBaseType_t uxQueueLength, const UBaseType_t uxItemSize,
                                  const uint8_t ucQueueType)
{
    (void)ucQueueType;
    if (s_queue_count >= 8 || uxQueueLength == 0 || uxItemSize == 0 || uxQueueLength * uxItemSize > FAKE_QUEUE_BYTES) {
        return NULL;
    }
    QueueHandle_t q = &s_queues[s_queue_count++];
    memset(q, 0, sizeof(*q));
    q->length = uxQueueLength;
    q->item_size = uxItemSize;
    return q;
}

BaseType_t xQueueGenericSend(QueueHandle_t xQueue, const void *const pvItemToQueue, TickType_t xTicksToWait,
                             const BaseType_t xCopyPosition)
{
    (void)xCopyPosition;
    if (xTicksToWait != 0) {
        s_blocking_calls++; /* could wait for room */
    }
    if (xQueue->count == xQueue->length) {
        return errQUEUE_FULL;
    }
    UBaseType_t slot = (xQueue->head + xQueue->count) % xQueue->length;
    memcpy(xQueue->items + slot * xQueue->item_size, pvItemToQueue, xQueue->item_size);
    xQueue->count++;
    return pdTRUE;
}

BaseType_t xQueueReceive(QueueHandle_t xQueue, void *const pvBuffer, TickType_t xTicksToWait)
{
    if (xTicksToWait != 0) {
        s_blocking_calls++;
    }
    if (xQueue->count == 0) {
        if (xTicksToWait != 0) {
            maybe_escape();
        }
        return pdFALSE;
    }
    memcpy(pvBuffer, xQueue->items + xQueue->head * xQueue->item_size, xQueue->item_size);
    xQueue->head = (xQueue->head + 1) % xQueue->length;
    xQueue->count--;
    return pdTRUE;
}

UBaseType_t uxQueueMessagesWaiting(const QueueHandle_t xQueue)
{
    return xQueue->count;
}

fake_task_t *fake_task(const char *name)
{
    for (int i = s_task_count - 1; i >= 0; i--) {
        if (strcmp(s_tasks[i].fake.name, name) == 0) {
            s_current_task = &s_tasks[i];
            return &s_tasks[i].fake;
        }
    }
    return NULL;
}

void fake_set_escape(jmp_buf *escape)
{
    s_escape = escape;
}

int fake_blocking_calls(void)
{
    return s_blocking_calls;
}

void vPortEnterCritical(portMUX_TYPE *mux)
{
    (void)mux;
    s_critical_depth++;
}

void vPortExitCritical(portMUX_TYPE *mux)
{
    (void)mux;
    if (--s_critical_depth < 0) {
        abort();
    }
}

int fake_critical_depth(void)
{
    return s_critical_depth;
}

struct EventGroupDef_t {
    EventBits_t bits;
};

static struct EventGroupDef_t s_event_group;

EventGroupHandle_t xEventGroupCreate(void)
{
    s_event_group.bits = 0;
    return &s_event_group;
}

EventBits_t xEventGroupSetBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToSet)
{
    xEventGroup->bits |= uxBitsToSet;
    return xEventGroup->bits;
}

EventBits_t xEventGroupClearBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToClear)
{
    EventBits_t before = xEventGroup->bits;
    xEventGroup->bits &= ~uxBitsToClear;
    return before;
}

/* The bits are what the firmware's handlers set (the shared Wi-Fi driver gets an IP at once); a wait that
 * would block, with nothing else to run, leaves the running task (fake_task_run) or times out. */
EventBits_t xEventGroupWaitBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToWaitFor,
                                const BaseType_t xClearOnExit, const BaseType_t xWaitForAllBits,
                                TickType_t xTicksToWait)
{
    s_blocking_calls++;
    EventBits_t bits = xEventGroup->bits;
    EventBits_t hit = bits & uxBitsToWaitFor;
    bool met = xWaitForAllBits ? hit == uxBitsToWaitFor : hit != 0;
    if (!met && xTicksToWait != 0) {
        maybe_escape();
    }
    if (met && xClearOnExit) {
        xEventGroup->bits &= ~uxBitsToWaitFor;
    }
    return bits;
}

/* ---- the default event loop and Wi-Fi (shared/event_loop.c, shared/wifi_driver.c) ---- */

/* ESP-IDF runs the default loop's handlers in its "sys_evt" task; the fakes run them at once, in that
 * context, so that what an event causes has happened when esp_event_post returns. */
esp_err_t host_default_loop_post(host_event_loop_t *loop, esp_event_base_t base, int32_t id, void *data,
                                 uint32_t ticks_to_wait)
{
    (void)ticks_to_wait;
    const char *previous = enter_context("sys_evt");
    host_event_loop_run(loop, base, id, data);
    s_context = previous;
    free(data);
    return ESP_OK;
}

static char s_wifi_calls[512];

void host_wifi_called(const char *call, const wifi_config_t *config)
{
    (void)config;
    size_t used = strlen(s_wifi_calls);
    snprintf(s_wifi_calls + used, sizeof(s_wifi_calls) - used, "%s%s", used == 0 ? "" : ",", call);
}

const char *fake_wifi_calls(void)
{
    return s_wifi_calls;
}

/* ---- MQTT (events: shared/mqtt_events.c) ---- */

typedef enum {
    CLIENT_IDLE,           /* not started */
    CLIENT_CONNECTING,     /* started, or told to reconnect */
    CLIENT_CONNECTED,
    CLIENT_WAIT_RECONNECT, /* from MQTT_EVENT_DISCONNECTED on */
} client_state_t;

struct esp_mqtt_client {
    esp_mqtt_client_config_t config;
    host_mqtt_events_t events;
    client_state_t state;
    int dispatching; /* inside its handlers */
};

static struct esp_mqtt_client s_client;
static bool s_client_created;
static fake_publish_t *s_publishes;
static int s_publish_count;
static char s_subscriptions[FAKE_MAX_RECORDS][320];
static int s_subscription_ids[FAKE_MAX_RECORDS];
static int s_subscribe_count;
static int s_next_msg_id = 1;
static int s_reconnect_calls;
static esp_err_t s_reconnect_result;

esp_mqtt_client_handle_t esp_mqtt_client_init(const esp_mqtt_client_config_t *config)
{
    if (config == NULL) {
        return NULL;
    }
    if (s_client_created) {
        host_mqtt_events_free(&s_client.events); /* the firmware made a new client: the old one is gone */
    }
    memset(&s_client, 0, sizeof(s_client));
    s_client.config = *config;
    if (!host_mqtt_events_init(&s_client.events)) {
        return NULL;
    }
    s_client_created = true;
    return &s_client;
}

esp_err_t esp_mqtt_client_register_event(esp_mqtt_client_handle_t client, esp_mqtt_event_id_t event,
                                         esp_event_handler_t event_handler, void *event_handler_arg)
{
    if (client == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return host_mqtt_events_register(&client->events, event, event_handler, event_handler_arg);
}

esp_err_t esp_mqtt_client_unregister_event(esp_mqtt_client_handle_t client, esp_mqtt_event_id_t event,
                                           esp_event_handler_t event_handler)
{
    if (client == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return host_event_loop_unregister(client->events.loop, MQTT_EVENTS, (int32_t)event, event_handler);
}

/* esp-mqtt: a started client cannot be started again ("Client has started"). */
esp_err_t esp_mqtt_client_start(esp_mqtt_client_handle_t client)
{
    if (client == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (client->state != CLIENT_IDLE) {
        return ESP_FAIL;
    }
    client->state = CLIENT_CONNECTING;
    return ESP_OK;
}

esp_err_t esp_mqtt_client_set_uri(esp_mqtt_client_handle_t client, const char *uri)
{
    client->config.broker.address.uri = uri;
    return ESP_OK;
}

esp_err_t esp_mqtt_client_reconnect(esp_mqtt_client_handle_t client)
{
    s_reconnect_calls++;
    if (s_reconnect_result != ESP_OK) {
        return s_reconnect_result;
    }
    /* as esp-mqtt (and the host runtime): accepted only while the client waits to reconnect, which it does
     * once its DISCONNECTED event has been handled */
    if (client == NULL || client->state != CLIENT_WAIT_RECONNECT || client->dispatching > 0) {
        return ESP_FAIL;
    }
    client->state = CLIENT_CONNECTING;
    return ESP_OK;
}

esp_err_t esp_mqtt_client_disconnect(esp_mqtt_client_handle_t client)
{
    return client == NULL ? ESP_ERR_INVALID_ARG : ESP_OK;
}

/* esp-mqtt: a client that was not started, or a call from its own task, is refused. */
esp_err_t esp_mqtt_client_stop(esp_mqtt_client_handle_t client)
{
    if (client == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (client->state == CLIENT_IDLE || client->dispatching > 0) {
        return ESP_FAIL;
    }
    client->state = CLIENT_IDLE;
    return ESP_OK;
}

esp_err_t esp_mqtt_client_destroy(esp_mqtt_client_handle_t client)
{
    if (client == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    client->state = CLIENT_IDLE;
    return ESP_OK;
}

/* esp-mqtt: "Client has not connected" is -1 for a subscription. */
int esp_mqtt_client_subscribe_single(esp_mqtt_client_handle_t client, const char *topic, int qos)
{
    if (client == NULL || client->state != CLIENT_CONNECTED || s_subscribe_count >= FAKE_MAX_RECORDS) {
        return -1;
    }
    snprintf(s_subscriptions[s_subscribe_count], sizeof(s_subscriptions[0]), "%s", topic);
    s_subscription_ids[s_subscribe_count] = s_next_msg_id++;
    (void)qos;
    return s_subscription_ids[s_subscribe_count++];
}

int esp_mqtt_client_subscribe_multiple(esp_mqtt_client_handle_t client, const esp_mqtt_topic_t *topic_list,
                                       int size)
{
    int id = -1;
    for (int i = 0; i < size; i++) {
        id = esp_mqtt_client_subscribe_single(client, topic_list[i].filter, topic_list[i].qos);
    }
    return id;
}

int esp_mqtt_client_unsubscribe(esp_mqtt_client_handle_t client, const char *topic)
{
    (void)topic;
    if (client == NULL || client->state != CLIENT_CONNECTED) {
        return -1;
    }
    return s_next_msg_id++;
}

/*
 * esp_mqtt_client_publish: a message id for QoS 1 and 2, 0 for QoS 0. While not connected, QoS 0 is lost
 * (-1) and QoS 1 and 2 go to the outbox, to be sent once connected: the fakes record those as queued.
 */
int esp_mqtt_client_publish(esp_mqtt_client_handle_t client, const char *topic, const char *data, int len,
                            int qos, int retain)
{
    if (client == NULL) {
        return -1;
    }
    bool connected = client->state == CLIENT_CONNECTED;
    if (!connected && qos == 0) {
        return -1;
    }
    if (s_publishes == NULL) {
        s_publishes = calloc(FAKE_MAX_RECORDS, sizeof(fake_publish_t));
    }
    if (s_publish_count >= FAKE_MAX_RECORDS) {
        return -2; /* outbox full */
    }
    int length = host_mqtt_payload_length(data, len);
    fake_publish_t *p = &s_publishes[s_publish_count++];
    snprintf(p->topic, sizeof(p->topic), "%s", topic);
    if (length < 0 || (size_t)length >= sizeof(p->data)) {
        abort();
    }
    if (length > 0) {
        memcpy(p->data, data, (size_t)length);
    }
    p->data[length] = '\0';
    p->len = length;
    p->qos = qos;
    p->retain = retain;
    p->queued = !connected;
    return qos > 0 ? s_next_msg_id++ : 0;
}

int esp_mqtt_client_enqueue(esp_mqtt_client_handle_t client, const char *topic, const char *data, int len,
                            int qos, int retain, bool store)
{
    (void)store;
    return esp_mqtt_client_publish(client, topic, data, len, qos, retain);
}

int fake_mqtt_publish_count(void)
{
    return s_publish_count;
}

const fake_publish_t *fake_mqtt_publish(int index)
{
    return index >= 0 && index < s_publish_count ? &s_publishes[index] : NULL;
}

int fake_mqtt_subscribe_count(void)
{
    return s_subscribe_count;
}

const char *fake_mqtt_subscription(int index)
{
    return index >= 0 && index < s_subscribe_count ? s_subscriptions[index] : NULL;
}

int fake_mqtt_subscription_msg_id(int index)
{
    return index >= 0 && index < s_subscribe_count ? s_subscription_ids[index] : -1;
}

int fake_mqtt_reconnect_calls(void)
{
    return s_reconnect_calls;
}

void fake_mqtt_set_reconnect_result(esp_err_t result)
{
    s_reconnect_result = result;
}

bool fake_mqtt_started(void)
{
    return s_client_created && s_client.state != CLIENT_IDLE;
}

const esp_mqtt_client_config_t *fake_mqtt_config(void)
{
    return s_client_created ? &s_client.config : NULL;
}

/* The MQTT task's side of an event: its state first (esp-mqtt sets it before it dispatches), then the
 * handlers, in the "mqtt" context. */
static const char *enter_mqtt_task(void)
{
    s_client.dispatching++;
    return enter_context("mqtt");
}

static void leave_mqtt_task(const char *previous)
{
    s_context = previous;
    s_client.dispatching--;
}

static void set_state_for(esp_mqtt_event_id_t id)
{
    if (id == MQTT_EVENT_CONNECTED) {
        s_client.state = CLIENT_CONNECTED;
    } else if (id == MQTT_EVENT_DISCONNECTED) {
        s_client.state = CLIENT_WAIT_RECONNECT;
    }
}

void fake_mqtt_dispatch(esp_mqtt_event_t *event)
{
    if (event->error_handle != NULL && event->error_handle != &s_client.events.error) {
        s_client.events.error = *event->error_handle; /* the codes the test gives, in the client's one struct */
    }
    set_state_for(event->event_id);
    const char *previous = enter_mqtt_task();
    host_mqtt_dispatch(&s_client.events, &s_client, event);
    leave_mqtt_task(previous);
}

static void dispatch_simple(esp_mqtt_event_id_t id)
{
    set_state_for(id);
    const char *previous = enter_mqtt_task();
    host_mqtt_dispatch_simple(&s_client.events, &s_client, id, 0);
    leave_mqtt_task(previous);
}

void fake_mqtt_connected(int session_present)
{
    dispatch_simple(MQTT_EVENT_BEFORE_CONNECT);
    esp_mqtt_event_t event = {.event_id = MQTT_EVENT_CONNECTED, .session_present = session_present};
    fake_mqtt_dispatch(&event);
}

void fake_mqtt_connection_lost(esp_err_t tls_error, int sock_errno)
{
    const char *previous = enter_mqtt_task();
    host_mqtt_dispatch_transport_error(&s_client.events, &s_client, tls_error, 0, 0, sock_errno);
    leave_mqtt_task(previous);
    dispatch_simple(MQTT_EVENT_DISCONNECTED);
}

void fake_mqtt_connect_failed(int sock_errno)
{
    dispatch_simple(MQTT_EVENT_BEFORE_CONNECT);
    const char *previous = enter_mqtt_task();
    host_mqtt_dispatch_transport_error(&s_client.events, &s_client, ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST, 0, 0,
                                       sock_errno);
    leave_mqtt_task(previous);
    dispatch_simple(MQTT_EVENT_DISCONNECTED);
}

void fake_mqtt_connection_refused(esp_mqtt_connect_return_code_t code)
{
    dispatch_simple(MQTT_EVENT_BEFORE_CONNECT);
    const char *previous = enter_mqtt_task();
    host_mqtt_dispatch_connection_refused(&s_client.events, &s_client, code);
    leave_mqtt_task(previous);
    dispatch_simple(MQTT_EVENT_DISCONNECTED);
}

void fake_mqtt_suback(int msg_id, const uint8_t *codes, int count)
{
    const char *previous = enter_mqtt_task();
    host_mqtt_dispatch_suback(&s_client.events, &s_client, msg_id, codes, count);
    leave_mqtt_task(previous);
}

void fake_mqtt_set_waiting_to_reconnect(bool waiting)
{
    s_client.state = waiting ? CLIENT_WAIT_RECONNECT : CLIENT_CONNECTED;
}

/* ---- reset ---- */

/* The chip: a fixed eFuse MAC (a test may set another), an ESP32 v3.0, the app description of a test build. */
static uint8_t s_mac[6] = {0x24, 0x0a, 0xc4, 0x00, 0x00, 0x01};

/* The fakes keep NVS in memory only. */
void host_nvs_changed(const char *label)
{
    (void)label;
}

/* An nvs_keys partition and eFuse key blocks in memory, erased at start. */
static unsigned char s_nvs_keys[HOST_NVS_KEYS_PARTITION_SIZE];
static bool s_nvs_keys_written;
static uint8_t s_efuse_keys[6][32];
static bool s_efuse_used[6];

bool host_nvs_keys_partition(unsigned char bytes[HOST_NVS_KEYS_PARTITION_SIZE], bool write)
{
    if (write) {
        memcpy(s_nvs_keys, bytes, sizeof(s_nvs_keys));
        s_nvs_keys_written = true;
    } else if (s_nvs_keys_written) {
        memcpy(bytes, s_nvs_keys, sizeof(s_nvs_keys));
    } else {
        memset(bytes, 0xFF, HOST_NVS_KEYS_PARTITION_SIZE);
    }
    return true;
}

bool host_efuse_hmac_key(int block, uint8_t key[32], bool burn)
{
    if (block < 0 || block > 5 || (burn && s_efuse_used[block])) {
        return false;
    }
    if (burn) {
        memcpy(s_efuse_keys[block], key, 32);
        s_efuse_used[block] = true;
    } else if (s_efuse_used[block]) {
        memcpy(key, s_efuse_keys[block], 32);
    }
    return s_efuse_used[block];
}

void fake_set_mac(const uint8_t mac[6])
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

esp_err_t esp_read_mac(uint8_t *mac, esp_mac_type_t type)
{
    if (mac == NULL || type > ESP_MAC_ETH) {
        return mac == NULL ? ESP_ERR_INVALID_ARG : ESP_ERR_NOT_SUPPORTED;
    }
    memcpy(mac, s_mac, sizeof(s_mac));
    mac[5] = (uint8_t)(mac[5] + (int)type);
    return ESP_OK;
}

void esp_chip_info(esp_chip_info_t *out_info)
{
    *out_info = (esp_chip_info_t){.model = CHIP_ESP32, .features = CHIP_FEATURE_WIFI_BGN | CHIP_FEATURE_BT
                                  | CHIP_FEATURE_BLE, .revision = 300, .cores = 2};
}

const esp_app_desc_t *esp_app_get_description(void)
{
    static const esp_app_desc_t desc = {
        .magic_word = ESP_APP_DESC_MAGIC_WORD,
        .version = FAKE_APP_VERSION,
        .project_name = FAKE_APP_PROJECT,
        .idf_ver = FAKE_APP_IDF_VERSION,
        .max_efuse_blk_rev_full = 0xFFFF,
        .mmu_page_size = 16,
    };
    return &desc;
}

static int s_restarts;

void esp_restart(void)
{
    s_restarts++;
    maybe_escape();
    abort(); /* a test that lets the firmware restart must give it a way out (fake_set_escape) */
}

int fake_restart_calls(void)
{
    return s_restarts;
}

uint32_t esp_get_free_heap_size(void)
{
    return 200 * 1024;
}

/* The console UART: what a test feeds is what uart_read_bytes returns; with nothing left, the read would block
 * (counted) and the running task leaves through the escape. */
static char s_uart_input[16384];
static size_t s_uart_input_length;
static size_t s_uart_input_read;
static bool s_uart_installed;

void fake_uart_input(const char *bytes, size_t length)
{
    if (s_uart_input_length + length <= sizeof(s_uart_input)) {
        memcpy(s_uart_input + s_uart_input_length, bytes, length);
        s_uart_input_length += length;
    }
}

bool fake_uart_installed(void)
{
    return s_uart_installed;
}

esp_err_t uart_driver_install(uart_port_t uart_num, int rx_buffer_size, int tx_buffer_size, int queue_size,
                              QueueHandle_t *uart_queue, int intr_alloc_flags)
{
    (void)tx_buffer_size;
    (void)queue_size;
    (void)uart_queue;
    (void)intr_alloc_flags;
    if (uart_num < 0 || uart_num >= UART_NUM_MAX || rx_buffer_size <= 128) {
        return ESP_ERR_INVALID_ARG;
    }
    s_uart_installed = true;
    return ESP_OK;
}

esp_err_t uart_driver_delete(uart_port_t uart_num)
{
    (void)uart_num;
    s_uart_installed = false;
    return ESP_OK;
}

bool uart_is_driver_installed(uart_port_t uart_num)
{
    return uart_num == 0 && s_uart_installed;
}

int uart_read_bytes(uart_port_t uart_num, void *buf, uint32_t length, TickType_t ticks_to_wait)
{
    (void)ticks_to_wait;
    if (!uart_is_driver_installed(uart_num)) {
        return -1;
    }
    size_t left = s_uart_input_length - s_uart_input_read;
    if (left == 0) {
        s_blocking_calls++;
        maybe_escape();
        return 0;
    }
    size_t n = left < length ? left : length;
    memcpy(buf, s_uart_input + s_uart_input_read, n);
    s_uart_input_read += n;
    return (int)n;
}

void fake_restart(void)
{
    esp_event_loop_delete_default(); /* ESP_ERR_INVALID_STATE when the firmware never made it */
    fake_reset();
}

void fake_reset(void)
{
    s_log[0] = '\0';
    s_log_length = 0;
    s_uart_input_length = 0;
    s_uart_input_read = 0;
    s_restarts = 0;
    memset(s_log_counts, 0, sizeof(s_log_counts));
    host_nvs_reset();
    s_flash_init_first = ESP_OK;
    s_flash_init_calls = 0;
    fake_random_seed(1);
    s_publish_count = 0;
    s_subscribe_count = 0;
    s_reconnect_calls = 0;
    s_reconnect_result = ESP_OK;
    s_blocking_calls = 0;
    s_escape = NULL;
    host_wifi_reset();
    s_wifi_calls[0] = '\0';
    s_context = "main";
    s_running_task = NULL;
    s_delay_hook = NULL;
    s_delays = 0;
    s_escape_at_delay = 1;
    /* a test starts on a live connection of the client the firmware made (if it made one) */
    s_client.state = s_client_created ? CLIENT_CONNECTED : CLIENT_IDLE;
    s_client.dispatching = 0;
    for (int i = 0; i < s_queue_count; i++) {
        s_queues[i].count = 0; /* the firmware keeps its queues; what was left in them is forgotten */
    }
    for (int i = 0; i < s_timer_count; i++) {
        s_timers[i].fake.on_started = NULL;
        s_timers[i].fake.context_count = 0;
    }
}
