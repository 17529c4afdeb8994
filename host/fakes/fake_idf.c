/* Host fakes of the ESP-IDF APIs the generated firmware calls. */
#define _GNU_SOURCE
#include "fake_idf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_err.h"
#include "esp_netif.h"
#include "esp_random.h"
#include "esp_wifi.h"
#include "freertos/event_groups.h"
#include "freertos/queue.h"
#include "nvs_flash.h"

ESP_EVENT_DEFINE_BASE(IP_EVENT);
ESP_EVENT_DEFINE_BASE(WIFI_EVENT);

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
    int n = snprintf(s_log + s_log_length, sizeof(s_log) - s_log_length, "%c (%s) %s\n",
                     letters[level <= ESP_LOG_VERBOSE ? level : 0], tag, line);
    if (n > 0 && s_log_length + (size_t)n < sizeof(s_log)) {
        s_log_length += (size_t)n;
    }
    if (s_log_echo) {
        fprintf(stderr, "%c (%s) %s\n", letters[level <= ESP_LOG_VERBOSE ? level : 0], tag, line);
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

const char *esp_err_to_name(esp_err_t code)
{
    switch (code) {
    case ESP_OK: return "ESP_OK";
    case ESP_FAIL: return "ESP_FAIL";
    case ESP_ERR_NO_MEM: return "ESP_ERR_NO_MEM";
    case ESP_ERR_INVALID_ARG: return "ESP_ERR_INVALID_ARG";
    case ESP_ERR_INVALID_STATE: return "ESP_ERR_INVALID_STATE";
    case ESP_ERR_NVS_NOT_FOUND: return "ESP_ERR_NVS_NOT_FOUND";
    case ESP_ERR_NVS_TYPE_MISMATCH: return "ESP_ERR_NVS_TYPE_MISMATCH";
    case ESP_ERR_NVS_INVALID_LENGTH: return "ESP_ERR_NVS_INVALID_LENGTH";
    case ESP_ERR_NVS_PART_NOT_FOUND: return "ESP_ERR_NVS_PART_NOT_FOUND";
    case ESP_ERR_NVS_NO_FREE_PAGES: return "ESP_ERR_NVS_NO_FREE_PAGES";
    case ESP_ERR_NVS_NEW_VERSION_FOUND: return "ESP_ERR_NVS_NEW_VERSION_FOUND";
    case ESP_ERR_WIFI_NOT_INIT: return "ESP_ERR_WIFI_NOT_INIT";
    default: return "UNKNOWN ERROR";
    }
}

void _esp_error_check_failed(esp_err_t rc, const char *file, int line, const char *function,
                             const char *expression)
{
    fprintf(stderr, "ESP_ERROR_CHECK failed: %s (%d) at %s:%d in %s: %s\n", esp_err_to_name(rc), rc, file, line,
            function, expression);
    abort();
}

/* ---- NVS ---- */

typedef struct {
    char partition[17];
    char ns[16];
    char key[16];
    bool is_blob;
    unsigned char *value;
    size_t length; /* strings: including the NUL */
} nvs_item_t;

typedef struct {
    bool open;
    char partition[17];
    char ns[16];
} nvs_open_t;

static nvs_item_t s_nvs[64];
static int s_nvs_count;
static nvs_open_t s_handles[16];
static esp_err_t s_flash_init_first;
static int s_flash_init_calls;
static char s_initialised[8][17];
static int s_initialised_count;

static void nvs_put(const char *partition, const char *ns, const char *key, const void *value, size_t length,
                    bool is_blob)
{
    if (s_nvs_count >= (int)(sizeof(s_nvs) / sizeof(s_nvs[0]))) {
        abort();
    }
    nvs_item_t *item = &s_nvs[s_nvs_count++];
    snprintf(item->partition, sizeof(item->partition), "%s", partition);
    snprintf(item->ns, sizeof(item->ns), "%s", ns);
    snprintf(item->key, sizeof(item->key), "%s", key);
    item->is_blob = is_blob;
    item->value = malloc(length ? length : 1);
    memcpy(item->value, value, length);
    item->length = length;
}

void fake_nvs_put_str(const char *partition, const char *ns, const char *key, const char *value)
{
    nvs_put(partition, ns, key, value, strlen(value) + 1, false);
}

void fake_nvs_put_blob(const char *partition, const char *ns, const char *key, const void *value, size_t length)
{
    nvs_put(partition, ns, key, value, length, true);
}

void fake_nvs_set_flash_init_result(esp_err_t first_result)
{
    s_flash_init_first = first_result;
}

int fake_nvs_items_holding(const char *text)
{
    size_t n = strlen(text);
    int items = 0;
    for (int i = 0; i < s_nvs_count; i++) {
        bool found = false;
        for (size_t at = 0; !found && n > 0 && at + n <= s_nvs[i].length; at++) {
            found = memcmp(s_nvs[i].value + at, text, n) == 0;
        }
        items += found ? 1 : 0;
    }
    return items;
}

int fake_nvs_open_handles(void)
{
    int n = 0;
    for (size_t i = 0; i < sizeof(s_handles) / sizeof(s_handles[0]); i++) {
        n += s_handles[i].open ? 1 : 0;
    }
    return n;
}

static bool partition_initialised(const char *name)
{
    for (int i = 0; i < s_initialised_count; i++) {
        if (strcmp(s_initialised[i], name) == 0) {
            return true;
        }
    }
    return false;
}

esp_err_t nvs_flash_init(void)
{
    if (s_flash_init_calls++ == 0 && s_flash_init_first != ESP_OK) {
        return s_flash_init_first;
    }
    return nvs_flash_init_partition(NVS_DEFAULT_PART_NAME);
}

esp_err_t nvs_flash_init_partition(const char *partition_label)
{
    if (strlen(partition_label) > 16) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!partition_initialised(partition_label) && s_initialised_count < 8) {
        snprintf(s_initialised[s_initialised_count++], 17, "%s", partition_label);
    }
    return ESP_OK;
}

esp_err_t nvs_flash_deinit(void)
{
    return ESP_OK;
}

esp_err_t nvs_flash_erase(void)
{
    return ESP_OK;
}

esp_err_t nvs_flash_erase_partition(const char *part_name)
{
    (void)part_name;
    return ESP_OK;
}

esp_err_t nvs_open_from_partition(const char *part_name, const char *namespace_name, nvs_open_mode_t open_mode,
                                  nvs_handle_t *out_handle)
{
    if (!partition_initialised(part_name)) {
        return ESP_ERR_NVS_NOT_INITIALIZED;
    }
    if (strlen(namespace_name) > 15) {
        return ESP_ERR_NVS_INVALID_NAME;
    }
    bool exists = false;
    for (int i = 0; i < s_nvs_count; i++) {
        exists = exists || (strcmp(s_nvs[i].partition, part_name) == 0 && strcmp(s_nvs[i].ns, namespace_name) == 0);
    }
    if (!exists && open_mode == NVS_READONLY) {
        return ESP_ERR_NVS_NOT_FOUND; /* as ESP-IDF: a read-only open of a missing namespace fails */
    }
    for (uint32_t i = 0; i < sizeof(s_handles) / sizeof(s_handles[0]); i++) {
        if (!s_handles[i].open) {
            s_handles[i].open = true;
            snprintf(s_handles[i].partition, sizeof(s_handles[i].partition), "%s", part_name);
            snprintf(s_handles[i].ns, sizeof(s_handles[i].ns), "%s", namespace_name);
            *out_handle = i + 1;
            return ESP_OK;
        }
    }
    return ESP_ERR_NO_MEM;
}

esp_err_t nvs_open(const char *namespace_name, nvs_open_mode_t open_mode, nvs_handle_t *out_handle)
{
    return nvs_open_from_partition(NVS_DEFAULT_PART_NAME, namespace_name, open_mode, out_handle);
}

static nvs_open_t *handle_of(nvs_handle_t handle)
{
    if (handle == 0 || handle > sizeof(s_handles) / sizeof(s_handles[0]) || !s_handles[handle - 1].open) {
        return NULL;
    }
    return &s_handles[handle - 1];
}

static nvs_item_t *find(nvs_handle_t handle, const char *key)
{
    nvs_open_t *h = handle_of(handle);
    for (int i = 0; h != NULL && i < s_nvs_count; i++) {
        if (strcmp(s_nvs[i].partition, h->partition) == 0 && strcmp(s_nvs[i].ns, h->ns) == 0
            && strcmp(s_nvs[i].key, key) == 0) {
            return &s_nvs[i];
        }
    }
    return NULL;
}

/* ESP-IDF semantics: a NULL buffer asks for the size; a buffer too small is ESP_ERR_NVS_INVALID_LENGTH;
 * a key of another type is NOT_FOUND. */
static esp_err_t get_item(nvs_handle_t handle, const char *key, void *out, size_t *length, bool blob)
{
    if (handle_of(handle) == NULL) {
        return ESP_ERR_NVS_INVALID_HANDLE;
    }
    if (key == NULL || strlen(key) > 15) {
        return ESP_ERR_NVS_INVALID_NAME;
    }
    nvs_item_t *item = find(handle, key);
    if (item == NULL) {
        return ESP_ERR_NVS_NOT_FOUND;
    }
    if (item->is_blob != blob) {
        return ESP_ERR_NVS_NOT_FOUND; /* as ESP-IDF's Storage::findItem reports a key of another type */
    }
    if (out == NULL) {
        *length = item->length;
        return ESP_OK;
    }
    if (*length < item->length) {
        *length = item->length;
        return ESP_ERR_NVS_INVALID_LENGTH;
    }
    memcpy(out, item->value, item->length);
    *length = item->length;
    return ESP_OK;
}

esp_err_t nvs_get_str(nvs_handle_t handle, const char *key, char *out_value, size_t *length)
{
    return get_item(handle, key, out_value, length, false);
}

esp_err_t nvs_get_blob(nvs_handle_t handle, const char *key, void *out_value, size_t *length)
{
    return get_item(handle, key, out_value, length, true);
}

esp_err_t nvs_get_u32(nvs_handle_t handle, const char *key, uint32_t *out_value)
{
    (void)handle;
    (void)key;
    (void)out_value;
    return ESP_ERR_NVS_NOT_FOUND;
}

esp_err_t nvs_set_str(nvs_handle_t handle, const char *key, const char *value)
{
    (void)handle;
    (void)key;
    (void)value;
    return ESP_ERR_NVS_READ_ONLY;
}

esp_err_t nvs_set_blob(nvs_handle_t handle, const char *key, const void *value, size_t length)
{
    (void)handle;
    (void)key;
    (void)value;
    (void)length;
    return ESP_ERR_NVS_READ_ONLY;
}

esp_err_t nvs_commit(nvs_handle_t handle)
{
    (void)handle;
    return ESP_OK;
}

void nvs_close(nvs_handle_t handle)
{
    nvs_open_t *h = handle_of(handle);
    if (h != NULL) {
        h->open = false;
    }
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

esp_err_t esp_timer_delete(esp_timer_handle_t timer)
{
    timer->fake.active = false;
    return ESP_OK;
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

/* The fake Wi-Fi connects at once, so the wait returns the bits it was asked for. */
EventBits_t xEventGroupWaitBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToWaitFor,
                                const BaseType_t xClearOnExit, const BaseType_t xWaitForAllBits,
                                TickType_t xTicksToWait)
{
    (void)xClearOnExit;
    (void)xWaitForAllBits;
    (void)xTicksToWait;
    s_blocking_calls++;
    xEventGroup->bits |= uxBitsToWaitFor;
    return xEventGroup->bits;
}

/* ---- events, netif, Wi-Fi ---- */

typedef struct {
    esp_event_base_t base;
    int32_t id;
    esp_event_handler_t handler;
    void *arg;
} registration_t;

static registration_t s_registrations[8];
static int s_registration_count;

esp_err_t esp_event_loop_create_default(void)
{
    return ESP_OK;
}

esp_err_t esp_event_handler_register(esp_event_base_t event_base, int32_t event_id,
                                     esp_event_handler_t event_handler, void *event_handler_arg)
{
    for (int i = 0; i < s_registration_count; i++) {
        registration_t *r = &s_registrations[i];
        if (r->base == event_base && r->id == event_id && r->handler == event_handler) {
            r->arg = event_handler_arg; /* as ESP-IDF: registering a handler again only replaces its argument */
            return ESP_OK;
        }
    }
    if (s_registration_count >= 8) {
        return ESP_ERR_NO_MEM;
    }
    s_registrations[s_registration_count++] = (registration_t){event_base, event_id, event_handler, event_handler_arg};
    return ESP_OK;
}

esp_err_t esp_event_handler_unregister(esp_event_base_t event_base, int32_t event_id,
                                       esp_event_handler_t event_handler)
{
    (void)event_base;
    (void)event_id;
    (void)event_handler;
    return ESP_OK;
}

esp_err_t esp_event_post(esp_event_base_t event_base, int32_t event_id, const void *event_data,
                         size_t event_data_size, uint32_t ticks_to_wait)
{
    (void)event_data_size;
    (void)ticks_to_wait;
    for (int i = 0; i < s_registration_count; i++) {
        registration_t *r = &s_registrations[i];
        if (r->base == event_base && (r->id == ESP_EVENT_ANY_ID || r->id == event_id)) {
            r->handler(r->arg, event_base, event_id, (void *)event_data);
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
    static char netif;
    return (esp_netif_t *)&netif;
}

/* The Wi-Fi driver's state as ESP-IDF keeps it: initialised or not, where it stores its configuration. */
static bool s_wifi_initialised;
static bool s_wifi_nvs_enabled;
static wifi_storage_t s_wifi_storage;
static char s_wifi_calls[512];

static void wifi_call(const char *call)
{
    size_t used = strlen(s_wifi_calls);
    snprintf(s_wifi_calls + used, sizeof(s_wifi_calls) - used, "%s%s", used == 0 ? "" : ",", call);
}

const char *fake_wifi_calls(void)
{
    return s_wifi_calls;
}

esp_err_t esp_wifi_init(const wifi_init_config_t *config)
{
    wifi_call("init");
    if (config == NULL || config->magic != WIFI_INIT_CONFIG_MAGIC) {
        return ESP_ERR_INVALID_ARG;
    }
    s_wifi_initialised = true;
    s_wifi_nvs_enabled = config->nvs_enable != 0;
    s_wifi_storage = WIFI_STORAGE_FLASH; /* ESP-IDF's default */
    return ESP_OK;
}

esp_err_t esp_wifi_set_storage(wifi_storage_t storage)
{
    wifi_call(storage == WIFI_STORAGE_RAM ? "set_storage(RAM)" : "set_storage(FLASH)");
    if (!s_wifi_initialised) {
        return ESP_ERR_WIFI_NOT_INIT;
    }
    s_wifi_storage = storage;
    return ESP_OK;
}

esp_err_t esp_wifi_set_mode(wifi_mode_t mode)
{
    (void)mode;
    wifi_call("set_mode");
    return s_wifi_initialised ? ESP_OK : ESP_ERR_WIFI_NOT_INIT;
}

esp_err_t esp_wifi_set_config(wifi_interface_t interface, wifi_config_t *conf)
{
    wifi_call("set_config");
    if (!s_wifi_initialised) {
        return ESP_ERR_WIFI_NOT_INIT;
    }
    if (interface == WIFI_IF_STA && s_wifi_nvs_enabled && s_wifi_storage == WIFI_STORAGE_FLASH) {
        /* as the driver does with WIFI_STORAGE_FLASH: the station config, password included, in plain text in
         * its own namespace of the default NVS partition */
        nvs_put(NVS_DEFAULT_PART_NAME, "nvs.net80211", "sta.ssid", conf->sta.ssid, sizeof(conf->sta.ssid), true);
        nvs_put(NVS_DEFAULT_PART_NAME, "nvs.net80211", "sta.pswd", conf->sta.password, sizeof(conf->sta.password),
                true);
    }
    return ESP_OK;
}

esp_err_t esp_wifi_start(void)
{
    wifi_call("start");
    return s_wifi_initialised ? ESP_OK : ESP_ERR_WIFI_NOT_INIT;
}

esp_err_t esp_wifi_stop(void)
{
    return ESP_OK;
}

esp_err_t esp_wifi_connect(void)
{
    return ESP_OK;
}

esp_err_t esp_wifi_disconnect(void)
{
    return ESP_OK;
}

/* ---- MQTT ---- */

struct esp_mqtt_client {
    esp_mqtt_client_config_t config;
    esp_event_handler_t handler;
    void *handler_arg;
    bool started;
    int dispatching;          /* inside the event handler */
    bool waiting_to_reconnect; /* after a DISCONNECTED event has been handled, until a reconnect */
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
    memset(&s_client, 0, sizeof(s_client));
    s_client.config = *config;
    s_client_created = true;
    return &s_client;
}

esp_err_t esp_mqtt_client_register_event(esp_mqtt_client_handle_t client, esp_mqtt_event_id_t event,
                                         esp_event_handler_t event_handler, void *event_handler_arg)
{
    (void)event;
    client->handler = event_handler;
    client->handler_arg = event_handler_arg;
    return ESP_OK;
}

esp_err_t esp_mqtt_client_start(esp_mqtt_client_handle_t client)
{
    client->started = true;
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
    /* as esp-mqtt (and the host runtime): accepted only while the client waits to reconnect, which it starts
     * doing once its DISCONNECTED event has been handled */
    if (!client->waiting_to_reconnect || client->dispatching > 0) {
        return ESP_FAIL;
    }
    client->waiting_to_reconnect = false;
    return ESP_OK;
}

esp_err_t esp_mqtt_client_disconnect(esp_mqtt_client_handle_t client)
{
    (void)client;
    return ESP_OK;
}

esp_err_t esp_mqtt_client_stop(esp_mqtt_client_handle_t client)
{
    client->started = false;
    return ESP_OK;
}

esp_err_t esp_mqtt_client_destroy(esp_mqtt_client_handle_t client)
{
    (void)client;
    return ESP_OK;
}

int esp_mqtt_client_subscribe_single(esp_mqtt_client_handle_t client, const char *topic, int qos)
{
    (void)client;
    if (qos < 0 || qos > 1 || s_subscribe_count >= FAKE_MAX_RECORDS) {
        return -1;
    }
    snprintf(s_subscriptions[s_subscribe_count], sizeof(s_subscriptions[0]), "%s", topic);
    s_subscription_ids[s_subscribe_count] = s_next_msg_id++;
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
    (void)client;
    (void)topic;
    return s_next_msg_id++;
}

int esp_mqtt_client_publish(esp_mqtt_client_handle_t client, const char *topic, const char *data, int len,
                            int qos, int retain)
{
    (void)client;
    if (qos < 0 || qos > 1) {
        return -1; /* AWS IoT Core would close the connection on QoS 2 */
    }
    if (s_publishes == NULL) {
        s_publishes = calloc(FAKE_MAX_RECORDS, sizeof(fake_publish_t));
    }
    if (s_publish_count >= FAKE_MAX_RECORDS) {
        return -2; /* outbox full */
    }
    size_t length = len == 0 && data != NULL ? strlen(data) : (size_t)len;
    fake_publish_t *p = &s_publishes[s_publish_count++];
    snprintf(p->topic, sizeof(p->topic), "%s", topic);
    if (length >= sizeof(p->data)) {
        abort();
    }
    memcpy(p->data, data, length);
    p->data[length] = '\0';
    p->len = (int)length;
    p->qos = qos;
    p->retain = retain;
    return s_next_msg_id++;
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
    return s_client_created && s_client.started;
}

const esp_mqtt_client_config_t *fake_mqtt_config(void)
{
    return s_client_created ? &s_client.config : NULL;
}

void fake_mqtt_dispatch(esp_mqtt_event_t *event)
{
    event->client = &s_client;
    const char *previous = enter_context("mqtt");
    s_client.dispatching++;
    s_client.handler(s_client.handler_arg, "MQTT_EVENTS", event->event_id, event);
    s_client.dispatching--;
    s_context = previous;
    if (event->event_id == MQTT_EVENT_DISCONNECTED) {
        s_client.waiting_to_reconnect = true;
    } else if (event->event_id == MQTT_EVENT_CONNECTED) {
        s_client.waiting_to_reconnect = false;
    }
}

void fake_mqtt_set_waiting_to_reconnect(bool waiting)
{
    s_client.waiting_to_reconnect = waiting;
}

/* ---- reset ---- */

void fake_reset(void)
{
    s_log[0] = '\0';
    s_log_length = 0;
    memset(s_log_counts, 0, sizeof(s_log_counts));
    for (int i = 0; i < s_nvs_count; i++) {
        free(s_nvs[i].value);
    }
    s_nvs_count = 0;
    memset(s_handles, 0, sizeof(s_handles));
    s_flash_init_first = ESP_OK;
    s_flash_init_calls = 0;
    s_initialised_count = 0;
    fake_random_seed(1);
    s_publish_count = 0;
    s_subscribe_count = 0;
    s_reconnect_calls = 0;
    s_reconnect_result = ESP_OK;
    s_blocking_calls = 0;
    s_escape = NULL;
    s_wifi_initialised = false;
    s_wifi_calls[0] = '\0';
    s_context = "main";
    s_running_task = NULL;
    s_delay_hook = NULL;
    s_delays = 0;
    s_escape_at_delay = 1;
    s_client.waiting_to_reconnect = false;
    s_client.dispatching = 0;
    for (int i = 0; i < s_queue_count; i++) {
        s_queues[i].count = 0; /* the firmware keeps its queues; what was left in them is forgotten */
    }
    for (int i = 0; i < s_timer_count; i++) {
        s_timers[i].fake.on_started = NULL;
        s_timers[i].fake.context_count = 0;
    }
}
