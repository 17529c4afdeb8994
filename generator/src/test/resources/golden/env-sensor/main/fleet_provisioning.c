#include "fleet_provisioning.h"


#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "esp_log.h"
#include "esp_mac.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "freertos/task.h"
#include "mqtt_client.h"
#include "nvs.h"

#include "console_report.h"
#include "device_key.h"
#include "espfleet_config.h"
#include "identity.h"

static const char *TAG = "fleet_prov";

static const char *string_field(const cJSON *root, const char *name)
{
    const char *value = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, name));
    return value != NULL && value[0] != '\0' ? value : NULL;
}

/* The documented error answer: {"statusCode": 400, "errorCode": "...", "errorMessage": "..."}. */
static void describe_rejection(const char *what, const cJSON *root, char *why, size_t size)
{
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(root, "statusCode");
    const char *code = string_field(root, "errorCode");
    const char *message = string_field(root, "errorMessage");
    /* the console's failure detail holds 96 characters: status and code there, the message in the log */
    snprintf(why, size, "%s rejected: %d %s", what, cJSON_IsNumber(status) ? status->valueint : 0,
             code != NULL ? code : "?");
    ESP_LOGW(TAG, "%s rejected: %s", what, message != NULL ? message : "(no errorMessage)");
}

cJSON *fleet_provisioning_register_request(const char *token, const char *thing)
{
    uint8_t mac[6] = {0};
    char mac_text[18];
    esp_read_mac(mac, ESP_MAC_WIFI_STA);
    snprintf(mac_text, sizeof(mac_text), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
    cJSON *provision = cJSON_CreateObject();
    cJSON *parameters = cJSON_AddObjectToObject(provision, "parameters");
    if (cJSON_AddStringToObject(provision, "certificateOwnershipToken", token) == NULL
        || cJSON_AddStringToObject(parameters, "ThingName", thing) == NULL
        || cJSON_AddStringToObject(parameters, "MacAddress", mac_text) == NULL) {
        cJSON_Delete(provision);
        return NULL;
    }
    return provision;
}

esp_err_t fleet_provisioning_check_registered(const cJSON *answer, bool accepted, const char **thing_name, char *why,
                                              size_t why_size)
{
    *thing_name = string_field(answer, "thingName");
    if (!accepted) {
        describe_rejection("RegisterThing", answer, why, why_size);
        return ESP_FAIL;
    }
    if (*thing_name == NULL) {
        snprintf(why, why_size, "RegisterThing's answer lacks thingName");
        return ESP_ERR_INVALID_RESPONSE;
    }
    return ESP_OK;
}

#ifdef ESPFLEET_CLAIM_TEMPLATE

/* AWS IoT Fleet Provisioning MQTT API, JSON payloads (developer guide, "Device provisioning MQTT API") */
#define CREATE_TOPIC "$aws/certificates/create-from-csr/json"
#define PROVISION_TOPIC FLEET_PROVISIONING_TOPIC(ESPFLEET_CLAIM_TEMPLATE)
#define ACCEPTED "/accepted"
#define REJECTED "/rejected"
#define ANSWER_TOPICS 4
/* certificatePem (about 1.3 KB) and the ownership token (about 0.5 KB) fit with room to spare */
#define ANSWER_MAX 8192
/* how long the service may take to answer, and the connection to come up */
#define ANSWER_TIMEOUT_MS 30000
#define CONNECT_TIMEOUT_MS (3 * ESPFLEET_MQTT_NETWORK_TIMEOUT_MS)
#define WHY_MAX 160

typedef enum {
    EVENT_CONNECTED,
    EVENT_DISCONNECTED,
    EVENT_SUBSCRIBED,
    EVENT_SUBSCRIBE_REFUSED,
    EVENT_MESSAGE,
} event_kind_t;

typedef struct {
    event_kind_t kind;
    char *topic;   /* EVENT_MESSAGE: NUL-terminated, for the receiver to free */
    char *payload; /* EVENT_MESSAGE: NUL-terminated, for the receiver to free */
} event_t;

typedef struct {
    QueueHandle_t events;
    char *topic; /* the message being reassembled from fragments */
    char *buffer;
    size_t total;
    bool dropping; /* a message larger than ANSWER_MAX: its fragments are skipped */
} session_t;

static const char *const s_answer_topics[ANSWER_TOPICS] = {
    CREATE_TOPIC ACCEPTED,
    CREATE_TOPIC REJECTED,
    PROVISION_TOPIC ACCEPTED,
    PROVISION_TOPIC REJECTED,
};

static char *read_nvs_text(nvs_handle_t handle, const char *key, esp_err_t *err)
{
    size_t length = 0;
    *err = nvs_get_str(handle, key, NULL, &length);
    if (*err != ESP_OK) {
        return NULL;
    }
    char *value = malloc(length);
    if (value == NULL) {
        *err = ESP_ERR_NO_MEM;
        return NULL;
    }
    *err = nvs_get_str(handle, key, value, &length);
    if (*err != ESP_OK) {
        free(value);
        return NULL;
    }
    return value;
}

static void free_secret(char *secret)
{
    if (secret != NULL) {
        for (volatile char *p = secret; *p != '\0'; p++) {
            *p = '\0';
        }
        free(secret);
    }
}

static void post(session_t *session, event_kind_t kind, char *topic, char *payload)
{
    event_t event = {.kind = kind, .topic = topic, .payload = payload};
    if (xQueueSend(session->events, &event, 0) != pdTRUE) {
        free(topic);
        free(payload);
    }
}

/* Reassembles a message from esp-mqtt's fragments (only the first carries the topic) and posts it whole. */
static void on_data(session_t *session, const esp_mqtt_event_t *event)
{
    if (event->current_data_offset == 0) {
        free(session->topic);
        free(session->buffer);
        session->topic = NULL;
        session->buffer = NULL;
        session->total = (size_t)event->total_data_len;
        session->dropping = session->total >= ANSWER_MAX;
        if (session->dropping) {
            ESP_LOGW(TAG, "an answer of %d bytes is too long; dropped", event->total_data_len);
            return;
        }
        session->topic = strndup(event->topic, (size_t)event->topic_len);
        session->buffer = calloc(1, session->total + 1);
        if (session->topic == NULL || session->buffer == NULL) {
            session->dropping = true;
            return;
        }
    }
    if (session->dropping || session->buffer == NULL
        || (size_t)event->current_data_offset + (size_t)event->data_len > session->total) {
        return;
    }
    memcpy(session->buffer + event->current_data_offset, event->data, (size_t)event->data_len);
    if ((size_t)(event->current_data_offset + event->data_len) == session->total) {
        post(session, EVENT_MESSAGE, session->topic, session->buffer);
        session->topic = NULL;
        session->buffer = NULL;
    }
}

/* In the MQTT client's task: never blocks, only posts to the provisioning task. */
static void on_mqtt_event(void *arg, esp_event_base_t base, int32_t event_id, void *event_data)
{
    (void)base;
    session_t *session = arg;
    esp_mqtt_event_handle_t event = event_data;
    switch ((esp_mqtt_event_id_t)event_id) {
    case MQTT_EVENT_CONNECTED:
        post(session, EVENT_CONNECTED, NULL, NULL);
        break;
    case MQTT_EVENT_DISCONNECTED:
        post(session, EVENT_DISCONNECTED, NULL, NULL);
        break;
    case MQTT_EVENT_SUBSCRIBED:
        post(session, event->error_handle != NULL
                          && event->error_handle->error_type == MQTT_ERROR_TYPE_SUBSCRIBE_FAILED
                          ? EVENT_SUBSCRIBE_REFUSED : EVENT_SUBSCRIBED, NULL, NULL);
        break;
    case MQTT_EVENT_DATA:
        on_data(session, event);
        break;
    default:
        break;
    }
}

/* Waits for an event of `kind` (messages are always returned); false at the deadline or on a disconnect. */
static bool await(session_t *session, event_kind_t kind, uint32_t timeout_ms, event_t *out)
{
    TickType_t deadline = xTaskGetTickCount() + pdMS_TO_TICKS(timeout_ms);
    for (;;) {
        TickType_t now = xTaskGetTickCount();
        if ((int32_t)(deadline - now) <= 0 || xQueueReceive(session->events, out, deadline - now) != pdTRUE) {
            return false;
        }
        if (out->kind == kind) {
            return true;
        }
        free(out->topic);
        free(out->payload);
        if (out->kind == EVENT_DISCONNECTED || out->kind == EVENT_SUBSCRIBE_REFUSED) {
            return false;
        }
    }
}

/* Waits for the answer to a request published to `request`: its accepted or rejected message, parsed. */
static cJSON *await_answer(session_t *session, const char *request, bool *accepted)
{
    size_t length = strlen(request);
    event_t event;
    while (await(session, EVENT_MESSAGE, ANSWER_TIMEOUT_MS, &event)) {
        cJSON *root = NULL;
        if (strncmp(event.topic, request, length) == 0) {
            const char *rest = event.topic + length;
            if (strcmp(rest, ACCEPTED) == 0 || strcmp(rest, REJECTED) == 0) {
                *accepted = strcmp(rest, ACCEPTED) == 0;
                root = cJSON_Parse(event.payload);
                if (root == NULL) {
                    root = cJSON_CreateObject(); /* an unreadable answer: fields missing */
                }
            }
        }
        free(event.topic);
        free(event.payload);
        if (root != NULL) {
            return root;
        }
    }
    return NULL;
}

static bool publish_json(esp_mqtt_client_handle_t client, const char *topic, cJSON *body)
{
    char *text = cJSON_PrintUnformatted(body);
    bool ok = text != NULL && esp_mqtt_client_publish(client, topic, text, 0, 1, 0) >= 0;
    free_secret(text); /* the ownership token is a bearer secret */
    return ok;
}

/* The whole exchange on a connected session; `why` says what went wrong. */
static esp_err_t exchange(esp_mqtt_client_handle_t client, session_t *session, char *why, size_t why_size)
{
    event_t event;
    if (!await(session, EVENT_CONNECTED, CONNECT_TIMEOUT_MS, &event)) {
        snprintf(why, why_size, "could not connect with the claim certificate");
        return ESP_ERR_TIMEOUT;
    }
    /* subscribe to the answers before asking: AWS sends them only to subscribers (on this connection) */
    for (int i = 0; i < ANSWER_TOPICS; i++) {
        if (esp_mqtt_client_subscribe(client, s_answer_topics[i], 1) < 0) {
            snprintf(why, why_size, "cannot subscribe to %s", s_answer_topics[i]);
            return ESP_FAIL;
        }
    }
    for (int i = 0; i < ANSWER_TOPICS; i++) {
        if (!await(session, EVENT_SUBSCRIBED, ANSWER_TIMEOUT_MS, &event)) {
            snprintf(why, why_size, "the claim's subscriptions were refused or not acknowledged");
            return ESP_FAIL;
        }
    }

    char *csr = NULL;
    char *thing = NULL;
    esp_err_t err = device_key_csr(&csr, &thing);
    if (err != ESP_OK) {
        snprintf(why, why_size, "no certificate request: %s", esp_err_to_name(err));
        return err;
    }
    cJSON *request = cJSON_CreateObject();
    cJSON_AddStringToObject(request, "certificateSigningRequest", csr);
    bool sent = publish_json(client, CREATE_TOPIC, request);
    cJSON_Delete(request);
    free(csr);
    bool accepted = false;
    cJSON *created = sent ? await_answer(session, CREATE_TOPIC, &accepted) : NULL;
    const char *certificate = string_field(created, "certificatePem");
    const char *token = string_field(created, "certificateOwnershipToken");
    if (!sent) {
        snprintf(why, why_size, "cannot publish to " CREATE_TOPIC);
        err = ESP_FAIL;
    } else if (created == NULL) {
        snprintf(why, why_size, "no answer to CreateCertificateFromCsr within %d s", ANSWER_TIMEOUT_MS / 1000);
        err = ESP_ERR_TIMEOUT;
    } else if (!accepted) {
        describe_rejection("CreateCertificateFromCsr", created, why, why_size);
        err = ESP_FAIL;
    } else if (certificate == NULL || token == NULL || string_field(created, "certificateId") == NULL) {
        snprintf(why, why_size, "CreateCertificateFromCsr's answer lacks certificatePem, certificateId or the token");
        err = ESP_ERR_INVALID_RESPONSE;
    } else {
        err = device_key_check_issued(certificate, why, why_size);
    }

    cJSON *registered = NULL;
    const char *registered_thing = NULL;
    if (err == ESP_OK) {
        cJSON *provision = fleet_provisioning_register_request(token, thing);
        sent = provision != NULL && publish_json(client, PROVISION_TOPIC, provision);
        cJSON_Delete(provision);
        registered = sent ? await_answer(session, PROVISION_TOPIC, &accepted) : NULL;
        if (!sent) {
            snprintf(why, why_size, "cannot publish to " PROVISION_TOPIC);
            err = ESP_FAIL;
        } else if (registered == NULL) {
            snprintf(why, why_size, "no answer to RegisterThing within %d s", ANSWER_TIMEOUT_MS / 1000);
            err = ESP_ERR_TIMEOUT;
        } else {
            err = fleet_provisioning_check_registered(registered, accepted, &registered_thing, why, why_size);
        }
    }
    if (err == ESP_OK) {
        err = device_key_store_issued(certificate, registered_thing);
        if (err != ESP_OK) {
            snprintf(why, why_size, "cannot store the certificate: %s", esp_err_to_name(err));
        }
    }
    cJSON_Delete(registered);
    cJSON_Delete(created);
    free(thing);
    return err;
}

esp_err_t fleet_provisioning_claim(void)
{
    nvs_handle_t handle;
    esp_err_t err = nvs_open_from_partition(ESPFLEET_IDENTITY_PARTITION, ESPFLEET_IDENTITY_NAMESPACE, NVS_READONLY,
                                            &handle);
    if (err != ESP_OK) {
        return err;
    }
    esp_err_t cert_err = ESP_OK;
    esp_err_t key_err = ESP_OK;
    esp_err_t endpoint_err = ESP_OK;
    esp_err_t ca_err = ESP_OK;
    char *claim_cert = read_nvs_text(handle, ESPFLEET_NVS_KEY_CLAIM_CERT, &cert_err);
    char *claim_key = read_nvs_text(handle, ESPFLEET_NVS_KEY_CLAIM_KEY, &key_err);
    char *endpoint = read_nvs_text(handle, ESPFLEET_NVS_KEY_ENDPOINT, &endpoint_err);
    char *server_ca = read_nvs_text(handle, ESPFLEET_NVS_KEY_SERVER_CA, &ca_err);
#ifdef ESPFLEET_PINNED_THING_NAME
    char *thing = strdup(ESPFLEET_PINNED_THING_NAME);
#else
    char *thing = read_nvs_text(handle, ESPFLEET_NVS_KEY_THING_NAME, &err);
#endif
    nvs_close(handle);
    char why[WHY_MAX] = "";
    if (claim_cert == NULL || claim_key == NULL) {
        snprintf(why, sizeof(why), "no claim certificate and key ('%s', '%s') in NVS partition '%s'",
                 ESPFLEET_NVS_KEY_CLAIM_CERT, ESPFLEET_NVS_KEY_CLAIM_KEY, ESPFLEET_IDENTITY_PARTITION);
        err = ESP_ERR_NVS_NOT_FOUND;
    } else if (thing == NULL) {
        snprintf(why, sizeof(why), "no thing name in NVS ('%s'): the claim names the thing it registers",
                 ESPFLEET_NVS_KEY_THING_NAME);
        err = ESP_ERR_NVS_NOT_FOUND;
    } else {
        err = ESP_OK;
    }
    session_t session = {0};
    esp_mqtt_client_handle_t client = NULL;
    char uri[160];
    if (err == ESP_OK) {
        snprintf(uri, sizeof(uri), "mqtts://%s:%d", endpoint != NULL ? endpoint : ESPFLEET_DEFAULT_ENDPOINT,
                 ESPFLEET_MQTT_PORT);
        static QueueHandle_t events; /* made once, kept for the next attempt */
        if (events == NULL) {
            events = xQueueCreate(8, sizeof(event_t));
        }
        session.events = events;
        const esp_mqtt_client_config_t config = {
            .broker = {
                .address.uri = uri,
                .verification.certificate = server_ca != NULL ? server_ca : aws_root_ca_1_pem,
            },
            .credentials = {
                /* the claim policy allows any client id; the thing name is this unit's and unique */
                .client_id = thing,
                .authentication = {
                    .certificate = claim_cert,
                    .key = claim_key,
                },
            },
            .session = {
                .keepalive = ESPFLEET_MQTT_KEEPALIVE_S,
            },
            .network = {
                .timeout_ms = ESPFLEET_MQTT_NETWORK_TIMEOUT_MS,
                .disable_auto_reconnect = true,
            },
            .buffer = {
                .size = ESPFLEET_MQTT_BUFFER_SIZE,
            },
        };
        client = session.events != NULL ? esp_mqtt_client_init(&config) : NULL;
        if (client == NULL) {
            snprintf(why, sizeof(why), "the claim's MQTT client could not start");
            err = ESP_ERR_NO_MEM;
        }
    }
    if (err == ESP_OK) {
        ESP_LOGI(TAG, "provisioning '%s' by claim with template '%s' at %s", thing, ESPFLEET_CLAIM_TEMPLATE, uri);
        esp_mqtt_client_register_event(client, MQTT_EVENT_ANY, on_mqtt_event, &session);
        err = esp_mqtt_client_start(client);
        if (err == ESP_OK) {
            err = exchange(client, &session, why, sizeof(why));
        } else {
            snprintf(why, sizeof(why), "the claim's MQTT client could not start: %s", esp_err_to_name(err));
        }
    }
    if (client != NULL) {
        esp_mqtt_client_disconnect(client);
        esp_mqtt_client_stop(client);
        esp_mqtt_client_destroy(client);
    }
    if (session.events != NULL) {
        /* the client is gone: nothing posts any more; what it left is dropped */
        event_t event;
        while (xQueueReceive(session.events, &event, 0) == pdTRUE) {
            free(event.topic);
            free(event.payload);
        }
    }
    free(session.topic);
    free(session.buffer);
    if (err != ESP_OK) {
        ESP_LOGW(TAG, "fleet provisioning failed: %s", why);
        console_report_failure(CONSOLE_STAGE_IDENTITY, err, 0, 0, why);
    }
    free(claim_cert);
    free_secret(claim_key);
    free(endpoint);
    free(server_ca);
    free(thing);
    return err;
}

#else /* without identity.claim there is nothing to do */

esp_err_t fleet_provisioning_claim(void)
{
    ESP_LOGE(TAG, "this firmware was generated without identity.claim");
    return ESP_ERR_NOT_SUPPORTED;
}

#endif
