/*
 * esp-mqtt's events (ESP-IDF v5.5, components/mqtt/esp-mqtt/mqtt_client.c), one implementation for the
 * fakes and the runtime: how a client's handlers are registered and reached, what each event carries, and
 * the sequences the genuine client posts when a connection fails or is lost, or a subscription is refused.
 * Each build has its own client (the fakes record, the runtime talks MQTT through libmosquitto) and embeds
 * a host_mqtt_events_t in it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "event_loop.h"
#include "mqtt_client.h"

typedef struct {
    host_event_loop_t *loop;       /* the client's own event loop (esp_mqtt_client_init makes one) */
    esp_mqtt_error_codes_t error;  /* every event's error_handle points here, as esp-mqtt's client->event does */
} host_mqtt_events_t;

bool host_mqtt_events_init(host_mqtt_events_t *events);
void host_mqtt_events_free(host_mqtt_events_t *events);

/* esp_mqtt_client_register_event: handlers for MQTT_EVENTS and `event` (MQTT_EVENT_ANY for all). */
esp_err_t host_mqtt_events_register(host_mqtt_events_t *events, esp_mqtt_event_id_t event,
                                    esp_event_handler_t handler, void *arg);

/*
 * Runs the handlers for `event` in the calling thread (esp-mqtt posts a copy of its event to the client's
 * loop and runs it at once, in the MQTT task): client, protocol version and error_handle are set, and the
 * handlers get a copy of the struct.
 */
void host_mqtt_dispatch(host_mqtt_events_t *events, esp_mqtt_client_handle_t client, const esp_mqtt_event_t *event);

/* An event with nothing but its id and message id (BEFORE_CONNECT, DISCONNECTED, PUBLISHED, ...). */
void host_mqtt_dispatch_simple(host_mqtt_events_t *events, esp_mqtt_client_handle_t client,
                               esp_mqtt_event_id_t id, int msg_id);

/*
 * MQTT_EVENT_ERROR for a transport error (esp_mqtt_client_dispatch_transport_error): error_type
 * MQTT_ERROR_TYPE_TCP_TRANSPORT, connect_return_code 0, esp-tls' last error (an ESP_ERR_ESP_TLS_* or
 * ESP_ERR_MBEDTLS_* code, or ESP_OK when esp-tls recorded none), the TLS stack's error and certificate
 * flags, and the socket's errno. The caller then dispatches MQTT_EVENT_DISCONNECTED, as
 * esp_mqtt_abort_connection does.
 */
void host_mqtt_dispatch_transport_error(host_mqtt_events_t *events, esp_mqtt_client_handle_t client,
                                        esp_err_t tls_error, int tls_stack_error, int cert_verify_flags,
                                        int sock_errno);

/* MQTT_EVENT_ERROR for a CONNACK that refused the connection (esp_mqtt_connect). */
void host_mqtt_dispatch_connection_refused(host_mqtt_events_t *events, esp_mqtt_client_handle_t client,
                                           esp_mqtt_connect_return_code_t code);

/*
 * MQTT_EVENT_SUBSCRIBED for a SUBACK (deliver_suback): the return codes are the event's data; a code of
 * 0x80 or more (refused) sets error_type MQTT_ERROR_TYPE_SUBSCRIBE_FAILED; there is no MQTT_EVENT_ERROR.
 */
void host_mqtt_dispatch_suback(host_mqtt_events_t *events, esp_mqtt_client_handle_t client, int msg_id,
                               const uint8_t *codes, int count);

/* esp_mqtt_client_publish's payload length: `len`, or strlen(data) when len <= 0 and there is data. */
int host_mqtt_payload_length(const char *data, int len);
