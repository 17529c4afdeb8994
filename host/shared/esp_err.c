/*
 * esp_err_to_name and ESP_ERROR_CHECK's failure report, shared by the fakes and the runtime: every code the
 * host headers define, by ESP-IDF's own names (components/esp_common/src/esp_err_to_name.c answers
 * "UNKNOWN ERROR" for a code it does not know).
 */
#include <stdio.h>
#include <stdlib.h>

#include "esp_err.h"
#include "esp_http_client.h"
#include "esp_https_ota.h"
#include "esp_ota_ops.h"
#include "esp_tls_errors.h"
#include "esp_wifi.h"
#include "nvs.h"
#include "nvs_sec_provider.h"

#define NAME(code) {code, #code}

static const struct {
    esp_err_t code;
    const char *name;
} s_names[] = {
    NAME(ESP_OK),
    NAME(ESP_FAIL),
    NAME(ESP_ERR_NO_MEM),
    NAME(ESP_ERR_INVALID_ARG),
    NAME(ESP_ERR_INVALID_STATE),
    NAME(ESP_ERR_INVALID_SIZE),
    NAME(ESP_ERR_NOT_FOUND),
    NAME(ESP_ERR_NOT_SUPPORTED),
    NAME(ESP_ERR_TIMEOUT),
    NAME(ESP_ERR_INVALID_RESPONSE),
    NAME(ESP_ERR_INVALID_CRC),
    NAME(ESP_ERR_INVALID_VERSION),
    NAME(ESP_ERR_INVALID_MAC),
    NAME(ESP_ERR_NOT_FINISHED),
    NAME(ESP_ERR_NOT_ALLOWED),
    NAME(ESP_ERR_NVS_NOT_INITIALIZED),
    NAME(ESP_ERR_NVS_NOT_FOUND),
    NAME(ESP_ERR_NVS_TYPE_MISMATCH),
    NAME(ESP_ERR_NVS_READ_ONLY),
    NAME(ESP_ERR_NVS_NOT_ENOUGH_SPACE),
    NAME(ESP_ERR_NVS_INVALID_NAME),
    NAME(ESP_ERR_NVS_INVALID_HANDLE),
    NAME(ESP_ERR_NVS_REMOVE_FAILED),
    NAME(ESP_ERR_NVS_KEY_TOO_LONG),
    NAME(ESP_ERR_NVS_PAGE_FULL),
    NAME(ESP_ERR_NVS_INVALID_STATE),
    NAME(ESP_ERR_NVS_INVALID_LENGTH),
    NAME(ESP_ERR_NVS_NO_FREE_PAGES),
    NAME(ESP_ERR_NVS_VALUE_TOO_LONG),
    NAME(ESP_ERR_NVS_PART_NOT_FOUND),
    NAME(ESP_ERR_NVS_NEW_VERSION_FOUND),
    NAME(ESP_ERR_NVS_XTS_CFG_NOT_FOUND),
    NAME(ESP_ERR_NVS_KEYS_NOT_INITIALIZED),
    NAME(ESP_ERR_NVS_CORRUPT_KEY_PART),
    NAME(ESP_ERR_NVS_SEC_HMAC_KEY_NOT_FOUND),
    NAME(ESP_ERR_WIFI_NOT_INIT),
    NAME(ESP_ERR_WIFI_NOT_STARTED),
    NAME(ESP_ERR_ESP_TLS_CANNOT_RESOLVE_HOSTNAME),
    NAME(ESP_ERR_ESP_TLS_CANNOT_CREATE_SOCKET),
    NAME(ESP_ERR_ESP_TLS_UNSUPPORTED_PROTOCOL_FAMILY),
    NAME(ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST),
    NAME(ESP_ERR_ESP_TLS_SOCKET_SETOPT_FAILED),
    NAME(ESP_ERR_ESP_TLS_CONNECTION_TIMEOUT),
    NAME(ESP_ERR_ESP_TLS_SE_FAILED),
    NAME(ESP_ERR_ESP_TLS_TCP_CLOSED_FIN),
    NAME(ESP_ERR_MBEDTLS_CERT_PARTLY_OK),
    NAME(ESP_ERR_MBEDTLS_CTR_DRBG_SEED_FAILED),
    NAME(ESP_ERR_MBEDTLS_SSL_SET_HOSTNAME_FAILED),
    NAME(ESP_ERR_MBEDTLS_SSL_CONFIG_DEFAULTS_FAILED),
    NAME(ESP_ERR_MBEDTLS_SSL_CONF_ALPN_PROTOCOLS_FAILED),
    NAME(ESP_ERR_MBEDTLS_X509_CRT_PARSE_FAILED),
    NAME(ESP_ERR_MBEDTLS_SSL_CONF_OWN_CERT_FAILED),
    NAME(ESP_ERR_MBEDTLS_SSL_SETUP_FAILED),
    NAME(ESP_ERR_MBEDTLS_SSL_WRITE_FAILED),
    NAME(ESP_ERR_MBEDTLS_PK_PARSE_KEY_FAILED),
    NAME(ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED),
    NAME(ESP_ERR_MBEDTLS_SSL_CONF_PSK_FAILED),
    NAME(ESP_ERR_MBEDTLS_SSL_TICKET_SETUP_FAILED),
    NAME(ESP_ERR_OTA_PARTITION_CONFLICT),
    NAME(ESP_ERR_OTA_SELECT_INFO_INVALID),
    NAME(ESP_ERR_OTA_VALIDATE_FAILED),
    NAME(ESP_ERR_OTA_SMALL_SEC_VER),
    NAME(ESP_ERR_OTA_ROLLBACK_FAILED),
    NAME(ESP_ERR_OTA_ROLLBACK_INVALID_STATE),
    NAME(ESP_ERR_HTTP_MAX_REDIRECT),
    NAME(ESP_ERR_HTTP_CONNECT),
    NAME(ESP_ERR_HTTP_WRITE_DATA),
    NAME(ESP_ERR_HTTP_FETCH_HEADER),
    NAME(ESP_ERR_HTTP_INVALID_TRANSPORT),
    NAME(ESP_ERR_HTTP_CONNECTING),
    NAME(ESP_ERR_HTTP_EAGAIN),
    NAME(ESP_ERR_HTTP_CONNECTION_CLOSED),
    NAME(ESP_ERR_HTTP_NOT_MODIFIED),
    NAME(ESP_ERR_HTTP_RANGE_NOT_SATISFIABLE),
    NAME(ESP_ERR_HTTP_READ_TIMEOUT),
    NAME(ESP_ERR_HTTP_INCOMPLETE_DATA),
    NAME(ESP_ERR_HTTPS_OTA_IN_PROGRESS),
};

const char *esp_err_to_name(esp_err_t code)
{
    for (size_t i = 0; i < sizeof(s_names) / sizeof(s_names[0]); i++) {
        if (s_names[i].code == code) {
            return s_names[i].name;
        }
    }
    return "UNKNOWN ERROR";
}

/* As components/esp_common/src/esp_err.c reports it (the caller's address aside), then abort(). */
void _esp_error_check_failed(esp_err_t rc, const char *file, int line, const char *function,
                             const char *expression)
{
    fflush(stdout);
    fprintf(stderr, "ESP_ERROR_CHECK failed: esp_err_t 0x%x (%s)\nfile: \"%s\" line %d\nfunc: %s\nexpression: %s\n",
            (unsigned)rc, esp_err_to_name(rc), file, line, function, expression);
    abort();
}
