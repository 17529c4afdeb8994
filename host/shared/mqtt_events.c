/*
 * esp-mqtt's event delivery (mqtt_client.c of ESP-IDF v5.5's esp-mqtt):
 *  - esp_mqtt_client_register_event registers on the client's own event loop, base MQTT_EVENTS, for one
 *    event id or MQTT_EVENT_ANY (== ESP_EVENT_ANY_ID); several handlers may be registered.
 *  - esp_mqtt_dispatch_event posts a copy of client->event to that loop and runs the loop at once, in the
 *    MQTT task; client->event.error_handle always points to the client's one esp_mqtt_error_codes_t, which
 *    keeps its values until an error or a SUBACK sets them again.
 *  - A transport error (esp_mqtt_client_dispatch_transport_error) is MQTT_EVENT_ERROR with error_type
 *    MQTT_ERROR_TYPE_TCP_TRANSPORT and esp-tls' codes; a refused CONNACK MQTT_EVENT_ERROR with
 *    MQTT_ERROR_TYPE_CONNECTION_REFUSED; both are followed by MQTT_EVENT_DISCONNECTED
 *    (esp_mqtt_abort_connection), which the clients dispatch.
 *  - A SUBACK is MQTT_EVENT_SUBSCRIBED with the return codes as data, and error_type
 *    MQTT_ERROR_TYPE_SUBSCRIBE_FAILED when one is 0x80 or more (deliver_suback); no MQTT_EVENT_ERROR.
 */
#include "mqtt_events.h"

#include <stdlib.h>
#include <string.h>

ESP_EVENT_DEFINE_BASE(MQTT_EVENTS);

bool host_mqtt_events_init(host_mqtt_events_t *events)
{
    memset(events, 0, sizeof(*events));
    events->loop = host_event_loop_create();
    return events->loop != NULL;
}

void host_mqtt_events_free(host_mqtt_events_t *events)
{
    host_event_loop_delete(events->loop);
    events->loop = NULL;
}

esp_err_t host_mqtt_events_register(host_mqtt_events_t *events, esp_mqtt_event_id_t event,
                                    esp_event_handler_t handler, void *arg)
{
    return host_event_loop_register(events->loop, MQTT_EVENTS, (int32_t)event, handler, arg);
}

void host_mqtt_dispatch(host_mqtt_events_t *events, esp_mqtt_client_handle_t client, const esp_mqtt_event_t *event)
{
    esp_mqtt_event_t *copy = malloc(sizeof(*copy)); /* esp_event_post_to copies the event */
    if (copy == NULL) {
        abort();
    }
    *copy = *event;
    copy->client = client;
    copy->protocol_ver = MQTT_PROTOCOL_V_3_1_1;
    copy->error_handle = &events->error;
    host_event_loop_run(events->loop, MQTT_EVENTS, copy->event_id, copy);
    free(copy);
}

void host_mqtt_dispatch_simple(host_mqtt_events_t *events, esp_mqtt_client_handle_t client,
                               esp_mqtt_event_id_t id, int msg_id)
{
    esp_mqtt_event_t event = {.event_id = id, .msg_id = msg_id};
    host_mqtt_dispatch(events, client, &event);
}

void host_mqtt_dispatch_transport_error(host_mqtt_events_t *events, esp_mqtt_client_handle_t client,
                                        esp_err_t tls_error, int tls_stack_error, int cert_verify_flags,
                                        int sock_errno)
{
    events->error.error_type = MQTT_ERROR_TYPE_TCP_TRANSPORT;
    events->error.connect_return_code = MQTT_CONNECTION_ACCEPTED;
    events->error.esp_tls_last_esp_err = tls_error;
    events->error.esp_tls_stack_err = tls_stack_error;
    events->error.esp_tls_cert_verify_flags = cert_verify_flags;
    events->error.esp_transport_sock_errno = sock_errno;
    host_mqtt_dispatch_simple(events, client, MQTT_EVENT_ERROR, 0);
}

void host_mqtt_dispatch_connection_refused(host_mqtt_events_t *events, esp_mqtt_client_handle_t client,
                                           esp_mqtt_connect_return_code_t code)
{
    events->error.error_type = MQTT_ERROR_TYPE_CONNECTION_REFUSED;
    events->error.connect_return_code = code;
    events->error.esp_tls_last_esp_err = ESP_OK;
    events->error.esp_tls_stack_err = 0;
    events->error.esp_tls_cert_verify_flags = 0;
    host_mqtt_dispatch_simple(events, client, MQTT_EVENT_ERROR, 0);
}

void host_mqtt_dispatch_suback(host_mqtt_events_t *events, esp_mqtt_client_handle_t client, int msg_id,
                               const uint8_t *codes, int count)
{
    events->error.esp_tls_stack_err = 0;
    events->error.esp_tls_last_esp_err = ESP_OK;
    events->error.esp_tls_cert_verify_flags = 0;
    events->error.error_type = MQTT_ERROR_TYPE_NONE;
    events->error.connect_return_code = MQTT_CONNECTION_ACCEPTED;
    for (int i = 0; i < count; i++) {
        if (codes[i] >= 0x80) {
            events->error.error_type = MQTT_ERROR_TYPE_SUBSCRIBE_FAILED;
            break;
        }
    }
    esp_mqtt_event_t event = {
        .event_id = MQTT_EVENT_SUBSCRIBED,
        .msg_id = msg_id,
        .data = (char *)codes,
        .data_len = count,
        .total_data_len = count,
        .current_data_offset = 0,
    };
    host_mqtt_dispatch(events, client, &event);
}

int host_mqtt_payload_length(const char *data, int len)
{
    return len <= 0 && data != NULL ? (int)strlen(data) : len;
}
