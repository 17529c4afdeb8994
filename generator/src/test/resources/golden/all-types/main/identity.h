/*
 * The device's identity, read from its own NVS partition at boot: never compiled in, so that one
 * firmware image serves the whole fleet and a bench can rewrite identity without touching the app.
 */
#pragma once

#include "esp_err.h"

typedef struct {
    char *thing_name;  /* also the MQTT client id: AWS policies expect them equal */
    char *endpoint;    /* AWS IoT data endpoint host name */
    char *device_cert; /* PEM, NUL-terminated */
    char *private_key; /* PEM, NUL-terminated; never logged */
    char *server_ca;   /* PEM, NUL-terminated: from NVS, or the built-in Amazon Root CA 1 */
} device_identity_t;

typedef struct {
    char *ssid;
    char *password;
} wifi_credentials_t;

/*
 * Opens the identity partition and reads every identity key, sizing each buffer from NVS first.
 * Logs which key is missing and returns an error instead of crashing. The strings stay allocated for
 * the life of the MQTT client, which keeps the pointers it is given.
 */
esp_err_t identity_load(device_identity_t *identity);

esp_err_t wifi_credentials_load(wifi_credentials_t *credentials);

/* Frees what identity_load allocated (after a failed load, or when the client is destroyed). */
void identity_free(device_identity_t *identity);

void wifi_credentials_free(wifi_credentials_t *credentials);

/* Amazon Root CA 1, the server CA used when the identity partition holds none. */
extern const char aws_root_ca_1_pem[];
