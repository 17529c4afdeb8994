/*
 * esp_https_ota (ESP-IDF v5.5's begin / get_img_desc / perform / is_complete_data_received / finish / abort) on
 * the host: an HTTP/1.1 GET over TLS by OpenSSL, the server checked against the PEM CA of the
 * esp_http_client_config_t (cert_pem) and its host name (or IP address), the body written with esp_ota_* into the
 * next update slot of the flash file (ota_flash.c). As in ESP-IDF: a status other than 200 fails begin; a
 * connection that ends before Content-Length bytes makes perform return ESP_FAIL ("Connection closed"); finish
 * validates the image (esp_ota_end) and then makes the slot the boot partition. Content-Length bodies only: a
 * chunked answer is refused.
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "esp_https_ota.h"
#include "esp_log.h"
#include "esp_ota_ops.h"

static const char *TAG = "esp_https_ota";

/* What get_img_desc needs: image header, first segment header, esp_app_desc_t (esp_https_ota.c's
 * IMAGE_HEADER_SIZE). */
#define IMAGE_HEADER_BYTES (24 + 8 + 256)
#define APP_DESC_OFFSET (24 + 8)
#define DEFAULT_TIMEOUT_MS 5000

typedef struct {
    SSL_CTX *ctx;
    SSL *ssl;
    int fd;
    long content_length;    /* -1: unknown */
    long received;          /* body bytes read from the connection */
    long written;           /* body bytes written to the slot */
    unsigned char pending[4096]; /* body bytes read but not yet written */
    size_t pending_length;
    const esp_partition_t *slot;
    esp_ota_handle_t ota;
    bool ota_open;
    bool closed;
} https_ota_t;

static void close_connection(https_ota_t *h)
{
    if (h->ssl != NULL) {
        SSL_free(h->ssl);
        h->ssl = NULL;
    }
    if (h->fd >= 0) {
        close(h->fd);
        h->fd = -1;
    }
    if (h->ctx != NULL) {
        SSL_CTX_free(h->ctx);
        h->ctx = NULL;
    }
}

static void destroy(https_ota_t *h)
{
    close_connection(h);
    if (h->ota_open) {
        esp_ota_abort(h->ota);
    }
    free(h);
}

static bool parse_url(const char *url, char *host, size_t host_size, char *port, size_t port_size, const char **path)
{
    if (strncmp(url, "https://", 8) != 0) {
        return false;
    }
    const char *start = url + 8;
    const char *slash = strchr(start, '/');
    const char *end = slash != NULL ? slash : start + strlen(start);
    const char *colon = memchr(start, ':', (size_t)(end - start));
    const char *host_end = colon != NULL ? colon : end;
    if (host_end == start || (size_t)(host_end - start) >= host_size) {
        return false;
    }
    memcpy(host, start, (size_t)(host_end - start));
    host[host_end - start] = '\0';
    if (colon != NULL) {
        if ((size_t)(end - colon - 1) >= port_size || end == colon + 1) {
            return false;
        }
        memcpy(port, colon + 1, (size_t)(end - colon - 1));
        port[end - colon - 1] = '\0';
    } else {
        snprintf(port, port_size, "443");
    }
    *path = slash != NULL ? slash : "/";
    return true;
}

static int connect_tcp(const char *host, const char *port, int timeout_ms)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *addresses = NULL;
    if (getaddrinfo(host, port, &hints, &addresses) != 0) {
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *a = addresses; a != NULL && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(addresses);
    if (fd >= 0) {
        struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    }
    return fd;
}

static bool trust(SSL_CTX *ctx, const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *cert;
    int count = 0;
    while (bio != NULL && (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        count += X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), cert) == 1 ? 1 : 0;
        X509_free(cert);
    }
    BIO_free(bio);
    ERR_clear_error();
    return count > 0;
}

/* Reads the status line and headers; the body bytes read past them go to pending. */
static esp_err_t read_headers(https_ota_t *h)
{
    char head[8192];
    size_t length = 0;
    char *end = NULL;
    while (end == NULL) {
        if (length == sizeof(head) - 1) {
            return ESP_ERR_HTTP_FETCH_HEADER;
        }
        int n = SSL_read(h->ssl, head + length, (int)(sizeof(head) - 1 - length));
        if (n <= 0) {
            return ESP_ERR_HTTP_FETCH_HEADER;
        }
        length += (size_t)n;
        head[length] = '\0';
        end = strstr(head, "\r\n\r\n");
    }
    size_t header_length = (size_t)(end + 4 - head);
    int status = 0;
    if (sscanf(head, "HTTP/1.%*d %d", &status) != 1) {
        return ESP_ERR_HTTP_FETCH_HEADER;
    }
    h->content_length = -1;
    for (char *line = strstr(head, "\r\n"); line != NULL && line < end; line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, "Content-Length:", 15) == 0) {
            h->content_length = strtol(line + 17, NULL, 10);
        } else if (strncasecmp(line + 2, "Transfer-Encoding:", 18) == 0 && strstr(line + 20, "chunked") != NULL
                   && strstr(line + 20, "chunked") < strstr(line + 2, "\r\n")) {
            ESP_LOGE(TAG, "the server sent a chunked body: the host runtime reads Content-Length bodies only");
            return ESP_ERR_NOT_SUPPORTED;
        }
    }
    if (status != 200) {
        ESP_LOGE(TAG, "HTTP status %d", status);
        return ESP_FAIL;
    }
    h->pending_length = length - header_length;
    memcpy(h->pending, head + header_length, h->pending_length);
    h->received = (long)h->pending_length;
    return ESP_OK;
}

esp_err_t esp_https_ota_begin(const esp_https_ota_config_t *ota_config, esp_https_ota_handle_t *handle)
{
    if (handle == NULL || ota_config == NULL || ota_config->http_config == NULL || ota_config->http_config->url == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    *handle = NULL;
    const esp_http_client_config_t *http = ota_config->http_config;
    if (http->cert_pem == NULL && http->crt_bundle_attach == NULL) {
        ESP_LOGE(TAG, "No option for server verification is enabled in esp_http_client config.");
        return ESP_ERR_INVALID_ARG;
    }
    char host[256];
    char port[8];
    const char *path;
    if (!parse_url(http->url, host, sizeof(host), port, sizeof(port), &path)) {
        ESP_LOGE(TAG, "not an https://host[:port]/path URL");
        return ESP_ERR_INVALID_ARG;
    }
    https_ota_t *h = calloc(1, sizeof(*h));
    if (h == NULL) {
        return ESP_ERR_NO_MEM;
    }
    h->fd = -1;
    h->slot = esp_ota_get_next_update_partition(NULL);
    if (h->slot == NULL) {
        ESP_LOGE(TAG, "Passive OTA partition not found");
        destroy(h);
        return ESP_FAIL;
    }
    int timeout = http->timeout_ms > 0 ? http->timeout_ms : DEFAULT_TIMEOUT_MS;
    h->fd = connect_tcp(host, port, timeout);
    if (h->fd < 0) {
        ESP_LOGE(TAG, "cannot connect to %s:%s (errno %d)", host, port, errno);
        destroy(h);
        return ESP_ERR_HTTP_CONNECT;
    }
    h->ctx = SSL_CTX_new(TLS_client_method());
    if (h->ctx == NULL || http->cert_pem == NULL || !trust(h->ctx, http->cert_pem)) {
        ESP_LOGE(TAG, "no usable CA certificate in cert_pem");
        destroy(h);
        return ESP_ERR_HTTP_CONNECT;
    }
    SSL_CTX_set_min_proto_version(h->ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(h->ctx, SSL_VERIFY_PEER, NULL);
    h->ssl = SSL_new(h->ctx);
    X509_VERIFY_PARAM *param = SSL_get0_param(h->ssl);
    if (X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1) {
        X509_VERIFY_PARAM_set1_host(param, host, 0);
        SSL_set_tlsext_host_name(h->ssl, host);
    }
    SSL_set_fd(h->ssl, h->fd);
    if (SSL_connect(h->ssl) != 1) {
        long verify = SSL_get_verify_result(h->ssl);
        ESP_LOGE(TAG, "TLS handshake with %s:%s failed: %s", host, port,
                 verify != X509_V_OK ? X509_verify_cert_error_string(verify) : "handshake error");
        ERR_clear_error();
        destroy(h);
        return ESP_ERR_HTTP_CONNECT;
    }
    char request[1024];
    int n = snprintf(request, sizeof(request), "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: ESP32 HTTP Client/1.0\r\n"
                     "Connection: close\r\n\r\n", path, host);
    if (n <= 0 || (size_t)n >= sizeof(request) || SSL_write(h->ssl, request, n) != n) {
        destroy(h);
        return ESP_ERR_HTTP_WRITE_DATA;
    }
    esp_err_t err = read_headers(h);
    if (err != ESP_OK) {
        destroy(h);
        return err;
    }
    ESP_LOGI(TAG, "Starting OTA into %s (0x%" PRIx32 "), %ld bytes", h->slot->label, h->slot->address,
             h->content_length);
    *handle = h;
    return ESP_OK;
}

/* Reads more of the body into pending; 0 at its end (or when the peer closed), -1 on an error. */
static int read_more(https_ota_t *h)
{
    if (h->closed || (h->content_length >= 0 && h->received >= h->content_length)) {
        return 0;
    }
    size_t room = sizeof(h->pending) - h->pending_length;
    if (h->content_length >= 0 && (long)room > h->content_length - h->received) {
        room = (size_t)(h->content_length - h->received);
    }
    int n = SSL_read(h->ssl, h->pending + h->pending_length, (int)room);
    if (n <= 0) {
        h->closed = true;
        int reason = SSL_get_error(h->ssl, n);
        ERR_clear_error();
        return reason == SSL_ERROR_ZERO_RETURN || reason == SSL_ERROR_SYSCALL ? 0 : -1;
    }
    h->pending_length += (size_t)n;
    h->received += n;
    return n;
}

esp_err_t esp_https_ota_get_img_desc(esp_https_ota_handle_t https_ota_handle, esp_app_desc_t *new_app_info)
{
    https_ota_t *h = https_ota_handle;
    if (h == NULL || new_app_info == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (h->written > 0) {
        return ESP_FAIL; /* as ESP-IDF: only before perform has written */
    }
    while (h->pending_length < IMAGE_HEADER_BYTES) {
        int n = read_more(h);
        if (n <= 0) {
            return ESP_FAIL;
        }
    }
    memcpy(new_app_info, h->pending + APP_DESC_OFFSET, sizeof(*new_app_info));
    if (new_app_info->magic_word != ESP_APP_DESC_MAGIC_WORD) {
        ESP_LOGE(TAG, "Incorrect app descriptor magic");
        return ESP_FAIL;
    }
    return ESP_OK;
}

esp_err_t esp_https_ota_perform(esp_https_ota_handle_t https_ota_handle)
{
    https_ota_t *h = https_ota_handle;
    if (h == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!h->ota_open) {
        esp_err_t err = esp_ota_begin(h->slot, OTA_SIZE_UNKNOWN, &h->ota);
        if (err != ESP_OK) {
            ESP_LOGE(TAG, "esp_ota_begin failed (%s)", esp_err_to_name(err));
            return err;
        }
        h->ota_open = true;
    }
    if (h->pending_length == 0) {
        int n = read_more(h);
        if (n < 0) {
            return ESP_FAIL;
        }
        if (n == 0) {
            if (!esp_https_ota_is_complete_data_received(h)) {
                ESP_LOGE(TAG, "Connection closed, errno = %d", ECONNRESET);
                return ESP_FAIL;
            }
            return ESP_OK;
        }
    }
    esp_err_t err = esp_ota_write(h->ota, h->pending, h->pending_length);
    if (err != ESP_OK) {
        return err;
    }
    h->written += (long)h->pending_length;
    h->pending_length = 0;
    return ESP_ERR_HTTPS_OTA_IN_PROGRESS;
}

bool esp_https_ota_is_complete_data_received(esp_https_ota_handle_t https_ota_handle)
{
    const https_ota_t *h = https_ota_handle;
    return h != NULL && h->content_length >= 0 && h->written == h->content_length;
}

int esp_https_ota_get_image_len_read(esp_https_ota_handle_t https_ota_handle)
{
    const https_ota_t *h = https_ota_handle;
    return h != NULL ? (int)h->written : -1;
}

int esp_https_ota_get_image_size(esp_https_ota_handle_t https_ota_handle)
{
    const https_ota_t *h = https_ota_handle;
    return h != NULL ? (int)h->content_length : -1;
}

esp_err_t esp_https_ota_finish(esp_https_ota_handle_t https_ota_handle)
{
    https_ota_t *h = https_ota_handle;
    if (h == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    esp_err_t err = ESP_ERR_INVALID_STATE;
    if (h->ota_open) {
        err = esp_ota_end(h->ota);
        h->ota_open = false;
        if (err == ESP_OK) {
            err = esp_ota_set_boot_partition(h->slot);
        }
    }
    destroy(h);
    return err;
}

esp_err_t esp_https_ota_abort(esp_https_ota_handle_t https_ota_handle)
{
    if (https_ota_handle == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    destroy(https_ota_handle);
    return ESP_OK;
}
