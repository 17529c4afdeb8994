/* FreeRTOS tasks, notifications, queues, event groups and critical sections, and esp_timer, on pthreads. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "esp_log.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/event_groups.h"
#include "freertos/queue.h"
#include "freertos/task.h"

#include "runtime.h"

static const char *TAG = "host_rtos";

struct tskTaskControlBlock {
    pthread_t thread;
    TaskFunction_t code;
    void *arg;
    char name[16];
    pthread_mutex_t lock;
    pthread_cond_t notified;
    uint32_t notification;
};

static __thread struct tskTaskControlBlock *t_current;

/* One recursive mutex stands for every portMUX: on the host, mutual exclusion is all a critical section
 * has to give (interrupts do not exist). */
static pthread_mutex_t s_critical;
static pthread_once_t s_critical_once = PTHREAD_ONCE_INIT;

static void critical_init(void)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&s_critical, &attr);
    pthread_mutexattr_destroy(&attr);
}

void vPortEnterCritical(portMUX_TYPE *mux)
{
    (void)mux;
    pthread_once(&s_critical_once, critical_init);
    pthread_mutex_lock(&s_critical);
}

void vPortExitCritical(portMUX_TYPE *mux)
{
    (void)mux;
    pthread_mutex_unlock(&s_critical);
}

/* Absolute CLOCK_MONOTONIC deadline `ms` from now; condition variables below use that clock. */
static struct timespec deadline_after_ms(uint64_t ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += (time_t)(ms / 1000u);
    t.tv_nsec += (long)(ms % 1000u) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

static void monotonic_cond_init(pthread_cond_t *cond)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(cond, &attr);
    pthread_condattr_destroy(&attr);
}

static struct tskTaskControlBlock *new_task(const char *name)
{
    struct tskTaskControlBlock *task = calloc(1, sizeof(*task));
    if (task != NULL) {
        strncpy(task->name, name, sizeof(task->name) - 1);
        pthread_mutex_init(&task->lock, NULL);
        monotonic_cond_init(&task->notified);
    }
    return task;
}

void runtime_tasks_adopt_main_thread(void)
{
    t_current = new_task("main");
    if (t_current == NULL) {
        abort();
    }
    t_current->thread = pthread_self();
}

static void *task_entry(void *arg)
{
    struct tskTaskControlBlock *task = arg;
    t_current = task;
    task->code(task->arg);
    return NULL; /* a FreeRTOS task must not return; one that does simply ends here */
}

BaseType_t xTaskCreate(TaskFunction_t pxTaskCode, const char *const pcName, const uint32_t usStackDepth,
                       void *const pvParameters, UBaseType_t uxPriority, TaskHandle_t *const pxCreatedTask)
{
    (void)usStackDepth; /* pthread's default stack is far larger than any FreeRTOS stack */
    (void)uxPriority;
    struct tskTaskControlBlock *task = new_task(pcName != NULL ? pcName : "task");
    if (task == NULL) {
        return pdFAIL;
    }
    task->code = pxTaskCode;
    task->arg = pvParameters;
    if (pthread_create(&task->thread, NULL, task_entry, task) != 0) {
        free(task);
        return pdFAIL;
    }
    pthread_detach(task->thread);
    if (pxCreatedTask != NULL) {
        *pxCreatedTask = task;
    }
    return pdPASS;
}

void vTaskDelete(TaskHandle_t xTaskToDelete)
{
    if (xTaskToDelete == NULL || xTaskToDelete == t_current) {
        pthread_exit(NULL);
    }
    ESP_LOGW(TAG, "vTaskDelete of another task is not supported on the host; ignored");
}

void vTaskDelay(const TickType_t xTicksToDelay)
{
    uint64_t ms = (uint64_t)xTicksToDelay * portTICK_PERIOD_MS;
    struct timespec t = { .tv_sec = (time_t)(ms / 1000u), .tv_nsec = (long)(ms % 1000u) * 1000000L };
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

TickType_t xTaskGetTickCount(void)
{
    return (TickType_t)(esp_timer_get_time() / 1000 / portTICK_PERIOD_MS);
}

BaseType_t xTaskGenericNotify(TaskHandle_t xTaskToNotify, UBaseType_t uxIndexToNotify, uint32_t ulValue,
                              eNotifyAction eAction, uint32_t *pulPreviousNotificationValue)
{
    (void)uxIndexToNotify;
    struct tskTaskControlBlock *task = xTaskToNotify;
    pthread_mutex_lock(&task->lock);
    if (pulPreviousNotificationValue != NULL) {
        *pulPreviousNotificationValue = task->notification;
    }
    switch (eAction) {
    case eSetBits:
        task->notification |= ulValue;
        break;
    case eIncrement:
        task->notification++;
        break;
    case eSetValueWithOverwrite:
    case eSetValueWithoutOverwrite:
        task->notification = ulValue;
        break;
    case eNoAction:
    default:
        break;
    }
    pthread_cond_signal(&task->notified);
    pthread_mutex_unlock(&task->lock);
    return pdPASS;
}

uint32_t ulTaskGenericNotifyTake(UBaseType_t uxIndexToWaitOn, BaseType_t xClearCountOnExit,
                                 TickType_t xTicksToWait)
{
    (void)uxIndexToWaitOn;
    struct tskTaskControlBlock *task = t_current;
    if (task == NULL) {
        abort(); /* only tasks can wait for notifications */
    }
    struct timespec deadline = deadline_after_ms((uint64_t)xTicksToWait * portTICK_PERIOD_MS);
    pthread_mutex_lock(&task->lock);
    while (task->notification == 0) {
        if (xTicksToWait == portMAX_DELAY) {
            pthread_cond_wait(&task->notified, &task->lock);
        } else if (pthread_cond_timedwait(&task->notified, &task->lock, &deadline) == ETIMEDOUT) {
            break;
        }
    }
    uint32_t value = task->notification;
    if (value != 0) {
        task->notification = xClearCountOnExit ? 0 : value - 1;
    }
    pthread_mutex_unlock(&task->lock);
    return value;
}

struct EventGroupDef_t {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    EventBits_t bits;
};

EventGroupHandle_t xEventGroupCreate(void)
{
    struct EventGroupDef_t *group = calloc(1, sizeof(*group));
    if (group != NULL) {
        pthread_mutex_init(&group->lock, NULL);
        monotonic_cond_init(&group->changed);
    }
    return group;
}

EventBits_t xEventGroupSetBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToSet)
{
    pthread_mutex_lock(&xEventGroup->lock);
    xEventGroup->bits |= uxBitsToSet;
    EventBits_t bits = xEventGroup->bits;
    pthread_cond_broadcast(&xEventGroup->changed);
    pthread_mutex_unlock(&xEventGroup->lock);
    return bits;
}

EventBits_t xEventGroupClearBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToClear)
{
    pthread_mutex_lock(&xEventGroup->lock);
    EventBits_t before = xEventGroup->bits;
    xEventGroup->bits &= ~uxBitsToClear;
    pthread_mutex_unlock(&xEventGroup->lock);
    return before;
}

EventBits_t xEventGroupWaitBits(EventGroupHandle_t xEventGroup, const EventBits_t uxBitsToWaitFor,
                                const BaseType_t xClearOnExit, const BaseType_t xWaitForAllBits,
                                TickType_t xTicksToWait)
{
    struct timespec deadline = deadline_after_ms((uint64_t)xTicksToWait * portTICK_PERIOD_MS);
    pthread_mutex_lock(&xEventGroup->lock);
    for (;;) {
        EventBits_t hit = xEventGroup->bits & uxBitsToWaitFor;
        if (xWaitForAllBits ? hit == uxBitsToWaitFor : hit != 0) {
            break;
        }
        if (xTicksToWait == portMAX_DELAY) {
            pthread_cond_wait(&xEventGroup->changed, &xEventGroup->lock);
        } else if (pthread_cond_timedwait(&xEventGroup->changed, &xEventGroup->lock, &deadline) == ETIMEDOUT) {
            break;
        }
    }
    EventBits_t bits = xEventGroup->bits;
    EventBits_t hit = bits & uxBitsToWaitFor;
    if (xClearOnExit && (xWaitForAllBits ? hit == uxBitsToWaitFor : hit != 0)) {
        xEventGroup->bits &= ~uxBitsToWaitFor;
    }
    pthread_mutex_unlock(&xEventGroup->lock);
    return bits;
}

/* Queues: a ring of fixed-size items under a mutex, with a condition variable each way. */
struct QueueDefinition {
    pthread_mutex_t lock;
    pthread_cond_t not_empty;
    pthread_cond_t not_full;
    UBaseType_t length;
    UBaseType_t item_size;
    UBaseType_t count;
    UBaseType_t head;
    unsigned char *items;
};

QueueHandle_t xQueueGenericCreate(const UBaseType_t uxQueueLength, const UBaseType_t uxItemSize,
                                  const uint8_t ucQueueType)
{
    (void)ucQueueType;
    if (uxQueueLength == 0 || uxItemSize == 0) {
        return NULL;
    }
    struct QueueDefinition *queue = calloc(1, sizeof(*queue));
    if (queue == NULL) {
        return NULL;
    }
    queue->items = calloc(uxQueueLength, uxItemSize);
    if (queue->items == NULL) {
        free(queue);
        return NULL;
    }
    queue->length = uxQueueLength;
    queue->item_size = uxItemSize;
    pthread_mutex_init(&queue->lock, NULL);
    monotonic_cond_init(&queue->not_empty);
    monotonic_cond_init(&queue->not_full);
    return queue;
}

/* Waits on `cond` until `ready` or the ticks run out; false on timeout. Called with the lock held. */
static bool queue_wait(QueueHandle_t queue, pthread_cond_t *cond, bool (*ready)(QueueHandle_t), TickType_t ticks)
{
    struct timespec deadline = deadline_after_ms((uint64_t)ticks * portTICK_PERIOD_MS);
    while (!ready(queue)) {
        if (ticks == 0) {
            return false;
        }
        if (ticks == portMAX_DELAY) {
            pthread_cond_wait(cond, &queue->lock);
        } else if (pthread_cond_timedwait(cond, &queue->lock, &deadline) == ETIMEDOUT) {
            return ready(queue);
        }
    }
    return true;
}

static bool has_room(QueueHandle_t queue)
{
    return queue->count < queue->length;
}

static bool has_item(QueueHandle_t queue)
{
    return queue->count > 0;
}

BaseType_t xQueueGenericSend(QueueHandle_t xQueue, const void *const pvItemToQueue, TickType_t xTicksToWait,
                             const BaseType_t xCopyPosition)
{
    (void)xCopyPosition; /* queueSEND_TO_BACK only */
    pthread_mutex_lock(&xQueue->lock);
    BaseType_t sent = errQUEUE_FULL;
    if (queue_wait(xQueue, &xQueue->not_full, has_room, xTicksToWait)) {
        UBaseType_t slot = (xQueue->head + xQueue->count) % xQueue->length;
        memcpy(xQueue->items + (size_t)slot * xQueue->item_size, pvItemToQueue, xQueue->item_size);
        xQueue->count++;
        pthread_cond_signal(&xQueue->not_empty);
        sent = pdTRUE;
    }
    pthread_mutex_unlock(&xQueue->lock);
    return sent;
}

BaseType_t xQueueReceive(QueueHandle_t xQueue, void *const pvBuffer, TickType_t xTicksToWait)
{
    pthread_mutex_lock(&xQueue->lock);
    BaseType_t received = pdFALSE;
    if (queue_wait(xQueue, &xQueue->not_empty, has_item, xTicksToWait)) {
        memcpy(pvBuffer, xQueue->items + (size_t)xQueue->head * xQueue->item_size, xQueue->item_size);
        xQueue->head = (xQueue->head + 1) % xQueue->length;
        xQueue->count--;
        pthread_cond_signal(&xQueue->not_full);
        received = pdTRUE;
    }
    pthread_mutex_unlock(&xQueue->lock);
    return received;
}

UBaseType_t uxQueueMessagesWaiting(const QueueHandle_t xQueue)
{
    pthread_mutex_lock(&xQueue->lock);
    UBaseType_t count = xQueue->count;
    pthread_mutex_unlock(&xQueue->lock);
    return count;
}

/*
 * esp_timer: each timer has its own thread that sleeps until the timer's deadline, then runs the callback
 * (ESP-IDF runs callbacks in one esp_timer task; the firmware's callbacks only post to a queue, so the
 * difference does not show).
 */
struct esp_timer {
    esp_timer_cb_t callback;
    void *arg;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    bool active;
    bool periodic;
    bool deleted;
    uint64_t period_us;
    int64_t due_us;
};

static int64_t monotonic_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* The process's start stands for the chip's boot. */
static int64_t s_boot_us;

__attribute__((constructor)) static void note_boot_time(void)
{
    s_boot_us = monotonic_us();
}

/* Microseconds since boot, as ESP-IDF's (the log's timestamps and uptime in the console report count from it). */
int64_t esp_timer_get_time(void)
{
    return monotonic_us() - s_boot_us;
}

static void *timer_thread(void *arg)
{
    struct esp_timer *timer = arg;
    pthread_mutex_lock(&timer->lock);
    while (!timer->deleted) {
        if (!timer->active) {
            pthread_cond_wait(&timer->changed, &timer->lock);
            continue;
        }
        int64_t now = esp_timer_get_time();
        if (now < timer->due_us) {
            struct timespec deadline = deadline_after_ms(0);
            int64_t wait_us = timer->due_us - now;
            deadline.tv_sec += (time_t)(wait_us / 1000000);
            deadline.tv_nsec += (long)(wait_us % 1000000) * 1000L;
            if (deadline.tv_nsec >= 1000000000L) {
                deadline.tv_sec++;
                deadline.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&timer->changed, &timer->lock, &deadline);
            continue;
        }
        if (timer->periodic) {
            timer->due_us += (int64_t)timer->period_us;
        } else {
            timer->active = false;
        }
        pthread_mutex_unlock(&timer->lock);
        timer->callback(timer->arg);
        pthread_mutex_lock(&timer->lock);
    }
    pthread_mutex_unlock(&timer->lock);
    free(timer);
    return NULL;
}

esp_err_t esp_timer_create(const esp_timer_create_args_t *create_args, esp_timer_handle_t *out_handle)
{
    if (create_args == NULL || create_args->callback == NULL || out_handle == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    struct esp_timer *timer = calloc(1, sizeof(*timer));
    if (timer == NULL) {
        return ESP_ERR_NO_MEM;
    }
    timer->callback = create_args->callback;
    timer->arg = create_args->arg;
    pthread_mutex_init(&timer->lock, NULL);
    monotonic_cond_init(&timer->changed);
    if (pthread_create(&timer->thread, NULL, timer_thread, timer) != 0) {
        free(timer);
        return ESP_ERR_NO_MEM;
    }
    pthread_detach(timer->thread);
    *out_handle = timer;
    return ESP_OK;
}

static esp_err_t timer_start(esp_timer_handle_t timer, uint64_t timeout_us, bool periodic)
{
    if (timer == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&timer->lock);
    esp_err_t err = ESP_OK;
    if (timer->active) {
        err = ESP_ERR_INVALID_STATE; /* as ESP-IDF: stop a running timer before starting it again */
    } else {
        timer->active = true;
        timer->periodic = periodic;
        timer->period_us = timeout_us;
        timer->due_us = esp_timer_get_time() + (int64_t)timeout_us;
        pthread_cond_signal(&timer->changed);
    }
    pthread_mutex_unlock(&timer->lock);
    return err;
}

esp_err_t esp_timer_start_once(esp_timer_handle_t timer, uint64_t timeout_us)
{
    return timer_start(timer, timeout_us, false);
}

esp_err_t esp_timer_start_periodic(esp_timer_handle_t timer, uint64_t period)
{
    return timer_start(timer, period, true);
}

esp_err_t esp_timer_stop(esp_timer_handle_t timer)
{
    if (timer == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&timer->lock);
    esp_err_t err = timer->active ? ESP_OK : ESP_ERR_INVALID_STATE;
    timer->active = false;
    pthread_cond_signal(&timer->changed);
    pthread_mutex_unlock(&timer->lock);
    return err;
}

esp_err_t esp_timer_delete(esp_timer_handle_t timer)
{
    if (timer == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&timer->lock);
    if (timer->active) {
        pthread_mutex_unlock(&timer->lock);
        return ESP_ERR_INVALID_STATE;
    }
    timer->deleted = true; /* the timer's thread frees it */
    pthread_cond_signal(&timer->changed);
    pthread_mutex_unlock(&timer->lock);
    return ESP_OK;
}

bool esp_timer_is_active(esp_timer_handle_t timer)
{
    pthread_mutex_lock(&timer->lock);
    bool active = timer->active;
    pthread_mutex_unlock(&timer->lock);
    return active;
}
