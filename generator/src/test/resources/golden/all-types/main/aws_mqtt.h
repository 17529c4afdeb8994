/*
 * MQTT over TLS to AWS IoT Core with X.509 mutual authentication, the shadow subscriptions, the
 * online/offline status, telemetry, and reconnects scheduled by the app with exponential backoff and jitter.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "esp_err.h"

#include "identity.h"

/*
 * Creates and starts the MQTT client for `identity`, which must stay valid while the client runs
 * (esp-mqtt keeps the certificate and key pointers, it does not copy them).
 */
esp_err_t mqtt_init(const device_identity_t *identity);

/* Publishes the reported state (desired values, firmware version, online; the readings too when
 * `with_telemetry`) to the shadow. */
bool mqtt_publish_reported(bool with_telemetry);

/* Publishes the readings where the config sends them (telemetry.to): to <prefix>/<thing>/telemetry, or into
 * the shadow's reported state. Nothing is sent when no hook supplies a reading. */
bool mqtt_publish_telemetry(void);

/*
 * The broker URI for an endpoint read from NVS: "host" (AWS IoT Core: default_port, 8883) or "host:port" (a
 * test broker) gives "mqtts://host:port". False for an empty host, a port that is not 1..65535, or no room.
 */
bool mqtt_broker_uri(const char *endpoint, int default_port, char *uri, size_t size);

/* True between MQTT_EVENT_CONNECTED and MQTT_EVENT_DISCONNECTED. */
bool mqtt_is_connected(void);
