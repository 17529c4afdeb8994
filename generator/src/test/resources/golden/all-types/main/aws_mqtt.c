#include "aws_mqtt.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "esp_log.h"
#include "esp_random.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/task.h"
#include "mqtt_client.h"

#include "backoff.h"
#include "console_report.h"
#include "device_state.h"
#include "espfleet_config.h"
#include "jobs.h"
#include "msg_assembler.h"
#include "rotate_job.h"
#include "shadow.h"

static const char *TAG = "aws_mqtt";

#define SUBSCRIPTION_COUNT 4

/*
 * How long the device waits for the answer to its own shadow get before it takes the get (or its answer) as
 * lost and asks again: the request and its answer each travel within one network timeout (esp-mqtt's
 * .network.timeout_ms, the config's mqtt.network_timeout_ms), so twice that: 20 s with the default 10 s.
 * AWS's device SDKs likewise end a shadow request without an answer with a timeout. Without it a get or
 * answer lost on the way (QoS 0, a broker hiccup) left the device unsynced, and its backoffs, which start
 * over only when a get is answered, never started over.
 */
#define SHADOW_GET_TIMEOUT_MS (2u * (uint32_t)ESPFLEET_MQTT_NETWORK_TIMEOUT_MS)

/*
 * The backoff state (reconnect and shadow-get retry: attempt counts and timers; the get's deadline) has one
 * owner, the control task. The MQTT event handler (MQTT task) and the timer callbacks (esp_timer task) only post what happened
 * to its queue and never touch that state, so no two tasks change it at once and no lock is needed.
 * Posting does not wait (timeout 0), so the event handler still never blocks. A lock instead would have to
 * cover esp_timer_stop/esp_timer_start_once and the log line too, and would make the MQTT task wait for it.
 * The shadow's own state (s_sync: versions, the awaited get) belongs to the MQTT task alone.
 */
typedef enum {
    CONTROL_DISCONNECTED,    /* MQTT task: the connection is gone; back off, then reconnect */
    CONTROL_SESSION_HEALTHY, /* MQTT task: the device's own get was answered; the backoffs start over */
    CONTROL_RECONNECT_DUE,   /* esp_timer task: the reconnect delay is over */
    CONTROL_GET_SENT,        /* MQTT task: get `token_sequence` was sent; its answer is due within the deadline */
    CONTROL_GET_ANSWERED,    /* MQTT task: get `token_sequence` was answered (whatever the answer) */
    CONTROL_GET_REFUSED,     /* MQTT task: get rejected with 429/5xx; send get `token_sequence` after a backoff */
    CONTROL_GET_DEADLINE,    /* esp_timer task: the get under deadline was not answered in time */
    CONTROL_GET_RETRY_DUE,   /* esp_timer task: the get retry delay is over */
} control_event_t;

typedef struct {
    control_event_t event;
    uint32_t token_sequence; /* CONTROL_GET_*: the clientToken's sequence of the get meant */
} control_message_t;

/* Each producer has at most a few messages outstanding (one DISCONNECTED per connection, a get's SENT,
 * ANSWERED and REFUSED, one timer expiry per arming): 16 is far more than is ever waiting. */
#define CONTROL_QUEUE_LENGTH 16

static esp_mqtt_client_handle_t s_client;
static const char *s_client_id; /* the thing name, which the identity keeps for the client's life */
static QueueHandle_t s_control_queue;
/* Control task only: */
static esp_timer_handle_t s_reconnect_timer;
static uint32_t s_reconnect_attempt;
static esp_timer_handle_t s_get_retry_timer;
static uint32_t s_get_retry_attempt;
static uint32_t s_get_retry_sequence; /* the get to send when the retry timer expires; 0: none */
static esp_timer_handle_t s_get_deadline_timer;
static uint32_t s_get_deadline_sequence; /* the get whose answer the deadline timer waits for; 0: none */

/* clientTokens are "<boot nonce>-<kind>-<sequence>": unique per request and per boot. The nonce is set before
 * any task starts; the sequence is shared by the MQTT, control and application tasks, under s_token_lock. */
static uint32_t s_token_nonce;
static uint32_t s_token_sequence;
static portMUX_TYPE s_token_lock = portMUX_INITIALIZER_UNLOCKED;
static volatile bool s_connected;
static shadow_topics_t s_topics;
static shadow_sync_t s_sync;
static uint32_t s_awaited_sequence; /* MQTT task: the sequence of the get whose answer s_sync awaits */
static msg_assembler_t s_assembler;
static char s_message[ESPFLEET_MQTT_MAX_MESSAGE + 1];
static int s_pending_subscriptions[SUBSCRIPTION_COUNT];
/* Every shadow subscription of this session was granted: a kept session (session_present) needs no new ones. */
static bool s_subscriptions_confirmed;

static const backoff_policy_t s_backoff = {
    .initial_ms = ESPFLEET_BACKOFF_INITIAL_MS,
    .max_ms = ESPFLEET_BACKOFF_MAX_MS,
    .multiplier = ESPFLEET_BACKOFF_MULTIPLIER,
    .jitter = ESPFLEET_BACKOFF_JITTER,
    .jitter_percent = ESPFLEET_BACKOFF_JITTER_PERCENT,
};

bool mqtt_broker_uri(const char *endpoint, int default_port, char *uri, size_t size)
{
    const char *colon = strrchr(endpoint, ':');
    size_t host_length = colon != NULL ? (size_t)(colon - endpoint) : strlen(endpoint);
    long port = default_port;
    if (colon != NULL) {
        char *end = NULL;
        port = strtol(colon + 1, &end, 10);
        if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || port < 1 || port > 65535) {
            return false;
        }
    }
    if (host_length == 0 || memchr(endpoint, ':', host_length) != NULL) {
        return false;
    }
    int n = snprintf(uri, size, "mqtts://%.*s:%ld", (int)host_length, endpoint, port);
    return n > 0 && (size_t)n < size;
}

static uint32_t hardware_random(void *ctx)
{
    (void)ctx;
    return esp_random();
}

/* Hands an event to the control task; never waits (the MQTT event handler must not block). */
static void post_control_message(control_event_t event, uint32_t token_sequence)
{
    const control_message_t message = {.event = event, .token_sequence = token_sequence};
    if (xQueueSend(s_control_queue, &message, 0) != pdTRUE) {
        ESP_LOGE(TAG, "control queue full: event %d lost", (int)event);
    }
}

static void post_control(control_event_t event)
{
    post_control_message(event, 0);
}

static void reconnect_timer_fired(void *arg)
{
    (void)arg;
    post_control(CONTROL_RECONNECT_DUE);
}

static void get_retry_timer_fired(void *arg)
{
    (void)arg;
    post_control(CONTROL_GET_RETRY_DUE);
}

static void get_deadline_timer_fired(void *arg)
{
    (void)arg;
    post_control(CONTROL_GET_DEADLINE);
}

static uint32_t next_token_sequence(void)
{
    portENTER_CRITICAL(&s_token_lock);
    uint32_t sequence = ++s_token_sequence;
    if (sequence == 0) {
        sequence = ++s_token_sequence; /* 0 means "none" */
    }
    portEXIT_CRITICAL(&s_token_lock);
    return sequence;
}

static void format_token(char out[SHADOW_CLIENT_TOKEN_MAX + 1], const char *kind, uint32_t sequence)
{
    snprintf(out, SHADOW_CLIENT_TOKEN_MAX + 1, "%08" PRIx32 "-%s-%" PRIu32, s_token_nonce, kind, sequence);
}

/* Publishes {"clientToken":"..."} on .../get: the answer, on get/accepted or get/rejected, carries the token. */
static void publish_shadow_get(uint32_t sequence)
{
    char token[SHADOW_CLIENT_TOKEN_MAX + 1];
    format_token(token, "get", sequence);
    char payload[SHADOW_CLIENT_TOKEN_MAX + 32];
    snprintf(payload, sizeof(payload), "{\"clientToken\":\"%s\"}", token);
    if (esp_mqtt_client_publish(s_client, s_topics.get, payload, 0, ESPFLEET_MQTT_QOS, 0) < 0) {
        ESP_LOGW(TAG, "could not request the shadow document");
    }
}

/* Control task only: stops `timer` when it runs. */
static void stop_timer(esp_timer_handle_t timer)
{
    if (esp_timer_is_active(timer)) {
        esp_timer_stop(timer);
    }
}

/* Control task only: arms the one-shot reconnect timer for the next attempt. */
static void schedule_reconnect(void)
{
    uint32_t delay_ms = backoff_delay_ms(&s_backoff, s_reconnect_attempt, hardware_random, NULL);
    if (s_reconnect_attempt < UINT32_MAX) {
        s_reconnect_attempt++;
    }
    stop_timer(s_reconnect_timer);
    esp_err_t err = esp_timer_start_once(s_reconnect_timer, (uint64_t)delay_ms * 1000u);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "cannot arm the reconnect timer: %s", esp_err_to_name(err));
        return;
    }
    ESP_LOGW(TAG, "disconnected; reconnect attempt %" PRIu32 " in %" PRIu32 " ms", s_reconnect_attempt, delay_ms);
}

/* Control task only: the answer to get `sequence` is due within SHADOW_GET_TIMEOUT_MS. */
static void arm_get_deadline(uint32_t sequence)
{
    stop_timer(s_get_deadline_timer);
    esp_err_t err = esp_timer_start_once(s_get_deadline_timer, (uint64_t)SHADOW_GET_TIMEOUT_MS * 1000u);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "cannot arm the shadow get deadline: %s", esp_err_to_name(err));
        s_get_deadline_sequence = 0;
        return;
    }
    s_get_deadline_sequence = sequence;
}

/* Control task only: no deadline, and no retry pending (none or only `sequence`'s when it is not 0). */
static void forget_get(uint32_t sequence)
{
    if (sequence == 0 || s_get_deadline_sequence == sequence) {
        stop_timer(s_get_deadline_timer);
        s_get_deadline_sequence = 0;
    }
    if (sequence == 0 || s_get_retry_sequence == sequence) {
        stop_timer(s_get_retry_timer);
        s_get_retry_sequence = 0;
    }
}

/* Control task only: after a 429 or 5xx, or a deadline passed, sends get `sequence` once a backoff delay is
 * over. */
static void schedule_get_retry(uint32_t sequence)
{
    uint32_t delay_ms = backoff_delay_ms(&s_backoff, s_get_retry_attempt, hardware_random, NULL);
    if (s_get_retry_attempt < UINT32_MAX) {
        s_get_retry_attempt++;
    }
    stop_timer(s_get_retry_timer);
    esp_err_t err = esp_timer_start_once(s_get_retry_timer, (uint64_t)delay_ms * 1000u);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "cannot arm the shadow get retry timer: %s", esp_err_to_name(err));
        return;
    }
    s_get_retry_sequence = sequence;
    ESP_LOGW(TAG, "shadow get retry %" PRIu32 " in %" PRIu32 " ms", s_get_retry_attempt, delay_ms);
}

/*
 * Owns the backoffs: only here is the attempt count changed, the timer armed and esp_mqtt_client_reconnect()
 * called (from the disconnect handler it fails: the client is not yet waiting to reconnect; and a handler
 * must not wait).
 */
static void control_task(void *arg)
{
    (void)arg;
    for (;;) {
        control_message_t message;
        if (xQueueReceive(s_control_queue, &message, portMAX_DELAY) != pdTRUE) {
            continue;
        }
        switch (message.event) {
        case CONTROL_DISCONNECTED:
            forget_get(0); /* the next connection asks for the document anyway */
            schedule_reconnect();
            break;
        case CONTROL_SESSION_HEALTHY:
            s_reconnect_attempt = 0;
            s_get_retry_attempt = 0;
            break;
        case CONTROL_GET_SENT:
            forget_get(0); /* a new get is awaited: an older one's retry would go unheard */
            arm_get_deadline(message.token_sequence);
            break;
        case CONTROL_GET_ANSWERED:
            forget_get(message.token_sequence); /* also a retry that a passed deadline had scheduled */
            break;
        case CONTROL_GET_REFUSED:
            forget_get(0);
            schedule_get_retry(message.token_sequence);
            break;
        case CONTROL_GET_DEADLINE:
            /* not when the get was answered (or the connection lost) since the timer expired, nor when the
             * timer runs again for a newer get (this expiry was the older one's) */
            if (s_get_deadline_sequence != 0 && !esp_timer_is_active(s_get_deadline_timer)) {
                uint32_t sequence = s_get_deadline_sequence;
                s_get_deadline_sequence = 0;
                ESP_LOGW(TAG, "no answer to shadow get %" PRIu32 " within %" PRIu32 " ms; asking again",
                         sequence, (uint32_t)SHADOW_GET_TIMEOUT_MS);
                /* the same clientToken: whichever answer comes first, a late one or the new one, is awaited */
                schedule_get_retry(sequence);
            }
            break;
        case CONTROL_GET_RETRY_DUE:
            if (s_get_retry_sequence != 0 && !esp_timer_is_active(s_get_retry_timer)) {
                uint32_t sequence = s_get_retry_sequence;
                s_get_retry_sequence = 0;
                publish_shadow_get(sequence);
                arm_get_deadline(sequence);
            }
            break;
        case CONTROL_RECONNECT_DUE: {
            esp_err_t err = esp_mqtt_client_reconnect(s_client);
            if (err != ESP_OK) {
                ESP_LOGW(TAG, "reconnect refused (%s); backing off again", esp_err_to_name(err));
                schedule_reconnect();
            }
            break;
        }
        default:
            break;
        }
    }
}

/* MQTT task: asks for the whole shadow document; its answer is the one awaited from now on, within the
 * deadline the control task keeps. */
static void request_shadow_get(void)
{
    uint32_t sequence = next_token_sequence();
    char token[SHADOW_CLIENT_TOKEN_MAX + 1];
    format_token(token, "get", sequence);
    shadow_sync_get_sent(&s_sync, token);
    s_awaited_sequence = sequence;
    publish_shadow_get(sequence);
    post_control_message(CONTROL_GET_SENT, sequence);
}

static void subscribe_shadow_topics(void)
{
    const char *filters[SUBSCRIPTION_COUNT] = {
        s_topics.update_delta, s_topics.get_accepted, s_topics.get_rejected, s_topics.update_rejected,
    };
    s_subscriptions_confirmed = false;
    for (int i = 0; i < SUBSCRIPTION_COUNT; i++) {
        s_pending_subscriptions[i] = esp_mqtt_client_subscribe(s_client, filters[i], ESPFLEET_MQTT_QOS);
        if (s_pending_subscriptions[i] < 0) {
            ESP_LOGE(TAG, "subscribe to %s failed", filters[i]);
        }
    }
}

/*
 * Marks one SUBACK; once all shadow subscriptions are in place, asks for the shadow document. A SUBACK
 * that refuses the subscription (return code 0x80: the policy does not allow the topic) leaves the
 * session unconfirmed, so the next connection subscribes again.
 */
static void subscription_acknowledged(int msg_id, bool granted)
{
    if (!granted) {
        ESP_LOGE(TAG, "subscription %d refused by the broker: check the IoT policy allows this thing's shadow topics",
                 msg_id);
        for (int i = 0; i < SUBSCRIPTION_COUNT; i++) {
            if (s_pending_subscriptions[i] == msg_id) {
                s_pending_subscriptions[i] = -1; /* never confirmed */
            }
        }
        return;
    }
    bool pending = false;
    bool matched = false;
    for (int i = 0; i < SUBSCRIPTION_COUNT; i++) {
        if (s_pending_subscriptions[i] == msg_id && msg_id > 0) {
            s_pending_subscriptions[i] = 0;
            matched = true;
        }
        pending = pending || s_pending_subscriptions[i] > 0;
    }
    if (matched && !pending) {
        bool refused = false;
        for (int i = 0; i < SUBSCRIPTION_COUNT; i++) {
            refused = refused || s_pending_subscriptions[i] < 0;
        }
        s_subscriptions_confirmed = !refused;
        request_shadow_get();
    }
}

static void handle_message(const char *topic, const char *data, size_t length)
{
    if (jobs_handle_message(topic, data, length)) {
        return;
    }
    shadow_message_t kind = shadow_classify(&s_topics, topic);
    if (kind == SHADOW_MESSAGE_UNKNOWN) {
        ESP_LOGW(TAG, "message on unexpected topic %s ignored", topic);
        return;
    }
    shadow_outcome_t outcome = shadow_handle_message(&s_sync, kind, data, length);
    if (outcome.answered) {
        post_control_message(CONTROL_GET_ANSWERED, s_awaited_sequence);
    }
    if (outcome.round_trip) {
        /* The device's own get was answered: connected, authorised and subscribed. Only now do the backoffs
         * start again from their first delay; a broker that accepts and then drops us keeps backing off. */
        post_control(CONTROL_SESSION_HEALTHY);
        console_report_milestone(CONSOLE_MILESTONE_SHADOW_SYNCED, NULL);
        jobs_on_shadow_synced();
    }
    if (outcome.report) {
        mqtt_publish_reported(false);
    }
    if (outcome.resync) {
        request_shadow_get();
    }
    if (outcome.retry_get) {
        /* the retried get's token is awaited from now on; the control task sends it after a backoff */
        uint32_t sequence = next_token_sequence();
        char token[SHADOW_CLIENT_TOKEN_MAX + 1];
        format_token(token, "get", sequence);
        shadow_sync_get_sent(&s_sync, token);
        s_awaited_sequence = sequence;
        post_control_message(CONTROL_GET_REFUSED, sequence);
    }
}

static const char *refusal_reason(esp_mqtt_connect_return_code_t code)
{
    switch (code) {
    case MQTT_CONNECTION_REFUSE_PROTOCOL:
        return "unacceptable protocol version";
    case MQTT_CONNECTION_REFUSE_ID_REJECTED:
        return "client id rejected";
    case MQTT_CONNECTION_REFUSE_SERVER_UNAVAILABLE:
        return "server unavailable";
    case MQTT_CONNECTION_REFUSE_BAD_USERNAME:
        return "bad user name or password";
    case MQTT_CONNECTION_REFUSE_NOT_AUTHORIZED:
        return "not authorized";
    default:
        return "refused";
    }
}

/* Logs an MQTT_EVENT_ERROR and reports it on the console (once per distinct failure). */
static void log_error(const esp_mqtt_event_t *event)
{
    const esp_mqtt_error_codes_t *error = event->error_handle;
    char detail[96];
    if (error == NULL) {
        ESP_LOGE(TAG, "MQTT error");
        console_report_failure(CONSOLE_STAGE_MQTT, ESP_FAIL, 0, 0, "MQTT error");
    } else if (error->error_type == MQTT_ERROR_TYPE_TCP_TRANSPORT) {
        ESP_LOGE(TAG, "transport error: esp-tls %s, tls stack 0x%x, socket errno %d",
                 esp_err_to_name(error->esp_tls_last_esp_err), error->esp_tls_stack_err,
                 error->esp_transport_sock_errno);
        snprintf(detail, sizeof(detail), "transport error (TLS stack -0x%04x, certificate flags 0x%x)",
                 (unsigned)-error->esp_tls_stack_err, (unsigned)error->esp_tls_cert_verify_flags);
        console_report_failure(CONSOLE_STAGE_MQTT, error->esp_tls_last_esp_err, error->esp_tls_stack_err,
                               error->esp_transport_sock_errno, detail);
    } else if (error->error_type == MQTT_ERROR_TYPE_SUBSCRIBE_FAILED) {
        ESP_LOGE(TAG, "a subscription was refused: check the IoT policy allows this thing's shadow topics");
        console_report_failure(CONSOLE_STAGE_SHADOW, ESP_FAIL, 0, 0, "a shadow subscription was refused");
    } else if (error->error_type == MQTT_ERROR_TYPE_CONNECTION_REFUSED) {
        ESP_LOGE(TAG, "connection refused by the broker (code 0x%x): check the certificate is active "
                 "and its policy allows this client id", (unsigned)error->connect_return_code);
        snprintf(detail, sizeof(detail), "the broker refused the connection: %s (CONNACK %d)",
                 refusal_reason(error->connect_return_code), (int)error->connect_return_code);
        console_report_failure(CONSOLE_STAGE_MQTT, ESP_FAIL, 0, 0, detail);
    } else {
        ESP_LOGE(TAG, "MQTT error type %d", (int)error->error_type);
        console_report_failure(CONSOLE_STAGE_MQTT, ESP_FAIL, 0, 0, "MQTT error");
    }
}

static bool subscription_refused(const esp_mqtt_event_t *event)
{
    if (event->error_handle != NULL && event->error_handle->error_type == MQTT_ERROR_TYPE_SUBSCRIBE_FAILED) {
        return true;
    }
    return event->data_len > 0 && event->data != NULL && (uint8_t)event->data[0] >= 0x80;
}

static void mqtt_event_handler(void *handler_args, esp_event_base_t base, int32_t event_id, void *event_data)
{
    (void)handler_args;
    (void)base;
    esp_mqtt_event_handle_t event = event_data;

    switch ((esp_mqtt_event_id_t)event_id) {
    case MQTT_EVENT_CONNECTED:
        ESP_LOGI(TAG, "connected to AWS IoT Core (session present: %d)", event->session_present);
        s_connected = true;
        console_report_milestone(CONSOLE_MILESTONE_MQTT_CONNECTED, s_client_id);
        if (esp_mqtt_client_publish(s_client, s_topics.status, shadow_status_message(true), 0,
                                    ESPFLEET_MQTT_QOS, 0) < 0) {
            ESP_LOGW(TAG, "could not publish the online status");
        }
        if (ESPFLEET_MQTT_PERSISTENT_SESSION && event->session_present && s_subscriptions_confirmed) {
            request_shadow_get(); /* the broker kept our subscriptions */
        } else {
            subscribe_shadow_topics();
        }
        jobs_on_connected();
        break;
    case MQTT_EVENT_SUBSCRIBED:
        /* esp-mqtt reports a refused subscription (SUBACK return code 0x80) only here, with error_type
         * MQTT_ERROR_TYPE_SUBSCRIBE_FAILED and the return codes as data: no MQTT_EVENT_ERROR comes */
        if (subscription_refused(event)) {
            console_report_failure(CONSOLE_STAGE_SHADOW, ESP_FAIL, 0, 0, "a shadow subscription was refused");
        }
        subscription_acknowledged(event->msg_id, !subscription_refused(event));
        jobs_on_subscribed(event->msg_id, !subscription_refused(event));
        break;
    case MQTT_EVENT_DISCONNECTED:
        s_connected = false;
        post_control(CONTROL_DISCONNECTED);
        break;
    case MQTT_EVENT_DATA:
        switch (msg_assembler_feed(&s_assembler, event->topic, event->topic_len, event->data,
                                   event->data_len, event->current_data_offset, event->total_data_len)) {
        case MSG_ASSEMBLER_COMPLETE:
            handle_message(s_assembler.topic, s_assembler.data, s_assembler.length);
            break;
        case MSG_ASSEMBLER_DROPPED:
            ESP_LOGW(TAG, "dropped a message of %d bytes (limit %d) or out of order",
                     event->total_data_len, ESPFLEET_MQTT_MAX_MESSAGE);
            break;
        case MSG_ASSEMBLER_INCOMPLETE:
        default:
            break;
        }
        break;
    case MQTT_EVENT_ERROR:
        log_error(event);
        rotate_on_mqtt_error(event->error_handle);
        break;
    default:
        break;
    }
}

esp_err_t mqtt_init(const device_identity_t *identity)
{
    if (!shadow_topics_init(&s_topics, identity->thing_name, ESPFLEET_SHADOW_NAME, ESPFLEET_STATUS_TOPIC_PREFIX)) {
        return ESP_ERR_INVALID_ARG;
    }
    msg_assembler_init(&s_assembler, s_message, ESPFLEET_MQTT_MAX_MESSAGE);
    device_state_init();

    static char uri[300];
    if (!mqtt_broker_uri(identity->endpoint, ESPFLEET_MQTT_PORT, uri, sizeof(uri))) {
        ESP_LOGE(TAG, "endpoint '%s' is not HOST or HOST:PORT (port 1 to 65535), or is too long", identity->endpoint);
        return ESP_ERR_INVALID_ARG;
    }
    s_client_id = identity->thing_name;

    const esp_timer_create_args_t timer_args = {
        .callback = reconnect_timer_fired,
        .name = "mqtt_reconnect",
    };
    esp_err_t err = esp_timer_create(&timer_args, &s_reconnect_timer);
    if (err != ESP_OK) {
        return err;
    }
    const esp_timer_create_args_t get_retry_args = {
        .callback = get_retry_timer_fired,
        .name = "shadow_get_retry",
    };
    err = esp_timer_create(&get_retry_args, &s_get_retry_timer);
    if (err != ESP_OK) {
        return err;
    }
    const esp_timer_create_args_t get_deadline_args = {
        .callback = get_deadline_timer_fired,
        .name = "shadow_get_deadline",
    };
    err = esp_timer_create(&get_deadline_args, &s_get_deadline_timer);
    if (err != ESP_OK) {
        return err;
    }
    s_token_nonce = esp_random();
    s_control_queue = xQueueCreate(CONTROL_QUEUE_LENGTH, sizeof(control_message_t));
    if (s_control_queue == NULL || xTaskCreate(control_task, "mqtt_control", 3072, NULL, 5, NULL) != pdPASS) {
        return ESP_ERR_NO_MEM;
    }

    const esp_mqtt_client_config_t config = {
        .broker = {
            .address.uri = uri,
            .verification.certificate = identity->server_ca,
        },
        .credentials = {
            .client_id = identity->thing_name,
            .authentication = {
                .certificate = identity->device_cert,
                .key = identity->private_key,
            },
        },
        .session = {
            .keepalive = ESPFLEET_MQTT_KEEPALIVE_S,
            .disable_clean_session = ESPFLEET_MQTT_PERSISTENT_SESSION,
            .last_will = {
                .topic = s_topics.status,
                .msg = shadow_status_message(false),
                .qos = ESPFLEET_MQTT_QOS,
                .retain = 0,
            },
        },
        .network = {
            .timeout_ms = ESPFLEET_MQTT_NETWORK_TIMEOUT_MS,
            .disable_auto_reconnect = true,
        },
        .buffer = {
            .size = ESPFLEET_MQTT_BUFFER_SIZE,
        },
    };
    s_client = esp_mqtt_client_init(&config);
    if (s_client == NULL) {
        ESP_LOGE(TAG, "esp_mqtt_client_init failed");
        return ESP_FAIL;
    }
    err = jobs_init(s_client, identity);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "the jobs client could not start: %s", esp_err_to_name(err));
        return err;
    }
    err = esp_mqtt_client_register_event(s_client, ESP_EVENT_ANY_ID, mqtt_event_handler, NULL);
    if (err == ESP_OK) {
        err = esp_mqtt_client_start(s_client);
    }
    return err;
}

bool mqtt_publish_reported(bool with_telemetry)
{
    char token[SHADOW_CLIENT_TOKEN_MAX + 1];
    format_token(token, "update", next_token_sequence());
    char *document = shadow_build_reported(with_telemetry, token);
    if (document == NULL) {
        return false;
    }
    size_t length = strlen(document);
    bool ok = false;
    if (length > ESPFLEET_SHADOW_MAX_DOCUMENT) {
        ESP_LOGE(TAG, "reported document of %u bytes exceeds the shadow limit of %d",
                 (unsigned)length, ESPFLEET_SHADOW_MAX_DOCUMENT);
    } else if (esp_mqtt_client_publish(s_client, s_topics.update, document, (int)length,
                                       ESPFLEET_MQTT_QOS, 0) < 0) {
        ESP_LOGW(TAG, "could not publish the reported state");
    } else {
        ok = true;
    }
    cJSON_free(document);
    return ok;
}

bool mqtt_publish_telemetry(void)
{
    if (ESPFLEET_TELEMETRY_TO_SHADOW) {
        return mqtt_publish_reported(true);
    }
    char *message = NULL;
    if (!shadow_build_telemetry(&message)) {
        return false;
    }
    if (message == NULL) {
        return true; /* no hook supplied a reading */
    }
    bool ok = esp_mqtt_client_publish(s_client, s_topics.telemetry, message, 0, ESPFLEET_MQTT_QOS, 0) >= 0;
    if (!ok) {
        ESP_LOGW(TAG, "could not publish telemetry");
    }
    cJSON_free(message);
    return ok;
}

bool mqtt_is_connected(void)
{
    return s_connected;
}
