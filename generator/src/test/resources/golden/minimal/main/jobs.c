#include "jobs.h"

#include "espfleet_config.h"

#if ESPFLEET_JOBS_ENABLED

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_log.h"
#include "esp_random.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/task.h"

#include "fleet_provisioning.h"
#include "ota_job.h"
#include "rotate_job.h"

static const char *TAG = "jobs";

/* $aws/things/<thing>/jobs/<jobId>/update/rejected: thing at most 128, job id at most 64 */
#define JOBS_TOPIC_MAX 256
#define JOBS_PREFIX_MAX 160 /* "$aws/things/" + 128 + "/jobs/" and the NUL */
#define JOBS_SUBSCRIPTIONS (5 + 4 * ESPFLEET_JOBS_ROTATION)
/* rotate-certificate asks CreateCertificateFromCsr, then RegisterThing, on this connection; their answers come here */
#define JOBS_CREATE_FROM_CSR "$aws/certificates/create-from-csr/json"
#if ESPFLEET_JOBS_ROTATION
#define JOBS_REGISTER_THING FLEET_PROVISIONING_TOPIC(ESPFLEET_JOBS_ROTATION_TEMPLATE)
#endif
/* An update's answer travels back within the network timeout each way (as the shadow get's does). */
#define JOBS_ANSWER_TIMEOUT_MS (2u * (uint32_t)ESPFLEET_MQTT_NETWORK_TIMEOUT_MS)
/* Messages wait here while the jobs task downloads; a notify-next more or less is not lost for good (start-next
 * asks again after each job). */
#define JOBS_QUEUE_LENGTH 8

typedef enum {
    JOBS_MSG_SUBSCRIBED,         /* every jobs subscription of this connection was granted: ask for the next job */
    JOBS_MSG_NOTIFY_NEXT,        /* payload: notify-next */
    JOBS_MSG_START_NEXT_ACCEPTED, /* payload: start-next/accepted */
    JOBS_MSG_START_NEXT_REJECTED, /* payload: start-next/rejected */
    JOBS_MSG_UPDATE_ACCEPTED,    /* job_id; payload: <jobId>/update/accepted */
    JOBS_MSG_UPDATE_REJECTED,    /* job_id; payload: <jobId>/update/rejected */
    JOBS_MSG_SHADOW_SYNCED,      /* the device's own shadow get was answered */
    JOBS_MSG_SELF_TEST_DEADLINE, /* a new app's self-test ran out of time */
    JOBS_MSG_CERTIFICATE_ACCEPTED, /* payload: create-from-csr/json/accepted */
    JOBS_MSG_CERTIFICATE_REJECTED, /* payload: create-from-csr/json/rejected */
    JOBS_MSG_REGISTER_ACCEPTED,  /* payload: provisioning-templates/<rotation template>/provision/json/accepted */
    JOBS_MSG_REGISTER_REJECTED,  /* payload: .../provision/json/rejected */
} jobs_message_kind_t;

typedef struct {
    jobs_message_kind_t kind;
    char job_id[JOBS_ID_MAX];
    char *payload; /* heap, NUL-terminated; the jobs task frees it */
} jobs_message_t;

static esp_mqtt_client_handle_t s_client;
static const device_identity_t *s_identity;
static QueueHandle_t s_queue;
static char s_prefix[JOBS_PREFIX_MAX];      /* $aws/things/<thing>/jobs/ */
static size_t s_prefix_length;
/* MQTT task only: */
static int s_pending_subscriptions[JOBS_SUBSCRIPTIONS];
/* Jobs task only: */
static uint32_t s_token_nonce;
static uint32_t s_token_sequence;

static void post(jobs_message_kind_t kind, const char *job_id, const char *data, size_t length)
{
    jobs_message_t message = {.kind = kind};
    if (job_id != NULL) {
        snprintf(message.job_id, sizeof(message.job_id), "%s", job_id);
    }
    if (data != NULL) {
        message.payload = malloc(length + 1);
        if (message.payload == NULL) {
            ESP_LOGE(TAG, "no memory for a jobs message of %u bytes", (unsigned)length);
            return;
        }
        memcpy(message.payload, data, length);
        message.payload[length] = '\0';
    }
    if (xQueueSend(s_queue, &message, 0) != pdTRUE) {
        ESP_LOGW(TAG, "jobs queue full: message %d dropped", (int)message.kind);
        free(message.payload);
    }
}

static void self_test_deadline(void *arg)
{
    (void)arg;
    post(JOBS_MSG_SELF_TEST_DEADLINE, NULL, NULL, 0);
}

static void topic(char out[JOBS_TOPIC_MAX], const char *suffix)
{
    snprintf(out, JOBS_TOPIC_MAX, "%s%s", s_prefix, suffix);
}

static void next_token(char out[32])
{
    snprintf(out, 32, "%08" PRIx32 "-jobs-%" PRIu32, s_token_nonce, ++s_token_sequence);
}

/* Jobs task: StartNextPendingJobExecution; the answer comes on start-next/accepted or /rejected. */
static void request_start_next(void)
{
    char token[32];
    next_token(token);
    char payload[128];
    snprintf(payload, sizeof(payload), "{\"clientToken\":\"%s\",\"stepTimeoutInMinutes\":%d}", token,
             ESPFLEET_JOBS_STEP_TIMEOUT_MINUTES);
    char start_next[JOBS_TOPIC_MAX];
    topic(start_next, "start-next");
    if (esp_mqtt_client_publish(s_client, start_next, payload, 0, 1, 0) < 0) {
        ESP_LOGW(TAG, "could not ask for the next job");
    }
}

const char *jobs_status_detail(const jobs_execution_t *execution, const char *key)
{
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(execution->status_details, key);
    return cJSON_IsString(value) ? value->valuestring : NULL;
}

/* Jobs task: a message that came while the task waited for something else and must not be lost. */
static void handle_aside(const jobs_message_t *message)
{
    if (message->kind == JOBS_MSG_SHADOW_SYNCED) {
        ota_self_test_shadow_synced();
    } else if (message->kind == JOBS_MSG_SELF_TEST_DEADLINE) {
        ota_self_test_deadline_passed();
    }
}

/* Jobs task: waits for a message of `kind` or `other_kind` (and `job_id`, when given); the message is the caller's
 * to free. */
static bool await_answer(jobs_message_kind_t kind, jobs_message_kind_t other_kind, const char *job_id,
                         uint32_t timeout_ms, jobs_message_t *answer)
{
    TickType_t deadline = xTaskGetTickCount() + pdMS_TO_TICKS(timeout_ms);
    for (;;) {
        TickType_t now = xTaskGetTickCount();
        if ((int32_t)(deadline - now) <= 0) {
            return false;
        }
        jobs_message_t message;
        if (xQueueReceive(s_queue, &message, deadline - now) != pdTRUE) {
            return false;
        }
        if ((message.kind == kind || message.kind == other_kind)
            && (job_id == NULL || strcmp(message.job_id, job_id) == 0)) {
            *answer = message;
            return true;
        }
        handle_aside(&message);
        free(message.payload);
    }
}

static bool await_update_answer(const char *job_id, jobs_message_t *answer)
{
    return await_answer(JOBS_MSG_UPDATE_ACCEPTED, JOBS_MSG_UPDATE_REJECTED, job_id, JOBS_ANSWER_TIMEOUT_MS, answer);
}

bool jobs_await_certificate_answer(bool register_thing, uint32_t timeout_ms, bool *accepted, char **payload)
{
    jobs_message_kind_t yes = register_thing ? JOBS_MSG_REGISTER_ACCEPTED : JOBS_MSG_CERTIFICATE_ACCEPTED;
    jobs_message_kind_t no = register_thing ? JOBS_MSG_REGISTER_REJECTED : JOBS_MSG_CERTIFICATE_REJECTED;
    jobs_message_t answer;
    if (!await_answer(yes, no, NULL, timeout_ms, &answer)) {
        return false;
    }
    *accepted = answer.kind == yes;
    *payload = answer.payload;
    return answer.payload != NULL;
}

esp_mqtt_client_handle_t jobs_client(void)
{
    return s_client;
}

const char *jobs_thing_name(void)
{
    return s_identity->thing_name;
}

bool jobs_update(jobs_execution_t *execution, const char *status, const cJSON *details)
{
    char update[JOBS_TOPIC_MAX];
    char suffix[JOBS_ID_MAX + 16];
    snprintf(suffix, sizeof(suffix), "%s/update", execution->job_id);
    topic(update, suffix);
    for (int attempt = 1; attempt <= 2; attempt++) {
        cJSON *request = cJSON_CreateObject();
        char token[32];
        next_token(token);
        bool built = request != NULL && cJSON_AddStringToObject(request, "status", status) != NULL
                     && cJSON_AddNumberToObject(request, "expectedVersion", (double)execution->version) != NULL
                     && cJSON_AddStringToObject(request, "clientToken", token) != NULL;
        if (built && details != NULL) {
            cJSON *copy = cJSON_Duplicate(details, true);
            built = copy != NULL && cJSON_AddItemToObject(request, "statusDetails", copy);
        }
        if (built && strcmp(status, "IN_PROGRESS") == 0) {
            built = cJSON_AddNumberToObject(request, "stepTimeoutInMinutes", ESPFLEET_JOBS_STEP_TIMEOUT_MINUTES) != NULL;
        }
        char *payload = built ? cJSON_PrintUnformatted(request) : NULL;
        cJSON_Delete(request);
        if (payload == NULL) {
            ESP_LOGE(TAG, "no memory for an update of job %s", execution->job_id);
            return false;
        }
        int id = esp_mqtt_client_publish(s_client, update, payload, 0, 1, 0);
        cJSON_free(payload);
        if (id < 0) {
            ESP_LOGW(TAG, "could not publish the update of job %s", execution->job_id);
            return false;
        }
        jobs_message_t answer;
        if (!await_update_answer(execution->job_id, &answer)) {
            ESP_LOGW(TAG, "no answer to the %s update of job %s within %" PRIu32 " ms", status, execution->job_id,
                     (uint32_t)JOBS_ANSWER_TIMEOUT_MS);
            return false;
        }
        bool accepted = answer.kind == JOBS_MSG_UPDATE_ACCEPTED;
        cJSON *body = answer.payload != NULL ? cJSON_Parse(answer.payload) : NULL;
        free(answer.payload);
        if (accepted) {
            execution->version++;
            if (details != NULL) {
                cJSON_Delete(execution->status_details);
                execution->status_details = cJSON_Duplicate(details, true);
            }
            ESP_LOGI(TAG, "job %s: %s", execution->job_id, status);
            cJSON_Delete(body);
            return true;
        }
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(body, "code");
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(body, "executionState");
        const cJSON *version = cJSON_GetObjectItemCaseSensitive(state, "versionNumber");
        const cJSON *current = cJSON_GetObjectItemCaseSensitive(state, "status");
        bool mismatch = cJSON_IsString(code) && strcmp(code->valuestring, "VersionMismatch") == 0
                        && cJSON_IsNumber(version) && cJSON_IsString(current)
                        && strcmp(current->valuestring, "IN_PROGRESS") == 0;
        ESP_LOGW(TAG, "the %s update of job %s was rejected: %s", status, execution->job_id,
                 cJSON_IsString(code) ? code->valuestring : "no code");
        if (mismatch && attempt == 1) {
            execution->version = (long)version->valuedouble; /* the service's version: try once more */
            cJSON_Delete(body);
            continue;
        }
        cJSON_Delete(body);
        return false;
    }
    return false;
}

static void free_execution(jobs_execution_t *execution)
{
    cJSON_Delete(execution->document);
    cJSON_Delete(execution->status_details);
    execution->document = NULL;
    execution->status_details = NULL;
}

/* Jobs task: an execution from start-next (or notify-next's), or false when there is none or it is malformed. */
static bool read_execution(const cJSON *root, jobs_execution_t *execution)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "execution");
    const cJSON *job_id = cJSON_GetObjectItemCaseSensitive(item, "jobId");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(item, "versionNumber");
    const cJSON *document = cJSON_GetObjectItemCaseSensitive(item, "jobDocument");
    if (!cJSON_IsObject(item)) {
        return false;
    }
    if (!cJSON_IsString(job_id) || strlen(job_id->valuestring) >= JOBS_ID_MAX || !cJSON_IsNumber(version)) {
        ESP_LOGW(TAG, "a job execution without a usable jobId or versionNumber ignored");
        return false;
    }
    memset(execution, 0, sizeof(*execution));
    snprintf(execution->job_id, sizeof(execution->job_id), "%s", job_id->valuestring);
    execution->version = (long)version->valuedouble;
    execution->document = cJSON_IsObject(document) ? cJSON_Duplicate(document, true) : cJSON_CreateObject();
    const cJSON *details = cJSON_GetObjectItemCaseSensitive(item, "statusDetails");
    execution->status_details = cJSON_IsObject(details) ? cJSON_Duplicate(details, true) : NULL;
    return execution->document != NULL;
}

/* Jobs task: reports REJECTED with `reason`. */
static void reject(jobs_execution_t *execution, const char *reason)
{
    ESP_LOGW(TAG, "job %s rejected: %s", execution->job_id, reason);
    cJSON *details = cJSON_CreateObject();
    if (details != NULL && cJSON_AddStringToObject(details, "reason", reason) != NULL) {
        jobs_update(execution, "REJECTED", details);
    }
    cJSON_Delete(details);
}

/* Jobs task: a new app proves itself before it takes on any job (the job may be its own update). */
static void await_self_test(void)
{
    while (ota_self_test_pending()) {
        jobs_message_t message;
        if (xQueueReceive(s_queue, &message, portMAX_DELAY) == pdTRUE) {
            handle_aside(&message);
            free(message.payload);
        }
    }
}

static void run_execution(jobs_execution_t *execution)
{
    await_self_test();
    const cJSON *operation = cJSON_GetObjectItemCaseSensitive(execution->document, "operation");
    ESP_LOGI(TAG, "job %s (version %ld): %s", execution->job_id, execution->version,
             cJSON_IsString(operation) ? operation->valuestring : "no operation");
    if (!cJSON_IsString(operation)) {
        reject(execution, "the job document has no \"operation\"");
    } else if (strcmp(operation->valuestring, "ota") == 0) {
        ota_job_run(execution, s_identity->server_ca);
#if ESPFLEET_JOBS_ROTATION
    } else if (strcmp(operation->valuestring, "rotate-certificate") == 0) {
        rotate_job_run(execution);
#endif
    } else {
        char reason[160];
        snprintf(reason, sizeof(reason), "operation '%.64s' is not one this firmware runs (%s)",
                 operation->valuestring, ESPFLEET_JOBS_ROTATION ? "ota, rotate-certificate" : "ota");
        reject(execution, reason);
    }
}

static void jobs_task(void *arg)
{
    (void)arg;
    for (;;) {
        jobs_message_t message;
        if (xQueueReceive(s_queue, &message, portMAX_DELAY) != pdTRUE) {
            continue;
        }
        cJSON *root = message.payload != NULL ? cJSON_Parse(message.payload) : NULL;
        jobs_execution_t execution;
        switch (message.kind) {
        case JOBS_MSG_SUBSCRIBED:
            request_start_next();
            break;
        case JOBS_MSG_NOTIFY_NEXT:
            if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "execution"))) {
                request_start_next(); /* start-next moves it to IN_PROGRESS and gives the version */
            }
            break;
        case JOBS_MSG_START_NEXT_ACCEPTED:
            if (read_execution(root, &execution)) {
                run_execution(&execution);
                free_execution(&execution);
            } else {
                ESP_LOGI(TAG, "no job pending");
            }
            break;
        case JOBS_MSG_START_NEXT_REJECTED:
            ESP_LOGW(TAG, "start-next rejected: %s", message.payload != NULL ? message.payload : "");
            break;
        default:
            handle_aside(&message);
            break;
        }
        cJSON_Delete(root);
        free(message.payload);
    }
}

esp_err_t jobs_init(esp_mqtt_client_handle_t client, const device_identity_t *identity)
{
    s_client = client;
    s_identity = identity;
    int n = snprintf(s_prefix, sizeof(s_prefix), "$aws/things/%s/jobs/", identity->thing_name);
    if (n <= 0 || (size_t)n >= sizeof(s_prefix)) {
        return ESP_ERR_INVALID_ARG;
    }
    s_prefix_length = (size_t)n;
    s_token_nonce = esp_random();
    s_queue = xQueueCreate(JOBS_QUEUE_LENGTH, sizeof(jobs_message_t));
    if (s_queue == NULL || xTaskCreate(jobs_task, "jobs", 8192, NULL, 4, NULL) != pdPASS) {
        return ESP_ERR_NO_MEM;
    }
    ota_self_test_begin(self_test_deadline);
    return ESP_OK;
}

void jobs_on_connected(void)
{
    rotate_on_connected();
    static const char *const suffixes[JOBS_SUBSCRIPTIONS] = {
        "notify-next", "start-next/accepted", "start-next/rejected", "+/update/accepted", "+/update/rejected",
#if ESPFLEET_JOBS_ROTATION
        JOBS_CREATE_FROM_CSR "/accepted", JOBS_CREATE_FROM_CSR "/rejected", /* whole topics, not under the prefix */
        JOBS_REGISTER_THING "/accepted", JOBS_REGISTER_THING "/rejected",
#endif
    };
    for (int i = 0; i < JOBS_SUBSCRIPTIONS; i++) {
        char filter[JOBS_TOPIC_MAX];
        if (suffixes[i][0] == '$') {
            snprintf(filter, sizeof(filter), "%s", suffixes[i]);
        } else {
            topic(filter, suffixes[i]);
        }
        s_pending_subscriptions[i] = esp_mqtt_client_subscribe(s_client, filter, 1);
        if (s_pending_subscriptions[i] < 0) {
            ESP_LOGE(TAG, "subscribe to %s failed", filter);
        }
    }
}

void jobs_on_subscribed(int msg_id, bool granted)
{
    bool ours = false;
    bool pending = false;
    for (int i = 0; i < JOBS_SUBSCRIPTIONS; i++) {
        if (msg_id > 0 && s_pending_subscriptions[i] == msg_id) {
            s_pending_subscriptions[i] = granted ? 0 : -1;
            ours = true;
        }
        pending = pending || s_pending_subscriptions[i] > 0;
    }
    if (!ours) {
        return;
    }
    if (!granted) {
        ESP_LOGE(TAG, "a jobs subscription was refused: check the IoT policy allows this thing's jobs topics");
    }
    if (!pending) {
        post(JOBS_MSG_SUBSCRIBED, NULL, NULL, 0);
    }
}

bool jobs_handle_message(const char *message_topic, const char *data, size_t length)
{
#if ESPFLEET_JOBS_ROTATION
    if (strcmp(message_topic, JOBS_CREATE_FROM_CSR "/accepted") == 0
        || strcmp(message_topic, JOBS_CREATE_FROM_CSR "/rejected") == 0) {
        post(message_topic[sizeof(JOBS_CREATE_FROM_CSR)] == 'a' ? JOBS_MSG_CERTIFICATE_ACCEPTED
                                                                 : JOBS_MSG_CERTIFICATE_REJECTED, NULL, data, length);
        return true;
    }
    if (strcmp(message_topic, JOBS_REGISTER_THING "/accepted") == 0
        || strcmp(message_topic, JOBS_REGISTER_THING "/rejected") == 0) {
        post(message_topic[sizeof(JOBS_REGISTER_THING)] == 'a' ? JOBS_MSG_REGISTER_ACCEPTED
                                                                : JOBS_MSG_REGISTER_REJECTED, NULL, data, length);
        return true;
    }
#endif
    if (strncmp(message_topic, s_prefix, s_prefix_length) != 0) {
        return false;
    }
    const char *rest = message_topic + s_prefix_length;
    if (strcmp(rest, "notify-next") == 0) {
        post(JOBS_MSG_NOTIFY_NEXT, NULL, data, length);
    } else if (strcmp(rest, "start-next/accepted") == 0) {
        post(JOBS_MSG_START_NEXT_ACCEPTED, NULL, data, length);
    } else if (strcmp(rest, "start-next/rejected") == 0) {
        post(JOBS_MSG_START_NEXT_REJECTED, NULL, data, length);
    } else {
        /* <jobId>/update/accepted or /rejected */
        const char *slash = strchr(rest, '/');
        size_t id_length = slash != NULL ? (size_t)(slash - rest) : 0;
        if (id_length > 0 && id_length < JOBS_ID_MAX
            && (strcmp(slash, "/update/accepted") == 0 || strcmp(slash, "/update/rejected") == 0)) {
            char job_id[JOBS_ID_MAX];
            memcpy(job_id, rest, id_length);
            job_id[id_length] = '\0';
            post(strcmp(slash, "/update/accepted") == 0 ? JOBS_MSG_UPDATE_ACCEPTED : JOBS_MSG_UPDATE_REJECTED, job_id,
                 data, length);
        } else {
            ESP_LOGW(TAG, "message on jobs topic %s ignored", message_topic);
        }
    }
    return true;
}

void jobs_on_shadow_synced(void)
{
    post(JOBS_MSG_SHADOW_SYNCED, NULL, NULL, 0);
}

#else /* !ESPFLEET_JOBS_ENABLED: the config has no jobs */

esp_err_t jobs_init(esp_mqtt_client_handle_t client, const device_identity_t *identity)
{
    (void)client;
    (void)identity;
    return ESP_OK;
}

void jobs_on_connected(void)
{
}

void jobs_on_subscribed(int msg_id, bool granted)
{
    (void)msg_id;
    (void)granted;
}

bool jobs_handle_message(const char *topic, const char *data, size_t length)
{
    (void)topic;
    (void)data;
    (void)length;
    return false;
}

void jobs_on_shadow_synced(void)
{
}

#endif
