/* Host build: ESP-IDF v5.x esp_http_client.h (component esp_http_client) subset: the client's configuration. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ESP_ERR_HTTP_BASE (0x7000)
#define ESP_ERR_HTTP_MAX_REDIRECT (ESP_ERR_HTTP_BASE + 1)
#define ESP_ERR_HTTP_CONNECT (ESP_ERR_HTTP_BASE + 2)
#define ESP_ERR_HTTP_WRITE_DATA (ESP_ERR_HTTP_BASE + 3)
#define ESP_ERR_HTTP_FETCH_HEADER (ESP_ERR_HTTP_BASE + 4)
#define ESP_ERR_HTTP_INVALID_TRANSPORT (ESP_ERR_HTTP_BASE + 5)
#define ESP_ERR_HTTP_CONNECTING (ESP_ERR_HTTP_BASE + 6)
#define ESP_ERR_HTTP_EAGAIN (ESP_ERR_HTTP_BASE + 7)
#define ESP_ERR_HTTP_CONNECTION_CLOSED (ESP_ERR_HTTP_BASE + 8)
#define ESP_ERR_HTTP_NOT_MODIFIED (ESP_ERR_HTTP_BASE + 9)
#define ESP_ERR_HTTP_RANGE_NOT_SATISFIABLE (ESP_ERR_HTTP_BASE + 10)
#define ESP_ERR_HTTP_READ_TIMEOUT (ESP_ERR_HTTP_BASE + 11)
#define ESP_ERR_HTTP_INCOMPLETE_DATA (ESP_ERR_HTTP_BASE + 12)

typedef struct esp_http_client *esp_http_client_handle_t;

typedef struct {
    const char *url;              /* https://host[:port]/path */
    const char *cert_pem;         /* the server's CA, PEM, NUL-terminated */
    size_t cert_len;
    const char *client_cert_pem;
    const char *client_key_pem;
    int timeout_ms;               /* network timeout of each operation */
    bool disable_auto_redirect;
    int buffer_size;
    int buffer_size_tx;
    bool keep_alive_enable;
    esp_err_t (*crt_bundle_attach)(void *conf);
} esp_http_client_config_t;

#ifdef __cplusplus
}
#endif
